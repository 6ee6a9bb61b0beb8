/* ma_net.c - TCP connections per stream, tcp.analysis counts, retransmitted
 * Modbus bytes, connection events and per-pair aggregates
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * core/ma_net.h has the contract; application retries and the expected
 * topology are in ma_net_app.c, the per-pair state and event lists in
 * ma_net_pairs.c. Boundaries chosen where the contract leaves
 * them open (to be repeated for users in docs/network.md):
 *  - "within connect_timeout" is inclusive: an attempt is ESTABLISHED when
 *    first SYN+ACK time - first SYN time <= connect_timeout, TIMEOUT when the
 *    SYN+ACK came later or, without one, when capture_end - first SYN >
 *    connect_timeout; UNFINISHED when capture_end - first SYN <=
 *    connect_timeout and no SYN+ACK came.
 *  - An RST from the server before any SYN+ACK refuses the attempt when it
 *    comes within connect_timeout (<=) of the first SYN; a later one finds the
 *    attempt already timed out (TIMEOUT, MA_EV_FAILED at the first SYN).
 *    An RST from the client before any SYN+ACK decides nothing (finalize does).
 *  - The end of a connection is its first RST or FIN; a segment with both
 *    counts as RST (RFC 793 3.4: a reset aborts at once). A later FIN or RST
 *    changes nothing (an RST after a FIN is not a session reset).
 *  - MA_EV_CLOSE_SERVER: the server's FIN when it is the connection's first
 *    end (the server closed first); a FIN answering the client's FIN, or
 *    after a reset, is no event.
 *  - MA_SEG_SYNACK marks the first SYN+ACK of an attempt only (a stream
 *    first seen at its SYN+ACK has no handshake time).
 *  - Reconnect gap: gap == 0 is a reconnect, gap < 0 parallel. The gap is
 *    computed at the first segment with what is known then and recomputed
 *    by ma_net_finalize with the previous connection's final end (its last
 *    segment may come later); the first segment's record is updated too.
 *    prev_stream_frame is the frame the gap is measured from: the previous
 *    connection's end frame, or its last frame if it never ended.
 *  - When the capture's clock goes back, a SYN+ACK stamped before the first
 *    SYN gives handshake 0 and a connection ending before its first segment
 *    duration 0; a reconnect stamped before the previous end is parallel.
 *    Events stay time-ordered (inserted in place, or sorted by finalize).
 *  - Sequence numbers compare modulo 2^32 (RFC 793 3.3), so ranges that
 *    wrap around 0 overlap correctly (ranges < 2^31 bytes).
 *  - MA_TXN_RETRANS_INFERRED means all of a txn's retransmissions were
 *    inferred: an exact attachment (a)/(b) clears it, an inferred one sets it
 *    only on a txn not yet marked MA_TXN_RETRANS. retrans_frame stays the
 *    first attachment of either kind.
 *  - Rule (c) uses the oldest still pending of the connection's last
 *    MA_NET_PEND_MAX requests; a direction with no byte seen yet counts as
 *    "never seen"; segments without bytes (len 0) are never attached by
 *    (b) or (c).
 *  - Connections beyond MA_NET_MAX_CONNS are counted once each (tcp.stream
 *    ids grow in order of first appearance) and otherwise ignored: their
 *    segments return NULL and count nowhere.
 */
#include <stddef.h>
#include <string.h>

#include "ma_net_int.h"

#define DIR_TO_SERVER 0
#define DIR_TO_CLIENT 1

void ma_net_config_defaults(ma_net_config_t *cfg)
{
    cfg->connect_timeout = 3 * MA_NS_PER_SEC;
    cfg->retry_window = 10 * MA_NS_PER_SEC;
}

ma_net_t *ma_net_new(const ma_net_config_t *cfg, ma_core_t *core)
{
    ma_net_t *n = g_new0(ma_net_t, 1);
    if (cfg)
        n->cfg = *cfg;
    else
        ma_net_config_defaults(&n->cfg);
    n->core = core;
    n->max_conns = MA_NET_MAX_CONNS;
    n->max_events = MA_NET_MAX_EVENTS;
    n->max_retry_keys = MA_NET_MAX_RETRY_KEYS;
    n->by_stream = g_hash_table_new(g_direct_hash, g_direct_equal);
    ma_pool_init(&n->conns, sizeof(ma_nconn_t), MA_NET_CONN_BLOCK);
    ma_arena_init(&n->recs, MA_NET_REC_BLOCK * 32);
    n->pairs = g_ptr_array_new();
    return n;
}

