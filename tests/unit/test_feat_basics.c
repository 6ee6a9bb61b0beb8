/* test_feat_basics.c - entropy, quantiles, ADU validation and the column table
 * (core/ma_feat_stats.c, ma_feat_validate.c, ma_feat_columns.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every expectation is computed by hand from docs/features.md; the arithmetic
 * is written next to it from the inputs.
 */
#define _POSIX_C_SOURCE 200809L

#include "feat_helpers.h"
#include "ma_feat_stats.h"

/* ---- entropy and quantiles ------------------------------------------------ */

static void test_entropy(void)
{
    static const uint8_t one = 7;
    CHECK(ma_feat_entropy(NULL, 0) == 0.0);
    CHECK(ma_feat_entropy(&one, 0) == 0.0);
    CHECK(ma_feat_entropy(&one, 1) == 0.0);            /* p = 1: -1 log2 1 = 0 */
    uint8_t *same = raw_new((const uint8_t[]){9, 9, 9, 9}, 4);
    CHECK(ma_feat_entropy(same, 4) == 0.0);
    free(same);
    /* 8 distinct bytes: 8 x (1/8 log2 8) = 3 */
    uint8_t *eight = raw_new((const uint8_t[]){0, 1, 2, 3, 200, 201, 202, 255}, 8);
    CHECK_NEAR(ma_feat_entropy(eight, 8), 3.0);
    free(eight);
    /* "aab": p_a = 2/3, p_b = 1/3: -(2/3 log2 2/3 + 1/3 log2 1/3) = log2 3 - 2/3 */
    uint8_t *aab = raw_new((const uint8_t *)"aab", 3);
    CHECK_NEAR(ma_feat_entropy(aab, 3), log2(3.0) - 2.0 / 3.0);
    CHECK_NEAR(ma_feat_entropy(aab, 3), 0.91829583405448956);
    free(aab);
    /* "aabb": 2 x (1/2 log2 2) = 1; order does not matter ("abab") */
    uint8_t *abab = raw_new((const uint8_t *)"abab", 4);
    CHECK_NEAR(ma_feat_entropy(abab, 4), 1.0);
    free(abab);
    /* 256 distinct bytes: 256 x (1/256 log2 256) = 8 */
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)(255 - i);
    uint8_t *allh = raw_new(all, 256);
    CHECK_NEAR(ma_feat_entropy(allh, 256), 8.0);
    free(allh);
    /* 0,0,0,10: p = 3/4, 1/4: 3/4 log2(4/3) + 1/4 log2 4 = 2 - 3/4 log2 3 */
    uint8_t *q = raw_new((const uint8_t[]){0, 0, 0, 10}, 4);
    CHECK_NEAR(ma_feat_entropy(q, 4), 2.0 - 0.75 * log2(3.0));
    free(q);
    /* long inputs: 65535 bytes, 255 values x 257 -> log2 255; 65536 bytes, 256 x 256 -> 8;
     * 90000 bytes of "aab" -> log2 3 - 2/3 */
    uint8_t *big = malloc(90000);
    for (uint32_t i = 0; i < 65535; i++)
        big[i] = (uint8_t)(i % 255);
    CHECK_NEAR(ma_feat_entropy(big, 65535), log2(255.0));
    for (uint32_t i = 0; i < 65536; i++)
        big[i] = (uint8_t)i;
    CHECK_NEAR(ma_feat_entropy(big, 65536), 8.0);
    for (uint32_t i = 0; i < 90000; i++)
        big[i] = i % 3 == 2 ? 'b' : 'a';
    CHECK_NEAR(ma_feat_entropy(big, 90000), log2(3.0) - 2.0 / 3.0);
    free(big);
}

