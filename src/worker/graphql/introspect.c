/*
 * introspect.c: the built-in scalars, directives and introspection types
 * (as SDL) and the resolvers behind __schema, __type and the __Type
 * fields.  Runs in the workers and the CLI.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "worker/graphql/gql_int.h"

const char gql_builtin_sdl[] =
"\"The `Int` scalar type represents non-fractional signed whole numeric "
"values. Int can represent values between -(2^31) and 2^31 - 1.\"\n"
"scalar Int\n"
"\"The `Float` scalar type represents signed double-precision fractional "
"values as specified by [IEEE 754](https://en.wikipedia.org/wiki/IEEE_floating_point).\"\n"
"scalar Float\n"
"\"The `String` scalar type represents textual data, represented as UTF-8 "
"character sequences.\"\n"
"scalar String\n"
"\"The `Boolean` scalar type represents `true` or `false`.\"\n"
"scalar Boolean\n"
"\"The `ID` scalar type represents a unique identifier.\"\n"
"scalar ID\n"
"\"Directs the executor to include this field or fragment only when the "
"`if` argument is true.\"\n"
"directive @include(\"Included when true.\" if: Boolean!) "
"on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
"\"Directs the executor to skip this field or fragment when the `if` "
"argument is true.\"\n"
"directive @skip(\"Skipped when true.\" if: Boolean!) "
"on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
"\"Marks an element of a GraphQL schema as no longer supported.\"\n"
"directive @deprecated(reason: String = \"No longer supported\") "
"on FIELD_DEFINITION | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | "
"ENUM_VALUE\n"
"\"Exposes a URL that specifies the behavior of this scalar.\"\n"
"directive @specifiedBy(url: String!) on SCALAR\n"
"\"Indicates exactly one field must be supplied and this field must not "
"be `null`.\"\n"
"directive @oneOf on INPUT_OBJECT\n"
"type __Schema { description: String types: [__Type!]! "
"queryType: __Type! mutationType: __Type subscriptionType: __Type "
"directives: [__Directive!]! }\n"
"type __Type { kind: __TypeKind! name: String description: String "
"specifiedByURL: String "
"fields(includeDeprecated: Boolean = false): [__Field!] "
"interfaces: [__Type!] possibleTypes: [__Type!] "
"enumValues(includeDeprecated: Boolean = false): [__EnumValue!] "
"inputFields(includeDeprecated: Boolean = false): [__InputValue!] "
"ofType: __Type isOneOf: Boolean }\n"
"enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST "
"NON_NULL }\n"
"type __Field { name: String! description: String "
"args(includeDeprecated: Boolean = false): [__InputValue!]! type: __Type! "
"isDeprecated: Boolean! deprecationReason: String }\n"
"type __InputValue { name: String! description: String type: __Type! "
"defaultValue: String isDeprecated: Boolean! deprecationReason: String }\n"
"type __EnumValue { name: String! description: String "
"isDeprecated: Boolean! deprecationReason: String }\n"
"type __Directive { name: String! description: String "
"isRepeatable: Boolean! locations: [__DirectiveLocation!]! "
"args(includeDeprecated: Boolean = false): [__InputValue!]! }\n"
"enum __DirectiveLocation { QUERY MUTATION SUBSCRIPTION FIELD "
"FRAGMENT_DEFINITION FRAGMENT_SPREAD INLINE_FRAGMENT VARIABLE_DEFINITION "
"SCHEMA SCALAR OBJECT FIELD_DEFINITION ARGUMENT_DEFINITION INTERFACE UNION "
"ENUM ENUM_VALUE INPUT_OBJECT INPUT_FIELD_DEFINITION }\n";

static const char *const kind_names[] = { "SCALAR", "OBJECT", "INTERFACE",
    "UNION", "ENUM", "INPUT_OBJECT" };

static json_object *
jstr(const char *s)
{
	return s == NULL ? NULL : json_object_new_string(s);
}

/* A handle on a type reference: {"__name":..} or a wrapper. */
static json_object *
type_handle(const struct lh_gql_tref *t)
{
	json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (t->kind == LH_GQL_T_NAMED) {
		json_object_object_add(o, "__name", jstr(t->name));
		return o;
	}
	json_object_object_add(o, "kind", json_object_new_string(
	    t->kind == LH_GQL_T_LIST ? "LIST" : "NON_NULL"));
	json_object_object_add(o, "ofType", type_handle(t->of));
	return o;
}

