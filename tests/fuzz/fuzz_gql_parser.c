/*
 * fuzz_gql_parser.c: libFuzzer target for the GraphQL lexer and parser,
 * plus validation and SDL rules on whatever parses (against a small
 * schema built once); when the input is SDL, also schema building,
 * checks and introspection.  Built with --enable-fuzzing.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_sdl[] =
    "interface Node { id: ID! }\n"
    "type User implements Node { id: ID! name(upper: Boolean = false): String "
    "friends(first: Int): [User!]! }\n"
    "union Result = User\n"
    "enum Color { RED GREEN }\n"
    "input Filter { color: Color, ids: [ID!], nested: Filter }\n"
    "type Query { node(id: ID!): Node users(filter: Filter): [User] "
    "search: [Result] color: Color }\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lh_gql_schema	*schema;
	struct lh_gql_schema		*built;
	struct lh_gql_prepared		*p;
	struct lh_gql_doc		*doc;
	json_object			*resp = NULL;
	struct lh_gql_loc		 el;
	json_object			*errors;
	char				 err[512];

	if (schema == NULL && (schema = gql_schema_parse(fuzz_sdl,
	    strlen(fuzz_sdl), err, sizeof(err))) == NULL)
		abort();
	doc = gql_parse((const char *)data, size, err, sizeof(err), &el);
	if (doc == NULL)
		return 0;
	if ((errors = json_object_new_array()) != NULL) {
		gql_validate(schema, doc, LH_GQL_RULES_SPECIFIED |
		    LH_GQL_RULE(LH_GQL_R_NO_DEPRECATED), errors);
		gql_validate_sdl(NULL, doc, ~0ULL, errors);
		json_object_put(errors);
	}
	gql_doc_free(doc);
	/* as a schema: build, check, introspect */
	if ((built = gql_schema_parse((const char *)data, size, err,
	    sizeof(err))) != NULL) {
		(void)gql_schema_check(built, err, sizeof(err));
		if ((p = gql_prepare(built, "{ __schema { types { name fields "
		    "{ name args { defaultValue } type { name ofType { name } } "
		    "} enumValues { name } possibleTypes { name } } } }", NULL,
		    NULL, &resp)) != NULL) {
			resp = gql_execute(p, NULL, NULL);
			gql_prepared_free(p);
		}
		json_object_put(resp);
		gql_schema_free(built);
	}
	return 0;
}
