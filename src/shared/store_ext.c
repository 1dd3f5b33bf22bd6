/*
 * store_ext.c: the extension registry: extensions, their immutable versions
 * (yank is the only change) and download counters. Runs in workers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shared/store.h"
#include "shared/store_int.h"

#define EXT_COLS "id, name, description, category, owner_id, is_private, " \
	"download_count, created_at, updated_at"
#define VER_COLS "extension_id, version, package_hash, size_bytes, readme, " \
	"changelog, yanked, published_at"

static void
ext_from_row(struct lh_rows *r, size_t i, struct lh_extension *e)
{
	e->id = store_rows_take(r, i, 0);
	e->name = store_rows_take(r, i, 1);
	e->description = store_rows_take(r, i, 2);
	e->category = store_rows_take(r, i, 3);
	e->owner_id = store_rows_take(r, i, 4);
	e->is_private = store_rows_int(r, i, 5) != 0;
	e->download_count = store_rows_int(r, i, 6);
	e->created_at = store_rows_take(r, i, 7);
	e->updated_at = store_rows_take(r, i, 8);
}

int
store_ext_upsert(struct lh_store *st, const struct lh_extension *in)
{
	char now[24];

	if (in->id == NULL || in->name == NULL) {
		store_seterr(st, "extension needs an id and a name");
		return LH_STORE_ERR;
	}
	return store_q(st, "INSERT INTO extensions (" EXT_COLS ") VALUES "
	    "($1, $2, $3, $4, $5, $6, 0, $7, $7) ON CONFLICT (id) DO UPDATE "
	    "SET name = excluded.name, description = excluded.description, "
	    "category = excluded.category, owner_id = excluded.owner_id, "
	    "is_private = excluded.is_private, updated_at = excluded.updated_at",
	    NULL, 0, in->id, in->name,
	    in->description != NULL ? in->description : "",
	    in->category != NULL ? in->category : "", in->owner_id,
	    in->is_private ? "1" : "0", store_fmt_time(now, time(NULL)));
}

int
store_ext_get(struct lh_store *st, const char *id, struct lh_extension *out)
{
	struct lh_rows rows;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_q(st, "SELECT " EXT_COLS " FROM extensions WHERE id = $1",
	    &rows, 0, id);
	if (rc != LH_STORE_OK)
		return rc;
	if (rows.nrows == 0)
		rc = LH_STORE_NOTFOUND;
	else
		ext_from_row(&rows, 0, out);
	store_rows_free(&rows);
	return rc;
}

/* "%query%" lower-cased (ASCII), with \ % _ escaped for LIKE ... ESCAPE. */
static char *
ext_like_pattern(const char *q)
{
	char *p, *o;

	if ((p = malloc(strlen(q) * 2 + 3)) == NULL)
		return NULL;
	o = p;
	*o++ = '%';
	for (; *q != '\0'; q++) {
		if (*q == '\\' || *q == '%' || *q == '_')
			*o++ = '\\';
		*o++ = (*q >= 'A' && *q <= 'Z') ? (char)(*q - 'A' + 'a') : *q;
	}
	*o++ = '%';
	*o = '\0';
	return p;
}

int
store_ext_search(struct lh_store *st, const char *query, const char *category,
    const char *viewer_id, size_t limit, struct lh_extension **out,
    size_t *n)
{
	struct lh_rows rows;
	char lim[24], *pat = NULL;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	if (query != NULL && query[0] != '\0' &&
	    (pat = ext_like_pattern(query)) == NULL) {
		store_seterr(st, "out of memory");
		return LH_STORE_ERR;
	}
	rc = store_q(st, "SELECT " EXT_COLS " FROM extensions WHERE "
	    "(CAST($1 AS TEXT) IS NULL OR lower(id) LIKE $1 ESCAPE '\\' OR "
	    "lower(name) LIKE $1 ESCAPE '\\' OR "
	    "lower(description) LIKE $1 ESCAPE '\\') "
	    "AND (CAST($2 AS TEXT) IS NULL OR category = $2) "
	    "AND (is_private = 0 OR owner_id = $3) "
	    "ORDER BY download_count DESC, id LIMIT CAST($4 AS INTEGER)",
	    &rows, 0, pat, category != NULL && category[0] != '\0' ?
	    category : NULL, viewer_id,
	    store_fmt_int(lim, limit == 0 ? 50 : (int64_t)limit));
	free(pat);
	if (rc != LH_STORE_OK)
		return rc;
	if ((*out = store_calloc_array(st, rows.nrows, sizeof(**out))) ==
	    NULL) {
		store_rows_free(&rows);
		return LH_STORE_ERR;
	}
	for (i = 0; i < rows.nrows; i++)
		ext_from_row(&rows, i, &(*out)[i]);
	*n = rows.nrows;
	store_rows_free(&rows);
	return LH_STORE_OK;
}

