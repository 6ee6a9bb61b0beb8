/* ma_outputs.c - text sections, CSV, the JSON document, the verdict line
 * (the JSON document's schema: ma_schema.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_outputs.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "ma_json.h"
#include "ma_net.h"
#include "ma_regs.h"
#include "ma_stp.h"
#include "ma_timefmt.h"

static const ma_output_t outputs[] = {
    {"summary", "", "one screen: the capture, its verdict and its problems worst first", MA_OUT_TEXT, false, false},
    {"stat", "[,filter]", "transactions per client-server pair and unit, worst first", MA_OUT_TEXT, true, false},
    {"csv", "[,filter]", "the same rows as CSV (pair, unit, counts, response times in s)", MA_OUT_CSV, true, false},
    {"polls", "", "poll groups: cadence, gaps, missed polls, stopped groups", MA_OUT_TEXT, false, false},
    {"heartbeats", "", "heartbeats and their stalls, resets and recoveries", MA_OUT_TEXT, false, false},
    {"registers", "[,file.csv]", "watched registers and their changes; with a file: every value as CSV",
     MA_OUT_TEXT, false, false},
    {"flows", "", "per TCP connection feature summaries, and per pair 60 s peaks", MA_OUT_TEXT, false, true},
    {"connections", "", "connections per pair: attempts, failures, resets, reconnects", MA_OUT_TEXT, false, false},
    {"tcp", "", "TCP analysis per pair: retransmissions, duplicate ACKs, capture duplicates", MA_OUT_TEXT, false, false},
    {"causes", "", "why transactions were slow: causes per pair and the slow requests", MA_OUT_TEXT, false, false},
    {"stp", "", "Spanning Tree: root bridges, topology-change episodes and other events", MA_OUT_TEXT, false, false},
    {"topology", "", "expected servers (pcap_monitor.json, UAT) and unexpected pairs", MA_OUT_TEXT, false, false},
    {"netcsv", "", "connections, TCP analysis and causes per pair as CSV", MA_OUT_CSV, false, false},
    {"features", ",file.csv", "one CSV row per Modbus PDU with every feature (+ .stats.csv beside it)",
     MA_OUT_FILE, false, false},
    {"json", "[,file.json]", "every section as one JSON document (docs/modbus_an.schema.json)", MA_OUT_OPTFILE,
     false, true},
    {"sqlite", ",file.db", "every section into an SQLite database (one transaction per capture)", MA_OUT_FILE,
     false, true},
    {"verdict", "", "one line: keep: <reasons> or discard: clean", MA_OUT_LINE, false, false},
    {"schema", "", "the JSON Schema of the json output", MA_OUT_LINE, false, false},
    {"help", "", "this list", MA_OUT_LINE, false, false},
};

const ma_output_t *ma_outputs_list(unsigned *n)
{
    *n = G_N_ELEMENTS(outputs);
    return outputs;
}

const ma_output_t *ma_output_find(const char *name)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(outputs); i++)
        if (strcmp(outputs[i].name, name) == 0)
            return &outputs[i];
    return NULL;
}

void ma_out_help(FILE *out)
{
    fprintf(out, "modbus_an outputs (tshark -q -z modbus_an,<name>; the GUI tables: Statistics > Modbus/TCP):\n");
    for (unsigned i = 0; i < G_N_ELEMENTS(outputs); i++) {
        char name[40];
        g_snprintf(name, sizeof name, "%s%s", outputs[i].name, outputs[i].args);
        fprintf(out, "  %-24s %s\n", name, outputs[i].help);
    }
}

/* ---- text ---- */

static void rule(FILE *out, const char *title)
{
    fprintf(out, "\n== %s ==\n", title);
}

static void table_text(FILE *out, void (*build)(ma_tab_t *, const ma_report_ctx_t *), const ma_report_ctx_t *rc,
                       unsigned max_rows, const char *none)
{
    ma_tab_t t;
    build(&t, rc);
    if (t.n || !none)
        ma_tab_text(out, &t, max_rows);
    else
        fprintf(out, "%s\n%s\n", t.desc->title, none);
    ma_tab_free(&t);
}

