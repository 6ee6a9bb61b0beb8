/* extract_net.c - read Wireshark's tcp and stp fields for the network analysis
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Like extract.c: the fields are requested with
 * set_postdissector_wanted_hfids and read with proto_get_finfo_ptr_array;
 * no byte is parsed here that Wireshark did not decode as that field (MAC
 * addresses are read from the span of their FT_ETHER items). Ports and the
 * sender's MAC come from packet_info, where TCP and Ethernet put them.
 */
#include "modbus_an.h"

#include <epan/proto.h>
#include <string.h>

static int id(const char *name)
{
    return proto_registrar_get_id_byname(name);
}

void ma_extract_net_register(ma_extract_net_ids_t *ids)
{
    ids->tcp_seq = id("tcp.seq");
    ids->tcp_len = id("tcp.len");
    ids->ta[MA_TA_RETRANS] = id("tcp.analysis.retransmission");
    ids->ta[MA_TA_FAST] = id("tcp.analysis.fast_retransmission");
    ids->ta[MA_TA_SPURIOUS] = id("tcp.analysis.spurious_retransmission");
    ids->ta[MA_TA_DUP_ACK] = id("tcp.analysis.duplicate_ack");
    ids->ta[MA_TA_ZERO_WINDOW] = id("tcp.analysis.zero_window");
    ids->ta[MA_TA_LOST_SEGMENT] = id("tcp.analysis.lost_segment");
    ids->stp_type = id("stp.type");
    ids->stp_version = id("stp.version");
    ids->stp_flags = id("stp.flags");
    ids->stp_root_prio = id("stp.root.prio");
    ids->stp_root_ext = id("stp.root.ext");
    ids->stp_root_hw = id("stp.root.hw");
    ids->stp_root_cost = id("stp.root.cost");
    ids->stp_bridge_prio = id("stp.bridge.prio");
    ids->stp_bridge_ext = id("stp.bridge.ext");
    ids->stp_bridge_hw = id("stp.bridge.hw");
    ids->stp_port = id("stp.port");
    ids->stp_origvlan = id("stp.pvst.origvlan");
    ids->vlan_id = id("vlan.id");
}

void ma_extract_net_wanted(const ma_extract_net_ids_t *ids, GArray *a)
{
    const int all[] = {
        ids->tcp_seq, ids->tcp_len,
        ids->ta[0], ids->ta[1], ids->ta[2], ids->ta[3], ids->ta[4], ids->ta[5],
        ids->stp_type, ids->stp_version, ids->stp_flags, ids->stp_root_prio, ids->stp_root_ext,
        ids->stp_root_hw, ids->stp_root_cost, ids->stp_bridge_prio, ids->stp_bridge_ext,
        ids->stp_bridge_hw, ids->stp_port, ids->stp_origvlan, ids->vlan_id,
    };
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
        if (all[i] > 0)
            g_array_append_val(a, all[i]);
}

/* The last (innermost) item of hf in the tree, or NULL. */
static field_info *last(proto_tree *tree, int hf)
{
    GPtrArray *a = hf > 0 ? proto_get_finfo_ptr_array(tree, hf) : NULL;
    return a && a->len ? g_ptr_array_index(a, a->len - 1) : NULL;
}

static guint32 uint_or(proto_tree *tree, int hf, guint32 dflt)
{
    field_info *fi = last(tree, hf);
    return fi ? fvalue_get_uinteger(&fi->value) : dflt;
}

/* The 6 bytes an FT_ETHER item spans; false if not all captured. */
static bool mac_of(field_info *fi, uint8_t out[6])
{
    if (!fi || fi->length != 6 || !tvb_bytes_exist(fi->ds_tvb, fi->start, 6))
        return false;
    tvb_memcpy(fi->ds_tvb, out, fi->start, 6);
    return true;
}

bool ma_extract_tcp_seg(const ma_extract_net_ids_t *ids, proto_tree *tree, packet_info *pinfo,
                        uint32_t stream, uint32_t tcp_flags, ma_tcp_in_t *out)
{
    memset(out, 0, sizeof *out);
    if (pinfo->ptype != PT_TCP)
        return false;
    out->frame = pinfo->num;
    out->ts = (ma_ns_t)pinfo->abs_ts.secs * MA_NS_PER_SEC + pinfo->abs_ts.nsecs;
    out->stream = stream;
    ma_extract_addr(&pinfo->net_src, &out->src);
    ma_extract_addr(&pinfo->net_dst, &out->dst);
    out->srcport = (uint16_t)pinfo->srcport;
    out->dstport = (uint16_t)pinfo->destport;
    out->flags = (uint16_t)tcp_flags;
    for (int k = 0; k < MA_TCPA_N; k++) {
        GPtrArray *a = ids->ta[k] > 0 ? proto_get_finfo_ptr_array(tree, ids->ta[k]) : NULL;
        if (a && a->len)
            out->analysis |= (uint8_t)(1u << k);
    }
    field_info *seq = last(tree, ids->tcp_seq), *len = last(tree, ids->tcp_len);
    if (seq && len) {
        out->has_seq = true;
        out->seq = fvalue_get_uinteger(&seq->value);
        out->len = fvalue_get_uinteger(&len->value);
    }
    return true;
}

bool ma_extract_bpdu(const ma_extract_net_ids_t *ids, proto_tree *tree, packet_info *pinfo, ma_bpdu_in_t *out)
{
    field_info *type = tree ? last(tree, ids->stp_type) : NULL;
    if (!type)
        return false;
    memset(out, 0, sizeof *out);
    out->frame = pinfo->num;
    out->ts = (ma_ns_t)pinfo->abs_ts.secs * MA_NS_PER_SEC + pinfo->abs_ts.nsecs;
    out->type = (uint8_t)fvalue_get_uinteger(&type->value);
    out->version = (uint8_t)uint_or(tree, ids->stp_version, 0);
    out->flags = (uint8_t)uint_or(tree, ids->stp_flags, 0);
    /* the sender's MAC as the Ethernet dissector set it (TCN speakers) */
    if (pinfo->dl_src.type == AT_ETHER && pinfo->dl_src.len == 6)
        memcpy(out->src_mac, pinfo->dl_src.data, 6);
    uint8_t rmac[6], bmac[6];
    field_info *port = last(tree, ids->stp_port);
    if (out->type != MA_BPDU_TCN && port && mac_of(last(tree, ids->stp_root_hw), rmac) &&
        mac_of(last(tree, ids->stp_bridge_hw), bmac)) {
        out->has_ids = true;
        uint64_t rp = (uint64_t)(uint_or(tree, ids->stp_root_prio, 0) + uint_or(tree, ids->stp_root_ext, 0));
        uint64_t bp = (uint64_t)(uint_or(tree, ids->stp_bridge_prio, 0) + uint_or(tree, ids->stp_bridge_ext, 0));
        out->root_id = (rp & 0xFFFF) << 48;
        out->bridge_id = (bp & 0xFFFF) << 48;
        for (int i = 0; i < 6; i++) {
            out->root_id |= (uint64_t)rmac[i] << (8 * (5 - i));
            out->bridge_id |= (uint64_t)bmac[i] << (8 * (5 - i));
        }
        out->root_cost = uint_or(tree, ids->stp_root_cost, 0);
        out->port_id = (uint16_t)fvalue_get_uinteger(&port->value);
    }
    field_info *ov = last(tree, ids->stp_origvlan);
    if (ov) {
        out->pvst = true;
        out->vlan = (uint16_t)fvalue_get_uinteger(&ov->value);
    } else {
        out->vlan = (uint16_t)uint_or(tree, ids->vlan_id, 0);
    }
    return true;
}
