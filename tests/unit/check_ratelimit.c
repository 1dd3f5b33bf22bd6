/*
 * check_ratelimit.c: unit suite for src/shared/ratelimit.c: the pure GCRA
 * arithmetic, the shared table, and processes hammering it at once.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shared/ratelimit.h"

#define MINUTE	60000U
#define HOUR	3600000U
#define NOW0	UINT64_C(10000000)	/* an arbitrary monotonic instant */

static const uint8_t test_key[16] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
};

/* Runs one GCRA step, keeping tat like a caller would. */
static int
step(uint64_t *tat, uint64_t now, const struct lh_rl_policy *p,
    struct lh_rl_result *r)
{
	*tat = rl_gcra(*tat, now, p, r);
	return r->allowed;
}

START_TEST(test_gcra_burst_exactly_limit)
{
	struct lh_rl_policy p = { 10, MINUTE };	/* T = 6 s */
	struct lh_rl_result r;
	uint64_t tat = 0, before;
	uint32_t i;

	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(step(&tat, NOW0, &p, &r), 1);
		ck_assert_uint_eq(r.limit, 10);
		ck_assert_uint_eq(r.remaining, 9 - i);
		ck_assert_uint_eq(r.retry_after_s, 0);
		/* the bucket is full again after (i + 1) * 6 s */
		ck_assert_uint_eq(r.reset_s, (i + 1) * 6);
	}
	before = tat;
	ck_assert_int_eq(step(&tat, NOW0, &p, &r), 0);
	ck_assert_uint_eq(r.limit, 10);
	ck_assert_uint_eq(r.remaining, 0);
	ck_assert_uint_eq(r.retry_after_s, 6);
	ck_assert_uint_eq(r.reset_s, 60);
	/* refusals do not move the state */
	ck_assert(tat == before);
	ck_assert_int_eq(step(&tat, NOW0 + 1000, &p, &r), 0);
	ck_assert_uint_eq(r.retry_after_s, 5);
	ck_assert(tat == before);
}
END_TEST

START_TEST(test_gcra_refill)
{
	struct lh_rl_policy p = { 10, MINUTE };
	struct lh_rl_result r;
	uint64_t tat = 0;
	int i, n;

	for (i = 0; i < 10; i++)
		ck_assert_int_eq(step(&tat, NOW0, &p, &r), 1);
	/* one emission interval later exactly one more passes */
	ck_assert_int_eq(step(&tat, NOW0 + 5999, &p, &r), 0);
	ck_assert_uint_eq(r.retry_after_s, 1);	/* 1 ms rounds up */
	ck_assert_int_eq(step(&tat, NOW0 + 6000, &p, &r), 1);
	ck_assert_uint_eq(r.remaining, 0);
	ck_assert_int_eq(step(&tat, NOW0 + 6000, &p, &r), 0);
	/* three intervals later: three */
	for (n = 0; step(&tat, NOW0 + 24000, &p, &r); n++)
		;
	ck_assert_int_eq(n, 3);
	/* after a whole idle period the full burst is back */
	for (n = 0; step(&tat, NOW0 + 24000 + 10 * 6000, &p, &r); n++)
		ck_assert_uint_eq(r.remaining, 9 - (uint32_t)n);
	ck_assert_int_eq(n, 10);
	/* and a longer idle time gives no more than the burst */
	for (n = 0; step(&tat, NOW0 + 100 * 6000 * 1000ULL, &p, &r); n++)
		;
	ck_assert_int_eq(n, 10);
}
END_TEST

START_TEST(test_gcra_limit_one_and_retry_after)
{
	struct lh_rl_policy p = { 1, HOUR };
	struct lh_rl_result r;
	uint64_t tat = 0;

	ck_assert_int_eq(step(&tat, NOW0, &p, &r), 1);
	ck_assert_uint_eq(r.remaining, 0);
	ck_assert_uint_eq(r.reset_s, 3600);
	ck_assert_int_eq(step(&tat, NOW0 + 1000, &p, &r), 0);
	ck_assert_uint_eq(r.retry_after_s, 3599);
	ck_assert_uint_eq(r.reset_s, 3599);
	ck_assert_int_eq(step(&tat, NOW0 + 1001, &p, &r), 0);
	ck_assert_uint_eq(r.retry_after_s, 3599);	/* 3598.999 s up */
	ck_assert_int_eq(step(&tat, NOW0 + HOUR - 500, &p, &r), 0);
	ck_assert_uint_eq(r.retry_after_s, 1);
	ck_assert_int_eq(step(&tat, NOW0 + HOUR - 1, &p, &r), 0);
	ck_assert_uint_eq(r.retry_after_s, 1);
	ck_assert_int_eq(step(&tat, NOW0 + HOUR, &p, &r), 1);
	ck_assert_int_eq(step(&tat, NOW0 + HOUR, &p, &r), 0);
	ck_assert_uint_eq(r.retry_after_s, 3600);
}
END_TEST

