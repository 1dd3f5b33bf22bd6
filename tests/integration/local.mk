# tests/integration: suites that start the real `labhit serve`.
# check_serve: HTTP behaviour and the CLI; check_serve_signals: the process
# tree (respawn, reload, shutdown, log reopen, runners).
check_PROGRAMS += tests/integration/check_serve
tests_integration_check_serve_SOURCES = tests/integration/check_serve.c \
	tests/integration/serve_util.c tests/integration/serve_util.h
tests_integration_check_serve_LDADD = $(TEST_LDADD)
TESTS += tests/integration/check_serve

check_PROGRAMS += tests/integration/check_serve_signals
tests_integration_check_serve_signals_SOURCES = \
	tests/integration/check_serve_signals.c \
	tests/integration/serve_util.c tests/integration/serve_util.h
tests_integration_check_serve_signals_LDADD = $(TEST_LDADD)
TESTS += tests/integration/check_serve_signals

check_PROGRAMS += tests/integration/check_graphql_http
tests_integration_check_graphql_http_SOURCES = tests/integration/check_graphql_http.c
tests_integration_check_graphql_http_LDADD = $(TEST_LDADD)
TESTS += tests/integration/check_graphql_http

check_PROGRAMS += tests/integration/check_playground
tests_integration_check_playground_SOURCES = tests/integration/check_playground.c
tests_integration_check_playground_LDADD = $(TEST_LDADD)
TESTS += tests/integration/check_playground

check_PROGRAMS += tests/integration/check_migrate
tests_integration_check_migrate_SOURCES = tests/integration/check_migrate.c
tests_integration_check_migrate_LDADD = $(TEST_LDADD)
TESTS += tests/integration/check_migrate

check_PROGRAMS += tests/integration/check_serve_admin
tests_integration_check_serve_admin_SOURCES = tests/integration/check_serve_admin.c
tests_integration_check_serve_admin_LDADD = $(TEST_LDADD)
TESTS += tests/integration/check_serve_admin

# Stage cgroups on the real kernel (more of it inside tests/vm).
check_PROGRAMS += tests/integration/check_cgroup
tests_integration_check_cgroup_SOURCES = tests/integration/check_cgroup.c
tests_integration_check_cgroup_LDADD = $(TEST_LDADD)
TESTS += tests/integration/check_cgroup
