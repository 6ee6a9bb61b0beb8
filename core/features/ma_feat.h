/* ma_feat.h - per-PDU Modbus features (rolling, sliding and session windows,
 * validation, outliers)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Implements docs/features.md, the exact reading of the Modbus feature
 * extraction specification (../shared/seeds/modbus-feature-extraction-spec.md).
 * Plain C and GLib, no epan types: tests/unit drives it directly.
 *
 * Every feature is one double in ma_feat.v[], indexed by ma_feat_id_t; the
 * table ma_feat_columns() names them (CSV column, field abbreviation, kind,
 * description), so the tree, the CSV export and its sidecar are generated
 * from one list. State is bounded per flow (fixed-size rings and histories)
 * and the 60 s window holds at most MA_FEAT_WINDOW_MAX PDUs in all.
 */
#ifndef MA_FEAT_H
#define MA_FEAT_H

#include <math.h>

#include "ma_core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MA_FEAT_ROLL            10      /* rolling window, PDUs */
#define MA_FEAT_WINDOW_NS       (60 * MA_NS_PER_SEC)
#define MA_FEAT_WINDOW_MAX      262144u /* PDUs held by the 60 s window */
#define MA_FEAT_HIST            100     /* outlier history length */
#define MA_FEAT_HIST_MIN        10      /* values needed before judging */
#define MA_FEAT_BURST_NS        (5 * 1000 * 1000) /* 5 ms */

typedef enum {
    /* 1. basic */
    MA_F_PACKET_LENGTH, MA_F_MODBUS_LENGTH, MA_F_DATA_LENGTH, MA_F_TRANSACTION_ID,
    MA_F_PROTOCOL_ID, MA_F_UNIT_ID, MA_F_FUNCTION_CODE,
    /* 2. packet length, 10 PDUs */
    MA_F_PL_MEAN10, MA_F_PL_STD10, MA_F_PL_MAX10, MA_F_PL_MIN10, MA_F_PL_CV10,
    /* 3. timing */
    MA_F_TD, MA_F_TD_MS, MA_F_TD_MEAN10, MA_F_TD_STD10, MA_F_TD_CV10, MA_F_TD_MIN10, MA_F_TD_MAX10,
    /* 4. entropy */
    MA_F_PE, MA_F_HE, MA_F_FE, MA_F_PE_MEAN10, MA_F_PE_STD10, MA_F_PE_MAX10, MA_F_PE_MIN10,
    /* 5. function code (function_code itself is in 1; fc_N only in the CSV) */
    MA_F_IS_READ, MA_F_IS_WRITE, MA_F_IS_ERROR, MA_F_FC_CHANGES, MA_F_FC_STAB10,
    /* 6. flow level, 60 s */
    MA_F_UNIQUE_SRC, MA_F_UNIQUE_DST, MA_F_UNIQUE_UNITS, MA_F_PKTS_SRC, MA_F_PKTS_DST, MA_F_PKTS_UNIT,
    /* 7. validation */
    MA_F_IS_VALID, MA_F_PID_VALID, MA_F_UNIT_VALID, MA_F_FC_VALID, MA_F_LEN_CONSISTENT,
    /* 8. derived */
    MA_F_BURST, MA_F_PERIODICITY, MA_F_ENTROPY_STABILITY, MA_F_INTENSITY, MA_F_RW_RATIO,
    /* windows */
    MA_F_ROLL_COUNT, MA_F_PKTS_60S, MA_F_FC_DISTINCT_60S, MA_F_FC_SHARE_60S, MA_F_VIOLATION_60S,
    MA_F_WINDOW_TRUNCATED,
    /* session */
    MA_F_SESS_PACKETS, MA_F_SESS_DURATION, MA_F_SESS_DOMINANT_FC, MA_F_SESS_PAIRING,
    /* optional: present only when the mask says so */
    MA_F_RESPONSE_TIME,
    MA_F_OUT_RT_Z, MA_F_OUT_RT_SIGMA, MA_F_OUT_RT_IQR,
    MA_F_OUT_TD_Z, MA_F_OUT_TD_SIGMA, MA_F_OUT_TD_IQR,
    MA_F_OUT_PL_Z, MA_F_OUT_PL_SIGMA, MA_F_OUT_PL_IQR,
    MA_F_OUT_PE_Z, MA_F_OUT_PE_SIGMA, MA_F_OUT_PE_IQR,
    MA_F_COUNT
} ma_feat_id_t;

