/*
 * master.c: the supervisor (DESIGN.md section 1).
 *
 * NOTES
 * Initialization: configuration, state directory, pid file lock, listeners,
 * runner socket and the rate-limit table are set up before any fork, so
 * children inherit them and privileged ports work before the privilege drop.
 * Synchronization: signal handlers are libevent signal events; all state
 * changes happen in the callbacks below, driven from one loop. Signals are
 * blocked around fork so a child never runs the master's handlers.
 * Errors: a child's death is always logged with pid, role, and exit status
 * or signal; policy.c decides whether and when it is respawned.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <pwd.h>
#include <stdint.h>

#include <event2/event.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "master/database.h"
#include "master/listen.h"
#include "master/master.h"
#include "master/policy.h"
#include "shared/ipc.h"
#include "shared/log.h"
#include "shared/proc.h"
#include "shared/ratelimit.h"
#include "worker/worker.h"

enum child_state {
	CHILD_STARTING = 0,	/* forked, no HELLO yet */
	CHILD_RUNNING,		/* HELLO seen */
	CHILD_DRAINING,		/* asked to finish and exit */
};

struct child {
	TAILQ_ENTRY(child) entry;
	pid_t		 pid;
	enum lh_role	 role;
	uint32_t	 slot;
	uint32_t	 generation;
	int		 channel;
	struct event	*ev;
	enum child_state state;
	int		 ready;
	uint64_t	 started_ms;
};
TAILQ_HEAD(child_list, child);

struct slot {
	unsigned	 crashes;
	struct event	*respawn;	/* pending respawn timer */
};

enum master_state {
	MASTER_RUNNING = 0,
	MASTER_SHUTTING_DOWN,
};

struct master {
	const struct lh_serve_opts *opts;
	struct lh_config cfg;
	struct event_base *base;
	enum master_state state;
	uint32_t	 generation;
	struct child_list children;
	struct slot	 worker_slots[LH_LISTEN_MAX_SLOTS];
	struct slot	 runner_slots[64];
	struct lh_crash_window crashes[3];
	int		 role_disabled[3];
	struct lh_listen_set listeners;
	int		 runner_sock;
	char		 runner_path[108];
	struct lh_rl_table *rl;
	int		 pidfile_fd;
	int		 announced_ready;
	int		 exit_code;
	struct event	*ev_kill;	/* shutdown deadline */
	struct event	*sig[6];
};

static struct master M;

static void master_spawn(struct master *m, enum lh_role role, uint32_t slot);
static void master_shutdown(struct master *m, int code);

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
notify(const char *state)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

static struct slot *
slot_of(struct master *m, enum lh_role role, uint32_t slot)
{
	return role == LH_ROLE_WORKER ? &m->worker_slots[slot] :
	    &m->runner_slots[slot];
}

/* Rewrites the pid file in place: pid, state dir, addresses, status, like
 * PostgreSQL's postmaster.pid, so scripts and tests can find the port. */
static void
pidfile_write(struct master *m, const char *status)
{
	char buf[1024], addrs[512];
	int n;

	if (m->pidfile_fd == -1)
		return;
	listen_describe(&m->listeners, addrs, sizeof(addrs));
	n = snprintf(buf, sizeof(buf), "%ld\n%s\n%s\n%s\n", (long)getpid(),
	    m->cfg.state_dir, addrs, status);
	if (n < 0 || ftruncate(m->pidfile_fd, 0) == -1 ||
	    pwrite(m->pidfile_fd, buf, (size_t)n, 0) != n)
		log_warn("write pid file %s", m->cfg.pid_file);
}

static int
pidfile_lock(struct master *m)
{
	char other[32] = "";
	int fd;

	fd = open(m->cfg.pid_file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warn("open pid file %s", m->cfg.pid_file);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		ssize_t n = pread(fd, other, sizeof(other) - 1, 0);
		other[n > 0 ? n : 0] = '\0';
		other[strcspn(other, "\n")] = '\0';
		log_error("another labhit (pid %s) is running with state "
		    "directory %s", other[0] != '\0' ? other : "?",
		    m->cfg.state_dir);
		close(fd);
		return -1;
	}
	m->pidfile_fd = fd;
	return 0;
}