static ma_nconn_t *conn_at(const ma_net_t *n, uint32_t i)
{
    return ma_pool_at(&n->conns, i);
}

void ma_net_free(ma_net_t *n)
{
    if (!n)
        return;
    for (uint32_t i = 0; i < n->nconns; i++) {
        ma_nconn_t *c = conn_at(n, i);
        for (int d = 0; d < 2; d++) {
            for (unsigned k = 0; k < c->dir[d].n; k++)
                ma_seg_mem_clear(&c->dir[d].ring[(c->dir[d].head + k) % c->dir[d].cap]);
            g_free(c->dir[d].ring);
        }
        g_free(c->pend);
    }
    for (guint i = 0; i < n->pairs->len; i++) {
        ma_npair_t *np = g_ptr_array_index(n->pairs, i);
        g_array_free(np->ev, TRUE);
        g_free(np);
    }
    g_ptr_array_free(n->pairs, TRUE);
    g_hash_table_destroy(n->by_stream);
    ma_pool_clear(&n->conns);
    ma_arena_clear(&n->recs);
    if (n->app_free)
        n->app_free(n);
    g_free(n);
}

const ma_net_config_t *ma_net_config(const ma_net_t *n)
{
    return &n->cfg;
}

void ma_net_set_limits(ma_net_t *n, uint32_t max_conns, uint32_t max_events, uint32_t max_retry_keys)
{
    if (max_conns)
        n->max_conns = max_conns;
    if (max_events)
        n->max_events = max_events;
    if (max_retry_keys)
        n->max_retry_keys = max_retry_keys;
}

uint64_t ma_net_events_dropped(const ma_net_t *n)
{
    return n->events_dropped;
}

/* ---- connections ---- */

/* The connection of a stream, or NULL. */
static ma_nconn_t *conn_by_stream(ma_net_t *n, uint32_t stream)
{
    ma_nconn_t *c = ma_recent_get(&n->recent, stream);
    if (c)
        return c;
    c = g_hash_table_lookup(n->by_stream, GUINT_TO_POINTER(stream));
    if (c) /* never removed: the cache stays right */
        ma_recent_put(&n->recent, stream, c);
    return c;
}

const ma_net_conn_t *ma_net_stream_conn(const ma_net_t *n, uint32_t stream)
{
    const ma_nconn_t *c = conn_by_stream((ma_net_t *)(uintptr_t)n, stream);
    return c ? &c->pub : NULL;
}

uint32_t ma_net_conn_count(const ma_net_t *n)
{
    return n->nconns;
}

const ma_net_conn_t *ma_net_conn_at(const ma_net_t *n, uint32_t i)
{
    return i < n->nconns ? &conn_at(n, i)->pub : NULL;
}

uint64_t ma_net_conns_dropped(const ma_net_t *n)
{
    return n->conns_dropped;
}

static ma_nconn_t *conn_alloc(ma_net_t *n)
{
    n->nconns++;
    return ma_pool_alloc(&n->conns);
}

/* The stored copy of r: only its ntxn transaction slots are kept (most
 * records carry none); readers look at txn[0 .. ntxn). */
static ma_seg_rec_t *rec_store(ma_net_t *n, const ma_seg_rec_t *r)
{
    size_t size = offsetof(ma_seg_rec_t, txn) + r->ntxn * sizeof r->txn[0];
    ma_seg_rec_t *rec = ma_arena_alloc(&n->recs, size);
    memcpy(rec, r, size);
    return rec;
}

/* True if the sender of the first segment `in` of a stream is its client
 * (RFC 793 3.4: the SYN without ACK opens, the SYN+ACK answers). */
static bool src_is_client(const ma_net_t *n, const ma_tcp_in_t *in)
{
    bool syn = in->flags & MA_TCP_SYN, ack = in->flags & MA_TCP_ACK;
    if (syn)
        return !ack;
    int r = ma_core_stream_is_request(n->core, in->stream, &in->src, in->srcport);
    if (r >= 0)
        return r == 1;
    return ma_core_is_request(in->srcport, in->dstport, in->src_is_server_port, in->dst_is_server_port);
}

/* Where the gap of c is measured from: the previous connection's end, or
 * its last segment if it has not ended. */
