/*
 * store_int.h: what the store's files share and nothing else includes: the
 * backend operations table, the result-row buffer, parameter helpers.
 * Runs in every process that opens a store (worker, master, labhit migrate).
 */
#ifndef LH_STORE_INT_H
#define LH_STORE_INT_H

#include <stdint.h>

#include "shared/store.h"

#define LH_STORE_MAXPARAMS	16
#define LH_STORE_ERRLEN		1024

/* Result of one statement: ncols * nrows cells, NULL for SQL NULL. */
struct lh_rows {
	size_t	  nrows;
	size_t	  ncols;
	size_t	  cap;		/* cells allocated */
	char	**cells;
	int64_t	  changes;	/* rows inserted/updated/deleted */
};

struct lh_store_ops {
	/* Runs one statement with $1..$n parameters (NULL = SQL NULL). Bit i
	 * of blobmask marks parameter i+1 as raw bytes (a BLOB/BYTEA column).
	 * out may be NULL. Returns OK, ERR, CONFLICT (unique key) or NOTFOUND
	 * (foreign key: the referenced row does not exist). */
	int	(*query)(struct lh_store *, const char *sql,
		    const char *const *params, int nparams, unsigned blobmask,
		    struct lh_rows *out);
	/* Runs several statements without parameters (migrations). */
	int	(*script)(struct lh_store *, const char *sql);
	/* BEGIN (IMMEDIATE on SQLite: writers queue up front). */
	int	(*begin)(struct lh_store *);
	int	(*commit)(struct lh_store *);
	int	(*rollback)(struct lh_store *);
	void	(*close)(struct lh_store *);
};

struct lh_store {
	enum lh_store_backend	 backend;
	const struct lh_store_ops *ops;
	void			*conn;		/* sqlite3 * or PGconn * */
	char			*masked_url;
	int			 in_tx;
	char			 errmsg[LH_STORE_ERRLEN];
};

/* Backends: fill st->conn and st->ops, or write a message into err. */
int store_sqlite_open(struct lh_store *st, const char *path, char *err,
    size_t errlen);
int store_pg_open(struct lh_store *st, const char *url, char *err,
    size_t errlen);

void store_seterr(struct lh_store *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int store_query(struct lh_store *st, const char *sql,
    const char *const *params, int nparams, unsigned blobmask,
    struct lh_rows *out);
/* store_q(st, sql, out, blobmask, p1, p2, ...): at least one parameter. */
#define store_q(st, sql, out, blobmask, ...)				\
	store_query((st), (sql), (const char *const []){ __VA_ARGS__ },	\
	    (int)(sizeof((const char *const []){ __VA_ARGS__ }) /	\
	    sizeof(const char *)), (blobmask), (out))
#define LH_BLOB(n)	(1u << ((n) - 1))	/* parameter $n is bytes */

int store_tx_begin(struct lh_store *st);
int store_tx_commit(struct lh_store *st);
/* Rolls back and returns rc, so callers can `return store_tx_fail(st, rc)`. */
int store_tx_fail(struct lh_store *st, int rc);

int store_rows_add(struct lh_rows *r, char **row, size_t ncols);
void store_rows_free(struct lh_rows *r);
/* Takes ownership of a cell (the rows keep NULL there). */
char *store_rows_take(struct lh_rows *r, size_t row, size_t col);
const char *store_rows_get(const struct lh_rows *r, size_t row, size_t col);
int64_t store_rows_int(const struct lh_rows *r, size_t row, size_t col);

/* Formats an integer or an RFC 3339 time into a caller buffer. */
const char *store_fmt_int(char buf[24], int64_t v);
const char *store_fmt_time(char buf[24], time_t t);
/* Makes a new UUIDv7 into buf (37 bytes); ERR with a message on failure. */
int store_new_id(struct lh_store *st, char buf[37]);
/* Allocates a zeroed array of n structs of size sz (n may be 0). */
void *store_calloc_array(struct lh_store *st, size_t n, size_t sz);

#endif
