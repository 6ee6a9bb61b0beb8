/* fuzz_core.c - libFuzzer harness: arbitrary frame sequences through the analysis core
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Drives core/ma_analysis.h (pairing, features, registers, network, STP,
 * duplicates, causes) and the plain-C report renderers under tap/report
 * with whatever the fuzzer makes of its bytes, within the contracts the
 * post-dissector keeps (postdissector/ingest.c, preferences.c):
 *  - frame numbers start at 1 and increase; times are within
 *    [MA_NS_MIN_TIME, MA_NS_MAX_TIME] (ma_ns_from_time) and may repeat or go
 *    backwards;
 *  - a TCP stream keeps its two endpoints; a frame's ADUs and its segment
 *    belong to one stream and direction; an ADU's caplen <= wirelen;
 *  - durations are 0 .. 1e6 s and response_timeout >= delay_threshold;
 *  - BPDUs come out of ma_stp_parse, like the plugin's.
 * Input layout: a configuration header (HDR_LEN bytes, zeros when short),
 * then one opcode byte per frame followed by its operands (zeros once the
 * input runs out; the frame loop ends with the input). The first pass is
 * ended, every frame record is read back and every report is rendered
 * (into /dev/null).
 *
 * Build: tests/fuzz/build_fuzzer.sh; corpus seeds: tests/fuzz/make_seeds.py.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ma_analysis.h"
#include "ma_export.h"
#include "ma_flows.h"
#include "ma_hbconf.h"
#include "ma_outputs.h"
#include "ma_stats.h"

#define MAX_FRAMES  4096u   /* frames per input: bounds time per run */
#define MAX_ADUS    6u      /* ADUs per frame */
#define NSTREAMS    8u      /* TCP streams an input can use */
#define MAX_DEFS    4u      /* heartbeat / watch / expectation definitions */
#define MAX_SECS_NS (INT64_C(1000000) * MA_NS_PER_SEC)

/* ---- a bounded reader of the fuzzer's bytes (zeros past the end) ---- */

typedef struct rd {
    const uint8_t *p;
    size_t n, i;
} rd_t;

static uint8_t u8(rd_t *r)
{
    return r->i < r->n ? r->p[r->i++] : 0;
}

static uint16_t u16(rd_t *r)
{
    uint16_t v = u8(r);
    return (uint16_t)(v << 8 | u8(r));
}

static uint32_t u32(rd_t *r)
{
    uint32_t v = u16(r);
    return v << 16 | u16(r);
}

static bool more(const rd_t *r)
{
    return r->i < r->n;
}

/* n bytes of the input (fewer at its end); *got says how many. */
static const uint8_t *take(rd_t *r, size_t n, uint32_t *got)
{
    size_t left = r->n - r->i;
    if (n > left)
        n = left;
    const uint8_t *p = r->p + r->i;
    r->i += n;
    *got = (uint32_t)n;
    return p;
}

/* A duration 0 .. 1e6 s, mostly small: one selector byte, then a value. */
static ma_ns_t duration(rd_t *r)
{
    uint8_t k = u8(r);
    switch (k & 3) {
    case 0: return 0;
    case 1: return (ma_ns_t)u8(r) * 1000000;            /* 0 .. 255 ms */
    case 2: return (ma_ns_t)u16(r) * 1000000;           /* 0 .. 65 s */
    default: return (ma_ns_t)(u32(r) % 1000001u) * MA_NS_PER_SEC; /* 0 .. 1e6 s */
    }
}

static void addr(rd_t *r, ma_addr_t *a)
{
    memset(a, 0, sizeof *a);
    uint8_t k = u8(r);
    if ((k & 7) == 0)
        return;               /* unknown */
    a->len = (k & 7) == 7 ? 16 : 4;
    /* few distinct values so that definitions and streams meet */
    a->bytes[0] = a->len == 4 ? 10 : 0xfe;
    a->bytes[a->len - 1] = (uint8_t)((k >> 3) & 7);
}

/* ---- configuration ---- */

enum {
    C_FEATURES = 0x01, C_SPLIT = 0x02, C_STRICT = 0x04, C_TIDPAIR = 0x08,
    C_AUTO = 0x10, C_TINY_PENDING = 0x20, C_JSON = 0x40, C_TINY_BOUNDS = 0x80
};

