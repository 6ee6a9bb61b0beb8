/* test_regs.c - unit tests of the register tables and poll groups
 * (core/registers/ma_regs.c): tables, group keys, periods and gaps, cadence,
 * bursts and jitter, bounds
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every expected value is worked out by hand in the comments (helpers:
 * regs_helpers.h). Heartbeats: test_hb.c; watched registers, the JSON files
 * and random input: test_regs_conf.c.
 */
#define _POSIX_C_SOURCE 200809L

#include "regs_helpers.h"

/* ---- 1. tables ----------------------------------------------------------------- */

static void test_tables(void)
{
    /* MAP v1.1b3: read 1 coils, 2 discrete, 3/23 holding, 4 input */
    CHECK(ma_table_of_read_fc(1) == MA_TBL_COILS && ma_table_of_read_fc(2) == MA_TBL_DISCRETE);
    CHECK(ma_table_of_read_fc(3) == MA_TBL_HOLDING && ma_table_of_read_fc(4) == MA_TBL_INPUT);
    CHECK_EQ(ma_table_of_read_fc(23), MA_TBL_HOLDING);
    static const uint8_t noread[] = {0, 5, 6, 7, 8, 15, 16, 17, 22, 24, 43, 0x83, 255};
    for (unsigned i = 0; i < G_N_ELEMENTS(noread); i++)
        CHECK_EQ(ma_table_of_read_fc(noread[i]), -1);
    /* written by 5/15 coils, 6/16/23 holding */
    CHECK(ma_table_of_write_fc(5) == MA_TBL_COILS && ma_table_of_write_fc(15) == MA_TBL_COILS);
    CHECK(ma_table_of_write_fc(6) == MA_TBL_HOLDING && ma_table_of_write_fc(16) == MA_TBL_HOLDING);
    CHECK_EQ(ma_table_of_write_fc(23), MA_TBL_HOLDING);
    static const uint8_t nowrite[] = {0, 1, 2, 3, 4, 7, 17, 22, 24, 0x86, 255};
    for (unsigned i = 0; i < G_N_ELEMENTS(nowrite); i++)
        CHECK_EQ(ma_table_of_write_fc(nowrite[i]), -1);

    ma_table_t t = MA_TBL_COUNT;
    CHECK(ma_table_parse("Holding Registers", &t) && t == MA_TBL_HOLDING);
    CHECK(ma_table_parse("input registers", &t) && t == MA_TBL_INPUT);
    CHECK(ma_table_parse("coils", &t) && t == MA_TBL_COILS);
    CHECK(ma_table_parse("discrete_inputs", &t) && t == MA_TBL_DISCRETE);
    CHECK(ma_table_parse("Discrete Inputs", &t) && t == MA_TBL_DISCRETE);
    CHECK(ma_table_parse("COILS", &t) && t == MA_TBL_COILS);
    CHECK(ma_table_parse("3", &t) && t == MA_TBL_HOLDING);
    CHECK(ma_table_parse("1", &t) && t == MA_TBL_COILS);
    CHECK(ma_table_parse("4", &t) && t == MA_TBL_INPUT);
    t = MA_TBL_COUNT;
    static const char *const junk[] = {"", "5", "0", "holding registerz", " coils", "Registers", "03", "input\n"};
    for (unsigned i = 0; i < G_N_ELEMENTS(junk); i++)
        CHECK(!ma_table_parse(junk[i], &t));
    CHECK(!ma_table_parse(NULL, &t));
    CHECK_EQ(t, MA_TBL_COUNT); /* untouched on failure */

    static const char *const tn[4] = {"coils", "discrete_inputs", "holding", "input"};
    static const char *const sn[4] = {"hb_defs", "pcap_monitor", "uat", "auto"};
    for (unsigned i = 0; i < 4; i++) {
        CHECK_STR(ma_table_name((ma_table_t)i), tn[i]);
        CHECK_STR(ma_hb_source_name((ma_hb_source_t)i), sn[i]);
    }

    ma_regs_config_t c;
    ma_regs_config_defaults(&c);
    CHECK_EQ(c.stall_polls, 3);
    CHECK_DBL(c.stall_factor, 3.0, 0);
    CHECK(c.auto_detect);
    /* stall_polls 0 is raised to 1; a NaN / negative factor turns time stalls off */
    ma_regs_t *r = regs(false, 0, NAN, NULL, 0);
    CHECK_EQ(ma_regs_config(r)->stall_polls, 1);
    CHECK_DBL(ma_regs_config(r)->stall_factor, 0, 0);
    ma_regs_free(r);
    r = regs(false, 2, -1.0, NULL, 0);
    CHECK_DBL(ma_regs_config(r)->stall_factor, 0, 0);
    ma_regs_free(r);
}

