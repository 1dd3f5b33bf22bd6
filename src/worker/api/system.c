/*
 * system.c: resolvers about the server itself: health, version,
 * engineConfig. Run in the workers.
 */
#include "config.h"

#include "shared/conf.h"
#include "shared/log.h"
#include "worker/api/api.h"

static json_object *
resolve_health(void *ctx, json_object *parent, json_object *args,
    void *udata, struct lh_gql_rerr *err)
{
	return json_object_new_string("ok");
}

static json_object *
resolve_version(void *ctx, json_object *parent, json_object *args,
    void *udata, struct lh_gql_rerr *err)
{
	return json_object_new_string(PACKAGE_VERSION);
}

static json_object *
resolve_engine_config(void *vctx, json_object *parent, json_object *args,
    void *udata, struct lh_gql_rerr *err)
{
	struct lh_api_ctx *ctx = vctx;
	const struct lh_config *cfg = ctx->api->cfg;
	json_object *o = json_object_new_object();

	if (o == NULL)
		return gql_rerr_set(err, "INTERNAL_SERVER_ERROR",
		    "out of memory");
	json_object_object_add(o, "version",
	    json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "mode", json_object_new_string("server"));
	json_object_object_add(o, "logLevel", json_object_new_string(
	    log_level_name((enum lh_log_level)cfg->log_level)));
	/* Whether the API demands credentials for mutations: it does as soon
	 * as an API key or a JWT secret is configured. */
	json_object_object_add(o, "apiAuthenticated", json_object_new_boolean(
	    cfg->api_key[0] != '\0' || cfg->jwt_secret[0] != '\0'));
	return o;
}

int
api_system_register(struct lh_api *api)
{
	if (gql_schema_set_resolver(api->schema, "Query.health",
	    resolve_health, NULL) == -1 ||
	    gql_schema_set_resolver(api->schema, "Query.version",
	    resolve_version, NULL) == -1 ||
	    gql_schema_set_resolver(api->schema, "Query.engineConfig",
	    resolve_engine_config, NULL) == -1)
		return -1;
	return 0;
}
