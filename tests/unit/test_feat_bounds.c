/* test_feat_bounds.c - the feature engine's memory bounds (core/ma_feat.c):
 * the 60 s window's PDU bound and a million PDUs on one connection
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _POSIX_C_SOURCE 200809L

#include <malloc.h>

#include "feat_helpers.h"

/* ---- bounds -------------------------------------------------------------------- */

static void test_window_bound(void)
{
    enum { NPAIRS = 1024, NPDU = 300000 };
    ma_feat_engine_t *e = engine(false, false);
    ma_pair_t *pr = g_new0(ma_pair_t, NPAIRS);
    for (uint32_t i = 0; i < NPAIRS; i++)
        pr[i] = mkpair(i, v4(10, 1, (uint8_t)(i >> 8), (uint8_t)i), v4(10, 0, 0, 2));
    uint32_t n;
    uint8_t *a = adu_new(1, 1, 3, D(0, 0, 0, 1), &n);
    unsigned bad_trunc = 0, bad_dst = 0, bad_pk = 0, bad_src = 0, bad_usrc = 0, over = 0;
    ma_feat_in_t in;
    memset(&in, 0, sizeof in);
    in.is_request = true;
    in.adu = a;
    in.adu_len = n;
    const uint32_t max = MA_FEAT_WINDOW_MAX;
    ma_feat_t f;
    for (uint32_t i = 0; i < NPDU; i++) {
        uint32_t k = i + 1; /* PDUs fed so far */
        const ma_pair_t *p = &pr[i % NPAIRS];
        in.ts = SEC(5000) + (ma_ns_t)i * 3; /* 300,000 PDUs in 0.9 ms */
        in.stream = p->id;
        in.pair = p;
        in.src = p->client;
        in.dst = p->server;
        ma_feat_pdu(e, &in, &f);
        /* truncated once the window would hold more than MAX */
        bad_trunc += f.v[MA_F_WINDOW_TRUNCATED] != (k > max ? 1 : 0);
        /* the server got min(k, MAX) of the PDUs in the window */
        bad_dst += f.v[MA_F_PKTS_DST] != (double)(k < max ? k : max);
        /* round robin over 1024 pairs, 1024 | MAX: a pair holds i/1024 + 1, at most MAX/1024 */
        uint32_t want_pk = i / NPAIRS + 1;
        if (want_pk > max / NPAIRS)
            want_pk = max / NPAIRS;
        bad_pk += f.v[MA_F_PKTS_60S] != (double)want_pk;
        bad_src += f.v[MA_F_PKTS_SRC] != (double)want_pk; /* one client per pair */
        bad_usrc += f.v[MA_F_UNIQUE_SRC] != (double)(k < NPAIRS ? k : NPAIRS);
        over += f.v[MA_F_PKTS_DST] > max || f.v[MA_F_PKTS_60S] > max;
        if (k == max) {
            CHECK_EQ(f.v[MA_F_WINDOW_TRUNCATED], 0);
            CHECK_EQ(f.v[MA_F_PKTS_DST], max);
        }
        if (k == max + 1) {
            CHECK_EQ(f.v[MA_F_WINDOW_TRUNCATED], 1);
            CHECK_EQ(f.v[MA_F_PKTS_DST], max);
        }
    }
    CHECK_EQ(bad_trunc, 0);
    CHECK_EQ(bad_dst, 0);
    CHECK_EQ(bad_pk, 0);
    CHECK_EQ(bad_src, 0);
    CHECK_EQ(bad_usrc, 0);
    CHECK_EQ(over, 0);
    /* the last PDU: intensity over a span of 1 s (the pair is < 1 ms old) = 256 / 1 */
    CHECK_NEAR(f.v[MA_F_INTENSITY], (double)(max / NPAIRS));
    /* a minute later the window has drained: a fresh PDU sees itself only */
    in.ts = SEC(5000) + SEC(61);
    in.pair = &pr[0];
    in.stream = 0;
    in.src = pr[0].client;
    in.dst = pr[0].server;
    ma_feat_pdu(e, &in, &f);
    CHECK_EQ(f.v[MA_F_WINDOW_TRUNCATED], 0);
    CHECK_EQ(f.v[MA_F_PKTS_DST], 1);
    CHECK_EQ(f.v[MA_F_PKTS_60S], 1);
    CHECK_EQ(f.v[MA_F_UNIQUE_SRC], 1);
    free(a);
    g_free(pr);
    ma_feat_free(e);
}

