/* regs_ui.c - modbus_an fields, expert info, preferences and UATs of the
 * register analysis: poll groups, heartbeats, watched registers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The analysis itself is core/ma_regs.c (docs/heartbeats.md); this file
 * turns its per-PDU records into modbus_an.poll.*, modbus_an.hb.* and
 * modbus_an.reg.* items and builds the engine from the configuration:
 *  - hb_defs_file: the engineers' hb_defs.json;
 *  - pcap_monitor_file: the site's pcap_monitor.json ("heartbeats" list);
 *  - the "modbus_an_heartbeats" and "modbus_an_registers" UATs (GUI, or
 *    -o "uat:modbus_an_heartbeats:..." in tshark).
 */
#include "modbus_an.h"
#include "ma_hbconf.h"

#include <epan/expert.h>
#include <epan/uat.h>
#include <wsutil/report_message.h>

#include <math.h>
#include <stdlib.h>

static int hf_poll_group = -1;
static int hf_poll_label = -1;
static int hf_poll_period = -1;
static int hf_poll_cadence = -1;
static int hf_poll_gap = -1;
static int hf_hb_name = -1;
static int hf_hb_source = -1;
static int hf_hb_register = -1;
static int hf_hb_value = -1;
static int hf_hb_previous = -1;
static int hf_hb_delta = -1;
static int hf_hb_since_change = -1;
static int hf_hb_unchanged = -1;
static int hf_hb_stalled = -1;
static int hf_hb_stall_start = -1;
static int hf_hb_recovered = -1;
static int hf_hb_reset = -1;
static int hf_hb_wrap = -1;
static int hf_hb_stall_frame = -1;
static int hf_hb_stall_duration = -1;
static int hf_reg_name = -1;
static int hf_reg_table = -1;
static int hf_reg_address = -1;
static int hf_reg_value = -1;
static int hf_reg_previous = -1;
static int hf_reg_changed = -1;
static int hf_reg_access = -1;

static gint ett_poll = -1;
static gint ett_hb = -1;
static gint ett_reg = -1;

static expert_field ei_hb_stall = EI_INIT;
static expert_field ei_hb_recovered = EI_INIT;
static expert_field ei_hb_reset = EI_INIT;
static expert_field ei_poll_gap = EI_INIT;

static const char *pref_hb_defs_file = "";
static const char *pref_monitor_file = "";
static guint pref_stall_polls = MA_REGS_DEFAULT_STALL_POLLS;
static const char *pref_stall_factor = "3";
static gboolean pref_auto = TRUE;

/* ---- UATs: every field a string, checked by the update callbacks ---- */

typedef struct uat_hb_rec {
    char *name, *client, *server, *port, *unit, *table, *reg, *bits, *poll_start, *poll_count;
} uat_hb_rec_t;

typedef struct uat_reg_rec {
    char *name, *server, *unit, *table, *addr, *type, *order;
} uat_reg_rec_t;

static uat_hb_rec_t *uat_hb_recs;
static guint uat_hb_num;
static uat_reg_rec_t *uat_reg_recs;
static guint uat_reg_num;

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

static gboolean uat_hb_update(void *rec, char **err)
{
    ma_hb_def_t d;
    return hb_rec_to_def(rec, &d, err);
}

