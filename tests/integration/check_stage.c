/*
 * check_stage.c: integration tests of the stage executor with the real
 * bubblewrap sandbox: exit codes, env scrubbing, workspace, read-only host,
 * no network, and hostile stages (fork bomb, memory hog, 1 GB of output,
 * sleep forever, SIGTERM ignored), masking, outputs, missing image.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <grp.h>
#include <signal.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/stage.h"
#include "shared/cgroup.h"
#include "tests/lib/testlib.h"
#include "tests/lib/testlib_stage.h"

/* Under the VM harness (LABHIT_TEST_CGROUP=required) every stage gets a
 * cgroup with its limits; elsewhere the rlimit fallback is what runs. */
static struct lh_cgroup_tree	 cg_tree;
static char			 cg_dir[4096];

static int
has(const struct tl_stage_run *r, const char *s)
{
	return tl_stage_has(r, s);
}

START_TEST(test_echo_and_exit_codes)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;

	tl_stage_init(&sp, &r, "echo hello; echo oops >&2; exit 3");
	res = tl_stage_run(&r, &sp);
	ck_assert_int_eq(res->started, 1);
	ck_assert_int_eq(res->exit_code, 3);
	ck_assert_int_eq(res->term_signal, 0);
	ck_assert(!stage_result_ok(res));
	ck_assert_msg(has(&r, "O:hello\n") && has(&r, "E:oops\n"),
	    "%s", r.log);
	ck_assert_str_eq(res->error, "exited with code 3");
	tl_stage_free(&r);

	tl_stage_init(&sp, &r, "false; echo not reached");	/* sh -e */
	res = tl_stage_run(&r, &sp);
	ck_assert_int_eq(res->exit_code, 1);
	ck_assert(!has(&r, "not reached"));
	tl_stage_free(&r);

	tl_stage_init(&sp, &r, "id -u; i=0; while [ $i -lt 300000 ]; do "
	    "i=$((i+1)); done");
	res = tl_stage_run(&r, &sp);
	ck_assert(stage_result_ok(res));
	/* the busy loop ran in the namespace, below bwrap: still counted */
	ck_assert_msg(res->cpu_seconds > 0.05, "cpu %f", res->cpu_seconds);
	ck_assert_int_gt(res->peak_memory_kb, 0);
	ck_assert_int_eq(res->exit_code, 0);
	ck_assert_str_eq(res->error, "");
	/* never root inside */
	ck_assert_msg(!has(&r, "O:0\n"), "%s", r.log);
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_env_scrubbed)
{
	static char		 e1[] = "FOO=bar baz";
	static char		 e2[] = "X=$(touch /workspace/pwned)";
	char *const		 env[] = { e1, e2, NULL };
	struct lh_stage_spec	 sp;
	struct tl_stage_run		 r;
	char			 path[512];

	ck_assert_int_eq(setenv("LABHIT_HOST_ONLY", "leaked", 1), 0);
	tl_stage_init(&sp, &r, "env; echo \"x=$X\"");
	sp.env = env;
	ck_assert(stage_result_ok(tl_stage_run(&r, &sp)));
	ck_assert_msg(!has(&r, "LABHIT_HOST_ONLY") && !has(&r, "leaked"),
	    "%s", r.log);
	ck_assert(has(&r, "O:HOME=/workspace\n"));
	ck_assert(has(&r, "O:CI=true\n"));
	ck_assert(has(&r, "O:LANG=C.UTF-8\n"));
	ck_assert(has(&r, "O:LABHIT_OUTPUT=/run/labhit/output\n"));
	ck_assert(has(&r, "O:FOO=bar baz\n"));
	ck_assert(has(&r, "O:x=$(touch /workspace/pwned)\n"));
	(void)snprintf(path, sizeof(path), "%s/pwned", r.ws);
	ck_assert_int_ne(access(path, F_OK), 0);
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_workspace_shared)
{
	struct lh_stage_spec	 sp;
	struct tl_stage_run		 r;
	char			 path[512], buf[64] = "";
	FILE			*f;

	tl_stage_init(&sp, &r,
	    "pwd; echo data > /workspace/f.txt; mkdir -p sub;"
	    " echo x > sub/y");
	ck_assert(stage_result_ok(tl_stage_run(&r, &sp)));
	ck_assert(has(&r, "O:/workspace\n"));
	(void)snprintf(path, sizeof(path), "%s/f.txt", r.ws);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, "data\n");
	(void)snprintf(path, sizeof(path), "%s/sub/y", r.ws);
	ck_assert_int_eq(access(path, F_OK), 0);
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_readonly_host)
{
	struct lh_stage_spec	 sp;
	struct tl_stage_run		 r;
	char			 script[1024], probe[256];

	(void)snprintf(probe, sizeof(probe), "/tmp/labhit-probe-%d",
	    (int)getpid());
	(void)snprintf(script, sizeof(script),
	    "touch /usr/x 2>/dev/null || echo usr-denied\n"
	    "touch /etc/x 2>/dev/null || echo etc-denied\n"
	    "touch /x 2>/dev/null || echo root-denied\n"
	    "mkdir /newdir 2>/dev/null || echo mkdir-denied\n"
	    "echo t > %s && echo tmp-private\n", probe);
	tl_stage_init(&sp, &r, script);
	ck_assert(stage_result_ok(tl_stage_run(&r, &sp)));
	ck_assert_msg(has(&r, "O:usr-denied\n") && has(&r, "O:etc-denied\n") &&
	    has(&r, "O:root-denied\n") && has(&r, "O:mkdir-denied\n"), "%s",
	    r.log);
	ck_assert(has(&r, "O:tmp-private\n"));
	ck_assert_int_ne(access(probe, F_OK), 0);	/* not the host /tmp */
	ck_assert_int_ne(access("/x", F_OK), 0);
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_host_files_hidden)
{
	struct lh_stage_spec	 sp;
	struct tl_stage_run		 r;
	char			 script[1024], *dir, path[512];
	FILE			*f;

	ck_assert_ptr_nonnull(dir = tl_tempdir());
	(void)snprintf(path, sizeof(path), "%s/server-secret.conf", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("jwt_secret = topsecret\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(chmod(path, 0644), 0);	/* world-readable on host */
	(void)snprintf(script, sizeof(script),
	    "cat %s || echo host-file-hidden\n"
	    "ls /etc/labhit >/dev/null 2>&1 || echo etc-labhit-hidden\n"
	    "ls /root >/dev/null 2>&1 || echo root-hidden\n"
	    "test -e /etc/shadow || echo shadow-hidden\n", path);
	tl_stage_init(&sp, &r, script);
	ck_assert(stage_result_ok(tl_stage_run(&r, &sp)));
	ck_assert_msg(!has(&r, "topsecret"), "%s", r.log);
	ck_assert(has(&r, "O:host-file-hidden\n"));
	ck_assert(has(&r, "O:etc-labhit-hidden\n"));
	ck_assert(has(&r, "O:root-hidden\n"));
	ck_assert(has(&r, "O:shadow-hidden\n"));
	tl_stage_free(&r);
	tl_rmtree(dir);
	free(dir);
}
END_TEST

static int
count_ifaces(const struct tl_stage_run *r)
{
	const char	*p;
	int		 n = 0;

	for (p = r->log; (p = strstr(p, "O:iface ")) != NULL; p++)
		n++;
	return n;
}

static int
host_ifaces(void)
{
	FILE	*f;
	char	 line[512];
	int	 n = 0;

	ck_assert_ptr_nonnull(f = fopen("/proc/net/dev", "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		n++;
	fclose(f);
	return n - 2;	/* two header lines */
}

START_TEST(test_no_network)
{
	struct lh_stage_spec	 sp;
	struct tl_stage_run		 r;
	const char		*script = "tail -n +3 /proc/net/dev | "
	    "while read name rest; do echo \"iface $name\"; done";

	tl_stage_init(&sp, &r, script);
	ck_assert(stage_result_ok(tl_stage_run(&r, &sp)));
	ck_assert_msg(count_ifaces(&r) == 1 && has(&r, "O:iface lo:\n"),
	    "%s", r.log);
	tl_stage_free(&r);

	/* with network allowed, the host's interfaces are there */
	tl_stage_init(&sp, &r, script);
	sp.network = 1;
	ck_assert(stage_result_ok(tl_stage_run(&r, &sp)));
	ck_assert_msg(count_ifaces(&r) == host_ifaces(), "%s", r.log);
	tl_stage_free(&r);
}
END_TEST

static uid_t
bomb_uid(void)
{
	return (uid_t)(300000 + getpid() % 100000);
}

START_TEST(test_fork_bomb)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;

	tl_stage_init(&sp, &r, "i=0; while [ $i -lt 500 ]; do sleep 30 & "
	    "i=$((i+1)); done; echo all-forked");
	/* RLIMIT_NPROC counts every process of the user: a uid of its own
	 * keeps other suites' stages (all "nobody") out of the count */
	sp.uid = sp.gid = bomb_uid();
	sp.max_procs = 40;
	res = tl_stage_run(&r, &sp);
	ck_assert(!stage_result_ok(res));
	ck_assert_int_ne(res->exit_code, 0);
	ck_assert_msg(!has(&r, "all-forked") && has(&r, "fork"),
	    "%s", r.log);
	ck_assert_uint_lt(res->duration_ms, 10000);
	tl_stage_free(&r);

	/* forks refused in a subshell, then exit 0: still a failure, with
	 * the reason (pids.events in a cgroup, the shell's words without) */
	tl_stage_init(&sp, &r, "( i=0; while [ $i -lt 100 ]; do sleep 5 & "
	    "i=$((i+1)); done ) || true; echo survived; exit 0");
	sp.uid = sp.gid = bomb_uid();
	sp.max_procs = 40;
	res = tl_stage_run(&r, &sp);
	ck_assert_msg(has(&r, "survived"), "%s", r.log);
	ck_assert_int_eq(res->exit_code, 0);
	ck_assert_int_eq(res->hit_process_limit, 1);
	ck_assert(!stage_result_ok(res));
	ck_assert_msg(strstr(res->error, "process limit of 40") != NULL,
	    "%s", res->error);
	tl_stage_free(&r);

	/* the classic one, ended by its timeout */
	tl_stage_init(&sp, &r, "b() { b | b & }; b; sleep 60");
	sp.uid = sp.gid = bomb_uid();
	sp.max_procs = 40;
	sp.timeout_ms = 1500;
	sp.kill_grace_ms = 300;
	res = tl_stage_run(&r, &sp);
	ck_assert(!stage_result_ok(res));
	/* ended by the timeout, or earlier when the bomb left the main
	 * shell no process to fork for its sleep */
	ck_assert_msg(res->timed_out == 1 || has(&r, "fork"),
	    "%s", r.log);
	ck_assert_uint_lt(res->duration_ms, 8000);
	tl_stage_free(&r);
}
END_TEST

/*
 * The process limit is the stage's own: 60 other processes of the stage
 * user (another stage's fork bomb, say) leave its 40 whole. RLIMIT_NPROC
 * set before the stage's user namespace existed would count them all and
 * fail the stage's forks, or its exec.
 */
START_TEST(test_process_budget_is_the_stages)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;
	uid_t				 uid = geteuid() == 0 ? bomb_uid() :
					     geteuid();
	int				 ready[2], ok;
	char				 c;
	pid_t				 holder;

	ck_assert_int_eq(pipe(ready), 0);
	holder = fork();
	ck_assert_int_ne(holder, -1);
	if (holder == 0) {
		close(ready[0]);
		if (setpgid(0, 0) == -1 || (geteuid() == 0 &&
		    (setgroups(0, NULL) == -1 || setgid(uid) == -1 ||
		    setuid(uid) == -1)))
			_exit(1);
		for (int i = 0; i < 60; i++)
			if (fork() == 0) {
				pause();
				_exit(0);
			}
		(void)!write(ready[1], "r", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ok = read(ready[0], &c, 1) == 1;
	close(ready[0]);

	tl_stage_init(&sp, &r, "i=0; while [ $i -lt 20 ]; do sleep 0.2 & "
	    "i=$((i+1)); done; wait; echo all-forked");
	sp.uid = sp.gid = uid;
	sp.max_procs = 40;
	res = ok ? tl_stage_run(&r, &sp) : NULL;
	(void)kill(-holder, SIGKILL);
	(void)waitpid(holder, NULL, 0);
	ck_assert_msg(ok, "the holder did not start its processes");
	ck_assert_msg(stage_result_ok(res) && has(&r, "all-forked"), "%s",
	    r.log);
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_memory_hog)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;

	tl_stage_init(&sp, &r, "awk 'BEGIN { s = \"x\"; while (1) s = s s }'");
	sp.memory_bytes = 64ull << 20;
	res = tl_stage_run(&r, &sp);
	ck_assert(!stage_result_ok(res));
	ck_assert_msg(res->killed_for_memory == 1, "peak %ld kB, exit %d "
	    "sig %d: %s", res->peak_memory_kb, res->exit_code,
	    res->term_signal, r.log);
	ck_assert_msg(strstr(res->error, "memory limit") != NULL, "%s",
	    res->error);
	ck_assert_int_le(res->peak_memory_kb, 64 << 10);
	ck_assert_int_gt(res->peak_memory_kb, 1024);
	tl_stage_free(&r);

	/* a normal failure under a memory limit is not blamed on memory */
	tl_stage_init(&sp, &r, "exit 4");
	sp.memory_bytes = 64ull << 20;
	res = tl_stage_run(&r, &sp);
	ck_assert_int_eq(res->killed_for_memory, 0);
	tl_stage_free(&r);
	/* not even after using most of it */
	tl_stage_init(&sp, &r,
	    "awk 'BEGIN { s = \"x\"; for (i = 0; i < 24; i++) "
	    "s = s s; print length(s); exit 1 }'");
	sp.memory_bytes = 48ull << 20;
	res = tl_stage_run(&r, &sp);
	ck_assert_msg(has(&r, "O:16777216\n"), "%s", r.log);
	ck_assert_int_eq(res->exit_code, 1);
	ck_assert_int_ge(res->peak_memory_kb, 24 << 10);
	ck_assert_int_eq(res->killed_for_memory, 0);
	ck_assert_str_eq(res->error, "exited with code 1");
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_gigabyte_stdout)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;

	tl_stage_init(&sp, &r, "yes 0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789 | head -c 1000000000;"
	    " echo; echo the-end");
	sp.log_limit = 64 * 1024;
	sp.timeout_ms = 50000;	/* slow under ASan on a loaded machine */
	res = tl_stage_run(&r, &sp);
	ck_assert_msg(stage_result_ok(res), "%s", res->error);
	ck_assert_int_eq(res->log_truncated, 1);
	ck_assert_uint_eq(res->log_bytes, 1000000000ull + 1 + 8);
	ck_assert_uint_lt(r.len, 64 * 1024 + 2048);
	ck_assert(has(&r, "S:log truncated"));
	/* the tail is kept: the last line is there, after the marker */
	ck_assert_ptr_nonnull(strstr(strstr(r.log, "S:log truncated"),
	    "O:the-end\n"));
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_timeout_sigterm)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;

	/* a stage that handles SIGTERM gets to run its handler */
	tl_stage_init(&sp, &r, "trap 'echo got-term; exit 5' TERM; sleep 100 & "
	    "wait");
	sp.timeout_ms = 500;
	sp.kill_grace_ms = 5000;
	res = tl_stage_run(&r, &sp);
	ck_assert_int_eq(res->timed_out, 1);
	ck_assert_msg(has(&r, "O:got-term\n"), "%s", r.log);
	ck_assert_int_eq(res->exit_code, 5);
	ck_assert_uint_ge(res->duration_ms, 450);
	ck_assert_uint_lt(res->duration_ms, 3000);	/* before the grace */
	ck_assert(!stage_result_ok(res));
	ck_assert_ptr_nonnull(strstr(res->error, "timed out"));
	tl_stage_free(&r);

	tl_stage_init(&sp, &r, "sleep 100");
	sp.timeout_ms = 300;
	res = tl_stage_run(&r, &sp);
	ck_assert_int_eq(res->timed_out, 1);
	ck_assert_int_eq(res->term_signal, 15);
	ck_assert_uint_lt(res->duration_ms, 3000);
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_sigterm_ignored)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;

	tl_stage_init(&sp, &r, "trap '' TERM; echo ready; "
	    "while :; do sleep 1; done");
	sp.timeout_ms = 300;
	sp.kill_grace_ms = 700;
	res = tl_stage_run(&r, &sp);
	ck_assert_int_eq(res->timed_out, 1);
	ck_assert_int_eq(res->term_signal, 9);
	ck_assert_uint_ge(res->duration_ms, 950);	/* waited the grace */
	ck_assert_uint_lt(res->duration_ms, 4000);
	ck_assert_msg(has(&r, "S:stage still running") && has(&r, "SIGKILL"),
	    "%s", r.log);
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_seccomp_in_sandbox)
{
	struct lh_stage_spec	 sp;
	struct tl_stage_run		 r;

	tl_stage_init(&sp, &r, "unshare -U true 2>/dev/null || echo "
	    "unshare-denied; unshare -r true 2>/dev/null || echo "
	    "userns-denied; echo end");
	ck_assert(stage_result_ok(tl_stage_run(&r, &sp)));
	ck_assert_msg(has(&r, "O:unshare-denied\n") &&
	    has(&r, "O:userns-denied\n"), "%s", r.log);
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_free_running)
{
	struct lh_stage_spec	 sp;
	struct tl_stage_run		 r;
	struct timeval		 tv = { 0, 300000 };
	pid_t			 pid;

	tl_stage_init(&sp, &r, "sleep 100");
	ck_assert_ptr_nonnull(r.st = stage_start(r.base, &sp, &tl_stage_cbs,
	    &r));
	/* let it get going, then drop it */
	ck_assert_int_eq(event_base_loopexit(r.base, &tv), 0);
	ck_assert_int_ne(event_base_dispatch(r.base), -1);
	ck_assert_int_gt(pid = stage_pid(r.st), 0);
	ck_assert_int_eq(kill(pid, 0), 0);
	stage_free(r.st);
	r.st = NULL;
	ck_assert_int_eq(r.done, 0);	/* no on_done after stage_free */
	ck_assert_int_eq(kill(pid, 0), -1);
	if (r.log == NULL)
		r.log = strdup("");
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_exec_failure)
{
	static char		 a0[] = "/nonexistent/tool";
	char *const		 argv[] = { a0, NULL };
	struct lh_stage_spec	 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result *res;

	tl_stage_init(&sp, &r, NULL);
	sp.argv = argv;
	sp.mode = LH_STAGE_NONE;
	res = tl_stage_run(&r, &sp);
	ck_assert_int_eq(res->started, 0);
	ck_assert(!stage_result_ok(res));
	ck_assert_msg(strcmp(res->error, "cannot run /nonexistent/tool: "
	    "No such file or directory") == 0, "%s", res->error);
	tl_stage_free(&r);
}
END_TEST

