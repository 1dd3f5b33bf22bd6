/*
 * scheduler.c: runs a pipeline's DAG on an event_base through the stage
 * executor: starts a stage once every `after` stage succeeded, up to a slot
 * limit; skips on failed dependencies or a false condition; retries with
 * backoff; passes outputs downstream; cancels. Runs in runner processes and
 * in `labhit run`.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>

#include "runner/scheduler.h"
#include "shared/log.h"
#include "shared/pipeline/dag.h"

#define SCHED_LOG_TAIL	(16 * 1024)	/* "logs" of stage_completed */

struct lh_sched_stage {
	struct lh_sched			*sched;
	const struct lh_pl_stage	*def;
	enum lh_sched_status		 status;
	int				 attempt;
	int				 holds_slot;
	struct lh_stage			*handle;
	struct event			*retry_ev;
	int64_t				 started_ms;
	struct lh_pl_kvlist		 outputs;
	char				*tail;		/* ring of the log */
	size_t				 tail_len;
	size_t				 tail_pos;
	int				 tail_wrapped;
};

struct lh_sched {
	struct event_base		*base;
	const struct lh_pipeline	*pl;
	struct lh_sched_config		 cfg;
	struct lh_pl_kvlist		 vars;
	char				*run[LH_RUN_NFIELDS];
	lh_sched_event_cb		 cb;
	void				*arg;
	struct lh_sched_stage		*st;
	struct event			*pump_ev;
	uint64_t			 seq;
	int				 running;	/* slots in use */
	int				 cancelled;
	int				 finished;
	enum lh_sched_status		 result;
	int64_t				 started_ms;
};

static void sched_pump(struct lh_sched *);

static int64_t
sched_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

uint32_t
sched_backoff_ms(enum lh_pl_backoff b, uint32_t base_ms, int next_attempt)
{
	uint64_t d = base_ms;
	int i;

	if (b == LH_PL_BACKOFF_FIXED || next_attempt <= 2)
		return base_ms;
	for (i = 2; i < next_attempt && d < 300000; i++)
		d *= 2;
	return d > 300000 ? 300000 : (uint32_t)d;
}

static void
sched_emit(struct lh_sched *s, struct lh_sched_event *ev)
{
	ev->seq = ++s->seq;
	if (ev->ts_ms == 0)
		ev->ts_ms = sched_now_ms();
	if (s->cb != NULL)
		s->cb(ev, s->arg);
}

static void
sched_kick(struct lh_sched *s)
{
	if (!s->finished)
		event_active(s->pump_ev, EV_TIMEOUT, 0);
}

static void
sched_pump_cb(evutil_socket_t fd, short what, void *arg)
{
	sched_pump(arg);
}

static void
sched_tail_add(struct lh_sched_stage *st, const char *line, size_t len)
{
	size_t i;
	const char nl = '\n';

	if (st->tail == NULL && (st->tail = malloc(SCHED_LOG_TAIL)) == NULL)
		return;
	for (i = 0; i <= len; i++) {
		st->tail[st->tail_pos++] = i < len ? line[i] : nl;
		if (st->tail_pos == SCHED_LOG_TAIL) {
			st->tail_pos = 0;
			st->tail_wrapped = 1;
		}
	}
}

/* The tail as one string (caller frees), or NULL. */
static char *
sched_tail_text(const struct lh_sched_stage *st)
{
	char *out;
	size_t n;

	if (st->tail == NULL)
		return strdup("");
	n = st->tail_wrapped ? SCHED_LOG_TAIL : st->tail_pos;
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	if (st->tail_wrapped) {
		memcpy(out, st->tail + st->tail_pos, n - st->tail_pos);
		memcpy(out + n - st->tail_pos, st->tail, st->tail_pos);
	} else
		memcpy(out, st->tail, n);
	out[n] = '\0';
	return out;
}

static void
sched_system_log(struct lh_sched_stage *st, const char *msg)
{
	struct lh_sched_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = LH_SCHED_EV_STAGE_LOG;
	ev.stage = st->def->name;
	ev.status = st->status;
	ev.stream = LH_STREAM_SYSTEM;
	ev.line = msg;
	ev.len = strlen(msg);
	ev.attempt = st->attempt;
	sched_tail_add(st, msg, ev.len);
	sched_emit(st->sched, &ev);
}

