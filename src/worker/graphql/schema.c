/*
 * schema.c: builds a schema from SDL (with the built-in scalars,
 * directives and introspection types), type lookups and type relations,
 * resolver registration.  Runs in the workers (once at start) and the CLI.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"

struct build {
	struct lh_gql_schema	*s;
	char			*err;
	size_t			 errlen;
};

static const char *const dloc_names[LH_GQL_DL_COUNT] = {
	"QUERY", "MUTATION", "SUBSCRIPTION", "FIELD", "FRAGMENT_DEFINITION",
	"FRAGMENT_SPREAD", "INLINE_FRAGMENT", "VARIABLE_DEFINITION", "SCHEMA",
	"SCALAR", "OBJECT", "FIELD_DEFINITION", "ARGUMENT_DEFINITION",
	"INTERFACE", "UNION", "ENUM", "ENUM_VALUE", "INPUT_OBJECT",
	"INPUT_FIELD_DEFINITION"
};

const char *
gql_dloc_name(int loc)
{
	if (loc < 0 || loc >= LH_GQL_DL_COUNT)
		return "?";
	return dloc_names[loc];
}

int
gql_dloc_parse(const char *name)
{
	int	i;

	for (i = 0; i < LH_GQL_DL_COUNT; i++)
		if (strcmp(dloc_names[i], name) == 0)
			return i;
	return -1;
}

static int berr(struct build *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
berr(struct build *b, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

struct lh_gql_type *
gql_schema_type(const struct lh_gql_schema *s, const char *name)
{
	size_t	i;

	if (s == NULL || name == NULL)
		return NULL;
	for (i = 0; i < s->ntypes; i++)
		if (strcmp(s->types[i]->name, name) == 0)
			return s->types[i];
	return NULL;
}

const struct lh_gql_field *
gql_type_field(const struct lh_gql_schema *s, const struct lh_gql_type *t,
    const char *name)
{
	size_t	i;

	if (t == NULL)
		return NULL;
	if (name[0] == '_' && name[1] == '_') {
		if (strcmp(name, "__typename") == 0 &&
		    gql_type_is_composite(t))
			return &s->f_typename;
		if (t == s->roots[LH_GQL_OP_QUERY]) {
			if (strcmp(name, "__schema") == 0)
				return &s->f_schema;
			if (strcmp(name, "__type") == 0)
				return &s->f_type;
		}
	}
	if (t->kind != LH_GQL_OBJECT && t->kind != LH_GQL_INTERFACE)
		return NULL;
	for (i = 0; i < t->nfields; i++)
		if (strcmp(t->fields[i].name, name) == 0)
			return &t->fields[i];
	return NULL;
}

struct lh_gql_input *
gql_find_input(struct lh_gql_input *in, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(in[i].name, name) == 0)
			return &in[i];
	return NULL;
}

struct lh_gql_directive *
gql_schema_directive(const struct lh_gql_schema *s, const char *name)
{
	size_t	i;

	for (i = 0; s != NULL && i < s->ndirs; i++)
		if (strcmp(s->dirs[i].name, name) == 0)
			return &s->dirs[i];
	return NULL;
}

struct lh_gql_type *
gql_tref_named(const struct lh_gql_tref *t)
{
	while (t != NULL && t->kind != LH_GQL_T_NAMED)
		t = t->of;
	return t == NULL ? NULL : t->type;
}

int
gql_type_is_input(const struct lh_gql_type *t)
{
	return t != NULL && (t->kind == LH_GQL_SCALAR ||
	    t->kind == LH_GQL_ENUM || t->kind == LH_GQL_INPUT);
}

int
gql_type_is_output(const struct lh_gql_type *t)
{
	return t != NULL && t->kind != LH_GQL_INPUT;
}

int
gql_type_is_composite(const struct lh_gql_type *t)
{
	return t != NULL && (t->kind == LH_GQL_OBJECT ||
	    t->kind == LH_GQL_INTERFACE || t->kind == LH_GQL_UNION);
}

int
gql_type_is_abstract(const struct lh_gql_type *t)
{
	return t != NULL && (t->kind == LH_GQL_INTERFACE ||
	    t->kind == LH_GQL_UNION);
}

int
gql_type_possible(const struct lh_gql_type *abs, const struct lh_gql_type *obj)
{
	size_t	i;

	if (abs == obj)
		return 1;
	for (i = 0; i < abs->npossible; i++)
		if (abs->possible[i] == obj)
			return 1;
	return 0;
}

/* Do two composite types share a possible object type? */
int
gql_types_overlap(const struct lh_gql_type *a, const struct lh_gql_type *b)
{
	size_t	i;

	if (a == b)
		return 1;
	if (gql_type_is_abstract(a)) {
		if (gql_type_is_abstract(b)) {
			for (i = 0; i < a->npossible; i++)
				if (gql_type_possible(b, a->possible[i]))
					return 1;
			return 0;
		}
		return gql_type_possible(a, b);
	}
	if (gql_type_is_abstract(b))
		return gql_type_possible(b, a);
	return 0;
}

