/* ma_pool.c - records allocated in blocks, addressed by index
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_pool.h"

#include <glib.h>
#include <string.h>

static void push_block(void ***blocks, uint32_t *n, uint32_t *cap, void *b)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *blocks = g_renew(void *, *blocks, *cap);
    }
    (*blocks)[(*n)++] = b;
}

void ma_pool_init(ma_pool_t *p, size_t elem, uint32_t per_block)
{
    memset(p, 0, sizeof *p);
    p->elem = elem;
    p->per_block = per_block ? per_block : 1;
    p->used = p->per_block;
}

void ma_pool_clear(ma_pool_t *p)
{
    for (uint32_t i = 0; i < p->nblocks; i++)
        g_free(p->blocks[i]);
    g_free(p->blocks);
    ma_pool_init(p, p->elem, p->per_block);
}

void *ma_pool_alloc(ma_pool_t *p)
{
    if (p->used == p->per_block) {
        push_block(&p->blocks, &p->nblocks, &p->cap_blocks, g_malloc0(p->elem * p->per_block));
        p->used = 0;
    }
    return (char *)p->blocks[p->nblocks - 1] + p->elem * p->used++;
}

uint64_t ma_pool_count(const ma_pool_t *p)
{
    return p->nblocks ? (uint64_t)(p->nblocks - 1) * p->per_block + p->used : 0;
}

void *ma_pool_at(const ma_pool_t *p, uint64_t i)
{
    if (i >= ma_pool_count(p))
        return NULL;
    return (char *)p->blocks[i / p->per_block] + p->elem * (i % p->per_block);
}

void ma_arena_init(ma_arena_t *a, size_t block_size)
{
    memset(a, 0, sizeof *a);
    a->block_size = block_size < 4096 ? 4096 : block_size;
    a->used = a->block_size;
}

void ma_arena_clear(ma_arena_t *a)
{
    for (uint32_t i = 0; i < a->nblocks; i++)
        g_free(a->blocks[i]);
    g_free(a->blocks);
    ma_arena_init(a, a->block_size);
}

void *ma_arena_alloc(ma_arena_t *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    a->bytes += n;
    if (n > a->block_size / 4) { /* big: a block of its own, the current one stays open */
        void *b = g_malloc0(n);
        push_block(&a->blocks, &a->nblocks, &a->cap_blocks, b);
        if (a->nblocks >= 2) { /* keep the open block last */
            void *t = a->blocks[a->nblocks - 1];
            a->blocks[a->nblocks - 1] = a->blocks[a->nblocks - 2];
            a->blocks[a->nblocks - 2] = t;
        } else {
            a->used = a->block_size; /* no open block yet */
        }
        return b;
    }
    if (a->used + n > a->block_size) {
        push_block(&a->blocks, &a->nblocks, &a->cap_blocks, g_malloc0(a->block_size));
        a->used = 0;
    }
    void *r = (char *)a->blocks[a->nblocks - 1] + a->used;
    a->used += n;
    return r;
}
