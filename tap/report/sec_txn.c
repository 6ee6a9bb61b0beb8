/* sec_txn.c - the transaction tables: per pair and unit, per request, orphans
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_sections.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "ma_cause.h"

void ma_verdict_config_defaults(ma_verdict_config_t *v)
{
    v->max_missed = 0;
    v->max_delayed = 10;
    v->max_failed_conns = 0;
    v->max_tid_faults = 0;
    v->max_retrans_pct = 1.0;
    v->stalls = true;
    v->stp = true;
}

void ma_report_ctx_init(ma_report_ctx_t *rc, const ma_analysis_t *an, const char *capture_path,
                        const ma_verdict_config_t *verdict)
{
    memset(rc, 0, sizeof *rc);
    rc->an = an;
    rc->t0 = ma_analysis_first_ts(an);
    rc->path = capture_path ? capture_path : "";
    const char *slash = strrchr(rc->path, '/');
    rc->capture = slash ? slash + 1 : rc->path;
    rc->packets = ma_analysis_frames(an);
    rc->stats = ma_stats_new();
    ma_stats_of_analysis(rc->stats, an);
    if (verdict)
        rc->verdict = *verdict;
    else
        ma_verdict_config_defaults(&rc->verdict);
}

ma_flows_t *ma_report_flows(const ma_report_ctx_t *rc)
{
    ma_report_ctx_t *m = (ma_report_ctx_t *)(uintptr_t)rc; /* a cache */
    if (!m->flows_built) {
        /* the feature summaries of every reported PDU: built in the first
         * pass when its records were not kept, else read from them */
        m->flows_built = true;
        m->flows = ma_analysis_flows(rc->an);
        if (!m->flows && ma_analysis_config(rc->an)->features) {
            m->flows = ma_analysis_flows_of(rc->an);
            m->flows_owned = true;
        }
    }
    return m->flows;
}

void ma_report_ctx_free(ma_report_ctx_t *rc)
{
    ma_stats_free(rc->stats);
    if (rc->flows_owned)
        ma_flows_free(rc->flows);
    memset(rc, 0, sizeof *rc);
}

/* ---- getters (a row type each) ---- */

#define ROW(T) const T *r = row; (void)ctx
#define G(name, T, body) static void name(const void *row, const void *ctx, ma_cell_t *o) { ROW(T); body; }

/* per pair / unit: ma_row_t */
static char addr_buf[2][64];
G(tx_pair, ma_row_t, o->v.s = r->pair ? r->pair->label : "TOTAL")
G(tx_unit, ma_row_t, if (r->unit == MA_UNIT_ALL) o->null = true; else o->v.u = r->unit)
G(tx_client, ma_row_t, if (!r->pair) o->null = true; else {
      ma_addr_format(&r->pair->client, addr_buf[0], sizeof addr_buf[0]); o->v.s = addr_buf[0]; })
G(tx_server, ma_row_t, if (!r->pair) o->null = true; else {
      ma_addr_format(&r->pair->server, addr_buf[1], sizeof addr_buf[1]); o->v.s = addr_buf[1]; })
