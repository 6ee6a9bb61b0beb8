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

/* ---- the spill table ---- */

static uint32_t big_home(const ma_kmap_big_t *b, uint32_t key)
{
    return (key * 0x9E3779B1u) >> 7 & (b->cap - 1); /* Fibonacci hashing, middle bits */
}

/* The slot of key, or of the empty slot where it would go. */
static uint32_t big_find(const ma_kmap_big_t *b, uint32_t key)
{
    uint32_t i = big_home(b, key);
    while (b->vals[i] && b->keys[i] != key)
        i = (i + 1) & (b->cap - 1);
    return i;
}

static void big_alloc(ma_kmap_big_t *b, uint32_t cap)
{
    b->cap = cap;
    b->used = 0;
    b->keys = g_new(uint32_t, cap);
    b->vals = g_new0(void *, cap);
}

static void big_put_new(ma_kmap_big_t *b, uint32_t key, void *val)
{
    uint32_t i = big_find(b, key);
    b->keys[i] = key;
    b->vals[i] = val;
    b->used++;
}

/* Room for one more key (at most half full). */
static void big_reserve(ma_kmap_big_t *b)
{
    if (2 * (b->used + 1) <= b->cap)
        return;
    ma_kmap_big_t old = *b;
    big_alloc(b, old.cap * 2);
    for (uint32_t i = 0; i < old.cap; i++)
        if (old.vals[i])
            big_put_new(b, old.keys[i], old.vals[i]);
    g_free(old.keys);
    g_free(old.vals);
}

/* Empty slot i, moving back the entries of its probe run that would no
 * longer be found (linear probing's deletion without tombstones). */
static void big_delete(ma_kmap_big_t *b, uint32_t i)
{
    uint32_t mask = b->cap - 1, j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!b->vals[j])
            break;
        uint32_t h = big_home(b, b->keys[j]);
        /* the entry at j stays if its home lies cyclically in (i, j] */
        bool stays = i < j ? (h > i && h <= j) : (h > i || h <= j);
        if (!stays) {
            b->keys[i] = b->keys[j];
            b->vals[i] = b->vals[j];
            i = j;
        }
    }
    b->vals[i] = NULL;
    b->used--;
}

/* ---- the map ---- */

void *ma_kmap_lookup(const ma_kmap_t *m, uint32_t key)
{
    int i = inline_index(m, key);
    if (i >= 0)
        return m->val[i];
    if (!m->big || !m->big->used)
        return NULL;
    return m->big->vals[big_find(m->big, key)];
}

void ma_kmap_insert(ma_kmap_t *m, uint32_t key, void *val)
{
    int i = inline_index(m, key);
    if (i >= 0) {
        m->val[i] = val;
        return;
    }
    if (m->big && m->big->used) {
        uint32_t j = big_find(m->big, key);
        if (m->big->vals[j]) {
            m->big->vals[j] = val;
            return;
        }
    }
    if (m->n < MA_KMAP_INLINE) {
        m->key[m->n] = key;
        m->val[m->n] = val;
        m->n++;
        return;
    }
    if (!m->big) {
        m->big = g_new(ma_kmap_big_t, 1);
        big_alloc(m->big, 8);
    }
    big_reserve(m->big);
    big_put_new(m->big, key, val);
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
    if (!m->big || !m->big->used)
        return NULL;
    uint32_t j = big_find(m->big, key);
    void *v = m->big->vals[j];
    if (v)
        big_delete(m->big, j);
    return v;
}

uint32_t ma_kmap_size(const ma_kmap_t *m)
{
    return m->n + (m->big ? m->big->used : 0);
}

void ma_kmap_clear(ma_kmap_t *m)
{
    m->n = 0;
    if (m->big && m->big->used) {
        memset(m->big->vals, 0, m->big->cap * sizeof *m->big->vals);
        m->big->used = 0;
    }
}

void ma_kmap_destroy(ma_kmap_t *m, void (*free_val)(void *))
{
    if (free_val) {
        for (uint32_t i = 0; i < m->n; i++)
            free_val(m->val[i]);
        if (m->big)
            for (uint32_t i = 0; i < m->big->cap; i++)
                if (m->big->vals[i])
                    free_val(m->big->vals[i]);
    }
    if (m->big) {
        g_free(m->big->keys);
        g_free(m->big->vals);
        g_free(m->big);
    }
    ma_kmap_init(m);
}
