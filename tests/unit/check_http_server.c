/*
 * check_http_server.c: suite for the worker's HTTP core. Each test forks
 * a child running an event_base + http_server on 127.0.0.1:0 with a small
 * test handler, and talks raw HTTP/1.x to it over blocking sockets.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "shared/log.h"
#include "tests/lib/testlib.h"
#include "worker/http.h"

#define EXIT_DRAINED	42
#define EXIT_ABORTED	43
#define EXIT_FLOODED	44

static struct event_base *cbase;
static struct lh_http_server *csrv;
static pid_t child;
static char *log_dir, *log_path;
static int port;

/* ---- the server side, in the child ---- */

struct later {
	struct lh_http_request	*req;
	struct event		*ev;
	int			 step;
};

static struct later *laters[16];
static int exit_code;
static int quitting;

static void
later_free(struct later *l)
{
	int i;

	for (i = 0; i < 16; i++)
		if (laters[i] == l)
			laters[i] = NULL;
	event_free(l->ev);
	free(l);
}

static void
slow_cb(evutil_socket_t fd, short what, void *arg)
{
	struct later *l = arg;

	(void)fd;
	(void)what;
	http_reply(l->req, 200, "text/plain", "slow", 4);
	later_free(l);
}

static void
stream_cb(evutil_socket_t fd, short what, void *arg)
{
	struct later *l = arg;
	struct timeval tv = { 0, 50000 };
	char line[32];
	int n;

	(void)fd;
	(void)what;
	if (l->step == 3) {
		http_stream_end(l->req);
		later_free(l);
		return;
	}
	n = snprintf(line, sizeof(line), "data: %d\n\n", ++l->step);
	http_stream_write(l->req, line, (size_t)n);
	evtimer_add(l->ev, &tv);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct later *l = arg;
	struct timeval tv = { 0, 20000 };

	(void)fd;
	(void)what;
	http_stream_write(l->req, "data: x\n\n", 9);
	evtimer_add(l->ev, &tv);
}

static void
flood_cb(evutil_socket_t fd, short what, void *arg)
{
	static char chunk[65536];
	struct later *l = arg;
	struct timeval tv = { 0, 1000 };
	int i;

	(void)fd;
	(void)what;
	memset(chunk, 'f', sizeof(chunk));
	for (i = 0; i < 4; i++) {
		if (http_stream_write(l->req, chunk, sizeof(chunk)) == -1) {
			/* the core dropped the peer: release the request */
			http_stream_end(l->req);
			later_free(l);
			exit_code = EXIT_FLOODED;
			event_base_loopbreak(cbase);
			return;
		}
	}
	evtimer_add(l->ev, &tv);
}

static void
abort_cb(struct lh_http_request *req, void *arg)
{
	struct later *l = arg;

	(void)req;
	later_free(l);
	if (!quitting) {
		exit_code = EXIT_ABORTED;
		event_base_loopbreak(cbase);
	}
}

static void
drained_cb(void *arg)
{
	(void)arg;
	exit_code = EXIT_DRAINED;
	event_base_loopbreak(cbase);
}

static struct later *
later_new(struct lh_http_request *req, event_callback_fn cb, long usec)
{
	struct timeval tv = { 0, usec };
	struct later *l = calloc(1, sizeof(*l));
	int i;

	if (l == NULL)
		_exit(4);
	for (i = 0; i < 16 && laters[i] != NULL; i++)
		;
	if (i == 16)
		_exit(5);
	laters[i] = l;
	l->req = req;
	l->ev = evtimer_new(cbase, cb, l);
	evtimer_add(l->ev, &tv);
	return l;
}

