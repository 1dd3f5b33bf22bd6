/*
 * rmtree.c: removing a tree a stage wrote, whatever it did to it: modes
 * taken away, symbolic links pointing out, nesting deeper than any fd
 * limit. Works on directory fds throughout, so no path grows with depth.
 */
#define _GNU_SOURCE	/* renameat2, RENAME_NOREPLACE */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/rmtree.h"

/* Directories open at once below the top; deeper ones are moved up (and
 * so are shallower ones when the process runs out of fds). */
#define RM_MAX_DEPTH	32

struct rm_ctx {
	int		 topfd;
	dev_t		 dev;
	int		 err;		/* errno of the first failure */
	unsigned	 moved;		/* directories moved up this pass */
	unsigned long	 seq;
};

static void
rm_fail(struct rm_ctx *c)
{
	if (c->err == 0)
		c->err = errno != 0 ? errno : EIO;
}

/* The caller owns what a stage made; give the owner its rights back. */
static void
rm_grant(int fd, const struct stat *sb)
{
	if ((sb->st_mode & S_IRWXU) != S_IRWXU)
		(void)fchmod(fd, (sb->st_mode & 07777) | S_IRWXU);
}

static int
rm_open_dir(int dfd, const char *name)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(dfd, name, flags);

	if (fd == -1 && errno == EACCES &&
	    fchmodat(dfd, name, S_IRWXU, 0) == 0)
		fd = openat(dfd, name, flags);
	return fd;
}

/* Moves a directory too deep to open up to the top, for a later pass. */
static void
rm_move_up(struct rm_ctx *c, int dfd, const char *name)
{
	char tmp[48];

	for (;;) {
		snprintf(tmp, sizeof(tmp), ".rmtree-%lu", c->seq++);
		if (renameat2(dfd, name, c->topfd, tmp,
		    RENAME_NOREPLACE) == 0) {
			c->moved++;
			return;
		}
		if (errno != EEXIST) {
			rm_fail(c);
			return;
		}
	}
}

static void rm_contents(struct rm_ctx *, int, int);

static void
rm_dir(struct rm_ctx *c, int dfd, const char *name, int depth)
{
	struct stat sb;
	int fd;

	if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return;			/* was empty */
	if (depth >= RM_MAX_DEPTH) {
		rm_move_up(c, dfd, name);
		return;
	}
	if ((fd = rm_open_dir(dfd, name)) == -1) {
		if ((errno == EMFILE || errno == ENFILE) && depth > 1)
			rm_move_up(c, dfd, name);	/* fds run short */
		else
			rm_fail(c);
		return;
	}
	if (fstat(fd, &sb) == -1)
		goto fail;
	if (sb.st_dev != c->dev) {	/* a mount point: left alone */
		errno = EXDEV;
		goto fail;
	}
	rm_grant(fd, &sb);
	rm_contents(c, fd, depth + 1);	/* closes fd */
	if (unlinkat(dfd, name, AT_REMOVEDIR) == -1 && errno != ENOENT)
		rm_fail(c);	/* after one inside: ENOTEMPTY, not kept */
	return;
fail:
	rm_fail(c);
	close(fd);
}

static void
rm_entry(struct rm_ctx *c, int dfd, const char *name, unsigned char type,
    int depth)
{
	struct stat sb;

	if (type == DT_UNKNOWN) {
		if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno != ENOENT)
				rm_fail(c);
			return;
		}
		type = S_ISDIR(sb.st_mode) ? DT_DIR : DT_REG;
	}
	if (type == DT_DIR)
		rm_dir(c, dfd, name, depth);
	else if (unlinkat(dfd, name, 0) == -1 && errno != ENOENT)
		rm_fail(c);
}

/* Removes what is in the directory open on fd, then closes fd. */
static void
rm_contents(struct rm_ctx *c, int fd, int depth)
{
	struct dirent *de;
	DIR *d;

	if ((d = fdopendir(fd)) == NULL) {
		rm_fail(c);
		close(fd);
		return;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		rm_entry(c, dirfd(d), de->d_name, de->d_type, depth);
	}
	if (errno != 0)
		rm_fail(c);
	closedir(d);
}

int
rmtree(const char *path)
{
	struct rm_ctx c;
	struct stat sb;
	int fd;

	memset(&c, 0, sizeof(c));
	if (lstat(path, &sb) == -1)
		return -1;
	if (!S_ISDIR(sb.st_mode))
		return unlink(path);
	if ((fd = rm_open_dir(AT_FDCWD, path)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1) {
		close(fd);
		return -1;
	}
	rm_grant(fd, &sb);
	c.dev = sb.st_dev;
	c.topfd = fd;
	/* each pass removes the top levels and moves what is deeper up, so
	 * every pass that moves something leaves less nesting behind */
	do {
		int pass;

		c.moved = 0;
		if ((pass = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1) {
			rm_fail(&c);
			break;
		}
		/* a dup shares fd's offset: read the directory from its
		 * start */
		if (lseek(pass, 0, SEEK_SET) == -1) {
			rm_fail(&c);
			close(pass);
			break;
		}
		rm_contents(&c, pass, 1);
	} while (c.moved > 0);
	close(fd);
	if (c.err == 0 && rmdir(path) == -1)
		rm_fail(&c);
	if (c.err != 0) {
		errno = c.err;
		return -1;
	}
	return 0;
}

void
rmtree_ended(const char *base, const char *prefix)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[PATH_MAX], *end;
	size_t		 plen = strlen(prefix);
	long		 pid;

	if ((d = opendir(base)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		errno = 0;
		pid = strtol(de->d_name + plen, &end, 10);
		if (errno != 0 || end == de->d_name + plen || *end != '-' ||
		    pid <= 0 || pid > INT_MAX ||
		    (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", base, de->d_name) <
		    (int)sizeof(path))
			(void)rmtree(path);
	}
	closedir(d);
}
