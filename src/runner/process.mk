# src/runner/process.mk: the runner process itself (the lead's part of
# librunner; the stage executor and scheduler are in the other fragments).
src_runner_librunner_a_SOURCES += src/runner/runner.c src/runner/runner.h
