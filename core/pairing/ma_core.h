/* ma_core.h - Modbus/TCP request/response pairing and classification
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The analysis core of modbus_an. It sees plain C values (times in
 * nanoseconds, ids as integers, addresses as bytes) and never an epan type,
 * so tests/unit exercises it directly.
 *
 * Model (Modbus Messaging on TCP/IP Implementation Guide v1.0b, 3.1.3 and
 * 4.2): a client may have several transactions outstanding on one
 * connection; the server answers with the request's MBAP transaction id and
 * unit id, and the request's function code (or fc | 0x80 for an exception,
 * Modbus Application Protocol v1.1b3, 7).
 *
 * Pairing is per TCP connection and key (unit id, transaction id): pending
 * requests of one key form a FIFO queue, and a response takes the oldest
 * pending request whose function code matches. Requests are created in
 * capture order, so outcomes are decided only by the first pass.
 *
 * Transaction-id faults (the id is the client's to choose, and must be
 * unique among its outstanding requests, guide 3.1.3):
 *  - tid reuse: a request whose (unit, id) equals that of a request of the
 *    same connection still pending (not answered, not missed yet); linked
 *    to the most recent such request;
 *  - tid mismatch: an orphan response whose unit and function code match a
 *    pending request of its connection, and for reads whose byte count
 *    fits that request's quantity, but whose id does not; linked to the
 *    oldest such request not linked by an earlier mismatch (the first
 *    MA_MISMATCH_SCAN pending requests of the connection are looked at).
 *    It stays an orphan unless cfg.pair_tid_mismatch pairs the two.
 * A PDU whose MBAP header is valid is paired whatever its body looks like;
 * a body shorter than its function code needs only marks it
 * (MA_PDU_BAD_BODY).
 */
#ifndef MA_CORE_H
#define MA_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ma_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Final outcome of a request; exactly one per request. */
typedef enum {
    MA_OUT_PENDING = 0,       /* not decided yet (first pass still running) */
    MA_OUT_ANSWERED,          /* answered within response_timeout */
    MA_OUT_LATE,              /* answered, but after response_timeout */
    MA_OUT_MISSED,            /* never answered: timeout passed or connection closed */
    MA_OUT_UNANSWERED_AT_END  /* never answered; the capture ended within the timeout */
} ma_outcome_t;

/* Why a request was declared missed (ma_txn.flags). */
#define MA_TXN_DELAYED      0x0001u /* response_time > delay_threshold */
#define MA_TXN_AMBIGUOUS    0x0002u /* matched while >1 candidate was pending */
#define MA_TXN_CLOSED       0x0004u /* missed: connection reset / closed by server */
#define MA_TXN_SUPERSEDED   0x0008u /* missed: key reused after the timeout ran out */
#define MA_TXN_EVICTED      0x0010u /* missed: pending table full, oldest dropped */
#define MA_TXN_EXCEPTION    0x0020u /* answered with an exception response */
#define MA_TXN_RETRANS      0x0040u /* a TCP retransmission carried its request or response
                                       (retrans_frame: the first; core/ma_net.h) */
#define MA_TXN_RETRIED      0x0080u /* the client sent the same request again (a retry) before
                                       an answer came (core/ma_net.h) */
#define MA_TXN_RETRANS_INFERRED 0x0100u /* MA_TXN_RETRANS from sequence numbers only: the
                                       retransmitted bytes were never decoded as Modbus */
#define MA_TXN_TID_REUSE    0x0200u /* it reused the transaction id of an outstanding request
                                       of its connection and unit (reuse_of) */
#define MA_TXN_TID_MISMATCH 0x0400u /* an orphan response fits it except for the id
                                       (mismatch_frame) */

/* Why a delayed, late or missed transaction was slow (core/ma_cause.h). */
typedef enum {
    MA_CAUSE_NONE = 0,        /* not delayed, late or missed (or not decided yet) */
    MA_CAUSE_STP,             /* within stp_window after a topology change */
    MA_CAUSE_TCP_RETRANS,     /* TCP retransmitted its bytes or its connection's */
    MA_CAUSE_CONNECTION,      /* the connection was reset, closed or reopened */
    MA_CAUSE_RETRY,           /* the client retried the request */
    MA_CAUSE_SERVER,          /* none of the above: the server was slow */
    MA_CAUSE_N
} ma_cause_t;