static void test_quantile_sorted(void)
{
    const double one[1] = {5};
    CHECK(ma_feat_quantile_sorted(one, 1, 0.0) == 5);
    CHECK(ma_feat_quantile_sorted(one, 1, 0.25) == 5);
    CHECK(ma_feat_quantile_sorted(one, 1, 0.75) == 5);
    CHECK(ma_feat_quantile_sorted(one, 1, 1.0) == 5);
    /* [1,2,3,4]: position (n-1)p = 3p */
    const double four[4] = {1, 2, 3, 4};
    CHECK_NEAR(ma_feat_quantile_sorted(four, 4, 0.25), 1.75); /* pos 0.75: 1 + 0.75 (2-1) */
    CHECK_NEAR(ma_feat_quantile_sorted(four, 4, 0.75), 3.25); /* pos 2.25: 3 + 0.25 (4-3) */
    CHECK_NEAR(ma_feat_quantile_sorted(four, 4, 0.5), 2.5);   /* pos 1.5 */
    CHECK(ma_feat_quantile_sorted(four, 4, 0.0) == 1);
    CHECK(ma_feat_quantile_sorted(four, 4, 1.0) == 4);
    /* n = 10: position 9p */
    const double ten[10] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
    CHECK_NEAR(ma_feat_quantile_sorted(ten, 10, 0.25), 5.0);  /* pos 2.25: 4 + 0.25 (8-4) */
    CHECK_NEAR(ma_feat_quantile_sorted(ten, 10, 0.75), 112.0); /* pos 6.75: 64 + 0.75 (128-64) */
    CHECK_NEAR(ma_feat_quantile_sorted(ten, 10, 0.5), 24.0);  /* pos 4.5: 16 + 0.5 (32-16) */
    CHECK(ma_feat_quantile_sorted(ten, 10, 1.0) == 512);
    /* n = 2, duplicates: [3,3] -> 3 everywhere */
    const double two[2] = {3, 3};
    CHECK(ma_feat_quantile_sorted(two, 2, 0.25) == 3);
    CHECK(ma_feat_quantile_sorted(two, 2, 0.75) == 3);
}

/* ---- validation ------------------------------------------------------------ */


