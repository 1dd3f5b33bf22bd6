/*
 * check_config.c: labhit.conf parsing, value parsers, precedence, errors
 * with FILE:LINE.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/conf.h"
#include "shared/log.h"
#include "tests/lib/testlib.h"

static char *dir;

static void
setup(void)
{
	dir = tl_tempdir();
	ck_assert_ptr_nonnull(dir);
}

static void
teardown(void)
{
	tl_rmtree(dir);
	free(dir);
}

static char *
write_conf(const char *text)
{
	char *path;
	FILE *fp;

	ck_assert_int_ne(asprintf(&path, "%s/labhit.conf", dir), -1);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	return path;
}

START_TEST(durations)
{
	uint32_t ms;

	ck_assert_int_eq(conf_parse_duration_ms("30s", &ms), 0);
	ck_assert_uint_eq(ms, 30000);
	ck_assert_int_eq(conf_parse_duration_ms("250ms", &ms), 0);
	ck_assert_uint_eq(ms, 250);
	ck_assert_int_eq(conf_parse_duration_ms("5m", &ms), 0);
	ck_assert_uint_eq(ms, 300000);
	ck_assert_int_eq(conf_parse_duration_ms("2h", &ms), 0);
	ck_assert_uint_eq(ms, 7200000);
	ck_assert_int_eq(conf_parse_duration_ms("10", &ms), 0);
	ck_assert_uint_eq(ms, 10000);
	ck_assert_int_eq(conf_parse_duration_ms("", &ms), -1);
	ck_assert_int_eq(conf_parse_duration_ms("-1s", &ms), -1);
	ck_assert_int_eq(conf_parse_duration_ms("3x", &ms), -1);
	ck_assert_int_eq(conf_parse_duration_ms("99999999999s", &ms), -1);
}
END_TEST

START_TEST(sizes)
{
	size_t n;

	ck_assert_int_eq(conf_parse_size("512", &n), 0);
	ck_assert_uint_eq(n, 512);
	ck_assert_int_eq(conf_parse_size("16KiB", &n), 0);
	ck_assert_uint_eq(n, 16384);
	ck_assert_int_eq(conf_parse_size("64MiB", &n), 0);
	ck_assert_uint_eq(n, 64u << 20);
	ck_assert_int_eq(conf_parse_size("1G", &n), 0);
	ck_assert_uint_eq(n, 1u << 30);
	ck_assert_int_eq(conf_parse_size("1.5MiB", &n), -1);
	ck_assert_int_eq(conf_parse_size("MiB", &n), -1);
	ck_assert_int_eq(conf_parse_size("99999999999999999999", &n), -1);
}
END_TEST

START_TEST(rates)
{
	struct lh_rate r;

	ck_assert_int_eq(conf_parse_rate("100/min", &r), 0);
	ck_assert_uint_eq(r.count, 100);
	ck_assert_uint_eq(r.period_ms, 60000);
	ck_assert_int_eq(conf_parse_rate("10/s", &r), 0);
	ck_assert_uint_eq(r.count, 10);
	ck_assert_uint_eq(r.period_ms, 1000);
	ck_assert_int_eq(conf_parse_rate("0", &r), 0);
	ck_assert_uint_eq(r.count, 0);
	ck_assert_int_eq(conf_parse_rate("5", &r), -1);
	ck_assert_int_eq(conf_parse_rate("5/fortnight", &r), -1);
	ck_assert_int_eq(conf_parse_rate("/min", &r), -1);
}
END_TEST

START_TEST(bools)
{
	int b = -1;

	ck_assert_int_eq(conf_parse_bool("on", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(conf_parse_bool("No", &b), 0);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(conf_parse_bool("maybe", &b), -1);
}
END_TEST

START_TEST(defaults_finish)
{
	struct lh_config c;
	char err[256];

	conf_defaults(&c);
	ck_assert_str_eq(c.listen, "127.0.0.1:8080");
	ck_assert_uint_eq(c.rate_limit_read.count, 100);
	ck_assert_uint_eq(c.rate_limit_write.count, 10);
	ck_assert_int_eq(conf_set(&c, "state_dir", "/srv/lh", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&c, err, sizeof(err)), 0);
	ck_assert_str_eq(c.database, "sqlite:/srv/lh/labhit.db");
	ck_assert_str_eq(c.pid_file, "/srv/lh/labhit.pid");
	ck_assert_str_eq(c.images_dir, "/srv/lh/images");
	ck_assert_int_gt(c.workers, 0);
	conf_free(&c);
}
END_TEST

START_TEST(file_ok)
{
	struct lh_config c;
	char err[256];
	char *path = write_conf(
	    "# comment\n"
	    "\n"
	    "listen = 0.0.0.0:9000   # trailing comment\n"
	    "workers=3\n"
	    "  log_level = debug\n"
	    "cors_origins = \"https://a.example, http://localhost:3000\"\n"
	    "rate_limit_write = 0\n"
	    "max_body_size = 2MiB\n"
	    "header_timeout = 500ms\n");

	conf_defaults(&c);
	ck_assert_int_eq(conf_load_file(&c, path, 1, err, sizeof(err)), 0);
	ck_assert_str_eq(c.listen, "0.0.0.0:9000");
	ck_assert_int_eq(c.workers, 3);
	ck_assert_int_eq(c.log_level, LH_LOG_DEBUG);
	ck_assert_str_eq(c.cors_origins,
	    "https://a.example, http://localhost:3000");
	ck_assert_uint_eq(c.rate_limit_write.count, 0);
	ck_assert_uint_eq(c.max_body_size, 2u << 20);
	ck_assert_uint_eq(c.header_timeout_ms, 500);
	ck_assert_str_eq(c.config_file, path);
	conf_free(&c);
	free(path);
}
END_TEST

START_TEST(file_unknown_key)
{
	struct lh_config c;
	char err[256], want[512];
	char *path = write_conf("workers = 2\n\nlisten_adress = x\n");

	conf_defaults(&c);
	ck_assert_int_eq(conf_load_file(&c, path, 1, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: unknown key 'listen_adress'", path);
	ck_assert_str_eq(err, want);
	conf_free(&c);
	free(path);
}
END_TEST

START_TEST(file_bad_values)
{
	static const struct { const char *text; const char *frag; } cases[] = {
		{ "workers = many\n", ":1: workers: 'many' is not an integer" },
		{ "workers = 100000\n", ":1: workers:" },
		{ "\nrate_limit_read = 5/fortnight\n", ":2: rate_limit_read:" },
		{ "shutdown_timeout = soon\n", ":1: shutdown_timeout:" },
		{ "log_level = loud\n", ":1: log_level:" },
		{ "sandbox = docker\n", ":1: sandbox: 'docker' is not one of" },
		{ "access_log = maybe\n", ":1: access_log:" },
		{ "just words\n", ":1: expected 'key = value'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lh_config c;
		char err[256];
		char *path = write_conf(cases[i].text);

		conf_defaults(&c);
		ck_assert_int_eq(conf_load_file(&c, path, 1, err,
		    sizeof(err)), -1);
		ck_assert_msg(strncmp(err, path, strlen(path)) == 0,
		    "error names the file: %s", err);
		ck_assert_msg(strstr(err, cases[i].frag) != NULL,
		    "case %zu: '%s' lacks '%s'", i, err, cases[i].frag);
		conf_free(&c);
		free(path);
	}
}
END_TEST

START_TEST(file_missing)
{
	struct lh_config c;
	char err[256], *path;

	ck_assert_int_ne(asprintf(&path, "%s/nope.conf", dir), -1);
	conf_defaults(&c);
	ck_assert_int_eq(conf_load_file(&c, path, 0, err, sizeof(err)), 0);
	ck_assert_ptr_null(c.config_file);
	ck_assert_int_eq(conf_load_file(&c, path, 1, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	conf_free(&c);
	free(path);
}
END_TEST

START_TEST(env_precedence)
{
	struct lh_config c;
	char err[256];
	char *path = write_conf("workers = 3\nrate_limit_read = 50/min\n"
	    "jwt_secret = fromfile\n");

	setenv("LABHIT_WORKERS", "5", 1);
	setenv("LABHIT_RATE_LIMIT_READ", "0", 1);
	setenv("JWT_SECRET", "fromenv", 1);
	setenv("DATABASE_URL", "postgres://u@h/db", 1);
	conf_defaults(&c);
	ck_assert_int_eq(conf_load_file(&c, path, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_load_env(&c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.workers, 5);
	ck_assert_uint_eq(c.rate_limit_read.count, 0);
	ck_assert_str_eq(c.jwt_secret, "fromenv");
	ck_assert_str_eq(c.database, "postgres://u@h/db");
	/* a flag beats the environment */
	ck_assert_int_eq(conf_set(&c, "workers", "7", err, sizeof(err)), 0);
	ck_assert_int_eq(c.workers, 7);
	setenv("LABHIT_WORKERS", "lots", 1);
	ck_assert_int_eq(conf_load_env(&c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "LABHIT_WORKERS"));
	unsetenv("LABHIT_WORKERS");
	unsetenv("LABHIT_RATE_LIMIT_READ");
	unsetenv("JWT_SECRET");
	unsetenv("DATABASE_URL");
	conf_free(&c);
	free(path);
}
END_TEST