START_TEST(test_gcra_uneven_interval)
{
	/* 7 per second: T rounds up to 143 ms, never faster than 7/s */
	struct lh_rl_policy p = { 7, 1000 };
	struct lh_rl_result r;
	uint64_t tat = 0, now;
	unsigned allowed = 0;
	int i;

	for (i = 0; i < 7; i++) {
		ck_assert_int_eq(step(&tat, NOW0, &p, &r), 1);
		ck_assert_uint_eq(r.remaining, 6 - (uint32_t)i);
	}
	ck_assert_int_eq(step(&tat, NOW0, &p, &r), 0);
	/* a request every ms for 10 s: at most burst + 10 s / T pass */
	tat = 0;
	for (now = NOW0; now < NOW0 + 10000; now++)
		allowed += (unsigned)step(&tat, now, &p, &r);
	ck_assert_uint_le(allowed, 7 + 10000 / 143 + 1);
	ck_assert_uint_ge(allowed, 7 + 10000 / 143);
	/* more per ms than period allows: T is at least 1 ms */
	p.limit = 5000;
	p.period_ms = 1000;
	tat = 0;
	for (i = 0; step(&tat, NOW0, &p, &r); i++)
		;
	ck_assert_int_eq(i, 5000);
}
END_TEST

START_TEST(test_gcra_huge_periods)
{
	struct lh_rl_policy p = { 1, UINT32_MAX };
	struct lh_rl_result r;
	uint64_t tat = 0;
	uint32_t i;

	ck_assert_int_eq(step(&tat, NOW0, &p, &r), 1);
	ck_assert_uint_eq(r.reset_s, (UINT32_MAX + 999ULL) / 1000);
	ck_assert_int_eq(step(&tat, NOW0 + 1, &p, &r), 0);
	ck_assert_uint_eq(r.retry_after_s, (UINT32_MAX - 1 + 999ULL) / 1000);
	ck_assert_int_eq(step(&tat, NOW0 + UINT32_MAX, &p, &r), 1);

	p.limit = 3;
	tat = 0;
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(step(&tat, NOW0, &p, &r), 1);
	ck_assert_int_eq(step(&tat, NOW0, &p, &r), 0);
	ck_assert_uint_eq(r.retry_after_s, (1431655765ULL + 999) / 1000);

	/* the largest limit: T = 1 ms, remaining counts down from 2^32-2 */
	p.limit = UINT32_MAX;
	tat = 0;
	ck_assert_int_eq(step(&tat, NOW0, &p, &r), 1);
	ck_assert_uint_eq(r.remaining, UINT32_MAX - 1);
	ck_assert_uint_eq(r.limit, UINT32_MAX);

	/* a clock near the top of 64 bits does not wrap */
	p.limit = 2;
	p.period_ms = UINT32_MAX;
	tat = 0;
	ck_assert_int_eq(step(&tat, UINT64_MAX / 2, &p, &r), 1);
	ck_assert_int_eq(step(&tat, UINT64_MAX / 2, &p, &r), 1);
	ck_assert_int_eq(step(&tat, UINT64_MAX / 2, &p, &r), 0);
	ck_assert(tat > UINT64_MAX / 2);
}
END_TEST

START_TEST(test_gcra_clock_backwards)
{
	struct lh_rl_policy p = { 5, 5000 };	/* T = 1 s */
	struct lh_rl_result r;
	uint64_t tat = 0, before;
	int i;

	for (i = 0; i < 3; i++)
		ck_assert_int_eq(step(&tat, NOW0, &p, &r), 1);
	/* a small step back: refused, the wait is just longer */
	before = tat;
	ck_assert_int_eq(step(&tat, NOW0 - 1500, &p, &r), 0);
	ck_assert_uint_eq(r.retry_after_s, 1);	/* 0.5 s */
	ck_assert(tat == before);
	ck_assert_int_eq(step(&tat, NOW0, &p, &r), 1);
	ck_assert_int_eq(step(&tat, NOW0, &p, &r), 1);
	ck_assert_int_eq(step(&tat, NOW0, &p, &r), 0);
	/* a huge step back: refused, but not until the old clock returns */
	ck_assert_int_eq(step(&tat, 1000, &p, &r), 0);
	ck_assert_uint_eq(r.retry_after_s, 1);
	ck_assert_uint_le(r.reset_s, 5);
	ck_assert(tat <= 1000 + 5000);
	ck_assert_int_eq(step(&tat, 2000, &p, &r), 1);
	ck_assert_int_eq(step(&tat, 2000, &p, &r), 0);
	/* fresh state at time 0 works too */
	tat = 0;
	ck_assert_int_eq(step(&tat, 0, &p, &r), 1);
	ck_assert_uint_eq(r.remaining, 4);
}
END_TEST

