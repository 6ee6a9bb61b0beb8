/* cli.c - tshark's -z modbus_an,<name>[,argument]: every output of
 * tap/report/ma_outputs.h, one name each
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each -z registers a tap listener; its draw (tshark draws every listener
 * once, after the last frame) takes the final analysis from the lifecycle
 * and renders the output from the one shared report context. Only stat and
 * csv with a display filter count what their listener saw (the PDUs the
 * filter selected). A bad argument, an unknown name or an output file that
 * cannot be written ends tshark with one line on stderr and exit status 1,
 * as Wireshark's own statistics do.
 */
#include <epan/packet.h>

#include "lifecycle.h"
#include "preferences.h"
#include "taps.h"
#include "ws_compat.h"

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ma_outputs.h"

/* ---- the capture's name ---- */

/* The file tshark reads: the GUI tells it; tshark's is on its command line
 * (-r FILE, -rFILE, --read-file FILE). The capture_name preference wins. */
static char *capture_path(void)
{
    const char *pref = ma_prefs_capture_name();
    if (*pref)
        return g_strdup(pref);
    gchar *cmd = NULL;
    gsize len = 0;
    char *found = NULL;
    if (g_file_get_contents("/proc/self/cmdline", &cmd, &len, NULL)) {
        const char *prev = NULL;
        for (const char *p = cmd; p < cmd + len; p += strlen(p) + 1) {
            if (prev && (strcmp(prev, "-r") == 0 || strcmp(prev, "--read-file") == 0)) {
                found = g_strdup(p);
                break;
            }
            if (strncmp(p, "-r", 2) == 0 && p[2] && p[2] != '-') {
                found = g_strdup(p + 2);
                break;
            }
            if (strncmp(p, "--read-file=", 12) == 0) {
                found = g_strdup(p + 12);
                break;
            }
            prev = p;
        }
        g_free(cmd);
    }
    return found ? found : g_strdup("");
}

/* ---- one report context per capture ---- */

static ma_report_ctx_t report;
static const ma_analysis_t *report_of; /* the analysis it was built from */
static char *report_path;

static const ma_report_ctx_t *shared_report(const ma_analysis_t *an)
{
    if (report_of != an) {
        if (report_of)
            ma_report_ctx_free(&report);
        g_free(report_path);
        report_path = capture_path();
        ma_verdict_config_t v;
        ma_prefs_verdict(&v);
        ma_report_ctx_init(&report, an, report_path, &v);
        report_of = an;
    }
    return &report;
}

static void report_cleanup(void)
{
    if (report_of)
        ma_report_ctx_free(&report);
    report_of = NULL;
    g_free(report_path);
    report_path = NULL;
}

/* ---- one listener per -z ---- */

typedef struct cli {
    const ma_output_t *out;
    char      *arg;      /* the filter (stat, csv) or the file */
    GPtrArray *pdus;     /* stat/csv with a filter: the ma_tap_pdu_t's PDUs and frames */
} cli_t;

typedef struct seen_pdu {
    const ma_frame_rec_t *fr;
    const ma_pdu_t *pdu;
} seen_pdu_t;

static tap_packet_status cli_packet(void *p, packet_info *pinfo _U_, epan_dissect_t *edt _U_, const void *data,
                                    tap_flags_t flags _U_)
{
    cli_t *c = p;
    const ma_tap_pdu_t *t = data;
    if (c->pdus) {
        seen_pdu_t *s = g_new(seen_pdu_t, 1);
        s->fr = t->frame;
        s->pdu = t->pdu;
        g_ptr_array_add(c->pdus, s);
    }
    return TAP_PACKET_DONT_REDRAW;
}

static void cli_reset(void *p)
{
    cli_t *c = p;
    if (c->pdus)
        g_ptr_array_set_size(c->pdus, 0);
}

static FILE *open_out(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        ma_cli_fail("can't write %s: %s", path, g_strerror(errno));
    return f;
}

static void close_out(FILE *f, const char *path)
{
    if (ferror(f) | (fclose(f) != 0))
        ma_cli_fail("error writing %s: %s", path, g_strerror(errno));
}

static void cli_draw(void *p)
{
    cli_t *c = p;
    const ma_analysis_t *an = ma_lifecycle_final();
    if (!an)
        return;
    const ma_report_ctx_t *rc = shared_report(an);
    const char *name = c->out->name;
    ma_stats_t *st = NULL;
    if (c->pdus && c->arg) {
        st = ma_stats_new();
        for (guint i = 0; i < c->pdus->len; i++) {
            const seen_pdu_t *s = g_ptr_array_index(c->pdus, i);
            if (ma_analysis_pdu_reported(an, s->fr, s->pdu))
                ma_stats_add(st, s->pdu);
        }
    }
    if (strcmp(name, "json") == 0) {
        FILE *f = c->arg ? open_out(c->arg) : stdout;
        ma_out_json(f, rc);
        if (c->arg)
            close_out(f, c->arg);
    } else if (strcmp(name, "sqlite") == 0) {
        char *err = ma_out_sqlite(c->arg, rc, ma_prefs_sqlite_timeout());
        if (err)
            ma_cli_fail("%s", err);
    } else if (strcmp(name, "verdict") == 0) {
        ma_out_verdict(stdout, rc);
    } else if (strcmp(name, "schema") == 0) {
        ma_out_json_schema(stdout);
    } else if (c->out->kind == MA_OUT_CSV) {
        ma_out_csv(stdout, name, rc, st);
    } else {
        ma_out_text(stdout, name, rc, st, c->arg);
    }
    fflush(stdout);
    if (st)
        ma_stats_free(st);
}

