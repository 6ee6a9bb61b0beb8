/* test_feat.c - the feature engine over PDU sequences (core/ma_feat.c): rolling
 * windows, sessions, direction split, the 60 s window and outliers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every expectation is computed by hand from docs/features.md; the arithmetic
 * is written next to it from the inputs.
 */
#define _POSIX_C_SOURCE 200809L

#include "feat_helpers.h"

/* ---- one connection, 13 PDUs ------------------------------------------------- */

typedef struct {
    bool           req;
    uint16_t       tid;
    uint8_t        fc;
    const uint8_t *d;
    uint32_t       dl;
    bool           paired;
} seq_t;

#define DATA(...) .d = (const uint8_t[]){__VA_ARGS__}, .dl = (uint32_t)sizeof((const uint8_t[]){__VA_ARGS__})

static void test_sequence(void)
{
    ma_feat_engine_t *e = engine(false, false);
    ma_pair_t p = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 2));
    /* index k = 1..13 */
    const seq_t s[14] = {
        {0},
        {.req = true, .tid = 1, .fc = 3, DATA(1, 1, 1, 1)},                        /* PL 12, PE 0 */
        {.req = false, .tid = 1, .fc = 3, DATA(3, 0, 1, 2), .paired = true},      /* PL 12, PE 2 */
        {.req = true, .tid = 3, .fc = 3, DATA(0, 0, 1, 1)},                        /* PL 12, PE 1 */
        {.req = false, .tid = 3, .fc = 3, DATA(7, 0, 1, 2, 3, 4, 5, 6), .paired = true}, /* 16, 3 */
        {.req = true, .tid = 5, .fc = 16, DATA(0, 1, 2, 4, 3, 5, 6, 7)},           /* PL 16, PE 3 */
        {.req = false, .tid = 5, .fc = 16, DATA(0, 1, 2, 4), .paired = true},      /* PL 12, PE 2 */
        {.req = true, .tid = 7, .fc = 6, DATA(0, 0, 1, 1)},                        /* PL 12, PE 1 */
        {.req = false, .tid = 7, .fc = 6, DATA(0, 0, 1, 1), .paired = false},     /* PL 12, PE 1 */
        {.req = true, .tid = 0x0A0B, .fc = 3, DATA(1, 1, 1, 1)},                   /* PL 12, PE 0 */
        {.req = false, .tid = 0x0A0B, .fc = 0x83, DATA(2), .paired = true},        /* PL 9, PE 0 */
        {.req = true, .tid = 11, .fc = 3, DATA(0, 0, 1, 1)},                       /* PL 12, PE 1 */
        {.req = false, .tid = 11, .fc = 3, DATA(1, 0), .paired = true},            /* PL 10, PE 1 */
        {.req = true, .tid = 13, .fc = 3, DATA(0, 1, 2, 3)},                       /* PL 12, PE 2 */
    };
    /* inter-arrival times d_k = t_k - t_{k-1} */
    const ma_ns_t iat[14] = {0, 0, MS(10), MS(20), MS(10), MS(20), MS(10), MS(20), MS(10),
                             MS(20), MS(10), MS(20), MS(5), 4999999};
    const double pl[14] = {0, 12, 12, 12, 16, 16, 12, 12, 12, 12, 9, 12, 10, 12};
    const double pe[14] = {0, 0, 2, 1, 3, 3, 2, 1, 1, 0, 0, 1, 1, 2};
    /* fc 3,3,3,3,16,16,6,6,3,0x83,3,3,3 */
    const int chg[14] = {0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0};
    /* requests so far: k = 1,3,5,...; paired responses: 2,4,6,10,12 (8 is not) */
    const double pair_num[14] = {0, 0, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5};
    const double pair_den[14] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7};
    ma_ns_t t[14];
    ma_feat_t f[14];
    t[1] = SEC(1000);
    for (int k = 2; k <= 13; k++)
        t[k] = t[k - 1] + iat[k];
    for (int k = 1; k <= 13; k++)
        f[k] = feat(e, &p, 1, t[k], s[k].req, s[k].tid, 1, s[k].fc, s[k].d, s[k].dl, s[k].paired,
                    iat[k]);

    for (int k = 1; k <= 13; k++) {
        const double *v = f[k].v;
        CHECK_EQ(v[MA_F_PACKET_LENGTH], pl[k]);
        CHECK_EQ(v[MA_F_DATA_LENGTH], pl[k] - 8);
        CHECK_EQ(v[MA_F_MODBUS_LENGTH], pl[k] - 6);
        CHECK_NEAR(v[MA_F_PE], pe[k]);
        CHECK_NEAR(v[MA_F_TD], (double)iat[k] / 1e9);
        CHECK_NEAR(v[MA_F_TD_MS], (double)iat[k] / 1e6);
        CHECK_EQ(v[MA_F_FC_CHANGES], chg[k]);
        CHECK_EQ(v[MA_F_IS_VALID], 1);
        CHECK_EQ(v[MA_F_ROLL_COUNT], k < 10 ? k : 10);
        CHECK_EQ(v[MA_F_SESS_PACKETS], k);
        CHECK_NEAR(v[MA_F_SESS_DURATION], (double)(t[k] - t[1]) / 1e9);
        CHECK_EQ(v[MA_F_SESS_DOMINANT_FC], 3);
        CHECK_NEAR(v[MA_F_SESS_PAIRING], pair_num[k] / pair_den[k]);
        /* burst: IAT < 5 ms; PDU 1 has none, PDU 12 is exactly 5 ms, PDU 13 4.999999 ms */
        CHECK_EQ(v[MA_F_BURST], k == 13);
        /* response_time only on paired responses */
        bool rt = s[k].paired;
        CHECK_EQ(!!(f[k].present & MA_FEAT_HAS_RT), rt);
        CHECK_NEAR(v[MA_F_RESPONSE_TIME], rt ? (double)iat[k] / 1e9 : 0.0);
        CHECK_EQ(v[MA_F_WINDOW_TRUNCATED], 0);
        if (k < 10) {
            /* zero fill until the window holds 10 */
            static const int zero[] = {
                MA_F_PL_MEAN10, MA_F_PL_STD10, MA_F_PL_MAX10, MA_F_PL_MIN10, MA_F_PL_CV10,
                MA_F_PE_MEAN10, MA_F_PE_STD10, MA_F_PE_MAX10, MA_F_PE_MIN10, MA_F_FC_STAB10,
                MA_F_ENTROPY_STABILITY};
            for (unsigned i = 0; i < sizeof zero / sizeof zero[0]; i++)
                CHECK_EQ(v[zero[i]], 0);
        }
        if (k < 11) {
            CHECK_EQ(v[MA_F_TD_MEAN10], 0);
            CHECK_EQ(v[MA_F_TD_STD10], 0);
            CHECK_EQ(v[MA_F_TD_CV10], 0);
            CHECK_EQ(v[MA_F_TD_MIN10], 0);
            CHECK_EQ(v[MA_F_TD_MAX10], 0);
            CHECK_EQ(v[MA_F_PERIODICITY], 0);
            CHECK_EQ(f[k].td_full, 0);
        } else {
            CHECK_EQ(f[k].td_full, 1);
        }
    }
    /* basic fields */
    CHECK_EQ(f[1].v[MA_F_IS_READ], 1);
    CHECK_EQ(f[1].v[MA_F_IS_WRITE], 0);
    CHECK_EQ(f[5].v[MA_F_IS_WRITE], 1);
    CHECK_EQ(f[5].v[MA_F_IS_READ], 0);
    CHECK_EQ(f[7].v[MA_F_IS_WRITE], 1);
    CHECK_EQ(f[3].v[MA_F_TRANSACTION_ID], 3);
    const double *v10 = f[10].v;
    CHECK_EQ(v10[MA_F_TRANSACTION_ID], 0x0A0B);
    CHECK_EQ(v10[MA_F_PROTOCOL_ID], 0);
    CHECK_EQ(v10[MA_F_UNIT_ID], 1);
    CHECK_EQ(v10[MA_F_FUNCTION_CODE], 131);
    CHECK_EQ(f[10].fc, 0x83);
    CHECK_EQ(v10[MA_F_IS_ERROR], 1);
    CHECK_EQ(v10[MA_F_IS_READ], 0);
    CHECK_EQ(v10[MA_F_IS_WRITE], 0);
    CHECK_EQ(f[9].v[MA_F_IS_ERROR], 0);
    /* header 0A 0B 00 00 00 03 01: 00 x3 + 4 singletons = 3/7 log2(7/3) + 4/7 log2 7;
     * full: + 83 02: 00 x3 + 6 singletons over 9 = 1/3 log2 3 + 6/9 log2 9 = 5/3 log2 3 */
    CHECK_NEAR(v10[MA_F_HE], 3.0 / 7.0 * log2(7.0 / 3.0) + 4.0 / 7.0 * log2(7.0));
    CHECK_NEAR(v10[MA_F_FE], 5.0 / 3.0 * log2(3.0));

    /* PDU 10: first full 10-window (PDUs 1..10)
     * PL 12,12,12,16,16,12,12,12,12,9: sum 125, mean 12.5;
     *   SS = 7 x 0.25 + 2 x 12.25 + 12.25 = 38.5, var 3.85 */
    CHECK_NEAR(v10[MA_F_PL_MEAN10], 12.5);
    CHECK_NEAR(v10[MA_F_PL_STD10], sqrt(3.85));
    CHECK_NEAR(v10[MA_F_PL_MAX10], 16);
    CHECK_NEAR(v10[MA_F_PL_MIN10], 9);
    CHECK_NEAR(v10[MA_F_PL_CV10], sqrt(3.85) / 12.5);
    /* PE 0,2,1,3,3,2,1,1,0,0: sum 13, mean 1.3;
     *   SS = 3 x 1.69 + 2 x 0.49 + 3 x 0.09 + 2 x 2.89 = 12.1, var 1.21, std 1.1 */
    CHECK_NEAR(v10[MA_F_PE_MEAN10], 1.3);
    CHECK_NEAR(v10[MA_F_PE_STD10], 1.1);
    CHECK_NEAR(v10[MA_F_PE_MAX10], 3);
    CHECK_NEAR(v10[MA_F_PE_MIN10], 0);
    CHECK_NEAR(v10[MA_F_ENTROPY_STABILITY], 1.0 / 2.1);
    /* changes 0,0,0,0,1,0,1,0,1,1: 6 of 10 unchanged */
    CHECK_NEAR(v10[MA_F_FC_STAB10], 0.6);

    /* PDU 11: window PDUs 2..11, first IAT window d2..d11 = 10,20,... ms
     * PL: 12 replaces 12: unchanged */
    const double *v11 = f[11].v;
    CHECK_NEAR(v11[MA_F_PL_MEAN10], 12.5);
    CHECK_NEAR(v11[MA_F_PL_STD10], sqrt(3.85));
    /* PE 2,1,3,3,2,1,1,0,0,1: sum 14, mean 1.4;
     *   SS = 2 x 0.36 + 4 x 0.16 + 2 x 2.56 + 2 x 1.96 = 10.4, var 1.04 */
    CHECK_NEAR(v11[MA_F_PE_MEAN10], 1.4);
    CHECK_NEAR(v11[MA_F_PE_STD10], sqrt(1.04));
    CHECK_NEAR(v11[MA_F_ENTROPY_STABILITY], 1.0 / (1.0 + sqrt(1.04)));
    /* changes of PDUs 2..11: 0,0,0,1,0,1,0,1,1,1 -> 5 of 10 */
    CHECK_NEAR(v11[MA_F_FC_STAB10], 0.5);
    /* IAT 5 x 10 ms, 5 x 20 ms: mean 15 ms, std 5 ms (every deviation 5 ms), cv 1/3 */
    CHECK_NEAR(v11[MA_F_TD_MEAN10], 0.015);
    CHECK_NEAR(v11[MA_F_TD_STD10], 0.005);
    CHECK_NEAR(v11[MA_F_TD_CV10], 1.0 / 3.0);
    CHECK_NEAR(v11[MA_F_TD_MIN10], 0.010);
    CHECK_NEAR(v11[MA_F_TD_MAX10], 0.020);
    CHECK_NEAR(v11[MA_F_PERIODICITY], 2.0 / 3.0);

    /* PDU 12: window PDUs 3..12
     * PL 12,16,16,12,12,12,12,9,12,10: sum 123, mean 12.3;
     *   SS = 6 x 0.09 + 2 x 13.69 + 10.89 + 5.29 = 44.1, var 4.41, std 2.1 */
    const double *v12 = f[12].v;
    CHECK_NEAR(v12[MA_F_PL_MEAN10], 12.3);
    CHECK_NEAR(v12[MA_F_PL_STD10], 2.1);
    CHECK_NEAR(v12[MA_F_PL_CV10], 2.1 / 12.3);
    CHECK_NEAR(v12[MA_F_PL_MIN10], 9);
    CHECK_NEAR(v12[MA_F_PL_MAX10], 16);
    /* PE 1,3,3,2,1,1,0,0,1,1: sum 13, mean 1.3;
     *   SS = 5 x 0.09 + 2 x 2.89 + 0.49 + 2 x 1.69 = 10.1, var 1.01 */
    CHECK_NEAR(v12[MA_F_PE_STD10], sqrt(1.01));
    CHECK_NEAR(v12[MA_F_ENTROPY_STABILITY], 1.0 / (1.0 + sqrt(1.01)));
    /* IAT d3..d12 = 20,10,20,10,20,10,20,10,20,5 ms: sum 145, mean 14.5 ms;
     *   SS = 5 x 5.5^2 + 4 x 4.5^2 + 9.5^2 = 151.25 + 81 + 90.25 = 322.5 ms^2, var 32.25 */
    CHECK_NEAR(v12[MA_F_TD_MEAN10], 0.0145);
    CHECK_NEAR(v12[MA_F_TD_STD10], sqrt(32.25) / 1000.0);
    CHECK_NEAR(v12[MA_F_TD_CV10], sqrt(32.25) / 14.5);
    CHECK_NEAR(v12[MA_F_TD_MIN10], 0.005);
    CHECK_NEAR(v12[MA_F_TD_MAX10], 0.020);
    CHECK_NEAR(v12[MA_F_PERIODICITY], 1.0 - sqrt(32.25) / 14.5);
    CHECK_NEAR(v12[MA_F_TD_MS], 5.0);
    CHECK_NEAR(v12[MA_F_FC_STAB10], 0.5); /* PDUs 3..12: 0,0,1,0,1,0,1,1,1,0 */
    /* PDU 13: IAT 4.999999 ms, the window's new minimum */
    CHECK_NEAR(f[13].v[MA_F_TD], 0.004999999);
    CHECK_NEAR(f[13].v[MA_F_TD_MS], 4.999999);
    CHECK_NEAR(f[13].v[MA_F_TD_MIN10], 0.004999999);
    CHECK_NEAR(f[13].v[MA_F_FC_STAB10], 0.5); /* PDUs 4..13: 0,1,0,1,0,1,1,1,0,0 */

    /* outliers of the flow: packet_length and payload_entropy judged from PDU 11
     * (history of 10), time_delta from PDU 12 (IATs of PDUs 2..11) */
    CHECK(!(f[10].present & MA_FEAT_HAS_OUT(MA_OUT_PL)));
    CHECK(!(f[10].present & MA_FEAT_HAS_OUT(MA_OUT_PE)));
    CHECK(f[11].present & MA_FEAT_HAS_OUT(MA_OUT_PL));
    CHECK(f[11].present & MA_FEAT_HAS_OUT(MA_OUT_PE));
    CHECK(!(f[11].present & MA_FEAT_HAS_OUT(MA_OUT_TD)));
    CHECK(f[12].present & MA_FEAT_HAS_OUT(MA_OUT_TD));
    /* only 5 paired responses on the pair: response time never judged */
    for (int k = 1; k <= 13; k++)
        CHECK(!(f[k].present & MA_FEAT_HAS_OUT(MA_OUT_RT)));
    /* PDU 11 packet_length 12 vs PDUs 1..10: mean 12.5, std sqrt(3.85): z = -0.5/sqrt(3.85);
     * sorted 9,12 x7,16,16: q1 (pos 2.25) = 12, q3 (pos 6.75) = 12, IQR 0, 12 inside */
    CHECK_NEAR(f[11].v[MA_F_OUT_PL_Z], -0.5 / sqrt(3.85));
    CHECK_EQ(f[11].v[MA_F_OUT_PL_SIGMA], 0);
    CHECK_EQ(f[11].v[MA_F_OUT_PL_IQR], 0);
    /* PDU 12 time_delta 5 ms vs 10/20 ms: z = (5 - 15) / 5 = -2;
     * q1 = 10 ms, q3 = 20 ms, fence 10 - 15 = -5 ms: not an IQR outlier */
    CHECK_NEAR(f[12].v[MA_F_OUT_TD_Z], -2.0);
    CHECK_EQ(f[12].v[MA_F_OUT_TD_IQR], 0);
    ma_feat_free(e);
}

