/* test_regs_conf.c - unit tests of heartbeat auto-detection (core/ma_hb.c),
 * watched registers (core/ma_watch.c), the hb_defs.json / pcap_monitor.json
 * parsers (core/ma_hbconf.c) and ma_regs_pdu() on random input
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * As in test_regs.c: poll k = request in frame 10k at k s, response in frame
 * 10k + 1 at k s + 1 ms, data in exact-size heap copies, expected values by hand.
 */
#define _POSIX_C_SOURCE 200809L

#include <glib.h>
#include <glib/gstdio.h>

#include "core_helpers.h"
#include "ma_regs.h"
#include "ma_hbconf.h"

#define CHECK_DBL(a, b) CHECK_FEQ(a, b)

/* A watched-register observation: instance, flags, value, previous value. */
#define CHECK_ROBS(o, w, fl, val, pv)                                                      \
    do {                                                                                   \
        const ma_reg_obs_t *ro_ = (o);                                                     \
        CHECK_EQ(ro_->watch, w);                                                           \
        CHECK_EQ(ro_->flags, fl);                                                          \
        CHECK_DBL(ro_->value, val);                                                        \
        if (!(ro_->flags & MA_REGO_FIRST))                                                 \
            CHECK_DBL(ro_->prev, pv);                                                      \
    } while (0)

/* A parsed definition's port, unit, table, register, words, poll start and count. */
#define CHECK_DEF(d, po, un, tb, rg, wd, ps, pc)                                           \
    do {                                                                                   \
        CHECK_EQ((d)->port, po);                                                           \
        CHECK_EQ((d)->unit, un);                                                           \
        CHECK_EQ((d)->table, tb);                                                          \
        CHECK_EQ((d)->reg, rg);                                                            \
        CHECK_EQ((d)->words, wd);                                                          \
        CHECK_EQ((d)->poll_start, ps);                                                     \
        CHECK_EQ((d)->poll_count, pc);                                                     \
    } while (0)

#define W(...) (const uint16_t[]){__VA_ARGS__}, (uint32_t)(sizeof((const uint16_t[]){__VA_ARGS__}) / 2)
#define B(...) (const uint8_t[]){__VA_ARGS__}, (uint32_t)sizeof((const uint8_t[]){__VA_ARGS__})
#define NONE NULL, 0u /* no words / no bits */

static ma_pair_t mkpair(uint32_t id, ma_addr_t c, ma_addr_t s, uint16_t port)
{
    return (ma_pair_t){.id = id, .client = c, .server = s, .server_port = port};
}

static ma_regs_t *regs(bool autodet, uint32_t max_auto, const ma_hb_def_t *defs, unsigned nd,
                       const ma_watch_def_t *wd, unsigned nw)
{
    ma_regs_config_t cfg;
    ma_regs_config_defaults(&cfg);
    cfg.auto_detect = autodet;
    cfg.stall_factor = 0;
    if (max_auto)
        cfg.max_auto = max_auto;
    return ma_regs_new(&cfg, defs, nd, wd, nw);
}

static ma_hb_def_t hdef(const char *name, ma_table_t t, uint16_t reg, uint8_t words)
{
    return (ma_hb_def_t){.name = (char *)name, .port = -1, .unit = -1, .table = t, .reg = reg, .words = words,
                         .poll_start = -1, .poll_count = -1};
}

/* One PDU: a request (t re-initialised when given) or the response to t;
 * words and bits are passed in exact-size heap copies, never NULL (a NULL
 * array is test_regs.c's test_null_words). */
static const ma_regs_rec_t *pdu(ma_regs_t *r, const ma_pair_t *p, ma_txn_t *t, bool request, uint32_t frame,
                                ma_ns_t ts, uint8_t unit, uint8_t fc, int32_t ref, int32_t count, int32_t wref,
                                const uint16_t *w, uint32_t nw, const uint8_t *b, uint32_t nb, uint8_t flags)
{
    if (t && request)
        *t = (ma_txn_t){.req_frame = frame, .req_ts = ts, .pair = p, .unit = unit, .fc = fc};
    else if (t && !(flags & MA_PDU_DUPLICATE))
        t->resp_frame = frame;
    uint16_t *hw = malloc(nw * sizeof *w); /* malloc(0): a non-NULL 0-byte block */
    uint8_t *hb = malloc(nb);
    if (nw)
        memcpy(hw, w, nw * sizeof *w);
    if (nb)
        memcpy(hb, b, nb);
    ma_pdu_in_t in = {.frame = frame, .ts = ts, .is_request = request, .unit = unit, .fc = fc, .ref = ref,
                      .count = count, .wref = wref, .words = hw, .nwords = nw, .bits = hb, .nbits = nb,
                      .malformed = (flags & MA_PDU_MALFORMED) != 0};
    ma_pdu_t out = {.kind = request ? MA_PDU_REQUEST : MA_PDU_RESPONSE, .flags = flags, .unit = unit, .fc = fc,
                    .pair = p, .txn = t};
    const ma_regs_rec_t *rec = ma_regs_pdu(r, &in, &out);
    free(hw);
    free(hb);
    return rec;
}

/* Poll k (unit u, fc, ref, n values) answered with w / b. */
static const ma_regs_rec_t *poll(ma_regs_t *r, const ma_pair_t *p, uint8_t u, uint8_t fc, int32_t ref, int32_t n,
                                 uint32_t k, const uint16_t *w, uint32_t nw, const uint8_t *b, uint32_t nb)
{
    ma_txn_t t;
    pdu(r, p, &t, true, 10 * k, SEC(k), u, fc, ref, n, -1, NONE, NONE, 0);
    return pdu(r, p, &t, false, 10 * k + 1, SEC(k) + MS(1), u, fc, -1, -1, -1, w, nw, b, nb, 0);
}

/* A write request in frame (at frame s): count = values written (fc 23: reads 2). */
static const ma_regs_rec_t *wr(ma_regs_t *r, const ma_pair_t *p, uint32_t frame, uint8_t u, uint8_t fc, int32_t ref,
                               int32_t wref, const uint16_t *w, uint32_t nw, const uint8_t *b, uint32_t nb)
{
    ma_txn_t t;
    return pdu(r, p, &t, true, frame, SEC(frame), u, fc, ref, fc == 23 ? 2 : (int32_t)(nw ? nw : nb), wref, w,
               nw, b, nb, 0);
}

static unsigned nhb(const ma_regs_rec_t *x) { return x ? x->n_hb : 0; }
static unsigned nreg(const ma_regs_rec_t *x) { return x ? x->n_reg : 0; }

static const ma_hb_obs_t *obs(const ma_regs_rec_t *x, unsigned i)
{
    static const ma_hb_obs_t none;
    bool ok = x && i < x->n_hb && ma_regs_rec_hb(x);
    CHECK(ok);
    return ok ? &ma_regs_rec_hb(x)[i] : &none;
}

static const ma_reg_obs_t *robs(const ma_regs_rec_t *x, unsigned i)
{
    static const ma_reg_obs_t none = {.watch = 9999};
    bool ok = x && i < x->n_reg && ma_regs_rec_reg(x);
    CHECK(ok);
    return ok ? &ma_regs_rec_reg(x)[i] : &none;
}

