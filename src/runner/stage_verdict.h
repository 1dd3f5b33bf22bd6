/*
 * stage_verdict.h: why a stage failed, from what is known when it has
 * ended (exit status, limits, what the kernel counted, what stderr said).
 * Pure: no processes, no clock. Runs in the runner process.
 */
#ifndef LH_STAGE_VERDICT_H
#define LH_STAGE_VERDICT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/stage.h"

/* What the executor knows beside the result's own fields. */
struct lh_stage_facts {
	uint64_t	 memory_bytes;	/* the memory limit; 0 = none */
	uint32_t	 max_procs;	/* the process limit */
	uint32_t	 timeout_ms;
	int		 memory_cgroup;	/* memory.max applied: oom_kills is
					 * exact, else RLIMIT_AS was */
	uint64_t	 oom_kills;	/* memory.events oom_kill */
	int		 oom_hint;	/* stderr spoke of memory */
	int		 fork_hint;	/* stderr told of a refused fork */
	const char	*bwrap_err;	/* bwrap's own complaint, or "" */
};

/*
 * Sets r->killed_for_memory, r->hit_process_limit (also from fork_hint)
 * and, unless r->error holds a reason already, the first reason the
 * stage failed. A stage that exited 0 fails only when a fork was refused.
 * Returns 1 when the process limit was known only from fork_hint (the
 * caller says so in the stage's log), else 0.
 */
int	stage_verdict(const struct lh_stage_facts *, struct lh_stage_result *r);

/* Formats a reason into r->error unless it holds one already: the first
 * reason a stage failed is the one it keeps. */
void	stage_vreason(struct lh_stage_result *r, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/* What a line of stderr tells: a refused fork (bash "fork: retry:
 * Resource temporarily unavailable", dash "Cannot fork", Python's
 * os.fork), or a failed allocation ("out of memory", "Cannot allocate
 * memory", MemoryError, bad_alloc). */
int	stage_says_fork_refused(const char *line, size_t len);
int	stage_says_out_of_memory(const char *line, size_t len);

#endif
