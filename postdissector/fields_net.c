/* fields_net.c - modbus_an fields and expert info of the network analysis:
 * connections, TCP analysis, retransmitted Modbus bytes, application
 * retries, Spanning Tree events and the cause of a delay
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Rules: core/network/ma_net.h, ma_stp.h, ma_cause.h (users: README,
 * "Network health"). Every pass shows the records the first pass stored.
 * Items that are only known once the first pass ended (an attempt's
 * timeout, a request's cause, its retries and retransmissions) appear in
 * later passes (GUI, tshark -2).
 */
#include "fields_net.h"

#include <epan/expert.h>

#include "ma_cause.h"

static int proto_an = -1;
static gint ett_conn = -1;
static gint ett_stp = -1;

/* connection and TCP */
static int hf_conn_direction = -1, hf_conn_attempt = -1, hf_conn_syn_retry = -1, hf_conn_result = -1;
static int hf_conn_failed = -1, hf_conn_handshake = -1, hf_conn_reset = -1, hf_conn_reset_by = -1;
static int hf_conn_close = -1, hf_conn_close_by = -1, hf_conn_duration = -1, hf_conn_reconnect = -1;
static int hf_conn_parallel = -1, hf_conn_gap = -1, hf_conn_prev_frame = -1;
static int hf_tcpa[MA_TCPA_N];
static int hf_tcp_retrans = -1, hf_tcp_retrans_inferred = -1;
static int hf_dup = -1, hf_dup_of = -1;
/* transactions */
static int hf_retry_of = -1, hf_retried_by = -1, hf_retrans_in = -1, hf_cause = -1, hf_cause_frame = -1;
/* spanning tree */
static int hf_stp_type = -1, hf_stp_bridge = -1, hf_stp_root = -1, hf_stp_port = -1, hf_stp_cost = -1;
static int hf_stp_vlan = -1, hf_stp_tc = -1, hf_stp_tca = -1, hf_stp_proposal = -1, hf_stp_agreement = -1;
static int hf_stp_role = -1, hf_stp_event = -1, hf_stp_topology_change = -1, hf_stp_root_change = -1;
static int hf_stp_role_change = -1, hf_stp_tcn = -1, hf_stp_repeat = -1, hf_stp_prev_frame = -1;
static int hf_stp_prev_root = -1;

static expert_field ei_conn_failed = EI_INIT, ei_conn_reset = EI_INIT, ei_conn_reconnect = EI_INIT;
static expert_field ei_dup = EI_INIT;
static expert_field ei_tcp_retrans = EI_INIT, ei_retry = EI_INIT, ei_cause = EI_INIT;
static expert_field ei_stp_tc = EI_INIT, ei_stp_tcn = EI_INIT, ei_stp_root = EI_INIT, ei_stp_role = EI_INIT;

/* ---- display ---- */

static proto_item *gen(proto_item *it)
{
    proto_item_set_generated(it);
    return it;
}

static void add_reltime(proto_tree *t, int hf, tvbuff_t *tvb, ma_ns_t d)
{
    nstime_t v;
    v.secs = (time_t)(d / MA_NS_PER_SEC);
    v.nsecs = (int)(d % MA_NS_PER_SEC);
    gen(proto_tree_add_time(t, hf, tvb, 0, 0, &v));
}

static const char *attempt_name(uint8_t a)
{
    switch (a) {
    case MA_ATT_ESTABLISHED: return "established";
    case MA_ATT_REFUSED:     return "refused";
    case MA_ATT_TIMEOUT:     return "timeout";
    case MA_ATT_UNFINISHED:  return "unfinished at end of capture";
    default:                 return "pending";
    }
}

