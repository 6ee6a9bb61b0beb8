/* test_hb.c - unit tests of heartbeats (core/registers/ma_hb.c through
 * ma_regs_pdu): definitions, stalls by polls and by time, open stalls at the
 * end, resets and wraps, matching of definitions, answers without values
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every expected value is worked out by hand in the comments (helpers:
 * regs_helpers.h). Poll groups: test_regs.c.
 */
#define _POSIX_C_SOURCE 200809L

#include "regs_helpers.h"

/* ---- heartbeats with a definition ------------------------------------------------ */

/* Heartbeat holding 10 in the read 8..11 (offset 2), pair p unit 1, poll k at k s. */
static const ma_regs_rec_t *hb16(ma_regs_t *r, const ma_pair_t *p, uint32_t k, ma_ns_t ts, uint16_t v)
{
    return poll(r, p, 1, 3, 8, 4, k, ts, W(0xAAAA, 0xBBBB, v, 0xCCCC));
}

static void test_hb_basic(void)
{
    ma_hb_def_t d = hbdef("hb", MA_TBL_HOLDING, 10, 1);
    ma_regs_t *r = regs(false, 3, 0, &d, 1);
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    const uint16_t v[8] = {100, 101, 101, 101, 101, 101, 105, 104};
    const ma_regs_rec_t *x[8];
    ma_txn_t t;
    /* the request of a poll carries no observation */
    const ma_regs_rec_t *q = req(r, &pa, &t, 5, SEC(0), 1, 3, 8, 4, 0);
    CHECK_EQ(nhb(q), 0);
    for (unsigned i = 0; i < 8; i++) {
        x[i] = hb16(r, &pa, i + 1, SEC(i + 1), v[i]);
        CHECK_EQ(nhb(x[i]), 1);
    }
    /* flags, value, delta, unchanged, since the poll where the value appeared */
    CHECK_OBS(obs(x[0], 0), MA_HBO_FIRST, 100, 0, 0, 0);
    CHECK_EQ(obs(x[0], 0)->hb, 0);
    CHECK_OBS(obs(x[1], 0), MA_HBO_CHANGED, 101, 1, 0, 0); /* 100 -> 101 at 2 s */
    CHECK_EQ(obs(x[1], 0)->prev, 100);
    CHECK_OBS(obs(x[2], 0), 0, 101, 0, 1, SEC(1));
    CHECK_OBS(obs(x[3], 0), 0, 101, 0, 2, SEC(2));
    /* poll 5: 3 unchanged polls = stall_polls: STALL, from poll 3 (frame 31) */
    CHECK_OBS(obs(x[4], 0), MA_HBO_STALL | MA_HBO_STALLED, 101, 0, 3, SEC(3));
    CHECK_EQ(obs(x[4], 0)->stall_frame, 31);
    CHECK_OBS(obs(x[5], 0), MA_HBO_STALLED, 101, 0, 4, SEC(4));
    CHECK_EQ(obs(x[5], 0)->stall_frame, 31);
    /* poll 7: 101 -> 105 recovers; duration 7 s - 3 s = 4 s */
    CHECK_OBS(obs(x[6], 0), MA_HBO_CHANGED | MA_HBO_RECOVERED, 105, 4, 0, 0);
    CHECK_EQ(obs(x[6], 0)->stall_frame, 31);
    CHECK_EQ(obs(x[6], 0)->stall_duration, SEC(4));
    /* poll 8: 105 -> 104, forward distance 65535 > 1024: a reset */
    CHECK_OBS(obs(x[7], 0), MA_HBO_CHANGED | MA_HBO_RESET, 104, -1, 0, 0);
    CHECK_EQ(ma_regs_hb_count(r), 1);
    const ma_hb_t *h = ma_regs_hb(r, 0);
    CHECK_STR(h->name, "hb");
    CHECK_EQ(h->source, MA_HB_SRC_UAT);
    CHECK(h->pair == &pa);
    CHECK_EQ(h->unit, 1);
    CHECK_EQ(h->table, MA_TBL_HOLDING);
    CHECK_EQ(h->reg, 10);
    CHECK_EQ(h->words, 1);
    CHECK_EQ(h->polls, 8);
    CHECK_EQ(h->changes, 3); /* polls 2, 7, 8 */
    CHECK_EQ(h->stalls, 1);
    CHECK_EQ(h->resets, 1);
    CHECK_EQ(h->wraps, 0);
    CHECK_EQ(h->longest_stall, SEC(4));
    CHECK_EQ(h->last_value, 104);
    CHECK_EQ(h->first_ts, SEC(1) + MS(1));
    CHECK_EQ(h->last_ts, SEC(8) + MS(1));
    CHECK(!h->stalled);
    CHECK_EQ(h->stalls_listed, 1);
    if (h->stalls_listed) {
        CHECK_EQ(h->list[0].start_frame, 31);
        CHECK_EQ(h->list[0].end_frame, 71);
        CHECK_EQ(h->list[0].start_ts, SEC(3) + MS(1));
        CHECK_EQ(h->list[0].end_ts, SEC(7) + MS(1));
        CHECK_EQ(h->list[0].last_ts, SEC(6) + MS(1));
        CHECK_EQ(h->list[0].polls, 4); /* polls 3..6 */
        CHECK_EQ(h->list[0].value, 101);
    }
    /* a response too short for offset 2 (2 words) has no observation */
    ma_txn_t t2;
    req(r, &pa, &t2, 90, SEC(9), 1, 3, 8, 4, 0);
    x[0] = resp(r, &pa, &t2, 91, SEC(9), W(1, 2), NULL, 0, 0);
    CHECK(x[0] != NULL);
    CHECK_EQ(nhb(x[0]), 0);
    CHECK_EQ(h->polls, 8);
    /* an exception or a duplicate answer is no observation either */
    req(r, &pa, &t2, 92, SEC(10), 1, 3, 8, 4, 0);
    CHECK(resp(r, &pa, &t2, 93, SEC(10), NULL, 0, NULL, 0, MA_PDU_EXCEPTION) == NULL);
    CHECK(resp(r, &pa, &t2, 94, SEC(10), W(0, 0, 7, 0), NULL, 0, 0) != NULL);
    CHECK(resp(r, &pa, &t2, 95, SEC(10), W(0, 0, 8, 0), NULL, 0, MA_PDU_DUPLICATE) == NULL);
    CHECK_EQ(h->polls, 9);
    CHECK_EQ(h->last_value, 7);
    ma_regs_free(r);
}

