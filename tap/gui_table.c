/* gui_table.c - GUI statistics tables made from the report's descriptions
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/packet.h>

#include "lifecycle.h"
#include "taps.h"

#include "gui_table.h"

#include <math.h>
#include <stdio.h>

void ma_gui_columns(ma_gui_cols_t *g, const ma_tab_desc_t *d)
{
    g->desc = d;
    g->n = 0;
    for (unsigned i = 0; i < d->ncols && g->n < G_N_ELEMENTS(g->fields); i++) {
        const ma_col_t *c = &d->cols[i];
        if (!c->heading)
            continue;
        stat_tap_table_item *f = &g->fields[g->n];
        /* the text's decimals; response times in ms to the microsecond */
        g_snprintf(g->fmt[g->n], sizeof g->fmt[g->n], "%%.%uf",
                   c->type == MA_CT_DURATION && (c->flags & MA_COL_TEXT_MS) ? 3u : (unsigned)c->decimals);
        if (c->flags & MA_COL_STAR_NULL) { /* "*" for a whole pair's row */
            *f = (stat_tap_table_item){TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, c->heading, "%s"};
            g->col[g->n++] = i;
            continue;
        }
        switch (c->type) {
        case MA_CT_COUNT:
        case MA_CT_FRAME:
            *f = (stat_tap_table_item){TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, c->heading, "%u"};
            break;
        case MA_CT_INT:
            *f = (stat_tap_table_item){TABLE_ITEM_INT, TAP_ALIGN_RIGHT, c->heading, "%d"};
            break;
        case MA_CT_REAL:
        case MA_CT_DURATION:
            *f = (stat_tap_table_item){TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, c->heading, g->fmt[g->n]};
            break;
        default:
            *f = (stat_tap_table_item){TABLE_ITEM_STRING, c->type == MA_CT_TEXT ? TAP_ALIGN_LEFT : TAP_ALIGN_RIGHT,
                                       c->heading, "%s"};
            break;
        }
        g->col[g->n++] = i;
    }
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

guint ma_gui_add_row(stat_tap_table *t, const ma_gui_cols_t *g)
{
    guint idx = t->num_elements;
    stat_tap_table_item_type *items = g_new0(stat_tap_table_item_type, g->n);
    for (guint c = 0; c < g->n; c++) {
        items[c].type = g->fields[c].type;
        if (items[c].type == TABLE_ITEM_STRING)
            items[c].value.string_value = g_strdup("");
    }
    stat_tap_init_table_row(t, idx, g->n, items);
    g_free(items); /* the table copied the cells */
    return idx;
}

void ma_gui_set_row(stat_tap_table *t, guint row, const ma_gui_cols_t *g, const ma_tab_t *tab, unsigned r)
{
    char buf[256];
    for (guint c = 0; c < g->n; c++) {
        const ma_col_t *col = &g->desc->cols[g->col[c]];
        ma_cell_t v;
        ma_tab_cell(tab, r, g->col[c], &v);
        stat_tap_table_item_type *it = stat_tap_get_field_data(t, row, c);
        switch (it->type) {
        case TABLE_ITEM_UINT:
            it->value.uint_value = v.null ? 0 : (guint)v.v.u;
            break;
        case TABLE_ITEM_INT:
            it->value.int_value = v.null ? 0 : (gint)v.v.i;
            break;
        case TABLE_ITEM_FLOAT:
            if (v.null)
                it->value.float_value = 0;
            else if (col->type == MA_CT_DURATION)
                it->value.float_value = (double)v.v.ns / ((col->flags & MA_COL_TEXT_MS) ? 1e6 : 1e9);
            else
                it->value.float_value = isnan(v.v.d) ? 0 : v.v.d;
            break;
        default:
            g_free((char *)it->value.string_value);
            it->value.string_value = g_strdup(ma_tab_cell_text(tab, col, &v, buf, sizeof buf));
            break;
        }
        stat_tap_set_field_data(t, row, c, it);
    }
}

void ma_gui_zero(stat_tap_table *t, const ma_gui_cols_t *g)
{
    for (guint row = 0; row < t->num_elements; row++)
        for (guint c = 0; c < g->n; c++) {
            stat_tap_table_item_type *it = stat_tap_get_field_data(t, row, c);
            if (it->type == TABLE_ITEM_UINT)
                it->value.uint_value = 0;
            else if (it->type == TABLE_ITEM_INT)
                it->value.int_value = 0;
            else if (it->type == TABLE_ITEM_FLOAT)
                it->value.float_value = 0;
            else
                continue; /* labels stay */
            stat_tap_set_field_data(t, row, c, it);
        }
}

void ma_gui_free_item(stat_tap_table *t _U_, guint row _U_, guint col _U_, stat_tap_table_item_type *it)
{
    if (it->type == TABLE_ITEM_STRING)
        g_free((char *)it->value.string_value);
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
