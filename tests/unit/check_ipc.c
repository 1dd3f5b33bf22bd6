/*
 * check_ipc.c: unit suite for src/shared/ipc.c: framing on SOCK_SEQPACKET
 * control channels, fd passing, typed readers and stream reassembly.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/ipc.h"

static const uint32_t all_types[] = {
	LH_MSG_HELLO, LH_MSG_READY, LH_MSG_DRAIN, LH_MSG_HEARTBEAT,
	LH_MSG_STOP, LH_MSG_CONFIG_RELOADED, LH_MSG_RUNNER_HELLO,
	LH_MSG_CLAIM, LH_MSG_ASSIGN, LH_MSG_EVENT, LH_MSG_LOG, LH_MSG_DONE,
	LH_MSG_CANCEL, LH_MSG_ACK, LH_MSG_BUS_PUBLISH, LH_MSG_LOG_REOPEN,
};
#define NTYPES (sizeof(all_types) / sizeof(all_types[0]))

static void
pair(int type, int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv), 0);
}

static void
close_pair(int sv[2])
{
	ck_assert_int_eq(close(sv[0]), 0);
	ck_assert_int_eq(close(sv[1]), 0);
}

static int
count_fds(void)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	d = opendir("/proc/self/fd");
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	ck_assert_int_eq(closedir(d), 0);
	return n;
}

/* A frame with a header claiming len, carrying n payload bytes. */
static size_t
raw_frame(uint8_t *buf, uint32_t type, uint32_t len, size_t n)
{
	struct lh_ipc_header h;

	h.type = type;
	h.len = len;
	h.peerid = 7;
	h.pid = 1;
	memcpy(buf, &h, sizeof(h));
	memset(buf + sizeof(h), 'a', n);
	return sizeof(h) + n;
}

/* Sends one datagram carrying the given fds. */
static void
send_with_fds(int sock, const void *data, size_t len, const int *fds, int n)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(4 * sizeof(int))];
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *c;

	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, (size_t)n * sizeof(int));
	ck_assert_int_eq(sendmsg(sock, &msg, 0), (ssize_t)len);
}

START_TEST(test_type_names)
{
	size_t i, j;

	for (i = 0; i < NTYPES; i++) {
		ck_assert_str_ne(ipc_type_name(all_types[i]), "UNKNOWN");
		for (j = 0; j < i; j++)
			ck_assert_str_ne(ipc_type_name(all_types[i]),
			    ipc_type_name(all_types[j]));
	}
	ck_assert_str_eq(ipc_type_name(LH_MSG_HELLO), "HELLO");
	ck_assert_str_eq(ipc_type_name(LH_MSG_BUS_PUBLISH), "BUS_PUBLISH");
	ck_assert_str_eq(ipc_type_name(0), "UNKNOWN");
	ck_assert_str_eq(ipc_type_name(199), "UNKNOWN");
	ck_assert_str_eq(ipc_type_name(UINT32_MAX), "UNKNOWN");
}
END_TEST

START_TEST(test_round_trip_each_type)
{
	struct lh_ipc_frame f;
	char payload[64];
	size_t i;
	int sv[2], n;

	pair(SOCK_SEQPACKET, sv);
	for (i = 0; i < NTYPES; i++) {
		n = snprintf(payload, sizeof(payload), "payload of %u",
		    all_types[i]);
		ck_assert_int_eq(ipc_send(sv[0], all_types[i], 1000 + i,
		    payload, (size_t)n, -1), 0);
		ck_assert_int_eq(ipc_recv(sv[1], &f), 1);
		ck_assert_uint_eq(f.hdr.type, all_types[i]);
		ck_assert_uint_eq(f.hdr.len, (uint32_t)n);
		ck_assert_uint_eq(f.hdr.peerid, 1000 + i);
		ck_assert_uint_eq(f.hdr.pid, (uint32_t)getpid());
		ck_assert_int_eq(f.fd, -1);
		ck_assert_mem_eq(f.payload, payload, (size_t)n);
		ck_assert_int_eq(f.payload[n], '\0');
		ipc_frame_clear(&f);
		ck_assert_ptr_null(f.payload);
	}
	/* Empty payload, both directions. */
	ck_assert_int_eq(ipc_send(sv[1], LH_MSG_READY, 3, NULL, 0, -1), 0);
	ck_assert_int_eq(ipc_recv(sv[0], &f), 1);
	ck_assert_uint_eq(f.hdr.type, LH_MSG_READY);
	ck_assert_uint_eq(f.hdr.len, 0);
	ck_assert_ptr_nonnull(f.payload);
	ipc_frame_clear(&f);
	close_pair(sv);
}
END_TEST