G(tx_port, ma_row_t, if (!r->pair) o->null = true; else o->v.u = r->pair->server_port)
G(tx_requests, ma_row_t, o->v.u = r->requests)
G(tx_responses, ma_row_t, o->v.u = r->responses)
G(tx_answered, ma_row_t, o->v.u = r->answered)
G(tx_late, ma_row_t, o->v.u = r->late)
G(tx_missed, ma_row_t, o->v.u = r->missed)
G(tx_unend, ma_row_t, o->v.u = r->unanswered_at_end)
G(tx_delayed, ma_row_t, o->v.u = r->delayed)
G(tx_exc, ma_row_t, o->v.u = r->exceptions)
G(tx_orphans, ma_row_t, o->v.u = r->orphans)
G(tx_dups, ma_row_t, o->v.u = r->duplicates)
G(tx_amb, ma_row_t, o->v.u = r->ambiguous)
G(tx_tidf, ma_row_t, o->v.u = r->tid_reuse + r->tid_mismatch)
G(tx_reuse, ma_row_t, o->v.u = r->tid_reuse)
G(tx_mism, ma_row_t, o->v.u = r->tid_mismatch)
G(tx_malformed, ma_row_t, o->v.u = r->malformed)
G(tx_retrans, ma_row_t, o->v.u = r->retransmitted)
G(tx_rt_min, ma_row_t, if (!r->rt_n) o->null = true; else o->v.ns = r->rt_min)
G(tx_rt_avg, ma_row_t, if (!r->rt_n) o->null = true; else o->v.ns = (ma_ns_t)llround((double)r->rt_sum / (double)r->rt_n))
G(tx_rt_p50, ma_row_t, if (!r->rt_n) o->null = true; else o->v.ns = (ma_ns_t)llround(ma_quantile_value(&r->rt, 50)))
G(tx_rt_p95, ma_row_t, if (!r->rt_n) o->null = true; else o->v.ns = (ma_ns_t)llround(ma_quantile_value(&r->rt, 95)))
G(tx_rt_max, ma_row_t, if (!r->rt_n) o->null = true; else o->v.ns = r->rt_max)

#define MS MA_COL_TEXT_MS
#define HIDE MA_COL_NO_TEXT

static const ma_col_t tx_cols[] = {
    {"pair", "Pair", MA_CT_TEXT, 0, 0, 40, "client_ip -> server_ip:port (TOTAL: every pair)", tx_pair},
    {"unit", "Unit", MA_CT_COUNT, 0, MA_COL_STAR_NULL, 0, "unit id; * for the whole pair", tx_unit},
    {"client", NULL, MA_CT_TEXT, 0, 0, 0, "client IP address", tx_client},
    {"server", NULL, MA_CT_TEXT, 0, 0, 0, "server IP address", tx_server},
    {"server_port", NULL, MA_CT_COUNT, 0, 0, 0, "server TCP port", tx_port},
    {"requests", "Req", MA_CT_COUNT, 0, 0, 0, "requests (TCP retransmissions and invalid headers excluded)", tx_requests},
    {"responses", "Resp", MA_CT_COUNT, 0, HIDE, 0, "responses (orphans, duplicates and exceptions included)", tx_responses},
    {"answered", "Answ", MA_CT_COUNT, 0, 0, 0, "requests answered within response_timeout", tx_answered},
    {"late", "Late", MA_CT_COUNT, 0, 0, 0, "requests answered after response_timeout", tx_late},
    {"missed", "Miss", MA_CT_COUNT, 0, 0, 0, "requests never answered", tx_missed},
    {"unanswered_at_end", "UnEnd", MA_CT_COUNT, 0, 0, 0, "requests unanswered when the capture ended within the timeout", tx_unend},
    {"delayed", "Dlyd", MA_CT_COUNT, 0, 0, 0, "requests answered with response time > delay_threshold (late ones too)", tx_delayed},
    {"exceptions", "Exc", MA_CT_COUNT, 0, 0, 0, "exception responses", tx_exc},
    {"orphans", "Orph", MA_CT_COUNT, 0, 0, 0, "responses without a pending request", tx_orphans},
    {"duplicates", "Dup", MA_CT_COUNT, 0, HIDE, 0, "further responses to an answered request", tx_dups},
    {"ambiguous", "Amb", MA_CT_COUNT, 0, HIDE, 0, "responses matched first-in-first-out among identical pending requests", tx_amb},
    {"tid_faults", "TidF", MA_CT_COUNT, 0, 0, 0, "transaction-id faults: tid_reuse + tid_mismatch", tx_tidf},
    {"tid_reuse", NULL, MA_CT_COUNT, 0, 0, 0, "requests reusing the id of an outstanding request", tx_reuse},
    {"tid_mismatch", NULL, MA_CT_COUNT, 0, 0, 0, "orphan responses fitting an outstanding request but for the id", tx_mism},
    {"malformed", NULL, MA_CT_COUNT, 0, 0, 0, "PDUs with an invalid header or a body too short for the function code", tx_malformed},
    {"retransmitted", NULL, MA_CT_COUNT, 0, 0, 0, "PDUs seen again in a TCP retransmission", tx_retrans},
    {"rt_min", "RTmin", MA_CT_DURATION, 1, MS | HIDE, 0, "smallest response time (s; text ms)", tx_rt_min},
    {"rt_avg", "RTavg", MA_CT_DURATION, 1, MS | HIDE, 0, "mean response time", tx_rt_avg},
    {"rt_p50", "RTp50", MA_CT_DURATION, 1, MS, 0, "median response time (nearest rank)", tx_rt_p50},
    {"rt_p95", "RTp95", MA_CT_DURATION, 1, MS, 0, "95th percentile response time (nearest rank)", tx_rt_p95},
    {"rt_max", "RTmax", MA_CT_DURATION, 1, MS, 0, "largest response time", tx_rt_max},
};

