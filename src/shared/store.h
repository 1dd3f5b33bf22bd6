/*
 * store.h: the only way labhit reads or writes state. One interface, two
 * backends chosen by URL: "sqlite:PATH" (embedded default) or
 * "postgres://..." / "postgresql://..." (libpq). Workers hold one store
 * each; the master opens one to migrate and to sweep at start.
 *
 * Conventions: every function returns LH_STORE_OK (0) or a negative/positive
 * code below; on LH_STORE_ERR the message is in store_errmsg(). Output
 * structs hold malloc'd strings the caller frees with the matching
 * store_*_free(). Strings are NUL-terminated; the store keeps their bytes
 * unchanged (text columns must be valid UTF-8 on PostgreSQL; the free-form
 * ones marked "bytes" may hold any NUL-free bytes on both backends).
 * Timestamps are RFC 3339 UTC strings; ids are UUIDv7 strings.
 * A handle is one connection: not thread-safe, and never used across
 * fork() (open it in the process that uses it). Writes that must change
 * several rows together run in one transaction inside the store; callers
 * never see BEGIN/COMMIT.
 */
#ifndef LH_STORE_H
#define LH_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define LH_STORE_OK		0
#define LH_STORE_ERR		(-1)	/* see store_errmsg() */
#define LH_STORE_NOTFOUND	1	/* no such row (or not yours) */
#define LH_STORE_CONFLICT	2	/* unique key taken, or wrong state */

enum lh_store_backend {
	LH_STORE_SQLITE = 1,
	LH_STORE_POSTGRES,
};

/* Status words stored in runs.status and stages.status. */
#define LH_ST_PENDING	"PENDING"
#define LH_ST_QUEUED	"QUEUED"
#define LH_ST_RUNNING	"RUNNING"
#define LH_ST_SUCCESS	"SUCCESS"
#define LH_ST_FAILED	"FAILED"
#define LH_ST_SKIPPED	"SKIPPED"
#define LH_ST_CANCELLED	"CANCELLED"

struct lh_store;

/* ---- opening ---------------------------------------------------------- */

/* Connects. On failure returns NULL and sets *errp (caller frees) to a
 * message naming the database with any password masked. */
struct lh_store *store_open(const char *url, char **errp);
void store_close(struct lh_store *st);
enum lh_store_backend store_backend(const struct lh_store *st);
/* Last error message of st (never NULL). */
const char *store_errmsg(const struct lh_store *st);
/* url with the password replaced by "***"; caller frees; NULL on ENOMEM. */
char *store_url_mask(const char *url);

/* ---- migrations (store_migrate.c) ------------------------------------- */

struct lh_migration_status {
	int	 version;
	char	*name;		/* "0001_init" */
	char	*applied_at;	/* NULL when pending */
};

/* Applies every pending migration in order, each in its own transaction.
 * Idempotent. Refuses (LH_STORE_ERR) a database whose schema is newer than
 * this binary. *applied (may be NULL) gets the number applied now. */
int store_migrate(struct lh_store *st, int *applied);
/* Lists known and applied migrations in version order (applied ones the
 * binary does not know are listed too, with their stored name). */
int store_migrate_status(struct lh_store *st,
    struct lh_migration_status **out, size_t *n);
void store_migrate_status_free(struct lh_migration_status *v, size_t n);
/* LH_STORE_OK when the schema is exactly current; LH_STORE_CONFLICT with a
 * message when migrations are pending or the database is newer. */
int store_schema_check(struct lh_store *st);
/* Highest migration version this binary knows. */
int store_schema_version_known(void);
/* `labhit migrate [--status]`: argv[0] is "migrate". Returns an exit code. */
int migrate_cli_main(int argc, char **argv, const char *database_url);

/* ---- users, sessions, API tokens, usage (store_users.c) --------------- */

struct lh_user {
	char	*id;
	char	*github_id;
	char	*email;
	char	*name;
	char	*login;		/* GitHub login */
	char	*avatar_url;
	char	*tier;		/* "free" ... */
	int	 is_admin;
	char	*created_at;
	char	*updated_at;
};

/* Inserts the user or, when github_id exists, updates email, name, login
 * and avatar_url (tier and is_admin are kept). in->id, tier (default
 * "free") and timestamps are chosen by the store. out gets the stored row. */
int store_user_upsert_github(struct lh_store *st, const struct lh_user *in,
    struct lh_user *out);
int store_user_get(struct lh_store *st, const char *id, struct lh_user *out);
int store_user_get_by_github(struct lh_store *st, const char *github_id,
    struct lh_user *out);
int store_user_set_tier(struct lh_store *st, const char *id, const char *tier,
    int is_admin);
void store_user_free(struct lh_user *u);

struct lh_session {
	char	*id;
	char	*user_id;
	char	*token_hash;	/* hex SHA-256 of the refresh token */
	char	*created_at;
	char	*expires_at;
	char	*revoked_at;	/* NULL while valid */
};

int store_session_create(struct lh_store *st, const char *user_id,
    const char *token_hash, time_t expires_at, struct lh_session *out);
