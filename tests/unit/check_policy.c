/*
 * check_policy.c: the master's pure supervision policy.
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "master/policy.h"
#include "tests/lib/testlib.h"

/* Builds wait statuses the way the kernel encodes them. */
#define EXITED(code)	(((code) & 0xff) << 8)
#define SIGNALED(sig)	((sig) & 0x7f)

START_TEST(classify)
{
	ck_assert_int_eq(policy_classify_exit(EXITED(0)), LH_EXIT_CLEAN);
	ck_assert_int_eq(policy_classify_exit(EXITED(78)), LH_EXIT_CONFIG);
	ck_assert_int_eq(policy_classify_exit(EXITED(1)), LH_EXIT_CRASH);
	ck_assert_int_eq(policy_classify_exit(SIGNALED(SIGKILL)),
	    LH_EXIT_CRASH);
	ck_assert_int_eq(policy_classify_exit(SIGNALED(SIGSEGV)),
	    LH_EXIT_CRASH);
}
END_TEST

START_TEST(describe)
{
	char buf[128];

	policy_describe_exit(EXITED(3), buf, sizeof(buf));
	ck_assert_str_eq(buf, "exited with status 3");
	policy_describe_exit(SIGNALED(SIGKILL), buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "terminated by signal 9"));
}
END_TEST

START_TEST(backoff)
{
	ck_assert_uint_eq(policy_backoff_ms(0), 100);
	ck_assert_uint_eq(policy_backoff_ms(1), 200);
	ck_assert_uint_eq(policy_backoff_ms(4), 1600);
	ck_assert_uint_eq(policy_backoff_ms(8), 25600);
	ck_assert_uint_eq(policy_backoff_ms(9), 30000);
	ck_assert_uint_eq(policy_backoff_ms(63), 30000);
	ck_assert_uint_eq(policy_backoff_ms(1000), 30000);
}
END_TEST

START_TEST(crash_reset)
{
	ck_assert_uint_eq(policy_next_crashes(0, 10), 1);
	ck_assert_uint_eq(policy_next_crashes(3, 59999), 4);
	/* a minute of uptime forgives earlier crashes */
	ck_assert_uint_eq(policy_next_crashes(7, 60000), 1);
}
END_TEST

START_TEST(crash_window)
{
	struct lh_crash_window w;

	memset(&w, 0, sizeof(w));
	for (int i = 0; i < LH_CRASH_LIMIT; i++)
		ck_assert_int_eq(policy_crash_record(&w, 1000 + i * 100), 0);
	/* the 11th crash within 60 s stops respawning */
	ck_assert_int_eq(policy_crash_record(&w, 2500), 1);

	memset(&w, 0, sizeof(w));
	/* crashes spread wider than the window never trip it */
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(policy_crash_record(&w,
		    (uint64_t)i * 7000), 0);
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *t = tcase_create("core");

	tcase_add_test(t, classify);
	tcase_add_test(t, describe);
	tcase_add_test(t, backoff);
	tcase_add_test(t, crash_reset);
	tcase_add_test(t, crash_window);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return tl_run_suite(policy_suite());
}
