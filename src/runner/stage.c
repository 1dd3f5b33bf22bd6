/*
 * stage.c: life cycle of one stage on a libevent base: prepare (user,
 * image, env, scratch dir), spawn under bwrap, read the pipes, enforce the
 * timeout, kill the tree, reap, collect outputs and resources. Runs in the
 * runner process and in `labhit run`; many stages share one event_base.
 */
#include "config.h"

#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/logcap.h"
#include "runner/outputs.h"
#include "runner/sandbox.h"
#include "runner/stage.h"
#include "runner/stage_prep.h"
#include "runner/stage_spawn.h"
#include "runner/stage_verdict.h"
#include "shared/cgroup.h"
#include "shared/log.h"

#define ST_READ_CHUNK	65536
#define ST_READS_PER_CB	16
#define ST_LINGER_MS	2000	/* pipes held open after exit (mode none) */

struct lh_stage {
	struct event_base	*base;
	struct lh_stage_cbs	 cbs;
	void			*arg;
	char			*name;
	char			*path;		/* what the stage execs */
	enum lh_stage_mode	 mode;
	pid_t			 pid;		/* stage process = group */
	pid_t			 shepherd;	/* our child, reaps the tree */
	int			 pidfd;		/* of the shepherd */
	int			 report_fd;
	struct event		*ev_report;
	int			 fd[2];		/* stdout, stderr read ends */
	struct event		*ev_pipe[2];
	struct event		*ev_exit;
	struct event		*ev_timeout;
	struct event		*ev_kill;
	struct event		*ev_linger;
	struct event		*ev_fail;	/* start error */
	struct lh_logcap	*lc;
	char			*outdir;	/* scratch dir: stage_scratch_get */
	int			 out_drop;	/* its owner, for _put */
	uid_t			 out_uid;
	gid_t			 out_gid;
	size_t			 output_limit;
	uint32_t		 timeout_ms;
	uint32_t		 grace_ms;
	uint64_t		 memory_bytes;
	int64_t			 start_mono;
	int			 exited;
	int			 term_sent;
	int			 term_pending;	/* asked before START */
	int			 kill_pending;
	int			 have_end;
	int			 tree_gone;	/* END: every process reaped */
	int			 oom_hint;	/* stderr: "memory" */
	int			 fork_hint;	/* stderr: a refused fork */
	struct lh_cgroup	 cg;		/* when have_cg */
	int			 have_cg;
	uint32_t		 max_procs;
	uint64_t		 oom_kills;	/* from the cgroup */
	char			 bwrap_err[160]; /* bwrap's own complaint */
	int			 done;
	struct lh_stage_result	 res;
};

static void	st_finish(struct lh_stage *);

