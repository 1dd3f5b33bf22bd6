/*
 * check_pipeline_sched.c: tests of the DAG scheduler (src/runner/scheduler.c)
 * in-process on an event_base with real stages: ordering and parallelism,
 * skips, conditions, outputs downstream, retries, timeout, cancel, slots,
 * injection safety, and the JSON shape of events.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "runner/scheduler.h"
#include "tests/lib/testlib.h"

static int auto_approve;

struct rec {
	struct json_object	*events;	/* array */
	struct event_base	*base;
	struct lh_sched		*sched;
	const char		*cancel_on;	/* stage whose start cancels */
	struct event		*cancel_ev;
	uint64_t		 last_seq;
	int			 seq_ok;
};

static void
cancel_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rec *r = arg;

	sched_cancel(r->sched);
}

static void
on_event(const struct lh_sched_event *ev, void *arg)
{
	struct rec *r = arg;
	struct timeval tv = { 0, 200000 };

	if (ev->seq != r->last_seq + 1)
		r->seq_ok = 0;
	r->last_seq = ev->seq;
	json_object_array_add(r->events, sched_event_json(ev));
	if (r->cancel_on != NULL && ev->type == LH_SCHED_EV_STAGE_STARTED &&
	    strcmp(ev->stage, r->cancel_on) == 0)
		evtimer_add(r->cancel_ev, &tv);
	if (ev->type == LH_SCHED_EV_PIPELINE_COMPLETED)
		event_base_loopexit(r->base, NULL);
}

static enum lh_stage_mode
test_mode(void)
{
	const char *m = getenv("LABHIT_TEST_SANDBOX");
	enum lh_stage_mode mode = LH_STAGE_BWRAP;

	if (m != NULL)
		stage_mode_parse(m, &mode);
	return mode;
}

/* Runs yaml to completion; returns the events (caller puts). */
static struct json_object *
run_yaml(const char *yaml, int slots, const char *var_x,
    const char *cancel_on, char **workspace_out)
{
	struct lh_pl_errors errs;
	struct lh_pipeline *pl;
	struct lh_sched_config cfg;
	struct lh_expr_inputs in;
	struct lh_pl_kv var;
	struct rec r;
	char *ws, kx[] = "x", *vx = NULL;

	pl_errors_init(&errs, "t.yaml");
	pl = pl_parse("t.yaml", yaml, strlen(yaml), &errs);
	if (pl == NULL)
		pl_errors_print(&errs, stderr);
	ck_assert_ptr_nonnull(pl);
	pl_errors_free(&errs);
	ws = tl_tempdir();
	ck_assert_ptr_nonnull(ws);
	memset(&cfg, 0, sizeof(cfg));
	cfg.slots = slots;
	cfg.workspace = ws;
	cfg.own_workspace = 1;	/* made for the run, as the server makes its */
	cfg.mode = test_mode();
	cfg.retry_base_ms = 10;
	cfg.kill_grace_ms = 500;
	cfg.auto_approve = auto_approve;
	memset(&in, 0, sizeof(in));
	in.run[LH_RUN_BRANCH] = "main";
	in.run[LH_RUN_ID] = "run-1";
	if (var_x != NULL) {
		vx = strdup(var_x);
		var.key = kx;
		var.value = vx;
		var.interp = NULL;
		in.vars = &var;
		in.nvars = 1;
	}
	memset(&r, 0, sizeof(r));
	r.events = json_object_new_array();
	r.base = event_base_new();
	r.seq_ok = 1;
	r.cancel_on = cancel_on;
	ck_assert_ptr_nonnull(r.base);
	r.cancel_ev = evtimer_new(r.base, cancel_cb, &r);
	r.sched = sched_new(r.base, pl, &cfg, &in, on_event, &r);
	free(vx);
	ck_assert_ptr_nonnull(r.sched);
	ck_assert_int_eq(sched_start(r.sched), 0);
	ck_assert_int_eq(event_base_dispatch(r.base), 0);
	ck_assert_int_eq(sched_finished(r.sched), 1);
	ck_assert_msg(r.seq_ok, "event seq not 1, 2, 3, ...");
	sched_free(r.sched);
	event_free(r.cancel_ev);
	event_base_free(r.base);
	pl_free(pl);
	if (workspace_out != NULL)
		*workspace_out = ws;
	else {
		tl_rmtree(ws);
		free(ws);
	}
	return r.events;
}