/* ---- 2. poll groups -------------------------------------------------------------- */

static void test_group_keys(void)
{
    ma_regs_t *r = regs(false, 3, 0, NULL, 0);
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    ma_pair_t pb = mkpair(1, v4(10, 0, 0, 2), v4(10, 0, 0, 100), 502);
    ma_txn_t t;
    /* every field of (pair, unit, fc, start, count) makes a new group */
    CHECK_EQ(grp(req(r, &pa, &t, 1, SEC(1), 1, 3, 0, 10, 0)), 1);
    CHECK_EQ(t.poll_group, 1);
    CHECK_EQ(grp(req(r, &pb, &t, 2, SEC(1), 1, 3, 0, 10, 0)), 2);  /* pair */
    CHECK_EQ(grp(req(r, &pa, &t, 3, SEC(1), 2, 3, 0, 10, 0)), 3);  /* unit */
    CHECK_EQ(grp(req(r, &pa, &t, 4, SEC(1), 1, 4, 0, 10, 0)), 4);  /* fc */
    CHECK_EQ(grp(req(r, &pa, &t, 5, SEC(1), 1, 3, 1, 10, 0)), 5);  /* start */
    CHECK_EQ(grp(req(r, &pa, &t, 6, SEC(1), 1, 3, 0, 11, 0)), 6);  /* count */
    CHECK_EQ(grp(req(r, &pa, &t, 7, SEC(1), 1, 23, 0, 10, 0)), 7); /* fc 23 reads holding */
    CHECK_EQ(grp(req(r, &pa, &t, 8, SEC(1), 1, 1, 0, 10, 0)), 8);
    CHECK_EQ(grp(req(r, &pa, &t, 9, SEC(1), 1, 2, 0, 10, 0)), 9);
    /* ref + count = 65535 + 1 = 65536: the last register, still a group */
    CHECK_EQ(grp(req(r, &pa, &t, 10, SEC(1), 1, 3, 65535, 1, 0)), 10);
    /* same key: same group; its period 2 s - 1 s */
    const ma_regs_rec_t *x = req(r, &pa, &t, 11, SEC(2), 1, 3, 0, 10, 0);
    CHECK_EQ(grp(x), 1);
    CHECK_EQ(t.poll_group, 1);
    CHECK_EQ(x ? x->period : 0, SEC(1));
    CHECK_EQ(ma_regs_group_count(r), 10);
    const ma_poll_group_t *g = ma_regs_group(r, 0);
    CHECK(g->pair == &pa && g->unit == 1 && g->fc == 3 && g->table == MA_TBL_HOLDING);
    CHECK(g->start == 0 && g->count == 10 && g->polls == 2 && g->first_frame == 1 && g->last_frame == 11);
    CHECK(ma_regs_group(r, 1)->pair == &pb && ma_regs_group(r, 2)->unit == 2);
    CHECK_EQ(ma_regs_group(r, 3)->table, MA_TBL_INPUT);
    CHECK(ma_regs_group(r, 6)->table == MA_TBL_HOLDING && ma_regs_group(r, 6)->fc == 23);
    CHECK(ma_regs_group(r, 7)->table == MA_TBL_COILS && ma_regs_group(r, 8)->table == MA_TBL_DISCRETE);
    CHECK(ma_regs_group(r, 9)->start == 65535 && ma_regs_group(r, 9)->count == 1);

    /* not a poll: write fc, count 0, no ref, past 65535 (65535 + 2 = 65537), no txn */
    CHECK(req(r, &pa, &t, 20, SEC(3), 1, 6, 12, 1, 0) == NULL);
    CHECK_EQ(t.poll_group, 0); /* (the request's ref/count are the pairing core's: test_core) */
    CHECK(req(r, &pa, &t, 21, SEC(3), 1, 3, 0, 0, 0) == NULL);
    CHECK(req(r, &pa, &t, 22, SEC(3), 1, 3, -1, 10, 0) == NULL);
    CHECK(req(r, &pa, &t, 23, SEC(3), 1, 3, 65535, 2, 0) == NULL);
    CHECK(req(r, &pa, &t, 24, SEC(3), 1, 3, 65000, 537, 0) == NULL); /* 65537 */
    CHECK(req(r, &pa, &t, 25, SEC(3), 1, 0x83, 0, 10, 0) == NULL);
    CHECK(req(r, &pa, NULL, 26, SEC(3), 1, 3, 0, 10, 0) == NULL);
    /* retransmitted and malformed requests are no polls */
    CHECK(req(r, &pa, &t, 27, SEC(3), 1, 3, 0, 10, MA_PDU_RETRANS) == NULL);
    CHECK(req(r, &pa, &t, 28, SEC(3), 1, 3, 0, 10, MA_PDU_MALFORMED) == NULL);
    CHECK(ma_regs_group_count(r) == 10 && g->polls == 2 && g->last_frame == 11);
    /* Regression: count 65536 made a group of count 0 (uint16 key). A read
     * beyond the spec's 125 registers / 2000 bits is no poll group. */
    x = req(r, &pa, &t, 29, SEC(3), 1, 3, 0, 65536, 0);
    CHECK(x == NULL);
    CHECK(req(r, &pa, &t, 29, SEC(3), 1, 3, 0, 126, 0) == NULL);
    CHECK(req(r, &pa, &t, 29, SEC(3), 1, 1, 0, 2001, 0) == NULL);

    /* responses: only the one answering its request, not an exception */
    x = req(r, &pa, &t, 30, SEC(4), 1, 3, 0, 10, 0);
    ma_txn_t keep = t;
    CHECK(resp(r, &pa, &t, 31, SEC(4), W(1, 2), NULL, 0, MA_PDU_EXCEPTION) == NULL);
    CHECK(resp(r, &pa, &t, 31, SEC(4), W(1, 2), NULL, 0, MA_PDU_RETRANS) == NULL);
    CHECK(resp(r, &pa, &t, 31, SEC(4), W(1, 2), NULL, 0, MA_PDU_MALFORMED) == NULL);
    CHECK(resp(r, &pa, NULL, 31, SEC(4), W(1, 2), NULL, 0, MA_PDU_ORPHAN) == NULL);
    CHECK_EQ(g->responses, 0);
    t = keep;
    x = resp(r, &pa, &t, 32, SEC(4), W(1, 2), NULL, 0, 0);
    CHECK_EQ(grp(x), 1);
    CHECK_EQ(x ? x->period : 0, -1);
    CHECK_EQ(nhb(x), 0);
    CHECK_EQ(g->responses, 1);
    CHECK(resp(r, &pa, &t, 33, SEC(4), W(1, 2), NULL, 0, MA_PDU_DUPLICATE) == NULL);
    CHECK(resp(r, &pa, &t, 34, SEC(4), W(1, 2), NULL, 0, 0) != NULL); /* now the txn's answer */
    t.resp_frame = 99; /* a response whose frame is not the txn's answer */
    CHECK(resp(r, &pa, &t, 35, SEC(4), W(1, 2), NULL, 0, MA_PDU_DUPLICATE) == NULL);
    CHECK_EQ(g->responses, 2);
    ma_regs_free(r);
}

