/* test_regs.c - unit tests of poll groups and heartbeats (core/ma_regs.c,
 * core/ma_hb.c): tables, group keys, periods and gaps, cadence and jitter,
 * heartbeat definitions, stalls, resets and wraps, auto-detection
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ma_regs_pdu() is driven with hand-built ma_pdu_in_t / ma_pdu_t / ma_txn_t
 * values (no ma_core). Poll k is a request in frame 10k at its time and the
 * response in frame 10k + 1, 1 ms later; register data is passed in exact-size
 * heap copies so that the sanitizer build sees any read past it. Every
 * expected value is worked out by hand in the comments.
 * Watched registers, the JSON files and random input: test_regs_conf.c.
 */
#define _POSIX_C_SOURCE 200809L

#include <glib.h>

#include "core_helpers.h"
#include "ma_regs.h"

#define CHECK_DBL(a, b, eps) CHECK_CLOSE(a, b, eps)

/* An observation's flags, value, delta, unchanged polls and time since change. */
#define CHECK_OBS(o, fl, val, del, unch, since)                                           \
    do {                                                                                   \
        const ma_hb_obs_t *co_ = (o);                                                      \
        CHECK_EQ(co_->flags, fl);                                                          \
        CHECK_EQ(co_->value, val);                                                         \
        CHECK_EQ(co_->delta, del);                                                         \
        CHECK_EQ(co_->unchanged, unch);                                                    \
        CHECK_EQ(co_->since_change, since);                                                \
    } while (0)

#define W(...) (const uint16_t[]){__VA_ARGS__}, (uint32_t)(sizeof((const uint16_t[]){__VA_ARGS__}) / 2)

static ma_pair_t mkpair(uint32_t id, ma_addr_t c, ma_addr_t s, uint16_t port)
{
    return (ma_pair_t){.id = id, .client = c, .server = s, .server_port = port};
}

static ma_regs_t *regs(bool autodet, uint32_t stall_polls, double factor, const ma_hb_def_t *defs, unsigned n)
{
    ma_regs_config_t cfg;
    ma_regs_config_defaults(&cfg);
    cfg.auto_detect = autodet;
    cfg.stall_polls = stall_polls;
    cfg.stall_factor = factor;
    return ma_regs_new(&cfg, defs, n, NULL, 0);
}

static ma_hb_def_t hbdef(const char *name, ma_table_t table, uint16_t reg, uint8_t words)
{
    return (ma_hb_def_t){.name = (char *)name, .source = MA_HB_SRC_UAT, .port = -1, .unit = -1, .table = table,
                         .reg = reg, .words = words, .poll_start = -1, .poll_count = -1};
}

/* The request of transaction t (re-initialised); flags MA_PDU_*. */
static const ma_regs_rec_t *req(ma_regs_t *r, const ma_pair_t *p, ma_txn_t *t, uint32_t frame, ma_ns_t ts,
                                uint8_t unit, uint8_t fc, int32_t ref, int32_t count, uint8_t flags)
{
    if (t)
        *t = (ma_txn_t){.req_frame = frame, .req_ts = ts, .pair = p, .unit = unit, .fc = fc};
    ma_pdu_in_t in = {.frame = frame, .ts = ts, .is_request = true, .unit = unit, .fc = fc, .ref = ref,
                      .count = count, .wref = -1, .malformed = (flags & MA_PDU_MALFORMED) != 0};
    ma_pdu_t pdu = {.kind = MA_PDU_REQUEST, .flags = flags, .unit = unit, .fc = fc, .pair = p, .txn = t};
    return ma_regs_pdu(r, &in, &pdu);
}

/* The response to t in frame (t->resp_frame = frame unless flags has
 * MA_PDU_DUPLICATE); words / bits copied to exact-size heap buffers. */
