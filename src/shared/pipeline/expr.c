/*
 * expr.c: lexer, recursive-descent parser and pure evaluator of pipeline
 * expressions (grammar in expr.h). No I/O, no globals: the inputs are passed
 * in. Runs in validators (workers, labhit validate) and runners.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/pipeline/expr.h"
#include "shared/pipeline/expr_int.h"

enum lh_tok {
	LH_T_END,
	LH_T_LPAREN,
	LH_T_RPAREN,
	LH_T_COMMA,
	LH_T_NOT,
	LH_T_AND,
	LH_T_OR,
	LH_T_EQ,
	LH_T_NE,
	LH_T_STRING,
	LH_T_NUMBER,
	LH_T_IDENT,
	LH_T_ERROR,
};

struct lh_expr_parser {
	const char	*src;
	size_t		 len;
	size_t		 pos;
	enum lh_tok	 tok;
	size_t		 tok_off;
	size_t		 tok_len;
	char		*tok_text;	/* decoded string literal */
	int		 depth;
	size_t		 err_off;
	char		*err;
	size_t		 errlen;
	int		 failed;
};

static const char *const lh_run_fields[LH_RUN_NFIELDS] = {
	"id", "sha", "sha_short", "ref", "branch", "repository", "trigger"
};

static struct lh_expr *pl_expr_or(struct lh_expr_parser *);

const char *
pl_expr_run_field_name(enum lh_expr_run_field f)
{
	if ((int)f < 0 || f >= LH_RUN_NFIELDS)
		return NULL;
	return lh_run_fields[f];
}

int
pl_expr_run_field(const char *name)
{
	int i;

	for (i = 0; i < LH_RUN_NFIELDS; i++)
		if (strcmp(name, lh_run_fields[i]) == 0)
			return i;
	return -1;
}

static void __attribute__((format(printf, 3, 4)))
pl_expr_fail(struct lh_expr_parser *p, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	p->err_off = off;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
}

static int
pl_expr_is_seg(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Reads a quoted literal: '...' with '' for a quote, "..." with \" \\. */
static int
pl_expr_lex_string(struct lh_expr_parser *p)
{
	char q = p->src[p->pos], *buf;
	size_t i = p->pos + 1, n = 0;

	if ((buf = malloc(p->len - p->pos + 1)) == NULL) {
		pl_expr_fail(p, p->pos, "out of memory");
		return -1;
	}
	for (;;) {
		if (i >= p->len) {
			free(buf);
			pl_expr_fail(p, p->pos, "unterminated string");
			return -1;
		}
		if (p->src[i] == q) {
			if (q == '\'' && i + 1 < p->len && p->src[i + 1] == '\'') {
				buf[n++] = '\'';
				i += 2;
				continue;
			}
			break;
		}
		if (q == '"' && p->src[i] == '\\' && i + 1 < p->len &&
		    (p->src[i + 1] == '"' || p->src[i + 1] == '\\')) {
			buf[n++] = p->src[i + 1];
			i += 2;
			continue;
		}
		buf[n++] = p->src[i++];
	}
	buf[n] = '\0';
	p->tok_text = buf;
	p->tok = LH_T_STRING;
	p->pos = i + 1;
	return 0;
}

static void
pl_expr_next(struct lh_expr_parser *p)
{
	const char *s = p->src;
	char c;

	free(p->tok_text);
	p->tok_text = NULL;
	while (p->pos < p->len && (s[p->pos] == ' ' || s[p->pos] == '\t' ||
	    s[p->pos] == '\n' || s[p->pos] == '\r'))
		p->pos++;
	p->tok_off = p->pos;
	if (p->pos >= p->len) {
		p->tok = LH_T_END;
		return;
	}
	c = s[p->pos];
	if (c == '\'' || c == '"') {
		if (pl_expr_lex_string(p) == -1)
			p->tok = LH_T_ERROR;
		p->tok_len = p->pos - p->tok_off;
		return;
	}
	if (c >= '0' && c <= '9') {
		while (p->pos < p->len && ((s[p->pos] >= '0' &&
		    s[p->pos] <= '9') || s[p->pos] == '.'))
			p->pos++;
		p->tok = LH_T_NUMBER;
		p->tok_len = p->pos - p->tok_off;
		return;
	}
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
		/* a dotted path; segments after the first may start with a
		 * digit or contain '-' (stage names, output keys) */
		while (p->pos < p->len && (pl_expr_is_seg(s[p->pos]) ||
		    (s[p->pos] == '.' && p->pos + 1 < p->len &&
		    pl_expr_is_seg(s[p->pos + 1]))))
			p->pos++;
		p->tok = LH_T_IDENT;
		p->tok_len = p->pos - p->tok_off;
		return;
	}
	p->tok_len = 2;
	if (p->pos + 1 < p->len) {
		char d = s[p->pos + 1];

		if (c == '&' && d == '&')
			p->tok = LH_T_AND;
		else if (c == '|' && d == '|')
			p->tok = LH_T_OR;
		else if (c == '=' && d == '=')
			p->tok = LH_T_EQ;
		else if (c == '!' && d == '=')
			p->tok = LH_T_NE;
		else
			p->tok_len = 0;
		if (p->tok_len == 2) {
			p->pos += 2;
			return;
		}
	}
	p->tok_len = 1;
	p->pos++;
	switch (c) {
	case '(':
		p->tok = LH_T_LPAREN;
		return;
	case ')':
		p->tok = LH_T_RPAREN;
		return;
	case ',':
		p->tok = LH_T_COMMA;
		return;
	case '!':
		p->tok = LH_T_NOT;
		return;
	default:
		p->tok = LH_T_ERROR;
		if (c == '=')
			pl_expr_fail(p, p->tok_off, "unexpected '=' (use '==' "
			    "to compare)");
		else if (c == '&' || c == '|')
			pl_expr_fail(p, p->tok_off, "unexpected '%c' (use "
			    "'%c%c')", c, c, c);
		else if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
			pl_expr_fail(p, p->tok_off, "unexpected character "
			    "'%c'", c);
		else
			pl_expr_fail(p, p->tok_off, "unexpected character "
			    "0x%02x", (unsigned char)c);
		return;
	}
}

