/*
 * pl_parse.c: walks the YAML node tree against the published pipeline schema
 * (engine "1") and builds the typed model, collecting every error with its
 * position. Runs wherever pipelines are validated (validate, run, workers).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "shared/pipeline/pl_int.h"

void
pl_err_at(struct lh_pl_ctx *ctx, struct lh_pl_mark m, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1) {
		va_end(ap);
		ctx->oom = 1;
		return;
	}
	va_end(ap);
	if (pl_errors_add(ctx->errs, m, "%s", msg) == -1)
		ctx->oom = 1;
	free(msg);
}

void
pl_err(struct lh_pl_ctx *ctx, const struct lh_pl_node *n, const char *fmt,
    ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1) {
		va_end(ap);
		ctx->oom = 1;
		return;
	}
	va_end(ap);
	pl_err_at(ctx, n->mark, "%s", msg);
	free(msg);
}

int
pl_is_map(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    const char *what)
{
	if (n->kind == LH_PL_NODE_MAP)
		return 1;
	pl_err(ctx, n, "%s must be a map, not %s", what, pl_yaml_type_name(n));
	return 0;
}

int
pl_get_string(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    const char *what, char **out)
{
	if (n->kind != LH_PL_NODE_SCALAR || n->type != LH_PL_SCALAR_STR) {
		if (n->kind == LH_PL_NODE_SCALAR &&
		    n->type != LH_PL_SCALAR_NULL)
			pl_err(ctx, n, "%s must be a string, not %s (quote "
			    "it: \"%s\")", what, pl_yaml_type_name(n),
			    n->value);
		else
			pl_err(ctx, n, "%s must be a string, not %s", what,
			    pl_yaml_type_name(n));
		return -1;
	}
	if (strlen(n->value) != n->len) {
		pl_err(ctx, n, "%s contains a NUL character", what);
		return -1;
	}
	if ((*out = strdup(n->value)) == NULL) {
		ctx->oom = 1;
		return -1;
	}
	return 0;
}

int
pl_get_strlist(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    const char *what, struct lh_pl_strlist *out)
{
	size_t i;
	char *s;

	if (n->kind != LH_PL_NODE_SEQ) {
		pl_err(ctx, n, "%s must be a list of strings, not %s", what,
		    pl_yaml_type_name(n));
		return -1;
	}
	if ((out->v = calloc(n->nitems + 1, sizeof(*out->v))) == NULL ||
	    (out->marks = calloc(n->nitems + 1, sizeof(*out->marks))) ==
	    NULL) {
		ctx->oom = 1;
		return -1;
	}
	for (i = 0; i < n->nitems; i++) {
		if (pl_get_string(ctx, n->items[i], what, &s) == -1)
			continue;
		if (s[0] == '\0') {
			pl_err(ctx, n->items[i], "%s: empty string", what);
			free(s);
			continue;
		}
		out->marks[out->n] = n->items[i]->mark;
		out->v[out->n++] = s;
	}
	return 0;
}

void
pl_unknown_key(struct lh_pl_ctx *ctx, const struct lh_pl_node *key,
    const char *where, const char *expected)
{
	if (strcmp(key->value, "<<") == 0)
		pl_err(ctx, key, "YAML merge keys ('<<') are not supported in "
		    "%s", where);
	else
		pl_err(ctx, key, "unknown key '%s' in %s (expected %s)",
		    key->value, where, expected);
}

int
pl_add_site(struct lh_pl_ctx *ctx, enum lh_pl_site_kind kind, size_t stage,
    const struct lh_pl_node *n, const struct lh_interp *ip,
    const struct lh_expr *e, size_t base)
{
	struct lh_pl_site *v;

	if ((v = realloc(ctx->sites, (ctx->nsites + 1) * sizeof(*v))) ==
	    NULL) {
		ctx->oom = 1;
		return -1;
	}
	ctx->sites = v;
	v[ctx->nsites].kind = kind;
	v[ctx->nsites].stage = stage;
	v[ctx->nsites].node = n;
	v[ctx->nsites].ip = ip;
	v[ctx->nsites].expr = e;
	v[ctx->nsites].base = base;
	ctx->nsites++;
	return 0;
}

int
pl_parse_interp(struct lh_pl_ctx *ctx, const struct lh_pl_node *n,
    size_t stage, struct lh_interp **out)
{
	char err[256];
	size_t off;

	*out = NULL;
	if (pl_interp_parse(n->value, n->len, out, &off, err,
	    sizeof(err)) == -1) {
		pl_err_at(ctx, pl_yaml_scalar_mark(ctx->doc, n, off),
		    "stage '%s': bad expression: %s",
		    ctx->pl->stages[stage].name, err);
		return -1;
	}
	if (*out != NULL)
		return pl_add_site(ctx, LH_PL_SITE_INTERP, stage, n, *out,
		    NULL, 0);
	return 0;
}

static void
pl_parse_pipeline(struct lh_pl_ctx *ctx, const struct lh_pl_node *n)
{
	struct lh_pipeline *pl = ctx->pl;
	const struct lh_pl_node *k, *v;
	size_t i;
	int has_name = 0;

	if (!pl_is_map(ctx, n, "'pipeline'"))
		return;
	for (i = 0; i < n->nitems; i += 2) {
		k = n->items[i];
		v = n->items[i + 1];
		if (k->kind != LH_PL_NODE_SCALAR)
			continue;
		if (strcmp(k->value, "name") == 0) {
			has_name = 1;
			if (pl_get_string(ctx, v, "pipeline name",
			    &pl->name) == 0 && !pl_valid_pipeline_name(pl->name))
				pl_err(ctx, v, "pipeline name '%s' must match "
				    "^[a-z0-9][a-z0-9-]*$ (at most %d "
				    "characters)", pl->name, LH_PL_MAX_NAME);
		} else if (strcmp(k->value, "description") == 0)
			pl_get_string(ctx, v, "pipeline description",
			    &pl->description);
		else
			pl_unknown_key(ctx, k, "'pipeline'",
			    "name, description");
	}
	if (!has_name)
		pl_err(ctx, n, "missing required key 'name' in 'pipeline'");
}

static void
pl_parse_stages(struct lh_pl_ctx *ctx, const struct lh_pl_node *n)
{
	struct lh_pipeline *pl = ctx->pl;
	size_t i, count;

	if (!pl_is_map(ctx, n, "'stages'"))
		return;
	count = pl_yaml_map_len(n);
	if (count == 0) {
		pl_err(ctx, n, "'stages' must define at least one stage");
		return;
	}
	if (count > LH_PL_MAX_STAGES) {
		pl_err(ctx, n, "too many stages (%zu, limit %d)", count,
		    LH_PL_MAX_STAGES);
		return;
	}
	if ((pl->stages = calloc(count, sizeof(*pl->stages))) == NULL) {
		ctx->oom = 1;
		return;
	}
	for (i = 0; i < n->nitems; i += 2) {
		if (n->items[i]->kind != LH_PL_NODE_SCALAR)
			continue;
		pl->stages[pl->nstages].index = pl->nstages;
		pl_parse_stage(ctx, n->items[i], n->items[i + 1],
		    &pl->stages[pl->nstages]);
		pl->nstages++;
	}
}

static void
pl_parse_top(struct lh_pl_ctx *ctx, const struct lh_pl_node *root)
{
	const struct lh_pl_node *k, *v;
	int seen_engine = 0, seen_pipeline = 0, seen_stages = 0;
	size_t i;

	if (!pl_is_map(ctx, root, "a pipeline file"))
		return;
	for (i = 0; i < root->nitems; i += 2) {
		k = root->items[i];
		v = root->items[i + 1];
		if (k->kind != LH_PL_NODE_SCALAR)
			continue;
		if (strcmp(k->value, "engine") == 0) {
			seen_engine = 1;
			if (v->kind == LH_PL_NODE_SCALAR &&
			    v->type != LH_PL_SCALAR_STR &&
			    strcmp(v->value, "1") == 0)
				pl_err(ctx, v, "engine must be the string "
				    "\"1\" (quote it)");
			else if (v->kind != LH_PL_NODE_SCALAR ||
			    v->type != LH_PL_SCALAR_STR ||
			    strcmp(v->value, "1") != 0)
				pl_err(ctx, v, "unsupported engine '%s': only "
				    "\"1\" is supported", v->kind ==
				    LH_PL_NODE_SCALAR ? v->value : "?");
		} else if (strcmp(k->value, "pipeline") == 0) {
			seen_pipeline = 1;
			pl_parse_pipeline(ctx, v);
		} else if (strcmp(k->value, "triggers") == 0)
			pl_parse_triggers(ctx, v);
		else if (strcmp(k->value, "stages") == 0) {
			seen_stages = 1;
			pl_parse_stages(ctx, v);
		} else
			pl_unknown_key(ctx, k, "the pipeline file",
			    "engine, pipeline, triggers, stages");
	}
	if (!seen_engine)
		pl_err(ctx, root, "missing required key 'engine'");
	if (!seen_pipeline)
		pl_err(ctx, root, "missing required key 'pipeline'");
	if (!seen_stages)
		pl_err(ctx, root, "missing required key 'stages'");
}

struct lh_pipeline *
pl_parse(const char *file, const char *buf, size_t len,
    struct lh_pl_errors *errs)
{
	struct lh_pl_doc doc;
	struct lh_pl_ctx ctx;
	struct lh_pipeline *pl;

	if ((pl = calloc(1, sizeof(*pl))) == NULL ||
	    (pl->file = strdup(file != NULL ? file : "<input>")) == NULL) {
		free(pl);
		return NULL;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.doc = &doc;
	ctx.errs = errs;
	ctx.pl = pl;
	if (pl_yaml_load(&doc, buf, len, errs) == 0) {
		pl_parse_top(&ctx, doc.root);
		/* engine checks run even after schema errors: all errors
		 * are reported at once */
		if (!ctx.oom)
			pl_check(&ctx);
	}
	pl_yaml_free(&doc);
	free(ctx.sites);
	pl_errors_sort(errs);
	if (errs->n > 0 || ctx.oom) {
		pl_free(pl);
		return NULL;
	}
	return pl;
}

