/* test_feat.c - unit tests of the feature engine (core/ma_feat.c), the
 * features CSV and its sidecar (tap/ma_export.c) and the flow summaries
 * (tap/ma_flows.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every expectation is computed by hand from docs/features.md; the arithmetic
 * is written next to it from the inputs. ADUs are exact-size heap buffers so
 * that the sanitizer build catches any read past the bytes present.
 */
#define _POSIX_C_SOURCE 200809L

#include <glib.h>
#include <malloc.h>

#include "check.h"
#include "ma_export.h"
#include "ma_feat.h"
#include "ma_flows.h"

/* check.h's CHECK_EQ compares as long long, which would truncate a feature
 * value (0.5 == 0); here it compares exactly as doubles (integers to 2^53). */
#undef CHECK_EQ
#define CHECK_EQ(a, b)                                                                \
    do {                                                                              \
        double ea_ = (double)(a), eb_ = (double)(b);                                  \
        if (ea_ == eb_) {                                                             \
            g_pass++;                                                                 \
        } else {                                                                      \
            g_fail++;                                                                 \
            printf("%s:%d: CHECK_EQ failed: %s == %s (got %.17g, expected %.17g)\n",   \
                   __FILE__, __LINE__, #a, #b, ea_, eb_);                             \
        }                                                                             \
    } while (0)

/* |a - b| <= 1e-12, relative above 1. */
#define CHECK_NEAR(a, b)                                                              \
    do {                                                                              \
        double na_ = (double)(a), nb_ = (double)(b);                                  \
        double tol_ = 1e-12 * (fabs(nb_) > 1.0 ? fabs(nb_) : 1.0);                    \
        if (fabs(na_ - nb_) <= tol_) {                                                \
            g_pass++;                                                                 \
        } else {                                                                      \
            g_fail++;                                                                 \
            printf("%s:%d: CHECK_NEAR failed: %s == %s (got %.17g, expected %.17g)\n", \
                   __FILE__, __LINE__, #a, #b, na_, nb_);                             \
        }                                                                             \
    } while (0)

/* Data bytes of an ADU as two arguments: pointer, count. */
#define D(...) (const uint8_t[]){__VA_ARGS__}, (uint32_t)sizeof((const uint8_t[]){__VA_ARGS__})
#define NODATA NULL, 0u

/* An ADU with a consistent MBAP length (data + 2), in an exact-size heap buffer. */
static uint8_t *adu_new(uint16_t tid, uint8_t unit, uint8_t fc, const uint8_t *d, uint32_t dl,
                        uint32_t *n)
{
    uint16_t mlen = (uint16_t)(dl + 2);
    *n = 8 + dl;
    uint8_t *a = malloc(*n);
    a[0] = (uint8_t)(tid >> 8);
    a[1] = (uint8_t)tid;
    a[2] = 0;
    a[3] = 0;
    a[4] = (uint8_t)(mlen >> 8);
    a[5] = (uint8_t)mlen;
    a[6] = unit;
    a[7] = fc;
    if (dl)
        memcpy(a + 8, d, dl);
    return a;
}

/* An exact-size heap copy of n raw bytes (n may be 0). */
static uint8_t *raw_new(const uint8_t *b, uint32_t n)
{
    uint8_t *a = malloc(n);
    if (n)
        memcpy(a, b, n);
    return a;
}

static uint8_t val(uint8_t unit, uint8_t fc, const uint8_t *d, uint32_t dl, bool req, bool strict)
{
    uint32_t n;
    uint8_t *a = adu_new(1, unit, fc, d, dl, &n);
    uint8_t r = ma_feat_validate(a, n, req, strict);
    free(a);
    return r;
}

static uint8_t val_raw(const uint8_t *b, uint32_t n, bool req, bool strict)
{
    uint8_t *a = raw_new(b, n);
    uint8_t r = ma_feat_validate(a, n, req, strict);
    free(a);
    return r;
}

static ma_pair_t mkpair(uint32_t id, ma_addr_t client, ma_addr_t server)
{
    ma_pair_t p;
    memset(&p, 0, sizeof p);
    p.id = id;
    p.client = client;
    p.server = server;
    p.server_port = 502;
    return p;
}

/* One PDU on pair p (request: client -> server), ADU built from the fields. */
static ma_feat_t feat(ma_feat_engine_t *e, const ma_pair_t *p, uint32_t stream, ma_ns_t ts,
                      bool req, uint16_t tid, uint8_t unit, uint8_t fc, const uint8_t *d,
                      uint32_t dl, bool paired, ma_ns_t rt)
{
    uint32_t n;
    uint8_t *a = adu_new(tid, unit, fc, d, dl, &n);
    ma_feat_in_t in;
    memset(&in, 0, sizeof in);
    in.ts = ts;
    in.stream = stream;
    in.pair = p;
    in.src = req ? p->client : p->server;
    in.dst = req ? p->server : p->client;
    in.is_request = req;
    in.adu = a;
    in.adu_len = n;
    in.paired_response = paired;
    in.response_time = rt;
    ma_feat_t f;
    ma_feat_pdu(e, &in, &f);
    free(a);
    return f;
}

/* A PDU whose ADU has n_pl bytes (fc 8, diagnostics: no fixed PDU size). */
static ma_feat_t feat_len(ma_feat_engine_t *e, const ma_pair_t *p, uint32_t stream, ma_ns_t ts,
                          uint32_t n_pl)
{
    uint8_t data[300];
    memset(data, 0x11, sizeof data);
    return feat(e, p, stream, ts, true, 1, 1, 8, data, n_pl - 8, false, 0);
}

static ma_feat_engine_t *engine(bool split, bool strict)
{
    ma_feat_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.split_direction = split;
    cfg.strict_unit_id = strict;
    return ma_feat_new(&cfg);
}

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

#define PID MA_INVALID_PROTOCOL_ID
#define UNIT MA_INVALID_UNIT_ID
#define FC MA_INVALID_FC
#define LEN MA_INVALID_LENGTH

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

/* ---- one connection, 13 PDUs ------------------------------------------------- */

typedef struct {
    bool           req;
    uint16_t       tid;
    uint8_t        fc;
    const uint8_t *d;
    uint32_t       dl;
    bool           paired;
} seq_t;

#define DATA(...) .d = (const uint8_t[]){__VA_ARGS__}, .dl = (uint32_t)sizeof((const uint8_t[]){__VA_ARGS__})

static void test_sequence(void)
{
    ma_feat_engine_t *e = engine(false, false);
    ma_pair_t p = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 2));
    /* index k = 1..13 */
    const seq_t s[14] = {
        {0},
        {.req = true, .tid = 1, .fc = 3, DATA(1, 1, 1, 1)},                        /* PL 12, PE 0 */
        {.req = false, .tid = 1, .fc = 3, DATA(3, 0, 1, 2), .paired = true},      /* PL 12, PE 2 */
        {.req = true, .tid = 3, .fc = 3, DATA(0, 0, 1, 1)},                        /* PL 12, PE 1 */
        {.req = false, .tid = 3, .fc = 3, DATA(7, 0, 1, 2, 3, 4, 5, 6), .paired = true}, /* 16, 3 */
        {.req = true, .tid = 5, .fc = 16, DATA(0, 1, 2, 4, 3, 5, 6, 7)},           /* PL 16, PE 3 */
        {.req = false, .tid = 5, .fc = 16, DATA(0, 1, 2, 4), .paired = true},      /* PL 12, PE 2 */
        {.req = true, .tid = 7, .fc = 6, DATA(0, 0, 1, 1)},                        /* PL 12, PE 1 */
        {.req = false, .tid = 7, .fc = 6, DATA(0, 0, 1, 1), .paired = false},     /* PL 12, PE 1 */
        {.req = true, .tid = 0x0A0B, .fc = 3, DATA(1, 1, 1, 1)},                   /* PL 12, PE 0 */
        {.req = false, .tid = 0x0A0B, .fc = 0x83, DATA(2), .paired = true},        /* PL 9, PE 0 */
        {.req = true, .tid = 11, .fc = 3, DATA(0, 0, 1, 1)},                       /* PL 12, PE 1 */
        {.req = false, .tid = 11, .fc = 3, DATA(1, 0), .paired = true},            /* PL 10, PE 1 */
        {.req = true, .tid = 13, .fc = 3, DATA(0, 1, 2, 3)},                       /* PL 12, PE 2 */
    };
    /* inter-arrival times d_k = t_k - t_{k-1} */
    const ma_ns_t iat[14] = {0, 0, MS(10), MS(20), MS(10), MS(20), MS(10), MS(20), MS(10),
                             MS(20), MS(10), MS(20), MS(5), 4999999};
    const double pl[14] = {0, 12, 12, 12, 16, 16, 12, 12, 12, 12, 9, 12, 10, 12};
    const double pe[14] = {0, 0, 2, 1, 3, 3, 2, 1, 1, 0, 0, 1, 1, 2};
    /* fc 3,3,3,3,16,16,6,6,3,0x83,3,3,3 */
    const int chg[14] = {0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0};
    /* requests so far: k = 1,3,5,...; paired responses: 2,4,6,10,12 (8 is not) */
    const double pair_num[14] = {0, 0, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5};
    const double pair_den[14] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7};
    ma_ns_t t[14];
    ma_feat_t f[14];
    t[1] = SEC(1000);
    for (int k = 2; k <= 13; k++)
        t[k] = t[k - 1] + iat[k];
    for (int k = 1; k <= 13; k++)
        f[k] = feat(e, &p, 1, t[k], s[k].req, s[k].tid, 1, s[k].fc, s[k].d, s[k].dl, s[k].paired,
                    iat[k]);

    for (int k = 1; k <= 13; k++) {
        const double *v = f[k].v;
        CHECK_EQ(v[MA_F_PACKET_LENGTH], pl[k]);
        CHECK_EQ(v[MA_F_DATA_LENGTH], pl[k] - 8);
        CHECK_EQ(v[MA_F_MODBUS_LENGTH], pl[k] - 6);
        CHECK_NEAR(v[MA_F_PE], pe[k]);
        CHECK_NEAR(v[MA_F_TD], (double)iat[k] / 1e9);
        CHECK_NEAR(v[MA_F_TD_MS], (double)iat[k] / 1e6);
        CHECK_EQ(v[MA_F_FC_CHANGES], chg[k]);
        CHECK_EQ(v[MA_F_IS_VALID], 1);
        CHECK_EQ(v[MA_F_ROLL_COUNT], k < 10 ? k : 10);
        CHECK_EQ(v[MA_F_SESS_PACKETS], k);
        CHECK_NEAR(v[MA_F_SESS_DURATION], (double)(t[k] - t[1]) / 1e9);
        CHECK_EQ(v[MA_F_SESS_DOMINANT_FC], 3);
        CHECK_NEAR(v[MA_F_SESS_PAIRING], pair_num[k] / pair_den[k]);
        /* burst: IAT < 5 ms; PDU 1 has none, PDU 12 is exactly 5 ms, PDU 13 4.999999 ms */
        CHECK_EQ(v[MA_F_BURST], k == 13);
        /* response_time only on paired responses */
        bool rt = s[k].paired;
        CHECK_EQ(!!(f[k].present & MA_FEAT_HAS_RT), rt);
        CHECK_NEAR(v[MA_F_RESPONSE_TIME], rt ? (double)iat[k] / 1e9 : 0.0);
        CHECK_EQ(v[MA_F_WINDOW_TRUNCATED], 0);
        if (k < 10) {
            /* zero fill until the window holds 10 */
            static const int zero[] = {
                MA_F_PL_MEAN10, MA_F_PL_STD10, MA_F_PL_MAX10, MA_F_PL_MIN10, MA_F_PL_CV10,
                MA_F_PE_MEAN10, MA_F_PE_STD10, MA_F_PE_MAX10, MA_F_PE_MIN10, MA_F_FC_STAB10,
                MA_F_ENTROPY_STABILITY};
            for (unsigned i = 0; i < sizeof zero / sizeof zero[0]; i++)
                CHECK_EQ(v[zero[i]], 0);
        }
        if (k < 11) {
            CHECK_EQ(v[MA_F_TD_MEAN10], 0);
            CHECK_EQ(v[MA_F_TD_STD10], 0);
            CHECK_EQ(v[MA_F_TD_CV10], 0);
            CHECK_EQ(v[MA_F_TD_MIN10], 0);
            CHECK_EQ(v[MA_F_TD_MAX10], 0);
            CHECK_EQ(v[MA_F_PERIODICITY], 0);
            CHECK_EQ(f[k].td_full, 0);
        } else {
            CHECK_EQ(f[k].td_full, 1);
        }
    }
    /* basic fields */
    CHECK_EQ(f[1].v[MA_F_IS_READ], 1);
    CHECK_EQ(f[1].v[MA_F_IS_WRITE], 0);
    CHECK_EQ(f[5].v[MA_F_IS_WRITE], 1);
    CHECK_EQ(f[5].v[MA_F_IS_READ], 0);
    CHECK_EQ(f[7].v[MA_F_IS_WRITE], 1);
    CHECK_EQ(f[3].v[MA_F_TRANSACTION_ID], 3);
    const double *v10 = f[10].v;
    CHECK_EQ(v10[MA_F_TRANSACTION_ID], 0x0A0B);
    CHECK_EQ(v10[MA_F_PROTOCOL_ID], 0);
    CHECK_EQ(v10[MA_F_UNIT_ID], 1);
    CHECK_EQ(v10[MA_F_FUNCTION_CODE], 131);
    CHECK_EQ(f[10].fc, 0x83);
    CHECK_EQ(v10[MA_F_IS_ERROR], 1);
    CHECK_EQ(v10[MA_F_IS_READ], 0);
    CHECK_EQ(v10[MA_F_IS_WRITE], 0);
    CHECK_EQ(f[9].v[MA_F_IS_ERROR], 0);
    /* header 0A 0B 00 00 00 03 01: 00 x3 + 4 singletons = 3/7 log2(7/3) + 4/7 log2 7;
     * full: + 83 02: 00 x3 + 6 singletons over 9 = 1/3 log2 3 + 6/9 log2 9 = 5/3 log2 3 */
    CHECK_NEAR(v10[MA_F_HE], 3.0 / 7.0 * log2(7.0 / 3.0) + 4.0 / 7.0 * log2(7.0));
    CHECK_NEAR(v10[MA_F_FE], 5.0 / 3.0 * log2(3.0));

    /* PDU 10: first full 10-window (PDUs 1..10)
     * PL 12,12,12,16,16,12,12,12,12,9: sum 125, mean 12.5;
     *   SS = 7 x 0.25 + 2 x 12.25 + 12.25 = 38.5, var 3.85 */
    CHECK_NEAR(v10[MA_F_PL_MEAN10], 12.5);
    CHECK_NEAR(v10[MA_F_PL_STD10], sqrt(3.85));
    CHECK_NEAR(v10[MA_F_PL_MAX10], 16);
    CHECK_NEAR(v10[MA_F_PL_MIN10], 9);
    CHECK_NEAR(v10[MA_F_PL_CV10], sqrt(3.85) / 12.5);
    /* PE 0,2,1,3,3,2,1,1,0,0: sum 13, mean 1.3;
     *   SS = 3 x 1.69 + 2 x 0.49 + 3 x 0.09 + 2 x 2.89 = 12.1, var 1.21, std 1.1 */
    CHECK_NEAR(v10[MA_F_PE_MEAN10], 1.3);
    CHECK_NEAR(v10[MA_F_PE_STD10], 1.1);
    CHECK_NEAR(v10[MA_F_PE_MAX10], 3);
    CHECK_NEAR(v10[MA_F_PE_MIN10], 0);
    CHECK_NEAR(v10[MA_F_ENTROPY_STABILITY], 1.0 / 2.1);
    /* changes 0,0,0,0,1,0,1,0,1,1: 6 of 10 unchanged */
    CHECK_NEAR(v10[MA_F_FC_STAB10], 0.6);

    /* PDU 11: window PDUs 2..11, first IAT window d2..d11 = 10,20,... ms
     * PL: 12 replaces 12: unchanged */
    const double *v11 = f[11].v;
    CHECK_NEAR(v11[MA_F_PL_MEAN10], 12.5);
    CHECK_NEAR(v11[MA_F_PL_STD10], sqrt(3.85));
    /* PE 2,1,3,3,2,1,1,0,0,1: sum 14, mean 1.4;
     *   SS = 2 x 0.36 + 4 x 0.16 + 2 x 2.56 + 2 x 1.96 = 10.4, var 1.04 */
    CHECK_NEAR(v11[MA_F_PE_MEAN10], 1.4);
    CHECK_NEAR(v11[MA_F_PE_STD10], sqrt(1.04));
    CHECK_NEAR(v11[MA_F_ENTROPY_STABILITY], 1.0 / (1.0 + sqrt(1.04)));
    /* changes of PDUs 2..11: 0,0,0,1,0,1,0,1,1,1 -> 5 of 10 */
    CHECK_NEAR(v11[MA_F_FC_STAB10], 0.5);
    /* IAT 5 x 10 ms, 5 x 20 ms: mean 15 ms, std 5 ms (every deviation 5 ms), cv 1/3 */
    CHECK_NEAR(v11[MA_F_TD_MEAN10], 0.015);
    CHECK_NEAR(v11[MA_F_TD_STD10], 0.005);
    CHECK_NEAR(v11[MA_F_TD_CV10], 1.0 / 3.0);
    CHECK_NEAR(v11[MA_F_TD_MIN10], 0.010);
    CHECK_NEAR(v11[MA_F_TD_MAX10], 0.020);
    CHECK_NEAR(v11[MA_F_PERIODICITY], 2.0 / 3.0);

    /* PDU 12: window PDUs 3..12
     * PL 12,16,16,12,12,12,12,9,12,10: sum 123, mean 12.3;
     *   SS = 6 x 0.09 + 2 x 13.69 + 10.89 + 5.29 = 44.1, var 4.41, std 2.1 */
    const double *v12 = f[12].v;
    CHECK_NEAR(v12[MA_F_PL_MEAN10], 12.3);
    CHECK_NEAR(v12[MA_F_PL_STD10], 2.1);
    CHECK_NEAR(v12[MA_F_PL_CV10], 2.1 / 12.3);
    CHECK_NEAR(v12[MA_F_PL_MIN10], 9);
    CHECK_NEAR(v12[MA_F_PL_MAX10], 16);
    /* PE 1,3,3,2,1,1,0,0,1,1: sum 13, mean 1.3;
     *   SS = 5 x 0.09 + 2 x 2.89 + 0.49 + 2 x 1.69 = 10.1, var 1.01 */
    CHECK_NEAR(v12[MA_F_PE_STD10], sqrt(1.01));
    CHECK_NEAR(v12[MA_F_ENTROPY_STABILITY], 1.0 / (1.0 + sqrt(1.01)));
    /* IAT d3..d12 = 20,10,20,10,20,10,20,10,20,5 ms: sum 145, mean 14.5 ms;
     *   SS = 5 x 5.5^2 + 4 x 4.5^2 + 9.5^2 = 151.25 + 81 + 90.25 = 322.5 ms^2, var 32.25 */
    CHECK_NEAR(v12[MA_F_TD_MEAN10], 0.0145);
    CHECK_NEAR(v12[MA_F_TD_STD10], sqrt(32.25) / 1000.0);
    CHECK_NEAR(v12[MA_F_TD_CV10], sqrt(32.25) / 14.5);
    CHECK_NEAR(v12[MA_F_TD_MIN10], 0.005);
    CHECK_NEAR(v12[MA_F_TD_MAX10], 0.020);
    CHECK_NEAR(v12[MA_F_PERIODICITY], 1.0 - sqrt(32.25) / 14.5);
    CHECK_NEAR(v12[MA_F_TD_MS], 5.0);
    CHECK_NEAR(v12[MA_F_FC_STAB10], 0.5); /* PDUs 3..12: 0,0,1,0,1,0,1,1,1,0 */
    /* PDU 13: IAT 4.999999 ms, the window's new minimum */
    CHECK_NEAR(f[13].v[MA_F_TD], 0.004999999);
    CHECK_NEAR(f[13].v[MA_F_TD_MS], 4.999999);
    CHECK_NEAR(f[13].v[MA_F_TD_MIN10], 0.004999999);
    CHECK_NEAR(f[13].v[MA_F_FC_STAB10], 0.5); /* PDUs 4..13: 0,1,0,1,0,1,1,1,0,0 */

    /* outliers of the flow: packet_length and payload_entropy judged from PDU 11
     * (history of 10), time_delta from PDU 12 (IATs of PDUs 2..11) */
    CHECK(!(f[10].present & MA_FEAT_HAS_OUT(MA_OUT_PL)));
    CHECK(!(f[10].present & MA_FEAT_HAS_OUT(MA_OUT_PE)));
    CHECK(f[11].present & MA_FEAT_HAS_OUT(MA_OUT_PL));
    CHECK(f[11].present & MA_FEAT_HAS_OUT(MA_OUT_PE));
    CHECK(!(f[11].present & MA_FEAT_HAS_OUT(MA_OUT_TD)));
    CHECK(f[12].present & MA_FEAT_HAS_OUT(MA_OUT_TD));
    /* only 5 paired responses on the pair: response time never judged */
    for (int k = 1; k <= 13; k++)
        CHECK(!(f[k].present & MA_FEAT_HAS_OUT(MA_OUT_RT)));
    /* PDU 11 packet_length 12 vs PDUs 1..10: mean 12.5, std sqrt(3.85): z = -0.5/sqrt(3.85);
     * sorted 9,12 x7,16,16: q1 (pos 2.25) = 12, q3 (pos 6.75) = 12, IQR 0, 12 inside */
    CHECK_NEAR(f[11].v[MA_F_OUT_PL_Z], -0.5 / sqrt(3.85));
    CHECK_EQ(f[11].v[MA_F_OUT_PL_SIGMA], 0);
    CHECK_EQ(f[11].v[MA_F_OUT_PL_IQR], 0);
    /* PDU 12 time_delta 5 ms vs 10/20 ms: z = (5 - 15) / 5 = -2;
     * q1 = 10 ms, q3 = 20 ms, fence 10 - 15 = -5 ms: not an IQR outlier */
    CHECK_NEAR(f[12].v[MA_F_OUT_TD_Z], -2.0);
    CHECK_EQ(f[12].v[MA_F_OUT_TD_IQR], 0);
    ma_feat_free(e);
}

