/*
 * check_run.c: integration tests of `labhit validate` and `labhit run` on
 * the fixture pipelines in tests/data/pipeline: diamond parallelism proven
 * by timestamps, failure -> Skipped, retry counts, timeout, outputs
 * downstream, injection printed literally, exit codes. Runs the real
 * $LABHIT_BIN when it has these commands, else calls the command functions
 * in a forked child.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <pty.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "tests/lib/testlib.h"

struct result {
	int	 rc;
	char	*out;
	char	*err;
};

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	ck_assert_ptr_nonnull(fp);
	do {
		if (n + 65536 + 1 > cap) {
			cap = cap == 0 ? 1 << 20 : cap * 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		r = fread(buf + n, 1, cap - n - 1, fp);
		n += r;
	} while (r > 0);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Runs `labhit ARGS...` with output captured, standard input from the
 * file in (NULL: /dev/null). */
static struct result
labhit_stdin(const char *in, const char *first, ...)
{
	struct result r;
	char *argv[32], *dir, out[4096], err[4096];
	const char *a;
	va_list ap;
	int n = 0, fo, fe, fi, status;
	pid_t pid;

	argv[n++] = (char *)(uintptr_t)tl_bin();
	argv[n++] = (char *)(uintptr_t)first;
	va_start(ap, first);
	while ((a = va_arg(ap, const char *)) != NULL && n < 31)
		argv[n++] = (char *)(uintptr_t)a;
	va_end(ap);
	argv[n] = NULL;
	dir = tl_tempdir();
	ck_assert_ptr_nonnull(dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	fo = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fe = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fi = open(in != NULL ? in : "/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fo, -1);
	ck_assert_int_ne(fe, -1);
	ck_assert_int_ne(fi, -1);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		if (dup2(fi, 0) == -1 || dup2(fo, 1) == -1 ||
		    dup2(fe, 2) == -1)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fi);
	close(fo);
	close(fe);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	r.rc = WEXITSTATUS(status);
	r.out = slurp(out);
	r.err = slurp(err);
	tl_rmtree(dir);
	free(dir);
	return r;
}

/* `labhit ARGS...`, NULL-terminated, standard input /dev/null */
#define labhit(...)	labhit_stdin(NULL, __VA_ARGS__)

static void
result_free(struct result *r)
{
	free(r->out);
	free(r->err);
}

/* JSON lines -> array. */
static struct json_object *
events(const char *out)
{
	struct json_object *a = json_object_new_array(), *o;
	const char *p = out, *nl;
	char *line;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		line = strndup(p, (size_t)(nl - p));
		o = json_tokener_parse(line);
		ck_assert_msg(o != NULL, "not JSON: %s", line);
		json_object_array_add(a, o);
		free(line);
		p = *nl == '\0' ? nl : nl + 1;
	}
	return a;
}

static const char *
str(struct json_object *e, const char *key)
{
	struct json_object *v;

	if (e == NULL || !json_object_object_get_ex(e, key, &v))
		return "(missing)";
	return json_object_get_string(v);
}

static int64_t
num(struct json_object *e, const char *key)
{
	struct json_object *v;

	ck_assert_msg(json_object_object_get_ex(e, key, &v), "no %s", key);
	return json_object_get_int64(v);
}

static struct json_object *
find(struct json_object *evs, const char *type, const char *stage)
{
	struct json_object *e;
	size_t i;

	for (i = 0; i < json_object_array_length(evs); i++) {
		e = json_object_array_get_idx(evs, i);
		if (strcmp(str(e, "type"), type) == 0 && (stage == NULL ||
		    strcmp(str(e, "stage"), stage) == 0))
			return e;
	}
	ck_abort_msg("no %s for %s", type, stage != NULL ? stage : "-");
	return NULL;
}

static int
count_logs(struct json_object *evs, const char *stage, const char *line)
{
	struct json_object *e;
	size_t i;
	int n = 0;

	for (i = 0; i < json_object_array_length(evs); i++) {
		e = json_object_array_get_idx(evs, i);
		if (strcmp(str(e, "type"), "stage_log") == 0 &&
		    strcmp(str(e, "stage"), stage) == 0 &&
		    strcmp(str(e, "line"), line) == 0)
			n++;
	}
	return n;
}