static const ma_regs_rec_t *resp(ma_regs_t *r, const ma_pair_t *p, ma_txn_t *t, uint32_t frame, ma_ns_t ts,
                                 const uint16_t *w, uint32_t nw, const uint8_t *b, uint32_t nb, uint8_t flags)
{
    if (t && !(flags & MA_PDU_DUPLICATE)) {
        t->resp_frame = frame;
        t->resp_ts = ts;
    }
    uint16_t *hw = nw ? g_memdup2(w, nw * sizeof *w) : NULL;
    uint8_t *hb = nb ? g_memdup2(b, nb) : NULL;
    ma_pdu_in_t in = {.frame = frame, .ts = ts, .unit = t ? t->unit : 0,
                      .fc = (uint8_t)((t ? t->fc : 3) | (flags & MA_PDU_EXCEPTION ? 0x80 : 0)), .ref = -1,
                      .count = -1, .wref = -1, .words = hw, .nwords = nw, .bits = hb, .nbits = nb,
                      .malformed = (flags & MA_PDU_MALFORMED) != 0};
    ma_pdu_t pdu = {.kind = MA_PDU_RESPONSE, .flags = flags, .pair = p, .txn = t};
    const ma_regs_rec_t *rec = ma_regs_pdu(r, &in, &pdu);
    g_free(hw);
    g_free(hb);
    return rec;
}

/* Poll k: request (frame 10k, ts) and its response (frame 10k + 1, ts + 1 ms). */
static const ma_regs_rec_t *poll(ma_regs_t *r, const ma_pair_t *p, uint8_t unit, uint8_t fc, int32_t ref,
                                 int32_t count, uint32_t k, ma_ns_t ts, const uint16_t *w, uint32_t nw)
{
    ma_txn_t t;
    req(r, p, &t, 10 * k, ts, unit, fc, ref, count, 0);
    return resp(r, p, &t, 10 * k + 1, ts + MS(1), w, nw, NULL, 0, 0);
}

static const ma_regs_rec_t *pollb(ma_regs_t *r, const ma_pair_t *p, uint8_t unit, uint8_t fc, int32_t ref,
                                  int32_t count, uint32_t k, ma_ns_t ts, const uint8_t *b, uint32_t nb)
{
    ma_txn_t t;
    req(r, p, &t, 10 * k, ts, unit, fc, ref, count, 0);
    return resp(r, p, &t, 10 * k + 1, ts + MS(1), NULL, 0, b, nb, 0);
}

static uint32_t grp(const ma_regs_rec_t *x) { return x ? x->group : 0; }
static unsigned nhb(const ma_regs_rec_t *x) { return x ? x->n_hb : 0; }

/* Observation i of a record (a zeroed one, after a failed check, if absent). */
static const ma_hb_obs_t *obs(const ma_regs_rec_t *x, unsigned i)
{
    static const ma_hb_obs_t none;
    bool ok = x && i < x->n_hb && x->hb;
    CHECK(ok);
    return ok ? &x->hb[i] : &none;
}

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

/* ---- 3. heartbeats with a definition ------------------------------------------------ */

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
        const ma_hb_t *h = ma_regs_hb(r, x->hb[i].hb);
        CHECK_STR(h->name, n1[i]);
        CHECK(h->pair == &pa);
        CHECK_EQ(h->unit, 1);
        CHECK_EQ(h->reg, 10);
        CHECK_EQ(x->hb[i].value, 42);
        CHECK_EQ(x->hb[i].flags, MA_HBO_FIRST);
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

/* Regression (libFuzzer, UBSan): a group whose periods are mostly 0 (many
 * polls in one timestamp, then one later) has cadence 0; the room for
 * missed polls was span / 0 = inf, cast to uint64_t. No cadence: no gaps,
 * no missed polls, not stopped. */
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
    g_test_add_func("/regs/hb_basic", test_hb_basic);
    g_test_add_data_func("/regs/stall_polls_1", GUINT_TO_POINTER(1), test_stall_polls);
    g_test_add_data_func("/regs/stall_polls_3", GUINT_TO_POINTER(3), test_stall_polls);
    g_test_add_data_func("/regs/stall_polls_5", GUINT_TO_POINTER(5), test_stall_polls);
    g_test_add_func("/regs/hb_stall_time", test_hb_stall_time);
    g_test_add_func("/regs/hb_open_stall", test_hb_open_stall);
    g_test_add_func("/regs/hb_wrap", test_hb_wrap);
    g_test_add_func("/regs/hb_matching", test_hb_matching);
    g_test_add_func("/regs/null_words", test_null_words);
    return ma_test_run();
}