/* stall_polls n: 7 at polls 1..n+2 (unchanged from poll 2), 8 at poll n+3. */
static void test_stall_polls(gconstpointer data)
{
    uint32_t n = GPOINTER_TO_UINT(data);
    ma_hb_def_t d = hbdef("hb", MA_TBL_HOLDING, 10, 1);
    ma_regs_t *r = regs(false, n, 0, &d, 1);
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    CHECK_EQ(obs(hb16(r, &pa, 1, SEC(1), 7), 0)->flags, MA_HBO_FIRST);
    for (uint32_t k = 2; k <= n; k++) /* unchanged k - 1 < n */
        CHECK_EQ(obs(hb16(r, &pa, k, SEC(k), 7), 0)->flags, 0);
    const ma_hb_obs_t *o = obs(hb16(r, &pa, n + 1, SEC(n + 1), 7), 0); /* unchanged n */
    CHECK_EQ(o->flags, MA_HBO_STALL | MA_HBO_STALLED);
    CHECK_EQ(o->unchanged, n);
    CHECK_EQ(o->stall_frame, 21); /* poll 2 */
    o = obs(hb16(r, &pa, n + 2, SEC(n + 2), 7), 0);
    CHECK_EQ(o->flags, MA_HBO_STALLED);
    o = obs(hb16(r, &pa, n + 3, SEC(n + 3), 8), 0);
    CHECK_EQ(o->flags, MA_HBO_CHANGED | MA_HBO_RECOVERED);
    CHECK_EQ(o->stall_duration, SEC(n + 1)); /* (n + 3) s - 2 s */
    CHECK_EQ(ma_regs_hb(r, 0)->stalls, 1);
    CHECK_EQ(ma_regs_hb(r, 0)->list[0].polls, n + 1);
    ma_regs_free(r);
}

