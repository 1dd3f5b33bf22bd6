# src/runner: fragment of Makefile.am
# The stage executor (sandbox, log capture, outputs). The pipeline helper's
# fragment appends the scheduler files to src_runner_librunner_a_SOURCES.
noinst_LIBRARIES += src/runner/librunner.a
LABHIT_LIBS += src/runner/librunner.a
src_runner_librunner_a_SOURCES = \
	src/runner/stage.c src/runner/stage.h \
	src/runner/stage_prep.c src/runner/stage_prep.h \
	src/runner/stage_spawn.c src/runner/stage_spawn.h \
	src/runner/stage_verdict.c src/runner/stage_verdict.h \
	src/runner/sandbox.c src/runner/sandbox.h \
	src/runner/logcap.c src/runner/logcap.h \
	src/runner/outputs.c src/runner/outputs.h

check_PROGRAMS += tests/unit/check_sandbox tests/unit/check_logcap \
	tests/unit/check_outputs tests/unit/check_stage_verdict \
	tests/integration/check_stage
tests_unit_check_sandbox_SOURCES = tests/unit/check_sandbox.c
tests_unit_check_sandbox_LDADD = $(TEST_LDADD)
tests_unit_check_logcap_SOURCES = tests/unit/check_logcap.c
tests_unit_check_logcap_LDADD = $(TEST_LDADD)
tests_unit_check_outputs_SOURCES = tests/unit/check_outputs.c
tests_unit_check_outputs_LDADD = $(TEST_LDADD)
tests_unit_check_stage_verdict_SOURCES = tests/unit/check_stage_verdict.c
tests_unit_check_stage_verdict_LDADD = $(TEST_LDADD)
tests_integration_check_stage_SOURCES = tests/integration/check_stage.c
tests_integration_check_stage_LDADD = $(TEST_LDADD)
TESTS += tests/unit/check_sandbox tests/unit/check_logcap \
	tests/unit/check_outputs tests/unit/check_stage_verdict \
	tests/integration/check_stage

# Benchmark (built by make check, not run): bench/run.sh runs it.
check_PROGRAMS += bench/bench_stage
bench_bench_stage_SOURCES = bench/bench_stage.c
bench_bench_stage_LDADD = $(LABHIT_LIBS) $(EXTERNAL_LIBS)