/* Connection items of a segment's record. */
static void show_conn(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const ma_seg_rec_t *r,
                      gboolean final, wmem_strbuf_t *info)
{
    const ma_net_conn_t *c = r->conn;
    proto_item *it;
    if (r->what & MA_SEG_ATTEMPT) {
        gen(proto_tree_add_boolean(st, hf_conn_attempt, tvb, 0, 0, TRUE));
        if (final || c->attempt != MA_ATT_PENDING) {
            gen(proto_tree_add_string(st, hf_conn_result, tvb, 0, 0, attempt_name(c->attempt)));
            gboolean failed = c->attempt == MA_ATT_REFUSED || c->attempt == MA_ATT_TIMEOUT;
            if (failed) {
                it = gen(proto_tree_add_boolean(st, hf_conn_failed, tvb, 0, 0, TRUE));
                expert_add_info(pinfo, it, &ei_conn_failed);
                wmem_strbuf_append_printf(info, " [connect failed: %s]", attempt_name(c->attempt));
            }
        }
    }
    if (r->what & MA_SEG_SYN_RETRY)
        gen(proto_tree_add_boolean(st, hf_conn_syn_retry, tvb, 0, 0, TRUE));
    if ((r->what & MA_SEG_SYNACK) && c->handshake >= 0)
        add_reltime(st, hf_conn_handshake, tvb, c->handshake);
    if (r->what & MA_SEG_REFUSED) {
        gen(proto_tree_add_string(st, hf_conn_result, tvb, 0, 0, "refused"));
        it = gen(proto_tree_add_boolean(st, hf_conn_failed, tvb, 0, 0, TRUE));
        expert_add_info(pinfo, it, &ei_conn_failed);
        wmem_strbuf_append(info, " [connect refused]");
    }
    const char *side = r->to_server ? "client" : "server";
    if (r->what & MA_SEG_RESET) {
        it = gen(proto_tree_add_boolean(st, hf_conn_reset, tvb, 0, 0, TRUE));
        gen(proto_tree_add_string(st, hf_conn_reset_by, tvb, 0, 0, side));
        expert_add_info(pinfo, it, &ei_conn_reset);
        wmem_strbuf_append_printf(info, " [reset by %s]", side);
    }
    if (r->what & MA_SEG_FIN) {
        gen(proto_tree_add_boolean(st, hf_conn_close, tvb, 0, 0, TRUE));
        gen(proto_tree_add_string(st, hf_conn_close_by, tvb, 0, 0, side));
    }
    if ((r->what & (MA_SEG_RESET | MA_SEG_FIN | MA_SEG_REFUSED)) && c->end_frame == pinfo->num)
        add_reltime(st, hf_conn_duration, tvb, c->end_ts - c->first_ts);
    /* Whether a connection opened while the previous one was open is a
     * reconnect or parallel is known once the first pass ended. */
    if ((r->what & (MA_SEG_RECONNECT | MA_SEG_PARALLEL)) && (final || c->gap_final)) {
        gboolean re = (r->what & MA_SEG_RECONNECT) != 0;
        it = gen(proto_tree_add_boolean(st, re ? hf_conn_reconnect : hf_conn_parallel, tvb, 0, 0, TRUE));
        if (re) {
            expert_add_info(pinfo, it, &ei_conn_reconnect);
            wmem_strbuf_append(info, " [reconnect]");
        }
        add_reltime(st, hf_conn_gap, tvb, c->gap);
        gen(proto_tree_add_uint(st, hf_conn_prev_frame, tvb, 0, 0, c->prev_stream_frame));
    }
}

/* A capture duplicate: the frame and its link to the first copy, nothing
 * else (ma_dup.h). */
static void show_duplicate(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const ma_seg_rec_t *r,
                           wmem_strbuf_t *info)
{
    proto_item *top = gen(proto_tree_add_protocol_format(tree, proto_an, tvb, 0, 0,
        "Modbus/TCP analysis: capture duplicate of frame %u", r->dup_of));
    proto_tree *st = proto_item_add_subtree(top, ett_conn);
    proto_item *it = gen(proto_tree_add_boolean(st, hf_dup, tvb, 0, 0, TRUE));
    expert_add_info(pinfo, it, &ei_dup);
    gen(proto_tree_add_uint(st, hf_dup_of, tvb, 0, 0, r->dup_of));
    wmem_strbuf_append_printf(info, " [capture duplicate of %u]", r->dup_of);
}

