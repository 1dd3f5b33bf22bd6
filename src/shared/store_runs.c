/*
 * store_runs.c: pipeline runs, their stages, stage outputs and the per-run
 * event log; the atomic claim of the next runnable run, leases and the
 * sweep that fails runs whose runner was lost. Runs in workers and in the
 * master's start-up recovery.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shared/store.h"
#include "shared/store_int.h"

#define RUN_COLS "id, pipeline_name, yaml, status, trigger_source, " \
	"repository, ref, sha, variables, user_id, runner_id, error, " \
	"created_at, started_at, finished_at, lease_until, last_seq"
#define STAGE_COLS "run_id, name, ordinal, status, attempt, exit_code, " \
	"error, started_at, finished_at"
#define EVENT_COLS "run_id, seq, type, stage, payload, created_at"
#define UNFINISHED "('PENDING', 'QUEUED', 'RUNNING')"
#define LH_RUNNER_LOST "runner lost"

static void
run_from_row(struct lh_rows *r, size_t i, struct lh_run *run)
{
	run->id = store_rows_take(r, i, 0);
	run->pipeline_name = store_rows_take(r, i, 1);
	run->yaml = store_rows_take(r, i, 2);
	run->status = store_rows_take(r, i, 3);
	run->trigger = store_rows_take(r, i, 4);
	run->repository = store_rows_take(r, i, 5);
	run->ref = store_rows_take(r, i, 6);
	run->sha = store_rows_take(r, i, 7);
	run->variables = store_rows_take(r, i, 8);
	run->user_id = store_rows_take(r, i, 9);
	run->runner_id = store_rows_take(r, i, 10);
	run->error = store_rows_take(r, i, 11);
	run->created_at = store_rows_take(r, i, 12);
	run->started_at = store_rows_take(r, i, 13);
	run->finished_at = store_rows_take(r, i, 14);
	run->lease_until = store_rows_take(r, i, 15);
	run->last_seq = store_rows_int(r, i, 16);
}

/* NOTFOUND when the run does not exist, else CONFLICT: used after an UPDATE
 * guarded by a state condition changed nothing. */
static int
run_missing_or_conflict(struct lh_store *st, const char *run_id)
{
	struct lh_rows rows;
	int rc;

	if ((rc = store_q(st, "SELECT status FROM runs WHERE id = $1", &rows,
	    0, run_id)) != LH_STORE_OK)
		return rc;
	if (rows.nrows == 0) {
		store_seterr(st, "run %s not found", run_id);
		rc = LH_STORE_NOTFOUND;
	} else {
		store_seterr(st, "run %s is %s", run_id,
		    store_rows_get(&rows, 0, 0));
		rc = LH_STORE_CONFLICT;
	}
	store_rows_free(&rows);
	return rc;
}

int
store_run_create(struct lh_store *st, const struct lh_run_new *in,
    const char *const *stage_names, size_t nstages, struct lh_run *out)
{
	const char *status = in->status != NULL ? in->status : LH_ST_PENDING;
	char id[37], now[24], ord[24];
	size_t i;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (in->pipeline_name == NULL || in->yaml == NULL ||
	    (strcmp(status, LH_ST_PENDING) != 0 &&
	    strcmp(status, LH_ST_QUEUED) != 0)) {
		store_seterr(st, "run needs a name, YAML and status PENDING "
		    "or QUEUED");
		return LH_STORE_ERR;
	}
	if ((rc = store_new_id(st, id)) != LH_STORE_OK)
		return rc;
	if ((rc = store_tx_begin(st)) != LH_STORE_OK)
		return rc;
	rc = store_q(st, "INSERT INTO runs (id, pipeline_name, yaml, status, "
	    "trigger_source, repository, ref, sha, variables, user_id, "
	    "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
	    NULL, LH_BLOB(3) | LH_BLOB(9), id, in->pipeline_name, in->yaml,
	    status, in->trigger != NULL ? in->trigger : "api", in->repository,
	    in->ref, in->sha, in->variables, in->user_id,
	    store_fmt_time(now, time(NULL)));
	for (i = 0; rc == LH_STORE_OK && i < nstages; i++)
		rc = store_q(st, "INSERT INTO stages (run_id, name, ordinal, "
		    "status, attempt) VALUES ($1, $2, CAST($3 AS INTEGER), "
		    "'PENDING', 0)", NULL, 0, id, stage_names[i],
		    store_fmt_int(ord, (int64_t)i));
	if (rc != LH_STORE_OK)
		return store_tx_fail(st, rc);
	if ((rc = store_tx_commit(st)) != LH_STORE_OK || out == NULL)
		return rc;
	return store_run_get(st, id, out);
}

