/* stat_table.c - the GUI table: Statistics > Modbus/TCP Transactions (modbus_an)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A stat_tap_table_ui (as Wireshark's own SRT/stat tables) with the same
 * rows and numbers as -z modbus_an,stat: both aggregate with ma_stats.
 * The GUI retaps after the first pass, so request outcomes are final when
 * the packet callback sees them. tshark also offers this table as
 * -z modbus_an,table; there it needs -2 (two passes) for the outcome
 * columns, while -z modbus_an,stat is right in a single pass.
 */
#include <epan/packet.h>

#include "lifecycle.h"
#include "preferences.h"
#include "taps.h"

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <math.h>
#include <stdio.h>

#include "gui_table.h"
#include "ma_stats.h"

enum {
    COL_PAIR, COL_UNIT, COL_REQ, COL_RESP, COL_ANSW, COL_MISS, COL_LATE, COL_UNEND,
    COL_DLYD, COL_EXC, COL_ORPH, COL_DUP, COL_AMB,
    COL_RT_MIN, COL_RT_AVG, COL_RT_P50, COL_RT_P95, COL_RT_MAX, NCOLS
};

static stat_tap_table_item fields[NCOLS] = {
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Pair", "%-30s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Unit", "%4s" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Requests", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Responses", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Answered", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Missed", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Late", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Unanswered at end", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Delayed", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Exceptions", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Orphans", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Duplicates", "%d" },
    { TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Ambiguous", "%d" },
    { TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "RT min (ms)", "%.3f" },
    { TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "RT avg (ms)", "%.3f" },
    { TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "RT p50 (ms)", "%.3f" },
    { TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "RT p95 (ms)", "%.3f" },
    { TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "RT max (ms)", "%.3f" },
};

static const char table_name[] = "Modbus/TCP transactions";

/* Aggregation state of the (single) table; row index by "pair|unit". */
static ma_stats_t *gui_stats;
static GHashTable *gui_rows; /* char* -> row index + 1 */

static void set_ms(stat_tap_table *t, guint row, guint col, double seconds)
{
    stat_tap_table_item_type *it = stat_tap_get_field_data(t, row, col);
    it->value.float_value = isnan(seconds) ? 0.0 : seconds * 1e3;
    stat_tap_set_field_data(t, row, col, it);
}

static guint row_index(stat_tap_table *t, const char *pair, unsigned unit)
{
    char ubuf[8];
    if (unit == MA_UNIT_ALL)
        snprintf(ubuf, sizeof ubuf, "*");
    else
        snprintf(ubuf, sizeof ubuf, "%u", unit);
    char *key = g_strdup_printf("%s|%s", pair, ubuf);
    guint idx = GPOINTER_TO_UINT(g_hash_table_lookup(gui_rows, key));
    if (idx) {
        g_free(key);
        return idx - 1;
    }
    const char *labels[] = { pair, ubuf }; /* COL_PAIR, COL_UNIT */
    idx = ma_gui_add_row(t, fields, NCOLS, labels, 2);
    g_hash_table_insert(gui_rows, key, GUINT_TO_POINTER(idx + 1));
    return idx;
}

static void fill_row(stat_tap_table *t, guint row, const ma_row_t *r)
{
    const uint64_t v[] = { r->requests, r->responses, r->answered, r->missed, r->late,
                           r->unanswered_at_end, r->delayed, r->exceptions, r->orphans,
                           r->duplicates, r->ambiguous };
    for (unsigned i = 0; i < G_N_ELEMENTS(v); i++)
        ma_gui_set_uint(t, row, COL_REQ + i, v[i]);
    set_ms(t, row, COL_RT_MIN, r->rt_n ? (double)r->rt_min / 1e9 : NAN);
    set_ms(t, row, COL_RT_AVG, ma_row_rt_avg(r));
    set_ms(t, row, COL_RT_P50, ma_quantile_value(&r->p50) / 1e9);
    set_ms(t, row, COL_RT_P95, ma_quantile_value(&r->p95) / 1e9);
    set_ms(t, row, COL_RT_MAX, r->rt_n ? (double)r->rt_max / 1e9 : NAN);
}

static void table_init(stat_tap_table_ui *ui)
{
    if (!gui_stats) {
        gui_stats = ma_stats_new();
        gui_rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    }
    ma_gui_table_init(ui, table_name, NCOLS);
}

static tap_packet_status table_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                      const void *data, tap_flags_t flags _U_)
{
    stat_data_t *sd = tapdata;
    stat_tap_table *t = g_array_index(sd->stat_tap_data->tables, stat_tap_table *, 0);
    const ma_tap_pdu_t *tp = data;
    const ma_pdu_t *pdu = tp->pdu;
    ma_row_t *pr, *ur;

    ma_table_warn_first_pass(tp->an, "modbus_an,table");
    ma_stats_add(gui_stats, pdu);
    ma_stats_rows_of(gui_stats, pdu, &pr, &ur);
    guint total = row_index(t, "TOTAL", MA_UNIT_ALL);
    fill_row(t, total, ma_stats_total(gui_stats));
    fill_row(t, row_index(t, pdu->pair->label, MA_UNIT_ALL), pr);
    fill_row(t, row_index(t, pdu->pair->label, pdu->unit), ur);
    return TAP_PACKET_REDRAW;
}

static void table_reset(stat_tap_table *t)
{
    if (gui_stats)
        ma_stats_reset(gui_stats);
    for (guint row = 0; row < t->num_elements; row++)
        for (guint col = COL_REQ; col < NCOLS; col++) {
            stat_tap_table_item_type *it = stat_tap_get_field_data(t, row, col);
            if (col >= COL_RT_MIN)
                it->value.float_value = 0.0;
            else
                it->value.uint_value = 0;
            stat_tap_set_field_data(t, row, col, it);
        }
}

static void table_free_item(stat_tap_table *t _U_, guint row _U_, guint col,
                            stat_tap_table_item_type *it)
{
    if (col == COL_PAIR || col == COL_UNIT)
        g_free((char *)it->value.string_value);
}

static tap_param table_params[] = {
    { PARAM_FILTER, "filter", "Filter", NULL, TRUE }
};

static stat_tap_table_ui table_ui = {
    /* Qt 4.0 puts no menu entry for REGISTER_STAT_GROUP_GENERIC */
    REGISTER_PACKET_STAT_GROUP_UNSORTED,
    "Modbus/TCP Transactions (modbus_an)",
    MODBUS_AN_TAP,
    "modbus_an,table",
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

void register_tap_listener_modbus_an_table(void)
{
    register_stat_tap_table_ui(&table_ui);
}
