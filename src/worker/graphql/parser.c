/*
 * parser.c: recursive-descent parser for GraphQL documents: operations,
 * fragments and the whole type-system language (SDL and extensions).
 * Runs in the workers and in the CLI.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"

struct parser {
	struct lh_gql_lexer	 lx;
	struct lh_gql_arena	*a;
	int			 depth;
};

#define NEW(p, T)	((T *)gql_alloc((p)->a, sizeof(T)))

static int	parse_value(struct parser *, int, struct lh_gql_value **);
static int	parse_selset(struct parser *, struct lh_gql_sel **);
static int	parse_type(struct parser *, struct lh_gql_tref **);

static const char *
tok_desc(struct parser *p, char *buf, size_t len)
{
	struct lh_gql_lexer	*lx = &p->lx;

	switch (lx->tok) {
	case LH_GQL_TK_EOF:
		return "<EOF>";
	case LH_GQL_TK_PUNCT:
		snprintf(buf, len, "\"%s\"", lx->punct == '.' ? "..." :
		    (char[]){ lx->punct, 0 });
		return buf;
	case LH_GQL_TK_NAME:
		snprintf(buf, len, "Name \"%.60s\"", lx->text);
		return buf;
	case LH_GQL_TK_INT:
		snprintf(buf, len, "Int \"%.60s\"", lx->text);
		return buf;
	case LH_GQL_TK_FLOAT:
		snprintf(buf, len, "Float \"%.60s\"", lx->text);
		return buf;
	case LH_GQL_TK_STRING:
		return "String";
	case LH_GQL_TK_BLOCK:
		return "BlockString";
	}
	return "token";
}

static int
perr(struct parser *p, const char *expected)
{
	char	buf[96];

	if (p->lx.err[0] != '\0')
		return -1;
	if (expected != NULL)
		snprintf(p->lx.err, sizeof(p->lx.err),
		    "Syntax Error: Expected %s, found %s.", expected,
		    tok_desc(p, buf, sizeof(buf)));
	else
		snprintf(p->lx.err, sizeof(p->lx.err),
		    "Syntax Error: Unexpected %s.", tok_desc(p, buf,
		    sizeof(buf)));
	p->lx.err_loc = p->lx.loc;
	return -1;
}

static int
nomem(struct parser *p)
{
	if (p->lx.err[0] == '\0') {
		snprintf(p->lx.err, sizeof(p->lx.err), "out of memory");
		p->lx.err_loc = p->lx.loc;
	}
	return -1;
}

static int
advance(struct parser *p)
{
	return gql_lex_next(&p->lx);
}

static int
is_p(struct parser *p, char c)
{
	return p->lx.tok == LH_GQL_TK_PUNCT && p->lx.punct == c;
}

static int
is_kw(struct parser *p, const char *kw)
{
	return p->lx.tok == LH_GQL_TK_NAME && strcmp(p->lx.text, kw) == 0;
}

static int
expect_p(struct parser *p, char c)
{
	char	want[8];

	if (!is_p(p, c)) {
		snprintf(want, sizeof(want), "\"%s\"", c == '.' ? "..." :
		    (char[]){ c, 0 });
		return perr(p, want);
	}
	return advance(p);
}

/* Skips the punctuator when present; 1 if skipped, 0 if not, -1 error. */
static int
skip_p(struct parser *p, char c)
{
	if (!is_p(p, c))
		return 0;
	return advance(p) == -1 ? -1 : 1;
}

static int
expect_kw(struct parser *p, const char *kw)
{
	char	want[64];

	if (!is_kw(p, kw)) {
		snprintf(want, sizeof(want), "\"%s\"", kw);
		return perr(p, want);
	}
	return advance(p);
}

static int
parse_name(struct parser *p, const char **name, struct lh_gql_loc *loc)
{
	if (p->lx.tok != LH_GQL_TK_NAME)
		return perr(p, "Name");
	*name = p->lx.text;
	if (loc != NULL)
		*loc = p->lx.loc;
	return advance(p);
}

static int
enter(struct parser *p)
{
	if (++p->depth > LH_GQL_MAX_NESTING) {
		if (p->lx.err[0] == '\0') {
			snprintf(p->lx.err, sizeof(p->lx.err),
			    "Syntax Error: Document nested too deeply.");
			p->lx.err_loc = p->lx.loc;
		}
		return -1;
	}
	return 0;
}

