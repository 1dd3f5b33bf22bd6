/*
 * validate_typed.c: the typed walk over an executable document (the role
 * of graphql-js's TypeInfo): fields, fragments, directives, arguments and
 * values; collects variable usages for validate_vars.c.  Runs in the
 * workers and the CLI.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "worker/graphql/gql_int.h"

#define ERR(c, r)	VRULE(c, r)

static void	walk_selset(struct lh_gql_vctx *, const struct lh_gql_sel *,
		    const struct lh_gql_type *);

static void
add_usage(struct lh_gql_vctx *c, const struct lh_gql_value *v,
    const struct lh_gql_tref *t, int has_default,
    const struct lh_gql_type *parent)
{
	void	*p;

	if (c->nusages == c->capusages) {
		c->capusages = c->capusages ? c->capusages * 2 : 16;
		if ((p = realloc(c->usages, c->capusages *
		    sizeof(*c->usages))) == NULL) {
			c->capusages = c->nusages;
			return;
		}
		c->usages = p;
	}
	c->usages[c->nusages].def = c->cur;
	c->usages[c->nusages].node = v;
	c->usages[c->nusages].type = t;
	c->usages[c->nusages].parent = parent;
	c->usages[c->nusages++].has_default = has_default;
}

/*
 * Can the literal be parsed as the leaf type t?  0 when it can, else 1
 * with graphql-js's parseLiteral message in buf.
 */
static void
enum_hint(const struct lh_gql_type *t, const char *input, char *buf,
    size_t len)
{
	const char	**names, *out[5];
	size_t		  i;

	buf[0] = '\0';
	if (t->nvalues == 0 ||
	    (names = calloc(t->nvalues, sizeof(*names))) == NULL)
		return;
	for (i = 0; i < t->nvalues; i++)
		names[i] = t->values[i].name;
	gql_did_you_mean(buf, len, "the enum value", out, gql_suggest(input,
	    names, t->nvalues, out, 5));
	free(names);
}

static int
literal_problem(const struct lh_gql_type *t, const struct lh_gql_value *v,
    char *buf, size_t len)
{
	char		vs[512], hint[300];
	size_t		i;
	long long	n;

	if (gql_value_print(v, vs, sizeof(vs)) == -1)
		snprintf(vs, sizeof(vs), "...");
	if (t->kind == LH_GQL_ENUM) {
		if (v->kind == LH_GQL_V_ENUM)
			for (i = 0; i < t->nvalues; i++)
				if (strcmp(t->values[i].name, v->s) == 0)
					return 0;
		enum_hint(t, v->kind == LH_GQL_V_ENUM ? v->s : vs, hint,
		    sizeof(hint));
		if (v->kind != LH_GQL_V_ENUM)
			snprintf(buf, len, "Enum \"%s\" cannot represent "
			    "non-enum value: %s.%s", t->name, vs, hint);
		else
			snprintf(buf, len, "Value \"%s\" does not exist in "
			    "\"%s\" enum.%s", v->s, t->name, hint);
		return 1;
	}
	if (strcmp(t->name, "Int") == 0) {
		if (v->kind != LH_GQL_V_INT) {
			snprintf(buf, len, "Int cannot represent non-integer "
			    "value: %s", vs);
			return 1;
		}
		errno = 0;
		n = strtoll(v->s, NULL, 10);
		if (errno == 0 && n >= INT32_MIN && n <= INT32_MAX)
			return 0;
		snprintf(buf, len, "Int cannot represent non 32-bit signed "
		    "integer value: %s", vs);
		return 1;
	}
	if (strcmp(t->name, "Float") == 0) {
		if (v->kind == LH_GQL_V_INT || v->kind == LH_GQL_V_FLOAT)
			return 0;
		snprintf(buf, len, "Float cannot represent non numeric value: "
		    "%s", vs);
		return 1;
	}
	if (strcmp(t->name, "String") == 0) {
		if (v->kind == LH_GQL_V_STRING)
			return 0;
		snprintf(buf, len, "String cannot represent a non string value: "
		    "%s", vs);
		return 1;
	}
	if (strcmp(t->name, "Boolean") == 0) {
		if (v->kind == LH_GQL_V_BOOL)
			return 0;
		snprintf(buf, len, "Boolean cannot represent a non boolean "
		    "value: %s", vs);
		return 1;
	}
	if (strcmp(t->name, "ID") == 0) {
		if (v->kind == LH_GQL_V_STRING || v->kind == LH_GQL_V_INT)
			return 0;
		snprintf(buf, len, "ID cannot represent a non-string and "
		    "non-integer value: %s", vs);
		return 1;
	}
	return 0;	/* custom scalars accept any literal */
}

