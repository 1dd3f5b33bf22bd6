/*
 * validate.c: validation entry points and the document-level rules
 * (executable definitions, operation and fragment names, fragment cycles
 * and use, unique variables, single-field subscriptions, introspection
 * depth).  Runs in the workers and the CLI.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"

static const char *const rule_names[LH_GQL_R_COUNT] = {
	"ExecutableDefinitionsRule", "UniqueOperationNamesRule",
	"LoneAnonymousOperationRule", "SingleFieldSubscriptionsRule",
	"KnownTypeNamesRule", "FragmentsOnCompositeTypesRule",
	"VariablesAreInputTypesRule", "ScalarLeafsRule",
	"FieldsOnCorrectTypeRule", "UniqueFragmentNamesRule",
	"KnownFragmentNamesRule", "NoUnusedFragmentsRule",
	"PossibleFragmentSpreadsRule", "NoFragmentCyclesRule",
	"UniqueVariableNamesRule", "NoUndefinedVariablesRule",
	"NoUnusedVariablesRule", "KnownDirectivesRule",
	"UniqueDirectivesPerLocationRule", "KnownArgumentNamesRule",
	"UniqueArgumentNamesRule", "ValuesOfCorrectTypeRule",
	"ProvidedRequiredArgumentsRule", "VariablesInAllowedPositionRule",
	"OverlappingFieldsCanBeMergedRule", "UniqueInputFieldNamesRule",
	"LoneSchemaDefinitionRule", "UniqueOperationTypesRule",
	"UniqueTypeNamesRule", "UniqueEnumValueNamesRule",
	"UniqueFieldDefinitionNamesRule", "UniqueArgumentDefinitionNamesRule",
	"UniqueDirectiveNamesRule", "PossibleTypeExtensionsRule",
	"MaxIntrospectionDepthRule", "NoDeprecatedCustomRule",
	"NoSchemaIntrospectionCustomRule"
};

int
gql_rule_parse(const char *name)
{
	int	i;

	for (i = 0; i < LH_GQL_R_COUNT; i++)
		if (strcmp(rule_names[i], name) == 0)
			return i;
	return -1;
}

static void
rule_executable_one(struct lh_gql_vctx *c, const struct lh_gql_def *d)
{
	if (d->kind == LH_GQL_D_SCHEMA)
		gql_err_add(c->errors, &d->loc, 1, "The schema definition is "
		    "not executable.");
	else
		gql_err_add(c->errors, &d->loc, 1, "The \"%s\" definition is "
		    "not executable.", d->name);
}

static void
rule_executable(struct lh_gql_vctx *c)
{
	struct lh_gql_def	*d;

	for (d = c->doc->defs; d != NULL; d = d->next)
		if (d->kind != LH_GQL_D_OPERATION &&
		    d->kind != LH_GQL_D_FRAGMENT)
			rule_executable_one(c, d);
}

static void
rule_unique_names(struct lh_gql_vctx *c, enum lh_gql_defkind kind)
{
	struct lh_gql_def	*d, *e;
	struct lh_gql_loc	 locs[2];

	for (d = c->doc->defs; d != NULL; d = d->next) {
		if (d->kind != kind || d->name == NULL)
			continue;
		for (e = c->doc->defs; e != d; e = e->next)
			if (e->kind == kind && e->name != NULL &&
			    strcmp(e->name, d->name) == 0)
				break;
		if (e == d)
			continue;
		locs[0] = e->name_loc;
		locs[1] = d->name_loc;
		gql_err_add(c->errors, locs, 2, "There can be only one %s named "
		    "\"%s\".", kind == LH_GQL_D_OPERATION ? "operation" :
		    "fragment", d->name);
	}
}

static void
rule_lone_anonymous(struct lh_gql_vctx *c)
{
	struct lh_gql_def	*d;
	int			 n = 0;

	for (d = c->doc->defs; d != NULL; d = d->next)
		if (d->kind == LH_GQL_D_OPERATION)
			n++;
	if (n < 2)
		return;
	for (d = c->doc->defs; d != NULL; d = d->next)
		if (d->kind == LH_GQL_D_OPERATION && d->name == NULL)
			gql_err_add(c->errors, &d->loc, 1, "This anonymous "
			    "operation must be the only defined operation.");
}

static void
rule_unique_variables(struct lh_gql_vctx *c)
{
	struct lh_gql_def	*d;
	struct lh_gql_vardef	*v, *w;
	struct lh_gql_loc	 locs[64];
	size_t			 n;

	for (d = c->doc->defs; d != NULL; d = d->next) {
		if (d->kind != LH_GQL_D_OPERATION)
			continue;
		for (v = d->vardefs; v != NULL; v = v->next) {
			for (w = d->vardefs; w != v; w = w->next)
				if (strcmp(w->name, v->name) == 0)
					break;
			if (w != v)
				continue;	/* reported with the first */
			n = 0;
			for (w = v; w != NULL; w = w->next)
				if (strcmp(w->name, v->name) == 0 && n < 64)
					locs[n++] = w->name_loc;
			if (n > 1)
				gql_err_add(c->errors, locs, n, "There can be "
				    "only one variable named \"$%s\".",
				    v->name);
		}
	}
}

