/* test_net_retrans.c - unit tests of tcp.analysis counts and retransmitted
 * Modbus bytes (core/ma_net.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The driver is in net_helpers.h. Every expected value is worked out by
 * hand in the comments.
 *
 * Boundaries tested (chosen in core/ma_net.c's header comment):
 *  - sequence ranges compare modulo 2^32 (wrap-around tested).
 */
#define _POSIX_C_SOURCE 200809L

#include "net_helpers.h"

/* ---- tests ---- */

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

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/net_retrans/analysis", test_analysis);
    g_test_add_func("/net_retrans/attach", test_attach);
    g_test_add_func("/net_retrans/attach_wrap", test_attach_wrap);
    return ma_test_run();
}
