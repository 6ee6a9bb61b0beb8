/* preferences.c - modbus_an's preferences, UATs and site files
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Durations are strings of seconds ("0.25") validated here: a value that is
 * not a number of seconds >= 0 is reported once by name and never stored:
 * the previous valid value stays in effect and is put back into the
 * preference (in the GUI through plugin_if_save_preference, which also
 * rewrites the preferences file, so the error is not shown again at the
 * next start).
 */
#include "preferences.h"
#include "ws_compat.h"

#include <epan/plugin_if.h>
#include <epan/prefs-int.h>
#include <epan/uat.h>
#include <wsutil/report_message.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "ma_hbconf.h"

static int proto_an = -1;
static module_t *module;
static dissector_table_t tcp_port_table;

/* ---- durations ---- */

typedef struct secs_pref {
    const char *name, *title, *desc, *dflt;
    const char *text;      /* the string Wireshark keeps */
    char       *good;      /* the last valid text */
    ma_ns_t     value;     /* its value */
} secs_pref_t;

enum { S_DELAY, S_TIMEOUT, S_CONNECT, S_RETRY, S_STP, S_DUP, S_GAP, S_N };

static secs_pref_t secs[S_N] = {
    [S_DELAY] = {"delay_threshold", "Delay threshold (s)",
                 "A response is delayed when its response time exceeds this many seconds (e.g. 0.25).", "1.0",
                 NULL, NULL, 0},
    [S_TIMEOUT] = {"response_timeout", "Response timeout (s)",
                   "A request with no response within this many seconds is missed (or late, if the answer comes "
                   "after it). Never below delay_threshold.", "3.0", NULL, NULL, 0},
    [S_CONNECT] = {"connect_timeout", "Connect timeout (s)",
                   "A connection attempt with no SYN+ACK within this many seconds of its first SYN failed "
                   "(timeout).", "3.0", NULL, NULL, 0},
    [S_RETRY] = {"retry_window", "Retry window (s)",
                 "A request repeating an unanswered earlier one (same unit, function code and data) within this "
                 "many seconds is an application retry.", "10.0", NULL, NULL, 0},
    [S_STP] = {"stp_window", "STP reconvergence window (s)",
               "A delayed, late or missed transaction is blamed on Spanning Tree (cause stp) when a topology "
               "change happened at most this many seconds before its request, or while it waited (802.1D: 2 x "
               "forward delay + max age = 50 s).", "50.0", NULL, NULL, 0},
    [S_DUP] = {"duplicate_window", "Capture duplicate window (s)",
               "A TCP segment identical to an earlier one of the same connection and direction (IPv4 "
               "identification, sequence and acknowledgement numbers, flags, bytes) within this many seconds "
               "is a capture duplicate (a span port that copies a frame twice), not a retransmission. "
               "0 turns the detection off.", "0.001", NULL, NULL, 0},
    [S_GAP] = {"poll_gap_min", "Poll gap minimum (s)",
               "A poll gap is a period longer than 1.5 x the group's cadence AND longer than this many "
               "seconds (so that a fast poller's hiccup is no gap).", "1.0", NULL, NULL, 0},
};

bool ma_prefs_parse_seconds(const char *s, ma_ns_t *out)
{
    if (!s || !*s)
        return false;
    char *end = NULL;
    double v = g_ascii_strtod(s, &end);
    while (end && g_ascii_isspace(*end))
        end++;
    if (!end || *end || !isfinite(v) || v < 0 || v > 1e6)
        return false;
    *out = (ma_ns_t)llround(v * 1e9);
    return true;
}

/* Put the last valid text back into the preference: directly in tshark,
 * through the GUI (which also writes the preferences file) when there is
 * one, after the current preference round is over. */
static gboolean save_later(gpointer data)
{
    const secs_pref_t *s = data;
    plugin_if_save_preference("modbus_an", s->name, s->good);
    return G_SOURCE_REMOVE;
}

static void restore(secs_pref_t *s)
{
    ws_info_t *wi = NULL;
    plugin_if_get_ws_info(&wi);
    if (wi && wi->ws_info_supported) {
        g_idle_add(save_later, s);
        return;
    }
    pref_t *p = module ? prefs_find_preference(module, s->name) : NULL;
    if (p)
        prefs_set_string_value(p, s->good, pref_current);
}

static void apply_secs(secs_pref_t *s)
{
    ma_ns_t v;
    if (ma_prefs_parse_seconds(s->text, &v)) {
        s->value = v;
        if (!s->good || strcmp(s->good, s->text) != 0) {
            g_free(s->good);
            s->good = g_strdup(s->text);
        }
        return;
    }
    report_failure("modbus_an: %s \"%s\" is not a number of seconds >= 0; using %.6g s.", s->name,
                   s->text ? s->text : "", (double)s->value / 1e9);
    restore(s);
}

