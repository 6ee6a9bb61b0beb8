/* ma_feat.c - per-PDU Modbus features (see ma_feat.h and docs/features.md)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_feat.h"

#include <glib.h>
#include <limits.h>
#include <math.h>
#include <string.h>

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

/* ---- small statistics ---------------------------------------------------- */

/* log2 of 0..65535 (log2tab[0] unused), filled once. */
static double log2tab[65536];

static void log2tab_init(void)
{
    static gsize done = 0;
    if (g_once_init_enter(&done)) {
        for (unsigned k = 1; k < 65536; k++)
            log2tab[k] = log2((double)k);
        g_once_init_leave(&done, 1);
    }
}

/* A byte-value histogram with the set of values present, so that the
 * entropy visits only those, in increasing byte value (docs/features.md). */
typedef struct {
    uint16_t count[256];
    uint64_t present[4];
} hist256_t;

static void h256_add(hist256_t *h, uint8_t b)
{
    if (h->count[b]++ == 0)
        h->present[b >> 6] |= UINT64_C(1) << (b & 63);
}

static void h256_sub(hist256_t *h, uint8_t b)
{
    if (--h->count[b] == 0)
        h->present[b >> 6] &= ~(UINT64_C(1) << (b & 63));
}

/* H = -sum q log2 q with log2 q = log2 c - log2 n (n < 65536). */
static double h256_entropy(const hist256_t *h, uint32_t n)
{
    if (n == 0)
        return 0.0;
    double h_ = 0.0, ln = log2tab[n], dn = (double)n;
    for (unsigned w = 0; w < 4; w++) {
        uint64_t bits = h->present[w];
        while (bits) {
            unsigned b = (w << 6) | (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            uint16_t c = h->count[b];
            h_ -= ((double)c / dn) * (log2tab[c] - ln);
        }
    }
    return h_;
}

double ma_feat_entropy(const uint8_t *p, uint32_t n)
{
    if (n == 0)
        return 0.0;
    if (n < 65536) {
        log2tab_init();
        hist256_t h;
        memset(&h, 0, sizeof h);
        for (uint32_t i = 0; i < n; i++)
            h256_add(&h, p[i]);
        return h256_entropy(&h, n);
    }
    uint32_t *big = g_new0(uint32_t, 256);
    for (uint32_t i = 0; i < n; i++)
        big[p[i]]++;
    double h = 0.0;
    for (unsigned b = 0; b < 256; b++) {
        if (big[b]) {
            double q = (double)big[b] / (double)n;
            h -= q * log2(q);
        }
    }
    g_free(big);
    return h;
}

double ma_feat_quantile_sorted(const double *s, unsigned n, double p)
{
    if (n == 0)
        return 0.0;
    double pos = (double)(n - 1) * p;
    unsigned lo = (unsigned)floor(pos);
    if (lo + 1 >= n)
        return s[n - 1];
    double frac = pos - (double)lo;
    return s[lo] + (s[lo + 1] - s[lo]) * frac;
}

/* mean, population std, min, max of n values in x[0..n) (chronological). */
typedef struct { double mean, std, min, max; } summary_t;

static summary_t summarize(const double *x, unsigned n)
{
    summary_t s = {0, 0, 0, 0};
    if (n == 0)
        return s;
    double sum = 0.0;
    s.min = s.max = x[0];
    for (unsigned i = 0; i < n; i++) {
        sum += x[i];
        if (x[i] < s.min)
            s.min = x[i];
        if (x[i] > s.max)
            s.max = x[i];
    }
    s.mean = sum / n;
    double ss = 0.0;
    for (unsigned i = 0; i < n; i++)
        ss += (x[i] - s.mean) * (x[i] - s.mean);
    s.std = sqrt(ss / n);
    return s;
}

/* A ring of the last `cap` doubles; ring_linear copies them oldest first. */
typedef struct {
    double  *v;
    unsigned cap, n, head; /* head: index of the oldest */
} ring_t;

static void ring_push(ring_t *r, double x, double *evicted, bool *did_evict)
{
    *did_evict = false;
    if (r->n < r->cap) {
        r->v[(r->head + r->n) % r->cap] = x;
        r->n++;
    } else {
        *evicted = r->v[r->head];
        *did_evict = true;
        r->v[r->head] = x;
        r->head = (r->head + 1) % r->cap;
    }
}

static void ring_linear(const ring_t *r, double *out)
{
    for (unsigned i = 0; i < r->n; i++)
        out[i] = r->v[(r->head + i) % r->cap];
}

/* ---- outlier history: ring plus a sorted copy for quartiles ------------- */

typedef struct {
    double   ring_v[MA_FEAT_HIST];
    double   sorted[MA_FEAT_HIST];
    ring_t   ring;
    /* Integer metrics (lengths, times in ns) keep exact sums: the z-score
     * is then (n x - S1) / sqrt(n S2 - S1^2) with one rounding, and a
     * constant history has exactly zero variance. Values beyond 2^40 make
     * the sums unsafe in 128 bits: `big` counts them in the history and
     * the two-pass formula on doubles is used while any is there. */
    int64_t  iring[MA_FEAT_HIST];
    int64_t  s1;
    __int128 s2;
    unsigned big;
} hist_t;

#define HIST_INT_MAX (INT64_C(1) << 40)

static hist_t *hist_new(void)
{
    hist_t *h = g_new0(hist_t, 1);
    h->ring.v = h->ring_v;
    h->ring.cap = MA_FEAT_HIST;
    return h;
}

static unsigned lower_bound(const double *s, unsigned n, double x)
{
    unsigned lo = 0, hi = n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (s[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void hist_add(hist_t *h, double x)
{
    double old;
    bool evicted;
    unsigned n = h->ring.n;
    ring_push(&h->ring, x, &old, &evicted);
    if (evicted) {
        unsigned i = lower_bound(h->sorted, n, old);
        memmove(&h->sorted[i], &h->sorted[i + 1], (n - i - 1) * sizeof(double));
        n--;
    }
    unsigned j = lower_bound(h->sorted, n, x);
    memmove(&h->sorted[j + 1], &h->sorted[j], (n - j) * sizeof(double));
    h->sorted[j] = x;
}

/* Zero variance up to rounding: the mean of a constant non-integer history
 * (e.g. entropies) need not be exactly that constant, leaving a std of a
 * few 1e-16 (docs/features.md: std <= 1e-9 |mean| counts as 0). */
static bool std_is_zero(double std, double mean)
{
    return std <= 1e-9 * fabs(mean);
}

/* Record z and the IQR test of x against the history's quartiles. */
static void judge(const hist_t *h, double x, double z, ma_feat_rec_t *r, ma_out_metric_t m)
{
    unsigned n = h->ring.n;
    double az = fabs(z);
    double q1 = ma_feat_quantile_sorted(h->sorted, n, 0.25);
    double q3 = ma_feat_quantile_sorted(h->sorted, n, 0.75);
    double iqr = q3 - q1;
    r->z[m] = z;
    /* 1e-9 slack: a z exactly on a threshold is not decided by rounding */
    r->sigma[m] = az > 3.0 + 1e-9 ? 3 : az > 2.0 + 1e-9 ? 2 : 0;
    if (x < q1 - 1.5 * iqr || x > q3 + 1.5 * iqr)
        r->bits |= MA_REC_IQR(m);
    r->present |= MA_FEAT_HAS_OUT(m);
}

/* Judge x against the history (docs/features.md, Outliers), then add it.
 * Writes the z, sigma and iqr columns starting at col and sets the presence
 * bit when judged. The spec's thresholds: +-2 sigma investigate, +-3 sigma
 * strong, IQR fences Q1 - 1.5 IQR and Q3 + 1.5 IQR. */
static void hist_judge_add(hist_t *h, double x, ma_feat_rec_t *r, ma_out_metric_t m)
{
    unsigned n = h->ring.n;
    if (n >= MA_FEAT_HIST_MIN) {
        double lin[MA_FEAT_HIST];
        ring_linear(&h->ring, lin);
        summary_t s = summarize(lin, n);
        double z = std_is_zero(s.std, s.mean) ? 0.0 : (x - s.mean) / s.std;
        judge(h, x, z, r, m);
    }
    hist_add(h, x);
}

/* The same for an integer metric xi (value xi / div); exact sums. */
static void hist_judge_add_int(hist_t *h, int64_t xi, double div, ma_feat_rec_t *r, ma_out_metric_t m)
{
    unsigned n = h->ring.n;
    bool xbig = xi > HIST_INT_MAX || xi < -HIST_INT_MAX;
    double x = (double)xi / div; /* as the feature itself: ns / 1e9 */
    if (n >= MA_FEAT_HIST_MIN) {
        double z;
        if (h->big || xbig) {
            double lin[MA_FEAT_HIST];
            ring_linear(&h->ring, lin);
            summary_t s = summarize(lin, n);
            z = std_is_zero(s.std, s.mean) ? 0.0 : (x - s.mean) / s.std;
        } else {
            __int128 var_n2 = (__int128)n * h->s2 - (__int128)h->s1 * h->s1; /* n^2 var */
            __int128 num = (__int128)n * xi - h->s1;                          /* n (x - mean) */
            double sd_n = sqrt((double)var_n2); /* n std */
            z = std_is_zero(sd_n, (double)h->s1) ? 0.0 : (double)num / sd_n;
        }
        judge(h, x, z, r, m);
    }
    /* keep the exact sums and the integer ring in step with hist_add */
    unsigned slot = (h->ring.head + h->ring.n) % h->ring.cap;
    if (h->ring.n == h->ring.cap) {
        slot = h->ring.head;
        int64_t old = h->iring[slot];
        if (old > HIST_INT_MAX || old < -HIST_INT_MAX)
            h->big--;
        else {
            h->s1 -= old;
            h->s2 -= (__int128)old * old;
        }
    }
    h->iring[slot] = xi;
    if (xbig)
        h->big++;
    else {
        h->s1 += xi;
        h->s2 += (__int128)xi * xi;
    }
    hist_add(h, x);
}


/* ---- engine state -------------------------------------------------------- */

/* A rolling flow: one connection, or one direction of it. */
typedef struct {
    double   len_v[MA_FEAT_ROLL], pe_v[MA_FEAT_ROLL], same_v[MA_FEAT_ROLL], td_v[MA_FEAT_ROLL];
    ring_t   len, pe, same, td;
    ma_ns_t  last_ts;
    uint64_t pdus;
    uint8_t  last_fc;
    hist_t  *h_td, *h_pl, *h_pe;
} flow_t;

/* A connection's session features. */
typedef struct {
    ma_ns_t  first_ts;
    uint64_t pdus, requests, paired;
    uint32_t fc_count[256];
    uint8_t  dominant;
} sess_t;

/* An IP address's live counts in the 60 s window. */
typedef struct {
    ma_addr_t addr;
    uint32_t  sent, received;   /* PDUs in the window */
    uint32_t  out_edges, in_edges; /* distinct peers with live PDUs */
} ipw_t;

typedef struct {
    ipw_t   *src, *dst;
    uint32_t count;
} edge_t;

/* A pair's 60 s window and response-time history. */
typedef struct {
    ma_ns_t  first_ts;
    uint32_t packets, invalid, reads, writes;
    uint32_t fc_count[256], unit_count[256];
    uint32_t fc_distinct, unit_distinct;
    hist_t  *h_rt;
} pairw_t;

typedef struct {
    ma_ns_t  ts;
    pairw_t *pair;     /* NULL: no pair */
    edge_t  *edge;
    uint8_t  fc, unit;
    uint8_t  invalid, read, write;
} event_t;

struct ma_feat_engine {
    ma_feat_config_t cfg;
    GHashTable *flows;   /* (stream << 1 | dir) -> flow_t */
    GHashTable *sess;    /* stream -> sess_t */
    GHashTable *ips;     /* ma_addr_t -> ipw_t */
    GHashTable *edges;   /* (ipw_t *, ipw_t *) -> edge_t */
    GHashTable *pairs;   /* pair id -> pairw_t */
    event_t    *ev;      /* ring of MA_FEAT_WINDOW_MAX */
    uint32_t    ev_head, ev_n;
    /* the previous PDU's entries: PDUs come in runs of one connection */
    uint64_t    last_fkey;
    flow_t     *last_flow;
    uint32_t    last_stream;
    sess_t     *last_sess;
    uint32_t    last_pair_id;
    pairw_t    *last_pw;
    edge_t     *last_edge;   /* cleared when freed */
};

static guint addr_hash(gconstpointer k)
{
    const ma_addr_t *a = k;
    guint h = 2166136261u;
    for (unsigned i = 0; i < a->len; i++)
        h = (h ^ a->bytes[i]) * 16777619u;
    return h ^ a->len;
}

static gboolean addr_eq(gconstpointer a, gconstpointer b)
{
    return ma_addr_equal(a, b);
}

static guint edge_hash(gconstpointer k)
{
    const edge_t *e = k;
    return g_direct_hash(e->src) * 31u ^ g_direct_hash(e->dst);
}

static gboolean edge_eq(gconstpointer a, gconstpointer b)
{
    const edge_t *x = a, *y = b;
    return x->src == y->src && x->dst == y->dst;
}

static void flow_free(gpointer p)
{
    flow_t *f = p;
    g_free(f->h_td);
    g_free(f->h_pl);
    g_free(f->h_pe);
    g_free(f);
}

static void pairw_free(gpointer p)
{
    pairw_t *w = p;
    g_free(w->h_rt);
    g_free(w);
}

ma_feat_engine_t *ma_feat_new(const ma_feat_config_t *cfg)
{
    log2tab_init();
    ma_feat_engine_t *e = g_new0(ma_feat_engine_t, 1);
    e->cfg = *cfg;
    e->flows = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, flow_free);
    e->sess = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    e->ips = g_hash_table_new_full(addr_hash, addr_eq, NULL, g_free);
    e->edges = g_hash_table_new_full(edge_hash, edge_eq, NULL, g_free);
    e->pairs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, pairw_free);
    e->ev = g_new(event_t, MA_FEAT_WINDOW_MAX);
    return e;
}

void ma_feat_free(ma_feat_engine_t *e)
{
    if (!e)
        return;
    g_hash_table_destroy(e->flows);
    g_hash_table_destroy(e->sess);
    g_hash_table_destroy(e->edges);
    g_hash_table_destroy(e->ips);
    g_hash_table_destroy(e->pairs);
    g_free(e->ev);
    g_free(e);
}

/* ---- validation (Modbus Application Protocol v1.1b3; docs/features.md 7) - */

static bool fc_known(uint8_t base)
{
    switch (base) {
    case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8:
    case 11: case 12: case 15: case 16: case 17:
    case 20: case 21: case 22: case 23: case 24: case 43:
        return true;
    default:
        return (base >= 65 && base <= 72) || (base >= 100 && base <= 110);
    }
}

/* The PDU size the function code requires (v1.1b3 6.1-6.17 and 7), or -1
 * when it does not fix one. pdu points at the function code. */
static long required_pdu_size(const uint8_t *pdu, uint32_t n, bool is_request)
{
    uint8_t fc = pdu[0];
    if (fc & 0x80)
        return is_request ? -1 : 2; /* exception response: fc | 0x80, code */
#define BC(off) ((off) < n ? (long)pdu[(off)] : LONG_MAX)
    switch (fc) {
    case 1: case 2: case 3: case 4:
        return is_request ? 5 : (BC(1) == LONG_MAX ? LONG_MAX : 2 + BC(1));
    case 5: case 6:
        return 5;
    case 15: case 16:
        return is_request ? (BC(5) == LONG_MAX ? LONG_MAX : 6 + BC(5)) : 5;
    case 23:
        if (is_request)
            return BC(9) == LONG_MAX ? LONG_MAX : 10 + BC(9);
        return BC(1) == LONG_MAX ? LONG_MAX : 2 + BC(1);
    default:
        return -1;
    }
#undef BC
}

uint8_t ma_feat_validate(const uint8_t *adu, uint32_t len, bool is_request, bool strict_unit_id)
{
    uint8_t bad = 0;
    if (len < 4 || adu[2] != 0 || adu[3] != 0)
        bad |= MA_INVALID_PROTOCOL_ID;
    if (len < 7)
        return bad | MA_INVALID_UNIT_ID | MA_INVALID_FC | MA_INVALID_LENGTH;
    uint8_t unit = adu[6];
    bool unit_ok = strict_unit_id ? (unit >= 1 && unit <= 247) : (unit <= 247 || unit == 255);
    if (!unit_ok)
        bad |= MA_INVALID_UNIT_ID;
    if (len < 8) {
        bad |= MA_INVALID_FC | MA_INVALID_LENGTH;
        return bad;
    }
    uint8_t fc = adu[7];
    if (!fc_known(fc & 0x7f) || ((fc & 0x80) && is_request))
        bad |= MA_INVALID_FC;
    uint32_t mlen = ((uint32_t)adu[4] << 8) | adu[5];
    if (mlen < 2 || mlen + 6 != len) {
        bad |= MA_INVALID_LENGTH;
    } else {
        long need = required_pdu_size(adu + 7, len - 7, is_request);
        if (need >= 0 && need != (long)(len - 7))
            bad |= MA_INVALID_LENGTH;
    }
    return bad;
}

void ma_feat_invalid_text(uint8_t invalid, char *buf, size_t size)
{
    static const char *const names[] = {"protocol id", "unit id", "function code", "length"};
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < 4 && used < size; i++) {
        if (invalid & (1u << i))
            used += (size_t)g_snprintf(buf + used, (gulong)(size - used), "%s%s", used ? ", " : "", names[i]);
    }
}

/* ---- the 60 s window ------------------------------------------------------ */

static ipw_t *ip_get(ma_feat_engine_t *e, const ma_addr_t *a)
{
    ipw_t *w = g_hash_table_lookup(e->ips, a);
    if (!w) {
        w = g_new0(ipw_t, 1);
        w->addr = *a;
        g_hash_table_insert(e->ips, &w->addr, w);
    }
    return w;
}

static void ip_maybe_drop(ma_feat_engine_t *e, ipw_t *w)
{
    if (w->sent == 0 && w->received == 0)
        g_hash_table_remove(e->ips, &w->addr);
}

static void event_expire_one(ma_feat_engine_t *e)
{
    event_t *ev = &e->ev[e->ev_head];
    e->ev_head = (e->ev_head + 1) % MA_FEAT_WINDOW_MAX;
    e->ev_n--;
    pairw_t *p = ev->pair;
    if (p) {
        p->packets--;
        p->invalid -= ev->invalid;
        p->reads -= ev->read;
        p->writes -= ev->write;
        if (--p->fc_count[ev->fc] == 0)
            p->fc_distinct--;
        if (--p->unit_count[ev->unit] == 0)
            p->unit_distinct--;
    }
    edge_t *ed = ev->edge;
    ipw_t *src = ed->src, *dst = ed->dst;
    src->sent--;
    dst->received--;
    if (--ed->count == 0) {
        src->out_edges--;
        dst->in_edges--;
        if (e->last_edge == ed)
            e->last_edge = NULL;
        g_hash_table_remove(e->edges, ed);
    }
    ip_maybe_drop(e, src);
    if (dst != src)
        ip_maybe_drop(e, dst);
}

/* Add the PDU to the window after expiring what is 60 s old; true if the
 * window's bound made an unexpired PDU leave. */
static bool window_add(ma_feat_engine_t *e, const ma_feat_in_t *in, pairw_t *pw, uint8_t fc,
                       uint8_t unit, bool invalid, bool rd, bool wr, ipw_t **srcp, ipw_t **dstp)
{
    while (e->ev_n && e->ev[e->ev_head].ts <= in->ts - MA_FEAT_WINDOW_NS)
        event_expire_one(e);
    bool truncated = false;
    if (e->ev_n == MA_FEAT_WINDOW_MAX) {
        event_expire_one(e);
        truncated = true;
    }
    ipw_t *src, *dst;
    edge_t *ed = e->last_edge;
    if (ed && ma_addr_equal(&ed->src->addr, &in->src) && ma_addr_equal(&ed->dst->addr, &in->dst)) {
        src = ed->src; /* live: the edge has PDUs in the window, so its IPs too */
        dst = ed->dst;
    } else {
        src = ip_get(e, &in->src);
        dst = ip_get(e, &in->dst);
        edge_t key = {src, dst, 0};
        ed = g_hash_table_lookup(e->edges, &key);
    }
    if (!ed) {
        ed = g_new0(edge_t, 1);
        ed->src = src;
        ed->dst = dst;
        g_hash_table_add(e->edges, ed);
    }
    e->last_edge = ed;
    if (ed->count++ == 0) {
        src->out_edges++;
        dst->in_edges++;
    }
    src->sent++;
    dst->received++;
    if (pw) {
        pw->packets++;
        pw->invalid += invalid;
        pw->reads += rd;
        pw->writes += wr;
        if (pw->fc_count[fc]++ == 0)
            pw->fc_distinct++;
        if (pw->unit_count[unit]++ == 0)
            pw->unit_distinct++;
    }
    event_t *ev = &e->ev[(e->ev_head + e->ev_n) % MA_FEAT_WINDOW_MAX];
    e->ev_n++;
    ev->ts = in->ts;
    ev->pair = pw;
    ev->edge = ed;
    ev->fc = fc;
    ev->unit = unit;
    ev->invalid = invalid;
    ev->read = rd;
    ev->write = wr;
    *srcp = src;
    *dstp = dst;
    return truncated;
}

/* ---- per PDU -------------------------------------------------------------- */

static flow_t *flow_get(ma_feat_engine_t *e, uint64_t key)
{
    if (e->last_flow && e->last_fkey == key)
        return e->last_flow;
    flow_t *f = g_hash_table_lookup(e->flows, &key);
    if (!f) {
        f = g_new0(flow_t, 1);
        f->len = (ring_t){f->len_v, MA_FEAT_ROLL, 0, 0};
        f->pe = (ring_t){f->pe_v, MA_FEAT_ROLL, 0, 0};
        f->same = (ring_t){f->same_v, MA_FEAT_ROLL, 0, 0};
        f->td = (ring_t){f->td_v, MA_FEAT_ROLL, 0, 0};
        gint64 *k = g_new(gint64, 1);
        *k = (gint64)key;
        g_hash_table_insert(e->flows, k, f);
    }
    e->last_fkey = key;
    e->last_flow = f;
    return f;
}

static void roll_push(ring_t *r, double x)
{
    double old;
    bool ev;
    ring_push(r, x, &old, &ev);
}

static bool roll_summary(const ring_t *r, summary_t *s)
{
    if (r->n < MA_FEAT_ROLL)
        return false;
    double lin[MA_FEAT_ROLL];
    ring_linear(r, lin);
    *s = summarize(lin, r->n);
    return true;
}

void ma_feat_pdu_rec(ma_feat_engine_t *e, const ma_feat_in_t *in, ma_feat_rec_t *r)
{
    memset(r, 0, sizeof *r);
    const uint8_t *a = in->adu;
    uint32_t n = in->adu_len;

    /* 1. basic */
    r->len = n;
    r->tid = n >= 2 ? (uint16_t)(a[0] << 8 | a[1]) : 0;
    r->pid = n >= 4 ? (uint16_t)(a[2] << 8 | a[3]) : 0;
    r->mlen = n >= 6 ? (uint16_t)(a[4] << 8 | a[5]) : 0;
    r->unit = n >= 7 ? a[6] : 0;
    uint8_t fc = n >= 8 ? a[7] : 0;
    r->fc = fc;

    /* 4. entropy of the data, the header and the whole ADU: one count of
     * the whole ADU; the data's is that minus the header and the fc. */
    if (n < 65536) {
        hist256_t all, hdr;
        memset(&all, 0, sizeof all);
        memset(&hdr, 0, sizeof hdr);
        uint32_t nh = n < 7 ? n : 7;
        for (uint32_t i = 0; i < nh; i++)
            h256_add(&hdr, a[i]);
        for (uint32_t i = 0; i < n; i++)
            h256_add(&all, a[i]);
        r->fe = h256_entropy(&all, n);
        r->he = h256_entropy(&hdr, nh);
        if (n > 8) {
            for (uint32_t i = 0; i < 8; i++)
                h256_sub(&all, a[i]);
            r->pe = h256_entropy(&all, n - 8);
        }
    } else {
        r->fe = ma_feat_entropy(a, n);
        r->he = ma_feat_entropy(a, 7);
        r->pe = ma_feat_entropy(a + 8, n - 8);
    }
    double pe = r->pe;

    bool rd = fc >= 1 && fc <= 4;
    bool wr = fc == 5 || fc == 6 || fc == 15 || fc == 16;

    /* 7. validation */
    r->invalid = ma_feat_validate(a, n, in->is_request, e->cfg.strict_unit_id);

    /* 2.-5. rolling windows of the flow */
    uint64_t fkey = (uint64_t)in->stream << 1 | (e->cfg.split_direction && !in->is_request);
    flow_t *f = flow_get(e, fkey);
    bool has_td = f->pdus > 0;
    ma_ns_t td_ns = has_td ? in->ts - f->last_ts : 0;
    double td = (double)td_ns / 1e9;
    bool changed = has_td && fc != f->last_fc;
    f->pdus++;
    f->last_ts = in->ts;
    f->last_fc = fc;
    roll_push(&f->len, (double)n);
    roll_push(&f->pe, pe);
    roll_push(&f->same, changed ? 0.0 : 1.0);
    if (has_td)
        roll_push(&f->td, td);
    r->td_ns = td_ns;
    r->roll_count = (uint8_t)f->len.n;
    if (changed)
        r->bits |= MA_REC_CHANGED;
    if (has_td && td_ns < MA_FEAT_BURST_NS)
        r->bits |= MA_REC_BURST;
    summary_t s;
    if (roll_summary(&f->len, &s)) {
        r->pl_mean = s.mean;
        r->pl_std = s.std;
        r->pl_max = (uint32_t)s.max;
        r->pl_min = (uint32_t)s.min;
    }
    if (roll_summary(&f->pe, &s)) {
        r->pe_mean = s.mean;
        r->pe_std = s.std;
        r->pe_max = s.max;
        r->pe_min = s.min;
    }
    if (f->same.n == MA_FEAT_ROLL) {
        unsigned c = 0;
        for (unsigned i = 0; i < MA_FEAT_ROLL; i++)
            c += f->same.v[i] != 0.0;
        r->same_count = (uint8_t)c;
    }
    if (roll_summary(&f->td, &s)) {
        r->td_mean = s.mean;
        r->td_std = s.std;
        r->td_min = s.min;
        r->td_max = s.max;
        r->bits |= MA_REC_TD_FULL;
    }

    /* outliers of the flow's metrics */
    if (has_td) {
        if (!f->h_td)
            f->h_td = hist_new();
        hist_judge_add_int(f->h_td, td_ns, 1e9, r, MA_OUT_TD);
    }
    if (!f->h_pl)
        f->h_pl = hist_new();
    hist_judge_add_int(f->h_pl, (int64_t)n, 1.0, r, MA_OUT_PL);
    if (!f->h_pe)
        f->h_pe = hist_new();
    hist_judge_add(f->h_pe, pe, r, MA_OUT_PE);

    /* 6. the 60 s window */
    pairw_t *pw = NULL;
    if (in->pair) {
        pw = e->last_pw && e->last_pair_id == in->pair->id
                 ? e->last_pw : g_hash_table_lookup(e->pairs, GUINT_TO_POINTER(in->pair->id + 1));
        if (!pw) {
            pw = g_new0(pairw_t, 1);
            pw->first_ts = in->ts;
            g_hash_table_insert(e->pairs, GUINT_TO_POINTER(in->pair->id + 1), pw);
        }
        e->last_pw = pw;
        e->last_pair_id = in->pair->id;
    }
    ipw_t *src, *dst;
    if (window_add(e, in, pw, fc, r->unit, r->invalid != 0, rd, wr, &src, &dst))
        r->bits |= MA_REC_TRUNCATED;
    r->uniq_src = dst->in_edges;
    r->uniq_dst = src->out_edges;
    r->pkts_src = src->sent;
    r->pkts_dst = dst->received;
    if (pw) {
        r->uniq_units = pw->unit_distinct;
        r->pkts_unit = pw->unit_count[r->unit];
        r->pkts_60s = pw->packets;
        r->fc_distinct_60s = pw->fc_distinct;
        r->fc_count_60s = pw->fc_count[fc];
        r->invalid_60s = pw->invalid;
        r->reads_60s = pw->reads;
        r->writes_60s = pw->writes;
        ma_ns_t span = in->ts - pw->first_ts;
        if (span > MA_FEAT_WINDOW_NS)
            span = MA_FEAT_WINDOW_NS;
        if (span < MA_NS_PER_SEC)
            span = MA_NS_PER_SEC;
        r->span_ns = span;
        if (in->paired_response) {
            if (!pw->h_rt)
                pw->h_rt = hist_new();
            hist_judge_add_int(pw->h_rt, in->response_time, 1e9, r, MA_OUT_RT);
        }
    }
    if (in->paired_response) {
        r->rt_ns = in->response_time;
        r->present |= MA_FEAT_HAS_RT;
    }

    /* session of the connection */
    sess_t *ss = e->last_sess && e->last_stream == in->stream
                     ? e->last_sess : g_hash_table_lookup(e->sess, GUINT_TO_POINTER(in->stream + 1));
    if (!ss) {
        ss = g_new0(sess_t, 1);
        ss->first_ts = in->ts;
        ss->dominant = fc;
        g_hash_table_insert(e->sess, GUINT_TO_POINTER(in->stream + 1), ss);
    }
    e->last_sess = ss;
    e->last_stream = in->stream;
    ss->pdus++;
    ss->requests += in->is_request;
    ss->paired += in->paired_response;
    uint32_t c = ++ss->fc_count[fc];
    if (c > ss->fc_count[ss->dominant] || (c == ss->fc_count[ss->dominant] && fc < ss->dominant))
        ss->dominant = fc;
    r->sess_packets = (uint32_t)MIN(ss->pdus, UINT32_MAX);
    r->sess_requests = (uint32_t)MIN(ss->requests, UINT32_MAX);
    r->sess_paired = (uint32_t)MIN(ss->paired, UINT32_MAX);
    r->sess_dur_ns = in->ts - ss->first_ts;
    r->sess_dominant = ss->dominant;
}

void ma_feat_expand(const ma_feat_rec_t *r, ma_feat_t *out)
{
    double *v = out->v;
    out->present = r->present;
    out->invalid = r->invalid;
    out->fc = r->fc;
    out->td_full = (r->bits & MA_REC_TD_FULL) != 0;
    uint8_t fc = r->fc;
    bool roll_full = r->roll_count >= MA_FEAT_ROLL;

    v[MA_F_PACKET_LENGTH] = r->len;
    v[MA_F_MODBUS_LENGTH] = r->mlen;
    v[MA_F_DATA_LENGTH] = r->len > 8 ? r->len - 8 : 0;
    v[MA_F_TRANSACTION_ID] = r->tid;
    v[MA_F_PROTOCOL_ID] = r->pid;
    v[MA_F_UNIT_ID] = r->unit;
    v[MA_F_FUNCTION_CODE] = fc;

    v[MA_F_PL_MEAN10] = r->pl_mean;
    v[MA_F_PL_STD10] = r->pl_std;
    v[MA_F_PL_MAX10] = roll_full ? r->pl_max : 0;
    v[MA_F_PL_MIN10] = roll_full ? r->pl_min : 0;
    v[MA_F_PL_CV10] = r->pl_mean != 0.0 ? r->pl_std / r->pl_mean : 0.0;

    double td = (double)r->td_ns / 1e9;
    v[MA_F_TD] = td;
    v[MA_F_TD_MS] = td * 1000.0;
    v[MA_F_TD_MEAN10] = r->td_mean;
    v[MA_F_TD_STD10] = r->td_std;
    v[MA_F_TD_CV10] = r->td_mean != 0.0 ? r->td_std / r->td_mean : 0.0;
    v[MA_F_TD_MIN10] = r->td_min;
    v[MA_F_TD_MAX10] = r->td_max;

    v[MA_F_PE] = r->pe;
    v[MA_F_HE] = r->he;
    v[MA_F_FE] = r->fe;
    v[MA_F_PE_MEAN10] = r->pe_mean;
    v[MA_F_PE_STD10] = r->pe_std;
    v[MA_F_PE_MAX10] = r->pe_max;
    v[MA_F_PE_MIN10] = r->pe_min;

    bool rd = fc >= 1 && fc <= 4;
    bool wr = fc == 5 || fc == 6 || fc == 15 || fc == 16;
    v[MA_F_IS_READ] = rd;
    v[MA_F_IS_WRITE] = wr;
    v[MA_F_IS_ERROR] = fc >= 128;
    v[MA_F_FC_CHANGES] = (r->bits & MA_REC_CHANGED) != 0;
    v[MA_F_FC_STAB10] = roll_full ? (double)r->same_count / (double)MA_FEAT_ROLL : 0.0;

    v[MA_F_UNIQUE_SRC] = r->uniq_src;
    v[MA_F_UNIQUE_DST] = r->uniq_dst;
    v[MA_F_UNIQUE_UNITS] = r->uniq_units;
    v[MA_F_PKTS_SRC] = r->pkts_src;
    v[MA_F_PKTS_DST] = r->pkts_dst;
    v[MA_F_PKTS_UNIT] = r->pkts_unit;

    v[MA_F_PID_VALID] = !(r->invalid & MA_INVALID_PROTOCOL_ID);
    v[MA_F_UNIT_VALID] = !(r->invalid & MA_INVALID_UNIT_ID);
    v[MA_F_FC_VALID] = !(r->invalid & MA_INVALID_FC);
    v[MA_F_LEN_CONSISTENT] = !(r->invalid & MA_INVALID_LENGTH);
    v[MA_F_IS_VALID] = r->invalid == 0;

    v[MA_F_BURST] = (r->bits & MA_REC_BURST) != 0;
    v[MA_F_PERIODICITY] = out->td_full ? 1.0 - v[MA_F_TD_CV10] : 0.0;
    v[MA_F_ENTROPY_STABILITY] = roll_full ? 1.0 / (1.0 + r->pe_std) : 0.0;
    v[MA_F_INTENSITY] = r->pkts_60s ? (double)r->pkts_60s / ((double)r->span_ns / 1e9) : 0.0;
    v[MA_F_RW_RATIO] = (double)r->reads_60s / (r->writes_60s ? r->writes_60s : 1);

    v[MA_F_ROLL_COUNT] = r->roll_count;
    v[MA_F_PKTS_60S] = r->pkts_60s;
    v[MA_F_FC_DISTINCT_60S] = r->fc_distinct_60s;
    v[MA_F_FC_SHARE_60S] = r->pkts_60s ? (double)r->fc_count_60s / r->pkts_60s : 0.0;
    v[MA_F_VIOLATION_60S] = r->pkts_60s ? (double)r->invalid_60s / r->pkts_60s : 0.0;
    v[MA_F_WINDOW_TRUNCATED] = (r->bits & MA_REC_TRUNCATED) != 0;

    v[MA_F_SESS_PACKETS] = r->sess_packets;
    v[MA_F_SESS_DURATION] = (double)r->sess_dur_ns / 1e9;
    v[MA_F_SESS_DOMINANT_FC] = r->sess_dominant;
    v[MA_F_SESS_PAIRING] = r->sess_requests ? (double)r->sess_paired / (double)r->sess_requests : 0.0;

    v[MA_F_RESPONSE_TIME] = (r->present & MA_FEAT_HAS_RT) ? (double)r->rt_ns / 1e9 : 0.0;
    for (int m = 0; m < MA_OUT_N; m++) {
        int col = MA_F_OUT_RT_Z + 3 * m;
        bool has = (r->present & MA_FEAT_HAS_OUT(m)) != 0;
        v[col] = has ? r->z[m] : 0.0;
        v[col + 1] = has ? r->sigma[m] : 0;
        v[col + 2] = has && (r->bits & MA_REC_IQR(m));
    }
}

void ma_feat_pdu(ma_feat_engine_t *e, const ma_feat_in_t *in, ma_feat_t *out)
{
    ma_feat_rec_t r;
    ma_feat_pdu_rec(e, in, &r);
    memset(out, 0, sizeof *out);
    ma_feat_expand(&r, out);
}
