/*
 * runner_link.c: runner connections accepted by a worker. Each connection
 * is a SOCK_STREAM peer reassembled with ipc_stream; a malformed frame or an
 * unknown type drops the peer (it reconnects to some worker).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "shared/ipc.h"
#include "shared/log.h"
#include "worker/runner_link.h"

struct runner_peer {
	TAILQ_ENTRY(runner_peer) entry;
	struct lh_runner_link	*link;
	int			 fd;
	struct event		*ev;
	struct lh_ipc_stream	*in;
	int			 hello_seen;
	char			 runner_id[64];
};

struct lh_runner_link {
	struct event_base	*base;
	int			 listen_fd;
	struct event		*ev_accept;
	TAILQ_HEAD(, runner_peer) peers;
	int			 npeers;
};

static void
peer_free(struct runner_peer *p)
{
	TAILQ_REMOVE(&p->link->peers, p, entry);
	p->link->npeers--;
	event_free(p->ev);
	ipc_stream_free(p->in);
	close(p->fd);
	free(p);
}

static int
runner_link_dispatch_runner(struct runner_peer *p, struct lh_ipc_frame *f)
{
	const char *id;

	switch (f->hdr.type) {
	case LH_MSG_RUNNER_HELLO:
		if (p->hello_seen || ipc_read_string(f, &id) == -1)
			return -1;
		p->hello_seen = 1;
		snprintf(p->runner_id, sizeof(p->runner_id), "%s", id);
		log_debug("runner %s connected (pid %u)", p->runner_id,
		    f->hdr.pid);
		return 0;
	case LH_MSG_HEARTBEAT:
		if (!p->hello_seen || f->hdr.len != 0)
			return -1;
		return ipc_send(p->fd, LH_MSG_HEARTBEAT, 0, NULL, 0, -1);
	default:
		log_warnx("unexpected %s (%u) from runner %s, dropping it",
		    ipc_type_name(f->hdr.type), f->hdr.type,
		    p->runner_id[0] != '\0' ? p->runner_id : "?");
		return -1;
	}
}

static void
on_peer_read(evutil_socket_t fd, short what, void *arg)
{
	struct runner_peer *p = arg;
	struct lh_ipc_frame f;
	ssize_t n;
	int rc;

	n = ipc_stream_fill(p->in, fd);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		log_debug("runner %s disconnected", p->runner_id);
		peer_free(p);
		return;
	}
	while ((rc = ipc_stream_next(p->in, &f)) == 1) {
		rc = runner_link_dispatch_runner(p, &f);
		ipc_frame_clear(&f);
		if (rc == -1) {
			peer_free(p);
			return;
		}
	}
	if (rc == -1) {
		log_warnx("malformed frame from runner %s, dropping it",
		    p->runner_id);
		peer_free(p);
	}
}

static void
on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct lh_runner_link *l = arg;
	struct runner_peer *p;
	int c;

	while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		if ((p = calloc(1, sizeof(*p))) == NULL ||
		    (p->in = ipc_stream_new()) == NULL ||
		    (p->ev = event_new(l->base, c, EV_READ | EV_PERSIST,
		    on_peer_read, p)) == NULL || event_add(p->ev, NULL) == -1) {
			log_warnx("out of memory accepting a runner");
			if (p != NULL) {
				ipc_stream_free(p->in);
				if (p->ev != NULL)
					event_free(p->ev);
			}
			free(p);
			close(c);
			continue;
		}
		p->link = l;
		p->fd = c;
		TAILQ_INSERT_TAIL(&l->peers, p, entry);
		l->npeers++;
	}
}

struct lh_runner_link *
runner_link_new(struct event_base *base, int listen_fd)
{
	struct lh_runner_link *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->base = base;
	l->listen_fd = listen_fd;
	TAILQ_INIT(&l->peers);
	l->ev_accept = event_new(base, listen_fd, EV_READ | EV_PERSIST,
	    on_accept, l);
	if (l->ev_accept == NULL || event_add(l->ev_accept, NULL) == -1) {
		if (l->ev_accept != NULL)
			event_free(l->ev_accept);
		free(l);
		return NULL;
	}
	return l;
}

void
runner_link_stop(struct lh_runner_link *l)
{
	if (l->ev_accept != NULL) {
		event_free(l->ev_accept);
		l->ev_accept = NULL;
	}
	while (!TAILQ_EMPTY(&l->peers))
		peer_free(TAILQ_FIRST(&l->peers));
}

void
runner_link_free(struct lh_runner_link *l)
{
	if (l == NULL)
		return;
	runner_link_stop(l);
	free(l);
}

int
runner_link_count(const struct lh_runner_link *l)
{
	return l->npeers;
}
