/* ma_cause.c - the cause of a delayed, late or missed transaction
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Rules and their order: ma_cause.h (and README, "Why was it slow?").
 */
#include "ma_cause.h"

#include <glib.h>

bool ma_cause_applies(const ma_txn_t *t)
{
    return t->outcome == MA_OUT_LATE || t->outcome == MA_OUT_MISSED ||
           (t->outcome == MA_OUT_ANSWERED && (t->flags & MA_TXN_DELAYED));
}

const char *ma_cause_name(ma_cause_t c)
{
    switch (c) {
    case MA_CAUSE_STP:         return "stp";
    case MA_CAUSE_TCP_RETRANS: return "tcp-retransmission";
    case MA_CAUSE_CONNECTION:  return "connection";
    case MA_CAUSE_RETRY:       return "retry";
    case MA_CAUSE_SERVER:      return "server";
    case MA_CAUSE_NONE:
    case MA_CAUSE_N:           break;
    }
    return "";
}

#define EVBIT(k) (1u << (k))

/* The cause of one transaction (ma_cause.h, rules 1-5) and its evidence.
 * first: it is the first request of its connection. */
static ma_cause_t decide(const ma_txn_t *t, const ma_net_t *net, const ma_stp_t *stp,
                         const ma_cause_config_t *cfg, ma_ns_t timeout, bool first, uint32_t *frame)
{
    ma_ns_t t0 = t->req_ts;
    ma_ns_t t1 = t->resp_frame ? t->resp_ts : t0 + timeout;
    if (stp) {
        const ma_stp_event_t *e = ma_stp_last_change(stp, t1);
        if (e && e->ts >= t0 - cfg->stp_window) {
            *frame = e->frame;
            return MA_CAUSE_STP;
        }
    }
    if (t->flags & MA_TXN_RETRANS) {
        *frame = t->retrans_frame;
        return MA_CAUSE_TCP_RETRANS;
    }
    const ma_net_ev_t *ev = NULL;
    if (net && t->pair) {
        /* the waiting direction (to the client), no other transaction's bytes */
        ev = ma_net_find_event_info(net, t->pair->id, EVBIT(MA_EV_RETRANS), t->stream, t0, t1,
                                    MA_EVI_TO_SERVER | MA_EVI_CARRIES, 0);
        if (ev) {
            *frame = ev->frame;
            return MA_CAUSE_TCP_RETRANS;
        }
    }
    if (t->flags & MA_TXN_CLOSED) {
        *frame = t->resolve_frame;
        return MA_CAUSE_CONNECTION;
    }
    if (net && t->pair) {
        ev = ma_net_find_event(net, t->pair->id, EVBIT(MA_EV_RESET) | EVBIT(MA_EV_CLOSE_SERVER), t->stream, t0, t1);
        if (ev) {
            *frame = ev->frame;
            return MA_CAUSE_CONNECTION;
        }
        const ma_net_conn_t *c = first ? ma_net_stream_conn(net, t->stream) : NULL;
        if (c && c->attempt == MA_ATT_TIMEOUT && c->synack_frame) {
            *frame = c->synack_frame;
            return MA_CAUSE_CONNECTION;
        }
    }
    if (t->flags & MA_TXN_RETRIED) {
        *frame = t->retried_by;
        return MA_CAUSE_RETRY;
    }
    *frame = 0;
    return MA_CAUSE_SERVER;
}

void ma_cause_decide(ma_core_t *core, ma_net_t *net, const ma_stp_t *stp, const ma_cause_config_t *cfg)
{
    ma_ns_t timeout = ma_core_config(core)->response_timeout;
    uint32_t n = ma_core_txn_count(core);
    GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal); /* streams with a request */
    for (uint32_t i = 0; i < n; i++) {
        ma_txn_t *t = ma_core_txn_at(core, i);
        bool first = g_hash_table_add(seen, GUINT_TO_POINTER(t->stream + 1));
        if (t->cause != MA_CAUSE_NONE || !ma_cause_applies(t))
            continue;
        uint32_t frame = 0;
        t->cause = (uint8_t)decide(t, net, stp, cfg, timeout, first, &frame);
        t->cause_frame = frame;
        if (net && t->pair)
            ma_net_pair_stats(net, t->pair->id)->causes[t->cause]++;
    }
    g_hash_table_destroy(seen);
}
