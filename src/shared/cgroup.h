/*
 * cgroup.h: cgroup v2 limits for stages. The process that owns a delegated
 * cgroup (the master under systemd's Delegate=yes, or `labhit run` in a
 * delegated scope) moves itself into a "supervisor" leaf and makes a
 * "stages" subtree with the memory, pids and cpu controllers; runners make
 * one cgroup per stage there. Without delegation everything falls back to
 * rlimits, and the tree says why.
 */
#ifndef LH_CGROUP_H
#define LH_CGROUP_H

#include <sys/types.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* Controllers labhit uses. */
#define LH_CG_MEMORY	0x1u
#define LH_CG_PIDS	0x2u
#define LH_CG_CPU	0x4u
#define LH_CG_ALL	(LH_CG_MEMORY | LH_CG_PIDS | LH_CG_CPU)

/* Where stage cgroups are made. usable == 0: rlimits only, why says why. */
struct lh_cgroup_tree {
	int		usable;
	unsigned	controllers;	/* LH_CG_*: enabled for stages */
	char		stages[PATH_MAX];	/* parent of stage cgroups */
	char		why[256];
};

/* One stage's cgroup; dirfd (close-on-exec) is what clone3's
 * CLONE_INTO_CGROUP takes. */
struct lh_cgroup {
	int		dirfd;
	unsigned	limited;	/* LH_CG_*: limits that were set */
	char		path[PATH_MAX];
};

struct lh_cgroup_limits {
	uint64_t	memory_bytes;	/* memory.max; 0 = none */
	uint32_t	pids;		/* pids.max; 0 = none */
	uint32_t	cpus;		/* cpu.max in whole CPUs; 0 = none */
};

struct lh_cgroup_stats {
	double		cpu_seconds;	/* cpu.stat usage_usec */
	uint64_t	memory_peak;	/* memory.peak (0: not known) */
	uint64_t	oom_kills;	/* memory.events oom_kill */
	uint64_t	pids_max_hits;	/* pids.events max: forks refused */
	uint64_t	cpu_throttled;	/* cpu.stat nr_throttled */
};

/*
 * The cgroup v2 directory of a process: the cgroup2 mount point from
 * mountinfo (/proc/self/mountinfo) joined with the "0::" line of cgroup
 * (/proc/self/cgroup). -1 with err filled when there is none.
 */
int	cgroup_locate(const char *mountinfo, const char *cgroup, char *dir,
	    size_t len, char *err, size_t errlen);
/* The mount point of the cgroup2 file system in a mountinfo text. */
int	cgroup_parse_mountinfo(const char *text, char *mnt, size_t len);
/* The path of the "0::PATH" line of a /proc/PID/cgroup text. */
int	cgroup_parse_self(const char *text, char *path, size_t len);
/* "cpu memory pids" -> LH_CG_* bits. */
unsigned cgroup_parse_controllers(const char *text);

/*
 * Run once by the process that owns the cgroup dir it lives in (dir from
 * cgroup_locate): refuses (usable 0, why set) unless it is alone there and
 * may write it; else moves itself to dir/supervisor, enables the
 * controllers it may, makes dir/stages (given to owner when that is not
 * us, so runners can make stage cgroups), removes stage cgroups a crash
 * left behind. 0 when the tree is usable, -1 (why filled) when not.
 */
int	cgroup_tree_setup(struct lh_cgroup_tree *, const char *dir, uid_t owner,
	    gid_t group);
/* For a process that lives below a tree set up by an ancestor: stages is
 * that tree's stages dir. */
int	cgroup_tree_attach(struct lh_cgroup_tree *, const char *stages);
/* The tree for this process, found from /proc: set up when it owns its
 * cgroup, or attached when it lives in a "stages" subtree. */
int	cgroup_tree_auto(struct lh_cgroup_tree *, uid_t owner, gid_t group);

/* Removes the stage cgroups a process that died left (a crashed
 * runner's), killing anything still in them. */
void	cgroup_tree_sweep(const struct lh_cgroup_tree *, pid_t);
/* The name of the next stage cgroup of this process: "s<pid>-<n>". */
void	cgroup_stage_name(char *buf, size_t len);
/* Makes tree->stages/name for a process that runs stages (a runner) and
 * puts its cgroup.procs path in procs. */
int	cgroup_tree_leaf(const struct lh_cgroup_tree *, const char *name,
	    char *procs, size_t len);
/* Moves the calling process into the cgroup of a cgroup.procs path;
 * async-signal-safe (for a child between fork and exec). */
int	cgroup_join(const char *procs);

/* Makes tree->stages/name with the limits the tree supports. -1 with err
 * filled when it cannot be made (the stage then runs on rlimits). */
int	cgroup_stage_create(const struct lh_cgroup_tree *, const char *name,
	    const struct lh_cgroup_limits *, struct lh_cgroup *, char *err,
	    size_t errlen);
/* SIGKILL to every process in it (cgroup.kill). */
int	cgroup_stage_kill(const struct lh_cgroup *);
/* 1 when processes are left in it, 0 when empty, -1 on error. */
int	cgroup_stage_populated(const struct lh_cgroup *);
int	cgroup_stage_stats(const struct lh_cgroup *, struct lh_cgroup_stats *);
/* Kills what is left, removes the cgroup, closes the fds. */
void	cgroup_stage_destroy(struct lh_cgroup *);

#endif
