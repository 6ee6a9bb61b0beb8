/* ma_net_app.c - application retries and the expected topology
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * core/ma_net.h has the contract. Choices made here:
 *  - A retry key is (pair id, unit, fc, PDU bytes after the function code
 *    = adu[8 .. adu_len)); an ADU shorter than 8 bytes has no such bytes.
 *    The table keeps the last request of each key.
 *  - "within retry_window" is inclusive: 0 <= retry time - earlier request
 *    time <= retry_window (a request earlier in time is never retried).
 *  - "no answer yet": the earlier txn's resp_frame is 0 when the retry is
 *    seen (also when its connection was reset: the missed request retried on
 *    a new connection is the typical retry).
 *  - A request Wireshark flagged as a TCP retransmission (in->tcp_retrans)
 *    that ma_core still made a new txn of (its original was not captured) is
 *    never a retry itself, but becomes the key's last request.
 *  - Keys beyond max_retry_keys are not tracked: their requests are counted
 *    (ma_net_retry_untracked) and can be neither retries nor retried.
 *  - Expectations: a pair matches when server address and port are equal
 *    and, if the entry names a client, the client address too. Duplicate
 *    entries (same server, port, client) are merged and their names joined
 *    with ", ". A pair "has traffic" when requests[id] > 0 (docs/network.md:
 *    "a matching pair sent Modbus requests"); with requests NULL, when one of
 *    its connections carried a Modbus PDU.
 *    Results (and their exp pointers) are valid until the next
 *    ma_net_expect_results or ma_net_expect_add.
 */
#include <string.h>

#include "ma_net_int.h"

/* The table is a set of keys, each holding the latest request that had it
 * (txn is no part of the key). */
typedef struct retry_key {
    ma_txn_t *txn;
    uint32_t pair;
    uint32_t len;
    uint8_t  unit, fc;
    uint8_t  bytes[];
} retry_key_t;

static guint retry_hash(gconstpointer p)
{
    const retry_key_t *k = p;
    guint h = 2166136261u;
    h = (h ^ k->pair) * 16777619u;
    h = (h ^ ((guint)k->unit << 8 | k->fc)) * 16777619u;
    h = (h ^ k->len) * 16777619u;
    for (uint32_t i = 0; i < k->len; i++)
        h = (h ^ k->bytes[i]) * 16777619u;
    return h;
}

static gboolean retry_equal(gconstpointer a, gconstpointer b)
{
    const retry_key_t *x = a, *y = b;
    return x->pair == y->pair && x->unit == y->unit && x->fc == y->fc && x->len == y->len &&
           memcmp(x->bytes, y->bytes, x->len) == 0;
}

static void expect_clear(gpointer p)
{
    g_free(((ma_expect_t *)p)->name);
}

static void app_free(ma_net_t *n)
{
    g_hash_table_destroy(n->retry);
    g_array_free(n->expect, TRUE);
    g_free(n->results);
}

/* The state of this module inside n, made on first use. */
static void app_ready(ma_net_t *n)
{
    if (n->app_free)
        return;
    n->retry = g_hash_table_new_full(retry_hash, retry_equal, g_free, NULL);
    n->expect = g_array_new(FALSE, TRUE, sizeof(ma_expect_t));
    g_array_set_clear_func(n->expect, expect_clear);
    n->app_free = app_free;
}

uint64_t ma_net_retry_untracked(const ma_net_t *n)
{
    return n->retry_untracked;
}

/* ---- application retries ---- */

/* Request bodies up to this size are looked up from a key on the stack
 * (a Modbus/TCP ADU has at most 260 bytes, 252 after the MBAP and fc). */
#define RETRY_STACK_BYTES 256u

/* Fill k (room for len body bytes) with the retry key of a request of
 * pair `pair`. */
static void retry_key_fill(retry_key_t *k, uint32_t pair, const ma_pdu_in_t *in, uint32_t len)
{
    k->txn = NULL;
    k->pair = pair;
    k->len = len;
    k->unit = in->unit;
    k->fc = in->fc;
    if (len)
        memcpy(k->bytes, in->adu + 8, len);
}

/* True if t retries e: another tid or connection, e unanswered, and t
 * within retry_window after e. */
static bool is_retry(const ma_net_t *n, const ma_txn_t *e, const ma_txn_t *t)
{
    ma_ns_t dt = t->req_ts - e->req_ts;
    return e != t && (e->tid != t->tid || e->stream != t->stream) && e->resp_frame == 0 && dt >= 0 &&
           dt <= n->cfg.retry_window;
}

