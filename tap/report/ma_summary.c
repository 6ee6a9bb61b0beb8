/* ma_summary.c - the first look: a capture's problems worst first, its
 * verdict (keep or discard), its totals and its publishing topics
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A problem is one kind of anomaly at one place (a pair and unit, a pair, a
 * heartbeat, a poll group, the Spanning Tree): how many, the first frame,
 * and where its detail is (a -z section and a display filter). Kinds in
 * order of severity (what an engineer acts on first): missed requests;
 * failed or reset connections; stalled heartbeats; poll groups that stopped;
 * late answers; transaction-id faults; Spanning Tree events; expected
 * servers that were silent; delayed answers; TCP retransmissions; poll
 * gaps; exception responses; capture duplicates; orphan responses after
 * the first response_timeout of the capture (earlier ones are answers to
 * requests sent before the capture started); unexpected pairs.
 */
#include "ma_sections.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "ma_cause.h"
#include "ma_net.h"
#include "ma_regs.h"
#include "ma_stp.h"

typedef struct problem {
    unsigned    severity;   /* 0: worst */
    const char *kind;
    char       *where;
    uint64_t    count;
    uint32_t    first_frame;
    ma_ns_t     first_ts;
    const char *section;    /* -z modbus_an,<section> */
    const char *filter;     /* a display filter selecting the frames */
    bool        two_pass;   /* the filter needs -2 in tshark */
} problem_t;

#define G(name, body) \
    static void name(const void *row, const void *ctx, ma_cell_t *o) { const problem_t *r = row; (void)ctx; body; }

G(pr_sev, o->v.u = r->severity)
G(pr_kind, o->v.s = r->kind)
G(pr_count, o->v.u = r->count)
G(pr_where, o->v.s = r->where)
G(pr_frame, o->v.u = r->first_frame)
G(pr_time, if (!r->first_frame) o->null = true; else o->v.ns = r->first_ts)
G(pr_section, o->v.s = r->section)
G(pr_filter, o->v.s = r->filter)
G(pr_two, o->v.b = r->two_pass)

static const ma_col_t problem_cols[] = {
    {"severity", NULL, MA_CT_COUNT, 0, 0, 0, "0 = worst (the order of the list)", pr_sev},
    {"problem", "Problem", MA_CT_TEXT, 0, 0, 0, "what", pr_kind},
    {"count", "Count", MA_CT_COUNT, 0, 0, 0, "how many", pr_count},
    {"where", "Where", MA_CT_TEXT, 0, 0, 40, "pair (and unit), heartbeat, poll group or bridge", pr_where},
    {"first_frame", "First", MA_CT_FRAME, 0, 0, 0, "the first frame showing it", pr_frame},
    {"first_time", NULL, MA_CT_TIME, 0, 0, 0, "its time", pr_time},
    {"detail", "-z modbus_an,", MA_CT_TEXT, 0, MA_COL_LEFT, 0, "the output with the detail: -z modbus_an,<detail>",
     pr_section},
    {"filter", "Filter", MA_CT_TEXT, 0, 0, 28, "a display filter for its frames", pr_filter},
    {"needs_two_pass", NULL, MA_CT_BOOL, 0, 0, 0, "the filter needs tshark -2 (request-side fields)", pr_two},
};

const ma_tab_desc_t ma_desc_problems = {"problems", "Problems, worst first", problem_cols,
                                        G_N_ELEMENTS(problem_cols)};

/* ---- collection ---- */

static ma_ns_t ts_of(const ma_analysis_t *an, uint32_t frame)
{
    const ma_frame_rec_t *fr = ma_analysis_frame_rec(an, frame);
    return fr ? fr->ts : 0;
}

static void add(ma_tab_t *t, unsigned sev, const char *kind, char *where, uint64_t count, uint32_t frame,
                ma_ns_t ts, const char *section, const char *filter, bool two_pass)
{
    if (!count) {
        g_free(where);
        return;
    }
    problem_t *p = ma_tab_add_new(t, sizeof *p);
    *p = (problem_t){sev, kind, where, count, frame, ts, section, filter, two_pass};
    ma_tab_own(t, where);
}

/* First frames per (pair, unit): missed, late and delayed (their deciding
 * frames), tid reuse, exceptions, tid mismatches and orphans. */
