/*
 * testlib_cgroup.c: puts a test process alone in a cgroup v2 dir, as
 * systemd's Delegate=yes would, so suites can set labhit's stage cgroups
 * up for real; and takes it away again.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/cgroup.h"
#include "tests/lib/testlib.h"

int
tl_cgroup_required(void)
{
	const char	*v = getenv("LABHIT_TEST_CGROUP");

	return v != NULL && strcmp(v, "required") == 0;
}

static int
tl_cg_join(const char *dir)
{
	char	path[PATH_MAX];
	int	fd, ok;

	if ((size_t)snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >=
	    sizeof(path) || (fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	ok = write(fd, "0", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

int
tl_cgroup_own(char *dir, size_t len, char *why, size_t whylen)
{
	char	here[PATH_MAX], err[256];

	if (cgroup_locate("/proc/self/mountinfo", "/proc/self/cgroup", here,
	    sizeof(here), err, sizeof(err)) == -1) {
		(void)snprintf(why, whylen, "%s", err);
		return -1;
	}
	/* the VM harness started us alone in a delegated cgroup */
	if (tl_cgroup_required()) {
		(void)snprintf(dir, len, "%s", here);
		return 0;
	}
	if ((size_t)snprintf(dir, len, "%s/labhit-test-%ld", here,
	    (long)getpid()) >= len) {
		(void)snprintf(why, whylen, "cgroup path too long");
		return -1;
	}
	if (mkdir(dir, 0755) == -1) {
		(void)snprintf(why, whylen, "cannot make cgroup %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (tl_cg_join(dir) == -1) {
		(void)snprintf(why, whylen, "cannot join cgroup %s: %s", dir,
		    strerror(errno));
		(void)rmdir(dir);
		return -1;
	}
	return 0;
}

/* Children first; cgroup dirs hold only undeletable files. */
static void
tl_cg_rmdirs(const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	char		 sub[PATH_MAX];
	int		 i;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
			    (size_t)snprintf(sub, sizeof(sub), "%s/%s", dir,
			    de->d_name) >= sizeof(sub))
				continue;
			tl_cg_rmdirs(sub);
		}
		closedir(d);
	}
	/* killed processes take a moment to leave */
	for (i = 0; i < 100 && rmdir(dir) == -1 && errno == EBUSY; i++)
		usleep(10000);
}

void
tl_cgroup_release(const char *dir)
{
	char	parent[PATH_MAX], kill_path[PATH_MAX], *slash;
	int	fd;

	if (tl_cgroup_required() || dir == NULL || dir[0] == '\0')
		return;
	(void)snprintf(parent, sizeof(parent), "%s", dir);
	if ((slash = strrchr(parent, '/')) == NULL)
		return;
	*slash = '\0';
	(void)tl_cg_join(parent);
	(void)snprintf(kill_path, sizeof(kill_path), "%s/cgroup.kill", dir);
	if ((fd = open(kill_path, O_WRONLY | O_CLOEXEC)) != -1) {
		(void)!write(fd, "1", 1);
		close(fd);
	}
	tl_cg_rmdirs(dir);
}