/* ---- 4. auto-detection ----------------------------------------------------------- */

static void test_auto_kinds(void)
{
    ma_regs_t *r = regs(true, 0, NULL, 0, NULL, 0);
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    /* input 200..207 over 30 polls, i = k - 1:
     *  200: i (+1)          -> promoted at poll 10 (9 changes of 9, all +1)
     *  201: 16 i (+16)      -> promoted at poll 10 (16 is the largest step)
     *  202: 17 i (+17)      -> never (step > 16)
     *  203: 1000 - i (-1)   -> never (a down counter)
     *  204: 777             -> never (no change)
     *  205: steps 1, 1, 2, 1, 1, 2...: at poll 10, 6 of 9 changes are +1 and
     *       6 x 5 = 30 < 9 x 4 = 36; +1 stays <= (2d + 2) / 3 of d changes,
     *       below 80% for d >= 6 -> never
     *  206: 65529 + i, wraps 65535 -> 0 at poll 8 (a +1 step) -> promoted at 10
     *  207: 65526 + i, promoted at poll 10 (65535), wraps to 0 at poll 11 */
    uint16_t mixed = 0;
    unsigned bad = 0;
    for (uint32_t k = 1; k <= 30; k++) {
        uint16_t i = (uint16_t)(k - 1);
        if (k > 1)
            mixed = (uint16_t)(mixed + (i % 3 == 0 ? 2 : 1));
        uint16_t v[8] = {i, (uint16_t)(16 * i), (uint16_t)(17 * i), (uint16_t)(1000 - i), 777, mixed,
                         (uint16_t)(65529 + i), (uint16_t)(65526 + i)};
        const ma_regs_rec_t *x = poll(r, &pa, 1, 4, 200, 8, k, v, 8, NONE);
        bad += nhb(x) != (k < 10 ? 0u : 4u);
        if (k == 10) { /* not FIRST: the heartbeat continues the 9 polls before */
            CHECK_EQ(obs(x, 0)->flags, MA_HBO_CHANGED);
            CHECK(obs(x, 0)->value == 9 && obs(x, 0)->prev == 8 && obs(x, 0)->delta == 1);
            CHECK(obs(x, 1)->value == 144 && obs(x, 1)->delta == 16);
            CHECK_EQ(obs(x, 2)->value, 2); /* 65529 + 9 - 65536 */
            CHECK_EQ(obs(x, 3)->value, 65535);
        }
        if (k == 11) {
            CHECK_EQ(obs(x, 3)->flags, MA_HBO_CHANGED | MA_HBO_WRAP);
            CHECK(obs(x, 3)->value == 0 && obs(x, 3)->delta == -65535);
        }
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(ma_regs_hb_count(r), 4);
    const char *const names[4] = {"auto input 200", "auto input 201", "auto input 206", "auto input 207"};
    const uint16_t reg[4] = {200, 201, 206, 207};
    for (unsigned i = 0; i < 4 && i < ma_regs_hb_count(r); i++) {
        const ma_hb_t *h = ma_regs_hb(r, i);
        CHECK_STR(h->name, names[i]);
        CHECK(h->source == MA_HB_SRC_AUTO && h->table == MA_TBL_INPUT && h->words == 1 && h->pair == &pa);
        CHECK_EQ(h->reg, reg[i]);
        CHECK(h->polls == 30 && h->changes == 29 && h->first_ts == SEC(1) + MS(1));
        CHECK_EQ(h->wraps, i == 3 ? 1 : 0); /* 206 wrapped before its promotion */
        CHECK_EQ(h->resets, 0);
    }
    CHECK_EQ(ma_regs_auto_dropped(r), 0);
    ma_regs_free(r);
}

static void test_auto_boundaries(void)
{
    ma_regs_t *r = regs(true, 0, NULL, 0, NULL, 0);
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    uint32_t first_a = 0, first_b = 0;
    for (uint32_t k = 1; k <= 106; k++) {
        /* A (holding 0): 0 at polls 1..22 (21 unchanged), then k - 22. After
         * poll k there are k - 22 changes of k - 1 deltas: at poll 101 79 of 100
         * (395 < 400), and (k - 22) x 5 >= (k - 1) x 4 first at k = 106 (420) */
        uint16_t va = (uint16_t)(k <= 22 ? 0 : k - 22);
        const ma_regs_rec_t *x = poll(r, &pa, 1, 3, 0, 1, k, &va, 1, NONE);
        if (!first_a && nhb(x))
            first_a = k; /* so not at poll 101 either */
        /* B (holding 10): 0, 2, 4, 5, ..., 12 (steps +2, +2, then +1): at poll 10
         * 7 of 9 steps are +1 (35 < 36); at poll 11 8 of 10 = 80% (40 >= 40) */
        if (k <= 11) {
            uint16_t vb = (uint16_t)(k == 1 ? 0 : k == 2 ? 2 : k + 1);
            x = poll(r, &pa, 1, 3, 10, 1, k, &vb, 1, NONE);
            if (!first_b && nhb(x))
                first_b = k;
        }
        /* C (holding 20): 0..8 at polls 1..9, 8 at 10..12, 9 at 13: promoted at
         * poll 10 (8 changes of 9 deltas) while unchanged; the freeze goes on */
        if (k <= 13) {
            uint16_t vc = (uint16_t)(k <= 9 ? k - 1 : k <= 12 ? 8 : 9);
            x = poll(r, &pa, 1, 3, 20, 1, k, &vc, 1, NONE);
            CHECK_EQ(nhb(x), k < 10 ? 0 : 1);
            if (k >= 10 && nhb(x)) {
                const ma_hb_obs_t *o = obs(x, 0);
                /* since the change at poll 9: (k - 9) s; unchanged k - 9 */
                const uint16_t fl[4] = {0, 0, MA_HBO_STALL | MA_HBO_STALLED, MA_HBO_CHANGED | MA_HBO_RECOVERED};
                CHECK_EQ(o->flags, fl[k - 10]);
                CHECK_EQ(o->unchanged, k < 13 ? k - 9 : 0);
                CHECK_EQ(o->since_change, k < 13 ? SEC(k - 9) : 0);
                if (k == 12)
                    CHECK_EQ(o->stall_frame, 101); /* poll 10, the first unchanged */
                if (k == 13)
                    CHECK_EQ(o->stall_duration, SEC(3)); /* 13 s - 10 s */
            }
        }
    }
    CHECK_EQ(first_a, 106);
    CHECK_EQ(first_b, 11);
    CHECK_EQ(ma_regs_hb_count(r), 3);
    const ma_hb_t *hc = ma_regs_hb(r, 0); /* C was promoted first (poll 10) */
    CHECK(hc->reg == 20 && hc->polls == 13 && hc->stalls == 1);
    CHECK_EQ(hc->changes, 9); /* 8 before the promotion + poll 13 */
    ma_regs_free(r);
}

static void test_auto_covered_and_bound(void)
{
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    /* definitions on input 200 (16-bit) and 202..203 (32-bit): only 201 of the
     * four +1 counters can be auto-detected */
    ma_hb_def_t d[2] = {hdef("d16", MA_TBL_INPUT, 200, 1), hdef("d32", MA_TBL_INPUT, 202, 2)};
    ma_regs_t *r = regs(true, 0, d, 2, NULL, 0);
    const ma_regs_rec_t *x = NULL;
    for (uint32_t k = 1; k <= 12; k++) {
        uint16_t i = (uint16_t)(k - 1), v[4] = {i, i, i, i};
        x = poll(r, &pa, 1, 4, 200, 4, k, v, 4, NONE);
        if (k == 10) {
            CHECK_EQ(nhb(x), 3);
            CHECK_EQ(obs(x, 1)->value, 9u * 65536u + 9u); /* 0x0009 0x0009 */
            CHECK_STR(ma_regs_hb(r, obs(x, 2)->hb)->name, "auto input 201");
        }
    }
    CHECK(nhb(x) == 3 && ma_regs_hb_count(r) == 3); /* d16, d32, auto 201 */
    ma_regs_free(r);

    /* max_auto 5: G1 holding 0..2 (3 tracked), G2 holding 10..12 (3 + 3 > 5:
     * dropped, 3 counted), G3 coils 0..99 (not registers), G4 input 0..1 (3 + 2 = 5) */
    r = regs(true, 5, NULL, 0, NULL, 0);
    for (uint32_t k = 1; k <= 10; k++) {
        uint16_t i = (uint16_t)(k - 1), v[3] = {i, i, i};
        uint8_t bits[100] = {0};
        CHECK_EQ(nhb(poll(r, &pa, 1, 3, 0, 3, k, v, 3, NONE)), k < 10 ? 0 : 3);
        CHECK_EQ(nhb(poll(r, &pa, 1, 3, 10, 3, k, v, 3, NONE)), 0);
        poll(r, &pa, 1, 1, 0, 100, k, NONE, bits, 100);
        CHECK_EQ(nhb(poll(r, &pa, 1, 4, 0, 2, k, v, 2, NONE)), k < 10 ? 0 : 2);
    }
    CHECK_EQ(ma_regs_auto_dropped(r), 3);
    CHECK_EQ(ma_regs_hb_count(r), 5);
    ma_regs_free(r);
    r = regs(false, 0, NULL, 0, NULL, 0); /* auto-detection off */
    for (uint16_t k = 1; k <= 12; k++)
        poll(r, &pa, 1, 3, 0, 1, k, &k, 1, NONE);
    CHECK(ma_regs_hb_count(r) == 0 && ma_regs_auto_dropped(r) == 0);
    ma_regs_free(r);
}

/* ---- 5. watched registers --------------------------------------------------------- */

static double dec(ma_vtype_t t, ma_order_t o, uint16_t a, uint16_t b)
{
    uint16_t *w = g_new(uint16_t, ma_vtype_words(t)); /* exact size: 1 or 2 words */
    w[0] = a;
    if (ma_vtype_words(t) == 2)
        w[1] = b;
    double v = ma_watch_decode(t, o, w);
    g_free(w);
    return v;
}

static void test_decode(void)
{
    CHECK(ma_vtype_words(MA_VT_U16) == 1 && ma_vtype_words(MA_VT_S16) == 1 && ma_vtype_words(MA_VT_BOOL) == 1);
    CHECK(ma_vtype_words(MA_VT_U32) == 2 && ma_vtype_words(MA_VT_S32) == 2 && ma_vtype_words(MA_VT_F32) == 2);
    ma_vtype_t vt = MA_VT_U16;
    ma_order_t vo = MA_ORDER_ABCD;
    CHECK(ma_vtype_parse("F32", &vt) && vt == MA_VT_F32);
    CHECK(ma_vtype_parse("bool", &vt) && vt == MA_VT_BOOL);
    CHECK(!ma_vtype_parse("f64", &vt) && !ma_vtype_parse(NULL, &vt) && vt == MA_VT_BOOL);
    CHECK(ma_order_parse("cdab", &vo) && vo == MA_ORDER_CDAB);
    CHECK(ma_order_parse("DCBA", &vo) && vo == MA_ORDER_DCBA);
    CHECK(!ma_order_parse("ABDC", &vo) && vo == MA_ORDER_DCBA);
    /* 16-bit: 0x1234 = 4660, bytes swapped (BADC, DCBA) 0x3412 = 13330 */
    CHECK_DBL(dec(MA_VT_U16, MA_ORDER_ABCD, 0x1234, 0), 4660);
    CHECK_DBL(dec(MA_VT_U16, MA_ORDER_CDAB, 0x1234, 0), 4660);
    CHECK_DBL(dec(MA_VT_U16, MA_ORDER_BADC, 0x1234, 0), 13330);
    CHECK_DBL(dec(MA_VT_U16, MA_ORDER_DCBA, 0x1234, 0), 13330);
    CHECK_DBL(dec(MA_VT_S16, MA_ORDER_ABCD, 0xFFFF, 0), -1);
    CHECK_DBL(dec(MA_VT_S16, MA_ORDER_ABCD, 0x8000, 0), -32768);
    CHECK_DBL(dec(MA_VT_S16, MA_ORDER_ABCD, 0x7FFF, 0), 32767);
    CHECK_DBL(dec(MA_VT_S16, MA_ORDER_BADC, 0x00FF, 0), -256); /* 0xFF00 */
    CHECK_DBL(dec(MA_VT_BOOL, MA_ORDER_ABCD, 0, 0), 0);
    CHECK_DBL(dec(MA_VT_BOOL, MA_ORDER_ABCD, 5, 0), 1);
    /* words {0x4148, 0x0000}: ABCD 0x41480000 = 65 x 2^24 + 72 x 2^16 = 1095237632;
     * CDAB 0x00004148 = 16712; BADC 0x48410000 = 72 x 2^24 + 65 x 2^16 = 1212219392;
     * DCBA 0x00004841 = 18497 */
    CHECK_DBL(dec(MA_VT_U32, MA_ORDER_ABCD, 0x4148, 0x0000), 1095237632.0);
    CHECK_DBL(dec(MA_VT_U32, MA_ORDER_CDAB, 0x4148, 0x0000), 16712);
    CHECK_DBL(dec(MA_VT_U32, MA_ORDER_BADC, 0x4148, 0x0000), 1212219392.0);
    CHECK_DBL(dec(MA_VT_U32, MA_ORDER_DCBA, 0x4148, 0x0000), 18497);
    /* {0x0102, 0x0304}: 0x01020304 = 16909060, 0x03040102 = 50594050,
     * 0x02010403 = 33620995, 0x04030201 = 67305985 */
    CHECK_DBL(dec(MA_VT_U32, MA_ORDER_ABCD, 0x0102, 0x0304), 16909060);
    CHECK_DBL(dec(MA_VT_U32, MA_ORDER_CDAB, 0x0102, 0x0304), 50594050);
    CHECK_DBL(dec(MA_VT_U32, MA_ORDER_BADC, 0x0102, 0x0304), 33620995);
    CHECK_DBL(dec(MA_VT_U32, MA_ORDER_DCBA, 0x0102, 0x0304), 67305985);
    /* f32 0x41480000: exponent 0x82 - 127 = 3, mantissa 1 + 0x480000 / 2^23 = 1.5625:
     * 12.5, given in each order's layout */
    CHECK_DBL(dec(MA_VT_F32, MA_ORDER_ABCD, 0x4148, 0x0000), 12.5);
    CHECK_DBL(dec(MA_VT_F32, MA_ORDER_CDAB, 0x0000, 0x4148), 12.5);
    CHECK_DBL(dec(MA_VT_F32, MA_ORDER_BADC, 0x4841, 0x0000), 12.5);
    CHECK_DBL(dec(MA_VT_F32, MA_ORDER_DCBA, 0x0000, 0x4841), 12.5);
    CHECK_DBL(dec(MA_VT_F32, MA_ORDER_ABCD, 0xC000, 0x0000), -2.0);
    CHECK(isnan(dec(MA_VT_F32, MA_ORDER_ABCD, 0x7FC0, 0x0000)));
    /* s32 -2 = 0xFFFFFFFE in each order's layout */
    CHECK_DBL(dec(MA_VT_S32, MA_ORDER_ABCD, 0xFFFF, 0xFFFE), -2);
    CHECK_DBL(dec(MA_VT_S32, MA_ORDER_CDAB, 0xFFFE, 0xFFFF), -2);
    CHECK_DBL(dec(MA_VT_S32, MA_ORDER_BADC, 0xFFFF, 0xFEFF), -2);
    CHECK_DBL(dec(MA_VT_S32, MA_ORDER_DCBA, 0xFEFF, 0xFFFF), -2);
    CHECK_DBL(dec(MA_VT_S32, MA_ORDER_ABCD, 0x8000, 0x0000), -2147483648.0);
    CHECK_DBL(dec(MA_VT_U32, MA_ORDER_ABCD, 0xFFFF, 0xFFFF), 4294967295.0);
}

static ma_watch_def_t wdef(const char *name, ma_table_t t, uint16_t addr, ma_vtype_t type)
{
    return (ma_watch_def_t){.name = (char *)name, .unit = -1, .table = t, .addr = addr, .type = type};
}

static void test_watch(void)
{
    ma_pair_t pa = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502);
    ma_pair_t pb = mkpair(1, v4(10, 0, 0, 2), v4(10, 0, 0, 200), 502);
    ma_watch_def_t wd[6] = {wdef("flt", MA_TBL_HOLDING, 10, MA_VT_F32), wdef("u", MA_TBL_HOLDING, 12, MA_VT_U16),
                            wdef("s", MA_TBL_HOLDING, 13, MA_VT_S16),   wdef("coil", MA_TBL_COILS, 3, MA_VT_BOOL),
                            wdef("x", MA_TBL_HOLDING, 11, MA_VT_U16),   wdef("inp", MA_TBL_INPUT, 10, MA_VT_U16)};
    wd[1].server = pa.server; /* "u" on A's server only */
    wd[2].unit = 2;           /* "s" on unit 2 only */
    wd[4].server = pb.server; /* "x" on B's server only */
    ma_regs_t *r = regs(false, 0, NULL, 0, wd, 6);
    /* instances in order of first observation: 0 flt/A/u1, 1 u/A/u1, 2 coil/A/u1,
     * 3 flt/B/u1, 4 x/B/u1, 5 s/A/u2, 6 inp/A/u1 */
    const uint8_t F = MA_REGO_FIRST, C = MA_REGO_CHANGED, WR = MA_REGO_WRITE;
    /* polls 1, 2: holding 10..13 = {0x4148, 0, 7, 0xFFFF}: flt 12.5 and u 7 ("s" is unit 2) */
    const ma_regs_rec_t *x = poll(r, &pa, 1, 3, 10, 4, 1, W(0x4148, 0x0000, 7, 0xFFFF), NONE);
    CHECK_EQ(nreg(x), 2);
    CHECK_ROBS(robs(x, 0), 0, F, 12.5, 0);
    CHECK_ROBS(robs(x, 1), 1, F, 7, 0);
    x = poll(r, &pa, 1, 3, 10, 4, 2, W(0x4148, 0x0000, 7, 0xFFFF), NONE);
    CHECK_ROBS(robs(x, 0), 0, 0, 12.5, 12.5);
    CHECK_ROBS(robs(x, 1), 1, 0, 7, 7);
    /* poll 3: 0x41490000 = 8 x (1.5625 + 0x10000 / 2^23) = 12.5625 */
    x = poll(r, &pa, 1, 3, 10, 4, 3, W(0x4149, 0x0000, 7, 0xFFFF), NONE);
    CHECK_ROBS(robs(x, 0), 0, C, 12.5625, 12.5);
    /* writes: fc 6 holding 12 = 9; fc 16 10..13 = {12.5, 9, 1}; fc 23 writes 12 = 11 */
    x = wr(r, &pa, 40, 1, 6, 12, -1, W(9), NONE);
    CHECK_EQ(x ? x->group : 9, 0);
    CHECK_EQ(nreg(x), 1);
    CHECK_ROBS(robs(x, 0), 1, WR | C, 9, 7);
    x = wr(r, &pa, 41, 1, 16, 10, -1, W(0x4148, 0x0000, 9, 1), NONE);
    CHECK_EQ(nreg(x), 2);
    CHECK_ROBS(robs(x, 0), 0, WR | C, 12.5, 12.5625);
    CHECK_ROBS(robs(x, 1), 1, WR, 9, 9);
    x = wr(r, &pa, 42, 1, 23, 0, 12, W(11), NONE); /* reads 0..1 (a poll group), writes 12 */
    CHECK(x && x->group > 0);
    CHECK_EQ(nreg(x), 1);
    CHECK_ROBS(robs(x, 0), 1, WR | C, 11, 9);
    /* coils: fc 5 sets coil 3, fc 15 clears 0..7, fc 1 reads it set again */
    x = wr(r, &pa, 43, 1, 5, 3, -1, NONE, B(1));
    CHECK_ROBS(robs(x, 0), 2, WR | F, 1, 0);
    x = wr(r, &pa, 44, 1, 15, 0, -1, NONE, B(0, 0, 0, 0, 1, 1, 1, 1));
    CHECK_ROBS(robs(x, 0), 2, WR | C, 0, 1);
    x = poll(r, &pa, 1, 1, 0, 8, 5, NONE, B(0, 0, 0, 1, 0, 0, 0, 0));
    CHECK_ROBS(robs(x, 0), 2, C, 1, 0);
    /* server filter: B's write to 12 is not "u" (A's server); B's read gives new
     * flt / x instances */
    CHECK(wr(r, &pb, 60, 1, 6, 12, -1, W(3), NONE) == NULL);
    x = poll(r, &pb, 1, 3, 10, 4, 7, W(0x4148, 0x0000, 1, 2), NONE);
    CHECK_EQ(nreg(x), 2);
    CHECK_ROBS(robs(x, 0), 3, F, 12.5, 0);
    CHECK_ROBS(robs(x, 1), 4, F, 0, 0);
    /* unit filter: "s" on unit 2, s16 0xFFFF = -1; "inp" on an input read only */
    x = poll(r, &pa, 2, 3, 13, 1, 8, W(0xFFFF), NONE);
    CHECK_EQ(nreg(x), 1);
    CHECK_ROBS(robs(x, 0), 5, F, -1, 0);
    x = poll(r, &pa, 1, 4, 10, 1, 9, W(77), NONE);
    CHECK_EQ(nreg(x), 1);
    CHECK_ROBS(robs(x, 0), 6, F, 77, 0);
    /* NaN: 12.5 -> NaN changed, NaN -> NaN unchanged, NaN -> 12.5 changed */
    x = poll(r, &pa, 1, 3, 10, 2, 10, W(0x7FC0, 0x0000), NONE);
    CHECK_EQ(robs(x, 0)->flags, C);
    CHECK(isnan(robs(x, 0)->value));
    x = poll(r, &pa, 1, 3, 10, 2, 11, W(0x7FC0, 0x0000), NONE);
    CHECK_EQ(robs(x, 0)->flags, 0);
    x = poll(r, &pa, 1, 3, 10, 2, 12, W(0x4148, 0x0000), NONE);
    CHECK_EQ(robs(x, 0)->flags, C);
    CHECK(isnan(robs(x, 0)->prev));
    CHECK_EQ(ma_regs_watch_count(r), 7);
    const ma_watch_t *w = ma_regs_watch(r, 0);
    CHECK_STR(w->def->name, "flt");
    CHECK(w->def->name != wd[0].name); /* copied */
    CHECK(ma_addr_equal(&w->server, &pa.server) && w->port == 502 && w->unit == 1);
    CHECK_EQ(w->reads, 6); /* polls 1, 2, 3, 10, 11, 12 */
    CHECK_EQ(w->writes, 1);
    CHECK_EQ(w->changes, 4);
    CHECK(w->first_value == 12.5 && w->last_value == 12.5);
    CHECK(w->first_ts == SEC(1) + MS(1) && w->last_ts == SEC(12) + MS(1));
    CHECK_EQ(w->changes_listed, 4);
    if (w->changes_listed == 4) {
        CHECK(w->list[0].frame == 31 && w->list[0].prev == 12.5 && w->list[0].value == 12.5625);
        CHECK(!w->list[0].write && w->list[1].frame == 41 && w->list[1].write);
        CHECK(w->list[2].frame == 101 && isnan(w->list[2].value) && isnan(w->list[3].prev));
        CHECK(w->list[3].value == 12.5 && w->list[3].ts == SEC(12) + MS(1));
    }
    w = ma_regs_watch(r, 1); /* u: reads 7, 7, 7; writes 9, 9, 11 */
    CHECK(w->reads == 3 && w->writes == 3 && w->changes == 2 && w->last_value == 11);
    w = ma_regs_watch(r, 2); /* coil: written 1, 0, read 1 */
    CHECK(w->reads == 1 && w->writes == 2 && w->changes == 2);
    CHECK(ma_addr_equal(&ma_regs_watch(r, 3)->server, &pb.server));
    ma_regs_free(r);

    /* max_list 2: 1, 2, 3, 4 are 3 changes, 2 listed */
    ma_regs_config_t cfg;
    ma_regs_config_defaults(&cfg);
    cfg.max_list = 2;
    r = ma_regs_new(&cfg, NULL, 0, wd + 1, 1);
    for (uint16_t k = 1; k <= 4; k++)
        poll(r, &pa, 1, 3, 12, 1, k, &k, 1, NONE);
    CHECK_EQ(ma_regs_watch(r, 0)->changes, 3);
    CHECK_EQ(ma_regs_watch(r, 0)->changes_listed, 2);
    CHECK_DBL(ma_regs_watch(r, 0)->list[1].value, 3);
    ma_regs_free(r);

    /* a bool watched on a holding register is 0 or 1, like ma_watch_decode(MA_VT_BOOL) */
    ma_watch_def_t bd = wdef("flag", MA_TBL_HOLDING, 0, MA_VT_BOOL);
    r = ma_regs_new(NULL, NULL, 0, &bd, 1);
    x = poll(r, &pa, 1, 3, 0, 1, 1, W(5), NONE);
    /* Regression: a bool on a register table was decoded as u16 (5, not 1). */
    CHECK_DBL(robs(x, 0)->value, 1);
    x = wr(r, &pa, 20, 1, 6, 0, -1, W(0), NONE);
    CHECK_DBL(robs(x, 0)->value, 0);
    ma_regs_free(r);
}