const ma_tab_desc_t ma_desc_transactions = {
    "transactions", "Transactions per client-server pair and unit (unit *: the whole pair)", tx_cols,
    G_N_ELEMENTS(tx_cols)
};

void ma_stats_of_analysis(ma_stats_t *st, const ma_analysis_t *an)
{
    uint32_t cap = ma_analysis_frame_cap(an);
    for (uint32_t f = 1; f < cap; f++) {
        const ma_frame_rec_t *fr = ma_analysis_frame_rec(an, f);
        for (unsigned i = 0; fr && i < fr->n; i++)
            if (ma_analysis_pdu_reported(an, fr, &fr->pdu[i]))
                ma_stats_add(st, &fr->pdu[i]);
    }
}

void ma_sec_pairs(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_transactions, rc, rc->t0);
    for (unsigned i = 0; i < ma_stats_nrows(rc->stats); i++)
        if (ma_stats_row(rc->stats, i)->unit == MA_UNIT_ALL)
            ma_tab_add(t, ma_stats_row(rc->stats, i));
}

void ma_sec_units(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_transactions, rc, rc->t0);
    for (unsigned i = 0; i < ma_stats_nrows(rc->stats); i++)
        if (ma_stats_row(rc->stats, i)->unit != MA_UNIT_ALL)
            ma_tab_add(t, ma_stats_row(rc->stats, i));
}

/* Worse first: more missed, late, delayed, exceptions, orphans, tid
 * faults, a longer p95; then first appearance. */
static int worse(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    const ma_row_t *x = a, *y = b;
#define BY(f)              \
    if (x->f != y->f)      \
        return x->f > y->f ? -1 : 1
    BY(missed);
    BY(late);
    BY(delayed);
    BY(exceptions);
    BY(orphans);
    BY(tid_reuse);
    BY(tid_mismatch);
#undef BY
    double px = x->rt_n ? ma_quantile_value(&x->rt, 95) : -1, py = y->rt_n ? ma_quantile_value(&y->rt, 95) : -1;
    if (px != py)
        return px > py ? -1 : 1;
    uint32_t ix = x->pair ? x->pair->id : UINT32_MAX, iy = y->pair ? y->pair->id : UINT32_MAX;
    if (ix != iy)
        return ix < iy ? -1 : 1;
    return x->unit < y->unit ? -1 : x->unit > y->unit;
}

