/*
 * check_pipeline.c: unit tests of the pipeline parser and validator: every
 * schema rule (positive and negative), engine checks (after, cycles,
 * expression references), positions, YAML hazards and golden error files.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "shared/pipeline/dag.h"
#include "shared/pipeline/pipeline.h"
#include "tests/lib/testlib.h"

#define HEAD "engine: \"1\"\npipeline:\n  name: demo\n"

/* Parses yaml; returns NULL when valid, else every error as
 * "LINE:COL: msg\n" lines (caller frees). */
static char *
errors_of(const char *yaml)
{
	struct lh_pl_errors errs;
	struct lh_pipeline *pl;
	char *out = NULL, *next;
	size_t i;

	pl_errors_init(&errs, "t.yaml");
	pl = pl_parse("t.yaml", yaml, strlen(yaml), &errs);
	if (pl != NULL) {
		ck_assert_uint_eq(errs.n, 0);
		pl_free(pl);
		pl_errors_free(&errs);
		return NULL;
	}
	ck_assert_uint_gt(errs.n, 0);
	out = strdup("");
	for (i = 0; i < errs.n; i++) {
		ck_assert_int_ne(asprintf(&next, "%s%u:%u: %s\n", out,
		    errs.v[i].mark.line, errs.v[i].mark.col, errs.v[i].msg), -1);
		free(out);
		out = next;
	}
	pl_errors_free(&errs);
	return out;
}

static void
expect_ok(const char *yaml)
{
	char *e = errors_of(yaml);

	if (e != NULL)
		ck_abort_msg("expected valid, got:\n%s", e);
}