/* ---- 6. JSON configuration ----------------------------------------------------------- */

/* Parse text; on failure check that err is exactly want and nothing was added
 * to an output array that already held one entry. */
static GPtrArray *parse(bool monitor, const char *text, const char *want_err)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(ma_hb_def_free);
    ma_hb_def_t *sentinel = g_new0(ma_hb_def_t, 1);
    g_ptr_array_add(out, sentinel);
    char *err = g_strdup("old"); /* replaced, not leaked */
    bool ok = monitor ? ma_hbconf_parse_monitor(text, strlen(text), "mon.json", out, &err)
                      : ma_hbconf_parse_hbdefs(text, strlen(text), "hb.json", out, &err);
    CHECK_EQ(ok, want_err == NULL);
    if (want_err) {
        CHECK_STR(err, want_err);
        CHECK_EQ(out->len, 1);
        CHECK(out->len && out->pdata[0] == sentinel);
    }
    g_free(err);
    g_ptr_array_remove_index(out, 0);
    return out;
}

#define PAIR "\"pair_id\": \"1.2.3.4->5.6.7.8:502\""
#define HB1(f) "{\"a\": {" PAIR ", \"hb_reg_type\": 3, \"hb_dev_id\": 1, " f "}}"
#define HBE(f) "hb.json: entry 'a': " f
#define MON(f) "{\"heartbeats\": [{\"component_id\": \"bms\", " f "}]}"
#define MONE(f) "mon.json: entry 'heartbeats[0] (bms)': " f

