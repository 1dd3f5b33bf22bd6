/*
 * coerce.c: input coercion (variables from JSON, literals for arguments,
 * defaults), leaf serialization of results, and printing of value
 * literals.  Runs in the workers and the CLI.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"
#include "shared/errbuf.h"

/* Appends to buf at *off; -1 when it does not fit. */
static int
put(char *buf, size_t len, size_t *off, const char *s, size_t n)
{
	if (*off + n + 1 > len)
		return -1;
	memcpy(buf + *off, s, n);
	*off += n;
	buf[*off] = '\0';
	return 0;
}

static int
print_string(const char *s, size_t n, char *buf, size_t len, size_t *off)
{
	char	esc[8];
	size_t	i;

	if (put(buf, len, off, "\"", 1) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			if (put(buf, len, off, esc, 2) == -1)
				return -1;
		} else if (c == '\n') {
			if (put(buf, len, off, "\\n", 2) == -1)
				return -1;
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			if (put(buf, len, off, esc, 6) == -1)
				return -1;
		} else if (put(buf, len, off, (const char *)&s[i], 1) == -1)
			return -1;
	}
	return put(buf, len, off, "\"", 1);
}

static int
print_value(const struct lh_gql_value *v, char *buf, size_t len, size_t *off)
{
	const struct lh_gql_value	*it;
	const struct lh_gql_arg		*f;

	switch (v->kind) {
	case LH_GQL_V_VAR:
		if (put(buf, len, off, "$", 1) == -1)
			return -1;
		return put(buf, len, off, v->s, strlen(v->s));
	case LH_GQL_V_INT:
	case LH_GQL_V_FLOAT:
	case LH_GQL_V_ENUM:
		return put(buf, len, off, v->s, strlen(v->s));
	case LH_GQL_V_STRING:
		return print_string(v->s, v->slen, buf, len, off);
	case LH_GQL_V_BOOL:
		return put(buf, len, off, v->b ? "true" : "false",
		    v->b ? 4 : 5);
	case LH_GQL_V_NULL:
		return put(buf, len, off, "null", 4);
	case LH_GQL_V_LIST:
		if (put(buf, len, off, "[", 1) == -1)
			return -1;
		for (it = v->items; it != NULL; it = it->next)
			if ((it != v->items && put(buf, len, off, ", ", 2) ==
			    -1) || print_value(it, buf, len, off) == -1)
				return -1;
		return put(buf, len, off, "]", 1);
	case LH_GQL_V_OBJECT:
		if (put(buf, len, off, "{", 1) == -1)
			return -1;
		for (f = v->fields; f != NULL; f = f->next)
			if ((f != v->fields && put(buf, len, off, ", ", 2) ==
			    -1) || put(buf, len, off, f->name,
			    strlen(f->name)) == -1 ||
			    put(buf, len, off, ": ", 2) == -1 ||
			    print_value(f->value, buf, len, off) == -1)
				return -1;
		return put(buf, len, off, "}", 1);
	}
	return -1;
}

int
gql_value_print(const struct lh_gql_value *v, char *buf, size_t len)
{
	size_t	off = 0;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	return print_value(v, buf, len, &off);
}

/* A literal as plain JSON (custom scalars); variables substituted. */
json_object *
gql_value_to_json(const struct lh_gql_value *v, json_object *vars)
{
	const struct lh_gql_value	*it;
	const struct lh_gql_arg		*f;
	json_object			*o, *x;

	switch (v->kind) {
	case LH_GQL_V_VAR:
		if (vars != NULL && json_object_object_get_ex(vars, v->s, &x))
			return json_object_get(x);
		return NULL;
	case LH_GQL_V_INT:
		return json_object_new_int64(strtoll(v->s, NULL, 10));
	case LH_GQL_V_FLOAT:
		return json_object_new_double(strtod(v->s, NULL));
	case LH_GQL_V_STRING:
		return json_object_new_string_len(v->s, (int)v->slen);
	case LH_GQL_V_ENUM:
		return json_object_new_string(v->s);
	case LH_GQL_V_BOOL:
		return json_object_new_boolean(v->b);
	case LH_GQL_V_NULL:
		return NULL;
	case LH_GQL_V_LIST:
		if ((o = json_object_new_array()) == NULL)
			return NULL;
		for (it = v->items; it != NULL; it = it->next)
			json_object_array_add(o, gql_value_to_json(it, vars));
		return o;
	case LH_GQL_V_OBJECT:
		if ((o = json_object_new_object()) == NULL)
			return NULL;
		for (f = v->fields; f != NULL; f = f->next)
			json_object_object_add(o, f->name,
			    gql_value_to_json(f->value, vars));
		return o;
	}
	return NULL;
}

