/* ma_stats.c - per pair / per unit aggregation of modbus_an results
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_stats.h"
#include "ma_recent.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- exact nearest-rank quantile (selection when asked) ---- */

void ma_quantile_init(ma_quantile_t *q)
{
    memset(q, 0, sizeof *q);
}

void ma_quantile_clear(ma_quantile_t *q)
{
    g_free(q->v);
    g_free(q->parts);
    ma_quantile_init(q);
}

void ma_quantile_add(ma_quantile_t *q, double v)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 16;
        q->v = g_renew(double, q->v, q->cap);
    }
    q->v[q->n++] = v;
    q->k_sel[0] = q->k_sel[1] = 0;
    for (int i = 0; i < 2 && q->up[i]; i++) {
        q->up[i]->n++;
        q->up[i]->k_sel[0] = q->up[i]->k_sel[1] = 0;
    }
}

void ma_quantile_link(ma_quantile_t *part, ma_quantile_t *agg)
{
    int i = part->up[0] ? 1 : 0;
    if (part->up[i])
        return; /* two already */
    part->up[i] = agg;
    if (agg->nparts == agg->cap_parts) {
        agg->cap_parts = agg->cap_parts ? agg->cap_parts * 2 : 4;
        agg->parts = g_renew(ma_quantile_t *, agg->parts, agg->cap_parts);
    }
    agg->parts[agg->nparts++] = part;
    agg->n += part->n;
    agg->k_sel[0] = agg->k_sel[1] = 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Put the k-th smallest of v[0..n) (0-based) at v[k], smaller ones before
 * it and larger ones after (introselect: three-way partitions around a
 * median of three, and a sort of what is left when the partitions do not
 * shrink fast enough, so no input makes it quadratic). */
static void select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* [lo, hi) holds the k-th */
    unsigned budget = 2;
    for (size_t m = n; m > 1; m >>= 1)
        budget += 2;
    while (hi - lo > 16) {
        if (budget-- == 0) {
            qsort(v + lo, hi - lo, sizeof *v, cmp_double);
            return;
        }
        double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1];
        double p = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        /* v[lo..lt) < p, v[lt..i) == p, v[gt..hi) > p */
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            double x = v[i];
            if (x < p) {
                v[i++] = v[lt];
                v[lt++] = x;
            } else if (x > p) {
                v[i] = v[--gt];
                v[gt] = x;
            } else {
                i++;
            }
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return; /* v[k] == p, in place */
    }
    qsort(v + lo, hi - lo, sizeof *v, cmp_double);
}

double ma_quantile_value(const ma_quantile_t *q, unsigned pct)
{
    if (!q->n)
        return NAN;
    pct = pct < 1 ? 1 : pct > 100 ? 100 : pct;
    size_t k = (pct * q->n + 99) / 100; /* nearest rank: ceil(p*n/100) */
    if (k == 0)
        k = 1;
    for (int i = 0; i < 2; i++)
        if (q->k_sel[i] == k)
            return q->v_sel[i];
    /* a cache: the values as a multiset are unchanged */
    ma_quantile_t *m = (ma_quantile_t *)(uintptr_t)q;
    double x;
    if (m->nparts) { /* an aggregate: its parts' values, together for a moment */
        double *all = g_new(double, m->n), *p = all;
        for (unsigned i = 0; i < m->nparts; i++) {
            if (!m->parts[i]->n)
                continue; /* no values yet: no array either */
            memcpy(p, m->parts[i]->v, m->parts[i]->n * sizeof *p);
            p += m->parts[i]->n;
        }
        select_kth(all, m->n, k - 1);
        x = all[k - 1];
        g_free(all);
    } else {
        select_kth(m->v, m->n, k - 1);
        x = m->v[k - 1];
    }
    m->k_sel[1] = m->k_sel[0];
    m->v_sel[1] = m->v_sel[0];
    m->k_sel[0] = k;
    m->v_sel[0] = x;
    return x;
}

/* ---- rows ---- */

struct ma_stats {
    GHashTable *rows;    /* (pair id << 16 | unit) -> ma_row_t* (owned) */
    GPtrArray  *order;   /* ma_row_t*, sorted lazily */
    bool        sorted;
    ma_row_t    total;
    /* the rows of the previous PDU: PDUs come in runs of one pair and unit */
    const ma_pair_t *last_pair;
    unsigned    last_unit;
    ma_row_t   *last_pr, *last_ur;
    ma_recent_t recent;  /* rows found recently: interleaved connections switch rows at almost every PDU */
};

static void row_init(ma_row_t *r, const ma_pair_t *pair, unsigned unit)
{
    memset(r, 0, sizeof *r);
    r->pair = pair;
    r->unit = unit;
    r->rt_min = INT64_MAX;
    r->rt_max = INT64_MIN;
    ma_quantile_init(&r->rt);
}

static void row_free(gpointer p)
{
    ma_row_t *r = p;
    ma_quantile_clear(&r->rt);
    g_free(r);
}

ma_stats_t *ma_stats_new(void)
{
    ma_stats_t *st = g_new0(ma_stats_t, 1);
    st->rows = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, row_free);
    st->order = g_ptr_array_new();
    row_init(&st->total, NULL, MA_UNIT_ALL);
    return st;
}

void ma_stats_reset(ma_stats_t *st)
{
    g_ptr_array_set_size(st->order, 0);
    g_hash_table_remove_all(st->rows);
    ma_quantile_clear(&st->total.rt);
    row_init(&st->total, NULL, MA_UNIT_ALL);
    st->sorted = true;
    st->last_pr = st->last_ur = NULL;
    st->last_pair = NULL;
    ma_recent_clear(&st->recent);
}