static void
sched_release(struct lh_sched_stage *st)
{
	if (st->holds_slot) {
		st->holds_slot = 0;
		st->sched->running--;
	}
}

/* Final state of a stage that ran (result) or could not (reason). */
static void
sched_complete(struct lh_sched_stage *st, enum lh_sched_status status,
    const struct lh_stage_result *res, const char *reason)
{
	struct lh_sched_event ev;
	char *logs;

	st->status = status;
	sched_release(st);
	if (reason != NULL && reason[0] != '\0' &&
	    status != LH_SCHED_SUCCESS)
		sched_system_log(st, reason);
	logs = sched_tail_text(st);
	memset(&ev, 0, sizeof(ev));
	ev.type = LH_SCHED_EV_STAGE_COMPLETED;
	ev.stage = st->def->name;
	ev.status = status;
	ev.attempt = st->attempt;
	ev.result = res;
	ev.outputs = st->outputs.v;
	ev.noutputs = st->outputs.n;
	ev.logs = logs;
	ev.reason = reason;
	sched_emit(st->sched, &ev);
	free(logs);
	sched_kick(st->sched);
}

static void
sched_skip(struct lh_sched_stage *st, enum lh_sched_status status,
    const char *reason)
{
	struct lh_sched_event ev;

	st->status = status;
	memset(&ev, 0, sizeof(ev));
	ev.type = LH_SCHED_EV_STAGE_SKIPPED;
	ev.stage = st->def->name;
	ev.status = status;
	ev.reason = reason;
	sched_emit(st->sched, &ev);
}

/* Expression inputs: the run's vars and fields plus every ancestor's
 * status and outputs. states must hold nstages entries. */
static void
sched_inputs(struct lh_sched_stage *st, struct lh_expr_inputs *in,
    struct lh_expr_stage_state *states)
{
	struct lh_sched *s = st->sched;
	size_t i, n = 0;

	memset(in, 0, sizeof(*in));
	in->vars = s->vars.v;
	in->nvars = s->vars.n;
	for (i = 0; i < LH_RUN_NFIELDS; i++)
		in->run[i] = s->run[i];
	for (i = 0; i < s->pl->nstages; i++) {
		if (!pl_dag_is_ancestor(s->pl->plan, st->def->index, i))
			continue;
		states[n].name = s->st[i].def->name;
		states[n].status = sched_status_word(s->st[i].status);
		states[n].outputs = s->st[i].outputs.v;
		states[n].noutputs = s->st[i].outputs.n;
		n++;
	}
	in->stages = states;
	in->nstages = n;
}

static void
sched_on_log(struct lh_stage *h, enum lh_stream stream, const char *line,
    size_t len, int64_t ts_ms, void *arg)
{
	struct lh_sched_stage *st = arg;
	struct lh_sched_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = LH_SCHED_EV_STAGE_LOG;
	ev.stage = st->def->name;
	ev.status = st->status;
	ev.stream = stream;
	ev.line = line;
	ev.len = len;
	ev.ts_ms = ts_ms;
	ev.attempt = st->attempt;
	sched_tail_add(st, line, len);
	sched_emit(st->sched, &ev);
}

static void
sched_failure_text(const struct lh_stage_result *r, char *buf, size_t len)
{
	if (r->error[0] != '\0')
		snprintf(buf, len, "%s", r->error);
	else if (r->timed_out)
		snprintf(buf, len, "timed out after %llu ms",
		    (unsigned long long)r->duration_ms);
	else if (r->killed_for_memory)
		snprintf(buf, len, "killed: memory limit exceeded");
	else if (r->term_signal != 0)
		snprintf(buf, len, "killed by signal %d", r->term_signal);
	else
		snprintf(buf, len, "exit code %d", r->exit_code);
}

static int sched_attempt(struct lh_sched_stage *);

