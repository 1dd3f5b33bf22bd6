/*
 * check_sandbox.c: unit tests of the bwrap argv builder, image lookup and
 * the seccomp filter (loaded for real in a forked child).
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/sandbox.h"
#include "runner/stage.h"
#include "runner/stage_prep.h"
#include "tests/lib/testlib.h"

static char c0[] = "/bin/sh", c1[] = "-e", c2[] = "-c", c3[] = "echo hi";
static char *const cmd[] = { c0, c1, c2, c3, NULL };

/* Index of the first "a b" pair in argv (b NULL: just a), or -1. */
static int
find(const struct sbx_argv *a, const char *x, const char *y)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], x) == 0 &&
		    (y == NULL || (i + 1 < a->n && strcmp(a->v[i + 1], y) == 0)))
			return (int)i;
	return -1;
}

static int
find3(const struct sbx_argv *a, const char *x, const char *y, const char *z)
{
	size_t	i;

	for (i = 0; i + 2 < a->n; i++)
		if (strcmp(a->v[i], x) == 0 && strcmp(a->v[i + 1], y) == 0 &&
		    strcmp(a->v[i + 2], z) == 0)
			return (int)i;
	return -1;
}

START_TEST(test_host_argv)
{
	struct sbx_params	p = { "/ws", NULL, "/out", 0, 3, cmd };
	struct sbx_argv		a = { NULL, 0, 0 };
	char			err[256];
	int			dash, i;

	ck_assert_int_eq(sbx_build_argv(&p, &a, err, sizeof(err)), 0);
	ck_assert_str_eq(a.v[0], SBX_BWRAP_PATH);
	ck_assert_ptr_null(a.v[a.n]);
	ck_assert_int_ge(find(&a, "--unshare-net", NULL), 0);
	ck_assert_int_ge(find(&a, "--unshare-user", NULL), 0);
	ck_assert_int_ge(find(&a, "--unshare-pid", NULL), 0);
	ck_assert_int_ge(find(&a, "--die-with-parent", NULL), 0);
	ck_assert_int_ge(find3(&a, "--ro-bind", "/usr", "/usr"), 0);
	ck_assert_int_ge(find3(&a, "--bind", "/ws", "/workspace"), 0);
	ck_assert_int_ge(find3(&a, "--bind", "/out", "/run/labhit"), 0);
	ck_assert_int_ge(find(&a, "--tmpfs", "/tmp"), 0);
	ck_assert_int_ge(find(&a, "--seccomp", "3"), 0);
	ck_assert_int_ge(find(&a, "--remount-ro", "/"), 0);
	/* nothing of the host beyond the allow-list */
	ck_assert_int_lt(find3(&a, "--ro-bind", "/etc", "/etc"), 0);
	ck_assert_int_lt(find(&a, "/home", NULL), 0);
	ck_assert_int_lt(find(&a, "/root", NULL), 0);
	ck_assert_int_lt(find(&a, "/etc/resolv.conf", NULL), 0);
	/* the command comes last, after "--" */
	dash = find(&a, "--", NULL);
	ck_assert_int_ge(dash, 0);
	for (i = 0; cmd[i] != NULL; i++)
		ck_assert_str_eq(a.v[dash + 1 + i], cmd[i]);
	ck_assert_uint_eq(a.n, (size_t)dash + 1 + 4);
	sbx_argv_free(&a);

	p.network = 1;
	p.seccomp_fd = -1;
	ck_assert_int_eq(sbx_build_argv(&p, &a, err, sizeof(err)), 0);
	ck_assert_int_lt(find(&a, "--unshare-net", NULL), 0);
	ck_assert_int_lt(find(&a, "--seccomp", NULL), 0);
	ck_assert_int_ge(find3(&a, "--ro-bind-try", "/etc/resolv.conf",
	    "/etc/resolv.conf"), 0);
	sbx_argv_free(&a);
}
END_TEST