static void test_hb_stall_time(void)
{
    ma_hb_def_t d = hbdef("hb", MA_TBL_HOLDING, 10, 1);
    ma_regs_t *r = regs(false, 100, 3.0, &d, 1);
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    ma_pair_t pb = mkpair(1, v4(10, 0, 0, 2), v4(10, 0, 0, 100), 502);
    ma_pair_t pc = mkpair(2, v4(10, 0, 0, 3), v4(10, 0, 0, 100), 502);
    /* A: 1, 2, 3 at 1..3 s, then 3 at 4, 5, 6 s: 3 s since the change at 3 s is
     * not > 3 x median(1, 1, 1, 1, 1) = 3 s */
    for (uint32_t k = 1; k <= 6; k++)
        CHECK_EQ(obs(hb16(r, &pa, k, SEC(k), (uint16_t)(k < 3 ? k : 3)), 0)->flags & MA_HBO_STALLED, 0);
    /* 6 s + 1 ns: 3 s + 1 ns > 3 x median(1ns, 1, 1, 1, 1, 1) = 3 x (1 + 1) / 2 s */
    const ma_hb_obs_t *o = obs(hb16(r, &pa, 7, SEC(6) + 1, 3), 0);
    CHECK_EQ(o->flags, MA_HBO_STALL | MA_HBO_STALLED);
    CHECK_EQ(o->unchanged, 4);
    CHECK_EQ(o->stall_frame, 41); /* poll 4, the first unchanged */
    CHECK_EQ(obs(hb16(r, &pa, 8, SEC(7), 3), 0)->flags, MA_HBO_STALLED);
    o = obs(hb16(r, &pa, 9, SEC(8), 4), 0);
    CHECK_EQ(o->flags, MA_HBO_CHANGED | MA_HBO_RECOVERED);
    CHECK_EQ(o->stall_duration, SEC(4)); /* 8 s - 4 s */

    /* B: constant 5 at 1, 2, 101 s: only 2 periods, no cadence yet; at 102 s the
     * periods 1, 99, 1 give median 1 s and 101 s > 3 s: STALL from poll 2 */
    CHECK_EQ(obs(hb16(r, &pb, 1, SEC(1), 5), 0)->flags, MA_HBO_FIRST);
    CHECK_EQ(obs(hb16(r, &pb, 2, SEC(2), 5), 0)->flags, 0);
    CHECK_EQ(obs(hb16(r, &pb, 3, SEC(101), 5), 0)->flags, 0);
    o = obs(hb16(r, &pb, 4, SEC(102), 5), 0);
    CHECK_EQ(o->flags, MA_HBO_STALL | MA_HBO_STALLED);
    CHECK_EQ(o->stall_frame, 21);
    CHECK_EQ(o->since_change, SEC(101));

    /* C: the median of the last 15 periods. Polls 1..16 at 1 s (15 periods of
     * 1 s), polls 17..24 every 100 s, all changing (value k); then 24 again at
     * 916, 1016, 1116, 1216 s. At 916 s the last 15 periods are 6 x 1 s +
     * 9 x 100 s: median 100 s, and 100 s is not > 300 s (over all 24 periods
     * the median would be 1 s); 200 and 300 s are not either; 400 s is. */
    ma_ns_t tc = 0;
    for (uint32_t k = 1; k <= 24; k++) {
        tc = k <= 16 ? SEC(k) : SEC(16 + 100 * (k - 16));
        CHECK_EQ(obs(hb16(r, &pc, k, tc, (uint16_t)k), 0)->flags & MA_HBO_STALLED, 0);
    }
    CHECK_EQ(tc, SEC(816));
    for (uint32_t k = 25; k <= 27; k++)
        CHECK_EQ(obs(hb16(r, &pc, k, SEC(916 + 100 * (k - 25)), 24), 0)->flags, 0);
    o = obs(hb16(r, &pc, 28, SEC(1216), 24), 0);
    CHECK_EQ(o->flags, MA_HBO_STALL | MA_HBO_STALLED);
    CHECK_EQ(o->stall_frame, 251);
    CHECK_EQ(o->since_change, SEC(400));
    ma_regs_free(r);
}

