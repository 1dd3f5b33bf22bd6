/*
 * check_cgroup.c: stage cgroups on the real kernel. The suite puts itself
 * alone in a cgroup v2 dir (as systemd's Delegate=yes does) and sets the
 * stage tree up there. On a host with no v2 controllers (hybrid layout) it
 * checks the layout, placement, leftover killing and refusals; under the
 * VM harness (LABHIT_TEST_CGROUP=required, tests/vm) every controller must
 * be there and the memory, process and CPU limits are checked too, also
 * through `labhit run`.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/stage.h"
#include "shared/cgroup.h"
#include "tests/lib/testlib.h"
#include "tests/lib/testlib_stage.h"

static char			cg_dir[PATH_MAX];	/* we own it */
static struct lh_cgroup_tree	tree;

/* Number of cgroups below tree.stages. */
static int
stage_cgroups(void)
{
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	ck_assert_ptr_nonnull(d = opendir(tree.stages));
	while ((de = readdir(d)) != NULL)
		if (de->d_type == DT_DIR && de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static char *
read_cg(const char *dir, const char *file)
{
	char	path[PATH_MAX], *text;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, file);
	ck_assert_ptr_nonnull(text = tl_read_file(path, NULL));
	return text;
}

static void
assert_cg_file(const char *dir, const char *file, const char *want)
{
	char	*text = read_cg(dir, file);

	ck_assert_msg(strcmp(text, want) == 0, "%s/%s: \"%s\", not \"%s\"",
	    dir, file, text, want);
	free(text);
}

/* A child that waits in cgroup dir until killed; returns once it is in. */
static pid_t
park_in(const char *dir)
{
	char	procs[PATH_MAX + 16], *text;
	pid_t	child;
	int	i, in = 0;

	(void)snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	ck_assert_int_ne(child = fork(), -1);
	if (child == 0) {
		if (cgroup_join(procs) == -1)
			_exit(2);
		pause();
		_exit(3);
	}
	for (i = 0; i < 500 && !in; i++) {
		text = read_cg(dir, "cgroup.procs");
		in = text[0] != '\0';
		free(text);
		if (!in)
			usleep(10000);
	}
	ck_assert_msg(in, "child %ld never got into %s", (long)child, dir);
	return child;
}

/* ---- on every kernel with a cgroup2 mount ---- */

START_TEST(test_layout)
{
	char	*self, *sub;

	ck_assert_int_eq(tree.usable, 1);
	if (tl_cgroup_required())
		ck_assert_msg(tree.controllers == LH_CG_ALL, "controllers %#x: "
		    "%s", tree.controllers, tree.why);
	else if (tree.controllers != LH_CG_ALL)
		ck_assert_msg(strstr(tree.why, "rlimits") != NULL, "%s",
		    tree.why);
	/* we (and so this test's fork) live in the supervisor leaf */
	ck_assert_ptr_nonnull(self = tl_read_file("/proc/self/cgroup", NULL));
	ck_assert_msg(strstr(self, "/supervisor\n") != NULL, "%s", self);
	free(self);
	/* the stages subtree passes on what the tree says it has */
	sub = read_cg(tree.stages, "cgroup.subtree_control");
	ck_assert_uint_eq(cgroup_parse_controllers(sub), tree.controllers);
	free(sub);
}
END_TEST

START_TEST(test_limits_written)
{
	struct lh_cgroup_limits	 lim = { 64ull << 20, 40, 2 };
	struct lh_cgroup	 cg;
	struct stat		 sb;
	char			 err[256], path[PATH_MAX];

	ck_assert_int_eq(cgroup_stage_create(&tree, "limits-1", &lim, &cg, err,
	    sizeof(err)), 0);
	ck_assert_int_ge(cg.dirfd, 0);
	ck_assert_uint_eq(cg.limited, tree.controllers);
	if (tree.controllers & LH_CG_MEMORY) {
		assert_cg_file(cg.path, "memory.max", "67108864\n");
		assert_cg_file(cg.path, "memory.swap.max", "0\n");
		assert_cg_file(cg.path, "memory.oom.group", "1\n");
	}
	if (tree.controllers & LH_CG_PIDS)
		assert_cg_file(cg.path, "pids.max", "40\n");
	if (tree.controllers & LH_CG_CPU)
		assert_cg_file(cg.path, "cpu.max", "200000 100000\n");
	ck_assert_int_eq(cgroup_stage_populated(&cg), 0);
	(void)snprintf(path, sizeof(path), "%s", cg.path);
	cgroup_stage_destroy(&cg);
	ck_assert_int_eq(stat(path, &sb), -1);
	ck_assert_int_eq(cg.dirfd, -1);

	/* no limits asked: none set, whatever the tree has */
	memset(&lim, 0, sizeof(lim));
	ck_assert_int_eq(cgroup_stage_create(&tree, "limits-2", &lim, &cg, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(cg.limited, 0);
	if (tree.controllers & LH_CG_MEMORY)
		assert_cg_file(cg.path, "memory.max", "max\n");
	cgroup_stage_destroy(&cg);
	ck_assert_int_eq(stage_cgroups(), 0);
}
END_TEST

/* Mode none shows the host's view: the stage's own cgroup, then gone. */
START_TEST(test_stage_in_its_cgroup)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;
	char				 want[64];

	tl_stage_init(&sp, &r, "cat /proc/self/cgroup");
	sp.mode = LH_STAGE_NONE;
	res = tl_stage_run(&r, &sp);
	ck_assert_msg(stage_result_ok(res), "%s: %s", res->error, r.log);
	(void)snprintf(want, sizeof(want), "/stages/s%ld-", (long)getpid());
	ck_assert_msg(strstr(r.log, want) != NULL, "%s", r.log);
	ck_assert_int_eq(stage_cgroups(), 0);
	tl_stage_free(&r);

	/* bwrap: its own cgroup namespace, rooted at the stage's cgroup */
	tl_stage_init(&sp, &r, "cat /proc/self/cgroup; echo ok");
	res = tl_stage_run(&r, &sp);
	ck_assert_msg(stage_result_ok(res), "%s: %s", res->error, r.log);
	ck_assert_msg(strstr(r.log, "O:0::/\n") != NULL, "%s", r.log);
	ck_assert_double_gt(res->cpu_seconds, 0.0);
	ck_assert_int_eq(stage_cgroups(), 0);
	tl_stage_free(&r);
}
END_TEST

/* 1 when pid exists and is not a zombie. */
static int
process_running(pid_t pid)
{
	char	path[64], *text, *p;
	int	running;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((text = tl_read_file(path, NULL)) == NULL)
		return 0;
	p = strrchr(text, ')');
	running = p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	free(text);
	return running;
}

/* A process that left the stage's group and session is still killed. */
START_TEST(test_leftover_killed)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;
	char				 path[PATH_MAX], *text;
	long				 pid;

	tl_stage_init(&sp, &r, "setsid sleep 300 </dev/null >/dev/null 2>&1 & "
	    "echo $! > escaped.pid");
	sp.mode = LH_STAGE_NONE;
	res = tl_stage_run(&r, &sp);
	ck_assert_msg(stage_result_ok(res), "%s: %s", res->error, r.log);
	(void)snprintf(path, sizeof(path), "%s/escaped.pid", r.ws);
	ck_assert_ptr_nonnull(text = tl_read_file(path, NULL));
	pid = strtol(text, NULL, 10);
	free(text);
	ck_assert_int_gt(pid, 1);
	/* killed: the cgroup could only be removed once empty; what may be
	 * left is a zombie its new parent (init) has not reaped yet */
	ck_assert_int_eq(stage_cgroups(), 0);
	ck_assert_msg(!process_running((pid_t)pid), "pid %ld still runs",
	    pid);
	tl_stage_free(&r);
}
END_TEST

/* Setting the tree up again (a restart) kills and removes what a crash
 * left in stages. */
START_TEST(test_sweep_on_setup)
{
	struct lh_cgroup_tree	again;
	struct stat		sb;
	char			stale[PATH_MAX];
	pid_t			child;
	int			status;

	ck_assert_int_lt(snprintf(stale, sizeof(stale), "%s/s99999-1",
	    tree.stages), (int)sizeof(stale));
	ck_assert_int_eq(mkdir(stale, 0755), 0);
	child = park_in(stale);
	ck_assert_int_eq(cgroup_tree_setup(&again, cg_dir, geteuid(),
	    getegid()), 0);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(stat(stale, &sb), -1);
	ck_assert_str_eq(again.stages, tree.stages);
	ck_assert_uint_eq(again.controllers, tree.controllers);
}
END_TEST

START_TEST(test_refusals)
{
	struct lh_cgroup_tree	t;
	char			mnt[PATH_MAX], crowd[PATH_MAX], *text;
	pid_t			child;
	int			status, i;

	/* the root of the hierarchy */
	ck_assert_ptr_nonnull(text = tl_read_file("/proc/self/mountinfo",
	    NULL));
	ck_assert_int_eq(cgroup_parse_mountinfo(text, mnt, sizeof(mnt)), 0);
	free(text);
	ck_assert_int_eq(cgroup_tree_setup(&t, mnt, geteuid(), getegid()),
	    -1);
	ck_assert_int_eq(t.usable, 0);
	ck_assert_msg(strstr(t.why, "root cgroup") != NULL, "%s", t.why);

	/* a cgroup shared with another process */
	ck_assert_int_lt(snprintf(crowd, sizeof(crowd), "%s/crowd", cg_dir),
	    (int)sizeof(crowd));
	ck_assert_int_eq(mkdir(crowd, 0755), 0);
	child = park_in(crowd);
	ck_assert_int_eq(cgroup_tree_setup(&t, crowd, geteuid(), getegid()),
	    -1);
	ck_assert_msg(strstr(t.why, "holds other processes") != NULL, "%s",
	    t.why);
	kill(child, SIGKILL);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	for (i = 0; i < 100 && rmdir(crowd) == -1; i++)
		usleep(10000);

	/* a tree that is not usable makes no stage cgroups, and says why */
	{
		struct lh_cgroup_limits	lim = { 0, 10, 0 };
		struct lh_cgroup	cg;
		char			err[256];

		ck_assert_int_eq(cgroup_stage_create(&t, "x", &lim, &cg, err,
		    sizeof(err)), -1);
		ck_assert_str_eq(err, t.why);
	}
}
END_TEST

/* `labhit serve` alone in a delegated cgroup: master and workers in the
 * supervisor leaf, each runner in stages/runner-N, which it takes over. */
static void
assert_proc_cgroup(pid_t pid, const char *suffix)
{
	char	path[64], *text, want[128];

	(void)snprintf(path, sizeof(path), "/proc/%ld/cgroup", (long)pid);
	ck_assert_ptr_nonnull(text = tl_read_file(path, NULL));
	(void)snprintf(want, sizeof(want), "%s\n", suffix);
	ck_assert_msg(strlen(text) >= strlen(want) && strcmp(text +
	    strlen(text) - strlen(want), want) == 0, "pid %ld: %s, want *%s",
	    (long)pid, text, suffix);
	free(text);
}

START_TEST(test_serve_delegated)
{
	static const char *const extra[] = { "--workers", "1", "--runners",
	    "2", NULL };
	struct tl_server	 s;
	char			 dir[PATH_MAX], procs[PATH_MAX + 16], *log;
	char			 stale[PATH_MAX + 64];
	pid_t			 pids[4];
	int			 n;

	ck_assert_int_lt(snprintf(dir, sizeof(dir), "%s/serve", cg_dir),
	    (int)sizeof(dir));
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	(void)snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	memset(&s, 0, sizeof(s));
	s.cgroup_procs = procs;
	ck_assert_int_eq(tl_server_start(&s, extra, NULL), 0);
	/* the master and both runners say where stage limits live */
	for (n = 0; n < 500; n++) {
		const char	*p;
		int		 seen = 0;

		log = tl_server_log(&s);
		for (p = log; (p = strstr(p, "stage limits: cgroup v2 in ")) !=
		    NULL; p++)
			seen++;
		if (seen == 3)
			break;
		free(log);
		log = NULL;
		usleep(20000);
	}
	ck_assert_msg(log != NULL, "%s", log = tl_server_log(&s));
	ck_assert_msg(strstr(log, "stage limits: rlimits") == NULL, "%s", log);
	free(log);
	assert_proc_cgroup(s.pid, "/serve/supervisor");
	ck_assert_int_eq(tl_server_children(&s, "worker", pids, 4), 1);
	assert_proc_cgroup(pids[0], "/serve/supervisor");
	ck_assert_int_eq(tl_server_children(&s, "runner", pids, 4), 2);
	for (n = 0; n < 2; n++) {
		char	path[64], *text;

		(void)snprintf(path, sizeof(path), "/proc/%ld/cgroup",
		    (long)pids[n]);
		ck_assert_ptr_nonnull(text = tl_read_file(path, NULL));
		ck_assert_msg(strstr(text, "/serve/stages/runner-0\n") !=
		    NULL || strstr(text, "/serve/stages/runner-1\n") != NULL,
		    "%s", text);
		free(text);
	}
	/* a runner that dies leaves its stage cgroups to the master */
	ck_assert_int_lt(snprintf(stale, sizeof(stale), "%s/stages/s%ld-7",
	    dir, (long)pids[0]), (int)sizeof(stale));
	ck_assert_int_eq(mkdir(stale, 0755), 0);
	ck_assert_int_eq(kill(pids[0], SIGKILL), 0);
	for (n = 0; n < 500 && access(stale, F_OK) == 0; n++)
		usleep(10000);
	ck_assert_msg(access(stale, F_OK) == -1, "%s is still there", stale);
	tl_server_stop(&s);
}
END_TEST

/* Before Linux 5.7 there is no clone3: the stage process then moves
 * itself in through cgroup.procs. A seccomp filter stands in for the old
 * kernel (this test's process only: Check forks one per test). */
START_TEST(test_join_without_clone3)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;
	scmp_filter_ctx			 ctx;
	char				 want[64];

	ck_assert_ptr_nonnull(ctx = seccomp_init(SCMP_ACT_ALLOW));
	ck_assert_int_eq(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    SCMP_SYS(clone3), 0), 0);
	ck_assert_int_eq(seccomp_load(ctx), 0);
	seccomp_release(ctx);
	tl_stage_init(&sp, &r, "cat /proc/self/cgroup");
	sp.mode = LH_STAGE_NONE;
	res = tl_stage_run(&r, &sp);
	ck_assert_msg(stage_result_ok(res), "%s: %s", res->error, r.log);
	(void)snprintf(want, sizeof(want), "/stages/s%ld-", (long)getpid());
	ck_assert_msg(strstr(r.log, want) != NULL, "%s", r.log);
	ck_assert_int_eq(stage_cgroups(), 0);
	tl_stage_free(&r);
}
END_TEST

