/*
 * worker.c: an HTTP worker process. Runs the shared child skeleton, serves
 * HTTP on its own SO_REUSEPORT sockets, accepts runners on the runner
 * socket, and drains on DRAIN/SIGTERM: in-flight requests finish, then exit.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "shared/conf.h"
#include "shared/log.h"
#include "shared/proc.h"
#include "worker/http.h"
#include "worker/router.h"
#include "worker/runner_link.h"
#include "worker/worker.h"

struct worker {
	const struct lh_config	*cfg;
	struct lh_proc		 proc;
	struct lh_http_server	*http;
	struct lh_router	*router;
	struct lh_runner_link	*runners;
	struct event		*ev_grace;
};

static void
worker_drained(void *arg)
{
	struct worker *w = arg;

	log_debug("drained, exiting");
	event_base_loopexit(w->proc.base, NULL);
}

static void
worker_grace_over(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	log_warnx("shutdown grace period over: closing %d connections",
	    http_server_connections(w->http));
	http_server_close_all(w->http);
	event_base_loopexit(w->proc.base, NULL);
}

static void
worker_on_drain(struct lh_proc *p)
{
	struct worker *w = p->arg;
	struct timeval tv;
	uint32_t ms = w->cfg->shutdown_timeout_ms;

	if (w->runners != NULL)
		runner_link_stop(w->runners);
	w->ev_grace = evtimer_new(p->base, worker_grace_over, w);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (w->ev_grace == NULL || evtimer_add(w->ev_grace, &tv) == -1)
		log_warnx("cannot arm the shutdown timer");
	http_server_drain(w->http, worker_drained, w);
}

static void
worker_dispatch_master(struct lh_proc *p, struct lh_ipc_frame *f)
{
	struct worker *w = p->arg;
	struct lh_msg_bus bus;

	switch (f->hdr.type) {
	case LH_MSG_ADOPT_CONN:
		if (f->hdr.len != 0 || f->fd == -1)
			fatalx("malformed ADOPT_CONN from master");
		if (http_server_adopt(w->http, f->fd) == -1)
			log_debug("could not adopt a connection");
		f->fd = -1;	/* taken over (or closed) */
		break;
	case LH_MSG_BUS_PUBLISH:
		if (ipc_read_bus(f, &bus) == -1)
			fatalx("malformed BUS_PUBLISH from master");
		log_debug("bus: %s %s %llu", bus.topic, bus.id,
		    (unsigned long long)bus.seq);
		break;
	default:
		fatalx("unexpected %s (%u) from master",
		    ipc_type_name(f->hdr.type), f->hdr.type);
	}
}

static void
worker_limits(const struct lh_config *cfg, struct lh_http_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->max_header_size = cfg->max_header_size;
	lim->max_body_size = cfg->max_body_size;
	lim->header_timeout_ms = cfg->header_timeout_ms;
	lim->read_timeout_ms = cfg->read_timeout_ms;
	lim->write_timeout_ms = cfg->write_timeout_ms;
	lim->keepalive_timeout_ms = cfg->keepalive_timeout_ms;
	lim->max_connections = cfg->max_connections;
}

int
worker_main(const struct lh_config *cfg, const struct lh_worker_init *in)
{
	struct lh_http_limits lim;
	struct worker w;
	char err[512];

	memset(&w, 0, sizeof(w));
	w.cfg = cfg;
	w.proc.role = LH_ROLE_WORKER;
	w.proc.instance = in->slot;
	w.proc.generation = in->generation;
	w.proc.channel = in->channel;
	w.proc.master_pid = in->master_pid;
	w.proc.dispatch = worker_dispatch_master;
	w.proc.on_drain = worker_on_drain;
	w.proc.arg = &w;
	proc_child_init(&w.proc, cfg->user, cfg->group);

	worker_limits(cfg, &lim);
	if ((w.router = router_new(cfg, in->rl, err, sizeof(err))) == NULL) {
		log_error("cannot build the API: %s", err);
		exit(LH_EX_CONFIG);
	}
	if ((w.http = http_server_new(w.proc.base, &lim, router_handle,
	    w.router)) == NULL ||
	    http_server_set_common_headers(w.http,
	    router_common_headers()) == -1 ||
	    http_server_set_default_header(w.http, "Content-Security-Policy",
	    router_default_csp()) == -1)
		fatalx("cannot set up the HTTP server");
	http_server_set_access_log(w.http, cfg->access_log);
	for (int i = 0; i < in->nlisten; i++)
		if (http_server_add_listener(w.http, in->listen_fds[i]) == -1)
			fatalx("cannot accept on listening socket %d",
			    in->listen_fds[i]);
	if (in->runner_fd != -1 &&
	    (w.runners = runner_link_new(w.proc.base, in->runner_fd)) == NULL)
		log_warnx("cannot accept runners");
	proc_send(&w.proc, LH_MSG_READY, NULL, 0);

	proc_child_run(&w.proc);

	if (w.ev_grace != NULL)
		event_free(w.ev_grace);
	runner_link_free(w.runners);
	http_server_free(w.http);
	router_free(w.router);
	proc_child_free(&w.proc);
	return 0;
}