/* Columns before the one-hot fc_N block in the CSV (1. to 8.). */
#define MA_F_FIRST_AFTER_ONEHOT MA_F_ROLL_COUNT

/* Outlier metrics, in column order. */
typedef enum { MA_OUT_RT, MA_OUT_TD, MA_OUT_PL, MA_OUT_PE, MA_OUT_N } ma_out_metric_t;

typedef enum { MA_FK_UINT, MA_FK_BOOL, MA_FK_REAL } ma_feat_kind_t;

typedef struct ma_feat_column {
    const char *csv;    /* CSV column name (the spec's name where it has one) */
    const char *abbrev; /* filter field name */
    const char *name;   /* short human name */
    const char *blurb;  /* description with the unit */
    uint8_t     kind;   /* ma_feat_kind_t */
} ma_feat_column_t;

/* The MA_F_COUNT columns, in ma_feat_id_t order. */
const ma_feat_column_t *ma_feat_columns(void);
/* Metric names: "response_time", "time_delta", "packet_length", "payload_entropy". */
const char *ma_feat_metric_name(ma_out_metric_t m);

/* Validation failures (ma_feat.invalid). */
#define MA_INVALID_PROTOCOL_ID 0x01u
#define MA_INVALID_UNIT_ID     0x02u
#define MA_INVALID_FC          0x04u
#define MA_INVALID_LENGTH      0x08u

/* Presence of the optional columns (ma_feat.present). */
#define MA_FEAT_HAS_RT         0x01u
#define MA_FEAT_HAS_OUT(m)     (0x02u << (m))

typedef struct ma_feat {
    double   v[MA_F_COUNT];
    uint8_t  present;       /* MA_FEAT_HAS_* */
    uint8_t  invalid;       /* MA_INVALID_* */
    uint8_t  fc;            /* function code byte (for the one-hot block) */
    uint8_t  td_full;       /* the inter-arrival window holds 10 values */
} ma_feat_t;

/* What the engine stores per PDU (about 150 bytes instead of ma_feat_t's
 * 600): the values nothing else derives. The rolling-window columns (2.-5.)
 * are not stored: the record links to the previous PDU of its flow, and
 * ma_feat_expand() recomputes them from the last ten records of the flow
 * with exactly the arithmetic the windows had. */
typedef struct ma_feat_rec {
    double   pe, fe;
    double   z[MA_OUT_N];    /* the sigma columns follow from z (ma_feat_rec_sigma) */
    int64_t  td_ns, span_ns, sess_dur_ns, rt_ns;
    uint32_t uniq_src, uniq_dst, pkts_src, pkts_dst, pkts_unit;
    uint32_t pkts_60s, fc_count_60s, invalid_60s, reads_60s, writes_60s;
    uint32_t sess_packets, sess_requests, sess_paired;
    uint32_t len;
    uint32_t prev_frame, prev_index; /* the flow's previous PDU (ma_feat_in_t.frame/index); frame 0: first */
    uint16_t uniq_units, fc_distinct_60s; /* at most 256 each */
    /* The MBAP header bytes present (the header entropy is recomputed
     * from them): tid, pid and mlen hold a byte of a header cut short
     * too, and read as 0 unless the ADU has all their bytes. */
    uint16_t mlen, tid, pid;
    uint8_t  unit, fc, invalid, present, sess_dominant;
    uint8_t  bits;           /* MA_REC_* */
} ma_feat_rec_t;

/* The sigma column of metric m of a record: 3 if |z| > 3, 2 if |z| > 2,
 * else 0, with a slack of 1e-9 (docs/features.md, Outliers). */
static inline uint8_t ma_feat_rec_sigma(const ma_feat_rec_t *r, int m)
{
    double az = fabs(r->z[m]);
    return az > 3.0 + 1e-9 ? 3 : az > 2.0 + 1e-9 ? 2 : 0;
}

/* What the rolling windows of a PDU read of each previous record of its
 * flow (ma_feat_expand). */
typedef struct ma_feat_link {
    double   pe;
    int64_t  td_ns;
    uint32_t len;
    uint32_t prev_frame, prev_index;
    uint8_t  bits;
} ma_feat_link_t;

