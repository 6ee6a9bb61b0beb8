/* packet-modbus_an.c - modbus_an post-dissector: registration, fields, entry point
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Consumes Wireshark's own mbtcp/modbus/tcp dissection (extract.c), pairs
 * requests and responses in the analysis core (core/ma_core.c) on the first
 * pass, stores each frame's results with p_add_proto_data, and on every
 * pass shows them as modbus_an.* fields, expert info and Info-column tags,
 * and queues them to the "modbus_an" tap.
 *
 * Passes: the first pass (!PINFO_FD_VISITED) computes; later passes (GUI,
 * tshark -2) only read the stored results back. A request's outcome is
 * known only once the first pass has ended (its answer may come much later),
 * so requests show their outcome fields in later passes only, while the
 * taps count every outcome in either mode.
 */
#include "modbus_an.h"

#include "ingest.h"
#include "ma_cause.h"
#include "ma_modbus.h"

#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/tap.h>
#include <wsutil/report_message.h>

#include <math.h>
#include <stdlib.h>

static int proto_modbus_an = -1;
static int modbus_an_tap = -1;
static int modbus_an_features_tap = -1;
static int modbus_an_regs_tap = -1;
static int modbus_an_net_tap = -1;
static int expert_tap_id = -1;
static dissector_handle_t modbus_an_handle;
static dissector_table_t tcp_port_table;

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

/* Preferences as the user typed them, and their validated values. */
static const char *pref_delay_threshold = "1.0";
static const char *pref_response_timeout = "3.0";
static guint pref_max_pending = MA_DEFAULT_MAX_PENDING_PER_CONN;
static range_t *pref_server_ports;
static gboolean pref_features = TRUE;
static gboolean pref_split_direction = FALSE;
static gboolean pref_strict_unit_id = FALSE;
static ma_config_t cfg;

static ma_core_t *core;
static ma_net_t *net;
static ma_stp_t *stp;
static ma_feat_engine_t *feat_engine;
static ma_regs_t *regs;

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

ma_core_t *modbus_an_core(void)
{
    return core;
}

gboolean modbus_an_features_enabled(void)
{
    return pref_features;
}

const ma_config_t *modbus_an_config(void)
{
    return &cfg;
}

ma_regs_t *modbus_an_regs(void)
{
    return regs;
}

ma_net_t *modbus_an_net(void)
{
    return net;
}

ma_stp_t *modbus_an_stp(void)
{
    return stp;
}

void modbus_an_finalize(void)
{
    if (!core || ma_core_finalized(core))
        return;
    ma_core_finalize(core);
    ma_ns_t end = ma_core_capture_end(core);
    if (regs)
        ma_regs_finalize(regs, end);
    if (net)
        ma_net_finalize(net, end);
    ma_cause_config_t cc = { .stp_window = ma_net_ui_stp_window() };
    ma_cause_decide(core, net, stp, &cc);
}

/* ---- preferences ---- */

/* Parse a non-negative number of seconds; false on anything else. */
gboolean modbus_an_parse_seconds(const char *s, ma_ns_t *out)
{
    if (!s || !*s)
        return FALSE;
    char *end = NULL;
    double v = g_ascii_strtod(s, &end);
    while (end && g_ascii_isspace(*end))
        end++;
    if (!end || *end || !isfinite(v) || v < 0 || v > 1e6)
        return FALSE;
    *out = (ma_ns_t)llround(v * 1e9);
    return TRUE;
}

static void apply_prefs(void)
{
    ma_ns_t thr, tmo;
    if (!modbus_an_parse_seconds(pref_delay_threshold, &thr)) {
        report_failure("modbus_an: delay_threshold \"%s\" is not a number of seconds >= 0 "
                       "(e.g. 0.25); keeping %.6g s.", pref_delay_threshold,
                       (double)cfg.delay_threshold / 1e9);
        thr = cfg.delay_threshold;
    }
    if (!modbus_an_parse_seconds(pref_response_timeout, &tmo)) {
        report_failure("modbus_an: response_timeout \"%s\" is not a number of seconds >= 0 "
                       "(e.g. 3.0); keeping %.6g s.", pref_response_timeout,
                       (double)cfg.response_timeout / 1e9);
        tmo = cfg.response_timeout;
    }
    if (tmo < thr) {
        report_failure("modbus_an: response_timeout (%.6g s) must not be below delay_threshold "
                       "(%.6g s); using %.6g s for both.", (double)tmo / 1e9, (double)thr / 1e9,
                       (double)thr / 1e9);
        tmo = thr;
    }
    cfg.delay_threshold = thr;
    cfg.response_timeout = tmo;
    cfg.max_pending_per_conn = pref_max_pending ? pref_max_pending : 1;
}

