/* ma_regs.h - poll groups, heartbeats and watched registers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * What a SCADA engineer reads off register traffic (docs/heartbeats.md has
 * the exact rules):
 *  - poll groups: every distinct (pair, unit, function code, start, count)
 *    read; its cadence (median period), jitter and gaps;
 *  - heartbeats: registers that must change on every poll (configured from
 *    hb_defs.json, pcap_monitor.json or a UAT, or detected as counters):
 *    value, change, stalls, recoveries, resets;
 *  - watched registers: a register's value on every read response and
 *    write request, with its history of changes.
 *
 * Register tables and function codes (Modbus Application Protocol v1.1b3,
 * 6.1-6.17): coils are read by 1 and written by 5/15, discrete inputs read
 * by 2, holding registers read by 3/23 and written by 6/16/23, input
 * registers read by 4.
 *
 * Plain C + GLib, no epan types. First pass only, in capture order; the
 * per-PDU records are stable for the lifetime of the ma_regs_t.
 */
#ifndef MA_REGS_H
#define MA_REGS_H

#include <glib.h>

#include "ma_core.h"
#include "ma_modbus.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MA_HB_SRC_HBDEFS = 0,   /* hb_defs.json */
    MA_HB_SRC_MONITOR,      /* pcap_monitor.json "heartbeats" */
    MA_HB_SRC_UAT,          /* the heartbeats UAT */
    MA_HB_SRC_AUTO          /* detected as a counter */
} ma_hb_source_t;

const char *ma_hb_source_name(ma_hb_source_t s); /* "hb_defs", "pcap_monitor", "uat", "auto" */

/* A heartbeat definition. Unset matchers match anything. */
typedef struct ma_hb_def {
    char          *name;
    ma_hb_source_t source;
    ma_addr_t      client;      /* len 0: any client */
    ma_addr_t      server;      /* len 0: any server */
    int32_t        port;        /* -1: any */
    int32_t        unit;        /* -1: any */
    ma_table_t     table;
    uint16_t       reg;         /* the heartbeat register */
    uint8_t        words;       /* 1 (16-bit) or 2 (32-bit, high word first) */
    int32_t        poll_start;  /* -1: any poll covering reg (hb_defs: hb_start) */
    int32_t        poll_count;  /* -1: any (hb_defs: hb_size) */
} ma_hb_def_t;

typedef enum { MA_VT_U16, MA_VT_S16, MA_VT_U32, MA_VT_S32, MA_VT_F32, MA_VT_BOOL } ma_vtype_t;
/* Byte order of a 32-bit value as A B C D = most to least significant:
 * ABCD = big endian (Modbus), CDAB = low word first, BADC = bytes swapped
 * in each word, DCBA = little endian. */
typedef enum { MA_ORDER_ABCD, MA_ORDER_CDAB, MA_ORDER_BADC, MA_ORDER_DCBA } ma_order_t;

/* A watched register. */
typedef struct ma_watch_def {
    char      *name;
    ma_addr_t  server;          /* len 0: any */
    int32_t    unit;            /* -1: any */
    ma_table_t table;
    uint16_t   addr;
    ma_vtype_t type;
    ma_order_t order;
} ma_watch_def_t;

/* Decode a value of type/order from words[0..] (1 or 2 registers). */
double ma_watch_decode(ma_vtype_t type, ma_order_t order, const uint16_t *words);
unsigned ma_vtype_words(ma_vtype_t type);
bool ma_vtype_parse(const char *s, ma_vtype_t *out);   /* u16 s16 u32 s32 f32 bool */
bool ma_order_parse(const char *s, ma_order_t *out);   /* ABCD CDAB BADC DCBA */

typedef struct ma_regs_config {
    uint32_t stall_polls;     /* stalled after this many unchanged polls (>= 1) */
    double   stall_factor;    /* ... or unchanged > factor x cadence (0: off) */
    bool     auto_detect;     /* detect counters as heartbeats */
    uint32_t max_groups;      /* bound on poll groups */
    uint32_t max_auto;        /* bound on registers tracked for auto-detection */
    uint32_t max_list;        /* bound on listed stalls/gaps/changes per item */
    ma_ns_t  gap_min;         /* a gap is also longer than this (absolute minimum) */
    uint32_t min_polls;       /* groups with fewer polls are one-off reads (no cadence, gap, stop) */
} ma_regs_config_t;

