/*
 * stage.h: run one pipeline stage as a sandboxed process tree (bubblewrap),
 * asynchronously on a libevent event_base; used by the runner process and by
 * `labhit run`. Many stages may run at once on one base.
 */
#ifndef LH_STAGE_H
#define LH_STAGE_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct lh_cgroup_tree;
struct lh_stage;

enum lh_stage_mode {
	LH_STAGE_BWRAP = 0,	/* the real sandbox */
	LH_STAGE_NONE,		/* development only: plain sh, same env/rlimits */
};

enum lh_stream {
	LH_STREAM_STDOUT = 0,
	LH_STREAM_STDERR,
	LH_STREAM_SYSTEM,	/* lines written by the runner itself */
};

#define LH_STAGE_DEFAULT_GRACE_MS	5000
#define LH_STAGE_DEFAULT_LOG_LIMIT	(4u * 1024 * 1024)
#define LH_STAGE_DEFAULT_OUTPUT_LIMIT	(64u * 1024)
#define LH_STAGE_DEFAULT_NPROC		1024
#define LH_STAGE_DEFAULT_NOFILE		1024
#define LH_STAGE_DEFAULT_FSIZE		(4ull * 1024 * 1024 * 1024)
/* Inside the sandbox: where the stage writes its outputs ($LABHIT_OUTPUT). */
#define LH_STAGE_OUTPUT_PATH		"/run/labhit/output"

/*
 * What to run. Every pointer is copied or consumed by stage_start: the
 * caller may free the spec as soon as stage_start returns. Zero values
 * mean "default".
 */
struct lh_stage_spec {
	const char	 *name;		/* for logs; required */
	/* /bin/sh -e -c SCRIPT, or, when script is NULL, argv */
	const char	 *script;
	char *const	 *argv;		/* NULL-terminated */
	/* "NAME=VALUE" (NULL-terminated) added to the scrubbed base env:
	 * PATH, HOME=/workspace, LANG=C.UTF-8, CI=true, LABHIT_OUTPUT */
	char *const	 *env;
	const char	 *workspace;	/* host dir, read-write at /workspace */
	/* labhit made the workspace: as root it is chowned to the stage
	 * user; a directory someone gave is never chowned */
	int		  own_workspace;
	/* NULL: the host's /usr (and a few /etc files) read-only as /;
	 * else "debian:12" -> images_dir/debian_12 as / */
	const char	 *image;
	const char	 *images_dir;	/* required when image is set */
	int		  network;	/* 1: keep the host network */
	uint32_t	  timeout_ms;	/* wall clock; 0 = none */
	uint32_t	  kill_grace_ms; /* SIGTERM -> SIGKILL */
	/* memory.max of the stage's cgroup, else RLIMIT_AS per process;
	 * 0 = none */
	uint64_t	  memory_bytes;
	/* cpu.max of the stage's cgroup, else CPU affinity; 0 = all */
	int		  cpus;
	size_t		  log_limit;	/* log bytes kept: head + tail */
	size_t		  output_limit;	/* max size of $LABHIT_OUTPUT */
	char *const	 *secrets;	/* masked as *** in logs, outputs */
	enum lh_stage_mode mode;
	/* as root, the stage runs as uid/gid, or else as user (default
	 * "nobody" and its group) */
	uid_t		  uid;
	gid_t		  gid;
	const char	 *user;
	/* pids.max of the stage's cgroup, else RLIMIT_NPROC (counted in a
	 * user namespace of the stage's own: stage_spawn.c, sp_userns) */
	uint32_t	  max_procs;
	uint32_t	  max_files;	/* RLIMIT_NOFILE */
	uint64_t	  max_file_bytes; /* RLIMIT_FSIZE */
	/* host dir for the per-stage scratch dir holding the outputs
	 * file; NULL = $TMPDIR or /tmp */
	const char	 *state_dir;
	/* where the stage gets a cgroup with its limits (cgroup.h); NULL
	 * or not usable: rlimits only */
	const struct lh_cgroup_tree *cgroups;
};

struct lh_stage_output {
	char	*key;
	char	*value;
};

/* Valid until stage_free(). */
struct lh_stage_result {
	int		 started;	/* 0: never ran, see error */
	int		 exit_code;	/* -1: killed by a signal, not run */
	int		 term_signal;	/* 0 unless killed by a signal */
	int		 timed_out;
	int		 killed_for_memory;
	int		 cancelled;
	int		 log_truncated;
	double		 cpu_seconds;	/* user + system, whole tree */
	/* the cgroup's peak when it has one, else the largest RSS of one
	 * process */
	long		 peak_memory_kb;
	int		 hit_process_limit; /* a fork was refused (pids.events;
					     * without a pids cgroup: what
					     * the shell said on stderr) */
	uint64_t	 duration_ms;
	uint64_t	 log_bytes;	/* produced, before the cap */
	struct lh_stage_output *outputs;
	size_t		 n_outputs;
	char		 error[512];	/* "" or why it failed */
};

struct lh_stage_cbs {
	/* One line, without its newline, secrets masked; ts_ms = wall clock
	 * milliseconds since the epoch when the line was read. May call
	 * stage_cancel, not stage_free. */
	void	(*on_log)(struct lh_stage *, enum lh_stream, const char *line,
		    size_t len, int64_t ts_ms, void *arg);
	/* Called exactly once, never from inside stage_start (start errors
	 * are delivered from the event loop). stage_free() may be called
	 * from inside on_done. */
	void	(*on_done)(struct lh_stage *, const struct lh_stage_result *,
		    void *arg);
};

/*
 * Starts the stage. Returns NULL only when out of memory; every other
 * failure (bad spec, missing image, bwrap missing) arrives via on_done.
 * The stage's processes are children of this process: do not reap with
 * waitpid(-1, ...) elsewhere. As root, the stage runs as spec->uid or
 * spec->user (default nobody); the workspace dir must be writable by that
 * user (own_workspace: it is chowned to it) and its parent dirs searchable.
 */
struct lh_stage *stage_start(struct event_base *, const struct lh_stage_spec *,
		    const struct lh_stage_cbs *, void *arg);
/* SIGTERM to the whole tree, SIGKILL after kill_grace_ms; result.cancelled.
 * No effect once on_done has run. */
void		 stage_cancel(struct lh_stage *);
/* Frees the handle; a still-running tree is SIGKILLed and reaped, and
 * on_done is then not called. NULL is allowed. */
void		 stage_free(struct lh_stage *);
const char	*stage_name(const struct lh_stage *);
pid_t		 stage_pid(const struct lh_stage *);	/* 0 if not running */

/* 1 when the stage succeeded: exited 0, not killed, outputs valid. */
int		 stage_result_ok(const struct lh_stage_result *);
/* "bwrap" / "none" -> mode; -1 when unknown. */
int		 stage_mode_parse(const char *, enum lh_stage_mode *);
/* "debian:12" -> "IMAGES_DIR/debian_12"; -1 if the name is not
 * [A-Za-z0-9._-]+(:[A-Za-z0-9._-]+)? or does not fit. */
int		 stage_image_path(const char *images_dir, const char *image,
		    char *buf, size_t len);
/* chown -R of a workspace to the stage user (when running as root). */
int		 stage_workspace_chown(const char *dir, uid_t, gid_t);

#endif
