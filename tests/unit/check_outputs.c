/*
 * check_outputs.c: unit tests of the $LABHIT_OUTPUT parser (key=value,
 * heredoc form, errors, size cap, symlink refusal).
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/outputs.h"
#include "tests/lib/testlib.h"

static const char *
get(struct lh_stage_output *o, size_t n, const char *key)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(o[i].key, key) == 0)
			return o[i].value;
	return NULL;
}

static int
parse(const char *s, struct lh_stage_output **o, size_t *n, char *err)
{
	return outputs_parse(s, strlen(s), o, n, err, 256);
}

START_TEST(test_key_value)
{
	struct lh_stage_output	*o;
	size_t			 n;
	char			 err[256] = "";

	ck_assert_int_eq(parse("a=1\nname=hello world\r\n\nempty=\n"
	    "eq=x=y\nlast=no newline", &o, &n, err), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(get(o, n, "a"), "1");
	ck_assert_str_eq(get(o, n, "name"), "hello world");
	ck_assert_str_eq(get(o, n, "empty"), "");
	ck_assert_str_eq(get(o, n, "eq"), "x=y");
	ck_assert_str_eq(get(o, n, "last"), "no newline");
	outputs_free(o, n);
}
END_TEST

START_TEST(test_duplicate_last_wins)
{
	struct lh_stage_output	*o;
	size_t			 n;
	char			 err[256];

	ck_assert_int_eq(parse("k=1\nk=2\n", &o, &n, err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(get(o, n, "k"), "2");
	outputs_free(o, n);
}
END_TEST

START_TEST(test_heredoc)
{
	struct lh_stage_output	*o;
	size_t			 n;
	char			 err[256];

	ck_assert_int_eq(parse("notes<<EOF\nline one\n\nline=three\nEOF\n"
	    "after=1\nblank<<END\nEND\n", &o, &n, err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(get(o, n, "notes"), "line one\n\nline=three");
	ck_assert_str_eq(get(o, n, "after"), "1");
	ck_assert_str_eq(get(o, n, "blank"), "");
	outputs_free(o, n);
	/* '=' before '<<' makes it a plain value */
	ck_assert_int_eq(parse("a=b<<c\n", &o, &n, err), 0);
	ck_assert_str_eq(get(o, n, "a"), "b<<c");
	outputs_free(o, n);
}
END_TEST

START_TEST(test_errors)
{
	struct lh_stage_output	*o = NULL;
	size_t			 n = 7;
	char			 err[256];

	ck_assert_int_eq(parse("ok=1\njunk line\n", &o, &n, err), -1);
	ck_assert_ptr_null(o);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_nonnull(strstr(err, "line 2"));
	ck_assert_int_eq(parse("x<<EOF\nnever closed\n", &o, &n, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "not terminated"));
	ck_assert_int_eq(parse("1abc=2\n", &o, &n, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "invalid output name"));
	ck_assert_int_eq(parse("=v\n", &o, &n, err), -1);
	ck_assert_int_eq(parse("a b=v\n", &o, &n, err), -1);
	ck_assert_int_eq(parse("x<<\n", &o, &n, err), -1);
	ck_assert_int_eq(outputs_parse("a=\0b", 4, &o, &n, err, sizeof(err)),
	    -1);
	ck_assert(outputs_key_valid("a_b-9", 5));
	ck_assert(!outputs_key_valid("-a", 2));
	ck_assert(!outputs_key_valid("a.b", 3));
}
END_TEST

static char *
write_file(const char *dir, const char *name, const char *content)
{
	char	*path;
	FILE	*f;

	ck_assert_int_ne(asprintf(&path, "%s/%s", dir, name), -1);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(content, f);
	fclose(f);
	return path;
}

START_TEST(test_file_limits)
{
	struct lh_stage_output	*o;
	size_t			 n;
	char			 err[256], *dir, *path, *link, big[300];

	ck_assert_ptr_nonnull(dir = tl_tempdir());
	path = write_file(dir, "output", "k=v\n");
	ck_assert_int_eq(outputs_read_file(path, 4, &o, &n, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(n, 1);
	outputs_free(o, n);
	/* one byte over the cap */
	ck_assert_int_eq(outputs_read_file(path, 3, &o, &n, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "over the limit"));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = 'k';
	big[1] = '=';
	free(path);
	path = write_file(dir, "output", big);
	ck_assert_int_eq(outputs_read_file(path, 100, &o, &n, err,
	    sizeof(err)), -1);
	/* a missing file is no outputs */
	ck_assert_int_ne(asprintf(&link, "%s/missing", dir), -1);
	ck_assert_int_eq(outputs_read_file(link, 100, &o, &n, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(n, 0);
	free(link);
	/* a symlink to a host file is refused, not followed */
	ck_assert_int_ne(asprintf(&link, "%s/evil", dir), -1);
	ck_assert_int_eq(symlink("/etc/passwd", link), 0);
	ck_assert_int_eq(outputs_read_file(link, 1 << 20, &o, &n, err,
	    sizeof(err)), -1);
	free(link);
	free(path);
	tl_rmtree(dir);
	free(dir);
}
END_TEST

static Suite *
outputs_suite(void)
{
	Suite	*s = suite_create("outputs");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_key_value);
	tcase_add_test(tc, test_duplicate_last_wins);
	tcase_add_test(tc, test_heredoc);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_file_limits);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(outputs_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