/* Session features: dominant code ties, pairing ratio with no request. */
static void test_session(void)
{
    ma_feat_engine_t *e = engine(false, false);
    ma_pair_t p = mkpair(3, v4(10, 0, 0, 1), v4(10, 0, 0, 2));
    /* a response first (unpaired): no request yet -> 0 */
    ma_feat_t f = feat(e, &p, 9, SEC(5), false, 1, 1, 6, D(0, 1, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_SESS_DOMINANT_FC], 6);
    CHECK_EQ(f.v[MA_F_SESS_PAIRING], 0);
    CHECK_EQ(f.v[MA_F_SESS_DURATION], 0);
    CHECK_EQ(f.v[MA_F_FC_CHANGES], 0);
    /* 6:1, 5:1 -> tie -> 5 */
    f = feat(e, &p, 9, SEC(6), true, 2, 1, 5, D(0, 1, 0xff, 0), false, 0);
    CHECK_EQ(f.v[MA_F_SESS_DOMINANT_FC], 5);
    CHECK_EQ(f.v[MA_F_SESS_PAIRING], 0);  /* 0 paired / 1 request */
    CHECK_EQ(f.v[MA_F_FC_CHANGES], 1);
    CHECK_NEAR(f.v[MA_F_SESS_DURATION], 1.0);
    /* 6:2, 5:1 -> 6 */
    f = feat(e, &p, 9, SEC(7), false, 2, 1, 6, D(0, 1, 0, 1), true, MS(3));
    CHECK_EQ(f.v[MA_F_SESS_DOMINANT_FC], 6);
    CHECK_NEAR(f.v[MA_F_SESS_PAIRING], 1.0); /* 1 / 1 */
    /* 6:2, 5:2 -> tie -> 5 */
    f = feat(e, &p, 9, SEC(8), true, 3, 1, 5, D(0, 1, 0xff, 0), false, 0);
    CHECK_EQ(f.v[MA_F_SESS_DOMINANT_FC], 5);
    CHECK_NEAR(f.v[MA_F_SESS_PAIRING], 0.5); /* 1 / 2 */
    /* 3:1 -> 5 stays */
    f = feat(e, &p, 9, SEC(9), true, 4, 1, 3, D(0, 1, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_SESS_DOMINANT_FC], 5);
    CHECK_NEAR(f.v[MA_F_SESS_PAIRING], 1.0 / 3.0);
    CHECK_EQ(f.v[MA_F_SESS_PACKETS], 5);
    CHECK_NEAR(f.v[MA_F_SESS_DURATION], 4.0);
    /* another connection on the same pair: its own session */
    f = feat(e, &p, 10, SEC(10), true, 5, 1, 16, D(0, 0, 0, 1, 2, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_SESS_DOMINANT_FC], 16);
    CHECK_EQ(f.v[MA_F_SESS_PACKETS], 1);
    CHECK_EQ(f.v[MA_F_SESS_DURATION], 0);
    CHECK_EQ(f.v[MA_F_FC_CHANGES], 0);
    CHECK_EQ(f.v[MA_F_TD], 0);
    CHECK_EQ(f.v[MA_F_BURST], 0);
    /* ...but the 60 s window is the pair's: 6 PDUs */
    CHECK_EQ(f.v[MA_F_PKTS_60S], 6);
    ma_feat_free(e);

    /* strict unit id through the engine */
    e = engine(false, true);
    f = feat(e, &p, 1, SEC(1), true, 1, 0, 3, D(0, 0, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_UNIT_VALID], 0);
    CHECK_EQ(f.v[MA_F_IS_VALID], 0);
    CHECK_EQ(f.invalid, UNIT);
    f = feat(e, &p, 1, SEC(2), true, 1, 255, 3, D(0, 0, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_UNIT_VALID], 0);
    f = feat(e, &p, 1, SEC(3), true, 1, 247, 3, D(0, 0, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_UNIT_VALID], 1);
    CHECK_EQ(f.v[MA_F_IS_VALID], 1);
    ma_feat_free(e);
    e = engine(false, false);
    f = feat(e, &p, 1, SEC(1), true, 1, 0, 3, D(0, 0, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_UNIT_VALID], 1);
    CHECK_EQ(f.invalid, 0);
    f = feat(e, &p, 1, SEC(2), true, 1, 248, 0x83, D(0, 0, 0, 1, 1), false, 0);
    /* exception bit in a request: fc invalid, size checked against the MBAP length only */
    CHECK_EQ(f.invalid, UNIT | FC);
    CHECK_EQ(f.v[MA_F_PID_VALID], 1);
    CHECK_EQ(f.v[MA_F_UNIT_VALID], 0);
    CHECK_EQ(f.v[MA_F_FC_VALID], 0);
    CHECK_EQ(f.v[MA_F_LEN_CONSISTENT], 1);
    CHECK_EQ(f.v[MA_F_IS_VALID], 0);
    ma_feat_free(e);
}

