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

#include "gui_table.h"
#include "ma_flows.h"
#include "ma_sections.h"

static const char table_name[] = "Modbus/TCP flows (features)";
static ma_gui_cols_t cols;
static ma_flows_t *gui_flows;
static GHashTable *gui_rows; /* stream + 1 -> row + 1 */

static void flows_init(stat_tap_table_ui *ui)
{
    if (!gui_flows) {
        gui_flows = ma_flows_new();
        gui_rows = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
    ma_gui_table_init(ui, table_name, cols.n);
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
    if (!row) {
        row = ma_gui_add_row(t, &cols) + 1;
        g_hash_table_insert(gui_rows, GUINT_TO_POINTER(s->stream + 1), GUINT_TO_POINTER(row));
    }
    ma_tab_t one;
    ma_tab_init(&one, &ma_desc_flows, NULL, 0);
    ma_tab_add(&one, s);
    ma_gui_set_row(t, row - 1, &cols, &one, 0);
    ma_tab_free(&one);
    return TAP_PACKET_REDRAW;
}

static void flows_reset(stat_tap_table *t)
{
    /* A retap sees the same connections again: keep the rows (and their
     * stream -> row map), zero their numbers. */
    if (gui_flows)
        ma_flows_reset(gui_flows);
    ma_gui_zero(t, &cols);
}

static tap_param flows_params[] = {
    { PARAM_FILTER, "filter", "Filter", NULL, TRUE }
};

static stat_tap_table_ui flows_ui = {
    REGISTER_PACKET_STAT_GROUP_UNSORTED,
    "Modbus/TCP Flows (modbus_an)",
    MODBUS_AN_FEATURES_TAP,
    "modbus_an,flowtable",
    flows_init,
    flows_packet,
    flows_reset,
    ma_gui_free_item,
    NULL,
    0, NULL,
    G_N_ELEMENTS(flows_params), flows_params,
    NULL,
    0
};

void register_tap_listener_modbus_an_flows(void)
{
    ma_gui_columns(&cols, &ma_desc_flows);
    flows_ui.nfields = cols.n;
    flows_ui.fields = cols.fields;
    register_stat_tap_table_ui(&flows_ui);
}
