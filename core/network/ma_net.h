/* ma_net.h - TCP and connection health per client-server pair, retransmitted
 * Modbus bytes, application retries, expected topology
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Plain C + GLib, no epan types (tests/unit/test_net.c drives it directly).
 * The post-dissector feeds every TCP segment of a Modbus connection (a
 * stream that carried Modbus, or that has a Modbus server port on either
 * side) in capture order, first pass only, AFTER the frame's Modbus PDUs went
 * through ma_core_pdu. Rules (docs/network.md says them to users):
 *
 * Connections (one per tcp.stream; RFC 793 3.4 / 3.5):
 * - The client is the sender of a SYN without ACK; the receiver of a
 *   SYN+ACK; otherwise the side ma_core already knows for the stream
 *   (ma_core_stream_pair), otherwise ma_core_is_request's port rule.
 * - An attempt is a stream whose first segment seen is a SYN without ACK.
 *   syn_packets counts every SYN without ACK (retransmitted SYNs too).
 *   Handshake time = first SYN+ACK from the server - first SYN.
 * - Attempt outcome (decided in ma_net_finalize, or as soon as known):
 *   ESTABLISHED: a SYN+ACK came within connect_timeout of the first SYN;
 *   REFUSED: an RST came from the server before any SYN+ACK;
 *   TIMEOUT: no SYN+ACK within connect_timeout (a later SYN+ACK is still
 *   recorded as the handshake time, the attempt still counts as failed);
 *   UNFINISHED: the capture ended less than connect_timeout after the SYN.
 *   Failed = REFUSED + TIMEOUT. A stream whose first segment is not a SYN
 *   is a connection seen mid-session (not an attempt).
 * - A connection ends at its first RST or first FIN (whichever comes first):
 *   end kind RST_CLIENT / RST_SERVER / FIN_CLIENT / FIN_SERVER, or OPEN if
 *   neither came. A reset "during a session" is an RST of a connection that
 *   was established (SYN+ACK seen, or seen mid-session) and had no FIN before.
 *   Duration = end frame time (last segment time if OPEN) - first segment time.
 * - Reconnect: every connection of a pair after the pair's first one (by
 *   first segment). gap = its first segment time - the previous connection's
 *   end time (its last segment time if it never ended); negative when the two
 *   overlap (a parallel connection: counted as parallel, not as a reconnect).
 *
 * TCP analysis (Wireshark's tcp.analysis.* items, counted as given): per pair
 * and direction (to server / to client), one count per segment that carries
 * the item: retransmission, fast_retransmission, spurious_retransmission,
 * duplicate_ack, zero_window, lost_segment.
 *
 * Retransmitted Modbus bytes: a segment flagged retransmission / fast /
 * spurious is attached to transactions:
 * (a) PDUs Wireshark decoded in it (their ma_pdu_t.txn): exact;
 * (b) otherwise the earlier segments of the same direction that carried
 *     decoded PDUs and whose byte range [seq, seq+len) overlaps its own:
 *     their transactions (exact; the last MA_NET_SEG_RING such segments of a
 *     connection direction are remembered);
 * (c) otherwise, a server-to-client segment whose bytes were never seen
 *     (seq >= the highest seq+len seen in that direction before) while
 *     requests are pending on the connection: the oldest pending request
 *     (inferred; its txn gets MA_TXN_RETRANS_INFERRED). Case (c) is how the
 *     answer carried only by a retransmission Wireshark does not decode is
 *     still tied to its request.
 * Each attached transaction gets MA_TXN_RETRANS and retrans_frame (first).
 *
 * Application retries (per pair, across its connections): a request (not a
 * TCP retransmission) with the same unit, function code and PDU bytes after
 * the function code as an earlier request of the pair, with a different
 * transaction id or on another connection, sent while that earlier request
 * had no answer yet and within retry_window of it. The new txn gets
 * retry_of = the earlier request's frame; the earlier gets MA_TXN_RETRIED
 * and retried_by (its first retry). Chains: a third copy is a retry of the
 * second. At most MA_NET_MAX_RETRY_KEYS distinct request contents tracked.
 *
 * Expected topology (pcap_monitor.json ip_addrs / ips.client, or the UAT):
 * entries (server address, port, optional client address, name). See
 * ma_net_expect_*.
 */
#ifndef MA_NET_H
#define MA_NET_H

