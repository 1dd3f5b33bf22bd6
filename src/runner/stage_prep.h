/*
 * stage_prep.h: what is decided before a stage is forked (user, env,
 * scratch dir, command line, rlimits). Runs in the runner process. Each
 * function returns -1/NULL with err filled on failure.
 */
#ifndef LH_STAGE_PREP_H
#define LH_STAGE_PREP_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/stage.h"

struct lh_spawn;
struct sbx_argv;

/* 1 when uid/gid (with no other groups) may write in dir, as the kernel
 * judges it (ACLs included), 0 when not, -1 when it cannot be known.
 * Forks: for a run's set-up, not for each stage. */
int	stage_user_can_write(const char *dir, uid_t, gid_t);
/* spec->uid/gid, else the passwd entry of spec->user (default nobody). */
int	stage_resolve_user(const struct lh_stage_spec *, uid_t *, gid_t *,
	    char *err, size_t errlen);
/* Script or argv present, workspace a directory (chowned to uid when
 * drop and spec->own_workspace), bwrap installed when needed. */
int	stage_check_spec(const struct lh_stage_spec *, int drop, uid_t, gid_t,
	    char *err, size_t errlen);
/* PATH, HOME=home, LANG, CI, LABHIT_OUTPUT=outpath, then spec->env. */
int	stage_build_env(const struct lh_stage_spec *, const char *home,
	    const char *outpath, struct sbx_argv *env, char *err,
	    size_t errlen);
/* A fresh dir under state_dir with an empty "output" file, both owned by
 * uid/gid when drop. Caller frees (and removes with stage_rmtree). */
char	*stage_make_outdir(const struct lh_stage_spec *, int drop, uid_t,
	    gid_t, char *err, size_t errlen);
/* Like stage_make_outdir, but hands out a dir kept from an earlier stage
 * of this process (same base dir and owner) when one is there, emptied
 * and checked to be exactly as made. */
char	*stage_scratch_get(const struct lh_stage_spec *, int drop, uid_t,
	    gid_t, char *err, size_t errlen);
/* Done with a dir from stage_scratch_get (takes it, NULL is allowed):
 * when reuse (no process of the stage can be left) and the dir is as
 * made, it is emptied and kept for the next stage, else removed. Kept
 * dirs are removed at exit (or by stage_scratch_flush). */
void	stage_scratch_put(char *dir, int drop, uid_t, gid_t, int reuse);
void	stage_scratch_flush(void);
/* cmd = sh -e -c SCRIPT or argv; out = the argv to exec (bwrap ... -- cmd,
 * or cmd itself in mode none). Returns the seccomp memfd, -2 when there is
 * none (mode none), or -1. */
int	stage_build_command(const struct lh_stage_spec *, const char *rootfs,
	    const char *outdir, struct sbx_argv *cmd, struct sbx_argv *out,
	    char *err, size_t errlen);
/* Limits from the spec with their defaults; the rlimits standing in for
 * the cgroup limits set (LH_CG_* bits) are left out. */
void	stage_fill_spawn(struct lh_spawn *, const struct lh_stage_spec *,
	    uint64_t memory_bytes, unsigned cgroup_limited);
/* The spec's process limit or the default. */
uint32_t stage_max_procs(const struct lh_stage_spec *);
/* rm -rf without following symlinks; logs failures. */
void	stage_rmtree(const char *dir);

#endif
