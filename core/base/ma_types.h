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

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t ma_ns_t; /* nanoseconds (absolute capture time or a delta) */

#define MA_NS_PER_SEC INT64_C(1000000000)

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
bool ma_addr_equal(const ma_addr_t *a, const ma_addr_t *b);

/* Format an address into buf (IPv4 dotted, IPv6 RFC 5952 via inet_ntop;
 * "?" when unknown). */
void ma_addr_format(const ma_addr_t *a, char *buf, size_t size);

/* Parse an IPv4 or IPv6 address; false (and *out zeroed) otherwise. */
bool ma_addr_parse(const char *s, ma_addr_t *out);

#ifdef __cplusplus
}
#endif

#endif /* MA_TYPES_H */