static int
parse_object_value(struct parser *p, int cnst, struct lh_gql_value *v)
{
	struct lh_gql_arg	**tail = &v->fields, *f;

	if (advance(p) == -1)
		return -1;
	while (!is_p(p, '}')) {
		if ((f = NEW(p, struct lh_gql_arg)) == NULL)
			return nomem(p);
		if (parse_name(p, &f->name, &f->loc) == -1 ||
		    expect_p(p, ':') == -1 ||
		    parse_value(p, cnst, &f->value) == -1)
			return -1;
		*tail = f;
		tail = &f->next;
	}
	return advance(p);
}

static int
parse_value(struct parser *p, int cnst, struct lh_gql_value **out)
{
	struct lh_gql_lexer	*lx = &p->lx;
	struct lh_gql_value	*v, **tail;
	int			 rc = 0;

	if (enter(p) == -1)
		return -1;
	if ((v = NEW(p, struct lh_gql_value)) == NULL)
		return nomem(p);
	v->loc = lx->loc;
	*out = v;
	switch (lx->tok) {
	case LH_GQL_TK_PUNCT:
		if (lx->punct == '[') {
			v->kind = LH_GQL_V_LIST;
			tail = &v->items;
			if ((rc = advance(p)) == -1)
				break;
			while (!is_p(p, ']')) {
				if ((rc = parse_value(p, cnst, tail)) == -1)
					break;
				tail = &(*tail)->next;
			}
			if (rc == 0)
				rc = advance(p);
		} else if (lx->punct == '{') {
			v->kind = LH_GQL_V_OBJECT;
			rc = parse_object_value(p, cnst, v);
		} else if (lx->punct == '$' && !cnst) {
			v->kind = LH_GQL_V_VAR;
			if ((rc = advance(p)) == 0)
				rc = parse_name(p, &v->s, NULL);
		} else
			rc = perr(p, NULL);
		break;
	case LH_GQL_TK_INT:
	case LH_GQL_TK_FLOAT:
		v->kind = lx->tok == LH_GQL_TK_INT ? LH_GQL_V_INT :
		    LH_GQL_V_FLOAT;
		v->s = lx->text;
		v->slen = lx->tlen;
		rc = advance(p);
		break;
	case LH_GQL_TK_STRING:
	case LH_GQL_TK_BLOCK:
		v->kind = LH_GQL_V_STRING;
		v->block = lx->tok == LH_GQL_TK_BLOCK;
		v->s = lx->text;
		v->slen = lx->tlen;
		rc = advance(p);
		break;
	case LH_GQL_TK_NAME:
		if (strcmp(lx->text, "true") == 0 ||
		    strcmp(lx->text, "false") == 0) {
			v->kind = LH_GQL_V_BOOL;
			v->b = lx->text[0] == 't';
		} else if (strcmp(lx->text, "null") == 0)
			v->kind = LH_GQL_V_NULL;
		else {
			v->kind = LH_GQL_V_ENUM;
			v->s = lx->text;
		}
		rc = advance(p);
		break;
	default:
		rc = perr(p, NULL);
	}
	p->depth--;
	return rc;
}

static int
parse_args(struct parser *p, int cnst, struct lh_gql_arg **out)
{
	struct lh_gql_arg	**tail = out, *a;

	if (!is_p(p, '('))
		return 0;
	if (advance(p) == -1)
		return -1;
	do {
		if ((a = NEW(p, struct lh_gql_arg)) == NULL)
			return nomem(p);
		if (parse_name(p, &a->name, &a->loc) == -1 ||
		    expect_p(p, ':') == -1 ||
		    parse_value(p, cnst, &a->value) == -1)
			return -1;
		*tail = a;
		tail = &a->next;
	} while (!is_p(p, ')'));
	return advance(p);
}

static int
parse_dirs(struct parser *p, int cnst, struct lh_gql_dir **out)
{
	struct lh_gql_dir	**tail = out, *d;

	while (is_p(p, '@')) {
		if ((d = NEW(p, struct lh_gql_dir)) == NULL)
			return nomem(p);
		d->loc = p->lx.loc;
		if (advance(p) == -1 || parse_name(p, &d->name, NULL) == -1 ||
		    parse_args(p, cnst, &d->args) == -1)
			return -1;
		*tail = d;
		tail = &d->next;
	}
	return 0;
}