static void
mkpath(const char *dir, const char *rel)
{
	char	path[512];

	(void)snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

START_TEST(test_image)
{
	struct sbx_params	 p = { "/ws", NULL, "/out", 0, -1, cmd };
	struct sbx_argv		 a = { NULL, 0, 0 };
	char			 err[1024], path[1024], img[512], *dir;
	FILE			*f;

	ck_assert_ptr_nonnull(dir = tl_tempdir());
	ck_assert_int_eq(stage_image_path(dir, "debian:12", img,
	    sizeof(img)), 0);
	(void)snprintf(path, sizeof(path), "%s/debian_12", dir);
	ck_assert_str_eq(img, path);
	ck_assert_int_eq(stage_image_path(dir, "alpine", img, sizeof(img)), 0);
	ck_assert_int_eq(stage_image_path(dir, "../etc", img, sizeof(img)),
	    -1);
	ck_assert_int_eq(stage_image_path(dir, "a/b:1", img, sizeof(img)), -1);
	ck_assert_int_eq(stage_image_path(dir, "a:..", img, sizeof(img)), -1);
	ck_assert_int_eq(stage_image_path(dir, "", img, sizeof(img)), -1);
	ck_assert_int_eq(stage_image_path(dir, "x", img, 4), -1);

	/* missing: says where and how */
	ck_assert_int_eq(stage_image_path(dir, "debian:12", img,
	    sizeof(img)), 0);
	ck_assert_int_eq(sbx_check_image("debian:12", img, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "image debian:12 not found at"));
	ck_assert_ptr_nonnull(strstr(err, img));
	ck_assert_ptr_nonnull(strstr(err, "debootstrap"));
	/* present but no shell */
	mkpath(dir, "debian_12");
	mkpath(img, "usr");
	ck_assert_int_eq(sbx_check_image("debian:12", img, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no /bin/sh"));
	mkpath(img, "bin");
	mkpath(img, "proc");
	mkpath(img, "etc");
	(void)snprintf(path, sizeof(path), "%s/bin/sh", img);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	(void)snprintf(path, sizeof(path), "%s/lib", img);
	ck_assert_int_eq(symlink("usr/lib", path), 0);
	ck_assert_int_eq(sbx_check_image("debian:12", img, err,
	    sizeof(err)), 0);

	p.rootfs = img;
	ck_assert_int_eq(sbx_build_argv(&p, &a, err, sizeof(err)), 0);
	(void)snprintf(path, sizeof(path), "%s/etc", img);
	ck_assert_int_ge(find3(&a, "--ro-bind", path, "/etc"), 0);
	(void)snprintf(path, sizeof(path), "%s/usr", img);
	ck_assert_int_ge(find3(&a, "--ro-bind", path, "/usr"), 0);
	ck_assert_int_ge(find3(&a, "--symlink", "usr/lib", "/lib"), 0);
	(void)snprintf(path, sizeof(path), "%s/proc", img);
	ck_assert_int_lt(find(&a, path, NULL), 0);
	ck_assert_int_ge(find(&a, "--proc", "/proc"), 0);
	sbx_argv_free(&a);
	tl_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_mode_parse)
{
	enum lh_stage_mode	m = LH_STAGE_NONE;

	ck_assert_int_eq(stage_mode_parse("bwrap", &m), 0);
	ck_assert_int_eq(m, LH_STAGE_BWRAP);
	ck_assert_int_eq(stage_mode_parse("none", &m), 0);
	ck_assert_int_eq(m, LH_STAGE_NONE);
	ck_assert_int_eq(stage_mode_parse("docker", &m), -1);
	ck_assert_int_eq(stage_mode_parse(NULL, &m), -1);
}
END_TEST

/* Loads the filter into a child and tries denied and allowed calls. */
START_TEST(test_seccomp_filter)
{
	struct sock_fprog	 prog;
	const void		*bpf;
	size_t			 len;
	char			 err[256];
	pid_t			 pid, child;
	int			 status, p[2], avail = -1;

	ck_assert_int_eq(sbx_seccomp_program(&bpf, &len, err, sizeof(err)),
	    0);
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_eq(len % sizeof(struct sock_filter), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		prog.len = (unsigned short)(len / sizeof(struct sock_filter));
		prog.filter = (struct sock_filter *)(uintptr_t)bpf;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
			_exit(10);
		errno = 0;
		if (syscall(SYS_ptrace, 0, 0, 0, 0) != -1 || errno != EPERM)
			_exit(11);
		if (syscall(SYS_keyctl, 0, 0, 0, 0, 0) != -1 || errno != EPERM)
			_exit(12);
		if (syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, 0) != -1 ||
		    errno != EPERM)
			_exit(13);
		if (syscall(SYS_unshare, 0x10000000) != -1 || errno != EPERM)
			_exit(14);
		if (syscall(SYS_bpf, 0, 0, 0) != -1 || errno != EPERM)
			_exit(15);
		if (syscall(SYS_getpid) != getpid() || getppid() <= 0)
			_exit(16);
		/* rules with argument checks, and both ends of the
		 * syscall-number tree */
		if (syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0) !=
		    -1 || errno != EPERM)
			_exit(17);
		if ((child = fork()) == -1)
			_exit(18);
		if (child == 0)
			_exit(0);
		if (waitpid(child, &status, 0) != child)
			_exit(19);
		if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
			_exit(20);
		if (ioctl(0, TIOCSTI, "x") != -1 || errno != EPERM)
			_exit(21);
		if (pipe(p) == -1 || ioctl(p[0], FIONREAD, &avail) != 0 ||
		    avail != 0)
			_exit(22);
		if (syscall(SYS_io_uring_setup, 1, NULL) != -1 ||
		    errno != EPERM)
			_exit(23);
		if (syscall(SYS_finit_module, -1, "", 0) != -1 ||
		    errno != EPERM)
			_exit(24);
		if (syscall(SYS_read, -1, NULL, 0) != -1 || errno != EBADF)
			_exit(25);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(test_seccomp_fd)
{
	const void	*bpf;
	char		 err[256], buf[8192];
	size_t		 len;
	ssize_t		 n;
	int		 fd;

	ck_assert_int_eq(sbx_seccomp_program(&bpf, &len, err, sizeof(err)),
	    0);
	ck_assert_int_ge(fd = sbx_seccomp_fd(err, sizeof(err)), 0);
	n = read(fd, buf, sizeof(buf));
	ck_assert_int_eq(n, (ssize_t)len);
	ck_assert_int_eq(memcmp(buf, bpf, len), 0);
	close(fd);
}
END_TEST

static const char *
env_get(const struct sbx_argv *env, const char *name)
{
	size_t	i, n = strlen(name);

	for (i = 0; i < env->n; i++)
		if (strncmp(env->v[i], name, n) == 0 && env->v[i][n] == '=')
			return env->v[i] + n + 1;
	return NULL;
}

START_TEST(test_stage_env)
{
	static char		 e1[] = "FOO=bar=baz", e2[] = "PATH=/opt/bin";
	static char		 e3[] = "LABHIT_OUTPUT=/etc/passwd";
	static char		 e4[] = "1BAD=x", e5[] = "NOEQUALS";
	char *const		 good[] = { e1, e2, NULL };
	char *const		 bad[][2] = { { e3, NULL }, { e4, NULL },
	    { e5, NULL } };
	struct lh_stage_spec	 sp;
	struct sbx_argv		 env = { NULL, 0, 0 };
	char			 err[256];
	size_t			 i;

	ck_assert_int_eq(setenv("LABHIT_HOST_ONLY", "x", 1), 0);
	memset(&sp, 0, sizeof(sp));
	sp.env = good;
	ck_assert_int_eq(stage_build_env(&sp, "/workspace", "/run/x", &env,
	    err, sizeof(err)), 0);
	ck_assert_str_eq(env_get(&env, "HOME"), "/workspace");
	ck_assert_str_eq(env_get(&env, "LANG"), "C.UTF-8");
	ck_assert_str_eq(env_get(&env, "CI"), "true");
	ck_assert_str_eq(env_get(&env, "LABHIT_OUTPUT"), "/run/x");
	ck_assert_str_eq(env_get(&env, "FOO"), "bar=baz");
	ck_assert_str_eq(env_get(&env, "PATH"), "/opt/bin");	/* override */
	ck_assert_ptr_null(env_get(&env, "LABHIT_HOST_ONLY"));
	ck_assert_uint_eq(env.n, 6);
	ck_assert_ptr_null(env.v[env.n]);
	sbx_argv_free(&env);
	for (i = 0; i < 3; i++) {
		sp.env = bad[i];
		ck_assert_int_eq(stage_build_env(&sp, "/w", "/o", &env, err,
		    sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "invalid environment"));
		sbx_argv_free(&env);
	}
}
END_TEST

START_TEST(test_stage_user)
{
	struct lh_stage_spec	sp;
	uid_t			uid;
	gid_t			gid;
	char			err[256];

	memset(&sp, 0, sizeof(sp));
	ck_assert_int_eq(stage_resolve_user(&sp, &uid, &gid, err,
	    sizeof(err)), 0);
	ck_assert_int_ne(uid, 0);
	sp.user = "";
	ck_assert_int_eq(stage_resolve_user(&sp, &uid, &gid, err,
	    sizeof(err)), 0);
	ck_assert_int_ne(uid, 0);
	sp.user = "root";
	ck_assert_int_eq(stage_resolve_user(&sp, &uid, &gid, err,
	    sizeof(err)), -1);
	sp.user = "no-such-user-labhit";
	ck_assert_int_eq(stage_resolve_user(&sp, &uid, &gid, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "does not exist"));
	sp.uid = 4242;
	ck_assert_int_eq(stage_resolve_user(&sp, &uid, &gid, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(uid, 4242);
	ck_assert_int_eq(gid, 4242);
}
END_TEST

START_TEST(test_workspace_chown)
{
	struct stat	 sb;
	char		 path[512], target[512], *dir, *outside;
	FILE		*f;

	if (geteuid() != 0)
		return;		/* chown needs root; nothing to check */
	ck_assert_ptr_nonnull(dir = tl_tempdir());
	ck_assert_ptr_nonnull(outside = tl_tempdir());
	mkpath(dir, "sub");
	(void)snprintf(path, sizeof(path), "%s/sub/file", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	/* a symlink to a host file must not hand that file over */
	(void)snprintf(target, sizeof(target), "%s/host-file", outside);
	ck_assert_ptr_nonnull(f = fopen(target, "w"));
	fclose(f);
	(void)snprintf(path, sizeof(path), "%s/link", dir);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(stage_workspace_chown(dir, 65534, 65534), 0);
	(void)snprintf(path, sizeof(path), "%s/sub/file", dir);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_uid, 65534);
	ck_assert_int_eq(stat(dir, &sb), 0);
	ck_assert_int_eq(sb.st_gid, 65534);
	(void)snprintf(path, sizeof(path), "%s/link", dir);
	ck_assert_int_eq(lstat(path, &sb), 0);
	ck_assert_int_eq(sb.st_uid, 65534);
	ck_assert_int_eq(stat(target, &sb), 0);
	ck_assert_int_eq(sb.st_uid, 0);
	tl_rmtree(dir);
	tl_rmtree(outside);
	free(dir);
	free(outside);
}
END_TEST

/* Writes text to path (created or truncated). */
static void
put_text(const char *path, const char *text)
{
	FILE	*f;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/* Scratch dirs: emptied and reused when left as made, removed when the
 * stage changed anything about them, never reused when told not to. */
START_TEST(test_scratch_reuse)
{
	struct lh_stage_spec	 sp;
	struct stat		 sb;
	char			 err[256], path[512], victim[512];
	char			*base, *a, *b, *c;
	int			 drop = geteuid() == 0;

	ck_assert_ptr_nonnull(base = tl_tempdir());
	memset(&sp, 0, sizeof(sp));
	sp.state_dir = base;
	ck_assert_ptr_nonnull(a = stage_scratch_get(&sp, drop, 65534, 65534,
	    err, sizeof(err)));
	ck_assert_int_eq(strncmp(a, base, strlen(base)), 0);
	ck_assert_int_eq(stat(a, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0700);
	(void)snprintf(path, sizeof(path), "%s/output", a);
	put_text(path, "secret=1\n");
	/* left as made: emptied at once, and the next stage gets it */
	stage_scratch_put(strdup(a), drop, 65534, 65534, 1);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, 0);
	ck_assert_ptr_nonnull(b = stage_scratch_get(&sp, drop, 65534, 65534,
	    err, sizeof(err)));
	ck_assert_str_eq(b, a);
	/* another owner does not get it */
	stage_scratch_put(b, drop, 65534, 65534, 1);
	if (drop) {
		ck_assert_ptr_nonnull(c = stage_scratch_get(&sp, drop, 4242,
		    4242, err, sizeof(err)));
		ck_assert_str_ne(c, a);
		ck_assert_int_eq(stat(c, &sb), 0);
		ck_assert_int_eq(sb.st_uid, 4242);
		stage_scratch_put(c, drop, 4242, 4242, 0);
	}
	/* an extra file: removed, not reused */
	ck_assert_ptr_nonnull(b = stage_scratch_get(&sp, drop, 65534, 65534,
	    err, sizeof(err)));
	ck_assert_str_eq(b, a);
	(void)snprintf(path, sizeof(path), "%s/extra", b);
	put_text(path, "x");
	stage_scratch_put(b, drop, 65534, 65534, 1);
	ck_assert_int_eq(stat(a, &sb), -1);
	/* output swapped for a symlink: removed, its target untouched */
	(void)snprintf(victim, sizeof(victim), "%s/victim", base);
	put_text(victim, "keep me\n");
	ck_assert_ptr_nonnull(b = stage_scratch_get(&sp, drop, 65534, 65534,
	    err, sizeof(err)));
	ck_assert_str_ne(b, a);
	(void)snprintf(path, sizeof(path), "%s/output", b);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(symlink(victim, path), 0);
	free(a);
	ck_assert_ptr_nonnull(a = strdup(b));
	stage_scratch_put(b, drop, 65534, 65534, 1);
	ck_assert_int_eq(lstat(a, &sb), -1);
	ck_assert_int_eq(stat(victim, &sb), 0);
	ck_assert_int_eq(sb.st_size, 8);
	/* a dir opened up to others: removed */
	ck_assert_ptr_nonnull(b = stage_scratch_get(&sp, drop, 65534, 65534,
	    err, sizeof(err)));
	free(a);
	ck_assert_ptr_nonnull(a = strdup(b));
	ck_assert_int_eq(chmod(b, 0755), 0);
	stage_scratch_put(b, drop, 65534, 65534, 1);
	ck_assert_int_eq(stat(a, &sb), -1);
	/* reuse not allowed (processes may be left): removed */
	ck_assert_ptr_nonnull(b = stage_scratch_get(&sp, drop, 65534, 65534,
	    err, sizeof(err)));
	free(a);
	ck_assert_ptr_nonnull(a = strdup(b));
	stage_scratch_put(b, drop, 65534, 65534, 0);
	ck_assert_int_eq(stat(a, &sb), -1);
	/* kept ones go with stage_scratch_flush */
	ck_assert_ptr_nonnull(b = stage_scratch_get(&sp, drop, 65534, 65534,
	    err, sizeof(err)));
	free(a);
	ck_assert_ptr_nonnull(a = strdup(b));
	stage_scratch_put(b, drop, 65534, 65534, 1);
	ck_assert_int_eq(stat(a, &sb), 0);
	stage_scratch_flush();
	ck_assert_int_eq(stat(a, &sb), -1);
	ck_assert_int_eq(unlink(victim), 0);
	ck_assert_int_eq(rmdir(base), 0);	/* nothing else left behind */
	free(a);
	free(base);
}
END_TEST

/* The kept dirs of a process that is gone are swept by the next one;
 * those of a live process (or not named like a scratch dir) are not. */
START_TEST(test_scratch_sweep)
{
	struct lh_stage_spec	 sp;
	struct stat		 sb;
	char			 err[256], dead[512], live[512], other[512];
	char			 path[600], *base, *a;
	pid_t			 pid;

	ck_assert_ptr_nonnull(base = tl_tempdir());
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	(void)snprintf(dead, sizeof(dead), "%s/labhit-stage-%d-AbCdEf", base,
	    (int)pid);
	(void)snprintf(live, sizeof(live), "%s/labhit-stage-%d-AbCdEf", base,
	    (int)getppid());
	(void)snprintf(other, sizeof(other), "%s/labhit-stage-x-AbCdEf",
	    base);
	ck_assert_int_eq(mkdir(dead, 0700), 0);
	ck_assert_int_eq(mkdir(live, 0700), 0);
	ck_assert_int_eq(mkdir(other, 0700), 0);
	(void)snprintf(path, sizeof(path), "%s/output", dead);
	put_text(path, "k=v\n");
	memset(&sp, 0, sizeof(sp));
	sp.state_dir = base;
	ck_assert_ptr_nonnull(a = stage_scratch_get(&sp, 0, 0, 0, err,
	    sizeof(err)));
	ck_assert_int_eq(lstat(dead, &sb), -1);
	ck_assert_int_eq(lstat(live, &sb), 0);
	ck_assert_int_eq(lstat(other, &sb), 0);
	stage_scratch_put(a, 0, 0, 0, 0);
	ck_assert_int_eq(rmdir(live), 0);
	ck_assert_int_eq(rmdir(other), 0);
	ck_assert_int_eq(rmdir(base), 0);
	free(base);
}
END_TEST

static Suite *
sandbox_suite(void)
{
	Suite	*s = suite_create("sandbox");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_host_argv);
	tcase_add_test(tc, test_image);
	tcase_add_test(tc, test_mode_parse);
	tcase_add_test(tc, test_seccomp_filter);
	tcase_add_test(tc, test_seccomp_fd);
	tcase_add_test(tc, test_stage_env);
	tcase_add_test(tc, test_stage_user);
	tcase_add_test(tc, test_workspace_chown);
	tcase_add_test(tc, test_scratch_reuse);
	tcase_add_test(tc, test_scratch_sweep);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(sandbox_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