static void
st_seterr(struct lh_stage *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
st_seterr(struct lh_stage *st, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	stage_vreason(&st->res, fmt, ap);
	va_end(ap);
}

static void
st_system(struct lh_stage *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
st_system(struct lh_stage *st, const char *fmt, ...)
{
	va_list	ap;
	char	msg[640];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (st->lc != NULL)
		logcap_system(st->lc, msg, spawn_now_ms());
}

static void
st_emit(void *arg, enum lh_stream stream, const char *line, size_t len,
    int64_t ts_ms)
{
	struct lh_stage	*st = arg;

	/* bwrap failing to set the sandbox up says so on stderr */
	if (st->mode == LH_STAGE_BWRAP && stream == LH_STREAM_STDERR &&
	    st->bwrap_err[0] == '\0' && len > 7 &&
	    memcmp(line, "bwrap: ", 7) == 0)
		(void)snprintf(st->bwrap_err, sizeof(st->bwrap_err), "%.*s",
		    (int)len, line);
	if (st->memory_bytes > 0 && !st->oom_hint &&
	    stream == LH_STREAM_STDERR && stage_says_out_of_memory(line, len))
		st->oom_hint = 1;
	/* a pids cgroup counts refused forks exactly; without one, what the
	 * shell says is all there is (a stage saying it falsely only fails
	 * itself) */
	if (!st->fork_hint && stream == LH_STREAM_STDERR &&
	    !(st->have_cg && (st->cg.limited & LH_CG_PIDS)) &&
	    stage_says_fork_refused(line, len))
		st->fork_hint = 1;
	if (st->cbs.on_log != NULL)
		st->cbs.on_log(st, stream, line, len, ts_ms, st->arg);
}

int
stage_result_ok(const struct lh_stage_result *r)
{
	return r->started && r->exit_code == 0 && r->term_signal == 0 &&
	    !r->timed_out && !r->cancelled && !r->killed_for_memory &&
	    r->error[0] == '\0';
}

const char *
stage_name(const struct lh_stage *st)
{
	return st->name;
}

pid_t
stage_pid(const struct lh_stage *st)
{
	return st->exited ? 0 : st->pid;	/* 0 also until it exec'ed */
}

/* ---- killing the tree ---- */

/* ppid and pgrp of a process from /proc/PID/stat; -1 if gone. */
static int
st_proc_ids(pid_t pid, pid_t *ppid, pid_t *pgrp)
{
	char	path[64], buf[512], *p;
	ssize_t	n;
	int	fd;
	char	state;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %c %d %d", &state, ppid, pgrp) != 3)
		return -1;
	return 0;
}

/*
 * SIGTERM for a bwrap stage goes to the stage's own processes, not to the
 * two bwrap processes: their default action would end the pid namespace
 * at once, skipping the grace period. They share our child's process group
 * (no --new-session); a pidfd makes the signal immune to pid reuse.
 */
static void
st_term_sandboxed(struct lh_stage *st)
{
	struct dirent	*de;
	DIR		*d;
	pid_t		 p, ppid, pgrp;
	char		*end;
	long		 v;
	int		 fd;

	if ((d = opendir("/proc")) == NULL) {
		log_warn("stage %s: opendir /proc", st->name);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		errno = 0;
		v = strtol(de->d_name, &end, 10);
		if (errno != 0 || *end != '\0' || v <= 0 || v > INT_MAX)
			continue;
		p = (pid_t)v;
		if (p == st->pid || st_proc_ids(p, &ppid, &pgrp) == -1 ||
		    pgrp != st->pid || ppid == st->pid)
			continue;
		if ((fd = pidfd_open(p, 0)) == -1)
			continue;
		if (st_proc_ids(p, &ppid, &pgrp) == 0 && pgrp == st->pid)
			(void)pidfd_send_signal(fd, SIGTERM, NULL, 0);
		close(fd);
	}
	closedir(d);
}

static void
st_kill_now(struct lh_stage *st)
{
	if (st->shepherd <= 0 || st->exited)
		return;
	if (st->pid <= 0) {
		st->kill_pending = 1;	/* done when START arrives */
		return;
	}
	/* bwrap: the namespace's init is in the group; when it dies the
	 * kernel kills everything in the namespace */
	(void)killpg(st->pid, SIGKILL);
	/* and whatever left the group (setsid in mode none) */
	if (st->have_cg)
		(void)cgroup_stage_kill(&st->cg);
}

static void
st_kill_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lh_stage	*st = arg;

	(void)fd;
	(void)what;
	if (st->exited)
		return;
	st_system(st, "stage still running %u ms after SIGTERM: sending "
	    "SIGKILL", st->grace_ms);
	st_kill_now(st);
}

static void
st_terminate(struct lh_stage *st)
{
	struct timeval	tv;

	if (st->shepherd <= 0 || st->exited || st->term_sent)
		return;
	if (st->pid <= 0) {
		st->term_pending = 1;	/* done when START arrives */
		return;
	}
	st->term_sent = 1;
	if (st->mode == LH_STAGE_BWRAP)
		st_term_sandboxed(st);
	else
		(void)killpg(st->pid, SIGTERM);
	tv.tv_sec = st->grace_ms / 1000;
	tv.tv_usec = (st->grace_ms % 1000) * 1000;
	if (st->ev_kill == NULL &&
	    (st->ev_kill = evtimer_new(st->base, st_kill_cb, st)) == NULL) {
		st_kill_now(st);
		return;
	}
	if (evtimer_add(st->ev_kill, &tv) == -1)
		st_kill_now(st);
}

static void
st_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lh_stage	*st = arg;

	(void)fd;
	(void)what;
	if (st->exited)
		return;
	st->res.timed_out = 1;
	st_system(st, "stage timed out after %u ms: sending SIGTERM",
	    st->timeout_ms);
	st_terminate(st);
}

