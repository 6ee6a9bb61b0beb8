/* sec_net.c - the network tables: connections, TCP analysis and capture
 * duplicates, causes, the connection list, the expected topology, and
 * Spanning Tree roots and events
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Rules: docs/network.md (core/network/ma_net.h, ma_stp.h, ma_cause.h).
 */
#include "ma_sections.h"

#include <glib.h>
#include <string.h>

#include "ma_cause.h"
#include "ma_net.h"
#include "ma_stp.h"

#define G(name, T, body) \
    static void name(const void *row, const void *ctx, ma_cell_t *o) { const T *r = row; (void)ctx; body; }

static char buf_a[64], buf_b[64], buf_c[160];

/* True if the pair has anything for the connection tables. */
static bool pair_seen(const ma_net_pair_t *p)
{
    return p && p->pair && (p->conns || p->retries);
}

static int by_pair_id(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    const ma_net_pair_t *x = a, *y = b;
    return x->pair->id < y->pair->id ? -1 : x->pair->id > y->pair->id;
}

/* ---- connections per pair ---- */

#define NS_OR_NULL(n, x) if (!(n)) o->null = true; else o->v.ns = (x)

G(cn_pair, ma_net_pair_t, o->v.s = r->pair->label)
G(cn_conns, ma_net_pair_t, o->v.u = r->conns)
G(cn_attempts, ma_net_pair_t, o->v.u = r->attempts)
G(cn_syns, ma_net_pair_t, o->v.u = r->syn_packets)
G(cn_est, ma_net_pair_t, o->v.u = r->established)
G(cn_refused, ma_net_pair_t, o->v.u = r->refused)
G(cn_timeout, ma_net_pair_t, o->v.u = r->timeout)
G(cn_unfin, ma_net_pair_t, o->v.u = r->unfinished)
G(cn_failed, ma_net_pair_t, o->v.u = (uint64_t)r->refused + r->timeout)
G(cn_hs_avg, ma_net_pair_t, NS_OR_NULL(r->handshakes, r->handshakes ? r->hs_sum / r->handshakes : 0))
G(cn_hs_max, ma_net_pair_t, NS_OR_NULL(r->handshakes, r->hs_max))
G(cn_rst_c, ma_net_pair_t, o->v.u = r->resets_by_client)
G(cn_rst_s, ma_net_pair_t, o->v.u = r->resets_by_server)
G(cn_fin_c, ma_net_pair_t, o->v.u = r->fin_by_client)
G(cn_fin_s, ma_net_pair_t, o->v.u = r->fin_by_server)
G(cn_reconn, ma_net_pair_t, o->v.u = r->reconnects)
G(cn_parallel, ma_net_pair_t, o->v.u = r->parallel)
G(cn_gap_min, ma_net_pair_t, NS_OR_NULL(r->reconnects, r->gap_min))
G(cn_gap_max, ma_net_pair_t, NS_OR_NULL(r->reconnects, r->gap_max))
G(cn_open, ma_net_pair_t, o->v.u = r->open_at_end)
G(cn_dur_max, ma_net_pair_t, NS_OR_NULL(r->conns, r->dur_max))
G(cn_retries, ma_net_pair_t, o->v.u = r->retries)

#define MS MA_COL_TEXT_MS

