/* ma_export.c - the features CSV and its column-statistics sidecar
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_export.h"
#include "ma_table.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#define N_ONEHOT 127

/* Per column values, kept for the exact quartiles of the sidecar (the
 * analysis state is bounded; this export is linear in rows by design). */
struct ma_export {
    FILE    *out;
    uint64_t rows;
    GArray  *vals[MA_F_COUNT];
    uint64_t onehot[N_ONEHOT + 1]; /* rows with fc_N = 1 */
};

ma_export_t *ma_export_new(FILE *out)
{
    ma_export_t *ex = g_new0(ma_export_t, 1);
    ex->out = out;
    for (int i = 0; i < MA_F_COUNT; i++)
        ex->vals[i] = g_array_new(FALSE, FALSE, sizeof(double));
    const ma_feat_column_t *col = ma_feat_columns();
    fputs("frame,pdu_index,time_epoch,stream,src_ip,dst_ip,direction,pair", out);
    for (int i = 0; i < MA_F_COUNT; i++) {
        if (i == MA_F_FIRST_AFTER_ONEHOT)
            for (int k = 1; k <= N_ONEHOT; k++)
                fprintf(out, ",fc_%d", k);
        fprintf(out, ",%s", col[i].csv);
    }
    fputc('\n', out);
    return ex;
}

void ma_export_free(ma_export_t *ex)
{
    if (!ex)
        return;
    for (int i = 0; i < MA_F_COUNT; i++)
        g_array_free(ex->vals[i], TRUE);
    g_free(ex);
}

uint64_t ma_export_rows(const ma_export_t *ex)
{
    return ex->rows;
}

static bool column_present(const ma_feat_t *f, int i)
{
    if (i == MA_F_RESPONSE_TIME)
        return (f->present & MA_FEAT_HAS_RT) != 0;
    if (i > MA_F_RESPONSE_TIME)
        return (f->present & MA_FEAT_HAS_OUT((i - MA_F_OUT_RT_Z) / 3)) != 0;
    return true;
}

/* Append an unsigned integer in decimal. */
static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* Append a value: integers (most cells: counts, flags, zero fill) without
 * printf; other reals with 17 significant digits, which round-trip. */
static char *put_value(char *p, double v)
{
    if (v == 0.0) {
        *p++ = '0';
        return p;
    }
    if (v > 0 && v < 1e15 && v == (double)(uint64_t)v)
        return put_u64(p, (uint64_t)v);
    return p + sprintf(p, "%.17g", v);
}

void ma_export_row(ma_export_t *ex, const ma_export_row_t *r)
{
    FILE *out = ex->out;
    const ma_feat_t *f = r->feat;
    const ma_feat_column_t *col = ma_feat_columns();
    char src[64], dst[64];
    ma_addr_format(&r->src, src, sizeof src);
    ma_addr_format(&r->dst, dst, sizeof dst);
    ma_ns_t ts = r->ts;
    const char *sign = ts < 0 ? "-" : "";
    uint64_t ats = ts < 0 ? (uint64_t)(-(ts + 1)) + 1 : (uint64_t)ts;
    fprintf(out, "%u,%u,%s%" G_GUINT64_FORMAT ".%09u,%u,%s,%s,%s,", r->frame, r->index, sign,
            ats / 1000000000u, (unsigned)(ats % 1000000000u), r->stream, src, dst,
            r->is_request ? "request" : "response");
    ma_csv_field(out, r->pair ? r->pair : "");
    unsigned onehot = f->fc & 0x7f;
    /* the rest of the row: at most MA_F_COUNT cells of <= 25 chars and
     * the one-hot block */
    char buf[MA_F_COUNT * 26 + 2 * N_ONEHOT + 4];
    char *p = buf;
    for (int i = 0; i < MA_F_COUNT; i++) {
        if (i == MA_F_FIRST_AFTER_ONEHOT) {
            /* ",0" x 127 with a 1 at fc & 0x7f (none for 0) */
            for (unsigned k = 1; k <= N_ONEHOT; k++) {
                *p++ = ',';
                *p++ = k == onehot ? '1' : '0';
            }
        }
        *p++ = ',';
        if (!column_present(f, i))
            continue;
        double v = f->v[i];
        g_array_append_val(ex->vals[i], v);
        p = col[i].kind == MA_FK_REAL ? put_value(p, v) : put_u64(p, (uint64_t)v);
    }
    *p++ = '\n';
    fwrite(buf, 1, (size_t)(p - buf), out);
    if (onehot)
        ex->onehot[onehot]++;
    ex->rows++;
}