static void test_hb_open_stall(void)
{
    ma_hb_def_t d = hbdef("hb", MA_TBL_HOLDING, 10, 1);
    ma_regs_t *r = regs(false, 2, 0, &d, 1);
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    ma_pair_t pb = mkpair(1, v4(10, 0, 0, 2), v4(10, 0, 0, 100), 502);
    /* A: 1 x 5, 2 x 4 at 1..9 s: stall polls 2..5 (STALL at 3), recovered at 6
     * (6 - 2 = 4 s); stall from 7 (STALL at 8), still open at poll 9 */
    const uint16_t va[9] = {1, 1, 1, 1, 1, 2, 2, 2, 2};
    for (uint32_t k = 1; k <= 9; k++)
        hb16(r, &pa, k, SEC(k), va[k - 1]);
    /* B: 1 at 1..6 s: one stall from poll 2, open */
    for (uint32_t k = 1; k <= 6; k++)
        hb16(r, &pb, k, SEC(k), 1);
    const ma_hb_t *ha = ma_regs_hb(r, 0), *hb = ma_regs_hb(r, 1);
    CHECK(ha->pair == &pa && hb->pair == &pb);
    CHECK_EQ(ha->stalls_listed, 1);
    CHECK(ha->stalled);
    ma_regs_finalize(r, SEC(20));
    ma_regs_finalize(r, SEC(30)); /* idempotent */
    CHECK_EQ(ha->stalls, 2);
    CHECK_EQ(ha->stalls_listed, 2);
    CHECK_EQ(ha->list[0].start_frame, 21);
    CHECK_EQ(ha->list[0].end_frame, 61);
    CHECK_EQ(ha->list[0].polls, 4);
    CHECK_EQ(ha->list[1].start_frame, 71);
    CHECK_EQ(ha->list[1].end_frame, 0);
    CHECK_EQ(ha->list[1].start_ts, SEC(7) + MS(1));
    CHECK_EQ(ha->list[1].last_ts, SEC(9) + MS(1));
    CHECK_EQ(ha->list[1].polls, 3); /* polls 7, 8, 9 */
    CHECK_EQ(ha->list[1].value, 2);
    CHECK_EQ(ha->longest_stall, SEC(4)); /* max(4 s, 9 - 7 = 2 s) */
    CHECK(ha->stalled);
    CHECK_EQ(hb->stalls_listed, 1);
    CHECK_EQ(hb->list[0].end_frame, 0);
    CHECK_EQ(hb->list[0].polls, 5);
    CHECK_EQ(hb->longest_stall, SEC(4)); /* last 6 s - start 2 s */
    ma_regs_free(r);

    /* max_list 1: the second stall is counted, not listed */
    ma_regs_config_t cfg;
    ma_regs_config_defaults(&cfg);
    cfg.auto_detect = false;
    cfg.stall_polls = 2;
    cfg.max_list = 1;
    r = ma_regs_new(&cfg, &d, 1, NULL, 0);
    for (uint32_t k = 1; k <= 9; k++)
        hb16(r, &pa, k, SEC(k), va[k - 1]);
    ma_regs_finalize(r, SEC(20));
    CHECK_EQ(ma_regs_hb(r, 0)->stalls, 2);
    CHECK_EQ(ma_regs_hb(r, 0)->stalls_listed, 1);
    CHECK_EQ(ma_regs_hb(r, 0)->longest_stall, SEC(4));
    ma_regs_free(r);
}

