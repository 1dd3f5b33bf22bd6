/*
 * router.c: request routing in the worker. Every response gets the spec's
 * security headers (common blob + per-route CSP), CORS when configured, and
 * the shared-memory rate limit, before the route's handler runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/conf.h"
#include "shared/log.h"
#include "worker/api/api.h"
#include "worker/graphql_http.h"
#include "worker/playground.h"
#include "worker/router.h"

#define DEFAULT_CSP "default-src 'none'; frame-ancestors 'none'"

struct lh_router {
	const struct lh_config *cfg;
	struct lh_rl_table *rl;
	struct lh_api *api;
};

static void route_info(struct lh_router *r, struct lh_http_request *req);
static void route_health(struct lh_router *r, struct lh_http_request *req);

static const struct lh_route routes[] = {
	{ "/", 0, LH_M_GET, LH_ROUTE_LIMIT_BY_METHOD, route_info, NULL },
	{ "/health", 0, LH_M_GET, LH_ROUTE_LIMIT_BY_METHOD, route_health,
	    NULL },
	{ "/graphql", 0, LH_M_GET | LH_M_POST, LH_ROUTE_LIMIT_SELF,
	    graphql_http_route, NULL },
	{ "/graphql/playground", 0, LH_M_GET, LH_ROUTE_LIMIT_BY_METHOD,
	    graphql_playground_route, playground_csp },
};

static const char server_info[] =
    "{\"name\":\"LabHit Engine\",\"version\":\"" PACKAGE_VERSION "\","
    "\"endpoints\":{\"graphql\":\"/graphql\",\"health\":\"/health\","
    "\"webhook\":\"/webhook\"}}";

const char *
router_default_csp(void)
{
	return DEFAULT_CSP;
}

const char *
router_common_headers(void)
{
	return "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "X-XSS-Protection: 1; mode=block\r\n"
	    "Referrer-Policy: strict-origin-when-cross-origin\r\n"
	    "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n";
}

struct lh_router *
router_new(const struct lh_config *cfg, struct lh_rl_table *rl, char *err,
    size_t errlen)
{
	struct lh_router *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->cfg = cfg;
	r->rl = rl;
	if ((r->api = api_new(cfg, err, errlen)) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
router_free(struct lh_router *r)
{
	if (r == NULL)
		return;
	graphql_http_cache_clear();	/* its documents use the API's schema */
	api_free(r->api);
	free(r);
}

struct lh_api *
router_api(const struct lh_router *r)
{
	return r->api;
}

const struct lh_config *
router_config(const struct lh_router *r)
{
	return r->cfg;
}

int
router_origin_allowed(const char *list, const char *origin)
{
	size_t olen;
	const char *p = list;

	if (list == NULL || origin == NULL || origin[0] == '\0')
		return 0;
	olen = strlen(origin);
	while (*p != '\0') {
		const char *end;
		size_t len;

		while (*p == ' ' || *p == ',')
			p++;
		end = p;
		while (*end != '\0' && *end != ',' && *end != ' ')
			end++;
		len = (size_t)(end - p);
		if (len == olen && len > 0 && memcmp(p, origin, len) == 0)
			return 1;
		p = end;
	}
	return 0;
}

/* Decimal text of v in buf (at least 11 bytes); on every limited request,
 * so no printf. */
static const char *
u32_text(char *buf, uint32_t v)
{
	char *p = buf + 10;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return p;
}

int
router_limit(struct lh_router *r, struct lh_http_request *req,
    enum lh_rl_class cls)
{
	struct lh_rl_result res;
	char num[11], msg[128];

	if (r->rl == NULL)
		return 0;
	rl_check(r->rl, cls, req->client_ip, rl_now_ms(), &res);
	if (res.limit == 0)
		return 0;
	http_add_header(req, "X-RateLimit-Limit", u32_text(num, res.limit));
	http_add_header(req, "X-RateLimit-Remaining",
	    u32_text(num, res.remaining));
	if (res.allowed)
		return 0;
	http_add_header(req, "Retry-After", u32_text(num, res.retry_after_s));
	snprintf(msg, sizeof(msg), "rate limit exceeded: %u %s requests "
	    "allowed; retry after %u s", res.limit,
	    cls == LH_RL_READ ? "read" : "write", res.retry_after_s);
	http_reply_error(req, 429, "RATE_LIMITED", msg);
	return -1;
}

