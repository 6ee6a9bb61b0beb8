/* gui_table.h - GUI statistics tables (Statistics > Modbus/TCP ...) made from
 * the report's table descriptions (tap/report/ma_table.h)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The columns of a GUI table are the description's columns that have a
 * heading, with the same getters, so the GUI, the text, the CSV, the JSON
 * and SQLite show the same numbers. Each table module keeps its own rows
 * (which key makes a row) and calls ma_gui_set_row for a row whose numbers
 * changed.
 */
#ifndef MA_GUI_TABLE_H
#define MA_GUI_TABLE_H

#include <epan/stat_tap_ui.h>

#include "ma_analysis.h"
#include "ma_table.h"

/* The GUI side of a description: built once (ma_gui_columns) into static
 * storage that the stat_tap_table_ui points to. */
typedef struct ma_gui_cols {
    const ma_tab_desc_t *desc;
    stat_tap_table_item  fields[64];
    unsigned             col[64];   /* GUI column -> description column */
    char                 fmt[64][8]; /* "%.Nf" of REAL / DURATION columns */
    unsigned             n;
} ma_gui_cols_t;

void ma_gui_columns(ma_gui_cols_t *g, const ma_tab_desc_t *d);

/* Find the ui's table `name` and reset it (a retap), or create it. */
void ma_gui_table_init(stat_tap_table_ui *ui, const char *name, guint ncols);

/* Append an empty row; returns its index. */
guint ma_gui_add_row(stat_tap_table *t, const ma_gui_cols_t *g);

/* Set every cell of GUI row `row` from row r of tab (its description is g's). */
void ma_gui_set_row(stat_tap_table *t, guint row, const ma_gui_cols_t *g, const ma_tab_t *tab, unsigned r);

/* Zero every cell (a retap), keeping the rows. */
void ma_gui_zero(stat_tap_table *t, const ma_gui_cols_t *g);

/* The free_item callback: string cells are owned by the table. */
void ma_gui_free_item(stat_tap_table *t, guint row, guint col, stat_tap_table_item_type *it);

/* A GUI table fed during a first pass counts only what is decided so far
 * (requests answered by then; no missed or unanswered_at_end yet): say so
 * once on stderr when that happens outside the GUI (tshark without -2).
 * name: the -z name. */
void ma_table_warn_first_pass(const ma_analysis_t *an, const char *name);

#endif /* MA_GUI_TABLE_H */