typedef struct unit_first {
    uint32_t missed, late, delayed, reuse, exc, mismatch, orphan;
    uint64_t orphans_late;     /* orphans after the first response_timeout */
} unit_first_t;

static unit_first_t *first_of(GHashTable *h, const ma_pair_t *pair, unsigned unit)
{
    gpointer key = GUINT_TO_POINTER(((guint)pair->id << 8 | unit) + 1);
    unit_first_t *u = g_hash_table_lookup(h, key);
    if (!u) {
        u = g_new0(unit_first_t, 1);
        g_hash_table_insert(h, key, u);
    }
    return u;
}

static void first_set(uint32_t *f, uint32_t frame)
{
    if (frame && (!*f || frame < *f))
        *f = frame;
}

static char *unit_where(const ma_pair_t *p, unsigned unit)
{
    return g_strdup_printf("%s unit %u", p->label, unit);
}

static void transaction_problems(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    const ma_analysis_t *an = rc->an;
    GHashTable *h = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    ma_core_t *core = ma_analysis_core(an);
    for (uint32_t i = 0; i < ma_core_txn_count(core); i++) {
        const ma_txn_t *x = ma_core_txn_at(core, i);
        if (!x->pair || !ma_analysis_txn_reported(an, x))
            continue;
        unit_first_t *u = first_of(h, x->pair, x->unit);
        if (x->outcome == MA_OUT_MISSED)
            first_set(&u->missed, x->req_frame);
        if (x->outcome == MA_OUT_LATE)
            first_set(&u->late, x->resp_frame);
        if (x->flags & MA_TXN_DELAYED)
            first_set(&u->delayed, x->resp_frame);
        if (x->flags & MA_TXN_TID_REUSE)
            first_set(&u->reuse, x->req_frame);
    }
    ma_ns_t orphan_after = rc->t0 + ma_analysis_config(an)->pairing.response_timeout;
    uint32_t cap = ma_analysis_frame_cap(an);
    for (uint32_t f = 1; f < cap; f++) {
        const ma_frame_rec_t *fr = ma_analysis_frame_rec(an, f);
        for (unsigned i = 0; fr && i < fr->n; i++) {
            const ma_pdu_t *p = &fr->pdu[i];
            if (p->kind != MA_PDU_RESPONSE || !p->pair || !ma_analysis_pdu_reported(an, fr, p))
                continue;
            unit_first_t *u = first_of(h, p->pair, p->unit);
            if (p->flags & MA_PDU_EXCEPTION)
                first_set(&u->exc, f);
            if (p->flags & MA_PDU_TID_MISMATCH)
                first_set(&u->mismatch, f);
            if ((p->flags & MA_PDU_ORPHAN) && fr->ts > orphan_after) {
                first_set(&u->orphan, f);
                u->orphans_late++;
            }
        }
    }
    for (unsigned i = 0; i < ma_stats_nrows(rc->stats); i++) {
        const ma_row_t *r = ma_stats_row(rc->stats, i);
        if (!r->pair || r->unit == MA_UNIT_ALL)
            continue;
        unit_first_t *u = first_of(h, r->pair, r->unit);
        add(t, 0, "missed", unit_where(r->pair, r->unit), r->missed, u->missed, ts_of(an, u->missed), "stat",
            "modbus_an.missed", true);
        add(t, 4, "late", unit_where(r->pair, r->unit), r->late, u->late, ts_of(an, u->late), "stat",
            "modbus_an.late", false);
        uint32_t tf = u->reuse && u->mismatch ? MIN(u->reuse, u->mismatch) : u->reuse ? u->reuse : u->mismatch;
        add(t, 5, "tid faults", unit_where(r->pair, r->unit), r->tid_reuse + r->tid_mismatch, tf, ts_of(an, tf),
            "stat", "modbus_an.tid_reuse || modbus_an.tid_mismatch", false);
        add(t, 8, "delayed", unit_where(r->pair, r->unit), r->delayed, u->delayed, ts_of(an, u->delayed), "stat",
            "modbus_an.delayed", false);
        add(t, 11, "exceptions", unit_where(r->pair, r->unit), r->exceptions, u->exc, ts_of(an, u->exc), "stat",
            "modbus_an.exception", false);
        add(t, 13, "orphans", unit_where(r->pair, r->unit), u->orphans_late, u->orphan, ts_of(an, u->orphan),
            "stat", "modbus_an.orphan", false);
    }
    g_hash_table_destroy(h);
}

