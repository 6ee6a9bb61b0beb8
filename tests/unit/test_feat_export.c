/* test_feat_export.c - the features CSV and its sidecar (tap/ma_export.c) and
 * the flow summaries (tap/ma_flows.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every expectation is computed by hand from docs/features.md; the arithmetic
 * is written next to it from the inputs.
 */
#define _POSIX_C_SOURCE 200809L

#include "feat_helpers.h"
#include "ma_sections.h"

/* ---- export ---------------------------------------------------------------------- */

/* Split one CSV line into fields (quotes as RFC 4180). */
static GPtrArray *csv_split(const char *line)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);
    bool q = false;
    for (const char *s = line;; s++) {
        if (q) {
            if (*s == '"' && s[1] == '"') {
                g_string_append_c(cur, '"');
                s++;
            } else if (*s == '"') {
                q = false;
            } else if (*s == '\0') {
                break;
            } else {
                g_string_append_c(cur, *s);
            }
            continue;
        }
        if (*s == '"') {
            q = true;
        } else if (*s == ',' || *s == '\0') {
            g_ptr_array_add(out, g_strdup(cur->str));
            g_string_truncate(cur, 0);
            if (*s == '\0')
                break;
        } else {
            g_string_append_c(cur, *s);
        }
    }
    g_string_free(cur, TRUE);
    return out;
}

/* All lines of a stream (rewound). */
static gchar **read_lines(FILE *fp)
{
    fflush(fp);
    rewind(fp);
    GString *s = g_string_new(NULL);
    char buf[4096];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, fp)) > 0)
        g_string_append_len(s, buf, (gssize)k);
    if (s->len && s->str[s->len - 1] == '\n')
        g_string_truncate(s, s->len - 1);
    gchar **lines = g_strsplit(s->str, "\n", -1);
    g_string_free(s, TRUE);
    return lines;
}

static int field_index(GPtrArray *hdr, const char *name)
{
    for (guint i = 0; i < hdr->len; i++)
        if (strcmp(g_ptr_array_index(hdr, i), name) == 0)
            return (int)i;
    return -1;
}

static const char *cell(GPtrArray *row, GPtrArray *hdr, const char *name)
{
    int i = field_index(hdr, name);
    if (i < 0 || (guint)i >= row->len)
        return "(missing)";
    return g_ptr_array_index(row, (guint)i);
}

/* The sidecar line of a column: count, mean, std, min, max, q1, q3. */
static void check_stats(gchar **lines, const char *col, unsigned count, const double want[6], int line)
{
    size_t nl = strlen(col);
    for (gchar **l = lines; *l; l++) {
        if (strncmp(*l, col, nl) != 0 || (*l)[nl] != ',')
            continue;
        GPtrArray *f = csv_split(*l);
        bool ok = f->len == 8 && strtoul(g_ptr_array_index(f, 1), NULL, 10) == count;
        for (int i = 0; ok && i < 6; i++) {
            double got = strtod(g_ptr_array_index(f, (guint)(2 + i)), NULL);
            ok = fabs(got - want[i]) <= 1e-12 * (fabs(want[i]) > 1 ? fabs(want[i]) : 1);
        }
        CHECK_MSG(ok, "line %d: stats of %s: got \"%s\", expected count %u mean %.17g std %.17g min %.17g "
                  "max %.17g q1 %.17g q3 %.17g", line, col, *l, count, want[0], want[1],
                  want[2], want[3], want[4], want[5]);
        g_ptr_array_free(f, TRUE);
        return;
    }
    CHECK_MSG(false, "line %d: no stats line for %s", line, col);
}