void ma_stats_free(ma_stats_t *st)
{
    if (!st)
        return;
    g_ptr_array_free(st->order, TRUE);
    g_hash_table_destroy(st->rows);
    ma_quantile_clear(&st->total.rt);
    g_free(st);
}

static ma_row_t *row_get(ma_stats_t *st, const ma_pair_t *pair, unsigned unit)
{
    gint64 key = ((gint64)pair->id << 16) | unit;
    ma_row_t *r = ma_recent_get(&st->recent, (uint64_t)key);
    if (r)
        return r;
    r = g_hash_table_lookup(st->rows, &key);
    if (!r) {
        /* the response times are kept once, by the unit rows: the pair's
         * row and the total are their unions */
        ma_row_t *pr = unit != MA_UNIT_ALL ? row_get(st, pair, MA_UNIT_ALL) : NULL;
        r = g_new(ma_row_t, 1);
        row_init(r, pair, unit);
        if (pr) {
            ma_quantile_link(&r->rt, &pr->rt);
            ma_quantile_link(&r->rt, &st->total.rt);
        }
        gint64 *k = g_new(gint64, 1);
        *k = key;
        g_hash_table_insert(st->rows, k, r);
        g_ptr_array_add(st->order, r);
        st->sorted = false;
    }
    ma_recent_put(&st->recent, (uint64_t)key, r); /* rows live until reset, which clears it */
    return r;
}

void ma_stats_rows_of(ma_stats_t *st, const ma_pdu_t *pdu, ma_row_t **pair_row, ma_row_t **unit_row)
{
    if (!st->last_pr || st->last_pair != pdu->pair || st->last_unit != pdu->unit) {
        st->last_pr = row_get(st, pdu->pair, MA_UNIT_ALL);
        st->last_ur = row_get(st, pdu->pair, pdu->unit);
        st->last_pair = pdu->pair;
        st->last_unit = pdu->unit;
    }
    *pair_row = st->last_pr;
    *unit_row = st->last_ur;
}

static void row_add(ma_row_t *r, const ma_pdu_t *pdu, bool unit_row)
{
    if (pdu->flags & MA_PDU_MALFORMED) {
        r->malformed++;
        return;
    }
    if (pdu->flags & MA_PDU_RETRANS) {
        r->retransmitted++;
        return;
    }
    if (pdu->flags & MA_PDU_BAD_BODY)
        r->malformed++;
    if (pdu->flags & MA_PDU_TID_MISMATCH)
        r->tid_mismatch++;
    if (pdu->kind == MA_PDU_REQUEST) {
        const ma_txn_t *t = pdu->txn;
        r->requests++;
        if (pdu->flags & MA_PDU_TID_REUSE)
            r->tid_reuse++;
        switch ((ma_outcome_t)t->outcome) {
        case MA_OUT_ANSWERED:          r->answered++; break;
        case MA_OUT_LATE:              r->late++; break;
        case MA_OUT_MISSED:            r->missed++; break;
        case MA_OUT_UNANSWERED_AT_END: r->unanswered_at_end++; break;
        case MA_OUT_PENDING:           break;
        }
        if (t->flags & MA_TXN_DELAYED)
            r->delayed++;
        ma_ns_t rtt = ma_txn_rtt(t);
        if (rtt >= 0) {
            r->rt_n++;
            r->rt_sum = ma_ns_add_sat(r->rt_sum, rtt);
            if (rtt < r->rt_min)
                r->rt_min = rtt;
            if (rtt > r->rt_max)
                r->rt_max = rtt;
            if (unit_row) /* the pair's row and the total count it through it */
                ma_quantile_add(&r->rt, (double)rtt);
        }
    } else {
        r->responses++;
        if (pdu->flags & MA_PDU_EXCEPTION)
            r->exceptions++;
        if (pdu->flags & MA_PDU_ORPHAN)
            r->orphans++;
        if (pdu->flags & MA_PDU_DUPLICATE)
            r->duplicates++;
        if (pdu->flags & MA_PDU_AMBIGUOUS)
            r->ambiguous++;
    }
}

void ma_stats_add(ma_stats_t *st, const ma_pdu_t *pdu)
{
    ma_row_t *pr, *ur;
    ma_stats_rows_of(st, pdu, &pr, &ur);
    row_add(pr, pdu, false);
    row_add(ur, pdu, true);
    row_add(&st->total, pdu, false);
}

static gint row_cmp(gconstpointer a, gconstpointer b)
{
    const ma_row_t *x = *(const ma_row_t *const *)a, *y = *(const ma_row_t *const *)b;
    if (x->pair->id != y->pair->id)
        return x->pair->id < y->pair->id ? -1 : 1;
    if (x->unit != y->unit) /* MA_UNIT_ALL (the pair row) first */
        return x->unit == MA_UNIT_ALL ? -1 : y->unit == MA_UNIT_ALL ? 1 : (x->unit < y->unit ? -1 : 1);
    return 0;
}

unsigned ma_stats_nrows(ma_stats_t *st)
{
    return st->order->len;
}

const ma_row_t *ma_stats_row(ma_stats_t *st, unsigned i)
{
    if (!st->sorted) {
        g_ptr_array_sort(st->order, row_cmp);
        st->sorted = true;
    }
    return i < st->order->len ? g_ptr_array_index(st->order, i) : NULL;
}

const ma_row_t *ma_stats_total(const ma_stats_t *st)
{
    return &st->total;
}

double ma_row_rt_avg(const ma_row_t *r)
{
    return r->rt_n ? (double)r->rt_sum / (double)r->rt_n / 1e9 : NAN;
}