static const char *
fixture(const char *name)
{
	static char buf[8][4096];
	static int k;
	char rel[256];

	snprintf(rel, sizeof(rel), "tests/data/pipeline/%s", name);
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s", tl_srcpath(rel));
	return buf[k];
}

/* A directory given with --workspace: as root, stages run as nobody, and
 * labhit run never chowns what it is given. */
static char *
given_workspace(void)
{
	char *ws = tl_tempdir();

	ck_assert_ptr_nonnull(ws);
	ck_assert_int_eq(chmod(ws, 0777), 0);
	return ws;
}

START_TEST(test_validate_ok)
{
	struct result r = labhit("validate", fixture("example.yaml"), NULL);

	ck_assert_int_eq(r.rc, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "ok: pipeline 'ship-it': 6 stages, "
	    "7 edges, 5 levels"));
	ck_assert_ptr_nonnull(strstr(r.out, "level 1: lint, test"));
	ck_assert_str_eq(r.err, "");
	result_free(&r);
}
END_TEST

START_TEST(test_validate_errors)
{
	struct result r = labhit("validate", fixture("example.yaml"),
	    fixture("bad_graph.yaml"), fixture("bad_yaml.yaml"), NULL);

	ck_assert_int_eq(r.rc, 1);
	/* the valid file is still summarised, every error is printed */
	ck_assert_ptr_nonnull(strstr(r.out, "ok: pipeline 'ship-it'"));
	ck_assert_ptr_nonnull(strstr(r.err, "bad_graph.yaml:5:3: dependency "
	    "cycle: a -> c -> b -> a"));
	ck_assert_ptr_nonnull(strstr(r.err, "bad_graph.yaml:23:25: stage 'f': "
	    "bad expression"));
	ck_assert_ptr_nonnull(strstr(r.err, "bad_yaml.yaml:7:1: YAML syntax "
	    "error"));
	result_free(&r);
	r = labhit("validate", NULL);
	ck_assert_int_eq(r.rc, 64);
	result_free(&r);
	r = labhit("validate", "--bogus", fixture("example.yaml"), NULL);
	ck_assert_int_eq(r.rc, 64);
	result_free(&r);
}
END_TEST

/* "-" is standard input, named <stdin> in messages, for validate and run */
START_TEST(test_stdin)
{
	struct result r = labhit_stdin(fixture("bad_graph.yaml"), "validate",
	    "-", NULL);

	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "<stdin>:5:3: dependency cycle: a -> c -> "
	    "b -> a") != NULL, "%s", r.err);
	result_free(&r);
	r = labhit_stdin(fixture("example.yaml"), "validate", "-", NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "<stdin>: ok: pipeline 'ship-it'"));
	result_free(&r);
	r = labhit_stdin(fixture("run_fail.yaml"), "run", "-", NULL);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_ptr_nonnull(strstr(r.out, "pipeline failing: FAILED"));
	result_free(&r);
	/* through a pipe, more than the limit */
	r = labhit_stdin("/dev/zero", "validate", "-", NULL);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "<stdin>:1:1: file too large (more than "
	    "1048576 bytes)") != NULL, "%s", r.err);
	result_free(&r);
	/* nothing there */
	r = labhit("validate", "-", NULL);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "<stdin>:1:1: empty file"));
	result_free(&r);
}
END_TEST

START_TEST(test_validate_json)
{
	struct result r = labhit("validate", "--json", fixture("example.yaml"),
	    NULL);
	struct json_object *o, *stages, *v;

	ck_assert_int_eq(r.rc, 0);
	o = json_tokener_parse(r.out);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "valid", &v));
	ck_assert_int_eq(json_object_get_boolean(v), 1);
	ck_assert(json_object_object_get_ex(o, "stages", &stages));
	ck_assert_uint_eq(json_object_array_length(stages), 6);
	json_object_put(o);
	result_free(&r);
	r = labhit("validate", "--json", fixture("bad_graph.yaml"), NULL);
	ck_assert_int_eq(r.rc, 1);
	o = json_tokener_parse(r.out);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "errors", &v));
	ck_assert_uint_eq(json_object_array_length(v), 5);
	json_object_put(o);
	result_free(&r);
}
END_TEST