void ma_fields_net_show_seg(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const ma_seg_rec_t *r,
                        gboolean final, wmem_strbuf_t *info)
{
    if (r->what & MA_SEG_DUPLICATE) {
        show_duplicate(tree, tvb, pinfo, r, info);
        return;
    }
    proto_item *top = gen(proto_tree_add_protocol_format(tree, proto_an, tvb, 0, 0,
        "Modbus/TCP analysis: connection %s", r->conn && r->conn->pair ? r->conn->pair->label : "?"));
    proto_tree *st = proto_item_add_subtree(top, ett_conn);
    gen(proto_tree_add_string(st, hf_conn_direction, tvb, 0, 0, r->to_server ? "to server" : "to client"));
    if (r->conn)
        show_conn(st, tvb, pinfo, r, final, info);
    for (int k = 0; k < MA_TCPA_N; k++)
        if (r->analysis & (1u << k))
            gen(proto_tree_add_boolean(st, hf_tcpa[k], tvb, 0, 0, TRUE));
    for (unsigned i = 0; i < r->ntxn; i++) {
        proto_item *it = gen(proto_tree_add_uint(st, hf_tcp_retrans, tvb, 0, 0, r->txn[i]->req_frame));
        expert_add_info(pinfo, it, &ei_tcp_retrans);
    }
    if (r->ntxn) {
        if (r->what & MA_SEG_INFERRED)
            gen(proto_tree_add_boolean(st, hf_tcp_retrans_inferred, tvb, 0, 0, TRUE));
        wmem_strbuf_append_printf(info, " [retransmits request %u]", r->txn[0]->req_frame);
    }
}

void ma_fields_net_show_txn(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const ma_pdu_t *pdu,
                        gboolean final, wmem_strbuf_t *info)
{
    const ma_txn_t *t = pdu->txn;
    if (!t || (pdu->flags & (MA_PDU_RETRANS | MA_PDU_DUPLICATE | MA_PDU_MALFORMED)))
        return;
    gboolean req = pdu->kind == MA_PDU_REQUEST;
    proto_item *it;
    if (req && t->retry_of) {
        it = gen(proto_tree_add_uint(st, hf_retry_of, tvb, 0, 0, t->retry_of));
        expert_add_info(pinfo, it, &ei_retry);
        wmem_strbuf_append_printf(info, " [retry of %u]", t->retry_of);
    }
    /* Known once the first pass ended: on the request only, so a response
     * reads the same in every pass (like the outcome). */
    if (!final || !req)
        return;
    if (t->retried_by)
        gen(proto_tree_add_uint(st, hf_retried_by, tvb, 0, 0, t->retried_by));
    if (t->retrans_frame)
        gen(proto_tree_add_uint(st, hf_retrans_in, tvb, 0, 0, t->retrans_frame));
    if (t->cause != MA_CAUSE_NONE) {
        const char *name = ma_cause_name((ma_cause_t)t->cause);
        it = gen(proto_tree_add_string(st, hf_cause, tvb, 0, 0, name));
        if (t->cause_frame) {
            gen(proto_tree_add_uint(st, hf_cause_frame, tvb, 0, 0, t->cause_frame));
            expert_add_info(pinfo, it, &ei_cause);
        } else {
            expert_add_info(pinfo, it, &ei_cause);
        }
        wmem_strbuf_append_printf(info, " [cause: %s]", name);
    }
}

static const char *bpdu_type_name(const ma_bpdu_in_t *b)
{
    if (b->type == MA_BPDU_TCN)
        return "tcn";
    if (b->type == MA_BPDU_CONFIG)
        return "config";
    if (b->type == MA_BPDU_RST)
        return b->version >= 3 ? "mst" : "rst";
    return "unknown";
}

