/*
 * main.c: the labhit binary's entry point; only dispatches subcommands.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "master/database.h"
#include "master/master.h"
#include "master/serve.h"
#include "runner/run_cli.h"
#include "runner/runner.h"
#include "shared/conf.h"
#include "shared/log.h"
#include "shared/pipeline/pipeline.h"
#include "worker/graphql/gql.h"

int main(int argc, char **argv);

struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;	/* NULL: hidden */
};

static int help_main(int argc, char **argv);
static int run_main(int argc, char **argv);

static const struct command commands[] = {
	{ "serve", serve_cli_main, "run the API server (master, workers, runners)" },
	{ "migrate", migrate_cmd_main, "apply database migrations (--status lists them)" },
	{ "validate", pl_validate_cli_main, "check pipeline files (FILE... [--json])" },
	{ "run", run_main, "run a pipeline locally, without a server" },
	{ "gql", gql_cli_main, "print the GraphQL schema, validate documents" },
	{ "runner", runner_cli_main, NULL },
	{ "help", help_main, "show this help" },
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: labhit <command> [options]\n\n"
	    "LabHit Engine %s: a self-hosted CI/CD server.\n\ncommands:\n",
	    PACKAGE_VERSION);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].summary != NULL)
			fprintf(fp, "  %-10s %s\n", commands[i].name,
			    commands[i].summary);
	fprintf(fp, "\n  --version  print the version\n\n"
	    "`labhit <command> --help` describes a command; see labhit(8).\n");
}

/* `labhit run` executes stages, so it honours the sandbox settings of
 * labhit.conf (and LABHIT_* variables) like the server's runners do. */
static int
run_main(int argc, char **argv)
{
	struct lh_serve_opts opts;
	struct lh_config cfg;
	char err[512];
	int rc;

	memset(&opts, 0, sizeof(opts));
	/* a file named on the command line must exist */
	opts.config_path = run_config_path(argc, argv);
	opts.config_required = opts.config_path != NULL;
	if (master_load_config(&opts, &cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "labhit: %s\n", err);
		return 78;
	}
	/* the run's output tells the user what happened; the log adds only
	 * warnings, unless labhit.conf asks for debug */
	log_set_level(cfg.log_level == LH_LOG_DEBUG ? LH_LOG_DEBUG :
	    LH_LOG_WARN);
	rc = run_cli_main(argc, argv, &cfg);
	conf_free(&cfg);
	return rc;
}

static int
help_main(int argc, char **argv)
{
	usage(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 64;
	}
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("labhit %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "labhit: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 64;
}