/* Expects an error containing want (which may start with "L:C: "). */
static void
expect_err(const char *yaml, const char *want)
{
	char *e = errors_of(yaml);

	if (e == NULL)
		ck_abort_msg("expected an error containing '%s', got valid",
		    want);
	if (strstr(e, want) == NULL) {
		ck_abort_msg("expected '%s' in:\n%s", want, e);
	}
	free(e);
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static struct lh_pipeline *
parse_ok(const char *yaml)
{
	struct lh_pl_errors errs;
	struct lh_pipeline *pl;

	pl_errors_init(&errs, "t.yaml");
	pl = pl_parse("t.yaml", yaml, strlen(yaml), &errs);
	if (pl == NULL) {
		pl_errors_print(&errs, stderr);
		ck_abort_msg("expected a valid pipeline");
	}
	pl_errors_free(&errs);
	return pl;
}

START_TEST(test_minimal)
{
	struct lh_pipeline *pl = parse_ok(HEAD "stages:\n  build:\n"
	    "    run: make\n");

	ck_assert_str_eq(pl->name, "demo");
	ck_assert_uint_eq(pl->nstages, 1);
	ck_assert_str_eq(pl->stages[0].run, "make");
	ck_assert_ptr_null(pl->stages[0].use);
	ck_assert_int_eq(pl->stages[0].max_attempts, 1);
	ck_assert_uint_eq(pl->stages[0].timeout_ms, 0);
	ck_assert_ptr_nonnull(pl->plan);
	ck_assert_uint_eq(pl->plan->nlevels, 1);
	pl_free(pl);
}
END_TEST

START_TEST(test_published_example)
{
	struct lh_pl_errors errs;
	struct lh_pipeline *pl;
	ssize_t deploy;

	pl_errors_init(&errs, "example");
	pl = pl_load_file(tl_srcpath("tests/data/pipeline/example.yaml"),
	    &errs);
	if (pl == NULL)
		pl_errors_print(&errs, stderr);
	ck_assert_ptr_nonnull(pl);
	ck_assert_uint_eq(pl->nstages, 6);
	ck_assert_uint_eq(pl->plan->nedges, 7);
	ck_assert_uint_eq(pl->plan->nlevels, 5);
	deploy = pl_stage_index(pl, "deploy");
	ck_assert_int_ge(deploy, 0);
	ck_assert_uint_eq(pl->plan->level[deploy], 4);
	ck_assert_int_eq(pl->stages[deploy].approval, LH_PL_APPROVAL_REQUIRED);
	ck_assert_str_eq(pl->stages[deploy].policy, "production-deploy");
	ck_assert_int_eq(pl->triggers.push, 1);
	ck_assert_int_eq(pl->triggers.manual, 1);
	ck_assert_uint_eq(pl->triggers.push_branches.n, 2);
	ck_assert_str_eq(pl->triggers.push_branches.v[1], "release/*");
	ck_assert_uint_eq(pl->stages[pl_stage_index(pl, "test")].memory_bytes,
	    4ULL << 30);
	ck_assert_int_eq(pl->stages[pl_stage_index(pl, "test")].cpu, 2);
	pl_free(pl);
	pl_errors_free(&errs);
}
END_TEST

START_TEST(test_engine)
{
	expect_err("pipeline:\n  name: x\nstages:\n  a:\n    run: x\n",
	    "1:1: missing required key 'engine'");
	expect_err("engine: 1\npipeline:\n  name: x\nstages:\n  a:\n"
	    "    run: x\n", "1:9: engine must be the string \"1\"");
	expect_err("engine: \"2\"\npipeline:\n  name: x\nstages:\n  a:\n"
	    "    run: x\n", "unsupported engine '2'");
	expect_ok("engine: '1'\npipeline:\n  name: x\nstages:\n  a:\n"
	    "    run: x\n");
	expect_ok("engine: !!str 1\npipeline:\n  name: x\nstages:\n  a:\n"
	    "    run: x\n");
}
END_TEST

START_TEST(test_top_level)
{
	expect_err(HEAD "stages:\n  a:\n    run: x\nfoo: 1\n",
	    "7:1: unknown key 'foo' in the pipeline file");
	expect_err(HEAD, "missing required key 'stages'");
	expect_err("engine: \"1\"\nstages:\n  a:\n    run: x\n",
	    "missing required key 'pipeline'");
	expect_err(HEAD "stages: {}\n", "at least one stage");
	expect_err(HEAD "stages: [a]\n", "'stages' must be a map, not a list");
	expect_err("- a\n- b\n", "1:1: a pipeline file must be a map");
}
END_TEST

START_TEST(test_pipeline_name)
{
	expect_ok("engine: \"1\"\npipeline:\n  name: a-1\n  description: d\n"
	    "stages:\n  a:\n    run: x\n");
	expect_err("engine: \"1\"\npipeline:\n  name: Demo\nstages:\n  a:\n"
	    "    run: x\n", "3:9: pipeline name 'Demo' must match");
	expect_err("engine: \"1\"\npipeline:\n  name: a_b\nstages:\n  a:\n"
	    "    run: x\n", "pipeline name 'a_b' must match");
	expect_err("engine: \"1\"\npipeline:\n  name: -a\nstages:\n  a:\n"
	    "    run: x\n", "pipeline name '-a' must match");
	expect_err("engine: \"1\"\npipeline:\n  description: x\nstages:\n"
	    "  a:\n    run: x\n", "missing required key 'name' in 'pipeline'");
	expect_err("engine: \"1\"\npipeline:\n  name: a\n  owner: me\n"
	    "stages:\n  a:\n    run: x\n", "4:3: unknown key 'owner'");
	ck_assert_int_eq(pl_valid_pipeline_name("a0-b"), 1);
	ck_assert_int_eq(pl_valid_pipeline_name(""), 0);
	ck_assert_int_eq(pl_valid_pipeline_name(
	    "a123456789012345678901234567890123456789012345678901234567890123"),
	    0);
}
END_TEST

START_TEST(test_stage_name)
{
	expect_ok(HEAD "stages:\n  build_2-x:\n    run: x\n  0a:\n"
	    "    run: x\n");
	expect_err(HEAD "stages:\n  Build:\n    run: x\n",
	    "5:3: stage name 'Build' must match");
	expect_err(HEAD "stages:\n  _a:\n    run: x\n",
	    "stage name '_a' must match");
	expect_err(HEAD "stages:\n  a.b:\n    run: x\n",
	    "stage name 'a.b' must match");
	expect_err(HEAD "stages:\n  a:\n", "stage 'a' must be a map, not null");
	ck_assert_int_eq(pl_valid_stage_name("a_b-c"), 1);
	ck_assert_int_eq(pl_valid_stage_name("a b"), 0);
}
END_TEST

START_TEST(test_run_use)
{
	expect_err(HEAD "stages:\n  a:\n    run: x\n    use: build/x\n",
	    "5:3: stage 'a': 'run' and 'use' are mutually exclusive");
	expect_err(HEAD "stages:\n  a:\n    after: []\n",
	    "5:3: stage 'a': one of 'run' or 'use' is required");
	expect_err(HEAD "stages:\n  a:\n    run: \"  \"\n", "'run' is empty");
	expect_err(HEAD "stages:\n  a:\n    run: [x]\n",
	    "run must be a string, not a list");
	expect_ok(HEAD "stages:\n  a:\n    use: source/git\n");
	expect_ok(HEAD "stages:\n  a:\n    use: deploy/k8s-apply@1.2.0\n");
	expect_err(HEAD "stages:\n  a:\n    use: Source/git\n",
	    "6:10: stage 'a': 'use' value 'Source/git' must be");
	expect_err(HEAD "stages:\n  a:\n    use: git\n", "'use' value 'git'");
	expect_err(HEAD "stages:\n  a:\n    use: a/9x\n", "'use' value 'a/9x'");
	expect_err(HEAD "stages:\n  a:\n    use: a/x@\n", "'use' value 'a/x@'");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    image: y\n",
	    "7:5: unknown key 'image' in a stage");
}
END_TEST

