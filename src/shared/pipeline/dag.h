/*
 * dag.h: pure planning of a pipeline's stage graph: topological levels,
 * ancestor sets and cycle discovery. No I/O; unit-tested on plain arrays.
 * Used by the validator and by the runner's scheduler.
 */
#ifndef LH_DAG_H
#define LH_DAG_H

#include <stddef.h>

/* Node i waits for deps[i][0..ndeps[i]). */
struct lh_dag_graph {
	size_t			  n;
	const size_t *const	 *deps;
	const size_t		 *ndeps;
};

struct lh_pl_plan {
	size_t		 n;
	size_t		 nedges;
	size_t		 nlevels;
	size_t		*level;		/* level[i]: 0 for roots */
	size_t		*order;		/* by level, then index */
	size_t		 rowbytes;
	unsigned char	*anc;		/* bit j of row i: j is an ancestor */
};

/* Plans g. Returns the plan, or NULL when g has a cycle or memory ran out
 * (*cyclic says which). */
struct lh_pl_plan *pl_dag_plan(const struct lh_dag_graph *g, int *cyclic);
void pl_dag_free(struct lh_pl_plan *plan);
/* Ancestor rows only (level/order unset), also for a graph with cycles:
 * used to check expressions while reporting every error. */
struct lh_pl_plan *pl_dag_closure(const struct lh_dag_graph *g);
/* 1 when a is a (transitive) dependency of node. */
int pl_dag_is_ancestor(const struct lh_pl_plan *plan, size_t node, size_t a);

/* Calls cb once per cycle found by a depth-first walk in index order;
 * cycle[0..len) lists the nodes, each waiting for the next, and the last
 * waiting for cycle[0]. Returns the number of cycles, or -1 (memory). */
typedef void (*pl_dag_cycle_cb)(const size_t *cycle, size_t len, void *arg);
int pl_dag_cycles(const struct lh_dag_graph *g, pl_dag_cycle_cb cb,
    void *arg);

#endif
