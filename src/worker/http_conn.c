/*
 * http_conn.c: one client connection of the worker's HTTP core: reading,
 * head and body parsing, the per-state deadlines, queued writes,
 * keep-alive and pipelining, and connection teardown. Runs in each worker.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "shared/log.h"
#include "worker/http.h"
#include "worker/http_priv.h"

static void http_conn_read_cb(evutil_socket_t, short, void *);
static void http_conn_write_cb(evutil_socket_t, short, void *);
static void http_conn_timer_cb(evutil_socket_t, short, void *);
static void http_conn_process(struct lh_http_conn *);

static void
http_conn_timer(struct lh_http_conn *conn, const struct timeval *tv)
{
	if (tv == NULL) {
		event_del(conn->tev);
		return;
	}
	if (event_add(conn->tev, tv) == -1)
		log_warnx("http: cannot arm a timer for %s", conn->ip);
}

static void
http_conn_reading(struct lh_http_conn *conn, int on)
{
	int r;

	if (conn->dead || conn->reading == on)
		return;
	r = on ? event_add(conn->rev, NULL) : event_del(conn->rev);
	if (r == -1) {
		log_warnx("http: cannot change read events for %s", conn->ip);
		return;
	}
	conn->reading = on;
}

static void
http_conn_peer_text(const struct sockaddr_storage *ss, char *out, size_t len)
{
	const void *addr = NULL;

	if (ss->ss_family == AF_INET)
		addr = &((const struct sockaddr_in *)ss)->sin_addr;
	else if (ss->ss_family == AF_INET6)
		addr = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	if (addr == NULL || inet_ntop(ss->ss_family, addr, out,
	    (socklen_t)len) == NULL)
		snprintf(out, len, "local");
}

struct lh_http_conn *
http_conn_new(struct lh_http_server *srv, int fd,
    const struct sockaddr_storage *ss)
{
	struct lh_http_conn *conn;
	int one = 1;

	if ((conn = calloc(1, sizeof(*conn))) == NULL) {
		log_warn("http: calloc");
		return NULL;
	}
	conn->srv = srv;
	conn->fd = fd;
	conn->max_head = srv->limits.max_header_size;
	conn->cap = conn->max_head + LH_HTTP_READ_ROOM;
	conn->buf = malloc(conn->cap + 1);
	conn->path = malloc(conn->max_head + 1);
	conn->rev = event_new(srv->base, fd, EV_READ | EV_PERSIST,
	    http_conn_read_cb, conn);
	conn->wev = event_new(srv->base, fd, EV_WRITE | EV_PERSIST,
	    http_conn_write_cb, conn);
	conn->tev = evtimer_new(srv->base, http_conn_timer_cb, conn);
	if (conn->buf == NULL || conn->path == NULL || conn->rev == NULL ||
	    conn->wev == NULL || conn->tev == NULL) {
		log_warnx("http: out of memory for a connection");
		conn->fd = -1;	/* the caller closes it */
		http_conn_free(conn);
		return NULL;
	}
	http_conn_peer_text(ss, conn->ip, sizeof(conn->ip));
	if (ss->ss_family != AF_UNIX)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	TAILQ_INSERT_TAIL(&srv->conns, conn, entry);
	srv->nconns++;
	http_conn_reading(conn, 1);
	http_conn_timer(conn, srv->tv_header);
	return conn;
}

/* Frees now; the caller knows no stack frame uses conn. */
void
http_conn_free(struct lh_http_conn *conn)
{
	struct lh_http_server *srv = conn->srv;

	if (conn->rev != NULL)
		event_free(conn->rev);
	if (conn->wev != NULL)
		event_free(conn->wev);
	if (conn->tev != NULL)
		event_free(conn->tev);
	if (conn->fd != -1)
		close(conn->fd);
	if (conn->outq != NULL)
		evbuffer_free(conn->outq);
	free(conn->body);
	free(conn->buf);
	free(conn->path);
	if (conn->srv != NULL && (conn->entry.tqe_prev != NULL)) {
		TAILQ_REMOVE(&srv->conns, conn, entry);
		srv->nconns--;
		http_server_conn_gone(srv);
	}
	free(conn);
}

