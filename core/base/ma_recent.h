/* ma_recent.h - entries found recently, by 64-bit key (direct-mapped)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A leaf module. A small cache in front of a table whose entries live
 * until the cache is cleared (the pairing core's and the network
 * analysis' connections by stream, the feature engine's flows, the
 * report's rows): a slot keeps the last entry found with a key that maps
 * to it, so interleaved connections each keep theirs, and a miss asks the
 * table. Values are never NULL (NULL is "not here"). A zeroed
 * ma_recent_t is an empty one.
 */
#ifndef MA_RECENT_H
#define MA_RECENT_H

#include <stdint.h>
#include <string.h>

#define MA_RECENT_BITS 8u

typedef struct ma_recent_slot {
    uint64_t key;
    void    *val;
} ma_recent_slot_t;

typedef struct ma_recent {
    ma_recent_slot_t slot[1u << MA_RECENT_BITS];
} ma_recent_t;

/* The slot of key (Fibonacci hashing: consecutive streams spread out). */
static inline ma_recent_slot_t *ma_recent_slot(const ma_recent_t *r, uint64_t key)
{
    return (ma_recent_slot_t *)(uintptr_t)&r->slot[(key * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - MA_RECENT_BITS)];
}

/* The value found last with key, or NULL. */
static inline void *ma_recent_get(const ma_recent_t *r, uint64_t key)
{
    const ma_recent_slot_t *s = ma_recent_slot(r, key);
    return s->val && s->key == key ? s->val : NULL;
}

/* Remember val (non-NULL) for key. */
static inline void ma_recent_put(ma_recent_t *r, uint64_t key, void *val)
{
    ma_recent_slot_t *s = ma_recent_slot(r, key);
    s->key = key;
    s->val = val;
}

static inline void ma_recent_clear(ma_recent_t *r)
{
    memset(r, 0, sizeof *r);
}

#endif /* MA_RECENT_H */
