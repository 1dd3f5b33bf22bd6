/*
 * stage_spawn.c: fork/exec of one stage process with its fds, rlimits,
 * process group, CPU affinity and unprivileged user, under a shepherd
 * process that reaps the whole tree. Runs in the runner process; the
 * forked processes only make async-signal-safe calls.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner/stage_spawn.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC	(1U << 2)
#endif

enum sp_step {
	SP_DUP = 1,
	SP_CGROUP,
	SP_SETPGID,
	SP_RLIMIT,
	SP_USER,
	SP_USERNS,
	SP_CHDIR,
	SP_EXEC,
};

static const char *const sp_step_names[] = {
	"", "dup2", "joining its cgroup", "setpgid", "setrlimit", "setuid",
	"making its user namespace", "chdir", "execve",
};

struct sp_report {
	int		step;		/* 0: exec'ed */
	int		err;
};

int64_t
spawn_now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
spawn_mono_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void __attribute__((noreturn))
sp_fail(int fd, int step)
{
	struct sp_report	r;

	r.step = step;
	r.err = errno;
	(void)!write(fd, &r, sizeof(r));
	_exit(127);
}

static void
sp_default_signals(void)
{
	struct sigaction	sa;
	sigset_t		none;
	int			sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

static int
sp_limit(int resource, uint64_t v)
{
	struct rlimit	rl;

	if (v == 0)
		return 0;
	rl.rlim_cur = rl.rlim_max = (rlim_t)v;
	if (resource == RLIMIT_CPU)	/* SIGXCPU first, SIGKILL 5 s later */
		rl.rlim_max = (rlim_t)(v + 5);
	return setrlimit(resource, &rl);
}

/* Lowers a limit; without privilege it cannot go above the hard one. */
static int
sp_lower_limit(int resource, uint64_t v)
{
	struct rlimit	rl;

	if (v == 0)
		return 0;
	if (getrlimit(resource, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    v > (uint64_t)rl.rlim_max)
		v = (uint64_t)rl.rlim_max;
	return sp_limit(resource, v);
}

/* "N N 1\n" into buf: an id mapped to itself, without stdio. */
static void
sp_id_map(char *buf, size_t len, unsigned id)
{
	char	digits[16];
	size_t	n = 0, o = 0;

	do
		digits[n++] = (char)('0' + id % 10);
	while ((id /= 10) != 0 && n < sizeof(digits));
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = n; i > 0 && o + 1 < len; i--)
			buf[o++] = digits[i - 1];
		if (o + 1 < len)
			buf[o++] = ' ';
	}
	if (o + 2 < len) {
		buf[o++] = '1';
		buf[o++] = '\n';
	}
	buf[o] = '\0';
}

static int
sp_write_file(const char *path, const char *text)
{
	size_t	len = strlen(text);
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	n = write(fd, text, len);
	(void)close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/*
 * A user namespace of the stage's own, made while RLIMIT_NPROC is still
 * the runner's. Since Linux 5.14 the kernel counts a user's processes per
 * user namespace and checks each enclosing namespace against the limit
 * its creator had, so the low limit set next counts this stage's
 * processes only, not every process of the stage user: a stage that
 * fork-bombs cannot starve the others. The stage keeps its uid and gid
 * (each mapped to itself); bwrap makes its own namespace inside this one.
 * Where the kernel refuses user namespaces to us (a setuid bwrap makes
 * its own), the stage goes on without: its limit then counts the user's
 * processes, as before Linux 5.14. -1 only when a namespace was made but
 * could not be set up.
 */
static int
sp_userns(void)
{
	char	uidmap[48], gidmap[48];
	int	rc = -1;

	sp_id_map(uidmap, sizeof(uidmap), (unsigned)geteuid());
	sp_id_map(gidmap, sizeof(gidmap), (unsigned)getegid());
	if (unshare(CLONE_NEWUSER) == -1)
		return 0;
	/* the user switch made /proc/self root's until exec */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0 &&
	    sp_write_file("/proc/self/setgroups", "deny") == 0 &&
	    sp_write_file("/proc/self/uid_map", uidmap) == 0 &&
	    sp_write_file("/proc/self/gid_map", gidmap) == 0)
		rc = 0;
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return rc;
}

