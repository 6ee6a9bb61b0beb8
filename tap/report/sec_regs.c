/* sec_regs.c - the register tables: poll groups and their gaps, heartbeats
 * and their stalls, watched registers and their changes
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Rules: docs/heartbeats.md (core/registers/ma_regs.h).
 */
#include "ma_sections.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "ma_modbus.h"
#include "ma_regs.h"

#define G(name, T, body) \
    static void name(const void *row, const void *ctx, ma_cell_t *o) { const T *r = row; (void)ctx; body; }

static char addr_buf[64];

/* ---- poll groups ---- */

typedef struct poll_row {
    unsigned index;                 /* 1-based, as modbus_an.poll.group */
    const ma_poll_group_t *g;
} poll_row_t;

G(pl_index, poll_row_t, o->v.u = r->index)
G(pl_pair, poll_row_t, o->v.s = r->g->pair->label)
G(pl_unit, poll_row_t, o->v.u = r->g->unit)
G(pl_fc, poll_row_t, o->v.u = r->g->fc)
G(pl_table, poll_row_t, o->v.s = ma_table_name(r->g->table))
G(pl_start, poll_row_t, o->v.u = r->g->start)
G(pl_count, poll_row_t, o->v.u = r->g->count)
G(pl_polls, poll_row_t, o->v.u = r->g->polls)
G(pl_cycles, poll_row_t, o->v.u = r->g->cycles)
G(pl_answers, poll_row_t, o->v.u = r->g->responses)
G(pl_cadence, poll_row_t, if (!r->g->cadence) o->null = true; else o->v.ns = r->g->cadence)
G(pl_jitter, poll_row_t, o->v.d = r->g->jitter_s)
G(pl_gaps, poll_row_t, o->v.u = r->g->gaps)
G(pl_missed, poll_row_t, o->v.u = r->g->missed_polls)
G(pl_first, poll_row_t, o->v.ns = r->g->first_ts)
G(pl_last, poll_row_t, o->v.ns = r->g->last_ts)
G(pl_first_frame, poll_row_t, o->v.u = r->g->first_frame)
G(pl_last_frame, poll_row_t, o->v.u = r->g->last_frame)
G(pl_bursty, poll_row_t, o->v.b = r->g->bursty)
G(pl_stopped, poll_row_t, o->v.b = r->g->stopped)
G(pl_state, poll_row_t, o->v.s = r->g->stopped ? "STOPPED" : r->g->gaps ? "gaps" : "ok")

static const ma_col_t poll_cols[] = {
    {"group", "#", MA_CT_COUNT, 0, 0, 0, "poll group number (modbus_an.poll.group)", pl_index},
    {"pair", "Pair", MA_CT_TEXT, 0, 0, 32, "client_ip -> server_ip:port", pl_pair},
    {"unit", "Unit", MA_CT_COUNT, 0, 0, 0, "unit id", pl_unit},
    {"fc", "FC", MA_CT_COUNT, 0, 0, 0, "function code of the read", pl_fc},
    {"table", NULL, MA_CT_TEXT, 0, 0, 0, "register table read: coils, discrete, holding, input", pl_table},
    {"start", "Start", MA_CT_COUNT, 0, 0, 0, "first address read", pl_start},
    {"count", "Cnt", MA_CT_COUNT, 0, 0, 0, "quantity read", pl_count},
    {"polls", "Polls", MA_CT_COUNT, 0, 0, 0, "requests of the group", pl_polls},
    {"cycles", NULL, MA_CT_COUNT, 0, 0, 0, "poll cycles (a burst of polls is one)", pl_cycles},
    {"answers", NULL, MA_CT_COUNT, 0, 0, 0, "responses to them", pl_answers},
    {"cadence", "Cadence s", MA_CT_DURATION, 3, 0, 0, "the group's typical cycle (s)", pl_cadence},
    {"jitter", NULL, MA_CT_REAL, 6, 0, 0, "population std of the cycle periods that are no gap (s)", pl_jitter},
    {"gaps", "Gaps", MA_CT_COUNT, 0, 0, 0, "periods > 1.5 x cadence and > poll_gap_min", pl_gaps},
    {"missed_polls", "Missed", MA_CT_COUNT, 0, 0, 0, "polls missed in the gaps", pl_missed},
    {"first_time", NULL, MA_CT_TIME, 0, 0, 0, "time of the first poll", pl_first},
    {"last_time", "Last poll", MA_CT_TIME, 0, 0, 0, "time of the last poll", pl_last},
    {"first_frame", NULL, MA_CT_FRAME, 0, 0, 0, "frame of the first poll", pl_first_frame},
    {"last_frame", NULL, MA_CT_FRAME, 0, 0, 0, "frame of the last poll", pl_last_frame},
    {"bursty", NULL, MA_CT_BOOL, 0, 0, 0, "polled in bursts (several polls per cycle)", pl_bursty},
    {"stopped", NULL, MA_CT_BOOL, 0, 0, 0, "the capture ended > 1.5 x cadence after its last poll", pl_stopped},
    {"state", "State", MA_CT_TEXT, 0, 0, 0, "STOPPED (before the capture end), gaps, or ok", pl_state},
};