static void
sched_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lh_sched_stage *st = arg;

	st->attempt++;
	if (sched_attempt(st) == -1)
		sched_kick(st->sched);
}

static void
sched_on_done(struct lh_stage *h, const struct lh_stage_result *r, void *arg)
{
	struct lh_sched_stage *st = arg;
	struct lh_sched *s = st->sched;
	struct timeval tv;
	char why[640], msg[768];
	uint32_t delay;
	size_t i;

	st->handle = NULL;
	if (stage_result_ok(r)) {
		for (i = 0; i < r->n_outputs; i++)
			if (pl_kvlist_add(&st->outputs, r->outputs[i].key,
			    r->outputs[i].value) == -1)
				log_warnx("stage %s: out of memory keeping "
				    "outputs", st->def->name);
		sched_complete(st, LH_SCHED_SUCCESS, r, NULL);
		stage_free(h);
		return;
	}
	sched_failure_text(r, why, sizeof(why));
	if (s->cancelled || r->cancelled) {
		sched_complete(st, LH_SCHED_CANCELLED, r, "cancelled");
		stage_free(h);
		return;
	}
	if (st->attempt < st->def->max_attempts) {
		delay = sched_backoff_ms(st->def->backoff, s->cfg.retry_base_ms,
		    st->attempt + 1);
		snprintf(msg, sizeof(msg), "attempt %d of %d failed (%s); "
		    "retrying in %u ms", st->attempt, st->def->max_attempts,
		    why, delay);
		sched_system_log(st, msg);
		stage_free(h);
		tv.tv_sec = delay / 1000;
		tv.tv_usec = (delay % 1000) * 1000;
		if (st->retry_ev == NULL)
			st->retry_ev = evtimer_new(s->base, sched_retry_cb, st);
		if (st->retry_ev != NULL && evtimer_add(st->retry_ev, &tv) == 0)
			return;
		sched_complete(st, LH_SCHED_FAILED, NULL,
		    "cannot schedule a retry");
		return;
	}
	sched_complete(st, LH_SCHED_FAILED, r, why);
	stage_free(h);
}

/* NULL-terminated "K=V" list (caller frees with sched_strv_free). */
static char **
sched_env(struct lh_sched_stage *st, const struct lh_expr_inputs *in,
    const struct lh_pl_kvlist *exprs, char *err, size_t errlen)
{
	const struct lh_pl_stage *d = st->def;
	char **env, *val, attempt[16];
	size_t i, n = 0, cap = d->env.n + exprs->n + 6;

	if ((env = calloc(cap, sizeof(*env))) == NULL)
		goto oom;
	for (i = 0; i < d->env.n; i++) {
		if (pl_interp_render(d->env.v[i].interp, d->env.v[i].value, in,
		    &val, err, errlen) == -1)
			goto fail;
		if (asprintf(&env[n], "%s=%s", d->env.v[i].key, val) == -1) {
			free(val);
			goto oom;
		}
		free(val);
		n++;
	}
	for (i = 0; i < exprs->n; i++)
		if (asprintf(&env[n++], "%s=%s", exprs->v[i].key,
		    exprs->v[i].value) == -1)
			goto oom;
	snprintf(attempt, sizeof(attempt), "%d", st->attempt);
	if (asprintf(&env[n++], "LABHIT_STAGE=%s", d->name) == -1 ||
	    asprintf(&env[n++], "LABHIT_ATTEMPT=%s", attempt) == -1 ||
	    asprintf(&env[n++], "LABHIT_PIPELINE=%s",
	    st->sched->pl->name) == -1)
		goto oom;
	if (st->sched->run[LH_RUN_ID] != NULL &&
	    asprintf(&env[n++], "LABHIT_RUN_ID=%s",
	    st->sched->run[LH_RUN_ID]) == -1)
		goto oom;
	return env;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	for (i = 0; env != NULL && i < cap; i++)
		free(env[i]);
	free(env);
	return NULL;
}

static void
sched_strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static const struct lh_stage_cbs sched_stage_cbs = {
	sched_on_log,
	sched_on_done,
};

