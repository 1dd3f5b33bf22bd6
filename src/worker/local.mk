# src/worker: the HTTP workers: event loop, HTTP core, routing, handlers.
noinst_LIBRARIES += src/worker/libworker.a
src_worker_libworker_a_SOURCES = \
	src/worker/http.h src/worker/http_parse.c src/worker/http_server.c \
	src/worker/http_priv.h src/worker/http_conn.c src/worker/http_reply.c \
	src/worker/worker.c src/worker/worker.h \
	src/worker/router.c src/worker/router.h \
	src/worker/runner_link.c src/worker/runner_link.h \
	src/worker/playground.c src/worker/playground.h \
	src/worker/graphql_http.c src/worker/graphql_http.h \
	src/worker/api/api.c src/worker/api/api.h \
	src/worker/api/system.c
LABHIT_LIBS += src/worker/libworker.a
EXTRA_DIST += src/worker/assets/playground.html
# .incbin is invisible to dependency tracking: name the page explicitly.
src/worker/playground.$(OBJEXT): $(srcdir)/src/worker/assets/playground.html
# http suites
check_PROGRAMS += tests/unit/check_http_parse tests/unit/check_http_server
tests_unit_check_http_parse_SOURCES = tests/unit/check_http_parse.c
tests_unit_check_http_parse_LDADD = $(TEST_LDADD)
tests_unit_check_http_server_SOURCES = tests/unit/check_http_server.c
tests_unit_check_http_server_LDADD = $(TEST_LDADD)
TESTS += tests/unit/check_http_parse tests/unit/check_http_server
if FUZZING
check_PROGRAMS += tests/fuzz/fuzz_http_parse
tests_fuzz_fuzz_http_parse_SOURCES = tests/fuzz/fuzz_http_parse.c \
	src/worker/http_parse.c
tests_fuzz_fuzz_http_parse_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_http_parse_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
endif
