/*
 * schema_check.c: semantic checks of a built schema that SDL rules do not
 * cover (graphql-js validateSchema's interface rules, non-empty types).
 * Used by `labhit gql validate` and at start-up for the served schema.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "worker/graphql/gql_int.h"

static int cerr(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
cerr(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Output covariance: sub may stand where sup is declared. */
static int
out_subtype(const struct lh_gql_tref *sub, const struct lh_gql_tref *sup)
{
	if (sup->kind == LH_GQL_T_NONNULL)
		return sub->kind == LH_GQL_T_NONNULL &&
		    out_subtype(sub->of, sup->of);
	if (sub->kind == LH_GQL_T_NONNULL)
		return out_subtype(sub->of, sup);
	if (sup->kind == LH_GQL_T_LIST)
		return sub->kind == LH_GQL_T_LIST &&
		    out_subtype(sub->of, sup->of);
	if (sub->kind == LH_GQL_T_LIST)
		return 0;
	return sub->type == sup->type || (gql_type_is_abstract(sup->type) &&
	    gql_is_subtype(sub->type, sup->type));
}

static int
same_type(const struct lh_gql_tref *a, const struct lh_gql_tref *b)
{
	if (a->kind != b->kind)
		return 0;
	if (a->kind == LH_GQL_T_NAMED)
		return a->type == b->type;
	return same_type(a->of, b->of);
}

static int
check_impl(const struct lh_gql_type *t, const struct lh_gql_type *iface,
    char *buf, size_t len)
{
	const struct lh_gql_field	*fi, *ft;
	const struct lh_gql_input	*ai, *at;
	char				 a[128], b[128];
	size_t				 i, j, k;

	for (i = 0; i < iface->nfields; i++) {
		fi = &iface->fields[i];
		for (ft = NULL, j = 0; j < t->nfields; j++)
			if (strcmp(t->fields[j].name, fi->name) == 0)
				ft = &t->fields[j];
		if (ft == NULL)
			return cerr(buf, len, "Interface field %s.%s expected "
			    "but %s does not provide it.", iface->name,
			    fi->name, t->name);
		if (!out_subtype(ft->type, fi->type))
			return cerr(buf, len, "Interface field %s.%s expects "
			    "type %s but %s.%s is type %s.", iface->name,
			    fi->name, gql_tref_str(fi->type, a, sizeof(a)),
			    t->name, ft->name, gql_tref_str(ft->type, b,
			    sizeof(b)));
		for (k = 0; k < fi->nargs; k++) {
			ai = &fi->args[k];
			at = gql_find_input(ft->args, ft->nargs, ai->name);
			if (at == NULL || !same_type(at->type, ai->type))
				return cerr(buf, len, "Interface field argument "
				    "%s.%s(%s:) expected but %s.%s does not "
				    "provide it with the same type.",
				    iface->name, fi->name, ai->name, t->name,
				    ft->name);
		}
		for (k = 0; k < ft->nargs; k++)
			if (ft->args[k].type->kind == LH_GQL_T_NONNULL &&
			    ft->args[k].defval == NULL &&
			    gql_find_input(fi->args, fi->nargs,
			    ft->args[k].name) == NULL)
				return cerr(buf, len, "Argument %s.%s(%s:) must "
				    "not be required: the interface field %s.%s "
				    "does not have it.", t->name, ft->name,
				    ft->args[k].name, iface->name, fi->name);
	}
	/* transitive interfaces must be declared too */
	for (i = 0; i < iface->nifaces; i++) {
		for (j = 0; j < t->nifaces; j++)
			if (t->ifaces[j] == iface->ifaces[i])
				break;
		if (j == t->nifaces)
			return cerr(buf, len, "Type %s must implement %s because "
			    "it is implemented by %s.", t->name,
			    iface->ifaces[i]->name, iface->name);
	}
	return 0;
}

int
gql_schema_check(const struct lh_gql_schema *s, char *buf, size_t len)
{
	const struct lh_gql_type	*t;
	size_t				 i, j;

	if (s->roots[LH_GQL_OP_QUERY] == NULL)
		return cerr(buf, len, "Query root type must be provided.");
	for (i = 0; i < s->ntypes; i++) {
		t = s->types[i];
		if (t->builtin)
			continue;
		if ((t->kind == LH_GQL_OBJECT || t->kind == LH_GQL_INTERFACE) &&
		    t->nfields == 0)
			return cerr(buf, len, "Type %s must define one or more "
			    "fields.", t->name);
		if (t->kind == LH_GQL_INPUT && t->ninputs == 0)
			return cerr(buf, len, "Input Object type %s must define "
			    "one or more fields.", t->name);
		if (t->kind == LH_GQL_ENUM && t->nvalues == 0)
			return cerr(buf, len, "Enum type %s must define one or "
			    "more values.", t->name);
		if (t->kind == LH_GQL_UNION && t->npossible == 0)
			return cerr(buf, len, "Union type %s must define one or "
			    "more member types.", t->name);
		for (j = 0; j < t->nifaces; j++) {
			if (t->ifaces[j] == t)
				return cerr(buf, len, "Type %s cannot implement "
				    "itself.", t->name);
			if (check_impl(t, t->ifaces[j], buf, len) == -1)
				return -1;
		}
	}
	return 0;
}
