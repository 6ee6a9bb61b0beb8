/* packet-modbus_an.c - modbus_an post-dissector: registration and entry point
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * On the first pass (!PINFO_FD_VISITED) each frame's input (ingest.c) goes
 * through the capture's analysis (core/ma_analysis.c), which keeps the
 * frame's record; later passes (GUI, tshark -2) only read the record back.
 * Every pass shows the record as modbus_an.* fields, expert info and Info
 * tags (fields_*.c) and queues it to the taps (taps.h). Module map:
 *   preferences.c  preferences, UATs, site files -> analysis configuration
 *   lifecycle.c    the analysis from init to cleanup, the end of the pass
 *   ingest.c       what Wireshark's tcp / mbtcp / stp dissection hands on
 *   fields_*.c     what a record looks like in the tree
 */
#include <epan/packet.h>
#include <epan/proto_data.h>
#include <epan/tap.h>
#include <wsutil/wslog.h>

#include "fields_feat.h"

#include <stdio.h>
#include "fields_net.h"
#include "fields_regs.h"
#include "fields_txn.h"
#include "ingest.h"
#include "lifecycle.h"
#include "modbus_an.h"
#include "preferences.h"
#include "taps.h"

static int proto_modbus_an = -1;
static int pdu_tap = -1;
static int features_tap = -1;
static int frame_tap = -1;
static int expert_tap_id = -1;

/* ---- will the frames be read again? ---- */

/* A reader that taps its first pass but is not the GUI (tshark's single
 * pass) never comes back to a frame; the first pass of one that does
 * (tshark -2, sharkd) runs no taps. One packet queued to a tap of our own
 * tells which: its listener runs at the end of the frame only when the
 * pass taps. Then each frame keeps the feature records of its PDUs only
 * while it is the current one (ma_analysis_features_current_only): 160
 * bytes less per PDU. */
#define MODBUS_AN_LOG_DOMAIN "modbus_an" /* tshark --log-level info --log-domains modbus_an */
static int probe_tap = -1;
static char probe_listener;    /* its tapdata: registered from the file's init to the decision */
static enum { PROBE_NONE, PROBE_QUEUED, PROBE_TAPPED, PROBE_DONE } probe_state;

static tap_packet_status probe_packet(void *tapdata _U_, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                      const void *data _U_, tap_flags_t flags _U_)
{
    if (probe_state == PROBE_QUEUED)
        probe_state = PROBE_TAPPED;
    return TAP_PACKET_DONT_REDRAW;
}

/* A listener only while a file's first frames are read (every listener
 * costs each frame of every capture a little: have_tap_listener walks them
 * all); none in the GUI, which keeps everything. A dissector's helper: it
 * makes no reader dissect what it would not. */
static void probe_stop(void)
{
    if (probe_state != PROBE_DONE)
        remove_tap_listener(&probe_listener);
    probe_state = PROBE_DONE;
}

static void probe_start(void)
{
    probe_stop(); /* an init without a cleanup before it registers once still */
    if (ma_lifecycle_gui()) {
        ws_log(MODBUS_AN_LOG_DOMAIN, LOG_LEVEL_INFO, "GUI: every frame keeps its feature records");
        return;
    }
    GString *err = register_tap_listener("modbus_an.probe", &probe_listener, NULL, TL_IS_DISSECTOR_HELPER, NULL,
                                         probe_packet, NULL, NULL);
    if (err) {
        g_string_free(err, TRUE);
        return;
    }
    probe_state = PROBE_NONE;
}

/* Called on every first-pass frame before its analysis. */
static void probe_pass(ma_analysis_t *an, packet_info *pinfo)
{
    switch (probe_state) {
    case PROBE_NONE:
        tap_queue_packet(probe_tap, pinfo, NULL);
        probe_state = PROBE_QUEUED;
        break;
    case PROBE_QUEUED: /* the pass does not tap: keep everything */
        ws_log(MODBUS_AN_LOG_DOMAIN, LOG_LEVEL_INFO,
               "first pass without taps (tshark -2, sharkd): every frame keeps its feature records");
        probe_stop();
        break;
    case PROBE_TAPPED:
        ws_log(MODBUS_AN_LOG_DOMAIN, LOG_LEVEL_INFO,
               "single pass: a frame keeps its feature records only while it is the current one");
        ma_analysis_features_current_only(an, ma_lifecycle_feature_summary_wanted());
        probe_stop();
        break;
    case PROBE_DONE:
        break;
    }
}

/* ---- first pass ---- */