static void
handler(struct lh_http_request *req, void *arg)
{
	char out[512];
	int n;

	(void)arg;
	if (strcmp(req->path, "/hello") == 0) {
		http_add_header(req, "X-Per-Request", "1");
		http_reply(req, 200, "text/plain", "hello", 5);
	} else if (strcmp(req->path, "/echo") == 0) {
		http_reply(req, 200, "application/octet-stream", req->body,
		    req->body_len);
	} else if (strcmp(req->path, "/slow") == 0) {
		later_new(req, slow_cb, 300000);
	} else if (strcmp(req->path, "/stream") == 0) {
		http_add_header(req, "Cache-Control", "no-cache");
		http_stream_begin(req, 200, "text/event-stream");
		later_new(req, stream_cb, 10000);
	} else if (strcmp(req->path, "/sse-abort") == 0) {
		http_stream_begin(req, 200, "text/event-stream");
		http_set_abort_cb(req, abort_cb, later_new(req, tick_cb, 1000));
	} else if (strcmp(req->path, "/flood") == 0) {
		http_stream_begin(req, 200, "application/octet-stream");
		later_new(req, flood_cb, 1000);
	} else if (strcmp(req->path, "/abort") == 0) {
		http_set_abort_cb(req, abort_cb, later_new(req, slow_cb,
		    5000000));
	} else if (strcmp(req->path, "/drain") == 0) {
		http_server_drain(csrv, drained_cb, NULL);
		http_reply(req, 200, "text/plain", "draining", 8);
	} else if (strcmp(req->path, "/quit") == 0) {
		http_reply(req, 200, "text/plain", "bye", 3);
		event_base_loopbreak(cbase);
	} else if (strcmp(req->path, "/big") == 0) {
		static char big[4 << 20];

		memset(big, 'B', sizeof(big));
		http_reply(req, 200, "text/plain", big, sizeof(big));
	} else if (strcmp(req->path, "/count") == 0) {
		n = snprintf(out, sizeof(out), "%d",
		    http_server_connections(csrv));
		http_reply(req, 200, "text/plain", out, (size_t)n);
	} else if (strcmp(req->path, "/info") == 0) {
		n = snprintf(out, sizeof(out), "path=[%s] query=[%s] ip=%s",
		    req->path, req->query != NULL ? req->query : "(null)",
		    req->client_ip);
		http_reply(req, 200, "text/plain", out, (size_t)n);
	} else
		http_reply_error(req, 404, "NOT_FOUND", "no \"such\" path");
}

static void
run_server(int lfd)
{
	struct lh_http_limits lim = {
		.max_header_size = 1024,
		.max_body_size = 1000,
		.header_timeout_ms = 300,
		.read_timeout_ms = 300,
		.write_timeout_ms = 1000,
		.keepalive_timeout_ms = 2000,
		.max_connections = 8,
	};
	int i;

	log_set_level(LH_LOG_ERROR);
	if (log_path != NULL) {
		if (log_open(log_path) == -1)
			_exit(6);
		log_set_level(LH_LOG_INFO);
	}
	if ((cbase = event_base_new()) == NULL)
		_exit(2);
	csrv = http_server_new(cbase, &lim, handler, NULL);
	if (csrv == NULL ||
	    http_server_set_common_headers(csrv, "X-Common: yes\r\n"
	    "X-Frame-Options: DENY\r\n") == -1 ||
	    http_server_set_common_headers(csrv, "X-No-CRLF: 1") != -1 ||
	    http_server_add_listener(csrv, lfd) == -1)
		_exit(3);
	http_server_set_access_log(csrv, 1);
	event_base_dispatch(cbase);
	/* a clean exit, so that LeakSanitizer checks the server side */
	quitting = 1;
	http_server_free(csrv);
	for (i = 0; i < 16; i++)
		if (laters[i] != NULL)
			later_free(laters[i]);
	event_base_free(cbase);
	exit(exit_code);
}

static void
setup(void)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	int lfd, one = 1;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ne(lfd, -1);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(lfd, 64), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &slen), 0);
	port = ntohs(sin.sin_port);
	child = fork();
	ck_assert_int_ne(child, -1);
	if (child == 0)
		run_server(lfd);
	close(lfd);
}

/* Waits up to ms for the child to exit; returns its exit code or -1. */
static int
child_wait(int ms)
{
	int st, i;

	for (i = 0; i < ms / 10; i++) {
		if (waitpid(child, &st, WNOHANG) == child) {
			child = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		}
		usleep(10000);
	}
	return -1;
}

static void
teardown(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = 0;
	}
}

static void
setup_log(void)
{
	log_dir = tl_tempdir();
	ck_assert_ptr_nonnull(log_dir);
	ck_assert_int_ne(asprintf(&log_path, "%s/access.log", log_dir), -1);
	setup();
}

