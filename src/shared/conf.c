/*
 * conf.c: labhit.conf parsing, environment and flag overrides, validation.
 * Runs in the master (and in one-shot commands); children get the parsed
 * struct by inheritance. Pure apart from reading the file and environ.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/conf.h"
#include "shared/log.h"

enum key_type {
	KT_STRING,
	KT_INT,
	KT_BOOL,
	KT_DURATION,
	KT_SIZE,
	KT_RATE,
	KT_LOGLEVEL,
	KT_CHOICE,
};

struct key_def {
	const char	*name;
	enum key_type	 type;
	size_t		 offset;
	const char	*def;		/* default, parsed like file input */
	long		 min, max;	/* KT_INT bounds */
	const char	*choices;	/* KT_CHOICE: "a|b" */
	const char	*env;		/* extra spec-given env name, or NULL */
};

#define OFF(f) offsetof(struct lh_config, f)

static const struct key_def keys[] = {
	{ "listen", KT_STRING, OFF(listen), "127.0.0.1:8080", 0, 0, NULL, NULL },
	{ "state_dir", KT_STRING, OFF(state_dir), LOCALSTATEDIR "/lib/labhit", 0, 0, NULL, NULL },
	{ "workers", KT_INT, OFF(workers), "0", 0, 256, NULL, NULL },
	{ "runners", KT_INT, OFF(runners), "1", 0, 64, NULL, NULL },
	{ "runner_slots", KT_INT, OFF(runner_slots), "4", 1, 256, NULL, NULL },
	{ "user", KT_STRING, OFF(user), "", 0, 0, NULL, NULL },
	{ "group", KT_STRING, OFF(group), "", 0, 0, NULL, NULL },
	{ "pid_file", KT_STRING, OFF(pid_file), "", 0, 0, NULL, NULL },
	{ "shutdown_timeout", KT_DURATION, OFF(shutdown_timeout_ms), "30s", 0, 0, NULL, NULL },
	{ "log_level", KT_LOGLEVEL, OFF(log_level), "info", 0, 0, NULL, NULL },
	{ "log_file", KT_STRING, OFF(log_file), "", 0, 0, NULL, NULL },
	{ "access_log", KT_BOOL, OFF(access_log), "on", 0, 0, NULL, NULL },
	{ "database", KT_STRING, OFF(database), "", 0, 0, NULL, "DATABASE_URL" },
	{ "max_body_size", KT_SIZE, OFF(max_body_size), "1MiB", 0, 0, NULL, NULL },
	{ "max_header_size", KT_SIZE, OFF(max_header_size), "16KiB", 0, 0, NULL, NULL },
	{ "header_timeout", KT_DURATION, OFF(header_timeout_ms), "10s", 0, 0, NULL, NULL },
	{ "read_timeout", KT_DURATION, OFF(read_timeout_ms), "30s", 0, 0, NULL, NULL },
	{ "write_timeout", KT_DURATION, OFF(write_timeout_ms), "30s", 0, 0, NULL, NULL },
	{ "keepalive_timeout", KT_DURATION, OFF(keepalive_timeout_ms), "75s", 0, 0, NULL, NULL },
	{ "max_connections", KT_INT, OFF(max_connections), "1024", 1, 1000000, NULL, NULL },
	{ "cors_origins", KT_STRING, OFF(cors_origins), "", 0, 0, NULL, NULL },
	{ "playground", KT_BOOL, OFF(playground), "off", 0, 0, NULL, NULL },
	{ "rate_limit_read", KT_RATE, OFF(rate_limit_read), "100/min", 0, 0, NULL, NULL },
	{ "rate_limit_write", KT_RATE, OFF(rate_limit_write), "10/min", 0, 0, NULL, NULL },
	{ "rate_limit_table_size", KT_INT, OFF(rate_limit_table_size), "65536", 64, 16777216, NULL, NULL },
	{ "graphql_max_depth", KT_INT, OFF(graphql_max_depth), "15", 1, 1000, NULL, NULL },
	{ "graphql_max_complexity", KT_INT, OFF(graphql_max_complexity), "1000", 1, 1000000, NULL, NULL },
	{ "sandbox", KT_CHOICE, OFF(sandbox), "bwrap", 0, 0, "bwrap|none", NULL },
	{ "images_dir", KT_STRING, OFF(images_dir), "", 0, 0, NULL, NULL },
	{ "stage_log_limit", KT_SIZE, OFF(stage_log_limit), "4MiB", 0, 0, NULL, NULL },
	{ "stage_output_limit", KT_SIZE, OFF(stage_output_limit), "64KiB", 0, 0, NULL, NULL },
	{ "stage_kill_grace", KT_DURATION, OFF(stage_kill_grace_ms), "10s", 0, 0, NULL, NULL },
	{ "stage_timeout", KT_DURATION, OFF(default_stage_timeout_ms), "1h", 0, 0, NULL, NULL },
	{ "stage_max_processes", KT_INT, OFF(stage_max_processes), "1024", 16, 1000000, NULL, NULL },
	{ "stage_user", KT_STRING, OFF(stage_user), "nobody", 0, 0, NULL, NULL },
	{ "jwt_secret", KT_STRING, OFF(jwt_secret), "", 0, 0, NULL, "JWT_SECRET" },
	{ "github_client_id", KT_STRING, OFF(github_client_id), "", 0, 0, NULL, "GITHUB_CLIENT_ID" },
	{ "github_client_secret", KT_STRING, OFF(github_client_secret), "", 0, 0, NULL, "GITHUB_CLIENT_SECRET" },
	{ "api_key", KT_STRING, OFF(api_key), "", 0, 0, NULL, "LABHIT_API_KEY" },
	{ "webhook_secret", KT_STRING, OFF(webhook_secret), "", 0, 0, NULL, "LABHIT_WEBHOOK_SECRET" },
	{ "webhook_pipeline", KT_STRING, OFF(webhook_pipeline), "", 0, 0, NULL, "LABHIT_WEBHOOK_PIPELINE" },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const struct key_def *
find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
parse_u64_prefix(const char *s, uint64_t *out, const char **rest)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s)) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		s++;
	}
	*out = v;
	*rest = s;
	return 0;
}

