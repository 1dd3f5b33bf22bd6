/*
 * policy.h: the master's pure decisions (DESIGN.md section 1): how a child's
 * exit is classified, how long to wait before respawning it, and when a role
 * has crashed too often to go on. No clock reads, no side effects.
 */
#ifndef LH_POLICY_H
#define LH_POLICY_H

#include <stdint.h>

enum lh_exit_class {
	LH_EXIT_CLEAN = 0,	/* exit 0 */
	LH_EXIT_CONFIG,		/* exit 78: never respawned */
	LH_EXIT_CRASH,		/* a signal or any other code */
};

#define LH_BACKOFF_BASE_MS	100
#define LH_BACKOFF_MAX_MS	30000
#define LH_CRASH_RESET_MS	60000	/* uptime that forgives past crashes */
#define LH_CRASH_WINDOW_MS	60000
#define LH_CRASH_LIMIT		10	/* per role per window */

enum lh_exit_class policy_classify_exit(int wstatus);
/* Writes "exited with status 3" / "was terminated by signal 11 (core
 * dumped)" into buf. */
void policy_describe_exit(int wstatus, char *buf, size_t len);
/* Delay before respawning a slot after its crashes-th consecutive crash:
 * min(100 ms << crashes, 30 s). */
uint32_t policy_backoff_ms(unsigned crashes);
/* Consecutive crash count after a child that lived uptime_ms crashed. */
unsigned policy_next_crashes(unsigned crashes, uint64_t uptime_ms);

/* Sliding record of a role's recent crash times. */
struct lh_crash_window {
	uint64_t times[LH_CRASH_LIMIT + 1];
	unsigned n;
};
/* Records a crash at now_ms; returns 1 when the role crashed more than
 * LH_CRASH_LIMIT times in the last LH_CRASH_WINDOW_MS and must not be
 * respawned any more. */
int policy_crash_record(struct lh_crash_window *w, uint64_t now_ms);

#endif
