/*
 * check_graphql_http.c: the /graphql endpoint of a real `labhit serve`:
 * POST and GET, request errors (400), GraphQL errors (200), mutations over
 * GET refused, rate-limit classes, introspection, the playground switch.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "tests/lib/testlib.h"

static struct tl_server srv;

static void
start(const char *const extra[], const char *const env[])
{
	memset(&srv, 0, sizeof(srv));
	ck_assert_int_eq(tl_server_start(&srv, extra, env), 0);
}

static void
stop(void)
{
	tl_server_stop(&srv);
}

static json_object *
post_json(const char *body, int *status)
{
	struct tl_response r;
	json_object *o;

	ck_assert_int_eq(tl_post(srv.port, "/graphql", "application/json", body,
	    NULL, &r), 0);
	*status = r.status;
	ck_assert_str_eq(tl_header(&r, "Content-Type"), "application/json");
	o = json_tokener_parse(r.body);
	ck_assert_msg(o != NULL, "body is not JSON: %s", r.body);
	tl_response_free(&r);
	return o;
}

static const char *
jpath(json_object *o, const char *path)
{
	static char buf[4096];
	char copy[256], *save = NULL, *part;

	snprintf(copy, sizeof(copy), "%s", path);
	for (part = strtok_r(copy, ".", &save); part != NULL && o != NULL;
	    part = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(part));
		else if (!json_object_object_get_ex(o, part, &o))
			o = NULL;
	}
	if (o == NULL)
		return NULL;
	snprintf(buf, sizeof(buf), "%s", json_object_is_type(o,
	    json_type_string) ? json_object_get_string(o) :
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	return buf;
}

START_TEST(post_health)
{
	int status;
	json_object *o;

	start(NULL, NULL);
	o = post_json("{\"query\":\"{ health }\"}", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN), "{\"data\":{\"health\":\"ok\"}}");
	json_object_put(o);

	o = post_json("{\"query\":\"{ version engineConfig { version mode "
	    "logLevel apiAuthenticated } }\",\"variables\":{}}", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(jpath(o, "data.version"), "0.4.0");
	ck_assert_str_eq(jpath(o, "data.engineConfig.version"), "0.4.0");
	ck_assert_str_eq(jpath(o, "data.engineConfig.logLevel"), "debug");
	ck_assert_str_eq(jpath(o, "data.engineConfig.mode"), "server");
	ck_assert_str_eq(jpath(o, "data.engineConfig.apiAuthenticated"),
	    "false");
	ck_assert_ptr_null(jpath(o, "errors"));
	json_object_put(o);
	stop();
}
END_TEST

START_TEST(api_key_reported)
{
	static const char *const env[] = { "LABHIT_API_KEY=sekrit", NULL };
	int status;
	json_object *o;

	start(NULL, env);
	o = post_json("{\"query\":\"{ engineConfig { apiAuthenticated } }\"}",
	    &status);
	ck_assert_str_eq(jpath(o, "data.engineConfig.apiAuthenticated"),
	    "true");
	json_object_put(o);
	stop();
}
END_TEST

START_TEST(get_query)
{
	struct tl_response r;

	start(NULL, NULL);
	ck_assert_int_eq(tl_get(srv.port, "/graphql?query=%7B%20health%20%7D",
	    NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "{\"data\":{\"health\":\"ok\"}}");
	tl_response_free(&r);
	/* variables and operationName travel as parameters too */
	ck_assert_int_eq(tl_get(srv.port, "/graphql?query=query+T(%24n%3A+"
	    "String!)%7B__type(name%3A%24n)%7Bname%7D%7D&variables="
	    "%7B%22n%22%3A%22EngineConfig%22%7D&operationName=T", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body,
	    "{\"data\":{\"__type\":{\"name\":\"EngineConfig\"}}}");
	tl_response_free(&r);
	ck_assert_int_eq(tl_get(srv.port, "/graphql", NULL, &r), 0);
	ck_assert_int_eq(r.status, 400);
	tl_response_free(&r);
	/* a mutation over GET is refused */
	ck_assert_int_eq(tl_get(srv.port, "/graphql?query=mutation%7B"
	    "revokeApiToken(id%3A%22x%22)%7D", NULL, &r), 0);
	ck_assert_int_eq(r.status, 405);
	ck_assert_str_eq(tl_header(&r, "Allow"), "POST");
	ck_assert_ptr_nonnull(strstr(r.body, "METHOD_NOT_ALLOWED"));
	tl_response_free(&r);
	stop();
}
END_TEST

