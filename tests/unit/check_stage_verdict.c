/*
 * check_stage_verdict.c: why a stage failed (src/runner/stage_verdict.c):
 * each reason, which one wins when several apply, and what stderr lines
 * count as signs of a limit.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "runner/stage_verdict.h"
#include "tests/lib/testlib.h"

static struct lh_stage_facts	f;
static struct lh_stage_result	r;

static void
reset(void)
{
	memset(&f, 0, sizeof(f));
	memset(&r, 0, sizeof(r));
	f.max_procs = 40;
	f.timeout_ms = 1500;
	f.bwrap_err = "";
	r.started = 1;
}

START_TEST(test_success)
{
	reset();
	ck_assert_int_eq(stage_verdict(&f, &r), 0);
	ck_assert_str_eq(r.error, "");
	ck_assert(stage_result_ok(&r));
	/* memory talk on stderr of a stage that succeeded is nothing */
	f.oom_hint = 1;
	f.memory_bytes = 64ull << 20;
	r.peak_memory_kb = 60 * 1024;
	ck_assert_int_eq(stage_verdict(&f, &r), 0);
	ck_assert(stage_result_ok(&r));
}
END_TEST

START_TEST(test_exit_and_signal)
{
	reset();
	r.exit_code = 3;
	stage_verdict(&f, &r);
	ck_assert_str_eq(r.error, "exited with code 3");
	reset();
	r.exit_code = -1;
	r.term_signal = 9;
	stage_verdict(&f, &r);
	ck_assert_str_eq(r.error, "killed by signal 9 (Killed)");
	ck_assert_int_eq(r.killed_for_memory, 0);	/* no memory limit */
}
END_TEST

/* exit 0 with a refused fork still fails: exactly with a pids cgroup
 * (hit_process_limit set by the caller), else from the shell's words */
START_TEST(test_process_limit)
{
	reset();
	r.hit_process_limit = 1;
	ck_assert_int_eq(stage_verdict(&f, &r), 0);
	ck_assert_str_eq(r.error, "stopped by the process limit of 40 (a fork "
	    "bomb, or raise max_procs)");
	ck_assert(!stage_result_ok(&r));
	reset();
	f.fork_hint = 1;
	ck_assert_int_eq(stage_verdict(&f, &r), 1);
	ck_assert_int_eq(r.hit_process_limit, 1);
	ck_assert_ptr_nonnull(strstr(r.error, "process limit of 40"));
	/* cancelled first: the limit is not why it ended */
	reset();
	f.fork_hint = 1;
	r.cancelled = 1;
	r.term_signal = 15;
	stage_verdict(&f, &r);
	ck_assert_str_eq(r.error, "cancelled");
}
END_TEST

START_TEST(test_memory_cgroup)
{
	reset();
	f.memory_bytes = 64ull << 20;
	f.memory_cgroup = 1;
	f.oom_kills = 1;
	r.exit_code = -1;
	r.term_signal = 9;
	r.peak_memory_kb = 64 * 1024;
	stage_verdict(&f, &r);
	ck_assert_int_eq(r.killed_for_memory, 1);
	ck_assert_str_eq(r.error, "stopped by the memory limit of 64 MiB (peak "
	    "64 MiB)");
	/* the cgroup is exact: no kill counted, no memory verdict, however
	 * close the peak */
	reset();
	f.memory_bytes = 64ull << 20;
	f.memory_cgroup = 1;
	f.oom_hint = 1;
	r.exit_code = 1;
	r.peak_memory_kb = 63 * 1024;
	stage_verdict(&f, &r);
	ck_assert_int_eq(r.killed_for_memory, 0);
	ck_assert_str_eq(r.error, "exited with code 1");
}
END_TEST

/* RLIMIT_AS: within half of the limit and then a crash or talk of memory */
START_TEST(test_memory_rlimit)
{
	reset();
	f.memory_bytes = 64ull << 20;
	r.exit_code = 1;
	r.peak_memory_kb = 40 * 1024;
	f.oom_hint = 1;
	stage_verdict(&f, &r);
	ck_assert_int_eq(r.killed_for_memory, 1);
	/* far below the limit: a plain failure */
	reset();
	f.memory_bytes = 64ull << 20;
	f.oom_hint = 1;
	r.exit_code = 1;
	r.peak_memory_kb = 8 * 1024;
	stage_verdict(&f, &r);
	ck_assert_int_eq(r.killed_for_memory, 0);
	ck_assert_str_eq(r.error, "exited with code 1");
	/* near it but a quiet exit 1: not memory */
	reset();
	f.memory_bytes = 64ull << 20;
	r.exit_code = 1;
	r.peak_memory_kb = 40 * 1024;
	stage_verdict(&f, &r);
	ck_assert_int_eq(r.killed_for_memory, 0);
	/* near it and killed by a signal: memory */
	r.exit_code = -1;
	r.term_signal = 11;
	r.error[0] = '\0';
	stage_verdict(&f, &r);
	ck_assert_int_eq(r.killed_for_memory, 1);
}
END_TEST

START_TEST(test_precedence)
{
	/* a timeout is why it ended, even near the memory limit */
	reset();
	f.memory_bytes = 64ull << 20;
	f.oom_hint = 1;
	r.timed_out = 1;
	r.exit_code = -1;
	r.term_signal = 9;
	r.peak_memory_kb = 60 * 1024;
	stage_verdict(&f, &r);
	ck_assert_int_eq(r.killed_for_memory, 0);
	ck_assert_str_eq(r.error, "timed out after 1500 ms");
	/* bwrap's complaint, when it exited 1 */
	reset();
	f.bwrap_err = "bwrap: Can't chdir to /workspace: Permission denied";
	r.exit_code = 1;
	stage_verdict(&f, &r);
	ck_assert_str_eq(r.error, "sandbox set-up failed: bwrap: Can't chdir "
	    "to /workspace: Permission denied");
	/* a reason set before (an expression error, say) is kept */
	reset();
	r.exit_code = 2;
	strcpy(r.error, "invalid $LABHIT_OUTPUT: line 3");
	stage_verdict(&f, &r);
	ck_assert_str_eq(r.error, "invalid $LABHIT_OUTPUT: line 3");
}
END_TEST

static int
fork_line(const char *s)
{
	return stage_says_fork_refused(s, strlen(s));
}

static int
memory_line(const char *s)
{
	return stage_says_out_of_memory(s, strlen(s));
}

START_TEST(test_stderr_signs)
{
	ck_assert(fork_line("/bin/sh: 0: Cannot fork"));
	ck_assert(fork_line("bash: fork: retry: Resource temporarily "
	    "unavailable"));
	ck_assert(fork_line("BlockingIOError: [Errno 11] Resource temporarily "
	    "unavailable (os.fork)"));
	/* EAGAIN elsewhere, or a fork that worked, is no sign */
	ck_assert(!fork_line("read: Resource temporarily unavailable"));
	ck_assert(!fork_line("git: forked 3 workers"));
	ck_assert(!fork_line(""));
	ck_assert(memory_line("malloc: Cannot allocate memory"));
	ck_assert(memory_line("fatal: Out of memory, malloc failed"));
	ck_assert(memory_line("MemoryError"));
	ck_assert(memory_line("terminate called after throwing an instance "
	    "of 'std::bad_alloc'"));
	ck_assert(!memory_line("make: *** [all] Error 2"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("stage_verdict");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_success);
	tcase_add_test(tc, test_exit_and_signal);
	tcase_add_test(tc, test_process_limit);
	tcase_add_test(tc, test_memory_cgroup);
	tcase_add_test(tc, test_memory_rlimit);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_stderr_signs);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
