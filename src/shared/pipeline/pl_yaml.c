/*
 * pl_yaml.c: libyaml event stream -> node tree with marks for the pipeline
 * parser. Enforces one document, a depth cap, an alias expansion cap (YAML
 * bombs), unique map keys and known tags. Runs wherever pipelines are read.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "shared/pipeline/pl_yaml.h"

#define PL_YAML_MAX_ANCHORS	1000

struct pl_anchor {
	char			*name;
	struct lh_pl_node	*node;
};

struct pl_loader {
	struct lh_pl_doc	*doc;
	struct lh_pl_errors	*errs;
	struct lh_pl_node	*stack[LH_PL_MAX_DEPTH + 1];
	char			*stack_anchor[LH_PL_MAX_DEPTH + 1];
	size_t			 depth;
	struct pl_anchor	*anchors;
	size_t			 nanchors;
	int			 ndocs;
	int			 failed;
};

static struct lh_pl_mark
pl_yaml_mark(yaml_mark_t m)
{
	struct lh_pl_mark mk;

	mk.line = (unsigned)m.line + 1;
	mk.col = (unsigned)m.column + 1;
	return mk;
}

static struct lh_pl_node *
pl_yaml_node_new(struct pl_loader *ld, enum lh_pl_node_kind kind,
    yaml_mark_t m)
{
	struct lh_pl_node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->kind = kind;
	n->mark = pl_yaml_mark(m);
	n->weight = 1;
	n->all_next = ld->doc->all;
	ld->doc->all = n;
	return n;
}

static int
pl_yaml_is_int(const char *s)
{
	size_t i = 0;

	if (s[0] == '0' && (s[1] == 'o' || s[1] == 'x') && s[2] != '\0') {
		for (i = 2; s[i] != '\0'; i++)
			if (!(s[1] == 'o' ? (s[i] >= '0' && s[i] <= '7') :
			    strchr("0123456789abcdefABCDEF", s[i]) != NULL))
				return 0;
		return 1;
	}
	if (s[0] == '-' || s[0] == '+')
		i++;
	if (s[i] == '\0')
		return 0;
	for (; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
pl_yaml_is_float(const char *s)
{
	static const char *const special[] = { ".inf", ".Inf", ".INF",
	    "-.inf", "-.Inf", "-.INF", "+.inf", "+.Inf", "+.INF", ".nan",
	    ".NaN", ".NAN" };
	size_t i = 0, digits = 0, k;

	for (k = 0; k < sizeof(special) / sizeof(special[0]); k++)
		if (strcmp(s, special[k]) == 0)
			return 1;
	if (s[i] == '-' || s[i] == '+')
		i++;
	for (; s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (s[i] == '.')
		for (i++; s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (digits == 0)
		return 0;
	if (s[i] == 'e' || s[i] == 'E') {
		i++;
		if (s[i] == '-' || s[i] == '+')
			i++;
		if (s[i] < '0' || s[i] > '9')
			return 0;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return s[i] == '\0';
}

static enum lh_pl_scalar_type
pl_yaml_resolve(const char *s)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	static const char *const bools[] = { "true", "True", "TRUE", "false",
	    "False", "FALSE" };
	size_t k;

	for (k = 0; k < sizeof(nulls) / sizeof(nulls[0]); k++)
		if (strcmp(s, nulls[k]) == 0)
			return LH_PL_SCALAR_NULL;
	for (k = 0; k < sizeof(bools) / sizeof(bools[0]); k++)
		if (strcmp(s, bools[k]) == 0)
			return LH_PL_SCALAR_BOOL;
	if (pl_yaml_is_int(s))
		return LH_PL_SCALAR_INT;
	if (pl_yaml_is_float(s))
		return LH_PL_SCALAR_FLOAT;
	return LH_PL_SCALAR_STR;
}

/* Checks an explicit tag; only the core schema's are accepted. */
static int
pl_yaml_tag(struct pl_loader *ld, const yaml_char_t *tag, yaml_mark_t m,
    struct lh_pl_node *n)
{
	const char *t = (const char *)tag;
	static const char *const ok[] = { "tag:yaml.org,2002:str",
	    "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool",
	    "tag:yaml.org,2002:null", "tag:yaml.org,2002:float",
	    "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "!" };
	size_t k;

	if (t == NULL)
		return 0;
	for (k = 0; k < sizeof(ok) / sizeof(ok[0]); k++)
		if (strcmp(t, ok[k]) == 0)
			break;
	if (k == sizeof(ok) / sizeof(ok[0])) {
		pl_errors_add(ld->errs, pl_yaml_mark(m),
		    "unsupported YAML tag '%s'", t);
		return -1;
	}
	if (n != NULL && n->kind == LH_PL_NODE_SCALAR &&
	    (strcmp(t, "tag:yaml.org,2002:str") == 0 || strcmp(t, "!") == 0))
		n->type = LH_PL_SCALAR_STR;
	return 0;
}

static int
pl_yaml_add_anchor(struct pl_loader *ld, char *name, struct lh_pl_node *n,
    struct lh_pl_mark mark)
{
	struct pl_anchor *a;

