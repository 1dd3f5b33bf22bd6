/*
 * check_serve_signals.c: integration suite for the `labhit serve` process
 * tree: worker respawn after SIGKILL, SIGHUP reload (good, broken, with a
 * request in flight), SIGTERM drain, master death, the state-dir lock,
 * SIGUSR1 log reopen and runner start-up. Runs the real binary.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "tests/integration/serve_util.h"
#include "tests/lib/testlib.h"

#define MAXP 16

static const char *const two_workers[] = { "--workers", "2", "--runners",
    "0", NULL };

/* Writes text to path atomically (temp file + rename). */
static void
rewrite(const char *dir, const char *name, const char *text)
{
	char *tmp, *dst;

	ck_assert(asprintf(&dst, "%s/%s", dir, name) != -1);
	tmp = tl_write_file(dir, "tmp.conf", text);
	ck_assert(tmp != NULL);
	ck_assert_int_eq(rename(tmp, dst), 0);
	free(tmp);
	free(dst);
}

/* Polls until the master has want workers that are not in old[] (old
 * ones may still be draining); copies the new ones into out. Returns 0,
 * or -1 on timeout. */
static int
wait_new_workers(const struct tl_server *s, const pid_t *old, int nold,
    int want, pid_t *out, int timeout_ms)
{
	long long end = tl_now_ms() + timeout_ms;

	do {
		pid_t all[MAXP];
		int n = tl_server_children(s, "worker", all, MAXP), nnew = 0;

		for (int i = 0; i < n; i++)
			if (!su_pids_overlap(&all[i], 1, old, nold))
				out[nnew++] = all[i];
		if (nnew == want)
			return 0;
		usleep(20000);
	} while (tl_now_ms() < end);
	return -1;
}

/* Polls until every pid is gone (or a zombie); 0 or -1. */
static int
wait_all_dead(const pid_t *pids, int n, int timeout_ms)
{
	long long end = tl_now_ms() + timeout_ms;

	do {
		int alive = 0;

		for (int i = 0; i < n; i++)
			if (!su_pid_dead(pids[i]))
				alive++;
		if (alive == 0)
			return 0;
		usleep(20000);
	} while (tl_now_ms() < end);
	return -1;
}

/* X-RateLimit-Limit of GET /health, or -1. */
static long
current_limit(int port)
{
	struct tl_response r;
	const char *v;
	long limit = -1;

	if (tl_get(port, "/health", NULL, &r) == -1)
		return -1;
	if ((v = tl_header(&r, "X-RateLimit-Limit")) != NULL)
		limit = strtol(v, NULL, 10);
	tl_response_free(&r);
	return limit;
}

/* Opens a connection and sends a POST / head announcing 10 body bytes
 * plus the first 4 of them. */
