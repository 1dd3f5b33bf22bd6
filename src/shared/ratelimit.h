/*
 * ratelimit.h: per-client request limits shared by every worker
 * (DESIGN.md section 6). The table lives in one MAP_SHARED|MAP_ANONYMOUS
 * mapping made by the master before fork; entries are updated with
 * compare-and-swap only, so a worker killed at any instant cannot wedge it.
 * The arithmetic is GCRA, a pure function with the clock passed in.
 */
#ifndef LH_RATELIMIT_H
#define LH_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define LH_RL_VERSION 1

enum lh_rl_class {
	LH_RL_READ = 0,
	LH_RL_WRITE = 1,
	LH_RL_NCLASSES
};

/* One class's policy: `limit` requests per `period_ms`, burst = limit. */
struct lh_rl_policy {
	uint32_t limit;		/* 0 = class unlimited */
	uint32_t period_ms;
};

/* Result of one decision, enough for the response headers. */
struct lh_rl_result {
	int	 allowed;
	uint32_t limit;		/* X-RateLimit-Limit */
	uint32_t remaining;	/* X-RateLimit-Remaining */
	uint32_t retry_after_s;	/* Retry-After when refused, >= 1 */
	uint32_t reset_s;	/* seconds until the bucket is full again */
};

/*
 * Pure GCRA step. tat is the stored theoretical arrival time (ms, 0 = new),
 * now_ms the clock. Returns the new tat to store (unchanged when refused)
 * and fills res.
 */
uint64_t rl_gcra(uint64_t tat, uint64_t now_ms, const struct lh_rl_policy *p,
    struct lh_rl_result *res);

struct lh_rl_table;

/* Bytes needed for a table of `entries` (rounded up to a power of two). */
size_t rl_table_size(uint32_t entries);
/* Maps and initialises a shared table; NULL on failure. */
struct lh_rl_table *rl_table_create(uint32_t entries, const uint8_t key[16]);
void rl_table_destroy(struct lh_rl_table *t);
/* Policies may change on reload; the master writes them, workers read. */
void rl_table_set_policy(struct lh_rl_table *t, enum lh_rl_class cls,
    const struct lh_rl_policy *p);
/* Decides one request from `client` (an IP address string) in `cls`.
 * When the class is unlimited res->allowed = 1 and res->limit = 0. */
void rl_check(struct lh_rl_table *t, enum lh_rl_class cls, const char *client,
    uint64_t now_ms, struct lh_rl_result *res);
/* Monotonic milliseconds shared by all processes (CLOCK_MONOTONIC). */
uint64_t rl_now_ms(void);

#endif
