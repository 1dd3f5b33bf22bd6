/*
 * check_expr.c: unit tests of pipeline expressions: grammar, precedence,
 * helpers, error messages with offsets, the pure evaluator and ${{ }}
 * interpolation (text and environment-reference forms).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/pipeline/expr.h"

/* writable copies: the model's key/value type holds char * */
static char k_x[] = "x", v_x[] = "$(touch /tmp/pwned)", k_env[] = "env",
    v_env[] = "prod", k_empty[] = "empty", v_empty[] = "", k_no[] = "no",
    v_no[] = "false", k_image[] = "image", v_image[] = "reg/app:1";
static struct lh_pl_kv test_vars[] = {
	{ k_x, v_x, { 0, 0 }, NULL },
	{ k_env, v_env, { 0, 0 }, NULL },
	{ k_empty, v_empty, { 0, 0 }, NULL },
	{ k_no, v_no, { 0, 0 }, NULL },
};
static struct lh_pl_kv test_outputs[] = {
	{ k_image, v_image, { 0, 0 }, NULL },
};
static struct lh_expr_stage_state test_stages[] = {
	{ "build", "Success", test_outputs, 1 },
	{ "lint", "Failed", NULL, 0 },
};

static void
inputs(struct lh_expr_inputs *in)
{
	memset(in, 0, sizeof(*in));
	in->vars = test_vars;
	in->nvars = sizeof(test_vars) / sizeof(test_vars[0]);
	in->run[LH_RUN_BRANCH] = "main";
	in->run[LH_RUN_REF] = "refs/heads/main";
	in->run[LH_RUN_SHA] = "0123456789abcdef";
	in->stages = test_stages;
	in->nstages = 2;
}

