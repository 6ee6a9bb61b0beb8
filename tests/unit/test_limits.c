/* test_limits.c - unit tests of connection events, pending bounds, malformed
 * input and direction/address helpers (core/ma_core.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Hand-built ma_pdu_in_t values (times in ns); see core_helpers.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "core_helpers.h"

static void test_conn_events(void)
{
    /* RST */
    ma_core_t *core = new_core(0, 0);
    ma_pdu_t a = feed(core, rq(1, MS(0), 1, 1, 1, 3));
    ma_pdu_t b = feed(core, rq(2, MS(1), 1, 1, 2, 3));
    ma_pdu_t o = feed(core, rq(3, MS(2), 2, 1, 1, 3)); /* other stream */
    CHECK_EQ(ma_core_pending_count(core), 3);
    ma_core_conn_event(core, 1, MA_CONN_RST, 4, MS(10));
    CHECK_EQ(ma_core_pending_count(core), 1);
    CHECK_EQ(ma_core_capture_end(core), MS(10));
    if (a.txn && b.txn && o.txn) {
        CHECK_EQ(a.txn->outcome, MA_OUT_MISSED);
        CHECK_EQ(b.txn->outcome, MA_OUT_MISSED);
        CHECK(a.txn->flags & MA_TXN_CLOSED);
        CHECK(b.txn->flags & MA_TXN_CLOSED);
        CHECK_EQ(a.txn->resolve_frame, 4);
        CHECK_EQ(b.txn->resolve_frame, 4);
        CHECK_EQ(o.txn->outcome, MA_OUT_PENDING);
    }
    /* later request on the reset stream: missed immediately */
    ma_pdu_t c = feed(core, rq(5, MS(20), 1, 1, 3, 3));
    CHECK(c.txn != NULL);
    if (c.txn) {
        CHECK_EQ(c.txn->outcome, MA_OUT_MISSED);
        CHECK(c.txn->flags & MA_TXN_CLOSED);
        CHECK_EQ(c.txn->resolve_frame, 5);
    }
    CHECK_EQ(ma_core_pending_count(core), 1);
    /* a response for the reset request is an orphan */
    ma_pdu_t r = feed(core, rs(6, MS(30), 1, 1, 1, 3));
    CHECK(r.flags & MA_PDU_ORPHAN);
    if (a.txn)
        CHECK_EQ(a.txn->outcome, MA_OUT_MISSED);
    ma_core_finalize(core);
    if (a.txn && c.txn && o.txn) {
        CHECK_EQ(a.txn->outcome, MA_OUT_MISSED); /* finalize keeps closed misses */
        CHECK_EQ(c.txn->outcome, MA_OUT_MISSED);
        CHECK_EQ(o.txn->outcome, MA_OUT_UNANSWERED_AT_END);
    }
    ma_core_free(core);

    /* FIN from server */
    core = new_core(0, 0);
    a = feed(core, rq(1, MS(0), 1, 1, 1, 3));
    ma_core_conn_event(core, 1, MA_CONN_FIN_FROM_SERVER, 2, MS(10));
    CHECK_EQ(ma_core_pending_count(core), 0);
    if (a.txn) {
        CHECK_EQ(a.txn->outcome, MA_OUT_MISSED);
        CHECK(a.txn->flags & MA_TXN_CLOSED);
        CHECK_EQ(a.txn->resolve_frame, 2);
    }
    ma_core_free(core);

    /* A close after the timeout ran out (default 3 s): missed by the timeout,
     * not by the close; one within it (exactly 3 s) is missed by the close. */
    core = new_core(0, 0);
    a = feed(core, rq(1, MS(0), 1, 1, 1, 3));
    b = feed(core, rq(2, MS(1), 1, 1, 2, 3));
    ma_core_conn_event(core, 1, MA_CONN_FIN_FROM_SERVER, 3, MS(3001));
    if (a.txn && b.txn) {
        CHECK_EQ(a.txn->outcome, MA_OUT_MISSED);
        CHECK(!(a.txn->flags & MA_TXN_CLOSED)); /* 3.001 s > 3 s */
        CHECK_EQ(a.txn->resolve_frame, 3);
        CHECK_EQ(b.txn->outcome, MA_OUT_MISSED);
        CHECK(b.txn->flags & MA_TXN_CLOSED);    /* exactly 3 s: not run out */
    }
    ma_core_free(core);

    /* FIN from client: half close, the server may still answer */
    core = new_core(0, 0);
    a = feed(core, rq(1, MS(0), 1, 1, 1, 3));
    ma_core_conn_event(core, 1, MA_CONN_FIN_FROM_CLIENT, 2, MS(10));
    CHECK_EQ(ma_core_pending_count(core), 1);
    CHECK_EQ(ma_core_capture_end(core), MS(10));
    if (a.txn) {
        CHECK_EQ(a.txn->outcome, MA_OUT_PENDING);
        CHECK(!(a.txn->flags & MA_TXN_CLOSED));
    }
    r = feed(core, rs(3, MS(20), 1, 1, 1, 3));
    CHECK(r.txn == a.txn);
    if (a.txn)
        CHECK_EQ(a.txn->outcome, MA_OUT_ANSWERED);
    ma_core_free(core);

    /* events on an unknown stream are harmless */
    core = new_core(0, 0);
    a = feed(core, rq(1, MS(0), 1, 1, 1, 3));
    ma_core_conn_event(core, 99, MA_CONN_RST, 2, MS(5));
    CHECK_EQ(ma_core_pending_count(core), 1);
    ma_core_free(core);
}

