/*
 * playground.h: the self-contained GraphQL playground page (no CDN), served
 * at /graphql/playground only with --playground. Its CSP allows exactly its
 * own inline script and style, by hash, computed once at worker start.
 */
#ifndef LH_PLAYGROUND_H
#define LH_PLAYGROUND_H

#include <stddef.h>

/* The page bytes (embedded at build time). */
const char *playground_html(size_t *len);
/* The page's Content-Security-Policy; NULL if it could not be computed. */
const char *playground_csp(void);
/* Pure: builds the CSP for html into buf; 0 or -1. */
int playground_build_csp(const char *html, size_t len, char *buf,
    size_t buflen);

#endif
