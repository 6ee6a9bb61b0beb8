/* ma_regs.c - poll groups and the dispatch of register data
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A poll group is one distinct read: (pair, unit, fc, start, count). Its
 * polls are the requests (TCP retransmissions excluded); its cadence,
 * bursts, gaps and stop are judged once, at the end of the first pass, from
 * every poll time (ma_regs.h; docs/heartbeats.md has the full contract).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ma_regs_int.h"

#define MAX_PERIODS_STORED (4u * 1024u * 1024u) /* 32 MiB over all groups */
#define ARENA_BLOCK (256u * 1024u)

const char *ma_hb_source_name(ma_hb_source_t s)
{
    static const char *const names[] = {"hb_defs", "pcap_monitor", "uat", "auto"};
    return (unsigned)s < G_N_ELEMENTS(names) ? names[s] : "?";
}

void ma_regs_config_defaults(ma_regs_config_t *cfg)
{
    cfg->stall_polls = MA_REGS_DEFAULT_STALL_POLLS;
    cfg->stall_factor = MA_REGS_DEFAULT_STALL_FACTOR;
    cfg->auto_detect = true;
    cfg->max_groups = 65536;
    cfg->max_auto = 262144;
    cfg->max_list = 1000;
    cfg->gap_min = MA_REGS_DEFAULT_GAP_MIN;
    cfg->min_polls = MA_REGS_DEFAULT_MIN_POLLS;
}

/* ---- arena ---- */

void *ma_regs_alloc(ma_regs_t *r, size_t size)
{
    return ma_arena_alloc(&r->arena, size);
}

/* ---- keys ---- */

typedef struct grp_key {
    uint32_t pair;
    uint16_t start, count;
    uint8_t  unit, fc;
} grp_key_t;

static guint grp_hash(gconstpointer p)
{
    const grp_key_t *k = p;
    return (k->pair * 2654435761u) ^ ((guint)k->start << 16 | k->count) ^ ((guint)k->unit << 8 | k->fc) * 40503u;
}

static gboolean grp_equal(gconstpointer a, gconstpointer b)
{
    const grp_key_t *x = a, *y = b;
    return x->pair == y->pair && x->start == y->start && x->count == y->count && x->unit == y->unit &&
           x->fc == y->fc;
}

static void def_copy(ma_hb_def_t *dst, const ma_hb_def_t *src)
{
    *dst = *src;
    dst->name = g_strdup(src->name ? src->name : "");
}

ma_regs_t *ma_regs_new(const ma_regs_config_t *cfg, const ma_hb_def_t *defs, unsigned ndefs,
                       const ma_watch_def_t *watches, unsigned nwatches)
{
    ma_regs_t *r = g_new0(ma_regs_t, 1);
    if (cfg)
        r->cfg = *cfg;
    else
        ma_regs_config_defaults(&r->cfg);
    if (r->cfg.stall_polls < 1)
        r->cfg.stall_polls = 1;
    if (!(r->cfg.stall_factor >= 0) || !isfinite(r->cfg.stall_factor))
        r->cfg.stall_factor = 0;
    r->defs = g_new0(ma_hb_def_t, ndefs ? ndefs : 1);
    for (unsigned i = 0; i < ndefs; i++)
        def_copy(&r->defs[i], &defs[i]);
    r->ndefs = ndefs;
    r->def_used = g_new0(uint32_t, ndefs ? ndefs : 1);
    r->wdefs = g_new0(ma_watch_def_t, nwatches ? nwatches : 1);
    for (unsigned i = 0; i < nwatches; i++) {
        r->wdefs[i] = watches[i];
        r->wdefs[i].name = g_strdup(watches[i].name ? watches[i].name : "");
    }
    r->nwdefs = nwatches;
    r->groups_by_key = g_hash_table_new_full(grp_hash, grp_equal, g_free, NULL);
    r->groups = g_ptr_array_new();
    r->hbs = g_ptr_array_new_with_free_func(ma_hb_free);
    r->watches = g_ptr_array_new_with_free_func(ma_watch_free);
    ma_arena_init(&r->arena, ARENA_BLOCK);
    return r;
}

static void group_free(ma_poll_group_t *g)
{
    ma_grp_priv_t *p = g->priv;
    if (p->hbrefs)
        g_array_free(p->hbrefs, TRUE);
    if (p->wrefs)
        g_array_free(p->wrefs, TRUE);
    g_free(p->ts);
    g_free(p->frames);
    g_free(g->gap_list);
    /* g, p, autos and covered are in the arena */
}

