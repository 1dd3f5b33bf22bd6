/*
 * playground.c: the embedded playground page and its hash-based CSP.
 * Runs in the workers. The page is linked in with .incbin so the binary
 * needs no files at run time.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "worker/playground.h"

__asm__(
    "	.section .rodata\n"
    "	.balign 16\n"
    "lh_playground_start:\n"
    "	.incbin \"" LH_SRCDIR "/src/worker/assets/playground.html\"\n"
    "lh_playground_end:\n"
    "	.byte 0\n"
    "	.previous\n");

extern const char lh_playground_start[] __asm__("lh_playground_start");
extern const char lh_playground_end[] __asm__("lh_playground_end");

const char *
playground_html(size_t *len)
{
	*len = (size_t)(lh_playground_end - lh_playground_start);
	return lh_playground_start;
}

/* Appends " 'sha256-BASE64'" for each <tag>...</tag> body in html. */
static int
hash_blocks(const char *html, size_t len, const char *tag, char *out,
    size_t outlen)
{
	char open[16], close[16];
	const char *p = html, *end = html + len;
	size_t used = strlen(out);
	int found = 0;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	while ((p = memmem(p, (size_t)(end - p), open, strlen(open))) != NULL) {
		unsigned char digest[SHA256_DIGEST_LENGTH];
		unsigned char b64[64];
		const char *body = p + strlen(open), *stop;

		stop = memmem(body, (size_t)(end - body), close, strlen(close));
		if (stop == NULL)
			return -1;
		SHA256((const unsigned char *)body, (size_t)(stop - body),
		    digest);
		EVP_EncodeBlock(b64, digest, sizeof(digest));
		if ((size_t)snprintf(out + used, outlen - used, " 'sha256-%s'",
		    b64) >= outlen - used)
			return -1;
		used = strlen(out);
		found = 1;
		p = stop;
	}
	return found ? 0 : -1;
}

int
playground_build_csp(const char *html, size_t len, char *buf, size_t buflen)
{
	if (snprintf(buf, buflen, "default-src 'none'; script-src") >=
	    (int)buflen || hash_blocks(html, len, "script", buf, buflen) == -1)
		return -1;
	if (strlen(buf) + 16 >= buflen)
		return -1;
	strcat(buf, "; style-src");
	if (hash_blocks(html, len, "style", buf, buflen) == -1)
		return -1;
	if (strlen(buf) + 120 >= buflen)
		return -1;
	strcat(buf, "; connect-src 'self'; img-src 'self' data:; "
	    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
	return 0;
}

const char *
playground_csp(void)
{
	static char csp[512];
	static int state;	/* 0 unknown, 1 built, -1 failed */
	size_t len;
	const char *html;

	if (state == 0) {
		html = playground_html(&len);
		state = playground_build_csp(html, len, csp,
		    sizeof(csp)) == 0 ? 1 : -1;
	}
	return state == 1 ? csp : NULL;
}
