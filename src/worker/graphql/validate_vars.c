/*
 * validate_vars.c: the variable rules that need a whole operation with the
 * fragments it reaches: no undefined, no unused, allowed positions.
 * Runs in the workers and the CLI.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"

struct reach {
	const struct lh_gql_def	**defs;
	size_t			 n, max;
};

static void
reach_add(struct lh_gql_vctx *c, struct reach *r, const struct lh_gql_sel *s)
{
	const struct lh_gql_def	*f;
	size_t			 i;

	for (; s != NULL; s = s->next) {
		if (s->kind != LH_GQL_SEL_SPREAD) {
			reach_add(c, r, s->selset);
			continue;
		}
		if ((f = gql_doc_fragment(c->doc, s->name)) == NULL)
			continue;
		for (i = 0; i < r->n; i++)
			if (r->defs[i] == f)
				break;
		if (i < r->n || r->n >= r->max)
			continue;
		r->defs[r->n++] = f;
		reach_add(c, r, f->selset);
	}
}

static int
in_reach(const struct reach *r, const struct lh_gql_def *d)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		if (r->defs[i] == d)
			return 1;
	return 0;
}

/* graphql-js isTypeSubTypeOf() for input positions. */
static int
subtype_of(const struct lh_gql_tref *sub, const struct lh_gql_tref *sup)
{
	if (sup->kind == LH_GQL_T_NONNULL) {
		if (sub->kind == LH_GQL_T_NONNULL)
			return subtype_of(sub->of, sup->of);
		return 0;
	}
	if (sub->kind == LH_GQL_T_NONNULL)
		return subtype_of(sub->of, sup);
	if (sup->kind == LH_GQL_T_LIST) {
		if (sub->kind == LH_GQL_T_LIST)
			return subtype_of(sub->of, sup->of);
		return 0;
	}
	if (sub->kind == LH_GQL_T_LIST)
		return 0;
	if (sub->type == sup->type)
		return 1;
	return gql_type_is_abstract(sup->type) &&
	    gql_is_subtype(sub->type, sup->type);
}

static int
allowed(const struct lh_gql_tref *vt, const struct lh_gql_value *vdefault,
    const struct lh_gql_tref *lt, int loc_default)
{
	if (lt->kind == LH_GQL_T_NONNULL && vt->kind != LH_GQL_T_NONNULL) {
		if ((vdefault == NULL || vdefault->kind == LH_GQL_V_NULL) &&
		    !loc_default)
			return 0;
		return subtype_of(vt, lt->of);
	}
	return subtype_of(vt, lt);
}

static void
check_operation(struct lh_gql_vctx *c, const struct lh_gql_def *op,
    struct reach *r)
{
	const struct lh_gql_vusage	*u;
	const struct lh_gql_vardef	*v;
	struct lh_gql_tref		*vt;
	struct lh_gql_loc		 locs[2];
	char				 a[256], b[256];
	size_t				 i;

	r->n = 0;
	reach_add(c, r, op->selset);
	for (i = 0; i < c->nusages; i++) {
		u = &c->usages[i];
		if (u->def != op && !in_reach(r, u->def))
			continue;
		for (v = op->vardefs; v != NULL; v = v->next)
			if (strcmp(v->name, u->node->s) == 0)
				break;
		if (v == NULL) {
			if (!VRULE(c, LH_GQL_R_NO_UNDEFINED_VARIABLES))
				continue;
			locs[0] = u->node->loc;
			locs[1] = op->loc;
			if (op->name != NULL)
				gql_err_add(c->errors, locs, 2, "Variable \"$%s\" "
				    "is not defined by operation \"%s\".",
				    u->node->s, op->name);
			else
				gql_err_add(c->errors, locs, 2, "Variable \"$%s\" "
				    "is not defined.", u->node->s);
			continue;
		}
		if (u->type == NULL ||
		    !VRULE(c, LH_GQL_R_VARIABLES_IN_ALLOWED_POSITION) ||
		    (vt = gql_tref_resolve(c->s, c->arena, v->type)) == NULL)
			continue;
		if (u->parent != NULL && u->parent->oneof &&
		    vt->kind != LH_GQL_T_NONNULL) {
			locs[0] = v->loc;
			locs[1] = u->node->loc;
			gql_err_add(c->errors, locs, 2, "Variable \"$%s\" is of "
			    "type \"%s\" but must be non-nullable to be used for "
			    "OneOf Input Object \"%s\".", v->name,
			    gql_tref_str(v->type, a, sizeof(a)),
			    u->parent->name);
		} else if (!allowed(vt, v->defval, u->type, u->has_default)) {
			locs[0] = v->loc;
			locs[1] = u->node->loc;
			gql_err_add(c->errors, locs, 2, "Variable \"$%s\" of type "
			    "\"%s\" used in position expecting type \"%s\".",
			    v->name, gql_tref_str(v->type, a, sizeof(a)),
			    gql_tref_str(u->type, b, sizeof(b)));
		}
	}
	if (!VRULE(c, LH_GQL_R_NO_UNUSED_VARIABLES))
		return;
	for (v = op->vardefs; v != NULL; v = v->next) {
		for (i = 0; i < c->nusages; i++) {
			u = &c->usages[i];
			if ((u->def == op || in_reach(r, u->def)) &&
			    strcmp(u->node->s, v->name) == 0)
				break;
		}
		if (i < c->nusages)
			continue;
		if (op->name != NULL)
			gql_err_add(c->errors, &v->loc, 1, "Variable \"$%s\" is "
			    "never used in operation \"%s\".", v->name,
			    op->name);
		else
			gql_err_add(c->errors, &v->loc, 1, "Variable \"$%s\" is "
			    "never used.", v->name);
	}
}

void
gql_validate_vars(struct lh_gql_vctx *c)
{
	const struct lh_gql_def	*d;
	struct reach		 r;
	size_t			 n = 0;

	for (d = c->doc->defs; d != NULL; d = d->next)
		n++;
	memset(&r, 0, sizeof(r));
	r.max = n;
	if ((r.defs = calloc(n + 1, sizeof(*r.defs))) == NULL)
		return;
	for (d = c->doc->defs; d != NULL; d = d->next)
		if (d->kind == LH_GQL_D_OPERATION)
			check_operation(c, d, &r);
	free(r.defs);
}