void ma_sec_transactions(ma_tab_t *t, const ma_report_ctx_t *rc, ma_stats_t *st, bool units, bool total,
                         bool worst_first)
{
    ma_tab_init(t, &ma_desc_transactions, rc, rc->t0);
    unsigned n = ma_stats_nrows(st);
    if (!worst_first) {
        for (unsigned i = 0; i < n; i++) {
            const ma_row_t *r = ma_stats_row(st, i);
            if (units || r->unit == MA_UNIT_ALL)
                ma_tab_add(t, r);
        }
    } else {
        /* pairs worst first, each followed by its units worst first */
        ma_tab_t pairs;
        ma_tab_init(&pairs, &ma_desc_transactions, rc, rc->t0);
        for (unsigned i = 0; i < n; i++)
            if (ma_stats_row(st, i)->unit == MA_UNIT_ALL)
                ma_tab_add(&pairs, ma_stats_row(st, i));
        ma_tab_sort(&pairs, worse);
        for (unsigned p = 0; p < pairs.n; p++) {
            const ma_row_t *pr = pairs.rows[p];
            ma_tab_add(t, pr);
            if (!units)
                continue;
            unsigned first = t->n;
            for (unsigned i = 0; i < n; i++) {
                const ma_row_t *r = ma_stats_row(st, i);
                if (r->pair == pr->pair && r->unit != MA_UNIT_ALL)
                    ma_tab_add(t, r);
            }
            /* sort just this pair's units */
            ma_tab_t u = {.desc = t->desc, .ctx = t->ctx, .rows = t->rows + first, .n = t->n - first};
            ma_tab_sort(&u, worse);
        }
        ma_tab_free(&pairs);
    }
    if (total)
        ma_tab_add(t, ma_stats_total(st));
}

/* ---- per request ---- */

G(rq_frame, ma_txn_t, o->v.u = r->req_frame)
G(rq_time, ma_txn_t, o->v.ns = r->req_ts)
G(rq_pair, ma_txn_t, o->v.s = r->pair ? r->pair->label : "")
G(rq_stream, ma_txn_t, o->v.u = r->stream)
G(rq_unit, ma_txn_t, o->v.u = r->unit)
G(rq_fc, ma_txn_t, o->v.u = r->fc)
G(rq_tid, ma_txn_t, o->v.u = r->tid)
G(rq_start, ma_txn_t, if (r->ref < 0) o->null = true; else o->v.u = (uint64_t)r->ref)
G(rq_qty, ma_txn_t, if (r->count < 0) o->null = true; else o->v.u = (uint64_t)r->count)
G(rq_outcome, ma_txn_t, o->v.s = ma_outcome_name((ma_outcome_t)r->outcome))
G(rq_delayed, ma_txn_t, o->v.b = (r->flags & MA_TXN_DELAYED) != 0)
G(rq_resp_frame, ma_txn_t, o->v.u = r->resp_frame)
G(rq_resp_time, ma_txn_t, if (!r->resp_frame) o->null = true; else o->v.ns = r->resp_ts)
G(rq_rt, ma_txn_t, if (!r->resp_frame) o->null = true; else o->v.ns = ma_txn_rtt(r))
G(rq_exc, ma_txn_t, if (!(r->flags & MA_TXN_EXCEPTION)) o->null = true; else o->v.u = r->exc_code)
G(rq_cause, ma_txn_t, if (r->cause == MA_CAUSE_NONE) o->null = true; else o->v.s = ma_cause_name((ma_cause_t)r->cause))
G(rq_cause_frame, ma_txn_t, o->v.u = r->cause_frame)
G(rq_retry_of, ma_txn_t, o->v.u = r->retry_of)
G(rq_reuse_of, ma_txn_t, o->v.u = r->reuse_of)
G(rq_missed_why, ma_txn_t,
  if (r->outcome != MA_OUT_MISSED) o->null = true;
  else o->v.s = (r->flags & MA_TXN_CLOSED) ? "connection closed" : (r->flags & MA_TXN_SUPERSEDED) ? "tid reused"
                : (r->flags & MA_TXN_EVICTED) ? "pending table full" : "timeout")

