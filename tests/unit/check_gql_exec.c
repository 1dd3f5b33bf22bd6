/*
 * check_gql_exec.c: execution through the public API (gql_prepare /
 * gql_execute): variables and argument coercion, null propagation, lists,
 * aliases, fragments, directives, field errors with path, mutations in
 * order, abstract types, request errors and limits, and the full
 * introspection query GraphiQL sends.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql.h"

static const char test_sdl[] =
    "interface Named { name: String! }\n"
    "type Dog implements Named { name: String! barks: Boolean nick: String! }\n"
    "type Cat implements Named { name: String! lives: Int }\n"
    "union Pet = Dog | Cat\n"
    "\"Colors.\" enum Color { RED GREEN BLUE @deprecated(reason: \"gone\") }\n"
    "input Filter { color: Color = RED, tags: [String!], min: Int, "
    "nested: Filter }\n"
    "type Obj { a: Int b: Obj! c: String list: [Obj] }\n"
    "type Query {\n"
    "  hello(name: String = \"world\"): String!\n"
    "  echo(filter: Filter, n: Int, f: Float, ids: [ID!], c: Color, "
    "b: Boolean, s: String): String!\n"
    "  pets: [Pet!]!\n  named: [Named]\n  broken: String\n"
    "  brokenNonNull: String!\n  ints: [Int!]\n  obj: Obj\n"
    "  old: String @deprecated\n}\n"
    "type Mutation { inc(by: Int! = 1): Int! }\n";

struct ctx {
	int	counter;
};

static json_object *
r_hello(void *ctx, json_object *parent, json_object *args, void *ud,
    struct lh_gql_rerr *err)
{
	json_object	*n;
	char		 buf[128];

	(void)ctx; (void)parent; (void)ud; (void)err;
	json_object_object_get_ex(args, "name", &n);
	snprintf(buf, sizeof(buf), "hello %s", json_object_get_string(n));
	return json_object_new_string(buf);
}

static json_object *
r_echo(void *ctx, json_object *parent, json_object *args, void *ud,
    struct lh_gql_rerr *err)
{
	(void)ctx; (void)parent; (void)ud; (void)err;
	return json_object_new_string(json_object_to_json_string_ext(args,
	    JSON_C_TO_STRING_PLAIN));
}

static json_object *
r_pets(void *ctx, json_object *parent, json_object *args, void *ud,
    struct lh_gql_rerr *err)
{
	(void)ctx; (void)parent; (void)args; (void)ud; (void)err;
	return json_tokener_parse("[{\"__typename\":\"Dog\",\"name\":\"Rex\","
	    "\"barks\":true,\"nick\":\"R\"},{\"__typename\":\"Cat\","
	    "\"name\":\"Tom\",\"lives\":9}]");
}

static json_object *
r_named(void *ctx, json_object *parent, json_object *args, void *ud,
    struct lh_gql_rerr *err)
{
	(void)ctx; (void)parent; (void)args; (void)ud; (void)err;
	/* the second has no nick: Dog.nick is non-null, so it becomes null */
	return json_tokener_parse("[{\"__typename\":\"Dog\",\"name\":\"A\","
	    "\"nick\":\"a\"},{\"__typename\":\"Dog\",\"name\":\"B\"},"
	    "{\"name\":\"no type\"}]");
}

static json_object *
r_broken(void *ctx, json_object *parent, json_object *args, void *ud,
    struct lh_gql_rerr *err)
{
	(void)ctx; (void)parent; (void)args; (void)ud;
	return gql_rerr_set(err, "NOT_IMPLEMENTED", "broken %d", 42);
}

static json_object *
r_null(void *ctx, json_object *parent, json_object *args, void *ud,
    struct lh_gql_rerr *err)
{
	(void)ctx; (void)parent; (void)args; (void)ud; (void)err;
	return NULL;
}

static json_object *
r_ints(void *ctx, json_object *parent, json_object *args, void *ud,
    struct lh_gql_rerr *err)
{
	(void)ctx; (void)parent; (void)args; (void)ud; (void)err;
	return json_tokener_parse("[1, null, 3]");
}

static json_object *
r_obj(void *ctx, json_object *parent, json_object *args, void *ud,
    struct lh_gql_rerr *err)
{
	(void)ctx; (void)parent; (void)args; (void)ud; (void)err;
	return json_tokener_parse("{\"a\":1,\"c\":\"x\",\"b\":{\"a\":2,"
	    "\"b\":{\"a\":3}},\"list\":[{\"a\":4,\"b\":{\"a\":5}},"
	    "{\"a\":6}]}");
}

static json_object *
r_c(void *ctx, json_object *parent, json_object *args, void *ud,
    struct lh_gql_rerr *err)
{
	json_object	*c;

	(void)ctx; (void)args; (void)ud; (void)err;
	/* an explicit resolver still sees its parent object */
	if (!json_object_object_get_ex(parent, "c", &c))
		return NULL;
	return json_object_new_string("C");
}