static int
enum_has(const struct lh_gql_type *t, const char *name)
{
	size_t	i;

	for (i = 0; i < t->nvalues; i++)
		if (strcmp(t->values[i].name, name) == 0)
			return 1;
	return 0;
}

/* Scalars and enums from JSON input. */
static int
coerce_leaf_input(const struct lh_gql_type *t, json_object *in,
    json_object **out, char *err, size_t len)
{
	enum json_type	jt = json_object_get_type(in);
	double		d;
	int64_t		i;

	if (t->kind == LH_GQL_ENUM) {
		if (jt != json_type_string || !enum_has(t,
		    json_object_get_string(in)))
			return errbuf_fmt(err, len, "Value \"%s\" does not exist in "
			    "\"%s\" enum.", json_object_to_json_string(in),
			    t->name);
		*out = json_object_get(in);
		return 0;
	}
	if (strcmp(t->name, "Int") == 0) {
		if (jt == json_type_int) {
			i = json_object_get_int64(in);
			if (i < INT32_MIN || i > INT32_MAX)
				return errbuf_fmt(err, len, "Int cannot represent "
				    "non 32-bit signed integer value: %s",
				    json_object_to_json_string(in));
			*out = json_object_get(in);
			return 0;
		}
		if (jt == json_type_double) {
			d = json_object_get_double(in);
			if (d == floor(d) && d >= INT32_MIN && d <= INT32_MAX) {
				*out = json_object_new_int((int32_t)d);
				return 0;
			}
		}
		return errbuf_fmt(err, len, "Int cannot represent non-integer value: "
		    "%s", json_object_to_json_string(in));
	}
	if (strcmp(t->name, "Float") == 0) {
		if (jt != json_type_int && jt != json_type_double)
			return errbuf_fmt(err, len, "Float cannot represent "
			    "non numeric value: %s",
			    json_object_to_json_string(in));
		*out = json_object_new_double(json_object_get_double(in));
		return 0;
	}
	if (strcmp(t->name, "String") == 0) {
		if (jt != json_type_string)
			return errbuf_fmt(err, len, "String cannot represent a "
			    "non string value: %s",
			    json_object_to_json_string(in));
		*out = json_object_get(in);
		return 0;
	}
	if (strcmp(t->name, "Boolean") == 0) {
		if (jt != json_type_boolean)
			return errbuf_fmt(err, len, "Boolean cannot represent a "
			    "non boolean value: %s",
			    json_object_to_json_string(in));
		*out = json_object_get(in);
		return 0;
	}
	if (strcmp(t->name, "ID") == 0) {
		if (jt != json_type_string && jt != json_type_int)
			return errbuf_fmt(err, len, "ID cannot represent value: %s",
			    json_object_to_json_string(in));
		*out = json_object_new_string(json_object_get_string(in));
		return 0;
	}
	*out = json_object_get(in);	/* custom scalar: as given */
	return 0;
}