const ma_tab_desc_t ma_desc_polls = {"polls", "Poll groups (one distinct read each), worst first", poll_cols,
                                     G_N_ELEMENTS(poll_cols)};

static int poll_worse(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    const poll_row_t *x = a, *y = b;
    if (x->g->stopped != y->g->stopped)
        return x->g->stopped ? -1 : 1;
    if (x->g->missed_polls != y->g->missed_polls)
        return x->g->missed_polls > y->g->missed_polls ? -1 : 1;
    if (x->g->gaps != y->g->gaps)
        return x->g->gaps > y->g->gaps ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

void ma_sec_polls(ma_tab_t *t, const ma_report_ctx_t *rc, unsigned *oneoff)
{
    ma_tab_init(t, &ma_desc_polls, rc, rc->t0);
    const ma_regs_t *r = ma_analysis_regs(rc->an);
    unsigned n = ma_regs_group_count(r), off = 0;
    for (unsigned i = 0; i < n; i++) {
        const ma_poll_group_t *g = ma_regs_group(r, i);
        if (g->one_off) {
            off++;
            continue;
        }
        poll_row_t *row = ma_tab_add_new(t, sizeof *row);
        row->index = i + 1;
        row->g = g;
    }
    ma_tab_sort(t, poll_worse);
    if (oneoff)
        *oneoff = off;
}

/* ---- poll gaps ---- */

typedef struct gap_row {
    unsigned index;
    const ma_poll_group_t *g;
    const ma_gap_t *x;
} gap_row_t;

G(gp_index, gap_row_t, o->v.u = r->index)
G(gp_pair, gap_row_t, o->v.s = r->g->pair->label)
G(gp_unit, gap_row_t, o->v.u = r->g->unit)
G(gp_fc, gap_row_t, o->v.u = r->g->fc)
G(gp_start, gap_row_t, o->v.u = r->g->start)
G(gp_before, gap_row_t, o->v.u = r->x->before_frame)
G(gp_after, gap_row_t, o->v.u = r->x->after_frame)
G(gp_time, gap_row_t, o->v.ns = r->x->before_ts)
G(gp_end, gap_row_t, o->v.ns = r->x->after_ts)
G(gp_period, gap_row_t, o->v.ns = r->x->after_ts - r->x->before_ts)
G(gp_cadence, gap_row_t, o->v.ns = r->x->cadence)
G(gp_missed, gap_row_t, {
    double k = r->x->cadence > 0 ? floor((double)(r->x->after_ts - r->x->before_ts) / (double)r->x->cadence + 0.5) - 1 : 1;
    o->v.u = k < 1 ? 1 : (uint64_t)k;
})

static const ma_col_t gap_cols[] = {
    {"group", "#", MA_CT_COUNT, 0, 0, 0, "poll group number", gp_index},
    {"pair", "Pair", MA_CT_TEXT, 0, 0, 32, "client_ip -> server_ip:port", gp_pair},
    {"unit", "Unit", MA_CT_COUNT, 0, 0, 0, "unit id", gp_unit},
    {"fc", "FC", MA_CT_COUNT, 0, 0, 0, "function code", gp_fc},
    {"start", "Start", MA_CT_COUNT, 0, 0, 0, "first address read", gp_start},
    {"before_frame", "From", MA_CT_FRAME, 0, 0, 0, "the last poll before the gap", gp_before},
    {"after_frame", "To", MA_CT_FRAME, 0, 0, 0, "the first poll after it", gp_after},
    {"start_time", "Since", MA_CT_TIME, 0, 0, 0, "time of the last poll before the gap", gp_time},
    {"end_time", NULL, MA_CT_TIME, 0, 0, 0, "time of the first poll after it", gp_end},
    {"period", "Period s", MA_CT_DURATION, 3, 0, 0, "length of the gap (s)", gp_period},
    {"cadence", "Cadence s", MA_CT_DURATION, 3, 0, 0, "the group's cadence (s)", gp_cadence},
    {"missed_polls", "Missed", MA_CT_COUNT, 0, 0, 0, "round(period / cadence) - 1, at least 1", gp_missed},
};

const ma_tab_desc_t ma_desc_poll_gaps = {"poll_gaps", "Poll gaps", gap_cols, G_N_ELEMENTS(gap_cols)};

void ma_sec_poll_gaps(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_poll_gaps, rc, rc->t0);
    const ma_regs_t *r = ma_analysis_regs(rc->an);
    for (unsigned i = 0; i < ma_regs_group_count(r); i++) {
        const ma_poll_group_t *g = ma_regs_group(r, i);
        for (uint32_t k = 0; k < g->gaps_listed; k++) {
            gap_row_t *row = ma_tab_add_new(t, sizeof *row);
            row->index = i + 1;
            row->g = g;
            row->x = &g->gap_list[k];
        }
    }
}