START_TEST(test_run_diamond)
{
	struct result r = labhit("run", fixture("run_diamond.yaml"), "--json",
	    NULL);
	struct json_object *evs, *bs, *cs, *bc, *cc, *ds, *p;

	ck_assert_msg(r.rc == 0, "rc %d\n%s\n%s", r.rc, r.out, r.err);
	evs = events(r.out);
	bs = find(evs, "stage_started", "b");
	cs = find(evs, "stage_started", "c");
	bc = find(evs, "stage_completed", "b");
	cc = find(evs, "stage_completed", "c");
	ds = find(evs, "stage_started", "d");
	/* b and c overlapped in time: each started before the other ended */
	ck_assert_int_lt(num(bs, "timestamp_ms"), num(cc, "timestamp_ms"));
	ck_assert_int_lt(num(cs, "timestamp_ms"), num(bc, "timestamp_ms"));
	/* (proved by the order of events, not by a duration that a busy
	 * machine could stretch) */
	p = find(evs, "pipeline_completed", NULL);
	ck_assert_str_eq(str(p, "status"), "SUCCESS");
	ck_assert_int_ge(num(ds, "timestamp_ms"), num(bc, "timestamp_ms"));
	ck_assert_int_ge(num(ds, "timestamp_ms"), num(cc, "timestamp_ms"));
	ck_assert_int_eq(count_logs(evs, "d", "d after b and c"), 1);
	ck_assert_str_eq(str(bs, "status"), "Running");
	ck_assert_str_eq(str(bc, "status"), "Success");
	json_object_put(evs);
	result_free(&r);
}
END_TEST

START_TEST(test_run_failure)
{
	struct result r = labhit("run", fixture("run_fail.yaml"), "--json",
	    NULL);
	struct json_object *evs, *e;

	ck_assert_int_eq(r.rc, 1);
	evs = events(r.out);
	e = find(evs, "stage_completed", "build");
	ck_assert_str_eq(str(e, "status"), "Failed");
	ck_assert_int_eq(num(e, "exit_code"), 2);
	ck_assert_int_eq(count_logs(evs, "build", "error: broken"), 1);
	e = find(evs, "stage_skipped", "test");
	ck_assert_str_eq(str(e, "status"), "Skipped");
	ck_assert_str_eq(str(e, "reason"), "dependency 'build' failed");
	e = find(evs, "stage_skipped", "deploy");
	ck_assert_str_eq(str(e, "reason"), "dependency 'test' was skipped");
	ck_assert_str_eq(str(find(evs, "stage_completed", "lint"), "status"),
	    "Success");
	ck_assert_str_eq(str(find(evs, "pipeline_completed", NULL), "status"),
	    "FAILED");
	json_object_put(evs);
	result_free(&r);
}
END_TEST

START_TEST(test_run_retry)
{
	char *ws = given_workspace(), path[4096];
	struct result r = labhit("run", fixture("run_retry.yaml"), "--json",
	    "--workspace", ws, NULL);
	struct json_object *evs, *e;
	char *count;

	ck_assert_msg(r.rc == 0, "rc %d\n%s\n%s", r.rc, r.out, r.err);
	evs = events(r.out);
	e = find(evs, "stage_completed", "flaky");
	ck_assert_str_eq(str(e, "status"), "Success");
	ck_assert_int_eq(num(e, "attempts"), 3);
	ck_assert_int_eq(count_logs(evs, "flaky", "attempt 1"), 1);
	ck_assert_int_eq(count_logs(evs, "flaky", "attempt 2"), 1);
	ck_assert_int_eq(count_logs(evs, "flaky", "attempt 3"), 1);
	snprintf(path, sizeof(path), "%s/count", ws);
	count = slurp(path);
	ck_assert_str_eq(count, "3\n");
	free(count);
	json_object_put(evs);
	result_free(&r);
	tl_rmtree(ws);
	free(ws);
}
END_TEST

