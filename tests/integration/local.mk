# tests/integration: suites that start the real `labhit serve`.
check_PROGRAMS += tests/integration/check_serve
tests_integration_check_serve_SOURCES = tests/integration/check_serve.c
tests_integration_check_serve_LDADD = $(TEST_LDADD)
TESTS += tests/integration/check_serve
