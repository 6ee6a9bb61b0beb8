/* ws_compat.h - the Wireshark version differences modbus_an depends on
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One place for everything that differs between the Wireshark releases
 * modbus_an builds against (4.0, 4.4, 4.6): API spellings and the few
 * private values of packet-tcp.c that the tcp.analysis flags are read with.
 */
#ifndef MA_WS_COMPAT_H
#define MA_WS_COMPAT_H

#include <wireshark.h>

#define MA_WS_AT_LEAST(maj, min) \
    (WIRESHARK_VERSION_MAJOR > (maj) || (WIRESHARK_VERSION_MAJOR == (maj) && WIRESHARK_VERSION_MINOR >= (min)))

/* Plugin description (plugin_describe, WS_PLUGIN_DESC_*): 4.2 and later.
 * Boolean preferences and UAT callbacks take and return bool from 4.4 on
 * (gboolean before). The 4.0 API has only tvb_get_guint8, 4.4 deprecates
 * it for tvb_get_uint8. Thresholds are the versions tested (4.0, 4.4, 4.6;
 * scripts/test-wireshark-versions.sh). */
#if MA_WS_AT_LEAST(4, 4)
#include <wsutil/plugins.h>
typedef bool ma_ws_bool;
#else
typedef gboolean ma_ws_bool;
#define tvb_get_uint8 tvb_get_guint8
#endif

/* A stat_tap_ui's init callback returns bool from 4.6 on (false: tshark
 * exits 1); modbus_an's fail with one line and exit(1) in every version
 * (tap/cli_fail.c), so they return MA_STAT_INIT_OK when they come back. */
#if MA_WS_AT_LEAST(4, 6)
#define MA_STAT_INIT_RET bool
#define MA_STAT_INIT_OK return true
#else
#define MA_STAT_INIT_RET void
#define MA_STAT_INIT_OK return
#endif

/* packet-tcp.c's tcp_acked.flags bits (TCP_A_*), and the key of
 * tcp_analysis.acked_table: {frame, raw seq, raw ack}
 * (tcp_analyze_get_acked_struct). Wireshark's tcp.analysis items are shown
 * from these flags: retransmission for RETRANSMISSION, FAST_RETRANSMISSION
 * and SPURIOUS_RETRANSMISSION alike (tcp_sequence_number_analysis_print_
 * retransmission). */
#define MA_WS_TCP_A_RETRANSMISSION          0x0001
#define MA_WS_TCP_A_LOST_PACKET             0x0002
#define MA_WS_TCP_A_DUPLICATE_ACK           0x0010
#define MA_WS_TCP_A_ZERO_WINDOW             0x0020
#define MA_WS_TCP_A_FAST_RETRANSMISSION     0x0400
#define MA_WS_TCP_A_SPURIOUS_RETRANSMISSION 0x4000

#endif /* MA_WS_COMPAT_H */
