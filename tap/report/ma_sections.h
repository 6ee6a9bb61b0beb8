/* ma_sections.h - every table of modbus_an's reports, built from a final analysis
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each section of the reports is one or more tables (ma_table.h): the one
 * description each has is what the text output (-z modbus_an,<section>),
 * the CSV outputs, the JSON document, the SQLite database and the GUI
 * tables are made of. Builders fill a table from a final analysis
 * (core/ma_analysis.h); rows point into the analysis or are owned by the
 * table. Everything respects the analysis's report_after (context frames
 * are not reported). Plain C (no epan types).
 */
#ifndef MA_SECTIONS_H
#define MA_SECTIONS_H

#include "ma_analysis.h"
#include "ma_flows.h"
#include "ma_stats.h"
#include "ma_table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* When a capture is worth keeping (ma_summary.c; preferences verdict_*):
 * keep when any count exceeds its limit or a flag is set. */
typedef struct ma_verdict_config {
    uint64_t max_missed;        /* keep: missed > this */
    uint64_t max_delayed;       /* keep: delayed > this */
    uint64_t max_failed_conns;  /* keep: refused + timed-out attempts + session resets > this */
    uint64_t max_tid_faults;    /* keep: tid reuse + mismatch > this */
    double   max_retrans_pct;   /* keep: retransmitted segments > this % of the Modbus connections' segments */
    bool     stalls;            /* keep: a heartbeat stalled */
    bool     stp;               /* keep: a Spanning Tree event */
} ma_verdict_config_t;

void ma_verdict_config_defaults(ma_verdict_config_t *v);

/* What every builder needs. */
typedef struct ma_report_ctx {
    const ma_analysis_t *an;
    ma_ns_t              t0;         /* capture start (relative times) */
    const char          *capture;    /* file name without directories ("" if unknown) */
    const char          *path;       /* as given */
    uint64_t             packets;    /* frames read (reported ones) */
    ma_stats_t          *stats;      /* every reported PDU, per pair and unit */
    ma_flows_t          *flows;      /* feature summaries, found or built on first use (ma_report_flows) */
    bool                 flows_built;
    bool                 flows_owned; /* built here from the kept records, not the analysis's */
    ma_verdict_config_t  verdict;
} ma_report_ctx_t;

/* The feature summaries (features on), else NULL; built on first use. */
ma_flows_t *ma_report_flows(const ma_report_ctx_t *rc);

/* A context for a final analysis (stats and flows built here). */
void ma_report_ctx_init(ma_report_ctx_t *rc, const ma_analysis_t *an, const char *capture_path,
                        const ma_verdict_config_t *verdict);
void ma_report_ctx_free(ma_report_ctx_t *rc);

/* ---- transactions (sec_txn.c) ---- */

/* Per pair (unit "*"), per (pair, unit) and TOTAL: the rows of ma_stats.
 * worst_first: pairs (and units within them) with the most missed, late,
 * delayed, exceptions first; else in order of first appearance. */
extern const ma_tab_desc_t ma_desc_transactions;
void ma_sec_transactions(ma_tab_t *t, const ma_report_ctx_t *rc, ma_stats_t *st, bool units, bool total,
                         bool worst_first);
/* Only the pair rows / only the unit rows (JSON, SQLite). */
void ma_sec_pairs(ma_tab_t *t, const ma_report_ctx_t *rc);
void ma_sec_units(ma_tab_t *t, const ma_report_ctx_t *rc);
/* Every reported PDU of the analysis counted into st. */
void ma_stats_of_analysis(ma_stats_t *st, const ma_analysis_t *an);

/* One row per reported request (retransmissions excluded), in capture order. */
extern const ma_tab_desc_t ma_desc_requests;
void ma_sec_requests(ma_tab_t *t, const ma_report_ctx_t *rc);

/* One row per reported orphan response. */
extern const ma_tab_desc_t ma_desc_orphans;
void ma_sec_orphans(ma_tab_t *t, const ma_report_ctx_t *rc);

/* The delayed, late and missed requests with their cause, worst first. */
extern const ma_tab_desc_t ma_desc_slow;
void ma_sec_slow(ma_tab_t *t, const ma_report_ctx_t *rc);

/* ---- registers (sec_regs.c) ---- */

/* Poll groups (one-off reads excluded: *oneoff gets their number), worst
 * first (stopped, most missed polls). */
