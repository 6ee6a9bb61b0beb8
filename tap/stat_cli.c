/* stat_cli.c - tshark statistics: -z modbus_an,stat[,filter] and -z modbus_an,csv[,filter]
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The packet callback only collects the PDU results (doc/README.tapping:
 * keep it fast); draw() finalizes the first pass, so a request's outcome is
 * known even in single-pass tshark, then aggregates and prints.
 */
#include <epan/packet.h>

#include "lifecycle.h"
#include "preferences.h"
#include "taps.h"

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <stdio.h>
#include <string.h>
#include <wsutil/report_message.h>

#include "ma_flows.h"
#include "ma_net_report.h"
#include "ma_regs_report.h"
#include "ma_report.h"

typedef struct stat_ctx {
    gboolean   csv;
    char      *filter;
    GPtrArray *pdus; /* const ma_pdu_t*, in the capture's file scope */
    ma_flows_t *flows; /* text table with features on: the flow summaries */
} stat_ctx_t;

/* Rows of each flow summary list in the text table. */
#define FLOW_ROWS 20

/* The second listener of the text table (tapdata: its ma_flows_t):
 * feature summaries per flow and pair, printed by stat_draw. */
static void flows_reset(void *p)
{
    ma_flows_reset(p);
}

static void flows_finish(void *p)
{
    ma_flows_free(p);
}

static tap_packet_status flows_packet(void *p, packet_info *pinfo, epan_dissect_t *edt _U_,
                                      const void *data, tap_flags_t flags _U_)
{
    const ma_tap_pdu_t *t = data;
    ma_ns_t ts = ma_ns_from_time(pinfo->abs_ts.secs, pinfo->abs_ts.nsecs);
    ma_flows_add(p, t->pdu->stream, t->pdu->pair ? t->pdu->pair->label : NULL, ts, t->feat);
    return TAP_PACKET_DONT_REDRAW;
}

static void stat_reset(void *p)
{
    stat_ctx_t *c = p;
    g_ptr_array_set_size(c->pdus, 0);
}

static tap_packet_status stat_packet(void *p, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                     const void *data, tap_flags_t flags _U_)
{
    stat_ctx_t *c = p;
    const ma_tap_pdu_t *t = data;
    g_ptr_array_add(c->pdus, (gpointer)t->pdu); /* the PDU record lives as long as the capture */
    return TAP_PACKET_DONT_REDRAW;
}

/* The network sections, with the Modbus requests of each pair. */
static void net_report(const ma_analysis_t *an, ma_stats_t *st)
{
    ma_core_t *core = ma_analysis_core(an);
    uint32_t np = core ? ma_core_pair_count(core) : 0;
    uint64_t *req = g_new0(uint64_t, np + 1);
    for (unsigned i = 0; i < ma_stats_nrows(st); i++) {
        const ma_row_t *r = ma_stats_row(st, i);
        if (r->pair && r->unit == MA_UNIT_ALL && r->pair->id < np)
            req[r->pair->id] = r->requests;
    }
    ma_net_report_text(stdout, ma_analysis_net(an), ma_analysis_stp(an), req, np,
                       ma_analysis_config(an)->cause.stp_window);
    g_free(req);
}

static void stat_draw(void *p)
{
    stat_ctx_t *c = p;
    const ma_analysis_t *an = ma_lifecycle_final();
    if (!an)
        return;
    const ma_config_t *cfg = &ma_analysis_config(an)->pairing;
    ma_stats_t *st = ma_stats_new();
    for (guint i = 0; i < c->pdus->len; i++)
        ma_stats_add(st, g_ptr_array_index(c->pdus, i));
    if (c->csv)
        ma_report_csv(stdout, st, cfg, c->filter);
    else
        ma_report_text(stdout, st, cfg, c->filter);
    if (c->flows)
        ma_flows_report_text(stdout, c->flows, FLOW_ROWS);
    if (!c->csv) {
        ma_regs_report_text(stdout, ma_analysis_regs(an));
        net_report(an, st);
    }
    fflush(stdout);
    ma_stats_free(st);
}

static void stat_finish(void *p)
{
    stat_ctx_t *c = p;
    g_ptr_array_free(c->pdus, TRUE);

    g_free(c->filter);
    g_free(c);
}

static void stat_init(const char *opt_arg, void *userdata)
{
    gboolean csv = GPOINTER_TO_INT(userdata);
    const char *prefix = csv ? "modbus_an,csv" : "modbus_an,stat";
    const char *filter = NULL;
    size_t pl = strlen(prefix);
    if (strncmp(opt_arg, prefix, pl) == 0 && opt_arg[pl] == ',')
        filter = opt_arg + pl + 1;

    stat_ctx_t *c = g_new0(stat_ctx_t, 1);
    c->csv = csv;
    c->filter = g_strdup(filter);
    c->pdus = g_ptr_array_new();
    GString *err = register_tap_listener(MODBUS_AN_TAP, c, filter, TL_REQUIRES_NOTHING,
                                         stat_reset, stat_packet, stat_draw, stat_finish);
    if (err) {
        report_failure("modbus_an: can't use filter \"%s\": %s", filter ? filter : "", err->str);
        g_string_free(err, TRUE);
        stat_finish(c);
        return;
    }
    if (!csv && ma_prefs_features()) {
        /* The flows section: a listener of its own (the draw of the main
         * listener prints it; this one draws nothing). */
        c->flows = ma_flows_new();
        err = register_tap_listener(MODBUS_AN_FEATURES_TAP, c->flows, filter, TL_REQUIRES_NOTHING,
                                    flows_reset, flows_packet, NULL, flows_finish);
        if (err) {
            report_failure("modbus_an: %s", err->str);
            g_string_free(err, TRUE);
        }
    }
}

/* -z modbus_an,netcsv: the network sections' per-pair numbers as CSV. The
 * listener only gives a draw at the end of the capture. */
static void netcsv_draw(void *p _U_)
{
    const ma_analysis_t *an = ma_lifecycle_final();
    if (!an)
        return;
    ma_net_report_csv(stdout, ma_analysis_net(an));
    fflush(stdout);
}

static void netcsv_init(const char *opt_arg _U_, void *userdata _U_)
{
    static int tag;
    GString *err = register_tap_listener(MODBUS_AN_TAP, &tag, NULL, TL_REQUIRES_NOTHING, NULL, NULL,
                                         netcsv_draw, NULL);
    if (err) {
        report_failure("modbus_an: %s", err->str);
        g_string_free(err, TRUE);
    }
}

static stat_tap_ui netcsv_ui = {
    REGISTER_STAT_GROUP_GENERIC, NULL, "modbus_an,netcsv", netcsv_init, 0, NULL
};

static stat_tap_ui stat_ui = {
    REGISTER_STAT_GROUP_GENERIC, NULL, "modbus_an,stat", stat_init, 0, NULL
};
static stat_tap_ui csv_ui = {
    REGISTER_STAT_GROUP_GENERIC, NULL, "modbus_an,csv", stat_init, 0, NULL
};

void register_tap_listener_modbus_an_stat(void)
{
    register_stat_tap_ui(&stat_ui, GINT_TO_POINTER(FALSE));
    register_stat_tap_ui(&csv_ui, GINT_TO_POINTER(TRUE));
    register_stat_tap_ui(&netcsv_ui, NULL);
}
