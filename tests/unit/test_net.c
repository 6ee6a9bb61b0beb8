/* test_net.c - unit tests of connection health, retransmitted Modbus bytes,
 * application retries and expected topology (core/ma_net.c, ma_net_app.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ma_core + ma_net are driven as the post-dissector does, per frame: note
 * the time, each PDU through ma_core_pdu (and ma_net_request for a new
 * request), then ma_net_segment once, then ma_core_conn_event for an RST /
 * FIN. Frames are numbered 1, 2, ... by the helpers (t.fr is the frame just
 * fed). Clients are 10.0.0.x:4xxxx, the server 10.0.0.2:502 unless said.
 * Every expected value is worked out by hand in the comments.
 *
 * Boundaries tested (chosen in core/ma_net.c's header comment):
 *  - ESTABLISHED iff SYN+ACK - first SYN <= connect_timeout (3 s here);
 *    at finalize TIMEOUT iff capture_end - first SYN > connect_timeout, else
 *    UNFINISHED; a server RST before any SYN+ACK refuses iff it comes
 *    <= connect_timeout after the first SYN, later it is a TIMEOUT.
 *  - retry iff 0 <= dt <= retry_window (10 s here).
 *  - gap 0 is a reconnect, gap < 0 parallel (recomputed at finalize).
 *  - sequence ranges compare modulo 2^32 (wrap-around tested).
 *  - the bounds MA_NET_MAX_CONNS / _EVENTS / _RETRY_KEYS are tested through
 *    the test-only ma_net_set_limits (core/ma_net_int.h); the fixed
 *    MA_NET_SEG_RING (64) and MA_NET_SEG_TXNS (8) and the internal pending
 *    FIFO (32) are tested at their real values; 5000 connections check the
 *    block allocation.
 */
#define _POSIX_C_SOURCE 200809L

#include <glib.h>

#include "check.h"
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

static tnet_t tn_new(void)
{
    tnet_t t = {ma_core_new(NULL), NULL, 0};
    t.net = ma_net_new(NULL, t.core);
    return t;
}

static void tn_free(tnet_t *t)
{
    ma_net_free(t->net);
    ma_core_free(t->core);
}

static ep_t ep(uint8_t client, uint16_t cport)
{
    return (ep_t){v4(10, 0, 0, client), v4(10, 0, 0, 2), cport, 502};
}

/* A segment of e's connection `stream`: to the server or to the client. */
static ma_tcp_in_t tcp(const ep_t *e, ma_ns_t ts, uint32_t stream, bool to_srv, uint16_t flags, uint8_t an)
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
static ma_tcp_in_t tcpq(const ep_t *e, ma_ns_t ts, uint32_t stream, bool to_srv, uint16_t flags, uint8_t an,
                        uint32_t seq, uint32_t len)
{
    ma_tcp_in_t in = tcp(e, ts, stream, to_srv, flags, an);
    in.has_seq = true;
    in.seq = seq;
    in.len = len;
    return in;
}

/* The connection events the post-dissector passes to ma_core. */
static void conn_events(tnet_t *t, const ma_tcp_in_t *in)
{
    if (in->flags & RST)
        ma_core_conn_event(t->core, in->stream, MA_CONN_RST, in->frame, in->ts);
    else if (in->flags & FIN)
        ma_core_conn_event(t->core, in->stream, in->dst_is_server_port ? MA_CONN_FIN_FROM_CLIENT
                                                                       : MA_CONN_FIN_FROM_SERVER,
                           in->frame, in->ts);
}

/* One frame without Modbus PDU. */
static const ma_seg_rec_t *seg(tnet_t *t, ma_tcp_in_t in)
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
static const ma_seg_rec_t *segp(tnet_t *t, ma_tcp_in_t in, const pdu_t *p, unsigned np, ma_pdu_t *out)
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
static ma_txn_t *pdu1(tnet_t *t, ma_tcp_in_t in, uint16_t tid, uint16_t data, const ma_seg_rec_t **rec)
{
    pdu_t p = {1, tid, 3, data};
    ma_pdu_t out;
    const ma_seg_rec_t *r = segp(t, in, &p, 1, &out);
    if (rec)
        *rec = r;
    return out.txn;
}

/* SYN at ts, SYN+ACK 1 ms later, ACK 2 ms later. */
static void handshake(tnet_t *t, const ep_t *e, uint32_t stream, ma_ns_t ts)
{
    seg(t, tcp(e, ts, stream, true, SYN, 0));
    seg(t, tcp(e, ts + MS(1), stream, false, SYN | ACK, 0));
    seg(t, tcp(e, ts + MS(2), stream, true, ACK, 0));
}

static const ma_net_conn_t *conn_of(const tnet_t *t, uint32_t stream)
{
    for (uint32_t i = 0; i < ma_net_conn_count(t->net); i++)
        if (ma_net_conn_at(t->net, i)->stream == stream)
            return ma_net_conn_at(t->net, i);
    return NULL;
}

static const ma_net_pair_t *pstats(tnet_t *t, const ma_net_conn_t *c)
{
    return ma_net_pair_stats(t->net, c ? c->pair->id : UINT32_MAX);
}

static uint16_t what(const ma_seg_rec_t *r)
{
    return r ? r->what : 0xFFFFu;
}

/* ---- tests ---- */

static void test_defaults(void)
{
    ma_net_config_t cfg;
    ma_net_config_defaults(&cfg);
    CHECK_EQ(cfg.connect_timeout, SEC(3));
    CHECK_EQ(cfg.retry_window, SEC(10));
    tnet_t t = tn_new();
    CHECK_EQ(ma_net_config(t.net)->connect_timeout, SEC(3));
    CHECK_EQ(ma_net_config(t.net)->retry_window, SEC(10));
    CHECK_EQ(ma_net_conn_count(t.net), 0);
    CHECK(ma_net_conn_at(t.net, 0) == NULL);
    CHECK_EQ(ma_net_conns_dropped(t.net), 0);
    CHECK_EQ(ma_net_pair_count(t.net), 0);
    ma_net_pair_t *s = ma_net_pair_stats(t.net, 5); /* no such pair: a zero entry */
    CHECK(s != NULL && s->pair == NULL && s->conns == 0 && s->retries == 0);
    CHECK(ma_net_find_event(t.net, 0, ALLK, UINT32_MAX, 0, SEC(100)) == NULL);
    CHECK_EQ(ma_net_expect_count(t.net), 0);
    ma_net_finalize(t.net, 0);
    CHECK_EQ(ma_net_conn_count(t.net), 0);
    tn_free(&t);

    ma_net_config_t mine = {.connect_timeout = SEC(1), .retry_window = SEC(2)};
    ma_core_t *core = ma_core_new(NULL);
    ma_net_t *n = ma_net_new(&mine, core);
    CHECK_EQ(ma_net_config(n)->connect_timeout, SEC(1));
    CHECK_EQ(ma_net_config(n)->retry_window, SEC(2));
    ma_net_free(n);
    ma_net_free(NULL);
    ma_core_free(core);
}

/* An attempt that succeeds; the PDUs share the connection's pair. */
static void test_handshake(void)
{
    tnet_t t = tn_new();
    ep_t e = ep(1, 40001);
    const ma_seg_rec_t *r = seg(&t, tcp(&e, SEC(1), 1, true, SYN, 0));
    CHECK_EQ(what(r), MA_SEG_ATTEMPT);
    const ma_net_conn_t *c = r ? r->conn : NULL;
    CHECK(c != NULL);
    if (!c) {
        tn_free(&t);
        return;
    }
    CHECK(r->to_server);
    CHECK_EQ(r->analysis, 0);
    CHECK_EQ(r->ntxn, 0);
    CHECK_EQ(c->stream, 1);
    CHECK_EQ(c->attempt, MA_ATT_PENDING);
    CHECK_EQ(c->syn_packets, 1);
    CHECK(!c->established);
    CHECK_EQ(c->handshake, -1);
    CHECK_EQ(c->first_frame, 1);
    CHECK_EQ(c->first_ts, SEC(1));
    CHECK_EQ(c->client_port, 40001);
    CHECK(ma_addr_equal(&c->pair->client, &e.cl));
    CHECK(ma_addr_equal(&c->pair->server, &e.sv));
    CHECK_EQ(c->pair->server_port, 502);
    CHECK_EQ(c->prev_stream_frame, 0);

    /* SYN+ACK 1.5 ms later: handshake 1.5 ms, established. */
    r = seg(&t, tcp(&e, SEC(1) + US(1500), 1, false, SYN | ACK, 0));
    CHECK_EQ(what(r), MA_SEG_SYNACK);
    CHECK(r && !r->to_server && r->conn == c);
    CHECK_EQ(c->handshake, US(1500));
    CHECK_EQ(c->attempt, MA_ATT_ESTABLISHED);
    CHECK_EQ(c->synack_frame, 2);
    CHECK(c->established);
    /* Plain ACK and data segments mean nothing: NULL. */
    CHECK(seg(&t, tcp(&e, SEC(1) + MS(2), 1, true, ACK, 0)) == NULL);
    CHECK(!c->modbus);
    static const ma_seg_rec_t dummy;
    const ma_seg_rec_t *rr = &dummy;
    ma_txn_t *q = pdu1(&t, tcpq(&e, SEC(2), 1, true, ACK, 0, 1, 12), 1, 0x10, &rr);
    CHECK(rr == NULL);
    CHECK(c->modbus);
    ma_txn_t *a = pdu1(&t, tcpq(&e, SEC(2) + MS(5), 1, false, ACK, 0, 1, 11), 1, 0x10, &rr);
    CHECK(rr == NULL);
    CHECK(q != NULL && q == a);
    CHECK(q && q->pair == c->pair); /* pair ids shared with ma_core */
    CHECK(q && q->flags == 0 && q->retrans_frame == 0 && q->retry_of == 0);
    CHECK_EQ(c->last_frame, 5);
    CHECK_EQ(c->last_ts, SEC(2) + MS(5));
    CHECK_EQ(ma_net_conn_count(t.net), 1);
    CHECK(ma_net_conn_at(t.net, 0) == c);
    CHECK(ma_net_conn_at(t.net, 1) == NULL);

    ma_net_finalize(t.net, SEC(10));
    const ma_net_pair_t *p = pstats(&t, c);
    CHECK(p->pair == c->pair);
    CHECK_EQ(p->conns, 1);
    CHECK_EQ(p->attempts, 1);
    CHECK_EQ(p->syn_packets, 1);
    CHECK_EQ(p->established, 1);
    CHECK_EQ(p->refused + p->timeout + p->unfinished, 0);
    CHECK_EQ(p->handshakes, 1);
    CHECK_EQ(p->hs_min, US(1500));
    CHECK_EQ(p->hs_max, US(1500));
    CHECK_EQ(p->hs_sum, US(1500));
    CHECK_EQ(p->open_at_end, 1);
    /* OPEN: duration = last segment 2.005 s - first 1 s. */
    CHECK_EQ(p->dur_min, MS(1005));
    CHECK_EQ(p->dur_max, MS(1005));
    CHECK_EQ(p->dur_sum, MS(1005));
    CHECK_EQ(p->reconnects + p->parallel, 0);
    CHECK_EQ(p->resets_by_client + p->resets_by_server + p->fin_by_client + p->fin_by_server, 0);
    CHECK_EQ(c->end, MA_END_OPEN);
    CHECK_EQ(c->end_frame, 0);
    CHECK_EQ(ma_net_pair_count(t.net), 1);
    CHECK_EQ(ma_net_event_count(t.net, 0), 0);
    tn_free(&t);
}