/* ---- the other preferences ---- */

static range_t *pref_server_ports;
static guint pref_max_pending = MA_DEFAULT_MAX_PENDING_PER_CONN;
static ma_ws_bool pref_features = TRUE;
static ma_ws_bool pref_split_direction = FALSE;
static ma_ws_bool pref_strict_unit_id = FALSE;
static ma_ws_bool pref_pair_tid_mismatch = FALSE;
static const char *pref_hb_defs_file = "";
static const char *pref_monitor_file = "";
static guint pref_stall_polls = MA_REGS_DEFAULT_STALL_POLLS;
/* the verdict (ma_sections.h) */
static guint pref_v_missed = 0, pref_v_delayed = 10, pref_v_failed = 0, pref_v_tid = 0;
static const char *pref_v_retrans = "1.0";
static double v_retrans = 1.0;
static ma_ws_bool pref_v_stalls = TRUE, pref_v_stp = TRUE;
/* the capture monitor's context (ma_analysis.h) and capture name */
static const char *pref_report_after = "";
static ma_ns_t report_after;
static const char *pref_capture_name = "";
static guint pref_sqlite_timeout = 300;
static guint pref_min_polls = MA_REGS_DEFAULT_MIN_POLLS;
static const char *pref_stall_factor = "3";
static ma_ws_bool pref_auto = TRUE;
static double stall_factor = MA_REGS_DEFAULT_STALL_FACTOR;

static void apply_prefs(void)
{
    if (!pref_report_after || !*pref_report_after) {
        report_after = 0;
    } else if (!ma_prefs_parse_epoch(pref_report_after, &report_after)) {
        report_failure("modbus_an: report_after \"%s\" is not an epoch time in seconds (e.g. 1700000000.5); "
                       "reporting everything.", pref_report_after);
        report_after = 0;
    }
    {
        char *end = NULL;
        double pct = pref_v_retrans ? g_ascii_strtod(pref_v_retrans, &end) : 1.0;
        if (!pref_v_retrans || !end || *end || !(pct >= 0) || !isfinite(pct)) {
            report_failure("modbus_an: verdict_retrans_percent \"%s\" is not a percentage >= 0; using 1.",
                           pref_v_retrans ? pref_v_retrans : "");
            pct = 1.0;
        }
        v_retrans = pct;
    }
    for (int i = 0; i < S_N; i++)
        apply_secs(&secs[i]);
    if (secs[S_TIMEOUT].value < secs[S_DELAY].value)
        report_failure("modbus_an: response_timeout (%.6g s) must not be below delay_threshold "
                       "(%.6g s); using %.6g s for both.", (double)secs[S_TIMEOUT].value / 1e9,
                       (double)secs[S_DELAY].value / 1e9, (double)secs[S_DELAY].value / 1e9);
    char *end = NULL;
    double k = g_ascii_strtod(pref_stall_factor, &end);
    if (!end || *end || !isfinite(k) || k < 0) {
        report_failure("modbus_an: hb_stall_factor \"%s\" is not a number >= 0; using %g.", pref_stall_factor,
                       MA_REGS_DEFAULT_STALL_FACTOR);
        k = MA_REGS_DEFAULT_STALL_FACTOR;
    }
    stall_factor = k;
}

bool ma_prefs_features(void)
{
    return pref_features;
}

bool ma_prefs_is_server_port(uint32_t port)
{
    if (pref_server_ports && value_is_in_range(pref_server_ports, port))
        return true;
    if (tcp_port_table) {
        dissector_handle_t h = dissector_get_uint_handle(tcp_port_table, port);
        if (h && ma_ingest_is_mbtcp(h))
            return true;
    }
    return false;
}

/* ---- UATs: every field a string, checked by the update callbacks ---- */

typedef struct uat_hb_rec {
    char *name, *client, *server, *port, *unit, *table, *reg, *bits, *poll_start, *poll_count;
} uat_hb_rec_t;

typedef struct uat_reg_rec {
    char *name, *server, *unit, *table, *addr, *type, *order;
} uat_reg_rec_t;

typedef struct uat_exp_rec {
    char *name, *server, *port, *client;
} uat_exp_rec_t;

static uat_hb_rec_t *uat_hb_recs;
static guint uat_hb_num;
static uat_reg_rec_t *uat_reg_recs;
static guint uat_reg_num;
static uat_exp_rec_t *uat_exp_recs;
static guint uat_exp_num;