START_TEST(bad_requests)
{
	static const struct { const char *ct, *body, *frag; } cases[] = {
		{ "application/json", "{\"query\": ", "malformed JSON" },
		{ "application/json", "{}", "missing \\\"query\\\"" },
		{ "application/json", "{\"query\": 5}", "must be a string" },
		{ "application/json", "[1,2]", "JSON object" },
		{ "application/json", "{\"query\":\"{health}\",\"variables\":[1]}",
		    "\\\"variables\\\"" },
		{ "application/json", "{\"query\":\"{health}\","
		    "\"operationName\":7}", "operationName" },
		{ "application/json", "{\"query\":\"{health}\"} trailing",
		    "malformed JSON" },
		{ "text/plain", "{\"query\":\"{health}\"}", "application/json" },
	};

	start(NULL, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tl_response r;

		ck_assert_int_eq(tl_post(srv.port, "/graphql", cases[i].ct,
		    cases[i].body, NULL, &r), 0);
		ck_assert_msg(r.status == 400, "case %zu: status %d", i,
		    r.status);
		ck_assert_msg(strstr(r.body, cases[i].frag) != NULL,
		    "case %zu: body %s lacks %s", i, r.body, cases[i].frag);
		ck_assert_ptr_nonnull(strstr(r.body, "\"BAD_REQUEST\""));
		ck_assert_str_eq(tl_header(&r, "X-Frame-Options"), "DENY");
		tl_response_free(&r);
	}
	stop();
}
END_TEST