static void gap_of(ma_nconn_t *c)
{
    const ma_net_conn_t *p = &c->prev->pub;
    c->pub.prev_stream_frame = p->end_frame ? p->end_frame : p->last_frame;
    c->pub.gap = c->pub.first_ts - (p->end_frame ? p->end_ts : p->last_ts);
}

/* A new connection for the first segment `in` of its stream; *what gets
 * MA_SEG_RECONNECT / MA_SEG_PARALLEL. NULL beyond max_conns. */
static ma_nconn_t *conn_new(ma_net_t *n, const ma_tcp_in_t *in, uint16_t *what)
{
    if (n->nconns >= n->max_conns) {
        if (n->conns_dropped == 0 || in->stream > n->last_dropped)
            n->conns_dropped++;
        n->last_dropped = in->stream;
        return NULL;
    }
    bool sc = src_is_client(n, in);
    const ma_pair_t *pair = ma_core_pair(n->core, sc ? &in->src : &in->dst, sc ? &in->dst : &in->src,
                                         sc ? in->dstport : in->srcport);
    ma_nconn_t *c = conn_alloc(n);
    c->pub.stream = in->stream;
    c->pub.pair = pair;
    c->pub.client_port = sc ? in->srcport : in->dstport;
    c->client = sc ? in->src : in->dst;
    c->pub.first_frame = c->pub.last_frame = in->frame;
    c->pub.first_ts = c->pub.last_ts = in->ts;
    bool syn_only = (in->flags & (MA_TCP_SYN | MA_TCP_ACK)) == MA_TCP_SYN;
    c->pub.attempt = syn_only ? MA_ATT_PENDING : MA_ATT_NONE;
    c->pub.established = !syn_only;  /* seen mid-session */
    c->pub.handshake = -1;
    g_hash_table_insert(n->by_stream, GUINT_TO_POINTER(in->stream), c);

    ma_npair_t *np = ma_net_npair(n, pair->id);
    c->prev = np->last;
    np->last = c;
    if (c->prev) {
        gap_of(c);
        /* An open previous connection may still end later (parallel) or
         * never (reconnect): provisional until ma_net_finalize. */
        c->pub.gap_final = c->prev->pub.end_frame != 0;
        *what |= c->pub.gap < 0 ? MA_SEG_PARALLEL : MA_SEG_RECONNECT;
        ma_net_ev_add(n, c, MA_EV_NEW_CONN, in->frame, in->ts, false);
    }
    return c;
}

/* Record MA_EV_FAILED once for a failed attempt. */
static void failed_event(ma_net_t *n, ma_nconn_t *c, uint32_t frame, ma_ns_t ts, bool append_only)
{
    if (c->ev_failed)
        return;
    c->ev_failed = true;
    ma_net_ev_add(n, c, MA_EV_FAILED, frame, ts, append_only);
}

/* A SYN without ACK from the client: count it; flag the attempt's first
 * SYN and its retransmissions. */
static void on_syn(ma_nconn_t *c, uint16_t *what)
{
    c->pub.syn_packets++;
    if (c->pub.attempt != MA_ATT_NONE)
        *what |= c->pub.syn_packets == 1 ? MA_SEG_ATTEMPT : MA_SEG_SYN_RETRY;
}

/* The first SYN+ACK from the server: handshake time and, if undecided,
 * the attempt's outcome (ESTABLISHED within connect_timeout, else TIMEOUT). */
static void on_synack(ma_net_t *n, ma_nconn_t *c, const ma_tcp_in_t *in, uint16_t *what)
{
    c->pub.synack_frame = in->frame;
    c->pub.established = true;
    if (c->pub.attempt == MA_ATT_NONE)
        return;
    c->pub.handshake = in->ts > c->pub.first_ts ? in->ts - c->pub.first_ts : 0; /* clock went back: 0 */
    *what |= MA_SEG_SYNACK;
    if (c->decided)
        return;
    c->decided = true;
    if (c->pub.handshake <= n->cfg.connect_timeout) {
        c->pub.attempt = MA_ATT_ESTABLISHED;
    } else {
        c->pub.attempt = MA_ATT_TIMEOUT;
        failed_event(n, c, c->pub.first_frame, c->pub.first_ts, false);
    }
}

