/* ma_stp.c - Spanning Tree events from decoded BPDUs (see ma_stp.h)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * References are to IEEE 802.1D-2004:
 *  - 9.2.5 bridge identifier: 4-bit priority (multiple of 4096) + 12-bit
 *    system id extension (802.1t; the VLAN for PVST+) + 48-bit MAC; the
 *    caller packs it as (prio | ext) << 48 | MAC, so ids compare as in 17.6.
 *  - 9.3.1 Configuration BPDU, 9.3.2 TCN BPDU (no fields after the type),
 *    9.3.3 RST BPDU; 9.2.9 port role encoding in flags bits 2-3.
 *  - 17.21.19 txConfig() / 17.21.20 txRstp() set the TC flag while tcWhile
 *    (17.17.8) runs; tcWhile is started by newTcWhile() (17.21.7) in the
 *    Topology Change state machine (17.31) and lasts HelloTime + 1 s for
 *    RSTP (two or three BPDUs) or MaxAge + ForwardDelay for STP. So one
 *    topology change shows up as a run of consecutive TC-flagged BPDUs from
 *    a port: one TC event, the rest repeats. A receiver records the flags
 *    with setTcFlags() (17.21.17).
 *  - 17.21.21 txTcn(): an STP-compatible port repeats its TCN every hello
 *    time until a TCA arrives: one TCN event, the rest repeats.
 *  - 17.29 Port Role Transitions: the role carried in RST BPDUs (ROLE).
 *
 * Data structures:
 *  - speakers: stp_key_t -> stp_speaker_t (owned), at most
 *    MA_STP_MAX_SPEAKERS; bridge speakers (bridge id, port id, vlan, pvst)
 *    and MAC speakers (source MAC, for BPDUs without ids, i.e. TCNs).
 *  - rec_blocks / ev_blocks: records and listed events in fixed-size
 *    blocks that are never moved, so returned pointers stay valid.
 *  - changes: indices of listed TC / TCN / ROOT events sorted by (ts,
 *    index) for ma_stp_last_change().
 *  - roots: distinct root ids (at most MA_STP_MAX_ROOTS counted).
 */
#define _POSIX_C_SOURCE 200809L
#include "ma_stp.h"
#include "ma_pool.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#define MA_STP_REC_BLOCK 4096u
#define MA_STP_EV_BLOCK  1024u
#define MA_STP_MAX_ROOTS 65536u
#define MA_STP_NO_EVENT  UINT32_MAX

#define MA_STP_CHANGE_EVENTS (MA_STP_EV_TC | MA_STP_EV_TCN | MA_STP_EV_ROOT)

enum { KEY_BRIDGE = 1, KEY_MAC = 2 };

/* Speaker key; built with memset so padding compares equal. */
typedef struct stp_key {
    uint64_t bridge_id;
    uint16_t port_id, vlan;
    uint8_t  mac[6];
    uint8_t  kind;  /* KEY_BRIDGE, KEY_MAC */
    uint8_t  pvst;
} stp_key_t;

typedef struct stp_speaker {
    stp_key_t key;
    uint32_t  index;                /* 1-based */
    const ma_bpdu_rec_t *last;      /* its previous BPDU (NULL: none yet) */
    uint32_t  open_ev;              /* listed TC / TCN event whose episode runs */
    uint8_t   open_kind;            /* its MA_STP_EV_* bits */
    bool      have_rst;             /* an RST BPDU seen: rst_role valid */
    uint8_t   rst_role;             /* role of its latest RST BPDU */
} stp_speaker_t;

struct ma_stp {
    GHashTable *speakers;    /* stp_key_t* (in the speaker) -> stp_speaker_t* (owned) */
    uint32_t    mac_speakers;
    ma_pool_t   recs;        /* ma_bpdu_rec_t */
    ma_pool_t   events;      /* ma_stp_event_t */
    uint32_t    nevents;
    GArray     *changes;     /* uint32_t event index, sorted by (ts, index) */
    GHashTable *roots;       /* uint64_t* (owned) -> NULL */
    GArray     *vlan_roots;  /* ma_stp_root_t, at most MA_STP_MAX_VLANS */
    ma_stp_totals_t tot;
};

