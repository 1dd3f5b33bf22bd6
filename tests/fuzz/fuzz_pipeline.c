/*
 * fuzz_pipeline.c: libFuzzer target for the pipeline parser and validator
 * (YAML loader, schema walk, engine checks, JSON model) and for the
 * expression parser/evaluator. Built with --enable-fuzzing.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "shared/pipeline/expr.h"
#include "shared/pipeline/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_expr(const char *s, size_t len)
{
	struct lh_expr_inputs in;
	struct lh_interp *ip = NULL;
	struct lh_pl_kvlist env = { NULL, 0 };
	struct lh_expr *e;
	char err[256], *out = NULL;
	size_t off, base;
	int truth;

	memset(&in, 0, sizeof(in));
	in.run[LH_RUN_BRANCH] = "main";
	if ((e = pl_expr_parse_condition(s, len, &base, &off, err,
	    sizeof(err))) != NULL) {
		if (pl_expr_eval(e, &in, &out, &truth, err, sizeof(err)) == 0)
			free(out);
		pl_expr_free(e);
	}
	if (pl_interp_parse(s, len, &ip, &off, err, sizeof(err)) == 0 &&
	    ip != NULL) {
		if (pl_interp_script(ip, "", &in, &out, &env, err,
		    sizeof(err)) == 0)
			free(out);
		pl_kvlist_free(&env);
		pl_interp_free(ip);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lh_pl_errors errs;
	struct lh_pipeline *pl;
	struct json_object *o;
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	pl_errors_init(&errs, "fuzz.yaml");
	if ((pl = pl_parse("fuzz.yaml", s, size, &errs)) != NULL) {
		if ((o = pl_to_json(pl)) != NULL)
			json_object_put(o);
		pl_free(pl);
	}
	pl_errors_free(&errs);
	if (size <= LH_EXPR_MAX_LEN)
		fuzz_expr(s, strlen(s));
	free(s);
	return 0;
}