/* The end of c by this segment (first RST or FIN). */
static void conn_end(ma_nconn_t *c, const ma_tcp_in_t *in, ma_conn_end_t end)
{
    c->pub.end = (uint8_t)end;
    c->pub.end_frame = in->frame;
    c->pub.end_ts = in->ts;
}

/* An RST (RFC 793 3.4 "Reset Processing"): refuses an undecided attempt
 * when from the server before any SYN+ACK; ends the connection if it is the
 * first end, a session reset if the connection was established. */
static void on_rst(ma_net_t *n, ma_nconn_t *c, const ma_tcp_in_t *in, bool to_server, uint16_t *what)
{
    if (!to_server && c->pub.attempt != MA_ATT_NONE && !c->decided && !c->pub.synack_frame) {
        c->decided = true;
        if (in->ts - c->pub.first_ts <= n->cfg.connect_timeout) {
            c->pub.attempt = MA_ATT_REFUSED;
            *what |= MA_SEG_REFUSED;
            failed_event(n, c, in->frame, in->ts, false);
        } else {
            c->pub.attempt = MA_ATT_TIMEOUT;
            failed_event(n, c, c->pub.first_frame, c->pub.first_ts, false);
        }
    }
    if (c->pub.end_frame)
        return;
    conn_end(c, in, to_server ? MA_END_RST_CLIENT : MA_END_RST_SERVER);
    if (c->pub.established) {
        c->pub.session_reset = true;
        *what |= MA_SEG_RESET;
        ma_net_ev_add(n, c, MA_EV_RESET, in->frame, in->ts, false);
    }
}

/* A FIN (RFC 793 3.5 "Closing a Connection"): the first one ends the
 * connection (orderly close); the server's first FIN is an event. */
static void on_fin(ma_net_t *n, ma_nconn_t *c, const ma_tcp_in_t *in, bool to_server, uint16_t *what)
{
    /* the server closing first; its FIN answering the client's is a consequence */
    if (!to_server && !c->srv_fin && !c->pub.end_frame) {
        c->srv_fin = true;
        ma_net_ev_add(n, c, MA_EV_CLOSE_SERVER, in->frame, in->ts, false);
    }
    if (c->pub.end_frame)
        return;
    conn_end(c, in, to_server ? MA_END_FIN_CLIENT : MA_END_FIN_SERVER);
    *what |= MA_SEG_FIN;
}

static void on_flags(ma_net_t *n, ma_nconn_t *c, const ma_tcp_in_t *in, bool to_server, uint16_t *what)
{
    uint16_t f = in->flags;
    if ((f & (MA_TCP_SYN | MA_TCP_ACK)) == MA_TCP_SYN && to_server)
        on_syn(c, what);
    if ((f & (MA_TCP_SYN | MA_TCP_ACK)) == (MA_TCP_SYN | MA_TCP_ACK) && !to_server && !c->pub.synack_frame)
        on_synack(n, c, in, what);
    if (f & MA_TCP_RST)
        on_rst(n, c, in, to_server, what);
    else if (f & MA_TCP_FIN)
        on_fin(n, c, in, to_server, what);
}

/* ---- tcp.analysis counts and retransmitted bytes ---- */

static void count_analysis(ma_net_t *n, ma_nconn_t *c, uint8_t analysis, int d)
{
    ma_npair_t *np = ma_net_npair(n, c->pub.pair->id);
    for (unsigned k = 0; k < MA_TCPA_N; k++) {
        if (analysis & (1u << k)) {
            c->pub.ta[d][k]++;
            np->pub.ta[d][k]++;
        }
    }
}

/* True if [a, a+alen) and [b, b+blen) share a byte, modulo 2^32. */
static bool seq_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
    return alen && blen && ((uint32_t)(b - a) < alen || (uint32_t)(a - b) < blen);
}

/* Add t to a txn list of at most MA_NET_SEG_TXNS (no duplicates). */
static void txn_list_add(ma_txn_t **list, uint8_t *nlist, ma_txn_t *t)
{
    for (unsigned i = 0; i < *nlist; i++)
        if (list[i] == t)
            return;
    if (*nlist < MA_NET_SEG_TXNS)
        list[(*nlist)++] = t;
}

/* Remember request txns of the segment's PDUs for rule (c). Entries that are
 * no longer pending are dropped first; when full, the oldest goes. */
