/*
 * check_gql_validate.c: one passing and one failing document per
 * validation rule (executable and SDL rules), with the error count and
 * the first error's location, plus the full rule set on valid documents.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include "worker/graphql/gql_int.h"
#include "tests/lib/testlib.h"

static const char schema_sdl[] =
    "directive @onField on FIELD\n"
    "directive @rep repeatable on FIELD\n"
    "interface Pet { name: String }\n"
    "enum Command { SIT DOWN }\n"
    "type Dog implements Pet { name: String nickname: String barks: Boolean\n"
    "  knows(cmd: Command!): Boolean trained(home: Boolean = true): Boolean\n"
    "  old: String @deprecated(reason: \"use name\") }\n"
    "type Cat implements Pet { name: String meows: Boolean }\n"
    "union CatOrDog = Cat | Dog\n"
    "type Human { name: String pets: [Pet] }\n"
    "input Complex { req: Boolean!, opt: Int, list: [String] }\n"
    "type Args { int(i: Int): String req(r: Int!): String "
    "cx(c: Complex): String list(l: [String!]): String }\n"
    "type Query { dog: Dog pet: Pet human(id: ID): Human catOrDog: CatOrDog "
    "args: Args }\n"
    "type Subscription { a: String b: String }\n";

struct vcase {
	const char	*rule;
	const char	*valid;
	const char	*invalid;
	int		 nerr;
	int		 line, col;	/* first error (document order) */
};