/* SYN retransmissions and the connect_timeout boundary of the SYN+ACK. */
static void test_syn_retries(void)
{
    tnet_t t = tn_new();
    ep_t e1 = ep(1, 40001), e2 = ep(1, 40002);
    /* stream 1: SYNs at 10, 11, 12 s; SYN+ACK at 13 s: exactly 3 s -> ESTABLISHED. */
    CHECK_EQ(what(seg(&t, tcp(&e1, SEC(10), 1, true, SYN, 0))), MA_SEG_ATTEMPT);
    CHECK_EQ(what(seg(&t, tcp(&e1, SEC(11), 1, true, SYN, 0))), MA_SEG_SYN_RETRY);
    CHECK_EQ(what(seg(&t, tcp(&e1, SEC(12), 1, true, SYN, 0))), MA_SEG_SYN_RETRY);
    const ma_seg_rec_t *r = seg(&t, tcp(&e1, SEC(13), 1, false, SYN | ACK, 0));
    CHECK_EQ(what(r), MA_SEG_SYNACK);
    const ma_net_conn_t *c1 = conn_of(&t, 1);
    CHECK_EQ(c1->syn_packets, 3);
    CHECK_EQ(c1->handshake, SEC(3));
    CHECK_EQ(c1->attempt, MA_ATT_ESTABLISHED);
    /* A second SYN+ACK is not the first: nothing. */
    CHECK(seg(&t, tcp(&e1, SEC(13) + 5, 1, false, SYN | ACK, 0)) == NULL);
    CHECK_EQ(c1->synack_frame, 4);

    /* stream 2 (frame 6): SYNs at 20, 21, 23 s, SYN+ACK at 23 s + 1 ns -> TIMEOUT,
     * handshake still recorded; a SYN after the SYN+ACK is a retry too. */
    CHECK_EQ(what(seg(&t, tcp(&e2, SEC(20), 2, true, SYN, 0))), MA_SEG_ATTEMPT | MA_SEG_RECONNECT);
    CHECK_EQ(t.fr, 6);
    CHECK_EQ(what(seg(&t, tcp(&e2, SEC(21), 2, true, SYN, 0))), MA_SEG_SYN_RETRY);
    CHECK_EQ(what(seg(&t, tcp(&e2, SEC(23), 2, true, SYN, 0))), MA_SEG_SYN_RETRY);
    CHECK_EQ(what(seg(&t, tcp(&e2, SEC(23) + 1, 2, false, SYN | ACK, 0))), MA_SEG_SYNACK);
    const ma_net_conn_t *c2 = conn_of(&t, 2);
    CHECK_EQ(c2->attempt, MA_ATT_TIMEOUT);
    CHECK_EQ(c2->handshake, SEC(3) + 1);
    CHECK(c2->established);
    CHECK_EQ(what(seg(&t, tcp(&e2, SEC(23) + MS(500), 2, true, SYN, 0))), MA_SEG_SYN_RETRY);
    CHECK_EQ(c2->syn_packets, 4);
    /* The failure is an event at the first SYN (frame 6, 20 s). */
    const ma_net_ev_t *ev = ma_net_find_event(t.net, c2->pair->id, K(MA_EV_FAILED), 2, SEC(20), SEC(20));
    CHECK(ev && ev->frame == 6 && ev->ts == SEC(20) && ev->stream == 2 && ev->kind == MA_EV_FAILED);
    CHECK(ma_net_find_event(t.net, c2->pair->id, K(MA_EV_FAILED), 1, 0, SEC(100)) == NULL);

    ma_net_finalize(t.net, SEC(30));
    const ma_net_pair_t *p = pstats(&t, c1);
    CHECK_EQ(p->conns, 2);
    CHECK_EQ(p->attempts, 2);
    CHECK_EQ(p->syn_packets, 7);
    CHECK_EQ(p->established, 1);
    CHECK_EQ(p->timeout, 1);
    CHECK_EQ(p->handshakes, 2);
    CHECK_EQ(p->hs_min, SEC(3));
    CHECK_EQ(p->hs_max, SEC(3) + 1);
    CHECK_EQ(p->hs_sum, SEC(6) + 1);
    /* stream 2 began at 20 s; stream 1 never ended, last segment 13 s + 5 ns. */
    CHECK_EQ(p->reconnects, 1);
    CHECK_EQ(c2->gap, SEC(7) - 5);
    CHECK_EQ(c2->prev_stream_frame, 5);
    CHECK_EQ(p->gap_min, SEC(7) - 5);
    CHECK_EQ(p->gap_sum, SEC(7) - 5);
    tn_free(&t);
}

/* REFUSED by a server RST (boundary at connect_timeout), client aborts,
 * TIMEOUT and UNFINISHED at the end. */
static void test_refused(void)
{
    tnet_t t = tn_new();
    ep_t e[6];
    for (int i = 1; i <= 5; i++)
        e[i] = ep(3, (uint16_t)(41000 + i));
    /* stream 1: RST+ACK from the server 200 us after the SYN (frame 2). */
    seg(&t, tcp(&e[1], SEC(1), 1, true, SYN, 0));
    const ma_seg_rec_t *r = seg(&t, tcp(&e[1], SEC(1) + US(200), 1, false, RST | ACK, 0));
    CHECK_EQ(what(r), MA_SEG_REFUSED);
    const ma_net_conn_t *c = conn_of(&t, 1);
    CHECK_EQ(c->attempt, MA_ATT_REFUSED);
    CHECK_EQ(c->end, MA_END_RST_SERVER);
    CHECK_EQ(c->end_frame, 2);
    CHECK_EQ(c->end_ts, SEC(1) + US(200));
    CHECK(!c->session_reset);
    CHECK(!c->established);
    CHECK_EQ(c->handshake, -1);
    uint32_t pid = c->pair->id;
    const ma_net_ev_t *ev = ma_net_find_event(t.net, pid, K(MA_EV_FAILED), 1, 0, SEC(100));
    CHECK(ev && ev->frame == 2 && ev->ts == SEC(1) + US(200));

    /* stream 2: SYN at 5 s (frame 3), RST at exactly 8 s: still REFUSED. */
    seg(&t, tcp(&e[2], SEC(5), 2, true, SYN, 0));
    CHECK_EQ(what(seg(&t, tcp(&e[2], SEC(8), 2, false, RST | ACK, 0))), MA_SEG_REFUSED);
    CHECK_EQ(conn_of(&t, 2)->attempt, MA_ATT_REFUSED);

    /* stream 3: SYN at 10 s (frame 5), SYN at 11 s, RST at 13 s + 1 ns: the
     * attempt had timed out; no flag on the RST (record NULL). */
    seg(&t, tcp(&e[3], SEC(10), 3, true, SYN, 0));
    seg(&t, tcp(&e[3], SEC(11), 3, true, SYN, 0));
    CHECK(seg(&t, tcp(&e[3], SEC(13) + 1, 3, false, RST | ACK, 0)) == NULL);
    c = conn_of(&t, 3);
    CHECK_EQ(c->attempt, MA_ATT_TIMEOUT);
    CHECK_EQ(c->end, MA_END_RST_SERVER);
    CHECK(!c->session_reset);
    ev = ma_net_find_event(t.net, pid, K(MA_EV_FAILED), 3, 0, SEC(100));
    CHECK(ev && ev->frame == 5 && ev->ts == SEC(10));

    /* stream 4: SYN at 20 s (frame 8), the client aborts with RST at 21 s:
     * not refused, not a session reset; decided at the end (30 s: TIMEOUT). */
    seg(&t, tcp(&e[4], SEC(20), 4, true, SYN, 0));
    CHECK(seg(&t, tcp(&e[4], SEC(21), 4, true, RST, 0)) == NULL);
    c = conn_of(&t, 4);
    CHECK_EQ(c->attempt, MA_ATT_PENDING);
    CHECK_EQ(c->end, MA_END_RST_CLIENT);
    CHECK(!c->session_reset);

    /* stream 5: SYN at 28 s (frame 10): the capture ends at 30 s -> UNFINISHED. */
    seg(&t, tcp(&e[5], SEC(28), 5, true, SYN, 0));
    ma_net_finalize(t.net, SEC(30));
    CHECK_EQ(conn_of(&t, 4)->attempt, MA_ATT_TIMEOUT);
    CHECK_EQ(conn_of(&t, 5)->attempt, MA_ATT_UNFINISHED);
    ev = ma_net_find_event(t.net, pid, K(MA_EV_FAILED), 4, 0, SEC(100));
    CHECK(ev && ev->frame == 8 && ev->ts == SEC(20));
    CHECK(ma_net_find_event(t.net, pid, K(MA_EV_FAILED), 5, 0, SEC(100)) == NULL);
    const ma_net_pair_t *p = ma_net_pair_stats(t.net, pid);
    CHECK_EQ(p->conns, 5);
    CHECK_EQ(p->attempts, 5);
    CHECK_EQ(p->refused, 2);
    CHECK_EQ(p->timeout, 2);
    CHECK_EQ(p->unfinished, 1);
    CHECK_EQ(p->established, 0);
    CHECK_EQ(p->handshakes, 0);
    CHECK_EQ(p->hs_min + p->hs_max + p->hs_sum, 0);
    CHECK_EQ(p->resets_by_client + p->resets_by_server, 0);
    CHECK_EQ(p->syn_packets, 6);
    CHECK_EQ(p->open_at_end, 1); /* stream 5 */
    /* FAILED events: streams 1, 2, 3, 4; NEW_CONN: streams 2..5. */
    CHECK_EQ(ma_net_event_count(t.net, pid), 8);
    /* In time order: the timeout of stream 4 (20 s) was added at finalize
     * after the NEW_CONN of stream 5 (28 s) and sorted before it. */
    ev = ma_net_find_event(t.net, pid, K(MA_EV_FAILED) | K(MA_EV_NEW_CONN), UINT32_MAX, SEC(20), SEC(30));
    CHECK(ev && ev->kind == MA_EV_NEW_CONN && ev->stream == 4); /* 20 s: NEW_CONN (frame 8) then FAILED */
    for (uint32_t i = 1; i < ma_net_event_count(t.net, pid); i++)
        CHECK(ma_net_event_at(t.net, pid, i - 1)->ts <= ma_net_event_at(t.net, pid, i)->ts);
    tn_free(&t);
}

/* ma_net_finalize: the capture_end boundary, idempotence, late SYN+ACK. */
static void test_finalize(void)
{
    tnet_t t = tn_new();
    ep_t e1 = ep(4, 40001), e2 = ep(4, 40002);
    seg(&t, tcp(&e1, SEC(100), 1, true, SYN, 0));
    const ma_net_conn_t *c = conn_of(&t, 1);
    uint32_t pid = c->pair->id;
    ma_net_finalize(t.net, SEC(103)); /* exactly 3 s: UNFINISHED */
    CHECK_EQ(c->attempt, MA_ATT_UNFINISHED);
    CHECK_EQ(ma_net_event_count(t.net, pid), 0);
    ma_net_pair_t snap = *ma_net_pair_stats(t.net, pid);
    ma_net_finalize(t.net, SEC(103));
    CHECK(memcmp(&snap, ma_net_pair_stats(t.net, pid), sizeof snap) == 0);
    CHECK_EQ(snap.unfinished, 1);

    ma_net_finalize(t.net, SEC(103) + 1); /* just over: TIMEOUT */
    CHECK_EQ(c->attempt, MA_ATT_TIMEOUT);
    CHECK_EQ(ma_net_event_count(t.net, pid), 1);
    snap = *ma_net_pair_stats(t.net, pid);
    CHECK_EQ(snap.timeout, 1);
    CHECK_EQ(snap.unfinished, 0);
    ma_net_finalize(t.net, SEC(103) + 1);
    CHECK(memcmp(&snap, ma_net_pair_stats(t.net, pid), sizeof snap) == 0);
    CHECK_EQ(ma_net_event_count(t.net, pid), 1);

    /* A SYN+ACK after that finalize (4 s): decided TIMEOUT by the segment,
     * the FAILED event is not repeated, the handshake counts. */
    CHECK_EQ(what(seg(&t, tcp(&e1, SEC(104), 1, false, SYN | ACK, 0))), MA_SEG_SYNACK);
    CHECK_EQ(c->attempt, MA_ATT_TIMEOUT);
    CHECK_EQ(c->handshake, SEC(4));
    CHECK_EQ(ma_net_event_count(t.net, pid), 1);

    /* stream 2: SYN at 200 s, finalize at 201 s (UNFINISHED), then a SYN+ACK
     * at 201.5 s: ESTABLISHED after all (the next finalize keeps it). */
    seg(&t, tcp(&e2, SEC(200), 2, true, SYN, 0));
    ma_net_finalize(t.net, SEC(201));
    const ma_net_conn_t *c2 = conn_of(&t, 2);
    CHECK_EQ(c2->attempt, MA_ATT_UNFINISHED);
    seg(&t, tcp(&e2, SEC(201) + MS(500), 2, false, SYN | ACK, 0));
    CHECK_EQ(c2->attempt, MA_ATT_ESTABLISHED);
    ma_net_finalize(t.net, SEC(400));
    CHECK_EQ(c2->attempt, MA_ATT_ESTABLISHED);
    const ma_net_pair_t *p = ma_net_pair_stats(t.net, pid);
    CHECK_EQ(p->attempts, 2);
    CHECK_EQ(p->established, 1);
    CHECK_EQ(p->timeout, 1);
    CHECK_EQ(p->handshakes, 2);
    CHECK_EQ(p->hs_sum, SEC(4) + MS(1500));
    /* The live counters survive every finalize (none here: all 0). */
    CHECK_EQ(p->retries + p->retrans_attached, 0);
    tn_free(&t);
}

