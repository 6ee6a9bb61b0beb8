/* test_stp.c - unit tests of Spanning Tree events (core/ma_stp.c): repeats,
 * TC episodes, TCNs, root and role changes, Rapid-PVST+ per-VLAN roots,
 * ma_stp_last_change, totals, text helpers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The BPDU builders are in stp_helpers.h. Every expected value is worked
 * out by hand in the comments.
 */
#define _POSIX_C_SOURCE 200809L

#include "stp_helpers.h"

/* ---- 1. config BPDUs repeating ------------------------------------------------ */

static void test_repeats(void)
{
    /* stp-8021d-config.pcap: one bridge, config BPDUs every 2 s, no flags. */
    ma_stp_t *s = ma_stp_new();
    uint64_t b = bid(32769, MAC_B);
    const ma_bpdu_rec_t *r[6];
    for (uint32_t f = 1; f <= 5; f++)
        r[f] = feed_in(s, cfg(f, SEC(2 * f), 0, b, b, 0x8005));
    CHECK_EQ(r[1]->events, 0);
    CHECK(!r[1]->repeat);
    CHECK_EQ(r[1]->prev_frame, 0);
    CHECK_EQ(r[1]->speaker, 1);
    for (uint32_t f = 2; f <= 5; f++) {
        CHECK_EQ(r[f]->events, 0);
        CHECK(r[f]->repeat);
        CHECK_EQ(r[f]->prev_frame, f - 1);     /* chain 1 <- 2 <- 3 <- 4 <- 5 */
        CHECK(r[f]->prev_root == b);
        CHECK_EQ(r[f]->prev_role, 0);
        CHECK_EQ(r[f]->speaker, 1);
        CHECK_EQ(r[f]->bpdu.frame, f);         /* the input is copied */
    }
    const ma_stp_totals_t *t = ma_stp_totals(s);
    CHECK_EQ(t->bpdus, 5);
    CHECK_EQ(t->config, 5);
    CHECK_EQ(t->rst + t->tcn + t->other, 0);
    CHECK_EQ(t->repeats, 4);                   /* all but the first */
    CHECK_EQ(t->speakers, 1);
    CHECK_EQ(t->roots, 1);
    CHECK_EQ(t->ev_tc + t->ev_tcn + t->ev_root + t->ev_role, 0);
    CHECK_EQ(ma_stp_event_count(s), 0);
    CHECK(ma_stp_event_at(s, 0) == NULL);
    CHECK(ma_stp_last_change(s, SEC(100)) == NULL);
    ma_stp_free(s);
}

/* ---- 2. TC episodes ------------------------------------------------------------- */

