/*
 * master_int.h: the master's private state, shared by master.c (start-up,
 * signals, reload, shutdown) and master_child.c (spawning, supervising and
 * talking to children). Not for other processes.
 */
#ifndef LH_MASTER_INT_H
#define LH_MASTER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "master/listen.h"
#include "master/master.h"
#include "master/policy.h"
#include "shared/cgroup.h"
#include "shared/ipc.h"

struct event;
struct event_base;
struct lh_rl_table;

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
	struct lh_cgroup_tree cgroups;	/* stage limits, when delegated */
	int		 pidfile_fd;
	int		 announced_ready;
	int		 exit_code;
	struct event	*ev_kill;	/* shutdown deadline */
	struct event	*sig[6];
};

/* The one master of this process (signal and timer callbacks reach it). */
extern struct master lh_master;

/* master.c */
uint64_t master_now_ms(void);
void master_notify(const char *state);
void master_pidfile_write(struct master *m, const char *status);
void master_shutdown(struct master *m, int code);

/* master_child.c */
struct slot *master_slot(struct master *m, enum lh_role role, uint32_t slot);
void master_spawn(struct master *m, enum lh_role role, uint32_t slot);
void master_spawn_all(struct master *m);
/* Asks every child of a generation below the given one to drain. */
void master_drain_children(struct master *m, uint32_t below_generation);
void master_reap_children(struct master *m);
void master_child_exited(struct master *m, struct child *c, int wstatus);
void master_child_send(struct child *c, uint32_t type, const void *payload,
    size_t len);
void master_child_close_channel(struct child *c);
int master_count_live(struct master *m, enum lh_role role, int current_only);

#endif