#include "ma_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* tcp.analysis items of one segment (Wireshark's flags). */
#define MA_TCPA_RETRANS       0x01u
#define MA_TCPA_FAST_RETRANS  0x02u
#define MA_TCPA_SPURIOUS      0x04u
#define MA_TCPA_DUP_ACK       0x08u
#define MA_TCPA_ZERO_WINDOW   0x10u
#define MA_TCPA_LOST_SEGMENT  0x20u
#define MA_TCPA_ANY_RETRANS   (MA_TCPA_RETRANS | MA_TCPA_FAST_RETRANS | MA_TCPA_SPURIOUS)
#define MA_TCPA_N 6

/* Index of each analysis kind in the per-direction counters. */
typedef enum {
    MA_TA_RETRANS = 0, MA_TA_FAST, MA_TA_SPURIOUS, MA_TA_DUP_ACK, MA_TA_ZERO_WINDOW, MA_TA_LOST_SEGMENT
} ma_ta_kind_t;

/* TCP header flags (RFC 793 3.1), as tcp.flags gives them. */
#define MA_TCP_FIN 0x01u
#define MA_TCP_SYN 0x02u
#define MA_TCP_RST 0x04u
#define MA_TCP_ACK 0x10u

#define MA_NET_SEG_RING        64u      /* PDU-carrying segments remembered per direction */
#define MA_NET_SEG_TXNS        8u       /* transactions remembered per such segment */
#define MA_NET_MAX_RETRY_KEYS  262144u  /* distinct request contents tracked for retries */
#define MA_NET_MAX_CONNS       1048576u /* connections tracked; more are counted only */
#define MA_NET_MAX_EVENTS      1048576u /* connection / retransmission events kept for causes */

typedef struct ma_net_config {
    ma_ns_t connect_timeout;  /* attempt failed without SYN+ACK within this (default 3 s) */
    ma_ns_t retry_window;     /* a retry comes within this of the original (default 10 s) */
} ma_net_config_t;

void ma_net_config_defaults(ma_net_config_t *cfg);

typedef enum {
    MA_ATT_NONE = 0,      /* not an attempt: seen mid-session */
    MA_ATT_PENDING,       /* first pass, not decided yet */
    MA_ATT_ESTABLISHED,
    MA_ATT_REFUSED,
    MA_ATT_TIMEOUT,
    MA_ATT_UNFINISHED
} ma_attempt_t;

typedef enum {
    MA_END_OPEN = 0, MA_END_FIN_CLIENT, MA_END_FIN_SERVER, MA_END_RST_CLIENT, MA_END_RST_SERVER
} ma_conn_end_t;

/* One TCP connection (stream). Stable for the capture's lifetime. */
typedef struct ma_net_conn {
    uint32_t         stream;
    const ma_pair_t *pair;
    uint16_t         client_port;
    uint32_t         first_frame, last_frame;
    ma_ns_t          first_ts, last_ts;
    uint8_t          attempt;        /* ma_attempt_t */
    uint8_t          end;            /* ma_conn_end_t */
    bool             established;    /* SYN+ACK seen, or seen mid-session */
    bool             session_reset;  /* ended by RST after being established, before any FIN */
    bool             modbus;         /* carried at least one Modbus PDU */
    uint32_t         syn_packets;    /* SYNs without ACK from the client */
    uint32_t         synack_frame;   /* first SYN+ACK, 0: none */
    ma_ns_t          handshake;      /* first SYN+ACK - first SYN, -1: none */
    uint32_t         end_frame;      /* first FIN/RST frame, 0: open */
    ma_ns_t          end_ts;
    uint32_t         prev_stream_frame; /* reconnect: last frame of the pair's previous connection, 0: first */
    ma_ns_t          gap;            /* reconnect gap (see above); valid when prev_stream_frame */
    bool             gap_final;      /* gap and RECONNECT/PARALLEL are final: the previous
                                        connection had ended when this one began, or finalized */
    uint32_t         ta[2][MA_TCPA_N]; /* [0]: to server, [1]: to client */
    uint32_t         dups[2];        /* capture duplicates [0]: to server, [1]: to client */
} ma_net_conn_t;

