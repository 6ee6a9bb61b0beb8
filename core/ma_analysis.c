/* ma_analysis.c - one capture's analysis: every engine, fed one frame at a time
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Order within a frame (ma_analysis.h): the BPDU; each ADU decoded and
 * paired (ma_core_pdu), then its retry check, features and register data;
 * the TCP segment with the frame's PDUs; the connection event (RST / FIN)
 * last, so a request and the RST in the same frame are paired first.
 * Records: frame records live in an arena; a dense array maps frame
 * numbers to them (8 bytes per frame up to the last frame with a record).
 */
#include "ma_analysis.h"

#include <glib.h>
#include <string.h>

#include "ma_flows.h"
#include "ma_modbus.h"
#include "ma_pool.h"

struct ma_analysis {
    ma_analysis_config_t cfg;
    ma_core_t        *core;
    ma_feat_engine_t *feat;
    ma_regs_t        *regs;
    ma_net_t         *net;
    ma_stp_t         *stp;
    ma_dup_t         *dup;
    ma_arena_t        arena;     /* frame records */
    const ma_frame_rec_t **by_frame;
    uint32_t          by_frame_cap;
    ma_pdu_in_t      *in;        /* the current frame's PDU inputs */
    uint16_t         *words;     /* their register data (MA_MAX_PDU_WORDS each) */
    uint8_t          *bits;      /* (MA_MAX_PDU_BITS each) */
    unsigned          in_cap;
    ma_ns_t           first_ts, last_ts;
    uint64_t          frames;
    uint32_t          first_reported;  /* first frame at or after report_after, 0: none yet */
    bool              final;
    /* ma_analysis_features_current_only(): when the frame records carry no feature
     * records, the current frame's are here and each flow keeps its newest
     * (ma_feat_keep_recent) */
    bool              feat_current_only;
    uint32_t          cur_frame;      /* the frame cur_feat[0 .. cur_n) belong to */
    unsigned          cur_n, cur_cap;
    ma_feat_rec_t    *cur_feat;
    const ma_feat_recent_t **cur_ring;
    ma_flows_t       *flows;          /* the feature summary, built as PDUs come, or NULL */
};

void ma_analysis_config_defaults(ma_analysis_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    ma_config_defaults(&cfg->pairing);
    cfg->features = true;
    ma_regs_config_defaults(&cfg->regs);
    ma_net_config_defaults(&cfg->net);
    cfg->cause.stp_window = MA_DEFAULT_STP_WINDOW;
    cfg->duplicate_window = MA_DUP_DEFAULT_WINDOW;
}

ma_analysis_t *ma_analysis_new(const ma_analysis_config_t *cfg)
{
    ma_analysis_t *a = g_new0(ma_analysis_t, 1);
    if (cfg)
        a->cfg = *cfg;
    else
        ma_analysis_config_defaults(&a->cfg);
    /* the definitions are copied by the engines; do not keep the caller's */
    a->cfg.hb_defs = NULL;
    a->cfg.watches = NULL;
    a->cfg.expect = NULL;
    a->core = ma_core_new(&a->cfg.pairing);
    a->cfg.pairing = *ma_core_config(a->core);
    a->stp = ma_stp_new();
    a->dup = ma_dup_new(a->cfg.duplicate_window);
    if (a->cfg.features)
        a->feat = ma_feat_new(&a->cfg.feat);
    a->regs = ma_regs_new(&a->cfg.regs, cfg ? cfg->hb_defs : NULL, cfg ? cfg->n_hb_defs : 0,
                          cfg ? cfg->watches : NULL, cfg ? cfg->n_watches : 0);
    a->net = ma_net_new(&a->cfg.net, a->core);
    for (unsigned i = 0; cfg && i < cfg->n_expect; i++) {
        const ma_expect_t *e = &cfg->expect[i];
        ma_net_expect_add(a->net, &e->server, e->port, e->client.len ? &e->client : NULL, e->name);
    }
    ma_arena_init(&a->arena, 256 * 1024);
    return a;
}

