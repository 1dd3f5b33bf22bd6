/*
 * pl_int.h: internal to src/shared/pipeline. The parse context shared by the
 * schema walk (pl_parse.c, pl_triggers.c) and the engine checks
 * (pl_check.c). Runs wherever pipelines are validated.
 */
#ifndef LH_PL_INT_H
#define LH_PL_INT_H

#include <stddef.h>

#include "shared/pipeline/expr.h"
#include "shared/pipeline/pipeline.h"
#include "shared/pipeline/pl_yaml.h"

enum lh_pl_site_kind {
	LH_PL_SITE_INTERP,	/* run, env value, with value */
	LH_PL_SITE_CONDITION,
	LH_PL_SITE_FILTER,	/* triggers.webhook.filter */
};

/* One place holding expressions, checked once all stages are known. */
struct lh_pl_site {
	enum lh_pl_site_kind	 kind;
	size_t			 stage;		/* index; unused for FILTER */
	const struct lh_pl_node	*node;		/* the scalar, for marks */
	const struct lh_interp	*ip;
	const struct lh_expr	*expr;
	size_t			 base;		/* offset of expr in node */
};

struct lh_pl_ctx {
	struct lh_pl_doc	*doc;
	struct lh_pl_errors	*errs;
	struct lh_pipeline	*pl;
	struct lh_pl_plan	*anc;	/* ancestors, even with cycles */
	struct lh_pl_site	*sites;
	size_t			 nsites;
	int			 oom;
};

void pl_err(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void pl_err_at(struct lh_pl_ctx *ctx, struct lh_pl_mark m,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int pl_is_map(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    const char *what);
/* Copies a string scalar to *out; errors name what. Returns 0 or -1. */
int pl_get_string(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    const char *what, char **out);
int pl_get_strlist(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    const char *what, struct lh_pl_strlist *out);
void pl_unknown_key(struct lh_pl_ctx *ctx, const struct lh_pl_node *key,
    const char *where, const char *expected);
int pl_add_site(struct lh_pl_ctx *ctx, enum lh_pl_site_kind kind,
    size_t stage, const struct lh_pl_node *n, const struct lh_interp *ip,
    const struct lh_expr *e, size_t base);
/* Parses ${{ }} in a scalar and records the site; *out may stay NULL. */
int pl_parse_interp(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    size_t stage, struct lh_interp **out);

void pl_strlist_free(struct lh_pl_strlist *l);
void pl_parse_triggers(struct lh_pl_ctx *ctx, const struct lh_pl_node *n);
void pl_parse_stage(struct lh_pl_ctx *ctx, const struct lh_pl_node *key,
    const struct lh_pl_node *val, struct lh_pl_stage *st);
/* Engine checks: after names, cycles, plan, expression references. */
void pl_check(struct lh_pl_ctx *ctx);
int pl_valid_cron(const char *s, char *err, size_t errlen);

#endif