static int
state_dir_prepare(struct master *m)
{
	char *abs;
	struct passwd *pw;

	if (mkdir(m->cfg.state_dir, 0750) == -1 && errno != EEXIST) {
		log_warn("create state directory %s", m->cfg.state_dir);
		return -1;
	}
	if ((abs = realpath(m->cfg.state_dir, NULL)) == NULL) {
		log_warn("state directory %s", m->cfg.state_dir);
		return -1;
	}
	free(m->cfg.state_dir);
	m->cfg.state_dir = abs;
	if (geteuid() == 0 && m->cfg.user[0] != '\0') {
		if ((pw = getpwnam(m->cfg.user)) == NULL) {
			log_error("user '%s' does not exist", m->cfg.user);
			return -1;
		}
		if (chown(abs, pw->pw_uid, pw->pw_gid) == -1) {
			log_warn("chown %s", abs);
			return -1;
		}
	}
	return 0;
}

/* The master migrates the embedded database as root before it forks; the
 * workers that use it afterwards run as `user`, so they must own it. */
static int
sqlite_files_chown(struct master *m)
{
	static const char *const suffixes[] = { "", "-wal", "-shm",
	    "-journal" };
	struct passwd *pw;
	char path[4200];

	if (geteuid() != 0 || m->cfg.user[0] == '\0' ||
	    strncmp(m->cfg.database, "sqlite:", 7) != 0)
		return 0;
	if ((pw = getpwnam(m->cfg.user)) == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", m->cfg.database + 7,
		    suffixes[i]);
		if (chown(path, pw->pw_uid, pw->pw_gid) == -1 &&
		    errno != ENOENT) {
			log_warn("chown %s", path);
			return -1;
		}
	}
	return 0;
}

static int
runner_socket_open(struct master *m)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/runner.sock",
	    m->cfg.state_dir) >= (int)sizeof(sun.sun_path)) {
		log_error("state directory path too long for a unix socket: %s",
		    m->cfg.state_dir);
		return -1;
	}
	snprintf(m->runner_path, sizeof(m->runner_path), "%s", sun.sun_path);
	unlink(sun.sun_path);	/* the pid file lock says no one uses it */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(sun.sun_path, 0600) == -1 || listen(fd, 64) == -1) {
		log_warn("runner socket %s", sun.sun_path);
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (geteuid() == 0 && m->cfg.user[0] != '\0') {
		struct passwd *pw = getpwnam(m->cfg.user);
		if (pw != NULL && chown(sun.sun_path, pw->pw_uid,
		    pw->pw_gid) == -1)
			log_warn("chown %s", sun.sun_path);
	}
	m->runner_sock = fd;
	return 0;
}

static void
rl_apply_policies(struct master *m)
{
	struct lh_rl_policy p;

	p.limit = m->cfg.rate_limit_read.count;
	p.period_ms = m->cfg.rate_limit_read.period_ms;
	rl_table_set_policy(m->rl, LH_RL_READ, &p);
	p.limit = m->cfg.rate_limit_write.count;
	p.period_ms = m->cfg.rate_limit_write.period_ms;
	rl_table_set_policy(m->rl, LH_RL_WRITE, &p);
}

static void
child_send(struct child *c, uint32_t type, const void *payload, size_t len)
{
	if (ipc_send(c->channel, type, 0, payload, len, -1) == -1 &&
	    errno != EPIPE && errno != ECONNRESET)	/* gone: SIGCHLD tells */
		log_warn("send %s to %s %u (pid %ld)", ipc_type_name(type),
		    proc_role_name(c->role), c->slot, (long)c->pid);
}

static int
count_live(struct master *m, enum lh_role role, int current_only)
{
	struct child *c;
	int n = 0;

	TAILQ_FOREACH(c, &m->children, entry)
		if (c->role == role && (!current_only ||
		    c->generation == m->generation))
			n++;
	return n;
}

static void
maybe_ready(struct master *m)
{
	struct child *c;
	int ready = 0;

	if (m->announced_ready || m->state != MASTER_RUNNING)
		return;
	TAILQ_FOREACH(c, &m->children, entry)
		if (c->role == LH_ROLE_WORKER && c->ready &&
		    c->generation == m->generation)
			ready++;
	if (ready < m->cfg.workers)
		return;
	m->announced_ready = 1;
	pidfile_write(m, "ready");
	notify("READY=1\nSTATUS=serving");
	log_info("ready: %d workers, %d runners, generation %u",
	    m->cfg.workers, m->cfg.runners, m->generation);
}

