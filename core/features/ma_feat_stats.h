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
    /* no branch: whether b is new is a coin toss for the predictor */
    h->count[b]++;
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
 * entries), so a short connection does not pay for a full history. Values
 * are integers (lengths, times in ns, entropies in units of 2^-52: see
 * ma_hist_judge_add_entropy) converted on reading. */
typedef struct {
    unsigned n, head, cap;   /* head: index of the oldest while n == cap */
    double  *sorted;         /* n values ascending (as doubles) */
    int64_t *iv;             /* the ring */
    /* Exact sums: the z-score is (n x - S1) / sqrt(n S2 - S1^2) with one
     * rounding, and a constant history has exactly zero variance. Values
     * beyond HIST_INT_MAX would make the sums unsafe in 128 bits: `big`
     * counts them in the history and the two-pass formula on doubles is
     * used while any is there. */
    int64_t  s1;
    __int128 s2;
    unsigned big;
} hist_t;

/* |x| <= 2^55 and n <= 2^7: |S1| <= 2^62 (int64), S2 and n S2 <= 2^117,
 * S1^2 <= 2^124, all below 2^127. */
#define HIST_INT_MAX (INT64_C(1) << 55)

/* A new empty history; ma_hist_free. */
hist_t *ma_hist_new(void);
void ma_hist_free(hist_t *h);

/* Judge the metric's value xi / div against the history (sets the metric's
 * z, sigma, iqr and presence in r once it holds MA_FEAT_HIST_MIN values),
 * then add it; div is the same on every call for one history. */
void ma_hist_judge_add_int(hist_t *h, int64_t xi, double div, ma_feat_rec_t *r, ma_out_metric_t m);

/* The same for an entropy x (bits, 0..8) in units of 2^-52: exact for
 * x >= 1 (a double there is a multiple of 2^-52), within 2^-53 below,
 * so z has the exact sums' single rounding instead of 200 additions'. */
void ma_hist_judge_add_entropy(hist_t *h, double x, ma_feat_rec_t *r, ma_out_metric_t m);

#endif /* MA_FEAT_STATS_H */
