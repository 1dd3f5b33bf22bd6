/*
 * expr.h: ${{ ... }} expressions of the pipeline format: parser, reference
 * walker and a pure evaluator whose inputs are passed in. Used by the
 * validator (workers, labhit validate) and by the runner's scheduler.
 *
 * Grammar:   expr := or;  or := and ('||' and)*;  and := not ('&&' not)*
 *            not := '!' not | cmp;  cmp := prim (('=='|'!=') prim)?
 *            prim := '(' expr ')' | 'str' | "str" | true | false | NUMBER
 *                  | REF | FUNC '(' expr ',' expr ')'
 *            REF := var.NAME | run.FIELD | stage.NAME.output.KEY
 *                  | stage.NAME.status | payload.PATH (webhook filter only)
 *            FUNC := startsWith | endsWith | contains
 * Values are strings or booleans; == compares text ("true"/"false" for
 * booleans). A string is true unless it is "", "false" or "0". Reading a
 * variable, field or output that is not set is an evaluation error (the
 * stage fails with that message), never an empty string.
 *
 * In `run` scripts every ${{ }} becomes "${LABHIT_EXPR_<n>}" and the value
 * is passed in the environment: the shell never parses the value. Write
 * the reference inside double quotes; inside single quotes or a quoted
 * heredoc the shell does not expand it.
 */
#ifndef LH_EXPR_H
#define LH_EXPR_H

#include <stddef.h>

#include "shared/pipeline/pipeline.h"

#define LH_EXPR_MAX_LEN		4096
#define LH_EXPR_MAX_DEPTH	32

enum lh_expr_run_field {
	LH_RUN_ID = 0,
	LH_RUN_SHA,
	LH_RUN_SHA_SHORT,
	LH_RUN_REF,
	LH_RUN_BRANCH,
	LH_RUN_REPOSITORY,
	LH_RUN_TRIGGER,
	LH_RUN_NFIELDS
};

enum lh_expr_ref_kind {
	LH_REF_VAR,		/* parts: var NAME */
	LH_REF_RUN,		/* parts: run FIELD */
	LH_REF_STAGE_OUTPUT,	/* parts: stage NAME output KEY */
	LH_REF_STAGE_STATUS,	/* parts: stage NAME status */
	LH_REF_PAYLOAD,		/* parts: payload ... */
};

struct lh_expr;

/* One upstream stage as the evaluator sees it. */
struct lh_expr_stage_state {
	const char		*name;
	const char		*status;	/* Success, Failed, ... */
	const struct lh_pl_kv	*outputs;
	size_t			 noutputs;
};

/* Everything an expression may read; absent values are errors. */
struct lh_expr_inputs {
	const struct lh_pl_kv			*vars;
	size_t					 nvars;
	const char				*run[LH_RUN_NFIELDS];
	const struct lh_expr_stage_state	*stages;
	size_t					 nstages;
};

/* Parses src[0..len). On error returns NULL, sets *err_off (offset in src)
 * and a message in err. */
struct lh_expr *pl_expr_parse(const char *src, size_t len, size_t *err_off,
    char *err, size_t errlen);
void pl_expr_free(struct lh_expr *e);

/* Calls cb for every reference in e, in source order; stops when cb
 * returns -1 and returns -1. off is the reference's offset in the source. */
typedef int (*pl_expr_ref_cb)(enum lh_expr_ref_kind kind,
    const char *const *parts, size_t nparts, size_t off, void *arg);
int pl_expr_foreach_ref(const struct lh_expr *e, pl_expr_ref_cb cb,
    void *arg);

/* Evaluates e; the result is written as text to *out (malloc'd) and as a
 * truth value to *truth. Returns 0 or -1 with a message in err. */
int pl_expr_eval(const struct lh_expr *e, const struct lh_expr_inputs *in,
    char **out, int *truth, char *err, size_t errlen);

/* Name of a run.* field and its index, or -1. */
const char *pl_expr_run_field_name(enum lh_expr_run_field f);
int pl_expr_run_field(const char *name);

/* A string with ${{ }} parts: "echo ${{ var.x }}". */
struct lh_interp_part {
	int		 is_expr;
	char		*text;		/* literal text, or expression source */
	size_t		 off;		/* offset of the part in the string */
	struct lh_expr	*expr;
};

struct lh_interp {
	struct lh_interp_part	*parts;
	size_t			 nparts;
	size_t			 nexprs;
};

/* Splits s into literal and expression parts and parses each expression.
 * *out is NULL when s holds no "${{". Returns 0, or -1 with *err_off (in s)
 * and a message. */
int pl_interp_parse(const char *s, size_t len, struct lh_interp **out,
    size_t *err_off, char *err, size_t errlen);
void pl_interp_free(struct lh_interp *ip);
/* Calls cb for every reference, with offsets relative to the string. */
int pl_interp_foreach_ref(const struct lh_interp *ip, pl_expr_ref_cb cb,
    void *arg);
/* Substitutes values as text (for env and with values, never shell). */
int pl_interp_render(const struct lh_interp *ip, const char *s,
    const struct lh_expr_inputs *in, char **out, char *err, size_t errlen);
/* For shell scripts: each expression becomes "${LABHIT_EXPR_<n>}" and its
 * value is appended to env as LABHIT_EXPR_<n>=value, so values are never
 * parsed by the shell. n counts from 1. */
int pl_interp_script(const struct lh_interp *ip, const char *s,
    const struct lh_expr_inputs *in, char **script,
    struct lh_pl_kvlist *env, char *err, size_t errlen);
/* Parses a condition written bare or wrapped in one ${{ }}; *base is the
 * offset in s of the parsed text (reference offsets are relative to it). */
struct lh_expr *pl_expr_parse_condition(const char *s, size_t len,
    size_t *base, size_t *err_off, char *err, size_t errlen);

/* Small list helpers shared by the module. */
int pl_kvlist_add(struct lh_pl_kvlist *l, const char *key, const char *value);
void pl_kvlist_free(struct lh_pl_kvlist *l);
const char *pl_kvlist_get(const struct lh_pl_kvlist *l, const char *key);

#endif