/* Frees conn, or marks it to be freed when the last stack frame leaves. */
void
http_conn_release(struct lh_http_conn *conn)
{
	if (conn->busy > 0) {
		conn->free_pending = 1;
		return;
	}
	http_conn_free(conn);
}

/* Closes the socket and stops all events; the conn stays allocated. */
void
http_conn_kill(struct lh_http_conn *conn)
{
	if (conn->dead)
		return;
	event_del(conn->rev);
	event_del(conn->wev);
	event_del(conn->tev);
	conn->reading = conn->writing = 0;
	if (conn->fd != -1)
		close(conn->fd);
	conn->fd = -1;
	conn->dead = 1;
}

/*
 * The peer is gone or broke a deadline. A request the handler owns is
 * aborted through its callback (then freed), or left dead for the
 * handler's final reply to free when it set no callback.
 */
void
http_conn_drop(struct lh_http_conn *conn)
{
	int owned = conn->state == LH_HC_HANDLER ||
	    conn->state == LH_HC_STREAM;
	void (*cb)(struct lh_http_request *, void *) = conn->abort_cb;

	http_conn_kill(conn);
	if (!owned) {
		http_conn_release(conn);
		return;
	}
	if (cb == NULL || conn->busy > 0)
		return;
	conn->abort_cb = NULL;
	conn->busy++;
	cb(&conn->req, conn->abort_arg);
	conn->busy--;
	http_conn_release(conn);
}

/* Copies the unsent tail of iov, starting after skip bytes, to outq. */
static int
http_conn_queue(struct lh_http_conn *conn, const struct iovec *iov, int n,
    size_t skip)
{
	int i;

	if (conn->outq == NULL && (conn->outq = evbuffer_new()) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		if (evbuffer_add(conn->outq, (const char *)iov[i].iov_base +
		    skip, iov[i].iov_len - skip) == -1)
			return -1;
		skip = 0;
	}
	return 0;
}

/*
 * Sends iov in order after anything already queued. Returns 0 when all
 * is on the wire, 1 when some is queued for EV_WRITE, -1 on error (the
 * caller drops the connection).
 */
int
http_conn_write(struct lh_http_conn *conn, struct iovec *iov, int n)
{
	struct msghdr msg;
	size_t total = 0;
	ssize_t w = 0;
	int i;

	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (conn->outq == NULL || evbuffer_get_length(conn->outq) == 0) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)n;
		do
			w = sendmsg(conn->fd, &msg, MSG_NOSIGNAL);
		while (w == -1 && errno == EINTR);
		if (w == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_debug("http: send to %s: %s", conn->ip,
				    strerror(errno));
				return -1;
			}
			w = 0;
		}
		if ((size_t)w == total)
			return 0;
	}
	if (http_conn_queue(conn, iov, n, (size_t)w) == -1) {
		log_warnx("http: cannot queue output for %s", conn->ip);
		return -1;
	}
	if (!conn->writing) {
		if (event_add(conn->wev, NULL) == -1)
			return -1;
		conn->writing = 1;
		http_conn_timer(conn, conn->srv->tv_write);
	}
	return 1;
}

/* Writes queued output with MSG_NOSIGNAL (evbuffer_write could raise
 * SIGPIPE). Returns bytes written or -1. */
static ssize_t
http_conn_flush(struct evbuffer *q, int fd)
{
	struct evbuffer_iovec vec[16];
	struct iovec iov[16];
	struct msghdr msg;
	ssize_t w;
	int i, n;

	n = evbuffer_peek(q, -1, NULL, vec, 16);
	if (n > 16)
		n = 16;
	for (i = 0; i < n; i++) {
		iov[i].iov_base = vec[i].iov_base;
		iov[i].iov_len = vec[i].iov_len;
	}
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)n;
	if ((w = sendmsg(fd, &msg, MSG_NOSIGNAL)) > 0)
		evbuffer_drain(q, (size_t)w);
	return w;
}