static void stat_text(FILE *out, const ma_report_ctx_t *rc, ma_stats_t *st, const char *filter)
{
    const ma_config_t *cfg = &ma_analysis_config(rc->an)->pairing;
    rule(out, "modbus_an transactions");
    fprintf(out, "delay_threshold %g s, response_timeout %g s%s%s\n", ma_secs(cfg->delay_threshold),
            ma_secs(cfg->response_timeout), filter && *filter ? ", filter: " : "", filter && *filter ? filter : "");
    ma_tab_t t;
    ma_sec_transactions(&t, rc, st ? st : rc->stats, true, true, true);
    ma_tab_text(out, &t, 0);
    ma_tab_free(&t);
    fprintf(out, "Answ/Late/Miss/UnEnd: request outcomes; Dlyd: response time > delay_threshold;\n"
                 "TidF: transaction-id faults; RT: response times in ms (p50/p95: nearest rank)\n");
}

static void polls_text(FILE *out, const ma_report_ctx_t *rc)
{
    rule(out, "modbus_an poll groups");
    const ma_regs_t *r = ma_analysis_regs(rc->an);
    const ma_regs_config_t *cfg = ma_regs_config(r);
    ma_tab_t t;
    unsigned oneoff = 0;
    ma_sec_polls(&t, rc, &oneoff);
    fprintf(out, "%u poll groups, %u one-off reads (polled < %u times, not listed); a gap: > %.1f x cadence and "
            "> %g s\n", t.n, oneoff, cfg->min_polls, MA_REGS_GAP_FACTOR, ma_secs(cfg->gap_min));
    if (ma_regs_groups_dropped(r))
        fprintf(out, "%" PRIu64 " polls of further groups not tracked (bound reached)\n", ma_regs_groups_dropped(r));
    if (t.n)
        ma_tab_text(out, &t, 30);
    ma_tab_free(&t);
    fputc('\n', out);
    table_text(out, ma_sec_poll_gaps, rc, 20, "none");
}

static void heartbeats_text(FILE *out, const ma_report_ctx_t *rc)
{
    rule(out, "modbus_an heartbeats");
    const ma_regs_config_t *cfg = ma_regs_config(ma_analysis_regs(rc->an));
    fprintf(out, "stalled after %u unchanged polls or > %g x cadence; auto-detection %s\n", cfg->stall_polls,
            cfg->stall_factor, cfg->auto_detect ? "on" : "off");
    table_text(out, ma_sec_heartbeats, rc, 30, "none");
    fputc('\n', out);
    table_text(out, ma_sec_stalls, rc, 30, "none");
}

static void registers_text(FILE *out, const ma_report_ctx_t *rc)
{
    rule(out, "modbus_an watched registers");
    table_text(out, ma_sec_registers, rc, 0, "none (define them in the modbus_an_registers UAT)");
    fputc('\n', out);
    table_text(out, ma_sec_register_changes, rc, 40, "none");
}

static void flows_text(FILE *out, const ma_report_ctx_t *rc)
{
    rule(out, "modbus_an flows");
    if (!ma_report_flows(rc)) {
        fprintf(out, "features are off (-o modbus_an.features:TRUE)\n");
        return;
    }
    table_text(out, ma_sec_flows, rc, 20, "none");
    fputc('\n', out);
    table_text(out, ma_sec_flow_pairs, rc, 20, "none");
}

static void connections_text(FILE *out, const ma_report_ctx_t *rc)
{
    rule(out, "modbus_an connections");
    ma_net_t *net = ma_analysis_net(rc->an);
    fprintf(out, "failed: RST from the server (Refus), or no SYN+ACK within %g s (Tmout)\n",
            ma_secs(ma_net_config(net)->connect_timeout));
    table_text(out, ma_sec_connections, rc, 0, "none");
    if (net && ma_net_conns_dropped(net))
        fprintf(out, "%" PRIu64 " further connections not tracked (bound reached)\n", ma_net_conns_dropped(net));
}

