/*
 * proc.c: the start-up skeleton and master-channel handling shared by the
 * worker and runner processes. Signal handlers never do work: libevent
 * signal events call back from the loop.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <event2/event.h>

#include "shared/conf.h"
#include "shared/log.h"
#include "shared/proc.h"

const char *
proc_role_name(enum lh_role role)
{
	switch (role) {
	case LH_ROLE_MASTER:
		return "master";
	case LH_ROLE_WORKER:
		return "worker";
	case LH_ROLE_RUNNER:
		return "runner";
	}
	return "child";
}

int
proc_drop_privileges(const char *user, const char *group, char *err,
    size_t errlen)
{
	struct passwd *pw;
	struct group *gr;
	gid_t gid;

	if (user == NULL || user[0] == '\0' || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user '%s' does not exist", user);
		return -1;
	}
	gid = pw->pw_gid;
	if (group != NULL && group[0] != '\0') {
		if ((gr = getgrnam(group)) == NULL) {
			snprintf(err, errlen, "group '%s' does not exist",
			    group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		snprintf(err, errlen, "cannot drop privileges to %s: %s",
		    user, strerror(errno));
		return -1;
	}
	if (setuid(0) != -1) {
		snprintf(err, errlen, "privilege drop to %s did not stick",
		    user);
		return -1;
	}
	return 0;
}

int
proc_send(struct lh_proc *p, uint32_t type, const void *payload, size_t len)
{
	if (ipc_send(p->channel, type, p->instance, payload, len, -1) == -1) {
		log_warn("send %s to master", ipc_type_name(type));
		return -1;
	}
	return 0;
}

static void
proc_start_drain(struct lh_proc *p)
{
	if (p->draining)
		return;
	p->draining = 1;
	if (p->on_drain != NULL)
		p->on_drain(p);
	else
		event_base_loopexit(p->base, NULL);
}

static void
proc_on_term(evutil_socket_t sig, short what, void *arg)
{
	struct lh_proc *p = arg;

	log_info("%s, draining", sig == SIGTERM ? "SIGTERM" : "signal");
	proc_start_drain(p);
}

static void
proc_dispatch_master(struct lh_proc *p, struct lh_ipc_frame *f)
{
	struct lh_msg_hello hello;

	switch (f->hdr.type) {
	case LH_MSG_HELLO:
		if (ipc_read_hello(f, &hello) == -1 ||
		    hello.ipc_version != LH_IPC_VERSION)
			fatalx("bad HELLO from master (pid %u)", f->hdr.pid);
		break;
	case LH_MSG_DRAIN:
		proc_start_drain(p);
		break;
	case LH_MSG_STOP:
		log_info("stop requested by master");
		exit(0);
	case LH_MSG_LOG_REOPEN:
		if (log_reopen() == -1)
			log_warn("reopen log file");
		break;
	default:
		if (p->dispatch != NULL) {
			p->dispatch(p, f);
			break;
		}
		fatalx("unexpected %s (%u) from master",
		    ipc_type_name(f->hdr.type), f->hdr.type);
	}
}

static void
proc_on_channel(evutil_socket_t fd, short what, void *arg)
{
	struct lh_proc *p = arg;
	struct lh_ipc_frame f;
	int rc;

	for (;;) {
		rc = ipc_recv(fd, &f);
		if (rc == 1) {
			proc_dispatch_master(p, &f);
			ipc_frame_clear(&f);
			continue;
		}
		if (rc == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (rc == -1)
			log_warn("master channel");
		/* Master gone: finish what is in flight and leave. */
		event_del(p->ev_channel);
		if (!p->draining)
			log_info("master channel closed, draining");
		proc_start_drain(p);
		return;
	}
}

int
proc_child_init(struct lh_proc *p, const char *user, const char *group)
{
	char ident[32], err[256];
	struct lh_msg_hello hello;

	snprintf(ident, sizeof(ident), "%s %u", proc_role_name(p->role),
	    p->instance);
	log_set_ident(ident);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		log_warn("prctl(PR_SET_PDEATHSIG)");
	if (p->master_pid != 0 && getppid() != p->master_pid) {
		log_warnx("master is gone before start");
		exit(0);
	}
	if (proc_drop_privileges(user, group, err, sizeof(err)) == -1) {
		log_error("%s", err);
		exit(LH_EX_CONFIG);
	}
	signal(SIGPIPE, SIG_IGN);
	/* The master owns these; a terminal ^C reaches it too. */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	if ((p->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	p->ev_term = evsignal_new(p->base, SIGTERM, proc_on_term, p);
	p->ev_channel = event_new(p->base, p->channel, EV_READ | EV_PERSIST,
	    proc_on_channel, p);
	if (p->ev_term == NULL || p->ev_channel == NULL ||
	    event_add(p->ev_term, NULL) == -1 ||
	    event_add(p->ev_channel, NULL) == -1)
		fatalx("cannot watch master channel");
	hello.ipc_version = LH_IPC_VERSION;
	hello.role = p->role;
	hello.instance = p->instance;
	hello.generation = p->generation;
	if (proc_send(p, LH_MSG_HELLO, &hello, sizeof(hello)) == -1)
		exit(1);
	return 0;
}

int
proc_child_run(struct lh_proc *p)
{
	return event_base_dispatch(p->base);
}

void
proc_child_free(struct lh_proc *p)
{
	if (p->ev_channel != NULL)
		event_free(p->ev_channel);
	if (p->ev_term != NULL)
		event_free(p->ev_term);
	if (p->base != NULL)
		event_base_free(p->base);
	p->ev_channel = p->ev_term = NULL;
	p->base = NULL;
}