static const ma_frame_rec_t *first_pass(ma_analysis_t *an, packet_info *pinfo)
{
    ma_ns_t ts = ma_ns_from_time(pinfo->abs_ts.secs, pinfo->abs_ts.nsecs);
    const ma_raw_frame_t *raw = ma_ingest_frame(pinfo);
    const ma_frame_rec_t *fr = NULL;
    if (!raw) {
        ma_analysis_note_time(an, ts);
    } else {
        /* ADUs of a segment the tcp wrapper did not see have no stream:
         * left out (a copy of the rest only then) */
        const ma_adu_in_t *adus = raw->adus;
        unsigned n = 0;
        while (n < raw->nadus && raw->adu_has_seg[n])
            n++;
        if (n < raw->nadus) {
            ma_adu_in_t *some = wmem_alloc_array(pinfo->pool, ma_adu_in_t, raw->nadus);
            n = 0;
            for (unsigned i = 0; i < raw->nadus; i++)
                if (raw->adu_has_seg[i])
                    some[n++] = raw->adus[i];
            adus = some;
        }
        ma_frame_in_t in = {
            .frame = pinfo->num, .ts = ts, .adus = adus, .nadus = n,
            .seg = raw->has_seg ? &raw->seg : NULL,
            .bpdu = raw->has_bpdu ? &raw->bpdu : NULL,
        };
        fr = ma_analysis_frame(an, &in);
    }
    ma_lifecycle_first_pass_frame(pinfo);
    return fr;
}

/* ---- request-side outcome fields in a single pass ---- */

/* Fields that a request gets only once the first pass ended (README,
 * "Single pass, -2, and the GUI"): one list, resolved at handoff. */
static const char *const request_side_names[] = {
    "modbus_an.outcome", "modbus_an.missed", "modbus_an.missed_reason", "modbus_an.unanswered_at_end",
    "modbus_an.response_frame", "modbus_an.cause", "modbus_an.cause_frame", "modbus_an.retried_by",
    "modbus_an.tid_mismatch_response", "modbus_an.poll.gap", "modbus_an.poll.cadence",
    "modbus_an.conn.result", "modbus_an.conn.failed",
};
static int request_side_hf[G_N_ELEMENTS(request_side_names)];
static gboolean request_side_warned;

/* tshark single pass with a filter on one of them, or printing trees or
 * fields (-V, -T fields/pdml/json: every field is there) while a request's
 * outcome is still pending: say once, on stderr when the file is closed,
 * that it needs -2 (the result would silently miss requests); a second
 * pass (-2) cancels it. */
static void warn_request_side(proto_tree *tree, const ma_frame_rec_t *fr)
{
    if (request_side_warned || !tree || ma_lifecycle_gui())
        return;
    for (unsigned i = 0; i < G_N_ELEMENTS(request_side_hf); i++) {
        header_field_info *hfi = request_side_hf[i] > 0 ? proto_registrar_get_nth(request_side_hf[i]) : NULL;
        if (hfi && hfi->ref_type >= HF_REF_TYPE_DIRECT) { /* 4.4+: also PRINT (-e) */
            request_side_warned = TRUE;
            char *msg = g_strdup_printf("modbus_an: %s and the other request-side outcome fields are known only "
                                        "after the first pass: use tshark -2 (a single pass shows them only "
                                        "where already decided).", request_side_names[i]);
            ma_lifecycle_single_pass_note(msg);
            g_free(msg);
            return;
        }
    }
    if (!fr || !proto_field_is_referenced(tree, request_side_hf[0]))
        return; /* a visible (printed) tree references every field */
    for (unsigned i = 0; i < fr->n; i++) {
        if (fr->pdu[i].kind == MA_PDU_REQUEST && fr->pdu[i].txn && fr->pdu[i].txn->outcome == MA_OUT_PENDING) {
            request_side_warned = TRUE;
            ma_lifecycle_single_pass_note("modbus_an: request outcomes (modbus_an.outcome, .missed, "
                                          ".response_frame, .cause, ...) are known only after the first pass: "
                                          "use tshark -2 to print them on every request.");
            return;
        }
    }
}

/* A file is opened: its first frames tell whether it will be read again. */
static void file_init(void)
{
    request_side_warned = FALSE;
    if (proto_is_protocol_enabled(find_protocol_by_id(proto_modbus_an)))
        probe_start();
    /* Wireshark registers the expert tap after the plugins' handoff */
    expert_tap_id = find_tap_id("expert");
}

/* ---- every pass ---- */

