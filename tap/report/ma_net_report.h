/* ma_net_report.h - text sections of the network analysis for -z modbus_an,stat
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MA_NET_REPORT_H
#define MA_NET_REPORT_H

#include <stdio.h>

#include "ma_net.h"
#include "ma_stp.h"

/* Print "Connections per pair", "TCP analysis per pair", "Causes per pair",
 * "Expected topology" (if any expectation) and "Spanning Tree" (after
 * modbus_an_finalize). requests[pair id] (nreq entries) are the Modbus
 * requests of each pair. The whole capture is reported, whatever display
 * filter the stat has. */
void ma_net_report_text(FILE *out, ma_net_t *net, const ma_stp_t *stp, const uint64_t *requests, uint32_t nreq,
                        ma_ns_t stp_window);

/* One CSV row per pair with a connection, a retry or a slow transaction
 * (header first; times in seconds, empty when there is no sample): the
 * numbers of the text sections, for other systems (-z modbus_an,netcsv). */
void ma_net_report_csv(FILE *out, ma_net_t *net);

#endif /* MA_NET_REPORT_H */