/* Session features: dominant code ties, pairing ratio with no request. */
static void test_session(void)
{
    ma_feat_engine_t *e = engine(false, false);
    ma_pair_t p = mkpair(3, v4(10, 0, 0, 1), v4(10, 0, 0, 2));
    /* a response first (unpaired): no request yet -> 0 */
    ma_feat_t f = feat(e, &p, 9, SEC(5), false, 1, 1, 6, D(0, 1, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_SESS_DOMINANT_FC], 6);
    CHECK_EQ(f.v[MA_F_SESS_PAIRING], 0);
    CHECK_EQ(f.v[MA_F_SESS_DURATION], 0);
    CHECK_EQ(f.v[MA_F_FC_CHANGES], 0);
    /* 6:1, 5:1 -> tie -> 5 */
    f = feat(e, &p, 9, SEC(6), true, 2, 1, 5, D(0, 1, 0xff, 0), false, 0);
    CHECK_EQ(f.v[MA_F_SESS_DOMINANT_FC], 5);
    CHECK_EQ(f.v[MA_F_SESS_PAIRING], 0);  /* 0 paired / 1 request */
    CHECK_EQ(f.v[MA_F_FC_CHANGES], 1);
    CHECK_NEAR(f.v[MA_F_SESS_DURATION], 1.0);
    /* 6:2, 5:1 -> 6 */
    f = feat(e, &p, 9, SEC(7), false, 2, 1, 6, D(0, 1, 0, 1), true, MS(3));
    CHECK_EQ(f.v[MA_F_SESS_DOMINANT_FC], 6);
    CHECK_NEAR(f.v[MA_F_SESS_PAIRING], 1.0); /* 1 / 1 */
    /* 6:2, 5:2 -> tie -> 5 */
    f = feat(e, &p, 9, SEC(8), true, 3, 1, 5, D(0, 1, 0xff, 0), false, 0);
    CHECK_EQ(f.v[MA_F_SESS_DOMINANT_FC], 5);
    CHECK_NEAR(f.v[MA_F_SESS_PAIRING], 0.5); /* 1 / 2 */
    /* 3:1 -> 5 stays */
    f = feat(e, &p, 9, SEC(9), true, 4, 1, 3, D(0, 1, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_SESS_DOMINANT_FC], 5);
    CHECK_NEAR(f.v[MA_F_SESS_PAIRING], 1.0 / 3.0);
    CHECK_EQ(f.v[MA_F_SESS_PACKETS], 5);
    CHECK_NEAR(f.v[MA_F_SESS_DURATION], 4.0);
    /* another connection on the same pair: its own session */
    f = feat(e, &p, 10, SEC(10), true, 5, 1, 16, D(0, 0, 0, 1, 2, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_SESS_DOMINANT_FC], 16);
    CHECK_EQ(f.v[MA_F_SESS_PACKETS], 1);
    CHECK_EQ(f.v[MA_F_SESS_DURATION], 0);
    CHECK_EQ(f.v[MA_F_FC_CHANGES], 0);
    CHECK_EQ(f.v[MA_F_TD], 0);
    CHECK_EQ(f.v[MA_F_BURST], 0);
    /* ...but the 60 s window is the pair's: 6 PDUs */
    CHECK_EQ(f.v[MA_F_PKTS_60S], 6);
    ma_feat_free(e);

    /* strict unit id through the engine */
    e = engine(false, true);
    f = feat(e, &p, 1, SEC(1), true, 1, 0, 3, D(0, 0, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_UNIT_VALID], 0);
    CHECK_EQ(f.v[MA_F_IS_VALID], 0);
    CHECK_EQ(f.invalid, UNIT);
    f = feat(e, &p, 1, SEC(2), true, 1, 255, 3, D(0, 0, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_UNIT_VALID], 0);
    f = feat(e, &p, 1, SEC(3), true, 1, 247, 3, D(0, 0, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_UNIT_VALID], 1);
    CHECK_EQ(f.v[MA_F_IS_VALID], 1);
    ma_feat_free(e);
    e = engine(false, false);
    f = feat(e, &p, 1, SEC(1), true, 1, 0, 3, D(0, 0, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_UNIT_VALID], 1);
    CHECK_EQ(f.invalid, 0);
    f = feat(e, &p, 1, SEC(2), true, 1, 248, 0x83, D(0, 0, 0, 1, 1), false, 0);
    /* exception bit in a request: fc invalid, size checked against the MBAP length only */
    CHECK_EQ(f.invalid, UNIT | FC);
    CHECK_EQ(f.v[MA_F_PID_VALID], 1);
    CHECK_EQ(f.v[MA_F_UNIT_VALID], 0);
    CHECK_EQ(f.v[MA_F_FC_VALID], 0);
    CHECK_EQ(f.v[MA_F_LEN_CONSISTENT], 1);
    CHECK_EQ(f.v[MA_F_IS_VALID], 0);
    ma_feat_free(e);
}

