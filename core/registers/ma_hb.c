/* ma_hb.c - heartbeat registers: stalls, recoveries, resets, auto-detection
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A heartbeat instance is a definition (or an auto-detected register) on one
 * pair and unit. Each paired read response that carries it is a poll:
 *  - unchanged: the same value as the previous poll;
 *  - stalled: after stall_polls consecutive unchanged polls, or when the
 *    value has not changed for longer than stall_factor x the cadence (the
 *    median of the last <= 15 periods between its polls, from 3 periods on);
 *    the stall starts at the first unchanged poll and ends (recovered) at
 *    the first poll whose value differs;
 *  - reset: a decrease that is not a wrap; a wrap is a decrease whose
 *    forward distance (value - prev) mod 2^bits is <= 2^bits / 64.
 * Auto-detection: a register of a holding/input read is a counter once it
 * has >= 10 polls, changed on >= 80% of them, and >= 80% of its changes were
 * one step s with 1 <= s <= 16 (differences taken mod 2^16, so a wrap
 * counts as +1; counting down is not detected - define such a heartbeat).
 */
#include <stdlib.h>
#include <string.h>

#include "ma_regs_int.h"

typedef struct inst_key {
    int32_t  def;       /* definition index, -1: auto */
    uint32_t pair;
    uint16_t reg;
    uint8_t  unit, table;
} inst_key_t;

static guint inst_hash(gconstpointer p)
{
    const inst_key_t *k = p;
    return ((guint)k->def * 2654435761u) ^ (k->pair * 40503u) ^ ((guint)k->reg << 12) ^ ((guint)k->unit << 4) ^
           k->table;
}

static gboolean inst_equal(gconstpointer a, gconstpointer b)
{
    const inst_key_t *x = a, *y = b;
    return x->def == y->def && x->pair == y->pair && x->reg == y->reg && x->unit == y->unit &&
           x->table == y->table;
}

void ma_hb_free(gpointer p)
{
    ma_hb_t *h = p;
    g_free(h->name);
    g_free(h->list);
    g_free(h);
}

uint32_t ma_hb_instance(ma_regs_t *r, int def, const ma_pair_t *pair, uint8_t unit, ma_table_t table,
                        uint16_t reg, uint8_t words, const char *name, ma_hb_source_t src)
{
    if (!r->hb_by_key)
        r->hb_by_key = g_hash_table_new_full(inst_hash, inst_equal, g_free, NULL);
    inst_key_t key = {.def = def, .pair = pair->id, .reg = reg, .unit = unit, .table = (uint8_t)table};
    gpointer v = g_hash_table_lookup(r->hb_by_key, &key);
    if (v)
        return GPOINTER_TO_UINT(v) - 1;
    if (def >= 0)
        r->def_used[def]++;
    ma_hb_t *h = g_new0(ma_hb_t, 1);
    h->name = g_strdup(name);
    h->source = src;
    h->pair = pair;
    h->unit = unit;
    h->table = table;
    h->reg = reg;
    h->words = words;
    g_ptr_array_add(r->hbs, h);
    g_hash_table_insert(r->hb_by_key, g_memdup2(&key, sizeof key), GUINT_TO_POINTER(r->hbs->len));
    return r->hbs->len - 1;
}

/* Median of the last <= 15 periods between the heartbeat's polls (0 before
 * 3 periods). */
static ma_ns_t hb_cadence(const ma_hb_t *h)
{
    size_t n = MIN(h->nperiods, G_N_ELEMENTS(h->periods));
    if (n < 3)
        return 0;
    ma_ns_t tmp[G_N_ELEMENTS(h->periods)];
    memcpy(tmp, h->periods, n * sizeof tmp[0]);
    for (size_t i = 1; i < n; i++) { /* insertion sort: n <= 15 */
        ma_ns_t x = tmp[i];
        size_t j = i;
        for (; j > 0 && tmp[j - 1] > x; j--)
            tmp[j] = tmp[j - 1];
        tmp[j] = x;
    }
    return n % 2 ? tmp[n / 2] : tmp[n / 2 - 1] + (tmp[n / 2] - tmp[n / 2 - 1]) / 2;
}

/* A decrease from prev to v of a bits-wide counter is a wrap when the
 * forward distance is at most 1/64 of the range. */
static bool is_wrap(uint32_t prev, uint32_t v, unsigned bits)
{
    uint64_t range = (uint64_t)1 << bits;
    uint64_t fwd = ((uint64_t)v + range - prev) & (range - 1);
    return fwd <= range / 64;
}

