/*
 * expr_eval.c: the pure evaluator of pipeline expressions and ${{ }}
 * interpolation (text for env/with values, environment references for shell
 * scripts). Runs in runners (scheduler) and in validators (parsing only).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/pipeline/expr.h"
#include "shared/pipeline/expr_int.h"
#include "shared/errbuf.h"

struct pl_val {
	int	 is_bool;
	int	 b;
	char	*s;	/* owned text when !is_bool */
};

static int pl_eval(const struct lh_expr *, const struct lh_expr_inputs *,
    struct pl_val *, char *, size_t);

static int
pl_val_truth(const struct pl_val *v)
{
	if (v->is_bool)
		return v->b;
	return !(v->s[0] == '\0' || strcmp(v->s, "false") == 0 ||
	    strcmp(v->s, "0") == 0);
}

static const char *
pl_val_text(const struct pl_val *v)
{
	if (v->is_bool)
		return v->b ? "true" : "false";
	return v->s;
}

static int
pl_val_str(struct pl_val *v, const char *s, char *err, size_t errlen)
{
	v->is_bool = 0;
	if ((v->s = strdup(s)) == NULL)
		return errbuf_fmt(err, errlen, "out of memory");
	return 0;
}

static const struct lh_expr_stage_state *
pl_eval_stage(const struct lh_expr_inputs *in, const char *name)
{
	size_t i;

	for (i = 0; i < in->nstages; i++)
		if (strcmp(in->stages[i].name, name) == 0)
			return &in->stages[i];
	return NULL;
}

static int
pl_eval_ref(const struct lh_expr *e, const struct lh_expr_inputs *in,
    struct pl_val *v, char *err, size_t errlen)
{
	const struct lh_expr_stage_state *st;
	size_t i;
	int f;

	switch (e->ref) {
	case LH_REF_VAR:
		for (i = 0; i < in->nvars; i++)
			if (strcmp(in->vars[i].key, e->parts[1]) == 0)
				return pl_val_str(v, in->vars[i].value, err,
				    errlen);
		return errbuf_fmt(err, errlen, "variable var.%s is not set",
		    e->parts[1]);
	case LH_REF_RUN:
		f = pl_expr_run_field(e->parts[1]);
		if (f == -1 || in->run[f] == NULL)
			return errbuf_fmt(err, errlen, "run.%s is not set",
			    e->parts[1]);
		return pl_val_str(v, in->run[f], err, errlen);
	case LH_REF_STAGE_STATUS:
		if ((st = pl_eval_stage(in, e->parts[1])) == NULL ||
		    st->status == NULL)
			return errbuf_fmt(err, errlen, "stage.%s.status is "
			    "not available", e->parts[1]);
		return pl_val_str(v, st->status, err, errlen);
	case LH_REF_STAGE_OUTPUT:
		if ((st = pl_eval_stage(in, e->parts[1])) != NULL)
			for (i = 0; i < st->noutputs; i++)
				if (strcmp(st->outputs[i].key,
				    e->parts[3]) == 0)
					return pl_val_str(v,
					    st->outputs[i].value, err, errlen);
		return errbuf_fmt(err, errlen, "stage.%s.output.%s is not set "
		    "(the stage did not write '%s=' to $LABHIT_OUTPUT)",
		    e->parts[1], e->parts[3], e->parts[3]);
	default:
		return errbuf_fmt(err, errlen, "%s is only available in "
		    "webhook filters", e->parts[0]);
	}
}

static int
pl_eval_call(const struct lh_expr *e, const struct lh_expr_inputs *in,
    struct pl_val *v, char *err, size_t errlen)
{
	struct pl_val a = { 0, 0, NULL }, b = { 0, 0, NULL };
	const char *x, *y;
	size_t lx, ly;
	int rc = -1;

