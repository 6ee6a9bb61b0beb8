/* fields_txn.c - modbus_an's transaction items: type, pair, ids, outcome,
 * request/response links, response time, flags, and their expert info
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Rules: core/pairing/ma_core.h (users: README, "What a request's outcome
 * means"). A request's outcome is known once the first pass ended, so the
 * first pass shows it only when it was already decided (answered, late,
 * or missed by a reset); later passes always.
 */
#include "fields_txn.h"

#include <epan/expert.h>

static int proto_an = -1;
static int hf_modbus_an_type = -1;
static int hf_modbus_an_pair = -1;
static int hf_modbus_an_stream = -1;
static int hf_modbus_an_unit_id = -1;
static int hf_modbus_an_function_code = -1;
static int hf_modbus_an_transaction_id = -1;
static int hf_modbus_an_request_frame = -1;
static int hf_modbus_an_response_frame = -1;
static int hf_modbus_an_response_time = -1;
static int hf_modbus_an_outcome = -1;
static int hf_modbus_an_delayed = -1;
static int hf_modbus_an_missed = -1;
static int hf_modbus_an_missed_reason = -1;
static int hf_modbus_an_late = -1;
static int hf_modbus_an_unanswered_at_end = -1;
static int hf_modbus_an_orphan = -1;
static int hf_modbus_an_duplicate = -1;
static int hf_modbus_an_exception = -1;
static int hf_modbus_an_exception_code = -1;
static int hf_modbus_an_ambiguous = -1;
static int hf_modbus_an_malformed = -1;
static int hf_modbus_an_retransmitted = -1;
static int hf_tid_reuse = -1, hf_tid_reuse_of = -1;
static int hf_tid_mismatch = -1, hf_tid_mismatch_request = -1, hf_tid_mismatch_response = -1;



static gint ett_modbus_an = -1;

static expert_field ei_modbus_an_delayed = EI_INIT;
static expert_field ei_modbus_an_late = EI_INIT;
static expert_field ei_modbus_an_missed = EI_INIT;
static expert_field ei_modbus_an_unanswered_at_end = EI_INIT;
static expert_field ei_modbus_an_orphan = EI_INIT;
static expert_field ei_modbus_an_duplicate = EI_INIT;
static expert_field ei_modbus_an_exception = EI_INIT;
static expert_field ei_modbus_an_ambiguous = EI_INIT;
static expert_field ei_modbus_an_malformed = EI_INIT;
static expert_field ei_tid_reuse = EI_INIT;
static expert_field ei_tid_mismatch = EI_INIT;

/* Modbus Application Protocol v1.1b3, 6 (public function codes). */
static const value_string function_code_vals[] = {
    { 1, "Read Coils" },
    { 2, "Read Discrete Inputs" },
    { 3, "Read Holding Registers" },
    { 4, "Read Input Registers" },
    { 5, "Write Single Coil" },
    { 6, "Write Single Register" },
    { 7, "Read Exception Status" },
    { 8, "Diagnostics" },
    { 11, "Get Comm Event Counter" },
    { 12, "Get Comm Event Log" },
    { 15, "Write Multiple Coils" },
    { 16, "Write Multiple Registers" },
    { 17, "Report Server ID" },
    { 20, "Read File Record" },
    { 21, "Write File Record" },
    { 22, "Mask Write Register" },
    { 23, "Read/Write Multiple Registers" },
    { 24, "Read FIFO Queue" },
    { 43, "Encapsulated Interface Transport" },
    { 0, NULL }
};

/* Modbus Application Protocol v1.1b3, 7 (exception codes). */
static const value_string exception_code_vals[] = {
    { 1, "Illegal Function" },
    { 2, "Illegal Data Address" },
    { 3, "Illegal Data Value" },
    { 4, "Server Device Failure" },
    { 5, "Acknowledge" },
    { 6, "Server Device Busy" },
    { 8, "Memory Parity Error" },
    { 10, "Gateway Path Unavailable" },
    { 11, "Gateway Target Device Failed to Respond" },
    { 0, NULL }
};

/* "Read Holding Registers (3)", "Read Holding Registers exception (131)" */
static void format_function_code(gchar *buf, guint32 v)
{
    snprintf(buf, ITEM_LABEL_LENGTH, "%s%s (%u)",
             val_to_str_const(v & 0x7f, function_code_vals, "Unknown"),
             (v & 0x80) ? " exception" : "", v);
}

/* A flag, shown only when set (as tcp.analysis does), with its expert info
 * when ei is given. */
