/*
 * sandbox.h: the bubblewrap command line and the seccomp filter for one
 * stage. Built in the runner process before it forks the stage.
 */
#ifndef LH_SANDBOX_H
#define LH_SANDBOX_H

#include <stddef.h>

#define SBX_BWRAP_PATH		"/usr/bin/bwrap"
#define SBX_SECCOMP_CHILD_FD	3	/* fd number the filter has in bwrap */

/* A growable NULL-terminated argv. */
struct sbx_argv {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

struct sbx_params {
	const char	*workspace;	/* host dir -> /workspace (rw) */
	const char	*rootfs;	/* NULL: host /usr etc.; else dir as / */
	const char	*outdir;	/* host dir -> /run/labhit (rw) */
	int		 network;
	int		 seccomp_fd;	/* -1: no --seccomp */
	char *const	*command;	/* what runs inside, NULL-terminated */
};

int	sbx_argv_add(struct sbx_argv *, const char *);
void	sbx_argv_free(struct sbx_argv *);
/* Fills a (empty) with the bwrap argv. Returns 0 or -1 with err filled. */
int	sbx_build_argv(const struct sbx_params *, struct sbx_argv *a,
	    char *err, size_t errlen);
/* Checks that an image root exists and has /bin/sh; -1 with err filled
 * (saying where it looked and how to create it). */
int	sbx_check_image(const char *image, const char *path, char *err,
	    size_t errlen);
/* The compiled seccomp BPF program (built once, cached). */
int	sbx_seccomp_program(const void **prog, size_t *len, char *err,
	    size_t errlen);
/* A fresh memfd (O_CLOEXEC) holding the program, offset 0; -1 on error. */
int	sbx_seccomp_fd(char *err, size_t errlen);
/* Syscall names the filter makes fail with EPERM (NULL-terminated). */
extern const char *const sbx_denied_syscalls[];

#endif