void
stage_cancel(struct lh_stage *st)
{
	if (st == NULL || st->done || st->shepherd <= 0 || st->exited)
		return;
	st->res.cancelled = 1;
	st_system(st, "stage cancelled: sending SIGTERM");
	st_terminate(st);
}

/* ---- pipes and exit ---- */

static void
st_close_pipe(struct lh_stage *st, int i)
{
	if (st->ev_pipe[i] != NULL) {
		event_free(st->ev_pipe[i]);
		st->ev_pipe[i] = NULL;
	}
	if (st->fd[i] != -1) {
		close(st->fd[i]);
		st->fd[i] = -1;
	}
}

static void
st_check_complete(struct lh_stage *st)
{
	if (st->exited && st->fd[0] == -1 && st->fd[1] == -1 && !st->done)
		st_finish(st);
}

static void
st_pipe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lh_stage	*st = arg;
	enum lh_stream	 stream;
	char		 buf[ST_READ_CHUNK];
	ssize_t		 n;
	int		 i, reads;

	(void)what;
	i = fd == st->fd[0] ? 0 : 1;
	stream = i == 0 ? LH_STREAM_STDOUT : LH_STREAM_STDERR;
	for (reads = 0; reads < ST_READS_PER_CB; reads++) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			break;
		if (logcap_feed(st->lc, stream, buf, (size_t)n,
		    spawn_now_ms()) == -1)
			log_warnx("stage %s: out of memory for its log",
			    st->name);
	}
	if (reads == ST_READS_PER_CB)
		return;		/* more to read: let other events run */
	(void)logcap_eof(st->lc, stream, spawn_now_ms());
	st_close_pipe(st, i);
	st_check_complete(st);
}

static void
st_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lh_stage	*st = arg;

	(void)fd;
	(void)what;
	st_system(st, "a process that left the stage's process group still "
	    "holds its output open: closing");
	st_close_pipe(st, 0);
	st_close_pipe(st, 1);
	st_check_complete(st);
}

static void
st_record_exit(struct lh_stage *st, int status, const struct rusage *ru)
{
	st->res.cpu_seconds = (double)ru->ru_utime.tv_sec +
	    (double)ru->ru_utime.tv_usec / 1e6 +
	    (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
	st->res.peak_memory_kb = ru->ru_maxrss;
	if (WIFEXITED(status))
		st->res.exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status)) {
		st->res.exit_code = -1;
		st->res.term_signal = WTERMSIG(status);
	}
	/* bwrap reports a command killed by signal N as 128 + N */
	if (st->mode == LH_STAGE_BWRAP && st->res.exit_code > 128 &&
	    st->res.exit_code < 128 + NSIG && st->res.term_signal == 0 &&
	    st->term_sent) {
		st->res.term_signal = st->res.exit_code - 128;
		st->res.exit_code = -1;
	}
}

/* Reads what the shepherd has said so far. */
static void
st_drain_report(struct lh_stage *st)
{
	struct lh_spawn_msg	m;
	char			err[256];
	int			r;

	while (st->report_fd != -1 &&
	    (r = spawn_read(st->report_fd, &m)) != 0) {
		if (r == -1) {
			if (st->ev_report != NULL)
				event_del(st->ev_report);
			return;
		}
		if (m.type == LH_SPAWN_END) {
			st->have_end = 1;
			st->tree_gone = m.reaped_all;
			st_record_exit(st, m.status, &m.ru);
		} else if (m.step != 0) {
			spawn_start_error(st->path, &m, err, sizeof(err));
			log_warnx("stage %s: %s", st->name, err);
			st_seterr(st, "%s", err);
			st->res.started = 0;
		} else if (st->pid == 0 && m.child > 0) {
			st->pid = m.child;
			if (st->kill_pending)
				st_kill_now(st);
			else if (st->term_pending)
				st_terminate(st);
		}
	}
}

static void
st_report_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	st_drain_report(arg);
}

