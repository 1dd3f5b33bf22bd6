/*
 * api.c: the request-level API (gql_prepare / gql_execute), response and
 * error helpers, request limits (depth, complexity).  Runs in the workers.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"
#include "worker/graphql/exec_int.h"

struct lh_gql_prepared {
	const struct lh_gql_schema	*s;
	struct lh_gql_doc		*doc;
	const struct lh_gql_def		*op;
	struct lh_gql_arena		*arena;
};

void
gql_err_add(json_object *errors, const struct lh_gql_loc *locs, size_t nlocs,
    const char *fmt, ...)
{
	json_object	*e, *la, *l;
	va_list		 ap;
	char		 msg[1024];
	size_t		 i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((e = json_object_new_object()) == NULL)
		return;
	json_object_object_add(e, "message", json_object_new_string(msg));
	if (nlocs > 0) {
		la = json_object_new_array();
		for (i = 0; i < nlocs; i++) {
			l = json_object_new_object();
			json_object_object_add(l, "line",
			    json_object_new_int(locs[i].line));
			json_object_object_add(l, "column",
			    json_object_new_int(locs[i].col));
			json_object_array_add(la, l);
		}
		json_object_object_add(e, "locations", la);
	}
	json_object_array_add(errors, e);
}

json_object *
gql_error_new(const char *message, const char *code)
{
	json_object	*e, *ext;

	if ((e = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(e, "message", json_object_new_string(message));
	if (code != NULL) {
		ext = json_object_new_object();
		json_object_object_add(ext, "code",
		    json_object_new_string(code));
		json_object_object_add(e, "extensions", ext);
	}
	return e;
}

json_object *
gql_response_error(const char *message, const char *code)
{
	json_object	*r, *a;

	if ((r = json_object_new_object()) == NULL)
		return NULL;
	a = json_object_new_array();
	json_object_array_add(a, gql_error_new(message, code));
	json_object_object_add(r, "errors", a);
	return r;
}

json_object *
gql_rerr_set(struct lh_gql_rerr *err, const char *code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	if (err->message[0] == '\0')
		snprintf(err->message, sizeof(err->message), "error");
	snprintf(err->code, sizeof(err->code), "%s", code != NULL ? code :
	    "INTERNAL_SERVER_ERROR");
	return NULL;
}

struct lh_gql_def *
gql_doc_fragment(const struct lh_gql_doc *d, const char *name)
{
	struct lh_gql_def	*def;

	for (def = d->defs; def != NULL; def = def->next)
		if (def->kind == LH_GQL_D_FRAGMENT &&
		    strcmp(def->name, name) == 0)
			return def;
	return NULL;
}

/* Adds extensions.code to every error of the array. */
static void
set_codes(json_object *errors, const char *code)
{
	json_object	*e, *ext;
	size_t		 i, n = json_object_array_length(errors);

	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(errors, i);
		if (json_object_object_get_ex(e, "extensions", NULL))
			continue;
		ext = json_object_new_object();
		json_object_object_add(ext, "code",
		    json_object_new_string(code));
		json_object_object_add(e, "extensions", ext);
	}
}

static json_object *
wrap_errors(json_object *errors, const char *code)
{
	json_object	*r;

	set_codes(errors, code);
	if ((r = json_object_new_object()) == NULL) {
		json_object_put(errors);
		return NULL;
	}
	json_object_object_add(r, "errors", errors);
	return r;
}

/*
 * Depth and size of a selection set, fragments followed.  Every visited
 * selection costs one unit of budget so that fragments spread many times
 * (a "fragment bomb") cannot make this exponential.
 */
struct lim_walk {
	const struct lh_gql_doc	*doc;
	long			 count;
	long			 budget;
};

#define LH_GQL_LIMIT_BUDGET	200000L

