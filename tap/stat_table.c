/* stat_table.c - the GUI table: Statistics > Modbus/TCP Transactions (modbus_an)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The rows and columns of -z modbus_an,stat (its table description,
 * tap/report/sec_txn.c), aggregated with ma_stats as the PDUs come. The
 * GUI retaps after the first pass, so request outcomes are final when the
 * packet callback sees them. tshark also offers this table as
 * -z modbus_an,table; there it needs -2 for the outcome columns, while
 * -z modbus_an,stat is right in a single pass.
 */
#include <epan/packet.h>

#include "lifecycle.h"
#include "taps.h"

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>

#include "gui_table.h"
#include "ma_sections.h"

static const char table_name[] = "Modbus/TCP transactions";
static ma_gui_cols_t cols;
static ma_stats_t *gui_stats;
static GHashTable *gui_rows; /* "pair|unit" -> GUI row + 1 (rows survive a retap) */

static void show(stat_tap_table *t, const ma_row_t *r)
{
    char *key = g_strdup_printf("%s|%u", r->pair ? r->pair->label : "TOTAL", r->unit);
    guint row = GPOINTER_TO_UINT(g_hash_table_lookup(gui_rows, key));
    if (!row) {
        row = ma_gui_add_row(t, &cols) + 1;
        g_hash_table_insert(gui_rows, key, GUINT_TO_POINTER(row));
    } else {
        g_free(key);
    }
    ma_tab_t one;
    ma_tab_init(&one, &ma_desc_transactions, NULL, 0);
    ma_tab_add(&one, r);
    ma_gui_set_row(t, row - 1, &cols, &one, 0);
    ma_tab_free(&one);
}

static void table_init(stat_tap_table_ui *ui)
{
    if (!gui_stats) {
        gui_stats = ma_stats_new();
        gui_rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    }
    ma_gui_table_init(ui, table_name, cols.n);
}

static tap_packet_status table_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                      const void *data, tap_flags_t flags _U_)
{
    stat_data_t *sd = tapdata;
    stat_tap_table *t = g_array_index(sd->stat_tap_data->tables, stat_tap_table *, 0);
    const ma_tap_pdu_t *tp = data;
    if (!ma_analysis_pdu_reported(tp->an, tp->frame, tp->pdu))
        return TAP_PACKET_DONT_REDRAW;
    ma_table_warn_first_pass(tp->an, "modbus_an,table");
    ma_row_t *pr, *ur;
    ma_stats_add(gui_stats, tp->pdu);
    ma_stats_rows_of(gui_stats, tp->pdu, &pr, &ur);
    show(t, ma_stats_total(gui_stats));
    show(t, pr);
    show(t, ur);
    return TAP_PACKET_REDRAW;
}

static void table_reset(stat_tap_table *t)
{
    /* a retap counts again from zero; its rows are found again by key */
    if (gui_stats)
        ma_stats_reset(gui_stats);
    ma_gui_zero(t, &cols);
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
    ma_gui_free_item,
    NULL,
    0, NULL,
    G_N_ELEMENTS(table_params), table_params,
    NULL,
    0
};

void register_tap_listener_modbus_an_table(void)
{
    ma_gui_columns(&cols, &ma_desc_transactions);
    table_ui.nfields = cols.n;
    table_ui.fields = cols.fields;
    register_stat_tap_table_ui(&table_ui);
}
