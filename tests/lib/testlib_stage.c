/*
 * testlib_stage.c: one stage through the executor, for the stage and
 * cgroup suites (see testlib_stage.h).
 */
#include "config.h"

#include <check.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/testlib.h"
#include "tests/lib/testlib_stage.h"

const struct lh_cgroup_tree	*tl_stage_cgroups;

static void
tl_stage_on_log(struct lh_stage *st, enum lh_stream s, const char *line,
    size_t len, int64_t ts, void *arg)
{
	struct tl_stage_run	*r = arg;
	char			*n;

	(void)st;
	ck_assert_int_gt(ts, 1600000000000LL);
	while (r->len + len + 4 > r->cap) {
		r->cap = r->cap == 0 ? 4096 : r->cap * 2;
		ck_assert_ptr_nonnull(n = realloc(r->log, r->cap));
		r->log = n;
	}
	r->log[r->len++] = s == LH_STREAM_STDOUT ? 'O' :
	    s == LH_STREAM_STDERR ? 'E' : 'S';
	r->log[r->len++] = ':';
	memcpy(r->log + r->len, line, len);
	r->len += len;
	r->log[r->len++] = '\n';
	r->log[r->len] = '\0';
}

static void
tl_stage_on_done(struct lh_stage *st, const struct lh_stage_result *res,
    void *arg)
{
	struct tl_stage_run	*r = arg;

	ck_assert_ptr_eq(st, r->st);
	ck_assert_int_eq(r->done, 0);
	r->done = 1;
	r->res = res;
}

const struct lh_stage_cbs tl_stage_cbs = { tl_stage_on_log,
    tl_stage_on_done };

void
tl_stage_init(struct lh_stage_spec *sp, struct tl_stage_run *r,
    const char *script)
{
	memset(r, 0, sizeof(*r));
	ck_assert_ptr_nonnull(r->base = event_base_new());
	ck_assert_ptr_nonnull(r->ws = tl_tempdir());
	memset(sp, 0, sizeof(*sp));
	sp->name = "test";
	sp->script = script;
	sp->workspace = r->ws;
	sp->own_workspace = 1;
	sp->timeout_ms = 60000;
	sp->kill_grace_ms = 1000;
	sp->cgroups = tl_stage_cgroups;
}

const struct lh_stage_result *
tl_stage_run(struct tl_stage_run *r, const struct lh_stage_spec *sp)
{
	ck_assert_ptr_nonnull(r->st = stage_start(r->base, sp, &tl_stage_cbs,
	    r));
	ck_assert_int_eq(r->done, 0);	/* never from inside stage_start */
	ck_assert_int_ne(event_base_dispatch(r->base), -1);
	ck_assert_int_eq(r->done, 1);
	if (r->log == NULL)
		ck_assert_ptr_nonnull(r->log = strdup(""));
	return r->res;
}

void
tl_stage_free(struct tl_stage_run *r)
{
	stage_free(r->st);
	event_base_free(r->base);
	tl_rmtree(r->ws);
	free(r->ws);
	free(r->log);
}

int
tl_stage_has(const struct tl_stage_run *r, const char *s)
{
	return r->log != NULL && strstr(r->log, s) != NULL;
}
