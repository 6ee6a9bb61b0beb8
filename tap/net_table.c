/* net_table.c - the GUI table: Statistics > Modbus/TCP Network Health (modbus_an)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One row per client-server pair with the numbers of the network sections
 * of -z modbus_an,stat (docs/network.md): connections, failed attempts,
 * resets, reconnects, retransmissions, retries and the causes of slow
 * transactions. Fed by the "modbus_an.net" tap (the pair a frame's TCP
 * segment or Modbus PDUs belong to); each row is read from the finished
 * analysis, so the GUI (which retaps
 * after the first pass) and tshark -2 -z modbus_an,nettable show final
 * numbers; single-pass tshark shows none of the causes yet.
 */
#include <epan/packet.h>

#include "lifecycle.h"
#include "preferences.h"
#include "taps.h"

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>

#include "gui_table.h"
#include "ma_cause.h"

enum {
    COL_PAIR, COL_CONNS, COL_ATT, COL_FAILED, COL_REFUSED, COL_TIMEOUT, COL_RST_C, COL_RST_S, COL_RECONN,
    COL_RETX_S, COL_RETX_C, COL_RETRIES, COL_C_STP, COL_C_TCP, COL_C_CONN, COL_C_RETRY, COL_C_SERVER, NCOLS
};

static stat_tap_table_item fields[NCOLS] = {
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Pair", "%-30s" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Connections", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "SYN attempts", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Failed", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Refused", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Timeout", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Resets by client", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Resets by server", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Reconnects", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Retrans to server", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Retrans to client", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Retries", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Cause stp", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Cause tcp-retransmission", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Cause connection", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Cause retry", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Cause server", "%d" },
};

static const char table_name[] = "Modbus/TCP network health";

static GHashTable *net_rows; /* pair id + 1 -> row index + 1 */

static guint row_of(stat_tap_table *t, const ma_pair_t *pair)
{
    guint idx = GPOINTER_TO_UINT(g_hash_table_lookup(net_rows, GUINT_TO_POINTER(pair->id + 1)));
    if (idx)
        return idx - 1;
    const char *labels[] = { pair->label }; /* COL_PAIR */
    idx = ma_gui_add_row(t, fields, NCOLS, labels, 1);
    g_hash_table_insert(net_rows, GUINT_TO_POINTER(pair->id + 1), GUINT_TO_POINTER(idx + 1));
    return idx;
}

static void table_init(stat_tap_table_ui *ui)
{
    if (!net_rows)
        net_rows = g_hash_table_new(g_direct_hash, g_direct_equal);
    ma_gui_table_init(ui, table_name, NCOLS);
}

static tap_packet_status table_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                      const void *data, tap_flags_t flags _U_)
{
    stat_data_t *sd = tapdata;
    stat_tap_table *t = g_array_index(sd->stat_tap_data->tables, stat_tap_table *, 0);
    const ma_tap_frame_t *tf = data;
    const ma_pair_t *pair = tf->pair;
    ma_net_t *net = ma_analysis_net(tf->an);
    if (!net || !pair)
        return TAP_PACKET_DONT_REDRAW;
    ma_table_warn_first_pass(tf->an, "modbus_an,nettable");
    const ma_net_pair_t *p = ma_net_pair_stats(net, pair->id);
    guint row = row_of(t, pair);
    const uint64_t v[NCOLS - 1] = {
        p->conns, p->attempts, (uint64_t)p->refused + p->timeout, p->refused, p->timeout, p->resets_by_client,
        p->resets_by_server, p->reconnects, p->ta[0][MA_TA_RETRANS], p->ta[1][MA_TA_RETRANS], p->retries,
        p->causes[MA_CAUSE_STP], p->causes[MA_CAUSE_TCP_RETRANS], p->causes[MA_CAUSE_CONNECTION],
        p->causes[MA_CAUSE_RETRY], p->causes[MA_CAUSE_SERVER],
    };
    for (guint c = COL_CONNS; c < NCOLS; c++)
        ma_gui_set_uint(t, row, c, v[c - COL_CONNS]);
    return TAP_PACKET_REDRAW;
}

static void table_reset(stat_tap_table *t)
{
    for (guint row = 0; row < t->num_elements; row++)
        for (guint col = COL_CONNS; col < NCOLS; col++)
            ma_gui_set_uint(t, row, col, 0);
}

static void table_free_item(stat_tap_table *t _U_, guint row _U_, guint col, stat_tap_table_item_type *it)
{
    if (col == COL_PAIR)
        g_free((char *)it->value.string_value);
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
    table_free_item,
    NULL,
    G_N_ELEMENTS(fields), fields,
    G_N_ELEMENTS(table_params), table_params,
    NULL,
    0
};

void register_tap_listener_modbus_an_nettable(void)
{
    register_stat_tap_table_ui(&table_ui);
}
