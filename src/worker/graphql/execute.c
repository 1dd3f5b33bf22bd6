/*
 * execute.c: executes a prepared operation: field collection with
 * @skip/@include and fragments, resolvers, value completion with non-null
 * propagation, field errors with path and locations.  Runs in the workers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"
#include "worker/graphql/exec_int.h"

struct path {
	const char		*key;
	int			 idx;
	const struct path	*prev;
};

struct group {
	const char		*key;
	const struct lh_gql_sel	**sels;
	size_t			 n, cap;
};

struct groups {
	struct group		*g;
	size_t			 n, cap;
	const char		**seen;		/* visited fragments */
	size_t			 nseen, capseen;
};

struct exec {
	const struct lh_gql_schema	*s;
	const struct lh_gql_doc		*doc;
	json_object			*vars;
	void				*ctx;
	json_object			*errors;
	int				 oom;
};

static int	complete(struct exec *, const struct lh_gql_tref *,
		    const struct group *, json_object *, const struct path *,
		    const char *, const char *, json_object **);

static json_object *
path_json(const struct path *p)
{
	json_object	*a;
	size_t		 n = 0, i;
	const struct path *q;

	for (q = p; q != NULL; q = q->prev)
		n++;
	if ((a = json_object_new_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		json_object_array_add(a, NULL);
	for (q = p, i = n; q != NULL; q = q->prev) {
		i--;
		json_object_array_put_idx(a, i, q->key != NULL ?
		    json_object_new_string(q->key) :
		    json_object_new_int(q->idx));
	}
	return a;
}

static void
field_error(struct exec *ex, const struct group *g, const struct path *p,
    const char *msg, const char *code)
{
	json_object	*e, *locs, *l, *ext;

	if ((e = json_object_new_object()) == NULL) {
		ex->oom = 1;
		return;
	}
	json_object_object_add(e, "message", json_object_new_string(msg));
	locs = json_object_new_array();
	l = json_object_new_object();
	json_object_object_add(l, "line",
	    json_object_new_int(g->sels[0]->loc.line));
	json_object_object_add(l, "column",
	    json_object_new_int(g->sels[0]->loc.col));
	json_object_array_add(locs, l);
	json_object_object_add(e, "locations", locs);
	json_object_object_add(e, "path", path_json(p));
	if (code != NULL && code[0] != '\0') {
		ext = json_object_new_object();
		json_object_object_add(ext, "code",
		    json_object_new_string(code));
		json_object_object_add(e, "extensions", ext);
	}
	json_object_array_add(ex->errors, e);
}

/* @skip(if:) / @include(if:) on a selection: 1 when included. */
static int
included(struct exec *ex, const struct lh_gql_dir *dirs)
{
	const struct lh_gql_dir	*d;
	const struct lh_gql_arg	*a;
	json_object		*v;
	int			 val, skip;

	for (d = dirs; d != NULL; d = d->next) {
		skip = strcmp(d->name, "skip") == 0;
		if (!skip && strcmp(d->name, "include") != 0)
			continue;
		for (a = d->args; a != NULL; a = a->next)
			if (strcmp(a->name, "if") == 0)
				break;
		if (a == NULL)
			continue;
		if (a->value->kind == LH_GQL_V_BOOL)
			val = a->value->b;
		else if (a->value->kind == LH_GQL_V_VAR &&
		    json_object_object_get_ex(ex->vars, a->value->s, &v))
			val = json_object_get_boolean(v);
		else
			val = 0;
		if (skip ? val : !val)
			return 0;
	}
	return 1;
}

static int
type_applies(struct exec *ex, const char *cond,
    const struct lh_gql_type *obj)
{
	const struct lh_gql_type	*t;

	if (cond == NULL)
		return 1;
	if ((t = gql_schema_type(ex->s, cond)) == NULL)
		return 0;
	return gql_type_possible(t, obj) || t == obj;
}

static int
group_add(struct groups *gs, const struct lh_gql_sel *s)
{
	const char	*key = s->alias != NULL ? s->alias : s->name;
	struct group	*g = NULL;
	size_t		 i;
	void		*p;

	for (i = 0; i < gs->n; i++)
		if (strcmp(gs->g[i].key, key) == 0) {
			g = &gs->g[i];
			break;
		}
	if (g == NULL) {
		if (gs->n == gs->cap) {
			gs->cap = gs->cap ? gs->cap * 2 : 8;
			if ((p = realloc(gs->g, gs->cap * sizeof(*gs->g))) ==
			    NULL)
				return -1;
			gs->g = p;
		}
		g = &gs->g[gs->n++];
		memset(g, 0, sizeof(*g));
		g->key = key;
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 2;
		if ((p = realloc(g->sels, g->cap * sizeof(*g->sels))) == NULL)
			return -1;
		g->sels = p;
	}
	g->sels[g->n++] = s;
	return 0;
}

static int
seen_fragment(struct groups *gs, const char *name)
{
	size_t	 i;
	void	*p;

	for (i = 0; i < gs->nseen; i++)
		if (strcmp(gs->seen[i], name) == 0)
			return 1;
	if (gs->nseen == gs->capseen) {
		gs->capseen = gs->capseen ? gs->capseen * 2 : 4;
		if ((p = realloc(gs->seen, gs->capseen * sizeof(*gs->seen))) ==
		    NULL)
			return -1;
		gs->seen = p;
	}
	gs->seen[gs->nseen++] = name;
	return 0;
}

static int
collect(struct exec *ex, const struct lh_gql_type *obj,
    const struct lh_gql_sel *sel, struct groups *gs)
{
	const struct lh_gql_def	*frag;
	int			 r;

	for (; sel != NULL; sel = sel->next) {
		if (!included(ex, sel->dirs))
			continue;
		switch (sel->kind) {
		case LH_GQL_SEL_FIELD:
			if (group_add(gs, sel) == -1)
				return -1;
			break;
		case LH_GQL_SEL_INLINE:
			if (type_applies(ex, sel->type_cond, obj) &&
			    collect(ex, obj, sel->selset, gs) == -1)
				return -1;
			break;
		case LH_GQL_SEL_SPREAD:
			if ((r = seen_fragment(gs, sel->name)) != 0) {
				if (r == -1)
					return -1;
				break;
			}
			frag = gql_doc_fragment(ex->doc, sel->name);
			if (frag != NULL && type_applies(ex, frag->type_cond,
			    obj) && collect(ex, obj, frag->selset, gs) == -1)
				return -1;
			break;
		}
	}
	return 0;
}

static void
groups_free(struct groups *gs)
{
	size_t	i;

	for (i = 0; i < gs->n; i++)
		free(gs->g[i].sels);
	free(gs->g);
	free(gs->seen);
	memset(gs, 0, sizeof(*gs));
}

static int
exec_field(struct exec *ex, const struct lh_gql_type *obj,
    json_object *parent, const struct group *g, const struct path *p,
    json_object **out)
{
	const struct lh_gql_sel		*sel = g->sels[0];
	const struct lh_gql_field	*f;
	json_object			*args = NULL, *val = NULL;
	struct lh_gql_rerr		 rerr;
	char				 err[300];
	int				 handled = 0, rc;

	*out = NULL;
	if ((f = gql_type_field(ex->s, obj, sel->name)) == NULL)
		return 0;	/* validation rules this out */
	if (f == &ex->s->f_typename) {
		*out = json_object_new_string(obj->name);
		return 0;
	}
	if (gql_coerce_args(f->args, f->nargs, sel->args, ex->vars, &args,
	    err, sizeof(err)) == -1) {
		field_error(ex, g, p, err, "BAD_USER_INPUT");
		return 1;
	}
	memset(&rerr, 0, sizeof(rerr));
	if (f->intro || obj->builtin)
		val = gql_introspect_field(ex->s, f, parent, args, &handled);
	if (!handled) {
		if (f->fn != NULL)
			val = f->fn(ex->ctx, parent, args, f->udata, &rerr);
		else if (f->need_resolver)
			snprintf(rerr.message, sizeof(rerr.message),
			    "no resolver for %s.%s", obj->name, f->name);
		else if (json_object_is_type(parent, json_type_object) &&
		    json_object_object_get_ex(parent, f->name, &val))
			val = json_object_get(val);
	}
	json_object_put(args);
	if (rerr.message[0] != '\0') {
		json_object_put(val);
		field_error(ex, g, p, rerr.message, rerr.code[0] != '\0' ?
		    rerr.code : "INTERNAL_SERVER_ERROR");
		return 1;
	}
	rc = complete(ex, f->type, g, val, p, obj->name, f->name, out);
	json_object_put(val);
	return rc;
}

/* Executes a selection set on an object; 1 when it must become null. */
static int
exec_selset(struct exec *ex, const struct lh_gql_type *obj,
    const struct group *fields, json_object *parent, const struct path *p,
    json_object **out)
{
	struct groups	 gs;
	json_object	*o, *v;
	struct path	 sub;
	size_t		 i;
	int		 rc, nullify = 0;
	const struct lh_gql_field *f;

	memset(&gs, 0, sizeof(gs));
	for (i = 0; i < fields->n; i++)
		if (collect(ex, obj, fields->sels[i]->selset, &gs) == -1) {
			ex->oom = 1;
			groups_free(&gs);
			return 1;
		}
	if ((o = json_object_new_object()) == NULL) {
		ex->oom = 1;
		groups_free(&gs);
		return 1;
	}
	for (i = 0; i < gs.n && !ex->oom; i++) {
		sub.key = gs.g[i].key;
		sub.idx = 0;
		sub.prev = p;
		rc = exec_field(ex, obj, parent, &gs.g[i], &sub, &v);
		if (rc != 0) {
			f = gql_type_field(ex->s, obj, gs.g[i].sels[0]->name);
			if (f != NULL && f->type->kind == LH_GQL_T_NONNULL) {
				nullify = 1;
				break;
			}
			v = NULL;
		}
		json_object_object_add(o, gs.g[i].key, v);
	}
	groups_free(&gs);
	if (nullify || ex->oom) {
		json_object_put(o);
		*out = NULL;
		return 1;
	}
	*out = o;
	return 0;
}

static const struct lh_gql_type *
runtime_type(struct exec *ex, const struct lh_gql_type *abs, json_object *v)
{
	json_object			*tn;
	const struct lh_gql_type	*t;

	if (!json_object_object_get_ex(v, "__typename", &tn) ||
	    (t = gql_schema_type(ex->s, json_object_get_string(tn))) == NULL ||
	    t->kind != LH_GQL_OBJECT || !gql_type_possible(abs, t))
		return NULL;
	return t;
}

static int
complete_list(struct exec *ex, const struct lh_gql_tref *t,
    const struct group *g, json_object *v, const struct path *p,
    const char *tname, const char *fname, json_object **out)
{
	json_object	*a, *item;
	struct path	 sub;
	size_t		 i, n;

	if (!json_object_is_type(v, json_type_array)) {
		field_error(ex, g, p, "Expected a list value.",
		    "INTERNAL_SERVER_ERROR");
		return 1;
	}
	if ((a = json_object_new_array()) == NULL) {
		ex->oom = 1;
		return 1;
	}
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		sub.key = NULL;
		sub.idx = (int)i;
		sub.prev = p;
		if (complete(ex, t->of, g, json_object_array_get_idx(v, i),
		    &sub, tname, fname, &item) != 0) {
			if (t->of->kind == LH_GQL_T_NONNULL) {
				json_object_put(a);
				return 1;
			}
			item = NULL;
		}
		json_object_array_add(a, item);
	}
	*out = a;
	return 0;
}

static int
complete(struct exec *ex, const struct lh_gql_tref *t, const struct group *g,
    json_object *v, const struct path *p, const char *tname,
    const char *fname, json_object **out)
{
	const struct lh_gql_type	*nt;
	char				 err[300];
	int				 ok, rc;

	*out = NULL;
	if (t->kind == LH_GQL_T_NONNULL) {
		rc = complete(ex, t->of, g, v, p, tname, fname, out);
		if (rc == 0 && *out == NULL) {
			/* the field's name is only formatted when needed */
			snprintf(err, sizeof(err), "Cannot return null for "
			    "non-nullable field %s.%s.", tname, fname);
			field_error(ex, g, p, err, "INTERNAL_SERVER_ERROR");
			return 1;
		}
		return rc;
	}
	if (v == NULL)
		return 0;
	if (t->kind == LH_GQL_T_LIST)
		return complete_list(ex, t, g, v, p, tname, fname, out);
	nt = t->type;
	if (nt->kind == LH_GQL_SCALAR || nt->kind == LH_GQL_ENUM) {
		*out = gql_serialize_leaf(nt, v, err, sizeof(err), &ok);
		if (!ok) {
			field_error(ex, g, p, err, "INTERNAL_SERVER_ERROR");
			return 1;
		}
		return 0;
	}
	if (gql_type_is_abstract(nt) && (nt = runtime_type(ex, nt, v)) ==
	    NULL) {
		snprintf(err, sizeof(err), "Abstract type \"%s\" must resolve "
		    "to an Object type at runtime for field \"%s\".",
		    t->type->name, g->sels[0]->name);
		field_error(ex, g, p, err, "INTERNAL_SERVER_ERROR");
		return 1;
	}
	return exec_selset(ex, nt, g, v, p, out);
}

json_object *
gql_exec_operation(const struct lh_gql_schema *s, const struct lh_gql_doc *doc,
    const struct lh_gql_def *op, json_object *vars, void *ctx,
    json_object *errors)
{
	struct exec		 ex;
	struct lh_gql_sel	 root;
	const struct lh_gql_sel	*rp = &root;
	struct group		 g;
	json_object		*data = NULL, *empty;

	memset(&ex, 0, sizeof(ex));
	ex.s = s;
	ex.doc = doc;
	ex.vars = vars;
	ex.ctx = ctx;
	ex.errors = errors;
	memset(&root, 0, sizeof(root));
	root.selset = op->selset;
	root.loc = op->loc;
	root.name = "";
	g.key = "";
	g.sels = &rp;
	g.n = g.cap = 1;
	if ((empty = json_object_new_object()) == NULL)
		return NULL;
	exec_selset(&ex, s->roots[op->op], &g, empty, NULL, &data);
	json_object_put(empty);
	return data;
}
