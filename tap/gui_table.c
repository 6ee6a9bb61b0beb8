/* gui_table.c - helpers shared by the GUI stat tables
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/packet.h>

#include "lifecycle.h"
#include "preferences.h"
#include "taps.h"

#include "gui_table.h"

#include <stdio.h>

void ma_gui_set_uint(stat_tap_table *t, guint row, guint col, uint64_t v)
{
    stat_tap_table_item_type *it = stat_tap_get_field_data(t, row, col);
    it->value.uint_value = (guint)v;
    stat_tap_set_field_data(t, row, col, it);
}

void ma_gui_table_init(stat_tap_table_ui *ui, const char *name, guint ncols)
{
    stat_tap_table *t = stat_tap_find_table(ui, name);
    if (t) {
        if (ui->stat_tap_reset_table_cb)
            ui->stat_tap_reset_table_cb(t);
        return;
    }
    t = stat_tap_init_table(name, ncols, 0, NULL);
    stat_tap_add_table(ui, t);
}

guint ma_gui_add_row(stat_tap_table *t, const stat_tap_table_item *fields, guint ncols,
                     const char *const *labels, guint nlabels)
{
    guint idx = t->num_elements;
    stat_tap_table_item_type *items = g_new0(stat_tap_table_item_type, ncols);
    for (guint c = 0; c < ncols; c++)
        items[c].type = fields[c].type;
    for (guint c = 0; c < nlabels && c < ncols; c++)
        items[c].value.string_value = g_strdup(labels[c]);
    stat_tap_init_table_row(t, idx, ncols, items);
    g_free(items); /* the table copied the cells */
    return idx;
}

void ma_table_warn_first_pass(const ma_analysis_t *an, const char *name)
{
    static const ma_analysis_t *warned;
    if (!an || ma_analysis_final(an) || warned == an || ma_lifecycle_gui())
        return;
    warned = an;
    fprintf(stderr, "modbus_an: -z %s counts outcomes decided by the end of the first pass only with "
            "tshark -2; in a single pass use -z modbus_an,stat\n", name);
}