typedef struct defs {
    ma_hb_def_t    hb[MAX_DEFS];
    ma_watch_def_t w[MAX_DEFS];
    ma_expect_t    e[MAX_DEFS];
    char           names[3 * MAX_DEFS][8];
    GPtrArray     *json_defs, *json_expect;
} defs_t;

static void config(rd_t *r, ma_analysis_config_t *cfg, defs_t *d)
{
    ma_analysis_config_defaults(cfg);
    uint8_t f = u8(r);
    cfg->features = (f & C_FEATURES) != 0;
    cfg->feat.split_direction = (f & C_SPLIT) != 0;
    cfg->feat.strict_unit_id = (f & C_STRICT) != 0;
    cfg->pairing.pair_tid_mismatch = (f & C_TIDPAIR) != 0;
    cfg->regs.auto_detect = (f & C_AUTO) != 0;
    if (f & C_TINY_PENDING) {
        cfg->pairing.max_pending_per_conn = 1 + u8(r) % 8;
        cfg->pairing.max_pending_total = 1 + u8(r) % 16;
    }
    if (f & C_TINY_BOUNDS) {
        cfg->regs.max_groups = u8(r) % 4;
        cfg->regs.max_auto = u8(r) % 4;
        cfg->regs.max_list = u8(r) % 4;
    }
    cfg->pairing.delay_threshold = duration(r);
    cfg->pairing.response_timeout = duration(r);
    if (cfg->pairing.response_timeout < cfg->pairing.delay_threshold)
        cfg->pairing.response_timeout = cfg->pairing.delay_threshold;
    cfg->net.connect_timeout = duration(r);
    cfg->net.retry_window = duration(r);
    cfg->cause.stp_window = duration(r);
    cfg->duplicate_window = duration(r);
    cfg->regs.stall_polls = 1 + u8(r) % 6;
    cfg->regs.stall_factor = (double)(u8(r) % 8) / 2.0;

    unsigned nhb = u8(r) % (MAX_DEFS + 1), nw = u8(r) % (MAX_DEFS + 1), ne = u8(r) % (MAX_DEFS + 1);
    for (unsigned i = 0; i < nhb; i++) {
        ma_hb_def_t *h = &d->hb[i];
        snprintf(d->names[i], sizeof d->names[i], "hb%u", i);
        h->name = d->names[i];
        h->source = (ma_hb_source_t)(u8(r) % 4);
        addr(r, &h->client);
        addr(r, &h->server);
        uint8_t k = u8(r);
        h->port = k & 1 ? 502 : -1;
        h->unit = k & 2 ? (int32_t)u8(r) : -1;
        h->table = (ma_table_t)(u8(r) % MA_TBL_COUNT);
        h->reg = u8(r);                   /* low addresses meet the polls */
        h->words = k & 4 ? 2 : 1;
        h->poll_start = k & 8 ? (int32_t)u8(r) : -1;
        h->poll_count = k & 16 ? 1 + u8(r) % 125 : -1;
    }
    for (unsigned i = 0; i < nw; i++) {
        ma_watch_def_t *w = &d->w[i];
        snprintf(d->names[MAX_DEFS + i], sizeof d->names[0], "w%u", i);
        w->name = d->names[MAX_DEFS + i];
        addr(r, &w->server);
        uint8_t k = u8(r);
        w->unit = k & 1 ? (int32_t)u8(r) : -1;
        w->table = (ma_table_t)(u8(r) % MA_TBL_COUNT);
        w->addr = u8(r);
        w->type = (ma_vtype_t)(u8(r) % 6);
        w->order = (ma_order_t)(u8(r) % 4);
    }
    for (unsigned i = 0; i < ne; i++) {
        ma_expect_t *e = &d->e[i];
        snprintf(d->names[2 * MAX_DEFS + i], sizeof d->names[0], "e%u", i);
        e->name = d->names[2 * MAX_DEFS + i];
        addr(r, &e->server);
        addr(r, &e->client);
        e->port = u8(r) & 1 ? 502 : u16(r);
    }
    cfg->hb_defs = d->hb;
    cfg->n_hb_defs = nhb;
    cfg->watches = d->w;
    cfg->n_watches = nw;
    cfg->expect = d->e;
    cfg->n_expect = ne;

    /* The site's JSON files (ma_hbconf.h): text from the input; what parses
     * replaces the definitions above. */
    if (f & C_JSON) {
        uint8_t kind = u8(r);
        uint32_t len;
        const char *text = (const char *)take(r, u16(r) % 2048, &len);
        char *err = NULL;
        bool ok;
        if (kind & 1)
            ok = ma_hbconf_parse_hbdefs(text, len, "fuzz.json", d->json_defs, &err);
        else
            ok = ma_hbconf_parse_monitor(text, len, "fuzz.json", d->json_defs, &err) &&
                 ma_hbconf_parse_expect(text, len, "fuzz.json", d->json_expect, &err);
        g_free(err);
        if (ok && d->json_defs->len) {
            static ma_hb_def_t hb[64];
            unsigned n = MIN(d->json_defs->len, G_N_ELEMENTS(hb));
            for (unsigned i = 0; i < n; i++)
                hb[i] = *(ma_hb_def_t *)g_ptr_array_index(d->json_defs, i);
            cfg->hb_defs = hb;
            cfg->n_hb_defs = n;
        }
        if (ok && d->json_expect->len) {
            static ma_expect_t ex[64];
            unsigned n = MIN(d->json_expect->len, G_N_ELEMENTS(ex));
            for (unsigned i = 0; i < n; i++)
                ex[i] = *(ma_expect_t *)g_ptr_array_index(d->json_expect, i);
            cfg->expect = ex;
            cfg->n_expect = n;
        }
    }
}