void ma_hb_poll(ma_regs_t *r, uint32_t idx, uint32_t v, uint32_t frame, ma_ns_t ts, ma_hb_obs_t *obs)
{
    ma_hb_t *h = g_ptr_array_index(r->hbs, idx);
    memset(obs, 0, sizeof *obs);
    obs->hb = idx;
    obs->value = v;
    bool bit = h->table == MA_TBL_COILS || h->table == MA_TBL_DISCRETE;
    if (h->polls == 0) {
        obs->flags |= MA_HBO_FIRST;
        h->first_ts = ts;
        h->change_ts = ts;
    } else {
        h->periods[h->nperiods++ % G_N_ELEMENTS(h->periods)] = ts - h->prev_ts;
        uint32_t prev = h->last_value;
        obs->prev = prev;
        obs->delta = (int64_t)v - (int64_t)prev;
        if (v == prev) {
            if (++h->unchanged == 1) {
                h->run_frame = frame;
                h->run_ts = ts;
            }
            if (!h->stalled) {
                ma_ns_t cad = hb_cadence(h);
                bool by_time = r->cfg.stall_factor > 0 && cad > 0 &&
                               (double)(ts - h->change_ts) > r->cfg.stall_factor * (double)cad;
                if (h->unchanged >= r->cfg.stall_polls || by_time) {
                    h->stalled = true;
                    h->stalls++;
                    obs->flags |= MA_HBO_STALL;
                    h->cur = (ma_hb_stall_t){.start_frame = h->run_frame, .start_ts = h->run_ts, .value = v};
                }
            }
            if (h->stalled) {
                obs->flags |= MA_HBO_STALLED;
                h->cur.polls = h->unchanged;
                h->cur.last_ts = ts;
                obs->stall_frame = h->cur.start_frame;
            }
        } else {
            h->changes++;
            obs->flags |= MA_HBO_CHANGED;
            if (v < prev && !bit) {
                if (is_wrap(prev, v, 16u * h->words)) {
                    obs->flags |= MA_HBO_WRAP;
                    h->wraps++;
                } else {
                    obs->flags |= MA_HBO_RESET;
                    h->resets++;
                }
            }
            if (h->stalled) {
                h->stalled = false;
                h->cur.end_frame = frame;
                h->cur.end_ts = ts;
                ma_ns_t d = ts - h->cur.start_ts;
                if (d > h->longest_stall)
                    h->longest_stall = d;
                obs->flags |= MA_HBO_RECOVERED;
                obs->stall_frame = h->cur.start_frame;
                obs->stall_duration = d;
                if (h->stalls_listed < r->cfg.max_list) {
                    h->list = g_renew(ma_hb_stall_t, h->list, h->stalls_listed + 1);
                    h->list[h->stalls_listed++] = h->cur;
                }
            }
            h->unchanged = 0;
            h->change_ts = ts;
        }
    }
    obs->unchanged = h->unchanged;
    obs->since_change = ts - h->change_ts;
    h->last_value = v;
    h->polls++;
    h->prev_ts = ts;
    h->last_ts = ts;
}

/* Promote auto state a (register i of g, before this poll) to a heartbeat
 * that continues from it. */
static uint32_t promote(ma_regs_t *r, ma_poll_group_t *g, unsigned i, const ma_auto_t *a)
{
    char name[48];
    g_snprintf(name, sizeof name, "auto %s %u", ma_table_name(g->table), (unsigned)(g->start + i));
    uint32_t idx = ma_hb_instance(r, -1, g->pair, g->unit, g->table, (uint16_t)(g->start + i), 1, name,
                                  MA_HB_SRC_AUTO);
    ma_hb_t *h = g_ptr_array_index(r->hbs, idx);
    if (h->polls == 0) { /* not already promoted through another group */
        h->polls = a->polls;
        h->changes = a->changes;
        h->last_value = a->last;
        h->change_ts = a->change_ts;
        h->unchanged = a->unchanged;
        h->run_frame = a->run_frame;
        h->run_ts = a->run_ts;
        h->prev_ts = a->prev_ts;
        h->first_ts = a->first_ts;
    }
    ma_grp_priv_t *p = g->priv;
    ma_ref_t ref = {.idx = idx, .inst = -1, .off = (uint16_t)i};
    ma_refs_append(&p->hbrefs, &ref);
    p->covered[i] = 1;
    return idx;
}

bool ma_auto_poll(ma_regs_t *r, ma_poll_group_t *g, unsigned i, uint16_t v, uint32_t frame, ma_ns_t ts,
                  ma_hb_obs_t *obs)
{
    ma_grp_priv_t *p = g->priv;
    ma_auto_t *a = &p->autos[i];
    if (a->polls == 0) {
        a->polls = 1;
        a->last = v;
        a->first_ts = ts;
        a->change_ts = ts;
        a->prev_ts = ts;
        return false;
    }
    ma_auto_t before = *a;
    a->polls++;
    if (v == a->last) {
        if (++a->unchanged == 1) {
            a->run_frame = frame;
            a->run_ts = ts;
        }
    } else {
        int16_t step = (int16_t)(uint16_t)(v - a->last);
        a->changes++;
        unsigned k;
        for (k = 0; k < a->nsteps && a->step[k] != step; k++)
            ;
        if (k < a->nsteps) {
            a->stepc[k]++;
        } else if (a->nsteps < G_N_ELEMENTS(a->step)) {
            a->step[a->nsteps] = step;
            a->stepc[a->nsteps++] = 1;
        }
        a->unchanged = 0;
        a->change_ts = ts;
    }
    a->last = v;
    a->prev_ts = ts;
    if (a->polls < MA_REGS_AUTO_MIN_POLLS)
        return false;
    uint32_t deltas = a->polls - 1;
    if ((uint64_t)a->changes * 5 < (uint64_t)deltas * 4)
        return false;
    unsigned best = 0;
    for (unsigned k = 1; k < a->nsteps; k++)
        if (a->stepc[k] > a->stepc[best])
            best = k;
    if (a->nsteps == 0 || (uint64_t)a->stepc[best] * 5 < (uint64_t)a->changes * 4 || a->step[best] < 1 ||
        a->step[best] > MA_REGS_AUTO_MAX_STEP)
        return false;
    uint32_t idx = promote(r, g, i, &before);
    ma_hb_poll(r, idx, v, frame, ts, obs);
    return true;
}

void ma_hb_finalize(ma_regs_t *r)
{
    for (guint i = 0; i < r->hbs->len; i++) {
        ma_hb_t *h = g_ptr_array_index(r->hbs, i);
        if (!h->stalled)
            continue;
        ma_ns_t d = h->cur.last_ts - h->cur.start_ts;
        if (d > h->longest_stall)
            h->longest_stall = d;
        if (h->stalls_listed < r->cfg.max_list) {
            h->list = g_renew(ma_hb_stall_t, h->list, h->stalls_listed + 1);
            h->list[h->stalls_listed++] = h->cur; /* end_frame 0: still stalled */
        }
    }
}