static void pend_note(ma_nconn_t *c, const ma_pdu_t *out, unsigned npdus)
{
    for (unsigned i = 0; i < npdus; i++) {
        ma_txn_t *t = out[i].txn;
        if (out[i].kind != MA_PDU_REQUEST || !t || (out[i].flags & (MA_PDU_RETRANS | MA_PDU_MALFORMED)) ||
            t->outcome != MA_OUT_PENDING)
            continue;
        unsigned k = 0;
        for (unsigned j = 0; j < c->npend; j++)
            if (c->pend[j]->outcome == MA_OUT_PENDING && c->pend[j] != t)
                c->pend[k++] = c->pend[j];
        c->npend = (uint8_t)k;
        if (c->npend == c->pend_cap) {
            if (c->pend_cap < MA_NET_PEND_MAX) {
                c->pend_cap = (uint8_t)(c->pend_cap ? c->pend_cap * 2 : 4);
                c->pend = g_renew(ma_txn_t *, c->pend, c->pend_cap);
            } else {
                memmove(c->pend, c->pend + 1, (c->npend - 1) * sizeof *c->pend);
                c->npend--;
            }
        }
        c->pend[c->npend++] = t;
    }
}

/* Rule (b): the txns of the remembered segments of direction d overlapping
 * [seq, seq+len), oldest first. */
static void attach_overlap(const ma_dir_t *d, uint32_t seq, uint32_t len, ma_seg_rec_t *r)
{
    for (unsigned i = 0; i < d->n; i++) {
        const ma_seg_mem_t *m = &d->ring[(d->head + i) % d->cap];
        if (!seq_overlap(seq, len, m->seq, m->len))
            continue;
        ma_txn_t *const *txns = ma_seg_mem_txns(m);
        for (unsigned j = 0; j < m->ntxn; j++)
            txn_list_add(r->txn, &r->ntxn, txns[j]);
    }
}

/* Rule (c): bytes to the client never seen before -> the oldest request
 * still pending on the connection. True if one was attached. */
static bool attach_inferred(const ma_nconn_t *c, uint32_t seq, ma_seg_rec_t *r)
{
    const ma_dir_t *d = &c->dir[DIR_TO_CLIENT];
    if (d->has_max && (int32_t)(seq - d->max_end) < 0)
        return false;
    for (unsigned i = 0; i < c->npend; i++) {
        if (c->pend[i]->outcome == MA_OUT_PENDING) {
            txn_list_add(r->txn, &r->ntxn, c->pend[i]);
            return true;
        }
    }
    return false;
}

/* A retransmitted segment: attach it to txns by rule (a), else (b), else
 * (c); mark them and count the segment for its pair. */
static void attach(ma_net_t *n, ma_nconn_t *c, const ma_tcp_in_t *in, const ma_pdu_t *out, unsigned npdus,
                   int d, ma_seg_rec_t *r)
{
    bool inferred = false;
    for (unsigned i = 0; i < npdus; i++)
        if (out[i].txn)
            txn_list_add(r->txn, &r->ntxn, out[i].txn);
    bool bytes = in->has_seq && in->len > 0;
    if (!r->ntxn && bytes)
        attach_overlap(&c->dir[d], in->seq, in->len, r);
    if (!r->ntxn && bytes && d == DIR_TO_CLIENT)
        inferred = attach_inferred(c, in->seq, r);
    for (unsigned i = 0; i < r->ntxn; i++) {
        ma_txn_t *t = r->txn[i];
        if (!inferred)
            t->flags = (uint16_t)((t->flags | MA_TXN_RETRANS) & ~MA_TXN_RETRANS_INFERRED);
        else if (!(t->flags & MA_TXN_RETRANS))
            t->flags |= MA_TXN_RETRANS | MA_TXN_RETRANS_INFERRED;
        if (!t->retrans_frame)
            t->retrans_frame = in->frame;
    }
    if (inferred)
        r->what |= MA_SEG_INFERRED;
    if (r->ntxn)
        ma_net_npair(n, c->pub.pair->id)->pub.retrans_attached++;
}