/* split_direction: requests and responses have separate rolling windows. */
static void test_split_direction(void)
{
    for (int split = 0; split <= 1; split++) {
        ma_feat_engine_t *e = engine(split != 0, false);
        ma_pair_t p = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 2));
        ma_feat_t f[21];
        /* request i at 100 ms i (PL 12, fc 3), its response 3 ms later (PL 16, fc 3) */
        for (int i = 0; i < 10; i++) {
            ma_ns_t tq = SEC(1) + MS(100) * i;
            f[2 * i + 1] = feat(e, &p, 4, tq, true, (uint16_t)i, 1, 3, D(0, 0, 0, 4), false, 0);
            f[2 * i + 2] = feat(e, &p, 4, tq + MS(3), false, (uint16_t)i, 1, 3,
                                D(7, 0, 1, 2, 3, 4, 5, 6), true, MS(3));
        }
        if (split) {
            /* PDU 1 (request) and 2 (response) both open a flow: no IAT */
            CHECK_EQ(f[2].v[MA_F_TD], 0);
            CHECK_EQ(f[2].v[MA_F_ROLL_COUNT], 1);
            CHECK_EQ(f[10].v[MA_F_ROLL_COUNT], 5);
            CHECK_EQ(f[10].v[MA_F_PL_MEAN10], 0);
            /* every later IAT is 100 ms in each direction: no burst */
            for (int k = 3; k <= 20; k++) {
                CHECK_NEAR(f[k].v[MA_F_TD], 0.1);
                CHECK_EQ(f[k].v[MA_F_BURST], 0);
            }
            /* request 10 (PDU 19): 10 requests of 12 bytes */
            CHECK_EQ(f[19].v[MA_F_ROLL_COUNT], 10);
            CHECK_NEAR(f[19].v[MA_F_PL_MEAN10], 12);
            CHECK_NEAR(f[19].v[MA_F_PL_STD10], 0);
            /* request data 0,0,0,4: p 3/4, 1/4: 3/4 log2(4/3) + 1/4 log2 4 = 2 - 3/4 log2 3 */
            CHECK_NEAR(f[19].v[MA_F_PE_MEAN10], 2.0 - 0.75 * log2(3.0));
            CHECK_NEAR(f[19].v[MA_F_PE_STD10], 0);
            CHECK_NEAR(f[20].v[MA_F_PL_MEAN10], 16);
            CHECK_NEAR(f[20].v[MA_F_PE_MEAN10], 3); /* 8 distinct bytes */
            CHECK_NEAR(f[20].v[MA_F_ENTROPY_STABILITY], 1.0);
            CHECK_EQ(f[19].v[MA_F_FC_STAB10], 1);
            CHECK_EQ(f[19].td_full, 0);             /* 9 IATs */
            /* session features stay per connection */
            CHECK_EQ(f[20].v[MA_F_SESS_PACKETS], 20);
            CHECK_NEAR(f[20].v[MA_F_SESS_PAIRING], 1.0);
        } else {
            CHECK_NEAR(f[2].v[MA_F_TD], 0.003);
            CHECK_EQ(f[2].v[MA_F_BURST], 1);      /* 3 ms */
            CHECK_NEAR(f[3].v[MA_F_TD], 0.097);
            CHECK_EQ(f[3].v[MA_F_BURST], 0);
            CHECK_EQ(f[10].v[MA_F_ROLL_COUNT], 10);
            CHECK_NEAR(f[10].v[MA_F_PL_MEAN10], 14);  /* 5 x 12 + 5 x 16 */
            CHECK_NEAR(f[10].v[MA_F_PL_STD10], 2);
            CHECK_EQ(f[11].td_full, 1);
            /* IATs 3 and 97 ms alternating: mean 50 ms, std 47 ms */
            CHECK_NEAR(f[11].v[MA_F_TD_MEAN10], 0.05);
            CHECK_NEAR(f[11].v[MA_F_TD_STD10], 0.047);
        }
        /* the 11th request: packet_length 12 against the flow's history */
        ma_feat_t g = feat(e, &p, 4, SEC(2), true, 10, 1, 3, D(0, 0, 0, 4), false, 0);
        CHECK(g.present & MA_FEAT_HAS_OUT(MA_OUT_PL));
        if (split) {
            /* 10 requests of 12: std 0 -> z 0 */
            CHECK_EQ(g.v[MA_F_OUT_PL_Z], 0);
            CHECK_EQ(g.v[MA_F_OUT_PL_IQR], 0);
            CHECK_EQ(g.v[MA_F_ROLL_COUNT], 10);
            CHECK_NEAR(g.v[MA_F_TD], 0.1);
            CHECK_EQ(g.td_full, 1);                 /* 10 request IATs */
            CHECK_NEAR(g.v[MA_F_TD_MEAN10], 0.1);
        } else {
            /* last 100 of 20 values: 10 x 12, 10 x 16: mean 14, std 2 -> z = -1 */
            CHECK_NEAR(g.v[MA_F_OUT_PL_Z], -1.0);
            CHECK_NEAR(g.v[MA_F_TD], 0.097);
        }
        CHECK_EQ(g.v[MA_F_SESS_PACKETS], 21);
        ma_feat_free(e);
    }
}