/* A stage that cannot be put in its cgroup does not run without its
 * limits: it fails and says why. */
START_TEST(test_join_failure)
{
	struct lh_cgroup_tree		 fake;
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;
	char				*dir;

	ck_assert_ptr_nonnull(dir = tl_tempdir());
	memset(&fake, 0, sizeof(fake));
	fake.usable = 1;	/* but a plain directory, not a cgroup */
	ck_assert_int_lt(snprintf(fake.stages, sizeof(fake.stages), "%s",
	    dir), (int)sizeof(fake.stages));
	tl_stage_init(&sp, &r, "echo must-not-run");
	sp.cgroups = &fake;
	res = tl_stage_run(&r, &sp);
	ck_assert(!stage_result_ok(res));
	ck_assert_msg(strstr(res->error, "joining its cgroup") != NULL, "%s",
	    res->error);
	ck_assert_msg(strstr(r.log, "must-not-run") == NULL, "%s", r.log);
	tl_stage_free(&r);
	tl_rmtree(dir);
	free(dir);
}
END_TEST

/* ---- with the controllers (the VM) ---- */

START_TEST(test_memory_limit)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;

	tl_stage_init(&sp, &r, "awk 'BEGIN { s = \"x\"; while (1) s = s s }'");
	sp.memory_bytes = 64ull << 20;
	res = tl_stage_run(&r, &sp);
	ck_assert(!stage_result_ok(res));
	ck_assert_msg(res->killed_for_memory == 1, "exit %d sig %d: %s: %s",
	    res->exit_code, res->term_signal, res->error, r.log);
	ck_assert_msg(strstr(res->error, "memory limit of 64 MiB") != NULL,
	    "%s", res->error);
	ck_assert_int_eq(res->term_signal, SIGKILL);	/* the OOM killer */
	ck_assert_int_le(res->peak_memory_kb, 64 << 10);
	ck_assert_int_gt(res->peak_memory_kb, 16 << 10);
	ck_assert_msg(strstr(r.log, "S:the stage reached its memory limit")
	    != NULL, "%s", r.log);
	ck_assert_int_eq(stage_cgroups(), 0);
	tl_stage_free(&r);

	/* the limit is on memory used, not on address space reserved */
	tl_stage_init(&sp, &r,
	    "awk 'BEGIN { s = \"x\"; for (i = 0; i < 22; i++) "
	    "s = s s; print length(s) }'");
	sp.memory_bytes = 64ull << 20;
	res = tl_stage_run(&r, &sp);
	ck_assert_msg(stage_result_ok(res), "%s: %s", res->error, r.log);
	ck_assert_int_eq(res->killed_for_memory, 0);
	ck_assert_msg(strstr(r.log, "O:4194304\n") != NULL, "%s", r.log);
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_process_limit)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;

	/* the stage user's other processes do not count, only the stage's */
	tl_stage_init(&sp, &r, "i=0; while [ $i -lt 200 ]; do sleep 30 & "
	    "i=$((i+1)); done; echo all-forked");
	sp.max_procs = 40;
	res = tl_stage_run(&r, &sp);
	ck_assert(!stage_result_ok(res));
	ck_assert_int_eq(res->hit_process_limit, 1);
	ck_assert_msg(strstr(r.log, "all-forked") == NULL, "%s", r.log);
	ck_assert_msg(strstr(res->error, "process limit of 40") != NULL, "%s",
	    res->error);
	ck_assert_msg(strstr(r.log, "S:the stage reached its limit of 40 "
	    "processes") != NULL, "%s", r.log);
	ck_assert_uint_lt(res->duration_ms, 20000);
	tl_stage_free(&r);

	/* the classic bomb under a shell that exits 0 still fails (when the
	 * sleep cannot be forked, the limit was reached already) */
	tl_stage_init(&sp, &r, "b() { b | b & }; b; sleep 3 || true; exit 0");
	sp.max_procs = 40;
	res = tl_stage_run(&r, &sp);
	ck_assert_int_eq(res->exit_code, 0);
	ck_assert_int_eq(res->hit_process_limit, 1);
	ck_assert(!stage_result_ok(res));
	ck_assert_msg(strstr(res->error, "process limit") != NULL, "%s",
	    res->error);
	ck_assert_int_eq(stage_cgroups(), 0);
	tl_stage_free(&r);

	/* under the limit: fine */
	tl_stage_init(&sp, &r, "for i in 1 2 3 4 5; do sleep 1 & done; wait");
	sp.max_procs = 40;
	res = tl_stage_run(&r, &sp);
	ck_assert_msg(stage_result_ok(res), "%s: %s", res->error, r.log);
	ck_assert_int_eq(res->hit_process_limit, 0);
	tl_stage_free(&r);
}
END_TEST