static int
coerce_input_object(const struct lh_gql_type *t, json_object *in,
    json_object **out, char *err, size_t len)
{
	json_object		*o, *fv, *cv;
	struct lh_gql_input	*f;
	size_t			 i;
	int			 n = 0;

	if (!json_object_is_type(in, json_type_object))
		return errbuf_fmt(err, len, "Expected type \"%s\" to be an object.",
		    t->name);
	json_object_object_foreach(in, key, val) {
		(void)val;
		if (gql_find_input(t->inputs, t->ninputs, key) == NULL)
			return errbuf_fmt(err, len, "Field \"%s\" is not defined by "
			    "type \"%s\".", key, t->name);
	}
	if ((o = json_object_new_object()) == NULL)
		return errbuf_fmt(err, len, "out of memory");
	for (i = 0; i < t->ninputs; i++) {
		f = &t->inputs[i];
		if (!json_object_object_get_ex(in, f->name, &fv)) {
			if (f->defval != NULL) {
				if (gql_coerce_literal(f->type, f->defval, NULL,
				    &cv, err, len) == -1)
					goto fail;
				json_object_object_add(o, f->name, cv);
			} else if (f->type->kind == LH_GQL_T_NONNULL) {
				errbuf_fmt(err, len, "Field \"%s.%s\" of required "
				    "type \"%s\" was not provided.", t->name,
				    f->name, gql_tref_named(f->type)->name);
				goto fail;
			}
			continue;
		}
		if (gql_coerce_input(f->type, fv, &cv, err, len) == -1)
			goto fail;
		json_object_object_add(o, f->name, cv);
		n++;
	}
	if (t->oneof && (json_object_object_length(o) != 1 || n != 1)) {
		errbuf_fmt(err, len, "OneOf Input Object \"%s\" must specify exactly "
		    "one key.", t->name);
		goto fail;
	}
	if (t->oneof) {
		json_object_object_foreach(o, k2, v2) {
			(void)k2;
			if (v2 == NULL) {
				errbuf_fmt(err, len, "Field \"%s\" must be non-null.",
				    k2);
				goto fail;
			}
		}
	}
	*out = o;
	return 0;
fail:
	json_object_put(o);
	return -1;
}

int
gql_coerce_input(const struct lh_gql_tref *t, json_object *in,
    json_object **out, char *err, size_t len)
{
	json_object	*a, *cv;
	size_t		 i, n;

	*out = NULL;
	if (t->kind == LH_GQL_T_NONNULL) {
		if (in == NULL)
			return errbuf_fmt(err, len, "Expected non-nullable type "
			    "\"%s\" not to be null.", gql_tref_named(t)->name);
		return gql_coerce_input(t->of, in, out, err, len);
	}
	if (in == NULL)
		return 0;
	if (t->kind == LH_GQL_T_LIST) {
		if ((a = json_object_new_array()) == NULL)
			return errbuf_fmt(err, len, "out of memory");
		if (!json_object_is_type(in, json_type_array)) {
			if (gql_coerce_input(t->of, in, &cv, err, len) == -1) {
				json_object_put(a);
				return -1;
			}
			json_object_array_add(a, cv);
			*out = a;
			return 0;
		}
		n = json_object_array_length(in);
		for (i = 0; i < n; i++) {
			if (gql_coerce_input(t->of,
			    json_object_array_get_idx(in, i), &cv, err,
			    len) == -1) {
				json_object_put(a);
				return -1;
			}
			json_object_array_add(a, cv);
		}
		*out = a;
		return 0;
	}
	if (t->type->kind == LH_GQL_INPUT)
		return coerce_input_object(t->type, in, out, err, len);
	return coerce_leaf_input(t->type, in, out, err, len);
}

/* Is a variable referenced by v missing from vars? */
static int
var_missing(const struct lh_gql_value *v, json_object *vars)
{
	return v->kind == LH_GQL_V_VAR && (vars == NULL ||
	    !json_object_object_get_ex(vars, v->s, NULL));
}