static void test_tc_episodes(void)
{
    /* rstp-tc-real-switch.pcap around t = 16 s: 0x3c, then 0x3d on three
     * consecutive BPDUs, then 0x3c again; here followed by a second,
     * one-BPDU episode. */
    ma_stp_t *s = ma_stp_new();
    uint64_t b = bid(32771, MAC_SW);
    static const uint8_t fl[] = {0, F_DESIG, F_DESIG_TC, F_DESIG_TC, F_DESIG_TC, F_DESIG, F_DESIG_TC, F_DESIG};
    const ma_bpdu_rec_t *r[8];
    for (uint32_t f = 1; f <= 7; f++)
        r[f] = feed_in(s, rst(f, SEC(2 * f), fl[f], b, b, 0x8001));
    CHECK_EQ(r[1]->events, 0);
    CHECK_EQ(r[2]->events, MA_STP_EV_TC);   /* rising edge: episode 1 */
    CHECK(!r[2]->repeat);
    CHECK_EQ(r[3]->events, 0);              /* TC still set: repeats */
    CHECK(r[3]->repeat);
    CHECK_EQ(r[4]->events, 0);
    CHECK(r[4]->repeat);
    CHECK_EQ(r[5]->events, 0);              /* TC cleared: no event */
    CHECK_EQ(r[6]->events, MA_STP_EV_TC);   /* after a non-TC BPDU: episode 2 */
    CHECK_EQ(r[7]->events, 0);
    CHECK_EQ(ma_stp_event_count(s), 2);
    const ma_stp_event_t *e0 = ev(s, 0), *e1 = ev(s, 1);
    CHECK_EQ(e0->frame, 2);
    CHECK_EQ(e0->ts, SEC(4));
    CHECK_EQ(e0->events, MA_STP_EV_TC);
    CHECK_EQ(e0->repeats, 2);               /* frames 3 and 4 */
    CHECK(e0->bridge_id == b && e0->root_id == b);
    CHECK_EQ(e0->port_id, 0x8001);
    CHECK_EQ(e0->role, 3);
    CHECK_EQ(e1->frame, 6);
    CHECK_EQ(e1->repeats, 0);
    const ma_stp_totals_t *t = ma_stp_totals(s);
    CHECK_EQ(t->tc_flagged, 4);
    CHECK_EQ(t->ev_tc, 2);
    CHECK_EQ(t->rst, 7);
    CHECK_EQ(t->repeats, 4);                /* frames 3, 4, 5, 7 */
    CHECK_EQ(change_frame(s, SEC(4)), 2);
    CHECK_EQ(change_frame(s, SEC(11)), 2);
    CHECK_EQ(change_frame(s, SEC(12)), 6);

    /* TC on a speaker's very first BPDU is an event (another port). */
    const ma_bpdu_rec_t *a = feed_in(s, rst(20, SEC(20), F_DESIG_TC, b, b, 0x8002));
    CHECK_EQ(a->events, MA_STP_EV_TC);
    CHECK_EQ(a->prev_frame, 0);
    CHECK(!a->repeat);
    CHECK_EQ(a->speaker, 2);
    const ma_bpdu_rec_t *a2 = feed_in(s, rst(21, SEC(22), F_DESIG_TC, b, b, 0x8002));
    CHECK(a2->repeat);
    CHECK_EQ(a2->prev_frame, 20);
    CHECK_EQ(ev(s, 2)->repeats, 1);
    CHECK_EQ(ev(s, 0)->repeats, 2);         /* the other speaker's event is untouched */
    ma_stp_free(s);
}

/* ---- 3. TCN BPDUs --------------------------------------------------------------- */