static void test_hb_wrap(void)
{
    ma_hb_def_t d[3] = {hbdef("h16", MA_TBL_HOLDING, 10, 1), hbdef("h32", MA_TBL_HOLDING, 10, 2),
                        hbdef("coil", MA_TBL_COILS, 3, 2)};
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    ma_pair_t pb = mkpair(1, v4(10, 0, 0, 2), v4(10, 0, 0, 100), 502);
    ma_pair_t pc = mkpair(2, v4(10, 0, 0, 3), v4(10, 0, 0, 100), 502);
    d[0].client = pa.client;
    d[1].client = pb.client;
    d[2].client = pc.client;
    ma_regs_t *r = regs(false, 3, 0, d, 3);
    /* 16-bit, 1/64 of 65536 = 1024: 65535 -> 1023 is (1023 + 65536 - 65535) = 1024
     * forward: wrap; 65535 -> 1024 is 1025: reset; 1024 -> 1000 is 65512: reset */
    const uint16_t v16[5] = {65535, 1023, 65535, 1024, 1000};
    const uint16_t f16[5] = {MA_HBO_FIRST, MA_HBO_CHANGED | MA_HBO_WRAP, MA_HBO_CHANGED,
                             MA_HBO_CHANGED | MA_HBO_RESET, MA_HBO_CHANGED | MA_HBO_RESET};
    const int64_t d16[5] = {0, 1023 - 65535, 65535 - 1023, 1024 - 65535, 1000 - 1024};
    for (uint32_t k = 1; k <= 5; k++) {
        const ma_hb_obs_t *o = obs(hb16(r, &pa, k, SEC(k), v16[k - 1]), 0);
        CHECK_EQ(o->value, v16[k - 1]);
        CHECK_EQ(o->flags, f16[k - 1]);
        CHECK_EQ(o->delta, d16[k - 1]);
    }
    const ma_hb_t *h = ma_regs_hb(r, 0);
    CHECK_STR(h->name, "h16");
    CHECK_EQ(h->wraps, 1);
    CHECK_EQ(h->resets, 2);
    CHECK_EQ(h->changes, 4);

    /* 32-bit, high word first at 10, 11; 2^32 / 64 = 2^26 = 67108864:
     * 0xFFFFFFFF -> 0x03FFFFFF is 67108863 + 1 = 67108864 forward: wrap;
     * 0xFFFFFFFF -> 0x04000000 is 67108865: reset; 0x12345678 = 305419896, and
     * 305419896 -> 1 is 2^32 + 1 - 305419896 = 3989547401 forward: reset */
    const uint16_t w32[6][2] = {{0xFFFF, 0xFFFF}, {0x03FF, 0xFFFF}, {0xFFFF, 0xFFFF},
                                {0x0400, 0x0000}, {0x1234, 0x5678}, {0x0000, 0x0001}};
    const uint32_t v32[6] = {4294967295u, 67108863u, 4294967295u, 67108864u, 305419896u, 1u};
    const uint16_t f32[6] = {MA_HBO_FIRST, MA_HBO_CHANGED | MA_HBO_WRAP, MA_HBO_CHANGED,
                             MA_HBO_CHANGED | MA_HBO_RESET, MA_HBO_CHANGED, MA_HBO_CHANGED | MA_HBO_RESET};
    const int64_t d32[6] = {0, INT64_C(67108863) - INT64_C(4294967295), INT64_C(4294967295) - INT64_C(67108863),
                            INT64_C(67108864) - INT64_C(4294967295), INT64_C(305419896) - INT64_C(67108864),
                            INT64_C(1) - INT64_C(305419896)};
    for (uint32_t k = 1; k <= 6; k++) {
        const ma_regs_rec_t *x = poll(r, &pb, 1, 3, 8, 4, k, SEC(k), W(0, 0, w32[k - 1][0], w32[k - 1][1]));
        CHECK_EQ(nhb(x), 1);
        const ma_hb_obs_t *o = obs(x, 0);
        CHECK_EQ(o->value, v32[k - 1]);
        CHECK_EQ(o->flags, f32[k - 1]);
        CHECK_EQ(o->delta, d32[k - 1]);
    }
    h = ma_regs_hb(r, 1);
    CHECK_STR(h->name, "h32");
    CHECK_EQ(h->words, 2);
    CHECK_EQ(h->wraps, 1);
    CHECK_EQ(h->resets, 2);

    /* coils: bit 3 of a read 0..7 (words forced to 1); 1 -> 0 is never a reset */
    const uint8_t bits[4] = {1, 0, 1, 0};
    for (uint32_t k = 1; k <= 4; k++) {
        uint8_t b[8] = {1, 1, 1, bits[k - 1], 1, 1, 1, 1};
        const ma_hb_obs_t *o = obs(pollb(r, &pc, 1, 1, 0, 8, k, SEC(k), b, 8), 0);
        CHECK_EQ(o->value, bits[k - 1]);
        CHECK_EQ(o->flags, k == 1 ? MA_HBO_FIRST : MA_HBO_CHANGED);
    }
    h = ma_regs_hb(r, 2);
    CHECK_STR(h->name, "coil");
    CHECK_EQ(h->table, MA_TBL_COILS);
    CHECK_EQ(h->words, 1);
    CHECK_EQ(h->resets, 0);
    CHECK_EQ(h->wraps, 0);
    CHECK_EQ(h->changes, 3);
    ma_regs_free(r);
}