/* Session resets by each side, FIN by each side, RST after FIN, durations
 * and reconnect gaps. */
static void test_ends(void)
{
    tnet_t t = tn_new();
    ep_t e10 = ep(5, 40010), e11 = ep(5, 40011), e12 = ep(5, 40012), e13 = ep(5, 40013), e14 = ep(5, 40014);
    /* stream 10: established at 0 s, RST from the client at 5 s (frame 4). */
    handshake(&t, &e10, 10, 0);
    const ma_seg_rec_t *r = seg(&t, tcp(&e10, SEC(5), 10, true, RST | ACK, 0));
    CHECK_EQ(what(r), MA_SEG_RESET);
    const ma_net_conn_t *c10 = conn_of(&t, 10);
    CHECK(c10->session_reset);
    CHECK_EQ(c10->end, MA_END_RST_CLIENT);
    CHECK_EQ(c10->end_frame, 4);
    CHECK_EQ(c10->end_ts, SEC(5));
    /* A second RST is nothing. */
    CHECK(seg(&t, tcp(&e10, SEC(5) + 1, 10, true, RST, 0)) == NULL);
    CHECK_EQ(c10->end_frame, 4);

    /* stream 11: seen mid-session at 10 s (frame 6), RST from the server at 12 s. */
    r = seg(&t, tcp(&e11, SEC(10), 11, true, ACK, 0));
    CHECK_EQ(what(r), MA_SEG_RECONNECT);
    const ma_net_conn_t *c11 = conn_of(&t, 11);
    CHECK_EQ(c11->attempt, MA_ATT_NONE);
    CHECK(c11->established);
    CHECK_EQ(c11->gap, SEC(5));          /* 10 s - stream 10's end 5 s */
    CHECK_EQ(c11->prev_stream_frame, 4); /* stream 10's end frame, not its last (5) */
    CHECK_EQ(what(seg(&t, tcp(&e11, SEC(12), 11, false, RST, 0))), MA_SEG_RESET);
    CHECK(c11->session_reset);
    CHECK_EQ(c11->end, MA_END_RST_SERVER);

    /* stream 12: SYN at 20 s (gap 8 s), FIN from the client at 25 s, FIN
     * from the server, then an RST from the server: not a session reset. */
    CHECK_EQ(what(seg(&t, tcp(&e12, SEC(20), 12, true, SYN, 0))), MA_SEG_ATTEMPT | MA_SEG_RECONNECT);
    seg(&t, tcp(&e12, SEC(20) + MS(1), 12, false, SYN | ACK, 0));
    CHECK_EQ(what(seg(&t, tcp(&e12, SEC(25), 12, true, FIN | ACK, 0))), MA_SEG_FIN);
    uint32_t fin12 = t.fr;
    CHECK(seg(&t, tcp(&e12, SEC(25) + MS(1), 12, false, FIN | ACK, 0)) == NULL);
    CHECK(seg(&t, tcp(&e12, SEC(25) + MS(2), 12, false, RST, 0)) == NULL);
    const ma_net_conn_t *c12 = conn_of(&t, 12);
    CHECK(!c12->session_reset);
    CHECK_EQ(c12->end, MA_END_FIN_CLIENT);
    CHECK_EQ(c12->end_frame, fin12);
    CHECK_EQ(c12->end_ts, SEC(25));
    CHECK_EQ(c12->gap, SEC(8));

    /* stream 13: SYN at 30 s (gap 5 s), FIN from the server at 31 s. */
    seg(&t, tcp(&e13, SEC(30), 13, true, SYN, 0));
    seg(&t, tcp(&e13, SEC(30) + MS(1), 13, false, SYN | ACK, 0));
    CHECK_EQ(what(seg(&t, tcp(&e13, SEC(31), 13, false, FIN | ACK, 0))), MA_SEG_FIN);
    uint32_t fin13 = t.fr;
    CHECK(seg(&t, tcp(&e13, SEC(31) + MS(1), 13, true, FIN | ACK, 0)) == NULL);
    CHECK(seg(&t, tcp(&e13, SEC(31) + MS(500), 13, true, ACK, 0)) == NULL);
    const ma_net_conn_t *c13 = conn_of(&t, 13);
    CHECK_EQ(c13->end, MA_END_FIN_SERVER);
    CHECK_EQ(c13->last_ts, SEC(31) + MS(500));

    /* stream 14: mid-session at 40 s (gap 40 - 31 = 9 s), open, last at 42 s. */
    seg(&t, tcp(&e14, SEC(40), 14, true, ACK, 0));
    seg(&t, tcp(&e14, SEC(42), 14, false, ACK, 0));

    ma_net_finalize(t.net, SEC(50));
    uint32_t pid = c10->pair->id;
    const ma_net_pair_t *p = ma_net_pair_stats(t.net, pid);
    CHECK_EQ(p->conns, 5);
    CHECK_EQ(p->attempts, 3);
    CHECK_EQ(p->established, 3);
    CHECK_EQ(p->handshakes, 3);
    CHECK_EQ(p->hs_sum, MS(3));
    CHECK_EQ(p->resets_by_client, 1);
    CHECK_EQ(p->resets_by_server, 1);
    CHECK_EQ(p->fin_by_client, 1);
    CHECK_EQ(p->fin_by_server, 1);
    CHECK_EQ(p->open_at_end, 1);
    /* durations 5, 2, 5, 1 and 2 s */
    CHECK_EQ(p->dur_min, SEC(1));
    CHECK_EQ(p->dur_max, SEC(5));
    CHECK_EQ(p->dur_sum, SEC(15));
    CHECK_EQ(p->reconnects, 4);
    CHECK_EQ(p->parallel, 0);
    CHECK_EQ(p->gap_min, SEC(5));
    CHECK_EQ(p->gap_max, SEC(9));
    CHECK_EQ(p->gap_sum, SEC(27));
    CHECK_EQ(conn_of(&t, 14)->prev_stream_frame, fin13);

    /* Events: RESET 5 s (10), NEW_CONN 10 s, RESET 12 s (11), NEW_CONN 20 s,
     * CLOSE_SERVER 25.001 s (12), NEW_CONN 30 s, CLOSE_SERVER 31 s (13), NEW_CONN 40 s. */
    CHECK_EQ(ma_net_event_count(t.net, pid), 8);
    const ma_net_ev_t *ev = ma_net_find_event(t.net, pid, K(MA_EV_RESET), UINT32_MAX, 0, SEC(50));
    CHECK(ev && ev->ts == SEC(5) && ev->stream == 10 && ev->frame == 4);
    ev = ma_net_find_event(t.net, pid, K(MA_EV_RESET), 11, 0, SEC(50));
    CHECK(ev && ev->ts == SEC(12));
    ev = ma_net_find_event(t.net, pid, K(MA_EV_CLOSE_SERVER), UINT32_MAX, SEC(25) + MS(1), SEC(25) + MS(1));
    CHECK(ev && ev->stream == 12 && ev->frame == fin12 + 1);
    CHECK(ma_net_find_event(t.net, pid, K(MA_EV_CLOSE_SERVER), UINT32_MAX, SEC(25) + MS(1) + 1, SEC(31) - 1) == NULL);
    ev = ma_net_find_event(t.net, pid, K(MA_EV_CLOSE_SERVER), UINT32_MAX, SEC(25) + MS(1) + 1, SEC(31));
    CHECK(ev && ev->stream == 13 && ev->frame == fin13);
    CHECK(ma_net_find_event(t.net, pid, K(MA_EV_RESET), UINT32_MAX, SEC(5) + 1, SEC(12) - 1) == NULL);
    ev = ma_net_find_event(t.net, pid, K(MA_EV_RESET), UINT32_MAX, SEC(5) + 1, SEC(12));
    CHECK(ev && ev->ts == SEC(12));
    ev = ma_net_find_event(t.net, pid, K(MA_EV_RESET), UINT32_MAX, SEC(5), SEC(5));
    CHECK(ev && ev->ts == SEC(5));
    ev = ma_net_find_event(t.net, pid, K(MA_EV_NEW_CONN), UINT32_MAX, SEC(11), SEC(50));
    CHECK(ev && ev->ts == SEC(20) && ev->stream == 12);
    tn_free(&t);
}

/* Reconnect gaps exact, gap 0, parallel connections (decided at finalize
 * with the previous connection's final end). */
static void test_reconnect(void)
{
    tnet_t t = tn_new();
    ep_t e1 = ep(6, 40001), e2 = ep(6, 40002), e3 = ep(6, 40003), e4 = ep(6, 40004);
    handshake(&t, &e1, 1, 0);
    seg(&t, tcp(&e1, SEC(2), 1, true, FIN | ACK, 0)); /* frame 4: end 2 s */
    seg(&t, tcp(&e1, SEC(2) + MS(1), 1, false, FIN | ACK, 0));
    seg(&t, tcp(&e1, SEC(2) + MS(2), 1, true, ACK, 0));
    /* stream 2 at 2.5 s: gap 0.5 s from the end frame 4. */
    const ma_seg_rec_t *r2 = seg(&t, tcp(&e2, SEC(2) + MS(500), 2, true, SYN, 0));
    CHECK_EQ(what(r2), MA_SEG_ATTEMPT | MA_SEG_RECONNECT);
    const ma_net_conn_t *c2 = conn_of(&t, 2);
    CHECK_EQ(c2->gap, MS(500));
    CHECK_EQ(c2->prev_stream_frame, 4);
    seg(&t, tcp(&e2, SEC(2) + MS(501), 2, false, SYN | ACK, 0));
    /* stream 3 at 2.6 s while stream 2 is open: provisionally a reconnect
     * (stream 2's last segment was 2.501 s: gap 99 ms) ... */
    const ma_seg_rec_t *r3 = seg(&t, tcp(&e3, SEC(2) + MS(600), 3, true, SYN, 0));
    CHECK_EQ(what(r3), MA_SEG_ATTEMPT | MA_SEG_RECONNECT);
    const ma_net_conn_t *c3 = conn_of(&t, 3);
    CHECK_EQ(c3->gap, MS(99));
    seg(&t, tcp(&e3, SEC(2) + MS(601), 3, false, SYN | ACK, 0));
    seg(&t, tcp(&e3, SEC(3), 3, false, FIN | ACK, 0)); /* stream 3 ends at 3 s */
    uint32_t fin3 = t.fr;
    /* stream 4 at exactly 3 s: gap 0 -> a reconnect. */
    CHECK_EQ(what(seg(&t, tcp(&e4, SEC(3), 4, true, SYN, 0))), MA_SEG_ATTEMPT | MA_SEG_RECONNECT);
    const ma_net_conn_t *c4 = conn_of(&t, 4);
    CHECK_EQ(c4->gap, 0);
    CHECK_EQ(c4->prev_stream_frame, fin3);
    seg(&t, tcp(&e4, SEC(3) + MS(1), 4, false, SYN | ACK, 0));
    seg(&t, tcp(&e4, SEC(4), 4, true, FIN | ACK, 0));
    /* ... stream 2 goes on until its FIN at 10 s. */
    seg(&t, tcp(&e2, SEC(5), 2, true, ACK, 0));
    seg(&t, tcp(&e2, SEC(10), 2, true, FIN | ACK, 0));
    uint32_t fin2 = t.fr;

    ma_net_finalize(t.net, SEC(20));
    /* stream 3 overlapped stream 2 (2.6 s - 10 s = -7.4 s): parallel; its
     * first record says so now. */
    CHECK_EQ(c3->gap, -MS(7400));
    CHECK_EQ(c3->prev_stream_frame, fin2);
    CHECK_EQ(what(r3), MA_SEG_ATTEMPT | MA_SEG_PARALLEL);
    CHECK_EQ(what(r2), MA_SEG_ATTEMPT | MA_SEG_RECONNECT);
    CHECK_EQ(c2->gap, MS(500));
    CHECK_EQ(c4->gap, 0);
    const ma_net_pair_t *p = pstats(&t, c2);
    CHECK_EQ(p->conns, 4);
    CHECK_EQ(p->reconnects, 2);
    CHECK_EQ(p->parallel, 1);
    CHECK_EQ(p->gap_min, 0);
    CHECK_EQ(p->gap_max, MS(500));
    CHECK_EQ(p->gap_sum, MS(500));
    /* durations 2, 7.5, 0.4 and 1 s */
    CHECK_EQ(p->dur_min, MS(400));
    CHECK_EQ(p->dur_max, MS(7500));
    CHECK_EQ(p->dur_sum, MS(10900));
    CHECK_EQ(p->fin_by_client, 3);
    CHECK_EQ(p->fin_by_server, 1);
    CHECK_EQ(p->open_at_end, 0);
    /* NEW_CONN at 2.5, 2.6 and 3 s; CLOSE_SERVER at 2.001 s (stream 1, a FIN
     * answering the client's) and 3 s (stream 3). */
    uint32_t pid = c2->pair->id;
    CHECK_EQ(ma_net_event_count(t.net, pid), 5);
    const ma_net_ev_t *ev = ma_net_find_event(t.net, pid, K(MA_EV_NEW_CONN), UINT32_MAX, SEC(2) + MS(550), SEC(3));
    CHECK(ev && ev->stream == 3);
    ev = ma_net_find_event(t.net, pid, K(MA_EV_NEW_CONN) | K(MA_EV_CLOSE_SERVER), UINT32_MAX, SEC(3), SEC(3));
    CHECK(ev && ev->kind == MA_EV_CLOSE_SERVER && ev->stream == 3); /* same time: the earlier frame first */
    ev = ma_net_find_event(t.net, pid, K(MA_EV_NEW_CONN), 4, SEC(3), SEC(3));
    CHECK(ev && ev->kind == MA_EV_NEW_CONN);
    tn_free(&t);
}