struct unit {
	const char	*name;
	uint64_t	 mult;
};

static int
unit_lookup(const char *name, const struct unit *units, size_t nunits,
    uint64_t *mult)
{
	for (size_t i = 0; i < nunits; i++) {
		if (strcmp(name, units[i].name) == 0) {
			*mult = units[i].mult;
			return 0;
		}
	}
	return -1;
}

/* "NUMBER[UNIT]" with UNIT from the table, the product at most max. */
static int
parse_with_unit(const char *s, const struct unit *units, size_t nunits,
    uint64_t max, uint64_t *out)
{
	const char *rest;
	uint64_t v, mult;

	if (parse_u64_prefix(s, &v, &rest) == -1 ||
	    unit_lookup(rest, units, nunits, &mult) == -1 || v > max / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int
conf_parse_duration_ms(const char *s, uint32_t *out)
{
	static const struct unit units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "", 1000 }, { "m", 60000 },
		{ "min", 60000 }, { "h", 3600000 }, { "d", 86400000 },
	};
	uint64_t v;

	if (parse_with_unit(s, units, sizeof(units) / sizeof(units[0]),
	    UINT32_MAX, &v) == -1)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
conf_parse_size(const char *s, size_t *out)
{
	static const struct unit units[] = {
		{ "", 1 }, { "B", 1 }, { "k", 1024 }, { "K", 1024 },
		{ "KiB", 1024 }, { "m", 1048576 }, { "M", 1048576 },
		{ "MiB", 1048576 }, { "g", 1073741824 }, { "G", 1073741824 },
		{ "GiB", 1073741824 },
	};
	uint64_t v;

	if (parse_with_unit(s, units, sizeof(units) / sizeof(units[0]),
	    SIZE_MAX, &v) == -1)
		return -1;
	*out = (size_t)v;
	return 0;
}

int
conf_parse_rate(const char *s, struct lh_rate *out)
{
	static const struct unit periods[] = {
		{ "s", 1000 }, { "sec", 1000 }, { "m", 60000 }, { "min", 60000 },
		{ "h", 3600000 }, { "hour", 3600000 }, { "d", 86400000 },
		{ "day", 86400000 },
	};
	const char *rest;
	uint64_t v, period;

	if (parse_u64_prefix(s, &v, &rest) == -1 || v > UINT32_MAX)
		return -1;
	if (*rest == '\0') {
		if (v != 0)
			return -1;	/* a bare number other than 0 has no period */
		out->count = 0;
		out->period_ms = 60000;
		return 0;
	}
	if (*rest++ != '/' || unit_lookup(rest, periods,
	    sizeof(periods) / sizeof(periods[0]), &period) == -1)
		return -1;
	out->count = (uint32_t)v;
	out->period_ms = (uint32_t)period;
	return 0;
}

int
conf_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static int
choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (p != NULL && *p != '\0') {
		const char *bar = strchr(p, '|');
		size_t len = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, v, n) == 0)
			return 1;
		p = bar != NULL ? bar + 1 : NULL;
	}
	return 0;
}