static const ma_col_t conn_cols[] = {
    {"pair", "Pair", MA_CT_TEXT, 0, 0, 34, "client_ip -> server_ip:port", cn_pair},
    {"connections", "Conns", MA_CT_COUNT, 0, 0, 0, "TCP connections (streams)", cn_conns},
    {"attempts", "SYN", MA_CT_COUNT, 0, 0, 0, "connection attempts (a stream that began with a SYN)", cn_attempts},
    {"syn_packets", NULL, MA_CT_COUNT, 0, 0, 0, "SYNs sent (retransmitted ones too)", cn_syns},
    {"established", NULL, MA_CT_COUNT, 0, 0, 0, "attempts answered by a SYN+ACK within connect_timeout", cn_est},
    {"refused", "Refus", MA_CT_COUNT, 0, 0, 0, "attempts refused (RST from the server)", cn_refused},
    {"timeout", "Tmout", MA_CT_COUNT, 0, 0, 0, "attempts without SYN+ACK within connect_timeout", cn_timeout},
    {"unfinished", NULL, MA_CT_COUNT, 0, 0, 0, "attempts the capture ended on", cn_unfin},
    {"failed", NULL, MA_CT_COUNT, 0, 0, 0, "refused + timeout", cn_failed},
    {"handshake_avg", NULL, MA_CT_DURATION, 3, MS, 0, "mean SYN -> SYN+ACK time", cn_hs_avg},
    {"handshake_max", "HSmax ms", MA_CT_DURATION, 3, MS, 0, "longest SYN -> SYN+ACK time", cn_hs_max},
    {"resets_by_client", "RstC", MA_CT_COUNT, 0, 0, 0, "sessions reset by the client", cn_rst_c},
    {"resets_by_server", "RstS", MA_CT_COUNT, 0, 0, 0, "sessions reset by the server", cn_rst_s},
    {"fin_by_client", "FinC", MA_CT_COUNT, 0, 0, 0, "orderly closes started by the client", cn_fin_c},
    {"fin_by_server", "FinS", MA_CT_COUNT, 0, 0, 0, "orderly closes started by the server", cn_fin_s},
    {"reconnects", "Reconn", MA_CT_COUNT, 0, 0, 0, "new connections of the pair after its first", cn_reconn},
    {"parallel", NULL, MA_CT_COUNT, 0, 0, 0, "connections opened while another was open", cn_parallel},
    {"gap_min", NULL, MA_CT_DURATION, 3, 0, 0, "shortest time from a connection's end to the next (s)", cn_gap_min},
    {"gap_max", "Gapmax s", MA_CT_DURATION, 3, 0, 0, "longest such time (s)", cn_gap_max},
    {"open_at_end", "Open", MA_CT_COUNT, 0, 0, 0, "connections still open at the end", cn_open},
    {"duration_max", NULL, MA_CT_DURATION, 3, 0, 0, "longest connection (s)", cn_dur_max},
    {"retries", "Retries", MA_CT_COUNT, 0, 0, 0, "application retries (docs/network.md)", cn_retries},
};

const ma_tab_desc_t ma_desc_connections = {"pair_connections", "Connections per pair", conn_cols,
                                           G_N_ELEMENTS(conn_cols)};

static int conn_worse(const void *a, const void *b, const void *ctx)
{
    const ma_net_pair_t *x = a, *y = b;
    uint64_t fx = (uint64_t)x->refused + x->timeout + x->resets_by_server + x->resets_by_client;
    uint64_t fy = (uint64_t)y->refused + y->timeout + y->resets_by_server + y->resets_by_client;
    if (fx != fy)
        return fx > fy ? -1 : 1;
    if (x->reconnects != y->reconnects)
        return x->reconnects > y->reconnects ? -1 : 1;
    return by_pair_id(a, b, ctx);
}

void ma_sec_connections(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_connections, rc, rc->t0);
    ma_net_t *net = ma_analysis_net(rc->an);
    for (uint32_t i = 0; net && i < ma_net_pair_count(net); i++) {
        const ma_net_pair_t *p = ma_net_pair_stats(net, i);
        if (pair_seen(p))
            ma_tab_add(t, p);
    }
    ma_tab_sort(t, conn_worse);
}

/* ---- TCP analysis per pair ---- */

#define TA(name, d, k) G(name, ma_net_pair_t, o->v.u = r->ta[d][k])
TA(tc_rs, 0, MA_TA_RETRANS)
TA(tc_rc, 1, MA_TA_RETRANS)
TA(tc_fs, 0, MA_TA_FAST)
TA(tc_fc, 1, MA_TA_FAST)
TA(tc_ss, 0, MA_TA_SPURIOUS)
TA(tc_sc, 1, MA_TA_SPURIOUS)
TA(tc_ds, 0, MA_TA_DUP_ACK)
TA(tc_dc, 1, MA_TA_DUP_ACK)
TA(tc_zs, 0, MA_TA_ZERO_WINDOW)
TA(tc_zc, 1, MA_TA_ZERO_WINDOW)
TA(tc_ls, 0, MA_TA_LOST_SEGMENT)
TA(tc_lc, 1, MA_TA_LOST_SEGMENT)
G(tc_pair, ma_net_pair_t, o->v.s = r->pair->label)
G(tc_segs_s, ma_net_pair_t, o->v.u = r->segs[0])
G(tc_segs_c, ma_net_pair_t, o->v.u = r->segs[1])
G(tc_attached, ma_net_pair_t, o->v.u = r->retrans_attached)
G(tc_dup_s, ma_net_pair_t, o->v.u = r->dups[0])
G(tc_dup_c, ma_net_pair_t, o->v.u = r->dups[1])

