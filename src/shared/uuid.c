/*
 * uuid.c: UUIDv7 generation: 48-bit millisecond timestamp, 12-bit counter
 * that keeps ids from one process increasing within a millisecond, 62 random
 * bits. Runs in every process that creates rows (worker, master).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "shared/uuid.h"

static uint64_t uuid_last_ms;
static uint16_t uuid_last_seq;

static void
uuid_format(const uint8_t b[16], char out[LH_UUID_STRLEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0x0f];
	}
	out[o] = '\0';
}

int
uuid_v7_at(uint64_t unix_ms, char out[LH_UUID_STRLEN + 1])
{
	uint8_t b[16];
	uint16_t seq;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	if (unix_ms < uuid_last_ms)
		unix_ms = uuid_last_ms;	/* clock stepped back: stay ordered */
	if (unix_ms == uuid_last_ms) {
		if (uuid_last_seq >= 0x0fff) {
			unix_ms++;	/* counter exhausted: borrow the next ms */
			seq = (uint16_t)((b[6] << 8 | b[7]) & 0x07ff);
		} else
			seq = uuid_last_seq + 1;
	} else
		seq = (uint16_t)((b[6] << 8 | b[7]) & 0x07ff);	/* room to grow */
	uuid_last_ms = unix_ms;
	uuid_last_seq = seq;

	b[0] = (uint8_t)(unix_ms >> 40);
	b[1] = (uint8_t)(unix_ms >> 32);
	b[2] = (uint8_t)(unix_ms >> 24);
	b[3] = (uint8_t)(unix_ms >> 16);
	b[4] = (uint8_t)(unix_ms >> 8);
	b[5] = (uint8_t)unix_ms;
	b[6] = (uint8_t)(0x70 | (seq >> 8));	/* version 7 */
	b[7] = (uint8_t)(seq & 0xff);
	b[8] = (uint8_t)(0x80 | (b[8] & 0x3f));	/* variant 10 */
	uuid_format(b, out);
	return 0;
}

int
uuid_v7(char out[LH_UUID_STRLEN + 1])
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return -1;
	return uuid_v7_at((uint64_t)ts.tv_sec * 1000 +
	    (uint64_t)ts.tv_nsec / 1000000, out);
}

int
uuid_valid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != LH_UUID_STRLEN)
		return 0;
	for (i = 0; i < LH_UUID_STRLEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	}
	return 1;
}
