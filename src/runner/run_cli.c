/*
 * run_cli.c: `labhit run FILE [--var K=V]... [--workspace DIR] [--json]`:
 * validates the file, runs it with the scheduler on a private event_base
 * and prints readable progress (colours only on a TTY) or the event stream
 * as JSON lines. Runs in the labhit command-line process.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "runner/run_cli.h"
#include "runner/scheduler.h"
#include "runner/stage.h"
#include "runner/stage_prep.h"
#include "shared/cgroup.h"
#include "shared/conf.h"
#include "shared/rmtree.h"
#include "shared/uuid.h"

struct run_opts {
	const char		*file;
	const char		*workspace;
	const char		*branch;
	const char		*sha;
	int			 json;
	int			 keep_workspace;
	struct lh_pl_kvlist	 vars;
};

struct run_view {
	int			 json;
	int			 color;
	int			 width;
	const char		*pipeline;
	struct event_base	*base;
	struct lh_sched		*sched;
};

#define RUN_WORKSPACE_PREFIX	"labhit-run-"

#define C_RESET		"\033[0m"
#define C_BOLD		"\033[1m"
#define C_DIM		"\033[2m"
#define C_RED		"\033[31m"
#define C_GREEN		"\033[32m"
#define C_YELLOW	"\033[33m"
#define C_CYAN		"\033[36m"

static void
run_usage(FILE *fp)
{
	fprintf(fp, "usage: labhit run FILE [--var KEY=VALUE]... "
	    "[--workspace DIR | --keep-workspace]\n"
	    "                  [--branch NAME] [--sha SHA] [--json] "
	    "[-c FILE]\n\n"
	    "Runs a pipeline here (FILE - reads standard input), each stage "
	    "in the sandbox,\nprinting its progress; exits 0 only when the "
	    "pipeline succeeded.\n\n"
	    "  --var KEY=VALUE    ${{ var.KEY }} (repeatable)\n"
	    "  --workspace DIR    the stages' /workspace (default: a new "
	    "temporary dir,\n"
	    "                     removed when the run ends)\n"
	    "  --keep-workspace   keep the temporary workspace and print "
	    "where it is\n"
	    "  --branch NAME      run.branch (default: local)\n"
	    "  --sha SHA          run.sha (default: forty zeros)\n"
	    "  --json             the event stream as JSON lines\n"
	    "  -c, --config FILE  labhit.conf for the sandbox and stage_* "
	    "settings\n"
	    "                     (default: the server's, if present; "
	    "LABHIT_<KEY> wins)\n\n"
	    "Memory, CPU and process limits are cgroup v2 limits when "
	    "labhit run is alone\nin a delegated cgroup (systemd-run --scope "
	    "-p Delegate=yes labhit run FILE),\nelse rlimits.\n");
}

static int
run_valid_var_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return 0;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* Adds or replaces K=V. Returns 0, -1 (bad), -2 (memory). */
static int
run_set_var(struct lh_pl_kvlist *vars, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *key;
	size_t i;
	int rc = 0;

	if (eq == NULL || !run_valid_var_name(kv, (size_t)(eq - kv)))
		return -1;
	if ((key = strndup(kv, (size_t)(eq - kv))) == NULL)
		return -2;
	for (i = 0; i < vars->n; i++)
		if (strcmp(vars->v[i].key, key) == 0)
			break;
	if (i < vars->n) {
		free(vars->v[i].value);
		if ((vars->v[i].value = strdup(eq + 1)) == NULL)
			rc = -2;
	} else if (pl_kvlist_add(vars, key, eq + 1) == -1)
		rc = -2;
	free(key);
	return rc;
}