extern const ma_tab_desc_t ma_desc_polls, ma_desc_poll_gaps;
void ma_sec_polls(ma_tab_t *t, const ma_report_ctx_t *rc, unsigned *oneoff);
void ma_sec_poll_gaps(ma_tab_t *t, const ma_report_ctx_t *rc);

extern const ma_tab_desc_t ma_desc_heartbeats, ma_desc_stalls;
void ma_sec_heartbeats(ma_tab_t *t, const ma_report_ctx_t *rc);
void ma_sec_stalls(ma_tab_t *t, const ma_report_ctx_t *rc);

extern const ma_tab_desc_t ma_desc_registers, ma_desc_register_changes;
void ma_sec_registers(ma_tab_t *t, const ma_report_ctx_t *rc);
void ma_sec_register_changes(ma_tab_t *t, const ma_report_ctx_t *rc);

/* ---- network (sec_net.c) ---- */

/* Per pair: connections; TCP analysis and capture duplicates; causes. */
extern const ma_tab_desc_t ma_desc_connections, ma_desc_tcp, ma_desc_causes;
void ma_sec_connections(ma_tab_t *t, const ma_report_ctx_t *rc);
void ma_sec_tcp(ma_tab_t *t, const ma_report_ctx_t *rc);
void ma_sec_causes(ma_tab_t *t, const ma_report_ctx_t *rc);
/* The three per pair side by side (-z modbus_an,netcsv). */
const ma_tab_desc_t *ma_desc_network(void);
void ma_sec_network(ma_tab_t *t, const ma_report_ctx_t *rc);
/* One row per TCP connection. */
extern const ma_tab_desc_t ma_desc_connection_list;
void ma_sec_connection_list(ma_tab_t *t, const ma_report_ctx_t *rc);
/* The expected topology (pcap_monitor.json / UAT), and unexpected pairs. */
extern const ma_tab_desc_t ma_desc_topology;
void ma_sec_topology(ma_tab_t *t, const ma_report_ctx_t *rc);

/* Spanning Tree: the root per VLAN; the events (a TC event is an episode:
 * its start, its end - the last BPDU that kept the flag set - and its
 * BPDUs). */
extern const ma_tab_desc_t ma_desc_stp_roots, ma_desc_stp_events;
void ma_sec_stp_roots(ma_tab_t *t, const ma_report_ctx_t *rc);
void ma_sec_stp_events(ma_tab_t *t, const ma_report_ctx_t *rc);

/* ---- features (sec_flows.c) ---- */

/* One row per TCP connection with Modbus, lowest mean periodicity first;
 * one per pair with the peaks of its 60 s windows. Empty with features off. */
extern const ma_tab_desc_t ma_desc_flows, ma_desc_flow_pairs;
void ma_sec_flows(ma_tab_t *t, const ma_report_ctx_t *rc);
void ma_sec_flow_pairs(ma_tab_t *t, const ma_report_ctx_t *rc);

/* ---- summary (ma_summary.c) ---- */

/* The problems of a capture, worst first: what, where, how many, the first
 * frame, and where the detail is (a -z name and a display filter). */
extern const ma_tab_desc_t ma_desc_problems;
void ma_sec_problems(ma_tab_t *t, const ma_report_ctx_t *rc);

/* The verdict: keep (with its reasons) or discard. */
typedef struct ma_verdict {
    bool     keep;
    GString *reasons;   /* "missed 3, delayed 12" or "clean" */
    GPtrArray *list;    /* of char*: each reason */
} ma_verdict_t;

void ma_verdict_decide(const ma_report_ctx_t *rc, ma_verdict_t *v);
void ma_verdict_free(ma_verdict_t *v);
/* "keep: missed 3, delayed 12" or "discard: clean" */
char *ma_verdict_line(const ma_verdict_t *v);

/* Capture totals for the summary, JSON and SQLite. */
typedef struct ma_capture_info {
    ma_ns_t  first, last;
    uint64_t packets, pdus, requests, pairs, units, connections, bpdus;
} ma_capture_info_t;
void ma_capture_info(const ma_report_ctx_t *rc, ma_capture_info_t *ci);

/* The topics the engineers publish on (seeds: the field note). */
char *ma_topic_summary(const ma_report_ctx_t *rc);
char *ma_topic_pair(const ma_report_ctx_t *rc, const ma_pair_t *pair);

#ifdef __cplusplus
}
#endif

#endif /* MA_SECTIONS_H */