static void causes_text(FILE *out, const ma_report_ctx_t *rc)
{
    rule(out, "modbus_an causes");
    fprintf(out, "rules: docs/network.md; stp window %g s\n", ma_secs(ma_analysis_config(rc->an)->cause.stp_window));
    table_text(out, ma_sec_causes, rc, 0, "none");
    fputc('\n', out);
    table_text(out, ma_sec_slow, rc, 20, "none");
}

static void stp_text(FILE *out, const ma_report_ctx_t *rc)
{
    rule(out, "modbus_an Spanning Tree");
    const ma_stp_t *s = ma_analysis_stp(rc->an);
    const ma_stp_totals_t *t = ma_stp_totals(s);
    if (!t->bpdus) {
        fprintf(out, "no BPDU in the capture\n");
        return;
    }
    fprintf(out, "%" PRIu64 " BPDUs (%" PRIu64 " config, %" PRIu64 " RST/MST, %" PRIu64 " TCN, %" PRIu64
            " other), %u bridge ports, %u roots; events: %" PRIu64 " TC, %" PRIu64 " TCN, %" PRIu64 " root, %" PRIu64
            " role\n", t->bpdus, t->config, t->rst, t->tcn, t->other, t->speakers, t->roots, t->ev_tc, t->ev_tcn,
            t->ev_root, t->ev_role);
    table_text(out, ma_sec_stp_roots, rc, 0, "none");
    fputc('\n', out);
    table_text(out, ma_sec_stp_events, rc, 40, "none");
    if (t->events_dropped)
        fprintf(out, "%" PRIu64 " further events not listed (bound reached)\n", t->events_dropped);
}

static void topology_text(FILE *out, const ma_report_ctx_t *rc)
{
    rule(out, "modbus_an expected topology");
    table_text(out, ma_sec_topology, rc, 0, "no expectation (pcap_monitor_file or the modbus_an_expected UAT)");
}

#define SUMMARY_PROBLEMS 25

static void summary_text(FILE *out, const ma_report_ctx_t *rc)
{
    ma_capture_info_t ci;
    ma_capture_info(rc, &ci);
    ma_verdict_t v;
    ma_verdict_decide(rc, &v);
    char *line = ma_verdict_line(&v);
    char start[64];
    rule(out, "modbus_an summary");
    fprintf(out, "capture   %s\n", *rc->capture ? rc->capture : "(stdin)");
    if (ci.packets)
        fprintf(out, "span      %s, %.3f s\n", ma_time_when(ci.first, start, sizeof start), ma_secs(ci.last - ci.first));
    fprintf(out, "traffic   %" PRIu64 " packets, %" PRIu64 " Modbus PDUs (%" PRIu64 " requests), %" PRIu64
            " pairs, %" PRIu64 " units, %" PRIu64 " TCP connections, %" PRIu64 " BPDUs\n", ci.packets, ci.pdus,
            ci.requests, ci.pairs, ci.units, ci.connections, ci.bpdus);
    fprintf(out, "verdict   %s\n", line);
    g_free(line);
    ma_tab_t t;
    ma_sec_problems(&t, rc);
    if (!t.n) {
        const ma_row_t *tot = ma_stats_total(rc->stats);
        fprintf(out, "\nClean: %" PRIu64 " requests, all answered in time; no exception, transaction-id fault,\n"
                "connection failure, retransmission, heartbeat stall or Spanning Tree event.\n", tot->requests);
    } else {
        fputc('\n', out);
        ma_tab_text(out, &t, SUMMARY_PROBLEMS);
        fprintf(out, "Filters on request-side fields (missed, poll gaps) need tshark -2.\n");
    }
    ma_tab_free(&t);
    ma_verdict_free(&v);
    fprintf(out, "More: -z modbus_an,<stat|polls|heartbeats|registers|flows|connections|tcp|causes|stp|topology|json"
                 "|help>\n");
}