START_TEST(test_run_timeout)
{
	struct result r = labhit("run", fixture("run_timeout.yaml"), "--json",
	    NULL);
	struct json_object *evs, *e, *res, *v;

	ck_assert_int_eq(r.rc, 1);
	evs = events(r.out);
	e = find(evs, "stage_completed", "slow");
	ck_assert_str_eq(str(e, "status"), "Failed");
	ck_assert(json_object_object_get_ex(e, "resources", &res));
	ck_assert(json_object_object_get_ex(res, "timed_out", &v));
	ck_assert_int_eq(json_object_get_boolean(v), 1);
	/* SIGTERM is ignored: SIGKILL after the grace period ends it */
	ck_assert_int_lt(num(e, "duration_ms"), 15000);
	ck_assert_str_eq(str(find(evs, "stage_skipped", "after-slow"),
	    "reason"), "dependency 'slow' failed");
	json_object_put(evs);
	result_free(&r);
}
END_TEST

START_TEST(test_run_outputs)
{
	struct result r = labhit("run", fixture("run_outputs.yaml"), "--json",
	    NULL);
	struct json_object *evs, *e, *outs, *v;

	ck_assert_msg(r.rc == 0, "rc %d\n%s\n%s", r.rc, r.out, r.err);
	evs = events(r.out);
	e = find(evs, "stage_completed", "produce");
	ck_assert(json_object_object_get_ex(e, "outputs", &outs));
	ck_assert(json_object_object_get_ex(outs, "version", &v));
	ck_assert_str_eq(json_object_get_string(v), "1.2.3");
	ck_assert(json_object_object_get_ex(outs, "notes", &v));
	ck_assert_str_eq(json_object_get_string(v), "line one\nline two");
	ck_assert_int_eq(count_logs(evs, "consume", "version is 1.2.3"), 1);
	ck_assert_int_eq(count_logs(evs, "consume", "2"), 1);
	ck_assert_int_eq(count_logs(evs, "gated", "gated ran"), 1);
	json_object_put(evs);
	result_free(&r);
}
END_TEST

START_TEST(test_run_injection)
{
	const char *x = "$(touch /workspace/pwned)";
	char *ws = given_workspace(), path[4096], line[256];
	struct result r = labhit("run", fixture("run_inject.yaml"), "--json",
	    "--workspace", ws, "--var", "x=$(touch /workspace/pwned)",
	    "--branch", "$(touch /workspace/pwned_branch)", NULL);
	struct json_object *evs;

	ck_assert_msg(r.rc == 0, "rc %d\n%s\n%s", r.rc, r.out, r.err);
	evs = events(r.out);
	ck_assert_int_eq(count_logs(evs, "echo", x), 2);
	ck_assert_int_eq(count_logs(evs, "echo",
	    "branch=$(touch /workspace/pwned_branch)"), 1);
	snprintf(line, sizeof(line), "env=%s", x);
	ck_assert_int_eq(count_logs(evs, "env", line), 1);
	snprintf(path, sizeof(path), "%s/pwned", ws);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/pwned_branch", ws);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(access("/tmp/pwned", F_OK), -1);
	json_object_put(evs);
	result_free(&r);
	tl_rmtree(ws);
	free(ws);
}
END_TEST

START_TEST(test_run_human)
{
	struct result r = labhit("run", fixture("run_fail.yaml"), NULL);

	ck_assert_int_eq(r.rc, 1);
	ck_assert_ptr_nonnull(strstr(r.out, "build"));
	ck_assert_ptr_nonnull(strstr(r.out, "! error: broken"));
	ck_assert_ptr_nonnull(strstr(r.out, "Skipped: dependency 'build' "
	    "failed"));
	ck_assert_ptr_nonnull(strstr(r.out, "pipeline failing: FAILED"));
	/* not a TTY: no colour escapes */
	ck_assert_ptr_null(strchr(r.out, '\033'));
	result_free(&r);
}
END_TEST

/* labhit-run-* dirs in dir */
static int
count_workspaces(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, "labhit-run-", 11) == 0;
	closedir(d);
	return n;
}

/* A temporary workspace goes when the run ends, whatever its stages left
 * in it, unless --keep-workspace keeps it. */
