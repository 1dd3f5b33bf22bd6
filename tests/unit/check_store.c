/*
 * check_store.c: the store suite (src/shared/store*.c). Built twice from this
 * one source: LH_TEST_BACKEND=1 runs it on a fresh SQLite file per test,
 * LH_TEST_BACKEND=2 on the PostgreSQL cluster named by LABHIT_TEST_PG_URL
 * (scripts/pg-test-cluster), a fresh schema per test; unset = SKIP (77).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/store.h"
#include "shared/store_int.h"
#include "shared/uuid.h"

#ifndef LH_TEST_BACKEND
#define LH_TEST_BACKEND 1
#endif

static char *t_url;		/* database of the current test */
static char *t_dir;		/* SQLite: temp directory */
static struct lh_store *st;

/* ---- fixtures ---- */

#if LH_TEST_BACKEND == 1
static char *t_top;		/* made by main, removed at the end */

/* A fresh directory under base (TMPDIR when NULL); caller frees. */
static char *
t_tempdir(const char *base)
{
	char *path;

	if (base == NULL)
		base = getenv("TMPDIR");
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if (asprintf(&path, "%s/labhit-store.XXXXXX", base) == -1)
		return NULL;
	if (mkdtemp(path) == NULL) {
		free(path);
		return NULL;
	}
	return path;
}
#endif

static void
t_rmtree(const char *path)
{
	char *cmd;

	if (path != NULL && asprintf(&cmd, "rm -rf -- '%s'", path) != -1) {
		(void)!system(cmd);
		free(cmd);
	}
}

static struct lh_store *
t_open(void)
{
	struct lh_store *s;
	char *err = NULL;

	s = store_open(t_url, &err);
	ck_assert_msg(s != NULL, "store_open: %s", err != NULL ? err : "?");
	return s;
}

#if LH_TEST_BACKEND == 2
static pid_t t_main_pid;

/* Runs sql on the cluster's database itself (not a test schema). */
static int
t_pg_admin(const char *sql)
{
	struct lh_store *s;
	char *err = NULL;
	int rc;

	if ((s = store_open(getenv("LABHIT_TEST_PG_URL"), &err)) == NULL) {
		fprintf(stderr, "%s\n", err != NULL ? err : "?");
		free(err);
		return -1;
	}
	if ((rc = s->ops->script(s, sql)) != LH_STORE_OK)
		fprintf(stderr, "%s\n", store_errmsg(s));
	store_close(s);
	return rc == LH_STORE_OK ? 0 : -1;
}
#endif

/* An empty database: a new SQLite file, or on PostgreSQL a new schema of
 * its own (search_path set through the URL), so other suites sharing the
 * cluster are never touched. */
static void
t_fresh_db(void)
{
#if LH_TEST_BACKEND == 2
	const char *base = getenv("LABHIT_TEST_PG_URL");
	char schema[64], *sql;

	snprintf(schema, sizeof(schema), "lh_store_%ld_%ld",
	    (long)t_main_pid, (long)getpid());
	ck_assert(asprintf(&sql, "DROP SCHEMA IF EXISTS %s CASCADE; "
	    "CREATE SCHEMA %s", schema, schema) != -1);
	ck_assert_int_eq(t_pg_admin(sql), 0);
	free(sql);
	ck_assert(asprintf(&t_url, "%s%coptions=--search_path%%3D%s", base,
	    strchr(base, '?') != NULL ? '&' : '?', schema) != -1);
#else
	ck_assert((t_dir = t_tempdir(t_top)) != NULL);
	ck_assert(asprintf(&t_url, "sqlite:%s/labhit.db", t_dir) != -1);
#endif
}

static void
setup(void)
{
	int applied = -1;

	t_fresh_db();
	st = t_open();
	ck_assert_msg(store_migrate(st, &applied) == LH_STORE_OK, "%s",
	    store_errmsg(st));
	ck_assert_int_eq(applied, store_schema_version_known());
}

static void
setup_empty(void)
{
	t_fresh_db();
	st = t_open();
}

static void
teardown(void)
{
	store_close(st);
	st = NULL;
#if LH_TEST_BACKEND == 2
	{
		char *sql;

		ck_assert(asprintf(&sql, "DROP SCHEMA IF EXISTS "
		    "lh_store_%ld_%ld CASCADE", (long)t_main_pid,
		    (long)getpid()) != -1);
		ck_assert_int_eq(t_pg_admin(sql), 0);
		free(sql);
	}
#endif
	t_rmtree(t_dir);
	free(t_dir);
	free(t_url);
	t_dir = t_url = NULL;
}

/* ---- helpers ---- */

static char *
t_run(const char *name, size_t nstages)
{
	static const char *names[] = { "build", "test", "lint", "deploy",
	    "notify", "s6", "s7", "s8" };
	struct lh_run_new in = { .pipeline_name = name,
	    .yaml = "engine: \"1\"\n", .trigger = "api" };
	struct lh_run r;
	char *id;

	ck_assert_msg(store_run_create(st, &in, names, nstages, &r) ==
	    LH_STORE_OK, "%s", store_errmsg(st));
	id = strdup(r.id);
	store_run_free(&r);
	return id;
}

static char *
t_user(const char *github_id)
{
	struct lh_user in = { .github_id = (char *)(uintptr_t)github_id,
	    .email = (char *)(uintptr_t)"a@example.com" };
	struct lh_user u;
	char *id;

	ck_assert_msg(store_user_upsert_github(st, &in, &u) == LH_STORE_OK,
	    "%s", store_errmsg(st));
	id = strdup(u.id);
	store_user_free(&u);
	return id;
}

static int64_t
t_count(const char *sql)
{
	struct lh_rows rows;
	int64_t n;

	ck_assert_msg(store_query(st, sql, NULL, 0, 0, &rows) == LH_STORE_OK,
	    "%s", store_errmsg(st));
	n = store_rows_int(&rows, 0, 0);
	store_rows_free(&rows);
	return n;
}

/* ---- opening and URLs ---- */

START_TEST(test_url_mask)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "postgres://bob:s3cret@db:5432/lh", "postgres://bob:***@db:5432/lh" },
		{ "postgresql://bob@db/lh", "postgresql://bob@db/lh" },
		{ "postgresql://db/lh?user=x&password=pw&sslmode=require",
		  "postgresql://db/lh?user=x&password=***&sslmode=require" },
		{ "postgres://a:b:c@h/d", "postgres://a:***@h/d" },
		{ "postgres://u:p@ss@h/d", "postgres://u:***@h/d" },
		{ "sqlite:/var/lib/labhit/labhit.db", "sqlite:/var/lib/labhit/labhit.db" },
		{ "", "" },
	};
	size_t i;
	char *m;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert((m = store_url_mask(cases[i].in)) != NULL);
		ck_assert_str_eq(m, cases[i].out);
		free(m);
	}
}
END_TEST

START_TEST(test_open_errors)
{
	struct lh_store *s;
	char *err = NULL;

	s = store_open("mysql://root:hunter2@localhost/lh", &err);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, "mysql://root:***@localhost/lh") != NULL,
	    "%s", err);
	ck_assert(strstr(err, "hunter2") == NULL);
	free(err);

	s = store_open("postgresql://lh:hunter2@127.0.0.1:1/lh"
	    "?connect_timeout=2", &err);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, "postgresql://lh:***@127.0.0.1:1/lh") !=
	    NULL && strstr(err, "cannot connect") != NULL, "%s", err);
	ck_assert(strstr(err, "hunter2") == NULL);
	free(err);

	s = store_open("sqlite:/nonexistent-dir/sub/labhit.db", &err);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, "sqlite:/nonexistent-dir/sub/labhit.db") !=
	    NULL, "%s", err);
	free(err);

