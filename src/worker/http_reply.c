/*
 * http_reply.c: answers of the worker's HTTP core: status lines, the
 * response head (Date, Server, common and per-request headers), complete
 * replies, JSON errors and streamed (SSE) replies. Runs in each worker.
 *
 * Ownership: the lh_http_request handed to the handler lives inside its
 * connection. It stays valid until the handler's final http_reply*,
 * http_stream_end, or until the abort callback returns; after any of
 * these the handler must forget the pointer. A handler that answers
 * later (from a timer) must set an abort callback, or keep the request
 * until it answers: a connection whose peer left without a callback set
 * stays allocated (socket closed) until that final call frees it. When
 * http_stream_begin/write returns -1 the connection is gone; the handler
 * still calls http_stream_end to release the request (no abort callback).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "shared/log.h"
#include "worker/http.h"
#include "worker/http_priv.h"

#define S(code, text) { code, text, "HTTP/1.1 " #code " " text "\r\n" }
static const struct {
	int		 code;
	const char	*text;
	const char	*line;
} http_statuses[] = {
	S(200, "OK"), S(201, "Created"), S(202, "Accepted"),
	S(204, "No Content"), S(206, "Partial Content"),
	S(301, "Moved Permanently"), S(302, "Found"), S(303, "See Other"),
	S(304, "Not Modified"), S(307, "Temporary Redirect"),
	S(308, "Permanent Redirect"),
	S(400, "Bad Request"), S(401, "Unauthorized"), S(403, "Forbidden"),
	S(404, "Not Found"), S(405, "Method Not Allowed"),
	S(406, "Not Acceptable"), S(408, "Request Timeout"),
	S(409, "Conflict"), S(410, "Gone"), S(411, "Length Required"),
	S(413, "Content Too Large"), S(414, "URI Too Long"),
	S(415, "Unsupported Media Type"), S(417, "Expectation Failed"),
	S(422, "Unprocessable Content"), S(429, "Too Many Requests"),
	S(431, "Request Header Fields Too Large"),
	S(500, "Internal Server Error"), S(501, "Not Implemented"),
	S(502, "Bad Gateway"), S(503, "Service Unavailable"),
	S(504, "Gateway Timeout"), S(505, "HTTP Version Not Supported"),
};
#undef S

static int
http_status_index(int status)
{
	size_t i;

	for (i = 0; i < sizeof(http_statuses) / sizeof(http_statuses[0]); i++)
		if (http_statuses[i].code == status)
			return (int)i;
	return -1;
}

const char *
http_status_text(int status)
{
	int i = http_status_index(status);

	return i == -1 ? "Unknown" : http_statuses[i].text;
}

const char *
http_header(const struct lh_http_request *req, const char *name)
{
	int i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

int
http_add_header(struct lh_http_request *req, const char *name,
    const char *value)
{
	struct lh_http_conn *conn = req->conn;
	size_t nlen = strlen(name), vlen = strlen(value);
	char *p;

	if (nlen == 0 || strpbrk(name, " \t\r\n:") != NULL ||
	    strpbrk(value, "\r\n") != NULL)
		return -1;
	if (nlen + vlen + 4 > sizeof(conn->xhdr) - conn->xhdr_len) {
		log_warnx("http: no room for header %s", name);
		return -1;
	}
	if (conn->srv->dflt_len > 0 &&
	    strcasecmp(name, conn->srv->dflt_name) == 0)
		conn->dflt_overridden = 1;
	p = conn->xhdr + conn->xhdr_len;
	memcpy(p, name, nlen);
	p += nlen;
	*p++ = ':';
	*p++ = ' ';
	memcpy(p, value, vlen);
	p += vlen;
	*p++ = '\r';
	*p++ = '\n';
	conn->xhdr_len = (size_t)(p - conn->xhdr);
	return 0;
}

void
http_set_abort_cb(struct lh_http_request *req,
    void (*cb)(struct lh_http_request *, void *), void *arg)
{
	req->conn->abort_cb = cb;
	req->conn->abort_arg = arg;
}

static char *
http_put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define PUTS(p, lit) http_put((p), (lit), sizeof(lit) - 1)

static char *
http_put_size(char *p, uint64_t n, int base)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = "0123456789abcdef"[n % (unsigned)base];
		n /= (unsigned)base;
	} while (n > 0);
	while (i > 0)
		*p++ = tmp[--i];
	return p;
}

/*
 * Fills iov[0..5] with the response head. clen < 0: no Content-Length.
 * Returns the number of iovecs, or -1 when content_type is too long.
 */