/* The runner gets its settings as key=value lines: no secrets cross. */
static void
send_runner_config(struct master *m, struct child *c)
{
	char buf[4096];
	int n;

	n = snprintf(buf, sizeof(buf),
	    "state_dir=%s\nlog_level=%s\nlog_file=%s\nrunner_slots=%d\n"
	    "sandbox=%s\nimages_dir=%s\nstage_log_limit=%zu\n"
	    "stage_output_limit=%zu\nstage_kill_grace=%ums\n"
	    "stage_timeout=%ums\nstage_user=%s\nuser=%s\ngroup=%s\n",
	    m->cfg.state_dir, log_level_name(m->cfg.log_level),
	    m->cfg.log_file, m->cfg.runner_slots, m->cfg.sandbox,
	    m->cfg.images_dir, m->cfg.stage_log_limit,
	    m->cfg.stage_output_limit, m->cfg.stage_kill_grace_ms,
	    m->cfg.default_stage_timeout_ms, m->cfg.stage_user,
	    m->cfg.user, m->cfg.group);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		log_warnx("runner configuration too long");
		return;
	}
	child_send(c, LH_MSG_CONFIG, buf, (size_t)n + 1);
}

static void
bus_relay(struct master *m, struct child *from, struct lh_ipc_frame *f)
{
	struct lh_msg_bus bus;
	struct child *c;

	if (ipc_read_bus(f, &bus) == -1) {
		log_warnx("malformed BUS_PUBLISH from worker %u (pid %ld), "
		    "killing it", from->slot, (long)from->pid);
		kill(from->pid, SIGKILL);
		return;
	}
	TAILQ_FOREACH(c, &m->children, entry)
		if (c != from && c->role == LH_ROLE_WORKER &&
		    c->state != CHILD_STARTING)
			child_send(c, LH_MSG_BUS_PUBLISH, &bus, sizeof(bus));
}

static void
master_dispatch_child(struct master *m, struct child *c,
    struct lh_ipc_frame *f)
{
	struct lh_msg_hello hello;

	if (c->state == CHILD_STARTING && f->hdr.type != LH_MSG_HELLO)
		goto bad;
	switch (f->hdr.type) {
	case LH_MSG_HELLO:
		if (c->state != CHILD_STARTING ||
		    ipc_read_hello(f, &hello) == -1 ||
		    hello.ipc_version != LH_IPC_VERSION ||
		    hello.role != c->role || hello.instance != c->slot)
			goto bad;
		c->state = CHILD_RUNNING;
		if (c->role == LH_ROLE_RUNNER)
			send_runner_config(m, c);
		break;
	case LH_MSG_READY:
		if (f->hdr.len != 0)
			goto bad;
		c->ready = 1;
		log_debug("%s %u (pid %ld) is ready", proc_role_name(c->role),
		    c->slot, (long)c->pid);
		maybe_ready(m);
		break;
	case LH_MSG_BUS_PUBLISH:
		if (c->role != LH_ROLE_WORKER)
			goto bad;
		bus_relay(m, c, f);
		break;
	case LH_MSG_HEARTBEAT:
		break;
	default:
		goto bad;
	}
	return;
bad:
	log_warnx("unexpected %s (%u, %u bytes) from %s %u (pid %ld), "
	    "killing it", ipc_type_name(f->hdr.type), f->hdr.type,
	    f->hdr.len, proc_role_name(c->role), c->slot, (long)c->pid);
	kill(c->pid, SIGKILL);
}

static void
child_close_channel(struct child *c)
{
	if (c->ev != NULL) {
		event_free(c->ev);
		c->ev = NULL;
	}
	if (c->channel != -1) {
		close(c->channel);
		c->channel = -1;
	}
}