/* ---- frames ---- */

typedef struct stream {
    bool      used;
    ma_addr_t client, server;
    uint16_t  cport, sport;
    bool      c_is_server_port, s_is_server_port;
    uint32_t  seq[2];
} stream_t;

enum { OP_TCP = 0, OP_ADU_ONLY, OP_BPDU, OP_NOTHING };

/* The next time: equal, forward a little or a lot, backwards, or anywhere
 * in the range the plugin hands over (core/base/ma_types.h). */
static ma_ns_t advance(rd_t *r, ma_ns_t ts)
{
    uint8_t k = u8(r);
    ma_ns_t t = ts;
    switch (k & 7) {
    case 0: break;
    case 1: case 2: case 3: t += (ma_ns_t)u8(r) * 1000000; break;       /* ms */
    case 4: t += (ma_ns_t)u16(r) * 10000000; break;                     /* up to ~11 min */
    case 5: t -= (ma_ns_t)u16(r) * 1000000; break;                      /* backwards */
    case 6: t += (ma_ns_t)u32(r) * MA_NS_PER_SEC; break;                /* years */
    default:                                                            /* anywhere */
        t = k & 8 ? MA_NS_MAX_TIME - (ma_ns_t)u32(r) : k & 16 ? MA_NS_MIN_TIME + (ma_ns_t)u32(r)
                                                               : (ma_ns_t)u32(r) * 1000;
        break;
    }
    return t < MA_NS_MIN_TIME ? MA_NS_MIN_TIME : t > MA_NS_MAX_TIME ? MA_NS_MAX_TIME : t;
}

static stream_t *pick_stream(rd_t *r, stream_t *streams, uint32_t *id)
{
    uint8_t k = u8(r);
    *id = k % NSTREAMS;
    stream_t *s = &streams[*id];
    if (!s->used) {
        s->used = true;
        addr(r, &s->client);
        addr(r, &s->server);
        uint8_t p = u8(r);
        s->sport = p & 1 ? 502 : (p & 2 ? 5020 : u16(r));
        s->cport = p & 4 ? 502 : (uint16_t)(1024 + u8(r));
        s->s_is_server_port = s->sport == 502 || (p & 8);
        s->c_is_server_port = s->cport == 502 || (p & 16);
        s->seq[0] = u32(r);
        s->seq[1] = u32(r);
    }
    return s;
}

/* An ADU: a Modbus-looking header mostly, random bytes otherwise. The
 * bytes are a heap copy of exactly caplen bytes (freed after the frame, as
 * the plugin's pinfo->pool copy is), so ASan sees any read past them or
 * after the frame. */