static guint key_hash(gconstpointer p)
{
    const stp_key_t *k = p;
    const uint8_t *b = (const uint8_t *)k;
    guint h = 2166136261u;
    for (size_t i = 0; i < sizeof *k; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(stp_key_t)) == 0;
}

static inline uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint64_t bridge_id_at(const uint8_t *p)
{
    uint64_t id = (uint64_t)be16(p) << 48;
    for (int i = 0; i < 6; i++)
        id |= (uint64_t)p[2 + i] << (8 * (5 - i));
    return id;
}

/* IEEE 802.1D-2004 9.3: protocol id (2), version (1), type (1); Config and
 * RST BPDUs: flags (4), root id (5..12), root path cost (13..16), bridge id
 * (17..24), port id (25..26), timers (27..34), RST version 1 length (35). */
bool ma_stp_parse(const uint8_t *b, uint32_t n, bool pvst, ma_bpdu_in_t *out)
{
    if (!b || n < 4)
        return false;
    out->version = b[2];
    out->type = b[3];
    out->flags = 0;
    out->has_ids = false;
    out->pvst = false;
    if (out->type == MA_BPDU_TCN)
        return true;
    if (n >= 5)
        out->flags = b[4];
    if (n >= 27) {
        out->has_ids = true;
        out->root_id = bridge_id_at(b + 5);
        out->root_cost = ((uint32_t)b[13] << 24) | ((uint32_t)b[14] << 16) | ((uint32_t)b[15] << 8) | b[16];
        out->bridge_id = bridge_id_at(b + 17);
        out->port_id = be16(b + 25);
    }
    /* Cisco (R)PVST+ TLVs (Wireshark's packet-bpdu.c reads them from 36). */
    for (uint32_t off = 36; pvst && off + 4 <= n;) {
        uint16_t type = be16(b + off), len = be16(b + off + 2);
        if (off + 4 + len > n)
            break;
        if (type == 0 && len == 2) {
            out->pvst = true;
            out->vlan = be16(b + off + 4);
            break;
        }
        off += 4u + len;
    }
    return true;
}

ma_stp_t *ma_stp_new(void)
{
    ma_stp_t *s = g_new0(ma_stp_t, 1);
    s->speakers = g_hash_table_new_full(key_hash, key_equal, NULL, g_free);
    ma_pool_init(&s->recs, sizeof(ma_bpdu_rec_t), MA_STP_REC_BLOCK);
    ma_pool_init(&s->events, sizeof(ma_stp_event_t), MA_STP_EV_BLOCK);
    s->changes = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    s->roots = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    s->vlan_roots = g_array_new(FALSE, TRUE, sizeof(ma_stp_root_t));
    return s;
}

void ma_stp_free(ma_stp_t *s)
{
    if (!s)
        return;
    g_hash_table_destroy(s->speakers);
    ma_pool_clear(&s->recs);
    ma_pool_clear(&s->events);
    g_array_free(s->changes, TRUE);
    g_hash_table_destroy(s->roots);
    g_array_free(s->vlan_roots, TRUE);
    g_free(s);
}

static ma_bpdu_rec_t *rec_alloc(ma_stp_t *s)
{
    return ma_pool_alloc(&s->recs);
}

static ma_stp_event_t *event_ptr(const ma_stp_t *s, uint32_t i)
{
    return ma_pool_at(&s->events, i);
}

static uint8_t role_of(uint8_t flags)
{
    return (uint8_t)((flags & MA_STPF_ROLE_MASK) >> 2);
}

/* The key of in's speaker: bridge/port/vlan/pvst for BPDUs with ids, the
 * source MAC for TCNs (9.3.2: no bridge id) and BPDUs without ids. */
static void make_key(stp_key_t *k, const ma_bpdu_in_t *in, bool by_mac)
{
    memset(k, 0, sizeof *k);
    if (by_mac) {
        k->kind = KEY_MAC;
        memcpy(k->mac, in->src_mac, 6);
    } else {
        k->kind = KEY_BRIDGE;
        k->bridge_id = in->bridge_id;
        k->port_id = in->port_id;
        k->vlan = in->vlan;
        k->pvst = in->pvst ? 1 : 0;
    }
}