/* Definition matchers: client / server / port / unit wildcards, poll_start /
 * poll_count, the register (and its 2nd word) inside the block. */
static void test_hb_matching(void)
{
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    ma_pair_t pb = mkpair(1, v4(10, 0, 0, 2), v4(10, 0, 0, 200), 502);
    ma_hb_def_t d[10];
    for (unsigned i = 0; i < 10; i++)
        d[i] = hbdef(NULL, MA_TBL_HOLDING, 10, 1);
    d[0].name = "d0";
    d[0].client = pa.client;
    d[1].server = pb.server;
    d[2].port = 503;
    d[3].unit = 7;
    d[4].name = "d4";
    d[4].poll_start = 8;
    d[4].poll_count = 4;
    d[5].poll_start = 0;
    d[6].reg = 12; /* outside 8..11 */
    d[6].poll_start = 8;
    d[7].reg = 11; /* 11..12: its 2nd word is outside 8..11 */
    d[7].words = 2;
    d[7].poll_count = 4;
    d[8].table = MA_TBL_INPUT;
    d[9] = (ma_hb_def_t){.name = "d9", .client = pa.client, .server = pa.server, .port = 502, .unit = 1,
                         .table = MA_TBL_HOLDING, .reg = 10, .words = 1, .poll_start = 8, .poll_count = 4};
    ma_regs_t *r = regs(false, 3, 0, d, 10);
    CHECK_EQ(ma_regs_def_count(r), 10);
    CHECK_STR(ma_regs_def(r, 0)->name, "d0");
    CHECK(ma_regs_def(r, 0)->name != d[0].name); /* copied */
    CHECK_STR(ma_regs_def(r, 1)->name, "");      /* NULL name -> "" */
    /* G1 A u1 8..11, G2 B u7 8..11, G3 A u7 8..11, G4 A u1 0..19 */
    ma_txn_t t[4];
    req(r, &pa, &t[0], 10, SEC(1), 1, 3, 8, 4, 0);
    req(r, &pb, &t[1], 20, SEC(1), 7, 3, 8, 4, 0);
    req(r, &pa, &t[2], 30, SEC(1), 7, 3, 8, 4, 0);
    req(r, &pa, &t[3], 40, SEC(1), 1, 3, 0, 20, 0);
    /* instances (pair, unit): d0 client A: G1, G3, G4 (= G1's A/u1) -> 2;
     * d1 server B: G2 -> 1; d2 port 503: 0; d3 unit 7: G2, G3 -> 2;
     * d4 8/4: G1, G2, G3 -> 3; d5 start 0: G4 -> 1; d6, d7, d8: 0; d9: G1 -> 1 */
    const uint32_t inst[10] = {2, 1, 0, 2, 3, 1, 0, 0, 0, 1};
    for (unsigned i = 0; i < 10; i++)
        CHECK_EQ(ma_regs_def_instances(r, i), inst[i]);
    CHECK_EQ(ma_regs_hb_count(r), 2 + 1 + 2 + 3 + 1 + 1);
    /* G1's response: d0, d4, d9 in definition order, each reading word 2 = 42 */
    const ma_regs_rec_t *x = resp(r, &pa, &t[0], 11, SEC(1) + MS(1), W(0, 0, 42, 0), NULL, 0, 0);
    CHECK_EQ(nhb(x), 3);
    const char *const n1[3] = {"d0", "d4", "d9"};
    for (unsigned i = 0; i < 3 && i < nhb(x); i++) {
        const ma_hb_t *h = ma_regs_hb(r, ma_regs_rec_hb(x)[i].hb);
        CHECK_STR(h->name, n1[i]);
        CHECK(h->pair == &pa);
        CHECK_EQ(h->unit, 1);
        CHECK_EQ(h->reg, 10);
        CHECK_EQ(ma_regs_rec_hb(x)[i].value, 42);
        CHECK_EQ(ma_regs_rec_hb(x)[i].flags, MA_HBO_FIRST);
    }
    uint32_t d0a1 = obs(x, 0)->hb;
    CHECK_EQ(nhb(resp(r, &pb, &t[1], 21, SEC(1), W(0, 0, 1, 0), NULL, 0, 0)), 3); /* d1, d3, d4 */
    CHECK_EQ(nhb(resp(r, &pa, &t[2], 31, SEC(1), W(0, 0, 1, 0), NULL, 0, 0)), 3); /* d0, d3, d4 */
    /* G4 (0..19, register 10 at offset 10): d0 (the instance G1 fed) and d5 */
    uint16_t w20[20] = {0};
    w20[10] = 43;
    x = resp(r, &pa, &t[3], 41, SEC(2), w20, 20, NULL, 0, 0);
    CHECK_EQ(nhb(x), 2);
    CHECK_EQ(obs(x, 0)->hb, d0a1);
    CHECK_EQ(obs(x, 0)->flags, MA_HBO_CHANGED);
    CHECK_EQ(obs(x, 0)->prev, 42);
    CHECK_EQ(obs(x, 1)->value, 43);
    CHECK_EQ(ma_regs_hb(r, d0a1)->polls, 2);
    ma_regs_free(r);
}