static void network_problems(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    const ma_analysis_t *an = rc->an;
    ma_net_t *net = ma_analysis_net(an);
    if (!net)
        return;
    uint32_t np = ma_net_pair_count(net);
    uint32_t *failed = g_new0(uint32_t, np + 1), *reset = g_new0(uint32_t, np + 1);
    uint32_t *retr = g_new0(uint32_t, np + 1), *dup = g_new0(uint32_t, np + 1);
    for (uint32_t i = 0; i < ma_net_conn_count(net); i++) {
        const ma_net_conn_t *c = ma_net_conn_at(net, i);
        uint32_t id = c->pair->id;
        if (id >= np)
            continue;
        if (c->attempt == MA_ATT_REFUSED || c->attempt == MA_ATT_TIMEOUT)
            first_set(&failed[id], c->first_frame);
        if (c->session_reset)
            first_set(&reset[id], c->end_frame);
    }
    uint32_t cap = ma_analysis_frame_cap(an);
    for (uint32_t f = 1; f < cap; f++) {
        const ma_frame_rec_t *fr = ma_analysis_frame_rec(an, f);
        if (!fr || !ma_frame_seg(fr) || !ma_frame_seg(fr)->conn)
            continue;
        uint32_t id = ma_frame_seg(fr)->conn->pair->id;
        if (id >= np)
            continue;
        if (ma_frame_seg(fr)->analysis & MA_TCPA_ANY_RETRANS)
            first_set(&retr[id], f);
        if (ma_frame_seg(fr)->what & MA_SEG_DUPLICATE)
            first_set(&dup[id], f);
    }
    for (uint32_t i = 0; i < np; i++) {
        const ma_net_pair_t *p = ma_net_pair_stats(net, i);
        if (!p || !p->pair)
            continue;
        const char *l = p->pair->label;
        add(t, 1, "failed connections", g_strdup(l), (uint64_t)p->refused + p->timeout, failed[i],
            ts_of(an, failed[i]), "connections", "modbus_an.conn.failed", false);
        add(t, 1, "connection resets", g_strdup(l), (uint64_t)p->resets_by_client + p->resets_by_server, reset[i],
            ts_of(an, reset[i]), "connections", "modbus_an.conn.reset", false);
        uint64_t rt = 0;
        for (int d = 0; d < 2; d++)
            rt += p->ta[d][MA_TA_RETRANS] + p->ta[d][MA_TA_FAST] + p->ta[d][MA_TA_SPURIOUS];
        add(t, 9, "retransmissions", g_strdup(l), rt, retr[i], ts_of(an, retr[i]), "tcp",
            "modbus_an.tcp.retransmission", false);
        add(t, 12, "capture duplicates", g_strdup(l), p->dups[0] + p->dups[1], dup[i], ts_of(an, dup[i]), "tcp",
            "modbus_an.capture_duplicate", false);
    }
    g_free(failed);
    g_free(reset);
    g_free(retr);
    g_free(dup);
    /* the expected topology */
    ma_tab_t topo;
    ma_sec_topology(&topo, rc);
    uint64_t silent = 0, unexpected = 0;
    for (unsigned i = 0; i < topo.n; i++) {
        ma_cell_t state;
        ma_tab_cell(&topo, i, (unsigned)ma_tab_col(topo.desc, "state"), &state);
        if (strcmp(state.v.s, "UNEXPECTED") == 0)
            unexpected++;
        else if (strcmp(state.v.s, "traffic") != 0)
            silent++;
    }
    ma_tab_free(&topo);
    add(t, 7, "expected, no traffic", g_strdup("expected servers"), silent, 0, 0, "topology", "", false);
    add(t, 14, "unexpected pairs", g_strdup("pairs nobody expected"), unexpected, 0, 0, "topology", "", false);
}

