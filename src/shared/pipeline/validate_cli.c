/*
 * validate_cli.c: `labhit validate [--json] FILE...`: prints a summary
 * (stages, edges, levels) or every error as FILE:LINE:COL: message; --json
 * prints the model. Runs in the labhit command-line process.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "shared/pipeline/dag.h"
#include "shared/pipeline/pipeline.h"

static void
pl_validate_usage(FILE *fp)
{
	fprintf(fp, "usage: labhit validate [--json] FILE...\n");
}

static void
pl_validate_help(void)
{
	pl_validate_usage(stdout);
	printf("\nChecks pipeline files (- reads standard input) against the "
	    "pipeline format:\nkeys, names, formats, stage references, "
	    "cycles and expressions. A valid file\nprints a summary (stages, "
	    "edges, levels); an invalid one prints every error\nas "
	    "FILE:LINE:COL: message. Exits 0 when every file is valid, 1 "
	    "otherwise.\n\n"
	    "  --json   the model of each file (or its errors) as JSON\n");
}

static void
pl_validate_summary(const struct lh_pipeline *pl)
{
	size_t l, i;
	const char *sep;

	printf("%s: ok: pipeline '%s': %zu stage%s, %zu edge%s, %zu "
	    "level%s\n", pl->file, pl->name, pl->nstages,
	    pl->nstages == 1 ? "" : "s", pl->plan->nedges,
	    pl->plan->nedges == 1 ? "" : "s", pl->plan->nlevels,
	    pl->plan->nlevels == 1 ? "" : "s");
	for (l = 0; l < pl->plan->nlevels; l++) {
		printf("  level %zu:", l);
		sep = " ";
		for (i = 0; i < pl->nstages; i++) {
			if (pl->plan->level[i] != l)
				continue;
			printf("%s%s", sep, pl->stages[i].name);
			sep = ", ";
		}
		printf("\n");
	}
}

static struct json_object *
pl_validate_errors_json(const struct lh_pl_errors *errs)
{
	struct json_object *o, *a, *e;
	size_t i;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "file", json_object_new_string(errs->file));
	json_object_object_add(o, "valid", json_object_new_boolean(0));
	a = json_object_new_array();
	for (i = 0; a != NULL && i < errs->n; i++) {
		if ((e = json_object_new_object()) == NULL)
			break;
		json_object_object_add(e, "line",
		    json_object_new_int((int)errs->v[i].mark.line));
		json_object_object_add(e, "column",
		    json_object_new_int((int)errs->v[i].mark.col));
		json_object_object_add(e, "message",
		    json_object_new_string(errs->v[i].msg));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "errors", a);
	return o;
}

static int
pl_validate_one(const char *path, int json)
{
	struct lh_pl_errors errs;
	struct lh_pipeline *pl;
	struct json_object *o;
	int rc = 0;

	pl_errors_init(&errs, pl_display_name(path));
	if (errs.file == NULL) {
		fprintf(stderr, "labhit validate: out of memory\n");
		return 1;
	}
	pl = pl_load_file(path, &errs);
	if (pl == NULL) {
		if (errs.n == 0)
			fprintf(stderr, "%s: out of memory\n", path);
		pl_errors_print(&errs, stderr);
		rc = 1;
		o = json ? pl_validate_errors_json(&errs) : NULL;
	} else if (json) {
		if ((o = pl_to_json(pl)) != NULL)
			json_object_object_add(o, "valid",
			    json_object_new_boolean(1));
	} else {
		pl_validate_summary(pl);
		o = NULL;
	}
	if (json) {
		if (o == NULL) {
			fprintf(stderr, "%s: out of memory\n", path);
			rc = 1;
		} else {
			printf("%s\n", json_object_to_json_string_ext(o,
			    JSON_C_TO_STRING_PRETTY |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(o);
		}
	}
	pl_free(pl);
	pl_errors_free(&errs);
	return rc;
}

int
pl_validate_cli_main(int argc, char **argv)
{
	int i, json = 0, nfiles = 0, rc = 0, opts = 1;

	for (i = 1; i < argc; i++) {
		if (opts && strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (opts && strcmp(argv[i], "--") == 0)
			opts = 0;
		else if (opts && (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)) {
			pl_validate_help();
			return 0;
		} else if (opts && argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "labhit validate: unknown option "
			    "'%s'\n", argv[i]);
			pl_validate_usage(stderr);
			return 64;
		} else
			nfiles++;
	}
	if (nfiles == 0) {
		pl_validate_usage(stderr);
		return 64;
	}
	opts = 1;
	for (i = 1; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0) {
			opts = 0;
			continue;
		}
		if (opts && strcmp(argv[i], "--json") == 0)
			continue;
		if (pl_validate_one(argv[i], json) != 0)
			rc = 1;
	}
	fflush(stdout);
	return rc;
}