/* The gap judgment of every poll of group 1-based gid (after finalize). */
static bool gap_of(const ma_regs_t *r, const ma_regs_rec_t *x, ma_ns_t want_cadence)
{
    ma_ns_t c = -1;
    bool g = ma_regs_poll_gap(r, x, &c);
    CHECK_EQ(c, want_cadence);
    return g;
}

/* Periods, cadence (median), gaps (> 1.5 x cadence and > 1 s), missed polls
 * capped by the span, jitter, the stop rule - all judged at the end. */
static void test_group_timing(void)
{
    ma_regs_config_t cfg;
    ma_regs_config_defaults(&cfg);
    cfg.auto_detect = false;
    cfg.max_list = 2;
    ma_regs_t *r = ma_regs_new(&cfg, NULL, 0, NULL, 0);
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    ma_txn_t t;
    /* periods 1, 1, 1, 1.5, 1.5 s + 1 ns, 1, 3.4, 3.5 s */
    const ma_ns_t ts[9] = {SEC(100), SEC(101), SEC(102), SEC(103), MS(104500), SEC(106) + 1, SEC(107) + 1,
                           MS(110400) + 1, MS(113900) + 1};
    const ma_ns_t ep[9] = {-1, SEC(1), SEC(1), SEC(1), MS(1500), MS(1500) + 1, SEC(1), MS(3400), MS(3500)};
    const ma_regs_rec_t *x[9];
    for (unsigned i = 0; i < 9; i++) {
        x[i] = req(r, &pa, &t, i + 1, ts[i], 1, 3, 0, 4, 0);
        CHECK_EQ(grp(x[i]), 1);
        CHECK_EQ(x[i] ? x[i]->period : 0, ep[i]);
    }
    ma_ns_t c0 = 0;
    CHECK(!ma_regs_poll_gap(r, x[8], &c0)); /* nothing judged before the end */
    /* sorted 1, 1, 1, 1, 1.5, 1.5+, 3.4, 3.5: no jump >= 4x, so the cadence is
     * the median (1 + 1.5) / 2 = 1.25 s; gaps: > 1.875 s and > 1 s: 3.4 and
     * 3.5 s, each missing round(2.72) - 1 = 2 and round(2.8) - 1 = 2 polls,
     * 4 in all - but the span 13.9 s has room for round(13.9 / 1.25) + 1 = 12
     * polls, 9 came: at most 3 missed. Jitter over the 6 other periods
     * (mean 7/6): sqrt((4 (1/6)^2 + 2 (1/3)^2) / 6). The capture ends
     * exactly 1.875 s after the last poll: not stopped. */
    ma_regs_finalize(r, MS(113900) + 1 + MS(1875));
    const ma_poll_group_t *g = ma_regs_group(r, 0);
    CHECK_EQ(g->polls, 9);
    CHECK_EQ(g->cycles, 9);
    CHECK(!g->bursty && !g->one_off);
    CHECK_EQ(g->cadence, MS(1250));
    CHECK_EQ(g->gaps, 2);
    CHECK_EQ(g->missed_polls, 3);
    CHECK_DBL(g->jitter_s, sqrt((4.0 / 36.0 + 2.0 / 9.0) / 6.0), 1e-6);
    CHECK(!g->stopped);
    CHECK_EQ(g->first_frame, 1);
    CHECK_EQ(g->last_frame, 9);
    CHECK_EQ(g->gaps_listed, 2);
    CHECK_EQ(g->gap_list[0].before_frame, 7);
    CHECK_EQ(g->gap_list[0].after_frame, 8);
    CHECK_EQ(g->gap_list[0].before_ts, SEC(107) + 1);
    CHECK_EQ(g->gap_list[0].after_ts, MS(110400) + 1);
    CHECK_EQ(g->gap_list[0].cadence, MS(1250));
    CHECK_EQ(g->gap_list[1].before_frame, 8);
    for (unsigned i = 0; i < 9; i++)
        CHECK_EQ(gap_of(r, x[i], MS(1250)), i >= 7);
    ma_regs_finalize(r, SEC(100000)); /* idempotent */
    CHECK(!g->stopped);
    CHECK_EQ(g->cadence, MS(1250));
    ma_regs_free(r);

    /* The absolute minimum: every 0.1 s, one 0.2 s hiccup (> 1.5 x 0.1 s but
     * not > 1 s: no gap) and one 1.2 s pause (a gap, round(12) - 1 = 11
     * missed). With poll_gap_min 0 the hiccup is a gap too (1 missed). */
    for (int pass = 0; pass < 2; pass++) {
        ma_regs_config_defaults(&cfg);
        cfg.auto_detect = false;
        if (pass)
            cfg.gap_min = 0;
        r = ma_regs_new(&cfg, NULL, 0, NULL, 0);
        ma_ns_t tt = SEC(10);
        const ma_regs_rec_t *hic = NULL, *pause = NULL;
        for (unsigned i = 0; i < 40; i++) {
            const ma_regs_rec_t *y = req(r, &pa, &t, 1 + i, tt, 1, 3, 0, 4, 0);
            if (i == 15)
                hic = y;
            if (i == 30)
                pause = y;
            tt += i == 14 ? MS(200) : i == 29 ? MS(1200) : MS(100);
        }
        ma_regs_finalize(r, tt);
        g = ma_regs_group(r, 0);
        CHECK_EQ(g->cadence, MS(100));
        CHECK_EQ(g->gaps, pass ? 2 : 1);
        CHECK_EQ(g->missed_polls, pass ? 12 : 11);
        CHECK_EQ(gap_of(r, hic, MS(100)), pass == 1);
        CHECK(gap_of(r, pause, MS(100)));
        ma_regs_free(r);
    }

    /* Bursts: the same read 3 times 3 ms apart every second (t = 0..9 s, then
     * 12 and 13 s). Periods: 24 x 3 ms, 10 x 0.994 s, 1 x 2.994 s: a jump of
     * 331x with 11 of 35 periods (31 %) above it: bursty, cadence = median of
     * those 11 = 0.994 s (not 3 ms); 12 cycles; one gap (2.994 s > 1.491 s
     * and > 1 s), round(3.012) - 1 = 2 missed; the span 13.006 s has room for
     * round(13.08) + 1 = 14 cycles: 2. Jitter 0. */
    ma_regs_config_defaults(&cfg);
    cfg.auto_detect = false;
    r = ma_regs_new(&cfg, NULL, 0, NULL, 0);
    const ma_regs_rec_t *after_gap = NULL, *inner = NULL;
    uint32_t fno = 1;
    for (unsigned b = 0; b < 14; b++) {
        if (b == 10 || b == 11)
            continue;
        for (unsigned k = 0; k < 3; k++) {
            const ma_regs_rec_t *y = req(r, &pa, &t, fno++, SEC(b) + MS(3 * k), 1, 3, 0, 4, 0);
            if (b == 12 && k == 0)
                after_gap = y;
            if (b == 12 && k == 1)
                inner = y;
        }
    }
    ma_regs_finalize(r, SEC(14));
    g = ma_regs_group(r, 0);
    CHECK(g->bursty);
    CHECK_EQ(g->polls, 36);
    CHECK_EQ(g->cycles, 12);
    CHECK_EQ(g->cadence, MS(994));
    CHECK_EQ(g->gaps, 1);
    CHECK_EQ(g->missed_polls, 2);
    CHECK_DBL(g->jitter_s, 0, 1e-9);
    CHECK(!g->stopped); /* 0.994 s after the last poll: not > 1.491 s */
    CHECK(gap_of(r, after_gap, MS(994)));
    CHECK(!gap_of(r, inner, MS(994)));
    ma_regs_free(r);

    /* odd count, one-offs and the stop rule, with poll_min_polls 2: A polls at
     * 10, 13, 14, 16 s (periods 3, 1, 2: median 2 s, mean 2, variance
     * (1 + 1 + 0) / 3 = 2/3); B the same 1 ns later; C once; D at 10 and
     * 11 s. End at 19 s + 1 ns: A is 3 s + 1 ns > 1.5 x 2 s (and > 1 s) after
     * its last poll (stopped), B exactly 3 s (not), C has one poll (one-off),
     * D 8 s + 1 ns > 1.5 s (stopped). With the default minimum of 5 polls
     * every group is a one-off: no cadence, never stopped. */
    for (int dflt = 0; dflt < 2; dflt++) {
        ma_regs_config_defaults(&cfg);
        cfg.auto_detect = false;
        if (!dflt)
            cfg.min_polls = 2;
        r = ma_regs_new(&cfg, NULL, 0, NULL, 0);
        const ma_ns_t at[4] = {SEC(10), SEC(13), SEC(14), SEC(16)};
        for (unsigned i = 0; i < 4; i++) {
            req(r, &pa, &t, 1 + i, at[i], 1, 3, 0, 1, 0);
            req(r, &pa, &t, 11 + i, at[i] + 1, 1, 3, 100, 1, 0);
        }
        req(r, &pa, &t, 21, SEC(10), 1, 3, 200, 1, 0);
        req(r, &pa, &t, 22, SEC(10), 1, 3, 300, 1, 0);
        req(r, &pa, &t, 23, SEC(11), 1, 3, 300, 1, 0);
        ma_regs_finalize(r, SEC(19) + 1);
        CHECK_EQ(ma_regs_group_count(r), 4);
        CHECK(ma_regs_group(r, 2)->one_off);
        CHECK_EQ(ma_regs_group(r, 2)->cadence, 0);
        CHECK(!ma_regs_group(r, 2)->stopped);
        if (dflt) {
            for (unsigned i = 0; i < 4; i++)
                CHECK(ma_regs_group(r, i)->one_off && ma_regs_group(r, i)->cadence == 0 &&
                      !ma_regs_group(r, i)->stopped);
        } else {
            CHECK_EQ(ma_regs_group(r, 0)->cadence, SEC(2));
            CHECK_DBL(ma_regs_group(r, 0)->jitter_s, sqrt(2.0 / 3.0), 1e-9);
            CHECK(ma_regs_group(r, 0)->stopped);
            CHECK_EQ(ma_regs_group(r, 1)->cadence, SEC(2));
            CHECK(!ma_regs_group(r, 1)->stopped);
            CHECK_EQ(ma_regs_group(r, 3)->cadence, SEC(1));
            CHECK(ma_regs_group(r, 3)->stopped);
        }
        ma_regs_free(r);
    }
}