/* Two busy loops on one CPU's worth of cpu.max: at most about one CPU
 * second per second of the stage's wall time, where two free CPUs would
 * give them two (a busy machine only lowers the figure). */
START_TEST(test_cpu_limit)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;

	tl_stage_init(&sp, &r, "yes >/dev/null & a=$!; yes >/dev/null & b=$!; "
	    "sleep 2; kill $a $b");
	sp.cpus = 1;
	res = tl_stage_run(&r, &sp);
	ck_assert_msg(stage_result_ok(res), "%s: %s", res->error, r.log);
	ck_assert_msg(res->cpu_seconds <= (double)res->duration_ms / 1000 *
	    1.2 + 0.2 && res->cpu_seconds > 0.2, "cpu %.2f s in %llu ms",
	    res->cpu_seconds, (unsigned long long)res->duration_ms);
	tl_stage_free(&r);
}
END_TEST

/* `labhit run` alone in a delegated cgroup sets its own tree up. */
START_TEST(test_labhit_run_delegated)
{
	char	 dir[PATH_MAX], procs[PATH_MAX + 16], *ws, *pl, *out;
	char	*argv[] = { NULL, NULL, NULL, NULL, NULL };
	int	 fds[2], status;
	pid_t	 child;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;

	ck_assert_ptr_nonnull(ws = tl_tempdir());
	pl = tl_write_file(ws, "p.yaml", "engine: \"1\"\n"
	    "pipeline:\n  name: limits\n"
	    "stages:\n"
	    "  hog:\n"
	    "    run: awk 'BEGIN { s = \"x\"; while (1) s = s s }'\n"
	    "    sandbox:\n      resources:\n        memory: 48Mi\n"
	    "  bomb:\n"
	    "    run: b() { b | b & }; b; sleep 3\n"
	    "  fine:\n"
	    "    run: echo fine\n"
	    "    sandbox:\n      resources:\n        memory: 48Mi\n"
	    "        cpu: 1\n");
	ck_assert_int_lt(snprintf(dir, sizeof(dir), "%s/run-cli", cg_dir),
	    (int)sizeof(dir));
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	(void)snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	argv[0] = (char *)(uintptr_t)tl_bin();
	argv[1] = (char *)(uintptr_t)"run";
	argv[2] = (char *)(uintptr_t)"--json";
	argv[3] = pl;
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_ne(child = fork(), -1);
	if (child == 0) {
		if (cgroup_join(procs) == -1)
			_exit(90);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		if (chdir(ws) == -1 ||
		    setenv("LABHIT_STAGE_MAX_PROCESSES", "32", 1) == -1)
			_exit(91);
		execv(argv[0], argv);
		_exit(92);
	}
	close(fds[1]);
	out = NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			ck_assert_ptr_nonnull(out = realloc(out, cap));
		}
		n = read(fds[0], out + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1,
	    "status %#x: %s", status, out);
	/* it made its own supervisor leaf and stages subtree */
	(void)snprintf(procs, sizeof(procs), "%s/stages", dir);
	ck_assert_int_eq(access(procs, F_OK), 0);
	ck_assert_msg(strstr(out, "\"stage\": \"hog\"") != NULL ||
	    strstr(out, "\"stage\":\"hog\"") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"killed_for_memory\":true") != NULL ||
	    strstr(out, "\"killed_for_memory\": true") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "process limit of 32") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"hit_process_limit\":true") != NULL ||
	    strstr(out, "\"hit_process_limit\": true") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "fine") != NULL, "%s", out);
	free(out);
	free(pl);
	tl_rmtree(ws);
	free(ws);
}
END_TEST