/* The first event of a type (and stage, if given), or fails. */
static struct json_object *
find(struct json_object *evs, const char *type, const char *stage)
{
	struct json_object *e, *v;
	size_t i;

	for (i = 0; i < json_object_array_length(evs); i++) {
		e = json_object_array_get_idx(evs, i);
		json_object_object_get_ex(e, "type", &v);
		if (strcmp(json_object_get_string(v), type) != 0)
			continue;
		if (stage != NULL && (!json_object_object_get_ex(e, "stage",
		    &v) || strcmp(json_object_get_string(v), stage) != 0))
			continue;
		return e;
	}
	ck_abort_msg("no %s event for %s in %s", type, stage ? stage : "-",
	    json_object_to_json_string(evs));
	return NULL;
}

static int
has(struct json_object *evs, const char *type, const char *stage)
{
	struct json_object *e, *v;
	size_t i;

	for (i = 0; i < json_object_array_length(evs); i++) {
		e = json_object_array_get_idx(evs, i);
		json_object_object_get_ex(e, "type", &v);
		if (strcmp(json_object_get_string(v), type) != 0)
			continue;
		if (stage == NULL || (json_object_object_get_ex(e, "stage",
		    &v) && strcmp(json_object_get_string(v), stage) == 0))
			return 1;
	}
	return 0;
}

static const char *
str(struct json_object *e, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(e, key, &v))
		return "(missing)";
	return json_object_get_string(v);
}

static int64_t
num(struct json_object *e, const char *key)
{
	struct json_object *v;

	ck_assert_msg(json_object_object_get_ex(e, key, &v), "no %s", key);
	return json_object_get_int64(v);
}

/* Index of the first log line equal to text, or -1. */
static int
log_line(struct json_object *evs, const char *stage, const char *text)
{
	struct json_object *e;
	size_t i;

	for (i = 0; i < json_object_array_length(evs); i++) {
		e = json_object_array_get_idx(evs, i);
		if (strcmp(str(e, "type"), "stage_log") == 0 &&
		    strcmp(str(e, "stage"), stage) == 0 &&
		    strcmp(str(e, "line"), text) == 0)
			return (int)i;
	}
	return -1;
}

#define HEAD "engine: \"1\"\npipeline:\n  name: t\nstages:\n"

START_TEST(test_backoff)
{
	ck_assert_uint_eq(sched_backoff_ms(LH_PL_BACKOFF_FIXED, 1000, 2), 1000);
	ck_assert_uint_eq(sched_backoff_ms(LH_PL_BACKOFF_FIXED, 1000, 9), 1000);
	ck_assert_uint_eq(sched_backoff_ms(LH_PL_BACKOFF_EXPONENTIAL, 1000, 2),
	    1000);
	ck_assert_uint_eq(sched_backoff_ms(LH_PL_BACKOFF_EXPONENTIAL, 1000, 3),
	    2000);
	ck_assert_uint_eq(sched_backoff_ms(LH_PL_BACKOFF_EXPONENTIAL, 1000, 5),
	    8000);
	ck_assert_uint_eq(sched_backoff_ms(LH_PL_BACKOFF_EXPONENTIAL, 100000,
	    10), 300000);
}
END_TEST

START_TEST(test_event_json)
{
	struct lh_sched_event ev;
	struct json_object *o;
	char ts[32];

	memset(&ev, 0, sizeof(ev));
	ev.seq = 7;
	ev.type = LH_SCHED_EV_STAGE_STARTED;
	ev.stage = "build";
	ev.status = LH_SCHED_RUNNING;
	ev.ts_ms = 1773657000000LL + 250;
	o = sched_event_json(&ev);
	ck_assert_str_eq(str(o, "type"), "stage_started");
	ck_assert_str_eq(str(o, "stage"), "build");
	ck_assert_str_eq(str(o, "status"), "Running");
	ck_assert_str_eq(str(o, "timestamp"), "2026-03-16T10:30:00Z");
	ck_assert_int_eq(num(o, "seq"), 7);
	json_object_put(o);
	ev.type = LH_SCHED_EV_PIPELINE_COMPLETED;
	ev.stage = NULL;
	ev.status = LH_SCHED_SUCCESS;
	o = sched_event_json(&ev);
	ck_assert_str_eq(str(o, "type"), "pipeline_completed");
	ck_assert_str_eq(str(o, "status"), "SUCCESS");
	ck_assert_int_eq(json_object_object_get_ex(o, "stage", NULL), 0);
	json_object_put(o);
	ck_assert_str_eq(sched_status_word(LH_SCHED_SKIPPED), "Skipped");
	ck_assert_str_eq(sched_status_word(LH_SCHED_CANCELLED), "Cancelled");
	ck_assert_str_eq(sched_pipeline_word(LH_SCHED_FAILED), "FAILED");
	ck_assert_str_eq(sched_pipeline_word(LH_SCHED_CANCELLED), "CANCELLED");
	sched_format_time(0, ts, sizeof(ts));
	ck_assert_str_eq(ts, "1970-01-01T00:00:00Z");
}
END_TEST