void ma_analysis_free(ma_analysis_t *a)
{
    if (!a)
        return;
    ma_net_free(a->net);
    ma_regs_free(a->regs);
    ma_feat_free(a->feat);
    ma_stp_free(a->stp);
    ma_dup_free(a->dup);
    ma_core_free(a->core);
    ma_arena_clear(&a->arena);
    g_free(a->by_frame);
    g_free(a->in);
    g_free(a->words);
    g_free(a->bits);
    g_free(a->cur_feat);
    g_free(a->cur_ring);
    ma_flows_free(a->flows);
    g_free(a);
}

static bool context_time(const ma_analysis_t *a, ma_ns_t ts)
{
    return a->cfg.report_after && ts < a->cfg.report_after;
}

void ma_analysis_note_time(ma_analysis_t *a, ma_ns_t ts)
{
    ma_core_note_time(a->core, ts);
    if (context_time(a, ts))
        return;
    if (a->frames == 0 || ts < a->first_ts)
        a->first_ts = ts;
    if (a->frames == 0 || ts > a->last_ts)
        a->last_ts = ts;
    a->frames++;
}

/* The frame number seen with a time: the first reported one. */
static void note_frame(ma_analysis_t *a, uint32_t frame, ma_ns_t ts)
{
    if (!a->first_reported && !context_time(a, ts))
        a->first_reported = frame;
}

/* Room for n PDU inputs and their register data. */
static void reserve_inputs(ma_analysis_t *a, unsigned n)
{
    if (n <= a->in_cap)
        return;
    unsigned cap = a->in_cap ? a->in_cap : 8;
    while (cap < n)
        cap *= 2;
    a->in = g_renew(ma_pdu_in_t, a->in, cap);
    a->words = g_renew(uint16_t, a->words, (size_t)cap * MA_MAX_PDU_WORDS);
    a->bits = g_renew(uint8_t, a->bits, (size_t)cap * MA_MAX_PDU_BITS);
    a->in_cap = cap;
}

/* One ADU as the pairing core's input: the MBAP header and function code
 * (Modbus Messaging on TCP/IP Implementation Guide 3.1.3), the direction,
 * whether its header is invalid (never paired) or its body is (a truncated
 * capture, a PDU shorter than its function code's fixed fields: paired,
 * flagged) and the register data it carries (Modbus Application Protocol
 * v1.1b3 6.x). */
static void decode_adu(ma_analysis_t *a, const ma_adu_in_t *adu, uint32_t frame, ma_ns_t ts, unsigned k)
{
    ma_pdu_in_t *p = &a->in[k];
    memset(p, 0, sizeof *p);
    p->frame = frame;
    p->ts = ts;
    p->stream = adu->stream;
    p->src = adu->src;
    p->dst = adu->dst;
    p->srcport = adu->srcport;
    p->dstport = adu->dstport;
    p->adu = adu->bytes;
    p->adu_len = adu->caplen;
    ma_mbap_t h;
    ma_mbap_read(adu->bytes, adu->caplen, &h);
    p->tid = h.tid;
    p->unit = h.unit;
    p->fc = h.fc;
    p->exc_code = h.exc_code;
    int dir = ma_core_stream_is_request(a->core, adu->stream, &adu->src, adu->srcport);
    p->is_request = dir >= 0 ? dir == 1
                    : ma_core_is_request(adu->srcport, adu->dstport, adu->src_is_server_port,
                                         adu->dst_is_server_port);
    const uint8_t *pdu = adu->caplen > MA_MBAP_LEN ? adu->bytes + MA_MBAP_LEN : NULL;
    uint32_t n = adu->caplen > MA_MBAP_LEN ? adu->caplen - MA_MBAP_LEN : 0;
    /* A valid header makes a request or response, whatever its body. */
    p->malformed = !ma_mbap_valid(&h, adu->wirelen);
    p->bad_body = !p->malformed && (adu->caplen < adu->wirelen || ma_pdu_short(pdu, n, p->is_request));
    uint16_t *words = a->words + (size_t)k * MA_MAX_PDU_WORDS;
    uint8_t *bits = a->bits + (size_t)k * MA_MAX_PDU_BITS;
    ma_regdata_t rd = {-1, -1, -1, 0, 0};
    if (pdu)
        ma_pdu_regdata(pdu, n, p->is_request, words, bits, &rd);
    p->ref = rd.ref;
    p->count = rd.count;
    p->wref = rd.wref;
    p->words = words;
    p->nwords = rd.nwords;
    p->bits = bits;
    p->nbits = rd.nbits;
}

