/* ma_net_report.c - connections, TCP analysis, causes, expected topology and
 * Spanning Tree sections of -z modbus_an,stat
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Column meanings: README, "Network health". Times in the tables are
 * seconds unless the heading says ms.
 */
#include "ma_net_report.h"
#include "ma_timefmt.h"

#include <inttypes.h>
#include <glib.h>

#include "ma_cause.h"
#include "ma_regs_report.h"

static double sec(ma_ns_t ns)
{
    return (double)ns / 1e9;
}

/* True if the pair has anything to report in the connection tables. */
static bool pair_seen(const ma_net_pair_t *p)
{
    return p && p->pair && (p->conns || p->retries);
}

static void print_ms(FILE *out, uint32_t n, ma_ns_t v, int w)
{
    if (n)
        fprintf(out, " %*.3f", w, (double)v / 1e6);
    else
        fprintf(out, " %*s", w, "-");
}

static void print_s(FILE *out, uint32_t n, ma_ns_t v, int w)
{
    if (n)
        fprintf(out, " %*.3f", w, sec(v));
    else
        fprintf(out, " %*s", w, "-");
}

static void connections(FILE *out, ma_net_t *net)
{
    const ma_net_config_t *cfg = ma_net_config(net);
    fprintf(out, "Connections per pair (failed: RST from the server, or no SYN+ACK within %.3g s):\n",
            sec(cfg->connect_timeout));
    fprintf(out, "  %-44s %5s %5s %5s %5s %5s %5s %5s %9s %9s %4s %4s %4s %4s %6s %8s %8s %4s %9s %7s\n", "Pair",
            "Conns", "Att", "SYNs", "Estab", "Refus", "Tmout", "Unfin", "HSavg_ms", "HSmax_ms", "RstC", "RstS",
            "FinC", "FinS", "Reconn", "Gapmin_s", "Gapmax_s", "Open", "Durmax_s", "Retries");
    unsigned rows = 0;
    for (uint32_t i = 0; i < ma_net_pair_count(net); i++) {
        const ma_net_pair_t *p = ma_net_pair_stats(net, i);
        if (!pair_seen(p))
            continue;
        rows++;
        fprintf(out, "  %-44s %5u %5u %5u %5u %5u %5u %5u", p->pair->label, p->conns, p->attempts, p->syn_packets,
                p->established, p->refused, p->timeout, p->unfinished);
        print_ms(out, p->handshakes, p->handshakes ? p->hs_sum / p->handshakes : 0, 9);
        print_ms(out, p->handshakes, p->hs_max, 9);
        fprintf(out, " %4u %4u %4u %4u %6u", p->resets_by_client, p->resets_by_server, p->fin_by_client,
                p->fin_by_server, p->reconnects);
        print_s(out, p->reconnects, p->gap_min, 8);
        print_s(out, p->reconnects, p->gap_max, 8);
        fprintf(out, " %4u", p->open_at_end);
        print_s(out, p->conns, p->dur_max, 9);
        fprintf(out, " %7" PRIu64 "\n", p->retries);
    }
    if (!rows)
        fprintf(out, "  none\n");
    if (ma_net_conns_dropped(net))
        fprintf(out, "  %" PRIu64 " further connections not tracked (bound reached)\n", ma_net_conns_dropped(net));
}

static void tcp_analysis(FILE *out, ma_net_t *net)
{
    static const char *const heads[MA_TCPA_N] = { "Retrans", "FastRetr", "Spurious", "DupACK", "ZeroWin", "Lost" };
    fprintf(out, "TCP analysis per pair (Wireshark's tcp.analysis flags; to server/to client):\n");
    fprintf(out, "  %-44s", "Pair");
    for (int k = 0; k < MA_TCPA_N; k++)
        fprintf(out, " %13s", heads[k]);
    fprintf(out, " %9s\n", "Attached");
    unsigned rows = 0;
    for (uint32_t i = 0; i < ma_net_pair_count(net); i++) {
        const ma_net_pair_t *p = ma_net_pair_stats(net, i);
        if (!pair_seen(p))
            continue;
        rows++;
        fprintf(out, "  %-44s", p->pair->label);
        for (int k = 0; k < MA_TCPA_N; k++) {
            char b[32];
            g_snprintf(b, sizeof b, "%" PRIu64 "/%" PRIu64, p->ta[0][k], p->ta[1][k]);
            fprintf(out, " %13s", b);
        }
        fprintf(out, " %9" PRIu64 "\n", p->retrans_attached);
    }
    if (!rows)
        fprintf(out, "  none\n");
}

