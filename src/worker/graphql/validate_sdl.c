/*
 * validate_sdl.c: the rules for type-system documents (SDL), optionally
 * extending an existing schema: lone/unique schema and operation types,
 * unique type/enum value/field/argument/directive names, possible
 * extensions, known types, known and unique directives with their
 * arguments.  Runs in the CLI and the conformance tests.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"

struct sarg {
	const char		*name;
	const struct lh_gql_tref *type;
	int			 required;
};

struct sdir {
	const char		*name;
	unsigned		 locs;
	int			 repeatable;
	struct sarg		*args;
	size_t			 nargs;
};

struct sctx {
	const struct lh_gql_schema	*base;
	const struct lh_gql_doc		*doc;
	unsigned long long		 rules;
	json_object			*errors;
	struct lh_gql_arena		*a;
	struct sdir			*dirs;
	size_t				 ndirs;
};

#define SRULE(c, r)	(((c)->rules & LH_GQL_RULE(r)) != 0)

static const char *const standard_types[] = { "String", "Int", "Float",
    "Boolean", "ID", "__Schema", "__Type", "__Field", "__InputValue",
    "__EnumValue", "__Directive", "__TypeKind", "__DirectiveLocation", NULL };

static int
is_type_def(const struct lh_gql_def *d)
{
	return d->kind >= LH_GQL_D_SCALAR && d->kind <= LH_GQL_D_INPUT;
}

static const struct lh_gql_type *
base_type(struct sctx *c, const char *name)
{
	return c->base != NULL ? gql_schema_type(c->base, name) : NULL;
}

static struct sdir *
sdir_find(struct sctx *c, const char *name)
{
	size_t	i;

	for (i = c->ndirs; i > 0; i--)	/* later definitions win */
		if (strcmp(c->dirs[i - 1].name, name) == 0)
			return &c->dirs[i - 1];
	return NULL;
}

static int
sdir_from_def(struct sctx *c, const struct lh_gql_def *d, struct sdir *out)
{
	const struct lh_gql_ivdef	*iv;
	const struct lh_gql_name	*n;
	int				 l;
	size_t				 k = 0;

	out->name = d->name;
	out->repeatable = d->repeatable;
	out->locs = 0;
	for (n = d->locations; n != NULL; n = n->next)
		if ((l = gql_dloc_parse(n->name)) != -1)
			out->locs |= 1u << l;
	for (iv = d->ivdefs; iv != NULL; iv = iv->next)
		k++;
	out->nargs = k;
	if (k > 0 && (out->args = gql_alloc(c->a, k * sizeof(*out->args))) ==
	    NULL)
		return -1;
	for (k = 0, iv = d->ivdefs; iv != NULL; iv = iv->next, k++) {
		out->args[k].name = iv->name;
		out->args[k].type = iv->type;
		out->args[k].required = iv->type->kind == LH_GQL_T_NONNULL &&
		    iv->defval == NULL;
	}
	return 0;
}

static int
load_directives(struct sctx *c, const struct lh_gql_doc *builtin)
{
	const struct lh_gql_def	*d;
	size_t			 n = 0, i, k;
	struct sdir		*sd;

	for (d = c->doc->defs; d != NULL; d = d->next)
		n++;
	n += c->base != NULL ? c->base->ndirs : 16;
	if ((c->dirs = gql_alloc(c->a, (n + 1) * sizeof(*c->dirs))) == NULL)
		return -1;
	if (c->base != NULL) {
		for (i = 0; i < c->base->ndirs; i++) {
			sd = &c->dirs[c->ndirs++];
			sd->name = c->base->dirs[i].name;
			sd->locs = c->base->dirs[i].locations;
			sd->repeatable = c->base->dirs[i].repeatable;
			sd->nargs = c->base->dirs[i].nargs;
			if (sd->nargs > 0 && (sd->args = gql_alloc(c->a,
			    sd->nargs * sizeof(*sd->args))) == NULL)
				return -1;
			for (k = 0; k < sd->nargs; k++) {
				sd->args[k].name = c->base->dirs[i].args[k].name;
				sd->args[k].type = c->base->dirs[i].args[k].type;
				sd->args[k].required = sd->args[k].type->kind ==
				    LH_GQL_T_NONNULL &&
				    c->base->dirs[i].args[k].defval == NULL;
			}
		}
	} else
		for (d = builtin->defs; d != NULL; d = d->next)
			if (d->kind == LH_GQL_D_DIRECTIVE &&
			    sdir_from_def(c, d, &c->dirs[c->ndirs++]) == -1)
				return -1;
	for (d = c->doc->defs; d != NULL; d = d->next)
		if (d->kind == LH_GQL_D_DIRECTIVE &&
		    sdir_from_def(c, d, &c->dirs[c->ndirs++]) == -1)
			return -1;
	return 0;
}