static void test_bounds(void)
{
    /* per connection */
    ma_core_t *core = new_core(4, 1000);
    ma_pdu_t q[5];
    for (int i = 0; i < 5; i++)
        q[i] = feed(core, rq((uint32_t)(1 + i), MS(i), 1, 1, (uint16_t)(1 + i), 3));
    CHECK_EQ(ma_core_pending_count(core), 4);
    if (q[0].txn) {
        CHECK_EQ(q[0].txn->outcome, MA_OUT_MISSED);
        CHECK(q[0].txn->flags & MA_TXN_EVICTED);
        CHECK_EQ(q[0].txn->resolve_frame, 5);
    }
    for (int i = 1; i < 5; i++)
        if (q[i].txn)
            CHECK_EQ(q[i].txn->outcome, MA_OUT_PENDING);
    for (int i = 1; i < 5; i++) {
        ma_pdu_t r = feed(core, rs((uint32_t)(10 + i), MS(100 + i), 1, 1, (uint16_t)(1 + i), 3));
        CHECK(r.txn == q[i].txn);
    }
    CHECK_EQ(ma_core_pending_count(core), 0);
    /* other streams have their own per-connection bound */
    for (int i = 0; i < 4; i++)
        feed(core, rq((uint32_t)(20 + i), MS(200 + i), 2, 1, (uint16_t)i, 3));
    for (int i = 0; i < 4; i++)
        feed(core, rq((uint32_t)(30 + i), MS(300 + i), 3, 1, (uint16_t)i, 3));
    CHECK_EQ(ma_core_pending_count(core), 8);
    ma_core_free(core);

    /* total, across streams */
    core = new_core(100, 4);
    ma_pdu_t s1[3], s2[2], s3;
    for (int i = 0; i < 3; i++)
        s1[i] = feed(core, rq((uint32_t)(1 + i), MS(i), 1, 1, (uint16_t)i, 3));
    s2[0] = feed(core, rq(4, MS(3), 2, 1, 0, 3));
    CHECK_EQ(ma_core_pending_count(core), 4);
    s2[1] = feed(core, rq(5, MS(4), 2, 1, 1, 3));
    CHECK_EQ(ma_core_pending_count(core), 4);
    if (s1[0].txn) {
        CHECK_EQ(s1[0].txn->outcome, MA_OUT_MISSED);
        CHECK(s1[0].txn->flags & MA_TXN_EVICTED);
        CHECK_EQ(s1[0].txn->resolve_frame, 5);
    }
    s3 = feed(core, rq(6, MS(5), 3, 1, 0, 3));
    CHECK_EQ(ma_core_pending_count(core), 4);
    if (s1[1].txn && s1[2].txn && s2[0].txn && s2[1].txn && s3.txn) {
        CHECK_EQ(s1[1].txn->outcome, MA_OUT_MISSED);
        CHECK(s1[1].txn->flags & MA_TXN_EVICTED);
        CHECK_EQ(s1[1].txn->resolve_frame, 6);
        CHECK_EQ(s1[2].txn->outcome, MA_OUT_PENDING);
        CHECK_EQ(s2[0].txn->outcome, MA_OUT_PENDING);
        CHECK_EQ(s2[1].txn->outcome, MA_OUT_PENDING);
        CHECK_EQ(s3.txn->outcome, MA_OUT_PENDING);
    }
    /* the remaining ones still pair on their own streams */
    ma_pdu_t r = feed(core, rs(7, MS(10), 1, 1, 2, 3));
    CHECK(r.txn == s1[2].txn);
    r = feed(core, rs(8, MS(11), 2, 1, 0, 3));
    CHECK(r.txn == s2[0].txn);
    CHECK_EQ(ma_core_pending_count(core), 2);
    ma_core_free(core);

    /* A request on a reset connection never enters the pending table
     * (it is missed at once), so it must not evict another connection's
     * request: MA_TXN_EVICTED means "pending table full, oldest dropped". */
    core = new_core(100, 3);
    feed(core, rq(1, MS(0), 2, 1, 0, 3));
    ma_core_conn_event(core, 2, MA_CONN_RST, 2, MS(1));
    CHECK_EQ(ma_core_pending_count(core), 0);
    for (int i = 0; i < 3; i++)
        s1[i] = feed(core, rq((uint32_t)(3 + i), MS(2 + i), 1, 1, (uint16_t)i, 3));
    CHECK_EQ(ma_core_pending_count(core), 3);
    ma_pdu_t dead = feed(core, rq(6, MS(10), 2, 1, 5, 3));
    if (dead.txn) {
        CHECK_EQ(dead.txn->outcome, MA_OUT_MISSED);
        CHECK(dead.txn->flags & MA_TXN_CLOSED);
    }
    CHECK_EQ(ma_core_pending_count(core), 3); /* BUG: 2, s1[0] evicted */
    if (s1[0].txn) {
        CHECK_EQ(s1[0].txn->outcome, MA_OUT_PENDING);
        CHECK(!(s1[0].txn->flags & MA_TXN_EVICTED));
    }
    ma_core_free(core);
}

