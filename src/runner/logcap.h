/*
 * logcap.h: turn a stage's stdout/stderr byte streams into masked,
 * timestamped lines under a size cap (head live, tail at the end).
 * Pure buffering code, run in the runner process; no I/O.
 */
#ifndef LH_LOGCAP_H
#define LH_LOGCAP_H

#include <stddef.h>
#include <stdint.h>

#include "runner/stage.h"

#define LH_LOGCAP_MAX_LINE	(64u * 1024)

typedef void (*lh_logcap_emit)(void *arg, enum lh_stream, const char *line,
    size_t len, int64_t ts_ms);

struct lh_logcap;

/*
 * limit: bytes of log kept (line + newline counted); 0 = no limit. The
 * first half is emitted as it arrives, then the last lines are kept in a
 * tail buffer of the other half, emitted by logcap_finish. Lines longer
 * than max_line (0 = LH_LOGCAP_MAX_LINE) are split. secrets: values masked
 * as "***" (a multi-line secret is masked line by line); copied.
 */
struct lh_logcap *logcap_new(size_t limit, size_t max_line,
		    char *const *secrets, lh_logcap_emit, void *arg);
/* Feeds bytes read from one stream (STDOUT or STDERR). Returns 0 or -1
 * (out of memory). */
int		 logcap_feed(struct lh_logcap *, enum lh_stream,
		    const char *buf, size_t len, int64_t ts_ms);
/* End of one stream: emits its unterminated last line. */
int		 logcap_eof(struct lh_logcap *, enum lh_stream, int64_t ts_ms);
/* Emits a runner message (not counted, not capped, masked). */
void		 logcap_system(struct lh_logcap *, const char *msg,
		    int64_t ts_ms);
/* End of the stage: flushes both streams, then, if lines were dropped, a
 * SYSTEM marker line followed by the kept tail. */
int		 logcap_finish(struct lh_logcap *, int64_t ts_ms);
int		 logcap_truncated(const struct lh_logcap *);
uint64_t	 logcap_total_bytes(const struct lh_logcap *);
void		 logcap_free(struct lh_logcap *);

/* Masks every secret occurrence in in[0..len) into a malloc'ed string
 * (*outlen bytes, NUL-terminated). Returns NULL when out of memory. */
char		*logcap_mask(const struct lh_logcap *, const char *in,
		    size_t len, size_t *outlen);

#endif
