/* ma_core.c - Modbus/TCP request/response pairing and classification
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Data structures (all bounded except the per-transaction records, which
 * are the per-capture results themselves):
 *  - conns:  tcp.stream -> ma_conn, each with
 *      pending:  key (unit << 16 | tid) -> FIFO of pending requests (maps: ma_kmap,
 *                inline for the one or two keys of a typical connection)
 *      answered: key -> last answered request (duplicate detection),
 *                cleared when it exceeds MA_ANSWERED_MAX entries
 *      a doubly linked list of its pending requests, oldest first
 *  - a global doubly linked list of all pending requests, oldest first,
 *    so both pending bounds evict the oldest request in O(1). The links
 *    live in a node per pending request (ma_pend_t, reused once the
 *    request is resolved), not in ma_txn_t: a transaction outlives its
 *    pending time and should not carry 40 bytes of dead links.
 */
#define _POSIX_C_SOURCE 200809L
#include "ma_core.h"
#include "ma_kmap.h"
#include "ma_modbus.h"
#include "ma_pool.h"
#include "ma_recent.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#define MA_ANSWERED_MAX 4096u
#define MA_TXN_BLOCK    4096u

/* A pending request's place in the lists: its key's FIFO, its
 * connection's list and the global list, each oldest first. */
typedef struct ma_pend {
    ma_txn_t       *txn;
    struct ma_pend *key_next;
    struct ma_pend *conn_prev, *conn_next;
    struct ma_pend *g_prev, *g_next;
} ma_pend_t;

typedef struct ma_keyq {
    ma_pend_t *head, *tail;
    uint32_t   n;
} ma_keyq_t;

typedef struct ma_conn {
    uint32_t    stream;
    ma_pair_t  *pair;
    ma_kmap_t   pending;   /* key -> ma_keyq_t* (owned) */
    ma_kmap_t   answered;  /* key -> ma_txn_t* */
    ma_pend_t  *oldest, *newest;
    uint32_t    npending;
    bool        closed;
    bool        client_fin; /* the client closed first (a later server FIN answers it) */
} ma_conn_t;

/* Hash key of a pair: both addresses and the server port. */
typedef struct ma_pair_key {
    ma_addr_t client, server;
    uint16_t  server_port;
} ma_pair_key_t;

struct ma_core {
    ma_config_t cfg;
    GHashTable *conns;      /* stream -> ma_conn_t* (owned) */
    ma_recent_t recent;     /* connections found recently, by stream */
    GHashTable *pairs;      /* ma_pair_key_t* -> ma_pair_t* */
    GPtrArray  *pair_list;  /* ma_pair_t* (owned), by id */
    ma_pool_t   txns;       /* ma_txn_t, in creation order */
    ma_pend_t  *g_oldest, *g_newest; /* global pending list */
    ma_pool_t   pends;      /* ma_pend_t */
    ma_pend_t  *free_pend;  /* nodes of resolved requests for reuse, linked by key_next */
    ma_keyq_t  *free_keyq;  /* emptied key queues for reuse, linked by head */
    uint32_t    npending;
    ma_ns_t     capture_end;
    bool        have_time;
    bool        finalized;
};

static guint pair_key_hash(gconstpointer p)
{
    const ma_pair_key_t *k = p;
    guint h = 2166136261u;
    const uint8_t *b;
    for (b = k->client.bytes; b < k->client.bytes + k->client.len; b++)
        h = (h ^ *b) * 16777619u;
    for (b = k->server.bytes; b < k->server.bytes + k->server.len; b++)
        h = (h ^ *b) * 16777619u;
    return (h ^ k->server_port) * 16777619u;
}

static gboolean pair_key_equal(gconstpointer a, gconstpointer b)
{
    const ma_pair_key_t *x = a, *y = b;
    return x->server_port == y->server_port &&
           x->client.len == y->client.len && x->server.len == y->server.len &&
           memcmp(x->client.bytes, y->client.bytes, x->client.len) == 0 &&
           memcmp(x->server.bytes, y->server.bytes, x->server.len) == 0;
}