/* True if port is a Modbus server port: our server_ports preference, or a
 * port that TCP hands to mbtcp (its default 502, its port preference, or a
 * decode-as entry). */
gboolean modbus_an_is_server_port(guint32 port)
{
    if (pref_server_ports && value_is_in_range(pref_server_ports, port))
        return TRUE;
    if (tcp_port_table) {
        dissector_handle_t h = dissector_get_uint_handle(tcp_port_table, port);
        if (h && ma_ingest_is_mbtcp(h))
            return TRUE;
    }
    return FALSE;
}

static bool server_port_cb(uint32_t port)
{
    return modbus_an_is_server_port(port);
}

/* ---- capture lifetime ---- */

static void modbus_an_init(void)
{
    if (!proto_is_protocol_enabled(find_protocol_by_id(proto_modbus_an)))
        return;
    /* Only while enabled: a disabled plugin hooks nothing and costs nothing. */
    ma_ingest_start(server_port_cb);
    core = ma_core_new(&cfg);
    stp = ma_stp_new();
    if (pref_features) {
        ma_feat_config_t fc = { .split_direction = pref_split_direction,
                                .strict_unit_id = pref_strict_unit_id };
        feat_engine = ma_feat_new(&fc);
    }
    regs = ma_regs_ui_new_engine();
    net = ma_net_ui_new_engine(core); /* after regs: it reads pcap_monitor_file */
}

static void modbus_an_cleanup(void)
{
    ma_ingest_stop();
    ma_net_free(net);
    net = NULL;
    ma_stp_free(stp);
    stp = NULL;
    ma_core_free(core);
    core = NULL;
    ma_feat_free(feat_engine);
    feat_engine = NULL;
    ma_regs_free(regs);
    regs = NULL;
}

/* ---- first pass ---- */

/* Features of one PDU (docs/features.md) from its ADU bytes and what the
 * pairing made of it. */
static void compute_features(const ma_pdu_in_t *in, const ma_pdu_t *pdu, ma_feat_rec_t *out)
{
    ma_feat_in_t fi = {
        .ts = in->ts, .stream = in->stream, .pair = pdu->pair, .src = in->src, .dst = in->dst,
        .is_request = pdu->kind == MA_PDU_REQUEST, .adu = in->adu, .adu_len = in->adu_len,
    };
    if (pdu->kind == MA_PDU_RESPONSE && pdu->txn && !(pdu->flags & (MA_PDU_DUPLICATE | MA_PDU_RETRANS)) &&
        pdu->txn->resp_frame == in->frame) {
        fi.paired_response = true;
        fi.response_time = ma_txn_rtt(pdu->txn);
    }
    ma_feat_pdu_rec(feat_engine, &fi, out);
}

/* A frame record for n PDUs, in file scope. */
static ma_frame_t *frame_new(unsigned n)
{
    ma_frame_t *fr = wmem_alloc0(wmem_file_scope(), sizeof(ma_frame_t) + n * sizeof(ma_pdu_t));
    fr->n = n;
    return fr;
}

/* One framed ADU as the core's input: the MBAP header and function code
 * (Modbus Messaging on TCP/IP Implementation Guide 3.1.3), its direction,
 * whether it is malformed, and the register data it carries. */