static int
start_slow_post(int port)
{
	static const char part[] = "POST / HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 10\r\n\r\n0123";
	struct pollfd pfd;
	int fd;

	ck_assert((fd = tl_connect(port)) != -1);
	ck_assert_int_eq(tl_send(fd, part, sizeof(part) - 1), 0);
	/* Nothing may come back before the body is complete. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	ck_assert_msg(poll(&pfd, 1, 300) == 0,
	    "server answered an incomplete request");
	return fd;
}

START_TEST(test_sigkill_worker)
{
	struct tl_server s;
	struct tl_response r;
	pid_t before[MAXP], now[MAXP], victim;
	char needle[128], needle2[128];
	int n, requests = 0, respawned = 0;
	long long end;

	su_start(&s, two_workers, NULL);
	n = tl_server_children(&s, "worker", before, MAXP);
	ck_assert_int_eq(n, 2);
	victim = before[0];
	ck_assert_int_eq(kill(victim, SIGKILL), 0);
	/* Keep asking while the master notices and respawns. */
	end = tl_now_ms() + 5000;
	while (tl_now_ms() < end) {
		ck_assert_msg(tl_get(s.port, "/health", NULL, &r) == 0,
		    "request %d during the respawn failed", requests);
		ck_assert_int_eq(r.status, 200);
		tl_response_free(&r);
		requests++;
		n = tl_server_children(&s, "worker", now, MAXP);
		if (n == 2 && !su_pids_overlap(now, n, &victim, 1) &&
		    su_pids_overlap(now, n, before, 2)) {
			respawned = 1;
			break;
		}
		usleep(10000);
	}
	ck_assert_msg(respawned, "no new worker within 5 s");
	/* "worker N (pid X) was terminated by signal 9" for its slot N. */
	snprintf(needle, sizeof(needle), "(pid %ld) was terminated by signal 9",
	    (long)victim);
	ck_assert_msg(tl_server_wait_log(&s, needle, 2000) == 0,
	    "log lacks '%s'", needle);
	snprintf(needle, sizeof(needle), "worker 0 (pid %ld) was terminated "
	    "by signal 9", (long)victim);
	snprintf(needle2, sizeof(needle2), "worker 1 (pid %ld) was terminated "
	    "by signal 9", (long)victim);
	ck_assert_msg(tl_server_wait_log(&s, needle, 0) == 0 ||
	    tl_server_wait_log(&s, needle2, 0) == 0,
	    "death not logged as 'worker N (pid %ld) ...'", (long)victim);
	/* The dead worker was reaped: no zombie left behind. */
	for (long long zend = tl_now_ms() + 1000; su_zombies(s.pid) > 0 &&
	    tl_now_ms() < zend; )
		usleep(20000);
	ck_assert_int_eq(su_zombies(s.pid), 0);
	/* And after: several new connections all answered. */
	for (int i = 0; i < 20; i++) {
		su_get(s.port, "/health", NULL, &r);
		ck_assert_int_eq(r.status, 200);
		tl_response_free(&r);
	}
	ck_assert_int_eq(tl_server_signal_wait(&s, SIGTERM, 10000), 0);
	su_stop(&s);
}
END_TEST

START_TEST(test_sighup_reload)
{
	struct tl_server s;
	pid_t old[MAXP], fresh[MAXP];
	char *dir = tl_tempdir(), *conf, status[32];
	const char *extra[] = { "--workers", "2", "--runners", "0", "-c",
	    NULL, NULL };
	long limit = -1;
	int nold;

	ck_assert(dir != NULL);
	conf = tl_write_file(dir, "labhit.conf", "rate_limit_read = 100/min\n");
	ck_assert(conf != NULL);
	extra[5] = conf;
	su_start(&s, extra, NULL);
	ck_assert_int_eq(current_limit(s.port), 100);
	nold = tl_server_children(&s, "worker", old, MAXP);
	ck_assert_int_eq(nold, 2);

	rewrite(dir, "labhit.conf", "# changed\nrate_limit_read = 7/min\n");
	ck_assert_int_eq(kill(s.pid, SIGHUP), 0);
	for (long long end = tl_now_ms() + 5000; tl_now_ms() < end; ) {
		if ((limit = current_limit(s.port)) == 7)
			break;
		usleep(50000);
	}
	ck_assert_msg(limit == 7, "X-RateLimit-Limit still %ld after reload",
	    limit);
	ck_assert_msg(wait_new_workers(&s, old, nold, 2, fresh, 5000) == 0,
	    "workers not replaced");
	ck_assert_int_eq(wait_all_dead(old, nold, 5000), 0);
	ck_assert_int_eq(tl_server_wait_ready(&s, 5000), 0);
	ck_assert_int_eq(tl_server_status(&s, status, sizeof(status)), 0);
	ck_assert_str_eq(status, "ready");
	ck_assert_int_eq(current_limit(s.port), 7);
	ck_assert_int_eq(tl_server_signal_wait(&s, SIGTERM, 10000), 0);
	su_stop(&s);
	tl_rmtree(dir);
	free(conf);
	free(dir);
}
END_TEST

/* A reload may change the number of workers, both ways; every new
 * connection is still answered afterwards (none lands on a socket that no
 * worker accepts on any more). */