	if (pl_eval(e->a, in, &a, err, errlen) == -1 ||
	    pl_eval(e->b, in, &b, err, errlen) == -1)
		goto done;
	x = pl_val_text(&a);
	y = pl_val_text(&b);
	lx = strlen(x);
	ly = strlen(y);
	v->is_bool = 1;
	switch (e->func) {
	case LH_F_STARTSWITH:
		v->b = lx >= ly && memcmp(x, y, ly) == 0;
		break;
	case LH_F_ENDSWITH:
		v->b = lx >= ly && memcmp(x + lx - ly, y, ly) == 0;
		break;
	default:
		v->b = strstr(x, y) != NULL;
		break;
	}
	rc = 0;
done:
	free(a.s);
	free(b.s);
	return rc;
}

static int
pl_eval(const struct lh_expr *e, const struct lh_expr_inputs *in,
    struct pl_val *v, char *err, size_t errlen)
{
	struct pl_val a = { 0, 0, NULL }, b = { 0, 0, NULL };
	int rc = -1;

	memset(v, 0, sizeof(*v));
	switch (e->kind) {
	case LH_E_STR:
		return pl_val_str(v, e->str, err, errlen);
	case LH_E_BOOL:
		v->is_bool = 1;
		v->b = e->boolean;
		return 0;
	case LH_E_REF:
		return pl_eval_ref(e, in, v, err, errlen);
	case LH_E_CALL:
		return pl_eval_call(e, in, v, err, errlen);
	default:
		break;
	}
	if (pl_eval(e->a, in, &a, err, errlen) == -1)
		goto done;
	v->is_bool = 1;
	if (e->kind == LH_E_NOT) {
		v->b = !pl_val_truth(&a);
		rc = 0;
		goto done;
	}
	if ((e->kind == LH_E_AND && !pl_val_truth(&a)) ||
	    (e->kind == LH_E_OR && pl_val_truth(&a))) {
		v->b = e->kind == LH_E_OR;	/* short circuit */
		rc = 0;
		goto done;
	}
	if (pl_eval(e->b, in, &b, err, errlen) == -1)
		goto done;
	if (e->kind == LH_E_EQ || e->kind == LH_E_NE)
		v->b = (strcmp(pl_val_text(&a), pl_val_text(&b)) == 0) ==
		    (e->kind == LH_E_EQ);
	else
		v->b = pl_val_truth(&b);
	rc = 0;
done:
	free(a.s);
	free(b.s);
	return rc;
}

int
pl_expr_eval(const struct lh_expr *e, const struct lh_expr_inputs *in,
    char **out, int *truth, char *err, size_t errlen)
{
	struct pl_val v;

	if (pl_eval(e, in, &v, err, errlen) == -1) {
		free(v.s);
		return -1;
	}
	if (truth != NULL)
		*truth = pl_val_truth(&v);
	if (out != NULL) {
		*out = v.is_bool ? strdup(pl_val_text(&v)) : v.s;
		if (*out == NULL)
			return errbuf_fmt(err, errlen, "out of memory");
		if (!v.is_bool)
			return 0;
	}
	free(v.s);
	return 0;
}

/* ---- interpolation ---- */

/* Finds the "}}" closing an expression that starts at s[i], skipping
 * quoted literals; returns its offset or len when missing. */
static size_t
pl_interp_close(const char *s, size_t len, size_t i)
{
	char q;

	while (i < len) {
		if (s[i] == '\'' || s[i] == '"') {
			q = s[i++];
			while (i < len && s[i] != q) {
				if (q == '"' && s[i] == '\\' && i + 1 < len)
					i++;
				i++;
			}
			i++;
			continue;
		}
		if (s[i] == '}' && i + 1 < len && s[i + 1] == '}')
			return i;
		i++;
	}
	return len;
}