static void test_tcn(void)
{
    ma_stp_t *s = ma_stp_new();
    uint64_t m = UINT64_C(0x001122334455), n = UINT64_C(0x0011223344aa);
    const ma_bpdu_rec_t *r1 = feed_in(s, tcn(1, SEC(1), m));
    const ma_bpdu_rec_t *r2 = feed_in(s, tcn(2, SEC(3), m));
    const ma_bpdu_rec_t *r3 = feed_in(s, tcn(3, SEC(5), m));
    CHECK_EQ(r1->events, MA_STP_EV_TCN);
    CHECK_EQ(r1->speaker, 1);
    CHECK_EQ(r2->events, 0);
    CHECK(r2->repeat);
    CHECK_EQ(r2->prev_frame, 1);
    CHECK_EQ(r3->events, 0);
    CHECK_EQ(r3->prev_frame, 2);
    CHECK_EQ(ma_stp_event_count(s), 1);
    CHECK_EQ(ev(s, 0)->repeats, 2);
    CHECK(ev(s, 0)->bridge_id == 0 && ev(s, 0)->root_id == 0);
    CHECK_EQ(ev(s, 0)->src_mac[5], 0x55);

    /* A config BPDU from MAC m (src = bridge MAC ...4400 + port 0x55): a
     * speaker of its own (no event), and MAC m's latest BPDU, so the next
     * TCN from m starts a new event. */
    uint64_t bm = bid(32768, UINT64_C(0x001122334400));
    const ma_bpdu_rec_t *c = feed_in(s, cfg(4, SEC(6), 0, bm, bm, 0x8055));
    CHECK_EQ(c->bpdu.src_mac[5], 0x55);
    CHECK_EQ(c->events, 0);
    CHECK_EQ(c->speaker, 2);
    CHECK_EQ(c->prev_frame, 0);
    const ma_bpdu_rec_t *r5 = feed_in(s, tcn(5, SEC(7), m));
    CHECK_EQ(r5->events, MA_STP_EV_TCN);
    CHECK_EQ(r5->speaker, 1);
    CHECK_EQ(r5->prev_frame, 4);              /* the config BPDU from m */
    CHECK(r5->prev_root == bm);
    const ma_bpdu_rec_t *r6 = feed_in(s, tcn(6, SEC(9), m));
    CHECK(r6->repeat);
    CHECK_EQ(r6->prev_frame, 5);
    /* Another MAC: a speaker and an event of its own. */
    const ma_bpdu_rec_t *r7 = feed_in(s, tcn(7, SEC(9), n));
    CHECK_EQ(r7->events, MA_STP_EV_TCN);
    CHECK_EQ(r7->speaker, 3);
    CHECK_EQ(r7->prev_frame, 0);
    /* A config BPDU from another MAC (...4401) does not end m's TCN run. */
    const ma_bpdu_rec_t *r8 = feed_in(s, cfg(8, SEC(10), 0, bm, bm, 0x8001));
    CHECK_EQ(r8->speaker, 4);
    const ma_bpdu_rec_t *r9 = feed_in(s, tcn(9, SEC(11), m));
    CHECK(r9->repeat);
    CHECK_EQ(r9->prev_frame, 6);
    CHECK_EQ(ma_stp_event_count(s), 3);
    CHECK_EQ(ev(s, 0)->repeats, 2);           /* frames 2, 3 */
    CHECK_EQ(ev(s, 1)->frame, 5);
    CHECK_EQ(ev(s, 1)->repeats, 2);           /* frames 6, 9 */
    CHECK_EQ(ev(s, 2)->frame, 7);
    CHECK_EQ(ev(s, 2)->repeats, 0);
    const ma_stp_totals_t *t = ma_stp_totals(s);
    CHECK_EQ(t->tcn, 7);                      /* frames 1 2 3 5 6 7 9 */
    CHECK_EQ(t->config, 2);
    CHECK_EQ(t->ev_tcn, 3);
    CHECK_EQ(t->speakers, 4);
    CHECK_EQ(t->roots, 1);                    /* TCNs carry no root */
    CHECK_EQ(t->repeats, 4);                  /* frames 2 3 6 9 */
    CHECK_EQ(change_frame(s, SEC(8)), 5);
    CHECK_EQ(change_frame(s, SEC(9)), 7);
    ma_stp_free(s);
}

/* ---- 4. root changes ------------------------------------------------------------ */

static void test_root_change(void)
{
    ma_stp_t *s = ma_stp_new();
    uint64_t me = bid(32769, MAC_SW), other = bid(4097, MAC_ROOT);
    const ma_bpdu_rec_t *r1 = feed_in(s, rst(1, SEC(0), F_DESIG, me, me, 0x8001));
    const ma_bpdu_rec_t *r2 = feed_in(s, rst(2, SEC(2), F_DESIG, me, me, 0x8001));
    const ma_bpdu_rec_t *r3 = feed_in(s, rst(3, SEC(4), F_DESIG, other, me, 0x8001));
    const ma_bpdu_rec_t *r4 = feed_in(s, rst(4, SEC(6), F_DESIG, other, me, 0x8001));
    const ma_bpdu_rec_t *r5 = feed_in(s, rst(5, SEC(8), F_DESIG, me, me, 0x8001));
    CHECK_EQ(r1->events, 0);
    CHECK(r2->repeat);
    CHECK_EQ(r3->events, MA_STP_EV_ROOT);
    CHECK(r3->prev_root == me);
    CHECK(!r3->repeat);
    CHECK(r4->repeat);
    CHECK(r4->prev_root == other);
    CHECK_EQ(r5->events, MA_STP_EV_ROOT);   /* and back again */
    CHECK(r5->prev_root == other);
    CHECK_EQ(ma_stp_event_count(s), 2);
    CHECK(ev(s, 0)->root_id == other && ev(s, 0)->prev_root == me);
    CHECK(ev(s, 1)->root_id == me && ev(s, 1)->prev_root == other);
    CHECK_EQ(ev(s, 0)->repeats, 1);         /* r4 repeats the new root (r5 is the next event) */
    const ma_stp_totals_t *t = ma_stp_totals(s);
    CHECK_EQ(t->ev_root, 2);
    CHECK_EQ(t->roots, 2);
    CHECK_EQ(t->speakers, 1);
    CHECK(ma_stp_last_change(s, SEC(3)) == NULL);
    CHECK_EQ(change_frame(s, SEC(5)), 3);
    CHECK_EQ(change_frame(s, SEC(8)), 5);
    ma_stp_free(s);
}