static void
value_error(struct lh_gql_vctx *c, const struct lh_gql_value *v,
    const struct lh_gql_tref *t)
{
	char	tn[256], vs[512];

	if (gql_value_print(v, vs, sizeof(vs)) == -1)
		snprintf(vs, sizeof(vs), "...");
	gql_err_add(c->errors, &v->loc, 1, "Expected value of type \"%s\", "
	    "found %s.", gql_tref_str(t, tn, sizeof(tn)), vs);
}

/* " Did you mean ...?" for name among the options (may be empty). */
static void
suggest(char *buf, size_t len, const char *sub, const char *name,
    const char *const *options, size_t n)
{
	const char	*out[5];

	gql_did_you_mean(buf, len, sub, out, gql_suggest(name, options, n,
	    out, 5));
}

static void
suggest_inputs(char *buf, size_t len, const char *name,
    const struct lh_gql_input *in, size_t n)
{
	const char	**names;
	size_t		  i;

	buf[0] = '\0';
	if (n == 0 || (names = calloc(n, sizeof(*names))) == NULL)
		return;
	for (i = 0; i < n; i++)
		names[i] = in[i].name;
	suggest(buf, len, NULL, name, names, n);
	free(names);
}

/* graphql-js isValidValueNode(). */
static void
check_leaf_value(struct lh_gql_vctx *c, const struct lh_gql_value *v,
    const struct lh_gql_tref *t)
{
	const struct lh_gql_type	*nt;
	char				 msg[600];

	if (t == NULL || !ERR(c, LH_GQL_R_VALUES_OF_CORRECT_TYPE))
		return;
	nt = gql_tref_named(t);
	if (nt == NULL)
		return;
	if (nt->kind != LH_GQL_SCALAR && nt->kind != LH_GQL_ENUM) {
		value_error(c, v, t);
		return;
	}
	if (literal_problem(nt, v, msg, sizeof(msg)))
		gql_err_add(c->errors, &v->loc, 1, "%s", msg);
}

static void	walk_value(struct lh_gql_vctx *, const struct lh_gql_value *,
		    const struct lh_gql_tref *, int, int,
		    const struct lh_gql_type *);

