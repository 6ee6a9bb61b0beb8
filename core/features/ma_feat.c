/* ma_feat.c - per-PDU Modbus features (see ma_feat.h and docs/features.md)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_feat.h"
#include "ma_feat_stats.h"
#include "ma_recent.h"

#include <glib.h>
#include <math.h>
#include <string.h>

/* the window's ring doubles from 1024 up to its bound */
G_STATIC_ASSERT(MA_FEAT_WINDOW_MAX >= 1024 && (MA_FEAT_WINDOW_MAX & (MA_FEAT_WINDOW_MAX - 1)) == 0);

/* ---- engine state -------------------------------------------------------- */


/* A flow's newest links with where their records are stored
 * (ma_feat_keep_recent): what its rolling windows read when the caller does
 * not keep every record. A ring of the newest MA_FEAT_ROLL + 1, or more
 * while one frame carries several PDUs of the flow (each needs its ten
 * predecessors); it grows 2, 4, 8, 11 slots (a short connection takes
 * little), then overwrites the oldest. */
#define RECENT_N (MA_FEAT_ROLL + 1)
typedef struct {
    ma_feat_link_t link;
    uint32_t       frame, index;
} recent_ent_t;
struct ma_feat_recent {
    recent_ent_t *ent;
    unsigned      n, cap, start;   /* entries, slots, the oldest entry's slot */
    uint32_t      last_frame;      /* the newest entry's frame ... */
    unsigned      last_frame_n;    /* ... and its entries */
};
typedef struct ma_feat_recent recent_t;

/* A rolling flow: one connection, or one direction of it. Its rolling
 * windows are the chain of its records (ma_feat_rec_t.prev_frame). */
typedef struct {
    ma_ns_t   last_ts;
    uint64_t  pdus;
    uint32_t  last_frame, last_index;
    uint8_t   last_fc;
    hist_t   *h_td, *h_pl, *h_pe;
    recent_t *recent;   /* ma_feat_keep_recent(), ma_feat_pdu() */
    /* what the flow's previous PDUs found, so that interleaved connections
     * do not look them up again: its session and pair window (never freed
     * before the engine) and its two window edges (valid while no edge was
     * freed since: edge_epoch) */
    struct sess   *sess;
    struct pairw  *pw;
    uint32_t       pw_id;
    struct edge   *edge[2];
    uint64_t       edge_epoch;
} flow_t;

/* A connection's session features. Function code counts: most sessions
 * use a few codes, so the first SESS_FC_INLINE live inline and a full
 * table is allocated only for the session that uses more. */
#define SESS_FC_INLINE 4
typedef struct sess {
    ma_ns_t  first_ts;
    uint64_t pdus, requests, paired;
    uint32_t fc_n[SESS_FC_INLINE];
    uint8_t  fc_code[SESS_FC_INLINE];
    uint8_t  nfc;           /* codes inline */
    uint8_t  dominant;
    uint32_t dominant_count;
    uint32_t *fc_count;     /* [256] once a fifth code appears, else NULL */
} sess_t;

static void sess_free(gpointer p)
{
    sess_t *s = p;
    g_free(s->fc_count);
    g_free(s);
}

/* Count one more PDU of function code fc; returns its count so far. */
static uint32_t sess_count_fc(sess_t *s, uint8_t fc)
{
    if (s->fc_count)
        return ++s->fc_count[fc];
    for (unsigned i = 0; i < s->nfc; i++)
        if (s->fc_code[i] == fc)
            return ++s->fc_n[i];
    if (s->nfc < SESS_FC_INLINE) {
        s->fc_code[s->nfc] = fc;
        s->fc_n[s->nfc++] = 1;
        return 1;
    }
    s->fc_count = g_new0(uint32_t, 256);
    for (unsigned i = 0; i < s->nfc; i++)
        s->fc_count[s->fc_code[i]] = s->fc_n[i];
    return ++s->fc_count[fc];
}

/* An IP address's live counts in the 60 s window. */
typedef struct {
    ma_addr_t addr;
    uint32_t  sent, received;   /* PDUs in the window */
    uint32_t  out_edges, in_edges; /* distinct peers with live PDUs */
} ipw_t;

