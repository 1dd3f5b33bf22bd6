# src/shared: code every process links: logging, configuration, IPC framing,
# the shared-memory rate limiter, small helpers.
noinst_LIBRARIES += src/shared/libshared.a
src_shared_libshared_a_SOURCES = \
	src/shared/log.c src/shared/log.h \
	src/shared/conf.c src/shared/conf.h \
	src/shared/ipc.c src/shared/ipc.h \
	src/shared/ratelimit.c src/shared/ratelimit.h \
	src/shared/proc.c src/shared/proc.h \
	src/shared/errbuf.c src/shared/errbuf.h \
	src/shared/rmtree.c src/shared/rmtree.h \
	src/shared/cgroup.c src/shared/cgroup.h
LABHIT_LIBS += src/shared/libshared.a

check_PROGRAMS += tests/unit/check_config
tests_unit_check_config_SOURCES = tests/unit/check_config.c
tests_unit_check_config_LDADD = $(TEST_LDADD)
TESTS += tests/unit/check_config
# ipc and ratelimit suites
check_PROGRAMS += tests/unit/check_ipc tests/unit/check_ratelimit
tests_unit_check_ipc_SOURCES = tests/unit/check_ipc.c
tests_unit_check_ipc_LDADD = $(TEST_LDADD)
tests_unit_check_ratelimit_SOURCES = tests/unit/check_ratelimit.c
tests_unit_check_ratelimit_LDADD = $(TEST_LDADD)
TESTS += tests/unit/check_ipc tests/unit/check_ratelimit
# cgroup v2 discovery and set-up refusals (the kernel part: check_cgroup)
check_PROGRAMS += tests/unit/check_cgroup_parse
tests_unit_check_cgroup_parse_SOURCES = tests/unit/check_cgroup_parse.c
tests_unit_check_cgroup_parse_LDADD = $(TEST_LDADD)
TESTS += tests/unit/check_cgroup_parse
# removing trees a stage wrote
check_PROGRAMS += tests/unit/check_rmtree
tests_unit_check_rmtree_SOURCES = tests/unit/check_rmtree.c
tests_unit_check_rmtree_LDADD = $(TEST_LDADD)
TESTS += tests/unit/check_rmtree