/* Retransmitted segments (any of the three flags) of a pair. */
static uint64_t retrans_of(const ma_net_pair_t *r)
{
    uint64_t n = 0;
    for (int d = 0; d < 2; d++)
        n += r->ta[d][MA_TA_RETRANS] + r->ta[d][MA_TA_FAST] + r->ta[d][MA_TA_SPURIOUS];
    return n;
}

G(tc_retrans, ma_net_pair_t, o->v.u = retrans_of(r))
G(tc_pct, ma_net_pair_t, if (!(r->segs[0] + r->segs[1])) o->null = true;
  else o->v.d = 100.0 * (double)retrans_of(r) / (double)(r->segs[0] + r->segs[1]))

static const ma_col_t tcp_cols[] = {
    {"pair", "Pair", MA_CT_TEXT, 0, 0, 34, "client_ip -> server_ip:port", tc_pair},
    {"segments_to_server", NULL, MA_CT_COUNT, 0, 0, 0, "TCP segments to the server (capture duplicates excluded)", tc_segs_s},
    {"segments_to_client", NULL, MA_CT_COUNT, 0, 0, 0, "TCP segments to the client", tc_segs_c},
    {"retransmissions", "Retrans", MA_CT_COUNT, 0, 0, 0, "segments flagged retransmission, fast or spurious", tc_retrans},
    {"retrans_percent", "Retr%", MA_CT_REAL, 2, 0, 0, "retransmissions per 100 segments", tc_pct},
    {"retrans_to_server", "RtS", MA_CT_COUNT, 0, 0, 0, "tcp.analysis.retransmission to the server", tc_rs},
    {"retrans_to_client", "RtC", MA_CT_COUNT, 0, 0, 0, "tcp.analysis.retransmission to the client", tc_rc},
    {"fast_retrans_to_server", NULL, MA_CT_COUNT, 0, 0, 0, "fast retransmissions to the server", tc_fs},
    {"fast_retrans_to_client", NULL, MA_CT_COUNT, 0, 0, 0, "fast retransmissions to the client", tc_fc},
    {"spurious_retrans_to_server", NULL, MA_CT_COUNT, 0, 0, 0, "spurious retransmissions to the server", tc_ss},
    {"spurious_retrans_to_client", NULL, MA_CT_COUNT, 0, 0, 0, "spurious retransmissions to the client", tc_sc},
    {"dup_ack_to_server", "DupAckS", MA_CT_COUNT, 0, 0, 0, "duplicate ACKs to the server", tc_ds},
    {"dup_ack_to_client", "DupAckC", MA_CT_COUNT, 0, 0, 0, "duplicate ACKs to the client", tc_dc},
    {"zero_window_to_server", NULL, MA_CT_COUNT, 0, 0, 0, "zero windows to the server", tc_zs},
    {"zero_window_to_client", NULL, MA_CT_COUNT, 0, 0, 0, "zero windows to the client", tc_zc},
    {"lost_segment_to_server", "LostS", MA_CT_COUNT, 0, 0, 0, "previous segment not captured, to the server", tc_ls},
    {"lost_segment_to_client", "LostC", MA_CT_COUNT, 0, 0, 0, "previous segment not captured, to the client", tc_lc},
    {"retrans_attached", "Tied", MA_CT_COUNT, 0, 0, 0, "retransmitted segments tied to a Modbus transaction", tc_attached},
    {"duplicates_to_server", "CapDupS", MA_CT_COUNT, 0, 0, 0, "capture duplicates to the server (span port)", tc_dup_s},
    {"duplicates_to_client", "CapDupC", MA_CT_COUNT, 0, 0, 0, "capture duplicates to the client", tc_dup_c},
};

const ma_tab_desc_t ma_desc_tcp = {"pair_tcp", "TCP analysis per pair (Wireshark's tcp.analysis flags)", tcp_cols,
                                   G_N_ELEMENTS(tcp_cols)};

static int tcp_worse(const void *a, const void *b, const void *ctx)
{
    const ma_net_pair_t *x = a, *y = b;
    uint64_t rx = retrans_of(x), ry = retrans_of(y);
    if (rx != ry)
        return rx > ry ? -1 : 1;
    uint64_t dx = x->dups[0] + x->dups[1], dy = y->dups[0] + y->dups[1];
    if (dx != dy)
        return dx > dy ? -1 : 1;
    return by_pair_id(a, b, ctx);
}

