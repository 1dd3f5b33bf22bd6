/*
 * store_pg.c: the PostgreSQL backend of store.h through libpq. Parameters
 * travel separately from the SQL text (PQexecParams); "bytes" columns are
 * BYTEA, sent in binary and decoded from hex on the way back.
 * Runs in workers, the master and `labhit migrate`.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "shared/log.h"
#include "shared/store.h"
#include "shared/store_int.h"

#define LH_PG_BYTEAOID	17

static void
pg_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;	/* "relation already exists, skipping" and the like */
}

static void
pg_chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static int
pg_fail(struct lh_store *st, PGresult *res)
{
	const char *state = NULL, *msg;
	int rc = LH_STORE_ERR;

	if (res != NULL) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		msg = PQresultErrorMessage(res);
	} else
		msg = PQerrorMessage(st->conn);
	store_seterr(st, "postgres: %s", msg != NULL && *msg != '\0' ? msg :
	    "unknown error");
	pg_chomp(st->errmsg);
	if (state != NULL && strcmp(state, "23505") == 0)
		rc = LH_STORE_CONFLICT;
	else if (state != NULL && strcmp(state, "23503") == 0)
		rc = LH_STORE_NOTFOUND;
	if (res != NULL)
		PQclear(res);	/* state and msg point into res */
	return rc;
}

static char *
pg_cell(PGresult *res, int row, int col)
{
	unsigned char *raw;
	const char *v;
	size_t len;
	char *s;

	v = PQgetvalue(res, row, col);
	if (PQftype(res, col) != LH_PG_BYTEAOID)
		return strdup(v);
	if ((raw = PQunescapeBytea((const unsigned char *)v, &len)) == NULL)
		return NULL;
	if ((s = malloc(len + 1)) != NULL) {
		memcpy(s, raw, len);
		s[len] = '\0';
	}
	PQfreemem(raw);
	return s;
}

static int
pg_rows(struct lh_store *st, PGresult *res, struct lh_rows *out)
{
	char *row[32];
	int r, c, nr = PQntuples(res), nc = PQnfields(res);

	if (nc > 32) {
		store_seterr(st, "postgres: too many result columns");
		return -1;
	}
	for (r = 0; r < nr; r++) {
		for (c = 0; c < nc; c++) {
			row[c] = NULL;
			if (!PQgetisnull(res, r, c) &&
			    (row[c] = pg_cell(res, r, c)) == NULL)
				goto nomem;
		}
		if (store_rows_add(out, row, (size_t)nc) == -1)
			goto nomem;
	}
	return 0;
nomem:
	while (c-- > 0)
		free(row[c]);
	store_rows_free(out);
	store_seterr(st, "postgres: out of memory reading a row");
	return -1;
}

static PGresult *
pg_exec(struct lh_store *st, const char *sql, const char *const *params,
    int nparams, unsigned blobmask)
{
	int lengths[LH_STORE_MAXPARAMS], formats[LH_STORE_MAXPARAMS];
	int i;

	for (i = 0; i < nparams; i++) {
		formats[i] = (blobmask >> i) & 1;
		lengths[i] = params[i] != NULL ? (int)strlen(params[i]) : 0;
	}
	return PQexecParams(st->conn, sql, nparams, NULL, params, lengths,
	    formats, 0);
}

/* After a failed statement outside a transaction: when the connection
 * itself is gone (server restarted, idle connection killed), reconnects and
 * returns 1 so the caller retries once. The statement never ran then. */
static int
pg_lost(struct lh_store *st)
{
	if (st->in_tx || PQstatus(st->conn) != CONNECTION_BAD)
		return 0;
	log_warnx("database %s: connection lost, reconnecting",
	    st->masked_url);
	PQreset(st->conn);
	if (PQstatus(st->conn) != CONNECTION_OK)
		return 0;
	PQsetNoticeProcessor(st->conn, pg_notice, NULL);
	if (PQsetClientEncoding(st->conn, "UTF8") != 0)
		return 0;
	return 1;
}

static int
pg_ok(PGresult *res)
{
	return res != NULL && (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK);
}

static int
pg_query(struct lh_store *st, const char *sql, const char *const *params,
    int nparams, unsigned blobmask, struct lh_rows *out)
{
	PGresult *res;
	ExecStatusType status;

	res = pg_exec(st, sql, params, nparams, blobmask);
	if (!pg_ok(res) && pg_lost(st)) {
		PQclear(res);
		res = pg_exec(st, sql, params, nparams, blobmask);
	}
	if (res == NULL)
		return pg_fail(st, NULL);
	status = PQresultStatus(res);
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
		return pg_fail(st, res);
	if (out != NULL) {
		if (pg_rows(st, res, out) == -1) {
			PQclear(res);
			return LH_STORE_ERR;
		}
		out->ncols = (size_t)PQnfields(res);
		out->changes = strtoll(PQcmdTuples(res), NULL, 10);
	}
	PQclear(res);
	return LH_STORE_OK;
}

static int
pg_script(struct lh_store *st, const char *sql)
{
	PGresult *res;

	res = PQexec(st->conn, sql);
	if (!pg_ok(res) && pg_lost(st)) {
		PQclear(res);
		res = PQexec(st->conn, sql);
	}
	if (res == NULL)
		return pg_fail(st, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		return pg_fail(st, res);
	PQclear(res);
	return LH_STORE_OK;
}

static int
pg_begin(struct lh_store *st)
{
	return pg_script(st, "BEGIN");
}

static int
pg_commit(struct lh_store *st)
{
	return pg_script(st, "COMMIT");
}

static int
pg_rollback(struct lh_store *st)
{
	return pg_script(st, "ROLLBACK");
}

static void
pg_close(struct lh_store *st)
{
	if (st->conn != NULL)
		PQfinish(st->conn);
	st->conn = NULL;
}

static const struct lh_store_ops pg_ops = {
	.query = pg_query,
	.script = pg_script,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.close = pg_close,
};

int
store_pg_open(struct lh_store *st, const char *url, char *err, size_t errlen)
{
	/* defaults first: what the URL says overrides them */
	static const char *const keys[] = { "connect_timeout",
	    "fallback_application_name", "dbname", NULL };
	const char *vals[] = { "10", "labhit", url, NULL };
	PGconn *conn;
	PGresult *res;

	if ((conn = PQconnectdbParams(keys, vals, 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		snprintf(err, errlen, "cannot connect: %s",
		    PQerrorMessage(conn));
		pg_chomp(err);
		PQfinish(conn);
		return -1;
	}
	PQsetNoticeProcessor(conn, pg_notice, NULL);
	if (PQsetClientEncoding(conn, "UTF8") != 0) {
		snprintf(err, errlen, "cannot set client encoding: %s",
		    PQerrorMessage(conn));
		pg_chomp(err);
		PQfinish(conn);
		return -1;
	}
	res = PQexec(conn, "SET TIME ZONE 'UTC'");
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "cannot configure session: %s",
		    PQerrorMessage(conn));
		pg_chomp(err);
		PQclear(res);
		PQfinish(conn);
		return -1;
	}
	PQclear(res);
	st->conn = conn;
	st->ops = &pg_ops;
	return 0;
}
