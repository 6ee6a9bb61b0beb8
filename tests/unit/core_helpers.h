/* core_helpers.h - PDU builders for the core unit tests
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The checks (CHECK, CHECK_EQ, ...) are g_test assertions, see ma_test.h.
 * Helpers are static inline (unused ones are fine).
 */
#ifndef MA_TEST_CORE_HELPERS_H
#define MA_TEST_CORE_HELPERS_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ma_core.h"
#include "ma_stats.h"
#include "ma_test.h"

/* ---- helpers ---- */

#define MS(x) ((ma_ns_t)(x) * INT64_C(1000000))
#define SEC(x) ((ma_ns_t)(x) * MA_NS_PER_SEC)

static inline ma_addr_t v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    ma_addr_t r;
    memset(&r, 0, sizeof r);
    r.len = 4;
    r.bytes[0] = a;
    r.bytes[1] = b;
    r.bytes[2] = c;
    r.bytes[3] = d;
    return r;
}

static inline ma_addr_t v6_loopback(void)
{
    ma_addr_t r;
    memset(&r, 0, sizeof r);
    r.len = 16;
    r.bytes[15] = 1;
    return r;
}

/* A PDU between client (port 40000 + stream) and 10.0.0.2:502. */
static inline ma_pdu_in_t mk_from(ma_addr_t client, uint32_t frame, ma_ns_t ts, uint32_t stream,
                           bool req, uint8_t unit, uint16_t tid, uint8_t fc)
{
    ma_pdu_in_t in;
    memset(&in, 0, sizeof in);
    ma_addr_t server = v4(10, 0, 0, 2);
    uint16_t cport = (uint16_t)(40000 + stream);
    in.frame = frame;
    in.ts = ts;
    in.stream = stream;
    in.is_request = req;
    if (req) {
        in.src = client;
        in.srcport = cport;
        in.dst = server;
        in.dstport = 502;
    } else {
        in.src = server;
        in.srcport = 502;
        in.dst = client;
        in.dstport = cport;
    }
    in.unit = unit;
    in.tid = tid;
    in.fc = fc;
    return in;
}

static inline ma_pdu_in_t rq(uint32_t frame, ma_ns_t ts, uint32_t stream, uint8_t unit, uint16_t tid, uint8_t fc)
{
    return mk_from(v4(127, 0, 0, 1), frame, ts, stream, true, unit, tid, fc);
}

static inline ma_pdu_in_t rs(uint32_t frame, ma_ns_t ts, uint32_t stream, uint8_t unit, uint16_t tid, uint8_t fc)
{
    return mk_from(v4(127, 0, 0, 1), frame, ts, stream, false, unit, tid, fc);
}

static inline ma_pdu_t feed(ma_core_t *core, ma_pdu_in_t in)
{
    ma_pdu_t out;
    ma_core_pdu(core, &in, &out);
    return out;
}

/* A core with threshold 1 s, timeout 3 s and the given bounds (0 = default). */
static inline ma_core_t *new_core(uint32_t per_conn, uint32_t total)
{
    ma_config_t cfg;
    ma_config_defaults(&cfg);
    if (per_conn)
        cfg.max_pending_per_conn = per_conn;
    if (total)
        cfg.max_pending_total = total;
    return ma_core_new(&cfg);
}

#endif /* MA_TEST_CORE_HELPERS_H */