/* Starts the current attempt. Returns 0, or -1 after completing the
 * stage as failed. */
static int
sched_attempt(struct lh_sched_stage *st)
{
	struct lh_sched *s = st->sched;
	const struct lh_pl_stage *d = st->def;
	struct lh_expr_stage_state *states;
	struct lh_expr_inputs in;
	struct lh_pl_kvlist exprs = { NULL, 0 };
	struct lh_stage_spec spec;
	char err[512], *script = NULL, **env = NULL, msg[128];

	if ((states = calloc(s->pl->nstages + 1, sizeof(*states))) == NULL) {
		sched_complete(st, LH_SCHED_FAILED, NULL, "out of memory");
		return -1;
	}
	sched_inputs(st, &in, states);
	if (pl_interp_script(d->run_interp, d->run, &in, &script, &exprs, err,
	    sizeof(err)) == -1 ||
	    (env = sched_env(st, &in, &exprs, err, sizeof(err))) == NULL) {
		free(states);
		pl_kvlist_free(&exprs);
		free(script);
		snprintf(msg, sizeof(msg), "expression error: ");
		strncat(msg, err, sizeof(msg) - strlen(msg) - 1);
		sched_complete(st, LH_SCHED_FAILED, NULL, msg);
		return -1;
	}
	free(states);
	pl_kvlist_free(&exprs);
	memset(&spec, 0, sizeof(spec));
	spec.name = d->name;
	spec.script = script;
	spec.env = env;
	spec.workspace = s->cfg.workspace;
	spec.own_workspace = s->cfg.own_workspace;
	spec.image = d->image;
	spec.images_dir = s->cfg.images_dir;
	spec.timeout_ms = d->timeout_ms != 0 ? d->timeout_ms :
	    s->cfg.default_timeout_ms;
	spec.kill_grace_ms = s->cfg.kill_grace_ms;
	spec.memory_bytes = d->memory_bytes;
	spec.cpus = d->cpu;
	spec.log_limit = s->cfg.log_limit;
	spec.output_limit = s->cfg.output_limit;
	spec.secrets = s->cfg.secrets;
	spec.mode = s->cfg.mode;
	spec.user = s->cfg.stage_user;
	spec.state_dir = s->cfg.state_dir;
	spec.cgroups = s->cfg.cgroups;
	spec.max_procs = s->cfg.max_procs;
	st->handle = stage_start(s->base, &spec, &sched_stage_cbs, st);
	free(script);
	sched_strv_free(env);
	if (st->handle == NULL) {
		sched_complete(st, LH_SCHED_FAILED, NULL,
		    "out of memory starting the stage");
		return -1;
	}
	return 0;
}

/* Gate checks; returns 0 to go on, -1 when the stage was settled. */
static int
sched_gate(struct lh_sched_stage *st)
{
	const struct lh_pl_stage *d = st->def;
	const char *branch = st->sched->run[LH_RUN_BRANCH];
	char msg[320];
	size_t i;

	if (!d->gate)
		return 0;
	if (d->allowed_branches.n > 0) {
		for (i = 0; branch != NULL && i < d->allowed_branches.n; i++)
			if (fnmatch(d->allowed_branches.v[i], branch, 0) == 0)
				break;
		if (branch == NULL || i == d->allowed_branches.n) {
			snprintf(msg, sizeof(msg), "gate: branch '%s' is not in "
			    "allowed_branches", branch != NULL ? branch : "");
			sched_skip(st, LH_SCHED_SKIPPED, msg);
			return -1;
		}
	}
	if (d->approval == LH_PL_APPROVAL_REQUIRED &&
	    !st->sched->cfg.auto_approve) {
		sched_complete(st, LH_SCHED_FAILED, NULL, "gate: approval "
		    "required, and this runner cannot ask for approvals");
		return -1;
	}
	return 0;
}