static void adu_input(const ma_raw_adu_t *a, packet_info *pinfo, ma_ns_t ts, ma_pdu_in_t *p)
{
    memset(p, 0, sizeof *p);
    p->frame = pinfo->num;
    p->ts = ts;
    p->stream = a->stream;
    p->src = a->src;
    p->dst = a->dst;
    p->srcport = a->srcport;
    p->dstport = a->dstport;
    p->adu = a->bytes;
    p->adu_len = a->caplen;
    ma_mbap_t h;
    ma_mbap_read(a->bytes, a->caplen, &h);
    p->tid = h.tid;
    p->unit = h.unit;
    p->fc = h.fc;
    p->exc_code = h.exc_code;
    int dir = ma_core_stream_is_request(core, a->stream, &a->src, a->srcport);
    p->is_request = dir >= 0 ? dir == 1
                    : ma_core_is_request(a->srcport, a->dstport, modbus_an_is_server_port(a->srcport),
                                         modbus_an_is_server_port(a->dstport));
    const uint8_t *pdu = a->caplen > MA_MBAP_LEN ? a->bytes + MA_MBAP_LEN : NULL;
    uint32_t n = a->caplen > MA_MBAP_LEN ? a->caplen - MA_MBAP_LEN : 0;
    p->malformed = !ma_mbap_valid(&h, a->wirelen) || a->caplen < a->wirelen ||
                   ma_pdu_short(pdu, n, p->is_request) || ((h.fc & 0x80) && !h.has_exc);
    ma_regdata_t rd;
    uint16_t *words = wmem_alloc_array(pinfo->pool, uint16_t, MA_MAX_PDU_WORDS);
    uint8_t *bits = wmem_alloc_array(pinfo->pool, uint8_t, MA_MAX_PDU_BITS);
    if (pdu)
        ma_pdu_regdata(pdu, n, p->is_request, words, bits, &rd);
    else
        rd = (ma_regdata_t){-1, -1, -1, 0, 0};
    p->ref = rd.ref;
    p->count = rd.count;
    p->wref = rd.wref;
    p->words = words;
    p->nwords = rd.nwords;
    p->bits = bits;
    p->nbits = rd.nbits;
}

static ma_frame_t *first_pass(packet_info *pinfo)
{
    ma_ns_t ts = (ma_ns_t)pinfo->abs_ts.secs * MA_NS_PER_SEC + pinfo->abs_ts.nsecs;
    ma_core_note_time(core, ts);
    const ma_raw_frame_t *raw = ma_ingest_frame(pinfo);
    if (!raw)
        return NULL;
    ma_frame_t *fr = NULL;
    const ma_bpdu_rec_t *bpdu = raw->has_bpdu && stp ? ma_stp_bpdu(stp, &raw->bpdu) : NULL;

    ma_pdu_in_t *in = raw->nadus ? wmem_alloc_array(pinfo->pool, ma_pdu_in_t, raw->nadus) : NULL;
    unsigned n = 0;
    for (unsigned i = 0; i < raw->nadus; i++)
        if (raw->adus[i].has_stream)
            adu_input(&raw->adus[i], pinfo, ts, &in[n++]);
    if (n > 0) {
        fr = frame_new(n);
        fr->feat = feat_engine ? wmem_alloc_array(wmem_file_scope(), ma_feat_rec_t, n) : NULL;
        for (unsigned i = 0; i < n; i++) {
            in[i].tcp_retrans = raw->has_seg && (raw->seg.analysis & MA_TCPA_ANY_RETRANS);
            ma_core_pdu(core, &in[i], &fr->pdu[i]);
            if (fr->pdu[i].kind == MA_PDU_REQUEST && !(fr->pdu[i].flags & (MA_PDU_RETRANS | MA_PDU_MALFORMED)))
                ma_net_request(net, &in[i], &fr->pdu[i]);
            if (fr->feat)
                compute_features(&in[i], &fr->pdu[i], &fr->feat[i]);
            const ma_regs_rec_t *rr = ma_regs_pdu(regs, &in[i], &fr->pdu[i]);
            if (rr && !fr->regs)
                fr->regs = wmem_alloc0_array(wmem_file_scope(), const ma_regs_rec_t *, n);
            if (rr)
                fr->regs[i] = rr;
        }
    }
    const ma_seg_rec_t *seg = raw->has_seg ? ma_net_ui_segment(net, pinfo, &raw->seg, in, fr ? fr->pdu : NULL, n,
                                                                modbus_an_is_server_port)
                                           : NULL;
    if ((seg || bpdu) && !fr)
        fr = frame_new(0);
    if (fr) {
        fr->seg = seg;
        fr->bpdu = bpdu;
        p_add_proto_data(wmem_file_scope(), pinfo, proto_modbus_an, 0, fr);
    }

    /* RFC 793: RST aborts; a FIN from the server ends what it will send. */
    uint16_t flags = raw->has_seg ? raw->seg.flags : 0;
    if (flags & (MA_TCP_RST | MA_TCP_FIN)) {
        const ma_pair_t *pair = ma_core_stream_pair(core, raw->seg.stream);
        if (pair) {
            ma_conn_event_t ev = MA_CONN_RST;
            if (!(flags & MA_TCP_RST))
                ev = (raw->seg.srcport == pair->server_port && ma_addr_equal(&raw->seg.src, &pair->server))
                         ? MA_CONN_FIN_FROM_SERVER : MA_CONN_FIN_FROM_CLIENT;
            ma_core_conn_event(core, raw->seg.stream, ev, pinfo->num, ts);
        }
    }
    return fr;
}

