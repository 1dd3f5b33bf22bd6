/*
 * ipc.c: frames, sends and receives the messages labhit processes exchange
 * (DESIGN.md section 2). Linked by every process: the master and its
 * children over SOCK_SEQPACKET control channels, runners and workers over
 * the SOCK_STREAM runner socket (see ipc_stream_*).
 *
 * NOTES
 * A received payload is always allocated with one extra NUL byte after its
 * len bytes (not counted in hdr.len), so payload is never NULL after a
 * successful receive. A received fd is owned by the frame: ipc_frame_clear
 * closes it unless the caller took it (set frame->fd = -1).
 * On a stream socket the kernel delivers an SCM_RIGHTS fd with the recvmsg
 * that ends inside the bytes of the sendmsg that carried it, so the stream
 * remembers each fd with the offset of the last byte of that read and gives
 * it to the frame that contains this offset.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/ipc.h"
#include "shared/log.h"

#define IPC_FRAME_MAX		(LH_IPC_HEADER_SIZE + LH_IPC_MAX_PAYLOAD)
#define IPC_MAX_RECV_FDS	8	/* room to see (and close) extras */
#define IPC_STREAM_MAX_FDS	4	/* fds queued on a stream at once */

struct ipc_queued_fd {
	int	 fd;
	uint64_t pos;		/* stream offset of the last byte of its read */
};

struct lh_ipc_stream {
	uint8_t	*buf;		/* IPC_FRAME_MAX bytes */
	size_t	 start;		/* first unconsumed byte */
	size_t	 end;		/* one past the last byte read */
	uint64_t base;		/* stream offset of buf[0] */
	struct ipc_queued_fd fds[IPC_STREAM_MAX_FDS];
	int	 nfds;
	int	 broken;	/* a malformed frame was seen */
};

static const struct {
	uint32_t	 type;
	const char	*name;
} ipc_names[] = {
	{ LH_MSG_HELLO,			"HELLO" },
	{ LH_MSG_READY,			"READY" },
	{ LH_MSG_DRAIN,			"DRAIN" },
	{ LH_MSG_HEARTBEAT,		"HEARTBEAT" },
	{ LH_MSG_STOP,			"STOP" },
	{ LH_MSG_ADOPT_CONN,		"ADOPT_CONN" },
	{ LH_MSG_CONFIG_RELOADED,	"CONFIG_RELOADED" },
	{ LH_MSG_RUNNER_HELLO,		"RUNNER_HELLO" },
	{ LH_MSG_CLAIM,			"CLAIM" },
	{ LH_MSG_ASSIGN,		"ASSIGN" },
	{ LH_MSG_EVENT,			"EVENT" },
	{ LH_MSG_LOG,			"LOG" },
	{ LH_MSG_DONE,			"DONE" },
	{ LH_MSG_CANCEL,		"CANCEL" },
	{ LH_MSG_ACK,			"ACK" },
	{ LH_MSG_BUS_PUBLISH,		"BUS_PUBLISH" },
	{ LH_MSG_LOG_REOPEN,		"LOG_REOPEN" },
};

const char *
ipc_type_name(uint32_t type)
{
	size_t i;

	for (i = 0; i < sizeof(ipc_names) / sizeof(ipc_names[0]); i++)
		if (ipc_names[i].type == type)
			return ipc_names[i].name;
	return "UNKNOWN";
}

/* Waits until sock is writable (or readable); 0 or -1. */
static int
ipc_wait(int sock, short events)
{
	struct pollfd pfd;

	pfd.fd = sock;
	pfd.events = events;
	pfd.revents = 0;
	for (;;) {
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		return 0;
	}
}

/* Skips n sent bytes in the iovec array. */
static void
ipc_iov_advance(int *iovcnt, struct iovec **first, size_t n)
{
	while (*iovcnt > 0 && n >= (*first)->iov_len) {
		n -= (*first)->iov_len;
		(*first)++;
		(*iovcnt)--;
	}
	if (*iovcnt > 0 && n > 0) {
		(*first)->iov_base = (uint8_t *)(*first)->iov_base + n;
		(*first)->iov_len -= n;
	}
}