void ma_regs_free(ma_regs_t *r)
{
    if (!r)
        return;
    for (guint i = 0; i < r->groups->len; i++)
        group_free(g_ptr_array_index(r->groups, i));
    g_ptr_array_free(r->groups, TRUE);
    g_hash_table_destroy(r->groups_by_key);
    if (r->hb_by_key)
        g_hash_table_destroy(r->hb_by_key);
    if (r->watch_by_key)
        g_hash_table_destroy(r->watch_by_key);
    g_ptr_array_free(r->hbs, TRUE);
    g_ptr_array_free(r->watches, TRUE);
    ma_arena_clear(&r->arena);
    for (unsigned i = 0; i < r->ndefs; i++)
        g_free(r->defs[i].name);
    g_free(r->defs);
    g_free(r->def_used);
    for (unsigned i = 0; i < r->nwdefs; i++)
        g_free(r->wdefs[i].name);
    g_free(r->wdefs);
    g_free(r);
}

/* ---- poll groups ---- */

static bool addr_match(const ma_addr_t *want, const ma_addr_t *have)
{
    return want->len == 0 || ma_addr_equal(want, have);
}

/* Does heartbeat definition d apply to group g? */
static bool def_matches(const ma_hb_def_t *d, const ma_poll_group_t *g)
{
    if (d->table != g->table || !addr_match(&d->client, &g->pair->client) ||
        !addr_match(&d->server, &g->pair->server) || (d->port >= 0 && d->port != g->pair->server_port) ||
        (d->unit >= 0 && d->unit != g->unit))
        return false;
    if (d->poll_start >= 0 && d->poll_start != g->start)
        return false;
    if (d->poll_count >= 0 && d->poll_count != g->count)
        return false;
    unsigned words = g->table == MA_TBL_COILS || g->table == MA_TBL_DISCRETE ? 1 : d->words;
    return d->reg >= g->start && (uint32_t)d->reg + words <= (uint32_t)g->start + g->count;
}

static ma_poll_group_t *group_new(ma_regs_t *r, const grp_key_t *key, const ma_pair_t *pair, ma_table_t table)
{
    ma_poll_group_t *g = ma_regs_alloc(r, sizeof *g);
    ma_grp_priv_t *p = ma_regs_alloc(r, sizeof *p);
    g->priv = p;
    g->pair = pair;
    g->unit = key->unit;
    g->fc = key->fc;
    g->table = table;
    g->start = key->start;
    g->count = key->count;
    for (unsigned i = 0; i < r->ndefs; i++) {
        const ma_hb_def_t *d = &r->defs[i];
        if (!def_matches(d, g))
            continue;
        unsigned words = table == MA_TBL_COILS || table == MA_TBL_DISCRETE ? 1 : d->words;
        ma_ref_t ref = {
            .idx = ma_hb_instance(r, (int)i, pair, g->unit, table, d->reg, (uint8_t)words, d->name, d->source),
            .inst = -1, .off = (uint16_t)(d->reg - g->start)};
        ma_refs_append(&p->hbrefs, &ref);
        if (!p->covered)
            p->covered = ma_regs_alloc(r, g->count);
        for (unsigned w = 0; w < words; w++)
            p->covered[ref.off + w] = 1;
    }
    bool regs = table == MA_TBL_HOLDING || table == MA_TBL_INPUT;
    if (r->cfg.auto_detect && regs) {
        if (r->auto_tracked + g->count <= r->cfg.max_auto) {
            p->autos = ma_regs_alloc(r, (size_t)g->count * sizeof *p->autos);
            r->auto_tracked += g->count;
            if (!p->covered)
                p->covered = ma_regs_alloc(r, g->count);
        } else {
            r->auto_dropped += g->count;
        }
    }
    ma_watch_group_refs(r, g);
    return g;
}

static int cmp_ns(const void *a, const void *b)
{
    ma_ns_t x = *(const ma_ns_t *)a, y = *(const ma_ns_t *)b;
    return (x > y) - (x < y);
}


