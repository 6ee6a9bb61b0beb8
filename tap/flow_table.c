/* flow_table.c - the GUI table: Statistics > Modbus/TCP Flows (modbus_an)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One row per TCP connection with the feature-window summary of
 * -z modbus_an,stat's features section (tap/ma_flows.c aggregates both):
 * click a column to sort, e.g. Periodicity ascending for the least regular
 * pollers or Invalid descending for the highest violation rate. tshark
 * prints it with -z modbus_an,flows.
 */
#include <epan/packet.h>

#include "lifecycle.h"
#include "preferences.h"
#include "taps.h"

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ma_flows.h"

enum { COL_STREAM, COL_PAIR, COL_PDUS, COL_DUR, COL_FC, COL_PAIRING, COL_PER, COL_INVALID,
       COL_STRONG, COL_IQR, NCOLS };

static stat_tap_table_item fields[NCOLS] = {
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Stream", "%d" },
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Pair", "%-30s" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "PDUs", "%d" },
    { TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Duration (s)", "%.3f" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Dominant FC", "%d" },
    { TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Pairing ratio", "%.4f" },
    { TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Periodicity (mean)", "%.4f" },
    { TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Invalid share", "%.4f" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "3-sigma outliers", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "IQR outliers", "%d" },
};

static const char table_name[] = "Modbus/TCP flows (features)";

static ma_flows_t *gui_flows;
static GHashTable *gui_rows; /* stream + 1 -> row + 1 */

static void set_item(stat_tap_table *t, guint row, guint col, double f, guint u)
{
    stat_tap_table_item_type *it = stat_tap_get_field_data(t, row, col);
    if (fields[col].type == TABLE_ITEM_FLOAT)
        it->value.float_value = f;
    else
        it->value.uint_value = u;
    stat_tap_set_field_data(t, row, col, it);
}

static void flows_init(stat_tap_table_ui *ui)
{
    if (!gui_flows) {
        gui_flows = ma_flows_new();
        gui_rows = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
    stat_tap_table *t = stat_tap_find_table(ui, table_name);
    if (t) {
        if (ui->stat_tap_reset_table_cb)
            ui->stat_tap_reset_table_cb(t);
        return;
    }
    stat_tap_add_table(ui, stat_tap_init_table(table_name, NCOLS, 0, NULL));
}

static tap_packet_status flows_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
                                      const void *data, tap_flags_t flags _U_)
{
    stat_data_t *sd = tapdata;
    stat_tap_table *t = g_array_index(sd->stat_tap_data->tables, stat_tap_table *, 0);
    const ma_tap_pdu_t *ft = data;
    ma_ns_t ts = ma_ns_from_time(pinfo->abs_ts.secs, pinfo->abs_ts.nsecs);
    const char *pair = ft->pdu->pair ? ft->pdu->pair->label : NULL;
    const ma_flow_sum_t *s = ma_flows_add(gui_flows, ft->pdu->stream, pair, ts, ft->feat);

    guint row = GPOINTER_TO_UINT(g_hash_table_lookup(gui_rows, GUINT_TO_POINTER(s->stream + 1)));
    if (row) {
        row--;
    } else {
        row = t->num_elements;
        stat_tap_table_item_type items[NCOLS];
        memset(items, 0, sizeof items);
        for (int c = 0; c < NCOLS; c++)
            items[c].type = fields[c].type;
        items[COL_STREAM].value.uint_value = s->stream;
        items[COL_PAIR].value.string_value = g_strdup(s->pair);
        stat_tap_init_table_row(t, row, NCOLS, items);
        g_hash_table_insert(gui_rows, GUINT_TO_POINTER(s->stream + 1), GUINT_TO_POINTER(row + 1));
    }
    double per = ma_flow_periodicity(s);
    set_item(t, row, COL_PDUS, 0, (guint)s->pdus);
    set_item(t, row, COL_DUR, (double)(s->last - s->first) / 1e9, 0);
    set_item(t, row, COL_FC, 0, s->dominant);
    set_item(t, row, COL_PAIRING, s->pairing, 0);
    set_item(t, row, COL_PER, isnan(per) ? 0.0 : per, 0);
    set_item(t, row, COL_INVALID, (double)s->invalid / (double)s->pdus, 0);
    set_item(t, row, COL_STRONG, 0, (guint)s->strong);
    set_item(t, row, COL_IQR, 0, (guint)s->iqr);
    return TAP_PACKET_REDRAW;
}

static void flows_reset(stat_tap_table *t)
{
    /* A retap sees the same connections again: keep the rows (and their
     * stream -> row map), zero their numbers. */
    if (gui_flows)
        ma_flows_reset(gui_flows);
    for (guint row = 0; row < t->num_elements; row++)
        for (guint col = COL_PDUS; col < NCOLS; col++)
            set_item(t, row, col, 0.0, 0);
}

static void flows_free_item(stat_tap_table *t _U_, guint row _U_, guint col, stat_tap_table_item_type *it)
{
    if (col == COL_PAIR)
        g_free((char *)it->value.string_value);
}

static tap_param flows_params[] = {
    { PARAM_FILTER, "filter", "Filter", NULL, TRUE }
};

static stat_tap_table_ui flows_ui = {
    REGISTER_PACKET_STAT_GROUP_UNSORTED,
    "Modbus/TCP Flows (modbus_an)",
    MODBUS_AN_FEATURES_TAP,
    "modbus_an,flows",
    flows_init,
    flows_packet,
    flows_reset,
    flows_free_item,
    NULL,
    G_N_ELEMENTS(fields), fields,
    G_N_ELEMENTS(flows_params), flows_params,
    NULL,
    0
};

void register_tap_listener_modbus_an_flows(void)
{
    register_stat_tap_table_ui(&flows_ui);
}
