/*
 * lexer.c: GraphQL tokenizer (October 2021 spec) and the arena that holds
 * every parsed document.  Runs in the workers and in the CLI.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/graphql/gql_int.h"

#define ARENA_BLOCK	8192

struct lh_gql_arena {
	struct lh_gql_arena	*next;
	size_t			 used;
	size_t			 size;
	/* data follows, aligned */
};

struct lh_gql_arena *
gql_arena_new(void)
{
	struct lh_gql_arena	*a;

	/* the head holds no data, only the chain of blocks */
	if ((a = malloc(sizeof(*a))) == NULL)
		return NULL;
	a->next = NULL;
	a->used = 0;
	a->size = 0;
	return a;
}

void
gql_arena_free(struct lh_gql_arena *a)
{
	struct lh_gql_arena	*n;

	while (a != NULL) {
		n = a->next;
		free(a);
		a = n;
	}
}

void *
gql_alloc(struct lh_gql_arena *a, size_t n)
{
	struct lh_gql_arena	*b;
	size_t			 sz;
	char			*p;

	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	b = a->next;
	if (b == NULL || b->size - b->used < n) {
		sz = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		if ((b = malloc(sizeof(*b) + 16 + sz)) == NULL)
			return NULL;
		b->size = sz;
		b->used = 0;
		b->next = a->next;
		a->next = b;
	}
	p = (char *)b + ((sizeof(*b) + 15) & ~(size_t)15) + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

char *
gql_strndup(struct lh_gql_arena *a, const char *s, size_t n)
{
	char	*p;

	if ((p = gql_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
gql_lex_init(struct lh_gql_lexer *lx, struct lh_gql_arena *a,
    const char *src, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->src = src;
	lx->len = len;
	lx->line = 1;
	lx->arena = a;
	/* skip a byte order mark */
	if (len >= 3 && memcmp(src, "\xef\xbb\xbf", 3) == 0) {
		lx->pos = 3;
		lx->line_start = 3;
	}
}

/* Column of pos on the current line (code points, 1-based), counted
 * from the last position asked for so long lines stay linear. */
int
gql_lex_col(struct lh_gql_lexer *lx, size_t pos)
{
	size_t	i;
	int	col;

	if (lx->cpos >= lx->line_start && lx->cpos <= pos && lx->ccol > 0) {
		i = lx->cpos;
		col = lx->ccol;
	} else {
		i = lx->line_start;
		col = 1;
	}
	for (; i < pos && i < lx->len; i++)
		if (((unsigned char)lx->src[i] & 0xc0) != 0x80)
			col++;
	lx->cpos = pos;
	lx->ccol = col;
	return col;
}

static int lex_error(struct lh_gql_lexer *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
lex_error(struct lh_gql_lexer *lx, size_t pos, const char *fmt, ...)
{
	va_list	ap;

	if (lx->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(lx->err, sizeof(lx->err), fmt, ap);
		va_end(ap);
		lx->err_loc.line = lx->line;
		lx->err_loc.col = gql_lex_col(lx, pos);
	}
	return -1;
}

static void
lex_newline(struct lh_gql_lexer *lx, size_t at)
{
	/* at: index of '\n' or lone '\r' */
	lx->line++;
	lx->line_start = at + 1;
}

static void
lex_skip_ignored(struct lh_gql_lexer *lx)
{
	const char	*s = lx->src;
	char		 c;

	while (lx->pos < lx->len) {
		c = s[lx->pos];
		if (c == ' ' || c == '\t' || c == ',') {
			lx->pos++;
		} else if (c == '\n') {
			lex_newline(lx, lx->pos);
			lx->pos++;
		} else if (c == '\r') {
			if (lx->pos + 1 < lx->len && s[lx->pos + 1] == '\n')
				lx->pos++;
			lex_newline(lx, lx->pos);
			lx->pos++;
		} else if (c == '#') {
			while (lx->pos < lx->len && s[lx->pos] != '\n' &&
			    s[lx->pos] != '\r')
				lx->pos++;
		} else if (lx->pos + 2 < lx->len &&
		    memcmp(s + lx->pos, "\xef\xbb\xbf", 3) == 0) {
			lx->pos += 3;
		} else
			break;
	}
}

static int
is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
lex_number(struct lh_gql_lexer *lx)
{
	const char	*s = lx->src;
	size_t		 p = lx->pos, start = lx->pos;
	int		 isfloat = 0;
	char		 ch[2] = { 0, 0 };

	if (s[p] == '-')
		p++;
	if (p < lx->len && s[p] == '0') {
		p++;
		if (p < lx->len && is_digit(s[p])) {
			ch[0] = s[p];
			return lex_error(lx, p, "Syntax Error: Invalid number, "
			    "unexpected digit after 0: \"%s\".", ch);
		}
	} else if (p < lx->len && is_digit(s[p])) {
		while (p < lx->len && is_digit(s[p]))
			p++;
	} else
		return lex_error(lx, p, "Syntax Error: Invalid number, "
		    "expected digit but got: %s.", p < lx->len ? "a character"
		    : "<EOF>");
	if (p < lx->len && s[p] == '.') {
		isfloat = 1;
		p++;
		if (p >= lx->len || !is_digit(s[p]))
			return lex_error(lx, p, "Syntax Error: Invalid number, "
			    "expected digit but got: %s.", "a non-digit");
		while (p < lx->len && is_digit(s[p]))
			p++;
	}
	if (p < lx->len && (s[p] == 'e' || s[p] == 'E')) {
		isfloat = 1;
		p++;
		if (p < lx->len && (s[p] == '+' || s[p] == '-'))
			p++;
		if (p >= lx->len || !is_digit(s[p]))
			return lex_error(lx, p, "Syntax Error: Invalid number, "
			    "expected digit but got: %s.", "a non-digit");
		while (p < lx->len && is_digit(s[p]))
			p++;
	}
	if (p < lx->len && (s[p] == '.' || is_name_start(s[p]))) {
		ch[0] = s[p];
		return lex_error(lx, p, "Syntax Error: Invalid number, expected "
		    "digit but got: \"%s\".", ch);
	}
	lx->tok = isfloat ? LH_GQL_TK_FLOAT : LH_GQL_TK_INT;
	lx->text = gql_strndup(lx->arena, s + start, p - start);
	lx->tlen = p - start;
	lx->pos = p;
	return lx->text == NULL ? lex_error(lx, p, "%s", "out of memory") : 0;
}

static size_t
utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads \uXXXX or \u{...} at p (pointing at 'u'); -1 when invalid. */
static long
lex_uescape(struct lh_gql_lexer *lx, size_t *pp)
{
	const char	*s = lx->src;
	size_t		 p = *pp + 1;
	long		 v = 0;
	int		 i, h, n = 0;

	if (p < lx->len && s[p] == '{') {
		for (p++; p < lx->len && s[p] != '}'; p++) {
			if ((h = hexval(s[p])) == -1 || ++n > 8)
				return -1;
			v = v * 16 + h;
			if (v > 0x10ffff)
				return -1;
		}
		if (p >= lx->len || n == 0)
			return -1;
		*pp = p + 1;
		return v;
	}
	for (i = 0; i < 4; i++, p++) {
		if (p >= lx->len || (h = hexval(s[p])) == -1)
			return -1;
		v = v * 16 + h;
	}
	*pp = p;
	return v;
}

static int
lex_string(struct lh_gql_lexer *lx)
{
	const char	*s = lx->src;
	size_t		 p = lx->pos + 1, o = 0, esc;
	char		*out;
	long		 cp, lo;
	unsigned char	 c;

	/* decoded text is never longer than the source */
	if ((out = gql_alloc(lx->arena, lx->len - lx->pos + 1)) == NULL)
		return lex_error(lx, p, "%s", "out of memory");
	for (;;) {
		if (p >= lx->len || s[p] == '\n' || s[p] == '\r')
			return lex_error(lx, p, "%s",
			    "Syntax Error: Unterminated string.");
		c = (unsigned char)s[p];
		if (c == '"')
			break;
		if (c < 0x20 && c != '\t')
			return lex_error(lx, p, "%s", "Syntax Error: Invalid "
			    "character within String.");
		if (c != '\\') {
			out[o++] = (char)c;
			p++;
			continue;
		}
		esc = p;
		if (++p >= lx->len)
			return lex_error(lx, esc, "%s",
			    "Syntax Error: Unterminated string.");
		switch (s[p]) {
		case '"': out[o++] = '"'; p++; break;
		case '\\': out[o++] = '\\'; p++; break;
		case '/': out[o++] = '/'; p++; break;
		case 'b': out[o++] = '\b'; p++; break;
		case 'f': out[o++] = '\f'; p++; break;
		case 'n': out[o++] = '\n'; p++; break;
		case 'r': out[o++] = '\r'; p++; break;
		case 't': out[o++] = '\t'; p++; break;
		case 'u':
			if ((cp = lex_uescape(lx, &p)) == -1)
				return lex_error(lx, esc, "%s", "Syntax Error: "
				    "Invalid Unicode escape sequence.");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				/* needs a trailing surrogate escape */
				if (p + 1 < lx->len && s[p] == '\\' &&
				    s[p + 1] == 'u') {
					p++;
					lo = lex_uescape(lx, &p);
					if (lo < 0xdc00 || lo > 0xdfff)
						return lex_error(lx, esc, "%s",
						    "Syntax Error: Invalid "
						    "Unicode escape sequence.");
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
				} else
					return lex_error(lx, esc, "%s",
					    "Syntax Error: Invalid Unicode "
					    "escape sequence.");
			} else if (cp >= 0xdc00 && cp <= 0xdfff)
				return lex_error(lx, esc, "%s", "Syntax Error: "
				    "Invalid Unicode escape sequence.");
			o += utf8_put(out + o, (uint32_t)cp);
			break;
		default:
			return lex_error(lx, esc, "%s", "Syntax Error: "
			    "Invalid character escape sequence.");
		}
	}
	out[o] = '\0';
	lx->tok = LH_GQL_TK_STRING;
	lx->text = out;
	lx->tlen = o;
	lx->pos = p + 1;
	return 0;
}

static int
is_blank_line(const char *l, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (l[i] != ' ' && l[i] != '\t')
			return 0;
	return 1;
}

/* The spec's BlockStringValue(): common indent and blank lines removed. */
static int
block_value(char *raw, size_t n, size_t *outlen)
{
	size_t	*starts, *ends, nl = 0, i, j, ind, common = SIZE_MAX;
	size_t	 first, last, o = 0, cnt = 1;
	char	*buf = raw;

	for (i = 0; i < n; i++)
		if (raw[i] == '\n' || raw[i] == '\r')
			cnt++;
	starts = calloc(cnt, sizeof(*starts));
	ends = calloc(cnt, sizeof(*ends));
	if (starts == NULL || ends == NULL) {
		free(starts);
		free(ends);
		return -1;
	}
	for (i = 0, j = 0; i <= n && nl < cnt; i++) {
		if (i == n || raw[i] == '\n' || raw[i] == '\r') {
			starts[nl] = j;
			ends[nl++] = i;
			if (i < n && raw[i] == '\r' && i + 1 < n &&
			    raw[i + 1] == '\n')
				i++;
			j = i + 1;
		}
	}
	for (i = 1; i < nl; i++) {
		for (ind = 0; starts[i] + ind < ends[i] &&
		    (raw[starts[i] + ind] == ' ' ||
		    raw[starts[i] + ind] == '\t'); ind++)
			;
		if (starts[i] + ind < ends[i] && ind < common)
			common = ind;
	}
	if (common != SIZE_MAX)
		for (i = 1; i < nl; i++)
			starts[i] = starts[i] + common < ends[i] ?
			    starts[i] + common : ends[i];
	for (first = 0; first < nl &&
	    is_blank_line(raw + starts[first], ends[first] - starts[first]);
	    first++)
		;
	for (last = nl; last > first && is_blank_line(raw + starts[last - 1],
	    ends[last - 1] - starts[last - 1]); last--)
		;
	for (i = first; i < last; i++) {
		if (i > first)
			buf[o++] = '\n';
		memmove(buf + o, raw + starts[i], ends[i] - starts[i]);
		o += ends[i] - starts[i];
	}
	buf[o] = '\0';
	*outlen = o;
	free(starts);
	free(ends);
	return 0;
}

static int
lex_block(struct lh_gql_lexer *lx)
{
	const char	*s = lx->src;
	size_t		 p = lx->pos + 3, o = 0;
	char		*out;

	if ((out = gql_alloc(lx->arena, lx->len - lx->pos + 1)) == NULL)
		return lex_error(lx, p, "%s", "out of memory");
	for (;;) {
		if (p >= lx->len)
			return lex_error(lx, p, "%s",
			    "Syntax Error: Unterminated string.");
		if (s[p] == '"' && p + 2 < lx->len && s[p + 1] == '"' &&
		    s[p + 2] == '"')
			break;
		if (s[p] == '\\' && p + 3 < lx->len &&
		    memcmp(s + p + 1, "\"\"\"", 3) == 0) {
			memcpy(out + o, "\"\"\"", 3);
			o += 3;
			p += 4;
			continue;
		}
		if ((unsigned char)s[p] < 0x20 && s[p] != '\t' &&
		    s[p] != '\n' && s[p] != '\r')
			return lex_error(lx, p, "%s", "Syntax Error: Invalid "
			    "character within String.");
		if (s[p] == '\n' || s[p] == '\r') {
			if (s[p] == '\r' && p + 1 < lx->len && s[p + 1] == '\n')
				out[o++] = s[p++];
			lex_newline(lx, p);
		}
		out[o++] = s[p++];
	}
	if (block_value(out, o, &lx->tlen) == -1)
		return lex_error(lx, p, "%s", "out of memory");
	lx->tok = LH_GQL_TK_BLOCK;
	lx->text = out;
	lx->pos = p + 3;
	return 0;
}

int
gql_lex_next(struct lh_gql_lexer *lx)
{
	const char	*s = lx->src;
	size_t		 start;
	char		 c, buf[16];

	lex_skip_ignored(lx);
	lx->loc.line = lx->line;
	lx->loc.col = gql_lex_col(lx, lx->pos);
	lx->text = NULL;
	lx->tlen = 0;
	if (lx->pos >= lx->len) {
		lx->tok = LH_GQL_TK_EOF;
		return 0;
	}
	c = s[lx->pos];
	switch (c) {
	case '!': case '$': case '&': case '(': case ')': case ':': case '=':
	case '@': case '[': case ']': case '{': case '|': case '}':
		lx->tok = LH_GQL_TK_PUNCT;
		lx->punct = c;
		lx->pos++;
		return 0;
	case '.':
		if (lx->pos + 2 < lx->len && s[lx->pos + 1] == '.' &&
		    s[lx->pos + 2] == '.') {
			lx->tok = LH_GQL_TK_PUNCT;
			lx->punct = '.';
			lx->pos += 3;
			return 0;
		}
		return lex_error(lx, lx->pos, "%s", "Syntax Error: Unexpected "
		    "\".\", did you mean \"...\"?");
	case '"':
		if (lx->pos + 2 < lx->len && s[lx->pos + 1] == '"' &&
		    s[lx->pos + 2] == '"')
			return lex_block(lx);
		return lex_string(lx);
	default:
		break;
	}
	if (c == '-' || is_digit(c))
		return lex_number(lx);
	if (is_name_start(c)) {
		start = lx->pos;
		while (lx->pos < lx->len && (is_name_start(s[lx->pos]) ||
		    is_digit(s[lx->pos])))
			lx->pos++;
		lx->tok = LH_GQL_TK_NAME;
		lx->tlen = lx->pos - start;
		if ((lx->text = gql_strndup(lx->arena, s + start,
		    lx->tlen)) == NULL)
			return lex_error(lx, start, "%s", "out of memory");
		return 0;
	}
	if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
		snprintf(buf, sizeof(buf), "\"%c\"", c);
	else
		snprintf(buf, sizeof(buf), "U+%04X", (unsigned char)c);
	return lex_error(lx, lx->pos, "Syntax Error: Unexpected character: %s.",
	    buf);
}