#define MA_REGS_DEFAULT_STALL_POLLS 3u
#define MA_REGS_DEFAULT_STALL_FACTOR 3.0
#define MA_REGS_GAP_FACTOR 1.5          /* a gap: period > 1.5 x cadence ... */
#define MA_REGS_DEFAULT_GAP_MIN (1 * MA_NS_PER_SEC) /* ... and > this absolute minimum */
#define MA_REGS_DEFAULT_MIN_POLLS 5u    /* fewer polls: a one-off read, no cadence judged */
#define MA_REGS_BURST_RATIO 4.0         /* bursts: a jump of >= 4x in the sorted periods ... */
#define MA_REGS_BURST_SHARE 0.15        /* ... with >= 15 % (and >= 3) of the periods above it */
#define MA_REGS_AUTO_MIN_POLLS 10u      /* auto: judged after 10 polls */
#define MA_REGS_AUTO_MAX_STEP 16        /* auto: 1 <= step <= 16 */

void ma_regs_config_defaults(ma_regs_config_t *cfg);

/* ---- per-PDU results ---- */

#define MA_HBO_FIRST      0x0001u /* first poll of this heartbeat */
#define MA_HBO_CHANGED    0x0002u /* value differs from the previous poll */
#define MA_HBO_STALLED    0x0004u /* in a stall after this poll */
#define MA_HBO_STALL      0x0008u /* the stall was detected at this poll */
#define MA_HBO_RECOVERED  0x0010u /* a stall ended at this poll */
#define MA_HBO_RESET      0x0020u /* decrease that is not a counter wrap */
#define MA_HBO_WRAP       0x0040u /* counter wrap */

typedef struct ma_hb_obs {
    uint32_t hb;              /* index for ma_regs_hb() */
    uint32_t value;
    uint32_t prev;            /* previous value (when !FIRST) */
    int64_t  delta;           /* value - prev as integers (0 on FIRST) */
    ma_ns_t  since_change;    /* time since the poll where value first appeared */
    uint32_t unchanged;       /* consecutive unchanged polls up to this one */
    uint32_t stall_frame;     /* STALL/STALLED/RECOVERED: first unchanged poll */
    ma_ns_t  stall_duration;  /* RECOVERED: end - start of the stall */
    uint16_t flags;           /* MA_HBO_* */
} ma_hb_obs_t;

#define MA_REGO_CHANGED 0x01u
#define MA_REGO_FIRST   0x02u
#define MA_REGO_WRITE   0x04u /* from a write request (else a read response) */

typedef struct ma_reg_obs {
    uint32_t watch;           /* index for ma_regs_watch() */
    double   value;
    double   prev;
    uint8_t  flags;           /* MA_REGO_* */
} ma_reg_obs_t;

/* A PDU's register results: 16 bytes, its n_hb heartbeat and then n_reg
 * register observations right behind it in the same allocation
 * (ma_regs_rec_hb, ma_regs_rec_reg). A response that observed nothing
 * shares its poll group's record. */
typedef struct ma_regs_rec {
    ma_ns_t  period;          /* request: since the group's previous poll, -1: first
                                 (whether it is a gap: ma_regs_poll_gap, after finalize) */
    uint32_t group;           /* 1-based index for ma_regs_group(), 0: none */
    uint16_t n_hb, n_reg;
} ma_regs_rec_t;

/* The record's heartbeat observations (n_hb of them), or NULL. */
static inline const ma_hb_obs_t *ma_regs_rec_hb(const ma_regs_rec_t *r)
{
    return r->n_hb ? (const ma_hb_obs_t *)(const void *)(r + 1) : NULL;
}

/* The record's register observations (n_reg of them), or NULL. */
static inline const ma_reg_obs_t *ma_regs_rec_reg(const ma_regs_rec_t *r)
{
    return r->n_reg ? (const ma_reg_obs_t *)(const void *)((const ma_hb_obs_t *)(const void *)(r + 1) + r->n_hb)
                    : NULL;
}

/* ---- capture-wide results ---- */

typedef struct ma_hb_stall {
    uint32_t start_frame, end_frame;  /* end_frame 0: still stalled at end */
    ma_ns_t  start_ts, end_ts, last_ts;
    uint32_t polls;                   /* unchanged polls */
    uint32_t value;
} ma_hb_stall_t;

typedef struct ma_hb {
    char          *name;
    ma_hb_source_t source;
    const ma_pair_t *pair;
    uint8_t        unit;
    ma_table_t     table;
    uint16_t       reg;
    uint8_t        words;
    uint64_t       polls, changes, stalls, resets, wraps;
    ma_ns_t        longest_stall;
    uint32_t       last_value;
    ma_ns_t        first_ts, last_ts;
    bool           stalled;           /* in a stall at the last poll */
    uint32_t       stalls_listed;     /* first max_list stalls are in 'list' */
    ma_hb_stall_t *list;
    /* state, private */
    ma_ns_t        change_ts;
    uint32_t       unchanged;
    uint32_t       run_frame;
    ma_ns_t        run_ts;
    ma_ns_t        prev_ts;
    ma_ns_t        periods[15];
    uint32_t       nperiods;
    ma_hb_stall_t  cur;               /* the open stall while 'stalled' */
} ma_hb_t;