/* Cancelled or freed before the stage process even exec'ed. */
START_TEST(test_cancel_and_free_at_once)
{
	struct lh_stage_spec	 sp;
	struct tl_stage_run		 r;

	tl_stage_init(&sp, &r, "sleep 100");
	ck_assert_ptr_nonnull(r.st = stage_start(r.base, &sp, &tl_stage_cbs,
	    &r));
	stage_cancel(r.st);
	ck_assert_int_ne(event_base_dispatch(r.base), -1);
	ck_assert_int_eq(r.done, 1);
	ck_assert_int_eq(r.res->cancelled, 1);
	ck_assert_uint_lt(r.res->duration_ms, 3000);
	stage_free(r.st);
	r.st = NULL;
	r.done = 0;

	ck_assert_ptr_nonnull(r.st = stage_start(r.base, &sp, &tl_stage_cbs,
	    &r));
	stage_free(r.st);
	r.st = NULL;
	ck_assert_int_eq(r.done, 0);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);	/* all reaped */
	if (r.log == NULL)
		r.log = strdup("");
	tl_stage_free(&r);
}
END_TEST

/* As root the stage user must reach the workspace: a clear error if not. */
START_TEST(test_sandbox_setup_error)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;
	char				 ws[512], *saved;

	if (geteuid() != 0)
		return;		/* no user switch, nothing to trip over */
	tl_stage_init(&sp, &r, "true");
	ck_assert_int_eq(chmod(r.ws, 0700), 0);
	(void)snprintf(ws, sizeof(ws), "%s/hidden-ws", r.ws);
	ck_assert_int_eq(mkdir(ws, 0755), 0);
	saved = r.ws;
	sp.workspace = ws;
	res = tl_stage_run(&r, &sp);
	ck_assert(!stage_result_ok(res));
	ck_assert_msg(strncmp(res->error, "sandbox set-up failed: bwrap: ",
	    30) == 0, "%s", res->error);
	ck_assert_ptr_nonnull(strstr(res->error, "hidden-ws"));
	r.ws = saved;
	tl_stage_free(&r);
}
END_TEST