static void conn_free(gpointer p)
{
    ma_conn_t *c = p;
    ma_kmap_destroy(&c->pending, g_free);
    ma_kmap_destroy(&c->answered, NULL);
    g_free(c);
}

static void pair_free(gpointer p)
{
    ma_pair_t *pr = p;
    g_free(pr->label);
    g_free(pr);
}

void ma_config_defaults(ma_config_t *cfg)
{
    cfg->delay_threshold = MA_NS_PER_SEC;
    cfg->response_timeout = 3 * MA_NS_PER_SEC;
    cfg->max_pending_per_conn = MA_DEFAULT_MAX_PENDING_PER_CONN;
    cfg->max_pending_total = MA_DEFAULT_MAX_PENDING_TOTAL;
}

ma_core_t *ma_core_new(const ma_config_t *cfg)
{
    ma_core_t *core = g_new0(ma_core_t, 1);
    if (cfg)
        core->cfg = *cfg;
    else
        ma_config_defaults(&core->cfg);
    if (core->cfg.max_pending_per_conn == 0)
        core->cfg.max_pending_per_conn = 1;
    if (core->cfg.max_pending_total == 0)
        core->cfg.max_pending_total = 1;
    core->conns = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, conn_free);
    core->pairs = g_hash_table_new_full(pair_key_hash, pair_key_equal, g_free, NULL);
    core->pair_list = g_ptr_array_new_with_free_func(pair_free);
    ma_pool_init(&core->txns, sizeof(ma_txn_t), MA_TXN_BLOCK);
    ma_pool_init(&core->pends, sizeof(ma_pend_t), 1024);
    return core;
}

void ma_core_free(ma_core_t *core)
{
    if (!core)
        return;
    g_hash_table_destroy(core->conns);
    g_hash_table_destroy(core->pairs);
    while (core->free_keyq) {
        ma_keyq_t *q = core->free_keyq;
        core->free_keyq = (ma_keyq_t *)(void *)q->head;
        g_free(q);
    }
    g_ptr_array_free(core->pair_list, TRUE);
    ma_pool_clear(&core->txns);
    ma_pool_clear(&core->pends);
    g_free(core);
}

const ma_config_t *ma_core_config(const ma_core_t *core)
{
    return &core->cfg;
}

void ma_core_note_time(ma_core_t *core, ma_ns_t ts)
{
    if (!core->have_time || ts > core->capture_end) {
        core->capture_end = ts;
        core->have_time = true;
        core->finalized = false; /* a later end can turn unanswered into missed */
    }
}

ma_ns_t ma_core_capture_end(const ma_core_t *core)
{
    return core->capture_end;
}

uint32_t ma_core_pending_count(const ma_core_t *core)
{
    return core->npending;
}

bool ma_core_finalized(const ma_core_t *core)
{
    return core->finalized;
}

const char *ma_outcome_name(ma_outcome_t o)
{
    switch (o) {
    case MA_OUT_ANSWERED:          return "answered";
    case MA_OUT_LATE:              return "late";
    case MA_OUT_MISSED:            return "missed";
    case MA_OUT_UNANSWERED_AT_END: return "unanswered_at_end";
    case MA_OUT_PENDING:           break;
    }
    return "pending";
}

bool ma_core_is_request(uint16_t srcport, uint16_t dstport,
                        bool src_is_server_port, bool dst_is_server_port)
{
    if (dst_is_server_port != src_is_server_port)
        return dst_is_server_port;
    /* Neither or both known: the lower port is the (well-known) server port. */
    return dstport < srcport;
}

/* ---- transactions and pending lists ---- */

static ma_txn_t *txn_alloc(ma_core_t *core)
{
    return ma_pool_alloc(&core->txns);
}

static inline uint32_t txn_key(uint8_t unit, uint16_t tid)
{
    return ((uint32_t)unit << 16) | tid;
}

