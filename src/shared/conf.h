/*
 * conf.h: labhit.conf, its environment overrides and command-line flags.
 * Precedence: flag > environment (LABHIT_<KEY>, and the spec's own names) >
 * file > built-in default. The key table lives in conf.c; adding a key
 * means a field here, a row there, and a documented line in etc/labhit.conf.
 */
#ifndef LH_CONF_H
#define LH_CONF_H

#include <stddef.h>
#include <stdint.h>

#define LH_MAX_LISTEN 8
#define LH_EX_CONFIG 78		/* sysexits EX_CONFIG: never respawned */

struct lh_rate {
	uint32_t count;		/* requests allowed per period; 0 = unlimited */
	uint32_t period_ms;
};

struct lh_config {
	char	*config_file;	/* file actually read, or NULL */

	/* process model */
	char	*listen;	/* comma-separated ADDR:PORT list */
	char	*state_dir;
	int	 workers;	/* 0 = one per core */
	int	 runners;
	int	 runner_slots;	/* stages one runner runs at once */
	char	*user;
	char	*group;
	char	*pid_file;	/* "" = STATE_DIR/labhit.pid */
	uint32_t shutdown_timeout_ms;

	/* logging */
	int	 log_level;	/* enum lh_log_level */
	char	*log_file;	/* "" = stderr */
	int	 access_log;

	/* storage */
	char	*database;	/* "" = sqlite:STATE_DIR/labhit.db */

	/* HTTP */
	size_t	 max_body_size;
	size_t	 max_header_size;
	uint32_t header_timeout_ms;
	uint32_t read_timeout_ms;
	uint32_t write_timeout_ms;
	uint32_t keepalive_timeout_ms;
	int	 max_connections;	/* per worker */
	char	*cors_origins;	/* comma-separated; "" = CORS off */
	int	 playground;
	struct lh_rate rate_limit_read;
	struct lh_rate rate_limit_write;
	uint32_t rate_limit_table_size;	/* entries, power of two */

	/* GraphQL */
	int	 graphql_max_depth;
	int	 graphql_max_complexity;

	/* pipelines and sandbox */
	char	*sandbox;	/* "bwrap" or "none" */
	char	*images_dir;	/* "" = STATE_DIR/images */
	size_t	 stage_log_limit;
	size_t	 stage_output_limit;
	uint32_t stage_kill_grace_ms;
	uint32_t default_stage_timeout_ms;
	int	 stage_max_processes;	/* pids.max (or RLIMIT_NPROC) */
	char	*stage_user;	/* unprivileged user stages run as when root */

	/* secrets from the spec's environment variables (never logged) */
	char	*jwt_secret;
	char	*github_client_id;
	char	*github_client_secret;
	char	*api_key;
	char	*webhook_secret;
	char	*webhook_pipeline;
};

/* Fills cfg with built-in defaults. */
void conf_defaults(struct lh_config *cfg);
/* Reads path into cfg. When must_exist is 0 a missing file is not an error.
 * On error writes "FILE:LINE: message" into err and returns -1. */
int conf_load_file(struct lh_config *cfg, const char *path, int must_exist,
    char *err, size_t errlen);
/* Applies LABHIT_<KEY> and the spec's variables from environ. */
int conf_load_env(struct lh_config *cfg, char *err, size_t errlen);
/* Sets one key from a flag or test: same parsing as the file. */
int conf_set(struct lh_config *cfg, const char *key, const char *value,
    char *err, size_t errlen);
/* Fills derived defaults (pid_file, database, images_dir, workers=ncpu) and
 * checks cross-key rules. */
int conf_finish(struct lh_config *cfg, char *err, size_t errlen);
void conf_free(struct lh_config *cfg);
/* The i-th known key name, or NULL past the last (docs and tests). */
const char *conf_key_at(size_t i);

/* Value parsers shared with other modules. Each returns 0 or -1. */
int conf_parse_duration_ms(const char *s, uint32_t *out);	/* 30s 5m 100ms */
int conf_parse_size(const char *s, size_t *out);	/* 64MiB 1k 512 */
int conf_parse_rate(const char *s, struct lh_rate *out);	/* 100/min, 0 */
int conf_parse_bool(const char *s, int *out);

#endif