/* Finds a session that is neither revoked nor expired at now. */
int store_session_find(struct lh_store *st, const char *token_hash,
    time_t now, struct lh_session *out);
int store_session_revoke(struct lh_store *st, const char *id);
/* Revokes every live session of the user; *n (may be NULL) gets the count. */
int store_session_revoke_user(struct lh_store *st, const char *user_id,
    size_t *n);
/* Deletes sessions expired or revoked before cutoff. */
int store_session_purge(struct lh_store *st, time_t cutoff, size_t *n);
void store_session_free(struct lh_session *s);

struct lh_api_token {
	char	*id;
	char	*user_id;
	char	*name;
	char	*token_hash;	/* hex SHA-256; never sent to clients */
	char	*scopes;	/* comma-separated: "trigger,read" */
	char	*created_at;
	char	*last_used_at;	/* NULL when never used */
};

int store_token_create(struct lh_store *st, const char *user_id,
    const char *name, const char *token_hash, const char *scopes,
    struct lh_api_token *out);
int store_token_find(struct lh_store *st, const char *token_hash,
    struct lh_api_token *out);
/* The user's tokens, newest first. */
int store_token_list(struct lh_store *st, const char *user_id,
    struct lh_api_token **out, size_t *n);
/* LH_STORE_NOTFOUND when id does not exist or belongs to someone else. */
int store_token_delete(struct lh_store *st, const char *id,
    const char *user_id);
int store_token_touch(struct lh_store *st, const char *id, time_t now);
void store_token_free(struct lh_api_token *t);
void store_tokens_free(struct lh_api_token *v, size_t n);

/* Adds delta to (user, metric, period_start) atomically; *total (may be
 * NULL) gets the new value. */
int store_usage_add(struct lh_store *st, const char *user_id,
    const char *metric, const char *period_start, int64_t delta,
    int64_t *total);
/* *total is 0 when the counter does not exist yet. */
int store_usage_get(struct lh_store *st, const char *user_id,
    const char *metric, const char *period_start, int64_t *total);

/* ---- runs, stages, outputs, events (store_runs.c) --------------------- */

struct lh_run {
	char	*id;
	char	*pipeline_name;
	char	*yaml;		/* bytes */
	char	*status;
	char	*trigger;	/* "api", "webhook", "manual" */
	char	*repository;	/* NULL when not from a repository */
	char	*ref;
	char	*sha;
	char	*variables;	/* bytes: JSON object, or NULL */
	char	*user_id;	/* NULL for API-key or webhook runs */
	char	*runner_id;	/* NULL until claimed */
	char	*error;		/* bytes: why it failed, or NULL */
	char	*created_at;
	char	*started_at;
	char	*finished_at;
	char	*lease_until;
	int64_t	 last_seq;	/* highest event seq stored */
};

struct lh_stage {
	char	*run_id;
	char	*name;
	int	 position;	/* order in the pipeline file */
	char	*status;
	int	 attempt;
	int	 has_exit_code;
	int	 exit_code;
	char	*error;		/* bytes, or NULL */
	char	*started_at;
	char	*finished_at;
};

/* Input of store_run_create: fields of lh_run the caller chooses. */
struct lh_run_new {
	const char	*pipeline_name;
	const char	*yaml;
	const char	*trigger;
	const char	*repository;	/* optional */
	const char	*ref;		/* optional */
	const char	*sha;		/* optional */
	const char	*variables;	/* optional */
	const char	*user_id;	/* optional */
	const char	*status;	/* NULL = PENDING; or QUEUED */
};

/* Inserts the run and its stages (PENDING, positions 0..n-1) in one
 * transaction: either all rows exist afterwards or none. out (may be NULL)
 * gets the stored run. */
int store_run_create(struct lh_store *st, const struct lh_run_new *in,
    const char *const *stage_names, size_t nstages, struct lh_run *out);
int store_run_get(struct lh_store *st, const char *id, struct lh_run *out);

struct lh_run_filter {
	const char	*user_id;	/* NULL = everyone */
	const char	*status;	/* NULL = any */
	const char	*before_id;	/* NULL = newest; else ids below it */
	size_t		 limit;		/* 0 = 50 */
};
/* Runs newest first (by id, which is time-ordered). */
int store_run_list(struct lh_store *st, const struct lh_run_filter *f,
    struct lh_run **out, size_t *n);
/* Counts RUNNING runs of a user (maxConcurrent checks). */
int store_run_count_running(struct lh_store *st, const char *user_id,
    size_t *n);
void store_run_free(struct lh_run *r);
void store_runs_free(struct lh_run *v, size_t n);

/* Claims the oldest PENDING or QUEUED run for runner_id: status RUNNING,
 * runner_id set, started_at = now, lease_until = now + lease_s. Atomic across
 * processes: two claimers never get the same run. LH_STORE_NOTFOUND when
 * nothing is runnable. */
int store_run_claim(struct lh_store *st, const char *runner_id, time_t now,
    int lease_s, struct lh_run *out);
