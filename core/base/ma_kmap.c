/* ma_kmap.c - a map from 32-bit keys to pointers, inline while small
 * (see ma_kmap.h)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Invariant: a key is in exactly one place, inline or in the spill table.
 * An insert therefore asks the spill table before taking a free inline
 * slot (a key spilled while the slots were full stays where it is).
 */
#include "ma_kmap.h"

#include <string.h>

void ma_kmap_init(ma_kmap_t *m)
{
    memset(m, 0, sizeof *m);
}

static int inline_index(const ma_kmap_t *m, uint32_t key)
{
    for (uint32_t i = 0; i < m->n; i++)
        if (m->key[i] == key)
            return (int)i;
    return -1;
}

void *ma_kmap_lookup(const ma_kmap_t *m, uint32_t key)
{
    int i = inline_index(m, key);
    if (i >= 0)
        return m->val[i];
    return m->big ? g_hash_table_lookup(m->big, GUINT_TO_POINTER(key)) : NULL;
}

void ma_kmap_insert(ma_kmap_t *m, uint32_t key, void *val)
{
    int i = inline_index(m, key);
    if (i >= 0) {
        m->val[i] = val;
        return;
    }
    if (m->big && g_hash_table_contains(m->big, GUINT_TO_POINTER(key))) {
        g_hash_table_insert(m->big, GUINT_TO_POINTER(key), val);
        return;
    }
    if (m->n < MA_KMAP_INLINE) {
        m->key[m->n] = key;
        m->val[m->n] = val;
        m->n++;
        return;
    }
    if (!m->big)
        m->big = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_hash_table_insert(m->big, GUINT_TO_POINTER(key), val);
}

void *ma_kmap_remove(ma_kmap_t *m, uint32_t key)
{
    int i = inline_index(m, key);
    if (i >= 0) {
        void *v = m->val[i];
        m->n--;
        m->key[i] = m->key[m->n];
        m->val[i] = m->val[m->n];
        return v;
    }
    if (!m->big)
        return NULL;
    void *v = g_hash_table_lookup(m->big, GUINT_TO_POINTER(key));
    if (v)
        g_hash_table_remove(m->big, GUINT_TO_POINTER(key));
    return v;
}

uint32_t ma_kmap_size(const ma_kmap_t *m)
{
    return m->n + (m->big ? g_hash_table_size(m->big) : 0);
}

void ma_kmap_clear(ma_kmap_t *m)
{
    m->n = 0;
    if (m->big)
        g_hash_table_remove_all(m->big);
}

void ma_kmap_destroy(ma_kmap_t *m, void (*free_val)(void *))
{
    if (free_val) {
        for (uint32_t i = 0; i < m->n; i++)
            free_val(m->val[i]);
        if (m->big) {
            GHashTableIter it;
            gpointer k, v;
            g_hash_table_iter_init(&it, m->big);
            while (g_hash_table_iter_next(&it, &k, &v))
                free_val(v);
        }
    }
    if (m->big)
        g_hash_table_destroy(m->big);
    ma_kmap_init(m);
}