static void
sched_begin(struct lh_sched_stage *st)
{
	struct lh_sched *s = st->sched;
	struct lh_expr_stage_state *states;
	struct lh_expr_inputs in;
	struct lh_sched_event ev;
	char err[256], msg[320];
	int truth = 0;

	if (st->def->condition_expr != NULL) {
		if ((states = calloc(s->pl->nstages + 1,
		    sizeof(*states))) == NULL) {
			sched_complete(st, LH_SCHED_FAILED, NULL,
			    "out of memory");
			return;
		}
		sched_inputs(st, &in, states);
		if (pl_expr_eval(st->def->condition_expr, &in, NULL, &truth,
		    err, sizeof(err)) == -1) {
			free(states);
			snprintf(msg, sizeof(msg), "condition: %s", err);
			sched_complete(st, LH_SCHED_FAILED, NULL, msg);
			return;
		}
		free(states);
		if (!truth) {
			snprintf(msg, sizeof(msg), "condition is false: %s",
			    st->def->condition);
			sched_skip(st, LH_SCHED_SKIPPED, msg);
			return;
		}
	}
	if (sched_gate(st) == -1)
		return;
	st->status = LH_SCHED_RUNNING;
	st->holds_slot = 1;
	st->attempt = 1;
	st->started_ms = sched_now_ms();
	s->running++;
	memset(&ev, 0, sizeof(ev));
	ev.type = LH_SCHED_EV_STAGE_STARTED;
	ev.stage = st->def->name;
	ev.status = LH_SCHED_RUNNING;
	ev.attempt = 1;
	sched_emit(s, &ev);
	if (st->def->gate && st->def->approval == LH_PL_APPROVAL_REQUIRED)
		sched_system_log(st, "gate: approval required; approved "
		    "automatically (local run)");
	if (st->def->use != NULL) {
		snprintf(msg, sizeof(msg), "extension '%s' is not available: "
		    "this runner has no extension registry", st->def->use);
		sched_complete(st, LH_SCHED_FAILED, NULL, msg);
		return;
	}
	sched_attempt(st);
}

/* Why a pending stage cannot run, or NULL when all deps succeeded; *ready
 * is 0 while a dep is still pending or running. */
static const char *
sched_blocked(struct lh_sched_stage *st, char *buf, size_t len, int *ready)
{
	struct lh_sched *s = st->sched;
	const struct lh_sched_stage *dep;
	size_t i;

	*ready = 1;
	for (i = 0; i < st->def->ndeps; i++) {
		dep = &s->st[st->def->deps[i]];
		switch (dep->status) {
		case LH_SCHED_SUCCESS:
			break;
		case LH_SCHED_FAILED:
		case LH_SCHED_SKIPPED:
		case LH_SCHED_CANCELLED:
			snprintf(buf, len, "dependency '%s' %s", dep->def->name,
			    dep->status == LH_SCHED_FAILED ? "failed" :
			    dep->status == LH_SCHED_SKIPPED ? "was skipped" :
			    "was cancelled");
			return buf;
		default:
			*ready = 0;
			break;
		}
	}
	return NULL;
}

static void
sched_finish(struct lh_sched *s)
{
	struct lh_sched_event ev;
	size_t i;

	memset(&ev, 0, sizeof(ev));
	ev.type = LH_SCHED_EV_PIPELINE_COMPLETED;
	for (i = 0; i < s->pl->nstages; i++) {
		switch (s->st[i].status) {
		case LH_SCHED_SUCCESS:
			ev.nsucceeded++;
			break;
		case LH_SCHED_FAILED:
			ev.nfailed++;
			break;
		case LH_SCHED_SKIPPED:
			ev.nskipped++;
			break;
		default:
			ev.ncancelled++;
			break;
		}
	}
	s->result = s->cancelled ? LH_SCHED_CANCELLED : ev.nfailed > 0 ?
	    LH_SCHED_FAILED : LH_SCHED_SUCCESS;
	s->finished = 1;
	ev.status = s->result;
	ev.duration_ms = (uint64_t)(sched_now_ms() - s->started_ms);
	sched_emit(s, &ev);
}

