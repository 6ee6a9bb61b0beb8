/* ma_feat_stats.h - statistics of the feature engine (internal to core/)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Entropy with a table of log2, window summaries, and the outlier
 * histories (docs/features.md, Outliers). Used by ma_feat.c only.
 */
#ifndef MA_FEAT_STATS_H
#define MA_FEAT_STATS_H

#include "ma_feat.h"

/* Fill the log2 table once (thread-safe); before h256_entropy. */
void ma_log2tab_init(void);

/* A byte-value histogram with the set of values present, so that the
 * entropy visits only those, in increasing byte value (docs/features.md). */
typedef struct {
    uint16_t count[256];
    uint64_t present[4];
} hist256_t;

static inline void h256_add(hist256_t *h, uint8_t b)
{
    if (h->count[b]++ == 0)
        h->present[b >> 6] |= UINT64_C(1) << (b & 63);
}

static inline void h256_sub(hist256_t *h, uint8_t b)
{
    if (--h->count[b] == 0)
        h->present[b >> 6] &= ~(UINT64_C(1) << (b & 63));
}

/* Entropy (bits) of the n bytes counted in h (n < 65536). */
double ma_h256_entropy(const hist256_t *h, uint32_t n);

/* mean, population std, min, max of n values in x[0..n) (chronological). */
typedef struct { double mean, std, min, max; } summary_t;

summary_t ma_summarize(const double *x, unsigned n);

/* ---- outlier history: ring plus a sorted copy for quartiles ------------- */

/* The last n <= MA_FEAT_HIST values of a metric, in arrival order (a ring
 * from head) and sorted. Storage grows with n (2, 4, 8, ... MA_FEAT_HIST
 * entries), so a short connection does not pay for a full history; an
 * integer metric (lengths, times in ns) keeps its integers only and
 * converts on reading, a real one (entropies) its doubles. */
typedef struct {
    unsigned n, head, cap;   /* head: index of the oldest while n == cap */
    bool     integer;
    double  *sorted;         /* n values ascending (as doubles) */
    double  *v;              /* !integer: the ring */
    int64_t *iv;             /* integer: the ring */
    /* Integer metrics keep exact sums: the z-score is then
     * (n x - S1) / sqrt(n S2 - S1^2) with one rounding, and a constant
     * history has exactly zero variance. Values beyond 2^40 make the sums
     * unsafe in 128 bits: `big` counts them in the history and the
     * two-pass formula on doubles is used while any is there. */
    int64_t  s1;
    __int128 s2;
    unsigned big;
} hist_t;

#define HIST_INT_MAX (INT64_C(1) << 40)

/* A new empty history of an integer or a real metric; ma_hist_free. */
hist_t *ma_hist_new(bool integer);
void ma_hist_free(hist_t *h);

/* Judge x against the history (sets the metric's z, sigma, iqr and
 * presence in r once it holds MA_FEAT_HIST_MIN values), then add it. */
void ma_hist_judge_add(hist_t *h, double x, ma_feat_rec_t *r, ma_out_metric_t m);
/* The same for an integer metric xi (value xi / div), with exact sums;
 * div is the same on every call for one history. */
void ma_hist_judge_add_int(hist_t *h, int64_t xi, double div, ma_feat_rec_t *r, ma_out_metric_t m);

#endif /* MA_FEAT_STATS_H */