static void
http_conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lh_http_conn *conn = arg;
	ssize_t w;

	(void)what;
	w = http_conn_flush(conn->outq, fd);
	if (w == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR) {
		log_debug("http: write to %s: %s", conn->ip, strerror(errno));
		http_conn_drop(conn);
		return;
	}
	if (evbuffer_get_length(conn->outq) > 0) {
		if (w > 0)
			http_conn_timer(conn, conn->srv->tv_write);
		return;
	}
	event_del(conn->wev);
	conn->writing = 0;
	http_conn_timer(conn, conn->state == LH_HC_BODY ?
	    conn->srv->tv_read : NULL);
	if (conn->state == LH_HC_WRITING)
		http_conn_reply_done(conn);
}

static void
http_conn_access_log(struct lh_http_conn *conn)
{
	struct lh_http_request *req = &conn->req;

	log_info("%s %s %d %zu %llums %s", req->method_name, req->path,
	    conn->status, conn->body_out,
	    (unsigned long long)(http_now_ms() - req->start_ms), conn->ip);
}

/*
 * After an error the client may still be sending (a refused body): stop
 * writing, read and discard for a moment, then close, so that closing
 * with unread input does not reset the connection before the client has
 * read the error.
 */
static void
http_conn_linger(struct lh_http_conn *conn)
{
	struct timeval tv = { LH_HTTP_LINGER_MS / 1000,
	    (LH_HTTP_LINGER_MS % 1000) * 1000 };

	if (shutdown(conn->fd, SHUT_WR) == -1) {
		http_conn_kill(conn);
		http_conn_release(conn);
		return;
	}
	conn->state = LH_HC_LINGER;
	conn->len = conn->pos = 0;
	http_conn_reading(conn, 1);
	http_conn_timer(conn, &tv);
}

static void
http_conn_discard(struct lh_http_conn *conn)
{
	ssize_t n;

	for (;;) {
		n = read(conn->fd, conn->buf, conn->cap);
		if (n > 0)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return;
		http_conn_drop(conn);	/* EOF or error: done */
		return;
	}
}

/* The reply is on the wire: log, then close or wait for the next one. */
void
http_conn_reply_done(struct lh_http_conn *conn)
{
	struct lh_http_server *srv = conn->srv;

	if (srv->access_log)
		http_conn_access_log(conn);
	/* A small body buffer serves the connection's next request too;
	 * a large one is given back. */
	if (conn->body_cap > LH_HTTP_BODY_KEEP) {
		free(conn->body);
		conn->body = NULL;
		conn->body_cap = 0;
	}
	conn->body_len = 0;
	conn->abort_cb = NULL;
	if (conn->close_after || !conn->keep_alive || srv->draining) {
		conn->state = LH_HC_WRITING;
		if (conn->linger && !conn->dead) {
			http_conn_linger(conn);
			return;
		}
		http_conn_kill(conn);
		http_conn_release(conn);
		return;
	}
	conn->state = LH_HC_HEAD;
	conn->head_started = conn->pos < conn->len;
	http_conn_timer(conn, conn->head_started ? srv->tv_header :
	    srv->tv_keepalive);
	http_conn_reading(conn, 1);
	if (conn->head_started && conn->busy == 0)
		event_active(conn->rev, EV_READ, 1);	/* pipelined */
}

static void
http_conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lh_http_conn *conn = arg;
	ssize_t n = 0;

	(void)what;
	if (conn->state == LH_HC_LINGER) {
		http_conn_discard(conn);
		return;
	}
	if (conn->len < conn->cap) {
		n = read(fd, conn->buf + conn->len, conn->cap - conn->len);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				n = 0;
			else {
				log_debug("http: read from %s: %s", conn->ip,
				    strerror(errno));
				http_conn_drop(conn);
				return;
			}
		} else if (n == 0) {
			if (conn->state == LH_HC_WRITING) {
				/* half-close: finish the reply, then close */
				conn->close_after = 1;
				http_conn_reading(conn, 0);
				return;
			}
			http_conn_drop(conn);	/* peer closed */
			return;
		}
	}
	conn->len += (size_t)n;
	switch (conn->state) {
	case LH_HC_HEAD:
		if (!conn->head_started && conn->len > conn->pos) {
			conn->head_started = 1;
			http_conn_timer(conn, conn->srv->tv_header);
		}
		http_conn_process(conn);
		break;
	case LH_HC_BODY:
		if (n > 0)
			http_conn_timer(conn, conn->srv->tv_read);
		http_conn_process(conn);
		break;
	default:
		/* pipelined bytes wait; stop once the buffer is full */
		if (conn->len == conn->cap)
			http_conn_reading(conn, 0);
		break;
	}
}

