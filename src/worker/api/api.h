/*
 * api.h: the GraphQL API of a worker: the served schema, the resolvers of
 * every domain (one file each under api/), and the per-request context they receive.
 */
#ifndef LH_API_H
#define LH_API_H

#include "worker/graphql/gql.h"

struct lh_config;
struct lh_http_request;

/* Per worker. */
struct lh_api {
	const struct lh_config	*cfg;
	struct lh_gql_schema	*schema;
	struct lh_gql_limits	 limits;
};

/* Per request: what resolvers may look at. */
struct lh_api_ctx {
	struct lh_api		*api;
	struct lh_http_request	*req;
};

/* Parses the served schema and registers every resolver; a schema field
 * without one is an error (err says which). NULL on failure. */
struct lh_api *api_new(const struct lh_config *cfg, char *err, size_t errlen);
void api_free(struct lh_api *api);

/* Domain registration, one per file under api/. */
int api_system_register(struct lh_api *api);

/* Registers a resolver answering NOT_IMPLEMENTED for a field whose issue
 * has not landed yet: an honest error, never fake data. */
int api_register_not_implemented(struct lh_api *api, const char *coord);

#endif
