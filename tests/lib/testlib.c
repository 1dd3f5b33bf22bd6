/*
 * testlib.c: helpers shared by the Check suites: files, processes, the
 * labhit server under test and a small blocking HTTP/1.1 client.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shared/cgroup.h"
#include "tests/lib/testlib.h"

int
tl_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);	/* CK_VERBOSITY, else normal */
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

char *
tl_tempdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if (asprintf(&path, "%s/labhit-test.XXXXXX", base) == -1)
		return NULL;
	if (mkdtemp(path) == NULL) {
		free(path);
		return NULL;
	}
	return path;
}

void
tl_rmtree(const char *path)
{
	char rm[] = "/bin/rm", rf[] = "-rf", dd[] = "--";
	char *argv[] = { rm, rf, dd, NULL, NULL };
	char *out = NULL;

	if (path == NULL || path[0] != '/' || strlen(path) < 6)
		return;
	if ((argv[3] = strdup(path)) == NULL)
		return;
	tl_run(argv, &out);
	free(argv[3]);
	free(out);
}

const char *
tl_srcpath(const char *rel)
{
	static char buf[4096];
	const char *top = getenv("LABHIT_SRCDIR");

	snprintf(buf, sizeof(buf), "%s/%s", top != NULL ? top : ".", rel);
	return buf;
}

const char *
tl_bin(void)
{
	const char *bin = getenv("LABHIT_BIN");

	return bin != NULL ? bin : "./labhit";
}

char *
tl_write_file(const char *dir, const char *name, const char *text)
{
	char *path;
	FILE *fp;

	if (asprintf(&path, "%s/%s", dir, name) == -1)
		return NULL;
	if ((fp = fopen(path, "w")) == NULL) {
		free(path);
		return NULL;
	}
	fputs(text, fp);
	fclose(fp);
	return path;
}

char *
tl_read_file(const char *path, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);
			if (nb == NULL)
				break;
			buf = nb;
			cap += 65536;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (buf == NULL)
		return NULL;
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

long long
tl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
tl_run(char *const argv[], char **out)
{
	int p[2], status;
	pid_t pid;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;

	if (pipe(p) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);
			if (nb == NULL)
				break;
			buf = nb;
			cap += 65536;
		}
		n = read(p[0], buf + len, cap - len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	if (buf != NULL)
		buf[len] = '\0';
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (out != NULL)
		*out = buf;
	else
		free(buf);
	return status;
}

int
tl_run_timeout(char *const argv[], char **out, int timeout_ms)
{
	long long deadline = tl_now_ms() + timeout_ms;
	int p[2], status, open_pipe = 1, timed_out = 0;
	pid_t pid, r;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (out != NULL)
		*out = NULL;
	if (pipe(p) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	/* Read until EOF or the deadline; a child that forked may keep the
	 * pipe open after it exits, so the exit also ends the read loop. */
	for (;;) {
		struct pollfd pfd = { p[0], POLLIN, 0 };
		int left = (int)(deadline - tl_now_ms());
		ssize_t n;

		if ((r = waitpid(pid, &status, WNOHANG)) == pid)
			break;
		if (left <= 0) {
			timed_out = 1;
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		if (!open_pipe) {
			usleep(10000);
			continue;
		}
		if (poll(&pfd, 1, left < 50 ? left : 50) <= 0)
			continue;
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);
			if (nb == NULL)
				break;
			buf = nb;
			cap += 65536;
		}
		n = read(p[0], buf + len, cap - len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			open_pipe = 0;
			continue;
		}
		len += (size_t)n;
		buf[len] = '\0';
	}
	/* Whatever is still buffered in the pipe. */
	for (;;) {
		struct pollfd pfd = { p[0], POLLIN, 0 };
		ssize_t n;

		if (!open_pipe || poll(&pfd, 1, 0) <= 0)
			break;
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);
			if (nb == NULL)
				break;
			buf = nb;
			cap += 65536;
		}
		if ((n = read(p[0], buf + len, cap - len - 1)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	close(p[0]);
	if (buf == NULL)
		buf = calloc(1, 1);
	if (out != NULL)
		*out = buf;
	else
		free(buf);
	return timed_out ? -1 : status;
}

/* --- the server under test --- */

static int
read_pidfile(const struct tl_server *s, char lines[4][256])
{
	char path[4096], *text, *p;
	int i = 0;

	snprintf(path, sizeof(path), "%s/labhit.pid", s->state_dir);
	if ((text = tl_read_file(path, NULL)) == NULL)
		return -1;
	for (p = strtok(text, "\n"); p != NULL && i < 4;
	    p = strtok(NULL, "\n"))
		snprintf(lines[i++], 256, "%s", p);
	free(text);
	return i == 4 ? 0 : -1;
}

int
tl_server_status(const struct tl_server *s, char *buf, size_t len)
{
	char lines[4][256];

	if (read_pidfile(s, lines) == -1 ||
	    atoi(lines[0]) != (int)s->pid)
		return -1;
	snprintf(buf, len, "%s", lines[3]);
	return 0;
}

int
tl_server_wait_ready(struct tl_server *s, int timeout_ms)
{
	long long deadline = tl_now_ms() + timeout_ms;
	char lines[4][256];
	int status;

	while (tl_now_ms() < deadline) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = -1;
			return -1;
		}
		if (read_pidfile(s, lines) == 0 &&
		    atoi(lines[0]) == (int)s->pid &&
		    strcmp(lines[3], "ready") == 0) {
			const char *colon = strrchr(lines[2], ':');
			s->port = colon != NULL ? atoi(colon + 1) : 0;
			return s->port > 0 ? 0 : -1;
		}
		usleep(20000);
	}
	return -1;
}

