/*
 * sandbox.c: builds the bubblewrap argv (namespaces, read-only root,
 * /workspace, private /tmp) and the libseccomp filter handed to bwrap with
 * --seccomp. Runs in the runner process, before the stage is forked.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/sandbox.h"
#include "shared/errbuf.h"

/* Made to fail with EPERM inside every stage. */
const char *const sbx_denied_syscalls[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
	"mount", "umount", "umount2", "pivot_root", "chroot",
	"move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
	"mount_setattr", "unshare", "setns",
	"keyctl", "add_key", "request_key",
	"bpf", "perf_event_open", "userfaultfd", "fanotify_init",
	"kexec_load", "kexec_file_load", "reboot",
	"init_module", "finit_module", "delete_module",
	"swapon", "swapoff", "acct", "quotactl", "quotactl_fd",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
	"stime", "syslog", "vhangup", "iopl", "ioperm",
	"open_by_handle_at", "name_to_handle_at", "lookup_dcookie",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	"uselib", "nfsservctl", "sysfs", "_sysctl", "ustat",
	NULL
};

int
sbx_argv_add(struct sbx_argv *a, const char *s)
{
	char	**nv;
	size_t	  ncap;

	if (a->n + 2 > a->cap) {
		ncap = a->cap == 0 ? 64 : a->cap * 2;
		if ((nv = reallocarray(a->v, ncap, sizeof(*nv))) == NULL)
			return -1;
		a->v = nv;
		a->cap = ncap;
	}
	if ((a->v[a->n] = strdup(s)) == NULL)
		return -1;
	a->n++;
	a->v[a->n] = NULL;
	return 0;
}

void
sbx_argv_free(struct sbx_argv *a)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

static int
sbx_add3(struct sbx_argv *a, const char *x, const char *y, const char *z)
{
	if (sbx_argv_add(a, x) == -1 || sbx_argv_add(a, y) == -1)
		return -1;
	if (z != NULL && sbx_argv_add(a, z) == -1)
		return -1;
	return 0;
}

/* A top-level entry of a root: symlinks stay symlinks, the rest is bound
 * read-only. */