/* The speaker of key k, created if the table has room; NULL: untracked. */
static stp_speaker_t *speaker_get(ma_stp_t *s, const stp_key_t *k)
{
    stp_speaker_t *sp = g_hash_table_lookup(s->speakers, k);
    if (sp || g_hash_table_size(s->speakers) >= MA_STP_MAX_SPEAKERS)
        return sp;
    sp = g_new0(stp_speaker_t, 1);
    memcpy(&sp->key, k, sizeof *k);   /* padding included (memcmp keys) */
    sp->index = g_hash_table_size(s->speakers) + 1;
    sp->open_ev = MA_STP_NO_EVENT;
    g_hash_table_insert(s->speakers, &sp->key, sp);
    if (k->kind == KEY_MAC)
        s->mac_speakers++;
    s->tot.speakers = g_hash_table_size(s->speakers);
    return sp;
}

/* Counts in by type (9.3: 0x00 config, 0x02 RST/MST, 0x80 TCN), flags and
 * root id. */
static void count_bpdu(ma_stp_t *s, const ma_bpdu_in_t *in)
{
    ma_stp_totals_t *t = &s->tot;
    t->bpdus++;
    switch (in->type) {
    case MA_BPDU_CONFIG: t->config++; break;
    case MA_BPDU_RST:    t->rst++; break;
    case MA_BPDU_TCN:    t->tcn++; break;
    default:             t->other++; break;
    }
    if (in->flags & MA_STPF_TC)
        t->tc_flagged++;
    if (in->flags & MA_STPF_TCA)
        t->tca_flagged++;
    if (in->has_ids) {
        ma_stp_root_t *r = NULL;
        for (guint i = 0; i < s->vlan_roots->len && !r; i++) {
            ma_stp_root_t *x = &g_array_index(s->vlan_roots, ma_stp_root_t, i);
            if (x->vlan == in->vlan && x->pvst == in->pvst)
                r = x;
        }
        if (!r && s->vlan_roots->len < MA_STP_MAX_VLANS) {
            ma_stp_root_t z = {.vlan = in->vlan, .pvst = in->pvst};
            g_array_append_val(s->vlan_roots, z);
            r = &g_array_index(s->vlan_roots, ma_stp_root_t, s->vlan_roots->len - 1);
        }
        if (r) {
            r->root_id = in->root_id;
            r->root_cost = in->root_cost;
            r->bpdus++;
            r->last_frame = in->frame;
        }
    }
    if (in->has_ids && g_hash_table_size(s->roots) < MA_STP_MAX_ROOTS &&
        !g_hash_table_contains(s->roots, &in->root_id)) {
        uint64_t *k = g_new(uint64_t, 1);
        *k = in->root_id;
        g_hash_table_add(s->roots, k);
        t->roots = g_hash_table_size(s->roots);
    }
}

/* Index of the first change entry whose event time is > t (upper bound),
 * so entries with equal times stay in capture order. */
