/* ma_watch.c - watched registers: values on reads and writes, their history
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A watched register (name, server, unit, table, address, type, byte order)
 * takes a value from every paired read response whose request covered it
 * and from every write request that covers it (fc 5/15 coils, 6/16/23
 * holding). One history per (watch, server, port, unit): observations,
 * changes (value differs from the previous observation) and the first
 * max_list changes with their frames.
 */
#include <math.h>
#include <string.h>

#include "ma_regs_int.h"

unsigned ma_vtype_words(ma_vtype_t type)
{
    return type == MA_VT_U32 || type == MA_VT_S32 || type == MA_VT_F32 ? 2 : 1;
}

bool ma_vtype_parse(const char *s, ma_vtype_t *out)
{
    static const char *const names[] = {"u16", "s16", "u32", "s32", "f32", "bool"};
    for (unsigned i = 0; s && i < G_N_ELEMENTS(names); i++)
        if (g_ascii_strcasecmp(s, names[i]) == 0) {
            *out = (ma_vtype_t)i;
            return true;
        }
    return false;
}

bool ma_order_parse(const char *s, ma_order_t *out)
{
    static const char *const names[] = {"ABCD", "CDAB", "BADC", "DCBA"};
    for (unsigned i = 0; s && i < G_N_ELEMENTS(names); i++)
        if (g_ascii_strcasecmp(s, names[i]) == 0) {
            *out = (ma_order_t)i;
            return true;
        }
    return false;
}

static uint16_t swab16(uint16_t w)
{
    return (uint16_t)(w << 8 | w >> 8);
}

