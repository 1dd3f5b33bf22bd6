/*
 * cgroup.c: the cgroup v2 subtree for stage limits (see cgroup.h). Set up
 * by the master or `labhit run` at start; stage cgroups are made and
 * removed by whichever process runs stages (a runner, `labhit run`).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shared/cgroup.h"
#include "shared/log.h"

#define CG_READ_MAX		8192
#define CG_CPU_PERIOD_US	100000
#define CG_CPU_PERIOD		"100000"
#define CG_DRAIN_WAIT_MS	500	/* for killed processes to leave */

static const struct {
	const char	*name;
	unsigned	 bit;
} cg_controllers[] = {
	{ "memory", LH_CG_MEMORY },
	{ "pids", LH_CG_PIDS },
	{ "cpu", LH_CG_CPU },
};
#define CG_NCONTROLLERS	\
	(sizeof(cg_controllers) / sizeof(cg_controllers[0]))

/* ---- small file helpers (relative to a cgroup dir fd) ---- */

static int
cg_write(int dirfd, const char *file, const char *text)
{
	size_t	len = strlen(text);
	ssize_t	n;
	int	fd, saved;

	if ((fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	n = write(fd, text, len);
	saved = errno;
	close(fd);
	errno = saved;
	if (n != (ssize_t)len) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* The whole file, NUL-terminated; -1 when it cannot be read. */
static int
cg_read(int dirfd, const char *file, char *buf, size_t len)
{
	size_t	have = 0;
	ssize_t	n;
	int	fd, saved;

	if ((fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (have + 1 < len) {
		n = read(fd, buf + have, len - 1 - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	saved = errno;
	close(fd);
	errno = saved;
	buf[have] = '\0';
	return 0;
}

/* The value of the "key N" line of a flat-keyed file; 0 if not there. */
static uint64_t
cg_key(const char *text, const char *key)
{
	size_t		 klen = strlen(key);
	const char	*p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
			return strtoull(p + klen + 1, NULL, 10);
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return 0;
}

static int
cg_read_key(int dirfd, const char *file, const char *key, uint64_t *v)
{
	char	buf[1024];

	if (cg_read(dirfd, file, buf, sizeof(buf)) == -1)
		return -1;
	*v = cg_key(buf, key);
	return 0;
}

static void
cg_sleep_ms(long ms)
{
	struct timespec	ts = { 0, ms * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- parsing /proc ---- */

unsigned
cgroup_parse_controllers(const char *text)
{
	const char	*p = text, *end;
	unsigned	 bits = 0;
	size_t		 i, len;

	for (;;) {
		p += strspn(p, " \t\n");
		if (*p == '\0')
			return bits;
		end = p + strcspn(p, " \t\n");
		len = (size_t)(end - p);
		for (i = 0; i < CG_NCONTROLLERS; i++)
			if (strlen(cg_controllers[i].name) == len &&
			    memcmp(cg_controllers[i].name, p, len) == 0)
				bits |= cg_controllers[i].bit;
		p = end;
	}
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void
cg_unescape(char *s)
{
	char	*w = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else
			*w++ = *s;
	}
	*w = '\0';
}

int
cgroup_parse_mountinfo(const char *text, char *mnt, size_t len)
{
	const char	*line = text, *nl, *sep;
	char		 buf[1024], root[512], point[512], fstype[64];
	size_t		 n;

	for (; line != NULL && *line != '\0'; line = nl != NULL ? nl + 1 :
	    NULL) {
		nl = strchr(line, '\n');
		n = nl != NULL ? (size_t)(nl - line) : strlen(line);
		if (n >= sizeof(buf))
			continue;
		memcpy(buf, line, n);
		buf[n] = '\0';
		/* ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS] - TYPE SRC OPTS */
		if ((sep = strstr(buf, " - ")) == NULL ||
		    sscanf(sep + 3, "%63s", fstype) != 1 ||
		    strcmp(fstype, "cgroup2") != 0 ||
		    sscanf(buf, "%*s %*s %*s %511s %511s", root, point) != 2)
			continue;
		cg_unescape(point);
		if (strcmp(root, "/") != 0 || strlen(point) >= len)
			continue;
		memcpy(mnt, point, strlen(point) + 1);
		return 0;
	}
	return -1;
}

int
cgroup_parse_self(const char *text, char *path, size_t len)
{
	const char	*p = text, *end;
	size_t		 n;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, "0::", 3) == 0) {
			p += 3;
			end = strchr(p, '\n');
			n = end != NULL ? (size_t)(end - p) : strlen(p);
			if (n == 0 || p[0] != '/' || n >= len)
				return -1;
			memcpy(path, p, n);
			path[n] = '\0';
			return 0;
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return -1;
}

static int
cg_read_path(const char *path, char *buf, size_t len)
{
	return cg_read(AT_FDCWD, path, buf, len);
}

int
cgroup_locate(const char *mountinfo, const char *cgroup, char *dir,
    size_t len, char *err, size_t errlen)
{
	char	text[CG_READ_MAX * 4], mnt[PATH_MAX], self[PATH_MAX];

	if (cg_read_path(mountinfo, text, sizeof(text)) == -1) {
		(void)snprintf(err, errlen, "%s: %s", mountinfo,
		    strerror(errno));
		return -1;
	}
	if (cgroup_parse_mountinfo(text, mnt, sizeof(mnt)) == -1) {
		(void)snprintf(err, errlen, "no cgroup v2 file system is "
		    "mounted");
		return -1;
	}
	if (cg_read_path(cgroup, text, sizeof(text)) == -1 ||
	    cgroup_parse_self(text, self, sizeof(self)) == -1) {
		(void)snprintf(err, errlen, "%s: no cgroup v2 entry", cgroup);
		return -1;
	}
	if ((size_t)snprintf(dir, len, "%s%s", mnt, strcmp(self, "/") == 0 ?
	    "" : self) >= len) {
		(void)snprintf(err, errlen, "cgroup path too long");
		return -1;
	}
	return 0;
}

/* ---- the tree ---- */

static void
cg_why(struct lh_cgroup_tree *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
cg_why(struct lh_cgroup_tree *t, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
}

/* 1 when every process listed in dir's cgroup.procs is us. */
static int
cg_alone_now(int dirfd)
{
	char		 buf[CG_READ_MAX];
	const char	*p;
	char		*end;
	long		 pid;

	if (cg_read(dirfd, "cgroup.procs", buf, sizeof(buf)) == -1)
		return 0;
	for (p = buf; *p != '\0'; p = end) {
		pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid != (long)getpid())
			return 0;
		end += strspn(end, "\n");
	}
	return 1;
}

/* The same, giving processes that just ended (a child reaped a moment
 * ago can still be listed) 50 ms to leave. */
static int
cg_alone(int dirfd)
{
	int	i;

	for (i = 0; i < 10; i++) {
		if (cg_alone_now(dirfd))
			return 1;
		cg_sleep_ms(5);
	}
	return 0;
}

/* Enables each controller of want that dirfd's cgroup offers; returns
 * what its subtree_control then holds. */
static unsigned
cg_enable(int dirfd, unsigned want)
{
	char	buf[512], op[32];
	size_t	i;

	if (cg_read(dirfd, "cgroup.controllers", buf, sizeof(buf)) == -1)
		return 0;
	want &= cgroup_parse_controllers(buf);
	for (i = 0; i < CG_NCONTROLLERS; i++) {
		if (!(want & cg_controllers[i].bit))
			continue;
		(void)snprintf(op, sizeof(op), "+%s", cg_controllers[i].name);
		if (cg_write(dirfd, "cgroup.subtree_control", op) == -1)
			log_debug("cgroup: cannot enable %s: %s",
			    cg_controllers[i].name, strerror(errno));
	}
	if (cg_read(dirfd, "cgroup.subtree_control", buf, sizeof(buf)) == -1)
		return 0;
	return cgroup_parse_controllers(buf);
}

/* Kills what is in a child cgroup and removes it; -1 if it stays. */
static int
cg_remove(int parentfd, const char *name)
{
	char	buf[128];
	int	fd, i;

	if ((fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return -1;
	for (i = 0; i < CG_DRAIN_WAIT_MS / 5; i++) {
		/* no cgroup.events: nothing to wait for (rmdir will say) */
		if (cg_read(fd, "cgroup.events", buf, sizeof(buf)) == -1 ||
		    cg_key(buf, "populated") == 0)
			break;
		if (i == 0)
			(void)cg_write(fd, "cgroup.kill", "1");
		cg_sleep_ms(5);
	}
	close(fd);
	return unlinkat(parentfd, name, AT_REMOVEDIR);
}

/* Removes the cgroups in stages whose names start with prefix (NULL:
 * all), killing what is left in them. */
static void
cg_sweep(int stagesfd, const char *prefix)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd;

	if ((fd = dup(stagesfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
		    (prefix != NULL && strncmp(de->d_name, prefix,
		    strlen(prefix)) != 0))
			continue;
		if (cg_remove(stagesfd, de->d_name) == 0)
			log_info("cgroup: removed %s, left behind by a process "
			    "that ended", de->d_name);
		else
			log_warn("cgroup: cannot remove leftover %s",
			    de->d_name);
	}
	closedir(d);
}

static void
cg_names(unsigned bits, char *buf, size_t len)
{
	size_t	i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < CG_NCONTROLLERS && n < len; i++)
		if (bits & cg_controllers[i].bit)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    n > 0 ? ", " : "", cg_controllers[i].name);
}

/* Makes dir/stages ours (or owner's) with the controllers of dir. */
static int
cg_make_stages(struct lh_cgroup_tree *t, int dirfd, const char *dir,
    unsigned enabled, uid_t owner, gid_t group)
{
	static const char *const owned[] = { "cgroup.procs",
	    "cgroup.subtree_control", "cgroup.threads", NULL };
	char	missing[64];
	int	sfd, i;

	if (mkdirat(dirfd, "stages", 0755) == -1 && errno != EEXIST) {
		cg_why(t, "cannot make %s/stages: %s", dir, strerror(errno));
		return -1;
	}
	if ((sfd = openat(dirfd, "stages", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		cg_why(t, "cannot open %s/stages: %s", dir, strerror(errno));
		return -1;
	}
	cg_sweep(sfd, NULL);
	t->controllers = cg_enable(sfd, enabled);
	if (owner != geteuid()) {
		if (fchown(sfd, owner, group) == -1) {
			cg_why(t, "cannot give %s/stages to uid %u: %s", dir,
			    (unsigned)owner, strerror(errno));
			close(sfd);
			return -1;
		}
		for (i = 0; owned[i] != NULL; i++)
			if (fchownat(sfd, owned[i], owner, group, 0) == -1 &&
			    errno != ENOENT)
				log_warn("cgroup: chown %s/stages/%s", dir,
				    owned[i]);
	}
	close(sfd);
	if ((size_t)snprintf(t->stages, sizeof(t->stages), "%s/stages", dir) >=
	    sizeof(t->stages)) {
		cg_why(t, "cgroup path too long");
		return -1;
	}
	cg_names(LH_CG_ALL & ~t->controllers, missing, sizeof(missing));
	if (missing[0] != '\0')
		cg_why(t, "no %s controller in %s: those limits use rlimits",
		    missing, dir);
	t->usable = 1;
	return 0;
}

int
cgroup_tree_setup(struct lh_cgroup_tree *t, const char *dir, uid_t owner,
    gid_t group)
{
	int	dirfd, rc = -1;

	memset(t, 0, sizeof(*t));
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		cg_why(t, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (faccessat(dirfd, "cgroup.events", F_OK, 0) == -1) {
		/* only the root cgroup lacks it */
		cg_why(t, "%s is the root cgroup, which labhit leaves alone "
		    "(give it a cgroup of its own: systemd Delegate=yes, or "
		    "systemd-run --scope -p Delegate=yes)", dir);
		goto out;
	}
	if (faccessat(dirfd, "cgroup.subtree_control", W_OK, AT_EACCESS) ==
	    -1 || faccessat(dirfd, "cgroup.procs", W_OK, AT_EACCESS) == -1 ||
	    faccessat(dirfd, ".", W_OK, AT_EACCESS) == -1) {
		cg_why(t, "cgroup %s is not delegated to labhit (%s); with "
		    "systemd use Delegate=yes, or systemd-run --scope -p "
		    "Delegate=yes", dir, strerror(errno));
		goto out;
	}
	if (!cg_alone(dirfd)) {
		cg_why(t, "cgroup %s holds other processes; labhit needs one "
		    "of its own (systemd: Delegate=yes, or systemd-run --scope "
		    "-p Delegate=yes)", dir);
		goto out;
	}
	if (mkdirat(dirfd, "supervisor", 0755) == -1 && errno != EEXIST) {
		cg_why(t, "cannot make %s/supervisor: %s", dir,
		    strerror(errno));
		goto out;
	}
	if (cg_write(dirfd, "supervisor/cgroup.procs", "0") == -1) {
		cg_why(t, "cannot move into %s/supervisor: %s", dir,
		    strerror(errno));
		goto out;
	}
	rc = cg_make_stages(t, dirfd, dir, cg_enable(dirfd, LH_CG_ALL), owner,
	    group);
 out:
	close(dirfd);
	return rc;
}

int
cgroup_tree_attach(struct lh_cgroup_tree *t, const char *stages)
{
	char	buf[512];
	int	fd;

	memset(t, 0, sizeof(*t));
	if ((fd = open(stages, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		cg_why(t, "%s: %s", stages, strerror(errno));
		return -1;
	}
	if (faccessat(fd, ".", W_OK, AT_EACCESS) == -1 ||
	    faccessat(fd, "cgroup.procs", W_OK, AT_EACCESS) == -1) {
		cg_why(t, "%s is not ours (%s)", stages, strerror(errno));
		close(fd);
		return -1;
	}
	if (cg_read(fd, "cgroup.subtree_control", buf, sizeof(buf)) == 0)
		t->controllers = cgroup_parse_controllers(buf);
	close(fd);
	if (strlen(stages) >= sizeof(t->stages)) {
		cg_why(t, "cgroup path too long");
		return -1;
	}
	memcpy(t->stages, stages, strlen(stages) + 1);
	t->usable = 1;
	return 0;
}

int
cgroup_tree_auto(struct lh_cgroup_tree *t, uid_t owner, gid_t group)
{
	char	dir[PATH_MAX], err[256], *slash;

	memset(t, 0, sizeof(*t));
	if (cgroup_locate("/proc/self/mountinfo", "/proc/self/cgroup", dir,
	    sizeof(dir), err, sizeof(err)) == -1) {
		cg_why(t, "%s", err);
		return -1;
	}
	/* a runner the master placed in stages/runner-N */
	if ((slash = strrchr(dir, '/')) != NULL &&
	    strncmp(slash + 1, "runner-", 7) == 0 && slash - dir >= 7 &&
	    strncmp(slash - 7, "/stages", 7) == 0) {
		*slash = '\0';
		return cgroup_tree_attach(t, dir);
	}
	return cgroup_tree_setup(t, dir, owner, group);
}

void
cgroup_tree_sweep(const struct lh_cgroup_tree *t, pid_t pid)
{
	char	prefix[32];
	int	sfd;

	if (!t->usable || (sfd = open(t->stages, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return;
	(void)snprintf(prefix, sizeof(prefix), "s%ld-", (long)pid);
	cg_sweep(sfd, prefix);
	close(sfd);
}

int
cgroup_tree_leaf(const struct lh_cgroup_tree *t, const char *name,
    char *procs, size_t len)
{
	char	dir[PATH_MAX];

	if (!t->usable || (size_t)snprintf(dir, sizeof(dir), "%s/%s",
	    t->stages, name) >= sizeof(dir) ||
	    (size_t)snprintf(procs, len, "%s/cgroup.procs", dir) >= len)
		return -1;
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		log_warn("cgroup: cannot make %s", dir);
		return -1;
	}
	return 0;
}

int
cgroup_join(const char *procs)
{
	int	fd, ok;

	if ((fd = open(procs, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	ok = write(fd, "0", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

/* ---- stage cgroups ---- */

/* Writes "N" (or "N SUFFIX") to a limit file. */
static int
cg_limit(int dirfd, const char *file, uint64_t v, const char *suffix)
{
	char	buf[64];

	(void)snprintf(buf, sizeof(buf), "%" PRIu64 "%s%s", v,
	    suffix != NULL ? " " : "", suffix != NULL ? suffix : "");
	if (cg_write(dirfd, file, buf) == -1) {
		log_warn("cgroup: cannot write %s to %s", buf, file);
		return -1;
	}
	return 0;
}

void
cgroup_stage_name(char *buf, size_t len)
{
	static unsigned	seq;

	(void)snprintf(buf, len, "s%ld-%u", (long)getpid(), ++seq);
}

int
cgroup_stage_create(const struct lh_cgroup_tree *t, const char *name,
    const struct lh_cgroup_limits *lim, struct lh_cgroup *cg, char *err,
    size_t errlen)
{
	int	sfd;

	memset(cg, 0, sizeof(*cg));
	cg->dirfd = -1;
	if (!t->usable) {
		(void)snprintf(err, errlen, "%s", t->why);
		return -1;
	}
	if ((size_t)snprintf(cg->path, sizeof(cg->path), "%s/%s", t->stages,
	    name) >= sizeof(cg->path)) {
		(void)snprintf(err, errlen, "cgroup path too long");
		return -1;
	}
	if ((sfd = open(t->stages, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		(void)snprintf(err, errlen, "%s: %s", t->stages,
		    strerror(errno));
		return -1;
	}
	/* a leftover of the same name (a pid reused after a crash) */
	if (mkdirat(sfd, name, 0755) == -1 && (errno != EEXIST ||
	    cg_remove(sfd, name) == -1 || mkdirat(sfd, name, 0755) == -1)) {
		(void)snprintf(err, errlen, "cannot make cgroup %s: %s",
		    cg->path, strerror(errno));
		close(sfd);
		return -1;
	}
	cg->dirfd = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(sfd);
	if (cg->dirfd == -1) {
		(void)snprintf(err, errlen, "cannot open cgroup %s: %s",
		    cg->path, strerror(errno));
		cgroup_stage_destroy(cg);
		return -1;
	}
	if ((t->controllers & LH_CG_MEMORY) && lim->memory_bytes > 0 &&
	    cg_limit(cg->dirfd, "memory.max", lim->memory_bytes, NULL) == 0) {
		cg->limited |= LH_CG_MEMORY;
		/* no way around the limit through swap; and one OOM kill
		 * ends the whole stage, not a random part of it */
		if (cg_write(cg->dirfd, "memory.swap.max", "0") == -1 &&
		    errno != ENOENT)
			log_warn("cgroup: memory.swap.max of %s", cg->path);
		(void)cg_write(cg->dirfd, "memory.oom.group", "1");
	}
	if ((t->controllers & LH_CG_PIDS) && lim->pids > 0 &&
	    cg_limit(cg->dirfd, "pids.max", lim->pids, NULL) == 0)
		cg->limited |= LH_CG_PIDS;
	if ((t->controllers & LH_CG_CPU) && lim->cpus > 0 &&
	    cg_limit(cg->dirfd, "cpu.max", (uint64_t)lim->cpus *
	    CG_CPU_PERIOD_US, CG_CPU_PERIOD) == 0)
		cg->limited |= LH_CG_CPU;
	return 0;
}

int
cgroup_stage_kill(const struct lh_cgroup *cg)
{
	char		 buf[CG_READ_MAX], *p, *end;
	long		 pid;
	int		 round;

	if (cg->dirfd == -1)
		return -1;
	if (cg_write(cg->dirfd, "cgroup.kill", "1") == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	/* before Linux 5.14: kill what is listed until nothing is */
	for (round = 0; round < 10; round++) {
		if (cg_read(cg->dirfd, "cgroup.procs", buf, sizeof(buf)) == -1)
			return -1;
		if (buf[0] == '\0')
			return 0;
		for (p = buf; (pid = strtol(p, &end, 10)) > 0; p = end)
			(void)kill((pid_t)pid, SIGKILL);
		cg_sleep_ms(5);
	}
	return 0;
}

int
cgroup_stage_populated(const struct lh_cgroup *cg)
{
	char	buf[128];

	if (cg->dirfd == -1 ||
	    cg_read(cg->dirfd, "cgroup.events", buf, sizeof(buf)) == -1)
		return -1;
	return cg_key(buf, "populated") != 0;
}

int
cgroup_stage_stats(const struct lh_cgroup *cg, struct lh_cgroup_stats *s)
{
	char		buf[1024];
	uint64_t	v = 0;

	memset(s, 0, sizeof(*s));
	if (cg->dirfd == -1 ||
	    cg_read(cg->dirfd, "cpu.stat", buf, sizeof(buf)) == -1)
		return -1;
	s->cpu_seconds = (double)cg_key(buf, "usage_usec") / 1e6;
	s->cpu_throttled = cg_key(buf, "nr_throttled");
	if (cg_read(cg->dirfd, "memory.peak", buf, sizeof(buf)) == 0)
		s->memory_peak = strtoull(buf, NULL, 10);
	if (cg_read_key(cg->dirfd, "memory.events", "oom_kill", &v) == 0)
		s->oom_kills = v;
	if (cg_read_key(cg->dirfd, "pids.events", "max", &v) == 0)
		s->pids_max_hits = v;
	return 0;
}

void
cgroup_stage_destroy(struct lh_cgroup *cg)
{
	char	*slash, parent[PATH_MAX];
	int	 pfd;

	if (cg->dirfd != -1)
		close(cg->dirfd);
	cg->dirfd = -1;
	if (cg->path[0] == '\0')
		return;
	memcpy(parent, cg->path, sizeof(parent));
	if ((slash = strrchr(parent, '/')) != NULL) {
		*slash = '\0';
		if ((pfd = open(parent, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) != -1) {
			if (cg_remove(pfd, slash + 1) == -1 && errno != ENOENT)
				log_warn("cgroup: cannot remove %s", cg->path);
			close(pfd);
		}
	}
	cg->path[0] = '\0';
}