/* The attacker test: 1,000,000 unanswered requests on one stream. */
static void test_bounded_memory(void)
{
    ma_core_t *core = new_core(0, 0);
    uint32_t bound = ma_core_config(core)->max_pending_per_conn;
    uint32_t maxseen = 0;
    bool over = false;
    for (uint32_t i = 0; i < 1000000u; i++) {
        ma_pdu_in_t in = rq(i + 1, (ma_ns_t)i * 1000, 1, 1, (uint16_t)(i & 0xffff), 3);
        ma_pdu_t out;
        ma_core_pdu(core, &in, &out);
        uint32_t n = ma_core_pending_count(core);
        if (n > maxseen)
            maxseen = n;
        if (n > bound)
            over = true;
    }
    CHECK(!over);
    CHECK(maxseen <= bound);
    CHECK_EQ(ma_core_pending_count(core), bound);
    ma_core_finalize(core);
    CHECK_EQ(ma_core_pending_count(core), bound);
    ma_core_free(core);

    /* the total bound holds across many connections too */
    core = new_core(8, 64);
    over = false;
    for (uint32_t i = 0; i < 20000u; i++) {
        ma_pdu_in_t in = rq(i + 1, (ma_ns_t)i * 1000, i % 100, (uint8_t)(i % 3),
                            (uint16_t)(i * 7), 3);
        ma_pdu_t out;
        ma_core_pdu(core, &in, &out);
        if (ma_core_pending_count(core) > 64)
            over = true;
    }
    CHECK(!over);
    CHECK(ma_core_pending_count(core) <= 64);
    ma_core_free(core);
}

static void test_malformed(void)
{
    ma_core_t *core = new_core(0, 0);
    ma_pdu_in_t in = rq(1, MS(0), 1, 1, 5, 3);
    in.malformed = true;
    ma_pdu_t m = feed(core, in);
    CHECK(m.flags & MA_PDU_MALFORMED);
    CHECK_EQ(m.kind, MA_PDU_REQUEST);
    CHECK(m.txn == NULL);
    CHECK(m.pair != NULL);
    CHECK_EQ(ma_core_pending_count(core), 0);
    ma_pdu_t r = feed(core, rs(2, MS(10), 1, 1, 5, 3));
    CHECK(r.flags & MA_PDU_ORPHAN);
    CHECK(r.txn == NULL);

    /* a malformed response does not answer a pending request */
    ma_pdu_t q = feed(core, rq(3, MS(20), 1, 1, 6, 3));
    in = rs(4, MS(30), 1, 1, 6, 3);
    in.malformed = true;
    ma_pdu_t mr = feed(core, in);
    CHECK(mr.flags & MA_PDU_MALFORMED);
    CHECK(!(mr.flags & MA_PDU_ORPHAN));
    CHECK(mr.txn == NULL);
    CHECK_EQ(ma_core_pending_count(core), 1);
    if (q.txn) {
        CHECK_EQ(q.txn->outcome, MA_OUT_PENDING);
        CHECK_EQ(q.txn->resp_frame, 0);
    }
    ma_pdu_t good = feed(core, rs(5, MS(40), 1, 1, 6, 3));
    CHECK(good.txn == q.txn);
    CHECK_EQ(good.flags, 0);
    if (q.txn)
        CHECK_EQ(ma_txn_rtt(q.txn), MS(20));
    ma_core_free(core);
}