/* sub is super, implements it, or is a member of it. */
int
gql_is_subtype(const struct lh_gql_type *sub, const struct lh_gql_type *super)
{
	size_t	i;

	if (sub == super)
		return 1;
	if (super->kind == LH_GQL_UNION)
		return gql_type_possible(super, sub);
	if (super->kind == LH_GQL_INTERFACE)
		for (i = 0; i < sub->nifaces; i++)
			if (sub->ifaces[i] == super)
				return 1;
	return 0;
}

char *
gql_tref_str(const struct lh_gql_tref *t, char *buf, size_t len)
{
	char	inner[256];

	if (t == NULL)
		snprintf(buf, len, "?");
	else if (t->kind == LH_GQL_T_NAMED)
		snprintf(buf, len, "%s", t->name);
	else if (t->kind == LH_GQL_T_LIST)
		snprintf(buf, len, "[%s]", gql_tref_str(t->of, inner,
		    sizeof(inner)));
	else
		snprintf(buf, len, "%s!", gql_tref_str(t->of, inner,
		    sizeof(inner)));
	return buf;
}

struct lh_gql_tref *
gql_tref_resolve(const struct lh_gql_schema *s, struct lh_gql_arena *a,
    const struct lh_gql_tref *t)
{
	struct lh_gql_tref	*r;

	if (t == NULL || (r = gql_alloc(a, sizeof(*r))) == NULL)
		return NULL;
	*r = *t;
	if (t->kind == LH_GQL_T_NAMED)
		return (r->type = gql_schema_type(s, t->name)) == NULL ? NULL :
		    r;
	return (r->of = gql_tref_resolve(s, a, t->of)) == NULL ? NULL : r;
}

/* Resolves a schema type reference in place. */
static int
resolve_in_place(struct build *b, struct lh_gql_tref *t)
{
	for (; t != NULL; t = t->of)
		if (t->kind == LH_GQL_T_NAMED) {
			if ((t->type = gql_schema_type(b->s, t->name)) == NULL)
				return berr(b, "Unknown type \"%s\".", t->name);
			return 0;
		}
	return 0;
}

static const char *
dir_string_arg(struct lh_gql_dir *dirs, const char *dname, const char *arg,
    const char *dflt, int *found)
{
	struct lh_gql_dir	*d;
	struct lh_gql_arg	*a;

	*found = 0;
	for (d = dirs; d != NULL; d = d->next) {
		if (strcmp(d->name, dname) != 0)
			continue;
		*found = 1;
		for (a = d->args; a != NULL; a = a->next)
			if (strcmp(a->name, arg) == 0 &&
			    a->value->kind == LH_GQL_V_STRING)
				return a->value->s;
		return dflt;
	}
	return NULL;
}