static int
http_reply_head(struct lh_http_conn *conn, int status, const char *ctype,
    int64_t clen, int chunked, struct iovec *iov)
{
	struct lh_http_server *srv = conn->srv;
	size_t ctlen = ctype != NULL ? strlen(ctype) : 0;
	char *p = conn->tail;
	int i, n = 0;

	if (ctlen > LH_HTTP_TAIL_MAX - 128)
		return -1;
	if ((i = http_status_index(status)) != -1) {
		iov[n].iov_base = (void *)(uintptr_t)http_statuses[i].line;
		iov[n++].iov_len = strlen(http_statuses[i].line);
	} else {
		iov[n].iov_base = conn->sline;
		iov[n++].iov_len = (size_t)snprintf(conn->sline,
		    sizeof(conn->sline), "HTTP/1.1 %d Unknown\r\n", status);
	}
	iov[n].iov_base = (void *)(uintptr_t)http_server_date(srv,
	    &iov[n].iov_len);
	n++;
	iov[n].iov_base = srv->common;
	iov[n++].iov_len = srv->common_len;
	if (srv->dflt_len > 0 && !conn->dflt_overridden) {
		iov[n].iov_base = srv->dflt;
		iov[n++].iov_len = srv->dflt_len;
	}
	if (conn->xhdr_len > 0) {
		iov[n].iov_base = conn->xhdr;
		iov[n++].iov_len = conn->xhdr_len;
	}
	if (ctlen > 0) {
		p = PUTS(p, "Content-Type: ");
		p = http_put(p, ctype, ctlen);
		p = PUTS(p, "\r\n");
	}
	if (clen >= 0) {
		p = PUTS(p, "Content-Length: ");
		p = http_put_size(p, (uint64_t)clen, 10);
		p = PUTS(p, "\r\n");
	}
	if (chunked)
		p = PUTS(p, "Transfer-Encoding: chunked\r\n");
	if (conn->close_after || !conn->keep_alive || srv->draining) {
		conn->close_after = 1;
		p = PUTS(p, "Connection: close\r\n");
	} else if (conn->req.version_minor == 0)
		p = PUTS(p, "Connection: keep-alive\r\n");
	p = PUTS(p, "\r\n");
	iov[n].iov_base = conn->tail;
	iov[n++].iov_len = (size_t)(p - conn->tail);
	return n;
}

/* Checks that the handler may still answer. Frees a dead connection. */
static int
http_reply_owned(struct lh_http_request *req, int stream)
{
	struct lh_http_conn *conn = req->conn;

	if (conn->dead) {
		http_conn_release(conn);
		return 0;
	}
	if (conn->state != (stream ? LH_HC_STREAM : LH_HC_HANDLER)) {
		log_warnx("http: reply on a request in state %d",
		    (int)conn->state);
		return 0;
	}
	return 1;
}

/* Sends the final part of an answer and finishes the request. */
static void
http_reply_send(struct lh_http_conn *conn, struct iovec *iov, int n)
{
	int r;

	conn->state = LH_HC_WRITING;
	if ((r = http_conn_write(conn, iov, n)) == -1)
		http_conn_drop(conn);
	else if (r == 0)
		http_conn_reply_done(conn);
}

void
http_reply(struct lh_http_request *req, int status, const char *content_type,
    const void *body, size_t len)
{
	struct lh_http_conn *conn = req->conn;
	struct iovec iov[7];
	int n, nobody;

	if (!http_reply_owned(req, 0))
		return;
	if (status < 100 || status > 599)
		status = 500;
	nobody = status < 200 || status == 204 || status == 304;
	n = http_reply_head(conn, status, content_type,
	    nobody ? -1 : (int64_t)len, 0, iov);
	if (n == -1) {
		log_warnx("http: content type too long");
		n = http_reply_head(conn, 500, NULL, 0, 0, iov);
		status = 500;
		nobody = 1;
	}
	conn->status = status;
	conn->body_out = 0;
	if (!nobody && !conn->head_only && len > 0) {
		iov[n].iov_base = (void *)(uintptr_t)body;
		iov[n++].iov_len = len;
		conn->body_out = len;
	}
	http_reply_send(conn, iov, n);
}

/* Appends s JSON-escaped; returns the new end or NULL when out of room. */
static char *
http_json_escape(char *p, const char *end, const char *s)
{
	unsigned char c;

	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (end - p < 7)
			return NULL;
		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			p += snprintf(p, 7, "\\u%04x", c);
		} else
			*p++ = (char)c;
	}
	return p;
}

void
http_reply_error(struct lh_http_request *req, int status, const char *code,
    const char *message)
{
	char stack[1024], *buf = stack, *p, *end;
	size_t cap = sizeof(stack);

	if (message == NULL)
		message = http_status_text(status);
	if (code == NULL)
		code = "ERROR";
	if (strlen(message) + strlen(code) > 128)
		cap = 6 * (strlen(message) + strlen(code)) + 128;
	if (cap > sizeof(stack) && (buf = malloc(cap)) == NULL) {
		buf = stack;
		cap = sizeof(stack);
		message = "out of memory";
	}
	end = buf + cap;
	p = buf + snprintf(buf, cap, "{\"error\":{\"status\":%d,\"code\":\"",
	    status);
	if ((p = http_json_escape(p, end, code)) != NULL) {
		p = PUTS(p, "\",\"message\":\"");
		p = http_json_escape(p, end, message);
	}
	if (p == NULL || end - p < 4) {
		http_reply(req, status, "application/json",
		    "{\"error\":{}}", 12);
	} else {
		p = PUTS(p, "\"}}");
		http_reply(req, status, "application/json", buf,
		    (size_t)(p - buf));
	}
	if (buf != stack)
		free(buf);
}

