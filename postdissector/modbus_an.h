/* modbus_an.h - shared declarations of the modbus_an post-dissector and taps
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MODBUS_AN_H
#define MODBUS_AN_H

#include <epan/packet.h>
#include <epan/prefs.h>

#include "ma_core.h"
#include "ma_feat.h"
#include "ma_regs.h"
#include "ma_net.h"
#include "ma_stp.h"
#include "ingest.h"

/* Registration (called from plugin/plugin.c). */
void proto_register_modbus_an(void);
void proto_reg_handoff_modbus_an(void);
void register_tap_listener_modbus_an_stat(void);
void register_tap_listener_modbus_an_table(void);
void register_tap_listener_modbus_an_features(void);
void register_tap_listener_modbus_an_flows(void);

/* The tap every PDU result is queued to: data is a const ma_pdu_t *. */
#define MODBUS_AN_TAP "modbus_an"

/* The tap of the per-PDU features (when the features preference is on):
 * data is a const ma_feat_tap_t *. */
#define MODBUS_AN_FEATURES_TAP "modbus_an.features"

typedef struct ma_feat_tap {
    const ma_pdu_t  *pdu;
    const ma_feat_t *feat;      /* expanded, valid during the tap callback */
    unsigned         index;     /* the PDU's index within its frame */
} ma_feat_tap_t;

/* The tap of the network analysis: data is the const ma_pair_t * whose
 * network numbers the frame touched (its TCP segment's or PDUs' pair),
 * queued once per frame that has a segment record or Modbus PDUs. */
#define MODBUS_AN_NET_TAP "modbus_an.net"
void register_tap_listener_modbus_an_nettable(void);

/* The tap of register data (poll groups, heartbeats, watched registers):
 * data is a const ma_regs_tap_t * for each PDU that has a register record. */
#define MODBUS_AN_REGS_TAP "modbus_an.regs"

typedef struct ma_regs_tap {
    const ma_pdu_t      *pdu;
    const ma_regs_rec_t *rec;
} ma_regs_tap_t;

/* The capture's analysis state (NULL outside a capture file). */
ma_core_t *modbus_an_core(void);

/* End of the first pass: decide the outcome of requests still pending.
 * Safe to call at any time; later passes and the taps' draw call it. */
void modbus_an_finalize(void);

/* True when the features preference is on (features are computed). */
gboolean modbus_an_features_enabled(void);

/* Poll groups, heartbeats and watched registers of the capture (NULL
 * outside a capture file). ma_regs_finalize'd by modbus_an_finalize. */
ma_regs_t *modbus_an_regs(void);

/* postdissector/regs_ui.c: fields, expert info, preferences and UATs of
 * the register analysis. */
void ma_regs_ui_register(int proto, module_t *m);
/* A new engine from the preferences, hb_defs / pcap_monitor files and UATs
 * (a bad file is reported with report_failure and skipped). */
ma_regs_t *ma_regs_ui_new_engine(void);
void ma_regs_ui_show(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const ma_regs_t *regs,
                     const ma_regs_rec_t *rec, wmem_strbuf_t *info);
void register_tap_listener_modbus_an_registers(void);

/* pcap_monitor_file's expected topology (ma_expect_t *), read by the last
 * ma_regs_ui_new_engine (empty if the file is bad or not set). */
const GPtrArray *ma_regs_ui_monitor_expect(void);

/* True if port is a Modbus server port (server_ports, or mbtcp's port /
 * Decode As in the tcp.port table). */
gboolean modbus_an_is_server_port(guint32 port);

/* Parse a number of seconds >= 0 (a preference); false on anything else. */
gboolean modbus_an_parse_seconds(const char *s, ma_ns_t *out);

/* The capture's network and Spanning Tree engines (NULL outside a capture
 * file); finalized (and causes decided) by modbus_an_finalize. The network
 * engine must be made after ma_regs_ui_new_engine (pcap_monitor_file). */
ma_net_t *modbus_an_net(void);
ma_stp_t *modbus_an_stp(void);

/* postdissector/feat_ui.c: the feature fields (docs/features.md). */
void ma_feat_ui_register(int proto);
void ma_feat_ui_show(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const ma_feat_t *f, wmem_strbuf_t *info);
/* True if someone reads the feature items of this tree. */
gboolean ma_feat_ui_wanted(proto_tree *tree, int proto, int expert_tap_id);

/* postdissector/net_ui.c */
void ma_net_ui_register(int proto, module_t *m);
ma_net_t *ma_net_ui_new_engine(ma_core_t *core);
/* The stp_window preference as read by the last ma_net_ui_new_engine. */
ma_ns_t ma_net_ui_stp_window(void);
const ma_seg_rec_t *ma_net_ui_segment(ma_net_t *net, packet_info *pinfo, const ma_raw_seg_t *raw,
                                      const ma_pdu_in_t *in, const ma_pdu_t *out, unsigned n,
                                      gboolean (*is_server_port)(guint32));
void ma_net_ui_show_seg(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const ma_seg_rec_t *r,
                        gboolean final, wmem_strbuf_t *info);
void ma_net_ui_show_txn(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const ma_pdu_t *pdu,
                        gboolean final, wmem_strbuf_t *info);
void ma_net_ui_show_bpdu(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const ma_bpdu_rec_t *r,
                         wmem_strbuf_t *info);

/* Effective preference values (validated). */
const ma_config_t *modbus_an_config(void);

/* One frame's results, stored with p_add_proto_data (file scope). */
typedef struct ma_frame {
    const ma_seg_rec_t  *seg;  /* the TCP segment's network record, or NULL */
    const ma_bpdu_rec_t *bpdu; /* the frame's BPDU record, or NULL */
    unsigned   n;
    ma_feat_rec_t *feat; /* n feature records, or NULL when features are off */
    const ma_regs_rec_t **regs; /* n register records (entries may be NULL), or NULL */
    ma_pdu_t   pdu[];
} ma_frame_t;

#endif /* MODBUS_AN_H */
