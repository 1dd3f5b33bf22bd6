/*
 * check_gql_conformance.c: runs graphql-js's validation corpus (536 cases,
 * tests/data/graphql/validation-corpus.json) through the engine, one rule
 * at a time as graphql-js's own tests do, and compares valid/invalid, the
 * number of errors and their locations.  Also parses the kitchen sinks.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"
#include "tests/lib/testlib.h"

/*
 * Deliberate exceptions, by test name, with the reason.  Keep this short.
 */
static const struct {
	const char	*test;
	const char	*reason;
} exceptions[] = {
	{ "Validate: Values of correct type > Invalid input object value > "
	    "reports error for custom scalar that returns undefined",
	    "the case's schema gives CustomScalar a JavaScript parseLiteral "
	    "that rejects every literal; an SDL schema cannot express that, "
	    "and labhit's custom scalars accept any literal" },
	{ NULL, NULL }
};

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (n < 0 || (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	fclose(f);
	return buf;
}

/* Each error as "line:col,line:col" (locations in order), then sorted. */
static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
error_keys(json_object *errors)
{
	size_t		 n = json_object_array_length(errors), i, j, total = 1;
	char		**keys, *out, buf[64];
	json_object	*locs, *l, *line, *col;

	keys = calloc(n + 1, sizeof(*keys));
	ck_assert_ptr_nonnull(keys);
	for (i = 0; i < n; i++) {
		keys[i] = calloc(1, 4096);
		ck_assert_ptr_nonnull(keys[i]);
		if (!json_object_object_get_ex(json_object_array_get_idx(errors,
		    i), "locations", &locs))
			continue;
		for (j = 0; j < json_object_array_length(locs); j++) {
			l = json_object_array_get_idx(locs, j);
			json_object_object_get_ex(l, "line", &line);
			json_object_object_get_ex(l, "column", &col);
			snprintf(buf, sizeof(buf), "%s%d:%d", j ? "," : "",
			    json_object_get_int(line), json_object_get_int(col));
			if (strlen(keys[i]) + strlen(buf) < 4000)
				strcat(keys[i], buf);
		}
	}
	qsort(keys, n, sizeof(*keys), cmpstr);
	for (i = 0; i < n; i++)
		total += strlen(keys[i]) + 3;
	out = calloc(1, total);
	ck_assert_ptr_nonnull(out);
	for (i = 0; i < n; i++) {
		strcat(out, "[");
		strcat(out, keys[i]);
		strcat(out, "]");
		free(keys[i]);
	}
	free(keys);
	return out;
}

/* Sorted messages, for the informational wording count. */
static char *
error_messages(json_object *errors)
{
	size_t		 n = json_object_array_length(errors), i, total = 1;
	const char	**m;
	char		*out;

	m = calloc(n + 1, sizeof(*m));
	ck_assert_ptr_nonnull(m);
	for (i = 0; i < n; i++) {
		m[i] = json_object_get_string(json_object_object_get(
		    json_object_array_get_idx(errors, i), "message"));
		total += strlen(m[i]) + 1;
	}
	qsort(m, n, sizeof(*m), cmpstr);
	out = calloc(1, total);
	ck_assert_ptr_nonnull(out);
	for (i = 0; i < n; i++) {
		strcat(out, m[i]);
		strcat(out, "\n");
	}
	free(m);
	return out;
}

static int
rule_of(const char *name)
{
	if (strcmp(name, "KnownArgumentNamesOnDirectivesRule") == 0)
		return LH_GQL_R_KNOWN_ARGUMENT_NAMES;
	if (strcmp(name, "ProvidedRequiredArgumentsOnDirectivesRule") == 0)
		return LH_GQL_R_PROVIDED_REQUIRED_ARGUMENTS;
	return gql_rule_parse(name);
}

static int
is_exception(const char *test)
{
	int	i;

	for (i = 0; exceptions[i].test != NULL; i++)
		if (strcmp(exceptions[i].test, test) == 0)
			return 1;
	return 0;
}

static struct lh_gql_schema *
schema_for(json_object *c, struct lh_gql_schema *test_schema,
    struct lh_gql_schema **owned)
{
	json_object	*sj;
	const char	*sdl;
	char		 err[512];

	*owned = NULL;
	if (!json_object_object_get_ex(c, "schema", &sj) || sj == NULL)
		return NULL;
	sdl = json_object_get_string(sj);
	if (strcmp(sdl, "testSchema") == 0)
		return test_schema;
	*owned = gql_schema_parse(sdl, strlen(sdl), err, sizeof(err));
	if (*owned == NULL)
		fprintf(stderr, "schema build failed: %s\n", err);
	return *owned;
}

static size_t same_wording;

/* Runs one case; 1 when the engine agrees with graphql-js. */
static int
run_case(json_object *c, struct lh_gql_schema *test_schema, int verbose)
{
	json_object		*j, *expected, *errors;
	struct lh_gql_schema	*s, *owned;
	struct lh_gql_doc	*doc;
	struct lh_gql_loc	 el;
	const char		*kind, *rule, *text;
	char			 err[512], *want, *got;
	int			 r, ok;

	json_object_object_get_ex(c, "kind", &j);
	kind = json_object_get_string(j);
	json_object_object_get_ex(c, "rule", &j);
	rule = json_object_get_string(j);
	json_object_object_get_ex(c, "document", &j);
	text = json_object_get_string(j);
	json_object_object_get_ex(c, "graphqlJsErrors", &expected);
	if ((r = rule_of(rule)) == -1) {
		fprintf(stderr, "unknown rule %s\n", rule);
		return 0;
	}
	s = schema_for(c, test_schema, &owned);
	if ((doc = gql_parse(text, strlen(text), err, sizeof(err), &el)) ==
	    NULL) {
		fprintf(stderr, "parse failed %d:%d %s\n", el.line, el.col, err);
		gql_schema_free(owned);
		return 0;
	}
	errors = json_object_new_array();
	if (strcmp(kind, "sdl") == 0)
		gql_validate_sdl(s, doc, LH_GQL_RULE(r), errors);
	else if (s != NULL)
		gql_validate(s, doc, LH_GQL_RULE(r), errors);
	want = error_messages(expected);
	got = error_messages(errors);
	if (strcmp(want, got) == 0)
		same_wording++;
	else if (getenv("GQL_WORDING") != NULL)
		fprintf(stderr, "WORDING %s\n  want %s  got  %s", rule, want,
		    got);
	free(want);
	free(got);
	want = error_keys(expected);
	got = error_keys(errors);
	ok = strcmp(want, got) == 0;
	if (!ok && verbose)
		fprintf(stderr, "MISMATCH %s\n  want %s\n  got  %s\n  %s\n",
		    json_object_get_string(json_object_object_get(c, "test")),
		    want, got, json_object_to_json_string(errors));
	free(want);
	free(got);
	json_object_put(errors);
	gql_doc_free(doc);
	gql_schema_free(owned);
	return ok;
}

START_TEST(corpus)
{
	json_object		*root, *cases, *c, *j;
	struct lh_gql_schema	*ts;
	char			*text, err[512];
	size_t			 len, i, n, agree = 0, excused = 0;
	const char		*sdl, *test;
	int			 verbose = getenv("GQL_VERBOSE") != NULL;

	text = slurp(tl_srcpath("tests/data/graphql/validation-corpus.json"),
	    &len);
	ck_assert_ptr_nonnull(text);
	root = json_tokener_parse(text);
	free(text);
	ck_assert_ptr_nonnull(root);
	ck_assert(json_object_object_get_ex(root, "testSchemaSDL", &j));
	sdl = json_object_get_string(j);
	ts = gql_schema_parse(sdl, strlen(sdl), err, sizeof(err));
	ck_assert_msg(ts != NULL, "test schema: %s", err);
	ck_assert(json_object_object_get_ex(root, "cases", &cases));
	n = json_object_array_length(cases);
	ck_assert_uint_eq(n, 536);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(cases, i);
		test = json_object_get_string(json_object_object_get(c,
		    "test"));
		if (run_case(c, ts, verbose || !is_exception(test)))
			agree++;
		else if (is_exception(test))
			excused++;
	}
	printf("graphql conformance: %zu/%zu cases agree with graphql-js "
	    "(%zu deliberate exceptions); %zu/%zu also word every message "
	    "the same\n", agree, n, excused, same_wording, n);
	fflush(stdout);
	gql_schema_free(ts);
	json_object_put(root);
	ck_assert_uint_eq(agree + excused, n);
}
END_TEST