START_TEST(test_timeout)
{
	struct lh_pipeline *pl = parse_ok(HEAD "stages:\n  a:\n    run: x\n"
	    "    timeout: 10m\n  b:\n    run: x\n    timeout: 2h\n"
	    "  c:\n    run: x\n    timeout: 45s\n");

	ck_assert_uint_eq(pl->stages[0].timeout_ms, 600000);
	ck_assert_uint_eq(pl->stages[1].timeout_ms, 7200000);
	ck_assert_uint_eq(pl->stages[2].timeout_ms, 45000);
	pl_free(pl);
	expect_err(HEAD "stages:\n  a:\n    run: x\n    timeout: 10\n",
	    "7:14: timeout must be a string, not an integer");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    timeout: 10x\n",
	    "timeout '10x' must match");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    timeout: 0s\n",
	    "timeout '0s' must match");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    timeout: 10 m\n",
	    "timeout '10 m' must match");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    timeout: 999999h\n",
	    "timeout '999999h' must match");
}
END_TEST

START_TEST(test_sandbox)
{
	struct lh_pipeline *pl = parse_ok(HEAD "stages:\n  a:\n    run: x\n"
	    "    sandbox:\n      image: debian:12\n      resources:\n"
	    "        cpu: 2\n        memory: 512Mi\n      env:\n"
	    "        DEBUG: \"1\"\n        _X: ok\n");

	ck_assert_str_eq(pl->stages[0].image, "debian:12");
	ck_assert_int_eq(pl->stages[0].cpu, 2);
	ck_assert_uint_eq(pl->stages[0].memory_bytes, 512ULL << 20);
	ck_assert_uint_eq(pl->stages[0].env.n, 2);
	ck_assert_str_eq(pl->stages[0].env.v[0].key, "DEBUG");
	ck_assert_str_eq(pl->stages[0].env.v[0].value, "1");
	pl_free(pl);
	expect_err(HEAD "stages:\n  a:\n    run: x\n    sandbox:\n"
	    "      resources:\n        cpu: 0\n", "resources.cpu must be between");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    sandbox:\n"
	    "      resources:\n        cpu: \"2\"\n",
	    "resources.cpu must be an integer >= 1, not a string");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    sandbox:\n"
	    "      resources:\n        memory: 512MB\n",
	    "resources.memory '512MB' must match");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    sandbox:\n"
	    "      resources:\n        memory: 0Gi\n",
	    "resources.memory '0Gi' must match");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    sandbox:\n"
	    "      resources:\n        disk: 1\n",
	    "unknown key 'disk' in sandbox.resources");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    sandbox:\n"
	    "      env:\n        DEBUG: 1\n",
	    "sandbox.env value must be a string, not an integer");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    sandbox:\n"
	    "      env:\n        1X: a\n", "environment variable name '1X'");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    sandbox:\n"
	    "      env:\n        LABHIT_OUTPUT: a\n", "reserved");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    sandbox:\n"
	    "      image: ../../etc\n", "bad sandbox.image");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    sandbox:\n"
	    "      network: true\n", "unknown key 'network' in sandbox");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    sandbox: yes\n",
	    "sandbox must be a map, not a string");
}
END_TEST