START_TEST(test_diamond_parallel)
{
	struct json_object *evs, *bs, *bc, *cs, *cc, *ds;

	evs = run_yaml(HEAD "  a:\n    run: echo a\n"
	    "  b:\n    after: [a]\n    run: sleep 0.6\n"
	    "  c:\n    after: [a]\n    run: sleep 0.6\n"
	    "  d:\n    after: [b, c]\n    run: echo d\n", 2, NULL, NULL, NULL);
	bs = find(evs, "stage_started", "b");
	cs = find(evs, "stage_started", "c");
	bc = find(evs, "stage_completed", "b");
	cc = find(evs, "stage_completed", "c");
	ds = find(evs, "stage_started", "d");
	/* b and c overlapped; d started after both finished */
	ck_assert_int_lt(num(bs, "timestamp_ms"), num(cc, "timestamp_ms"));
	ck_assert_int_lt(num(cs, "timestamp_ms"), num(bc, "timestamp_ms"));
	ck_assert_int_gt(num(ds, "seq"), num(bc, "seq"));
	ck_assert_int_gt(num(ds, "seq"), num(cc, "seq"));
	ck_assert_int_gt(num(bs, "seq"),
	    num(find(evs, "stage_completed", "a"), "seq"));
	ck_assert_str_eq(str(find(evs, "stage_completed", "d"), "status"),
	    "Success");
	ck_assert_str_eq(str(find(evs, "pipeline_completed", NULL), "status"),
	    "SUCCESS");
	ck_assert_int_ge(log_line(evs, "a", "a"), 0);
	json_object_put(evs);
}
END_TEST

START_TEST(test_slots_serialize)
{
	struct json_object *evs, *bs, *bc, *cs, *cc;

	evs = run_yaml(HEAD "  b:\n    run: sleep 0.3\n"
	    "  c:\n    run: sleep 0.3\n", 1, NULL, NULL, NULL);
	bs = find(evs, "stage_started", "b");
	bc = find(evs, "stage_completed", "b");
	cs = find(evs, "stage_started", "c");
	cc = find(evs, "stage_completed", "c");
	/* one slot: one started only after the other completed */
	ck_assert(num(cs, "seq") > num(bc, "seq") ||
	    num(bs, "seq") > num(cc, "seq"));
	json_object_put(evs);
}
END_TEST

START_TEST(test_failure_skips)
{
	struct json_object *evs, *e;

	evs = run_yaml(HEAD "  a:\n    run: echo boom >&2; exit 3\n"
	    "  b:\n    after: [a]\n    run: echo b\n"
	    "  c:\n    after: [b]\n    run: echo c\n"
	    "  e:\n    run: echo e\n", 2, NULL, NULL, NULL);
	e = find(evs, "stage_completed", "a");
	ck_assert_str_eq(str(e, "status"), "Failed");
	ck_assert_int_eq(num(e, "exit_code"), 3);
	ck_assert_ptr_nonnull(strstr(str(e, "reason"), "code 3"));
	ck_assert_ptr_nonnull(strstr(str(e, "logs"), "boom"));
	e = find(evs, "stage_skipped", "b");
	ck_assert_str_eq(str(e, "status"), "Skipped");
	ck_assert_str_eq(str(e, "reason"), "dependency 'a' failed");
	e = find(evs, "stage_skipped", "c");
	ck_assert_str_eq(str(e, "reason"), "dependency 'b' was skipped");
	ck_assert_int_eq(has(evs, "stage_started", "b"), 0);
	ck_assert_str_eq(str(find(evs, "stage_completed", "e"), "status"),
	    "Success");
	e = find(evs, "pipeline_completed", NULL);
	ck_assert_str_eq(str(e, "status"), "FAILED");
	ck_assert_int_eq(num(e, "failed"), 1);
	ck_assert_int_eq(num(e, "skipped"), 2);
	ck_assert_int_eq(num(e, "succeeded"), 1);
	json_object_put(evs);
}
END_TEST