static const ma_col_t rq_cols[] = {
    {"request_frame", "Frame", MA_CT_FRAME, 0, 0, 0, "frame of the request", rq_frame},
    {"request_time", "Time", MA_CT_TIME, 0, 0, 0, "time of the request", rq_time},
    {"pair", "Pair", MA_CT_TEXT, 0, 0, 40, "client_ip -> server_ip:port", rq_pair},
    {"stream", NULL, MA_CT_COUNT, 0, 0, 0, "tcp.stream of its connection", rq_stream},
    {"unit", "Unit", MA_CT_COUNT, 0, 0, 0, "unit id", rq_unit},
    {"fc", "FC", MA_CT_COUNT, 0, 0, 0, "function code", rq_fc},
    {"tid", NULL, MA_CT_COUNT, 0, 0, 0, "transaction id", rq_tid},
    {"start", NULL, MA_CT_COUNT, 0, 0, 0, "start address read or written (null: none)", rq_start},
    {"quantity", NULL, MA_CT_COUNT, 0, 0, 0, "quantity read or written (null: none)", rq_qty},
    {"outcome", "Outcome", MA_CT_TEXT, 0, 0, 0, "answered, late, missed or unanswered_at_end", rq_outcome},
    {"missed_reason", NULL, MA_CT_TEXT, 0, 0, 0, "why it is missed: timeout, connection closed, tid reused, "
                                                 "pending table full", rq_missed_why},
    {"delayed", NULL, MA_CT_BOOL, 0, 0, 0, "response time > delay_threshold", rq_delayed},
    {"response_frame", NULL, MA_CT_FRAME, 0, 0, 0, "frame of the response (null: none)", rq_resp_frame},
    {"response_time", NULL, MA_CT_TIME, 0, 0, 0, "time of the response", rq_resp_time},
    {"rtt", "RT ms", MA_CT_DURATION, 1, MA_COL_TEXT_MS, 0, "response time", rq_rt},
    {"exception_code", NULL, MA_CT_COUNT, 0, 0, 0, "exception code of an exception response", rq_exc},
    {"cause", "Cause", MA_CT_TEXT, 0, 0, 0, "why a delayed, late or missed request was slow", rq_cause},
    {"cause_frame", "Evidence", MA_CT_FRAME, 0, 0, 0, "the frame that is the cause's evidence", rq_cause_frame},
    {"retry_of", NULL, MA_CT_FRAME, 0, 0, 0, "the request it repeats (application retry)", rq_retry_of},
    {"tid_reuse_of", NULL, MA_CT_FRAME, 0, 0, 0, "the outstanding request whose id it reused", rq_reuse_of},
};

const ma_tab_desc_t ma_desc_requests = {"requests", "Requests", rq_cols, G_N_ELEMENTS(rq_cols)};

void ma_sec_requests(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_requests, rc, rc->t0);
    ma_core_t *core = ma_analysis_core(rc->an);
    uint32_t n = ma_core_txn_count(core);
    for (uint32_t i = 0; i < n; i++) {
        const ma_txn_t *x = ma_core_txn_at(core, i);
        if (ma_analysis_txn_reported(rc->an, x))
            ma_tab_add(t, x);
    }
}

/* ---- slow requests (delayed, late, missed) with their cause ---- */

static const ma_col_t slow_cols[] = {
    {"request_frame", "Frame", MA_CT_FRAME, 0, 0, 0, "frame of the request", rq_frame},
    {"request_time", "Time", MA_CT_TIME, 0, 0, 0, "time of the request", rq_time},
    {"pair", "Pair", MA_CT_TEXT, 0, 0, 34, "client_ip -> server_ip:port", rq_pair},
    {"unit", "Unit", MA_CT_COUNT, 0, 0, 0, "unit id", rq_unit},
    {"fc", "FC", MA_CT_COUNT, 0, 0, 0, "function code", rq_fc},
    {"outcome", "Outcome", MA_CT_TEXT, 0, 0, 0, "answered (delayed), late or missed", rq_outcome},
    {"rtt", "RT ms", MA_CT_DURATION, 1, MA_COL_TEXT_MS, 0, "response time", rq_rt},
    {"cause", "Cause", MA_CT_TEXT, 0, 0, 0, "stp, tcp-retransmission, connection, retry or server", rq_cause},
    {"cause_frame", "Evidence", MA_CT_FRAME, 0, 0, 0, "the frame that is the cause's evidence", rq_cause_frame},
};

const ma_tab_desc_t ma_desc_slow = {"slow_requests", "Delayed, late and missed requests, worst first",
                                    slow_cols, G_N_ELEMENTS(slow_cols)};