/* Append t to the key queue, its connection's list and the global list. */
static void pending_add(ma_core_t *core, ma_conn_t *c, ma_txn_t *t)
{
    uint32_t key = txn_key(t->unit, t->tid);
    ma_keyq_t *q = ma_kmap_lookup(&c->pending, key);
    if (!q) {
        q = core->free_keyq;
        if (q)
            core->free_keyq = (ma_keyq_t *)(void *)q->head;
        else
            q = g_new(ma_keyq_t, 1);
        memset(q, 0, sizeof *q);
        ma_kmap_insert(&c->pending, key, q);
    }
    ma_pend_t *p = core->free_pend;
    if (p)
        core->free_pend = p->key_next;
    else
        p = ma_pool_alloc(&core->pends);
    memset(p, 0, sizeof *p);
    p->txn = t;
    t->pend = p;

    if (q->tail)
        q->tail->key_next = p;
    else
        q->head = p;
    q->tail = p;
    q->n++;

    p->conn_prev = c->newest;
    if (c->newest)
        c->newest->conn_next = p;
    else
        c->oldest = p;
    c->newest = p;
    c->npending++;

    p->g_prev = core->g_newest;
    if (core->g_newest)
        core->g_newest->g_next = p;
    else
        core->g_oldest = p;
    core->g_newest = p;
    core->npending++;
}

/* Remove the pending request t from all pending structures of its
 * connection c; its node goes back to the free list. */
static void pending_remove(ma_core_t *core, ma_conn_t *c, ma_txn_t *t)
{
    ma_pend_t *p = t->pend;
    if (!p)
        return;
    uint32_t key = txn_key(t->unit, t->tid);
    ma_keyq_t *q = ma_kmap_lookup(&c->pending, key);
    if (q) {
        ma_pend_t *prev = NULL, *cur = q->head;
        while (cur && cur != p) {
            prev = cur;
            cur = cur->key_next;
        }
        if (cur) {
            if (prev)
                prev->key_next = cur->key_next;
            else
                q->head = cur->key_next;
            if (q->tail == cur)
                q->tail = prev;
            q->n--;
        }
        if (q->n == 0) {
            /* a connection per poll empties and refills one key per request */
            ma_kmap_remove(&c->pending, key);
            q->head = (ma_pend_t *)(void *)core->free_keyq;
            core->free_keyq = q;
        }
    }

    if (p->conn_prev)
        p->conn_prev->conn_next = p->conn_next;
    else
        c->oldest = p->conn_next;
    if (p->conn_next)
        p->conn_next->conn_prev = p->conn_prev;
    else
        c->newest = p->conn_prev;
    c->npending--;

    if (p->g_prev)
        p->g_prev->g_next = p->g_next;
    else
        core->g_oldest = p->g_next;
    if (p->g_next)
        p->g_next->g_prev = p->g_prev;
    else
        core->g_newest = p->g_prev;
    core->npending--;

    t->pend = NULL;
    p->txn = NULL;
    p->key_next = core->free_pend;
    core->free_pend = p;
}

static void txn_missed(ma_core_t *core, ma_conn_t *c, ma_txn_t *t, uint16_t why, uint32_t frame)
{
    pending_remove(core, c, t);
    t->outcome = MA_OUT_MISSED;
    t->flags |= why;
    t->resolve_frame = frame;
}

/* ---- pairs and connections ---- */

static ma_pair_t *pair_get(ma_core_t *core, const ma_addr_t *client,
                           const ma_addr_t *server, uint16_t server_port)
{
    ma_pair_key_t k;
    memset(&k, 0, sizeof k);
    k.client = *client;
    k.server = *server;
    k.server_port = server_port;
    ma_pair_t *p = g_hash_table_lookup(core->pairs, &k);
    if (p)
        return p;
    p = g_new0(ma_pair_t, 1);
    p->id = core->pair_list->len;
    p->client = *client;
    p->server = *server;
    p->server_port = server_port;
    char cb[64], sb[64];
    ma_addr_format(client, cb, sizeof cb);
    ma_addr_format(server, sb, sizeof sb);
    p->label = g_strdup_printf("%s -> %s:%u", cb, sb, server_port);
    g_ptr_array_add(core->pair_list, p);
    g_hash_table_insert(core->pairs, g_memdup2(&k, sizeof k), p);
    return p;
}