static int
coerce_literal_object(const struct lh_gql_type *t,
    const struct lh_gql_value *v, json_object *vars, json_object **out,
    char *err, size_t len)
{
	json_object		*o, *cv;
	struct lh_gql_input	*f;
	const struct lh_gql_arg	*a;
	size_t			 i;

	if (v->kind != LH_GQL_V_OBJECT)
		return errbuf_fmt(err, len, "Expected value of type \"%s\".",
		    t->name);
	for (a = v->fields; a != NULL; a = a->next)
		if (gql_find_input(t->inputs, t->ninputs, a->name) == NULL)
			return errbuf_fmt(err, len, "Field \"%s\" is not defined by "
			    "type \"%s\".", a->name, t->name);
	if ((o = json_object_new_object()) == NULL)
		return errbuf_fmt(err, len, "out of memory");
	for (i = 0; i < t->ninputs; i++) {
		f = &t->inputs[i];
		for (a = v->fields; a != NULL; a = a->next)
			if (strcmp(a->name, f->name) == 0)
				break;
		if (a == NULL || var_missing(a->value, vars)) {
			if (f->defval != NULL) {
				if (gql_coerce_literal(f->type, f->defval, NULL,
				    &cv, err, len) == -1)
					goto fail;
				json_object_object_add(o, f->name, cv);
			} else if (f->type->kind == LH_GQL_T_NONNULL) {
				errbuf_fmt(err, len, "Field \"%s.%s\" of required "
				    "type was not provided.", t->name,
				    f->name);
				goto fail;
			}
			continue;
		}
		if (gql_coerce_literal(f->type, a->value, vars, &cv, err,
		    len) == -1)
			goto fail;
		json_object_object_add(o, f->name, cv);
	}
	if (t->oneof && json_object_object_length(o) != 1) {
		errbuf_fmt(err, len, "OneOf Input Object \"%s\" must specify exactly "
		    "one key.", t->name);
		goto fail;
	}
	*out = o;
	return 0;
fail:
	json_object_put(o);
	return -1;
}

static int
coerce_literal_leaf(const struct lh_gql_type *t, const struct lh_gql_value *v,
    json_object **out, char *err, size_t len)
{
	const char	*n = t->name;
	long long	 i;

	if (t->kind == LH_GQL_ENUM) {
		if (v->kind != LH_GQL_V_ENUM || !enum_has(t, v->s))
			return errbuf_fmt(err, len, "Value does not exist in \"%s\" "
			    "enum.", n);
		*out = json_object_new_string(v->s);
		return 0;
	}
	if (strcmp(n, "Int") == 0) {
		if (v->kind != LH_GQL_V_INT)
			return errbuf_fmt(err, len, "Int cannot represent "
			    "non-integer value");
		errno = 0;
		i = strtoll(v->s, NULL, 10);
		if (errno != 0 || i < INT32_MIN || i > INT32_MAX)
			return errbuf_fmt(err, len, "Int cannot represent non 32-bit "
			    "signed integer value: %s", v->s);
		*out = json_object_new_int((int32_t)i);
		return 0;
	}
	if (strcmp(n, "Float") == 0) {
		if (v->kind != LH_GQL_V_INT && v->kind != LH_GQL_V_FLOAT)
			return errbuf_fmt(err, len, "Float cannot represent "
			    "non numeric value");
		*out = json_object_new_double(strtod(v->s, NULL));
		return 0;
	}
	if (strcmp(n, "String") == 0 || strcmp(n, "ID") == 0) {
		if (v->kind != LH_GQL_V_STRING && (n[0] != 'I' ||
		    v->kind != LH_GQL_V_INT))
			return errbuf_fmt(err, len, "%s cannot represent a "
			    "non string value", n);
		*out = json_object_new_string_len(v->s, (int)v->slen);
		return 0;
	}
	if (strcmp(n, "Boolean") == 0) {
		if (v->kind != LH_GQL_V_BOOL)
			return errbuf_fmt(err, len, "Boolean cannot represent a "
			    "non boolean value");
		*out = json_object_new_boolean(v->b);
		return 0;
	}
	*out = gql_value_to_json(v, NULL);
	return 0;
}