/* ---- 5. Rapid-PVST+ per-VLAN roots ---------------------------------------------- */

static void test_rpvst(void)
{
    /* rpvst-per-vlan-roots.pcap: port 0x800b of 00:1e:f6:73:59:80 sends
     * SSTP BPDUs (origvlan) for VLANs 3, 9, 10, then 1, an IEEE BPDU with
     * VLAN 1's information, then 2, every second. VLAN 1's root is
     * 32768/00:02:4b:7c:8e:47 (ext 0, cost 19, bridge 32769/...); in the
     * other VLANs the bridge is root itself with priority 32768 + vlan. */
    static const uint16_t vl[] = {3, 9, 10, 1, 0xffff /* IEEE */, 2};
    ma_stp_t *s = ma_stp_new();
    uint64_t vroot = bid(32768, MAC_ROOT);
    uint32_t f = 0, nev = 0, nonrep = 0;
    for (uint32_t cyc = 0; cyc < 50; cyc++) {
        for (unsigned i = 0; i < G_N_ELEMENTS(vl); i++) {
            uint16_t v = vl[i];
            ma_bpdu_in_t in;
            f++;
            if (v == 0xffff)
                in = bpdu(f, SEC(cyc) + MS(i), MA_BPDU_RST, 2, F_DESIG, vroot, bid(32769, MAC_SW), 0x800b, 1,
                          false);
            else
                in = bpdu(f, SEC(cyc) + MS(i), MA_BPDU_RST, 2, F_DESIG, v == 1 ? vroot : bid(32768u + v, MAC_SW),
                          bid(32768u + v, MAC_SW), 0x800b, v, true);
            const ma_bpdu_rec_t *r = feed_in(s, in);
            nev += r->events != 0;
            nonrep += cyc > 0 && !r->repeat;
        }
    }
    CHECK_EQ(nev, 0);
    CHECK_EQ(nonrep, 0);
    const ma_stp_totals_t *t = ma_stp_totals(s);
    CHECK_EQ(t->bpdus, 300);
    CHECK_EQ(t->speakers, 6);                /* 5 SSTP + 1 IEEE */
    CHECK_EQ(t->roots, 5);                   /* VLAN 1's root + 4 own ids */
    CHECK_EQ(t->repeats, 294);
    CHECK_EQ(t->ev_root + t->ev_tc + t->ev_role, 0);
    CHECK_EQ(ma_stp_event_count(s), 0);
    /* pvst alone tells apart two speakers with the same bridge, port and
     * VLAN: IEEE on VLAN 2 with another root, interleaved with SSTP VLAN 2. */
    for (uint32_t k = 0; k < 10; k++) {
        feed_in(s, bpdu(++f, SEC(60 + k), MA_BPDU_RST, 2, F_DESIG, vroot, bid(32770, MAC_SW), 0x800b, 2, false));
        feed_in(s, bpdu(++f, SEC(60 + k) + MS(1), MA_BPDU_RST, 2, F_DESIG, bid(32770, MAC_SW), bid(32770, MAC_SW),
                        0x800b, 2, true));
    }
    CHECK_EQ(t->speakers, 7);
    CHECK_EQ(t->ev_root, 0);
    /* vlan alone too: IEEE BPDUs tagged 10 and 20 (802.1Q) with the same
     * bridge id (no system id extension) and different roots. */
    uint64_t plain = bid(32768, MAC_B);
    for (uint32_t k = 0; k < 10; k++) {
        feed_in(s, bpdu(++f, SEC(80 + k), MA_BPDU_CONFIG, 0, 0, vroot, plain, 0x8001, 10, false));
        feed_in(s, bpdu(++f, SEC(80 + k) + MS(1), MA_BPDU_CONFIG, 0, 0, plain, plain, 0x8001, 20, false));
    }
    CHECK_EQ(t->speakers, 9);
    CHECK_EQ(t->ev_root, 0);
    CHECK_EQ(ma_stp_event_count(s), 0);
    ma_stp_free(s);
}

