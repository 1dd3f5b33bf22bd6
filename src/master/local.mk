# src/master: the supervisor process.
noinst_LIBRARIES += src/master/libmaster.a
src_master_libmaster_a_SOURCES = \
	src/master/master.c src/master/master.h src/master/master_int.h \
	src/master/master_child.c \
	src/master/serve.c src/master/serve.h \
	src/master/listen.c src/master/listen.h \
	src/master/policy.c src/master/policy.h \
	src/master/database.c src/master/database.h
LABHIT_LIBS += src/master/libmaster.a

check_PROGRAMS += tests/unit/check_policy
tests_unit_check_policy_SOURCES = tests/unit/check_policy.c
tests_unit_check_policy_LDADD = $(TEST_LDADD)
TESTS += tests/unit/check_policy

check_PROGRAMS += tests/unit/check_listen
tests_unit_check_listen_SOURCES = tests/unit/check_listen.c
tests_unit_check_listen_LDADD = $(TEST_LDADD)
TESTS += tests/unit/check_listen