START_TEST(test_retry_gate)
{
	struct lh_pipeline *pl = parse_ok(HEAD "stages:\n  a:\n    run: x\n"
	    "    retry:\n      max_attempts: 10\n      backoff: exponential\n"
	    "    gate:\n      approval: optional\n      allowed_branches: "
	    "[main]\n  b:\n    run: x\n    retry:\n      backoff: fixed\n");

	ck_assert_int_eq(pl->stages[0].max_attempts, 10);
	ck_assert_int_eq(pl->stages[0].backoff, LH_PL_BACKOFF_EXPONENTIAL);
	ck_assert_int_eq(pl->stages[0].approval, LH_PL_APPROVAL_OPTIONAL);
	ck_assert_uint_eq(pl->stages[0].allowed_branches.n, 1);
	ck_assert_int_eq(pl->stages[1].max_attempts, 3);
	ck_assert_int_eq(pl->stages[1].backoff, LH_PL_BACKOFF_FIXED);
	pl_free(pl);
	expect_err(HEAD "stages:\n  a:\n    run: x\n    retry:\n"
	    "      max_attempts: 0\n", "max_attempts must be from 1 to 10");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    retry:\n"
	    "      max_attempts: 11\n", "max_attempts must be from 1 to 10");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    retry:\n"
	    "      max_attempts: two\n", "max_attempts must be an integer");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    retry:\n"
	    "      backoff: linear\n", "retry.backoff must be 'fixed' or");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    retry:\n"
	    "      delay: 1s\n", "unknown key 'delay' in retry");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    gate:\n"
	    "      approval: maybe\n", "gate.approval must be 'required' or");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    gate:\n"
	    "      allowed_branches: main\n",
	    "gate.allowed_branches must be a list of strings");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    gate:\n"
	    "      owner: me\n", "unknown key 'owner' in gate");
}
END_TEST