/* ---- the 60 s window -------------------------------------------------------- */

typedef struct {
    ma_ns_t        t;
    int            pair;   /* 0, 1, 2; -1: none (C2 -> S1) */
    bool           req;
    uint8_t        unit, fc;
    const uint8_t *d;
    uint32_t       dl;
    /* expected */
    int            usrc, udst, psrc, pdst, units, punit, pk, fcd;
    double         share, viol, intensity, rw;
} win_t;

static void test_window60(void)
{
    ma_feat_engine_t *e = engine(false, false);
    ma_addr_t c1 = v4(10, 0, 0, 1), c2 = v4(10, 0, 0, 3);
    ma_addr_t s1 = v4(10, 0, 0, 2), s2 = v4(10, 0, 0, 4);
    ma_pair_t pr[3] = {mkpair(0, c1, s1), mkpair(1, c1, s2), mkpair(2, c2, s1)};
    const ma_ns_t T = SEC(1000);
    /* e1 C1->S1 (P0) t 0; e2 S1->C1 (P0) t 1 ns; e3 C1->S2 (P1) 10 s; e4 C2->S1 (P2) 20 s,
     * invalid; e5 C1->S1 30 s unit 2; e6 C1->S1 40 s fc 4 invalid; e7 C1->S1 60 s fc 6;
     * e8 C1->S1 60 s + 1 ns; e9 C2->S1 80.5 s; e10 S2->C1 (P1) 81 s; e11 C1->S1 82 s unit 2;
     * e12 C2->S1 on no pair 83 s; e13 C2->S1 (P2) 84 s */
    const win_t w[] = {
        /* e1: window {e1}; P0: 1 PDU, span max(1 s, 0) = 1 s; 1 read */
        {0, 0, true, 1, 3, D(0, 0, 0, 1), 1, 1, 1, 1, 1, 1, 1, 1, 1.0, 0.0, 1.0 / 1.0, 1.0},
        /* e2: {e1,e2}; S1 sends to C1; P0: 2 PDUs, unit 1 x2, span 1 ns -> 1 s; 2 reads */
        {1, 0, false, 1, 3, D(2, 0, 0), 1, 1, 1, 1, 1, 2, 2, 1, 1.0, 0.0, 2.0 / 1.0, 2.0},
        /* e3: C1 -> {S1, S2}: 2 dsts; C1 sent e1, e3; S2 got 1; P1: one write -> 0 / 1 */
        {SEC(10), 1, true, 1, 6, D(0, 1, 0, 5), 1, 2, 2, 1, 1, 1, 1, 1, 1.0, 0.0, 1.0, 0.0},
        /* e4: S1 from {C1, C2}; C2 -> {S1}; C2 sent 1; S1 got e1, e4; P2 invalid 1/1 */
        {SEC(20), 2, true, 5, 16, D(0, 0, 0, 1, 2, 0), 2, 1, 1, 2, 1, 1, 1, 1, 1.0, 1.0, 1.0, 0.0},
        /* e5: C1 sent e1,e3,e5; S1 got e1,e4,e5; P0 e1,e2,e5: units {1,2}, unit 2 x1;
         *     fc {3}; span 30 s -> 3/30; 3 reads */
        {SEC(30), 0, true, 2, 3, D(0, 0, 0, 1), 2, 2, 3, 3, 2, 1, 3, 1, 1.0, 0.0, 3.0 / 30.0, 3.0},
        /* e6: C1 sent 4, S1 got 4; P0 e1,e2,e5,e6: unit 1 x3; fc {3,4}, fc 4 1/4;
         *     invalid 1/4; 4/40; 4 reads */
        {SEC(40), 0, true, 1, 4, D(0, 0, 0, 1, 9), 2, 2, 4, 4, 2, 3, 4, 2, 0.25, 0.25, 4.0 / 40.0, 4.0},
        /* e7 at 60 s exactly: e1 (t 0 <= 60 - 60) has left; e2 (1 ns) stays.
         *     C1 sent e3,e5,e6,e7; S1 got e4,e5,e6,e7; P0 e2,e5,e6,e7: units {1,2}, unit 1 x3;
         *     fc {3,4,6}, fc 6 1/4; invalid 1/4; span 60 s: 4/60; reads 3 / writes 1 */
        {SEC(60), 0, true, 1, 6, D(0, 1, 0, 5), 2, 2, 4, 4, 2, 3, 4, 3, 0.25, 0.25, 4.0 / 60.0, 3.0},
        /* e8 at 60 s + 1 ns: e2 (1 ns <= 1 ns) leaves. C1 sent e3,e5..e8; S1 got e4..e8;
         *     P0 e5..e8: unit 1 x3 (e6,e7,e8); fc {3,4,6}, fc 3 2/4; invalid 1/4;
         *     span min(60 s, 60 s + 1 ns) = 60 s: 4/60; reads 3 / writes 1 */
        {SEC(60) + 1, 0, true, 1, 3, D(0, 0, 0, 1), 2, 2, 5, 5, 2, 3, 4, 3, 0.5, 0.25, 4.0 / 60.0, 3.0},
        /* e9 at 80.5 s: e3 (10 s), e4 (20 s) leave (<= 20.5 s). S1 from {C1, C2};
         *     C2 sent e9 only; S1 got e5..e9; P2 e9 only (valid): span min(60, 60.5) = 60 s */
        {SEC(80) + MS(500), 2, true, 5, 16, D(0, 0, 0, 1, 2, 0, 7), 2, 1, 1, 5, 1, 1, 1, 1, 1.0, 0.0, 1.0 / 60.0, 0.0},
        /* e10 at 81 s: S2 -> C1 (P1): C1 from {S2} only (e2 left); S2 sent 1; C1 got 1;
         *     P1 e10 only (e3 left): span 71 s -> 60 s; one write */
        {SEC(81), 1, false, 1, 6, D(0, 1, 0, 5), 1, 1, 1, 1, 1, 1, 1, 1, 1.0, 0.0, 1.0 / 60.0, 0.0},
        /* e11 at 82 s: C1 -> {S1} only (e3 left); C1 sent e5..e8, e11; S1 got e5..e9, e11;
         *     P0 e5..e8, e11: units {1,2}, unit 2 x2 (e5, e11); fc 3 x3 of 5; invalid 1/5;
         *     5/60; reads e5,e6,e8,e11 / writes e7 */
        {SEC(82), 0, true, 2, 3, D(0, 0, 0, 1), 2, 1, 5, 6, 2, 2, 5, 3, 0.6, 0.2, 5.0 / 60.0, 4.0},
        /* e12 at 83 s on no pair: IP counts only. S1 from {C1, C2}; C2 sent e9, e12;
         *     S1 got e5..e9, e11, e12 = 7; pair features 0 */
        {SEC(83), -1, true, 5, 16, D(0, 0, 0, 1, 2, 0, 7), 2, 1, 2, 7, 0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0},
        /* e13 at 84 s (P2): P2 e9, e13 (e12 is on no pair): fc 16 x2, 2/60; C2 sent 3; S1 got 8 */
        {SEC(84), 2, true, 5, 16, D(0, 0, 0, 1, 2, 0, 7), 2, 1, 3, 8, 1, 2, 2, 1, 1.0, 0.0, 2.0 / 60.0, 0.0},
    };
    for (unsigned i = 0; i < sizeof w / sizeof w[0]; i++) {
        const win_t *x = &w[i];
        ma_feat_t f;
        if (x->pair >= 0) {
            f = feat(e, &pr[x->pair], (uint32_t)(20 + x->pair), T + x->t, x->req, (uint16_t)i,
                     x->unit, x->fc, x->d, x->dl, false, 0);
        } else {
            ma_pair_t nop = mkpair(99, c2, s1);
            uint32_t n;
            uint8_t *a = adu_new((uint16_t)i, x->unit, x->fc, x->d, x->dl, &n);
            ma_feat_in_t in;
            memset(&in, 0, sizeof in);
            in.ts = T + x->t;
            in.stream = 30;
            in.pair = NULL;
            in.src = nop.client;
            in.dst = nop.server;
            in.is_request = true;
            in.adu = a;
            in.adu_len = n;
            ma_feat_pdu(e, &in, &f);
            free(a);
        }
        const double *v = f.v;
        unsigned ev = i + 1;
#define WCHK(got, want)                                                                       \
    do {                                                                                      \
        double g_ = (got), w_ = (want);                                                       \
        if (fabs(g_ - w_) <= 1e-12 * (fabs(w_) > 1 ? fabs(w_) : 1)) {                          \
            g_pass++;                                                                         \
        } else {                                                                              \
            g_fail++;                                                                         \
            printf("%s:%d: e%u %s = %.17g, expected %.17g\n", __FILE__, __LINE__, ev, #got, g_, w_); \
        }                                                                                     \
    } while (0)
        WCHK(v[MA_F_UNIQUE_SRC], x->usrc);
        WCHK(v[MA_F_UNIQUE_DST], x->udst);
        WCHK(v[MA_F_PKTS_SRC], x->psrc);
        WCHK(v[MA_F_PKTS_DST], x->pdst);
        WCHK(v[MA_F_UNIQUE_UNITS], x->units);
        WCHK(v[MA_F_PKTS_UNIT], x->punit);
        WCHK(v[MA_F_PKTS_60S], x->pk);
        WCHK(v[MA_F_FC_DISTINCT_60S], x->fcd);
        WCHK(v[MA_F_FC_SHARE_60S], x->share);
        WCHK(v[MA_F_VIOLATION_60S], x->viol);
        WCHK(v[MA_F_INTENSITY], x->intensity);
        WCHK(v[MA_F_RW_RATIO], x->rw);
        WCHK(v[MA_F_WINDOW_TRUNCATED], 0);
        WCHK(v[MA_F_IS_VALID], (i == 3 || i == 5) ? 0 : 1);
#undef WCHK
    }
    ma_feat_free(e);

    /* a clock stepping backwards never brings PDUs back */
    e = engine(false, false);
    ma_feat_t f = feat(e, &pr[0], 1, SEC(100), true, 1, 1, 3, D(0, 0, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_PKTS_60S], 1);
    f = feat(e, &pr[0], 1, SEC(170), true, 2, 1, 3, D(0, 0, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_PKTS_60S], 1); /* 100 s <= 110 s: left */
    f = feat(e, &pr[0], 1, SEC(130), true, 3, 1, 3, D(0, 0, 0, 1), false, 0);
    CHECK_EQ(f.v[MA_F_PKTS_60S], 2); /* 170 s and 130 s; 100 s stays out */
    CHECK_EQ(f.v[MA_F_PKTS_SRC], 2);
    ma_feat_free(e);
}

/* ---- outliers ----------------------------------------------------------------- */

/* Feed a packet_length history on a fresh stream, then judge x. */
static ma_feat_t judge_pl(ma_feat_engine_t *e, uint32_t stream, const uint32_t *hist, unsigned n,
                          uint32_t x)
{
    ma_pair_t p = mkpair(stream, v4(10, 1, 0, (uint8_t)stream), v4(10, 0, 0, 2));
    for (unsigned i = 0; i < n; i++)
        (void)feat_len(e, &p, stream, SEC(1) + MS(100) * i, hist[i]);
    return feat_len(e, &p, stream, SEC(1) + MS(100) * n, x);
}

static void test_outliers(void)
{
    ma_feat_engine_t *e = engine(false, false);
    uint32_t h[200];
    ma_feat_t f;

    /* 9 values: not judged; 10: judged */
    for (int i = 0; i < 10; i++)
        h[i] = 12;
    f = judge_pl(e, 1, h, 9, 30);
    CHECK(!(f.present & MA_FEAT_HAS_OUT(MA_OUT_PL)));
    CHECK_EQ(f.v[MA_F_OUT_PL_Z], 0);
    CHECK_EQ(f.v[MA_F_OUT_PL_SIGMA], 0);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 0);
    /* time_delta: the 10th PDU has 8 earlier IATs */
    CHECK(!(f.present & MA_FEAT_HAS_OUT(MA_OUT_TD)));

    /* constant history of 10 x 12: std 0 -> z 0, no sigma; q1 = q3 = 12 -> IQR 0 */
    f = judge_pl(e, 2, h, 10, 20);
    CHECK(f.present & MA_FEAT_HAS_OUT(MA_OUT_PL));
    CHECK_EQ(f.v[MA_F_OUT_PL_Z], 0);
    CHECK_EQ(f.v[MA_F_OUT_PL_SIGMA], 0);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 1);      /* 20 > 12 + 1.5 x 0 */
    f = judge_pl(e, 3, h, 10, 12);
    CHECK(f.present & MA_FEAT_HAS_OUT(MA_OUT_PL));
    CHECK_EQ(f.v[MA_F_OUT_PL_Z], 0);
    CHECK_EQ(f.v[MA_F_OUT_PL_SIGMA], 0);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 0);      /* 12 is not outside [12, 12] */
    f = judge_pl(e, 4, h, 10, 11);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 1);      /* below */
    /* payload entropy: all 0x11 data bytes: always 0 -> judged, z 0, inside */
    CHECK(f.present & MA_FEAT_HAS_OUT(MA_OUT_PE));
    CHECK_EQ(f.v[MA_F_OUT_PE_Z], 0);
    CHECK_EQ(f.v[MA_F_OUT_PE_IQR], 0);
    /* time_delta: at the 11th PDU the history holds the 9 IATs of PDUs 2..10 */
    CHECK(!(f.present & MA_FEAT_HAS_OUT(MA_OUT_TD)));

    /* 5 x 12, 5 x 14: mean 13, std sqrt(10 x 1 / 10) = 1;
     * sorted 12 x5, 14 x5: q1 (pos 2.25) 12, q3 (pos 6.75) 14, IQR 2, fences 9 and 17 */
    for (int i = 0; i < 10; i++)
        h[i] = i % 2 ? 14 : 12;
    static const struct { uint32_t x; double z; int sigma, iqr; } cases[] = {
        {18, 5, 3, 1},    /* beyond 3 sigma and the fence */
        {17, 4, 3, 0},    /* 3 sigma; 17 is on the fence, not beyond */
        {16, 3, 2, 0},    /* |z| = 3 is not > 3: 2 */
        {15, 2, 0, 0},    /* |z| = 2 is not > 2 */
        {13, 0, 0, 0},
        {10, -3, 2, 0},
        {9, -4, 3, 0},    /* on the lower fence */
        {8, -5, 3, 1},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        f = judge_pl(e, 10 + i, h, 10, cases[i].x);
        CHECK(f.present & MA_FEAT_HAS_OUT(MA_OUT_PL));
        CHECK_NEAR(f.v[MA_F_OUT_PL_Z], cases[i].z);
        CHECK_EQ(f.v[MA_F_OUT_PL_SIGMA], cases[i].sigma);
        CHECK_EQ(f.v[MA_F_OUT_PL_IQR], cases[i].iqr);
    }
    /* between 2 and 3 sigma: 5 x 11, 5 x 15: mean 13, std 2; 18 -> z 2.5 -> 2;
     * q1 11, q3 15, IQR 4, upper fence 21: inside */
    for (int i = 0; i < 10; i++)
        h[i] = i % 2 ? 15 : 11;
    f = judge_pl(e, 30, h, 10, 18);
    CHECK_NEAR(f.v[MA_F_OUT_PL_Z], 2.5);
    CHECK_EQ(f.v[MA_F_OUT_PL_SIGMA], 2);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 0);

    /* longer than 100: 50 x 200, then 50 x 12 and 50 x 14 alternating.
     * Last 100: mean 13, std 1; 20 -> z 7, sigma 3; q1 (pos 24.75) 12, q3 (pos 74.25) 14,
     * fence 17 -> IQR outlier. With all 150: mean 75.33, z < 0, IQR q3 = 200: neither. */
    for (int i = 0; i < 150; i++)
        h[i] = i < 50 ? 200 : (i % 2 ? 14 : 12);
    f = judge_pl(e, 31, h, 150, 20);
    CHECK_NEAR(f.v[MA_F_OUT_PL_Z], 7.0);
    CHECK_EQ(f.v[MA_F_OUT_PL_SIGMA], 3);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 1);
    /* 101 values, the first an outlier that has just left: 200, then 50 x 12/14 pairs */
    for (int i = 0; i < 101; i++)
        h[i] = i == 0 ? 200 : (i % 2 ? 12 : 14);
    f = judge_pl(e, 32, h, 101, 16);
    CHECK_NEAR(f.v[MA_F_OUT_PL_Z], 3.0); /* mean 13, std 1 */
    CHECK_EQ(f.v[MA_F_OUT_PL_SIGMA], 2);
    /* the history keeps sliding: after 300 values of which the last 100 are 12 x 50, 14 x 50 */
    for (int i = 0; i < 200; i++)
        h[i] = i < 100 ? (uint32_t)(20 + i) : (i % 2 ? 14 : 12);
    f = judge_pl(e, 33, h, 200, 13);
    CHECK_NEAR(f.v[MA_F_OUT_PL_Z], 0.0);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 0);
    f = judge_pl(e, 34, h, 200, 18);
    CHECK_NEAR(f.v[MA_F_OUT_PL_Z], 5.0);
    CHECK_EQ(f.v[MA_F_OUT_PL_IQR], 1);

    /* time_delta: first judged at the 12th PDU of a flow (IATs of PDUs 2..11 before it) */
    ma_pair_t p = mkpair(40, v4(10, 2, 0, 1), v4(10, 0, 0, 2));
    for (int k = 1; k <= 12; k++) {
        f = feat_len(e, &p, 40, SEC(1) + MS(100) * (k - 1) + (k == 12 ? MS(900) : 0), 12);
        CHECK_EQ(!!(f.present & MA_FEAT_HAS_OUT(MA_OUT_TD)), k == 12);
    }
    /* 10 IATs of 100 ms: a constant history, std 0 -> z 0, no sigma flag (docs/features.md,
     * Outliers); q1 = q3 = 0.1 s, 1 s > 0.1 + 0 -> IQR */
    CHECK_EQ(f.v[MA_F_OUT_TD_Z], 0);
    CHECK_EQ(f.v[MA_F_OUT_TD_SIGMA], 0);
    CHECK_EQ(f.v[MA_F_OUT_TD_IQR], 1);

    /* payload_entropy: a constant history of a value that is not a short binary fraction.
     * A read request "start 0, quantity 10" (data 00 00 00 0A) has entropy
     * 3/4 log2(4/3) + 1/4 log2 4 = 2 - 3/4 log2 3 = 0.811..; ten of them are a constant
     * history: std 0 -> z 0 and no sigma flag (docs/features.md, Outliers). */
    for (int c = 0; c < 2; c++) {
        ma_pair_t pp = mkpair(50 + (uint32_t)c, v4(10, 3, 0, (uint8_t)c), v4(10, 0, 0, 2));
        for (int k = 0; k < 10; k++) {
            f = feat(e, &pp, 50 + (uint32_t)c, SEC(1) + MS(100) * k, true, (uint16_t)k, 1, 3,
                     D(0, 0, 0, 10), false, 0);
            CHECK_NEAR(f.v[MA_F_PE], 2.0 - 0.75 * log2(3.0));
        }
        if (c == 0) /* the same value again: inside, z 0 */
            f = feat(e, &pp, 50, SEC(2), true, 10, 1, 3, D(0, 0, 0, 10), false, 0);
        else        /* data 00 01 02 03: entropy 2, beyond q3 = 0.811 + 1.5 x 0 */
            f = feat(e, &pp, 51, SEC(2), true, 10, 1, 3, D(0, 1, 2, 3), false, 0);
        CHECK(f.present & MA_FEAT_HAS_OUT(MA_OUT_PE));
        CHECK_EQ(f.v[MA_F_OUT_PE_Z], 0);
        CHECK_EQ(f.v[MA_F_OUT_PE_SIGMA], 0);
        CHECK_EQ(f.v[MA_F_OUT_PE_IQR], c);
        /* the 10-window of a constant entropy has std 0 too (to rounding) */
        if (c == 0)
            CHECK_NEAR(f.v[MA_F_PE_STD10], 0);
    }
    ma_feat_free(e);

    /* response_time: history per pair, across connections (one per poll) */
    e = engine(false, false);
    ma_pair_t q = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 2));
    for (uint32_t i = 0; i < 11; i++) {
        ma_ns_t t0 = SEC(1) + SEC(1) * i;
        (void)feat(e, &q, 100 + i, t0, true, 1, 1, 3, D(0, 0, 0, 1), false, 0);
        ma_ns_t rt = i < 10 ? MS(10) : MS(50);
        f = feat(e, &q, 100 + i, t0 + rt, false, 1, 1, 3, D(2, 0, 0), true, rt);
        CHECK(f.present & MA_FEAT_HAS_RT);
        CHECK_NEAR(f.v[MA_F_RESPONSE_TIME], (double)rt / 1e9);
        CHECK_EQ(!!(f.present & MA_FEAT_HAS_OUT(MA_OUT_RT)), i == 10);
        /* one PDU per flow direction history: never judged per flow */
        CHECK(!(f.present & MA_FEAT_HAS_OUT(MA_OUT_PL)));
    }
    /* 10 x 10 ms: std 0 -> z 0, sigma 0; 50 ms > 10 ms -> IQR */
    CHECK_EQ(f.v[MA_F_OUT_RT_Z], 0);
    CHECK_EQ(f.v[MA_F_OUT_RT_SIGMA], 0);
    CHECK_EQ(f.v[MA_F_OUT_RT_IQR], 1);
    /* an unpaired response: no response_time, no judgement */
    f = feat(e, &q, 200, SEC(50), false, 1, 1, 3, D(2, 0, 0), false, MS(10));
    CHECK(!(f.present & MA_FEAT_HAS_RT));
    CHECK(!(f.present & MA_FEAT_HAS_OUT(MA_OUT_RT)));
    CHECK_EQ(f.v[MA_F_RESPONSE_TIME], 0);
    ma_feat_free(e);
}