static const struct vcase cases[] = {
	{ "ExecutableDefinitionsRule", "{ dog { name } }",
	    "{ dog { name } }\ntype T { a: Int }", 1, 2, 1 },
	{ "UniqueOperationNamesRule", "query A { dog { name } } query B "
	    "{ dog { name } }", "query A { dog { name } } query A { pet "
	    "{ name } }", 1, 1, 7 },
	{ "LoneAnonymousOperationRule", "{ dog { name } }",
	    "{ dog { name } } query B { pet { name } }", 1, 1, 1 },
	{ "SingleFieldSubscriptionsRule", "subscription { a }",
	    "subscription { a b }", 1, 1, 18 },
	{ "KnownTypeNamesRule", "query ($i: ID) { human(id: $i) { name } }",
	    "query ($i: Id) { human(id: $i) { name } }", 1, 1, 12 },
	{ "FragmentsOnCompositeTypesRule", "fragment F on Dog { name } "
	    "{ dog { ...F } }", "fragment F on Command { name } "
	    "{ dog { ...F } }", 1, 1, 15 },
	{ "VariablesAreInputTypesRule", "query ($c: Complex) { args "
	    "{ cx(c: $c) } }",
	    "query ($d: Dog) { dog { name } }", 1, 1, 12 },
	{ "ScalarLeafsRule", "{ dog { name } }", "{ dog }", 1, 1, 3 },
	{ "FieldsOnCorrectTypeRule", "{ dog { name __typename } }",
	    "{ dog { meows } }", 1, 1, 9 },
	{ "UniqueFragmentNamesRule", "fragment F on Dog { name } { dog "
	    "{ ...F } }", "fragment F on Dog { name } fragment F on Dog "
	    "{ barks } { dog { ...F } }", 1, 1, 10 },
	{ "KnownFragmentNamesRule", "fragment F on Dog { name } "
	    "{ dog { ...F } }", "{ dog { ...G } }", 1, 1, 12 },
	{ "NoUnusedFragmentsRule", "fragment F on Dog { name } "
	    "{ dog { ...F } }", "fragment F on Dog { name } { dog { name } }",
	    1, 1, 1 },
	{ "PossibleFragmentSpreadsRule", "{ pet { ... on Dog { name } } }",
	    "{ dog { ... on Cat { name } } }", 1, 1, 9 },
	{ "NoFragmentCyclesRule", "fragment F on Dog { name } "
	    "{ dog { ...F } }", "fragment F on Dog { ...G } fragment G on Dog "
	    "{ ...F } { dog { ...F } }", 1, 1, 21 },
	{ "UniqueVariableNamesRule", "query ($a: Int) { args { int(i: $a) } }",
	    "query ($a: Int, $a: Int) { args { int(i: $a) } }", 1, 1, 9 },
	{ "NoUndefinedVariablesRule", "query ($a: Int) { args { int(i: $a) } }",
	    "query Q { args { int(i: $a) } }", 1, 1, 25 },
	{ "NoUnusedVariablesRule", "query ($a: Int) { args { int(i: $a) } }",
	    "query ($a: Int) { dog { name } }", 1, 1, 8 },
	{ "KnownDirectivesRule", "{ dog { name @onField } }",
	    "{ dog @nope { name } }", 1, 1, 7 },
	{ "UniqueDirectivesPerLocationRule", "{ dog { name @rep @rep } }",
	    "{ dog { name @onField @onField } }", 1, 1, 14 },
	{ "KnownArgumentNamesRule", "{ dog { knows(cmd: SIT) } }",
	    "{ dog { knows(cmd: SIT, bogus: 1) } }", 1, 1, 25 },
	{ "UniqueArgumentNamesRule", "{ args { int(i: 1) } }",
	    "{ args { int(i: 1, i: 2) } }", 1, 1, 14 },
	{ "ValuesOfCorrectTypeRule", "{ args { int(i: 1) list(l: \"x\") "
	    "cx(c: {req: true}) } }", "{ args { int(i: \"one\") } }",
	    1, 1, 17 },
	{ "ProvidedRequiredArgumentsRule", "{ args { req(r: 1) } }",
	    "{ args { req } }", 1, 1, 10 },
	{ "VariablesInAllowedPositionRule", "query ($r: Int!) { args "
	    "{ req(r: $r) } }", "query ($r: Int) { args { req(r: $r) } }",
	    1, 1, 8 },
	{ "OverlappingFieldsCanBeMergedRule", "{ dog { name name } }",
	    "{ dog { name: nickname name } }", 1, 1, 9 },
	{ "UniqueInputFieldNamesRule", "{ args { cx(c: {req: true}) } }",
	    "{ args { cx(c: {req: true, req: false}) } }", 1, 1, 17 },
	{ "MaxIntrospectionDepthRule", "{ __schema { types { fields { name } "
	    "} } }", "{ __schema { types { fields { type { fields { type { "
	    "fields { name } } } } } } } }", 1, 1, 3 },
	{ "NoDeprecatedCustomRule", "{ dog { name } }", "{ dog { old } }",
	    1, 1, 9 },
	{ "NoSchemaIntrospectionCustomRule", "{ dog { name } }",
	    "{ __schema { queryType { name } } }", 2, 1, 3 },
	{ NULL, NULL, NULL, 0, 0, 0 }
};

static const struct vcase sdl_cases[] = {
	{ "LoneSchemaDefinitionRule", "schema { query: Q } type Q { a: Int }",
	    "schema { query: Q } schema { query: Q } type Q { a: Int }",
	    1, 1, 21 },
	{ "UniqueOperationTypesRule", "schema { query: Q } type Q { a: Int }",
	    "schema { query: Q query: Q } type Q { a: Int }", 1, 1, 10 },
	{ "UniqueTypeNamesRule", "type A type B", "type A type A", 1, 1, 6 },
	{ "UniqueEnumValueNamesRule", "enum E { A B }", "enum E { A A }",
	    1, 1, 10 },
	{ "UniqueFieldDefinitionNamesRule", "type T { a: Int b: Int }",
	    "type T { a: Int } extend type T { a: Int }", 1, 1, 10 },
	{ "UniqueArgumentDefinitionNamesRule", "type T { f(a: Int, b: Int): Int }",
	    "type T { f(a: Int, a: Int): Int }", 1, 1, 12 },
	{ "UniqueDirectiveNamesRule", "directive @a on FIELD",
	    "directive @a on FIELD directive @a on OBJECT", 1, 1, 12 },
	{ "PossibleTypeExtensionsRule", "type T extend type T { a: Int }",
	    "type T extend enum T { A }", 1, 1, 1 },
	{ "KnownTypeNamesRule", "type T { a: String b: T }",
	    "type T { a: Strin }", 1, 1, 13 },
	{ "KnownDirectivesRule", "type T { a: Int @deprecated }",
	    "type T { a: Int @skip(if: true) }", 1, 1, 17 },
	{ NULL, NULL, NULL, 0, 0, 0 }
};

