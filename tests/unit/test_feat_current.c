/* test_feat_current.c - feature records kept for the current frame only
 * (ma_analysis_features_current_only) against records kept for every frame
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Two analyses read the same frames: one keeps every frame's feature
 * records, the other switches to the current frame's only at some frame.
 * Pipelined connections put up to 40 PDUs of one flow in a frame (the
 * rolling windows of each need its ten predecessors: the flow's ring must
 * hold more than eleven then), four connections interleave, both
 * directions, with and without per-direction flows. Checked: every column
 * of every PDU, expanded while its frame is the current one, is bit for bit
 * the same; the feature summary built during the pass equals the one read
 * from the kept records (none is built when none is asked for, and none is
 * read from the few records kept); earlier frames' records are gone after
 * the switch and present before it; the records take exactly 160 bytes per
 * PDU less; nothing changes with features off.
 */
#include "ma_test.h"

#include <stdlib.h>

#include "core_helpers.h"
#include "ma_analysis.h"

#define NSTREAMS 4
#define NFRAMES  900

typedef struct {
    uint32_t rng;
    uint16_t next_tid[NSTREAMS];
    uint16_t pending[NSTREAMS][64];   /* requests sent, answered in order */
    unsigned npending[NSTREAMS];
} script_t;

static uint32_t rnd(script_t *s)
{
    s->rng = s->rng * 1664525u + 1013904223u;
    return s->rng >> 8;
}

/* One ADU (MBAP + fc 3): a read request, or the response to the oldest
 * pending request of its stream with random register values. */
static uint8_t *make_adu(script_t *s, unsigned st, bool request, uint32_t *len)
{
    uint8_t body[2 + 2 * 8];
    uint32_t dl;
    uint16_t tid;
    if (request) {
        tid = s->next_tid[st]++;
        if (s->npending[st] < G_N_ELEMENTS(s->pending[st]))
            s->pending[st][s->npending[st]++] = tid;
        body[0] = 0;
        body[1] = (uint8_t)(rnd(s) % 4);   /* start */
        body[2] = 0;
        body[3] = 2;                         /* quantity */
        dl = 4;
    } else {
        tid = s->npending[st] ? s->pending[st][0] : (uint16_t)rnd(s);
        if (s->npending[st]) {
            memmove(s->pending[st], s->pending[st] + 1, --s->npending[st] * sizeof s->pending[st][0]);
        }
        unsigned words = 1 + rnd(s) % 8;
        body[0] = (uint8_t)(2 * words);
        for (unsigned i = 0; i < 2 * words; i++)
            body[1 + i] = (uint8_t)rnd(s);
        dl = 1 + 2 * words;
    }
    *len = 8 + dl;
    uint8_t *a = malloc(*len);
    a[0] = (uint8_t)(tid >> 8);
    a[1] = (uint8_t)tid;
    a[2] = a[3] = 0;
    a[4] = (uint8_t)((dl + 2) >> 8);
    a[5] = (uint8_t)(dl + 2);
    a[6] = (uint8_t)(1 + st % 2);
    a[7] = 3;
    memcpy(a + 8, body, dl);
    return a;
}

static bool feat_same(const ma_feat_t *x, const ma_feat_t *y)
{
    return memcmp(x->v, y->v, sizeof x->v) == 0 && x->present == y->present && x->invalid == y->invalid &&
           x->fc == y->fc && x->td_full == y->td_full;
}

static bool flow_same(const ma_flow_sum_t *x, const ma_flow_sum_t *y)
{
    return x->stream == y->stream && strcmp(x->pair, y->pair) == 0 && x->pdus == y->pdus &&
           x->invalid == y->invalid && x->strong == y->strong && x->iqr == y->iqr && x->first == y->first &&
           x->last == y->last && memcmp(&x->periodicity_sum, &y->periodicity_sum, sizeof(double)) == 0 &&
           x->periodicity_n == y->periodicity_n && memcmp(&x->pairing, &y->pairing, sizeof(double)) == 0 &&
           x->dominant == y->dominant;
}

static bool pairwin_same(const ma_pairwin_sum_t *x, const ma_pairwin_sum_t *y)
{
    return strcmp(x->pair, y->pair) == 0 && x->pdus == y->pdus && x->max_packets_60s == y->max_packets_60s &&
           x->max_intensity == y->max_intensity && x->max_violation == y->max_violation &&
           x->max_units == y->max_units && x->max_src_ips == y->max_src_ips;
}

/* Runs the script with the switch before frame sw (0: never) in the second
 * analysis; returns the PDUs analysed from frame sw on. */
