/* ma_cause.h - why a delayed, late or missed Modbus transaction was slow
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Decided once, after the first pass (all evidence is known then), for every
 * transaction that is delayed (response time > delay_threshold), late or
 * missed; unanswered_at_end and plain answered ones keep MA_CAUSE_NONE.
 * The window of a transaction is [t0, t1]: t0 = its request time, t1 = its
 * response time if answered, else t0 + response_timeout. The first rule
 * that holds wins (root causes before their symptoms: a reconverging
 * network drops frames, TCP retransmits them, connections break, clients
 * retry):
 *  1. stp: a topology change (a TC episode start, a TCN BPDU or a root
 *     change; core/ma_stp.h) at time e with t0 - stp_window <= e <= t1.
 *  2. tcp-retransmission: a real TCP retransmission (never a capture
 *     duplicate) carried its own request or response bytes
 *     (MA_TXN_RETRANS: ma_net.h rules (a)-(c)), or a server-to-client
 *     retransmission on its own connection in [t0, t1] carried no
 *     transaction's bytes (the direction that was waiting). A
 *     retransmission of another transaction's bytes is never the cause.
 *  3. connection: its own connection broke while it waited: an RST either
 *     way or a FIN the server sent first, in [t0, t1] (MA_TXN_CLOSED, or
 *     such an event on its stream); or it is the first request of a
 *     connection whose handshake failed (SYN+ACK later than
 *     connect_timeout; evidence the SYN+ACK). What the client does after it
 *     stopped waiting (its FIN, the server's FIN answering it, a new
 *     connection) is a consequence, never the cause.
 *  4. retry: the client sent the same request again before an answer
 *     (MA_TXN_RETRIED).
 *  5. server: none of these; the server (or what is behind it) was slow.
 * cause_frame is the evidence: the BPDU, the retransmitted segment, the
 * connection event (or the frame that closed the connection), the retry;
 * 0 for server.
 */
#ifndef MA_CAUSE_H
#define MA_CAUSE_H

#include "ma_core.h"
#include "ma_net.h"
#include "ma_stp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ma_cause_config {
    ma_ns_t stp_window;        /* default 50 s (802.1D: 2 x forward delay 15 s + max age 20 s) */
} ma_cause_config_t;

#define MA_DEFAULT_STP_WINDOW (50 * MA_NS_PER_SEC)

/* Decide the cause of every delayed, late or missed transaction of core
 * (after ma_core_finalize and ma_net_finalize) and count them per pair in
 * ma_net_pair_stats(net, id)->causes. net and stp may be NULL (their rules
 * then never hold). Idempotent: a second call changes nothing. */
void ma_cause_decide(ma_core_t *core, ma_net_t *net, const ma_stp_t *stp, const ma_cause_config_t *cfg);

/* True if the transaction gets a cause (delayed, late or missed). */
bool ma_cause_applies(const ma_txn_t *t);

/* "stp", "tcp-retransmission", "connection", "retry", "server" ("" for none). */
const char *ma_cause_name(ma_cause_t c);

#ifdef __cplusplus
}
#endif

#endif /* MA_CAUSE_H */