static struct lh_expr *
pl_expr_node(struct lh_expr_parser *p, enum lh_expr_kind k, size_t off)
{
	struct lh_expr *e;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		pl_expr_fail(p, off, "out of memory");
		return NULL;
	}
	e->kind = k;
	e->off = off;
	return e;
}

void
pl_expr_free(struct lh_expr *e)
{
	size_t i;

	if (e == NULL)
		return;
	pl_expr_free(e->a);
	pl_expr_free(e->b);
	for (i = 0; i < e->nparts; i++)
		free(e->parts[i]);
	free(e->parts);
	free(e->str);
	free(e);
}

/* Splits a dotted path into parts and checks its shape. */
static int
pl_expr_split_ref(struct lh_expr_parser *p, struct lh_expr *e,
    const char *s, size_t len)
{
	size_t i, start = 0, n = 1;

	for (i = 0; i < len; i++)
		if (s[i] == '.')
			n++;
	if ((e->parts = calloc(n, sizeof(*e->parts))) == NULL) {
		pl_expr_fail(p, e->off, "out of memory");
		return -1;
	}
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if ((e->parts[e->nparts++] = strndup(s + start, i - start)) ==
		    NULL) {
			pl_expr_fail(p, e->off, "out of memory");
			return -1;
		}
		start = i + 1;
	}
	return 0;
}

static int
pl_expr_classify(struct lh_expr_parser *p, struct lh_expr *e)
{
	char *const *v = e->parts;
	size_t n = e->nparts;

	if (strcmp(v[0], "var") == 0 && n == 2) {
		e->ref = LH_REF_VAR;
		return 0;
	}
	if (strcmp(v[0], "run") == 0 && n == 2) {
		if (pl_expr_run_field(v[1]) == -1) {
			pl_expr_fail(p, e->off, "unknown field 'run.%s' (known: "
			    "id, sha, sha_short, ref, branch, repository, "
			    "trigger)", v[1]);
			return -1;
		}
		e->ref = LH_REF_RUN;
		return 0;
	}
	if (strcmp(v[0], "stage") == 0 && n == 4 &&
	    strcmp(v[2], "output") == 0) {
		e->ref = LH_REF_STAGE_OUTPUT;
		return 0;
	}
	if (strcmp(v[0], "stage") == 0 && n == 3 &&
	    strcmp(v[2], "status") == 0) {
		e->ref = LH_REF_STAGE_STATUS;
		return 0;
	}
	if (strcmp(v[0], "payload") == 0 && n >= 2) {
		e->ref = LH_REF_PAYLOAD;
		return 0;
	}
	if (strcmp(v[0], "var") == 0 || strcmp(v[0], "run") == 0)
		pl_expr_fail(p, e->off, "'%s' takes one name: %s.NAME", v[0],
		    v[0]);
	else if (strcmp(v[0], "stage") == 0)
		pl_expr_fail(p, e->off, "bad stage reference: use "
		    "stage.NAME.output.KEY or stage.NAME.status");
	else
		pl_expr_fail(p, e->off, "unknown name '%s' (expected var, run "
		    "or stage)", v[0]);
	return -1;
}

