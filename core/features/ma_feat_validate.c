/* ma_feat_validate.c - protocol validation of a Modbus/TCP ADU from its bytes
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_feat.h"
#include "ma_modbus.h"

#include <glib.h>

/* ---- validation (Modbus Application Protocol v1.1b3; docs/features.md 7) - */

uint8_t ma_feat_validate(const uint8_t *adu, uint32_t len, bool is_request, bool strict_unit_id)
{
    uint8_t bad = 0;
    if (len < 4 || adu[2] != 0 || adu[3] != 0)
        bad |= MA_INVALID_PROTOCOL_ID;
    if (len < 7)
        return bad | MA_INVALID_UNIT_ID | MA_INVALID_FC | MA_INVALID_LENGTH;
    uint8_t unit = adu[6];
    bool unit_ok = strict_unit_id ? (unit >= 1 && unit <= 247) : (unit <= 247 || unit == 255);
    if (!unit_ok)
        bad |= MA_INVALID_UNIT_ID;
    if (len < 8) {
        bad |= MA_INVALID_FC | MA_INVALID_LENGTH;
        return bad;
    }
    uint8_t fc = adu[7];
    if (!ma_fc_known(fc & 0x7f) || ((fc & 0x80) && is_request))
        bad |= MA_INVALID_FC;
    uint32_t mlen = ((uint32_t)adu[4] << 8) | adu[5];
    if (mlen < 2 || mlen + 6 != len) {
        bad |= MA_INVALID_LENGTH;
    } else {
        long need = ma_pdu_required_size(adu + 7, len - 7, is_request);
        if (need >= 0 && need != (long)(len - 7))
            bad |= MA_INVALID_LENGTH;
    }
    return bad;
}

void ma_feat_invalid_text(uint8_t invalid, char *buf, size_t size)
{
    static const char *const names[] = {"protocol id", "unit id", "function code", "length"};
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < 4 && used < size; i++) {
        if (invalid & (1u << i))
            used += (size_t)g_snprintf(buf + used, (gulong)(size - used), "%s%s", used ? ", " : "", names[i]);
    }
}