/* split_direction: requests and responses have separate rolling windows. */
static void test_split_direction(void)
{
    for (int split = 0; split <= 1; split++) {
        ma_feat_engine_t *e = engine(split != 0, false);
        ma_pair_t p = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 2));
        ma_feat_t f[21];
        /* request i at 100 ms i (PL 12, fc 3), its response 3 ms later (PL 16, fc 3) */
        for (int i = 0; i < 10; i++) {
            ma_ns_t tq = SEC(1) + MS(100) * i;
            f[2 * i + 1] = feat(e, &p, 4, tq, true, (uint16_t)i, 1, 3, D(0, 0, 0, 4), false, 0);
            f[2 * i + 2] = feat(e, &p, 4, tq + MS(3), false, (uint16_t)i, 1, 3,
                                D(7, 0, 1, 2, 3, 4, 5, 6), true, MS(3));
        }
        if (split) {
            /* PDU 1 (request) and 2 (response) both open a flow: no IAT */
            CHECK_EQ(f[2].v[MA_F_TD], 0);
            CHECK_EQ(f[2].v[MA_F_ROLL_COUNT], 1);
            CHECK_EQ(f[10].v[MA_F_ROLL_COUNT], 5);
            CHECK_EQ(f[10].v[MA_F_PL_MEAN10], 0);
            /* every later IAT is 100 ms in each direction: no burst */
            for (int k = 3; k <= 20; k++) {
                CHECK_NEAR(f[k].v[MA_F_TD], 0.1);
                CHECK_EQ(f[k].v[MA_F_BURST], 0);
            }
            /* request 10 (PDU 19): 10 requests of 12 bytes */
            CHECK_EQ(f[19].v[MA_F_ROLL_COUNT], 10);
            CHECK_NEAR(f[19].v[MA_F_PL_MEAN10], 12);
            CHECK_NEAR(f[19].v[MA_F_PL_STD10], 0);
            /* request data 0,0,0,4: p 3/4, 1/4: 3/4 log2(4/3) + 1/4 log2 4 = 2 - 3/4 log2 3 */
            CHECK_NEAR(f[19].v[MA_F_PE_MEAN10], 2.0 - 0.75 * log2(3.0));
            CHECK_NEAR(f[19].v[MA_F_PE_STD10], 0);
            CHECK_NEAR(f[20].v[MA_F_PL_MEAN10], 16);
            CHECK_NEAR(f[20].v[MA_F_PE_MEAN10], 3); /* 8 distinct bytes */
            CHECK_NEAR(f[20].v[MA_F_ENTROPY_STABILITY], 1.0);
            CHECK_EQ(f[19].v[MA_F_FC_STAB10], 1);
            CHECK_EQ(f[19].td_full, 0);             /* 9 IATs */
            /* session features stay per connection */
            CHECK_EQ(f[20].v[MA_F_SESS_PACKETS], 20);
            CHECK_NEAR(f[20].v[MA_F_SESS_PAIRING], 1.0);
        } else {
            CHECK_NEAR(f[2].v[MA_F_TD], 0.003);
            CHECK_EQ(f[2].v[MA_F_BURST], 1);      /* 3 ms */
            CHECK_NEAR(f[3].v[MA_F_TD], 0.097);
            CHECK_EQ(f[3].v[MA_F_BURST], 0);
            CHECK_EQ(f[10].v[MA_F_ROLL_COUNT], 10);
            CHECK_NEAR(f[10].v[MA_F_PL_MEAN10], 14);  /* 5 x 12 + 5 x 16 */
            CHECK_NEAR(f[10].v[MA_F_PL_STD10], 2);
            CHECK_EQ(f[11].td_full, 1);
            /* IATs 3 and 97 ms alternating: mean 50 ms, std 47 ms */
            CHECK_NEAR(f[11].v[MA_F_TD_MEAN10], 0.05);
            CHECK_NEAR(f[11].v[MA_F_TD_STD10], 0.047);
        }
        /* the 11th request: packet_length 12 against the flow's history */
        ma_feat_t g = feat(e, &p, 4, SEC(2), true, 10, 1, 3, D(0, 0, 0, 4), false, 0);
        CHECK(g.present & MA_FEAT_HAS_OUT(MA_OUT_PL));
        if (split) {
            /* 10 requests of 12: std 0 -> z 0 */
            CHECK_EQ(g.v[MA_F_OUT_PL_Z], 0);
            CHECK_EQ(g.v[MA_F_OUT_PL_IQR], 0);
            CHECK_EQ(g.v[MA_F_ROLL_COUNT], 10);
            CHECK_NEAR(g.v[MA_F_TD], 0.1);
            CHECK_EQ(g.td_full, 1);                 /* 10 request IATs */
            CHECK_NEAR(g.v[MA_F_TD_MEAN10], 0.1);
        } else {
            /* last 100 of 20 values: 10 x 12, 10 x 16: mean 14, std 2 -> z = -1 */
            CHECK_NEAR(g.v[MA_F_OUT_PL_Z], -1.0);
            CHECK_NEAR(g.v[MA_F_TD], 0.097);
        }
        CHECK_EQ(g.v[MA_F_SESS_PACKETS], 21);
        ma_feat_free(e);
    }
}

