/*
 * serve_util.h: assertions shared by the `labhit serve` integration suites
 * (check_serve, check_serve_signals). Runs in the test process.
 */
#ifndef LH_SERVE_UTIL_H
#define LH_SERVE_UTIL_H

#include <sys/types.h>

#include "tests/lib/testlib.h"

/* Starts a server or fails the test; extra and env end with NULL. */
void su_start(struct tl_server *s, const char *const extra[],
    const char *const env[]);
/* Stops the server (SIGTERM) if still running, removes its state dir;
 * fails the test if it did not exit 0 or if its log has a sanitizer
 * report (ASan/LSan/UBSan builds). */
void su_stop(struct tl_server *s);
/* How many header fields called name the response head has. */
int su_header_count(const struct tl_response *r, const char *name);
/* Fails the test unless the response carries each of the six security
 * headers exactly once with the spec's value; what names the case. */
void su_assert_security_headers(const struct tl_response *r,
    const char *what);
/* Appends to the NUL-terminated buf a description of each security
 * header that is missing, wrong or repeated; returns how many. */
int su_security_problems(const struct tl_response *r, const char *what,
    char *buf, size_t len);
/* GET path on a new connection; fails the test on a transport error. */
void su_get(int port, const char *path, const char *extra,
    struct tl_response *r);
/* 1 when pid is gone or a zombie. */
int su_pid_dead(pid_t pid);
/* 1 when the sorted-or-not lists share a pid. */
int su_pids_overlap(const pid_t *a, int na, const pid_t *b, int nb);
/* Zombie children of parent right now. */
int su_zombies(pid_t parent);
/* Number of (non-overlapping) occurrences of needle in hay. */
int su_count(const char *hay, const char *needle);

#endif
