/*
 * store_migrate.c: applies the numbered migrations in order, records them in
 * schema_migrations, lists their status and refuses a database newer than
 * this binary; also `labhit migrate [--status]`. Runs in the master at start
 * (before forking) and in `labhit migrate`.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/migrations/migrations.h"
#include "shared/store.h"
#include "shared/store_int.h"
#include "shared/timefmt.h"

#define LH_MIGRATE_LOCK	"7426180311"	/* pg advisory lock key */

static const char sql_create_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  version INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  applied_at TEXT NOT NULL)";

int
store_schema_version_known(void)
{
	return store_migrations[store_nmigrations - 1].version;
}

static int
migrate_applied(struct lh_store *st, struct lh_rows *rows)
{
	int rc;

	/* two PostgreSQL sessions racing on CREATE TABLE IF NOT EXISTS can
	 * both try to create it: serialise on the migration lock */
	if ((rc = store_tx_begin(st)) != LH_STORE_OK)
		return rc;
	if (st->backend == LH_STORE_POSTGRES)
		rc = store_query(st, "SELECT pg_advisory_xact_lock("
		    LH_MIGRATE_LOCK ")", NULL, 0, 0, NULL);
	if (rc == LH_STORE_OK)
		rc = store_query(st, sql_create_table, NULL, 0, 0, NULL);
	if (rc != LH_STORE_OK)
		return store_tx_fail(st, rc);
	if ((rc = store_tx_commit(st)) != LH_STORE_OK)
		return rc;
	return store_query(st, "SELECT version, name, applied_at "
	    "FROM schema_migrations ORDER BY version", NULL, 0, 0, rows);
}

static int
migrate_check_newer(struct lh_store *st, const struct lh_rows *rows)
{
	int64_t top;

	if (rows->nrows == 0)
		return LH_STORE_OK;
	top = store_rows_int(rows, rows->nrows - 1, 0);
	if (top > store_schema_version_known()) {
		store_seterr(st, "database %s has schema version %lld, newer "
		    "than this labhit knows (%d): upgrade labhit",
		    st->masked_url, (long long)top,
		    store_schema_version_known());
		return LH_STORE_CONFLICT;
	}
	return LH_STORE_OK;
}

static int
migrate_one(struct lh_store *st, const struct lh_migration *m, int *done)
{
	struct lh_rows rows;
	char vbuf[24], tbuf[24];
	int rc;

	*done = 0;
	if ((rc = store_tx_begin(st)) != LH_STORE_OK)
		return rc;
	if (st->backend == LH_STORE_POSTGRES &&
	    (rc = store_query(st, "SELECT pg_advisory_xact_lock("
	    LH_MIGRATE_LOCK ")", NULL, 0, 0, NULL)) != LH_STORE_OK)
		return store_tx_fail(st, rc);
	/* another process may have applied it while we waited */
	rc = store_q(st, "SELECT 1 FROM schema_migrations WHERE version = $1",
	    &rows, 0, store_fmt_int(vbuf, m->version));
	if (rc != LH_STORE_OK)
		return store_tx_fail(st, rc);
	if (rows.nrows > 0) {
		store_rows_free(&rows);
		return store_tx_commit(st);
	}
	rc = st->ops->script(st, st->backend == LH_STORE_POSTGRES ?
	    m->sql_pg : m->sql_sqlite);
	if (rc != LH_STORE_OK) {
		char cause[LH_STORE_ERRLEN];

		snprintf(cause, sizeof(cause), "%s", st->errmsg);
		store_seterr(st, "migration %s failed: %s", m->name, cause);
		return store_tx_fail(st, LH_STORE_ERR);
	}
	rc = store_q(st, "INSERT INTO schema_migrations (version, name, "
	    "applied_at) VALUES ($1, $2, $3)", NULL, 0,
	    store_fmt_int(vbuf, m->version), m->name,
	    store_fmt_time(tbuf, time(NULL)));
	if (rc != LH_STORE_OK)
		return store_tx_fail(st, rc);
	if ((rc = store_tx_commit(st)) == LH_STORE_OK)
		*done = 1;
	return rc;
}

int
store_migrate(struct lh_store *st, int *applied)
{
	struct lh_rows rows;
	size_t i;
	int rc, done, count = 0;

	if (applied != NULL)
		*applied = 0;
	if ((rc = migrate_applied(st, &rows)) != LH_STORE_OK)
		return rc;
	rc = migrate_check_newer(st, &rows);
	store_rows_free(&rows);
	if (rc != LH_STORE_OK)
		return LH_STORE_ERR;
	for (i = 0; i < store_nmigrations; i++) {
		if ((rc = migrate_one(st, &store_migrations[i], &done)) !=
		    LH_STORE_OK)
			return LH_STORE_ERR;
		count += done;
	}
	if (applied != NULL)
		*applied = count;
	return LH_STORE_OK;
}

static int
migrate_status_add(struct lh_migration_status *v, size_t *n, int version,
    const char *name, const char *applied_at)
{
	v[*n].version = version;
	v[*n].name = strdup(name);
	v[*n].applied_at = applied_at != NULL ? strdup(applied_at) : NULL;
	(*n)++;
	if (v[*n - 1].name == NULL ||
	    (applied_at != NULL && v[*n - 1].applied_at == NULL))
		return -1;
	return 0;
}

