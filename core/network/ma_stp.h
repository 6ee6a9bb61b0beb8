/* ma_stp.h - Spanning Tree events from the BPDUs Wireshark's stp dissector sees
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Plain C + GLib, no epan types (tests/unit/test_stp.c drives it directly).
 * Input: one BPDU (the bytes Wireshark hands its stp dissector, read by
 * ma_stp_parse), in capture order (first pass). IEEE 802.1D-2004 9.3 (BPDU formats): Configuration BPDU
 * (type 0x00), Topology Change Notification BPDU (type 0x80, no other
 * fields), RST BPDU (type 0x02, version 2; MST BPDUs are version 3 with the
 * same CIST fields). Flags (9.3.3): bit 0 topology change (TC), bit 7 TC
 * acknowledgment (TCA); RSTP adds bit 1 proposal, bits 2-3 port role
 * (0 unknown, 1 alternate/backup, 2 root, 3 designated), bit 4 learning,
 * bit 5 forwarding, bit 6 agreement.
 *
 * State is kept per "speaker": (bridge id, port id, vlan), where vlan is
 * the PVST+ originating VLAN (stp.pvst.origvlan), else the frame's 802.1Q
 * VLAN id, else 0, and pvst tells Cisco SSTP BPDUs (01:00:0c:cc:cc:cd) apart
 * from IEEE ones. So per-VLAN roots (Rapid-PVST+) never look like a root
 * change. TCN BPDUs have no bridge id: their speaker is the source MAC.
 *
 * Events (each listed once; a BPDU that repeats its speaker's state is
 * counted as a repeat, not listed):
 * - MA_STP_EV_TC: a BPDU with the TC flag whose speaker's previous BPDU had
 *   no TC flag (or it is the speaker's first BPDU): a topology-change
 *   episode begins. Later TC BPDUs of the episode are repeats.
 * - MA_STP_EV_TCN: a TCN BPDU whose speaker's previous BPDU was not a TCN.
 * - MA_STP_EV_ROOT: the root id differs from the speaker's previous BPDU.
 * - MA_STP_EV_ROLE: the RSTP port role differs from the speaker's previous
 *   RST BPDU (both of version >= 2).
 * A speaker's first BPDU only sets its state (except TC / TCN, which are
 * events even then). One BPDU may raise several events.
 * Topology changes for cause decisions (ma_stp_last_change): TC, TCN and
 * ROOT events.
 */
#ifndef MA_STP_H
#define MA_STP_H

#include "ma_core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MA_STP_MAX_SPEAKERS 4096u    /* more speakers: their BPDUs are counted only */
#define MA_STP_MAX_EVENTS   100000u  /* listed events kept; more are counted only */

#define MA_BPDU_CONFIG 0x00u
#define MA_BPDU_RST    0x02u
#define MA_BPDU_TCN    0x80u

#define MA_STPF_TC        0x01u
#define MA_STPF_PROPOSAL  0x02u
#define MA_STPF_ROLE_MASK 0x0Cu
#define MA_STPF_LEARNING  0x10u
#define MA_STPF_FORWARDING 0x20u
#define MA_STPF_AGREEMENT 0x40u
#define MA_STPF_TCA       0x80u

typedef struct ma_bpdu_in {
    uint32_t frame;
    ma_ns_t  ts;
    uint8_t  src_mac[6];   /* eth.src (the TCN speaker) */
    uint8_t  type;         /* stp.type */
    uint8_t  version;      /* stp.version */
    uint8_t  flags;        /* stp.flags (0 for TCN) */
    bool     has_ids;      /* root/bridge/port present (not a TCN) */
    uint64_t root_id;      /* (stp.root.prio | stp.root.ext) << 48 | stp.root.hw */
    uint32_t root_cost;    /* stp.root.cost */
    uint64_t bridge_id;    /* same layout from stp.bridge.* */
    uint16_t port_id;      /* stp.port */
    uint16_t vlan;         /* origvlan / 802.1Q id / 0 */
    bool     pvst;         /* stp.pvst.origvlan present */
} ma_bpdu_in_t;

/* Event bits of one BPDU. */
#define MA_STP_EV_TC   0x01u
#define MA_STP_EV_TCN  0x02u
#define MA_STP_EV_ROOT 0x04u
#define MA_STP_EV_ROLE 0x08u