/* ---- heartbeats ---- */

typedef struct hb_row {
    const ma_hb_t     *h;    /* NULL: a definition no poll covered */
    const ma_hb_def_t *def;
} hb_row_t;

G(hb_name, hb_row_t, o->v.s = r->h ? r->h->name : r->def->name)
G(hb_source, hb_row_t, o->v.s = ma_hb_source_name(r->h ? r->h->source : r->def->source))
G(hb_pair, hb_row_t, if (!r->h) o->null = true; else o->v.s = r->h->pair->label)
G(hb_unit, hb_row_t, if (!r->h) o->null = true; else o->v.u = r->h->unit)
G(hb_table, hb_row_t, o->v.s = ma_table_name(r->h ? r->h->table : r->def->table))
G(hb_reg, hb_row_t, o->v.u = r->h ? r->h->reg : r->def->reg)
G(hb_bits, hb_row_t, o->v.u = 16u * (r->h ? r->h->words : r->def->words))
G(hb_polls, hb_row_t, o->v.u = r->h ? r->h->polls : 0)
G(hb_changes, hb_row_t, o->v.u = r->h ? r->h->changes : 0)
G(hb_stalls, hb_row_t, o->v.u = r->h ? r->h->stalls : 0)
G(hb_resets, hb_row_t, o->v.u = r->h ? r->h->resets : 0)
G(hb_longest, hb_row_t, if (!r->h || !r->h->stalls) o->null = true; else o->v.ns = r->h->longest_stall)
G(hb_last, hb_row_t, if (!r->h || !r->h->polls) o->null = true; else o->v.u = r->h->last_value)
G(hb_state, hb_row_t, o->v.s = !r->h ? "NOT POLLED" : !r->h->polls ? "never polled" : r->h->stalled ? "STALLED at end"
                                 : r->h->stalls ? "stalled, recovered" : "ok")

static const ma_col_t hb_cols[] = {
    {"name", "Heartbeat", MA_CT_TEXT, 0, 0, 24, "its name (hb_defs key, pcap_monitor id, UAT name, auto T A)", hb_name},
    {"source", NULL, MA_CT_TEXT, 0, 0, 0, "hb_defs, pcap_monitor, uat or auto", hb_source},
    {"pair", "Pair", MA_CT_TEXT, 0, 0, 32, "client_ip -> server_ip:port", hb_pair},
    {"unit", "Unit", MA_CT_COUNT, 0, 0, 0, "unit id", hb_unit},
    {"table", NULL, MA_CT_TEXT, 0, 0, 0, "register table", hb_table},
    {"register", "Reg", MA_CT_COUNT, 0, 0, 0, "the heartbeat register", hb_reg},
    {"bits", NULL, MA_CT_COUNT, 0, 0, 0, "16 or 32", hb_bits},
    {"polls", "Polls", MA_CT_COUNT, 0, 0, 0, "polls that read it", hb_polls},
    {"changes", "Chg", MA_CT_COUNT, 0, 0, 0, "polls where it changed", hb_changes},
    {"stalls", "Stalls", MA_CT_COUNT, 0, 0, 0, "stalls", hb_stalls},
    {"resets", "Resets", MA_CT_COUNT, 0, 0, 0, "decreases that are no counter wrap", hb_resets},
    {"longest_stall", "Longest s", MA_CT_DURATION, 3, 0, 0, "longest stall (s)", hb_longest},
    {"last_value", "Last", MA_CT_COUNT, 0, 0, 0, "value at the last poll", hb_last},
    {"state", "State", MA_CT_TEXT, 0, 0, 0, "ok, stalled and recovered, STALLED at end, never polled, NOT POLLED",
     hb_state},
};

