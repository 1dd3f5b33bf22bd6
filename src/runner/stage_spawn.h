/*
 * stage_spawn.h: fork and exec one stage process (bwrap or, in mode none,
 * sh) with its fds, rlimits, process group, CPU affinity and user, under a
 * small reaping shepherd. Runs in the runner process; the forked processes
 * do only async-signal-safe work.
 */
#ifndef LH_STAGE_SPAWN_H
#define LH_STAGE_SPAWN_H

#include <sys/types.h>
#include <sys/resource.h>
#include <stddef.h>
#include <stdint.h>

struct lh_spawn {
	const char	*path;		/* executable */
	char *const	*argv;
	char *const	*envp;
	const char	*chdir;		/* NULL: stay */
	int		 fd_out;	/* becomes fd 1 */
	int		 fd_err;	/* becomes fd 2 */
	int		 fd_extra;	/* becomes fd 3, or -1 */
	int		 cgroup_fd;	/* directory of the cgroup the stage
					 * process starts in, or -1 */
	int		 drop_user;	/* setgroups/setgid/setuid below */
	uid_t		 uid;
	gid_t		 gid;
	uint64_t	 as_bytes;	/* RLIMIT_AS; 0 = unchanged */
	uint64_t	 cpu_seconds;	/* RLIMIT_CPU; 0 = unchanged */
	uint64_t	 fsize_bytes;	/* RLIMIT_FSIZE; 0 = unchanged */
	uint64_t	 nproc;		/* RLIMIT_NPROC; 0 = unchanged */
	int		 own_userns;	/* a user namespace of its own, made
					 * before nproc is set: see sp_userns */
	uint64_t	 nofile;	/* RLIMIT_NOFILE; 0 = unchanged */
	int		 cpus;		/* affinity to this many CPUs; 0 = all */
};

/* An lh_spawn with no fds and no limits. */
void	spawn_init(struct lh_spawn *);

/*
 * A started stage: a shepherd process (a fork of ours, its own session,
 * child subreaper) runs the stage process in a new process group and reaps
 * the whole tree, so the resource usage of processes bwrap never waits for
 * is counted too. It reports through report_fd: START once the stage
 * process exec'ed (or failed to), END with the results before it exits.
 */
struct lh_spawned {
	pid_t	shepherd;	/* our child: watch and reap this one */
	int	report_fd;	/* O_NONBLOCK|O_CLOEXEC */
};

/* Shepherd -> runner messages, each far below PIPE_BUF. */
struct lh_spawn_msg {
	int		type;
#define LH_SPAWN_START	1
#define LH_SPAWN_END	2
	int		step;		/* START: 0 = exec'ed, else what failed */
	int		err;		/* START: its errno */
	pid_t		child;		/* START: the stage process = its group */
	int		status;		/* END: wait status of the stage process */
	int		reaped_all;	/* END: 1 when the whole tree was reaped */
	struct rusage	ru;		/* END: summed over the tree (maxrss:
					 * the largest) */
};

/* Forks the shepherd; returns at once. 0, or -1 with err filled. */
int	spawn_stage(const struct lh_spawn *, struct lh_spawned *, char *err,
	    size_t errlen);
/* One message: 1, 0 when none is there yet, -1 at EOF or on junk. */
int	spawn_read(int report_fd, struct lh_spawn_msg *);
/* Text for a START message with step != 0. */
void	spawn_start_error(const char *path, const struct lh_spawn_msg *,
	    char *err, size_t errlen);
/* CLOCK_REALTIME / CLOCK_MONOTONIC in milliseconds. */
int64_t	spawn_now_ms(void);
int64_t	spawn_mono_ms(void);

#endif
