/*
 * run_cli.h: `labhit run FILE [--var K=V]... [--workspace DIR] [--json]`:
 * runs a pipeline locally (no server) with the scheduler and prints live
 * progress or JSON lines. Runs in the labhit command-line process.
 */
#ifndef LH_RUN_CLI_H
#define LH_RUN_CLI_H

struct lh_config;

/* argv[0] = "run". Exit status: 0 when the pipeline succeeded, 1 when it
 * failed, was cancelled or is invalid, 64 on a usage error. */
int run_cli_main(int argc, char **argv, const struct lh_config *cfg);
/* The FILE of -c/--config FILE in run's arguments, or NULL. */
const char *run_config_path(int argc, char **argv);

#endif