START_TEST(test_gcra_unlimited)
{
	struct lh_rl_policy p = { 0, MINUTE };
	struct lh_rl_result r;
	int i;

	for (i = 0; i < 1000; i++) {
		ck_assert(rl_gcra(77, NOW0, &p, &r) == 77);
		ck_assert_int_eq(r.allowed, 1);
		ck_assert_uint_eq(r.limit, 0);
	}
}
END_TEST

START_TEST(test_table_size)
{
	struct lh_rl_table *t;

	ck_assert_uint_gt(rl_table_size(0), 0);
	ck_assert_uint_eq(rl_table_size(100) - rl_table_size(64), 64 * 16);
	ck_assert_uint_eq(rl_table_size(128), rl_table_size(100));
	ck_assert_uint_eq(rl_table_size(129) - rl_table_size(128), 128 * 16);
	ck_assert_uint_eq(rl_table_size(UINT32_MAX), 0);
	errno = 0;
	ck_assert_ptr_null(rl_table_create(UINT32_MAX, test_key));
	ck_assert_int_eq(errno, EINVAL);
	/* NULL key: the table draws its own */
	t = rl_table_create(16, NULL);
	ck_assert_ptr_nonnull(t);
	rl_table_destroy(t);
	rl_table_destroy(NULL);
}
END_TEST

static struct lh_rl_table *
make_table(uint32_t entries, uint32_t rlimit, uint32_t wlimit)
{
	struct lh_rl_table *t;
	struct lh_rl_policy rp = { rlimit, MINUTE }, wp = { wlimit, MINUTE };

	t = rl_table_create(entries, test_key);
	ck_assert_ptr_nonnull(t);
	rl_table_set_policy(t, LH_RL_READ, &rp);
	rl_table_set_policy(t, LH_RL_WRITE, &wp);
	return t;
}

/* Requests until refused; returns how many passed (stops at max). */
static int
exhaust(struct lh_rl_table *t, enum lh_rl_class cls, const char *client,
    uint64_t now, int max)
{
	struct lh_rl_result r;
	int n;

	for (n = 0; n < max; n++) {
		rl_check(t, cls, client, now, &r);
		if (!r.allowed)
			break;
	}
	return n;
}

START_TEST(test_table_clients_and_classes)
{
	struct lh_rl_table *t = make_table(1024, 100, 10);
	struct lh_rl_result r;
	int i;

	for (i = 0; i < 10; i++) {
		rl_check(t, LH_RL_WRITE, "192.0.2.1", NOW0, &r);
		ck_assert_int_eq(r.allowed, 1);
		ck_assert_uint_eq(r.limit, 10);
		ck_assert_uint_eq(r.remaining, 9 - (uint32_t)i);
	}
	rl_check(t, LH_RL_WRITE, "192.0.2.1", NOW0, &r);
	ck_assert_int_eq(r.allowed, 0);
	ck_assert_uint_eq(r.retry_after_s, 6);
	/* another client, and the same client's reads, are untouched */
	ck_assert_int_eq(exhaust(t, LH_RL_WRITE, "192.0.2.2", NOW0, 50), 10);
	ck_assert_int_eq(exhaust(t, LH_RL_WRITE, "2001:db8::1", NOW0, 50), 10);
	ck_assert_int_eq(exhaust(t, LH_RL_READ, "192.0.2.1", NOW0, 500), 100);
	/* a prefix of an address is another client */
	ck_assert_int_eq(exhaust(t, LH_RL_WRITE, "192.0.2.", NOW0, 50), 10);
	ck_assert_int_eq(exhaust(t, LH_RL_WRITE, "", NOW0, 50), 10);
	/* refill after T = 6 s for writes */
	rl_check(t, LH_RL_WRITE, "192.0.2.1", NOW0 + 6000, &r);
	ck_assert_int_eq(r.allowed, 1);
	rl_table_destroy(t);
}
END_TEST