START_TEST(test_hello_and_bus_round_trip)
{
	struct lh_ipc_frame f;
	struct lh_msg_hello h = { LH_IPC_VERSION, LH_ROLE_WORKER, 3, 9 }, h2;
	struct lh_msg_bus b, b2;
	const char *str;
	int sv[2];

	pair(SOCK_SEQPACKET, sv);
	ck_assert_int_eq(ipc_send(sv[0], LH_MSG_HELLO, 0, &h, sizeof(h), -1),
	    0);
	ck_assert_int_eq(ipc_recv(sv[1], &f), 1);
	ck_assert_int_eq(ipc_read_hello(&f, &h2), 0);
	ck_assert_uint_eq(h2.ipc_version, LH_IPC_VERSION);
	ck_assert_uint_eq(h2.role, LH_ROLE_WORKER);
	ck_assert_uint_eq(h2.instance, 3);
	ck_assert_uint_eq(h2.generation, 9);
	/* A hello is not a bus message nor a string. */
	ck_assert_int_eq(ipc_read_bus(&f, &b2), -1);
	ipc_frame_clear(&f);

	memset(&b, 0, sizeof(b));
	strcpy(b.topic, "run.event");
	strcpy(b.id, "123e4567-e89b-12d3-a456-426614174000");
	b.seq = UINT64_C(1) << 40;
	ck_assert_int_eq(ipc_send(sv[1], LH_MSG_BUS_PUBLISH, 0, &b, sizeof(b),
	    -1), 0);
	ck_assert_int_eq(ipc_recv(sv[0], &f), 1);
	ck_assert_int_eq(ipc_read_bus(&f, &b2), 0);
	ck_assert_str_eq(b2.topic, "run.event");
	ck_assert_str_eq(b2.id, b.id);
	ck_assert(b2.seq == b.seq);
	ck_assert_int_eq(ipc_read_hello(&f, &h2), -1);
	ipc_frame_clear(&f);

	ck_assert_int_eq(ipc_send(sv[0], LH_MSG_LOG, 0, "hello", 6, -1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &f), 1);
	ck_assert_int_eq(ipc_read_string(&f, &str), 0);
	ck_assert_str_eq(str, "hello");
	ipc_frame_clear(&f);
	close_pair(sv);
}
END_TEST

/* Builds a frame by hand so readers can be fed bad payloads. */
static void
fake_frame(struct lh_ipc_frame *f, const void *p, uint32_t len)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->hdr.len = len;
	f->payload = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(f->payload);
	memcpy(f->payload, p, len);
	f->payload[len] = '\0';
}