static void
cancel_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	stage_cancel(arg);
}

START_TEST(test_cancel)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	struct timeval			 tv = { 0, 200000 };

	tl_stage_init(&sp, &r, "sleep 100");
	ck_assert_ptr_nonnull(r.st = stage_start(r.base, &sp, &tl_stage_cbs,
	    &r));
	ck_assert_int_eq(event_base_once(r.base, -1, EV_TIMEOUT, cancel_cb,
	    r.st, &tv), 0);
	ck_assert_int_ne(event_base_dispatch(r.base), -1);
	ck_assert_int_eq(r.done, 1);
	ck_assert_int_eq(r.res->cancelled, 1);
	ck_assert_int_eq(r.res->timed_out, 0);
	ck_assert_uint_lt(r.res->duration_ms, 3000);
	ck_assert(!stage_result_ok(r.res));
	stage_cancel(r.st);	/* after the end: no effect */
	if (r.log == NULL)
		r.log = strdup("");
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_secret_masking)
{
	static char		 s1[] = "s3cr3t-value";
	char *const		 secrets[] = { s1, NULL };
	struct lh_stage_spec	 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result *res;

	/* the secret leaves the stage in two writes, 200 ms apart */
	tl_stage_init(&sp, &r, "printf 'token=s3cr'; sleep 0.2; "
	    "printf '3t-value!\\n'; echo \"k=s3cr3t-value\" >> \"$LABHIT_OUTPUT\"");
	sp.secrets = secrets;
	res = tl_stage_run(&r, &sp);
	ck_assert(stage_result_ok(res));
	ck_assert_msg(has(&r, "O:token=***!\n") && !has(&r, "s3cr"), "%s",
	    r.log);
	ck_assert_uint_eq(res->n_outputs, 1);
	ck_assert_str_eq(res->outputs[0].value, "***");
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_outputs)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;
	size_t				 i;
	int				 seen = 0;

	tl_stage_init(&sp, &r, "echo 'version=1.2.3' >> \"$LABHIT_OUTPUT\"\n"
	    "printf 'notes<<EOF\\nline 1\\nline 2\\nEOF\\n' >> $LABHIT_OUTPUT");
	res = tl_stage_run(&r, &sp);
	ck_assert_msg(stage_result_ok(res), "%s", res->error);
	ck_assert_uint_eq(res->n_outputs, 2);
	for (i = 0; i < res->n_outputs; i++) {
		if (strcmp(res->outputs[i].key, "version") == 0) {
			ck_assert_str_eq(res->outputs[i].value, "1.2.3");
			seen |= 1;
		} else if (strcmp(res->outputs[i].key, "notes") == 0) {
			ck_assert_str_eq(res->outputs[i].value,
			    "line 1\nline 2");
			seen |= 2;
		}
	}
	ck_assert_int_eq(seen, 3);
	tl_stage_free(&r);

	tl_stage_init(&sp, &r, "head -c 5000 /dev/zero | tr '\\0' a | "
	    "sed 's/^/big=/' >> $LABHIT_OUTPUT");
	sp.output_limit = 1024;
	res = tl_stage_run(&r, &sp);
	ck_assert(!stage_result_ok(res));
	ck_assert_int_eq(res->exit_code, 0);
	ck_assert_msg(strstr(res->error, "over the limit") != NULL, "%s",
	    res->error);
	ck_assert_uint_eq(res->n_outputs, 0);
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_missing_image)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;
	char				 want[512];

	tl_stage_init(&sp, &r, "true");
	sp.image = "debian:12";
	sp.images_dir = r.ws;
	res = tl_stage_run(&r, &sp);
	ck_assert_int_eq(res->started, 0);
	ck_assert(!stage_result_ok(res));
	(void)snprintf(want, sizeof(want), "image debian:12 not found at "
	    "%s/debian_12: create it with debootstrap", r.ws);
	ck_assert_msg(strncmp(res->error, want, strlen(want)) == 0, "%s",
	    res->error);
	tl_stage_free(&r);
}
END_TEST