static int
sbx_add_root_entry(struct sbx_argv *a, const char *src, const char *dst)
{
	struct stat	 st;
	char		 target[PATH_MAX];
	ssize_t		 n;

	if (lstat(src, &st) == -1)
		return 0;
	if (S_ISLNK(st.st_mode)) {
		n = readlink(src, target, sizeof(target) - 1);
		if (n <= 0)
			return 0;
		target[n] = '\0';
		return sbx_add3(a, "--symlink", target, dst);
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return 0;
	return sbx_add3(a, "--ro-bind", src, dst);
}

/* The host root as a stage sees it: /usr and its compat links, and the
 * few /etc files programs need; nothing else of the host. */
static int
sbx_host_root(struct sbx_argv *a, int network)
{
	static const char *const tops[] = { "/usr", "/bin", "/sbin", "/lib",
	    "/lib32", "/lib64", "/libx32", NULL };
	static const char *const etc[] = { "/etc/ssl", "/etc/ca-certificates",
	    "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf",
	    "/etc/ld.so.conf.d", "/etc/localtime", "/etc/nsswitch.conf",
	    "/etc/passwd", "/etc/group", "/etc/protocols", "/etc/services",
	    "/etc/mime.types", "/etc/os-release", "/etc/debian_version",
	    "/etc/profile", "/etc/shells", "/etc/magic", NULL };
	static const char *const net[] = { "/etc/resolv.conf", "/etc/hosts",
	    "/etc/host.conf", "/etc/gai.conf", NULL };
	size_t	i;

	for (i = 0; tops[i] != NULL; i++)
		if (sbx_add_root_entry(a, tops[i], tops[i]) == -1)
			return -1;
	for (i = 0; etc[i] != NULL; i++)
		if (sbx_add3(a, "--ro-bind-try", etc[i], etc[i]) == -1)
			return -1;
	for (i = 0; network && net[i] != NULL; i++)
		if (sbx_add3(a, "--ro-bind-try", net[i], net[i]) == -1)
			return -1;
	return 0;
}

static int
sbx_skip_image_entry(const char *name)
{
	static const char *const skip[] = { ".", "..", "proc", "dev", "tmp",
	    "sys", "run", "workspace", NULL };
	size_t	i;

	for (i = 0; skip[i] != NULL; i++)
		if (strcmp(name, skip[i]) == 0)
			return 1;
	return 0;
}

/* Every top-level entry of an image root, read-only (so that /workspace
 * and /run/labhit can be made on the sandbox's own tmpfs root). */
static int
sbx_image_root(struct sbx_argv *a, const char *root, char *err,
    size_t errlen)
{
	struct dirent	*de;
	DIR		*d;
	char		 src[PATH_MAX], dst[NAME_MAX + 2];
	int		 rc = 0;

	if ((d = opendir(root)) == NULL) {
		errbuf_fmt(err, errlen, "cannot open image root %s: %s", root,
		    strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (sbx_skip_image_entry(de->d_name))
			continue;
		if (snprintf(src, sizeof(src), "%s/%s", root, de->d_name) >=
		    (int)sizeof(src))
			continue;
		(void)snprintf(dst, sizeof(dst), "/%s", de->d_name);
		rc = sbx_add_root_entry(a, src, dst);
	}
	closedir(d);
	if (rc == -1)
		errbuf_fmt(err, errlen, "out of memory");
	return rc;
}

int
sbx_check_image(const char *image, const char *path, char *err,
    size_t errlen)
{
	struct stat	st;
	char		sh[PATH_MAX];

	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		errbuf_fmt(err, errlen, "image %s not found at %s: create it "
		    "with debootstrap (e.g. debootstrap bookworm %s) or by "
		    "exporting a container image's filesystem there",
		    image, path, path);
		return -1;
	}
	if (snprintf(sh, sizeof(sh), "%s/bin/sh", path) >= (int)sizeof(sh) ||
	    stat(sh, &st) == -1) {
		errbuf_fmt(err, errlen, "image %s at %s has no /bin/sh: it is "
		    "not a complete root filesystem", image, path);
		return -1;
	}
	return 0;
}

int
sbx_build_argv(const struct sbx_params *p, struct sbx_argv *a, char *err,
    size_t errlen)
{
	char	fdstr[16];
	size_t	i;
	int	rc;

	rc = sbx_argv_add(a, SBX_BWRAP_PATH);
	rc |= sbx_argv_add(a, "--unshare-user");
	rc |= sbx_argv_add(a, "--unshare-pid");
	rc |= sbx_argv_add(a, "--unshare-ipc");
	rc |= sbx_argv_add(a, "--unshare-uts");
	rc |= sbx_argv_add(a, "--unshare-cgroup-try");
	if (!p->network)
		rc |= sbx_argv_add(a, "--unshare-net");
	rc |= sbx_argv_add(a, "--die-with-parent");
	rc |= sbx_add3(a, "--cap-drop", "ALL", NULL);
	rc |= sbx_add3(a, "--hostname", "labhit", NULL);
	if (rc != 0)
		goto oom;
	if (p->rootfs != NULL) {
		if (sbx_image_root(a, p->rootfs, err, errlen) == -1)
			return -1;
	} else if (sbx_host_root(a, p->network) == -1)
		goto oom;
	rc = sbx_add3(a, "--proc", "/proc", NULL);
	rc |= sbx_add3(a, "--dev", "/dev", NULL);
	rc |= sbx_add3(a, "--tmpfs", "/tmp", NULL);
	rc |= sbx_add3(a, "--bind", p->workspace, "/workspace");
	rc |= sbx_add3(a, "--bind", p->outdir, "/run/labhit");
	rc |= sbx_add3(a, "--remount-ro", "/", NULL);
	rc |= sbx_add3(a, "--chdir", "/workspace", NULL);
	if (p->seccomp_fd != -1) {
		(void)snprintf(fdstr, sizeof(fdstr), "%d", p->seccomp_fd);
		rc |= sbx_add3(a, "--seccomp", fdstr, NULL);
	}
	rc |= sbx_argv_add(a, "--");
	for (i = 0; rc == 0 && p->command[i] != NULL; i++)
		rc |= sbx_argv_add(a, p->command[i]);
	if (rc != 0)
		goto oom;
	return 0;
 oom:
	errbuf_fmt(err, errlen, "out of memory");
	return -1;
}

static int
sbx_seccomp_rules(scmp_filter_ctx ctx)
{
	size_t	i;
	int	nr;

	for (i = 0; sbx_denied_syscalls[i] != NULL; i++) {
		nr = seccomp_syscall_resolve_name(sbx_denied_syscalls[i]);
		if (nr == __NR_SCMP_ERROR || nr < 0)
			continue;	/* not on this architecture */
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) != 0)
			return -1;
	}
	/* no new user namespaces through clone either */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
	    SCMP_A0_64(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER)) != 0)
		return -1;
	/* clone3 flags are in memory: make libc fall back to clone */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
	    0) != 0)
		return -1;
	/* no typing into a terminal the stage does not own */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
	    SCMP_A1_64(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
	    SCMP_A1_64(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX)) != 0)
		return -1;
	return 0;
}