static void test_validate_sizes(void)
{
    /* fc 1-4: request PDU 5 (fc + 4), response PDU 2 + bc (bc at PDU offset 1) */
    for (uint8_t fc = 1; fc <= 4; fc++) {
        CHECK_EQ(val(1, fc, D(0, 0, 0, 10), true, false), 0);          /* PDU 5 */
        CHECK_EQ(val(1, fc, D(0, 0, 0, 10, 0), true, false), LEN);     /* PDU 6 */
        CHECK_EQ(val(1, fc, D(0, 0, 0), true, false), LEN);            /* PDU 4 */
        CHECK_EQ(val(1, fc, D(4, 1, 2, 3, 4), false, false), 0);       /* PDU 6 = 2 + 4 */
        CHECK_EQ(val(1, fc, D(4, 1, 2, 3), false, false), LEN);        /* PDU 5 != 6 */
        CHECK_EQ(val(1, fc, D(4, 1, 2, 3, 4, 5), false, false), LEN);  /* PDU 7 != 6 */
        CHECK_EQ(val(1, fc, D(0), false, false), 0);                   /* bc 0: PDU 2 = 2 + 0 */
        CHECK_EQ(val(1, fc, NODATA, false, false), LEN);               /* PDU 1: no bc */
        /* a 5-byte response PDU whose bc says 3 is fine; as a request, too */
        CHECK_EQ(val(1, fc, D(3, 0, 0, 0), false, false), 0);
        CHECK_EQ(val(1, fc, D(3, 0, 0, 0), true, false), 0);
    }
    /* fc 5, 6: PDU 5 both ways */
    for (uint8_t fc = 5; fc <= 6; fc++) {
        CHECK_EQ(val(1, fc, D(0, 1, 0xff, 0), true, false), 0);
        CHECK_EQ(val(1, fc, D(0, 1, 0xff, 0), false, false), 0);
        CHECK_EQ(val(1, fc, D(0, 1, 0xff), true, false), LEN);          /* PDU 4 */
        CHECK_EQ(val(1, fc, D(0, 1, 0xff, 0, 0), false, false), LEN);   /* PDU 6 */
        CHECK_EQ(val(1, fc, NODATA, true, false), LEN);                 /* PDU 1 */
    }
    /* fc 15, 16: request 6 + bc (bc at PDU offset 5 = data[4]), response 5 */
    for (uint8_t fc = 15; fc <= 16; fc++) {
        CHECK_EQ(val(1, fc, D(0, 0, 0, 2, 4, 1, 2, 3, 4), true, false), 0);   /* PDU 10 = 6 + 4 */
        CHECK_EQ(val(1, fc, D(0, 0, 0, 2, 4, 1, 2, 3), true, false), LEN);    /* PDU 9 */
        CHECK_EQ(val(1, fc, D(0, 0, 0, 2, 4, 1, 2, 3, 4, 5), true, false), LEN); /* PDU 11 */
        CHECK_EQ(val(1, fc, D(0, 0, 0, 2, 0), true, false), 0);               /* PDU 6 = 6 + 0 */
        CHECK_EQ(val(1, fc, D(0, 0, 0, 2), true, false), LEN);                /* PDU 5: no bc */
        CHECK_EQ(val(1, fc, D(0, 0, 0, 2), false, false), 0);                /* response PDU 5 */
        CHECK_EQ(val(1, fc, D(0, 0, 0, 2, 4), false, false), LEN);           /* response PDU 6 */
        CHECK_EQ(val(1, fc, D(0, 0, 0), false, false), LEN);                 /* response PDU 4 */
    }
    /* fc 23: request 10 + bc (bc at PDU offset 9 = data[8]), response 2 + bc (offset 1) */
    CHECK_EQ(val(1, 23, D(0, 0, 0, 1, 0, 9, 0, 1, 2, 0xab, 0xcd), true, false), 0); /* PDU 12 */
    CHECK_EQ(val(1, 23, D(0, 0, 0, 1, 0, 9, 0, 1, 2, 0xab), true, false), LEN);     /* PDU 11 */
    CHECK_EQ(val(1, 23, D(0, 0, 0, 1, 0, 9, 0, 1), true, false), LEN);              /* PDU 9: no bc */
    CHECK_EQ(val(1, 23, D(2, 0xab, 0xcd), false, false), 0);                         /* PDU 4 = 2 + 2 */
    CHECK_EQ(val(1, 23, D(2, 0xab), false, false), LEN);                             /* PDU 3 */
    CHECK_EQ(val(1, 23, NODATA, false, false), LEN);                                 /* no bc */
    /* exception response: PDU 2 (fc | 0x80, exception code) */
    CHECK_EQ(val(1, 0x83, D(2), false, false), 0);
    CHECK_EQ(val(1, 0x83, D(2, 0), false, false), LEN);                              /* PDU 3 */
    CHECK_EQ(val(1, 0x83, NODATA, false, false), LEN);                               /* PDU 1 */
    CHECK_EQ(val(1, 0x90, D(4), false, false), 0);                                   /* 0x10 | 0x80 */
    CHECK_EQ(val(1, 0xab, D(1), false, false), 0);                                   /* 43 | 0x80 */
    /* exception bit in a request: function code invalid; size checked against MBAP only */
    CHECK_EQ(val(1, 0x83, D(2), true, false), FC);
    CHECK_EQ(val(1, 0x83, D(2, 0, 0, 0, 0), true, false), FC);
    /* other codes: MBAP length only */
    CHECK_EQ(val(1, 8, D(0, 0, 0x12, 0x34), true, false), 0);
    CHECK_EQ(val(1, 8, D(0, 0, 0x12, 0x34, 5, 6, 7), false, false), 0);
    CHECK_EQ(val(1, 43, D(14, 1, 0), true, false), 0);
    CHECK_EQ(val(1, 17, NODATA, true, false), 0);
    CHECK_EQ(val(1, 7, NODATA, true, false), 0);
    /* the function code list: public 1-8, 11, 12, 15-17, 20-24, 43; user 65-72, 100-110 */
    static const uint8_t good[] = {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 16, 17, 20, 21, 22, 23, 24,
                                   43, 65, 66, 70, 72, 100, 105, 110};
    static const uint8_t bad[] = {0, 9, 10, 13, 14, 18, 19, 25, 42, 44, 64, 73, 99, 111, 127};
    for (unsigned i = 0; i < sizeof good; i++) {
        /* a response with a fitting size: bc = 0 for 1-4 and 23, 4 data bytes for 5, 6, 15, 16 */
        uint8_t fc = good[i];
        uint8_t r;
        if ((fc >= 1 && fc <= 4) || fc == 23)
            r = val(1, fc, D(0), false, false);
        else
            r = val(1, fc, D(0, 0, 0, 1), false, false);
        if (r != 0)
            printf("  (fc %u)\n", fc);
        CHECK_EQ(r, 0);
    }
    for (unsigned i = 0; i < sizeof bad; i++) {
        uint8_t r = val(1, bad[i], D(0, 0, 0, 1), true, false);
        if (r != FC)
            printf("  (fc %u)\n", bad[i]);
        CHECK_EQ(r, FC);
        /* the exception form of an unknown code is invalid too */
        CHECK_EQ(val(1, (uint8_t)(bad[i] | 0x80), D(1), false, false), FC);
    }
    CHECK_EQ(val(1, 0x80, D(1), false, false), FC); /* 0 | 0x80 */
}