static int
parse_type(struct parser *p, struct lh_gql_tref **out)
{
	struct lh_gql_tref	*t, *nn;

	if (enter(p) == -1)
		return -1;
	if ((t = NEW(p, struct lh_gql_tref)) == NULL)
		return nomem(p);
	t->loc = p->lx.loc;
	if (is_p(p, '[')) {
		t->kind = LH_GQL_T_LIST;
		if (advance(p) == -1 || parse_type(p, &t->of) == -1 ||
		    expect_p(p, ']') == -1)
			return -1;
	} else {
		t->kind = LH_GQL_T_NAMED;
		if (parse_name(p, &t->name, NULL) == -1)
			return -1;
	}
	if (is_p(p, '!')) {
		if ((nn = NEW(p, struct lh_gql_tref)) == NULL)
			return nomem(p);
		nn->kind = LH_GQL_T_NONNULL;
		nn->loc = t->loc;
		nn->of = t;
		t = nn;
		if (advance(p) == -1)
			return -1;
	}
	*out = t;
	p->depth--;
	return 0;
}

static int
parse_selection(struct parser *p, struct lh_gql_sel **out)
{
	struct lh_gql_sel	*s;
	const char		*name;
	struct lh_gql_loc	 loc;

	if ((s = NEW(p, struct lh_gql_sel)) == NULL)
		return nomem(p);
	s->loc = p->lx.loc;
	*out = s;
	if (is_p(p, '.')) {
		if (advance(p) == -1)
			return -1;
		if (p->lx.tok == LH_GQL_TK_NAME && !is_kw(p, "on")) {
			s->kind = LH_GQL_SEL_SPREAD;
			if (parse_name(p, &s->name, &s->name_loc) == -1 ||
			    parse_dirs(p, 0, &s->dirs) == -1)
				return -1;
			return 0;
		}
		s->kind = LH_GQL_SEL_INLINE;
		if (is_kw(p, "on")) {
			if (advance(p) == -1 ||
			    parse_name(p, &s->type_cond, &s->tc_loc) == -1)
				return -1;
		}
		if (parse_dirs(p, 0, &s->dirs) == -1)
			return -1;
		s->has_selset = 1;
		s->selset_loc = p->lx.loc;
		return parse_selset(p, &s->selset);
	}
	s->kind = LH_GQL_SEL_FIELD;
	if (parse_name(p, &name, &loc) == -1)
		return -1;
	s->name_loc = loc;
	if (is_p(p, ':')) {
		s->alias = name;
		if (advance(p) == -1 || parse_name(p, &s->name, NULL) == -1)
			return -1;
	} else
		s->name = name;
	if (parse_args(p, 0, &s->args) == -1 ||
	    parse_dirs(p, 0, &s->dirs) == -1)
		return -1;
	if (is_p(p, '{')) {
		s->has_selset = 1;
		s->selset_loc = p->lx.loc;
		return parse_selset(p, &s->selset);
	}
	return 0;
}

static int
parse_selset(struct parser *p, struct lh_gql_sel **out)
{
	struct lh_gql_sel	**tail = out;

	if (enter(p) == -1 || expect_p(p, '{') == -1)
		return -1;
	do {
		if (parse_selection(p, tail) == -1)
			return -1;
		tail = &(*tail)->next;
	} while (!is_p(p, '}'));
	p->depth--;
	return advance(p);
}

static int
parse_vardefs(struct parser *p, struct lh_gql_vardef **out)
{
	struct lh_gql_vardef	**tail = out, *v;

	if (!is_p(p, '('))
		return 0;
	if (advance(p) == -1)
		return -1;
	do {
		if ((v = NEW(p, struct lh_gql_vardef)) == NULL)
			return nomem(p);
		v->loc = p->lx.loc;
		if (expect_p(p, '$') == -1 ||
		    parse_name(p, &v->name, &v->name_loc) == -1 ||
		    expect_p(p, ':') == -1 || parse_type(p, &v->type) == -1)
			return -1;
		if (is_p(p, '=') && (advance(p) == -1 ||
		    parse_value(p, 1, &v->defval) == -1))
			return -1;
		if (parse_dirs(p, 1, &v->dirs) == -1)
			return -1;
		*tail = v;
		tail = &v->next;
	} while (!is_p(p, ')'));
	return advance(p);
}