int
store_run_get(struct lh_store *st, const char *id, struct lh_run *out)
{
	struct lh_rows rows;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_q(st, "SELECT " RUN_COLS " FROM runs WHERE id = $1", &rows,
	    0, id);
	if (rc != LH_STORE_OK)
		return rc;
	if (rows.nrows == 0)
		rc = LH_STORE_NOTFOUND;
	else
		run_from_row(&rows, 0, out);
	store_rows_free(&rows);
	return rc;
}

int
store_run_list(struct lh_store *st, const struct lh_run_filter *f,
    struct lh_run **out, size_t *n)
{
	struct lh_rows rows;
	char lim[24];
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_q(st, "SELECT " RUN_COLS " FROM runs "
	    "WHERE (CAST($1 AS TEXT) IS NULL OR user_id = $1) "
	    "AND (CAST($2 AS TEXT) IS NULL OR status = $2) "
	    "AND (CAST($3 AS TEXT) IS NULL OR id < $3) ORDER BY id DESC "
	    "LIMIT CAST($4 AS INTEGER)", &rows, 0, f->user_id, f->status,
	    f->before_id, store_fmt_int(lim, f->limit == 0 ? 50 :
	    (int64_t)f->limit));
	if (rc != LH_STORE_OK)
		return rc;
	if ((*out = store_calloc_array(st, rows.nrows, sizeof(**out))) ==
	    NULL) {
		store_rows_free(&rows);
		return LH_STORE_ERR;
	}
	for (i = 0; i < rows.nrows; i++)
		run_from_row(&rows, i, &(*out)[i]);
	*n = rows.nrows;
	store_rows_free(&rows);
	return LH_STORE_OK;
}

int
store_run_count_running(struct lh_store *st, const char *user_id, size_t *n)
{
	struct lh_rows rows;
	int rc;

	*n = 0;
	rc = store_q(st, "SELECT count(*) FROM runs WHERE user_id = $1 "
	    "AND status = 'RUNNING'", &rows, 0, user_id);
	if (rc != LH_STORE_OK)
		return rc;
	*n = (size_t)store_rows_int(&rows, 0, 0);
	store_rows_free(&rows);
	return LH_STORE_OK;
}

void
store_run_free(struct lh_run *r)
{
	if (r == NULL)
		return;
	free(r->id);
	free(r->pipeline_name);
	free(r->yaml);
	free(r->status);
	free(r->trigger);
	free(r->repository);
	free(r->ref);
	free(r->sha);
	free(r->variables);
	free(r->user_id);
	free(r->runner_id);
	free(r->error);
	free(r->created_at);
	free(r->started_at);
	free(r->finished_at);
	free(r->lease_until);
	memset(r, 0, sizeof(*r));
}

void
store_runs_free(struct lh_run *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_run_free(&v[i]);
	free(v);
}

/* ---- claim, lease, finish, cancel, sweep ---- */