/* The capture's clock goes back: handshake and duration never negative. */
static void test_clock_back(void)
{
    tnet_t t = tn_new();
    ep_t e = ep(14, 40001);
    seg(&t, tcp(&e, SEC(50), 1, true, SYN, 0));
    CHECK_EQ(what(seg(&t, tcp(&e, SEC(49), 1, false, SYN | ACK, 0))), MA_SEG_SYNACK);
    const ma_net_conn_t *c = conn_of(&t, 1);
    CHECK_EQ(c->handshake, 0);
    CHECK_EQ(c->attempt, MA_ATT_ESTABLISHED);
    seg(&t, tcp(&e, SEC(48), 1, true, FIN | ACK, 0));
    CHECK_EQ(c->end_ts, SEC(48));
    CHECK_EQ(c->last_ts, SEC(50)); /* the latest time seen */
    ma_net_finalize(t.net, SEC(60));
    const ma_net_pair_t *p = pstats(&t, c);
    CHECK_EQ(p->dur_sum, 0);
    CHECK_EQ(p->hs_sum, 0);
    CHECK_EQ(p->handshakes, 1);
    tn_free(&t);
}

/* Streams first seen mid-session; the direction rules. */
static void test_mid_session(void)
{
    tnet_t t = tn_new();
    ep_t e = ep(7, 40051);
    /* stream 51: first seen at its SYN+ACK: not an attempt, established, no
     * handshake time, nothing to flag. */
    CHECK(seg(&t, tcp(&e, SEC(1), 51, false, SYN | ACK, 0)) == NULL);
    const ma_net_conn_t *c = conn_of(&t, 51);
    CHECK_EQ(c->attempt, MA_ATT_NONE);
    CHECK(c->established);
    CHECK_EQ(c->synack_frame, 1);
    CHECK_EQ(c->handshake, -1);
    CHECK_EQ(c->client_port, 40051);
    CHECK(ma_addr_equal(&c->pair->client, &e.cl));

    /* stream 52: data first, then a stray SYN from the client: counted, not flagged. */
    ep_t e52 = ep(7, 40052);
    pdu1(&t, tcpq(&e52, SEC(2), 52, true, ACK, 0, 100, 12), 9, 0x10, NULL);
    CHECK(seg(&t, tcp(&e52, SEC(3), 52, true, SYN, 0)) == NULL);
    const ma_net_conn_t *c52 = conn_of(&t, 52);
    CHECK_EQ(c52->attempt, MA_ATT_NONE);
    CHECK_EQ(c52->syn_packets, 1);
    CHECK(c52->modbus);
    CHECK(c52->pair == c->pair);

    /* stream 53: a response first, server 10.0.0.2:40500, client port 1000,
     * no server-port hint: ma_core (fed the PDU as a response) knows the
     * direction and wins over the lower-port rule. */
    ep_t odd = {v4(10, 0, 0, 8), v4(10, 0, 0, 2), 1000, 40500};
    ma_tcp_in_t in = tcpq(&odd, SEC(4), 53, false, ACK, 0, 1, 11);
    in.frame = ++t.fr;
    uint8_t adu[12] = {0, 1, 0, 0, 0, 5, 1, 3, 2, 0, 0, 0};
    ma_pdu_in_t pin = {.frame = in.frame, .ts = in.ts, .stream = 53, .src = in.src, .dst = in.dst,
                       .srcport = in.srcport, .dstport = in.dstport, .is_request = false, .tid = 1, .unit = 1,
                       .fc = 3, .adu = adu, .adu_len = 11, .ref = -1, .count = -1, .wref = -1};
    ma_pdu_t out;
    ma_core_pdu(t.core, &pin, &out);
    CHECK(out.flags & MA_PDU_ORPHAN);
    ma_net_segment(t.net, &in, &pin, &out, 1);
    const ma_net_conn_t *c53 = conn_of(&t, 53);
    CHECK(c53->pair == out.pair);
    CHECK_EQ(c53->client_port, 1000);
    CHECK_EQ(c53->pair->server_port, 40500);
    /* Without ma_core's knowledge the lower port is the server. */
    ep_t low = {v4(10, 0, 0, 8), v4(10, 0, 0, 2), 700, 600};
    in = tcp(&low, SEC(5), 54, false, ACK, 0); /* from 600 to 700 */
    in.src_is_server_port = in.dst_is_server_port = false;
    seg(&t, in);
    CHECK_EQ(conn_of(&t, 54)->client_port, 700);
    CHECK_EQ(conn_of(&t, 54)->pair->server_port, 600);
    /* A server-port hint wins over the lower port: from 502 to 400. */
    ep_t hint = {v4(10, 0, 0, 8), v4(10, 0, 0, 2), 400, 502};
    seg(&t, tcp(&hint, SEC(6), 55, false, ACK, 0));
    CHECK_EQ(conn_of(&t, 55)->client_port, 400);
    CHECK_EQ(conn_of(&t, 55)->pair->server_port, 502);
    /* The direction of later segments follows the fixed client. */
    const ma_seg_rec_t *r = seg(&t, tcp(&hint, SEC(7), 55, true, ACK, MA_TCPA_DUP_ACK));
    CHECK(r && r->to_server);
    r = seg(&t, tcp(&hint, SEC(7), 55, false, ACK, MA_TCPA_DUP_ACK));
    CHECK(r && !r->to_server);

    ma_net_finalize(t.net, SEC(10));
    const ma_net_pair_t *p = pstats(&t, c);
    CHECK_EQ(p->conns, 2);
    CHECK_EQ(p->attempts, 0);
    CHECK_EQ(p->syn_packets, 1);
    CHECK_EQ(p->handshakes, 0);
    CHECK_EQ(p->open_at_end, 2);
    /* A pair ma_core made later (PDU only, no segment) is covered, zero. */
    ma_pdu_in_t lone = rq(++t.fr, SEC(8), 77, 1, 1, 3);
    ma_core_pdu(t.core, &lone, &out);
    uint32_t n0 = ma_net_pair_count(t.net);
    CHECK_EQ(n0, ma_core_pair_count(t.core));
    ma_net_pair_t *ps = ma_net_pair_stats(t.net, out.pair->id);
    CHECK(ps->pair == out.pair);
    CHECK_EQ(ps->conns, 0);
    CHECK(ma_net_pair_stats(t.net, n0 + 100)->pair == NULL);
    tn_free(&t);
}

/* tcp.analysis counts per connection, pair and direction. */
static void test_analysis(void)
{
    tnet_t t = tn_new();
    ep_t e1 = ep(8, 40001), e2 = ep(8, 40002);
    handshake(&t, &e1, 1, 0);
    struct { bool to; uint8_t an; } segs[] = {
        {true, MA_TCPA_RETRANS | MA_TCPA_DUP_ACK}, {true, MA_TCPA_LOST_SEGMENT}, {false, MA_TCPA_ZERO_WINDOW},
        {false, MA_TCPA_FAST_RETRANS | MA_TCPA_DUP_ACK}, {false, MA_TCPA_SPURIOUS}, {false, MA_TCPA_DUP_ACK},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(segs); i++) {
        const ma_seg_rec_t *r = seg(&t, tcp(&e1, SEC(1) + i, 1, segs[i].to, ACK, segs[i].an));
        CHECK(r && r->analysis == segs[i].an && r->to_server == segs[i].to && r->what == 0 && r->ntxn == 0);
    }
    const ma_net_conn_t *c = conn_of(&t, 1);
    const uint32_t to_srv[MA_TCPA_N] = {1, 0, 0, 1, 0, 1}, to_cli[MA_TCPA_N] = {0, 1, 1, 2, 1, 0};
    for (unsigned k = 0; k < MA_TCPA_N; k++) {
        CHECK_EQ(c->ta[0][k], to_srv[k]);
        CHECK_EQ(c->ta[1][k], to_cli[k]);
    }
    handshake(&t, &e2, 2, SEC(2));
    seg(&t, tcp(&e2, SEC(3), 2, true, ACK, MA_TCPA_DUP_ACK));
    ma_net_finalize(t.net, SEC(4));
    const ma_net_pair_t *p = pstats(&t, c);
    CHECK_EQ(p->ta[0][MA_TA_RETRANS], 1);
    CHECK_EQ(p->ta[0][MA_TA_DUP_ACK], 2);
    CHECK_EQ(p->ta[0][MA_TA_LOST_SEGMENT], 1);
    CHECK_EQ(p->ta[0][MA_TA_ZERO_WINDOW], 0);
    CHECK_EQ(p->ta[1][MA_TA_FAST], 1);
    CHECK_EQ(p->ta[1][MA_TA_SPURIOUS], 1);
    CHECK_EQ(p->ta[1][MA_TA_DUP_ACK], 2);
    CHECK_EQ(p->ta[1][MA_TA_ZERO_WINDOW], 1);
    CHECK_EQ(p->ta[1][MA_TA_RETRANS], 0);
    CHECK_EQ(conn_of(&t, 2)->ta[0][MA_TA_DUP_ACK], 1);
    /* RETRANS events for the 3 retransmission kinds (0 attached). */
    uint32_t pid = c->pair->id;
    CHECK_EQ(p->retrans_attached, 0);
    CHECK_EQ(ma_net_event_count(t.net, pid), 4); /* + NEW_CONN of stream 2 */
    const ma_net_ev_t *ev = ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), 1, SEC(1) + 1, SEC(1) + 5);
    CHECK(ev && ev->ts == SEC(1) + 3);
    ev = ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), 1, SEC(1) + 4, SEC(1) + 5);
    CHECK(ev && ev->ts == SEC(1) + 4);
    CHECK(ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), 1, SEC(1) + 5, SEC(2)) == NULL);
    tn_free(&t);
}

