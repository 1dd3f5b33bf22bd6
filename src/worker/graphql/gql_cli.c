/*
 * gql_cli.c: `labhit gql schema` (print the served schema as SDL) and
 * `labhit gql validate --schema FILE [QUERY_FILE|-]` (validate a document
 * against any SDL schema).  Runs in the labhit CLI process.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"

#define GQL_CLI_MAX_INPUT	(16 * 1024 * 1024)

static char *
read_all(FILE *f, size_t *len)
{
	char	*buf = NULL, *p;
	size_t	 cap = 0, n = 0, r;

	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > GQL_CLI_MAX_INPUT ||
			    (p = realloc(buf, cap)) == NULL) {
				free(buf);
				errno = cap > GQL_CLI_MAX_INPUT ? EFBIG : ENOMEM;
				return NULL;
			}
			buf = p;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				free(buf);
				return NULL;
			}
			break;
		}
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static char *
read_path(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	int	 saved;

	if (strcmp(path, "-") == 0)
		return read_all(stdin, len);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	buf = read_all(f, len);
	saved = errno;
	fclose(f);
	errno = saved;
	return buf;
}

static void
usage(void)
{
	fprintf(stderr, "usage: labhit gql schema\n"
	    "       labhit gql validate --schema FILE [QUERY_FILE|-]\n");
}

static int
print_errors(json_object *errors)
{
	json_object	*out;
	int		 n = (int)json_object_array_length(errors);

	if ((out = json_object_new_object()) == NULL) {
		json_object_put(errors);
		return 2;
	}
	json_object_object_add(out, "errors", errors);
	printf("%s\n", json_object_to_json_string_ext(out,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	return n == 0 ? 0 : 1;
}

static int
cli_validate(int argc, char **argv)
{
	const char		*schema_path = NULL, *query_path = "-";
	struct lh_gql_schema	*s;
	struct lh_gql_doc	*doc;
	struct lh_gql_loc	 el;
	json_object		*errors;
	char			*sdl, *query, err[512];
	size_t			 slen, qlen;
	int			 i, nargs = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--schema") == 0 && i + 1 < argc)
			schema_path = argv[++i];
		else if (strncmp(argv[i], "--schema=", 9) == 0)
			schema_path = argv[i] + 9;
		else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			usage();
			return 2;
		} else if (nargs++ == 0)
			query_path = argv[i];
		else {
			usage();
			return 2;
		}
	}
	if (schema_path == NULL) {
		usage();
		return 2;
	}
	if ((sdl = read_path(schema_path, &slen)) == NULL) {
		fprintf(stderr, "labhit gql: %s: %s\n", schema_path,
		    strerror(errno));
		return 2;
	}
	s = gql_schema_parse(sdl, slen, err, sizeof(err));
	free(sdl);
	if (s == NULL || gql_schema_check(s, err, sizeof(err)) == -1) {
		fprintf(stderr, "labhit gql: %s: %s\n", schema_path, err);
		gql_schema_free(s);
		return 2;
	}
	if ((query = read_path(query_path, &qlen)) == NULL) {
		fprintf(stderr, "labhit gql: %s: %s\n", query_path,
		    strerror(errno));
		gql_schema_free(s);
		return 2;
	}
	if ((errors = json_object_new_array()) == NULL) {
		free(query);
		gql_schema_free(s);
		return 2;
	}
	if ((doc = gql_parse(query, qlen, err, sizeof(err), &el)) == NULL)
		gql_err_add(errors, &el, 1, "%s", err);
	else
		gql_validate(s, doc, LH_GQL_RULES_SPECIFIED, errors);
	gql_doc_free(doc);
	free(query);
	gql_schema_free(s);
	return print_errors(errors);
}

int
gql_cli_main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	if (strcmp(argv[1], "schema") == 0 && argc == 2) {
		if (fwrite(gql_served_schema_sdl(), 1, gql_served_schema_len(),
		    stdout) != gql_served_schema_len() || fflush(stdout) != 0)
			return 2;
		return 0;
	}
	if (strcmp(argv[1], "validate") == 0)
		return cli_validate(argc - 1, argv + 1);
	usage();
	return 2;
}