static json_object *
r_inc(void *ctx, json_object *parent, json_object *args, void *ud,
    struct lh_gql_rerr *err)
{
	struct ctx	*c = ctx;
	json_object	*by;

	(void)parent; (void)ud; (void)err;
	json_object_object_get_ex(args, "by", &by);
	c->counter += json_object_get_int(by);
	return json_object_new_int(c->counter);
}

static struct lh_gql_schema *
test_schema(void)
{
	struct lh_gql_schema	*s;
	char			 err[512];

	s = gql_schema_parse(test_sdl, strlen(test_sdl), err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(gql_schema_check_resolvers(s, err, sizeof(err)), -1);
	ck_assert_int_eq(gql_schema_set_resolver(s, "Query.hello", r_hello,
	    NULL), 0);
	ck_assert_int_eq(gql_schema_set_resolver(s, "Query.nope", r_hello,
	    NULL), -1);
	gql_schema_set_resolver(s, "Query.echo", r_echo, NULL);
	gql_schema_set_resolver(s, "Query.pets", r_pets, NULL);
	gql_schema_set_resolver(s, "Query.named", r_named, NULL);
	gql_schema_set_resolver(s, "Query.broken", r_broken, NULL);
	gql_schema_set_resolver(s, "Query.brokenNonNull", r_null, NULL);
	gql_schema_set_resolver(s, "Query.ints", r_ints, NULL);
	gql_schema_set_resolver(s, "Query.obj", r_obj, NULL);
	gql_schema_set_resolver(s, "Query.old", r_null, NULL);
	ck_assert_int_eq(gql_schema_check_resolvers(s, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "no resolver for Mutation.inc");
	gql_schema_set_resolver(s, "Mutation.inc", r_inc, NULL);
	ck_assert_int_eq(gql_schema_check_resolvers(s, err, sizeof(err)), 0);
	/* a marked field of a plain type needs one too */
	ck_assert_int_eq(gql_schema_require_resolver(s, "Obj.c"), 0);
	ck_assert_int_eq(gql_schema_check_resolvers(s, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "no resolver for Obj.c");
	gql_schema_set_resolver(s, "Obj.c", r_c, NULL);
	return s;
}

/* Runs a request; returns the response as compact JSON (caller frees). */
static char *
run(struct lh_gql_schema *s, const char *q, const char *vars,
    const char *opname)
{
	struct lh_gql_prepared	*p;
	json_object		*resp = NULL, *v = NULL;
	struct ctx		 c = { 0 };
	char			*out;

	p = gql_prepare(s, q, opname, NULL, &resp);
	if (p != NULL) {
		ck_assert_ptr_null(resp);
		if (vars != NULL)
			v = json_tokener_parse(vars);
		resp = gql_execute(p, v, &c);
		json_object_put(v);
		gql_prepared_free(p);
	}
	ck_assert_ptr_nonnull(resp);
	out = strdup(json_object_to_json_string_ext(resp,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(resp);
	return out;
}

static void
expect(struct lh_gql_schema *s, const char *q, const char *vars,
    const char *want)
{
	char	*got = run(s, q, vars, NULL);

	ck_assert_msg(strcmp(got, want) == 0, "query %s\n got  %s\n want %s",
	    q, got, want);
	free(got);
}

START_TEST(basics)
{
	struct lh_gql_schema	*s = test_schema();

	expect(s, "{ hello }", NULL, "{\"data\":{\"hello\":\"hello world\"}}");
	expect(s, "{ b: hello(name: \"x\") a: hello __typename }", NULL,
	    "{\"data\":{\"b\":\"hello x\",\"a\":\"hello world\","
	    "\"__typename\":\"Query\"}}");
	/* key order follows the selection; repeated fields merge */
	expect(s, "{ obj { c a } obj { b { a } a } }", NULL,
	    "{\"data\":{\"obj\":{\"c\":\"C\",\"a\":1,"
	    "\"b\":{\"a\":2}}}}");
	expect(s, "{ obj { list { a b { a } } } }", NULL,
	    "{\"data\":{\"obj\":{\"list\":[{\"a\":4,\"b\":{\"a\":5}},null]}},"
	    "\"errors\":[{\"message\":\"Cannot return null for non-nullable "
	    "field Obj.b.\",\"locations\":[{\"line\":1,\"column\":18}],"
	    "\"path\":[\"obj\",\"list\",1,\"b\"],\"extensions\":{\"code\":"
	    "\"INTERNAL_SERVER_ERROR\"}}]}");
	gql_schema_free(s);
}
END_TEST

START_TEST(fragments_and_directives)
{
	struct lh_gql_schema	*s = test_schema();

	expect(s, "query Q($no: Boolean!) { pets { __typename ... on Dog "
	    "{ barks } ...C ... @include(if: $no) { __typename } } }\n"
	    "fragment C on Cat { lives name @skip(if: true) }",
	    "{\"no\": false}",
	    "{\"data\":{\"pets\":[{\"__typename\":\"Dog\",\"barks\":true},"
	    "{\"__typename\":\"Cat\",\"lives\":9}]}}");
	expect(s, "query Q($no: Boolean = true) { pets { ... on Named { name "
	    "@include(if: $no) } } }", NULL,
	    "{\"data\":{\"pets\":[{\"name\":\"Rex\"},{\"name\":\"Tom\"}]}}");
	gql_schema_free(s);
}
END_TEST

START_TEST(variables)
{
	struct lh_gql_schema	*s = test_schema();
	const char		*q = "query Q($f: Filter, $n: Int, $x: Float, "
	    "$ids: [ID!], $c: Color, $s: String = \"dflt\") { echo(filter: $f, "
	    "n: $n, f: $x, ids: $ids, c: $c, s: $s) }";
	char			*r;

	expect(s, q, "{\"f\": {\"tags\": \"one\", \"nested\": {\"min\": 2}},"
	    " \"n\": 5, \"x\": 2, \"ids\": 7, \"c\": \"GREEN\"}",
	    "{\"data\":{\"echo\":\"{\\\"filter\\\":{\\\"color\\\":\\\"RED\\\","
	    "\\\"tags\\\":[\\\"one\\\"],\\\"nested\\\":{\\\"color\\\":"
	    "\\\"RED\\\",\\\"min\\\":2}},\\\"n\\\":5,\\\"f\\\":2.0,\\\"ids\\\":"
	    "[\\\"7\\\"],\\\"c\\\":\\\"GREEN\\\",\\\"s\\\":\\\"dflt\\\"}\"}}");
	/* explicit null is kept, absent is omitted */
	expect(s, q, "{\"n\": null}",
	    "{\"data\":{\"echo\":\"{\\\"n\\\":null,\\\"s\\\":\\\"dflt\\\"}\"}}");
	/* literals: list coercion of a single value, enum, nested default */
	expect(s, "{ echo(ids: 3, c: BLUE, filter: {min: 1, tags: [\"a\"]}) }",
	    NULL, "{\"data\":{\"echo\":\"{\\\"filter\\\":{\\\"color\\\":"
	    "\\\"RED\\\",\\\"tags\\\":[\\\"a\\\"],\\\"min\\\":1},\\\"ids\\\":"
	    "[\\\"3\\\"],\\\"c\\\":\\\"BLUE\\\"}\"}}");
	/* bad variables: BAD_USER_INPUT, no data */
	r = run(s, q, "{\"n\": \"five\"}", NULL);
	ck_assert_ptr_nonnull(strstr(r, "BAD_USER_INPUT"));
	ck_assert_ptr_null(strstr(r, "\"data\""));
	free(r);
	r = run(s, q, "{\"c\": \"PURPLE\"}", NULL);
	ck_assert_ptr_nonnull(strstr(r, "BAD_USER_INPUT"));
	free(r);
	r = run(s, q, "{\"f\": {\"bogus\": 1}}", NULL);
	ck_assert_ptr_nonnull(strstr(r, "not defined by type"));
	free(r);
	r = run(s, q, "{\"n\": 3000000000}", NULL);
	ck_assert_ptr_nonnull(strstr(r, "32-bit"));
	free(r);
	r = run(s, "query ($n: Int!) { echo(n: $n) }", "{}", NULL);
	ck_assert_ptr_nonnull(strstr(r, "was not provided"));
	ck_assert_ptr_nonnull(strstr(r, "BAD_USER_INPUT"));
	free(r);
	gql_schema_free(s);
}
END_TEST

START_TEST(null_propagation)
{
	struct lh_gql_schema	*s = test_schema();
	char			*r;

	/* nullable field error: null + error with path and code */
	expect(s, "{ hello broken }", NULL,
	    "{\"data\":{\"hello\":\"hello world\",\"broken\":null},\"errors\":"
	    "[{\"message\":\"broken 42\",\"locations\":[{\"line\":1,"
	    "\"column\":9}],\"path\":[\"broken\"],\"extensions\":{\"code\":"
	    "\"NOT_IMPLEMENTED\"}}]}");
	/* non-null root field null: data becomes null */
	r = run(s, "{ hello brokenNonNull }", NULL, NULL);
	ck_assert_ptr_nonnull(strstr(r, "{\"data\":null,\"errors\":"));
	ck_assert_ptr_nonnull(strstr(r, "\"path\":[\"brokenNonNull\"]"));
	free(r);
	/* [Int!] with a null item: the list becomes null */
	r = run(s, "{ ints }", NULL, NULL);
	ck_assert_ptr_nonnull(strstr(r, "{\"data\":{\"ints\":null}"));
	ck_assert_ptr_nonnull(strstr(r, "\"path\":[\"ints\",1]"));
	free(r);
	/* [Named] items: missing non-null nick nulls the item; an object
	 * without __typename is an error on that item only */
	r = run(s, "{ named { name ... on Dog { nick } } }", NULL, NULL);
	ck_assert_ptr_nonnull(strstr(r, "{\"data\":{\"named\":[{\"name\":\"A\","
	    "\"nick\":\"a\"},null,null]}"));
	ck_assert_ptr_nonnull(strstr(r, "\"path\":[\"named\",1,\"nick\"]"));
	ck_assert_ptr_nonnull(strstr(r, "\"path\":[\"named\",2]"));
	free(r);
	gql_schema_free(s);
}
END_TEST

START_TEST(mutations_and_api)
{
	struct lh_gql_schema	*s = test_schema();
	struct lh_gql_prepared	*p;
	json_object		*resp;
	struct lh_gql_limits	 lim = { 3, 5 };
	char			*r;

	expect(s, "mutation { a: inc b: inc(by: 10) c: inc }", NULL,
	    "{\"data\":{\"a\":1,\"b\":11,\"c\":12}}");
	p = gql_prepare(s, "mutation M { inc }", NULL, NULL, &resp);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(gql_prepared_optype(p), LH_GQL_OP_MUTATION);
	ck_assert_str_eq(gql_prepared_name(p), "M");
	gql_prepared_free(p);
	p = gql_prepare(s, "query A { hello } mutation B { inc }", "B", NULL,
	    &resp);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(gql_prepared_optype(p), LH_GQL_OP_MUTATION);
	gql_prepared_free(p);
	r = run(s, "query A { hello } query B { hello }", NULL, NULL);
	ck_assert_ptr_nonnull(strstr(r, "OPERATION_RESOLUTION_FAILURE"));
	free(r);
	r = run(s, "query A { hello }", NULL, "C");
	ck_assert_ptr_nonnull(strstr(r, "Unknown operation named"));
	free(r);
	r = run(s, "{ hello", NULL, NULL);
	ck_assert_str_eq(r, "{\"errors\":[{\"message\":\"Syntax Error: "
	    "Expected Name, found <EOF>.\",\"locations\":[{\"line\":1,"
	    "\"column\":8}],\"extensions\":{\"code\":"
	    "\"GRAPHQL_PARSE_FAILED\"}}]}");
	free(r);
	r = run(s, "{ nope }", NULL, NULL);
	ck_assert_ptr_nonnull(strstr(r, "GRAPHQL_VALIDATION_FAILED"));
	ck_assert_ptr_nonnull(strstr(r, "Cannot query field \\\"nope\\\""));
	free(r);
	r = run(s, "subscription { hello }", NULL, NULL);
	ck_assert_ptr_nonnull(strstr(r, "GRAPHQL_VALIDATION_FAILED"));
	free(r);
	/* limits */
	ck_assert_ptr_null(gql_prepare(s, "{ obj { b { b { a } } } }", NULL,
	    &lim, &resp));
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(resp),
	    "depth 4 exceeds the maximum allowed depth of 3"));
	json_object_put(resp);
	ck_assert_ptr_null(gql_prepare(s, "{ a: hello b: hello c: hello "
	    "obj { a c b { a } } }", NULL, &lim, &resp));
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(resp),
	    "complexity 8"));
	json_object_put(resp);
	p = gql_prepare(s, "{ obj { b { a } } }", NULL, &lim, &resp);
	ck_assert_ptr_nonnull(p);
	gql_prepared_free(p);
	/* a fragment bomb (each fragment spreads the next twice) is refused
	 * quickly by the limits, and validates and runs in linear time */
	{
		char	q[8192];
		size_t	off = 0;
		int	i;

		off += (size_t)snprintf(q, sizeof(q), "{ obj { ...F0 } }\n");
		for (i = 0; i < 40; i++)
			off += (size_t)snprintf(q + off, sizeof(q) - off,
			    "fragment F%d on Obj { a b { ...F%d ...F%d } }\n", i,
			    i + 1, i + 1);
		snprintf(q + off, sizeof(q) - off, "fragment F40 on Obj { a }");
		lim.max_depth = 0;
		lim.max_complexity = 1000;
		ck_assert_ptr_null(gql_prepare(s, q, NULL, &lim, &resp));
		ck_assert_ptr_nonnull(strstr(json_object_to_json_string(resp),
		    "GRAPHQL_VALIDATION_FAILED"));
		json_object_put(resp);
		p = gql_prepare(s, q, NULL, NULL, &resp);
		ck_assert_ptr_nonnull(p);
		resp = gql_execute(p, NULL, NULL);
		ck_assert_ptr_nonnull(resp);
		json_object_put(resp);
		gql_prepared_free(p);
	}
	{
		static const char *const bad[] = { "[]", "{}", "{\"query\": 1}",
		    "{\"query\": \"{ a }\", \"operationName\": 2}",
		    "{\"query\": \"{ a }\", \"variables\": [1]}", NULL };
		const char	*q, *on;
		json_object	*body, *vars;
		char		 err[128];
		int		 i;

		for (i = 0; bad[i] != NULL; i++) {
			body = json_tokener_parse(bad[i]);
			ck_assert_int_eq(gql_request_parse(body, &q, &on, &vars,
			    err, sizeof(err)), -1);
			ck_assert(err[0] != '\0');
			json_object_put(body);
		}
		body = json_tokener_parse("{\"query\": \"{ a }\", "
		    "\"operationName\": null, \"variables\": {\"x\": 1}}");
		ck_assert_int_eq(gql_request_parse(body, &q, &on, &vars, err,
		    sizeof(err)), 0);
		ck_assert_str_eq(q, "{ a }");
		ck_assert_ptr_null(on);
		ck_assert_int_eq(json_object_get_int(json_object_object_get(
		    vars, "x")), 1);
		json_object_put(body);
	}
	resp = gql_response_error("nope", "UNAUTHENTICATED");
	ck_assert_str_eq(json_object_to_json_string_ext(resp,
	    JSON_C_TO_STRING_PLAIN), "{\"errors\":[{\"message\":\"nope\","
	    "\"extensions\":{\"code\":\"UNAUTHENTICATED\"}}]}");
	json_object_put(resp);
	gql_schema_free(s);
}
END_TEST

static const char introspection_query[] =
    "query IntrospectionQuery {\n"
    "  __schema {\n"
    "    description queryType { name } mutationType { name }\n"
    "    subscriptionType { name }\n"
    "    types { ...FullType }\n"
    "    directives { name description isRepeatable locations "
    "args(includeDeprecated: true) { ...InputValue } }\n"
    "  }\n"
    "}\n"
    "fragment FullType on __Type {\n"
    "  kind name description specifiedByURL isOneOf\n"
    "  fields(includeDeprecated: true) { name description "
    "args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } "
    "isDeprecated deprecationReason }\n"
    "  inputFields(includeDeprecated: true) { ...InputValue }\n"
    "  interfaces { ...TypeRef }\n"
    "  enumValues(includeDeprecated: true) { name description isDeprecated "
    "deprecationReason }\n"
    "  possibleTypes { ...TypeRef }\n"
    "}\n"
    "fragment InputValue on __InputValue { name description type "
    "{ ...TypeRef } defaultValue isDeprecated deprecationReason }\n"
    "fragment TypeRef on __Type { kind name ofType { kind name ofType "
    "{ kind name ofType { kind name ofType { kind name ofType { kind name "
    "ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }"
    "\n";

static json_object *
find_named(json_object *arr, const char *name)
{
	size_t		 i;
	json_object	*it, *n;

	for (i = 0; i < json_object_array_length(arr); i++) {
		it = json_object_array_get_idx(arr, i);
		if (json_object_object_get_ex(it, "name", &n) &&
		    strcmp(json_object_get_string(n), name) == 0)
			return it;
	}
	return NULL;
}

static const char *
jpath(json_object *o, const char *a, const char *b)
{
	json_object	*x, *y;

	if (!json_object_object_get_ex(o, a, &x))
		return NULL;
	if (b == NULL)
		return json_object_get_string(x);
	if (!json_object_object_get_ex(x, b, &y))
		return NULL;
	return json_object_get_string(y);
}

START_TEST(introspection)
{
	struct lh_gql_schema	*s = test_schema();
	struct lh_gql_prepared	*p;
	json_object		*resp, *schema, *types, *t, *f, *a, *x;
	struct ctx		 c = { 0 };

	p = gql_prepare(s, introspection_query, NULL, NULL, &resp);
	ck_assert_msg(p != NULL, "%s", json_object_to_json_string(resp));
	resp = gql_execute(p, NULL, &c);
	gql_prepared_free(p);
	ck_assert(!json_object_object_get_ex(resp, "errors", NULL));
	ck_assert(json_object_object_get_ex(json_object_object_get(resp,
	    "data"), "__schema", &schema));
	ck_assert_str_eq(jpath(schema, "queryType", "name"), "Query");
	ck_assert_str_eq(jpath(schema, "mutationType", "name"), "Mutation");
	ck_assert_ptr_null(json_object_object_get(schema, "subscriptionType"));
	types = json_object_object_get(schema, "types");
	/* every type of the SDL, plus the introspection types */
	ck_assert_ptr_nonnull(find_named(types, "__Schema"));
	ck_assert_ptr_nonnull(find_named(types, "__TypeKind"));
	ck_assert_ptr_nonnull(find_named(types, "Boolean"));
	t = find_named(types, "Dog");
	ck_assert_str_eq(jpath(t, "kind", NULL), "OBJECT");
	ck_assert_str_eq(jpath(json_object_array_get_idx(
	    json_object_object_get(t, "interfaces"), 0), "name", NULL),
	    "Named");
	f = find_named(json_object_object_get(t, "fields"), "nick");
	ck_assert_str_eq(jpath(f, "type", "kind"), "NON_NULL");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
	    json_object_object_get(json_object_object_get(f, "type"),
	    "ofType"), "name")), "String");
	t = find_named(types, "Named");
	ck_assert_str_eq(jpath(t, "kind", NULL), "INTERFACE");
	ck_assert_int_eq(json_object_array_length(json_object_object_get(t,
	    "possibleTypes")), 2);
	ck_assert_ptr_null(json_object_object_get(t, "enumValues"));
	t = find_named(types, "Pet");
	ck_assert_str_eq(jpath(t, "kind", NULL), "UNION");
	ck_assert_ptr_nonnull(find_named(json_object_object_get(t,
	    "possibleTypes"), "Cat"));
	t = find_named(types, "Color");
	ck_assert_str_eq(jpath(t, "description", NULL), "Colors.");
	x = find_named(json_object_object_get(t, "enumValues"), "BLUE");
	ck_assert_int_eq(json_object_get_boolean(json_object_object_get(x,
	    "isDeprecated")), 1);
	ck_assert_str_eq(jpath(x, "deprecationReason", NULL), "gone");
	t = find_named(types, "Filter");
	ck_assert_str_eq(jpath(t, "kind", NULL), "INPUT_OBJECT");
	x = find_named(json_object_object_get(t, "inputFields"), "color");
	ck_assert_str_eq(jpath(x, "defaultValue", NULL), "RED");
	ck_assert_int_eq(json_object_get_boolean(json_object_object_get(t,
	    "isOneOf")), 0);
	t = find_named(types, "Query");
	f = find_named(json_object_object_get(t, "fields"), "hello");
	a = find_named(json_object_object_get(f, "args"), "name");
	ck_assert_str_eq(jpath(a, "defaultValue", NULL), "\"world\"");
	f = find_named(json_object_object_get(t, "fields"), "old");
	ck_assert_str_eq(jpath(f, "deprecationReason", NULL),
	    "No longer supported");
	f = find_named(json_object_object_get(t, "fields"), "pets");
	ck_assert_str_eq(jpath(f, "type", "kind"), "NON_NULL");
	x = find_named(json_object_object_get(schema, "directives"),
	    "deprecated");
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(jpath(find_named(json_object_object_get(x, "args"),
	    "reason"), "defaultValue", NULL), "\"No longer supported\"");
	x = find_named(json_object_object_get(schema, "directives"), "skip");
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(
	    json_object_object_get(x, "locations"), 0)), "FIELD");
	json_object_put(resp);
	/* deprecated members hidden by default; __type by name */
	expect(s, "{ __type(name: \"Color\") { name kind enumValues { name } "
	    "fields { name } } t2: __type(name: \"Nope\") { name } }", NULL,
	    "{\"data\":{\"__type\":{\"name\":\"Color\",\"kind\":\"ENUM\","
	    "\"enumValues\":[{\"name\":\"RED\"},{\"name\":\"GREEN\"}],"
	    "\"fields\":null},\"t2\":null}}");
	expect(s, "{ __type(name: \"Query\") { fields { name } } }", NULL,
	    "{\"data\":{\"__type\":{\"fields\":[{\"name\":\"hello\"},"
	    "{\"name\":\"echo\"},{\"name\":\"pets\"},{\"name\":\"named\"},"
	    "{\"name\":\"broken\"},{\"name\":\"brokenNonNull\"},"
	    "{\"name\":\"ints\"},{\"name\":\"obj\"}]}}}");
	gql_schema_free(s);
}
END_TEST