/* Retransmitted segments attached by rules (a), (b), (c), and not at all. */
static void test_attach(void)
{
    tnet_t t = tn_new();
    ep_t e = ep(9, 40001);
    handshake(&t, &e, 1, 0);
    const ma_seg_rec_t *r;
    /* to server: A [1, 13); to client: A's answer [1, 12); B [13, 25) pending. */
    ma_txn_t *A = pdu1(&t, tcpq(&e, SEC(1), 1, true, ACK, 0, 1, 12), 1, 0x10, NULL);
    pdu1(&t, tcpq(&e, SEC(1) + MS(1), 1, false, ACK, 0, 1, 11), 1, 0x10, NULL);
    ma_txn_t *B = pdu1(&t, tcpq(&e, SEC(2), 1, true, ACK, 0, 13, 12), 2, 0x10, NULL);
    CHECK(A && B && A != B && A->outcome == MA_OUT_ANSWERED && B->outcome == MA_OUT_PENDING);
    uint32_t pid = A->pair->id;

    /* (a): B's request again, decoded: its txn, exact. */
    ma_txn_t *B2 = pdu1(&t, tcpq(&e, SEC(2) + MS(300), 1, true, ACK, MA_TCPA_RETRANS, 13, 12), 2, 0x10, &r);
    uint32_t fa = t.fr;
    CHECK(B2 == B);
    CHECK(r && r->ntxn == 1 && r->txn[0] == B && r->what == 0 && r->analysis == MA_TCPA_RETRANS);
    CHECK_EQ(B->flags & (MA_TXN_RETRANS | MA_TXN_RETRANS_INFERRED), MA_TXN_RETRANS);
    CHECK_EQ(B->retrans_frame, fa);
    CHECK_EQ(B->retry_of, 0); /* a TCP retransmission is no retry */

    /* (b): A's bytes [1, 13) again, not decoded: A (answered, still attached). */
    r = seg(&t, tcpq(&e, SEC(3), 1, true, ACK, MA_TCPA_RETRANS, 1, 12));
    CHECK(r && r->ntxn == 1 && r->txn[0] == A);
    CHECK_EQ(A->retrans_frame, t.fr);
    CHECK(A->flags & MA_TXN_RETRANS);
    /* (b) partial overlap [10, 16) of A and B: both, oldest first; B keeps its first frame. */
    r = seg(&t, tcpq(&e, SEC(3) + 1, 1, true, ACK, MA_TCPA_FAST_RETRANS, 10, 6));
    CHECK(r && r->ntxn == 2 && r->txn[0] == A && r->txn[1] == B);
    CHECK_EQ(B->retrans_frame, fa);
    /* Adjacent [25, 29): no overlap (ends are exclusive); rule (c) is for the client direction only. */
    r = seg(&t, tcpq(&e, SEC(3) + 2, 1, true, ACK, MA_TCPA_RETRANS, 25, 4));
    CHECK(r && r->ntxn == 0 && r->analysis == MA_TCPA_RETRANS);
    /* [12, 13): the last byte of A only. */
    r = seg(&t, tcpq(&e, SEC(3) + 3, 1, true, ACK, MA_TCPA_SPURIOUS, 12, 1));
    CHECK(r && r->ntxn == 1 && r->txn[0] == A);
    /* (b) to client: A's answer [1, 12) again. */
    r = seg(&t, tcpq(&e, SEC(3) + 4, 1, false, ACK, MA_TCPA_RETRANS, 1, 11));
    CHECK(r && r->ntxn == 1 && r->txn[0] == A && !r->to_server);
    /* Analysis without a retransmission flag attaches nothing. */
    r = seg(&t, tcpq(&e, SEC(3) + 5, 1, true, ACK, MA_TCPA_DUP_ACK, 1, 12));
    CHECK(r && r->ntxn == 0);
    /* No bytes: nothing. */
    r = seg(&t, tcpq(&e, SEC(3) + 6, 1, true, ACK, MA_TCPA_RETRANS, 1, 0));
    CHECK(r && r->ntxn == 0);

    /* B's answer [12, 23); C [25, 37) pending; bytes to the client [23, 28)
     * Wireshark did not decode (max to-client end 28). */
    pdu1(&t, tcpq(&e, SEC(4), 1, false, ACK, 0, 12, 11), 2, 0x10, NULL);
    ma_txn_t *C = pdu1(&t, tcpq(&e, SEC(5), 1, true, ACK, 0, 25, 12), 3, 0x10, NULL);
    CHECK(seg(&t, tcpq(&e, SEC(5) + MS(1), 1, false, ACK, 0, 23, 5)) == NULL);
    /* [23, 28) again: seen before, in no remembered PDU segment: nothing. */
    r = seg(&t, tcpq(&e, SEC(6), 1, false, ACK, MA_TCPA_RETRANS, 23, 5));
    CHECK(r && r->ntxn == 0 && !(r->what & MA_SEG_INFERRED));
    /* (c): [28, 39) never seen (28 >= 28) while C is pending: C, inferred. */
    r = seg(&t, tcpq(&e, SEC(6) + 1, 1, false, ACK, MA_TCPA_RETRANS, 28, 11));
    CHECK(r && r->ntxn == 1 && r->txn[0] == C && r->what == MA_SEG_INFERRED);
    CHECK_EQ(C->flags & (MA_TXN_RETRANS | MA_TXN_RETRANS_INFERRED), MA_TXN_RETRANS | MA_TXN_RETRANS_INFERRED);
    CHECK_EQ(C->retrans_frame, t.fr);
    /* C answered [39, 50): a never-seen retransmission with nothing pending: nothing. */
    pdu1(&t, tcpq(&e, SEC(7), 1, false, ACK, 0, 39, 11), 3, 0x10, NULL);
    CHECK_EQ(C->outcome, MA_OUT_ANSWERED);
    r = seg(&t, tcpq(&e, SEC(7) + 1, 1, false, ACK, MA_TCPA_RETRANS, 50, 11));
    CHECK(r && r->ntxn == 0);
    /* D and E pending: (c) takes the oldest (D); no bytes -> nothing. */
    ma_txn_t *D = pdu1(&t, tcpq(&e, SEC(8), 1, true, ACK, 0, 37, 12), 4, 0x10, NULL);
    ma_txn_t *E = pdu1(&t, tcpq(&e, SEC(8) + 1, 1, true, ACK, 0, 49, 12), 5, 0x10, NULL);
    r = seg(&t, tcpq(&e, SEC(8) + 2, 1, false, ACK, MA_TCPA_RETRANS, 61, 0));
    CHECK(r && r->ntxn == 0);
    r = seg(&t, tcpq(&e, SEC(8) + 3, 1, false, ACK, MA_TCPA_RETRANS, 61, 11));
    CHECK(r && r->ntxn == 1 && r->txn[0] == D && (r->what & MA_SEG_INFERRED));
    /* D answered [61, 72): then (c) skips it and takes E. */
    pdu1(&t, tcpq(&e, SEC(9), 1, false, ACK, 0, 61, 11), 4, 0x10, NULL);
    r = seg(&t, tcpq(&e, SEC(9) + 1, 1, false, ACK, MA_TCPA_RETRANS, 72, 11));
    CHECK(r && r->ntxn == 1 && r->txn[0] == E);
    /* An exact attachment to D (its request [37, 49) again) clears "inferred". */
    CHECK(D->flags & MA_TXN_RETRANS_INFERRED);
    uint32_t fd = D->retrans_frame;
    r = seg(&t, tcpq(&e, SEC(9) + 2, 1, true, ACK, MA_TCPA_RETRANS, 40, 2));
    CHECK(r && r->ntxn == 1 && r->txn[0] == D && r->what == 0);
    CHECK_EQ(D->flags & (MA_TXN_RETRANS | MA_TXN_RETRANS_INFERRED), MA_TXN_RETRANS);
    CHECK_EQ(D->retrans_frame, fd);
    /* An inferred attachment to an already exact txn does not mark it inferred:
     * E pending; the answer to E is lost ... E only got (c) above; make F exact first. */
    ma_txn_t *F = pdu1(&t, tcpq(&e, SEC(10), 1, true, ACK, 0, 61, 12), 6, 0x10, NULL);
    seg(&t, tcpq(&e, SEC(10) + 1, 1, true, ACK, MA_TCPA_RETRANS, 61, 12)); /* F exact by (b) */
    pdu1(&t, tcpq(&e, SEC(10) + 2, 1, false, ACK, 0, 83, 11), 5, 0x10, NULL); /* E answered */
    r = seg(&t, tcpq(&e, SEC(10) + 3, 1, false, ACK, MA_TCPA_RETRANS, 94, 11)); /* (c): F */
    CHECK(r && r->ntxn == 1 && r->txn[0] == F && (r->what & MA_SEG_INFERRED));
    CHECK_EQ(F->flags & (MA_TXN_RETRANS | MA_TXN_RETRANS_INFERRED), MA_TXN_RETRANS);

    /* Attached segments: (a), A, A+B, A's last byte, A's answer, C, D, E,
     * D exact, F exact, F inferred = 11. Retransmission events: every
     * retransmission-flagged segment = 16. */
    ma_net_finalize(t.net, SEC(20));
    CHECK_EQ(ma_net_pair_stats(t.net, pid)->retrans_attached, 11);
    CHECK_EQ(ma_net_event_count(t.net, pid), 16);
    CHECK_EQ(ma_net_pair_stats(t.net, pid)->ta[0][MA_TA_RETRANS], 6);
    tn_free(&t);
}

/* Sequence numbers that wrap around 2^32. */
static void test_attach_wrap(void)
{
    tnet_t t = tn_new();
    ep_t e = ep(10, 40001);
    handshake(&t, &e, 1, 0);
    const ma_seg_rec_t *r;
    /* W: [0xFFFFFFFA, 6) (12 bytes across the wrap). */
    ma_txn_t *W = pdu1(&t, tcpq(&e, SEC(1), 1, true, ACK, 0, 0xFFFFFFFAu, 12), 1, 0x10, NULL);
    r = seg(&t, tcpq(&e, SEC(2), 1, true, ACK, MA_TCPA_RETRANS, 2, 4));
    CHECK(r && r->ntxn == 1 && r->txn[0] == W);
    r = seg(&t, tcpq(&e, SEC(2) + 1, 1, true, ACK, MA_TCPA_RETRANS, 0xFFFFFFF0u, 11)); /* ends at 0xFFFFFFFB */
    CHECK(r && r->ntxn == 1 && r->txn[0] == W);
    r = seg(&t, tcpq(&e, SEC(2) + 2, 1, true, ACK, MA_TCPA_RETRANS, 6, 4)); /* [6, 10): after W */
    CHECK(r && r->ntxn == 0);
    r = seg(&t, tcpq(&e, SEC(2) + 3, 1, true, ACK, MA_TCPA_RETRANS, 0xFFFFFFF0u, 10)); /* ends at 0xFFFFFFFA */
    CHECK(r && r->ntxn == 0);
    /* W's answer [0xFFFFFFF0, 0): the to-client end wraps to 0. */
    pdu1(&t, tcpq(&e, SEC(3), 1, false, ACK, 0, 0xFFFFFFF0u, 16), 1, 0x10, NULL);
    ma_txn_t *X = pdu1(&t, tcpq(&e, SEC(4), 1, true, ACK, 0, 6, 12), 2, 0x10, NULL);
    /* [0xFFFFFFFF, 0) was seen (-1 before the end 0): W's answer, exact. */
    r = seg(&t, tcpq(&e, SEC(5), 1, false, ACK, MA_TCPA_RETRANS, 0xFFFFFFFFu, 1));
    CHECK(r && r->ntxn == 1 && r->txn[0] == W && !(r->what & MA_SEG_INFERRED));
    /* [0, 11) never seen (0 >= end 0 modulo 2^32): X inferred. */
    r = seg(&t, tcpq(&e, SEC(5) + 1, 1, false, ACK, MA_TCPA_RETRANS, 0, 11));
    CHECK(r && r->ntxn == 1 && r->txn[0] == X && (r->what & MA_SEG_INFERRED));
    tn_free(&t);
}