/* Spreads of a selection set in graphql-js's stack order. */
struct spreads {
	const struct lh_gql_sel	**v;
	size_t			 n, cap;
};

static int
spreads_push(struct spreads *s, const struct lh_gql_sel *sel)
{
	void	*p;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		if ((p = realloc(s->v, s->cap * sizeof(*s->v))) == NULL)
			return -1;
		s->v = p;
	}
	s->v[s->n++] = sel;
	return 0;
}

static int
collect_spreads(const struct lh_gql_sel *selset, struct spreads *out)
{
	struct spreads		 stack;
	const struct lh_gql_sel	*set, *s;

	memset(&stack, 0, sizeof(stack));
	if (spreads_push(&stack, selset) == -1)
		return -1;
	while (stack.n > 0) {
		set = stack.v[--stack.n];
		for (s = set; s != NULL; s = s->next) {
			if (s->kind == LH_GQL_SEL_SPREAD) {
				if (spreads_push(out, s) == -1)
					goto fail;
			} else if (s->selset != NULL &&
			    spreads_push(&stack, s->selset) == -1)
				goto fail;
		}
	}
	free(stack.v);
	return 0;
fail:
	free(stack.v);
	return -1;
}

struct cycles {
	struct lh_gql_vctx	*c;
	const char		**visited;
	size_t			 nvisited;
	const struct lh_gql_sel	**path;
	size_t			 npath;
	const char		**active;	/* fragments being visited */
	size_t			*start;		/* their first path index */
	size_t			 nactive;
	size_t			 max;
};

static int
visited_has(struct cycles *cy, const char *name)
{
	size_t	i;

	for (i = 0; i < cy->nvisited; i++)
		if (strcmp(cy->visited[i], name) == 0)
			return 1;
	return 0;
}

static void
report_cycle(struct cycles *cy, size_t from, const char *name)
{
	struct lh_gql_loc	 locs[64];
	char			 via[1024];
	size_t			 i, n = 0, off = 0;

	via[0] = '\0';
	for (i = from; i < cy->npath && n < 64; i++) {
		locs[n++] = cy->path[i]->loc;
		if (i + 1 < cy->npath && off < sizeof(via) - 80)
			off += (size_t)snprintf(via + off, sizeof(via) - off,
			    "%s\"%s\"", off ? ", " : "", cy->path[i]->name);
	}
	if (via[0] != '\0')
		gql_err_add(cy->c->errors, locs, n, "Cannot spread fragment "
		    "\"%s\" within itself via %s.", name, via);
	else
		gql_err_add(cy->c->errors, locs, n, "Cannot spread fragment "
		    "\"%s\" within itself.", name);
}

