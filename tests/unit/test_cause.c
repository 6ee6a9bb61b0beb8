/* test_cause.c - unit tests of the cause of delayed, late and missed
 * transactions (core/ma_cause.c): each cause alone, which transactions get
 * one, and the engines absent
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The driver is in cause_helpers.h. Defaults everywhere: delay_threshold
 * 1 s, response_timeout 3 s, connect_timeout 3 s, retry_window 10 s,
 * stp_window 50 s (unless a test says otherwise). The client is
 * 10.0.0.<n>:4xxxx, the server 10.0.0.2:502. The window of a transaction
 * is [t0, t1]: t0 = request time, t1 = response time when answered, else
 * t0 + 3 s. Every expected cause and cause_frame is worked out by hand in
 * the comments (core/ma_cause.h, rules 1-5).
 */
#define _POSIX_C_SOURCE 200809L

#include "cause_helpers.h"

/* ---- tests ---- */

static void test_names(void)
{
    CHECK_STR(ma_cause_name(MA_CAUSE_NONE), "");
    CHECK_STR(ma_cause_name(MA_CAUSE_STP), "stp");
    CHECK_STR(ma_cause_name(MA_CAUSE_TCP_RETRANS), "tcp-retransmission");
    CHECK_STR(ma_cause_name(MA_CAUSE_CONNECTION), "connection");
    CHECK_STR(ma_cause_name(MA_CAUSE_RETRY), "retry");
    CHECK_STR(ma_cause_name(MA_CAUSE_SERVER), "server");
    CHECK_STR(ma_cause_name(MA_CAUSE_N), "");
    CHECK_STR(ma_cause_name((ma_cause_t)99), "");
    CHECK_EQ(MA_DEFAULT_STP_WINDOW, SEC(50));
}

/* Each kind of topology change alone: a TC episode start 10 s before the
 * request, a TCN during the wait, a root change; a role change is no
 * topology change. */
static void test_stp(void)
{
    tw_t w = tw_new();
    ep_t e = ep(1, 40001);
    handshake(&w, &e, 1, 0);                                  /* frames 1-3 */
    bpdu(&w, SEC(1), F_DESIG, ROOT1, 0);                      /* 4: the speaker's state, no event */
    uint32_t ftc = bpdu(&w, SEC(90), F_DESIG_TC, ROOT1, MA_STP_EV_TC); /* 5: episode start */
    bpdu(&w, SEC(92), F_DESIG_TC, ROOT1, 0);                  /* 6: repeat of the episode */
    /* A: t0 100 s, answered at 102 s (2 s > 1 s: delayed). The latest change
     * <= 102 s is the episode start at 90 s (repeats are no events), and
     * 90 >= 100 - 50: stp, evidence the episode start (frame 5). */
    ma_txn_t *A = req(&w, &e, 1, SEC(100), 1, 0x10);
    /* E: answered after 100 ms, inside the same window: not delayed, NONE. */
    ma_txn_t *E = req(&w, &e, 1, SEC(100) + MS(200), 2, 0x11);
    resp(&w, &e, 1, SEC(100) + MS(300), 2, 0x11);
    bpdu(&w, SEC(101), F_DESIG_TC, ROOT1, 0);                 /* repeat during A's wait: no event */
    resp(&w, &e, 1, SEC(102), 1, 0x10);
    bpdu(&w, SEC(120), F_DESIG, ROOT1, 0);                    /* the episode ends: no event */

    /* B: t0 300 s, answered at 302 s; a TCN at 300.5 s: stp, the TCN. */
    ma_txn_t *B = req(&w, &e, 1, SEC(300), 3, 0x12);
    uint32_t ftcn = tcn(&w, SEC(300) + MS(500));
    resp(&w, &e, 1, SEC(302), 3, 0x12);

    /* C: t0 500 s, answered at 502 s; the root changed (ROOT1 -> ROOT2, no
     * TC flag) at 480 s >= 500 - 50: stp, that BPDU. */
    uint32_t froot = bpdu(&w, SEC(480), F_DESIG, ROOT2, MA_STP_EV_ROOT);
    ma_txn_t *C = req(&w, &e, 1, SEC(500), 4, 0x13);
    resp(&w, &e, 1, SEC(502), 4, 0x13);

    /* D: t0 700 s, answered at 702 s; only a role change at 690 s (a ROLE
     * event, not a topology change); the latest change <= 702 s is the root
     * change at 480 s < 700 - 50: not stp; nothing else: server, frame 0. */
    bpdu(&w, SEC(690), F_ALT, ROOT2, MA_STP_EV_ROLE);
    ma_txn_t *D = req(&w, &e, 1, SEC(700), 5, 0x14);
    resp(&w, &e, 1, SEC(702), 5, 0x14);

    finish(&w, SEC(800));
    CHECK(A && B && C && D && E);
    CHECK(A->outcome == MA_OUT_ANSWERED && (A->flags & MA_TXN_DELAYED));
    CHECK(E->outcome == MA_OUT_ANSWERED && !(E->flags & MA_TXN_DELAYED));
    decide(&w);
    CHECK(is_cause(A, MA_CAUSE_STP, ftc));
    CHECK_EQ(ftc, 5);
    CHECK(is_cause(E, MA_CAUSE_NONE, 0));
    CHECK(is_cause(B, MA_CAUSE_STP, ftcn));
    CHECK(is_cause(C, MA_CAUSE_STP, froot));
    CHECK(is_cause(D, MA_CAUSE_SERVER, 0));
    /* Pair counts: stp 3 (A, B, C), server 1 (D). */
    CHECK(counts_are(&w, A->pair, 3, 0, 0, 0, 1));
    tw_free(&w);
}

