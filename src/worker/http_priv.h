/*
 * http_priv.h: internals shared by the files of the worker's HTTP core
 * (http_server.c, http_conn.c, http_reply.c). Not for handlers.
 */
#ifndef LH_HTTP_PRIV_H
#define LH_HTTP_BODY_KEEP	16384	/* body buffer kept between requests */
#define LH_HTTP_PRIV_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "worker/http.h"

struct event;
struct evbuffer;

#define LH_HTTP_SERVER_LINE	"Server: labhit/0.4.0\r\n"
#define LH_HTTP_READ_ROOM	4096	/* read buffer beyond max_header_size */
#define LH_HTTP_XHDR_MAX	2048	/* per-request extra header bytes */
#define LH_HTTP_TAIL_MAX	384	/* Content-Type ... final CRLF */
#define LH_HTTP_STREAM_QUEUE_MAX (1024 * 1024)
#define LH_HTTP_ACCEPT_BATCH	64
#define LH_HTTP_LINGER_MS	1000	/* after an error, before close */

enum lh_http_cstate {
	LH_HC_HEAD = 0,		/* idle, or reading a request head */
	LH_HC_BODY,		/* reading a request body */
	LH_HC_HANDLER,		/* the handler owns the request */
	LH_HC_WRITING,		/* reply complete, flushing the queue */
	LH_HC_STREAM,		/* streaming, the handler owns the request */
	LH_HC_LINGER,		/* error sent, discarding input, then close */
};

struct lh_http_conn {
	TAILQ_ENTRY(lh_http_conn) entry;
	struct lh_http_server	*srv;
	int			 fd;
	enum lh_http_cstate	 state;
	struct event		*rev;
	struct event		*wev;
	struct event		*tev;
	int			 reading;	/* rev pending */
	int			 writing;	/* wev pending */
	int			 dead;		/* fd gone, handler still owns */
	int			 busy;		/* stack frames using conn */
	int			 free_pending;
	int			 close_after;	/* close once the reply is out */
	int			 head_started;	/* bytes of a head arrived */
	int			 keep_alive;
	int			 head_only;	/* HEAD request */
	int			 stream_chunked;
	int			 linger;	/* unread input may follow */

	char			*buf;		/* read buffer */
	size_t			 cap;
	size_t			 len;
	size_t			 pos;		/* first unconsumed byte */
	size_t			 head_len;
	size_t			 max_head;	/* fits buf even after set_limits */
	char			*path;		/* decoded path, query */

	struct lh_http_head	 head;
	struct lh_http_request	 req;

	char			*body;
	size_t			 body_len;
	size_t			 body_cap;
	size_t			 body_need;	/* Content-Length */
	int			 chunked;
	struct lh_http_chunked	 ck;

	char			 xhdr[LH_HTTP_XHDR_MAX];
	size_t			 xhdr_len;
	int			 dflt_overridden; /* handler set its own */
	char			 tail[LH_HTTP_TAIL_MAX];
	char			 sline[64];
	struct evbuffer		*outq;

	int			 status;	/* for the access log */
	size_t			 body_out;
	void			(*abort_cb)(struct lh_http_request *, void *);
	void			*abort_arg;
	char			 ip[46];
};

struct lh_http_listener {
	int		 fd;
	struct event	*ev;
};

struct lh_http_server {
	struct event_base	*base;
	struct lh_http_limits	 limits;
	const struct timeval	*tv_header;
	const struct timeval	*tv_read;
	const struct timeval	*tv_write;
	const struct timeval	*tv_keepalive;
	lh_http_handler		 handler;
	void			*arg;

	struct lh_http_listener	*ls;
	int			 nls;
	int			 accept_paused;
	struct event		*resume_ev;

	char			*common;	/* Server line + common lines */
	size_t			 common_len;
	char			*dflt;		/* overridable header line */
	size_t			 dflt_len;
	char			 dflt_name[64];
	int			 access_log;
	time_t			 date_sec;
	char			 date[48];
	size_t			 date_len;

	TAILQ_HEAD(, lh_http_conn) conns;
	int			 nconns;
	int			 draining;
	void			(*done)(void *);
	void			*done_arg;
	struct event		*done_ev;
};

/* http_server.c */
const char *http_server_date(struct lh_http_server *srv, size_t *len);
void http_server_conn_gone(struct lh_http_server *srv);
uint64_t http_now_ms(void);

/* http_conn.c */
struct lh_http_conn *http_conn_new(struct lh_http_server *srv, int fd,
    const struct sockaddr_storage *ss);
void http_conn_free(struct lh_http_conn *conn);
void http_conn_kill(struct lh_http_conn *conn);
void http_conn_drop(struct lh_http_conn *conn);
int http_conn_write(struct lh_http_conn *conn, struct iovec *iov, int n);
void http_conn_reply_done(struct lh_http_conn *conn);
void http_conn_release(struct lh_http_conn *conn);

/* http_reply.c */
void http_reply_parse_error(struct lh_http_conn *conn, int status);

#endif