START_TEST(test_triggers)
{
	struct lh_pipeline *pl = parse_ok(HEAD "triggers:\n  push:\n"
	    "    branches: [main]\n    tags: ['v*']\n    paths: [src/**]\n"
	    "  pull_request:\n    actions: [opened, closed]\n"
	    "  schedule:\n    cron: '*/15 2-4 1,15 JAN-jun mon-fri'\n"
	    "    timezone: Europe/Paris\n  manual:\n    inputs:\n"
	    "      env:\n        type: choice\n        options: [dev, prod]\n"
	    "        default: dev\n      dry:\n        type: boolean\n"
	    "        default: \"false\"\n  webhook:\n    secret_name: gh\n"
	    "    filter: payload.ref == 'refs/heads/main'\n"
	    "stages:\n  a:\n    run: x\n");

	ck_assert_int_eq(pl->triggers.pull_request, 1);
	ck_assert_uint_eq(pl->triggers.pr_actions.n, 2);
	ck_assert_str_eq(pl->triggers.timezone, "Europe/Paris");
	ck_assert_uint_eq(pl->triggers.ninputs, 2);
	ck_assert_int_eq(pl->triggers.inputs[0].type, LH_PL_INPUT_CHOICE);
	ck_assert_ptr_nonnull(pl->triggers.webhook_filter_expr);
	pl_free(pl);
	expect_ok(HEAD "triggers:\n  manual: {}\n  schedule:\n"
	    "    cron: '@daily'\nstages:\n  a:\n    run: x\n");
	expect_err(HEAD "triggers:\n  manual:\nstages:\n  a:\n    run: x\n",
	    "triggers.manual (write 'manual: {}') must be a map, not null");
	expect_err(HEAD "triggers:\n  push:\n    branches: main\n"
	    "stages:\n  a:\n    run: x\n",
	    "6:15: push.branches must be a list of strings, not a string");
	expect_err(HEAD "triggers:\n  push:\n    branch: [main]\n"
	    "stages:\n  a:\n    run: x\n", "unknown key 'branch' in triggers.push");
	expect_err(HEAD "triggers:\n  pull_request:\n    actions: [opened, "
	    "merged]\nstages:\n  a:\n    run: x\n",
	    "6:23: unknown pull_request action 'merged'");
	expect_err(HEAD "triggers:\n  schedule:\n    cron: '61 * * * *'\n"
	    "stages:\n  a:\n    run: x\n", "bad minute field '61'");
	expect_err(HEAD "triggers:\n  schedule:\n    cron: '* * *'\n"
	    "stages:\n  a:\n    run: x\n", "expected 5 fields");
	expect_err(HEAD "triggers:\n  schedule:\n    cron: '* * * * * *'\n"
	    "stages:\n  a:\n    run: x\n", "more than 5 fields");
	expect_err(HEAD "triggers:\n  schedule:\n    cron: '*/0 * * * *'\n"
	    "stages:\n  a:\n    run: x\n", "bad minute field");
	expect_err(HEAD "triggers:\n  schedule:\n    cron: '0 0 * 13 *'\n"
	    "stages:\n  a:\n    run: x\n", "bad month field");
	expect_err(HEAD "triggers:\n  schedule:\n    cron: '0 0 * * *'\n"
	    "    timezone: ../etc/x\nstages:\n  a:\n    run: x\n",
	    "bad timezone");
	expect_err(HEAD "triggers:\n  manual:\n    inputs:\n      e:\n"
	    "        type: list\nstages:\n  a:\n    run: x\n",
	    "type must be string, boolean or choice");
	expect_err(HEAD "triggers:\n  manual:\n    inputs:\n      e:\n"
	    "        type: choice\n        options: [a]\n        default: b\n"
	    "stages:\n  a:\n    run: x\n", "default 'b' is not one of its");
	expect_err(HEAD "triggers:\n  manual:\n    inputs:\n      e:\n"
	    "        type: choice\nstages:\n  a:\n    run: x\n",
	    "needs 'options'");
	expect_err(HEAD "triggers:\n  manual:\n    inputs:\n      e:\n"
	    "        type: boolean\n        default: true\n"
	    "stages:\n  a:\n    run: x\n", "input default must be a string");
	expect_err(HEAD "triggers:\n  webhook:\n    filter: payload.ref ==\n"
	    "stages:\n  a:\n    run: x\n", "bad webhook filter");
	expect_err(HEAD "triggers:\n  webhook:\n    filter: stage.a.status\n"
	    "stages:\n  a:\n    run: x\n", "webhook filter may only refer");
	expect_err(HEAD "triggers:\n  cron: x\nstages:\n  a:\n    run: x\n",
	    "5:3: unknown key 'cron' in 'triggers'");
}
END_TEST

START_TEST(test_after_and_cycles)
{
	char *e;

	expect_ok(HEAD "stages:\n  a:\n    run: x\n  b:\n    after: [a]\n"
	    "    run: x\n");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    after: [zz]\n",
	    "7:13: stage 'a': unknown stage 'zz' in 'after'");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    after: [a]\n",
	    "stage 'a' cannot wait for itself");
	expect_err(HEAD "stages:\n  a:\n    run: x\n  b:\n    run: x\n"
	    "    after: [a, a]\n", "'a' is listed twice in 'after'");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    after: [b]\n"
	    "  b:\n    run: x\n    after: [a]\n",
	    "5:3: dependency cycle: a -> b -> a");
	expect_err(HEAD "stages:\n  x:\n    run: x\n  c:\n    run: x\n"
	    "    after: [a]\n  a:\n    run: x\n    after: [b]\n"
	    "  b:\n    run: x\n    after: [c]\n",
	    "dependency cycle: c -> a -> b -> c");
	/* two independent cycles: both named */
	e = errors_of(HEAD "stages:\n  a:\n    run: x\n    after: [b]\n"
	    "  b:\n    run: x\n    after: [a]\n  c:\n    run: x\n"
	    "    after: [d]\n  d:\n    run: x\n    after: [c]\n");
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(e, "a -> b -> a"));
	ck_assert_ptr_nonnull(strstr(e, "c -> d -> c"));
	free(e);
}
END_TEST