START_TEST(test_sighup_worker_count)
{
	struct tl_server s;
	struct tl_response r;
	pid_t old[MAXP], fresh[MAXP];
	char *dir = tl_tempdir(), *conf;
	const char *extra[] = { "--runners", "0", "-c", NULL, NULL };
	static const char *const texts[] = { "workers = 3\n",
	    "workers = 1\n" };
	static const int counts[] = { 3, 1 };
	int nold;

	ck_assert(dir != NULL);
	conf = tl_write_file(dir, "labhit.conf", "workers = 2\n");
	ck_assert(conf != NULL);
	extra[3] = conf;
	su_start(&s, extra, NULL);
	nold = tl_server_children(&s, "worker", old, MAXP);
	ck_assert_int_eq(nold, 2);
	for (int step = 0; step < 2; step++) {
		rewrite(dir, "labhit.conf", texts[step]);
		ck_assert_int_eq(kill(s.pid, SIGHUP), 0);
		ck_assert_msg(wait_new_workers(&s, old, nold, counts[step],
		    fresh, 5000) == 0, "step %d: not %d new workers", step,
		    counts[step]);
		ck_assert_int_eq(wait_all_dead(old, nold, 5000), 0);
		ck_assert_int_eq(tl_server_wait_ready(&s, 5000), 0);
		ck_assert_int_eq(tl_server_children(&s, "worker", old, MAXP),
		    counts[step]);
		nold = counts[step];
		for (int i = 0; i < 40; i++) {
			ck_assert_msg(tl_get(s.port, "/health", NULL, &r) == 0,
			    "step %d (%d workers): request %d unanswered",
			    step, counts[step], i);
			ck_assert_int_eq(r.status, 200);
			tl_response_free(&r);
		}
	}
	su_stop(&s);
	tl_rmtree(dir);
	free(conf);
	free(dir);
}
END_TEST

START_TEST(test_sighup_broken_config)
{
	struct tl_server s;
	pid_t old[MAXP], now[MAXP];
	char *dir = tl_tempdir(), *conf, needle[4200];
	const char *extra[] = { "--workers", "2", "--runners", "0", "-c",
	    NULL, NULL };
	int nold, n;

	ck_assert(dir != NULL);
	conf = tl_write_file(dir, "labhit.conf", "rate_limit_read = 100/min\n");
	ck_assert(conf != NULL);
	extra[5] = conf;
	su_start(&s, extra, NULL);
	nold = tl_server_children(&s, "worker", old, MAXP);
	ck_assert_int_eq(nold, 2);

	rewrite(dir, "labhit.conf",
	    "rate_limit_read = 5/min\n\nno_such_key = 1\n");
	ck_assert_int_eq(kill(s.pid, SIGHUP), 0);
	snprintf(needle, sizeof(needle), "%s:3: unknown key", conf);
	ck_assert_msg(tl_server_wait_log(&s, needle, 5000) == 0,
	    "log lacks '%s'", needle);
	/* Still running, same workers, old setting. */
	usleep(200000);
	ck_assert_int_eq(waitpid(s.pid, NULL, WNOHANG), 0);
	n = tl_server_children(&s, "worker", now, MAXP);
	ck_assert_int_eq(n, 2);
	ck_assert(su_pids_overlap(now, n, &old[0], 1));
	ck_assert(su_pids_overlap(now, n, &old[1], 1));
	ck_assert_int_eq(current_limit(s.port), 100);

	/* A bad value, not only a bad key. */
	rewrite(dir, "labhit.conf", "rate_limit_read = lots\n");
	ck_assert_int_eq(kill(s.pid, SIGHUP), 0);
	snprintf(needle, sizeof(needle), "%s:1: rate_limit_read", conf);
	ck_assert_msg(tl_server_wait_log(&s, needle, 5000) == 0,
	    "log lacks '%s'", needle);
	ck_assert_int_eq(current_limit(s.port), 100);
	ck_assert_int_eq(tl_server_signal_wait(&s, SIGTERM, 10000), 0);
	su_stop(&s);
	tl_rmtree(dir);
	free(conf);
	free(dir);
}
END_TEST

START_TEST(test_sighup_mid_request)
{
	struct tl_server s;
	struct tl_response r;
	pid_t old[MAXP], fresh[MAXP];
	int fd, nold;

	su_start(&s, two_workers, NULL);
	nold = tl_server_children(&s, "worker", old, MAXP);
	ck_assert_int_eq(nold, 2);
	fd = start_slow_post(s.port);
	ck_assert_int_eq(kill(s.pid, SIGHUP), 0);
	ck_assert_msg(wait_new_workers(&s, old, nold, 2, fresh, 5000) == 0,
	    "new workers did not come up");
	ck_assert_int_eq(tl_server_wait_ready(&s, 5000), 0);
	/* The old worker holding our connection is still there. */
	ck_assert_msg(wait_all_dead(old, nold, 300) == -1,
	    "old workers exited with a request in flight");
	ck_assert_int_eq(tl_send(fd, "456789", 6), 0);
	ck_assert_msg(tl_read_response(fd, &r, 0, 5000) == 0,
	    "request in flight during SIGHUP got no response");
	ck_assert_int_eq(r.status, 405);
	tl_response_free(&r);
	close(fd);
	/* Then the old generation goes away. */
	ck_assert_int_eq(wait_all_dead(old, nold, 5000), 0);
	ck_assert_int_eq(tl_server_signal_wait(&s, SIGTERM, 10000), 0);
	su_stop(&s);
}
END_TEST