/* Application retries. */
static void test_retries(void)
{
    tnet_t t = tn_new();
    ep_t e = ep(11, 40001), e2 = ep(11, 40002), other = ep(12, 40001);
    handshake(&t, &e, 1, 0);
    uint32_t seq = 1;
#define REQ(ep_, st, ts, tid, data) (seq += 12, pdu1(&t, tcpq(&(ep_), (ts), (st), true, ACK, 0, seq - 12, 12), (tid), (data), NULL))
    ma_txn_t *R1 = REQ(e, 1, SEC(1), 1, 0x10);
    uint32_t f1 = t.fr;
    ma_txn_t *R2 = REQ(e, 1, SEC(2), 2, 0x10);
    uint32_t f2 = t.fr;
    CHECK_EQ(R2->retry_of, f1);
    CHECK_EQ(R1->retried_by, f2);
    CHECK(R1->flags & MA_TXN_RETRIED);
    CHECK(!(R2->flags & MA_TXN_RETRIED));
    /* chain: R3 retries R2; R1 keeps its first retry. */
    ma_txn_t *R3 = REQ(e, 1, SEC(3), 3, 0x10);
    uint32_t f3 = t.fr;
    CHECK_EQ(R3->retry_of, f2);
    CHECK_EQ(R2->retried_by, f3);
    CHECK_EQ(R1->retried_by, f2);
    CHECK(R2->flags & MA_TXN_RETRIED);
    /* R3 answered; R4 (same content) is no retry. */
    pdu1(&t, tcpq(&e, SEC(3) + MS(100), 1, false, ACK, 0, 1, 11), 3, 0x10, NULL);
    CHECK(R3->resp_frame != 0);
    ma_txn_t *R4 = REQ(e, 1, SEC(4), 4, 0x10);
    CHECK_EQ(R4->retry_of, 0);
    CHECK(!(R3->flags & MA_TXN_RETRIED));
    /* Other bytes: no retry. */
    ma_txn_t *R5 = REQ(e, 1, SEC(5), 5, 0x11);
    CHECK_EQ(R5->retry_of, 0);
    CHECK(!(R4->flags & MA_TXN_RETRIED));
    /* Other unit: no retry. */
    pdu_t pu = {2, 6, 3, 0x10};
    ma_pdu_t o;
    segp(&t, tcpq(&e, SEC(5) + MS(500), 1, true, ACK, 0, seq, 12), &pu, 1, &o);
    seq += 12;
    CHECK_EQ(o.txn->retry_of, 0);
    /* Other fc: no retry. */
    pdu_t pf = {1, 7, 4, 0x10};
    segp(&t, tcpq(&e, SEC(5) + MS(600), 1, true, ACK, 0, seq, 12), &pf, 1, &o);
    seq += 12;
    CHECK_EQ(o.txn->retry_of, 0);
    /* Same tid on the same connection: no retry (but the key's last request). */
    ma_txn_t *R7 = REQ(e, 1, SEC(6), 4, 0x10);
    CHECK(R7 != R4);
    CHECK_EQ(R7->retry_of, 0);
    CHECK(!(R4->flags & MA_TXN_RETRIED));
    ma_txn_t *R8 = REQ(e, 1, SEC(6) + 1, 8, 0x10); /* retries R7, the last */
    CHECK_EQ(R8->retry_of, R7->req_frame);
    CHECK_EQ(ma_net_pair_stats(t.net, R1->pair->id)->retries, 3);

    /* The window: Y1 at 20 s, Y2 at exactly 30 s: retry; Y3 at 40 s + 1 ns: not. */
    ma_txn_t *Y1 = REQ(e, 1, SEC(20), 10, 0x20);
    ma_txn_t *Y2 = REQ(e, 1, SEC(30), 11, 0x20);
    ma_txn_t *Y3 = REQ(e, 1, SEC(40) + 1, 12, 0x20);
    CHECK_EQ(Y2->retry_of, Y1->req_frame);
    CHECK_EQ(Y3->retry_of, 0);
    CHECK_EQ(Y2->retried_by, 0);
    CHECK_EQ(ma_net_pair_stats(t.net, R1->pair->id)->retries, 4);

    /* A new connection: Z1 on stream 1, reset, Z2 (same tid) on stream 2. */
    ma_txn_t *Z1 = REQ(e, 1, SEC(50), 20, 0x30);
    seg(&t, tcp(&e, SEC(51), 1, true, RST | ACK, 0));
    CHECK_EQ(Z1->outcome, MA_OUT_MISSED);
    handshake(&t, &e2, 2, SEC(52));
    seq = 1;
    ma_txn_t *Z2 = REQ(e2, 2, SEC(52) + MS(10), 20, 0x30);
    CHECK_EQ(Z2->retry_of, Z1->req_frame);
    CHECK_EQ(Z1->retried_by, Z2->req_frame);
    CHECK(Z2->pair == Z1->pair);
    /* Another pair with R1's content: no retry. */
    handshake(&t, &other, 3, SEC(53));
    ma_txn_t *O1 = REQ(other, 3, SEC(53) + MS(10), 99, 0x10);
    CHECK_EQ(O1->retry_of, 0);
    CHECK_EQ(ma_net_pair_stats(t.net, R1->pair->id)->retries, 5);
    CHECK_EQ(ma_net_pair_stats(t.net, O1->pair->id)->retries, 0);
    /* The retry counts survive finalize. */
    ma_net_finalize(t.net, SEC(60));
    CHECK_EQ(ma_net_pair_stats(t.net, R1->pair->id)->retries, 5);
    CHECK_EQ(ma_net_retry_untracked(t.net), 0);
    tn_free(&t);

    /* The bound (2 keys): a third content is not tracked, the others are. */
    t = tn_new();
    ma_net_set_limits(t.net, 0, 0, 2);
    handshake(&t, &e, 1, 0);
    seq = 1;
    ma_txn_t *A = REQ(e, 1, SEC(1), 1, 0xA);
    REQ(e, 1, SEC(1) + 1, 2, 0xB);
    ma_txn_t *C1 = REQ(e, 1, SEC(1) + 2, 3, 0xC);
    ma_txn_t *C2 = REQ(e, 1, SEC(1) + 3, 4, 0xC);
    CHECK_EQ(ma_net_retry_untracked(t.net), 2);
    CHECK_EQ(C2->retry_of, 0);
    CHECK(!(C1->flags & MA_TXN_RETRIED));
    ma_txn_t *A2 = REQ(e, 1, SEC(1) + 4, 5, 0xA);
    CHECK_EQ(A2->retry_of, A->req_frame);
    CHECK_EQ(ma_net_pair_stats(t.net, A->pair->id)->retries, 1);
#undef REQ
    tn_free(&t);
}

/* ma_net_find_event: binary search, inclusive windows, streams, kinds,
 * time going backwards. */
static void test_find_event(void)
{
    tnet_t t = tn_new();
    ep_t e1 = ep(13, 40001), e2 = ep(13, 40002);
    seg(&t, tcp(&e1, 0, 1, false, ACK, 0));  /* mid-session, both */
    seg(&t, tcp(&e2, 0, 2, false, ACK, 0));  /* NEW_CONN at 0 (stream 2) */
    /* 1000 retransmissions at i ms, stream 1 for even i, 2 for odd. */
    for (int i = 0; i < 1000; i++) {
        bool even = (i % 2) == 0;
        seg(&t, tcp(even ? &e1 : &e2, MS(i), even ? 1 : 2, true, ACK, MA_TCPA_RETRANS));
    }
    uint32_t pid = conn_of(&t, 1)->pair->id;
    CHECK_EQ(ma_net_event_count(t.net, pid), 1001);
    const ma_net_ev_t *ev = ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), UINT32_MAX, MS(500), MS(500));
    CHECK(ev && ev->ts == MS(500) && ev->stream == 1);
    CHECK(ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), 2, MS(500), MS(500)) == NULL);
    ev = ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), 2, MS(500), MS(501));
    CHECK(ev && ev->ts == MS(501) && ev->stream == 2);
    ev = ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), UINT32_MAX, MS(500) + 1, MS(501));
    CHECK(ev && ev->ts == MS(501));
    CHECK(ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), UINT32_MAX, MS(500) + 1, MS(501) - 1) == NULL);
    CHECK(ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), UINT32_MAX, MS(501), MS(500)) == NULL); /* t0 > t1 */
    CHECK(ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), UINT32_MAX, MS(999) + 1, SEC(100)) == NULL);
    CHECK(ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), UINT32_MAX, -SEC(1), -1) == NULL);
    ev = ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), UINT32_MAX, -SEC(1), 0);
    CHECK(ev && ev->ts == 0);
    ev = ma_net_find_event(t.net, pid, ALLK, UINT32_MAX, 0, 0); /* NEW_CONN (frame 2) before RETRANS (frame 3) */
    CHECK(ev && ev->kind == MA_EV_NEW_CONN && ev->stream == 2);
    CHECK(ma_net_find_event(t.net, pid, K(MA_EV_RESET) | K(MA_EV_FAILED), UINT32_MAX, 0, SEC(100)) == NULL);
    CHECK(ma_net_find_event(t.net, pid, K(MA_EV_NEW_CONN), 1, 0, SEC(100)) == NULL);
    CHECK(ma_net_find_event(t.net, pid + 1, ALLK, UINT32_MAX, 0, SEC(100)) == NULL);
    /* The capture goes back in time: an event at 250.5 ms lands in order. */
    seg(&t, tcp(&e2, MS(250) + US(500), 2, true, ACK, MA_TCPA_RETRANS));
    uint32_t fb = t.fr;
    ev = ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), UINT32_MAX, MS(250) + 1, MS(251) - 1);
    CHECK(ev && ev->frame == fb);
    ev = ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), 2, MS(250), MS(252));
    CHECK(ev && ev->frame == fb);
    /* ... and after events of the same time. */
    seg(&t, tcp(&e2, MS(250), 2, true, ACK, MA_TCPA_RETRANS));
    ev = ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), UINT32_MAX, MS(250), MS(250));
    CHECK(ev && ev->stream == 1 && ev->ts == MS(250));
    ev = ma_net_find_event(t.net, pid, K(MA_EV_RETRANS), 2, MS(250), MS(250));
    CHECK(ev && ev->frame == t.fr);
    for (uint32_t i = 1; i < ma_net_event_count(t.net, pid); i++)
        CHECK(ma_net_event_at(t.net, pid, i - 1)->ts <= ma_net_event_at(t.net, pid, i)->ts);
    tn_free(&t);
}