static int
sbx_seccomp_build(void **prog, size_t *len, char *err, size_t errlen)
{
	scmp_filter_ctx	 ctx;
	struct stat	 st;
	ssize_t		 r;
	int		 fd = -1, rc = -1;

	*prog = NULL;
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL) {
		errbuf_fmt(err, errlen, "seccomp_init failed");
		return -1;
	}
	/*
	 * A binary tree over the syscall numbers instead of a linear list:
	 * the same rules, but the kernel runs and pre-evaluates (its action
	 * cache, at attach time) a fraction of the instructions; bwrap
	 * attaches the filter in two processes per stage. An older
	 * libseccomp without the attribute just builds the linear filter.
	 */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (sbx_seccomp_rules(ctx) == -1) {
		errbuf_fmt(err, errlen, "seccomp_rule_add failed");
		goto out;
	}
	if ((fd = memfd_create("labhit-seccomp", MFD_CLOEXEC)) == -1 ||
	    seccomp_export_bpf(ctx, fd) != 0 || fstat(fd, &st) == -1 ||
	    st.st_size <= 0 || (*prog = malloc((size_t)st.st_size)) == NULL) {
		errbuf_fmt(err, errlen, "cannot export the seccomp filter");
		goto out;
	}
	r = pread(fd, *prog, (size_t)st.st_size, 0);
	if (r != st.st_size) {
		errbuf_fmt(err, errlen, "cannot read the seccomp filter back");
		free(*prog);
		*prog = NULL;
		goto out;
	}
	*len = (size_t)st.st_size;
	rc = 0;
 out:
	if (fd != -1)
		close(fd);
	seccomp_release(ctx);
	return rc;
}

int
sbx_seccomp_program(const void **prog, size_t *len, char *err,
    size_t errlen)
{
	static void	*cached;
	static size_t	 cached_len;

	if (cached == NULL &&
	    sbx_seccomp_build(&cached, &cached_len, err, errlen) == -1)
		return -1;
	*prog = cached;
	*len = cached_len;
	return 0;
}

int
sbx_seccomp_fd(char *err, size_t errlen)
{
	const void	*prog;
	size_t		 len;
	int		 fd;

	if (sbx_seccomp_program(&prog, &len, err, errlen) == -1)
		return -1;
	if ((fd = memfd_create("labhit-seccomp", MFD_CLOEXEC)) == -1) {
		errbuf_fmt(err, errlen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	if (write(fd, prog, len) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET) == -1) {
		errbuf_fmt(err, errlen, "cannot write the seccomp filter");
		close(fd);
		return -1;
	}
	return fd;
}