/* Sort doubles ascending with an LSD radix sort on their bits (the sign
 * flipped so that integer order is numeric order; no NaNs here): O(n), and
 * a capture's columns are sorted once each for the quartiles. */
static void sort_doubles(double *v, size_t n)
{
    if (n < 2)
        return;
    uint64_t *a = g_new(uint64_t, n), *b = g_new(uint64_t, n);
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &v[i], sizeof u);
        a[i] = (u & UINT64_C(0x8000000000000000)) ? ~u : u | UINT64_C(0x8000000000000000);
    }
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[((a[i] >> shift) & 0xff) + 1]++;
        if (count[((a[0] >> shift) & 0xff) + 1] == n)
            continue; /* every key has this byte: nothing to move */
        for (unsigned k = 0; k < 256; k++)
            count[k + 1] += count[k];
        for (size_t i = 0; i < n; i++)
            b[count[(a[i] >> shift) & 0xff]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t u = (a[i] & UINT64_C(0x8000000000000000)) ? a[i] & ~UINT64_C(0x8000000000000000) : ~a[i];
        memcpy(&v[i], &u, sizeof u);
    }
    g_free(a);
    g_free(b);
}

static double quantile(const double *s, guint n, double p)
{
    return ma_feat_quantile_sorted(s, n, p);
}

static void stats_line(FILE *out, const char *name, GArray *a)
{
    guint n = a->len;
    if (n == 0) {
        fprintf(out, "%s,0,,,,,,\n", name);
        return;
    }
    double *v = (double *)(void *)a->data;
    double sum = 0;
    for (guint i = 0; i < n; i++)
        sum += v[i];
    double mean = sum / n, ss = 0;
    for (guint i = 0; i < n; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    sort_doubles(v, n);
    fprintf(out, "%s,%u,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", name, n, mean, sqrt(ss / n), v[0],
            v[n - 1], quantile(v, n, 0.25), quantile(v, n, 0.75));
}

/* Quantile of n 0/1 values of which k are 1 (sorted: zeros, then ones). */
static double binary_quantile(uint64_t n, uint64_t k, double p)
{
    double pos = (double)(n - 1) * p;
    uint64_t lo = (uint64_t)floor(pos);
    double frac = pos - (double)lo;
    double a = lo < n - k ? 0.0 : 1.0;
    double b = lo + 1 < n ? (lo + 1 < n - k ? 0.0 : 1.0) : a;
    return a + (b - a) * frac;
}

void ma_export_stats(ma_export_t *ex, FILE *out)
{
    const ma_feat_column_t *col = ma_feat_columns();
    fputs("column,count,mean,std,min,max,q1,q3\n", out);
    for (int i = 0; i < MA_F_COUNT; i++) {
        if (i == MA_F_FIRST_AFTER_ONEHOT) {
            for (int k = 1; k <= N_ONEHOT; k++) {
                uint64_t n = ex->rows, c = ex->onehot[k];
                if (n == 0) {
                    fprintf(out, "fc_%d,0,,,,,,\n", k);
                    continue;
                }
                /* mean = c/n exactly as a sum of 0/1 values would give;
                 * population std from the two-pass formula on 0/1 values */
                double mean = (double)c / (double)n;
                double ss = (double)c * (1 - mean) * (1 - mean) + (double)(n - c) * mean * mean;
                fprintf(out, "fc_%d,%" G_GUINT64_FORMAT ",%.17g,%.17g,%d,%d,%.17g,%.17g\n", k, n, mean,
                        sqrt(ss / (double)n), c == n ? 1 : 0, c ? 1 : 0, binary_quantile(n, c, 0.25),
                        binary_quantile(n, c, 0.75));
            }
        }
        stats_line(out, col[i].csv, ex->vals[i]);
    }
}