static void
http_conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lh_http_conn *conn = arg;

	(void)fd;
	(void)what;
	if ((conn->state == LH_HC_HEAD && !conn->head_started) ||
	    conn->state == LH_HC_LINGER) {
		http_conn_drop(conn);		/* idle keep-alive, linger */
	} else if (conn->state == LH_HC_HEAD || conn->state == LH_HC_BODY) {
		log_debug("http: %s too slow, sending 408", conn->ip);
		http_reply_parse_error(conn, 408);
	} else {
		log_debug("http: write timeout for %s", conn->ip);
		http_conn_drop(conn);
	}
}

/* Sets up conn->req from the parsed head. Returns 0 or -status. */
static int
http_conn_start_request(struct lh_http_conn *conn)
{
	struct lh_http_server *srv = conn->srv;
	struct lh_http_head *h = &conn->head;
	struct lh_http_request *req = &conn->req;
	size_t tlen;
	char *q;

	req->method = h->method;
	req->method_name = h->method_name;
	req->target = h->target;
	req->version_minor = h->version_minor;
	memcpy(req->headers, h->headers, sizeof(h->headers[0]) *
	    (size_t)h->nheaders);
	req->nheaders = h->nheaders;
	req->body = "";
	req->body_len = 0;
	req->user = NULL;
	req->conn = conn;
	memcpy(req->client_ip, conn->ip, sizeof(req->client_ip));
	conn->keep_alive = h->keep_alive && !srv->draining;
	conn->head_only = h->method == LH_HTTP_HEAD;
	conn->close_after = 0;
	conn->xhdr_len = 0;
	conn->dflt_overridden = 0;
	conn->status = 0;
	conn->body_out = 0;
	conn->abort_cb = NULL;
	conn->linger = 0;
	conn->chunked = h->chunked;
	conn->body_need = h->content_length > 0 ? (size_t)h->content_length : 0;

	tlen = strlen(h->target);	/* inside the head: < max_head */
	if (tlen > conn->max_head)
		return -400;
	memcpy(conn->path, h->target, tlen + 1);
	req->path = conn->path;
	req->query = NULL;
	if ((q = strchr(conn->path, '?')) != NULL) {
		*q = '\0';
		req->query = q + 1;
	}
	if (http_percent_decode(conn->path) == -1) {
		req->path = "-";
		return -400;
	}
	if (h->content_length > 0 &&
	    (uint64_t)h->content_length > srv->limits.max_body_size)
		return -413;
	return 0;
}

/* Answers "100 Continue" when the client waits for it. */
static void
http_conn_continue(struct lh_http_conn *conn)
{
	static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct iovec iov;

	if (!conn->head.expect_continue || conn->len > conn->pos)
		return;		/* the client did not wait */
	iov.iov_base = (void *)(uintptr_t)line;
	iov.iov_len = sizeof(line) - 1;
	if (http_conn_write(conn, &iov, 1) == -1)
		conn->close_after = 1;
}

/* Appends body bytes, growing the buffer. Returns 0 or -status. */
static int
http_conn_body_add(struct lh_http_conn *conn, const char *p, size_t n)
{
	size_t want;
	char *nb;

	if (n > conn->srv->limits.max_body_size - conn->body_len)
		return -413;
	if (conn->body_len + n + 1 > conn->body_cap) {
		want = conn->body_cap < 4096 ? 4096 : conn->body_cap * 2;
		while (want < conn->body_len + n + 1)
			want *= 2;
		if (want > conn->srv->limits.max_body_size + 1)
			want = conn->srv->limits.max_body_size + 1;
		if ((nb = realloc(conn->body, want)) == NULL)
			return -503;
		conn->body = nb;
		conn->body_cap = want;
	}
	memcpy(conn->body + conn->body_len, p, n);
	conn->body_len += n;
	return 0;
}

