/* net_helpers.h - the driver shared by the connection-health unit tests
 * (test_net_conn.c, test_net_retrans.c, test_net_app.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ma_core + ma_net are driven as the post-dissector does, per frame: note
 * the time, each PDU through ma_core_pdu (and ma_net_request for a new
 * request), then ma_net_segment once, then ma_core_conn_event for an RST /
 * FIN. Frames are numbered 1, 2, ... by the helpers (t.fr is the frame just
 * fed). Clients are 10.0.0.x:4xxxx, the server 10.0.0.2:502 unless said.
 * Helpers are static inline (unused ones are fine).
 */
#ifndef MA_TEST_NET_HELPERS_H
#define MA_TEST_NET_HELPERS_H

#include <glib.h>

#include "core_helpers.h"
#include "ma_net.h"
#include "ma_net_int.h"

#define US(x) ((ma_ns_t)(x) * INT64_C(1000))
#define SYN MA_TCP_SYN
#define ACK MA_TCP_ACK
#define FIN MA_TCP_FIN
#define RST MA_TCP_RST
#define ALLK 0x3Eu /* every MA_EV_* kind */
#define K(kind) (1u << (kind))

/* ---- driver ---- */

typedef struct tnet {
    ma_core_t *core;
    ma_net_t  *net;
    uint32_t   fr; /* the frame fed last */
} tnet_t;

/* Endpoints of a connection: client and server address and port. */
typedef struct ep {
    ma_addr_t cl, sv;
    uint16_t  cport, sport;
} ep_t;

static inline tnet_t tn_new(void)
{
    tnet_t t = {ma_core_new(NULL), NULL, 0};
    t.net = ma_net_new(NULL, t.core);
    return t;
}

static inline void tn_free(tnet_t *t)
{
    ma_net_free(t->net);
    ma_core_free(t->core);
}

static inline ep_t ep(uint8_t client, uint16_t cport)
{
    return (ep_t){v4(10, 0, 0, client), v4(10, 0, 0, 2), cport, 502};
}

/* A segment of e's connection `stream`: to the server or to the client. */
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
    in.src_is_server_port = !to_srv && e->sport == 502;
    in.dst_is_server_port = to_srv && e->sport == 502;
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
static inline void conn_events(tnet_t *t, const ma_tcp_in_t *in)
{
    if (in->flags & RST)
        ma_core_conn_event(t->core, in->stream, MA_CONN_RST, in->frame, in->ts);
    else if (in->flags & FIN)
        ma_core_conn_event(t->core, in->stream, in->dst_is_server_port ? MA_CONN_FIN_FROM_CLIENT
                                                                       : MA_CONN_FIN_FROM_SERVER,
                           in->frame, in->ts);
}

/* One frame without Modbus PDU. */
static inline const ma_seg_rec_t *seg(tnet_t *t, ma_tcp_in_t in)
{
    in.frame = ++t->fr;
    ma_core_note_time(t->core, in.ts);
    const ma_seg_rec_t *r = ma_net_segment(t->net, &in, NULL, NULL, 0);
    conn_events(t, &in);
    return r;
}

typedef struct pdu {
    uint8_t  unit;
    uint16_t tid;
    uint8_t  fc;
    uint16_t data;  /* the PDU bytes after fc: data (big endian), 0, 1 */
} pdu_t;

/* One frame carrying np PDUs in the direction of `in` (requests when it
 * goes to the server); out[i] gets ma_core's result of PDU i. */
static inline const ma_seg_rec_t *segp(tnet_t *t, ma_tcp_in_t in, const pdu_t *p, unsigned np, ma_pdu_t *out)
{
    ma_pdu_in_t pin[16];
    uint8_t adu[16][12];
    in.frame = ++t->fr;
    ma_core_note_time(t->core, in.ts);
    for (unsigned i = 0; i < np && i < 16; i++) {
        uint8_t a[12] = {(uint8_t)(p[i].tid >> 8), (uint8_t)p[i].tid, 0, 0, 0, 6, p[i].unit, p[i].fc,
                         (uint8_t)(p[i].data >> 8), (uint8_t)p[i].data, 0, 1};
        memcpy(adu[i], a, sizeof a);
        memset(&pin[i], 0, sizeof pin[i]);
        pin[i] = (ma_pdu_in_t){.frame = in.frame, .ts = in.ts, .stream = in.stream, .src = in.src, .dst = in.dst,
                               .srcport = in.srcport, .dstport = in.dstport,
                               .is_request = ma_core_is_request(in.srcport, in.dstport, in.src_is_server_port,
                                                                in.dst_is_server_port),
                               .tcp_retrans = (in.analysis & MA_TCPA_ANY_RETRANS) != 0, .tid = p[i].tid,
                               .unit = p[i].unit, .fc = p[i].fc, .adu = adu[i], .adu_len = 12, .ref = -1,
                               .count = -1, .wref = -1};
        ma_core_pdu(t->core, &pin[i], &out[i]);
        if (out[i].kind == MA_PDU_REQUEST && !(out[i].flags & (MA_PDU_RETRANS | MA_PDU_MALFORMED)))
            ma_net_request(t->net, &pin[i], &out[i]);
    }
    const ma_seg_rec_t *r = ma_net_segment(t->net, &in, pin, out, np);
    conn_events(t, &in);
    return r;
}

/* One PDU (unit 1, fc 3, data) in a frame; returns ma_core's txn. */
static inline ma_txn_t *pdu1(tnet_t *t, ma_tcp_in_t in, uint16_t tid, uint16_t data, const ma_seg_rec_t **rec)
{
    pdu_t p = {1, tid, 3, data};
    ma_pdu_t out;
    const ma_seg_rec_t *r = segp(t, in, &p, 1, &out);
    if (rec)
        *rec = r;
    return out.txn;
}

/* SYN at ts, SYN+ACK 1 ms later, ACK 2 ms later. */
static inline void handshake(tnet_t *t, const ep_t *e, uint32_t stream, ma_ns_t ts)
{
    seg(t, tcp(e, ts, stream, true, SYN, 0));
    seg(t, tcp(e, ts + MS(1), stream, false, SYN | ACK, 0));
    seg(t, tcp(e, ts + MS(2), stream, true, ACK, 0));
}

static inline const ma_net_conn_t *conn_of(const tnet_t *t, uint32_t stream)
{
    for (uint32_t i = 0; i < ma_net_conn_count(t->net); i++)
        if (ma_net_conn_at(t->net, i)->stream == stream)
            return ma_net_conn_at(t->net, i);
    return NULL;
}

static inline const ma_net_pair_t *pstats(tnet_t *t, const ma_net_conn_t *c)
{
    return ma_net_pair_stats(t->net, c ? c->pair->id : UINT32_MAX);
}

static inline uint16_t what(const ma_seg_rec_t *r)
{
    return r ? r->what : 0xFFFFu;
}

#endif /* MA_TEST_NET_HELPERS_H */
