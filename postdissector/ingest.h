/* ingest.h - what modbus_an takes from Wireshark's dissection of a frame
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * modbus_an asks Wireshark for no protocol tree and no field: building one
 * for every frame of every capture costs more than the analysis itself. It
 * takes its input where Wireshark's own dissectors hand data on:
 *  - tcp: the dissector registered for IP protocol 6 is wrapped; the wrapper
 *    reads the TCP header of each segment Wireshark dissects (ports,
 *    sequence and acknowledgement numbers, flags, payload length; RFC 793
 *    3.1), TCP's stream index and the tcp.analysis flags TCP recorded for
 *    the segment (ws_tcp_peek.c), and the IPv4 identification of the
 *    datagram that carried it;
 *  - mbtcp / mbtls: the handles TCP (and TLS) call for Modbus/TCP are
 *    wrapped; after Wireshark's TCP reassembly and mbtcp's framing
 *    (tcp_dissect_pdus by the MBAP length) the wrapper takes each framed
 *    ADU's bytes (a pointer: the tvb lives until the end of the frame);
 *  - stp: the BPDU dissector's handles are wrapped; the wrapper copies the
 *    BPDU's bytes.
 * Every wrapper calls the original handle unchanged, so Wireshark's own
 * dissection is exactly what it would be without modbus_an. The wrappers
 * are installed by the init routine (only while modbus_an is enabled) and
 * removed by the cleanup routine; the tables' entries are found by their
 * current handle, so preference changes and Decode As are followed at the
 * next file (re)load. Only the first pass collects.
 */
#ifndef MA_INGEST_H
#define MA_INGEST_H

#include <epan/packet.h>

#include "ma_analysis.h"

/* What one frame gave (first pass); valid until the end of the frame. */
typedef struct ma_raw_frame {
    unsigned     nadus, cap;
    ma_adu_in_t *adus;         /* ADUs as mbtcp framed them (bytes: the frame's tvbs) */
    bool        *adu_has_seg;  /* per ADU: carried by a segment the tcp wrapper saw */
    bool         has_seg;
    ma_tcp_in_t  seg;          /* the innermost TCP segment of a Modbus connection */
    bool         has_bpdu;
    ma_bpdu_in_t bpdu;         /* frame, ts, src_mac, vlan filled too */
} ma_raw_frame_t;

/* At handoff: find the handles to wrap. */
void ma_ingest_register(void);
/* Init routine (modbus_an enabled): install the wrappers. server_port
 * tells which TCP ports are Modbus servers: segments of other ports are
 * noted only when they carry Modbus/TCP. */
void ma_ingest_start(bool (*server_port)(uint32_t port));
/* Cleanup routine: remove them. */
void ma_ingest_stop(void);

/* The frame's input, or NULL if Wireshark handed modbus_an nothing
 * (first pass only; valid until the end of the frame). */
const ma_raw_frame_t *ma_ingest_frame(packet_info *pinfo);

/* True if h is the Modbus/TCP handle of a tcp.port entry (mbtcp's own or
 * its wrapper). */
bool ma_ingest_is_mbtcp(dissector_handle_t h);

/* An address of packet_info as the core's ma_addr_t (len 0 unless IPv4/6). */
void ma_ingest_addr(const address *a, ma_addr_t *out);

#endif /* MA_INGEST_H */