static void test_export(void)
{
    FILE *csv = tmpfile();
    FILE *side = tmpfile();
    CHECK(csv != NULL && side != NULL);
    if (!csv || !side)
        return;
    ma_export_t *ex = ma_export_new(csv);

    ma_feat_t f1, f2, f3;
    memset(&f1, 0, sizeof f1);
    memset(&f2, 0, sizeof f2);
    memset(&f3, 0, sizeof f3);
    f1.fc = 3;
    f1.v[MA_F_FUNCTION_CODE] = 3;
    f1.v[MA_F_PACKET_LENGTH] = 12;
    f1.v[MA_F_FC_SHARE_60S] = 0.1;
    f1.v[MA_F_ROLL_COUNT] = 1;
    f2.fc = 0x83;
    f2.v[MA_F_FUNCTION_CODE] = 131;
    f2.v[MA_F_PACKET_LENGTH] = 9;
    f2.v[MA_F_IS_ERROR] = 1;
    f2.v[MA_F_RESPONSE_TIME] = 0.25;
    f2.v[MA_F_OUT_PL_Z] = -1.5;
    f2.v[MA_F_OUT_PL_SIGMA] = 0;
    f2.v[MA_F_OUT_PL_IQR] = 1;
    f2.v[MA_F_OUT_RT_Z] = 99;   /* not present: must not be written */
    f2.present = MA_FEAT_HAS_RT | MA_FEAT_HAS_OUT(MA_OUT_PL);
    f3.fc = 16;
    f3.v[MA_F_FUNCTION_CODE] = 16;
    f3.v[MA_F_PACKET_LENGTH] = 20;
    f3.v[MA_F_RESPONSE_TIME] = 0.75;
    f3.present = MA_FEAT_HAS_RT;

    ma_export_row_t r;
    memset(&r, 0, sizeof r);
    r.frame = 1;
    r.index = 0;
    r.ts = SEC(1) + MS(500);
    r.stream = 7;
    r.src = v4(10, 0, 0, 1);
    r.dst = v4(10, 0, 0, 2);
    r.is_request = true;
    r.pair = "10.0.0.1 -> 10.0.0.2:502";
    r.feat = &f1;
    ma_export_row(ex, &r);
    r.frame = 2;
    r.index = 1;
    r.ts = SEC(2) + 5;
    r.src = v4(10, 0, 0, 2);
    r.dst = v4(10, 0, 0, 1);
    r.is_request = false;
    r.pair = "a,\"b\"";
    r.feat = &f2;
    ma_export_row(ex, &r);
    r.frame = 3;
    r.index = 0;
    r.ts = -1;
    r.pair = NULL;
    r.feat = &f3;
    ma_export_row(ex, &r);
    CHECK_EQ(ma_export_rows(ex), 3);
    ma_export_stats(ex, side);

    gchar **lines = read_lines(csv);
    CHECK_EQ(g_strv_length(lines), 4);
    if (g_strv_length(lines) < 4) {
        g_strfreev(lines);
        ma_export_free(ex);
        fclose(csv);
        fclose(side);
        return;
    }
    GPtrArray *hdr = csv_split(lines[0]);
    CHECK_EQ(hdr->len, 8 + MA_F_COUNT + 127);
    static const char *const first[] = {"frame", "pdu_index", "time_epoch", "stream", "src_ip",
                                        "dst_ip", "direction", "pair", "packet_length"};
    for (guint i = 0; i < 9 && i < hdr->len; i++)
        CHECK_STR(g_ptr_array_index(hdr, i), first[i]);
    /* fc_1 .. fc_127 right after read_write_ratio, then rolling_count_10 */
    int rw = field_index(hdr, "read_write_ratio");
    CHECK(rw > 0);
    if (rw > 0 && (guint)rw + 129 < hdr->len) {
        bool ok = true;
        for (int k = 1; k <= 127; k++) {
            char name[16];
            snprintf(name, sizeof name, "fc_%d", k);
            ok = ok && strcmp(g_ptr_array_index(hdr, (guint)(rw + k)), name) == 0;
        }
        CHECK(ok);
        CHECK_STR(g_ptr_array_index(hdr, (guint)(rw + 128)), "rolling_count_10");
    }
    /* the spec's table order for sections 1-8 and the doc's order after the one-hot block */
    static const char *const order[] = {
        "packet_length", "modbus_length", "data_length", "transaction_id", "protocol_id",
        "unit_id", "function_code", "packet_length_mean_10", "packet_length_std_10",
        "packet_length_max_10", "packet_length_min_10", "packet_length_cv_10", "time_delta",
        "time_delta_ms", "time_delta_mean_10", "time_delta_std_10", "time_delta_cv_10",
        "time_delta_min_10", "time_delta_max_10", "payload_entropy", "header_entropy",
        "full_packet_entropy", "payload_entropy_mean_10", "payload_entropy_std_10",
        "payload_entropy_max_10", "payload_entropy_min_10", "is_read_operation",
        "is_write_operation", "is_error_response", "function_code_changes",
        "function_code_stability_10", "unique_src_ips", "unique_dst_ips", "unique_unit_ids",
        "packets_per_src", "packets_per_dst", "packets_per_unit", "is_valid",
        "protocol_id_valid", "unit_id_valid", "function_code_valid", "length_consistent",
        "burst_indicator", "periodicity_score", "entropy_stability", "traffic_intensity",
        "read_write_ratio"};
    for (guint i = 0; i < sizeof order / sizeof order[0] && 8 + i < hdr->len; i++)
        CHECK_STR(g_ptr_array_index(hdr, 8 + i), order[i]);
    static const char *const tail[] = {
        "rolling_count_10", "packets_60s", "fc_distinct_60s", "fc_share_60s",
        "violation_rate_60s", "window_truncated", "session_packets", "session_duration",
        "session_dominant_function_code", "session_pairing_ratio", "response_time",
        "response_time_zscore", "response_time_sigma", "response_time_iqr", "time_delta_zscore",
        "time_delta_sigma", "time_delta_iqr", "packet_length_zscore", "packet_length_sigma",
        "packet_length_iqr", "payload_entropy_zscore", "payload_entropy_sigma",
        "payload_entropy_iqr"};
    guint nt = sizeof tail / sizeof tail[0];
    for (guint i = 0; i < nt && hdr->len >= nt; i++)
        CHECK_STR(g_ptr_array_index(hdr, hdr->len - nt + i), tail[i]);

    GPtrArray *row[3];
    for (int i = 0; i < 3; i++) {
        row[i] = csv_split(lines[1 + i]);
        CHECK_EQ(row[i]->len, hdr->len);
    }
    CHECK_STR(cell(row[0], hdr, "frame"), "1");
    CHECK_STR(cell(row[0], hdr, "pdu_index"), "0");
    CHECK_STR(cell(row[0], hdr, "time_epoch"), "1.500000000");
    CHECK_STR(cell(row[0], hdr, "stream"), "7");
    CHECK_STR(cell(row[0], hdr, "src_ip"), "10.0.0.1");
    CHECK_STR(cell(row[0], hdr, "dst_ip"), "10.0.0.2");
    CHECK_STR(cell(row[0], hdr, "direction"), "request");
    CHECK_STR(cell(row[0], hdr, "pair"), "10.0.0.1 -> 10.0.0.2:502");
    CHECK_STR(cell(row[0], hdr, "packet_length"), "12");
    CHECK_STR(cell(row[0], hdr, "fc_share_60s"), "0.10000000000000001"); /* 17 digits */
    CHECK_STR(cell(row[0], hdr, "fc_3"), "1");
    CHECK_STR(cell(row[0], hdr, "fc_1"), "0");
    CHECK_STR(cell(row[0], hdr, "response_time"), "");
    CHECK_STR(cell(row[0], hdr, "response_time_zscore"), "");
    CHECK_STR(cell(row[0], hdr, "packet_length_iqr"), "");
    CHECK_STR(cell(row[0], hdr, "payload_entropy_iqr"), "");
    CHECK_STR(cell(row[0], hdr, "is_valid"), "0");
    CHECK_STR(cell(row[1], hdr, "time_epoch"), "2.000000005");
    CHECK_STR(cell(row[1], hdr, "direction"), "response");
    CHECK_STR(cell(row[1], hdr, "pair"), "a,\"b\"");
    CHECK(strstr(lines[2], ",\"a,\"\"b\"\"\",") != NULL);   /* quoted on the wire */
    CHECK_STR(cell(row[1], hdr, "function_code"), "131");
    CHECK_STR(cell(row[1], hdr, "fc_3"), "1");                 /* 0x83 & 0x7f */
    CHECK_STR(cell(row[1], hdr, "fc_127"), "0");
    CHECK_STR(cell(row[1], hdr, "response_time"), "0.25");
    CHECK_STR(cell(row[1], hdr, "response_time_zscore"), "");
    CHECK_STR(cell(row[1], hdr, "response_time_sigma"), "");
    CHECK_STR(cell(row[1], hdr, "packet_length_zscore"), "-1.5");
    CHECK_STR(cell(row[1], hdr, "packet_length_sigma"), "0");
    CHECK_STR(cell(row[1], hdr, "packet_length_iqr"), "1");
    CHECK_STR(cell(row[1], hdr, "time_delta_zscore"), "");
    CHECK_STR(cell(row[2], hdr, "time_epoch"), "-0.000000001");
    CHECK_STR(cell(row[2], hdr, "pair"), "");
    CHECK_STR(cell(row[2], hdr, "fc_16"), "1");
    CHECK_STR(cell(row[2], hdr, "fc_3"), "0");
    CHECK_STR(cell(row[2], hdr, "response_time"), "0.75");
    /* exactly one 1 in each row's one-hot block */
    for (int i = 0; i < 3; i++) {
        int ones = 0;
        for (int k = 1; k <= 127; k++) {
            char name[16];
            snprintf(name, sizeof name, "fc_%d", k);
            ones += strcmp(cell(row[i], hdr, name), "1") == 0;
        }
        CHECK_EQ(ones, 1);
    }
    for (int i = 0; i < 3; i++)
        g_ptr_array_free(row[i], TRUE);
    g_strfreev(lines);

    /* the sidecar */
    gchar **sl = read_lines(side);
    CHECK_STR(sl[0], "column,count,mean,std,min,max,q1,q3");
    CHECK_EQ(g_strv_length(sl), 1 + MA_F_COUNT + 127);
    /* its column order is the CSV's after `pair` */
    bool same = g_strv_length(sl) == hdr->len - 8 + 1;
    for (guint i = 8; same && i < hdr->len; i++) {
        const char *name = g_ptr_array_index(hdr, i);
        size_t nl = strlen(name);
        same = strncmp(sl[i - 7], name, nl) == 0 && sl[i - 7][nl] == ',';
    }
    CHECK(same);
    /* packet_length 12, 9, 20: mean 41/3; deviations -5/3, -14/3, 19/3:
     * SS = (25 + 196 + 361) / 9 = 582/9, var 582/27 = 194/9, std sqrt(194)/3;
     * sorted 9, 12, 20: q1 pos 0.5 -> 10.5, q3 pos 1.5 -> 16 */
    check_stats(sl, "packet_length", 3, (const double[]){41.0 / 3.0, sqrt(194.0) / 3.0, 9, 20, 10.5, 16}, __LINE__);
    /* response_time 0.25, 0.75 (row 1 has none): mean 0.5, std 0.25; q1 pos 0.25 -> 0.375 */
    check_stats(sl, "response_time", 2, (const double[]){0.5, 0.25, 0.25, 0.75, 0.375, 0.625}, __LINE__);
    check_stats(sl, "packet_length_zscore", 1, (const double[]){-1.5, 0, -1.5, -1.5, -1.5, -1.5}, __LINE__);
    check_stats(sl, "packet_length_iqr", 1, (const double[]){1, 0, 1, 1, 1, 1}, __LINE__);
    /* function_code 3, 131, 16: mean 50; deviations -47, 81, -34: SS 2209 + 6561 + 1156 = 9926 */
    check_stats(sl, "function_code", 3, (const double[]){50, sqrt(9926.0 / 3.0), 3, 131, 9.5, 73.5}, __LINE__);
    /* fc_3: 1, 1, 0 -> mean 2/3, var 2/9; sorted 0,1,1: q1 pos 0.5 -> 0.5, q3 pos 1.5 -> 1 */
    check_stats(sl, "fc_3", 3, (const double[]){2.0 / 3.0, sqrt(2.0) / 3.0, 0, 1, 0.5, 1}, __LINE__);
    /* fc_16: 0, 0, 1 -> mean 1/3, var 2/9; sorted 0,0,1: q1 0, q3 pos 1.5 -> 0.5 */
    check_stats(sl, "fc_16", 3, (const double[]){1.0 / 3.0, sqrt(2.0) / 3.0, 0, 1, 0, 0.5}, __LINE__);
    check_stats(sl, "fc_1", 3, (const double[]){0, 0, 0, 0, 0, 0}, __LINE__);
    /* columns with no value at all */
    bool found = false;
    for (gchar **l = sl; *l; l++)
        if (strcmp(*l, "time_delta_zscore,0,,,,,,") == 0)
            found = true;
    CHECK(found);
    g_strfreev(sl);
    g_ptr_array_free(hdr, TRUE);
    ma_export_free(ex);
    fclose(csv);
    fclose(side);

    /* codes 0 and 128 set no one-hot column */
    csv = tmpfile();
    side = tmpfile();
    ex = ma_export_new(csv);
    ma_feat_t g;
    memset(&g, 0, sizeof g);
    memset(&r, 0, sizeof r);
    r.feat = &g;
    g.fc = 0x80;
    ma_export_row(ex, &r);
    g.fc = 0;
    ma_export_row(ex, &r);
    ma_export_stats(ex, side);
    lines = read_lines(csv);
    CHECK_EQ(g_strv_length(lines), 3);
    for (int i = 1; i <= 2 && lines[0] && lines[i]; i++) {
        GPtrArray *h = csv_split(lines[0]), *rw2 = csv_split(lines[i]);
        int ones = 0;
        for (int k = 1; k <= 127; k++) {
            char name[16];
            snprintf(name, sizeof name, "fc_%d", k);
            ones += strcmp(cell(rw2, h, name), "0") != 0;
        }
        CHECK_EQ(ones, 0);
        g_ptr_array_free(h, TRUE);
        g_ptr_array_free(rw2, TRUE);
    }
    g_strfreev(lines);
    sl = read_lines(side);
    check_stats(sl, "fc_3", 2, (const double[]){0, 0, 0, 0, 0, 0}, __LINE__);
    check_stats(sl, "fc_127", 2, (const double[]){0, 0, 0, 0, 0, 0}, __LINE__);
    bool has128 = false;
    for (gchar **l = sl; *l; l++)
        has128 |= strncmp(*l, "fc_128,", 7) == 0 || strncmp(*l, "fc_0,", 5) == 0;
    CHECK(!has128);
    g_strfreev(sl);
    ma_export_free(ex);
    fclose(csv);
    fclose(side);
}