/* A minimal image made of dash, cat and their libraries. */
START_TEST(test_image_rootfs)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;
	char				 img[512], cmd[2048];

	tl_stage_init(&sp, &r, "cat /etc/image-marker; "
	    "test -e /usr/bin/awk || echo no-host-usr; "
	    "echo ok > /workspace/from-image");
	(void)snprintf(img, sizeof(img), "%s/images/tiny_1", r.ws);
	(void)snprintf(cmd, sizeof(cmd), "set -e; I=%s; mkdir -p $I/bin "
	    "$I/etc; cp /usr/bin/dash $I/bin/sh; cp /usr/bin/cat $I/bin/cat; "
	    "cp /usr/bin/test $I/bin/test; "
	    "for b in dash cat test; do for l in $(ldd /usr/bin/$b | "
	    "grep -o '/[^ ]*'); do cp --parents -L $l $I/; done; done; "
	    "echo from-image > $I/etc/image-marker; chmod -R a+rX %s/images",
	    img, r.ws);
	ck_assert_int_eq(system(cmd), 0);
	sp.image = "tiny:1";
	(void)snprintf(cmd, sizeof(cmd), "%s/images", r.ws);
	sp.images_dir = cmd;
	res = tl_stage_run(&r, &sp);
	ck_assert_msg(stage_result_ok(res), "%s / %s", res->error, r.log);
	ck_assert_msg(has(&r, "O:from-image\n") && has(&r, "O:no-host-usr\n"),
	    "%s", r.log);
	(void)snprintf(cmd, sizeof(cmd), "%s/from-image", r.ws);
	ck_assert_int_eq(access(cmd, F_OK), 0);
	tl_stage_free(&r);
}
END_TEST

