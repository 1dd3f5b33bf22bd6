/*
 * scheduler.h: executes a validated pipeline's DAG on a libevent event_base
 * through the stage executor (stage.h): dependencies, slots, conditions,
 * retries, timeouts, outputs downstream, cancel. Emits numbered events
 * through a callback and never writes to stdout, so both `labhit run` and
 * the server's runner processes use it.
 */
#ifndef LH_SCHEDULER_H
#define LH_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

#include "runner/stage.h"
#include "shared/pipeline/expr.h"
#include "shared/pipeline/pipeline.h"

struct event_base;
struct json_object;
struct lh_sched;

enum lh_sched_status {
	LH_SCHED_PENDING = 0,
	LH_SCHED_RUNNING,
	LH_SCHED_SUCCESS,
	LH_SCHED_FAILED,
	LH_SCHED_SKIPPED,
	LH_SCHED_CANCELLED,
};

enum lh_sched_event_type {
	LH_SCHED_EV_STAGE_STARTED = 0,
	LH_SCHED_EV_STAGE_LOG,
	LH_SCHED_EV_STAGE_COMPLETED,
	LH_SCHED_EV_STAGE_SKIPPED,
	LH_SCHED_EV_PIPELINE_COMPLETED,
};

/* One event; pointers are valid only during the callback. */
struct lh_sched_event {
	uint64_t			 seq;		/* 1, 2, ... per run */
	enum lh_sched_event_type	 type;
	const char			*stage;		/* NULL for pipeline */
	enum lh_sched_status		 status;
	int64_t				 ts_ms;		/* wall clock */
	/* stage_log */
	enum lh_stream			 stream;
	const char			*line;
	size_t				 len;
	/* stage_started / stage_completed */
	int				 attempt;	/* 1-based */
	const struct lh_stage_result	*result;	/* NULL if never ran */
	const struct lh_pl_kv		*outputs;
	size_t				 noutputs;
	const char			*logs;		/* tail of the log */
	/* stage_completed (failure), stage_skipped: why */
	const char			*reason;
	/* pipeline_completed */
	uint64_t			 duration_ms;
	size_t				 nsucceeded;
	size_t				 nfailed;
	size_t				 nskipped;
	size_t				 ncancelled;
};

typedef void (*lh_sched_event_cb)(const struct lh_sched_event *, void *);

struct lh_sched_config {
	int			 slots;		/* stages at once; <= 0: 1 */
	const char		*workspace;	/* host dir, /workspace */
	int			 own_workspace;	/* lh_stage_spec's */
	enum lh_stage_mode	 mode;
	const char		*images_dir;
	const char		*state_dir;	/* NULL: $TMPDIR */
	const char		*stage_user;	/* NULL: stage.c's default */
	const struct lh_cgroup_tree *cgroups;	/* NULL: rlimits only */
	size_t			 log_limit;	/* 0: stage.c's default */
	size_t			 output_limit;
	uint32_t		 kill_grace_ms;
	uint32_t		 default_timeout_ms;	/* 0: none */
	uint32_t		 max_procs;	/* 0: stage.c's default */
	uint32_t		 retry_base_ms;	/* 0: 1000 */
	char *const		*secrets;	/* masked in logs */
	int			 auto_approve;	/* gate.approval: required
						 * passes (local runs); else
						 * the stage fails */
};

/* vars and run.* fields of the run (in->stages is ignored); everything is
 * copied. Returns NULL when out of memory. */
struct lh_sched *sched_new(struct event_base *base,
    const struct lh_pipeline *pl, const struct lh_sched_config *cfg,
    const struct lh_expr_inputs *in, lh_sched_event_cb cb, void *arg);
/* Schedules the first stages; events start from the event loop.
 * Semantics: a stage waits for every `after` stage to be Success; a
 * Failed/Skipped/Cancelled dependency makes it Skipped (with the reason);
 * gate.allowed_branches not matching run.branch (fnmatch globs) or a false
 * condition makes it Skipped; a retried stage keeps its slot during the
 * backoff; stage_started is sent once, stage_completed carries the number
 * of attempts. */
int sched_start(struct lh_sched *s);
/* Cancels the run: running stages get SIGTERM (SIGKILL after the grace),
 * waiting ones are marked Cancelled; pipeline_completed follows. */
void sched_cancel(struct lh_sched *s);
/* 1 once pipeline_completed was emitted. */
int sched_finished(const struct lh_sched *s);
/* SUCCESS, FAILED or CANCELLED once finished, else RUNNING. */
enum lh_sched_status sched_result(const struct lh_sched *s);
/* Kills anything still running. Not from inside an event callback. */
void sched_free(struct lh_sched *s);

/* Pure: delay before attempt (2, 3, ...): fixed = base; exponential =
 * base * 2^(attempt-2), capped at 5 minutes. */
uint32_t sched_backoff_ms(enum lh_pl_backoff b, uint32_t base_ms,
    int next_attempt);
/* "Running", "Success", ... (stage words); "SUCCESS"... for pipelines. */
const char *sched_status_word(enum lh_sched_status st);
const char *sched_pipeline_word(enum lh_sched_status st);
const char *sched_event_name(enum lh_sched_event_type t);
/* RFC 3339 UTC with seconds ("2026-03-16T10:30:00Z"). */
void sched_format_time(int64_t ms, char *buf, size_t len);
/* The event in the spec's SSE shape plus extra fields (caller puts). */
struct json_object *sched_event_json(const struct lh_sched_event *ev);

#endif