typedef struct edge {
    ipw_t   *src, *dst;
    uint32_t count;
} edge_t;

/* A pair's 60 s window and response-time history. */
typedef struct pairw {
    ma_ns_t  first_ts;
    uint32_t packets, invalid, reads, writes;
    uint32_t fc_count[256], unit_count[256];
    uint32_t fc_distinct, unit_distinct;
    hist_t  *h_rt;
} pairw_t;

typedef struct {
    ma_ns_t  ts;
    pairw_t *pair;     /* NULL: no pair */
    edge_t  *edge;
    uint8_t  fc, unit;
    uint8_t  invalid, read, write;
} event_t;

struct ma_feat_engine {
    ma_feat_config_t cfg;
    GHashTable *flows;   /* (stream << 1 | dir) -> flow_t */
    GHashTable *sess;    /* stream -> sess_t */
    GHashTable *ips;     /* ma_addr_t -> ipw_t */
    GHashTable *edges;   /* (ipw_t *, ipw_t *) -> edge_t */
    GHashTable *pairs;   /* pair id -> pairw_t */
    event_t    *ev;      /* ring of ev_cap (a power of 2, doubled when full up to MA_FEAT_WINDOW_MAX) */
    uint32_t    ev_head, ev_n, ev_cap;
    /* the previous PDU's entries (a new connection of the same pair or hosts finds them here) */
    flow_t     *last_flow;
    ma_recent_t recent_flows;  /* flows found recently (they live until the engine is freed) */
    uint32_t    last_pair_id;
    pairw_t    *last_pw;
    edge_t     *last_edge[2]; /* the last two edges used (a request and its answer); cleared when freed */
    uint64_t    edge_frees;   /* edges freed so far (flow_t.edge_epoch) */
    uint32_t    pdu_seq;     /* ma_feat_pdu(): its own record numbers */
};

static guint addr_hash(gconstpointer k)
{
    const ma_addr_t *a = k;
    guint h = 2166136261u;
    for (unsigned i = 0; i < a->len; i++)
        h = (h ^ a->bytes[i]) * 16777619u;
    return h ^ a->len;
}

static gboolean addr_eq(gconstpointer a, gconstpointer b)
{
    return ma_addr_equal(a, b);
}

static guint edge_hash(gconstpointer k)
{
    const edge_t *e = k;
    return g_direct_hash(e->src) * 31u ^ g_direct_hash(e->dst);
}

static gboolean edge_eq(gconstpointer a, gconstpointer b)
{
    const edge_t *x = a, *y = b;
    return x->src == y->src && x->dst == y->dst;
}

static void flow_free(gpointer p)
{
    flow_t *f = p;
    ma_hist_free(f->h_td);
    ma_hist_free(f->h_pl);
    ma_hist_free(f->h_pe);
    if (f->recent) {
        g_free(f->recent->ent);
        g_free(f->recent);
    }
    g_free(f);
}

static void pairw_free(gpointer p)
{
    pairw_t *w = p;
    ma_hist_free(w->h_rt);
    g_free(w);
}

ma_feat_engine_t *ma_feat_new(const ma_feat_config_t *cfg)
{
    ma_log2tab_init();
    ma_feat_engine_t *e = g_new0(ma_feat_engine_t, 1);
    e->cfg = *cfg;
    e->flows = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, flow_free);
    e->sess = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, sess_free);
    e->ips = g_hash_table_new_full(addr_hash, addr_eq, NULL, g_free);
    e->edges = g_hash_table_new_full(edge_hash, edge_eq, NULL, g_free);
    e->pairs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, pairw_free);
    return e;
}

void ma_feat_free(ma_feat_engine_t *e)
{
    if (!e)
        return;
    g_hash_table_destroy(e->flows);
    g_hash_table_destroy(e->sess);
    g_hash_table_destroy(e->edges);
    g_hash_table_destroy(e->ips);
    g_hash_table_destroy(e->pairs);
    g_free(e->ev);
    g_free(e);
}

/* ---- the 60 s window ------------------------------------------------------ */

