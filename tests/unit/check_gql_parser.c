/*
 * check_gql_parser.c: the GraphQL lexer and parser (executable documents
 * and SDL): the spec's examples, every literal form, block strings and
 * unicode escapes, and bad input with exact line:column.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"

static struct lh_gql_doc *
parse_ok(const char *src)
{
	struct lh_gql_doc	*d;
	struct lh_gql_loc	 el;
	char			 err[512];

	d = gql_parse(src, strlen(src), err, sizeof(err), &el);
	ck_assert_msg(d != NULL, "parse failed at %d:%d: %s\n%s", el.line,
	    el.col, err, src);
	return d;
}

static void
parse_fails(const char *src, int line, int col, const char *msg_part)
{
	struct lh_gql_doc	*d;
	struct lh_gql_loc	 el = { 0, 0 };
	char			 err[512];

	d = gql_parse(src, strlen(src), err, sizeof(err), &el);
	ck_assert_msg(d == NULL, "parsed but should not: %s", src);
	ck_assert_msg(el.line == line && el.col == col,
	    "%s: error at %d:%d (%s), want %d:%d", src, el.line, el.col, err,
	    line, col);
	ck_assert_msg(strstr(err, msg_part) != NULL, "%s: message '%s' lacks "
	    "'%s'", src, err, msg_part);
}

static struct lh_gql_arg *
arg(struct lh_gql_sel *s, const char *name)
{
	struct lh_gql_arg	*a;

	for (a = s->args; a != NULL; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	ck_abort_msg("no argument %s", name);
	return NULL;
}

START_TEST(literals)
{
	struct lh_gql_doc	*d;
	struct lh_gql_sel	*f;
	struct lh_gql_value	*v;

	d = parse_ok("query Q($v: [Int!]! = [1]) {\n"
	    "  f(i: -12, z: 0, fl: 1.5e3, fl2: -0.25E-2, s: \"a\\\"b\\\\\\n"
	    "\\u00e9\\u{1F600}\\uD83D\\uDE00/\\/\", t: true, fa: false, n: null,"
	    " e: RED, l: [1, \"x\", [true]], o: {a: 1, b: {c: $v}}, var: $v,"
	    " empty: [], eo: {})\n}");
	ck_assert_int_eq(d->defs->kind, LH_GQL_D_OPERATION);
	ck_assert_str_eq(d->defs->name, "Q");
	ck_assert_int_eq(d->defs->vardefs->type->kind, LH_GQL_T_NONNULL);
	ck_assert_int_eq(d->defs->vardefs->type->of->kind, LH_GQL_T_LIST);
	ck_assert_int_eq(d->defs->vardefs->defval->kind, LH_GQL_V_LIST);
	f = d->defs->selset;
	v = arg(f, "i")->value;
	ck_assert_int_eq(v->kind, LH_GQL_V_INT);
	ck_assert_str_eq(v->s, "-12");
	ck_assert_str_eq(arg(f, "z")->value->s, "0");
	v = arg(f, "fl")->value;
	ck_assert_int_eq(v->kind, LH_GQL_V_FLOAT);
	ck_assert_str_eq(v->s, "1.5e3");
	ck_assert_int_eq(arg(f, "fl2")->value->kind, LH_GQL_V_FLOAT);
	v = arg(f, "s")->value;
	ck_assert_int_eq(v->kind, LH_GQL_V_STRING);
	ck_assert_str_eq(v->s, "a\"b\\\n\xc3\xa9\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80//");
	ck_assert_int_eq(arg(f, "t")->value->kind, LH_GQL_V_BOOL);
	ck_assert_int_eq(arg(f, "t")->value->b, 1);
	ck_assert_int_eq(arg(f, "fa")->value->b, 0);
	ck_assert_int_eq(arg(f, "n")->value->kind, LH_GQL_V_NULL);
	v = arg(f, "e")->value;
	ck_assert_int_eq(v->kind, LH_GQL_V_ENUM);
	ck_assert_str_eq(v->s, "RED");
	v = arg(f, "l")->value;
	ck_assert_int_eq(v->kind, LH_GQL_V_LIST);
	ck_assert_int_eq(v->items->next->kind, LH_GQL_V_STRING);
	ck_assert_int_eq(v->items->next->next->kind, LH_GQL_V_LIST);
	ck_assert_ptr_null(v->items->next->next->next);
	v = arg(f, "o")->value;
	ck_assert_int_eq(v->kind, LH_GQL_V_OBJECT);
	ck_assert_str_eq(v->fields->next->name, "b");
	ck_assert_int_eq(v->fields->next->value->fields->value->kind,
	    LH_GQL_V_VAR);
	v = arg(f, "var")->value;
	ck_assert_int_eq(v->kind, LH_GQL_V_VAR);
	ck_assert_str_eq(v->s, "v");
	ck_assert_ptr_null(arg(f, "empty")->value->items);
	ck_assert_ptr_null(arg(f, "eo")->value->fields);
	gql_doc_free(d);
}
END_TEST

START_TEST(block_strings)
{
	struct lh_gql_doc	*d;
	struct lh_gql_value	*v;

	d = parse_ok("{ f(s: \"\"\"\n\n    Hello,\n      World!\n\n    "
	    "Yours,\n      \\\"\"\" GraphQL.\n  \n\"\"\") }");
	v = d->defs->selset->args->value;
	ck_assert_int_eq(v->kind, LH_GQL_V_STRING);
	ck_assert_int_eq(v->block, 1);
	ck_assert_str_eq(v->s, "Hello,\n  World!\n\nYours,\n  \"\"\" GraphQL.");
	gql_doc_free(d);
	d = parse_ok("{ f(s: \"\"\"  one line  \"\"\") }");
	ck_assert_str_eq(d->defs->selset->args->value->s, "  one line  ");
	gql_doc_free(d);
	/* line numbers continue after a multi-line block string */
	parse_fails("{ f(s: \"\"\"\na\nb\n\"\"\") ] }", 4, 6,
	    "Expected Name, found \"]\"");
}
END_TEST