/* The features of one PDU (docs/features.md) from its ADU bytes and what
 * the pairing made of it. */
static void features(ma_analysis_t *a, const ma_pdu_in_t *in, const ma_pdu_t *pdu, unsigned index,
                     ma_feat_rec_t *out)
{
    ma_feat_in_t fi = {
        .ts = in->ts, .stream = in->stream, .pair = pdu->pair, .src = in->src, .dst = in->dst,
        .is_request = pdu->kind == MA_PDU_REQUEST, .adu = in->adu, .adu_len = in->adu_len,
        .frame = in->frame, .index = index,
    };
    if (pdu->kind == MA_PDU_RESPONSE && pdu->txn && !(pdu->flags & (MA_PDU_DUPLICATE | MA_PDU_RETRANS)) &&
        pdu->txn->resp_frame == in->frame) {
        fi.paired_response = true;
        fi.response_time = ma_txn_rtt(pdu->txn);
    }
    ma_feat_pdu_rec(a->feat, &fi, out);
}

static void index_frame(ma_analysis_t *a, const ma_frame_rec_t *r)
{
    uint32_t f = r->frame;
    if (f >= a->by_frame_cap) {
        uint32_t cap = a->by_frame_cap ? a->by_frame_cap : 1024;
        while (cap <= f && cap < UINT32_MAX / 2)
            cap *= 2;
        if (cap <= f)
            return;
        a->by_frame = g_renew(const ma_frame_rec_t *, a->by_frame, cap);
        memset(a->by_frame + a->by_frame_cap, 0, (size_t)(cap - a->by_frame_cap) * sizeof *a->by_frame);
        a->by_frame_cap = cap;
    }
    a->by_frame[f] = r;
}

/* RFC 793: an RST aborts the connection; a FIN from the server ends what
 * it will send (ma_core_conn_event decides what that means for pending
 * requests). */
static void conn_event(ma_analysis_t *a, const ma_tcp_in_t *seg)
{
    if (!(seg->flags & (MA_TCP_RST | MA_TCP_FIN)))
        return;
    const ma_pair_t *pair = ma_core_stream_pair(a->core, seg->stream);
    if (!pair)
        return;
    ma_conn_event_t ev = MA_CONN_RST;
    if (!(seg->flags & MA_TCP_RST))
        ev = (seg->srcport == pair->server_port && ma_addr_equal(&seg->src, &pair->server))
                 ? MA_CONN_FIN_FROM_SERVER : MA_CONN_FIN_FROM_CLIENT;
    ma_core_conn_event(a->core, seg->stream, ev, seg->frame, seg->ts);
}

/* A context frame (ma_analysis.h): pairing and connection ends only. */
static const ma_frame_rec_t *context_frame(ma_analysis_t *a, const ma_frame_in_t *in)
{
    unsigned n = in->nadus;
    reserve_inputs(a, n);
    ma_frame_rec_t *fr = NULL;
    if (n) {
        fr = ma_arena_alloc(&a->arena, sizeof *fr + n * sizeof(ma_pdu_t));
        fr->n = n;
        fr->frame = in->frame;
        fr->ts = in->ts;
        bool retrans = in->seg && (in->seg->analysis & MA_TCPA_ANY_RETRANS);
        for (unsigned i = 0; i < n; i++) {
            decode_adu(a, &in->adus[i], in->frame, in->ts, i);
            a->in[i].tcp_retrans = retrans;
            ma_core_pdu(a->core, &a->in[i], &fr->pdu[i]);
        }
        index_frame(a, fr);
    }
    if (in->seg)
        conn_event(a, in->seg);
    a->final = false;
    return fr;
}