START_TEST(served_schema_introspects)
{
	struct lh_gql_schema	*s;
	struct lh_gql_prepared	*p;
	json_object		*resp;
	char			 err[256];

	s = gql_schema_parse(gql_served_schema_sdl(), gql_served_schema_len(),
	    err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	p = gql_prepare(s, introspection_query, "IntrospectionQuery", NULL,
	    &resp);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(gql_prepared_optype(p), LH_GQL_OP_QUERY);
	resp = gql_execute(p, NULL, NULL);
	ck_assert(!json_object_object_get_ex(resp, "errors", NULL));
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string_ext(resp,
	    JSON_C_TO_STRING_PLAIN), "\"name\":\"extension_id\""));
	json_object_put(resp);
	gql_prepared_free(p);
	/* a field without resolver answers an error, not a silent null */
	p = gql_prepare(s, "{ health }", NULL, NULL, &resp);
	resp = gql_execute(p, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string_ext(resp,
	    JSON_C_TO_STRING_PLAIN), "no resolver for Query.health"));
	json_object_put(resp);
	gql_prepared_free(p);
	gql_schema_free(s);
}
END_TEST

/*
 * Rebuilds SDL from an introspection result the way a client tool does
 * (buildClientSchema + printSchema), for the round-trip test.
 */
