/*
 * check_rmtree.c: removing what a stage left (src/shared/rmtree.c): modes
 * taken away, symbolic links pointing out, nesting deeper than the fd
 * limit. The mode tests run as an unprivileged user, where root's
 * CAP_DAC_OVERRIDE would hide the problem.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/rmtree.h"
#include "tests/lib/testlib.h"

#define NOBODY	65534

static int
exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

static void
put(const char *dir, const char *name)
{
	char *p = tl_write_file(dir, name, "x\n");

	ck_assert_ptr_nonnull(p);
	free(p);
}

#define PATH_BUF	4096

/* dir/name into buf (PATH_BUF bytes) */
static char *
join(char *buf, const char *dir, const char *name)
{
	int n = snprintf(buf, PATH_BUF, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_BUF)
		abort();
	return buf;
}

/* dir/name for a moment: one of a few static buffers */
static char *
sub(const char *dir, const char *name)
{
	static char	bufs[4][PATH_BUF];
	static int	next;

	return join(bufs[next++ % 4], dir, name);
}

/*
 * Runs fn(dir) in a child, as nobody when we are root, and returns its
 * exit status: the child owns dir, as a stage user owns its workspace.
 */
static int
as_owner(int (*fn)(const char *), const char *dir)
{
	pid_t pid;
	int status;

	if (geteuid() == 0)
		ck_assert_int_eq(chown(dir, NOBODY, NOBODY), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		if (geteuid() == 0 && (setgroups(0, NULL) == -1 ||
		    setgid(NOBODY) == -1 || setuid(NOBODY) == -1))
			_exit(100);
		_exit(fn(dir));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(test_plain_tree)
{
	char *top = tl_tempdir(), root[PATH_BUF], a[PATH_BUF], b[PATH_BUF];
	char outside[PATH_BUF];

	join(root, top, "tree");
	join(a, root, "a");
	join(b, a, "b");
	join(outside, top, "outside");
	ck_assert_int_eq(mkdir(root, 0755), 0);
	ck_assert_int_eq(mkdir(a, 0755), 0);
	ck_assert_int_eq(mkdir(b, 0755), 0);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	put(outside, "keep");
	put(root, "f");
	put(b, "g");
	ck_assert_int_eq(mkdir(sub(root, "empty"), 0755), 0);
	ck_assert_int_eq(symlink(outside, sub(a, "out")), 0);
	ck_assert_int_eq(mkfifo(sub(b, "fifo"), 0600), 0);

	ck_assert_int_eq(rmtree(root), 0);
	ck_assert(!exists(root));
	/* the link went, not what it pointed at */
	ck_assert(exists(outside));
	ck_assert(exists(sub(outside, "keep")));
	tl_rmtree(top);
	free(top);
}
END_TEST

START_TEST(test_not_a_directory)
{
	char *top = tl_tempdir(), f[PATH_BUF], link[PATH_BUF];
	char dir[PATH_BUF];

	put(top, "file");
	join(f, top, "file");
	join(dir, top, "dir");
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	put(dir, "keep");
	join(link, top, "link");
	ck_assert_int_eq(symlink(dir, link), 0);
	ck_assert_int_eq(rmtree(link), 0);	/* the link only */
	ck_assert(!exists(link));
	ck_assert(exists(sub(dir, "keep")));
	ck_assert_int_eq(rmtree(f), 0);
	ck_assert(!exists(f));
	errno = 0;
	ck_assert_int_eq(rmtree(f), -1);
	ck_assert_int_eq(errno, ENOENT);
	tl_rmtree(top);
	free(top);
}
END_TEST

/* what a stage can do to its own files before it ends */
static int
modes_taken_away(const char *dir)
{
	char root[PATH_BUF], locked[PATH_BUF], readonly[PATH_BUF];
	char inner[PATH_BUF];

	join(root, dir, "tree");
	if (mkdir(root, 0700) == -1)
		return 101;
	join(locked, root, "locked");
	join(readonly, root, "readonly");
	join(inner, locked, "inner");
	if (mkdir(locked, 0700) == -1 || mkdir(readonly, 0700) == -1 ||
	    mkdir(inner, 0700) == -1)
		return 102;
	put(locked, "f");
	put(inner, "g");
	put(readonly, "h");
	if (chmod(sub(readonly, "h"), 0) == -1 || chmod(inner, 0) == -1 ||
	    chmod(locked, 0) == -1 || chmod(readonly, 0500) == -1 ||
	    chmod(root, 0500) == -1)
		return 103;
	/* the premise: plain removal fails here */
	if (rmdir(root) == 0 || unlink(sub(readonly, "h")) == 0)
		return 104;
	if (rmtree(root) == -1)
		return 105;
	return exists(root) ? 106 : 0;
}

START_TEST(test_modes_taken_away)
{
	char *top = tl_tempdir();

	ck_assert_int_eq(as_owner(modes_taken_away, top), 0);
	tl_rmtree(top);
	free(top);
}
END_TEST

/* nested far deeper than the open files allowed, plus names that clash
 * with the ones rmtree moves deep directories to */
static int deep_nesting(const char *, rlim_t);

static int
deep_nesting_1024(const char *dir)
{
	return deep_nesting(dir, 1024);
}

/* fewer fds than rmtree's depth of open directories */
static int
deep_nesting_16(const char *dir)
{
	return deep_nesting(dir, 16);
}

static int
deep_nesting(const char *dir, rlim_t max_files)
{
	struct rlimit rl = { max_files, max_files };
	char root[PATH_BUF], sentinel[PATH_BUF];
	int fd, next, i;

	join(root, dir, "deep");
	join(sentinel, dir, "sentinel");
	if (mkdir(sentinel, 0700) == -1 && errno != EEXIST)
		return 100;
	put(sentinel, "keep");
	if (mkdir(root, 0700) == -1 ||
	    (fd = open(root, O_RDONLY | O_DIRECTORY)) == -1)
		return 101;
	if (mkdirat(fd, ".rmtree-0", 0700) == -1 ||
	    mkdirat(fd, ".rmtree-1", 0700) == -1 ||
	    (next = openat(fd, ".rmtree-1", O_RDONLY | O_DIRECTORY)) == -1 ||
	    mkdirat(next, "x", 0700) == -1)
		return 102;
	close(next);
	for (i = 0; i < 3000; i++) {
		if (mkdirat(fd, "d", 0700) == -1 ||
		    (next = openat(fd, "d", O_RDONLY | O_DIRECTORY)) == -1)
			return 103;
		if (i % 500 == 0 && (mkdirat(next, "side", 0) == -1 ||
		    symlinkat(sentinel, next, "out") == -1))
			return 104;
		close(fd);
		fd = next;
	}
	if (close(openat(fd, "leaf", O_WRONLY | O_CREAT, 0600)) == -1 ||
	    fchmod(fd, 0) == -1)
		return 105;
	close(fd);
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 106;
	if (rmtree(root) == -1)
		return 107;
	if (!exists(sub(sentinel, "keep")))
		return 108;	/* a link was followed */
	return exists(root) ? 109 : 0;
}

START_TEST(test_deep_nesting)
{
	char *top = tl_tempdir();

	ck_assert_int_eq(as_owner(deep_nesting_1024, top), 0);
	ck_assert_int_eq(as_owner(deep_nesting_16, top), 0);
	tl_rmtree(top);
	free(top);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rmtree");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_plain_tree);
	tcase_add_test(tc, test_not_a_directory);
	tcase_add_test(tc, test_modes_taken_away);
	tcase_add_test(tc, test_deep_nesting);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
