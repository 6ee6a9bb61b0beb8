/* test_pool.c - record pools and the per-frame arena (core/base/ma_pool.h)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Records and chunks come zeroed (mapped and allocated blocks alike: the
 * pool's blocks below and above the 64 KiB mapping size), keep their
 * addresses, and pool index i is the i-th record allocated; the arena's
 * large requests get their own blocks and leave the open block open;
 * clearing frees everything and the structures are usable again.
 */
#include "ma_test.h"

#include "ma_pool.h"

#include <stdbool.h>
#include <string.h>

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static void test_pool(void)
{
    static const struct { size_t elem; uint32_t per_block; } shapes[] = {
        {24, 16},      /* 384 B blocks: allocator */
        {96, 4096},    /* 384 KiB blocks: mapped */
        {8, 0},        /* per_block 0 means 1 */
    };
    for (unsigned s = 0; s < G_N_ELEMENTS(shapes); s++) {
        ma_pool_t p;
        ma_pool_init(&p, shapes[s].elem, shapes[s].per_block);
        CHECK_EQ(ma_pool_count(&p), 0);
        CHECK(ma_pool_at(&p, 0) == NULL);
        enum { N = 10000 };
        void **got = g_new(void *, N);
        unsigned not_zero = 0;
        for (uint32_t round = 0; round < 2; round++) {
            for (uint32_t i = 0; i < N; i++) {
                uint8_t *r = ma_pool_alloc(&p);
                not_zero += !all_zero(r, shapes[s].elem);
                memset(r, (int)(i % 251) + 1, shapes[s].elem); /* dirty it: a reused block would show */
                got[i] = r;
            }
            CHECK_EQ(not_zero, 0);
            CHECK_EQ(ma_pool_count(&p), N);
            unsigned bad = 0;
            for (uint32_t i = 0; i < N; i++)
                bad += ma_pool_at(&p, i) != got[i] || ((uint8_t *)got[i])[0] != (uint8_t)(i % 251 + 1);
            CHECK_EQ(bad, 0);
            CHECK(ma_pool_at(&p, N) == NULL);
            ma_pool_clear(&p);
            CHECK_EQ(ma_pool_count(&p), 0);
        }
        g_free(got);
    }
}

static void test_arena(void)
{
    ma_arena_t a;
    ma_arena_init(&a, 256 * 1024); /* mapped blocks */
    for (int round = 0; round < 2; round++) {
        unsigned not_zero = 0, misaligned = 0, not_contiguous = 0;
        uint64_t want = 0;
        char *prev = NULL;
        size_t prev_n = 0;
        for (unsigned i = 0; i < 20000; i++) {
            size_t n = 1 + (i * 37u) % 300;
            if (i % 1000 == 999) { /* a large request: its own block */
                size_t big = 100 * 1024 + i;
                char *b = ma_arena_alloc(&a, big);
                not_zero += !all_zero(b, big);
                memset(b, 0xAB, big);
                want += (big + 7) & ~(size_t)7;
            }
            char *r = ma_arena_alloc(&a, n);
            not_zero += !all_zero(r, n);
            misaligned += ((uintptr_t)r & 7) != 0;
            /* within the open block, a chunk follows the previous one (a
             * large request in between changes nothing) */
            if (prev && r != prev + ((prev_n + 7) & ~(size_t)7) && a.used != ((n + 7) & ~(size_t)7))
                not_contiguous++;
            memset(r, 0xCD, n);
            want += (n + 7) & ~(size_t)7;
            prev = r;
            prev_n = n;
        }
        CHECK_EQ(not_zero, 0);
        CHECK_EQ(misaligned, 0);
        CHECK_EQ(not_contiguous, 0);
        CHECK_EQ(a.bytes, want);
        CHECK_EQ(a.nbig, 20);
        CHECK(a.nblocks >= (uint32_t)(want / (256 * 1024)) - 8);
        ma_arena_clear(&a);
        CHECK_EQ(a.nblocks, 0);
        CHECK_EQ(a.nbig, 0);
        CHECK_EQ(a.bytes, 0);
    }
    /* a small arena: blocks of the 4 KiB minimum, from the allocator */
    ma_arena_init(&a, 100);
    CHECK_EQ(a.block_size, 4096);
    char *x = ma_arena_alloc(&a, 1000), *y = ma_arena_alloc(&a, 1000);
    CHECK(y == x + 1000);
    CHECK(all_zero(x, 2000));
    ma_arena_clear(&a);
}

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/pool/records", test_pool);
    g_test_add_func("/pool/arena", test_arena);
    return ma_test_run();
}
