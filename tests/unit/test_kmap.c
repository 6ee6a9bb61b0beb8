/* test_kmap.c - the small map of the pairing core (core/base/ma_kmap.h)
 * against a GHashTable doing the same operations
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Random inserts (new keys and replacements), removals (present and
 * absent keys) and clears over small key sets, so keys move between the
 * inline slots and the spill table in every order, and over two sets of
 * 1,500 keys that fill the spill table (growth, long probe runs, removal
 * by backward shift); after every operation (every 97th for the large
 * sets) every key of the set is looked up and the sizes compared.
 */
#include "ma_test.h"

#include "ma_kmap.h"

static uint32_t rng = 1u;
static uint32_t next(void)
{
    rng = rng * 1664525u + 1013904223u;
    return rng >> 8;
}

static int freed;
static void count_free(void *p)
{
    (void)p;
    freed++;
}

static void test_random_against_model(void)
{
    /* the last two sets: 1,500 random keys, and 1,500 keys as the core
     * makes them (unit << 16 | transaction id, consecutive ids: clustered
     * homes, long probe runs, deletions that shift entries back) */
    static const uint32_t nkeys[] = {1, 2, 3, 5, 40, 1500, 1500};
    unsigned bad_lookup = 0, bad_size = 0, bad_remove = 0, ops = 0;
    for (unsigned s = 0; s < G_N_ELEMENTS(nkeys); s++) {
        rng = 7u + s;
        ma_kmap_t m;
        ma_kmap_init(&m);
        unsigned max_size = 0;
        GHashTable *model = g_hash_table_new(g_direct_hash, g_direct_equal);
        static uint32_t keys[1500];
        for (uint32_t i = 0; i < nkeys[s]; i++) /* key 0 is a key like any other */
            keys[i] = s == G_N_ELEMENTS(nkeys) - 1 ? (1u << 16 | i) : i == 0 ? 0 : next();
        for (unsigned k = 0; k < 20000; k++, ops++) {
            uint32_t key = keys[next() % nkeys[s]];
            uintptr_t val = 1 + next() % 1000;
            unsigned op = next() % 100;
            if (op < 55) {
                ma_kmap_insert(&m, key, (void *)val);
                g_hash_table_insert(model, GUINT_TO_POINTER(key), (void *)val);
            } else if (op < 99) {
                void *want = g_hash_table_lookup(model, GUINT_TO_POINTER(key));
                g_hash_table_remove(model, GUINT_TO_POINTER(key));
                bad_remove += ma_kmap_remove(&m, key) != want;
            } else if (nkeys[s] <= 40 || next() % 64 == 0) { /* big sets: let them fill */
                ma_kmap_clear(&m);
                g_hash_table_remove_all(model);
            }
            if (nkeys[s] <= 40 || k % 97 == 0 || k == 19999) /* every key: each op, or often */
                for (uint32_t i = 0; i < nkeys[s]; i++)
                    bad_lookup +=
                        ma_kmap_lookup(&m, keys[i]) != g_hash_table_lookup(model, GUINT_TO_POINTER(keys[i]));
            bad_size += ma_kmap_size(&m) != g_hash_table_size(model);
            if (ma_kmap_size(&m) > max_size)
                max_size = ma_kmap_size(&m);
        }
        if (nkeys[s] > 40)
            CHECK(max_size >= 500); /* the spill table grew, several times */
        freed = 0;
        unsigned left = ma_kmap_size(&m);
        ma_kmap_destroy(&m, count_free);
        CHECK_EQ(freed, left);
        CHECK_EQ(ma_kmap_size(&m), 0);
        g_hash_table_destroy(model);
    }
    CHECK_EQ(bad_lookup, 0);
    CHECK_EQ(bad_size, 0);
    CHECK_EQ(bad_remove, 0);
    CHECK(ops == 140000);
}

/* Hand-made: two keys stay inline, the third spills; removing an inline
 * key frees its slot, but the spilled key is still found (and replaced)
 * where it is, and a new key takes the free slot. */
static void test_spill_and_return(void)
{
    ma_kmap_t m;
    ma_kmap_init(&m);
    int a, b, c, d, e;
    ma_kmap_insert(&m, 10, &a);
    ma_kmap_insert(&m, 20, &b);
    CHECK(m.big == NULL);
    ma_kmap_insert(&m, 30, &c);
    CHECK(m.big != NULL);
    CHECK_EQ(ma_kmap_size(&m), 3);
    CHECK(ma_kmap_remove(&m, 10) == &a);
    CHECK(ma_kmap_remove(&m, 10) == NULL);
    ma_kmap_insert(&m, 30, &d); /* replaced in the spill table, not added inline */
    CHECK_EQ(ma_kmap_size(&m), 2);
    CHECK(ma_kmap_lookup(&m, 30) == &d);
    ma_kmap_insert(&m, 40, &e); /* the free inline slot */
    CHECK_EQ(m.n, 2);
    CHECK_EQ(ma_kmap_size(&m), 3);
    CHECK(ma_kmap_lookup(&m, 20) == &b && ma_kmap_lookup(&m, 40) == &e);
    ma_kmap_clear(&m);
    CHECK_EQ(ma_kmap_size(&m), 0);
    CHECK(ma_kmap_lookup(&m, 30) == NULL);
    ma_kmap_destroy(&m, NULL);
}

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/kmap/random_against_model", test_random_against_model);
    g_test_add_func("/kmap/spill_and_return", test_spill_and_return);
    return ma_test_run();
}
