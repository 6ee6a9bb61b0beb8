/* stp_helpers.h - BPDU builders shared by the Spanning Tree unit tests
 * (test_stp.c, test_stp_bounds.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ma_stp_bpdu() is driven with hand-built ma_bpdu_in_t values shaped like
 * Wireshark's stp.* fields of the captures in /work/shared/captures
 * (rstp-tc-real-switch.pcap: Cisco RSTP, flags 0x3c = designated, learning,
 * forwarding; 0x3d = the same with TC). Helpers are static inline (unused
 * ones are fine).
 */
#ifndef MA_TEST_STP_HELPERS_H
#define MA_TEST_STP_HELPERS_H

#include <glib.h>

#include "core_helpers.h"
#include "ma_stp.h"

/* Bridge MACs as 48-bit numbers. */
#define MAC_SW   UINT64_C(0x001ef6735980)  /* 00:1e:f6:73:59:80 (the Cisco switch) */
#define MAC_ROOT UINT64_C(0x00024b7c8e47)  /* 00:02:4b:7c:8e:47 */
#define MAC_B    UINT64_C(0x001906eab880)  /* 00:19:06:ea:b8:80 */

/* A bridge / root id: (priority | system id extension) << 48 | MAC. */
static inline uint64_t bid(unsigned prio_ext, uint64_t mac)
{
    return ((uint64_t)prio_ext << 48) | mac;
}

static inline void mac_bytes(uint8_t out[6], uint64_t mac)
{
    for (int i = 0; i < 6; i++)
        out[i] = (uint8_t)(mac >> (40 - 8 * i));
}

/* A BPDU with ids; eth.src = bridge MAC + port number (as Cisco does). */
static inline ma_bpdu_in_t bpdu(uint32_t frame, ma_ns_t ts, uint8_t type, uint8_t version, uint8_t flags,
                                uint64_t root, uint64_t bridge, uint16_t port, uint16_t vlan, bool pvst)
{
    ma_bpdu_in_t in;
    memset(&in, 0, sizeof in);
    in.frame = frame;
    in.ts = ts;
    mac_bytes(in.src_mac, (bridge & UINT64_C(0xffffffffffff)) + (port & 0xffu));
    in.type = type;
    in.version = version;
    in.flags = flags;
    in.has_ids = true;
    in.root_id = root;
    in.root_cost = root == bridge ? 0 : 19;
    in.bridge_id = bridge;
    in.port_id = port;
    in.vlan = vlan;
    in.pvst = pvst;
    return in;
}

static inline ma_bpdu_in_t cfg(uint32_t frame, ma_ns_t ts, uint8_t flags, uint64_t root, uint64_t bridge, uint16_t port)
{
    return bpdu(frame, ts, MA_BPDU_CONFIG, 0, flags, root, bridge, port, 0, false);
}

static inline ma_bpdu_in_t rst(uint32_t frame, ma_ns_t ts, uint8_t flags, uint64_t root, uint64_t bridge, uint16_t port)
{
    return bpdu(frame, ts, MA_BPDU_RST, 2, flags, root, bridge, port, 0, false);
}

static inline ma_bpdu_in_t tcn(uint32_t frame, ma_ns_t ts, uint64_t src)
{
    ma_bpdu_in_t in;
    memset(&in, 0, sizeof in);
    in.frame = frame;
    in.ts = ts;
    mac_bytes(in.src_mac, src);
    in.type = MA_BPDU_TCN;
    return in;
}

/* ma_stp_bpdu(); a NULL record is a failure (not a counted check per call,
 * so that loops do not inflate the count) and stops the run. */
static inline const ma_bpdu_rec_t *feed_in(ma_stp_t *s, ma_bpdu_in_t in)
{
    const ma_bpdu_rec_t *r = ma_stp_bpdu(s, &in);
    if (!r)
        ma_test_fail_(__FILE__, __LINE__, G_STRFUNC, "ma_stp_bpdu returned NULL for frame %u", in.frame);
    return r;
}

/* Event i (a zeroed one, after a failed check, if absent). */
static inline const ma_stp_event_t *ev(const ma_stp_t *s, uint32_t i)
{
    static const ma_stp_event_t none;
    const ma_stp_event_t *e = ma_stp_event_at(s, i);
    CHECK(e != NULL);
    return e ? e : &none;
}

static inline uint32_t change_frame(const ma_stp_t *s, ma_ns_t t)
{
    const ma_stp_event_t *e = ma_stp_last_change(s, t);
    return e ? e->frame : 0;
}

/* Flags as in the captures (9.3.3): role bits 2-3, learning 0x10, forwarding 0x20. */
#define F_DESIG    0x3cu  /* designated, learning, forwarding */
#define F_DESIG_TC 0x3du
#define F_ROOT     0x38u  /* root (2 << 2), learning, forwarding */

#endif /* MA_TEST_STP_HELPERS_H */
