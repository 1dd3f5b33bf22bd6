/*
 * http_server.c: the worker's HTTP server object: listeners and accept,
 * the connection cap, the cached Date header, drain and close. Runs in
 * each worker process on its event_base; connections live in http_conn.c.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "shared/log.h"
#include "worker/http.h"
#include "worker/http_priv.h"

static void http_server_accept_cb(evutil_socket_t, short, void *);

uint64_t
http_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const struct timeval *
http_server_timeout(struct event_base *base, uint32_t ms)
{
	struct timeval tv;

	if (ms == 0)
		return NULL;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return event_base_init_common_timeout(base, &tv);
}

void
http_server_set_limits(struct lh_http_server *srv,
    const struct lh_http_limits *limits)
{
	srv->limits = *limits;
	if (srv->limits.max_header_size < 64)
		srv->limits.max_header_size = 64;
	srv->tv_header = http_server_timeout(srv->base,
	    limits->header_timeout_ms);
	srv->tv_read = http_server_timeout(srv->base, limits->read_timeout_ms);
	srv->tv_write = http_server_timeout(srv->base,
	    limits->write_timeout_ms);
	srv->tv_keepalive = http_server_timeout(srv->base,
	    limits->keepalive_timeout_ms);
}

static void
http_server_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lh_http_server *srv = arg;
	void (*done)(void *) = srv->done;

	(void)fd;
	(void)what;
	if (done == NULL || srv->nconns != 0)
		return;
	srv->done = NULL;
	done(srv->done_arg);
}

static void
http_server_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lh_http_server *srv = arg;
	int i;

	(void)fd;
	(void)what;
	srv->accept_paused = 0;
	if (srv->draining)
		return;
	for (i = 0; i < srv->nls; i++)
		if (event_add(srv->ls[i].ev, NULL) == -1)
			log_warnx("http: cannot resume accepting on fd %d",
			    srv->ls[i].fd);
}

struct lh_http_server *
http_server_new(struct event_base *base, const struct lh_http_limits *limits,
    lh_http_handler handler, void *arg)
{
	struct lh_http_server *srv;

	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		log_warn("http: calloc");
		return NULL;
	}
	srv->base = base;
	srv->handler = handler;
	srv->arg = arg;
	TAILQ_INIT(&srv->conns);
	http_server_set_limits(srv, limits);
	srv->done_ev = evtimer_new(base, http_server_done_cb, srv);
	srv->resume_ev = evtimer_new(base, http_server_resume_cb, srv);
	if (srv->done_ev == NULL || srv->resume_ev == NULL ||
	    http_server_set_common_headers(srv, "") == -1) {
		log_warnx("http: cannot create the server events");
		http_server_free(srv);
		return NULL;
	}
	return srv;
}

/* Frees the server, every connection (abort callbacks run first) and the
 * listener events. The listening fds stay open: they belong to the caller. */
void
http_server_free(struct lh_http_server *srv)
{
	struct lh_http_conn *conn;
	int i;

	if (srv == NULL)
		return;
	srv->done = NULL;
	http_server_close_all(srv);
	while ((conn = TAILQ_FIRST(&srv->conns)) != NULL)
		http_conn_free(conn);	/* dead ones the handler still held */
	for (i = 0; i < srv->nls; i++)
		event_free(srv->ls[i].ev);
	free(srv->ls);
	if (srv->done_ev != NULL)
		event_free(srv->done_ev);
	if (srv->resume_ev != NULL)
		event_free(srv->resume_ev);
	free(srv->common);
	free(srv->dflt);
	free(srv);
}

int
http_server_add_listener(struct lh_http_server *srv, int fd)
{
	struct lh_http_listener *ls;
	int flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		log_warn("http: fcntl on listener fd %d", fd);
		return -1;
	}
	ls = reallocarray(srv->ls, (size_t)srv->nls + 1, sizeof(*ls));
	if (ls == NULL) {
		log_warn("http: reallocarray");
		return -1;
	}
	srv->ls = ls;
	ls = &srv->ls[srv->nls];
	ls->fd = fd;
	ls->ev = event_new(srv->base, fd, EV_READ | EV_PERSIST,
	    http_server_accept_cb, srv);
	if (ls->ev == NULL) {
		log_warnx("http: event_new for listener fd %d", fd);
		return -1;
	}
	if (!srv->draining && !srv->accept_paused &&
	    event_add(ls->ev, NULL) == -1) {
		log_warnx("http: event_add for listener fd %d", fd);
		event_free(ls->ev);
		return -1;
	}
	srv->nls++;
	return 0;
}

static void
http_server_pause_accept(struct lh_http_server *srv)
{
	struct timeval tv = { 1, 0 };
	int i;

	for (i = 0; i < srv->nls; i++)
		event_del(srv->ls[i].ev);
	srv->accept_paused = 1;
	if (evtimer_add(srv->resume_ev, &tv) == -1)
		log_warnx("http: cannot arm the accept resume timer");
}

static void
http_server_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lh_http_server *srv = arg;
	struct sockaddr_storage ss;
	socklen_t slen;
	int i, cfd;

	(void)what;
	for (i = 0; i < LH_HTTP_ACCEPT_BATCH && !srv->draining; i++) {
		slen = sizeof(ss);
		cfd = accept4(fd, (struct sockaddr *)&ss, &slen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EPROTO)
				continue;
			log_warn("http: accept4 on fd %d", (int)fd);
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				http_server_pause_accept(srv);
			return;
		}
		if (srv->limits.max_connections > 0 &&
		    srv->nconns >= srv->limits.max_connections) {
			log_debug("http: %d connections, refusing one",
			    srv->nconns);
			close(cfd);
			continue;
		}
		if (http_conn_new(srv, cfd, &ss) == NULL)
			close(cfd);
	}
}

