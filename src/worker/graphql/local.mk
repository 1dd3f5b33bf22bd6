# src/worker/graphql: fragment of Makefile.am.  The GraphQL engine (parser,
# schema, validation, execution, introspection), its CLI and its tests.
noinst_LIBRARIES += src/worker/graphql/libgql.a
GQL_SOURCES = \
	src/worker/graphql/gql.h src/worker/graphql/gql_int.h \
	src/worker/graphql/exec_int.h \
	src/worker/graphql/lexer.c src/worker/graphql/parser.c \
	src/worker/graphql/schema.c src/worker/graphql/schema_check.c \
	src/worker/graphql/introspect.c \
	src/worker/graphql/coerce.c src/worker/graphql/execute.c \
	src/worker/graphql/api.c src/worker/graphql/validate.c \
	src/worker/graphql/validate_typed.c src/worker/graphql/validate_vars.c \
	src/worker/graphql/validate_overlap.c src/worker/graphql/validate_sdl.c \
	src/worker/graphql/served.c src/worker/graphql/gql_cli.c \
	src/worker/graphql/suggest.c
src_worker_graphql_libgql_a_SOURCES = $(GQL_SOURCES)
nodist_src_worker_graphql_libgql_a_SOURCES = src/worker/graphql/schema_sdl.c
LABHIT_LIBS += src/worker/graphql/libgql.a
EXTRA_DIST += src/worker/graphql/schema.graphql
CLEANFILES += src/worker/graphql/schema_sdl.c

# The served schema, embedded as a byte array (works in VPATH builds).
src/worker/graphql/schema_sdl.c: $(top_srcdir)/src/worker/graphql/schema.graphql
	$(AM_V_GEN)$(MKDIR_P) src/worker/graphql && { \
	  echo '/* generated from schema.graphql by make: do not edit */'; \
	  echo '#include "config.h"'; \
	  echo '#include "worker/graphql/gql_int.h"'; \
	  echo 'const char gql_served_sdl_data[] = {'; \
	  od -An -v -tx1 $(top_srcdir)/src/worker/graphql/schema.graphql | \
	    sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0x00 };'; \
	  echo 'const size_t gql_served_sdl_size = sizeof(gql_served_sdl_data) - 1;'; \
	} > $@-t && mv $@-t $@

check_PROGRAMS += tests/unit/check_gql_parser tests/unit/check_gql_validate \
	tests/unit/check_gql_exec tests/unit/check_gql_conformance
tests_unit_check_gql_parser_SOURCES = tests/unit/check_gql_parser.c
tests_unit_check_gql_parser_LDADD = $(TEST_LDADD)
tests_unit_check_gql_validate_SOURCES = tests/unit/check_gql_validate.c
tests_unit_check_gql_validate_LDADD = $(TEST_LDADD)
tests_unit_check_gql_exec_SOURCES = tests/unit/check_gql_exec.c
tests_unit_check_gql_exec_LDADD = $(TEST_LDADD)
tests_unit_check_gql_conformance_SOURCES = tests/unit/check_gql_conformance.c
tests_unit_check_gql_conformance_LDADD = $(TEST_LDADD)
TESTS += tests/unit/check_gql_parser tests/unit/check_gql_validate \
	tests/unit/check_gql_exec tests/unit/check_gql_conformance

# libFuzzer target; the engine is compiled into it for coverage.  Seeds:
# tests/data/graphql/*.graphql and fuzz-*.graphql.
if FUZZING
check_PROGRAMS += tests/fuzz/fuzz_gql_parser
tests_fuzz_fuzz_gql_parser_SOURCES = tests/fuzz/fuzz_gql_parser.c \
	$(GQL_SOURCES)
nodist_tests_fuzz_fuzz_gql_parser_SOURCES = src/worker/graphql/schema_sdl.c
tests_fuzz_fuzz_gql_parser_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_gql_parser_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_gql_parser_LDADD = src/shared/libshared.a $(EXTERNAL_LIBS)
endif