START_TEST(test_sigterm_mid_request)
{
	struct tl_server s;
	struct tl_response r;
	pid_t kids[MAXP], runners[MAXP];
	const char *extra[] = { "--workers", "2", "--runners", "1", NULL };
	int fd, nk, nr, status;

	su_start(&s, extra, NULL);
	nk = tl_server_children(&s, "worker", kids, MAXP);
	ck_assert_int_eq(nk, 2);
	nr = tl_server_children(&s, "runner", runners, MAXP);
	ck_assert_int_eq(nr, 1);
	kids[nk++] = runners[0];
	fd = start_slow_post(s.port);
	ck_assert_int_eq(kill(s.pid, SIGTERM), 0);
	/* The master waits for the request. */
	usleep(500000);
	ck_assert_msg(waitpid(s.pid, &status, WNOHANG) == 0,
	    "master exited with a request in flight");
	ck_assert_int_eq(tl_send(fd, "456789", 6), 0);
	ck_assert_msg(tl_read_response(fd, &r, 0, 5000) == 0,
	    "in-flight request got no response after SIGTERM");
	ck_assert_int_eq(r.status, 405);
	tl_response_free(&r);
	close(fd);
	/* Then everything stops, cleanly. */
	for (long long end = tl_now_ms() + 5000; tl_now_ms() < end; ) {
		if (waitpid(s.pid, &status, WNOHANG) == s.pid) {
			s.pid = -1;
			break;
		}
		usleep(20000);
	}
	ck_assert_msg(s.pid == -1, "master still running 5 s after the "
	    "last request");
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* The master reaped its children: they are gone, not zombies. */
	for (int i = 0; i < nk; i++)
		ck_assert_msg(kill(kids[i], 0) == -1 && errno == ESRCH,
		    "child %ld still exists", (long)kids[i]);
	su_stop(&s);
}
END_TEST

/* A client that never finishes its request cannot hold shutdown up past
 * shutdown_timeout: it is cut off and the master still exits 0. */
START_TEST(test_sigterm_shutdown_timeout)
{
	static const char *const env[] = { "LABHIT_SHUTDOWN_TIMEOUT=1s",
	    NULL };
	struct tl_server s;
	pid_t kids[MAXP];
	long long start;
	char buf[256];
	int fd, nk, status = 0;

	su_start(&s, two_workers, env);
	nk = tl_server_children(&s, "worker", kids, MAXP);
	ck_assert_int_eq(nk, 2);
	fd = start_slow_post(s.port);
	start = tl_now_ms();
	ck_assert_int_eq(kill(s.pid, SIGTERM), 0);
	for (long long end = start + 5000; tl_now_ms() < end; ) {
		if (waitpid(s.pid, &status, WNOHANG) == s.pid) {
			s.pid = -1;
			break;
		}
		usleep(20000);
	}
	ck_assert_msg(s.pid == -1, "master still running 5 s after SIGTERM "
	    "with shutdown_timeout = 1s");
	ck_assert_msg(tl_now_ms() - start >= 800, "stopped after %lld ms, "
	    "before the grace period", tl_now_ms() - start);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	for (int i = 0; i < nk; i++)
		ck_assert(kill(kids[i], 0) == -1 && errno == ESRCH);
	/* The stuck client's connection was closed. */
	ck_assert_int_le(read(fd, buf, sizeof(buf)), 0);
	close(fd);
	su_stop(&s);
}
END_TEST