static inline void ma_feat_link_of(const ma_feat_rec_t *r, ma_feat_link_t *l)
{
    l->pe = r->pe;
    l->td_ns = r->td_ns;
    l->len = r->len;
    l->prev_frame = r->prev_frame;
    l->prev_index = r->prev_index;
    l->bits = r->bits;
}

/* The link of the record of a PDU stored where ma_feat_in_t said (false if
 * unknown: the window then ends there). */
typedef bool (*ma_feat_link_fn)(void *ctx, uint32_t frame, uint32_t index, ma_feat_link_t *out);

#define MA_REC_CHANGED   0x01u
#define MA_REC_BURST     0x02u
#define MA_REC_TRUNCATED 0x04u
#define MA_REC_IQR(m)    (0x10u << (m))

/* One PDU as the feature engine needs it. */
typedef struct ma_feat_in {
    ma_ns_t          ts;
    uint32_t         stream;
    const ma_pair_t *pair;          /* NULL: the PDU counts on no pair */
    ma_addr_t        src, dst;
    bool             is_request;
    const uint8_t   *adu;           /* ADU bytes present */
    uint32_t         adu_len;
    bool             paired_response; /* a response linked to a request, not a duplicate */
    ma_ns_t          response_time;   /* when paired_response */
    uint32_t         frame, index;    /* where the caller stores this PDU's record (frame >= 1) */
} ma_feat_in_t;

typedef struct ma_feat_config {
    bool split_direction;  /* rolling windows and flow histories per direction */
    bool strict_unit_id;   /* unit id valid only in 1..247 */
} ma_feat_config_t;

typedef struct ma_feat_engine ma_feat_engine_t;

ma_feat_engine_t *ma_feat_new(const ma_feat_config_t *cfg);
void ma_feat_free(ma_feat_engine_t *e);

/* Compute the features of the next PDU (capture order, first pass only):
 * ma_feat_pdu_rec() fills the compact record, which the caller stores where
 * in->frame/index say; ma_feat_expand() gives every column from it, the
 * previous records of its flow found through get(ctx, ...). ma_feat_pdu()
 * does both, keeping the few records it needs itself (in->frame/index
 * are then its own). */
void ma_feat_pdu_rec(ma_feat_engine_t *e, const ma_feat_in_t *in, ma_feat_rec_t *rec);
void ma_feat_expand(const ma_feat_rec_t *rec, ma_feat_link_fn get, void *ctx, ma_feat_t *out);
void ma_feat_pdu(ma_feat_engine_t *e, const ma_feat_in_t *in, ma_feat_t *out);

/* A flow's newest links (ma_feat_link_t), for a caller that does not keep
 * every record: ma_feat_keep_recent() keeps the link of the record
 * ma_feat_pdu_rec() just filled (frame/index: where the caller would have
 * stored it) in the ring of that PDU's flow and returns the ring (valid
 * until the engine is freed); ma_feat_recent_find() gives a link back
 * (false: no longer there). Every link ma_feat_expand() reads for a PDU of
 * the flow's newest frame is in the ring until the flow's next PDU of a
 * later frame. */
typedef struct ma_feat_recent ma_feat_recent_t;
const ma_feat_recent_t *ma_feat_keep_recent(ma_feat_engine_t *e, const ma_feat_rec_t *rec, uint32_t frame,
                                            uint32_t index);
bool ma_feat_recent_find(const ma_feat_recent_t *rc, uint32_t frame, uint32_t index, ma_feat_link_t *out);

/* Protocol validation of one ADU (docs/features.md, 7): MA_INVALID_* bits. */
uint8_t ma_feat_validate(const uint8_t *adu, uint32_t len, bool is_request, bool strict_unit_id);

/* Shannon entropy (bits) of n bytes; 0 for none. */
double ma_feat_entropy(const uint8_t *p, uint32_t n);

/* Linear-interpolation quantile (numpy's default) of n sorted values. */
double ma_feat_quantile_sorted(const double *sorted, unsigned n, double p);

/* Text of the failed checks of an invalid mask ("unit id, length"). */
void ma_feat_invalid_text(uint8_t invalid, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* MA_FEAT_H */