int
store_run_claim(struct lh_store *st, const char *runner_id, time_t now,
    int lease_s, struct lh_run *out)
{
	struct lh_rows rows;
	char nowb[24], lease[24], *id;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_tx_begin(st)) != LH_STORE_OK)
		return rc;
	/* SQLite: BEGIN IMMEDIATE already holds the write lock */
	rc = store_query(st, st->backend == LH_STORE_POSTGRES ?
	    "SELECT id FROM runs WHERE status IN ('PENDING', 'QUEUED') "
	    "ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED" :
	    "SELECT id FROM runs WHERE status IN ('PENDING', 'QUEUED') "
	    "ORDER BY created_at, id LIMIT 1", NULL, 0, 0, &rows);
	if (rc != LH_STORE_OK)
		return store_tx_fail(st, rc);
	if (rows.nrows == 0) {
		store_rows_free(&rows);
		return store_tx_fail(st, LH_STORE_NOTFOUND);
	}
	id = store_rows_take(&rows, 0, 0);
	store_rows_free(&rows);
	rc = store_q(st, "UPDATE runs SET status = 'RUNNING', runner_id = $2, "
	    "started_at = $3, lease_until = $4 WHERE id = $1", NULL, 0, id,
	    runner_id, store_fmt_time(nowb, now),
	    store_fmt_time(lease, now + lease_s));
	if (rc != LH_STORE_OK) {
		free(id);
		return store_tx_fail(st, rc);
	}
	if ((rc = store_tx_commit(st)) == LH_STORE_OK)
		rc = store_run_get(st, id, out);
	free(id);
	return rc;
}

int
store_run_lease_extend(struct lh_store *st, const char *run_id,
    const char *runner_id, time_t now, int lease_s)
{
	struct lh_rows rows;
	char lease[24];
	int rc;

	rc = store_q(st, "UPDATE runs SET lease_until = $3 WHERE id = $1 AND "
	    "runner_id = $2 AND status = 'RUNNING'", &rows, 0, run_id,
	    runner_id, store_fmt_time(lease, now + lease_s));
	if (rc != LH_STORE_OK)
		return rc;
	rc = rows.changes == 0 ? run_missing_or_conflict(st, run_id) :
	    LH_STORE_OK;
	store_rows_free(&rows);
	return rc;
}

int
store_run_finish(struct lh_store *st, const char *run_id, const char *status,
    const char *error)
{
	struct lh_rows rows;
	char now[24];
	int rc;

	if (strcmp(status, LH_ST_SUCCESS) != 0 &&
	    strcmp(status, LH_ST_FAILED) != 0 &&
	    strcmp(status, LH_ST_CANCELLED) != 0) {
		store_seterr(st, "%s is not a final run status", status);
		return LH_STORE_ERR;
	}
	rc = store_q(st, "UPDATE runs SET status = $2, error = $3, "
	    "finished_at = $4, lease_until = NULL WHERE id = $1 AND status IN "
	    UNFINISHED, &rows, LH_BLOB(3), run_id, status, error,
	    store_fmt_time(now, time(NULL)));
	if (rc != LH_STORE_OK)
		return rc;
	rc = rows.changes == 0 ? run_missing_or_conflict(st, run_id) :
	    LH_STORE_OK;
	store_rows_free(&rows);
	return rc;
}

int
store_run_cancel(struct lh_store *st, const char *run_id,
    size_t *cancelled_stages)
{
	struct lh_rows rows;
	char now[24];
	int rc;

	if (cancelled_stages != NULL)
		*cancelled_stages = 0;
	if ((rc = store_tx_begin(st)) != LH_STORE_OK)
		return rc;
	rc = store_q(st, "UPDATE runs SET status = 'CANCELLED', "
	    "finished_at = $2, lease_until = NULL WHERE id = $1 AND status IN "
	    UNFINISHED, &rows, 0, run_id, store_fmt_time(now, time(NULL)));
	if (rc != LH_STORE_OK)
		return store_tx_fail(st, rc);
	if (rows.changes == 0) {
		store_rows_free(&rows);
		return store_tx_fail(st, run_missing_or_conflict(st, run_id));
	}
	store_rows_free(&rows);
	rc = store_q(st, "UPDATE stages SET status = 'CANCELLED', "
	    "finished_at = $2 WHERE run_id = $1 AND status IN " UNFINISHED,
	    &rows, 0, run_id, now);
	if (rc != LH_STORE_OK)
		return store_tx_fail(st, rc);
	if (cancelled_stages != NULL)
		*cancelled_stages = (size_t)rows.changes;
	store_rows_free(&rows);
	return store_tx_commit(st);
}