/* tcp-retransmission alone: by MA_TXN_RETRANS (the request PDU
 * retransmitted; bytes retransmitted after the window) and by a
 * retransmitted segment of the same stream in the window that carries no
 * bytes of the transaction. */
static void test_retrans(void)
{
    tw_t w = tw_new();
    ep_t e = ep(1, 40001);
    handshake(&w, &e, 1, 0);
    /* A: request [1, 13) at 10 s, the same PDU retransmitted at 11 s
     * (rule (a): A gets MA_TXN_RETRANS, retrans_frame = that frame), answered
     * at 12 s (delayed 2 s): tcp-retransmission, the retransmission. */
    ma_txn_t *A = pdu1(&w, tcpq(&e, SEC(10), 1, true, ACK, 0, 1, 12), 1, 0x10);
    ma_txn_t *A2 = pdu1(&w, tcpq(&e, SEC(11), 1, true, ACK, RTX, 1, 12), 1, 0x10);
    uint32_t fa = w.fr;
    CHECK(A2 == A);
    pdu1(&w, tcpq(&e, SEC(12), 1, false, ACK, 0, 1, 11), 1, 0x10);
    /* B: request [13, 25) at 20 s; at 21 s A's bytes [1, 13) come again
     * (not decoded): attached to A by overlap, not to B. A retransmission of
     * another transaction's bytes is never B's cause (issue 11): server. */
    ma_txn_t *B = pdu1(&w, tcpq(&e, SEC(20), 1, true, ACK, 0, 13, 12), 2, 0x11);
    seg(&w, tcpq(&e, SEC(21), 1, true, ACK, RTX, 1, 12));
    pdu1(&w, tcpq(&e, SEC(22), 1, false, ACK, 0, 12, 11), 2, 0x11);
    CHECK(!(B->flags & MA_TXN_RETRANS));
    CHECK_EQ(A->retrans_frame, fa); /* A keeps its first */
    /* C: request [25, 37) at 30 s, answered at 32 s; C's bytes retransmitted
     * at 40 s, after its window: the flag holds (no window for it): tcp-
     * retransmission, the 40 s segment. */
    ma_txn_t *C = pdu1(&w, tcpq(&e, SEC(30), 1, true, ACK, 0, 25, 12), 3, 0x12);
    pdu1(&w, tcpq(&e, SEC(32), 1, false, ACK, 0, 23, 11), 3, 0x12);
    uint32_t fc = seg(&w, tcpq(&e, SEC(40), 1, true, ACK, RTX, 25, 12));
    CHECK(C->flags & MA_TXN_RETRANS);
    CHECK_EQ(C->retrans_frame, fc);
    /* D: request [37, 49) at 50 s; an empty retransmission flag at 50.5 s
     * (a window event, frame fd1); D's own request retransmitted at 51 s
     * (the flag, fd2); answered at 52 s. Both are rule 2; the flag is looked
     * at first, so the evidence is D's retransmission fd2. */
    ma_txn_t *D = pdu1(&w, tcpq(&e, SEC(50), 1, true, ACK, 0, 37, 12), 4, 0x13);
    uint32_t fd1 = seg(&w, tcp(&e, SEC(50) + MS(500), 1, true, ACK, RTX));
    pdu1(&w, tcpq(&e, SEC(51), 1, true, ACK, RTX, 37, 12), 4, 0x13);
    uint32_t fd2 = w.fr;
    pdu1(&w, tcpq(&e, SEC(52), 1, false, ACK, 0, 34, 11), 4, 0x13);
    CHECK(fd1 != fd2 && D->retrans_frame == fd2);
    /* X: answered after 200 ms with a retransmission in its window: not
     * delayed, NONE. */
    ma_txn_t *X = pdu1(&w, tcpq(&e, SEC(60), 1, true, ACK, 0, 49, 12), 5, 0x14);
    seg(&w, tcp(&e, SEC(60) + MS(100), 1, true, ACK, RTX));
    pdu1(&w, tcpq(&e, SEC(60) + MS(200), 1, false, ACK, 0, 45, 11), 5, 0x14);
    /* W: request [61, 73) at 70 s, answered at 72 s. An empty retransmission
     * to the server at 70.2 s (not the waiting direction) is no cause; an
     * empty one to the client at 70.5 s (the direction that was waiting,
     * carrying no transaction's bytes) is: tcp-retransmission, that one. */
    ma_txn_t *W = pdu1(&w, tcpq(&e, SEC(70), 1, true, ACK, 0, 61, 12), 6, 0x15);
    seg(&w, tcp(&e, SEC(70) + MS(200), 1, true, ACK, RTX));
    uint32_t fw = seg(&w, tcp(&e, SEC(70) + MS(500), 1, false, ACK, RTX));
    pdu1(&w, tcpq(&e, SEC(72), 1, false, ACK, 0, 56, 11), 6, 0x15);
    CHECK(!(W->flags & MA_TXN_RETRANS));

    finish(&w, SEC(100));
    decide(&w);
    CHECK(is_cause(A, MA_CAUSE_TCP_RETRANS, fa));
    CHECK(is_cause(B, MA_CAUSE_SERVER, 0));
    CHECK(is_cause(C, MA_CAUSE_TCP_RETRANS, fc));
    CHECK(is_cause(D, MA_CAUSE_TCP_RETRANS, fd2));
    CHECK(is_cause(X, MA_CAUSE_NONE, 0));
    CHECK(is_cause(W, MA_CAUSE_TCP_RETRANS, fw));
    CHECK(counts_are(&w, A->pair, 0, 4, 0, 0, 1));
    tw_free(&w);
}

