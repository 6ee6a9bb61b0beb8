/* ma_report.h - text and CSV rendering of modbus_an statistics
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Plain C (no epan types), so the unit tests check the exact output.
 */
#ifndef MA_REPORT_H
#define MA_REPORT_H

#include <stdio.h>

#include "ma_stats.h"

/* The -z modbus_an,stat table. filter may be NULL. */
void ma_report_text(FILE *out, ma_stats_t *st, const ma_config_t *cfg, const char *filter);

/* The -z modbus_an,csv rows: a header line, one row per pair and per
 * (pair, unit), then TOTAL. Times in seconds with 9 decimals; empty when
 * there is no sample. Comment lines start with '#'. */
void ma_report_csv(FILE *out, ma_stats_t *st, const ma_config_t *cfg, const char *filter);

#endif /* MA_REPORT_H */
