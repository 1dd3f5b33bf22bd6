/*
 * graphql_http.c: GraphQL over HTTP in the workers. POST takes
 * {"query","variables","operationName"} as JSON; GET takes the same as
 * query parameters and only for queries. A request that is not GraphQL at
 * all (bad JSON, missing query, wrong types) is a 400; GraphQL errors are
 * a 200 with {"data":...,"errors":[...]}. Queries count as reads and
 * mutations as writes for the rate limiter.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "shared/conf.h"
#include "shared/log.h"
#include "worker/api/api.h"
#include "worker/graphql_http.h"
#include "worker/http.h"
#include "worker/playground.h"
#include "worker/router.h"

#define GRAPHQL_JSON_DEPTH 64
#define PREP_CACHE_SIZE	64	/* documents kept per worker */
#define PREP_CACHE_MAX	8192	/* longer documents are not kept */

/*
 * Clients send the same few documents again and again: a worker keeps the
 * last PREP_CACHE_SIZE parsed and validated ones (parse + validation cost
 * as much as executing { health }). Only documents that validated are
 * kept; the schema and the limits never change while a worker lives.
 */
struct prep_entry {
	uint64_t		 hash;
	uint64_t		 used;	/* clock of the last hit */
	char			*query;
	char			*operation;	/* "" when absent */
	struct lh_gql_prepared	*prep;
};

static struct prep_entry prep_cache[PREP_CACHE_SIZE];
static uint64_t prep_clock;

/* A request, whichever way it came: a JSON object shaped like the POST
 * body (GET parameters are put in the same shape), so one parser checks
 * both. The strings borrow from body. */
struct gql_request {
	json_object *body;
	const char *query;
	const char *operation;
	json_object *variables;
};

static uint64_t
prep_hash(const char *query, const char *operation)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (const char *p = query; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const char *p = operation; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static struct lh_gql_prepared *
prep_lookup(const char *query, const char *operation, uint64_t hash)
{
	for (size_t i = 0; i < PREP_CACHE_SIZE; i++) {
		struct prep_entry *e = &prep_cache[i];
		if (e->prep != NULL && e->hash == hash &&
		    strcmp(e->query, query) == 0 &&
		    strcmp(e->operation, operation) == 0) {
			e->used = ++prep_clock;
			return e->prep;
		}
	}
	return NULL;
}

/* Keeps prep in the least recently used slot; 0 when kept (the cache now
 * owns it), -1 when the caller still owns it. */
static int
prep_keep(const char *query, const char *operation, uint64_t hash,
    struct lh_gql_prepared *prep)
{
	struct prep_entry *victim = &prep_cache[0];
	char *q, *op;

	if (strlen(query) > PREP_CACHE_MAX)
		return -1;
	for (size_t i = 1; i < PREP_CACHE_SIZE && victim->prep != NULL; i++)
		if (prep_cache[i].prep == NULL ||
		    prep_cache[i].used < victim->used)
			victim = &prep_cache[i];
	if ((q = strdup(query)) == NULL || (op = strdup(operation)) == NULL) {
		free(q);
		return -1;
	}
	gql_prepared_free(victim->prep);
	free(victim->query);
	free(victim->operation);
	victim->hash = hash;
	victim->used = ++prep_clock;
	victim->query = q;
	victim->operation = op;
	victim->prep = prep;
	return 0;
}

void
graphql_http_cache_clear(void)
{
	for (size_t i = 0; i < PREP_CACHE_SIZE; i++) {
		gql_prepared_free(prep_cache[i].prep);
		free(prep_cache[i].query);
		free(prep_cache[i].operation);
	}
	memset(prep_cache, 0, sizeof(prep_cache));
}

static void
reply_json(struct lh_http_request *req, int status, json_object *o)
{
	size_t len;
	const char *text = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	http_reply(req, status, "application/json", text, len);
}

static void
reply_gql_error(struct lh_http_request *req, int status, const char *code,
    const char *message)
{
	json_object *o = gql_response_error(message, code);

	if (o == NULL) {
		http_reply_error(req, 503, "OUT_OF_MEMORY", "out of memory");
		return;
	}
	reply_json(req, status, o);
	json_object_put(o);
}

char *
graphql_query_param(const char *query, const char *name, int *bad)
{
	size_t nlen = strlen(name);
	const char *p = query;

	*bad = 0;
	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, '&');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (len > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			char *out = strndup(p + nlen + 1, len - nlen - 1);

			if (out == NULL)
				return NULL;
			/* form encoding: '+' is a space; %2B stays a '+' */
			for (char *c = out; *c != '\0'; c++)
				if (*c == '+')
					*c = ' ';
			if (http_percent_decode(out) == -1) {
				free(out);
				*bad = 1;
				return NULL;
			}
			return out;
		}
		p = end != NULL ? end + 1 : NULL;
	}
	return NULL;
}

static void
gql_request_clear(struct gql_request *g)
{
	if (g->body != NULL)
		json_object_put(g->body);
	memset(g, 0, sizeof(*g));
}

static json_object *
parse_json(const char *text, size_t len, const char **why)
{
	/* one tokener per worker, reset per request: workers are single
	 * threaded, and the request path allocates less */
	static struct json_tokener *tok;
	json_object *o;

	if (len > INT32_MAX) {
		*why = "too large";
		return NULL;
	}
	if (tok == NULL)
		tok = json_tokener_new_ex(GRAPHQL_JSON_DEPTH);
	else
		json_tokener_reset(tok);
	if (tok == NULL) {
		*why = "out of memory";
		return NULL;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		*why = json_tokener_error_desc(json_tokener_get_error(tok));
		if (o != NULL && json_tokener_get_error(tok) ==
		    json_tokener_success)
			*why = "trailing data after the JSON value";
		json_object_put(o);
		o = NULL;
	}
	return o;
}