static int
run_parse_args(int argc, char **argv, struct run_opts *o)
{
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			o->json = 1;
		else if (strcmp(argv[i], "--keep-workspace") == 0)
			o->keep_workspace = 1;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			run_usage(stdout);
			return 1;
		} else if ((strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
			i++;	/* read by run_config_path before */
		} else if ((strcmp(argv[i], "--var") == 0 ||
		    strcmp(argv[i], "--workspace") == 0 ||
		    strcmp(argv[i], "--branch") == 0 ||
		    strcmp(argv[i], "--sha") == 0) && i + 1 < argc) {
			if (strcmp(argv[i], "--workspace") == 0)
				o->workspace = argv[++i];
			else if (strcmp(argv[i], "--branch") == 0)
				o->branch = argv[++i];
			else if (strcmp(argv[i], "--sha") == 0)
				o->sha = argv[++i];
			else if ((rc = run_set_var(&o->vars, argv[++i])) != 0) {
				fprintf(stderr, rc == -1 ? "labhit run: bad "
				    "--var '%s': expected NAME=VALUE\n" :
				    "labhit run: out of memory\n", argv[i]);
				return -1;
			}
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "labhit run: unknown option or missing "
			    "value: '%s'\n", argv[i]);
			return -1;
		} else if (o->file == NULL)
			o->file = argv[i];
		else {
			fprintf(stderr, "labhit run: one pipeline file at a "
			    "time\n");
			return -1;
		}
	}
	if (o->file == NULL)
		return -1;
	return 0;
}

/* ---- output ---- */

static void
run_clock(const struct run_view *v, int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	(void)v;
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%H:%M:%S", &tm) == 0)
		snprintf(buf, len, "--:--:--");
}

static const char *
run_color(const struct run_view *v, const char *c)
{
	return v->color ? c : "";
}

static void
run_print_log(const struct run_view *v, const struct lh_sched_event *ev,
    const char *clock)
{
	const char *mark = "|", *col = "";

	if (ev->stream == LH_STREAM_STDERR) {
		mark = "!";
		col = run_color(v, C_YELLOW);
	} else if (ev->stream == LH_STREAM_SYSTEM) {
		mark = "*";
		col = run_color(v, C_DIM);
	}
	printf("%s%s%s   %s%-*s%s %s%s %.*s%s\n", run_color(v, C_DIM), clock,
	    run_color(v, C_RESET), run_color(v, C_CYAN), v->width, ev->stage,
	    run_color(v, C_RESET), col, mark, (int)ev->len, ev->line,
	    run_color(v, C_RESET));
}

static void
run_print_done(const struct run_view *v, const struct lh_sched_event *ev,
    const char *clock)
{
	const char *col = ev->status == LH_SCHED_SUCCESS ? C_GREEN :
	    ev->status == LH_SCHED_FAILED ? C_RED : C_YELLOW;
	const char *sym = ev->status == LH_SCHED_SUCCESS ? "ok" : "xx";
	double secs = ev->result != NULL ? ev->result->duration_ms / 1000.0 :
	    0.0;
	const char *nl;
	size_t i;

	printf("%s%s%s %s%s%s %s%-*s%s %s%s%s in %.2fs", run_color(v, C_DIM),
	    clock, run_color(v, C_RESET), run_color(v, col), sym,
	    run_color(v, C_RESET), run_color(v, C_CYAN), v->width, ev->stage,
	    run_color(v, C_RESET), run_color(v, col),
	    sched_status_word(ev->status), run_color(v, C_RESET), secs);
	if (ev->attempt > 1)
		printf(" (attempt %d)", ev->attempt);
	if (ev->status != LH_SCHED_SUCCESS && ev->reason != NULL)
		printf(": %s", ev->reason);
	printf("\n");
	for (i = 0; i < ev->noutputs; i++) {
		nl = strchr(ev->outputs[i].value, '\n');
		printf("%*s   %-*s = %s=%.*s%s\n", (int)strlen(clock), "",
		    v->width, ev->stage, ev->outputs[i].key, nl == NULL ?
		    (int)strlen(ev->outputs[i].value) :
		    (int)(nl - ev->outputs[i].value), ev->outputs[i].value,
		    nl == NULL ? "" : " ...");
	}
}

