/* ma_table.c - one description per table: rows, text and CSV renderers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_table.h"

#include <glib.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ma_timefmt.h"

void ma_tab_init(ma_tab_t *t, const ma_tab_desc_t *d, const void *ctx, ma_ns_t time0)
{
    memset(t, 0, sizeof *t);
    t->desc = d;
    t->ctx = ctx;
    t->time0 = time0;
}

void ma_tab_free(ma_tab_t *t)
{
    for (unsigned i = 0; i < t->nowned; i++)
        g_free(t->owned[i]);
    g_free(t->owned);
    g_free(t->rows);
    memset(t, 0, sizeof *t);
}

void ma_tab_add(ma_tab_t *t, const void *row)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->rows = g_renew(const void *, t->rows, t->cap);
    }
    t->rows[t->n++] = row;
}

void ma_tab_own(ma_tab_t *t, void *p)
{
    if (t->nowned == t->capowned) {
        t->capowned = t->capowned ? t->capowned * 2 : 16;
        t->owned = g_renew(void *, t->owned, t->capowned);
    }
    t->owned[t->nowned++] = p;
}

void *ma_tab_add_new(ma_tab_t *t, size_t size)
{
    void *r = g_malloc0(size);
    ma_tab_own(t, r);
    ma_tab_add(t, r);
    return r;
}

/* A stable merge sort of the row pointers (GLib's g_qsort_with_data is
 * deprecated from 2.82 on, g_sort_array missing before). */