/* " Did you mean ...?" among the types of the schema and the document
 * (and the standard names when std). */
static void
type_hint(struct sctx *c, const char *name, int std, char *buf, size_t len)
{
	const struct lh_gql_def	*d;
	const char		**names, *out[5];
	size_t			  n = 0, max = 16, i;

	buf[0] = '\0';
	for (d = c->doc->defs; d != NULL; d = d->next)
		max++;
	if (c->base != NULL)
		max += c->base->ntypes;
	if ((names = calloc(max, sizeof(*names))) == NULL)
		return;
	for (i = 0; std && standard_types[i] != NULL; i++)
		names[n++] = standard_types[i];
	for (i = 0; c->base != NULL && i < c->base->ntypes; i++)
		names[n++] = c->base->types[i]->name;
	for (d = c->doc->defs; d != NULL; d = d->next)
		if (is_type_def(d) && !d->extend)
			names[n++] = d->name;
	gql_did_you_mean(buf, len, NULL, out, gql_suggest(name, names, n, out,
	    5));
	free(names);
}

static void
rule_lone_schema(struct sctx *c)
{
	const struct lh_gql_def	*d;
	int			 already, n = 0;

	already = c->base != NULL && (c->base->roots[0] != NULL ||
	    c->base->roots[1] != NULL || c->base->roots[2] != NULL);
	for (d = c->doc->defs; d != NULL; d = d->next) {
		if (d->kind != LH_GQL_D_SCHEMA || d->extend)
			continue;
		if (already)
			gql_err_add(c->errors, &d->loc, 1, "Cannot define a new "
			    "schema within a schema extension.");
		else if (n++ > 0)
			gql_err_add(c->errors, &d->loc, 1, "Must provide only one "
			    "schema definition.");
	}
}

static void
rule_unique_operation_types(struct sctx *c)
{
	static const char *const opn[3] = { "query", "mutation",
	    "subscription" };
	const struct lh_gql_def		*d;
	const struct lh_gql_optdef	*o, *seen[3] = { NULL, NULL, NULL };
	struct lh_gql_loc		 locs[2];

	for (d = c->doc->defs; d != NULL; d = d->next) {
		if (d->kind != LH_GQL_D_SCHEMA)
			continue;
		for (o = d->optypes; o != NULL; o = o->next) {
			if (c->base != NULL && c->base->roots[o->op] != NULL)
				gql_err_add(c->errors, &o->loc, 1, "Type for %s "
				    "already defined in the schema. It cannot "
				    "be redefined.", opn[o->op]);
			else if (seen[o->op] != NULL) {
				locs[0] = seen[o->op]->loc;
				locs[1] = o->loc;
				gql_err_add(c->errors, locs, 2, "There can be "
				    "only one %s type in schema.", opn[o->op]);
			} else
				seen[o->op] = o;
		}
	}
}

static void
rule_unique_type_names(struct sctx *c)
{
	const struct lh_gql_def	*d, *e;
	struct lh_gql_loc	 locs[2];

	for (d = c->doc->defs; d != NULL; d = d->next) {
		if (!is_type_def(d) || d->extend)
			continue;
		if (base_type(c, d->name) != NULL) {
			gql_err_add(c->errors, &d->name_loc, 1, "Type \"%s\" "
			    "already exists in the schema. It cannot also be "
			    "defined in this type definition.", d->name);
			continue;
		}
		for (e = c->doc->defs; e != d; e = e->next)
			if (is_type_def(e) && !e->extend &&
			    strcmp(e->name, d->name) == 0 &&
			    base_type(c, e->name) == NULL)
				break;
		if (e != d) {
			locs[0] = e->name_loc;
			locs[1] = d->name_loc;
			gql_err_add(c->errors, locs, 2, "There can be only one "
			    "type named \"%s\".", d->name);
		}
	}
}