/* Remember a segment with bytes whose PDUs have txns (rule (b)). */
static void remember(ma_dir_t *d, const ma_tcp_in_t *in, const ma_pdu_t *out, unsigned npdus)
{
    ma_txn_t *list[MA_NET_SEG_TXNS];
    uint8_t nlist = 0;
    for (unsigned i = 0; i < npdus; i++)
        if (out[i].txn)
            txn_list_add(list, &nlist, out[i].txn);
    if (!nlist || !in->has_seq || !in->len)
        return;
    ma_seg_mem_t m = {.seq = in->seq, .len = in->len, .ntxn = nlist};
    if (nlist == 1)
        m.t.one = list[0];
    else
        m.t.many = g_memdup2(list, nlist * sizeof list[0]);
    if (d->n == d->cap && d->cap < MA_NET_SEG_RING) {
        d->cap = (uint8_t)(d->cap ? d->cap * 2 : 1);  /* head is 0: never wrapped */
        d->ring = g_renew(ma_seg_mem_t, d->ring, d->cap);
    }
    if (d->n < d->cap) {
        d->ring[(d->head + d->n++) % d->cap] = m;
    } else {
        ma_seg_mem_clear(&d->ring[d->head]);
        d->ring[d->head] = m;
        d->head = (uint8_t)((d->head + 1) % d->cap);
    }
}

/* The highest seq + len of the direction (modulo 2^32). */
static void seq_note(ma_dir_t *d, const ma_tcp_in_t *in)
{
    uint32_t end = in->seq + in->len;
    if (!d->has_max || (int32_t)(end - d->max_end) > 0)
        d->max_end = end;
    d->has_max = true;
}

const ma_seg_rec_t *ma_net_segment(ma_net_t *n, const ma_tcp_in_t *in, const ma_pdu_in_t *pdus,
                                   const ma_pdu_t *out, unsigned npdus)
{
    (void)pdus;
    ma_seg_rec_t r;
    memset(&r, 0, sizeof r);
    ma_nconn_t *c = conn_by_stream(n, in->stream);
    if (!c && in->duplicate_of)
        return NULL; /* a copy of a segment that made no connection */
    bool created = !c;
    if (!c && !(c = conn_new(n, in, &r.what)))
        return NULL;
    bool to_server = in->srcport == c->pub.client_port && ma_addr_equal(&in->src, &c->client);
    int d = to_server ? DIR_TO_SERVER : DIR_TO_CLIENT;
    r.to_server = to_server;
    r.analysis = in->analysis;
    r.conn = &c->pub;

    if (in->duplicate_of) {
        /* the capture saw a frame twice: nothing happened on the wire */
        c->pub.dups[d]++;
        ma_net_npair(n, c->pub.pair->id)->pub.dups[d]++;
        r.what = MA_SEG_DUPLICATE;
        r.dup_of = in->duplicate_of;
        r.analysis = 0;
        return rec_store(n, &r);
    }
    c->pub.last_frame = in->frame;
    if (in->ts > c->pub.last_ts)
        c->pub.last_ts = in->ts;
    if (npdus) {
        c->pub.modbus = true;
        ma_net_npair(n, c->pub.pair->id)->modbus = true;
    }
    on_flags(n, c, in, to_server, &r.what);
    ma_net_npair(n, c->pub.pair->id)->pub.segs[d]++;
    count_analysis(n, c, in->analysis, d);
    pend_note(c, out, npdus);
    if (in->analysis & MA_TCPA_ANY_RETRANS) {
        attach(n, c, in, out, npdus, d, &r);
        ma_net_ev_add_info(n, c, MA_EV_RETRANS, in->frame, in->ts, false,
                    (uint8_t)((to_server ? MA_EVI_TO_SERVER : 0) | (r.ntxn ? MA_EVI_CARRIES : 0)));
    }
    remember(&c->dir[d], in, out, npdus);
    if (in->has_seq)
        seq_note(&c->dir[d], in);

    if (!r.what && !r.analysis && !r.ntxn)
        return NULL;
    ma_seg_rec_t *rec = rec_store(n, &r);
    if (created && c->prev)
        c->first_rec = rec;
    return rec;
}

/* ---- end of the first pass ---- */

/* An attempt still undecided at capture_end: TIMEOUT after connect_timeout
 * (event at its first SYN), else UNFINISHED. */
static void decide_at_end(ma_net_t *n, ma_nconn_t *c, ma_ns_t capture_end)
{
    if (c->pub.attempt == MA_ATT_NONE || c->decided)
        return;
    if (capture_end - c->pub.first_ts > n->cfg.connect_timeout) {
        c->pub.attempt = MA_ATT_TIMEOUT;
        failed_event(n, c, c->pub.first_frame, c->pub.first_ts, true);
    } else {
        c->pub.attempt = MA_ATT_UNFINISHED;
    }
}

