/*
 * check_http_parse.c: unit suite for the worker's pure HTTP parsing
 * (src/worker/http_parse.c): request heads, framing and smuggling cases,
 * percent decoding and the chunked body decoder.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "worker/http.h"

static char pbuf[16384];

/* Parses a copy of s; the head points into pbuf. */
static ssize_t
parse(const char *s, struct lh_http_head *h)
{
	size_t n = strlen(s);

	ck_assert_uint_lt(n, sizeof(pbuf));
	memcpy(pbuf, s, n + 1);
	return http_parse_head(pbuf, n, 8192, h);
}

static ssize_t
parse_max(const char *s, size_t max, struct lh_http_head *h)
{
	size_t n = strlen(s);

	ck_assert_uint_lt(n, sizeof(pbuf));
	memcpy(pbuf, s, n + 1);
	return http_parse_head(pbuf, n, max, h);
}

static const char *
hdr(const struct lh_http_head *h, const char *name)
{
	int i;

	for (i = 0; i < h->nheaders; i++)
		if (strcasecmp(h->headers[i].name, name) == 0)
			return h->headers[i].value;
	return NULL;
}

START_TEST(simple_get)
{
	struct lh_http_head h;
	const char *req = "GET /a/b?c=d HTTP/1.1\r\nHost: x\r\n"
	    "User-Agent:  curl/8  \r\n\r\nNEXT";

	ck_assert_int_eq(parse(req, &h), (ssize_t)strlen(req) - 4);
	ck_assert_int_eq(h.method, LH_HTTP_GET);
	ck_assert_str_eq(h.method_name, "GET");
	ck_assert_str_eq(h.target, "/a/b?c=d");
	ck_assert_int_eq(h.version_minor, 1);
	ck_assert_int_eq(h.nheaders, 2);
	ck_assert_str_eq(hdr(&h, "host"), "x");
	ck_assert_str_eq(hdr(&h, "user-agent"), "curl/8");
	ck_assert_int_eq(h.content_length, -1);
	ck_assert_int_eq(h.chunked, 0);
	ck_assert_int_eq(h.keep_alive, 1);
	ck_assert_int_eq(h.expect_continue, 0);
}
END_TEST

START_TEST(methods)
{
	static const struct {
		const char *m;
		enum lh_http_method e;
	} t[] = {
		{ "HEAD", LH_HTTP_HEAD }, { "POST", LH_HTTP_POST },
		{ "PUT", LH_HTTP_PUT }, { "DELETE", LH_HTTP_DELETE },
		{ "PATCH", LH_HTTP_PATCH }, { "OPTIONS", LH_HTTP_OPTIONS },
		{ "BREW", LH_HTTP_OTHER }, { "get", LH_HTTP_OTHER },
	};
	struct lh_http_head h;
	char req[128];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(req, sizeof(req), "%s / HTTP/1.1\r\nHost: a\r\n\r\n",
		    t[i].m);
		ck_assert_int_gt(parse(req, &h), 0);
		ck_assert_int_eq(h.method, t[i].e);
		ck_assert_str_eq(h.method_name, t[i].m);
	}
}
END_TEST

START_TEST(incomplete)
{
	struct lh_http_head h;

	ck_assert_int_eq(parse("", &h), 0);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: x\r\n", &h), 0);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: x\r\n\r", &h), 0);
	ck_assert_int_eq(parse("\r\n", &h), 0);
	ck_assert_int_eq(parse("\r", &h), 0);
}
END_TEST

START_TEST(leading_crlf)
{
	struct lh_http_head h;
	const char *req = "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n";

	char many[256];
	int i;

	ck_assert_int_eq(parse(req, &h), (ssize_t)strlen(req));
	ck_assert_str_eq(h.target, "/");
	/* a flood of empty lines is refused, not buffered until timeout */
	many[0] = '\0';
	for (i = 0; i < 40; i++)
		strcat(many, "\r\n");
	ck_assert_int_eq(parse(many, &h), -400);
}
END_TEST

START_TEST(bad_request_lines)
{
	static const char *bad[] = {
		"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1 \r\nHost: x\r\n\r\n",
		"G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
		" GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET a HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET * HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / http/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.10\r\nHost: x\r\n\r\n",
		"GET /\r\nHost: x\r\n\r\n",
		"GET http:///x HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET ftp://h/x HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\rHost: x\r\n\r\n",
	};
	struct lh_http_head h;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &h) == -400, "case %zu", i);
}
END_TEST