/* ---- 6. RSTP port roles --------------------------------------------------------- */

static void test_roles(void)
{
    ma_stp_t *s = ma_stp_new();
    uint64_t me = bid(32769, MAC_SW), root = bid(4097, MAC_ROOT);
    feed_in(s, rst(1, SEC(1), F_DESIG, root, me, 0x8001));
    const ma_bpdu_rec_t *r2 = feed_in(s, rst(2, SEC(3), F_DESIG, root, me, 0x8001));
    const ma_bpdu_rec_t *r3 = feed_in(s, rst(3, SEC(5), F_ROOT, root, me, 0x8001));
    const ma_bpdu_rec_t *r4 = feed_in(s, rst(4, SEC(7), F_ROOT, root, me, 0x8001));
    CHECK(r2->repeat);
    CHECK_EQ(r3->events, MA_STP_EV_ROLE);    /* designated -> root */
    CHECK_EQ(r3->prev_role, 3);
    CHECK(r4->repeat);
    CHECK_EQ(r4->prev_role, 2);
    CHECK_EQ(ev(s, 0)->role, 2);
    CHECK_EQ(ev(s, 0)->prev_role, 3);
    CHECK(ma_stp_last_change(s, SEC(10)) == NULL);   /* a role change is no topology change */

    /* Version 0 vs 2 on another port: config BPDUs carry no role (9.3.1);
     * roles compare with the speaker's previous RST BPDU. */
    const ma_bpdu_rec_t *r10 = feed_in(s, cfg(10, SEC(10), 0, root, me, 0x8002));
    const ma_bpdu_rec_t *r11 = feed_in(s, rst(11, SEC(12), F_DESIG, root, me, 0x8002));
    const ma_bpdu_rec_t *r12 = feed_in(s, cfg(12, SEC(14), 0, root, me, 0x8002));
    const ma_bpdu_rec_t *r13 = feed_in(s, rst(13, SEC(16), F_DESIG, root, me, 0x8002));
    const ma_bpdu_rec_t *r14 = feed_in(s, cfg(14, SEC(18), 0, root, me, 0x8002));
    const ma_bpdu_rec_t *r15 = feed_in(s, rst(15, SEC(20), F_ROOT, root, me, 0x8002));
    CHECK_EQ(r10->events, 0);
    CHECK_EQ(r11->events, 0);                /* no earlier RST BPDU */
    CHECK_EQ(r11->prev_role, 0);
    CHECK(r11->repeat);
    CHECK_EQ(r12->events, 0);
    CHECK_EQ(r13->events, 0);                /* designated as in frame 11 */
    CHECK_EQ(r14->events, 0);
    CHECK_EQ(r15->events, MA_STP_EV_ROLE);   /* root vs frame 13's designated */
    CHECK_EQ(r15->prev_role, 0);             /* frame 14 (config) */
    CHECK_EQ(ev(s, 1)->frame, 15);
    CHECK_EQ(ev(s, 1)->prev_role, 3);
    /* MST (version 3) carries CIST roles like RST. */
    const ma_bpdu_rec_t *r16 = feed_in(s, bpdu(16, SEC(22), MA_BPDU_RST, 3, F_DESIG, root, me, 0x8002, 0, false));
    CHECK_EQ(r16->events, MA_STP_EV_ROLE);
    CHECK_EQ(ev(s, 2)->prev_role, 2);
    CHECK_EQ(ma_stp_event_count(s), 3);
    const ma_stp_totals_t *t = ma_stp_totals(s);
    CHECK_EQ(t->ev_role, 3);
    CHECK_EQ(t->ev_tc + t->ev_tcn + t->ev_root, 0);
    CHECK_EQ(t->rst, 8);
    CHECK_EQ(t->config, 3);
    ma_stp_free(s);
}

