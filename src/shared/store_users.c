/*
 * store_users.c: users (GitHub identity), refresh-token sessions, personal
 * API tokens and usage counters. Secrets arrive already hashed (hex SHA-256)
 * and are looked up by that hash. Runs in workers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shared/store.h"
#include "shared/store_int.h"

#define USER_COLS "id, github_id, email, name, login, avatar_url, tier, " \
	"is_admin, created_at, updated_at"
#define SESSION_COLS "id, user_id, token_hash, created_at, expires_at, " \
	"revoked_at"
#define TOKEN_COLS "id, user_id, name, token_hash, scopes, created_at, " \
	"last_used_at"

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

static void
user_from_row(struct lh_rows *r, size_t i, struct lh_user *u)
{
	u->id = store_rows_take(r, i, 0);
	u->github_id = store_rows_take(r, i, 1);
	u->email = store_rows_take(r, i, 2);
	u->name = store_rows_take(r, i, 3);
	u->login = store_rows_take(r, i, 4);
	u->avatar_url = store_rows_take(r, i, 5);
	u->tier = store_rows_take(r, i, 6);
	u->is_admin = store_rows_int(r, i, 7) != 0;
	u->created_at = store_rows_take(r, i, 8);
	u->updated_at = store_rows_take(r, i, 9);
}

static int
user_one(struct lh_store *st, const char *sql, const char *key,
    struct lh_user *out)
{
	struct lh_rows rows;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_q(st, sql, &rows, 0, key)) != LH_STORE_OK)
		return rc;
	if (rows.nrows == 0) {
		store_rows_free(&rows);
		return LH_STORE_NOTFOUND;
	}
	user_from_row(&rows, 0, out);
	store_rows_free(&rows);
	return LH_STORE_OK;
}

int
store_user_upsert_github(struct lh_store *st, const struct lh_user *in,
    struct lh_user *out)
{
	char id[37], now[24];
	int rc;

	if (in->github_id == NULL || in->github_id[0] == '\0') {
		store_seterr(st, "user without a GitHub id");
		return LH_STORE_ERR;
	}
	if ((rc = store_new_id(st, id)) != LH_STORE_OK)
		return rc;
	rc = store_q(st, "INSERT INTO users (" USER_COLS ") VALUES "
	    "($1, $2, $3, $4, $5, $6, $7, 0, $8, $8) "
	    "ON CONFLICT (github_id) DO UPDATE SET email = excluded.email, "
	    "name = excluded.name, login = excluded.login, "
	    "avatar_url = excluded.avatar_url, "
	    "updated_at = excluded.updated_at", NULL, 0,
	    id, in->github_id, nz(in->email), nz(in->name), nz(in->login),
	    nz(in->avatar_url), in->tier != NULL ? in->tier : "free",
	    store_fmt_time(now, time(NULL)));
	if (rc != LH_STORE_OK)
		return rc;
	if (out == NULL)
		return LH_STORE_OK;
	return store_user_get_by_github(st, in->github_id, out);
}

int
store_user_get(struct lh_store *st, const char *id, struct lh_user *out)
{
	return user_one(st, "SELECT " USER_COLS " FROM users WHERE id = $1",
	    id, out);
}

int
store_user_get_by_github(struct lh_store *st, const char *github_id,
    struct lh_user *out)
{
	return user_one(st, "SELECT " USER_COLS " FROM users "
	    "WHERE github_id = $1", github_id, out);
}

int
store_user_set_tier(struct lh_store *st, const char *id, const char *tier,
    int is_admin)
{
	struct lh_rows rows;
	char now[24];
	int rc;

	rc = store_q(st, "UPDATE users SET tier = $2, is_admin = $3, "
	    "updated_at = $4 WHERE id = $1", &rows, 0, id, tier,
	    is_admin ? "1" : "0", store_fmt_time(now, time(NULL)));
	if (rc != LH_STORE_OK)
		return rc;
	rc = rows.changes == 0 ? LH_STORE_NOTFOUND : LH_STORE_OK;
	store_rows_free(&rows);
	return rc;
}

void
store_user_free(struct lh_user *u)
{
	if (u == NULL)
		return;
	free(u->id);
	free(u->github_id);
	free(u->email);
	free(u->name);
	free(u->login);
	free(u->avatar_url);
	free(u->tier);
	free(u->created_at);
	free(u->updated_at);
	memset(u, 0, sizeof(*u));
}

/* ---- sessions ---- */