static void
walk_object(struct lh_gql_vctx *c, const struct lh_gql_value *v,
    const struct lh_gql_tref *t, int quiet)
{
	const struct lh_gql_type	*it = gql_tref_named(t);
	const struct lh_gql_arg		*f, *g;
	struct lh_gql_input		*fd;
	struct lh_gql_loc		 locs[2];
	char				 tn[256], hint[300];
	size_t				 i, n = 0;

	if (ERR(c, LH_GQL_R_UNIQUE_INPUT_FIELD_NAMES))
		for (f = v->fields; f != NULL; f = f->next)
			for (g = v->fields; g != f; g = g->next)
				if (strcmp(g->name, f->name) == 0) {
					locs[0] = g->loc;
					locs[1] = f->loc;
					gql_err_add(c->errors, locs, 2, "There "
					    "can be only one input field named "
					    "\"%s\".", f->name);
					break;
				}
	if (it == NULL || it->kind != LH_GQL_INPUT) {
		if (!quiet)
			check_leaf_value(c, v, t);
		for (f = v->fields; f != NULL; f = f->next)
			walk_value(c, f->value, NULL, 0, 1, NULL);
		return;
	}
	if (!quiet && ERR(c, LH_GQL_R_VALUES_OF_CORRECT_TYPE)) {
		for (i = 0; i < it->ninputs; i++) {
			fd = &it->inputs[i];
			for (f = v->fields; f != NULL; f = f->next)
				if (strcmp(f->name, fd->name) == 0)
					break;
			if (f == NULL && fd->type->kind == LH_GQL_T_NONNULL &&
			    fd->defval == NULL)
				gql_err_add(c->errors, &v->loc, 1, "Field "
				    "\"%s.%s\" of required type \"%s\" was not "
				    "provided.", it->name, fd->name,
				    gql_tref_str(fd->type, tn, sizeof(tn)));
		}
		if (it->oneof) {
			for (f = v->fields; f != NULL; f = f->next) {
				for (g = v->fields; g != f; g = g->next)
					if (strcmp(g->name, f->name) == 0)
						break;
				if (g == f)
					n++;
			}
			if (n != 1)
				gql_err_add(c->errors, &v->loc, 1, "OneOf Input "
				    "Object \"%s\" must specify exactly one "
				    "key.", it->name);
			else if (v->fields->value->kind == LH_GQL_V_NULL)
				gql_err_add(c->errors, &v->loc, 1, "Field "
				    "\"%s.%s\" must be non-null.", it->name,
				    v->fields->name);
		}
	}
	for (f = v->fields; f != NULL; f = f->next) {
		fd = gql_find_input(it->inputs, it->ninputs, f->name);
		if (fd == NULL) {
			if (!quiet && ERR(c, LH_GQL_R_VALUES_OF_CORRECT_TYPE)) {
				suggest_inputs(hint, sizeof(hint), f->name,
				    it->inputs, it->ninputs);
				gql_err_add(c->errors, &f->loc, 1, "Field \"%s\" "
				    "is not defined by type \"%s\".%s",
				    f->name, it->name, hint);
			}
			walk_value(c, f->value, NULL, 0, quiet, it);
			continue;
		}
		if (fd->deprecated != NULL && ERR(c, LH_GQL_R_NO_DEPRECATED))
			gql_err_add(c->errors, &f->loc, 1, "The input field "
			    "%s.%s is deprecated. %s", it->name, fd->name,
			    fd->deprecated);
		walk_value(c, f->value, fd->type, fd->defval != NULL, quiet,
		    it);
	}
}

/*
 * Walks a value expected to be of type t (NULL: unknown).  quiet: an
 * enclosing value was already reported by ValuesOfCorrectType.
 */
static void
walk_value(struct lh_gql_vctx *c, const struct lh_gql_value *v,
    const struct lh_gql_tref *t, int has_default, int quiet,
    const struct lh_gql_type *parent)
{
	const struct lh_gql_tref	*nt = t;
	const struct lh_gql_value	*it;
	const struct lh_gql_type	*et;
	size_t				 i;

	if (nt != NULL && nt->kind == LH_GQL_T_NONNULL)
		nt = nt->of;
	switch (v->kind) {
	case LH_GQL_V_VAR:
		add_usage(c, v, t, has_default, parent);
		return;
	case LH_GQL_V_NULL:
		if (!quiet && t != NULL && t->kind == LH_GQL_T_NONNULL &&
		    ERR(c, LH_GQL_R_VALUES_OF_CORRECT_TYPE))
			value_error(c, v, t);
		return;
	case LH_GQL_V_LIST:
		if (nt != NULL && nt->kind == LH_GQL_T_LIST) {
			for (it = v->items; it != NULL; it = it->next)
				walk_value(c, it, nt->of, 0, quiet, NULL);
			return;
		}
		if (!quiet)
			check_leaf_value(c, v, t);
		for (it = v->items; it != NULL; it = it->next)
			walk_value(c, it, t, 0, 1, NULL);
		return;
	case LH_GQL_V_OBJECT:
		walk_object(c, v, t, quiet);
		return;
	case LH_GQL_V_ENUM:
		et = gql_tref_named(t);
		if (et != NULL && et->kind == LH_GQL_ENUM &&
		    ERR(c, LH_GQL_R_NO_DEPRECATED))
			for (i = 0; i < et->nvalues; i++)
				if (strcmp(et->values[i].name, v->s) == 0 &&
				    et->values[i].deprecated != NULL)
					gql_err_add(c->errors, &v->loc, 1, "The "
					    "enum value \"%s.%s\" is deprecated. "
					    "%s", et->name, v->s,
					    et->values[i].deprecated);
		if (!quiet)
			check_leaf_value(c, v, t);
		return;
	default:
		if (!quiet)
			check_leaf_value(c, v, t);
		return;
	}
}