/* ---- 7. several events in one BPDU ------------------------------------------------ */

static void test_multi(void)
{
    ma_stp_t *s = ma_stp_new();
    uint64_t me = bid(32769, MAC_SW), other = bid(4097, MAC_ROOT);
    char buf[32];
    feed_in(s, rst(1, SEC(1), F_DESIG, me, me, 0x8001));
    const ma_bpdu_rec_t *r2 = feed_in(s, rst(2, SEC(2), F_DESIG_TC, other, me, 0x8001));
    const ma_bpdu_rec_t *r3 = feed_in(s, rst(3, SEC(3), F_DESIG_TC, other, me, 0x8001));
    const ma_bpdu_rec_t *r4 = feed_in(s, rst(4, SEC(4), F_DESIG_TC, me, me, 0x8001));
    const ma_bpdu_rec_t *r5 = feed_in(s, rst(5, SEC(5), F_DESIG_TC, me, me, 0x8001));
    const ma_bpdu_rec_t *r6 = feed_in(s, rst(6, SEC(6), 0x29, other, me, 0x8001)); /* TC, root role, fwd */
    const ma_bpdu_rec_t *r7 = feed_in(s, rst(7, SEC(7), F_DESIG, other, me, 0x8001));
    const ma_bpdu_rec_t *r8 = feed_in(s, rst(8, SEC(8), F_DESIG_TC, other, me, 0x8001));
    CHECK_EQ(r2->events, MA_STP_EV_TC | MA_STP_EV_ROOT);
    ma_stp_events_format(r2->events, buf, sizeof buf);
    CHECK_STR(buf, "TC,root");
    CHECK(r3->repeat);                       /* TC episode goes on */
    CHECK_EQ(r4->events, MA_STP_EV_ROOT);    /* root back, TC still on: no new TC */
    CHECK(!r4->repeat);
    CHECK(r5->repeat);
    CHECK_EQ(r6->events, MA_STP_EV_ROOT | MA_STP_EV_ROLE);
    ma_stp_events_format(r6->events, buf, sizeof buf);
    CHECK_STR(buf, "root,role");
    CHECK_EQ(r7->events, MA_STP_EV_ROLE);    /* root -> designated; TC ends */
    CHECK_EQ(r8->events, MA_STP_EV_TC);
    CHECK_EQ(ma_stp_event_count(s), 5);
    CHECK_EQ(ev(s, 0)->events, MA_STP_EV_TC | MA_STP_EV_ROOT);
    CHECK_EQ(ev(s, 0)->repeats, 1);          /* frame 3; frame 4's event opens its own run */
    CHECK(ev(s, 0)->prev_root == me && ev(s, 0)->root_id == other);
    CHECK_EQ(ev(s, 1)->repeats, 1);          /* frame 5: same root, TC still on */
    const ma_stp_totals_t *t = ma_stp_totals(s);
    CHECK_EQ(t->ev_tc, 2);
    CHECK_EQ(t->ev_root, 3);
    CHECK_EQ(t->ev_role, 2);
    CHECK_EQ(t->repeats, 2);
    CHECK_EQ(t->tc_flagged, 6);
    CHECK_EQ(change_frame(s, SEC(7)), 6);    /* frame 7 is ROLE only */
    CHECK_EQ(change_frame(s, SEC(8)), 8);
    ma_stp_free(s);
}

/* ---- 8. ma_stp_last_change ------------------------------------------------------- */