void ma_sec_tcp(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_tcp, rc, rc->t0);
    ma_net_t *net = ma_analysis_net(rc->an);
    for (uint32_t i = 0; net && i < ma_net_pair_count(net); i++) {
        const ma_net_pair_t *p = ma_net_pair_stats(net, i);
        if (pair_seen(p))
            ma_tab_add(t, p);
    }
    ma_tab_sort(t, tcp_worse);
}

/* ---- causes per pair ---- */

static uint64_t slow_of(const ma_net_pair_t *p)
{
    uint64_t n = 0;
    for (int c = MA_CAUSE_STP; c < MA_CAUSE_N; c++)
        n += p->causes[c];
    return n;
}

G(ca_pair, ma_net_pair_t, o->v.s = r->pair->label)
G(ca_slow, ma_net_pair_t, o->v.u = slow_of(r))
G(ca_stp, ma_net_pair_t, o->v.u = r->causes[MA_CAUSE_STP])
G(ca_tcp, ma_net_pair_t, o->v.u = r->causes[MA_CAUSE_TCP_RETRANS])
G(ca_conn, ma_net_pair_t, o->v.u = r->causes[MA_CAUSE_CONNECTION])
G(ca_retry, ma_net_pair_t, o->v.u = r->causes[MA_CAUSE_RETRY])
G(ca_server, ma_net_pair_t, o->v.u = r->causes[MA_CAUSE_SERVER])

static const ma_col_t cause_cols[] = {
    {"pair", "Pair", MA_CT_TEXT, 0, 0, 40, "client_ip -> server_ip:port", ca_pair},
    {"slow", "Slow", MA_CT_COUNT, 0, 0, 0, "delayed, late and missed transactions", ca_slow},
    {"stp", "stp", MA_CT_COUNT, 0, 0, 0, "caused by a Spanning Tree topology change", ca_stp},
    {"tcp_retransmission", "tcp-retransmission", MA_CT_COUNT, 0, 0, 0, "caused by a TCP retransmission", ca_tcp},
    {"connection", "connection", MA_CT_COUNT, 0, 0, 0, "caused by their connection breaking", ca_conn},
    {"retry", "retry", MA_CT_COUNT, 0, 0, 0, "retried by the client", ca_retry},
    {"server", "server", MA_CT_COUNT, 0, 0, 0, "none of these: the server was slow", ca_server},
};

const ma_tab_desc_t ma_desc_causes = {"pair_causes", "Causes of delayed, late and missed transactions per pair",
                                      cause_cols, G_N_ELEMENTS(cause_cols)};

static int cause_worse(const void *a, const void *b, const void *ctx)
{
    uint64_t x = slow_of(a), y = slow_of(b);
    if (x != y)
        return x > y ? -1 : 1;
    return by_pair_id(a, b, ctx);
}

void ma_sec_causes(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_causes, rc, rc->t0);
    ma_net_t *net = ma_analysis_net(rc->an);
    for (uint32_t i = 0; net && i < ma_net_pair_count(net); i++) {
        const ma_net_pair_t *p = ma_net_pair_stats(net, i);
        if (p && p->pair && slow_of(p))
            ma_tab_add(t, p);
    }
    ma_tab_sort(t, cause_worse);
}

/* ---- one row per connection ---- */

static const char *attempt_name(uint8_t a)
{
    switch ((ma_attempt_t)a) {
    case MA_ATT_NONE:        return "mid-session";
    case MA_ATT_PENDING:     return "pending";
    case MA_ATT_ESTABLISHED: return "established";
    case MA_ATT_REFUSED:     return "refused";
    case MA_ATT_TIMEOUT:     return "timeout";
    case MA_ATT_UNFINISHED:  return "unfinished";
    }
    return "";
}

static const char *end_name(uint8_t e)
{
    switch ((ma_conn_end_t)e) {
    case MA_END_OPEN:       return "open";
    case MA_END_FIN_CLIENT: return "fin_client";
    case MA_END_FIN_SERVER: return "fin_server";
    case MA_END_RST_CLIENT: return "rst_client";
    case MA_END_RST_SERVER: return "rst_server";
    }
    return "";
}