START_TEST(test_condition)
{
	struct json_object *evs, *e;

	evs = run_yaml(HEAD "  a:\n    run: echo a\n"
	    "    condition: run.branch == 'release'\n"
	    "  b:\n    after: [a]\n    run: echo b\n"
	    "  c:\n    run: echo c\n    condition: ${{ run.branch == 'main' "
	    "}}\n", 2, NULL, NULL, NULL);
	e = find(evs, "stage_skipped", "a");
	ck_assert_str_eq(str(e, "reason"),
	    "condition is false: run.branch == 'release'");
	ck_assert_str_eq(str(find(evs, "stage_skipped", "b"), "reason"),
	    "dependency 'a' was skipped");
	ck_assert_str_eq(str(find(evs, "stage_completed", "c"), "status"),
	    "Success");
	/* skipped by a condition is not a failure */
	ck_assert_str_eq(str(find(evs, "pipeline_completed", NULL), "status"),
	    "SUCCESS");
	json_object_put(evs);
}
END_TEST

START_TEST(test_outputs_downstream)
{
	struct json_object *evs, *e, *outs, *v;

	evs = run_yaml(HEAD "  a:\n    run: |\n"
	    "      echo \"image=reg/app:42\" >> \"$LABHIT_OUTPUT\"\n"
	    "  b:\n    after: [a]\n    run: echo \"got ${{ stage.a.output.image "
	    "}}\"\n  c:\n    after: [b]\n"
	    "    condition: stage.a.output.image == 'reg/app:42'\n"
	    "    run: echo \"${{ stage.a.status }}\"\n", 2, NULL, NULL, NULL);
	e = find(evs, "stage_completed", "a");
	ck_assert(json_object_object_get_ex(e, "outputs", &outs));
	ck_assert(json_object_object_get_ex(outs, "image", &v));
	ck_assert_str_eq(json_object_get_string(v), "reg/app:42");
	ck_assert_int_ge(log_line(evs, "b", "got reg/app:42"), 0);
	ck_assert_int_ge(log_line(evs, "c", "Success"), 0);
	json_object_put(evs);
}
END_TEST

START_TEST(test_retry)
{
	struct json_object *evs, *e;
	char *ws, path[4096], buf[16] = "";
	FILE *fp;
	const char *script = "    run: |\n"
	    "      n=$(cat /workspace/n 2>/dev/null || echo 0)\n"
	    "      n=$((n + 1)); echo $n > /workspace/n\n"
	    "      echo attempt $n\n      [ $n -ge 3 ]\n";
	char yaml[1024];

	snprintf(yaml, sizeof(yaml), HEAD "  a:\n%s    retry:\n"
	    "      max_attempts: 3\n      backoff: exponential\n", script);
	if (test_mode() == LH_STAGE_NONE)
		return;	/* the script names /workspace */
	evs = run_yaml(yaml, 1, NULL, NULL, &ws);
	e = find(evs, "stage_completed", "a");
	ck_assert_str_eq(str(e, "status"), "Success");
	ck_assert_int_eq(num(e, "attempts"), 3);
	ck_assert_int_ge(log_line(evs, "a", "attempt 3"), 0);
	snprintf(path, sizeof(path), "%s/n", ws);
	fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	ck_assert_str_eq(buf, "3\n");
	/* exactly one stage_started for the three attempts */
	ck_assert_int_eq(num(find(evs, "stage_started", "a"), "attempt"), 1);
	json_object_put(evs);
	tl_rmtree(ws);
	free(ws);
	/* two attempts are not enough: Failed after 2 */
	snprintf(yaml, sizeof(yaml), HEAD "  a:\n%s    retry:\n"
	    "      max_attempts: 2\n", script);
	evs = run_yaml(yaml, 1, NULL, NULL, NULL);
	e = find(evs, "stage_completed", "a");
	ck_assert_str_eq(str(e, "status"), "Failed");
	ck_assert_int_eq(num(e, "attempts"), 2);
	ck_assert_int_lt(log_line(evs, "a", "attempt 3"), 0);
	json_object_put(evs);
}
END_TEST

START_TEST(test_timeout)
{
	struct json_object *evs, *e, *res, *v;

	evs = run_yaml(HEAD "  a:\n    run: sleep 30\n    timeout: 1s\n"
	    "  b:\n    after: [a]\n    run: echo b\n", 1, NULL, NULL, NULL);
	e = find(evs, "stage_completed", "a");
	ck_assert_str_eq(str(e, "status"), "Failed");
	ck_assert(json_object_object_get_ex(e, "resources", &res));
	ck_assert(json_object_object_get_ex(res, "timed_out", &v));
	ck_assert_int_eq(json_object_get_boolean(v), 1);
	ck_assert_int_lt(num(e, "duration_ms"), 10000);
	ck_assert_int_ge(num(e, "duration_ms"), 900);
	ck_assert_str_eq(str(find(evs, "stage_skipped", "b"), "status"),
	    "Skipped");
	json_object_put(evs);
}
END_TEST