/* Evaluates src; returns its text (static) or "ERR: message". */
static const char *
eval(const char *src, int *truth)
{
	static char buf[512];
	struct lh_expr_inputs in;
	struct lh_expr *e;
	char err[256], *out;
	size_t off;

	e = pl_expr_parse(src, strlen(src), &off, err, sizeof(err));
	if (e == NULL) {
		snprintf(buf, sizeof(buf), "PARSE@%zu: %s", off, err);
		return buf;
	}
	inputs(&in);
	if (pl_expr_eval(e, &in, &out, truth, err, sizeof(err)) == -1) {
		snprintf(buf, sizeof(buf), "ERR: %s", err);
		pl_expr_free(e);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%s", out);
	free(out);
	pl_expr_free(e);
	return buf;
}

static int
truth_of(const char *src)
{
	int t = -1;
	const char *r = eval(src, &t);

	ck_assert_msg(strncmp(r, "PARSE", 5) != 0 && strncmp(r, "ERR", 3) != 0,
	    "%s: %s", src, r);
	return t;
}

START_TEST(test_literals_and_refs)
{
	int t;

	ck_assert_str_eq(eval("'it''s'", &t), "it's");
	ck_assert_str_eq(eval("\"say \\\"hi\\\"\"", &t), "say \"hi\"");
	ck_assert_str_eq(eval("true", &t), "true");
	ck_assert_int_eq(t, 1);
	ck_assert_str_eq(eval("false", &t), "false");
	ck_assert_int_eq(t, 0);
	ck_assert_str_eq(eval("42", &t), "42");
	ck_assert_str_eq(eval("var.x", &t), "$(touch /tmp/pwned)");
	ck_assert_str_eq(eval("run.branch", &t), "main");
	ck_assert_str_eq(eval("stage.build.output.image", &t), "reg/app:1");
	ck_assert_str_eq(eval("stage.lint.status", &t), "Failed");
}
END_TEST

START_TEST(test_operators)
{
	ck_assert_int_eq(truth_of("run.branch == 'main'"), 1);
	ck_assert_int_eq(truth_of("run.branch != 'main'"), 0);
	ck_assert_int_eq(truth_of("!(run.branch == 'dev')"), 1);
	ck_assert_int_eq(truth_of("!!true"), 1);
	/* && binds tighter than || */
	ck_assert_int_eq(truth_of("true || false && false"), 1);
	ck_assert_int_eq(truth_of("(true || false) && false"), 0);
	ck_assert_int_eq(truth_of("false || var.env == 'prod'"), 1);
	/* short circuit: the undefined variable is never read */
	ck_assert_int_eq(truth_of("false && var.missing == 'x'"), 0);
	ck_assert_int_eq(truth_of("true || var.missing == 'x'"), 1);
	/* booleans compare as text */
	ck_assert_int_eq(truth_of("true == 'true'"), 1);
	ck_assert_int_eq(truth_of("stage.build.status == 'Success' && "
	    "stage.lint.status != 'Success'"), 1);
}
END_TEST

START_TEST(test_truthiness)
{
	ck_assert_int_eq(truth_of("var.env"), 1);
	ck_assert_int_eq(truth_of("var.empty"), 0);
	ck_assert_int_eq(truth_of("var.no"), 0);
	ck_assert_int_eq(truth_of("'0'"), 0);
	ck_assert_int_eq(truth_of("!var.empty"), 1);
}
END_TEST

START_TEST(test_functions)
{
	ck_assert_int_eq(truth_of("startsWith(run.ref, 'refs/heads/')"), 1);
	ck_assert_int_eq(truth_of("startsWith(run.ref, 'refs/tags/')"), 0);
	ck_assert_int_eq(truth_of("endsWith(run.ref, '/main')"), 1);
	ck_assert_int_eq(truth_of("endsWith('a', 'abc')"), 0);
	ck_assert_int_eq(truth_of("contains(var.x, 'touch')"), 1);
	ck_assert_int_eq(truth_of("contains(var.x, 'rm')"), 0);
	ck_assert_int_eq(truth_of("contains('abc', '')"), 1);
}
END_TEST

START_TEST(test_parse_errors)
{
	int t;

	ck_assert_str_eq(eval("", &t), "PARSE@0: empty expression");
	ck_assert_str_eq(eval("   ", &t), "PARSE@0: empty expression");
	ck_assert_str_eq(eval("var.x ==", &t),
	    "PARSE@8: unexpected end of expression");
	ck_assert_str_eq(eval("var.x = 'a'", &t),
	    "PARSE@6: unexpected '=' (use '==' to compare)");
	ck_assert_str_eq(eval("true & false", &t),
	    "PARSE@5: unexpected '&' (use '&&')");
	ck_assert_str_eq(eval("'abc", &t), "PARSE@0: unterminated string");
	ck_assert_str_eq(eval("(true", &t),
	    "PARSE@5: expected ')' to close the '(' at offset 0");
	ck_assert_str_eq(eval("true false", &t),
	    "PARSE@5: unexpected 'false' after the expression");
	ck_assert_str_eq(eval("a == b == c", &t),
	    "PARSE@0: unknown name 'a' (expected var, run or stage)");
	ck_assert_str_eq(eval("var.a == var.b == var.c", &t),
	    "PARSE@15: comparisons cannot be chained; use parentheses");
	ck_assert_str_eq(eval("rm(var.x, 'a')", &t),
	    "PARSE@0: unknown function 'rm' (known: startsWith, endsWith, "
	    "contains)");
	ck_assert_str_eq(eval("contains(var.x)", &t),
	    "PARSE@14: contains() takes two arguments");
	ck_assert_str_eq(eval("run.nope", &t), "PARSE@0: unknown field "
	    "'run.nope' (known: id, sha, sha_short, ref, branch, repository, "
	    "trigger)");
	ck_assert_str_eq(eval("var.a.b", &t),
	    "PARSE@0: 'var' takes one name: var.NAME");
	ck_assert_str_eq(eval("stage.build", &t), "PARSE@0: bad stage "
	    "reference: use stage.NAME.output.KEY or stage.NAME.status");
	ck_assert_str_eq(eval("secrets.token", &t),
	    "PARSE@0: unknown name 'secrets' (expected var, run or stage)");
	ck_assert_str_eq(eval("true ; false", &t),
	    "PARSE@5: unexpected character ';'");
	ck_assert_str_eq(eval("`x`", &t), "PARSE@0: unexpected character '`'");
}
END_TEST

START_TEST(test_limits)
{
	char buf[LH_EXPR_MAX_LEN + 16];
	int t;
	size_t i;

	for (i = 0; i < 40; i++)
		buf[i] = '(';
	strcpy(buf + 40, "true");
	for (i = 0; i < 40; i++)
		strcat(buf, ")");
	ck_assert_str_eq(eval(buf, &t), "PARSE@32: expression nested too "
	    "deeply");
	for (i = 0; i < 40; i++)
		buf[i] = '!';
	strcpy(buf + 40, "true");
	ck_assert_ptr_nonnull(strstr(eval(buf, &t), "nested too deeply"));
	memset(buf, ' ', LH_EXPR_MAX_LEN + 1);
	buf[LH_EXPR_MAX_LEN + 1] = '\0';
	buf[0] = 't';
	ck_assert_ptr_nonnull(strstr(eval(buf, &t), "expression too long"));
	/* 20 levels are fine */
	for (i = 0; i < 20; i++)
		buf[i] = '(';
	strcpy(buf + 20, "true");
	for (i = 0; i < 20; i++)
		strcat(buf, ")");
	ck_assert_str_eq(eval(buf, &t), "true");
}
END_TEST

START_TEST(test_eval_errors)
{
	int t;

	ck_assert_str_eq(eval("var.missing", &t),
	    "ERR: variable var.missing is not set");
	ck_assert_str_eq(eval("run.sha_short", &t),
	    "ERR: run.sha_short is not set");
	ck_assert_str_eq(eval("stage.build.output.nope", &t),
	    "ERR: stage.build.output.nope is not set (the stage did not "
	    "write 'nope=' to $LABHIT_OUTPUT)");
	ck_assert_str_eq(eval("stage.deploy.status", &t),
	    "ERR: stage.deploy.status is not available");
	ck_assert_str_eq(eval("payload.ref", &t),
	    "ERR: payload is only available in webhook filters");
}
END_TEST

static int
collect(enum lh_expr_ref_kind kind, const char *const *parts, size_t n,
    size_t off, void *arg)
{
	char *buf = arg, one[128];

	snprintf(one, sizeof(one), "%d:%s.%s@%zu;", (int)kind, parts[0],
	    n > 1 ? parts[1] : "", off);
	strcat(buf, one);
	return 0;
}

START_TEST(test_refs_walk)
{
	struct lh_expr *e;
	char err[128], buf[512] = "";
	size_t off;
	const char *src = "var.a == 'x' || contains(stage.b.output.c, "
	    "run.sha)";

	e = pl_expr_parse(src, strlen(src), &off, err, sizeof(err));
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(pl_expr_foreach_ref(e, collect, buf), 0);
	ck_assert_str_eq(buf, "0:var.a@0;2:stage.b@25;1:run.sha@43;");
	pl_expr_free(e);
}
END_TEST

START_TEST(test_interp)
{
	struct lh_expr_inputs in;
	struct lh_interp *ip;
	struct lh_pl_kvlist env = { NULL, 0 };
	const char *s = "echo \"${{ var.x }}\" ${{run.branch}}-${{ '}}' }}";
	char err[256], *out, buf[512] = "";
	size_t off;

	inputs(&in);
	ck_assert_int_eq(pl_interp_parse(s, strlen(s), &ip, &off, err,
	    sizeof(err)), 0);
	ck_assert_ptr_nonnull(ip);
	ck_assert_uint_eq(ip->nexprs, 3);
	ck_assert_int_eq(pl_interp_foreach_ref(ip, collect, buf), 0);
	ck_assert_str_eq(buf, "0:var.x@10;1:run.branch@23;");
	ck_assert_int_eq(pl_interp_render(ip, s, &in, &out, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(out, "echo \"$(touch /tmp/pwned)\" main-}}");
	free(out);
	/* scripts get environment references, never the text */
	ck_assert_int_eq(pl_interp_script(ip, s, &in, &out, &env, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(out, "echo \"${LABHIT_EXPR_1}\" ${LABHIT_EXPR_2}-"
	    "${LABHIT_EXPR_3}");
	ck_assert_uint_eq(env.n, 3);
	ck_assert_str_eq(env.v[0].key, "LABHIT_EXPR_1");
	ck_assert_str_eq(env.v[0].value, "$(touch /tmp/pwned)");
	ck_assert_str_eq(env.v[2].value, "}}");
	ck_assert_ptr_null(strstr(out, "touch"));
	free(out);
	pl_kvlist_free(&env);
	pl_interp_free(ip);
	/* no expression at all */
	ck_assert_int_eq(pl_interp_parse("plain $HOME {{x}}", 17, &ip, &off,
	    err, sizeof(err)), 0);
	ck_assert_ptr_null(ip);
	ck_assert_int_eq(pl_interp_render(NULL, "plain", &in, &out, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(out, "plain");
	free(out);
}
END_TEST

START_TEST(test_interp_errors)
{
	struct lh_expr_inputs in;
	struct lh_interp *ip;
	struct lh_pl_kvlist env = { NULL, 0 };
	char err[256], *out = NULL;
	size_t off;

	ck_assert_int_eq(pl_interp_parse("ab ${{ var.x", 12, &ip, &off, err,
	    sizeof(err)), -1);
	ck_assert_uint_eq(off, 3);
	ck_assert_str_eq(err, "unterminated '${{': expected '}}'");
	ck_assert_int_eq(pl_interp_parse("a ${{ }}", 8, &ip, &off, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "empty expression");
	ck_assert_int_eq(pl_interp_parse("a ${{ var.x || }}", 17, &ip, &off,
	    err, sizeof(err)), -1);
	ck_assert_uint_eq(off, 15);
	/* evaluation failure: nothing returned, nothing leaked */
	inputs(&in);
	ck_assert_int_eq(pl_interp_parse("${{ var.a }} ${{ var.nope }}", 28,
	    &ip, &off, err, sizeof(err)), 0);
	in.nvars = 0;
	ck_assert_int_eq(pl_interp_script(ip, "", &in, &out, &env, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "variable var.a is not set");
	pl_kvlist_free(&env);
	pl_interp_free(ip);
}
END_TEST

START_TEST(test_condition_forms)
{
	struct lh_expr *e;
	char err[256];
	size_t base, off;

	e = pl_expr_parse_condition("run.branch == 'main'", 20, &base, &off,
	    err, sizeof(err));
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(base, 0);
	pl_expr_free(e);
	e = pl_expr_parse_condition("  ${{ run.branch == 'main' }} ", 30,
	    &base, &off, err, sizeof(err));
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(base, 5);
	pl_expr_free(e);
	e = pl_expr_parse_condition("${{ run.branch = 'x' }}", 23, &base,
	    &off, err, sizeof(err));
	ck_assert_ptr_null(e);
	ck_assert_uint_eq(off, 15);
	e = pl_expr_parse_condition("${{ true }} && ${{ false }}", 27, &base,
	    &off, err, sizeof(err));
	ck_assert_ptr_null(e);
	ck_assert_str_eq(err, "a condition is one expression: write it bare "
	    "or wrapped in a single ${{ }}");
}
END_TEST

static Suite *
expr_suite(void)
{
	Suite *s = suite_create("expr");
	TCase *tc = tcase_create("expr");

	tcase_add_test(tc, test_literals_and_refs);
	tcase_add_test(tc, test_operators);
	tcase_add_test(tc, test_truthiness);
	tcase_add_test(tc, test_functions);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_eval_errors);
	tcase_add_test(tc, test_refs_walk);
	tcase_add_test(tc, test_interp);
	tcase_add_test(tc, test_interp_errors);
	tcase_add_test(tc, test_condition_forms);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(expr_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