static void
sp_affinity(int cpus, int offset)
{
	cpu_set_t	have, want;
	int		i, n = 0, count, skip;

	if (cpus <= 0 || sched_getaffinity(0, sizeof(have), &have) == -1)
		return;
	count = CPU_COUNT(&have);
	if (cpus >= count)
		return;
	CPU_ZERO(&want);
	skip = offset % count;
	/* take cpus CPUs from the allowed set, starting at offset, wrapping */
	for (i = 0; n < cpus && i < 2 * CPU_SETSIZE; i++) {
		if (!CPU_ISSET(i % CPU_SETSIZE, &have))
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		if (!CPU_ISSET(i % CPU_SETSIZE, &want)) {
			CPU_SET(i % CPU_SETSIZE, &want);
			n++;
		}
	}
	if (n > 0)
		(void)sched_setaffinity(0, sizeof(want), &want);
}

static void __attribute__((noreturn))
sp_child(const struct lh_spawn *sp, int errfd, int cpu_offset, pid_t parent,
    int join_fd)
{
	struct rlimit		nocore = { 0, 0 };

	/* into the stage's cgroup (unless clone3 put it there) before
	 * anything is charged to it, and while still allowed to (before the
	 * user switch) */
	if (join_fd != -1 && write(join_fd, "0", 1) != 1)
		sp_fail(errfd, SP_CGROUP);
	/* its own process group: the unit the runner signals */
	if (setpgid(0, 0) == -1)
		sp_fail(errfd, SP_SETPGID);
	if (sp_limit(RLIMIT_AS, sp->as_bytes) == -1 ||
	    sp_limit(RLIMIT_CPU, sp->cpu_seconds) == -1 ||
	    sp_limit(RLIMIT_FSIZE, sp->fsize_bytes) == -1 ||
	    sp_limit(RLIMIT_NOFILE, sp->nofile) == -1 ||
	    setrlimit(RLIMIT_CORE, &nocore) == -1)
		sp_fail(errfd, SP_RLIMIT);
	sp_affinity(sp->cpus, cpu_offset);
	if (sp->drop_user && (setgroups(1, &sp->gid) == -1 ||
	    setresgid(sp->gid, sp->gid, sp->gid) == -1 ||
	    setresuid(sp->uid, sp->uid, sp->uid) == -1))
		sp_fail(errfd, SP_USER);
	/* the process limit last: lowered before the user switch, it would
	 * count the stage user's processes elsewhere, and the switch would
	 * fail the exec when there are more of those than the limit */
	if (sp->own_userns && sp_userns() == -1)
		sp_fail(errfd, SP_USERNS);
	if (sp_lower_limit(RLIMIT_NPROC, sp->nproc) == -1)
		sp_fail(errfd, SP_RLIMIT);
	if (sp->chdir != NULL && chdir(sp->chdir) == -1)
		sp_fail(errfd, SP_CHDIR);
	/* after setuid, which clears it; a parent that died before this
	 * line sent no signal, so look */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(127);
	execve(sp->path, sp->argv, sp->envp);
	sp_fail(errfd, SP_EXEC);
}

static void
sp_ru_add(struct rusage *sum, const struct rusage *ru)
{
	sum->ru_utime.tv_sec += ru->ru_utime.tv_sec;
	sum->ru_utime.tv_usec += ru->ru_utime.tv_usec;
	sum->ru_stime.tv_sec += ru->ru_stime.tv_sec;
	sum->ru_stime.tv_usec += ru->ru_stime.tv_usec;
	while (sum->ru_utime.tv_usec >= 1000000) {
		sum->ru_utime.tv_sec++;
		sum->ru_utime.tv_usec -= 1000000;
	}
	while (sum->ru_stime.tv_usec >= 1000000) {
		sum->ru_stime.tv_sec++;
		sum->ru_stime.tv_usec -= 1000000;
	}
	if (ru->ru_maxrss > sum->ru_maxrss)
		sum->ru_maxrss = ru->ru_maxrss;
}

/*
 * The shepherd: starts the stage process, tells the runner its pid, then
 * reaps everything below it (bwrap's namespace init is reparented here
 * when bwrap exits without waiting for it), killing leftovers of the
 * stage's process group once the stage process itself has ended.
 */
#define SP_LEFTOVER_WAIT_S	2

static volatile sig_atomic_t	sp_alarm;

static void
sp_on_alarm(int sig)
{
	(void)sig;
	sp_alarm = 1;
}

/*
 * In the shepherd: 0 /dev/null, 1 and 2 the stage pipes, 3 the extra fd,
 * 4 the report pipe and 5 the stage's cgroup dir (both close-on-exec,
 * sp->cgroup_fd is changed to match); every other fd of the runner (sockets,
 * other stages' pipes) is closed so the shepherd holds none of them open.
 */