START_TEST(test_run_temp_workspace)
{
	char *tmp = tl_tempdir(), *result, path[4096];
	const char *kept;
	struct result r;

	/* as root, stages run as another user, who must reach the dir */
	ck_assert_int_eq(chmod(tmp, 0755), 0);
	ck_assert_int_eq(setenv("TMPDIR", tmp, 1), 0);
	r = labhit("run", fixture("run_workspace.yaml"), NULL);
	ck_assert_msg(r.rc == 0, "rc %d\n%s\n%s", r.rc, r.out, r.err);
	snprintf(path, sizeof(path), "workspace %s/labhit-run-", tmp);
	ck_assert_msg(strstr(r.out, path) != NULL, "%s", r.out);
	ck_assert_int_eq(count_workspaces(tmp), 0);
	result_free(&r);

	r = labhit("run", fixture("run_workspace.yaml"), "--keep-workspace",
	    "--json", NULL);
	ck_assert_msg(r.rc == 0, "rc %d\n%s\n%s", r.rc, r.out, r.err);
	kept = strstr(r.err, "workspace kept in ");
	ck_assert_msg(kept != NULL, "%s", r.err);
	ck_assert_int_eq(sscanf(kept, "workspace kept in %4000s", path), 1);
	strcat(path, "/result");
	result = slurp(path);
	ck_assert_str_eq(result, "kept\n");
	free(result);
	ck_assert_int_eq(count_workspaces(tmp), 1);
	result_free(&r);
	ck_assert_int_eq(unsetenv("TMPDIR"), 0);
	tl_rmtree(tmp);
	free(tmp);
}
END_TEST

/* labhit run never chowns a directory it is given (it may be someone's
 * project, or /): as root it refuses, before any stage, a workspace the
 * stage user cannot write to. */
/* A run removes the temporary workspaces that killed runs left, and only
 * those: the pid in the name says whose it is. */
START_TEST(test_run_sweeps_ended_workspaces)
{
	char *tmp = tl_tempdir(), dead[4096], alive[4096], odd[4096];
	struct result r;
	struct stat sb;

	ck_assert_int_eq(chmod(tmp, 0755), 0);
	/* beyond any pid_max: ended */
	snprintf(dead, sizeof(dead), "%s/labhit-run-2000000000-AbCdEf", tmp);
	snprintf(alive, sizeof(alive), "%s/labhit-run-%ld-AbCdEf", tmp,
	    (long)getpid());
	snprintf(odd, sizeof(odd), "%s/labhit-run-notapid", tmp);
	ck_assert_int_eq(mkdir(dead, 0700), 0);
	free(tl_write_file(dead, "left", "x\n"));
	ck_assert_int_eq(mkdir(alive, 0700), 0);
	ck_assert_int_eq(mkdir(odd, 0700), 0);
	ck_assert_int_eq(setenv("TMPDIR", tmp, 1), 0);
	r = labhit("run", fixture("run_retry.yaml"), NULL);
	ck_assert_int_eq(unsetenv("TMPDIR"), 0);
	ck_assert_msg(r.rc == 0, "rc %d\n%s", r.rc, r.err);
	ck_assert_int_eq(stat(dead, &sb), -1);
	ck_assert_int_eq(stat(alive, &sb), 0);
	ck_assert_int_eq(stat(odd, &sb), 0);
	ck_assert_int_eq(count_workspaces(tmp), 2);	/* its own went too */
	result_free(&r);
	tl_rmtree(tmp);
	free(tmp);
}
END_TEST

START_TEST(test_run_given_workspace_not_chowned)
{
	char *ws = tl_tempdir();
	struct result r;
	struct stat sb;

	ck_assert_int_eq(chmod(ws, 0700), 0);
	r = labhit("run", fixture("run_retry.yaml"), "--workspace", ws, NULL);
	ck_assert_int_eq(stat(ws, &sb), 0);
	ck_assert_uint_eq(sb.st_uid, geteuid());
	ck_assert_uint_eq(sb.st_mode & 07777, 0700);
	if (geteuid() == 0) {
		ck_assert_int_eq(r.rc, 1);
		ck_assert_msg(strstr(r.err, "cannot write to the workspace") !=
		    NULL, "%s", r.err);
		ck_assert_str_eq(r.out, "");
	} else	/* stages run as we do: our own dir is theirs */
		ck_assert_msg(r.rc == 0, "rc %d\n%s", r.rc, r.err);
	result_free(&r);
	tl_rmtree(ws);
	free(ws);
}
END_TEST