static void test_validate_header(void)
{
    /* unit id: 1-247, or 0 / 255 unless strict */
    static const struct { uint8_t unit; uint8_t lax, strict; } units[] = {
        {0, 0, UNIT}, {1, 0, 0}, {2, 0, 0}, {247, 0, 0}, {248, UNIT, UNIT},
        {250, UNIT, UNIT}, {254, UNIT, UNIT}, {255, 0, UNIT},
    };
    for (unsigned i = 0; i < sizeof units / sizeof units[0]; i++) {
        CHECK_EQ(val(units[i].unit, 3, D(0, 0, 0, 1), true, false), units[i].lax);
        CHECK_EQ(val(units[i].unit, 3, D(0, 0, 0, 1), true, true), units[i].strict);
        CHECK_EQ(val(units[i].unit, 3, D(2, 0, 1), false, true), units[i].strict);
    }
    /* protocol id 1 (and 0x0100) */
    static const uint8_t pid1[] = {0, 1, 0, 1, 0, 6, 1, 3, 0, 0, 0, 1};
    CHECK_EQ(val_raw(pid1, sizeof pid1, true, false), PID);
    static const uint8_t pid256[] = {0, 1, 1, 0, 0, 6, 1, 3, 0, 0, 0, 1};
    CHECK_EQ(val_raw(pid256, sizeof pid256, true, false), PID);
    /* MBAP length < 2 (and the bytes do not match it either) */
    static const uint8_t len1[] = {0, 1, 0, 0, 0, 1, 1, 3};
    CHECK_EQ(val_raw(len1, sizeof len1, true, false), LEN);
    static const uint8_t len0[] = {0, 1, 0, 0, 0, 0, 1, 8, 0, 0};
    CHECK_EQ(val_raw(len0, sizeof len0, true, false), LEN);
    /* MBAP length 2 with an 8-byte ADU: consistent (fc 8, no fixed size) */
    static const uint8_t len2[] = {0, 1, 0, 0, 0, 2, 1, 8};
    CHECK_EQ(val_raw(len2, sizeof len2, true, false), 0);
    /* length + 6 != bytes: 12 bytes with length 5 and 7; 12 bytes with 0x0106 */
    static const uint8_t lshort[] = {0, 1, 0, 0, 0, 5, 1, 3, 0, 0, 0, 1};
    static const uint8_t llong[] = {0, 1, 0, 0, 0, 7, 1, 3, 0, 0, 0, 1};
    static const uint8_t lhigh[] = {0, 1, 0, 0, 1, 6, 1, 3, 0, 0, 0, 1};
    CHECK_EQ(val_raw(lshort, sizeof lshort, true, false), LEN);
    CHECK_EQ(val_raw(llong, sizeof llong, true, false), LEN);
    CHECK_EQ(val_raw(lhigh, sizeof lhigh, true, false), LEN);
    /* everything wrong at once */
    static const uint8_t worst[] = {0, 1, 0, 2, 0, 9, 250, 0x83, 1};
    CHECK_EQ(val_raw(worst, sizeof worst, true, false), PID | UNIT | FC | LEN);

    /* ADUs shorter than 8 bytes: exact-size buffers; a missing field fails its check */
    static const uint8_t hdr[8] = {0, 1, 0, 0, 0, 2, 1, 3};
    for (uint32_t n = 0; n < 8; n++) {
        uint8_t want = n < 4 ? (PID | UNIT | FC | LEN) : n < 7 ? (UNIT | FC | LEN) : (FC | LEN);
        CHECK_EQ(val_raw(hdr, n, true, false), want);
        CHECK_EQ(val_raw(hdr, n, false, true), want);
    }
    /* 7 bytes with a bad protocol id and unit: all four */
    static const uint8_t h7[7] = {0, 1, 0, 3, 0, 1, 250};
    CHECK_EQ(val_raw(h7, 7, true, false), PID | UNIT | FC | LEN);
    CHECK_EQ(val_raw(hdr, 8, true, false), LEN);   /* fc 3 request: PDU 1, not 5 */
    static const uint8_t fc8[8] = {0, 1, 0, 0, 0, 2, 1, 8};
    CHECK_EQ(val_raw(fc8, 8, true, false), 0);      /* fc 8: MBAP length only */

    char buf[64];
    ma_feat_invalid_text(UNIT | LEN, buf, sizeof buf);
    CHECK_STR(buf, "unit id, length");
    ma_feat_invalid_text(PID | UNIT | FC | LEN, buf, sizeof buf);
    CHECK_STR(buf, "protocol id, unit id, function code, length");
    ma_feat_invalid_text(0, buf, sizeof buf);
    CHECK_STR(buf, "");
}