#if LH_TEST_BACKEND == 2
	{
		/* a database that does not exist on a live server */
		char *bad, *slash;

		ck_assert_ptr_nonnull(bad = malloc(strlen(t_url) + 32));
		strcpy(bad, t_url);
		ck_assert_ptr_nonnull(slash = strrchr(bad, '/'));
		strcpy(slash, "/labhit_no_such_db");
		s = store_open(bad, &err);
		ck_assert_ptr_null(s);
		ck_assert_msg(strstr(err, "labhit_no_such_db") != NULL &&
		    strstr(err, "does not exist") != NULL, "%s", err);
		free(err);
		free(bad);
	}
#endif
	/* migrate CLI: a bad URL is an error exit naming it */
	{
		char *argv[] = { (char *)(uintptr_t)"migrate", NULL };

		ck_assert_int_eq(migrate_cli_main(1, argv, "nosuch:x"), 1);
	}
	s = store_open("sqlite:", &err);
	ck_assert_ptr_null(s);
	free(err);
	s = store_open("", &err);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(err);
	free(err);
}
END_TEST

START_TEST(test_open_backend)
{
	ck_assert_int_eq(store_backend(st), LH_TEST_BACKEND == 2 ?
	    LH_STORE_POSTGRES : LH_STORE_SQLITE);
#if LH_TEST_BACKEND == 1
	/* WAL journal is on */
	{
		struct lh_rows rows;

		ck_assert_int_eq(store_query(st, "PRAGMA journal_mode", NULL,
		    0, 0, &rows), LH_STORE_OK);
		ck_assert_str_eq(store_rows_get(&rows, 0, 0), "wal");
		store_rows_free(&rows);
	}
#endif
}
END_TEST

#if LH_TEST_BACKEND == 2
START_TEST(test_pg_reconnect)
{
	struct lh_store *killer = t_open();
	struct lh_rows rows;
	char *pid, *a;

	/* the server ends this session (as on a restart): the next statement
	 * outside a transaction reconnects and succeeds */
	ck_assert_int_eq(store_query(st, "SELECT pg_backend_pid()", NULL, 0,
	    0, &rows), LH_STORE_OK);
	pid = store_rows_take(&rows, 0, 0);
	store_rows_free(&rows);
	ck_assert_int_eq(store_q(killer, "SELECT pg_terminate_backend("
	    "CAST($1 AS INTEGER))", NULL, 0, pid), LH_STORE_OK);
	store_close(killer);
	free(pid);
	usleep(100000);
	a = t_run("after-restart", 2);
	ck_assert(uuid_valid(a));
	free(a);
}
END_TEST
#endif

/* ---- migrations ---- */

