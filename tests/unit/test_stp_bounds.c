/* test_stp_bounds.c - unit tests of Spanning Tree bounds and random input
 * (core/ma_stp.c): the speaker and event bounds, 200000 random BPDUs
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The BPDU builders are in stp_helpers.h. Every expected value is worked
 * out by hand in the comments.
 */
#define _POSIX_C_SOURCE 200809L

#include "stp_helpers.h"

/* ---- 1. bounds ------------------------------------------------------------------- */

static void test_speaker_bound(void)
{
    ma_stp_t *s = ma_stp_new();
    const uint32_t n = MA_STP_MAX_SPEAKERS + 100;
    uint32_t f = 0, bad = 0;
    const ma_bpdu_rec_t *first = NULL;
    for (uint32_t pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < n; i++) {
            uint64_t b = bid(32768, MAC_B + ((uint64_t)i << 8));
            f++;
            const ma_bpdu_rec_t *r = feed_in(s, cfg(f, SEC(f), 0, b, b, 0x8001));
            if (!first)
                first = r;
            uint32_t want = i < MA_STP_MAX_SPEAKERS ? i + 1 : 0;
            bad += r->speaker != want || r->events != 0 || r->repeat != (pass == 1 && want != 0);
        }
    }
    CHECK_EQ(bad, 0);
    const ma_stp_totals_t *t = ma_stp_totals(s);
    CHECK_EQ(t->speakers, MA_STP_MAX_SPEAKERS);
    CHECK_EQ(t->untracked, 200);
    CHECK_EQ(t->repeats, MA_STP_MAX_SPEAKERS);
    CHECK_EQ(t->bpdus, 2 * n);
    CHECK_EQ(t->roots, n);
    /* An untracked speaker's TC and a new MAC's TCN: counted, no events. */
    uint64_t bl = bid(32768, MAC_B + ((uint64_t)(n - 1) << 8));
    const ma_bpdu_rec_t *a = feed_in(s, cfg(f + 1, SEC(f + 1), MA_STPF_TC, bl, bl, 0x8001));
    const ma_bpdu_rec_t *c = feed_in(s, tcn(f + 2, SEC(f + 2), UINT64_C(0x0000000000bb)));
    CHECK_EQ(a->speaker, 0);
    CHECK_EQ(a->events, 0);
    CHECK(!a->repeat);
    CHECK_EQ(c->speaker, 0);
    CHECK_EQ(c->events, 0);
    CHECK_EQ(t->untracked, 202);
    CHECK_EQ(t->tc_flagged, 1);
    CHECK_EQ(t->tcn, 1);
    CHECK_EQ(ma_stp_event_count(s), 0);
    /* Records never move: the first is intact after two blocks. */
    CHECK_EQ(first->bpdu.frame, 1);
    CHECK_EQ(first->speaker, 1);
    ma_stp_free(s);
}

static void test_event_bound(void)
{
    /* One port: TC on, TC on, TC off, repeated: one event per 3 BPDUs. */
    ma_stp_t *s = ma_stp_new();
    uint64_t b = bid(32768, MAC_B);
    const uint32_t extra = 5;
    uint32_t f = 0;
    for (uint32_t k = 0; k < MA_STP_MAX_EVENTS + extra; k++) {
        feed_in(s, rst(f + 1, MS(f + 1), F_DESIG_TC, b, b, 0x8001));
        feed_in(s, rst(f + 2, MS(f + 2), F_DESIG_TC, b, b, 0x8001));
        feed_in(s, rst(f + 3, MS(f + 3), F_DESIG, b, b, 0x8001));
        f += 3;
    }
    const ma_stp_totals_t *t = ma_stp_totals(s);
    CHECK_EQ(ma_stp_event_count(s), MA_STP_MAX_EVENTS);
    CHECK_EQ(t->events_dropped, extra);
    CHECK_EQ(t->ev_tc, MA_STP_MAX_EVENTS + extra);
    CHECK(ma_stp_event_at(s, MA_STP_MAX_EVENTS) == NULL);
    const ma_stp_event_t *last = ev(s, MA_STP_MAX_EVENTS - 1);
    CHECK_EQ(last->frame, 3 * (MA_STP_MAX_EVENTS - 1) + 1);
    CHECK_EQ(last->repeats, 1);
    CHECK_EQ(ev(s, 0)->repeats, 1);
    CHECK_EQ(change_frame(s, MS(f)), 3 * (MA_STP_MAX_EVENTS - 1) + 1);  /* dropped ones are not listed */
    ma_stp_free(s);
}