static void
multi_done(struct lh_stage *st, const struct lh_stage_result *res,
    void *arg)
{
	int	*left = arg;

	ck_assert(stage_result_ok(res));
	(*left)--;
	stage_free(st);		/* allowed from inside on_done */
}

static int
count_fds(void)
{
	char	path[64];
	int	fd, n = 0;

	for (fd = 0; fd < 1024; fd++) {
		(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (access(path, F_OK) == 0)
			n++;
	}
	return n;
}

START_TEST(test_concurrent_stages)
{
	static const struct lh_stage_cbs mcbs = { NULL, multi_done };
	struct lh_stage_spec	 sp;
	struct tl_stage_run		 r;
	int			 i, left = 4, fds;

	tl_stage_init(&sp, &r, "sleep 0.3; echo done");
	fds = count_fds();
	for (i = 0; i < 4; i++)
		ck_assert_ptr_nonnull(stage_start(r.base, &sp, &mcbs, &left));
	ck_assert_int_ne(event_base_dispatch(r.base), -1);
	ck_assert_int_eq(left, 0);
	ck_assert_int_eq(count_fds(), fds);	/* nothing leaked */
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);	/* all reaped */
	if (r.log == NULL)
		r.log = strdup("");
	tl_stage_free(&r);
}
END_TEST

