# src/shared/store.mk: fragment of Makefile.am for the storage module
# (store.h over SQLite and PostgreSQL, migrations, UUIDv7, RFC 3339 time).
noinst_LIBRARIES += src/shared/libstore.a
src_shared_libstore_a_SOURCES = \
	src/shared/store.h src/shared/store_int.h src/shared/store.c \
	src/shared/store_sqlite.c src/shared/store_pg.c \
	src/shared/store_migrate.c src/shared/store_users.c \
	src/shared/store_runs.c src/shared/store_ext.c \
	src/shared/migrations/migrations.h src/shared/migrations/migrations.c \
	src/shared/uuid.c src/shared/uuid.h \
	src/shared/timefmt.c src/shared/timefmt.h
LABHIT_LIBS += src/shared/libstore.a

# One suite, built once per backend from the same source.
check_PROGRAMS += tests/unit/check_store_sqlite tests/unit/check_store_pg
tests_unit_check_store_sqlite_SOURCES = tests/unit/check_store.c
tests_unit_check_store_sqlite_CPPFLAGS = $(AM_CPPFLAGS) -DLH_TEST_BACKEND=1
tests_unit_check_store_sqlite_LDADD = $(TEST_LDADD)
tests_unit_check_store_pg_SOURCES = tests/unit/check_store.c
tests_unit_check_store_pg_CPPFLAGS = $(AM_CPPFLAGS) -DLH_TEST_BACKEND=2
tests_unit_check_store_pg_LDADD = $(TEST_LDADD)
TESTS += tests/unit/check_store_sqlite tests/unit/check_store_pg

check_PROGRAMS += tests/unit/check_uuid
tests_unit_check_uuid_SOURCES = tests/unit/check_uuid.c
tests_unit_check_uuid_LDADD = $(TEST_LDADD)
TESTS += tests/unit/check_uuid

# Benchmark (built by make check, not run): bench/store.sh runs it.
check_PROGRAMS += bench/bench_store
bench_bench_store_SOURCES = bench/bench_store.c
bench_bench_store_LDADD = $(LABHIT_LIBS) $(EXTERNAL_LIBS)
