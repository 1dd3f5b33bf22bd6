/*
 * http_parse.c: pure HTTP/1.x request parsing for the worker: the request
 * head, percent decoding and the chunked body decoder. No I/O and no
 * allocation; the worker's HTTP core, the unit tests and the fuzzer use it.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "worker/http.h"

#define LH_HTTP_CHUNK_LINE_MAX	1024	/* chunk-size line or trailer line */
#define LH_HTTP_TRAILER_MAX	4096	/* all trailer lines together */
#define LH_HTTP_LEADING_CRLF_MAX 32	/* bytes of CRLF before a request */

enum {
	LH_CK_SIZE = 0,
	LH_CK_DATA,
	LH_CK_DATA_CRLF,
	LH_CK_TRAILER,
	LH_CK_DONE,
};

static const struct {
	const char		*name;
	enum lh_http_method	 method;
} http_methods[] = {
	{ "GET", LH_HTTP_GET },
	{ "HEAD", LH_HTTP_HEAD },
	{ "POST", LH_HTTP_POST },
	{ "PUT", LH_HTTP_PUT },
	{ "DELETE", LH_HTTP_DELETE },
	{ "PATCH", LH_HTTP_PATCH },
	{ "OPTIONS", LH_HTTP_OPTIONS },
};

/* RFC 9110 tchar. */
static int
http_is_tchar(unsigned char c)
{
	if (isalnum(c))
		return c < 0x80;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
http_is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static int
http_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static enum lh_http_method
http_method_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++)
		if (strcmp(name, http_methods[i].name) == 0)
			return http_methods[i].method;
	return LH_HTTP_OTHER;
}

/*
 * Splits "METHOD SP target SP HTTP/1.x" (already NUL-terminated at its
 * CRLF) in place. Returns 0 or -status.
 */
static int
http_parse_request_line(char *line, struct lh_http_head *head)
{
	char *p = line, *target, *ver, *s;

	while (http_is_tchar((unsigned char)*p))
		p++;
	if (p == line || *p != ' ')
		return -400;
	*p++ = '\0';
	target = p;
	while ((unsigned char)*p > 0x20 && *p != 0x7f)
		p++;
	if (p == target || *p != ' ')
		return -400;
	*p++ = '\0';
	ver = p;
	if (strncmp(ver, "HTTP/", 5) != 0 || !isdigit((unsigned char)ver[5]) ||
	    ver[6] != '.' || !isdigit((unsigned char)ver[7]) || ver[8] != '\0')
		return -400;
	if (ver[5] != '1' || (ver[7] != '0' && ver[7] != '1'))
		return -505;

	head->method_name = line;
	head->method = http_method_of(line);
	head->version_minor = ver[7] - '0';

	if (target[0] == '/') {
		head->target = target;
	} else if (strcmp(target, "*") == 0) {
		if (head->method != LH_HTTP_OPTIONS)
			return -400;
		head->target = target;
	} else if (strncasecmp(target, "http://", 7) == 0 ||
	    strncasecmp(target, "https://", 8) == 0) {
		/* absolute-form: keep the path, drop scheme and authority */
		s = strchr(target, ':') + 3;
		if (*s == '\0' || *s == '/' || *s == '?')
			return -400;	/* no authority */
		while (*s != '\0' && *s != '/' && *s != '?')
			s++;
		if (*s == '/') {
			head->target = s;
		} else {
			/* no path: "/" plus any query, written over the
			 * scheme, which is longer than the "/" we add */
			memmove(target + 1, s, strlen(s) + 1);
			target[0] = '/';
			head->target = target;
		}
	} else
		return -400;
	return 0;
}

/* Parses a Content-Length value: digits only, no overflow. */
static int
http_parse_length(const char *v, int64_t *out)
{
	int64_t n = 0;

	if (*v == '\0')
		return -1;
	for (; *v != '\0'; v++) {
		if (!isdigit((unsigned char)*v))
			return -1;
		if (n > (INT64_MAX - (*v - '0')) / 10)
			return -1;
		n = n * 10 + (*v - '0');
	}
	*out = n;
	return 0;
}

/* Applies "Connection: a, b" tokens to keep_alive. */
static void
http_parse_connection(const char *v, struct lh_http_head *head)
{
	const char *p = v, *end;
	size_t n;

	while (*p != '\0') {
		while (*p == ',' || http_is_ows(*p))
			p++;
		end = p;
		while (*end != '\0' && *end != ',')
			end++;
		n = (size_t)(end - p);
		while (n > 0 && http_is_ows(p[n - 1]))
			n--;
		if (n == 5 && strncasecmp(p, "close", 5) == 0)
			head->keep_alive = -1;	/* close wins; fixed below */
		else if (n == 10 && strncasecmp(p, "keep-alive", 10) == 0 &&
		    head->keep_alive != -1)
			head->keep_alive = 1;
		p = end;
	}
}

