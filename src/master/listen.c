/*
 * listen.c: parsing the listen setting and binding the per-slot
 * SO_REUSEPORT sockets. Runs in the master only.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "master/listen.h"

static int
parse_one(const char *item, struct lh_listen_addr *a, char *err,
    size_t errlen)
{
	char host[64];
	const char *colon, *portstr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
	char *end;
	long port;
	size_t hlen;

	memset(a, 0, sizeof(*a));
	snprintf(a->text, sizeof(a->text), "%s", item);
	if (item[0] == '[') {
		const char *close = strchr(item, ']');
		if (close == NULL || close[1] != ':')
			goto bad;
		hlen = (size_t)(close - item - 1);
		memcpy(host, item + 1, hlen < sizeof(host) ? hlen : 0);
		if (hlen >= sizeof(host))
			goto bad;
		host[hlen] = '\0';
		portstr = close + 2;
	} else if ((colon = strrchr(item, ':')) != NULL) {
		hlen = (size_t)(colon - item);
		if (hlen >= sizeof(host))
			goto bad;
		memcpy(host, item, hlen);
		host[hlen] = '\0';
		portstr = colon + 1;
	} else {
		snprintf(host, sizeof(host), "127.0.0.1");
		portstr = item;
	}
	errno = 0;
	port = strtol(portstr, &end, 10);
	if (*portstr == '\0' || *end != '\0' || errno != 0 || port < 0 ||
	    port > 65535)
		goto bad;
	if (strcmp(host, "*") == 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "0.0.0.0");
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		a->sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		a->sslen = sizeof(*sin6);
	} else {
		goto bad;
	}
	a->port = (int)port;
	return 0;
bad:
	snprintf(err, errlen, "listen: '%s' is not ADDR:PORT (a numeric "
	    "IPv4 or [IPv6] address and a port 0..65535)", item);
	return -1;
}

int
listen_parse(const char *spec, struct lh_listen_set *set, char *err,
    size_t errlen)
{
	char buf[512], *item, *save = NULL;

	memset(set, 0, sizeof(*set));
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "listen: value too long");
		return -1;
	}
	snprintf(set->spec, sizeof(set->spec), "%s", spec);
	for (item = strtok_r(buf, ", ", &save); item != NULL;
	    item = strtok_r(NULL, ", ", &save)) {
		if (set->naddrs == LH_LISTEN_MAX_ADDRS) {
			snprintf(err, errlen, "listen: more than %d addresses",
			    LH_LISTEN_MAX_ADDRS);
			return -1;
		}
		if (parse_one(item, &set->addrs[set->naddrs], err,
		    errlen) == -1)
			return -1;
		set->naddrs++;
	}
	if (set->naddrs == 0) {
		snprintf(err, errlen, "listen: no address given");
		return -1;
	}
	return set->naddrs;
}

static void
set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

/*
 * SO_REUSEPORT lets any process of the same user join a port's group, so a
 * second server would silently share the port. A plain bind first proves
 * the port is free.
 */
static int
port_is_free(const struct lh_listen_addr *a)
{
	int fd, on = 1, rc, saved;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (a->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	rc = bind(fd, (const struct sockaddr *)&a->ss, a->sslen);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Binds one more SO_REUSEPORT socket of a; returns its fd or -1. */
static int
open_socket(struct lh_listen_addr *a, char *err, size_t errlen)
{
	struct sockaddr_storage got;
	socklen_t gotlen = sizeof(got);
	int fd, on = 1;

	fd = -1;
	if (a->nfds == 0 && a->port != 0 && port_is_free(a) == -1)
		goto fail;
	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)
		goto fail;
	if (a->ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&a->ss, a->sslen) == -1)
		goto fail;
	if (listen(fd, 4096) == -1)
		goto fail;
	if (getsockname(fd, (struct sockaddr *)&got, &gotlen) == -1)
		goto fail;
	a->port = ntohs(got.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&got)->sin_port :
	    ((struct sockaddr_in6 *)&got)->sin6_port);
	/* Port 0: every further socket of this address joins the same port. */
	set_port(&a->ss, a->port);
	return fd;
