/* gui_table.h - helpers shared by the GUI stat tables (stat_table.c, net_table.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MA_GUI_TABLE_H
#define MA_GUI_TABLE_H

#include <epan/stat_tap_ui.h>

#include "ma_analysis.h"

/* Set an unsigned cell. */
void ma_gui_set_uint(stat_tap_table *t, guint row, guint col, uint64_t v);

/* Find the ui's table `name` and reset it (a retap), or create it. */
void ma_gui_table_init(stat_tap_table_ui *ui, const char *name, guint ncols);

/* Append a row of ncols cells typed as fields[], the first nlabels of them
 * strings (copied; freed by the table's free_item callback); returns its
 * index. */
guint ma_gui_add_row(stat_tap_table *t, const stat_tap_table_item *fields, guint ncols,
                     const char *const *labels, guint nlabels);

/* A GUI table fed during a first pass counts only what is decided so far
 * (requests answered by then; no missed or unanswered_at_end yet): say so
 * once on stderr when that happens outside the GUI (tshark without -2).
 * name: the -z name. */
void ma_table_warn_first_pass(const ma_analysis_t *an, const char *name);

#endif /* MA_GUI_TABLE_H */