int
gql_coerce_literal(const struct lh_gql_tref *t, const struct lh_gql_value *v,
    json_object *vars, json_object **out, char *err, size_t len)
{
	json_object			*a, *cv, *x;
	const struct lh_gql_value	*it;

	*out = NULL;
	if (v->kind == LH_GQL_V_VAR) {
		if (vars == NULL || !json_object_object_get_ex(vars, v->s, &x))
			x = NULL;
		if (x == NULL && t->kind == LH_GQL_T_NONNULL)
			return errbuf_fmt(err, len, "Variable \"$%s\" must not be "
			    "null.", v->s);
		/* variables were coerced already, for a compatible type */
		*out = json_object_get(x);
		return 0;
	}
	if (t->kind == LH_GQL_T_NONNULL) {
		if (v->kind == LH_GQL_V_NULL)
			return errbuf_fmt(err, len, "Expected non-null value.");
		return gql_coerce_literal(t->of, v, vars, out, err, len);
	}
	if (v->kind == LH_GQL_V_NULL)
		return 0;
	if (t->kind == LH_GQL_T_LIST) {
		if ((a = json_object_new_array()) == NULL)
			return errbuf_fmt(err, len, "out of memory");
		if (v->kind != LH_GQL_V_LIST) {
			if (gql_coerce_literal(t->of, v, vars, &cv, err,
			    len) == -1) {
				json_object_put(a);
				return -1;
			}
			json_object_array_add(a, cv);
		} else
			for (it = v->items; it != NULL; it = it->next) {
				if (gql_coerce_literal(t->of, it, vars, &cv,
				    err, len) == -1) {
					json_object_put(a);
					return -1;
				}
				json_object_array_add(a, cv);
			}
		*out = a;
		return 0;
	}
	if (t->type->kind == LH_GQL_INPUT)
		return coerce_literal_object(t->type, v, vars, out, err, len);
	return coerce_literal_leaf(t->type, v, out, err, len);
}

int
gql_coerce_args(const struct lh_gql_input *defs, size_t n,
    const struct lh_gql_arg *args, json_object *vars, json_object **out,
    char *err, size_t len)
{
	const struct lh_gql_arg	*a;
	json_object		*o, *cv;
	size_t			 i;

	if ((o = json_object_new_object()) == NULL)
		return errbuf_fmt(err, len, "out of memory");
	for (i = 0; i < n; i++) {
		for (a = args; a != NULL; a = a->next)
			if (strcmp(a->name, defs[i].name) == 0)
				break;
		if (a == NULL || var_missing(a->value, vars)) {
			if (defs[i].defval != NULL) {
				if (gql_coerce_literal(defs[i].type,
				    defs[i].defval, NULL, &cv, err, len) == -1)
					goto fail;
				json_object_object_add(o, defs[i].name, cv);
			} else if (defs[i].type->kind == LH_GQL_T_NONNULL) {
				errbuf_fmt(err, len, "Argument \"%s\" of required "
				    "type was not provided.", defs[i].name);
				goto fail;
			}
			continue;
		}
		if (gql_coerce_literal(defs[i].type, a->value, vars, &cv, err,
		    len) == -1) {
			char tmp[256];

			snprintf(tmp, sizeof(tmp), "Argument \"%s\" has invalid "
			    "value: %s", defs[i].name, err);
			snprintf(err, len, "%s", tmp);
			goto fail;
		}
		json_object_object_add(o, defs[i].name, cv);
	}
	*out = o;
	return 0;
fail:
	json_object_put(o);
	return -1;
}