/* ---- bounds -------------------------------------------------------------------- */

static void test_window_bound(void)
{
    enum { NPAIRS = 1024, NPDU = 300000 };
    ma_feat_engine_t *e = engine(false, false);
    ma_pair_t *pr = g_new0(ma_pair_t, NPAIRS);
    for (uint32_t i = 0; i < NPAIRS; i++)
        pr[i] = mkpair(i, v4(10, 1, (uint8_t)(i >> 8), (uint8_t)i), v4(10, 0, 0, 2));
    uint32_t n;
    uint8_t *a = adu_new(1, 1, 3, D(0, 0, 0, 1), &n);
    unsigned bad_trunc = 0, bad_dst = 0, bad_pk = 0, bad_src = 0, bad_usrc = 0, over = 0;
    ma_feat_in_t in;
    memset(&in, 0, sizeof in);
    in.is_request = true;
    in.adu = a;
    in.adu_len = n;
    const uint32_t max = MA_FEAT_WINDOW_MAX;
    ma_feat_t f;
    for (uint32_t i = 0; i < NPDU; i++) {
        uint32_t k = i + 1; /* PDUs fed so far */
        const ma_pair_t *p = &pr[i % NPAIRS];
        in.ts = SEC(5000) + (ma_ns_t)i * 3; /* 300,000 PDUs in 0.9 ms */
        in.stream = p->id;
        in.pair = p;
        in.src = p->client;
        in.dst = p->server;
        ma_feat_pdu(e, &in, &f);
        /* truncated once the window would hold more than MAX */
        bad_trunc += f.v[MA_F_WINDOW_TRUNCATED] != (k > max ? 1 : 0);
        /* the server got min(k, MAX) of the PDUs in the window */
        bad_dst += f.v[MA_F_PKTS_DST] != (double)(k < max ? k : max);
        /* round robin over 1024 pairs, 1024 | MAX: a pair holds i/1024 + 1, at most MAX/1024 */
        uint32_t want_pk = i / NPAIRS + 1;
        if (want_pk > max / NPAIRS)
            want_pk = max / NPAIRS;
        bad_pk += f.v[MA_F_PKTS_60S] != (double)want_pk;
        bad_src += f.v[MA_F_PKTS_SRC] != (double)want_pk; /* one client per pair */
        bad_usrc += f.v[MA_F_UNIQUE_SRC] != (double)(k < NPAIRS ? k : NPAIRS);
        over += f.v[MA_F_PKTS_DST] > max || f.v[MA_F_PKTS_60S] > max;
        if (k == max) {
            CHECK_EQ(f.v[MA_F_WINDOW_TRUNCATED], 0);
            CHECK_EQ(f.v[MA_F_PKTS_DST], max);
        }
        if (k == max + 1) {
            CHECK_EQ(f.v[MA_F_WINDOW_TRUNCATED], 1);
            CHECK_EQ(f.v[MA_F_PKTS_DST], max);
        }
    }
    CHECK_EQ(bad_trunc, 0);
    CHECK_EQ(bad_dst, 0);
    CHECK_EQ(bad_pk, 0);
    CHECK_EQ(bad_src, 0);
    CHECK_EQ(bad_usrc, 0);
    CHECK_EQ(over, 0);
    /* the last PDU: intensity over a span of 1 s (the pair is < 1 ms old) = 256 / 1 */
    CHECK_NEAR(f.v[MA_F_INTENSITY], (double)(max / NPAIRS));
    /* a minute later the window has drained: a fresh PDU sees itself only */
    in.ts = SEC(5000) + SEC(61);
    in.pair = &pr[0];
    in.stream = 0;
    in.src = pr[0].client;
    in.dst = pr[0].server;
    ma_feat_pdu(e, &in, &f);
    CHECK_EQ(f.v[MA_F_WINDOW_TRUNCATED], 0);
    CHECK_EQ(f.v[MA_F_PKTS_DST], 1);
    CHECK_EQ(f.v[MA_F_PKTS_60S], 1);
    CHECK_EQ(f.v[MA_F_UNIQUE_SRC], 1);
    free(a);
    g_free(pr);
    ma_feat_free(e);
}

