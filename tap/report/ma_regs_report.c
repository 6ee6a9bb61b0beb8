/* ma_regs_report.c - text sections of -z modbus_an,stat for poll groups,
 * heartbeats and watched registers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Plain C (no epan types). Times are absolute (epoch seconds, 6 decimals,
 * and UTC wall clock) so a reader can line them up with other logs.
 */
#include <inttypes.h>
#include <math.h>
#include <time.h>

#include "ma_regs_report.h"
#include "ma_timefmt.h"

static double sec(ma_ns_t ns)
{
    return (double)ns / 1e9;
}

static void heartbeats(FILE *out, const ma_regs_t *r)
{
    const ma_regs_config_t *cfg = ma_regs_config(r);
    unsigned n = ma_regs_hb_count(r);
    fprintf(out, "Heartbeats: %u (stalled after %u unchanged polls or > %g x cadence; auto-detection %s)\n", n,
            cfg->stall_polls, cfg->stall_factor, cfg->auto_detect ? "on" : "off");
    if (n == 0 && ma_regs_def_count(r) == 0)
        return;
    fprintf(out, "  %-24s %-12s %-40s %4s %-8s %5s %4s %8s %8s %6s %6s %11s %10s  %s\n", "Name", "Source", "Pair",
            "Unit", "Table", "Reg", "Bits", "Polls", "Changes", "Stalls", "Resets", "Longest(s)", "Last", "State");
    for (unsigned i = 0; i < n; i++) {
        const ma_hb_t *h = ma_regs_hb(r, i);
        fprintf(out, "  %-24s %-12s %-40s %4u %-8s %5u %4u %8" PRIu64 " %8" PRIu64 " %6" PRIu64 " %6" PRIu64
                " %11.6f %10u  %s\n", h->name, ma_hb_source_name(h->source), h->pair->label, h->unit,
                ma_table_name(h->table), h->reg, 16u * h->words, h->polls, h->changes, h->stalls, h->resets,
                sec(h->longest_stall), h->last_value, h->polls == 0 ? "never polled"
                : h->stalled ? "STALLED at end" : "ok");
    }
    for (unsigned i = 0; i < ma_regs_def_count(r); i++) {
        const ma_hb_def_t *d = ma_regs_def(r, i);
        if (ma_regs_def_instances(r, i) == 0)
            fprintf(out, "  %-24s %-12s %-40s %4s %-8s %5u %4u  NOT POLLED: no read of this pair/unit/table "
                    "covered it%s\n", d->name, ma_hb_source_name(d->source), "-", "-", ma_table_name(d->table),
                    d->reg, 16u * d->words, d->poll_start >= 0 ? " with this start/count" : "");
    }
    fprintf(out, "Heartbeat stalls (start = first unchanged poll, end = first changed poll)\n");
    char a[64], b[64];
    unsigned listed = 0;
    for (unsigned i = 0; i < n; i++) {
        const ma_hb_t *h = ma_regs_hb(r, i);
        for (uint32_t k = 0; k < h->stalls_listed; k++) {
            const ma_hb_stall_t *s = &h->list[k];
            listed++;
            if (s->end_frame)
                fprintf(out, "  %s: start frame %u at %s, end frame %u at %s, %.6f s, %u unchanged polls, "
                        "value %u\n", h->name, s->start_frame, ma_time_when(s->start_ts, a, sizeof a), s->end_frame,
                        ma_time_when(s->end_ts, b, sizeof b), sec(s->end_ts - s->start_ts), s->polls, s->value);
            else
                fprintf(out, "  %s: start frame %u at %s, still stalled at end (last poll %s), %.6f s, "
                        "%u unchanged polls, value %u\n", h->name, s->start_frame, ma_time_when(s->start_ts, a, sizeof a),
                        ma_time_when(s->last_ts, b, sizeof b), sec(s->last_ts - s->start_ts), s->polls, s->value);
        }
        if (h->stalls > h->stalls_listed)
            fprintf(out, "  %s: %" PRIu64 " more stalls not listed\n", h->name, h->stalls - h->stalls_listed);
    }
    if (listed == 0)
        fprintf(out, "  none\n");
}

