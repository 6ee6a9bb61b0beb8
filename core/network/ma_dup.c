/* ma_dup.c - capture duplicates: the same frame seen twice by the capture
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A hash of the recent segments (key: everything that must be equal) over
 * a ring in arrival order, to forget them once older than the window.
 */
#include "ma_dup.h"

#include <glib.h>
#include <string.h>

typedef struct dup_key {
    uint32_t stream;
    uint32_t seq, ack, len;
    uint64_t digest;
    uint16_t flags;
    uint16_t ip_id;
    uint8_t  has_ip_id;
    uint8_t  dir;        /* which end sent it */
    uint8_t  pad[2];
} dup_key_t;

typedef struct dup_ent {
    dup_key_t key;
    ma_ns_t   ts;
    uint32_t  frame;     /* the first copy */
    uint32_t  next;      /* next entry of its hash chain: ring slot + 1, 0: end */
} dup_ent_t;

/* The remembered segments: a ring in arrival order (slot = sequence number
 * & (cap - 1)), and hash chains through it, newest first, so a lookup
 * finds the latest segment with the key. The ring doubles when full up to
 * MA_DUP_MAX; no allocation per segment. */
struct ma_dup {
    ma_ns_t    window;
    dup_ent_t *ring;
    uint32_t  *bucket;   /* chain heads (slot + 1), 2 * cap of them */
    uint32_t   cap, head, n; /* head: sequence number of the oldest */
    uint64_t   overflow;
};

static guint key_hash(const dup_key_t *k)
{
    uint64_t h = k->digest ^ ((uint64_t)k->seq << 32 | k->ack) ^ ((uint64_t)k->stream << 17) ^ k->len;
    h ^= h >> 32;
    return (guint)(h * UINT64_C(0x9E3779B97F4A7C15) >> 32);
}

ma_dup_t *ma_dup_new(ma_ns_t window)
{
    ma_dup_t *d = g_new0(ma_dup_t, 1);
    d->window = window;
    return d;
}

void ma_dup_free(ma_dup_t *d)
{
    if (!d)
        return;
    g_free(d->ring);
    g_free(d->bucket);
    g_free(d);
}

static uint32_t *chain_of(ma_dup_t *d, const dup_key_t *k)
{
    return &d->bucket[key_hash(k) & (2 * d->cap - 1)];
}

/* Put the entry in slot at the head of its chain. */
static void chain_add(ma_dup_t *d, uint32_t slot)
{
    uint32_t *b = chain_of(d, &d->ring[slot].key);
    d->ring[slot].next = *b;
    *b = slot + 1;
}

static void forget_oldest(ma_dup_t *d)
{
    if (!d->n)
        return;
    uint32_t slot = d->head & (d->cap - 1);
    /* the oldest is last in its chain: unlink it where it is */
    for (uint32_t *p = chain_of(d, &d->ring[slot].key); *p; p = &d->ring[*p - 1].next) {
        if (*p == slot + 1) {
            *p = d->ring[slot].next;
            break;
        }
    }
    d->head++;
    d->n--;
}

/* Double the ring (n == cap < MA_DUP_MAX): re-chain oldest first, so the
 * chains stay newest first. */
static void grow(ma_dup_t *d)
{
    uint32_t cap = d->cap ? d->cap * 2 : 64;
    dup_ent_t *ring = g_new(dup_ent_t, cap);
    for (uint32_t i = 0; i < d->n; i++)
        ring[i] = d->ring[(d->head + i) & (d->cap - 1)];
    g_free(d->ring);
    g_free(d->bucket);
    d->ring = ring;
    d->bucket = g_new0(uint32_t, 2 * (size_t)cap);
    d->cap = cap;
    d->head = 0;
    for (uint32_t i = 0; i < d->n; i++)
        chain_add(d, i);
}

static uint8_t dir_of(const ma_tcp_in_t *s)
{
    int c = s->src.len != s->dst.len ? (s->src.len < s->dst.len ? -1 : 1)
                                     : memcmp(s->src.bytes, s->dst.bytes, s->src.len);
    if (c == 0)
        c = s->srcport < s->dstport ? -1 : s->srcport > s->dstport;
    return c < 0;
}

uint32_t ma_dup_check(ma_dup_t *d, const ma_tcp_in_t *seg)
{
    if (!d || d->window <= 0 || !seg->digest)
        return 0;
    /* forget what is older than the window (times may go backwards a little:
     * such entries simply stay until a later time passes them) */
    while (d->n && seg->ts - d->ring[d->head & (d->cap - 1)].ts > d->window)
        forget_oldest(d);
    dup_key_t k;
    memset(&k, 0, sizeof k);
    k.stream = seg->stream;
    k.seq = seg->seq;
    k.ack = seg->ack;
    k.len = seg->len;
    k.digest = seg->digest;
    k.flags = seg->flags;
    k.has_ip_id = seg->has_ip_id;
    k.ip_id = seg->has_ip_id ? seg->ip_id : 0;
    k.dir = dir_of(seg);
    if (d->n) {
        for (uint32_t i = *chain_of(d, &k); i; i = d->ring[i - 1].next) {
            const dup_ent_t *e = &d->ring[i - 1];
            if (memcmp(&e->key, &k, sizeof k) != 0)
                continue;
            if (seg->ts >= e->ts && seg->ts - e->ts <= d->window)
                return e->frame;
            break; /* the latest with the key decides, as before */
        }
    }
    if (d->n >= MA_DUP_MAX) {
        forget_oldest(d);
        d->overflow++;
    }
    if (d->n == d->cap)
        grow(d);
    uint32_t slot = (d->head + d->n) & (d->cap - 1);
    d->ring[slot].key = k;
    d->ring[slot].ts = seg->ts;
    d->ring[slot].frame = seg->frame;
    d->n++;
    chain_add(d, slot);
    return 0;
}

uint32_t ma_dup_size(const ma_dup_t *d)
{
    return d ? d->n : 0;
}

uint64_t ma_dup_overflow(const ma_dup_t *d)
{
    return d ? d->overflow : 0;
}