static void
st_exit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lh_stage	*st = arg;
	struct timeval	 tv;
	pid_t		 r;
	int		 sstatus;

	(void)fd;
	(void)what;
	do
		r = waitpid(st->shepherd, &sstatus, WNOHANG);
	while (r == -1 && errno == EINTR);
	if (r == 0)
		return;		/* spurious */
	/* ECHILD: someone else reaped it (SIGCHLD ignored); its messages
	 * were written before it exited, so they are still there */
	if (r == -1 && errno != ECHILD)
		log_warn("stage %s: waitpid %d", st->name, (int)st->shepherd);
	st_drain_report(st);
	if (!st->have_end && st->res.started) {
		log_warnx("stage %s: no exit report from its shepherd "
		    "(pid %d)", st->name, (int)st->shepherd);
		st_seterr(st, "lost track of the stage process");
	}
	st->exited = 1;
	if (st->have_cg && cgroup_stage_populated(&st->cg) == 1) {
		st_system(st, "killing processes left in the stage's cgroup");
		(void)cgroup_stage_kill(&st->cg);
	}
	event_del(st->ev_exit);
	if (st->ev_report != NULL)
		event_del(st->ev_report);
	if (st->ev_timeout != NULL)
		evtimer_del(st->ev_timeout);
	if (st->ev_kill != NULL)
		evtimer_del(st->ev_kill);
	if (st->fd[0] != -1 || st->fd[1] != -1) {
		tv.tv_sec = ST_LINGER_MS / 1000;
		tv.tv_usec = (ST_LINGER_MS % 1000) * 1000;
		st->ev_linger = evtimer_new(st->base, st_linger_cb, st);
		if (st->ev_linger == NULL ||
		    evtimer_add(st->ev_linger, &tv) == -1) {
			st_close_pipe(st, 0);
			st_close_pipe(st, 1);
		}
	}
	st_check_complete(st);
}

/* ---- end of a stage ---- */

/* Exact figures from the stage's cgroup, for the whole tree. */
static void
st_cgroup_collect(struct lh_stage *st)
{
	struct lh_cgroup_stats	s;

	if (cgroup_stage_stats(&st->cg, &s) == -1) {
		log_warn("stage %s: cgroup statistics", st->name);
		return;
	}
	st->res.cpu_seconds = s.cpu_seconds;
	if (s.memory_peak > 0)
		st->res.peak_memory_kb = (long)(s.memory_peak / 1024);
	st->oom_kills = s.oom_kills;
	if (s.oom_kills > 0)
		st_system(st, "the stage reached its memory limit of %llu MiB: "
		    "the kernel killed it", (unsigned long long)
		    (st->memory_bytes >> 20));
	if (s.pids_max_hits > 0) {
		st->res.hit_process_limit = 1;
		st_system(st, "the stage reached its limit of %u processes: "
		    "%llu forks were refused", st->max_procs,
		    (unsigned long long)s.pids_max_hits);
	}
}

static void
st_classify(struct lh_stage *st)
{
	struct lh_stage_facts	f;

	memset(&f, 0, sizeof(f));
	f.memory_bytes = st->memory_bytes;
	f.max_procs = st->max_procs;
	f.timeout_ms = st->timeout_ms;
	f.memory_cgroup = st->have_cg && (st->cg.limited & LH_CG_MEMORY);
	f.oom_kills = st->oom_kills;
	f.oom_hint = st->oom_hint;
	f.fork_hint = st->fork_hint;
	f.bwrap_err = st->bwrap_err;
	if (stage_verdict(&f, &st->res) == 1)
		st_system(st, "the stage reached its limit of %u processes: "
		    "a fork was refused", st->max_procs);
}

static void
st_collect_outputs(struct lh_stage *st)
{
	char	 path[PATH_MAX], err[256], *m;
	size_t	 i, mlen;

	if (snprintf(path, sizeof(path), "%s/output", st->outdir) >=
	    (int)sizeof(path))
		return;
	if (outputs_read_file(path, st->output_limit, &st->res.outputs,
	    &st->res.n_outputs, err, sizeof(err)) == -1) {
		st_system(st, "invalid $LABHIT_OUTPUT: %s", err);
		st_seterr(st, "invalid $LABHIT_OUTPUT: %s", err);
		return;
	}
	for (i = 0; i < st->res.n_outputs; i++) {
		m = logcap_mask(st->lc, st->res.outputs[i].value,
		    strlen(st->res.outputs[i].value), &mlen);
		if (m == NULL)
			continue;
		free(st->res.outputs[i].value);
		st->res.outputs[i].value = m;
	}
}

static void
st_cgroup_drop(struct lh_stage *st)
{
	if (!st->have_cg)
		return;
	cgroup_stage_destroy(&st->cg);
	st->have_cg = 0;
}