static void test_group_bound(void)
{
    ma_regs_config_t cfg;
    ma_regs_config_defaults(&cfg);
    cfg.max_groups = 2;
    ma_regs_t *r = ma_regs_new(&cfg, NULL, 0, NULL, 0);
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    ma_txn_t t;
    CHECK_EQ(grp(req(r, &pa, &t, 1, SEC(1), 1, 3, 0, 4, 0)), 1);
    CHECK_EQ(grp(req(r, &pa, &t, 2, SEC(1), 1, 3, 4, 4, 0)), 2);
    CHECK(req(r, &pa, &t, 3, SEC(1), 1, 3, 8, 4, 0) == NULL); /* a third key: dropped */
    CHECK_EQ(t.poll_group, 0);
    CHECK(resp(r, &pa, &t, 4, SEC(1), W(1, 2, 3, 4), NULL, 0, 0) == NULL);
    CHECK(req(r, &pa, &t, 5, SEC(2), 1, 3, 8, 4, 0) == NULL);
    CHECK_EQ(grp(req(r, &pa, &t, 6, SEC(2), 1, 3, 0, 4, 0)), 1); /* known keys still work */
    CHECK_EQ(ma_regs_group_count(r), 2);
    CHECK_EQ(ma_regs_groups_dropped(r), 2);
    ma_regs_free(r);
}

