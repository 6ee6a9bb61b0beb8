/* feat_helpers.h - builders and exact checks shared by the feature unit tests
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ADUs are exact-size heap buffers so that the sanitizer build catches any
 * read past the bytes present. Helpers are static inline (unused is fine).
 */
#ifndef MA_TEST_FEAT_HELPERS_H
#define MA_TEST_FEAT_HELPERS_H

#include <glib.h>
#include <malloc.h>

#include "core_helpers.h"
#include "ma_export.h"
#include "ma_feat.h"
#include "ma_flows.h"

/* ma_test.h's CHECK_EQ compares as long long, which would truncate a feature
 * value (0.5 == 0); here it compares exactly as doubles (integers to 2^53).
 * CHECK_NEAR (|a - b| <= 1e-12, relative above 1) is ma_test.h's. */
#undef CHECK_EQ
#define CHECK_EQ(a, b) CHECK_FEQ(a, b)

/* Data bytes of an ADU as two arguments: pointer, count. */
#define D(...) (const uint8_t[]){__VA_ARGS__}, (uint32_t)sizeof((const uint8_t[]){__VA_ARGS__})
#define NODATA NULL, 0u

/* An ADU with a consistent MBAP length (data + 2), in an exact-size heap buffer. */
static inline uint8_t *adu_new(uint16_t tid, uint8_t unit, uint8_t fc, const uint8_t *d, uint32_t dl,
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
static inline uint8_t *raw_new(const uint8_t *b, uint32_t n)
{
    uint8_t *a = malloc(n);
    if (n)
        memcpy(a, b, n);
    return a;
}

static inline uint8_t val(uint8_t unit, uint8_t fc, const uint8_t *d, uint32_t dl, bool req, bool strict)
{
    uint32_t n;
    uint8_t *a = adu_new(1, unit, fc, d, dl, &n);
    uint8_t r = ma_feat_validate(a, n, req, strict);
    free(a);
    return r;
}

static inline uint8_t val_raw(const uint8_t *b, uint32_t n, bool req, bool strict)
{
    uint8_t *a = raw_new(b, n);
    uint8_t r = ma_feat_validate(a, n, req, strict);
    free(a);
    return r;
}

static inline ma_pair_t mkpair(uint32_t id, ma_addr_t client, ma_addr_t server)
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
static inline ma_feat_t feat(ma_feat_engine_t *e, const ma_pair_t *p, uint32_t stream, ma_ns_t ts,
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
static inline ma_feat_t feat_len(ma_feat_engine_t *e, const ma_pair_t *p, uint32_t stream, ma_ns_t ts,
                          uint32_t n_pl)
{
    uint8_t data[300];
    memset(data, 0x11, sizeof data);
    return feat(e, p, stream, ts, true, 1, 1, 8, data, n_pl - 8, false, 0);
}

static inline ma_feat_engine_t *engine(bool split, bool strict)
{
    ma_feat_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.split_direction = split;
    cfg.strict_unit_id = strict;
    return ma_feat_new(&cfg);
}

/* validation failure bits, short */
#define PID MA_INVALID_PROTOCOL_ID
#define UNIT MA_INVALID_UNIT_ID
#define FC MA_INVALID_FC
#define LEN MA_INVALID_LENGTH

#endif /* MA_TEST_FEAT_HELPERS_H */