void ma_out_text(FILE *out, const char *name, const ma_report_ctx_t *rc, ma_stats_t *st, const char *filter)
{
    if (strcmp(name, "summary") == 0)
        summary_text(out, rc);
    else if (strcmp(name, "stat") == 0)
        stat_text(out, rc, st, filter);
    else if (strcmp(name, "polls") == 0)
        polls_text(out, rc);
    else if (strcmp(name, "heartbeats") == 0)
        heartbeats_text(out, rc);
    else if (strcmp(name, "registers") == 0)
        registers_text(out, rc);
    else if (strcmp(name, "flows") == 0)
        flows_text(out, rc);
    else if (strcmp(name, "connections") == 0)
        connections_text(out, rc);
    else if (strcmp(name, "tcp") == 0) {
        rule(out, "modbus_an TCP analysis");
        table_text(out, ma_sec_tcp, rc, 0, "none");
    } else if (strcmp(name, "causes") == 0)
        causes_text(out, rc);
    else if (strcmp(name, "stp") == 0)
        stp_text(out, rc);
    else if (strcmp(name, "topology") == 0)
        topology_text(out, rc);
}

/* ---- CSV ---- */

void ma_out_csv(FILE *out, const char *name, const ma_report_ctx_t *rc, ma_stats_t *st)
{
    ma_tab_t t;
    if (strcmp(name, "netcsv") == 0)
        ma_sec_network(&t, rc);
    else
        ma_sec_transactions(&t, rc, st ? st : rc->stats, true, true, false);
    ma_tab_csv(out, &t);
    ma_tab_free(&t);
}

/* ---- verdict ---- */

void ma_out_verdict(FILE *out, const ma_report_ctx_t *rc)
{
    ma_verdict_t v;
    ma_verdict_decide(rc, &v);
    char *line = ma_verdict_line(&v);
    fprintf(out, "%s\n", line);
    g_free(line);
    ma_verdict_free(&v);
}

/* ---- JSON ---- */

static void json_tab(ma_json_t *j, const char *key, void (*build)(ma_tab_t *, const ma_report_ctx_t *),
                     const ma_report_ctx_t *rc)
{
    ma_tab_t t;
    build(&t, rc);
    ma_json_key(j, key);
    ma_json_tab(j, &t);
    ma_tab_free(&t);
}

/* Each pair with its units, its topic and its network numbers. */
static void json_pairs(ma_json_t *j, const ma_report_ctx_t *rc)
{
    ma_tab_t pairs, units, net;
    ma_sec_pairs(&pairs, rc);
    ma_sec_units(&units, rc);
    ma_sec_network(&net, rc);
    ma_json_key(j, "pairs");
    ma_json_begin_array(j);
    for (unsigned i = 0; i < pairs.n; i++) {
        const ma_row_t *pr = pairs.rows[i];
        ma_json_begin_object(j);
        char *topic = ma_topic_pair(rc, pr->pair);
        ma_json_key(j, "topic");
        ma_json_string(j, topic);
        g_free(topic);
        ma_json_row(j, &pairs, i);
        ma_json_key(j, "units");
        ma_json_begin_array(j);
        for (unsigned k = 0; k < units.n; k++) {
            const ma_row_t *ur = units.rows[k];
            if (ur->pair != pr->pair)
                continue;
            ma_json_begin_object(j);
            ma_json_row(j, &units, k);
            ma_json_end_object(j);
        }
        ma_json_end_array(j);
        ma_json_key(j, "network");
        const ma_net_pair_t *np = NULL;
        for (unsigned k = 0; k < net.n && !np; k++)
            if (((const ma_net_pair_t *)net.rows[k])->pair == pr->pair)
                np = net.rows[k];
        if (np) {
            ma_json_begin_object(j);
            for (unsigned k = 0; k < net.n; k++)
                if (net.rows[k] == np)
                    ma_json_row(j, &net, k);
            ma_json_end_object(j);
        } else {
            ma_json_null(j);
        }
        ma_json_end_object(j);
    }
    ma_json_end_array(j);
    ma_tab_free(&pairs);
    ma_tab_free(&units);
    ma_tab_free(&net);
}