static void make_adu(rd_t *r, ma_adu_in_t *a)
{
    uint8_t k = u8(r);
    uint32_t len = (k & 0x80) ? u8(r) : 8 + u8(r) % 16, got;
    uint8_t buf[256];
    const uint8_t *src = take(r, len, &got);
    memset(buf, 0, sizeof buf);
    memcpy(buf, src, got);
    if (!(k & 0x40) && len >= 8) {
        /* a plausible MBAP header: protocol id 0, length matching */
        buf[2] = buf[3] = 0;
        buf[4] = (uint8_t)((len - 6) >> 8);
        buf[5] = (uint8_t)(len - 6);
    }
    a->wirelen = len;
    a->caplen = len;
    switch ((k >> 3) & 3) {
    case 0: break;
    case 1: a->caplen = len ? len - 1 - (k & 7) % len : 0; break;      /* truncated capture */
    case 2: a->wirelen = len + (k & 7); break;                        /* framed longer */
    default: a->wirelen = len - (k & 7) % (len + 1);                  /* framed shorter */
        a->caplen = MIN(a->caplen, a->wirelen);
        break;
    }
    a->bytes = a->caplen ? g_memdup2(buf, a->caplen) : NULL;
}

static uint64_t digest_of(rd_t *r)
{
    uint8_t k = u8(r);
    return k & 1 ? 0 : (uint64_t)(k >> 1) * 0x9e3779b97f4a7c15ull;
}

/* ---- reading everything back ---- */

static volatile uint64_t sink;

static void touch_txn(const ma_txn_t *t)
{
    if (!t)
        return;
    sink += t->req_frame + t->resp_frame + t->outcome + t->flags + t->cause + (uint64_t)ma_txn_rtt(t);
    sink += (uintptr_t)t->pair;
    sink += (uint64_t)ma_cause_applies(t) + strlen(ma_cause_name((ma_cause_t)t->cause));
    sink += strlen(ma_outcome_name((ma_outcome_t)t->outcome));
}

static void touch_seg(const ma_seg_rec_t *s)
{
    if (!s)
        return;
    sink += s->what + s->analysis + s->to_server + s->ntxn + s->dup_of;
    for (unsigned i = 0; i < s->ntxn && i < MA_NET_SEG_TXNS; i++)
        touch_txn(s->txn[i]);
    if (s->conn)
        sink += s->conn->stream + s->conn->attempt + s->conn->end + (uint64_t)s->conn->gap;
}

static void touch_bpdu(const ma_bpdu_rec_t *b)
{
    if (!b)
        return;
    char buf[64];
    ma_stp_events_format(b->events, buf, sizeof buf);
    ma_stp_id_format(b->bpdu.root_id, buf, sizeof buf);
    sink += b->events + b->repeat + b->prev_frame + b->speaker + strlen(ma_stp_role_name(b->prev_role & 3));
}

