/*
 * testlib_stage.h: running one stage through the executor in a test and
 * keeping what it logged ("O:line\n" stdout, "E:" stderr, "S:" the
 * runner's own lines).
 */
#ifndef LH_TESTLIB_STAGE_H
#define LH_TESTLIB_STAGE_H

#include <stddef.h>

#include "runner/stage.h"

struct event_base;
struct lh_cgroup_tree;

struct tl_stage_run {
	struct event_base		*base;
	struct lh_stage			*st;
	const struct lh_stage_result	*res;
	char				*log;
	size_t				 len;
	size_t				 cap;
	int				 done;
	char				*ws;	/* a fresh workspace */
};

/* Callbacks that fill a tl_stage_run (the stage's arg). */
extern const struct lh_stage_cbs tl_stage_cbs;
/* Given to every spec tl_stage_init makes (NULL: rlimits only). */
extern const struct lh_cgroup_tree *tl_stage_cgroups;

/* A run with its own event base and workspace, and a spec for script
 * with a 60 s safety timeout. */
void	tl_stage_init(struct lh_stage_spec *, struct tl_stage_run *,
	    const char *script);
/* Starts the spec and runs the loop until the stage is done. */
const struct lh_stage_result *tl_stage_run(struct tl_stage_run *,
	    const struct lh_stage_spec *);
void	tl_stage_free(struct tl_stage_run *);
/* 1 when the log holds s. */
int	tl_stage_has(const struct tl_stage_run *, const char *s);

#endif
