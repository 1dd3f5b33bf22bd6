/*
 * pl_triggers.c: schema walk of `triggers` (push, pull_request, schedule
 * with a 5-field cron check, manual inputs, webhook filter expression).
 * Runs wherever pipelines are validated.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shared/pipeline/pl_int.h"

static const char *const pl_months[] = { "jan", "feb", "mar", "apr", "may",
	"jun", "jul", "aug", "sep", "oct", "nov", "dec" };
static const char *const pl_days[] = { "sun", "mon", "tue", "wed", "thu",
	"fri", "sat" };

/* One value of a cron field: a number in [lo, hi] or a name. */
static int
pl_cron_value(const char *s, size_t len, int field, int lo, int hi)
{
	size_t i;
	long v = 0;

	if (len == 3 && (field == 3 || field == 4)) {
		for (i = 0; field == 3 && i < 12; i++)
			if (strncasecmp(s, pl_months[i], 3) == 0)
				return 0;
		for (i = 0; field == 4 && i < 7; i++)
			if (strncasecmp(s, pl_days[i], 3) == 0)
				return 0;
	}
	if (len == 0 || len > 4)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= lo && v <= hi ? 0 : -1;
}

/* item := ('*' | v | v-v) ('/' step)? */
static int
pl_cron_item(const char *s, size_t len, int field, int lo, int hi)
{
	const char *slash, *dash;
	size_t rlen = len, i;

	if ((slash = memchr(s, '/', len)) != NULL) {
		rlen = (size_t)(slash - s);
		if (len - rlen - 1 == 0 || len - rlen - 1 > 4)
			return -1;
		for (i = rlen + 1; i < len; i++)
			if (s[i] < '0' || s[i] > '9')
				return -1;
		if (atoi(slash + 1) == 0)
			return -1;
	}
	if (rlen == 1 && s[0] == '*')
		return 0;
	if ((dash = memchr(s, '-', rlen)) != NULL)
		return pl_cron_value(s, (size_t)(dash - s), field, lo, hi) == 0 &&
		    pl_cron_value(dash + 1, rlen - (size_t)(dash - s) - 1,
		    field, lo, hi) == 0 ? 0 : -1;
	return pl_cron_value(s, rlen, field, lo, hi);
}

int
pl_valid_cron(const char *s, char *err, size_t errlen)
{
	static const char *const names[] = { "minute", "hour",
	    "day of month", "month", "day of week" };
	static const int lo[] = { 0, 0, 1, 1, 0 }, hi[] = { 59, 23, 31, 12, 7 };
	static const char *const macros[] = { "@yearly", "@annually",
	    "@monthly", "@weekly", "@daily", "@midnight", "@hourly" };
	const char *p = s, *end, *item, *comma;
	int field = 0;
	size_t k;

	for (k = 0; k < sizeof(macros) / sizeof(macros[0]); k++)
		if (strcmp(s, macros[k]) == 0)
			return 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (field == 5) {
			snprintf(err, errlen, "more than 5 fields");
			return -1;
		}
		end = p + strcspn(p, " \t");
		for (item = p; item < end; item = comma + 1) {
			comma = memchr(item, ',', (size_t)(end - item));
			if (comma == NULL)
				comma = end;
			if (pl_cron_item(item, (size_t)(comma - item), field,
			    lo[field], hi[field]) == -1) {
				snprintf(err, errlen, "bad %s field '%.*s' "
				    "(allowed %d-%d, *, ranges, lists, /step)",
				    names[field], (int)(end - p), p, lo[field],
				    hi[field]);
				return -1;
			}
		}
		field++;
		p = end;
	}
	if (field != 5) {
		snprintf(err, errlen, "expected 5 fields (minute hour "
		    "day-of-month month day-of-week), got %d", field);
		return -1;
	}
	return 0;
}

/* IANA names look like Area/Location[/Sub] or UTC; no path tricks. */
static int
pl_valid_timezone(const char *s)
{
	size_t i, seg = 0;

	if (s[0] == '\0' || s[0] == '/' || strstr(s, "..") != NULL ||
	    strlen(s) > 64)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '/') {
			if (seg == 0)
				return 0;
			seg = 0;
			continue;
		}
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_+-", s[i]) == NULL)
			return 0;
		seg++;
	}
	return seg > 0;
}

static void
pl_trig_push(struct lh_pl_ctx *ctx, const struct lh_pl_node *n)
{
	struct lh_pl_triggers *t = &ctx->pl->triggers;
	const struct lh_pl_node *k, *v;
	size_t i;

	if (!pl_is_map(ctx, n, "triggers.push"))
		return;
	t->push = 1;
	for (i = 0; i < n->nitems; i += 2) {
		k = n->items[i];
		v = n->items[i + 1];
		if (k->kind != LH_PL_NODE_SCALAR)
			continue;
		if (strcmp(k->value, "branches") == 0)
			pl_get_strlist(ctx, v, "push.branches",
			    &t->push_branches);
		else if (strcmp(k->value, "tags") == 0)
			pl_get_strlist(ctx, v, "push.tags", &t->push_tags);
		else if (strcmp(k->value, "paths") == 0)
			pl_get_strlist(ctx, v, "push.paths", &t->push_paths);
		else
			pl_unknown_key(ctx, k, "triggers.push",
			    "branches, tags, paths");
	}
}