	if (ld->nanchors >= PL_YAML_MAX_ANCHORS) {
		pl_errors_add(ld->errs, mark, "too many YAML anchors (limit %d)",
		    PL_YAML_MAX_ANCHORS);
		free(name);
		return -1;
	}
	a = realloc(ld->anchors, (ld->nanchors + 1) * sizeof(*a));
	if (a == NULL) {
		free(name);
		return -1;
	}
	ld->anchors = a;
	a[ld->nanchors].name = name;
	a[ld->nanchors].node = n;
	ld->nanchors++;
	return 0;
}

static struct lh_pl_node *
pl_yaml_find_anchor(struct pl_loader *ld, const char *name)
{
	size_t i;

	/* the latest definition of a name wins, as in YAML */
	for (i = ld->nanchors; i > 0; i--)
		if (strcmp(ld->anchors[i - 1].name, name) == 0)
			return ld->anchors[i - 1].node;
	return NULL;
}

struct pl_keyref {
	const struct lh_pl_node	*key;
	size_t			 idx;	/* pair index in the map */
};

static int
pl_yaml_cmp_key(const void *a, const void *b)
{
	const struct pl_keyref *x = a, *y = b;
	int c;

	c = strcmp(x->key->value, y->key->value);
	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Reports keys that are not scalars and keys given twice, then drops the
 * later copies so the schema walk can go on and report everything else. */
static int
pl_yaml_check_keys(struct pl_loader *ld, struct lh_pl_node *map)
{
	struct pl_keyref *keys;
	unsigned char *drop;
	size_t i, n = 0, out = 0, npairs = map->nitems / 2;

	if (npairs == 0)
		return 0;
	if ((keys = calloc(npairs, sizeof(*keys))) == NULL)
		return -1;
	if ((drop = calloc(npairs, 1)) == NULL) {
		free(keys);
		return -1;
	}
	for (i = 0; i < npairs; i++) {
		if (map->items[2 * i]->kind != LH_PL_NODE_SCALAR) {
			pl_errors_add(ld->errs, map->items[2 * i]->mark,
			    "mapping keys must be scalars");
			continue;
		}
		keys[n].key = map->items[2 * i];
		keys[n++].idx = i;
	}
	qsort(keys, n, sizeof(*keys), pl_yaml_cmp_key);
	for (i = 1; i < n; i++) {
		if (strcmp(keys[i].key->value, keys[i - 1].key->value) != 0)
			continue;
		pl_errors_add(ld->errs, keys[i].key->mark, "duplicate key '%s' "
		    "(first at line %u)", keys[i].key->value,
		    keys[i - 1].key->mark.line);
		drop[keys[i].idx] = 1;
		keys[i].key = keys[i - 1].key;	/* compare with the first */
	}
	for (i = 0; i < npairs; i++) {
		if (drop[i])
			continue;
		map->items[out++] = map->items[2 * i];
		map->items[out++] = map->items[2 * i + 1];
	}
	map->nitems = out;
	free(drop);
	free(keys);
	return 0;
}

/* Attaches a finished node to its parent (or makes it the root). */
static int
pl_yaml_attach(struct pl_loader *ld, struct lh_pl_node *n)
{
	struct lh_pl_node *p, **v;

	if (ld->depth == 0) {
		ld->doc->root = n;
		return 0;
	}
	p = ld->stack[ld->depth - 1];
	if (p->nitems == p->cap) {
		size_t cap = p->cap == 0 ? 8 : p->cap * 2;

		if ((v = realloc(p->items, cap * sizeof(*v))) == NULL)
			return -1;
		p->items = v;
		p->cap = cap;
	}
	p->items[p->nitems++] = n;
	p->weight += n->weight;
	if (p->weight > LH_PL_MAX_NODES)
		p->weight = LH_PL_MAX_NODES + 1;	/* saturate */
	if (n->height + 1 > p->height)
		p->height = n->height + 1;
	if (p->weight > LH_PL_MAX_NODES) {
		pl_errors_add(ld->errs, n->mark, "document too large: more "
		    "than %d nodes after alias expansion", LH_PL_MAX_NODES);
		return -1;
	}
	if (ld->depth + n->height > LH_PL_MAX_DEPTH) {
		pl_errors_add(ld->errs, n->mark, "document nested too deeply "
		    "(limit %d levels)", LH_PL_MAX_DEPTH);
		return -1;
	}
	return 0;
}

static int
pl_yaml_scalar(struct pl_loader *ld, yaml_event_t *ev)
{
	struct lh_pl_node *n;

	if ((n = pl_yaml_node_new(ld, LH_PL_NODE_SCALAR, ev->start_mark)) ==
	    NULL)
		return -1;
	n->len = ev->data.scalar.length;
	if ((n->value = malloc(n->len + 1)) == NULL)
		return -1;
	memcpy(n->value, ev->data.scalar.value, n->len);
	n->value[n->len] = '\0';
	switch (ev->data.scalar.style) {
	case YAML_PLAIN_SCALAR_STYLE:
	case YAML_ANY_SCALAR_STYLE:
		n->style = LH_PL_STYLE_PLAIN;
		n->type = strlen(n->value) == n->len ?
		    pl_yaml_resolve(n->value) : LH_PL_SCALAR_STR;
		break;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE:
		n->style = LH_PL_STYLE_BLOCK;
		n->type = LH_PL_SCALAR_STR;
		break;
	default:
		n->style = LH_PL_STYLE_QUOTED;
		n->type = LH_PL_SCALAR_STR;
		break;
	}
	if (pl_yaml_tag(ld, ev->data.scalar.tag, ev->start_mark, n) == -1)
		return -1;
	if (ev->data.scalar.anchor != NULL &&
	    pl_yaml_add_anchor(ld, strdup((char *)ev->data.scalar.anchor), n,
	    n->mark) == -1)
		return -1;
	return pl_yaml_attach(ld, n);
}

static int
pl_yaml_open(struct pl_loader *ld, yaml_event_t *ev, enum lh_pl_node_kind k)
{
	struct lh_pl_node *n;
	const yaml_char_t *anchor, *tag;

	if (ld->depth >= LH_PL_MAX_DEPTH) {
		pl_errors_add(ld->errs, pl_yaml_mark(ev->start_mark),
		    "document nested too deeply (limit %d levels)",
		    LH_PL_MAX_DEPTH);
		return -1;
	}
	if ((n = pl_yaml_node_new(ld, k, ev->start_mark)) == NULL)
		return -1;
	if (k == LH_PL_NODE_MAP) {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	} else {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	}
	if (pl_yaml_tag(ld, tag, ev->start_mark, NULL) == -1)
		return -1;
	ld->stack_anchor[ld->depth] = NULL;
	if (anchor != NULL &&
	    (ld->stack_anchor[ld->depth] = strdup((const char *)anchor)) ==
	    NULL)
		return -1;
	ld->stack[ld->depth++] = n;
	return 0;
}

static int
pl_yaml_close(struct pl_loader *ld)
{
	struct lh_pl_node *n;
	char *anchor;

	n = ld->stack[--ld->depth];
	anchor = ld->stack_anchor[ld->depth];
	ld->stack_anchor[ld->depth] = NULL;
	if (n->kind == LH_PL_NODE_MAP && pl_yaml_check_keys(ld, n) == -1) {
		free(anchor);
		return -1;
	}
	/* registered only once complete: an alias inside its own anchor is
	 * then "unknown", so the tree can never contain a cycle */
	if (anchor != NULL && pl_yaml_add_anchor(ld, anchor, n, n->mark) == -1)
		return -1;
	return pl_yaml_attach(ld, n);
}

static int
pl_yaml_alias(struct pl_loader *ld, yaml_event_t *ev)
{
	struct lh_pl_node *n;
	const char *name = (const char *)ev->data.alias.anchor;

	if ((n = pl_yaml_find_anchor(ld, name)) == NULL) {
		pl_errors_add(ld->errs, pl_yaml_mark(ev->start_mark),
		    "unknown YAML anchor '%s'", name);
		return -1;
	}
	return pl_yaml_attach(ld, n);
}

static int
pl_yaml_event(struct pl_loader *ld, yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++ld->ndocs > 1) {
			pl_errors_add(ld->errs, pl_yaml_mark(ev->start_mark),
			    "multiple YAML documents in one file are not "
			    "supported");
			return -1;
		}
		return 0;
	case YAML_SCALAR_EVENT:
		return pl_yaml_scalar(ld, ev);
	case YAML_SEQUENCE_START_EVENT:
		return pl_yaml_open(ld, ev, LH_PL_NODE_SEQ);
	case YAML_MAPPING_START_EVENT:
		return pl_yaml_open(ld, ev, LH_PL_NODE_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return pl_yaml_close(ld);
	case YAML_ALIAS_EVENT:
		return pl_yaml_alias(ld, ev);
	default:
		return 0;
	}
}

static void
pl_yaml_syntax_error(struct pl_loader *ld, yaml_parser_t *p)
{
	struct lh_pl_mark m = pl_yaml_mark(p->problem_mark);

	if (p->error == YAML_MEMORY_ERROR) {
		pl_errors_add(ld->errs, m, "out of memory reading YAML");
		return;
	}
	if (p->context != NULL)
		pl_errors_add(ld->errs, m, "YAML syntax error: %s %s (started "
		    "at line %zu, column %zu)",
		    p->problem != NULL ? p->problem : "invalid input",
		    p->context, p->context_mark.line + 1,
		    p->context_mark.column + 1);
	else
		pl_errors_add(ld->errs, m, "YAML syntax error: %s",
		    p->problem != NULL ? p->problem : "invalid input");
}

int
pl_yaml_load(struct lh_pl_doc *doc, const char *buf, size_t len,
    struct lh_pl_errors *errs)
{
	struct pl_loader ld;
	yaml_parser_t parser;
	yaml_event_t ev;
	struct lh_pl_mark top = { 1, 1 };
	int done = 0, rc = 0;
	size_t i;

