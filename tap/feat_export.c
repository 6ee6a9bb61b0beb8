/* feat_export.c - tshark -z modbus_an,features,<file.csv>: one row per Modbus
 * PDU with the features of docs/features.md, and <file.csv>.stats.csv with
 * per-column count, mean, std, min, max, q1, q3 for normalisation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Features are final in the first pass (a PDU's features depend only on
 * what came before it), so single-pass tshark writes the same file as -2.
 */
#include <epan/packet.h>

#include "lifecycle.h"
#include "preferences.h"
#include "taps.h"
#include "ws_compat.h"

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <wsutil/report_message.h>

#include "ingest.h"
#include "ma_export.h"

typedef struct {
    char        *path;
    FILE        *out;
    ma_export_t *ex;
} feat_ctx_t;

static tap_packet_status feat_packet(void *p, packet_info *pinfo, epan_dissect_t *edt _U_,
                                     const void *data, tap_flags_t flags _U_)
{
    feat_ctx_t *c = p;
    const ma_tap_pdu_t *t = data;
    if (!c->out)
        return TAP_PACKET_DONT_REDRAW;
    ma_export_row_t r;
    r.frame = pinfo->num;
    r.index = t->index;
    r.ts = ma_ns_from_time(pinfo->abs_ts.secs, pinfo->abs_ts.nsecs);
    r.stream = t->pdu->stream;
    ma_ingest_addr(&pinfo->net_src, &r.src);
    ma_ingest_addr(&pinfo->net_dst, &r.dst);
    r.is_request = t->pdu->kind == MA_PDU_REQUEST;
    r.pair = t->pdu->pair ? t->pdu->pair->label : "";
    r.feat = t->feat;
    ma_export_row(c->ex, &r);
    return TAP_PACKET_DONT_REDRAW;
}

static void feat_draw(void *p)
{
    feat_ctx_t *c = p;
    if (!c->out)
        return;
    char *stats_path = g_strconcat(c->path, ".stats.csv", NULL);
    FILE *sf = fopen(stats_path, "w");
    if (!sf) {
        ma_cli_fail("can't write %s: %s", stats_path, g_strerror(errno));
    } else {
        ma_export_stats(c->ex, sf);
        if (fclose(sf) != 0)
            ma_cli_fail("error writing %s: %s", stats_path, g_strerror(errno));
    }
    if (fflush(c->out) != 0)
        ma_cli_fail("error writing %s: %s", c->path, g_strerror(errno));
    printf("modbus_an features: %" G_GUINT64_FORMAT " PDUs written to %s (column statistics in %s)\n",
           ma_export_rows(c->ex), c->path, stats_path);
    g_free(stats_path);
}

static void feat_finish(void *p)
{
    feat_ctx_t *c = p;
    if (c->out)
        fclose(c->out);
    ma_export_free(c->ex);
    g_free(c->path);
    g_free(c);
}

static MA_STAT_INIT_RET feat_init(const char *opt_arg, void *userdata _U_)
{
    static const char prefix[] = "modbus_an,features,";
    if (strncmp(opt_arg, prefix, sizeof prefix - 1) != 0 || !opt_arg[sizeof prefix - 1])
        ma_cli_fail("usage: -z modbus_an,features,<file.csv> (writes the CSV and <file.csv>.stats.csv)");
    if (!ma_prefs_features())
        ma_cli_fail("-z modbus_an,features needs the preference modbus_an.features:TRUE");
    feat_ctx_t *c = g_new0(feat_ctx_t, 1);
    c->path = g_strdup(opt_arg + sizeof prefix - 1);
    c->out = fopen(c->path, "w");
    if (!c->out)
        ma_cli_fail("can't write %s: %s", c->path, g_strerror(errno));
    c->ex = ma_export_new(c->out);
    GString *err = register_tap_listener(MODBUS_AN_FEATURES_TAP, c, NULL, TL_REQUIRES_NOTHING,
                                         NULL, feat_packet, feat_draw, feat_finish);
    if (err)
        ma_cli_fail("%s", err->str);
    MA_STAT_INIT_OK;
}

static stat_tap_ui feat_ui = {
    REGISTER_STAT_GROUP_GENERIC, NULL, "modbus_an,features", feat_init, 0, NULL
};

void register_tap_listener_modbus_an_features(void)
{
    register_stat_tap_ui(&feat_ui, NULL);
}
