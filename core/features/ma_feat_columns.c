/* ma_feat_columns.c - the feature columns: CSV name, field, kind, unit
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One table generates the tree fields, the CSV header and the sidecar
 * (docs/features.md); names are the specification's own.
 */
#include "ma_feat.h"

/* ---- the column table ------------------------------------------------- */

#define F(id, csv, kind, blurb) [id] = { csv, "modbus_an.feature." csv, csv, blurb, kind }
#define O(id, metric, what, kind, blurb) \
    [id] = { metric "_" what, "modbus_an.outlier." metric "." what, metric " " what, blurb, kind }

static const ma_feat_column_t columns[MA_F_COUNT] = {
    F(MA_F_PACKET_LENGTH, "packet_length", MA_FK_UINT, "Modbus ADU size: MBAP header and PDU bytes present (bytes)"),
    F(MA_F_MODBUS_LENGTH, "modbus_length", MA_FK_UINT, "MBAP length field (bytes)"),
    F(MA_F_DATA_LENGTH, "data_length", MA_FK_UINT, "PDU data field length: bytes after the function code (bytes)"),
    F(MA_F_TRANSACTION_ID, "transaction_id", MA_FK_UINT, "MBAP transaction identifier (integer)"),
    F(MA_F_PROTOCOL_ID, "protocol_id", MA_FK_UINT, "MBAP protocol identifier, 0 for Modbus (integer)"),
    F(MA_F_UNIT_ID, "unit_id", MA_FK_UINT, "MBAP unit identifier (integer)"),
    F(MA_F_FUNCTION_CODE, "function_code", MA_FK_UINT, "Function code byte as sent, exception bit included (integer)"),
    F(MA_F_PL_MEAN10, "packet_length_mean_10", MA_FK_REAL, "Mean packet_length over the flow's last 10 PDUs, 0 until 10 (bytes)"),
    F(MA_F_PL_STD10, "packet_length_std_10", MA_FK_REAL, "Population std of packet_length over the last 10 PDUs, 0 until 10 (bytes)"),
    F(MA_F_PL_MAX10, "packet_length_max_10", MA_FK_REAL, "Maximum packet_length over the last 10 PDUs, 0 until 10 (bytes)"),
    F(MA_F_PL_MIN10, "packet_length_min_10", MA_FK_REAL, "Minimum packet_length over the last 10 PDUs, 0 until 10 (bytes)"),
    F(MA_F_PL_CV10, "packet_length_cv_10", MA_FK_REAL, "Coefficient of variation (std/mean) of packet_length over the last 10 PDUs (ratio)"),
    F(MA_F_TD, "time_delta", MA_FK_REAL, "Inter-arrival time since the flow's previous PDU, 0 for its first (seconds)"),
    F(MA_F_TD_MS, "time_delta_ms", MA_FK_REAL, "Inter-arrival time since the flow's previous PDU (milliseconds)"),
    F(MA_F_TD_MEAN10, "time_delta_mean_10", MA_FK_REAL, "Mean of the flow's last 10 inter-arrival times, 0 until 10 (seconds)"),
    F(MA_F_TD_STD10, "time_delta_std_10", MA_FK_REAL, "Population std of the last 10 inter-arrival times (seconds)"),
    F(MA_F_TD_CV10, "time_delta_cv_10", MA_FK_REAL, "Coefficient of variation of the last 10 inter-arrival times (ratio)"),
    F(MA_F_TD_MIN10, "time_delta_min_10", MA_FK_REAL, "Minimum of the last 10 inter-arrival times (seconds)"),
    F(MA_F_TD_MAX10, "time_delta_max_10", MA_FK_REAL, "Maximum of the last 10 inter-arrival times (seconds)"),
    F(MA_F_PE, "payload_entropy", MA_FK_REAL, "Shannon entropy of the PDU data after the function code (bits)"),
    F(MA_F_HE, "header_entropy", MA_FK_REAL, "Shannon entropy of the 7 MBAP header bytes (bits)"),
    F(MA_F_FE, "full_packet_entropy", MA_FK_REAL, "Shannon entropy of the whole ADU (bits)"),
    F(MA_F_PE_MEAN10, "payload_entropy_mean_10", MA_FK_REAL, "Mean payload_entropy over the last 10 PDUs, 0 until 10 (bits)"),
    F(MA_F_PE_STD10, "payload_entropy_std_10", MA_FK_REAL, "Population std of payload_entropy over the last 10 PDUs (bits)"),
    F(MA_F_PE_MAX10, "payload_entropy_max_10", MA_FK_REAL, "Maximum payload_entropy over the last 10 PDUs (bits)"),
    F(MA_F_PE_MIN10, "payload_entropy_min_10", MA_FK_REAL, "Minimum payload_entropy over the last 10 PDUs (bits)"),
    F(MA_F_IS_READ, "is_read_operation", MA_FK_BOOL, "Read operation: function code 1-4 (binary)"),
    F(MA_F_IS_WRITE, "is_write_operation", MA_FK_BOOL, "Write operation: function code 5, 6, 15 or 16 (binary)"),
    F(MA_F_IS_ERROR, "is_error_response", MA_FK_BOOL, "Exception response: function code >= 128 (binary)"),
    F(MA_F_FC_CHANGES, "function_code_changes", MA_FK_BOOL, "Function code differs from the flow's previous PDU (binary)"),
    F(MA_F_FC_STAB10, "function_code_stability_10", MA_FK_REAL, "Share of the last 10 PDUs whose function code did not change, 0 until 10 (ratio)"),
    F(MA_F_UNIQUE_SRC, "unique_src_ips", MA_FK_UINT, "Distinct source IPs sending Modbus to this PDU's destination in the last 60 s (count)"),
    F(MA_F_UNIQUE_DST, "unique_dst_ips", MA_FK_UINT, "Distinct destination IPs of this PDU's source in the last 60 s (count)"),
    F(MA_F_UNIQUE_UNITS, "unique_unit_ids", MA_FK_UINT, "Distinct unit ids on this pair in the last 60 s (count)"),
    F(MA_F_PKTS_SRC, "packets_per_src", MA_FK_UINT, "Modbus PDUs sent by this PDU's source IP in the last 60 s (count)"),
    F(MA_F_PKTS_DST, "packets_per_dst", MA_FK_UINT, "Modbus PDUs sent to this PDU's destination IP in the last 60 s (count)"),
    F(MA_F_PKTS_UNIT, "packets_per_unit", MA_FK_UINT, "Modbus PDUs with this unit id on this pair in the last 60 s (count)"),
    F(MA_F_IS_VALID, "is_valid", MA_FK_BOOL, "Protocol compliance: all four validation checks pass (boolean)"),
    F(MA_F_PID_VALID, "protocol_id_valid", MA_FK_BOOL, "MBAP protocol id is 0 (boolean)"),
    F(MA_F_UNIT_VALID, "unit_id_valid", MA_FK_BOOL, "Unit id in 1-247, or 0/255 unless strict_unit_id (boolean)"),
    F(MA_F_FC_VALID, "function_code_valid", MA_FK_BOOL, "Public or user-defined function code; exception bit only in responses (boolean)"),
    F(MA_F_LEN_CONSISTENT, "length_consistent", MA_FK_BOOL, "MBAP length matches the bytes and the size the function code requires (boolean)"),
    F(MA_F_BURST, "burst_indicator", MA_FK_BOOL, "Inter-arrival time below 5 ms (binary)"),
    F(MA_F_PERIODICITY, "periodicity_score", MA_FK_REAL, "1 - time_delta_cv_10, 0 until the window is full (ratio)"),
    F(MA_F_ENTROPY_STABILITY, "entropy_stability", MA_FK_REAL, "1 / (1 + payload_entropy_std_10), 0 until the window is full (ratio)"),
    F(MA_F_INTENSITY, "traffic_intensity", MA_FK_REAL, "The pair's PDUs in the last 60 s per second of that window (packets per second)"),
    F(MA_F_RW_RATIO, "read_write_ratio", MA_FK_REAL, "Read / max(write, 1) operations on the pair in the last 60 s (ratio)"),
    F(MA_F_ROLL_COUNT, "rolling_count_10", MA_FK_UINT, "PDUs in the 10-PDU rolling window so far, 1-10 (count)"),
    F(MA_F_PKTS_60S, "packets_60s", MA_FK_UINT, "The pair's Modbus PDUs in the last 60 s (count)"),
    F(MA_F_FC_DISTINCT_60S, "fc_distinct_60s", MA_FK_UINT, "Distinct function codes on the pair in the last 60 s (count)"),
    F(MA_F_FC_SHARE_60S, "fc_share_60s", MA_FK_REAL, "Share of the pair's last-60 s PDUs with this function code (ratio)"),
    F(MA_F_VIOLATION_60S, "violation_rate_60s", MA_FK_REAL, "Share of the pair's last-60 s PDUs that fail validation (ratio)"),
    F(MA_F_WINDOW_TRUNCATED, "window_truncated", MA_FK_BOOL, "The 60 s window hit its bound and dropped PDUs early (boolean)"),
    F(MA_F_SESS_PACKETS, "session_packets", MA_FK_UINT, "PDUs of this TCP connection so far (count)"),
    F(MA_F_SESS_DURATION, "session_duration", MA_FK_REAL, "Time since the connection's first PDU (seconds)"),
    F(MA_F_SESS_DOMINANT_FC, "session_dominant_function_code", MA_FK_UINT, "Most frequent function code on the connection so far, ties to the lowest (integer)"),
    F(MA_F_SESS_PAIRING, "session_pairing_ratio", MA_FK_REAL, "Responses paired / requests on the connection so far (ratio)"),
    F(MA_F_RESPONSE_TIME, "response_time", MA_FK_REAL, "Response time of the transaction this response answers (seconds)"),
    O(MA_F_OUT_RT_Z, "response_time", "zscore", MA_FK_REAL, "Response time z-score against the pair's last 100 response times (sigma)"),
    O(MA_F_OUT_RT_SIGMA, "response_time", "sigma", MA_FK_UINT, "Response time beyond 2 (investigate) or 3 (strong) sigma: 0, 2 or 3 (level)"),
    O(MA_F_OUT_RT_IQR, "response_time", "iqr", MA_FK_BOOL, "Response time outside Q1 - 1.5 IQR .. Q3 + 1.5 IQR of the pair's history (boolean)"),
    O(MA_F_OUT_TD_Z, "time_delta", "zscore", MA_FK_REAL, "Inter-arrival time z-score against the flow's last 100 (sigma)"),
    O(MA_F_OUT_TD_SIGMA, "time_delta", "sigma", MA_FK_UINT, "Inter-arrival time beyond 2 or 3 sigma: 0, 2 or 3 (level)"),
    O(MA_F_OUT_TD_IQR, "time_delta", "iqr", MA_FK_BOOL, "Inter-arrival time outside the IQR fences of the flow's history (boolean)"),
    O(MA_F_OUT_PL_Z, "packet_length", "zscore", MA_FK_REAL, "packet_length z-score against the flow's last 100 (sigma)"),
    O(MA_F_OUT_PL_SIGMA, "packet_length", "sigma", MA_FK_UINT, "packet_length beyond 2 or 3 sigma: 0, 2 or 3 (level)"),
    O(MA_F_OUT_PL_IQR, "packet_length", "iqr", MA_FK_BOOL, "packet_length outside the IQR fences of the flow's history (boolean)"),
    O(MA_F_OUT_PE_Z, "payload_entropy", "zscore", MA_FK_REAL, "payload_entropy z-score against the flow's last 100 (sigma)"),
    O(MA_F_OUT_PE_SIGMA, "payload_entropy", "sigma", MA_FK_UINT, "payload_entropy beyond 2 or 3 sigma: 0, 2 or 3 (level)"),
    O(MA_F_OUT_PE_IQR, "payload_entropy", "iqr", MA_FK_BOOL, "payload_entropy outside the IQR fences of the flow's history (boolean)"),
};

const ma_feat_column_t *ma_feat_columns(void)
{
    return columns;
}

const char *ma_feat_metric_name(ma_out_metric_t m)
{
    static const char *const names[MA_OUT_N] = {"response_time", "time_delta", "packet_length",
                                                "payload_entropy"};
    return (unsigned)m < MA_OUT_N ? names[m] : "?";
}
