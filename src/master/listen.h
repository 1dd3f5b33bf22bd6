/*
 * listen.h: the master's listening sockets. Each configured address gets one
 * SO_REUSEPORT socket per worker slot, bound before fork (and before any
 * privilege drop), so the kernel spreads connections evenly over the workers
 * and a reload hands slot i's socket to the new worker without closing it.
 */
#ifndef LH_LISTEN_H
#define LH_LISTEN_H

#include <sys/socket.h>

#define LH_LISTEN_MAX_ADDRS	8
#define LH_LISTEN_MAX_SLOTS	256

struct lh_listen_addr {
	char	 text[80];		/* as configured: "127.0.0.1:8080" */
	struct sockaddr_storage ss;
	socklen_t sslen;
	int	 fds[LH_LISTEN_MAX_SLOTS];
	int	 nfds;
	int	 port;			/* actual port once bound */
};

struct lh_listen_set {
	struct lh_listen_addr addrs[LH_LISTEN_MAX_ADDRS];
	int	 naddrs;
	char	 spec[512];		/* the listen value these came from */
};

/* Parses "ADDR:PORT[,ADDR:PORT...]" ("[::1]:8080", "*:8080", "8080").
 * Pure; returns the count or -1 with err filled. */
int listen_parse(const char *spec, struct lh_listen_set *set, char *err,
    size_t errlen);
/* Binds every address `slots` times. Port 0 binds the first socket to a
 * free port and the others to the same one. Returns 0 or -1 with err. */
int listen_open(struct lh_listen_set *set, int slots, char *err,
    size_t errlen);
/* Grows or shrinks every address to `slots` sockets. */
int listen_resize(struct lh_listen_set *set, int slots, char *err,
    size_t errlen);
void listen_close(struct lh_listen_set *set);
/* A dead worker's sockets are closed so the kernel stops routing new
 * connections to a queue nobody accepts from (they go to the live
 * workers); its replacement gets fresh ones. */
void listen_close_slot(struct lh_listen_set *set, int slot);
int listen_reopen_slot(struct lh_listen_set *set, int slot, char *err,
    size_t errlen);
/* Moves the sockets of addresses present in both sets from old to next, so
 * a reload that keeps an address keeps its sockets (and their queues). */
void listen_adopt(struct lh_listen_set *next, struct lh_listen_set *old);
/* "127.0.0.1:41234,[::1]:41234" of the bound sockets. */
void listen_describe(const struct lh_listen_set *set, char *buf, size_t len);

#endif
