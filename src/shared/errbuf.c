/*
 * errbuf.c: formatted error messages into caller buffers.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "shared/errbuf.h"

int
errbuf_fmt(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}
