/*
 * check_playground.c: the playground page in a real browser. Headless
 * Chromium loads /graphql/playground?query={health}&run=1 from a real
 * server; the page (under its own hash-based CSP) must run the query and
 * show "ok". Skipped (exit 77, with the reason) when Chromium is absent;
 * scripts/check installs it.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/testlib.h"

static const char *
chromium_path(void)
{
	static const char *const paths[] = { "/usr/bin/chromium",
	    "/usr/bin/chromium-browser", NULL };

	for (int i = 0; paths[i] != NULL; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

static char *
render(const char *url, const char *profile)
{
	char datadir[4200], *out = NULL;
	char *argv[] = {
		strdup(chromium_path()), strdup("--headless"),
		strdup("--no-sandbox"), strdup("--disable-gpu"),
		strdup("--disable-dev-shm-usage"), strdup("--disable-quic"),
		strdup("--no-first-run"),
		strdup("--disable-background-networking"),
		strdup("--disable-component-update"), strdup("--disable-sync"),
		NULL, strdup("--virtual-time-budget=10000"),
		strdup("--dump-dom"), strdup(url), NULL,
	};

	snprintf(datadir, sizeof(datadir), "--user-data-dir=%s", profile);
	argv[10] = strdup(datadir);
	tl_run(argv, &out);
	for (int i = 0; i < 14; i++)
		free(argv[i]);
	return out;
}

START_TEST(runs_health_in_browser)
{
	static const char *const extra[] = { "--playground", NULL };
	struct tl_server srv;
	char url[256], *dom, *profile;

	memset(&srv, 0, sizeof(srv));
	ck_assert_int_eq(tl_server_start(&srv, extra, NULL), 0);
	profile = tl_tempdir();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/graphql/playground"
	    "?query=%%7B%%20health%%20%%7D&run=1", srv.port);
	dom = render(url, profile);
	ck_assert_ptr_nonnull(dom);
	/* the result pane holds the pretty-printed response */
	ck_assert_msg(strstr(dom, "\"health\": \"ok\"") != NULL,
	    "result not shown; DOM/output was:\n%.3000s", dom);
	/* and the schema browser was filled from introspection */
	ck_assert_msg(strstr(dom, ">Mutation<") != NULL,
	    "schema browser empty:\n%.3000s", dom);
	free(dom);
	tl_rmtree(profile);
	free(profile);
	tl_server_stop(&srv);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("playground");
	TCase *t = tcase_create("browser");

	if (chromium_path() == NULL) {
		printf("SKIP: Chromium is not installed (apt-get install "
		    "chromium); the playground browser test did not run\n");
		return 77;
	}
	tcase_set_timeout(t, 90);
	tcase_add_test(t, runs_health_in_browser);
	suite_add_tcase(s, t);
	return tl_run_suite(s);
}