void ma_fields_net_show_bpdu(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const ma_bpdu_rec_t *r,
                         wmem_strbuf_t *info)
{
    const ma_bpdu_in_t *b = &r->bpdu;
    char buf[64];
    proto_item *top = gen(proto_tree_add_protocol_format(tree, proto_an, tvb, 0, 0,
        "Modbus/TCP analysis: Spanning Tree %s BPDU", bpdu_type_name(b)));
    proto_tree *st = proto_item_add_subtree(top, ett_stp);
    gen(proto_tree_add_string(st, hf_stp_type, tvb, 0, 0, bpdu_type_name(b)));
    if (b->has_ids) {
        ma_stp_id_format(b->bridge_id, buf, sizeof buf);
        gen(proto_tree_add_string(st, hf_stp_bridge, tvb, 0, 0, buf));
        ma_stp_id_format(b->root_id, buf, sizeof buf);
        gen(proto_tree_add_string(st, hf_stp_root, tvb, 0, 0, buf));
        gen(proto_tree_add_uint(st, hf_stp_port, tvb, 0, 0, b->port_id));
        gen(proto_tree_add_uint(st, hf_stp_cost, tvb, 0, 0, b->root_cost));
        gen(proto_tree_add_uint(st, hf_stp_vlan, tvb, 0, 0, b->vlan));
        /* flags only when set (stp.flags has them all) */
        if (b->flags & MA_STPF_TC)
            gen(proto_tree_add_boolean(st, hf_stp_tc, tvb, 0, 0, TRUE));
        if (b->flags & MA_STPF_TCA)
            gen(proto_tree_add_boolean(st, hf_stp_tca, tvb, 0, 0, TRUE));
        if (b->version >= 2) {
            if (b->flags & MA_STPF_PROPOSAL)
                gen(proto_tree_add_boolean(st, hf_stp_proposal, tvb, 0, 0, TRUE));
            if (b->flags & MA_STPF_AGREEMENT)
                gen(proto_tree_add_boolean(st, hf_stp_agreement, tvb, 0, 0, TRUE));
            gen(proto_tree_add_string(st, hf_stp_role, tvb, 0, 0,
                                      ma_stp_role_name((uint8_t)((b->flags & MA_STPF_ROLE_MASK) >> 2))));
        }
    }
    if (r->repeat)
        gen(proto_tree_add_boolean(st, hf_stp_repeat, tvb, 0, 0, TRUE));
    if (r->prev_frame)
        gen(proto_tree_add_uint(st, hf_stp_prev_frame, tvb, 0, 0, r->prev_frame));
    if (!r->events)
        return;
    ma_stp_events_format(r->events, buf, sizeof buf);
    proto_item *ev = gen(proto_tree_add_string(st, hf_stp_event, tvb, 0, 0, buf));
    wmem_strbuf_append_printf(info, " [STP %s]", buf);
    gboolean change = (r->events & (MA_STP_EV_TC | MA_STP_EV_TCN | MA_STP_EV_ROOT)) != 0;
    if (change)
        gen(proto_tree_add_boolean(st, hf_stp_topology_change, tvb, 0, 0, TRUE));
    proto_item *it;
    if (r->events & MA_STP_EV_TC)
        expert_add_info(pinfo, ev, &ei_stp_tc);
    if (r->events & MA_STP_EV_TCN) {
        it = gen(proto_tree_add_boolean(st, hf_stp_tcn, tvb, 0, 0, TRUE));
        expert_add_info(pinfo, it, &ei_stp_tcn);
    }
    if (r->events & MA_STP_EV_ROOT) {
        it = gen(proto_tree_add_boolean(st, hf_stp_root_change, tvb, 0, 0, TRUE));
        char was[32], now[32];
        ma_stp_id_format(r->prev_root, was, sizeof was);
        ma_stp_id_format(b->root_id, now, sizeof now);
        gen(proto_tree_add_string(st, hf_stp_prev_root, tvb, 0, 0, was));
        expert_add_info(pinfo, it, &ei_stp_root);
    }
    if (r->events & MA_STP_EV_ROLE) {
        it = gen(proto_tree_add_boolean(st, hf_stp_role_change, tvb, 0, 0, TRUE));
        expert_add_info(pinfo, it, &ei_stp_role);
    }
}

/* ---- registration ---- */

#define BOOL_HF(p, name, abbrev, blurb) \
    { p, { name, abbrev, FT_BOOLEAN, BASE_NONE, NULL, 0x0, blurb, HFILL } }
