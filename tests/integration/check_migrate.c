/*
 * check_migrate.c: `labhit migrate` and the master's start-up database
 * step, through the real binary: pending/applied listing, idempotence, a
 * newer schema refused, an unusable database named with its password
 * masked.
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/lib/testlib.h"

static char *dir;

static void
setup(void)
{
	ck_assert_ptr_nonnull(dir = tl_tempdir());
}

static void
teardown(void)
{
	tl_rmtree(dir);
	free(dir);
}

/* Runs `labhit ARGS...` and returns the exit code; *out gets the output. */
static int
labhit(char **out, ...)
{
	char *argv[16] = { strdup(tl_bin()), NULL };
	const char *arg;
	int n = 1, status;
	va_list ap;

	va_start(ap, out);
	while ((arg = va_arg(ap, const char *)) != NULL && n < 15)
		argv[n++] = strdup(arg);
	va_end(ap);
	argv[n] = NULL;
	status = tl_run(argv, out);
	for (int i = 0; i < n; i++)
		free(argv[i]);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(status_apply_idempotent)
{
	char *out;

	ck_assert_int_eq(labhit(&out, "migrate", "--state-dir", dir,
	    "--status", (char *)NULL), 0);
	ck_assert_msg(strncmp(out, "pending 0001_init", 17) == 0, "%s", out);
	free(out);
	ck_assert_int_eq(labhit(&out, "migrate", "--state-dir", dir,
	    (char *)NULL), 0);
	free(out);
	ck_assert_int_eq(labhit(&out, "migrate", "--state-dir", dir,
	    "--status", (char *)NULL), 0);
	ck_assert_msg(strncmp(out, "applied 0001_init 20", 20) == 0, "%s",
	    out);
	ck_assert_ptr_null(strstr(out, "pending"));
	free(out);
	/* running it again changes nothing */
	ck_assert_int_eq(labhit(&out, "migrate", "--state-dir", dir,
	    (char *)NULL), 0);
	free(out);
	ck_assert_int_eq(labhit(&out, "migrate", "--state-dir", dir,
	    "--status", (char *)NULL), 0);
	ck_assert_ptr_null(strstr(out, "pending"));
	free(out);
}
END_TEST

START_TEST(serve_migrates_then_refuses_newer)
{
	struct tl_server srv;
	char path[4200], *out;
	sqlite3 *db;

	memset(&srv, 0, sizeof(srv));
	srv.state_dir = strdup(dir);
	ck_assert_int_eq(tl_server_start(&srv, NULL, NULL), 0);
	ck_assert_int_eq(tl_server_signal_wait(&srv, SIGTERM, 15000), 0);
	free(srv.state_dir);
	free(srv.log_path);

	/* serve applied the migrations before forking */
	ck_assert_int_eq(labhit(&out, "migrate", "--state-dir", dir,
	    "--status", (char *)NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "applied 0001_init"));
	free(out);

	/* a schema from a newer labhit: refuse, do not touch it */
	snprintf(path, sizeof(path), "%s/labhit.db", dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO schema_migrations "
	    "VALUES (9999, '9999_future', '2030-01-01T00:00:00Z')", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(labhit(&out, "serve", "-c", "/dev/null",
	    "--state-dir", dir, (char *)NULL), 78);
	ck_assert_msg(strstr(out, "newer") != NULL, "%s", out);
	free(out);
}
END_TEST

START_TEST(unusable_database_masked)
{
	char *out, url[] = "postgres://alice:s3cr3tpw@127.0.0.1:1/labhit";

	ck_assert_int_eq(labhit(&out, "serve", "--state-dir", dir,
	    "--database", url, (char *)NULL), 78);
	ck_assert_msg(strstr(out, "postgres://alice:***@127.0.0.1:1/labhit")
	    != NULL, "database not named: %s", out);
	ck_assert_msg(strstr(out, "s3cr3tpw") == NULL, "password leaked: %s",
	    out);
	free(out);
	ck_assert_int_eq(labhit(&out, "serve", "--state-dir", dir,
	    "--database", "mysql://x/y", (char *)NULL), 78);
	ck_assert_ptr_nonnull(strstr(out, "unsupported"));
	free(out);
}
END_TEST

/* Flags are counted, not trusted: too many is a usage error. */
START_TEST(too_many_flags)
{
	char *argv[100], *out = NULL;
	int n = 0, status;

	argv[n++] = strdup(tl_bin());
	argv[n++] = strdup("migrate");
	for (int i = 0; i < 40; i++) {
		argv[n++] = strdup("--state-dir");
		argv[n++] = strdup(dir);
	}
	argv[n] = NULL;
	status = tl_run(argv, &out);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 64);
	ck_assert_ptr_nonnull(strstr(out, "too many options"));
	free(out);
	for (int i = 0; i < n; i++)
		free(argv[i]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("migrate");
	TCase *t = tcase_create("cli");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, status_apply_idempotent);
	tcase_add_test(t, serve_migrates_then_refuses_newer);
	tcase_add_test(t, unusable_database_masked);
	tcase_add_test(t, too_many_flags);
	suite_add_tcase(s, t);
	return tl_run_suite(s);
}
