/* fields_net.h - modbus_an.conn.*, modbus_an.tcp.*, retry, cause and modbus_an.stp.* items
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MA_FIELDS_NET_H
#define MA_FIELDS_NET_H

#include <epan/packet.h>

#include "ma_core.h"
#include "ma_net.h"
#include "ma_stp.h"

void ma_fields_net_register(int proto);
/* A TCP segment's own modbus_an tree (connection and tcp.analysis items);
 * final: the first pass has ended (outcomes decided then are shown). */
void ma_fields_net_show_seg(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const ma_seg_rec_t *r,
                            gboolean final, wmem_strbuf_t *info);
/* The retry, retransmission and cause items of a PDU's tree. */
void ma_fields_net_show_txn(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const ma_pdu_t *pdu,
                            gboolean final, wmem_strbuf_t *info);
/* A BPDU's own modbus_an tree. */
void ma_fields_net_show_bpdu(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const ma_bpdu_rec_t *r,
                             wmem_strbuf_t *info);

#endif /* MA_FIELDS_NET_H */
