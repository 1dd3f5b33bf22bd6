/*
 * validate_overlap.c: OverlappingFieldsCanBeMerged, following the
 * algorithm of the spec (and graphql-js): fields with the same response
 * name must be mergeable, compared within each selection set, between
 * fields and fragments, and between fragments (each pair once).
 * Runs in the workers and the CLI.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"

struct ofield {
	const char			*key;
	const struct lh_gql_type	*parent;
	const struct lh_gql_sel		*node;
	const struct lh_gql_field	*def;
};

struct fmap {
	const struct lh_gql_sel	*selset;
	struct ofield		*f;
	size_t			 n, cap;
	const char		**frags;
	size_t			 nfrags, capfrags;
};

struct conflict {
	const char		*key;
	char			*reason;
	struct lh_gql_loc	*l1, *l2;
	size_t			 n1, n2;
};

struct clist {
	struct conflict		*v;
	size_t			 n, cap;
};

struct pair {
	const char		*a, *b;
	int			 excl;
};

struct fpair {
	const struct fmap	*m;
	const char		*frag;
	int			 excl;
};

struct octx {
	struct lh_gql_vctx	*c;
	struct fpair		*fpairs;
	size_t			 nfpairs, capfpairs;
	struct fmap		**maps;
	size_t			 nmaps, capmaps;
	struct pair		*pairs;
	size_t			 npairs, cappairs;
	int			 oom;
	int			 depth;
};

static void	*grow(struct octx *, void *, size_t *, size_t);
static void	 between_subsets(struct octx *, struct clist *, int,
		    const struct lh_gql_type *, const struct lh_gql_sel *,
		    const struct lh_gql_type *, const struct lh_gql_sel *);

static void *
grow(struct octx *o, void *p, size_t *cap, size_t elem)
{
	size_t	 ncap = *cap ? *cap * 2 : 8;
	void	*q;

	if ((q = realloc(p, ncap * elem)) == NULL) {
		o->oom = 1;
		return NULL;
	}
	*cap = ncap;
	return q;
}

static void
collect(struct octx *o, const struct lh_gql_type *parent,
    const struct lh_gql_sel *s, struct fmap *m)
{
	const struct lh_gql_type	*t;
	size_t				 i;
	void				*p;

	for (; s != NULL && !o->oom; s = s->next) {
		switch (s->kind) {
		case LH_GQL_SEL_FIELD:
			if (m->n == m->cap) {
				if ((p = grow(o, m->f, &m->cap,
				    sizeof(*m->f))) == NULL)
					return;
				m->f = p;
			}
			m->f[m->n].key = s->alias != NULL ? s->alias : s->name;
			m->f[m->n].parent = parent;
			m->f[m->n].node = s;
			m->f[m->n++].def = parent != NULL &&
			    (parent->kind == LH_GQL_OBJECT ||
			    parent->kind == LH_GQL_INTERFACE) &&
			    strcmp(s->name, "__typename") != 0 ?
			    gql_type_field(o->c->s, parent, s->name) : NULL;
			break;
		case LH_GQL_SEL_SPREAD:
			for (i = 0; i < m->nfrags; i++)
				if (strcmp(m->frags[i], s->name) == 0)
					break;
			if (i < m->nfrags)
				break;
			if (m->nfrags == m->capfrags) {
				if ((p = grow(o, m->frags, &m->capfrags,
				    sizeof(*m->frags))) == NULL)
					return;
				m->frags = p;
			}
			m->frags[m->nfrags++] = s->name;
			break;
		case LH_GQL_SEL_INLINE:
			t = s->type_cond != NULL ? gql_schema_type(o->c->s,
			    s->type_cond) : parent;
			collect(o, t, s->selset, m);
			break;
		}
	}
}

/* Fields and fragment names of a selection set, cached by the set. */
static struct fmap *
fields_of(struct octx *o, const struct lh_gql_type *parent,
    const struct lh_gql_sel *selset)
{
	struct fmap	*m;
	size_t		 i;
	void		*p;

	for (i = 0; i < o->nmaps; i++)
		if (o->maps[i]->selset == selset)
			return o->maps[i];
	if (o->nmaps == o->capmaps) {
		if ((p = grow(o, o->maps, &o->capmaps, sizeof(*o->maps))) ==
		    NULL)
			return NULL;
		o->maps = p;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		o->oom = 1;
		return NULL;
	}
	m->selset = selset;
	o->maps[o->nmaps++] = m;
	collect(o, parent, selset, m);
	return m;
}

