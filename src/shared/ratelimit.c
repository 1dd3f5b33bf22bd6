/*
 * ratelimit.c: per-client request limits shared by all workers (DESIGN.md
 * section 6). The master maps the table before fork and writes the
 * policies; every worker calls rl_check on its request path.
 *
 * NOTES
 * Arithmetic: GCRA in integer milliseconds. T = ceil(period / limit) is the
 * emission interval (rounded up so the long-run rate never exceeds the
 * policy), the burst is `limit`: a request is allowed when
 * max(tat, now) - now <= (limit - 1) * T, and then tat = max(tat, now) + T.
 *
 * Table: one shared mapping, a header and a power-of-two array of 16-byte
 * entries {key_hash, tatword}, touched only with 8-byte __atomic operations
 * (no locks, so a SIGKILLed worker can never leave anything held).
 * key_hash is SipHash-2-4 of class + client under the master's key, 0 means
 * empty. tatword packs the tat (high 48 bits, ms) with a 16-bit tag of the
 * owner's hash, so a process that read an entry just before it was evicted
 * cannot store its tat into the new owner's state (its CAS fails), and the
 * new owner sees a foreign tag and starts from a fresh bucket.
 * A key lives in one group of 8 entries. Slots of a group fill in order and
 * are never emptied, so two processes inserting the same key race for the
 * same first empty slot and the loser finds the winner's entry.
 * When a group is full the victim is a fully drained entry (tat <= now),
 * whose state equals a fresh bucket so nothing is lost; otherwise the entry
 * with the smallest tat, the client closest to drained. A client that is
 * hammering has the largest tat in its group and is the last to be evicted,
 * so it cannot shed its debt by itself, and a newcomer always gets a slot,
 * so a full table never locks anyone out.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/random.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "shared/log.h"
#include "shared/ratelimit.h"

#define RL_MAGIC	0x4c48524cU	/* "LHRL" */
#define RL_GROUP	8		/* entries probed per key */
#define RL_MAX_ENTRIES	(1U << 24)
#define RL_TAT_BITS	48
#define RL_TAT_MAX	((UINT64_C(1) << RL_TAT_BITS) - 1)
#define RL_TAG_MASK	UINT64_C(0xffff)

struct lh_rl_entry {
	uint64_t key_hash;	/* 0 = empty */
	uint64_t tatword;	/* tat << 16 | tag */
};
_Static_assert(sizeof(struct lh_rl_entry) == 16, "rl entry is 16 bytes");

/* The mapping itself: fixed-width fields only, no pointers. */
struct lh_rl_table {
	uint32_t magic;
	uint32_t version;	/* LH_RL_VERSION */
	uint32_t mask;		/* entries - 1 */
	uint32_t reserved;
	uint8_t	 key[16];	/* hash key, from the master */
	uint64_t policy[LH_RL_NCLASSES];	/* limit << 32 | period_ms */
	uint8_t	 pad[64 - 32 - 8 * LH_RL_NCLASSES];
	struct lh_rl_entry entries[];
};
_Static_assert(sizeof(struct lh_rl_table) == 64, "rl header is 64 bytes");

static uint64_t
rl_div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static uint32_t
rl_clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

uint64_t
rl_gcra(uint64_t tat, uint64_t now_ms, const struct lh_rl_policy *p,
    struct lh_rl_result *res)
{
	uint64_t t, burst, base, newtat, wait;

	memset(res, 0, sizeof(*res));
	if (p->limit == 0 || p->period_ms == 0) {
		res->allowed = 1;
		return tat;
	}
	res->limit = p->limit;
	t = rl_div_ceil(p->period_ms, p->limit);
	burst = (uint64_t)p->limit * t;	/* a full bucket, in ms */

	base = tat > now_ms ? tat : now_ms;
	/*
	 * tat is never legitimately more than a full bucket ahead of the
	 * clock: the clock went back (or the state is foreign). Clamp, and
	 * return the clamped value even when refusing so it gets stored,
	 * otherwise the client would wait for the old clock to come back.
	 */
	if (base - now_ms > burst) {
		base = now_ms + burst;
		tat = base;
	}

