/*
 * http.h: the worker's HTTP/1.1 server core, on one libevent event_base.
 * libevent 2.1's evhttp offers no accept hook, no connection cap, no header
 * deadline and no drain, so the worker parses HTTP itself: one fixed buffer
 * per connection, no allocation per request on the fast path, preformatted
 * common headers, writev replies, keep-alive and pipelining.
 */
#ifndef LH_HTTP_H
#define LH_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct event_base;
struct lh_http_server;
struct lh_http_conn;

#define LH_HTTP_MAX_HEADERS 64

enum lh_http_method {
	LH_HTTP_GET = 0,
	LH_HTTP_HEAD,
	LH_HTTP_POST,
	LH_HTTP_PUT,
	LH_HTTP_DELETE,
	LH_HTTP_PATCH,
	LH_HTTP_OPTIONS,
	LH_HTTP_OTHER,
};

struct lh_http_header {
	const char *name;	/* as sent; compare case-insensitively */
	const char *value;	/* trimmed */
};

struct lh_http_limits {
	size_t	 max_header_size;	/* request line + headers */
	size_t	 max_body_size;
	uint32_t header_timeout_ms;	/* whole head must arrive in this */
	uint32_t read_timeout_ms;	/* body: max gap between reads */
	uint32_t write_timeout_ms;	/* max gap between writes */
	uint32_t keepalive_timeout_ms;	/* idle between requests */
	int	 max_connections;
};

struct lh_http_request {
	enum lh_http_method method;
	const char *method_name;	/* "GET" */
	const char *target;		/* raw request target "/a?b=c" */
	const char *path;		/* percent-decoded path, no query */
	const char *query;		/* raw query after '?', or NULL */
	int	 version_minor;		/* HTTP/1.x */
	struct lh_http_header headers[LH_HTTP_MAX_HEADERS];
	int	 nheaders;
	const char *body;		/* NUL-terminated copy; len in body_len */
	size_t	 body_len;
	char	 client_ip[46];		/* peer address text */
	uint64_t start_ms;		/* monotonic, for the access log */
	struct lh_http_conn *conn;	/* owner; opaque */
	void	*user;			/* free for the handler */
};

/* Called once per complete request. The handler must answer it, now or
 * later (http_reply*, or http_stream_begin ... http_stream_end). */
typedef void (*lh_http_handler)(struct lh_http_request *req, void *arg);

struct lh_http_server *http_server_new(struct event_base *base,
    const struct lh_http_limits *limits, lh_http_handler handler, void *arg);
void http_server_free(struct lh_http_server *srv);
/* Starts accepting on a listening socket (made non-blocking here). */
int http_server_add_listener(struct lh_http_server *srv, int fd);
/* Extra header lines sent on every response, errors included; each line
 * ends in "\r\n". Copied. */
int http_server_set_common_headers(struct lh_http_server *srv,
    const char *lines);
/* One more header sent on every response, errors included, unless the
 * handler adds a header of the same name (e.g. a page's own CSP). */
int http_server_set_default_header(struct lh_http_server *srv,
    const char *name, const char *value);
/* Access log at info level on completion when on. */
void http_server_set_access_log(struct lh_http_server *srv, int on);
void http_server_set_limits(struct lh_http_server *srv,
    const struct lh_http_limits *limits);
/* Serves a connection accepted elsewhere (the master hands over the queue
 * of a dead worker's socket). Takes fd over; 0, or -1 when refused. */
int http_server_adopt(struct lh_http_server *srv, int fd);
/* Stops accepting, closes idle connections, lets in-flight requests finish
 * (their replies carry "Connection: close"), and calls done once no
 * connection is left. */
void http_server_drain(struct lh_http_server *srv, void (*done)(void *),
    void *arg);
/* Closes every connection now (after the shutdown grace period). */
void http_server_close_all(struct lh_http_server *srv);
int http_server_connections(const struct lh_http_server *srv);

/* Request helpers. */
const char *http_header(const struct lh_http_request *req, const char *name);
/* Extra response header for this request, before the reply; copied. */
int http_add_header(struct lh_http_request *req, const char *name,
    const char *value);
/* Complete answer. body may be NULL when len is 0. HEAD gets no body. */
void http_reply(struct lh_http_request *req, int status,
    const char *content_type, const void *body, size_t len);
/* JSON error: {"error":{"status":N,"code":"CODE","message":"..."}} */
void http_reply_error(struct lh_http_request *req, int status,
    const char *code, const char *message);
const char *http_status_text(int status);

/* Streaming (SSE): headers now, body in pieces, no Content-Length. */
int http_stream_begin(struct lh_http_request *req, int status,
    const char *content_type);
int http_stream_write(struct lh_http_request *req, const void *data,
    size_t len);
void http_stream_end(struct lh_http_request *req);
/* Called if the peer goes away before the handler answered or ended the
 * stream; after it the request is gone. Ownership (see http_reply.c): req
 * is valid until the final http_reply*, http_stream_end, or the return of
 * this callback. Without a callback, a request whose peer left stays
 * allocated until that final call, which then sends nothing. After
 * http_stream_begin/write returned -1, still call http_stream_end. */
void http_set_abort_cb(struct lh_http_request *req,
    void (*cb)(struct lh_http_request *, void *), void *arg);

/* Pure parsing, for the parser's unit tests and the fuzz target.
 * Parses one request head in buf[0..len). Returns bytes consumed by the
 * head (> 0), 0 when incomplete, or -status (-400, -431, -501, -505) when
 * invalid. Modifies buf in place (NUL-terminates tokens). */
struct lh_http_head {
	enum lh_http_method method;
	const char *method_name;
	char	*target;
	int	 version_minor;
	struct lh_http_header headers[LH_HTTP_MAX_HEADERS];
	int	 nheaders;
	int64_t	 content_length;	/* -1 when absent */
	int	 chunked;
	int	 keep_alive;
	int	 expect_continue;
};
ssize_t http_parse_head(char *buf, size_t len, size_t max_head,
    struct lh_http_head *head);
/* Decodes %XX in place; returns -1 on a bad escape or a decoded NUL. */
int http_percent_decode(char *s);

/* Chunked request-body decoder (added by the HTTP core helper). Feed it
 * bytes; each call consumes a prefix and may point *data at chunk bytes
 * inside the input. Returns bytes consumed (>= 0; 0 means "need more"),
 * or -400 on bad framing. done is set once the last chunk and the
 * trailers are read. */
struct lh_http_chunked {
	int	 state;
	int	 done;
	uint64_t remaining;	/* bytes left in the current chunk */
	size_t	 trailer_bytes;
};
void http_chunked_init(struct lh_http_chunked *ck);
ssize_t http_chunked_step(struct lh_http_chunked *ck, const char *in,
    size_t len, const char **data, size_t *dlen);

#endif
