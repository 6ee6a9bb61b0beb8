/* plugin.c - modbus_an plugin entry points
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <wireshark.h>

#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/tap.h>

#include "modbus_an.h"
#include "taps.h"
#include "ws_compat.h"

#ifndef MODBUS_AN_VERSION
#define MODBUS_AN_VERSION "0.1.0"
#endif

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = MODBUS_AN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);
#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
WS_DLL_PUBLIC uint32_t plugin_describe(void);
uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR | WS_PLUGIN_DESC_TAP_LISTENER;
}
#endif

static void register_taps(void)
{
    register_tap_listener_modbus_an_cli();
    register_tap_listener_modbus_an_table();
    register_tap_listener_modbus_an_nettable();
    register_tap_listener_modbus_an_features();
    register_tap_listener_modbus_an_flows();
}

void plugin_register(void)
{
    static proto_plugin plug;
    static tap_plugin tap;

    plug.register_protoinfo = proto_register_modbus_an;
    plug.register_handoff = proto_reg_handoff_modbus_an;
    proto_register_plugin(&plug);

    tap.register_tap_listener = register_taps;
    tap_register_plugin(&tap);
}