static void reports(ma_analysis_t *an, uint32_t nframes, FILE *out)
{
    ma_core_t *core = ma_analysis_core(an);
    ma_stats_t *st = ma_stats_new();
    ma_flows_t *fl = ma_flows_new();
    ma_export_t *ex = ma_analysis_config(an)->features ? ma_export_new(out) : NULL;
    ma_feat_t *feat = g_new(ma_feat_t, 1);
    for (uint32_t f = 1; f <= nframes; f++) {
        const ma_frame_rec_t *fr = ma_analysis_frame_rec(an, f);
        if (!fr)
            continue;
        touch_seg(ma_frame_seg(fr));
        touch_bpdu(ma_frame_bpdu(fr));
        for (unsigned i = 0; i < fr->n; i++) {
            const ma_pdu_t *p = &fr->pdu[i];
            sink += p->kind + p->flags + p->tid;
            touch_txn(p->txn);
            ma_stats_add(st, p);
            if (fr->regs && fr->regs[i])
                sink += fr->regs[i]->group + fr->regs[i]->n_hb + fr->regs[i]->n_reg;
            if (ma_analysis_feat_expand(an, fr, i, feat)) {
                const char *label = p->pair ? p->pair->label : NULL;
                ma_flows_add(fl, p->stream, label, (ma_ns_t)f * 1000, feat);
                ma_export_row_t row = {.frame = f, .index = i, .ts = (ma_ns_t)f * 1000, .stream = p->stream,
                                       .is_request = p->kind == MA_PDU_REQUEST, .pair = label ? label : "",
                                       .feat = feat};
                ma_export_row(ex, &row);
            }
        }
    }
    if (ex)
        ma_export_stats(ex, out);

    /* Every output of the registry, as tap/cli.c renders them (the SQLite
     * database excepted: it is a file, covered by tests/test_outputs.py). */
    ma_verdict_config_t v;
    ma_verdict_config_defaults(&v);
    ma_report_ctx_t rc;
    ma_report_ctx_init(&rc, an, "fuzz.pcap", &v);
    unsigned nout = 0;
    const ma_output_t *outs = ma_outputs_list(&nout);
    for (unsigned i = 0; i < nout; i++) {
        switch (outs[i].kind) {
        case MA_OUT_TEXT:
            ma_out_text(out, outs[i].name, &rc, NULL, NULL);
            if (outs[i].filter)
                ma_out_text(out, outs[i].name, &rc, st, "fuzz");
            break;
        case MA_OUT_CSV:
            ma_out_csv(out, outs[i].name, &rc, NULL);
            if (outs[i].filter)
                ma_out_csv(out, outs[i].name, &rc, st);
            break;
        default:
            break;
        }
    }
    ma_out_json(out, &rc);
    ma_out_verdict(out, &rc);
    ma_report_ctx_free(&rc);

    uint32_t np = ma_core_pair_count(core);
    uint64_t *req = g_new0(uint64_t, np + 1);
    for (unsigned i = 0; i < ma_stats_nrows(st); i++) {
        const ma_row_t *row = ma_stats_row(st, i);
        if (row->pair && row->unit == MA_UNIT_ALL && row->pair->id < np)
            req[row->pair->id] = row->requests;
    }
    ma_net_t *net = ma_analysis_net(an);
    const ma_expect_result_t *er = ma_net_expect_results(net, req, np);
    for (uint32_t i = 0; i < ma_net_expect_count(net); i++)
        sink += er[i].state + er[i].pairs;
    for (uint32_t i = 0; i < np; i++) {
        const ma_pair_t *pair = ma_core_pair_at(core, i);
        sink += ma_net_pair_expected(net, pair);
        sink += (uintptr_t)ma_net_find_event(net, i, 0xffu, UINT32_MAX, 0, INT64_MAX);
    }
    const ma_stp_t *stp = ma_analysis_stp(an);
    for (uint32_t i = 0; i < ma_stp_event_count(stp); i++) {
        const ma_stp_event_t *e = ma_stp_event_at(stp, i);
        sink += (uintptr_t)ma_stp_last_change(stp, e->ts) + e->repeats;
    }
    for (uint32_t i = 0; i < ma_stp_root_count(stp); i++)
        sink += ma_stp_root_at(stp, i)->bpdus;
    sink += ma_analysis_record_bytes(an) + ma_analysis_frames(an) + ma_core_txn_count(core);
    g_free(req);
    g_free(feat);
    ma_export_free(ex);
    ma_flows_free(fl);
    ma_stats_free(st);
}

/* The JSON document and the flow sections of two analyses of the same
 * frames (ma_analysis_features_current_only in one): abort unless equal. */