/* Extends the lease of a RUNNING run held by runner_id to now + lease_s;
 * LH_STORE_CONFLICT when the run is not RUNNING under that runner. */
int store_run_lease_extend(struct lh_store *st, const char *run_id,
    const char *runner_id, time_t now, int lease_s);
/* Sets the final status (SUCCESS, FAILED or CANCELLED) of a run that is not
 * finished yet, with an optional error; clears the lease.
 * LH_STORE_CONFLICT when it already finished. */
int store_run_finish(struct lh_store *st, const char *run_id,
    const char *status, const char *error);
/* Cancels a PENDING, QUEUED or RUNNING run: the run and its unfinished
 * stages become CANCELLED in one transaction. *cancelled_stages (may be
 * NULL) gets how many stages changed. LH_STORE_CONFLICT when finished. */
int store_run_cancel(struct lh_store *st, const char *run_id,
    size_t *cancelled_stages);
/* Fails every RUNNING run whose lease ended before now ("runner lost"):
 * run FAILED, running stages FAILED, pending stages SKIPPED. *ids (may be
 * NULL; free with store_ids_free) gets the swept run ids. */
int store_run_sweep(struct lh_store *st, time_t now, char ***ids, size_t *n);
void store_ids_free(char **ids, size_t n);

/* Stages of a run in pipeline order. */
int store_stage_list(struct lh_store *st, const char *run_id,
    struct lh_stage **out, size_t *n);
/* Marks a stage RUNNING with started_at = now and the given attempt. */
int store_stage_start(struct lh_store *st, const char *run_id,
    const char *name, int attempt);
/* Sets a final stage status; exit_code < 0 stores NULL. */
int store_stage_finish(struct lh_store *st, const char *run_id,
    const char *name, const char *status, int exit_code, const char *error);
void store_stages_free(struct lh_stage *v, size_t n);

struct lh_output {
	char	*stage;
	char	*key;
	char	*value;		/* bytes */
};
/* Inserts or replaces (run, stage, key). */
int store_output_set(struct lh_store *st, const char *run_id,
    const char *stage, const char *key, const char *value);
/* Outputs of a run (stage NULL) or of one stage, by stage then key. */
int store_output_list(struct lh_store *st, const char *run_id,
    const char *stage, struct lh_output **out, size_t *n);
void store_outputs_free(struct lh_output *v, size_t n);

struct lh_event {
	char	*run_id;
	int64_t	 seq;
	char	*type;		/* "stage_started", "pipeline_completed" ... */
	char	*stage;		/* NULL for run-level events */
	char	*payload;	/* bytes: JSON */
	char	*created_at;
};
/* Allocates the run's next seq (1, 2, ...) and stores the event in one
 * transaction: concurrent appenders get distinct, gap-free numbers.
 * LH_STORE_NOTFOUND when the run does not exist. */
int store_event_append(struct lh_store *st, const char *run_id,
    const char *type, const char *stage, const char *payload, int64_t *seq);
/* Events with seq > after_seq in order, at most limit (0 = all). */
int store_event_list(struct lh_store *st, const char *run_id,
    int64_t after_seq, size_t limit, struct lh_event **out, size_t *n);
void store_events_free(struct lh_event *v, size_t n);

/* ---- extension registry (store_ext.c) --------------------------------- */

struct lh_extension {
	char	*id;		/* "scan/trivy" */
	char	*name;
	char	*description;
	char	*category;
	char	*owner_id;	/* user id, or NULL */
	int	 is_private;
	int64_t	 download_count;
	char	*created_at;
	char	*updated_at;
};

struct lh_ext_version {
	char	*extension_id;
	char	*version;
	char	*package_hash;
	int64_t	 size_bytes;
	char	*readme;	/* bytes, or NULL */
	char	*changelog;	/* bytes, or NULL */
	int	 yanked;
	char	*published_at;
};

/* Inserts or updates (by id) name, description, category, owner, private.
 * Counters and created_at are kept on update. */
int store_ext_upsert(struct lh_store *st, const struct lh_extension *in);
int store_ext_get(struct lh_store *st, const char *id,
    struct lh_extension *out);
/* Case-insensitive substring search on id, name and description (query
 * NULL or "" = all), optional exact category; private extensions only for
 * their owner (viewer_id may be NULL). Ordered by downloads, then id. */
int store_ext_search(struct lh_store *st, const char *query,
    const char *category, const char *viewer_id, size_t limit,
    struct lh_extension **out, size_t *n);
int store_ext_count_download(struct lh_store *st, const char *id);
/* LH_STORE_CONFLICT when the version exists (versions are immutable). */
int store_ext_version_add(struct lh_store *st, const struct lh_ext_version *v);
/* Versions newest first. */
int store_ext_version_list(struct lh_store *st, const char *extension_id,
    struct lh_ext_version **out, size_t *n);
int store_ext_version_yank(struct lh_store *st, const char *extension_id,
    const char *version, int yanked);
void store_ext_free(struct lh_extension *e);
void store_exts_free(struct lh_extension *v, size_t n);
void store_ext_versions_free(struct lh_ext_version *v, size_t n);

#endif