/* ma_feat_pdu over truncated ADUs (0..8 bytes): basic fields of the bytes present. */
static void test_short_adus(void)
{
    ma_feat_engine_t *e = engine(false, false);
    ma_pair_t p = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 2));
    static const uint8_t hdr[8] = {0x12, 0x34, 0, 0, 0, 2, 9, 3};
    for (uint32_t n = 0; n <= 8; n++) {
        uint8_t *a = raw_new(hdr, n);
        ma_feat_in_t in;
        memset(&in, 0, sizeof in);
        in.ts = SEC(1) + MS(100) * n;
        in.stream = 1;
        in.pair = &p;
        in.src = p.client;
        in.dst = p.server;
        in.is_request = true;
        in.adu = a;
        in.adu_len = n;
        ma_feat_t f;
        ma_feat_pdu(e, &in, &f);
        free(a);
        CHECK_EQ(f.v[MA_F_PACKET_LENGTH], n);
        CHECK_EQ(f.v[MA_F_DATA_LENGTH], 0);
        CHECK_EQ(f.v[MA_F_TRANSACTION_ID], n >= 2 ? 0x1234 : 0);
        CHECK_EQ(f.v[MA_F_MODBUS_LENGTH], n >= 6 ? 2 : 0);
        CHECK_EQ(f.v[MA_F_UNIT_ID], n >= 7 ? 9 : 0);
        CHECK_EQ(f.v[MA_F_FUNCTION_CODE], n >= 8 ? 3 : 0);
        CHECK_EQ(f.fc, n >= 8 ? 3 : 0);
        CHECK_EQ(f.v[MA_F_PE], 0);
        CHECK_EQ(f.v[MA_F_IS_VALID], 0);             /* fc 3 request needs PDU 5 */
        CHECK_EQ(f.v[MA_F_LEN_CONSISTENT], 0);
        CHECK_EQ(f.v[MA_F_PID_VALID], n >= 4);
        CHECK_EQ(f.v[MA_F_SESS_PACKETS], n + 1);
        /* header entropy over the min(n, 7) MBAP bytes present */
        if (n == 2) /* 12 34 */
            CHECK_NEAR(f.v[MA_F_HE], 1.0);
        if (n == 7) /* 12 34 00 00 00 02 09: 00 x3, four singletons */
            CHECK_NEAR(f.v[MA_F_HE], 3.0 / 7.0 * log2(7.0 / 3.0) + 4.0 / 7.0 * log2(7.0));
        if (n == 8) /* + 03: 00 x3, five singletons over 8 */
            CHECK_NEAR(f.v[MA_F_FE], 3.0 / 8.0 * log2(8.0 / 3.0) + 5.0 / 8.0 * 3.0);
    }
    /* the largest ADU an MBAP length can describe: 0xFFFF + 6 = 65541 bytes (fc 8) */
    uint32_t nbig = 65541;
    uint8_t *huge = calloc(nbig, 1);
    huge[4] = 0xff;
    huge[5] = 0xff;
    huge[6] = 1;
    huge[7] = 8;
    CHECK_EQ(ma_feat_validate(huge, nbig, true, false), 0);
    ma_feat_in_t hin;
    memset(&hin, 0, sizeof hin);
    hin.ts = SEC(3);
    hin.stream = 2;
    hin.pair = &p;
    hin.src = p.client;
    hin.dst = p.server;
    hin.is_request = true;
    hin.adu = huge;
    hin.adu_len = nbig;
    ma_feat_t hf;
    ma_feat_pdu(e, &hin, &hf);
    CHECK_EQ(hf.v[MA_F_PACKET_LENGTH], 65541);
    CHECK_EQ(hf.v[MA_F_MODBUS_LENGTH], 65535);
    CHECK_EQ(hf.v[MA_F_DATA_LENGTH], 65533);
    CHECK_EQ(hf.v[MA_F_IS_VALID], 1);
    CHECK_EQ(hf.v[MA_F_PE], 0);          /* 65533 zero bytes */
    /* full ADU: 00 x 65537 (tid, pid, data), ff x 2, 01, 08 over 65541 bytes */
    double nb = 65541.0;
    CHECK_NEAR(hf.v[MA_F_FE], 65537.0 / nb * log2(nb / 65537.0) + 2.0 / nb * log2(nb / 2.0) +
                                  2.0 * (1.0 / nb * log2(nb)));
    free(huge);

    ma_feat_free(e);
}


