/*
 * check_dag.c: unit tests of DAG planning: levels, order, ancestors
 * (also with cycles), cycle naming and long chains.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/pipeline/dag.h"

/* diamond: 0 <- 1, 0 <- 2, {1,2} <- 3, plus an isolated 4 */
static const size_t d1[] = { 0 }, d2[] = { 0 }, d3[] = { 1, 2 };
static const size_t *const diamond_deps[] = { NULL, d1, d2, d3, NULL };
static const size_t diamond_ndeps[] = { 0, 1, 1, 2, 0 };

START_TEST(test_diamond)
{
	struct lh_dag_graph g = { 5, diamond_deps, diamond_ndeps };
	struct lh_pl_plan *p;
	int cyclic = -1;

	p = pl_dag_plan(&g, &cyclic);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(cyclic, 0);
	ck_assert_uint_eq(p->nlevels, 3);
	ck_assert_uint_eq(p->nedges, 4);
	ck_assert_uint_eq(p->level[0], 0);
	ck_assert_uint_eq(p->level[1], 1);
	ck_assert_uint_eq(p->level[2], 1);
	ck_assert_uint_eq(p->level[3], 2);
	ck_assert_uint_eq(p->level[4], 0);
	/* order: by level, then index */
	ck_assert_uint_eq(p->order[0], 0);
	ck_assert_uint_eq(p->order[1], 4);
	ck_assert_uint_eq(p->order[2], 1);
	ck_assert_uint_eq(p->order[3], 2);
	ck_assert_uint_eq(p->order[4], 3);
	ck_assert_int_eq(pl_dag_is_ancestor(p, 3, 0), 1);
	ck_assert_int_eq(pl_dag_is_ancestor(p, 3, 1), 1);
	ck_assert_int_eq(pl_dag_is_ancestor(p, 1, 2), 0);
	ck_assert_int_eq(pl_dag_is_ancestor(p, 0, 3), 0);
	ck_assert_int_eq(pl_dag_is_ancestor(p, 3, 3), 0);
	ck_assert_int_eq(pl_dag_is_ancestor(p, 3, 4), 0);
	ck_assert_int_eq(pl_dag_is_ancestor(p, 99, 0), 0);
	pl_dag_free(p);
}
END_TEST

static void
record(const size_t *cycle, size_t len, void *arg)
{
	char *buf = arg, one[16];
	size_t i;

	for (i = 0; i < len; i++) {
		snprintf(one, sizeof(one), "%zu%s", cycle[i],
		    i + 1 < len ? "," : ";");
		strcat(buf, one);
	}
}

START_TEST(test_cycles)
{
	/* 0 -> 1 -> 2 -> 0 (each waits for the next), 3 -> 4 -> 3, 5 ok */
	static const size_t c0[] = { 1 }, c1[] = { 2 }, c2[] = { 0 },
	    c3[] = { 4 }, c4[] = { 3 }, c5[] = { 0 };
	static const size_t *const deps[] = { c0, c1, c2, c3, c4, c5 };
	static const size_t nd[] = { 1, 1, 1, 1, 1, 1 };
	struct lh_dag_graph g = { 6, deps, nd };
	struct lh_pl_plan *p;
	char buf[256] = "";
	int cyclic = 0;

	ck_assert_ptr_null(pl_dag_plan(&g, &cyclic));
	ck_assert_int_eq(cyclic, 1);
	ck_assert_int_eq(pl_dag_cycles(&g, record, buf), 2);
	ck_assert_str_eq(buf, "0,1,2;3,4;");
	/* closure works with cycles: 5 reaches 0, 1, 2; 0 reaches itself */
	p = pl_dag_closure(&g);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pl_dag_is_ancestor(p, 5, 2), 1);
	ck_assert_int_eq(pl_dag_is_ancestor(p, 5, 3), 0);
	ck_assert_int_eq(pl_dag_is_ancestor(p, 0, 0), 1);
	pl_dag_free(p);
	/* an acyclic graph has none */
	{
		struct lh_dag_graph ok = { 5, diamond_deps, diamond_ndeps };

		buf[0] = '\0';
		ck_assert_int_eq(pl_dag_cycles(&ok, record, buf), 0);
		ck_assert_str_eq(buf, "");
	}
}
END_TEST

static void
cycle_len(const size_t *cycle, size_t len, void *arg)
{
	(void)cycle;
	*(size_t *)arg = len;
}

START_TEST(test_long_chain)
{
	enum { N = 5000 };
	size_t *one = calloc(N, sizeof(size_t)), *nd = calloc(N, sizeof(size_t));
	const size_t **deps = calloc(N, sizeof(*deps));
	struct lh_dag_graph g;
	struct lh_pl_plan *p;
	size_t i, len = 0;
	int cyclic;

	ck_assert_ptr_nonnull(one);
	ck_assert_ptr_nonnull(nd);
	ck_assert_ptr_nonnull(deps);
	for (i = 1; i < N; i++) {
		one[i] = i - 1;
		deps[i] = &one[i];
		nd[i] = 1;
	}
	g.n = N;
	g.deps = deps;
	g.ndeps = nd;
	p = pl_dag_plan(&g, &cyclic);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->nlevels, N);
	ck_assert_int_eq(pl_dag_is_ancestor(p, N - 1, 0), 1);
	ck_assert_int_eq(pl_dag_is_ancestor(p, 0, N - 1), 0);
	pl_dag_free(p);
	/* close the loop: one cycle through every node, found iteratively */
	one[0] = N - 1;
	deps[0] = &one[0];
	nd[0] = 1;
	ck_assert_int_eq(pl_dag_cycles(&g, cycle_len, &len), 1);
	ck_assert_uint_eq(len, N);
	free(one);
	free(nd);
	free(deps);
}
END_TEST

START_TEST(test_empty)
{
	struct lh_dag_graph g = { 0, NULL, NULL };
	struct lh_pl_plan *p;
	int cyclic;

	p = pl_dag_plan(&g, &cyclic);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->nlevels, 0);
	pl_dag_free(p);
}
END_TEST

static Suite *
dag_suite(void)
{
	Suite *s = suite_create("dag");
	TCase *tc = tcase_create("dag");

	tcase_add_test(tc, test_diamond);
	tcase_add_test(tc, test_cycles);
	tcase_add_test(tc, test_long_chain);
	tcase_add_test(tc, test_empty);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dag_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