static void add_bool(proto_tree *t, int hf, tvbuff_t *tvb, gboolean v, expert_field *ei,
                     packet_info *pinfo)
{
    if (!v)
        return;
    proto_item *it = proto_tree_add_boolean(t, hf, tvb, 0, 0, TRUE);
    proto_item_set_generated(it);
    if (ei)
        expert_add_info(pinfo, it, ei);
}

static void add_response_time(proto_tree *st, tvbuff_t *tvb, const ma_txn_t *t)
{
    ma_ns_t d = ma_txn_rtt(t);
    nstime_t rt;
    rt.secs = (time_t)(d / MA_NS_PER_SEC);
    rt.nsecs = (int)(d % MA_NS_PER_SEC);
    proto_item_set_generated(proto_tree_add_time(st, hf_modbus_an_response_time, tvb, 0, 0, &rt));
}

static const char *missed_reason(const ma_txn_t *t)
{
    if (t->flags & MA_TXN_CLOSED)
        return "connection reset or closed by the server";
    if (t->flags & MA_TXN_SUPERSEDED)
        return "transaction id reused after the timeout";
    if (t->flags & MA_TXN_EVICTED)
        return "pending table full (oldest request dropped)";
    return "no response within the timeout";
}

static void show_request(proto_tree *st, proto_item *top, tvbuff_t *tvb, packet_info *pinfo,
                         const ma_pdu_t *pdu, gboolean final, wmem_strbuf_t *info)
{
    const ma_txn_t *t = pdu->txn;
    if (pdu->flags & MA_PDU_RETRANS) {
        add_bool(st, hf_modbus_an_retransmitted, tvb, TRUE, NULL, pinfo);
        proto_item *it = proto_tree_add_uint(st, hf_modbus_an_request_frame, tvb, 0, 0, t->req_frame);
        proto_item_set_generated(it);
        return;
    }
    /* In the first pass the outcome is unknown unless already decided. */
    if (!final && t->outcome == MA_OUT_PENDING)
        return;
    ma_outcome_t o = (ma_outcome_t)t->outcome;
    proto_item *it = proto_tree_add_string(st, hf_modbus_an_outcome, tvb, 0, 0, ma_outcome_name(o));
    proto_item_set_generated(it);
    proto_item_append_text(top, ", %s", ma_outcome_name(o));
    if (t->resp_frame) {
        it = proto_tree_add_uint(st, hf_modbus_an_response_frame, tvb, 0, 0, t->resp_frame);
        proto_item_set_generated(it);
        add_response_time(st, tvb, t);
    }
    /* delayed and late are decided on the response, which carries their
     * expert info; the request has the flags (and the link) only */
    add_bool(st, hf_modbus_an_delayed, tvb, (t->flags & MA_TXN_DELAYED) != 0, NULL, pinfo);
    add_bool(st, hf_modbus_an_late, tvb, o == MA_OUT_LATE, NULL, pinfo);
    add_bool(st, hf_modbus_an_missed, tvb, o == MA_OUT_MISSED, &ei_modbus_an_missed, pinfo);
    if (o == MA_OUT_MISSED) {
        it = proto_tree_add_string(st, hf_modbus_an_missed_reason, tvb, 0, 0, missed_reason(t));
        proto_item_set_generated(it);
        wmem_strbuf_append(info, " [MISSED]");
    } else if (o == MA_OUT_LATE) {
        wmem_strbuf_append(info, " [LATE]");
    } else if (o == MA_OUT_UNANSWERED_AT_END) {
        wmem_strbuf_append(info, " [unanswered at end]");
    }
    add_bool(st, hf_modbus_an_unanswered_at_end, tvb, o == MA_OUT_UNANSWERED_AT_END,
             &ei_modbus_an_unanswered_at_end, pinfo);
}

/* The transaction-id faults of a PDU (ma_core.h). */
static void show_tid_faults(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const ma_pdu_t *pdu,
                            gboolean final, wmem_strbuf_t *info)
{
    const ma_txn_t *t = pdu->txn;
    proto_item *it;
    if (pdu->flags & MA_PDU_TID_REUSE) {
        it = proto_tree_add_boolean(st, hf_tid_reuse, tvb, 0, 0, TRUE);
        proto_item_set_generated(it);
        expert_add_info(pinfo, it, &ei_tid_reuse);
        proto_item_set_generated(proto_tree_add_uint(st, hf_tid_reuse_of, tvb, 0, 0, t->reuse_of));
        wmem_strbuf_append(info, " [tid reuse]");
    }
    if (pdu->flags & MA_PDU_TID_MISMATCH) {
        it = proto_tree_add_boolean(st, hf_tid_mismatch, tvb, 0, 0, TRUE);
        proto_item_set_generated(it);
        expert_add_info(pinfo, it, &ei_tid_mismatch);
        proto_item_set_generated(proto_tree_add_uint(st, hf_tid_mismatch_request, tvb, 0, 0, t->req_frame));
        wmem_strbuf_append(info, " [tid mismatch]");
    }
    if (final && pdu->kind == MA_PDU_REQUEST && t && (t->flags & MA_TXN_TID_MISMATCH) &&
        !(pdu->flags & MA_PDU_RETRANS))
        proto_item_set_generated(proto_tree_add_uint(st, hf_tid_mismatch_response, tvb, 0, 0, t->mismatch_frame));
}