const ma_tab_desc_t ma_desc_heartbeats = {"heartbeats", "Heartbeats", hb_cols, G_N_ELEMENTS(hb_cols)};

static int hb_worse(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    const hb_row_t *x = a, *y = b;
    bool sx = x->h && x->h->stalled, sy = y->h && y->h->stalled;
    if (sx != sy)
        return sx ? -1 : 1;
    uint64_t nx = x->h ? x->h->stalls + x->h->resets : 0, ny = y->h ? y->h->stalls + y->h->resets : 0;
    return nx > ny ? -1 : nx < ny;
}

void ma_sec_heartbeats(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_heartbeats, rc, rc->t0);
    const ma_regs_t *r = ma_analysis_regs(rc->an);
    for (unsigned i = 0; i < ma_regs_hb_count(r); i++) {
        hb_row_t *row = ma_tab_add_new(t, sizeof *row);
        row->h = ma_regs_hb(r, i);
    }
    for (unsigned i = 0; i < ma_regs_def_count(r); i++) {
        if (ma_regs_def_instances(r, i))
            continue;
        hb_row_t *row = ma_tab_add_new(t, sizeof *row);
        row->def = ma_regs_def(r, i);
    }
    ma_tab_sort(t, hb_worse);
}

/* ---- stalls ---- */

typedef struct stall_row {
    const ma_hb_t *h;
    const ma_hb_stall_t *s;
} stall_row_t;

G(st_name, stall_row_t, o->v.s = r->h->name)
G(st_pair, stall_row_t, o->v.s = r->h->pair->label)
G(st_start_frame, stall_row_t, o->v.u = r->s->start_frame)
G(st_start, stall_row_t, o->v.ns = r->s->start_ts)
G(st_end_frame, stall_row_t, o->v.u = r->s->end_frame)
G(st_end, stall_row_t, if (!r->s->end_frame) o->null = true; else o->v.ns = r->s->end_ts)
G(st_last, stall_row_t, o->v.ns = r->s->last_ts)
G(st_dur, stall_row_t, o->v.ns = (r->s->end_frame ? r->s->end_ts : r->s->last_ts) - r->s->start_ts)
G(st_polls, stall_row_t, o->v.u = r->s->polls)
G(st_value, stall_row_t, o->v.u = r->s->value)
G(st_state, stall_row_t, o->v.s = r->s->end_frame ? "recovered" : "still stalled at end")

static const ma_col_t stall_cols[] = {
    {"heartbeat", "Heartbeat", MA_CT_TEXT, 0, 0, 24, "the heartbeat", st_name},
    {"pair", NULL, MA_CT_TEXT, 0, 0, 0, "client_ip -> server_ip:port", st_pair},
    {"start_frame", "From", MA_CT_FRAME, 0, 0, 0, "its first unchanged poll", st_start_frame},
    {"start_time", "Start", MA_CT_TIME, 0, 0, 0, "time of the first unchanged poll", st_start},
    {"end_frame", "To", MA_CT_FRAME, 0, 0, 0, "the first changed poll (null: still stalled at end)", st_end_frame},
    {"end_time", NULL, MA_CT_TIME, 0, 0, 0, "time of the first changed poll", st_end},
    {"last_poll_time", NULL, MA_CT_TIME, 0, 0, 0, "time of the last unchanged poll", st_last},
    {"duration", "Dur s", MA_CT_DURATION, 3, 0, 0, "end (or last unchanged poll) - start (s)", st_dur},
    {"polls", "Polls", MA_CT_COUNT, 0, 0, 0, "unchanged polls", st_polls},
    {"value", "Value", MA_CT_COUNT, 0, 0, 0, "the value it stuck at", st_value},
    {"state", "State", MA_CT_TEXT, 0, 0, 0, "recovered or still stalled at end", st_state},
};

const ma_tab_desc_t ma_desc_stalls = {"stalls", "Heartbeat stalls (start: first unchanged poll; end: first changed)",
                                      stall_cols, G_N_ELEMENTS(stall_cols)};

void ma_sec_stalls(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_stalls, rc, rc->t0);
    const ma_regs_t *r = ma_analysis_regs(rc->an);
    for (unsigned i = 0; i < ma_regs_hb_count(r); i++) {
        const ma_hb_t *h = ma_regs_hb(r, i);
        for (uint32_t k = 0; k < h->stalls_listed; k++) {
            stall_row_t *row = ma_tab_add_new(t, sizeof *row);
            row->h = h;
            row->s = &h->list[k];
        }
    }
}

/* ---- watched registers ---- */