/*
 * Arguments of a field or directive.  defs NULL with known == 0: the
 * field or directive is unknown.  what: `field "T.f"` or `directive "@d"`.
 */
static void
walk_args(struct lh_gql_vctx *c, const struct lh_gql_arg *args,
    struct lh_gql_input *defs, size_t ndefs, int known, const char *what,
    const char *fname, const struct lh_gql_loc *node, int is_dir)
{
	const struct lh_gql_arg	*a, *b;
	struct lh_gql_input	*d;
	struct lh_gql_loc	 locs[64];
	char			 tn[256], hint[300];
	size_t			 i, n;

	for (a = args; a != NULL; a = a->next) {
		if (ERR(c, LH_GQL_R_UNIQUE_ARGUMENT_NAMES)) {
			for (b = args; b != a; b = b->next)
				if (strcmp(a->name, b->name) == 0)
					break;
			if (b == a) {
				for (n = 0, b = a; b != NULL; b = b->next)
					if (strcmp(a->name, b->name) == 0 &&
					    n < 64)
						locs[n++] = b->loc;
				if (n > 1)
					gql_err_add(c->errors, locs, n, "There "
					    "can be only one argument named "
					    "\"%s\".", a->name);
			}
		}
		d = known ? gql_find_input(defs, ndefs, a->name) : NULL;
		if (known && d == NULL && ERR(c,
		    LH_GQL_R_KNOWN_ARGUMENT_NAMES)) {
			suggest_inputs(hint, sizeof(hint), a->name, defs, ndefs);
			gql_err_add(c->errors, &a->loc, 1, "Unknown argument "
			    "\"%s\" on %s.%s", a->name, what, hint);
		}
		if (d != NULL && d->deprecated != NULL &&
		    ERR(c, LH_GQL_R_NO_DEPRECATED)) {
			if (is_dir)
				gql_err_add(c->errors, &a->loc, 1, "Directive "
				    "\"@%s\" argument \"%s\" is deprecated. %s",
				    fname, a->name, d->deprecated);
			else
				gql_err_add(c->errors, &a->loc, 1, "Field "
				    "\"%s\" argument \"%s\" is deprecated. %s",
				    fname, a->name, d->deprecated);
		}
		walk_value(c, a->value, d != NULL ? d->type : NULL,
		    d != NULL && d->defval != NULL, 0, NULL);
	}
	if (!known || !ERR(c, LH_GQL_R_PROVIDED_REQUIRED_ARGUMENTS))
		return;
	for (i = 0; i < ndefs; i++) {
		if (defs[i].type->kind != LH_GQL_T_NONNULL ||
		    defs[i].defval != NULL)
			continue;
		for (a = args; a != NULL; a = a->next)
			if (strcmp(a->name, defs[i].name) == 0)
				break;
		if (a != NULL)
			continue;
		gql_err_add(c->errors, node, 1, "%s \"%s%s\" argument \"%s\" of "
		    "type \"%s\" is required, but it was not provided.",
		    is_dir ? "Directive" : "Field", is_dir ? "@" : "",
		    is_dir ? fname : strchr(fname, '.') + 1, defs[i].name,
		    gql_tref_str(defs[i].type, tn, sizeof(tn)));
	}
}

static void
walk_dirs(struct lh_gql_vctx *c, const struct lh_gql_dir *dirs, int loc)
{
	const struct lh_gql_dir		*d, *e;
	struct lh_gql_directive		*dd, *de;
	struct lh_gql_loc		 locs[2];
	char				 what[200];

	for (d = dirs; d != NULL; d = d->next) {
		dd = gql_schema_directive(c->s, d->name);
		if (ERR(c, LH_GQL_R_KNOWN_DIRECTIVES)) {
			if (dd == NULL)
				gql_err_add(c->errors, &d->loc, 1, "Unknown "
				    "directive \"@%s\".", d->name);
			else if ((dd->locations & (1u << loc)) == 0)
				gql_err_add(c->errors, &d->loc, 1, "Directive "
				    "\"@%s\" may not be used on %s.", d->name,
				    gql_dloc_name(loc));
		}
		if (dd != NULL && !dd->repeatable &&
		    ERR(c, LH_GQL_R_UNIQUE_DIRECTIVES_PER_LOCATION))
			for (e = dirs; e != d; e = e->next) {
				de = gql_schema_directive(c->s, e->name);
				if (de == dd) {
					locs[0] = e->loc;
					locs[1] = d->loc;
					gql_err_add(c->errors, locs, 2, "The "
					    "directive \"@%s\" can only be used "
					    "once at this location.", d->name);
					break;
				}
			}
		snprintf(what, sizeof(what), "directive \"@%s\"", d->name);
		walk_args(c, d->args, dd != NULL ? dd->args : NULL,
		    dd != NULL ? dd->nargs : 0, dd != NULL, what, d->name,
		    &d->loc, 1);
	}
}