void ma_net_request(ma_net_t *n, const ma_pdu_in_t *in, const ma_pdu_t *out)
{
    app_ready(n);
    ma_txn_t *t = out->txn;
    if (!t || !out->pair || out->kind != MA_PDU_REQUEST || (out->flags & (MA_PDU_RETRANS | MA_PDU_MALFORMED)))
        return;
    uint32_t len = in->adu && in->adu_len > 8 ? in->adu_len - 8 : 0;
    _Alignas(retry_key_t) uint8_t buf[sizeof(retry_key_t) + RETRY_STACK_BYTES];
    bool on_heap = len > RETRY_STACK_BYTES;
    retry_key_t *q = on_heap ? g_malloc(sizeof *q + len) : (retry_key_t *)(void *)buf;
    retry_key_fill(q, out->pair->id, in, len);
    retry_key_t *found = g_hash_table_lookup(n->retry, q);
    if (!found && g_hash_table_size(n->retry) >= n->max_retry_keys) {
        n->retry_untracked++;
        if (on_heap)
            g_free(q);
        return;
    }
    ma_txn_t *e = found ? found->txn : NULL;
    if (e && !in->tcp_retrans && is_retry(n, e, t)) {
        t->retry_of = e->req_frame;
        e->flags |= MA_TXN_RETRIED;
        if (!e->retried_by)
            e->retried_by = t->req_frame;
        ma_npair_t *np = ma_net_npair(n, out->pair->id);
        if (np)
            np->pub.retries++;
    }
    if (found) {
        found->txn = t;
        if (on_heap)
            g_free(q);
    } else { /* the table keeps a heap key as it is, a copy of a stack one */
        retry_key_t *k = on_heap ? q : g_memdup2(q, sizeof *q + len);
        k->txn = t;
        g_hash_table_add(n->retry, k);
    }
}

/* ---- expected topology ---- */

static bool expect_same(const ma_expect_t *e, const ma_addr_t *server, uint16_t port, const ma_addr_t *client)
{
    uint8_t clen = client ? client->len : 0;
    return e->port == port && ma_addr_equal(&e->server, server) && e->client.len == clen &&
           (clen == 0 || ma_addr_equal(&e->client, client));
}

/* Join name to e's names unless it is one of them already. */
static void expect_merge_name(ma_expect_t *e, const char *name)
{
    if (!name || !*name)
        return;
    if (!e->name || !*e->name) {
        g_free(e->name);
        e->name = g_strdup(name);
        return;
    }
    gchar **parts = g_strsplit(e->name, ", ", -1);
    bool have = g_strv_contains((const gchar *const *)parts, name);
    g_strfreev(parts);
    if (!have) {
        gchar *joined = g_strdup_printf("%s, %s", e->name, name);
        g_free(e->name);
        e->name = joined;
    }
}

void ma_net_expect_add(ma_net_t *n, const ma_addr_t *server, uint16_t port, const ma_addr_t *client,
                       const char *name)
{
    app_ready(n);
    if (!server)
        return;
    for (guint i = 0; i < n->expect->len; i++) {
        ma_expect_t *e = &g_array_index(n->expect, ma_expect_t, i);
        if (expect_same(e, server, port, client)) {
            expect_merge_name(e, name);
            return;
        }
    }
    ma_expect_t e;
    memset(&e, 0, sizeof e);
    e.server = *server;
    e.port = port;
    if (client && client->len)
        e.client = *client;
    e.name = g_strdup(name ? name : "");
    g_array_append_val(n->expect, e);
}

uint32_t ma_net_expect_count(const ma_net_t *n)
{
    return n->expect ? n->expect->len : 0;
}

static bool expect_matches(const ma_expect_t *e, const ma_pair_t *p)
{
    return p && p->server_port == e->port && ma_addr_equal(&p->server, &e->server) &&
           (e->client.len == 0 || ma_addr_equal(&p->client, &e->client));
}

/* Add pair id (matching r's entry) to r. */
static void result_add(ma_net_t *n, ma_expect_result_t *r, uint32_t id, const uint64_t *requests, uint32_t nreq)
{
    uint64_t req = requests && id < nreq ? requests[id] : 0;
    ma_npair_t *np = ma_net_npair(n, id);
    const ma_net_pair_t *s = np ? &np->pub : NULL;
    r->pairs++;
    r->requests += req;
    if (requests ? req > 0 : (np && np->modbus))
        r->state = MA_EXP_TRAFFIC;
    else if (r->state == MA_EXP_SILENT)
        r->state = MA_EXP_ATTEMPTS;
    if (s) {
        r->attempts += s->attempts;
        r->established += s->established;
        r->refused += s->refused;
        r->timeout += s->timeout;
        r->unfinished += s->unfinished;
    }
}

const ma_expect_result_t *ma_net_expect_results(ma_net_t *n, const uint64_t *requests, uint32_t nreq)
{
    app_ready(n);
    g_free(n->results);
    n->results = g_new0(ma_expect_result_t, n->expect->len ? n->expect->len : 1);
    uint32_t npairs = ma_core_pair_count(n->core);
    for (guint i = 0; i < n->expect->len; i++) {
        ma_expect_result_t *r = &n->results[i];
        r->exp = &g_array_index(n->expect, ma_expect_t, i);
        r->state = MA_EXP_SILENT;
        for (uint32_t id = 0; id < npairs; id++)
            if (expect_matches(r->exp, ma_core_pair_at(n->core, id)))
                result_add(n, r, id, requests, nreq);
    }
    return n->results;
}

bool ma_net_pair_expected(const ma_net_t *n, const ma_pair_t *pair)
{
    if (!n->expect)
        return false;
    for (guint i = 0; i < n->expect->len; i++)
        if (expect_matches(&g_array_index(n->expect, ma_expect_t, i), pair))
            return true;
    return false;
}
