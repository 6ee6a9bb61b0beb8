/* ma_dup.h - capture duplicates: the same frame seen twice by the capture
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A span (mirror) port that copies both the ingress and the egress of a
 * switch port, or two taps on one link, deliver some frames twice, a few
 * microseconds apart. Wireshark's TCP analysis flags the second copy as a
 * retransmission (or a duplicate ACK), but nothing was sent twice. A TCP
 * segment is a capture duplicate of an earlier one when, within
 * duplicate_window of it, it has the same TCP connection and direction,
 * the same IPv4 identification (RFC 791 3.1; IPv6 has none, so the rest
 * must agree), and the same sequence and acknowledgement numbers, flags,
 * payload length and header+payload bytes (a digest of them). A sender's
 * real retransmission carries a new IP identification and comes after a
 * retransmission timeout, not microseconds later.
 *
 * Memory: only segments younger than duplicate_window are remembered (at
 * most MA_DUP_MAX of them).
 */
#ifndef MA_DUP_H
#define MA_DUP_H

#include "ma_net.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MA_DUP_DEFAULT_WINDOW (MA_NS_PER_SEC / 1000) /* 1 ms */
#define MA_DUP_MAX 65536u

typedef struct ma_dup ma_dup_t;

/* window 0 turns detection off. */
ma_dup_t *ma_dup_new(ma_ns_t window);
void ma_dup_free(ma_dup_t *d);

/* A segment in capture order (first pass): the frame of the segment it
 * duplicates (the first copy), or 0 if it is not a capture duplicate.
 * Segments without a digest are never duplicates. */
uint32_t ma_dup_check(ma_dup_t *d, const ma_tcp_in_t *seg);

/* Segments remembered now, and how many were forgotten early because of
 * MA_DUP_MAX (tests). */
uint32_t ma_dup_size(const ma_dup_t *d);
uint64_t ma_dup_overflow(const ma_dup_t *d);

#ifdef __cplusplus
}
#endif

#endif /* MA_DUP_H */