static int
is_intro_type(const struct lh_gql_type *t)
{
	return t != NULL && t->builtin && strncmp(t->name, "__", 2) == 0;
}

static int
has_field(const struct lh_gql_type *t, const char *name)
{
	size_t	i;

	for (i = 0; i < t->nfields; i++)
		if (strcmp(t->fields[i].name, name) == 0)
			return 1;
	return 0;
}

struct hint_type {
	const struct lh_gql_type	*t;
	int				 uses;
};

static int
hint_cmp(const void *x, const void *y)
{
	const struct hint_type	*a = x, *b = y;

	if (a->uses != b->uses)
		return b->uses - a->uses;
	if (a->t->kind == LH_GQL_INTERFACE && gql_is_subtype(b->t, a->t))
		return -1;
	if (b->t->kind == LH_GQL_INTERFACE && gql_is_subtype(a->t, b->t))
		return 1;
	return strcmp(a->t->name, b->t->name);
}

/* graphql-js: inline fragment types first, else similar field names. */
static void
field_hint(struct lh_gql_vctx *c, const struct lh_gql_type *parent,
    const char *name, char *buf, size_t len)
{
	struct hint_type	 ht[64];
	const char		*names[64], **fnames;
	const struct lh_gql_type *p, *it;
	size_t			 n = 0, i, j, k;

	buf[0] = '\0';
	for (i = 0; gql_type_is_abstract(parent) && i < parent->npossible;
	    i++) {
		p = parent->possible[i];
		if (!has_field(p, name))
			continue;
		for (j = 0; j <= p->nifaces && n < 64; j++) {
			it = j == 0 ? p : p->ifaces[j - 1];
			if (j > 0 && !has_field(it, name))
				continue;
			for (k = 0; k < n && ht[k].t != it; k++)
				;
			if (k == n) {
				ht[n].t = it;
				ht[n++].uses = 0;
			}
			ht[k].uses++;
		}
	}
	if (n > 0) {
		qsort(ht, n, sizeof(*ht), hint_cmp);
		for (i = 0; i < n; i++)
			names[i] = ht[i].t->name;
		gql_did_you_mean(buf, len, "to use an inline fragment on",
		    names, n);
		return;
	}
	if (parent->nfields == 0 ||
	    (fnames = calloc(parent->nfields, sizeof(*fnames))) == NULL)
		return;
	for (i = 0; i < parent->nfields; i++)
		fnames[i] = parent->fields[i].name;
	suggest(buf, len, NULL, name, fnames, parent->nfields);
	free(fnames);
}

