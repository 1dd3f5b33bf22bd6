/*
 * master_child.c: the master's children: spawning workers (fork) and
 * runners (fork + exec), their control channels and dispatch, exit
 * classification and respawn with backoff, handing a dead worker's queued
 * connections to the live ones, draining by generation.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "master/master_int.h"
#include "shared/log.h"
#include "shared/proc.h"
#include "worker/worker.h"

void
master_child_send(struct child *c, uint32_t type, const void *payload, size_t len)
{
	if (ipc_send(c->channel, type, 0, payload, len, -1) == -1 &&
	    errno != EPIPE && errno != ECONNRESET)	/* gone: SIGCHLD tells */
		log_warn("send %s to %s %u (pid %ld)", ipc_type_name(type),
		    proc_role_name(c->role), c->slot, (long)c->pid);
}

int
master_count_live(struct master *m, enum lh_role role, int current_only)
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
	master_pidfile_write(m, "ready");
	master_notify("READY=1\nSTATUS=serving");
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
	    "stage_timeout=%ums\nstage_max_processes=%d\nstage_user=%s\n"
	    "user=%s\ngroup=%s\n",
	    m->cfg.state_dir, log_level_name(m->cfg.log_level),
	    m->cfg.log_file, m->cfg.runner_slots, m->cfg.sandbox,
	    m->cfg.images_dir, m->cfg.stage_log_limit,
	    m->cfg.stage_output_limit, m->cfg.stage_kill_grace_ms,
	    m->cfg.default_stage_timeout_ms, m->cfg.stage_max_processes,
	    m->cfg.stage_user,
	    m->cfg.user, m->cfg.group);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		log_warnx("runner configuration too long");
		return;
	}
	master_child_send(c, LH_MSG_CONFIG, buf, (size_t)n + 1);
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
			master_child_send(c, LH_MSG_BUS_PUBLISH, &bus, sizeof(bus));
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

void
master_child_close_channel(struct child *c)
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
			master_dispatch_child(&lh_master, c, &f);
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
		master_child_close_channel(c);
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
	struct slot *s = master_slot(&lh_master, role, slot);
	char err[256];

	event_free(s->respawn);
	s->respawn = NULL;
	if (lh_master.state != MASTER_RUNNING || lh_master.role_disabled[role])
		return;
	if (role == LH_ROLE_WORKER && slot >= (uint32_t)lh_master.cfg.workers)
		return;
	if (role == LH_ROLE_RUNNER && slot >= (uint32_t)lh_master.cfg.runners)
		return;
	if (role == LH_ROLE_WORKER &&
	    listen_reopen_slot(&lh_master.listeners, (int)slot, err, sizeof(err)) == -1) {
		log_error("cannot respawn worker %u: %s", slot, err);
		return;
	}
	master_spawn(&lh_master, role, slot);
}

/* Schedules the respawn of a crashed current child; returns -1 when its
 * role crashed too often and is given up. */
static int
schedule_respawn(struct master *m, struct child *c, uint64_t now)
{
	struct slot *s = master_slot(m, c->role, c->slot);
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
		master_notify("STATUS=crash loop: respawning stopped");
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

void
master_child_exited(struct master *m, struct child *c, int wstatus)
{
	enum lh_exit_class cls = policy_classify_exit(wstatus);
	uint64_t now = master_now_ms();
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
	master_child_close_channel(c);
	/* a runner's stages died with it; their cgroups stay until now */
	if (c->role == LH_ROLE_RUNNER)
		cgroup_tree_sweep(&m->cgroups, c->pid);
	if (!expected) {
		if (c->role == LH_ROLE_WORKER)
			rehome_backlog(m, c->slot);
		if (cls == LH_EXIT_CONFIG) {
			log_error("%s %u stopped on a configuration error; "
			    "not respawning it", proc_role_name(c->role),
			    c->slot);
			if (c->role == LH_ROLE_WORKER &&
			    master_count_live(m, LH_ROLE_WORKER, 1) == 0)
				master_shutdown(m, LH_EX_CONFIG);
		} else if (schedule_respawn(m, c, now) == -1 &&
		    c->role == LH_ROLE_WORKER &&
		    master_count_live(m, LH_ROLE_WORKER, 1) == 0) {
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

void
master_reap_children(struct master *m)
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
		master_child_exited(m, c, status);
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

void
master_spawn(struct master *m, enum lh_role role, uint32_t slot)
{
	sigset_t all, old;
	struct child *c;
	char leaf[32], procs[PATH_MAX];
	int sv[2], in_leaf;
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
	/* a runner lives in the stages subtree it makes stage cgroups in */
	(void)snprintf(leaf, sizeof(leaf), "runner-%u", slot);
	in_leaf = role == LH_ROLE_RUNNER && m->cgroups.usable &&
	    cgroup_tree_leaf(&m->cgroups, leaf, procs, sizeof(procs)) == 0;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		free(c);	/* the parent's record of this child */
		close(sv[0]);
		child_forget_master(m, sv[1]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* failing that, it finds itself in no tree: rlimits */
		if (in_leaf)
			(void)cgroup_join(procs);
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
	c->started_ms = master_now_ms();
	c->ev = event_new(m->base, sv[0], EV_READ | EV_PERSIST,
	    on_child_channel, c);
	if (c->ev == NULL || event_add(c->ev, NULL) == -1)
		log_warnx("cannot watch %s %u channel", proc_role_name(role),
		    slot);
	TAILQ_INSERT_TAIL(&m->children, c, entry);
	{
		struct lh_msg_hello hello = { LH_IPC_VERSION, LH_ROLE_MASTER,
		    slot, m->generation };
		master_child_send(c, LH_MSG_HELLO, &hello, sizeof(hello));
	}
	log_info("started %s %u (pid %ld, generation %u)",
	    proc_role_name(role), slot, (long)pid, m->generation);
}

void
master_spawn_all(struct master *m)
{
	for (int i = 0; i < m->cfg.workers; i++)
		master_spawn(m, LH_ROLE_WORKER, (uint32_t)i);
	for (int i = 0; i < m->cfg.runners; i++)
		master_spawn(m, LH_ROLE_RUNNER, (uint32_t)i);
}

void
master_drain_children(struct master *m, uint32_t below_generation)
{
	struct child *c;

	TAILQ_FOREACH(c, &m->children, entry) {
		if (c->generation >= below_generation ||
		    c->state == CHILD_DRAINING)
			continue;
		c->state = CHILD_DRAINING;
		if (c->channel != -1)
			master_child_send(c, LH_MSG_DRAIN, NULL, 0);
		else
			kill(c->pid, SIGTERM);
	}
}