static void
route_info(struct lh_router *r, struct lh_http_request *req)
{
	http_reply(req, 200, "application/json", server_info,
	    sizeof(server_info) - 1);
}

static void
route_health(struct lh_router *r, struct lh_http_request *req)
{
	http_reply(req, 200, "text/plain; charset=utf-8", "ok", 2);
}

static const struct lh_route *
route_find(const char *path)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct lh_route *rt = &routes[i];
		if (rt->prefix ? strncmp(path, rt->path,
		    strlen(rt->path)) == 0 : strcmp(path, rt->path) == 0)
			return rt;
	}
	return NULL;
}

static void
allow_value(unsigned methods, char *buf, size_t len)
{
	static const struct { enum lh_http_method m; const char *name; } ms[] = {
		{ LH_HTTP_GET, "GET" }, { LH_HTTP_HEAD, "HEAD" },
		{ LH_HTTP_POST, "POST" },
	};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		if (methods & LH_M(ms[i].m))
			used += (size_t)snprintf(buf + used, len - used, "%s, ",
			    ms[i].name);
	snprintf(buf + used, len - used, "OPTIONS");
}

/* Adds CORS headers for an allowed origin; returns 1 when it did. */
static int
cors_headers(struct lh_router *r, struct lh_http_request *req)
{
	const char *origin = http_header(req, "Origin");

	if (r->cfg->cors_origins[0] == '\0' ||
	    !router_origin_allowed(r->cfg->cors_origins, origin))
		return 0;
	http_add_header(req, "Access-Control-Allow-Origin", origin);
	http_add_header(req, "Vary", "Origin");
	return 1;
}

static void
answer_options(struct lh_router *r, struct lh_http_request *req,
    const struct lh_route *rt)
{
	char allow[64];

	allow_value(rt->methods, allow, sizeof(allow));
	http_add_header(req, "Allow", allow);
	if (cors_headers(r, req) &&
	    http_header(req, "Access-Control-Request-Method") != NULL) {
		http_add_header(req, "Access-Control-Allow-Methods",
		    "GET, POST, OPTIONS");
		http_add_header(req, "Access-Control-Allow-Headers",
		    "Content-Type, Authorization");
		http_add_header(req, "Access-Control-Max-Age", "3600");
	}
	http_reply(req, 204, NULL, NULL, 0);
}

void
router_handle(struct lh_http_request *req, void *arg)
{
	struct lh_router *r = arg;
	const struct lh_route *rt = route_find(req->path);
	const char *csp = rt != NULL && rt->csp != NULL ? rt->csp() : NULL;
	char allow[64], msg[256];

	/* The spec's CSP is the server's default header; a page with inline
	 * code of its own replaces it. */
	if (csp != NULL)
		http_add_header(req, "Content-Security-Policy", csp);
	if (rt == NULL) {
		cors_headers(r, req);
		snprintf(msg, sizeof(msg), "no such resource: %.200s",
		    req->path);
		http_reply_error(req, 404, "NOT_FOUND", msg);
		return;
	}
	if (req->method == LH_HTTP_OPTIONS) {
		answer_options(r, req, rt);
		return;
	}
	cors_headers(r, req);
	if ((rt->methods & LH_M(req->method)) == 0) {
		allow_value(rt->methods, allow, sizeof(allow));
		http_add_header(req, "Allow", allow);
		snprintf(msg, sizeof(msg), "method %s is not allowed on %.200s",
		    req->method_name, req->path);
		http_reply_error(req, 405, "METHOD_NOT_ALLOWED", msg);
		return;
	}
	if (rt->limit == LH_ROUTE_LIMIT_BY_METHOD &&
	    router_limit(r, req, req->method == LH_HTTP_POST ? LH_RL_WRITE :
	    LH_RL_READ) == -1)
		return;
	rt->fn(r, req);
}