/* One poll (request) of group g: its period and time (judged at the end). */
static void group_poll(ma_regs_t *r, ma_poll_group_t *g, const ma_pdu_in_t *in, ma_regs_rec_t *rec)
{
    ma_grp_priv_t *p = g->priv;
    rec->period = -1;
    if (g->polls == 0) {
        g->first_frame = in->frame;
        g->first_ts = in->ts;
    } else {
        rec->period = in->ts - g->last_ts;
    }
    if (r->periods_stored < MAX_PERIODS_STORED) {
        if (p->npolls == p->cap_polls) {
            p->cap_polls = p->cap_polls ? p->cap_polls * 2 : 4;
            p->ts = g_renew(ma_ns_t, p->ts, p->cap_polls);
            p->frames = g_renew(uint32_t, p->frames, p->cap_polls);
        }
        p->ts[p->npolls] = in->ts;
        p->frames[p->npolls++] = in->frame;
        r->periods_stored++;
    } else {
        g->periods_truncated = true;
    }
    g->polls++;
    g->last_frame = in->frame;
    g->last_ts = in->ts;
}

static ma_poll_group_t *group_of(ma_regs_t *r, const ma_pdu_in_t *in, const ma_pdu_t *pdu, ma_table_t table,
                                 uint32_t *index)
{
    grp_key_t key = {.pair = pdu->pair->id, .start = (uint16_t)in->ref, .count = (uint16_t)in->count,
                     .unit = in->unit, .fc = in->fc};
    gpointer v = g_hash_table_lookup(r->groups_by_key, &key);
    if (v) {
        *index = GPOINTER_TO_UINT(v);
        return g_ptr_array_index(r->groups, *index - 1);
    }
    if (r->groups->len >= r->cfg.max_groups) {
        r->groups_dropped++;
        return NULL;
    }
    ma_poll_group_t *g = group_new(r, &key, pdu->pair, table);
    g_ptr_array_add(r->groups, g);
    *index = r->groups->len;
    ma_grp_priv_t *p = g->priv;
    p->resp.period = -1;
    p->resp.group = *index;
    g_hash_table_insert(r->groups_by_key, g_memdup2(&key, sizeof key), GUINT_TO_POINTER(*index));
    return g;
}

/* The values of a paired read response, one per register / bit read. */
static unsigned response_values(const ma_poll_group_t *g, const ma_pdu_in_t *in, uint16_t *vals)
{
    unsigned n = 0;
    if (g->table == MA_TBL_COILS || g->table == MA_TBL_DISCRETE) {
        n = MIN(MIN(in->nbits, g->count), 2048u);
        for (unsigned i = 0; i < n; i++)
            vals[i] = in->bits[i] ? 1 : 0;
    } else {
        n = MIN(MIN(in->nwords, g->count), 2048u);
        if (n)
            memcpy(vals, in->words, n * sizeof vals[0]);
    }
    return n;
}