static void
on_child_channel(evutil_socket_t fd, short what, void *arg)
{
	struct child *c = arg;
	struct lh_ipc_frame f;
	int rc;

	for (;;) {
		rc = ipc_recv(fd, &f);
		if (rc == 1) {
			master_dispatch_child(&M, c, &f);
			ipc_frame_clear(&f);
			continue;
		}
		if (rc == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (rc == -1 && errno == EBADMSG) {
			log_warnx("malformed frame from %s %u (pid %ld), "
			    "killing it", proc_role_name(c->role), c->slot,
			    (long)c->pid);
			kill(c->pid, SIGKILL);
		}
		/* EOF: the child is exiting; SIGCHLD will tell how. */
		child_close_channel(c);
		return;
	}
}

#define RESPAWN_ARG(role, slot) \
	((void *)(uintptr_t)(((uint32_t)(role) << 16) | (uint32_t)(slot)))

static void
on_respawn(evutil_socket_t fd, short what, void *arg)
{
	enum lh_role role = (enum lh_role)((uintptr_t)arg >> 16);
	uint32_t slot = (uint32_t)((uintptr_t)arg & 0xffff);
	struct slot *s = slot_of(&M, role, slot);
	char err[256];

	event_free(s->respawn);
	s->respawn = NULL;
	if (M.state != MASTER_RUNNING || M.role_disabled[role])
		return;
	if (role == LH_ROLE_WORKER && slot >= (uint32_t)M.cfg.workers)
		return;
	if (role == LH_ROLE_RUNNER && slot >= (uint32_t)M.cfg.runners)
		return;
	if (role == LH_ROLE_WORKER &&
	    listen_reopen_slot(&M.listeners, (int)slot, err, sizeof(err)) == -1) {
		log_error("cannot respawn worker %u: %s", slot, err);
		return;
	}
	master_spawn(&M, role, slot);
}

/* Schedules the respawn of a crashed current child; returns -1 when its
 * role crashed too often and is given up. */
static int
schedule_respawn(struct master *m, struct child *c, uint64_t now)
{
	struct slot *s = slot_of(m, c->role, c->slot);
	struct timeval tv;
	uint32_t delay;

	if (m->role_disabled[c->role])
		return -1;
	s->crashes = policy_next_crashes(s->crashes, now - c->started_ms);
	if (policy_crash_record(&m->crashes[c->role], now)) {
		m->role_disabled[c->role] = 1;
		log_error("%s processes crashed more than %d times in %d s: "
		    "not respawning them any more; fix the cause and restart",
		    proc_role_name(c->role), LH_CRASH_LIMIT,
		    LH_CRASH_WINDOW_MS / 1000);
		notify("STATUS=crash loop: respawning stopped");
		return -1;
	}
	if (s->respawn != NULL)
		return 0;
	delay = policy_backoff_ms(s->crashes - 1);
	s->respawn = evtimer_new(m->base, on_respawn,
	    RESPAWN_ARG(c->role, c->slot));
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	if (s->respawn == NULL || evtimer_add(s->respawn, &tv) == -1) {
		log_warnx("cannot schedule respawn of %s %u",
		    proc_role_name(c->role), c->slot);
		return 0;
	}
	log_info("respawning %s %u in %u ms", proc_role_name(c->role),
	    c->slot, delay);
	return 0;
}

/*
 * A dead worker leaves connections queued on its sockets. Accept them here
 * and hand each to a live worker, then close the sockets, so the kernel
 * routes new connections to the live workers until the respawn. Nothing is
 * answered by the master itself.
 */
static void
rehome_backlog(struct master *m, uint32_t slot)
{
	struct child *live[LH_LISTEN_MAX_SLOTS], *c;
	int nlive = 0, moved = 0, lost = 0;

	TAILQ_FOREACH(c, &m->children, entry)
		if (c->role == LH_ROLE_WORKER && c->ready &&
		    c->state == CHILD_RUNNING && c->channel != -1 &&
		    c->generation == m->generation &&
		    nlive < LH_LISTEN_MAX_SLOTS)
			live[nlive++] = c;
	for (int i = 0; i < m->listeners.naddrs; i++) {
		struct lh_listen_addr *a = &m->listeners.addrs[i];
		int cfd;

		if ((int)slot >= a->nfds || a->fds[slot] == -1)
			continue;
		while ((cfd = accept4(a->fds[slot], NULL, NULL,
		    SOCK_CLOEXEC)) != -1) {
			/* round robin over the live workers */
			c = nlive > 0 ? live[(moved + lost) % nlive] : NULL;
			if (c != NULL && ipc_send(c->channel,
			    LH_MSG_ADOPT_CONN, 0, NULL, 0, cfd) == 0)
				moved++;
			else
				lost++;
			close(cfd);
		}
	}
	listen_close_slot(&m->listeners, (int)slot);
	if (moved + lost > 0)
		log_info("worker %u's queued connections: %d handed to live "
		    "workers, %d dropped", slot, moved, lost);
}

static void
child_exited(struct master *m, struct child *c, int wstatus)
{
	enum lh_exit_class cls = policy_classify_exit(wstatus);
	uint64_t now = now_ms();
	int expected;
	char how[128];

	policy_describe_exit(wstatus, how, sizeof(how));
	expected = c->state == CHILD_DRAINING ||
	    m->state != MASTER_RUNNING || c->generation != m->generation;
	if (expected && cls == LH_EXIT_CLEAN)
		log_info("%s %u (pid %ld) %s", proc_role_name(c->role),
		    c->slot, (long)c->pid, how);
	else
		log_error("%s %u (pid %ld) %s", proc_role_name(c->role),
		    c->slot, (long)c->pid, how);
	TAILQ_REMOVE(&m->children, c, entry);
	child_close_channel(c);
	if (!expected) {
		if (c->role == LH_ROLE_WORKER)
			rehome_backlog(m, c->slot);
		if (cls == LH_EXIT_CONFIG) {
			log_error("%s %u stopped on a configuration error; "
			    "not respawning it", proc_role_name(c->role),
			    c->slot);
			if (c->role == LH_ROLE_WORKER &&
			    count_live(m, LH_ROLE_WORKER, 1) == 0)
				master_shutdown(m, LH_EX_CONFIG);
		} else if (schedule_respawn(m, c, now) == -1 &&
		    c->role == LH_ROLE_WORKER &&
		    count_live(m, LH_ROLE_WORKER, 1) == 0) {
			/* Nobody left to serve: exit non-zero so the service
			 * manager sees the failure (and may restart us). */
			log_error("no worker left: stopping");
			master_shutdown(m, 1);
		}
	}
	free(c);
	if (m->state == MASTER_SHUTTING_DOWN && TAILQ_EMPTY(&m->children))
		event_base_loopexit(m->base, NULL);
}

static void
reap_children(struct master *m)
{
	struct child *c;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		TAILQ_FOREACH(c, &m->children, entry)
			if (c->pid == pid)
				break;
		if (c == NULL) {
			log_debug("reaped unknown child pid %ld", (long)pid);
			continue;
		}
		child_exited(m, c, status);
	}
}

