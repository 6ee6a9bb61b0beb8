/* test_net_app.c - unit tests of application retries, event look-up,
 * expected topology, bounds and random input (core/ma_net.c, ma_net_app.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The driver is in net_helpers.h. Every expected value is worked out by
 * hand in the comments.
 *
 * Boundaries tested (chosen in core/ma_net.c's header comment):
 *  - retry iff 0 <= dt <= retry_window (10 s here).
 *  - the bounds MA_NET_MAX_CONNS / _EVENTS / _RETRY_KEYS are tested through
 *    the test-only ma_net_set_limits (core/ma_net_int.h); the fixed
 *    MA_NET_SEG_RING (64) and MA_NET_SEG_TXNS (8) and the internal pending
 *    FIFO (32) are tested at their real values; 5000 connections check the
 *    block allocation.
 */
#define _POSIX_C_SOURCE 200809L

#include "net_helpers.h"

/* ---- tests ---- */

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

/* A request with a 300-byte body (more than the retry table's stack key
 * holds) that ends in `last`, in a frame of its own. */
static ma_txn_t *long_req(tnet_t *t, const ep_t *e, uint32_t stream, ma_ns_t ts, uint16_t tid, uint8_t last,
                          uint32_t *seq)
{
    enum { BODY = 300 };
    static uint8_t adu[8 + BODY];
    memset(adu, 0x5A, sizeof adu);
    adu[0] = (uint8_t)(tid >> 8);
    adu[1] = (uint8_t)tid;
    adu[2] = adu[3] = 0;
    adu[4] = (uint8_t)((BODY + 2) >> 8);
    adu[5] = (uint8_t)(BODY + 2);
    adu[6] = 1;
    adu[7] = 16;
    adu[sizeof adu - 1] = last;
    ma_tcp_in_t in = tcpq(e, ts, stream, true, ACK, 0, *seq, sizeof adu);
    *seq += sizeof adu;
    in.frame = ++t->fr;
    ma_core_note_time(t->core, in.ts);
    ma_pdu_in_t pin = {.frame = in.frame, .ts = in.ts, .stream = in.stream, .src = in.src, .dst = in.dst,
                       .srcport = in.srcport, .dstport = in.dstport, .is_request = true, .tid = tid,
                       .unit = 1, .fc = 16, .adu = adu, .adu_len = sizeof adu, .ref = -1, .count = -1,
                       .wref = -1};
    ma_pdu_t out;
    ma_core_pdu(t->core, &pin, &out);
    if (out.kind == MA_PDU_REQUEST && !(out.flags & (MA_PDU_RETRANS | MA_PDU_MALFORMED)))
        ma_net_request(t->net, &pin, &out);
    ma_net_segment(t->net, &in, &pin, &out, 1);
    return out.txn;
}

/* Retries of requests whose key does not fit on the stack: the same body
 * is a retry, a body differing in its last byte is not. */
static void test_retries_long(void)
{
    tnet_t t = tn_new();
    ep_t e = ep(11, 40001);
    handshake(&t, &e, 1, 0);
    uint32_t seq = 1;
    ma_txn_t *L1 = long_req(&t, &e, 1, SEC(1), 1, 0xAA, &seq);
    ma_txn_t *L2 = long_req(&t, &e, 1, SEC(2), 2, 0xAA, &seq);
    ma_txn_t *L3 = long_req(&t, &e, 1, SEC(3), 3, 0xAB, &seq);
    ma_txn_t *L4 = long_req(&t, &e, 1, SEC(4), 4, 0xAA, &seq);
    CHECK(L1 && L2 && L3 && L4);
    CHECK_EQ(L2->retry_of, L1->req_frame);
    CHECK_EQ(L3->retry_of, 0);
    CHECK_EQ(L4->retry_of, L2->req_frame); /* the key's latest request */
    CHECK_EQ(ma_net_pair_stats(t.net, L1->pair->id)->retries, 2);
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

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/net_app/retries", test_retries);
    g_test_add_func("/net_app/retries_long", test_retries_long);
    g_test_add_func("/net_app/find_event", test_find_event);
    g_test_add_func("/net_app/expect", test_expect);
    g_test_add_func("/net_app/bounds", test_bounds);
    g_test_add_func("/net_app/random", test_random);
    return ma_test_run();
}