static ipw_t *ip_get(ma_feat_engine_t *e, const ma_addr_t *a)
{
    ipw_t *w = g_hash_table_lookup(e->ips, a);
    if (!w) {
        w = g_new0(ipw_t, 1);
        w->addr = *a;
        g_hash_table_insert(e->ips, &w->addr, w);
    }
    return w;
}

static void ip_maybe_drop(ma_feat_engine_t *e, ipw_t *w)
{
    if (w->sent == 0 && w->received == 0)
        g_hash_table_remove(e->ips, &w->addr);
}

static void event_expire_one(ma_feat_engine_t *e)
{
    event_t *ev = &e->ev[e->ev_head];
    e->ev_head = (e->ev_head + 1) & (e->ev_cap - 1);
    e->ev_n--;
    pairw_t *p = ev->pair;
    if (p) {
        p->packets--;
        p->invalid -= ev->invalid;
        p->reads -= ev->read;
        p->writes -= ev->write;
        if (--p->fc_count[ev->fc] == 0)
            p->fc_distinct--;
        if (--p->unit_count[ev->unit] == 0)
            p->unit_distinct--;
    }
    edge_t *ed = ev->edge;
    ipw_t *src = ed->src, *dst = ed->dst;
    src->sent--;
    dst->received--;
    if (--ed->count == 0) {
        src->out_edges--;
        dst->in_edges--;
        for (int i = 0; i < 2; i++)
            if (e->last_edge[i] == ed)
                e->last_edge[i] = NULL;
        e->edge_frees++;
        g_hash_table_remove(e->edges, ed);
    }
    ip_maybe_drop(e, src);
    if (dst != src)
        ip_maybe_drop(e, dst);
}

/* Add the PDU to the window after expiring what is 60 s old; true if the
 * window's bound made an unexpired PDU leave. */
static bool edge_is(const edge_t *ed, const ma_feat_in_t *in)
{
    return ed && ma_addr_equal(&ed->src->addr, &in->src) && ma_addr_equal(&ed->dst->addr, &in->dst);
}

static bool window_add(ma_feat_engine_t *e, flow_t *f, const ma_feat_in_t *in, pairw_t *pw, uint8_t fc,
                       uint8_t unit, bool invalid, bool rd, bool wr, ipw_t **srcp, ipw_t **dstp)
{
    while (e->ev_n && e->ev[e->ev_head].ts <= in->ts - MA_FEAT_WINDOW_NS)
        event_expire_one(e);
    bool truncated = false;
    if (e->ev_n == MA_FEAT_WINDOW_MAX) {
        event_expire_one(e);
        truncated = true;
    }
    ipw_t *src, *dst;
    edge_t *ed = NULL;
    int fdir = !in->is_request;
    if (f->edge_epoch == e->edge_frees && edge_is(f->edge[fdir], in))
        ed = f->edge[fdir];
    for (int i = 0; i < 2 && !ed; i++)
        if (edge_is(e->last_edge[i], in))
            ed = e->last_edge[i];
    if (ed) {
        src = ed->src; /* live: the edge has PDUs in the window, so its IPs too */
        dst = ed->dst;
    } else {
        src = ip_get(e, &in->src);
        dst = ip_get(e, &in->dst);
        edge_t key = {src, dst, 0};
        ed = g_hash_table_lookup(e->edges, &key);
    }
    if (!ed) {
        ed = g_new0(edge_t, 1);
        ed->src = src;
        ed->dst = dst;
        g_hash_table_add(e->edges, ed);
    }
    if (e->last_edge[0] != ed) {
        e->last_edge[1] = e->last_edge[0];
        e->last_edge[0] = ed;
    }
    if (f->edge_epoch != e->edge_frees) {
        f->edge[0] = f->edge[1] = NULL;
        f->edge_epoch = e->edge_frees;
    }
    f->edge[fdir] = ed;
    if (ed->count++ == 0) {
        src->out_edges++;
        dst->in_edges++;
    }
    src->sent++;
    dst->received++;
    if (pw) {
        pw->packets++;
        pw->invalid += invalid;
        pw->reads += rd;
        pw->writes += wr;
        if (pw->fc_count[fc]++ == 0)
            pw->fc_distinct++;
        if (pw->unit_count[unit]++ == 0)
            pw->unit_distinct++;
    }
    if (e->ev_n == e->ev_cap) { /* < MA_FEAT_WINDOW_MAX: a full window expired one above */
        uint32_t cap = e->ev_cap ? e->ev_cap * 2 : 1024;
        event_t *ring = g_new(event_t, cap);
        for (uint32_t i = 0; i < e->ev_n; i++)
            ring[i] = e->ev[(e->ev_head + i) & (e->ev_cap - 1)];
        g_free(e->ev);
        e->ev = ring;
        e->ev_cap = cap;
        e->ev_head = 0;
    }
    event_t *ev = &e->ev[(e->ev_head + e->ev_n) & (e->ev_cap - 1)];
    e->ev_n++;
    ev->ts = in->ts;
    ev->pair = pw;
    ev->edge = ed;
    ev->fc = fc;
    ev->unit = unit;
    ev->invalid = invalid;
    ev->read = rd;
    ev->write = wr;
    *srcp = src;
    *dstp = dst;
    return truncated;
}

