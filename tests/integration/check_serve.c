/*
 * check_serve.c: integration suite for `labhit serve` over HTTP: health,
 * server info, 404/405, security headers on every response class, CORS,
 * rate limits across workers, keep-alive, slowloris, and the CLI.
 * Starts the real binary ($LABHIT_BIN) on 127.0.0.1:0 with a temp state dir.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>

#include "tests/integration/serve_util.h"
#include "tests/lib/testlib.h"

/* Fails unless the JSON error body is {"error":{"status":N,"code":S,
 * "message":S}} with non-empty strings and nothing else. */
static void
assert_json_error(const struct tl_response *r, int status)
{
	struct json_object *root, *err, *v;
	const char *ct = tl_header(r, "Content-Type");

	ck_assert_msg(ct != NULL && strncmp(ct, "application/json", 16) == 0,
	    "error Content-Type is %s", ct != NULL ? ct : "(none)");
	root = json_tokener_parse(r->body);
	ck_assert_msg(root != NULL, "error body is not JSON: %s", r->body);
	ck_assert_int_eq(json_object_object_length(root), 1);
	ck_assert(json_object_object_get_ex(root, "error", &err));
	ck_assert(json_object_is_type(err, json_type_object));
	ck_assert_int_eq(json_object_object_length(err), 3);
	ck_assert(json_object_object_get_ex(err, "status", &v));
	ck_assert(json_object_is_type(v, json_type_int));
	ck_assert_int_eq(json_object_get_int(v), status);
	ck_assert(json_object_object_get_ex(err, "code", &v));
	ck_assert(json_object_is_type(v, json_type_string));
	ck_assert_int_gt(json_object_get_string_len(v), 0);
	ck_assert(json_object_object_get_ex(err, "message", &v));
	ck_assert(json_object_is_type(v, json_type_string));
	ck_assert_int_gt(json_object_get_string_len(v), 0);
	json_object_put(root);
}

/* 1 when the comma-separated list holds token (exact, trimmed). */
static int
list_has(const char *list, const char *token)
{
	size_t tlen = strlen(token);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ',');
		size_t len;

		while (*p == ' ')
			p++;
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == tlen && strncmp(p, token, len) == 0)
			return 1;
		p = end != NULL ? end + 1 : NULL;
	}
	return 0;
}

static const char *const one_worker[] = { "--workers", "1", "--runners",
    "0", NULL };
static const char *const two_workers[] = { "--workers", "2", "--runners",
    "0", NULL };