START_TEST(test_mode_none)
{
	struct lh_stage_spec		 sp;
	struct tl_stage_run		 r;
	const struct lh_stage_result	*res;
	char				 want[600];

	tl_stage_init(&sp, &r, "echo \"home=$HOME\"; echo x > made-here; "
	    "echo 'k=v' >> \"$LABHIT_OUTPUT\"; sleep 100 & "
	    "setsid sleep 2 >/dev/null 2>&1 & echo bg");
	sp.mode = LH_STAGE_NONE;
	res = tl_stage_run(&r, &sp);
	ck_assert_msg(stage_result_ok(res), "%s", res->error);
	ck_assert(has(&r, "S:WARNING: no sandbox"));
	(void)snprintf(want, sizeof(want), "O:home=%s\n", r.ws);
	ck_assert_msg(has(&r, want), "%s", r.log);
	ck_assert_uint_eq(res->n_outputs, 1);
	/* the background sleep did not keep the stage alive */
	ck_assert_uint_lt(res->duration_ms, 3000);
	(void)snprintf(want, sizeof(want), "%s/made-here", r.ws);
	ck_assert_int_eq(access(want, F_OK), 0);
	tl_stage_free(&r);
}
END_TEST

static Suite *
stage_suite(void)
{
	Suite	*s = suite_create("stage");
	TCase	*tc = tcase_create("sandbox");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_echo_and_exit_codes);
	tcase_add_test(tc, test_env_scrubbed);
	tcase_add_test(tc, test_workspace_shared);
	tcase_add_test(tc, test_readonly_host);
	tcase_add_test(tc, test_host_files_hidden);
	tcase_add_test(tc, test_no_network);
	tcase_add_test(tc, test_fork_bomb);
	tcase_add_test(tc, test_process_budget_is_the_stages);
	tcase_add_test(tc, test_memory_hog);
	/* a gigabyte through pipes takes minutes in an emulated VM, and
	 * the cgroup changes nothing there: the host runs it */
	if (!tl_cgroup_required())
		tcase_add_test(tc, test_gigabyte_stdout);
	tcase_add_test(tc, test_timeout_sigterm);
	tcase_add_test(tc, test_sigterm_ignored);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_seccomp_in_sandbox);
	tcase_add_test(tc, test_free_running);
	tcase_add_test(tc, test_exec_failure);
	tcase_add_test(tc, test_sandbox_setup_error);
	tcase_add_test(tc, test_cancel_and_free_at_once);
	tcase_add_test(tc, test_secret_masking);
	tcase_add_test(tc, test_outputs);
	tcase_add_test(tc, test_missing_image);
	tcase_add_test(tc, test_image_rootfs);
	tcase_add_test(tc, test_concurrent_stages);
	tcase_add_test(tc, test_mode_none);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	/* first, while the suite is still alone in its cgroup */
	if (tl_cgroup_required()) {
		char why[512] = "";

		if (tl_cgroup_own(cg_dir, sizeof(cg_dir), why,
		    sizeof(why)) == -1 || cgroup_tree_setup(&cg_tree, cg_dir,
		    geteuid(), getegid()) == -1 ||
		    cg_tree.controllers != LH_CG_ALL) {
			fprintf(stderr, "check_stage: cgroup limits required: "
			    "%s%s\n", why, cg_tree.why);
			return EXIT_FAILURE;
		}
	}
	if (access("/usr/bin/bwrap", X_OK) != 0 ||
	    system("/usr/bin/bwrap --unshare-user --unshare-pid --ro-bind / / "
	    "true >/dev/null 2>&1") != 0) {
		fprintf(stderr, "bubblewrap cannot run here: %s\n",
		    tl_cgroup_required() ? "failed" : "skipped");
		return tl_cgroup_required() ? EXIT_FAILURE : 77;
	}
	tl_stage_cgroups = cg_tree.usable ? &cg_tree : NULL;
	sr = srunner_create(stage_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