/* In a freshly forked child: forget every master-only resource. */
static void
child_forget_master(struct master *m, int keep_channel)
{
	struct child *c;

	/* Reinit gives the child its own epoll instance, so freeing the base
	 * cannot touch the master's registrations, and restores the original
	 * signal dispositions. */
	if (event_reinit(m->base) == -1)
		_exit(1);
	for (size_t i = 0; i < sizeof(m->sig) / sizeof(m->sig[0]); i++)
		if (m->sig[i] != NULL)
			event_free(m->sig[i]);
	TAILQ_FOREACH(c, &m->children, entry) {
		if (c->ev != NULL)
			event_free(c->ev);
		if (c->channel != -1 && c->channel != keep_channel)
			close(c->channel);
	}
	if (m->ev_kill != NULL)
		event_free(m->ev_kill);
	event_base_free(m->base);
	m->base = NULL;
	if (m->pidfile_fd != -1)
		close(m->pidfile_fd);
}

static void
exec_runner(struct master *m, int channel, uint32_t slot)
{
	char inst[16], gen[16];
	static char env_path[] =
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	static char env_lang[] = "LANG=C.UTF-8";
	char *const envp[] = { env_path, env_lang, NULL };

	snprintf(inst, sizeof(inst), "%u", slot);
	snprintf(gen, sizeof(gen), "%u", m->generation);
	if (dup2(channel, 3) == -1)
		_exit(1);
	for (int i = 0; i < m->listeners.naddrs; i++)
		for (int j = 0; j < m->listeners.addrs[i].nfds; j++)
			close(m->listeners.addrs[i].fds[j]);
	/* Runners inherit none of the master's memory: a fresh exec with a
	 * scrubbed environment; settings come over the channel. */
	execle("/proc/self/exe", "labhit", "runner", "--instance", inst,
	    "--generation", gen, "--user", m->cfg.user, "--group",
	    m->cfg.group, (char *)NULL, envp);
	log_warn("exec runner");
	_exit(1);
}