static struct lh_expr *
pl_expr_call(struct lh_expr_parser *p, const char *name, size_t off)
{
	struct lh_expr *e;

	if ((e = pl_expr_node(p, LH_E_CALL, off)) == NULL)
		return NULL;
	if (strcmp(name, "startsWith") == 0)
		e->func = LH_F_STARTSWITH;
	else if (strcmp(name, "endsWith") == 0)
		e->func = LH_F_ENDSWITH;
	else if (strcmp(name, "contains") == 0)
		e->func = LH_F_CONTAINS;
	else {
		pl_expr_fail(p, off, "unknown function '%s' (known: "
		    "startsWith, endsWith, contains)", name);
		free(e);
		return NULL;
	}
	pl_expr_next(p);	/* ( */
	if ((e->a = pl_expr_or(p)) == NULL)
		goto fail;
	if (p->tok != LH_T_COMMA) {
		pl_expr_fail(p, p->tok_off, "%s() takes two arguments", name);
		goto fail;
	}
	pl_expr_next(p);
	if ((e->b = pl_expr_or(p)) == NULL)
		goto fail;
	if (p->tok != LH_T_RPAREN) {
		pl_expr_fail(p, p->tok_off, "expected ')' after the arguments "
		    "of %s()", name);
		goto fail;
	}
	pl_expr_next(p);
	return e;
fail:
	pl_expr_free(e);
	return NULL;
}

static struct lh_expr *
pl_expr_ident(struct lh_expr_parser *p)
{
	struct lh_expr *e;
	size_t off = p->tok_off, len = p->tok_len;
	char *word;

	if ((word = strndup(p->src + off, len)) == NULL) {
		pl_expr_fail(p, off, "out of memory");
		return NULL;
	}
	pl_expr_next(p);
	if (p->tok == LH_T_LPAREN) {
		e = pl_expr_call(p, word, off);
		free(word);
		return e;
	}
	if (strcmp(word, "true") == 0 || strcmp(word, "false") == 0) {
		if ((e = pl_expr_node(p, LH_E_BOOL, off)) != NULL)
			e->boolean = word[0] == 't';
		free(word);
		return e;
	}
	if ((e = pl_expr_node(p, LH_E_REF, off)) == NULL ||
	    pl_expr_split_ref(p, e, word, len) == -1 ||
	    pl_expr_classify(p, e) == -1) {
		free(word);
		pl_expr_free(e);
		return NULL;
	}
	free(word);
	return e;
}

static struct lh_expr *
pl_expr_primary(struct lh_expr_parser *p)
{
	struct lh_expr *e;
	size_t off = p->tok_off;

	switch (p->tok) {
	case LH_T_LPAREN:
		if (++p->depth > LH_EXPR_MAX_DEPTH) {
			pl_expr_fail(p, off, "expression nested too deeply");
			return NULL;
		}
		pl_expr_next(p);
		if ((e = pl_expr_or(p)) == NULL)
			return NULL;
		if (p->tok != LH_T_RPAREN) {
			pl_expr_fail(p, p->tok_off, "expected ')' to close "
			    "the '(' at offset %zu", off);
			pl_expr_free(e);
			return NULL;
		}
		p->depth--;
		pl_expr_next(p);
		return e;
	case LH_T_STRING:
	case LH_T_NUMBER:
		if ((e = pl_expr_node(p, LH_E_STR, off)) == NULL)
			return NULL;
		e->str = p->tok == LH_T_STRING ? p->tok_text :
		    strndup(p->src + off, p->tok_len);
		p->tok_text = NULL;
		if (e->str == NULL) {
			pl_expr_fail(p, off, "out of memory");
			free(e);
			return NULL;
		}
		pl_expr_next(p);
		return e;
	case LH_T_IDENT:
		return pl_expr_ident(p);
	case LH_T_ERROR:
		return NULL;
	case LH_T_END:
		pl_expr_fail(p, off, "unexpected end of expression");
		return NULL;
	default:
		pl_expr_fail(p, off, "unexpected '%.*s'", (int)p->tok_len,
		    p->src + off);
		return NULL;
	}
}