static void same_reports(const ma_analysis_t *a, const ma_analysis_t *b)
{
    char *text[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    const ma_analysis_t *an[2] = {a, b};
    ma_verdict_config_t v;
    ma_verdict_config_defaults(&v);
    for (int k = 0; k < 2; k++) {
        FILE *m = open_memstream(&text[k], &len[k]);
        ma_report_ctx_t rc;
        ma_report_ctx_init(&rc, an[k], "fuzz.pcap", &v);
        ma_out_json(m, &rc);
        ma_out_text(m, "flows", &rc, NULL, NULL);
        ma_report_ctx_free(&rc);
        fclose(m);
    }
    if (len[0] != len[1] || memcmp(text[0], text[1], len[0]) != 0)
        abort();
    free(text[0]);
    free(text[1]);
}

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    devnull = fopen("/dev/null", "w");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rd_t r = {data, size, 0};
    defs_t *d = g_new0(defs_t, 1);
    d->json_defs = g_ptr_array_new_with_free_func(ma_hb_def_free);
    d->json_expect = g_ptr_array_new_with_free_func(ma_expect_free);
    ma_analysis_config_t cfg;
    config(&r, &cfg, d);
    ma_analysis_t *an = ma_analysis_new(&cfg);
    /* The same frames with each frame's feature records kept only while it
     * is the current one, from a frame the input chooses: every column and
     * every report must come out the same. */
    ma_analysis_t *cur = ma_analysis_new(&cfg);
    uint32_t sw = 1 + (uint32_t)(size % 5);
    ma_feat_t *fx = g_new0(ma_feat_t, 1), *fy = g_new0(ma_feat_t, 1);

    stream_t streams[NSTREAMS];
    memset(streams, 0, sizeof streams);
    ma_ns_t ts = (ma_ns_t)1700000000 * MA_NS_PER_SEC;
    uint32_t frame = 0;
    while (more(&r) && frame < MAX_FRAMES) {
        uint8_t op = u8(&r);
        frame++;
        ts = advance(&r, ts);
        ma_frame_in_t in = {.frame = frame, .ts = ts};
        ma_adu_in_t adus[MAX_ADUS];
        ma_tcp_in_t seg;
        ma_bpdu_in_t bpdu;
        switch (op & 3) {
        case OP_TCP:
        case OP_ADU_ONLY: {
            uint32_t sid;
            stream_t *s = pick_stream(&r, streams, &sid);
            bool to_server = (op & 4) != 0;
            const ma_addr_t *src = to_server ? &s->client : &s->server;
            const ma_addr_t *dst = to_server ? &s->server : &s->client;
            uint16_t sp = to_server ? s->cport : s->sport, dp = to_server ? s->sport : s->cport;
            bool ssp = to_server ? s->c_is_server_port : s->s_is_server_port;
            bool dsp = to_server ? s->s_is_server_port : s->c_is_server_port;
            unsigned nadu = (op >> 3) % (MAX_ADUS + 1);
            uint32_t payload = 0;
            for (unsigned i = 0; i < nadu; i++) {
                ma_adu_in_t *a = &adus[i];
                memset(a, 0, sizeof *a);
                make_adu(&r, a);
                a->stream = sid;
                a->src = *src;
                a->dst = *dst;
                a->srcport = sp;
                a->dstport = dp;
                a->src_is_server_port = ssp;
                a->dst_is_server_port = dsp;
                payload += a->caplen;
            }
            in.adus = nadu ? adus : NULL;
            in.nadus = nadu;
            if ((op & 3) == OP_TCP) {
                memset(&seg, 0, sizeof seg);
                seg.frame = frame;
                seg.ts = ts;
                seg.stream = sid;
                seg.src = *src;
                seg.dst = *dst;
                seg.srcport = sp;
                seg.dstport = dp;
                seg.src_is_server_port = ssp;
                seg.dst_is_server_port = dsp;
                uint8_t fl = u8(&r);
                seg.flags = (uint16_t)(fl & (MA_TCP_FIN | MA_TCP_SYN | MA_TCP_RST | MA_TCP_ACK));
                seg.analysis = (uint8_t)(u8(&r) & 0x3f);
                seg.has_seq = !(fl & 0x80);
                uint32_t *seq = &s->seq[to_server ? 0 : 1];
                uint8_t sk = u8(&r);
                if (sk & 1)
                    *seq -= (uint32_t)u16(&r);            /* retransmit / overlap */
                else if (sk & 2)
                    *seq = u32(&r);                       /* anywhere */
                seg.seq = *seq;
                seg.len = sk & 4 ? u16(&r) : payload;
                *seq += seg.len + ((seg.flags & (MA_TCP_SYN | MA_TCP_FIN)) ? 1 : 0);
                seg.ack = s->seq[to_server ? 1 : 0];
                seg.has_ip_id = src->len == 4 && !(fl & 0x40);
                seg.ip_id = u16(&r);
                seg.digest = digest_of(&r);
                seg.duplicate_of = 0;
                in.seg = &seg;
            }
            break;
        }
        case OP_BPDU: {
            uint8_t k = u8(&r);
            uint32_t got;
            const uint8_t *b = take(&r, k & 0x3f, &got);
            uint8_t *body = g_memdup2(b, got); /* exactly the BPDU's bytes */
            if (!(k & 0x40) && got >= 4)
                body[0] = body[1] = 0;            /* protocol identifier 0 */
            memset(&bpdu, 0, sizeof bpdu);
            bool ok = ma_stp_parse(body, got, (k & 0x80) != 0, &bpdu);
            g_free(body);
            if (ok) {
                bpdu.frame = frame;
                bpdu.ts = ts;
                bpdu.src_mac[5] = u8(&r) & 7;
                if (!bpdu.pvst)
                    bpdu.vlan = u8(&r) & 3 ? 0 : u16(&r) & 0xfff;
                in.bpdu = &bpdu;
            }
            break;
        }
        default:
            if (op & 4) {
                ma_analysis_note_time(an, ts);
                ma_analysis_note_time(cur, ts);
                continue;
            }
            break;
        }
        if (frame == sw)
            ma_analysis_features_current_only(cur, true);
        const ma_frame_rec_t *fr = ma_analysis_frame(an, &in);
        const ma_frame_rec_t *fc = ma_analysis_frame(cur, &in);
        if ((fr == NULL) != (fc == NULL) || (fr && fr->n != fc->n))
            abort();
        if (fr)
            sink += fr->n + fr->frame;
        for (unsigned i = 0; fr && i < fr->n; i++) {
            bool hx = ma_analysis_feat_expand(an, fr, i, fx), hy = ma_analysis_feat_expand(cur, fc, i, fy);
            if (hx != hy || (hx && (memcmp(fx->v, fy->v, sizeof fx->v) != 0 || fx->present != fy->present ||
                                    fx->invalid != fy->invalid || fx->td_full != fy->td_full)))
                abort();
        }
        for (unsigned i = 0; i < in.nadus; i++)
            g_free((void *)adus[i].bytes);
    }
    ma_analysis_end_pass(an);
    ma_analysis_end_pass(an);          /* idempotent */
#ifdef FUZZ_TRACE
    /* -DFUZZ_TRACE: what an input meant (checks tests/fuzz/make_seeds.py's encoder) */
    {
        ma_core_t *c = ma_analysis_core(an);
        const ma_regs_t *rg = ma_analysis_regs(an);
        const ma_stp_totals_t *tt = ma_stp_totals(ma_analysis_stp(an));
        fprintf(stderr, "frames %u txns %u pairs %u conns %u hb %u defs %u watches %u groups %u bpdus %llu "
                "stp events %u expect %u json_defs %u\n", frame, ma_core_txn_count(c), ma_core_pair_count(c),
                ma_net_conn_count(ma_analysis_net(an)), ma_regs_hb_count(rg), ma_regs_def_count(rg),
                ma_regs_watch_count(rg), ma_regs_group_count(rg), (unsigned long long)tt->bpdus,
                ma_stp_event_count(ma_analysis_stp(an)), ma_net_expect_count(ma_analysis_net(an)),
                d->json_defs->len);
        for (uint32_t i = 0; i < ma_core_txn_count(c); i++) {
            const ma_txn_t *t = ma_core_txn_at(c, i);
            fprintf(stderr, "  txn req %u resp %u tid %u fc %u %s flags 0x%x cause %s\n", t->req_frame,
                    t->resp_frame, t->tid, t->fc, ma_outcome_name((ma_outcome_t)t->outcome), t->flags,
                    ma_cause_name((ma_cause_t)t->cause));
        }
    }
#endif
    ma_analysis_end_pass(cur);
    sink += ma_analysis_final(an);
    reports(an, frame, devnull);
    same_reports(an, cur);
    ma_analysis_free(cur);
    g_free(fx);
    g_free(fy);
    sink += (uintptr_t)ma_analysis_frame_rec(an, frame + 1) + (uintptr_t)ma_analysis_frame_rec(an, 0);

    ma_analysis_free(an);
    g_ptr_array_free(d->json_defs, TRUE);
    g_ptr_array_free(d->json_expect, TRUE);
    g_free(d);
    return 0;
}