static void
walk_field(struct lh_gql_vctx *c, const struct lh_gql_sel *sel,
    const struct lh_gql_type *parent)
{
	const struct lh_gql_field	*fd;
	const struct lh_gql_type	*nt = NULL;
	char				 what[320], coord[300], tn[256];

	fd = parent != NULL ? gql_type_field(c->s, parent, sel->name) : NULL;
	if (parent != NULL && fd == NULL &&
	    ERR(c, LH_GQL_R_FIELDS_ON_CORRECT_TYPE)) {
		field_hint(c, parent, sel->name, tn, sizeof(tn));
		gql_err_add(c->errors, &sel->loc, 1, "Cannot query field \"%s\" "
		    "on type \"%s\".%s", sel->name, parent->name, tn);
	}
	if (fd != NULL) {
		nt = gql_tref_named(fd->type);
		if (ERR(c, LH_GQL_R_SCALAR_LEAFS) && nt != NULL) {
			if ((nt->kind == LH_GQL_SCALAR ||
			    nt->kind == LH_GQL_ENUM) && sel->has_selset)
				gql_err_add(c->errors, &sel->selset_loc, 1,
				    "Field \"%s\" must not have a selection "
				    "since type \"%s\" has no subfields.",
				    sel->name, gql_tref_str(fd->type, tn,
				    sizeof(tn)));
			else if (gql_type_is_composite(nt) && !sel->has_selset)
				gql_err_add(c->errors, &sel->loc, 1, "Field "
				    "\"%s\" of type \"%s\" must have a selection "
				    "of subfields. Did you mean \"%s { ... }\"?",
				    sel->name, gql_tref_str(fd->type, tn,
				    sizeof(tn)), sel->name);
		}
		if (fd->deprecated != NULL && ERR(c, LH_GQL_R_NO_DEPRECATED))
			gql_err_add(c->errors, &sel->loc, 1, "The field %s.%s is "
			    "deprecated. %s", parent->name, fd->name,
			    fd->deprecated);
		if (is_intro_type(nt) &&
		    ERR(c, LH_GQL_R_NO_SCHEMA_INTROSPECTION))
			gql_err_add(c->errors, &sel->loc, 1, "GraphQL "
			    "introspection has been disabled, but the requested "
			    "query contained the field \"%s\".", sel->name);
	}
	snprintf(coord, sizeof(coord), "%s.%s", parent != NULL ?
	    parent->name : "?", sel->name);
	snprintf(what, sizeof(what), "field \"%s\"", coord);
	walk_args(c, sel->args, fd != NULL ? fd->args : NULL,
	    fd != NULL ? fd->nargs : 0, fd != NULL, what, coord, &sel->loc, 0);
	walk_dirs(c, sel->dirs, LH_GQL_DL_FIELD);
	if (sel->selset != NULL)
		walk_selset(c, sel->selset, gql_type_is_composite(nt) ? nt :
		    NULL);
}

static void
possible_spread(struct lh_gql_vctx *c, const struct lh_gql_sel *sel,
    const struct lh_gql_type *parent, const struct lh_gql_type *ft)
{
	if (!ERR(c, LH_GQL_R_POSSIBLE_FRAGMENT_SPREADS) || parent == NULL ||
	    !gql_type_is_composite(ft) || gql_types_overlap(parent, ft))
		return;
	if (sel->kind == LH_GQL_SEL_SPREAD)
		gql_err_add(c->errors, &sel->loc, 1, "Fragment \"%s\" cannot be "
		    "spread here as objects of type \"%s\" can never be of "
		    "type \"%s\".", sel->name, parent->name, ft->name);
	else
		gql_err_add(c->errors, &sel->loc, 1, "Fragment cannot be spread "
		    "here as objects of type \"%s\" can never be of type "
		    "\"%s\".", parent->name, ft->name);
}

static void
unknown_type(struct lh_gql_vctx *c, const char *name,
    const struct lh_gql_loc *loc)
{
	const char	**names;
	char		  hint[300];
	size_t		  i;

	if (!ERR(c, LH_GQL_R_KNOWN_TYPE_NAMES))
		return;
	hint[0] = '\0';
	if ((names = calloc(c->s->ntypes + 1, sizeof(*names))) != NULL) {
		for (i = 0; i < c->s->ntypes; i++)
			names[i] = c->s->types[i]->name;
		suggest(hint, sizeof(hint), NULL, name, names, c->s->ntypes);
		free(names);
	}
	gql_err_add(c->errors, loc, 1, "Unknown type \"%s\".%s", name, hint);
}

static const struct lh_gql_type *
type_condition(struct lh_gql_vctx *c, const char *name,
    const struct lh_gql_loc *loc, const char *frag)
{
	const struct lh_gql_type	*t;

	if ((t = gql_schema_type(c->s, name)) == NULL) {
		unknown_type(c, name, loc);
		return NULL;
	}
	if (!gql_type_is_composite(t) &&
	    ERR(c, LH_GQL_R_FRAGMENTS_ON_COMPOSITE_TYPES)) {
		if (frag != NULL)
			gql_err_add(c->errors, loc, 1, "Fragment \"%s\" cannot "
			    "condition on non composite type \"%s\".", frag,
			    name);
		else
			gql_err_add(c->errors, loc, 1, "Fragment cannot "
			    "condition on non composite type \"%s\".", name);
	}
	return t;
}