/* Last thing done with st: on_done may free it. */
static void
st_finish(struct lh_stage *st)
{
	int64_t	now = spawn_now_ms();

	st->done = 1;
	if (st->ev_linger != NULL)
		evtimer_del(st->ev_linger);
	/* the tail first: the classification reads what stderr said */
	if (st->lc != NULL) {
		(void)logcap_finish(st->lc, now);
		st->res.log_truncated = logcap_truncated(st->lc);
		st->res.log_bytes = logcap_total_bytes(st->lc);
	}
	if (st->res.started) {
		st->res.duration_ms = (uint64_t)(spawn_mono_ms() -
		    st->start_mono);
		if (st->have_cg)
			st_cgroup_collect(st);
		st_classify(st);
		if (st->outdir != NULL)
			st_collect_outputs(st);
		log_debug("stage %s (pid %d) ended after %llu ms: %s",
		    st->name, (int)st->pid,
		    (unsigned long long)st->res.duration_ms,
		    st->res.error[0] != '\0' ? st->res.error : "success");
	}
	/* in a bwrap sandbox nothing of the stage outlives its pid
	 * namespace, so nothing can write to a kept dir any more */
	stage_scratch_put(st->outdir, st->out_drop, st->out_uid, st->out_gid,
	    st->mode == LH_STAGE_BWRAP && st->have_end && st->tree_gone);
	st->outdir = NULL;
	st_cgroup_drop(st);
	if (st->cbs.on_done != NULL)
		st->cbs.on_done(st, &st->res, st->arg);
}

static void
st_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	st_finish(arg);
}

/* ---- start ---- */