int
tl_server_start(struct tl_server *s, const char *const extra[],
    const char *const env[])
{
	const char *args[64];
	char *cargs[64];
	int n = 0, fd;
	char *log;

	if (s->state_dir == NULL) {
		if ((s->state_dir = tl_tempdir()) == NULL)
			return -1;
		s->own_dir = 1;
	}
	if (asprintf(&s->log_path, "%s/server.log", s->state_dir) == -1)
		return -1;
	args[n++] = tl_bin();
	args[n++] = "serve";
	args[n++] = "--listen";
	args[n++] = "127.0.0.1:0";
	args[n++] = "--state-dir";
	args[n++] = s->state_dir;
	args[n++] = "--log-level";
	args[n++] = "debug";
	args[n++] = "-c";		/* never the machine's own config */
	args[n++] = "/dev/null";
	for (int i = 0; extra != NULL && extra[i] != NULL && n < 62; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	if ((s->pid = fork()) == -1)
		return -1;
	if (s->pid == 0) {
		/* A test that fails or times out must not leave a server
		 * behind: the master dies with the test process. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (s->cgroup_procs != NULL && cgroup_join(s->cgroup_procs) ==
		    -1)
			_exit(126);
		fd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd != -1) {
			dup2(fd, 2);
			dup2(fd, 1);
		}
		for (int i = 0; env != NULL && env[i] != NULL; i++)
			putenv(strdup(env[i]));
		for (int i = 0; i <= n; i++)
			cargs[i] = args[i] != NULL ? strdup(args[i]) : NULL;
		execv(cargs[0], cargs);
		_exit(127);
	}
	if (tl_server_wait_ready(s, 20000) == 0)
		return 0;
	if ((log = tl_server_log(s)) != NULL) {
		fprintf(stderr, "server did not become ready; log:\n%s\n", log);
		free(log);
	}
	return -1;
}

int
tl_server_signal_wait(struct tl_server *s, int sig, int timeout_ms)
{
	long long deadline = tl_now_ms() + timeout_ms;
	int status;

	if (s->pid <= 0)
		return -1;
	kill(s->pid, sig);
	while (tl_now_ms() < deadline) {
		pid_t r = waitpid(s->pid, &status, WNOHANG);
		if (r == s->pid) {
			s->pid = -1;
			return status;
		}
		usleep(10000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	s->pid = -1;
	return -1;
}

/* A sanitizer report from any server process fails the test, even when
 * the test's own assertions held. */
static void
check_server_log(const struct tl_server *s)
{
	static const char *const marks[] = { "AddressSanitizer",
	    "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:",
	    NULL };
	char *log = tl_server_log(s);

	if (log == NULL)
		return;
	for (int i = 0; marks[i] != NULL; i++)
		if (strstr(log, marks[i]) != NULL) {
			fprintf(stderr, "server log has a sanitizer report:\n"
			    "%s\n", log);
			free(log);
			ck_abort_msg("sanitizer report in %s", s->log_path);
		}
	free(log);
}

void
tl_server_stop(struct tl_server *s)
{
	if (s->pid > 0)
		tl_server_signal_wait(s, SIGTERM, 15000);
	if (s->log_path != NULL)
		check_server_log(s);
	if (s->own_dir)
		tl_rmtree(s->state_dir);
	free(s->state_dir);
	free(s->log_path);
	s->state_dir = s->log_path = NULL;
}

/* 1 when the master's log says it started pid as role ("worker"). */
static int
logged_start(const char *log, const char *role, long pid)
{
	char		 needle[64], what[32];
	const char	*p, *bol;

	if (log == NULL)
		return 0;
	(void)snprintf(needle, sizeof(needle), "(pid %ld, generation", pid);
	(void)snprintf(what, sizeof(what), "started %s ", role);
	for (p = log; (p = strstr(p, needle)) != NULL; p++) {
		for (bol = p; bol > log && bol[-1] != '\n'; bol--)
			;
		if (memmem(bol, (size_t)(p - bol), what, strlen(what)) != NULL)
			return 1;
	}
	return 0;
}

int
tl_server_children(const struct tl_server *s, const char *role, pid_t *out,
    int max)
{
	DIR *d;
	struct dirent *de;
	char *log = tl_server_log(s);
	int n = 0;

	if ((d = opendir("/proc")) == NULL) {
		free(log);
		return 0;
	}
	while ((de = readdir(d)) != NULL && n < max) {
		char path[300], *stat, *cmd, *rp;
		size_t cmdlen;
		int ppid = 0;
		char state = 0;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((stat = tl_read_file(path, NULL)) == NULL)
			continue;
		rp = strrchr(stat, ')');
		if (rp == NULL || sscanf(rp + 2, "%c %d", &state, &ppid) != 2 ||
		    ppid != (int)s->pid || state == 'Z') {
			free(stat);
			continue;
		}
		free(stat);
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		if ((cmd = tl_read_file(path, &cmdlen)) == NULL)
			continue;
		/* argv[1] is "runner" once a runner exec'd; before that (and
		 * for workers, forked) it is the master's "serve": the
		 * master's "started ROLE N (pid P" line tells them apart, and
		 * a child not logged yet is not counted */
		{
			const char *arg1 = cmd + strlen(cmd) + 1;
			long pid = atol(de->d_name);
			int is_runner = ((size_t)(arg1 - cmd) < cmdlen &&
			    strcmp(arg1, "runner") == 0) ||
			    logged_start(log, "runner", pid);
			int is_worker = !is_runner &&
			    logged_start(log, "worker", pid);

			if (strcmp(role, "runner") == 0 ? is_runner :
			    is_worker)
				out[n++] = (pid_t)pid;
		}
		free(cmd);
	}
	closedir(d);
	free(log);
	return n;
}

char *
tl_server_log(const struct tl_server *s)
{
	return tl_read_file(s->log_path, NULL);
}

int
tl_server_wait_log(const struct tl_server *s, const char *needle,
    int timeout_ms)
{
	long long deadline = tl_now_ms() + timeout_ms;

	do {
		char *log = tl_server_log(s);
		int found = log != NULL && strstr(log, needle) != NULL;
		free(log);
		if (found)
			return 0;
		usleep(20000);
	} while (tl_now_ms() < deadline);
	return -1;
}

/* --- HTTP client --- */

int
tl_connect(int port)
{
	struct sockaddr_in sin;
	int fd, on = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return fd;
}

int
tl_send(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads more bytes into a growing buffer, waiting up to the deadline. */
static ssize_t
read_more(int fd, char **buf, size_t *len, size_t *cap, long long deadline)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t n;
	int left = (int)(deadline - tl_now_ms());

	if (left <= 0 || poll(&pfd, 1, left) <= 0)
		return -1;
	if (*cap - *len < 8192) {
		char *nb = realloc(*buf, *cap + 65536);
		if (nb == NULL)
			return -1;
		*buf = nb;
		*cap += 65536;
	}
	n = read(fd, *buf + *len, *cap - *len - 1);
	if (n > 0) {
		*len += (size_t)n;
		(*buf)[*len] = '\0';
	}
	return n;
}

const char *
tl_header(const struct tl_response *r, const char *name)
{
	static char value[4096];
	size_t nlen = strlen(name);
	const char *line;

	if (r->head == NULL)
		return NULL;
	for (line = strstr(r->head, "\r\n"); line != NULL;
	    line = strstr(line, "\r\n")) {
		line += 2;
		if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
			const char *v = line + nlen + 1, *end;
			while (*v == ' ')
				v++;
			end = strstr(v, "\r\n");
			if (end == NULL)
				end = v + strlen(v);
			snprintf(value, sizeof(value), "%.*s", (int)(end - v), v);
			return value;
		}
	}
	return NULL;
}

static int
dechunk(const char *p, size_t avail, char **out, size_t *outlen,
    size_t *consumed)
{
	const char *start = p, *end = p + avail;
	char *body = NULL;
	size_t blen = 0;

	for (;;) {
		const char *nl = memmem(p, (size_t)(end - p), "\r\n", 2);
		unsigned long size;
		char *nb;

		if (nl == NULL)
			goto more;
		size = strtoul(p, NULL, 16);
		if ((size_t)(end - nl - 2) < size + 2)
			goto more;
		if (size == 0) {
			const char *fin = memmem(nl, (size_t)(end - nl),
			    "\r\n\r\n", 4);
			if (fin == NULL)
				goto more;
			*consumed = (size_t)(fin + 4 - start);
			break;
		}
		if ((nb = realloc(body, blen + size + 1)) == NULL)
			goto more;
		body = nb;
		memcpy(body + blen, nl + 2, size);
		blen += size;
		p = nl + 2 + size + 2;
	}
	if (body == NULL)
		body = calloc(1, 1);
	else
		body[blen] = '\0';
	*out = body;
	*outlen = blen;
	return 1;
more:
	free(body);
	return 0;
}

int
tl_read_response(int fd, struct tl_response *r, int is_head, int timeout_ms)
{
	long long deadline = tl_now_ms() + timeout_ms;
	char *buf = NULL, *eoh;
	size_t len = 0, cap = 0, hlen, consumed;
	const char *cl, *te;

	memset(r, 0, sizeof(*r));
	for (;;) {
		if (buf != NULL && (eoh = strstr(buf, "\r\n\r\n")) != NULL)
			break;
		if (read_more(fd, &buf, &len, &cap, deadline) <= 0)
			goto fail;
	}
	hlen = (size_t)(eoh - buf) + 4;
	r->head = strndup(buf, hlen - 2);
	r->status = atoi(buf + 9);
	/* 1xx interim responses: skip to the final one. */
	if (r->status >= 100 && r->status < 200) {
		memmove(buf, buf + hlen, len - hlen + 1);
		free(r->head);
		len -= hlen;
		/* fall through to a fresh read of the remaining bytes */
		{
			struct tl_response inner;
			int rc;
			free(buf);
			rc = tl_read_response(fd, &inner, is_head,
			    (int)(deadline - tl_now_ms()));
			*r = inner;
			return rc;
		}
	}
	cl = tl_header(r, "Content-Length");
	if (is_head || r->status == 204 || r->status == 304) {
		r->body = calloc(1, 1);
		free(buf);
		return 0;
	}
	if (cl != NULL) {
		size_t want = strtoul(cl, NULL, 10);
		while (len - hlen < want)
			if (read_more(fd, &buf, &len, &cap, deadline) <= 0)
				goto fail;
		r->body = malloc(want + 1);
		memcpy(r->body, buf + hlen, want);
		r->body[want] = '\0';
		r->body_len = want;
		free(buf);
		return 0;
	}
	te = tl_header(r, "Transfer-Encoding");
	if (te != NULL && strcasecmp(te, "chunked") == 0) {
		while (!dechunk(buf + hlen, len - hlen, &r->body, &r->body_len,
		    &consumed))
			if (read_more(fd, &buf, &len, &cap, deadline) <= 0)
				goto fail;
		free(buf);
		return 0;
	}
	/* Close-delimited. */
	while (read_more(fd, &buf, &len, &cap, deadline) > 0)
		;
	r->body = strndup(buf + hlen, len - hlen);
	r->body_len = len - hlen;
	free(buf);
	return 0;
fail:
	free(buf);
	free(r->head);
	r->head = NULL;
	return -1;
}

int
tl_http_raw(int port, const char *raw, struct tl_response *r)
{
	int fd, rc;

	memset(r, 0, sizeof(*r));
	if ((fd = tl_connect(port)) == -1)
		return -1;
	if (tl_send(fd, raw, strlen(raw)) == -1) {
		close(fd);
		return -1;
	}
	rc = tl_read_response(fd, r, strncmp(raw, "HEAD ", 5) == 0, 10000);
	close(fd);
	return rc;
}

int
tl_get(int port, const char *path, const char *extra_headers,
    struct tl_response *r)
{
	char *req;
	int rc;

	if (asprintf(&req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n%s\r\n", path,
	    extra_headers != NULL ? extra_headers : "") == -1)
		return -1;
	rc = tl_http_raw(port, req, r);
	free(req);
	return rc;
}

int
tl_post(int port, const char *path, const char *content_type,
    const char *body, const char *extra_headers, struct tl_response *r)
{
	char *req;
	int rc;

	if (asprintf(&req, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n%s\r\n%s", path, content_type,
	    strlen(body), extra_headers != NULL ? extra_headers : "",
	    body) == -1)
		return -1;
	rc = tl_http_raw(port, req, r);
	free(req);
	return rc;
}

void
tl_response_free(struct tl_response *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}
