/* ma_pool.h - records allocated in blocks, addressed by index
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A leaf module. Records of one size are carved out of blocks of
 * per_block records: no per-record malloc, stable addresses for the
 * capture's lifetime, index -> record in O(1). The variable-size arena
 * hands out zeroed chunks from large blocks (per-frame records). Blocks
 * of 64 KiB and more are fresh anonymous mappings on POSIX systems: zero
 * without a memset pass over them.
 */
#ifndef MA_POOL_H
#define MA_POOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ma_pool {
    void   **blocks;
    uint32_t nblocks, cap_blocks;
    uint32_t used;       /* records used in the last block */
    size_t   elem;       /* bytes per record */
    uint32_t per_block;
} ma_pool_t;

void ma_pool_init(ma_pool_t *p, size_t elem, uint32_t per_block);
void ma_pool_clear(ma_pool_t *p);
/* A new zeroed record. */
void *ma_pool_alloc(ma_pool_t *p);
/* Records allocated so far, and record i (0-based; NULL if out of range). */
uint64_t ma_pool_count(const ma_pool_t *p);
void *ma_pool_at(const ma_pool_t *p, uint64_t i);

typedef struct ma_arena {
    void   **blocks;     /* of block_size bytes; the last one is open */
    uint32_t nblocks, cap_blocks;
    void   **big;        /* requests above block_size / 4, one block each */
    uint32_t nbig, cap_big;
    size_t   used, block_size;
    uint64_t bytes;      /* handed out so far */
} ma_arena_t;

void ma_arena_init(ma_arena_t *a, size_t block_size);
void ma_arena_clear(ma_arena_t *a);
/* n zeroed bytes, 8-byte aligned (a larger request gets its own block). */
void *ma_arena_alloc(ma_arena_t *a, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* MA_POOL_H */