/* ---- per PDU -------------------------------------------------------------- */

static flow_t *flow_get(ma_feat_engine_t *e, uint64_t key)
{
    flow_t *f = ma_recent_get(&e->recent_flows, key);
    if (f)
        return e->last_flow = f;
    f = g_hash_table_lookup(e->flows, &key);
    if (!f) {
        f = g_new0(flow_t, 1);
        gint64 *k = g_new(gint64, 1);
        *k = (gint64)key;
        g_hash_table_insert(e->flows, k, f);
    }
    ma_recent_put(&e->recent_flows, key, f);
    e->last_flow = f;
    return f;
}

void ma_feat_pdu_rec(ma_feat_engine_t *e, const ma_feat_in_t *in, ma_feat_rec_t *r)
{
    memset(r, 0, sizeof *r);
    const uint8_t *a = in->adu;
    uint32_t n = in->adu_len;

    /* 1. basic */
    r->len = n;
    r->tid = (uint16_t)((n >= 1 ? a[0] << 8 : 0) | (n >= 2 ? a[1] : 0));
    r->pid = (uint16_t)((n >= 3 ? a[2] << 8 : 0) | (n >= 4 ? a[3] : 0));
    r->mlen = (uint16_t)((n >= 5 ? a[4] << 8 : 0) | (n >= 6 ? a[5] : 0));
    r->unit = n >= 7 ? a[6] : 0;
    uint8_t fc = n >= 8 ? a[7] : 0;
    r->fc = fc;

    /* 4. entropy of the data, the header and the whole ADU: one count of
     * the whole ADU; the data's is that minus the header and the fc. */
    if (n < 65536) {
        hist256_t all;
        memset(&all, 0, sizeof all);
        for (uint32_t i = 0; i < n; i++)
            h256_add(&all, a[i]);
        r->fe = ma_h256_entropy(&all, n);
        if (n > 8) {
            for (uint32_t i = 0; i < 8; i++)
                h256_sub(&all, a[i]);
            r->pe = ma_h256_entropy(&all, n - 8);
        }
    } else {
        r->fe = ma_feat_entropy(a, n);
        r->pe = ma_feat_entropy(a + 8, n - 8);
    }
    double pe = r->pe;

    bool rd = fc >= 1 && fc <= 4;
    bool wr = fc == 5 || fc == 6 || fc == 15 || fc == 16;

    /* 7. validation */
    r->invalid = ma_feat_validate(a, n, in->is_request, e->cfg.strict_unit_id);

    /* 2.-5. the flow: its previous PDU (the rolling windows are the chain
     * of records, ma_feat_expand) */
    uint64_t fkey = (uint64_t)in->stream << 1 | (e->cfg.split_direction && !in->is_request);
    flow_t *f = flow_get(e, fkey);
    bool has_td = f->pdus > 0;
    ma_ns_t td_ns = has_td ? in->ts - f->last_ts : 0;
    bool changed = has_td && fc != f->last_fc;
    if (has_td) {
        r->prev_frame = f->last_frame;
        r->prev_index = f->last_index;
    }
    f->pdus++;
    f->last_ts = in->ts;
    f->last_fc = fc;
    f->last_frame = in->frame;
    f->last_index = in->index;
    r->td_ns = td_ns;
    if (changed)
        r->bits |= MA_REC_CHANGED;
    if (has_td && td_ns < MA_FEAT_BURST_NS)
        r->bits |= MA_REC_BURST;

    /* outliers of the flow's metrics */
    if (has_td) {
        if (!f->h_td)
            f->h_td = ma_hist_new();
        ma_hist_judge_add_int(f->h_td, td_ns, 1e9, r, MA_OUT_TD);
    }
    if (!f->h_pl)
        f->h_pl = ma_hist_new();
    ma_hist_judge_add_int(f->h_pl, (int64_t)n, 1.0, r, MA_OUT_PL);
    if (!f->h_pe)
        f->h_pe = ma_hist_new();
    ma_hist_judge_add_entropy(f->h_pe, pe, r, MA_OUT_PE);

    /* 6. the 60 s window */
    pairw_t *pw = NULL;
    if (in->pair) {
        pw = f->pw && f->pw_id == in->pair->id ? f->pw
             : e->last_pw && e->last_pair_id == in->pair->id
                 ? e->last_pw : g_hash_table_lookup(e->pairs, GUINT_TO_POINTER(in->pair->id + 1));
        if (!pw) {
            pw = g_new0(pairw_t, 1);
            pw->first_ts = in->ts;
            g_hash_table_insert(e->pairs, GUINT_TO_POINTER(in->pair->id + 1), pw);
        }
        e->last_pw = pw;
        e->last_pair_id = in->pair->id;
        f->pw = pw;
        f->pw_id = in->pair->id;
    }
    ipw_t *src, *dst;
    if (window_add(e, f, in, pw, fc, r->unit, r->invalid != 0, rd, wr, &src, &dst))
        r->bits |= MA_REC_TRUNCATED;
    r->uniq_src = dst->in_edges;
    r->uniq_dst = src->out_edges;
    r->pkts_src = src->sent;
    r->pkts_dst = dst->received;
    if (pw) {
        r->uniq_units = (uint16_t)pw->unit_distinct;
        r->pkts_unit = pw->unit_count[r->unit];
        r->pkts_60s = pw->packets;
        r->fc_distinct_60s = (uint16_t)pw->fc_distinct;
        r->fc_count_60s = pw->fc_count[fc];
        r->invalid_60s = pw->invalid;
        r->reads_60s = pw->reads;
        r->writes_60s = pw->writes;
        ma_ns_t span = in->ts - pw->first_ts;
        if (span > MA_FEAT_WINDOW_NS)
            span = MA_FEAT_WINDOW_NS;
        if (span < MA_NS_PER_SEC)
            span = MA_NS_PER_SEC;
        r->span_ns = span;
        if (in->paired_response) {
            if (!pw->h_rt)
                pw->h_rt = ma_hist_new();
            ma_hist_judge_add_int(pw->h_rt, in->response_time, 1e9, r, MA_OUT_RT);
        }
    }
    if (in->paired_response) {
        r->rt_ns = in->response_time;
        r->present |= MA_FEAT_HAS_RT;
    }

    /* session of the connection */
    sess_t *ss = f->sess ? f->sess : g_hash_table_lookup(e->sess, GUINT_TO_POINTER(in->stream + 1));
    if (!ss) {
        ss = g_new0(sess_t, 1);
        ss->first_ts = in->ts;
        ss->dominant = fc;
        g_hash_table_insert(e->sess, GUINT_TO_POINTER(in->stream + 1), ss);
    }
    f->sess = ss;
    ss->pdus++;
    ss->requests += in->is_request;
    ss->paired += in->paired_response;
    uint32_t c = sess_count_fc(ss, fc);
    if (fc == ss->dominant)
        ss->dominant_count = c;
    else if (c > ss->dominant_count || (c == ss->dominant_count && fc < ss->dominant)) {
        ss->dominant = fc;
        ss->dominant_count = c;
    }
    r->sess_packets = (uint32_t)MIN(ss->pdus, UINT32_MAX);
    r->sess_requests = (uint32_t)MIN(ss->requests, UINT32_MAX);
    r->sess_paired = (uint32_t)MIN(ss->paired, UINT32_MAX);
    r->sess_dur_ns = in->ts - ss->first_ts;
    r->sess_dominant = ss->dominant;
}

