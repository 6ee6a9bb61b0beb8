/* test_cause_bounds.c - unit tests of the cause rules' precedence matrix
 * and window boundaries (core/ma_cause.c)
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

/* Precedence: one missed transaction T (stream 1, t0 100 s, window
 * [100, 103]) with any combination of
 *  stp:   a TC episode start at 95 s (fs);
 *  rtx:   1 = T's request retransmitted at 100.5 s (flag, fr),
 *         2 = an empty retransmitted segment to the client on stream 1 at
 *             100.5 s (event, fr);
 *  conn:  1 = the server resets stream 1 at 102 s (CLOSED, fx),
 *         2 = the server closes stream 1 first (FIN) at 102 s (CLOSED, fx);
 *  retry: T retried by R2 (tid 2) at 101 s (fq), R2 answered at 101.1 s.
 * The first that holds wins: stp, tcp-retransmission, connection, retry,
 * server. R2 is never delayed: the pair counts exactly one cause. */
static void prec_case(int stp, int rtx, int conn, int retry)
{
    tw_t w = tw_new();
    ep_t e = ep(1, 40001);
    uint32_t fs = 0, fr = 0, fx = 0, fq = 0;
    handshake(&w, &e, 1, 0);
    if (stp) {
        bpdu(&w, SEC(1), F_DESIG, ROOT1, 0);
        fs = bpdu(&w, SEC(95), F_DESIG_TC, ROOT1, MA_STP_EV_TC);
    }
    ma_txn_t *T = pdu1(&w, tcpq(&e, SEC(100), 1, true, ACK, 0, 1, 12), 1, 0x10);
    if (rtx == 1) {
        CHECK(pdu1(&w, tcpq(&e, SEC(100) + MS(500), 1, true, ACK, RTX, 1, 12), 1, 0x10) == T);
        fr = w.fr;
    } else if (rtx == 2) {
        fr = seg(&w, tcp(&e, SEC(100) + MS(500), 1, false, ACK, RTX)); /* to the waiting client */
    }
    if (retry) {
        ma_txn_t *R2 = pdu1(&w, tcpq(&e, SEC(101), 1, true, ACK, 0, 13, 12), 2, 0x10);
        fq = w.fr;
        pdu1(&w, tcpq(&e, SEC(101) + MS(100), 1, false, ACK, 0, 1, 11), 2, 0x10);
        CHECK(R2 && R2->outcome == MA_OUT_ANSWERED && R2->retry_of == T->req_frame);
    }
    if (conn == 1)
        fx = seg(&w, tcp(&e, SEC(102), 1, false, RST | ACK, 0));
    else if (conn == 2)
        fx = seg(&w, tcp(&e, SEC(102), 1, false, FIN | ACK, 0)); /* the server closes first */
    finish(&w, SEC(200));
    CHECK_EQ(T->outcome, MA_OUT_MISSED);
    CHECK_EQ(T->flags, (rtx == 1 ? MA_TXN_RETRANS : 0) | (conn ? MA_TXN_CLOSED : 0) |
                       (retry ? MA_TXN_RETRIED : 0));
    decide(&w);
    ma_cause_t c = MA_CAUSE_SERVER;
    uint32_t f = 0;
    if (stp)
        c = MA_CAUSE_STP, f = fs;
    else if (rtx)
        c = MA_CAUSE_TCP_RETRANS, f = fr;
    else if (conn)
        c = MA_CAUSE_CONNECTION, f = fx;
    else if (retry)
        c = MA_CAUSE_RETRY, f = fq;
    if (!is_cause(T, c, f))
        printf("  (precedence case stp %d rtx %d conn %d retry %d)\n", stp, rtx, conn, retry);
    CHECK(T->cause == c && T->cause_frame == f);
    CHECK(counts_are(&w, T->pair, c == MA_CAUSE_STP, c == MA_CAUSE_TCP_RETRANS, c == MA_CAUSE_CONNECTION,
                     c == MA_CAUSE_RETRY, c == MA_CAUSE_SERVER));
    tw_free(&w);
}

static void test_precedence(void)
{
    for (int stp = 0; stp <= 1; stp++)
        for (int rtx = 0; rtx <= 2; rtx++)
            for (int conn = 0; conn <= 2; conn++)
                for (int retry = 0; retry <= 1; retry++)
                    prec_case(stp, rtx, conn, retry);
}

/* One transaction on stream 1 at t0 = 100 s, answered at resp_at (0: never,
 * then t1 = 103 s; missed at the end, 200 s) and one TC episode start at
 * tc; the cause with the given stp_window. */
