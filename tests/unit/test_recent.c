/* test_recent.c - the direct-mapped cache of recent entries
 * (core/base/ma_recent.h) against the table it stands in front of
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Keys as the users make them (streams 0, 1, 2, ..., a stream shifted into
 * a flow key, pair << 16 | unit): whatever the cache answers is the
 * table's value for that key (never another key's), a put is found at
 * once, consecutive keys mostly keep their own slots, and a cleared cache
 * answers nothing.
 */
#include "ma_test.h"

#include "ma_recent.h"

static void test_against_table(void)
{
    enum { N = 3000 };
    static ma_recent_t r; /* zeroed: empty */
    static uintptr_t table[N];
    for (unsigned i = 0; i < N; i++)
        table[i] = 1000 + i;
    static const unsigned shapes[] = {0, 1, 16}; /* key = i << shape */
    unsigned wrong = 0, fresh_miss = 0, hits = 0, asks = 0;
    uint32_t rng = 5u;
    for (unsigned s = 0; s < G_N_ELEMENTS(shapes); s++) {
        ma_recent_clear(&r);
        for (unsigned k = 0; k < 50000; k++) {
            rng = rng * 1664525u + 1013904223u;
            /* mostly a working set of 64 keys, sometimes any */
            unsigned i = (rng >> 8) % 8 ? (rng >> 16) % 64 : (rng >> 12) % N;
            uint64_t key = (uint64_t)i << shapes[s];
            void *v = ma_recent_get(&r, key);
            asks++;
            if (v) {
                hits++;
                wrong += (uintptr_t)v != table[i];
            } else {
                ma_recent_put(&r, key, (void *)table[i]);
                fresh_miss += ma_recent_get(&r, key) != (void *)table[i];
            }
        }
    }
    CHECK_EQ(wrong, 0);
    CHECK_EQ(fresh_miss, 0);
    CHECK(hits > asks / 2); /* the working set stays mostly cached */
    ma_recent_clear(&r);
    unsigned after_clear = 0;
    for (unsigned i = 0; i < N; i++)
        after_clear += ma_recent_get(&r, i) != NULL;
    CHECK_EQ(after_clear, 0);
    /* key 0 is a key like any other */
    ma_recent_put(&r, 0, (void *)table[7]);
    CHECK(ma_recent_get(&r, 0) == (void *)table[7]);
    /* the 256 consecutive streams 0..255 keep at least 150 slots */
    ma_recent_clear(&r);
    for (unsigned i = 0; i < 256; i++)
        ma_recent_put(&r, i, (void *)table[i]);
    unsigned kept = 0;
    for (unsigned i = 0; i < 256; i++)
        kept += ma_recent_get(&r, i) == (void *)table[i];
    CHECK(kept >= 150);
}

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/recent/against_table", test_against_table);
    return ma_test_run();
}