/* Expected topology. */
static void test_expect(void)
{
    tnet_t t = tn_new();
    ep_t a = ep(21, 40001), b = ep(22, 40002);
    ep_t c = {v4(10, 0, 0, 21), v4(10, 0, 0, 3), 40003, 502};
    ma_addr_t sv = v4(10, 0, 0, 2), s3 = v4(10, 0, 0, 3), s9 = v4(10, 0, 0, 9), c21 = v4(10, 0, 0, 21),
              c22 = v4(10, 0, 0, 22);
    ma_addr_t none;
    memset(&none, 0, sizeof none);
    /* pair A: traffic (2 requests); B: a timed-out attempt; C: SYN near the end. */
    handshake(&t, &a, 1, 0);
    pdu1(&t, tcpq(&a, SEC(1), 1, true, ACK, 0, 1, 12), 1, 0x10, NULL);
    pdu1(&t, tcpq(&a, SEC(2), 1, true, ACK, 0, 13, 12), 2, 0x10, NULL);
    seg(&t, tcp(&b, SEC(3), 2, true, SYN, 0));
    seg(&t, tcp(&c, SEC(9), 3, true, SYN, 0));
    ma_net_finalize(t.net, SEC(10));
    const ma_pair_t *pa = conn_of(&t, 1)->pair, *pb = conn_of(&t, 2)->pair, *pc = conn_of(&t, 3)->pair;

    ma_net_expect_add(t.net, &sv, 502, NULL, "pcap_monitor ip_addrs");
    ma_net_expect_add(t.net, &sv, 502, &none, "uat");            /* merged: client len 0 = any */
    ma_net_expect_add(t.net, &sv, 502, NULL, "uat");             /* merged, name already there */
    ma_net_expect_add(t.net, &sv, 502, &c22, "pcap_monitor ips.client");
    ma_net_expect_add(t.net, &s3, 502, NULL, "x");
    ma_net_expect_add(t.net, &s9, 502, NULL, "y");
    ma_net_expect_add(t.net, &sv, 503, NULL, "z");
    ma_net_expect_add(t.net, &s3, 502, &c21, "w");
    ma_net_expect_add(t.net, NULL, 502, NULL, "ignored");
    CHECK_EQ(ma_net_expect_count(t.net), 6);

    uint64_t req[8] = {0};
    req[pa->id] = 2;
    const ma_expect_result_t *r = ma_net_expect_results(t.net, req, 8);
    CHECK_STR(r[0].exp->name, "pcap_monitor ip_addrs, uat");
    CHECK_EQ(r[0].state, MA_EXP_TRAFFIC);
    CHECK_EQ(r[0].pairs, 2);
    CHECK_EQ(r[0].requests, 2);
    CHECK_EQ(r[0].attempts, 2);
    CHECK_EQ(r[0].established, 1);
    CHECK_EQ(r[0].timeout, 1);
    CHECK_EQ(r[0].refused + r[0].unfinished, 0);
    CHECK_STR(r[1].exp->name, "pcap_monitor ips.client");
    CHECK(ma_addr_equal(&r[1].exp->client, &c22));
    CHECK_EQ(r[1].state, MA_EXP_ATTEMPTS);
    CHECK_EQ(r[1].pairs, 1);
    CHECK_EQ(r[1].requests, 0);
    CHECK_EQ(r[1].attempts, 1);
    CHECK_EQ(r[1].timeout, 1);
    CHECK_EQ(r[2].state, MA_EXP_ATTEMPTS);
    CHECK_EQ(r[2].unfinished, 1);
    CHECK_EQ(r[3].state, MA_EXP_SILENT);
    CHECK_EQ(r[3].pairs, 0);
    CHECK_EQ(r[4].state, MA_EXP_SILENT);
    CHECK_EQ(r[4].exp->port, 503);
    CHECK_EQ(r[5].state, MA_EXP_ATTEMPTS);
    CHECK_EQ(r[5].pairs, 1);
    /* requests NULL: traffic from the connections that carried Modbus. */
    r = ma_net_expect_results(t.net, NULL, 0);
    CHECK_EQ(r[0].state, MA_EXP_TRAFFIC);
    CHECK_EQ(r[0].requests, 0);
    CHECK_EQ(r[1].state, MA_EXP_ATTEMPTS);
    /* With counts, traffic means requests: none counted -> attempts only. */
    uint64_t zero[8] = {0};
    r = ma_net_expect_results(t.net, zero, 8);
    CHECK_EQ(r[0].state, MA_EXP_ATTEMPTS);
    CHECK_EQ(r[0].pairs, 2);
    /* A requests array shorter than the pairs. */
    r = ma_net_expect_results(t.net, req, 1);
    CHECK_EQ(r[0].requests, pa->id == 0 ? 2 : 0);
    CHECK(ma_net_pair_expected(t.net, pa));
    CHECK(ma_net_pair_expected(t.net, pb));
    CHECK(ma_net_pair_expected(t.net, pc));
    ma_addr_t c4 = v4(10, 0, 0, 4), s5 = v4(10, 0, 0, 5);
    const ma_pair_t *pd = ma_core_pair(t.core, &c4, &s5, 502);
    CHECK(!ma_net_pair_expected(t.net, pd));
    const ma_pair_t *pe = ma_core_pair(t.core, &c4, &s3, 502); /* any client of 10.0.0.3:502 */
    CHECK(ma_net_pair_expected(t.net, pe));
    const ma_pair_t *pf = ma_core_pair(t.core, &c4, &sv, 502);
    CHECK(ma_net_pair_expected(t.net, pf));
    /* A pair ma_core knows without segments counts as "seen" (ATTEMPTS). */
    r = ma_net_expect_results(t.net, NULL, 0);
    CHECK_EQ(r[2].pairs, 2);
    CHECK_EQ(r[2].state, MA_EXP_ATTEMPTS);
    tn_free(&t);

    /* No expectations at all. */
    t = tn_new();
    CHECK(ma_net_expect_results(t.net, NULL, 0) != NULL);
    CHECK(!ma_net_pair_expected(t.net, ma_core_pair(t.core, &c21, &sv, 502)));
    tn_free(&t);
}

/* Bounds: connections, events, the segment ring, txns per segment, the
 * pending FIFO, and a few thousand connections. */
static void test_bounds(void)
{
    tnet_t t = tn_new();
    ma_net_set_limits(t.net, 3, 2, 0);
    for (uint32_t s = 1; s <= 3; s++) {
        ep_t e = ep(30, (uint16_t)(40000 + s));
        CHECK(seg(&t, tcp(&e, SEC(s), s, true, SYN, 0)) != NULL);
    }
    ep_t e4 = ep(30, 40004), e5 = ep(30, 40005);
    CHECK(seg(&t, tcp(&e4, SEC(4), 4, true, SYN, 0)) == NULL);
    CHECK(seg(&t, tcp(&e4, SEC(4) + 1, 4, true, SYN, 0)) == NULL);
    CHECK_EQ(ma_net_conns_dropped(t.net), 1);
    CHECK(seg(&t, tcp(&e5, SEC(5), 5, true, SYN, 0)) == NULL);
    CHECK_EQ(ma_net_conns_dropped(t.net), 2);
    CHECK_EQ(ma_net_conn_count(t.net), 3);
    /* Events: NEW_CONN of streams 2 and 3 filled the 2; a reset is dropped. */
    ep_t e3 = ep(30, 40003);
    seg(&t, tcp(&e3, SEC(6), 3, false, SYN | ACK, 0));
    CHECK_EQ(what(seg(&t, tcp(&e3, SEC(7), 3, true, RST, 0))), MA_SEG_RESET);
    CHECK_EQ(ma_net_events_dropped(t.net), 1);
    CHECK_EQ(ma_net_event_count(t.net, conn_of(&t, 3)->pair->id), 2);
    tn_free(&t);

    /* The ring of 64 PDU segments per direction. */
    t = tn_new();
    ep_t e = ep(31, 40001);
    handshake(&t, &e, 1, 0);
    ma_txn_t *first = NULL, *second = NULL;
    for (uint32_t i = 0; i < 64; i++) {
        ma_txn_t *x = pdu1(&t, tcpq(&e, SEC(1) + i, 1, true, ACK, 0, 1 + 12 * i, 12), (uint16_t)i, 0x10, NULL);
        if (i == 0)
            first = x;
        if (i == 1)
            second = x;
    }
    const ma_seg_rec_t *r = seg(&t, tcpq(&e, SEC(2), 1, true, ACK, MA_TCPA_RETRANS, 1, 12));
    CHECK(r && r->ntxn == 1 && r->txn[0] == first); /* 64 remembered: the first still */
    pdu1(&t, tcpq(&e, SEC(3), 1, true, ACK, 0, 1 + 12 * 64, 12), 64, 0x10, NULL);
    r = seg(&t, tcpq(&e, SEC(4), 1, true, ACK, MA_TCPA_RETRANS, 1, 12));
    CHECK(r && r->ntxn == 0); /* the 65th pushed it out */
    r = seg(&t, tcpq(&e, SEC(4) + 1, 1, true, ACK, MA_TCPA_RETRANS, 13, 12));
    CHECK(r && r->ntxn == 1 && r->txn[0] == second);
    /* A range over 66 segments: at most MA_NET_SEG_TXNS txns. */
    r = seg(&t, tcpq(&e, SEC(4) + 2, 1, true, ACK, MA_TCPA_RETRANS, 1, 12 * 65));
    CHECK(r && r->ntxn == MA_NET_SEG_TXNS && r->txn[0] == second);
    tn_free(&t);

    /* 10 PDUs in one segment: 8 txns remembered and attached. */
    t = tn_new();
    handshake(&t, &e, 1, 0);
    pdu_t ps[10];
    ma_pdu_t outs[10];
    for (int i = 0; i < 10; i++)
        ps[i] = (pdu_t){1, (uint16_t)(100 + i), 3, 0x10};
    segp(&t, tcpq(&e, SEC(1), 1, true, ACK, 0, 1, 120), ps, 10, outs);
    r = segp(&t, tcpq(&e, SEC(2), 1, true, ACK, MA_TCPA_RETRANS, 1, 120), ps, 10, outs); /* (a) */
    CHECK(r && r->ntxn == MA_NET_SEG_TXNS && r->txn[7] == outs[7].txn);
    r = seg(&t, tcpq(&e, SEC(3), 1, true, ACK, MA_TCPA_RETRANS, 100, 20)); /* (b) */
    CHECK(r && r->ntxn == MA_NET_SEG_TXNS && r->txn[0] == outs[0].txn);
    CHECK_EQ(outs[8].txn->flags & MA_TXN_RETRANS, 0);
    CHECK_EQ(outs[9].txn->flags & MA_TXN_RETRANS, 0);
    tn_free(&t);

    /* 33 pending requests: (c) takes the oldest of the last 32 (the 2nd). */
    t = tn_new();
    handshake(&t, &e, 1, 0);
    ma_txn_t *q[33];
    for (uint32_t i = 0; i < 33; i++)
        q[i] = pdu1(&t, tcpq(&e, SEC(1) + i, 1, true, ACK, 0, 1 + 12 * i, 12), (uint16_t)i, 0x10, NULL);
    r = seg(&t, tcpq(&e, SEC(2), 1, false, ACK, MA_TCPA_RETRANS, 1, 11));
    CHECK(r && r->ntxn == 1 && r->txn[0] == q[1]);
    CHECK_EQ(q[0]->flags & MA_TXN_RETRANS, 0);
    tn_free(&t);

    /* Answered requests leave the FIFO: one pending request P, then 40
     * answered ones; (c) still finds P. */
    t = tn_new();
    handshake(&t, &e, 1, 0);
    ma_txn_t *P = pdu1(&t, tcpq(&e, SEC(1), 1, true, ACK, 0, 1, 12), 1000, 0x10, NULL);
    for (uint32_t i = 0; i < 40; i++) {
        pdu1(&t, tcpq(&e, SEC(2) + MS(i), 1, true, ACK, 0, 13 + 12 * i, 12), (uint16_t)i, 0x10, NULL);
        pdu1(&t, tcpq(&e, SEC(2) + MS(i) + 1, 1, false, ACK, 0, 1 + 11 * i, 11), (uint16_t)i, 0x10, NULL);
    }
    r = seg(&t, tcpq(&e, SEC(3), 1, false, ACK, MA_TCPA_RETRANS, 1 + 11 * 40, 11));
    CHECK(r && r->ntxn == 1 && r->txn[0] == P);
    tn_free(&t);

    /* 5000 connections of 50 pairs: SYN, SYN+ACK, FIN each; records of the
     * first block stay valid. */
    t = tn_new();
    const ma_seg_rec_t *firstrec = NULL;
    for (uint32_t s = 0; s < 5000; s++) {
        ep_t x = ep((uint8_t)(100 + s % 50), (uint16_t)(20000 + s));
        ma_ns_t ts = SEC(1) + MS(10) * s;
        r = seg(&t, tcp(&x, ts, s, true, SYN, 0));
        if (s == 0)
            firstrec = r;
        seg(&t, tcp(&x, ts + MS(1), s, false, SYN | ACK, 0));
        seg(&t, tcp(&x, ts + MS(2), s, true, FIN | ACK, 0));
    }
    ma_net_finalize(t.net, SEC(100));
    CHECK_EQ(ma_net_conn_count(t.net), 5000);
    CHECK_EQ(ma_net_conn_at(t.net, 4999)->stream, 4999);
    CHECK_EQ(ma_net_conns_dropped(t.net), 0);
    CHECK(firstrec && firstrec->what == MA_SEG_ATTEMPT && firstrec->conn == ma_net_conn_at(t.net, 0));
    CHECK_EQ(ma_net_pair_count(t.net), 50);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < 50; i++) {
        const ma_net_pair_t *p = ma_net_pair_stats(t.net, i);
        sum += p->conns;
        if (i == 0) {
            CHECK_EQ(p->conns, 100);
            CHECK_EQ(p->established, 100);
            CHECK_EQ(p->reconnects, 99);
            CHECK_EQ(p->fin_by_client, 100);
            /* gaps: 500 ms - 2 ms each */
            CHECK_EQ(p->gap_min, MS(498));
            CHECK_EQ(p->gap_sum, 99 * MS(498));
            CHECK_EQ(p->dur_sum, 100 * MS(2));
        }
    }
    CHECK_EQ(sum, 5000);
    tn_free(&t);
}