/* connection alone: only the transaction's own connection breaking while
 * it waited (an RST either way, a FIN the server sent first: MA_TXN_CLOSED,
 * the closing frame), or the first request after a failed handshake
 * (issue 11). Events of other connections of the pair - a refused attempt,
 * a new connection, another connection's FIN or reset - and of another
 * pair are no cause: server. */
static void test_connection(void)
{
    tw_t w = tw_new();
    ep_t e1 = ep(1, 40001), e2 = ep(1, 40002), e3 = ep(1, 40003), e4 = ep(1, 40004), e5 = ep(1, 40005);
    ep_t o = ep(9, 40001); /* another pair */
    handshake(&w, &e1, 1, 0);
    /* A: stream 1 at 10 s; the server resets at 11 s: missed, CLOSED,
     * resolve_frame = the RST: connection, the RST. */
    ma_txn_t *A = req(&w, &e1, 1, SEC(10), 1, 0x10);
    uint32_t fa = seg(&w, tcp(&e1, SEC(11), 1, false, RST | ACK, 0));
    CHECK(A->outcome == MA_OUT_MISSED && (A->flags & MA_TXN_CLOSED) && A->resolve_frame == fa);
    /* Stream 2 from 20 s (NEW_CONN at 20 s); stream 3's SYN at 29.5 s
     * (NEW_CONN at 29.5 s: before B's window). */
    handshake(&w, &e2, 2, SEC(20));
    seg(&w, tcp(&e3, SEC(29) + MS(500), 3, true, SYN, 0));
    /* B: stream 2, 30 s -> 32 s (delayed); the server refuses stream 3 at
     * 30.5 s: another connection: server. */
    ma_txn_t *B = req(&w, &e2, 2, SEC(30), 2, 0x11);
    seg(&w, tcp(&e3, SEC(30) + MS(500), 3, false, RST | ACK, 0));
    resp(&w, &e2, 2, SEC(32), 2, 0x11);
    /* C: stream 2, 40 s -> 42 s; stream 4 opens at 41 s: server. O (the other pair, 40.5 s -> 42.5 s,
     * delayed) sees no event of its own pair: server. */
    ma_txn_t *C = req(&w, &e2, 2, SEC(40), 3, 0x12);
    ma_txn_t *O = req(&w, &o, 9, SEC(40) + MS(500), 1, 0x12);
    handshake(&w, &e4, 4, SEC(41));
    resp(&w, &e2, 2, SEC(42), 3, 0x12);
    resp(&w, &o, 9, SEC(42) + MS(500), 1, 0x12);
    /* D: stream 2, 50 s -> 52 s; the server FINs stream 4 at 51 s: another
     * connection: server. */
    ma_txn_t *D = req(&w, &e2, 2, SEC(50), 4, 0x13);
    seg(&w, tcp(&e4, SEC(51), 4, false, FIN | ACK, 0));
    resp(&w, &e2, 2, SEC(52), 4, 0x13);
    /* E: stream 2, 60 s -> 62 s; stream 5 (opened at 55 s, before the
     * window) is reset by the client at 61 s: another connection: server. */
    handshake(&w, &e5, 5, SEC(55));
    ma_txn_t *E = req(&w, &e2, 2, SEC(60), 5, 0x14);
    seg(&w, tcp(&e5, SEC(61), 5, true, RST | ACK, 0));
    resp(&w, &e2, 2, SEC(62), 5, 0x14);
    /* F: stream 2 at 70 s; the server FINs stream 2 at 71 s: missed, CLOSED:
     * connection, the FIN. */
    ma_txn_t *F = req(&w, &e2, 2, SEC(70), 6, 0x15);
    uint32_t ff = seg(&w, tcp(&e2, SEC(71), 2, false, FIN | ACK, 0));
    CHECK(F->outcome == MA_OUT_MISSED && (F->flags & MA_TXN_CLOSED) && F->resolve_frame == ff);
    /* G: a request on stream 1 after its reset (80 s): ma_core makes it
     * missed and CLOSED at once with resolve_frame = its own frame; nothing
     * in [80, 83]: connection, evidence = resolve_frame = G's request frame
     * (not the RST of frame fa). */
    ma_txn_t *G = req(&w, &e1, 1, SEC(80), 7, 0x16);
    CHECK(G->outcome == MA_OUT_MISSED && (G->flags & MA_TXN_CLOSED) && G->resolve_frame == G->req_frame);
    /* H: stream 6 (opened at 85 s) at 86 s; stream 7 opens at 86.5 s
     * (NEW_CONN, fh1), then the server resets stream 6 at 87 s (CLOSED,
     * fh2). Both are rule 3; MA_TXN_CLOSED is looked at first, so the
     * evidence is the frame that closed H's connection, fh2. */
    ep_t e6 = ep(1, 40006), e7 = ep(1, 40007);
    handshake(&w, &e6, 6, SEC(85));
    ma_txn_t *H = req(&w, &e6, 6, SEC(86), 8, 0x17);
    uint32_t fh1 = handshake(&w, &e7, 7, SEC(86) + MS(500));
    uint32_t fh2 = seg(&w, tcp(&e6, SEC(87), 6, false, RST | ACK, 0));
    CHECK(fh1 < fh2 && H->resolve_frame == fh2);
    /* I: stream 8, first seen mid-session at I's own request (90 s): a
     * reconnect of the pair; answered at 92 s: a new connection is no
     * cause: server. */
    ep_t e8 = ep(1, 40008), e10 = ep(1, 40010);
    ma_txn_t *I = req(&w, &e8, 8, SEC(90), 9, 0x18);
    resp(&w, &e8, 8, SEC(92), 9, 0x18);
    /* J: stream 10 opened by a SYN at 95 s (NEW_CONN at 95 s), J at 95.1 s
     * answered at 97.1 s: the new connection is before t0: server. */
    handshake(&w, &e10, 10, SEC(95));
    ma_txn_t *J = req(&w, &e10, 10, SEC(95) + MS(100), 10, 0x19);
    resp(&w, &e10, 10, SEC(97) + MS(100), 10, 0x19);
    /* K: stream 11 (opened at 97.5 s) at 98 s, never answered; the client
     * gives up and FINs at 98.5 s, the server's FIN answers at 98.6 s: not
     * CLOSED (the client stopped waiting), missed by its timeout: server. */
    ep_t e11 = ep(1, 40011), e12 = ep(1, 40012);
    handshake(&w, &e11, 11, SEC(97) + MS(500));
    ma_txn_t *K = req(&w, &e11, 11, SEC(98), 11, 0x1a);
    seg(&w, tcp(&e11, SEC(98) + MS(500), 11, true, FIN | ACK, 0));
    seg(&w, tcp(&e11, SEC(98) + MS(600), 11, false, FIN | ACK, 0));
    CHECK(K->outcome == MA_OUT_PENDING && !(K->flags & MA_TXN_CLOSED));
    /* L1, L2: stream 12: SYN at 99 s, SYN+ACK at 103.5 s (4.5 s > the 3 s
     * connect_timeout: the attempt failed); L1, its first request, at
     * 103.6 s answered at 105 s: connection, the SYN+ACK; L2, the second
     * request, at 106 s answered at 108 s: server. */
    seg(&w, tcp(&e12, SEC(99), 12, true, SYN, 0));
    uint32_t fl = seg(&w, tcp(&e12, SEC(103) + MS(500), 12, false, SYN | ACK, 0));
    seg(&w, tcp(&e12, SEC(103) + MS(550), 12, true, ACK, 0));
    ma_txn_t *L1 = req(&w, &e12, 12, SEC(103) + MS(600), 12, 0x1b);
    resp(&w, &e12, 12, SEC(105), 12, 0x1b);
    ma_txn_t *L2 = req(&w, &e12, 12, SEC(106), 13, 0x1c);
    resp(&w, &e12, 12, SEC(108), 13, 0x1c);

    finish(&w, SEC(120));
    decide(&w);
    CHECK(is_cause(A, MA_CAUSE_CONNECTION, fa));
    CHECK(is_cause(B, MA_CAUSE_SERVER, 0));
    CHECK(is_cause(C, MA_CAUSE_SERVER, 0));
    CHECK(is_cause(D, MA_CAUSE_SERVER, 0));
    CHECK(is_cause(E, MA_CAUSE_SERVER, 0));
    CHECK(is_cause(F, MA_CAUSE_CONNECTION, ff));
    CHECK(is_cause(G, MA_CAUSE_CONNECTION, G->req_frame));
    CHECK(is_cause(H, MA_CAUSE_CONNECTION, fh2));
    CHECK(is_cause(I, MA_CAUSE_SERVER, 0));
    CHECK(is_cause(J, MA_CAUSE_SERVER, 0));
    CHECK(is_cause(O, MA_CAUSE_SERVER, 0));
    CHECK(K->outcome == MA_OUT_MISSED && is_cause(K, MA_CAUSE_SERVER, 0));
    CHECK(is_cause(L1, MA_CAUSE_CONNECTION, fl));
    CHECK(is_cause(L2, MA_CAUSE_SERVER, 0));
    /* connection: A, F, G, H, L1; server: B, C, D, E, I, J, K, L2 */
    CHECK(counts_are(&w, A->pair, 0, 0, 5, 0, 8));
    CHECK(counts_are(&w, O->pair, 0, 0, 0, 0, 1));
    CHECK(A->pair != O->pair);
    tw_free(&w);
}