int
gql_coerce_vars(const struct lh_gql_schema *s, struct lh_gql_arena *ar,
    const struct lh_gql_def *op, json_object *in, json_object **out,
    json_object *errors)
{
	const struct lh_gql_vardef	*vd;
	struct lh_gql_tref		*t;
	json_object			*o, *v, *cv;
	char				 err[300], tn[128];
	int				 bad = 0;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	for (vd = op->vardefs; vd != NULL; vd = vd->next) {
		t = vd->rtype != NULL ? vd->rtype :
		    gql_tref_resolve(s, ar, vd->type);
		if (t == NULL ||
		    !gql_type_is_input(gql_tref_named(t))) {
			gql_err_add(errors, &vd->loc, 1, "Variable \"$%s\" "
			    "expected value of type \"%s\" which cannot be "
			    "used as an input type.", vd->name,
			    gql_tref_str(vd->type, tn, sizeof(tn)));
			bad++;
			continue;
		}
		if (in == NULL || !json_object_object_get_ex(in, vd->name,
		    &v)) {
			if (vd->defval != NULL) {
				if (gql_coerce_literal(t, vd->defval, NULL,
				    &cv, err, sizeof(err)) == 0)
					json_object_object_add(o, vd->name, cv);
			} else if (t->kind == LH_GQL_T_NONNULL) {
				gql_err_add(errors, &vd->loc, 1, "Variable "
				    "\"$%s\" of required type \"%s\" was not "
				    "provided.", vd->name, gql_tref_str(t, tn,
				    sizeof(tn)));
				bad++;
			}
			continue;
		}
		if (gql_coerce_input(t, v, &cv, err, sizeof(err)) == -1) {
			gql_err_add(errors, &vd->loc, 1, "Variable \"$%s\" got "
			    "invalid value %.100s; %s", vd->name,
			    json_object_to_json_string(v), err);
			bad++;
			continue;
		}
		json_object_object_add(o, vd->name, cv);
	}
	if (bad) {
		json_object_put(o);
		return -1;
	}
	*out = o;
	return 0;
}

json_object *
gql_serialize_leaf(const struct lh_gql_type *t, json_object *v, char *err,
    size_t len, int *ok)
{
	enum json_type	 jt = json_object_get_type(v);
	const char	*n = t->name;
	double		 d;
	int64_t		 i;

	*ok = 1;
	if (t->kind == LH_GQL_ENUM) {
		if (jt == json_type_string && enum_has(t,
		    json_object_get_string(v)))
			return json_object_get(v);
		*ok = 0;
		errbuf_fmt(err, len, "Enum \"%s\" cannot represent value: %.80s", n,
		    json_object_to_json_string(v));
		return NULL;
	}
	if (strcmp(n, "Int") == 0) {
		if (jt == json_type_int || jt == json_type_boolean) {
			i = json_object_get_int64(v);
			if (i >= INT32_MIN && i <= INT32_MAX)
				return json_object_new_int((int32_t)i);
		} else if (jt == json_type_double) {
			d = json_object_get_double(v);
			if (d == floor(d) && d >= INT32_MIN && d <= INT32_MAX)
				return json_object_new_int((int32_t)d);
		}
		*ok = 0;
		errbuf_fmt(err, len, "Int cannot represent value: %.80s",
		    json_object_to_json_string(v));
		return NULL;
	}
	if (strcmp(n, "Float") == 0) {
		if (jt == json_type_int || jt == json_type_double)
			return json_object_new_double(
			    json_object_get_double(v));
		*ok = 0;
		errbuf_fmt(err, len, "Float cannot represent non numeric value: %.80s",
		    json_object_to_json_string(v));
		return NULL;
	}
	if (strcmp(n, "String") == 0 || strcmp(n, "ID") == 0) {
		if (jt == json_type_string)
			return json_object_get(v);
		if (jt == json_type_int || jt == json_type_double ||
		    jt == json_type_boolean)
			return json_object_new_string(
			    json_object_get_string(v));
		*ok = 0;
		errbuf_fmt(err, len, "%s cannot represent value: %.80s", n,
		    json_object_to_json_string(v));
		return NULL;
	}
	if (strcmp(n, "Boolean") == 0) {
		if (jt == json_type_boolean)
			return json_object_get(v);
		*ok = 0;
		errbuf_fmt(err, len, "Boolean cannot represent a non boolean value: "
		    "%.80s", json_object_to_json_string(v));
		return NULL;
	}
	return json_object_get(v);
}