START_TEST(spec_examples)
{
	struct lh_gql_doc	*d;
	struct lh_gql_sel	*s;

	d = parse_ok("{\n  user(id: 4) {\n    id\n    name\n    smallPic: "
	    "profilePic(size: 64)\n    bigPic: profilePic(size: 1024)\n  }\n}");
	ck_assert_int_eq(d->defs->shorthand, 1);
	s = d->defs->selset->selset->next->next;
	ck_assert_str_eq(s->alias, "smallPic");
	ck_assert_str_eq(s->name, "profilePic");
	ck_assert_int_eq(s->loc.line, 5);
	ck_assert_int_eq(s->loc.col, 5);
	gql_doc_free(d);
	d = parse_ok("query withNestedFragments {\n  user(id: 4) {\n    "
	    "friends(first: 10) { ...friendFields }\n  }\n}\n\nfragment "
	    "friendFields on User @dir {\n  id\n  ... on Page { likers } "
	    "\n  ... @include(if: $expanded) { name }\n}\n"
	    "mutation M { like(id: 1) }\nsubscription S { s }");
	ck_assert_int_eq(d->defs->next->kind, LH_GQL_D_FRAGMENT);
	ck_assert_str_eq(d->defs->next->type_cond, "User");
	ck_assert_str_eq(d->defs->next->dirs->name, "dir");
	s = d->defs->next->selset->next;
	ck_assert_int_eq(s->kind, LH_GQL_SEL_INLINE);
	ck_assert_str_eq(s->type_cond, "Page");
	ck_assert_ptr_null(s->next->type_cond);
	ck_assert_str_eq(s->next->dirs->name, "include");
	ck_assert_int_eq(d->defs->next->next->op, LH_GQL_OP_MUTATION);
	ck_assert_int_eq(d->defs->next->next->next->op,
	    LH_GQL_OP_SUBSCRIPTION);
	s = d->defs->selset->selset->selset;
	ck_assert_int_eq(s->kind, LH_GQL_SEL_SPREAD);
	ck_assert_str_eq(s->name, "friendFields");
	ck_assert_int_eq(s->loc.col, 26);
	ck_assert_int_eq(s->name_loc.col, 29);
	gql_doc_free(d);
	/* commas, comments, BOM and CRLF are ignored */
	d = parse_ok("\xef\xbb\xbf# c\r\n{ a,,, b # x\r\n c }");
	ck_assert_int_eq(d->defs->selset->next->next->loc.line, 3);
	ck_assert_int_eq(d->defs->selset->next->next->loc.col, 2);
	gql_doc_free(d);
}
END_TEST