static void
detect_cycle(struct cycles *cy, const struct lh_gql_def *frag)
{
	struct spreads		 sp;
	const struct lh_gql_def	*next;
	size_t			 i, j;
	int			 found;

	if (visited_has(cy, frag->name) || cy->nvisited >= cy->max ||
	    cy->nactive >= cy->max)
		return;
	cy->visited[cy->nvisited++] = frag->name;
	memset(&sp, 0, sizeof(sp));
	if (collect_spreads(frag->selset, &sp) == -1 || sp.n == 0) {
		free(sp.v);
		return;
	}
	cy->active[cy->nactive] = frag->name;
	cy->start[cy->nactive++] = cy->npath;
	for (i = 0; i < sp.n && cy->npath < cy->max; i++) {
		found = -1;
		for (j = 0; j < cy->nactive; j++)
			if (strcmp(cy->active[j], sp.v[i]->name) == 0) {
				found = (int)cy->start[j];
				break;
			}
		cy->path[cy->npath++] = sp.v[i];
		if (found == -1) {
			if ((next = gql_doc_fragment(cy->c->doc,
			    sp.v[i]->name)) != NULL)
				detect_cycle(cy, next);
		} else
			report_cycle(cy, (size_t)found, sp.v[i]->name);
		cy->npath--;
	}
	cy->nactive--;
	free(sp.v);
}

static void
rule_fragment_cycles(struct lh_gql_vctx *c)
{
	struct cycles		 cy;
	struct lh_gql_def	*d;
	size_t			 n = 0, nfrag = 0;

	for (d = c->doc->defs; d != NULL; d = d->next) {
		n++;
		nfrag += d->kind == LH_GQL_D_FRAGMENT;
	}
	if (nfrag == 0)		/* the common case: nothing can cycle */
		return;
	memset(&cy, 0, sizeof(cy));
	cy.c = c;
	cy.max = n * 4 + 1024;
	cy.visited = calloc(cy.max, sizeof(*cy.visited));
	cy.path = calloc(cy.max, sizeof(*cy.path));
	cy.active = calloc(cy.max, sizeof(*cy.active));
	cy.start = calloc(cy.max, sizeof(*cy.start));
	if (cy.visited != NULL && cy.path != NULL && cy.active != NULL &&
	    cy.start != NULL)
		for (d = c->doc->defs; d != NULL; d = d->next)
			if (d->kind == LH_GQL_D_FRAGMENT)
				detect_cycle(&cy, d);
	free(cy.visited);
	free(cy.path);
	free(cy.active);
	free(cy.start);
}

/* Marks fragments reachable from sel (names in used[]). */
static void
mark_used(struct lh_gql_vctx *c, const struct lh_gql_sel *sel,
    const char **used, size_t *nused, size_t max)
{
	const struct lh_gql_def	*f;
	size_t			 i;

	for (; sel != NULL; sel = sel->next) {
		if (sel->kind != LH_GQL_SEL_SPREAD) {
			mark_used(c, sel->selset, used, nused, max);
			continue;
		}
		for (i = 0; i < *nused; i++)
			if (strcmp(used[i], sel->name) == 0)
				break;
		if (i < *nused || *nused >= max)
			continue;
		used[(*nused)++] = sel->name;
		if ((f = gql_doc_fragment(c->doc, sel->name)) != NULL)
			mark_used(c, f->selset, used, nused, max);
	}
}

static void
rule_unused_fragments(struct lh_gql_vctx *c)
{
	struct lh_gql_def	*d;
	const char		**used;
	size_t			 n = 0, nused = 0, i;

	for (d = c->doc->defs; d != NULL; d = d->next)
		n++;
	if ((used = calloc(n + 1, sizeof(*used))) == NULL)
		return;
	for (d = c->doc->defs; d != NULL; d = d->next)
		if (d->kind == LH_GQL_D_OPERATION)
			mark_used(c, d->selset, used, &nused, n);
	for (d = c->doc->defs; d != NULL; d = d->next) {
		if (d->kind != LH_GQL_D_FRAGMENT)
			continue;
		for (i = 0; i < nused; i++)
			if (strcmp(used[i], d->name) == 0)
				break;
		if (i == nused)
			gql_err_add(c->errors, &d->loc, 1, "Fragment \"%s\" is "
			    "never used.", d->name);
	}
	free(used);
}

/* Subscription root collection, as the executor would do it. */
#define SUB_MAX	256
struct subfields {
	const struct lh_gql_sel	*sel[SUB_MAX];
	size_t			 n;
	const char		*seen[64];
	size_t			 nseen;
};

static const char *
sel_key(const struct lh_gql_sel *s)
{
	return s->alias != NULL ? s->alias : s->name;
}