static void
teardown_log(void)
{
	teardown();
	tl_rmtree(log_dir);
	free(log_dir);
	free(log_path);
	log_dir = log_path = NULL;
}

/* ---- the client side ---- */

static int
conn(void)
{
	struct sockaddr_in sin;
	struct timeval tv = { 3, 0 };
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ne(fd, -1);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static void
send_str(int fd, const char *s)
{
	size_t len = strlen(s);

	ck_assert_int_eq(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Reads exactly n bytes (or up to EOF); returns what was read. */
static size_t
read_n(int fd, char *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

/* 1 when the peer closed (EOF or reset) within the receive timeout. */
static int
is_closed(int fd)
{
	char c;
	ssize_t r = read(fd, &c, 1);

	return r == 0 || (r == -1 && errno == ECONNRESET);
}

/*
 * Reads one response: the head, then a Content-Length body, a chunked
 * body up to its last chunk, or (neither) nothing more unless
 * to_eof. Returns the whole text in buf (NUL-terminated).
 */
static size_t
read_reply_opt(int fd, char *buf, size_t cap, int head_only, int to_eof)
{
	size_t got = 0, hl, need;
	char *end, *cl;

	for (;;) {
		ck_assert_uint_lt(got, cap - 1);
		ck_assert_uint_eq(read_n(fd, buf + got, 1), 1);
		got++;
		buf[got] = '\0';
		if (got >= 4 && memcmp(buf + got - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	hl = got;
	if (head_only)
		return got;
	if ((cl = strcasestr(buf, "\r\nContent-Length: ")) != NULL &&
	    cl < buf + hl) {
		need = strtoul(cl + 18, NULL, 10);
		ck_assert_uint_lt(hl + need, cap);
		got += read_n(fd, buf + got, need);
	} else if (strcasestr(buf, "Transfer-Encoding: chunked") != NULL) {
		while ((end = strstr(buf + hl, "\r\n0\r\n\r\n")) == NULL &&
		    strncmp(buf + hl, "0\r\n\r\n", 5) != 0) {
			ck_assert_uint_lt(got, cap - 1);
			ck_assert_uint_eq(read_n(fd, buf + got, 1), 1);
			got++;
			buf[got] = '\0';
		}
	} else if (to_eof)
		got += read_n(fd, buf + got, cap - 1 - got);
	buf[got] = '\0';
	return got;
}

static size_t
read_reply(int fd, char *buf, size_t cap)
{
	return read_reply_opt(fd, buf, cap, 0, 0);
}

static const char *
body_of(const char *reply)
{
	const char *p = strstr(reply, "\r\n\r\n");

	ck_assert_ptr_nonnull(p);
	return p + 4;
}

static void
assert_common(const char *reply)
{
	ck_assert_ptr_nonnull(strstr(reply, "\r\nX-Common: yes\r\n"));
	ck_assert_ptr_nonnull(strstr(reply, "\r\nX-Frame-Options: DENY\r\n"));
	ck_assert_ptr_nonnull(strstr(reply, "\r\nServer: labhit/0.4.0\r\n"));
	ck_assert_ptr_nonnull(strstr(reply, "\r\nDate: "));
	ck_assert_ptr_nonnull(strstr(reply, " GMT\r\n"));
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- tests ---- */

START_TEST(keepalive_two)
{
	char r[4096];
	int fd = conn();

	send_str(fd, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 200 OK\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nContent-Length: 5\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nContent-Type: text/plain\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nX-Per-Request: 1\r\n"));
	ck_assert_ptr_null(strstr(r, "Connection:"));
	ck_assert_str_eq(body_of(r), "hello");
	assert_common(r);
	send_str(fd, "GET /info?a=%41 HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_str_eq(body_of(r), "path=[/info] query=[a=%41] ip=127.0.0.1");
	/* the X-Per-Request header was for the first request only */
	ck_assert_ptr_null(strstr(r, "X-Per-Request"));
	/* HTTP/1.0 with keep-alive gets it back, without: close */
	send_str(fd, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "\r\nConnection: keep-alive\r\n"));
	send_str(fd, "GET /hello HTTP/1.0\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "\r\nConnection: close\r\n"));
	ck_assert(is_closed(fd));
	close(fd);
}
END_TEST

START_TEST(pipelined)
{
	char r[4096];
	int fd = conn();

	/* the slow one is answered from a timer; order must hold */
	send_str(fd, "GET /info?n=1 HTTP/1.1\r\nHost: t\r\n\r\n"
	    "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"
	    "\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
	    "GET /info?n=4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "query=[n=1]"));
	read_reply(fd, r, sizeof(r));
	ck_assert_str_eq(body_of(r), "slow");
	read_reply(fd, r, sizeof(r));
	ck_assert_str_eq(body_of(r), "abc");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "query=[n=4]"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nConnection: close\r\n"));
	ck_assert(is_closed(fd));
	close(fd);
}
END_TEST

START_TEST(head_request)
{
	char r[4096];
	int fd = conn();

	send_str(fd, "HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply_opt(fd, r, sizeof(r), 1, 0);
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 200 OK\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nContent-Length: 5\r\n"));
	/* no body: the next bytes are the next response */
	send_str(fd, "GET /info HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_int_eq(strncmp(r, "HTTP/1.1 200 OK\r\n", 17), 0);
	ck_assert_ptr_nonnull(strstr(r, "path=[/info]"));
	close(fd);
}
END_TEST

START_TEST(post_bodies)
{
	char r[4096];
	int fd = conn();

	send_str(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11"
	    "\r\n\r\nhello");
	usleep(50000);
	send_str(fd, " world");
	read_reply(fd, r, sizeof(r));
	ck_assert_str_eq(body_of(r), "hello world");
	send_str(fd, "POST /echo HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
	usleep(50000);
	send_str(fd, "6;x=y\r\n worl");
	usleep(50000);
	send_str(fd, "d\r\n0\r\nTrailer: 1\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_str_eq(body_of(r), "hello world");
	/* empty body */
	send_str(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0"
	    "\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "\r\nContent-Length: 0\r\n"));
	/* Expect: 100-continue: the interim answer, then the real one */
	send_str(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
	    "Expect: 100-continue\r\n\r\n");
	ck_assert_uint_eq(read_n(fd, r, 25), 25);
	ck_assert_int_eq(memcmp(r, "HTTP/1.1 100 Continue\r\n\r\n", 25), 0);
	send_str(fd, "ok");
	read_reply(fd, r, sizeof(r));
	ck_assert_str_eq(body_of(r), "ok");
	close(fd);
}
END_TEST

START_TEST(chunked_bad)
{
	char r[4096];
	int fd = conn();

	send_str(fd, "POST /echo HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: chunked\r\n\r\nzz\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 400 Bad Request\r\n"));
	ck_assert(is_closed(fd));
	close(fd);
}
END_TEST

START_TEST(too_large)
{
	char r[4096], big[2048];
	int fd = conn(), i;

	/* 413 at once from Content-Length, without reading the body */
	send_str(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000"
	    "\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 413 Content Too Large\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nConnection: close\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\"status\":413"));
	assert_common(r);
	ck_assert(is_closed(fd));
	close(fd);

	/* the body was sent anyway: the 413 must still arrive, not a reset */
	for (i = 0; i < 20; i++) {
		fd = conn();
		memset(big, 'x', sizeof(big));
		send_str(fd, "POST /echo HTTP/1.1\r\nHost: t\r\n"
		    "Content-Length: 6000\r\n\r\n");
		send(fd, big, sizeof(big), MSG_NOSIGNAL);
		send(fd, big, sizeof(big), MSG_NOSIGNAL);
		send(fd, big, sizeof(big), MSG_NOSIGNAL);
		usleep(20000);
		read_reply(fd, r, sizeof(r));
		ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 413 "));
		close(fd);
	}

	/* lingering: after the 413 the server still drains what we send
	 * for a moment (no reset), then closes */
	fd = conn();
	send_str(fd, "POST /echo HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 100000\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 413 "));
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(send(fd, big, sizeof(big), MSG_NOSIGNAL),
		    (ssize_t)sizeof(big));
		usleep(30000);
	}
	ck_assert(is_closed(fd));
	close(fd);

	/* chunked bodies are counted as they come */
	fd = conn();
	memset(big, 'a', 900);
	strcpy(big + 900, "\r\n");
	send_str(fd, "POST /echo HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n384\r\n");
	send_str(fd, big);
	send_str(fd, "384\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 413 "));
	close(fd);

	/* a head over max_header_size */
	fd = conn();
	memset(big, 'b', 1500);
	big[1500] = '\0';
	send_str(fd, "GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: ");
	send_str(fd, big);
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r,
	    "HTTP/1.1 431 Request Header Fields Too Large\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nConnection: close\r\n"));
	assert_common(r);
	close(fd);
}
END_TEST

START_TEST(header_timeout)
{
	char r[4096];
	uint64_t t0;
	int fd = conn(), i;

	/* slowloris: one byte every 50 ms never completes the head */
	t0 = now_ms();
	send_str(fd, "GET /hello HTTP/1.1\r\n");
	for (i = 0; i < 20; i++) {
		if (recv(fd, r, 1, MSG_PEEK | MSG_DONTWAIT) == 1)
			break;		/* the answer is there */
		if (send(fd, "X", 1, MSG_NOSIGNAL) != 1)
			break;
		usleep(50000);
		if (now_ms() - t0 > 500)
			break;
	}
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 408 Request Timeout\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nConnection: close\r\n"));
	assert_common(r);
	/* the 300 ms header timeout, not the 2 s keep-alive one */
	ck_assert_uint_ge(now_ms() - t0, 250);
	ck_assert_uint_lt(now_ms() - t0, 1900);
	ck_assert(is_closed(fd));
	close(fd);

	/* a silent new connection is closed without an answer */
	fd = conn();
	t0 = now_ms();
	ck_assert(is_closed(fd));
	ck_assert_uint_ge(now_ms() - t0, 250);
	close(fd);

	/* a stalled body gets 408 after read_timeout */
	fd = conn();
	send_str(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10"
	    "\r\n\r\nabc");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 408 "));
	close(fd);
}
END_TEST

START_TEST(max_connections)
{
	char r[4096];
	int fds[8], i, fd;

	for (i = 0; i < 8; i++) {
		fds[i] = conn();
		send_str(fds[i], "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
		read_reply(fds[i], r, sizeof(r));
		ck_assert_ptr_nonnull(strstr(r, "200 OK"));
	}
	fd = conn();		/* the kernel accepts, the server closes */
	send(fd, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", 33, MSG_NOSIGNAL);
	ck_assert(is_closed(fd));
	close(fd);
	close(fds[0]);
	usleep(100000);
	fd = conn();
	send_str(fd, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "200 OK"));
	close(fd);
	for (i = 1; i < 8; i++)
		close(fds[i]);
}
END_TEST

START_TEST(drain)
{
	char r[4096];
	uint64_t t0;
	int busy, idle, ctl;

	idle = conn();
	send_str(idle, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(idle, r, sizeof(r));
	busy = conn();
	send_str(busy, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
	usleep(50000);
	ctl = conn();
	send_str(ctl, "GET /drain HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(ctl, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "\r\nConnection: close\r\n"));
	t0 = now_ms();
	ck_assert(is_closed(ctl));
	/* idle keep-alive closed at once, not at its 2 s timeout (the
	 * margin is for a loaded machine) */
	ck_assert(is_closed(idle));
	ck_assert_uint_lt(now_ms() - t0, 1500);
	read_reply(busy, r, sizeof(r));	/* in flight: finishes */
	ck_assert_str_eq(body_of(r), "slow");
	ck_assert_ptr_nonnull(strstr(r, "\r\nConnection: close\r\n"));
	ck_assert(is_closed(busy));
	ck_assert_int_eq(child_wait(2000), EXIT_DRAINED);
	close(idle);
	close(busy);
	close(ctl);
}
END_TEST

START_TEST(streaming)
{
	char r[4096];
	int fd = conn();

	send_str(fd, "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "\r\nTransfer-Encoding: chunked\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nContent-Type: text/event-stream"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nCache-Control: no-cache\r\n"));
	ck_assert_ptr_null(strstr(r, "Content-Length"));
	assert_common(r);
	ck_assert_str_eq(body_of(r), "9\r\ndata: 1\n\n\r\n9\r\ndata: 2\n\n\r\n"
	    "9\r\ndata: 3\n\n\r\n0\r\n\r\n");
	/* the connection stays usable */
	send_str(fd, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_str_eq(body_of(r), "hello");
	close(fd);

	/* HTTP/1.0: close-delimited */
	fd = conn();
	send_str(fd, "GET /stream HTTP/1.0\r\n\r\n");
	read_reply_opt(fd, r, sizeof(r), 0, 1);
	ck_assert_ptr_null(strstr(r, "Transfer-Encoding"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nConnection: close\r\n"));
	ck_assert_str_eq(body_of(r), "data: 1\n\ndata: 2\n\ndata: 3\n\n");
	close(fd);
}
END_TEST

START_TEST(abort_on_disconnect)
{
	int fd = conn();

	send_str(fd, "GET /abort HTTP/1.1\r\nHost: t\r\n\r\n");
	usleep(100000);
	close(fd);
	ck_assert_int_eq(child_wait(2000), EXIT_ABORTED);
}
END_TEST

/* The server is freed with connections in every state; under ASan the
 * child's exit status shows leaks. */
START_TEST(free_busy)
{
	char r[4096];
	int fds[6], i;

	fds[0] = conn();			/* idle keep-alive */
	send_str(fds[0], "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(fds[0], r, sizeof(r));
	fds[1] = conn();			/* half a head */
	send_str(fds[1], "GET /hello HTTP/1.1\r\nHo");
	fds[2] = conn();			/* async, no abort callback */
	send_str(fds[2], "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
	fds[3] = conn();			/* async with abort callback */
	send_str(fds[3], "GET /abort HTTP/1.1\r\nHost: t\r\n\r\n");
	fds[4] = conn();			/* streaming */
	send_str(fds[4], "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
	send_str(fds[1], "st: t\r\nContent-Length: 5\r\n\r\nab");	/* body */
	usleep(30000);
	fds[5] = conn();
	send_str(fds[5], "GET /quit HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(fds[5], r, sizeof(r));
	ck_assert_int_eq(child_wait(3000), 0);
	for (i = 0; i < 6; i++) {
		ck_assert(is_closed(fds[i]) || i == 4);
		close(fds[i]);
	}
}
END_TEST

static int
count_conns(void)
{
	char r[4096];
	int fd = conn(), n;

	send_str(fd, "GET /count HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	n = atoi(body_of(r));
	close(fd);
	return n;
}

START_TEST(write_timeout)
{
	struct sockaddr_in sin;
	int fd, small = 4096;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ne(fd, -1);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	send_str(fd, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
	usleep(300000);
	ck_assert_int_eq(count_conns(), 2);	/* the stuck one and us */
	usleep(1200000);			/* write_timeout is 1 s */
	ck_assert_int_eq(count_conns(), 1);
	close(fd);
}
END_TEST

START_TEST(keepalive_timeout)
{
	char r[4096];
	uint64_t t0;
	int fd = conn();

	send_str(fd, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	t0 = now_ms();
	/* longer than header_timeout: idle keep-alive has its own clock */
	ck_assert(is_closed(fd));
	ck_assert_uint_ge(now_ms() - t0, 1800);
	ck_assert_uint_lt(now_ms() - t0, 4000);
	close(fd);
}
END_TEST

START_TEST(stream_abort)
{
	char r[4096];
	int fd = conn();

	send_str(fd, "GET /sse-abort HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply_opt(fd, r, sizeof(r), 1, 0);
	ck_assert_uint_eq(read_n(fd, r, 14), 14);	/* "9\r\ndata: x\n\n\r\n" */
	ck_assert_int_eq(memcmp(r, "9\r\ndata: x\n\n\r\n", 14), 0);
	close(fd);
	ck_assert_int_eq(child_wait(2000), EXIT_ABORTED);
}
END_TEST

START_TEST(stream_overflow)
{
	struct sockaddr_in sin;
	int fd, small = 4096;

	/* a peer that never reads: the queue passes 1 MiB, it is dropped */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ne(fd, -1);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	send_str(fd, "GET /flood HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_int_eq(child_wait(8000), EXIT_FLOODED);
	close(fd);
}
END_TEST

START_TEST(access_log)
{
	char r[4096], line[512];
	FILE *f;
	int fd = conn(), found = 0, found_err = 0;

	send_str(fd, "GET /hello?x=1 HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	send_str(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3"
	    "\r\n\r\nabc");
	read_reply(fd, r, sizeof(r));
	send_str(fd, "BAD\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	close(fd);
	usleep(100000);
	f = fopen(log_path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "GET /hello 200 5 ") != NULL &&
		    strstr(line, "ms 127.0.0.1\n") != NULL)
			found++;
		if (strstr(line, "POST /echo 200 3 ") != NULL)
			found++;
		if (strstr(line, "- - 400 ") != NULL)
			found_err++;
	}
	fclose(f);
	ck_assert_int_eq(found, 2);
	ck_assert_int_eq(found_err, 1);
}
END_TEST

START_TEST(errors)
{
	static const struct {
		const char *req;
		const char *line;
	} t[] = {
		{ "GARBAGE\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n" },
		{ "GET /hello HTTP/1.1\r\n\r\n", "HTTP/1.1 400 " },
		{ "GET /hello HTTP/2.0\r\nHost: t\r\n\r\n", "HTTP/1.1 505 " },
		{ "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip"
		  "\r\n\r\n", "HTTP/1.1 501 " },
		{ "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n", "HTTP/1.1 400 " },
		{ "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: magic\r\n\r\n",
		  "HTTP/1.1 417 " },
		{ "GET /a%00b HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 400 " },
	};
	char r[4096];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		fd = conn();
		send_str(fd, t[i].req);
		read_reply(fd, r, sizeof(r));
		ck_assert_msg(strncmp(r, t[i].line, strlen(t[i].line)) == 0,
		    "case %zu: %s", i, r);
		ck_assert_ptr_nonnull(strstr(r, "\r\nConnection: close\r\n"));
		ck_assert_ptr_nonnull(strstr(r,
		    "\r\nContent-Type: application/json\r\n"));
		assert_common(r);
		ck_assert(is_closed(fd));
		close(fd);
	}
	/* handler errors: JSON with the message escaped, keep-alive */
	fd = conn();
	send_str(fd, "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 404 Not Found\r\n"));
	assert_common(r);
	ck_assert_str_eq(body_of(r), "{\"error\":{\"status\":404,\"code\":"
	    "\"NOT_FOUND\",\"message\":\"no \\\"such\\\" path\"}}");
	send_str(fd, "GET /p%20q?x HTTP/1.1\r\nHost: t\r\n\r\n");
	read_reply(fd, r, sizeof(r));
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 404 "));
	close(fd);
}
END_TEST

START_TEST(status_text)
{
	ck_assert_str_eq(http_status_text(200), "OK");
	ck_assert_str_eq(http_status_text(405), "Method Not Allowed");
	ck_assert_str_eq(http_status_text(429), "Too Many Requests");
	ck_assert_str_eq(http_status_text(799), "Unknown");
}
END_TEST

static Suite *
http_server_suite(void)
{
	Suite *s = suite_create("http_server");
	TCase *tc = tcase_create("server");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, keepalive_two);
	tcase_add_test(tc, pipelined);
	tcase_add_test(tc, head_request);
	tcase_add_test(tc, post_bodies);
	tcase_add_test(tc, chunked_bad);
	tcase_add_test(tc, too_large);
	tcase_add_test(tc, header_timeout);
	tcase_add_test(tc, max_connections);
	tcase_add_test(tc, drain);
	tcase_add_test(tc, streaming);
	tcase_add_test(tc, abort_on_disconnect);
	tcase_add_test(tc, free_busy);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, status_text);
	tcase_add_test(tc, stream_abort);
	tcase_add_test(tc, write_timeout);
	tcase_add_test(tc, keepalive_timeout);
	tcase_add_test(tc, stream_overflow);
	suite_add_tcase(s, tc);

	tc = tcase_create("log");
	tcase_add_checked_fixture(tc, setup_log, teardown_log);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, access_log);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_server_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