START_TEST(test_cancel)
{
	struct json_object *evs, *e;

	evs = run_yaml(HEAD "  a:\n    run: sleep 30\n"
	    "  b:\n    after: [a]\n    run: echo b\n", 1, NULL, "a", NULL);
	e = find(evs, "stage_completed", "a");
	ck_assert_str_eq(str(e, "status"), "Cancelled");
	e = find(evs, "stage_skipped", "b");
	ck_assert_str_eq(str(e, "status"), "Cancelled");
	e = find(evs, "pipeline_completed", NULL);
	ck_assert_str_eq(str(e, "status"), "CANCELLED");
	ck_assert_int_lt(num(e, "duration_ms"), 10000);
	json_object_put(evs);
}
END_TEST

START_TEST(test_injection_literal)
{
	struct json_object *evs;
	char *ws, path[4096];
	const char *x = "$(touch /workspace/pwned)`touch /workspace/pwned2`";

	evs = run_yaml(HEAD "  a:\n    run: echo \"${{ var.x }}\"; echo "
	    "${{ var.x }}\n    sandbox:\n      env:\n        X: \"${{ var.x }}"
	    "\"\n", 1, x, NULL, &ws);
	ck_assert_str_eq(str(find(evs, "stage_completed", "a"), "status"),
	    "Success");
	/* printed literally, both quoted and unquoted */
	ck_assert_int_ge(log_line(evs, "a", x), 0);
	snprintf(path, sizeof(path), "%s/pwned", ws);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/pwned2", ws);
	ck_assert_int_eq(access(path, F_OK), -1);
	json_object_put(evs);
	tl_rmtree(ws);
	free(ws);
}
END_TEST

START_TEST(test_stage_errors)
{
	struct json_object *evs, *e;

	evs = run_yaml(HEAD "  a:\n    use: source/git\n"
	    "  b:\n    run: echo ${{ var.nope }}\n"
	    "  c:\n    run: echo c\n    condition: var.nope == 'x'\n",
	    2, NULL, NULL, NULL);
	e = find(evs, "stage_completed", "a");
	ck_assert_str_eq(str(e, "status"), "Failed");
	ck_assert_ptr_nonnull(strstr(str(e, "reason"), "extension "
	    "'source/git' is not available"));
	e = find(evs, "stage_completed", "b");
	ck_assert_str_eq(str(e, "status"), "Failed");
	ck_assert_str_eq(str(e, "reason"),
	    "expression error: variable var.nope is not set");
	e = find(evs, "stage_completed", "c");
	ck_assert_str_eq(str(e, "reason"),
	    "condition: variable var.nope is not set");
	ck_assert_str_eq(str(find(evs, "pipeline_completed", NULL), "status"),
	    "FAILED");
	json_object_put(evs);
}
END_TEST

START_TEST(test_gates)
{
	struct json_object *evs, *e;
	const char *yaml = HEAD "  a:\n    run: echo a\n    gate:\n"
	    "      allowed_branches: [release/*]\n"
	    "  b:\n    run: echo b\n    gate:\n"
	    "      allowed_branches: [dev, ma*]\n"
	    "  c:\n    run: echo c\n    gate:\n      approval: required\n";

	auto_approve = 0;
	evs = run_yaml(yaml, 2, NULL, NULL, NULL);
	e = find(evs, "stage_skipped", "a");
	ck_assert_str_eq(str(e, "reason"),
	    "gate: branch 'main' is not in allowed_branches");
	ck_assert_str_eq(str(find(evs, "stage_completed", "b"), "status"),
	    "Success");
	e = find(evs, "stage_completed", "c");
	ck_assert_str_eq(str(e, "status"), "Failed");
	ck_assert_ptr_nonnull(strstr(str(e, "reason"), "approval required"));
	json_object_put(evs);
	auto_approve = 1;
	evs = run_yaml(yaml, 2, NULL, NULL, NULL);
	ck_assert_str_eq(str(find(evs, "stage_completed", "c"), "status"),
	    "Success");
	json_object_put(evs);
}
END_TEST

static Suite *
sched_suite(void)
{
	Suite *s = suite_create("scheduler");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_event_json);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_diamond_parallel);
	tcase_add_test(tc, test_slots_serialize);
	tcase_add_test(tc, test_failure_skips);
	tcase_add_test(tc, test_condition);
	tcase_add_test(tc, test_outputs_downstream);
	tcase_add_test(tc, test_retry);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_injection_literal);
	tcase_add_test(tc, test_stage_errors);
	tcase_add_test(tc, test_gates);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sched_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