/* `labhit run FILE` with its stdout on a terminal; what it printed. */
static char *
run_on_tty(const char *file, int no_color)
{
	char buf[1 << 16];
	size_t n = 0;
	ssize_t k;
	int master, slave, status;
	pid_t pid;

	ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (no_color ? setenv("NO_COLOR", "1", 1) :
		    unsetenv("NO_COLOR"))
			_exit(126);
		if (null == -1 || dup2(slave, 1) == -1 || dup2(null, 2) == -1)
			_exit(126);
		close(master);
		execl(tl_bin(), tl_bin(), "run", file, (char *)NULL);
		_exit(127);
	}
	close(slave);
	/* EIO once the last writer has closed the terminal */
	while (n < sizeof(buf) - 1 &&
	    (k = read(master, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = '\0';
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(master);
	return strdup(buf);
}

/* Colours on a terminal unless NO_COLOR; never into a file (see
 * test_run_human). */
START_TEST(test_run_colour_on_tty)
{
	char *out = run_on_tty(fixture("run_fail.yaml"), 0);

	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strstr(out, "\033[31m") != NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "pipeline failing"));
	free(out);
	out = run_on_tty(fixture("run_fail.yaml"), 1);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strchr(out, '\033') == NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "pipeline failing"));
	free(out);
}
END_TEST

START_TEST(test_run_bad_input)
{
	struct result r = labhit("run", fixture("bad_graph.yaml"), NULL);

	ck_assert_int_eq(r.rc, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "dependency cycle"));
	ck_assert_str_eq(r.out, "");
	result_free(&r);
	r = labhit("run", NULL);
	ck_assert_int_eq(r.rc, 64);
	result_free(&r);
	r = labhit("run", fixture("run_fail.yaml"), "--var", "no-equals",
	    NULL);
	ck_assert_int_eq(r.rc, 64);
	result_free(&r);
	r = labhit("run", fixture("run_fail.yaml"), "--workspace",
	    "/nonexistent/dir", NULL);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "not a directory"));
	result_free(&r);
}
END_TEST

