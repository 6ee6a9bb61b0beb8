/* fields_feat.h - modbus_an.feature.* and modbus_an.outlier.* items
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MA_FIELDS_FEAT_H
#define MA_FIELDS_FEAT_H

#include <epan/packet.h>

#include "ma_feat.h"

void ma_fields_feat_register(int proto);
/* The Features / Outliers subtrees of one PDU, expert info on invalid PDUs
 * and 3-sigma outliers, Info tags. */
void ma_fields_feat_show(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const ma_feat_t *f,
                         wmem_strbuf_t *info);
/* Expert info of a stored record without its items. */
void ma_fields_feat_experts(packet_info *pinfo, const ma_feat_rec_t *rec, wmem_strbuf_t *info);
/* True if someone reads the feature items of this tree (a visible tree, a
 * filter or column on one of them). */
gboolean ma_fields_feat_wanted(proto_tree *tree, int proto);

#endif /* MA_FIELDS_FEAT_H */