/* retry alone: the original unanswered (missed by timeout) or delayed,
 * retried on the same connection with a new transaction id. */
static void test_retry(void)
{
    tw_t w = tw_new();
    ep_t e = ep(1, 40001);
    handshake(&w, &e, 1, 0);
    /* R1 tid 1 at 10 s, never answered; R2 (tid 2, same content) at 12 s
     * answered at 12.1 s. R1 is missed at the end (100 - 10 > 3 s) with
     * MA_TXN_RETRIED: retry, R2's frame. R2: NONE. */
    ma_txn_t *R1 = req(&w, &e, 1, SEC(10), 1, 0x10);
    ma_txn_t *R2 = req(&w, &e, 1, SEC(12), 2, 0x10);
    uint32_t f2 = w.fr;
    resp(&w, &e, 1, SEC(12) + MS(100), 2, 0x10);
    /* Q1 tid 3 at 30 s; Q2 (tid 4, same content) at 31 s, answered at
     * 31.1 s; Q1 answered at 32 s (delayed): retry, Q2's frame. */
    ma_txn_t *Q1 = req(&w, &e, 1, SEC(30), 3, 0x20);
    ma_txn_t *Q2 = req(&w, &e, 1, SEC(31), 4, 0x20);
    uint32_t fq2 = w.fr;
    resp(&w, &e, 1, SEC(31) + MS(100), 4, 0x20);
    resp(&w, &e, 1, SEC(32), 3, 0x20);
    finish(&w, SEC(100));
    CHECK(R1->outcome == MA_OUT_MISSED && R1->flags == MA_TXN_RETRIED && R1->retried_by == f2);
    CHECK(Q1->outcome == MA_OUT_ANSWERED && Q1->flags == (MA_TXN_RETRIED | MA_TXN_DELAYED) && Q1->retried_by == fq2);
    decide(&w);
    CHECK(is_cause(R1, MA_CAUSE_RETRY, f2));
    CHECK(is_cause(R2, MA_CAUSE_NONE, 0));
    CHECK(is_cause(Q1, MA_CAUSE_RETRY, fq2));
    CHECK(is_cause(Q2, MA_CAUSE_NONE, 0));
    CHECK(counts_are(&w, R1->pair, 0, 0, 0, 2, 0));
    tw_free(&w);
}