static Suite *
cgroup_suite(void)
{
	Suite	*s = suite_create("cgroup");
	TCase	*tc = tcase_create("kernel");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_limits_written);
	tcase_add_test(tc, test_stage_in_its_cgroup);
	tcase_add_test(tc, test_leftover_killed);
	tcase_add_test(tc, test_sweep_on_setup);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_serve_delegated);
	tcase_add_test(tc, test_join_failure);
	tcase_add_test(tc, test_join_without_clone3);
	suite_add_tcase(s, tc);
	/* only where the limits exist: nothing is reported as passed that
	 * did not run */
	if (tree.controllers == LH_CG_ALL) {
		tc = tcase_create("limits");
		tcase_set_timeout(tc, 300);
		tcase_add_test(tc, test_memory_limit);
		tcase_add_test(tc, test_process_limit);
		tcase_add_test(tc, test_cpu_limit);
		tcase_add_test(tc, test_labhit_run_delegated);
		suite_add_tcase(s, tc);
	}
	return s;
}

int
main(void)
{
	char	why[512];
	int	rc;

	if (geteuid() != 0 && !tl_cgroup_required()) {
		fprintf(stderr, "check_cgroup: needs root to make cgroups: "
		    "skipped\n");
		return 77;
	}
	if (tl_cgroup_own(cg_dir, sizeof(cg_dir), why, sizeof(why)) == -1) {
		fprintf(stderr, "check_cgroup: %s\n", why);
		/* under the harness this is a failure, not a skip */
		return tl_cgroup_required() ? EXIT_FAILURE : 77;
	}
	if (cgroup_tree_setup(&tree, cg_dir, geteuid(), getegid()) == -1) {
		fprintf(stderr, "check_cgroup: %s\n", tree.why);
		tl_cgroup_release(cg_dir);
		return EXIT_FAILURE;
	}
	tl_stage_cgroups = &tree;
	if (tl_cgroup_required() && tree.controllers != LH_CG_ALL) {
		fprintf(stderr, "check_cgroup: controllers required, have "
		    "%#x: %s\n", tree.controllers, tree.why);
		return EXIT_FAILURE;
	}
	rc = tl_run_suite(cgroup_suite());
	tl_cgroup_release(cg_dir);
	return rc;
}
