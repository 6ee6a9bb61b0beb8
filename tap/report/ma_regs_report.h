/* ma_regs_report.h - text sections of poll groups, heartbeats and watched
 * registers for -z modbus_an,stat
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MA_REGS_REPORT_H
#define MA_REGS_REPORT_H

#include <stdio.h>

#include "ma_regs.h"

/* Print the sections (after ma_regs_finalize). The whole capture is
 * reported, whatever display filter the stat has. */
void ma_regs_report_text(FILE *out, const ma_regs_t *r);

#endif /* MA_REGS_REPORT_H */
