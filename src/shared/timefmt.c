/*
 * timefmt.c: RFC 3339 UTC formatting and parsing without the locale or TZ
 * environment (timegm/gmtime_r only). Used by every process.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "shared/timefmt.h"

int
timefmt_rfc3339(time_t t, char out[LH_TIME_STRLEN + 1])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	if (tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return -1;
	if (strftime(out, LH_TIME_STRLEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) !=
	    LH_TIME_STRLEN)
		return -1;
	return 0;
}

int
timefmt_now(char out[LH_TIME_STRLEN + 1])
{
	return timefmt_rfc3339(time(NULL), out);
}

static int
timefmt_digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
timefmt_days_in_month(int year, int mon)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon == 2 && leap ? 29 : days[mon - 1];
}

int
timefmt_parse(const char *s, time_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh, om, sign;
	time_t t;

	if (s == NULL || strlen(s) < LH_TIME_STRLEN)
		return -1;
	if (timefmt_digits(s, 4, &y) == -1 || s[4] != '-' ||
	    timefmt_digits(s + 5, 2, &mo) == -1 || s[7] != '-' ||
	    timefmt_digits(s + 8, 2, &d) == -1 ||
	    (s[10] != 'T' && s[10] != 't') ||
	    timefmt_digits(s + 11, 2, &h) == -1 || s[13] != ':' ||
	    timefmt_digits(s + 14, 2, &mi) == -1 || s[16] != ':' ||
	    timefmt_digits(s + 17, 2, &sec) == -1)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > timefmt_days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
	s += 19;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	oh = om = 0;
	sign = 1;
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		if (timefmt_digits(s + 1, 2, &oh) == -1 || s[3] != ':' ||
		    timefmt_digits(s + 4, 2, &om) == -1 || oh > 23 || om > 59)
			return -1;
		s += 6;
	} else
		return -1;
	if (*s != '\0')
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1 && !(y == 1969 && mo == 12 && d == 31))
		return -1;
	*out = t - sign * (oh * 3600 + om * 60);
	return 0;
}
