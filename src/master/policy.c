/*
 * policy.c: pure supervision policy for the master: exit classification,
 * respawn backoff, crash-loop detection. Unit-tested in check_policy.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "master/policy.h"
#include "shared/conf.h"

enum lh_exit_class
policy_classify_exit(int wstatus)
{
	if (WIFEXITED(wstatus)) {
		if (WEXITSTATUS(wstatus) == 0)
			return LH_EXIT_CLEAN;
		if (WEXITSTATUS(wstatus) == LH_EX_CONFIG)
			return LH_EXIT_CONFIG;
	}
	return LH_EXIT_CRASH;
}

void
policy_describe_exit(int wstatus, char *buf, size_t len)
{
	if (WIFEXITED(wstatus))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, len, "was terminated by signal %d (%s)%s",
		    WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)),
		    WCOREDUMP(wstatus) ? " (core dumped)" : "");
	else
		snprintf(buf, len, "changed state 0x%x", (unsigned)wstatus);
}

uint32_t
policy_backoff_ms(unsigned crashes)
{
	uint64_t ms;

	if (crashes >= 20)
		return LH_BACKOFF_MAX_MS;
	ms = (uint64_t)LH_BACKOFF_BASE_MS << crashes;
	return ms > LH_BACKOFF_MAX_MS ? LH_BACKOFF_MAX_MS : (uint32_t)ms;
}

unsigned
policy_next_crashes(unsigned crashes, uint64_t uptime_ms)
{
	if (uptime_ms >= LH_CRASH_RESET_MS)
		return 1;
	return crashes < 64 ? crashes + 1 : crashes;
}

int
policy_crash_record(struct lh_crash_window *w, uint64_t now_ms)
{
	unsigned kept = 0;

	/* Forget crashes older than the window, then add this one. */
	for (unsigned i = 0; i < w->n; i++)
		if (now_ms - w->times[i] < LH_CRASH_WINDOW_MS)
			w->times[kept++] = w->times[i];
	w->n = kept;
	if (w->n == LH_CRASH_LIMIT + 1) {
		memmove(w->times, w->times + 1,
		    LH_CRASH_LIMIT * sizeof(w->times[0]));
		w->n--;
	}
	w->times[w->n++] = now_ms;
	return w->n > LH_CRASH_LIMIT;
}