static struct lh_expr *
pl_expr_binary(struct lh_expr_parser *p, enum lh_expr_kind k, size_t off,
    struct lh_expr *a, struct lh_expr *b)
{
	struct lh_expr *e;

	if (b == NULL || (e = pl_expr_node(p, k, off)) == NULL) {
		pl_expr_free(a);
		pl_expr_free(b);
		return NULL;
	}
	e->a = a;
	e->b = b;
	return e;
}

static struct lh_expr *
pl_expr_cmp(struct lh_expr_parser *p)
{
	struct lh_expr *a;
	enum lh_expr_kind k;
	size_t off;

	if ((a = pl_expr_primary(p)) == NULL)
		return NULL;
	if (p->tok != LH_T_EQ && p->tok != LH_T_NE)
		return a;
	k = p->tok == LH_T_EQ ? LH_E_EQ : LH_E_NE;
	off = p->tok_off;
	pl_expr_next(p);
	a = pl_expr_binary(p, k, off, a, pl_expr_primary(p));
	if (a != NULL && (p->tok == LH_T_EQ || p->tok == LH_T_NE)) {
		pl_expr_fail(p, p->tok_off, "comparisons cannot be chained; "
		    "use parentheses");
		pl_expr_free(a);
		return NULL;
	}
	return a;
}

static struct lh_expr *
pl_expr_not(struct lh_expr_parser *p)
{
	struct lh_expr *e, *n;
	size_t off = p->tok_off;

	if (p->tok != LH_T_NOT)
		return pl_expr_cmp(p);
	if (++p->depth > LH_EXPR_MAX_DEPTH) {
		pl_expr_fail(p, off, "expression nested too deeply");
		return NULL;
	}
	pl_expr_next(p);
	if ((e = pl_expr_not(p)) == NULL)
		return NULL;
	p->depth--;
	if ((n = pl_expr_node(p, LH_E_NOT, off)) == NULL) {
		pl_expr_free(e);
		return NULL;
	}
	n->a = e;
	return n;
}

static struct lh_expr *
pl_expr_and(struct lh_expr_parser *p)
{
	struct lh_expr *a;
	size_t off;

	if ((a = pl_expr_not(p)) == NULL)
		return NULL;
	while (p->tok == LH_T_AND) {
		off = p->tok_off;
		pl_expr_next(p);
		if ((a = pl_expr_binary(p, LH_E_AND, off, a,
		    pl_expr_not(p))) == NULL)
			return NULL;
	}
	return a;
}

static struct lh_expr *
pl_expr_or(struct lh_expr_parser *p)
{
	struct lh_expr *a;
	size_t off;

	if ((a = pl_expr_and(p)) == NULL)
		return NULL;
	while (p->tok == LH_T_OR) {
		off = p->tok_off;
		pl_expr_next(p);
		if ((a = pl_expr_binary(p, LH_E_OR, off, a,
		    pl_expr_and(p))) == NULL)
			return NULL;
	}
	return a;
}

struct lh_expr *
pl_expr_parse(const char *src, size_t len, size_t *err_off, char *err,
    size_t errlen)
{
	struct lh_expr_parser p;
	struct lh_expr *e = NULL;

	memset(&p, 0, sizeof(p));
	p.src = src;
	p.len = len;
	p.err = err;
	p.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	if (len > LH_EXPR_MAX_LEN)
		pl_expr_fail(&p, 0, "expression too long (limit %d bytes)",
		    LH_EXPR_MAX_LEN);
	else {
		pl_expr_next(&p);
		if (p.tok == LH_T_END)
			pl_expr_fail(&p, 0, "empty expression");
		else if ((e = pl_expr_or(&p)) != NULL && p.tok != LH_T_END)
			pl_expr_fail(&p, p.tok_off, "unexpected '%.*s' after "
			    "the expression", (int)p.tok_len, src + p.tok_off);
	}
	free(p.tok_text);
	if (p.failed) {
		pl_expr_free(e);
		*err_off = p.err_off;
		return NULL;
	}
	return e;
}

int
pl_expr_foreach_ref(const struct lh_expr *e, pl_expr_ref_cb cb, void *arg)
{
	if (e == NULL)
		return 0;
	if (e->kind == LH_E_REF)
		return cb(e->ref, (const char *const *)e->parts, e->nparts,
		    e->off, arg);
	if (pl_expr_foreach_ref(e->a, cb, arg) == -1)
		return -1;
	return pl_expr_foreach_ref(e->b, cb, arg);
}