START_TEST(graphql_errors)
{
	int status;
	json_object *o;

	start(NULL, NULL);
	o = post_json("{\"query\":\"{ health \"}", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(jpath(o, "errors.0.extensions.code"),
	    "GRAPHQL_PARSE_FAILED");
	ck_assert_str_eq(jpath(o, "errors.0.locations.0.line"), "1");
	json_object_put(o);

	o = post_json("{\"query\":\"{ health nope }\"}", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(jpath(o, "errors.0.extensions.code"),
	    "GRAPHQL_VALIDATION_FAILED");
	ck_assert_str_eq(jpath(o, "errors.0.locations.0.column"), "10");
	json_object_put(o);

	/* a field whose issue has not landed says so, with a path */
	o = post_json("{\"query\":\"{ runs(limit: 1) { id } }\"}", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(jpath(o, "errors.0.extensions.code"),
	    "NOT_IMPLEMENTED");
	ck_assert_str_eq(jpath(o, "errors.0.path.0"), "runs");
	json_object_put(o);
	stop();
}
END_TEST

START_TEST(rate_classes)
{
	static const char *const env[] = { "LABHIT_RATE_LIMIT_WRITE=3/min",
	    "LABHIT_RATE_LIMIT_READ=50/min", NULL };
	static const char mutation[] =
	    "{\"query\":\"mutation { revokeApiToken(id: \\\"x\\\") }\"}";
	struct tl_response r;
	int ok = 0, refused = 0;

	start(NULL, env);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(tl_post(srv.port, "/graphql",
		    "application/json", mutation, NULL, &r), 0);
		ck_assert_str_eq(tl_header(&r, "X-RateLimit-Limit"), "3");
		if (r.status == 200)
			ok++;
		else if (r.status == 429) {
			refused++;
			ck_assert_ptr_nonnull(tl_header(&r, "Retry-After"));
		}
		tl_response_free(&r);
	}
	ck_assert_int_eq(ok, 3);
	ck_assert_int_eq(refused, 2);
	/* queries by POST are reads: still allowed, counted against 50 */
	ck_assert_int_eq(tl_post(srv.port, "/graphql", "application/json",
	    "{\"query\":\"{ health }\"}", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(tl_header(&r, "X-RateLimit-Limit"), "50");
	tl_response_free(&r);
	stop();
}
END_TEST

static const char introspection_query[] =
    "query IntrospectionQuery { __schema { queryType { name } "
    "mutationType { name } subscriptionType { name } "
    "types { ...FullType } directives { name description locations "
    "args { ...InputValue } } } } "
    "fragment FullType on __Type { kind name description "
    "fields(includeDeprecated: true) { name description args { ...InputValue } "
    "type { ...TypeRef } isDeprecated deprecationReason } "
    "inputFields { ...InputValue } interfaces { ...TypeRef } "
    "enumValues(includeDeprecated: true) { name description isDeprecated "
    "deprecationReason } possibleTypes { ...TypeRef } } "
    "fragment InputValue on __InputValue { name description type { ...TypeRef } "
    "defaultValue } "
    "fragment TypeRef on __Type { kind name ofType { kind name ofType { kind "
    "name ofType { kind name ofType { kind name ofType { kind name ofType { "
    "kind name ofType { kind name } } } } } } } }";

START_TEST(introspection)
{
	json_object *req = json_object_new_object(), *o, *types;
	int status, found = 0;

	start(NULL, NULL);
	json_object_object_add(req, "query",
	    json_object_new_string(introspection_query));
	json_object_object_add(req, "operationName",
	    json_object_new_string("IntrospectionQuery"));
	o = post_json(json_object_to_json_string(req), &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_null(jpath(o, "errors"));
	ck_assert_str_eq(jpath(o, "data.__schema.queryType.name"), "Query");
	ck_assert_str_eq(jpath(o, "data.__schema.mutationType.name"),
	    "Mutation");
	ck_assert(json_object_object_get_ex(json_object_object_get(
	    json_object_object_get(o, "data"), "__schema"), "types", &types));
	for (size_t i = 0; i < json_object_array_length(types); i++) {
		json_object *t = json_object_array_get_idx(types, i);
		const char *name = json_object_get_string(
		    json_object_object_get(t, "name"));
		if (strcmp(name, "PipelineRun") == 0 ||
		    strcmp(name, "RunStatus") == 0 ||
		    strcmp(name, "CreateApiTokenResult") == 0)
			found++;
	}
	ck_assert_int_eq(found, 3);
	json_object_put(o);
	json_object_put(req);
	stop();
}
END_TEST

START_TEST(depth_limit)
{
	static const char *const env[] = { "LABHIT_GRAPHQL_MAX_DEPTH=3", NULL };
	int status;
	json_object *o;

	start(NULL, env);
	o = post_json("{\"query\":\"{ __schema { types { fields { type { "
	    "name } } } } }\"}", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_null(jpath(o, "data.__schema"));
	ck_assert_ptr_nonnull(jpath(o, "errors.0.message"));
	json_object_put(o);
	o = post_json("{\"query\":\"{ health }\"}", &status);
	ck_assert_str_eq(jpath(o, "data.health"), "ok");
	json_object_put(o);
	stop();
}
END_TEST

START_TEST(playground_switch)
{
	static const char *const on[] = { "--playground", NULL };
	struct tl_response r;
	const char *csp;

	start(NULL, NULL);
	ck_assert_int_eq(tl_get(srv.port, "/graphql/playground", NULL, &r), 0);
	ck_assert_int_eq(r.status, 404);
	tl_response_free(&r);
	stop();

	start(on, NULL);
	ck_assert_int_eq(tl_get(srv.port, "/graphql/playground", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(tl_header(&r, "Content-Type"),
	    "text/html; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(r.body, "<title>LabHit GraphQL"));
	/* no third-party code: the page loads nothing from elsewhere */
	ck_assert_ptr_null(strstr(r.body, "https://"));
	ck_assert_ptr_null(strstr(r.body, "<script src"));
	csp = tl_header(&r, "Content-Security-Policy");
	ck_assert_ptr_nonnull(csp);
	ck_assert_ptr_nonnull(strstr(csp, "script-src 'sha256-"));
	ck_assert_ptr_nonnull(strstr(csp, "default-src 'none'"));
	ck_assert_ptr_null(strstr(csp, "unsafe-inline"));
	/* its own policy replaces the default one instead of adding to it */
	ck_assert_ptr_null(strstr(strstr(r.head, "Content-Security-Policy:") + 1,
	    "Content-Security-Policy:"));
	ck_assert_str_eq(tl_header(&r, "X-Frame-Options"), "DENY");
	tl_response_free(&r);
	stop();
}
END_TEST

/* A worker keeps prepared documents: the same document executed again with
 * other variables, other operation names, and more documents than the
 * cache holds must all answer as if prepared afresh. */
START_TEST(prepared_documents_reused)
{
	static const char *const env[] = { "LABHIT_RATE_LIMIT_READ=0",
	    "LABHIT_WORKERS=1", NULL };
	static const char q[] = "query T($n: String!) { __type(name: $n) "
	    "{ name kind } } query U { health }";
	char body[512];
	int status;
	json_object *o;

	start(NULL, env);
	for (int round = 0; round < 2; round++) {
		snprintf(body, sizeof(body), "{\"query\":\"%s\","
		    "\"operationName\":\"T\",\"variables\":{\"n\":"
		    "\"EngineConfig\"}}", q);
		o = post_json(body, &status);
		ck_assert_str_eq(jpath(o, "data.__type.kind"), "OBJECT");
		json_object_put(o);
		snprintf(body, sizeof(body), "{\"query\":\"%s\","
		    "\"operationName\":\"T\",\"variables\":{\"n\":"
		    "\"RunStatus\"}}", q);
		o = post_json(body, &status);
		ck_assert_str_eq(jpath(o, "data.__type.kind"), "ENUM");
		json_object_put(o);
		snprintf(body, sizeof(body), "{\"query\":\"%s\","
		    "\"operationName\":\"T\"}", q);
		o = post_json(body, &status);
		ck_assert_str_eq(jpath(o, "errors.0.extensions.code"),
		    "BAD_USER_INPUT");
		json_object_put(o);
		snprintf(body, sizeof(body), "{\"query\":\"%s\","
		    "\"operationName\":\"U\"}", q);
		o = post_json(body, &status);
		ck_assert_str_eq(jpath(o, "data.health"), "ok");
		ck_assert_ptr_null(jpath(o, "data.__type"));
		json_object_put(o);
	}
	/* more distinct documents than a worker keeps */
	for (int i = 0; i < 150; i++) {
		char key[32];

		snprintf(body, sizeof(body), "{\"query\":\"{ a%d: health }\"}",
		    i);
		o = post_json(body, &status);
		snprintf(key, sizeof(key), "data.a%d", i);
		ck_assert_str_eq(jpath(o, key), "ok");
		json_object_put(o);
	}
	o = post_json("{\"query\":\"{ a0: health }\"}", &status);
	ck_assert_str_eq(jpath(o, "data.a0"), "ok");
	json_object_put(o);
	stop();
}
END_TEST

static Suite *
graphql_http_suite(void)
{
	Suite *s = suite_create("graphql_http");
	TCase *t = tcase_create("http");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, post_health);
	tcase_add_test(t, api_key_reported);
	tcase_add_test(t, get_query);
	tcase_add_test(t, bad_requests);
	tcase_add_test(t, graphql_errors);
	tcase_add_test(t, rate_classes);
	tcase_add_test(t, introspection);
	tcase_add_test(t, depth_limit);
	tcase_add_test(t, playground_switch);
	tcase_add_test(t, prepared_documents_reused);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return tl_run_suite(graphql_http_suite());
}