double ma_watch_decode(ma_vtype_t type, ma_order_t order, const uint16_t *words)
{
    switch (type) {
    case MA_VT_U16:
        return order == MA_ORDER_BADC || order == MA_ORDER_DCBA ? swab16(words[0]) : words[0];
    case MA_VT_S16:
        return (int16_t)(order == MA_ORDER_BADC || order == MA_ORDER_DCBA ? swab16(words[0]) : words[0]);
    case MA_VT_BOOL:
        return words[0] ? 1 : 0;
    default:
        break;
    }
    uint16_t hi = words[0], lo = words[1];
    if (order == MA_ORDER_CDAB || order == MA_ORDER_DCBA) {
        hi = words[1];
        lo = words[0];
    }
    if (order == MA_ORDER_BADC || order == MA_ORDER_DCBA) {
        hi = swab16(hi);
        lo = swab16(lo);
    }
    uint32_t u = (uint32_t)hi << 16 | lo;
    if (type == MA_VT_U32)
        return u;
    if (type == MA_VT_S32)
        return (int32_t)u;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

void ma_watch_free(gpointer p)
{
    ma_watch_t *w = p;
    g_free(w->list);
    g_free(w);
}

static unsigned def_words(const ma_watch_def_t *d)
{
    return d->table == MA_TBL_COILS || d->table == MA_TBL_DISCRETE ? 1 : ma_vtype_words(d->type);
}

static bool def_covers(const ma_watch_def_t *d, const ma_pair_t *pair, uint8_t unit, ma_table_t table,
                       uint32_t start, uint32_t n)
{
    return d->table == table && (d->server.len == 0 || ma_addr_equal(&d->server, &pair->server)) &&
           (d->unit < 0 || d->unit == unit) && d->addr >= start && d->addr + def_words(d) <= start + n;
}

void ma_watch_group_refs(ma_regs_t *r, ma_poll_group_t *g)
{
    ma_grp_priv_t *p = g->priv;
    for (unsigned i = 0; i < r->nwdefs; i++)
        if (def_covers(&r->wdefs[i], g->pair, g->unit, g->table, g->start, g->count)) {
            ma_ref_t ref = {.idx = i, .inst = -1, .off = (uint16_t)(r->wdefs[i].addr - g->start)};
            ma_refs_append(&p->wrefs, &ref);
        }
}

typedef struct watch_key {
    uint32_t  def;
    ma_addr_t server;
    uint16_t  port;
    uint8_t   unit;
} watch_key_t;

static guint watch_hash(gconstpointer p)
{
    const watch_key_t *k = p;
    guint h = k->def * 2654435761u ^ ((guint)k->port << 8 | k->unit);
    for (unsigned i = 0; i < k->server.len; i++)
        h = h * 31 + k->server.bytes[i];
    return h;
}

static gboolean watch_equal(gconstpointer a, gconstpointer b)
{
    const watch_key_t *x = a, *y = b;
    return x->def == y->def && x->port == y->port && x->unit == y->unit && ma_addr_equal(&x->server, &y->server);
}

static uint32_t watch_instance(ma_regs_t *r, uint32_t def, const ma_pair_t *pair, uint8_t unit)
{
    if (!r->watch_by_key)
        r->watch_by_key = g_hash_table_new_full(watch_hash, watch_equal, g_free, NULL);
    watch_key_t key;
    memset(&key, 0, sizeof key);
    key.def = def;
    key.server = pair->server;
    key.port = pair->server_port;
    key.unit = unit;
    gpointer v = g_hash_table_lookup(r->watch_by_key, &key);
    if (v)
        return GPOINTER_TO_UINT(v) - 1;
    ma_watch_t *w = g_new0(ma_watch_t, 1);
    w->def = &r->wdefs[def];
    w->server = pair->server;
    w->port = pair->server_port;
    w->unit = unit;
    g_ptr_array_add(r->watches, w);
    g_hash_table_insert(r->watch_by_key, g_memdup2(&key, sizeof key), GUINT_TO_POINTER(r->watches->len));
    return r->watches->len - 1;
}

/* Record value of instance idx at frame/ts into *o. */
static void observe(ma_regs_t *r, uint32_t idx, double value, bool write, uint32_t frame, ma_ns_t ts,
                    ma_reg_obs_t *o)
{
    ma_watch_t *w = g_ptr_array_index(r->watches, idx);
    memset(o, 0, sizeof *o);
    o->watch = idx;
    o->value = value;
    o->flags = write ? MA_REGO_WRITE : 0;
    bool first = w->reads + w->writes == 0;
    if (first) {
        o->flags |= MA_REGO_FIRST;
        w->first_value = value;
        w->first_ts = ts;
    } else {
        o->prev = w->last_value;
        /* NaN never equals itself: count a NaN after a NaN as unchanged. */
        bool same = value == w->last_value || (isnan(value) && isnan(w->last_value));
        if (!same) {
            o->flags |= MA_REGO_CHANGED;
            w->changes++;
            if (w->changes_listed < r->cfg.max_list) {
                w->list = g_renew(ma_reg_change_t, w->list, w->changes_listed + 1);
                w->list[w->changes_listed++] = (ma_reg_change_t){
                    .frame = frame, .ts = ts, .prev = w->last_value, .value = value, .write = write};
            }
        }
    }
    if (write)
        w->writes++;
    else
        w->reads++;
    w->last_value = value;
    w->last_ts = ts;
}

/* Value of watch d at offset off of words (registers) or bits. */
static double value_at(const ma_watch_def_t *d, ma_table_t table, const uint16_t *words, const uint8_t *bits,
                       unsigned off)
{
    if (table == MA_TBL_COILS || table == MA_TBL_DISCRETE)
        return bits[off] ? 1 : 0;
    return ma_watch_decode(d->type, d->order, words + off); /* bool: register != 0 */
}

unsigned ma_watch_read(ma_regs_t *r, ma_poll_group_t *g, const ma_pdu_in_t *in, ma_reg_obs_t *out, unsigned max)
{
    ma_grp_priv_t *p = g->priv;
    bool bitt = g->table == MA_TBL_COILS || g->table == MA_TBL_DISCRETE;
    unsigned have = bitt ? MIN(in->nbits, g->count) : MIN(in->nwords, g->count);
    unsigned n = 0;
    for (guint k = 0; k < ma_refs_len(p->wrefs) && n < max; k++) {
        ma_ref_t *ref = &g_array_index(p->wrefs, ma_ref_t, k);
        const ma_watch_def_t *d = &r->wdefs[ref->idx];
        if (ref->off + def_words(d) > have)
            continue;
        if (ref->inst < 0)
            ref->inst = (int32_t)watch_instance(r, ref->idx, g->pair, g->unit);
        observe(r, (uint32_t)ref->inst, value_at(d, g->table, in->words, in->bits, ref->off), false, in->frame,
                in->ts, &out[n++]);
    }
    return n;
}

unsigned ma_watch_write(ma_regs_t *r, const ma_pdu_in_t *in, const ma_pdu_t *pdu, ma_reg_obs_t *out, unsigned max)
{
    int table = ma_table_of_write_fc(in->fc);
    if (table < 0)
        return 0;
    int32_t start = in->fc == 23 ? in->wref : in->ref;
    bool bitt = table == MA_TBL_COILS;
    uint32_t n = bitt ? in->nbits : in->nwords;
    if (in->fc != 23 && in->count >= 0 && (uint32_t)in->count < n)
        n = (uint32_t)in->count; /* values past the request's quantity are not written */
    if (start < 0 || n == 0)
        return 0;
    unsigned k = 0;
    for (unsigned i = 0; i < r->nwdefs && k < max; i++) {
        const ma_watch_def_t *d = &r->wdefs[i];
        if (!def_covers(d, pdu->pair, in->unit, (ma_table_t)table, (uint32_t)start, n))
            continue;
        uint32_t idx = watch_instance(r, i, pdu->pair, in->unit);
        observe(r, idx, value_at(d, (ma_table_t)table, in->words, in->bits, d->addr - (uint32_t)start), true,
                in->frame, in->ts, &out[k++]);
    }
    return k;
}
