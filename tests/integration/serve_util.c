/*
 * serve_util.c: assertions shared by the `labhit serve` integration suites:
 * server start, header checks, process checks. Runs in the test process.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <check.h>

#include "tests/integration/serve_util.h"

void
su_start(struct tl_server *s, const char *const extra[],
    const char *const env[])
{
	memset(s, 0, sizeof(*s));
	ck_assert_msg(tl_server_start(s, extra, env) == 0,
	    "labhit serve did not become ready");
	ck_assert_int_gt(s->port, 0);
}

void
su_stop(struct tl_server *s)
{
	int st = 0, was_running = s->pid > 0;

	if (was_running)
		st = tl_server_signal_wait(s, SIGTERM, 10000);
	/* tl_server_stop fails the test on a sanitizer report in the log */
	tl_server_stop(s);
	ck_assert_msg(!was_running || st == 0, "SIGTERM: server exit status "
	    "0x%x (-1: did not stop in 10 s)", (unsigned)st);
}

int
su_header_count(const struct tl_response *r, const char *name)
{
	size_t nlen = strlen(name);
	const char *line;
	int n = 0;

	if (r->head == NULL)
		return 0;
	for (line = strstr(r->head, "\r\n"); line != NULL;
	    line = strstr(line, "\r\n")) {
		line += 2;
		if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':')
			n++;
	}
	return n;
}

int
su_security_problems(const struct tl_response *r, const char *what,
    char *buf, size_t len)
{
	static const char *const want[][2] = {
		{ "X-Content-Type-Options", "nosniff" },
		{ "X-Frame-Options", "DENY" },
		{ "X-XSS-Protection", "1; mode=block" },
		{ "Referrer-Policy", "strict-origin-when-cross-origin" },
		{ "Content-Security-Policy",
		    "default-src 'none'; frame-ancestors 'none'" },
		{ "Strict-Transport-Security",
		    "max-age=31536000; includeSubDomains" },
	};
	size_t used = strlen(buf);
	int bad = 0;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *v = tl_header(r, want[i][0]);
		int n = su_header_count(r, want[i][0]);

		if (v != NULL && strcmp(v, want[i][1]) == 0 && n == 1)
			continue;
		bad++;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used,
			    "%s (status %d): %s %s%s%s; ", what, r->status,
			    want[i][0], v == NULL ? "missing" : "is '",
			    v == NULL ? "" : v, v == NULL ? "" :
			    n > 1 ? "' (repeated)" : "'");
	}
	return bad;
}

void
su_assert_security_headers(const struct tl_response *r, const char *what)
{
	char problems[2048] = "";

	ck_assert_msg(su_security_problems(r, what, problems,
	    sizeof(problems)) == 0, "%s", problems);
}

void
su_get(int port, const char *path, const char *extra, struct tl_response *r)
{
	ck_assert_msg(tl_get(port, path, extra, r) == 0,
	    "GET %s: no complete response", path);
}

int
su_pid_dead(pid_t pid)
{
	char path[64], *stat, *rp;
	int dead;

	if (kill(pid, 0) == -1 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((stat = tl_read_file(path, NULL)) == NULL)
		return 1;
	rp = strrchr(stat, ')');
	dead = rp != NULL && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
	free(stat);
	return dead;
}

int
su_pids_overlap(const pid_t *a, int na, const pid_t *b, int nb)
{
	for (int i = 0; i < na; i++)
		for (int j = 0; j < nb; j++)
			if (a[i] == b[j])
				return 1;
	return 0;
}

int
su_count(const char *hay, const char *needle)
{
	size_t nlen = strlen(needle);
	int n = 0;

	if (hay == NULL || nlen == 0)
		return 0;
	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += nlen;
	}
	return n;
}

int
su_zombies(pid_t parent)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char path[300], *stat, *rp, state = 0;
		int ppid = 0;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((stat = tl_read_file(path, NULL)) == NULL)
			continue;
		rp = strrchr(stat, ')');
		if (rp != NULL && sscanf(rp + 2, "%c %d", &state, &ppid) == 2 &&
		    ppid == (int)parent && state == 'Z')
			n++;
		free(stat);
	}
	closedir(d);
	return n;
}