struct sbuf {
	char	*p;
	size_t	 n, cap;
};

static void
sb_add(struct sbuf *b, const char *s)
{
	size_t	l = strlen(s);

	if (b->n + l + 1 > b->cap) {
		b->cap = (b->n + l + 1) * 2;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	memcpy(b->p + b->n, s, l + 1);
	b->n += l;
}

static const char *
jstr(json_object *o, const char *k)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return NULL;
	return json_object_get_string(v);
}

static void
sb_desc(struct sbuf *b, json_object *o)
{
	json_object	*d;

	if (json_object_object_get_ex(o, "description", &d) && d != NULL) {
		sb_add(b, json_object_to_json_string_ext(d,
		    JSON_C_TO_STRING_PLAIN));
		sb_add(b, " ");
	}
}

static void
sb_type(struct sbuf *b, json_object *t)
{
	const char	*kind = jstr(t, "kind");

	if (strcmp(kind, "NON_NULL") == 0) {
		sb_type(b, json_object_object_get(t, "ofType"));
		sb_add(b, "!");
	} else if (strcmp(kind, "LIST") == 0) {
		sb_add(b, "[");
		sb_type(b, json_object_object_get(t, "ofType"));
		sb_add(b, "]");
	} else
		sb_add(b, jstr(t, "name"));
}