START_TEST(test_table_unlimited_and_reload)
{
	struct lh_rl_table *t = make_table(64, 0, 2);
	struct lh_rl_policy p = { 3, MINUTE };
	struct lh_rl_result r;
	int i;

	for (i = 0; i < 1000; i++) {
		rl_check(t, LH_RL_READ, "198.51.100.7", NOW0, &r);
		ck_assert_int_eq(r.allowed, 1);
		ck_assert_uint_eq(r.limit, 0);
	}
	ck_assert_int_eq(exhaust(t, LH_RL_WRITE, "198.51.100.7", NOW0, 50), 2);
	/* reload: reads limited from now on, writes switched off */
	rl_table_set_policy(t, LH_RL_READ, &p);
	p.limit = 0;
	rl_table_set_policy(t, LH_RL_WRITE, &p);
	ck_assert_int_eq(exhaust(t, LH_RL_READ, "198.51.100.7", NOW0, 50), 3);
	rl_check(t, LH_RL_WRITE, "198.51.100.7", NOW0, &r);
	ck_assert_int_eq(r.allowed, 1);
	ck_assert_uint_eq(r.limit, 0);
	/* an invalid class is not limited (and does not crash) */
	rl_check(t, LH_RL_NCLASSES, "198.51.100.7", NOW0, &r);
	ck_assert_int_eq(r.allowed, 1);
	rl_table_destroy(t);
}
END_TEST

START_TEST(test_table_eviction)
{
	/* 8 entries: a single group, so every key competes */
	struct lh_rl_table *t = make_table(8, 2, 2);
	struct lh_rl_result r;
	char name[32];
	int i;

	/* one client long gone, seven exhausted now */
	ck_assert_int_eq(exhaust(t, LH_RL_READ, "old", NOW0 - 10 * MINUTE, 5),
	    2);
	for (i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "active%d", i);
		ck_assert_int_eq(exhaust(t, LH_RL_READ, name, NOW0, 5), 2);
	}
	/* a crowd of newcomers: each gets its first request */
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "new%d", i);
		rl_check(t, LH_RL_READ, name, NOW0 + 1, &r);
		ck_assert_int_eq(r.allowed, 1);
		ck_assert_uint_eq(r.remaining, 1);
	}
	/* the exhausted clients did not get a fresh bucket out of it */
	for (i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "active%d", i);
		rl_check(t, LH_RL_READ, name, NOW0 + 2, &r);
		ck_assert_int_eq(r.allowed, 0);
	}
	/* the newcomer holding the free slot is still tracked */
	rl_check(t, LH_RL_READ, "new49", NOW0 + 3, &r);
	ck_assert_int_eq(r.allowed, 1);
	ck_assert_uint_eq(r.remaining, 0);
	rl_check(t, LH_RL_READ, "new49", NOW0 + 3, &r);
	ck_assert_int_eq(r.allowed, 0);
	/* when everyone has drained, a newcomer takes a drained slot and
	 * the remaining clients keep their (full) state */
	ck_assert_int_eq(exhaust(t, LH_RL_READ, "late", NOW0 + HOUR, 5), 2);
	ck_assert_int_eq(exhaust(t, LH_RL_READ, "active0", NOW0 + HOUR, 5),
	    2);
	rl_table_destroy(t);
}
END_TEST

START_TEST(test_now_ms)
{
	struct timespec ts = { 0, 30 * 1000 * 1000 };
	uint64_t a, b;

	a = rl_now_ms();
	ck_assert(a > 0);
	ck_assert_int_eq(nanosleep(&ts, NULL), 0);
	b = rl_now_ms();
	ck_assert(b >= a + 30);
	ck_assert(b < a + 30000);
}
END_TEST

/* Shared by the hammering processes. */
struct hammer_shared {
	int		 go;
	unsigned	 allowed;
	unsigned	 refused;
	unsigned	 seen[1000];	/* how often each remaining value */
};

static void *
shared_map(size_t size)
{
	void *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(p != MAP_FAILED);
	return p;
}

static void
hammer_child(struct lh_rl_table *t, struct hammer_shared *sh,
    const char *client, uint64_t now)
{
	struct lh_rl_result r;
	int i;

	while (!__atomic_load_n(&sh->go, __ATOMIC_ACQUIRE))
		;
	for (i = 0; i < 10000; i++) {
		rl_check(t, LH_RL_WRITE, client, now, &r);
		if (r.allowed) {
			__atomic_fetch_add(&sh->allowed, 1, __ATOMIC_RELAXED);
			if (r.remaining < 1000)
				__atomic_fetch_add(&sh->seen[r.remaining], 1,
				    __ATOMIC_RELAXED);
		} else
			__atomic_fetch_add(&sh->refused, 1, __ATOMIC_RELAXED);
	}
	_exit(0);
}