static ma_cause_t stp_case(ma_ns_t tc, ma_ns_t resp_at, ma_ns_t window, uint32_t *frame)
{
    tw_t w = tw_new();
    ep_t e = ep(1, 40001);
    handshake(&w, &e, 1, 0);
    bpdu(&w, SEC(1), F_DESIG, ROOT1, 0);
    uint32_t ftc = 0;
    if (tc < SEC(100))
        ftc = bpdu(&w, tc, F_DESIG_TC, ROOT1, MA_STP_EV_TC);
    ma_txn_t *T = req(&w, &e, 1, SEC(100), 1, 0x10);
    if (resp_at && tc > resp_at) {
        resp(&w, &e, 1, resp_at, 1, 0x10);
        resp_at = 0;
    }
    if (tc >= SEC(100))
        ftc = bpdu(&w, tc, F_DESIG_TC, ROOT1, MA_STP_EV_TC);
    if (resp_at)
        resp(&w, &e, 1, resp_at, 1, 0x10);
    finish(&w, SEC(200));
    decide_w(&w, true, true, window);
    ma_cause_t c = (ma_cause_t)T->cause;
    *frame = T->cause_frame;
    if (c == MA_CAUSE_STP && T->cause_frame != ftc)
        c = MA_CAUSE_N; /* wrong evidence: fails the caller's check */
    if (c == MA_CAUSE_SERVER && T->cause_frame != 0)
        c = MA_CAUSE_N;
    tw_free(&w);
    return c;
}

/* The stp window t0 - stp_window <= e <= t1, both ends inclusive. */
static void test_stp_bounds(void)
{
    uint32_t f;
    ma_ns_t W = MA_DEFAULT_STP_WINDOW;
    /* Answered at 102 s (delayed): window [50 s, 102 s]. */
    CHECK_EQ(stp_case(SEC(100) - W, SEC(102), W, &f), MA_CAUSE_STP);          /* exactly t0 - 50 s */
    CHECK_EQ(stp_case(SEC(100) - W - 1, SEC(102), W, &f), MA_CAUSE_SERVER);   /* 1 ns earlier */
    CHECK_EQ(stp_case(SEC(100), SEC(102), W, &f), MA_CAUSE_STP);              /* at t0 */
    CHECK_EQ(stp_case(SEC(102), SEC(102), W, &f), MA_CAUSE_STP);              /* exactly t1 */
    CHECK_EQ(stp_case(SEC(102) + 1, SEC(102), W, &f), MA_CAUSE_SERVER);       /* 1 ns after t1 */
    /* Unanswered (missed): t1 = t0 + response_timeout = 103 s exactly. */
    CHECK_EQ(stp_case(SEC(103), 0, W, &f), MA_CAUSE_STP);
    CHECK_EQ(stp_case(SEC(103) + 1, 0, W, &f), MA_CAUSE_SERVER);
    CHECK_EQ(stp_case(SEC(100) - W, 0, W, &f), MA_CAUSE_STP);
    CHECK_EQ(stp_case(SEC(100) - W - 1, 0, W, &f), MA_CAUSE_SERVER);
    /* Late (answered at 104 s > t0 + 3 s): t1 is the response time 104 s,
     * not t0 + 3 s. */
    CHECK_EQ(stp_case(SEC(104), SEC(104), W, &f), MA_CAUSE_STP);
    CHECK_EQ(stp_case(SEC(104) + 1, SEC(104), W, &f), MA_CAUSE_SERVER);
    /* A delayed one answered at 101.5 s: t1 = 101.5 s, not t0 + 3 s. */
    CHECK_EQ(stp_case(SEC(101) + MS(500) + 1, SEC(101) + MS(500), W, &f), MA_CAUSE_SERVER);
    /* The configured window: 10 s -> [90 s, t1]. */
    CHECK_EQ(stp_case(SEC(90), SEC(102), SEC(10), &f), MA_CAUSE_STP);
    CHECK_EQ(stp_case(SEC(90) - 1, SEC(102), SEC(10), &f), MA_CAUSE_SERVER);
    /* Window 0: only [t0, t1]. */
    CHECK_EQ(stp_case(SEC(100), SEC(102), 0, &f), MA_CAUSE_STP);
    CHECK_EQ(stp_case(SEC(100) - 1, SEC(102), 0, &f), MA_CAUSE_SERVER);
}

/* Kinds of window evidence for win_case. */
enum { EV_RTX = 1, EV_FIN_SERVER, EV_NEW_CONN };

/* One transaction on stream 1 at t0 = 100 s, answered at resp_at (0: never,
 * t1 = 103 s) and one piece of evidence of `kind` at ts on stream
 * `stream` (1, or 2 of the same pair, opened at 1 s; 3: a new stream of the
 * pair opened at ts). Returns the cause; *ok tells the evidence frame is
 * the expected one (that event for rtx / connection, 0 for server). */