static void groups(FILE *out, const ma_regs_t *r)
{
    unsigned n = ma_regs_group_count(r);
    fprintf(out, "Poll groups: %u (gap: period > %.1f x cadence)\n", n, MA_REGS_GAP_FACTOR);
    if (ma_regs_groups_dropped(r))
        fprintf(out, "  %" PRIu64 " polls of further groups not tracked (bound reached)\n", ma_regs_groups_dropped(r));
    if (n == 0)
        return;
    fprintf(out, "  %4s %-40s %4s %3s %5s %5s %8s %8s %11s %11s %6s %7s  %-36s %-36s %s\n", "#", "Pair", "Unit", "FC",
            "Start", "Count", "Polls", "Answers", "Cadence(s)", "Jitter(s)", "Gaps", "Missed", "First", "Last",
            "State");
    char a[64], b[64];
    for (unsigned i = 0; i < n; i++) {
        const ma_poll_group_t *g = ma_regs_group(r, i);
        fprintf(out, "  %4u %-40s %4u %3u %5u %5u %8" PRIu64 " %8" PRIu64 " %11.6f %11.6f %6" PRIu64 " %7" PRIu64
                "  %-36s %-36s %s\n", i + 1, g->pair->label, g->unit, g->fc, g->start, g->count, g->polls,
                g->responses, sec(g->cadence), g->jitter_s, g->gaps, g->missed_polls, ma_time_when(g->first_ts, a, sizeof a),
                ma_time_when(g->last_ts, b, sizeof b), g->stopped ? "STOPPED before end" : "polled to end");
    }
    fprintf(out, "Poll gaps\n");
    unsigned listed = 0;
    for (unsigned i = 0; i < n; i++) {
        const ma_poll_group_t *g = ma_regs_group(r, i);
        for (uint32_t k = 0; k < g->gaps_listed; k++, listed++) {
            const ma_gap_t *x = &g->gap_list[k];
            fprintf(out, "  group %u: frame %u at %s to frame %u, %.6f s (cadence %.6f s)\n", i + 1,
                    x->before_frame, ma_time_when(x->before_ts, a, sizeof a), x->after_frame, sec(x->after_ts - x->before_ts),
                    sec(x->cadence));
        }
        if (g->gaps > g->gaps_listed)
            fprintf(out, "  group %u: %" PRIu64 " more gaps not listed\n", i + 1, g->gaps - g->gaps_listed);
    }
    if (listed == 0)
        fprintf(out, "  none\n");
}

static void watches(FILE *out, const ma_regs_t *r)
{
    unsigned n = ma_regs_watch_count(r);
    fprintf(out, "Watched registers: %u\n", n);
    char a[64], srv[64];
    for (unsigned i = 0; i < n; i++) {
        const ma_watch_t *w = ma_regs_watch(r, i);
        ma_addr_format(&w->server, srv, sizeof srv);
        fprintf(out, "  %s: %s:%u unit %u %s %u: %" PRIu64 " reads, %" PRIu64 " writes, %" PRIu64
                " changes, first %.10g, last %.10g\n", w->def->name, srv, w->port, w->unit,
                ma_table_name(w->def->table), w->def->addr, w->reads, w->writes, w->changes, w->first_value,
                w->last_value);
        for (uint32_t k = 0; k < w->changes_listed; k++) {
            const ma_reg_change_t *c = &w->list[k];
            fprintf(out, "    frame %u at %s: %.10g -> %.10g (%s)\n", c->frame, ma_time_when(c->ts, a, sizeof a), c->prev,
                    c->value, c->write ? "write" : "read");
        }
        if (w->changes > w->changes_listed)
            fprintf(out, "    %" PRIu64 " more changes not listed\n", w->changes - w->changes_listed);
    }
}

void ma_regs_report_text(FILE *out, const ma_regs_t *r)
{
    if (!r)
        return;
    fprintf(out, "\n");
    groups(out, r);
    heartbeats(out, r);
    watches(out, r);
}