static void
sb_deprecated(struct sbuf *b, json_object *o)
{
	json_object	*r;

	if (!json_object_get_boolean(json_object_object_get(o,
	    "isDeprecated")))
		return;
	sb_add(b, " @deprecated(reason: ");
	json_object_object_get_ex(o, "deprecationReason", &r);
	sb_add(b, json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN));
	sb_add(b, ")");
}

static void
sb_inputs(struct sbuf *b, json_object *arr, const char *open,
    const char *close)
{
	size_t		 i, n = json_object_array_length(arr);
	json_object	*a;

	if (n == 0)
		return;
	sb_add(b, open);
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(arr, i);
		sb_desc(b, a);
		sb_add(b, jstr(a, "name"));
		sb_add(b, ": ");
		sb_type(b, json_object_object_get(a, "type"));
		if (jstr(a, "defaultValue") != NULL) {
			sb_add(b, " = ");
			sb_add(b, jstr(a, "defaultValue"));
		}
		sb_deprecated(b, a);
		sb_add(b, "\n");
	}
	sb_add(b, close);
}

static void
sb_names(struct sbuf *b, json_object *arr, const char *first, const char *sep)
{
	size_t	i, n = json_object_array_length(arr);

	for (i = 0; i < n; i++) {
		sb_add(b, i == 0 ? first : sep);
		sb_add(b, jstr(json_object_array_get_idx(arr, i), "name"));
	}
}