static int
pl_interp_add(struct lh_interp *ip, int is_expr, const char *s, size_t len,
    size_t off)
{
	struct lh_interp_part *v, *p;

	v = realloc(ip->parts, (ip->nparts + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	ip->parts = v;
	p = &v[ip->nparts];
	memset(p, 0, sizeof(*p));
	if ((p->text = strndup(s, len)) == NULL)
		return -1;
	p->is_expr = is_expr;
	p->off = off;
	ip->nparts++;
	if (is_expr)
		ip->nexprs++;
	return 0;
}

int
pl_interp_parse(const char *s, size_t len, struct lh_interp **out,
    size_t *err_off, char *err, size_t errlen)
{
	struct lh_interp *ip;
	struct lh_interp_part *p;
	size_t i = 0, start, end, eoff;
	const char *hit;

	*out = NULL;
	if ((hit = memmem(s, len, "${{", 3)) == NULL)
		return 0;
	if ((ip = calloc(1, sizeof(*ip))) == NULL)
		goto oom;
	while (i < len) {
		hit = memmem(s + i, len - i, "${{", 3);
		start = hit == NULL ? len : (size_t)(hit - s);
		if (start > i && pl_interp_add(ip, 0, s + i, start - i, i) ==
		    -1)
			goto oom;
		if (hit == NULL)
			break;
		end = pl_interp_close(s, len, start + 3);
		if (end >= len) {
			*err_off = start;
			snprintf(err, errlen, "unterminated '${{': expected "
			    "'}}'");
			pl_interp_free(ip);
			return -1;
		}
		if (pl_interp_add(ip, 1, s + start + 3, end - start - 3,
		    start) == -1)
			goto oom;
		p = &ip->parts[ip->nparts - 1];
		if ((p->expr = pl_expr_parse(p->text, strlen(p->text), &eoff,
		    err, errlen)) == NULL) {
			*err_off = start + 3 + eoff;
			pl_interp_free(ip);
			return -1;
		}
		i = end + 2;
	}
	*out = ip;
	return 0;
oom:
	pl_interp_free(ip);
	*err_off = 0;
	snprintf(err, errlen, "out of memory");
	return -1;
}

void
pl_interp_free(struct lh_interp *ip)
{
	size_t i;

	if (ip == NULL)
		return;
	for (i = 0; i < ip->nparts; i++) {
		free(ip->parts[i].text);
		pl_expr_free(ip->parts[i].expr);
	}
	free(ip->parts);
	free(ip);
}

struct pl_shift {
	pl_expr_ref_cb	 cb;
	void		*arg;
	size_t		 base;
};

static int
pl_interp_shift(enum lh_expr_ref_kind kind, const char *const *parts,
    size_t nparts, size_t off, void *arg)
{
	struct pl_shift *sh = arg;

	return sh->cb(kind, parts, nparts, sh->base + off, sh->arg);
}

int
pl_interp_foreach_ref(const struct lh_interp *ip, pl_expr_ref_cb cb,
    void *arg)
{
	struct pl_shift sh;
	size_t i;

	if (ip == NULL)
		return 0;
	sh.cb = cb;
	sh.arg = arg;
	for (i = 0; i < ip->nparts; i++) {
		if (!ip->parts[i].is_expr)
			continue;
		sh.base = ip->parts[i].off + 3;
		if (pl_expr_foreach_ref(ip->parts[i].expr, pl_interp_shift,
		    &sh) == -1)
			return -1;
	}
	return 0;
}

/* Builds the result in a growing buffer. */
struct pl_buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

static int
pl_buf_add(struct pl_buf *b, const char *s, size_t len)
{
	char *v;
	size_t cap;

	if (b->len + len + 1 > b->cap) {
		cap = b->cap == 0 ? 128 : b->cap;
		while (cap < b->len + len + 1)
			cap *= 2;
		if ((v = realloc(b->s, cap)) == NULL)
			return -1;
		b->s = v;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
	return 0;
}

static int
pl_interp_build(const struct lh_interp *ip, const char *s,
    const struct lh_expr_inputs *in, char **out, struct lh_pl_kvlist *env,
    char *err, size_t errlen)
{
	struct pl_buf b = { NULL, 0, 0 };
	char *val, name[32], ref[40];
	size_t i, n = 0;

	if (ip == NULL) {
		if (pl_buf_add(&b, s, strlen(s)) == -1)
			goto oom;
		*out = b.s;
		return 0;
	}
	if (pl_buf_add(&b, "", 0) == -1)
		goto oom;
	for (i = 0; i < ip->nparts; i++) {
		if (!ip->parts[i].is_expr) {
			if (pl_buf_add(&b, ip->parts[i].text,
			    strlen(ip->parts[i].text)) == -1)
				goto oom;
			continue;
		}
		if (pl_expr_eval(ip->parts[i].expr, in, &val, NULL, err,
		    errlen) == -1) {
			free(b.s);
			return -1;
		}
		if (env == NULL) {
			if (pl_buf_add(&b, val, strlen(val)) == -1) {
				free(val);
				goto oom;
			}
			free(val);
			continue;
		}
		n++;
		snprintf(name, sizeof(name), "LABHIT_EXPR_%zu", n);
		snprintf(ref, sizeof(ref), "${%s}", name);
		if (pl_kvlist_add(env, name, val) == -1 ||
		    pl_buf_add(&b, ref, strlen(ref)) == -1) {
			free(val);
			goto oom;
		}
		free(val);
	}
	*out = b.s;
	return 0;
oom:
	free(b.s);
	return errbuf_fmt(err, errlen, "out of memory");
}

int
pl_interp_render(const struct lh_interp *ip, const char *s,
    const struct lh_expr_inputs *in, char **out, char *err, size_t errlen)
{
	return pl_interp_build(ip, s, in, out, NULL, err, errlen);
}

int
pl_interp_script(const struct lh_interp *ip, const char *s,
    const struct lh_expr_inputs *in, char **script,
    struct lh_pl_kvlist *env, char *err, size_t errlen)
{
	return pl_interp_build(ip, s, in, script, env, err, errlen);
}

struct lh_expr *
pl_expr_parse_condition(const char *s, size_t len, size_t *base,
    size_t *err_off, char *err, size_t errlen)
{
	struct lh_expr *e;
	size_t a = 0, z = len, end;

	*base = 0;
	while (a < z && (s[a] == ' ' || s[a] == '\t' || s[a] == '\n'))
		a++;
	while (z > a && (s[z - 1] == ' ' || s[z - 1] == '\t' ||
	    s[z - 1] == '\n'))
		z--;
	if (z - a >= 5 && memcmp(s + a, "${{", 3) == 0) {
		end = pl_interp_close(s, z, a + 3);
		if (end != z - 2) {
			*err_off = a;
			snprintf(err, errlen, end >= z ? "unterminated '${{': "
			    "expected '}}'" : "a condition is one expression: "
			    "write it bare or wrapped in a single ${{ }}");
			return NULL;
		}
		e = pl_expr_parse(s + a + 3, end - a - 3, err_off, err,
		    errlen);
		if (e == NULL)
			*err_off += a + 3;
		*base = a + 3;
		return e;
	}
	return pl_expr_parse(s, len, err_off, err, errlen);
}

/* ---- key/value lists ---- */

int
pl_kvlist_add(struct lh_pl_kvlist *l, const char *key, const char *value)
{
	struct lh_pl_kv *v;

	if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL)
		return -1;
	l->v = v;
	memset(&v[l->n], 0, sizeof(v[l->n]));
	if ((v[l->n].key = strdup(key)) == NULL)
		return -1;
	if ((v[l->n].value = strdup(value)) == NULL) {
		free(v[l->n].key);
		return -1;
	}
	l->n++;
	return 0;
}

void
pl_kvlist_free(struct lh_pl_kvlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
		pl_interp_free(l->v[i].interp);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

const char *
pl_kvlist_get(const struct lh_pl_kvlist *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].value;
	return NULL;
}