/* ---- columns ------------------------------------------------------------------------ */

static void test_columns(void)
{
    const ma_feat_column_t *c = ma_feat_columns();
    unsigned dup = 0;
    for (int i = 0; i < MA_F_COUNT; i++)
        for (int j = i + 1; j < MA_F_COUNT; j++)
            dup += strcmp(c[i].csv, c[j].csv) == 0 || strcmp(c[i].abbrev, c[j].abbrev) == 0;
    CHECK_EQ(dup, 0);
    CHECK_STR(c[MA_F_RW_RATIO].csv, "read_write_ratio");
    CHECK_STR(c[MA_F_ROLL_COUNT].csv, "rolling_count_10");
    CHECK_EQ(MA_F_FIRST_AFTER_ONEHOT, MA_F_RW_RATIO + 1);
    CHECK_STR(c[MA_F_OUT_TD_IQR].csv, "time_delta_iqr");
    CHECK_STR(c[MA_F_OUT_TD_IQR].abbrev, "modbus_an.outlier.time_delta.iqr");
    CHECK_STR(ma_feat_metric_name(MA_OUT_PE), "payload_entropy");
    CHECK_EQ(c[MA_F_IS_VALID].kind, MA_FK_BOOL);
    CHECK_EQ(c[MA_F_OUT_RT_SIGMA].kind, MA_FK_UINT);
}