/* server: nothing else holds (delayed by 1 ns more than the threshold,
 * late, missed by timeout, missed because its key was reused). */
static void test_server(void)
{
    tw_t w = tw_new();
    ep_t e = ep(1, 40001);
    handshake(&w, &e, 1, 0);
    ma_txn_t *S1 = req(&w, &e, 1, SEC(10), 1, 0x10);
    resp(&w, &e, 1, SEC(11) + 1, 1, 0x10);           /* 1 s + 1 ns: delayed */
    ma_txn_t *S2 = req(&w, &e, 1, SEC(20), 2, 0x11);
    resp(&w, &e, 1, SEC(24), 2, 0x11);               /* 4 s: late */
    ma_txn_t *S3 = req(&w, &e, 1, SEC(30), 3, 0x12); /* missed at the end */
    ma_txn_t *S4 = req(&w, &e, 1, SEC(40), 7, 0x13);
    ma_txn_t *S5 = req(&w, &e, 1, SEC(44), 7, 0x14); /* same key 4 s later: S4 superseded */
    resp(&w, &e, 1, SEC(44) + MS(10), 7, 0x14);
    finish(&w, SEC(100));
    CHECK(S1->outcome == MA_OUT_ANSWERED && S1->flags == MA_TXN_DELAYED);
    CHECK_EQ(S2->outcome, MA_OUT_LATE);
    CHECK(S3->outcome == MA_OUT_MISSED && S3->flags == 0);
    CHECK(S4->outcome == MA_OUT_MISSED && S4->flags == MA_TXN_SUPERSEDED);
    decide(&w);
    CHECK(is_cause(S1, MA_CAUSE_SERVER, 0));
    CHECK(is_cause(S2, MA_CAUSE_SERVER, 0));
    CHECK(is_cause(S3, MA_CAUSE_SERVER, 0));
    CHECK(is_cause(S4, MA_CAUSE_SERVER, 0));
    CHECK(is_cause(S5, MA_CAUSE_NONE, 0));
    CHECK(counts_are(&w, S1->pair, 0, 0, 0, 0, 4));
    tw_free(&w);
}

