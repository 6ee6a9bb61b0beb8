/* sec_flows.c - the feature tables: per flow (TCP connection) and per pair
 * (peaks of the 60 s windows)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Definitions: docs/features.md (core/features/ma_feat.h); aggregation:
 * ma_flows.h.
 */
#include "ma_sections.h"

#include <glib.h>
#include <math.h>

#define G(name, T, body) \
    static void name(const void *row, const void *ctx, ma_cell_t *o) { const T *r = row; (void)ctx; body; }

G(fl_stream, ma_flow_sum_t, o->v.u = r->stream)
G(fl_pair, ma_flow_sum_t, o->v.s = r->pair)
G(fl_pdus, ma_flow_sum_t, o->v.u = r->pdus)
G(fl_first, ma_flow_sum_t, o->v.ns = r->first)
G(fl_dur, ma_flow_sum_t, o->v.ns = r->last - r->first)
G(fl_fc, ma_flow_sum_t, o->v.u = r->dominant)
G(fl_pairing, ma_flow_sum_t, o->v.d = r->pairing)
G(fl_per, ma_flow_sum_t, o->v.d = ma_flow_periodicity(r); if (isnan(o->v.d)) o->null = true)
G(fl_invalid, ma_flow_sum_t, o->v.d = r->pdus ? (double)r->invalid / (double)r->pdus : 0)
G(fl_strong, ma_flow_sum_t, o->v.u = r->strong)
G(fl_iqr, ma_flow_sum_t, o->v.u = r->iqr)

static const ma_col_t flow_cols[] = {
    {"stream", "Stream", MA_CT_COUNT, 0, 0, 0, "tcp.stream", fl_stream},
    {"pair", "Pair", MA_CT_TEXT, 0, 0, 34, "client_ip -> server_ip:port", fl_pair},
    {"pdus", "PDUs", MA_CT_COUNT, 0, 0, 0, "Modbus PDUs", fl_pdus},
    {"first_time", NULL, MA_CT_TIME, 0, 0, 0, "time of its first PDU", fl_first},
    {"duration", "Dur s", MA_CT_DURATION, 3, 0, 0, "session_duration at its last PDU (s)", fl_dur},
    {"dominant_fc", "FC", MA_CT_COUNT, 0, 0, 0, "session_dominant_function_code", fl_fc},
    {"pairing_ratio", "Pairing", MA_CT_REAL, 4, 0, 0, "session_pairing_ratio", fl_pairing},
    {"periodicity", "Period.", MA_CT_REAL, 4, 0, 0, "mean periodicity_score over its full windows", fl_per},
    {"invalid_share", "Invalid", MA_CT_REAL, 4, 0, 0, "share of PDUs failing validation", fl_invalid},
    {"outliers_3sigma", "3sigma", MA_CT_COUNT, 0, 0, 0, "PDUs with a metric beyond 3 sigma", fl_strong},
    {"outliers_iqr", "IQR", MA_CT_COUNT, 0, 0, 0, "PDUs with a metric outside the IQR fences", fl_iqr},
};

const ma_tab_desc_t ma_desc_flows = {"flows", "Flows (TCP connections), lowest periodicity first", flow_cols,
                                     G_N_ELEMENTS(flow_cols)};

void ma_sec_flows(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_flows, rc, rc->t0);
    ma_flows_t *fl = ma_report_flows(rc);
    if (!fl)
        return;
    GPtrArray *sorted = ma_flows_sorted(fl);
    for (guint i = 0; i < sorted->len; i++)
        ma_tab_add(t, g_ptr_array_index(sorted, i));
}

G(fp_pair, ma_pairwin_sum_t, o->v.s = r->pair)
G(fp_pdus, ma_pairwin_sum_t, o->v.u = r->pdus)
G(fp_p60, ma_pairwin_sum_t, o->v.d = r->max_packets_60s)
G(fp_int, ma_pairwin_sum_t, o->v.d = r->max_intensity)
G(fp_viol, ma_pairwin_sum_t, o->v.d = r->max_violation)
G(fp_units, ma_pairwin_sum_t, o->v.d = r->max_units)
G(fp_srcs, ma_pairwin_sum_t, o->v.d = r->max_src_ips)

static const ma_col_t fpair_cols[] = {
    {"pair", "Pair", MA_CT_TEXT, 0, 0, 40, "client_ip -> server_ip:port", fp_pair},
    {"pdus", "PDUs", MA_CT_COUNT, 0, 0, 0, "Modbus PDUs", fp_pdus},
    {"max_pdus_60s", "Max/60s", MA_CT_REAL, 0, 0, 0, "peak PDUs in a 60 s window", fp_p60},
    {"max_packets_per_s", "Max pkt/s", MA_CT_REAL, 3, 0, 0, "peak traffic_intensity", fp_int},
    {"max_violation_rate", "Max viol.", MA_CT_REAL, 4, 0, 0, "peak protocol-violation rate in 60 s", fp_viol},
    {"max_unit_ids", "Units", MA_CT_REAL, 0, 0, 0, "peak distinct unit ids in 60 s", fp_units},
    {"max_src_ips", "Srcs", MA_CT_REAL, 0, 0, 0, "peak distinct source IPs in 60 s", fp_srcs},
};

const ma_tab_desc_t ma_desc_flow_pairs = {"flow_pairs", "Pairs: peaks of the 60 s sliding window", fpair_cols,
                                          G_N_ELEMENTS(fpair_cols)};

void ma_sec_flow_pairs(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_flow_pairs, rc, rc->t0);
    ma_flows_t *fl = ma_report_flows(rc);
    if (!fl)
        return;
    GPtrArray *p = ma_flows_pairs(fl);
    for (guint i = 0; i < p->len; i++)
        ma_tab_add(t, g_ptr_array_index(p, i));
}