/* The rolling windows of a record's flow (docs/features.md 2.-5.): the
 * last MA_FEAT_ROLL PDUs of the flow up to this one, oldest first, as the
 * rings of the engine held them: lengths, payload entropies and "same
 * function code" flags of every PDU, inter-arrival times of every PDU but
 * the flow's first (so up to MA_FEAT_ROLL + 1 records are visited). */
typedef struct {
    unsigned n;                     /* PDUs in the window (roll_count) */
    unsigned ntd;                   /* inter-arrival times in it */
    double   len[MA_FEAT_ROLL], pe[MA_FEAT_ROLL], td[MA_FEAT_ROLL];
    unsigned same;                  /* PDUs whose fc did not change */
} roll_t;

static void roll_collect(const ma_feat_rec_t *r, ma_feat_link_fn get, void *ctx, roll_t *w)
{
    ma_feat_link_t chain[MA_FEAT_ROLL + 1];
    unsigned k = 1;
    ma_feat_link_of(r, &chain[0]);
    while (k < MA_FEAT_ROLL + 1 && chain[k - 1].prev_frame && get &&
           get(ctx, chain[k - 1].prev_frame, chain[k - 1].prev_index, &chain[k]))
        k++;
    /* newest first in chain[]; the windows are oldest first */
    w->n = k < MA_FEAT_ROLL ? k : MA_FEAT_ROLL;
    w->same = 0;
    for (unsigned i = 0; i < w->n; i++) {
        const ma_feat_link_t *c = &chain[w->n - 1 - i];
        w->len[i] = (double)c->len;
        w->pe[i] = c->pe;
        w->same += !(c->bits & MA_REC_CHANGED);
    }
    /* times: the records with a predecessor among the newest 10 */
    unsigned t = 0;
    for (unsigned j = 0; j < k && t < MA_FEAT_ROLL; j++)
        if (chain[j].prev_frame)
            t++;
    w->ntd = t;
    for (unsigned i = 0; i < t; i++)
        w->td[i] = (double)chain[t - 1 - i].td_ns / 1e9;
}