static void register_problems(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    const ma_regs_t *r = ma_analysis_regs(rc->an);
    for (unsigned i = 0; i < ma_regs_hb_count(r); i++) {
        const ma_hb_t *h = ma_regs_hb(r, i);
        uint32_t f = h->stalls_listed ? h->list[0].start_frame : 0;
        add(t, 2, h->stalled ? "heartbeat stalled" : "heartbeat stalls",
            g_strdup_printf("%s (%s unit %u)", h->name, h->pair->label, h->unit), h->stalls, f,
            h->stalls_listed ? h->list[0].start_ts : 0, "heartbeats", "modbus_an.hb.stall.expert", false);
        add(t, 5, "heartbeat resets", g_strdup_printf("%s (%s unit %u)", h->name, h->pair->label, h->unit), h->resets,
            0, 0, "heartbeats", "modbus_an.hb.reset", false);
    }
    for (unsigned i = 0; i < ma_regs_group_count(r); i++) {
        const ma_poll_group_t *g = ma_regs_group(r, i);
        if (g->one_off)
            continue;
        char *where = g_strdup_printf("%s u%u fc%u %u/%u", g->pair->label, g->unit, g->fc, g->start, g->count);
        if (g->stopped)
            add(t, 3, "polling stopped", g_strdup(where), 1, g->last_frame, g->last_ts, "polls",
                "modbus_an.poll.group", false);
        add(t, 10, "missed polls", where, g->missed_polls, g->gaps_listed ? g->gap_list[0].after_frame : 0,
            g->gaps_listed ? g->gap_list[0].after_ts : 0, "polls", "modbus_an.poll.gap", true);
    }
}

static void stp_problems(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    const ma_stp_t *s = ma_analysis_stp(rc->an);
    if (!s)
        return;
    static const struct { uint8_t ev; const char *kind, *filter; } kinds[] = {
        {MA_STP_EV_ROOT, "STP root changes", "modbus_an.stp.root_change"},
        {MA_STP_EV_TC, "STP topology changes", "modbus_an.stp.tc"},
        {MA_STP_EV_TCN, "STP TCN BPDUs", "modbus_an.stp.tcn"},
        {MA_STP_EV_ROLE, "STP port role changes", "modbus_an.stp.role_change"},
    };
    for (unsigned k = 0; k < G_N_ELEMENTS(kinds); k++) {
        uint64_t n = 0;
        const ma_stp_event_t *first = NULL;
        for (uint32_t i = 0; i < ma_stp_event_count(s); i++) {
            const ma_stp_event_t *e = ma_stp_event_at(s, i);
            if (e->events & kinds[k].ev) {
                n++;
                if (!first)
                    first = e;
            }
        }
        if (!n)
            continue;
        char id[40];
        if (kinds[k].ev == MA_STP_EV_TCN)
            g_snprintf(id, sizeof id, "%02x:%02x:%02x:%02x:%02x:%02x", first->src_mac[0], first->src_mac[1],
                       first->src_mac[2], first->src_mac[3], first->src_mac[4], first->src_mac[5]);
        else
            ma_stp_id_format(first->bridge_id, id, sizeof id);
        add(t, 6, kinds[k].kind, g_strdup_printf("first by %s, VLAN %u", id, first->vlan), n, first->frame, first->ts,
            "stp", kinds[k].filter, false);
    }
}

static int problem_cmp(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    const problem_t *x = a, *y = b;
    if (x->severity != y->severity)
        return x->severity < y->severity ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->first_frame < y->first_frame ? -1 : x->first_frame > y->first_frame;
}

void ma_sec_problems(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_problems, rc, rc->t0);
    transaction_problems(t, rc);
    network_problems(t, rc);
    register_problems(t, rc);
    stp_problems(t, rc);
    ma_tab_sort(t, problem_cmp);
}

/* ---- totals ---- */

void ma_capture_info(const ma_report_ctx_t *rc, ma_capture_info_t *ci)
{
    memset(ci, 0, sizeof *ci);
    ci->first = ma_analysis_first_ts(rc->an);
    ci->last = ma_analysis_last_ts(rc->an);
    ci->packets = rc->packets;
    const ma_row_t *tot = ma_stats_total(rc->stats);
    ci->requests = tot->requests;
    ci->pdus = tot->requests + tot->responses + tot->retransmitted + tot->malformed;
    for (unsigned i = 0; i < ma_stats_nrows(rc->stats); i++) {
        if (ma_stats_row(rc->stats, i)->unit == MA_UNIT_ALL)
            ci->pairs++;
        else
            ci->units++;
    }
    ma_net_t *net = ma_analysis_net(rc->an);
    ci->connections = net ? ma_net_conn_count(net) : 0;
    const ma_stp_t *s = ma_analysis_stp(rc->an);
    ci->bpdus = s ? ma_stp_totals(s)->bpdus : 0;
}