	memset(doc, 0, sizeof(*doc));
	doc->buf = buf;
	doc->len = len;
	if (len > LH_PL_MAX_FILE_SIZE) {
		pl_errors_add(errs, top, "file too large (%zu bytes, limit %d)",
		    len, LH_PL_MAX_FILE_SIZE);
		return -1;
	}
	if (memchr(buf, '\0', len) != NULL) {
		pl_errors_add(errs, top, "file contains a NUL byte");
		return -1;
	}
	memset(&ld, 0, sizeof(ld));
	ld.doc = doc;
	ld.errs = errs;
	if (yaml_parser_initialize(&parser) == 0)
		return -1;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done) {
		if (yaml_parser_parse(&parser, &ev) == 0) {
			pl_yaml_syntax_error(&ld, &parser);
			rc = -1;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		if (pl_yaml_event(&ld, &ev) == -1) {
			if (errs->n == 0)
				pl_errors_add(errs, top, "out of memory");
			rc = -1;
			done = 1;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	for (i = 0; i < ld.nanchors; i++)
		free(ld.anchors[i].name);
	free(ld.anchors);
	for (i = 0; i <= LH_PL_MAX_DEPTH; i++)
		free(ld.stack_anchor[i]);
	if (rc == 0 && doc->root == NULL) {
		pl_errors_add(errs, top, "empty file: expected a pipeline map");
		rc = -1;
	}
	/* duplicate or non-scalar keys were reported but are not fatal: the
	 * caller goes on and reports every other error too */
	return rc;
}

void
pl_yaml_free(struct lh_pl_doc *doc)
{
	struct lh_pl_node *n, *next;

	for (n = doc->all; n != NULL; n = next) {
		next = n->all_next;
		free(n->value);
		free(n->items);
		free(n);
	}
	doc->all = NULL;
	doc->root = NULL;
}

size_t
pl_yaml_map_len(const struct lh_pl_node *map)
{
	return map->nitems / 2;
}

const char *
pl_yaml_type_name(const struct lh_pl_node *n)
{
	if (n->kind == LH_PL_NODE_MAP)
		return "a map";
	if (n->kind == LH_PL_NODE_SEQ)
		return "a list";
	switch (n->type) {
	case LH_PL_SCALAR_NULL:
		return "null";
	case LH_PL_SCALAR_BOOL:
		return "a boolean";
	case LH_PL_SCALAR_INT:
		return "an integer";
	case LH_PL_SCALAR_FLOAT:
		return "a number";
	default:
		return "a string";
	}
}

/* Offset of the start of 1-based line in buf, or len. */
static size_t
pl_yaml_line_start(const struct lh_pl_doc *doc, unsigned line)
{
	size_t i = 0;
	unsigned l = 1;

	while (l < line && i < doc->len) {
		if (doc->buf[i] == '\n')
			l++;
		i++;
	}
	return i;
}

struct lh_pl_mark
pl_yaml_scalar_mark(const struct lh_pl_doc *doc, const struct lh_pl_node *n,
    size_t off)
{
	struct lh_pl_mark m = n->mark;
	size_t i, nl = 0, col = 0, p;
	unsigned indent = 0;

	if (off > n->len)
		off = n->len;
	for (i = 0; i < off; i++) {
		if (n->value[i] == '\n') {
			nl++;
			col = 0;
		} else
			col++;
	}
	if (n->style == LH_PL_STYLE_BLOCK) {
		/* content starts on the line after the | or > indicator */
		p = pl_yaml_line_start(doc, m.line + 1);
		while (p < doc->len && doc->buf[p] == ' ') {
			indent++;
			p++;
		}
		m.line += 1 + (unsigned)nl;
		m.col = indent + (unsigned)col + 1;
		return m;
	}
	if (nl == 0) {
		m.col += (unsigned)off + (n->style == LH_PL_STYLE_QUOTED);
		return m;
	}
	m.line += (unsigned)nl;
	m.col = (unsigned)col + 1;
	return m;
}