static void
run_print(const struct run_view *v, const struct lh_sched_event *ev)
{
	char clock[16];
	const char *col;

	run_clock(v, ev->ts_ms, clock, sizeof(clock));
	switch (ev->type) {
	case LH_SCHED_EV_STAGE_STARTED:
		printf("%s%s%s %s>>%s %s%-*s%s started\n", run_color(v, C_DIM),
		    clock, run_color(v, C_RESET), run_color(v, C_BOLD),
		    run_color(v, C_RESET), run_color(v, C_CYAN), v->width,
		    ev->stage, run_color(v, C_RESET));
		break;
	case LH_SCHED_EV_STAGE_LOG:
		run_print_log(v, ev, clock);
		break;
	case LH_SCHED_EV_STAGE_COMPLETED:
		run_print_done(v, ev, clock);
		break;
	case LH_SCHED_EV_STAGE_SKIPPED:
		printf("%s%s%s -- %s%-*s%s %s%s%s: %s\n", run_color(v, C_DIM),
		    clock, run_color(v, C_RESET), run_color(v, C_CYAN),
		    v->width, ev->stage, run_color(v, C_RESET),
		    run_color(v, C_YELLOW), sched_status_word(ev->status),
		    run_color(v, C_RESET), ev->reason != NULL ? ev->reason : "");
		break;
	case LH_SCHED_EV_PIPELINE_COMPLETED:
		col = ev->status == LH_SCHED_SUCCESS ? C_GREEN : C_RED;
		printf("%spipeline %s: %s%s%s in %.2fs (%zu succeeded, %zu "
		    "failed, %zu skipped, %zu cancelled)\n",
		    run_color(v, C_BOLD), v->pipeline, run_color(v, col),
		    sched_pipeline_word(ev->status), run_color(v, C_RESET),
		    ev->duration_ms / 1000.0, ev->nsucceeded, ev->nfailed,
		    ev->nskipped, ev->ncancelled);
		break;
	}
}

