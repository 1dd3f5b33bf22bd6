/*
 * api.c: builds a worker's GraphQL API: parses the embedded schema,
 * registers each domain's resolvers and refuses to start when a schema
 * field has none.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/conf.h"
#include "worker/api/api.h"

/* Fields whose issues have not landed: they answer NOT_IMPLEMENTED. */
static const char *const pending_fields[] = {
	"Query.runs", "Query.run", "Query.me", "Query.usage",
	"Query.extensions", "Query.extension", "Query.extensionVersions",
	"Query.artifacts", "Query.apiTokens",
	"Mutation.triggerPipeline", "Mutation.cancelPipeline",
	"Mutation.createApiToken", "Mutation.revokeApiToken",
};

static json_object *
not_implemented(void *ctx, json_object *parent, json_object *args,
    void *udata, struct lh_gql_rerr *err)
{
	return gql_rerr_set(err, "NOT_IMPLEMENTED", "%s is not implemented "
	    "in this version of labhit yet", (const char *)udata);
}

int
api_register_not_implemented(struct lh_api *api, const char *coord)
{
	return gql_schema_set_resolver(api->schema, coord, not_implemented,
	    (void *)(uintptr_t)coord);
}

struct lh_api *
api_new(const struct lh_config *cfg, char *err, size_t errlen)
{
	struct lh_api *api;
	char missing[512];

	if ((api = calloc(1, sizeof(*api))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	api->cfg = cfg;
	api->limits.max_depth = cfg->graphql_max_depth;
	api->limits.max_complexity = cfg->graphql_max_complexity;
	api->schema = gql_schema_parse(gql_served_schema_sdl(),
	    gql_served_schema_len(), err, errlen);
	if (api->schema == NULL)
		goto fail;
	if (api_system_register(api) == -1) {
		snprintf(err, errlen, "cannot register the system resolvers");
		goto fail;
	}
	for (size_t i = 0; i < sizeof(pending_fields) /
	    sizeof(pending_fields[0]); i++) {
		if (api_register_not_implemented(api, pending_fields[i]) == -1) {
			snprintf(err, errlen, "schema lacks %s",
			    pending_fields[i]);
			goto fail;
		}
	}
	if (gql_schema_check_resolvers(api->schema, missing,
	    sizeof(missing)) == -1) {
		snprintf(err, errlen, "schema fields without a resolver: %s",
		    missing);
		goto fail;
	}
	return api;
fail:
	api_free(api);
	return NULL;
}

void
api_free(struct lh_api *api)
{
	if (api == NULL)
		return;
	if (api->schema != NULL)
		gql_schema_free(api->schema);
	free(api);
}