/* ---- verdict ---- */

static void reason(ma_verdict_t *v, char *text)
{
    g_ptr_array_add(v->list, text);
}

void ma_verdict_decide(const ma_report_ctx_t *rc, ma_verdict_t *v)
{
    const ma_verdict_config_t *c = &rc->verdict;
    v->list = g_ptr_array_new_with_free_func(g_free);
    const ma_row_t *tot = ma_stats_total(rc->stats);
    if (tot->missed > c->max_missed)
        reason(v, g_strdup_printf("missed %" G_GUINT64_FORMAT, tot->missed));
    if (tot->delayed > c->max_delayed)
        reason(v, g_strdup_printf("delayed %" G_GUINT64_FORMAT, tot->delayed));
    ma_net_t *net = ma_analysis_net(rc->an);
    uint64_t failed = 0, retr = 0, segs = 0;
    for (uint32_t i = 0; net && i < ma_net_pair_count(net); i++) {
        const ma_net_pair_t *p = ma_net_pair_stats(net, i);
        if (!p || !p->pair)
            continue;
        failed += (uint64_t)p->refused + p->timeout + p->resets_by_server;
        for (int d = 0; d < 2; d++) {
            retr += p->ta[d][MA_TA_RETRANS] + p->ta[d][MA_TA_FAST] + p->ta[d][MA_TA_SPURIOUS];
            segs += p->segs[d];
        }
    }
    if (failed > c->max_failed_conns)
        reason(v, g_strdup_printf("failed connections %" G_GUINT64_FORMAT, failed));
    if (c->stalls) {
        const ma_regs_t *r = ma_analysis_regs(rc->an);
        uint64_t stalled = 0;
        for (unsigned i = 0; i < ma_regs_hb_count(r); i++)
            stalled += ma_regs_hb(r, i)->stalls > 0;
        if (stalled)
            reason(v, g_strdup_printf("stalled heartbeats %" G_GUINT64_FORMAT, stalled));
    }
    if (c->stp) {
        const ma_stp_t *s = ma_analysis_stp(rc->an);
        uint32_t ev = s ? ma_stp_event_count(s) : 0;
        if (ev)
            reason(v, g_strdup_printf("stp events %u", ev));
    }
    double pct = segs ? 100.0 * (double)retr / (double)segs : 0;
    if (segs && pct > c->max_retrans_pct)
        reason(v, g_strdup_printf("retransmissions %.2f%%", pct));
    uint64_t tid = tot->tid_reuse + tot->tid_mismatch;
    if (tid > c->max_tid_faults)
        reason(v, g_strdup_printf("tid faults %" G_GUINT64_FORMAT, tid));
    v->keep = v->list->len > 0;
    v->reasons = g_string_new(NULL);
    for (guint i = 0; i < v->list->len; i++)
        g_string_append_printf(v->reasons, "%s%s", i ? ", " : "", (const char *)g_ptr_array_index(v->list, i));
    if (!v->keep)
        g_string_assign(v->reasons, "clean");
}

void ma_verdict_free(ma_verdict_t *v)
{
    if (v->list)
        g_ptr_array_free(v->list, TRUE);
    if (v->reasons)
        g_string_free(v->reasons, TRUE);
    memset(v, 0, sizeof *v);
}

char *ma_verdict_line(const ma_verdict_t *v)
{
    return g_strdup_printf("%s: %s", v->keep ? "keep" : "discard", v->reasons->str);
}

/* ---- topics ---- */

char *ma_topic_summary(const ma_report_ctx_t *rc)
{
    return g_strdup_printf("/status/modbus_connections/%s/summary", rc->capture);
}

char *ma_topic_pair(const ma_report_ctx_t *rc, const ma_pair_t *pair)
{
    char c[64], s[64];
    ma_addr_format(&pair->client, c, sizeof c);
    ma_addr_format(&pair->server, s, sizeof s);
    return g_strdup_printf("/status/modbus_connections/%s/%s_%s_%u", rc->capture, c, s, pair->server_port);
}
