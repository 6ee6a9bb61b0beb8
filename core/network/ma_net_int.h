/* ma_net_int.h - internals shared by ma_net.c (connections, segments,
 * events) and ma_net_app.c (application retries, expected topology)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MA_NET_INT_H
#define MA_NET_INT_H

#include <glib.h>

#include "ma_net.h"
#include "ma_pool.h"
#include "ma_recent.h"

#define MA_NET_PEND_MAX   32u   /* pending requests remembered per connection (rule (c)) */
#define MA_NET_CONN_BLOCK 1024u /* connection records per allocation block */
#define MA_NET_REC_BLOCK  4096u /* segment records per allocation block */

/* A remembered PDU-carrying segment of one direction (rule (b)): its
 * transactions (at most MA_NET_SEG_TXNS) in place when it has one (almost
 * every segment), else in an array of its own. */
typedef struct ma_seg_mem {
    uint32_t  seq, len;
    uint8_t   ntxn;
    union {
        ma_txn_t  *one;   /* ntxn == 1 */
        ma_txn_t **many;  /* ntxn > 1: g_malloc'd, ntxn entries */
    } t;
} ma_seg_mem_t;

static inline ma_txn_t *const *ma_seg_mem_txns(const ma_seg_mem_t *m)
{
    return m->ntxn > 1 ? m->t.many : &m->t.one;
}

static inline void ma_seg_mem_clear(ma_seg_mem_t *m)
{
    if (m->ntxn > 1)
        g_free(m->t.many);
    m->ntxn = 0;
}

/* Sequence state of one direction of a connection. The ring grows 1, 2, 4, ..
 * MA_NET_SEG_RING while it has not wrapped (head stays 0 until then). */
typedef struct ma_dir {
    ma_seg_mem_t *ring;
    uint8_t       n, cap, head;
    bool          has_max;
    uint32_t      max_end;     /* highest seq + len seen (serial order) */
} ma_dir_t;

/* A connection: the public record first, then private state. */
typedef struct ma_nconn {
    ma_net_conn_t    pub;
    struct ma_nconn *prev;       /* the pair's previous connection, NULL: first */
    ma_seg_rec_t    *first_rec;  /* record of the first segment (reconnect / parallel) */
    ma_addr_t        client;
    ma_dir_t         dir[2];     /* [0]: to server, [1]: to client */
    ma_txn_t       **pend;       /* recent request txns, oldest first (may be answered) */
    uint8_t          npend, pend_cap;
    bool             decided;    /* attempt outcome decided by a segment */
    bool             ev_failed;  /* MA_EV_FAILED recorded */
    bool             srv_fin;    /* a FIN from the server seen */
} ma_nconn_t;

/* Per-pair state: the public aggregate first. */
typedef struct ma_npair {
    ma_net_pair_t pub;
    GArray       *ev;           /* ma_net_ev_t, time-ordered */
    bool          ev_unsorted;  /* appended out of order (finalize sorts) */
    bool          modbus;       /* a connection of the pair carried Modbus */
    ma_nconn_t   *last;         /* newest connection (by first segment) */
} ma_npair_t;

struct ma_net {
    ma_net_config_t cfg;
    ma_core_t      *core;
    uint32_t        max_conns, max_events, max_retry_keys;
    GHashTable     *by_stream;     /* tcp.stream -> ma_nconn_t* (never removed) */
    ma_recent_t     recent;        /* connections found recently, by stream */
    ma_pool_t       conns;         /* ma_nconn_t */
    uint32_t        nconns;
    uint64_t        conns_dropped;
    uint32_t        last_dropped;  /* stream id of the last dropped connection */
    ma_arena_t      recs;          /* ma_seg_rec_t, each as long as its ntxn needs */
    GPtrArray      *pairs;         /* ma_npair_t* by pair id (owned) */
    ma_net_pair_t   scratch;       /* returned for ids of no pair */
    uint64_t        nevents, events_dropped;
    GHashTable     *retry;         /* retry key -> last ma_txn_t* of that content */
    uint64_t        retry_untracked;
    GArray         *expect;        /* ma_expect_t */
    ma_expect_result_t *results;
    /* set by ma_net_app.c when it first needs its state (retries, expected
     * topology): ma_net.c frees that state through it without depending on
     * ma_net_app.c (which depends on ma_net.c) */
    void          (*app_free)(ma_net_t *n);
};

/* The per-pair state of pair id (created up to id if the core knows it),
 * NULL for an id the core never gave (ma_net_pairs.c). */
ma_npair_t *ma_net_npair(ma_net_t *n, uint32_t id);

/* Events (ma_net_pairs.c). Record an event of conn c's pair (bounded by
 * max_events): in time order (after events of the same time), or with
 * append_only appended, for ma_net_finalize to sort with ma_net_ev_cmp. */
void ma_net_ev_add_info(ma_net_t *n, const ma_nconn_t *c, ma_net_ev_kind_t kind, uint32_t frame, ma_ns_t ts,
                        bool append_only, uint8_t info);
void ma_net_ev_add(ma_net_t *n, const ma_nconn_t *c, ma_net_ev_kind_t kind, uint32_t frame, ma_ns_t ts,
                   bool append_only);
/* Time, then frame order (for the stable g_array_sort). */
gint ma_net_ev_cmp(gconstpointer a, gconstpointer b);


/* ---- test-only and diagnostic access (tests/unit/test_net.c) ---- */

/* Lower the bounds of MA_NET_MAX_CONNS / _EVENTS / _RETRY_KEYS for tests
 * (0 keeps the header's value). Call right after ma_net_new. */
void ma_net_set_limits(ma_net_t *n, uint32_t max_conns, uint32_t max_events, uint32_t max_retry_keys);
uint64_t ma_net_events_dropped(const ma_net_t *n);   /* beyond MA_NET_MAX_EVENTS */
uint64_t ma_net_retry_untracked(const ma_net_t *n);  /* requests of untracked contents */
uint32_t ma_net_event_count(const ma_net_t *n, uint32_t pair_id);
const ma_net_ev_t *ma_net_event_at(const ma_net_t *n, uint32_t pair_id, uint32_t i);

#endif /* MA_NET_INT_H */
