/*
 * router.h: the worker's request routing: security headers, CORS, rate
 * limits, then the route table (REST endpoints; /graphql and the rest are
 * registered by their modules).
 */
#ifndef LH_ROUTER_H
#define LH_ROUTER_H

#include "shared/ratelimit.h"
#include "worker/http.h"

struct lh_config;
struct lh_router;
struct lh_api;

typedef void (*lh_route_fn)(struct lh_router *r, struct lh_http_request *req);

/* Methods a route answers, as a bit mask of 1 << enum lh_http_method. */
#define LH_M(m)		(1u << (m))
#define LH_M_GET	(LH_M(LH_HTTP_GET) | LH_M(LH_HTTP_HEAD))
#define LH_M_POST	LH_M(LH_HTTP_POST)

enum lh_route_limit {
	LH_ROUTE_LIMIT_BY_METHOD = 0,	/* GET/HEAD read, POST write */
	LH_ROUTE_LIMIT_SELF,		/* the handler calls router_limit */
};

struct lh_route {
	const char	*path;		/* exact, or a prefix ending in '/' */
	int		 prefix;
	unsigned	 methods;
	enum lh_route_limit limit;
	lh_route_fn	 fn;
	const char	*(*csp)(void);	/* NULL = the spec's default CSP */
};

/* NULL with err filled when the API cannot be built. */
struct lh_router *router_new(const struct lh_config *cfg,
    struct lh_rl_table *rl, char *err, size_t errlen);
void router_free(struct lh_router *r);
/* The http server's handler; arg is the router. */
void router_handle(struct lh_http_request *req, void *arg);
/* Lines every response carries (the spec's security headers except CSP,
 * which the router adds per route). */
const char *router_common_headers(void);
/* The spec's Content-Security-Policy, sent unless a route has its own. */
const char *router_default_csp(void);
const struct lh_config *router_config(const struct lh_router *r);
struct lh_api *router_api(const struct lh_router *r);

/* Applies the class's limit to req: adds X-RateLimit-* headers; when
 * refused answers 429 with Retry-After and returns -1. */
int router_limit(struct lh_router *r, struct lh_http_request *req,
    enum lh_rl_class cls);
/* Pure: is origin in the comma-separated allow list (exact match)? */
int router_origin_allowed(const char *list, const char *origin);

#endif
