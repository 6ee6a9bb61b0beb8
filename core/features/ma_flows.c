/* ma_flows.c - per-flow and per-pair summaries of the feature windows
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_flows.h"

#include <glib.h>
#include <math.h>
#include <string.h>

struct ma_flows {
    GHashTable *by_stream;  /* stream + 1 -> ma_flow_sum_t */
    GHashTable *by_pair;    /* label -> ma_pairwin_sum_t */
    GPtrArray  *flows;      /* in order of appearance */
    GPtrArray  *pairs;
    GPtrArray  *sorted;
    ma_flow_sum_t    *last_flow;  /* of the previous PDU */
    ma_pairwin_sum_t *last_pairw;
};

static void flow_free(gpointer p)
{
    ma_flow_sum_t *s = p;
    g_free(s->pair);
    g_free(s);
}

static void pair_free(gpointer p)
{
    ma_pairwin_sum_t *s = p;
    g_free(s->pair);
    g_free(s);
}

ma_flows_t *ma_flows_new(void)
{
    ma_flows_t *fl = g_new0(ma_flows_t, 1);
    fl->by_stream = g_hash_table_new(g_direct_hash, g_direct_equal);
    fl->by_pair = g_hash_table_new(g_str_hash, g_str_equal);
    fl->flows = g_ptr_array_new_with_free_func(flow_free);
    fl->pairs = g_ptr_array_new_with_free_func(pair_free);
    fl->sorted = g_ptr_array_new();
    return fl;
}

void ma_flows_reset(ma_flows_t *fl)
{
    fl->last_flow = NULL;
    fl->last_pairw = NULL;
    g_hash_table_remove_all(fl->by_stream);
    g_hash_table_remove_all(fl->by_pair);
    g_ptr_array_set_size(fl->sorted, 0);
    g_ptr_array_set_size(fl->flows, 0);
    g_ptr_array_set_size(fl->pairs, 0);
}

void ma_flows_free(ma_flows_t *fl)
{
    if (!fl)
        return;
    g_hash_table_destroy(fl->by_stream);
    g_hash_table_destroy(fl->by_pair);
    g_ptr_array_free(fl->sorted, TRUE);
    g_ptr_array_free(fl->flows, TRUE);
    g_ptr_array_free(fl->pairs, TRUE);
    g_free(fl);
}

const ma_flow_sum_t *ma_flows_add(ma_flows_t *fl, uint32_t stream, const char *pair, ma_ns_t ts,
                                  const ma_feat_t *f)
{
    const double *v = f->v;
    ma_flow_sum_t *s = fl->last_flow && fl->last_flow->stream == stream
                           ? fl->last_flow : g_hash_table_lookup(fl->by_stream, GUINT_TO_POINTER(stream + 1));
    if (!s) {
        s = g_new0(ma_flow_sum_t, 1);
        s->stream = stream;
        s->pair = g_strdup(pair ? pair : "?");
        s->first = ts;
        g_hash_table_insert(fl->by_stream, GUINT_TO_POINTER(stream + 1), s);
        g_ptr_array_add(fl->flows, s);
    }
    fl->last_flow = s;
    s->pdus++;
    s->last = ts;
    s->invalid += f->invalid != 0;
    bool strong = false, iqr = false;
    for (int m = 0; m < MA_OUT_N; m++) {
        if (f->present & MA_FEAT_HAS_OUT(m)) {
            strong |= v[MA_F_OUT_RT_SIGMA + 3 * m] >= 3;
            iqr |= v[MA_F_OUT_RT_IQR + 3 * m] != 0;
        }
    }
    s->strong += strong;
    s->iqr += iqr;
    if (f->td_full) {
        s->periodicity_sum += v[MA_F_PERIODICITY];
        s->periodicity_n++;
    }
    s->pairing = v[MA_F_SESS_PAIRING];
    s->dominant = (uint8_t)v[MA_F_SESS_DOMINANT_FC];

    if (!pair)
        return s;
    ma_pairwin_sum_t *p = fl->last_pairw && strcmp(fl->last_pairw->pair, pair) == 0
                              ? fl->last_pairw : g_hash_table_lookup(fl->by_pair, pair);
    if (!p) {
        p = g_new0(ma_pairwin_sum_t, 1);
        p->pair = g_strdup(pair);
        g_hash_table_insert(fl->by_pair, p->pair, p);
        g_ptr_array_add(fl->pairs, p);
    }
    fl->last_pairw = p;
    p->pdus++;
    p->max_packets_60s = MAX(p->max_packets_60s, v[MA_F_PKTS_60S]);
    p->max_intensity = MAX(p->max_intensity, v[MA_F_INTENSITY]);
    p->max_violation = MAX(p->max_violation, v[MA_F_VIOLATION_60S]);
    p->max_units = MAX(p->max_units, v[MA_F_UNIQUE_UNITS]);
    p->max_src_ips = MAX(p->max_src_ips, v[MA_F_UNIQUE_SRC]);
    return s;
}

double ma_flow_periodicity(const ma_flow_sum_t *s)
{
    return s->periodicity_n ? s->periodicity_sum / (double)s->periodicity_n : NAN;
}

static gint by_periodicity(gconstpointer a, gconstpointer b)
{
    const ma_flow_sum_t *x = *(ma_flow_sum_t *const *)a, *y = *(ma_flow_sum_t *const *)b;
    double px = ma_flow_periodicity(x), py = ma_flow_periodicity(y);
    bool nx = isnan(px), ny = isnan(py);
    if (nx != ny)
        return nx ? 1 : -1;
    if (!nx && px != py)
        return px < py ? -1 : 1;
    return x->stream < y->stream ? -1 : x->stream > y->stream;
}

GPtrArray *ma_flows_sorted(ma_flows_t *fl)
{
    g_ptr_array_set_size(fl->sorted, 0);
    for (guint i = 0; i < fl->flows->len; i++)
        g_ptr_array_add(fl->sorted, g_ptr_array_index(fl->flows, i));
    g_ptr_array_sort(fl->sorted, by_periodicity);
    return fl->sorted;
}

GPtrArray *ma_flows_pairs(ma_flows_t *fl)
{
    return fl->pairs;
}