static void summary_add(ma_flows_t *fl, const ma_analysis_t *a, const ma_frame_rec_t *fr, unsigned i);

/* Room for the current frame's n feature records (frame records without
 * them, ma_analysis_features_current_only). */
static ma_feat_rec_t *current_feat(ma_analysis_t *a, uint32_t frame, unsigned n)
{
    if (n > a->cur_cap) {
        unsigned cap = a->cur_cap ? a->cur_cap : 8;
        while (cap < n)
            cap *= 2;
        a->cur_feat = g_renew(ma_feat_rec_t, a->cur_feat, cap);
        a->cur_ring = g_renew(const ma_feat_recent_t *, a->cur_ring, cap);
        a->cur_cap = cap;
    }
    a->cur_frame = frame; /* ma_feat_pdu_rec fills each record whole */
    a->cur_n = n;
    return a->cur_feat;
}

const ma_frame_rec_t *ma_analysis_frame(ma_analysis_t *a, const ma_frame_in_t *in)
{
    a->cur_n = 0;
    ma_analysis_note_time(a, in->ts);
    note_frame(a, in->frame, in->ts);
    if (context_time(a, in->ts))
        return context_frame(a, in);
    const ma_bpdu_rec_t *bpdu = in->bpdu ? ma_stp_bpdu(a->stp, in->bpdu) : NULL;

    /* A capture duplicate (ma_dup.h) is shown as such and nothing else:
     * its PDUs were already seen, its segment was not sent twice. */
    ma_tcp_in_t seg_in;
    const ma_tcp_in_t *seg = NULL;
    if (in->seg) {
        seg_in = *in->seg;
        seg_in.duplicate_of = ma_dup_check(a->dup, &seg_in);
        seg = &seg_in;
    }
    unsigned n = seg && seg->duplicate_of ? 0 : in->nadus;
    reserve_inputs(a, n);
    ma_frame_rec_t *fr = NULL;
    ma_feat_rec_t *feat = NULL;
    if (n) {
        bool keep = a->feat && !a->feat_current_only;
        size_t fsz = keep ? n * sizeof(ma_feat_rec_t) : 0;
        fr = ma_arena_alloc(&a->arena, sizeof *fr + n * sizeof(ma_pdu_t) + fsz);
        fr->frame = in->frame; /* readable as the current frame's while its PDUs go through */
        fr->ts = in->ts;
        fr->n = n;
        fr->has_feat = keep;
        feat = keep ? ma_frame_feat(fr) : a->feat ? current_feat(a, in->frame, n) : NULL;
    }
    bool retrans = seg && (seg->analysis & MA_TCPA_ANY_RETRANS);
    for (unsigned i = 0; i < n; i++) {
        decode_adu(a, &in->adus[i], in->frame, in->ts, i);
        ma_pdu_in_t *p = &a->in[i];
        p->tcp_retrans = retrans;
        ma_core_pdu(a->core, p, &fr->pdu[i]);
        if (fr->pdu[i].kind == MA_PDU_REQUEST && !(fr->pdu[i].flags & (MA_PDU_RETRANS | MA_PDU_MALFORMED)))
            ma_net_request(a->net, p, &fr->pdu[i]);
        if (feat) {
            features(a, p, &fr->pdu[i], i, &feat[i]);
            if (a->feat_current_only)
                a->cur_ring[i] = ma_feat_keep_recent(a->feat, &feat[i], in->frame, i);
            if (a->flows)
                summary_add(a->flows, a, fr, i);
        }
        const ma_regs_rec_t *rr = ma_regs_pdu(a->regs, p, &fr->pdu[i]);
        if (rr && !fr->regs)
            fr->regs = ma_arena_alloc(&a->arena, n * sizeof *fr->regs);
        if (rr)
            fr->regs[i] = rr;
    }
    const ma_seg_rec_t *segrec = seg ? ma_net_segment(a->net, seg, a->in, fr ? fr->pdu : NULL, n) : NULL;
    if ((segrec || bpdu) && !fr) {
        fr = ma_arena_alloc(&a->arena, sizeof *fr);
        fr->frame = in->frame;
        fr->ts = in->ts;
    }
    if (fr) {
        /* Wireshark hands over a BPDU (LLC) or a TCP segment, never both */
        fr->net = segrec ? (const void *)segrec : (const void *)bpdu;
        fr->is_bpdu = !segrec && bpdu;
        index_frame(a, fr);
    }
    if (seg && !seg->duplicate_of)
        conn_event(a, seg);
    a->final = false; /* a later frame reopens nothing that was final, but state moved on */
    return fr;
}

