/*
 * logcap.c: line splitting, secret masking and the per-stage log cap for
 * stage output. Runs in the runner process; pure buffering, the caller
 * reads the pipes and supplies the clock.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/logcap.h"

#define LC_MASK		"***"
#define LC_MASK_LEN	3

struct lc_rec {
	struct lc_rec	*next;
	int64_t		 ts_ms;
	enum lh_stream	 stream;
	size_t		 len;
	char		 data[];
};

struct lc_stream {
	char		*buf;
	size_t		 len;
};

struct lh_logcap {
	size_t		 limit;
	size_t		 head_budget;
	size_t		 tail_budget;
	size_t		 max_line;
	size_t		 cap;		/* stream buffer size */
	char		**secrets;
	size_t		*slen;
	size_t		 nsec;
	size_t		 maxsec;
	lh_logcap_emit	 emit;
	void		*arg;
	struct lc_stream st[2];
	uint64_t	 total;
	size_t		 head_used;
	int		 head_closed;
	struct lc_rec	*thead;
	struct lc_rec	*ttail;
	size_t		 tail_bytes;
	uint64_t	 dropped_bytes;
	uint64_t	 dropped_lines;
	char		*scratch;
	size_t		 scratch_cap;
};

static int
lc_add_secret(struct lh_logcap *lc, const char *s, size_t len)
{
	char	**ns;
	size_t	 *nl;

	while (len > 0 && s[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0;
	ns = reallocarray(lc->secrets, lc->nsec + 1, sizeof(*ns));
	if (ns == NULL)
		return -1;
	lc->secrets = ns;
	nl = reallocarray(lc->slen, lc->nsec + 1, sizeof(*nl));
	if (nl == NULL)
		return -1;
	lc->slen = nl;
	if ((lc->secrets[lc->nsec] = strndup(s, len)) == NULL)
		return -1;
	lc->slen[lc->nsec++] = len;
	if (len > lc->maxsec)
		lc->maxsec = len;
	return 0;
}

/* A multi-line secret is masked line by line. */
static int
lc_add_secrets(struct lh_logcap *lc, char *const *secrets)
{
	const char	*s, *nl;
	size_t		 i;

	for (i = 0; secrets != NULL && secrets[i] != NULL; i++) {
		s = secrets[i];
		while ((nl = strchr(s, '\n')) != NULL) {
			if (lc_add_secret(lc, s, (size_t)(nl - s)) == -1)
				return -1;
			s = nl + 1;
		}
		if (lc_add_secret(lc, s, strlen(s)) == -1)
			return -1;
	}
	return 0;
}

struct lh_logcap *
logcap_new(size_t limit, size_t max_line, char *const *secrets,
    lh_logcap_emit emit, void *arg)
{
	struct lh_logcap	*lc;

	if ((lc = calloc(1, sizeof(*lc))) == NULL)
		return NULL;
	lc->emit = emit;
	lc->arg = arg;
	lc->limit = limit;
	lc->max_line = max_line == 0 ? LH_LOGCAP_MAX_LINE : max_line;
	if (limit > 0) {
		if (limit < 4)
			lc->limit = limit = 4;
		lc->head_budget = limit / 2;
		lc->tail_budget = limit - lc->head_budget;
		/* one line (plus newline) always fits in the tail */
		if (lc->max_line > lc->tail_budget - 1)
			lc->max_line = lc->tail_budget - 1;
	}
	if (lc_add_secrets(lc, secrets) == -1) {
		logcap_free(lc);
		return NULL;
	}
	lc->cap = lc->max_line + lc->maxsec;
	return lc;
}

static void
lc_free_tail(struct lh_logcap *lc)
{
	struct lc_rec	*r;

	while ((r = lc->thead) != NULL) {
		lc->thead = r->next;
		free(r);
	}
	lc->ttail = NULL;
	lc->tail_bytes = 0;
}

void
logcap_free(struct lh_logcap *lc)
{
	size_t	i;

	if (lc == NULL)
		return;
	for (i = 0; i < lc->nsec; i++)
		free(lc->secrets[i]);
	free(lc->secrets);
	free(lc->slen);
	free(lc->st[0].buf);
	free(lc->st[1].buf);
	free(lc->scratch);
	lc_free_tail(lc);
	free(lc);
}

static int
lc_scratch_reserve(struct lh_logcap *lc, size_t need)
{
	char	*n;
	size_t	 ncap;

	if (need <= lc->scratch_cap)
		return 0;
	ncap = lc->scratch_cap == 0 ? 256 : lc->scratch_cap;
	while (ncap < need)
		ncap *= 2;
	if ((n = realloc(lc->scratch, ncap)) == NULL)
		return -1;
	lc->scratch = n;
	lc->scratch_cap = ncap;
	return 0;
}

/* Earliest (then longest) secret occurrence at or after in+from. */
static const char *
lc_find(const struct lh_logcap *lc, const char *in, size_t len, size_t from,
    size_t *mlen)
{
	const char	*best = NULL, *p;
	size_t		 i;

	for (i = 0; i < lc->nsec; i++) {
		p = memmem(in + from, len - from, lc->secrets[i], lc->slen[i]);
		if (p == NULL)
			continue;
		if (best == NULL || p < best ||
		    (p == best && lc->slen[i] > *mlen)) {
			best = p;
			*mlen = lc->slen[i];
		}
	}
	return best;
}

/* Masks into lc->scratch; returns the masked length or -1. */
static ssize_t
lc_mask_scratch(struct lh_logcap *lc, const char *in, size_t len)
{
	const char	*p;
	size_t		 pos = 0, out = 0, mlen = 0, chunk;

	if (lc_scratch_reserve(lc, len + 1) == -1)
		return -1;
	while (pos < len &&
	    (p = lc_find(lc, in, len, pos, &mlen)) != NULL) {
		chunk = (size_t)(p - (in + pos));
		/* the mask may be longer than a 1-2 byte secret */
		if (lc_scratch_reserve(lc, out + chunk + LC_MASK_LEN +
		    (len - pos) + 1) == -1)
			return -1;
		memcpy(lc->scratch + out, in + pos, chunk);
		out += chunk;
		memcpy(lc->scratch + out, LC_MASK, LC_MASK_LEN);
		out += LC_MASK_LEN;
		pos += chunk + mlen;
	}
	if (lc_scratch_reserve(lc, out + (len - pos) + 1) == -1)
		return -1;
	memcpy(lc->scratch + out, in + pos, len - pos);
	out += len - pos;
	lc->scratch[out] = '\0';
	return (ssize_t)out;
}

char *
logcap_mask(const struct lh_logcap *lc, const char *in, size_t len,
    size_t *outlen)
{
	struct lh_logcap	 tmp;
	ssize_t			 n;

	/* reuse the scratch logic on a copy that owns a fresh buffer */
	tmp = *lc;
	tmp.scratch = NULL;
	tmp.scratch_cap = 0;
	if ((n = lc_mask_scratch(&tmp, in, len)) == -1) {
		free(tmp.scratch);
		return NULL;
	}
	*outlen = (size_t)n;
	return tmp.scratch;
}

static int
lc_tail_push(struct lh_logcap *lc, enum lh_stream stream, const char *line,
    size_t len, int64_t ts_ms)
{
	struct lc_rec	*r;

	if ((r = malloc(sizeof(*r) + len + 1)) == NULL)
		return -1;
	r->next = NULL;
	r->ts_ms = ts_ms;
	r->stream = stream;
	r->len = len;
	memcpy(r->data, line, len);
	r->data[len] = '\0';
	if (lc->ttail != NULL)
		lc->ttail->next = r;
	else
		lc->thead = r;
	lc->ttail = r;
	lc->tail_bytes += len + 1;
	while (lc->tail_bytes > lc->tail_budget && (r = lc->thead) != NULL) {
		lc->thead = r->next;
		if (lc->thead == NULL)
			lc->ttail = NULL;
		lc->tail_bytes -= r->len + 1;
		lc->dropped_bytes += r->len + 1;
		lc->dropped_lines++;
		free(r);
	}
	return 0;
}

/* One complete line of raw bytes: mask, then emit or keep for the tail. */
static int
lc_line(struct lh_logcap *lc, enum lh_stream stream, const char *raw,
    size_t rawlen, int64_t ts_ms)
{
	const char	*line = raw;
	size_t		 len = rawlen;
	ssize_t		 n;

	if (lc->nsec > 0) {
		if ((n = lc_mask_scratch(lc, raw, rawlen)) == -1)
			return -1;
		line = lc->scratch;
		len = (size_t)n;
	}
	if (lc->limit == 0 || (!lc->head_closed &&
	    lc->head_used + len + 1 <= lc->head_budget)) {
		lc->head_used += len + 1;
		lc->emit(lc->arg, stream, line, len, ts_ms);
		return 0;
	}
	lc->head_closed = 1;
	return lc_tail_push(lc, stream, line, len, ts_ms);
}

/* Where to split an over-long buffer: max_line, moved so that no secret
 * occurrence straddles it. buf holds at least max_line + maxsec bytes,
 * so any occurrence crossing the cut is complete in buf. */
static size_t
lc_cut(const struct lh_logcap *lc, const char *buf, size_t len)
{
	const char	*p;
	size_t		 cut = lc->max_line, i, from, to, L, at;
	int		 moved = 1;

	while (moved) {
		moved = 0;
		for (i = 0; i < lc->nsec && !moved; i++) {
			L = lc->slen[i];
			from = cut >= L ? cut - L + 1 : 0;
			to = cut + L - 1 < len ? cut + L - 1 : len;
			while (from < to && (p = memmem(buf + from, to - from,
			    lc->secrets[i], L)) != NULL) {
				at = (size_t)(p - buf);
				if (at < cut && at + L > cut) {
					cut = at > 0 ? at : at + L;
					moved = 1;
					break;
				}
				from = at + 1;
			}
		}
	}
	return cut;
}

static int
lc_forced_split(struct lh_logcap *lc, enum lh_stream stream,
    struct lc_stream *s, int64_t ts_ms)
{
	size_t	cut;

	cut = lc_cut(lc, s->buf, s->len);
	if (lc_line(lc, stream, s->buf, cut, ts_ms) == -1)
		return -1;
	memmove(s->buf, s->buf + cut, s->len - cut);
	s->len -= cut;
	return 0;
}

/*
 * Past the head, lines followed in the same read by at least a tail's worth
 * of complete lines can only be dropped: count them and skip the work
 * (1 GB of output must not cost a malloc per line). Sizes are the raw
 * ones, before masking.
 */
static void
lc_skip_doomed(struct lh_logcap *lc, struct lc_stream *s, const char **buf,
    size_t *len)
{
	const char	*last, *nl, *p;
	size_t		 end, skip;
	struct lc_rec	*r;

	if (lc->limit == 0 || !lc->head_closed ||
	    (last = memrchr(*buf, '\n', *len)) == NULL)
		return;
	end = (size_t)(last - *buf) + 1;
	if (end <= lc->tail_budget ||
	    (nl = memrchr(*buf, '\n', end - lc->tail_budget)) == NULL)
		return;
	skip = (size_t)(nl - *buf) + 1;
	for (p = *buf; p < *buf + skip &&
	    (p = memchr(p, '\n', (size_t)(*buf + skip - p))) != NULL; p++)
		lc->dropped_lines++;
	lc->dropped_bytes += skip + s->len;
	s->len = 0;
	for (r = lc->thead; r != NULL; r = r->next) {
		lc->dropped_lines++;
		lc->dropped_bytes += r->len + 1;
	}
	lc_free_tail(lc);
	*buf += skip;
	*len -= skip;
}

int
logcap_feed(struct lh_logcap *lc, enum lh_stream stream, const char *buf,
    size_t len, int64_t ts_ms)
{
	struct lc_stream	*s;
	const char		*nl;
	size_t			 take, n;

	if (stream != LH_STREAM_STDOUT && stream != LH_STREAM_STDERR)
		return -1;
	s = &lc->st[stream];
	if (s->buf == NULL && (s->buf = malloc(lc->cap)) == NULL)
		return -1;
	lc->total += len;
	lc_skip_doomed(lc, s, &buf, &len);
	while (len > 0) {
		nl = memchr(buf, '\n', len);
		take = nl != NULL ? (size_t)(nl - buf) : len;
		n = lc->cap - s->len < take ? lc->cap - s->len : take;
		memcpy(s->buf + s->len, buf, n);
		s->len += n;
		buf += n;
		len -= n;
		if (n == take && nl != NULL) {
			if (lc_line(lc, stream, s->buf, s->len, ts_ms) == -1)
				return -1;
			s->len = 0;
			buf++;
			len--;
		} else if (s->len == lc->cap) {
			if (lc_forced_split(lc, stream, s, ts_ms) == -1)
				return -1;
		}
	}
	return 0;
}

int
logcap_eof(struct lh_logcap *lc, enum lh_stream stream, int64_t ts_ms)
{
	struct lc_stream	*s;

	if (stream != LH_STREAM_STDOUT && stream != LH_STREAM_STDERR)
		return -1;
	s = &lc->st[stream];
	while (s->len > lc->max_line)
		if (lc_forced_split(lc, stream, s, ts_ms) == -1)
			return -1;
	if (s->len > 0) {
		if (lc_line(lc, stream, s->buf, s->len, ts_ms) == -1)
			return -1;
		s->len = 0;
	}
	return 0;
}

void
logcap_system(struct lh_logcap *lc, const char *msg, int64_t ts_ms)
{
	ssize_t	n;

	if (lc->nsec > 0 && (n = lc_mask_scratch(lc, msg, strlen(msg))) != -1)
		lc->emit(lc->arg, LH_STREAM_SYSTEM, lc->scratch, (size_t)n,
		    ts_ms);
	else if (lc->nsec == 0)
		lc->emit(lc->arg, LH_STREAM_SYSTEM, msg, strlen(msg), ts_ms);
}

int
logcap_finish(struct lh_logcap *lc, int64_t ts_ms)
{
	struct lc_rec	*r;
	char		 msg[256];
	int		 rc = 0;

	if (logcap_eof(lc, LH_STREAM_STDOUT, ts_ms) == -1 ||
	    logcap_eof(lc, LH_STREAM_STDERR, ts_ms) == -1)
		rc = -1;
	if (lc->dropped_lines > 0) {
		(void)snprintf(msg, sizeof(msg), "log truncated: %llu lines "
		    "(%llu bytes) omitted, limit %zu bytes",
		    (unsigned long long)lc->dropped_lines,
		    (unsigned long long)lc->dropped_bytes, lc->limit);
		logcap_system(lc, msg, ts_ms);
	}
	for (r = lc->thead; r != NULL; r = r->next)
		lc->emit(lc->arg, r->stream, r->data, r->len, r->ts_ms);
	lc_free_tail(lc);
	return rc;
}

int
logcap_truncated(const struct lh_logcap *lc)
{
	return lc->dropped_lines > 0;
}

uint64_t
logcap_total_bytes(const struct lh_logcap *lc)
{
	return lc->total;
}