/* The connection of a stream, or NULL. The last one found is remembered
 * (a cache, hence the cast: connections are never removed, so it stays
 * valid): the direction of a PDU and then its pairing ask for the same. */
static ma_conn_t *conn_find(const ma_core_t *core, uint32_t stream)
{
    ma_conn_t *c = ma_recent_get(&core->recent, stream);
    if (c)
        return c;
    c = g_hash_table_lookup(core->conns, GUINT_TO_POINTER(stream));
    if (c) /* a connection lives until the end: the cache stays right */
        ma_recent_put((ma_recent_t *)(uintptr_t)&core->recent, stream, c);
    return c;
}

static ma_conn_t *conn_get(ma_core_t *core, const ma_pdu_in_t *in)
{
    ma_conn_t *c = conn_find(core, in->stream);
    if (c)
        return c;
    c = g_new0(ma_conn_t, 1);
    c->stream = in->stream;
    if (in->is_request)
        c->pair = pair_get(core, &in->src, &in->dst, in->dstport);
    else
        c->pair = pair_get(core, &in->dst, &in->src, in->srcport);
    g_hash_table_insert(core->conns, GUINT_TO_POINTER(in->stream), c);
    ma_recent_put(&core->recent, in->stream, c);
    return c;
}

const ma_pair_t *ma_core_pair(ma_core_t *core, const ma_addr_t *client,
                              const ma_addr_t *server, uint16_t server_port)
{
    return pair_get(core, client, server, server_port);
}

uint32_t ma_core_pair_count(const ma_core_t *core)
{
    return core->pair_list->len;
}

const ma_pair_t *ma_core_pair_at(const ma_core_t *core, uint32_t id)
{
    return id < core->pair_list->len ? g_ptr_array_index(core->pair_list, id) : NULL;
}

uint32_t ma_core_txn_count(const ma_core_t *core)
{
    return (uint32_t)ma_pool_count(&core->txns);
}

ma_txn_t *ma_core_txn_at(ma_core_t *core, uint32_t i)
{
    return ma_pool_at(&core->txns, i);
}

const ma_pair_t *ma_core_stream_pair(const ma_core_t *core, uint32_t stream)
{
    ma_conn_t *c = conn_find(core, stream);
    return c ? c->pair : NULL;
}

int ma_core_stream_is_request(const ma_core_t *core, uint32_t stream,
                              const ma_addr_t *src, uint16_t srcport)
{
    const ma_pair_t *p = ma_core_stream_pair(core, stream);
    if (!p)
        return -1;
    return !(srcport == p->server_port && ma_addr_equal(src, &p->server));
}

/* ---- PDUs ---- */

static ma_txn_t *find_same_request(ma_conn_t *c, const ma_pdu_in_t *in)
{
    uint32_t key = txn_key(in->unit, in->tid);
    ma_keyq_t *q = ma_kmap_lookup(&c->pending, key);
    for (ma_pend_t *p = q ? q->head : NULL; p; p = p->key_next)
        if (p->txn->fc == in->fc)
            return p->txn;
    ma_txn_t *a = ma_kmap_lookup(&c->answered, key);
    if (a && a->fc == in->fc)
        return a;
    return NULL;
}

