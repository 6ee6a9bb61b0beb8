/* lifecycle.c - one capture's analysis, from the init routine to the cleanup
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * See lifecycle.h for when the first pass ends. The GUI is told apart from
 * tshark by plugin_if (only the GUI answers it); the GUI's capture_file
 * tells a redissection's last frame and holds the display filter.
 */
#include "lifecycle.h"

#include <cfile.h>
#include <epan/plugin_if.h>
#include <stdio.h>
#include <string.h>

#include "ingest.h"
#include "preferences.h"

static int proto_an = -1;
static ma_analysis_t *analysis;
static capture_file *gui_cf; /* the GUI's capture file, NULL in tshark */
static bool later_pass;      /* the file is read again (tshark -2, the GUI) */
static char *single_pass_note; /* printed at cleanup if it was not */
static bool feature_summary;   /* a registered output reads it */

static void *cf_of(capture_file *cf, void *user_data _U_)
{
    return cf;
}

bool ma_lifecycle_gui(void)
{
    ws_info_t *wi = NULL;
    plugin_if_get_ws_info(&wi);
    return wi && wi->ws_info_supported;
}

ma_analysis_t *ma_lifecycle_analysis(void)
{
    return analysis;
}

static bool server_port(uint32_t port)
{
    return ma_prefs_is_server_port(port);
}

static void lifecycle_init(void)
{
    if (!proto_is_protocol_enabled(find_protocol_by_id(proto_an)))
        return;
    /* Only while enabled: a disabled plugin hooks nothing and costs nothing. */
    ma_ingest_start(server_port);
    ma_analysis_config_t cfg;
    ma_prefs_config(&cfg);
    analysis = ma_analysis_new(&cfg);
    ma_prefs_config_free(&cfg);
    /* NULL when a file is opened (see after_pass_in_gui), set in a
     * redissection, which ma_lifecycle_first_pass_frame needs it for. */
    gui_cf = ma_lifecycle_gui() ? plugin_if_get_capture_file(cf_of, NULL) : NULL;
}

static void lifecycle_cleanup(void)
{
    if (single_pass_note && !later_pass && !ma_lifecycle_gui())
        fprintf(stderr, "%s\n", single_pass_note);
    g_free(single_pass_note);
    single_pass_note = NULL;
    later_pass = false;
    ma_ingest_stop();
    ma_analysis_free(analysis);
    analysis = NULL;
    gui_cf = NULL;
}

/* ---- the GUI after the first pass ---- */

/* True if a request got an outcome only the end of the pass could give
 * (its items and expert info appear on it in later passes only). */
static bool outcomes_to_show(void)
{
    ma_core_t *core = ma_analysis_core(analysis);
    uint32_t n = ma_core_txn_count(core);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t o = ma_core_txn_at(core, i)->outcome;
        if (o == MA_OUT_MISSED || o == MA_OUT_LATE || o == MA_OUT_UNANSWERED_AT_END)
            return true;
    }
    return false;
}

/* Apply the display filter again. The GUI's plugin_if callback ignores a
 * filter equal to the current one, so the text alternates between F and
 * "F " (the same filter). */
static gboolean refilter(gpointer data _U_)
{
    if (!gui_cf || gui_cf->state != FILE_READ_DONE)
        return G_SOURCE_REMOVE;
    const char *f = gui_cf->dfilter ? gui_cf->dfilter : "";
    size_t n = strlen(f);
    char *again = n && f[n - 1] == ' ' ? g_strndup(f, n - 1) : g_strdup_printf("%s ", f);
    plugin_if_apply_filter(again, TRUE);
    g_free(again);
    return G_SOURCE_REMOVE;
}

static void after_pass_in_gui(void)
{
    /* The GUI hands out its capture file only while a file is open: not
     * in the init routine of a file being opened or reloaded (the previous
     * one was just closed), only in that of a redissection. Ask again now
     * that the file is read. */
    if (!gui_cf && ma_lifecycle_gui())
        gui_cf = plugin_if_get_capture_file(cf_of, NULL);
    if (!gui_cf)
        return;
    const char *f = gui_cf->dfilter;
    if ((f && strstr(f, "modbus_an")) || outcomes_to_show())
        g_idle_add(refilter, NULL);
}

/* ---- end of the first pass ---- */

void ma_lifecycle_end_pass(void)
{
    if (!analysis || ma_analysis_final(analysis))
        return;
    ma_analysis_end_pass(analysis);
    after_pass_in_gui();
}

static void lifecycle_postseq(void)
{
    later_pass = true; /* only a reader that reads the file again calls it */
    ma_lifecycle_end_pass();
}

void ma_lifecycle_revisit(void)
{
    later_pass = true;
    ma_lifecycle_end_pass();
}

void ma_lifecycle_want_feature_summary(void)
{
    feature_summary = true;
}

bool ma_lifecycle_feature_summary_wanted(void)
{
    return feature_summary;
}

void ma_lifecycle_single_pass_note(const char *text)
{
    if (!single_pass_note)
        single_pass_note = g_strdup(text);
}

void ma_lifecycle_first_pass_frame(packet_info *pinfo)
{
    /* A GUI redissection reads a file that is already loaded: its last
     * frame is known, and Wireshark calls no routine after it. */
    if (gui_cf && gui_cf->state == FILE_READ_DONE && pinfo->num == gui_cf->count)
        ma_lifecycle_end_pass();
}

const ma_analysis_t *ma_lifecycle_final(void)
{
    if (!analysis)
        return NULL;
    if (!ma_analysis_final(analysis)) {
        if (ma_lifecycle_gui())
            return NULL; /* the GUI ends the pass itself when the file is read */
        ma_lifecycle_end_pass(); /* tshark draws its taps after the last frame */
    }
    return analysis;
}

void ma_lifecycle_register(int proto)
{
    proto_an = proto;
    register_init_routine(lifecycle_init);
    register_cleanup_routine(lifecycle_cleanup);
    register_postseq_cleanup_routine(lifecycle_postseq);
}