/* Earlier member (enum value / field) of the same type name in the doc. */
static const struct lh_gql_loc *
earlier_member(struct sctx *c, const struct lh_gql_def *upto,
    const void *member, const char *tname, const char *mname, int enums)
{
	const struct lh_gql_def		*d;
	const struct lh_gql_evdef	*e;
	const struct lh_gql_fdef	*f;
	const struct lh_gql_ivdef	*iv;

	for (d = c->doc->defs; d != NULL; d = d->next) {
		if (!is_type_def(d) || strcmp(d->name, tname) != 0)
			continue;
		if (enums && d->kind != LH_GQL_D_ENUM)
			continue;
		if (enums) {
			for (e = d->values; e != NULL; e = e->next) {
				if ((const void *)e == member)
					return NULL;
				if (strcmp(e->name, mname) == 0)
					return &e->loc;
			}
		} else if (d->kind == LH_GQL_D_INPUT) {
			for (iv = d->ivdefs; iv != NULL; iv = iv->next) {
				if ((const void *)iv == member)
					return NULL;
				if (strcmp(iv->name, mname) == 0)
					return &iv->loc;
			}
		} else if (d->kind == LH_GQL_D_OBJECT ||
		    d->kind == LH_GQL_D_INTERFACE) {
			for (f = d->fields; f != NULL; f = f->next) {
				if ((const void *)f == member)
					return NULL;
				if (strcmp(f->name, mname) == 0)
					return &f->loc;
			}
		}
		if (d == upto)
			break;
	}
	return NULL;
}

static void
member_error(struct sctx *c, const struct lh_gql_def *d, const void *m,
    const char *name, const struct lh_gql_loc *loc, int exists, int enums)
{
	const struct lh_gql_loc	*prev;
	struct lh_gql_loc	 locs[2];
	const char		*what = enums ? "Enum value" : "Field";

	if (exists) {
		gql_err_add(c->errors, loc, 1, "%s \"%s.%s\" already exists in "
		    "the schema. It cannot also be defined in this type "
		    "extension.", what, d->name, name);
		return;
	}
	if ((prev = earlier_member(c, d, m, d->name, name, enums)) != NULL) {
		locs[0] = *prev;
		locs[1] = *loc;
		gql_err_add(c->errors, locs, 2, "%s \"%s.%s\" can only be "
		    "defined once.", what, d->name, name);
	}
}

static void
rule_unique_members(struct sctx *c, int enums)
{
	const struct lh_gql_def		*d;
	const struct lh_gql_type	*bt;
	const struct lh_gql_evdef	*e;
	const struct lh_gql_fdef	*f;
	const struct lh_gql_ivdef	*iv;
	size_t				 i;
	int				 ex;

	for (d = c->doc->defs; d != NULL; d = d->next) {
		if (!is_type_def(d))
			continue;
		bt = base_type(c, d->name);
		if (enums && d->kind == LH_GQL_D_ENUM)
			for (e = d->values; e != NULL; e = e->next) {
				ex = 0;
				for (i = 0; bt != NULL && bt->kind ==
				    LH_GQL_ENUM && i < bt->nvalues; i++)
					if (strcmp(bt->values[i].name,
					    e->name) == 0)
						ex = 1;
				member_error(c, d, e, e->name, &e->loc, ex, 1);
			}
		if (enums)
			continue;
		for (f = d->fields; f != NULL; f = f->next) {
			ex = bt != NULL && (bt->kind == LH_GQL_OBJECT ||
			    bt->kind == LH_GQL_INTERFACE) &&
			    gql_type_field(c->base, bt, f->name) != NULL &&
			    strncmp(f->name, "__", 2) != 0;
			member_error(c, d, f, f->name, &f->loc, ex, 0);
		}
		if (d->kind == LH_GQL_D_INPUT)
			for (iv = d->ivdefs; iv != NULL; iv = iv->next) {
				ex = bt != NULL && bt->kind == LH_GQL_INPUT &&
				    gql_find_input(bt->inputs, bt->ninputs,
				    iv->name) != NULL;
				member_error(c, d, iv, iv->name, &iv->loc, ex,
				    0);
			}
	}
}

