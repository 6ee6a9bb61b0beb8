/* cause_helpers.h - the world driver shared by the cause unit tests
 * (test_cause.c, test_cause_bounds.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Real ma_core, ma_net and ma_stp objects are driven as the post-dissector
 * drives them, per frame: note the time, each PDU through ma_core_pdu (and
 * ma_net_request for a new request), then ma_net_segment once, then
 * ma_core_conn_event for an RST / FIN; a BPDU goes to ma_stp_bpdu. Frames
 * are numbered 1, 2, ... by the helpers (w.fr is the frame just fed). Then
 * ma_core_finalize, ma_net_finalize, ma_cause_decide, as
 * modbus_an_finalize does. No mocks. Helpers are static inline (unused
 * ones are fine).
 */
#ifndef MA_TEST_CAUSE_HELPERS_H
#define MA_TEST_CAUSE_HELPERS_H

#include <glib.h>

#include "core_helpers.h"
#include "ma_cause.h"
#include "ma_net.h"
#include "ma_stp.h"

#define SYN MA_TCP_SYN
#define ACK MA_TCP_ACK
#define FIN MA_TCP_FIN
#define RST MA_TCP_RST
#define RTX MA_TCPA_RETRANS

/* Bridge and root ids: (priority | system id extension) << 48 | MAC. */
#define BRIDGE  ((UINT64_C(32769) << 48) | UINT64_C(0x001ef6735980))
#define ROOT1   ((UINT64_C(24577) << 48) | UINT64_C(0x00024b7c8e47))
#define ROOT2   ((UINT64_C(4097) << 48) | UINT64_C(0x001906eab880))
#define F_DESIG 0x3Cu              /* RSTP designated, learning, forwarding */
#define F_DESIG_TC (F_DESIG | MA_STPF_TC)
#define F_ALT   0x04u              /* RSTP alternate/backup, discarding */

/* ---- driver ---- */

typedef struct tw {
    ma_core_t *core;
    ma_net_t  *net;
    ma_stp_t  *stp;
    uint32_t   fr; /* the frame fed last */
} tw_t;

typedef struct ep {
    ma_addr_t cl, sv;
    uint16_t  cport, sport;
} ep_t;

static inline tw_t tw_new(void)
{
    tw_t w = {ma_core_new(NULL), NULL, ma_stp_new(), 0};
    w.net = ma_net_new(NULL, w.core);
    return w;
}

static inline void tw_free(tw_t *w)
{
    ma_stp_free(w->stp);
    ma_net_free(w->net);
    ma_core_free(w->core);
}

static inline ep_t ep(uint8_t client, uint16_t cport)
{
    return (ep_t){v4(10, 0, 0, client), v4(10, 0, 0, 2), cport, 502};
}

/* A segment of e's connection `stream`, to the server or to the client. */
static inline ma_tcp_in_t tcp(const ep_t *e, ma_ns_t ts, uint32_t stream, bool to_srv, uint16_t flags, uint8_t an)
{
    ma_tcp_in_t in;
    memset(&in, 0, sizeof in);
    in.ts = ts;
    in.stream = stream;
    in.src = to_srv ? e->cl : e->sv;
    in.dst = to_srv ? e->sv : e->cl;
    in.srcport = to_srv ? e->cport : e->sport;
    in.dstport = to_srv ? e->sport : e->cport;
    in.src_is_server_port = !to_srv;
    in.dst_is_server_port = to_srv;
    in.flags = flags;
    in.analysis = an;
    return in;
}

/* The same with sequence number and length. */
static inline ma_tcp_in_t tcpq(const ep_t *e, ma_ns_t ts, uint32_t stream, bool to_srv, uint16_t flags, uint8_t an,
                               uint32_t seq, uint32_t len)
{
    ma_tcp_in_t in = tcp(e, ts, stream, to_srv, flags, an);
    in.has_seq = true;
    in.seq = seq;
    in.len = len;
    return in;
}

