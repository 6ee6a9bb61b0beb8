/* modbus_an.h - the post-dissector's entry points (called by plugin/plugin.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each module of the post-dissector has its own header: preferences.h,
 * lifecycle.h, ingest.h, fields_*.h, taps.h (what the taps receive).
 */
#ifndef MODBUS_AN_H
#define MODBUS_AN_H

void proto_register_modbus_an(void);
void proto_reg_handoff_modbus_an(void);

#endif /* MODBUS_AN_H */