static void
pl_trig_pr(struct lh_pl_ctx *ctx, const struct lh_pl_node *n)
{
	static const char *const actions[] = { "opened", "synchronize",
	    "reopened", "closed" };
	struct lh_pl_triggers *t = &ctx->pl->triggers;
	const struct lh_pl_node *k, *v;
	size_t i, j, a;

	if (!pl_is_map(ctx, n, "triggers.pull_request"))
		return;
	t->pull_request = 1;
	for (i = 0; i < n->nitems; i += 2) {
		k = n->items[i];
		v = n->items[i + 1];
		if (k->kind != LH_PL_NODE_SCALAR)
			continue;
		if (strcmp(k->value, "branches") == 0)
			pl_get_strlist(ctx, v, "pull_request.branches",
			    &t->pr_branches);
		else if (strcmp(k->value, "actions") == 0) {
			if (pl_get_strlist(ctx, v, "pull_request.actions",
			    &t->pr_actions) == -1)
				continue;
			for (j = 0; j < t->pr_actions.n; j++) {
				for (a = 0; a < 4; a++)
					if (strcmp(t->pr_actions.v[j],
					    actions[a]) == 0)
						break;
				if (a == 4)
					pl_err_at(ctx, t->pr_actions.marks[j],
					    "unknown pull_request action '%s' "
					    "(expected opened, synchronize, "
					    "reopened, closed)",
					    t->pr_actions.v[j]);
			}
		} else
			pl_unknown_key(ctx, k, "triggers.pull_request",
			    "branches, actions");
	}
}

static void
pl_trig_schedule(struct lh_pl_ctx *ctx, const struct lh_pl_node *n)
{
	struct lh_pl_triggers *t = &ctx->pl->triggers;
	const struct lh_pl_node *k, *v;
	char err[160];
	size_t i;

	if (!pl_is_map(ctx, n, "triggers.schedule"))
		return;
	t->schedule = 1;
	for (i = 0; i < n->nitems; i += 2) {
		k = n->items[i];
		v = n->items[i + 1];
		if (k->kind != LH_PL_NODE_SCALAR)
			continue;
		if (strcmp(k->value, "cron") == 0) {
			if (pl_get_string(ctx, v, "schedule.cron",
			    &t->cron) == 0 &&
			    pl_valid_cron(t->cron, err, sizeof(err)) == -1)
				pl_err(ctx, v, "bad cron expression '%s': %s",
				    t->cron, err);
		} else if (strcmp(k->value, "timezone") == 0) {
			if (pl_get_string(ctx, v, "schedule.timezone",
			    &t->timezone) == 0 &&
			    !pl_valid_timezone(t->timezone))
				pl_err(ctx, v, "bad timezone '%s': expected an "
				    "IANA name such as UTC or Europe/Paris",
				    t->timezone);
		} else
			pl_unknown_key(ctx, k, "triggers.schedule",
			    "cron, timezone");
	}
	if (t->cron == NULL && t->timezone != NULL)
		pl_err(ctx, n, "triggers.schedule has a timezone but no cron");
}

static void
pl_trig_input(struct lh_pl_ctx *ctx, const struct lh_pl_node *k,
    const struct lh_pl_node *n, struct lh_pl_input *in)
{
	const struct lh_pl_node *kk, *v;
	char *s;
	size_t i;

	if ((in->name = strdup(k->value)) == NULL) {
		ctx->oom = 1;
		return;
	}
	if (!pl_is_map(ctx, n, "a manual input"))
		return;
	/* the published schema leaves input objects open: other keys are
	 * accepted and ignored */
	for (i = 0; i < n->nitems; i += 2) {
		kk = n->items[i];
		v = n->items[i + 1];
		if (kk->kind != LH_PL_NODE_SCALAR)
			continue;
		if (strcmp(kk->value, "type") == 0) {
			if (pl_get_string(ctx, v, "input type", &s) == -1)
				continue;
			if (strcmp(s, "string") == 0)
				in->type = LH_PL_INPUT_STRING;
			else if (strcmp(s, "boolean") == 0)
				in->type = LH_PL_INPUT_BOOLEAN;
			else if (strcmp(s, "choice") == 0)
				in->type = LH_PL_INPUT_CHOICE;
			else
				pl_err(ctx, v, "input '%s': type must be "
				    "string, boolean or choice, not '%s'",
				    in->name, s);
			free(s);
		} else if (strcmp(kk->value, "description") == 0)
			pl_get_string(ctx, v, "input description",
			    &in->description);
		else if (strcmp(kk->value, "default") == 0)
			pl_get_string(ctx, v, "input default",
			    &in->default_value);
		else if (strcmp(kk->value, "options") == 0)
			pl_get_strlist(ctx, v, "input options", &in->options);
	}
	if (in->type == LH_PL_INPUT_CHOICE && in->options.n == 0)
		pl_err(ctx, k, "input '%s': type choice needs 'options'",
		    in->name);
	if (in->type == LH_PL_INPUT_CHOICE && in->default_value != NULL) {
		for (i = 0; i < in->options.n; i++)
			if (strcmp(in->options.v[i], in->default_value) == 0)
				break;
		if (i == in->options.n && in->options.n > 0)
			pl_err(ctx, k, "input '%s': default '%s' is not one "
			    "of its options", in->name, in->default_value);
	}
	if (in->type == LH_PL_INPUT_BOOLEAN && in->default_value != NULL &&
	    strcmp(in->default_value, "true") != 0 &&
	    strcmp(in->default_value, "false") != 0)
		pl_err(ctx, k, "input '%s': a boolean default must be \"true\" "
		    "or \"false\"", in->name);
}

