/*
 * serve.c: `labhit serve`: command-line flags, the configuration sequence
 * (defaults, file, environment, flags) shared by start and reload, and
 * --check-config. Runs in the master before anything is bound.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "master/master.h"
#include "master/serve.h"
#include "shared/log.h"

#define DEFAULT_CONFIG SYSCONFDIR "/labhit/labhit.conf"

static void
serve_usage(FILE *fp)
{
	fprintf(fp,
"usage: labhit serve [options]\n"
"\n"
"Runs the LabHit Engine API server: a master process that supervises HTTP\n"
"workers and sandboxed pipeline runners.\n"
"\n"
"options:\n"
"  -c, --config FILE       configuration file (default " DEFAULT_CONFIG ";\n"
"                          built-in defaults when that file is absent)\n"
"      --listen ADDR:PORT  address(es) to listen on, comma-separated\n"
"      --state-dir DIR     where the database, sockets and workspaces live\n"
"      --database URL      sqlite:PATH or postgres://...\n"
"      --workers N         HTTP worker processes (0 = one per core)\n"
"      --runners N         pipeline runner processes\n"
"      --playground        serve the GraphQL playground at /graphql/playground\n"
"      --cors-origins LIST allow these origins (comma-separated) cross-origin\n"
"      --log-level LEVEL   error, warn, info or debug\n"
"      --log-file FILE     log to FILE instead of stderr\n"
"      --check-config      validate the configuration and exit\n"
"  -h, --help              show this help\n"
"\n"
"Every setting can also come from labhit.conf or from LABHIT_<KEY> in the\n"
"environment; flags win over the environment, which wins over the file.\n"
"Signals: TERM/INT stop gracefully, HUP reloads, USR1 reopens the log file.\n"
"See labhit(8) and labhit.conf(5).\n");
}

int
master_add_override(struct lh_serve_opts *o, const char *key,
    const char *value)
{
	size_t max = sizeof(o->overrides) / sizeof(o->overrides[0]);

	if ((size_t)o->noverrides == max) {
		fprintf(stderr, "labhit: too many options\n");
		return -1;
	}
	o->overrides[o->noverrides].key = key;
	o->overrides[o->noverrides].value = value;
	o->noverrides++;
	return 0;
}

int
master_load_config(const struct lh_serve_opts *opts, struct lh_config *cfg,
    char *err, size_t errlen)
{
	char msg[512];
	const char *path = opts->config_path != NULL ? opts->config_path :
	    DEFAULT_CONFIG;

	conf_defaults(cfg);
	if (conf_load_file(cfg, path, opts->config_required, err,
	    errlen) == -1 || conf_load_env(cfg, err, errlen) == -1)
		goto fail;
	for (int i = 0; i < opts->noverrides; i++) {
		if (conf_set(cfg, opts->overrides[i].key,
		    opts->overrides[i].value, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "command line: %s", msg);
			goto fail;
		}
	}
	if (conf_finish(cfg, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	conf_free(cfg);
	return -1;
}

int
serve_cli_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'L' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "database", required_argument, NULL, 'D' },
		{ "workers", required_argument, NULL, 'W' },
		{ "runners", required_argument, NULL, 'R' },
		{ "playground", no_argument, NULL, 'P' },
		{ "cors-origins", required_argument, NULL, 'C' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "log-file", required_argument, NULL, 'F' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct lh_serve_opts opts;
	struct lh_config cfg;
	char err[512];
	int ch, check = 0, rc = 0;

	memset(&opts, 0, sizeof(opts));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			opts.config_path = optarg;
			opts.config_required = 1;
			break;
		case 'L':
			rc = master_add_override(&opts, "listen", optarg);
			break;
		case 'S':
			rc = master_add_override(&opts, "state_dir", optarg);
			break;
		case 'D':
			rc = master_add_override(&opts, "database", optarg);
			break;
		case 'W':
			rc = master_add_override(&opts, "workers", optarg);
			break;
		case 'R':
			rc = master_add_override(&opts, "runners", optarg);
			break;
		case 'P':
			rc = master_add_override(&opts, "playground", "on");
			break;
		case 'C':
			rc = master_add_override(&opts, "cors_origins", optarg);
			break;
		case 'l':
			rc = master_add_override(&opts, "log_level", optarg);
			break;
		case 'F':
			rc = master_add_override(&opts, "log_file", optarg);
			break;
		case 'k':
			check = 1;
			break;
		case 'h':
			serve_usage(stdout);
			return 0;
		default:
			serve_usage(stderr);
			return 64;
		}
		if (rc == -1)
			return 64;
	}
	if (optind != argc) {
		fprintf(stderr, "labhit serve: unexpected argument '%s'\n",
		    argv[optind]);
		serve_usage(stderr);
		return 64;
	}
	if (master_load_config(&opts, &cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "labhit: %s\n", err);
		return LH_EX_CONFIG;
	}
	if (check) {
		printf("configuration ok%s%s\n", cfg.config_file != NULL ?
		    ": " : " (built-in defaults)",
		    cfg.config_file != NULL ? cfg.config_file : "");
		conf_free(&cfg);
		return 0;
	}
	log_set_level((enum lh_log_level)cfg.log_level);
	if (log_open(cfg.log_file) == -1) {
		fprintf(stderr, "labhit: cannot open log file %s\n",
		    cfg.log_file);
		conf_free(&cfg);
		return LH_EX_CONFIG;
	}
	return master_main(&opts, &cfg);
}