/* 8 processes, 10000 requests each, one key, 1000/hour: exactly 1000. */
static void
hammer(struct lh_rl_table *t, const char *client, uint64_t now)
{
	struct hammer_shared *sh;
	pid_t pids[8];
	int i, status;

	sh = shared_map(sizeof(*sh));
	for (i = 0; i < 8; i++) {
		pids[i] = fork();
		ck_assert_int_ne(pids[i], -1);
		if (pids[i] == 0)
			hammer_child(t, sh, client, now);
	}
	__atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_uint_eq(sh->allowed, 1000);
	ck_assert_uint_eq(sh->refused, 80000 - 1000);
	/* each remaining value 999..0 was handed out exactly once */
	for (i = 0; i < 1000; i++)
		ck_assert_uint_eq(sh->seen[i], 1);
	ck_assert_int_eq(munmap(sh, sizeof(*sh)), 0);
}

START_TEST(test_concurrent_exact)
{
	struct lh_rl_table *t = rl_table_create(4096, test_key);
	struct lh_rl_policy p = { 1000, HOUR };

	ck_assert_ptr_nonnull(t);
	rl_table_set_policy(t, LH_RL_WRITE, &p);
	hammer(t, "203.0.113.9", NOW0);
	/* one interval later exactly one more, in a second round */
	ck_assert_int_eq(exhaust(t, LH_RL_WRITE, "203.0.113.9",
	    NOW0 + HOUR / 1000, 10), 1);
	rl_table_destroy(t);
}
END_TEST

static void
churn_child(struct lh_rl_table *t, unsigned seed)
{
	struct lh_rl_result r;
	char name[32];
	unsigned x = seed;

	for (;;) {
		x = x * 1103515245 + 12345;
		snprintf(name, sizeof(name), "10.%u.%u.%u", (x >> 8) & 3,
		    (x >> 16) & 255, (x >> 24) & 255);
		rl_check(t, (x & 1) ? LH_RL_READ : LH_RL_WRITE, name,
		    rl_now_ms(), &r);
	}
}

START_TEST(test_sigkill_mid_update)
{
	/* small table: constant eviction while the children die */
	struct lh_rl_table *t = make_table(64, 5, 5);
	struct lh_rl_policy p = { 1000, HOUR };
	struct timespec ts = { 0, 3 * 1000 * 1000 };
	pid_t pids[4];
	int round, i, status;
	char name[32];

	for (round = 0; round < 25; round++) {
		for (i = 0; i < 4; i++) {
			pids[i] = fork();
			ck_assert_int_ne(pids[i], -1);
			if (pids[i] == 0)
				churn_child(t, (unsigned)(round * 4 + i));
		}
		ts.tv_nsec = (1 + round % 5) * 1000 * 1000;
		ck_assert_int_eq(nanosleep(&ts, NULL), 0);
		for (i = 0; i < 4; i++)
			ck_assert_int_eq(kill(pids[i], SIGKILL), 0);
		for (i = 0; i < 4; i++) {
			ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
			ck_assert(WIFSIGNALED(status) &&
			    WTERMSIG(status) == SIGKILL);
		}
		/* the table answers, with exact limits, after every round */
		snprintf(name, sizeof(name), "fresh-%d", round);
		ck_assert_int_eq(exhaust(t, LH_RL_READ, name, rl_now_ms(), 50),
		    5);
	}
	/* and still counts exactly under concurrency */
	rl_table_set_policy(t, LH_RL_WRITE, &p);
	hammer(t, "after-the-storm", rl_now_ms());
	rl_table_destroy(t);
}
END_TEST

static Suite *
ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc;

	tc = tcase_create("gcra");
	tcase_add_test(tc, test_gcra_burst_exactly_limit);
	tcase_add_test(tc, test_gcra_refill);
	tcase_add_test(tc, test_gcra_limit_one_and_retry_after);
	tcase_add_test(tc, test_gcra_uneven_interval);
	tcase_add_test(tc, test_gcra_huge_periods);
	tcase_add_test(tc, test_gcra_clock_backwards);
	tcase_add_test(tc, test_gcra_unlimited);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_add_test(tc, test_table_size);
	tcase_add_test(tc, test_table_clients_and_classes);
	tcase_add_test(tc, test_table_unlimited_and_reload);
	tcase_add_test(tc, test_table_eviction);
	tcase_add_test(tc, test_now_ms);
	suite_add_tcase(s, tc);

	tc = tcase_create("concurrency");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_concurrent_exact);
	tcase_add_test(tc, test_sigkill_mid_update);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ratelimit_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