START_TEST(test_readers_reject)
{
	struct lh_ipc_frame f;
	struct lh_msg_hello h;
	struct lh_msg_bus b;
	uint8_t raw[128];
	const char *str;

	memset(raw, 0, sizeof(raw));
	fake_frame(&f, raw, sizeof(h) - 1);
	ck_assert_int_eq(ipc_read_hello(&f, &h), -1);
	ipc_frame_clear(&f);
	fake_frame(&f, raw, sizeof(h) + 1);
	ck_assert_int_eq(ipc_read_hello(&f, &h), -1);
	ipc_frame_clear(&f);
	fake_frame(&f, raw, 0);
	ck_assert_int_eq(ipc_read_hello(&f, &h), -1);
	ipc_frame_clear(&f);
	fake_frame(&f, raw, sizeof(h));
	ck_assert_int_eq(ipc_read_hello(&f, &h), 0);
	ipc_frame_clear(&f);

	/* bus: short, long, topic or id unterminated */
	memset(&b, 0, sizeof(b));
	strcpy(b.topic, "run.queued");
	strcpy(b.id, "abc");
	fake_frame(&f, &b, sizeof(b) - 1);
	ck_assert_int_eq(ipc_read_bus(&f, &b), -1);
	ipc_frame_clear(&f);
	memcpy(raw, &b, sizeof(b));
	fake_frame(&f, raw, sizeof(b) + 1);
	ck_assert_int_eq(ipc_read_bus(&f, &b), -1);
	ipc_frame_clear(&f);
	memcpy(raw, &b, sizeof(b));
	memset(raw, 'x', sizeof(b.topic));
	fake_frame(&f, raw, sizeof(b));
	ck_assert_int_eq(ipc_read_bus(&f, &b), -1);
	ipc_frame_clear(&f);
	memcpy(raw, &b, sizeof(b));
	memset(raw + offsetof(struct lh_msg_bus, id), 'y', sizeof(b.id));
	fake_frame(&f, raw, sizeof(b));
	ck_assert_int_eq(ipc_read_bus(&f, &b), -1);
	ipc_frame_clear(&f);
	/* exactly full arrays with the NUL in the last byte are fine */
	memcpy(raw, &b, sizeof(b));
	memset(raw, 'x', sizeof(b.topic) - 1);
	memset(raw + offsetof(struct lh_msg_bus, id), 'y', sizeof(b.id) - 1);
	fake_frame(&f, raw, sizeof(b));
	ck_assert_int_eq(ipc_read_bus(&f, &b), 0);
	ck_assert_uint_eq(strlen(b.topic), sizeof(b.topic) - 1);
	ck_assert_uint_eq(strlen(b.id), sizeof(b.id) - 1);
	ipc_frame_clear(&f);

	/* strings: unterminated, embedded NUL, empty */
	fake_frame(&f, "abc", 3);
	ck_assert_int_eq(ipc_read_string(&f, &str), -1);
	ipc_frame_clear(&f);
	fake_frame(&f, "ab\0c", 5);
	ck_assert_int_eq(ipc_read_string(&f, &str), -1);
	ipc_frame_clear(&f);
	fake_frame(&f, "", 0);
	ck_assert_int_eq(ipc_read_string(&f, &str), -1);
	ipc_frame_clear(&f);
	fake_frame(&f, "", 1);
	ck_assert_int_eq(ipc_read_string(&f, &str), 0);
	ck_assert_str_eq(str, "");
	ipc_frame_clear(&f);
}
END_TEST

START_TEST(test_fd_passing)
{
	struct lh_ipc_frame f;
	int sv[2], p[2], flags;
	char buf[8];

	pair(SOCK_SEQPACKET, sv);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(ipc_send(sv[0], LH_MSG_LOG_REOPEN, 0, "x", 1, p[1]),
	    0);
	ck_assert_int_eq(close(p[1]), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &f), 1);
	ck_assert_int_ge(f.fd, 0);
	flags = fcntl(f.fd, F_GETFD);
	ck_assert_int_ne(flags, -1);
	ck_assert(flags & FD_CLOEXEC);
	ck_assert_int_eq(write(f.fd, "ping", 4), 4);
	ck_assert_int_eq(read(p[0], buf, sizeof(buf)), 4);
	ck_assert_mem_eq(buf, "ping", 4);
	/* clearing the frame closes the last write end: EOF on the pipe */
	ipc_frame_clear(&f);
	ck_assert_int_eq(f.fd, -1);
	ck_assert_int_eq(read(p[0], buf, sizeof(buf)), 0);
	ck_assert_int_eq(close(p[0]), 0);
	close_pair(sv);
}
END_TEST