#define STR_HF(p, name, abbrev, blurb) \
    { p, { name, abbrev, FT_STRING, BASE_NONE, NULL, 0x0, blurb, HFILL } }
#define TIME_HF(p, name, abbrev, blurb) \
    { p, { name, abbrev, FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0, blurb, HFILL } }
#define FRAME_HF(p, name, abbrev, kind, blurb) \
    { p, { name, abbrev, FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(kind), 0x0, blurb, HFILL } }

void ma_fields_net_register(int proto)
{
    proto_an = proto;
    static hf_register_info hf[] = {
        BOOL_HF(&hf_dup, "Capture duplicate", "modbus_an.capture_duplicate",
                "The capture saw this frame twice: same TCP connection and direction, IPv4 identification, "
                "sequence and acknowledgement numbers, flags and bytes as an earlier frame within "
                "duplicate_window (a span port copying ingress and egress). Not a retransmission: it is kept "
                "out of retransmission counts, causes, connection statistics and features."),
        FRAME_HF(&hf_dup_of, "Duplicate of frame", "modbus_an.capture_duplicate_of", FT_FRAMENUM_NONE,
                 "The first copy of this frame"),
        STR_HF(&hf_conn_direction, "Direction", "modbus_an.conn.direction",
               "\"to server\" or \"to client\" (the client sent the SYN, else the server port decides)"),
        BOOL_HF(&hf_conn_attempt, "Connection attempt", "modbus_an.conn.attempt",
                "The first SYN of a connection attempt to a Modbus server"),
        BOOL_HF(&hf_conn_syn_retry, "SYN retransmitted", "modbus_an.conn.syn_retry",
                "A further SYN of the same connection attempt"),
        STR_HF(&hf_conn_result, "Attempt result", "modbus_an.conn.result",
               "established, refused (RST from the server), timeout (no SYN+ACK within connect_timeout) "
               "or unfinished at end of capture"),
        BOOL_HF(&hf_conn_failed, "Connection failed", "modbus_an.conn.failed",
                "The attempt was refused or timed out"),
        TIME_HF(&hf_conn_handshake, "Handshake time", "modbus_an.conn.handshake_time",
                "From the first SYN to the first SYN+ACK of the server"),
        BOOL_HF(&hf_conn_reset, "Session reset", "modbus_an.conn.reset",
                "RST ending an established connection before any FIN"),
        STR_HF(&hf_conn_reset_by, "Reset by", "modbus_an.conn.reset_by", "client or server"),
        BOOL_HF(&hf_conn_close, "Orderly close", "modbus_an.conn.close", "The connection's first FIN"),
        STR_HF(&hf_conn_close_by, "Closed by", "modbus_an.conn.close_by", "client or server (sender of the first FIN)"),
        TIME_HF(&hf_conn_duration, "Connection duration", "modbus_an.conn.duration",
                "From the connection's first segment to this FIN / RST"),
        BOOL_HF(&hf_conn_reconnect, "Reconnect", "modbus_an.conn.reconnect",
                "First segment of a new connection of a client-server pair that had one before"),
        BOOL_HF(&hf_conn_parallel, "Parallel connection", "modbus_an.conn.parallel",
                "First segment of a connection opened while an earlier one of the pair was still open"),
        TIME_HF(&hf_conn_gap, "Gap since previous connection", "modbus_an.conn.gap",
                "From the end (first FIN/RST, else last segment) of the pair's previous connection to this "
                "connection's first segment (negative: they overlap)"),
        FRAME_HF(&hf_conn_prev_frame, "Previous connection ended in frame", "modbus_an.conn.prev_frame",
                 FT_FRAMENUM_NONE, "The last frame of the pair's previous connection"),
        BOOL_HF(&hf_tcpa[MA_TA_RETRANS], "TCP retransmission", "modbus_an.tcp.retransmission",
                "Wireshark flagged this segment tcp.analysis.retransmission"),
        BOOL_HF(&hf_tcpa[MA_TA_FAST], "TCP fast retransmission", "modbus_an.tcp.fast_retransmission",
                "Wireshark flagged this segment tcp.analysis.fast_retransmission"),
        BOOL_HF(&hf_tcpa[MA_TA_SPURIOUS], "TCP spurious retransmission", "modbus_an.tcp.spurious_retransmission",
                "Wireshark flagged this segment tcp.analysis.spurious_retransmission"),
        BOOL_HF(&hf_tcpa[MA_TA_DUP_ACK], "TCP duplicate ACK", "modbus_an.tcp.duplicate_ack",
                "Wireshark flagged this segment tcp.analysis.duplicate_ack"),
        BOOL_HF(&hf_tcpa[MA_TA_ZERO_WINDOW], "TCP zero window", "modbus_an.tcp.zero_window",
                "Wireshark flagged this segment tcp.analysis.zero_window"),
        BOOL_HF(&hf_tcpa[MA_TA_LOST_SEGMENT], "TCP previous segment not captured", "modbus_an.tcp.lost_segment",
                "Wireshark flagged this segment tcp.analysis.lost_segment"),
        FRAME_HF(&hf_tcp_retrans, "Retransmits Modbus transaction", "modbus_an.tcp_retransmission",
                 FT_FRAMENUM_REQUEST, "This TCP retransmission carries bytes of the transaction whose request "
                 "is in that frame (its request or its response)"),
        BOOL_HF(&hf_tcp_retrans_inferred, "Inferred from sequence numbers", "modbus_an.tcp_retransmission.inferred",
                "The retransmitted bytes were never decoded as Modbus: tied to the oldest pending request of "
                "the connection because they are server bytes not seen before"),
        FRAME_HF(&hf_retry_of, "Retry of request in frame", "modbus_an.retry_of", FT_FRAMENUM_DUP_ACK,
                 "The client sent the same request (unit, function code, data) with a new transaction id or "
                 "connection while the earlier one had no answer"),
        FRAME_HF(&hf_retried_by, "Retried in frame", "modbus_an.retried_by", FT_FRAMENUM_NONE,
                 "The client's first retry of this request"),
        FRAME_HF(&hf_retrans_in, "Retransmitted in frame", "modbus_an.retransmitted_in", FT_FRAMENUM_NONE,
                 "The first TCP retransmission carrying this transaction's request or response"),
        STR_HF(&hf_cause, "Cause", "modbus_an.cause",
               "Why a delayed, late or missed transaction was slow: stp, tcp-retransmission, connection, retry "
               "or server (first rule that holds; README \"Why was it slow?\")"),
        FRAME_HF(&hf_cause_frame, "Cause in frame", "modbus_an.cause_frame", FT_FRAMENUM_NONE,
                 "The evidence: the BPDU, the retransmission, the connection event or the retry"),
        STR_HF(&hf_stp_type, "BPDU type", "modbus_an.stp.type", "config, rst, mst or tcn"),
        STR_HF(&hf_stp_bridge, "Bridge", "modbus_an.stp.bridge", "Sender bridge id: priority (incl. system id "
               "extension)/MAC"),
        STR_HF(&hf_stp_root, "Root", "modbus_an.stp.root", "Root bridge id the sender announces: priority/MAC"),
        { &hf_stp_port, { "Port", "modbus_an.stp.port", FT_UINT16, BASE_HEX, NULL, 0x0,
          "Sender port id (priority and number)", HFILL } },
        { &hf_stp_cost, { "Root path cost", "modbus_an.stp.root_cost", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Sender's cost to the root", HFILL } },
        { &hf_stp_vlan, { "VLAN", "modbus_an.stp.vlan", FT_UINT16, BASE_DEC, NULL, 0x0,
          "PVST+ originating VLAN, else the 802.1Q VLAN id, else 0", HFILL } },
        BOOL_HF(&hf_stp_tc, "Topology change flag", "modbus_an.stp.tc", "The TC flag (802.1D 9.3.1)"),
        BOOL_HF(&hf_stp_tca, "TC acknowledgment flag", "modbus_an.stp.tca", "The TCA flag"),
        BOOL_HF(&hf_stp_proposal, "Proposal", "modbus_an.stp.proposal", "RSTP proposal flag"),
        BOOL_HF(&hf_stp_agreement, "Agreement", "modbus_an.stp.agreement", "RSTP agreement flag"),
        STR_HF(&hf_stp_role, "Port role", "modbus_an.stp.role", "RSTP port role: unknown, alternate/backup, root, "
               "designated"),
        STR_HF(&hf_stp_event, "STP event", "modbus_an.stp.event",
               "What this BPDU changed: TC (topology change episode begins), TCN, root (root bridge changed), "
               "role (port role changed)"),
        BOOL_HF(&hf_stp_topology_change, "Topology change", "modbus_an.stp.topology_change",
                "A TC episode begins, a TCN, or a root change: starts the stp_window of the cause analysis"),
        BOOL_HF(&hf_stp_root_change, "Root changed", "modbus_an.stp.root_change",
                "The root differs from the one this bridge/port/VLAN announced before"),
        BOOL_HF(&hf_stp_role_change, "Port role changed", "modbus_an.stp.role_change",
                "The RSTP port role differs from this bridge/port/VLAN's previous RST BPDU"),
        BOOL_HF(&hf_stp_tcn, "Topology change notification", "modbus_an.stp.tcn",
                "A TCN BPDU that is not a repeat of the sender's previous TCN"),
        BOOL_HF(&hf_stp_repeat, "Repeats state", "modbus_an.stp.repeat",
                "The BPDU repeats its sender's previous state (counted, not listed as an event)"),
        FRAME_HF(&hf_stp_prev_frame, "Previous BPDU of this sender", "modbus_an.stp.prev_frame", FT_FRAMENUM_NONE,
                 "The previous BPDU of the same bridge, port and VLAN (TCN: source MAC)"),
        STR_HF(&hf_stp_prev_root, "Previous root", "modbus_an.stp.prev_root", "The root announced before a root change"),
    };
    static gint *ett[] = { &ett_conn, &ett_stp };
    static ei_register_info ei[] = {
        { &ei_conn_failed, { "modbus_an.conn.failed.expert", PI_SEQUENCE, PI_ERROR,
          "Connection attempt to a Modbus server failed", EXPFILL } },
        { &ei_conn_reset, { "modbus_an.conn.reset.expert", PI_SEQUENCE, PI_WARN,
          "Modbus connection reset", EXPFILL } },
        { &ei_conn_reconnect, { "modbus_an.conn.reconnect.expert", PI_SEQUENCE, PI_NOTE,
          "Client reconnected", EXPFILL } },
        { &ei_dup, { "modbus_an.capture_duplicate.expert", PI_SEQUENCE, PI_NOTE,
          "Capture duplicate: the capture saw this frame twice (span port); not a retransmission", EXPFILL } },
        { &ei_tcp_retrans, { "modbus_an.tcp_retransmission.expert", PI_SEQUENCE, PI_WARN,
          "TCP retransmission of a Modbus transaction", EXPFILL } },
        { &ei_retry, { "modbus_an.retry.expert", PI_SEQUENCE, PI_WARN,
          "Application retry of a Modbus request", EXPFILL } },
        { &ei_cause, { "modbus_an.cause.expert", PI_SEQUENCE, PI_NOTE,
          "Cause of a slow transaction", EXPFILL } },
        { &ei_stp_tc, { "modbus_an.stp.tc.expert", PI_SEQUENCE, PI_WARN,
          "Spanning Tree topology change (TC flag)", EXPFILL } },
        { &ei_stp_tcn, { "modbus_an.stp.tcn.expert", PI_SEQUENCE, PI_WARN,
          "Spanning Tree topology change notification (TCN BPDU)", EXPFILL } },
        { &ei_stp_root, { "modbus_an.stp.root_change.expert", PI_SEQUENCE, PI_WARN,
          "Spanning Tree root bridge changed", EXPFILL } },
        { &ei_stp_role, { "modbus_an.stp.role_change.expert", PI_SEQUENCE, PI_NOTE,
          "Spanning Tree port role changed", EXPFILL } },
    };
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto), ei, array_length(ei));
}