/* One Modbus transaction (created by a request). */
typedef struct ma_txn {
    uint32_t      req_frame;
    uint32_t      resp_frame;    /* 0 while unanswered */
    uint32_t      resolve_frame; /* frame that decided missed (0: end of capture) */
    uint32_t      stream;
    ma_ns_t       req_ts;
    ma_ns_t       resp_ts;
    const ma_pair_t *pair;
    uint16_t      tid;
    uint8_t       unit;
    uint8_t       fc;
    uint8_t       exc_code;      /* exception code when MA_TXN_EXCEPTION */
    uint8_t       outcome;       /* ma_outcome_t */
    uint16_t      flags;         /* MA_TXN_* */
    int32_t       ref;           /* start address read or written (fc 23: read part), -1: none */
    int32_t       count;         /* quantity read or written, -1: none */
    uint32_t      reuse_of;      /* MA_TXN_TID_REUSE: the outstanding request it reused the id of */
    uint32_t      mismatch_frame; /* MA_TXN_TID_MISMATCH: the response that fits it but for the id */
    /* set by ma_regs (core/ma_regs.h) on the request, read on its response */
    uint32_t      poll_group;    /* 1-based poll group, 0: none */
    /* set by ma_net (core/ma_net.h) in the first pass */
    uint32_t      retry_of;      /* this request repeats the request in that frame, 0: none */
    uint32_t      retried_by;    /* the first retry of this request, 0: none */
    uint32_t      retrans_frame; /* first TCP retransmission of its request/response, 0: none */
    /* set by ma_cause_decide (core/ma_cause.h) after the first pass */
    uint32_t      cause_frame;   /* the frame that is the evidence (0: none, cause server) */
    uint8_t       cause;         /* ma_cause_t */
    /* private to ma_core.c: its place in the pending lists while pending */
    struct ma_pend *pend;
} ma_txn_t;

/* What a PDU turned out to be. */
typedef enum {
    MA_PDU_REQUEST = 1,
    MA_PDU_RESPONSE = 2
} ma_pdu_kind_t;

#define MA_PDU_ORPHAN       0x001u /* response with no pending request */
#define MA_PDU_DUPLICATE    0x002u /* response to an already answered request */
#define MA_PDU_AMBIGUOUS    0x004u /* FIFO match with >1 candidate */
#define MA_PDU_EXCEPTION    0x008u /* fc & 0x80 */
#define MA_PDU_RETRANS      0x010u /* TCP retransmission of a PDU already seen */
#define MA_PDU_MALFORMED    0x020u /* invalid MBAP header (ma_pdu_in.malformed): not paired */
#define MA_PDU_BAD_BODY     0x040u /* the PDU's body is shorter than its function code needs
                                      (ma_pdu_in.bad_body); paired like any other */
#define MA_PDU_TID_REUSE    0x080u /* request: reuses the id of an outstanding request (txn->reuse_of) */
#define MA_PDU_TID_MISMATCH 0x100u /* response: an orphan that fits txn except for the id (txn is
                                      that request, not the one it answers, unless the
                                      pair_tid_mismatch option paired them) */

/* Input: one Modbus PDU as Wireshark decoded it. */
typedef struct ma_pdu_in {
    uint32_t  frame;
    ma_ns_t   ts;
    uint32_t  stream;       /* tcp.stream */
    ma_addr_t src, dst;
    uint16_t  srcport, dstport;
    bool      is_request;   /* sent to the server (see ma_core_is_request) */
    bool      malformed;    /* invalid MBAP header: recorded, never paired */
    bool      bad_body;     /* valid header, body shorter than its function code needs */
    bool      tcp_retrans;  /* the segment is a TCP retransmission */
    uint16_t  tid;
    uint8_t   unit;
    uint8_t   fc;           /* as on the wire */
    uint8_t   exc_code;
    const uint8_t *adu;     /* the ADU bytes present (MBAP + PDU), for features */
    uint32_t  adu_len;
    /* Register data as Wireshark's modbus dissector decoded it (ma_regs). */
    int32_t   ref;          /* request: start address (fc 23: read start), -1: none */
    int32_t   count;        /* request: quantity read or written, -1: none */
    int32_t   wref;         /* fc 23 request: write start, -1: none */
    const uint16_t *words;  /* register values carried (write request / read response) */
    uint32_t  nwords;
    const uint8_t *bits;    /* coil / discrete input values (0/1) carried */
    uint32_t  nbits;
} ma_pdu_in_t;

/* Output: what the core made of one PDU; stable for the capture's lifetime. */
typedef struct ma_pdu {
    uint8_t   kind;         /* ma_pdu_kind_t */
    uint16_t  flags;        /* MA_PDU_* */
    uint8_t   unit;
    uint8_t   fc;
    uint8_t   exc_code;
    uint16_t  tid;
    uint32_t  stream;
    const ma_pair_t *pair;
    ma_txn_t *txn;          /* request: its transaction; response: the one it answers
                               (also for duplicates); NULL for orphans */
} ma_pdu_t;

