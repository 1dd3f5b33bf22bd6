/*
 * ipc.h: framed messages between labhit processes (DESIGN.md section 2).
 * Used on the master<->child control channels (SOCK_SEQPACKET socketpairs)
 * and on the runner socket (SOCK_STREAM). A frame is a 16-byte header plus
 * at most LH_IPC_MAX_PAYLOAD bytes, with at most one fd (SCM_RIGHTS).
 */
#ifndef LH_IPC_H
#define LH_IPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LH_IPC_VERSION		1
#define LH_IPC_HEADER_SIZE	16
#define LH_IPC_MAX_PAYLOAD	(64 * 1024 - LH_IPC_HEADER_SIZE)

/* Message types, numbered in ranges; a retired number is never reused. */
enum lh_msg_type {
	/* 100: life cycle */
	LH_MSG_HELLO		= 100,
	LH_MSG_READY		= 101,	/* child is serving */
	LH_MSG_DRAIN		= 102,	/* stop accepting, finish, exit 0 */
	LH_MSG_HEARTBEAT	= 103,
	LH_MSG_STOP		= 104,	/* exit now */
	LH_MSG_ADOPT_CONN	= 105,	/* fd: a client connection to serve */
	/* 200: configuration */
	LH_MSG_CONFIG_RELOADED	= 200,
	LH_MSG_CONFIG		= 201,	/* "key=value\n" lines, no secrets */
	/* 300: runs (runner protocol) */
	LH_MSG_RUNNER_HELLO	= 300,
	LH_MSG_CLAIM		= 301,
	LH_MSG_ASSIGN		= 302,
	LH_MSG_EVENT		= 303,
	LH_MSG_LOG		= 304,
	LH_MSG_DONE		= 305,
	LH_MSG_CANCEL		= 306,
	LH_MSG_ACK		= 307,
	/* 400: bus */
	LH_MSG_BUS_PUBLISH	= 400,
	/* 500: logs */
	LH_MSG_LOG_REOPEN	= 500,
};

/* Wire header: fixed-width, host byte order (same host only). */
struct lh_ipc_header {
	uint32_t type;
	uint32_t len;		/* payload bytes after the header */
	uint32_t peerid;	/* request / instance id, sender-defined */
	uint32_t pid;		/* sender pid */
};
_Static_assert(sizeof(struct lh_ipc_header) == LH_IPC_HEADER_SIZE,
    "ipc header is 16 bytes");

enum lh_role {
	LH_ROLE_MASTER = 0,
	LH_ROLE_WORKER = 1,
	LH_ROLE_RUNNER = 2,
};

/* HELLO payload, first frame each way on a control channel. */
struct lh_msg_hello {
	uint32_t ipc_version;
	uint32_t role;		/* enum lh_role */
	uint32_t instance;	/* slot number */
	uint32_t generation;	/* reload generation */
};
_Static_assert(sizeof(struct lh_msg_hello) == 16, "hello is 16 bytes");

/* BUS_PUBLISH payload: a doorbell. topic is NUL-terminated within 32 bytes,
 * id within 40 (a UUID is 36). */
struct lh_msg_bus {
	char	 topic[32];
	char	 id[40];
	uint64_t seq;
};
_Static_assert(sizeof(struct lh_msg_bus) == 80, "bus message is 80 bytes");

/* One received frame. payload is owned by the frame (ipc_frame_clear). */
struct lh_ipc_frame {
	struct lh_ipc_header hdr;
	uint8_t	*payload;
	int	 fd;		/* -1 when none was passed */
};

/* Name of a message type for logs ("HELLO"), or "UNKNOWN". */
const char *ipc_type_name(uint32_t type);

/* Sends one frame on a SOCK_SEQPACKET or SOCK_STREAM socket. Blocks until
 * the whole frame is written (the socket may be non-blocking: EAGAIN is
 * waited out with poll). fd < 0 sends no descriptor. Returns 0 or -1. */
int ipc_send(int sock, uint32_t type, uint32_t peerid, const void *payload,
    size_t len, int fd);

/* Receives one frame. Returns 1 with frame filled, 0 on orderly EOF,
 * -1 on error (errno set; EAGAIN when a non-blocking socket has nothing,
 * EBADMSG for a malformed frame: short header, len over the maximum,
 * or a truncated datagram). */
int ipc_recv(int sock, struct lh_ipc_frame *frame);
void ipc_frame_clear(struct lh_ipc_frame *frame);

/* Typed payload readers: -1 unless len is exactly the struct's size and
 * every string field is NUL-terminated inside its array. */
int ipc_read_hello(const struct lh_ipc_frame *f, struct lh_msg_hello *out);
int ipc_read_bus(const struct lh_ipc_frame *f, struct lh_msg_bus *out);
/* A payload that must be one NUL-terminated string of len bytes. */
int ipc_read_string(const struct lh_ipc_frame *f, const char **out);

/* Streaming reassembly for SOCK_STREAM peers (the runner socket): feed bytes,
 * take whole frames out. */
struct lh_ipc_stream;
struct lh_ipc_stream *ipc_stream_new(void);
void ipc_stream_free(struct lh_ipc_stream *s);
/* Reads what the socket has; returns bytes read, 0 on EOF, -1 on error. */
ssize_t ipc_stream_fill(struct lh_ipc_stream *s, int sock);
/* 1 = frame taken, 0 = need more bytes, -1 = malformed (EBADMSG). */
int ipc_stream_next(struct lh_ipc_stream *s, struct lh_ipc_frame *frame);

#endif