/* Which transactions get a cause, all with a TC episode start in their
 * stp window: answered & delayed, late, missed -> stp; answered not delayed
 * (also exactly at the threshold) and unanswered_at_end -> NONE. Then
 * idempotence. */
static void test_which(void)
{
    tw_t w = tw_new();
    ep_t e = ep(1, 40001);
    handshake(&w, &e, 1, 0);
    bpdu(&w, SEC(1), F_DESIG, ROOT1, 0);
    uint32_t fs = bpdu(&w, SEC(95), F_DESIG_TC, ROOT1, MA_STP_EV_TC);
    ma_txn_t *N1 = req(&w, &e, 1, SEC(100), 1, 0x10);
    resp(&w, &e, 1, SEC(100) + MS(500), 1, 0x10);          /* 0.5 s */
    ma_txn_t *N2 = req(&w, &e, 1, SEC(101), 2, 0x11);
    resp(&w, &e, 1, SEC(102), 2, 0x11);                    /* exactly 1 s: not delayed */
    ma_txn_t *D1 = req(&w, &e, 1, SEC(103), 3, 0x12);
    resp(&w, &e, 1, SEC(104) + 1, 3, 0x12);                /* 1 s + 1 ns: delayed */
    ma_txn_t *L1 = req(&w, &e, 1, SEC(105), 4, 0x13);
    resp(&w, &e, 1, SEC(109), 4, 0x13);                    /* 4 s: late */
    ma_txn_t *M1 = req(&w, &e, 1, SEC(110), 5, 0x14);      /* never answered */
    ma_txn_t *U1 = req(&w, &e, 1, SEC(142), 6, 0x15);      /* end 145 s: 3 s <= timeout */
    finish(&w, SEC(145));
    /* M1: 145 - 110 > 3 s: missed; U1: 145 - 142 = 3 s, not > 3 s: unanswered_at_end. */
    CHECK_EQ(N1->outcome, MA_OUT_ANSWERED);
    CHECK_EQ(N2->outcome, MA_OUT_ANSWERED);
    CHECK(!(N2->flags & MA_TXN_DELAYED));
    CHECK(D1->outcome == MA_OUT_ANSWERED && (D1->flags & MA_TXN_DELAYED));
    CHECK_EQ(L1->outcome, MA_OUT_LATE);
    CHECK_EQ(M1->outcome, MA_OUT_MISSED);
    CHECK_EQ(U1->outcome, MA_OUT_UNANSWERED_AT_END);
    CHECK(!ma_cause_applies(N1));
    CHECK(!ma_cause_applies(N2));
    CHECK(ma_cause_applies(D1));
    CHECK(ma_cause_applies(L1));
    CHECK(ma_cause_applies(M1));
    CHECK(!ma_cause_applies(U1));
    /* Nothing decided before ma_cause_decide. */
    CHECK(is_cause(D1, MA_CAUSE_NONE, 0));
    CHECK(counts_are(&w, N1->pair, 0, 0, 0, 0, 0));
    decide(&w);
    CHECK(is_cause(N1, MA_CAUSE_NONE, 0));
    CHECK(is_cause(N2, MA_CAUSE_NONE, 0));
    CHECK(is_cause(D1, MA_CAUSE_STP, fs));
    CHECK(is_cause(L1, MA_CAUSE_STP, fs));
    CHECK(is_cause(M1, MA_CAUSE_STP, fs));
    CHECK(is_cause(U1, MA_CAUSE_NONE, 0));
    CHECK(counts_are(&w, N1->pair, 3, 0, 0, 0, 0));
    /* Idempotent: again (also without stp, which would give server): nothing changes. */
    decide(&w);
    CHECK(counts_are(&w, N1->pair, 3, 0, 0, 0, 0));
    decide_w(&w, true, false, MA_DEFAULT_STP_WINDOW);
    CHECK(counts_are(&w, N1->pair, 3, 0, 0, 0, 0));
    CHECK(is_cause(D1, MA_CAUSE_STP, fs));
    CHECK(is_cause(L1, MA_CAUSE_STP, fs));
    CHECK(is_cause(M1, MA_CAUSE_STP, fs));
    CHECK(is_cause(N1, MA_CAUSE_NONE, 0));
    CHECK(is_cause(U1, MA_CAUSE_NONE, 0));
    tw_free(&w);
}