START_TEST(sdl)
{
	struct lh_gql_doc	*d;
	struct lh_gql_def	*t;

	d = parse_ok("\"\"\"schema doc\"\"\"\nschema @a { query: Q mutation: M }\n"
	    "\"obj\" type Q implements & I & J @d(x: 1) {\n"
	    "  \"f\" f(\"arg\" a: Int = 1 @deprecated, b: [String!]!): String! "
	    "@deprecated(reason: \"old\")\n}\n"
	    "interface I implements J { f: String! }\n"
	    "union U = | A | B\n"
	    "enum E { A \"b\" B @deprecated }\n"
	    "input In @oneOf { a: Int = 3, b: In }\n"
	    "scalar Time @specifiedBy(url: \"https://x\")\n"
	    "directive @d(x: Int) repeatable on | FIELD_DEFINITION | OBJECT\n"
	    "extend schema @b\nextend type Q { g: Int }\n"
	    "extend union U = C\nextend enum E { C }\n"
	    "extend input In { c: Int }\nextend scalar Time @x\n"
	    "extend interface I @y\n");
	t = d->defs;
	ck_assert_int_eq(t->kind, LH_GQL_D_SCHEMA);
	ck_assert_str_eq(t->desc, "schema doc");
	ck_assert_int_eq(t->optypes->next->op, LH_GQL_OP_MUTATION);
	t = t->next;
	ck_assert_int_eq(t->kind, LH_GQL_D_OBJECT);
	ck_assert_str_eq(t->desc, "obj");
	ck_assert_str_eq(t->ifaces->next->name, "J");
	ck_assert_str_eq(t->fields->desc, "f");
	ck_assert_str_eq(t->fields->args->desc, "arg");
	ck_assert_str_eq(t->fields->args->defval->s, "1");
	ck_assert_int_eq(t->fields->args->next->type->kind, LH_GQL_T_NONNULL);
	t = t->next;
	ck_assert_int_eq(t->kind, LH_GQL_D_INTERFACE);
	ck_assert_str_eq(t->ifaces->name, "J");
	t = t->next;
	ck_assert_int_eq(t->kind, LH_GQL_D_UNION);
	ck_assert_str_eq(t->ifaces->next->name, "B");
	t = t->next;
	ck_assert_int_eq(t->kind, LH_GQL_D_ENUM);
	ck_assert_str_eq(t->values->next->desc, "b");
	t = t->next;
	ck_assert_int_eq(t->kind, LH_GQL_D_INPUT);
	ck_assert_str_eq(t->ivdefs->defval->s, "3");
	t = t->next->next;
	ck_assert_int_eq(t->kind, LH_GQL_D_DIRECTIVE);
	ck_assert_int_eq(t->repeatable, 1);
	ck_assert_str_eq(t->locations->next->name, "OBJECT");
	for (t = t->next; t != NULL; t = t->next)
		ck_assert_int_eq(t->extend, 1);
	gql_doc_free(d);
}
END_TEST

START_TEST(bad_input)
{
	char	deep[2000];
	int	i;

	parse_fails("", 1, 1, "Unexpected <EOF>");
	parse_fails("query {\n  a\n", 3, 1, "Expected Name, found <EOF>");
	parse_fails("{ a }}", 1, 6, "Unexpected \"}\"");
	parse_fails("{ a(x: 00) }", 1, 9, "unexpected digit after 0");
	parse_fails("{ a(x: 1.) }", 1, 10, "Invalid number");
	parse_fails("{ a(x: 1.5x) }", 1, 11, "Invalid number");
	parse_fails("{ a(x: \"abc) }", 1, 15, "Unterminated string");
	parse_fails("{ a(x: \"ab\ncd\") }", 1, 11, "Unterminated string");
	parse_fails("{ a(x: \"\\u{110000}\") }", 1, 9, "Invalid Unicode");
	parse_fails("{ a(x: \"\\uDE00\") }", 1, 9, "Invalid Unicode");
	parse_fails("{ a(x: \"\\q\") }", 1, 9, "Invalid character escape");
	parse_fails("{\n  a(x: $) }", 2, 9, "Expected Name");
	parse_fails("fragment on on T { a }", 1, 10, "Unexpected Name \"on\"");
	parse_fails("{ a ? }", 1, 5, "Unexpected character");
	parse_fails("{ a .. }", 1, 5, "Unexpected \".\"");
	parse_fails("query Q($v: Int = $w) { a }", 1, 19, "Unexpected \"$\"");
	parse_fails("type T { }", 1, 10, "Expected Name");
	parse_fails("enum E { true }", 1, 10, "Unexpected Name \"true\"");
	parse_fails("extend type T", 1, 14, "Unexpected <EOF>");
	parse_fails("\"desc\" query { a }", 1, 8, "Unexpected Name \"query\"");
	parse_fails("{ a(x: \"\"\"abc) }", 1, 17, "Unterminated string");
	/* deep nesting is refused, not a stack overflow */
	for (i = 0; i < 600; i++)
		deep[i] = '[';
	strcpy(deep + 600, "]");
	{
		char	src[2100];
		char	err[512];
		struct lh_gql_loc el;

		snprintf(src, sizeof(src), "{ a(x: %s) }", deep);
		ck_assert_ptr_null(gql_parse(src, strlen(src), err,
		    sizeof(err), &el));
		ck_assert_ptr_nonnull(strstr(err, "nested too deeply"));
	}
}
END_TEST

