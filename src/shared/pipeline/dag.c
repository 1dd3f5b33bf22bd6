/*
 * dag.c: topological levels (Kahn), transitive ancestors as bit rows and a
 * cycle finder that names every cycle. Pure functions over index arrays;
 * run by validators (workers, labhit validate) and the runner's scheduler.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shared/pipeline/dag.h"

void
pl_dag_free(struct lh_pl_plan *plan)
{
	if (plan == NULL)
		return;
	free(plan->level);
	free(plan->order);
	free(plan->anc);
	free(plan);
}

int
pl_dag_is_ancestor(const struct lh_pl_plan *plan, size_t node, size_t a)
{
	if (node >= plan->n || a >= plan->n)
		return 0;
	return (plan->anc[node * plan->rowbytes + a / 8] >> (a % 8)) & 1;
}

static void
pl_dag_set(struct lh_pl_plan *plan, size_t node, size_t a)
{
	plan->anc[node * plan->rowbytes + a / 8] |=
	    (unsigned char)(1u << (a % 8));
}

static int
pl_dag_cmp_order(const void *x, const void *y, void *arg)
{
	const size_t *level = arg, a = *(const size_t *)x,
	    b = *(const size_t *)y;

	if (level[a] != level[b])
		return level[a] < level[b] ? -1 : 1;
	return a < b ? -1 : a > b;
}

struct lh_pl_plan *
pl_dag_plan(const struct lh_dag_graph *g, int *cyclic)
{
	struct lh_pl_plan *plan;
	size_t *indeg = NULL, *queue = NULL, head = 0, tail = 0, i, j, k, d;

	*cyclic = 0;
	if ((plan = calloc(1, sizeof(*plan))) == NULL)
		return NULL;
	plan->n = g->n;
	plan->rowbytes = (g->n + 7) / 8;
	if ((plan->level = calloc(g->n + 1, sizeof(size_t))) == NULL ||
	    (plan->order = calloc(g->n + 1, sizeof(size_t))) == NULL ||
	    (plan->anc = calloc(g->n * plan->rowbytes + 1, 1)) == NULL ||
	    (indeg = calloc(g->n + 1, sizeof(size_t))) == NULL ||
	    (queue = calloc(g->n + 1, sizeof(size_t))) == NULL)
		goto fail;
	for (i = 0; i < g->n; i++) {
		indeg[i] = g->ndeps[i];
		plan->nedges += g->ndeps[i];
		if (indeg[i] == 0)
			queue[tail++] = i;
	}
	/* Kahn: a node is dequeued once all its deps were; its level is one
	 * more than its deepest dep's, its ancestors the union of theirs */
	while (head < tail) {
		i = queue[head++];
		for (k = 0; k < g->ndeps[i]; k++) {
			d = g->deps[i][k];
			if (plan->level[d] + 1 > plan->level[i])
				plan->level[i] = plan->level[d] + 1;
			pl_dag_set(plan, i, d);
			for (j = 0; j < plan->rowbytes; j++)
				plan->anc[i * plan->rowbytes + j] |=
				    plan->anc[d * plan->rowbytes + j];
		}
		if (plan->level[i] + 1 > plan->nlevels)
			plan->nlevels = plan->level[i] + 1;
		for (j = 0; j < g->n; j++)
			for (k = 0; k < g->ndeps[j]; k++)
				if (g->deps[j][k] == i && --indeg[j] == 0)
					queue[tail++] = j;
	}
	if (tail != g->n) {
		*cyclic = 1;
		goto fail;
	}
	memcpy(plan->order, queue, g->n * sizeof(size_t));
	qsort_r(plan->order, g->n, sizeof(size_t), pl_dag_cmp_order,
	    plan->level);
	free(indeg);
	free(queue);
	return plan;
fail:
	free(indeg);
	free(queue);
	pl_dag_free(plan);
	return NULL;
}

struct lh_pl_plan *
pl_dag_closure(const struct lh_dag_graph *g)
{
	struct lh_pl_plan *plan;
	size_t *stack, top, i, u, k, d;

	if ((plan = calloc(1, sizeof(*plan))) == NULL)
		return NULL;
	plan->n = g->n;
	plan->rowbytes = (g->n + 7) / 8;
	if ((plan->anc = calloc(g->n * plan->rowbytes + 1, 1)) == NULL ||
	    (stack = calloc(g->n + 1, sizeof(size_t))) == NULL) {
		pl_dag_free(plan);
		return NULL;
	}
	/* a walk from each node; each node is pushed at most once per walk */
	for (i = 0; i < g->n; i++) {
		top = 0;
		stack[top++] = i;
		while (top > 0) {
			u = stack[--top];
			for (k = 0; k < g->ndeps[u]; k++) {
				d = g->deps[u][k];
				if (d >= g->n || pl_dag_is_ancestor(plan, i, d))
					continue;
				pl_dag_set(plan, i, d);
				stack[top++] = d;
			}
		}
	}
	free(stack);
	return plan;
}

struct pl_dfs {
	const struct lh_dag_graph	*g;
	unsigned char			*color;	/* 0 new, 1 on path, 2 done */
	size_t				*path;
	size_t				 depth;
	size_t				*next;	/* per node: next dep to try */
	pl_dag_cycle_cb			 cb;
	void				*arg;
	int				 count;
};

/* Iterative DFS from root, so a long chain cannot overflow the stack. */
static void
pl_dag_dfs(struct pl_dfs *s, size_t root)
{
	size_t u, v, k;

	s->path[0] = root;
	s->depth = 1;
	s->color[root] = 1;
	s->next[root] = 0;
	while (s->depth > 0) {
		u = s->path[s->depth - 1];
		if (s->next[u] >= s->g->ndeps[u]) {
			s->color[u] = 2;
			s->depth--;
			continue;
		}
		v = s->g->deps[u][s->next[u]++];
		if (v >= s->g->n)
			continue;
		if (s->color[v] == 0) {
			s->color[v] = 1;
			s->next[v] = 0;
			s->path[s->depth++] = v;
		} else if (s->color[v] == 1) {
			for (k = 0; s->path[k] != v; k++)
				;
			s->cb(s->path + k, s->depth - k, s->arg);
			s->count++;
		}
	}
}

int
pl_dag_cycles(const struct lh_dag_graph *g, pl_dag_cycle_cb cb, void *arg)
{
	struct pl_dfs s;
	size_t i;

	memset(&s, 0, sizeof(s));
	s.g = g;
	s.cb = cb;
	s.arg = arg;
	if ((s.color = calloc(g->n + 1, 1)) == NULL ||
	    (s.path = calloc(g->n + 1, sizeof(size_t))) == NULL ||
	    (s.next = calloc(g->n + 1, sizeof(size_t))) == NULL) {
		free(s.color);
		free(s.path);
		return -1;
	}
	for (i = 0; i < g->n; i++)
		if (s.color[i] == 0)
			pl_dag_dfs(&s, i);
	free(s.color);
	free(s.path);
	free(s.next);
	return s.count;
}
