/*
 * stage_verdict.c: why a stage failed. Exact where a cgroup counted
 * (memory.events, pids.events); under rlimits, from the signs a limit
 * leaves: RLIMIT_AS makes allocations fail rather than killing, and
 * RLIMIT_NPROC leaves only what the shell says about a refused fork.
 */
#define _GNU_SOURCE	/* memmem */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runner/stage_verdict.h"

static void
sv_reason(struct lh_stage_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void
stage_vreason(struct lh_stage_result *r, const char *fmt, va_list ap)
{
	if (r->error[0] == '\0')
		(void)vsnprintf(r->error, sizeof(r->error), fmt, ap);
}

static void
sv_reason(struct lh_stage_result *r, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	stage_vreason(r, fmt, ap);
	va_end(ap);
}

int
stage_says_fork_refused(const char *line, size_t len)
{
	return memmem(line, len, "Cannot fork", 11) != NULL ||
	    (memmem(line, len, "fork", 4) != NULL &&
	    memmem(line, len, "Resource temporarily unavailable", 32) != NULL);
}

int
stage_says_out_of_memory(const char *line, size_t len)
{
	return memmem(line, len, "emory", 5) != NULL ||
	    memmem(line, len, "bad_alloc", 9) != NULL;
}

/* Under RLIMIT_AS: a failed stage that got within half of its limit and
 * then crashed or spoke of memory was most likely stopped by it. */
static int
sv_rlimit_oom(const struct lh_stage_facts *f, const struct lh_stage_result *r)
{
	uint64_t peak = (uint64_t)r->peak_memory_kb * 1024;

	return f->memory_bytes > 0 && peak >= f->memory_bytes / 2 &&
	    (f->oom_hint || r->term_signal != 0 || r->exit_code > 128);
}

int
stage_verdict(const struct lh_stage_facts *f, struct lh_stage_result *r)
{
	int	from_hint = 0, oom;

	if (f->fork_hint && !r->hit_process_limit)
		r->hit_process_limit = from_hint = 1;
	/* a fork bomb whose first shell exits 0 still fails */
	if (r->exit_code == 0 && r->term_signal == 0 && !r->hit_process_limit)
		return from_hint;
	oom = f->memory_cgroup ? f->oom_kills > 0 : sv_rlimit_oom(f, r);
	if (oom && !r->timed_out && !r->cancelled) {
		r->killed_for_memory = 1;
		sv_reason(r, "stopped by the memory limit of %llu MiB (peak "
		    "%ld MiB)", (unsigned long long)(f->memory_bytes >> 20),
		    r->peak_memory_kb / 1024);
	}
	if (r->hit_process_limit && !r->cancelled)
		sv_reason(r, "stopped by the process limit of %u (a fork bomb, "
		    "or raise max_procs)", f->max_procs);
	if (f->bwrap_err != NULL && f->bwrap_err[0] != '\0' &&
	    r->exit_code == 1)
		sv_reason(r, "sandbox set-up failed: %s", f->bwrap_err);
	if (r->timed_out)
		sv_reason(r, "timed out after %u ms", f->timeout_ms);
	else if (r->cancelled)
		sv_reason(r, "cancelled");
	else if (r->term_signal != 0)
		sv_reason(r, "killed by signal %d (%s)", r->term_signal,
		    strsignal(r->term_signal));
	else
		sv_reason(r, "exited with code %d", r->exit_code);
	return from_hint;
}