static void test_last_change(void)
{
    ma_stp_t *s = ma_stp_new();
    uint64_t b = bid(32768, MAC_B);
    CHECK(ma_stp_last_change(s, SEC(100)) == NULL);
    /* Ports 1..4: TC on each one's first BPDU (an event each). */
    feed_in(s, rst(1, SEC(10), F_DESIG_TC, b, b, 0x8001));
    feed_in(s, rst(2, SEC(20), F_DESIG_TC, b, b, 0x8002));
    feed_in(s, rst(3, SEC(15), F_DESIG_TC, b, b, 0x8003));  /* time went backwards */
    feed_in(s, rst(4, SEC(20), F_DESIG_TC, b, b, 0x8004));  /* same time as frame 2 */
    feed_in(s, rst(5, SEC(24), F_DESIG, b, b, 0x8005));
    feed_in(s, rst(6, SEC(25), F_ROOT, b, b, 0x8005));      /* ROLE only */
    feed_in(s, tcn(7, SEC(5), UINT64_C(0x0000000000aa)));   /* earliest of all */
    CHECK_EQ(ma_stp_event_count(s), 6);
    static const uint32_t order[] = {1, 2, 3, 4, 6, 7};     /* listed in capture order */
    for (uint32_t i = 0; i < 6; i++)
        CHECK_EQ(ev(s, i)->frame, order[i]);
    CHECK(ma_stp_last_change(s, SEC(4)) == NULL);           /* before the first */
    CHECK(ma_stp_last_change(s, INT64_MIN) == NULL);
    CHECK_EQ(change_frame(s, SEC(5)), 7);                   /* exactly at an event */
    CHECK_EQ(change_frame(s, SEC(10) - 1), 7);
    CHECK_EQ(change_frame(s, SEC(10)), 1);
    CHECK_EQ(change_frame(s, SEC(12)), 1);                  /* between events */
    CHECK_EQ(change_frame(s, SEC(15)), 3);
    CHECK_EQ(change_frame(s, SEC(17)), 3);
    CHECK_EQ(change_frame(s, SEC(20)), 4);                  /* the later of two at 20 s */
    CHECK_EQ(change_frame(s, SEC(30)), 4);                  /* the ROLE event is skipped */
    CHECK_EQ(change_frame(s, INT64_MAX), 4);
    ma_stp_free(s);
}

/* ---- 9. totals -------------------------------------------------------------------- */

static void test_totals(void)
{
    ma_stp_t *s = ma_stp_new();
    uint64_t b = bid(32769, MAC_B), r = bid(4096, MAC_ROOT), m = UINT64_C(0x0000000000cc);
    feed_in(s, cfg(1, SEC(1), 0, r, b, 0x8001));
    feed_in(s, cfg(2, SEC(2), MA_STPF_TCA, r, b, 0x8001));                 /* repeat */
    feed_in(s, cfg(3, SEC(3), MA_STPF_TC | MA_STPF_TCA, r, b, 0x8001));    /* TC */
    feed_in(s, rst(4, SEC(4), F_DESIG, b, b, 0x8002));
    feed_in(s, rst(5, SEC(5), F_DESIG_TC, b, b, 0x8002));                  /* TC */
    feed_in(s, bpdu(6, SEC(6), MA_BPDU_RST, 3, F_DESIG, b, b, 0x8003, 0, false)); /* MST */
    feed_in(s, tcn(7, SEC(7), m));                                          /* TCN */
    feed_in(s, tcn(8, SEC(8), m));                                          /* repeat */
    ma_bpdu_in_t odd = cfg(9, SEC(9), 0, r, b, 0x8004);
    odd.type = 0x03;
    feed_in(s, odd);
    const ma_stp_totals_t *t = ma_stp_totals(s);
    CHECK_EQ(t->bpdus, 9);
    CHECK_EQ(t->config, 3);
    CHECK_EQ(t->rst, 3);
    CHECK_EQ(t->tcn, 2);
    CHECK_EQ(t->other, 1);
    CHECK_EQ(t->tc_flagged, 2);
    CHECK_EQ(t->tca_flagged, 2);
    CHECK_EQ(t->speakers, 5);               /* ports 1-4 of b, MAC m */
    CHECK_EQ(t->roots, 2);                  /* r, b */
    CHECK_EQ(t->repeats, 2);                /* frames 2, 8 */
    CHECK_EQ(t->ev_tc, 2);
    CHECK_EQ(t->ev_tcn, 1);
    CHECK_EQ(t->ev_root + t->ev_role, 0);
    CHECK_EQ(t->events_dropped + t->untracked, 0);
    CHECK_EQ(ma_stp_event_count(s), 3);
    /* NULL arguments */
    ma_bpdu_in_t in = tcn(10, SEC(10), m);
    CHECK(ma_stp_bpdu(NULL, &in) == NULL);
    CHECK(ma_stp_bpdu(s, NULL) == NULL);
    CHECK_EQ(ma_stp_totals(NULL)->bpdus, 0);
    CHECK_EQ(ma_stp_event_count(NULL), 0);
    CHECK(ma_stp_last_change(NULL, 0) == NULL);
    CHECK_EQ(t->bpdus, 9);
    ma_stp_free(s);
    ma_stp_free(NULL);
}

