/* ma_pool.c - records allocated in blocks, addressed by index
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS (glibc, with _POSIX_C_SOURCE) */
#endif
#include "ma_pool.h"

#include <glib.h>
#include <string.h>
#if defined(__SANITIZE_ADDRESS__) /* gcc */
#define MA_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) /* clang */
#define MA_POOL_ASAN 1
#endif
#endif
#if defined(G_OS_UNIX) && !defined(MA_POOL_ASAN)
#include <sys/mman.h>
#define MA_POOL_MMAP 1
#endif

/* A zeroed block of n bytes; zblock_free with the same n. A large one is
 * mapped (the kernel's pages are zero: no memset pass, and untouched
 * parts cost nothing); under ASan the allocator's, which it checks. */
#define ZBLOCK_MAP_MIN (64u * 1024u)

static void *zblock(size_t n)
{
#ifdef MA_POOL_MMAP
    if (n >= ZBLOCK_MAP_MIN) {
        void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            g_error("modbus_an: failed to map %zu bytes", n);
        return p;
    }
#endif
    return g_malloc0(n);
}

static void zblock_free(void *p, size_t n)
{
#ifdef MA_POOL_MMAP
    if (n >= ZBLOCK_MAP_MIN) {
        munmap(p, n);
        return;
    }
#endif
    (void)n;
    g_free(p);
}

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
        zblock_free(p->blocks[i], p->elem * p->per_block);
    g_free(p->blocks);
    ma_pool_init(p, p->elem, p->per_block);
}

void *ma_pool_alloc(ma_pool_t *p)
{
    if (p->used == p->per_block) {
        push_block(&p->blocks, &p->nblocks, &p->cap_blocks, zblock(p->elem * p->per_block));
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
        zblock_free(a->blocks[i], a->block_size);
    for (uint32_t i = 0; i < a->nbig; i++)
        g_free(a->big[i]);
    g_free(a->blocks);
    g_free(a->big);
    ma_arena_init(a, a->block_size);
}

void *ma_arena_alloc(ma_arena_t *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    a->bytes += n;
    if (n > a->block_size / 4) { /* big: a block of its own, the open one stays open */
        void *b = g_malloc0(n);
        push_block(&a->big, &a->nbig, &a->cap_big, b);
        return b;
    }
    if (a->used + n > a->block_size) {
        push_block(&a->blocks, &a->nblocks, &a->cap_blocks, zblock(a->block_size));
        a->used = 0;
    }
    void *r = (char *)a->blocks[a->nblocks - 1] + a->used;
    a->used += n;
    return r;
}