int
ipc_send(int sock, uint32_t type, uint32_t peerid, const void *payload,
    size_t len, int fd)
{
	struct lh_ipc_header hdr;
	struct iovec iov[2], *first = iov;
	struct msghdr msg;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct cmsghdr *cmsg;
	size_t left;
	ssize_t n;
	int iovcnt;

	if (len > LH_IPC_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	if (len > 0 && payload == NULL) {
		errno = EINVAL;
		return -1;
	}
	hdr.type = type;
	hdr.len = (uint32_t)len;
	hdr.peerid = peerid;
	hdr.pid = (uint32_t)getpid();

	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	/* iov_base is not const in struct iovec; the kernel only reads it. */
	iov[1].iov_base = (void *)(uintptr_t)payload;
	iov[1].iov_len = len;
	iovcnt = len > 0 ? 2 : 1;
	left = sizeof(hdr) + len;

	memset(&msg, 0, sizeof(msg));
	if (fd >= 0) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}

	while (left > 0) {
		msg.msg_iov = first;
		msg.msg_iovlen = (size_t)iovcnt;
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (ipc_wait(sock, POLLOUT) == -1)
					return -1;
				continue;
			}
			return -1;
		}
		/* The fd went with the first bytes (stream partial write). */
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		left -= (size_t)n;
		ipc_iov_advance(&iovcnt, &first, (size_t)n);
	}
	return 0;
}

/*
 * Collects the fds of a received control buffer into fds[] (at most max);
 * returns how many the kernel passed in total, closing any beyond max.
 */
static int
ipc_collect_fds(struct msghdr *msg, int *fds, int max)
{
	struct cmsghdr *cmsg;
	size_t i, nfd;
	int fd, count = 0;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (count < max)
				fds[count] = fd;
			else
				(void)close(fd);
			count++;
		}
	}
	return count;
}

static void
ipc_close_fds(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		(void)close(fds[i]);
}

static void
ipc_frame_init(struct lh_ipc_frame *frame)
{
	memset(&frame->hdr, 0, sizeof(frame->hdr));
	frame->payload = NULL;
	frame->fd = -1;
}

int
ipc_recv(int sock, struct lh_ipc_frame *frame)
{
	struct lh_ipc_header hdr;
	struct iovec iov[2];
	struct msghdr msg;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(IPC_MAX_RECV_FDS * sizeof(int))];
	} cmsgbuf;
	uint8_t *buf, *shrunk;
	int fds[IPC_MAX_RECV_FDS], nfds;
	ssize_t n;

	ipc_frame_init(frame);
	if ((buf = malloc(LH_IPC_MAX_PAYLOAD + 1)) == NULL)
		return -1;
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = buf;
	iov[1].iov_len = LH_IPC_MAX_PAYLOAD;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		free(buf);
		return -1;
	}
	nfds = ipc_collect_fds(&msg, fds, IPC_MAX_RECV_FDS);
	if (n == 0 && nfds == 0) {
		free(buf);
		return 0;
	}
	if (nfds > IPC_MAX_RECV_FDS)
		nfds = IPC_MAX_RECV_FDS;	/* the rest are closed */
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
	    (size_t)n < sizeof(hdr) || hdr.len > LH_IPC_MAX_PAYLOAD ||
	    hdr.len != (size_t)n - sizeof(hdr) || nfds > 1) {
		/* Truncated, short, lying about its length, or extra fds. */
		ipc_close_fds(fds, nfds);
		free(buf);
		errno = EBADMSG;
		return -1;
	}
	buf[hdr.len] = '\0';
	if ((shrunk = realloc(buf, (size_t)hdr.len + 1)) != NULL)
		buf = shrunk;
	frame->hdr = hdr;
	frame->payload = buf;
	frame->fd = nfds == 1 ? fds[0] : -1;
	return 1;
}

void
ipc_frame_clear(struct lh_ipc_frame *frame)
{
	if (frame == NULL)
		return;
	free(frame->payload);
	if (frame->fd >= 0)
		(void)close(frame->fd);
	ipc_frame_init(frame);
}

int
ipc_read_hello(const struct lh_ipc_frame *f, struct lh_msg_hello *out)
{
	if (f->payload == NULL || f->hdr.len != sizeof(*out))
		return -1;
	memcpy(out, f->payload, sizeof(*out));
	return 0;
}

int
ipc_read_bus(const struct lh_ipc_frame *f, struct lh_msg_bus *out)
{
	struct lh_msg_bus m;

	if (f->payload == NULL || f->hdr.len != sizeof(m))
		return -1;
	memcpy(&m, f->payload, sizeof(m));
	if (memchr(m.topic, '\0', sizeof(m.topic)) == NULL ||
	    memchr(m.id, '\0', sizeof(m.id)) == NULL)
		return -1;
	*out = m;
	return 0;
}

int
ipc_read_string(const struct lh_ipc_frame *f, const char **out)
{
	const uint8_t *nul;

	if (f->payload == NULL || f->hdr.len == 0)
		return -1;
	/* The first NUL must be the last byte: no embedded NULs. */
	nul = memchr(f->payload, '\0', f->hdr.len);
	if (nul != f->payload + f->hdr.len - 1)
		return -1;
	*out = (const char *)f->payload;
	return 0;
}

