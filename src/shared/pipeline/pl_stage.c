/*
 * pl_stage.c: schema walk of one stage (run/use, after, with, sandbox, gate,
 * timeout, retry, condition) into struct lh_pl_stage, every error with its
 * position. Runs wherever pipelines are validated.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "shared/pipeline/pl_int.h"

#define PL_STAGE_KEYS "run, use, after, with, sandbox, gate, timeout, " \
	"retry, condition"

/* ^[a-z]+/[a-z][a-z0-9-]*$, plus labhit's optional @version suffix. */
static int
pl_valid_use(const char *s)
{
	size_t i = 0;

	while (s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i == 0 || s[i++] != '/')
		return 0;
	if (s[i] < 'a' || s[i] > 'z')
		return 0;
	for (i++; s[i] != '\0' && s[i] != '@'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	if (s[i] == '\0')
		return 1;
	if (s[++i] == '\0')
		return 0;
	for (; s[i] != '\0'; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.+-_", s[i]) == NULL)
			return 0;
	return 1;
}

/* Image references name a directory under images_dir: no "..", no
 * leading '/', a conservative character set. */
static int
pl_valid_image(const char *s)
{
	size_t i;

	if (s[0] == '\0' || s[0] == '/' || s[0] == '.' ||
	    strstr(s, "..") != NULL || strlen(s) > 255)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-/:@", s[i]) == NULL)
			return 0;
	return 1;
}

static int
pl_valid_env_name(const char *s)
{
	size_t i;

	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') ||
	    s[0] == '_'))
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static struct json_object *
pl_with_json(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    struct lh_pl_stage *st)
{
	struct json_object *o, *c;
	struct lh_interp *ip, **v;
	size_t i;

	switch (n->kind) {
	case LH_PL_NODE_MAP:
		if ((o = json_object_new_object()) == NULL)
			break;
		for (i = 0; i < n->nitems; i += 2) {
			if (n->items[i]->kind != LH_PL_NODE_SCALAR)
				continue;
			c = pl_with_json(ctx, n->items[i + 1], st);
			json_object_object_add(o, n->items[i]->value, c);
		}
		return o;
	case LH_PL_NODE_SEQ:
		if ((o = json_object_new_array()) == NULL)
			break;
		for (i = 0; i < n->nitems; i++)
			json_object_array_add(o,
			    pl_with_json(ctx, n->items[i], st));
		return o;
	default:
		break;
	}
	if (n->kind != LH_PL_NODE_SCALAR)
		return NULL;
	switch (n->type) {
	case LH_PL_SCALAR_NULL:
		return NULL;
	case LH_PL_SCALAR_BOOL:
		return json_object_new_boolean(n->value[0] == 't' ||
		    n->value[0] == 'T');
	case LH_PL_SCALAR_INT:
		return json_object_new_int64(strtoll(n->value, NULL, 0));
	case LH_PL_SCALAR_FLOAT:
		return json_object_new_double(strtod(n->value, NULL));
	default:
		break;
	}
	if (pl_parse_interp(ctx, n, st->index, &ip) == 0 && ip != NULL) {
		v = realloc(st->with_exprs, (st->nwith_exprs + 1) *
		    sizeof(*v));
		if (v == NULL) {
			pl_interp_free(ip);
			ctx->oom = 1;
		} else {
			st->with_exprs = v;
			v[st->nwith_exprs++] = ip;
		}
	}
	return json_object_new_string_len(n->value, (int)n->len);
}

static void
pl_stage_env(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    struct lh_pl_stage *st)
{
	const struct lh_pl_node *k, *v;
	struct lh_pl_kv *kv;
	char *value;
	size_t i;

	if (!pl_is_map(ctx, n, "sandbox.env"))
		return;
	for (i = 0; i < n->nitems; i += 2) {
		k = n->items[i];
		v = n->items[i + 1];
		if (k->kind != LH_PL_NODE_SCALAR)
			continue;
		if (!pl_valid_env_name(k->value)) {
			pl_err(ctx, k, "stage '%s': environment variable name "
			    "'%s' must match ^[A-Za-z_][A-Za-z0-9_]*$",
			    st->name, k->value);
			continue;
		}
		if (strncmp(k->value, "LABHIT_", 7) == 0) {
			pl_err(ctx, k, "stage '%s': environment variable names "
			    "starting with LABHIT_ are reserved", st->name);
			continue;
		}
		if (pl_get_string(ctx, v, "sandbox.env value", &value) == -1)
			continue;
		if (pl_kvlist_add(&st->env, k->value, value) == -1) {
			free(value);
			ctx->oom = 1;
			return;
		}
		free(value);
		kv = &st->env.v[st->env.n - 1];
		kv->mark = v->mark;
		pl_parse_interp(ctx, v, st->index, &kv->interp);
	}
}

static void
pl_stage_resources(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    struct lh_pl_stage *st)
{
	const struct lh_pl_node *k, *v;
	char *mem;
	size_t i;
	long long cpu;

	if (!pl_is_map(ctx, n, "sandbox.resources"))
		return;
	for (i = 0; i < n->nitems; i += 2) {
		k = n->items[i];
		v = n->items[i + 1];
		if (k->kind != LH_PL_NODE_SCALAR)
			continue;
		if (strcmp(k->value, "cpu") == 0) {
			if (v->kind != LH_PL_NODE_SCALAR ||
			    v->type != LH_PL_SCALAR_INT) {
				pl_err(ctx, v, "stage '%s': resources.cpu must "
				    "be an integer >= 1, not %s", st->name,
				    pl_yaml_type_name(v));
				continue;
			}
			cpu = strtoll(v->value, NULL, 0);
			if (cpu < 1 || cpu > 1024)
				pl_err(ctx, v, "stage '%s': resources.cpu must "
				    "be between 1 and 1024", st->name);
			else
				st->cpu = (int)cpu;
		} else if (strcmp(k->value, "memory") == 0) {
			if (pl_get_string(ctx, v, "resources.memory",
			    &mem) == -1)
				continue;
			if (pl_parse_memory(mem, &st->memory_bytes) == -1)
				pl_err(ctx, v, "stage '%s': resources.memory "
				    "'%s' must match ^[0-9]+(Mi|Gi)$ and be "
				    "positive (e.g. 512Mi, 4Gi)", st->name, mem);
			free(mem);
		} else
			pl_unknown_key(ctx, k, "sandbox.resources",
			    "cpu, memory");
	}
}

static void
pl_stage_sandbox(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    struct lh_pl_stage *st)
{
	const struct lh_pl_node *k, *v;
	size_t i;

	if (!pl_is_map(ctx, n, "sandbox"))
		return;
	for (i = 0; i < n->nitems; i += 2) {
		k = n->items[i];
		v = n->items[i + 1];
		if (k->kind != LH_PL_NODE_SCALAR)
			continue;
		if (strcmp(k->value, "image") == 0) {
			if (pl_get_string(ctx, v, "sandbox.image",
			    &st->image) == 0 && !pl_valid_image(st->image))
				pl_err(ctx, v, "stage '%s': bad sandbox.image "
				    "'%s' (letters, digits and ._-/:@, no "
				    "'..')", st->name, st->image);
		} else if (strcmp(k->value, "resources") == 0)
			pl_stage_resources(ctx, v, st);
		else if (strcmp(k->value, "env") == 0)
			pl_stage_env(ctx, v, st);
		else
			pl_unknown_key(ctx, k, "sandbox",
			    "image, resources, env");
	}
}

static void
pl_stage_gate(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    struct lh_pl_stage *st)
{
	const struct lh_pl_node *k, *v;
	char *s;
	size_t i;

	if (!pl_is_map(ctx, n, "gate"))
		return;
	st->gate = 1;
	for (i = 0; i < n->nitems; i += 2) {
		k = n->items[i];
		v = n->items[i + 1];
		if (k->kind != LH_PL_NODE_SCALAR)
			continue;
		if (strcmp(k->value, "approval") == 0) {
			if (pl_get_string(ctx, v, "gate.approval", &s) == -1)
				continue;
			if (strcmp(s, "required") == 0)
				st->approval = LH_PL_APPROVAL_REQUIRED;
			else if (strcmp(s, "optional") == 0)
				st->approval = LH_PL_APPROVAL_OPTIONAL;
			else
				pl_err(ctx, v, "stage '%s': gate.approval "
				    "must be 'required' or 'optional', not "
				    "'%s'", st->name, s);
			free(s);
		} else if (strcmp(k->value, "policy") == 0)
			pl_get_string(ctx, v, "gate.policy", &st->policy);
		else if (strcmp(k->value, "allowed_branches") == 0)
			pl_get_strlist(ctx, v, "gate.allowed_branches",
			    &st->allowed_branches);
		else
			pl_unknown_key(ctx, k, "gate",
			    "approval, policy, allowed_branches");
	}
}

static void
pl_stage_retry(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    struct lh_pl_stage *st)
{
	const struct lh_pl_node *k, *v;
	long long max;
	char *s;
	size_t i;

	if (!pl_is_map(ctx, n, "retry"))
		return;
	st->max_attempts = 3;	/* retry given without max_attempts */
	for (i = 0; i < n->nitems; i += 2) {
		k = n->items[i];
		v = n->items[i + 1];
		if (k->kind != LH_PL_NODE_SCALAR)
			continue;
		if (strcmp(k->value, "max_attempts") == 0) {
			if (v->kind != LH_PL_NODE_SCALAR ||
			    v->type != LH_PL_SCALAR_INT) {
				pl_err(ctx, v, "stage '%s': retry.max_attempts "
				    "must be an integer from 1 to 10, not %s",
				    st->name, pl_yaml_type_name(v));
				continue;
			}
			max = strtoll(v->value, NULL, 0);
			if (max < 1 || max > 10)
				pl_err(ctx, v, "stage '%s': retry.max_attempts "
				    "must be from 1 to 10, not %s", st->name,
				    v->value);
			else
				st->max_attempts = (int)max;
		} else if (strcmp(k->value, "backoff") == 0) {
			if (pl_get_string(ctx, v, "retry.backoff", &s) == -1)
				continue;
			if (strcmp(s, "fixed") == 0)
				st->backoff = LH_PL_BACKOFF_FIXED;
			else if (strcmp(s, "exponential") == 0)
				st->backoff = LH_PL_BACKOFF_EXPONENTIAL;
			else
				pl_err(ctx, v, "stage '%s': retry.backoff must "
				    "be 'fixed' or 'exponential', not '%s'",
				    st->name, s);
			free(s);
		} else
			pl_unknown_key(ctx, k, "retry",
			    "max_attempts, backoff");
	}
}

static void
pl_stage_condition(struct lh_pl_ctx *ctx, const struct lh_pl_node *v,
    struct lh_pl_stage *st)
{
	char err[256];
	size_t base, off;

	if (pl_get_string(ctx, v, "condition", &st->condition) == -1)
		return;
	st->condition_expr = pl_expr_parse_condition(v->value, v->len, &base,
	    &off, err, sizeof(err));
	if (st->condition_expr == NULL) {
		pl_err_at(ctx, pl_yaml_scalar_mark(ctx->doc, v, off),
		    "stage '%s': bad condition: %s", st->name, err);
		return;
	}
	pl_add_site(ctx, LH_PL_SITE_CONDITION, st->index, v, NULL,
	    st->condition_expr, base);
}

static void
pl_stage_key(struct lh_pl_ctx *ctx, const struct lh_pl_node *k,
    const struct lh_pl_node *v, struct lh_pl_stage *st)
{
	char *s;

	if (strcmp(k->value, "run") == 0) {
		if (pl_get_string(ctx, v, "run", &st->run) == -1)
			return;
		if (st->run[strspn(st->run, " \t\r\n")] == '\0')
			pl_err(ctx, v, "stage '%s': 'run' is empty", st->name);
		pl_parse_interp(ctx, v, st->index, &st->run_interp);
	} else if (strcmp(k->value, "use") == 0) {
		if (pl_get_string(ctx, v, "use", &st->use) == 0 &&
		    !pl_valid_use(st->use))
			pl_err(ctx, v, "stage '%s': 'use' value '%s' must be "
			    "category/name (^[a-z]+/[a-z][a-z0-9-]*$, "
			    "optionally @version)", st->name, st->use);
	} else if (strcmp(k->value, "after") == 0)
		pl_get_strlist(ctx, v, "after", &st->after);
	else if (strcmp(k->value, "with") == 0) {
		if (pl_is_map(ctx, v, "with"))
			st->with = pl_with_json(ctx, v, st);
	} else if (strcmp(k->value, "sandbox") == 0)
		pl_stage_sandbox(ctx, v, st);
	else if (strcmp(k->value, "gate") == 0)
		pl_stage_gate(ctx, v, st);
	else if (strcmp(k->value, "timeout") == 0) {
		if (pl_get_string(ctx, v, "timeout", &s) == -1)
			return;
		if (pl_parse_timeout(s, &st->timeout_ms) == -1)
			pl_err(ctx, v, "stage '%s': timeout '%s' must match "
			    "^[0-9]+(s|m|h)$, be positive and at most 7 days "
			    "(e.g. 30s, 10m, 1h)", st->name, s);
		free(s);
	} else if (strcmp(k->value, "retry") == 0)
		pl_stage_retry(ctx, v, st);
	else if (strcmp(k->value, "condition") == 0)
		pl_stage_condition(ctx, v, st);
	else
		pl_unknown_key(ctx, k, "a stage", PL_STAGE_KEYS);
}

void
pl_parse_stage(struct lh_pl_ctx *ctx, const struct lh_pl_node *key,
    const struct lh_pl_node *val, struct lh_pl_stage *st)
{
	char what[LH_PL_MAX_NAME + 32];
	size_t i;
	int has_run = 0, has_use = 0;

	st->mark = key->mark;
	st->max_attempts = 1;
	if ((st->name = strdup(key->value)) == NULL) {
		ctx->oom = 1;
		return;
	}
	if (!pl_valid_stage_name(st->name))
		pl_err(ctx, key, "stage name '%s' must match "
		    "^[a-z0-9][a-z0-9_-]*$ (at most %d characters)", st->name,
		    LH_PL_MAX_NAME);
	snprintf(what, sizeof(what), "stage '%.*s'", LH_PL_MAX_NAME,
	    st->name);
	if (!pl_is_map(ctx, val, what))
		return;
	for (i = 0; i < val->nitems; i += 2) {
		if (val->items[i]->kind != LH_PL_NODE_SCALAR)
			continue;
		has_run |= strcmp(val->items[i]->value, "run") == 0;
		has_use |= strcmp(val->items[i]->value, "use") == 0;
		pl_stage_key(ctx, val->items[i], val->items[i + 1], st);
	}
	if (has_run && has_use)
		pl_err(ctx, key, "stage '%s': 'run' and 'use' are mutually "
		    "exclusive", st->name);
	else if (!has_run && !has_use)
		pl_err(ctx, key, "stage '%s': one of 'run' or 'use' is "
		    "required", st->name);
}