static void test_hbconf(void)
{
    /* the engineers' hb_defs.json */
    GPtrArray *out = parse(false, "{\"hb1\": {\"pair_id\": \"192.168.112.5->192.168.112.10:502\", \"hb_reg_type\": "
                                  "3, \"hb_dev_id\": 255, \"hb_start\": 768, \"hb_reg\": 768, \"hb_size\": 20}}", NULL);
    CHECK_EQ(out->len, 1);
    if (out->len == 1) {
        const ma_hb_def_t *d = out->pdata[0];
        CHECK_STR(d->name, "hb1");
        CHECK_EQ(d->source, MA_HB_SRC_HBDEFS);
        ma_addr_t c = v4(192, 168, 112, 5), s = v4(192, 168, 112, 10);
        CHECK(ma_addr_equal(&d->client, &c) && d->client.len == 4);
        CHECK(ma_addr_equal(&d->server, &s) && d->server.len == 4);
        CHECK_DEF(d, 502, 255, MA_TBL_HOLDING, 768, 1, 768, 20); /* hb_reg_type 3 = read fc 3 */
    }
    g_ptr_array_free(out, TRUE);
    /* pcap_monitor.json's "heartbeats" */
    out = parse(true, "{\"heartbeats\": [{\"config_file\": \"x\", \"component_id\": \"bms_running_info\", \"dest_ip\": "
                      "\"172.17.0.13\", \"dest_port\": 11000, \"device_id\": 255, \"heartbeat_reg_type\": \"Input "
                      "Registers\", \"heartbeat_size\": 2, \"heartbeat_offset\": 278, \"heartbeat_uri\": "
                      "\"heartbeat\"}]}", NULL);
    CHECK_EQ(out->len, 1);
    if (out->len == 1) {
        const ma_hb_def_t *d = out->pdata[0];
        CHECK_STR(d->name, "bms_running_info:278");
        CHECK_EQ(d->source, MA_HB_SRC_MONITOR);
        ma_addr_t s = v4(172, 17, 0, 13);
        CHECK(ma_addr_equal(&d->server, &s));
        CHECK_EQ(d->client.len, 0); /* any client, any poll */
        CHECK_DEF(d, 11000, 255, MA_TBL_INPUT, 278, 2, -1, -1);
    }
    g_ptr_array_free(out, TRUE);
    /* IPv6, spaces around the parts, a number as a string, two entries in order */
    out = parse(false, "{\"v6\": {\"pair_id\": \"::1->[::1]:502\", \"hb_reg_type\": \"4\", \"hb_dev_id\": 0, "
                       "\"hb_start\": 0, \"hb_reg\": 1, \"hb_size\": 2}, \"x\": {\"pair_id\": \" fe80::1 -> "
                       "[2001:db8::2]:1502 \", \"hb_reg_type\": 1, \"hb_dev_id\": 1, \"hb_start\": 0, \"hb_reg\": "
                       "1999, \"hb_size\": 2000}}", NULL);
    CHECK_EQ(out->len, 2);
    if (out->len == 2) {
        const ma_hb_def_t *d = out->pdata[0], *e = out->pdata[1];
        ma_addr_t lo = v6_loopback(), c = {.len = 16, .bytes = {0xfe, 0x80, [15] = 1}},
                  s = {.len = 16, .bytes = {0x20, 0x01, 0x0d, 0xb8, [15] = 2}}; /* fe80::1, 2001:db8::2 */
        CHECK_STR(d->name, "v6");
        CHECK(d->client.len == 16 && ma_addr_equal(&d->client, &lo) && ma_addr_equal(&d->server, &lo));
        CHECK_DEF(d, 502, 0, MA_TBL_INPUT, 1, 1, 0, 2);
        CHECK_STR(e->name, "x");
        CHECK(ma_addr_equal(&e->client, &c) && ma_addr_equal(&e->server, &s));
        CHECK_DEF(e, 1502, 1, MA_TBL_COILS, 1999, 1, 0, 2000); /* coils: up to 2000 */
    }
    g_ptr_array_free(out, TRUE);
    g_ptr_array_free(parse(false, "{}", NULL), TRUE);
    out = parse(true, "{\"other\": 1}", NULL); /* no "heartbeats": nothing, fine */
    CHECK_EQ(out->len, 0);
    g_ptr_array_free(out, TRUE);
    out = parse(true, "{\"heartbeats\": [{\"dest_ip\": \"::1\", \"dest_port\": 502, \"device_id\": 1, "
                      "\"heartbeat_reg_type\": \"coils\", \"heartbeat_size\": 1, \"heartbeat_offset\": 65535}]}", NULL);
    CHECK(out->len == 1 && strcmp(((ma_hb_def_t *)out->pdata[0])->name, "heartbeat:65535") == 0);
    g_ptr_array_free(out, TRUE);

    /* errors: file, entry, problem; nothing appended */
    static const char *const bad[][2] = {
        {"{\"a\": {" PAIR ", \"hb_dev_id\": 1, \"hb_start\": 0, \"hb_reg\": 0, \"hb_size\": 1}}",
         HBE("missing \"hb_reg_type\"")},
        {HB1("\"hb_start\": 0, \"hb_size\": 1"), HBE("missing \"hb_reg\"")},
        {"{\"a\": {\"pair_id\": 5}}", HBE("\"pair_id\" must be a string")},
        {"{\"a\": {" PAIR ", \"hb_reg_type\": [3]}}", HBE("\"hb_reg_type\" must be an integer 1-4")},
        {"{\"a\": {" PAIR ", \"hb_reg_type\": 5}}", HBE("\"hb_reg_type\" must be an integer 1-4, got 5")},
        {"{\"a\": {" PAIR ", \"hb_reg_type\": 0}}", HBE("\"hb_reg_type\" must be an integer 1-4, got 0")},
        {"{\"a\": {" PAIR ", \"hb_reg_type\": 3, \"hb_dev_id\": 256}}",
         HBE("\"hb_dev_id\" must be an integer 0-255, got 256")},
        {HB1("\"hb_start\": -1"), HBE("\"hb_start\" must be an integer 0-65535, got -1")},
        {HB1("\"hb_start\": 0, \"hb_reg\": 3.5"), HBE("\"hb_reg\" must be an integer 0-65535, got 3.5")},
        {HB1("\"hb_start\": 0, \"hb_reg\": true"), HBE("\"hb_reg\" must be an integer 0-65535, got true")},
        {HB1("\"hb_start\": 0, \"hb_reg\": \"\""), HBE("\"hb_reg\" must be an integer 0-65535, got ")},
        {HB1("\"hb_start\": 0, \"hb_reg\": 0, \"hb_size\": 126"), HBE("\"hb_size\" must be an integer 1-125, got 126")},
        {HB1("\"hb_start\": 0, \"hb_reg\": 0, \"hb_size\": 0"), HBE("\"hb_size\" must be an integer 1-125, got 0")},
        {"{\"a\": {" PAIR ", \"hb_reg_type\": 2, \"hb_dev_id\": 1, \"hb_start\": 0, \"hb_reg\": 0, \"hb_size\": 2001}}",
         HBE("\"hb_size\" must be an integer 1-2000, got 2001")},
        {HB1("\"hb_start\": 768, \"hb_reg\": 788, \"hb_size\": 20"),
         HBE("\"hb_reg\" 788 is outside the poll 768..787 (hb_start, hb_size)")},
        {HB1("\"hb_start\": 768, \"hb_reg\": 767, \"hb_size\": 20"),
         HBE("\"hb_reg\" 767 is outside the poll 768..787 (hb_start, hb_size)")},
        {HB1("\"hb_start\": 65530, \"hb_reg\": 65530, \"hb_size\": 10"),
         HBE("the poll 65530..65539 ends past register 65535")},
        {"{\"a\": 5}", HBE("must be an object")},
        {"{\"a\": {", "hb.json: not valid JSON (truncated)"},
        {"[1, 2]", "hb.json: the top level must be a JSON object"},
        {"\"a\"", "hb.json: the top level must be a JSON object"},
        {"", "hb.json: not valid JSON (empty)"},
        {"{} {}", "hb.json: not valid JSON (text after the top-level object)"},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++)
        g_ptr_array_free(parse(false, bad[i][0], bad[i][1]), TRUE);
    static const char *const badpair[] = {"1.2.3.4-5.6.7.8:502", "1.2.3.4->5.6.7.8", "1.2.3.4->5.6.7.8:0",
                                          "1.2.3.4->5.6.7.8:65536", "1.2.3->5.6.7.8:502", "1.2.3.4->5.6.7.8:",
                                          "1.2.3.4->5.6.7.8:50x", "->5.6.7.8:502", "1.2.3.4->[5.6.7.8:502"};
    for (unsigned i = 0; i < G_N_ELEMENTS(badpair); i++) {
        char *j = g_strdup_printf("{\"a\": {\"pair_id\": \"%s\"}}", badpair[i]);
        char *e = g_strdup_printf("hb.json: entry 'a': \"pair_id\" must be \"client->server:port\", got \"%s\"",
                                  badpair[i]);
        g_ptr_array_free(parse(false, j, e), TRUE);
        g_free(j);
        g_free(e);
    }
    /* the second entry is bad: the first is not kept either */
    g_ptr_array_free(parse(false, "{\"ok\": {" PAIR ", \"hb_reg_type\": 3, \"hb_dev_id\": 1, \"hb_start\": 0, "
                                  "\"hb_reg\": 0, \"hb_size\": 1}, \"b\": {}}", "hb.json: entry 'b': missing \"pair_id\""),
                      TRUE);
    static const char *const mbad[][2] = {
        {"{\"heartbeats\": {}}", "mon.json: \"heartbeats\" must be a list"},
        {"{\"heartbeats\": 1}", "mon.json: \"heartbeats\" must be a list"},
        {"{\"heartbeats\": [5]}", "mon.json: entry 'heartbeats[0]': must be an object"},
        {MON("\"dest_ip\": \"1.2.3.4\""), MONE("missing \"dest_port\"")},
        {MON("\"dest_ip\": \"172.17.0\""), MONE("\"dest_ip\" is not an IP address: \"172.17.0\"")},
        {MON("\"dest_ip\": \"1.2.3.4\", \"dest_port\": 0"), MONE("\"dest_port\" must be an integer 1-65535, got 0")},
        {MON("\"dest_ip\": \"1.2.3.4\", \"dest_port\": 1, \"device_id\": 1, \"heartbeat_reg_type\": \"Registers\""),
         MONE("\"heartbeat_reg_type\" must be \"Holding Registers\", \"Input Registers\", \"Coils\" or \"Discrete "
              "Inputs\", got \"Registers\"")},
        {MON("\"dest_ip\": \"1.2.3.4\", \"dest_port\": 1, \"device_id\": 1, \"heartbeat_reg_type\": \"coils\", "
             "\"heartbeat_size\": 3"), MONE("\"heartbeat_size\" must be an integer 1-2, got 3")},
        {MON("\"dest_ip\": \"1.2.3.4\", \"dest_port\": 1, \"device_id\": 1, \"heartbeat_reg_type\": \"coils\", "
             "\"heartbeat_size\": 2, \"heartbeat_offset\": 65535"),
         MONE("the heartbeat 65535..65536 ends past register 65535")},
        {"{\"heartbeats\": [{\"dest_ip\": \"1.2.3.4\", \"dest_port\": 1, \"device_id\": 1, \"heartbeat_reg_type\": "
         "\"coils\", \"heartbeat_size\": 1, \"heartbeat_offset\": 0}, {\"component_id\": \"c2\"}]}",
         "mon.json: entry 'heartbeats[1] (c2)': missing \"dest_ip\""},
        {"{\"heartbeats\": [", "mon.json: not valid JSON (truncated)"},
        {"[]", "mon.json: the top level must be a JSON object"},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(mbad); i++)
        g_ptr_array_free(parse(true, mbad[i][0], mbad[i][1]), TRUE);

    /* a NUL byte inside the given length; err may be NULL */
    GPtrArray *o2 = g_ptr_array_new_with_free_func(ma_hb_def_free);
    char *err = NULL;
    CHECK(!ma_hbconf_parse_hbdefs("{}\0{}", 5, "hb.json", o2, &err));
    CHECK_STR(err, "hb.json: not valid JSON (contains a NUL byte)");
    g_free(err);
    err = NULL;
    CHECK(!ma_hbconf_parse_monitor("{\"heartbeats\": []}\0", 19, "mon.json", o2, &err));
    CHECK_STR(err, "mon.json: not valid JSON (contains a NUL byte)");
    g_free(err);
    CHECK(!ma_hbconf_parse_hbdefs("{\"a\": 1}", 8, "hb.json", o2, NULL));
    /* only len bytes are read: "{}" of "{}garbage" */
    CHECK(ma_hbconf_parse_hbdefs("{}garbage", 2, "hb.json", o2, NULL));
    CHECK_EQ(o2->len, 0);
    /* from a file */
    char *dir = g_dir_make_tmp("test_regs_XXXXXX", NULL);
    char *path = g_build_filename(dir, "mon.json", NULL);
    CHECK(g_file_set_contents(path, MON("\"dest_ip\": \"10.0.0.1\", \"dest_port\": 502, \"device_id\": 1, "
                                        "\"heartbeat_reg_type\": \"holding\", \"heartbeat_size\": 1, "
                                        "\"heartbeat_offset\": 7"), -1, NULL));
    err = NULL;
    CHECK(ma_hbconf_load(path, true, o2, &err));
    CHECK(err == NULL);
    CHECK(o2->len == 1 && ((ma_hb_def_t *)o2->pdata[0])->reg == 7);
    g_remove(path);
    CHECK(!ma_hbconf_load(path, true, o2, &err));
    char *want = g_strdup_printf("%s: cannot read: ", path);
    CHECK(err && g_str_has_prefix(err, want));
    CHECK_EQ(o2->len, 1);
    g_free(want);
    g_free(err);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
    g_ptr_array_free(o2, TRUE);

    ma_addr_t a;
    CHECK(ma_addr_parse("10.1.2.3", &a) && a.len == 4 && a.bytes[0] == 10 && a.bytes[3] == 3);
    CHECK(ma_addr_parse("::1", &a) && a.len == 16 && a.bytes[15] == 1 && a.bytes[0] == 0);
    CHECK(!ma_addr_parse("10.1.2", &a) && a.len == 0);
    CHECK(!ma_addr_parse("[::1]", &a) && !ma_addr_parse(NULL, &a));
}

