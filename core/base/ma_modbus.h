/* ma_modbus.h - what the Modbus specifications say about an ADU's bytes
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A leaf module (no other modbus_an module below it): the MBAP header
 * (Modbus Messaging on TCP/IP Implementation Guide v1.0b, 3.1.3), function
 * codes, the size each function code requires and the register data a PDU
 * carries (Modbus Application Protocol v1.1b3, 6.1-6.17 and 7), and the
 * register tables. Every function reads only the bytes it is given.
 */
#ifndef MA_MODBUS_H
#define MA_MODBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MA_MBAP_LEN 7u /* transaction id, protocol id, length, unit id */

/* Largest register / bit payloads a PDU can carry: a byte count is one
 * byte, so at most 255 data bytes. */
#define MA_MAX_PDU_WORDS 128u
#define MA_MAX_PDU_BITS  2040u

/* The MBAP header and function code of an ADU. */
typedef struct ma_mbap {
    uint16_t tid;
    uint16_t pid;      /* protocol id: 0 for Modbus */
    uint16_t len;      /* counts the unit id and the PDU */
    uint8_t  unit;
    bool     has_fc;   /* a function code byte is present */
    uint8_t  fc;       /* as on the wire (exception responses: fc | 0x80) */
    bool     has_exc;  /* an exception response with its code present */
    uint8_t  exc_code;
} ma_mbap_t;

/* Read the MBAP header of adu (n bytes present). False if fewer than 7. */
bool ma_mbap_read(const uint8_t *adu, uint32_t n, ma_mbap_t *out);

/* The header is what a Modbus/TCP ADU must be to be paired: protocol id 0,
 * a length of at least 2 (unit and function code) that agrees with the
 * wire_len bytes the ADU spans (length + 6), and a function code present. */
bool ma_mbap_valid(const ma_mbap_t *h, uint32_t wire_len);

/* Public function codes (v1.1b3 5.1) and the user-defined ranges 65-72,
 * 100-110. base is fc & 0x7f. */
bool ma_fc_known(uint8_t base);

/* True if the PDU (pdu[0] = function code, n bytes) is shorter than the
 * fixed fields of its function code (v1.1b3 6.x: what comes before any
 * byte-counted data; 7: an exception response carries its code), i.e.
 * where a decoder runs out of bytes. A byte count that disagrees with the
 * bytes after it is not "short" (features.md: length_consistent tells it).
 * Unknown and user-defined function codes are never short. */
bool ma_pdu_short(const uint8_t *pdu, uint32_t n, bool is_request);

/* The exact PDU size the function code fixes for fc 1-6, 15, 16, 23 and
 * exception responses (-1 when it fixes none; LONG_MAX when a byte count
 * it needs is missing). */
long ma_pdu_required_size(const uint8_t *pdu, uint32_t n, bool is_request);

/* The register data of a PDU (pdu[0] = function code, n bytes present):
 * the start and quantity a request reads or writes, and the 16-bit
 * registers (big-endian) or bits (LSB first in each byte, v1.1b3 6.1) it
 * carries. A byte-counted data field is decoded only if its byte count
 * equals the bytes that follow it (as Wireshark's modbus dissector does). */
typedef struct ma_regdata {
    int32_t  ref;     /* request: start address (fc 23: read start), -1: none */
    int32_t  count;   /* request: quantity read or written (fc 5/6: 1), -1: none */
    int32_t  wref;    /* fc 23 request: write start, -1: none */
    uint32_t nwords;  /* registers in words[] */
    uint32_t nbits;   /* bits in bits[] (0/1 each) */
} ma_regdata_t;

/* words must hold MA_MAX_PDU_WORDS entries, bits MA_MAX_PDU_BITS. */
void ma_pdu_regdata(const uint8_t *pdu, uint32_t n, bool is_request, uint16_t *words, uint8_t *bits,
                    ma_regdata_t *out);

/* Register tables (v1.1b3 4.3). */
typedef enum {
    MA_TBL_COILS = 0,
    MA_TBL_DISCRETE = 1,
    MA_TBL_HOLDING = 2,
    MA_TBL_INPUT = 3,
    MA_TBL_COUNT
} ma_table_t;

/* Table read / written by fc (-1: none): coils are read by 1 and written by
 * 5/15, discrete inputs read by 2, holding registers read by 3/23 and
 * written by 6/16/23, input registers read by 4. */
int ma_table_of_read_fc(uint8_t fc);
int ma_table_of_write_fc(uint8_t fc);
/* "coils", "discrete_inputs", "holding", "input". */
const char *ma_table_name(ma_table_t t);
/* Parse a table name: the above, "Holding Registers", "Input Registers",
 * "Coils", "Discrete Inputs" (case-insensitive) or a read fc "1".."4". */
bool ma_table_parse(const char *s, ma_table_t *out);

/* A read request's quantity fits a response: for fc 1/2 the byte count is
 * ceil(quantity / 8), for fc 3/4/23 it is 2 x quantity. Other function
 * codes fit any response. resp points at the response's function code. */
bool ma_read_response_fits(uint8_t fc, int32_t quantity, const uint8_t *resp, uint32_t n);

#ifdef __cplusplus
}
#endif

#endif /* MA_MODBUS_H */