static int
st_pipes(struct lh_stage *st, int child[2])
{
	int	p[2], i;

	for (i = 0; i < 2; i++) {
		if (pipe2(p, O_CLOEXEC) == -1) {
			st_seterr(st, "pipe2: %s", strerror(errno));
			return -1;
		}
		st->fd[i] = p[0];
		child[i] = p[1];
		if (fcntl(p[0], F_SETFL, O_NONBLOCK) == -1) {
			st_seterr(st, "fcntl: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int
st_watch(struct lh_stage *st)
{
	struct timeval	tv;
	int		i;

	if ((st->pidfd = pidfd_open(st->shepherd, 0)) == -1) {
		st_seterr(st, "pidfd_open: %s", strerror(errno));
		return -1;
	}
	st->ev_exit = event_new(st->base, st->pidfd, EV_READ | EV_PERSIST,
	    st_exit_cb, st);
	if (st->ev_exit == NULL || event_add(st->ev_exit, NULL) == -1)
		goto fail;
	st->ev_report = event_new(st->base, st->report_fd,
	    EV_READ | EV_PERSIST, st_report_cb, st);
	if (st->ev_report == NULL || event_add(st->ev_report, NULL) == -1)
		goto fail;
	for (i = 0; i < 2; i++) {
		st->ev_pipe[i] = event_new(st->base, st->fd[i],
		    EV_READ | EV_PERSIST, st_pipe_cb, st);
		if (st->ev_pipe[i] == NULL ||
		    event_add(st->ev_pipe[i], NULL) == -1)
			goto fail;
	}
	if (st->timeout_ms > 0) {
		tv.tv_sec = st->timeout_ms / 1000;
		tv.tv_usec = (st->timeout_ms % 1000) * 1000;
		st->ev_timeout = evtimer_new(st->base, st_timeout_cb, st);
		if (st->ev_timeout == NULL ||
		    evtimer_add(st->ev_timeout, &tv) == -1)
			goto fail;
	}
	return 0;
 fail:
	st_seterr(st, "cannot register the stage's events");
	return -1;
}

static void
st_reap_now(struct lh_stage *st)
{
	struct pollfd	pfd;
	int		status;

	if (st->pid == 0 && st->report_fd != -1) {
		/* learn the stage's group first; START comes in a moment */
		st->kill_pending = 1;
		pfd.fd = st->report_fd;
		pfd.events = POLLIN;
		(void)poll(&pfd, 1, 2000);
		st_drain_report(st);
	}
	st_kill_now(st);
	if (st->pid == 0)
		(void)kill(st->shepherd, SIGKILL);
	while (waitpid(st->shepherd, &status, 0) == -1 && errno == EINTR)
		;
	st->exited = 1;
}

/* A cgroup with the stage's limits, when the spec offers a tree; else
 * (or when it cannot be made) rlimits do the job. */
static void
st_cgroup_make(struct lh_stage *st, const struct lh_stage_spec *spec)
{
	struct lh_cgroup_limits	 lim;
	char			 name[64], err[256];

	if (spec->cgroups == NULL || !spec->cgroups->usable)
		return;
	lim.memory_bytes = spec->memory_bytes;
	lim.pids = st->max_procs;
	lim.cpus = spec->cpus > 0 ? (uint32_t)spec->cpus : 0;
	cgroup_stage_name(name, sizeof(name));
	if (cgroup_stage_create(spec->cgroups, name, &lim, &st->cg, err,
	    sizeof(err)) == -1) {
		log_warnx("stage %s: %s: using rlimits", st->name, err);
		return;
	}
	st->have_cg = 1;
}

/* What to exec; -1 with st's error set. */
static int
st_prepare(struct lh_stage *st, const struct lh_stage_spec *spec,
    struct lh_spawn *sp, struct sbx_argv *env, struct sbx_argv *argv,
    int *sfd)
{
	struct sbx_argv	 cmd = { NULL, 0, 0 };
	char		 rootfs[PATH_MAX], outpath[PATH_MAX], err[512];
	const char	*root = NULL;
	int		 none = spec->mode == LH_STAGE_NONE;

	err[0] = '\0';
	sp->drop_user = geteuid() == 0;
	if ((sp->drop_user && stage_resolve_user(spec, &sp->uid, &sp->gid,
	    err, sizeof(err)) == -1) || stage_check_spec(spec, sp->drop_user,
	    sp->uid, sp->gid, err, sizeof(err)) == -1)
		goto fail;
	if (spec->image != NULL && !none) {
		if (stage_image_path(spec->images_dir, spec->image, rootfs,
		    sizeof(rootfs)) == -1) {
			(void)snprintf(err, sizeof(err), "invalid image name "
			    "\"%s\" or no images_dir", spec->image);
			goto fail;
		}
		if (sbx_check_image(spec->image, rootfs, err,
		    sizeof(err)) == -1)
			goto fail;
		root = rootfs;
	}
	if ((st->outdir = stage_scratch_get(spec, sp->drop_user, sp->uid,
	    sp->gid, err, sizeof(err))) == NULL)
		goto fail;
	st->out_drop = sp->drop_user;
	st->out_uid = sp->uid;
	st->out_gid = sp->gid;
	(void)snprintf(outpath, sizeof(outpath), "%s/output", st->outdir);
	if (stage_build_env(spec, none ? spec->workspace : "/workspace",
	    none ? outpath : LH_STAGE_OUTPUT_PATH, env, err,
	    sizeof(err)) == -1)
		goto fail;
	*sfd = stage_build_command(spec, root, st->outdir, &cmd, argv, err,
	    sizeof(err));
	sbx_argv_free(&cmd);
	if (*sfd == -1)
		goto fail;
	if (*sfd == -2)
		*sfd = -1;
	sp->path = argv->v[0];
	sp->argv = argv->v;
	sp->envp = env->v;
	sp->chdir = none ? spec->workspace : NULL;
	st_cgroup_make(st, spec);
	stage_fill_spawn(sp, spec, st->memory_bytes, st->have_cg ?
	    st->cg.limited : 0);
	if (st->have_cg)
		sp->cgroup_fd = st->cg.dirfd;
	return 0;
 fail:
	st_seterr(st, "%s", err[0] != '\0' ? err : "cannot prepare the stage");
	return -1;
}

static int
st_launch(struct lh_stage *st, const struct lh_stage_spec *spec)
{
	struct sbx_argv		 env = { NULL, 0, 0 }, argv = { NULL, 0, 0 };
	struct lh_spawn		 sp;
	struct lh_spawned	 sd;
	char			 err[512];
	int			 child[2] = { -1, -1 }, sfd = -1, rc = -1;

	spawn_init(&sp);
	if (st_prepare(st, spec, &sp, &env, &argv, &sfd) == -1 ||
	    st_pipes(st, child) == -1)
		goto out;
	sp.fd_out = child[0];
	sp.fd_err = child[1];
	sp.fd_extra = sfd;
	if (spec->mode == LH_STAGE_NONE) {
		log_warnx("stage %s runs WITHOUT A SANDBOX (sandbox = none): "
		    "for development only", st->name);
		st_system(st, "WARNING: no sandbox (sandbox = none): this "
		    "stage runs directly on the host, for development only");
	}
	if ((st->path = strdup(sp.path)) == NULL) {
		st_seterr(st, "out of memory");
		goto out;
	}
	st->start_mono = spawn_mono_ms();
	if (spawn_stage(&sp, &sd, err, sizeof(err)) == -1) {
		st_seterr(st, "%s", err);
		goto out;
	}
	st->shepherd = sd.shepherd;
	st->report_fd = sd.report_fd;
	st->res.started = 1;
	if (st_watch(st) == -1) {
		st_reap_now(st);
		st->res.started = 0;
		goto out;
	}
	rc = 0;
 out:
	if (child[0] != -1)
		close(child[0]);
	if (child[1] != -1)
		close(child[1]);
	if (sfd != -1)
		close(sfd);
	sbx_argv_free(&env);
	sbx_argv_free(&argv);
	return rc;
}

static void
st_release(struct lh_stage *st)
{
	int	i;

	for (i = 0; i < 2; i++)
		st_close_pipe(st, i);
	if (st->ev_exit != NULL)
		event_free(st->ev_exit);
	if (st->ev_report != NULL)
		event_free(st->ev_report);
	if (st->ev_timeout != NULL)
		event_free(st->ev_timeout);
	if (st->ev_kill != NULL)
		event_free(st->ev_kill);
	if (st->ev_linger != NULL)
		event_free(st->ev_linger);
	if (st->ev_fail != NULL)
		event_free(st->ev_fail);
	st->ev_exit = st->ev_report = st->ev_timeout = st->ev_kill = NULL;
	st->ev_linger = st->ev_fail = NULL;
	if (st->pidfd != -1) {
		close(st->pidfd);
		st->pidfd = -1;
	}
	if (st->report_fd != -1) {
		close(st->report_fd);
		st->report_fd = -1;
	}
}

struct lh_stage *
stage_start(struct event_base *base, const struct lh_stage_spec *spec,
    const struct lh_stage_cbs *cbs, void *arg)
{
	struct lh_stage	*st;
	struct timeval	 now = { 0, 0 };

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->base = base;
	st->cbs = *cbs;
	st->arg = arg;
	st->mode = spec->mode;
	st->fd[0] = st->fd[1] = st->pidfd = st->report_fd = -1;
	st->res.exit_code = -1;
	st->timeout_ms = spec->timeout_ms;
	st->grace_ms = spec->kill_grace_ms != 0 ? spec->kill_grace_ms :
	    LH_STAGE_DEFAULT_GRACE_MS;
	st->memory_bytes = spec->memory_bytes;
	st->max_procs = stage_max_procs(spec);
	st->output_limit = spec->output_limit != 0 ? spec->output_limit :
	    LH_STAGE_DEFAULT_OUTPUT_LIMIT;
	st->name = strdup(spec->name != NULL ? spec->name : "stage");
	st->lc = logcap_new(spec->log_limit != 0 ? spec->log_limit :
	    LH_STAGE_DEFAULT_LOG_LIMIT, 0, spec->secrets, st_emit, st);
	if (st->name == NULL || st->lc == NULL)
		goto fail;
	if (st_launch(st, spec) == 0)
		return st;
	/* start errors arrive through on_done, from the event loop, and go
	 * into the stage's result: the log only notes them */
	log_info("stage %s: %s", st->name, st->res.error);
	st_release(st);
	st->ev_fail = evtimer_new(base, st_fail_cb, st);
	if (st->ev_fail != NULL && evtimer_add(st->ev_fail, &now) == 0)
		return st;
 fail:
	stage_free(st);
	return NULL;
}

void
stage_free(struct lh_stage *st)
{
	if (st == NULL)
		return;
	if (st->shepherd > 0 && !st->exited)
		st_reap_now(st);
	st_release(st);
	st_cgroup_drop(st);
	stage_scratch_put(st->outdir, st->out_drop, st->out_uid, st->out_gid,
	    0);
	logcap_free(st->lc);
	outputs_free(st->res.outputs, st->res.n_outputs);
	free(st->name);
	free(st->path);
	free(st);
}