static struct lh_gql_schema *
schema(void)
{
	struct lh_gql_schema	*s;
	char			 err[512];

	s = gql_schema_parse(schema_sdl, strlen(schema_sdl), err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

static json_object *
check(struct lh_gql_schema *s, const char *src, unsigned long long rules,
    int sdl)
{
	struct lh_gql_doc	*d;
	struct lh_gql_loc	 el;
	json_object		*errors = json_object_new_array();
	char			 err[512];

	d = gql_parse(src, strlen(src), err, sizeof(err), &el);
	ck_assert_msg(d != NULL, "%s: %s", src, err);
	if (sdl)
		gql_validate_sdl(NULL, d, rules, errors);
	else
		gql_validate(s, d, rules, errors);
	gql_doc_free(d);
	return errors;
}

static void
run_case(struct lh_gql_schema *s, const struct vcase *c, int sdl)
{
	json_object		*errors, *l;
	int			 r = gql_rule_parse(c->rule);

	ck_assert_msg(r != -1, "rule %s", c->rule);
	errors = check(s, c->valid, LH_GQL_RULE(r), sdl);
	ck_assert_msg(json_object_array_length(errors) == 0, "%s valid: %s",
	    c->rule, json_object_to_json_string(errors));
	json_object_put(errors);
	errors = check(s, c->invalid, LH_GQL_RULE(r), sdl);
	ck_assert_msg((int)json_object_array_length(errors) == c->nerr,
	    "%s invalid: %s", c->rule, json_object_to_json_string(errors));
	l = json_object_array_get_idx(json_object_object_get(
	    json_object_array_get_idx(errors, 0), "locations"), 0);
	ck_assert_msg(json_object_get_int(json_object_object_get(l, "line")) ==
	    c->line && json_object_get_int(json_object_object_get(l,
	    "column")) == c->col, "%s: %s", c->rule,
	    json_object_to_json_string(errors));
	json_object_put(errors);
}

START_TEST(each_rule)
{
	struct lh_gql_schema	*s = schema();
	int			 i;

	for (i = 0; cases[i].rule != NULL; i++)
		run_case(s, &cases[i], 0);
	gql_schema_free(s);
}
END_TEST

START_TEST(each_sdl_rule)
{
	int	i;

	for (i = 0; sdl_cases[i].rule != NULL; i++)
		run_case(NULL, &sdl_cases[i], 1);
}
END_TEST

/* The valid documents pass every specified rule together. */
START_TEST(all_rules_on_valid)
{
	struct lh_gql_schema	*s = schema();
	json_object		*errors;
	int			 i;

	for (i = 0; cases[i].rule != NULL; i++) {
		if (strstr(cases[i].rule, "Custom") != NULL ||
		    strstr(cases[i].valid, "subscription") != NULL)
			continue;
		errors = check(s, cases[i].valid, LH_GQL_RULES_SPECIFIED, 0);
		ck_assert_msg(json_object_array_length(errors) == 0,
		    "%s: %s", cases[i].valid,
		    json_object_to_json_string(errors));
		json_object_put(errors);
	}
	gql_schema_free(s);
}
END_TEST

START_TEST(error_messages)
{
	struct lh_gql_schema	*s = schema();
	json_object		*errors;
	const char		*msg;

	errors = check(s, "{ dog { knows } }", LH_GQL_RULES_SPECIFIED, 0);
	ck_assert_int_eq(json_object_array_length(errors), 1);
	msg = json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(errors, 0), "message"));
	ck_assert_str_eq(msg, "Field \"knows\" argument \"cmd\" of type "
	    "\"Command!\" is required, but it was not provided.");
	json_object_put(errors);
	errors = check(s, "{ dog { knows(cmd: JUMP) } }",
	    LH_GQL_RULES_SPECIFIED, 0);
	msg = json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(errors, 0), "message"));
	ck_assert_str_eq(msg, "Value \"JUMP\" does not exist in \"Command\" "
	    "enum.");
	json_object_put(errors);
	gql_schema_free(s);
}
END_TEST