/* The entropy of the MBAP header bytes present (the first min(len, 7)
 * bytes of the ADU), from the header fields the record keeps: the same
 * count and arithmetic as the entropy of those bytes in the ADU. */
static double rec_header_entropy(const ma_feat_rec_t *r)
{
    const uint8_t b[7] = {(uint8_t)(r->tid >> 8), (uint8_t)r->tid, (uint8_t)(r->pid >> 8), (uint8_t)r->pid,
                          (uint8_t)(r->mlen >> 8), (uint8_t)r->mlen, r->unit};
    return ma_feat_entropy(b, r->len < 7 ? r->len : 7);
}

void ma_feat_expand(const ma_feat_rec_t *r, ma_feat_link_fn get, void *ctx, ma_feat_t *out)
{
    double *v = out->v;
    roll_t w;
    roll_collect(r, get, ctx, &w);
    out->present = r->present;
    out->invalid = r->invalid;
    out->fc = r->fc;
    out->td_full = w.ntd == MA_FEAT_ROLL;
    uint8_t fc = r->fc;
    bool roll_full = w.n >= MA_FEAT_ROLL;
    summary_t pl = {0, 0, 0, 0}, pes = {0, 0, 0, 0}, tds = {0, 0, 0, 0};
    if (roll_full) {
        pl = ma_summarize(w.len, MA_FEAT_ROLL);
        pes = ma_summarize(w.pe, MA_FEAT_ROLL);
    }
    if (out->td_full)
        tds = ma_summarize(w.td, MA_FEAT_ROLL);

    v[MA_F_PACKET_LENGTH] = r->len;
    v[MA_F_MODBUS_LENGTH] = r->len >= 6 ? r->mlen : 0;
    v[MA_F_DATA_LENGTH] = r->len > 8 ? r->len - 8 : 0;
    v[MA_F_TRANSACTION_ID] = r->len >= 2 ? r->tid : 0;
    v[MA_F_PROTOCOL_ID] = r->len >= 4 ? r->pid : 0;
    v[MA_F_UNIT_ID] = r->unit;
    v[MA_F_FUNCTION_CODE] = fc;

    v[MA_F_PL_MEAN10] = pl.mean;
    v[MA_F_PL_STD10] = pl.std;
    v[MA_F_PL_MAX10] = roll_full ? (uint32_t)pl.max : 0;
    v[MA_F_PL_MIN10] = roll_full ? (uint32_t)pl.min : 0;
    v[MA_F_PL_CV10] = pl.mean != 0.0 ? pl.std / pl.mean : 0.0;

    double td = (double)r->td_ns / 1e9;
    v[MA_F_TD] = td;
    v[MA_F_TD_MS] = td * 1000.0;
    v[MA_F_TD_MEAN10] = tds.mean;
    v[MA_F_TD_STD10] = tds.std;
    v[MA_F_TD_CV10] = tds.mean != 0.0 ? tds.std / tds.mean : 0.0;
    v[MA_F_TD_MIN10] = tds.min;
    v[MA_F_TD_MAX10] = tds.max;

    v[MA_F_PE] = r->pe;
    v[MA_F_HE] = rec_header_entropy(r);
    v[MA_F_FE] = r->fe;
    v[MA_F_PE_MEAN10] = pes.mean;
    v[MA_F_PE_STD10] = pes.std;
    v[MA_F_PE_MAX10] = pes.max;
    v[MA_F_PE_MIN10] = pes.min;

    bool rd = fc >= 1 && fc <= 4;
    bool wr = fc == 5 || fc == 6 || fc == 15 || fc == 16;
    v[MA_F_IS_READ] = rd;
    v[MA_F_IS_WRITE] = wr;
    v[MA_F_IS_ERROR] = fc >= 128;
    v[MA_F_FC_CHANGES] = (r->bits & MA_REC_CHANGED) != 0;
    v[MA_F_FC_STAB10] = roll_full ? (double)w.same / (double)MA_FEAT_ROLL : 0.0;

    v[MA_F_UNIQUE_SRC] = r->uniq_src;
    v[MA_F_UNIQUE_DST] = r->uniq_dst;
    v[MA_F_UNIQUE_UNITS] = r->uniq_units;
    v[MA_F_PKTS_SRC] = r->pkts_src;
    v[MA_F_PKTS_DST] = r->pkts_dst;
    v[MA_F_PKTS_UNIT] = r->pkts_unit;

    v[MA_F_PID_VALID] = !(r->invalid & MA_INVALID_PROTOCOL_ID);
    v[MA_F_UNIT_VALID] = !(r->invalid & MA_INVALID_UNIT_ID);
    v[MA_F_FC_VALID] = !(r->invalid & MA_INVALID_FC);
    v[MA_F_LEN_CONSISTENT] = !(r->invalid & MA_INVALID_LENGTH);
    v[MA_F_IS_VALID] = r->invalid == 0;

    v[MA_F_BURST] = (r->bits & MA_REC_BURST) != 0;
    v[MA_F_PERIODICITY] = out->td_full ? 1.0 - v[MA_F_TD_CV10] : 0.0;
    v[MA_F_ENTROPY_STABILITY] = roll_full ? 1.0 / (1.0 + pes.std) : 0.0;
    v[MA_F_INTENSITY] = r->pkts_60s ? (double)r->pkts_60s / ((double)r->span_ns / 1e9) : 0.0;
    v[MA_F_RW_RATIO] = (double)r->reads_60s / (r->writes_60s ? r->writes_60s : 1);

    v[MA_F_ROLL_COUNT] = w.n;
    v[MA_F_PKTS_60S] = r->pkts_60s;
    v[MA_F_FC_DISTINCT_60S] = r->fc_distinct_60s;
    v[MA_F_FC_SHARE_60S] = r->pkts_60s ? (double)r->fc_count_60s / r->pkts_60s : 0.0;
    v[MA_F_VIOLATION_60S] = r->pkts_60s ? (double)r->invalid_60s / r->pkts_60s : 0.0;
    v[MA_F_WINDOW_TRUNCATED] = (r->bits & MA_REC_TRUNCATED) != 0;

    v[MA_F_SESS_PACKETS] = r->sess_packets;
    v[MA_F_SESS_DURATION] = (double)r->sess_dur_ns / 1e9;
    v[MA_F_SESS_DOMINANT_FC] = r->sess_dominant;
    v[MA_F_SESS_PAIRING] = r->sess_requests ? (double)r->sess_paired / (double)r->sess_requests : 0.0;

    v[MA_F_RESPONSE_TIME] = (r->present & MA_FEAT_HAS_RT) ? (double)r->rt_ns / 1e9 : 0.0;
    for (int m = 0; m < MA_OUT_N; m++) {
        int col = MA_F_OUT_RT_Z + 3 * m;
        bool has = (r->present & MA_FEAT_HAS_OUT(m)) != 0;
        v[col] = has ? r->z[m] : 0.0;
        v[col + 1] = has ? ma_feat_rec_sigma(r, m) : 0;
        v[col + 2] = has && (r->bits & MA_REC_IQR(m));
    }
}

