/*
 * pl_check.c: the checks only an engine can make once every stage is known:
 * `after` names exist, no cycles (each one named), the DAG plan, and that
 * expressions refer to known things (stage.X.* only for an ancestor X).
 * Runs wherever pipelines are validated.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/pipeline/dag.h"
#include "shared/pipeline/pl_int.h"

static void
pl_check_after(struct lh_pl_ctx *ctx, struct lh_pl_stage *st)
{
	struct lh_pipeline *pl = ctx->pl;
	ssize_t d;
	size_t i, j;

	if (st->after.n == 0)
		return;
	if ((st->deps = calloc(st->after.n, sizeof(*st->deps))) == NULL) {
		ctx->oom = 1;
		return;
	}
	for (i = 0; i < st->after.n; i++) {
		d = pl_stage_index(pl, st->after.v[i]);
		if (d == -1) {
			pl_err_at(ctx, st->after.marks[i], "stage '%s': unknown "
			    "stage '%s' in 'after'", st->name, st->after.v[i]);
			continue;
		}
		if ((size_t)d == st->index) {
			pl_err_at(ctx, st->after.marks[i], "stage '%s' cannot "
			    "wait for itself", st->name);
			continue;
		}
		for (j = 0; j < st->ndeps; j++)
			if (st->deps[j] == (size_t)d)
				break;
		if (j < st->ndeps) {
			pl_err_at(ctx, st->after.marks[i], "stage '%s': '%s' "
			    "is listed twice in 'after'", st->name,
			    st->after.v[i]);
			continue;
		}
		st->deps[st->ndeps++] = (size_t)d;
	}
}

static void
pl_check_cycle(const size_t *cycle, size_t len, void *arg)
{
	struct lh_pl_ctx *ctx = arg;
	struct lh_pipeline *pl = ctx->pl;
	char *msg = NULL, *next;
	size_t i, first = 0;

	/* start the text at the stage defined first, so the message does
	 * not depend on where the walk entered the cycle */
	for (i = 1; i < len; i++)
		if (cycle[i] < cycle[first])
			first = i;
	if ((msg = strdup(pl->stages[cycle[first]].name)) == NULL) {
		ctx->oom = 1;
		return;
	}
	for (i = 1; i <= len; i++) {
		if (asprintf(&next, "%s -> %s", msg,
		    pl->stages[cycle[(first + i) % len]].name) == -1) {
			free(msg);
			ctx->oom = 1;
			return;
		}
		free(msg);
		msg = next;
	}
	pl_err_at(ctx, pl->stages[cycle[first]].mark, "dependency cycle: %s "
	    "(each stage waits for the next)", msg);
	free(msg);
}

struct pl_refcheck {
	struct lh_pl_ctx		*ctx;
	const struct lh_pl_site		*site;
};

static int
pl_check_ref(enum lh_expr_ref_kind kind, const char *const *parts,
    size_t nparts, size_t off, void *arg)
{
	struct pl_refcheck *rc = arg;
	struct lh_pl_ctx *ctx = rc->ctx;
	const struct lh_pl_site *site = rc->site;
	struct lh_pipeline *pl = ctx->pl;
	struct lh_pl_mark m;
	const char *self;
	ssize_t x;

	m = pl_yaml_scalar_mark(ctx->doc, site->node, site->base + off);
	if (site->kind == LH_PL_SITE_FILTER) {
		if (kind != LH_REF_PAYLOAD && kind != LH_REF_VAR)
			pl_err_at(ctx, m, "webhook filter may only refer to "
			    "payload.* and var.*, not %s", parts[0]);
		return 0;
	}
	if (kind == LH_REF_PAYLOAD) {
		pl_err_at(ctx, m, "payload.* is only available in "
		    "triggers.webhook.filter");
		return 0;
	}
	if (kind != LH_REF_STAGE_OUTPUT && kind != LH_REF_STAGE_STATUS)
		return 0;
	(void)nparts;
	self = pl->stages[site->stage].name;
	if ((x = pl_stage_index(pl, parts[1])) == -1) {
		pl_err_at(ctx, m, "stage '%s': expression refers to unknown "
		    "stage '%s'", self, parts[1]);
		return 0;
	}
	if ((size_t)x == site->stage) {
		pl_err_at(ctx, m, "stage '%s': an expression cannot refer to "
		    "the stage's own %s", self, parts[2]);
		return 0;
	}
	if (ctx->anc != NULL && !pl_dag_is_ancestor(ctx->anc, site->stage,
	    (size_t)x))
		pl_err_at(ctx, m, "stage '%s': stage.%s.%s refers to a stage "
		    "that is not an ancestor (add '%s' to 'after', directly "
		    "or through another stage)", self, parts[1], parts[2],
		    parts[1]);
	return 0;
}

static void
pl_check_sites(struct lh_pl_ctx *ctx)
{
	struct pl_refcheck rc;
	size_t i;

	rc.ctx = ctx;
	for (i = 0; i < ctx->nsites; i++) {
		rc.site = &ctx->sites[i];
		if (rc.site->ip != NULL)
			pl_interp_foreach_ref(rc.site->ip, pl_check_ref, &rc);
		else
			pl_expr_foreach_ref(rc.site->expr, pl_check_ref, &rc);
	}
}

void
pl_check(struct lh_pl_ctx *ctx)
{
	struct lh_pipeline *pl = ctx->pl;
	struct lh_dag_graph g;
	const size_t **deps = NULL;
	size_t *ndeps = NULL, i;
	int cycles, cyclic;

	for (i = 0; i < pl->nstages && !ctx->oom; i++)
		if (pl->stages[i].name != NULL)
			pl_check_after(ctx, &pl->stages[i]);
	if (ctx->oom || pl->nstages == 0)
		return;
	if ((deps = calloc(pl->nstages, sizeof(*deps))) == NULL ||
	    (ndeps = calloc(pl->nstages, sizeof(*ndeps))) == NULL) {
		ctx->oom = 1;
		goto done;
	}
	for (i = 0; i < pl->nstages; i++) {
		deps[i] = pl->stages[i].deps;
		ndeps[i] = pl->stages[i].ndeps;
	}
	g.n = pl->nstages;
	g.deps = deps;
	g.ndeps = ndeps;
	if ((cycles = pl_dag_cycles(&g, pl_check_cycle, ctx)) == -1) {
		ctx->oom = 1;
		goto done;
	}
	if (cycles == 0 && (pl->plan = pl_dag_plan(&g, &cyclic)) == NULL) {
		ctx->oom = 1;
		goto done;
	}
	ctx->anc = pl->plan != NULL ? pl->plan : pl_dag_closure(&g);
	if (ctx->anc == NULL) {
		ctx->oom = 1;
		goto done;
	}
	pl_check_sites(ctx);
	if (ctx->anc != pl->plan)
		pl_dag_free(ctx->anc);
	ctx->anc = NULL;
done:
	free(deps);
	free(ndeps);
}