static void on_request(ma_core_t *core, ma_conn_t *c, const ma_pdu_in_t *in, ma_pdu_t *out)
{
    uint32_t key = txn_key(in->unit, in->tid);

    if (in->tcp_retrans) {
        /* The same bytes again: the transaction already exists. */
        ma_txn_t *t = find_same_request(c, in);
        if (t) {
            out->flags |= MA_PDU_RETRANS;
            out->txn = t;
            return;
        }
    }

    /* A key reused after its timeout ran out: the client gave up on the
     * older request(s) of that key (e.g. clients that always send tid 0). */
    ma_keyq_t *q = ma_kmap_lookup(&c->pending, key);
    while (q && q->head && in->ts - q->head->txn->req_ts > core->cfg.response_timeout) {
        bool last = (q->n == 1);
        txn_missed(core, c, q->head->txn, MA_TXN_SUPERSEDED, in->frame);
        if (last)
            break; /* q was freed with its last entry */
    }
    ma_kmap_remove(&c->answered, key);
    q = ma_kmap_lookup(&c->pending, key); /* the loop may have freed it */

    ma_txn_t *t = txn_alloc(core);
    t->req_frame = in->frame;
    t->req_ts = in->ts;
    t->pair = c->pair;
    t->stream = in->stream;
    t->tid = in->tid;
    t->unit = in->unit;
    t->fc = in->fc;
    t->ref = in->ref;
    t->count = in->count;
    t->outcome = MA_OUT_PENDING;
    if (q && q->tail) {
        /* the id of an outstanding request of this unit again */
        t->flags |= MA_TXN_TID_REUSE;
        t->reuse_of = q->tail->txn->req_frame;
        out->flags |= MA_PDU_TID_REUSE;
    }
    if (c->closed) {
        /* A request on a connection already reset: it cannot be answered
         * and never enters (nor evicts from) the pending tables. */
        t->outcome = MA_OUT_MISSED;
        t->flags |= MA_TXN_CLOSED;
        t->resolve_frame = in->frame;
    } else {
        /* Bounds: evict the oldest pending request. */
        if (c->npending >= core->cfg.max_pending_per_conn && c->oldest)
            txn_missed(core, c, c->oldest->txn, MA_TXN_EVICTED, in->frame);
        if (core->npending >= core->cfg.max_pending_total && core->g_oldest) {
            ma_txn_t *old = core->g_oldest->txn;
            ma_conn_t *oc = conn_find(core, old->stream);
            txn_missed(core, oc, old, MA_TXN_EVICTED, in->frame);
        }
        pending_add(core, c, t);
    }
    out->txn = t;
}

/* The pending request an orphan response fits but for its id (ma_core.h,
 * "tid mismatch"): same unit and function code, for reads a byte count
 * that fits its quantity, not linked by an earlier mismatch; the oldest. */
static ma_txn_t *mismatch_of(ma_conn_t *c, const ma_pdu_in_t *in)
{
    uint8_t base_fc = in->fc & 0x7f;
    const uint8_t *pdu = in->adu_len > MA_MBAP_LEN ? in->adu + MA_MBAP_LEN : NULL;
    uint32_t n = in->adu_len > MA_MBAP_LEN ? in->adu_len - MA_MBAP_LEN : 0;
    unsigned looked = 0;
    for (ma_pend_t *p = c->oldest; p && looked < MA_MISMATCH_SCAN; p = p->conn_next, looked++) {
        ma_txn_t *t = p->txn;
        if (t->unit != in->unit || t->fc != base_fc || (t->flags & MA_TXN_TID_MISMATCH))
            continue;
        if ((in->fc & 0x80) || (pdu && ma_read_response_fits(base_fc, t->count, pdu, n)))
            return t;
    }
    return NULL;
}