static ma_cause_t win_case(int kind, ma_ns_t ts, uint32_t stream, ma_ns_t resp_at, bool *ok)
{
    tw_t w = tw_new();
    ep_t e = ep(1, 40001), e2 = ep(1, 40002), e3 = ep(1, 40003);
    const ep_t *es = stream == 1 ? &e : stream == 2 ? &e2 : &e3;
    handshake(&w, &e, 1, 0);
    handshake(&w, &e2, 2, SEC(1));
    uint32_t fev = 0;
    bool before = ts < SEC(100);
    if (before)
        fev = kind == EV_RTX ? seg(&w, tcp(es, ts, stream, false, ACK, RTX))
            : kind == EV_FIN_SERVER ? seg(&w, tcp(es, ts, stream, false, FIN | ACK, 0))
            : handshake(&w, es, stream, ts);
    ma_txn_t *T = req(&w, &e, 1, SEC(100), 1, 0x10);
    if (resp_at && ts > resp_at) {
        resp(&w, &e, 1, resp_at, 1, 0x10);
        resp_at = 0;
    }
    if (!before)
        fev = kind == EV_RTX ? seg(&w, tcp(es, ts, stream, false, ACK, RTX))
            : kind == EV_FIN_SERVER ? seg(&w, tcp(es, ts, stream, false, FIN | ACK, 0))
            : handshake(&w, es, stream, ts);
    if (resp_at)
        resp(&w, &e, 1, resp_at, 1, 0x10);
    finish(&w, SEC(200));
    decide(&w);
    ma_cause_t c = (ma_cause_t)T->cause;
    *ok = c == MA_CAUSE_SERVER ? T->cause_frame == 0 : T->cause_frame == fev;
    /* None of these events sets a flag on T. */
    *ok = *ok && !(T->flags & (MA_TXN_RETRANS | MA_TXN_CLOSED | MA_TXN_RETRIED));
    tw_free(&w);
    return c;
}

/* Retransmission events: [t0, t1] inclusive, the transaction's own stream
 * and the direction that waited (to the client); connection events of
 * other connections of the pair never count. */
static void test_window_bounds(void)
{
    bool ok;
    /* Retransmission on stream 1, answered at 102 s: [100 s, 102 s]. */
    CHECK_EQ(win_case(EV_RTX, SEC(100), 1, SEC(102), &ok), MA_CAUSE_TCP_RETRANS); /* at t0 */
    CHECK(ok);
    CHECK_EQ(win_case(EV_RTX, SEC(100) - 1, 1, SEC(102), &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    CHECK_EQ(win_case(EV_RTX, SEC(102), 1, SEC(102), &ok), MA_CAUSE_TCP_RETRANS); /* at t1 */
    CHECK(ok);
    CHECK_EQ(win_case(EV_RTX, SEC(102) + 1, 1, SEC(102), &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    /* Unanswered: t1 = 103 s. */
    CHECK_EQ(win_case(EV_RTX, SEC(103), 1, 0, &ok), MA_CAUSE_TCP_RETRANS);
    CHECK(ok);
    CHECK_EQ(win_case(EV_RTX, SEC(103) + 1, 1, 0, &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    /* Late, answered at 104 s: t1 = 104 s. */
    CHECK_EQ(win_case(EV_RTX, SEC(104), 1, SEC(104), &ok), MA_CAUSE_TCP_RETRANS);
    CHECK(ok);
    CHECK_EQ(win_case(EV_RTX, SEC(104) + 1, 1, SEC(104), &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    /* A retransmission on stream 2 of the same pair inside the window: not
     * this transaction's connection: server. */
    CHECK_EQ(win_case(EV_RTX, SEC(101), 2, SEC(102), &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    CHECK_EQ(win_case(EV_RTX, SEC(101), 2, 0, &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    /* A FIN from the server on stream 2 (same pair), at and around the window
     * ends: another connection is no cause (issue 11): server. */
    CHECK_EQ(win_case(EV_FIN_SERVER, SEC(101), 2, SEC(102), &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    CHECK_EQ(win_case(EV_FIN_SERVER, SEC(100), 2, SEC(102), &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    CHECK_EQ(win_case(EV_FIN_SERVER, SEC(100) - 1, 2, SEC(102), &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    CHECK_EQ(win_case(EV_FIN_SERVER, SEC(102), 2, SEC(102), &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    CHECK_EQ(win_case(EV_FIN_SERVER, SEC(102) + 1, 2, SEC(102), &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    CHECK_EQ(win_case(EV_FIN_SERVER, SEC(103), 2, 0, &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    CHECK_EQ(win_case(EV_FIN_SERVER, SEC(103) + 1, 2, 0, &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    /* A new connection (stream 3) of the pair, inside the window or not: a
     * consequence at most: server. */
    CHECK_EQ(win_case(EV_NEW_CONN, SEC(103), 3, 0, &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    CHECK_EQ(win_case(EV_NEW_CONN, SEC(103) + 1, 3, 0, &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    CHECK_EQ(win_case(EV_NEW_CONN, SEC(100), 3, SEC(102), &ok), MA_CAUSE_SERVER);
    CHECK(ok);
    CHECK_EQ(win_case(EV_NEW_CONN, SEC(100) - 1, 3, SEC(102), &ok), MA_CAUSE_SERVER);
    CHECK(ok);
}

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/cause_bounds/precedence", test_precedence);
    g_test_add_func("/cause_bounds/stp_bounds", test_stp_bounds);
    g_test_add_func("/cause_bounds/window_bounds", test_window_bounds);
    return ma_test_run();
}
