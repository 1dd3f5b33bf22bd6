/*
 * check_logcap.c: unit tests of stage log capture: line splitting across
 * reads, secret masking (also across reads and forced splits), the
 * head/tail cap and its truncation marker.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/logcap.h"

#define MAXL	4096

struct col {
	char		*line[MAXL];
	enum lh_stream	 stream[MAXL];
	int64_t		 ts[MAXL];
	size_t		 n;
};

static void
collect(void *arg, enum lh_stream stream, const char *line, size_t len,
    int64_t ts_ms)
{
	struct col	*c = arg;

	ck_assert_uint_lt(c->n, MAXL);
	ck_assert_ptr_nonnull(c->line[c->n] = strndup(line, len));
	ck_assert_uint_eq(strlen(c->line[c->n]), len);
	c->stream[c->n] = stream;
	c->ts[c->n] = ts_ms;
	c->n++;
}

static void
col_free(struct col *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		free(c->line[i]);
	c->n = 0;
}

static void
feed(struct lh_logcap *lc, enum lh_stream s, const char *str, int64_t ts)
{
	ck_assert_int_eq(logcap_feed(lc, s, str, strlen(str), ts), 0);
}

START_TEST(test_split_lines)
{
	struct col		 c = { .n = 0 };
	struct lh_logcap	*lc;

	lc = logcap_new(0, 0, NULL, collect, &c);
	ck_assert_ptr_nonnull(lc);
	feed(lc, LH_STREAM_STDOUT, "hel", 1);
	feed(lc, LH_STREAM_STDERR, "err-a", 2);
	ck_assert_uint_eq(c.n, 0);
	feed(lc, LH_STREAM_STDOUT, "lo\nwor", 3);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_str_eq(c.line[0], "hello");
	ck_assert_int_eq(c.stream[0], LH_STREAM_STDOUT);
	ck_assert_int_eq(c.ts[0], 3);
	feed(lc, LH_STREAM_STDERR, "\n\n", 4);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_str_eq(c.line[1], "err-a");
	ck_assert_int_eq(c.stream[1], LH_STREAM_STDERR);
	ck_assert_str_eq(c.line[2], "");
	ck_assert_int_eq(logcap_finish(lc, 5), 0);
	ck_assert_uint_eq(c.n, 4);
	ck_assert_str_eq(c.line[3], "wor");	/* unterminated last line */
	ck_assert(!logcap_truncated(lc));
	ck_assert_uint_eq(logcap_total_bytes(lc), 3 + 5 + 6 + 2);
	logcap_free(lc);
	col_free(&c);
}
END_TEST

START_TEST(test_mask)
{
	static char		 s1[] = "hunter2", s2[] = "hunter2-long";
	static char		 s3[] = "line1\nline2";
	char *const		 secrets[] = { s1, s2, s3, NULL };
	struct col		 c = { .n = 0 };
	struct lh_logcap	*lc;
	char			*m;
	size_t			 mlen;

	lc = logcap_new(0, 0, secrets, collect, &c);
	ck_assert_ptr_nonnull(lc);
	/* the secret arrives in two reads */
	feed(lc, LH_STREAM_STDOUT, "pw=hun", 1);
	feed(lc, LH_STREAM_STDOUT, "ter2 and hunter2-long!\n", 2);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_str_eq(c.line[0], "pw=*** and ***!");
	feed(lc, LH_STREAM_STDERR, "a line1 b\nline2\n", 3);
	ck_assert_str_eq(c.line[1], "a *** b");
	ck_assert_str_eq(c.line[2], "***");
	logcap_system(lc, "system hunter2", 4);
	ck_assert_str_eq(c.line[3], "system ***");
	ck_assert_int_eq(c.stream[3], LH_STREAM_SYSTEM);
	m = logcap_mask(lc, "xhunter2hunter2", 15, &mlen);
	ck_assert_str_eq(m, "x******");
	ck_assert_uint_eq(mlen, 7);
	free(m);
	logcap_free(lc);
	col_free(&c);
}
END_TEST

/* A line longer than max_line is split, never through a secret. */
START_TEST(test_long_line_split_keeps_mask)
{
	static char		 s1[] = "SECRETVALUE";
	char *const		 secrets[] = { s1, NULL };
	struct col		 c = { .n = 0 };
	struct lh_logcap	*lc;
	char			 buf[64], all[256] = "";
	size_t			 i;
	int			 off;

	for (off = 10; off <= 20; off++) {
		lc = logcap_new(0, 16, secrets, collect, &c);
		ck_assert_ptr_nonnull(lc);
		memset(buf, 'a', sizeof(buf));
		memcpy(buf + off, "SECRETVALUE", 11);
		/* byte by byte: every read boundary is tried */
		for (i = 0; i < 40; i++)
			ck_assert_int_eq(logcap_feed(lc, LH_STREAM_STDOUT,
			    buf + i, 1, 1), 0);
		ck_assert_int_eq(logcap_finish(lc, 2), 0);
		all[0] = '\0';
		for (i = 0; i < c.n; i++) {
			ck_assert_ptr_null(strstr(c.line[i], "SECRET"));
			ck_assert_ptr_null(strstr(c.line[i], "VALUE"));
			ck_assert_uint_le(strlen(c.line[i]), 16 + 11);
			strcat(all, c.line[i]);
		}
		ck_assert_uint_gt(c.n, 1);
		ck_assert_ptr_nonnull(strstr(all, "***"));
		ck_assert_uint_eq(strlen(all), 40 - 11 + 3);
		logcap_free(lc);
		col_free(&c);
	}
}
END_TEST

