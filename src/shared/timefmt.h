/*
 * timefmt.h: RFC 3339 UTC timestamps ("2026-03-16T10:30:00Z"), the only
 * time format labhit stores and sends. Pure functions, used by every process.
 */
#ifndef LH_TIMEFMT_H
#define LH_TIMEFMT_H

#include <time.h>

#define LH_TIME_STRLEN 20	/* "YYYY-MM-DDTHH:MM:SSZ" without NUL */

/* Formats t into out (LH_TIME_STRLEN + 1 bytes). Returns 0, or -1 when t is
 * outside years 0000-9999. */
int timefmt_rfc3339(time_t t, char out[LH_TIME_STRLEN + 1]);
/* Formats the current time. */
int timefmt_now(char out[LH_TIME_STRLEN + 1]);
/* Parses RFC 3339 ("...Z", "...+02:00", optional fraction, which is
 * dropped). Returns 0 and sets *out, or -1 when s is malformed. */
int timefmt_parse(const char *s, time_t *out);

#endif
