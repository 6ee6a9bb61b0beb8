/* regs_helpers.h - what the unit tests of core/registers share: hand-built
 * pairs, heartbeat definitions, requests, responses and polls driven through
 * ma_regs_pdu() (no ma_core). Poll k is a request in frame 10k at its time and
 * the response in frame 10k + 1, 1 ms later; register data is passed in
 * exact-size heap copies so that the sanitizer build sees any read past it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef REGS_HELPERS_H
#define REGS_HELPERS_H

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

static inline ma_pair_t mkpair(uint32_t id, ma_addr_t c, ma_addr_t s, uint16_t port)
{
    return (ma_pair_t){.id = id, .client = c, .server = s, .server_port = port};
}

static inline ma_regs_t *regs(bool autodet, uint32_t stall_polls, double factor, const ma_hb_def_t *defs, unsigned n)
{
    ma_regs_config_t cfg;
    ma_regs_config_defaults(&cfg);
    cfg.auto_detect = autodet;
    cfg.stall_polls = stall_polls;
    cfg.stall_factor = factor;
    return ma_regs_new(&cfg, defs, n, NULL, 0);
}

static inline ma_hb_def_t hbdef(const char *name, ma_table_t table, uint16_t reg, uint8_t words)
{
    return (ma_hb_def_t){.name = (char *)name, .source = MA_HB_SRC_UAT, .port = -1, .unit = -1, .table = table,
                         .reg = reg, .words = words, .poll_start = -1, .poll_count = -1};
}

/* The request of transaction t (re-initialised); flags MA_PDU_*. */
static inline const ma_regs_rec_t *req(ma_regs_t *r, const ma_pair_t *p, ma_txn_t *t, uint32_t frame, ma_ns_t ts,
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
static inline const ma_regs_rec_t *resp(ma_regs_t *r, const ma_pair_t *p, ma_txn_t *t, uint32_t frame, ma_ns_t ts,
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
static inline const ma_regs_rec_t *poll(ma_regs_t *r, const ma_pair_t *p, uint8_t unit, uint8_t fc, int32_t ref,
                                 int32_t count, uint32_t k, ma_ns_t ts, const uint16_t *w, uint32_t nw)
{
    ma_txn_t t;
    req(r, p, &t, 10 * k, ts, unit, fc, ref, count, 0);
    return resp(r, p, &t, 10 * k + 1, ts + MS(1), w, nw, NULL, 0, 0);
}

static inline const ma_regs_rec_t *pollb(ma_regs_t *r, const ma_pair_t *p, uint8_t unit, uint8_t fc, int32_t ref,
                                  int32_t count, uint32_t k, ma_ns_t ts, const uint8_t *b, uint32_t nb)
{
    ma_txn_t t;
    req(r, p, &t, 10 * k, ts, unit, fc, ref, count, 0);
    return resp(r, p, &t, 10 * k + 1, ts + MS(1), NULL, 0, b, nb, 0);
}

static inline uint32_t grp(const ma_regs_rec_t *x) { return x ? x->group : 0; }
static inline unsigned nhb(const ma_regs_rec_t *x) { return x ? x->n_hb : 0; }

/* Observation i of a record (a zeroed one, after a failed check, if absent). */
static inline const ma_hb_obs_t *obs(const ma_regs_rec_t *x, unsigned i)
{
    static const ma_hb_obs_t none;
    bool ok = x && i < x->n_hb && ma_regs_rec_hb(x);
    CHECK(ok);
    return ok ? &ma_regs_rec_hb(x)[i] : &none;
}

#endif /* REGS_HELPERS_H */