/*
 * Splits one header line in place into name and trimmed value, checking
 * the characters. Returns 0 or -400.
 */
static int
http_split_header(char *line, struct lh_http_header *h)
{
	char *p = line, *v, *end;

	if (http_is_ows(*line))
		return -400;		/* obs-fold */
	while (http_is_tchar((unsigned char)*p))
		p++;
	if (p == line || *p != ':')
		return -400;		/* empty name or space before colon */
	*p++ = '\0';
	while (http_is_ows(*p))
		p++;
	v = p;
	for (; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -400;
	}
	end = p;
	while (end > v && http_is_ows(end[-1]))
		end--;
	*end = '\0';
	h->name = line;
	h->value = v;
	return 0;
}

struct lh_http_seen {
	int	hosts;
	int	te;
	int	te_other;
	int	expect_other;
	int	cl_bad;
};

static void
http_note_header(const struct lh_http_header *h, struct lh_http_head *head,
    struct lh_http_seen *seen)
{
	int64_t n;

	switch (tolower((unsigned char)h->name[0])) {
	case 'c':
		if (strcasecmp(h->name, "content-length") == 0) {
			if (http_parse_length(h->value, &n) == -1 ||
			    (head->content_length != -1 &&
			    head->content_length != n))
				seen->cl_bad = 1;
			else
				head->content_length = n;
		} else if (strcasecmp(h->name, "connection") == 0)
			http_parse_connection(h->value, head);
		break;
	case 'e':
		if (strcasecmp(h->name, "expect") != 0)
			break;
		if (strcasecmp(h->value, "100-continue") == 0)
			head->expect_continue = 1;
		else
			seen->expect_other = 1;
		break;
	case 'h':
		if (strcasecmp(h->name, "host") == 0)
			seen->hosts++;
		break;
	case 't':
		if (strcasecmp(h->name, "transfer-encoding") != 0)
			break;
		seen->te++;
		if (strcasecmp(h->value, "chunked") == 0)
			head->chunked = 1;
		else
			seen->te_other = 1;
		break;
	default:
		break;
	}
}

/* Checks the combination of framing headers. Returns 0 or -status. */
static int
http_check_head(struct lh_http_head *head, const struct lh_http_seen *seen)
{
	if (seen->cl_bad)
		return -400;
	if (seen->te > 0) {
		if (head->content_length != -1)
			return -400;	/* TE + CL: request smuggling */
		if (head->version_minor == 0)
			return -400;	/* TE in HTTP/1.0 is faulty framing */
		if (seen->te > 1 || seen->te_other)
			return -501;
	}
	if (head->version_minor == 1 && seen->hosts != 1)
		return -400;
	if (seen->hosts > 1)
		return -400;
	if (seen->expect_other)
		return -417;
	if (head->version_minor == 0)
		head->expect_continue = 0;	/* RFC 9110 10.1.1 */
	if (head->keep_alive == -1)
		head->keep_alive = 0;
	else if (head->keep_alive == 0)
		head->keep_alive = head->version_minor == 1;
	return 0;
}

/* Finds the next CRLF-terminated line in [p, end); bare CR or LF is an
 * error. Returns the CR position, or NULL with *bad set. */
static char *
http_line_end(char *p, const char *end, int *bad)
{
	for (; p < end; p++) {
		if (*p == '\n' || *p == '\0') {
			*bad = 1;
			return NULL;
		}
		if (*p == '\r') {
			if (p + 1 >= end || p[1] != '\n') {
				*bad = 1;
				return NULL;
			}
			return p;
		}
	}
	*bad = 1;
	return NULL;
}

ssize_t
http_parse_head(char *buf, size_t len, size_t max_head,
    struct lh_http_head *head)
{
	struct lh_http_seen seen;
	size_t skip = 0, avail, hlen;
	char *start, *term, *p, *cr, *end;
	int r, bad = 0;

	while (len - skip >= 2 && buf[skip] == '\r' && buf[skip + 1] == '\n')
		skip += 2;
	if (skip > LH_HTTP_LEADING_CRLF_MAX)
		return -400;	/* a stream of empty lines is not a request */
	if (len - skip == 1 && buf[skip] == '\r')
		return 0;
	start = buf + skip;
	avail = len - skip;
	if (avail > max_head)
		avail = max_head;
	term = memmem(start, avail, "\r\n\r\n", 4);
	if (term == NULL)
		return len - skip >= max_head ? -431 : 0;
	hlen = (size_t)(term - start) + 4;
	end = term + 2;		/* just past the last header line's CRLF */

	memset(head, 0, sizeof(*head));
	memset(&seen, 0, sizeof(seen));
	head->content_length = -1;

