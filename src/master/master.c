/*
 * master.c: the supervisor (DESIGN.md section 1): start-up, signals,
 * reload and shutdown; its children are handled in master_child.c.
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
#include "master/master_int.h"
#include "shared/log.h"
#include "shared/proc.h"
#include "shared/ratelimit.h"

struct master lh_master;



uint64_t
master_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
master_notify(const char *state)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

struct slot *
master_slot(struct master *m, enum lh_role role, uint32_t slot)
{
	return role == LH_ROLE_WORKER ? &m->worker_slots[slot] :
	    &m->runner_slots[slot];
}

/* Rewrites the pid file in place: pid, state dir, addresses, status, like
 * PostgreSQL's postmaster.pid, so scripts and tests can find the port. */
void
master_pidfile_write(struct master *m, const char *status)
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

/*
 * Stage limits: a cgroup v2 subtree when one was delegated to us (systemd
 * Delegate=yes), handed to the runners' user so they can make a cgroup
 * per stage; else rlimits, and the log says why.
 */
static void
master_cgroup_setup(struct master *m)
{
	struct passwd	*pw;
	uid_t		 uid = geteuid();
	gid_t		 gid = getegid();

	if (geteuid() == 0 && m->cfg.user[0] != '\0' &&
	    (pw = getpwnam(m->cfg.user)) != NULL) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (cgroup_tree_auto(&m->cgroups, uid, gid) == -1) {
		log_info("stage limits: rlimits (%s)", m->cgroups.why);
		return;
	}
	log_info("stage limits: cgroup v2 in %s%s%s", m->cgroups.stages,
	    m->cgroups.why[0] != '\0' ? "; " : "", m->cgroups.why);
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

void
master_shutdown(struct master *m, int code)
{
	struct timeval tv;
	uint32_t grace = m->cfg.shutdown_timeout_ms + 5000;

	if (m->state == MASTER_SHUTTING_DOWN)
		return;
	m->state = MASTER_SHUTTING_DOWN;
	m->exit_code = code;
	master_notify("STOPPING=1");
	master_pidfile_write(m, "stopping");
	log_info("shutting down: draining %d children (grace %u ms)",
	    master_count_live(m, LH_ROLE_WORKER, 0) + master_count_live(m, LH_ROLE_RUNNER, 0),
	    m->cfg.shutdown_timeout_ms);
	master_drain_children(m, UINT32_MAX);
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
	/* the shared table was sized before the first fork */
	if (next->rate_limit_table_size != m->cfg.rate_limit_table_size) {
		log_warnx("reload: rate_limit_table_size cannot change while "
		    "running; restart to apply it");
		next->rate_limit_table_size = m->cfg.rate_limit_table_size;
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
	master_notify("RELOADING=1");
	if (master_load_config(m->opts, &next, err, sizeof(err)) == -1) {
		log_error("reload failed, keeping the running configuration: "
		    "%s", err);
		master_notify("READY=1");
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
			master_notify("READY=1");
			return;
		}
	} else if (listen_resize(&m->listeners, next.workers, err,
	    sizeof(err)) == -1) {
		log_error("reload: %s", err);
		conf_free(&next);
		master_notify("READY=1");
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
	master_drain_children(m, m->generation);
	m->announced_ready = 0;
	master_spawn_all(m);
	master_pidfile_write(m, "reloading");
	master_notify("READY=1");
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
				master_child_send(c, LH_MSG_LOG_REOPEN, NULL, 0);
		log_info("log file reopened");
		break;
	case SIGCHLD:
		master_reap_children(m);
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
	master_cgroup_setup(m);
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
	master_pidfile_write(m, "starting");
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
	struct master *m = &lh_master;
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
	master_spawn_all(m);
	event_base_dispatch(m->base);
	/* Children still alive here were killed by the deadline: reap them. */
	while (!TAILQ_EMPTY(&m->children)) {
		struct child *c = TAILQ_FIRST(&m->children);
		int status;
		pid_t pid = waitpid(c->pid, &status, 0);

		if (pid == -1 && errno == EINTR)
			continue;
		if (pid == c->pid) {
			master_child_exited(m, c, status);
			continue;
		}
		TAILQ_REMOVE(&m->children, c, entry);
		master_child_close_channel(c);
		free(c);
	}
	rc = m->exit_code;
	log_info("stopped (exit %d)", rc);
	master_cleanup(m);
	return rc;
}