/* Parses value for key into cfg; on error writes a message without the
 * FILE:LINE prefix. */
static int
apply_key(struct lh_config *cfg, const struct key_def *k, const char *value,
    char *err, size_t errlen)
{
	char *field = (char *)cfg + k->offset;
	char *end, *copy;
	long l;
	enum lh_log_level lvl;

	switch (k->type) {
	case KT_STRING:
	case KT_CHOICE:
		if (k->type == KT_CHOICE && !choice_ok(k->choices, value)) {
			snprintf(err, errlen, "%s: '%s' is not one of %s",
			    k->name, value, k->choices);
			return -1;
		}
		if ((copy = strdup(value)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", k->name);
			return -1;
		}
		free(*(char **)(void *)field);
		*(char **)(void *)field = copy;
		return 0;
	case KT_INT:
		errno = 0;
		l = strtol(value, &end, 10);
		if (value[0] == '\0' || *end != '\0' || errno != 0 ||
		    l < k->min || l > k->max) {
			snprintf(err, errlen, "%s: '%s' is not an integer in "
			    "%ld..%ld", k->name, value, k->min, k->max);
			return -1;
		}
		if (k->offset == OFF(rate_limit_table_size))
			*(uint32_t *)(void *)field = (uint32_t)l;
		else
			*(int *)(void *)field = (int)l;
		return 0;
	case KT_BOOL:
		if (conf_parse_bool(value, (int *)(void *)field) == -1) {
			snprintf(err, errlen, "%s: '%s' is not on/off", k->name,
			    value);
			return -1;
		}
		return 0;
	case KT_DURATION:
		if (conf_parse_duration_ms(value,
		    (uint32_t *)(void *)field) == -1) {
			snprintf(err, errlen, "%s: '%s' is not a duration "
			    "(e.g. 500ms, 30s, 5m, 1h)", k->name, value);
			return -1;
		}
		return 0;
	case KT_SIZE:
		if (conf_parse_size(value, (size_t *)(void *)field) == -1) {
			snprintf(err, errlen, "%s: '%s' is not a size "
			    "(e.g. 512, 16KiB, 64MiB)", k->name, value);
			return -1;
		}
		return 0;
	case KT_RATE:
		if (conf_parse_rate(value,
		    (struct lh_rate *)(void *)field) == -1) {
			snprintf(err, errlen, "%s: '%s' is not a rate "
			    "(e.g. 100/min, 10/s, or 0 for no limit)", k->name,
			    value);
			return -1;
		}
		return 0;
	case KT_LOGLEVEL:
		if (log_level_parse(value, &lvl) == -1) {
			snprintf(err, errlen, "%s: '%s' is not one of "
			    "error|warn|info|debug", k->name, value);
			return -1;
		}
		*(int *)(void *)field = (int)lvl;
		return 0;
	}
	snprintf(err, errlen, "%s: unsupported key type", k->name);
	return -1;
}

void
conf_defaults(struct lh_config *cfg)
{
	char err[256];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NKEYS; i++)
		if (apply_key(cfg, &keys[i], keys[i].def, err, sizeof(err)) == -1)
			fatalx("built-in default: %s", err);
}

int
conf_set(struct lh_config *cfg, const char *key, const char *value,
    char *err, size_t errlen)
{
	const struct key_def *k = find_key(key);

	if (k == NULL) {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -1;
	}
	return apply_key(cfg, k, value, err, errlen);
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Strips one pair of matching quotes; values may then hold '#'. */
static char *
unquote(char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		return v + 1;
	}
	return v;
}