/* -c names the labhit.conf whose sandbox and stage_* settings apply. */
START_TEST(test_run_config)
{
	struct result	 r;
	char		*dir, *pl, *conf, *bad;

	ck_assert_ptr_nonnull(dir = tl_tempdir());
	pl = tl_write_file(dir, "p.yaml", "engine: \"1\"\npipeline:\n"
	    "  name: conf\nstages:\n  one:\n    run: echo ran\n");
	conf = tl_write_file(dir, "labhit.conf", "sandbox = none\n");
	bad = tl_write_file(dir, "bad.conf", "stage_max_processes = 3\n");
	r = labhit("run", pl, "-c", conf, NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_msg(strstr(r.out, "no sandbox") != NULL, "%s", r.out);
	ck_assert_msg(strstr(r.out, "ran") != NULL, "%s", r.out);
	result_free(&r);
	/* without it, the default sandbox */
	r = labhit("run", pl, NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_msg(strstr(r.out, "no sandbox") == NULL, "%s", r.out);
	result_free(&r);
	/* a named file must exist and be valid */
	r = labhit("run", pl, "--config", "/nonexistent/labhit.conf", NULL);
	ck_assert_int_eq(r.rc, 78);
	ck_assert_msg(strstr(r.err, "/nonexistent/labhit.conf") != NULL, "%s",
	    r.err);
	result_free(&r);
	r = labhit("run", pl, "-c", bad, NULL);
	ck_assert_int_eq(r.rc, 78);
	ck_assert_msg(strstr(r.err, "stage_max_processes") != NULL, "%s",
	    r.err);
	result_free(&r);
	r = labhit("run", pl, "-c", NULL);
	ck_assert_int_eq(r.rc, 64);
	result_free(&r);
	free(pl);
	free(conf);
	free(bad);
	tl_rmtree(dir);
	free(dir);
}
END_TEST

static int
bool_at(struct json_object *e, const char *obj, const char *key)
{
	struct json_object *o, *v;

	ck_assert_msg(json_object_object_get_ex(e, obj, &o), "no %s", obj);
	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_get_boolean(v);
}

START_TEST(test_run_hostile)
{
	char *dir = tl_tempdir(), secret[4096], var[4200], pwned[4200];
	struct json_object *evs, *e, *v;
	struct result r;
	FILE *fp;
	size_t i;

	snprintf(secret, sizeof(secret), "%s/labhit.conf", dir);
	fp = fopen(secret, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("jwt_secret = TOPSECRET-1234\n", fp);
	fclose(fp);
	snprintf(var, sizeof(var), "secret_file=%s", secret);
	/* small log cap so the flood is truncated quickly */
	setenv("LABHIT_STAGE_LOG_LIMIT", "65536", 1);
	r = labhit("run", fixture("run_hostile.yaml"), "--json", "--var", var,
	    NULL);
	unsetenv("LABHIT_STAGE_LOG_LIMIT");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_ptr_null(strstr(r.out, "TOPSECRET"));
	evs = events(r.out);
	e = find(evs, "stage_completed", "memory-hog");
	ck_assert_str_eq(str(e, "status"), "Failed");
	e = find(evs, "stage_completed", "flood");
	ck_assert_str_eq(str(e, "status"), "Success");
	ck_assert(json_object_object_get_ex(e, "log_truncated", &v));
	ck_assert_int_eq(json_object_get_boolean(v), 1);
	ck_assert_str_eq(str(find(evs, "stage_completed", "read-host"),
	    "status"), "Failed");
	ck_assert_str_eq(str(find(evs, "stage_completed", "write-outside"),
	    "status"), "Failed");
	e = find(evs, "stage_completed", "sleeper");
	ck_assert_str_eq(str(e, "status"), "Failed");
	ck_assert_int_eq(bool_at(e, "resources", "timed_out"), 1);
	ck_assert_int_eq(bool_at(e, "resources", "hit_process_limit"), 0);
	e = find(evs, "stage_completed", "survivor");
	ck_assert_str_eq(str(e, "status"), "Success");
	ck_assert_int_eq(bool_at(e, "resources", "killed_for_memory"), 0);
	e = find(evs, "pipeline_completed", NULL);
	ck_assert_str_eq(str(e, "status"), "FAILED");
	ck_assert_int_eq(num(e, "failed"), 4);
	ck_assert_int_eq(access("/usr/labhit-pwned", F_OK), -1);
	ck_assert_int_eq(access("/labhit-pwned", F_OK), -1);
	snprintf(pwned, sizeof(pwned), "%s.pwned", secret);
	ck_assert_int_eq(access(pwned, F_OK), -1);
	for (i = 0; i < json_object_array_length(evs); i++)
		ck_assert_int_lt(num(json_object_array_get_idx(evs, i), "seq"),
		    100000);
	json_object_put(evs);
	result_free(&r);
	tl_rmtree(dir);
	free(dir);
}
END_TEST

static Suite *
run_suite(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("validate");

	tcase_add_test(tc, test_validate_ok);
	tcase_add_test(tc, test_validate_errors);
	tcase_add_test(tc, test_validate_json);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_stdin);
	tcase_add_test(tc, test_run_diamond);
	tcase_add_test(tc, test_run_failure);
	tcase_add_test(tc, test_run_retry);
	tcase_add_test(tc, test_run_timeout);
	tcase_add_test(tc, test_run_outputs);
	tcase_add_test(tc, test_run_injection);
	tcase_add_test(tc, test_run_human);
	tcase_add_test(tc, test_run_colour_on_tty);
	tcase_add_test(tc, test_run_temp_workspace);
	tcase_add_test(tc, test_run_sweeps_ended_workspaces);
	tcase_add_test(tc, test_run_given_workspace_not_chowned);
	tcase_add_test(tc, test_run_bad_input);
	tcase_add_test(tc, test_run_config);
	tcase_add_test(tc, test_run_hostile);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(run_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