/* ---- the 60 s window -------------------------------------------------------- */

typedef struct {
    ma_ns_t        t;
    int            pair;   /* 0, 1, 2; -1: none (C2 -> S1) */
    bool           req;
    uint8_t        unit, fc;
    const uint8_t *d;
    uint32_t       dl;
    /* expected */
    int            usrc, udst, psrc, pdst, units, punit, pk, fcd;
    double         share, viol, intensity, rw;
} win_t;

static void test_window60(void)
{
    ma_feat_engine_t *e = engine(false, false);
    ma_addr_t c1 = v4(10, 0, 0, 1), c2 = v4(10, 0, 0, 3);
    ma_addr_t s1 = v4(10, 0, 0, 2), s2 = v4(10, 0, 0, 4);
    ma_pair_t pr[3] = {mkpair(0, c1, s1), mkpair(1, c1, s2), mkpair(2, c2, s1)};
    const ma_ns_t T = SEC(1000);
    /* e1 C1->S1 (P0) t 0; e2 S1->C1 (P0) t 1 ns; e3 C1->S2 (P1) 10 s; e4 C2->S1 (P2) 20 s,
     * invalid; e5 C1->S1 30 s unit 2; e6 C1->S1 40 s fc 4 invalid; e7 C1->S1 60 s fc 6;
     * e8 C1->S1 60 s + 1 ns; e9 C2->S1 80.5 s; e10 S2->C1 (P1) 81 s; e11 C1->S1 82 s unit 2;
     * e12 C2->S1 on no pair 83 s; e13 C2->S1 (P2) 84 s */
    const win_t w[] = {
        /* e1: window {e1}; P0: 1 PDU, span max(1 s, 0) = 1 s; 1 read */
        {0, 0, true, 1, 3, D(0, 0, 0, 1), 1, 1, 1, 1, 1, 1, 1, 1, 1.0, 0.0, 1.0 / 1.0, 1.0},
        /* e2: {e1,e2}; S1 sends to C1; P0: 2 PDUs, unit 1 x2, span 1 ns -> 1 s; 2 reads */
        {1, 0, false, 1, 3, D(2, 0, 0), 1, 1, 1, 1, 1, 2, 2, 1, 1.0, 0.0, 2.0 / 1.0, 2.0},
        /* e3: C1 -> {S1, S2}: 2 dsts; C1 sent e1, e3; S2 got 1; P1: one write -> 0 / 1 */
        {SEC(10), 1, true, 1, 6, D(0, 1, 0, 5), 1, 2, 2, 1, 1, 1, 1, 1, 1.0, 0.0, 1.0, 0.0},
        /* e4: S1 from {C1, C2}; C2 -> {S1}; C2 sent 1; S1 got e1, e4; P2 invalid 1/1 */
        {SEC(20), 2, true, 5, 16, D(0, 0, 0, 1, 2, 0), 2, 1, 1, 2, 1, 1, 1, 1, 1.0, 1.0, 1.0, 0.0},
        /* e5: C1 sent e1,e3,e5; S1 got e1,e4,e5; P0 e1,e2,e5: units {1,2}, unit 2 x1;
         *     fc {3}; span 30 s -> 3/30; 3 reads */
        {SEC(30), 0, true, 2, 3, D(0, 0, 0, 1), 2, 2, 3, 3, 2, 1, 3, 1, 1.0, 0.0, 3.0 / 30.0, 3.0},
        /* e6: C1 sent 4, S1 got 4; P0 e1,e2,e5,e6: unit 1 x3; fc {3,4}, fc 4 1/4;
         *     invalid 1/4; 4/40; 4 reads */
        {SEC(40), 0, true, 1, 4, D(0, 0, 0, 1, 9), 2, 2, 4, 4, 2, 3, 4, 2, 0.25, 0.25, 4.0 / 40.0, 4.0},
        /* e7 at 60 s exactly: e1 (t 0 <= 60 - 60) has left; e2 (1 ns) stays.
         *     C1 sent e3,e5,e6,e7; S1 got e4,e5,e6,e7; P0 e2,e5,e6,e7: units {1,2}, unit 1 x3;
         *     fc {3,4,6}, fc 6 1/4; invalid 1/4; span 60 s: 4/60; reads 3 / writes 1 */
        {SEC(60), 0, true, 1, 6, D(0, 1, 0, 5), 2, 2, 4, 4, 2, 3, 4, 3, 0.25, 0.25, 4.0 / 60.0, 3.0},
        /* e8 at 60 s + 1 ns: e2 (1 ns <= 1 ns) leaves. C1 sent e3,e5..e8; S1 got e4..e8;
         *     P0 e5..e8: unit 1 x3 (e6,e7,e8); fc {3,4,6}, fc 3 2/4; invalid 1/4;
         *     span min(60 s, 60 s + 1 ns) = 60 s: 4/60; reads 3 / writes 1 */
        {SEC(60) + 1, 0, true, 1, 3, D(0, 0, 0, 1), 2, 2, 5, 5, 2, 3, 4, 3, 0.5, 0.25, 4.0 / 60.0, 3.0},
        /* e9 at 80.5 s: e3 (10 s), e4 (20 s) leave (<= 20.5 s). S1 from {C1, C2};
         *     C2 sent e9 only; S1 got e5..e9; P2 e9 only (valid): span min(60, 60.5) = 60 s */
        {SEC(80) + MS(500), 2, true, 5, 16, D(0, 0, 0, 1, 2, 0, 7), 2, 1, 1, 5, 1, 1, 1, 1, 1.0, 0.0, 1.0 / 60.0, 0.0},
        /* e10 at 81 s: S2 -> C1 (P1): C1 from {S2} only (e2 left); S2 sent 1; C1 got 1;
         *     P1 e10 only (e3 left): span 71 s -> 60 s; one write */
        {SEC(81), 1, false, 1, 6, D(0, 1, 0, 5), 1, 1, 1, 1, 1, 1, 1, 1, 1.0, 0.0, 1.0 / 60.0, 0.0},
        /* e11 at 82 s: C1 -> {S1} only (e3 left); C1 sent e5..e8, e11; S1 got e5..e9, e11;
         *     P0 e5..e8, e11: units {1,2}, unit 2 x2 (e5, e11); fc 3 x3 of 5; invalid 1/5;
         *     5/60; reads e5,e6,e8,e11 / writes e7 */
        {SEC(82), 0, true, 2, 3, D(0, 0, 0, 1), 2, 1, 5, 6, 2, 2, 5, 3, 0.6, 0.2, 5.0 / 60.0, 4.0},
        /* e12 at 83 s on no pair: IP counts only. S1 from {C1, C2}; C2 sent e9, e12;
         *     S1 got e5..e9, e11, e12 = 7; pair features 0 */
        {SEC(83), -1, true, 5, 16, D(0, 0, 0, 1, 2, 0, 7), 2, 1, 2, 7, 0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0},
        /* e13 at 84 s (P2): P2 e9, e13 (e12 is on no pair): fc 16 x2, 2/60; C2 sent 3; S1 got 8 */
        {SEC(84), 2, true, 5, 16, D(0, 0, 0, 1, 2, 0, 7), 2, 1, 3, 8, 1, 2, 2, 1, 1.0, 0.0, 2.0 / 60.0, 0.0},
    };
    for (unsigned i = 0; i < sizeof w / sizeof w[0]; i++) {
        const win_t *x = &w[i];
        ma_feat_t f;
        if (x->pair >= 0) {
            f = feat(e, &pr[x->pair], (uint32_t)(20 + x->pair), T + x->t, x->req, (uint16_t)i,
                     x->unit, x->fc, x->d, x->dl, false, 0);
        } else {
            ma_pair_t nop = mkpair(99, c2, s1);
            uint32_t n;
            uint8_t *a = adu_new((uint16_t)i, x->unit, x->fc, x->d, x->dl, &n);
            ma_feat_in_t in;
            memset(&in, 0, sizeof in);
            in.ts = T + x->t;
            in.stream = 30;
            in.pair = NULL;
            in.src = nop.client;
            in.dst = nop.server;
            in.is_request = true;
            in.adu = a;
            in.adu_len = n;
            ma_feat_pdu(e, &in, &f);
            free(a);
        }
        const double *v = f.v;
        unsigned ev = i + 1;
#define WCHK(got, want)                                                                       \
    do {                                                                                      \
        double g_ = (got), w_ = (want);                                                       \
        CHECK_MSG(fabs(g_ - w_) <= 1e-12 * (fabs(w_) > 1 ? fabs(w_) : 1),                     \
                  "e%u %s = %.17g, expected %.17g", ev, #got, g_, w_);                        \
    } while (0)
        WCHK(v[MA_F_UNIQUE_SRC], x->usrc);
        WCHK(v[MA_F_UNIQUE_DST], x->udst);
        WCHK(v[MA_F_PKTS_SRC], x->psrc);
        WCHK(v[MA_F_PKTS_DST], x->pdst);
        WCHK(v[MA_F_UNIQUE_UNITS], x->units);
        WCHK(v[MA_F_PKTS_UNIT], x->punit);
        WCHK(v[MA_F_PKTS_60S], x->pk);
        WCHK(v[MA_F_FC_DISTINCT_60S], x->fcd);
        WCHK(v[MA_F_FC_SHARE_60S], x->share);
        WCHK(v[MA_F_VIOLATION_60S], x->viol);
        WCHK(v[MA_F_INTENSITY], x->intensity);
        WCHK(v[MA_F_RW_RATIO], x->rw);
        WCHK(v[MA_F_WINDOW_TRUNCATED], 0);
        WCHK(v[MA_F_IS_VALID], (i == 3 || i == 5) ? 0 : 1);
#undef WCHK
    }
    ma_feat_free(e);

    /* a clock stepping backwards never brings PDUs back */
    e = engine(false, false);
    ma_feat_t f = feat(e, &pr[0], 1, SEC(100), true, 1, 1, 3, D(0, 0, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_PKTS_60S], 1);
    f = feat(e, &pr[0], 1, SEC(170), true, 2, 1, 3, D(0, 0, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_PKTS_60S], 1); /* 100 s <= 110 s: left */
    f = feat(e, &pr[0], 1, SEC(130), true, 3, 1, 3, D(0, 0, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_PKTS_60S], 2); /* 170 s and 130 s; 100 s stays out */
    CHECK_EQ(f.v[MA_F_PKTS_SRC], 2);
    ma_feat_free(e);
}

/* ---- outliers ----------------------------------------------------------------- */

/* Feed a packet_length history on a fresh stream, then judge x. */
static ma_feat_t judge_pl(ma_feat_engine_t *e, uint32_t stream, const uint32_t *hist, unsigned n,
                          uint32_t x)
{
    ma_pair_t p = mkpair(stream, v4(10, 1, 0, (uint8_t)stream), v4(10, 0, 0, 2));
    for (unsigned i = 0; i < n; i++)
        (void)feat_len(e, &p, stream, SEC(1) + MS(100) * i, hist[i]);
    return feat_len(e, &p, stream, SEC(1) + MS(100) * n, x);
}

static void test_outliers(void)
{
    ma_feat_engine_t *e = engine(false, false);
    uint32_t h[200];
    ma_feat_t f;

    /* 9 values: not judged; 10: judged */
    for (int i = 0; i < 10; i++)
        h[i] = 12;
    f = judge_pl(e, 1, h, 9, 30);
    CHECK(!(f.present & MA_FEAT_HAS_OUT(MA_OUT_PL)));
    CHECK_EQ(f.v[MA_F_OUT_PL_Z], 0);
    CHECK_EQ(f.v[MA_F_OUT_PL_SIGMA], 0);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 0);
    /* time_delta: the 10th PDU has 8 earlier IATs */
    CHECK(!(f.present & MA_FEAT_HAS_OUT(MA_OUT_TD)));

    /* constant history of 10 x 12: std 0 -> z 0, no sigma; q1 = q3 = 12 -> IQR 0 */
    f = judge_pl(e, 2, h, 10, 20);
    CHECK(f.present & MA_FEAT_HAS_OUT(MA_OUT_PL));
    CHECK_EQ(f.v[MA_F_OUT_PL_Z], 0);
    CHECK_EQ(f.v[MA_F_OUT_PL_SIGMA], 0);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 1);      /* 20 > 12 + 1.5 x 0 */
    f = judge_pl(e, 3, h, 10, 12);
    CHECK(f.present & MA_FEAT_HAS_OUT(MA_OUT_PL));
    CHECK_EQ(f.v[MA_F_OUT_PL_Z], 0);
    CHECK_EQ(f.v[MA_F_OUT_PL_SIGMA], 0);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 0);      /* 12 is not outside [12, 12] */
    f = judge_pl(e, 4, h, 10, 11);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 1);      /* below */
    /* payload entropy: all 0x11 data bytes: always 0 -> judged, z 0, inside */
    CHECK(f.present & MA_FEAT_HAS_OUT(MA_OUT_PE));
    CHECK_EQ(f.v[MA_F_OUT_PE_Z], 0);
    CHECK_EQ(f.v[MA_F_OUT_PE_IQR], 0);
    /* time_delta: at the 11th PDU the history holds the 9 IATs of PDUs 2..10 */
    CHECK(!(f.present & MA_FEAT_HAS_OUT(MA_OUT_TD)));

    /* 5 x 12, 5 x 14: mean 13, std sqrt(10 x 1 / 10) = 1;
     * sorted 12 x5, 14 x5: q1 (pos 2.25) 12, q3 (pos 6.75) 14, IQR 2, fences 9 and 17 */
    for (int i = 0; i < 10; i++)
        h[i] = i % 2 ? 14 : 12;
    static const struct { uint32_t x; double z; int sigma, iqr; } cases[] = {
        {18, 5, 3, 1},    /* beyond 3 sigma and the fence */
        {17, 4, 3, 0},    /* 3 sigma; 17 is on the fence, not beyond */
        {16, 3, 2, 0},    /* |z| = 3 is not > 3: 2 */
        {15, 2, 0, 0},    /* |z| = 2 is not > 2 */
        {13, 0, 0, 0},
        {10, -3, 2, 0},
        {9, -4, 3, 0},    /* on the lower fence */
        {8, -5, 3, 1},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        f = judge_pl(e, 10 + i, h, 10, cases[i].x);
        CHECK(f.present & MA_FEAT_HAS_OUT(MA_OUT_PL));
        CHECK_NEAR(f.v[MA_F_OUT_PL_Z], cases[i].z);
        CHECK_EQ(f.v[MA_F_OUT_PL_SIGMA], cases[i].sigma);
        CHECK_EQ(f.v[MA_F_OUT_PL_IQR], cases[i].iqr);
    }
    /* between 2 and 3 sigma: 5 x 11, 5 x 15: mean 13, std 2; 18 -> z 2.5 -> 2;
     * q1 11, q3 15, IQR 4, upper fence 21: inside */
    for (int i = 0; i < 10; i++)
        h[i] = i % 2 ? 15 : 11;
    f = judge_pl(e, 30, h, 10, 18);
    CHECK_NEAR(f.v[MA_F_OUT_PL_Z], 2.5);
    CHECK_EQ(f.v[MA_F_OUT_PL_SIGMA], 2);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 0);

    /* longer than 100: 50 x 200, then 50 x 12 and 50 x 14 alternating.
     * Last 100: mean 13, std 1; 20 -> z 7, sigma 3; q1 (pos 24.75) 12, q3 (pos 74.25) 14,
     * fence 17 -> IQR outlier. With all 150: mean 75.33, z < 0, IQR q3 = 200: neither. */
    for (int i = 0; i < 150; i++)
        h[i] = i < 50 ? 200 : (i % 2 ? 14 : 12);
    f = judge_pl(e, 31, h, 150, 20);
    CHECK_NEAR(f.v[MA_F_OUT_PL_Z], 7.0);
    CHECK_EQ(f.v[MA_F_OUT_PL_SIGMA], 3);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 1);
    /* 101 values, the first an outlier that has just left: 200, then 50 x 12/14 pairs */
    for (int i = 0; i < 101; i++)
        h[i] = i == 0 ? 200 : (i % 2 ? 12 : 14);
    f = judge_pl(e, 32, h, 101, 16);
    CHECK_NEAR(f.v[MA_F_OUT_PL_Z], 3.0); /* mean 13, std 1 */
    CHECK_EQ(f.v[MA_F_OUT_PL_SIGMA], 2);
    /* the history keeps sliding: after 300 values of which the last 100 are 12 x 50, 14 x 50 */
    for (int i = 0; i < 200; i++)
        h[i] = i < 100 ? (uint32_t)(20 + i) : (i % 2 ? 14 : 12);
    f = judge_pl(e, 33, h, 200, 13);
    CHECK_NEAR(f.v[MA_F_OUT_PL_Z], 0.0);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 0);
    f = judge_pl(e, 34, h, 200, 18);
    CHECK_NEAR(f.v[MA_F_OUT_PL_Z], 5.0);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 1);

    /* time_delta: first judged at the 12th PDU of a flow (IATs of PDUs 2..11 before it) */
    ma_pair_t p = mkpair(40, v4(10, 2, 0, 1), v4(10, 0, 0, 2));
    for (int k = 1; k <= 12; k++) {
        f = feat_len(e, &p, 40, SEC(1) + MS(100) * (k - 1) + (k == 12 ? MS(900) : 0), 12);
        CHECK_EQ(!!(f.present & MA_FEAT_HAS_OUT(MA_OUT_TD)), k == 12);
    }
    /* 10 IATs of 100 ms: a constant history, std 0 -> z 0, no sigma flag (docs/features.md,
     * Outliers); q1 = q3 = 0.1 s, 1 s > 0.1 + 0 -> IQR */
    CHECK_EQ(f.v[MA_F_OUT_TD_Z], 0);
    CHECK_EQ(f.v[MA_F_OUT_TD_SIGMA], 0);
    CHECK_EQ(f.v[MA_F_OUT_TD_IQR], 1);

    /* payload_entropy: a constant history of a value that is not a short binary fraction.
     * A read request "start 0, quantity 10" (data 00 00 00 0A) has entropy
     * 3/4 log2(4/3) + 1/4 log2 4 = 2 - 3/4 log2 3 = 0.811..; ten of them are a constant
     * history: std 0 -> z 0 and no sigma flag (docs/features.md, Outliers). */
    for (int c = 0; c < 2; c++) {
        ma_pair_t pp = mkpair(50 + (uint32_t)c, v4(10, 3, 0, (uint8_t)c), v4(10, 0, 0, 2));
        for (int k = 0; k < 10; k++) {
            f = feat(e, &pp, 50 + (uint32_t)c, SEC(1) + MS(100) * k, true, (uint16_t)k, 1, 3,
                     D(0, 0, 0, 10), false, 0);
            CHECK_NEAR(f.v[MA_F_PE], 2.0 - 0.75 * log2(3.0));
        }
        if (c == 0) /* the same value again: inside, z 0 */
            f = feat(e, &pp, 50, SEC(2), true, 10, 1, 3, D(0, 0, 0, 10), false, 0);
        else        /* data 00 01 02 03: entropy 2, beyond q3 = 0.811 + 1.5 x 0 */
            f = feat(e, &pp, 51, SEC(2), true, 10, 1, 3, D(0, 1, 2, 3), false, 0);
        CHECK(f.present & MA_FEAT_HAS_OUT(MA_OUT_PE));
        CHECK_EQ(f.v[MA_F_OUT_PE_Z], 0);
        CHECK_EQ(f.v[MA_F_OUT_PE_SIGMA], 0);
        CHECK_EQ(f.v[MA_F_OUT_PE_IQR], c);
        /* the 10-window of a constant entropy has std 0 too (to rounding) */
        if (c == 0)
            CHECK_NEAR(f.v[MA_F_PE_STD10], 0);
    }
    ma_feat_free(e);

    /* response_time: history per pair, across connections (one per poll) */
    e = engine(false, false);
    ma_pair_t q = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 2));
    for (uint32_t i = 0; i < 11; i++) {
        ma_ns_t t0 = SEC(1) + SEC(1) * i;
        (void)feat(e, &q, 100 + i, t0, true, 1, 1, 3, D(0, 0, 0, 1), false, 0);
        ma_ns_t rt = i < 10 ? MS(10) : MS(50);
        f = feat(e, &q, 100 + i, t0 + rt, false, 1, 1, 3, D(2, 0, 0), true, rt);
        CHECK(f.present & MA_FEAT_HAS_RT);
        CHECK_NEAR(f.v[MA_F_RESPONSE_TIME], (double)rt / 1e9);
        CHECK_EQ(!!(f.present & MA_FEAT_HAS_OUT(MA_OUT_RT)), i == 10);
        /* one PDU per flow direction history: never judged per flow */
        CHECK(!(f.present & MA_FEAT_HAS_OUT(MA_OUT_PL)));
    }
    /* 10 x 10 ms: std 0 -> z 0, sigma 0; 50 ms > 10 ms -> IQR */
    CHECK_EQ(f.v[MA_F_OUT_RT_Z], 0);
    CHECK_EQ(f.v[MA_F_OUT_RT_SIGMA], 0);
    CHECK_EQ(f.v[MA_F_OUT_RT_IQR], 1);
    /* an unpaired response: no response_time, no judgement */
    f = feat(e, &q, 200, SEC(50), false, 1, 1, 3, D(2, 0, 0), false, MS(10));
    CHECK(!(f.present & MA_FEAT_HAS_RT));
    CHECK(!(f.present & MA_FEAT_HAS_OUT(MA_OUT_RT)));
    CHECK_EQ(f.v[MA_F_RESPONSE_TIME], 0);
    ma_feat_free(e);
}

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/feat/sequence", test_sequence);
    g_test_add_func("/feat/session", test_session);
    g_test_add_func("/feat/split_direction", test_split_direction);
    g_test_add_func("/feat/window60", test_window60);
    g_test_add_func("/feat/outliers", test_outliers);
    return ma_test_run();
}