static void on_response(ma_core_t *core, ma_conn_t *c, const ma_pdu_in_t *in, ma_pdu_t *out)
{
    uint32_t key = txn_key(in->unit, in->tid);
    uint8_t base_fc = in->fc & 0x7f;
    ma_keyq_t *q = ma_kmap_lookup(&c->pending, key);
    ma_txn_t *match = NULL;
    unsigned candidates = 0;

    for (ma_pend_t *p = q ? q->head : NULL; p && candidates < 2; p = p->key_next) {
        if (p->txn->fc == base_fc) {
            if (!match)
                match = p->txn;
            candidates++;
        }
    }

    if (!match) {
        /* another answer to a request answered within the timeout */
        ma_txn_t *a = ma_kmap_lookup(&c->answered, key);
        if (a && a->fc == base_fc && in->ts - a->resp_ts <= core->cfg.response_timeout) {
            out->flags |= in->tcp_retrans ? MA_PDU_RETRANS : MA_PDU_DUPLICATE;
            out->txn = a;
            return;
        }
        ma_txn_t *m = mismatch_of(c, in);
        if (!m) {
            out->flags |= MA_PDU_ORPHAN;
            return;
        }
        m->flags |= MA_TXN_TID_MISMATCH;
        m->mismatch_frame = in->frame;
        out->flags |= MA_PDU_TID_MISMATCH;
        if (!core->cfg.pair_tid_mismatch) {
            out->flags |= MA_PDU_ORPHAN;
            out->txn = m;
            return;
        }
        match = m; /* the option pairs them */
        candidates = 1;
    }

    pending_remove(core, c, match);
    match->resp_frame = in->frame;
    match->resp_ts = in->ts;
    ma_ns_t rtt = in->ts - match->req_ts;
    match->outcome = rtt > core->cfg.response_timeout ? MA_OUT_LATE : MA_OUT_ANSWERED;
    if (rtt > core->cfg.delay_threshold)
        match->flags |= MA_TXN_DELAYED;
    if (candidates > 1) {
        match->flags |= MA_TXN_AMBIGUOUS;
        out->flags |= MA_PDU_AMBIGUOUS;
    }
    if (in->fc & 0x80) {
        match->flags |= MA_TXN_EXCEPTION;
        match->exc_code = in->exc_code;
    }
    if (ma_kmap_size(&c->answered) >= MA_ANSWERED_MAX)
        ma_kmap_clear(&c->answered);
    ma_kmap_insert(&c->answered, key, match);
    out->txn = match;
}

void ma_core_pdu(ma_core_t *core, const ma_pdu_in_t *in, ma_pdu_t *out)
{
    memset(out, 0, sizeof *out);
    out->kind = in->is_request ? MA_PDU_REQUEST : MA_PDU_RESPONSE;
    out->unit = in->unit;
    out->fc = in->fc;
    out->tid = in->tid;
    out->stream = in->stream;
    out->exc_code = in->exc_code;
    if (!in->is_request && (in->fc & 0x80))
        out->flags |= MA_PDU_EXCEPTION;

    ma_core_note_time(core, in->ts);
    core->finalized = false;

    ma_conn_t *c = conn_get(core, in);
    out->pair = c->pair;
    if (in->malformed) {
        out->flags |= MA_PDU_MALFORMED;
        return;
    }
    if (in->bad_body)
        out->flags |= MA_PDU_BAD_BODY;
    if (in->is_request)
        on_request(core, c, in, out);
    else
        on_response(core, c, in, out);
}

void ma_core_conn_event(ma_core_t *core, uint32_t stream, ma_conn_event_t ev,
                        uint32_t frame, ma_ns_t ts)
{
    ma_core_note_time(core, ts);
    ma_conn_t *c = conn_find(core, stream);
    if (!c)
        return;
    if (ev == MA_CONN_FIN_FROM_CLIENT) {
        c->client_fin = true; /* half close: the server may still answer */
        return;
    }
    /* The server's FIN answering the client's: the client had stopped
     * waiting; its requests become missed by their timeout, not closed. */
    if (ev == MA_CONN_FIN_FROM_SERVER && c->client_fin)
        return;
    /* A request whose timeout ran out before the close was missed anyway:
     * the close is not why (its reason stays "no response"). */
    while (c->oldest) {
        ma_txn_t *t = c->oldest->txn;
        txn_missed(core, c, t, ts - t->req_ts > core->cfg.response_timeout ? 0 : MA_TXN_CLOSED, frame);
    }
    if (ev == MA_CONN_RST)
        c->closed = true;
}

void ma_core_finalize(ma_core_t *core)
{
    if (core->finalized)
        return;
    for (ma_pend_t *p = core->g_oldest; p; p = p->g_next) {
        ma_txn_t *t = p->txn;
        if (core->capture_end - t->req_ts > core->cfg.response_timeout)
            t->outcome = MA_OUT_MISSED;
        else
            t->outcome = MA_OUT_UNANSWERED_AT_END;
    }
    core->finalized = true;
}