/* Reason of @deprecated (the directive's default when not given). */
static const char *
deprecation(struct build *b, struct lh_gql_dir *dirs)
{
	struct lh_gql_directive	*d;
	struct lh_gql_input	*r;
	const char		*dflt = "No longer supported";
	int			 found;

	if ((d = gql_schema_directive(b->s, "deprecated")) != NULL &&
	    (r = gql_find_input(d->args, d->nargs, "reason")) != NULL &&
	    r->defval != NULL && r->defval->kind == LH_GQL_V_STRING)
		dflt = r->defval->s;
	return dir_string_arg(dirs, "deprecated", "reason", dflt, &found);
}

static int
kind_of_def(enum lh_gql_defkind k)
{
	switch (k) {
	case LH_GQL_D_SCALAR: return LH_GQL_SCALAR;
	case LH_GQL_D_OBJECT: return LH_GQL_OBJECT;
	case LH_GQL_D_INTERFACE: return LH_GQL_INTERFACE;
	case LH_GQL_D_UNION: return LH_GQL_UNION;
	case LH_GQL_D_ENUM: return LH_GQL_ENUM;
	case LH_GQL_D_INPUT: return LH_GQL_INPUT;
	default: return -1;
	}
}

static int
fill_inputs(struct build *b, struct lh_gql_ivdef *iv, struct lh_gql_input *out)
{
	size_t	n = 0;

	for (; iv != NULL; iv = iv->next, n++) {
		out[n].name = iv->name;
		out[n].desc = iv->desc;
		out[n].type = iv->type;
		out[n].defval = iv->defval;
		out[n].deprecated = deprecation(b, iv->dirs);
		if (resolve_in_place(b, iv->type) == -1)
			return -1;
		if (!gql_type_is_input(gql_tref_named(iv->type)))
			return berr(b, "The type of \"%s\" must be Input Type.",
			    iv->name);
	}
	return 0;
}

static size_t
count_ivdefs(struct lh_gql_ivdef *iv)
{
	size_t	n = 0;

	for (; iv != NULL; iv = iv->next)
		n++;
	return n;
}