/* Room for one more entry of rc, oldest first from slot 0. */
static void recent_grow(recent_t *rc)
{
    unsigned cap = rc->cap ? rc->cap * 2 : 2;
    if (rc->cap < RECENT_N)
        cap = MIN(cap, RECENT_N);
    recent_ent_t *ent = g_new(recent_ent_t, cap);
    for (unsigned j = 0; j < rc->n; j++)
        ent[j] = rc->ent[(rc->start + j) % rc->cap];
    g_free(rc->ent);
    rc->ent = ent;
    rc->cap = cap;
    rc->start = 0;
}

/* Add a record's link; the oldest goes only when the ten before the first
 * of its frame's entries stay. */
static void recent_put(recent_t *rc, const ma_feat_rec_t *r, uint32_t frame, uint32_t index)
{
    if (rc->n == 0 || frame != rc->last_frame) {
        rc->last_frame = frame;
        rc->last_frame_n = 0;
    }
    unsigned slot;
    if (rc->n == rc->cap && rc->n > MA_FEAT_ROLL + rc->last_frame_n) {
        slot = rc->start;
        rc->start = (rc->start + 1) % rc->cap;
    } else {
        if (rc->n == rc->cap)
            recent_grow(rc);
        slot = (rc->start + rc->n++) % rc->cap;
    }
    recent_ent_t *e = &rc->ent[slot];
    ma_feat_link_of(r, &e->link);
    e->frame = frame;
    e->index = index;
    rc->last_frame_n++;
}