/* A world for the NULL engines:
 *  X (stream 1, 100 s -> 102 s): TC at 95 s, an empty retransmission to
 *    the client at 100.5 s on stream 1, a new connection (stream 3) at 101 s; no flag;
 *  Y (stream 1, 300 s -> 302 s): its request retransmitted at 300.5 s (flag);
 *  Z (stream 2, 400 s): the server resets stream 2 at 401 s (CLOSED);
 *  R (stream 1, 500 s, never answered): retried at 502 s, answered 502.1 s;
 *  V (stream 1, 600 s -> 602 s): nothing.
 * The TC at 95 s is before every window but X's (t0 - 50 s >= 250 s). */
typedef struct nworld {
    tw_t w;
    ma_txn_t *X, *Y, *Z, *R, *V;
    uint32_t fs, fxr, fy, fz, fr;
} nworld_t;

static void nworld_build(nworld_t *n)
{
    n->w = tw_new();
    tw_t *w = &n->w;
    ep_t e1 = ep(1, 40001), e2 = ep(1, 40002), e3 = ep(1, 40003);
    handshake(w, &e1, 1, 0);
    handshake(w, &e2, 2, SEC(50));
    bpdu(w, SEC(1), F_DESIG, ROOT1, 0);
    n->fs = bpdu(w, SEC(95), F_DESIG_TC, ROOT1, MA_STP_EV_TC);
    n->X = req(w, &e1, 1, SEC(100), 1, 0x10);
    n->fxr = seg(w, tcp(&e1, SEC(100) + MS(500), 1, false, ACK, RTX)); /* to the waiting client */
    handshake(w, &e3, 3, SEC(101));
    resp(w, &e1, 1, SEC(102), 1, 0x10);
    n->Y = pdu1(w, tcpq(&e1, SEC(300), 1, true, ACK, 0, 1, 12), 2, 0x20);
    pdu1(w, tcpq(&e1, SEC(300) + MS(500), 1, true, ACK, RTX, 1, 12), 2, 0x20);
    n->fy = w->fr;
    resp(w, &e1, 1, SEC(302), 2, 0x20);
    n->Z = req(w, &e2, 2, SEC(400), 3, 0x30);
    n->fz = seg(w, tcp(&e2, SEC(401), 2, false, RST | ACK, 0));
    n->R = req(w, &e1, 1, SEC(500), 4, 0x40);
    req(w, &e1, 1, SEC(502), 5, 0x40);
    n->fr = w->fr;
    resp(w, &e1, 1, SEC(502) + MS(100), 5, 0x40);
    n->V = req(w, &e1, 1, SEC(600), 6, 0x50);
    resp(w, &e1, 1, SEC(602), 6, 0x50);
    finish(w, SEC(700));
}

