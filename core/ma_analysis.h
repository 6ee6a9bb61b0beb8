/* ma_analysis.h - one capture's analysis: every engine, fed one frame at a time
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The top of the core: it owns the pairing core, the feature, register,
 * network and Spanning Tree engines, runs a frame's input through them in
 * the one order the rules need (pairing first; features, registers and
 * retries see the pairing's result; the TCP segment after the PDUs it
 * carried; connection events last), keeps one record per frame that later
 * passes read back, and ends the first pass (outcomes of requests still
 * pending, attempt outcomes, causes) exactly once.
 *
 * Plain C + GLib, no epan types: the post-dissector builds the inputs from
 * what Wireshark hands it (postdissector/ingest.c) and the configuration
 * from its preferences; tests drive it directly.
 */
#ifndef MA_ANALYSIS_H
#define MA_ANALYSIS_H

#include "ma_cause.h"
#include "ma_core.h"
#include "ma_dup.h"
#include "ma_feat.h"
#include "ma_flows.h"
#include "ma_net.h"
#include "ma_regs.h"
#include "ma_stp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Everything the engines are configured with; the arrays are copied. */
typedef struct ma_analysis_config {
    ma_config_t       pairing;
    bool              features;        /* compute per-PDU features */
    ma_feat_config_t  feat;
    ma_regs_config_t  regs;
    const ma_hb_def_t *hb_defs;        /* heartbeat definitions */
    unsigned          n_hb_defs;
    const ma_watch_def_t *watches;     /* watched registers */
    unsigned          n_watches;
    ma_net_config_t   net;
    const ma_expect_t *expect;         /* expected servers */
    unsigned          n_expect;
    ma_cause_config_t cause;
    ma_ns_t           duplicate_window; /* capture duplicates (ma_dup.h); 0: off */
    ma_ns_t           report_after;    /* frames before this time are context (below); 0: none */
    void             *owned;           /* the caller's storage behind the arrays (ignored here) */
} ma_analysis_config_t;

/* Defaults of every engine, no definitions. */
void ma_analysis_config_defaults(ma_analysis_config_t *cfg);

/* One ADU as Wireshark framed it (mbtcp after TCP reassembly). */
typedef struct ma_adu_in {
    const uint8_t *bytes;
    uint32_t  caplen;     /* bytes present */
    uint32_t  wirelen;    /* the span it was framed with: MBAP length + 6 */
    uint32_t  stream;     /* its TCP connection */
    ma_addr_t src, dst;
    uint16_t  srcport, dstport;
    bool      src_is_server_port, dst_is_server_port; /* as for ma_core_is_request */
} ma_adu_in_t;

/* What Wireshark handed over for one frame (any part may be absent). */
typedef struct ma_frame_in {
    uint32_t           frame;
    ma_ns_t            ts;
    const ma_adu_in_t *adus;
    unsigned           nadus;
    const ma_tcp_in_t *seg;      /* the frame's TCP segment, NULL: none or not Modbus */
    const ma_bpdu_in_t *bpdu;    /* the frame's BPDU, NULL: none */
} ma_frame_in_t;

/* What one frame meant; stable until the analysis is freed. */
typedef struct ma_frame_rec {
    ma_ns_t              ts;
    const void          *net;    /* the TCP segment's network record (ma_frame_seg) or the
                                    BPDU's (ma_frame_bpdu), or NULL: a frame carries one of them */
    const ma_regs_rec_t **regs;  /* n register records (entries may be NULL), or NULL */
    uint32_t             frame;
    uint32_t             n : 30;   /* Modbus PDUs */
    uint32_t             has_feat : 1; /* n feature records follow pdu[] (ma_frame_feat) */
    uint32_t             is_bpdu : 1;  /* net is a BPDU's record */
    ma_pdu_t             pdu[];
} ma_frame_rec_t;

/* The frame's TCP segment record, or NULL. */
static inline const ma_seg_rec_t *ma_frame_seg(const ma_frame_rec_t *fr)
{
    return fr->is_bpdu ? NULL : (const ma_seg_rec_t *)fr->net;
}

/* The frame's BPDU record, or NULL. */
static inline const ma_bpdu_rec_t *ma_frame_bpdu(const ma_frame_rec_t *fr)
{
    return fr->is_bpdu ? (const ma_bpdu_rec_t *)fr->net : NULL;
}

/* The n feature records of a frame record that keeps them, or NULL
 * (features off, a context frame, or records not kept:
 * ma_analysis_features_current_only): they follow its PDUs in the same
 * allocation. Readers use ma_analysis_feat_rec(). */
static inline ma_feat_rec_t *ma_frame_feat(const ma_frame_rec_t *fr)
{
    return fr->has_feat ? (ma_feat_rec_t *)(uintptr_t)(const void *)&fr->pdu[fr->n] : NULL;
}

typedef struct ma_analysis ma_analysis_t;

