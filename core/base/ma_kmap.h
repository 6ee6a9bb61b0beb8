/* ma_kmap.h - a map from 32-bit keys to pointers, inline while small
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The pairing core keeps two maps per connection (pending requests and
 * the last answered request, by unit and transaction id); on almost every
 * connection they hold one or two keys, and a connection per poll makes
 * thousands of connections. A GHashTable costs ~250 bytes and a hash per
 * operation; this map keeps its first MA_KMAP_INLINE entries in place and
 * spills further keys to an open-addressing table (linear probing,
 * deletion by backward shift, at most half full) made when first needed.
 * Values are never NULL (NULL means "absent"); the map never frees them.
 */
#ifndef MA_KMAP_H
#define MA_KMAP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MA_KMAP_INLINE 2u

/* The spill table: cap (a power of 2) slots, a slot empty when its value
 * is NULL. */
typedef struct ma_kmap_big {
    uint32_t  cap, used;
    uint32_t *keys;
    void    **vals;
} ma_kmap_big_t;

typedef struct ma_kmap {
    uint32_t       key[MA_KMAP_INLINE];
    void          *val[MA_KMAP_INLINE];
    uint32_t       n;      /* inline entries in use */
    ma_kmap_big_t *big;    /* the other keys (NULL until needed) */
} ma_kmap_t;

/* An empty map (a zeroed ma_kmap_t is one too). */
void ma_kmap_init(ma_kmap_t *m);
/* The value of key, or NULL. */
void *ma_kmap_lookup(const ma_kmap_t *m, uint32_t key);
/* Set key to val (non-NULL), replacing its value if present. */
void ma_kmap_insert(ma_kmap_t *m, uint32_t key, void *val);
/* Remove key; its value, or NULL if absent. */
void *ma_kmap_remove(ma_kmap_t *m, uint32_t key);
uint32_t ma_kmap_size(const ma_kmap_t *m);
/* Remove every key (the spill table is kept for reuse). */
void ma_kmap_clear(ma_kmap_t *m);
/* Free the map's own memory; free_val (may be NULL) is called on each value. */
void ma_kmap_destroy(ma_kmap_t *m, void (*free_val)(void *));

#ifdef __cplusplus
}
#endif

#endif /* MA_KMAP_H */