static int
sweep_one(struct lh_store *st, const char *id, const char *now)
{
	int rc;

	rc = store_q(st, "UPDATE stages SET status = 'FAILED', error = $3, "
	    "finished_at = $2 WHERE run_id = $1 AND status = 'RUNNING'", NULL,
	    LH_BLOB(3), id, now, LH_RUNNER_LOST);
	if (rc == LH_STORE_OK)
		rc = store_q(st, "UPDATE stages SET status = 'SKIPPED', "
		    "finished_at = $2 WHERE run_id = $1 AND status IN "
		    "('PENDING', 'QUEUED')", NULL, 0, id, now);
	if (rc == LH_STORE_OK)
		rc = store_q(st, "UPDATE runs SET status = 'FAILED', "
		    "error = $3, finished_at = $2, lease_until = NULL "
		    "WHERE id = $1", NULL, LH_BLOB(3), id, now, LH_RUNNER_LOST);
	return rc;
}

int
store_run_sweep(struct lh_store *st, time_t now, char ***ids, size_t *n)
{
	struct lh_rows rows;
	char nowb[24];
	size_t i;
	int rc;

	if (ids != NULL)
		*ids = NULL;
	*n = 0;
	if ((rc = store_tx_begin(st)) != LH_STORE_OK)
		return rc;
	rc = store_q(st, st->backend == LH_STORE_POSTGRES ?
	    "SELECT id FROM runs WHERE status = 'RUNNING' AND lease_until < $1 "
	    "ORDER BY id FOR UPDATE SKIP LOCKED" :
	    "SELECT id FROM runs WHERE status = 'RUNNING' AND lease_until < $1 "
	    "ORDER BY id", &rows, 0, store_fmt_time(nowb, now));
	if (rc != LH_STORE_OK)
		return store_tx_fail(st, rc);
	for (i = 0; rc == LH_STORE_OK && i < rows.nrows; i++)
		rc = sweep_one(st, store_rows_get(&rows, i, 0), nowb);
	if (rc != LH_STORE_OK || (rc = store_tx_commit(st)) != LH_STORE_OK) {
		store_rows_free(&rows);
		return store_tx_fail(st, rc);
	}
	if (ids != NULL) {
		if ((*ids = store_calloc_array(st, rows.nrows,
		    sizeof(**ids))) == NULL) {
			store_rows_free(&rows);
			return LH_STORE_ERR;
		}
		for (i = 0; i < rows.nrows; i++)
			(*ids)[i] = store_rows_take(&rows, i, 0);
	}
	*n = rows.nrows;
	store_rows_free(&rows);
	return LH_STORE_OK;
}