	if (base - now_ms > burst - t) {
		res->allowed = 0;
		res->remaining = 0;
		wait = base - (burst - t) - now_ms;
		res->retry_after_s = rl_clamp32(rl_div_ceil(wait, 1000));
		if (res->retry_after_s == 0)
			res->retry_after_s = 1;
		res->reset_s = rl_clamp32(rl_div_ceil(base - now_ms, 1000));
		return tat;
	}
	newtat = base + t;
	res->allowed = 1;
	res->remaining = (uint32_t)((burst - (newtat - now_ms)) / t);
	res->reset_s = rl_clamp32(rl_div_ceil(newtat - now_ms, 1000));
	return newtat;
}

/* SipHash-2-4 of an 8-byte prefix word followed by len bytes of data. */
#define RL_ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

static void
rl_sipround(uint64_t v[4])
{
	v[0] += v[1]; v[1] = RL_ROTL(v[1], 13); v[1] ^= v[0];
	v[0] = RL_ROTL(v[0], 32);
	v[2] += v[3]; v[3] = RL_ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = RL_ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = RL_ROTL(v[1], 17); v[1] ^= v[2];
	v[2] = RL_ROTL(v[2], 32);
}

static void
rl_sipblock(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	rl_sipround(v);
	rl_sipround(v);
	v[0] ^= m;
}

static uint64_t
rl_load64le(const uint8_t *p, size_t n)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		m |= (uint64_t)p[i] << (8 * i);
	return m;
}