int
store_ext_count_download(struct lh_store *st, const char *id)
{
	struct lh_rows rows;
	int rc;

	rc = store_q(st, "UPDATE extensions SET download_count = "
	    "download_count + 1 WHERE id = $1", &rows, 0, id);
	if (rc != LH_STORE_OK)
		return rc;
	rc = rows.changes == 0 ? LH_STORE_NOTFOUND : LH_STORE_OK;
	store_rows_free(&rows);
	return rc;
}

int
store_ext_version_add(struct lh_store *st, const struct lh_ext_version *v)
{
	char now[24], size[24];
	int rc;

	if (v->extension_id == NULL || v->version == NULL ||
	    v->package_hash == NULL) {
		store_seterr(st, "version needs an extension, a version and "
		    "a package hash");
		return LH_STORE_ERR;
	}
	store_fmt_time(now, time(NULL));
	if ((rc = store_tx_begin(st)) != LH_STORE_OK)
		return rc;
	rc = store_q(st, "INSERT INTO extension_versions (" VER_COLS ") "
	    "VALUES ($1, $2, $3, CAST($4 AS BIGINT), $5, $6, 0, $7)", NULL,
	    LH_BLOB(5) | LH_BLOB(6), v->extension_id, v->version,
	    v->package_hash, store_fmt_int(size, v->size_bytes), v->readme,
	    v->changelog, v->published_at != NULL ? v->published_at : now);
	if (rc == LH_STORE_OK)
		rc = store_q(st, "UPDATE extensions SET updated_at = $2 "
		    "WHERE id = $1", NULL, 0, v->extension_id, now);
	if (rc != LH_STORE_OK) {
		if (rc == LH_STORE_CONFLICT)
			store_seterr(st, "extension %s version %s exists",
			    v->extension_id, v->version);
		return store_tx_fail(st, rc);
	}
	return store_tx_commit(st);
}

int
store_ext_version_list(struct lh_store *st, const char *extension_id,
    struct lh_ext_version **out, size_t *n)
{
	struct lh_rows rows;
	struct lh_ext_version *v;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_q(st, "SELECT " VER_COLS " FROM extension_versions "
	    "WHERE extension_id = $1 ORDER BY published_at DESC, version DESC",
	    &rows, 0, extension_id);
	if (rc != LH_STORE_OK)
		return rc;
	if ((*out = store_calloc_array(st, rows.nrows, sizeof(**out))) ==
	    NULL) {
		store_rows_free(&rows);
		return LH_STORE_ERR;
	}
	for (i = 0; i < rows.nrows; i++) {
		v = &(*out)[i];
		v->extension_id = store_rows_take(&rows, i, 0);
		v->version = store_rows_take(&rows, i, 1);
		v->package_hash = store_rows_take(&rows, i, 2);
		v->size_bytes = store_rows_int(&rows, i, 3);
		v->readme = store_rows_take(&rows, i, 4);
		v->changelog = store_rows_take(&rows, i, 5);
		v->yanked = store_rows_int(&rows, i, 6) != 0;
		v->published_at = store_rows_take(&rows, i, 7);
	}
	*n = rows.nrows;
	store_rows_free(&rows);
	return LH_STORE_OK;
}

int
store_ext_version_yank(struct lh_store *st, const char *extension_id,
    const char *version, int yanked)
{
	struct lh_rows rows;
	int rc;

	rc = store_q(st, "UPDATE extension_versions SET yanked = "
	    "CAST($3 AS INTEGER) WHERE extension_id = $1 AND version = $2",
	    &rows, 0, extension_id, version, yanked ? "1" : "0");
	if (rc != LH_STORE_OK)
		return rc;
	rc = rows.changes == 0 ? LH_STORE_NOTFOUND : LH_STORE_OK;
	store_rows_free(&rows);
	return rc;
}

void
store_ext_free(struct lh_extension *e)
{
	if (e == NULL)
		return;
	free(e->id);
	free(e->name);
	free(e->description);
	free(e->category);
	free(e->owner_id);
	free(e->created_at);
	free(e->updated_at);
	memset(e, 0, sizeof(*e));
}

void
store_exts_free(struct lh_extension *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_ext_free(&v[i]);
	free(v);
}

void
store_ext_versions_free(struct lh_ext_version *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].extension_id);
		free(v[i].version);
		free(v[i].package_hash);
		free(v[i].readme);
		free(v[i].changelog);
		free(v[i].published_at);
	}
	free(v);
}