const ma_frame_rec_t *ma_analysis_frame_rec(const ma_analysis_t *a, uint32_t frame)
{
    return a && frame < a->by_frame_cap ? a->by_frame[frame] : NULL;
}

const ma_feat_rec_t *ma_analysis_feat_rec(const ma_analysis_t *a, const ma_frame_rec_t *fr, unsigned i)
{
    if (i >= fr->n)
        return NULL;
    if (fr->has_feat)
        return &ma_frame_feat(fr)[i];
    return a->cur_n && fr->frame == a->cur_frame ? &a->cur_feat[i] : NULL;
}

/* Where a PDU's predecessors are: the frame records that carry theirs, else
 * its flow's ring. */
typedef struct feat_src {
    const ma_analysis_t    *a;
    const ma_feat_recent_t *ring;
} feat_src_t;

/* ma_feat_link_fn over feat_src_t. */
static bool feat_rec_of(void *ctx, uint32_t frame, uint32_t index, ma_feat_link_t *out)
{
    const feat_src_t *src = ctx;
    const ma_frame_rec_t *fr = ma_analysis_frame_rec(src->a, frame);
    if (fr && fr->has_feat) {
        if (index >= fr->n)
            return false;
        ma_feat_link_of(&ma_frame_feat(fr)[index], out);
        return true;
    }
    return ma_feat_recent_find(src->ring, frame, index, out);
}

bool ma_analysis_feat_expand(const ma_analysis_t *a, const ma_frame_rec_t *fr, unsigned i, ma_feat_t *out)
{
    const ma_feat_rec_t *r = ma_analysis_feat_rec(a, fr, i);
    if (!r)
        return false;
    feat_src_t src = {a, fr->has_feat ? NULL : a->cur_ring[i]};
    ma_feat_expand(r, feat_rec_of, &src, out);
    return true;
}

/* The feature summary fl gains PDU i of fr (a frame whose feature records
 * are there: kept, or the current one's), in capture order. */
static void summary_add(ma_flows_t *fl, const ma_analysis_t *a, const ma_frame_rec_t *fr, unsigned i)
{
    ma_feat_t x;
    const ma_pdu_t *p = &fr->pdu[i];
    if (ma_analysis_feat_expand(a, fr, i, &x))
        ma_flows_add(fl, p->stream, p->pair ? p->pair->label : NULL, fr->ts, &x);
}

ma_flows_t *ma_analysis_flows_of(const ma_analysis_t *a)
{
    if (a->feat_current_only)
        return NULL; /* later records were not kept */
    ma_flows_t *fl = ma_flows_new();
    for (uint32_t f = 1; f < a->by_frame_cap; f++) {
        const ma_frame_rec_t *fr = a->by_frame[f];
        if (!fr || !fr->has_feat)
            continue;
        for (unsigned i = 0; i < fr->n; i++)
            summary_add(fl, a, fr, i);
    }
    return fl;
}

