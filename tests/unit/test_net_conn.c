/* test_net_conn.c - unit tests of connection health (core/ma_net.c):
 * configuration defaults, connection attempts, SYN retries, refusals,
 * finalize, session ends, reconnects, a clock going back and streams first
 * seen mid-session
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The driver is in net_helpers.h. Every expected value is worked out by
 * hand in the comments.
 *
 * Boundaries tested (chosen in core/ma_net.c's header comment):
 *  - ESTABLISHED iff SYN+ACK - first SYN <= connect_timeout (3 s here);
 *    at finalize TIMEOUT iff capture_end - first SYN > connect_timeout, else
 *    UNFINISHED; a server RST before any SYN+ACK refuses iff it comes
 *    <= connect_timeout after the first SYN, later it is a TIMEOUT.
 *  - gap 0 is a reconnect, gap < 0 parallel (recomputed at finalize).
 */
#define _POSIX_C_SOURCE 200809L

#include "net_helpers.h"

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
     * NEW_CONN 30 s, CLOSE_SERVER 31 s (13), NEW_CONN 40 s. The server's FIN
     * of stream 12 at 25.001 s answers the client's: no event. */
    CHECK_EQ(ma_net_event_count(t.net, pid), 7);
    const ma_net_ev_t *ev = ma_net_find_event(t.net, pid, K(MA_EV_RESET), UINT32_MAX, 0, SEC(50));
    CHECK(ev && ev->ts == SEC(5) && ev->stream == 10 && ev->frame == 4);
    ev = ma_net_find_event(t.net, pid, K(MA_EV_RESET), 11, 0, SEC(50));
    CHECK(ev && ev->ts == SEC(12));
    CHECK(ma_net_find_event(t.net, pid, K(MA_EV_CLOSE_SERVER), UINT32_MAX, SEC(25), SEC(31) - 1) == NULL);
    CHECK(fin12 > 0);
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
    /* NEW_CONN at 2.5, 2.6 and 3 s; CLOSE_SERVER at 3 s (stream 3); the FIN
     * at 2.001 s (stream 1) answers the client's: no event. */
    uint32_t pid = c2->pair->id;
    CHECK_EQ(ma_net_event_count(t.net, pid), 4);
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

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/net_conn/defaults", test_defaults);
    g_test_add_func("/net_conn/handshake", test_handshake);
    g_test_add_func("/net_conn/syn_retries", test_syn_retries);
    g_test_add_func("/net_conn/refused", test_refused);
    g_test_add_func("/net_conn/finalize", test_finalize);
    g_test_add_func("/net_conn/ends", test_ends);
    g_test_add_func("/net_conn/reconnect", test_reconnect);
    g_test_add_func("/net_conn/clock_back", test_clock_back);
    g_test_add_func("/net_conn/mid_session", test_mid_session);
    return ma_test_run();
}