typedef struct ma_config {
    ma_ns_t  delay_threshold;      /* delayed: response time > this */
    ma_ns_t  response_timeout;     /* late / missed: no answer within this */
    uint32_t max_pending_per_conn; /* bound of one connection's pending table */
    uint32_t max_pending_total;    /* bound over all connections */
    bool     pair_tid_mismatch;    /* pair a response that fits a request but for its id */
} ma_config_t;

#define MA_DEFAULT_MAX_PENDING_PER_CONN 4096u
#define MA_DEFAULT_MAX_PENDING_TOTAL    262144u

typedef struct ma_core ma_core_t;

/* Defaults: 1.0 s threshold, 3.0 s timeout, the bounds above. */
void ma_config_defaults(ma_config_t *cfg);

ma_core_t *ma_core_new(const ma_config_t *cfg);
void ma_core_free(ma_core_t *core);
const ma_config_t *ma_core_config(const ma_core_t *core);

/* Note that the capture reached time ts (call for every frame, Modbus or
 * not): the end of the capture is the latest time noted. */
void ma_core_note_time(ma_core_t *core, ma_ns_t ts);

#define MA_MISMATCH_SCAN 64u

/* Analyse one PDU (first pass only, in capture order) and fill *out.
 * Never fails; PDUs with an invalid MBAP header are recorded but not
 * paired. */
void ma_core_pdu(ma_core_t *core, const ma_pdu_in_t *in, ma_pdu_t *out);

/* TCP connection events that end pending requests (RFC 793: RST aborts the
 * connection; a FIN from the server means it will send no more data). */
typedef enum {
    MA_CONN_RST = 1,
    MA_CONN_FIN_FROM_SERVER,
    MA_CONN_FIN_FROM_CLIENT
} ma_conn_event_t;

/* Apply a connection event seen in frame at ts on stream. Pending requests
 * of that connection become missed on RST or on a FIN the server sends
 * first: MA_TXN_CLOSED if their timeout had not run out yet (else they were
 * missed by the timeout and keep that reason). A server FIN after the
 * client's FIN answers it (the client stopped waiting): its pending
 * requests stay pending and become missed by their timeout. */
void ma_core_conn_event(ma_core_t *core, uint32_t stream, ma_conn_event_t ev,
                        uint32_t frame, ma_ns_t ts);

/* End of the first pass: every pending request becomes missed (the capture
 * went on past its timeout) or unanswered_at_end. Idempotent. */
void ma_core_finalize(ma_core_t *core);
bool ma_core_finalized(const ma_core_t *core);

/* The time of the last frame noted, and the number of pending requests. */
ma_ns_t ma_core_capture_end(const ma_core_t *core);
uint32_t ma_core_pending_count(const ma_core_t *core);

/* The pair of (client, server, server_port), created if new (the same
 * pairs the PDUs use, so ma_net's connection records share them). */
const ma_pair_t *ma_core_pair(ma_core_t *core, const ma_addr_t *client,
                              const ma_addr_t *server, uint16_t server_port);
/* Pairs by id (0 .. count-1). */
uint32_t ma_core_pair_count(const ma_core_t *core);
const ma_pair_t *ma_core_pair_at(const ma_core_t *core, uint32_t id);

/* Every transaction in creation (request frame) order: 0 .. count-1. */
uint32_t ma_core_txn_count(const ma_core_t *core);
ma_txn_t *ma_core_txn_at(ma_core_t *core, uint32_t i);

/* Look up the pair of a connection already seen (NULL if unknown). */
const ma_pair_t *ma_core_stream_pair(const ma_core_t *core, uint32_t stream);

/* Decide the direction of a PDU on a connection not seen before: true if
 * it goes to the server. The server is the endpoint whose port is a Modbus
 * server port (src_is_server_port / dst_is_server_port: 502, mbtcp's port,
 * a decode-as port, or our server_ports preference); if neither or both
 * are, the lower port is the server (clients use ephemeral ports). Once a
 * connection is known its pair decides (ma_core_stream_is_request). */
bool ma_core_is_request(uint16_t srcport, uint16_t dstport,
                        bool src_is_server_port, bool dst_is_server_port);

/* Direction on a known connection: false if src is the pair's server
 * endpoint. Returns -1 if the stream is unknown. */
int ma_core_stream_is_request(const ma_core_t *core, uint32_t stream,
                              const ma_addr_t *src, uint16_t srcport);

/* Text of an outcome: "answered", "late", "missed", "unanswered_at_end",
 * "pending". */
const char *ma_outcome_name(ma_outcome_t o);

/* Response time of an answered transaction in ns (-1 if unanswered). */
static inline ma_ns_t ma_txn_rtt(const ma_txn_t *t)
{
    return t->resp_frame ? t->resp_ts - t->req_ts : -1;
}

#ifdef __cplusplus
}
#endif

#endif /* MA_CORE_H */