static void
sb_named_type(struct sbuf *b, json_object *t)
{
	const char	*kind = jstr(t, "kind");
	json_object	*a, *f;
	size_t		 i;

	sb_desc(b, t);
	if (strcmp(kind, "SCALAR") == 0) {
		sb_add(b, "scalar ");
		sb_add(b, jstr(t, "name"));
		if (jstr(t, "specifiedByURL") != NULL) {
			sb_add(b, " @specifiedBy(url: \"");
			sb_add(b, jstr(t, "specifiedByURL"));
			sb_add(b, "\")");
		}
	} else if (strcmp(kind, "OBJECT") == 0 ||
	    strcmp(kind, "INTERFACE") == 0) {
		sb_add(b, kind[0] == 'O' ? "type " : "interface ");
		sb_add(b, jstr(t, "name"));
		sb_names(b, json_object_object_get(t, "interfaces"),
		    " implements ", " & ");
		a = json_object_object_get(t, "fields");
		sb_add(b, " {\n");
		for (i = 0; i < json_object_array_length(a); i++) {
			f = json_object_array_get_idx(a, i);
			sb_desc(b, f);
			sb_add(b, jstr(f, "name"));
			sb_inputs(b, json_object_object_get(f, "args"), "(", ")");
			sb_add(b, ": ");
			sb_type(b, json_object_object_get(f, "type"));
			sb_deprecated(b, f);
			sb_add(b, "\n");
		}
		sb_add(b, "}");
	} else if (strcmp(kind, "UNION") == 0) {
		sb_add(b, "union ");
		sb_add(b, jstr(t, "name"));
		sb_names(b, json_object_object_get(t, "possibleTypes"), " = ",
		    " | ");
	} else if (strcmp(kind, "ENUM") == 0) {
		sb_add(b, "enum ");
		sb_add(b, jstr(t, "name"));
		sb_add(b, " {\n");
		a = json_object_object_get(t, "enumValues");
		for (i = 0; i < json_object_array_length(a); i++) {
			f = json_object_array_get_idx(a, i);
			sb_desc(b, f);
			sb_add(b, jstr(f, "name"));
			sb_deprecated(b, f);
			sb_add(b, "\n");
		}
		sb_add(b, "}");
	} else {
		sb_add(b, "input ");
		sb_add(b, jstr(t, "name"));
		if (json_object_get_boolean(json_object_object_get(t,
		    "isOneOf")))
			sb_add(b, " @oneOf");
		sb_inputs(b, json_object_object_get(t, "inputFields"), " {\n",
		    "}");
	}
	sb_add(b, "\n");
}