static void
walk_selset(struct lh_gql_vctx *c, const struct lh_gql_sel *sel,
    const struct lh_gql_type *parent)
{
	const struct lh_gql_type	*t;
	const struct lh_gql_def		*f;

	for (; sel != NULL; sel = sel->next) {
		switch (sel->kind) {
		case LH_GQL_SEL_FIELD:
			walk_field(c, sel, parent);
			break;
		case LH_GQL_SEL_INLINE:
			t = parent;
			if (sel->type_cond != NULL)
				t = type_condition(c, sel->type_cond,
				    &sel->tc_loc, NULL);
			possible_spread(c, sel, parent, t);
			walk_dirs(c, sel->dirs, LH_GQL_DL_INLINE_FRAGMENT);
			walk_selset(c, sel->selset, gql_type_is_composite(t) ?
			    t : NULL);
			break;
		case LH_GQL_SEL_SPREAD:
			f = gql_doc_fragment(c->doc, sel->name);
			if (f == NULL && ERR(c, LH_GQL_R_KNOWN_FRAGMENT_NAMES))
				gql_err_add(c->errors, &sel->name_loc, 1,
				    "Unknown fragment \"%s\".", sel->name);
			if (f != NULL)
				possible_spread(c, sel, parent,
				    gql_schema_type(c->s, f->type_cond));
			walk_dirs(c, sel->dirs, LH_GQL_DL_FRAGMENT_SPREAD);
			break;
		}
	}
}

static void
walk_vardefs(struct lh_gql_vctx *c, const struct lh_gql_def *op)
{
	const struct lh_gql_vardef	*v;
	struct lh_gql_tref		*t;
	const struct lh_gql_tref	*n;
	char				 tn[256];

	for (v = op->vardefs; v != NULL; v = v->next) {
		for (n = v->type; n->kind != LH_GQL_T_NAMED; n = n->of)
			;
		t = gql_tref_resolve(c->s, c->arena, v->type);
		if (t == NULL && gql_schema_type(c->s, n->name) == NULL)
			unknown_type(c, n->name, &n->loc);
		if (t != NULL && !gql_type_is_input(gql_tref_named(t)) &&
		    ERR(c, LH_GQL_R_VARIABLES_ARE_INPUT_TYPES))
			gql_err_add(c->errors, &v->type->loc, 1, "Variable "
			    "\"$%s\" cannot be non-input type \"%s\".", v->name,
			    gql_tref_str(v->type, tn, sizeof(tn)));
		if (v->defval != NULL)
			walk_value(c, v->defval, t != NULL &&
			    gql_type_is_input(gql_tref_named(t)) ? t : NULL, 0,
			    0, NULL);
		walk_dirs(c, v->dirs, LH_GQL_DL_VARIABLE_DEFINITION);
	}
}

void
gql_validate_typed(struct lh_gql_vctx *c)
{
	const struct lh_gql_def		*d;
	const struct lh_gql_type	*t;
	static const int		 oploc[3] = { LH_GQL_DL_QUERY,
	    LH_GQL_DL_MUTATION, LH_GQL_DL_SUBSCRIPTION };

	for (d = c->doc->defs; d != NULL; d = d->next) {
		c->cur = d;
		if (d->kind == LH_GQL_D_OPERATION) {
			walk_vardefs(c, d);
			walk_dirs(c, d->dirs, oploc[d->op]);
			walk_selset(c, d->selset, c->s->roots[d->op]);
		} else if (d->kind == LH_GQL_D_FRAGMENT) {
			t = type_condition(c, d->type_cond, &d->tc_loc,
			    d->name);
			walk_dirs(c, d->dirs, LH_GQL_DL_FRAGMENT_DEFINITION);
			walk_selset(c, d->selset, gql_type_is_composite(t) ?
			    t : NULL);
		}
	}
	c->cur = NULL;
}