static void
unique_ivdefs(struct sctx *c, const struct lh_gql_ivdef *args,
    const char *owner)
{
	const struct lh_gql_ivdef	*a, *b;
	struct lh_gql_loc		 locs[64];
	size_t				 n;

	for (a = args; a != NULL; a = a->next) {
		for (b = args; b != a; b = b->next)
			if (strcmp(a->name, b->name) == 0)
				break;
		if (b != a)
			continue;
		for (n = 0, b = a; b != NULL; b = b->next)
			if (strcmp(a->name, b->name) == 0 && n < 64)
				locs[n++] = b->loc;
		if (n > 1)
			gql_err_add(c->errors, locs, n, "Argument \"%s(%s:)\" can "
			    "only be defined once.", owner, a->name);
	}
}

static void
rule_unique_arg_defs(struct sctx *c)
{
	const struct lh_gql_def		*d;
	const struct lh_gql_fdef	*f;
	char				 owner[300];

	for (d = c->doc->defs; d != NULL; d = d->next) {
		if (d->kind == LH_GQL_D_DIRECTIVE) {
			snprintf(owner, sizeof(owner), "@%s", d->name);
			unique_ivdefs(c, d->ivdefs, owner);
		}
		if (d->kind != LH_GQL_D_OBJECT && d->kind != LH_GQL_D_INTERFACE)
			continue;
		for (f = d->fields; f != NULL; f = f->next) {
			snprintf(owner, sizeof(owner), "%s.%s", d->name,
			    f->name);
			unique_ivdefs(c, f->args, owner);
		}
	}
}

static void
rule_unique_directive_names(struct sctx *c)
{
	const struct lh_gql_def	*d, *e;
	struct lh_gql_loc	 locs[2];

	for (d = c->doc->defs; d != NULL; d = d->next) {
		if (d->kind != LH_GQL_D_DIRECTIVE)
			continue;
		if (c->base != NULL && gql_schema_directive(c->base, d->name)) {
			gql_err_add(c->errors, &d->name_loc, 1, "Directive "
			    "\"@%s\" already exists in the schema. It cannot be "
			    "redefined.", d->name);
			continue;
		}
		for (e = c->doc->defs; e != d; e = e->next)
			if (e->kind == LH_GQL_D_DIRECTIVE &&
			    strcmp(e->name, d->name) == 0)
				break;
		if (e != d) {
			locs[0] = e->name_loc;
			locs[1] = d->name_loc;
			gql_err_add(c->errors, locs, 2, "There can be only one "
			    "directive named \"@%s\".", d->name);
		}
	}
}

static const char *
kind_word(enum lh_gql_defkind k)
{
	switch (k) {
	case LH_GQL_D_SCALAR: return "scalar";
	case LH_GQL_D_OBJECT: return "object";
	case LH_GQL_D_INTERFACE: return "interface";
	case LH_GQL_D_UNION: return "union";
	case LH_GQL_D_ENUM: return "enum";
	default: return "input object";
	}
}

static enum lh_gql_defkind
def_kind_of_type(const struct lh_gql_type *t)
{
	switch (t->kind) {
	case LH_GQL_SCALAR: return LH_GQL_D_SCALAR;
	case LH_GQL_OBJECT: return LH_GQL_D_OBJECT;
	case LH_GQL_INTERFACE: return LH_GQL_D_INTERFACE;
	case LH_GQL_UNION: return LH_GQL_D_UNION;
	case LH_GQL_ENUM: return LH_GQL_D_ENUM;
	default: return LH_GQL_D_INPUT;
	}
}