static char *
sdl_from_introspection(json_object *schema)
{
	static const char *const builtin[] = { "String", "Int", "Float",
	    "Boolean", "ID", "include", "skip", "deprecated", "specifiedBy",
	    "oneOf", NULL };
	struct sbuf	 b = { NULL, 0, 0 };
	json_object	*types = json_object_object_get(schema, "types"), *t;
	json_object	*dirs = json_object_object_get(schema, "directives");
	const char	*name;
	size_t		 i;
	int		 k, skip;

	sb_add(&b, "");
	sb_desc(&b, schema);
	sb_add(&b, "schema { query: ");
	sb_add(&b, jstr(json_object_object_get(schema, "queryType"), "name"));
	if (json_object_object_get(schema, "mutationType") != NULL) {
		sb_add(&b, " mutation: ");
		sb_add(&b, jstr(json_object_object_get(schema,
		    "mutationType"), "name"));
	}
	sb_add(&b, " }\n");
	for (i = 0; i < json_object_array_length(types); i++) {
		t = json_object_array_get_idx(types, i);
		name = jstr(t, "name");
		for (skip = 0, k = 0; builtin[k] != NULL; k++)
			if (strcmp(builtin[k], name) == 0)
				skip = 1;
		if (!skip && strncmp(name, "__", 2) != 0)
			sb_named_type(&b, t);
	}
	for (i = 0; i < json_object_array_length(dirs); i++) {
		t = json_object_array_get_idx(dirs, i);
		name = jstr(t, "name");
		for (skip = 0, k = 0; builtin[k] != NULL; k++)
			if (strcmp(builtin[k], name) == 0)
				skip = 1;
		if (skip)
			continue;
		sb_desc(&b, t);
		sb_add(&b, "directive @");
		sb_add(&b, name);
		sb_inputs(&b, json_object_object_get(t, "args"), "(", ")");
		if (json_object_get_boolean(json_object_object_get(t,
		    "isRepeatable")))
			sb_add(&b, " repeatable");
		sb_add(&b, " on ");
		{
			json_object *l = json_object_object_get(t, "locations");
			size_t j;

			for (j = 0; j < json_object_array_length(l); j++) {
				if (j > 0)
					sb_add(&b, " | ");
				sb_add(&b, json_object_get_string(
				    json_object_array_get_idx(l, j)));
			}
		}
		sb_add(&b, "\n");
	}
	return b.p;
}