G(cl_stream, ma_net_conn_t, o->v.u = r->stream)
G(cl_pair, ma_net_conn_t, o->v.s = r->pair->label)
G(cl_port, ma_net_conn_t, o->v.u = r->client_port)
G(cl_first_frame, ma_net_conn_t, o->v.u = r->first_frame)
G(cl_first, ma_net_conn_t, o->v.ns = r->first_ts)
G(cl_last_frame, ma_net_conn_t, o->v.u = r->last_frame)
G(cl_last, ma_net_conn_t, o->v.ns = r->last_ts)
G(cl_attempt, ma_net_conn_t, o->v.s = attempt_name(r->attempt))
G(cl_syns, ma_net_conn_t, o->v.u = r->syn_packets)
G(cl_hs, ma_net_conn_t, if (r->handshake < 0) o->null = true; else o->v.ns = r->handshake)
G(cl_end, ma_net_conn_t, o->v.s = end_name(r->end))
G(cl_end_frame, ma_net_conn_t, o->v.u = r->end_frame)
G(cl_end_time, ma_net_conn_t, if (!r->end_frame) o->null = true; else o->v.ns = r->end_ts)
G(cl_reset, ma_net_conn_t, o->v.b = r->session_reset)
G(cl_dur, ma_net_conn_t, o->v.ns = (r->end_frame ? r->end_ts : r->last_ts) - r->first_ts)
G(cl_gap, ma_net_conn_t, if (!r->prev_stream_frame) o->null = true; else o->v.ns = r->gap)
G(cl_modbus, ma_net_conn_t, o->v.b = r->modbus)

static const ma_col_t clist_cols[] = {
    {"stream", "Stream", MA_CT_COUNT, 0, 0, 0, "tcp.stream", cl_stream},
    {"pair", "Pair", MA_CT_TEXT, 0, 0, 34, "client_ip -> server_ip:port", cl_pair},
    {"client_port", "Port", MA_CT_COUNT, 0, 0, 0, "the client's port", cl_port},
    {"first_frame", "First", MA_CT_FRAME, 0, 0, 0, "its first segment", cl_first_frame},
    {"first_time", "Start", MA_CT_TIME, 0, 0, 0, "time of its first segment", cl_first},
    {"last_frame", NULL, MA_CT_FRAME, 0, 0, 0, "its last segment", cl_last_frame},
    {"last_time", NULL, MA_CT_TIME, 0, 0, 0, "time of its last segment", cl_last},
    {"attempt", "Attempt", MA_CT_TEXT, 0, 0, 0, "established, refused, timeout, unfinished, or mid-session", cl_attempt},
    {"syn_packets", NULL, MA_CT_COUNT, 0, 0, 0, "SYNs sent", cl_syns},
    {"handshake", NULL, MA_CT_DURATION, 6, 0, 0, "first SYN -> SYN+ACK (s)", cl_hs},
    {"end", "End", MA_CT_TEXT, 0, 0, 0, "open, fin_client, fin_server, rst_client, rst_server", cl_end},
    {"end_frame", "EndFr", MA_CT_FRAME, 0, 0, 0, "its first FIN or RST", cl_end_frame},
    {"end_time", NULL, MA_CT_TIME, 0, 0, 0, "time of its first FIN or RST", cl_end_time},
    {"session_reset", NULL, MA_CT_BOOL, 0, 0, 0, "ended by an RST after it was established", cl_reset},
    {"duration", "Dur s", MA_CT_DURATION, 3, 0, 0, "end (or last segment) - first segment (s)", cl_dur},
    {"reconnect_gap", NULL, MA_CT_DURATION, 6, 0, 0, "since the pair's previous connection ended (s; < 0: parallel)",
     cl_gap},
    {"modbus", NULL, MA_CT_BOOL, 0, 0, 0, "carried Modbus PDUs", cl_modbus},
};

const ma_tab_desc_t ma_desc_connection_list = {"connections", "TCP connections", clist_cols,
                                               G_N_ELEMENTS(clist_cols)};

void ma_sec_connection_list(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_connection_list, rc, rc->t0);
    ma_net_t *net = ma_analysis_net(rc->an);
    for (uint32_t i = 0; net && i < ma_net_conn_count(net); i++)
        ma_tab_add(t, ma_net_conn_at(net, i));
}

/* ---- expected topology ---- */

