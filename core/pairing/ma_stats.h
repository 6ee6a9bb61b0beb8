/* ma_stats.h - per pair / per unit aggregation of modbus_an results
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Shared by the tshark table (-z modbus_an,stat / csv) and the GUI table, so
 * both print the same numbers. Rows are keyed by (pair, unit); unit
 * MA_UNIT_ALL is the pair's total row. Percentiles are exact nearest-rank
 * values (rank ceil(p/100 * n) of the sorted samples), kept incrementally
 * with two heaps per percentile, so a row is correct after every update.
 */
#ifndef MA_STATS_H
#define MA_STATS_H

#include "ma_core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MA_UNIT_ALL 0xFFFFu

/* Exact nearest-rank quantiles of one set of values: the values are kept
 * once (8 bytes each) and a rank is selected when asked for (O(n)); the
 * last two ranks asked are remembered until the next add (a report asks
 * for p50 and p95 of each row, a sort by p95 asks again). */
/* A multiset of values, or the union of other quantiles' (an aggregate:
 * ma_quantile_link), whose values are then kept once, by their parts. */
typedef struct ma_quantile {
    double  *v;            /* own values (not an aggregate's) */
    size_t   n, cap;       /* values (an aggregate: of all its parts), room in v */
    size_t   k_sel[2];     /* 1-based ranks selected since the last add, 0: none */
    double   v_sel[2];     /* their values */
    struct ma_quantile *up[2];   /* the aggregates this one is a part of */
    struct ma_quantile **parts;  /* an aggregate's parts */
    unsigned nparts, cap_parts;
} ma_quantile_t;

void ma_quantile_init(ma_quantile_t *q);
void ma_quantile_add(ma_quantile_t *q, double v);
/* Make part's values (present and to come) count in agg too, which then
 * adds none of its own; a part is in at most two aggregates. */
void ma_quantile_link(ma_quantile_t *part, ma_quantile_t *agg);
/* The pct-th percentile (1..100, nearest rank: the ceil(pct * n / 100)-th
 * smallest value); NAN when empty. */
double ma_quantile_value(const ma_quantile_t *q, unsigned pct);
void ma_quantile_clear(ma_quantile_t *q);

typedef struct ma_row {
    const ma_pair_t *pair;   /* NULL for the TOTAL row */
    unsigned unit;           /* 0..255 or MA_UNIT_ALL */
    uint64_t requests, responses;
    uint64_t answered, missed, late, unanswered_at_end;
    uint64_t delayed, exceptions, orphans, duplicates, ambiguous;
    uint64_t malformed, retransmitted;
    uint64_t tid_reuse, tid_mismatch; /* requests reusing an outstanding id; orphans fitting one */
    uint64_t rt_n;                   /* matched responses (answered + late) */
    ma_ns_t  rt_min, rt_max, rt_sum; /* response times in ns, exact */
    ma_quantile_t rt;                /* response times in ns (p50, p95) */
} ma_row_t;

typedef struct ma_stats ma_stats_t;

ma_stats_t *ma_stats_new(void);
void ma_stats_free(ma_stats_t *st);
void ma_stats_reset(ma_stats_t *st);

/* Count one PDU result. A request is counted with its transaction's
 * outcome (which must be final: call after ma_core_finalize); a response
 * counts responses, exceptions, orphans, duplicates and ambiguity. The
 * response time of a transaction is counted with its request. */
void ma_stats_add(ma_stats_t *st, const ma_pdu_t *pdu);

/* The pair row and the (pair, unit) row a PDU result counts in (created if
 * needed); the GUI updates just these after ma_stats_add. */
void ma_stats_rows_of(ma_stats_t *st, const ma_pdu_t *pdu, ma_row_t **pair_row, ma_row_t **unit_row);

/* Rows in a stable order: for each pair (by first appearance) the pair row
 * then its units ascending; the TOTAL row is separate. */
unsigned ma_stats_nrows(ma_stats_t *st);
const ma_row_t *ma_stats_row(ma_stats_t *st, unsigned i);
const ma_row_t *ma_stats_total(const ma_stats_t *st);

/* Response-time average in seconds; NAN when no sample. */
double ma_row_rt_avg(const ma_row_t *r);

#ifdef __cplusplus
}
#endif

#endif /* MA_STATS_H */