typedef struct ma_gap {
    uint32_t before_frame, after_frame;
    ma_ns_t  before_ts, after_ts;
    ma_ns_t  cadence;
} ma_gap_t;

/* A poll group's numbers are final after ma_regs_finalize (docs/heartbeats.md):
 * cadence - the typical cycle: the median of the group's periods, or, when
 *   the group is polled in bursts (several polls a few ms apart, then a
 *   pause: a jump of >= MA_REGS_BURST_RATIO in the sorted periods with
 *   >= MA_REGS_BURST_SHARE and >= 3 of them above it), the median of the
 *   periods above that jump;
 * cycles - bursts: a poll more than half a cadence after the previous one
 *   starts one (every poll when the group is not bursty);
 * a gap - a period > MA_REGS_GAP_FACTOR x cadence and > gap_min;
 *   missed_polls += max(1, round(period / cadence) - 1), in total at most
 *   round(span / cadence) + 1 - cycles (but at least one per gap);
 * stopped - the capture ends more than 1.5 x cadence and gap_min after the
 *   last poll.
 * Groups with fewer than min_polls polls are one-off reads: cadence 0, no
 * gap, never stopped. */
typedef struct ma_poll_group {
    const ma_pair_t *pair;
    uint8_t   unit, fc;
    ma_table_t table;
    uint16_t  start, count;
    uint64_t  polls, responses, gaps, missed_polls;
    uint64_t  cycles;
    uint32_t  first_frame, last_frame;
    ma_ns_t   first_ts, last_ts;
    ma_ns_t   cadence;        /* the typical cycle, 0: not judged (one-off read) */
    double    jitter_s;       /* population std of the cycle periods that are no gap, s */
    bool      bursty;         /* polled in bursts */
    bool      one_off;        /* fewer than min_polls polls */
    bool      periods_truncated;
    bool      stopped;        /* see above */
    uint32_t  gaps_listed;
    ma_gap_t *gap_list;
    void     *priv;
} ma_poll_group_t;

typedef struct ma_reg_change {
    uint32_t frame;
    ma_ns_t  ts;
    double   prev, value;
    bool     write;
} ma_reg_change_t;

typedef struct ma_watch {
    const ma_watch_def_t *def;
    ma_addr_t server;
    uint16_t  port;
    uint8_t   unit;
    uint64_t  reads, writes, changes;
    double    first_value, last_value;
    ma_ns_t   first_ts, last_ts;
    uint32_t  changes_listed;
    ma_reg_change_t *list;
} ma_watch_t;

typedef struct ma_regs ma_regs_t;

/* defs and watches are copied (names too). */
ma_regs_t *ma_regs_new(const ma_regs_config_t *cfg, const ma_hb_def_t *defs, unsigned ndefs,
                       const ma_watch_def_t *watches, unsigned nwatches);
void ma_regs_free(ma_regs_t *r);

/* One Modbus PDU after ma_core_pdu() (first pass, capture order). Reads
 * in->ref/count/words/bits; returns its record or NULL when the PDU says
 * nothing about registers. */
const ma_regs_rec_t *ma_regs_pdu(ma_regs_t *r, const ma_pdu_in_t *in, const ma_pdu_t *pdu);

/* End of capture at capture_end: closes open stalls, computes cadences.
 * Idempotent. */
void ma_regs_finalize(ma_regs_t *r, ma_ns_t capture_end);

/* After finalize: whether a request's poll (rec->period) is a gap of its
 * group, and the cadence it was judged by (0: none). */
bool ma_regs_poll_gap(const ma_regs_t *r, const ma_regs_rec_t *rec, ma_ns_t *cadence);

unsigned ma_regs_hb_count(const ma_regs_t *r);
const ma_hb_t *ma_regs_hb(const ma_regs_t *r, unsigned i);
unsigned ma_regs_group_count(const ma_regs_t *r);
const ma_poll_group_t *ma_regs_group(const ma_regs_t *r, unsigned i);   /* 0-based */
unsigned ma_regs_watch_count(const ma_regs_t *r);
const ma_watch_t *ma_regs_watch(const ma_regs_t *r, unsigned i);
/* Counters of what the bounds turned away. */
uint64_t ma_regs_groups_dropped(const ma_regs_t *r);
uint64_t ma_regs_auto_dropped(const ma_regs_t *r);
const ma_regs_config_t *ma_regs_config(const ma_regs_t *r);
/* The heartbeat definitions given, and how many pair/unit instances each
 * matched (0: no poll ever covered it). */
unsigned ma_regs_def_count(const ma_regs_t *r);
const ma_hb_def_t *ma_regs_def(const ma_regs_t *r, unsigned i);
uint32_t ma_regs_def_instances(const ma_regs_t *r, unsigned i);

#ifdef __cplusplus
}
#endif

#endif /* MA_REGS_H */
