/*
 * graphql_http.h: the /graphql endpoint over HTTP (POST JSON and GET query
 * string) and the playground page.
 */
#ifndef LH_GRAPHQL_HTTP_H
#define LH_GRAPHQL_HTTP_H

struct lh_router;
struct lh_http_request;

void graphql_http_route(struct lh_router *r, struct lh_http_request *req);
void graphql_playground_route(struct lh_router *r,
    struct lh_http_request *req);
/* Frees the worker's cache of prepared documents (at exit). */
void graphql_http_cache_clear(void);

/* Pure: finds name in an application/x-www-form-urlencoded query string and
 * returns its decoded value (malloc'd; '+' is a space), or NULL when absent
 * or badly encoded (*bad set to 1 then). */
char *graphql_query_param(const char *query, const char *name, int *bad);

#endif
