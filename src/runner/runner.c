/*
 * runner.c: the runner process. Exec'd fresh by the master (no inherited
 * memory, scrubbed environment); its settings arrive as a CONFIG frame on
 * the control channel. Keeps one connection to the runner socket, which
 * any worker accepts, and reconnects with backoff when it drops.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "shared/cgroup.h"
#include "shared/conf.h"
#include "shared/log.h"
#include "shared/proc.h"
#include "runner/runner.h"

#define HEARTBEAT_MS	10000
#define RECONNECT_MAX_MS 5000

struct runner {
	struct lh_proc	 proc;
	struct lh_config cfg;
	int		 configured;
	int		 sock;
	struct event	*ev_sock;
	struct event	*ev_timer;	/* heartbeat or reconnect */
	uint32_t	 reconnect_ms;
	struct lh_ipc_stream *in;
	char		 id[64];
	struct lh_cgroup_tree cgroups;
};

static void runner_arm(struct runner *r, uint32_t ms);

static void
runner_disconnect(struct runner *r)
{
	if (r->ev_sock != NULL) {
		event_free(r->ev_sock);
		r->ev_sock = NULL;
	}
	if (r->sock != -1) {
		close(r->sock);
		r->sock = -1;
	}
	ipc_stream_free(r->in);
	r->in = NULL;
}

static void
runner_on_sock(evutil_socket_t fd, short what, void *arg)
{
	struct runner *r = arg;
	struct lh_ipc_frame f;
	ssize_t n;
	int rc;

	n = ipc_stream_fill(r->in, fd);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		log_info("runner socket closed, reconnecting");
		runner_disconnect(r);
		runner_arm(r, 100);
		return;
	}
	while ((rc = ipc_stream_next(r->in, &f)) == 1) {
		if (f.hdr.type != LH_MSG_HEARTBEAT)
			log_warnx("unexpected %s from worker",
			    ipc_type_name(f.hdr.type));
		ipc_frame_clear(&f);
	}
	if (rc == -1) {
		log_warnx("malformed frame from worker, reconnecting");
		runner_disconnect(r);
		runner_arm(r, 100);
	}
}

static int
runner_connect(struct runner *r)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/runner.sock",
	    r->cfg.state_dir);
	r->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (r->sock == -1 || connect(r->sock, (struct sockaddr *)&sun,
	    sizeof(sun)) == -1) {
		log_debug("connect %s: %s", sun.sun_path, strerror(errno));
		runner_disconnect(r);
		return -1;
	}
	if (ipc_send(r->sock, LH_MSG_RUNNER_HELLO, r->proc.instance, r->id,
	    strlen(r->id) + 1, -1) == -1 ||
	    (r->in = ipc_stream_new()) == NULL) {
		runner_disconnect(r);
		return -1;
	}
	evutil_make_socket_nonblocking(r->sock);
	r->ev_sock = event_new(r->proc.base, r->sock, EV_READ | EV_PERSIST,
	    runner_on_sock, r);
	if (r->ev_sock == NULL || event_add(r->ev_sock, NULL) == -1) {
		runner_disconnect(r);
		return -1;
	}
	log_info("connected to %s as %s", sun.sun_path, r->id);
	return 0;
}

static void
runner_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct runner *r = arg;

	if (r->proc.draining)
		return;
	if (r->sock != -1) {
		if (ipc_send(r->sock, LH_MSG_HEARTBEAT, r->proc.instance, NULL,
		    0, -1) == -1) {
			runner_disconnect(r);
			runner_arm(r, 100);
			return;
		}
		runner_arm(r, HEARTBEAT_MS);
		return;
	}
	if (runner_connect(r) == 0) {
		r->reconnect_ms = 100;
		runner_arm(r, HEARTBEAT_MS);
		return;
	}
	r->reconnect_ms = r->reconnect_ms * 2 > RECONNECT_MAX_MS ?
	    RECONNECT_MAX_MS : r->reconnect_ms * 2;
	runner_arm(r, r->reconnect_ms);
}

