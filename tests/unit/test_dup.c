/* test_dup.c - capture duplicates (core/network/ma_dup.h) against a plain model
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The model is the rule of ma_dup.h written as simply as possible: a FIFO of
 * the remembered segments, the ones older than the window forgotten first,
 * a segment a duplicate of the latest remembered one with the same key when
 * not older than it and within the window, at most MA_DUP_MAX remembered.
 */
#include "ma_test.h"

#include "ma_dup.h"

typedef struct {
    ma_tcp_in_t seg;
} model_ent_t;

typedef struct {
    GArray *fifo; /* model_ent_t, oldest first */
    ma_ns_t window;
    uint64_t overflow;
} model_t;

static bool same_key(const ma_tcp_in_t *a, const ma_tcp_in_t *b)
{
    return a->stream == b->stream && a->seq == b->seq && a->ack == b->ack && a->len == b->len &&
           a->digest == b->digest && a->flags == b->flags && a->has_ip_id == b->has_ip_id &&
           (!a->has_ip_id || a->ip_id == b->ip_id) && a->srcport == b->srcport && a->dstport == b->dstport &&
           ma_addr_equal(&a->src, &b->src) && ma_addr_equal(&a->dst, &b->dst);
}

static uint32_t model_check(model_t *m, const ma_tcp_in_t *s)
{
    while (m->fifo->len && s->ts - g_array_index(m->fifo, model_ent_t, 0).seg.ts > m->window)
        g_array_remove_index(m->fifo, 0);
    for (guint i = m->fifo->len; i-- > 0;) {
        const ma_tcp_in_t *e = &g_array_index(m->fifo, model_ent_t, i).seg;
        if (!same_key(e, s))
            continue;
        if (s->ts >= e->ts && s->ts - e->ts <= m->window)
            return e->frame;
        break;
    }
    if (m->fifo->len >= MA_DUP_MAX) {
        g_array_remove_index(m->fifo, 0);
        m->overflow++;
    }
    model_ent_t ent = {*s};
    g_array_append_val(m->fifo, ent);
    return 0;
}

static ma_addr_t v4(uint8_t d)
{
    ma_addr_t a;
    memset(&a, 0, sizeof a);
    a.len = 4;
    a.bytes[0] = 10;
    a.bytes[3] = d;
    return a;
}

/* A segment of a small key space, so that equal keys are frequent: one of
 * 2 connections, 2 directions, 3 sequence numbers, 2 IP ids. */
static ma_tcp_in_t random_seg(GRand *r, uint32_t frame, ma_ns_t ts)
{
    ma_tcp_in_t s;
    memset(&s, 0, sizeof s);
    bool up = g_rand_boolean(r);
    s.frame = frame;
    s.ts = ts;
    s.stream = (uint32_t)g_rand_int_range(r, 0, 2);
    s.src = v4(up ? 1 : 2);
    s.dst = v4(up ? 2 : 1);
    s.srcport = up ? 40000 : 502;
    s.dstport = up ? 502 : 40000;
    s.seq = (uint32_t)g_rand_int_range(r, 0, 3) * 12;
    s.ack = 7;
    s.len = 12;
    s.flags = 0x18;
    s.has_ip_id = g_rand_int_range(r, 0, 4) != 0;
    s.ip_id = (uint16_t)g_rand_int_range(r, 0, 2);
    s.digest = 0x1234 + s.seq;
    return s;
}

/* 200,000 random segments, times mostly forward by 0..0.7 ms, sometimes a
 * little backwards: every answer and the remembered count as the model's. */
static void test_random_against_model(void)
{
    ma_dup_t *d = ma_dup_new(MA_DUP_DEFAULT_WINDOW);
    model_t m = {g_array_new(FALSE, FALSE, sizeof(model_ent_t)), MA_DUP_DEFAULT_WINDOW, 0};
    GRand *r = g_rand_new_with_seed(14);
    ma_ns_t ts = 1000000000;
    unsigned bad = 0, dups = 0, bad_size = 0;
    for (uint32_t f = 1; f <= 200000; f++) {
        ts += g_rand_int_range(r, 0, 10) == 0 ? -(ma_ns_t)g_rand_int_range(r, 0, 200000)
                                               : (ma_ns_t)g_rand_int_range(r, 0, 700000);
        ma_tcp_in_t s = random_seg(r, f, ts);
        uint32_t want = model_check(&m, &s);
        uint32_t got = ma_dup_check(d, &s);
        bad += got != want;
        dups += want != 0;
        bad_size += ma_dup_size(d) != m.fifo->len;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(bad_size, 0);
    CHECK(dups > 10000); /* the key space makes duplicates frequent */
    CHECK(dups < 190000);
    g_rand_free(r);
    g_array_free(m.fifo, TRUE);
    ma_dup_free(d);
}

/* More live segments than MA_DUP_MAX within one window: the oldest are
 * forgotten (counted), the ring never holds more; a copy of a forgotten
 * segment is new, a copy of a remembered one is a duplicate. */
static void test_bound(void)
{
    ma_dup_t *d = ma_dup_new(MA_DUP_DEFAULT_WINDOW);
    const uint32_t n = MA_DUP_MAX + 5000;
    ma_tcp_in_t s;
    memset(&s, 0, sizeof s);
    s.src = v4(1);
    s.dst = v4(2);
    s.srcport = 40000;
    s.dstport = 502;
    s.len = 12;
    s.ts = 5000000000;
    unsigned found = 0;
    for (uint32_t i = 0; i < n; i++) {
        s.frame = i + 1;
        s.seq = i * 12;
        s.digest = 0x9000 + i;
        found += ma_dup_check(d, &s) != 0;
    }
    CHECK_EQ(found, 0);
    CHECK_EQ(ma_dup_size(d), MA_DUP_MAX);
    CHECK_EQ(ma_dup_overflow(d), 5000);
    s.frame = n + 1; /* a copy of the first: forgotten */
    s.seq = 0;
    s.digest = 0x9000;
    CHECK_EQ(ma_dup_check(d, &s), 0);
    s.frame = n + 2; /* a copy of the last: remembered */
    s.seq = (n - 1) * 12;
    s.digest = 0x9000 + n - 1;
    CHECK_EQ(ma_dup_check(d, &s), n);
    /* past the window everything is forgotten */
    s.ts += MA_DUP_DEFAULT_WINDOW + 1;
    s.frame = n + 3;
    CHECK_EQ(ma_dup_check(d, &s), 0);
    CHECK_EQ(ma_dup_size(d), 1);
    ma_dup_free(d);
}

/* Window 0 and segments without a digest: never duplicates. */
static void test_off(void)
{
    ma_dup_t *d = ma_dup_new(0);
    ma_tcp_in_t s;
    memset(&s, 0, sizeof s);
    s.frame = 1;
    s.digest = 5;
    CHECK_EQ(ma_dup_check(d, &s), 0);
    s.frame = 2;
    CHECK_EQ(ma_dup_check(d, &s), 0);
    ma_dup_free(d);
    d = ma_dup_new(MA_DUP_DEFAULT_WINDOW);
    s.digest = 0;
    s.frame = 1;
    CHECK_EQ(ma_dup_check(d, &s), 0);
    s.frame = 2;
    CHECK_EQ(ma_dup_check(d, &s), 0);
    CHECK_EQ(ma_dup_size(d), 0);
    ma_dup_free(d);
}

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/dup/random_against_model", test_random_against_model);
    g_test_add_func("/dup/bound", test_bound);
    g_test_add_func("/dup/off", test_off);
    return ma_test_run();
}