static json_object *
introspect(struct lh_gql_schema *s)
{
	struct lh_gql_prepared	*p;
	json_object		*resp, *sch;

	p = gql_prepare(s, introspection_query, NULL, NULL, &resp);
	ck_assert_ptr_nonnull(p);
	resp = gql_execute(p, NULL, NULL);
	gql_prepared_free(p);
	ck_assert(!json_object_object_get_ex(resp, "errors", NULL));
	sch = json_object_get(json_object_object_get(json_object_object_get(
	    resp, "data"), "__schema"));
	json_object_put(resp);
	return sch;
}

/* Introspection rebuilds the same schema: SDL -> introspect -> SDL ->
 * schema -> introspect gives identical results. */
static void
roundtrip(const char *sdl)
{
	struct lh_gql_schema	*s1, *s2;
	json_object		*i1, *i2;
	char			*rebuilt, err[512];

	s1 = gql_schema_parse(sdl, strlen(sdl), err, sizeof(err));
	ck_assert_msg(s1 != NULL, "%s", err);
	i1 = introspect(s1);
	rebuilt = sdl_from_introspection(i1);
	s2 = gql_schema_parse(rebuilt, strlen(rebuilt), err, sizeof(err));
	ck_assert_msg(s2 != NULL, "rebuilt schema: %s\n%s", err, rebuilt);
	i2 = introspect(s2);
	ck_assert_msg(json_object_equal(i1, i2), "introspection differs:\n%s",
	    rebuilt);
	json_object_put(i1);
	json_object_put(i2);
	free(rebuilt);
	gql_schema_free(s1);
	gql_schema_free(s2);
}

START_TEST(introspection_roundtrip)
{
	roundtrip(test_sdl);
	roundtrip(gql_served_schema_sdl());
	roundtrip("\"The schema.\" schema { query: Q }\n"
	    "\"Time.\" scalar Time @specifiedBy(url: \"https://t\")\n"
	    "input One @oneOf { a: Int b: String @deprecated }\n"
	    "\"D\" directive @tag(\"n\" name: String! = \"x\\\"y\", "
	    "list: [Int] = [1, 2], o: One = {a: 1}) repeatable on FIELD_DEFINITION "
	    "| OBJECT\n"
	    "interface A { id: ID! }\ninterface B implements A { id: ID! }\n"
	    "type Q implements A & B { id: ID! t(at: Time, o: One): Time "
	    "f(x: Float = 1.5): [[Int!]]! }\n");
}
END_TEST

static Suite *
exec_suite(void)
{
	Suite	*s = suite_create("gql_exec");
	TCase	*tc = tcase_create("exec");

	tcase_add_test(tc, basics);
	tcase_add_test(tc, fragments_and_directives);
	tcase_add_test(tc, variables);
	tcase_add_test(tc, null_propagation);
	tcase_add_test(tc, mutations_and_api);
	tcase_add_test(tc, introspection);
	tcase_add_test(tc, served_schema_introspects);
	tcase_add_test(tc, introspection_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(exec_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