/* The connection events the post-dissector passes to ma_core. */
static inline void conn_events(tw_t *w, const ma_tcp_in_t *in)
{
    if (in->flags & RST)
        ma_core_conn_event(w->core, in->stream, MA_CONN_RST, in->frame, in->ts);
    else if (in->flags & FIN)
        ma_core_conn_event(w->core, in->stream, in->dst_is_server_port ? MA_CONN_FIN_FROM_CLIENT
                                                                       : MA_CONN_FIN_FROM_SERVER,
                           in->frame, in->ts);
}

/* One frame without Modbus PDU; returns its frame number. */
static inline uint32_t seg(tw_t *w, ma_tcp_in_t in)
{
    in.frame = ++w->fr;
    ma_core_note_time(w->core, in.ts);
    ma_net_segment(w->net, &in, NULL, NULL, 0);
    conn_events(w, &in);
    return in.frame;
}

/* One frame carrying one PDU (unit 1, fc 3, tid, 16-bit data after the fc)
 * in the direction of `in` (a request when it goes to the server); a
 * retransmission flag on the segment marks the PDU tcp_retrans. Returns
 * ma_core's txn (for a response: the one it answers). */
static inline ma_txn_t *pdu1(tw_t *w, ma_tcp_in_t in, uint16_t tid, uint16_t data)
{
    uint8_t adu[12] = {(uint8_t)(tid >> 8), (uint8_t)tid, 0, 0, 0, 6, 1, 3, (uint8_t)(data >> 8), (uint8_t)data, 0, 1};
    in.frame = ++w->fr;
    ma_core_note_time(w->core, in.ts);
    ma_pdu_in_t pin = {.frame = in.frame, .ts = in.ts, .stream = in.stream, .src = in.src, .dst = in.dst,
                       .srcport = in.srcport, .dstport = in.dstport, .is_request = in.dst_is_server_port,
                       .tcp_retrans = (in.analysis & MA_TCPA_ANY_RETRANS) != 0, .tid = tid, .unit = 1, .fc = 3,
                       .adu = adu, .adu_len = 12, .ref = -1, .count = -1, .wref = -1};
    ma_pdu_t out;
    ma_core_pdu(w->core, &pin, &out);
    if (out.kind == MA_PDU_REQUEST && !(out.flags & (MA_PDU_RETRANS | MA_PDU_MALFORMED)))
        ma_net_request(w->net, &pin, &out);
    ma_net_segment(w->net, &in, &pin, &out, 1);
    conn_events(w, &in);
    return out.txn;
}

/* A request / response of e's connection `stream` without sequence numbers. */
static inline ma_txn_t *req(tw_t *w, const ep_t *e, uint32_t stream, ma_ns_t ts, uint16_t tid, uint16_t data)
{
    return pdu1(w, tcp(e, ts, stream, true, ACK, 0), tid, data);
}

static inline ma_txn_t *resp(tw_t *w, const ep_t *e, uint32_t stream, ma_ns_t ts, uint16_t tid, uint16_t data)
{
    return pdu1(w, tcp(e, ts, stream, false, ACK, 0), tid, data);
}

/* SYN at ts, SYN+ACK 1 ms later, ACK 2 ms later; returns the SYN's frame. */
static inline uint32_t handshake(tw_t *w, const ep_t *e, uint32_t stream, ma_ns_t ts)
{
    uint32_t f = seg(w, tcp(e, ts, stream, true, SYN, 0));
    seg(w, tcp(e, ts + MS(1), stream, false, SYN | ACK, 0));
    seg(w, tcp(e, ts + MS(2), stream, true, ACK, 0));
    return f;
}

/* An RST BPDU (version 2) of BRIDGE port 0x8001 with the given flags and
 * root; checks the events ma_stp raised for it. Returns its frame. */
