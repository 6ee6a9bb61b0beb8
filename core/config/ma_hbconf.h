/* ma_hbconf.h - the site's configuration files: hb_defs.json and pcap_monitor.json
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Above the register and network analyses: it turns the engineers' files
 * into heartbeat definitions (ma_regs.h) and expected servers (ma_net.h).
 * JSON is read with Wireshark's wsutil (not epan).
 */
#ifndef MA_HBCONF_H
#define MA_HBCONF_H

#include <glib.h>

#include "ma_net.h"
#include "ma_regs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parse hb_defs.json text: {"name": {"pair_id": "C->S:P", "hb_reg_type": 3,
 * "hb_dev_id": 255, "hb_start": 768, "hb_reg": 768, "hb_size": 20}, ...}.
 * Appends ma_hb_def_t * (g_free'd with ma_hb_def_free) to out. On error
 * returns false and sets *err to "FILE: entry 'NAME': PROBLEM". */
bool ma_hbconf_parse_hbdefs(const char *text, size_t len, const char *fname, GPtrArray *out, char **err);
/* Parse pcap_monitor.json's "heartbeats" list (other keys are ignored). */
bool ma_hbconf_parse_monitor(const char *text, size_t len, const char *fname, GPtrArray *out, char **err);
/* Read the file and parse it. */
bool ma_hbconf_load(const char *path, bool monitor, GPtrArray *out, char **err);
void ma_hb_def_free(gpointer def);
/* Parse pcap_monitor.json's expected topology: "ip_addrs" (server IP ->
 * list of ports) and "ips"."client" ({dest_ip, dest_port} entries); other
 * keys are ignored. Appends ma_expect_t * (core/ma_net.h; free with
 * ma_expect_free) with name "ip_addrs.IP" / "ips.client[K]". */
bool ma_hbconf_parse_expect(const char *text, size_t len, const char *fname, GPtrArray *out, char **err);
bool ma_hbconf_load_expect(const char *path, GPtrArray *out, char **err);
void ma_expect_free(gpointer e);

#ifdef __cplusplus
}
#endif

#endif /* MA_HBCONF_H */