START_TEST(test_expression_refs)
{
	expect_ok(HEAD "stages:\n  a:\n    run: echo hi\n  b:\n"
	    "    after: [a]\n    run: x\n  c:\n    after: [b]\n"
	    "    run: echo ${{ stage.a.output.k }} ${{ var.v }} "
	    "${{ run.sha_short }}\n    condition: stage.a.status == 'Success'\n");
	expect_err(HEAD "stages:\n  a:\n    run: x\n  b:\n    run: echo "
	    "${{ stage.a.output.k }}\n",
	    "8:19: stage 'b': stage.a.output refers to a stage that is not "
	    "an ancestor");
	expect_err(HEAD "stages:\n  a:\n    run: echo ${{ stage.zz.output.k "
	    "}}\n", "6:19: stage 'a': expression refers to unknown stage 'zz'");
	expect_err(HEAD "stages:\n  a:\n    run: echo ${{ stage.a.output.k }}"
	    "\n", "cannot refer to the stage's own output");
	expect_err(HEAD "stages:\n  a:\n    run: echo ${{ run.foo }}\n",
	    "6:19: stage 'a': bad expression: unknown field 'run.foo'");
	expect_err(HEAD "stages:\n  a:\n    run: echo ${{ var.x == }}\n",
	    "6:28: stage 'a': bad expression: unexpected end of expression");
	expect_err(HEAD "stages:\n  a:\n    run: echo ${{ var.x\n",
	    "6:15: stage 'a': bad expression: unterminated '${{'");
	expect_err(HEAD "stages:\n  a:\n    run: echo ${{ payload.x }}\n",
	    "only available in triggers.webhook.filter");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    sandbox:\n      env:\n"
	    "        A: ${{ secrets.x }}\n", "unknown name 'secrets'");
	expect_err(HEAD "stages:\n  a:\n    use: b/c\n    with:\n"
	    "      x: [\"${{ stage.q.output.z }}\"]\n", "unknown stage 'q'");
	/* block scalar: the position points into the script's own line */
	expect_err(HEAD "stages:\n  a:\n    run: |\n      echo one\n"
	    "      echo ${{ var.x = 1 }}\n", "8:22: stage 'a': bad expression: unexpected "
	    "'='");
}
END_TEST

START_TEST(test_condition)
{
	struct lh_pipeline *pl = parse_ok(HEAD "stages:\n  a:\n    run: x\n"
	    "    condition: run.branch == 'main'\n  b:\n    run: x\n"
	    "    condition: ${{ startsWith(run.ref, 'refs/tags/') }}\n");

	ck_assert_ptr_nonnull(pl->stages[0].condition_expr);
	ck_assert_ptr_nonnull(pl->stages[1].condition_expr);
	pl_free(pl);
	expect_err(HEAD "stages:\n  a:\n    run: x\n    condition: run.branch"
	    " = 'main'\n", "7:27: stage 'a': bad condition: unexpected '='");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    condition: "
	    "\"${{ a }} == ${{ b }}\"\n", "a condition is one expression");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    condition: true\n",
	    "condition must be a string, not a boolean");
	expect_err(HEAD "stages:\n  a:\n    run: x\n    condition: "
	    "foo(1, 2)\n", "unknown function 'foo'");
	expect_err(HEAD "stages:\n  b:\n    run: x\n  a:\n    run: x\n"
	    "    condition: stage.b.status == 'Success'\n",
	    "stage.b.status refers to a stage that is not an ancestor");
}
END_TEST

START_TEST(test_all_errors_reported)
{
	char *e = errors_of("engine: \"2\"\npipeline:\n  name: Bad\n"
	    "stages:\n  a:\n    run: x\n    timeout: 5d\n    bogus: 1\n"
	    "  b:\n    after: [nope]\n");

	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(count_lines(e), 6);
	ck_assert_ptr_nonnull(strstr(e, "1:9: unsupported engine"));
	ck_assert_ptr_nonnull(strstr(e, "3:9: pipeline name"));
	ck_assert_ptr_nonnull(strstr(e, "7:14: stage 'a': timeout '5d'"));
	ck_assert_ptr_nonnull(strstr(e, "8:5: unknown key 'bogus'"));
	ck_assert_ptr_nonnull(strstr(e, "9:3: stage 'b': one of"));
	ck_assert_ptr_nonnull(strstr(e, "10:13: stage 'b': unknown stage "
	    "'nope'"));
	free(e);
}
END_TEST