void ma_analysis_features_current_only(ma_analysis_t *a, bool summary)
{
    if (!a->feat || a->feat_current_only)
        return;
    if (summary)
        a->flows = ma_analysis_flows_of(a); /* the PDUs whose records were kept */
    a->feat_current_only = true;
}

ma_flows_t *ma_analysis_flows(const ma_analysis_t *a)
{
    return a->flows;
}

uint32_t ma_analysis_frame_cap(const ma_analysis_t *a)
{
    return a ? a->by_frame_cap : 0;
}

uint32_t ma_analysis_first_reported_frame(const ma_analysis_t *a)
{
    return a->first_reported ? a->first_reported : 1;
}

bool ma_analysis_txn_reported(const ma_analysis_t *a, const ma_txn_t *t)
{
    if (!a->cfg.report_after)
        return true;
    uint32_t f0 = a->first_reported ? a->first_reported : UINT32_MAX;
    if (t->req_frame >= f0)
        return true;
    switch ((ma_outcome_t)t->outcome) {
    case MA_OUT_ANSWERED:
    case MA_OUT_LATE:
        return t->resp_frame >= f0;
    case MA_OUT_MISSED:
        if (t->flags & (MA_TXN_CLOSED | MA_TXN_SUPERSEDED | MA_TXN_EVICTED))
            return t->resolve_frame >= f0;
        return t->req_ts + a->cfg.pairing.response_timeout >= a->cfg.report_after;
    case MA_OUT_UNANSWERED_AT_END:
    case MA_OUT_PENDING:
        return true; /* decided by the end of the capture */
    }
    return true;
}

bool ma_analysis_pdu_reported(const ma_analysis_t *a, const ma_frame_rec_t *fr, const ma_pdu_t *pdu)
{
    if (!a->cfg.report_after || !context_time(a, fr->ts))
        return true;
    return pdu->kind == MA_PDU_REQUEST && pdu->txn && !(pdu->flags & (MA_PDU_RETRANS | MA_PDU_MALFORMED)) &&
           ma_analysis_txn_reported(a, pdu->txn);
}

void ma_analysis_end_pass(ma_analysis_t *a)
{
    if (!a || a->final)
        return;
    ma_core_finalize(a->core);
    ma_ns_t end = ma_core_capture_end(a->core);
    ma_regs_finalize(a->regs, end);
    ma_net_finalize(a->net, end);
    ma_cause_decide(a->core, a->net, a->stp, &a->cfg.cause);
    a->final = true;
}

bool ma_analysis_final(const ma_analysis_t *a)
{
    return a && a->final;
}

ma_core_t *ma_analysis_core(const ma_analysis_t *a)
{
    return a ? a->core : NULL;
}

ma_net_t *ma_analysis_net(const ma_analysis_t *a)
{
    return a ? a->net : NULL;
}

const ma_stp_t *ma_analysis_stp(const ma_analysis_t *a)
{
    return a ? a->stp : NULL;
}

const ma_regs_t *ma_analysis_regs(const ma_analysis_t *a)
{
    return a ? a->regs : NULL;
}

const ma_analysis_config_t *ma_analysis_config(const ma_analysis_t *a)
{
    return &a->cfg;
}

ma_ns_t ma_analysis_first_ts(const ma_analysis_t *a)
{
    return a->first_ts;
}

ma_ns_t ma_analysis_last_ts(const ma_analysis_t *a)
{
    return a->last_ts;
}

uint64_t ma_analysis_frames(const ma_analysis_t *a)
{
    return a->frames;
}

uint64_t ma_analysis_record_bytes(const ma_analysis_t *a)
{
    return a->arena.bytes + (uint64_t)a->by_frame_cap * sizeof *a->by_frame;
}