/* Adds the members of one definition (or extension) to its type. */
static int
fill_type(struct build *b, struct lh_gql_type *t, struct lh_gql_def *d)
{
	struct lh_gql_arena	*a = b->s->arena;
	struct lh_gql_fdef	*f;
	struct lh_gql_evdef	*e;
	struct lh_gql_name	*n;
	struct lh_gql_field	*nf;
	int			 found;
	const char		*url;
	size_t			 cnt, i;

	if (d->desc != NULL)
		t->desc = d->desc;
	if ((url = dir_string_arg(d->dirs, "specifiedBy", "url", NULL,
	    &found)) != NULL)
		t->specified_by = url;
	dir_string_arg(d->dirs, "oneOf", "-", NULL, &found);
	if (found)
		t->oneof = 1;
	for (cnt = 0, f = d->fields; f != NULL; f = f->next)
		cnt++;
	if (cnt > 0) {
		if ((nf = gql_alloc(a, (t->nfields + cnt) * sizeof(*nf))) ==
		    NULL)
			return berr(b, "out of memory");
		if (t->nfields > 0)
			memcpy(nf, t->fields, t->nfields * sizeof(*nf));
		t->fields = nf;
		for (f = d->fields; f != NULL; f = f->next) {
			nf = &t->fields[t->nfields++];
			nf->name = f->name;
			nf->desc = f->desc;
			nf->type = f->type;
			nf->owner = t;
			nf->deprecated = deprecation(b, f->dirs);
			nf->nargs = count_ivdefs(f->args);
			if (nf->nargs > 0 && (nf->args = gql_alloc(a,
			    nf->nargs * sizeof(*nf->args))) == NULL)
				return berr(b, "out of memory");
			if (resolve_in_place(b, f->type) == -1 ||
			    fill_inputs(b, f->args, nf->args) == -1)
				return -1;
			if (!gql_type_is_output(gql_tref_named(f->type)))
				return berr(b, "The type of \"%s.%s\" must be "
				    "Output Type.", t->name, f->name);
		}
	}
	if ((cnt = count_ivdefs(d->ivdefs)) > 0) {
		struct lh_gql_input *ni;

		if ((ni = gql_alloc(a, (t->ninputs + cnt) * sizeof(*ni))) ==
		    NULL)
			return berr(b, "out of memory");
		if (t->ninputs > 0)
			memcpy(ni, t->inputs, t->ninputs * sizeof(*ni));
		if (fill_inputs(b, d->ivdefs, ni + t->ninputs) == -1)
			return -1;
		t->inputs = ni;
		t->ninputs += cnt;
	}
	for (cnt = 0, e = d->values; e != NULL; e = e->next)
		cnt++;
	if (cnt > 0) {
		struct lh_gql_enumval *nv;

		if ((nv = gql_alloc(a, (t->nvalues + cnt) * sizeof(*nv))) ==
		    NULL)
			return berr(b, "out of memory");
		if (t->nvalues > 0)
			memcpy(nv, t->values, t->nvalues * sizeof(*nv));
		for (e = d->values; e != NULL; e = e->next) {
			nv[t->nvalues].name = e->name;
			nv[t->nvalues].desc = e->desc;
			nv[t->nvalues++].deprecated = deprecation(b, e->dirs);
		}
		t->values = nv;
	}
	for (cnt = 0, n = d->ifaces; n != NULL; n = n->next)
		cnt++;
	if (cnt > 0) {
		struct lh_gql_type **ni, *it;

		if ((ni = gql_alloc(a, (t->nifaces + cnt) * sizeof(*ni))) ==
		    NULL)
			return berr(b, "out of memory");
		for (i = 0; i < t->nifaces; i++)
			ni[i] = t->ifaces[i];
		for (n = d->ifaces; n != NULL; n = n->next) {
			if ((it = gql_schema_type(b->s, n->name)) == NULL)
				return berr(b, "Unknown type \"%s\".", n->name);
			if (it->kind != (t->kind == LH_GQL_UNION ?
			    LH_GQL_OBJECT : LH_GQL_INTERFACE))
				return berr(b, "Type \"%s\" cannot be used "
				    "in \"%s\".", n->name, t->name);
			ni[t->nifaces++] = it;
		}
		t->ifaces = ni;
	}
	return 0;
}

static int
add_types(struct build *b, struct lh_gql_doc *doc, int builtin)
{
	struct lh_gql_def	*d;
	struct lh_gql_type	*t;
	int			 k;

	for (d = doc->defs; d != NULL; d = d->next) {
		if (d->extend || (k = kind_of_def(d->kind)) == -1)
			continue;
		if ((t = gql_schema_type(b->s, d->name)) != NULL) {
			/* `scalar String` in a user's SDL names the standard
			 * scalar, as graphql-js accepts it */
			if (!builtin && t->builtin && t->kind == LH_GQL_SCALAR &&
			    k == LH_GQL_SCALAR && d->dirs == NULL)
				continue;
			return berr(b, "There can be only one type named "
			    "\"%s\".", d->name);
		}
		if ((t = gql_alloc(b->s->arena, sizeof(*t))) == NULL)
			return berr(b, "out of memory");
		t->kind = k;
		t->name = d->name;
		t->builtin = builtin;
		b->s->types[b->s->ntypes++] = t;
	}
	return 0;
}

static int
fill_types(struct build *b, struct lh_gql_doc *doc, int builtin)
{
	struct lh_gql_def	*d;
	struct lh_gql_type	*t;

	for (d = doc->defs; d != NULL; d = d->next) {
		if (kind_of_def(d->kind) == -1)
			continue;
		t = gql_schema_type(b->s, d->name);
		if (t == NULL || (int)t->kind != kind_of_def(d->kind))
			return berr(b, "Cannot extend type \"%s\".", d->name);
		if (t->builtin && !builtin) {
			if (d->extend)
				return berr(b, "Cannot extend built-in type "
				    "\"%s\".", d->name);
			continue;	/* a standard scalar named again */
		}
		if (fill_type(b, t, d) == -1)
			return -1;
	}
	return 0;
}