int
store_migrate_status(struct lh_store *st, struct lh_migration_status **out,
    size_t *n)
{
	struct lh_migration_status *v;
	struct lh_rows rows;
	size_t i, r, cnt = 0;
	int rc, ver;

	*out = NULL;
	*n = 0;
	if ((rc = migrate_applied(st, &rows)) != LH_STORE_OK)
		return rc;
	v = store_calloc_array(st, store_nmigrations + rows.nrows, sizeof(*v));
	if (v == NULL) {
		store_rows_free(&rows);
		return LH_STORE_ERR;
	}
	for (i = 0; i < store_nmigrations; i++) {
		const char *at = NULL;

		for (r = 0; r < rows.nrows; r++)
			if (store_rows_int(&rows, r, 0) ==
			    store_migrations[i].version)
				at = store_rows_get(&rows, r, 2);
		if (migrate_status_add(v, &cnt, store_migrations[i].version,
		    store_migrations[i].name, at) == -1)
			goto nomem;
	}
	for (r = 0; r < rows.nrows; r++) {
		ver = (int)store_rows_int(&rows, r, 0);
		if (ver <= store_schema_version_known())
			continue;
		if (migrate_status_add(v, &cnt, ver, store_rows_get(&rows, r, 1),
		    store_rows_get(&rows, r, 2)) == -1)
			goto nomem;
	}
	store_rows_free(&rows);
	*out = v;
	*n = cnt;
	return LH_STORE_OK;
nomem:
	store_rows_free(&rows);
	store_migrate_status_free(v, cnt);
	store_seterr(st, "out of memory");
	return LH_STORE_ERR;
}

void
store_migrate_status_free(struct lh_migration_status *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].applied_at);
	}
	free(v);
}

int
store_schema_check(struct lh_store *st)
{
	struct lh_migration_status *v;
	size_t i, n, pending = 0;
	int rc, newer = 0;

	if ((rc = store_migrate_status(st, &v, &n)) != LH_STORE_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (v[i].applied_at == NULL)
			pending++;
		if (v[i].version > store_schema_version_known())
			newer = v[i].version;
	}
	store_migrate_status_free(v, n);
	if (newer) {
		store_seterr(st, "database %s has schema version %d, newer "
		    "than this labhit knows (%d): upgrade labhit",
		    st->masked_url, newer, store_schema_version_known());
		return LH_STORE_CONFLICT;
	}
	if (pending) {
		store_seterr(st, "database %s has %zu pending migration%s: "
		    "run labhit migrate", st->masked_url, pending,
		    pending == 1 ? "" : "s");
		return LH_STORE_CONFLICT;
	}
	return LH_STORE_OK;
}

static int
migrate_cli_status(struct lh_store *st)
{
	struct lh_migration_status *v;
	size_t i, n;

	if (store_migrate_status(st, &v, &n) != LH_STORE_OK) {
		fprintf(stderr, "labhit migrate: %s\n", store_errmsg(st));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (v[i].applied_at != NULL)
			printf("applied %s %s%s\n", v[i].name, v[i].applied_at,
			    v[i].version > store_schema_version_known() ?
			    " (unknown to this labhit)" : "");
		else
			printf("pending %s\n", v[i].name);
	}
	store_migrate_status_free(v, n);
	return 0;
}

static int
migrate_cli_apply(struct lh_store *st)
{
	struct lh_migration_status *before, *after;
	size_t i, nb, na;
	int applied;

	if (store_migrate_status(st, &before, &nb) != LH_STORE_OK)
		goto fail;
	if (store_migrate(st, &applied) != LH_STORE_OK) {
		store_migrate_status_free(before, nb);
		goto fail;
	}
	if (store_migrate_status(st, &after, &na) != LH_STORE_OK) {
		store_migrate_status_free(before, nb);
		goto fail;
	}
	for (i = 0; i < na && i < nb; i++)
		if (before[i].applied_at == NULL && after[i].applied_at != NULL)
			printf("applied %s %s\n", after[i].name,
			    after[i].applied_at);
	if (applied == 0)
		printf("database is up to date (schema version %d)\n",
		    store_schema_version_known());
	store_migrate_status_free(before, nb);
	store_migrate_status_free(after, na);
	return 0;
fail:
	fprintf(stderr, "labhit migrate: %s\n", store_errmsg(st));
	return 1;
}

int
migrate_cli_main(int argc, char **argv, const char *database_url)
{
	struct lh_store *st;
	char *err;
	int i, status = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--status") == 0)
			status = 1;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			printf("usage: labhit migrate [-c FILE] "
			    "[--database URL] [--status]\n");
			return 0;
		} else {
			fprintf(stderr, "labhit migrate: unknown argument "
			    "\"%s\"\nusage: labhit migrate [-c FILE] "
			    "[--database URL] [--status]\n", argv[i]);
			return 2;
		}
	}
	if ((st = store_open(database_url, &err)) == NULL) {
		fprintf(stderr, "labhit migrate: %s\n", err != NULL ? err :
		    "cannot open the database");
		free(err);
		return 1;
	}
	rc = status ? migrate_cli_status(st) : migrate_cli_apply(st);
	store_close(st);
	return rc;
}