/* Answers a request the core rejected itself and closes afterwards. */
void
http_reply_parse_error(struct lh_http_conn *conn, int status)
{
	static const struct {
		int		 status;
		const char	*code;
		const char	*message;
	} errs[] = {
		{ 400, "BAD_REQUEST", "malformed request" },
		{ 408, "REQUEST_TIMEOUT", "request not received in time" },
		{ 413, "PAYLOAD_TOO_LARGE", "request body too large" },
		{ 417, "EXPECTATION_FAILED", "unsupported expectation" },
		{ 431, "HEADERS_TOO_LARGE", "request head too large" },
		{ 501, "NOT_IMPLEMENTED", "unsupported transfer coding" },
		{ 503, "UNAVAILABLE", "server out of memory" },
		{ 505, "HTTP_VERSION_NOT_SUPPORTED", "only HTTP/1.0 and 1.1" },
	};
	struct lh_http_request *req = &conn->req;
	size_t i;

	if (conn->state == LH_HC_HEAD) {
		/* no usable request: log it as "- -" */
		req->method_name = "-";
		req->path = "-";
		req->version_minor = 1;
		req->nheaders = 0;
		req->conn = conn;
		req->start_ms = http_now_ms();
		conn->head_only = 0;
		conn->xhdr_len = 0;
		conn->dflt_overridden = 0;
	}
	conn->close_after = 1;
	conn->keep_alive = 0;
	conn->linger = 1;
	conn->state = LH_HC_HANDLER;
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (errs[i].status == status)
			break;
	if (i == sizeof(errs) / sizeof(errs[0]))
		http_reply_error(req, status, "ERROR", NULL);
	else
		http_reply_error(req, status, errs[i].code, errs[i].message);
}

int
http_stream_begin(struct lh_http_request *req, int status,
    const char *content_type)
{
	struct lh_http_conn *conn = req->conn;
	struct iovec iov[6];
	int n;

	if (conn->dead || conn->state != LH_HC_HANDLER)
		return -1;
	conn->stream_chunked = req->version_minor == 1;
	if (!conn->stream_chunked)
		conn->close_after = 1;	/* the close ends the body */
	n = http_reply_head(conn, status, content_type, -1,
	    conn->stream_chunked, iov);
	if (n == -1)
		return -1;
	conn->status = status;
	conn->body_out = 0;
	conn->state = LH_HC_STREAM;
	if (http_conn_write(conn, iov, n) == -1) {
		http_conn_kill(conn);
		return -1;
	}
	return 0;
}

int
http_stream_write(struct lh_http_request *req, const void *data, size_t len)
{
	struct lh_http_conn *conn = req->conn;
	struct iovec iov[3];
	char *p;
	int n = 0;

	if (conn->dead || conn->state != LH_HC_STREAM)
		return -1;
	if (len == 0 || conn->head_only)
		return 0;
	if (conn->outq != NULL &&
	    evbuffer_get_length(conn->outq) + len > LH_HTTP_STREAM_QUEUE_MAX) {
		log_debug("http: %s does not read its stream, dropping",
		    conn->ip);
		http_conn_kill(conn);
		return -1;
	}
	if (conn->stream_chunked) {
		p = http_put_size(conn->sline, len, 16);
		p = PUTS(p, "\r\n");
		iov[n].iov_base = conn->sline;
		iov[n++].iov_len = (size_t)(p - conn->sline);
	}
	iov[n].iov_base = (void *)(uintptr_t)data;
	iov[n++].iov_len = len;
	if (conn->stream_chunked) {
		iov[n].iov_base = (void *)(uintptr_t)"\r\n";
		iov[n++].iov_len = 2;
	}
	conn->body_out += len;
	if (http_conn_write(conn, iov, n) == -1) {
		http_conn_kill(conn);
		return -1;
	}
	return 0;
}

void
http_stream_end(struct lh_http_request *req)
{
	struct lh_http_conn *conn = req->conn;
	struct iovec iov;

	if (!http_reply_owned(req, 1))
		return;
	if (conn->stream_chunked && !conn->head_only) {
		iov.iov_base = (void *)(uintptr_t)"0\r\n\r\n";
		iov.iov_len = 5;
		http_reply_send(conn, &iov, 1);
		return;
	}
	conn->state = LH_HC_WRITING;
	if (conn->outq == NULL || evbuffer_get_length(conn->outq) == 0)
		http_conn_reply_done(conn);
}