static int
parse_operation(struct parser *p, struct lh_gql_def *d)
{
	d->kind = LH_GQL_D_OPERATION;
	if (is_p(p, '{')) {
		d->op = LH_GQL_OP_QUERY;
		d->shorthand = 1;
		return parse_selset(p, &d->selset);
	}
	if (is_kw(p, "query"))
		d->op = LH_GQL_OP_QUERY;
	else if (is_kw(p, "mutation"))
		d->op = LH_GQL_OP_MUTATION;
	else
		d->op = LH_GQL_OP_SUBSCRIPTION;
	if (advance(p) == -1)
		return -1;
	if (p->lx.tok == LH_GQL_TK_NAME &&
	    parse_name(p, &d->name, &d->name_loc) == -1)
		return -1;
	if (parse_vardefs(p, &d->vardefs) == -1 ||
	    parse_dirs(p, 0, &d->dirs) == -1)
		return -1;
	return parse_selset(p, &d->selset);
}

static int
parse_fragment(struct parser *p, struct lh_gql_def *d)
{
	d->kind = LH_GQL_D_FRAGMENT;
	if (advance(p) == -1)
		return -1;
	if (is_kw(p, "on"))
		return perr(p, NULL);
	if (parse_name(p, &d->name, &d->name_loc) == -1 ||
	    expect_kw(p, "on") == -1 ||
	    parse_name(p, &d->type_cond, &d->tc_loc) == -1 ||
	    parse_dirs(p, 0, &d->dirs) == -1)
		return -1;
	return parse_selset(p, &d->selset);
}

/* Optional description string; NULL when none. */
static int
parse_desc(struct parser *p, const char **desc)
{
	*desc = NULL;
	if (p->lx.tok == LH_GQL_TK_STRING || p->lx.tok == LH_GQL_TK_BLOCK) {
		*desc = p->lx.text;
		return advance(p);
	}
	return 0;
}

static int
parse_ivdef(struct parser *p, struct lh_gql_ivdef **out)
{
	struct lh_gql_ivdef	*v;

	if ((v = NEW(p, struct lh_gql_ivdef)) == NULL)
		return nomem(p);
	*out = v;
	if (parse_desc(p, &v->desc) == -1 ||
	    parse_name(p, &v->name, &v->loc) == -1 ||
	    expect_p(p, ':') == -1 || parse_type(p, &v->type) == -1)
		return -1;
	if (is_p(p, '=') && (advance(p) == -1 ||
	    parse_value(p, 1, &v->defval) == -1))
		return -1;
	return parse_dirs(p, 1, &v->dirs);
}

/* `( ivdef+ )` or `{ ivdef+ }` per the closing character. */
static int
parse_ivdefs(struct parser *p, char open, char close,
    struct lh_gql_ivdef **out)
{
	struct lh_gql_ivdef	**tail = out;

	if (!is_p(p, open))
		return 0;
	if (advance(p) == -1)
		return -1;
	do {
		if (parse_ivdef(p, tail) == -1)
			return -1;
		tail = &(*tail)->next;
	} while (!is_p(p, close));
	return advance(p);
}

static int
parse_fields(struct parser *p, struct lh_gql_def *d)
{
	struct lh_gql_fdef	**tail = &d->fields, *f;

	if (!is_p(p, '{'))
		return 0;
	d->has_body = 1;
	if (advance(p) == -1)
		return -1;
	do {
		if ((f = NEW(p, struct lh_gql_fdef)) == NULL)
			return nomem(p);
		if (parse_desc(p, &f->desc) == -1 ||
		    parse_name(p, &f->name, &f->loc) == -1 ||
		    parse_ivdefs(p, '(', ')', &f->args) == -1 ||
		    expect_p(p, ':') == -1 || parse_type(p, &f->type) == -1 ||
		    parse_dirs(p, 1, &f->dirs) == -1)
			return -1;
		*tail = f;
		tail = &f->next;
	} while (!is_p(p, '}'));
	return advance(p);
}

static int
parse_implements(struct parser *p, struct lh_gql_def *d)
{
	struct lh_gql_name	**tail = &d->ifaces, *n;

	if (!is_kw(p, "implements"))
		return 0;
	if (advance(p) == -1 || skip_p(p, '&') == -1)
		return -1;
	do {
		if ((n = NEW(p, struct lh_gql_name)) == NULL)
			return nomem(p);
		if (parse_name(p, &n->name, &n->loc) == -1)
			return -1;
		*tail = n;
		tail = &n->next;
	} while (skip_p(p, '&') == 1);
	return p->lx.err[0] != '\0' ? -1 : 0;
}