static json_object *
named_handle(const struct lh_gql_type *t)
{
	json_object	*o;

	if ((o = json_object_new_object()) != NULL)
		json_object_object_add(o, "__name", jstr(t->name));
	return o;
}

static json_object *
input_value(const struct lh_gql_input *in)
{
	json_object	*o;
	char		 buf[4096];

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "name", jstr(in->name));
	json_object_object_add(o, "description", jstr(in->desc));
	json_object_object_add(o, "type", type_handle(in->type));
	if (in->defval != NULL && gql_value_print(in->defval, buf,
	    sizeof(buf)) == 0)
		json_object_object_add(o, "defaultValue", jstr(buf));
	else
		json_object_object_add(o, "defaultValue", NULL);
	json_object_object_add(o, "isDeprecated",
	    json_object_new_boolean(in->deprecated != NULL));
	json_object_object_add(o, "deprecationReason", jstr(in->deprecated));
	return o;
}

static json_object *
input_values(const struct lh_gql_input *in, size_t n, int incl_dep)
{
	json_object	*a;
	size_t		 i;

	if ((a = json_object_new_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (incl_dep || in[i].deprecated == NULL)
			json_object_array_add(a, input_value(&in[i]));
	return a;
}

static json_object *
field_obj(const struct lh_gql_field *f)
{
	json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "name", jstr(f->name));
	json_object_object_add(o, "description", jstr(f->desc));
	json_object_object_add(o, "args", input_values(f->args, f->nargs, 1));
	json_object_object_add(o, "type", type_handle(f->type));
	json_object_object_add(o, "isDeprecated",
	    json_object_new_boolean(f->deprecated != NULL));
	json_object_object_add(o, "deprecationReason", jstr(f->deprecated));
	return o;
}

static json_object *
directive_obj(const struct lh_gql_directive *d)
{
	json_object	*o, *locs;
	int		 i;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "name", jstr(d->name));
	json_object_object_add(o, "description", jstr(d->desc));
	json_object_object_add(o, "isRepeatable",
	    json_object_new_boolean(d->repeatable));
	locs = json_object_new_array();
	for (i = 0; i < LH_GQL_DL_COUNT; i++)
		if (d->locations & (1u << i))
			json_object_array_add(locs,
			    json_object_new_string(gql_dloc_name(i)));
	json_object_object_add(o, "locations", locs);
	json_object_object_add(o, "args", input_values(d->args, d->nargs, 1));
	return o;
}

json_object *
gql_intro_schema(const struct lh_gql_schema *s)
{
	json_object	*o, *a;
	size_t		 i;
	int		 r;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "description", jstr(s->desc));
	a = json_object_new_array();
	for (i = 0; i < s->ntypes; i++)
		json_object_array_add(a, named_handle(s->types[i]));
	json_object_object_add(o, "types", a);
	json_object_object_add(o, "queryType",
	    named_handle(s->roots[LH_GQL_OP_QUERY]));
	for (r = 1; r < 3; r++)
		json_object_object_add(o, r == 1 ? "mutationType" :
		    "subscriptionType", s->roots[r] == NULL ? NULL :
		    named_handle(s->roots[r]));
	a = json_object_new_array();
	for (i = 0; i < s->ndirs; i++)
		json_object_array_add(a, directive_obj(&s->dirs[i]));
	json_object_object_add(o, "directives", a);
	return o;
}

json_object *
gql_intro_type(const struct lh_gql_schema *s, const struct lh_gql_type *t)
{
	(void)s;
	return t == NULL ? NULL : named_handle(t);
}

static int
arg_bool(json_object *args, const char *name)
{
	json_object	*v;

	return json_object_object_get_ex(args, name, &v) &&
	    json_object_get_boolean(v);
}