static void
sched_pump(struct lh_sched *s)
{
	struct lh_sched_stage *st;
	const char *why;
	char buf[256];
	size_t k, active = 0;
	int ready;

	if (s->finished)
		return;
	/* plan order puts every stage after its dependencies, so one pass
	 * propagates skips down the whole graph */
	for (k = 0; k < s->pl->nstages; k++) {
		st = &s->st[s->pl->plan->order[k]];
		if (st->status != LH_SCHED_PENDING)
			continue;
		if (s->cancelled) {
			sched_skip(st, LH_SCHED_CANCELLED, "run cancelled");
			continue;
		}
		if ((why = sched_blocked(st, buf, sizeof(buf), &ready)) !=
		    NULL) {
			sched_skip(st, LH_SCHED_SKIPPED, why);
			continue;
		}
		if (ready && s->running < s->cfg.slots)
			sched_begin(st);
	}
	for (k = 0; k < s->pl->nstages; k++)
		if (s->st[k].status == LH_SCHED_PENDING ||
		    s->st[k].status == LH_SCHED_RUNNING)
			active++;
	if (active == 0)
		sched_finish(s);
}

struct lh_sched *
sched_new(struct event_base *base, const struct lh_pipeline *pl,
    const struct lh_sched_config *cfg, const struct lh_expr_inputs *in,
    lh_sched_event_cb cb, void *arg)
{
	struct lh_sched *s;
	size_t i;

	if (pl->plan == NULL || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->base = base;
	s->pl = pl;
	s->cfg = *cfg;
	if (s->cfg.slots <= 0)
		s->cfg.slots = 1;
	if (s->cfg.retry_base_ms == 0)
		s->cfg.retry_base_ms = 1000;
	s->cb = cb;
	s->arg = arg;
	s->result = LH_SCHED_RUNNING;
	if ((s->st = calloc(pl->nstages + 1, sizeof(*s->st))) == NULL ||
	    (s->pump_ev = event_new(base, -1, 0, sched_pump_cb, s)) == NULL)
		goto fail;
	for (i = 0; i < pl->nstages; i++) {
		s->st[i].sched = s;
		s->st[i].def = &pl->stages[i];
	}
	for (i = 0; in != NULL && i < in->nvars; i++)
		if (pl_kvlist_add(&s->vars, in->vars[i].key,
		    in->vars[i].value) == -1)
			goto fail;
	for (i = 0; in != NULL && i < LH_RUN_NFIELDS; i++)
		if (in->run[i] != NULL &&
		    (s->run[i] = strdup(in->run[i])) == NULL)
			goto fail;
	return s;
fail:
	sched_free(s);
	return NULL;
}

int
sched_start(struct lh_sched *s)
{
	s->started_ms = sched_now_ms();
	sched_kick(s);
	return 0;
}

void
sched_cancel(struct lh_sched *s)
{
	struct lh_sched_stage *st;
	size_t i;

	if (s->finished || s->cancelled)
		return;
	s->cancelled = 1;
	for (i = 0; i < s->pl->nstages; i++) {
		st = &s->st[i];
		if (st->status != LH_SCHED_RUNNING)
			continue;
		if (st->handle != NULL)
			stage_cancel(st->handle);
		else if (st->retry_ev != NULL &&
		    evtimer_pending(st->retry_ev, NULL)) {
			evtimer_del(st->retry_ev);
			sched_complete(st, LH_SCHED_CANCELLED, NULL,
			    "cancelled while waiting to retry");
		}
	}
	sched_kick(s);
}

int
sched_finished(const struct lh_sched *s)
{
	return s->finished;
}

enum lh_sched_status
sched_result(const struct lh_sched *s)
{
	return s->result;
}

void
sched_free(struct lh_sched *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; s->st != NULL && i < s->pl->nstages; i++) {
		stage_free(s->st[i].handle);
		if (s->st[i].retry_ev != NULL)
			event_free(s->st[i].retry_ev);
		pl_kvlist_free(&s->st[i].outputs);
		free(s->st[i].tail);
	}
	free(s->st);
	if (s->pump_ev != NULL)
		event_free(s->pump_ev);
	pl_kvlist_free(&s->vars);
	for (i = 0; i < LH_RUN_NFIELDS; i++)
		free(s->run[i]);
	free(s);
}
