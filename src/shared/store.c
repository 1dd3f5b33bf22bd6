/*
 * store.c: opening a store from its URL, error messages with the password
 * masked, transactions and result rows shared by both backends.
 * Runs in workers, the master and `labhit migrate`.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/store.h"
#include "shared/store_int.h"
#include "shared/timefmt.h"
#include "shared/uuid.h"

static char *
store_err_dup(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
store_err_dup(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	return s;
}

/* Masks "user:PASSWORD@" in the authority and any password=VALUE in the
 * query string of a URL. */
char *
store_url_mask(const char *url)
{
	const char *auth, *end, *at, *colon, *p;
	char *out, *o;
	size_t len;

	if (url == NULL)
		return strdup("(null)");
	len = strlen(url);
	if ((out = malloc(len * 3 + 16)) == NULL)
		return NULL;
	o = out;
	p = url;
	if ((auth = strstr(url, "://")) != NULL) {
		auth += 3;
		end = auth + strcspn(auth, "/?#");
		at = NULL;
		for (p = auth; p < end; p++)
			if (*p == '@')
				at = p;
		if (at != NULL && (colon = memchr(auth, ':',
		    (size_t)(at - auth))) != NULL) {
			memcpy(o, url, (size_t)(colon + 1 - url));
			o += colon + 1 - url;
			memcpy(o, "***", 3);
			o += 3;
			p = at;
		} else
			p = url;
	}
	/* copy the rest, masking password=... parameters */
	while (*p != '\0') {
		if ((p == url || p[-1] == '?' || p[-1] == '&' || p[-1] == ' ') &&
		    strncasecmp(p, "password=", 9) == 0) {
			memcpy(o, p, 9);
			o += 9;
			p += 9;
			memcpy(o, "***", 3);
			o += 3;
			p += strcspn(p, "& ");
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

struct lh_store *
store_open(const char *url, char **errp)
{
	struct lh_store *st;
	char err[LH_STORE_ERRLEN];
	char *masked;
	int rc;

	*errp = NULL;
	if ((masked = store_url_mask(url)) == NULL) {
		*errp = strdup("out of memory");
		return NULL;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		*errp = store_err_dup("database %s: out of memory", masked);
		free(masked);
		return NULL;
	}
	st->masked_url = masked;
	err[0] = '\0';
	if (url == NULL || url[0] == '\0') {
		snprintf(err, sizeof(err), "empty URL");
		rc = -1;
	} else if (strncmp(url, "sqlite:", 7) == 0) {
		st->backend = LH_STORE_SQLITE;
		url += 7;
		if (strncmp(url, "//", 2) == 0)	/* sqlite:///abs/path */
			url += 2;
		rc = store_sqlite_open(st, url, err, sizeof(err));
	} else if (strncmp(url, "postgres://", 11) == 0 ||
	    strncmp(url, "postgresql://", 13) == 0) {
		st->backend = LH_STORE_POSTGRES;
		rc = store_pg_open(st, url, err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "unsupported URL (expected "
		    "sqlite:PATH, postgres://... or postgresql://...)");
		rc = -1;
	}
	if (rc == -1) {
		*errp = store_err_dup("database %s: %s", masked, err);
		if (*errp == NULL)
			*errp = strdup("out of memory");
		free(masked);
		free(st);
		return NULL;
	}
	return st;
}

void
store_close(struct lh_store *st)
{
	if (st == NULL)
		return;
	if (st->ops != NULL)
		st->ops->close(st);
	free(st->masked_url);
	free(st);
}

enum lh_store_backend
store_backend(const struct lh_store *st)
{
	return st->backend;
}

const char *
store_errmsg(const struct lh_store *st)
{
	return st->errmsg;
}

void
store_seterr(struct lh_store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
	va_end(ap);
}

int
store_query(struct lh_store *st, const char *sql, const char *const *params,
    int nparams, unsigned blobmask, struct lh_rows *out)
{
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (nparams < 0 || nparams > LH_STORE_MAXPARAMS) {
		store_seterr(st, "too many query parameters (%d)", nparams);
		return LH_STORE_ERR;
	}
	return st->ops->query(st, sql, params, nparams, blobmask, out);
}

int
store_tx_begin(struct lh_store *st)
{
	if (st->in_tx) {
		store_seterr(st, "nested transaction");
		return LH_STORE_ERR;
	}
	if (st->ops->begin(st) != LH_STORE_OK)
		return LH_STORE_ERR;
	st->in_tx = 1;
	return LH_STORE_OK;
}

int
store_tx_commit(struct lh_store *st)
{
	int rc;

	rc = st->ops->commit(st);
	if (rc != LH_STORE_OK)
		(void)st->ops->rollback(st);
	st->in_tx = 0;
	return rc;
}

int
store_tx_fail(struct lh_store *st, int rc)
{
	char saved[LH_STORE_ERRLEN];

	if (st->in_tx) {
		memcpy(saved, st->errmsg, sizeof(saved));
		(void)st->ops->rollback(st);
		memcpy(st->errmsg, saved, sizeof(saved));	/* keep the cause */
		st->in_tx = 0;
	}
	return rc;
}

int
store_rows_add(struct lh_rows *r, char **row, size_t ncols)
{
	char **cells;
	size_t need, ncap;

	if (r->nrows == 0 && r->cells == NULL)
		r->ncols = ncols;
	need = (r->nrows + 1) * r->ncols;
	if (need > r->cap) {
		ncap = r->cap == 0 ? r->ncols * 8 : r->cap * 2;
		if (ncap < need)
			ncap = need;
		if ((cells = reallocarray(r->cells, ncap, sizeof(*cells))) ==
		    NULL)
			return -1;
		r->cells = cells;
		r->cap = ncap;
	}
	memcpy(r->cells + r->nrows * r->ncols, row, ncols * sizeof(*row));
	r->nrows++;
	return 0;
}

void
store_rows_free(struct lh_rows *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrows * r->ncols; i++)
		free(r->cells[i]);
	free(r->cells);
	memset(r, 0, sizeof(*r));
}

char *
store_rows_take(struct lh_rows *r, size_t row, size_t col)
{
	char *s;

	if (row >= r->nrows || col >= r->ncols)
		return NULL;
	s = r->cells[row * r->ncols + col];
	r->cells[row * r->ncols + col] = NULL;
	return s;
}

const char *
store_rows_get(const struct lh_rows *r, size_t row, size_t col)
{
	if (row >= r->nrows || col >= r->ncols)
		return NULL;
	return r->cells[row * r->ncols + col];
}

int64_t
store_rows_int(const struct lh_rows *r, size_t row, size_t col)
{
	const char *s = store_rows_get(r, row, col);

	return s == NULL ? 0 : strtoll(s, NULL, 10);
}

const char *
store_fmt_int(char buf[24], int64_t v)
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}

const char *
store_fmt_time(char buf[24], time_t t)
{
	if (timefmt_rfc3339(t, buf) == -1)
		snprintf(buf, 24, "0000-01-01T00:00:00Z");
	return buf;
}

int
store_new_id(struct lh_store *st, char buf[37])
{
	if (uuid_v7(buf) == -1) {
		store_seterr(st, "cannot make an id: random source failed");
		return LH_STORE_ERR;
	}
	return LH_STORE_OK;
}

void *
store_calloc_array(struct lh_store *st, size_t n, size_t sz)
{
	void *p;

	if ((p = calloc(n == 0 ? 1 : n, sz)) == NULL)
		store_seterr(st, "out of memory: %s", strerror(errno));
	return p;
}