static void json_polls(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_sec_polls(t, rc, NULL);
}

void ma_out_json(FILE *out, const ma_report_ctx_t *rc)
{
    ma_json_t j;
    ma_json_init(&j, out);
    ma_capture_info_t ci;
    ma_capture_info(rc, &ci);
    ma_verdict_t v;
    ma_verdict_decide(rc, &v);
    const ma_analysis_config_t *cfg = ma_analysis_config(rc->an);

    ma_json_begin_object(&j);
    ma_json_key(&j, "schema_version");
    ma_json_uint(&j, MA_JSON_SCHEMA_VERSION);
    ma_json_key(&j, "generator");
    ma_json_string(&j, "modbus_an");

    ma_json_key(&j, "capture");
    ma_json_begin_object(&j);
    ma_json_key(&j, "file");
    ma_json_string(&j, rc->path);
    ma_json_key(&j, "name");
    ma_json_string(&j, rc->capture);
    ma_json_key(&j, "first_epoch");
    if (ci.packets) ma_json_time(&j, ci.first); else ma_json_null(&j);
    ma_json_key(&j, "last_epoch");
    if (ci.packets) ma_json_time(&j, ci.last); else ma_json_null(&j);
    ma_json_key(&j, "duration");
    ma_json_double(&j, ma_secs(ci.last - ci.first), 9);
    ma_json_key(&j, "packets");
    ma_json_uint(&j, ci.packets);
    ma_json_key(&j, "modbus_pdus");
    ma_json_uint(&j, ci.pdus);
    ma_json_key(&j, "requests");
    ma_json_uint(&j, ci.requests);
    ma_json_key(&j, "pairs");
    ma_json_uint(&j, ci.pairs);
    ma_json_key(&j, "units");
    ma_json_uint(&j, ci.units);
    ma_json_key(&j, "connections");
    ma_json_uint(&j, ci.connections);
    ma_json_key(&j, "bpdus");
    ma_json_uint(&j, ci.bpdus);
    ma_json_end_object(&j);

    ma_json_key(&j, "config");
    ma_json_begin_object(&j);
    ma_json_key(&j, "delay_threshold");
    ma_json_double(&j, ma_secs(cfg->pairing.delay_threshold), 9);
    ma_json_key(&j, "response_timeout");
    ma_json_double(&j, ma_secs(cfg->pairing.response_timeout), 9);
    ma_json_key(&j, "connect_timeout");
    ma_json_double(&j, ma_secs(cfg->net.connect_timeout), 9);
    ma_json_key(&j, "retry_window");
    ma_json_double(&j, ma_secs(cfg->net.retry_window), 9);
    ma_json_key(&j, "stp_window");
    ma_json_double(&j, ma_secs(cfg->cause.stp_window), 9);
    ma_json_key(&j, "report_after");
    if (cfg->report_after) ma_json_time(&j, cfg->report_after); else ma_json_null(&j);
    ma_json_key(&j, "hb_stall_polls");
    ma_json_uint(&j, cfg->regs.stall_polls);
    ma_json_key(&j, "hb_stall_factor");
    ma_json_double(&j, cfg->regs.stall_factor, -1);
    ma_json_key(&j, "hb_auto");
    ma_json_bool(&j, cfg->regs.auto_detect);
    ma_json_key(&j, "poll_gap_min");
    ma_json_double(&j, ma_secs(cfg->regs.gap_min), 9);
    ma_json_key(&j, "poll_min_polls");
    ma_json_uint(&j, cfg->regs.min_polls);
    ma_json_end_object(&j);

    ma_json_key(&j, "verdict");
    ma_json_begin_object(&j);
    ma_json_key(&j, "decision");
    ma_json_string(&j, v.keep ? "keep" : "discard");
    ma_json_key(&j, "reasons");
    ma_json_begin_array(&j);
    for (guint i = 0; i < v.list->len; i++)
        ma_json_string(&j, g_ptr_array_index(v.list, i));
    ma_json_end_array(&j);
    char *line = ma_verdict_line(&v);
    ma_json_key(&j, "line");
    ma_json_string(&j, line);
    g_free(line);
    ma_json_end_object(&j);

    ma_json_key(&j, "summary");
    ma_json_begin_object(&j);
    char *topic = ma_topic_summary(rc);
    ma_json_key(&j, "topic");
    ma_json_string(&j, topic);
    g_free(topic);
    ma_json_key(&j, "verdict");
    ma_json_string(&j, v.keep ? "keep" : "discard");
    ma_json_key(&j, "total");
    ma_json_begin_object(&j);
    {
        ma_tab_t tot;
        ma_tab_init(&tot, &ma_desc_transactions, rc, rc->t0);
        ma_tab_add(&tot, ma_stats_total(rc->stats));
        ma_json_row(&j, &tot, 0);
        ma_tab_free(&tot);
    }
    ma_json_end_object(&j);
    json_tab(&j, "problems", ma_sec_problems, rc);
    ma_json_end_object(&j);

    json_pairs(&j, rc);
    json_tab(&j, "pair_network", ma_sec_network, rc);
    json_tab(&j, "polls", json_polls, rc);
    {
        unsigned oneoff = 0;
        ma_tab_t t;
        ma_sec_polls(&t, rc, &oneoff);
        ma_tab_free(&t);
        ma_json_key(&j, "one_off_reads");
        ma_json_uint(&j, oneoff);
    }
    json_tab(&j, "poll_gaps", ma_sec_poll_gaps, rc);
    json_tab(&j, "heartbeats", ma_sec_heartbeats, rc);
    json_tab(&j, "stalls", ma_sec_stalls, rc);
    json_tab(&j, "registers", ma_sec_registers, rc);
    json_tab(&j, "register_changes", ma_sec_register_changes, rc);
    json_tab(&j, "connections", ma_sec_connection_list, rc);
    json_tab(&j, "causes", ma_sec_causes, rc);
    json_tab(&j, "slow_requests", ma_sec_slow, rc);
    json_tab(&j, "topology", ma_sec_topology, rc);
    json_tab(&j, "flows", ma_sec_flows, rc);
    json_tab(&j, "flow_pairs", ma_sec_flow_pairs, rc);
    ma_json_key(&j, "stp");
    ma_json_begin_object(&j);
    {
        const ma_stp_totals_t *t = ma_stp_totals(ma_analysis_stp(rc->an));
        ma_json_key(&j, "bpdus");
        ma_json_uint(&j, t->bpdus);
        ma_json_key(&j, "topology_changes");
        ma_json_uint(&j, t->ev_tc);
        ma_json_key(&j, "tcn");
        ma_json_uint(&j, t->ev_tcn);
        ma_json_key(&j, "root_changes");
        ma_json_uint(&j, t->ev_root);
        ma_json_key(&j, "role_changes");
        ma_json_uint(&j, t->ev_role);
        static const char *const names[] = {"config", "rst", "tcn_bpdus", "other", "tc_flagged", "tca_flagged",
                                            "repeats", "speakers", "root_ids", "events_dropped"};
        const uint64_t vals[] = {t->config, t->rst, t->tcn, t->other, t->tc_flagged, t->tca_flagged, t->repeats,
                                 t->speakers, t->roots, t->events_dropped};
        for (unsigned i = 0; i < G_N_ELEMENTS(names); i++) {
            ma_json_key(&j, names[i]);
            ma_json_uint(&j, vals[i]);
        }
    }
    json_tab(&j, "roots", ma_sec_stp_roots, rc);
    json_tab(&j, "events", ma_sec_stp_events, rc);
    ma_json_end_object(&j);
    ma_json_end_object(&j);
    fputc('\n', out);
    ma_verdict_free(&v);
}