/* ---- 10. text helpers ----------------------------------------------------------- */

static void test_text(void)
{
    char buf[64], small[6], tiny[4];
    ma_stp_id_format(bid(32768, MAC_SW), buf, sizeof buf);
    CHECK_STR(buf, "32768/00:1e:f6:73:59:80");
    ma_stp_id_format(bid(32768 + 3, MAC_SW), buf, sizeof buf);     /* prio 32768, ext 3 */
    CHECK_STR(buf, "32771/00:1e:f6:73:59:80");
    ma_stp_id_format(bid(4096 + 10, MAC_ROOT), buf, sizeof buf);
    CHECK_STR(buf, "4106/00:02:4b:7c:8e:47");
    ma_stp_id_format(0, buf, sizeof buf);
    CHECK_STR(buf, "0/00:00:00:00:00:00");
    ma_stp_id_format(UINT64_MAX, buf, sizeof buf);
    CHECK_STR(buf, "65535/ff:ff:ff:ff:ff:ff");
    ma_stp_id_format(bid(32768, MAC_SW), small, sizeof small);
    CHECK_STR(small, "32768");
    ma_stp_id_format(bid(32768, MAC_SW), NULL, 0);                 /* no crash */
    CHECK_STR(ma_stp_role_name(0), "unknown");
    CHECK_STR(ma_stp_role_name(1), "alternate/backup");
    CHECK_STR(ma_stp_role_name(2), "root");
    CHECK_STR(ma_stp_role_name(3), "designated");
    CHECK_STR(ma_stp_role_name(9), "unknown");
    ma_stp_events_format(MA_STP_EV_TC | MA_STP_EV_ROOT, buf, sizeof buf);
    CHECK_STR(buf, "TC,root");
    ma_stp_events_format(MA_STP_EV_ROLE | MA_STP_EV_TCN | MA_STP_EV_ROOT | MA_STP_EV_TC, buf, sizeof buf);
    CHECK_STR(buf, "TC,TCN,root,role");
    ma_stp_events_format(MA_STP_EV_TCN, buf, sizeof buf);
    CHECK_STR(buf, "TCN");
    ma_stp_events_format(MA_STP_EV_ROLE, buf, sizeof buf);
    CHECK_STR(buf, "role");
    ma_stp_events_format(0, buf, sizeof buf);
    CHECK_STR(buf, "");
    ma_stp_events_format(MA_STP_EV_TC | MA_STP_EV_TCN, tiny, sizeof tiny);
    CHECK(strlen(tiny) < sizeof tiny && strncmp(tiny, "TC", 2) == 0);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* keep the output if a sanitizer stops the run */
    ma_test_init(&argc, &argv);
    g_test_add_func("/stp/repeats", test_repeats);
    g_test_add_func("/stp/tc_episodes", test_tc_episodes);
    g_test_add_func("/stp/tcn", test_tcn);
    g_test_add_func("/stp/root_change", test_root_change);
    g_test_add_func("/stp/rpvst", test_rpvst);
    g_test_add_func("/stp/roles", test_roles);
    g_test_add_func("/stp/multi", test_multi);
    g_test_add_func("/stp/last_change", test_last_change);
    g_test_add_func("/stp/totals", test_totals);
    g_test_add_func("/stp/text", test_text);
    return ma_test_run();
}