START_TEST(test_yaml_hazards)
{
	char *big, *deep, *e;
	size_t i, n;

	expect_err(HEAD "stages:\n  a:\n    run: [x\n", "YAML syntax error");
	expect_err(HEAD "stages:\n  a:\n    run: x\n  a:\n    run: y\n",
	    "7:3: duplicate key 'a' (first at line 5)");
	/* a duplicate does not hide the other errors */
	e = errors_of(HEAD "stages:\n  a:\n    run: x\n    run: y\n"
	    "    run: z\n    timeout: 5\n");
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(e, "7:5: duplicate key 'run' (first at "
	    "line 6)"));
	ck_assert_ptr_nonnull(strstr(e, "8:5: duplicate key 'run' (first at "
	    "line 6)"));
	ck_assert_ptr_nonnull(strstr(e, "9:14: timeout must be a string"));
	ck_assert_uint_eq(count_lines(e), 3);
	free(e);
	expect_err(HEAD "stages:\n  a:\n    run: x\n---\nengine: \"1\"\n",
	    "7:1: multiple YAML documents");
	expect_err("", "1:1: empty file");
	expect_err(HEAD "stages:\n  a:\n    run: *nope\n",
	    "unknown YAML anchor 'nope'");
	expect_err(HEAD "stages:\n  a:\n    run: !shell x\n",
	    "unsupported YAML tag '!shell'");
	expect_err(HEAD "stages:\n  a: &s\n    run: x\n  b:\n    <<: *s\n",
	    "YAML merge keys ('<<') are not supported");
	expect_ok(HEAD "stages:\n  a:\n    run: x\n    sandbox:\n      env: &e\n"
	    "        A: \"1\"\n  b:\n    run: x\n    sandbox:\n      env: *e\n");
	/* too large */
	n = LH_PL_MAX_FILE_SIZE + 10;
	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', n);
	big[n] = '\0';
	expect_err(big, "1:1: file too large");
	free(big);
	/* too deep */
	deep = malloc(2 * 200 + 64);
	ck_assert_ptr_nonnull(deep);
	strcpy(deep, HEAD "stages: ");
	n = strlen(deep);
	for (i = 0; i < 200; i++)
		deep[n++] = '[';
	for (i = 0; i < 200; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	expect_err(deep, "nested too deeply");
	free(deep);
	/* billion laughs */
	expect_err("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
	    "document too large");
	/* a NUL byte */
	{
		struct lh_pl_errors errs;
		const char buf[] = "engine: \"1\"\0x";

		pl_errors_init(&errs, "nul");
		ck_assert_ptr_null(pl_parse("nul", buf, sizeof(buf) - 1,
		    &errs));
		ck_assert_uint_eq(errs.n, 1);
		ck_assert_ptr_nonnull(strstr(errs.v[0].msg, "NUL"));
		pl_errors_free(&errs);
	}
}
END_TEST

START_TEST(test_load_file_errors)
{
	struct lh_pl_errors errs;
	char *dir, path[4096];
	int fd;

	pl_errors_init(&errs, "/nonexistent/x.yaml");
	ck_assert_ptr_null(pl_load_file("/nonexistent/x.yaml", &errs));
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_ptr_nonnull(strstr(errs.v[0].msg, "cannot open"));
	pl_errors_free(&errs);
	pl_errors_init(&errs, "/tmp");
	ck_assert_ptr_null(pl_load_file("/tmp", &errs));
	ck_assert_ptr_nonnull(strstr(errs.v[0].msg, "not a regular file"));
	pl_errors_free(&errs);
	/* a 10 MB file is refused before it is read */
	dir = tl_tempdir();
	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(ftruncate(fd, 10 * 1024 * 1024), 0);
	close(fd);
	pl_errors_init(&errs, path);
	ck_assert_ptr_null(pl_load_file(path, &errs));
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.v[0].msg, "file too large (10485760 bytes, "
	    "limit 1048576)");
	pl_errors_free(&errs);
	tl_rmtree(dir);
	free(dir);
}
END_TEST