/* ---- flows ------------------------------------------------------------------------- */

static void test_flows(void)
{
    ma_flows_t *fl = ma_flows_new();
    ma_feat_t f;
    /* flow A (stream 1, pairA): periodicity 0.9 and 0.7 over full windows, one PDU without;
     * 1 invalid of 3; one strong (sigma 3) and one IQR outlier */
    memset(&f, 0, sizeof f);
    f.td_full = 1;
    f.v[MA_F_PERIODICITY] = 0.9;
    f.v[MA_F_PKTS_60S] = 5;
    f.v[MA_F_INTENSITY] = 2.5;
    f.present = MA_FEAT_HAS_OUT(MA_OUT_PL);
    f.v[MA_F_OUT_PL_SIGMA] = 3;
    ma_flows_add(fl, 1, "pairA", SEC(1), &f);
    memset(&f, 0, sizeof f);
    f.td_full = 1;
    f.v[MA_F_PERIODICITY] = 0.7;
    f.v[MA_F_PKTS_60S] = 7;
    f.v[MA_F_INTENSITY] = 1.5;
    f.v[MA_F_VIOLATION_60S] = 0.25;
    f.invalid = MA_INVALID_LENGTH;
    f.present = MA_FEAT_HAS_OUT(MA_OUT_TD);
    f.v[MA_F_OUT_TD_IQR] = 1;
    f.v[MA_F_OUT_PE_SIGMA] = 3;  /* not present: not counted */
    ma_flows_add(fl, 1, "pairA", SEC(2), &f);
    memset(&f, 0, sizeof f);
    f.v[MA_F_PERIODICITY] = 0.123; /* window not full: ignored */
    f.v[MA_F_PKTS_60S] = 6;
    f.v[MA_F_SESS_PAIRING] = 0.5;
    f.v[MA_F_SESS_DOMINANT_FC] = 3;
    f.v[MA_F_UNIQUE_UNITS] = 2;
    f.v[MA_F_UNIQUE_SRC] = 1;
    ma_flows_add(fl, 1, "pairA", SEC(4), &f);
    /* flow B (stream 2, pairB): periodicity 0.2 and 0.4 -> 0.3; all valid */
    memset(&f, 0, sizeof f);
    f.td_full = 1;
    f.v[MA_F_PERIODICITY] = 0.2;
    ma_flows_add(fl, 2, "pairB", SEC(3), &f);
    f.v[MA_F_PERIODICITY] = 0.4;
    f.v[MA_F_SESS_DOMINANT_FC] = 16;
    ma_flows_add(fl, 2, "pairB", SEC(5), &f);
    /* flow C (stream 3, no pair): no full window; 1 invalid of 1 */
    memset(&f, 0, sizeof f);
    f.invalid = MA_INVALID_FC;
    ma_flows_add(fl, 3, NULL, SEC(6), &f);

    GPtrArray *sorted = ma_flows_sorted(fl);
    CHECK_EQ(sorted->len, 3);
    if (sorted->len == 3) {
        const ma_flow_sum_t *b = g_ptr_array_index(sorted, 0);
        const ma_flow_sum_t *a = g_ptr_array_index(sorted, 1);
        const ma_flow_sum_t *c = g_ptr_array_index(sorted, 2);
        CHECK_EQ(b->stream, 2);  /* 0.3 */
        CHECK_EQ(a->stream, 1);  /* 0.8 */
        CHECK_EQ(c->stream, 3);  /* none: last */
        CHECK_NEAR(ma_flow_periodicity(a), (0.9 + 0.7) / 2);
        CHECK_NEAR(ma_flow_periodicity(b), (0.2 + 0.4) / 2);
        CHECK(isnan(ma_flow_periodicity(c)));
        CHECK_EQ(a->pdus, 3);
        CHECK_EQ(a->invalid, 1);
        CHECK_EQ(a->strong, 1);
        CHECK_EQ(a->iqr, 1);
        CHECK_EQ(a->first, SEC(1));
        CHECK_EQ(a->last, SEC(4));
        CHECK_NEAR(a->pairing, 0.5);
        CHECK_EQ(a->dominant, 3);
        CHECK_EQ(b->dominant, 16);
        CHECK_STR(a->pair, "pairA");
        CHECK_STR(c->pair, "?");
        CHECK_EQ(c->invalid, 1);
    }
    GPtrArray *pairs = ma_flows_pairs(fl);
    CHECK_EQ(pairs->len, 2);
    if (pairs->len == 2) {
        const ma_pairwin_sum_t *pa = g_ptr_array_index(pairs, 0);
        CHECK_STR(pa->pair, "pairA");
        CHECK_EQ(pa->pdus, 3);
        CHECK_NEAR(pa->max_packets_60s, 7);
        CHECK_NEAR(pa->max_intensity, 2.5);
        CHECK_NEAR(pa->max_violation, 0.25);
        CHECK_NEAR(pa->max_units, 2);
        CHECK_NEAR(pa->max_src_ips, 1);
        CHECK_STR(((const ma_pairwin_sum_t *)g_ptr_array_index(pairs, 1))->pair, "pairB");
    }

    /* the flows table (one description for text, CSV, JSON, SQLite, GUI):
     * periodicity order B, A, C; text with the headings, 4 decimals */
    FILE *fp = tmpfile();
    CHECK(fp != NULL);
    if (fp) {
        ma_tab_t t;
        ma_tab_init(&t, &ma_desc_flows, NULL, 0);
        GPtrArray *sorted = ma_flows_sorted(fl);
        for (guint i = 0; i < sorted->len; i++)
            ma_tab_add(&t, g_ptr_array_index(sorted, i));
        ma_tab_text(fp, &t, 2);
        ma_tab_csv(fp, &t);
        ma_tab_free(&t);
        gchar **lines = read_lines(fp);
        gchar *text = g_strjoinv("\n", lines);
        g_strfreev(lines);
        const char *l1 = strstr(text, "\n     1 pairA");
        const char *l2 = strstr(text, "\n     2 pairB");
        CHECK(l2 && l1 && l2 < l1);
        CHECK(strstr(text, "... 1 more") != NULL);
        CHECK(strstr(text, "0.8000") != NULL);
        CHECK(strstr(text, "stream,pair,pdus,first_time,duration,dominant_fc,pairing_ratio,periodicity,"
                           "invalid_share,outliers_3sigma,outliers_iqr\n") != NULL);
        CHECK(strstr(text, "\n3,?,") != NULL);
        g_free(text);
        fclose(fp);
    }
    ma_flows_reset(fl);
    CHECK_EQ(ma_flows_sorted(fl)->len, 0);
    CHECK_EQ(ma_flows_pairs(fl)->len, 0);
    ma_flows_add(fl, 3, "pairC", SEC(9), &f);
    CHECK_EQ(ma_flows_sorted(fl)->len, 1);
    ma_flows_free(fl);
}

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/feat_export/export", test_export);
    g_test_add_func("/feat_export/flows", test_flows);
    return ma_test_run();
}