static void
run_worker(struct master *m, int channel, uint32_t slot)
{
	struct lh_worker_init in;
	int code;

	memset(&in, 0, sizeof(in));
	in.slot = slot;
	in.generation = m->generation;
	in.channel = channel;
	in.master_pid = getppid();
	in.runner_fd = m->runner_sock;
	in.rl = m->rl;
	for (int i = 0; i < m->listeners.naddrs; i++) {
		struct lh_listen_addr *a = &m->listeners.addrs[i];
		in.listen_fds[in.nlisten++] = a->fds[slot];
		for (int j = 0; j < a->nfds; j++)
			if ((uint32_t)j != slot)
				close(a->fds[j]);
	}
	code = worker_main(&m->cfg, &in);
	exit(code);
}

static void
master_spawn(struct master *m, enum lh_role role, uint32_t slot)
{
	sigset_t all, old;
	struct child *c;
	int sv[2];
	pid_t pid;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("spawn %s %u", proc_role_name(role), slot);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1) {
		log_warn("socketpair for %s %u", proc_role_name(role), slot);
		free(c);
		return;
	}
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		free(c);	/* the parent's record of this child */
		close(sv[0]);
		child_forget_master(m, sv[1]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (role == LH_ROLE_RUNNER)
			exec_runner(m, sv[1], slot);
		run_worker(m, sv[1], slot);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	if (pid == -1) {
		log_warn("fork() failed while spawning %s %u",
		    proc_role_name(role), slot);
		close(sv[0]);
		free(c);
		return;
	}
	c->pid = pid;
	c->role = role;
	c->slot = slot;
	c->generation = m->generation;
	c->channel = sv[0];
	c->started_ms = now_ms();
	c->ev = event_new(m->base, sv[0], EV_READ | EV_PERSIST,
	    on_child_channel, c);
	if (c->ev == NULL || event_add(c->ev, NULL) == -1)
		log_warnx("cannot watch %s %u channel", proc_role_name(role),
		    slot);
	TAILQ_INSERT_TAIL(&m->children, c, entry);
	{
		struct lh_msg_hello hello = { LH_IPC_VERSION, LH_ROLE_MASTER,
		    slot, m->generation };
		child_send(c, LH_MSG_HELLO, &hello, sizeof(hello));
	}
	log_info("started %s %u (pid %ld, generation %u)",
	    proc_role_name(role), slot, (long)pid, m->generation);
}

static void
spawn_all(struct master *m)
{
	for (int i = 0; i < m->cfg.workers; i++)
		master_spawn(m, LH_ROLE_WORKER, (uint32_t)i);
	for (int i = 0; i < m->cfg.runners; i++)
		master_spawn(m, LH_ROLE_RUNNER, (uint32_t)i);
}

static void
drain_children(struct master *m, uint32_t below_generation)
{
	struct child *c;

	TAILQ_FOREACH(c, &m->children, entry) {
		if (c->generation >= below_generation ||
		    c->state == CHILD_DRAINING)
			continue;
		c->state = CHILD_DRAINING;
		if (c->channel != -1)
			child_send(c, LH_MSG_DRAIN, NULL, 0);
		else
			kill(c->pid, SIGTERM);
	}
}

static void
on_kill_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct master *m = arg;
	struct child *c;

	TAILQ_FOREACH(c, &m->children, entry) {
		log_warnx("%s %u (pid %ld) did not stop in time, killing it",
		    proc_role_name(c->role), c->slot, (long)c->pid);
		kill(c->pid, SIGKILL);
	}
}

static void
master_shutdown(struct master *m, int code)
{
	struct timeval tv;
	uint32_t grace = m->cfg.shutdown_timeout_ms + 5000;

	if (m->state == MASTER_SHUTTING_DOWN)
		return;
	m->state = MASTER_SHUTTING_DOWN;
	m->exit_code = code;
	notify("STOPPING=1");
	pidfile_write(m, "stopping");
	log_info("shutting down: draining %d children (grace %u ms)",
	    count_live(m, LH_ROLE_WORKER, 0) + count_live(m, LH_ROLE_RUNNER, 0),
	    m->cfg.shutdown_timeout_ms);
	drain_children(m, UINT32_MAX);
	listen_close(&m->listeners);
	for (int i = 0; i < LH_LISTEN_MAX_SLOTS; i++)
		if (m->worker_slots[i].respawn != NULL)
			event_del(m->worker_slots[i].respawn);
	for (int i = 0; i < 64; i++)
		if (m->runner_slots[i].respawn != NULL)
			event_del(m->runner_slots[i].respawn);
	m->ev_kill = evtimer_new(m->base, on_kill_deadline, m);
	tv.tv_sec = grace / 1000;
	tv.tv_usec = (grace % 1000) * 1000;
	if (m->ev_kill != NULL)
		evtimer_add(m->ev_kill, &tv);
	if (TAILQ_EMPTY(&m->children))
		event_base_loopexit(m->base, NULL);
}