static size_t heap_used(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* 1,000,000 PDUs on one connection: request every 10 ms, response 2 ms later. */
static void test_long_run(void)
{
    enum { NPDU = 1000000 };
    ma_feat_engine_t *e = engine(false, false);
    ma_pair_t p = mkpair(0, v4(10, 0, 0, 1), v4(10, 0, 0, 2));
    uint32_t nq, nr;
    uint8_t *aq = adu_new(1, 1, 3, D(0, 0, 0, 1), &nq);
    uint8_t *ar = adu_new(1, 1, 3, D(2, 0, 7), &nr);
    ma_feat_in_t in;
    memset(&in, 0, sizeof in);
    in.stream = 7;
    in.pair = &p;
    ma_feat_t f;
    size_t before = 0;
    unsigned bad = 0;
    for (uint32_t j = 0; j < NPDU; j++) {
        bool req = (j % 2) == 0;
        in.ts = SEC(100) + MS(10) * (ma_ns_t)(j / 2) + (req ? 0 : MS(2));
        in.is_request = req;
        in.src = req ? p.client : p.server;
        in.dst = req ? p.server : p.client;
        in.adu = req ? aq : ar;
        in.adu_len = req ? nq : nr;
        in.paired_response = !req;
        in.response_time = req ? 0 : MS(2);
        ma_feat_pdu(e, &in, &f);
        if (j == 20000)
            before = heap_used();
        if (j >= 20000) {
            /* steady state: 6000 requests and 6000 responses in (t - 60 s, t] */
            bad += f.v[MA_F_PKTS_60S] != 12000 && f.v[MA_F_PKTS_60S] != 11999 &&
                   f.v[MA_F_PKTS_60S] != 12001;
            bad += f.v[MA_F_BURST] != (req ? 0 : 1);  /* 8 ms / 2 ms */
            bad += f.v[MA_F_IS_VALID] != 1;
        }
    }
    size_t after = heap_used();
    CHECK_EQ(bad, 0);
    /* the last PDU, a response at 100 s + 4999.99 s + 2 ms */
    CHECK_EQ(f.v[MA_F_SESS_PACKETS], NPDU);
    CHECK_NEAR(f.v[MA_F_SESS_DURATION], 4999.992);
    /* requests at 10 ms m > t - 60 s (m >= 494000) and responses at 10 ms m + 2 ms
     * (the one at exactly t - 60 s has left): 6000 + 6000 */
    CHECK_EQ(f.v[MA_F_PKTS_60S], 12000);
    CHECK_NEAR(f.v[MA_F_INTENSITY], 12000.0 / 60.0);
    CHECK_EQ(f.v[MA_F_ROLL_COUNT], 10);
    /* IATs alternate 2 ms / 8 ms: mean 5 ms, std 3 ms, cv 0.6, periodicity 0.4 */
    CHECK_NEAR(f.v[MA_F_TD_MEAN10], 0.005);
    CHECK_NEAR(f.v[MA_F_TD_STD10], 0.003);
    CHECK_NEAR(f.v[MA_F_TD_CV10], 0.6);
    CHECK_NEAR(f.v[MA_F_PERIODICITY], 0.4);
    CHECK_NEAR(f.v[MA_F_SESS_PAIRING], 1.0);
    CHECK_EQ(f.v[MA_F_WINDOW_TRUNCATED], 0);
    CHECK_EQ(f.v[MA_F_RW_RATIO], 12000);
    /* constant response times: judged, z 0, no flag */
    CHECK(f.present & MA_FEAT_HAS_OUT(MA_OUT_RT));
    CHECK_EQ(f.v[MA_F_OUT_RT_Z], 0);
    CHECK_EQ(f.v[MA_F_OUT_RT_IQR], 0);
    /* bounded state: the heap did not grow over 980,000 PDUs (allow 4 MB slack) */
    long long growth = (long long)after - (long long)before;
    if (growth >= 4 << 20)
        printf("  heap growth %lld bytes\n", growth);
    CHECK(growth < (4 << 20));
    free(aq);
    free(ar);
    ma_feat_free(e);
}

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
        if (ok) {
            g_pass++;
        } else {
            g_fail++;
            printf("%s:%d: stats of %s: got \"%s\", expected count %u mean %.17g std %.17g min %.17g "
                   "max %.17g q1 %.17g q3 %.17g\n", __FILE__, line, col, *l, count, want[0], want[1],
                   want[2], want[3], want[4], want[5]);
        }
        g_ptr_array_free(f, TRUE);
        return;
    }
    g_fail++;
    printf("%s:%d: no stats line for %s\n", __FILE__, line, col);
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

    /* the text: periodicity list B, A, C; violation list C (1/1) before A (1/3), B absent */
    FILE *fp = tmpfile();
    CHECK(fp != NULL);
    if (fp) {
        ma_flows_report_text(fp, fl, 10);
        gchar **lines = read_lines(fp);
        gchar *text = g_strjoinv("\n", lines);
        g_strfreev(lines);
        const char *viol = strstr(text, "Highest violation rate first (flows with invalid PDUs: 2)");
        const char *pairs_s = strstr(text, "Pairs, peaks");
        CHECK(strstr(text, "): 3\n") != NULL);
        CHECK(viol != NULL && pairs_s != NULL);
        if (viol && pairs_s) {
            const char *l1 = strstr(text, "\n1      pairA");
            const char *l2 = strstr(text, "\n2      pairB");
            const char *l3 = strstr(text, "\n3      ?");
            CHECK(l2 && l1 && l3 && l2 < l1 && l1 < l3 && l3 < viol);
            const char *v3 = strstr(viol, "\n3      ?");
            const char *v1 = strstr(viol, "\n1      pairA");
            const char *v2 = strstr(viol, "\n2      pairB");
            CHECK(v3 && v1 && v3 < v1 && v1 < pairs_s);
            CHECK(v2 == NULL || v2 > pairs_s);
            CHECK(strstr(text, "0.8000") != NULL);
            CHECK(strstr(text, "0.3000") != NULL);
        }
        g_free(text);
        fclose(fp);
    }
    fp = tmpfile();
    if (fp) {
        ma_flows_report_text(fp, fl, 2);
        gchar **lines = read_lines(fp);
        gchar *text = g_strjoinv("\n", lines);
        CHECK(strstr(text, "... 1 more flows") != NULL);
        g_strfreev(lines);
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

int main(void)
{
    test_entropy();
    test_quantile_sorted();
    test_validate_sizes();
    test_validate_header();
    test_short_adus();
    test_sequence();
    test_session();
    test_split_direction();
    test_window60();
    test_outliers();
    test_columns();
    test_export();
    test_flows();
    test_window_bound();
    test_long_run();
    return check_summary();
}
