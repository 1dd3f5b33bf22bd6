/*
 * proc.h: the one start-up skeleton every child process runs through
 * (STYLE.md habit 2): logging identity, death signal, privilege drop, event
 * base, signals, master channel, HELLO, dispatch loop.
 */
#ifndef LH_PROC_H
#define LH_PROC_H

#include <stdint.h>
#include <sys/types.h>

#include "shared/ipc.h"

struct event_base;
struct event;
struct lh_proc;

typedef void (*lh_proc_dispatch)(struct lh_proc *, struct lh_ipc_frame *);
typedef void (*lh_proc_hook)(struct lh_proc *);

struct lh_proc {
	enum lh_role	 role;
	uint32_t	 instance;
	uint32_t	 generation;
	int		 channel;	/* control channel to the master */
	pid_t		 master_pid;
	struct event_base *base;
	struct event	*ev_channel;
	struct event	*ev_term;
	int		 draining;
	lh_proc_dispatch dispatch;	/* frames the skeleton does not handle */
	lh_proc_hook	 on_drain;	/* DRAIN, SIGTERM, or master gone */
	void		*arg;
};

/* Role name for logs: "master", "worker", "runner". */
const char *proc_role_name(enum lh_role role);

/* Drops to user/group when running as root (no-op with an empty user).
 * Returns 0 or -1 with err filled. */
int proc_drop_privileges(const char *user, const char *group, char *err,
    size_t errlen);

/* Runs the skeleton up to the dispatch loop: sets the log ident
 * ("worker 1"), PR_SET_PDEATHSIG, drops privileges, makes the event base,
 * installs signal events, watches the channel, exchanges HELLO.
 * Exits with LH_EX_CONFIG when privileges cannot be dropped. */
int proc_child_init(struct lh_proc *p, const char *user, const char *group);
/* Runs the event loop until proc_exit or the loop runs dry. */
int proc_child_run(struct lh_proc *p);
/* Sends a frame to the master; logs and returns -1 on failure. */
int proc_send(struct lh_proc *p, uint32_t type, const void *payload,
    size_t len);
/* Tears down the skeleton's events and the base. */
void proc_child_free(struct lh_proc *p);

#endif