static void show_response(proto_tree *st, proto_item *top, tvbuff_t *tvb, packet_info *pinfo,
                          const ma_pdu_t *pdu, wmem_strbuf_t *info)
{
    /* an orphan that only fits a request (tid mismatch) is not its answer */
    const ma_txn_t *t = (pdu->flags & MA_PDU_ORPHAN) ? NULL : pdu->txn;
    gboolean first_answer = t && !(pdu->flags & (MA_PDU_DUPLICATE | MA_PDU_RETRANS));
    proto_item *it;
    if (t) {
        it = proto_tree_add_uint(st, hf_modbus_an_request_frame, tvb, 0, 0, t->req_frame);
        proto_item_set_generated(it);
    }
    if (first_answer) {
        add_response_time(st, tvb, t);
        proto_item_append_text(top, ", response time %.6f s", (double)ma_txn_rtt(t) / 1e9);
    }
    gboolean delayed = first_answer && (t->flags & MA_TXN_DELAYED);
    gboolean late = first_answer && t->outcome == MA_OUT_LATE;
    add_bool(st, hf_modbus_an_delayed, tvb, delayed, &ei_modbus_an_delayed, pinfo);
    add_bool(st, hf_modbus_an_late, tvb, late, &ei_modbus_an_late, pinfo);
    add_bool(st, hf_modbus_an_orphan, tvb, (pdu->flags & MA_PDU_ORPHAN) != 0, &ei_modbus_an_orphan, pinfo);
    add_bool(st, hf_modbus_an_duplicate, tvb, (pdu->flags & MA_PDU_DUPLICATE) != 0, &ei_modbus_an_duplicate, pinfo);
    add_bool(st, hf_modbus_an_exception, tvb, (pdu->flags & MA_PDU_EXCEPTION) != 0, &ei_modbus_an_exception, pinfo);
    if (pdu->flags & MA_PDU_EXCEPTION) {
        it = proto_tree_add_uint(st, hf_modbus_an_exception_code, tvb, 0, 0, pdu->exc_code);
        proto_item_set_generated(it);
    }
    add_bool(st, hf_modbus_an_ambiguous, tvb, (pdu->flags & MA_PDU_AMBIGUOUS) != 0, &ei_modbus_an_ambiguous, pinfo);
    if (pdu->flags & MA_PDU_RETRANS)
        add_bool(st, hf_modbus_an_retransmitted, tvb, TRUE, NULL, pinfo);

    if (late)
        wmem_strbuf_append(info, " [LATE]");
    else if (delayed)
        wmem_strbuf_append(info, " [delayed]");
    if (pdu->flags & MA_PDU_ORPHAN)
        wmem_strbuf_append(info, " [orphan]");
    if (pdu->flags & MA_PDU_DUPLICATE)
        wmem_strbuf_append(info, " [duplicate]");
}

