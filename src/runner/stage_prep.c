/*
 * stage_prep.c: everything decided before a stage is forked: the stage
 * user, image lookup, scrubbed environment, scratch dir for the outputs
 * file (kept for reuse by later stages), the command line and rlimits.
 * Runs in the runner process.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/sandbox.h"
#include "runner/stage.h"
#include "runner/stage_prep.h"
#include "runner/stage_spawn.h"
#include "shared/cgroup.h"
#include "shared/errbuf.h"
#include "shared/log.h"
#include "shared/rmtree.h"

#define PR_PATH	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int
stage_mode_parse(const char *word, enum lh_stage_mode *mode)
{
	if (word == NULL)
		return -1;
	if (strcmp(word, "bwrap") == 0)
		*mode = LH_STAGE_BWRAP;
	else if (strcmp(word, "none") == 0)
		*mode = LH_STAGE_NONE;
	else
		return -1;
	return 0;
}

static int
pr_image_chars(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || (len == 1 && s[0] == '.') ||
	    (len == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

int
stage_image_path(const char *images_dir, const char *image, char *buf,
    size_t len)
{
	const char	*colon;
	size_t		 nlen;
	int		 n;

	if (images_dir == NULL || image == NULL || images_dir[0] == '\0')
		return -1;
	colon = strchr(image, ':');
	nlen = colon != NULL ? (size_t)(colon - image) : strlen(image);
	if (!pr_image_chars(image, nlen) ||
	    (colon != NULL && !pr_image_chars(colon + 1, strlen(colon + 1))))
		return -1;
	if (colon != NULL)
		n = snprintf(buf, len, "%s/%.*s_%s", images_dir, (int)nlen,
		    image, colon + 1);
	else
		n = snprintf(buf, len, "%s/%s", images_dir, image);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static uid_t	pr_chown_uid;
static gid_t	pr_chown_gid;

static int
pr_chown_one(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return lchown(path, pr_chown_uid, pr_chown_gid) == -1 ? -1 : 0;
}

int
stage_workspace_chown(const char *dir, uid_t uid, gid_t gid)
{
	pr_chown_uid = uid;
	pr_chown_gid = gid;
	if (nftw(dir, pr_chown_one, 16, FTW_PHYS) != 0) {
		log_warn("chown of workspace %s", dir);
		return -1;
	}
	return 0;
}

void
stage_rmtree(const char *dir)
{
	if (rmtree(dir) == -1 && errno != ENOENT)
		log_warn("cannot remove stage scratch dir %s", dir);
}

int
stage_user_can_write(const char *dir, uid_t uid, gid_t gid)
{
	pid_t	pid;
	int	status;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (setgroups(1, &gid) == -1 ||
		    setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1)
			_exit(2);
		_exit(access(dir, R_OK | W_OK | X_OK) == 0 ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
		return -1;
	return WEXITSTATUS(status) == 0;
}

int
stage_resolve_user(const struct lh_stage_spec *spec, uid_t *uid, gid_t *gid,
    char *err, size_t errlen)
{
	struct passwd	*pw;
	const char	*user = spec->user;

	if (user == NULL || user[0] == '\0')
		user = "nobody";
	if (spec->uid != 0) {
		*uid = spec->uid;
		*gid = spec->gid != 0 ? spec->gid : spec->uid;
		return 0;
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		errbuf_fmt(err, errlen, "stage user %s does not exist", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		errbuf_fmt(err, errlen, "stage user %s is root", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = spec->gid != 0 ? spec->gid : pw->pw_gid;
	return 0;
}

static int
pr_env_name_ok(const char *e, size_t n)
{
	size_t	i;

	if (n == 0 || (e[0] >= '0' && e[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((e[i] >= 'a' && e[i] <= 'z') ||
		    (e[i] >= 'A' && e[i] <= 'Z') ||
		    (e[i] >= '0' && e[i] <= '9') || e[i] == '_'))
			return 0;
	return 1;
}

/* The scrubbed base environment plus the stage's own variables. */
int
stage_build_env(const struct lh_stage_spec *spec, const char *home,
    const char *outpath, struct sbx_argv *env, char *err, size_t errlen)
{
	const char	*e, *eq;
	char		 buf[PATH_MAX + 32];
	size_t		 i, j, n;
	char		*dup;

	if (sbx_argv_add(env, "PATH=" PR_PATH) == -1 ||
	    snprintf(buf, sizeof(buf), "HOME=%s", home) >= (int)sizeof(buf) ||
	    sbx_argv_add(env, buf) == -1 ||
	    sbx_argv_add(env, "LANG=C.UTF-8") == -1 ||
	    sbx_argv_add(env, "CI=true") == -1 ||
	    snprintf(buf, sizeof(buf), "LABHIT_OUTPUT=%s", outpath) >=
	    (int)sizeof(buf) || sbx_argv_add(env, buf) == -1)
		goto oom;
	for (i = 0; spec->env != NULL && spec->env[i] != NULL; i++) {
		e = spec->env[i];
		n = (eq = strchr(e, '=')) != NULL ? (size_t)(eq - e) : 0;
		if (eq == NULL || !pr_env_name_ok(e, n) ||
		    (n == 13 && strncmp(e, "LABHIT_OUTPUT", 13) == 0)) {
			errbuf_fmt(err, errlen, "invalid environment entry \"%.*s\"",
			    (int)(n > 0 ? n : strlen(e) > 64 ? 64 : strlen(e)),
			    e);
			return -1;
		}
		for (j = 0; j < env->n; j++)
			if (strncmp(env->v[j], e, n + 1) == 0)
				break;
		if (j == env->n) {
			if (sbx_argv_add(env, e) == -1)
				goto oom;
		} else {
			if ((dup = strdup(e)) == NULL)
				goto oom;
			free(env->v[j]);
			env->v[j] = dup;
		}
	}
	return 0;
 oom:
	errbuf_fmt(err, errlen, "out of memory");
	return -1;
}