const ma_regs_rec_t *ma_regs_pdu(ma_regs_t *r, const ma_pdu_in_t *in, const ma_pdu_t *pdu)
{
    if (!r || !pdu->pair || in->malformed || (pdu->flags & MA_PDU_RETRANS))
        return NULL;
    if (pdu->kind == MA_PDU_REQUEST) {
        ma_reg_obs_t wobs[64];
        unsigned nw = r->nwdefs ? ma_watch_write(r, in, pdu, wobs, G_N_ELEMENTS(wobs)) : 0;
        int table = ma_table_of_read_fc(in->fc);
        ma_poll_group_t *g = NULL;
        uint32_t gi = 0;
        if (pdu->txn)
            pdu->txn->poll_group = 0;
        /* MAP v1.1b3 6.1-6.4, 6.17: at most 2000 bits or 125 registers per
         * read; a larger quantity is invalid and would only cost memory. */
        int32_t maxq = table == MA_TBL_COILS || table == MA_TBL_DISCRETE ? 2000 : 125;
        if (table >= 0 && in->ref >= 0 && in->count > 0 && in->count <= maxq && in->ref + in->count <= 65536 &&
            pdu->txn) {
            g = group_of(r, in, pdu, (ma_table_t)table, &gi);
            if (g)
                pdu->txn->poll_group = gi;
        }
        if (!g && nw == 0)
            return NULL;
        ma_regs_rec_t *rec = ma_regs_alloc(r, sizeof *rec + nw * sizeof(ma_reg_obs_t));
        rec->period = -1;
        if (g) {
            rec->group = gi;
            group_poll(r, g, in, rec);
        }
        if (nw) {
            memcpy(rec + 1, wobs, nw * sizeof *wobs);
            rec->n_reg = (uint16_t)nw;
        }
        return rec;
    }
    /* A response: only the one that answers its request, not an exception. */
    ma_txn_t *t = pdu->txn;
    if (!t || !t->poll_group || t->resp_frame != in->frame || (pdu->flags & (MA_PDU_DUPLICATE | MA_PDU_EXCEPTION)))
        return NULL;
    ma_poll_group_t *g = g_ptr_array_index(r->groups, t->poll_group - 1);
    ma_grp_priv_t *p = g->priv;
    uint16_t vals[2048];
    unsigned n = response_values(g, in, vals);
    g->responses++;
    ma_hb_obs_t hobs[256];
    unsigned nh = 0;
    for (guint k = 0; k < ma_refs_len(p->hbrefs) && nh < G_N_ELEMENTS(hobs); k++) {
        ma_ref_t *ref = &g_array_index(p->hbrefs, ma_ref_t, k);
        const ma_hb_t *h = g_ptr_array_index(r->hbs, ref->idx);
        if ((unsigned)ref->off + h->words > n)
            continue;
        uint32_t v = h->words == 2 ? (uint32_t)vals[ref->off] << 16 | vals[ref->off + 1] : vals[ref->off];
        ma_hb_poll(r, ref->idx, v, in->frame, in->ts, &hobs[nh++]);
    }
    if (p->autos) {
        ma_hb_obs_t scratch;
        for (unsigned i = 0; i < n; i++) {
            if (p->covered[i])
                continue;
            ma_hb_obs_t *dst = nh < G_N_ELEMENTS(hobs) ? &hobs[nh] : &scratch;
            if (ma_auto_poll(r, g, i, vals[i], in->frame, in->ts, dst) && nh < G_N_ELEMENTS(hobs))
                nh++;
        }
    }
    ma_reg_obs_t robs[64];
    unsigned nr = ma_refs_len(p->wrefs) ? ma_watch_read(r, g, in, robs, G_N_ELEMENTS(robs)) : 0;
    if (nh == 0 && nr == 0)
        return &p->resp; /* nothing of its own: the group's shared record */
    ma_regs_rec_t *rec = ma_regs_alloc(r, sizeof *rec + nh * sizeof(ma_hb_obs_t) + nr * sizeof(ma_reg_obs_t));
    rec->group = t->poll_group;
    rec->period = -1;
    ma_hb_obs_t *ho = (ma_hb_obs_t *)(void *)(rec + 1);
    memcpy(ho, hobs, nh * sizeof *ho);
    memcpy(ho + nh, robs, nr * sizeof *robs);
    rec->n_hb = (uint16_t)nh;
    rec->n_reg = (uint16_t)nr;
    return rec;
}

/* The typical cycle of sorted periods v[0..n) (ma_regs.h): the median, or
 * the median above a burst jump. */
static ma_ns_t cycle_of(const ma_ns_t *v, size_t n, bool *bursty)
{
    *bursty = false;
    size_t best = n, above_min = MAX((size_t)3, (size_t)ceil(MA_REGS_BURST_SHARE * (double)n));
    double ratio = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        double lo = (double)MAX(v[i], (ma_ns_t)1000); /* 1 us floor */
        double q = (double)v[i + 1] / lo;
        if (q > ratio && n - 1 - i >= above_min) {
            ratio = q;
            best = i + 1;
        }
    }
    if (best < n && ratio >= MA_REGS_BURST_RATIO) {
        *bursty = true;
        v += best;
        n -= best;
    }
    return n % 2 ? v[n / 2] : v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
}

/* A non-negative count held in a double, saturated to what uint64_t holds. */
static uint64_t count_of(double k)
{
    return k >= 1.8e19 ? UINT64_MAX : (uint64_t)k;
}

static bool is_gap(const ma_regs_t *r, const ma_poll_group_t *g, ma_ns_t period)
{
    return g->cadence > 0 && (double)period > MA_REGS_GAP_FACTOR * (double)g->cadence && period > r->cfg.gap_min;
}

