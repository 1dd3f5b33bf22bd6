/*
 * migrations.c: the schema, as numbered migrations. One text serves both
 * backends; only the type of raw-bytes columns differs (TEXT on SQLite,
 * which keeps bytes as given; BYTEA on PostgreSQL, whose TEXT must be valid
 * UTF-8). Timestamps are RFC 3339 UTC text, which sorts in time order.
 */
#include "config.h"

#include "shared/migrations/migrations.h"

#define M0001_INIT(BYTES)						\
"CREATE TABLE users ("							\
"  id TEXT PRIMARY KEY,"						\
"  github_id TEXT UNIQUE,"						\
"  email TEXT NOT NULL DEFAULT '',"					\
"  name TEXT NOT NULL DEFAULT '',"					\
"  login TEXT NOT NULL DEFAULT '',"					\
"  avatar_url TEXT NOT NULL DEFAULT '',"				\
"  tier TEXT NOT NULL DEFAULT 'free',"					\
"  is_admin INTEGER NOT NULL DEFAULT 0,"				\
"  created_at TEXT NOT NULL,"						\
"  updated_at TEXT NOT NULL"						\
");"									\
"CREATE TABLE sessions ("						\
"  id TEXT PRIMARY KEY,"						\
"  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"	\
"  token_hash TEXT NOT NULL UNIQUE,"					\
"  created_at TEXT NOT NULL,"						\
"  expires_at TEXT NOT NULL,"						\
"  revoked_at TEXT"							\
");"									\
"CREATE INDEX sessions_user ON sessions(user_id);"			\
"CREATE INDEX sessions_expires ON sessions(expires_at);"		\
"CREATE TABLE api_tokens ("						\
"  id TEXT PRIMARY KEY,"						\
"  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"	\
"  name TEXT NOT NULL,"							\
"  token_hash TEXT NOT NULL UNIQUE,"					\
"  scopes TEXT NOT NULL DEFAULT '',"					\
"  created_at TEXT NOT NULL,"						\
"  last_used_at TEXT"							\
");"									\
"CREATE INDEX api_tokens_user ON api_tokens(user_id, id);"		\
"CREATE TABLE runs ("							\
"  id TEXT PRIMARY KEY,"						\
"  pipeline_name TEXT NOT NULL,"					\
"  yaml " BYTES " NOT NULL,"						\
"  status TEXT NOT NULL,"						\
"  trigger_source TEXT NOT NULL DEFAULT 'api',"				\
"  repository TEXT,"							\
"  ref TEXT,"								\
"  sha TEXT,"								\
"  variables " BYTES ","						\
"  user_id TEXT REFERENCES users(id) ON DELETE SET NULL,"		\
"  runner_id TEXT,"							\
"  error " BYTES ","							\
"  created_at TEXT NOT NULL,"						\
"  started_at TEXT,"							\
"  finished_at TEXT,"							\
"  lease_until TEXT,"							\
"  last_seq BIGINT NOT NULL DEFAULT 0"					\
");"									\
"CREATE INDEX runs_claim ON runs(status, created_at, id);"		\
"CREATE INDEX runs_lease ON runs(status, lease_until);"		\
"CREATE INDEX runs_user ON runs(user_id, id);"				\
"CREATE TABLE stages ("							\
"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"		\
"  name TEXT NOT NULL,"							\
"  ordinal INTEGER NOT NULL,"						\
"  status TEXT NOT NULL,"						\
"  attempt INTEGER NOT NULL DEFAULT 0,"					\
"  exit_code INTEGER,"							\
"  error " BYTES ","							\
"  started_at TEXT,"							\
"  finished_at TEXT,"							\
"  PRIMARY KEY (run_id, name)"						\
");"									\
"CREATE TABLE stage_outputs ("						\
"  run_id TEXT NOT NULL,"						\
"  stage TEXT NOT NULL,"						\
"  key TEXT NOT NULL,"							\
"  value " BYTES " NOT NULL,"						\
"  PRIMARY KEY (run_id, stage, key),"					\
"  FOREIGN KEY (run_id, stage) REFERENCES stages(run_id, name)"	\
"    ON DELETE CASCADE"							\
");"									\
"CREATE TABLE run_events ("						\
"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"		\
"  seq BIGINT NOT NULL,"						\
"  type TEXT NOT NULL,"							\
"  stage TEXT,"								\
"  payload " BYTES " NOT NULL,"						\
"  created_at TEXT NOT NULL,"						\
"  PRIMARY KEY (run_id, seq)"						\
");"									\
"CREATE TABLE extensions ("						\
"  id TEXT PRIMARY KEY,"						\
"  name TEXT NOT NULL,"							\
"  description TEXT NOT NULL DEFAULT '',"				\
"  category TEXT NOT NULL DEFAULT '',"					\
"  owner_id TEXT REFERENCES users(id) ON DELETE SET NULL,"		\
"  is_private INTEGER NOT NULL DEFAULT 0,"				\
"  download_count BIGINT NOT NULL DEFAULT 0,"				\
"  created_at TEXT NOT NULL,"						\
"  updated_at TEXT NOT NULL"						\
");"									\
"CREATE INDEX extensions_category ON extensions(category);"		\
"CREATE INDEX extensions_downloads ON extensions(download_count, id);"	\
"CREATE TABLE extension_versions ("					\
"  extension_id TEXT NOT NULL REFERENCES extensions(id)"		\
"    ON DELETE CASCADE,"						\
"  version TEXT NOT NULL,"						\
"  package_hash TEXT NOT NULL,"						\
"  size_bytes BIGINT NOT NULL DEFAULT 0,"				\
"  readme " BYTES ","							\
"  changelog " BYTES ","						\
"  yanked INTEGER NOT NULL DEFAULT 0,"					\
"  published_at TEXT NOT NULL,"						\
"  PRIMARY KEY (extension_id, version)"					\
");"									\
"CREATE TABLE usage_counters ("						\
"  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"	\
"  metric TEXT NOT NULL,"						\
"  period_start TEXT NOT NULL,"						\
"  total BIGINT NOT NULL DEFAULT 0,"					\
"  updated_at TEXT NOT NULL,"						\
"  PRIMARY KEY (user_id, metric, period_start)"				\
");"

const struct lh_migration store_migrations[] = {
	{ 1, "0001_init", M0001_INIT("TEXT"), M0001_INIT("BYTEA") },
};

const size_t store_nmigrations =
    sizeof(store_migrations) / sizeof(store_migrations[0]);