/* ---- display ---- */

static void add_bool(proto_tree *t, int hf, tvbuff_t *tvb, gboolean v, expert_field *ei,
                     packet_info *pinfo)
{
    proto_item *it = proto_tree_add_boolean(t, hf, tvb, 0, 0, v);
    proto_item_set_generated(it);
    if (v && ei)
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
    add_bool(st, hf_modbus_an_delayed, tvb, (t->flags & MA_TXN_DELAYED) != 0, &ei_modbus_an_delayed, pinfo);
    add_bool(st, hf_modbus_an_late, tvb, o == MA_OUT_LATE, &ei_modbus_an_late, pinfo);
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

static void show_response(proto_tree *st, proto_item *top, tvbuff_t *tvb, packet_info *pinfo,
                          const ma_pdu_t *pdu, wmem_strbuf_t *info)
{
    const ma_txn_t *t = pdu->txn;
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

static void show_pdu(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const ma_pdu_t *pdu,
                     const ma_feat_t *feat, const ma_regs_rec_t *rr, gboolean final, wmem_strbuf_t *info)
{
    gboolean req = pdu->kind == MA_PDU_REQUEST;
    proto_item *top = proto_tree_add_protocol_format(tree, proto_modbus_an, tvb, 0, 0,
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
    add_bool(st, hf_modbus_an_malformed, tvb, (pdu->flags & MA_PDU_MALFORMED) != 0,
             &ei_modbus_an_malformed, pinfo);
    if (pdu->flags & MA_PDU_MALFORMED)
        wmem_strbuf_append(info, " [malformed]");
    else if (req)
        show_request(st, top, tvb, pinfo, pdu, final, info);
    else
        show_response(st, top, tvb, pinfo, pdu, info);
    ma_net_ui_show_txn(st, tvb, pinfo, pdu, final, info);
    if (rr)
        ma_regs_ui_show(st, tvb, pinfo, regs, rr, info);
    if (feat)
        ma_feat_ui_show(st, tvb, pinfo, feat, info);
}

static int dissect_modbus_an(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    if (!core)
        return 0;
    ma_frame_t *fr;
    if (!PINFO_FD_VISITED(pinfo)) {
        fr = first_pass(pinfo);
    } else {
        /* Every frame was seen once: outcomes of pending requests are final. */
        if (!ma_core_finalized(core))
            modbus_an_finalize();
        fr = p_get_proto_data(wmem_file_scope(), pinfo, proto_modbus_an, 0);
    }
    if (!fr)
        return 0;

    gboolean final = PINFO_FD_VISITED(pinfo);
    wmem_strbuf_t *info = wmem_strbuf_new(pinfo->pool, "");
    /* Expand the stored feature records only for a reader: a visible tree,
     * a filter or column on one of the fields, or a features tap. */
    gboolean feat_tree = fr->feat && ma_feat_ui_wanted(tree, proto_modbus_an, expert_tap_id);
    gboolean feat_tap = fr->feat && have_tap_listener(modbus_an_features_tap);
    ma_feat_t *fx = feat_tree || feat_tap ? wmem_alloc_array(pinfo->pool, ma_feat_t, fr->n) : NULL;
    ma_feat_tap_t *ft = feat_tap ? wmem_alloc_array(pinfo->pool, ma_feat_tap_t, fr->n) : NULL;
    for (unsigned i = 0; i < fr->n; i++) {
        if (fx)
            ma_feat_expand(&fr->feat[i], &fx[i]);
        const ma_regs_rec_t *rr = fr->regs ? fr->regs[i] : NULL;
        show_pdu(tree, tvb, pinfo, &fr->pdu[i], feat_tree ? &fx[i] : NULL, rr, final, info);
        tap_queue_packet(modbus_an_tap, pinfo, &fr->pdu[i]);
        if (rr && have_tap_listener(modbus_an_regs_tap)) {
            ma_regs_tap_t *rt = wmem_new(pinfo->pool, ma_regs_tap_t);
            *rt = (ma_regs_tap_t){ &fr->pdu[i], rr };
            tap_queue_packet(modbus_an_regs_tap, pinfo, rt);
        }
        if (ft) {
            ft[i] = (ma_feat_tap_t){ &fr->pdu[i], &fx[i], i };
            tap_queue_packet(modbus_an_features_tap, pinfo, &ft[i]);
        }
    }
    if (fr->seg)
        ma_net_ui_show_seg(tree, tvb, pinfo, fr->seg, final, info);
    const ma_pair_t *net_pair = fr->seg && fr->seg->conn ? fr->seg->conn->pair : fr->n ? fr->pdu[0].pair : NULL;
    if (net_pair)
        tap_queue_packet(modbus_an_net_tap, pinfo, net_pair);
    if (fr->bpdu)
        ma_net_ui_show_bpdu(tree, tvb, pinfo, fr->bpdu, info);
    if (wmem_strbuf_get_len(info) > 0)
        col_append_str(pinfo->cinfo, COL_INFO, wmem_strbuf_get_str(info));
    return tvb_captured_length(tvb);
}

/* ---- registration ---- */

void proto_register_modbus_an(void)
{
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
    };

    proto_modbus_an = proto_register_protocol("Modbus/TCP transaction analysis", "modbus_an",
                                              "modbus_an");
    proto_register_field_array(proto_modbus_an, hf, array_length(hf));
    ma_feat_ui_register(proto_modbus_an);
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_modbus_an), ei, array_length(ei));

    module_t *m = prefs_register_protocol(proto_modbus_an, apply_prefs);
    prefs_register_string_preference(m, "delay_threshold", "Delay threshold (s)",
        "A response is delayed when its response time exceeds this many seconds (e.g. 0.25).",
        &pref_delay_threshold);
    prefs_register_string_preference(m, "response_timeout", "Response timeout (s)",
        "A request with no response within this many seconds is missed (or late, if the "
        "answer comes after it). Never below delay_threshold.", &pref_response_timeout);
    range_convert_str(wmem_epan_scope(), &pref_server_ports, "502", 65535);
    prefs_register_range_preference(m, "server_ports", "Modbus server TCP ports",
        "Ports that identify the server side of a connection, besides the ports TCP hands to "
        "mbtcp (502, mbtcp.tcp.port and Decode As). With neither, the lower port is the server.",
        &pref_server_ports, 65535);
    prefs_register_uint_preference(m, "max_pending", "Pending requests per connection",
        "At most this many unanswered requests are tracked per connection; beyond it the "
        "oldest is counted as missed (bounds memory on hostile traffic).", 10, &pref_max_pending);

    prefs_register_bool_preference(m, "features", "Compute features",
        "Compute the per-PDU features of the Modbus feature-extraction specification "
        "(modbus_an.feature.*, modbus_an.outlier.*, -z modbus_an,features). Takes effect on the "
        "next file load.", &pref_features);
    prefs_register_bool_preference(m, "feature_split_direction", "Feature windows per direction",
        "Keep the 10-PDU rolling windows and the outlier histories per connection and direction "
        "(requests and responses apart) instead of per connection.", &pref_split_direction);
    prefs_register_bool_preference(m, "strict_unit_id", "Strict unit id validation",
        "Treat unit ids 0 and 255 as invalid (the specification's 1-247). Off: 0 and 255, "
        "usual on Modbus/TCP and gateways, are valid.", &pref_strict_unit_id);

    ma_regs_ui_register(proto_modbus_an, m);
    ma_net_ui_register(proto_modbus_an, m);

    ma_config_defaults(&cfg);
    modbus_an_handle = create_dissector_handle(dissect_modbus_an, proto_modbus_an);
    register_postdissector(modbus_an_handle);
    register_init_routine(modbus_an_init);
    register_cleanup_routine(modbus_an_cleanup);
    modbus_an_tap = register_tap(MODBUS_AN_TAP);
    modbus_an_features_tap = register_tap(MODBUS_AN_FEATURES_TAP);
    modbus_an_regs_tap = register_tap(MODBUS_AN_REGS_TAP);
    modbus_an_net_tap = register_tap(MODBUS_AN_NET_TAP);
}

void proto_reg_handoff_modbus_an(void)
{
    ma_ingest_register(proto_modbus_an);
    expert_tap_id = find_tap_id("expert");
    tcp_port_table = find_dissector_table("tcp.port");
    apply_prefs();
}
