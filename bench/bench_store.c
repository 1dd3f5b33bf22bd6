/*
 * bench_store.c: store throughput on one backend: insert a run with five
 * stages, append an event, claim the next run. Run by bench/store.sh; not a
 * test. `bench_store [--reset] URL [N]`; --reset empties the database first
 * (PostgreSQL: drops schema public), so give it a throwaway one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared/store.h"
#include "shared/store_int.h"

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bench_report(const char *backend, const char *what, int n, double secs)
{
	printf("| %s | %s | %d | %.0f | %.1f |\n", backend, what, n,
	    n / secs, secs * 1e6 / n);
}

static int
bench_fail(struct lh_store *st, const char *what)
{
	fprintf(stderr, "bench_store: %s: %s\n", what, store_errmsg(st));
	store_close(st);
	return 1;
}

int
main(int argc, char **argv)
{
	static const char *stages[] = { "build", "test", "lint", "package",
	    "deploy" };
	struct lh_run_new in = { .pipeline_name = "bench", .trigger = "api",
	    .yaml = "engine: \"1\"\npipeline:\n  name: bench\nstages:\n"
	    "  build:\n    run: make\n" };
	struct lh_store *st;
	struct lh_run r;
	const char *name;
	char *err, *first = NULL;
	int i, n = 1000, reset = 0;
	double t0;

	if (argc > 1 && strcmp(argv[1], "--reset") == 0) {
		reset = 1;
		argc--;
		argv++;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: bench_store [--reset] URL [N]\n");
		return 2;
	}
	if (argc > 2 && (n = atoi(argv[2])) <= 0)
		n = 1000;
	if ((st = store_open(argv[1], &err)) == NULL) {
		fprintf(stderr, "bench_store: %s\n", err);
		free(err);
		return 1;
	}
	name = store_backend(st) == LH_STORE_POSTGRES ? "postgres" : "sqlite";
	if (reset && store_backend(st) == LH_STORE_POSTGRES &&
	    st->ops->script(st, "DROP SCHEMA IF EXISTS public CASCADE;"
	    "CREATE SCHEMA public") != LH_STORE_OK)
		return bench_fail(st, "reset");
	if (store_migrate(st, NULL) != LH_STORE_OK)
		return bench_fail(st, "migrate");

	t0 = bench_now();
	for (i = 0; i < n; i++) {
		if (store_run_create(st, &in, stages, 5, i == 0 ? &r : NULL) !=
		    LH_STORE_OK)
			return bench_fail(st, "run_create");
		if (i == 0) {
			first = strdup(r.id);
			store_run_free(&r);
		}
	}
	bench_report(name, "insert run + 5 stages", n, bench_now() - t0);

	t0 = bench_now();
	for (i = 0; i < n; i++)
		if (store_event_append(st, first, "stage_started", "build",
		    "{\"type\":\"stage_started\",\"stage\":\"build\","
		    "\"status\":\"Running\"}", NULL) != LH_STORE_OK)
			return bench_fail(st, "event_append");
	bench_report(name, "append event", n, bench_now() - t0);

	t0 = bench_now();
	for (i = 0; i < n; i++) {
		if (store_run_claim(st, "bench", time(NULL), 60, &r) !=
		    LH_STORE_OK)
			return bench_fail(st, "run_claim");
		store_run_free(&r);
	}
	bench_report(name, "claim next run", n, bench_now() - t0);
	free(first);
	store_close(st);
	return 0;
}