static void causes(FILE *out, ma_net_t *net, ma_ns_t stp_window)
{
    fprintf(out, "Causes of delayed, late and missed transactions per pair (stp window %.3g s):\n", sec(stp_window));
    fprintf(out, "  %-44s %6s", "Pair", "Slow");
    for (int c = MA_CAUSE_STP; c < MA_CAUSE_N; c++)
        fprintf(out, " %18s", ma_cause_name((ma_cause_t)c));
    fprintf(out, "\n");
    unsigned rows = 0;
    for (uint32_t i = 0; i < ma_net_pair_count(net); i++) {
        const ma_net_pair_t *p = ma_net_pair_stats(net, i);
        uint64_t slow = 0;
        for (int c = MA_CAUSE_STP; c < MA_CAUSE_N; c++)
            slow += p ? p->causes[c] : 0;
        if (!slow)
            continue;
        rows++;
        fprintf(out, "  %-44s %6" PRIu64, p->pair->label, slow);
        for (int c = MA_CAUSE_STP; c < MA_CAUSE_N; c++)
            fprintf(out, " %18" PRIu64, p->causes[c]);
        fprintf(out, "\n");
    }
    if (!rows)
        fprintf(out, "  none\n");
}

static void expect_line(FILE *out, const ma_expect_result_t *r)
{
    char sv[64], cl[64];
    ma_addr_format(&r->exp->server, sv, sizeof sv);
    if (r->exp->client.len)
        ma_addr_format(&r->exp->client, cl, sizeof cl);
    else
        g_strlcpy(cl, "any", sizeof cl);
    fprintf(out, "    %s:%u (client %s; %s): %u pair(s), %" PRIu64 " requests, %u attempts: %u established, "
            "%u refused, %u timeout, %u unfinished\n", sv, r->exp->port, cl, r->exp->name ? r->exp->name : "",
            r->pairs, r->requests, r->attempts, r->established, r->refused, r->timeout, r->unfinished);
}

static void topology(FILE *out, ma_net_t *net, const uint64_t *requests, uint32_t nreq)
{
    uint32_t n = ma_net_expect_count(net);
    if (!n)
        return;
    const ma_expect_result_t *res = ma_net_expect_results(net, requests, nreq);
    static const char *const title[3] = { "Expected, with Modbus traffic", "Expected, connection attempts only",
                                          "Expected, silent (no packet at all)" };
    fprintf(out, "Expected topology: %u entries\n", n);
    for (int s = MA_EXP_TRAFFIC; s <= MA_EXP_SILENT; s++) {
        unsigned k = 0;
        for (uint32_t i = 0; i < n; i++)
            k += res[i].state == s;
        fprintf(out, "  %s: %u\n", title[s], k);
        for (uint32_t i = 0; i < n; i++)
            if (res[i].state == s)
                expect_line(out, &res[i]);
    }
    unsigned k = 0;
    for (uint32_t i = 0; i < ma_net_pair_count(net) && i < nreq; i++) {
        const ma_net_pair_t *p = ma_net_pair_stats(net, i);
        if (p && p->pair && requests[i] && !ma_net_pair_expected(net, p->pair))
            k++;
    }
    fprintf(out, "  Unexpected pairs with Modbus traffic: %u\n", k);
    for (uint32_t i = 0; i < ma_net_pair_count(net) && i < nreq; i++) {
        const ma_net_pair_t *p = ma_net_pair_stats(net, i);
        if (p && p->pair && requests[i] && !ma_net_pair_expected(net, p->pair))
            fprintf(out, "    %s: %" PRIu64 " requests\n", p->pair->label, requests[i]);
    }
}

static void spanning_tree(FILE *out, const ma_stp_t *stp)
{
    const ma_stp_totals_t *t = ma_stp_totals(stp);
    if (!t->bpdus) {
        fprintf(out, "Spanning Tree: no BPDU in the capture\n");
        return;
    }
    fprintf(out, "Spanning Tree: %" PRIu64 " BPDUs (%" PRIu64 " config, %" PRIu64 " RST/MST, %" PRIu64 " TCN, %" PRIu64
            " other), %u bridge ports, %u roots; %" PRIu64 " with TC, %" PRIu64 " with TCA\n", t->bpdus, t->config,
            t->rst, t->tcn, t->other, t->speakers, t->roots, t->tc_flagged, t->tca_flagged);
    fprintf(out, "  Events: %" PRIu64 " topology change (TC), %" PRIu64 " TCN, %" PRIu64 " root change, %" PRIu64
            " port role change; %" PRIu64 " BPDUs repeated a state\n", t->ev_tc, t->ev_tcn, t->ev_root, t->ev_role,
            t->repeats);
    uint32_t n = ma_stp_event_count(stp);
    if (n)
        fprintf(out, "  %8s  %-40s %-8s %-24s %-24s %6s %4s %7s  %s\n", "Frame", "Time", "Event", "Bridge", "Root",
                "Port", "VLAN", "Repeats", "What changed");
    for (uint32_t i = 0; i < n; i++) {
        const ma_stp_event_t *e = ma_stp_event_at(stp, i);
        char when[64], ev[32], br[32], rt[32], what[128] = "";
        ma_stp_events_format(e->events, ev, sizeof ev);
        if (e->events & MA_STP_EV_TCN) {
            g_snprintf(br, sizeof br, "%02x:%02x:%02x:%02x:%02x:%02x", e->src_mac[0], e->src_mac[1], e->src_mac[2],
                       e->src_mac[3], e->src_mac[4], e->src_mac[5]);
            g_strlcpy(rt, "-", sizeof rt);
        } else {
            ma_stp_id_format(e->bridge_id, br, sizeof br);
            ma_stp_id_format(e->root_id, rt, sizeof rt);
        }
        if (e->events & MA_STP_EV_ROOT) {
            char was[32];
            ma_stp_id_format(e->prev_root, was, sizeof was);
            g_snprintf(what, sizeof what, "root %s -> %s", was, rt);
        } else if (e->events & MA_STP_EV_ROLE) {
            g_snprintf(what, sizeof what, "port role %s -> %s", ma_stp_role_name(e->prev_role),
                       ma_stp_role_name(e->role));
        } else if (e->events & MA_STP_EV_TC) {
            g_strlcpy(what, "topology change flag set", sizeof what);
        } else {
            g_strlcpy(what, "topology change notification", sizeof what);
        }
        fprintf(out, "  %8u  %-40s %-8s %-24s %-24s 0x%04x %4u %7u  %s\n", e->frame,
                ma_time_when(e->ts, when, sizeof when), ev, br, rt, e->port_id, e->vlan, e->repeats, what);
    }
    if (t->events_dropped)
        fprintf(out, "  %" PRIu64 " further events not listed (bound reached)\n", t->events_dropped);
}

