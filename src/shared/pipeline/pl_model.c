/*
 * pl_model.c: the pipeline model's life cycle: error lists, freeing, lookups,
 * value formats (timeout, memory, names) and the JSON form printed by
 * `labhit validate --json`. Runs wherever pipelines are read.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "shared/pipeline/dag.h"
#include "shared/pipeline/expr.h"
#include "shared/pipeline/pipeline.h"
#include "shared/pipeline/pl_int.h"

void
pl_errors_init(struct lh_pl_errors *errs, const char *file)
{
	memset(errs, 0, sizeof(*errs));
	errs->file = strdup(file != NULL ? file : "<input>");
}

void
pl_errors_free(struct lh_pl_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		free(errs->v[i].msg);
	free(errs->v);
	free(errs->file);
	memset(errs, 0, sizeof(*errs));
}

int
pl_errors_add(struct lh_pl_errors *errs, struct lh_pl_mark mark,
    const char *fmt, ...)
{
	struct lh_pl_error *v;
	va_list ap;
	char *msg;
	int rc;

	if (errs->n >= LH_PL_MAX_ERRORS) {
		errs->truncated = 1;
		return 0;
	}
	if (errs->n == errs->cap) {
		size_t cap = errs->cap == 0 ? 16 : errs->cap * 2;

		if ((v = realloc(errs->v, cap * sizeof(*v))) == NULL)
			return -1;
		errs->v = v;
		errs->cap = cap;
	}
	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc == -1)
		return -1;
	errs->v[errs->n].mark = mark;
	errs->v[errs->n].msg = msg;
	errs->n++;
	return 0;
}

void
pl_errors_sort(struct lh_pl_errors *errs)
{
	/* insertion sort: stable, so errors at one position keep the order
	 * they were found in (error lists are short) */
	size_t i, j;
	struct lh_pl_error t;

	for (i = 1; i < errs->n; i++) {
		t = errs->v[i];
		for (j = i; j > 0 && (errs->v[j - 1].mark.line > t.mark.line ||
		    (errs->v[j - 1].mark.line == t.mark.line &&
		    errs->v[j - 1].mark.col > t.mark.col)); j--)
			errs->v[j] = errs->v[j - 1];
		errs->v[j] = t;
	}
}

void
pl_errors_print(const struct lh_pl_errors *errs, FILE *fp)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		fprintf(fp, "%s:%u:%u: %s\n", errs->file, errs->v[i].mark.line,
		    errs->v[i].mark.col, errs->v[i].msg);
	if (errs->truncated)
		fprintf(fp, "%s: too many errors, only the first %d shown\n",
		    errs->file, LH_PL_MAX_ERRORS);
}

void
pl_strlist_free(struct lh_pl_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->marks);
	memset(l, 0, sizeof(*l));
}

static void
pl_triggers_free(struct lh_pl_triggers *t)
{
	size_t i;

	pl_strlist_free(&t->push_branches);
	pl_strlist_free(&t->push_tags);
	pl_strlist_free(&t->push_paths);
	pl_strlist_free(&t->pr_branches);
	pl_strlist_free(&t->pr_actions);
	free(t->cron);
	free(t->timezone);
	for (i = 0; i < t->ninputs; i++) {
		free(t->inputs[i].name);
		free(t->inputs[i].description);
		free(t->inputs[i].default_value);
		pl_strlist_free(&t->inputs[i].options);
	}
	free(t->inputs);
	free(t->webhook_secret_name);
	free(t->webhook_filter);
	pl_expr_free(t->webhook_filter_expr);
}

static void
pl_stage_free(struct lh_pl_stage *st)
{
	size_t i;

	free(st->name);
	free(st->run);
	pl_interp_free(st->run_interp);
	free(st->use);
	pl_strlist_free(&st->after);
	free(st->deps);
	if (st->with != NULL)
		json_object_put(st->with);
	for (i = 0; i < st->nwith_exprs; i++)
		pl_interp_free(st->with_exprs[i]);
	free(st->with_exprs);
	free(st->image);
	pl_kvlist_free(&st->env);
	free(st->policy);
	pl_strlist_free(&st->allowed_branches);
	free(st->condition);
	pl_expr_free(st->condition_expr);
}

void
pl_free(struct lh_pipeline *pl)
{
	size_t i;

	if (pl == NULL)
		return;
	for (i = 0; i < pl->nstages; i++)
		pl_stage_free(&pl->stages[i]);
	free(pl->stages);
	pl_triggers_free(&pl->triggers);
	pl_dag_free(pl->plan);
	free(pl->file);
	free(pl->name);
	free(pl->description);
	free(pl);
}

