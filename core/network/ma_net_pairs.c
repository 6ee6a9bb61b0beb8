/* ma_net_pairs.c - the network analysis' per-pair state and its events:
 * recorded in time order as segments come (or appended and sorted at the
 * end), and looked up by time window, kind, stream and info bits
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * core/ma_net.h has the contract (ma_net_pair_*, ma_net_find_event*);
 * ma_net.c (connections, TCP analysis, aggregates) uses this file, never
 * the other way round.
 */
#include <string.h>

#include "ma_net_int.h"

/* ---- pairs ---- */

ma_npair_t *ma_net_npair(ma_net_t *n, uint32_t id)
{
    if (id >= n->pairs->len && id >= ma_core_pair_count(n->core))
        return NULL;
    while (n->pairs->len <= id) {
        ma_npair_t *np = g_new0(ma_npair_t, 1);
        np->pub.pair = ma_core_pair_at(n->core, n->pairs->len);
        np->ev = g_array_new(FALSE, FALSE, sizeof(ma_net_ev_t));
        g_ptr_array_add(n->pairs, np);
    }
    ma_npair_t *np = g_ptr_array_index(n->pairs, id);
    if (!np->pub.pair)
        np->pub.pair = ma_core_pair_at(n->core, id);
    return np;
}

uint32_t ma_net_pair_count(const ma_net_t *n)
{
    uint32_t core_n = ma_core_pair_count(n->core);
    return n->pairs->len > core_n ? n->pairs->len : core_n;
}

ma_net_pair_t *ma_net_pair_stats(ma_net_t *n, uint32_t pair_id)
{
    ma_npair_t *np = ma_net_npair(n, pair_id);
    if (np)
        return &np->pub;
    memset(&n->scratch, 0, sizeof n->scratch); /* no such pair: a zero entry */
    return &n->scratch;
}

/* ---- events ---- */

uint32_t ma_net_event_count(const ma_net_t *n, uint32_t pair_id)
{
    if (pair_id >= n->pairs->len)
        return 0;
    return ((ma_npair_t *)g_ptr_array_index(n->pairs, pair_id))->ev->len;
}

const ma_net_ev_t *ma_net_event_at(const ma_net_t *n, uint32_t pair_id, uint32_t i)
{
    if (pair_id >= n->pairs->len)
        return NULL;
    const GArray *ev = ((ma_npair_t *)g_ptr_array_index(n->pairs, pair_id))->ev;
    return i < ev->len ? &g_array_index(ev, ma_net_ev_t, i) : NULL;
}

/* Index of the first event with ts > t (the array is sorted by ts). */
static guint ev_upper(const GArray *ev, ma_ns_t t)
{
    guint lo = 0, hi = ev->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(ev, ma_net_ev_t, mid).ts <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Index of the first event with ts >= t. */
static guint ev_lower(const GArray *ev, ma_ns_t t)
{
    guint lo = 0, hi = ev->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(ev, ma_net_ev_t, mid).ts < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Record an event of conn c's pair (bounded by max_events). In the first
 * pass it goes in time order (after events of the same time); with
 * append_only it is appended and ma_net_finalize sorts. */
void ma_net_ev_add_info(ma_net_t *n, const ma_nconn_t *c, ma_net_ev_kind_t kind, uint32_t frame, ma_ns_t ts,
                        bool append_only, uint8_t info)
{
    if (n->nevents >= n->max_events) {
        n->events_dropped++;
        return;
    }
    ma_npair_t *np = ma_net_npair(n, c->pub.pair->id);
    ma_net_ev_t e = {.ts = ts, .frame = frame, .stream = c->pub.stream, .kind = (uint8_t)kind, .info = info};
    guint len = np->ev->len;
    if (len == 0 || g_array_index(np->ev, ma_net_ev_t, len - 1).ts <= ts) {
        g_array_append_val(np->ev, e);
    } else if (append_only) {
        g_array_append_val(np->ev, e);
        np->ev_unsorted = true;
    } else {
        g_array_insert_val(np->ev, ev_upper(np->ev, ts), e);
    }
    n->nevents++;
}

void ma_net_ev_add(ma_net_t *n, const ma_nconn_t *c, ma_net_ev_kind_t kind, uint32_t frame, ma_ns_t ts,
                   bool append_only)
{
    ma_net_ev_add_info(n, c, kind, frame, ts, append_only, 0);
}

/* Time, then frame order; g_array_sort is stable (GLib >= 2.32), so events
 * of the same frame keep the order they were recorded in. */
gint ma_net_ev_cmp(gconstpointer a, gconstpointer b)
{
    const ma_net_ev_t *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->frame < y->frame ? -1 : x->frame > y->frame;
}

const ma_net_ev_t *ma_net_find_event(const ma_net_t *n, uint32_t pair_id, unsigned kinds,
                                     uint32_t stream, ma_ns_t t0, ma_ns_t t1)
{
    return ma_net_find_event_info(n, pair_id, kinds, stream, t0, t1, 0, 0);
}

const ma_net_ev_t *ma_net_find_event_info(const ma_net_t *n, uint32_t pair_id, unsigned kinds, uint32_t stream,
                                          ma_ns_t t0, ma_ns_t t1, uint8_t info_mask, uint8_t info_want)
{
    if (pair_id >= n->pairs->len || t0 > t1)
        return NULL;
    const GArray *ev = ((ma_npair_t *)g_ptr_array_index(n->pairs, pair_id))->ev;
    for (guint i = ev_lower(ev, t0); i < ev->len; i++) {
        const ma_net_ev_t *e = &g_array_index(ev, ma_net_ev_t, i);
        if (e->ts > t1)
            break;
        if ((kinds & (1u << e->kind)) && (stream == UINT32_MAX || e->stream == stream) &&
            (e->info & info_mask) == info_want)
            return e;
    }
    return NULL;
}