/* Regression (libFuzzer, UBSan): a group whose periods are mostly 0 (many
 * polls in one timestamp, then one later) has cadence 0; the room for
 * missed polls was span / 0 = inf, cast to uint64_t. No cadence: no gaps,
 * no missed polls, not stopped. */
/* A record is 16 bytes with its observations behind it; a response that
 * observed nothing (no heartbeat, no watched register, auto-detection off)
 * is its group's shared record: group, no period, no observations. */
static void test_shared_response_record(void)
{
    CHECK_EQ(sizeof(ma_regs_rec_t), 16);
    ma_regs_t *r = regs(false, 3, 0, NULL, 0);
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    ma_txn_t t1, t2, t3;
    const ma_regs_rec_t *q1 = req(r, &pa, &t1, 10, SEC(1), 1, 3, 0, 2, 0);
    const ma_regs_rec_t *a1 = resp(r, &pa, &t1, 11, SEC(1) + MS(1), W(7, 8), NULL, 0, 0);
    const ma_regs_rec_t *q2 = req(r, &pa, &t2, 20, SEC(2), 1, 3, 0, 2, 0);
    const ma_regs_rec_t *a2 = resp(r, &pa, &t2, 21, SEC(2) + MS(1), W(9, 9), NULL, 0, 0);
    const ma_regs_rec_t *q3 = req(r, &pa, &t3, 30, SEC(3), 1, 3, 4, 2, 0); /* another group */
    const ma_regs_rec_t *a3 = resp(r, &pa, &t3, 31, SEC(3) + MS(1), W(1, 2), NULL, 0, 0);
    CHECK(q1 && q2 && q3 && a1 && a2 && a3);
    CHECK(q1 != q2);                 /* requests: each its own period */
    CHECK_EQ(q1->period, -1);
    CHECK_EQ(q2->period, SEC(1));
    CHECK(a1 == a2);                 /* one record for the group's responses */
    CHECK(a3 != a1);
    CHECK_EQ(a1->group, 1);
    CHECK_EQ(a3->group, 2);
    CHECK_EQ(a1->period, -1);
    CHECK(a1->n_hb == 0 && a1->n_reg == 0 && !ma_regs_rec_hb(a1) && !ma_regs_rec_reg(a1));
    ma_regs_free(r);

    /* with a heartbeat the response has its own record, observations behind it */
    ma_hb_def_t d = hbdef("hb", MA_TBL_HOLDING, 1, 1);
    r = regs(false, 3, 0, &d, 1);
    q1 = req(r, &pa, &t1, 10, SEC(1), 1, 3, 0, 2, 0);
    a1 = resp(r, &pa, &t1, 11, SEC(1) + MS(1), W(7, 8), NULL, 0, 0);
    q2 = req(r, &pa, &t2, 20, SEC(2), 1, 3, 0, 2, 0);
    a2 = resp(r, &pa, &t2, 21, SEC(2) + MS(1), W(7, 9), NULL, 0, 0);
    CHECK(a1 && a2 && a1 != a2);
    CHECK_EQ(a2->n_hb, 1);
    CHECK((const void *)ma_regs_rec_hb(a2) == (const void *)(a2 + 1));
    CHECK_EQ(ma_regs_rec_hb(a2)[0].value, 9);
    CHECK_EQ(ma_regs_rec_hb(a2)[0].prev, 8);
    CHECK(!ma_regs_rec_reg(a2));
    ma_regs_free(r);
}