fail:
	snprintf(err, errlen, "listen on %s failed: %s", a->text,
	    strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

int
listen_resize(struct lh_listen_set *set, int slots, char *err, size_t errlen)
{
	if (slots < 1 || slots > LH_LISTEN_MAX_SLOTS) {
		snprintf(err, errlen, "listen: %d worker slots out of range",
		    slots);
		return -1;
	}
	for (int i = 0; i < set->naddrs; i++) {
		struct lh_listen_addr *a = &set->addrs[i];
		while (a->nfds < slots) {
			int fd = open_socket(a, err, errlen);
			if (fd == -1)
				return -1;
			a->fds[a->nfds++] = fd;
		}
		while (a->nfds > slots)
			if (a->fds[--a->nfds] != -1)
				close(a->fds[a->nfds]);
	}
	return 0;
}

int
listen_open(struct lh_listen_set *set, int slots, char *err, size_t errlen)
{
	if (listen_resize(set, slots, err, errlen) == -1) {
		listen_close(set);
		return -1;
	}
	return 0;
}

void
listen_close(struct lh_listen_set *set)
{
	for (int i = 0; i < set->naddrs; i++) {
		struct lh_listen_addr *a = &set->addrs[i];
		while (a->nfds > 0)
			if (a->fds[--a->nfds] != -1)
				close(a->fds[a->nfds]);
	}
}

void
listen_close_slot(struct lh_listen_set *set, int slot)
{
	for (int i = 0; i < set->naddrs; i++) {
		struct lh_listen_addr *a = &set->addrs[i];
		if (slot < a->nfds && a->fds[slot] != -1) {
			close(a->fds[slot]);
			a->fds[slot] = -1;
		}
	}
}

int
listen_reopen_slot(struct lh_listen_set *set, int slot, char *err,
    size_t errlen)
{
	for (int i = 0; i < set->naddrs; i++) {
		struct lh_listen_addr *a = &set->addrs[i];
		if (slot < a->nfds && a->fds[slot] == -1 &&
		    (a->fds[slot] = open_socket(a, err, errlen)) == -1)
			return -1;
	}
	return 0;
}

void
listen_describe(const struct lh_listen_set *set, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < set->naddrs && used < len; i++) {
		const struct lh_listen_addr *a = &set->addrs[i];
		char host[INET6_ADDRSTRLEN];
		const void *src = a->ss.ss_family == AF_INET ?
		    (const void *)&((const struct sockaddr_in *)&a->ss)->sin_addr :
		    (const void *)&((const struct sockaddr_in6 *)&a->ss)->sin6_addr;

		if (inet_ntop(a->ss.ss_family, src, host, sizeof(host)) == NULL)
			snprintf(host, sizeof(host), "?");
		if (a->ss.ss_family == AF_INET6)
			used += (size_t)snprintf(buf + used, len - used,
			    "%s[%s]:%d", i > 0 ? "," : "", host, a->port);
		else
			used += (size_t)snprintf(buf + used, len - used,
			    "%s%s:%d", i > 0 ? "," : "", host, a->port);
	}
}

void
listen_adopt(struct lh_listen_set *next, struct lh_listen_set *old)
{
	for (int i = 0; i < next->naddrs; i++) {
		struct lh_listen_addr *n = &next->addrs[i];
		for (int j = 0; j < old->naddrs; j++) {
			struct lh_listen_addr *o = &old->addrs[j];
			if (o->nfds == 0 || n->nfds != 0 || n->sslen != o->sslen ||
			    memcmp(&n->ss, &o->ss, n->sslen) != 0)
				continue;
			memcpy(n->fds, o->fds, sizeof(o->fds[0]) * (size_t)o->nfds);
			n->nfds = o->nfds;
			o->nfds = 0;
		}
	}
}