const ma_feat_recent_t *ma_feat_keep_recent(ma_feat_engine_t *e, const ma_feat_rec_t *r, uint32_t frame,
                                            uint32_t index)
{
    flow_t *f = e->last_flow;
    if (!f->recent)
        f->recent = g_new0(recent_t, 1);
    recent_put(f->recent, r, frame, index);
    return f->recent;
}

bool ma_feat_recent_find(const ma_feat_recent_t *rc, uint32_t frame, uint32_t index, ma_feat_link_t *out)
{
    for (unsigned i = 0; rc && i < rc->n; i++) {
        const recent_ent_t *e = &rc->ent[(rc->start + i) % rc->cap];
        if (e->frame == frame && e->index == index) {
            *out = e->link;
            return true;
        }
    }
    return false;
}

/* ma_feat_pdu()'s links: the flow's recent ones, by its own numbers. */
static bool recent_get(void *ctx, uint32_t frame, uint32_t index, ma_feat_link_t *out)
{
    return ma_feat_recent_find(ctx, frame, index, out);
}

void ma_feat_pdu(ma_feat_engine_t *e, const ma_feat_in_t *in, ma_feat_t *out)
{
    ma_feat_in_t own = *in;
    own.frame = ++e->pdu_seq;
    own.index = 0;
    ma_feat_rec_t r;
    ma_feat_pdu_rec(e, &own, &r);
    const ma_feat_recent_t *rc = ma_feat_keep_recent(e, &r, own.frame, 0);
    memset(out, 0, sizeof *out);
    ma_feat_expand(&r, recent_get, (void *)(uintptr_t)rc, out);
}