static void
session_from_row(struct lh_rows *r, size_t i, struct lh_session *s)
{
	s->id = store_rows_take(r, i, 0);
	s->user_id = store_rows_take(r, i, 1);
	s->token_hash = store_rows_take(r, i, 2);
	s->created_at = store_rows_take(r, i, 3);
	s->expires_at = store_rows_take(r, i, 4);
	s->revoked_at = store_rows_take(r, i, 5);
}

/* One session by a query taking one or two parameters. */
static int
session_by(struct lh_store *st, const char *sql, const char *a,
    const char *b, struct lh_session *out)
{
	struct lh_rows rows;
	int rc;

	memset(out, 0, sizeof(*out));
	if (b != NULL)
		rc = store_q(st, sql, &rows, 0, a, b);
	else
		rc = store_q(st, sql, &rows, 0, a);
	if (rc != LH_STORE_OK)
		return rc;
	if (rows.nrows == 0)
		rc = LH_STORE_NOTFOUND;
	else
		session_from_row(&rows, 0, out);
	store_rows_free(&rows);
	return rc;
}

int
store_session_create(struct lh_store *st, const char *user_id,
    const char *token_hash, time_t expires_at, struct lh_session *out)
{
	char id[37], now[24], exp[24];
	int rc;

	if ((rc = store_new_id(st, id)) != LH_STORE_OK)
		return rc;
	rc = store_q(st, "INSERT INTO sessions (" SESSION_COLS ") VALUES "
	    "($1, $2, $3, $4, $5, NULL)", NULL, 0, id, user_id, token_hash,
	    store_fmt_time(now, time(NULL)), store_fmt_time(exp, expires_at));
	if (rc != LH_STORE_OK || out == NULL)
		return rc;
	return session_by(st, "SELECT " SESSION_COLS " FROM sessions "
	    "WHERE id = $1", id, NULL, out);
}

int
store_session_find(struct lh_store *st, const char *token_hash, time_t now,
    struct lh_session *out)
{
	char nowb[24];

	return session_by(st, "SELECT " SESSION_COLS " FROM sessions "
	    "WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
	    token_hash, store_fmt_time(nowb, now), out);
}

static int
store_changes(struct lh_store *st, const char *sql, const char *a,
    const char *b, size_t *n)
{
	struct lh_rows rows;
	int rc;

	if ((rc = store_q(st, sql, &rows, 0, a, b)) != LH_STORE_OK)
		return rc;
	if (n != NULL)
		*n = (size_t)rows.changes;
	rc = rows.changes == 0 ? LH_STORE_NOTFOUND : LH_STORE_OK;
	store_rows_free(&rows);
	return rc;
}

int
store_session_revoke(struct lh_store *st, const char *id)
{
	char now[24];

	return store_changes(st, "UPDATE sessions SET revoked_at = $2 "
	    "WHERE id = $1 AND revoked_at IS NULL", id,
	    store_fmt_time(now, time(NULL)), NULL);
}

int
store_session_revoke_user(struct lh_store *st, const char *user_id,
    size_t *n)
{
	char now[24];
	int rc;

	rc = store_changes(st, "UPDATE sessions SET revoked_at = $2 "
	    "WHERE user_id = $1 AND revoked_at IS NULL", user_id,
	    store_fmt_time(now, time(NULL)), n);
	return rc == LH_STORE_NOTFOUND ? LH_STORE_OK : rc;
}

int
store_session_purge(struct lh_store *st, time_t cutoff, size_t *n)
{
	char cut[24];
	int rc;

	rc = store_changes(st, "DELETE FROM sessions WHERE expires_at < $1 "
	    "OR revoked_at < $2", store_fmt_time(cut, cutoff), cut, n);
	return rc == LH_STORE_NOTFOUND ? LH_STORE_OK : rc;
}

void
store_session_free(struct lh_session *s)
{
	if (s == NULL)
		return;
	free(s->id);
	free(s->user_id);
	free(s->token_hash);
	free(s->created_at);
	free(s->expires_at);
	free(s->revoked_at);
	memset(s, 0, sizeof(*s));
}

/* ---- API tokens ---- */

static void
token_from_row(struct lh_rows *r, size_t i, struct lh_api_token *t)
{
	t->id = store_rows_take(r, i, 0);
	t->user_id = store_rows_take(r, i, 1);
	t->name = store_rows_take(r, i, 2);
	t->token_hash = store_rows_take(r, i, 3);
	t->scopes = store_rows_take(r, i, 4);
	t->created_at = store_rows_take(r, i, 5);
	t->last_used_at = store_rows_take(r, i, 6);
}

int
store_token_create(struct lh_store *st, const char *user_id,
    const char *name, const char *token_hash, const char *scopes,
    struct lh_api_token *out)
{
	char id[37], now[24];
	int rc;

