/*
 * served.c: access to the served schema (schema.graphql), embedded in the
 * binary by the generated schema_sdl.c.  Runs in the workers and the CLI.
 */
#include "config.h"

#include "worker/graphql/gql_int.h"

const char *
gql_served_schema_sdl(void)
{
	return gql_served_sdl_data;
}

size_t
gql_served_schema_len(void)
{
	return gql_served_sdl_size;
}