static int dissect_modbus_an(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    ma_analysis_t *an = ma_lifecycle_analysis();
    if (!an)
        return 0;
    const ma_frame_rec_t *fr;
    if (!PINFO_FD_VISITED(pinfo)) {
        probe_pass(an, pinfo);
        fr = first_pass(an, pinfo);
        warn_request_side(tree, fr);
    } else {
        ma_lifecycle_revisit(); /* every frame was seen once */
        fr = ma_analysis_frame_rec(an, pinfo->num);
    }
    if (!fr)
        return 0;

    gboolean final = ma_analysis_final(an);
    /* Fields, expert info and Info tags only for a reader: a tree (a
     * filter or printed fields build one), columns, or an expert listener.
     * A plain -q read with a statistics tap has none of them. */
    gboolean show = tree || pinfo->cinfo || have_tap_listener(expert_tap_id);
    wmem_strbuf_t *info = show ? wmem_strbuf_new(pinfo->pool, "") : NULL;
    /* Expand the stored feature records only for a reader: a visible tree,
     * a filter or column on one of the fields, or a features tap. */
    gboolean has_feat = fr->n && ma_analysis_feat_rec(an, fr, 0);
    gboolean feat_tree = has_feat && ma_fields_feat_wanted(tree, proto_modbus_an);
    gboolean feat_tap = has_feat && have_tap_listener(features_tap);
    ma_feat_t *fx = feat_tree || feat_tap ? wmem_alloc_array(pinfo->pool, ma_feat_t, fr->n) : NULL;
    /* Tap records only for a listener (-z, GUI tables): none in a plain read. */
    ma_tap_pdu_t *tp = fr->n && have_tap_listener(pdu_tap) ? wmem_alloc0_array(pinfo->pool, ma_tap_pdu_t, fr->n)
                                                           : NULL;
    ma_tap_pdu_t *tf = feat_tap ? wmem_alloc0_array(pinfo->pool, ma_tap_pdu_t, fr->n) : NULL;
    for (unsigned i = 0; i < fr->n; i++) {
        const ma_pdu_t *pdu = &fr->pdu[i];
        const ma_regs_rec_t *rr = fr->regs ? fr->regs[i] : NULL;
        if (fx)
            ma_analysis_feat_expand(an, fr, i, &fx[i]);
        if (show) {
            proto_tree *st = ma_fields_txn_show(tree, tvb, pinfo, pdu, final, info);
            ma_fields_net_show_txn(st, tvb, pinfo, pdu, final, info);
            if (rr)
                ma_fields_regs_show(st, tvb, pinfo, ma_analysis_regs(an), rr, info);
            if (feat_tree)
                ma_fields_feat_show(st, tvb, pinfo, &fx[i], info);
            else if (has_feat)
                ma_fields_feat_experts(pinfo, ma_analysis_feat_rec(an, fr, i), info);
        }
        if (tp) {
            tp[i] = (ma_tap_pdu_t){an, fr, i, pdu, rr, NULL};
            tap_queue_packet(pdu_tap, pinfo, &tp[i]);
        }
        if (tf) {
            tf[i] = (ma_tap_pdu_t){an, fr, i, pdu, rr, &fx[i]};
            tap_queue_packet(features_tap, pinfo, &tf[i]);
        }
    }
    const ma_seg_rec_t *seg = ma_frame_seg(fr);
    if (show && seg)
        ma_fields_net_show_seg(tree, tvb, pinfo, seg, final, info);
    if (show && ma_frame_bpdu(fr))
        ma_fields_net_show_bpdu(tree, tvb, pinfo, ma_frame_bpdu(fr), info);
    if (have_tap_listener(frame_tap)) {
        ma_tap_frame_t *tfr = wmem_new(pinfo->pool, ma_tap_frame_t);
        *tfr = (ma_tap_frame_t){an, fr, seg && seg->conn ? seg->conn->pair : fr->n ? fr->pdu[0].pair : NULL};
        tap_queue_packet(frame_tap, pinfo, tfr);
    }
    if (info && wmem_strbuf_get_len(info) > 0)
        col_append_str(pinfo->cinfo, COL_INFO, wmem_strbuf_get_str(info));
    return tvb_captured_length(tvb);
}

/* ---- registration ---- */

void proto_register_modbus_an(void)
{
    proto_modbus_an = proto_register_protocol("Modbus/TCP transaction analysis", "modbus_an", "modbus_an");
    ma_fields_txn_register(proto_modbus_an);
    ma_fields_feat_register(proto_modbus_an);
    ma_fields_regs_register(proto_modbus_an);
    ma_fields_net_register(proto_modbus_an);
    ma_prefs_register(proto_modbus_an);
    ma_lifecycle_register(proto_modbus_an);
    register_init_routine(file_init);
    register_cleanup_routine(probe_stop);

    dissector_handle_t h = create_dissector_handle(dissect_modbus_an, proto_modbus_an);
    register_postdissector(h);
    pdu_tap = register_tap(MODBUS_AN_TAP);
    features_tap = register_tap(MODBUS_AN_FEATURES_TAP);
    frame_tap = register_tap(MODBUS_AN_FRAME_TAP);
    probe_tap = register_tap("modbus_an.probe");
}

void proto_reg_handoff_modbus_an(void)
{
    ma_ingest_register();
    ma_prefs_handoff();
    for (unsigned i = 0; i < G_N_ELEMENTS(request_side_names); i++)
        request_side_hf[i] = proto_registrar_get_id_byname(request_side_names[i]);
}