typedef struct topo_row {
    const ma_expect_result_t *e;  /* NULL: an unexpected pair */
    const ma_pair_t *pair;
    uint64_t requests;
} topo_row_t;

static const char *const expect_state[3] = {"traffic", "attempts only", "silent"};

G(tp_kind, topo_row_t, o->v.s = r->e ? "expected" : "unexpected")
G(tp_server, topo_row_t, ma_addr_format(r->e ? &r->e->exp->server : &r->pair->server, buf_a, sizeof buf_a);
  o->v.s = buf_a)
G(tp_port, topo_row_t, o->v.u = r->e ? r->e->exp->port : r->pair->server_port)
G(tp_client, topo_row_t, if (r->e && !r->e->exp->client.len) o->null = true;
  else { ma_addr_format(r->e ? &r->e->exp->client : &r->pair->client, buf_b, sizeof buf_b); o->v.s = buf_b; })
G(tp_name, topo_row_t, if (!r->e) o->null = true; else o->v.s = r->e->exp->name ? r->e->exp->name : "")
G(tp_state, topo_row_t, o->v.s = r->e ? expect_state[r->e->state] : "UNEXPECTED")
G(tp_pairs, topo_row_t, o->v.u = r->e ? r->e->pairs : 1)
G(tp_requests, topo_row_t, o->v.u = r->e ? r->e->requests : r->requests)
G(tp_attempts, topo_row_t, if (!r->e) o->null = true; else o->v.u = r->e->attempts)
G(tp_est, topo_row_t, if (!r->e) o->null = true; else o->v.u = r->e->established)
G(tp_ref, topo_row_t, if (!r->e) o->null = true; else o->v.u = r->e->refused)
G(tp_tmo, topo_row_t, if (!r->e) o->null = true; else o->v.u = r->e->timeout)
G(tp_unf, topo_row_t, if (!r->e) o->null = true; else o->v.u = r->e->unfinished)

static const ma_col_t topo_cols[] = {
    {"kind", "Kind", MA_CT_TEXT, 0, 0, 0, "expected (pcap_monitor.json / UAT) or unexpected", tp_kind},
    {"server", "Server", MA_CT_TEXT, 0, 0, 0, "server IP address", tp_server},
    {"port", "Port", MA_CT_COUNT, 0, 0, 0, "server port", tp_port},
    {"client", "Client", MA_CT_TEXT, 0, 0, 0, "client IP address (null: any)", tp_client},
    {"name", "From", MA_CT_TEXT, 0, 0, 24, "where the expectation came from", tp_name},
    {"state", "State", MA_CT_TEXT, 0, 0, 0, "traffic, attempts only, silent, or UNEXPECTED", tp_state},
    {"pairs", NULL, MA_CT_COUNT, 0, 0, 0, "matching pairs seen", tp_pairs},
    {"requests", "Req", MA_CT_COUNT, 0, 0, 0, "Modbus requests", tp_requests},
    {"attempts", "Att", MA_CT_COUNT, 0, 0, 0, "connection attempts", tp_attempts},
    {"established", NULL, MA_CT_COUNT, 0, 0, 0, "established attempts", tp_est},
    {"refused", "Ref", MA_CT_COUNT, 0, 0, 0, "refused attempts", tp_ref},
    {"timeout", "Tmo", MA_CT_COUNT, 0, 0, 0, "timed-out attempts", tp_tmo},
    {"unfinished", NULL, MA_CT_COUNT, 0, 0, 0, "attempts the capture ended on", tp_unf},
};

const ma_tab_desc_t ma_desc_topology = {"topology", "Expected topology and unexpected pairs", topo_cols,
                                        G_N_ELEMENTS(topo_cols)};