START_TEST(versions)
{
	struct lh_http_head h;

	ck_assert_int_eq(parse("GET / HTTP/2.0\r\nHost: x\r\n\r\n", &h),
	    -505);
	ck_assert_int_eq(parse("GET / HTTP/1.2\r\nHost: x\r\n\r\n", &h),
	    -505);
	ck_assert_int_eq(parse("GET / HTTP/0.9\r\n\r\n", &h), -505);
	ck_assert_int_gt(parse("GET / HTTP/1.0\r\n\r\n", &h), 0);
	ck_assert_int_eq(h.version_minor, 0);
	ck_assert_int_eq(h.keep_alive, 0);
	ck_assert_int_gt(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n"
	    "\r\n", &h), 0);
	ck_assert_int_eq(h.keep_alive, 1);
	ck_assert_int_gt(parse("GET / HTTP/1.1\r\nHost: x\r\n"
	    "Connection: foo, close\r\n\r\n", &h), 0);
	ck_assert_int_eq(h.keep_alive, 0);
	ck_assert_int_gt(parse("GET / HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close, keep-alive\r\n\r\n", &h), 0);
	ck_assert_int_eq(h.keep_alive, 0);
}
END_TEST

START_TEST(target_forms)
{
	struct lh_http_head h;

	ck_assert_int_gt(parse("GET http://example.com/a?b=1 HTTP/1.1\r\n"
	    "Host: example.com\r\n\r\n", &h), 0);
	ck_assert_str_eq(h.target, "/a?b=1");
	ck_assert_int_gt(parse("GET HTTPS://example.com HTTP/1.1\r\n"
	    "Host: example.com\r\n\r\n", &h), 0);
	ck_assert_str_eq(h.target, "/");
	ck_assert_int_gt(parse("GET http://example.com:8080?q=2 HTTP/1.1\r\n"
	    "Host: example.com\r\n\r\n", &h), 0);
	ck_assert_str_eq(h.target, "/?q=2");
	ck_assert_int_gt(parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", &h), 0);
	ck_assert_str_eq(h.target, "*");
}
END_TEST

START_TEST(bad_headers)
{
	static const char *bad[] = {
		"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost\t: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n: empty\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01z\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x7fz\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rz\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\nz\r\n\r\n",
		"GET / HTTP/1.1\r\nHo\"st: x\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",			/* no Host */
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n",
	};
	struct lh_http_head h;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &h) == -400, "case %zu", i);
}
END_TEST

START_TEST(nul_in_head)
{
	struct lh_http_head h;
	char req[] = "GET / HTTP/1.1\r\nHost: x\r\nX-A: aZb\r\n\r\n";

	*strchr(req, 'Z') = '\0';
	ck_assert_int_eq(http_parse_head(req, sizeof(req) - 1, 8192, &h), -400);
}
END_TEST

START_TEST(header_values)
{
	struct lh_http_head h;

	ck_assert_int_gt(parse("GET / HTTP/1.1\r\nHost:x\r\nX-E:\r\n"
	    "X-T: \t a b \t\r\nX-O: caf\xc3\xa9\r\n\r\n", &h), 0);
	ck_assert_str_eq(hdr(&h, "x-e"), "");
	ck_assert_str_eq(hdr(&h, "X-T"), "a b");
	ck_assert_str_eq(hdr(&h, "x-o"), "caf\xc3\xa9");
	ck_assert_str_eq(hdr(&h, "host"), "x");
}
END_TEST

