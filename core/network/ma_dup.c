/* ma_dup.c - capture duplicates: the same frame seen twice by the capture
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A hash of the recent segments (key: everything that must be equal) and a
 * FIFO in arrival order to forget them once older than the window.
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
} dup_ent_t;

struct ma_dup {
    ma_ns_t     window;
    GHashTable *by_key;  /* dup_key_t* -> dup_ent_t* (the entry owns the key) */
    GQueue      fifo;    /* dup_ent_t*, oldest first */
    uint64_t    overflow;
};

static guint key_hash(gconstpointer p)
{
    const dup_key_t *k = p;
    uint64_t h = k->digest ^ ((uint64_t)k->seq << 32 | k->ack) ^ ((uint64_t)k->stream << 17) ^ k->len;
    return (guint)(h ^ (h >> 32));
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(dup_key_t)) == 0;
}

ma_dup_t *ma_dup_new(ma_ns_t window)
{
    ma_dup_t *d = g_new0(ma_dup_t, 1);
    d->window = window;
    d->by_key = g_hash_table_new(key_hash, key_equal);
    g_queue_init(&d->fifo);
    return d;
}

void ma_dup_free(ma_dup_t *d)
{
    if (!d)
        return;
    g_hash_table_destroy(d->by_key);
    g_queue_clear_full(&d->fifo, g_free);
    g_free(d);
}

static void forget_oldest(ma_dup_t *d)
{
    dup_ent_t *e = g_queue_pop_head(&d->fifo);
    if (!e)
        return;
    if (g_hash_table_lookup(d->by_key, &e->key) == e)
        g_hash_table_remove(d->by_key, &e->key);
    g_free(e);
}

/* The sending end: 0 or 1 by address then port, the same for every
 * segment that end sends on the connection. */
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
    while (d->fifo.head) {
        const dup_ent_t *old = d->fifo.head->data;
        if (seg->ts - old->ts <= d->window)
            break;
        forget_oldest(d);
    }
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
    dup_ent_t *e = g_hash_table_lookup(d->by_key, &k);
    if (e && seg->ts >= e->ts && seg->ts - e->ts <= d->window)
        return e->frame;
    if (d->fifo.length >= MA_DUP_MAX) {
        forget_oldest(d);
        d->overflow++;
    }
    e = g_new(dup_ent_t, 1);
    e->key = k;
    e->ts = seg->ts;
    e->frame = seg->frame;
    g_hash_table_replace(d->by_key, &e->key, e);
    g_queue_push_tail(&d->fifo, e);
    return 0;
}

uint32_t ma_dup_size(const ma_dup_t *d)
{
    return d ? d->fifo.length : 0;
}

uint64_t ma_dup_overflow(const ma_dup_t *d)
{
    return d ? d->overflow : 0;
}