static int
sub_applies(struct lh_gql_vctx *c, const struct lh_gql_type *root,
    const char *cond)
{
	const struct lh_gql_type	*t;

	if (cond == NULL)
		return 1;
	t = gql_schema_type(c->s, cond);
	return t != NULL && (t == root || (gql_type_is_abstract(t) &&
	    gql_type_possible(t, root)));
}

static void
sub_collect(struct lh_gql_vctx *c, const struct lh_gql_type *root,
    const struct lh_gql_sel *sel, struct subfields *sf)
{
	const struct lh_gql_def	*f;
	size_t			 i;

	for (; sel != NULL; sel = sel->next) {
		if (sel->kind == LH_GQL_SEL_FIELD) {
			if (sf->n < SUB_MAX)
				sf->sel[sf->n++] = sel;
			continue;
		}
		if (sel->kind == LH_GQL_SEL_INLINE) {
			if (sub_applies(c, root, sel->type_cond))
				sub_collect(c, root, sel->selset, sf);
			continue;
		}
		for (i = 0; i < sf->nseen; i++)
			if (strcmp(sf->seen[i], sel->name) == 0)
				break;
		if (i < sf->nseen || sf->nseen >= 64)
			continue;
		sf->seen[sf->nseen++] = sel->name;
		if ((f = gql_doc_fragment(c->doc, sel->name)) != NULL &&
		    sub_applies(c, root, f->type_cond))
			sub_collect(c, root, f->selset, sf);
	}
}

static void
sub_report(struct lh_gql_vctx *c, struct subfields *sf, const char *who)
{
	struct lh_gql_loc	 locs[SUB_MAX];
	size_t			 i, j, n = 0;
	const char		*first;

	if (sf->n == 0)
		return;
	first = sel_key(sf->sel[0]);
	for (i = 0; i < sf->n; i++)
		if (strcmp(sel_key(sf->sel[i]), first) != 0)
			locs[n++] = sf->sel[i]->loc;
	if (n > 0)
		gql_err_add(c->errors, locs, n, "%s must select only one top "
		    "level field.", who);
	/* one error per response key whose first field is introspection */
	for (i = 0; i < sf->n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(sel_key(sf->sel[j]),
			    sel_key(sf->sel[i])) == 0)
				break;
		if (j < i || strncmp(sf->sel[i]->name, "__", 2) != 0)
			continue;
		for (n = 0, j = i; j < sf->n; j++)
			if (strcmp(sel_key(sf->sel[j]),
			    sel_key(sf->sel[i])) == 0)
				locs[n++] = sf->sel[j]->loc;
		gql_err_add(c->errors, locs, n, "%s must not select an "
		    "introspection top level field.", who);
	}
}

static void
rule_single_field_subscriptions(struct lh_gql_vctx *c)
{
	const struct lh_gql_type	*root = c->s->roots[LH_GQL_OP_SUBSCRIPTION];
	struct lh_gql_def		*d;
	struct subfields		*sf;
	char				 who[300];

	if (root == NULL || (sf = malloc(sizeof(*sf))) == NULL)
		return;
	for (d = c->doc->defs; d != NULL; d = d->next) {
		if (d->kind != LH_GQL_D_OPERATION ||
		    d->op != LH_GQL_OP_SUBSCRIPTION)
			continue;
		memset(sf, 0, sizeof(*sf));
		sub_collect(c, root, d->selset, sf);
		if (d->name != NULL)
			snprintf(who, sizeof(who), "Subscription \"%s\"",
			    d->name);
		else
			snprintf(who, sizeof(who), "Anonymous Subscription");
		sub_report(c, sf, who);
	}
	free(sf);
}