/* Union members and interface implementors. */
static int
compute_possible(struct build *b)
{
	struct lh_gql_schema	*s = b->s;
	struct lh_gql_type	*t, *o;
	size_t			 i, j, k;

	for (i = 0; i < s->ntypes; i++) {
		t = s->types[i];
		if (t->kind == LH_GQL_UNION) {
			t->possible = t->ifaces;
			t->npossible = t->nifaces;
			t->ifaces = NULL;
			t->nifaces = 0;
		}
	}
	for (i = 0; i < s->ntypes; i++) {
		t = s->types[i];
		if (t->kind != LH_GQL_INTERFACE)
			continue;
		if ((t->possible = gql_alloc(s->arena, s->ntypes *
		    sizeof(*t->possible))) == NULL)
			return berr(b, "out of memory");
		for (j = 0; j < s->ntypes; j++) {
			o = s->types[j];
			if (o->kind != LH_GQL_OBJECT)
				continue;
			for (k = 0; k < o->nifaces; k++)
				if (o->ifaces[k] == t)
					t->possible[t->npossible++] = o;
		}
	}
	return 0;
}

static int
add_directives(struct build *b, struct lh_gql_doc *doc, int builtin)
{
	struct lh_gql_schema	*s = b->s;
	struct lh_gql_def	*d;
	struct lh_gql_directive	*dir;
	struct lh_gql_name	*n;
	int			 l;

	for (d = doc->defs; d != NULL; d = d->next) {
		if (d->kind != LH_GQL_D_DIRECTIVE)
			continue;
		if ((dir = gql_schema_directive(s, d->name)) != NULL) {
			/* a user's definition replaces a built-in one */
			if (builtin || !dir->builtin)
				return berr(b, "There can be only one directive "
				    "named \"@%s\".", d->name);
			memset(dir, 0, sizeof(*dir));
		} else
			dir = &s->dirs[s->ndirs++];
		dir->name = d->name;
		dir->desc = d->desc;
		dir->repeatable = d->repeatable;
		dir->builtin = builtin;
		dir->nargs = count_ivdefs(d->ivdefs);
		if (dir->nargs > 0 && (dir->args = gql_alloc(s->arena,
		    dir->nargs * sizeof(*dir->args))) == NULL)
			return berr(b, "out of memory");
		if (fill_inputs(b, d->ivdefs, dir->args) == -1)
			return -1;
		for (n = d->locations; n != NULL; n = n->next) {
			if ((l = gql_dloc_parse(n->name)) == -1)
				return berr(b, "Unexpected directive location "
				    "\"%s\".", n->name);
			dir->locations |= 1u << l;
		}
	}
	return 0;
}

static int
set_roots(struct build *b, struct lh_gql_doc *doc)
{
	static const char *const dflt[3] = { "Query", "Mutation",
	    "Subscription" };
	struct lh_gql_schema	*s = b->s;
	struct lh_gql_def	*d;
	struct lh_gql_optdef	*o;
	int			 have = 0, i;

	for (d = doc->defs; d != NULL; d = d->next) {
		if (d->kind != LH_GQL_D_SCHEMA)
			continue;
		have = 1;
		if (d->desc != NULL)
			s->desc = d->desc;
		for (o = d->optypes; o != NULL; o = o->next) {
			s->roots[o->op] = gql_schema_type(s, o->type);
			if (s->roots[o->op] == NULL ||
			    s->roots[o->op]->kind != LH_GQL_OBJECT)
				return berr(b, "Unknown root type \"%s\".",
				    o->type);
		}
	}
	if (!have)
		for (i = 0; i < 3; i++) {
			s->roots[i] = gql_schema_type(s, dflt[i]);
			if (s->roots[i] != NULL &&
			    s->roots[i]->kind != LH_GQL_OBJECT)
				s->roots[i] = NULL;
		}
	for (i = 0; i < 3; i++)
		if (s->roots[i] != NULL) {
			size_t j;

			for (j = 0; j < s->roots[i]->nfields; j++)
				s->roots[i]->fields[j].need_resolver = 1;
		}
	return 0;
}