START_TEST(test_cap_head_and_tail)
{
	struct col		 c = { .n = 0 };
	struct lh_logcap	*lc;
	char			 line[32];
	int			 i;

	/* lines "line-NNN" are 9 bytes with the newline */
	lc = logcap_new(200, 0, NULL, collect, &c);
	ck_assert_ptr_nonnull(lc);
	for (i = 0; i < 500; i++) {
		(void)snprintf(line, sizeof(line), "line-%03d\n", i);
		feed(lc, i % 2 ? LH_STREAM_STDERR : LH_STREAM_STDOUT, line,
		    i);
	}
	/* head: 100 bytes -> 11 lines emitted live, nothing more yet */
	ck_assert_uint_eq(c.n, 11);
	ck_assert_str_eq(c.line[0], "line-000");
	ck_assert_str_eq(c.line[10], "line-010");
	ck_assert_int_eq(logcap_finish(lc, 999), 0);
	ck_assert(logcap_truncated(lc));
	ck_assert_uint_eq(logcap_total_bytes(lc), 500 * 9);
	/* marker, then the tail: 100 bytes -> the last 11 lines */
	ck_assert_uint_eq(c.n, 11 + 1 + 11);
	ck_assert_int_eq(c.stream[11], LH_STREAM_SYSTEM);
	ck_assert_ptr_nonnull(strstr(c.line[11], "log truncated"));
	ck_assert_ptr_nonnull(strstr(c.line[11], "478 lines"));
	ck_assert_str_eq(c.line[12], "line-489");
	ck_assert_int_eq(c.ts[12], 489);
	ck_assert_int_eq(c.stream[12], LH_STREAM_STDERR);
	ck_assert_str_eq(c.line[22], "line-499");
	logcap_free(lc);
	col_free(&c);
}
END_TEST

/* The same log in one big read (the fast path) keeps the same tail. */
START_TEST(test_cap_big_read)
{
	struct col		 c = { .n = 0 };
	struct lh_logcap	*lc;
	char			 line[32], big[500 * 9 + 1];
	int			 i;

	lc = logcap_new(200, 0, NULL, collect, &c);
	ck_assert_ptr_nonnull(lc);
	for (i = 0; i < 20; i++) {
		(void)snprintf(line, sizeof(line), "line-%03d\n", i);
		feed(lc, LH_STREAM_STDOUT, line, i);
	}
	big[0] = '\0';
	for (i = 20; i < 500; i++) {
		(void)snprintf(line, sizeof(line), "line-%03d\n", i);
		strcat(big, line);
	}
	strcat(big, "partial");
	feed(lc, LH_STREAM_STDOUT, big, 7);
	ck_assert_uint_eq(c.n, 11);
	ck_assert_int_eq(logcap_finish(lc, 8), 0);
	ck_assert(logcap_truncated(lc));
	/* marker, the last 10 complete lines and the partial one */
	ck_assert_uint_eq(c.n, 11 + 1 + 11);
	ck_assert_ptr_nonnull(strstr(c.line[11], "479 lines"));
	ck_assert_str_eq(c.line[12], "line-490");
	ck_assert_str_eq(c.line[21], "line-499");
	ck_assert_str_eq(c.line[22], "partial");
	ck_assert_uint_eq(logcap_total_bytes(lc), 500 * 9 + 7);
	logcap_free(lc);
	col_free(&c);
}
END_TEST

START_TEST(test_cap_not_reached)
{
	struct col		 c = { .n = 0 };
	struct lh_logcap	*lc;
	char			 line[32];
	int			 i;

	lc = logcap_new(200, 0, NULL, collect, &c);
	for (i = 0; i < 22; i++) {	/* 198 bytes: fits */
		(void)snprintf(line, sizeof(line), "line-%03d\n", i);
		feed(lc, LH_STREAM_STDOUT, line, i);
	}
	ck_assert_int_eq(logcap_finish(lc, 99), 0);
	ck_assert(!logcap_truncated(lc));
	ck_assert_uint_eq(c.n, 22);
	for (i = 0; i < 22; i++) {
		(void)snprintf(line, sizeof(line), "line-%03d", i);
		ck_assert_str_eq(c.line[i], line);
	}
	logcap_free(lc);
	col_free(&c);
}
END_TEST

/* One huge line without newlines under a small cap. */
START_TEST(test_cap_giant_line)
{
	struct col		 c = { .n = 0 };
	struct lh_logcap	*lc;
	char			 buf[1000];
	size_t			 i, total = 0;
	int			 k;

	lc = logcap_new(1000, 0, NULL, collect, &c);
	memset(buf, 'z', sizeof(buf));
	for (k = 0; k < 1000; k++)
		ck_assert_int_eq(logcap_feed(lc, LH_STREAM_STDOUT, buf,
		    sizeof(buf), k), 0);
	ck_assert_int_eq(logcap_finish(lc, 0), 0);
	ck_assert(logcap_truncated(lc));
	for (i = 0; i < c.n; i++)
		if (c.stream[i] != LH_STREAM_SYSTEM)
			total += strlen(c.line[i]) + 1;
	ck_assert_uint_le(total, 1000);
	ck_assert_uint_gt(total, 500);
	logcap_free(lc);
	col_free(&c);
}
END_TEST

static Suite *
logcap_suite(void)
{
	Suite	*s = suite_create("logcap");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_split_lines);
	tcase_add_test(tc, test_mask);
	tcase_add_test(tc, test_long_line_split_keeps_mask);
	tcase_add_test(tc, test_cap_head_and_tail);
	tcase_add_test(tc, test_cap_big_read);
	tcase_add_test(tc, test_cap_not_reached);
	tcase_add_test(tc, test_cap_giant_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(logcap_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