static int
sel_depth(struct lim_walk *w, const struct lh_gql_sel *s, int level,
    int guard)
{
	const struct lh_gql_def	*f;
	int			 m = level, x;

	if (guard > 64)
		return level;
	for (; s != NULL && w->budget > 0; s = s->next) {
		w->budget--;
		x = level;
		if (s->kind == LH_GQL_SEL_FIELD) {
			w->count++;
			if (s->selset != NULL)
				x = sel_depth(w, s->selset, level + 1,
				    guard + 1);
		} else if (s->kind == LH_GQL_SEL_INLINE)
			x = sel_depth(w, s->selset, level, guard + 1);
		else if ((f = gql_doc_fragment(w->doc, s->name)) != NULL)
			x = sel_depth(w, f->selset, level, guard + 1);
		if (x > m)
			m = x;
	}
	return m;
}

int
gql_validate_limits(const struct lh_gql_doc *d, const struct lh_gql_def *op,
    const struct lh_gql_limits *lim, json_object *errors)
{
	struct lim_walk	w;
	int		depth, n = 0;

	if (lim == NULL || (lim->max_depth <= 0 && lim->max_complexity <= 0))
		return 0;
	w.doc = d;
	w.count = 0;
	w.budget = LH_GQL_LIMIT_BUDGET;
	depth = sel_depth(&w, op->selset, 1, 0);
	if (lim->max_depth > 0 && depth > lim->max_depth) {
		gql_err_add(errors, &op->loc, 1, "Query depth %d exceeds the "
		    "maximum allowed depth of %d.", depth, lim->max_depth);
		n++;
	}
	if (w.budget <= 0)
		gql_err_add(errors, &op->loc, 1, "Query is too large: more than "
		    "%ld selections once fragments are expanded.",
		    LH_GQL_LIMIT_BUDGET);
	else if (lim->max_complexity > 0 && w.count > lim->max_complexity)
		gql_err_add(errors, &op->loc, 1, "Query complexity %ld (field "
		    "selections) exceeds the maximum allowed complexity of "
		    "%d.", w.count, lim->max_complexity);
	if (w.budget <= 0 || (lim->max_complexity > 0 &&
	    w.count > lim->max_complexity))
		n++;
	return n;
}

static const struct lh_gql_def *
pick_operation(const struct lh_gql_doc *d, const char *name,
    json_object *errors)
{
	const struct lh_gql_def	*def, *found = NULL;
	int			 n = 0;

	for (def = d->defs; def != NULL; def = def->next) {
		if (def->kind != LH_GQL_D_OPERATION)
			continue;
		n++;
		if (name != NULL && def->name != NULL &&
		    strcmp(def->name, name) == 0)
			found = def;
		else if (name == NULL)
			found = def;
	}
	if (name == NULL && n > 1)
		found = NULL;
	if (found != NULL || errors == NULL)
		return found;
	if (name != NULL)
		gql_err_add(errors, NULL, 0, "Unknown operation named \"%s\".",
		    name);
	else if (n > 1)
		gql_err_add(errors, NULL, 0, "Must provide operation name if "
		    "query contains multiple operations.");
	else
		gql_err_add(errors, NULL, 0, "Must provide an operation.");
	return NULL;
}