proto_tree *ma_fields_txn_show(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const ma_pdu_t *pdu,
                               gboolean final, wmem_strbuf_t *info)
{
    gboolean req = pdu->kind == MA_PDU_REQUEST;
    proto_item *top = proto_tree_add_protocol_format(tree, proto_an, tvb, 0, 0,
        "Modbus/TCP analysis: %s, unit %u, function %u, transaction %u",
        req ? "request" : "response", pdu->unit, pdu->fc, pdu->tid);
    proto_item_set_generated(top);
    proto_tree *st = proto_item_add_subtree(top, ett_modbus_an);
    proto_item *it;

    it = proto_tree_add_string(st, hf_modbus_an_type, tvb, 0, 0, req ? "request" : "response");
    proto_item_set_generated(it);
    it = proto_tree_add_string(st, hf_modbus_an_pair, tvb, 0, 0, pdu->pair->label);
    proto_item_set_generated(it);
    it = proto_tree_add_uint(st, hf_modbus_an_stream, tvb, 0, 0, pdu->stream);
    proto_item_set_generated(it);
    it = proto_tree_add_uint(st, hf_modbus_an_unit_id, tvb, 0, 0, pdu->unit);
    proto_item_set_generated(it);
    it = proto_tree_add_uint(st, hf_modbus_an_function_code, tvb, 0, 0, pdu->fc);
    proto_item_set_generated(it);
    it = proto_tree_add_uint(st, hf_modbus_an_transaction_id, tvb, 0, 0, pdu->tid);
    proto_item_set_generated(it);
    add_bool(st, hf_modbus_an_malformed, tvb, (pdu->flags & (MA_PDU_MALFORMED | MA_PDU_BAD_BODY)) != 0,
             &ei_modbus_an_malformed, pinfo);
    if (pdu->flags & (MA_PDU_MALFORMED | MA_PDU_BAD_BODY))
        wmem_strbuf_append(info, " [malformed]");
    if (pdu->flags & MA_PDU_MALFORMED)
        return st; /* an invalid header: never paired */
    if (req)
        show_request(st, top, tvb, pinfo, pdu, final, info);
    else
        show_response(st, top, tvb, pinfo, pdu, info);
    show_tid_faults(st, tvb, pinfo, pdu, final, info);
    return st;
}

