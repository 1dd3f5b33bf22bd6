/*
 * check_uuid.c: UUIDv7 ids and RFC 3339 UTC timestamps (src/shared/uuid.c,
 * src/shared/timefmt.c).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/timefmt.h"
#include "shared/uuid.h"
#include "tests/lib/testlib.h"

START_TEST(test_uuid_shape)
{
	char id[LH_UUID_STRLEN + 1];

	ck_assert_int_eq(uuid_v7(id), 0);
	ck_assert_uint_eq(strlen(id), 36);
	ck_assert(uuid_valid(id));
	ck_assert_int_eq(id[14], '7');		/* version */
	ck_assert(strchr("89ab", id[19]) != NULL);	/* variant 10xx */
	ck_assert(!uuid_valid("0195-not-a-uuid"));
	ck_assert(!uuid_valid("019506a3-1234-7000-8000-00000000000g"));
	ck_assert(!uuid_valid(NULL));
	ck_assert(uuid_valid("019506a3-1234-7000-8000-000000000001"));
}
END_TEST

START_TEST(test_uuid_time_prefix)
{
	char id[LH_UUID_STRLEN + 1];

	/* 48-bit ms time, then version 7; 2026-03-16T10:30:00Z = 1773657000 s */
	ck_assert_int_eq(uuid_v7_at(1773657000000ULL + 123, id), 0);
	ck_assert_int_eq(strncmp(id, "019cf632-08bb-7", 15), 0);
}
END_TEST

START_TEST(test_uuid_monotonic_unique)
{
	char prev[LH_UUID_STRLEN + 1], cur[LH_UUID_STRLEN + 1];
	int i;

	ck_assert_int_eq(uuid_v7(prev), 0);
	for (i = 0; i < 20000; i++) {
		ck_assert_int_eq(uuid_v7(cur), 0);
		ck_assert_msg(strcmp(prev, cur) < 0, "%s !< %s", prev, cur);
		memcpy(prev, cur, sizeof(cur));
	}
	/* a clock that goes back keeps the order too */
	ck_assert_int_eq(uuid_v7_at(1000, cur), 0);
	ck_assert(strcmp(prev, cur) < 0);
}
END_TEST

START_TEST(test_time_format)
{
	char buf[LH_TIME_STRLEN + 1];

	ck_assert_int_eq(timefmt_rfc3339(1773657000, buf), 0);
	ck_assert_str_eq(buf, "2026-03-16T10:30:00Z");
	ck_assert_int_eq(timefmt_rfc3339(0, buf), 0);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	ck_assert_int_eq(timefmt_rfc3339(951782400, buf), 0);	/* leap day */
	ck_assert_str_eq(buf, "2000-02-29T00:00:00Z");
	ck_assert_int_eq(timefmt_now(buf), 0);
	ck_assert_uint_eq(strlen(buf), LH_TIME_STRLEN);
}
END_TEST

START_TEST(test_time_parse)
{
	time_t t;

	ck_assert_int_eq(timefmt_parse("2026-03-16T10:30:00Z", &t), 0);
	ck_assert_int_eq(t, 1773657000);
	ck_assert_int_eq(timefmt_parse("2026-03-16T12:30:00+02:00", &t), 0);
	ck_assert_int_eq(t, 1773657000);
	ck_assert_int_eq(timefmt_parse("2026-03-16T10:30:00.123456Z", &t), 0);
	ck_assert_int_eq(t, 1773657000);
	ck_assert_int_eq(timefmt_parse("2026-03-16T05:30:00-05:00", &t), 0);
	ck_assert_int_eq(t, 1773657000);
	ck_assert_int_eq(timefmt_parse("1970-01-01T00:00:00Z", &t), 0);
	ck_assert_int_eq(t, 0);
	ck_assert_int_eq(timefmt_parse("2026-03-16 10:30:00Z", &t), -1);
	ck_assert_int_eq(timefmt_parse("2026-02-30T10:30:00Z", &t), -1);
	ck_assert_int_eq(timefmt_parse("2026-03-16T10:30:00", &t), -1);
	ck_assert_int_eq(timefmt_parse("2026-03-16T10:30:00Zjunk", &t), -1);
	ck_assert_int_eq(timefmt_parse("2026-13-16T10:30:00Z", &t), -1);
	ck_assert_int_eq(timefmt_parse("2026-03-16T24:30:00Z", &t), -1);
	ck_assert_int_eq(timefmt_parse("", &t), -1);
	ck_assert_int_eq(timefmt_parse(NULL, &t), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("uuid");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_uuid_shape);
	tcase_add_test(tc, test_uuid_time_prefix);
	tcase_add_test(tc, test_uuid_monotonic_unique);
	tcase_add_test(tc, test_time_format);
	tcase_add_test(tc, test_time_parse);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