static guint change_upper(const ma_stp_t *s, ma_ns_t t)
{
    guint lo = 0, hi = s->changes->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (event_ptr(s, g_array_index(s->changes, uint32_t, mid))->ts <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Lists the event raised by rec (speaker sp, before its state is updated),
 * or counts it as dropped when the table is full; TC / TCN / ROOT events
 * also go into the time-sorted change index. Returns the event's index or
 * MA_STP_NO_EVENT. */
static uint32_t event_add(ma_stp_t *s, const ma_bpdu_rec_t *rec, const stp_speaker_t *sp)
{
    const ma_bpdu_in_t *in = &rec->bpdu;
    if (s->nevents >= MA_STP_MAX_EVENTS) {
        s->tot.events_dropped++;
        return MA_STP_NO_EVENT;
    }
    uint32_t idx = s->nevents++;
    ma_stp_event_t *e = ma_pool_alloc(&s->events);
    e->frame = in->frame;
    e->ts = in->ts;
    e->last_frame = in->frame;
    e->last_ts = in->ts;
    e->events = rec->events;
    if (in->has_ids) {
        e->bridge_id = in->bridge_id;
        e->root_id = in->root_id;
    }
    if (rec->events & MA_STP_EV_ROOT)
        e->prev_root = rec->prev_root;
    e->port_id = in->port_id;
    e->vlan = in->vlan;
    e->role = role_of(in->flags);
    e->prev_role = (rec->events & MA_STP_EV_ROLE) ? sp->rst_role : rec->prev_role;
    memcpy(e->src_mac, in->src_mac, 6);
    if (rec->events & MA_STP_CHANGE_EVENTS) {
        guint pos = s->changes->len;
        if (pos > 0 && event_ptr(s, g_array_index(s->changes, uint32_t, pos - 1))->ts > in->ts)
            pos = change_upper(s, in->ts);   /* capture time went backwards */
        g_array_insert_val(s->changes, pos, idx);
    }
    return idx;
}

/* Episode bookkeeping after rec (events ev) of sp: any listed event opens
 * an episode; a BPDU without events that still carries what the open
 * episode is about (TC flag, TCN type; for a root or role change, the same
 * root and role, which a BPDU without events always has) adds a repeat to
 * it; anything else ends it. */
static void episode_update(ma_stp_t *s, stp_speaker_t *sp, const ma_bpdu_in_t *in,
                           uint8_t ev, uint32_t idx)
{
    bool tc = (in->flags & MA_STPF_TC) != 0, tcn = in->type == MA_BPDU_TCN;
    bool cont = sp->open_ev != MA_STP_NO_EVENT &&
                (!(sp->open_kind & MA_STP_EV_TC) || tc) &&
                (!(sp->open_kind & MA_STP_EV_TCN) || tcn);
    if (ev) {
        sp->open_ev = idx;
        sp->open_kind = ev;
    } else if (!cont) {
        sp->open_ev = MA_STP_NO_EVENT;
    } else if (!ev) {
        ma_stp_event_t *e = event_ptr(s, sp->open_ev);
        e->repeats++;
        e->last_frame = in->frame;
        e->last_ts = in->ts;
    }
}

/* Decides what in means for its speaker (rules in ma_stp.h):
 *  TC:   TC flag set, previous BPDU without it (or none): 17.21.19/20 keep
 *        the flag set for the whole tcWhile period, so only the rising edge
 *        is a new topology change.
 *  TCN:  a TCN after a non-TCN (or none); 17.21.21 repeats TCNs until TCA.
 *  ROOT: both BPDUs carry ids and the root id differs.
 *  ROLE: an RST BPDU (version >= 2) whose role differs from the speaker's
 *        latest RST BPDU (config BPDUs carry no role, 9.3.1).
 * A BPDU with ids from a MAC that has a MAC speaker (it sent TCNs) also
 * becomes that speaker's previous BPDU, so a later TCN starts a new event. */
const ma_bpdu_rec_t *ma_stp_bpdu(ma_stp_t *s, const ma_bpdu_in_t *in)
{
    if (!s || !in)
        return NULL;
    ma_bpdu_rec_t *rec = rec_alloc(s);
    rec->bpdu = *in;
    count_bpdu(s, in);

    bool by_mac = in->type == MA_BPDU_TCN || !in->has_ids;
    stp_key_t key;
    make_key(&key, in, by_mac);
    stp_speaker_t *sp = speaker_get(s, &key);
    if (!sp) {
        s->tot.untracked++;
    } else {
        const ma_bpdu_rec_t *prev = sp->last;
        bool is_rst = in->type == MA_BPDU_RST && in->version >= 2;
        uint8_t role = role_of(in->flags), ev = 0;
        rec->speaker = sp->index;
        if (prev) {
            rec->prev_frame = prev->bpdu.frame;
            rec->prev_root = prev->bpdu.has_ids ? prev->bpdu.root_id : 0;
            rec->prev_role = role_of(prev->bpdu.flags);
        }
        if ((in->flags & MA_STPF_TC) && (!prev || !(prev->bpdu.flags & MA_STPF_TC)))
            ev |= MA_STP_EV_TC;
        if (in->type == MA_BPDU_TCN && (!prev || prev->bpdu.type != MA_BPDU_TCN))
            ev |= MA_STP_EV_TCN;
        if (prev && in->has_ids && prev->bpdu.has_ids && in->root_id != prev->bpdu.root_id)
            ev |= MA_STP_EV_ROOT;
        if (is_rst && sp->have_rst && role != sp->rst_role)
            ev |= MA_STP_EV_ROLE;
        rec->events = ev;
        rec->repeat = prev && !ev;

        uint32_t idx = MA_STP_NO_EVENT;
        if (ev) {
            s->tot.ev_tc += (ev & MA_STP_EV_TC) != 0;
            s->tot.ev_tcn += (ev & MA_STP_EV_TCN) != 0;
            s->tot.ev_root += (ev & MA_STP_EV_ROOT) != 0;
            s->tot.ev_role += (ev & MA_STP_EV_ROLE) != 0;
            idx = event_add(s, rec, sp);
        } else if (prev) {
            s->tot.repeats++;
        }
        episode_update(s, sp, in, ev, idx);
        sp->last = rec;
        if (is_rst) {
            sp->have_rst = true;
            sp->rst_role = role;
        }
    }

    if (!by_mac && s->mac_speakers) {
        stp_key_t mk;
        make_key(&mk, in, true);
        stp_speaker_t *ms = g_hash_table_lookup(s->speakers, &mk);
        if (ms) {
            ms->last = rec;
            ms->open_ev = MA_STP_NO_EVENT;
        }
    }
    return rec;
}

const ma_stp_totals_t *ma_stp_totals(const ma_stp_t *s)
{
    static const ma_stp_totals_t none;
    return s ? &s->tot : &none;
}

uint32_t ma_stp_event_count(const ma_stp_t *s)
{
    return s ? s->nevents : 0;
}

const ma_stp_event_t *ma_stp_event_at(const ma_stp_t *s, uint32_t i)
{
    return (s && i < s->nevents) ? event_ptr(s, i) : NULL;
}

/* Binary search over the change index: the entry before the first one
 * later than t, i.e. the latest (in capture order among equal times)
 * TC / TCN / ROOT event at or before t. */
const ma_stp_event_t *ma_stp_last_change(const ma_stp_t *s, ma_ns_t t)
{
    if (!s)
        return NULL;
    guint pos = change_upper(s, t);
    return pos ? event_ptr(s, g_array_index(s->changes, uint32_t, pos - 1)) : NULL;
}

void ma_stp_id_format(uint64_t id, char *buf, size_t size)
{
    if (!buf || !size)
        return;
    snprintf(buf, size, "%u/%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(id >> 48),
             (unsigned)(id >> 40) & 0xFFu, (unsigned)(id >> 32) & 0xFFu,
             (unsigned)(id >> 24) & 0xFFu, (unsigned)(id >> 16) & 0xFFu,
             (unsigned)(id >> 8) & 0xFFu, (unsigned)id & 0xFFu);
}

/* 9.2.9: 0 unknown, 1 alternate or backup, 2 root, 3 designated. */
const char *ma_stp_role_name(uint8_t role)
{
    switch (role) {
    case 1:  return "alternate/backup";
    case 2:  return "root";
    case 3:  return "designated";
    default: return "unknown";
    }
}

/* "TC", "TCN", "root", "role" joined by ',' in that order; "" for none;
 * truncated to size. */
void ma_stp_events_format(uint8_t events, char *buf, size_t size)
{
    static const struct { uint8_t bit; const char *name; } names[] = {
        {MA_STP_EV_TC, "TC"}, {MA_STP_EV_TCN, "TCN"},
        {MA_STP_EV_ROOT, "root"}, {MA_STP_EV_ROLE, "role"},
    };
    if (!buf || !size)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!(events & names[i].bit))
            continue;
        if (buf[0])
            g_strlcat(buf, ",", size);
        g_strlcat(buf, names[i].name, size);
    }
}

uint32_t ma_stp_root_count(const ma_stp_t *s)
{
    return s ? s->vlan_roots->len : 0;
}

const ma_stp_root_t *ma_stp_root_at(const ma_stp_t *s, uint32_t i)
{
    return s && i < s->vlan_roots->len ? &g_array_index(s->vlan_roots, ma_stp_root_t, i) : NULL;
}