void
store_ids_free(char **ids, size_t n)
{
	size_t i;

	if (ids == NULL)
		return;
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* ---- stages ---- */

int
store_stage_list(struct lh_store *st, const char *run_id,
    struct lh_stage **out, size_t *n)
{
	struct lh_rows rows;
	struct lh_stage *s;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_q(st, "SELECT " STAGE_COLS " FROM stages WHERE run_id = $1 "
	    "ORDER BY ordinal", &rows, 0, run_id);
	if (rc != LH_STORE_OK)
		return rc;
	if ((*out = store_calloc_array(st, rows.nrows, sizeof(**out))) ==
	    NULL) {
		store_rows_free(&rows);
		return LH_STORE_ERR;
	}
	for (i = 0; i < rows.nrows; i++) {
		s = &(*out)[i];
		s->run_id = store_rows_take(&rows, i, 0);
		s->name = store_rows_take(&rows, i, 1);
		s->position = (int)store_rows_int(&rows, i, 2);
		s->status = store_rows_take(&rows, i, 3);
		s->attempt = (int)store_rows_int(&rows, i, 4);
		s->has_exit_code = store_rows_get(&rows, i, 5) != NULL;
		s->exit_code = (int)store_rows_int(&rows, i, 5);
		s->error = store_rows_take(&rows, i, 6);
		s->started_at = store_rows_take(&rows, i, 7);
		s->finished_at = store_rows_take(&rows, i, 8);
	}
	*n = rows.nrows;
	store_rows_free(&rows);
	return LH_STORE_OK;
}

static int
stage_missing_or_conflict(struct lh_store *st, const char *run_id,
    const char *name)
{
	struct lh_rows rows;
	int rc;

	if ((rc = store_q(st, "SELECT status FROM stages WHERE run_id = $1 "
	    "AND name = $2", &rows, 0, run_id, name)) != LH_STORE_OK)
		return rc;
	if (rows.nrows == 0) {
		store_seterr(st, "stage %s of run %s not found", name, run_id);
		rc = LH_STORE_NOTFOUND;
	} else {
		store_seterr(st, "stage %s of run %s is %s", name, run_id,
		    store_rows_get(&rows, 0, 0));
		rc = LH_STORE_CONFLICT;
	}
	store_rows_free(&rows);
	return rc;
}

int
store_stage_start(struct lh_store *st, const char *run_id, const char *name,
    int attempt)
{
	struct lh_rows rows;
	char now[24], att[24];
	int rc;

	rc = store_q(st, "UPDATE stages SET status = 'RUNNING', "
	    "attempt = CAST($3 AS INTEGER), started_at = $4, finished_at = NULL,"
	    " exit_code = NULL, error = NULL WHERE run_id = $1 AND name = $2 "
	    "AND status IN " UNFINISHED, &rows, 0, run_id, name,
	    store_fmt_int(att, attempt), store_fmt_time(now, time(NULL)));
	if (rc != LH_STORE_OK)
		return rc;
	rc = rows.changes == 0 ? stage_missing_or_conflict(st, run_id, name) :
	    LH_STORE_OK;
	store_rows_free(&rows);
	return rc;
}

int
store_stage_finish(struct lh_store *st, const char *run_id, const char *name,
    const char *status, int exit_code, const char *error)
{
	struct lh_rows rows;
	char now[24], code[24];
	int rc;

	if (strcmp(status, LH_ST_SUCCESS) != 0 &&
	    strcmp(status, LH_ST_FAILED) != 0 &&
	    strcmp(status, LH_ST_SKIPPED) != 0 &&
	    strcmp(status, LH_ST_CANCELLED) != 0) {
		store_seterr(st, "%s is not a final stage status", status);
		return LH_STORE_ERR;
	}
	rc = store_q(st, "UPDATE stages SET status = $3, "
	    "exit_code = CAST($4 AS INTEGER), error = $5, finished_at = $6 "
	    "WHERE run_id = $1 AND name = $2 AND status IN " UNFINISHED, &rows,
	    LH_BLOB(5), run_id, name, status,
	    exit_code < 0 ? NULL : store_fmt_int(code, exit_code), error,
	    store_fmt_time(now, time(NULL)));
	if (rc != LH_STORE_OK)
		return rc;
	rc = rows.changes == 0 ? stage_missing_or_conflict(st, run_id, name) :
	    LH_STORE_OK;
	store_rows_free(&rows);
	return rc;
}

void
store_stages_free(struct lh_stage *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].run_id);
		free(v[i].name);
		free(v[i].status);
		free(v[i].error);
		free(v[i].started_at);
		free(v[i].finished_at);
	}
	free(v);
}

/* ---- outputs ---- */

int
store_output_set(struct lh_store *st, const char *run_id, const char *stage,
    const char *key, const char *value)
{
	return store_q(st, "INSERT INTO stage_outputs (run_id, stage, key, "
	    "value) VALUES ($1, $2, $3, $4) ON CONFLICT (run_id, stage, key) "
	    "DO UPDATE SET value = excluded.value", NULL, LH_BLOB(4), run_id,
	    stage, key, value != NULL ? value : "");
}