/* The final reconnect gap of c and its first record's flags. */
static void regap(ma_nconn_t *c)
{
    if (!c->prev)
        return;
    gap_of(c);
    c->pub.gap_final = true;
    if (c->first_rec) {
        c->first_rec->what &= (uint16_t)~(MA_SEG_RECONNECT | MA_SEG_PARALLEL);
        c->first_rec->what |= c->pub.gap < 0 ? MA_SEG_PARALLEL : MA_SEG_RECONNECT;
    }
}

/* Zero the connection-derived aggregates of a pair (finalize recomputes
 * them); live counters (tcp.analysis, attachments, retries, causes) stay. */
static void pair_reset(ma_net_pair_t *p)
{
    ma_net_pair_t keep = *p;
    memset(p, 0, sizeof *p);
    p->pair = keep.pair;
    memcpy(p->ta, keep.ta, sizeof p->ta);
    p->retrans_attached = keep.retrans_attached;
    memcpy(p->dups, keep.dups, sizeof p->dups);
    memcpy(p->segs, keep.segs, sizeof p->segs);
    p->retries = keep.retries;
    memcpy(p->causes, keep.causes, sizeof p->causes);
}

/* Add v to a (count, min, max, sum) aggregate whose count is already n. */
static void agg(uint32_t n, ma_ns_t v, ma_ns_t *mn, ma_ns_t *mx, ma_ns_t *sum)
{
    if (n == 1 || v < *mn)
        *mn = v;
    if (n == 1 || v > *mx)
        *mx = v;
    *sum = ma_ns_add_sat(*sum, v);
}

/* Add connection nc to its pair's aggregates. */
static void pair_add(ma_net_pair_t *p, const ma_nconn_t *nc)
{
    const ma_net_conn_t *c = &nc->pub;
    p->conns++;
    p->syn_packets += c->syn_packets;
    if (c->attempt != MA_ATT_NONE) {
        p->attempts++;
        p->established += c->attempt == MA_ATT_ESTABLISHED;
        p->refused += c->attempt == MA_ATT_REFUSED;
        p->timeout += c->attempt == MA_ATT_TIMEOUT;
        p->unfinished += c->attempt == MA_ATT_UNFINISHED;
        if (c->handshake >= 0) {
            p->handshakes++;
            agg(p->handshakes, c->handshake, &p->hs_min, &p->hs_max, &p->hs_sum);
        }
    }
    if (c->session_reset) {
        p->resets_by_client += c->end == MA_END_RST_CLIENT;
        p->resets_by_server += c->end == MA_END_RST_SERVER;
    }
    p->fin_by_client += c->end == MA_END_FIN_CLIENT;
    p->fin_by_server += c->end == MA_END_FIN_SERVER;
    p->open_at_end += c->end == MA_END_OPEN;
    if (nc->prev && c->gap < 0) {
        p->parallel++;
    } else if (nc->prev) {
        p->reconnects++;
        agg(p->reconnects, c->gap, &p->gap_min, &p->gap_max, &p->gap_sum);
    }
    ma_ns_t dur = (c->end_frame ? c->end_ts : c->last_ts) - c->first_ts;
    agg(p->conns, dur > 0 ? dur : 0, &p->dur_min, &p->dur_max, &p->dur_sum);
}

void ma_net_finalize(ma_net_t *n, ma_ns_t capture_end)
{
    for (uint32_t i = 0; i < n->nconns; i++) {
        ma_nconn_t *c = conn_at(n, i);
        decide_at_end(n, c, capture_end);
        regap(c);
    }
    for (guint i = 0; i < n->pairs->len; i++)
        pair_reset(&((ma_npair_t *)g_ptr_array_index(n->pairs, i))->pub);
    for (uint32_t i = 0; i < n->nconns; i++) {
        ma_nconn_t *c = conn_at(n, i);
        pair_add(&ma_net_npair(n, c->pub.pair->id)->pub, c);
    }
    for (guint i = 0; i < n->pairs->len; i++) {
        ma_npair_t *np = g_ptr_array_index(n->pairs, i);
        if (np->ev_unsorted)
            g_array_sort(np->ev, ma_net_ev_cmp);
        np->ev_unsorted = false;
    }
}