static void
mark_ref(struct lh_gql_type **refd, size_t *n, const struct lh_gql_tref *t)
{
	struct lh_gql_type	*nt = gql_tref_named(t);
	size_t			 i;

	for (i = 0; i < *n; i++)
		if (refd[i] == nt)
			return;
	refd[(*n)++] = nt;
}

/* graphql-js keeps only the standard scalars the schema references. */
static void
prune_scalars(struct lh_gql_schema *s, struct lh_gql_type **refd)
{
	struct lh_gql_type	*t;
	size_t			 n = 0, i, j, k;

	for (i = 0; i < s->ntypes; i++) {
		t = s->types[i];
		for (j = 0; j < t->nfields; j++) {
			mark_ref(refd, &n, t->fields[j].type);
			for (k = 0; k < t->fields[j].nargs; k++)
				mark_ref(refd, &n, t->fields[j].args[k].type);
		}
		for (j = 0; j < t->ninputs; j++)
			mark_ref(refd, &n, t->inputs[j].type);
	}
	for (i = 0; i < s->ndirs; i++)
		for (j = 0; j < s->dirs[i].nargs; j++)
			mark_ref(refd, &n, s->dirs[i].args[j].type);
	for (i = 0, k = 0; i < s->ntypes; i++) {
		t = s->types[i];
		if (t->builtin && t->kind == LH_GQL_SCALAR) {
			for (j = 0; j < n; j++)
				if (refd[j] == t)
					break;
			if (j == n)
				continue;
		}
		s->types[k++] = t;
	}
	s->ntypes = k;
}

static size_t
count_refs(const struct lh_gql_schema *s)
{
	size_t	i, j, n = 0;

	for (i = 0; i < s->ntypes; i++) {
		n += s->types[i]->nfields + s->types[i]->ninputs;
		for (j = 0; j < s->types[i]->nfields; j++)
			n += s->types[i]->fields[j].nargs;
	}
	for (i = 0; i < s->ndirs; i++)
		n += s->dirs[i].nargs;
	return n;
}

static int
meta_field(struct build *b, struct lh_gql_field *f, const char *name,
    const char *type, int nonnull)
{
	struct lh_gql_arena	*a = b->s->arena;
	struct lh_gql_tref	*t, *nn;

	f->name = name;
	if ((t = gql_alloc(a, sizeof(*t))) == NULL ||
	    (nn = gql_alloc(a, sizeof(*nn))) == NULL)
		return berr(b, "out of memory");
	t->kind = LH_GQL_T_NAMED;
	t->name = type;
	t->type = gql_schema_type(b->s, type);
	nn->kind = LH_GQL_T_NONNULL;
	nn->of = t;
	f->type = nonnull ? nn : t;
	return 0;
}

static int
meta_fields(struct build *b)
{
	struct lh_gql_schema	*s = b->s;
	struct lh_gql_input	*arg;

	if (meta_field(b, &s->f_typename, "__typename", "String", 1) == -1 ||
	    meta_field(b, &s->f_schema, "__schema", "__Schema", 1) == -1 ||
	    meta_field(b, &s->f_type, "__type", "__Type", 0) == -1)
		return -1;
	s->f_typename.desc = "The name of the current Object type at runtime.";
	s->f_schema.desc = "Access the current type schema of this server.";
	s->f_type.desc = "Request the type information of a single type.";
	if ((arg = gql_alloc(s->arena, sizeof(*arg))) == NULL)
		return berr(b, "out of memory");
	arg->name = "name";
	if ((arg->type = gql_alloc(s->arena, sizeof(*arg->type))) == NULL)
		return berr(b, "out of memory");
	*arg->type = *s->f_typename.type;
	s->f_type.args = arg;
	s->f_type.nargs = 1;
	s->f_typename.intro = s->f_schema.intro = s->f_type.intro = 1;
	return 0;
}