START_TEST(finish_rules)
{
	struct lh_config c;
	char err[256];

	conf_defaults(&c);
	ck_assert_int_eq(conf_set(&c, "rate_limit_table_size", "1000", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "power of two"));
	conf_free(&c);
}
END_TEST

/* The shipped etc/labhit.conf must parse and mention every key. */
START_TEST(shipped_conf)
{
	struct lh_config c;
	char err[512];

	char text[65536], want[128];
	const char *key;
	size_t n;
	FILE *fp;

	conf_defaults(&c);
	ck_assert_msg(conf_load_file(&c, tl_srcpath("etc/labhit.conf"), 1,
	    err, sizeof(err)) == 0, "%s", err);
	conf_free(&c);
	ck_assert_ptr_nonnull(fp = fopen(tl_srcpath("etc/labhit.conf"), "r"));
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	for (size_t i = 0; (key = conf_key_at(i)) != NULL; i++) {
		snprintf(want, sizeof(want), "\n#%s =", key);
		ck_assert_msg(strstr(text, want) != NULL,
		    "etc/labhit.conf does not document '%s'", key);
	}
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *t = tcase_create("parse");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, durations);
	tcase_add_test(t, sizes);
	tcase_add_test(t, rates);
	tcase_add_test(t, bools);
	tcase_add_test(t, defaults_finish);
	tcase_add_test(t, file_ok);
	tcase_add_test(t, file_unknown_key);
	tcase_add_test(t, file_bad_values);
	tcase_add_test(t, file_missing);
	tcase_add_test(t, env_precedence);
	tcase_add_test(t, finish_rules);
	tcase_add_test(t, shipped_conf);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return tl_run_suite(config_suite());
}
