/*
 * check_listen.c: the master's listen-address parsing and socket set
 * (pure parsing, then real binds on 127.0.0.1:0), and the worker's pure
 * request helpers (CORS origin match, query-string parameters).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "master/listen.h"
#include "tests/lib/testlib.h"
#include "worker/graphql_http.h"
#include "worker/router.h"

START_TEST(parse_forms)
{
	struct lh_listen_set set;
	char err[256], desc[512];

	ck_assert_int_eq(listen_parse("127.0.0.1:8080", &set, err,
	    sizeof(err)), 1);
	ck_assert_int_eq(set.addrs[0].port, 8080);
	ck_assert_int_eq(set.addrs[0].ss.ss_family, AF_INET);
	ck_assert_int_eq(listen_parse("[::1]:9000, 0.0.0.0:80", &set, err,
	    sizeof(err)), 2);
	ck_assert_int_eq(set.addrs[0].ss.ss_family, AF_INET6);
	ck_assert_int_eq(set.addrs[0].port, 9000);
	ck_assert_int_eq(set.addrs[1].port, 80);
	ck_assert_int_eq(listen_parse("*:81", &set, err, sizeof(err)), 1);
	listen_describe(&set, desc, sizeof(desc));
	ck_assert_str_eq(desc, "0.0.0.0:81");
	/* a bare port listens on loopback, never everywhere by surprise */
	ck_assert_int_eq(listen_parse("8081", &set, err, sizeof(err)), 1);
	listen_describe(&set, desc, sizeof(desc));
	ck_assert_str_eq(desc, "127.0.0.1:8081");
}
END_TEST

START_TEST(parse_errors)
{
	static const char *const bad[] = { "", "localhost:80", "1.2.3.4:",
	    "1.2.3.4:65536", "1.2.3.4:-1", "[::1]8080", "[::1:80", "1.2.3:80",
	    "1.2.3.4:80x", ",", NULL };
	struct lh_listen_set set;
	char err[256];

	for (int i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		ck_assert_msg(listen_parse(bad[i], &set, err, sizeof(err)) == -1,
		    "'%s' accepted", bad[i]);
		ck_assert_msg(strncmp(err, "listen:", 7) == 0, "%s", err);
	}
}
END_TEST

START_TEST(bind_slots_share_port)
{
	struct lh_listen_set set, other;
	char err[256], desc[512];
	int port;

	ck_assert_int_eq(listen_parse("127.0.0.1:0", &set, err, sizeof(err)),
	    1);
	ck_assert_msg(listen_open(&set, 3, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(set.addrs[0].nfds, 3);
	port = set.addrs[0].port;
	ck_assert_int_gt(port, 0);
	listen_describe(&set, desc, sizeof(desc));
	ck_assert_int_eq(atoi(strrchr(desc, ':') + 1), port);
	/* a second server cannot join the port through SO_REUSEPORT */
	snprintf(desc, sizeof(desc), "127.0.0.1:%d", port);
	ck_assert_int_eq(listen_parse(desc, &other, err, sizeof(err)), 1);
	ck_assert_int_eq(listen_open(&other, 1, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "in use"));
	/* a slot closed for a dead worker comes back on the same port */
	listen_close_slot(&set, 1);
	ck_assert_int_eq(set.addrs[0].fds[1], -1);
	ck_assert_int_eq(listen_reopen_slot(&set, 1, err, sizeof(err)), 0);
	ck_assert_int_ne(set.addrs[0].fds[1], -1);
	ck_assert_int_eq(set.addrs[0].port, port);
	/* shrinking and growing */
	ck_assert_int_eq(listen_resize(&set, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(set.addrs[0].nfds, 1);
	ck_assert_int_eq(listen_resize(&set, 2, err, sizeof(err)), 0);
	ck_assert_int_eq(set.addrs[0].nfds, 2);
	listen_close(&set);
	ck_assert_int_eq(set.addrs[0].nfds, 0);
}
END_TEST

START_TEST(adopt_keeps_sockets)
{
	struct lh_listen_set old, next;
	char err[256], spec[128];
	int fd0;

	ck_assert_int_eq(listen_parse("127.0.0.1:0", &old, err, sizeof(err)),
	    1);
	ck_assert_int_eq(listen_open(&old, 2, err, sizeof(err)), 0);
	fd0 = old.addrs[0].fds[0];
	snprintf(spec, sizeof(spec), "127.0.0.1:%d,127.0.0.1:0",
	    old.addrs[0].port);
	ck_assert_int_eq(listen_parse(spec, &next, err, sizeof(err)), 2);
	listen_adopt(&next, &old);
	ck_assert_int_eq(next.addrs[0].fds[0], fd0);
	ck_assert_int_eq(old.addrs[0].nfds, 0);
	ck_assert_int_eq(listen_resize(&next, 2, err, sizeof(err)), 0);
	ck_assert_int_eq(next.addrs[1].nfds, 2);
	listen_close(&next);
	listen_close(&old);
}
END_TEST

START_TEST(cors_origin_match)
{
	const char *list = "https://app.labhit.dev, http://localhost:3000";

	ck_assert(router_origin_allowed(list, "https://app.labhit.dev"));
	ck_assert(router_origin_allowed(list, "http://localhost:3000"));
	/* exact match only: no prefixes, suffixes or case games */
	ck_assert(!router_origin_allowed(list, "https://app.labhit.dev.evil"));
	ck_assert(!router_origin_allowed(list, "https://app.labhit.de"));
	ck_assert(!router_origin_allowed(list, "HTTPS://APP.LABHIT.DEV"));
	ck_assert(!router_origin_allowed(list, "http://localhost"));
	ck_assert(!router_origin_allowed(list, ""));
	ck_assert(!router_origin_allowed(list, NULL));
	ck_assert(!router_origin_allowed("", "https://app.labhit.dev"));
}
END_TEST

START_TEST(query_params)
{
	char *v;
	int bad;

	v = graphql_query_param("query=%7B+health+%7D&x=1", "query", &bad);
	ck_assert_str_eq(v, "{ health }");
	ck_assert_int_eq(bad, 0);
	free(v);
	v = graphql_query_param("a=1&operationName=Op", "operationName", &bad);
	ck_assert_str_eq(v, "Op");
	free(v);
	v = graphql_query_param("query=a%2Bb+c", "query", &bad);
	ck_assert_str_eq(v, "a+b c");
	free(v);
	ck_assert_ptr_null(graphql_query_param("queryx=1", "query", &bad));
	ck_assert_int_eq(bad, 0);
	/* bad escapes and NUL are refused, not truncated */
	ck_assert_ptr_null(graphql_query_param("query=%zz", "query", &bad));
	ck_assert_int_eq(bad, 1);
	ck_assert_ptr_null(graphql_query_param("query=a%00b", "query", &bad));
	ck_assert_int_eq(bad, 1);
	ck_assert_ptr_null(graphql_query_param("query=%4", "query", &bad));
	ck_assert_int_eq(bad, 1);
}
END_TEST

static Suite *
listen_suite(void)
{
	Suite *s = suite_create("listen");
	TCase *t = tcase_create("core");

	tcase_add_test(t, parse_forms);
	tcase_add_test(t, parse_errors);
	tcase_add_test(t, bind_slots_share_port);
	tcase_add_test(t, adopt_keeps_sockets);
	tcase_add_test(t, cors_origin_match);
	tcase_add_test(t, query_params);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return tl_run_suite(listen_suite());
}