G(wt_name, ma_watch_t, o->v.s = r->def->name)
G(wt_server, ma_watch_t, ma_addr_format(&r->server, addr_buf, sizeof addr_buf); o->v.s = addr_buf)
G(wt_port, ma_watch_t, o->v.u = r->port)
G(wt_unit, ma_watch_t, o->v.u = r->unit)
G(wt_table, ma_watch_t, o->v.s = ma_table_name(r->def->table))
G(wt_addr, ma_watch_t, o->v.u = r->def->addr)
G(wt_reads, ma_watch_t, o->v.u = r->reads)
G(wt_writes, ma_watch_t, o->v.u = r->writes)
G(wt_changes, ma_watch_t, o->v.u = r->changes)
G(wt_first, ma_watch_t, if (!(r->reads + r->writes)) o->null = true; else o->v.d = r->first_value)
G(wt_last, ma_watch_t, if (!(r->reads + r->writes)) o->null = true; else o->v.d = r->last_value)

static const ma_col_t watch_cols[] = {
    {"name", "Register", MA_CT_TEXT, 0, 0, 24, "the watched register's name (UAT)", wt_name},
    {"server", "Server", MA_CT_TEXT, 0, 0, 0, "server IP address", wt_server},
    {"port", NULL, MA_CT_COUNT, 0, 0, 0, "server port", wt_port},
    {"unit", "Unit", MA_CT_COUNT, 0, 0, 0, "unit id", wt_unit},
    {"table", "Table", MA_CT_TEXT, 0, 0, 0, "register table", wt_table},
    {"address", "Addr", MA_CT_COUNT, 0, 0, 0, "address", wt_addr},
    {"reads", "Reads", MA_CT_COUNT, 0, 0, 0, "read responses that carried it", wt_reads},
    {"writes", "Writes", MA_CT_COUNT, 0, 0, 0, "write requests that carried it", wt_writes},
    {"changes", "Chg", MA_CT_COUNT, 0, 0, 0, "value changes", wt_changes},
    {"first_value", "First", MA_CT_REAL, 6, 0, 0, "first value seen", wt_first},
    {"last_value", "Last", MA_CT_REAL, 6, 0, 0, "last value seen", wt_last},
};

const ma_tab_desc_t ma_desc_registers = {"registers", "Watched registers", watch_cols, G_N_ELEMENTS(watch_cols)};

void ma_sec_registers(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_registers, rc, rc->t0);
    const ma_regs_t *r = ma_analysis_regs(rc->an);
    for (unsigned i = 0; i < ma_regs_watch_count(r); i++)
        ma_tab_add(t, ma_regs_watch(r, i));
}

typedef struct change_row {
    const ma_watch_t *w;
    const ma_reg_change_t *c;
} change_row_t;

G(ch_name, change_row_t, o->v.s = r->w->def->name)
G(ch_frame, change_row_t, o->v.u = r->c->frame)
G(ch_time, change_row_t, o->v.ns = r->c->ts)
G(ch_prev, change_row_t, o->v.d = r->c->prev)
G(ch_value, change_row_t, o->v.d = r->c->value)
G(ch_kind, change_row_t, o->v.s = r->c->write ? "write" : "read")

static const ma_col_t change_cols[] = {
    {"register", "Register", MA_CT_TEXT, 0, 0, 24, "the watched register", ch_name},
    {"frame", "Frame", MA_CT_FRAME, 0, 0, 0, "frame of the change", ch_frame},
    {"time", "Time", MA_CT_TIME, 0, 0, 0, "time of the change", ch_time},
    {"previous", "From", MA_CT_REAL, 6, 0, 0, "value before", ch_prev},
    {"value", "To", MA_CT_REAL, 6, 0, 0, "value after", ch_value},
    {"kind", "By", MA_CT_TEXT, 0, 0, 0, "read (a response) or write (a request)", ch_kind},
};

const ma_tab_desc_t ma_desc_register_changes = {"register_changes", "Changes of the watched registers", change_cols,
                                                G_N_ELEMENTS(change_cols)};

void ma_sec_register_changes(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_register_changes, rc, rc->t0);
    const ma_regs_t *r = ma_analysis_regs(rc->an);
    for (unsigned i = 0; i < ma_regs_watch_count(r); i++) {
        const ma_watch_t *w = ma_regs_watch(r, i);
        for (uint32_t k = 0; k < w->changes_listed; k++) {
            change_row_t *row = ma_tab_add_new(t, sizeof *row);
            row->w = w;
            row->c = &w->list[k];
        }
    }
}