static void merge_sort(const void **v, const void **tmp, unsigned n,
                       int (*cmp)(const void *, const void *, const void *), const void *ctx)
{
    if (n < 2)
        return;
    unsigned h = n / 2;
    merge_sort(v, tmp, h, cmp, ctx);
    merge_sort(v + h, tmp, n - h, cmp, ctx);
    unsigned i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cmp(v[j], v[i], ctx) < 0 ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

void ma_tab_sort(ma_tab_t *t, int (*cmp)(const void *a, const void *b, const void *ctx))
{
    if (t->n < 2)
        return;
    const void **tmp = g_new(const void *, t->n);
    merge_sort(t->rows, tmp, t->n, cmp, t->ctx);
    g_free(tmp);
}

void ma_tab_cell(const ma_tab_t *t, unsigned row, unsigned col, ma_cell_t *out)
{
    memset(out, 0, sizeof *out);
    t->desc->cols[col].get(t->rows[row], t->ctx, out);
}

int ma_tab_col(const ma_tab_desc_t *d, const char *name)
{
    for (unsigned i = 0; i < d->ncols; i++)
        if (strcmp(d->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* ---- text ---- */

const char *ma_tab_cell_text(const ma_tab_t *t, const ma_col_t *c, const ma_cell_t *v, char *buf, size_t size)
{
    if (v->null)
        return (c->flags & MA_COL_STAR_NULL) ? "*" : c->type == MA_CT_TEXT || c->type == MA_CT_BOOL ? "" : "-";
    switch (c->type) {
    case MA_CT_COUNT:
        snprintf(buf, size, "%" PRIu64, v->v.u);
        return buf;
    case MA_CT_INT:
        snprintf(buf, size, "%" PRId64, v->v.i);
        return buf;
    case MA_CT_FRAME:
        if (!v->v.u)
            return "-";
        snprintf(buf, size, "%" PRIu64, v->v.u);
        return buf;
    case MA_CT_REAL:
        if (isnan(v->v.d))
            return "-";
        snprintf(buf, size, "%.*f", c->decimals, v->v.d);
        return buf;
    case MA_CT_DURATION:
        snprintf(buf, size, "%.*f", c->decimals, (double)v->v.ns / ((c->flags & MA_COL_TEXT_MS) ? 1e6 : 1e9));
        return buf;
    case MA_CT_TIME: {
        char clock[32];
        if (c->flags & MA_COL_TEXT_REL)
            snprintf(buf, size, "+%.3f", ma_secs(v->v.ns - t->time0));
        else
            snprintf(buf, size, "+%.3f %s", ma_secs(v->v.ns - t->time0), ma_time_clock(v->v.ns, clock, sizeof clock));
        return buf;
    }
    case MA_CT_BOOL:
        return v->v.b ? "yes" : "";
    case MA_CT_TEXT:
        return v->v.s ? v->v.s : "";
    }
    return "";
}

static bool text_col(const ma_col_t *c)
{
    return c->heading && !(c->flags & MA_COL_NO_TEXT);
}

void ma_tab_text(FILE *out, const ma_tab_t *t, unsigned max_rows)
{
    const ma_tab_desc_t *d = t->desc;
    unsigned shown = max_rows && t->n > max_rows ? max_rows : t->n;
    unsigned *w = g_new0(unsigned, d->ncols);
    char buf[256];
    for (unsigned c = 0; c < d->ncols; c++)
        if (text_col(&d->cols[c]))
            w[c] = (unsigned)strlen(d->cols[c].heading);
    for (unsigned r = 0; r < shown; r++)
        for (unsigned c = 0; c < d->ncols; c++) {
            if (!text_col(&d->cols[c]))
                continue;
            ma_cell_t v;
            ma_tab_cell(t, r, c, &v);
            unsigned l = (unsigned)strlen(ma_tab_cell_text(t, &d->cols[c], &v, buf, sizeof buf));
            if (d->cols[c].max_width && l > d->cols[c].max_width)
                l = d->cols[c].max_width;
            if (l > w[c])
                w[c] = l;
        }
    if (d->title)
        fprintf(out, "%s\n", d->title);
    unsigned last = 0;
    for (unsigned c = 0; c < d->ncols; c++)
        if (text_col(&d->cols[c]))
            last = c;
    const char *sep = "";
    for (unsigned c = 0; c < d->ncols; c++) {
        if (!text_col(&d->cols[c]))
            continue;
        bool left = d->cols[c].type == MA_CT_TEXT || (d->cols[c].flags & MA_COL_LEFT);
        if (left && c == last)
            fprintf(out, "%s%s", sep, d->cols[c].heading); /* no trailing blanks */
        else
            fprintf(out, left ? "%s%-*s" : "%s%*s", sep, (int)w[c], d->cols[c].heading);
        sep = " ";
    }
    fputc('\n', out);
    for (unsigned r = 0; r < shown; r++) {
        sep = "";
        for (unsigned c = 0; c < d->ncols; c++) {
            const ma_col_t *col = &d->cols[c];
            if (!text_col(col))
                continue;
            ma_cell_t v;
            ma_tab_cell(t, r, c, &v);
            const char *s = ma_tab_cell_text(t, col, &v, buf, sizeof buf);
            bool left = col->type == MA_CT_TEXT || (col->flags & MA_COL_LEFT);
            int len = (int)strlen(s);
            if (col->max_width && len > col->max_width)
                len = col->max_width;
            if (left && c == last)
                fprintf(out, "%s%.*s", sep, len, s);
            else if (left)
                fprintf(out, "%s%.*s%*s", sep, len, s, (int)w[c] - len, "");
            else
                fprintf(out, "%s%*.*s", sep, (int)w[c], len, s);
            sep = " ";
        }
        fputc('\n', out);
    }
    if (shown < t->n)
        fprintf(out, "... %u more (all of them: -z modbus_an,json or the CSV outputs)\n", t->n - shown);
    g_free(w);
}

/* ---- CSV ---- */

void ma_csv_field(FILE *out, const char *s)
{
    if (!s)
        return;
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', out);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else {
        fputs(s, out);
    }
}

static void csv_cell(FILE *out, const ma_col_t *c, const ma_cell_t *v)
{
    if (v->null) {
        if (c->flags & MA_COL_STAR_NULL)
            fputc('*', out);
        return;
    }
    switch (c->type) {
    case MA_CT_COUNT:
        fprintf(out, "%" PRIu64, v->v.u);
        break;
    case MA_CT_INT:
        fprintf(out, "%" PRId64, v->v.i);
        break;
    case MA_CT_FRAME:
        if (v->v.u)
            fprintf(out, "%" PRIu64, v->v.u);
        break;
    case MA_CT_REAL:
        if (!isnan(v->v.d))
            fprintf(out, "%.9g", v->v.d);
        break;
    case MA_CT_DURATION:
        fprintf(out, "%.9f", (double)v->v.ns / 1e9);
        break;
    case MA_CT_TIME: {
        ma_ns_t s = v->v.ns / MA_NS_PER_SEC, ns = v->v.ns % MA_NS_PER_SEC;
        if (ns < 0) {
            ns += MA_NS_PER_SEC;
            s--;
        }
        fprintf(out, "%" PRId64 ".%09" PRId64, s, ns);
        break;
    }
    case MA_CT_BOOL:
        fputc(v->v.b ? '1' : '0', out);
        break;
    case MA_CT_TEXT:
        ma_csv_field(out, v->v.s);
        break;
    }
}

void ma_tab_csv(FILE *out, const ma_tab_t *t)
{
    const ma_tab_desc_t *d = t->desc;
    for (unsigned c = 0; c < d->ncols; c++)
        fprintf(out, "%s%s", c ? "," : "", d->cols[c].name);
    fputc('\n', out);
    for (unsigned r = 0; r < t->n; r++) {
        for (unsigned c = 0; c < d->ncols; c++) {
            ma_cell_t v;
            ma_tab_cell(t, r, c, &v);
            if (c)
                fputc(',', out);
            csv_cell(out, &d->cols[c], &v);
        }
        fputc('\n', out);
    }
}