START_TEST(test_extra_fds_closed)
{
	struct lh_ipc_frame f;
	uint8_t raw[32];
	int sv[2], p[2], before;
	size_t n;

	pair(SOCK_SEQPACKET, sv);
	ck_assert_int_eq(pipe(p), 0);
	before = count_fds();
	n = raw_frame(raw, LH_MSG_READY, 4, 4);
	send_with_fds(sv[0], raw, n, p, 2);
	ck_assert_int_eq(ipc_recv(sv[1], &f), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(f.fd, -1);
	ck_assert_ptr_null(f.payload);
	/* both passed descriptors were closed again */
	ck_assert_int_eq(count_fds(), before);
	ck_assert_int_eq(close(p[0]), 0);
	ck_assert_int_eq(close(p[1]), 0);
	close_pair(sv);
}
END_TEST

START_TEST(test_max_payload)
{
	struct lh_ipc_frame f;
	uint8_t *big;
	int sv[2];

	big = malloc(LH_IPC_MAX_PAYLOAD + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'z', LH_IPC_MAX_PAYLOAD + 1);
	big[0] = 'A';
	big[LH_IPC_MAX_PAYLOAD - 1] = 'Z';
	pair(SOCK_SEQPACKET, sv);
	ck_assert_int_eq(ipc_send(sv[0], LH_MSG_ASSIGN, 1, big,
	    LH_IPC_MAX_PAYLOAD, -1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &f), 1);
	ck_assert_uint_eq(f.hdr.len, LH_IPC_MAX_PAYLOAD);
	ck_assert_mem_eq(f.payload, big, LH_IPC_MAX_PAYLOAD);
	ipc_frame_clear(&f);

	errno = 0;
	ck_assert_int_eq(ipc_send(sv[0], LH_MSG_ASSIGN, 1, big,
	    LH_IPC_MAX_PAYLOAD + 1, -1), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_int_eq(ipc_send(sv[0], LH_MSG_ASSIGN, 1, NULL, 5, -1), -1);
	ck_assert_int_eq(errno, EINVAL);
	free(big);
	close_pair(sv);
}
END_TEST

START_TEST(test_malformed_datagrams)
{
	struct lh_ipc_frame f;
	uint8_t *raw;
	size_t n;
	int sv[2];

	raw = malloc(LH_IPC_HEADER_SIZE + LH_IPC_MAX_PAYLOAD + 64);
	ck_assert_ptr_nonnull(raw);
	pair(SOCK_SEQPACKET, sv);

	/* longer than any frame: truncated by the receiver */
	n = raw_frame(raw, LH_MSG_LOG, LH_IPC_MAX_PAYLOAD + 64,
	    LH_IPC_MAX_PAYLOAD + 64);
	ck_assert_int_eq(send(sv[0], raw, n, 0), (ssize_t)n);
	/* shorter than a header */
	ck_assert_int_eq(send(sv[0], raw, 10, 0), 10);
	/* header says 10, datagram carries 9 */
	n = raw_frame(raw, LH_MSG_LOG, 10, 9);
	ck_assert_int_eq(send(sv[0], raw, n, 0), (ssize_t)n);
	/* header says 3, datagram carries 4 */
	n = raw_frame(raw, LH_MSG_LOG, 3, 4);
	ck_assert_int_eq(send(sv[0], raw, n, 0), (ssize_t)n);
	/* then a good frame still comes through */
	ck_assert_int_eq(ipc_send(sv[0], LH_MSG_HEARTBEAT, 5, NULL, 0, -1),
	    0);

	ck_assert_int_eq(ipc_recv(sv[1], &f), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(ipc_recv(sv[1], &f), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(ipc_recv(sv[1], &f), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(ipc_recv(sv[1], &f), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(ipc_recv(sv[1], &f), 1);
	ck_assert_uint_eq(f.hdr.type, LH_MSG_HEARTBEAT);
	ipc_frame_clear(&f);
	free(raw);
	close_pair(sv);
}
END_TEST

START_TEST(test_eof_and_eagain)
{
	struct lh_ipc_frame f;
	int sv[2];

	pair(SOCK_SEQPACKET, sv);
	ck_assert_int_eq(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &f), -1);
	ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
	ck_assert_int_eq(ipc_send(sv[0], LH_MSG_STOP, 0, NULL, 0, -1), 0);
	ck_assert_int_eq(close(sv[0]), 0);
	/* the queued frame first, then EOF */
	ck_assert_int_eq(ipc_recv(sv[1], &f), 1);
	ck_assert_uint_eq(f.hdr.type, LH_MSG_STOP);
	ipc_frame_clear(&f);
	ck_assert_int_eq(ipc_recv(sv[1], &f), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &f), 0);
	ck_assert_int_eq(close(sv[1]), 0);

	/* sending to a closed peer fails with EPIPE, no SIGPIPE */
	pair(SOCK_SEQPACKET, sv);
	ck_assert_int_eq(close(sv[1]), 0);
	ck_assert_int_eq(ipc_send(sv[0], LH_MSG_STOP, 0, NULL, 0, -1), -1);
	ck_assert_int_eq(errno, EPIPE);
	ck_assert_int_eq(close(sv[0]), 0);
}
END_TEST

/* A non-blocking sender outrunning a slow reader: EAGAIN is waited out. */
static void
blocking_send_run(int type)
{
	struct lh_ipc_frame f;
	struct lh_ipc_stream *s = NULL;
	uint8_t *big;
	pid_t pid;
	int sv[2], p[2], i, r, status;
	ssize_t n;
	const int count = 64;

	big = malloc(LH_IPC_MAX_PAYLOAD);
	ck_assert_ptr_nonnull(big);
	pair(type, sv);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		(void)close(sv[1]);
		if (fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1)
			_exit(2);
		for (i = 0; i < count; i++) {
			memset(big, i, LH_IPC_MAX_PAYLOAD);
			/* every third frame carries an fd */
			if (ipc_send(sv[0], LH_MSG_LOG, (uint32_t)i, big,
			    LH_IPC_MAX_PAYLOAD, i % 3 == 0 ? p[1] : -1) == -1)
				_exit(1);
		}
		_exit(0);
	}
	ck_assert_int_eq(close(sv[0]), 0);
	if (type == SOCK_STREAM)
		ck_assert_ptr_nonnull(s = ipc_stream_new());
	for (i = 0; i < count; i++) {
		if (s == NULL)
			r = ipc_recv(sv[1], &f);
		else {
			while ((r = ipc_stream_next(s, &f)) == 0) {
				n = ipc_stream_fill(s, sv[1]);
				ck_assert_int_gt(n, 0);
			}
		}
		ck_assert_int_eq(r, 1);
		ck_assert_uint_eq(f.hdr.peerid, (uint32_t)i);
		ck_assert_uint_eq(f.hdr.len, LH_IPC_MAX_PAYLOAD);
		ck_assert_uint_eq(f.payload[0], (uint8_t)i);
		ck_assert_uint_eq(f.payload[LH_IPC_MAX_PAYLOAD - 1],
		    (uint8_t)i);
		if (i % 3 == 0)
			ck_assert_int_ge(f.fd, 0);
		else
			ck_assert_int_eq(f.fd, -1);
		ipc_frame_clear(&f);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ipc_stream_free(s);
	ck_assert_int_eq(close(sv[1]), 0);
	ck_assert_int_eq(close(p[0]), 0);
	ck_assert_int_eq(close(p[1]), 0);
	free(big);
}

START_TEST(test_send_waits_out_eagain)
{
	blocking_send_run(SOCK_SEQPACKET);
	blocking_send_run(SOCK_STREAM);
}
END_TEST

/* Reads all bytes queued on a stream socket into buf. */
static size_t
drain(int sock, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	ck_assert_int_eq(fcntl(sock, F_SETFL, O_NONBLOCK), 0);
	while ((n = read(sock, buf + got, cap - got)) > 0)
		got += (size_t)n;
	ck_assert(n == -1 && errno == EAGAIN);
	return got;
}

START_TEST(test_stream_byte_by_byte)
{
	struct lh_ipc_stream *s;
	struct lh_ipc_frame f;
	uint8_t raw[512];
	size_t len, i;
	int a[2], b[2], got = 0;

	pair(SOCK_STREAM, a);
	pair(SOCK_STREAM, b);
	ck_assert_int_eq(ipc_send(a[0], LH_MSG_CLAIM, 1, "one", 4, -1), 0);
	ck_assert_int_eq(ipc_send(a[0], LH_MSG_HEARTBEAT, 2, NULL, 0, -1), 0);
	ck_assert_int_eq(ipc_send(a[0], LH_MSG_DONE, 3, "three!", 7, -1), 0);
	len = drain(a[1], raw, sizeof(raw));
	ck_assert_uint_eq(len, 3 * LH_IPC_HEADER_SIZE + 11);

	s = ipc_stream_new();
	ck_assert_ptr_nonnull(s);
	for (i = 0; i < len; i++) {
		ck_assert_int_eq(write(b[0], raw + i, 1), 1);
		ck_assert_int_eq(ipc_stream_fill(s, b[1]), 1);
		if (ipc_stream_next(s, &f) == 1) {
			got++;
			ck_assert_uint_eq(f.hdr.peerid, (uint32_t)got);
			switch (got) {
			case 1:
				ck_assert_uint_eq(i, LH_IPC_HEADER_SIZE + 3);
				ck_assert_str_eq((char *)f.payload, "one");
				break;
			case 2:
				ck_assert_uint_eq(f.hdr.type, LH_MSG_HEARTBEAT);
				ck_assert_uint_eq(f.hdr.len, 0);
				break;
			default:
				ck_assert_uint_eq(i, len - 1);
				ck_assert_str_eq((char *)f.payload, "three!");
				break;
			}
			ipc_frame_clear(&f);
		}
		ck_assert_int_eq(ipc_stream_next(s, &f), 0);
	}
	ck_assert_int_eq(got, 3);
	/* EOF */
	ck_assert_int_eq(close(b[0]), 0);
	ck_assert_int_eq(ipc_stream_fill(s, b[1]), 0);
	ipc_stream_free(s);
	close_pair(a);
	ck_assert_int_eq(close(b[1]), 0);
}
END_TEST

START_TEST(test_stream_many_in_one_read)
{
	struct lh_ipc_stream *s;
	struct lh_ipc_frame f;
	uint32_t i;
	int sv[2];
	ssize_t n;
	char msg[32];

	pair(SOCK_STREAM, sv);
	for (i = 0; i < 100; i++) {
		snprintf(msg, sizeof(msg), "event %u", i);
		ck_assert_int_eq(ipc_send(sv[0], LH_MSG_EVENT, i, msg,
		    strlen(msg) + 1, -1), 0);
	}
	s = ipc_stream_new();
	ck_assert_ptr_nonnull(s);
	n = ipc_stream_fill(s, sv[1]);
	ck_assert_int_gt(n, 0);
	for (i = 0; i < 100; i++) {
		if (ipc_stream_next(s, &f) == 0) {
			/* a second read only if the kernel split the data */
			ck_assert_int_gt(ipc_stream_fill(s, sv[1]), 0);
			ck_assert_int_eq(ipc_stream_next(s, &f), 1);
		}
		snprintf(msg, sizeof(msg), "event %u", i);
		ck_assert_uint_eq(f.hdr.peerid, i);
		ck_assert_str_eq((char *)f.payload, msg);
		ipc_frame_clear(&f);
	}
	ck_assert_int_eq(ipc_stream_next(s, &f), 0);
	ipc_stream_free(s);
	close_pair(sv);
}
END_TEST

START_TEST(test_stream_garbage)
{
	struct lh_ipc_stream *s;
	struct lh_ipc_frame f;
	uint8_t raw[64];
	size_t n;
	int sv[2];

	pair(SOCK_STREAM, sv);
	ck_assert_int_eq(ipc_send(sv[0], LH_MSG_ACK, 1, "ok", 3, -1), 0);
	n = raw_frame(raw, LH_MSG_LOG, LH_IPC_MAX_PAYLOAD + 1, 8);
	ck_assert_int_eq(write(sv[0], raw, n), (ssize_t)n);
	s = ipc_stream_new();
	ck_assert_ptr_nonnull(s);
	ck_assert_int_gt(ipc_stream_fill(s, sv[1]), 0);
	ck_assert_int_eq(ipc_stream_next(s, &f), 1);
	ck_assert_str_eq((char *)f.payload, "ok");
	ipc_frame_clear(&f);
	ck_assert_int_eq(ipc_stream_next(s, &f), -1);
	ck_assert_int_eq(errno, EBADMSG);
	/* the stream stays broken */
	ck_assert_int_eq(ipc_stream_next(s, &f), -1);
	ck_assert_int_eq(ipc_stream_fill(s, sv[1]), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ipc_stream_free(s);
	close_pair(sv);
}
END_TEST

START_TEST(test_stream_fd)
{
	struct lh_ipc_stream *s;
	struct lh_ipc_frame f;
	int sv[2], p[2], i, r, fds_seen = 0;
	char buf[8];

	pair(SOCK_STREAM, sv);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(ipc_send(sv[0], LH_MSG_EVENT, 0, "a", 2, -1), 0);
	ck_assert_int_eq(ipc_send(sv[0], LH_MSG_LOG, 1, "b", 2, p[1]), 0);
	ck_assert_int_eq(ipc_send(sv[0], LH_MSG_EVENT, 2, "c", 2, -1), 0);
	ck_assert_int_eq(close(p[1]), 0);
	s = ipc_stream_new();
	ck_assert_ptr_nonnull(s);
	for (i = 0; i < 3; i++) {
		while ((r = ipc_stream_next(s, &f)) == 0)
			ck_assert_int_gt(ipc_stream_fill(s, sv[1]), 0);
		ck_assert_int_eq(r, 1);
		ck_assert_uint_eq(f.hdr.peerid, (uint32_t)i);
		if (i == 1) {
			ck_assert_int_ge(f.fd, 0);
			ck_assert(fcntl(f.fd, F_GETFD) & FD_CLOEXEC);
			ck_assert_int_eq(write(f.fd, "pong", 4), 4);
			fds_seen++;
		} else
			ck_assert_int_eq(f.fd, -1);
		ipc_frame_clear(&f);
	}
	ck_assert_int_eq(fds_seen, 1);
	ck_assert_int_eq(read(p[0], buf, sizeof(buf)), 4);
	ck_assert_mem_eq(buf, "pong", 4);
	ck_assert_int_eq(read(p[0], buf, sizeof(buf)), 0);
	ck_assert_int_eq(close(p[0]), 0);
	ipc_stream_free(s);
	close_pair(sv);
}
END_TEST

START_TEST(test_stream_free_closes_queued_fd)
{
	struct lh_ipc_stream *s;
	int sv[2], p[2];
	char c;

	pair(SOCK_STREAM, sv);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(ipc_send(sv[0], LH_MSG_LOG, 1, "partial", 8, p[1]),
	    0);
	ck_assert_int_eq(close(p[1]), 0);
	s = ipc_stream_new();
	ck_assert_ptr_nonnull(s);
	ck_assert_int_gt(ipc_stream_fill(s, sv[1]), 0);
	/* never taken out: freeing the stream must close the fd */
	ipc_stream_free(s);
	ck_assert_int_eq(read(p[0], &c, 1), 0);
	ck_assert_int_eq(close(p[0]), 0);
	close_pair(sv);
}
END_TEST

static Suite *
ipc_suite(void)
{
	Suite *s = suite_create("ipc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_type_names);
	tcase_add_test(tc, test_round_trip_each_type);
	tcase_add_test(tc, test_hello_and_bus_round_trip);
	tcase_add_test(tc, test_readers_reject);
	tcase_add_test(tc, test_fd_passing);
	tcase_add_test(tc, test_extra_fds_closed);
	tcase_add_test(tc, test_max_payload);
	tcase_add_test(tc, test_malformed_datagrams);
	tcase_add_test(tc, test_eof_and_eagain);
	tcase_add_test(tc, test_send_waits_out_eagain);
	tcase_add_test(tc, test_stream_byte_by_byte);
	tcase_add_test(tc, test_stream_many_in_one_read);
	tcase_add_test(tc, test_stream_garbage);
	tcase_add_test(tc, test_stream_fd);
	tcase_add_test(tc, test_stream_free_closes_queued_fd);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ipc_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