static void test_group_no_cadence(void)
{
    ma_regs_config_t cfg;
    ma_regs_config_defaults(&cfg);
    cfg.auto_detect = false;
    ma_regs_t *r = ma_regs_new(&cfg, NULL, 0, NULL, 0);
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    ma_txn_t t;
    for (unsigned i = 0; i < 8; i++)
        req(r, &pa, &t, i + 1, SEC(5), 1, 3, 0, 4, 0);
    req(r, &pa, &t, 9, SEC(900), 1, 3, 0, 4, 0);
    ma_regs_finalize(r, SEC(100000));
    const ma_poll_group_t *g = ma_regs_group(r, 0);
    CHECK_EQ(g->polls, 9);
    CHECK_EQ(g->cadence, 0);
    CHECK_EQ(g->gaps, 0);
    CHECK_EQ(g->missed_polls, 0);
    CHECK(!g->stopped);
    ma_regs_free(r);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* keep the output if a sanitizer stops the run */
    ma_test_init(&argc, &argv);
    g_test_add_func("/regs/tables", test_tables);
    g_test_add_func("/regs/group_keys", test_group_keys);
    g_test_add_func("/regs/group_timing", test_group_timing);
    g_test_add_func("/regs/group_bound", test_group_bound);
    g_test_add_func("/regs/group_no_cadence", test_group_no_cadence);
    g_test_add_func("/regs/shared_response_record", test_shared_response_record);
    return ma_test_run();
}
