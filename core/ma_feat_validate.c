/* ma_feat_validate.c - protocol validation of a Modbus/TCP ADU from its bytes
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_feat.h"

#include <glib.h>
#include <limits.h>

/* ---- validation (Modbus Application Protocol v1.1b3; docs/features.md 7) - */

static bool fc_known(uint8_t base)
{
    switch (base) {
    case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8:
    case 11: case 12: case 15: case 16: case 17:
    case 20: case 21: case 22: case 23: case 24: case 43:
        return true;
    default:
        return (base >= 65 && base <= 72) || (base >= 100 && base <= 110);
    }
}

/* The PDU size the function code requires (v1.1b3 6.1-6.17 and 7), or -1
 * when it does not fix one. pdu points at the function code. */
static long required_pdu_size(const uint8_t *pdu, uint32_t n, bool is_request)
{
    uint8_t fc = pdu[0];
    if (fc & 0x80)
        return is_request ? -1 : 2; /* exception response: fc | 0x80, code */
#define BC(off) ((off) < n ? (long)pdu[(off)] : LONG_MAX)
    switch (fc) {
    case 1: case 2: case 3: case 4:
        return is_request ? 5 : (BC(1) == LONG_MAX ? LONG_MAX : 2 + BC(1));
    case 5: case 6:
        return 5;
    case 15: case 16:
        return is_request ? (BC(5) == LONG_MAX ? LONG_MAX : 6 + BC(5)) : 5;
    case 23:
        if (is_request)
            return BC(9) == LONG_MAX ? LONG_MAX : 10 + BC(9);
        return BC(1) == LONG_MAX ? LONG_MAX : 2 + BC(1);
    default:
        return -1;
    }
#undef BC
}

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
    if (!fc_known(fc & 0x7f) || ((fc & 0x80) && is_request))
        bad |= MA_INVALID_FC;
    uint32_t mlen = ((uint32_t)adu[4] << 8) | adu[5];
    if (mlen < 2 || mlen + 6 != len) {
        bad |= MA_INVALID_LENGTH;
    } else {
        long need = required_pdu_size(adu + 7, len - 7, is_request);
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