	if ((rc = store_new_id(st, id)) != LH_STORE_OK)
		return rc;
	rc = store_q(st, "INSERT INTO api_tokens (" TOKEN_COLS ") VALUES "
	    "($1, $2, $3, $4, $5, $6, NULL)", NULL, 0, id, user_id, name,
	    token_hash, nz(scopes), store_fmt_time(now, time(NULL)));
	if (rc != LH_STORE_OK || out == NULL)
		return rc;
	return store_token_find(st, token_hash, out) == LH_STORE_OK ?
	    LH_STORE_OK : LH_STORE_ERR;
}

int
store_token_find(struct lh_store *st, const char *token_hash,
    struct lh_api_token *out)
{
	struct lh_rows rows;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_q(st, "SELECT " TOKEN_COLS " FROM api_tokens "
	    "WHERE token_hash = $1", &rows, 0, token_hash);
	if (rc != LH_STORE_OK)
		return rc;
	if (rows.nrows == 0)
		rc = LH_STORE_NOTFOUND;
	else
		token_from_row(&rows, 0, out);
	store_rows_free(&rows);
	return rc;
}

int
store_token_list(struct lh_store *st, const char *user_id,
    struct lh_api_token **out, size_t *n)
{
	struct lh_rows rows;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_q(st, "SELECT " TOKEN_COLS " FROM api_tokens "
	    "WHERE user_id = $1 ORDER BY id DESC", &rows, 0, user_id);
	if (rc != LH_STORE_OK)
		return rc;
	if ((*out = store_calloc_array(st, rows.nrows, sizeof(**out))) ==
	    NULL) {
		store_rows_free(&rows);
		return LH_STORE_ERR;
	}
	for (i = 0; i < rows.nrows; i++)
		token_from_row(&rows, i, &(*out)[i]);
	*n = rows.nrows;
	store_rows_free(&rows);
	return LH_STORE_OK;
}

int
store_token_delete(struct lh_store *st, const char *id, const char *user_id)
{
	return store_changes(st, "DELETE FROM api_tokens "
	    "WHERE id = $1 AND user_id = $2", id, user_id, NULL);
}

int
store_token_touch(struct lh_store *st, const char *id, time_t now)
{
	char nowb[24];

	return store_changes(st, "UPDATE api_tokens SET last_used_at = $2 "
	    "WHERE id = $1", id, store_fmt_time(nowb, now), NULL);
}

void
store_token_free(struct lh_api_token *t)
{
	if (t == NULL)
		return;
	free(t->id);
	free(t->user_id);
	free(t->name);
	free(t->token_hash);
	free(t->scopes);
	free(t->created_at);
	free(t->last_used_at);
	memset(t, 0, sizeof(*t));
}

void
store_tokens_free(struct lh_api_token *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_token_free(&v[i]);
	free(v);
}

/* ---- usage counters ---- */

int
store_usage_add(struct lh_store *st, const char *user_id, const char *metric,
    const char *period_start, int64_t delta, int64_t *total)
{
	char dbuf[24], now[24];
	int rc;

	if ((rc = store_tx_begin(st)) != LH_STORE_OK)
		return rc;
	rc = store_q(st, "INSERT INTO usage_counters (user_id, metric, "
	    "period_start, total, updated_at) VALUES "
	    "($1, $2, $3, CAST($4 AS BIGINT), $5) "
	    "ON CONFLICT (user_id, metric, period_start) DO UPDATE SET "
	    "total = usage_counters.total + excluded.total, "
	    "updated_at = excluded.updated_at", NULL, 0, user_id, metric,
	    period_start, store_fmt_int(dbuf, delta),
	    store_fmt_time(now, time(NULL)));
	if (rc == LH_STORE_OK && total != NULL)
		rc = store_usage_get(st, user_id, metric, period_start, total);
	if (rc != LH_STORE_OK)
		return store_tx_fail(st, rc);
	return store_tx_commit(st);
}

int
store_usage_get(struct lh_store *st, const char *user_id, const char *metric,
    const char *period_start, int64_t *total)
{
	struct lh_rows rows;
	int rc;

	*total = 0;
	rc = store_q(st, "SELECT total FROM usage_counters WHERE user_id = $1 "
	    "AND metric = $2 AND period_start = $3", &rows, 0, user_id, metric,
	    period_start);
	if (rc != LH_STORE_OK)
		return rc;
	if (rows.nrows > 0)
		*total = store_rows_int(&rows, 0, 0);
	store_rows_free(&rows);
	return LH_STORE_OK;
}