static struct fmap *
fragment_fields(struct octx *o, const char *name)
{
	const struct lh_gql_def	*f;

	if ((f = gql_doc_fragment(o->c->doc, name)) == NULL)
		return NULL;
	return fields_of(o, gql_schema_type(o->c->s, f->type_cond),
	    f->selset);
}

static int
pair_has(struct octx *o, const char *a, const char *b, int excl)
{
	size_t	i;

	for (i = 0; i < o->npairs; i++)
		if ((strcmp(o->pairs[i].a, a) == 0 &&
		    strcmp(o->pairs[i].b, b) == 0) ||
		    (strcmp(o->pairs[i].a, b) == 0 &&
		    strcmp(o->pairs[i].b, a) == 0))
			return excl ? 1 : o->pairs[i].excl == 0;
	return 0;
}

static void
pair_add(struct octx *o, const char *a, const char *b, int excl)
{
	size_t	 i;
	void	*p;

	for (i = 0; i < o->npairs; i++)
		if ((strcmp(o->pairs[i].a, a) == 0 &&
		    strcmp(o->pairs[i].b, b) == 0) ||
		    (strcmp(o->pairs[i].a, b) == 0 &&
		    strcmp(o->pairs[i].b, a) == 0)) {
			o->pairs[i].excl = excl;
			return;
		}
	if (o->npairs == o->cappairs) {
		if ((p = grow(o, o->pairs, &o->cappairs,
		    sizeof(*o->pairs))) == NULL)
			return;
		o->pairs = p;
	}
	o->pairs[o->npairs].a = a;
	o->pairs[o->npairs].b = b;
	o->pairs[o->npairs++].excl = excl;
}

static void
clist_free(struct clist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].reason);
		free(l->v[i].l1);
		free(l->v[i].l2);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static struct conflict *