/* Names separated by '|' (union members, directive locations). */
static int
parse_bar_names(struct parser *p, struct lh_gql_name **out)
{
	struct lh_gql_name	**tail = out, *n;
	int			 r;

	if (skip_p(p, '|') == -1)
		return -1;
	do {
		if ((n = NEW(p, struct lh_gql_name)) == NULL)
			return nomem(p);
		if (parse_name(p, &n->name, &n->loc) == -1)
			return -1;
		*tail = n;
		tail = &n->next;
	} while ((r = skip_p(p, '|')) == 1);
	return r;
}

static int
parse_enum_values(struct parser *p, struct lh_gql_def *d)
{
	struct lh_gql_evdef	**tail = &d->values, *e;

	if (!is_p(p, '{'))
		return 0;
	d->has_body = 1;
	if (advance(p) == -1)
		return -1;
	do {
		if ((e = NEW(p, struct lh_gql_evdef)) == NULL)
			return nomem(p);
		if (parse_desc(p, &e->desc) == -1)
			return -1;
		if (is_kw(p, "true") || is_kw(p, "false") || is_kw(p, "null"))
			return perr(p, NULL);
		if (parse_name(p, &e->name, &e->loc) == -1 ||
		    parse_dirs(p, 1, &e->dirs) == -1)
			return -1;
		*tail = e;
		tail = &e->next;
	} while (!is_p(p, '}'));
	return advance(p);
}

static int
parse_schema_def(struct parser *p, struct lh_gql_def *d)
{
	struct lh_gql_optdef	**tail = &d->optypes, *o;

	d->kind = LH_GQL_D_SCHEMA;
	if (parse_dirs(p, 1, &d->dirs) == -1)
		return -1;
	if (!is_p(p, '{')) {
		if (d->extend)
			return 0;
		return perr(p, "\"{\"");
	}
	d->has_body = 1;
	if (advance(p) == -1)
		return -1;
	do {
		if ((o = NEW(p, struct lh_gql_optdef)) == NULL)
			return nomem(p);
		o->loc = p->lx.loc;
		if (is_kw(p, "query"))
			o->op = LH_GQL_OP_QUERY;
		else if (is_kw(p, "mutation"))
			o->op = LH_GQL_OP_MUTATION;
		else if (is_kw(p, "subscription"))
			o->op = LH_GQL_OP_SUBSCRIPTION;
		else
			return perr(p, NULL);
		if (advance(p) == -1 || expect_p(p, ':') == -1 ||
		    parse_name(p, &o->type, &o->type_loc) == -1)
			return -1;
		*tail = o;
		tail = &o->next;
	} while (!is_p(p, '}'));
	return advance(p);
}

static int
parse_directive_def(struct parser *p, struct lh_gql_def *d)
{
	d->kind = LH_GQL_D_DIRECTIVE;
	if (expect_p(p, '@') == -1 ||
	    parse_name(p, &d->name, &d->name_loc) == -1 ||
	    parse_ivdefs(p, '(', ')', &d->ivdefs) == -1)
		return -1;
	if (is_kw(p, "repeatable")) {
		d->repeatable = 1;
		if (advance(p) == -1)
			return -1;
	}
	if (expect_kw(p, "on") == -1)
		return -1;
	if (parse_bar_names(p, &d->locations) == -1)
		return -1;
	return 0;
}

static int
parse_type_def(struct parser *p, struct lh_gql_def *d, const char *kw)
{
	if (strcmp(kw, "schema") == 0)
		return parse_schema_def(p, d);
	if (strcmp(kw, "directive") == 0)
		return parse_directive_def(p, d);
	if (parse_name(p, &d->name, &d->name_loc) == -1)
		return -1;
	if (strcmp(kw, "scalar") == 0) {
		d->kind = LH_GQL_D_SCALAR;
		return parse_dirs(p, 1, &d->dirs);
	}
	if (strcmp(kw, "type") == 0 || strcmp(kw, "interface") == 0) {
		d->kind = kw[0] == 't' ? LH_GQL_D_OBJECT : LH_GQL_D_INTERFACE;
		if (parse_implements(p, d) == -1 ||
		    parse_dirs(p, 1, &d->dirs) == -1)
			return -1;
		return parse_fields(p, d);
	}
	if (strcmp(kw, "union") == 0) {
		d->kind = LH_GQL_D_UNION;
		if (parse_dirs(p, 1, &d->dirs) == -1)
			return -1;
		if (is_p(p, '=')) {
			d->has_body = 1;
			if (advance(p) == -1)
				return -1;
			return parse_bar_names(p, &d->ifaces);
		}
		return 0;
	}
	if (strcmp(kw, "enum") == 0) {
		d->kind = LH_GQL_D_ENUM;
		if (parse_dirs(p, 1, &d->dirs) == -1)
			return -1;
		return parse_enum_values(p, d);
	}
	d->kind = LH_GQL_D_INPUT;
	if (parse_dirs(p, 1, &d->dirs) == -1)
		return -1;
	if (is_p(p, '{'))
		d->has_body = 1;
	return parse_ivdefs(p, '{', '}', &d->ivdefs);
}

