/* fields_txn.h - modbus_an's transaction items of one Modbus PDU
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MA_FIELDS_TXN_H
#define MA_FIELDS_TXN_H

#include <epan/packet.h>

#include "ma_core.h"

void ma_fields_txn_register(int proto);
/* The PDU's modbus_an tree with its transaction items, expert info and
 * Info tags; returns the subtree other items of the PDU go into. final:
 * the first pass has ended. */
proto_tree *ma_fields_txn_show(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const ma_pdu_t *pdu,
                               gboolean final, wmem_strbuf_t *info);

#endif /* MA_FIELDS_TXN_H */