ma_analysis_t *ma_analysis_new(const ma_analysis_config_t *cfg);
void ma_analysis_free(ma_analysis_t *a);

/* First pass, frames in capture order: analyse one frame. Returns its
 * record (also kept for ma_analysis_frame_rec), or NULL when the frame
 * meant nothing to any engine. The capture's time advances with every
 * frame, Modbus or not. */
const ma_frame_rec_t *ma_analysis_frame(ma_analysis_t *a, const ma_frame_in_t *in);

/* Note a frame that handed over nothing (its time still counts). */
void ma_analysis_note_time(ma_analysis_t *a, ma_ns_t ts);

/* The record of a frame the first pass analysed, or NULL. */
const ma_frame_rec_t *ma_analysis_frame_rec(const ma_analysis_t *a, uint32_t frame);
/* One more than the highest frame number with a record (0: none). */
uint32_t ma_analysis_frame_cap(const ma_analysis_t *a);
/* The feature record of PDU i of a frame record, or NULL: features off, a
 * context frame, or (ma_analysis_features_current_only) a frame other than
 * the one the first pass analysed last. */
const ma_feat_rec_t *ma_analysis_feat_rec(const ma_analysis_t *a, const ma_frame_rec_t *fr, unsigned i);
/* Every feature column of PDU i of a frame record whose feature record is
 * there (ma_analysis_feat_rec): its rolling windows are read from the
 * records of the flow's previous PDUs. False (out untouched) otherwise. */
bool ma_analysis_feat_expand(const ma_analysis_t *a, const ma_frame_rec_t *fr, unsigned i, ma_feat_t *out);

/* From the next frame on, keep the feature records of the current frame
 * only (each flow keeps the few its rolling windows read) instead of every
 * frame's: for a reader that never comes back to an earlier frame (tshark's
 * single pass), 160 bytes less per PDU. With summary, the feature summary
 * (ma_analysis_flows) is then built as PDUs are analysed, since it can no
 * longer be read from the records. One way; nothing changes with
 * features off. */
void ma_analysis_features_current_only(ma_analysis_t *a, bool summary);
/* That summary, or NULL when the records are kept (ma_analysis_flows_of
 * builds it from them) or no summary was asked for. */
ma_flows_t *ma_analysis_flows(const ma_analysis_t *a);
/* A new feature summary of every PDU, from the kept feature records in
 * capture order (the caller frees it with ma_flows_free); NULL once records
 * are no longer kept (ma_analysis_features_current_only): a summary of some
 * PDUs only would be wrong. */
ma_flows_t *ma_analysis_flows_of(const ma_analysis_t *a);

/* Context frames (config report_after: a capture monitor analyses a
 * snapshot together with the tail of the previous one). A frame stamped
 * before report_after only completes transactions: its PDUs are paired and
 * its RST / FIN end pending requests, nothing else sees it (features,
 * registers, connections, TCP analysis, Spanning Tree). Reports count what
 * is decided at or after report_after: every PDU of a later frame, and a
 * request of a context frame whose outcome came later (its answer, its
 * timeout running out, its connection closing, the capture ending). The
 * capture's start (ma_analysis_first_ts) is then its first later frame. */
bool ma_analysis_txn_reported(const ma_analysis_t *a, const ma_txn_t *t);
bool ma_analysis_pdu_reported(const ma_analysis_t *a, const ma_frame_rec_t *fr, const ma_pdu_t *pdu);
/* The first frame at or after report_after (1 when there is none). */
uint32_t ma_analysis_first_reported_frame(const ma_analysis_t *a);

/* End of the first pass: requests still pending become missed or
 * unanswered_at_end, register, network and attempt results are closed and
 * every delayed, late or missed transaction gets its cause. Idempotent;
 * after it the analysis only answers questions. */
void ma_analysis_end_pass(ma_analysis_t *a);
bool ma_analysis_final(const ma_analysis_t *a);

/* The engines (read access for displays and reports). */
ma_core_t *ma_analysis_core(const ma_analysis_t *a);
ma_net_t *ma_analysis_net(const ma_analysis_t *a);
const ma_stp_t *ma_analysis_stp(const ma_analysis_t *a);
const ma_regs_t *ma_analysis_regs(const ma_analysis_t *a);
const ma_analysis_config_t *ma_analysis_config(const ma_analysis_t *a);
/* First and last frame time seen (0 when no frame; context frames do not
 * count). */
ma_ns_t ma_analysis_first_ts(const ma_analysis_t *a);
ma_ns_t ma_analysis_last_ts(const ma_analysis_t *a);
uint64_t ma_analysis_frames(const ma_analysis_t *a);

/* Bytes the per-frame records take (memory accounting). */
uint64_t ma_analysis_record_bytes(const ma_analysis_t *a);

#ifdef __cplusplus
}
#endif

#endif /* MA_ANALYSIS_H */