#define PR_POOL_MAX	32	/* scratch dirs kept for reuse */
#define PR_SCRATCH_PREFIX	"labhit-stage-"

struct pr_scratch {
	char	*dir;
	uid_t	 uid;		/* owner it was made for */
	gid_t	 gid;		/* (gid_t)-1: not checked */
	pid_t	 owner;		/* process that keeps it */
};

static struct pr_scratch	pr_pool[PR_POOL_MAX];
static size_t			pr_npool;
static int			pr_atexit_set;
static pid_t			pr_swept_pid;	/* swept base once ... */
static char			pr_swept_base[PATH_MAX]; /* ... this one */

static const char *
pr_scratch_base(const struct lh_stage_spec *spec)
{
	const char	*base = spec->state_dir;

	if (base == NULL && (base = getenv("TMPDIR")) == NULL)
		base = "/tmp";
	return base;
}

/* The per-stage host dir holding $LABHIT_OUTPUT, owned by the stage user. */
char *
stage_make_outdir(const struct lh_stage_spec *spec, int drop, uid_t uid,
    gid_t gid, char *err, size_t errlen)
{
	char		*dir;
	const char	*base = pr_scratch_base(spec);
	char		 path[PATH_MAX];
	int		 fd;

	/* the pid lets a later process sweep the kept dirs of one that
	 * ended without running its atexit handlers */
	if (snprintf(path, sizeof(path), "%s/" PR_SCRATCH_PREFIX "%d-XXXXXX",
	    base, (int)getpid()) >= (int)sizeof(path) ||
	    mkdtemp(path) == NULL) {
		errbuf_fmt(err, errlen, "cannot create a scratch dir under %s: %s",
		    base, strerror(errno));
		return NULL;
	}
	if ((dir = strdup(path)) == NULL) {
		(void)rmdir(path);
		errbuf_fmt(err, errlen, "out of memory");
		return NULL;
	}
	if (drop && chown(dir, uid, gid) == -1) {
		errbuf_fmt(err, errlen, "chown %s: %s", dir, strerror(errno));
		goto fail;
	}
	(void)snprintf(path, sizeof(path), "%s/output", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd == -1 || (drop && fchown(fd, uid, gid) == -1)) {
		errbuf_fmt(err, errlen, "cannot create %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		goto fail;
	}
	close(fd);
	return dir;
 fail:
	stage_rmtree(dir);
	free(dir);
	return NULL;
}

int
stage_check_spec(const struct lh_stage_spec *spec, int drop, uid_t uid,
    gid_t gid, char *err, size_t errlen)
{
	struct stat	sb;

	if (spec->script == NULL &&
	    (spec->argv == NULL || spec->argv[0] == NULL)) {
		errbuf_fmt(err, errlen, "stage has neither a script nor a command");
		return -1;
	}
	if (spec->workspace == NULL || stat(spec->workspace, &sb) == -1 ||
	    !S_ISDIR(sb.st_mode)) {
		errbuf_fmt(err, errlen, "workspace %s is not a directory",
		    spec->workspace != NULL ? spec->workspace : "(none)");
		return -1;
	}
	/* the shared workspace must be writable by the stage user */
	if (drop && spec->own_workspace && sb.st_uid != uid &&
	    chown(spec->workspace, uid, gid) == -1) {
		errbuf_fmt(err, errlen, "chown %s: %s", spec->workspace,
		    strerror(errno));
		return -1;
	}
	if (spec->mode == LH_STAGE_BWRAP &&
	    access(SBX_BWRAP_PATH, X_OK) == -1) {
		errbuf_fmt(err, errlen, "bubblewrap is not installed (%s): "
		    "install it (apt-get install bubblewrap) or, for "
		    "development only, set sandbox = none", SBX_BWRAP_PATH);
		return -1;
	}
	return 0;
}

int
stage_build_command(const struct lh_stage_spec *spec, const char *rootfs,
    const char *outdir, struct sbx_argv *cmd, struct sbx_argv *out,
    char *err, size_t errlen)
{
	struct sbx_params	 p;
	size_t			 i;
	int			 rc = 0, sfd;

	if (spec->script != NULL) {
		rc |= sbx_argv_add(cmd, "/bin/sh");
		rc |= sbx_argv_add(cmd, "-e");
		rc |= sbx_argv_add(cmd, "-c");
		rc |= sbx_argv_add(cmd, spec->script);
	} else
		for (i = 0; spec->argv[i] != NULL; i++)
			rc |= sbx_argv_add(cmd, spec->argv[i]);
	if (rc != 0) {
		errbuf_fmt(err, errlen, "out of memory");
		return -1;
	}
	if (spec->mode == LH_STAGE_NONE) {
		*out = *cmd;
		memset(cmd, 0, sizeof(*cmd));
		return -2;	/* no seccomp fd */
	}
	if ((sfd = sbx_seccomp_fd(err, errlen)) == -1)
		return -1;
	memset(&p, 0, sizeof(p));
	p.workspace = spec->workspace;
	p.rootfs = rootfs;
	p.outdir = outdir;
	p.network = spec->network;
	p.seccomp_fd = SBX_SECCOMP_CHILD_FD;
	p.command = cmd->v;
	if (sbx_build_argv(&p, out, err, errlen) == -1) {
		close(sfd);
		return -1;
	}
	return sfd;
}

void
stage_fill_spawn(struct lh_spawn *sp, const struct lh_stage_spec *spec,
    uint64_t memory_bytes, unsigned cgroup_limited)
{
	/* a cgroup limit replaces its rlimit: memory.max counts what the
	 * tree really uses, where RLIMIT_AS counts each process's address
	 * space; pids.max counts this stage, RLIMIT_NPROC the whole uid */
	if (!(cgroup_limited & LH_CG_MEMORY))
		sp->as_bytes = memory_bytes;
	if (!(cgroup_limited & LH_CG_PIDS)) {
		sp->nproc = stage_max_procs(spec);
		/* per stage, not per stage user (stage_spawn.c, sp_userns) */
		sp->own_userns = spec->mode == LH_STAGE_BWRAP;
	}
	sp->nofile = spec->max_files != 0 ? spec->max_files :
	    LH_STAGE_DEFAULT_NOFILE;
	sp->fsize_bytes = spec->max_file_bytes != 0 ? spec->max_file_bytes :
	    LH_STAGE_DEFAULT_FSIZE;
	/* a CPU-time backstop: the wall-clock timeout on every CPU */
	if (spec->timeout_ms > 0)
		sp->cpu_seconds = ((uint64_t)spec->timeout_ms + 999) / 1000 *
		    (uint64_t)(spec->cpus > 0 ? spec->cpus : 1) + 1;
	if (!(cgroup_limited & LH_CG_CPU))
		sp->cpus = spec->cpus;
}

uint32_t
stage_max_procs(const struct lh_stage_spec *spec)
{
	return spec->max_procs != 0 ? spec->max_procs : LH_STAGE_DEFAULT_NPROC;
}

/*
 * Scratch dirs are kept for reuse: making and removing a directory costs
 * journal work on the state dir's file system (about 0.3 ms a stage on
 * the project VM), resetting one a few cheap system calls. A dir is only
 * reused when it is exactly as stage_make_outdir left it: a real dir of
 * the stage user, mode 0700, holding nothing but a regular, singly linked
 * "output" file of that user, which is then emptied.
 */
static int
pr_scratch_owned(int fd, const struct pr_scratch *ps, struct stat *sb)
{
	if (fstat(fd, sb) == -1 || sb->st_uid != ps->uid)
		return 0;
	return ps->gid == (gid_t)-1 || sb->st_gid == ps->gid;
}

/* Only "output" in the dir; closes dfd. */
static int
pr_scratch_alone(int dfd)
{
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n == 1;
}

/* Empties a kept dir; -1 when it is not exactly as made (remove it). */
static int
pr_scratch_reset(const struct pr_scratch *ps)
{
	struct stat	 sb;
	int		 dfd, fd, ok;

	if ((dfd = open(ps->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	if (!pr_scratch_owned(dfd, ps, &sb) || !S_ISDIR(sb.st_mode) ||
	    (sb.st_mode & 07777) != 0700) {
		close(dfd);
		return -1;
	}
	/* O_NONBLOCK: a fifo put in its place must not block us */
	if ((fd = openat(dfd, "output", O_WRONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		close(dfd);
		return -1;
	}
	ok = pr_scratch_owned(fd, ps, &sb) && S_ISREG(sb.st_mode) &&
	    sb.st_nlink == 1 &&
	    (sb.st_size == 0 || ftruncate(fd, 0) == 0) &&
	    ((sb.st_mode & 07777) == 0644 || fchmod(fd, 0644) == 0);
	close(fd);
	if (!ok) {
		close(dfd);
		return -1;
	}
	return pr_scratch_alone(dfd) ? 0 : -1;
}

static void
pr_scratch_drop(struct pr_scratch *ps)
{
	stage_rmtree(ps->dir);
	free(ps->dir);
	memset(ps, 0, sizeof(*ps));
}

/* Whether dir lies directly in base (dir = base + "/labhit-stage-..."). */
static int
pr_scratch_in(const char *dir, const char *base)
{
	const char	*slash = strrchr(dir, '/');

	return slash != NULL && strlen(base) == (size_t)(slash - dir) &&
	    strncmp(dir, base, (size_t)(slash - dir)) == 0;
}

/* At exit: the kept dirs of this process (not of a forked child's copy). */
static void
pr_scratch_atexit(void)
{
	size_t	i;

	for (i = 0; i < pr_npool; i++)
		if (pr_pool[i].owner == getpid())
			pr_scratch_drop(&pr_pool[i]);
		else
			free(pr_pool[i].dir);
	pr_npool = 0;
}

/*
 * Once per process and base dir: removes scratch dirs whose process is
 * gone (killed, or ended with _exit, so its kept dirs stayed). Names are
 * PREFIX<pid>-XXXXXX; a pid that exists, even another user's, is left.
 */
static void
pr_scratch_sweep(const char *base)
{
	if (pr_swept_pid == getpid() && strcmp(pr_swept_base, base) == 0)
		return;
	pr_swept_pid = getpid();
	if (snprintf(pr_swept_base, sizeof(pr_swept_base), "%s", base) <
	    (int)sizeof(pr_swept_base))
		rmtree_ended(base, PR_SCRATCH_PREFIX);
}

char *
stage_scratch_get(const struct lh_stage_spec *spec, int drop, uid_t uid,
    gid_t gid, char *err, size_t errlen)
{
	struct pr_scratch	 ps;
	const char		*base = pr_scratch_base(spec);
	uid_t			 u = drop ? uid : geteuid();
	gid_t			 g = drop ? gid : (gid_t)-1;
	size_t			 i;

	pr_scratch_sweep(base);
	for (i = pr_npool; i-- > 0; ) {
		if (pr_pool[i].owner != getpid() || pr_pool[i].uid != u ||
		    pr_pool[i].gid != g || !pr_scratch_in(pr_pool[i].dir, base))
			continue;
		ps = pr_pool[i];
		pr_pool[i] = pr_pool[--pr_npool];
		if (pr_scratch_reset(&ps) == 0)
			return ps.dir;
		pr_scratch_drop(&ps);
	}
	return stage_make_outdir(spec, drop, uid, gid, err, errlen);
}

void
stage_scratch_put(char *dir, int drop, uid_t uid, gid_t gid, int reuse)
{
	struct pr_scratch	ps;

	if (dir == NULL)
		return;
	ps.dir = dir;
	ps.uid = drop ? uid : geteuid();
	ps.gid = drop ? gid : (gid_t)-1;	/* mkdtemp's: any */
	ps.owner = getpid();
	/* emptied now, so no stage's outputs stay on disk after it */
	if (!reuse || pr_npool == PR_POOL_MAX || pr_scratch_reset(&ps) == -1) {
		pr_scratch_drop(&ps);
		return;
	}
	if (!pr_atexit_set) {
		if (atexit(pr_scratch_atexit) != 0) {
			pr_scratch_drop(&ps);
			return;
		}
		pr_atexit_set = 1;
	}
	pr_pool[pr_npool++] = ps;
}

void
stage_scratch_flush(void)
{
	pr_scratch_atexit();
}