struct lh_gql_prepared *
gql_prepare(const struct lh_gql_schema *s, const char *query,
    const char *opname, const struct lh_gql_limits *lim,
    json_object **response)
{
	struct lh_gql_prepared	*p;
	struct lh_gql_doc	*doc;
	struct lh_gql_loc	 el;
	json_object		*errors;
	const struct lh_gql_def	*op;
	char			 err[300];

	*response = NULL;
	if ((errors = json_object_new_array()) == NULL)
		return NULL;
	if ((doc = gql_parse(query, strlen(query), err, sizeof(err), &el)) ==
	    NULL) {
		gql_err_add(errors, &el, 1, "%s", err);
		*response = wrap_errors(errors, "GRAPHQL_PARSE_FAILED");
		return NULL;
	}
	/* limits first: validation cost grows with the document's size */
	if (lim != NULL && (op = pick_operation(doc, opname, NULL)) != NULL &&
	    gql_validate_limits(doc, op, lim, errors) > 0) {
		gql_doc_free(doc);
		*response = wrap_errors(errors, "GRAPHQL_VALIDATION_FAILED");
		return NULL;
	}
	if (gql_validate(s, doc, LH_GQL_RULES_SPECIFIED, errors) > 0) {
		gql_doc_free(doc);
		*response = wrap_errors(errors, "GRAPHQL_VALIDATION_FAILED");
		return NULL;
	}
	if ((op = pick_operation(doc, opname, errors)) == NULL) {
		gql_doc_free(doc);
		*response = wrap_errors(errors, "OPERATION_RESOLUTION_FAILURE");
		return NULL;
	}
	if (s->roots[op->op] == NULL)
		gql_err_add(errors, &op->loc, 1, "Schema is not configured to "
		    "execute %s operation.", op->op == LH_GQL_OP_MUTATION ?
		    "mutation" : "subscription");
	if (s->roots[op->op] == NULL) {
		gql_doc_free(doc);
		*response = wrap_errors(errors, "GRAPHQL_VALIDATION_FAILED");
		return NULL;
	}
	json_object_put(errors);
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->arena = gql_arena_new()) == NULL) {
		free(p);
		gql_doc_free(doc);
		*response = gql_response_error("out of memory",
		    "INTERNAL_SERVER_ERROR");
		return NULL;
	}
	p->s = s;
	p->doc = doc;
	p->op = op;
	/* Resolve the variables' types now, so executing never allocates in
	 * the prepared operation and one can be executed again and again. */
	for (struct lh_gql_vardef *vd = op->vardefs; vd != NULL; vd = vd->next)
		vd->rtype = gql_tref_resolve(s, p->arena, vd->type);
	return p;
}

enum lh_gql_optype
gql_prepared_optype(const struct lh_gql_prepared *p)
{
	return p->op->op;
}

const char *
gql_prepared_name(const struct lh_gql_prepared *p)
{
	return p->op->name;
}

void
gql_prepared_free(struct lh_gql_prepared *p)
{
	if (p == NULL)
		return;
	gql_doc_free(p->doc);
	gql_arena_free(p->arena);
	free(p);
}

json_object *
gql_execute(const struct lh_gql_prepared *p, json_object *variables,
    void *ctx)
{
	json_object	*errors, *vars = NULL, *data, *r;

	if ((errors = json_object_new_array()) == NULL)
		return NULL;
	if (variables != NULL && !json_object_is_type(variables,
	    json_type_object)) {
		json_object_put(errors);
		return gql_response_error("Variables must be provided as an "
		    "object.", "BAD_USER_INPUT");
	}
	if (gql_coerce_vars(p->s, p->arena, p->op, variables, &vars,
	    errors) == -1)
		return wrap_errors(errors, "BAD_USER_INPUT");
	if (p->op->op == LH_GQL_OP_SUBSCRIPTION) {
		json_object_put(vars);
		json_object_put(errors);
		return gql_response_error("Subscriptions are not supported "
		    "over this transport.", "BAD_REQUEST");
	}
	data = gql_exec_operation(p->s, p->doc, p->op, vars, ctx, errors);
	json_object_put(vars);
	if ((r = json_object_new_object()) == NULL) {
		json_object_put(data);
		json_object_put(errors);
		return NULL;
	}
	json_object_object_add(r, "data", data);
	if (json_object_array_length(errors) > 0)
		json_object_object_add(r, "errors", errors);
	else
		json_object_put(errors);
	return r;
}

int
gql_request_parse(json_object *body, const char **query,
    const char **opname, json_object **variables, char *err, size_t errlen)
{
	json_object	*v;

	*query = NULL;
	*opname = NULL;
	*variables = NULL;
	if (!json_object_is_type(body, json_type_object)) {
		snprintf(err, errlen, "request body must be a JSON object");
		return -1;
	}
	if (!json_object_object_get_ex(body, "query", &v) || v == NULL) {
		snprintf(err, errlen, "missing \"query\"");
		return -1;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "\"query\" must be a string");
		return -1;
	}
	*query = json_object_get_string(v);
	if (json_object_object_get_ex(body, "operationName", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(err, errlen, "\"operationName\" must be a "
			    "string");
			return -1;
		}
		*opname = json_object_get_string(v);
	}
	if (json_object_object_get_ex(body, "variables", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_object)) {
			snprintf(err, errlen, "\"variables\" must be an "
			    "object");
			return -1;
		}
		*variables = v;
	}
	return 0;
}