START_TEST(head_limits)
{
	struct lh_http_head h;
	char req[16384], *p;
	int i;

	/* 64 headers fit, 65 do not */
	p = req + sprintf(req, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (i = 1; i < LH_HTTP_MAX_HEADERS; i++)
		p += sprintf(p, "X-%d: v\r\n", i);
	strcpy(p, "\r\n");
	ck_assert_int_gt(parse(req, &h), 0);
	ck_assert_int_eq(h.nheaders, LH_HTTP_MAX_HEADERS);
	strcpy(p, "X-Last: v\r\n\r\n");
	ck_assert_int_eq(parse(req, &h), -431);

	/* size cap: exactly max is fine, one more is 431, even incomplete */
	strcpy(req, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_gt(parse_max(req, strlen(req), &h), 0);
	ck_assert_int_eq(parse_max(req, strlen(req) - 1, &h), -431);
	strcpy(req, "GET / HTTP/1.1\r\nHost: x\r\nX-Long: ");
	ck_assert_int_eq(parse_max(req, 20, &h), -431);
	ck_assert_int_eq(parse_max(req, 200, &h), 0);
}
END_TEST

START_TEST(content_length)
{
	static const char *bad[] = {
		"abc", "-1", "+5", "", "1 2", "5, 5", "0x10",
		"99999999999999999999", "9223372036854775808",
	};
	struct lh_http_head h;
	char req[256];
	size_t i;

	ck_assert_int_gt(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 10\r\n\r\n", &h), 0);
	ck_assert_int_eq(h.content_length, 10);
	ck_assert_int_gt(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 9223372036854775807\r\n\r\n", &h), 0);
	ck_assert(h.content_length == INT64_MAX);
	ck_assert_int_gt(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 7\r\ncontent-length: 7\r\n\r\n", &h), 0);
	ck_assert_int_eq(h.content_length, 7);
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 7\r\nContent-Length: 8\r\n\r\n", &h), -400);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(req, sizeof(req), "POST / HTTP/1.1\r\nHost: x\r\n"
		    "Content-Length: %s\r\n\r\n", bad[i]);
		ck_assert_msg(parse(req, &h) == -400, "case %s", bad[i]);
	}
}
END_TEST

START_TEST(transfer_encoding)
{
	struct lh_http_head h;

	ck_assert_int_gt(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: Chunked\r\n\r\n", &h), 0);
	ck_assert_int_eq(h.chunked, 1);
	ck_assert_int_eq(h.content_length, -1);
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: gzip\r\n\r\n", &h), -501);
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n", &h), -501);
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n", &h), -501);
}
END_TEST

START_TEST(smuggling)
{
	struct lh_http_head h;

	/* CL.TE and TE.CL in both orders */
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n", &h),
	    -400);
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n", &h),
	    -400);
	/* TE with a bad CL is still refused */
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n", &h),
	    -400);
	/* space before the colon hides the header from some proxies */
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding : chunked\r\n\r\n", &h), -400);
	/* TE in HTTP/1.0 is faulty framing */
	ck_assert_int_eq(parse("POST / HTTP/1.0\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", &h), -400);
	/* folded TE */
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding:\r\n chunked\r\n\r\n", &h), -400);
}
END_TEST

START_TEST(expect)
{
	struct lh_http_head h;

	ck_assert_int_gt(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Expect: 100-Continue\r\nContent-Length: 3\r\n\r\n", &h), 0);
	ck_assert_int_eq(h.expect_continue, 1);
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: x\r\n"
	    "Expect: 200-ok\r\nContent-Length: 3\r\n\r\n", &h), -417);
	ck_assert_int_gt(parse("POST / HTTP/1.0\r\n"
	    "Expect: 100-continue\r\nContent-Length: 3\r\n\r\n", &h), 0);
	ck_assert_int_eq(h.expect_continue, 0);
}
END_TEST

START_TEST(percent_decode)
{
	char s[64];

	strcpy(s, "/a%20b/%2F%41c+d");
	ck_assert_int_eq(http_percent_decode(s), 0);
	ck_assert_str_eq(s, "/a b//Ac+d");
	strcpy(s, "/plain");
	ck_assert_int_eq(http_percent_decode(s), 0);
	ck_assert_str_eq(s, "/plain");
	strcpy(s, "/%e2%82%ac");
	ck_assert_int_eq(http_percent_decode(s), 0);
	ck_assert_str_eq(s, "/\xe2\x82\xac");
	strcpy(s, "/a%00b");
	ck_assert_int_eq(http_percent_decode(s), -1);
	strcpy(s, "/a%zz");
	ck_assert_int_eq(http_percent_decode(s), -1);
	strcpy(s, "/a%2");
	ck_assert_int_eq(http_percent_decode(s), -1);
	strcpy(s, "/a%");
	ck_assert_int_eq(http_percent_decode(s), -1);
	strcpy(s, "/a%%41");
	ck_assert_int_eq(http_percent_decode(s), -1);
}
END_TEST