/* ---- random input ---- */

typedef struct rstate {
    uint64_t s;
} rstate_t;

static uint32_t rnd(rstate_t *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s >> 16);
}

static void test_random(void)
{
    tnet_t t = tn_new();
    rstate_t rs = {0x9E3779B97F4A7C15ull};
    /* 64 live connections; each step a new stream replaces one with
     * probability 1/150 (about 1,400 streams, ids in order of appearance).
     * A new stream mostly begins with a SYN, its second segment is mostly a
     * SYN+ACK or an RST from the server. */
    enum { NSLOT = 64, STEPS = 200000 };
    ep_t eps[NSLOT];
    uint32_t ids[NSLOT], nseg[NSLOT], seqs[NSLOT][2], next_id = 0;
    for (int i = 0; i < NSLOT; i++)
        nseg[i] = UINT32_MAX; /* start a stream at first use */
    static const uint16_t fl[] = {SYN, SYN | ACK, ACK, ACK, ACK, ACK, FIN | ACK, RST, RST | ACK, FIN | RST, 0};
    ma_ns_t ts = SEC(1);
    uint64_t nrec = 0, bad = 0;
    for (uint32_t step = 0; step < STEPS; step++) {
        uint32_t s = rnd(&rs) % NSLOT;
        if (nseg[s] == UINT32_MAX || rnd(&rs) % 150 == 0) {
            uint32_t i = next_id;
            eps[s] = (ep_t){v4(10, 1, 0, (uint8_t)(1 + i % 7)), v4(10, 2, 0, (uint8_t)(1 + i % 3)),
                            (uint16_t)(30000 + i % 20000), (uint16_t)(i % 5 == 0 ? 1502 : 502)};
            ids[s] = next_id++;
            nseg[s] = 0;
            seqs[s][0] = rnd(&rs);
            seqs[s][1] = rnd(&rs);
        }
        bool to = rnd(&rs) & 1;
        ts += (rnd(&rs) % 1000 == 0) ? -MS(rnd(&rs) % 500) : US(rnd(&rs) % 3000);
        uint16_t flags = rnd(&rs) % 100 < 85 ? ACK : fl[rnd(&rs) % G_N_ELEMENTS(fl)];
        uint32_t young = rnd(&rs) % 10;
        if (nseg[s] == 0 && young < 7) {
            flags = SYN;
            to = true;
        } else if (nseg[s] >= 1 && nseg[s] <= 3 && young < 6) {
            flags = young < 5 ? (uint16_t)(SYN | ACK) : (uint16_t)(RST | ACK);
            to = false;
        } else if (nseg[s] == 1 && young < 8) {
            flags = SYN;
            to = true;
        }
        nseg[s]++;
        uint8_t an = rnd(&rs) % 10 == 0 ? (uint8_t)(rnd(&rs) & 0x3F) : 0;
        uint32_t len = (flags & (SYN | RST)) ? 0 : rnd(&rs) % 4 ? 12 * (rnd(&rs) % 3) : rnd(&rs) % 300;
        uint32_t *sq = &seqs[s][to ? 0 : 1];
        uint32_t seq = (an & MA_TCPA_ANY_RETRANS) ? *sq - rnd(&rs) % 200 + rnd(&rs) % 100 : *sq;
        if (!(an & MA_TCPA_ANY_RETRANS))
            *sq += len;
        if (rnd(&rs) % 500 == 0)
            seq = rnd(&rs);
        ma_tcp_in_t in = tcpq(&eps[s], ts, ids[s], to, flags, an, seq, len);
        in.has_seq = rnd(&rs) % 50 != 0;
        if (rnd(&rs) % 200 == 0) { /* a garbage endpoint on a known stream */
            in.src = v4(192, 168, 0, (uint8_t)rnd(&rs));
            in.srcport = (uint16_t)rnd(&rs);
        }
        unsigned np = len >= 12 ? rnd(&rs) % 4 : 0;
        pdu_t ps[3];
        for (unsigned i = 0; i < np; i++)
            ps[i] = (pdu_t){(uint8_t)(rnd(&rs) % 3), (uint16_t)(rnd(&rs) % 8), (uint8_t)(1 + rnd(&rs) % 4),
                            (uint16_t)(rnd(&rs) % 4)};
        ma_pdu_t outs[3];
        const ma_seg_rec_t *r = np ? segp(&t, in, ps, np, outs) : seg(&t, in);
        if (r) {
            nrec++;
            if (!r->conn || r->conn->stream != ids[s] || r->ntxn > MA_NET_SEG_TXNS ||
                ((r->what & MA_SEG_INFERRED) && r->ntxn != 1) || (r->ntxn && !(an & MA_TCPA_ANY_RETRANS)))
                bad++;
            for (unsigned i = 0; i < r->ntxn; i++)
                if (!r->txn[i] || !(r->txn[i]->flags & MA_TXN_RETRANS) || !r->txn[i]->retrans_frame)
                    bad++;
        }
    }
    CHECK_EQ(bad, 0);
    CHECK(nrec > 1000);
    ma_core_finalize(t.core);
    ma_net_finalize(t.net, ma_core_capture_end(t.core));

    /* Invariants of connections and pairs. */
    uint32_t nc = ma_net_conn_count(t.net), np = ma_net_pair_count(t.net);
    CHECK_EQ(nc, next_id);
    CHECK(nc > 1000);
    uint64_t conns = 0, bad_conn = 0;
    for (uint32_t i = 0; i < nc; i++) {
        const ma_net_conn_t *c = ma_net_conn_at(t.net, i);
        if (c->attempt == MA_ATT_PENDING || (c->end_frame == 0) != (c->end == MA_END_OPEN) ||
            (c->session_reset && c->end != MA_END_RST_CLIENT && c->end != MA_END_RST_SERVER) ||
            (c->handshake >= 0) != (c->attempt != MA_ATT_NONE && c->synack_frame != 0) ||
            (c->attempt != MA_ATT_NONE && c->syn_packets == 0) || c->first_frame > c->last_frame)
            bad_conn++;
    }
    CHECK_EQ(bad_conn, 0);
    uint64_t bad_pair = 0, ta_conn[2][MA_TCPA_N] = {{0}}, ta_pair[2][MA_TCPA_N] = {{0}}, retries = 0;
    for (uint32_t i = 0; i < np; i++) {
        const ma_net_pair_t *p = ma_net_pair_stats(t.net, i);
        conns += p->conns;
        retries += p->retries;
        if (p->established + p->refused + p->timeout + p->unfinished != p->attempts || p->attempts > p->conns ||
            p->handshakes > p->attempts || (p->conns && p->reconnects + p->parallel != p->conns - 1) ||
            p->fin_by_client + p->fin_by_server + p->open_at_end + p->resets_by_client + p->resets_by_server >
                p->conns ||
            p->hs_min > p->hs_max || p->dur_min > p->dur_max || p->hs_min < 0 || p->dur_min < 0)
            bad_pair++;
        for (int d = 0; d < 2; d++)
            for (int k = 0; k < MA_TCPA_N; k++)
                ta_pair[d][k] += p->ta[d][k];
        for (uint32_t j = 1; j < ma_net_event_count(t.net, i); j++)
            if (ma_net_event_at(t.net, i, j - 1)->ts > ma_net_event_at(t.net, i, j)->ts)
                bad_pair++;
    }
    for (uint32_t i = 0; i < nc; i++)
        for (int d = 0; d < 2; d++)
            for (int k = 0; k < MA_TCPA_N; k++)
                ta_conn[d][k] += ma_net_conn_at(t.net, i)->ta[d][k];
    CHECK_EQ(bad_pair, 0);
    CHECK_EQ(conns, nc);
    CHECK(memcmp(ta_conn, ta_pair, sizeof ta_conn) == 0);

    /* Transactions. */
    uint64_t bad_txn = 0, nretry = 0, nretrans = 0;
    for (uint32_t i = 0; i < ma_core_txn_count(t.core); i++) {
        const ma_txn_t *x = ma_core_txn_at(t.core, i);
        bool rt = x->flags & MA_TXN_RETRANS;
        if (rt != (x->retrans_frame != 0) || ((x->flags & MA_TXN_RETRANS_INFERRED) && !rt) ||
            (x->retry_of && x->retry_of > x->req_frame) || ((x->flags & MA_TXN_RETRIED) != 0) != (x->retried_by != 0) ||
            (x->retried_by && x->retried_by < x->req_frame))
            bad_txn++;
        nretry += x->retry_of != 0;
        nretrans += rt;
    }
    CHECK_EQ(bad_txn, 0);
    CHECK_EQ(nretry, retries);
    CHECK(nretry > 0);
    CHECK(nretrans > 0);

    /* find_event against a linear scan, random windows. */
    uint64_t bad_find = 0;
    for (int q = 0; q < 2000; q++) {
        uint32_t pid = rnd(&rs) % np;
        ma_ns_t t0 = SEC(1) + (ma_ns_t)(rnd(&rs) % 300000) * MS(1), t1 = t0 + (ma_ns_t)(rnd(&rs) % 5000) * MS(1);
        unsigned kinds = rnd(&rs) & ALLK;
        uint32_t st = rnd(&rs) % 2 ? UINT32_MAX : rnd(&rs) % next_id;
        const ma_net_ev_t *want = NULL;
        for (uint32_t j = 0; j < ma_net_event_count(t.net, pid) && !want; j++) {
            const ma_net_ev_t *x = ma_net_event_at(t.net, pid, j);
            if (x->ts >= t0 && x->ts <= t1 && (kinds & K(x->kind)) && (st == UINT32_MAX || x->stream == st))
                want = x;
        }
        if (ma_net_find_event(t.net, pid, kinds, st, t0, t1) != want)
            bad_find++;
    }
    CHECK_EQ(bad_find, 0);

    /* finalize is idempotent. */
    ma_net_pair_t *snap = g_new(ma_net_pair_t, np);
    for (uint32_t i = 0; i < np; i++)
        snap[i] = *ma_net_pair_stats(t.net, i);
    uint32_t nev0 = 0;
    for (uint32_t i = 0; i < np; i++)
        nev0 += ma_net_event_count(t.net, i);
    ma_net_finalize(t.net, ma_core_capture_end(t.core));
    uint32_t nev1 = 0, differ = 0;
    for (uint32_t i = 0; i < np; i++) {
        nev1 += ma_net_event_count(t.net, i);
        differ += memcmp(&snap[i], ma_net_pair_stats(t.net, i), sizeof snap[i]) != 0;
    }
    CHECK_EQ(differ, 0);
    CHECK_EQ(nev1, nev0);
    g_free(snap);
    ma_net_expect_add(t.net, &eps[0].sv, eps[0].sport, NULL, "random");
    const ma_expect_result_t *er = ma_net_expect_results(t.net, NULL, 0);
    CHECK(er[0].pairs > 0);
    CHECK_EQ(er[0].established + er[0].refused + er[0].timeout + er[0].unfinished, er[0].attempts);
    tn_free(&t);
}

int main(void)
{
    test_defaults();
    test_handshake();
    test_syn_retries();
    test_refused();
    test_finalize();
    test_ends();
    test_reconnect();
    test_clock_back();
    test_mid_session();
    test_analysis();
    test_attach();
    test_attach_wrap();
    test_retries();
    test_find_event();
    test_expect();
    test_bounds();
    test_random();
    return check_summary();
}