/* Per-pair aggregate (index = pair id). */
typedef struct ma_net_pair {
    const ma_pair_t *pair;
    uint32_t conns;            /* connections (streams) */
    uint32_t attempts;         /* streams that began with a SYN */
    uint32_t syn_packets;
    uint32_t established, refused, timeout, unfinished;   /* attempt outcomes */
    uint32_t handshakes;       /* attempts with a SYN+ACK (handshake time known) */
    ma_ns_t  hs_min, hs_max, hs_sum;
    uint32_t resets_by_client, resets_by_server;  /* session resets */
    uint32_t fin_by_client, fin_by_server;        /* orderly closes (first FIN) */
    uint32_t reconnects, parallel;
    ma_ns_t  gap_min, gap_max, gap_sum;           /* of reconnects */
    uint32_t open_at_end;
    ma_ns_t  dur_min, dur_max, dur_sum;           /* connection durations */
    uint64_t ta[2][MA_TCPA_N];                    /* tcp.analysis counts per direction */
    uint64_t retrans_attached;                    /* retransmitted segments tied to a txn */
    uint64_t dups[2];                             /* capture duplicates per direction */
    uint64_t segs[2];                             /* TCP segments per direction (duplicates excluded) */
    uint64_t retries;                             /* requests that are retries */
    uint64_t causes[MA_CAUSE_N];                  /* filled by ma_cause_decide */
} ma_net_pair_t;

/* One TCP segment of a Modbus connection. */
typedef struct ma_tcp_in {
    uint32_t  frame;
    ma_ns_t   ts;
    uint32_t  stream;
    ma_addr_t src, dst;
    uint16_t  srcport, dstport;
    bool      src_is_server_port, dst_is_server_port; /* as for ma_core_is_request */
    uint16_t  flags;      /* MA_TCP_* */
    uint8_t   analysis;   /* MA_TCPA_* */
    bool      has_seq;    /* seq/len valid */
    uint32_t  seq, len;   /* sequence number (raw, or relative: consistent within a stream), payload bytes */
    uint32_t  ack;        /* acknowledgement number (raw) */
    bool      has_ip_id;  /* IPv4: the datagram's identification is known */
    uint16_t  ip_id;
    uint64_t  digest;     /* a hash of the TCP header and payload bytes (0: unknown) */
    uint32_t  duplicate_of; /* a capture duplicate of that frame (core/network/ma_dup.h), 0: no */
} ma_tcp_in_t;

/* What one segment meant; stable for the capture's lifetime. */
#define MA_SEG_ATTEMPT     0x0001u /* the first SYN of an attempt */
#define MA_SEG_SYN_RETRY   0x0002u /* a further SYN of the same attempt */
#define MA_SEG_SYNACK      0x0004u /* the first SYN+ACK (handshake time on it) */
#define MA_SEG_REFUSED     0x0008u /* RST from the server answering an attempt */
#define MA_SEG_RESET       0x0010u /* RST ending an established session */
#define MA_SEG_FIN         0x0020u /* first FIN of the connection (orderly close) */
#define MA_SEG_RECONNECT   0x0040u /* first segment of a reconnect */
#define MA_SEG_PARALLEL    0x0080u /* first segment of a connection opened while another was open */
#define MA_SEG_INFERRED    0x0100u /* retransmission attached by rule (c) */
#define MA_SEG_DUPLICATE   0x0200u /* a capture duplicate (dup_of): not counted anywhere else */

typedef struct ma_seg_rec {
    uint16_t  what;        /* MA_SEG_* */
    uint8_t   analysis;    /* MA_TCPA_* of the segment */
    bool      to_server;
    const ma_net_conn_t *conn;
    uint8_t   ntxn;        /* retransmission: transactions its bytes belong to */
    uint32_t  dup_of;      /* MA_SEG_DUPLICATE: the frame it copies */
    ma_txn_t *txn[MA_NET_SEG_TXNS]; /* a stored record has only txn[0 .. ntxn) */
} ma_seg_rec_t;

typedef struct ma_net ma_net_t;

ma_net_t *ma_net_new(const ma_net_config_t *cfg, ma_core_t *core);
void ma_net_free(ma_net_t *n);
const ma_net_config_t *ma_net_config(const ma_net_t *n);

/* One TCP segment (first pass, capture order, after the frame's PDUs went
 * through ma_core_pdu; pdus/out: those npdus PDUs and results, may be 0).
 * Returns the segment's record (owned by n), or NULL when the segment means
 * nothing worth storing (no flag, no analysis item, no attachment). */
const ma_seg_rec_t *ma_net_segment(ma_net_t *n, const ma_tcp_in_t *in, const ma_pdu_in_t *pdus,
                                   const ma_pdu_t *out, unsigned npdus);

/* A new request (after ma_core_pdu gave out->kind == MA_PDU_REQUEST and not
 * MA_PDU_RETRANS/MALFORMED): detect an application retry. in->adu/adu_len
 * are the ADU bytes (7-byte MBAP + PDU). */
void ma_net_request(ma_net_t *n, const ma_pdu_in_t *in, const ma_pdu_t *out);