static void cli_finish(void *p)
{
    cli_t *c = p;
    if (c->pdus)
        g_ptr_array_free(c->pdus, TRUE);
    g_free(c->arg);
    g_free(c);
}

/* -z modbus_an,<name>[,<argument>]: opt_arg is the whole argument. */
static MA_STAT_INIT_RET cli_init(const char *opt_arg, void *userdata)
{
    const ma_output_t *out = userdata;
    size_t pl = strlen("modbus_an,") + strlen(out->name);
    const char *rest = opt_arg + pl;
    if (*rest && *rest != ',')
        ma_cli_fail("unknown output \"%s\" (-z modbus_an,help lists them)", opt_arg + strlen("modbus_an,"));
    const char *arg = *rest == ',' ? rest + 1 : NULL;
    if (strcmp(out->name, "help") == 0) {
        ma_out_help(stdout);
        fflush(stdout);
        exit(0);
    }
    if (strcmp(out->name, "registers") == 0 && arg && *arg) {
        ma_regs_export_start(arg); /* every value as CSV instead of the text section */
        MA_STAT_INIT_OK;
    }
    if (out->kind == MA_OUT_FILE && (!arg || !*arg))
        ma_cli_fail("-z modbus_an,%s needs a file: -z modbus_an,%s%s", out->name, out->name, out->args);
    if (arg && !*arg)
        arg = NULL;
    if (arg && !out->filter && out->kind != MA_OUT_FILE && out->kind != MA_OUT_OPTFILE &&
        strcmp(out->name, "registers") != 0)
        ma_cli_fail("-z modbus_an,%s takes no argument (got \"%s\")", out->name, arg);
    if (out->flows)
        ma_lifecycle_want_feature_summary();
    cli_t *c = g_new0(cli_t, 1);
    c->out = out;
    c->arg = g_strdup(arg);
    if (out->filter && arg)
        c->pdus = g_ptr_array_new_with_free_func(g_free);
    /* fail now, not after reading the file, when an output can't be written */
    if (arg && (strcmp(out->name, "json") == 0)) {
        FILE *f = open_out(arg);
        fclose(f);
    }
    if (strcmp(out->name, "sqlite") == 0) {
        char *err = ma_out_sqlite_check(arg);
        if (err)
            ma_cli_fail("%s", err);
    }
    GString *err = register_tap_listener(MODBUS_AN_TAP, c, out->filter ? arg : NULL, TL_REQUIRES_NOTHING,
                                         cli_reset, cli_packet, cli_draw, cli_finish);
    if (err)
        ma_cli_fail("-z modbus_an,%s: invalid filter \"%s\": %s", out->name, arg ? arg : "", err->str);
    MA_STAT_INIT_OK;
}

/* -z modbus_an (no name) or -z modbus_an,<unknown>: tshark matches -z
 * arguments by prefix, the longest registered name first, so this one
 * only sees what no output took. */
static MA_STAT_INIT_RET unknown_init(const char *opt_arg, void *userdata _U_)
{
    const char *name = strncmp(opt_arg, "modbus_an,", 10) == 0 ? opt_arg + 10 : "";
    if (!*name)
        ma_cli_fail("-z modbus_an needs an output name: -z modbus_an,<name> (-z modbus_an,help lists them)");
    ma_cli_fail("unknown output \"%s\" (-z modbus_an,help lists them)", name);
}

static stat_tap_ui unknown_ui = {REGISTER_STAT_GROUP_GENERIC, NULL, "modbus_an", unknown_init, 0, NULL};

void register_tap_listener_modbus_an_cli(void)
{
    unsigned n;
    const ma_output_t *outs = ma_outputs_list(&n);
    static stat_tap_ui ui[32];
    static char names[32][48];
    for (unsigned i = 0; i < n && i < G_N_ELEMENTS(ui); i++) {
        if (strcmp(outs[i].name, "features") == 0)
            continue; /* tap/feat_export.c */
        g_snprintf(names[i], sizeof names[i], "modbus_an,%s", outs[i].name);
        ui[i] = (stat_tap_ui){REGISTER_STAT_GROUP_GENERIC, NULL, names[i], cli_init, 0, NULL};
        register_stat_tap_ui(&ui[i], (void *)&outs[i]);
    }
    register_stat_tap_ui(&unknown_ui, NULL);
    register_cleanup_routine(report_cleanup);
}