/* ---- outlier histories against a plain model ------------------------------ */

static uint32_t hist_rng = 1u;
static uint32_t hist_next(void)
{
    hist_rng = hist_rng * 1103515245u + 12345u;
    return hist_rng >> 8;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Integer and entropy histories fed 3,000 values with many repeats (a
 * small range, runs of one value, then a jump): after every add the sorted
 * copy is the sorted last MA_FEAT_HIST values (an entropy as the multiple
 * of 2^-52 nearest to it), and the judgement of each value is the model's:
 * z from the mean and population std of the previous values (two passes
 * on doubles: the same z up to rounding), the IQR fences from their
 * quartiles (docs/features.md, Outliers). */
static void test_hist_model(void)
{
    enum { N = 3000 };
    for (int integer = 0; integer < 2; integer++) {
        for (int shape = 0; shape < 3; shape++) {
            hist_rng = 99u + (uint32_t)(shape * 2 + integer);
            hist_t *h = ma_hist_new();
            double *vals = malloc(N * sizeof *vals), win[MA_FEAT_HIST], srt[MA_FEAT_HIST];
            unsigned bad_sorted = 0, bad_z = 0, bad_iqr = 0, judged = 0;
            for (unsigned k = 0; k < N; k++) {
                int64_t xi;
                switch (shape) {
                case 0: xi = (int64_t)(hist_next() % 7); break;                 /* repeats */
                case 1: xi = (int64_t)((k / 37) % 5) * 1000 + (k % 3); break;   /* runs */
                default: xi = k < N / 2 ? (int64_t)(hist_next() % 50) : 5000 + (int64_t)(hist_next() % 50);
                }
                double x = integer ? (double)xi / 1e3 : (double)xi / 700.0; /* entropies: 0 .. 7.2 */
                if (!integer) /* the value the history keeps (exact from 1 up) */
                    x = ldexp((double)llround(ldexp(x, 52)), -52);
                unsigned n = k < MA_FEAT_HIST ? k : MA_FEAT_HIST;
                for (unsigned i = 0; i < n; i++)
                    win[i] = vals[k - n + i];
                ma_feat_rec_t r;
                memset(&r, 0, sizeof r);
                if (integer)
                    ma_hist_judge_add_int(h, xi, 1e3, &r, MA_OUT_PL);
                else
                    ma_hist_judge_add_entropy(h, (double)xi / 700.0, &r, MA_OUT_PE);
                ma_out_metric_t m = integer ? MA_OUT_PL : MA_OUT_PE;
                if (n >= MA_FEAT_HIST_MIN) {
                    judged++;
                    memcpy(srt, win, n * sizeof *srt);
                    qsort(srt, n, sizeof *srt, cmp_dbl);
                    double q1 = ma_feat_quantile_sorted(srt, n, 0.25), q3 = ma_feat_quantile_sorted(srt, n, 0.75);
                    bool iqr = x < q1 - 1.5 * (q3 - q1) || x > q3 + 1.5 * (q3 - q1);
                    bad_iqr += iqr != ((r.bits & MA_REC_IQR(m)) != 0) || !(r.present & MA_FEAT_HAS_OUT(m));
                    summary_t sm = ma_summarize(win, n);
                    double z = sm.std <= 1e-9 * fabs(sm.mean) ? 0.0 : (x - sm.mean) / sm.std;
                    bad_z += fabs(z - r.z[m]) > 1e-9 * (1.0 + fabs(z));
                } else {
                    bad_iqr += (r.present & MA_FEAT_HAS_OUT(m)) != 0;
                }
                vals[k] = x;
                unsigned now = n < MA_FEAT_HIST ? n + 1 : MA_FEAT_HIST;
                for (unsigned i = 0; i < now; i++)
                    srt[i] = vals[k + 1 - now + i];
                qsort(srt, now, sizeof *srt, cmp_dbl);
                bad_sorted += h->n != now || memcmp(srt, h->sorted, now * sizeof *srt) != 0;
            }
            CHECK_EQ(bad_sorted, 0);
            CHECK_EQ(bad_z, 0);
            CHECK_EQ(bad_iqr, 0);
            CHECK(judged == N - MA_FEAT_HIST_MIN);
            free(vals);
            ma_hist_free(h);
        }
    }
}

/* Entropy histories: values from 1 up are kept exactly, smaller ones
 * within 2^-53; a constant history has exactly zero variance (z 0, no
 * sigma) however the value rounds; out-of-range input is clamped. */
static void test_hist_entropy(void)
{
    hist_t *h = ma_hist_new();
    ma_feat_rec_t r;
    const double c = log2(3.0) / 3.0 + 1.0; /* not a short binary fraction */
    for (int k = 0; k < 50; k++) {
        memset(&r, 0, sizeof r);
        ma_hist_judge_add_entropy(h, c, &r, MA_OUT_PE);
    }
    CHECK(r.present & MA_FEAT_HAS_OUT(MA_OUT_PE));
    CHECK(r.z[MA_OUT_PE] == 0.0);
    CHECK_EQ(ma_feat_rec_sigma(&r, MA_OUT_PE), 0);
    CHECK(h->sorted[0] == c && h->sorted[h->n - 1] == c); /* >= 1: exact */
    CHECK(h->big == 0);
    /* one jump: z = (x - c) / 0 is no outlier by sigma, but the IQR fences
     * (q1 = q3 = c) flag it */
    memset(&r, 0, sizeof r);
    ma_hist_judge_add_entropy(h, 7.5, &r, MA_OUT_PE);
    CHECK(r.z[MA_OUT_PE] == 0.0);
    CHECK(r.bits & MA_REC_IQR(MA_OUT_PE));
    /* now the history is 50 x c and 7.5: z of 7.5 again by hand */
    memset(&r, 0, sizeof r);
    ma_hist_judge_add_entropy(h, 7.5, &r, MA_OUT_PE);
    double mean = (50.0 * c + 7.5) / 51.0;
    double sd = sqrt((50.0 * (c - mean) * (c - mean) + (7.5 - mean) * (7.5 - mean)) / 51.0);
    CHECK_NEAR(r.z[MA_OUT_PE], (7.5 - mean) / sd);
    CHECK_EQ(ma_feat_rec_sigma(&r, MA_OUT_PE), 3);
    ma_hist_free(h);

    h = ma_hist_new();
    const double small = 1.0 / 3.0;
    ma_hist_judge_add_entropy(h, small, &r, MA_OUT_PE);
    CHECK(fabs(h->sorted[0] - small) <= 0x1p-53);
    ma_hist_judge_add_entropy(h, 9.5, &r, MA_OUT_PE);   /* clamped to 8 */
    ma_hist_judge_add_entropy(h, -1.0, &r, MA_OUT_PE);  /* clamped to 0 */
    ma_hist_judge_add_entropy(h, NAN, &r, MA_OUT_PE);   /* 0 */
    CHECK(h->sorted[0] == 0.0 && h->sorted[1] == 0.0 && h->sorted[3] == 8.0);
    CHECK(h->big == 0);
    ma_hist_free(h);
}

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/feat_basics/entropy", test_entropy);
    g_test_add_func("/feat_basics/quantile_sorted", test_quantile_sorted);
    g_test_add_func("/feat_basics/validate_sizes", test_validate_sizes);
    g_test_add_func("/feat_basics/validate_header", test_validate_header);
    g_test_add_func("/feat_basics/short_adus", test_short_adus);
    g_test_add_func("/feat_basics/columns", test_columns);
    g_test_add_func("/feat_basics/hist_model", test_hist_model);
    g_test_add_func("/feat_basics/hist_entropy", test_hist_entropy);
    return ma_test_run();
}