START_TEST(test_health)
{
	struct tl_server s;
	struct tl_response r;
	const char *ct;

	su_start(&s, one_worker, NULL);
	su_get(s.port, "/health", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 2);
	ck_assert_str_eq(r.body, "ok");
	ct = tl_header(&r, "Content-Type");
	ck_assert_msg(ct != NULL && strncmp(ct, "text/plain", 10) == 0,
	    "Content-Type %s", ct != NULL ? ct : "(none)");
	su_assert_security_headers(&r, "GET /health");
	tl_response_free(&r);

	/* Access line: method, path, status, bytes, duration, client IP. */
	{
		char *log, *line, *nl, *bol;
		long ms = -1;
		char ip[64] = "";

		ck_assert_int_eq(tl_server_wait_log(&s, "GET /health 200 ",
		    3000), 0);
		log = tl_server_log(&s);
		ck_assert(log != NULL);
		line = strstr(log, "GET /health 200 ");
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		/* the level word sits between the line start and the text */
		for (bol = line; bol > log && bol[-1] != '\n'; bol--)
			;
		ck_assert_msg(memmem(bol, (size_t)(line - bol), " info ",
		    6) != NULL, "access line not at info level: %s", bol);
		ck_assert_msg(sscanf(line, "GET /health 200 2 %ldms %63s",
		    &ms, ip) == 2, "access line: %s", line);
		ck_assert_int_ge(ms, 0);
		ck_assert_str_eq(ip, "127.0.0.1");
		free(log);
	}

	/* HEAD: same head, no body. */
	ck_assert_int_eq(tl_http_raw(s.port, "HEAD /health HTTP/1.1\r\n"
	    "Host: x\r\nConnection: close\r\n\r\n", &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 0);
	tl_response_free(&r);
	su_stop(&s);
}
END_TEST

START_TEST(test_info)
{
	static const char *const eps[][2] = { { "graphql", "/graphql" },
	    { "health", "/health" }, { "webhook", "/webhook" } };
	struct tl_server s;
	struct tl_response r;
	struct json_object *root, *v, *endpoints;
	const char *ct;

	su_start(&s, one_worker, NULL);
	su_get(s.port, "/", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ct = tl_header(&r, "Content-Type");
	ck_assert_msg(ct != NULL && strncmp(ct, "application/json", 16) == 0,
	    "Content-Type %s", ct != NULL ? ct : "(none)");
	root = json_tokener_parse(r.body);
	ck_assert_msg(root != NULL, "not JSON: %s", r.body);
	ck_assert_int_eq(json_object_object_length(root), 3);
	ck_assert(json_object_object_get_ex(root, "name", &v));
	ck_assert(json_object_is_type(v, json_type_string));
	ck_assert_str_eq(json_object_get_string(v), "LabHit Engine");
	ck_assert(json_object_object_get_ex(root, "version", &v));
	ck_assert(json_object_is_type(v, json_type_string));
	ck_assert_str_eq(json_object_get_string(v), "0.4.0");
	ck_assert(json_object_object_get_ex(root, "endpoints", &endpoints));
	ck_assert(json_object_is_type(endpoints, json_type_object));
	ck_assert_int_eq(json_object_object_length(endpoints), 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_msg(json_object_object_get_ex(endpoints, eps[i][0],
		    &v), "no endpoint %s", eps[i][0]);
		ck_assert(json_object_is_type(v, json_type_string));
		ck_assert_str_eq(json_object_get_string(v), eps[i][1]);
	}
	json_object_put(root);
	su_assert_security_headers(&r, "GET /");
	tl_response_free(&r);
	su_stop(&s);
}
END_TEST

START_TEST(test_404_405)
{
	struct tl_server s;
	struct tl_response r;
	const char *allow;

	su_start(&s, one_worker, NULL);
	su_get(s.port, "/no/such/thing", NULL, &r);
	ck_assert_int_eq(r.status, 404);
	assert_json_error(&r, 404);
	su_assert_security_headers(&r, "404");
	tl_response_free(&r);

	/* Exact paths: /healthz is not /health. */
	su_get(s.port, "/healthz", NULL, &r);
	ck_assert_int_eq(r.status, 404);
	tl_response_free(&r);

	ck_assert_int_eq(tl_post(s.port, "/health", "text/plain", "x", NULL,
	    &r), 0);
	ck_assert_int_eq(r.status, 405);
	assert_json_error(&r, 405);
	allow = tl_header(&r, "Allow");
	ck_assert_msg(allow != NULL, "405 without Allow");
	ck_assert_msg(list_has(allow, "GET"), "Allow: %s", allow);
	ck_assert_msg(!list_has(allow, "POST"), "Allow: %s", allow);
	su_assert_security_headers(&r, "405");
	tl_response_free(&r);

	/* DELETE / is also 405, not 404. */
	ck_assert_int_eq(tl_http_raw(s.port, "DELETE / HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n", &r), 0);
	ck_assert_int_eq(r.status, 405);
	allow = tl_header(&r, "Allow");
	ck_assert(allow != NULL && list_has(allow, "GET"));
	tl_response_free(&r);
	su_stop(&s);
}
END_TEST

/* Every response class carries the six headers: 200, 204, 400, 404, 405,
 * 413 (max_body_size = 1KiB), 431, 408 (header_timeout = 1s) and 429. */
START_TEST(test_security_headers_every_class)
{
	static const char *const env[] = { "LABHIT_MAX_BODY_SIZE=1KiB",
	    "LABHIT_RATE_LIMIT_READ=3/min", "LABHIT_HEADER_TIMEOUT=1s", NULL };
	struct tl_server s;
	struct tl_response r;
	char *req, big[2048], problems[4096] = "";
	int got429 = 0, bad = 0;

	su_start(&s, one_worker, env);

	/* Collect every class's problems, then fail once with all of them. */
	su_get(s.port, "/health", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	bad += su_security_problems(&r, "200", problems, sizeof(problems));
	tl_response_free(&r);

	ck_assert_int_eq(tl_http_raw(s.port, "OPTIONS /health HTTP/1.1\r\n"
	    "Host: x\r\nConnection: close\r\n\r\n", &r), 0);
	ck_assert_int_eq(r.status, 204);
	bad += su_security_problems(&r, "204 OPTIONS", problems,
	    sizeof(problems));
	tl_response_free(&r);

	ck_assert_int_eq(tl_http_raw(s.port, "THIS IS NOT HTTP\r\n\r\n", &r),
	    0);
	ck_assert_int_eq(r.status, 400);
	bad += su_security_problems(&r, "400", problems, sizeof(problems));
	tl_response_free(&r);

	su_get(s.port, "/nowhere", NULL, &r);
	ck_assert_int_eq(r.status, 404);
	bad += su_security_problems(&r, "404", problems, sizeof(problems));
	tl_response_free(&r);

	ck_assert_int_eq(tl_post(s.port, "/health", "text/plain", "x", NULL,
	    &r), 0);
	ck_assert_int_eq(r.status, 405);
	bad += su_security_problems(&r, "405", problems, sizeof(problems));
	tl_response_free(&r);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert(asprintf(&req, "POST / HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", strlen(big), big) != -1);
	ck_assert_int_eq(tl_http_raw(s.port, req, &r), 0);
	free(req);
	ck_assert_int_eq(r.status, 413);
	bad += su_security_problems(&r, "413", problems, sizeof(problems));
	tl_response_free(&r);

	/* 431: a head over max_header_size (16KiB by default). */
	{
		char *pad = malloc(20000);

		ck_assert(pad != NULL);
		memset(pad, 'b', 19999);
		pad[19999] = '\0';
		ck_assert(asprintf(&req, "GET /health HTTP/1.1\r\nHost: x\r\n"
		    "X-Pad: %s\r\nConnection: close\r\n\r\n", pad) != -1);
		free(pad);
		ck_assert_int_eq(tl_http_raw(s.port, req, &r), 0);
		free(req);
		ck_assert_int_eq(r.status, 431);
		bad += su_security_problems(&r, "431", problems,
		    sizeof(problems));
		tl_response_free(&r);
	}

	/* 408: a head that never completes (header_timeout = 1s). */
	{
		static const char part[] =
		    "GET /health HTTP/1.1\r\nHost: x\r\n";
		int fd = tl_connect(s.port);

		ck_assert(fd != -1);
		ck_assert_int_eq(tl_send(fd, part, sizeof(part) - 1), 0);
		ck_assert_msg(tl_read_response(fd, &r, 0, 4000) == 0,
		    "no 408 for an incomplete head");
		close(fd);
		ck_assert_int_eq(r.status, 408);
		bad += su_security_problems(&r, "408", problems,
		    sizeof(problems));
		tl_response_free(&r);
	}

	for (int i = 0; i < 6 && !got429; i++) {
		su_get(s.port, "/health", NULL, &r);
		if (r.status == 429) {
			got429 = 1;
			bad += su_security_problems(&r, "429", problems,
			    sizeof(problems));
			assert_json_error(&r, 429);
		} else {
			ck_assert_int_eq(r.status, 200);
		}
		tl_response_free(&r);
	}
	ck_assert_msg(got429, "no 429 after 6 GETs with a limit of 3/min");
	ck_assert_msg(bad == 0, "%d security header problems: %s", bad,
	    problems);
	su_stop(&s);
}
END_TEST

/* 1 when the head has any Access-Control-* field. */
static int
has_cors(const struct tl_response *r)
{
	return r->head != NULL && strcasestr(r->head,
	    "\r\nAccess-Control-") != NULL;
}

START_TEST(test_cors_off_by_default)
{
	struct tl_server s;
	struct tl_response r;

	su_start(&s, one_worker, NULL);
	su_get(s.port, "/health", "Origin: https://a.example\r\n", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(!has_cors(&r), "CORS headers without --cors-origins:"
	    "\n%s", r.head);
	tl_response_free(&r);
	ck_assert_int_eq(tl_http_raw(s.port, "OPTIONS /health HTTP/1.1\r\n"
	    "Host: x\r\nOrigin: https://a.example\r\n"
	    "Access-Control-Request-Method: GET\r\n"
	    "Connection: close\r\n\r\n", &r), 0);
	ck_assert_msg(!has_cors(&r), "CORS preflight answered without "
	    "--cors-origins:\n%s", r.head);
	tl_response_free(&r);
	su_stop(&s);
}
END_TEST

START_TEST(test_cors_on)
{
	static const char *const extra[] = { "--workers", "1", "--runners",
	    "0", "--cors-origins", "https://a.example,http://localhost:3000",
	    NULL };
	static const char *const denied[] = { "https://b.example",
	    "https://a.example.evil", "https://a.exampl", "null",
	    "http://localhost:3001" };
	struct tl_server s;
	struct tl_response r;
	const char *v;

	su_start(&s, extra, NULL);

	su_get(s.port, "/health", "Origin: https://a.example\r\n", &r);
	ck_assert_int_eq(r.status, 200);
	v = tl_header(&r, "Access-Control-Allow-Origin");
	ck_assert_msg(v != NULL, "allowed origin got no ACAO:\n%s", r.head);
	ck_assert_str_eq(v, "https://a.example");
	ck_assert_int_eq(su_header_count(&r, "Access-Control-Allow-Origin"),
	    1);
	tl_response_free(&r);

	su_get(s.port, "/", "Origin: http://localhost:3000\r\n", &r);
	ck_assert_int_eq(r.status, 200);
	v = tl_header(&r, "Access-Control-Allow-Origin");
	ck_assert(v != NULL);
	ck_assert_str_eq(v, "http://localhost:3000");
	tl_response_free(&r);

	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		char hdr[128];

		snprintf(hdr, sizeof(hdr), "Origin: %s\r\n", denied[i]);
		su_get(s.port, "/health", hdr, &r);
		ck_assert_int_eq(r.status, 200);
		ck_assert_msg(!has_cors(&r), "origin %s got CORS headers:\n%s",
		    denied[i], r.head);
		tl_response_free(&r);
	}

	/* Preflight from an allowed origin. */
	ck_assert_int_eq(tl_http_raw(s.port, "OPTIONS /health HTTP/1.1\r\n"
	    "Host: x\r\nOrigin: https://a.example\r\n"
	    "Access-Control-Request-Method: POST\r\n"
	    "Access-Control-Request-Headers: content-type\r\n"
	    "Connection: close\r\n\r\n", &r), 0);
	ck_assert_int_eq(r.status, 204);
	v = tl_header(&r, "Access-Control-Allow-Origin");
	ck_assert(v != NULL);
	ck_assert_str_eq(v, "https://a.example");
	v = tl_header(&r, "Access-Control-Max-Age");
	ck_assert(v != NULL);
	ck_assert_str_eq(v, "3600");
	v = tl_header(&r, "Access-Control-Allow-Methods");
	ck_assert(v != NULL);
	ck_assert_str_eq(v, "GET, POST, OPTIONS");
	v = tl_header(&r, "Access-Control-Allow-Headers");
	ck_assert(v != NULL);
	ck_assert_str_eq(v, "Content-Type, Authorization");
	ck_assert_uint_eq(r.body_len, 0);
	su_assert_security_headers(&r, "preflight");
	tl_response_free(&r);

	/* Preflight from a non-listed origin: no CORS at all. */
	ck_assert_int_eq(tl_http_raw(s.port, "OPTIONS /health HTTP/1.1\r\n"
	    "Host: x\r\nOrigin: https://b.example\r\n"
	    "Access-Control-Request-Method: POST\r\n"
	    "Connection: close\r\n\r\n", &r), 0);
	ck_assert_msg(!has_cors(&r), "denied preflight got CORS:\n%s", r.head);
	tl_response_free(&r);
	su_stop(&s);
}
END_TEST

/* Lines of the log that are access lines of worker N for "GET path ". */
static int
access_lines(const char *log, int worker, const char *path)
{
	char needle[128];
	int n = 0;
	const char *line = log;

	snprintf(needle, sizeof(needle), "GET %s ", path);
	while (line != NULL && *line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		char *copy = strndup(line, len);
		char ident[32];

		snprintf(ident, sizeof(ident), "worker %d[", worker);
		if (copy != NULL && strstr(copy, ident) != NULL &&
		    strstr(copy, needle) != NULL)
			n++;
		free(copy);
		line = nl != NULL ? nl + 1 : NULL;
	}
	return n;
}

START_TEST(test_rate_limit_across_workers)
{
	static const char *const env[] = { "LABHIT_RATE_LIMIT_READ=20/min",
	    NULL };
	struct tl_server s;
	struct tl_response r;
	int ok = 0, limited = 0, w0, w1;
	long expect_remaining = 19;
	char *log;

	su_start(&s, two_workers, env);
	for (int i = 0; i < 60; i++) {
		const char *v;

		su_get(s.port, "/health", NULL, &r);
		v = tl_header(&r, "X-RateLimit-Limit");
		ck_assert_msg(v != NULL, "request %d: no X-RateLimit-Limit", i);
		ck_assert_str_eq(v, "20");
		v = tl_header(&r, "X-RateLimit-Remaining");
		ck_assert_msg(v != NULL, "request %d: no X-RateLimit-Remaining",
		    i);
		if (r.status == 200) {
			ok++;
			ck_assert_msg(strtol(v, NULL, 10) == expect_remaining,
			    "request %d: remaining %s, want %ld", i, v,
			    expect_remaining);
			expect_remaining--;
			ck_assert(tl_header(&r, "Retry-After") == NULL);
		} else {
			ck_assert_msg(r.status == 429, "request %d: status %d",
			    i, r.status);
			limited++;
			ck_assert_str_eq(v, "0");
			v = tl_header(&r, "Retry-After");
			ck_assert_msg(v != NULL, "429 without Retry-After");
			ck_assert_msg(strtol(v, NULL, 10) >= 1 &&
			    strtol(v, NULL, 10) <= 60, "Retry-After %s", v);
		}
		tl_response_free(&r);
	}
	ck_assert_int_eq(ok, 20);
	ck_assert_int_eq(limited, 40);

	/* Both workers served some of them: the limit is shared. */
	ck_assert_int_eq(tl_server_wait_log(&s, "GET /health 429", 3000), 0);
	log = tl_server_log(&s);
	ck_assert(log != NULL);
	for (long long end = tl_now_ms() + 3000; tl_now_ms() < end; ) {
		if (access_lines(log, 0, "/health") +
		    access_lines(log, 1, "/health") >= 60)
			break;
		free(log);
		usleep(50000);
		log = tl_server_log(&s);
		ck_assert(log != NULL);
	}
	w0 = access_lines(log, 0, "/health");
	w1 = access_lines(log, 1, "/health");
	free(log);
	ck_assert_msg(w0 + w1 == 60, "access lines: worker 0 %d, worker 1 %d",
	    w0, w1);
	ck_assert_msg(w0 > 0 && w1 > 0, "one worker served everything "
	    "(worker 0: %d, worker 1: %d)", w0, w1);
	su_stop(&s);
}
END_TEST

START_TEST(test_rate_limit_off)
{
	static const char *const env[] = { "LABHIT_RATE_LIMIT_READ=0", NULL };
	struct tl_server s;
	struct tl_response r;

	su_start(&s, two_workers, env);
	for (int i = 0; i < 150; i++) {
		su_get(s.port, "/health", NULL, &r);
		ck_assert_msg(r.status == 200, "request %d: %d", i, r.status);
		ck_assert(tl_header(&r, "X-RateLimit-Limit") == NULL);
		ck_assert(tl_header(&r, "X-RateLimit-Remaining") == NULL);
		ck_assert(tl_header(&r, "Retry-After") == NULL);
		tl_response_free(&r);
	}
	su_stop(&s);
}
END_TEST

START_TEST(test_rate_limit_config_file)
{
	struct tl_server s;
	struct tl_response r;
	char *dir = tl_tempdir(), *conf;
	const char *extra[] = { "--workers", "2", "--runners", "0", "-c",
	    NULL, NULL };
	int ok = 0, limited = 0;

	ck_assert(dir != NULL);
	conf = tl_write_file(dir, "labhit.conf",
	    "# test\nrate_limit_read = 7/min\naccess_log = on\n");
	ck_assert(conf != NULL);
	extra[5] = conf;
	su_start(&s, extra, NULL);
	for (int i = 0; i < 10; i++) {
		const char *v;

		su_get(s.port, "/", NULL, &r);
		v = tl_header(&r, "X-RateLimit-Limit");
		ck_assert(v != NULL);
		ck_assert_str_eq(v, "7");
		if (r.status == 200)
			ok++;
		else if (r.status == 429)
			limited++;
		tl_response_free(&r);
	}
	ck_assert_int_eq(ok, 7);
	ck_assert_int_eq(limited, 3);
	su_stop(&s);
	tl_rmtree(dir);
	free(conf);
	free(dir);
}
END_TEST

START_TEST(test_keep_alive)
{
	struct tl_server s;
	struct tl_response r;
	char buf[8192];
	int fd;

	su_start(&s, one_worker, NULL);
	ck_assert((fd = tl_connect(s.port)) != -1);
	for (int i = 0; i < 2; i++) {
		const char req[] = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";

		ck_assert_int_eq(tl_send(fd, req, sizeof(req) - 1), 0);
		ck_assert_msg(tl_read_response(fd, &r, 0, 5000) == 0,
		    "request %d on the kept-alive connection unanswered", i);
		ck_assert_int_eq(r.status, 200);
		ck_assert_str_eq(r.body, "ok");
		tl_response_free(&r);
	}
	/* Pipelined: two requests in one write, two responses in order,
	 * then the close asked for by the second (read to EOF: tl_read_response
	 * would drop bytes of the second response it read with the first). */
	{
		const char req[] = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
		    "GET /nope HTTP/1.1\r\nHost: x\r\n"
		    "Connection: close\r\n\r\n";
		long long end = tl_now_ms() + 5000;
		size_t len = 0;
		int eof = 0;
		char *second;

		ck_assert_int_eq(tl_send(fd, req, sizeof(req) - 1), 0);
		while (!eof && tl_now_ms() < end && len < sizeof(buf) - 1) {
			struct pollfd pfd = { fd, POLLIN, 0 };
			ssize_t n;

			if (poll(&pfd, 1, 100) != 1)
				continue;
			n = read(fd, buf + len, sizeof(buf) - 1 - len);
			if (n <= 0)
				eof = 1;
			else
				len += (size_t)n;
		}
		buf[len] = '\0';
		ck_assert_msg(eof, "no EOF after Connection: close; got %s",
		    buf);
		ck_assert_msg(strncmp(buf, "HTTP/1.1 200 ", 13) == 0,
		    "first pipelined response: %s", buf);
		second = strstr(buf + 1, "HTTP/1.1 ");
		ck_assert_msg(second != NULL && strncmp(second,
		    "HTTP/1.1 404 ", 13) == 0, "second pipelined response "
		    "missing: %s", buf);
		ck_assert(strstr(second + 1, "HTTP/1.1 ") == NULL);
	}
	close(fd);
	su_stop(&s);
}
END_TEST

/* Protocol edges an nginx admin would expect: Host required in 1.1,
 * 1.0 closes, the query does not change the route, conflicting lengths
 * are refused (no request smuggling), unknown versions get 505. */
START_TEST(test_protocol_edges)
{
	static const struct {
		const char	*raw;
		int		 status;
		int		 closes;
	} cases[] = {
		{ "GET /health HTTP/1.1\r\n\r\n", 400, 1 },
		{ "GET /health HTTP/1.0\r\n\r\n", 200, 1 },
		{ "GET /health?probe=1 HTTP/1.1\r\nHost: x\r\n"
		    "Connection: close\r\n\r\n", 200, 1 },
		{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
		    "Content-Length: 4\r\n\r\nabcd", 400, 1 },
		{ "GET /health HTTP/2.0\r\nHost: x\r\n\r\n", 505, 1 },
	};
	struct tl_server s;
	struct tl_response r;

	su_start(&s, one_worker, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *conn;

		ck_assert_msg(tl_http_raw(s.port, cases[i].raw, &r) == 0,
		    "case %zu: no response", i);
		ck_assert_msg(r.status == cases[i].status, "case %zu: status "
		    "%d, want %d", i, r.status, cases[i].status);
		conn = tl_header(&r, "Connection");
		ck_assert_msg(!cases[i].closes || (conn != NULL &&
		    strcasecmp(conn, "close") == 0), "case %zu: no "
		    "Connection: close", i);
		tl_response_free(&r);
	}
	su_stop(&s);
}
END_TEST

/* max_connections = 2 per worker: a third connection is closed at once,
 * and one is accepted again once a slot is free. */
START_TEST(test_max_connections)
{
	static const char *const env[] = { "LABHIT_MAX_CONNECTIONS=2", NULL };
	static const char req[] = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
	struct tl_server s;
	struct tl_response r;
	struct pollfd pfd;
	char buf[512];
	int fds[2], extra, ok = 0;
	ssize_t n;

	su_start(&s, one_worker, env);
	for (int i = 0; i < 2; i++) {
		ck_assert((fds[i] = tl_connect(s.port)) != -1);
		ck_assert_int_eq(tl_send(fds[i], req, sizeof(req) - 1), 0);
		ck_assert_int_eq(tl_read_response(fds[i], &r, 0, 5000), 0);
		ck_assert_int_eq(r.status, 200);
		tl_response_free(&r);
	}
	/* Both are kept alive; a third is refused without an answer. */
	ck_assert((extra = tl_connect(s.port)) != -1);
	(void)tl_send(extra, req, sizeof(req) - 1);
	pfd.fd = extra;
	pfd.events = POLLIN;
	pfd.revents = 0;
	ck_assert_msg(poll(&pfd, 1, 3000) == 1,
	    "a connection over max_connections was left open");
	n = read(extra, buf, sizeof(buf));
	ck_assert_msg(n <= 0, "over the limit, got an answer: %.*s",
	    (int)(n > 0 ? n : 0), buf);
	close(extra);
	/* Free a slot: new connections work again. */
	close(fds[0]);
	for (long long end = tl_now_ms() + 3000; !ok && tl_now_ms() < end; ) {
		if (tl_get(s.port, "/health", NULL, &r) == 0 &&
		    r.status == 200)
			ok = 1;
		tl_response_free(&r);
		if (!ok)
			usleep(50000);
	}
	ck_assert_msg(ok, "no connection accepted after one was closed");
	/* The kept-alive one still works. */
	ck_assert_int_eq(tl_send(fds[1], req, sizeof(req) - 1), 0);
	ck_assert_int_eq(tl_read_response(fds[1], &r, 0, 5000), 0);
	ck_assert_int_eq(r.status, 200);
	tl_response_free(&r);
	close(fds[1]);
	su_stop(&s);
}
END_TEST

/* A client that trickles its head one byte per 200 ms is cut off once
 * header_timeout (1 s) is over, while other clients are served. */
START_TEST(test_slowloris)
{
	static const char *const env[] = { "LABHIT_HEADER_TIMEOUT=1s", NULL };
	static const char head[] = "GET / HTTP/1.1\r\nHost: x\r\n";
	struct tl_server s;
	struct tl_response r;
	char got[4096];
	size_t gotlen = 0;
	long long start, closed_at = -1;
	int fd, served = 0;

	su_start(&s, one_worker, env);
	ck_assert((fd = tl_connect(s.port)) != -1);
	start = tl_now_ms();
	ck_assert_int_eq(tl_send(fd, head, sizeof(head) - 1), 0);
	while (tl_now_ms() - start < 4000 && closed_at < 0) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t n;

		if (send(fd, "X", 1, MSG_NOSIGNAL) != 1) {
			closed_at = tl_now_ms();
			break;
		}
		/* another client is served meanwhile */
		su_get(s.port, "/health", NULL, &r);
		ck_assert_int_eq(r.status, 200);
		tl_response_free(&r);
		served++;
		if (poll(&pfd, 1, 200) == 1) {
			n = read(fd, got + gotlen, sizeof(got) - 1 - gotlen);
			if (n <= 0) {
				closed_at = tl_now_ms();
				break;
			}
			gotlen += (size_t)n;
			got[gotlen] = '\0';
		}
	}
	/* Drain whatever the server sent before closing. */
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&pfd, 1, 500) != 1)
			break;
		n = read(fd, got + gotlen, sizeof(got) - 1 - gotlen);
		if (n <= 0) {
			if (closed_at < 0)
				closed_at = tl_now_ms();
			break;
		}
		gotlen += (size_t)n;
		got[gotlen] = '\0';
	}
	close(fd);
	ck_assert_msg(closed_at > 0, "slow client still connected after 4 s");
	ck_assert_msg(closed_at - start <= 2500, "closed after %lld ms",
	    closed_at - start);
	ck_assert_msg(closed_at - start >= 800, "closed too early (%lld ms)",
	    closed_at - start);
	if (gotlen > 0)
		ck_assert_msg(strncmp(got, "HTTP/1.1 408 ", 13) == 0,
		    "slow client got: %s", got);
	ck_assert_int_ge(served, 3);
	su_stop(&s);
}
END_TEST

