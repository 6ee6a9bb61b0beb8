/* ma_types.h - times, addresses and client-server pairs shared by every analysis
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A leaf module: plain C, no other modbus_an header below it.
 */
#ifndef MA_TYPES_H
#define MA_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t ma_ns_t; /* nanoseconds (absolute capture time or a delta) */

#define MA_NS_PER_SEC INT64_C(1000000000)

/* Capture times are kept within [MA_NS_MIN_TIME, MA_NS_MAX_TIME] (years
 * 1897 .. 2116, beyond every classic pcap time): the difference of two
 * times, or a time plus a window of up to 10^6 s, then never overflows.
 * pcapng timestamps can be anything (64-bit units, offsets). */
#define MA_NS_MAX_TIME (INT64_C(1) << 62)
#define MA_NS_MIN_TIME (-(INT64_C(1) << 61))

/* A frame time (seconds, nanoseconds) as ma_ns_t, clamped to the range above. */
static inline ma_ns_t ma_ns_from_time(int64_t secs, int64_t nsecs)
{
    if (secs >= MA_NS_MAX_TIME / MA_NS_PER_SEC)
        return MA_NS_MAX_TIME;
    if (secs <= MA_NS_MIN_TIME / MA_NS_PER_SEC)
        return MA_NS_MIN_TIME;
    ma_ns_t t = secs * MA_NS_PER_SEC + nsecs;
    return t > MA_NS_MAX_TIME ? MA_NS_MAX_TIME : t < MA_NS_MIN_TIME ? MA_NS_MIN_TIME : t;
}

/* a + b, saturated at the limits of ma_ns_t (sums of many durations). */
static inline ma_ns_t ma_ns_add_sat(ma_ns_t a, ma_ns_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

typedef struct ma_addr {
    uint8_t len;        /* 4 (IPv4) or 16 (IPv6); 0 = unknown */
    uint8_t bytes[16];
} ma_addr_t;

/* A client-server pair: client address -> server address:port. */
typedef struct ma_pair {
    uint32_t  id;          /* 0, 1, ... in order of first appearance */
    ma_addr_t client;
    ma_addr_t server;
    uint16_t  server_port;
    char     *label;       /* "client -> server:port", owned by the pairing core */
} ma_pair_t;

/* True if two addresses are equal. */
static inline bool ma_addr_equal(const ma_addr_t *a, const ma_addr_t *b)
{
    if (a->len != b->len)
        return false;
    if (a->len == 4) { /* most: one word, no call */
        uint32_t x, y;
        memcpy(&x, a->bytes, 4);
        memcpy(&y, b->bytes, 4);
        return x == y;
    }
    return memcmp(a->bytes, b->bytes, a->len) == 0;
}

/* Format an address into buf (IPv4 dotted, IPv6 RFC 5952 via inet_ntop;
 * "?" when unknown). */
void ma_addr_format(const ma_addr_t *a, char *buf, size_t size);

/* Parse an IPv4 or IPv6 address; false (and *out zeroed) otherwise. */
bool ma_addr_parse(const char *s, ma_addr_t *out);

#ifdef __cplusplus
}
#endif

#endif /* MA_TYPES_H */
