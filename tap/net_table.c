/* net_table.c - the GUI table: Statistics > Modbus/TCP Network Health (modbus_an)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One row per client-server pair with the columns of -z modbus_an,netcsv
 * that have a heading (connections, TCP analysis, causes; their table
 * descriptions in tap/report/sec_net.c). Fed by the "modbus_an.frame" tap
 * (the pair a frame's TCP segment or PDUs belong to); each row is read from
 * the analysis, so the GUI (which retaps after the first pass) and tshark -2
 * -z modbus_an,nettable show final numbers.
 */
#include <epan/packet.h>

#include "lifecycle.h"
#include "taps.h"

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>

#include "gui_table.h"
#include "ma_net.h"
#include "ma_sections.h"

static const char table_name[] = "Modbus/TCP network health";
static ma_gui_cols_t cols;
static GHashTable *net_rows; /* pair id + 1 -> row index + 1 */

static void table_init(stat_tap_table_ui *ui)
{
    if (!net_rows)
        net_rows = g_hash_table_new(g_direct_hash, g_direct_equal);
    ma_gui_table_init(ui, table_name, cols.n);
}

static tap_packet_status table_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                      const void *data, tap_flags_t flags _U_)
{
    stat_data_t *sd = tapdata;
    stat_tap_table *t = g_array_index(sd->stat_tap_data->tables, stat_tap_table *, 0);
    const ma_tap_frame_t *tf = data;
    ma_net_t *net = ma_analysis_net(tf->an);
    if (!net || !tf->pair)
        return TAP_PACKET_DONT_REDRAW;
    ma_table_warn_first_pass(tf->an, "modbus_an,nettable");
    guint row = GPOINTER_TO_UINT(g_hash_table_lookup(net_rows, GUINT_TO_POINTER(tf->pair->id + 1)));
    if (!row) {
        row = ma_gui_add_row(t, &cols) + 1;
        g_hash_table_insert(net_rows, GUINT_TO_POINTER(tf->pair->id + 1), GUINT_TO_POINTER(row));
    }
    ma_tab_t one;
    ma_tab_init(&one, ma_desc_network(), NULL, 0);
    ma_tab_add(&one, ma_net_pair_stats(net, tf->pair->id));
    ma_gui_set_row(t, row - 1, &cols, &one, 0);
    ma_tab_free(&one);
    return TAP_PACKET_REDRAW;
}

static void table_reset(stat_tap_table *t)
{
    ma_gui_zero(t, &cols);
}

static tap_param table_params[] = {
    { PARAM_FILTER, "filter", "Filter", NULL, TRUE }
};

static stat_tap_table_ui table_ui = {
    REGISTER_PACKET_STAT_GROUP_UNSORTED,
    "Modbus/TCP Network Health (modbus_an)",
    MODBUS_AN_FRAME_TAP,
    "modbus_an,nettable",
    table_init,
    table_packet,
    table_reset,
    ma_gui_free_item,
    NULL,
    0, NULL,
    G_N_ELEMENTS(table_params), table_params,
    NULL,
    0
};

void register_tap_listener_modbus_an_nettable(void)
{
    ma_gui_columns(&cols, ma_desc_network());
    table_ui.nfields = cols.n;
    table_ui.fields = cols.fields;
    register_stat_tap_table_ui(&table_ui);
}