/* Compares `file:line:col: message` output with a golden file. */
static void
golden(const char *name)
{
	struct lh_pl_errors errs;
	struct lh_pipeline *pl;
	char in[256], want_path[256], *got, *want;
	size_t gotlen, wantlen;
	FILE *fp;

	snprintf(in, sizeof(in), "tests/data/pipeline/%s.yaml", name);
	snprintf(want_path, sizeof(want_path), "%s",
	    tl_srcpath("tests/data/pipeline/"));
	strncat(want_path, name, sizeof(want_path) - strlen(want_path) - 8);
	strcat(want_path, ".err");
	pl_errors_init(&errs, in);
	pl = pl_load_file(tl_srcpath(in), &errs);
	ck_assert_ptr_null(pl);
	free(errs.file);
	errs.file = strdup(in);	/* golden files name the relative path */
	fp = open_memstream(&got, &gotlen);
	ck_assert_ptr_nonnull(fp);
	pl_errors_print(&errs, fp);
	fclose(fp);
	pl_errors_free(&errs);
	fp = fopen(want_path, "r");
	ck_assert_msg(fp != NULL, "missing golden file %s", want_path);
	want = calloc(1, 65536);
	wantlen = fread(want, 1, 65535, fp);
	fclose(fp);
	(void)wantlen;
	if (strcmp(got, want) != 0)
		ck_abort_msg("golden %s differs:\n--- got\n%s--- want\n%s",
		    name, got, want);
	free(got);
	free(want);
}

START_TEST(test_golden)
{
	golden("bad_schema");
	golden("bad_graph");
	golden("bad_yaml");
}
END_TEST

START_TEST(test_json)
{
	struct lh_pipeline *pl = parse_ok(HEAD "stages:\n  a:\n    run: x\n"
	    "  b:\n    after: [a]\n    use: build/x\n    with:\n      n: 3\n"
	    "      l: [x, true]\n");
	struct json_object *o, *stages, *b, *with, *plan, *v;

	o = pl_to_json(pl);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "stages", &stages));
	ck_assert_uint_eq(json_object_array_length(stages), 2);
	b = json_object_array_get_idx(stages, 1);
	ck_assert(json_object_object_get_ex(b, "with", &with));
	ck_assert(json_object_object_get_ex(with, "n", &v));
	ck_assert_int_eq(json_object_get_int(v), 3);
	ck_assert(json_object_object_get_ex(b, "level", &v));
	ck_assert_int_eq(json_object_get_int(v), 1);
	ck_assert(json_object_object_get_ex(o, "plan", &plan));
	ck_assert(json_object_object_get_ex(plan, "edges", &v));
	ck_assert_int_eq(json_object_get_int(v), 1);
	json_object_put(o);
	pl_free(pl);
}
END_TEST

START_TEST(test_formats)
{
	uint32_t ms;
	uint64_t b;

	ck_assert_int_eq(pl_parse_timeout("1s", &ms), 0);
	ck_assert_uint_eq(ms, 1000);
	ck_assert_int_eq(pl_parse_timeout("168h", &ms), 0);
	ck_assert_int_eq(pl_parse_timeout("169h", &ms), -1);
	ck_assert_int_eq(pl_parse_timeout("s", &ms), -1);
	ck_assert_int_eq(pl_parse_timeout("1S", &ms), -1);
	ck_assert_int_eq(pl_parse_timeout("99999999999999999999s", &ms), -1);
	ck_assert_int_eq(pl_parse_memory("4Gi", &b), 0);
	ck_assert_uint_eq(b, 4ULL << 30);
	ck_assert_int_eq(pl_parse_memory("4G", &b), -1);
	ck_assert_int_eq(pl_parse_memory("-1Mi", &b), -1);
}
END_TEST

static Suite *
pipeline_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("schema");

	tcase_add_test(tc, test_minimal);
	tcase_add_test(tc, test_published_example);
	tcase_add_test(tc, test_engine);
	tcase_add_test(tc, test_top_level);
	tcase_add_test(tc, test_pipeline_name);
	tcase_add_test(tc, test_stage_name);
	tcase_add_test(tc, test_run_use);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_sandbox);
	tcase_add_test(tc, test_retry_gate);
	tcase_add_test(tc, test_triggers);
	tcase_add_test(tc, test_formats);
	suite_add_tcase(s, tc);
	tc = tcase_create("engine");
	tcase_add_test(tc, test_after_and_cycles);
	tcase_add_test(tc, test_expression_refs);
	tcase_add_test(tc, test_condition);
	tcase_add_test(tc, test_all_errors_reported);
	tcase_add_test(tc, test_yaml_hazards);
	tcase_add_test(tc, test_load_file_errors);
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_json);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pipeline_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