void ma_net_report_text(FILE *out, ma_net_t *net, const ma_stp_t *stp, const uint64_t *requests, uint32_t nreq,
                        ma_ns_t stp_window)
{
    if (net) {
        connections(out, net);
        tcp_analysis(out, net);
        causes(out, net, stp_window);
        topology(out, net, requests, nreq);
    }
    if (stp)
        spanning_tree(out, stp);
}

/* A time in seconds, or nothing without a sample. */
static void csv_s(FILE *out, uint32_t n, ma_ns_t v)
{
    if (n)
        fprintf(out, ",%.9f", sec(v));
    else
        fputc(',', out);
}

void ma_net_report_csv(FILE *out, ma_net_t *net)
{
    static const char *const ta[MA_TCPA_N] = { "retrans", "fast_retrans", "spurious_retrans", "dup_ack",
                                               "zero_window", "lost_segment" };
    fprintf(out, "pair,conns,attempts,syn_packets,established,refused,timeout,unfinished,handshake_avg_s,"
                 "handshake_max_s,resets_by_client,resets_by_server,fin_by_client,fin_by_server,reconnects,"
                 "parallel,gap_min_s,gap_max_s,open_at_end,duration_max_s,retries");
    for (int k = 0; k < MA_TCPA_N; k++)
        fprintf(out, ",%s_to_server,%s_to_client", ta[k], ta[k]);
    fprintf(out, ",retrans_attached,duplicates_to_server,duplicates_to_client");
    for (int c = MA_CAUSE_STP; c < MA_CAUSE_N; c++) {
        char name[32];
        g_strlcpy(name, ma_cause_name((ma_cause_t)c), sizeof name);
        g_strdelimit(name, "-", '_');
        fprintf(out, ",cause_%s", name);
    }
    fputc('\n', out);
    for (uint32_t i = 0; net && i < ma_net_pair_count(net); i++) {
        const ma_net_pair_t *p = ma_net_pair_stats(net, i);
        uint64_t slow = 0;
        for (int c = MA_CAUSE_STP; c < MA_CAUSE_N; c++)
            slow += p->causes[c];
        if (!p->pair || (!pair_seen(p) && !slow))
            continue;
        fprintf(out, "\"%s\",%u,%u,%u,%u,%u,%u,%u", p->pair->label, p->conns, p->attempts, p->syn_packets,
                p->established, p->refused, p->timeout, p->unfinished);
        csv_s(out, p->handshakes, p->handshakes ? p->hs_sum / p->handshakes : 0);
        csv_s(out, p->handshakes, p->hs_max);
        fprintf(out, ",%u,%u,%u,%u,%u,%u", p->resets_by_client, p->resets_by_server, p->fin_by_client,
                p->fin_by_server, p->reconnects, p->parallel);
        csv_s(out, p->reconnects, p->gap_min);
        csv_s(out, p->reconnects, p->gap_max);
        fprintf(out, ",%u", p->open_at_end);
        csv_s(out, p->conns, p->dur_max);
        fprintf(out, ",%" PRIu64, p->retries);
        for (int k = 0; k < MA_TCPA_N; k++)
            fprintf(out, ",%" PRIu64 ",%" PRIu64, p->ta[0][k], p->ta[1][k]);
        fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, p->retrans_attached, p->dups[0], p->dups[1]);
        for (int c = MA_CAUSE_STP; c < MA_CAUSE_N; c++)
            fprintf(out, ",%" PRIu64, p->causes[c]);
        fputc('\n', out);
    }
}
