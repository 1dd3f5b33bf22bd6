/*
 * uuid.h: UUIDv7 identifiers (RFC 9562), time-ordered, random bits from
 * OpenSSL's CSPRNG. Used by the store in the worker and master processes.
 */
#ifndef LH_UUID_H
#define LH_UUID_H

#include <stdint.h>

#define LH_UUID_STRLEN 36	/* without the terminating NUL */

/* Writes a new lower-case UUIDv7 string into out (LH_UUID_STRLEN + 1 bytes).
 * Ids made by one process are strictly increasing. Returns 0, or -1 when
 * the random source fails. */
int uuid_v7(char out[LH_UUID_STRLEN + 1]);
/* Same, with the Unix time in milliseconds given (tests, benchmarks). */
int uuid_v7_at(uint64_t unix_ms, char out[LH_UUID_STRLEN + 1]);
/* Returns 1 when s is a well-formed UUID string of any version, else 0. */
int uuid_valid(const char *s);

#endif