/* End of the first pass (idempotent): attempt outcomes against capture_end. */
void ma_net_finalize(ma_net_t *n, ma_ns_t capture_end);

/* Per-pair aggregates; index = ma_pair_t.id; entries of pairs with no
 * segment and no PDU are zero (pair NULL). */
uint32_t ma_net_pair_count(const ma_net_t *n);
ma_net_pair_t *ma_net_pair_stats(ma_net_t *n, uint32_t pair_id);

/* Connections in order of first segment. */
uint32_t ma_net_conn_count(const ma_net_t *n);
const ma_net_conn_t *ma_net_conn_at(const ma_net_t *n, uint32_t i);
uint64_t ma_net_conns_dropped(const ma_net_t *n);   /* beyond MA_NET_MAX_CONNS */

/* Events of a pair for cause decisions, time-ordered. */
typedef enum {
    MA_EV_RETRANS = 1,   /* any retransmission flag, either direction (stream given) */
    MA_EV_RESET,         /* session reset */
    MA_EV_CLOSE_SERVER,  /* the server closed first: its FIN, the connection's first FIN */
    MA_EV_FAILED,        /* a failed attempt (refused: RST frame; timeout: its first SYN) */
    MA_EV_NEW_CONN       /* a reconnect or parallel connection began */
} ma_net_ev_kind_t;

#define MA_EVI_TO_SERVER 0x01u /* the event's segment went to the server */
#define MA_EVI_CARRIES   0x02u /* MA_EV_RETRANS: it carried bytes of a transaction (seg rec ntxn > 0) */

typedef struct ma_net_ev {
    ma_ns_t  ts;
    uint32_t frame;
    uint32_t stream;
    uint8_t  kind;       /* ma_net_ev_kind_t */
    uint8_t  info;       /* MA_EVI_* */
} ma_net_ev_t;

/* The first event of the pair of kind in `kinds` (bitmask of 1u << kind)
 * with t0 <= ts <= t1, restricted to `stream` unless stream == UINT32_MAX.
 * NULL if none. */
const ma_net_ev_t *ma_net_find_event(const ma_net_t *n, uint32_t pair_id, unsigned kinds,
                                     uint32_t stream, ma_ns_t t0, ma_ns_t t1);
/* The same, among events whose info & info_mask == info_want. */
const ma_net_ev_t *ma_net_find_event_info(const ma_net_t *n, uint32_t pair_id, unsigned kinds, uint32_t stream,
                                          ma_ns_t t0, ma_ns_t t1, uint8_t info_mask, uint8_t info_want);

/* The connection of a stream, or NULL. */
const ma_net_conn_t *ma_net_stream_conn(const ma_net_t *n, uint32_t stream);

/* ---- expected topology ---- */

typedef struct ma_expect {
    ma_addr_t server;
    uint16_t  port;
    ma_addr_t client;       /* len 0: any client */
    char     *name;         /* where it came from, e.g. "pcap_monitor ip_addrs" or the UAT name */
} ma_expect_t;

typedef enum {
    MA_EXP_TRAFFIC = 0,  /* Modbus PDUs seen */
    MA_EXP_ATTEMPTS,     /* connection attempts / segments, but no Modbus PDU */
    MA_EXP_SILENT        /* nothing at all */
} ma_expect_state_t;

typedef struct ma_expect_result {
    const ma_expect_t *exp;
    uint8_t  state;                 /* ma_expect_state_t */
    uint32_t pairs;                 /* matching pairs with any segment or PDU */
    uint64_t requests;              /* Modbus requests on matching pairs */
    uint32_t attempts, established, refused, timeout, unfinished;
} ma_expect_result_t;

/* Add an expected (server, port[, client]); duplicates are merged. */
void ma_net_expect_add(ma_net_t *n, const ma_addr_t *server, uint16_t port, const ma_addr_t *client,
                       const char *name);
uint32_t ma_net_expect_count(const ma_net_t *n);

/* After finalize: the state of each expectation (array of
 * ma_net_expect_count entries, owned by n, valid until the next call), and
 * whether a pair is expected by any entry. requests[pair id] gives the
 * Modbus request count of each pair (from the stats); may be NULL (then a
 * pair "has traffic" if any of its connections carried Modbus). */
const ma_expect_result_t *ma_net_expect_results(ma_net_t *n, const uint64_t *requests, uint32_t nreq);
bool ma_net_pair_expected(const ma_net_t *n, const ma_pair_t *pair);

#ifdef __cplusplus
}
#endif

#endif /* MA_NET_H */