static inline uint32_t bpdu(tw_t *w, ma_ns_t ts, uint8_t flags, uint64_t root, uint8_t expect_events)
{
    ma_bpdu_in_t in;
    memset(&in, 0, sizeof in);
    in.frame = ++w->fr;
    in.ts = ts;
    static const uint8_t mac[6] = {0x00, 0x1e, 0xf6, 0x73, 0x59, 0x81};
    memcpy(in.src_mac, mac, 6);
    in.type = MA_BPDU_RST;
    in.version = 2;
    in.flags = flags;
    in.has_ids = true;
    in.root_id = root;
    in.root_cost = 19;
    in.bridge_id = BRIDGE;
    in.port_id = 0x8001;
    ma_core_note_time(w->core, ts);
    const ma_bpdu_rec_t *r = ma_stp_bpdu(w->stp, &in);
    CHECK(r != NULL && r->events == expect_events);
    return in.frame;
}

/* A TCN BPDU from a switch MAC (each one here is the speaker's first: a TCN event). */
static inline uint32_t tcn(tw_t *w, ma_ns_t ts)
{
    ma_bpdu_in_t in;
    memset(&in, 0, sizeof in);
    in.frame = ++w->fr;
    in.ts = ts;
    static const uint8_t mac[6] = {0x00, 0x19, 0x06, 0xea, 0xb8, 0x85};
    memcpy(in.src_mac, mac, 6);
    in.type = MA_BPDU_TCN;
    ma_core_note_time(w->core, ts);
    const ma_bpdu_rec_t *r = ma_stp_bpdu(w->stp, &in);
    CHECK(r != NULL && r->events == MA_STP_EV_TCN);
    return in.frame;
}

/* The end of the first pass: the capture reaches `end`. */
static inline void finish(tw_t *w, ma_ns_t end)
{
    ma_core_note_time(w->core, end);
    ma_core_finalize(w->core);
    ma_net_finalize(w->net, ma_core_capture_end(w->core));
}

/* ma_cause_decide with or without the net / stp engines and stp_window. */
static inline void decide_w(tw_t *w, bool with_net, bool with_stp, ma_ns_t stp_window)
{
    ma_cause_config_t cc = {.stp_window = stp_window};
    ma_cause_decide(w->core, with_net ? w->net : NULL, with_stp ? w->stp : NULL, &cc);
}

static inline void decide(tw_t *w)
{
    decide_w(w, true, true, MA_DEFAULT_STP_WINDOW);
}

/* True if t has cause c with evidence frame f (prints what it got if not). */
static inline bool is_cause(const ma_txn_t *t, ma_cause_t c, uint32_t f)
{
    if (!t) {
        printf("  txn is NULL\n");
        return false;
    }
    if (t->cause == c && t->cause_frame == f)
        return true;
    printf("  txn of frame %u: cause %u (%s) frame %u, expected %u (%s) frame %u\n", t->req_frame, t->cause,
           ma_cause_name((ma_cause_t)t->cause), t->cause_frame, (unsigned)c, ma_cause_name(c), f);
    return false;
}

/* True if the per-pair counts of `pair` are exactly stp, retrans, conn,
 * retry, server (and 0 for MA_CAUSE_NONE). */
static inline bool counts_are(tw_t *w, const ma_pair_t *pair, uint64_t stp, uint64_t rtx, uint64_t conn, uint64_t retry,
                              uint64_t server)
{
    const uint64_t exp[MA_CAUSE_N] = {0, stp, rtx, conn, retry, server};
    if (!pair) {
        printf("  pair is NULL\n");
        return false;
    }
    const ma_net_pair_t *p = ma_net_pair_stats(w->net, pair->id);
    bool ok = true;
    for (int c = 0; c < MA_CAUSE_N; c++) {
        if (p->causes[c] != exp[c]) {
            printf("  pair %u: causes[%s] = %llu, expected %llu\n", pair->id,
                   c ? ma_cause_name((ma_cause_t)c) : "none", (unsigned long long)p->causes[c],
                   (unsigned long long)exp[c]);
            ok = false;
        }
    }
    return ok;
}

#endif /* MA_TEST_CAUSE_HELPERS_H */
