/*
 * database.c: the master's start-up database step and `labhit migrate`.
 * Runs before any child exists, so migrations never race a worker.
 */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "master/database.h"
#include "master/master.h"
#include "shared/conf.h"
#include "shared/log.h"
#include "shared/store.h"

int
master_database_prepare(const struct lh_config *cfg)
{
	struct lh_store *st;
	char *err = NULL, **ids = NULL;
	size_t nswept = 0;
	int applied = 0;

	if ((st = store_open(cfg->database, &err)) == NULL) {
		log_error("%s", err != NULL ? err : "cannot open the database");
		free(err);
		return LH_EX_CONFIG;
	}
	if (store_migrate(st, &applied) != LH_STORE_OK) {
		log_error("database migration failed: %s", store_errmsg(st));
		store_close(st);
		return LH_EX_CONFIG;
	}
	if (applied > 0)
		log_info("database: applied %d migration%s", applied,
		    applied == 1 ? "" : "s");
	/* A crash never leaves a run RUNNING forever: runs whose lease ran
	 * out while no master was watching fail now with "runner lost". */
	if (store_run_sweep(st, time(NULL), &ids, &nswept) != LH_STORE_OK) {
		log_error("recovery sweep failed: %s", store_errmsg(st));
		store_close(st);
		return 1;
	}
	for (size_t i = 0; i < nswept; i++)
		log_warnx("run %s failed at start-up: runner lost", ids[i]);
	store_ids_free(ids, nswept);
	store_close(st);
	return 0;
}

static void
migrate_usage(FILE *fp)
{
	fprintf(fp,
"usage: labhit migrate [-c FILE] [--database URL] [--state-dir DIR] [--status]\n"
"\n"
"Applies pending database migrations (labhit serve also does at start).\n"
"With --status, lists every migration, applied or pending, one per line.\n");
}

int
migrate_cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "database", required_argument, NULL, 'D' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "status", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lh_serve_opts opts;
	struct lh_config cfg;
	char err[512];
	char *sub[3];
	int ch, status = 0, subc = 1, rc;

	memset(&opts, 0, sizeof(opts));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			opts.config_path = optarg;
			opts.config_required = 1;
			break;
		case 'D':
			if (master_add_override(&opts, "database", optarg) == -1)
				return 64;
			break;
		case 'S':
			if (master_add_override(&opts, "state_dir",
			    optarg) == -1)
				return 64;
			break;
		case 's':
			status = 1;
			break;
		case 'h':
			migrate_usage(stdout);
			return 0;
		default:
			migrate_usage(stderr);
			return 64;
		}
	}
	if (optind != argc) {
		migrate_usage(stderr);
		return 64;
	}
	if (master_load_config(&opts, &cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "labhit: %s\n", err);
		return LH_EX_CONFIG;
	}
	sub[0] = argv[0];
	if (status)
		sub[subc++] = (char *)(uintptr_t)"--status";
	sub[subc] = NULL;
	optind = 1;
	rc = migrate_cli_main(subc, sub, cfg.database);
	conf_free(&cfg);
	return rc;
}