/* ---- 2. random input -------------------------------------------------------------- */

static uint64_t rng = UINT64_C(0x2545f4914f6cdd1d);

static uint32_t rnd(uint32_t n)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * UINT64_C(2685821657736338717)) >> 33) % n;
}

static int popcount8(uint8_t x)
{
    int c = 0;
    for (; x; x &= (uint8_t)(x - 1))
        c++;
    return c;
}

static void test_random(void)
{
    /* 200000 BPDUs: 64 bridges x 3 priorities x 4 ports x 4 VLANs x pvst
     * (6144 keys, more than MA_STP_MAX_SPEAKERS) plus 256 TCN source MACs;
     * 8 roots, mostly one per bridge; TC on 1 in 5; capture time jumping
     * back now and then. Checked against tallies kept here:
     *  - each record is what the rules allow (bits only when their
     *    condition holds; repeat == tracked && previous && no event),
     *  - for bridge-keyed speakers the prev_frame chain and the TC / ROOT
     *    bits are recomputed independently,
     *  - bpdus == untracked + speakers (one first BPDU each) + repeats +
     *    event-raising BPDUs that were not a speaker's first,
     *  - listed + dropped events == BPDUs that raised events, and the
     *    ev_* counters == the bits of those BPDUs; the listed events are
     *    exactly the first of them in order,
     *  - ma_stp_last_change agrees with a linear scan. */
    const uint32_t N = 200000;
    ma_stp_t *s = ma_stp_new();
    uint32_t *last_frame = g_new0(uint32_t, MA_STP_MAX_SPEAKERS + 1);
    uint8_t *last_flags = g_new0(uint8_t, MA_STP_MAX_SPEAKERS + 1);
    uint64_t *last_root = g_new0(uint64_t, MA_STP_MAX_SPEAKERS + 1);
    uint32_t *ev_frame = g_new0(uint32_t, MA_STP_MAX_EVENTS);
    uint8_t *ev_bits = g_new0(uint8_t, MA_STP_MAX_EVENTS);
    uint64_t n_type[4] = {0}, n_tc = 0, n_tca = 0, n_untr = 0, n_first = 0, n_rep = 0;
    uint64_t n_ev = 0, n_ev_first = 0, bits[4] = {0}, bad_rule = 0, bad_chain = 0, rep_sum_bound;
    uint64_t roots[8];
    for (unsigned i = 0; i < 8; i++)
        roots[i] = bid(4096u * (i + 1), MAC_ROOT + i);
    ma_ns_t ts = SEC(1000);
    for (uint32_t i = 0; i < N; i++) {
        ma_bpdu_in_t in;
        memset(&in, 0, sizeof in);
        in.frame = i + 1;
        if (rnd(100) == 0)
            ts -= MS(rnd(30000));
        else
            ts += MS(rnd(2000));
        in.ts = ts;
        uint32_t kind = rnd(100);
        in.type = kind < 45 ? MA_BPDU_CONFIG : kind < 90 ? MA_BPDU_RST : kind < 98 ? MA_BPDU_TCN : (uint8_t)rnd(256);
        in.version = in.type == MA_BPDU_RST ? (uint8_t)(2 + rnd(2)) : rnd(50) ? 0 : (uint8_t)rnd(4);
        uint32_t bi = rnd(64);
        static const unsigned prios[3] = {4096, 32768, 61440};
        in.bridge_id = bid(prios[rnd(3)] + rnd(2), MAC_B + ((uint64_t)bi << 8));
        in.port_id = (uint16_t)(0x8000 + rnd(4));
        in.vlan = (uint16_t)rnd(4);
        in.pvst = rnd(2);
        in.root_id = roots[(bi + (rnd(10) ? 0 : rnd(8))) % 8];
        in.has_ids = in.type == MA_BPDU_TCN ? rnd(50) == 0 : rnd(50) != 0;
        in.flags = (uint8_t)((rnd(8) ? 3u : rnd(4)) << 2 | (rnd(5) ? 0 : MA_STPF_TC) | (rnd(10) ? 0 : MA_STPF_TCA) |
                             (rnd(4) ? 0x30u : 0) | (rnd(8) ? 0 : MA_STPF_PROPOSAL));
        if (in.type == MA_BPDU_TCN && rnd(20))
            in.flags = 0;
        mac_bytes(in.src_mac, MAC_B + ((uint64_t)(rnd(8) ? bi : rnd(64)) << 8) + (in.port_id & 3u));

        const ma_bpdu_rec_t *r = ma_stp_bpdu(s, &in);
        if (!r) {
            bad_rule++;
            continue;
        }
        n_type[in.type == MA_BPDU_CONFIG ? 0 : in.type == MA_BPDU_RST ? 1 : in.type == MA_BPDU_TCN ? 2 : 3]++;
        n_tc += (in.flags & MA_STPF_TC) != 0;
        n_tca += (in.flags & MA_STPF_TCA) != 0;
        uint8_t e = r->events;
        bad_rule += r->bpdu.frame != in.frame || r->bpdu.ts != in.ts || r->bpdu.root_id != in.root_id;
        bad_rule += r->repeat != (r->speaker != 0 && r->prev_frame != 0 && e == 0);
        bad_rule += r->speaker > MA_STP_MAX_SPEAKERS || (e & ~0x0Fu) != 0;
        bad_rule += (e & MA_STP_EV_TC) && !(in.flags & MA_STPF_TC);
        bad_rule += (e & MA_STP_EV_TCN) && in.type != MA_BPDU_TCN;
        bad_rule += (e & MA_STP_EV_ROOT) && (!in.has_ids || !r->prev_frame || r->prev_root == in.root_id);
        bad_rule += (e & MA_STP_EV_ROLE) && !(in.type == MA_BPDU_RST && in.version >= 2);
        if (!r->speaker) {
            n_untr++;
            bad_rule += e != 0 || r->prev_frame != 0;
        } else if (!r->prev_frame) {
            n_first++;
        }
        n_rep += r->repeat;
        if (e) {
            if (n_ev < MA_STP_MAX_EVENTS) {
                ev_frame[n_ev] = in.frame;
                ev_bits[n_ev] = e;
            }
            n_ev++;
            n_ev_first += r->prev_frame == 0;
            for (int b = 0; b < 4; b++)
                bits[b] += (e >> b) & 1u;
        }
        /* Bridge-keyed speakers: their previous BPDU is simply the last one
         * with the same speaker index. */
        if (r->speaker && in.has_ids && in.type != MA_BPDU_TCN) {
            uint32_t k = r->speaker;
            bool have = last_frame[k] != 0;
            bad_chain += r->prev_frame != last_frame[k];
            bool tc_want = (in.flags & MA_STPF_TC) && (!have || !(last_flags[k] & MA_STPF_TC));
            bool root_want = have && last_root[k] != in.root_id;
            bad_chain += ((e & MA_STP_EV_TC) != 0) != tc_want;
            bad_chain += ((e & MA_STP_EV_ROOT) != 0) != root_want;
            last_frame[k] = in.frame;
            last_flags[k] = in.flags;
            last_root[k] = in.root_id;
        }
    }
    CHECK_EQ(bad_rule, 0);
    CHECK_EQ(bad_chain, 0);
    const ma_stp_totals_t *t = ma_stp_totals(s);
    CHECK_EQ(t->bpdus, N);
    CHECK_EQ(t->config, n_type[0]);
    CHECK_EQ(t->rst, n_type[1]);
    CHECK_EQ(t->tcn, n_type[2]);
    CHECK_EQ(t->other, n_type[3]);
    CHECK_EQ(t->tc_flagged, n_tc);
    CHECK_EQ(t->tca_flagged, n_tca);
    CHECK_EQ(t->untracked, n_untr);
    CHECK_EQ(t->repeats, n_rep);
    CHECK_EQ(t->speakers, n_first);
    CHECK_EQ(t->speakers, MA_STP_MAX_SPEAKERS);        /* the table filled up */
    CHECK(t->untracked > 0);
    CHECK_EQ(t->bpdus, t->untracked + t->speakers + t->repeats + (n_ev - n_ev_first));
    CHECK_EQ(ma_stp_event_count(s) + t->events_dropped, n_ev);
    CHECK_EQ(t->ev_tc, bits[0]);
    CHECK_EQ(t->ev_tcn, bits[1]);
    CHECK_EQ(t->ev_root, bits[2]);
    CHECK_EQ(t->ev_role, bits[3]);
    CHECK(t->ev_tc > 0 && t->ev_tcn > 0 && t->ev_root > 0 && t->ev_role > 0);
    CHECK(t->roots <= 8);
    uint64_t popsum = 0;
    for (uint32_t i = 0; i < ma_stp_event_count(s); i++)
        popsum += (uint64_t)popcount8(ev_bits[i]);
    uint32_t nlisted = ma_stp_event_count(s), mism = 0;
    rep_sum_bound = 0;
    for (uint32_t i = 0; i < nlisted; i++) {
        const ma_stp_event_t *x = ma_stp_event_at(s, i);
        mism += x->frame != ev_frame[i] || x->events != ev_bits[i];
        rep_sum_bound += x->repeats;
        popsum -= (uint64_t)popcount8(x->events);
    }
    CHECK_EQ(mism, 0);
    CHECK_EQ(popsum, 0);
    CHECK(rep_sum_bound <= t->repeats);                 /* repeats are repeat BPDUs */
    /* ma_stp_last_change against a linear scan (latest time <= t, the later
     * in capture order on ties; TC / TCN / ROOT only). */
    uint32_t lc_bad = 0;
    for (uint32_t q = 0; q < 300; q++) {
        ma_ns_t tq = q < 100 ? ma_stp_event_at(s, rnd(nlisted))->ts : SEC(900) + MS(rnd(300000000));
        const ma_stp_event_t *best = NULL;
        for (uint32_t i = 0; i < nlisted; i++) {
            const ma_stp_event_t *x = ma_stp_event_at(s, i);
            if ((x->events & (MA_STP_EV_TC | MA_STP_EV_TCN | MA_STP_EV_ROOT)) && x->ts <= tq &&
                (!best || x->ts >= best->ts))
                best = x;
        }
        lc_bad += ma_stp_last_change(s, tq) != best;
    }
    CHECK_EQ(lc_bad, 0);
    if (getenv("TEST_STP_VERBOSE"))
        printf("random: untracked %llu repeats %llu events %u dropped %llu tc %llu tcn %llu root %llu role %llu "
               "event repeats %llu\n", (unsigned long long)t->untracked, (unsigned long long)t->repeats, nlisted,
               (unsigned long long)t->events_dropped, (unsigned long long)t->ev_tc, (unsigned long long)t->ev_tcn,
               (unsigned long long)t->ev_root, (unsigned long long)t->ev_role, (unsigned long long)rep_sum_bound);
    g_free(last_frame);
    g_free(last_flags);
    g_free(last_root);
    g_free(ev_frame);
    g_free(ev_bits);
    ma_stp_free(s);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* keep the output if a sanitizer stops the run */
    ma_test_init(&argc, &argv);
    g_test_add_func("/stp_bounds/speaker_bound", test_speaker_bound);
    g_test_add_func("/stp_bounds/event_bound", test_event_bound);
    g_test_add_func("/stp_bounds/random", test_random);
    return ma_test_run();
}
