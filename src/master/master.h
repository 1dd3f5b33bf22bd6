/*
 * master.h: the supervisor process (`labhit serve`). It binds, forks the
 * workers and runners, then only supervises: respawn with backoff, reload by
 * generations on SIGHUP, graceful shutdown on SIGTERM/SIGINT, log reopen on
 * SIGUSR1, the bus relay between workers, and readiness for systemd.
 */
#ifndef LH_MASTER_H
#define LH_MASTER_H

#include "shared/conf.h"

/* A command-line override kept so a reload re-applies it over the file. */
struct lh_override {
	const char *key;
	const char *value;
};

struct lh_serve_opts {
	const char *config_path;	/* -c, or NULL for the default */
	int	 config_required;	/* -c was given */
	struct lh_override overrides[32];
	int	 noverrides;
};

/* Records a flag's key = value; -1 (with a message) when there are too
 * many. */
int master_add_override(struct lh_serve_opts *opts, const char *key,
    const char *value);
/* Loads defaults, file, environment and overrides into cfg (the same
 * sequence at start and on SIGHUP). Returns 0 or -1 with err filled. */
int master_load_config(const struct lh_serve_opts *opts,
    struct lh_config *cfg, char *err, size_t errlen);
/* Runs the server; returns the process exit code. Takes cfg over. */
int master_main(const struct lh_serve_opts *opts, struct lh_config *cfg);

#endif