/* Runs the decoder over in, feeding step bytes at a time; returns 0 with
 * the body in out, or the error. */
static int
dechunk(const char *in, size_t step, char *out, size_t *olen)
{
	struct lh_http_chunked ck;
	size_t len = strlen(in), avail = 0, pos = 0;
	const char *data;
	size_t dlen;
	ssize_t r;

	http_chunked_init(&ck);
	*olen = 0;
	while (!ck.done) {
		r = http_chunked_step(&ck, in + pos, avail - pos, &data, &dlen);
		if (r < 0)
			return (int)r;
		if (dlen > 0) {
			memcpy(out + *olen, data, dlen);
			*olen += dlen;
		}
		if (r == 0) {
			if (avail == len)
				return 1;	/* truncated */
			avail = avail + step > len ? len : avail + step;
		}
		pos += (size_t)r;
	}
	out[*olen] = '\0';
	return pos == len ? 0 : 2;
}

START_TEST(chunked)
{
	static const char *ok = "5\r\nhello\r\n6;ext=1\r\n world\r\n"
	    "A \r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n";
	char out[256];
	size_t olen, step;

	for (step = 1; step <= strlen(ok); step++) {
		ck_assert_int_eq(dechunk(ok, step, out, &olen), 0);
		ck_assert_str_eq(out, "hello world0123456789");
	}
	ck_assert_int_eq(dechunk("0\r\n\r\n", 100, out, &olen), 0);
	ck_assert_uint_eq(olen, 0);
	ck_assert_int_eq(dechunk("5\r\nhello\r\n", 100, out, &olen), 1);
	ck_assert_int_eq(dechunk("x\r\n", 1, out, &olen), -400);
	ck_assert_int_eq(dechunk("\r\n", 1, out, &olen), -400);
	ck_assert_int_eq(dechunk("5\r\nhelloXX0\r\n\r\n", 3, out, &olen),
	    -400);
	ck_assert_int_eq(dechunk("5\nhello\r\n0\r\n\r\n", 1, out, &olen),
	    -400);
	ck_assert_int_eq(dechunk("5 x\r\nhello\r\n0\r\n\r\n", 1, out, &olen),
	    -400);
	ck_assert_int_eq(dechunk("fffffffffffffffff\r\n", 50, out, &olen),
	    -400);
	ck_assert_int_eq(dechunk("0\r\nbad trailer\r\n\r\n", 50, out, &olen),
	    -400);
	ck_assert_int_eq(dechunk("-1\r\n", 50, out, &olen), -400);
}
END_TEST

START_TEST(chunked_limits)
{
	char in[8192], out[16];
	size_t olen;

	/* an endless chunk-size line is refused, not buffered forever */
	memset(in, '0', 2000);
	strcpy(in + 2000, "1\r\nx\r\n0\r\n\r\n");
	ck_assert_int_eq(dechunk(in, 4000, out, &olen), -400);
	/* too many trailer bytes */
	strcpy(in, "0\r\n");
	while (strlen(in) < 6000)
		strcat(in, "X-T: aaaaaaaaaaaaaaaaaaaaaaaa\r\n");
	strcat(in, "\r\n");
	ck_assert_int_eq(dechunk(in, 8192, out, &olen), -400);
}
END_TEST

static Suite *
http_parse_suite(void)
{
	Suite *s = suite_create("http_parse");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, simple_get);
	tcase_add_test(tc, methods);
	tcase_add_test(tc, incomplete);
	tcase_add_test(tc, leading_crlf);
	tcase_add_test(tc, bad_request_lines);
	tcase_add_test(tc, versions);
	tcase_add_test(tc, target_forms);
	tcase_add_test(tc, bad_headers);
	tcase_add_test(tc, nul_in_head);
	tcase_add_test(tc, header_values);
	tcase_add_test(tc, head_limits);
	tcase_add_test(tc, content_length);
	tcase_add_test(tc, transfer_encoding);
	tcase_add_test(tc, smuggling);
	tcase_add_test(tc, expect);
	tcase_add_test(tc, percent_decode);
	tcase_add_test(tc, chunked);
	tcase_add_test(tc, chunked_limits);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_parse_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