static size_t heap_used(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* 1,000,000 PDUs on one connection: request every 10 ms, response 2 ms later. */
static void test_long_run(void)
{
    enum { NPDU = 1000000 };
    ma_feat_engine_t *e = engine(false, false);
    ma_pair_t p = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 2));
    uint32_t nq, nr;
    uint8_t *aq = adu_new(1, 1, 3, D(0, 0, 0, 1), &nq);
    uint8_t *ar = adu_new(1, 1, 3, D(2, 0, 7), &nr);
    ma_feat_in_t in;
    memset(&in, 0, sizeof in);
    in.stream = 7;
    in.pair = &p;
    ma_feat_t f;
    size_t before = 0;
    unsigned bad = 0;
    for (uint32_t j = 0; j < NPDU; j++) {
        bool req = (j % 2) == 0;
        in.ts = SEC(100) + MS(10) * (ma_ns_t)(j / 2) + (req ? 0 : MS(2));
        in.is_request = req;
        in.src = req ? p.client : p.server;
        in.dst = req ? p.server : p.client;
        in.adu = req ? aq : ar;
        in.adu_len = req ? nq : nr;
        in.paired_response = !req;
        in.response_time = req ? 0 : MS(2);
        ma_feat_pdu(e, &in, &f);
        if (j == 20000)
            before = heap_used();
        if (j >= 20000) {
            /* steady state: 6000 requests and 6000 responses in (t - 60 s, t] */
            bad += f.v[MA_F_PKTS_60S] != 12000 && f.v[MA_F_PKTS_60S] != 11999 &&
                   f.v[MA_F_PKTS_60S] != 12001;
            bad += f.v[MA_F_BURST] != (req ? 0 : 1);  /* 8 ms / 2 ms */
            bad += f.v[MA_F_IS_VALID] != 1;
        }
    }
    size_t after = heap_used();
    CHECK_EQ(bad, 0);
    /* the last PDU, a response at 100 s + 4999.99 s + 2 ms */
    CHECK_EQ(f.v[MA_F_SESS_PACKETS], NPDU);
    CHECK_NEAR(f.v[MA_F_SESS_DURATION], 4999.992);
    /* requests at 10 ms m > t - 60 s (m >= 494000) and responses at 10 ms m + 2 ms
     * (the one at exactly t - 60 s has left): 6000 + 6000 */
    CHECK_EQ(f.v[MA_F_PKTS_60S], 12000);
    CHECK_NEAR(f.v[MA_F_INTENSITY], 12000.0 / 60.0);
    CHECK_EQ(f.v[MA_F_ROLL_COUNT], 10);
    /* IATs alternate 2 ms / 8 ms: mean 5 ms, std 3 ms, cv 0.6, periodicity 0.4 */
    CHECK_NEAR(f.v[MA_F_TD_MEAN10], 0.005);
    CHECK_NEAR(f.v[MA_F_TD_STD10], 0.003);
    CHECK_NEAR(f.v[MA_F_TD_CV10], 0.6);
    CHECK_NEAR(f.v[MA_F_PERIODICITY], 0.4);
    CHECK_NEAR(f.v[MA_F_SESS_PAIRING], 1.0);
    CHECK_EQ(f.v[MA_F_WINDOW_TRUNCATED], 0);
    CHECK_EQ(f.v[MA_F_RW_RATIO], 12000);
    /* constant response times: judged, z 0, no flag */
    CHECK(f.present & MA_FEAT_HAS_OUT(MA_OUT_RT));
    CHECK_EQ(f.v[MA_F_OUT_RT_Z], 0);
    CHECK_EQ(f.v[MA_F_OUT_RT_IQR], 0);
    /* bounded state: the heap did not grow over 980,000 PDUs (allow 4 MB slack) */
    long long growth = (long long)after - (long long)before;
    if (growth >= 4 << 20)
        printf("  heap growth %lld bytes\n", growth);
    CHECK(growth < (4 << 20));
    free(aq);
    free(ar);
    ma_feat_free(e);
}

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/feat_bounds/window_bound", test_window_bound);
    g_test_add_func("/feat_bounds/long_run", test_long_run);
    return ma_test_run();
}