void ma_sec_topology(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_topology, rc, rc->t0);
    ma_net_t *net = ma_analysis_net(rc->an);
    uint32_t n = net ? ma_net_expect_count(net) : 0;
    if (!n)
        return;
    ma_core_t *core = ma_analysis_core(rc->an);
    uint32_t np = ma_core_pair_count(core);
    uint64_t *req = g_new0(uint64_t, np + 1);
    for (unsigned i = 0; i < ma_stats_nrows(rc->stats); i++) {
        const ma_row_t *r = ma_stats_row(rc->stats, i);
        if (r->pair && r->unit == MA_UNIT_ALL && r->pair->id < np)
            req[r->pair->id] = r->requests;
    }
    const ma_expect_result_t *res = ma_net_expect_results(net, req, np);
    for (int s = MA_EXP_SILENT; s >= MA_EXP_TRAFFIC; s--) /* worst first */
        for (uint32_t i = 0; i < n; i++)
            if (res[i].state == s) {
                topo_row_t *row = ma_tab_add_new(t, sizeof *row);
                row->e = &res[i];
            }
    for (uint32_t i = 0; i < np; i++) {
        const ma_pair_t *p = ma_core_pair_at(core, i);
        if (req[i] && !ma_net_pair_expected(net, p)) {
            topo_row_t *row = ma_tab_add_new(t, sizeof *row);
            row->pair = p;
            row->requests = req[i];
        }
    }
    g_free(req);
}

/* ---- Spanning Tree ---- */

G(sr_vlan, ma_stp_root_t, o->v.u = r->vlan)
G(sr_pvst, ma_stp_root_t, o->v.b = r->pvst)
G(sr_root, ma_stp_root_t, ma_stp_id_format(r->root_id, buf_a, sizeof buf_a); o->v.s = buf_a)
G(sr_cost, ma_stp_root_t, o->v.u = r->root_cost)
G(sr_bpdus, ma_stp_root_t, o->v.u = r->bpdus)
G(sr_last, ma_stp_root_t, o->v.u = r->last_frame)

static const ma_col_t root_cols[] = {
    {"vlan", "VLAN", MA_CT_COUNT, 0, 0, 0, "VLAN (PVST+ originating VLAN, 802.1Q id, 0: untagged)", sr_vlan},
    {"pvst", NULL, MA_CT_BOOL, 0, 0, 0, "Cisco PVST+ BPDUs", sr_pvst},
    {"root", "Root bridge", MA_CT_TEXT, 0, 0, 0, "priority (with system id extension)/MAC of the root", sr_root},
    {"root_cost", "Cost", MA_CT_COUNT, 0, 0, 0, "root path cost announced by the latest BPDU", sr_cost},
    {"bpdus", "BPDUs", MA_CT_COUNT, 0, 0, 0, "BPDUs that announced a root on the VLAN", sr_bpdus},
    {"last_frame", "Last", MA_CT_FRAME, 0, 0, 0, "the latest of them", sr_last},
};

const ma_tab_desc_t ma_desc_stp_roots = {"stp_roots", "Root bridge per VLAN", root_cols, G_N_ELEMENTS(root_cols)};

void ma_sec_stp_roots(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_stp_roots, rc, rc->t0);
    const ma_stp_t *s = ma_analysis_stp(rc->an);
    for (uint32_t i = 0; s && i < ma_stp_root_count(s); i++)
        ma_tab_add(t, ma_stp_root_at(s, i));
}

G(se_frame, ma_stp_event_t, o->v.u = r->frame)
G(se_time, ma_stp_event_t, o->v.ns = r->ts)
G(se_event, ma_stp_event_t, ma_stp_events_format(r->events, buf_a, sizeof buf_a); o->v.s = buf_a)
G(se_bridge, ma_stp_event_t, if (r->events & MA_STP_EV_TCN) {
      g_snprintf(buf_b, sizeof buf_b, "%02x:%02x:%02x:%02x:%02x:%02x", r->src_mac[0], r->src_mac[1], r->src_mac[2],
                 r->src_mac[3], r->src_mac[4], r->src_mac[5]);
  } else {
      ma_stp_id_format(r->bridge_id, buf_b, sizeof buf_b);
  }
  o->v.s = buf_b)
G(se_root, ma_stp_event_t, if (r->events & MA_STP_EV_TCN) o->null = true;
  else { ma_stp_id_format(r->root_id, buf_c, sizeof buf_c); o->v.s = buf_c; })