UAT_CSTRING_CB_DEF(uat_hb, name, uat_hb_rec_t)
UAT_CSTRING_CB_DEF(uat_hb, client, uat_hb_rec_t)
UAT_CSTRING_CB_DEF(uat_hb, server, uat_hb_rec_t)
UAT_CSTRING_CB_DEF(uat_hb, port, uat_hb_rec_t)
UAT_CSTRING_CB_DEF(uat_hb, unit, uat_hb_rec_t)
UAT_CSTRING_CB_DEF(uat_hb, table, uat_hb_rec_t)
UAT_CSTRING_CB_DEF(uat_hb, reg, uat_hb_rec_t)
UAT_CSTRING_CB_DEF(uat_hb, bits, uat_hb_rec_t)
UAT_CSTRING_CB_DEF(uat_hb, poll_start, uat_hb_rec_t)
UAT_CSTRING_CB_DEF(uat_hb, poll_count, uat_hb_rec_t)
UAT_CSTRING_CB_DEF(uat_reg, name, uat_reg_rec_t)
UAT_CSTRING_CB_DEF(uat_reg, server, uat_reg_rec_t)
UAT_CSTRING_CB_DEF(uat_reg, unit, uat_reg_rec_t)
UAT_CSTRING_CB_DEF(uat_reg, table, uat_reg_rec_t)
UAT_CSTRING_CB_DEF(uat_reg, addr, uat_reg_rec_t)
UAT_CSTRING_CB_DEF(uat_reg, type, uat_reg_rec_t)
UAT_CSTRING_CB_DEF(uat_reg, order, uat_reg_rec_t)
UAT_CSTRING_CB_DEF(uat_exp, name, uat_exp_rec_t)
UAT_CSTRING_CB_DEF(uat_exp, server, uat_exp_rec_t)
UAT_CSTRING_CB_DEF(uat_exp, port, uat_exp_rec_t)
UAT_CSTRING_CB_DEF(uat_exp, client, uat_exp_rec_t)

static bool blank(const char *s)
{
    return !s || !*s || (s[0] == '*' && !s[1]);
}