static gboolean uat_reg_update(void *rec, char **err)
{
    ma_watch_def_t d;
    return reg_rec_to_def(rec, &d, err);
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

static void uat_hb_free(void *r)
{
    uat_hb_rec_t *x = r;
    g_free(x->name); g_free(x->client); g_free(x->server); g_free(x->port); g_free(x->unit);
    g_free(x->table); g_free(x->reg); g_free(x->bits); g_free(x->poll_start); g_free(x->poll_count);
}

static void *uat_reg_copy(void *n, const void *o, size_t len _U_)
{
    uat_reg_rec_t *dst = n;
    const uat_reg_rec_t *src = o;
    DUP(name); DUP(server); DUP(unit); DUP(table); DUP(addr); DUP(type); DUP(order);
    return dst;
}
#undef DUP

static void uat_reg_free(void *r)
{
    uat_reg_rec_t *x = r;
    g_free(x->name); g_free(x->server); g_free(x->unit); g_free(x->table); g_free(x->addr);
    g_free(x->type); g_free(x->order);
}

/* ---- engine ---- */

/* pcap_monitor_file's expected topology (ma_expect_t *), read with its
 * heartbeats so that a bad file is reported once and ignored as a whole. */
static GPtrArray *monitor_expect;

static void load_file(const char *path, bool monitor, GPtrArray *defs)
{
    if (!path || !*path)
        return;
    char *err = NULL;
    GPtrArray *got = g_ptr_array_new();
    bool ok = ma_hbconf_load(path, monitor, got, &err);
    if (ok && monitor)
        ok = ma_hbconf_load_expect(path, monitor_expect, &err);
    if (!ok) {
        report_failure("modbus_an: %s (%s ignored)", err, monitor ? "pcap_monitor_file" : "hb_defs_file");
        g_free(err);
        g_ptr_array_set_size(monitor_expect, 0);
        for (guint i = 0; i < got->len; i++)
            ma_hb_def_free(g_ptr_array_index(got, i));
        g_ptr_array_set_size(got, 0);
    }
    for (guint i = 0; i < got->len; i++)
        g_ptr_array_add(defs, g_ptr_array_index(got, i));
    g_ptr_array_free(got, TRUE);
}

const GPtrArray *ma_regs_ui_monitor_expect(void)
{
    return monitor_expect;
}

ma_regs_t *ma_regs_ui_new_engine(void)
{
    ma_regs_config_t cfg;
    ma_regs_config_defaults(&cfg);
    cfg.stall_polls = pref_stall_polls ? pref_stall_polls : 1;
    char *end = NULL;
    double k = g_ascii_strtod(pref_stall_factor, &end);
    if (!end || *end || !isfinite(k) || k < 0) {
        report_failure("modbus_an: hb_stall_factor \"%s\" is not a number >= 0; using %g.", pref_stall_factor,
                       MA_REGS_DEFAULT_STALL_FACTOR);
        k = MA_REGS_DEFAULT_STALL_FACTOR;
    }
    cfg.stall_factor = k;
    cfg.auto_detect = pref_auto;

    GPtrArray *defs = g_ptr_array_new_with_free_func(ma_hb_def_free);
    if (!monitor_expect)
        monitor_expect = g_ptr_array_new_with_free_func(ma_expect_free);
    g_ptr_array_set_size(monitor_expect, 0);
    load_file(pref_hb_defs_file, false, defs);
    load_file(pref_monitor_file, true, defs);
    unsigned nfile = defs->len;
    ma_hb_def_t *all = g_new0(ma_hb_def_t, nfile + uat_hb_num + 1);
    unsigned n = 0;
    for (unsigned i = 0; i < nfile; i++)
        all[n++] = *(ma_hb_def_t *)g_ptr_array_index(defs, i);
    for (guint i = 0; i < uat_hb_num; i++) {
        char *err = NULL;
        if (hb_rec_to_def(&uat_hb_recs[i], &all[n], &err))
            n++;
        else
            g_free(err);
    }
    ma_watch_def_t *w = g_new0(ma_watch_def_t, uat_reg_num + 1);
    unsigned nw = 0;
    for (guint i = 0; i < uat_reg_num; i++) {
        char *err = NULL;
        if (reg_rec_to_def(&uat_reg_recs[i], &w[nw], &err))
            nw++;
        else
            g_free(err);
    }
    ma_regs_t *r = ma_regs_new(&cfg, all, n, w, nw); /* copies names */
    g_free(all);
    g_free(w);
    g_ptr_array_free(defs, TRUE);
    return r;
}

/* ---- display ---- */

static void add_time(proto_tree *t, int hf, tvbuff_t *tvb, ma_ns_t ns)
{
    nstime_t v = {.secs = (time_t)(ns / MA_NS_PER_SEC), .nsecs = (int)(ns % MA_NS_PER_SEC)};
    proto_item_set_generated(proto_tree_add_time(t, hf, tvb, 0, 0, &v));
}

static void add_flag(proto_tree *t, int hf, tvbuff_t *tvb, gboolean v)
{
    proto_item_set_generated(proto_tree_add_boolean(t, hf, tvb, 0, 0, v));
}

static void show_hb(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const ma_regs_t *regs, const ma_hb_obs_t *o,
                    wmem_strbuf_t *info)
{
    const ma_hb_t *h = ma_regs_hb(regs, o->hb);
    proto_item *ti = proto_tree_add_string_format(st, hf_hb_name, tvb, 0, 0, h->name,
        "Heartbeat %s: %s %u = %u%s", h->name, ma_table_name(h->table), h->reg, o->value,
        (o->flags & MA_HBO_STALLED) ? " (stalled)" : "");
    proto_item_set_generated(ti);
    proto_tree *t = proto_item_add_subtree(ti, ett_hb);
    proto_item_set_generated(proto_tree_add_string(t, hf_hb_source, tvb, 0, 0, ma_hb_source_name(h->source)));
    proto_item_set_generated(proto_tree_add_uint(t, hf_hb_register, tvb, 0, 0, h->reg));
    proto_item_set_generated(proto_tree_add_uint(t, hf_hb_value, tvb, 0, 0, o->value));
    if (!(o->flags & MA_HBO_FIRST)) {
        proto_item_set_generated(proto_tree_add_uint(t, hf_hb_previous, tvb, 0, 0, o->prev));
        proto_item_set_generated(proto_tree_add_int64(t, hf_hb_delta, tvb, 0, 0, o->delta));
    }
    add_time(t, hf_hb_since_change, tvb, o->since_change);
    proto_item_set_generated(proto_tree_add_uint(t, hf_hb_unchanged, tvb, 0, 0, o->unchanged));
    add_flag(t, hf_hb_stalled, tvb, (o->flags & MA_HBO_STALLED) != 0);
    if (o->flags & (MA_HBO_STALLED | MA_HBO_RECOVERED))
        proto_item_set_generated(proto_tree_add_uint(t, hf_hb_stall_frame, tvb, 0, 0, o->stall_frame));
    if (o->flags & MA_HBO_STALL) {
        add_flag(t, hf_hb_stall_start, tvb, TRUE);
        expert_add_info_format(pinfo, ti, &ei_hb_stall,
            "Heartbeat %s stalled: value %u unchanged for %u polls (since frame %u)", h->name, o->value,
            o->unchanged, o->stall_frame);
        wmem_strbuf_append(info, " [hb stalled]");
    }
    if (o->flags & MA_HBO_RECOVERED) {
        add_flag(t, hf_hb_recovered, tvb, TRUE);
        add_time(t, hf_hb_stall_duration, tvb, o->stall_duration);
        expert_add_info_format(pinfo, ti, &ei_hb_recovered,
            "Heartbeat %s recovered after %.3f s stalled (from frame %u)", h->name,
            (double)o->stall_duration / 1e9, o->stall_frame);
        wmem_strbuf_append(info, " [hb recovered]");
    }
    if (o->flags & MA_HBO_RESET) {
        add_flag(t, hf_hb_reset, tvb, TRUE);
        expert_add_info_format(pinfo, ti, &ei_hb_reset, "Heartbeat %s reset: %u -> %u", h->name, o->prev,
                               o->value);
        wmem_strbuf_append(info, " [hb reset]");
    }
    if (o->flags & MA_HBO_WRAP)
        add_flag(t, hf_hb_wrap, tvb, TRUE);
}

static void show_reg(proto_tree *st, tvbuff_t *tvb, const ma_regs_t *regs, const ma_reg_obs_t *o)
{
    const ma_watch_t *w = ma_regs_watch(regs, o->watch);
    proto_item *ti = proto_tree_add_string_format(st, hf_reg_name, tvb, 0, 0, w->def->name,
        "Register %s (%s %u) = %.10g%s", w->def->name, ma_table_name(w->def->table), w->def->addr, o->value,
        (o->flags & MA_REGO_CHANGED) ? " (changed)" : "");
    proto_item_set_generated(ti);
    proto_tree *t = proto_item_add_subtree(ti, ett_reg);
    proto_item_set_generated(proto_tree_add_string(t, hf_reg_table, tvb, 0, 0, ma_table_name(w->def->table)));
    proto_item_set_generated(proto_tree_add_uint(t, hf_reg_address, tvb, 0, 0, w->def->addr));
    proto_item_set_generated(proto_tree_add_double(t, hf_reg_value, tvb, 0, 0, o->value));
    if (!(o->flags & MA_REGO_FIRST))
        proto_item_set_generated(proto_tree_add_double(t, hf_reg_previous, tvb, 0, 0, o->prev));
    add_flag(t, hf_reg_changed, tvb, (o->flags & MA_REGO_CHANGED) != 0);
    proto_item_set_generated(proto_tree_add_string(t, hf_reg_access, tvb, 0, 0,
                                                   (o->flags & MA_REGO_WRITE) ? "write" : "read"));
}

void ma_regs_ui_show(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const ma_regs_t *regs,
                     const ma_regs_rec_t *rec, wmem_strbuf_t *info)
{
    if (!rec || !regs)
        return;
    if (rec->group) {
        const ma_poll_group_t *g = ma_regs_group(regs, rec->group - 1);
        proto_item *ti = proto_tree_add_uint_format(st, hf_poll_group, tvb, 0, 0, rec->group,
            "Poll group %u: unit %u, fc %u, start %u, count %u", rec->group, g->unit, g->fc, g->start, g->count);
        proto_item_set_generated(ti);
        proto_tree *t = proto_item_add_subtree(ti, ett_poll);
        proto_item_set_generated(proto_tree_add_string_format_value(t, hf_poll_label, tvb, 0, 0, "",
            "%s unit %u fc %u %u/%u", g->pair->label, g->unit, g->fc, g->start, g->count));
        if (rec->period >= 0)
            add_time(t, hf_poll_period, tvb, rec->period);
        if (rec->cadence > 0)
            add_time(t, hf_poll_cadence, tvb, rec->cadence);
        if (rec->period >= 0) {
            add_flag(t, hf_poll_gap, tvb, rec->gap);
            if (rec->gap) {
                expert_add_info_format(pinfo, ti, &ei_poll_gap,
                    "Poll gap: %.3f s since the previous poll of this group (cadence %.3f s)",
                    (double)rec->period / 1e9, (double)rec->cadence / 1e9);
                wmem_strbuf_append(info, " [poll gap]");
            }
        }
    }
    for (unsigned i = 0; i < rec->n_hb; i++)
        show_hb(st, tvb, pinfo, regs, &rec->hb[i], info);
    for (unsigned i = 0; i < rec->n_reg; i++)
        show_reg(st, tvb, regs, &rec->reg[i]);
}

/* ---- registration ---- */

void ma_regs_ui_register(int proto, module_t *m)
{
    static hf_register_info hf[] = {
        { &hf_poll_group, { "Poll group", "modbus_an.poll.group", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Index of the poll group (pair, unit, function code, start, count) of this read and its response",
          HFILL } },
        { &hf_poll_label, { "Poll", "modbus_an.poll.label", FT_STRING, BASE_NONE, NULL, 0x0,
          "The poll group as \"client -> server:port unit U fc F start/count\"", HFILL } },
        { &hf_poll_period, { "Period", "modbus_an.poll.period", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time since the previous request of this poll group (seconds)", HFILL } },
        { &hf_poll_cadence, { "Cadence", "modbus_an.poll.cadence", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Median of the group's previous <= 31 periods, by which the gap is judged (seconds)", HFILL } },
        { &hf_poll_gap, { "Gap", "modbus_an.poll.gap", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The period before this request exceeds 1.5 x the cadence: polls were missed", HFILL } },
        { &hf_hb_name, { "Heartbeat", "modbus_an.hb.name", FT_STRING, BASE_NONE, NULL, 0x0,
          "Name of the heartbeat (hb_defs key, pcap_monitor component_id:offset, UAT name, or \"auto T A\")",
          HFILL } },
        { &hf_hb_source, { "Source", "modbus_an.hb.source", FT_STRING, BASE_NONE, NULL, 0x0,
          "Where the heartbeat is defined: hb_defs, pcap_monitor, uat or auto (detected counter)", HFILL } },
        { &hf_hb_register, { "Register", "modbus_an.hb.register", FT_UINT16, BASE_DEC, NULL, 0x0,
          "Address of the heartbeat register (the high word of a 32-bit heartbeat)", HFILL } },
        { &hf_hb_value, { "Value", "modbus_an.hb.value", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Heartbeat value in this response (16 or 32 bits, high word first)", HFILL } },
        { &hf_hb_previous, { "Previous value", "modbus_an.hb.previous", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Heartbeat value in the previous poll", HFILL } },
        { &hf_hb_delta, { "Change", "modbus_an.hb.delta", FT_INT64, BASE_DEC, NULL, 0x0,
          "Value minus the previous poll's value", HFILL } },
        { &hf_hb_since_change, { "Since change", "modbus_an.hb.since_change", FT_RELATIVE_TIME, BASE_NONE, NULL,
          0x0, "Time since the poll at which the current value first appeared (seconds)", HFILL } },
        { &hf_hb_unchanged, { "Unchanged polls", "modbus_an.hb.unchanged_polls", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Consecutive polls up to this one that returned the previous value", HFILL } },
        { &hf_hb_stalled, { "Stalled", "modbus_an.hb.stalled", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The heartbeat is stalled: unchanged for hb_stall_polls polls or > hb_stall_factor x its cadence",
          HFILL } },
        { &hf_hb_stall_start, { "Stall detected", "modbus_an.hb.stall_start", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The stall was detected at this poll", HFILL } },
        { &hf_hb_recovered, { "Recovered", "modbus_an.hb.recovered", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The value changed again after a stall", HFILL } },
        { &hf_hb_reset, { "Reset", "modbus_an.hb.reset", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The value decreased and it is not a counter wrap (forward distance > 1/64 of the range)", HFILL } },
        { &hf_hb_wrap, { "Wrap", "modbus_an.hb.wrap", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The counter wrapped around (decrease with a forward distance <= 1/64 of the range)", HFILL } },
        { &hf_hb_stall_frame, { "Stall since frame", "modbus_an.hb.stall_frame", FT_FRAMENUM, BASE_NONE, NULL,
          0x0, "The first poll that returned the unchanged value (the start of the stall)", HFILL } },
        { &hf_hb_stall_duration, { "Stall duration", "modbus_an.hb.stall_duration", FT_RELATIVE_TIME, BASE_NONE,
          NULL, 0x0, "From the first unchanged poll to this recovering poll (seconds)", HFILL } },
        { &hf_reg_name, { "Watched register", "modbus_an.reg.name", FT_STRING, BASE_NONE, NULL, 0x0,
          "Name of the watched register (modbus_an_registers UAT)", HFILL } },
        { &hf_reg_table, { "Table", "modbus_an.reg.table", FT_STRING, BASE_NONE, NULL, 0x0,
          "Register table: coils, discrete_inputs, holding or input", HFILL } },
        { &hf_reg_address, { "Address", "modbus_an.reg.address", FT_UINT16, BASE_DEC, NULL, 0x0,
          "Register address (protocol address, 0-based)", HFILL } },
        { &hf_reg_value, { "Value", "modbus_an.reg.value", FT_DOUBLE, BASE_NONE, NULL, 0x0,
          "Value of the watched register as its type and byte order say", HFILL } },
        { &hf_reg_previous, { "Previous value", "modbus_an.reg.previous", FT_DOUBLE, BASE_NONE, NULL, 0x0,
          "Value at the previous observation (read or write) of this register", HFILL } },
        { &hf_reg_changed, { "Changed", "modbus_an.reg.changed", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The value differs from the previous observation", HFILL } },
        { &hf_reg_access, { "Access", "modbus_an.reg.access", FT_STRING, BASE_NONE, NULL, 0x0,
          "\"read\" (a read response) or \"write\" (a write request)", HFILL } },
    };
    static gint *ett[] = { &ett_poll, &ett_hb, &ett_reg };
    static ei_register_info ei[] = {
        { &ei_hb_stall, { "modbus_an.hb.stall.expert", PI_SEQUENCE, PI_WARN,
          "Heartbeat stalled", EXPFILL } },
        { &ei_hb_recovered, { "modbus_an.hb.recovered.expert", PI_SEQUENCE, PI_NOTE,
          "Heartbeat recovered", EXPFILL } },
        { &ei_hb_reset, { "modbus_an.hb.reset.expert", PI_SEQUENCE, PI_WARN,
          "Heartbeat reset", EXPFILL } },
        { &ei_poll_gap, { "modbus_an.poll.gap.expert", PI_SEQUENCE, PI_NOTE,
          "Poll gap (period > 1.5 x cadence)", EXPFILL } },
    };
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto), ei, array_length(ei));

    prefs_register_filename_preference(m, "hb_defs_file", "Heartbeat definitions (hb_defs.json)",
        "The engineers' hb_defs.json: {\"name\": {\"pair_id\": \"client->server:port\", \"hb_reg_type\": 3, "
        "\"hb_dev_id\": unit, \"hb_start\": poll start, \"hb_reg\": register, \"hb_size\": poll count}}. "
        "Takes effect on the next file load.", &pref_hb_defs_file, FALSE);
    prefs_register_filename_preference(m, "pcap_monitor_file", "Site topology (pcap_monitor.json)",
        "The site's pcap_monitor.json; its \"heartbeats\" list defines heartbeat registers (dest_ip, "
        "dest_port, device_id, heartbeat_reg_type, heartbeat_offset, heartbeat_size in registers); its "
        "\"ip_addrs\" (server IP -> ports) and \"ips\".\"client\" (dest_ip, dest_port) entries are the "
        "expected topology. Takes effect on the next file load.",
        &pref_monitor_file, FALSE);
    prefs_register_uint_preference(m, "hb_stall_polls", "Heartbeat stall: unchanged polls",
        "A heartbeat is stalled after this many consecutive polls returned an unchanged value.", 10,
        &pref_stall_polls);
    prefs_register_string_preference(m, "hb_stall_factor", "Heartbeat stall: x cadence",
        "... or when its value has not changed for longer than this many times its poll cadence "
        "(median period); 0 turns this rule off.", &pref_stall_factor);
    prefs_register_bool_preference(m, "hb_auto", "Detect heartbeats",
        "List registers that behave like counters (>= 80% of >= 10 polls change, >= 80% of the changes by one "
        "step of +1..+16) as heartbeats and report their stalls.", &pref_auto);

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
    prefs_register_uat_preference(m, "heartbeats", "Heartbeat registers",
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
    prefs_register_uat_preference(m, "registers", "Watched registers",
        "Registers whose value is shown (modbus_an.reg.value) on every read response and write request", reg_uat);
}
