/* ma_modbus.c - MBAP header, function codes, PDU sizes and register data
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * References: Modbus Messaging on TCP/IP Implementation Guide v1.0b (MBAP,
 * 3.1.3) and Modbus Application Protocol Specification v1.1b3 (function
 * codes 6.1-6.17, exception responses 7).
 */
#include "ma_modbus.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

static inline uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

bool ma_mbap_read(const uint8_t *adu, uint32_t n, ma_mbap_t *out)
{
    memset(out, 0, sizeof *out);
    if (!adu || n < MA_MBAP_LEN)
        return false;
    out->tid = be16(adu);
    out->pid = be16(adu + 2);
    out->len = be16(adu + 4);
    out->unit = adu[6];
    if (n > MA_MBAP_LEN) {
        out->has_fc = true;
        out->fc = adu[7];
        if ((out->fc & 0x80) && n > MA_MBAP_LEN + 1) {
            out->has_exc = true;
            out->exc_code = adu[8];
        }
    }
    return true;
}

bool ma_mbap_valid(const ma_mbap_t *h, uint32_t wire_len)
{
    return h->pid == 0 && h->len >= 2 && (uint32_t)h->len + 6 == wire_len && h->has_fc;
}

bool ma_fc_known(uint8_t base)
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

long ma_pdu_required_size(const uint8_t *pdu, uint32_t n, bool is_request)
{
    if (n == 0)
        return LONG_MAX;
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

/* The fixed fields of fc's PDU, function code included: what a decoder
 * must read before any byte-counted data (v1.1b3 6.x; 7 for exception
 * responses); 0 when the function code fixes nothing. */
static long fixed_pdu_size(uint8_t fc, bool is_request)
{
    if (fc & 0x80)
        return is_request ? 0 : 2;
    if (is_request) {
        switch (fc) {
        case 1: case 2: case 3: case 4: case 5: case 6: return 5; /* address, quantity / value */
        case 8: return 3;                                         /* sub-function */
        case 15: case 16: return 6;                               /* address, quantity, byte count */
        case 20: case 21: return 2;                               /* byte count */
        case 22: return 7;                                        /* reference, AND mask, OR mask */
        case 23: return 10;                                       /* read, write ranges, byte count */
        case 24: return 3;                                        /* FIFO pointer address */
        case 43: return 2;                                        /* MEI type */
        default: return 0;                                        /* 7, 11, 12, 17: no data */
        }
    }
    switch (fc) {
    case 1: case 2: case 3: case 4: case 12: case 17: case 20: case 21: case 23: return 2; /* byte count */
    case 5: case 6: case 11: case 15: case 16: return 5;
    case 7: return 2;
    case 8: return 3;
    case 22: return 7;
    case 24: return 3;  /* byte count (2 bytes) */
    case 43: return 2;
    default: return 0;
    }
}

bool ma_pdu_short(const uint8_t *pdu, uint32_t n, bool is_request)
{
    if (n == 0)
        return true;
    if (!ma_fc_known(pdu[0] & 0x7f))
        return false;
    return (long)n < fixed_pdu_size(pdu[0], is_request);
}

/* Registers of a byte-counted field at off (byte count at off - 1). */
static uint32_t take_words(const uint8_t *pdu, uint32_t n, uint32_t off, uint16_t *words)
{
    if (off > n || pdu[off - 1] != n - off || (n - off) % 2)
        return 0;
    uint32_t k = (n - off) / 2;
    if (k > MA_MAX_PDU_WORDS)
        k = MA_MAX_PDU_WORDS;
    for (uint32_t i = 0; i < k; i++)
        words[i] = be16(pdu + off + 2 * i);
    return k;
}

static uint32_t take_bits(const uint8_t *pdu, uint32_t n, uint32_t off, uint8_t *bits)
{
    if (off > n || pdu[off - 1] != n - off)
        return 0;
    uint32_t k = 0;
    for (uint32_t i = off; i < n && k + 8 <= MA_MAX_PDU_BITS; i++)
        for (unsigned b = 0; b < 8; b++)
            bits[k++] = (pdu[i] >> b) & 1u;
    return k;
}

void ma_pdu_regdata(const uint8_t *pdu, uint32_t n, bool is_request, uint16_t *words, uint8_t *bits,
                    ma_regdata_t *out)
{
    out->ref = out->count = out->wref = -1;
    out->nwords = out->nbits = 0;
    if (n == 0 || (pdu[0] & 0x80))
        return;
    uint8_t fc = pdu[0];
    if (is_request) {
        if ((fc >= 1 && fc <= 6) || fc == 15 || fc == 16) {
            if (n >= 3)
                out->ref = be16(pdu + 1);
            if (fc == 5 || fc == 6)
                out->count = 1;
            else if (n >= 5)
                out->count = be16(pdu + 3);
        }
        switch (fc) {
        case 5: /* ON = 0xFF00, OFF = 0x0000 (6.5) */
            if (n >= 5) {
                bits[0] = be16(pdu + 3) == 0xFF00;
                out->nbits = 1;
            }
            break;
        case 6:
            if (n >= 5) {
                words[0] = be16(pdu + 3);
                out->nwords = 1;
            }
            break;
        case 15:
            if (n >= 6)
                out->nbits = take_bits(pdu, n, 6, bits);
            break;
        case 16:
            if (n >= 6)
                out->nwords = take_words(pdu, n, 6, words);
            break;
        case 23:
            if (n >= 3)
                out->ref = be16(pdu + 1);
            if (n >= 5)
                out->count = be16(pdu + 3);
            if (n >= 7)
                out->wref = be16(pdu + 5);
            if (n >= 10)
                out->nwords = take_words(pdu, n, 10, words);
            break;
        default:
            break;
        }
        return;
    }
    switch (fc) {
    case 1: case 2:
        if (n >= 2)
            out->nbits = take_bits(pdu, n, 2, bits);
        break;
    case 3: case 4: case 23:
        if (n >= 2)
            out->nwords = take_words(pdu, n, 2, words);
        break;
    case 5:
        if (n >= 5) {
            bits[0] = be16(pdu + 3) == 0xFF00;
            out->nbits = 1;
        }
        break;
    case 6:
        if (n >= 5) {
            words[0] = be16(pdu + 3);
            out->nwords = 1;
        }
        break;
    default:
        break;
    }
}

int ma_table_of_read_fc(uint8_t fc)
{
    switch (fc) {
    case 1: return MA_TBL_COILS;
    case 2: return MA_TBL_DISCRETE;
    case 3: case 23: return MA_TBL_HOLDING;
    case 4: return MA_TBL_INPUT;
    default: return -1;
    }
}

int ma_table_of_write_fc(uint8_t fc)
{
    switch (fc) {
    case 5: case 15: return MA_TBL_COILS;
    case 6: case 16: case 23: return MA_TBL_HOLDING;
    default: return -1;
    }
}

const char *ma_table_name(ma_table_t t)
{
    static const char *const names[] = {"coils", "discrete_inputs", "holding", "input"};
    return (unsigned)t < MA_TBL_COUNT ? names[t] : "?";
}

bool ma_table_parse(const char *s, ma_table_t *out)
{
    static const struct { const char *name; ma_table_t t; } map[] = {
        {"coils", MA_TBL_COILS}, {"coil", MA_TBL_COILS}, {"1", MA_TBL_COILS},
        {"discrete_inputs", MA_TBL_DISCRETE}, {"discrete inputs", MA_TBL_DISCRETE},
        {"discrete", MA_TBL_DISCRETE}, {"2", MA_TBL_DISCRETE},
        {"holding", MA_TBL_HOLDING}, {"holding registers", MA_TBL_HOLDING}, {"3", MA_TBL_HOLDING},
        {"input", MA_TBL_INPUT}, {"input registers", MA_TBL_INPUT}, {"4", MA_TBL_INPUT},
    };
    if (!s)
        return false;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(s, map[i].name) == 0) {
            *out = map[i].t;
            return true;
        }
    return false;
}

bool ma_read_response_fits(uint8_t fc, int32_t quantity, const uint8_t *resp, uint32_t n)
{
    if (n == 0 || resp[0] != fc)
        return false;
    if (quantity < 0)
        return true;
    switch (fc) {
    case 1: case 2:
        return n >= 2 && resp[1] == (uint32_t)(quantity + 7) / 8;
    case 3: case 4: case 23:
        return n >= 2 && resp[1] == 2u * (uint32_t)quantity;
    default:
        return true;
    }
}