/* An optional integer in [lo, hi]; blank or "*" gives dflt. */
static bool opt_int(const char *s, long lo, long hi, long dflt, long *out)
{
    if (blank(s)) {
        *out = dflt;
        return true;
    }
    char *end = NULL;
    long v = strtol(s, &end, 0);
    if (!end || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool hb_rec_to_def(const uat_hb_rec_t *r, ma_hb_def_t *d, char **err)
{
    long port, unit, reg, bits, ps, pc;
    memset(d, 0, sizeof *d);
    d->source = MA_HB_SRC_UAT;
    d->name = (char *)(r->name && *r->name ? r->name : "heartbeat");
    if (!blank(r->client) && !ma_addr_parse(r->client, &d->client))
        return (*err = g_strdup_printf("heartbeat '%s': client \"%s\" is not an IP address", d->name, r->client)), false;
    if (!blank(r->server) && !ma_addr_parse(r->server, &d->server))
        return (*err = g_strdup_printf("heartbeat '%s': server \"%s\" is not an IP address", d->name, r->server)), false;
    if (!opt_int(r->port, 1, 65535, -1, &port))
        return (*err = g_strdup_printf("heartbeat '%s': port must be 1-65535 or blank", d->name)), false;
    if (!opt_int(r->unit, 0, 255, -1, &unit))
        return (*err = g_strdup_printf("heartbeat '%s': unit must be 0-255 or blank", d->name)), false;
    if (!ma_table_parse(r->table, &d->table))
        return (*err = g_strdup_printf("heartbeat '%s': table must be holding, input, coils or discrete_inputs",
                                       d->name)), false;
    if (blank(r->reg) || !opt_int(r->reg, 0, 65535, -1, &reg))
        return (*err = g_strdup_printf("heartbeat '%s': register must be 0-65535", d->name)), false;
    if (!opt_int(r->bits, 16, 32, 16, &bits) || (bits != 16 && bits != 32))
        return (*err = g_strdup_printf("heartbeat '%s': bits must be 16 or 32", d->name)), false;
    if (!opt_int(r->poll_start, 0, 65535, -1, &ps) || !opt_int(r->poll_count, 1, 2000, -1, &pc))
        return (*err = g_strdup_printf("heartbeat '%s': poll start 0-65535 / count 1-2000 or blank", d->name)),
               false;
    d->port = (int32_t)port;
    d->unit = (int32_t)unit;
    d->reg = (uint16_t)reg;
    d->words = bits == 32 ? 2 : 1;
    d->poll_start = (int32_t)ps;
    d->poll_count = (int32_t)pc;
    return true;
}

static bool reg_rec_to_def(const uat_reg_rec_t *r, ma_watch_def_t *d, char **err)
{
    long unit, addr;
    memset(d, 0, sizeof *d);
    d->name = (char *)(r->name && *r->name ? r->name : "register");
    if (!blank(r->server) && !ma_addr_parse(r->server, &d->server))
        return (*err = g_strdup_printf("register '%s': server \"%s\" is not an IP address", d->name, r->server)), false;
    if (!opt_int(r->unit, 0, 255, -1, &unit))
        return (*err = g_strdup_printf("register '%s': unit must be 0-255 or blank", d->name)), false;
    if (!ma_table_parse(r->table, &d->table))
        return (*err = g_strdup_printf("register '%s': table must be holding, input, coils or discrete_inputs",
                                       d->name)), false;
    if (blank(r->addr) || !opt_int(r->addr, 0, 65535, -1, &addr))
        return (*err = g_strdup_printf("register '%s': address must be 0-65535", d->name)), false;
    d->type = d->table == MA_TBL_COILS || d->table == MA_TBL_DISCRETE ? MA_VT_BOOL : MA_VT_U16;
    if (!blank(r->type) && !ma_vtype_parse(r->type, &d->type))
        return (*err = g_strdup_printf("register '%s': type must be u16, s16, u32, s32, f32 or bool", d->name)),
               false;
    if (!blank(r->order) && !ma_order_parse(r->order, &d->order))
        return (*err = g_strdup_printf("register '%s': order must be ABCD, CDAB, BADC or DCBA", d->name)), false;
    if (addr + ma_vtype_words(d->type) > 65536)
        return (*err = g_strdup_printf("register '%s': the value ends past register 65535", d->name)), false;
    d->unit = (int32_t)unit;
    d->addr = (uint16_t)addr;
    return true;
}

/* An expected-server UAT record; false with *err on a bad field. */
static bool exp_rec_to_def(const uat_exp_rec_t *r, ma_expect_t *e, char **err)
{
    memset(e, 0, sizeof *e);
    if (!r->server || !ma_addr_parse(r->server, &e->server)) {
        *err = g_strdup_printf("Server \"%s\" is not an IP address", r->server ? r->server : "");
        return false;
    }
    char *end = NULL;
    long port = r->port ? strtol(r->port, &end, 10) : -1;
    if (!r->port || !*r->port || !end || *end || port < 1 || port > 65535) {
        *err = g_strdup_printf("Port \"%s\" is not 1-65535", r->port ? r->port : "");
        return false;
    }
    e->port = (uint16_t)port;
    if (r->client && *r->client && !ma_addr_parse(r->client, &e->client)) {
        *err = g_strdup_printf("Client \"%s\" is not an IP address (leave it blank for any)", r->client);
        return false;
    }
    e->name = (char *)(r->name && *r->name ? r->name : "uat");
    return true;
}

static ma_ws_bool uat_hb_update(void *rec, char **err)
{
    ma_hb_def_t d;
    return hb_rec_to_def(rec, &d, err);
}

static ma_ws_bool uat_reg_update(void *rec, char **err)
{
    ma_watch_def_t d;
    return reg_rec_to_def(rec, &d, err);
}

static ma_ws_bool uat_exp_update(void *rec, char **err)
{
    ma_expect_t e;
    return exp_rec_to_def(rec, &e, err);
}

#define DUP(f) dst->f = g_strdup(src->f)
static void *uat_hb_copy(void *n, const void *o, size_t len _U_)
{
    uat_hb_rec_t *dst = n;
    const uat_hb_rec_t *src = o;
    DUP(name); DUP(client); DUP(server); DUP(port); DUP(unit); DUP(table); DUP(reg); DUP(bits);
    DUP(poll_start); DUP(poll_count);
    return dst;
}

static void *uat_reg_copy(void *n, const void *o, size_t len _U_)
{
    uat_reg_rec_t *dst = n;
    const uat_reg_rec_t *src = o;
    DUP(name); DUP(server); DUP(unit); DUP(table); DUP(addr); DUP(type); DUP(order);
    return dst;
}

static void *uat_exp_copy(void *n, const void *o, size_t len _U_)
{
    uat_exp_rec_t *dst = n;
    const uat_exp_rec_t *src = o;
    DUP(name); DUP(server); DUP(port); DUP(client);
    return dst;
}
#undef DUP

static void uat_hb_free(void *r)
{
    uat_hb_rec_t *x = r;
    g_free(x->name); g_free(x->client); g_free(x->server); g_free(x->port); g_free(x->unit);
    g_free(x->table); g_free(x->reg); g_free(x->bits); g_free(x->poll_start); g_free(x->poll_count);
}

static void uat_reg_free(void *r)
{
    uat_reg_rec_t *x = r;
    g_free(x->name); g_free(x->server); g_free(x->unit); g_free(x->table); g_free(x->addr);
    g_free(x->type); g_free(x->order);
}

static void uat_exp_free(void *r)
{
    uat_exp_rec_t *x = r;
    g_free(x->name); g_free(x->server); g_free(x->port); g_free(x->client);
}

/* ---- the analysis configuration ---- */

/* Storage the configuration's definitions point into. */
typedef struct owned {
    GPtrArray *file_defs;   /* ma_hb_def_t * from the files */
    GPtrArray *file_expect; /* ma_expect_t * from pcap_monitor_file */
    ma_hb_def_t *hb;
    ma_watch_def_t *watches;
    ma_expect_t *expect;
} owned_t;

/* Heartbeats (and, from pcap_monitor.json, the expected topology) of one
 * file; a bad file is reported once and ignored as a whole. */
static void load_file(const char *path, bool monitor, owned_t *o)
{
    if (!path || !*path)
        return;
    char *err = NULL;
    GPtrArray *got = g_ptr_array_new_with_free_func(ma_hb_def_free);
    GPtrArray *exp = g_ptr_array_new_with_free_func(ma_expect_free);
    bool ok = ma_hbconf_load(path, monitor, got, &err);
    if (ok && monitor)
        ok = ma_hbconf_load_expect(path, exp, &err);
    if (!ok) {
        report_failure("modbus_an: %s (%s ignored)", err, monitor ? "pcap_monitor_file" : "hb_defs_file");
        g_free(err);
    } else {
        g_ptr_array_set_free_func(got, NULL);
        g_ptr_array_set_free_func(exp, NULL);
        for (guint i = 0; i < got->len; i++)
            g_ptr_array_add(o->file_defs, g_ptr_array_index(got, i));
        for (guint i = 0; i < exp->len; i++)
            g_ptr_array_add(o->file_expect, g_ptr_array_index(exp, i));
    }
    g_ptr_array_free(got, TRUE);
    g_ptr_array_free(exp, TRUE);
}

void ma_prefs_config(ma_analysis_config_t *cfg)
{
    ma_analysis_config_defaults(cfg);
    owned_t *o = g_new0(owned_t, 1);
    o->file_defs = g_ptr_array_new_with_free_func(ma_hb_def_free);
    o->file_expect = g_ptr_array_new_with_free_func(ma_expect_free);

    cfg->pairing.delay_threshold = secs[S_DELAY].value;
    cfg->pairing.response_timeout = MAX(secs[S_TIMEOUT].value, secs[S_DELAY].value);
    cfg->pairing.max_pending_per_conn = pref_max_pending ? pref_max_pending : 1;
    cfg->pairing.pair_tid_mismatch = pref_pair_tid_mismatch;
    cfg->features = pref_features;
    cfg->feat.split_direction = pref_split_direction;
    cfg->feat.strict_unit_id = pref_strict_unit_id;
    cfg->regs.stall_polls = pref_stall_polls ? pref_stall_polls : 1;
    cfg->regs.stall_factor = stall_factor;
    cfg->regs.gap_min = secs[S_GAP].value;
    cfg->regs.min_polls = pref_min_polls;
    cfg->regs.auto_detect = pref_auto;
    cfg->net.connect_timeout = secs[S_CONNECT].value;
    cfg->net.retry_window = secs[S_RETRY].value;
    cfg->cause.stp_window = secs[S_STP].value;
    cfg->duplicate_window = secs[S_DUP].value;
    cfg->report_after = report_after;

    load_file(pref_hb_defs_file, false, o);
    load_file(pref_monitor_file, true, o);

    o->hb = g_new0(ma_hb_def_t, o->file_defs->len + uat_hb_num + 1);
    unsigned n = 0;
    for (guint i = 0; i < o->file_defs->len; i++)
        o->hb[n++] = *(ma_hb_def_t *)g_ptr_array_index(o->file_defs, i);
    for (guint i = 0; i < uat_hb_num; i++) {
        char *err = NULL;
        if (hb_rec_to_def(&uat_hb_recs[i], &o->hb[n], &err))
            n++;
        g_free(err);
    }
    cfg->hb_defs = o->hb;
    cfg->n_hb_defs = n;

    o->watches = g_new0(ma_watch_def_t, uat_reg_num + 1);
    n = 0;
    for (guint i = 0; i < uat_reg_num; i++) {
        char *err = NULL;
        if (reg_rec_to_def(&uat_reg_recs[i], &o->watches[n], &err))
            n++;
        g_free(err);
    }
    cfg->watches = o->watches;
    cfg->n_watches = n;

    o->expect = g_new0(ma_expect_t, o->file_expect->len + uat_exp_num + 1);
    n = 0;
    for (guint i = 0; i < o->file_expect->len; i++)
        o->expect[n++] = *(ma_expect_t *)g_ptr_array_index(o->file_expect, i);
    for (guint i = 0; i < uat_exp_num; i++) {
        char *err = NULL;
        if (exp_rec_to_def(&uat_exp_recs[i], &o->expect[n], &err))
            n++;
        g_free(err);
    }
    cfg->expect = o->expect;
    cfg->n_expect = n;
    cfg->owned = o;
}

void ma_prefs_config_free(ma_analysis_config_t *cfg)
{
    owned_t *o = cfg->owned;
    if (!o)
        return;
    g_ptr_array_free(o->file_defs, TRUE);
    g_ptr_array_free(o->file_expect, TRUE);
    g_free(o->hb);
    g_free(o->watches);
    g_free(o->expect);
    g_free(o);
    cfg->owned = NULL;
    cfg->hb_defs = NULL;
    cfg->watches = NULL;
    cfg->expect = NULL;
}

void ma_prefs_verdict(ma_verdict_config_t *v)
{
    ma_verdict_config_defaults(v);
    v->max_missed = pref_v_missed;
    v->max_delayed = pref_v_delayed;
    v->max_failed_conns = pref_v_failed;
    v->max_tid_faults = pref_v_tid;
    v->max_retrans_pct = v_retrans;
    v->stalls = pref_v_stalls;
    v->stp = pref_v_stp;
}

unsigned ma_prefs_sqlite_timeout(void)
{
    return pref_sqlite_timeout;
}

const char *ma_prefs_capture_name(void)
{
    return pref_capture_name ? pref_capture_name : "";
}

bool ma_prefs_parse_epoch(const char *s, ma_ns_t *out)
{
    if (!s)
        return false;
    while (g_ascii_isspace(*s))
        s++;
    int64_t secs = 0, frac = 0;
    int digits = 0, fdigits = 0;
    for (; g_ascii_isdigit(*s); s++, digits++) {
        if (secs > INT64_MAX / 10 / MA_NS_PER_SEC)
            return false;
        secs = secs * 10 + (*s - '0');
    }
    if (*s == '.') {
        for (s++; g_ascii_isdigit(*s); s++, fdigits++)
            if (fdigits < 9)
                frac = frac * 10 + (*s - '0');
    }
    while (g_ascii_isspace(*s))
        s++;
    if (*s || (!digits && !fdigits))
        return false;
    for (int k = MIN(fdigits, 9); k < 9; k++)
        frac *= 10;
    *out = secs * MA_NS_PER_SEC + frac;
    return true;
}

/* ---- registration ---- */

void ma_prefs_handoff(void)
{
    tcp_port_table = find_dissector_table("tcp.port");
    apply_prefs();
}

void ma_prefs_register(int proto)
{
    proto_an = proto;
    module = prefs_register_protocol(proto, apply_prefs);
    for (int i = 0; i < S_N; i++)
        ma_prefs_parse_seconds(secs[i].dflt, &secs[i].value);

    secs[S_DELAY].text = secs[S_DELAY].dflt;
    prefs_register_string_preference(module, secs[S_DELAY].name, secs[S_DELAY].title, secs[S_DELAY].desc,
                                     &secs[S_DELAY].text);
    secs[S_TIMEOUT].text = secs[S_TIMEOUT].dflt;
    prefs_register_string_preference(module, secs[S_TIMEOUT].name, secs[S_TIMEOUT].title, secs[S_TIMEOUT].desc,
                                     &secs[S_TIMEOUT].text);
    range_convert_str(wmem_epan_scope(), &pref_server_ports, "502", 65535);
    prefs_register_range_preference(module, "server_ports", "Modbus server TCP ports",
        "Ports that identify the server side of a connection, besides the ports TCP hands to "
        "mbtcp (502, mbtcp.tcp.port and Decode As). With neither, the lower port is the server.",
        &pref_server_ports, 65535);
    prefs_register_uint_preference(module, "max_pending", "Pending requests per connection",
        "At most this many unanswered requests are tracked per connection; beyond it the "
        "oldest is counted as missed (bounds memory on hostile traffic).", 10, &pref_max_pending);
    prefs_register_bool_preference(module, "pair_tid_mismatch", "Pair responses with a wrong transaction id",
        "Pair a response that fits an outstanding request of its connection, unit and function code except "
        "for the transaction id (modbus_an.tid_mismatch) with that request, instead of counting it as an "
        "orphan and the request as unanswered.", &pref_pair_tid_mismatch);

    prefs_register_bool_preference(module, "features", "Compute features",
        "Compute the per-PDU features of the Modbus feature-extraction specification "
        "(modbus_an.feature.*, modbus_an.outlier.*, -z modbus_an,features). Takes effect on the "
        "next file load.", &pref_features);
    prefs_register_bool_preference(module, "feature_split_direction", "Feature windows per direction",
        "Keep the 10-PDU rolling windows and the outlier histories per connection and direction "
        "(requests and responses apart) instead of per connection.", &pref_split_direction);
    prefs_register_bool_preference(module, "strict_unit_id", "Strict unit id validation",
        "Treat unit ids 0 and 255 as invalid (the specification's 1-247). Off: 0 and 255, "
        "usual on Modbus/TCP and gateways, are valid.", &pref_strict_unit_id);

    prefs_register_filename_preference(module, "hb_defs_file", "Heartbeat definitions (hb_defs.json)",
        "The engineers' hb_defs.json: {\"name\": {\"pair_id\": \"client->server:port\", \"hb_reg_type\": 3, "
        "\"hb_dev_id\": unit, \"hb_start\": poll start, \"hb_reg\": register, \"hb_size\": poll count}}. "
        "Takes effect on the next file load.", &pref_hb_defs_file, FALSE);
    prefs_register_filename_preference(module, "pcap_monitor_file", "Site topology (pcap_monitor.json)",
        "The site's pcap_monitor.json; its \"heartbeats\" list defines heartbeat registers (dest_ip, "
        "dest_port, device_id, heartbeat_reg_type, heartbeat_offset, heartbeat_size in registers); its "
        "\"ip_addrs\" (server IP -> ports) and \"ips\".\"client\" (dest_ip, dest_port) entries are the "
        "expected topology. Takes effect on the next file load.",
        &pref_monitor_file, FALSE);
    prefs_register_uint_preference(module, "hb_stall_polls", "Heartbeat stall: unchanged polls",
        "A heartbeat is stalled after this many consecutive polls returned an unchanged value.", 10,
        &pref_stall_polls);
    prefs_register_uint_preference(module, "poll_min_polls", "Poll group: minimum polls",
        "Reads polled fewer times than this are one-off reads: counted, but no cadence, gap or stop is "
        "judged and the polls table lists only their number.", 10, &pref_min_polls);
    prefs_register_string_preference(module, "hb_stall_factor", "Heartbeat stall: x cadence",
        "... or when its value has not changed for longer than this many times its poll cadence "
        "(median period); 0 turns this rule off.", &pref_stall_factor);
    prefs_register_bool_preference(module, "hb_auto", "Detect heartbeats",
        "List registers that behave like counters (>= 80% of >= 10 polls change, >= 80% of the changes by one "
        "step of +1..+16) as heartbeats and report their stalls.", &pref_auto);

    prefs_register_uint_preference(module, "verdict_missed", "Verdict: missed requests allowed",
        "-z modbus_an,verdict (and the summary, JSON, SQLite) says keep when more requests than this were "
        "missed.", 10, &pref_v_missed);
    prefs_register_uint_preference(module, "verdict_delayed", "Verdict: delayed responses allowed",
        "... when more responses than this were delayed (response time > delay_threshold).", 10, &pref_v_delayed);
    prefs_register_uint_preference(module, "verdict_failed_connections", "Verdict: failed connections allowed",
        "... when more connection attempts failed (refused, timed out) or sessions were reset by the server.", 10,
        &pref_v_failed);
    prefs_register_uint_preference(module, "verdict_tid_faults", "Verdict: transaction-id faults allowed",
        "... when more requests reused an outstanding id or responses mismatched one.", 10, &pref_v_tid);
    prefs_register_string_preference(module, "verdict_retrans_percent", "Verdict: TCP retransmissions (%)",
        "... when more than this percentage of the Modbus connections' TCP segments were retransmissions.",
        &pref_v_retrans);
    prefs_register_bool_preference(module, "verdict_stalls", "Verdict: keep on a stalled heartbeat",
        "... when a heartbeat stalled.", &pref_v_stalls);
    prefs_register_bool_preference(module, "verdict_stp", "Verdict: keep on a Spanning Tree event",
        "... when a Spanning Tree event (topology change, TCN, root or port role change) was seen.", &pref_v_stp);
    prefs_register_string_preference(module, "report_after", "Report only what is decided after (epoch s)",
        "For a capture monitor that analyses a snapshot together with the tail of the previous one: frames "
        "before this epoch time only complete transactions; every report counts what is decided at or after "
        "it. Empty: everything.", &pref_report_after);
    prefs_register_uint_preference(module, "sqlite_timeout", "SQLite: wait for a locked database (s)",
        "-z modbus_an,sqlite waits this many seconds for a database another writer holds (xargs -P over a folder "
        "of snapshots), then fails leaving the database as it was.", 10, &pref_sqlite_timeout);
    prefs_register_string_preference(module, "capture_name", "Capture name for the outputs",
        "The capture name used by the JSON topics and the SQLite captures table (default: the file name "
        "tshark reads).", &pref_capture_name);

    static uat_field_t hb_fields[] = {
        UAT_FLD_CSTRING(uat_hb, name, "Name", "Name of the heartbeat"),
        UAT_FLD_CSTRING(uat_hb, client, "Client", "Client IP address (blank: any)"),
        UAT_FLD_CSTRING(uat_hb, server, "Server", "Server IP address (blank: any)"),
        UAT_FLD_CSTRING(uat_hb, port, "Port", "Server TCP port (blank: any)"),
        UAT_FLD_CSTRING(uat_hb, unit, "Unit", "Unit id 0-255 (blank: any)"),
        UAT_FLD_CSTRING(uat_hb, table, "Table", "holding, input, coils or discrete_inputs"),
        UAT_FLD_CSTRING(uat_hb, reg, "Register", "Register address 0-65535"),
        UAT_FLD_CSTRING(uat_hb, bits, "Bits", "16 or 32 (32: high word at the register; blank: 16)"),
        UAT_FLD_CSTRING(uat_hb, poll_start, "Poll start", "Only polls with this start (blank: any)"),
        UAT_FLD_CSTRING(uat_hb, poll_count, "Poll count", "Only polls with this count (blank: any)"),
        UAT_END_FIELDS
    };
    uat_t *hb_uat = uat_new("Modbus heartbeats", sizeof(uat_hb_rec_t), "modbus_an_heartbeats", TRUE,
        &uat_hb_recs, &uat_hb_num, UAT_AFFECTS_DISSECTION, NULL, uat_hb_copy, uat_hb_update, uat_hb_free,
        NULL, NULL, hb_fields);
    prefs_register_uat_preference(module, "heartbeats", "Heartbeat registers",
        "Heartbeat registers besides hb_defs_file and pcap_monitor_file", hb_uat);

    static uat_field_t reg_fields[] = {
        UAT_FLD_CSTRING(uat_reg, name, "Name", "Name of the register"),
        UAT_FLD_CSTRING(uat_reg, server, "Server", "Server IP address (blank: any)"),
        UAT_FLD_CSTRING(uat_reg, unit, "Unit", "Unit id 0-255 (blank: any)"),
        UAT_FLD_CSTRING(uat_reg, table, "Table", "holding, input, coils or discrete_inputs"),
        UAT_FLD_CSTRING(uat_reg, addr, "Address", "Register address 0-65535"),
        UAT_FLD_CSTRING(uat_reg, type, "Type", "u16, s16, u32, s32, f32 or bool (blank: u16 / bool)"),
        UAT_FLD_CSTRING(uat_reg, order, "Byte order", "ABCD (big endian), CDAB, BADC or DCBA (blank: ABCD)"),
        UAT_END_FIELDS
    };
    uat_t *reg_uat = uat_new("Modbus watched registers", sizeof(uat_reg_rec_t), "modbus_an_registers", TRUE,
        &uat_reg_recs, &uat_reg_num, UAT_AFFECTS_DISSECTION, NULL, uat_reg_copy, uat_reg_update, uat_reg_free,
        NULL, NULL, reg_fields);
    prefs_register_uat_preference(module, "registers", "Watched registers",
        "Registers whose value is shown (modbus_an.reg.value) on every read response and write request", reg_uat);

    for (int i = S_CONNECT; i < S_N; i++) {
        secs[i].text = secs[i].dflt;
        prefs_register_string_preference(module, secs[i].name, secs[i].title, secs[i].desc, &secs[i].text);
    }
    static uat_field_t exp_fields[] = {
        UAT_FLD_CSTRING(uat_exp, name, "Name", "What the server is (free text)"),
        UAT_FLD_CSTRING(uat_exp, server, "Server", "Server IP address"),
        UAT_FLD_CSTRING(uat_exp, port, "Port", "Server TCP port"),
        UAT_FLD_CSTRING(uat_exp, client, "Client", "Client IP address (blank: any)"),
        UAT_END_FIELDS
    };
    uat_t *u = uat_new("Modbus expected servers", sizeof(uat_exp_rec_t), "modbus_an_expected", TRUE,
        &uat_exp_recs, &uat_exp_num, UAT_AFFECTS_DISSECTION, NULL, uat_exp_copy, uat_exp_update, uat_exp_free,
        NULL, NULL, exp_fields);
    prefs_register_uat_preference(module, "expected", "Expected servers",
        "Modbus servers (and optionally clients) the site expects, besides pcap_monitor_file's ip_addrs and "
        "ips.client: the stat output lists them with traffic, with attempts only, or silent, and any "
        "Modbus pair not expected", u);
}
