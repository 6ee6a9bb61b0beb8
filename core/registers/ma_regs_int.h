/* ma_regs_int.h - internals shared by ma_regs.c, ma_hb.c and ma_watch.c
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MA_REGS_INT_H
#define MA_REGS_INT_H

#include "ma_regs.h"
#include "ma_pool.h"

/* Auto-detection state of one register of a poll group's block. */
typedef struct ma_auto {
    uint32_t polls, changes;
    uint32_t unchanged, run_frame;
    ma_ns_t  change_ts, run_ts, prev_ts, first_ts;
    uint32_t stepc[4];
    int16_t  step[4];
    uint16_t last;
    uint8_t  nsteps;
} ma_auto_t;

typedef struct ma_ref {
    uint32_t idx;       /* heartbeat instance / watch def */
    int32_t  inst;      /* watch instance, -1 until first seen */
    uint16_t off;       /* offset in the block */
} ma_ref_t;

/* Private part of a poll group. */
typedef struct ma_grp_priv {
    GArray    *hbrefs;      /* ma_ref_t: heartbeats in the block (NULL: none yet) */
    GArray    *wrefs;       /* ma_ref_t: watched registers in the block (NULL: none yet) */
    ma_auto_t *autos;       /* count entries (register tables, auto on) */
    uint8_t   *covered;     /* count flags: part of a heartbeat already */
    ma_ns_t   *ts;          /* every poll's time (bounded globally) */
    uint32_t  *frames;      /* every poll's frame */
    uint32_t   npolls, cap_polls; /* entries of ts and frames */
    ma_regs_rec_t resp;     /* the record of every response that observed nothing */
} ma_grp_priv_t;

/* A group's heartbeat or watch references: most groups have none, so the
 * array is made with the first. */
static inline void ma_refs_append(GArray **refs, const ma_ref_t *ref)
{
    if (!*refs)
        *refs = g_array_new(FALSE, FALSE, sizeof(ma_ref_t));
    g_array_append_vals(*refs, ref, 1);
}

static inline guint ma_refs_len(const GArray *refs)
{
    return refs ? refs->len : 0;
}

struct ma_regs {
    ma_regs_config_t cfg;
    ma_hb_def_t     *defs;
    unsigned         ndefs;
    uint32_t        *def_used;        /* instances per definition */
    ma_watch_def_t  *wdefs;
    unsigned         nwdefs;
    GHashTable      *groups_by_key;   /* grp_key_t -> index + 1 */
    GPtrArray       *groups;          /* ma_poll_group_t */
    GHashTable      *hb_by_key;       /* inst_key_t -> index + 1 */
    GPtrArray       *hbs;             /* ma_hb_t */
    GHashTable      *watch_by_key;
    GPtrArray       *watches;         /* ma_watch_t */
    uint64_t         groups_dropped, auto_dropped, auto_tracked, periods_stored;
    bool             finalized;
    ma_arena_t       arena;           /* records, groups and their fixed arrays */
};

/* A record area of size bytes, zeroed, 8-byte aligned, alive until
 * ma_regs_free. */
void *ma_regs_alloc(ma_regs_t *r, size_t size);

/* Heartbeats (ma_hb.c). */
uint32_t ma_hb_instance(ma_regs_t *r, int def, const ma_pair_t *pair, uint8_t unit, ma_table_t table,
                        uint16_t reg, uint8_t words, const char *name, ma_hb_source_t src);
void ma_hb_poll(ma_regs_t *r, uint32_t idx, uint32_t value, uint32_t frame, ma_ns_t ts, ma_hb_obs_t *obs);
/* Feed register i of a group's block to auto-detection; may promote it to
 * a heartbeat (added to the group's hbrefs; *obs filled, returns true). */
bool ma_auto_poll(ma_regs_t *r, ma_poll_group_t *g, unsigned i, uint16_t v, uint32_t frame, ma_ns_t ts,
                  ma_hb_obs_t *obs);
void ma_hb_finalize(ma_regs_t *r);
void ma_hb_free(gpointer p);

/* Watched registers (ma_watch.c). */
void ma_watch_group_refs(ma_regs_t *r, ma_poll_group_t *g);
unsigned ma_watch_read(ma_regs_t *r, ma_poll_group_t *g, const ma_pdu_in_t *in, ma_reg_obs_t *out,
                       unsigned max);
unsigned ma_watch_write(ma_regs_t *r, const ma_pdu_in_t *in, const ma_pdu_t *pdu, ma_reg_obs_t *out,
                        unsigned max);
void ma_watch_free(gpointer p);

#endif /* MA_REGS_INT_H */
