/*
 * bench_stage.c: cost of one stage launch through the stage executor
 * (stage_start .. on_done, bwrap sandbox) against a bare launch of the
 * same bwrap command line and a bare fork+exec of `sh -c`; when started
 * alone in a cgroup it may delegate (bench/run.sh does that), also through
 * the executor with a cgroup per stage. Prints Markdown table rows.
 *   bench_stage [N]
 */
#include "config.h"

#include <sys/wait.h>

#include <event2/event.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner/sandbox.h"
#include "runner/stage.h"
#include "shared/cgroup.h"

static double
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double	start_ms;	/* time spent inside stage_start */
static int	nstart;
static int	nfailed;	/* a failing stage measures nothing */

static void
on_done(struct lh_stage *st, const struct lh_stage_result *r, void *arg)
{
	int	*left = arg;

	if (!stage_result_ok(r) && nfailed++ == 0)
		fprintf(stderr, "stage failed: %s\n", r->error);
	(*left)--;
	stage_free(st);
}

/* n stages, at most par at once, through the executor. */
static double
run_engine(const char *ws, int n, int par, const struct lh_cgroup_tree *cg)
{
	static const struct lh_stage_cbs cbs = { NULL, on_done };
	struct lh_stage_spec	 sp;
	struct event_base	*base;
	double			 t0;
	int			 started = 0, left, batch, i;

	if ((base = event_base_new()) == NULL)
		return -1;
	memset(&sp, 0, sizeof(sp));
	sp.name = "bench";
	sp.script = "echo hi";
	sp.workspace = ws;
	sp.own_workspace = 1;
	if ((sp.cgroups = cg) != NULL) {
		/* limits written, where the controllers are there */
		sp.memory_bytes = 256ull << 20;
		sp.cpus = 1;
	}
	t0 = now_ms();
	while (started < n) {
		batch = n - started < par ? n - started : par;
		left = batch;
		for (i = 0; i < batch; i++) {
			double t1 = now_ms();
			if (stage_start(base, &sp, &cbs, &left) == NULL)
				return -1;
			start_ms += now_ms() - t1;
			nstart++;
		}
		(void)event_base_dispatch(base);
		started += batch;
	}
	event_base_free(base);
	return nfailed > 0 ? -1 : (now_ms() - t0) / n;
}

/* n launches of argv (par at once), as the stage user when root. */
static double
run_bare(char *const *argv, int n, int par)
{
	struct passwd	*pw = getpwnam("nobody");
	double		 t0 = now_ms();
	pid_t		 pid;
	int		 i, j, batch;

	for (i = 0; i < n; i += batch) {
		batch = n - i < par ? n - i : par;
		for (j = 0; j < batch; j++) {
			if ((pid = fork()) == -1)
				return -1;
			if (pid == 0) {
				if (freopen("/dev/null", "w", stdout) == NULL)
					_exit(126);
				if (geteuid() == 0 && pw != NULL &&
				    (setgid(pw->pw_gid) == -1 ||
				    setuid(pw->pw_uid) == -1))
					_exit(126);
				execv(argv[0], argv);
				_exit(127);
			}
		}
		for (j = 0; j < batch; j++)
			(void)wait(NULL);
	}
	return (now_ms() - t0) / n;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Sequential launches, interleaved so that load from other processes hits
 * all three alike; medians of single launches. */
static int
run_interleaved(const char *ws, char *const *cmd, char *const *bwrap,
    int n, const struct lh_cgroup_tree *cg, double out[4])
{
	double	*v[4];
	int	 i, k, rc = -1;

	for (k = 0; k < 4; k++)
		v[k] = calloc((size_t)n, sizeof(double));
	for (k = 0; k < 4; k++)
		if (v[k] == NULL)
			goto out;
	for (i = 0; i < n; i++) {
		v[0][i] = run_bare(cmd, 1, 1);
		v[1][i] = run_bare(bwrap, 1, 1);
		v[2][i] = run_engine(ws, 1, 1, NULL);
		if (cg != NULL)
			v[3][i] = run_engine(ws, 1, 1, cg);
	}
	for (k = 0; k < 4; k++)
		out[k] = median(v[k], n);
	rc = 0;
 out:
	for (k = 0; k < 4; k++)
		free(v[k]);
	return rc;
}

int
main(int argc, char **argv)
{
	static char		 sh[] = "/bin/sh", e[] = "-e", c[] = "-c";
	static char		 script[] = "echo hi";
	char *const		 cmd[] = { sh, e, c, script, NULL };
	struct sbx_params	 p;
	struct sbx_argv		 a = { NULL, 0, 0 };
	char			 ws[] = "/tmp/labhit-bench-XXXXXX", err[256];
	struct lh_cgroup_tree	 tree;
	const struct lh_cgroup_tree *cg = NULL;
	double			 seq[4], eng20, bare20, cg20 = 0;
	int			 n = argc > 1 ? atoi(argv[1]) : 200;

	if (n <= 0 || mkdtemp(ws) == NULL)
		return 1;
	if (geteuid() == 0 && chown(ws, 65534, 65534) == -1)
		return 1;
	memset(&p, 0, sizeof(p));
	p.workspace = ws;
	p.outdir = ws;
	p.seccomp_fd = -1;
	p.command = cmd;
	if (sbx_build_argv(&p, &a, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (cgroup_tree_auto(&tree, geteuid(), getegid()) == 0)
		cg = &tree;
	else
		fprintf(stderr, "no cgroup rows: %s\n", tree.why);
	(void)run_engine(ws, 5, 1, cg);	/* warm up */
	if (run_interleaved(ws, cmd, a.v, n, cg, seq) == -1)
		return 1;
	bare20 = run_bare(a.v, n, 20);
	eng20 = run_engine(ws, n, 20, NULL);
	if (cg != NULL)
		cg20 = run_engine(ws, n, 20, cg);
	if (nfailed > 0) {
		fprintf(stderr, "%d stages failed: no figures\n", nfailed);
		return 1;
	}
	/* sequential rows: medians; fan-out rows: wall time / n */
	printf("| fork+exec sh -c (no sandbox) | 1 | %d | %.2f | |\n", n,
	    seq[0]);
	printf("| bare bwrap launch | 1 | %d | %.2f | |\n", n, seq[1]);
	printf("| stage executor (bwrap) | 1 | %d | %.2f | %+.0f%% |\n", n,
	    seq[2], (seq[2] / seq[1] - 1) * 100);
	if (cg != NULL)
		printf("| stage executor (bwrap), cgroup per stage | 1 | %d | "
		    "%.2f | %+.0f%% |\n", n, seq[3], (seq[3] / seq[1] - 1) *
		    100);
	printf("| bare bwrap launch | 20 | %d | %.2f | |\n", n, bare20);
	printf("| stage executor (bwrap) | 20 | %d | %.2f | %+.0f%% |\n", n,
	    eng20, (eng20 / bare20 - 1) * 100);
	if (cg != NULL)
		printf("| stage executor (bwrap), cgroup per stage | 20 | %d | "
		    "%.2f | %+.0f%% |\n", n, cg20, (cg20 / bare20 - 1) * 100);
	printf("(stage_start itself: %.2f ms per call)\n", start_ms / nstart);
	sbx_argv_free(&a);
	(void)rmdir(ws);
	return 0;
}