/* ---- 7. random PDUs ---------------------------------------------------------------- */

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

static void test_random(void)
{
    ma_hb_def_t d[4] = {hdef("h32", MA_TBL_HOLDING, 10, 2), hdef("c", MA_TBL_COILS, 3, 1),
                        hdef("end", MA_TBL_INPUT, 65535, 2), hdef("d", MA_TBL_DISCRETE, 0, 1)};
    d[2].port = 502;
    d[3].unit = 2;
    d[3].poll_start = 0;
    d[3].poll_count = 8;
    ma_watch_def_t wd[5] = {wdef("f", MA_TBL_HOLDING, 10, MA_VT_F32), wdef("u", MA_TBL_HOLDING, 65535, MA_VT_U32),
                            wdef("c", MA_TBL_COILS, 1999, MA_VT_BOOL), wdef("s", MA_TBL_INPUT, 0, MA_VT_S16),
                            wdef("b", MA_TBL_HOLDING, 0, MA_VT_BOOL)};
    wd[0].order = MA_ORDER_DCBA;
    ma_regs_config_t cfg = {.stall_polls = 2, .stall_factor = 1.5, .auto_detect = true, .max_groups = 300,
                            .max_auto = 50000, .max_list = 4};
    ma_regs_t *r = ma_regs_new(&cfg, d, 4, wd, 5);
    ma_pair_t pr[4] = {mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 100), 502),
                       mkpair(1, v4(10, 0, 0, 2), v4(10, 0, 0, 100), 502),
                       mkpair(2, v6_loopback(), v6_loopback(), 1502), mkpair(3, v4(10, 0, 0, 1), v4(10, 0, 0, 9), 502)};
    ma_txn_t txn[32];
    memset(txn, 0, sizeof txn);
    static const uint8_t fcs[] = {1, 2, 3, 4, 5, 6, 15, 16, 23, 3, 3, 4};
    static const int32_t refs[] = {0, 8, 10, 100, 65535, 65534, 65500, -1};
    static const int32_t counts[] = {0, 1, 2, 4, 8, 125, 2000, 65535, 65536, -1, 3, 4};
    uint16_t *w = g_new(uint16_t, 2100);
    uint8_t *b = g_new(uint8_t, 2100);
    unsigned bad = 0, recs = 0, with_hb = 0, with_reg = 0;
    ma_ns_t ts = SEC(1);
    for (uint32_t i = 0; i < 200000; i++) {
        const ma_pair_t *p = &pr[rnd() % 4];
        ma_txn_t *t = rnd() % 64 ? &txn[rnd() % 32] : NULL;
        bool request = rnd() % 2;
        uint8_t fc = rnd() % 16 ? fcs[rnd() % G_N_ELEMENTS(fcs)] : (uint8_t)rnd();
        int32_t ref = rnd() % 8 ? refs[rnd() % G_N_ELEMENTS(refs)] : (int32_t)(rnd() % 65536);
        int32_t count = rnd() % 8 ? counts[rnd() % G_N_ELEMENTS(counts)] : (int32_t)(rnd() % 70000);
        int32_t wref = rnd() % 2 ? -1 : refs[rnd() % G_N_ELEMENTS(refs)];
        uint32_t nw = rnd() % 4 ? rnd() % 130 : rnd() % 2100; /* may exceed count */
        uint32_t nb = rnd() % 4 ? rnd() % 20 : rnd() % 2100;
        for (uint32_t j = 0; j < nw; j++)
            w[j] = rnd() % 4 ? (uint16_t)(i / 16 + j) : (uint16_t)rnd(); /* counters, mostly */
        for (uint32_t j = 0; j < nb; j++)
            b[j] = (uint8_t)(rnd() % 3 ? rnd() % 2 : rnd());
        uint8_t flags = 0, f = (uint8_t)rnd();
        if (f < 8)
            flags = (uint8_t)(1u << (f % 6)); /* one of ORPHAN..MALFORMED, 1 in 32 */
        const ma_regs_rec_t *x = pdu(r, p, t, request, i + 1, ts, (uint8_t)(rnd() % 3), fc, ref, count, wref, w, nw,
                                     b, nb, flags);
        ts += (ma_ns_t)(rnd() % 200000000u);
        if (!x)
            continue;
        recs++;
        with_hb += x->n_hb > 0;
        with_reg += x->n_reg > 0;
        unsigned nh = ma_regs_hb_count(r), nwt = ma_regs_watch_count(r);
        bad += x->n_hb > 256 || x->n_hb > nh || x->n_reg > 64 || (x->n_hb > 0) != (ma_regs_rec_hb(x) != NULL) ||
               (x->n_reg > 0) != (ma_regs_rec_reg(x) != NULL) || x->group > ma_regs_group_count(r) || (request && x->n_hb);
        for (unsigned k = 0; k < x->n_hb; k++) {
            uint16_t fl = ma_regs_rec_hb(x)[k].flags;
            bad += ma_regs_rec_hb(x)[k].hb >= nh || ((fl & MA_HBO_FIRST) && (fl & MA_HBO_CHANGED)) ||
                   ((fl & MA_HBO_STALL) && !(fl & MA_HBO_STALLED)) ||
                   ((fl & MA_HBO_RECOVERED) && !(fl & MA_HBO_CHANGED)) ||
                   ((fl & MA_HBO_RESET) && (fl & MA_HBO_WRAP));
        }
        for (unsigned k = 0; k < x->n_reg; k++)
            bad += ma_regs_rec_reg(x)[k].watch >= nwt;
    }
    ma_regs_finalize(r, ts);
    CHECK_EQ(bad, 0);
    CHECK(ma_regs_group_count(r) <= 300);
    CHECK(recs > 10000 && with_hb > 100 && with_reg > 100); /* the paths were exercised */
    CHECK(ma_regs_groups_dropped(r) > 0);
    for (unsigned i = 0; i < ma_regs_group_count(r); i++) {
        const ma_poll_group_t *g = ma_regs_group(r, i);
        /* (count 0 from a count of 65536: the bug test_regs.c's test_group_keys shows) */
        bad += g->gaps_listed > 4 || g->gaps_listed > g->gaps || g->missed_polls < g->gaps || g->polls < 1 ||
               (uint32_t)g->start + g->count > 65536 || g->jitter_s < 0 || g->cadence < 0;
    }
    for (unsigned i = 0; i < ma_regs_hb_count(r); i++) {
        const ma_hb_t *h = ma_regs_hb(r, i);
        bad += h->stalls_listed > 4 || h->stalls_listed > h->stalls || (h->words != 1 && h->words != 2) ||
               h->changes >= h->polls + (h->polls == 0) || h->resets + h->wraps > h->changes;
    }
    for (unsigned i = 0; i < ma_regs_watch_count(r); i++) {
        const ma_watch_t *wt = ma_regs_watch(r, i);
        bad += wt->changes_listed > 4 || wt->changes >= wt->reads + wt->writes + 1;
    }
    CHECK_EQ(bad, 0);
    printf("random: %u records, %u with heartbeats, %u with watches, %u groups, %u heartbeats, %u watches\n", recs,
           with_hb, with_reg, ma_regs_group_count(r), ma_regs_hb_count(r), ma_regs_watch_count(r));
    g_free(w);
    g_free(b);
    ma_regs_free(r);
}

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/regs_conf/auto_kinds", test_auto_kinds);
    g_test_add_func("/regs_conf/auto_boundaries", test_auto_boundaries);
    g_test_add_func("/regs_conf/auto_covered_and_bound", test_auto_covered_and_bound);
    g_test_add_func("/regs_conf/decode", test_decode);
    g_test_add_func("/regs_conf/watch", test_watch);
    g_test_add_func("/regs_conf/hbconf", test_hbconf);
    g_test_add_func("/regs_conf/random", test_random);
    return ma_test_run();
}