const char *
pl_display_name(const char *path)
{
	return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

struct lh_pipeline *
pl_load_file(const char *path, struct lh_pl_errors *errs)
{
	struct lh_pl_mark top = { 1, 1 };
	struct lh_pipeline *pl;
	struct stat sb;
	char *buf;
	size_t len = 0;
	ssize_t r;
	int fd, from_stdin = strcmp(path, "-") == 0;

	fd = from_stdin ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) :
	    open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		pl_errors_add(errs, top, "cannot open: %s", strerror(errno));
		return NULL;
	}
	/* a pipe has no size to check first: the read below stops one byte
	 * past the limit, which is then refused */
	if (fstat(fd, &sb) == -1 || (!S_ISREG(sb.st_mode) && !(from_stdin &&
	    (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode) ||
	    S_ISCHR(sb.st_mode))))) {
		pl_errors_add(errs, top, "not a regular file");
		close(fd);
		return NULL;
	}
	if (sb.st_size > LH_PL_MAX_FILE_SIZE) {
		pl_errors_add(errs, top, "file too large (%lld bytes, limit "
		    "%d)", (long long)sb.st_size, LH_PL_MAX_FILE_SIZE);
		close(fd);
		return NULL;
	}
	/* read one byte past the cap to notice a file that grew */
	if ((buf = malloc(LH_PL_MAX_FILE_SIZE + 2)) == NULL) {
		close(fd);
		return NULL;
	}
	while (len <= LH_PL_MAX_FILE_SIZE) {
		r = read(fd, buf + len, LH_PL_MAX_FILE_SIZE + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			pl_errors_add(errs, top, "read: %s", strerror(errno));
			close(fd);
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	/* a pipe, or a file that grew: the full size is unknown */
	if (len > LH_PL_MAX_FILE_SIZE) {
		pl_errors_add(errs, top, "file too large (more than %d bytes)",
		    LH_PL_MAX_FILE_SIZE);
		free(buf);
		return NULL;
	}
	pl = pl_parse(pl_display_name(path), buf, len, errs);
	free(buf);
	return pl;
}