static int
parse_line(struct lh_config *cfg, char *line, const char *path,
    unsigned lineno, char *err, size_t errlen)
{
	char msg[512], *key, *value, *eq, *hash;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return 0;
	if ((eq = strchr(key, '=')) == NULL) {
		snprintf(err, errlen, "%s:%u: expected 'key = value'", path,
		    lineno);
		return -1;
	}
	*eq = '\0';
	value = trim(eq + 1);
	if (value[0] != '"' && value[0] != '\'' &&
	    (hash = strstr(value, " #")) != NULL) {
		*hash = '\0';
		value = trim(value);
	}
	value = unquote(value);
	key = trim(key);
	if (conf_set(cfg, key, value, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
		return -1;
	}
	return 0;
}

int
conf_load_file(struct lh_config *cfg, const char *path, int must_exist,
    char *err, size_t errlen)
{
	char line[8192];
	unsigned lineno = 0;
	FILE *fp;
	int rc = 0;

	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errlen, "%s:%u: line too long", path,
			    lineno);
			rc = -1;
			break;
		}
		if ((rc = parse_line(cfg, line, path, lineno, err,
		    errlen)) == -1)
			break;
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	fclose(fp);
	if (rc == 0) {
		free(cfg->config_file);
		cfg->config_file = strdup(path);
	}
	return rc;
}

static void
env_name(const char *key, char *out, size_t outlen)
{
	size_t n = (size_t)snprintf(out, outlen, "LABHIT_%s", key);

	for (size_t i = 7; i < n && i < outlen; i++)
		out[i] = (char)toupper((unsigned char)out[i]);
}

int
conf_load_env(struct lh_config *cfg, char *err, size_t errlen)
{
	char name[64], msg[512];
	const char *v;

	for (size_t i = 0; i < NKEYS; i++) {
		const struct key_def *k = &keys[i];
		/* The spec's own name wins over the generic LABHIT_ one. */
		v = k->env != NULL ? getenv(k->env) : NULL;
		if (v == NULL) {
			env_name(k->name, name, sizeof(name));
			v = getenv(name);
		} else {
			snprintf(name, sizeof(name), "%s", k->env);
		}
		if (v == NULL)
			continue;
		if (apply_key(cfg, k, v, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "environment %s: %s", name, msg);
			return -1;
		}
	}
	return 0;
}

static int
set_derived(char **field, const char *prefix, const char *dir,
    const char *suffix)
{
	char *s;

	if (*field != NULL && (*field)[0] != '\0')
		return 0;
	if (asprintf(&s, "%s%s%s", prefix, dir, suffix) == -1)
		return -1;
	free(*field);
	*field = s;
	return 0;
}

int
conf_finish(struct lh_config *cfg, char *err, size_t errlen)
{
	long ncpu;
	uint32_t n = cfg->rate_limit_table_size;

	if (cfg->state_dir == NULL || cfg->state_dir[0] == '\0') {
		snprintf(err, errlen, "state_dir: must not be empty");
		return -1;
	}
	/* Absolute from here on: children and derived paths never depend on
	 * the current directory. */
	if (cfg->state_dir[0] != '/') {
		char cwd[4096], *abs;
		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    asprintf(&abs, "%s/%s", cwd, cfg->state_dir) == -1) {
			snprintf(err, errlen, "state_dir: cannot make %s "
			    "absolute", cfg->state_dir);
			return -1;
		}
		free(cfg->state_dir);
		cfg->state_dir = abs;
	}
	if (set_derived(&cfg->pid_file, "", cfg->state_dir,
	    "/labhit.pid") == -1 ||
	    set_derived(&cfg->database, "sqlite:", cfg->state_dir,
	    "/labhit.db") == -1 ||
	    set_derived(&cfg->images_dir, "", cfg->state_dir,
	    "/images") == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cfg->workers == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->workers = ncpu > 0 ? (int)(ncpu > 64 ? 64 : ncpu) : 1;
	}
	if ((n & (n - 1)) != 0) {
		snprintf(err, errlen, "rate_limit_table_size: %u is not a "
		    "power of two", n);
		return -1;
	}
	if (cfg->max_header_size < 1024 || cfg->max_header_size > 1048576) {
		snprintf(err, errlen, "max_header_size: must be 1KiB..1MiB");
		return -1;
	}
	if (cfg->listen == NULL || cfg->listen[0] == '\0') {
		snprintf(err, errlen, "listen: must name at least one "
		    "ADDR:PORT");
		return -1;
	}
	return 0;
}

void
conf_free(struct lh_config *cfg)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].type == KT_STRING || keys[i].type == KT_CHOICE) {
			char **p = (char **)(void *)((char *)cfg +
			    keys[i].offset);
			free(*p);
			*p = NULL;
		}
	}
	free(cfg->config_file);
	cfg->config_file = NULL;
}

const char *
conf_key_at(size_t i)
{
	return i < NKEYS ? keys[i].name : NULL;
}