int
store_output_list(struct lh_store *st, const char *run_id, const char *stage,
    struct lh_output **out, size_t *n)
{
	struct lh_rows rows;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_q(st, "SELECT stage, key, value FROM stage_outputs "
	    "WHERE run_id = $1 AND (CAST($2 AS TEXT) IS NULL OR stage = $2) "
	    "ORDER BY stage, key", &rows, 0, run_id, stage);
	if (rc != LH_STORE_OK)
		return rc;
	if ((*out = store_calloc_array(st, rows.nrows, sizeof(**out))) ==
	    NULL) {
		store_rows_free(&rows);
		return LH_STORE_ERR;
	}
	for (i = 0; i < rows.nrows; i++) {
		(*out)[i].stage = store_rows_take(&rows, i, 0);
		(*out)[i].key = store_rows_take(&rows, i, 1);
		(*out)[i].value = store_rows_take(&rows, i, 2);
	}
	*n = rows.nrows;
	store_rows_free(&rows);
	return LH_STORE_OK;
}

void
store_outputs_free(struct lh_output *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].stage);
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
}

/* ---- events ---- */

int
store_event_append(struct lh_store *st, const char *run_id, const char *type,
    const char *stage, const char *payload, int64_t *seq)
{
	struct lh_rows rows;
	char seqb[24], now[24];
	int64_t next;
	int rc;

	if ((rc = store_tx_begin(st)) != LH_STORE_OK)
		return rc;
	/* the UPDATE locks the run's row: appenders queue here */
	rc = store_q(st, "UPDATE runs SET last_seq = last_seq + 1 "
	    "WHERE id = $1", &rows, 0, run_id);
	if (rc != LH_STORE_OK)
		return store_tx_fail(st, rc);
	if (rows.changes == 0) {
		store_rows_free(&rows);
		store_seterr(st, "run %s not found", run_id);
		return store_tx_fail(st, LH_STORE_NOTFOUND);
	}
	store_rows_free(&rows);
	rc = store_q(st, "SELECT last_seq FROM runs WHERE id = $1", &rows, 0,
	    run_id);
	if (rc != LH_STORE_OK)
		return store_tx_fail(st, rc);
	next = store_rows_int(&rows, 0, 0);
	store_rows_free(&rows);
	rc = store_q(st, "INSERT INTO run_events (" EVENT_COLS ") VALUES "
	    "($1, CAST($2 AS BIGINT), $3, $4, $5, $6)", NULL, LH_BLOB(5),
	    run_id, store_fmt_int(seqb, next), type, stage,
	    payload != NULL ? payload : "{}", store_fmt_time(now, time(NULL)));
	if (rc != LH_STORE_OK)
		return store_tx_fail(st, rc);
	if ((rc = store_tx_commit(st)) == LH_STORE_OK && seq != NULL)
		*seq = next;
	return rc;
}

int
store_event_list(struct lh_store *st, const char *run_id, int64_t after_seq,
    size_t limit, struct lh_event **out, size_t *n)
{
	struct lh_rows rows;
	char after[24], lim[24];
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_q(st, "SELECT " EVENT_COLS " FROM run_events "
	    "WHERE run_id = $1 AND seq > CAST($2 AS BIGINT) ORDER BY seq "
	    "LIMIT CAST($3 AS BIGINT)", &rows, 0, run_id,
	    store_fmt_int(after, after_seq), store_fmt_int(lim, limit == 0 ?
	    INT64_MAX : (int64_t)limit));
	if (rc != LH_STORE_OK)
		return rc;
	if ((*out = store_calloc_array(st, rows.nrows, sizeof(**out))) ==
	    NULL) {
		store_rows_free(&rows);
		return LH_STORE_ERR;
	}
	for (i = 0; i < rows.nrows; i++) {
		(*out)[i].run_id = store_rows_take(&rows, i, 0);
		(*out)[i].seq = store_rows_int(&rows, i, 1);
		(*out)[i].type = store_rows_take(&rows, i, 2);
		(*out)[i].stage = store_rows_take(&rows, i, 3);
		(*out)[i].payload = store_rows_take(&rows, i, 4);
		(*out)[i].created_at = store_rows_take(&rows, i, 5);
	}
	*n = rows.nrows;
	store_rows_free(&rows);
	return LH_STORE_OK;
}

void
store_events_free(struct lh_event *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].run_id);
		free(v[i].type);
		free(v[i].stage);
		free(v[i].payload);
		free(v[i].created_at);
	}
	free(v);
}