static uint64_t
rl_siphash(const uint8_t key[16], uint64_t prefix, const uint8_t *data,
    size_t len)
{
	uint64_t k0, k1, v[4], last;
	size_t i, tail;

	k0 = rl_load64le(key, 8);
	k1 = rl_load64le(key + 8, 8);
	v[0] = k0 ^ UINT64_C(0x736f6d6570736575);
	v[1] = k1 ^ UINT64_C(0x646f72616e646f6d);
	v[2] = k0 ^ UINT64_C(0x6c7967656e657261);
	v[3] = k1 ^ UINT64_C(0x7465646279746573);

	rl_sipblock(v, prefix);
	for (i = 0; i + 8 <= len; i += 8)
		rl_sipblock(v, rl_load64le(data + i, 8));
	tail = len - i;
	last = ((uint64_t)(len + 8) & 0xff) << 56;
	last |= rl_load64le(data + i, tail);
	rl_sipblock(v, last);

	v[2] ^= 0xff;
	rl_sipround(v);
	rl_sipround(v);
	rl_sipround(v);
	rl_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint32_t
rl_round_entries(uint32_t entries)
{
	uint32_t n = RL_GROUP;

	while (n < entries)
		n <<= 1;
	return n;
}

size_t
rl_table_size(uint32_t entries)
{
	if (entries > RL_MAX_ENTRIES)
		return 0;
	return sizeof(struct lh_rl_table) +
	    (size_t)rl_round_entries(entries) * sizeof(struct lh_rl_entry);
}

struct lh_rl_table *
rl_table_create(uint32_t entries, const uint8_t key[16])
{
	struct lh_rl_table *t;
	size_t size;
	void *map;

	if ((size = rl_table_size(entries)) == 0) {
		log_warnx("rate limit table of %u entries is too large",
		    entries);
		errno = EINVAL;
		return NULL;
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		log_warn("mmap(%zu) failed for the rate limit table", size);
		return NULL;
	}
	t = map;	/* zero-filled by the kernel: every entry is empty */
	t->magic = RL_MAGIC;
	t->version = LH_RL_VERSION;
	t->mask = rl_round_entries(entries) - 1;
	if (key != NULL)
		memcpy(t->key, key, sizeof(t->key));
	else if (getrandom(t->key, sizeof(t->key), 0) !=
	    (ssize_t)sizeof(t->key)) {
		log_warn("getrandom failed for the rate limit key");
		(void)munmap(map, size);
		return NULL;
	}
	return t;
}

void
rl_table_destroy(struct lh_rl_table *t)
{
	if (t == NULL)
		return;
	if (munmap(t, sizeof(*t) +
	    ((size_t)t->mask + 1) * sizeof(struct lh_rl_entry)) == -1)
		log_warn("munmap of the rate limit table failed");
}

void
rl_table_set_policy(struct lh_rl_table *t, enum lh_rl_class cls,
    const struct lh_rl_policy *p)
{
	uint64_t w;

	if ((unsigned)cls >= LH_RL_NCLASSES)
		return;
	w = (uint64_t)p->limit << 32 | p->period_ms;
	__atomic_store_n(&t->policy[cls], w, __ATOMIC_RELEASE);
}

/*
 * Finds the entry of hash h in its group, inserting it (into the first
 * empty slot, or over an evicted one) when absent. Returns its index.
 */
static uint32_t
rl_find(struct lh_rl_table *t, uint64_t h, uint64_t now_ms)
{
	struct lh_rl_entry *e;
	uint64_t k, tat, victim_k, victim_tat;
	uint32_t group, i, victim;
	int drained;

	group = (uint32_t)h & t->mask & ~(uint32_t)(RL_GROUP - 1);
	for (;;) {
		victim = UINT32_MAX;
		victim_k = 0;
		victim_tat = UINT64_MAX;
		drained = 0;
		for (i = group; i < group + RL_GROUP; i++) {
			e = &t->entries[i];
			k = __atomic_load_n(&e->key_hash, __ATOMIC_ACQUIRE);
			if (k == h)
				return i;
			if (k == 0)
				break;
			if (drained)
				continue;
			tat = __atomic_load_n(&e->tatword, __ATOMIC_ACQUIRE) >>
			    16;
			if (tat <= now_ms)
				drained = 1;
			if (drained || tat < victim_tat) {
				victim = i;
				victim_k = k;
				victim_tat = tat;
			}
		}
		if (i < group + RL_GROUP) {
			/* First empty slot: claim it, or see who did. */
			k = 0;
			if (__atomic_compare_exchange_n(&t->entries[i].key_hash,
			    &k, h, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return i;
			continue;
		}
		k = victim_k;
		if (__atomic_compare_exchange_n(&t->entries[victim].key_hash,
		    &k, h, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return victim;
		/* The group changed under us: look again. */
	}
}

void
rl_check(struct lh_rl_table *t, enum lh_rl_class cls, const char *client,
    uint64_t now_ms, struct lh_rl_result *res)
{
	struct lh_rl_policy p;
	struct lh_rl_entry *e;
	uint64_t w, h, tag, tat, newtat, neww;
	uint32_t i;

	memset(res, 0, sizeof(*res));
	res->allowed = 1;
	if ((unsigned)cls >= LH_RL_NCLASSES)
		return;
	w = __atomic_load_n(&t->policy[cls], __ATOMIC_ACQUIRE);
	p.limit = (uint32_t)(w >> 32);
	p.period_ms = (uint32_t)w;
	if (p.limit == 0 || p.period_ms == 0)
		return;
	if (client == NULL)
		client = "";
	if (now_ms > RL_TAT_MAX / 2)
		now_ms = RL_TAT_MAX / 2;

	h = rl_siphash(t->key, (uint64_t)cls + 1, (const uint8_t *)client,
	    strlen(client));
	if (h == 0)
		h = 1;
	tag = h >> 48;
	for (;;) {
		i = rl_find(t, h, now_ms);
		e = &t->entries[i];
		w = __atomic_load_n(&e->tatword, __ATOMIC_ACQUIRE);
		for (;;) {
			if (__atomic_load_n(&e->key_hash, __ATOMIC_ACQUIRE) !=
			    h)
				break;	/* evicted meanwhile: find again */
			tat = (w & RL_TAG_MASK) == tag ? w >> 16 : 0;
			newtat = rl_gcra(tat, now_ms, &p, res);
			if (!res->allowed && (w & RL_TAG_MASK) == tag &&
			    newtat == tat)
				return;
			if (newtat > RL_TAT_MAX)
				newtat = RL_TAT_MAX;
			neww = newtat << 16 | tag;
			if (__atomic_compare_exchange_n(&e->tatword, &w, neww,
			    0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return;
			/* w now holds the current word: decide again. */
		}
	}
}

uint64_t
rl_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