int
http_server_adopt(struct lh_http_server *srv, int fd)
{
	struct sockaddr_storage ss;
	socklen_t slen = sizeof(ss);
	int fl;

	if (srv->draining || (srv->limits.max_connections > 0 &&
	    srv->nconns >= srv->limits.max_connections) ||
	    getpeername(fd, (struct sockaddr *)&ss, &slen) == -1 ||
	    (fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    http_conn_new(srv, fd, &ss) == NULL) {
		close(fd);
		return -1;
	}
	return 0;
}

int
http_server_set_default_header(struct lh_http_server *srv, const char *name,
    const char *value)
{
	char *line;
	int n;

	if (strlen(name) >= sizeof(srv->dflt_name) ||
	    strpbrk(name, " \t\r\n:") != NULL || strpbrk(value, "\r\n") != NULL)
		return -1;
	if ((n = asprintf(&line, "%s: %s\r\n", name, value)) == -1) {
		log_warn("http: asprintf");
		return -1;
	}
	free(srv->dflt);
	srv->dflt = line;
	srv->dflt_len = (size_t)n;
	snprintf(srv->dflt_name, sizeof(srv->dflt_name), "%s", name);
	return 0;
}

int
http_server_set_common_headers(struct lh_http_server *srv, const char *lines)
{
	size_t slen = strlen(LH_HTTP_SERVER_LINE), llen = strlen(lines);
	char *p;

	if (llen > 0 && (llen < 2 || strcmp(lines + llen - 2, "\r\n") != 0)) {
		log_warnx("http: common header lines must end in CRLF");
		return -1;
	}
	if ((p = malloc(slen + llen + 1)) == NULL) {
		log_warn("http: malloc");
		return -1;
	}
	memcpy(p, LH_HTTP_SERVER_LINE, slen);
	memcpy(p + slen, lines, llen + 1);
	free(srv->common);
	srv->common = p;
	srv->common_len = slen + llen;
	return 0;
}

void
http_server_set_access_log(struct lh_http_server *srv, int on)
{
	srv->access_log = on;
}

int
http_server_connections(const struct lh_http_server *srv)
{
	return srv->nconns;
}

/* Writes n (< 100) as two digits. */
static char *
http_put2(char *p, int n)
{
	*p++ = (char)('0' + n / 10);
	*p++ = (char)('0' + n % 10);
	return p;
}

/* The "Date: ...\r\n" line, formatted at most once per second. */
const char *
http_server_date(struct lh_http_server *srv, size_t *len)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct timeval tv;
	struct tm tm;
	char *p;

	if (event_base_gettimeofday_cached(srv->base, &tv) == -1)
		tv.tv_sec = time(NULL);
	if (tv.tv_sec != srv->date_sec || srv->date_len == 0) {
		if (gmtime_r(&tv.tv_sec, &tm) == NULL)
			memset(&tm, 0, sizeof(tm));
		p = srv->date;
		memcpy(p, "Date: ", 6);
		p += 6;
		memcpy(p, days + 3 * (tm.tm_wday % 7), 3);
		p += 3;
		*p++ = ',';
		*p++ = ' ';
		p = http_put2(p, tm.tm_mday);
		*p++ = ' ';
		memcpy(p, months + 3 * (tm.tm_mon % 12), 3);
		p += 3;
		*p++ = ' ';
		p = http_put2(p, (tm.tm_year + 1900) / 100 % 100);
		p = http_put2(p, (tm.tm_year + 1900) % 100);
		*p++ = ' ';
		p = http_put2(p, tm.tm_hour);
		*p++ = ':';
		p = http_put2(p, tm.tm_min);
		*p++ = ':';
		p = http_put2(p, tm.tm_sec);
		memcpy(p, " GMT\r\n", 6);
		p += 6;
		srv->date_len = (size_t)(p - srv->date);
		srv->date_sec = tv.tv_sec;
	}
	*len = srv->date_len;
	return srv->date;
}

/* A connection was freed: finish a drain when it was the last one. */
void
http_server_conn_gone(struct lh_http_server *srv)
{
	if (srv->draining && srv->nconns == 0 && srv->done != NULL)
		event_active(srv->done_ev, EV_TIMEOUT, 1);
}

void
http_server_drain(struct lh_http_server *srv, void (*done)(void *), void *arg)
{
	struct lh_http_conn *conn, *next;
	int i;

	srv->draining = 1;
	srv->done = done;
	srv->done_arg = arg;
	for (i = 0; i < srv->nls; i++)
		event_del(srv->ls[i].ev);
	event_del(srv->resume_ev);
	for (conn = TAILQ_FIRST(&srv->conns); conn != NULL; conn = next) {
		next = TAILQ_NEXT(conn, entry);
		if (conn->state == LH_HC_HEAD && !conn->head_started &&
		    conn->busy == 0)
			http_conn_free(conn);
	}
	if (srv->nconns == 0 && done != NULL)
		event_active(srv->done_ev, EV_TIMEOUT, 1);
}

void
http_server_close_all(struct lh_http_server *srv)
{
	struct lh_http_conn *conn, *next;

	for (conn = TAILQ_FIRST(&srv->conns); conn != NULL; conn = next) {
		next = TAILQ_NEXT(conn, entry);
		if (!conn->dead)
			http_conn_drop(conn);
	}
	http_server_conn_gone(srv);
}
