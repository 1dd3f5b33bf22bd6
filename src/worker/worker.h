/*
 * worker.h: an HTTP worker process, forked by the master. It serves the
 * REST/GraphQL/SSE surface on its listening sockets and answers runners on
 * the runner socket.
 */
#ifndef LH_WORKER_H
#define LH_WORKER_H

#include <stdint.h>
#include <sys/types.h>

#include "master/listen.h"

struct lh_config;
struct lh_rl_table;

struct lh_worker_init {
	uint32_t slot;
	uint32_t generation;
	int	 channel;		/* control channel to the master */
	pid_t	 master_pid;
	int	 listen_fds[LH_LISTEN_MAX_ADDRS];
	int	 nlisten;
	int	 runner_fd;		/* runner socket listener, or -1 */
	struct lh_rl_table *rl;
};

/* Runs the worker until it has drained; returns the exit code. */
int worker_main(const struct lh_config *cfg, const struct lh_worker_init *in);

#endif