	cr = http_line_end(start, end, &bad);
	if (cr == NULL)
		return -400;
	*cr = '\0';
	if ((r = http_parse_request_line(start, head)) != 0)
		return r;
	for (p = cr + 2; p < end; p = cr + 2) {
		cr = http_line_end(p, end, &bad);
		if (cr == NULL)
			return -400;
		*cr = '\0';
		if (head->nheaders == LH_HTTP_MAX_HEADERS)
			return -431;
		if (http_split_header(p, &head->headers[head->nheaders]) != 0)
			return -400;
		http_note_header(&head->headers[head->nheaders], head, &seen);
		head->nheaders++;
	}
	if ((r = http_check_head(head, &seen)) != 0)
		return r;
	return (ssize_t)(skip + hlen);
}

int
http_percent_decode(char *s)
{
	char *w = s;
	int hi, lo;

	for (; *s != '\0'; s++) {
		if (*s != '%') {
			*w++ = *s;
			continue;
		}
		if ((hi = http_hexval((unsigned char)s[1])) == -1 ||
		    (lo = http_hexval((unsigned char)s[2])) == -1)
			return -1;
		if (hi == 0 && lo == 0)
			return -1;
		*w++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*w = '\0';
	return 0;
}

void
http_chunked_init(struct lh_http_chunked *ck)
{
	memset(ck, 0, sizeof(*ck));
	ck->state = LH_CK_SIZE;
}

/* Finds a CRLF in the first LH_HTTP_CHUNK_LINE_MAX bytes. Returns the
 * line length, -1 when more input is needed, -2 when bad. */
static ssize_t
http_chunk_line(const char *in, size_t len)
{
	size_t i, lim = len < LH_HTTP_CHUNK_LINE_MAX ? len :
	    LH_HTTP_CHUNK_LINE_MAX;

	for (i = 0; i < lim; i++) {
		if (in[i] == '\n' || in[i] == '\0')
			return -2;
		if (in[i] == '\r') {
			if (i + 1 == len)
				return -1;
			return in[i + 1] == '\n' ? (ssize_t)i : -2;
		}
	}
	return len >= LH_HTTP_CHUNK_LINE_MAX ? -2 : -1;
}

static ssize_t
http_chunk_size_line(struct lh_http_chunked *ck, const char *in, size_t len)
{
	ssize_t n = http_chunk_line(in, len);
	uint64_t size = 0;
	ssize_t i = 0;
	int v;

	if (n < 0)
		return n == -1 ? 0 : -400;
	for (; i < n && (v = http_hexval((unsigned char)in[i])) != -1; i++) {
		if (size >> 59)
			return -400;	/* absurd chunk size */
		size = size << 4 | (uint64_t)v;
	}
	if (i == 0)
		return -400;
	while (i < n && http_is_ows(in[i]))
		i++;
	if (i < n && in[i] != ';')
		return -400;
	for (; i < n; i++)	/* chunk extensions are ignored */
		if ((unsigned char)in[i] < 0x20 && in[i] != '\t')
			return -400;
	ck->remaining = size;
	ck->state = size == 0 ? LH_CK_TRAILER : LH_CK_DATA;
	return n + 2;
}

static ssize_t
http_chunk_trailer(struct lh_http_chunked *ck, const char *in, size_t len)
{
	ssize_t n = http_chunk_line(in, len), i;

	if (n < 0)
		return n == -1 ? 0 : -400;
	if (n == 0) {
		ck->state = LH_CK_DONE;
		ck->done = 1;
		return 2;
	}
	for (i = 0; i < n && http_is_tchar((unsigned char)in[i]); i++)
		;
	if (i == 0 || i == n || in[i] != ':')
		return -400;
	ck->trailer_bytes += (size_t)n + 2;
	if (ck->trailer_bytes > LH_HTTP_TRAILER_MAX)
		return -400;
	return n + 2;
}

ssize_t
http_chunked_step(struct lh_http_chunked *ck, const char *in, size_t len,
    const char **data, size_t *dlen)
{
	size_t n;

	*data = NULL;
	*dlen = 0;
	switch (ck->state) {
	case LH_CK_SIZE:
		return http_chunk_size_line(ck, in, len);
	case LH_CK_DATA:
		n = len < ck->remaining ? len : (size_t)ck->remaining;
		*data = in;
		*dlen = n;
		ck->remaining -= n;
		if (ck->remaining == 0)
			ck->state = LH_CK_DATA_CRLF;
		return (ssize_t)n;
	case LH_CK_DATA_CRLF:
		if (len == 0)
			return 0;
		if (in[0] != '\r')
			return -400;
		if (len == 1)
			return 0;
		if (in[1] != '\n')
			return -400;
		ck->state = LH_CK_SIZE;
		return 2;
	case LH_CK_TRAILER:
		return http_chunk_trailer(ck, in, len);
	default:
		return 0;
	}
}
