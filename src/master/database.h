/*
 * database.h: what the master does with the database before it forks:
 * apply pending migrations and fail the runs whose runner was lost. Also
 * `labhit migrate`, which shares the configuration sequence of serve.
 */
#ifndef LH_DATABASE_H
#define LH_DATABASE_H

struct lh_config;

/* Opens the configured database, migrates it and sweeps expired leases.
 * Returns 0, or an exit code (78 for a database that cannot be used). */
int master_database_prepare(const struct lh_config *cfg);
/* `labhit migrate [-c FILE] [--database URL] [--state-dir DIR] [--status]` */
int migrate_cmd_main(int argc, char **argv);

#endif