static size_t
count_defs(struct lh_gql_doc *doc, int directives)
{
	struct lh_gql_def	*d;
	size_t			 n = 0;

	for (d = doc->defs; d != NULL; d = d->next)
		if (directives ? d->kind == LH_GQL_D_DIRECTIVE :
		    (!d->extend && kind_of_def(d->kind) != -1))
			n++;
	return n;
}

static int
check_user_doc(struct build *b, struct lh_gql_doc *doc)
{
	struct lh_gql_def	*d;
	int			 nschema = 0;

	for (d = doc->defs; d != NULL; d = d->next) {
		if (d->kind == LH_GQL_D_OPERATION ||
		    d->kind == LH_GQL_D_FRAGMENT)
			return berr(b, "%d:%d: executable definitions are not "
			    "allowed in a schema", d->loc.line, d->loc.col);
		if (d->kind == LH_GQL_D_SCHEMA && !d->extend && nschema++)
			return berr(b, "Must provide only one schema "
			    "definition.");
	}
	return 0;
}

/* The SDL validation rules (as graphql-js's buildSchema runs them). */
static int
check_sdl_rules(struct build *b, struct lh_gql_doc *doc)
{
	json_object	*errors, *e, *l;
	int		 rc = 0;

	if ((errors = json_object_new_array()) == NULL)
		return berr(b, "out of memory");
	if (gql_validate_sdl(NULL, doc, ~0ULL, errors) != 0) {
		e = json_object_array_get_idx(errors, 0);
		l = json_object_array_get_idx(json_object_object_get(e,
		    "locations"), 0);
		if (l != NULL)
			berr(b, "%d:%d: %s", json_object_get_int(
			    json_object_object_get(l, "line")),
			    json_object_get_int(json_object_object_get(l,
			    "column")), json_object_get_string(
			    json_object_object_get(e, "message")));
		else
			berr(b, "%s", json_object_get_string(
			    json_object_object_get(e, "message")));
		rc = -1;
	}
	json_object_put(errors);
	return rc;
}

struct lh_gql_schema *
gql_schema_parse(const char *sdl, size_t len, char *errbuf, size_t errlen)
{
	struct lh_gql_schema	*s;
	struct build		 b;
	struct lh_gql_loc	 el;
	char			 perr[300];
	size_t			 nt, nd;
	int			 i;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	b.s = s;
	b.err = errbuf;
	b.errlen = errlen;
	if ((s->docs[0] = gql_parse(gql_builtin_sdl, strlen(gql_builtin_sdl),
	    perr, sizeof(perr), &el)) == NULL) {
		berr(&b, "built-in schema: %s", perr);
		goto fail;
	}
	if ((s->docs[1] = gql_parse(sdl, len, perr, sizeof(perr), &el)) ==
	    NULL) {
		berr(&b, "%d:%d: %s", el.line, el.col, perr);
		goto fail;
	}
	if ((s->arena = gql_arena_new()) == NULL) {
		berr(&b, "out of memory");
		goto fail;
	}
	if (check_user_doc(&b, s->docs[1]) == -1 ||
	    check_sdl_rules(&b, s->docs[1]) == -1)
		goto fail;
	nt = count_defs(s->docs[0], 0) + count_defs(s->docs[1], 0);
	nd = count_defs(s->docs[0], 1) + count_defs(s->docs[1], 1);
	if ((s->types = gql_alloc(s->arena, (nt + 1) * sizeof(*s->types))) ==
	    NULL || (s->dirs = gql_alloc(s->arena, (nd + 1) *
	    sizeof(*s->dirs))) == NULL) {
		berr(&b, "out of memory");
		goto fail;
	}
	for (i = 0; i < 2; i++)
		if (add_types(&b, s->docs[i], i == 0) == -1)
			goto fail;
	for (i = 0; i < 2; i++)
		if (add_directives(&b, s->docs[i], i == 0) == -1)
			goto fail;
	for (i = 0; i < 2; i++)
		if (fill_types(&b, s->docs[i], i == 0) == -1)
			goto fail;
	if (compute_possible(&b) == -1 || set_roots(&b, s->docs[1]) == -1 ||
	    meta_fields(&b) == -1)
		goto fail;
	{
		struct lh_gql_type **refd;

		/* at most one entry per field, argument and input */
		if ((refd = calloc(count_refs(s) + 1, sizeof(*refd))) == NULL) {
			berr(&b, "out of memory");
			goto fail;
		}
		prune_scalars(s, refd);
		free(refd);
	}
	return s;
fail:
	gql_schema_free(s);
	return NULL;
}