static int
keys_differ(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") != 0;
}

/* Keys a reload cannot change: keep the running value, say so. */
static void
keep_fixed_keys(struct master *m, struct lh_config *next)
{
	char **pairs[][2] = {
		{ &m->cfg.state_dir, &next->state_dir },
		{ &m->cfg.user, &next->user },
		{ &m->cfg.group, &next->group },
		{ &m->cfg.pid_file, &next->pid_file },
		{ &m->cfg.database, &next->database },
	};
	static const char *const names[] = { "state_dir", "user", "group",
	    "pid_file", "database" };

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		char **cur = pairs[i][0], **nxt = pairs[i][1];
		if (i == 0 || keys_differ(*cur, *nxt)) {
			if (i != 0)
				log_warnx("reload: %s cannot change while "
				    "running; restart to apply it", names[i]);
			free(*nxt);
			*nxt = strdup(*cur);
		}
	}
}

static void
master_reload(struct master *m)
{
	struct lh_config next;
	struct lh_listen_set nl;
	char err[512];
	int relisten;

	log_info("SIGHUP: reloading configuration");
	notify("RELOADING=1");
	if (master_load_config(m->opts, &next, err, sizeof(err)) == -1) {
		log_error("reload failed, keeping the running configuration: "
		    "%s", err);
		notify("READY=1");
		return;
	}
	keep_fixed_keys(m, &next);
	relisten = strcmp(next.listen, m->cfg.listen) != 0;
	if (relisten) {
		if (listen_parse(next.listen, &nl, err, sizeof(err)) != -1)
			listen_adopt(&nl, &m->listeners);
		if (nl.naddrs == 0 ||
		    listen_resize(&nl, next.workers, err, sizeof(err)) == -1) {
			/* give kept sockets back before failing */
			listen_adopt(&m->listeners, &nl);
			listen_close(&nl);
			log_error("reload failed, keeping the running "
			    "configuration: %s", err);
			conf_free(&next);
			notify("READY=1");
			return;
		}
	} else if (listen_resize(&m->listeners, next.workers, err,
	    sizeof(err)) == -1) {
		log_error("reload: %s", err);
		conf_free(&next);
		notify("READY=1");
		return;
	}
	if (relisten) {
		listen_close(&m->listeners);
		m->listeners = nl;
	}
	conf_free(&m->cfg);
	m->cfg = next;
	log_set_level((enum lh_log_level)m->cfg.log_level);
	if (log_open(m->cfg.log_file) == -1)
		log_warn("open log file %s", m->cfg.log_file);
	rl_apply_policies(m);
	m->generation++;
	m->role_disabled[LH_ROLE_WORKER] = m->role_disabled[LH_ROLE_RUNNER] = 0;
	drain_children(m, m->generation);
	m->announced_ready = 0;
	spawn_all(m);
	pidfile_write(m, "reloading");
	notify("READY=1");
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct master *m = arg;
	struct child *c;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		if (m->state == MASTER_SHUTTING_DOWN) {
			log_warnx("second %s: stopping children now",
			    sig == SIGTERM ? "SIGTERM" : "SIGINT");
			TAILQ_FOREACH(c, &m->children, entry)
				kill(c->pid, SIGKILL);
			break;
		}
		log_info("%s received", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		master_shutdown(m, 0);
		break;
	case SIGHUP:
		if (m->state == MASTER_RUNNING)
			master_reload(m);
		break;
	case SIGUSR1:
		if (log_reopen() == -1)
			log_warn("reopen log file");
		TAILQ_FOREACH(c, &m->children, entry)
			if (c->channel != -1 && c->state != CHILD_STARTING)
				child_send(c, LH_MSG_LOG_REOPEN, NULL, 0);
		log_info("log file reopened");
		break;
	case SIGCHLD:
		reap_children(m);
		break;
	}
}

static int
install_signals(struct master *m)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1,
	    SIGCHLD };

	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		m->sig[i] = evsignal_new(m->base, sigs[i], on_signal, m);
		if (m->sig[i] == NULL || event_add(m->sig[i], NULL) == -1)
			return -1;
	}
	return 0;
}