/* Run last: under -fno-sanitize-recover=undefined UBSan stops the program here. */
static void test_null_words(void)
{
    ma_hb_def_t d = hbdef("hb", MA_TBL_HOLDING, 10, 1);
    ma_regs_t *r = regs(true, 3, 0, &d, 1);
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    ma_txn_t t;
    req(r, &pa, &t, 1, SEC(1), 1, 3, 8, 4, 0);
    /* Regression (UBSan): an answer without values (words NULL, nwords 0, as
     * extract.c passes it) reached memcpy(vals, NULL, 0). */
    const ma_regs_rec_t *x = resp(r, &pa, &t, 2, SEC(1), NULL, 0, NULL, 0, 0);
    CHECK(x != NULL && x->group == 1 && x->n_hb == 0);
    ma_regs_free(r);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* keep the output if a sanitizer stops the run */
    ma_test_init(&argc, &argv);
    g_test_add_func("/hb/basic", test_hb_basic);
    g_test_add_data_func("/hb/stall_polls_1", GUINT_TO_POINTER(1), test_stall_polls);
    g_test_add_data_func("/hb/stall_polls_3", GUINT_TO_POINTER(3), test_stall_polls);
    g_test_add_data_func("/hb/stall_polls_5", GUINT_TO_POINTER(5), test_stall_polls);
    g_test_add_func("/hb/stall_time", test_hb_stall_time);
    g_test_add_func("/hb/open_stall", test_hb_open_stall);
    g_test_add_func("/hb/wrap", test_hb_wrap);
    g_test_add_func("/hb/matching", test_hb_matching);
    g_test_add_func("/hb/null_words", test_null_words);
    return ma_test_run();
}
