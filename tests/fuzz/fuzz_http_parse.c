/*
 * fuzz_http_parse.c: libFuzzer target for the worker's HTTP parsing
 * (src/worker/http_parse.c): request heads, percent decoding of the
 * target, and the chunked decoder over the bytes after the head.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_head(const struct lh_http_head *h, const char *buf, size_t len,
    ssize_t r)
{
	int i;

	if ((size_t)r > len || h->nheaders < 0 ||
	    h->nheaders > LH_HTTP_MAX_HEADERS)
		abort();
	if (h->target < buf || h->target >= buf + r ||
	    strlen(h->target) == 0)
		abort();
	if (h->version_minor != 0 && h->version_minor != 1)
		abort();
	if (h->chunked && h->content_length != -1)
		abort();	/* smuggling guard must hold */
	for (i = 0; i < h->nheaders; i++)
		if (h->headers[i].name < buf || h->headers[i].name >= buf + r ||
		    h->headers[i].value < buf || h->headers[i].value >= buf + r)
			abort();
}

static void
fuzz_chunked(const char *p, size_t len)
{
	struct lh_http_chunked ck;
	const char *d;
	size_t dlen, total = 0;
	ssize_t r;

	http_chunked_init(&ck);
	while (!ck.done && len > 0) {
		r = http_chunked_step(&ck, p, len, &d, &dlen);
		if (r <= 0)
			break;
		if ((size_t)r > len || dlen > (size_t)r ||
		    (dlen > 0 && d != p))
			abort();
		total += dlen;
		p += r;
		len -= (size_t)r;
	}
	(void)total;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lh_http_head h;
	char *buf, *path;
	ssize_t r;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	r = http_parse_head(buf, size, 4096, &h);
	if (r > 0) {
		fuzz_check_head(&h, buf, size, r);
		if ((path = strdup(h.target)) != NULL) {
			(void)http_percent_decode(path);
			free(path);
		}
		fuzz_chunked(buf + r, size - (size_t)r);
	} else if (r != 0 && r != -400 && r != -417 && r != -431 &&
	    r != -501 && r != -505)
		abort();
	free(buf);
	return 0;
}