static void
run_on_event(const struct lh_sched_event *ev, void *arg)
{
	struct run_view *v = arg;
	struct json_object *o;

	if (v->json) {
		if ((o = sched_event_json(ev)) != NULL) {
			printf("%s\n", json_object_to_json_string_ext(o,
			    JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(o);
		}
	} else
		run_print(v, ev);
	fflush(stdout);
	if (ev->type == LH_SCHED_EV_PIPELINE_COMPLETED)
		event_base_loopexit(v->base, NULL);
}

static void
run_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct run_view *v = arg;

	fprintf(stderr, "labhit run: signal %d: cancelling the run\n",
	    (int)sig);
	sched_cancel(v->sched);
}

/* ---- set-up ---- */

static void
run_fill_config(struct lh_sched_config *sc, const struct lh_config *cfg,
    const char *workspace)
{
	long ncpu;

	memset(sc, 0, sizeof(*sc));
	sc->workspace = workspace;
	sc->mode = LH_STAGE_BWRAP;
	sc->auto_approve = 1;	/* the person at the terminal approves */
	if (cfg != NULL) {
		if (cfg->sandbox != NULL &&
		    stage_mode_parse(cfg->sandbox, &sc->mode) == -1)
			sc->mode = LH_STAGE_BWRAP;
		sc->images_dir = cfg->images_dir != NULL &&
		    cfg->images_dir[0] != '\0' ? cfg->images_dir : NULL;
		sc->stage_user = cfg->stage_user != NULL &&
		    cfg->stage_user[0] != '\0' ? cfg->stage_user : NULL;
		sc->log_limit = cfg->stage_log_limit;
		sc->output_limit = cfg->stage_output_limit;
		sc->kill_grace_ms = cfg->stage_kill_grace_ms;
		sc->default_timeout_ms = cfg->default_stage_timeout_ms;
		sc->max_procs = cfg->stage_max_processes > 0 ?
		    (uint32_t)cfg->stage_max_processes : 0;
		sc->slots = cfg->runner_slots;
	}
	if (sc->slots <= 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		sc->slots = ncpu > 0 ? (int)ncpu : 2;
	}
}

/* Declared manual inputs with a default fill variables not given. */
static int
run_input_defaults(const struct lh_pipeline *pl, struct lh_pl_kvlist *vars)
{
	const struct lh_pl_input *in;
	size_t i;

	for (i = 0; i < pl->triggers.ninputs; i++) {
		in = &pl->triggers.inputs[i];
		if (in->default_value == NULL ||
		    pl_kvlist_get(vars, in->name) != NULL)
			continue;
		if (pl_kvlist_add(vars, in->name, in->default_value) == -1)
			return -1;
	}
	return 0;
}

static char *
run_workspace(const char *given)
{
	const char *tmp = getenv("TMPDIR");
	struct stat sb;
	char *dir;

	if (given != NULL) {
		if (stat(given, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "labhit run: workspace %s is not a "
			    "directory\n", given);
			return NULL;
		}
		return realpath(given, NULL);
	}
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	/* the pid in the name lets a later run remove what a killed one
	 * left */
	rmtree_ended(tmp, RUN_WORKSPACE_PREFIX);
	if (asprintf(&dir, "%s/" RUN_WORKSPACE_PREFIX "%ld-XXXXXX", tmp,
	    (long)getpid()) == -1)
		return NULL;
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "labhit run: mkdtemp %s: %s\n", dir,
		    strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

/* A temporary workspace is ours: removed unless asked to keep it. */
static void
run_workspace_done(const struct run_opts *o, const char *workspace)
{
	if (o->workspace != NULL)
		return;
	if (o->keep_workspace)
		fprintf(stderr, "labhit run: workspace kept in %s\n",
		    workspace);
	else if (rmtree(workspace) == -1)
		fprintf(stderr, "labhit run: cannot remove the workspace %s: "
		    "%s\n", workspace, strerror(errno));
}

/*
 * As root, stages run as the stage user, so the workspace must be theirs
 * to write: a temporary one is made theirs; a given one is never chowned
 * (it may be the user's project, or /), it is checked instead.
 */
static int
run_workspace_access(const struct lh_sched_config *sc, const char *given,
    const char *workspace)
{
	struct lh_stage_spec	spec;
	const char		*who = sc->stage_user != NULL ?
				    sc->stage_user : "nobody";
	uid_t			uid;
	gid_t			gid;
	char			err[256];

	if (geteuid() != 0)
		return 0;
	memset(&spec, 0, sizeof(spec));
	spec.user = sc->stage_user;
	if (stage_resolve_user(&spec, &uid, &gid, err, sizeof(err)) == -1) {
		fprintf(stderr, "labhit run: %s\n", err);
		return -1;
	}
	if (given == NULL && chown(workspace, uid, gid) == -1) {
		fprintf(stderr, "labhit run: chown %s: %s\n", workspace,
		    strerror(errno));
		return -1;
	}
	if (stage_user_can_write(workspace, uid, gid) == 1)
		return 0;
	fprintf(stderr, "labhit run: stages run as %s (uid %u) when labhit "
	    "run is root, and %s cannot write to the workspace %s: %s\n",
	    who, (unsigned)uid, who, workspace,
	    given != NULL ? "run labhit run as the directory's owner, give "
	    "another --workspace, or set stage_user in labhit.conf" :
	    "a directory above it is closed to that user (TMPDIR?); give "
	    "--workspace or another TMPDIR");
	return -1;
}

static int
run_width(const struct lh_pipeline *pl)
{
	size_t i, w = 5;

	for (i = 0; i < pl->nstages; i++)
		if (strlen(pl->stages[i].name) > w)
			w = strlen(pl->stages[i].name);
	return (int)w;
}

static int
run_execute(const struct lh_pipeline *pl, const struct run_opts *o,
    const struct lh_config *cfg, const char *workspace)
{
	struct lh_sched_config sc;
	struct lh_cgroup_tree cgroups;
	struct lh_expr_inputs in;
	struct run_view v;
	struct event *sigint = NULL, *sigterm = NULL;
	char id[LH_UUID_STRLEN + 1], short_sha[8], *cwd;
	const char *base, *sha = o->sha != NULL ? o->sha :
	    "0000000000000000000000000000000000000000";
	char ref[PATH_MAX];
	int rc = 1;

	memset(&v, 0, sizeof(v));
	v.json = o->json;
	v.color = !o->json && isatty(STDOUT_FILENO) &&
	    getenv("NO_COLOR") == NULL;
	v.width = run_width(pl);
	v.pipeline = pl->name;
	run_fill_config(&sc, cfg, workspace);
	sc.own_workspace = o->workspace == NULL;
	if (run_workspace_access(&sc, o->workspace, workspace) == -1)
		return 1;	/* nothing is set up yet */
	/* stage limits in cgroups of our own when we were given one */
	if (cgroup_tree_auto(&cgroups, geteuid(), getegid()) == 0)
		sc.cgroups = &cgroups;
	if (!o->json && cgroups.why[0] != '\0')
		fprintf(stderr, "labhit run: note: %s%s\n", cgroups.why,
		    cgroups.usable ? "" : "; stages are limited by rlimits");
	memset(&in, 0, sizeof(in));
	in.vars = o->vars.v;
	in.nvars = o->vars.n;
	if (uuid_v7(id) == -1)
		snprintf(id, sizeof(id), "local-%ld", (long)getpid());
	snprintf(short_sha, sizeof(short_sha), "%.7s", sha);
	snprintf(ref, sizeof(ref), "refs/heads/%s",
	    o->branch != NULL ? o->branch : "local");
	cwd = getcwd(NULL, 0);
	base = cwd != NULL && strrchr(cwd, '/') != NULL ?
	    strrchr(cwd, '/') + 1 : "local";
	in.run[LH_RUN_ID] = id;
	in.run[LH_RUN_SHA] = sha;
	in.run[LH_RUN_SHA_SHORT] = short_sha;
	in.run[LH_RUN_REF] = ref;
	in.run[LH_RUN_BRANCH] = o->branch != NULL ? o->branch : "local";
	in.run[LH_RUN_REPOSITORY] = base[0] != '\0' ? base : "local";
	in.run[LH_RUN_TRIGGER] = "manual";
	if ((v.base = event_base_new()) == NULL ||
	    (v.sched = sched_new(v.base, pl, &sc, &in, run_on_event,
	    &v)) == NULL) {
		fprintf(stderr, "labhit run: cannot set up the event loop\n");
		goto out;
	}
	free(cwd);
	cwd = NULL;
	if ((sigint = evsignal_new(v.base, SIGINT, run_on_signal, &v)) ==
	    NULL || (sigterm = evsignal_new(v.base, SIGTERM, run_on_signal,
	    &v)) == NULL || evsignal_add(sigint, NULL) == -1 ||
	    evsignal_add(sigterm, NULL) == -1) {
		fprintf(stderr, "labhit run: cannot watch signals\n");
		goto out;
	}
	if (!o->json)
		printf("%srun %s: pipeline %s, %zu stage%s, %d slot%s, "
		    "workspace %s%s\n", run_color(&v, C_BOLD), id, pl->name,
		    pl->nstages, pl->nstages == 1 ? "" : "s", sc.slots,
		    sc.slots == 1 ? "" : "s", workspace, run_color(&v, C_RESET));
	fflush(stdout);
	if (sched_start(v.sched) == -1 || event_base_dispatch(v.base) == -1) {
		fprintf(stderr, "labhit run: event loop failed\n");
		goto out;
	}
	rc = sched_finished(v.sched) &&
	    sched_result(v.sched) == LH_SCHED_SUCCESS ? 0 : 1;
out:
	free(cwd);
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	sched_free(v.sched);
	if (v.base != NULL)
		event_base_free(v.base);
	return rc;
}

const char *
run_config_path(int argc, char **argv)
{
	int	i;

	for (i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0)
			return argv[i + 1];
	return NULL;
}

int
run_cli_main(int argc, char **argv, const struct lh_config *cfg)
{
	struct run_opts o;
	struct lh_pl_errors errs;
	struct lh_pipeline *pl = NULL;
	char *workspace = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	if ((rc = run_parse_args(argc, argv, &o)) != 0) {
		if (rc == -1)
			run_usage(stderr);
		pl_kvlist_free(&o.vars);
		return rc == 1 ? 0 : 64;
	}
	pl_errors_init(&errs, pl_display_name(o.file));
	if ((pl = pl_load_file(o.file, &errs)) == NULL) {
		if (errs.n == 0)
			fprintf(stderr, "%s: out of memory\n", o.file);
		pl_errors_print(&errs, stderr);
		rc = 1;
		goto out;
	}
	if (run_input_defaults(pl, &o.vars) == -1 ||
	    (workspace = run_workspace(o.workspace)) == NULL) {
		rc = 1;
		goto out;
	}
	rc = run_execute(pl, &o, cfg, workspace);
	run_workspace_done(&o, workspace);
out:
	free(workspace);
	pl_free(pl);
	pl_errors_free(&errs);
	pl_kvlist_free(&o.vars);
	return rc;
}
