/* preferences.h - modbus_an's preferences, UATs and site files
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every preference (Edit > Preferences > Protocols > modbus_an, or
 * -o modbus_an.<name>:<value>) and UAT of the plugin, validated in one
 * place, and the analysis configuration built from them and from the
 * engineers' files (hb_defs.json, pcap_monitor.json) when a capture starts.
 */
#ifndef MA_PREFERENCES_H
#define MA_PREFERENCES_H

#include <epan/packet.h>
#include <epan/prefs.h>

#include "ma_analysis.h"
#include "ma_sections.h"

/* Register the preferences and UATs of protocol proto (proto_register). */
void ma_prefs_register(int proto);

/* At handoff: find the tables the server-port test reads. */
void ma_prefs_handoff(void);

/* True if port is a Modbus server port: the server_ports preference, or a
 * port that TCP hands to Modbus/TCP (mbtcp's port preference, 502, or a
 * Decode As entry). */
bool ma_prefs_is_server_port(uint32_t port);

/* True if per-PDU features are computed (the features preference). */
bool ma_prefs_features(void);

/* The analysis configuration from the preferences, UATs and files. A bad
 * file is reported once (report_failure) and ignored as a whole. The
 * definitions point into storage owned by *cfg until ma_prefs_config_free. */
void ma_prefs_config(ma_analysis_config_t *cfg);
void ma_prefs_config_free(ma_analysis_config_t *cfg);

/* The verdict's limits (verdict_* preferences). */
void ma_prefs_verdict(ma_verdict_config_t *v);

/* Seconds -z modbus_an,sqlite waits for a database another writer locked. */
unsigned ma_prefs_sqlite_timeout(void);

/* The capture_name preference ("" when unset). */
const char *ma_prefs_capture_name(void);

/* Parse an epoch time "1700000000.123456789" exactly (no rounding through
 * a double); false on anything else. */
bool ma_prefs_parse_epoch(const char *s, ma_ns_t *out);

/* Parse a number of seconds >= 0 (at most 10^6); false on anything else. */
bool ma_prefs_parse_seconds(const char *s, ma_ns_t *out);

#endif /* MA_PREFERENCES_H */