/* Runs gql_cli_main with stdout captured in a file; returns exit code. */
static int
cli(char **argv, int argc, const char *outpath)
{
	int	saved, fd, rc;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert(saved != -1 && fd != -1);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	rc = gql_cli_main(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return rc;
}

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static json_object *
read_json(const char *path)
{
	json_object	*o = json_object_from_file(path);

	ck_assert_ptr_nonnull(o);
	return o;
}

START_TEST(cli_validate)
{
	char		*dir = tl_tempdir(), sp[512], qp[512], op[512], bp[512];
	char		*argv[6], a_gql[] = "gql", a_val[] = "validate",
			 a_schema[] = "--schema", a_none[] = "/nonexistent/q",
			 a_bogus[] = "bogus", a_sch[] = "schema";
	json_object	*o, *e;

	snprintf(sp, sizeof(sp), "%s/schema.graphql", dir);
	snprintf(qp, sizeof(qp), "%s/q.graphql", dir);
	snprintf(op, sizeof(op), "%s/out.json", dir);
	snprintf(bp, sizeof(bp), "%s/bad.graphql", dir);
	write_file(sp, schema_sdl);
	write_file(bp, "type Query { a: Nope }");
	argv[0] = a_gql;
	argv[1] = a_val;
	argv[2] = a_schema;
	argv[3] = sp;
	argv[4] = qp;
	write_file(qp, "{ dog { name } }");
	ck_assert_int_eq(cli(argv, 5, op), 0);
	o = read_json(op);
	ck_assert_int_eq(json_object_array_length(json_object_object_get(o,
	    "errors")), 0);
	json_object_put(o);
	write_file(qp, "{ dog { name\n  meows } }");
	ck_assert_int_eq(cli(argv, 5, op), 1);
	o = read_json(op);
	e = json_object_array_get_idx(json_object_object_get(o, "errors"), 0);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(e,
	    "message")), "Cannot query field \"meows\" on type \"Dog\". "
	    "Did you mean \"knows\"?");
	e = json_object_array_get_idx(json_object_object_get(e, "locations"),
	    0);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(e,
	    "line")), 2);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(e,
	    "column")), 3);
	json_object_put(o);
	write_file(qp, "{ dog {");
	ck_assert_int_eq(cli(argv, 5, op), 1);
	o = read_json(op);
	ck_assert_int_eq(json_object_array_length(json_object_object_get(o,
	    "errors")), 1);
	json_object_put(o);
	/* unusable input: 2 */
	argv[4] = a_none;
	ck_assert_int_eq(cli(argv, 5, op), 2);
	argv[3] = bp;
	argv[4] = qp;
	ck_assert_int_eq(cli(argv, 5, op), 2);
	ck_assert_int_eq(cli(argv, 2, op), 2);
	argv[1] = a_bogus;
	ck_assert_int_eq(cli(argv, 2, op), 2);
	/* gql schema prints the served SDL */
	argv[1] = a_sch;
	ck_assert_int_eq(cli(argv, 2, op), 0);
	{
		FILE	*f = fopen(op, "r");
		char	 buf[65536];
		size_t	 n;

		ck_assert_ptr_nonnull(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		ck_assert_uint_eq(n, gql_served_schema_len());
		ck_assert_ptr_nonnull(strstr(buf, "extensionVersions("
		    "extension_id: String!)"));
	}
	tl_rmtree(dir);
	free(dir);
}
END_TEST

static Suite *
validate_suite(void)
{
	Suite	*s = suite_create("gql_validate");
	TCase	*tc = tcase_create("rules");

	tcase_add_test(tc, each_rule);
	tcase_add_test(tc, each_sdl_rule);
	tcase_add_test(tc, all_rules_on_valid);
	tcase_add_test(tc, error_messages);
	tcase_add_test(tc, cli_validate);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(validate_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