static json_object *
type_list(struct lh_gql_type **ts, size_t n)
{
	json_object	*a;
	size_t		 i;

	if ((a = json_object_new_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		json_object_array_add(a, named_handle(ts[i]));
	return a;
}

/* __Type.<name> on a named type. */
static json_object *
named_type_field(const struct lh_gql_type *t, const char *name,
    json_object *args)
{
	json_object	*a;
	size_t		 i;
	int		 dep = arg_bool(args, "includeDeprecated");

	if (strcmp(name, "kind") == 0)
		return json_object_new_string(kind_names[t->kind]);
	if (strcmp(name, "name") == 0)
		return jstr(t->name);
	if (strcmp(name, "description") == 0)
		return jstr(t->desc);
	if (strcmp(name, "specifiedByURL") == 0)
		return jstr(t->specified_by);
	if (strcmp(name, "isOneOf") == 0)
		return t->kind == LH_GQL_INPUT ?
		    json_object_new_boolean(t->oneof) : NULL;
	if (strcmp(name, "fields") == 0) {
		if (t->kind != LH_GQL_OBJECT && t->kind != LH_GQL_INTERFACE)
			return NULL;
		a = json_object_new_array();
		for (i = 0; a != NULL && i < t->nfields; i++)
			if (dep || t->fields[i].deprecated == NULL)
				json_object_array_add(a,
				    field_obj(&t->fields[i]));
		return a;
	}
	if (strcmp(name, "interfaces") == 0)
		return t->kind == LH_GQL_OBJECT || t->kind ==
		    LH_GQL_INTERFACE ? type_list(t->ifaces, t->nifaces) : NULL;
	if (strcmp(name, "possibleTypes") == 0)
		return gql_type_is_abstract(t) ? type_list(t->possible,
		    t->npossible) : NULL;
	if (strcmp(name, "enumValues") == 0) {
		if (t->kind != LH_GQL_ENUM)
			return NULL;
		a = json_object_new_array();
		for (i = 0; a != NULL && i < t->nvalues; i++) {
			json_object *v;

			if (!dep && t->values[i].deprecated != NULL)
				continue;
			v = json_object_new_object();
			json_object_object_add(v, "name",
			    jstr(t->values[i].name));
			json_object_object_add(v, "description",
			    jstr(t->values[i].desc));
			json_object_object_add(v, "isDeprecated",
			    json_object_new_boolean(
			    t->values[i].deprecated != NULL));
			json_object_object_add(v, "deprecationReason",
			    jstr(t->values[i].deprecated));
			json_object_array_add(a, v);
		}
		return a;
	}
	if (strcmp(name, "inputFields") == 0)
		return t->kind == LH_GQL_INPUT ? input_values(t->inputs,
		    t->ninputs, dep) : NULL;
	return NULL;
}

/* Filters "args" of a __Field or __Directive parent by deprecation. */
static json_object *
filtered_args(json_object *parent, json_object *args)
{
	json_object	*all, *a, *it, *dep;
	size_t		 i, n;

	if (!json_object_object_get_ex(parent, "args", &all))
		return json_object_new_array();
	if (arg_bool(args, "includeDeprecated"))
		return json_object_get(all);
	if ((a = json_object_new_array()) == NULL)
		return NULL;
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(all, i);
		if (json_object_object_get_ex(it, "isDeprecated", &dep) &&
		    json_object_get_boolean(dep))
			continue;
		json_object_array_add(a, json_object_get(it));
	}
	return a;
}

json_object *
gql_introspect_field(const struct lh_gql_schema *s,
    const struct lh_gql_field *f, json_object *parent, json_object *args,
    int *handled)
{
	json_object		*nm, *v;
	const char		*owner;
	struct lh_gql_type	*t;

	*handled = 1;
	if (f == &s->f_schema)
		return gql_intro_schema(s);
	if (f == &s->f_type) {
		if (!json_object_object_get_ex(args, "name", &v))
			return NULL;
		return gql_intro_type(s, gql_schema_type(s,
		    json_object_get_string(v)));
	}
	owner = f->owner != NULL ? f->owner->name : "";
	if (strcmp(owner, "__Type") == 0) {
		if (json_object_object_get_ex(parent, "__name", &nm)) {
			t = gql_schema_type(s, json_object_get_string(nm));
			return t == NULL ? NULL : named_type_field(t, f->name,
			    args);
		}
		/* wrapper: kind and ofType are in the handle */
		if (json_object_object_get_ex(parent, f->name, &v))
			return json_object_get(v);
		return NULL;
	}
	if ((strcmp(owner, "__Field") == 0 ||
	    strcmp(owner, "__Directive") == 0) && strcmp(f->name, "args") == 0)
		return filtered_args(parent, args);
	*handled = 0;
	return NULL;
}