static uint64_t run(bool features, bool split, uint32_t sw, bool summary, uint32_t seed)
{
    ma_analysis_config_t cfg;
    ma_analysis_config_defaults(&cfg);
    cfg.features = features;
    cfg.feat.split_direction = split;
    ma_analysis_t *keep = ma_analysis_new(&cfg), *cur = ma_analysis_new(&cfg);
    script_t s = {.rng = seed};
    ma_addr_t client = v4(10, 0, 0, 1), server = v4(10, 0, 0, 2);
    ma_ns_t ts = SEC(1700000000);
    uint64_t after = 0, checked = 0, total = 0, big_frames = 0;
    const ma_frame_rec_t *prev_cur = NULL;
    ma_feat_t *x = g_new0(ma_feat_t, 1), *y = g_new0(ma_feat_t, 1);
    for (uint32_t f = 1; f <= NFRAMES; f++) {
        if (f == sw)
            ma_analysis_features_current_only(cur, summary);
        unsigned st = rnd(&s) % NSTREAMS;
        bool to_server = s.npending[st] == 0 || rnd(&s) % 2;
        /* mostly one or a few PDUs, sometimes a long pipelined burst */
        unsigned n = rnd(&s) % 10 == 0 ? 12 + rnd(&s) % 29 : 1 + rnd(&s) % 3;
        big_frames += n > MA_FEAT_ROLL;
        ts += rnd(&s) % 3 == 0 ? 0 : MS(1 + rnd(&s) % 700);
        ma_adu_in_t adus[40];
        for (unsigned i = 0; i < n; i++) {
            ma_adu_in_t *a = &adus[i];
            memset(a, 0, sizeof *a);
            a->bytes = make_adu(&s, st, to_server, &a->caplen);
            a->wirelen = a->caplen;
            a->stream = st;
            a->src = to_server ? client : server;
            a->dst = to_server ? server : client;
            a->srcport = to_server ? (uint16_t)(40000 + st) : 502;
            a->dstport = to_server ? 502 : (uint16_t)(40000 + st);
            a->src_is_server_port = !to_server;
            a->dst_is_server_port = to_server;
        }
        ma_frame_in_t in = {.frame = f, .ts = ts, .adus = adus, .nadus = n};
        const ma_frame_rec_t *fk = ma_analysis_frame(keep, &in);
        const ma_frame_rec_t *fc = ma_analysis_frame(cur, &in);
        for (unsigned i = 0; i < n; i++)
            free((void *)adus[i].bytes);
        CHECK(fk && fc && fk->n == n && fc->n == n);
        total += n;
        if (sw && f >= sw)
            after += n;
        for (unsigned i = 0; i < n; i++) {
            bool hk = ma_analysis_feat_expand(keep, fk, i, x);
            bool hc = ma_analysis_feat_expand(cur, fc, i, y);
            CHECK(hk == features && hc == features);
            if (features) {
                CHECK_MSG(feat_same(x, y), "frame %u PDU %u: the columns differ", f, i);
                checked++;
            }
        }
        /* the previous frame's records: kept before the switch only */
        if (prev_cur && features)
            CHECK((ma_analysis_feat_rec(cur, prev_cur, 0) != NULL) == (!sw || prev_cur->frame < sw));
        prev_cur = fc;
    }
    ma_analysis_end_pass(keep);
    ma_analysis_end_pass(cur);
    CHECK(big_frames > 20);
    CHECK_EQ(checked, features ? total : 0);

    /* the summary: built during the pass, equal to the one of the records */
    CHECK(ma_analysis_flows(keep) == NULL);
    ma_flows_t *fa = features ? ma_analysis_flows_of(keep) : NULL;
    ma_flows_t *fb = ma_analysis_flows(cur);
    CHECK((fb != NULL) == (features && sw != 0 && summary));
    /* once records are dropped, no summary is read from the few kept */
    ma_flows_t *partial = ma_analysis_flows_of(cur);
    CHECK((partial == NULL) == (features && sw != 0));
    ma_flows_free(partial);
    if (fa && fb) {
        GPtrArray *a = ma_flows_sorted(fa), *b = ma_flows_sorted(fb);
        CHECK_EQ(a->len, b->len);
        CHECK(a->len >= NSTREAMS);
        for (guint i = 0; i < a->len && i < b->len; i++)
            CHECK_MSG(flow_same(g_ptr_array_index(a, i), g_ptr_array_index(b, i)), "flow %u differs", i);
        a = ma_flows_pairs(fa);
        b = ma_flows_pairs(fb);
        CHECK_EQ(a->len, b->len);
        for (guint i = 0; i < a->len && i < b->len; i++)
            CHECK_MSG(pairwin_same(g_ptr_array_index(a, i), g_ptr_array_index(b, i)), "pair %u differs", i);
    }
    ma_flows_free(fa);

    /* the records: exactly one feature record less per PDU from the switch on */
    uint64_t saved = features ? after * sizeof(ma_feat_rec_t) : 0;
    CHECK_EQ(ma_analysis_record_bytes(keep) - ma_analysis_record_bytes(cur), saved);
    g_free(x);
    g_free(y);
    ma_analysis_free(keep);
    ma_analysis_free(cur);
    return after;
}

static void test_switch_first_frame(void)
{
    CHECK(run(true, false, 1, true, 7u) > 1000);
    CHECK(run(true, true, 1, true, 8u) > 1000);
}

static void test_switch_later(void)
{
    /* the records kept before the switch still feed the windows after it */
    CHECK(run(true, false, 37, true, 9u) > 1000);
    CHECK(run(true, true, 250, true, 10u) > 1000);
}

static void test_never(void)
{
    CHECK_EQ(run(true, false, 0, true, 11u), 0);
}

static void test_features_off(void)
{
    CHECK(run(false, false, 1, true, 12u) > 1000);
}

static void test_no_summary(void)
{
    /* no output reads the summary: none is built, the columns are the same */
    CHECK(run(true, false, 5, false, 13u) > 1000);
}

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/feat_current/switch_first_frame", test_switch_first_frame);
    g_test_add_func("/feat_current/switch_later", test_switch_later);
    g_test_add_func("/feat_current/never", test_never);
    g_test_add_func("/feat_current/features_off", test_features_off);
    g_test_add_func("/feat_current/no_summary", test_no_summary);
    return ma_test_run();
}