static int
is_type_kw(const char *s)
{
	static const char *const kws[] = { "schema", "scalar", "type",
	    "interface", "union", "enum", "input", "directive", NULL };
	int	i;

	for (i = 0; kws[i] != NULL; i++)
		if (strcmp(s, kws[i]) == 0)
			return 1;
	return 0;
}

/* An extension must add something. */
static int
check_extension(struct parser *p, struct lh_gql_def *d)
{
	if (d->dirs != NULL || d->ifaces != NULL || d->has_body)
		return 0;
	if (d->kind == LH_GQL_D_SCALAR && d->dirs != NULL)
		return 0;
	return perr(p, NULL);
}

static int
parse_definition(struct parser *p, struct lh_gql_def *d)
{
	const char	*kw;

	d->loc = p->lx.loc;
	if (is_p(p, '{'))
		return parse_operation(p, d);
	if (parse_desc(p, &d->desc) == -1)
		return -1;
	if (p->lx.tok != LH_GQL_TK_NAME)
		return perr(p, NULL);
	kw = p->lx.text;
	if (d->desc == NULL && (strcmp(kw, "query") == 0 ||
	    strcmp(kw, "mutation") == 0 || strcmp(kw, "subscription") == 0))
		return parse_operation(p, d);
	if (d->desc == NULL && strcmp(kw, "fragment") == 0)
		return parse_fragment(p, d);
	if (d->desc == NULL && strcmp(kw, "extend") == 0) {
		d->extend = 1;
		if (advance(p) == -1)
			return -1;
		if (p->lx.tok != LH_GQL_TK_NAME || !is_type_kw(p->lx.text) ||
		    strcmp(p->lx.text, "directive") == 0)
			return perr(p, NULL);
		kw = p->lx.text;
		if (advance(p) == -1 || parse_type_def(p, d, kw) == -1)
			return -1;
		return check_extension(p, d);
	}
	if (!is_type_kw(kw))
		return perr(p, NULL);
	if (advance(p) == -1)
		return -1;
	return parse_type_def(p, d, kw);
}

struct lh_gql_doc *
gql_parse(const char *src, size_t len, char *err, size_t errlen,
    struct lh_gql_loc *errloc)
{
	struct parser		 p;
	struct lh_gql_doc	*doc;
	struct lh_gql_arena	*a;
	struct lh_gql_def	**tail;

	if ((a = gql_arena_new()) == NULL ||
	    (doc = gql_alloc(a, sizeof(*doc))) == NULL) {
		gql_arena_free(a);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	doc->arena = a;
	memset(&p, 0, sizeof(p));
	p.a = a;
	gql_lex_init(&p.lx, a, src, len);
	tail = &doc->defs;
	if (advance(&p) == -1)
		goto fail;
	do {
		if ((*tail = NEW(&p, struct lh_gql_def)) == NULL) {
			nomem(&p);
			goto fail;
		}
		if (parse_definition(&p, *tail) == -1)
			goto fail;
		tail = &(*tail)->next;
	} while (p.lx.tok != LH_GQL_TK_EOF);
	return doc;
fail:
	if (p.lx.err[0] == '\0')
		perr(&p, NULL);
	snprintf(err, errlen, "%s", p.lx.err);
	if (errloc != NULL)
		*errloc = p.lx.err_loc;
	gql_arena_free(a);
	return NULL;
}

void
gql_doc_free(struct lh_gql_doc *doc)
{
	if (doc != NULL)
		gql_arena_free(doc->arena);
}