/* --- CLI --- */

START_TEST(test_cli_check_config)
{
	char *dir = tl_tempdir(), *bad, *badval, *good, *out = NULL;
	char serve[] = "serve", c[] = "-c",
	    check[] = "--check-config";
	char *argv[] = { NULL, serve, c, NULL, check, NULL };
	char want[4200];
	int st;

	ck_assert(dir != NULL);
	argv[0] = strdup(tl_bin());
	bad = tl_write_file(dir, "bad.conf",
	    "# comment\nworkers = 2\n\nbogus_key = 1\n");
	badval = tl_write_file(dir, "badval.conf", "workers = many\n");
	good = tl_write_file(dir, "good.conf",
	    "workers = 2\nrate_limit_read = 7/min\n"
	    "cors_origins = \"https://a.example\"\n");
	ck_assert(bad != NULL && badval != NULL && good != NULL);

	argv[3] = bad;
	st = tl_run_timeout(argv, &out, 10000);
	ck_assert_msg(st != -1 && WIFEXITED(st), "did not exit");
	ck_assert_int_eq(WEXITSTATUS(st), 78);
	snprintf(want, sizeof(want), "%s:4: unknown key", bad);
	ck_assert_msg(strstr(out, want) != NULL, "output: %s", out);
	ck_assert_msg(strstr(out, "bogus_key") != NULL, "output: %s", out);
	ck_assert(strstr(out, "configuration ok") == NULL);
	free(out);

	argv[3] = badval;
	st = tl_run_timeout(argv, &out, 10000);
	ck_assert(st != -1 && WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 78);
	snprintf(want, sizeof(want), "%s:1: ", badval);
	ck_assert_msg(strstr(out, want) != NULL, "output: %s", out);
	free(out);

	argv[3] = good;
	st = tl_run_timeout(argv, &out, 10000);
	ck_assert(st != -1 && WIFEXITED(st));
	ck_assert_msg(WEXITSTATUS(st) == 0, "output: %s", out);
	ck_assert_msg(strstr(out, "configuration ok") != NULL, "output: %s",
	    out);
	free(out);

	/* The shipped example file is valid as is. */
	argv[3] = strdup(tl_srcpath("etc/labhit.conf"));
	st = tl_run_timeout(argv, &out, 10000);
	ck_assert(st != -1 && WIFEXITED(st));
	ck_assert_msg(WEXITSTATUS(st) == 0, "etc/labhit.conf: %s", out);
	ck_assert(strstr(out, "configuration ok") != NULL);
	free(out);
	free(argv[3]);

	/* A missing -c file is an error too, not silent defaults. */
	snprintf(want, sizeof(want), "%s/absent.conf", dir);
	argv[3] = want;
	st = tl_run_timeout(argv, &out, 10000);
	ck_assert(st != -1 && WIFEXITED(st));
	ck_assert_int_ne(WEXITSTATUS(st), 0);
	free(out);

	free(argv[0]);
	free(bad);
	free(badval);
	free(good);
	tl_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_cli_version_help)
{
	char version[] = "--version", serve[] = "serve", help[] = "--help",
	    bogus[] = "--no-such-flag", helpcmd[] = "help";
	char *argv[] = { NULL, NULL, NULL, NULL };
	char *out = NULL;
	int st;

	argv[0] = strdup(tl_bin());
	argv[1] = version;
	st = tl_run_timeout(argv, &out, 10000);
	ck_assert(st != -1 && WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	ck_assert_msg(strncmp(out, "labhit 0.4.0", 12) == 0, "output: %s",
	    out);
	free(out);

	argv[1] = serve;
	argv[2] = help;
	st = tl_run_timeout(argv, &out, 10000);
	ck_assert(st != -1 && WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	ck_assert_msg(strstr(out, "usage: labhit serve") != NULL, "output: %s",
	    out);
	ck_assert(strstr(out, "--check-config") != NULL);
	free(out);

	argv[2] = bogus;
	st = tl_run_timeout(argv, &out, 10000);
	ck_assert(st != -1 && WIFEXITED(st));
	ck_assert_int_ne(WEXITSTATUS(st), 0);
	free(out);

	argv[1] = helpcmd;
	argv[2] = NULL;
	st = tl_run_timeout(argv, &out, 10000);
	ck_assert(st != -1 && WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	ck_assert_msg(strstr(out, "serve") != NULL, "labhit help: %s", out);
	free(out);

	argv[1] = bogus;
	st = tl_run_timeout(argv, &out, 10000);
	ck_assert(st != -1 && WIFEXITED(st));
	ck_assert_int_ne(WEXITSTATUS(st), 0);
	free(out);
	free(argv[0]);
}
END_TEST

static Suite *
serve_suite(void)
{
	Suite *s = suite_create("serve_http");
	TCase *tc = tcase_create("http");

	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, test_health);
	tcase_add_test(tc, test_info);
	tcase_add_test(tc, test_404_405);
	tcase_add_test(tc, test_security_headers_every_class);
	tcase_add_test(tc, test_cors_off_by_default);
	tcase_add_test(tc, test_cors_on);
	tcase_add_test(tc, test_rate_limit_across_workers);
	tcase_add_test(tc, test_rate_limit_off);
	tcase_add_test(tc, test_rate_limit_config_file);
	tcase_add_test(tc, test_keep_alive);
	tcase_add_test(tc, test_protocol_edges);
	tcase_add_test(tc, test_max_connections);
	tcase_add_test(tc, test_slowloris);
	tcase_add_test(tc, test_cli_check_config);
	tcase_add_test(tc, test_cli_version_help);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(serve_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