static void
rule_possible_extensions(struct sctx *c)
{
	const struct lh_gql_def		*d, *def;
	const struct lh_gql_type	*bt;
	struct lh_gql_loc		 locs[2];
	char				 hint[300];

	for (d = c->doc->defs; d != NULL; d = d->next) {
		if (!is_type_def(d) || !d->extend)
			continue;
		for (def = c->doc->defs; def != NULL; def = def->next)
			if (is_type_def(def) && !def->extend &&
			    strcmp(def->name, d->name) == 0)
				break;
		bt = base_type(c, d->name);
		if (def == NULL && bt == NULL) {
			type_hint(c, d->name, 0, hint, sizeof(hint));
			gql_err_add(c->errors, &d->name_loc, 1, "Cannot extend "
			    "type \"%s\" because it is not defined.%s", d->name,
			    hint);
			continue;
		}
		if ((def != NULL ? def->kind : def_kind_of_type(bt)) ==
		    d->kind)
			continue;
		locs[0] = def != NULL ? def->loc : d->loc;
		locs[1] = d->loc;
		gql_err_add(c->errors, def != NULL ? locs : &d->loc,
		    def != NULL ? 2 : 1, "Cannot extend non-%s type \"%s\".",
		    kind_word(d->kind), d->name);
	}
}

/* KnownTypeNames on one named type reference. */
static void
known_type(struct sctx *c, const char *name, const struct lh_gql_loc *loc)
{
	const struct lh_gql_def	*d;
	char			 hint[300];
	int			 i;

	if (!SRULE(c, LH_GQL_R_KNOWN_TYPE_NAMES) || base_type(c, name) != NULL)
		return;
	for (d = c->doc->defs; d != NULL; d = d->next)
		if (is_type_def(d) && !d->extend && strcmp(d->name, name) == 0)
			return;
	for (i = 0; standard_types[i] != NULL; i++)
		if (strcmp(standard_types[i], name) == 0)
			return;
	type_hint(c, name, 1, hint, sizeof(hint));
	gql_err_add(c->errors, loc, 1, "Unknown type \"%s\".%s", name, hint);
}

static void
known_tref(struct sctx *c, const struct lh_gql_tref *t)
{
	while (t->kind != LH_GQL_T_NAMED)
		t = t->of;
	known_type(c, t->name, &t->loc);
}

static void
arg_hint(const struct sdir *sd, const char *name, char *buf, size_t len)
{
	const char	*names[64], *out[5];
	size_t		 i;

	for (i = 0; i < sd->nargs && i < 64; i++)
		names[i] = sd->args[i].name;
	gql_did_you_mean(buf, len, NULL, out, gql_suggest(name, names, i, out,
	    5));
}

static void
check_dir_args(struct sctx *c, const struct lh_gql_dir *d,
    const struct sdir *sd)
{
	const struct lh_gql_arg	*a;
	char			 tn[256], hint[300];
	size_t			 i;

	if (SRULE(c, LH_GQL_R_KNOWN_ARGUMENT_NAMES))
		for (a = d->args; a != NULL; a = a->next) {
			for (i = 0; i < sd->nargs; i++)
				if (strcmp(sd->args[i].name, a->name) == 0)
					break;
			if (i == sd->nargs) {
				arg_hint(sd, a->name, hint, sizeof(hint));
				gql_err_add(c->errors, &a->loc, 1, "Unknown "
				    "argument \"%s\" on directive \"@%s\".%s",
				    a->name, d->name, hint);
			}
		}
	if (!SRULE(c, LH_GQL_R_PROVIDED_REQUIRED_ARGUMENTS))
		return;
	for (i = 0; i < sd->nargs; i++) {
		if (!sd->args[i].required)
			continue;
		for (a = d->args; a != NULL; a = a->next)
			if (strcmp(sd->args[i].name, a->name) == 0)
				break;
		if (a == NULL)
			gql_err_add(c->errors, &d->loc, 1, "Directive \"@%s\" "
			    "argument \"%s\" of type \"%s\" is required, but it "
			    "was not provided.", d->name, sd->args[i].name,
			    gql_tref_str(sd->args[i].type, tn, sizeof(tn)));
	}
}

/*
 * Directives at one location.  shared/nshared: directives already seen on
 * the same type or schema (definitions and extensions share them).
 */