/* What one BPDU meant; stable for the capture's lifetime. */
typedef struct ma_bpdu_rec {
    ma_bpdu_in_t bpdu;       /* the input, copied */
    uint8_t  events;         /* MA_STP_EV_* raised by this BPDU */
    bool     repeat;         /* same state as the speaker's previous BPDU (no event) */
    uint32_t prev_frame;     /* the speaker's previous BPDU, 0: first */
    uint64_t prev_root;      /* root id of that previous BPDU (valid if prev_frame) */
    uint8_t  prev_role;      /* its port role (flags bits 2-3 >> 2) */
    uint32_t speaker;        /* 1-based speaker index, 0: untracked (table full) */
} ma_bpdu_rec_t;

typedef struct ma_stp_event {
    uint32_t frame;
    ma_ns_t  ts;
    uint8_t  events;          /* MA_STP_EV_* */
    uint64_t bridge_id;       /* 0 for TCN */
    uint64_t root_id;         /* new root (0 for TCN) */
    uint64_t prev_root;       /* ROOT: previous root */
    uint16_t port_id;
    uint16_t vlan;
    uint8_t  role, prev_role; /* ROLE */
    uint8_t  src_mac[6];
    uint32_t repeats;         /* the sender's BPDUs after it that repeat its state until the
                                 next event or state change: TC (flag still set), TCN (still
                                 TCNs), root / role (same root and role) */
    uint32_t last_frame;      /* the last of those repeats (its own frame when none): the end
                                 of a TC episode */
    ma_ns_t  last_ts;
} ma_stp_event_t;

/* The root bridge per VLAN (0: untagged IEEE): the root id of the latest
 * BPDU that carried one, and how many BPDUs announced a root there. */
typedef struct ma_stp_root {
    uint16_t vlan;
    bool     pvst;
    uint64_t root_id;
    uint32_t root_cost;      /* of that latest BPDU */
    uint64_t bpdus;
    uint32_t last_frame;
} ma_stp_root_t;

#define MA_STP_MAX_VLANS 256u  /* VLANs whose root is kept (more are counted only) */

typedef struct ma_stp ma_stp_t;

/* Read a BPDU (b: n bytes from the protocol identifier on; pvst: a Cisco
 * SSTP BPDU whose TLVs follow at offset 36) into the type, version, flags,
 * root / bridge / port ids and, for PVST+, the originating VLAN TLV
 * (type 0, length 2). frame, ts, src_mac and an 802.1Q vlan are left for
 * the caller. False if n < 4 (no BPDU type). */
bool ma_stp_parse(const uint8_t *b, uint32_t n, bool pvst, ma_bpdu_in_t *out);

ma_stp_t *ma_stp_new(void);
void ma_stp_free(ma_stp_t *s);

/* One BPDU (first pass, capture order). Returns its record (owned by s). */
const ma_bpdu_rec_t *ma_stp_bpdu(ma_stp_t *s, const ma_bpdu_in_t *in);

/* Totals. */
typedef struct ma_stp_totals {
    uint64_t bpdus, config, rst, tcn, other;   /* by type/version: config = type 0, rst = type 2 */
    uint64_t tc_flagged, tca_flagged;          /* BPDUs with TC / TCA */
    uint64_t repeats;                          /* BPDUs that raised no event */
    uint32_t speakers, roots;                  /* distinct speakers and root ids seen */
    uint64_t ev_tc, ev_tcn, ev_root, ev_role;  /* events */
    uint64_t events_dropped, untracked;        /* bounds */
} ma_stp_totals_t;

const ma_stp_totals_t *ma_stp_totals(const ma_stp_t *s);

/* The roots per VLAN, in order of first appearance. */
uint32_t ma_stp_root_count(const ma_stp_t *s);
const ma_stp_root_t *ma_stp_root_at(const ma_stp_t *s, uint32_t i);

/* Listed events in capture order. */
uint32_t ma_stp_event_count(const ma_stp_t *s);
const ma_stp_event_t *ma_stp_event_at(const ma_stp_t *s, uint32_t i);

/* The latest topology change (TC, TCN or ROOT event) at or before t, or
 * NULL. Event times are kept sorted even if capture times go backwards. */
const ma_stp_event_t *ma_stp_last_change(const ma_stp_t *s, ma_ns_t t);

/* Text of a bridge/root id: "32768/00:1e:f6:73:59:80" (priority incl.
 * system id extension / MAC); of a port role: "unknown", "alternate/backup",
 * "root", "designated"; of an event set: "TC,root" etc. */
void ma_stp_id_format(uint64_t id, char *buf, size_t size);
const char *ma_stp_role_name(uint8_t role);
void ma_stp_events_format(uint8_t events, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* MA_STP_H */
