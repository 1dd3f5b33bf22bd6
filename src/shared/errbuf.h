/*
 * errbuf.h: the one way library code reports an error to its caller: a
 * message formatted into a caller-supplied buffer. Any process.
 */
#ifndef LH_ERRBUF_H
#define LH_ERRBUF_H

#include <stddef.h>

/* Formats into err (nothing when err is NULL or errlen is 0) and returns
 * -1, so a failing path can end with `return errbuf_fmt(...)`. */
int errbuf_fmt(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