/* Reads a POST body into g->body; on error returns -1 with a message. */
static int
read_post(struct lh_http_request *req, struct gql_request *g, char *msg,
    size_t msglen)
{
	const char *ct = http_header(req, "Content-Type"), *why = NULL;

	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
		snprintf(msg, msglen, "Content-Type must be application/json");
		return -1;
	}
	if (req->body_len == 0) {
		snprintf(msg, msglen, "empty request body: expected "
		    "{\"query\": \"...\"}");
		return -1;
	}
	if ((g->body = parse_json(req->body, req->body_len, &why)) == NULL) {
		snprintf(msg, msglen, "malformed JSON body: %s", why);
		return -1;
	}
	return 0;
}

/* Adds query parameter name (decoded) to g->body under key; a parameter
 * holding JSON (variables) is parsed. */
static int
get_param(struct lh_http_request *req, struct gql_request *g,
    const char *name, int is_json, char *msg, size_t msglen)
{
	const char *why = NULL;
	json_object *v;
	char *text;
	int bad = 0;

	text = req->query != NULL ? graphql_query_param(req->query, name,
	    &bad) : NULL;
	if (bad) {
		snprintf(msg, msglen, "badly encoded \"%s\" parameter", name);
		return -1;
	}
	if (text == NULL || (is_json && (text[0] == '\0' ||
	    strcmp(text, "null") == 0))) {
		free(text);
		return 0;
	}
	v = is_json ? parse_json(text, strlen(text), &why) :
	    json_object_new_string(text);
	free(text);
	if (v == NULL) {
		snprintf(msg, msglen, "\"%s\" is not valid JSON: %s", name,
		    why != NULL ? why : "out of memory");
		return -1;
	}
	json_object_object_add(g->body, name, v);
	return 0;
}

static int
read_get(struct lh_http_request *req, struct gql_request *g, char *msg,
    size_t msglen)
{
	if ((g->body = json_object_new_object()) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	if (get_param(req, g, "query", 0, msg, msglen) == -1 ||
	    get_param(req, g, "operationName", 0, msg, msglen) == -1 ||
	    get_param(req, g, "variables", 1, msg, msglen) == -1)
		return -1;
	return 0;
}

void
graphql_http_route(struct lh_router *r, struct lh_http_request *req)
{
	struct lh_api *api = router_api(r);
	struct lh_api_ctx ctx;
	struct gql_request g;
	struct lh_gql_prepared *prep;
	json_object *response = NULL;
	enum lh_gql_optype op;
	const char *opname;
	uint64_t hash;
	char msg[256];
	int rc, kept = 0;

	memset(&g, 0, sizeof(g));
	rc = req->method == LH_HTTP_POST ? read_post(req, &g, msg,
	    sizeof(msg)) : read_get(req, &g, msg, sizeof(msg));
	if (rc == 0)
		rc = gql_request_parse(g.body, &g.query, &g.operation,
		    &g.variables, msg, sizeof(msg));
	if (rc == -1) {
		/* Not GraphQL at all; still counted, so it cannot be spammed. */
		if (router_limit(r, req, LH_RL_READ) == 0)
			reply_gql_error(req, 400, "BAD_REQUEST", msg);
		gql_request_clear(&g);
		return;
	}
	opname = g.operation != NULL ? g.operation : "";
	hash = prep_hash(g.query, opname);
	if ((prep = prep_lookup(g.query, opname, hash)) != NULL)
		kept = 1;
	else if ((prep = gql_prepare(api->schema, g.query, g.operation,
	    &api->limits, &response)) != NULL)
		kept = prep_keep(g.query, opname, hash, prep) == 0;
	op = prep != NULL ? gql_prepared_optype(prep) : LH_GQL_OP_QUERY;
	if (router_limit(r, req, op == LH_GQL_OP_MUTATION ? LH_RL_WRITE :
	    LH_RL_READ) == -1)
		goto done;
	if (prep == NULL) {
		reply_json(req, 200, response);
		goto done;
	}
	if (op != LH_GQL_OP_QUERY && req->method != LH_HTTP_POST) {
		http_add_header(req, "Allow", "POST");
		reply_gql_error(req, 405, "METHOD_NOT_ALLOWED",
		    "mutations must be sent with POST");
		goto done;
	}
	ctx.api = api;
	ctx.req = req;
	if ((response = gql_execute(prep, g.variables, &ctx)) == NULL) {
		http_reply_error(req, 503, "OUT_OF_MEMORY", "out of memory");
		goto done;
	}
	reply_json(req, 200, response);
done:
	if (response != NULL)
		json_object_put(response);
	if (prep != NULL && !kept)
		gql_prepared_free(prep);
	gql_request_clear(&g);
}

void
graphql_playground_route(struct lh_router *r, struct lh_http_request *req)
{
	const char *html;
	size_t len;

	if (!router_config(r)->playground || playground_csp() == NULL) {
		http_reply_error(req, 404, "NOT_FOUND", "the playground is off; "
		    "start the server with --playground");
		return;
	}
	html = playground_html(&len);
	http_reply(req, 200, "text/html; charset=utf-8", html, len);
}