/* Cadence, bursts, gaps, missed polls, jitter and stop of one group. */
static void group_finalize(ma_regs_t *r, ma_poll_group_t *g, ma_ns_t capture_end)
{
    ma_grp_priv_t *p = g->priv;
    size_t n = p->npolls;
    const ma_ns_t *ts = p->ts;
    const uint32_t *fr = p->frames;
    g->one_off = g->polls < r->cfg.min_polls || n < 2;
    if (g->one_off) {
        g->cycles = g->polls;
        return;
    }
    ma_ns_t *per = g_new(ma_ns_t, n - 1);
    for (size_t i = 1; i < n; i++)
        per[i - 1] = MAX(ts[i] - ts[i - 1], 0);
    ma_ns_t *sorted = g_memdup2(per, (n - 1) * sizeof *per);
    qsort(sorted, n - 1, sizeof *sorted, cmp_ns);
    g->cadence = cycle_of(sorted, n - 1, &g->bursty);
    g_free(sorted);
    g->cycles = 1;
    uint64_t wn = 0;
    double wmean = 0, wm2 = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        ma_ns_t x = per[i];
        if (g->bursty && (double)x <= 0.5 * (double)g->cadence)
            continue; /* within a burst */
        g->cycles++;
        if (is_gap(r, g, x)) {
            g->gaps++;
            double k = floor((double)x / (double)g->cadence + 0.5) - 1;
            g->missed_polls += k < 1 ? 1 : count_of(k);
            if (g->gaps_listed < r->cfg.max_list) {
                g->gap_list = g_renew(ma_gap_t, g->gap_list, g->gaps_listed + 1);
                g->gap_list[g->gaps_listed++] = (ma_gap_t){
                    .before_frame = fr[i], .after_frame = fr[i + 1],
                    .before_ts = ts[i], .after_ts = ts[i + 1], .cadence = g->cadence};
            }
            continue;
        }
        double s = (double)x / 1e9, d = s - wmean;
        wn++;
        wmean += d / (double)wn;
        wm2 += d * (s - wmean);
    }
    g_free(per);
    /* never more missed polls than the span has room for (no cadence: no gaps) */
    if (g->cadence > 0) {
        double slots = floor((double)(g->last_ts - g->first_ts) / (double)g->cadence + 0.5) + 1;
        uint64_t room = slots > (double)g->cycles ? count_of(slots - (double)g->cycles) : 0;
        room = MAX(room, g->gaps); /* a gap misses at least one poll */
        if (g->missed_polls > room)
            g->missed_polls = room;
    }
    g->jitter_s = wn ? sqrt(wm2 / (double)wn) : 0;
    ma_ns_t left = capture_end - g->last_ts;
    g->stopped = g->cadence > 0 && (double)left > MA_REGS_GAP_FACTOR * (double)g->cadence && left > r->cfg.gap_min;
}

void ma_regs_finalize(ma_regs_t *r, ma_ns_t capture_end)
{
    if (!r || r->finalized)
        return;
    r->finalized = true;
    for (guint i = 0; i < r->groups->len; i++)
        group_finalize(r, g_ptr_array_index(r->groups, i), capture_end);
    ma_hb_finalize(r);
}

bool ma_regs_poll_gap(const ma_regs_t *r, const ma_regs_rec_t *rec, ma_ns_t *cadence)
{
    *cadence = 0;
    if (!r || !rec || !rec->group || rec->group > r->groups->len || !r->finalized)
        return false;
    const ma_poll_group_t *g = g_ptr_array_index(r->groups, rec->group - 1);
    *cadence = g->cadence;
    if (rec->period < 0 || (g->bursty && (double)rec->period <= 0.5 * (double)g->cadence))
        return false;
    return is_gap(r, g, rec->period);
}

unsigned ma_regs_hb_count(const ma_regs_t *r) { return r ? r->hbs->len : 0; }
const ma_hb_t *ma_regs_hb(const ma_regs_t *r, unsigned i) { return g_ptr_array_index(r->hbs, i); }
unsigned ma_regs_group_count(const ma_regs_t *r) { return r ? r->groups->len : 0; }
const ma_poll_group_t *ma_regs_group(const ma_regs_t *r, unsigned i) { return g_ptr_array_index(r->groups, i); }
unsigned ma_regs_watch_count(const ma_regs_t *r) { return r ? r->watches->len : 0; }
const ma_watch_t *ma_regs_watch(const ma_regs_t *r, unsigned i) { return g_ptr_array_index(r->watches, i); }
uint64_t ma_regs_groups_dropped(const ma_regs_t *r) { return r->groups_dropped; }
uint64_t ma_regs_auto_dropped(const ma_regs_t *r) { return r->auto_dropped; }
const ma_regs_config_t *ma_regs_config(const ma_regs_t *r) { return &r->cfg; }
unsigned ma_regs_def_count(const ma_regs_t *r) { return r ? r->ndefs : 0; }
const ma_hb_def_t *ma_regs_def(const ma_regs_t *r, unsigned i) { return &r->defs[i]; }
uint32_t ma_regs_def_instances(const ma_regs_t *r, unsigned i) { return r->def_used[i]; }