static int slow_rank(const ma_txn_t *t)
{
    return t->outcome == MA_OUT_MISSED ? 0 : t->outcome == MA_OUT_LATE ? 1 : 2;
}

static int slower(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    const ma_txn_t *x = a, *y = b;
    if (slow_rank(x) != slow_rank(y))
        return slow_rank(x) - slow_rank(y);
    ma_ns_t rx = ma_txn_rtt(x), ry = ma_txn_rtt(y);
    if (rx != ry)
        return rx > ry ? -1 : 1;
    return x->req_frame < y->req_frame ? -1 : x->req_frame > y->req_frame;
}

void ma_sec_slow(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_slow, rc, rc->t0);
    ma_core_t *core = ma_analysis_core(rc->an);
    uint32_t n = ma_core_txn_count(core);
    for (uint32_t i = 0; i < n; i++) {
        const ma_txn_t *x = ma_core_txn_at(core, i);
        if (ma_cause_applies(x) && ma_analysis_txn_reported(rc->an, x))
            ma_tab_add(t, x);
    }
    ma_tab_sort(t, slower);
}

/* ---- orphans ---- */

typedef struct orphan_row {
    uint32_t frame;
    ma_ns_t  ts;
    const ma_pdu_t *pdu;
} orphan_row_t;

G(or_frame, orphan_row_t, o->v.u = r->frame)
G(or_time, orphan_row_t, o->v.ns = r->ts)
G(or_pair, orphan_row_t, o->v.s = r->pdu->pair ? r->pdu->pair->label : "")
G(or_unit, orphan_row_t, o->v.u = r->pdu->unit)
G(or_fc, orphan_row_t, o->v.u = r->pdu->fc)
G(or_tid, orphan_row_t, o->v.u = r->pdu->tid)
G(or_exc, orphan_row_t, if (!(r->pdu->flags & MA_PDU_EXCEPTION)) o->null = true; else o->v.u = r->pdu->exc_code)
G(or_mism, orphan_row_t, o->v.u = (r->pdu->flags & MA_PDU_TID_MISMATCH) && r->pdu->txn ? r->pdu->txn->req_frame : 0)

static const ma_col_t or_cols[] = {
    {"frame", "Frame", MA_CT_FRAME, 0, 0, 0, "frame of the orphan response", or_frame},
    {"time", "Time", MA_CT_TIME, 0, 0, 0, "its time", or_time},
    {"pair", "Pair", MA_CT_TEXT, 0, 0, 40, "client_ip -> server_ip:port", or_pair},
    {"unit", "Unit", MA_CT_COUNT, 0, 0, 0, "unit id", or_unit},
    {"fc", "FC", MA_CT_COUNT, 0, 0, 0, "function code as on the wire", or_fc},
    {"tid", "Tid", MA_CT_COUNT, 0, 0, 0, "transaction id", or_tid},
    {"exception_code", "Exc", MA_CT_COUNT, 0, 0, 0, "exception code", or_exc},
    {"tid_mismatch_request", "FitsReq", MA_CT_FRAME, 0, 0, 0, "the request it fits but for its id", or_mism},
};

const ma_tab_desc_t ma_desc_orphans = {"orphans", "Orphan responses (no pending request)", or_cols,
                                       G_N_ELEMENTS(or_cols)};

void ma_sec_orphans(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_tab_init(t, &ma_desc_orphans, rc, rc->t0);
    uint32_t cap = ma_analysis_frame_cap(rc->an);
    for (uint32_t f = 1; f < cap; f++) {
        const ma_frame_rec_t *fr = ma_analysis_frame_rec(rc->an, f);
        for (unsigned i = 0; fr && i < fr->n; i++) {
            if (!(fr->pdu[i].flags & MA_PDU_ORPHAN) || !ma_analysis_pdu_reported(rc->an, fr, &fr->pdu[i]))
                continue;
            orphan_row_t *r = ma_tab_add_new(t, sizeof *r);
            r->frame = f;
            r->ts = fr->ts;
            r->pdu = &fr->pdu[i];
        }
    }
}
