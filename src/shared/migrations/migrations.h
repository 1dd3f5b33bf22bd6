/*
 * migrations.h: the numbered schema migrations compiled into labhit. A
 * landed migration is never edited; a change is a new number. Used by
 * store_migrate.c in the master and `labhit migrate`.
 */
#ifndef LH_MIGRATIONS_H
#define LH_MIGRATIONS_H

#include <stddef.h>

struct lh_migration {
	int		 version;	/* 1, 2, ... in order, no gaps */
	const char	*name;		/* "0001_init" */
	const char	*sql_sqlite;
	const char	*sql_pg;
};

extern const struct lh_migration store_migrations[];
extern const size_t store_nmigrations;

#endif