static void
check_dirs(struct sctx *c, const struct lh_gql_dir *dirs, int loc,
    const struct lh_gql_dir **shared, size_t *nshared)
{
	const struct lh_gql_dir	*d, *local[64];
	const struct lh_gql_dir	**seen = shared != NULL ? shared : local;
	size_t			 nlocal = 0, *n = nshared != NULL ? nshared :
				    &nlocal, i;
	const struct sdir	*sd;
	struct lh_gql_loc	 locs[2];

	for (d = dirs; d != NULL; d = d->next) {
		sd = sdir_find(c, d->name);
		if (SRULE(c, LH_GQL_R_KNOWN_DIRECTIVES)) {
			if (sd == NULL)
				gql_err_add(c->errors, &d->loc, 1, "Unknown "
				    "directive \"@%s\".", d->name);
			else if ((sd->locs & (1u << loc)) == 0)
				gql_err_add(c->errors, &d->loc, 1, "Directive "
				    "\"@%s\" may not be used on %s.", d->name,
				    gql_dloc_name(loc));
		}
		if (sd == NULL)
			continue;
		check_dir_args(c, d, sd);
		if (sd->repeatable)
			continue;
		for (i = 0; i < *n; i++)
			if (strcmp(seen[i]->name, d->name) == 0)
				break;
		if (i < *n) {
			if (SRULE(c, LH_GQL_R_UNIQUE_DIRECTIVES_PER_LOCATION)) {
				locs[0] = seen[i]->loc;
				locs[1] = d->loc;
				gql_err_add(c->errors, locs, 2, "The directive "
				    "\"@%s\" can only be used once at this "
				    "location.", d->name);
			}
		} else if (*n < 64)
			seen[(*n)++] = d;
	}
}

static void
walk_ivdefs(struct sctx *c, const struct lh_gql_ivdef *iv, int loc)
{
	for (; iv != NULL; iv = iv->next) {
		known_tref(c, iv->type);
		check_dirs(c, iv->dirs, loc, NULL, NULL);
	}
}

static int
def_dloc(enum lh_gql_defkind k)
{
	switch (k) {
	case LH_GQL_D_SCHEMA: return LH_GQL_DL_SCHEMA;
	case LH_GQL_D_SCALAR: return LH_GQL_DL_SCALAR;
	case LH_GQL_D_OBJECT: return LH_GQL_DL_OBJECT;
	case LH_GQL_D_INTERFACE: return LH_GQL_DL_INTERFACE;
	case LH_GQL_D_UNION: return LH_GQL_DL_UNION;
	case LH_GQL_D_ENUM: return LH_GQL_DL_ENUM;
	case LH_GQL_D_INPUT: return LH_GQL_DL_INPUT_OBJECT;
	default: return LH_GQL_DL_QUERY;
	}
}

static void
walk_sels(struct sctx *c, const struct lh_gql_sel *s)
{
	static const int	kl[3] = { LH_GQL_DL_FIELD,
	    LH_GQL_DL_FRAGMENT_SPREAD, LH_GQL_DL_INLINE_FRAGMENT };

	for (; s != NULL; s = s->next) {
		check_dirs(c, s->dirs, kl[s->kind], NULL, NULL);
		walk_sels(c, s->selset);
	}
}

/* Directives of a type or schema, shared across its extensions. */
static void
shared_dirs(struct sctx *c, const struct lh_gql_def *d)
{
	const struct lh_gql_def	*e;
	const struct lh_gql_dir	*seen[64];
	size_t			 n = 0;

	for (e = c->doc->defs; e != d; e = e->next) {
		if (e->kind != d->kind && !(is_type_def(e) && is_type_def(d)))
			continue;
		if (d->kind != LH_GQL_D_SCHEMA &&
		    strcmp(e->name, d->name) != 0)
			continue;
		if (d->kind == LH_GQL_D_SCHEMA && e->kind != LH_GQL_D_SCHEMA)
			continue;
		/* replay earlier directives quietly */
		{
			const struct lh_gql_dir *x;

			for (x = e->dirs; x != NULL && n < 64; x = x->next) {
				const struct sdir *sd = sdir_find(c, x->name);
				size_t i;

				if (sd == NULL || sd->repeatable)
					continue;
				for (i = 0; i < n; i++)
					if (strcmp(seen[i]->name, x->name) == 0)
						break;
				if (i == n)
					seen[n++] = x;
			}
		}
	}
	check_dirs(c, d->dirs, def_dloc(d->kind), seen, &n);
}