static void
master_cleanup(struct master *m)
{
	for (size_t i = 0; i < sizeof(m->sig) / sizeof(m->sig[0]); i++)
		if (m->sig[i] != NULL)
			event_free(m->sig[i]);
	for (int i = 0; i < LH_LISTEN_MAX_SLOTS; i++)
		if (m->worker_slots[i].respawn != NULL)
			event_free(m->worker_slots[i].respawn);
	for (int i = 0; i < 64; i++)
		if (m->runner_slots[i].respawn != NULL)
			event_free(m->runner_slots[i].respawn);
	if (m->ev_kill != NULL)
		event_free(m->ev_kill);
	if (m->base != NULL)
		event_base_free(m->base);
	listen_close(&m->listeners);
	if (m->runner_sock != -1) {
		close(m->runner_sock);
		unlink(m->runner_path);
	}
	if (m->rl != NULL)
		rl_table_destroy(m->rl);
	if (m->pidfile_fd != -1) {
		unlink(m->cfg.pid_file);
		close(m->pidfile_fd);
	}
	conf_free(&m->cfg);
}

static int
master_setup(struct master *m)
{
	uint8_t key[16];
	char err[512], addrs[512];
	FILE *rnd;
	int rc;

	if (state_dir_prepare(m) == -1 || pidfile_lock(m) == -1)
		return LH_EX_CONFIG;
	if ((rc = master_database_prepare(&m->cfg)) != 0)
		return rc;
	if (sqlite_files_chown(m) == -1)
		return LH_EX_CONFIG;
	if (listen_parse(m->cfg.listen, &m->listeners, err, sizeof(err)) == -1 ||
	    listen_open(&m->listeners, m->cfg.workers, err,
	    sizeof(err)) == -1) {
		log_error("%s", err);
		return LH_EX_CONFIG;
	}
	if (runner_socket_open(m) == -1)
		return LH_EX_CONFIG;
	if ((rnd = fopen("/dev/urandom", "re")) == NULL ||
	    fread(key, 1, sizeof(key), rnd) != sizeof(key)) {
		log_warn("read /dev/urandom");
		if (rnd != NULL)
			fclose(rnd);
		return 1;
	}
	fclose(rnd);
	if ((m->rl = rl_table_create(m->cfg.rate_limit_table_size, key)) == NULL) {
		log_warnx("cannot create the rate-limit table");
		return 1;
	}
	rl_apply_policies(m);
	if ((m->base = event_base_new()) == NULL || install_signals(m) == -1) {
		log_warnx("cannot set up the event loop");
		return 1;
	}
	listen_describe(&m->listeners, addrs, sizeof(addrs));
	pidfile_write(m, "starting");
	log_info("labhit %s listening on %s, state in %s, database %s",
	    PACKAGE_VERSION, addrs, m->cfg.state_dir,
	    strncmp(m->cfg.database, "sqlite:", 7) == 0 ? m->cfg.database :
	    "postgres");
	if (geteuid() == 0 && m->cfg.user[0] == '\0')
		log_warnx("running as root with no 'user' set: workers keep "
		    "root privileges");
	return 0;
}

int
master_main(const struct lh_serve_opts *opts, struct lh_config *cfg)
{
	struct master *m = &M;
	int rc;

	memset(m, 0, sizeof(*m));
	m->opts = opts;
	m->cfg = *cfg;
	m->pidfile_fd = m->runner_sock = -1;
	m->generation = 1;
	TAILQ_INIT(&m->children);
	log_set_ident("master");
	if ((rc = master_setup(m)) != 0) {
		master_cleanup(m);
		return rc;
	}
	spawn_all(m);
	event_base_dispatch(m->base);
	/* Children still alive here were killed by the deadline: reap them. */
	while (!TAILQ_EMPTY(&m->children)) {
		struct child *c = TAILQ_FIRST(&m->children);
		int status;
		pid_t pid = waitpid(c->pid, &status, 0);

		if (pid == -1 && errno == EINTR)
			continue;
		if (pid == c->pid) {
			child_exited(m, c, status);
			continue;
		}
		TAILQ_REMOVE(&m->children, c, entry);
		child_close_channel(c);
		free(c);
	}
	rc = m->exit_code;
	log_info("stopped (exit %d)", rc);
	master_cleanup(m);
	return rc;
}