void ma_fields_txn_register(int proto)
{
    proto_an = proto;
    static hf_register_info hf[] = {
        { &hf_modbus_an_type,
          { "PDU type", "modbus_an.type", FT_STRING, BASE_NONE, NULL, 0x0,
            "\"request\" (sent to the server port) or \"response\"", HFILL } },
        { &hf_modbus_an_pair,
          { "Client-server pair", "modbus_an.pair", FT_STRING, BASE_NONE, NULL, 0x0,
            "The connection's client and server as \"client_ip -> server_ip:port\"", HFILL } },
        { &hf_modbus_an_stream,
          { "TCP stream", "modbus_an.stream", FT_UINT32, BASE_DEC, NULL, 0x0,
            "tcp.stream of the connection the PDU was sent on", HFILL } },
        { &hf_modbus_an_unit_id,
          { "Unit id", "modbus_an.unit_id", FT_UINT8, BASE_DEC, NULL, 0x0,
            "MBAP unit identifier", HFILL } },
        { &hf_modbus_an_function_code,
          { "Function code", "modbus_an.function_code", FT_UINT8, BASE_CUSTOM, CF_FUNC(format_function_code), 0x0,
            "Function code as on the wire (an exception response has fc | 0x80)", HFILL } },
        { &hf_modbus_an_transaction_id,
          { "Transaction id", "modbus_an.transaction_id", FT_UINT16, BASE_DEC, NULL, 0x0,
            "MBAP transaction identifier", HFILL } },
        { &hf_modbus_an_request_frame,
          { "Request in frame", "modbus_an.request_frame", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0,
            "The request this response answers (or that this retransmission repeats)", HFILL } },
        { &hf_modbus_an_response_frame,
          { "Response in frame", "modbus_an.response_frame", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0,
            "The frame that answers this request", HFILL } },
        { &hf_modbus_an_response_time,
          { "Response time", "modbus_an.response_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
            "Time from the request to its response, in seconds", HFILL } },
        { &hf_modbus_an_outcome,
          { "Outcome", "modbus_an.outcome", FT_STRING, BASE_NONE, NULL, 0x0,
            "Fate of the request: answered, late, missed or unanswered_at_end "
            "(known once the first pass ended: GUI or tshark -2)", HFILL } },
        { &hf_modbus_an_delayed,
          { "Delayed", "modbus_an.delayed", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Answered with response time > delay_threshold (late answers too)", HFILL } },
        { &hf_modbus_an_missed,
          { "Missed", "modbus_an.missed", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Never answered: the capture went on past response_timeout, or the connection "
            "was reset or closed by the server", HFILL } },
        { &hf_modbus_an_missed_reason,
          { "Missed because", "modbus_an.missed_reason", FT_STRING, BASE_NONE, NULL, 0x0,
            "Why the request counts as missed", HFILL } },
        { &hf_modbus_an_late,
          { "Late", "modbus_an.late", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Answered after response_timeout (the answer arrived; it was not lost)", HFILL } },
        { &hf_modbus_an_unanswered_at_end,
          { "Unanswered at end of capture", "modbus_an.unanswered_at_end", FT_BOOLEAN, BASE_NONE,
            NULL, 0x0, "Not answered, but the capture ended before response_timeout ran out", HFILL } },
        { &hf_modbus_an_orphan,
          { "Orphan", "modbus_an.orphan", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Response with no pending request of the same connection, unit, transaction id "
            "and function code (e.g. the capture started mid-poll)", HFILL } },
        { &hf_modbus_an_duplicate,
          { "Duplicate", "modbus_an.duplicate", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "A further response to a request that was already answered", HFILL } },
        { &hf_modbus_an_exception,
          { "Exception", "modbus_an.exception", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Exception response (function code | 0x80)", HFILL } },
        { &hf_modbus_an_exception_code,
          { "Exception code", "modbus_an.exception_code", FT_UINT8, BASE_DEC,
            VALS(exception_code_vals), 0x0, "Modbus exception code of an exception response", HFILL } },
        { &hf_modbus_an_ambiguous,
          { "Ambiguous match", "modbus_an.ambiguous", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Matched first-in-first-out while several requests with the same unit, transaction "
            "id and function code were pending (e.g. pipelined requests all with tid 0)", HFILL } },
        { &hf_modbus_an_malformed,
          { "Malformed", "modbus_an.malformed", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Invalid MBAP header or PDU (protocol id != 0, length inconsistent with the bytes, "
            "no function code); counted, never paired", HFILL } },
        { &hf_modbus_an_retransmitted,
          { "TCP retransmission", "modbus_an.retransmitted", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The PDU came again in a TCP retransmission; not a new request or response", HFILL } },
        { &hf_tid_reuse,
          { "Transaction id reused", "modbus_an.tid_reuse", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "This request has the unit and transaction id of a request of the same connection that is still "
            "outstanding (no answer yet, timeout not run out)", HFILL } },
        { &hf_tid_reuse_of,
          { "Reuses the id of frame", "modbus_an.tid_reuse_of", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0, "The most recent outstanding request with this id", HFILL } },
        { &hf_tid_mismatch,
          { "Transaction id mismatch", "modbus_an.tid_mismatch", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "A response without a pending request of its id that fits a pending request of the same connection, "
            "unit and function code (for reads, its byte count fits the quantity) except for the id", HFILL } },
        { &hf_tid_mismatch_request,
          { "Fits the request in frame", "modbus_an.tid_mismatch_request", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0,
            "The oldest pending request this response fits but for its id (not linked by an earlier mismatch)",
            HFILL } },
        { &hf_tid_mismatch_response,
          { "Fitting response in frame", "modbus_an.tid_mismatch_response", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0,
            "A response with another transaction id that fits this request (tid mismatch)", HFILL } },
    };
    static gint *ett[] = { &ett_modbus_an };
    static ei_register_info ei[] = {
        { &ei_modbus_an_delayed, { "modbus_an.delayed.expert", PI_SEQUENCE, PI_WARN,
          "Delayed response (response time > delay_threshold)", EXPFILL } },
        { &ei_modbus_an_late, { "modbus_an.late.expert", PI_SEQUENCE, PI_WARN,
          "Late response (after response_timeout)", EXPFILL } },
        { &ei_modbus_an_missed, { "modbus_an.missed.expert", PI_SEQUENCE, PI_ERROR,
          "Request never answered (missed)", EXPFILL } },
        { &ei_modbus_an_unanswered_at_end, { "modbus_an.unanswered_at_end.expert", PI_SEQUENCE, PI_NOTE,
          "Request unanswered when the capture ended", EXPFILL } },
        { &ei_modbus_an_orphan, { "modbus_an.orphan.expert", PI_SEQUENCE, PI_NOTE,
          "Response without a request (orphan)", EXPFILL } },
        { &ei_modbus_an_duplicate, { "modbus_an.duplicate.expert", PI_SEQUENCE, PI_WARN,
          "Duplicate response", EXPFILL } },
        { &ei_modbus_an_exception, { "modbus_an.exception.expert", PI_RESPONSE_CODE, PI_NOTE,
          "Exception response", EXPFILL } },
        { &ei_modbus_an_ambiguous, { "modbus_an.ambiguous.expert", PI_SEQUENCE, PI_NOTE,
          "Ambiguous request/response match (FIFO among identical keys)", EXPFILL } },
        { &ei_modbus_an_malformed, { "modbus_an.malformed.expert", PI_MALFORMED, PI_ERROR,
          "Malformed Modbus/TCP PDU", EXPFILL } },
        { &ei_tid_reuse, { "modbus_an.tid_reuse.expert", PI_SEQUENCE, PI_WARN,
          "Transaction id reused while a request with it is outstanding", EXPFILL } },
        { &ei_tid_mismatch, { "modbus_an.tid_mismatch.expert", PI_SEQUENCE, PI_WARN,
          "Response fits an outstanding request except for its transaction id", EXPFILL } },
    };

    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto), ei, array_length(ei));
}
