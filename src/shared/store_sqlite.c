/*
 * store_sqlite.c: the embedded SQLite backend of store.h (WAL journal,
 * busy_timeout, foreign keys on). Every write transaction is BEGIN
 * IMMEDIATE so concurrent writers queue instead of failing on upgrade.
 * Runs in workers, the master and `labhit migrate`.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "shared/store.h"
#include "shared/store_int.h"

#define LH_SQLITE_BUSY_MS	10000

static int
sq_fail(struct lh_store *st, sqlite3 *db, const char *what)
{
	int ext = sqlite3_extended_errcode(db);

	store_seterr(st, "sqlite: %s: %s", what, sqlite3_errmsg(db));
	if (ext == SQLITE_CONSTRAINT_UNIQUE ||
	    ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		return LH_STORE_CONFLICT;
	if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
		return LH_STORE_NOTFOUND;
	return LH_STORE_ERR;
}

static int
sq_bind(struct lh_store *st, sqlite3_stmt *stmt, const char *const *params,
    int nparams)
{
	char name[16];
	int i, idx, rc;

	if (sqlite3_bind_parameter_count(stmt) > nparams) {
		store_seterr(st, "sqlite: statement wants %d parameters, got %d",
		    sqlite3_bind_parameter_count(stmt), nparams);
		return -1;
	}
	for (i = 0; i < nparams; i++) {
		snprintf(name, sizeof(name), "$%d", i + 1);
		if ((idx = sqlite3_bind_parameter_index(stmt, name)) == 0)
			continue;	/* not used by this statement */
		if (params[i] == NULL)
			rc = sqlite3_bind_null(stmt, idx);
		else
			rc = sqlite3_bind_text(stmt, idx, params[i],
			    (int)strlen(params[i]), SQLITE_STATIC);
		if (rc != SQLITE_OK) {
			store_seterr(st, "sqlite: bind %s: %s", name,
			    sqlite3_errstr(rc));
			return -1;
		}
	}
	return 0;
}

static int
sq_row(struct lh_store *st, sqlite3_stmt *stmt, struct lh_rows *out)
{
	char *row[32];
	const unsigned char *txt;
	int i, n, len;

	n = sqlite3_column_count(stmt);
	if (n > 32) {
		store_seterr(st, "sqlite: too many result columns");
		return -1;
	}
	for (i = 0; i < n; i++) {
		row[i] = NULL;
		if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
			continue;
		txt = sqlite3_column_text(stmt, i);
		len = sqlite3_column_bytes(stmt, i);
		if (txt == NULL || (row[i] = malloc((size_t)len + 1)) == NULL)
			goto nomem;
		memcpy(row[i], txt, (size_t)len);
		row[i][len] = '\0';
	}
	if (store_rows_add(out, row, (size_t)n) == -1)
		goto nomem;
	return 0;
nomem:
	while (i-- > 0)
		free(row[i]);
	store_seterr(st, "sqlite: out of memory reading a row");
	return -1;
}

static int
sq_query(struct lh_store *st, const char *sql, const char *const *params,
    int nparams, unsigned blobmask, struct lh_rows *out)
{
	sqlite3 *db = st->conn;
	sqlite3_stmt *stmt;
	int rc, ret = LH_STORE_OK;

	(void)blobmask;	/* SQLite keeps text bytes as they are */
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return sq_fail(st, db, "prepare");
	if (sq_bind(st, stmt, params, nparams) == -1) {
		sqlite3_finalize(stmt);
		return LH_STORE_ERR;
	}
	for (;;) {
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			ret = sq_fail(st, db, "step");
			break;
		}
		if (out != NULL && sq_row(st, stmt, out) == -1) {
			ret = LH_STORE_ERR;
			break;
		}
	}
	sqlite3_finalize(stmt);
	if (ret != LH_STORE_OK) {
		if (out != NULL)
			store_rows_free(out);
		return ret;
	}
	if (out != NULL)
		out->changes = sqlite3_changes(db);
	return LH_STORE_OK;
}

static int
sq_exec(struct lh_store *st, const char *sql)
{
	sqlite3 *db = st->conn;
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		store_seterr(st, "sqlite: %s", msg != NULL ? msg :
		    sqlite3_errmsg(db));
		sqlite3_free(msg);
		return LH_STORE_ERR;
	}
	return LH_STORE_OK;
}

static int
sq_begin(struct lh_store *st)
{
	return sq_exec(st, "BEGIN IMMEDIATE");
}

static int
sq_commit(struct lh_store *st)
{
	return sq_exec(st, "COMMIT");
}

static int
sq_rollback(struct lh_store *st)
{
	return sq_exec(st, "ROLLBACK");
}

static void
sq_close(struct lh_store *st)
{
	if (st->conn != NULL)
		sqlite3_close(st->conn);
	st->conn = NULL;
}

static const struct lh_store_ops sq_ops = {
	.query = sq_query,
	.script = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.close = sq_close,
};

int
store_sqlite_open(struct lh_store *st, const char *path, char *err,
    size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt;
	int rc;

	if (path[0] == '\0') {
		snprintf(err, errlen, "no file path after \"sqlite:\"");
		return -1;
	}
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open: %s", db != NULL ?
		    sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_busy_timeout(db, LH_SQLITE_BUSY_MS) != SQLITE_OK)
		goto fail_msg;
	/* journal_mode answers with the mode it got; insist on WAL */
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &stmt,
	    NULL) != SQLITE_OK)
		goto fail_msg;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW || sqlite3_column_text(stmt, 0) == NULL ||
	    strcmp((const char *)sqlite3_column_text(stmt, 0), "wal") != 0) {
		sqlite3_finalize(stmt);
		snprintf(err, errlen, "cannot switch to WAL journal: %s",
		    sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_finalize(stmt);
	if (sqlite3_exec(db, "PRAGMA foreign_keys=ON; "
	    "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK)
		goto fail_msg;
	st->conn = db;
	st->ops = &sq_ops;
	return 0;
fail_msg:
	snprintf(err, errlen, "%s", sqlite3_errmsg(db));
fail:
	if (db != NULL)
		sqlite3_close(db);
	return -1;
}