/* net == NULL and/or stp == NULL: their rules never hold; the flag rules
 * still do; counts only with a net. */
static void test_null_engines(void)
{
    for (int with_net = 0; with_net <= 1; with_net++) {
        for (int with_stp = 0; with_stp <= 1; with_stp++) {
            nworld_t n;
            nworld_build(&n);
            CHECK_EQ(n.Y->flags, MA_TXN_RETRANS | MA_TXN_DELAYED);
            CHECK_EQ(n.Z->flags, MA_TXN_CLOSED);
            CHECK_EQ(n.R->flags, MA_TXN_RETRIED);
            CHECK_EQ(n.X->flags, MA_TXN_DELAYED);
            decide_w(&n.w, with_net, with_stp, MA_DEFAULT_STP_WINDOW);
            /* X: stp if stp; else the retransmission event if net; else server. */
            if (with_stp)
                CHECK(is_cause(n.X, MA_CAUSE_STP, n.fs));
            else if (with_net)
                CHECK(is_cause(n.X, MA_CAUSE_TCP_RETRANS, n.fxr));
            else
                CHECK(is_cause(n.X, MA_CAUSE_SERVER, 0));
            CHECK(is_cause(n.Y, MA_CAUSE_TCP_RETRANS, n.fy));
            CHECK(is_cause(n.Z, MA_CAUSE_CONNECTION, n.fz));
            CHECK(is_cause(n.R, MA_CAUSE_RETRY, n.fr));
            CHECK(is_cause(n.V, MA_CAUSE_SERVER, 0));
            const ma_pair_t *p = n.X->pair;
            if (with_net)
                CHECK(counts_are(&n.w, p, with_stp, 2 - with_stp, 1, 1, 1));
            else
                CHECK(counts_are(&n.w, p, 0, 0, 0, 0, 0)); /* no net given: nothing counted */
            tw_free(&n.w);
        }
    }
}

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/cause/names", test_names);
    g_test_add_func("/cause/stp", test_stp);
    g_test_add_func("/cause/retrans", test_retrans);
    g_test_add_func("/cause/connection", test_connection);
    g_test_add_func("/cause/retry", test_retry);
    g_test_add_func("/cause/server", test_server);
    g_test_add_func("/cause/which", test_which);
    g_test_add_func("/cause/null_engines", test_null_engines);
    return ma_test_run();
}
