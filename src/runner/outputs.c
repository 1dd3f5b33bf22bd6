/*
 * outputs.c: parse the $LABHIT_OUTPUT file a stage writes. Runs in the
 * runner process, which reads the file from the stage's host scratch dir
 * after the stage ended; the file is untrusted input.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/outputs.h"
#include "shared/errbuf.h"

struct op_list {
	struct lh_stage_output	*v;
	size_t			 n;
	size_t			 cap;
};

int
outputs_key_valid(const char *key, size_t len)
{
	size_t	i;
	char	c;

	if (len == 0 || len > LH_OUTPUT_KEY_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		c = key[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    c == '_')
			continue;
		if (i > 0 && ((c >= '0' && c <= '9') || c == '-'))
			continue;
		return 0;
	}
	return 1;
}

void
outputs_free(struct lh_stage_output *v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
}

/* Adds or replaces key; takes ownership of value. */
static int
op_set(struct op_list *l, const char *key, size_t klen, char *value)
{
	struct lh_stage_output	*nv;
	size_t			 i, ncap;
	char			*k;

	for (i = 0; i < l->n; i++) {
		if (strlen(l->v[i].key) == klen &&
		    memcmp(l->v[i].key, key, klen) == 0) {
			free(l->v[i].value);
			l->v[i].value = value;
			return 0;
		}
	}
	if (l->n == l->cap) {
		ncap = l->cap == 0 ? 8 : l->cap * 2;
		nv = reallocarray(l->v, ncap, sizeof(*nv));
		if (nv == NULL)
			goto fail;
		l->v = nv;
		l->cap = ncap;
	}
	if ((k = strndup(key, klen)) == NULL)
		goto fail;
	l->v[l->n].key = k;
	l->v[l->n].value = value;
	l->n++;
	return 0;
 fail:
	free(value);
	return -1;
}

/* Next line of buf from pos: sets line and llen (no newline, no final CR). */
static int
op_next_line(const char *buf, size_t len, size_t *pos, const char **line,
    size_t *llen)
{
	const char	*nl;
	size_t		 n;

	if (*pos >= len)
		return 0;
	*line = buf + *pos;
	nl = memchr(*line, '\n', len - *pos);
	n = nl != NULL ? (size_t)(nl - *line) : len - *pos;
	*pos += n + (nl != NULL ? 1 : 0);
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*llen = n;
	return 1;
}

/* key<<DELIM: collects lines up to a line equal to DELIM. */
static char *
op_heredoc(const char *buf, size_t len, size_t *pos, size_t *lineno,
    const char *delim, size_t dlen, char *err, size_t errlen)
{
	const char	*line, *vstart = NULL;
	size_t		 llen, start_line = *lineno, vlen = 0;

	while (op_next_line(buf, len, pos, &line, &llen)) {
		(*lineno)++;
		if (llen == dlen && memcmp(line, delim, dlen) == 0)
			return vstart == NULL ? strdup("") :
			    strndup(vstart, vlen);
		if (vstart == NULL)
			vstart = line;
		vlen = (size_t)(line + llen - vstart);
	}
	errbuf_fmt(err, errlen, "line %zu: heredoc not terminated by %.*s",
	    start_line, (int)(dlen > 64 ? 64 : dlen), delim);
	return NULL;
}

static int
op_line(struct op_list *l, const char *buf, size_t len, size_t *pos,
    size_t *lineno, const char *line, size_t llen, char *err, size_t errlen)
{
	const char	*eq, *hd, *sep;
	char		*value;
	size_t		 klen;

	eq = memchr(line, '=', llen);
	hd = memmem(line, llen, "<<", 2);
	if (eq == NULL && hd == NULL) {
		errbuf_fmt(err, errlen, "line %zu: expected key=value or "
		    "key<<DELIMITER", *lineno);
		return -1;
	}
	sep = (hd != NULL && (eq == NULL || hd < eq)) ? hd : eq;
	klen = (size_t)(sep - line);
	if (!outputs_key_valid(line, klen)) {
		errbuf_fmt(err, errlen, "line %zu: invalid output name \"%.*s\"",
		    *lineno, (int)(klen > 64 ? 64 : klen), line);
		return -1;
	}
	if (sep == eq)
		value = strndup(eq + 1, llen - klen - 1);
	else {
		if (llen - klen - 2 == 0) {
			errbuf_fmt(err, errlen, "line %zu: empty heredoc "
			    "delimiter", *lineno);
			return -1;
		}
		value = op_heredoc(buf, len, pos, lineno, hd + 2,
		    llen - klen - 2, err, errlen);
		if (value == NULL)
			return -1;
	}
	if (value == NULL || op_set(l, line, klen, value) == -1) {
		errbuf_fmt(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
outputs_parse(const char *buf, size_t len, struct lh_stage_output **outs,
    size_t *n, char *err, size_t errlen)
{
	struct op_list	 l = { NULL, 0, 0 };
	const char	*line;
	size_t		 pos = 0, llen, lineno = 0;

	*outs = NULL;
	*n = 0;
	if (memchr(buf, '\0', len) != NULL) {
		errbuf_fmt(err, errlen, "outputs file contains a NUL byte");
		return -1;
	}
	while (op_next_line(buf, len, &pos, &line, &llen)) {
		lineno++;
		if (llen == 0)
			continue;
		if (op_line(&l, buf, len, &pos, &lineno, line, llen, err,
		    errlen) == -1) {
			outputs_free(l.v, l.n);
			return -1;
		}
	}
	*outs = l.v;
	*n = l.n;
	return 0;
}

int
outputs_read_file(const char *path, size_t limit,
    struct lh_stage_output **outs, size_t *n, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf;
	size_t		 got = 0;
	ssize_t		 r;
	int		 fd, rc;

	*outs = NULL;
	*n = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		errbuf_fmt(err, errlen, "outputs file: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1) {
		errbuf_fmt(err, errlen, "outputs file is not a regular file");
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > (uint64_t)limit) {
		errbuf_fmt(err, errlen, "outputs file is %lld bytes, over the "
		    "limit of %zu bytes", (long long)st.st_size, limit);
		close(fd);
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		errbuf_fmt(err, errlen, "out of memory");
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	rc = outputs_parse(buf, got, outs, n, err, errlen);
	free(buf);
	return rc;
}