void
gql_schema_free(struct lh_gql_schema *s)
{
	if (s == NULL)
		return;
	gql_doc_free(s->docs[0]);
	gql_doc_free(s->docs[1]);
	gql_arena_free(s->arena);
	free(s);
}

const char *
gql_schema_root_name(const struct lh_gql_schema *s, enum lh_gql_optype op)
{
	if ((int)op < 0 || op > LH_GQL_OP_SUBSCRIPTION || s->roots[op] == NULL)
		return NULL;
	return s->roots[op]->name;
}

static struct lh_gql_field *
field_by_coord(struct lh_gql_schema *s, const char *coord)
{
	const char		*dot;
	char			 tname[128];
	struct lh_gql_type	*t;
	size_t			 i;

	if ((dot = strchr(coord, '.')) == NULL ||
	    (size_t)(dot - coord) >= sizeof(tname))
		return NULL;
	memcpy(tname, coord, dot - coord);
	tname[dot - coord] = '\0';
	if ((t = gql_schema_type(s, tname)) == NULL ||
	    (t->kind != LH_GQL_OBJECT && t->kind != LH_GQL_INTERFACE))
		return NULL;
	for (i = 0; i < t->nfields; i++)
		if (strcmp(t->fields[i].name, dot + 1) == 0)
			return &t->fields[i];
	return NULL;
}

int
gql_schema_set_resolver(struct lh_gql_schema *s, const char *coord,
    gql_resolver_fn fn, void *udata)
{
	struct lh_gql_field	*f;

	if ((f = field_by_coord(s, coord)) == NULL)
		return -1;
	f->fn = fn;
	f->udata = udata;
	return 0;
}

int
gql_schema_require_resolver(struct lh_gql_schema *s, const char *coord)
{
	struct lh_gql_field	*f;

	if ((f = field_by_coord(s, coord)) == NULL)
		return -1;
	f->need_resolver = 1;
	return 0;
}

int
gql_schema_check_resolvers(const struct lh_gql_schema *s, char *buf,
    size_t len)
{
	struct lh_gql_type	*t;
	size_t			 i, j, off = 0;
	int			 missing = 0, n;

	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < s->ntypes; i++) {
		t = s->types[i];
		if (t->builtin || t->kind != LH_GQL_OBJECT)
			continue;
		for (j = 0; j < t->nfields; j++) {
			if (!t->fields[j].need_resolver ||
			    t->fields[j].fn != NULL)
				continue;
			if (off < len) {
				n = snprintf(buf + off, len - off, "%s%s.%s",
				    missing ? ", " : "no resolver for ",
				    t->name, t->fields[j].name);
				if (n > 0)
					off += (size_t)n;
			}
			missing++;
		}
	}
	return missing ? -1 : 0;
}