START_TEST(test_master_sigkill)
{
	struct tl_server s;
	pid_t kids[MAXP], runners[MAXP];
	const char *extra[] = { "--workers", "2", "--runners", "1", NULL };
	int nk, nr, status;
	long long end;

	/* Orphans come to us, so we can reap them and see them go. */
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	su_start(&s, extra, NULL);
	nk = tl_server_children(&s, "worker", kids, MAXP);
	ck_assert_int_eq(nk, 2);
	nr = tl_server_children(&s, "runner", runners, MAXP);
	ck_assert_int_eq(nr, 1);
	kids[nk++] = runners[0];
	ck_assert_int_eq(kill(s.pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(s.pid, &status, 0), s.pid);
	s.pid = -1;
	end = tl_now_ms() + 3000;
	for (int left = nk; left > 0 && tl_now_ms() < end; ) {
		pid_t p = waitpid(-1, &status, WNOHANG);

		if (p > 0) {
			for (int i = 0; i < nk; i++)
				if (kids[i] == p)
					left--;
			continue;
		}
		usleep(20000);
	}
	for (int i = 0; i < nk; i++)
		ck_assert_msg(kill(kids[i], 0) == -1 && errno == ESRCH,
		    "child %ld survived its master by 3 s", (long)kids[i]);
	su_stop(&s);
}
END_TEST

START_TEST(test_two_servers_and_lock)
{
	struct tl_server a, b;
	struct tl_response r;
	char serve[] = "serve", listen[] = "--listen", addr[] = "127.0.0.1:0",
	    sd[] = "--state-dir", c[] = "-c", devnull[] = "/dev/null",
	    w[] = "--workers", one[] = "1";
	char *argv[] = { NULL, serve, listen, addr, sd, NULL, c, devnull, w,
	    one, NULL };
	char *out = NULL, *pidfile, pid[32];
	int st;

	su_start(&a, two_workers, NULL);
	su_start(&b, two_workers, NULL);
	ck_assert_int_ne(a.port, b.port);
	ck_assert_str_ne(a.state_dir, b.state_dir);
	su_get(a.port, "/health", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	tl_response_free(&r);
	su_get(b.port, "/health", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	tl_response_free(&r);

	/* A third one on a's state dir must refuse. */
	argv[0] = strdup(tl_bin());
	argv[5] = a.state_dir;
	st = tl_run_timeout(argv, &out, 8000);
	ck_assert_msg(st != -1, "second server on the same state dir kept "
	    "running: %s", out);
	ck_assert(WIFEXITED(st));
	ck_assert_int_ne(WEXITSTATUS(st), 0);
	ck_assert_msg(strstr(out, "another labhit") != NULL, "output: %s",
	    out);
	free(out);
	free(argv[0]);
	/* ... and leave a untouched. */
	ck_assert(asprintf(&pidfile, "%s/labhit.pid", a.state_dir) != -1);
	out = tl_read_file(pidfile, NULL);
	free(pidfile);
	ck_assert(out != NULL);
	snprintf(pid, sizeof(pid), "%ld\n", (long)a.pid);
	ck_assert_msg(strncmp(out, pid, strlen(pid)) == 0, "pid file: %s",
	    out);
	free(out);
	su_get(a.port, "/health", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	tl_response_free(&r);
	ck_assert_int_eq(tl_server_signal_wait(&a, SIGTERM, 10000), 0);
	ck_assert_int_eq(tl_server_signal_wait(&b, SIGTERM, 10000), 0);
	su_stop(&a);
	su_stop(&b);
}
END_TEST

START_TEST(test_sigusr1_reopen)
{
	struct tl_server s;
	struct tl_response r;
	char *dir = tl_tempdir(), *log, *old, *logpath, *oldpath;
	const char *extra[] = { "--workers", "1", "--runners", "0",
	    "--log-file", NULL, NULL };
	int found = 0;

	ck_assert(dir != NULL);
	ck_assert(asprintf(&logpath, "%s/a.log", dir) != -1);
	ck_assert(asprintf(&oldpath, "%s/a.log.1", dir) != -1);
	extra[5] = logpath;
	su_start(&s, extra, NULL);
	su_get(s.port, "/before-rotate", NULL, &r);
	ck_assert_int_eq(r.status, 404);
	tl_response_free(&r);
	ck_assert_int_eq(rename(logpath, oldpath), 0);
	ck_assert_int_eq(kill(s.pid, SIGUSR1), 0);
	/* The master reopens at once, the worker on its message. */
	for (long long end = tl_now_ms() + 3000; tl_now_ms() < end; ) {
		log = tl_read_file(logpath, NULL);
		found = log != NULL && strstr(log, "log file reopened") != NULL;
		free(log);
		if (found)
			break;
		usleep(20000);
	}
	ck_assert_msg(found, "no new a.log after SIGUSR1");
	usleep(200000);
	su_get(s.port, "/after-rotate", NULL, &r);
	ck_assert_int_eq(r.status, 404);
	tl_response_free(&r);
	found = 0;
	for (long long end = tl_now_ms() + 3000; tl_now_ms() < end; ) {
		log = tl_read_file(logpath, NULL);
		found = log != NULL && strstr(log,
		    "GET /after-rotate 404") != NULL;
		free(log);
		if (found)
			break;
		usleep(20000);
	}
	ck_assert_msg(found, "access line not in the reopened a.log");
	old = tl_read_file(oldpath, NULL);
	ck_assert(old != NULL);
	ck_assert(strstr(old, "GET /before-rotate 404") != NULL);
	ck_assert(strstr(old, "/after-rotate") == NULL);
	free(old);
	/* SIGINT stops as gracefully as SIGTERM. */
	ck_assert_int_eq(tl_server_signal_wait(&s, SIGINT, 10000), 0);
	su_stop(&s);
	tl_rmtree(dir);
	free(logpath);
	free(oldpath);
	free(dir);
}
END_TEST

START_TEST(test_runners)
{
	struct tl_server s;
	pid_t runners[MAXP], workers[MAXP];
	const char *extra[] = { "--workers", "2", "--runners", "2", NULL };
	char *log;
	int nr, hits = 0;

	su_start(&s, extra, NULL);
	ck_assert_int_eq(tl_server_children(&s, "worker", workers, MAXP), 2);
	nr = tl_server_children(&s, "runner", runners, MAXP);
	ck_assert_int_eq(nr, 2);
	ck_assert_int_eq(tl_server_wait_log(&s, "runner runner-0-", 5000), 0);
	ck_assert_int_eq(tl_server_wait_log(&s, "runner runner-1-", 5000), 0);
	log = tl_server_log(&s);
	ck_assert(log != NULL);
	/* Each "runner runner-N-PID connected" line comes from a worker and
	 * names a live runner pid. */
	for (const char *line = log; line != NULL && *line != '\0'; ) {
		const char *nl = strchr(line, '\n');
		char *copy = strndup(line, nl != NULL ? (size_t)(nl - line) :
		    strlen(line));
		const char *p;

		ck_assert(copy != NULL);
		if ((p = strstr(copy, "runner runner-")) != NULL &&
		    strstr(copy, " connected") != NULL) {
			long inst, pid;

			ck_assert_msg(strstr(copy, " worker ") != NULL,
			    "not from a worker: %s", copy);
			ck_assert_int_eq(sscanf(p, "runner runner-%ld-%ld",
			    &inst, &pid), 2);
			ck_assert(inst == 0 || inst == 1);
			ck_assert_msg(pid == runners[0] || pid == runners[1],
			    "%s: pid not a runner", copy);
			hits++;
		}
		free(copy);
		line = nl != NULL ? nl + 1 : NULL;
	}
	free(log);
	ck_assert_int_ge(hits, 2);
	ck_assert_int_eq(tl_server_signal_wait(&s, SIGTERM, 10000), 0);
	su_stop(&s);
}
END_TEST

static Suite *
signals_suite(void)
{
	Suite *s = suite_create("serve_signals");
	TCase *tc = tcase_create("signals");

	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, test_sigkill_worker);
	tcase_add_test(tc, test_sighup_reload);
	tcase_add_test(tc, test_sighup_worker_count);
	tcase_add_test(tc, test_sighup_broken_config);
	tcase_add_test(tc, test_sighup_mid_request);
	tcase_add_test(tc, test_sigterm_mid_request);
	tcase_add_test(tc, test_sigterm_shutdown_timeout);
	tcase_add_test(tc, test_master_sigkill);
	tcase_add_test(tc, test_two_servers_and_lock);
	tcase_add_test(tc, test_sigusr1_reopen);
	tcase_add_test(tc, test_runners);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(signals_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
