/* ma_feat_stats.c - statistics of the feature engine (see ma_feat_stats.h)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_feat_stats.h"

#include <glib.h>
#include <math.h>
#include <string.h>

/* ---- small statistics ---------------------------------------------------- */

/* log2 of 0..65535 (log2tab[0] unused), filled once. */
static double log2tab[65536];

void ma_log2tab_init(void)
{
    static gsize done = 0;
    if (g_once_init_enter(&done)) {
        for (unsigned k = 1; k < 65536; k++)
            log2tab[k] = log2((double)k);
        g_once_init_leave(&done, 1);
    }
}


/* H = -sum q log2 q with log2 q = log2 c - log2 n (n < 65536). */
double ma_h256_entropy(const hist256_t *h, uint32_t n)
{
    if (n == 0)
        return 0.0;
    double h_ = 0.0, ln = log2tab[n], dn = (double)n;
    for (unsigned w = 0; w < 4; w++) {
        uint64_t bits = h->present[w];
        while (bits) {
            unsigned b = (w << 6) | (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            uint16_t c = h->count[b];
            h_ -= ((double)c / dn) * (log2tab[c] - ln);
        }
    }
    return h_;
}

double ma_feat_entropy(const uint8_t *p, uint32_t n)
{
    if (n == 0)
        return 0.0;
    if (n < 65536) {
        ma_log2tab_init();
        hist256_t h;
        memset(&h, 0, sizeof h);
        for (uint32_t i = 0; i < n; i++)
            h256_add(&h, p[i]);
        return ma_h256_entropy(&h, n);
    }
    uint32_t *big = g_new0(uint32_t, 256);
    for (uint32_t i = 0; i < n; i++)
        big[p[i]]++;
    double h = 0.0;
    for (unsigned b = 0; b < 256; b++) {
        if (big[b]) {
            double q = (double)big[b] / (double)n;
            h -= q * log2(q);
        }
    }
    g_free(big);
    return h;
}

double ma_feat_quantile_sorted(const double *s, unsigned n, double p)
{
    if (n == 0)
        return 0.0;
    double pos = (double)(n - 1) * p;
    unsigned lo = (unsigned)floor(pos);
    if (lo + 1 >= n)
        return s[n - 1];
    double frac = pos - (double)lo;
    return s[lo] + (s[lo + 1] - s[lo]) * frac;
}


summary_t ma_summarize(const double *x, unsigned n)
{
    summary_t s = {0, 0, 0, 0};
    if (n == 0)
        return s;
    double sum = 0.0;
    s.min = s.max = x[0];
    for (unsigned i = 0; i < n; i++) {
        sum += x[i];
        if (x[i] < s.min)
            s.min = x[i];
        if (x[i] > s.max)
            s.max = x[i];
    }
    s.mean = sum / n;
    double ss = 0.0;
    for (unsigned i = 0; i < n; i++)
        ss += (x[i] - s.mean) * (x[i] - s.mean);
    s.std = sqrt(ss / n);
    return s;
}


/* ---- outlier history: ring plus a sorted copy for quartiles ------------- */

#define HIST_CAP0 2u
G_STATIC_ASSERT(MA_FEAT_HIST <= 128); /* HIST_INT_MAX's bounds */

hist_t *ma_hist_new(void)
{
    return g_new0(hist_t, 1);
}

void ma_hist_free(hist_t *h)
{
    if (!h)
        return;
    g_free(h->sorted);
    g_free(h);
}

/* Room for one more value while the history is not full: the ring has not
 * wrapped yet (head 0), so growing copies n entries of each array. */
static void hist_grow(hist_t *h)
{
    unsigned cap = h->cap ? MIN(h->cap * 2, MA_FEAT_HIST) : HIST_CAP0;
    double *buf = g_malloc((size_t)cap * 2 * sizeof(double));
    double *ring = buf + cap;
    if (h->n) {
        memcpy(buf, h->sorted, h->n * sizeof(double));
        memcpy(ring, h->iv, h->n * sizeof(int64_t));
    }
    g_free(h->sorted);
    h->sorted = buf;
    h->iv = (int64_t *)(void *)ring;
    h->cap = cap;
}

/* The history oldest first, as doubles (xi / div, the value its metric
 * had when added). */
static void hist_linear(const hist_t *h, double div, double *out)
{
    /* two runs: head..cap, then 0.. (the ring wraps only when full) */
    unsigned first = h->n < h->cap - h->head ? h->n : h->cap - h->head;
    unsigned rest = h->n - first;
    const int64_t *a = h->iv + h->head;
    for (unsigned i = 0; i < first; i++)
        out[i] = (double)a[i] / div;
    for (unsigned i = 0; i < rest; i++)
        out[first + i] = (double)h->iv[i] / div;
}

/* The first position of s[0..n) (ascending) whose value is >= x: halving
 * without a data-dependent branch (a compare and a conditional move per
 * step): a new value lands anywhere in the history, so a branch there is
 * mispredicted every other step, which costs more time than the few extra
 * instructions. */
static unsigned lower_bound(const double *s, unsigned n, double x)
{
    const double *b = s;
    while (n > 1) {
        unsigned half = n / 2;
        b = b[half - 1] < x ? b + half : b;
        n -= half;
    }
    return (unsigned)(b - s) + (n == 1 && b[0] < x);
}

/* Put x into the sorted copy (n values), replacing one copy of old when
 * old was evicted: only the values between the two places move. The
 * result is the sorted multiset either way. */
static void sorted_update(hist_t *h, unsigned n, bool evicted, double old, double x)
{
    double *s = h->sorted;
    if (evicted && old == x)
        return; /* the same multiset (a steady metric: lengths of one poll) */
    unsigned j = lower_bound(s, n, x);
    if (!evicted) {
        memmove(&s[j + 1], &s[j], (n - j) * sizeof *s);
        s[j] = x;
        return;
    }
    unsigned i = lower_bound(s, n, old); /* s[i] == old */
    if (j <= i) {
        memmove(&s[j + 1], &s[j], (i - j) * sizeof *s);
        s[j] = x;
    } else { /* s[i + 1 .. j) < x */
        memmove(&s[i], &s[i + 1], (j - 1 - i) * sizeof *s);
        s[j - 1] = x;
    }
}

/* Zero variance up to rounding: the mean of a constant non-integer history
 * (e.g. entropies) need not be exactly that constant, leaving a std of a
 * few 1e-16 (docs/features.md: std <= 1e-9 |mean| counts as 0). */
static bool std_is_zero(double std, double mean)
{
    return std <= 1e-9 * fabs(mean);
}

G_STATIC_ASSERT(MA_FEAT_HIST_MIN >= 2);

/* (double)v, through the 64-bit conversion (one instruction, the same
 * correctly rounded value) when v fits: most sums do. */
static inline double i128_to_double(__int128 v)
{
    return v >= INT64_MIN && v <= INT64_MAX ? (double)(int64_t)v : (double)v;
}

/* Record z and the IQR test of x against the history's quartiles. */
static void judge(const hist_t *h, double x, double z, ma_feat_rec_t *r, ma_out_metric_t m)
{
    unsigned n = h->n;
    /* ma_feat_quantile_sorted(sorted, n, 0.25 and 0.75), whose positions
     * (n - 1) / 4 and 3 (n - 1) / 4 are exact quarters: the same doubles
     * without floor() (n >= MA_FEAT_HIST_MIN, so lo + 1 < n) */
    const double *s = h->sorted;
    unsigned p1 = n - 1, p3 = 3 * (n - 1);
    double q1 = s[p1 / 4] + (s[p1 / 4 + 1] - s[p1 / 4]) * (0.25 * (p1 % 4));
    double q3 = s[p3 / 4] + (s[p3 / 4 + 1] - s[p3 / 4]) * (0.25 * (p3 % 4));
    double iqr = q3 - q1;
    r->z[m] = z; /* sigma follows from it (ma_feat_rec_sigma) */
    if (x < q1 - 1.5 * iqr || x > q3 + 1.5 * iqr)
        r->bits |= MA_REC_IQR(m);
    r->present |= MA_FEAT_HAS_OUT(m);
}

/* Judge xi / div against the history (docs/features.md, Outliers), then
 * add it: z from the exact sums (the two-pass formula while a value beyond
 * HIST_INT_MAX is in the history), the IQR test against the quartiles of
 * the sorted copy. The spec's thresholds: +-2 sigma investigate, +-3 sigma
 * strong, IQR fences Q1 - 1.5 IQR and Q3 + 1.5 IQR. */
void ma_hist_judge_add_int(hist_t *h, int64_t xi, double div, ma_feat_rec_t *r, ma_out_metric_t m)
{
    unsigned n = h->n;
    bool xbig = xi > HIST_INT_MAX || xi < -HIST_INT_MAX;
    double x = (double)xi / div; /* as the feature itself: ns / 1e9 */
    if (n >= MA_FEAT_HIST_MIN) {
        double z;
        if (h->big || xbig) {
            double lin[MA_FEAT_HIST];
            hist_linear(h, div, lin);
            summary_t s = ma_summarize(lin, n);
            z = std_is_zero(s.std, s.mean) ? 0.0 : (x - s.mean) / s.std;
        } else {
            __int128 var_n2 = (__int128)n * h->s2 - (__int128)h->s1 * h->s1; /* n^2 var */
            __int128 num = (__int128)n * xi - h->s1;                          /* n (x - mean) */
            double sd_n = sqrt(i128_to_double(var_n2)); /* n std */
            z = std_is_zero(sd_n, (double)h->s1) ? 0.0 : i128_to_double(num) / sd_n;
        }
        judge(h, x, z, r, m);
    }
    if (h->n == h->cap && h->cap < MA_FEAT_HIST)
        hist_grow(h);
    bool evicted = n == MA_FEAT_HIST;
    double old = 0.0;
    unsigned slot = evicted ? h->head : n;
    if (evicted) {
        int64_t o = h->iv[slot];
        old = (double)o / div;
        if (o > HIST_INT_MAX || o < -HIST_INT_MAX)
            h->big--;
        else {
            h->s1 -= o;
            h->s2 -= (__int128)o * o;
        }
        h->head = (h->head + 1) % h->cap;
    } else {
        h->n++;
    }
    h->iv[slot] = xi;
    if (xbig)
        h->big++;
    else {
        h->s1 += xi;
        h->s2 += (__int128)xi * xi;
    }
    sorted_update(h, n, evicted, old, x);
}

void ma_hist_judge_add_entropy(hist_t *h, double x, ma_feat_rec_t *r, ma_out_metric_t m)
{
    /* entropies of bytes lie in [0, 8]; the clamp only keeps a caller's
     * mistake (or a NaN) inside the exact range */
    double c = x >= 0.0 ? (x <= 8.0 ? x : 8.0) : 0.0;
    /* llround(c * 2^52): the product is exact, its fraction too (< 2^53) */
    double sc = c * 0x1p52;
    int64_t xi = (int64_t)sc;
    if (sc - (double)xi >= 0.5)
        xi++;
    ma_hist_judge_add_int(h, xi, 0x1p52, r, m);
}