START_TEST(schema_build)
{
	struct lh_gql_schema	*s;
	char			 err[512];
	const char		*bad[] = {
		"type Query { a: Nope }",
		"type Query { a: Int } type Query { b: Int }",
		"type Query { a(x: Query): Int }",
		"input I { a: Int } type Query { a: I }",
		"type Query { a: Int } extend type Nope { b: Int }",
		"type Query implements Query { a: Int }",
		"{ a }",
		"type Query {",
		"type Query { a: Int a: Int }",
		"type Query { a: Int @nope }",
		"type Query { a(x: Int, x: Int): Int }",
		"schema { query: Query } schema { query: Query } "
		    "type Query { a: Int }",
		NULL
	};
	const char		*unsound[] = {
		"type Q { a: Int } schema { query: Q } type Query",
		"interface I { a: Int } type Query implements I { b: Int }",
		"interface I { a: Int! } type Query implements I { a: Int }",
		"interface I { a(x: Int): Int } type Query implements I "
		    "{ a: Int }",
		"interface I { a: Int } type Query implements I "
		    "{ a(y: Int!): Int }",
		"interface J { a: Int } interface I implements J { a: Int } "
		    "type Query implements I { a: Int }",
		"type Query { a: Int } enum E",
		NULL
	};
	const char		*sound = "interface J { a: Int } "
	    "interface I implements J { a: Int } type Query implements I & J "
	    "{ a: Int! b(x: Int): [Query] }";
	const char		*renamed = "scalar String directive "
	    "@deprecated(reason: String = \"no\") on FIELD_DEFINITION "
	    "type Query { a: String @deprecated }";
	int			 i;

	s = gql_schema_parse(gql_served_schema_sdl(), gql_served_schema_len(),
	    err, sizeof(err));
	ck_assert_msg(s != NULL, "served schema: %s", err);
	ck_assert_str_eq(gql_schema_root_name(s, LH_GQL_OP_QUERY), "Query");
	ck_assert_str_eq(gql_schema_root_name(s, LH_GQL_OP_MUTATION),
	    "Mutation");
	ck_assert_ptr_null(gql_schema_root_name(s, LH_GQL_OP_SUBSCRIPTION));
	ck_assert_ptr_nonnull(gql_type_field(s, gql_schema_type(s, "Query"),
	    "extensionVersions"));
	ck_assert_ptr_nonnull(gql_type_field(s, gql_schema_type(s, "Query"),
	    "artifacts"));
	ck_assert_int_eq(gql_schema_check_resolvers(s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "Query.health"));
	ck_assert_int_eq(gql_schema_check(s, err, sizeof(err)), 0);
	gql_schema_free(s);
	for (i = 0; unsound[i] != NULL; i++) {
		s = gql_schema_parse(unsound[i], strlen(unsound[i]), err,
		    sizeof(err));
		ck_assert_msg(s != NULL, "%s: %s", unsound[i], err);
		ck_assert_msg(gql_schema_check(s, err, sizeof(err)) == -1,
		    "check passed: %s", unsound[i]);
		gql_schema_free(s);
	}
	s = gql_schema_parse(sound, strlen(sound), err, sizeof(err));
	ck_assert_msg(s != NULL && gql_schema_check(s, err, sizeof(err)) == 0,
	    "%s", err);
	gql_schema_free(s);
	/* standard scalars and directives may be named again */
	s = gql_schema_parse(renamed, strlen(renamed), err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(gql_type_field(s, gql_schema_type(s, "Query"),
	    "a")->deprecated, "no");
	gql_schema_free(s);
	for (i = 0; bad[i] != NULL; i++) {
		s = gql_schema_parse(bad[i], strlen(bad[i]), err, sizeof(err));
		ck_assert_msg(s == NULL, "schema built: %s", bad[i]);
		ck_assert(err[0] != '\0');
	}
}
END_TEST

/* A long single-line document parses in linear time, columns right. */
START_TEST(long_line)
{
	struct lh_gql_doc	*d;
	struct lh_gql_sel	*s;
	char			*src;
	size_t			 n = 200000, i, off = 0;

	src = malloc(n * 2 + 32);
	ck_assert_ptr_nonnull(src);
	src[off++] = '{';
	for (i = 0; i < n; i++) {
		src[off++] = ' ';
		src[off++] = 'a';
	}
	/* a 2-byte character counts as one column */
	strcpy(src + off, " c(x: \"\xc3\xa9\") b }");
	d = parse_ok(src);
	for (s = d->defs->selset; s->next != NULL; s = s->next)
		;
	ck_assert_str_eq(s->name, "b");
	ck_assert_int_eq(s->loc.col, (int)(n * 2 + 13));
	gql_doc_free(d);
	free(src);
}
END_TEST

static Suite *
parser_suite(void)
{
	Suite	*s = suite_create("gql_parser");
	TCase	*tc = tcase_create("parser");

	tcase_add_test(tc, literals);
	tcase_add_test(tc, block_strings);
	tcase_add_test(tc, spec_examples);
	tcase_add_test(tc, sdl);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, schema_build);
	tcase_add_test(tc, long_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(parser_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
