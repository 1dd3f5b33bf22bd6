/*
 * check_serve_admin.c: what an admin relies on: privileges dropped after
 * binding when started as root, and the systemd notification protocol
 * (READY, RELOADING, STOPPING) spoken to $NOTIFY_SOCKET.
 */
#include "config.h"

#include <check.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/lib/testlib.h"

static int
proc_uid(pid_t pid)
{
	char path[64], *text, *line;
	int uid = -1;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((text = tl_read_file(path, NULL)) == NULL)
		return -1;
	if ((line = strstr(text, "\nUid:")) != NULL)
		uid = atoi(line + 5);
	free(text);
	return uid;
}

START_TEST(drops_privileges)
{
	static const char *extra[3] = { "-c", NULL, NULL };
	struct tl_server srv;
	struct tl_response r;
	struct passwd *pw;
	pid_t kids[8];
	char *dir, *conf;
	int n;

	ck_assert_ptr_nonnull(pw = getpwnam("nobody"));
	ck_assert_ptr_nonnull(dir = tl_tempdir());
	ck_assert_ptr_nonnull(conf = tl_write_file(dir, "labhit.conf",
	    "user = nobody\nrunners = 1\n"));
	extra[1] = conf;
	memset(&srv, 0, sizeof(srv));
	ck_assert_int_eq(tl_server_start(&srv, extra, NULL), 0);
	/* the master keeps root to rebind on reload; children do not */
	ck_assert_int_eq(proc_uid(srv.pid), 0);
	n = tl_server_children(&srv, "worker", kids, 8);
	ck_assert_int_ge(n, 1);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(proc_uid(kids[i]), (int)pw->pw_uid);
	ck_assert_int_eq(tl_server_children(&srv, "runner", kids, 8), 1);
	ck_assert_int_eq(proc_uid(kids[0]), (int)pw->pw_uid);
	/* and the unprivileged workers can still use the database files */
	ck_assert_int_eq(tl_get(srv.port, "/health", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	tl_response_free(&r);
	tl_server_stop(&srv);
	free(conf);
	tl_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(unknown_user_is_config_error)
{
	static const char *extra[3] = { "-c", NULL, NULL };
	struct tl_server srv;
	char *dir, *conf;

	ck_assert_ptr_nonnull(dir = tl_tempdir());
	ck_assert_ptr_nonnull(conf = tl_write_file(dir, "labhit.conf",
	    "user = no-such-user-labhit\n"));
	extra[1] = conf;
	memset(&srv, 0, sizeof(srv));
	ck_assert_int_eq(tl_server_start(&srv, extra, NULL), -1);
	ck_assert_int_eq(tl_server_wait_log(&srv, "no-such-user-labhit", 1000),
	    0);
	tl_server_stop(&srv);
	free(conf);
	tl_rmtree(dir);
	free(dir);
}
END_TEST

#ifdef HAVE_SYSTEMD
/* Collects notification datagrams until one contains want. */
static int
wait_notify(int fd, const char *want, int timeout_ms)
{
	long long deadline = tl_now_ms() + timeout_ms;
	char buf[512];

	while (tl_now_ms() < deadline) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, (int)(deadline - tl_now_ms())) <= 0)
			return -1;
		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0)
			return -1;
		buf[n] = '\0';
		if (strstr(buf, want) != NULL)
			return 0;
	}
	return -1;
}

START_TEST(systemd_notify)
{
	struct sockaddr_un sun;
	struct tl_server srv;
	char env[200], *dir;
	const char *envv[2] = { env, NULL };
	int fd;

	ck_assert_ptr_nonnull(dir = tl_tempdir());
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/notify", dir);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	snprintf(env, sizeof(env), "NOTIFY_SOCKET=%s", sun.sun_path);

	memset(&srv, 0, sizeof(srv));
	ck_assert_int_eq(tl_server_start(&srv, NULL, envv), 0);
	ck_assert_int_eq(wait_notify(fd, "READY=1", 5000), 0);
	kill(srv.pid, SIGHUP);
	ck_assert_int_eq(wait_notify(fd, "RELOADING=1", 5000), 0);
	ck_assert_int_eq(wait_notify(fd, "READY=1", 5000), 0);
	kill(srv.pid, SIGTERM);
	ck_assert_int_eq(wait_notify(fd, "STOPPING=1", 5000), 0);
	tl_server_stop(&srv);
	close(fd);
	tl_rmtree(dir);
	free(dir);
}
END_TEST
#endif

int
main(void)
{
	Suite *s = suite_create("serve_admin");
	TCase *t = tcase_create("admin");
	SRunner *sr;
	int failed;

	tcase_set_timeout(t, 60);
	/* Dropping privileges needs root; CI runs as root. Elsewhere these
	 * two are left out and said to be, never counted as passed. */
	if (geteuid() == 0) {
		tcase_add_test(t, drops_privileges);
		tcase_add_test(t, unknown_user_is_config_error);
	} else {
		printf("NOTE: not root: privilege-drop tests not run\n");
	}
#ifdef HAVE_SYSTEMD
	tcase_add_test(t, systemd_notify);
#endif
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