static int
sp_arrange_fds(struct lh_spawn *sp, int devnull, int repfd)
{
	int	dn, out, err, extra = -1, rep, cg = -1;

	if ((dn = fcntl(devnull, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (out = fcntl(sp->fd_out, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (err = fcntl(sp->fd_err, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (rep = fcntl(repfd, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (sp->fd_extra != -1 &&
	    (extra = fcntl(sp->fd_extra, F_DUPFD_CLOEXEC, 10)) == -1) ||
	    (sp->cgroup_fd != -1 &&
	    (cg = fcntl(sp->cgroup_fd, F_DUPFD_CLOEXEC, 10)) == -1))
		return -1;
	if (dup2(dn, 0) == -1 || dup2(out, 1) == -1 || dup2(err, 2) == -1 ||
	    dup2(rep, 4) == -1 || fcntl(4, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	if (extra != -1) {
		if (dup2(extra, 3) == -1)
			return -1;
	} else
		(void)close(3);
	if (cg != -1) {
		if (dup3(cg, 5, O_CLOEXEC) == -1)
			return -1;
		sp->cgroup_fd = 5;
	}
	if (syscall(SYS_close_range, cg != -1 ? 6U : 5U, ~0U, 0U) == -1)
		return -1;
	return 4;
}

/* clone3's arguments up to the cgroup field (Linux 5.7), declared here
 * because glibc does not wrap clone3. */
struct sp_clone_args {
	uint64_t	flags;
	uint64_t	pidfd;
	uint64_t	child_tid;
	uint64_t	parent_tid;
	uint64_t	exit_signal;
	uint64_t	stack;
	uint64_t	stack_size;
	uint64_t	tls;
	uint64_t	set_tid;
	uint64_t	set_tid_size;
	uint64_t	cgroup;
};
#define SP_CLONE_INTO_CGROUP	0x200000000ULL

/*
 * A fork that starts in the given cgroup. Moving a process afterwards
 * (writing cgroup.procs) takes the cgroup threadgroup lock for writing,
 * which waits for an RCU grace period: milliseconds a stage when stages
 * start one at a time (bench/RESULTS.md). -1 with ENOSYS or E2BIG before
 * Linux 5.7.
 */
static pid_t
sp_fork_into(int cgroup_dirfd)
{
	struct sp_clone_args	ca;

	memset(&ca, 0, sizeof(ca));
	ca.flags = SP_CLONE_INTO_CGROUP;
	ca.exit_signal = SIGCHLD;
	ca.cgroup = (uint64_t)cgroup_dirfd;
	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

/* Its own function: nothing of the caller's lives across the vfork. */
static pid_t
sp_vfork(const struct lh_spawn *sp, const int ep[2], int offset, pid_t self,
    int join_fd)
{
	pid_t	child;

	if ((child = vfork()) == 0) {
		close(ep[0]);
		sp_child(sp, ep[1], offset, self, join_fd);
	}
	return child;
}

/*
 * In the shepherd: starts the stage process and waits until it exec'ed
 * (r->step 0) or failed (r says where). Into a cgroup: clone3, else (or
 * on a kernel without it) vfork: there is no copy of the shepherd's page
 * tables to make and tear down again at exec; sp_child only makes system
 * calls and ends in execve or _exit.
 */
static pid_t
sp_start_child(const struct lh_spawn *sp, int offset, struct sp_report *r)
{
	pid_t	child = -1, self = getpid();
	ssize_t	n;
	int	ep[2], join_fd = -1;

	if (pipe2(ep, O_CLOEXEC) == -1)
		return -1;
	if (sp->cgroup_fd != -1) {
		child = sp_fork_into(sp->cgroup_fd);
		if ((child == -1 && errno != ENOSYS && errno != E2BIG) ||
		    (child == -1 && (join_fd = openat(sp->cgroup_fd,
		    "cgroup.procs", O_WRONLY | O_CLOEXEC)) == -1)) {
			r->step = SP_CGROUP;
			r->err = errno;
			close(ep[0]);
			close(ep[1]);
			errno = r->err;
			return -1;
		}
	}
	/* a process sharing its memory cannot make a user namespace */
	if (child == -1 && sp->own_userns)
		child = fork();
	else if (child == -1)
		child = sp_vfork(sp, ep, offset, self, join_fd);
	if (child == 0) {
		close(ep[0]);
		sp_child(sp, ep[1], offset, self, join_fd);
	}
	if (join_fd != -1)
		close(join_fd);
	if (child == -1) {
		close(ep[0]);
		close(ep[1]);
		return -1;
	}
	close(ep[1]);
	do
		n = read(ep[0], r, sizeof(*r));
	while (n == -1 && errno == EINTR);
	close(ep[0]);
	if (n != (ssize_t)sizeof(*r))
		r->step = r->err = 0;	/* EOF: exec'ed */
	return child;
}

static void __attribute__((noreturn))
sp_shepherd(struct lh_spawn *sp, int devnull, int repfd, int offset,
    pid_t parent)
{
	struct lh_spawn_msg		 m;
	struct sp_report	 r;
	struct rusage		 ru;
	struct sigaction	 sa;
	pid_t			 child, w;
	ssize_t			 n;
	int			 status;

	sp_default_signals();
	memset(&sa, 0, sizeof(sa));		/* no SA_RESTART */
	memset(&m, 0, sizeof(m));
	m.type = LH_SPAWN_START;
	if ((n = sp_arrange_fds(sp, devnull, repfd)) == -1) {
		m.step = SP_DUP;
		m.err = errno;
		(void)!write(repfd, &m, sizeof(m));
		_exit(127);
	}
	repfd = (int)n;
	(void)setsid();
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)	/* the runner died before the prctl */
		_exit(127);
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	r.step = 0;
	if ((child = sp_start_child(sp, offset, &r)) == -1) {
		m.step = r.step != 0 ? r.step : SP_DUP;
		m.err = errno;
		(void)!write(repfd, &m, sizeof(m));
		_exit(127);
	}
	m.child = child;
	m.step = r.step;
	m.err = r.err;
	(void)!write(repfd, &m, sizeof(m));
	memset(&m, 0, sizeof(m));
	m.type = LH_SPAWN_END;
	m.status = -1;
	for (;;) {
		memset(&ru, 0, sizeof(ru));
		w = wait4(-1, &status, 0, &ru);
		if (w == -1 && errno == EINTR && !sp_alarm)
			continue;
		if (w == -1) {
			/* ECHILD: the tree is gone; else the leftover wait
			 * ran out */
			m.reaped_all = errno == ECHILD;
			break;
		}
		sp_ru_add(&m.ru, &ru);
		if (w == child) {
			m.status = status;
			(void)kill(-child, SIGKILL);
			/* bwrap's namespace init follows at once; a process
			 * that left the group (mode none) is not waited for */
			sa.sa_handler = sp_on_alarm;
			(void)sigaction(SIGALRM, &sa, NULL);
			(void)alarm(SP_LEFTOVER_WAIT_S);
		}
	}
	(void)!write(repfd, &m, sizeof(m));
	_exit(0);
}

void
spawn_init(struct lh_spawn *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->fd_out = sp->fd_err = sp->fd_extra = sp->cgroup_fd = -1;
}

int
spawn_stage(const struct lh_spawn *sp, struct lh_spawned *out, char *err,
    size_t errlen)
{
	static int	 cpu_next;
	pid_t		 pid, self;
	int		 pfd[2], devnull, offset;

	memset(out, 0, sizeof(*out));
	out->report_fd = -1;
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		(void)snprintf(err, errlen, "open /dev/null: %s",
		    strerror(errno));
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC) == -1) {
		(void)snprintf(err, errlen, "pipe2: %s", strerror(errno));
		close(devnull);
		return -1;
	}
	offset = cpu_next;
	cpu_next += sp->cpus > 0 ? sp->cpus : 0;
	self = getpid();
	if (fcntl(pfd[0], F_SETFL, O_NONBLOCK) == -1 ||
	    (pid = fork()) == -1) {
		(void)snprintf(err, errlen, "fork: %s", strerror(errno));
		close(devnull);
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		struct lh_spawn	own = *sp;	/* the fds move */

		close(pfd[0]);
		sp_shepherd(&own, devnull, pfd[1], offset, self);
	}
	close(devnull);
	close(pfd[1]);
	out->shepherd = pid;
	out->report_fd = pfd[0];
	return 0;
}

int
spawn_read(int report_fd, struct lh_spawn_msg *m)
{
	ssize_t	n;

	do
		n = read(report_fd, m, sizeof(*m));
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n != (ssize_t)sizeof(*m) ||
	    (m->type != LH_SPAWN_START && m->type != LH_SPAWN_END))
		return -1;	/* EOF, or not from our shepherd */
	return 1;
}

void
spawn_start_error(const char *path, const struct lh_spawn_msg *m, char *err,
    size_t errlen)
{
	if (m->step == SP_EXEC)
		(void)snprintf(err, errlen, "cannot run %s: %s", path,
		    strerror(m->err));
	else
		(void)snprintf(err, errlen, "stage set-up failed: %s: %s",
		    sp_step_names[m->step > 0 && m->step <= SP_EXEC ? m->step :
		    0], strerror(m->err));
}
