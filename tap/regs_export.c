/* regs_export.c - tshark -z modbus_an,registers,<file.csv>: every value of a
 * watched register (read response or write request) and of a heartbeat
 * (read response), one row each, in capture order.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Columns: frame, time (epoch seconds, 9 decimals), kind ("reg" or "hb"),
 * name, pair, unit, table, address, access ("read"/"write"), value,
 * previous (empty on the first observation), changed (0/1), state (hb:
 * "stall" at the poll where a stall was detected, "stalled", "recovered",
 * "reset", "wrap" joined with '+'; empty otherwise).
 * Register records are final in the first pass, so one pass suffices.
 */
#include <epan/packet.h>

#include "lifecycle.h"
#include "preferences.h"
#include "taps.h"
#include "ma_table.h"

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char    *path;
    FILE    *out;
    guint64  rows;
} regs_ctx_t;

static void row_head(FILE *f, packet_info *pinfo, const char *kind, const char *name, const char *pair,
                     unsigned unit, ma_table_t table, unsigned addr, const char *access)
{
    fprintf(f, "%u,%" G_GINT64_FORMAT ".%09d,%s,", pinfo->num, (gint64)pinfo->abs_ts.secs, pinfo->abs_ts.nsecs,
            kind);
    ma_csv_field(f, name);
    fputc(',', f);
    ma_csv_field(f, pair);
    fprintf(f, ",%u,%s,%u,%s,", unit, ma_table_name(table), addr, access);
}

static tap_packet_status regs_packet(void *p, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
                                     tap_flags_t flags _U_)
{
    regs_ctx_t *c = p;
    const ma_tap_pdu_t *tp = data;
    const ma_regs_t *r = ma_analysis_regs(tp->an);
    if (!c->out || !r || !tp->regs)
        return TAP_PACKET_DONT_REDRAW;
    const struct { const ma_pdu_t *pdu; const ma_regs_rec_t *rec; } tt = {tp->pdu, tp->regs}, *t = &tt;
    const char *pair = t->pdu->pair ? t->pdu->pair->label : "";
    for (unsigned i = 0; i < t->rec->n_reg; i++) {
        const ma_reg_obs_t *o = &ma_regs_rec_reg(t->rec)[i];
        const ma_watch_t *w = ma_regs_watch(r, o->watch);
        row_head(c->out, pinfo, "reg", w->def->name, pair, t->pdu->unit, w->def->table, w->def->addr,
                 (o->flags & MA_REGO_WRITE) ? "write" : "read");
        fprintf(c->out, "%.17g,", o->value);
        if (!(o->flags & MA_REGO_FIRST))
            fprintf(c->out, "%.17g", o->prev);
        fprintf(c->out, ",%d,\n", (o->flags & MA_REGO_CHANGED) ? 1 : 0);
        c->rows++;
    }
    for (unsigned i = 0; i < t->rec->n_hb; i++) {
        const ma_hb_obs_t *o = &ma_regs_rec_hb(t->rec)[i];
        const ma_hb_t *h = ma_regs_hb(r, o->hb);
        row_head(c->out, pinfo, "hb", h->name, pair, h->unit, h->table, h->reg, "read");
        fprintf(c->out, "%u,", o->value);
        if (!(o->flags & MA_HBO_FIRST))
            fprintf(c->out, "%u", o->prev);
        fprintf(c->out, ",%d,", (o->flags & MA_HBO_CHANGED) ? 1 : 0);
        static const struct { uint16_t flag; const char *name; } states[] = {
            {MA_HBO_STALL, "stall"}, {MA_HBO_STALLED, "stalled"}, {MA_HBO_RECOVERED, "recovered"},
            {MA_HBO_RESET, "reset"}, {MA_HBO_WRAP, "wrap"},
        };
        const char *sep = "";
        for (size_t k = 0; k < G_N_ELEMENTS(states); k++)
            if (o->flags & states[k].flag) {
                fprintf(c->out, "%s%s", sep, states[k].name);
                sep = "+";
            }
        fputc('\n', c->out);
        c->rows++;
    }
    return TAP_PACKET_DONT_REDRAW;
}

static void regs_draw(void *p)
{
    regs_ctx_t *c = p;
    if (!c->out)
        return;
    if (fflush(c->out) != 0 || ferror(c->out))
        ma_cli_fail("error writing %s: %s", c->path, g_strerror(errno));
    printf("modbus_an registers: %" G_GUINT64_FORMAT " values written to %s\n", c->rows, c->path);
}

static void regs_finish(void *p)
{
    regs_ctx_t *c = p;
    if (c->out)
        fclose(c->out);
    g_free(c->path);
    g_free(c);
}

void ma_regs_export_start(const char *path)
{
    regs_ctx_t *c = g_new0(regs_ctx_t, 1);
    c->path = g_strdup(path);
    c->out = fopen(c->path, "w");
    if (!c->out)
        ma_cli_fail("can't write %s: %s", c->path, g_strerror(errno));
    fputs("frame,time,kind,name,pair,unit,table,address,access,value,previous,changed,state\n", c->out);
    GString *err = register_tap_listener(MODBUS_AN_TAP, c, NULL, TL_REQUIRES_NOTHING, NULL, regs_packet,
                                         regs_draw, regs_finish);
    if (err)
        ma_cli_fail("%s", err->str);
}