static int
intro_depth(struct lh_gql_vctx *c, const struct lh_gql_sel *sel,
    const char **visited, size_t nvisited, int depth, long *budget)
{
	const struct lh_gql_def	*f;
	size_t			 i;

	for (; sel != NULL; sel = sel->next) {
		/* fragments spread many times: stop, report as too deep */
		if (--(*budget) < 0)
			return 1;
		if (sel->kind == LH_GQL_SEL_SPREAD) {
			for (i = 0; i < nvisited; i++)
				if (strcmp(visited[i], sel->name) == 0)
					break;
			if (i < nvisited || nvisited >= 64 ||
			    (f = gql_doc_fragment(c->doc, sel->name)) == NULL)
				continue;
			visited[nvisited] = sel->name;
			if (intro_depth(c, f->selset, visited, nvisited + 1,
			    depth, budget))
				return 1;
			continue;
		}
		if (sel->kind == LH_GQL_SEL_FIELD &&
		    (strcmp(sel->name, "fields") == 0 ||
		    strcmp(sel->name, "interfaces") == 0 ||
		    strcmp(sel->name, "possibleTypes") == 0 ||
		    strcmp(sel->name, "inputFields") == 0)) {
			if (depth + 1 >= 3)
				return 1;
			if (intro_depth(c, sel->selset, visited, nvisited,
			    depth + 1, budget))
				return 1;
			continue;
		}
		if (intro_depth(c, sel->selset, visited, nvisited, depth,
		    budget))
			return 1;
	}
	return 0;
}

static void
intro_walk(struct lh_gql_vctx *c, const struct lh_gql_sel *sel)
{
	const char	*visited[64];
	long		 budget;

	for (; sel != NULL; sel = sel->next) {
		budget = 100000;
		if (sel->kind == LH_GQL_SEL_FIELD &&
		    (strcmp(sel->name, "__schema") == 0 ||
		    strcmp(sel->name, "__type") == 0) &&
		    intro_depth(c, sel->selset, visited, 0, 0, &budget)) {
			gql_err_add(c->errors, &sel->loc, 1, "Maximum "
			    "introspection depth exceeded");
			continue;
		}
		intro_walk(c, sel->selset);
	}
}

static void
rule_max_introspection_depth(struct lh_gql_vctx *c)
{
	struct lh_gql_def	*d;

	for (d = c->doc->defs; d != NULL; d = d->next)
		if (d->kind == LH_GQL_D_OPERATION ||
		    d->kind == LH_GQL_D_FRAGMENT)
			intro_walk(c, d->selset);
}

int
gql_validate(const struct lh_gql_schema *s, const struct lh_gql_doc *d,
    unsigned long long rules, json_object *errors)
{
	struct lh_gql_vctx	c;
	size_t			before = json_object_array_length(errors);

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.doc = d;
	c.rules = rules;
	c.errors = errors;
	if ((c.arena = gql_arena_new()) == NULL) {
		gql_err_add(errors, NULL, 0, "out of memory");
		return 1;
	}
	if (VRULE(&c, LH_GQL_R_EXECUTABLE_DEFINITIONS))
		rule_executable(&c);
	if (VRULE(&c, LH_GQL_R_UNIQUE_OPERATION_NAMES))
		rule_unique_names(&c, LH_GQL_D_OPERATION);
	if (VRULE(&c, LH_GQL_R_LONE_ANONYMOUS_OPERATION))
		rule_lone_anonymous(&c);
	if (VRULE(&c, LH_GQL_R_SINGLE_FIELD_SUBSCRIPTIONS))
		rule_single_field_subscriptions(&c);
	if (VRULE(&c, LH_GQL_R_UNIQUE_FRAGMENT_NAMES))
		rule_unique_names(&c, LH_GQL_D_FRAGMENT);
	if (VRULE(&c, LH_GQL_R_NO_UNUSED_FRAGMENTS))
		rule_unused_fragments(&c);
	if (VRULE(&c, LH_GQL_R_NO_FRAGMENT_CYCLES))
		rule_fragment_cycles(&c);
	if (VRULE(&c, LH_GQL_R_UNIQUE_VARIABLE_NAMES))
		rule_unique_variables(&c);
	if (VRULE(&c, LH_GQL_R_MAX_INTROSPECTION_DEPTH))
		rule_max_introspection_depth(&c);
	gql_validate_typed(&c);
	if (VRULE(&c, LH_GQL_R_NO_UNDEFINED_VARIABLES) ||
	    VRULE(&c, LH_GQL_R_NO_UNUSED_VARIABLES) ||
	    VRULE(&c, LH_GQL_R_VARIABLES_IN_ALLOWED_POSITION))
		gql_validate_vars(&c);
	if (VRULE(&c, LH_GQL_R_OVERLAPPING_FIELDS_CAN_BE_MERGED))
		gql_validate_overlap(&c);
	gql_arena_free(c.arena);
	free(c.usages);
	return (int)(json_object_array_length(errors) - before);
}