G(se_port, ma_stp_event_t, g_snprintf(buf_a, sizeof buf_a, "0x%04x", r->port_id); o->v.s = buf_a)
G(se_vlan, ma_stp_event_t, o->v.u = r->vlan)
G(se_end_frame, ma_stp_event_t, o->v.u = r->last_frame)
G(se_end, ma_stp_event_t, o->v.ns = r->last_ts)
G(se_dur, ma_stp_event_t, o->v.ns = r->last_ts - r->ts)
G(se_bpdus, ma_stp_event_t, o->v.u = (uint64_t)r->repeats + 1)
G(se_what, ma_stp_event_t, {
    if (r->events & MA_STP_EV_ROOT) {
        char was[40];
        char now[40];
        ma_stp_id_format(r->prev_root, was, sizeof was);
        ma_stp_id_format(r->root_id, now, sizeof now);
        g_snprintf(buf_c, sizeof buf_c, "root %s -> %s", was, now);
    } else if (r->events & MA_STP_EV_ROLE) {
        g_snprintf(buf_c, sizeof buf_c, "port role %s -> %s", ma_stp_role_name(r->prev_role), ma_stp_role_name(r->role));
    } else if (r->events & MA_STP_EV_TC) {
        g_strlcpy(buf_c, "topology change flag set", sizeof buf_c);
    } else {
        g_strlcpy(buf_c, "topology change notification", sizeof buf_c);
    }
    o->v.s = buf_c;
})

static const ma_col_t stpev_cols[] = {
    {"frame", "Frame", MA_CT_FRAME, 0, 0, 0, "the BPDU that raised the event", se_frame},
    {"time", "Start", MA_CT_TIME, 0, 0, 0, "its time (an episode's start)", se_time},
    {"event", "Event", MA_CT_TEXT, 0, 0, 0, "TC, TCN, root, role (several: comma-separated)", se_event},
    {"bridge", "Bridge", MA_CT_TEXT, 0, 0, 0, "the sender's bridge id (TCN: its MAC)", se_bridge},
    {"root", NULL, MA_CT_TEXT, 0, 0, 0, "the root it announced", se_root},
    {"port", NULL, MA_CT_TEXT, 0, 0, 0, "the sender's port id", se_port},
    {"vlan", "VLAN", MA_CT_COUNT, 0, 0, 0, "VLAN", se_vlan},
    {"end_frame", NULL, MA_CT_FRAME, 0, 0, 0, "the last BPDU of the sender repeating the state (episode end)",
     se_end_frame},
    {"end_time", "End", MA_CT_TIME, 0, MA_COL_TEXT_REL, 0, "its time", se_end},
    {"duration", NULL, MA_CT_DURATION, 3, 0, 0, "end - start (s)", se_dur},
    {"bpdus", "BPDUs", MA_CT_COUNT, 0, 0, 0, "BPDUs of the episode (the event and its repeats)", se_bpdus},
    {"what", "What changed", MA_CT_TEXT, 0, 0, 34, "the change", se_what},
};

const ma_tab_desc_t ma_desc_stp_events = {"stp_events", "Spanning Tree events", stpev_cols,
                                          G_N_ELEMENTS(stpev_cols)};

void ma_sec_stp_events(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_stp_events, rc, rc->t0);
    const ma_stp_t *s = ma_analysis_stp(rc->an);
    for (uint32_t i = 0; s && i < ma_stp_event_count(s); i++)
        ma_tab_add(t, ma_stp_event_at(s, i));
}

/* ---- connections, TCP analysis and causes in one row per pair ---- */

static ma_col_t network_cols[G_N_ELEMENTS(conn_cols) + G_N_ELEMENTS(tcp_cols) + G_N_ELEMENTS(cause_cols)];
static ma_tab_desc_t network_desc = {"pair_network", "Network numbers per pair", network_cols, 0};

/* The three per-pair tables' columns side by side (their rows are the same
 * ma_net_pair_t), the pair once. */
const ma_tab_desc_t *ma_desc_network(void)
{
    if (!network_desc.ncols) {
        unsigned n = 0;
        for (unsigned i = 0; i < G_N_ELEMENTS(conn_cols); i++)
            network_cols[n++] = conn_cols[i];
        for (unsigned i = 1; i < G_N_ELEMENTS(tcp_cols); i++)
            network_cols[n++] = tcp_cols[i];
        for (unsigned i = 1; i < G_N_ELEMENTS(cause_cols); i++)
            network_cols[n++] = cause_cols[i];
        network_desc.ncols = n;
    }
    return &network_desc;
}

void ma_sec_network(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, ma_desc_network(), rc, rc->t0);
    ma_net_t *net = ma_analysis_net(rc->an);
    for (uint32_t i = 0; net && i < ma_net_pair_count(net); i++) {
        const ma_net_pair_t *p = ma_net_pair_stats(net, i);
        if (p && p->pair && (pair_seen(p) || slow_of(p)))
            ma_tab_add(t, p);
    }
}