static void test_direction_and_addresses(void)
{
    /* server-port flags decide */
    CHECK(ma_core_is_request(40000, 502, false, true));
    CHECK(!ma_core_is_request(502, 40000, true, false));
    CHECK(ma_core_is_request(1000, 40000, false, true));  /* flag beats lower port */
    CHECK(!ma_core_is_request(40000, 1000, true, false));
    /* neither or both: the lower port is the server */
    CHECK(ma_core_is_request(40000, 502, false, false));
    CHECK(!ma_core_is_request(502, 40000, false, false));
    CHECK(ma_core_is_request(50000, 1502, true, true));
    CHECK(!ma_core_is_request(1502, 50000, true, true));

    char buf[64];
    ma_addr_t a = v4(127, 0, 0, 1);
    ma_addr_format(&a, buf, sizeof buf);
    CHECK_STR(buf, "127.0.0.1");
    a = v4(255, 254, 0, 10);
    ma_addr_format(&a, buf, sizeof buf);
    CHECK_STR(buf, "255.254.0.10");
    ma_addr_t six = v6_loopback();
    ma_addr_format(&six, buf, sizeof buf);
    CHECK_STR(buf, "::1");
    ma_addr_t doc;
    memset(&doc, 0, sizeof doc);
    doc.len = 16;
    doc.bytes[0] = 0x20;
    doc.bytes[1] = 0x01;
    doc.bytes[2] = 0x0d;
    doc.bytes[3] = 0xb8;
    doc.bytes[15] = 2;
    ma_addr_format(&doc, buf, sizeof buf);
    CHECK_STR(buf, "2001:db8::2");
    ma_addr_t none;
    memset(&none, 0, sizeof none);
    ma_addr_format(&none, buf, sizeof buf);
    CHECK_STR(buf, "?");
    /* truncation stays NUL-terminated */
    char small[4];
    a = v4(127, 0, 0, 1);
    ma_addr_format(&a, small, sizeof small);
    CHECK_STR(small, "127");

    ma_addr_t x = v4(10, 0, 0, 2), y = v4(10, 0, 0, 2), z = v4(10, 0, 0, 3);
    CHECK(ma_addr_equal(&x, &y));
    CHECK(!ma_addr_equal(&x, &z));
    CHECK(!ma_addr_equal(&x, &six));

    ma_core_t *core = new_core(0, 0);
    ma_addr_t client = v4(127, 0, 0, 1), server = v4(10, 0, 0, 2);
    CHECK_EQ(ma_core_stream_is_request(core, 1, &client, 40001), -1);
    ma_pdu_t q = feed(core, rq(1, MS(0), 1, 1, 1, 3));
    CHECK(q.pair != NULL);
    if (q.pair) {
        CHECK_STR(q.pair->label, "127.0.0.1 -> 10.0.0.2:502");
        CHECK_EQ(q.pair->id, 0);
        CHECK_EQ(q.pair->server_port, 502);
        CHECK(ma_addr_equal(&q.pair->client, &client));
        CHECK(ma_addr_equal(&q.pair->server, &server));
    }
    CHECK_EQ(ma_core_stream_is_request(core, 1, &client, 40001), 1);
    CHECK_EQ(ma_core_stream_is_request(core, 1, &server, 502), 0);
    CHECK_EQ(ma_core_stream_is_request(core, 1, &server, 503), 1); /* not the server endpoint */
    CHECK_EQ(ma_core_stream_is_request(core, 2, &server, 502), -1);

    /* a connection first seen by a response gets the same orientation */
    ma_pdu_t o = feed(core, mk_from(v4(10, 0, 0, 9), 2, MS(1), 5, false, 1, 1, 3));
    CHECK(o.pair != NULL);
    if (o.pair) {
        CHECK_STR(o.pair->label, "10.0.0.9 -> 10.0.0.2:502");
        CHECK_EQ(o.pair->id, 1);
    }
    CHECK(o.flags & MA_PDU_ORPHAN);
    CHECK_EQ(ma_core_stream_is_request(core, 5, &server, 502), 0);
    ma_addr_t c9 = v4(10, 0, 0, 9);
    CHECK_EQ(ma_core_stream_is_request(core, 5, &c9, 40005), 1);

    /* IPv6 pair label */
    ma_pdu_in_t in = rq(3, MS(2), 6, 1, 1, 3);
    in.src = six;
    in.dst = doc;
    ma_pdu_t q6 = feed(core, in);
    if (q6.pair) {
        CHECK_STR(q6.pair->label, "::1 -> 2001:db8::2:502");
        CHECK_EQ(q6.pair->id, 2);
    } else {
        CHECK(q6.pair != NULL);
    }
    ma_core_free(core);
}

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/limits/conn_events", test_conn_events);
    g_test_add_func("/limits/bounds", test_bounds);
    g_test_add_func("/limits/bounded_memory", test_bounded_memory);
    g_test_add_func("/limits/malformed", test_malformed);
    g_test_add_func("/limits/direction_and_addresses", test_direction_and_addresses);
    return ma_test_run();
}
