/*
 * pipeline.h: the typed model of a LabHit pipeline file (engine "1"), its
 * parser and validator. Used by `labhit validate`/`labhit run`, by workers
 * (validate on trigger) and by runners (execute a validated plan).
 *
 * Names: pipeline names match ^[a-z0-9][a-z0-9-]*$ (published schema); stage
 * names match ^[a-z0-9][a-z0-9_-]*$ (labhit's choice: they appear inside
 * expressions as stage.NAME.output.KEY), both at most 63 characters.
 *
 * Typing follows the published JSON Schema with YAML 1.2 core-schema
 * scalars: `engine: 1`, `timeout: 10` or `DEBUG: 1` under sandbox.env are
 * integers, not strings, and are rejected with a "quote it" hint. Other
 * labhit choices: `use` accepts an optional @version suffix; `retry`
 * without max_attempts means 3 attempts; timeouts are at most 7 days;
 * sandbox.env names match ^[A-Za-z_][A-Za-z0-9_]*$ and may not start with
 * LABHIT_ (reserved); manual input objects accept unknown keys (the schema
 * leaves them open); stage.X.output.K and stage.X.status need X to be an
 * ancestor. YAML anchors/aliases work (expanded size capped), merge keys
 * ('<<'), custom tags and multi-document files are errors.
 */
#ifndef LH_PIPELINE_H
#define LH_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct json_object;
struct lh_expr;
struct lh_interp;

#define LH_PL_MAX_FILE_SIZE	(1024 * 1024)	/* bytes of YAML */
#define LH_PL_MAX_DEPTH		64	/* nesting of maps/sequences */
#define LH_PL_MAX_NODES		100000	/* nodes after alias expansion */
#define LH_PL_MAX_STAGES	500
#define LH_PL_MAX_ERRORS	500	/* then "too many errors" */
#define LH_PL_MAX_NAME		63

struct lh_pl_mark {
	unsigned	line;	/* 1-based */
	unsigned	col;	/* 1-based */
};

struct lh_pl_error {
	struct lh_pl_mark	 mark;
	char			*msg;
};

/* Every error found in one file, sorted by position once parsing ends. */
struct lh_pl_errors {
	char			*file;
	struct lh_pl_error	*v;
	size_t			 n;
	size_t			 cap;
	int			 truncated;	/* more than LH_PL_MAX_ERRORS */
};

struct lh_pl_strlist {
	char			**v;
	struct lh_pl_mark	*marks;
	size_t			  n;
};

struct lh_pl_kv {
	char			*key;
	char			*value;
	struct lh_pl_mark	 mark;
	struct lh_interp	*interp;	/* parsed ${{ }} parts of value */
};

struct lh_pl_kvlist {
	struct lh_pl_kv	*v;
	size_t		 n;
};

enum lh_pl_approval {
	LH_PL_APPROVAL_NONE = 0,
	LH_PL_APPROVAL_REQUIRED,
	LH_PL_APPROVAL_OPTIONAL,
};

enum lh_pl_backoff {
	LH_PL_BACKOFF_FIXED = 0,
	LH_PL_BACKOFF_EXPONENTIAL,
};

enum lh_pl_input_type {
	LH_PL_INPUT_STRING = 0,
	LH_PL_INPUT_BOOLEAN,
	LH_PL_INPUT_CHOICE,
};

struct lh_pl_input {
	char			*name;
	enum lh_pl_input_type	 type;
	char			*description;
	char			*default_value;	/* NULL when absent */
	struct lh_pl_strlist	 options;
};

struct lh_pl_triggers {
	int			 push;
	struct lh_pl_strlist	 push_branches;
	struct lh_pl_strlist	 push_tags;
	struct lh_pl_strlist	 push_paths;
	int			 pull_request;
	struct lh_pl_strlist	 pr_branches;
	struct lh_pl_strlist	 pr_actions;
	int			 schedule;
	char			*cron;
	char			*timezone;
	int			 manual;
	struct lh_pl_input	*inputs;
	size_t			 ninputs;
	int			 webhook;
	char			*webhook_secret_name;
	char			*webhook_filter;
	struct lh_expr		*webhook_filter_expr;
};

struct lh_pl_stage {
	char			*name;
	struct lh_pl_mark	 mark;
	size_t			 index;
	char			*run;		/* exactly one of run/use */
	struct lh_interp	*run_interp;
	char			*use;
	struct lh_pl_strlist	 after;
	size_t			*deps;		/* indices of after stages */
	size_t			 ndeps;
	struct json_object	*with;		/* NULL when absent */
	struct lh_interp	**with_exprs;	/* ${{ }} in with values */
	size_t			  nwith_exprs;
	/* sandbox */
	char			*image;		/* NULL = host root */
	int			 cpu;		/* 0 = unset */
	uint64_t		 memory_bytes;	/* 0 = unset */
	struct lh_pl_kvlist	 env;
	/* gate */
	int			 gate;
	enum lh_pl_approval	 approval;
	char			*policy;
	struct lh_pl_strlist	 allowed_branches;
	uint32_t		 timeout_ms;	/* 0 = unset */
	int			 max_attempts;	/* 1 when retry is absent */
	enum lh_pl_backoff	 backoff;
	char			*condition;	/* as written */
	struct lh_expr		*condition_expr;
};

struct lh_pl_plan;

struct lh_pipeline {
	char			*file;
	char			*name;
	char			*description;
	struct lh_pl_triggers	 triggers;
	struct lh_pl_stage	*stages;	/* in file order */
	size_t			 nstages;
	struct lh_pl_plan	*plan;		/* levels and ancestors */
};

/* Parses and validates a pipeline held in memory. file names it in errors.
 * Returns the model, or NULL with every error in errs (errs->n > 0), or
 * NULL with errs->n == 0 on memory exhaustion. */
struct lh_pipeline *pl_parse(const char *file, const char *buf, size_t len,
    struct lh_pl_errors *errs);
/* Reads path (at most LH_PL_MAX_FILE_SIZE bytes; "-": standard input)
 * and calls pl_parse. */
struct lh_pipeline *pl_load_file(const char *path, struct lh_pl_errors *errs);
/* The name errors give a path: "<stdin>" for "-". */
const char *pl_display_name(const char *path);
void pl_free(struct lh_pipeline *pl);

/* Index of the stage called name, or -1. */
ssize_t pl_stage_index(const struct lh_pipeline *pl, const char *name);
/* The model as JSON (caller puts the reference), or NULL. */
struct json_object *pl_to_json(const struct lh_pipeline *pl);

/* Parses "10s" "5m" "1h" into milliseconds; "512Mi" "4Gi" into bytes. */
int pl_parse_timeout(const char *s, uint32_t *ms);
int pl_parse_memory(const char *s, uint64_t *bytes);
/* 1 when s matches the stage (or pipeline) name pattern. */
int pl_valid_stage_name(const char *s);
int pl_valid_pipeline_name(const char *s);

void pl_errors_init(struct lh_pl_errors *errs, const char *file);
void pl_errors_free(struct lh_pl_errors *errs);
/* Appends one error; returns 0 or -1 (memory). */
int pl_errors_add(struct lh_pl_errors *errs, struct lh_pl_mark mark,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void pl_errors_sort(struct lh_pl_errors *errs);
/* Prints "FILE:LINE:COL: message" lines. */
void pl_errors_print(const struct lh_pl_errors *errs, FILE *fp);

/* `labhit validate [--json] FILE...` (argv[0] = "validate"): 0 when every
 * file is valid, 1 when one is not, 64 on a usage error. */
int pl_validate_cli_main(int argc, char **argv);

#endif
