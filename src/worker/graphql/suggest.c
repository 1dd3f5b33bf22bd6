/*
 * suggest.c: "Did you mean ...?" hints for validation errors, with the
 * same lexical distance (Damerau-Levenshtein on lower case, threshold
 * 40% of the input) and ordering as graphql-js.  Runs in the workers and
 * the CLI.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"

#define SUGGEST_MAXLEN	256

static size_t
min3(size_t a, size_t b, size_t c)
{
	size_t	m = a < b ? a : b;

	return m < c ? m : c;
}

/* Distance of option to input, or -1 when above threshold. */
static long
distance(const char *input, const char *option, size_t threshold)
{
	char	 a[SUGGEST_MAXLEN], b[SUGGEST_MAXLEN], t[SUGGEST_MAXLEN];
	size_t	 rows[3][SUGGEST_MAXLEN + 1], al, bl, i, j, cost, cell, small;
	size_t	 k;

	if (strcmp(input, option) == 0)
		return 0;
	al = strlen(option);
	bl = strlen(input);
	if (al >= SUGGEST_MAXLEN || bl >= SUGGEST_MAXLEN)
		return -1;
	for (k = 0; k <= al; k++)
		a[k] = (char)tolower((unsigned char)option[k]);
	for (k = 0; k <= bl; k++)
		b[k] = (char)tolower((unsigned char)input[k]);
	if (strcmp(a, b) == 0)
		return 1;	/* a case change is one edit */
	if (al < bl) {
		memcpy(t, a, al + 1);
		memcpy(a, b, bl + 1);
		memcpy(b, t, al + 1);
		k = al;
		al = bl;
		bl = k;
	}
	if (al - bl > threshold)
		return -1;
	for (j = 0; j <= bl; j++)
		rows[0][j] = j;
	for (i = 1; i <= al; i++) {
		size_t *up = rows[(i - 1) % 3], *cur = rows[i % 3];

		small = cur[0] = i;
		for (j = 1; j <= bl; j++) {
			cost = a[i - 1] == b[j - 1] ? 0 : 1;
			cell = min3(up[j] + 1, cur[j - 1] + 1, up[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] &&
			    rows[(i - 2) % 3][j - 2] + 1 < cell)
				cell = rows[(i - 2) % 3][j - 2] + 1;
			if (cell < small)
				small = cell;
			cur[j] = cell;
		}
		if (small > threshold)
			return -1;
	}
	cell = rows[al % 3][bl];
	return cell <= threshold ? (long)cell : -1;
}

struct cand {
	const char	*name;
	long		 dist;
};

static int
cand_cmp(const void *x, const void *y)
{
	const struct cand	*a = x, *b = y;

	if (a->dist != b->dist)
		return a->dist < b->dist ? -1 : 1;
	return strcmp(a->name, b->name);
}

size_t
gql_suggest(const char *input, const char *const *options, size_t n,
    const char **out, size_t max)
{
	struct cand	*c;
	size_t		 i, nc = 0, threshold = strlen(input) * 4 / 10 + 1;
	long		 d;

	if (n == 0 || (c = calloc(n, sizeof(*c))) == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if ((d = distance(input, options[i], threshold)) == -1)
			continue;
		c[nc].name = options[i];
		c[nc++].dist = d;
	}
	qsort(c, nc, sizeof(*c), cand_cmp);
	for (i = 0, n = 0; i < nc && n < max; i++)
		if (n == 0 || strcmp(out[n - 1], c[i].name) != 0)
			out[n++] = c[i].name;	/* duplicates once */
	free(c);
	return n;
}

void
gql_did_you_mean(char *buf, size_t len, const char *sub,
    const char *const *s, size_t n)
{
	size_t	off, i;

	buf[0] = '\0';
	if (n == 0)
		return;
	if (n > 5)
		n = 5;
	off = (size_t)snprintf(buf, len, " Did you mean %s%s", sub != NULL ?
	    sub : "", sub != NULL ? " " : "");
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s\"%s\"",
		    i == 0 ? "" : n == 2 ? " or " : i + 1 == n ? ", or " : ", ",
		    s[i]);
	if (off < len)
		snprintf(buf + off, len - off, "?");
}
