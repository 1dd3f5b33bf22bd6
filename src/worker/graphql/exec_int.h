/*
 * exec_int.h: the executor entry used by api.c (gql_execute).  Internal to
 * the GraphQL engine; runs in the workers.
 */
#ifndef LH_GQL_EXEC_INT_H
#define LH_GQL_EXEC_INT_H

#include <json-c/json.h>

#include "worker/graphql/gql_int.h"

/* Runs op's selection set on its root type; field errors appended. */
json_object *gql_exec_operation(const struct lh_gql_schema *s,
	    const struct lh_gql_doc *doc, const struct lh_gql_def *op,
	    json_object *vars, void *ctx, json_object *errors);

#endif