static void
walk_defs(struct sctx *c)
{
	static const int	opl[3] = { LH_GQL_DL_QUERY, LH_GQL_DL_MUTATION,
	    LH_GQL_DL_SUBSCRIPTION };
	const struct lh_gql_def		*d;
	const struct lh_gql_fdef	*f;
	const struct lh_gql_evdef	*e;
	const struct lh_gql_name	*n;
	const struct lh_gql_optdef	*o;
	const struct lh_gql_vardef	*v;

	for (d = c->doc->defs; d != NULL; d = d->next) {
		switch (d->kind) {
		case LH_GQL_D_OPERATION:
			for (v = d->vardefs; v != NULL; v = v->next)
				check_dirs(c, v->dirs,
				    LH_GQL_DL_VARIABLE_DEFINITION, NULL, NULL);
			check_dirs(c, d->dirs, opl[d->op], NULL, NULL);
			walk_sels(c, d->selset);
			continue;
		case LH_GQL_D_FRAGMENT:
			check_dirs(c, d->dirs, LH_GQL_DL_FRAGMENT_DEFINITION,
			    NULL, NULL);
			walk_sels(c, d->selset);
			continue;
		case LH_GQL_D_DIRECTIVE:
			walk_ivdefs(c, d->ivdefs, LH_GQL_DL_ARGUMENT_DEFINITION);
			continue;
		default:
			break;
		}
		shared_dirs(c, d);
		for (o = d->optypes; o != NULL; o = o->next)
			known_type(c, o->type, &o->type_loc);
		for (n = d->ifaces; n != NULL; n = n->next)
			known_type(c, n->name, &n->loc);
		for (f = d->fields; f != NULL; f = f->next) {
			known_tref(c, f->type);
			walk_ivdefs(c, f->args, LH_GQL_DL_ARGUMENT_DEFINITION);
			check_dirs(c, f->dirs, LH_GQL_DL_FIELD_DEFINITION, NULL,
			    NULL);
		}
		walk_ivdefs(c, d->ivdefs, LH_GQL_DL_INPUT_FIELD_DEFINITION);
		for (e = d->values; e != NULL; e = e->next)
			check_dirs(c, e->dirs, LH_GQL_DL_ENUM_VALUE, NULL, NULL);
	}
}

int
gql_validate_sdl(const struct lh_gql_schema *base, const struct lh_gql_doc *d,
    unsigned long long rules, json_object *errors)
{
	struct sctx		 c;
	struct lh_gql_doc	*builtin;
	char			 err[256];
	size_t			 before = json_object_array_length(errors);

	memset(&c, 0, sizeof(c));
	c.base = base;
	c.doc = d;
	c.rules = rules;
	c.errors = errors;
	if ((builtin = gql_parse(gql_builtin_sdl, strlen(gql_builtin_sdl), err,
	    sizeof(err), NULL)) == NULL)
		return -1;
	if ((c.a = gql_arena_new()) == NULL || load_directives(&c,
	    builtin) == -1) {
		gql_arena_free(c.a);
		gql_doc_free(builtin);
		gql_err_add(errors, NULL, 0, "out of memory");
		return 1;
	}
	if (SRULE(&c, LH_GQL_R_LONE_SCHEMA_DEFINITION))
		rule_lone_schema(&c);
	if (SRULE(&c, LH_GQL_R_UNIQUE_OPERATION_TYPES))
		rule_unique_operation_types(&c);
	if (SRULE(&c, LH_GQL_R_UNIQUE_TYPE_NAMES))
		rule_unique_type_names(&c);
	if (SRULE(&c, LH_GQL_R_UNIQUE_ENUM_VALUE_NAMES))
		rule_unique_members(&c, 1);
	if (SRULE(&c, LH_GQL_R_UNIQUE_FIELD_DEFINITION_NAMES))
		rule_unique_members(&c, 0);
	if (SRULE(&c, LH_GQL_R_UNIQUE_ARGUMENT_DEFINITION_NAMES))
		rule_unique_arg_defs(&c);
	if (SRULE(&c, LH_GQL_R_UNIQUE_DIRECTIVE_NAMES))
		rule_unique_directive_names(&c);
	if (SRULE(&c, LH_GQL_R_POSSIBLE_TYPE_EXTENSIONS))
		rule_possible_extensions(&c);
	walk_defs(&c);
	gql_arena_free(c.a);
	gql_doc_free(builtin);
	return (int)(json_object_array_length(errors) - before);
}