static void
runner_arm(struct runner *r, uint32_t ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(r->ev_timer, &tv);
}

static void
runner_apply_config(struct runner *r, struct lh_ipc_frame *f)
{
	const char *text;
	char line[1024], err[512], *eq;
	const char *p, *nl;

	if (ipc_read_string(f, &text) == -1)
		fatalx("malformed CONFIG from master");
	for (p = text; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		size_t len;

		nl = p + strcspn(p, "\n");
		len = (size_t)(nl - p);
		if (len >= sizeof(line))
			fatalx("CONFIG line too long");
		memcpy(line, p, len);
		line[len] = '\0';
		if (line[0] == '\0' || (eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		if (conf_set(&r->cfg, line, eq + 1, err, sizeof(err)) == -1)
			fatalx("CONFIG from master: %s", err);
	}
	log_set_level((enum lh_log_level)r->cfg.log_level);
	if (log_open(r->cfg.log_file) == -1)
		log_warn("open log file %s", r->cfg.log_file);
	if (!r->configured) {
		r->configured = 1;
		runner_arm(r, 0);
	}
}

static void
runner_dispatch_master(struct lh_proc *p, struct lh_ipc_frame *f)
{
	struct runner *r = p->arg;

	switch (f->hdr.type) {
	case LH_MSG_CONFIG:
		runner_apply_config(r, f);
		break;
	default:
		fatalx("unexpected %s (%u) from master",
		    ipc_type_name(f->hdr.type), f->hdr.type);
	}
}

static void
runner_on_drain(struct lh_proc *p)
{
	struct runner *r = p->arg;

	/* No stage runs yet: nothing to wait for. */
	runner_disconnect(r);
	event_base_loopexit(p->base, NULL);
}

int
runner_cli_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "instance", required_argument, NULL, 'i' },
		{ "generation", required_argument, NULL, 'g' },
		{ "user", required_argument, NULL, 'u' },
		{ "group", required_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 },
	};
	const char *user = "", *group = "";
	struct runner r;
	int ch;

	memset(&r, 0, sizeof(r));
	r.sock = -1;
	r.reconnect_ms = 100;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i': r.proc.instance = (uint32_t)atoi(optarg); break;
		case 'g': r.proc.generation = (uint32_t)atoi(optarg); break;
		case 'u': user = optarg; break;
		case 'G': group = optarg; break;
		default:
			fprintf(stderr, "labhit runner is started by "
			    "`labhit serve`, not by hand\n");
			return 64;
		}
	}
	if (fcntl(LH_RUNNER_CHANNEL_FD, F_GETFD) == -1) {
		fprintf(stderr, "labhit runner: no control channel on fd %d; "
		    "it is started by `labhit serve`\n", LH_RUNNER_CHANNEL_FD);
		return 64;
	}
	conf_defaults(&r.cfg);
	snprintf(r.id, sizeof(r.id), "runner-%u-%ld", r.proc.instance,
	    (long)getpid());
	r.proc.role = LH_ROLE_RUNNER;
	r.proc.channel = LH_RUNNER_CHANNEL_FD;
	r.proc.master_pid = getppid();
	r.proc.dispatch = runner_dispatch_master;
	r.proc.on_drain = runner_on_drain;
	r.proc.arg = &r;
	proc_child_init(&r.proc, user, group);
	/* where its stages will get their cgroups (the master placed it in
	 * the stages subtree when it has one) */
	if (cgroup_tree_auto(&r.cgroups, geteuid(), getegid()) == 0)
		log_info("stage limits: cgroup v2 in %s", r.cgroups.stages);
	else
		log_debug("stage limits: rlimits (%s)", r.cgroups.why);
	if ((r.ev_timer = evtimer_new(r.proc.base, runner_on_timer, &r)) == NULL)
		fatalx("evtimer_new failed");

	proc_child_run(&r.proc);

	runner_disconnect(&r);
	event_free(r.ev_timer);
	proc_child_free(&r.proc);
	conf_free(&r.cfg);
	return 0;
}