static void
pl_trig_manual(struct lh_pl_ctx *ctx, const struct lh_pl_node *n)
{
	struct lh_pl_triggers *t = &ctx->pl->triggers;
	const struct lh_pl_node *k, *v;
	size_t i, j;

	if (!pl_is_map(ctx, n, "triggers.manual (write 'manual: {}')"))
		return;
	t->manual = 1;
	for (i = 0; i < n->nitems; i += 2) {
		k = n->items[i];
		v = n->items[i + 1];
		if (k->kind != LH_PL_NODE_SCALAR)
			continue;
		if (strcmp(k->value, "inputs") != 0) {
			pl_unknown_key(ctx, k, "triggers.manual", "inputs");
			continue;
		}
		if (!pl_is_map(ctx, v, "manual.inputs") || t->inputs != NULL)
			continue;
		if ((t->inputs = calloc(v->nitems / 2 + 1,
		    sizeof(*t->inputs))) == NULL) {
			ctx->oom = 1;
			return;
		}
		for (j = 0; j < v->nitems; j += 2) {
			if (v->items[j]->kind != LH_PL_NODE_SCALAR)
				continue;
			pl_trig_input(ctx, v->items[j], v->items[j + 1],
			    &t->inputs[t->ninputs++]);
		}
	}
}

static void
pl_trig_webhook(struct lh_pl_ctx *ctx, const struct lh_pl_node *n)
{
	struct lh_pl_triggers *t = &ctx->pl->triggers;
	const struct lh_pl_node *k, *v;
	char err[256];
	size_t i, base, off;

	if (!pl_is_map(ctx, n, "triggers.webhook"))
		return;
	t->webhook = 1;
	for (i = 0; i < n->nitems; i += 2) {
		k = n->items[i];
		v = n->items[i + 1];
		if (k->kind != LH_PL_NODE_SCALAR)
			continue;
		if (strcmp(k->value, "secret_name") == 0)
			pl_get_string(ctx, v, "webhook.secret_name",
			    &t->webhook_secret_name);
		else if (strcmp(k->value, "filter") == 0) {
			if (pl_get_string(ctx, v, "webhook.filter",
			    &t->webhook_filter) == -1)
				continue;
			t->webhook_filter_expr = pl_expr_parse_condition(
			    v->value, v->len, &base, &off, err, sizeof(err));
			if (t->webhook_filter_expr == NULL)
				pl_err_at(ctx, pl_yaml_scalar_mark(ctx->doc, v,
				    off), "bad webhook filter: %s", err);
			else
				pl_add_site(ctx, LH_PL_SITE_FILTER, 0, v, NULL,
				    t->webhook_filter_expr, base);
		} else
			pl_unknown_key(ctx, k, "triggers.webhook",
			    "secret_name, filter");
	}
}

void
pl_parse_triggers(struct lh_pl_ctx *ctx, const struct lh_pl_node *n)
{
	const struct lh_pl_node *k, *v;
	size_t i;

	if (!pl_is_map(ctx, n, "'triggers'"))
		return;
	for (i = 0; i < n->nitems; i += 2) {
		k = n->items[i];
		v = n->items[i + 1];
		if (k->kind != LH_PL_NODE_SCALAR)
			continue;
		if (strcmp(k->value, "push") == 0)
			pl_trig_push(ctx, v);
		else if (strcmp(k->value, "pull_request") == 0)
			pl_trig_pr(ctx, v);
		else if (strcmp(k->value, "schedule") == 0)
			pl_trig_schedule(ctx, v);
		else if (strcmp(k->value, "manual") == 0)
			pl_trig_manual(ctx, v);
		else if (strcmp(k->value, "webhook") == 0)
			pl_trig_webhook(ctx, v);
		else
			pl_unknown_key(ctx, k, "'triggers'", "push, "
			    "pull_request, schedule, manual, webhook");
	}
}