ssize_t
pl_stage_index(const struct lh_pipeline *pl, const char *name)
{
	size_t i;

	for (i = 0; i < pl->nstages; i++)
		if (strcmp(pl->stages[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

/* Parses ^[0-9]+<unit>$ where unit is one of units[]; *mult gets its
 * multiplier. */
static int
pl_parse_unit(const char *s, const char *const *units,
    const uint64_t *mults, size_t nunits, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0, k;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	for (k = 0; k < nunits; k++)
		if (strcmp(s + i, units[k]) == 0)
			break;
	if (k == nunits || v == 0 || v > max / mults[k])
		return -1;
	*out = v * mults[k];
	return 0;
}

int
pl_parse_timeout(const char *s, uint32_t *ms)
{
	static const char *const units[] = { "s", "m", "h" };
	static const uint64_t mults[] = { 1000, 60000, 3600000 };
	uint64_t v;

	/* at most 7 days, so it fits a 32-bit millisecond timer */
	if (pl_parse_unit(s, units, mults, 3, 7ULL * 86400 * 1000, &v) == -1)
		return -1;
	*ms = (uint32_t)v;
	return 0;
}

int
pl_parse_memory(const char *s, uint64_t *bytes)
{
	static const char *const units[] = { "Mi", "Gi" };
	static const uint64_t mults[] = { 1ULL << 20, 1ULL << 30 };

	return pl_parse_unit(s, units, mults, 2, 1ULL << 50, bytes);
}

static int
pl_valid_name(const char *s, int underscore)
{
	size_t i;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    (underscore && s[i] == '_')))
			return 0;
	return i <= LH_PL_MAX_NAME;
}

int
pl_valid_stage_name(const char *s)
{
	return pl_valid_name(s, 1);
}

int
pl_valid_pipeline_name(const char *s)
{
	return pl_valid_name(s, 0);
}

/* ---- JSON form ---- */

static int
pl_json_add(struct json_object *o, const char *key, struct json_object *v)
{
	if (v == NULL)
		return -1;
	return json_object_object_add(o, key, v) == 0 ? 0 : -1;
}

static struct json_object *
pl_json_strlist(const struct lh_pl_strlist *l)
{
	struct json_object *a;
	size_t i;

	if ((a = json_object_new_array()) == NULL)
		return NULL;
	for (i = 0; i < l->n; i++)
		json_object_array_add(a, json_object_new_string(l->v[i]));
	return a;
}

static struct json_object *
pl_json_triggers(const struct lh_pl_triggers *t)
{
	struct json_object *o, *x, *in, *inputs;
	static const char *const itypes[] = { "string", "boolean", "choice" };
	size_t i;

	o = json_object_new_object();
	if (t->push && (x = json_object_new_object()) != NULL) {
		pl_json_add(x, "branches", pl_json_strlist(&t->push_branches));
		pl_json_add(x, "tags", pl_json_strlist(&t->push_tags));
		pl_json_add(x, "paths", pl_json_strlist(&t->push_paths));
		pl_json_add(o, "push", x);
	}
	if (t->pull_request && (x = json_object_new_object()) != NULL) {
		pl_json_add(x, "branches", pl_json_strlist(&t->pr_branches));
		pl_json_add(x, "actions", pl_json_strlist(&t->pr_actions));
		pl_json_add(o, "pull_request", x);
	}
	if (t->schedule && (x = json_object_new_object()) != NULL) {
		if (t->cron != NULL)
			pl_json_add(x, "cron", json_object_new_string(t->cron));
		if (t->timezone != NULL)
			pl_json_add(x, "timezone",
			    json_object_new_string(t->timezone));
		pl_json_add(o, "schedule", x);
	}
	if (t->manual && (x = json_object_new_object()) != NULL) {
		inputs = json_object_new_object();
		for (i = 0; i < t->ninputs && inputs != NULL; i++) {
			if ((in = json_object_new_object()) == NULL)
				break;
			pl_json_add(in, "type",
			    json_object_new_string(itypes[t->inputs[i].type]));
			if (t->inputs[i].description != NULL)
				pl_json_add(in, "description",
				    json_object_new_string(
				    t->inputs[i].description));
			if (t->inputs[i].default_value != NULL)
				pl_json_add(in, "default",
				    json_object_new_string(
				    t->inputs[i].default_value));
			if (t->inputs[i].options.n > 0)
				pl_json_add(in, "options",
				    pl_json_strlist(&t->inputs[i].options));
			pl_json_add(inputs, t->inputs[i].name, in);
		}
		pl_json_add(x, "inputs", inputs);
		pl_json_add(o, "manual", x);
	}
	if (t->webhook && (x = json_object_new_object()) != NULL) {
		if (t->webhook_secret_name != NULL)
			pl_json_add(x, "secret_name",
			    json_object_new_string(t->webhook_secret_name));
		if (t->webhook_filter != NULL)
			pl_json_add(x, "filter",
			    json_object_new_string(t->webhook_filter));
		pl_json_add(o, "webhook", x);
	}
	return o;
}

static struct json_object *
pl_json_stage(const struct lh_pipeline *pl, const struct lh_pl_stage *st)
{
	struct json_object *o, *x, *r, *env;
	static const char *const approvals[] = { "none", "required",
	    "optional" };
	size_t i;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	pl_json_add(o, "name", json_object_new_string(st->name));
	if (st->run != NULL)
		pl_json_add(o, "run", json_object_new_string(st->run));
	if (st->use != NULL)
		pl_json_add(o, "use", json_object_new_string(st->use));
	pl_json_add(o, "after", pl_json_strlist(&st->after));
	if (st->with != NULL)
		pl_json_add(o, "with", json_object_get(st->with));
	if ((x = json_object_new_object()) != NULL) {
		if (st->image != NULL)
			pl_json_add(x, "image",
			    json_object_new_string(st->image));
		if ((r = json_object_new_object()) != NULL) {
			if (st->cpu > 0)
				pl_json_add(r, "cpu", json_object_new_int(st->cpu));
			if (st->memory_bytes > 0)
				pl_json_add(r, "memory_bytes",
				    json_object_new_int64(
				    (int64_t)st->memory_bytes));
			pl_json_add(x, "resources", r);
		}
		if ((env = json_object_new_object()) != NULL) {
			for (i = 0; i < st->env.n; i++)
				pl_json_add(env, st->env.v[i].key,
				    json_object_new_string(st->env.v[i].value));
			pl_json_add(x, "env", env);
		}
		pl_json_add(o, "sandbox", x);
	}
	if (st->gate && (x = json_object_new_object()) != NULL) {
		pl_json_add(x, "approval",
		    json_object_new_string(approvals[st->approval]));
		if (st->policy != NULL)
			pl_json_add(x, "policy",
			    json_object_new_string(st->policy));
		pl_json_add(x, "allowed_branches",
		    pl_json_strlist(&st->allowed_branches));
		pl_json_add(o, "gate", x);
	}
	if (st->timeout_ms > 0)
		pl_json_add(o, "timeout_ms",
		    json_object_new_int64(st->timeout_ms));
	if ((x = json_object_new_object()) != NULL) {
		pl_json_add(x, "max_attempts",
		    json_object_new_int(st->max_attempts));
		pl_json_add(x, "backoff", json_object_new_string(
		    st->backoff == LH_PL_BACKOFF_FIXED ? "fixed" :
		    "exponential"));
		pl_json_add(o, "retry", x);
	}
	if (st->condition != NULL)
		pl_json_add(o, "condition",
		    json_object_new_string(st->condition));
	if (pl->plan != NULL)
		pl_json_add(o, "level", json_object_new_int64(
		    (int64_t)pl->plan->level[st->index]));
	return o;
}

struct json_object *
pl_to_json(const struct lh_pipeline *pl)
{
	struct json_object *o, *p, *stages, *levels, *lv;
	size_t i, l;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	pl_json_add(o, "file", json_object_new_string(pl->file));
	pl_json_add(o, "engine", json_object_new_string("1"));
	if ((p = json_object_new_object()) != NULL) {
		pl_json_add(p, "name", json_object_new_string(pl->name));
		if (pl->description != NULL)
			pl_json_add(p, "description",
			    json_object_new_string(pl->description));
		pl_json_add(o, "pipeline", p);
	}
	pl_json_add(o, "triggers", pl_json_triggers(&pl->triggers));
	if ((stages = json_object_new_array()) != NULL) {
		for (i = 0; i < pl->nstages; i++)
			json_object_array_add(stages,
			    pl_json_stage(pl, &pl->stages[i]));
		pl_json_add(o, "stages", stages);
	}
	if (pl->plan != NULL && (p = json_object_new_object()) != NULL) {
		pl_json_add(p, "edges",
		    json_object_new_int64((int64_t)pl->plan->nedges));
		levels = json_object_new_array();
		for (l = 0; levels != NULL && l < pl->plan->nlevels; l++) {
			if ((lv = json_object_new_array()) == NULL)
				break;
			for (i = 0; i < pl->nstages; i++)
				if (pl->plan->level[i] == l)
					json_object_array_add(lv,
					    json_object_new_string(
					    pl->stages[i].name));
			json_object_array_add(levels, lv);
		}
		pl_json_add(p, "levels", levels);
		pl_json_add(o, "plan", p);
	}
	return o;
}