/* Moves body bytes from the read buffer. Returns 1 complete, 0 need
 * more, -status on error. */
static int
http_conn_read_body(struct lh_http_conn *conn)
{
	const char *data;
	size_t dlen, k;
	ssize_t r;
	int e;

	if (!conn->chunked) {
		k = conn->len - conn->pos;
		if (k > conn->body_need - conn->body_len)
			k = conn->body_need - conn->body_len;
		if ((e = http_conn_body_add(conn, conn->buf + conn->pos, k)) < 0)
			return e;
		conn->pos += k;
		if (conn->body_len == conn->body_need)
			return 1;
		conn->len = conn->pos = conn->head_len;
		return 0;
	}
	while (!conn->ck.done) {
		r = http_chunked_step(&conn->ck, conn->buf + conn->pos,
		    conn->len - conn->pos, &data, &dlen);
		if (r < 0)
			return (int)r;
		if (dlen > 0 && (e = http_conn_body_add(conn, data, dlen)) < 0)
			return e;
		if (r == 0)
			break;
		conn->pos += (size_t)r;
		if (conn->ck.remaining >
		    conn->srv->limits.max_body_size - conn->body_len)
			return -413;	/* announced chunk too large */
	}
	if (conn->ck.done)
		return 1;
	memmove(conn->buf + conn->head_len, conn->buf + conn->pos,
	    conn->len - conn->pos);
	conn->len = conn->head_len + (conn->len - conn->pos);
	conn->pos = conn->head_len;
	return 0;
}

static void
http_conn_dispatch(struct lh_http_conn *conn)
{
	if (conn->body != NULL) {
		conn->body[conn->body_len] = '\0';
		conn->req.body = conn->body;
		conn->req.body_len = conn->body_len;
	}
	conn->state = LH_HC_HANDLER;
	http_conn_timer(conn, NULL);
	if (conn->len == conn->cap)
		http_conn_reading(conn, 0);
	conn->srv->handler(&conn->req, conn->srv->arg);
}

/* Parses one head at the start of the buffer. Returns 1 when a request
 * is ready or its body is awaited, 0 when more input is needed, -1 when
 * an error reply was sent. */
static int
http_conn_read_head(struct lh_http_conn *conn)
{
	ssize_t r;
	int e;

	if (conn->pos > 0) {
		memmove(conn->buf, conn->buf + conn->pos,
		    conn->len - conn->pos);
		conn->len -= conn->pos;
		conn->pos = 0;
	}
	if (conn->len == 0)
		return 0;
	r = http_parse_head(conn->buf, conn->len,
	    conn->srv->limits.max_header_size < conn->max_head ?
	    conn->srv->limits.max_header_size : conn->max_head, &conn->head);
	if (r == 0)
		return 0;
	if (r < 0) {
		http_reply_parse_error(conn, (int)-r);
		return -1;
	}
	conn->req.start_ms = http_now_ms();
	conn->head_len = conn->pos = (size_t)r;
	if ((e = http_conn_start_request(conn)) < 0) {
		conn->state = LH_HC_BODY;	/* keep method and path */
		http_reply_parse_error(conn, -e);
		return -1;
	}
	if (conn->body_need > 0 || conn->chunked) {
		conn->state = LH_HC_BODY;
		http_chunked_init(&conn->ck);
		http_conn_timer(conn, conn->srv->tv_read);
		http_conn_continue(conn);
	}
	return 1;
}

static void
http_conn_process(struct lh_http_conn *conn)
{
	int r;

	conn->busy++;
	while (!conn->dead && !conn->free_pending) {
		if (conn->state == LH_HC_HEAD) {
			if (http_conn_read_head(conn) <= 0)
				break;
			if (conn->state == LH_HC_HEAD) {
				http_conn_dispatch(conn);
				continue;
			}
		}
		if (conn->state != LH_HC_BODY)
			break;
		if ((r = http_conn_read_body(conn)) == 0)
			break;
		if (r < 0) {
			http_reply_parse_error(conn, -r);
			break;
		}
		http_conn_dispatch(conn);
	}
	conn->busy--;
	if (conn->free_pending && conn->busy == 0)
		http_conn_free(conn);
}
