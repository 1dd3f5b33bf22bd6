# src/shared/pipeline: the pipeline format (YAML model, validation,
# expressions, DAG planning) and `labhit validate`; plus, from src/runner,
# the DAG scheduler and `labhit run`, and their test suites.
PIPELINE_SOURCES = \
	src/shared/pipeline/pipeline.h src/shared/pipeline/pl_int.h \
	src/shared/pipeline/pl_yaml.h src/shared/pipeline/pl_yaml.c \
	src/shared/pipeline/pl_parse.c src/shared/pipeline/pl_stage.c \
	src/shared/pipeline/pl_triggers.c src/shared/pipeline/pl_check.c \
	src/shared/pipeline/pl_model.c \
	src/shared/pipeline/expr.h src/shared/pipeline/expr_int.h \
	src/shared/pipeline/expr.c src/shared/pipeline/expr_eval.c \
	src/shared/pipeline/dag.h src/shared/pipeline/dag.c
noinst_LIBRARIES += src/shared/pipeline/libpipeline.a
src_shared_pipeline_libpipeline_a_SOURCES = $(PIPELINE_SOURCES) \
	src/shared/pipeline/validate_cli.c
LABHIT_LIBS += src/shared/pipeline/libpipeline.a

check_PROGRAMS += tests/unit/check_pipeline tests/unit/check_expr \
	tests/unit/check_dag
tests_unit_check_pipeline_SOURCES = tests/unit/check_pipeline.c
tests_unit_check_pipeline_LDADD = $(TEST_LDADD)
tests_unit_check_expr_SOURCES = tests/unit/check_expr.c
tests_unit_check_expr_LDADD = $(TEST_LDADD)
tests_unit_check_dag_SOURCES = tests/unit/check_dag.c
tests_unit_check_dag_LDADD = $(TEST_LDADD)
TESTS += tests/unit/check_pipeline tests/unit/check_expr tests/unit/check_dag

# The scheduler and `labhit run` live in src/runner (librunner.a, defined in
# src/runner/local.mk, included before this fragment).
src_runner_librunner_a_SOURCES += \
	src/runner/scheduler.c src/runner/scheduler.h \
	src/runner/sched_event.c \
	src/runner/run_cli.c src/runner/run_cli.h

check_PROGRAMS += tests/unit/check_pipeline_sched tests/integration/check_run
tests_unit_check_pipeline_sched_SOURCES = tests/unit/check_pipeline_sched.c
tests_unit_check_pipeline_sched_LDADD = $(TEST_LDADD)
tests_integration_check_run_SOURCES = tests/integration/check_run.c
tests_integration_check_run_LDADD = $(TEST_LDADD)
TESTS += tests/unit/check_pipeline_sched tests/integration/check_run

# libFuzzer target for the parser, validator and expressions. Seeds:
# tests/data/pipeline/*.yaml.
if FUZZING
check_PROGRAMS += tests/fuzz/fuzz_pipeline
tests_fuzz_fuzz_pipeline_SOURCES = tests/fuzz/fuzz_pipeline.c \
	$(PIPELINE_SOURCES)
tests_fuzz_fuzz_pipeline_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_pipeline_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_pipeline_LDADD = src/shared/libshared.a $(EXTERNAL_LIBS)
endif