START_TEST(test_migrate_fresh_and_idempotent)
{
	struct lh_migration_status *v;
	size_t n;
	int applied = -1;

	ck_assert_int_eq(store_migrate_status(st, &v, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, (size_t)store_schema_version_known());
	ck_assert_str_eq(v[0].name, "0001_init");
	ck_assert_ptr_null(v[0].applied_at);
	store_migrate_status_free(v, n);
	ck_assert_int_eq(store_schema_check(st), LH_STORE_CONFLICT);
	ck_assert(strstr(store_errmsg(st), "pending") != NULL);

	ck_assert_int_eq(store_migrate(st, &applied), LH_STORE_OK);
	ck_assert_int_eq(applied, store_schema_version_known());
	ck_assert_int_eq(store_migrate(st, &applied), LH_STORE_OK);
	ck_assert_int_eq(applied, 0);
	ck_assert_int_eq(store_schema_check(st), LH_STORE_OK);
	ck_assert_int_eq(t_count("SELECT count(*) FROM schema_migrations"),
	    store_schema_version_known());

	ck_assert_int_eq(store_migrate_status(st, &v, &n), LH_STORE_OK);
	ck_assert_ptr_nonnull(v[0].applied_at);
	ck_assert_uint_eq(strlen(v[0].applied_at), 20);
	store_migrate_status_free(v, n);
}
END_TEST

/* Runs migrate_cli_main with stdout captured into buf. */
static int
t_cli(const char *arg, char *buf, size_t len)
{
	char *argv[3] = { (char *)(uintptr_t)"migrate",
	    (char *)(uintptr_t)arg, NULL };
	char path[] = "/tmp/labhit-cli.XXXXXX";
	int fd, saved, rc;
	ssize_t r;

	fflush(stdout);
	ck_assert((fd = mkstemp(path)) != -1);
	unlink(path);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	rc = migrate_cli_main(arg != NULL ? 2 : 1, argv, t_url);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	r = read(fd, buf, len - 1);
	buf[r > 0 ? r : 0] = '\0';
	close(fd);
	return rc;
}

START_TEST(test_migrate_refuses_newer)
{
	struct lh_migration_status *v;
	size_t n;

	ck_assert_int_eq(store_q(st, "INSERT INTO schema_migrations (version,"
	    " name, applied_at) VALUES (CAST($1 AS INTEGER), $2, $3)", NULL, 0,
	    "9999", "9999_future", "2030-01-01T00:00:00Z"), LH_STORE_OK);
	ck_assert_int_eq(store_migrate(st, NULL), LH_STORE_ERR);
	ck_assert_msg(strstr(store_errmsg(st), "newer") != NULL &&
	    strstr(store_errmsg(st), "9999") != NULL, "%s", store_errmsg(st));
	ck_assert_int_eq(store_schema_check(st), LH_STORE_CONFLICT);
	ck_assert_int_eq(store_migrate_status(st, &v, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, (size_t)store_schema_version_known() + 1);
	ck_assert_str_eq(v[n - 1].name, "9999_future");
	store_migrate_status_free(v, n);
	{
		char out[4096];

		ck_assert_int_eq(t_cli(NULL, out, sizeof(out)), 1);
		ck_assert_int_eq(t_cli("--status", out, sizeof(out)), 0);
		ck_assert_msg(strstr(out, "applied 9999_future "
		    "2030-01-01T00:00:00Z (unknown to this labhit)\n") != NULL,
		    "%s", out);
	}
}
END_TEST

START_TEST(test_migrate_cli)
{
	char out[4096];

	ck_assert_int_eq(t_cli("--status", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "pending 0001_init\n");
	ck_assert_int_eq(t_cli(NULL, out, sizeof(out)), 0);
	ck_assert_msg(strncmp(out, "applied 0001_init 20", 20) == 0, "%s", out);
	ck_assert_int_eq(t_cli(NULL, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "up to date") != NULL, "%s", out);
	ck_assert_int_eq(t_cli("--status", out, sizeof(out)), 0);
	ck_assert_msg(strncmp(out, "applied 0001_init 20", 20) == 0 &&
	    strlen(out) == strlen("applied 0001_init ") + 21, "%s", out);
	ck_assert_int_eq(t_cli("--bogus", out, sizeof(out)), 2);
}
END_TEST

/* ---- users, sessions, tokens, usage ---- */

START_TEST(test_users)
{
	struct lh_user in = { 0 }, u, u2;

	in.github_id = (char *)(uintptr_t)"1001";
	in.email = (char *)(uintptr_t)"jane@example.com";
	in.name = (char *)(uintptr_t)"Jane Doe";
	in.login = (char *)(uintptr_t)"janedoe";
	in.avatar_url = (char *)(uintptr_t)"https://a/1";
	ck_assert_int_eq(store_user_upsert_github(st, &in, &u), LH_STORE_OK);
	ck_assert(uuid_valid(u.id));
	ck_assert_str_eq(u.email, "jane@example.com");
	ck_assert_str_eq(u.login, "janedoe");
	ck_assert_str_eq(u.tier, "free");
	ck_assert_int_eq(u.is_admin, 0);
	ck_assert_uint_eq(strlen(u.created_at), 20);

	ck_assert_int_eq(store_user_set_tier(st, u.id, "pro", 1), LH_STORE_OK);
	in.email = (char *)(uintptr_t)"new@example.com";
	ck_assert_int_eq(store_user_upsert_github(st, &in, &u2), LH_STORE_OK);
	ck_assert_str_eq(u2.id, u.id);		/* same user */
	ck_assert_str_eq(u2.email, "new@example.com");
	ck_assert_str_eq(u2.tier, "pro");	/* kept */
	ck_assert_int_eq(u2.is_admin, 1);
	store_user_free(&u2);

	ck_assert_int_eq(store_user_get(st, u.id, &u2), LH_STORE_OK);
	ck_assert_str_eq(u2.github_id, "1001");
	store_user_free(&u2);
	ck_assert_int_eq(store_user_get_by_github(st, "1001", &u2),
	    LH_STORE_OK);
	ck_assert_str_eq(u2.id, u.id);
	store_user_free(&u2);
	ck_assert_int_eq(store_user_get(st, "nope", &u2), LH_STORE_NOTFOUND);
	ck_assert_int_eq(store_user_get_by_github(st, "2", &u2),
	    LH_STORE_NOTFOUND);
	ck_assert_int_eq(store_user_set_tier(st, "nope", "pro", 0),
	    LH_STORE_NOTFOUND);
	in.github_id = NULL;
	ck_assert_int_eq(store_user_upsert_github(st, &in, &u2), LH_STORE_ERR);
	ck_assert_int_eq(t_count("SELECT count(*) FROM users"), 1);
	store_user_free(&u);
}
END_TEST

START_TEST(test_sessions)
{
	struct lh_session s, s2;
	char *uid = t_user("7");
	time_t now = time(NULL);
	size_t n;

	ck_assert_int_eq(store_session_create(st, uid, "hash-a", now + 3600,
	    &s), LH_STORE_OK);
	ck_assert_str_eq(s.user_id, uid);
	ck_assert_str_eq(s.token_hash, "hash-a");
	ck_assert_ptr_null(s.revoked_at);
	ck_assert_int_eq(store_session_create(st, uid, "hash-a", now + 60,
	    NULL), LH_STORE_CONFLICT);
	/* created already expired: still returned, never found */
	ck_assert_int_eq(store_session_create(st, uid, "hash-old", now - 10,
	    &s2), LH_STORE_OK);
	ck_assert_str_eq(s2.token_hash, "hash-old");
	store_session_free(&s2);
	ck_assert_int_eq(store_session_find(st, "hash-old", now, &s2),
	    LH_STORE_NOTFOUND);
	ck_assert_int_eq(store_session_create(st, "no-such-user", "hash-x",
	    now + 60, NULL), LH_STORE_NOTFOUND);

	ck_assert_int_eq(store_session_find(st, "hash-a", now, &s2),
	    LH_STORE_OK);
	ck_assert_str_eq(s2.id, s.id);
	store_session_free(&s2);
	/* expired at a later now */
	ck_assert_int_eq(store_session_find(st, "hash-a", now + 3601, &s2),
	    LH_STORE_NOTFOUND);
	ck_assert_int_eq(store_session_find(st, "hash-b", now, &s2),
	    LH_STORE_NOTFOUND);

	ck_assert_int_eq(store_session_revoke(st, s.id), LH_STORE_OK);
	ck_assert_int_eq(store_session_find(st, "hash-a", now, &s2),
	    LH_STORE_NOTFOUND);
	ck_assert_int_eq(store_session_revoke(st, s.id), LH_STORE_NOTFOUND);

	ck_assert_int_eq(store_session_create(st, uid, "hash-b", now + 60,
	    NULL), LH_STORE_OK);
	ck_assert_int_eq(store_session_create(st, uid, "hash-c", now + 60,
	    NULL), LH_STORE_OK);
	ck_assert_int_eq(store_session_revoke_user(st, uid, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 3);	/* b, c and the expired "old" */
	ck_assert_int_eq(store_session_find(st, "hash-c", now, &s2),
	    LH_STORE_NOTFOUND);
	ck_assert_int_eq(store_session_revoke_user(st, uid, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 0);

	ck_assert_int_eq(store_session_create(st, uid, "hash-d", now + 7200,
	    NULL), LH_STORE_OK);
	/* purge drops revoked and expired ones, keeps the live one */
	ck_assert_int_eq(store_session_purge(st, now + 3600, &n),
	    LH_STORE_OK);
	ck_assert_uint_eq(n, 4);	/* a, b, c revoked; old expired */
	ck_assert_int_eq(t_count("SELECT count(*) FROM sessions"), 1);
	ck_assert_int_eq(store_session_find(st, "hash-d", now, &s2),
	    LH_STORE_OK);
	store_session_free(&s2);
	store_session_free(&s);
	free(uid);
}
END_TEST

START_TEST(test_api_tokens)
{
	struct lh_api_token t, *v;
	char *uid = t_user("8"), *other = t_user("9");
	size_t n;

	ck_assert_int_eq(store_token_create(st, uid, "CI Token", "h1",
	    "trigger,read", &t), LH_STORE_OK);
	ck_assert_str_eq(t.name, "CI Token");
	ck_assert_str_eq(t.scopes, "trigger,read");
	ck_assert_ptr_null(t.last_used_at);
	ck_assert_int_eq(store_token_create(st, uid, "dup", "h1", "", NULL),
	    LH_STORE_CONFLICT);
	ck_assert_int_eq(store_token_create(st, uid, "second", "h2", "read",
	    NULL), LH_STORE_OK);

	ck_assert_int_eq(store_token_list(st, uid, &v, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].name, "second");	/* newest first */
	ck_assert_str_eq(v[1].name, "CI Token");
	store_tokens_free(v, n);
	ck_assert_int_eq(store_token_list(st, other, &v, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 0);
	store_tokens_free(v, n);

	ck_assert_int_eq(store_token_touch(st, t.id, 1773657000), LH_STORE_OK);
	store_token_free(&t);
	ck_assert_int_eq(store_token_find(st, "h1", &t), LH_STORE_OK);
	ck_assert_str_eq(t.last_used_at, "2026-03-16T10:30:00Z");
	{
		struct lh_api_token none;

		ck_assert_int_eq(store_token_find(st, "h3", &none),
		    LH_STORE_NOTFOUND);
	}

	/* someone else's token cannot be deleted */
	ck_assert_int_eq(store_token_delete(st, t.id, other),
	    LH_STORE_NOTFOUND);
	ck_assert_int_eq(store_token_delete(st, t.id, uid), LH_STORE_OK);
	ck_assert_int_eq(store_token_delete(st, t.id, uid), LH_STORE_NOTFOUND);
	ck_assert_int_eq(store_token_touch(st, t.id, 1), LH_STORE_NOTFOUND);
	store_token_free(&t);
	free(uid);
	free(other);
}
END_TEST

START_TEST(test_usage)
{
	char *uid = t_user("10");
	int64_t total = -1;

	ck_assert_int_eq(store_usage_get(st, uid, "pipeline_runs",
	    "2026-03-01T00:00:00Z", &total), LH_STORE_OK);
	ck_assert_int_eq(total, 0);
	ck_assert_int_eq(store_usage_add(st, uid, "pipeline_runs",
	    "2026-03-01T00:00:00Z", 3, &total), LH_STORE_OK);
	ck_assert_int_eq(total, 3);
	ck_assert_int_eq(store_usage_add(st, uid, "pipeline_runs",
	    "2026-03-01T00:00:00Z", 4, &total), LH_STORE_OK);
	ck_assert_int_eq(total, 7);
	ck_assert_int_eq(store_usage_add(st, uid, "pipeline_runs",
	    "2026-04-01T00:00:00Z", 1, NULL), LH_STORE_OK);
	ck_assert_int_eq(store_usage_get(st, uid, "pipeline_runs",
	    "2026-03-01T00:00:00Z", &total), LH_STORE_OK);
	ck_assert_int_eq(total, 7);
	ck_assert_int_eq(store_usage_get(st, uid, "pipeline_runs",
	    "2026-04-01T00:00:00Z", &total), LH_STORE_OK);
	ck_assert_int_eq(total, 1);
	ck_assert_int_eq(store_usage_add(st, "ghost", "x", "p", 1, &total),
	    LH_STORE_NOTFOUND);
	free(uid);
}
END_TEST

/* ---- runs ---- */

START_TEST(test_run_create_get)
{
	static const char *names[] = { "build", "test", "deploy" };
	struct lh_run_new in = { .pipeline_name = "demo", .yaml = "a: 1\n",
	    .trigger = "webhook", .repository = "org/repo",
	    .ref = "refs/heads/main", .sha = "abc123",
	    .variables = "{\"X\":\"1\"}" };
	struct lh_run r, r2;
	struct lh_stage *sv;
	size_t n;
	char *uid = t_user("11");

	in.user_id = uid;
	ck_assert_int_eq(store_run_create(st, &in, names, 3, &r), LH_STORE_OK);
	ck_assert(uuid_valid(r.id));
	ck_assert_str_eq(r.status, "PENDING");
	ck_assert_str_eq(r.trigger, "webhook");
	ck_assert_str_eq(r.repository, "org/repo");
	ck_assert_str_eq(r.ref, "refs/heads/main");
	ck_assert_str_eq(r.sha, "abc123");
	ck_assert_str_eq(r.variables, "{\"X\":\"1\"}");
	ck_assert_str_eq(r.user_id, uid);
	ck_assert_ptr_null(r.runner_id);
	ck_assert_ptr_null(r.started_at);
	ck_assert_ptr_null(r.finished_at);
	ck_assert_int_eq(r.last_seq, 0);
	ck_assert_int_eq(store_run_get(st, r.id, &r2), LH_STORE_OK);
	ck_assert_str_eq(r2.yaml, "a: 1\n");
	ck_assert_str_eq(r2.created_at, r.created_at);
	store_run_free(&r2);
	ck_assert_int_eq(store_run_get(st, "nope", &r2), LH_STORE_NOTFOUND);

	ck_assert_int_eq(store_stage_list(st, r.id, &sv, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(sv[0].name, "build");
	ck_assert_str_eq(sv[1].name, "test");
	ck_assert_str_eq(sv[2].name, "deploy");
	ck_assert_int_eq(sv[2].position, 2);
	ck_assert_str_eq(sv[1].status, "PENDING");
	ck_assert_int_eq(sv[1].has_exit_code, 0);
	store_stages_free(sv, n);

	/* invalid input is refused before touching the database */
	in.status = "RUNNING";
	ck_assert_int_eq(store_run_create(st, &in, names, 3, NULL),
	    LH_STORE_ERR);
	in.status = "QUEUED";
	ck_assert_int_eq(store_run_create(st, &in, NULL, 0, &r2), LH_STORE_OK);
	ck_assert_str_eq(r2.status, "QUEUED");
	store_run_free(&r2);
	store_run_free(&r);
	free(uid);
}
END_TEST

START_TEST(test_run_create_rolls_back)
{
	static const char *dup[] = { "build", "test", "build" };
	struct lh_run_new in = { .pipeline_name = "dup", .yaml = "x" };
	char *id;

	/* the third stage violates the key: no run row and no stage row */
	ck_assert_int_eq(store_run_create(st, &in, dup, 3, NULL),
	    LH_STORE_CONFLICT);
	ck_assert_int_eq(t_count("SELECT count(*) FROM runs"), 0);
	ck_assert_int_eq(t_count("SELECT count(*) FROM stages"), 0);
	/* a user that does not exist: foreign key, rolled back too */
	in.user_id = "ghost";
	ck_assert_int_eq(store_run_create(st, &in, dup, 2, NULL),
	    LH_STORE_NOTFOUND);
	ck_assert_int_eq(t_count("SELECT count(*) FROM runs"), 0);
	/* the store is usable afterwards */
	id = t_run("ok", 2);
	ck_assert_int_eq(t_count("SELECT count(*) FROM runs"), 1);
	ck_assert_int_eq(t_count("SELECT count(*) FROM stages"), 2);
	free(id);
}
END_TEST

START_TEST(test_run_list)
{
	struct lh_run_filter f = { 0 };
	struct lh_run_new in = { .pipeline_name = "mine", .yaml = "x" };
	struct lh_run *v;
	char *ids[5], *uid = t_user("12");
	size_t n, i, running;

	for (i = 0; i < 4; i++)
		ids[i] = t_run("anon", 1);
	in.user_id = uid;
	ck_assert_int_eq(store_run_create(st, &in, NULL, 0, NULL), LH_STORE_OK);
	ck_assert_int_eq(store_run_list(st, &f, &v, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(v[0].pipeline_name, "mine");	/* newest first */
	ck_assert_str_eq(v[4].id, ids[0]);
	for (i = 1; i < n; i++)
		ck_assert(strcmp(v[i - 1].id, v[i].id) > 0);
	store_runs_free(v, n);

	f.limit = 2;
	ck_assert_int_eq(store_run_list(st, &f, &v, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 2);
	f.before_id = v[1].id;
	f.limit = 10;
	{
		struct lh_run *v2;
		size_t n2;

		ck_assert_int_eq(store_run_list(st, &f, &v2, &n2),
		    LH_STORE_OK);
		ck_assert_uint_eq(n2, 3);	/* the page after */
		ck_assert(strcmp(v2[0].id, v[1].id) < 0);
		store_runs_free(v2, n2);
	}
	store_runs_free(v, n);
	f.before_id = NULL;
	f.user_id = uid;
	ck_assert_int_eq(store_run_list(st, &f, &v, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 1);
	store_runs_free(v, n);

	f.user_id = NULL;
	f.status = "RUNNING";
	ck_assert_int_eq(store_run_list(st, &f, &v, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 0);
	store_runs_free(v, n);
	ck_assert_int_eq(store_run_count_running(st, uid, &running),
	    LH_STORE_OK);
	ck_assert_uint_eq(running, 0);
	{
		struct lh_run c;

		/* four anonymous runs are older than the user's run */
		for (i = 0; i < 5; i++) {
			ck_assert_int_eq(store_run_claim(st, "r1", time(NULL),
			    30, &c), LH_STORE_OK);
			store_run_free(&c);
		}
	}
	ck_assert_int_eq(store_run_count_running(st, uid, &running),
	    LH_STORE_OK);
	ck_assert_uint_eq(running, 1);
	ck_assert_int_eq(store_run_list(st, &f, &v, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 5);
	store_runs_free(v, n);
	for (i = 0; i < 4; i++)
		free(ids[i]);
	free(uid);
}
END_TEST

START_TEST(test_claim_lease_sweep)
{
	struct lh_run c, r;
	struct lh_stage *sv;
	char *a = t_run("a", 3), *b = t_run("b", 2), **ids;
	size_t n;
	time_t t0 = 1773657000;

	ck_assert_int_eq(store_run_claim(st, "runner-1", t0, 30, &c),
	    LH_STORE_OK);
	ck_assert_str_eq(c.id, a);		/* oldest first */
	ck_assert_str_eq(c.status, "RUNNING");
	ck_assert_str_eq(c.runner_id, "runner-1");
	ck_assert_str_eq(c.started_at, "2026-03-16T10:30:00Z");
	ck_assert_str_eq(c.lease_until, "2026-03-16T10:30:30Z");
	store_run_free(&c);
	ck_assert_int_eq(store_run_claim(st, "runner-2", t0, 30, &c),
	    LH_STORE_OK);
	ck_assert_str_eq(c.id, b);
	store_run_free(&c);
	ck_assert_int_eq(store_run_claim(st, "runner-3", t0, 30, &c),
	    LH_STORE_NOTFOUND);

	ck_assert_int_eq(store_stage_start(st, a, "build", 1), LH_STORE_OK);
	/* heartbeat: only the holder may extend */
	ck_assert_int_eq(store_run_lease_extend(st, a, "runner-1", t0 + 20,
	    30), LH_STORE_OK);
	ck_assert_int_eq(store_run_lease_extend(st, a, "runner-2", t0 + 20,
	    30), LH_STORE_CONFLICT);
	ck_assert_int_eq(store_run_lease_extend(st, "nope", "runner-1", t0,
	    30), LH_STORE_NOTFOUND);

	/* at t0+40 b's lease (t0+30) ended, a's (t0+50) did not */
	ck_assert_int_eq(store_run_sweep(st, t0 + 40, &ids, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(ids[0], b);
	store_ids_free(ids, n);
	ck_assert_int_eq(store_run_get(st, b, &r), LH_STORE_OK);
	ck_assert_str_eq(r.status, "FAILED");
	ck_assert_str_eq(r.error, "runner lost");
	ck_assert_ptr_nonnull(r.finished_at);
	ck_assert_ptr_null(r.lease_until);
	store_run_free(&r);
	ck_assert_int_eq(store_run_lease_extend(st, b, "runner-2", t0 + 41,
	    30), LH_STORE_CONFLICT);

	ck_assert_int_eq(store_run_sweep(st, t0 + 60, NULL, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(store_stage_list(st, a, &sv, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(sv[0].status, "FAILED");	/* was running */
	ck_assert_str_eq(sv[0].error, "runner lost");
	ck_assert_str_eq(sv[1].status, "SKIPPED");	/* never started */
	ck_assert_str_eq(sv[2].status, "SKIPPED");
	store_stages_free(sv, n);
	ck_assert_int_eq(store_run_sweep(st, t0 + 1000, NULL, &n),
	    LH_STORE_OK);
	ck_assert_uint_eq(n, 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_finish_cancel)
{
	struct lh_run r, c;
	struct lh_stage *sv;
	char *a = t_run("a", 3), *b = t_run("b", 2);
	size_t n;

	ck_assert_int_eq(store_run_finish(st, a, "RUNNING", NULL),
	    LH_STORE_ERR);
	ck_assert_int_eq(store_run_claim(st, "r", time(NULL), 30, &c),
	    LH_STORE_OK);
	store_run_free(&c);
	ck_assert_int_eq(store_run_finish(st, a, "SUCCESS", NULL), LH_STORE_OK);
	ck_assert_int_eq(store_run_get(st, a, &r), LH_STORE_OK);
	ck_assert_str_eq(r.status, "SUCCESS");
	ck_assert_ptr_nonnull(r.finished_at);
	ck_assert_ptr_null(r.lease_until);
	ck_assert_ptr_null(r.error);
	store_run_free(&r);
	ck_assert_int_eq(store_run_finish(st, a, "FAILED", "late"),
	    LH_STORE_CONFLICT);
	ck_assert_int_eq(store_run_finish(st, "nope", "FAILED", NULL),
	    LH_STORE_NOTFOUND);

	/* cancel: b and its two pending stages; one already done stays */
	ck_assert_int_eq(store_stage_finish(st, b, "build", "SUCCESS", 0,
	    NULL), LH_STORE_OK);
	ck_assert_int_eq(store_run_cancel(st, b, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(store_run_get(st, b, &r), LH_STORE_OK);
	ck_assert_str_eq(r.status, "CANCELLED");
	store_run_free(&r);
	ck_assert_int_eq(store_stage_list(st, b, &sv, &n), LH_STORE_OK);
	ck_assert_str_eq(sv[0].status, "SUCCESS");
	ck_assert_str_eq(sv[1].status, "CANCELLED");
	ck_assert_ptr_nonnull(sv[1].finished_at);
	store_stages_free(sv, n);
	ck_assert_int_eq(store_run_cancel(st, b, &n), LH_STORE_CONFLICT);
	ck_assert_int_eq(store_run_cancel(st, a, NULL), LH_STORE_CONFLICT);
	ck_assert_int_eq(store_run_cancel(st, "nope", NULL),
	    LH_STORE_NOTFOUND);
	/* a cancelled run is never claimed */
	ck_assert_int_eq(store_run_claim(st, "r", time(NULL), 30, &c),
	    LH_STORE_NOTFOUND);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_stages)
{
	struct lh_stage *sv;
	char *a = t_run("a", 3);
	size_t n;

	ck_assert_int_eq(store_stage_start(st, a, "build", 2), LH_STORE_OK);
	ck_assert_int_eq(store_stage_finish(st, a, "build", "FAILED", 3,
	    "exit status 3"), LH_STORE_OK);
	ck_assert_int_eq(store_stage_finish(st, a, "test", "SKIPPED", -1,
	    NULL), LH_STORE_OK);
	ck_assert_int_eq(store_stage_finish(st, a, "build", "SUCCESS", 0,
	    NULL), LH_STORE_CONFLICT);
	ck_assert_int_eq(store_stage_start(st, a, "test", 1),
	    LH_STORE_CONFLICT);
	ck_assert_int_eq(store_stage_finish(st, a, "lint", "RUNNING", 0,
	    NULL), LH_STORE_ERR);
	ck_assert_int_eq(store_stage_start(st, a, "nope", 1),
	    LH_STORE_NOTFOUND);
	ck_assert_int_eq(store_stage_finish(st, "nope", "build", "FAILED", 1,
	    NULL), LH_STORE_NOTFOUND);

	ck_assert_int_eq(store_stage_list(st, a, &sv, &n), LH_STORE_OK);
	ck_assert_str_eq(sv[0].status, "FAILED");
	ck_assert_int_eq(sv[0].attempt, 2);
	ck_assert_int_eq(sv[0].has_exit_code, 1);
	ck_assert_int_eq(sv[0].exit_code, 3);
	ck_assert_str_eq(sv[0].error, "exit status 3");
	ck_assert_ptr_nonnull(sv[0].started_at);
	ck_assert_ptr_nonnull(sv[0].finished_at);
	ck_assert_str_eq(sv[1].status, "SKIPPED");
	ck_assert_int_eq(sv[1].has_exit_code, 0);
	ck_assert_ptr_null(sv[1].started_at);
	ck_assert_str_eq(sv[2].status, "PENDING");
	store_stages_free(sv, n);
	ck_assert_int_eq(store_stage_list(st, "nope", &sv, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 0);
	store_stages_free(sv, n);
	free(a);
}
END_TEST

START_TEST(test_outputs)
{
	struct lh_output *v;
	char *a = t_run("a", 2);
	size_t n;

	ck_assert_int_eq(store_output_set(st, a, "test", "coverage", "81"),
	    LH_STORE_OK);
	ck_assert_int_eq(store_output_set(st, a, "build", "version", "1.0"),
	    LH_STORE_OK);
	ck_assert_int_eq(store_output_set(st, a, "build", "version", "1.1"),
	    LH_STORE_OK);
	ck_assert_int_eq(store_output_set(st, a, "build", "empty", ""),
	    LH_STORE_OK);
	ck_assert_int_eq(store_output_set(st, a, "nostage", "k", "v"),
	    LH_STORE_NOTFOUND);

	ck_assert_int_eq(store_output_list(st, a, NULL, &v, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[0].stage, "build");
	ck_assert_str_eq(v[0].key, "empty");
	ck_assert_str_eq(v[0].value, "");
	ck_assert_str_eq(v[1].key, "version");
	ck_assert_str_eq(v[1].value, "1.1");
	ck_assert_str_eq(v[2].stage, "test");
	store_outputs_free(v, n);
	ck_assert_int_eq(store_output_list(st, a, "test", &v, &n),
	    LH_STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].value, "81");
	store_outputs_free(v, n);
	free(a);
}
END_TEST

START_TEST(test_events)
{
	struct lh_event *v;
	struct lh_run r;
	char *a = t_run("a", 1), *b = t_run("b", 1);
	int64_t seq = 0;
	size_t n;

	ck_assert_int_eq(store_event_append(st, a, "stage_started", "build",
	    "{\"status\":\"Running\"}", &seq), LH_STORE_OK);
	ck_assert_int_eq(seq, 1);
	ck_assert_int_eq(store_event_append(st, b, "stage_started", "build",
	    "{}", &seq), LH_STORE_OK);
	ck_assert_int_eq(seq, 1);	/* per run */
	ck_assert_int_eq(store_event_append(st, a, "stage_completed", "build",
	    "{\"status\":\"Success\"}", &seq), LH_STORE_OK);
	ck_assert_int_eq(seq, 2);
	ck_assert_int_eq(store_event_append(st, a, "pipeline_completed", NULL,
	    NULL, &seq), LH_STORE_OK);
	ck_assert_int_eq(seq, 3);
	ck_assert_int_eq(store_event_append(st, "nope", "x", NULL, "{}", &seq),
	    LH_STORE_NOTFOUND);
	ck_assert_int_eq(seq, 3);

	ck_assert_int_eq(store_event_list(st, a, 0, 0, &v, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(v[0].seq, 1);
	ck_assert_str_eq(v[0].type, "stage_started");
	ck_assert_str_eq(v[0].stage, "build");
	ck_assert_str_eq(v[0].payload, "{\"status\":\"Running\"}");
	ck_assert_uint_eq(strlen(v[0].created_at), 20);
	ck_assert_ptr_null(v[2].stage);
	ck_assert_str_eq(v[2].payload, "{}");
	store_events_free(v, n);
	ck_assert_int_eq(store_event_list(st, a, 1, 1, &v, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].seq, 2);
	store_events_free(v, n);
	ck_assert_int_eq(store_event_list(st, a, 3, 0, &v, &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 0);
	store_events_free(v, n);
	ck_assert_int_eq(store_run_get(st, a, &r), LH_STORE_OK);
	ck_assert_int_eq(r.last_seq, 3);
	store_run_free(&r);
	free(a);
	free(b);
}
END_TEST

/* ---- extensions ---- */

static void
t_ext(const char *id, const char *name, const char *desc, const char *cat,
    const char *owner, int priv)
{
	struct lh_extension e = { 0 };

	e.id = (char *)(uintptr_t)id;
	e.name = (char *)(uintptr_t)name;
	e.description = (char *)(uintptr_t)desc;
	e.category = (char *)(uintptr_t)cat;
	e.owner_id = (char *)(uintptr_t)owner;
	e.is_private = priv;
	ck_assert_msg(store_ext_upsert(st, &e) == LH_STORE_OK, "%s",
	    store_errmsg(st));
}

START_TEST(test_extensions)
{
	struct lh_extension e, *v;
	char *owner = t_user("20");
	size_t n;

	t_ext("scan/trivy", "Trivy", "Container Scanner", "scan", NULL, 0);
	t_ext("scan/grype", "Grype", "vulnerability scanner", "scan", NULL, 0);
	t_ext("deploy/k8s", "Kubernetes", "deploy 100% of pods", "deploy",
	    NULL, 0);
	t_ext("mine/secret", "Secret scanner", "private", "scan", owner, 1);
	ck_assert_int_eq(store_ext_count_download(st, "scan/grype"),
	    LH_STORE_OK);
	ck_assert_int_eq(store_ext_count_download(st, "scan/grype"),
	    LH_STORE_OK);
	ck_assert_int_eq(store_ext_count_download(st, "nope"),
	    LH_STORE_NOTFOUND);

	ck_assert_int_eq(store_ext_get(st, "scan/grype", &e), LH_STORE_OK);
	ck_assert_int_eq(e.download_count, 2);
	ck_assert_str_eq(e.category, "scan");
	store_ext_free(&e);
	ck_assert_int_eq(store_ext_get(st, "nope", &e), LH_STORE_NOTFOUND);

	/* upsert keeps the counter */
	t_ext("scan/grype", "Grype", "Vulnerability scanner v2", "scan", NULL,
	    0);
	ck_assert_int_eq(store_ext_get(st, "scan/grype", &e), LH_STORE_OK);
	ck_assert_int_eq(e.download_count, 2);
	ck_assert_str_eq(e.description, "Vulnerability scanner v2");
	store_ext_free(&e);

	/* case-insensitive, most downloaded first, private hidden */
	ck_assert_int_eq(store_ext_search(st, "SCANNER", NULL, NULL, 10, &v,
	    &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].id, "scan/grype");
	ck_assert_str_eq(v[1].id, "scan/trivy");
	store_exts_free(v, n);
	ck_assert_int_eq(store_ext_search(st, "scanner", "scan", owner, 10, &v,
	    &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 3);	/* the owner sees the private one */
	store_exts_free(v, n);
	ck_assert_int_eq(store_ext_search(st, NULL, "deploy", NULL, 10, &v,
	    &n), LH_STORE_OK);
	ck_assert_uint_eq(n, 1);
	store_exts_free(v, n);
	/* LIKE wildcards in the query are literal */
	ck_assert_int_eq(store_ext_search(st, "100%", NULL, NULL, 10, &v, &n),
	    LH_STORE_OK);
	ck_assert_uint_eq(n, 1);
	store_exts_free(v, n);
	ck_assert_int_eq(store_ext_search(st, "%", NULL, NULL, 10, &v, &n),
	    LH_STORE_OK);
	ck_assert_uint_eq(n, 1);
	store_exts_free(v, n);
	ck_assert_int_eq(store_ext_search(st, "_", NULL, NULL, 10, &v, &n),
	    LH_STORE_OK);
	ck_assert_uint_eq(n, 0);
	store_exts_free(v, n);
	ck_assert_int_eq(store_ext_search(st, "", NULL, NULL, 2, &v, &n),
	    LH_STORE_OK);
	ck_assert_uint_eq(n, 2);	/* limit */
	store_exts_free(v, n);
	free(owner);
}
END_TEST

START_TEST(test_extension_versions)
{
	struct lh_ext_version in = { 0 }, *v;
	size_t n;

	t_ext("scan/trivy", "Trivy", "", "scan", NULL, 0);
	in.extension_id = (char *)(uintptr_t)"scan/trivy";
	in.version = (char *)(uintptr_t)"1.0.0";
	in.package_hash = (char *)(uintptr_t)"sha256:aa";
	in.size_bytes = 5000000000LL;	/* > 32 bits */
	in.readme = (char *)(uintptr_t)"# Trivy";
	in.published_at = (char *)(uintptr_t)"2026-01-01T00:00:00Z";
	ck_assert_int_eq(store_ext_version_add(st, &in), LH_STORE_OK);
	ck_assert_int_eq(store_ext_version_add(st, &in), LH_STORE_CONFLICT);
	in.version = (char *)(uintptr_t)"1.1.0";
	in.readme = NULL;
	in.published_at = (char *)(uintptr_t)"2026-02-01T00:00:00Z";
	ck_assert_int_eq(store_ext_version_add(st, &in), LH_STORE_OK);
	in.extension_id = (char *)(uintptr_t)"nope";
	ck_assert_int_eq(store_ext_version_add(st, &in), LH_STORE_NOTFOUND);

	ck_assert_int_eq(store_ext_version_yank(st, "scan/trivy", "1.0.0", 1),
	    LH_STORE_OK);
	ck_assert_int_eq(store_ext_version_yank(st, "scan/trivy", "9", 1),
	    LH_STORE_NOTFOUND);
	ck_assert_int_eq(store_ext_version_list(st, "scan/trivy", &v, &n),
	    LH_STORE_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].version, "1.1.0");	/* newest first */
	ck_assert_int_eq(v[0].yanked, 0);
	ck_assert_ptr_null(v[0].readme);
	ck_assert_str_eq(v[1].version, "1.0.0");
	ck_assert_int_eq(v[1].yanked, 1);
	ck_assert_int_eq(v[1].size_bytes, 5000000000LL);
	ck_assert_str_eq(v[1].readme, "# Trivy");
	ck_assert_str_eq(v[1].package_hash, "sha256:aa");
	store_ext_versions_free(v, n);
}
END_TEST

/* ---- hostile strings ---- */

static char *
t_binary(void)
{
	char *b = malloc(256 * 2);
	size_t i, o = 0;
	int c;

	/* every byte value but NUL, twice, including invalid UTF-8 */
	for (i = 0; i < 2; i++)
		for (c = 1; c < 256; c++)
			b[o++] = (char)c;
	b[o] = '\0';
	return b;
}

START_TEST(test_hostile_strings)
{
	static const char quotes[] = "it's \"quoted\" '); DROP TABLE runs; -- "
	    "\\x00 $1 ? %s \\'";
	static const char uni[] = "h\xc3\xa9llo \xe2\x9c\x93 \xe6\x97\xa5"
	    "\xe6\x9c\xac \xf0\x9f\x8e\x89";
	static const char *names[] = { "build" };
	struct lh_run_new in = { 0 };
	struct lh_run r;
	struct lh_output *ov;
	struct lh_event *ev;
	struct lh_stage *sv;
	char *bin = t_binary(), *big;
	size_t n, i;

	ck_assert_ptr_nonnull(big = malloc(1024 * 1024 + 1));
	for (i = 0; i < 1024 * 1024; i++)
		big[i] = "abcdefghij\n\t\"'\\"[i % 15];
	big[1024 * 1024] = '\0';

	in.pipeline_name = uni;
	in.yaml = big;
	in.variables = bin;
	in.ref = quotes;
	ck_assert_int_eq(store_run_create(st, &in, names, 1, &r), LH_STORE_OK);
	ck_assert_str_eq(r.pipeline_name, uni);
	ck_assert_uint_eq(strlen(r.yaml), 1024 * 1024);
	ck_assert(memcmp(r.yaml, big, 1024 * 1024 + 1) == 0);
	ck_assert_str_eq(r.variables, bin);
	ck_assert_str_eq(r.ref, quotes);

	ck_assert_int_eq(store_output_set(st, r.id, "build", uni, bin),
	    LH_STORE_OK);
	ck_assert_int_eq(store_output_set(st, r.id, "build", quotes, big),
	    LH_STORE_OK);
	ck_assert_int_eq(store_output_list(st, r.id, NULL, &ov, &n),
	    LH_STORE_OK);
	ck_assert_uint_eq(n, 2);
	for (i = 0; i < n; i++) {
		if (strcmp(ov[i].key, uni) == 0)
			ck_assert_str_eq(ov[i].value, bin);
		else {
			ck_assert_str_eq(ov[i].key, quotes);
			ck_assert(strcmp(ov[i].value, big) == 0);
		}
	}
	store_outputs_free(ov, n);

	ck_assert_int_eq(store_event_append(st, r.id, quotes, uni, bin, NULL),
	    LH_STORE_OK);
	ck_assert_int_eq(store_event_append(st, r.id, "big", NULL, big, NULL),
	    LH_STORE_OK);
	ck_assert_int_eq(store_event_list(st, r.id, 0, 0, &ev, &n),
	    LH_STORE_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(ev[0].type, quotes);
	ck_assert_str_eq(ev[0].stage, uni);
	ck_assert_str_eq(ev[0].payload, bin);
	ck_assert(strcmp(ev[1].payload, big) == 0);
	store_events_free(ev, n);

	ck_assert_int_eq(store_stage_finish(st, r.id, "build", "FAILED", 1,
	    bin), LH_STORE_OK);
	ck_assert_int_eq(store_stage_list(st, r.id, &sv, &n), LH_STORE_OK);
	ck_assert_str_eq(sv[0].error, bin);
	store_stages_free(sv, n);
	ck_assert_int_eq(store_run_finish(st, r.id, "FAILED", quotes),
	    LH_STORE_OK);
	store_run_free(&r);

	/* the table is still there after the "DROP TABLE" strings */
	ck_assert_int_eq(t_count("SELECT count(*) FROM runs"), 1);
	/* a user's lookup key with quotes finds nothing, harmlessly */
	{
		struct lh_user u;

		ck_assert_int_eq(store_user_get(st, "' OR '1'='1", &u),
		    LH_STORE_NOTFOUND);
	}
	/* text columns: bytes kept on SQLite; PostgreSQL text must be
	 * UTF-8 and says so as an error value, never a crash */
	in.pipeline_name = bin;
	in.yaml = "x";
	in.variables = NULL;
#if LH_TEST_BACKEND == 2
	ck_assert_int_eq(store_run_create(st, &in, NULL, 0, &r), LH_STORE_ERR);
	ck_assert_msg(strstr(store_errmsg(st), "UTF8") != NULL, "%s",
	    store_errmsg(st));
#else
	ck_assert_int_eq(store_run_create(st, &in, NULL, 0, &r), LH_STORE_OK);
	ck_assert_str_eq(r.pipeline_name, bin);
	store_run_free(&r);
#endif
	free(bin);
	free(big);
}
END_TEST

/* ---- several processes ---- */

#define T_PROCS	4
#define T_RUNS	60
#define T_APPENDS	40

/* Forks T_PROCS children running fn(i, fd) with their own store; each
 * writes fixed-size records into the pipe. Returns what they wrote. */
static char *
t_fork_all(void (*fn)(struct lh_store *, int, int), size_t *len)
{
	pid_t pids[T_PROCS];
	char *buf = NULL, chunk[4096];
	size_t cap = 0;
	ssize_t r;
	int fds[2], i, status;

	ck_assert_int_eq(pipe(fds), 0);
	*len = 0;
	fflush(NULL);
	for (i = 0; i < T_PROCS; i++) {
		ck_assert((pids[i] = fork()) != -1);
		if (pids[i] == 0) {
			struct lh_store *s;
			char *err = NULL;

			close(fds[0]);
			if ((s = store_open(t_url, &err)) == NULL)
				_exit(3);
			fn(s, i, fds[1]);
			store_close(s);
			_exit(0);
		}
	}
	close(fds[1]);
	while ((r = read(fds[0], chunk, sizeof(chunk))) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		ck_assert(r > 0);
		if (*len + (size_t)r + 1 > cap) {
			cap = (*len + (size_t)r + 1) * 2;
			ck_assert((buf = realloc(buf, cap)) != NULL);
		}
		memcpy(buf + *len, chunk, (size_t)r);
		*len += (size_t)r;
	}
	close(fds[0]);
	for (i = 0; i < T_PROCS; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "child %d failed: status %d", i, status);
	}
	if (buf == NULL)
		buf = calloc(1, 1);
	buf[*len] = '\0';
	return buf;
}

static void
t_claimer(struct lh_store *s, int idx, int fd)
{
	struct lh_run r;
	char runner[16], line[64];
	int rc, len;

	snprintf(runner, sizeof(runner), "runner-%d", idx);
	for (;;) {
		rc = store_run_claim(s, runner, time(NULL), 60, &r);
		if (rc == LH_STORE_NOTFOUND)
			break;
		if (rc != LH_STORE_OK) {
			fprintf(stderr, "claim: %s\n", store_errmsg(s));
			_exit(4);
		}
		len = snprintf(line, sizeof(line), "%s %s\n", r.id, runner);
		if (write(fd, line, (size_t)len) != len)
			_exit(5);
		store_run_free(&r);
	}
}

START_TEST(test_concurrent_claims)
{
	char *ids[T_RUNS], *out, *line, *save, *p;
	int seen[T_RUNS] = { 0 }, i, total = 0;
	size_t len;

	for (i = 0; i < T_RUNS; i++)
		ids[i] = t_run("c", 1);
	out = t_fork_all(t_claimer, &len);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		ck_assert((p = strchr(line, ' ')) != NULL);
		*p = '\0';
		for (i = 0; i < T_RUNS; i++)
			if (strcmp(ids[i], line) == 0)
				break;
		ck_assert_msg(i < T_RUNS, "unknown run %s", line);
		ck_assert_msg(seen[i] == 0, "run %s claimed twice", line);
		seen[i]++;
		total++;
	}
	ck_assert_int_eq(total, T_RUNS);	/* each exactly once */
	ck_assert_int_eq(t_count("SELECT count(*) FROM runs WHERE status = "
	    "'RUNNING' AND runner_id IS NOT NULL"), T_RUNS);
	free(out);
	for (i = 0; i < T_RUNS; i++)
		free(ids[i]);
}
END_TEST

static char *t_event_run;

static void
t_appender(struct lh_store *s, int idx, int fd)
{
	char line[32], payload[32];
	int64_t seq;
	int i, len;

	for (i = 0; i < T_APPENDS; i++) {
		snprintf(payload, sizeof(payload), "{\"p\":%d,\"i\":%d}", idx,
		    i);
		if (store_event_append(s, t_event_run, "log", NULL, payload,
		    &seq) != LH_STORE_OK) {
			fprintf(stderr, "append: %s\n", store_errmsg(s));
			_exit(4);
		}
		len = snprintf(line, sizeof(line), "%lld\n", (long long)seq);
		if (write(fd, line, (size_t)len) != len)
			_exit(5);
	}
}

START_TEST(test_concurrent_event_seq)
{
	enum { N = T_PROCS * T_APPENDS };
	struct lh_event *ev;
	char *out, *line, *save;
	int seen[N + 1] = { 0 };
	long long seq;
	size_t len, n, i;

	t_event_run = t_run("ev", 1);
	out = t_fork_all(t_appender, &len);
	n = 0;
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		seq = atoll(line);
		ck_assert_msg(seq >= 1 && seq <= N, "seq %lld", seq);
		ck_assert_msg(seen[seq] == 0, "seq %lld given twice", seq);
		seen[seq] = 1;
		n++;
	}
	ck_assert_uint_eq(n, N);
	free(out);
	/* stored: 1..N with no gap and no duplicate */
	ck_assert_int_eq(store_event_list(st, t_event_run, 0, 0, &ev, &n),
	    LH_STORE_OK);
	ck_assert_uint_eq(n, N);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(ev[i].seq, (int64_t)i + 1);
	store_events_free(ev, n);
	free(t_event_run);
}
END_TEST

static void
t_migrator(struct lh_store *s, int idx, int fd)
{
	(void)idx;
	(void)fd;
	if (store_migrate(s, NULL) != LH_STORE_OK) {
		fprintf(stderr, "migrate: %s\n", store_errmsg(s));
		_exit(4);
	}
}

START_TEST(test_concurrent_migrate)
{
	size_t len;
	char *out;

	/* setup_empty: several masters starting at once on a new database */
	out = t_fork_all(t_migrator, &len);
	free(out);
	ck_assert_int_eq(store_schema_check(st), LH_STORE_OK);
	ck_assert_int_eq(t_count("SELECT count(*) FROM schema_migrations"),
	    store_schema_version_known());
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create(LH_TEST_BACKEND == 2 ? "store-postgres" :
	    "store-sqlite");
	TCase *tc;

	tc = tcase_create("open");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_url_mask);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_open_backend);
#if LH_TEST_BACKEND == 2
	tcase_add_test(tc, test_pg_reconnect);
#endif
	suite_add_tcase(s, tc);

	tc = tcase_create("migrate");
	tcase_add_checked_fixture(tc, setup_empty, teardown);
	tcase_add_test(tc, test_migrate_fresh_and_idempotent);
	tcase_add_test(tc, test_migrate_cli);
	tcase_add_test(tc, test_concurrent_migrate);
	suite_add_tcase(s, tc);

	tc = tcase_create("data");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_migrate_refuses_newer);
	tcase_add_test(tc, test_users);
	tcase_add_test(tc, test_sessions);
	tcase_add_test(tc, test_api_tokens);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_run_create_get);
	tcase_add_test(tc, test_run_create_rolls_back);
	tcase_add_test(tc, test_run_list);
	tcase_add_test(tc, test_claim_lease_sweep);
	tcase_add_test(tc, test_finish_cancel);
	tcase_add_test(tc, test_stages);
	tcase_add_test(tc, test_outputs);
	tcase_add_test(tc, test_events);
	tcase_add_test(tc, test_extensions);
	tcase_add_test(tc, test_extension_versions);
	tcase_add_test(tc, test_hostile_strings);
	tcase_add_test(tc, test_concurrent_claims);
	tcase_add_test(tc, test_concurrent_event_seq);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

#if LH_TEST_BACKEND == 2
	const char *url = getenv("LABHIT_TEST_PG_URL");

	if (url == NULL || url[0] == '\0') {
		printf("LABHIT_TEST_PG_URL is not set: PostgreSQL store suite "
		    "skipped (scripts/pg-test-cluster start)\n");
		return 77;
	}
	t_main_pid = getpid();
#else
	/* tests that fail skip their teardown: their files go with this */
	if ((t_top = t_tempdir(NULL)) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
#endif
	sr = srunner_create(store_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
#if LH_TEST_BACKEND == 2
	{
		char sql[512];

		/* schemas left by failed tests (teardown did not run) */
		snprintf(sql, sizeof(sql), "DO $$DECLARE s text; BEGIN "
		    "FOR s IN SELECT nspname FROM pg_namespace WHERE nspname "
		    "LIKE 'lh\\_store\\_%ld\\_%%' LOOP EXECUTE format('DROP SCHEMA "
		    "%%I CASCADE', s); END LOOP; END$$", (long)t_main_pid);
		if (t_pg_admin(sql) == -1)
			failed++;
	}
#else
	t_rmtree(t_top);
	free(t_top);
#endif
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
