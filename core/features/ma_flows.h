/* ma_flows.h - per-flow and per-pair summaries of the feature windows
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Aggregates the per-PDU features (core/ma_feat.h) for the statistics
 * output: per TCP connection its session features and timing regularity,
 * per pair the peaks of its 60 s windows. Plain C, no epan types.
 */
#ifndef MA_FLOWS_H
#define MA_FLOWS_H

#include <glib.h>
#include <stdio.h>

#include "ma_feat.h"

typedef struct ma_flow_sum {
    uint32_t stream;
    char    *pair;
    uint64_t pdus, invalid, strong, iqr;
    ma_ns_t  first, last;
    double   periodicity_sum;  /* over PDUs whose IAT window was full */
    uint64_t periodicity_n;
    double   pairing;          /* session_pairing_ratio of the last PDU */
    uint8_t  dominant;         /* session_dominant_function_code of the last PDU */
} ma_flow_sum_t;

typedef struct ma_pairwin_sum {
    char    *pair;
    uint64_t pdus;
    double   max_packets_60s, max_intensity, max_violation, max_units, max_src_ips;
} ma_pairwin_sum_t;

typedef struct ma_flows ma_flows_t;

ma_flows_t *ma_flows_new(void);
void ma_flows_free(ma_flows_t *fl);
void ma_flows_reset(ma_flows_t *fl);

/* Add one PDU's features (capture order); returns its flow's summary.
 * pair may be NULL. */
const ma_flow_sum_t *ma_flows_add(ma_flows_t *fl, uint32_t stream, const char *pair, ma_ns_t ts,
                                  const ma_feat_t *f);

/* Flows sorted by mean periodicity (lowest first; flows without a full
 * inter-arrival window last, by stream), and pairs in order of appearance. */
GPtrArray *ma_flows_sorted(ma_flows_t *fl);   /* of ma_flow_sum_t*, owned by fl */
GPtrArray *ma_flows_pairs(ma_flows_t *fl);    /* of ma_pairwin_sum_t*, owned by fl */

/* Mean periodicity of a flow, or NAN without a full window. */
double ma_flow_periodicity(const ma_flow_sum_t *s);

#endif /* MA_FLOWS_H */
