/* fields_regs.h - modbus_an.poll.*, modbus_an.hb.* and modbus_an.reg.* items
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MA_FIELDS_REGS_H
#define MA_FIELDS_REGS_H

#include <epan/packet.h>

#include "ma_regs.h"

void ma_fields_regs_register(int proto);
/* The poll group, heartbeat and watched-register items of one PDU's
 * record, expert info on gaps, stalls, recoveries and resets, Info tags. */
void ma_fields_regs_show(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const ma_regs_t *regs,
                         const ma_regs_rec_t *rec, wmem_strbuf_t *info);

#endif /* MA_FIELDS_REGS_H */