struct lh_ipc_stream *
ipc_stream_new(void)
{
	struct lh_ipc_stream *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->buf = malloc(IPC_FRAME_MAX)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void
ipc_stream_free(struct lh_ipc_stream *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nfds; i++)
		(void)close(s->fds[i].fd);
	free(s->buf);
	free(s);
}

/* Moves unconsumed bytes to the front of the buffer. */
static void
ipc_stream_compact(struct lh_ipc_stream *s)
{
	if (s->start == 0)
		return;
	memmove(s->buf, s->buf + s->start, s->end - s->start);
	s->base += s->start;
	s->end -= s->start;
	s->start = 0;
}

ssize_t
ipc_stream_fill(struct lh_ipc_stream *s, int sock)
{
	struct iovec iov;
	struct msghdr msg;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(IPC_MAX_RECV_FDS * sizeof(int))];
	} cmsgbuf;
	int fds[IPC_MAX_RECV_FDS], nfds, i;
	ssize_t n;

	if (s->broken) {
		errno = EBADMSG;
		return -1;
	}
	ipc_stream_compact(s);
	if (s->end == IPC_FRAME_MAX) {
		/* A whole frame is buffered: take it out first. */
		errno = ENOBUFS;
		return -1;
	}
	iov.iov_base = s->buf + s->end;
	iov.iov_len = IPC_FRAME_MAX - s->end;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	nfds = ipc_collect_fds(&msg, fds, IPC_MAX_RECV_FDS);
	if (nfds > IPC_MAX_RECV_FDS)
		nfds = IPC_MAX_RECV_FDS;
	if ((msg.msg_flags & MSG_CTRUNC) != 0 ||
	    (nfds > 0 && (n == 0 || s->nfds + nfds > IPC_STREAM_MAX_FDS))) {
		ipc_close_fds(fds, nfds);
		s->broken = 1;
		errno = EBADMSG;
		return -1;
	}
	if (n == 0)
		return 0;
	s->end += (size_t)n;
	for (i = 0; i < nfds; i++) {
		s->fds[s->nfds].fd = fds[i];
		s->fds[s->nfds].pos = s->base + s->end - 1;
		s->nfds++;
	}
	return n;
}

/*
 * Takes the queued fds that arrived inside [from, to) off the queue.
 * Returns the fd (or -1 when none), -2 when there was more than one.
 */
static int
ipc_stream_take_fd(struct lh_ipc_stream *s, uint64_t from, uint64_t to)
{
	int i, j, fd = -1, extra = 0;

	for (i = 0, j = 0; i < s->nfds; i++) {
		if (s->fds[i].pos < to) {
			/* pos < from cannot happen: frames leave in order */
			if (fd == -1 && s->fds[i].pos >= from)
				fd = s->fds[i].fd;
			else {
				(void)close(s->fds[i].fd);
				extra = 1;
			}
		} else
			s->fds[j++] = s->fds[i];
	}
	s->nfds = j;
	if (extra) {
		if (fd != -1)
			(void)close(fd);
		return -2;
	}
	return fd;
}

int
ipc_stream_next(struct lh_ipc_stream *s, struct lh_ipc_frame *frame)
{
	struct lh_ipc_header hdr;
	uint64_t from;
	size_t avail, total;
	uint8_t *payload;
	int fd;

	ipc_frame_init(frame);
	if (s->broken) {
		errno = EBADMSG;
		return -1;
	}
	avail = s->end - s->start;
	if (avail < sizeof(hdr))
		return 0;
	memcpy(&hdr, s->buf + s->start, sizeof(hdr));
	if (hdr.len > LH_IPC_MAX_PAYLOAD) {
		s->broken = 1;
		errno = EBADMSG;
		return -1;
	}
	total = sizeof(hdr) + hdr.len;
	if (avail < total)
		return 0;
	if ((payload = malloc((size_t)hdr.len + 1)) == NULL)
		return -1;
	memcpy(payload, s->buf + s->start + sizeof(hdr), hdr.len);
	payload[hdr.len] = '\0';

	from = s->base + s->start;
	fd = ipc_stream_take_fd(s, from, from + total);
	s->start += total;
	if (fd == -2) {
		free(payload);
		s->broken = 1;
		errno = EBADMSG;
		return -1;
	}
	frame->hdr = hdr;
	frame->payload = payload;
	frame->fd = fd;
	return 1;
}