static void
parse_file(const char *rel, int sdl)
{
	char			*text, err[512];
	size_t			 len;
	struct lh_gql_doc	*doc;
	struct lh_gql_schema	*s;
	struct lh_gql_loc	 el;

	text = slurp(tl_srcpath(rel), &len);
	ck_assert_ptr_nonnull(text);
	doc = gql_parse(text, len, err, sizeof(err), &el);
	ck_assert_msg(doc != NULL, "%s: %d:%d %s", rel, el.line, el.col, err);
	gql_doc_free(doc);
	if (sdl) {
		/* the kitchen-sink schema references undefined types on
		 * purpose; it must parse, building may fail cleanly */
		s = gql_schema_parse(text, len, err, sizeof(err));
		gql_schema_free(s);
	}
	free(text);
}

START_TEST(kitchen_sinks)
{
	parse_file("tests/data/graphql/kitchen-sink-query.graphql", 0);
	parse_file("tests/data/graphql/kitchen-sink-schema.graphql", 1);
}
END_TEST

static Suite *
conformance_suite(void)
{
	Suite	*s = suite_create("gql_conformance");
	TCase	*tc = tcase_create("corpus");

	tcase_add_test(tc, corpus);
	tcase_add_test(tc, kitchen_sinks);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(conformance_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
