/*
 * gql.h: public API of the GraphQL engine (parse the schema once, prepare
 * and execute requests, request-level error helpers, the `labhit gql` CLI).
 * Used by the worker processes (HTTP /graphql) and by the CLI.
 */
#ifndef LH_GQL_H
#define LH_GQL_H

#include <stddef.h>
#include <json-c/json.h>

struct lh_gql_schema;
struct lh_gql_prepared;

enum lh_gql_optype {
	LH_GQL_OP_QUERY = 0,
	LH_GQL_OP_MUTATION = 1,
	LH_GQL_OP_SUBSCRIPTION = 2
};

/* Per-request limits; 0 means unlimited. */
struct lh_gql_limits {
	int	max_depth;	/* nesting of selection sets (fragments followed) */
	int	max_complexity;	/* number of field selections (fragments expanded) */
};

/* Filled by a resolver that fails: message and extensions.code. */
struct lh_gql_rerr {
	char	message[256];
	char	code[48];
};

/*
 * A resolver: ctx is the per-request pointer given to gql_execute (opaque),
 * parent is the parent value (borrowed; an empty object for root fields),
 * args the coerced arguments (borrowed object, defaults applied).
 * Returns a new reference (NULL is the JSON null).  To fail, call
 * gql_rerr_set() and return NULL.  Values of interface or union type must
 * carry a "__typename" key naming their concrete object type.
 */
typedef json_object *(*gql_resolver_fn)(void *ctx, json_object *parent,
    json_object *args, void *udata, struct lh_gql_rerr *err);

/* Parses and builds a schema from SDL; NULL with a message in errbuf. */
struct lh_gql_schema *gql_schema_parse(const char *sdl, size_t len,
    char *errbuf, size_t errlen);
void	gql_schema_free(struct lh_gql_schema *schema);
/*
 * Semantic checks beyond the SDL rules (interfaces implemented with
 * compatible fields, non-empty types, a query root): 0, or -1 with the
 * first problem in buf.
 */
int	gql_schema_check(const struct lh_gql_schema *schema, char *buf,
    size_t len);
/* The root operation type names (or NULL). */
const char *gql_schema_root_name(const struct lh_gql_schema *schema,
    enum lh_gql_optype op);

/*
 * Resolver rules: every field of the root types (Query, Mutation,
 * Subscription) needs an explicit resolver, and so does any field marked
 * with gql_schema_require_resolver().  Other object fields default to the
 * same-named key of the parent JSON object.  "Type.field" names the field.
 */
int	gql_schema_set_resolver(struct lh_gql_schema *schema,
    const char *coord, gql_resolver_fn fn, void *udata);
int	gql_schema_require_resolver(struct lh_gql_schema *schema,
    const char *coord);
/* 0 when every field that needs a resolver has one; else -1 and the first
 * missing ones listed in buf. */
int	gql_schema_check_resolvers(const struct lh_gql_schema *schema,
    char *buf, size_t len);

/*
 * Parses and validates a request.  On failure returns NULL and sets
 * *response to a complete error response ({"errors":[...]}) whose errors
 * carry extensions.code GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED or
 * OPERATION_RESOLUTION_FAILURE (*response NULL: out of memory, answer 503).
 * Limits are checked before the validation rules so that oversized
 * documents are refused cheaply; pass them for untrusted input (NULL: none).
 */
struct lh_gql_prepared *gql_prepare(const struct lh_gql_schema *schema,
    const char *query, const char *operation_name,
    const struct lh_gql_limits *limits, json_object **response);
enum lh_gql_optype gql_prepared_optype(const struct lh_gql_prepared *p);
/* Operation name or NULL when anonymous. */
const char *gql_prepared_name(const struct lh_gql_prepared *p);
/*
 * Executes: variables may be NULL or a JSON object.  A prepared operation is
 * not changed by executing it, so it may be kept and executed again.  Returns a new
 * {"data":...,"errors":[...]} object (errors only when any), or NULL on
 * memory exhaustion.
 */
json_object *gql_execute(const struct lh_gql_prepared *p,
    json_object *variables, void *ctx);
void	gql_prepared_free(struct lh_gql_prepared *p);

/*
 * Checks a POST body {query, operationName?, variables?}: query a string,
 * operationName a string or null, variables an object or null.  Pointers
 * borrow from body.  -1 with a message for a 400 answer.
 */
int	gql_request_parse(json_object *body, const char **query,
    const char **operation_name, json_object **variables, char *err,
    size_t errlen);

/* {"errors":[{"message":..,"extensions":{"code":..}}]} for request errors. */
json_object *gql_response_error(const char *message, const char *code);
/* One error object {"message":..,"extensions":{"code":..}}. */
json_object *gql_error_new(const char *message, const char *code);
/* For resolvers: fill err and return NULL. */
json_object *gql_rerr_set(struct lh_gql_rerr *err, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The SDL served by labhit (embedded at build time). */
const char *gql_served_schema_sdl(void);
size_t	gql_served_schema_len(void);

/* `labhit gql schema|validate ...`; argv[0] is "gql".  Exit status. */
int	gql_cli_main(int argc, char **argv);

#endif