clist_add(struct octx *o, struct clist *l)
{
	void	*p;

	if (l->n == l->cap) {
		if ((p = grow(o, l->v, &l->cap, sizeof(*l->v))) == NULL)
			return NULL;
		l->v = p;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static void
simple_conflict(struct octx *o, struct clist *l, const struct ofield *f1,
    const struct ofield *f2, const char *reason)
{
	struct conflict	*c;

	if ((c = clist_add(o, l)) == NULL)
		return;
	c->key = f1->key;
	c->reason = strdup(reason);
	c->l1 = malloc(sizeof(*c->l1));
	c->l2 = malloc(sizeof(*c->l2));
	if (c->reason == NULL || c->l1 == NULL || c->l2 == NULL) {
		o->oom = 1;
		return;
	}
	c->l1[0] = f1->node->loc;
	c->l2[0] = f2->node->loc;
	c->n1 = c->n2 = 1;
}

static int
type_conflict(const struct lh_gql_tref *a, const struct lh_gql_tref *b)
{
	const struct lh_gql_type	*ta, *tb;

	if (a->kind == LH_GQL_T_LIST)
		return b->kind == LH_GQL_T_LIST ? type_conflict(a->of, b->of) :
		    1;
	if (b->kind == LH_GQL_T_LIST)
		return 1;
	if (a->kind == LH_GQL_T_NONNULL)
		return b->kind == LH_GQL_T_NONNULL ?
		    type_conflict(a->of, b->of) : 1;
	if (b->kind == LH_GQL_T_NONNULL)
		return 1;
	ta = a->type;
	tb = b->type;
	if (ta->kind == LH_GQL_SCALAR || ta->kind == LH_GQL_ENUM ||
	    tb->kind == LH_GQL_SCALAR || tb->kind == LH_GQL_ENUM)
		return ta != tb;
	return 0;
}

/* Prints a value with object fields sorted by name. */
static int
print_sorted(const struct lh_gql_value *v, char *buf, size_t len,
    size_t *off)
{
	const struct lh_gql_arg		*f, *best, *prev = NULL;
	const struct lh_gql_value	*it;
	char				 tmp[2048];
	int				 n;

	if (v->kind == LH_GQL_V_LIST) {
		n = snprintf(buf + *off, len - *off, "[");
		*off += (size_t)n;
		for (it = v->items; it != NULL && *off < len - 4; it = it->next) {
			if (print_sorted(it, buf, len, off) == -1)
				return -1;
			*off += (size_t)snprintf(buf + *off, len - *off, ",");
		}
		if (*off >= len - 2)
			return -1;
		*off += (size_t)snprintf(buf + *off, len - *off, "]");
		return 0;
	}
	if (v->kind != LH_GQL_V_OBJECT) {
		if (gql_value_print(v, tmp, sizeof(tmp)) == -1 ||
		    *off + strlen(tmp) + 2 >= len)
			return -1;
		*off += (size_t)snprintf(buf + *off, len - *off, "%s", tmp);
		return 0;
	}
	*off += (size_t)snprintf(buf + *off, len - *off, "{");
	for (;;) {	/* selection by name order, duplicates kept */
		best = NULL;
		for (f = v->fields; f != NULL; f = f->next) {
			if (prev != NULL && (strcmp(f->name, prev->name) < 0 ||
			    (strcmp(f->name, prev->name) == 0 && f <= prev)))
				continue;
			if (best == NULL || strcmp(f->name, best->name) < 0)
				best = f;
		}
		if (best == NULL)
			break;
		if (*off + strlen(best->name) + 4 >= len)
			return -1;
		*off += (size_t)snprintf(buf + *off, len - *off, "%s:",
		    best->name);
		if (print_sorted(best->value, buf, len, off) == -1)
			return -1;
		*off += (size_t)snprintf(buf + *off, len - *off, ",");
		prev = best;
	}
	if (*off >= len - 2)
		return -1;
	*off += (size_t)snprintf(buf + *off, len - *off, "}");
	return 0;
}

static int
args_string(const struct lh_gql_sel *s, char *buf, size_t len)
{
	struct lh_gql_value	obj;
	size_t			off = 0;

	memset(&obj, 0, sizeof(obj));
	obj.kind = LH_GQL_V_OBJECT;
	obj.fields = s->args;
	buf[0] = '\0';
	return print_sorted(&obj, buf, len, &off);
}

static void
find_conflict(struct octx *o, struct clist *out, int parent_excl,
    const struct ofield *f1, const struct ofield *f2)
{
	struct clist		 sub;
	struct conflict		*c;
	char			 a1[4096], a2[4096], reason[1024], tn1[128],
				 tn2[128];
	int			 excl;
	size_t			 i, n1 = 1, n2 = 1, off = 0;

	excl = parent_excl || (f1->parent != f2->parent &&
	    f1->parent != NULL && f2->parent != NULL &&
	    f1->parent->kind == LH_GQL_OBJECT &&
	    f2->parent->kind == LH_GQL_OBJECT);
	if (!excl) {
		if (strcmp(f1->node->name, f2->node->name) != 0) {
			snprintf(reason, sizeof(reason), "\"%s\" and \"%s\" are "
			    "different fields", f1->node->name, f2->node->name);
			simple_conflict(o, out, f1, f2, reason);
			return;
		}
		if (args_string(f1->node, a1, sizeof(a1)) == -1 ||
		    args_string(f2->node, a2, sizeof(a2)) == -1 ||
		    strcmp(a1, a2) != 0) {
			simple_conflict(o, out, f1, f2,
			    "they have differing arguments");
			return;
		}
	}
	if (f1->def != NULL && f2->def != NULL &&
	    type_conflict(f1->def->type, f2->def->type)) {
		snprintf(reason, sizeof(reason), "they return conflicting types "
		    "\"%s\" and \"%s\"", gql_tref_str(f1->def->type, tn1,
		    sizeof(tn1)), gql_tref_str(f2->def->type, tn2,
		    sizeof(tn2)));
		simple_conflict(o, out, f1, f2, reason);
		return;
	}
	if (f1->node->selset == NULL || f2->node->selset == NULL ||
	    o->depth > 64)
		return;
	memset(&sub, 0, sizeof(sub));
	o->depth++;
	between_subsets(o, &sub, excl,
	    f1->def != NULL ? gql_tref_named(f1->def->type) : NULL,
	    f1->node->selset,
	    f2->def != NULL ? gql_tref_named(f2->def->type) : NULL,
	    f2->node->selset);
	o->depth--;
	if (sub.n == 0 || (c = clist_add(o, out)) == NULL) {
		clist_free(&sub);
		return;
	}
	for (i = 0; i < sub.n; i++) {
		n1 += sub.v[i].n1;
		n2 += sub.v[i].n2;
	}
	c->key = f1->key;
	c->l1 = calloc(n1, sizeof(*c->l1));
	c->l2 = calloc(n2, sizeof(*c->l2));
	c->reason = calloc(1, sizeof(reason));
	if (c->l1 == NULL || c->l2 == NULL || c->reason == NULL) {
		o->oom = 1;
		clist_free(&sub);
		return;
	}
	c->l1[c->n1++] = f1->node->loc;
	c->l2[c->n2++] = f2->node->loc;
	for (i = 0; i < sub.n; i++) {
		memcpy(c->l1 + c->n1, sub.v[i].l1, sub.v[i].n1 *
		    sizeof(*c->l1));
		c->n1 += sub.v[i].n1;
		memcpy(c->l2 + c->n2, sub.v[i].l2, sub.v[i].n2 *
		    sizeof(*c->l2));
		c->n2 += sub.v[i].n2;
		if (off < sizeof(reason) - 8)
			off += (size_t)snprintf(c->reason + off,
			    sizeof(reason) - off, "%ssubfields \"%s\" conflict "
			    "because %s", i ? " and " : "", sub.v[i].key,
			    sub.v[i].reason);
	}
	clist_free(&sub);
}

static void
within(struct octx *o, struct clist *out, const struct fmap *m)
{
	size_t	i, j;

	for (i = 0; i < m->n && !o->oom; i++)
		for (j = i + 1; j < m->n; j++)
			if (strcmp(m->f[i].key, m->f[j].key) == 0)
				find_conflict(o, out, 0, &m->f[i], &m->f[j]);
}

static void
between(struct octx *o, struct clist *out, int excl, const struct fmap *m1,
    const struct fmap *m2)
{
	size_t	i, j;

	for (i = 0; i < m1->n && !o->oom; i++)
		for (j = 0; j < m2->n; j++)
			if (strcmp(m1->f[i].key, m2->f[j].key) == 0)
				find_conflict(o, out, excl, &m1->f[i],
				    &m2->f[j]);
}

/* Fields of m were compared with fragment frag already? Else record. */
static int
fpair_seen(struct octx *o, const struct fmap *m, const char *frag, int excl)
{
	size_t	 i;
	void	*p;

	for (i = 0; i < o->nfpairs; i++)
		if (o->fpairs[i].m == m && strcmp(o->fpairs[i].frag, frag) == 0) {
			if (excl || o->fpairs[i].excl == 0)
				return 1;
			o->fpairs[i].excl = excl;
			return 0;
		}
	if (o->nfpairs == o->capfpairs) {
		if ((p = grow(o, o->fpairs, &o->capfpairs,
		    sizeof(*o->fpairs))) == NULL)
			return 1;
		o->fpairs = p;
	}
	o->fpairs[o->nfpairs].m = m;
	o->fpairs[o->nfpairs].frag = frag;
	o->fpairs[o->nfpairs++].excl = excl;
	return 0;
}

static void
fields_and_fragment(struct octx *o, struct clist *out, int excl,
    const struct fmap *m, const char *frag)
{
	const struct fmap	*m2;
	size_t			 i;

	if (o->oom || fpair_seen(o, m, frag, excl) ||
	    (m2 = fragment_fields(o, frag)) == NULL || m2 == m)
		return;
	between(o, out, excl, m, m2);
	for (i = 0; i < m2->nfrags; i++)
		fields_and_fragment(o, out, excl, m, m2->frags[i]);
}

static void
fragments(struct octx *o, struct clist *out, int excl, const char *a,
    const char *b)
{
	const struct fmap	*m1, *m2;
	size_t			 i;

	if (o->oom || strcmp(a, b) == 0 || pair_has(o, a, b, excl))
		return;
	pair_add(o, a, b, excl);
	if ((m1 = fragment_fields(o, a)) == NULL ||
	    (m2 = fragment_fields(o, b)) == NULL)
		return;
	between(o, out, excl, m1, m2);
	for (i = 0; i < m2->nfrags; i++)
		fragments(o, out, excl, a, m2->frags[i]);
	for (i = 0; i < m1->nfrags; i++)
		fragments(o, out, excl, m1->frags[i], b);
}

static void
between_subsets(struct octx *o, struct clist *out, int excl,
    const struct lh_gql_type *t1, const struct lh_gql_sel *s1,
    const struct lh_gql_type *t2, const struct lh_gql_sel *s2)
{
	const struct fmap	*m1, *m2;
	size_t			 i, j;

	if ((m1 = fields_of(o, t1, s1)) == NULL ||
	    (m2 = fields_of(o, t2, s2)) == NULL)
		return;
	between(o, out, excl, m1, m2);
	for (i = 0; i < m2->nfrags; i++)
		fields_and_fragment(o, out, excl, m1, m2->frags[i]);
	for (i = 0; i < m1->nfrags; i++)
		fields_and_fragment(o, out, excl, m2, m1->frags[i]);
	for (i = 0; i < m1->nfrags; i++)
		for (j = 0; j < m2->nfrags; j++)
			fragments(o, out, excl, m1->frags[i], m2->frags[j]);
}

static void
check_selset(struct octx *o, const struct lh_gql_type *parent,
    const struct lh_gql_sel *selset)
{
	struct clist		 l;
	const struct fmap	*m;
	struct lh_gql_loc	*locs;
	size_t			 i, j;

	memset(&l, 0, sizeof(l));
	if ((m = fields_of(o, parent, selset)) == NULL)
		return;
	within(o, &l, m);
	for (i = 0; i < m->nfrags; i++) {
		fields_and_fragment(o, &l, 0, m, m->frags[i]);
		for (j = i + 1; j < m->nfrags; j++)
			fragments(o, &l, 0, m->frags[i], m->frags[j]);
	}
	for (i = 0; i < l.n && !o->oom; i++) {
		if ((locs = calloc(l.v[i].n1 + l.v[i].n2,
		    sizeof(*locs))) == NULL) {
			o->oom = 1;
			break;
		}
		memcpy(locs, l.v[i].l1, l.v[i].n1 * sizeof(*locs));
		memcpy(locs + l.v[i].n1, l.v[i].l2, l.v[i].n2 * sizeof(*locs));
		gql_err_add(o->c->errors, locs, l.v[i].n1 + l.v[i].n2,
		    "Fields \"%s\" conflict because %s. Use different aliases "
		    "on the fields to fetch both if this was intentional.",
		    l.v[i].key, l.v[i].reason);
		free(locs);
	}
	clist_free(&l);
}

/* Visits every selection set with its parent type (TypeInfo rules). */
static void
visit(struct octx *o, const struct lh_gql_type *parent,
    const struct lh_gql_sel *selset)
{
	const struct lh_gql_sel		*s;
	const struct lh_gql_field	*fd;
	const struct lh_gql_type	*t;

	if (selset == NULL || o->oom)
		return;
	check_selset(o, gql_type_is_composite(parent) ? parent : NULL,
	    selset);
	for (s = selset; s != NULL; s = s->next) {
		if (s->kind == LH_GQL_SEL_FIELD) {
			fd = parent != NULL ? gql_type_field(o->c->s, parent,
			    s->name) : NULL;
			t = fd != NULL ? gql_tref_named(fd->type) : NULL;
			visit(o, gql_type_is_composite(t) ? t : NULL,
			    s->selset);
		} else if (s->kind == LH_GQL_SEL_INLINE) {
			t = s->type_cond != NULL ? gql_schema_type(o->c->s,
			    s->type_cond) : parent;
			visit(o, gql_type_is_composite(t) ? t : NULL,
			    s->selset);
		}
	}
}

void
gql_validate_overlap(struct lh_gql_vctx *c)
{
	struct octx		 o;
	const struct lh_gql_def	*d;
	size_t			 i;

	memset(&o, 0, sizeof(o));
	o.c = c;
	for (d = c->doc->defs; d != NULL; d = d->next) {
		if (d->kind == LH_GQL_D_OPERATION)
			visit(&o, c->s->roots[d->op], d->selset);
		else if (d->kind == LH_GQL_D_FRAGMENT)
			visit(&o, gql_schema_type(c->s, d->type_cond),
			    d->selset);
	}
	for (i = 0; i < o.nmaps; i++) {
		free(o.maps[i]->f);
		free(o.maps[i]->frags);
		free(o.maps[i]);
	}
	free(o.maps);
	free(o.pairs);
	free(o.fpairs);
}
