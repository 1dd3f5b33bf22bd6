/*
 * testlib.h: helpers shared by the Check suites: temp directories, running
 * the real labhit binary, a raw HTTP/1.1 client.
 */
#ifndef LH_TESTLIB_H
#define LH_TESTLIB_H

#include <check.h>
#include <stddef.h>
#include <sys/types.h>

/* Runs a suite (CK_NORMAL output); returns the exit code for main. */
int tl_run_suite(Suite *s);

/* Makes a fresh temp directory (mkdtemp under $TMPDIR); caller frees. */
char *tl_tempdir(void);
/* rm -rf of a directory made by tl_tempdir. */
void tl_rmtree(const char *path);
/* Path of a file under the source tree (LABHIT_SRCDIR); static buffer. */
const char *tl_srcpath(const char *rel);
/* The labhit binary under test ($LABHIT_BIN). */
const char *tl_bin(void);
/* Writes text to dir/name; returns the malloc'd path. */
char *tl_write_file(const char *dir, const char *name, const char *text);
/* Reads a whole file (NUL-terminated, malloc'd), NULL when absent. */
char *tl_read_file(const char *path, size_t *len);
/* Monotonic milliseconds. */
long long tl_now_ms(void);
/* Runs argv (argv[0] a path) with stdout+stderr captured into *out
 * (malloc'd); returns the exit status as from waitpid, or -1. */
int tl_run(char *const argv[], char **out);
/* Like tl_run, but gives up after timeout_ms: the child is then SIGKILLed,
 * reaped, and -1 is returned (*out still gets what it printed). */
int tl_run_timeout(char *const argv[], char **out, int timeout_ms);

/* LABHIT_TEST_CGROUP=required: the VM harness runs us alone in a cgroup
 * v2 dir with every controller, and cgroup limits must work. */
int tl_cgroup_required(void);
/* Puts us alone in a cgroup dir we may delegate (under required: the
 * harness's; else a fresh child of ours): 0 and dir, or -1 and why. */
int tl_cgroup_own(char *dir, size_t len, char *why, size_t whylen);
/* Moves us back up and removes dir with everything below it (not under
 * required). */
void tl_cgroup_release(const char *dir);

/* A `labhit serve` started on 127.0.0.1:0 with its own state directory. */
struct tl_server {
	pid_t	 pid;
	char	*state_dir;	/* made by tl_server_start unless preset */
	char	*log_path;	/* STATE_DIR/server.log (stderr) */
	int	 port;
	int	 own_dir;
	/* set before start: a cgroup.procs the server is started in */
	const char *cgroup_procs;
};

/* Starts `labhit serve --listen 127.0.0.1:0 --state-dir DIR
 * --log-level debug -c /dev/null [extra...]` (extra ends with NULL) with env entries
 * "K=V" added (NULL-terminated, may be NULL), and waits (up to 20 s) until
 * the pid file says ready. Returns 0 or -1 (the log is printed on failure). */
int tl_server_start(struct tl_server *s, const char *const extra[],
    const char *const env[]);
/* Sends sig and waits up to timeout_ms; returns the wait status, or -1 on
 * timeout (the server is then SIGKILLed). */
int tl_server_signal_wait(struct tl_server *s, int sig, int timeout_ms);
/* SIGTERM, wait, remove the state directory. */
void tl_server_stop(struct tl_server *s);
/* The master's live children of a role ("worker" or "runner"); returns the
 * count, pids in out. A forked child counts once the master logged its
 * start (to stderr: not with --log-file), so a runner not exec'd yet is
 * never taken for a worker. */
int tl_server_children(const struct tl_server *s, const char *role,
    pid_t *out, int max);
/* Reads the pid file's status line ("starting", "ready", ...) into buf. */
int tl_server_status(const struct tl_server *s, char *buf, size_t len);
/* Waits until the pid file says ready and a count of workers is alive. */
int tl_server_wait_ready(struct tl_server *s, int timeout_ms);
/* The server log so far (malloc'd). */
char *tl_server_log(const struct tl_server *s);
/* Waits until the log contains needle (up to timeout_ms); 0 or -1. */
int tl_server_wait_log(const struct tl_server *s, const char *needle,
    int timeout_ms);

/* A response as received. headers is the raw head (status line + fields). */
struct tl_response {
	int	 status;
	char	*head;
	char	*body;
	size_t	 body_len;
};

/* Connects to 127.0.0.1:port (blocking); -1 on failure. */
int tl_connect(int port);
/* Sends all of buf on fd; 0 or -1. */
int tl_send(int fd, const void *buf, size_t len);
/* Reads one response from fd (Content-Length, chunked, or until close);
 * for HEAD pass is_head so no body is expected. 0 or -1 (timeout/EOF). */
int tl_read_response(int fd, struct tl_response *r, int is_head,
    int timeout_ms);
/* One request on a fresh connection; raw is the full request text. */
int tl_http_raw(int port, const char *raw, struct tl_response *r);
/* GET/POST helpers (HTTP/1.1, Connection: close). extra_headers is
 * "Name: v\r\n..." or NULL. */
int tl_get(int port, const char *path, const char *extra_headers,
    struct tl_response *r);
int tl_post(int port, const char *path, const char *content_type,
    const char *body, const char *extra_headers, struct tl_response *r);
/* Header value (case-insensitive name) copied into a static buffer, or
 * NULL when absent. */
const char *tl_header(const struct tl_response *r, const char *name);
void tl_response_free(struct tl_response *r);

#endif
