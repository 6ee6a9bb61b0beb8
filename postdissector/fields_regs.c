/* fields_regs.c - modbus_an fields and expert info of the register
 * analysis: poll groups, heartbeats, watched registers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The analysis itself is core/registers (docs/heartbeats.md); this file
 * turns its per-PDU records into modbus_an.poll.*, modbus_an.hb.* and
 * modbus_an.reg.* items.
 */
#include "fields_regs.h"

#include <epan/expert.h>

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

/* ---- display ---- */

static void add_time(proto_tree *t, int hf, tvbuff_t *tvb, ma_ns_t ns)
{
    nstime_t v = {.secs = (time_t)(ns / MA_NS_PER_SEC), .nsecs = (int)(ns % MA_NS_PER_SEC)};
    proto_item_set_generated(proto_tree_add_time(t, hf, tvb, 0, 0, &v));
}

/* A flag, shown only when set. */
static void add_flag(proto_tree *t, int hf, tvbuff_t *tvb, gboolean v)
{
    if (!v)
        return;
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
        expert_add_info(pinfo, ti, &ei_hb_stall);
        wmem_strbuf_append(info, " [hb stalled]");
    }
    if (o->flags & MA_HBO_RECOVERED) {
        add_flag(t, hf_hb_recovered, tvb, TRUE);
        add_time(t, hf_hb_stall_duration, tvb, o->stall_duration);
        expert_add_info(pinfo, ti, &ei_hb_recovered);
        wmem_strbuf_append(info, " [hb recovered]");
    }
    if (o->flags & MA_HBO_RESET) {
        add_flag(t, hf_hb_reset, tvb, TRUE);
        expert_add_info(pinfo, ti, &ei_hb_reset);
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

void ma_fields_regs_show(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const ma_regs_t *regs,
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
        /* cadence and gaps are judged at the end of the first pass */
        ma_ns_t cadence;
        bool gap = ma_regs_poll_gap(regs, rec, &cadence);
        if (cadence > 0 && rec->period >= 0)
            add_time(t, hf_poll_cadence, tvb, cadence);
        if (gap) {
            add_flag(t, hf_poll_gap, tvb, true);
            expert_add_info(pinfo, ti, &ei_poll_gap);
            wmem_strbuf_append(info, " [poll gap]");
        }
    }
    for (unsigned i = 0; i < rec->n_hb; i++)
        show_hb(st, tvb, pinfo, regs, &ma_regs_rec_hb(rec)[i], info);
    for (unsigned i = 0; i < rec->n_reg; i++)
        show_reg(st, tvb, regs, &ma_regs_rec_reg(rec)[i]);
}

/* ---- registration ---- */

void ma_fields_regs_register(int proto)
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
          "The group's typical cycle, judged at the end of the first pass: the median of its periods, or of "
          "the periods between its bursts when it is polled in bursts (seconds; needs -2 in tshark)", HFILL } },
        { &hf_poll_gap, { "Gap", "modbus_an.poll.gap", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The period before this request exceeds 1.5 x the cadence and the poll_gap_min preference: polls were "
          "missed (judged at the end of the first pass; needs -2 in tshark)", HFILL } },
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
          "Poll gap: polls of this group were missed before this one", EXPFILL } },
    };
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto), ei, array_length(ei));
}
