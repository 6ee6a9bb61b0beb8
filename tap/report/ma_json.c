/* ma_json.c - a small streaming JSON writer (RFC 8259)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_json.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void ma_json_init(ma_json_t *j, FILE *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
    j->first[0] = true;
}

static void indent(ma_json_t *j)
{
    fputc('\n', j->out);
    for (unsigned i = 0; i < j->depth; i++)
        fputs("  ", j->out);
}

/* Before a value: the comma and newline an array member needs. */
static void before_value(ma_json_t *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth == 0)
        return;
    if (!j->first[j->depth])
        fputc(',', j->out);
    j->first[j->depth] = false;
    indent(j);
}

static void json_open(ma_json_t *j, char c)
{
    before_value(j);
    fputc(c, j->out);
    if (j->depth + 1 < sizeof j->first / sizeof j->first[0])
        j->depth++;
    j->first[j->depth] = true;
}

static void json_close(ma_json_t *j, char c)
{
    bool empty = j->first[j->depth];
    if (j->depth)
        j->depth--;
    if (!empty)
        indent(j);
    fputc(c, j->out);
    if (j->depth == 0)
        fputc('\n', j->out);
}

void ma_json_begin_object(ma_json_t *j)
{
    json_open(j, '{');
}

void ma_json_end_object(ma_json_t *j)
{
    json_close(j, '}');
}

void ma_json_begin_array(ma_json_t *j)
{
    json_open(j, '[');
}

void ma_json_end_array(ma_json_t *j)
{
    json_close(j, ']');
}

static void raw_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':  fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

void ma_json_key(ma_json_t *j, const char *key)
{
    before_value(j);
    raw_string(j->out, key);
    fputs(": ", j->out);
    j->after_key = true;
}

void ma_json_string(ma_json_t *j, const char *s)
{
    before_value(j);
    if (s)
        raw_string(j->out, s);
    else
        fputs("null", j->out);
}

void ma_json_uint(ma_json_t *j, uint64_t v)
{
    before_value(j);
    fprintf(j->out, "%" PRIu64, v);
}

void ma_json_int(ma_json_t *j, int64_t v)
{
    before_value(j);
    fprintf(j->out, "%" PRId64, v);
}

void ma_json_double(ma_json_t *j, double v, int decimals)
{
    before_value(j);
    if (!isfinite(v))
        fputs("null", j->out);
    else if (decimals < 0)
        fprintf(j->out, "%.17g", v);
    else
        fprintf(j->out, "%.*f", decimals, v);
}

void ma_json_bool(ma_json_t *j, bool v)
{
    before_value(j);
    fputs(v ? "true" : "false", j->out);
}

void ma_json_null(ma_json_t *j)
{
    before_value(j);
    fputs("null", j->out);
}

void ma_json_time(ma_json_t *j, ma_ns_t ts)
{
    before_value(j);
    ma_ns_t s = ts / MA_NS_PER_SEC, ns = ts % MA_NS_PER_SEC;
    if (ns < 0) {
        ns += MA_NS_PER_SEC;
        s--;
    }
    fprintf(j->out, "%" PRId64 ".%09" PRId64, s, ns);
}

void ma_json_row(ma_json_t *j, const ma_tab_t *t, unsigned row)
{
    const ma_tab_desc_t *d = t->desc;
    for (unsigned c = 0; c < d->ncols; c++) {
        const ma_col_t *col = &d->cols[c];
        ma_cell_t v;
        ma_tab_cell(t, row, c, &v);
        ma_json_key(j, col->name);
        if (v.null || (col->type == MA_CT_FRAME && !v.v.u) ||
            (col->type == MA_CT_REAL && !isfinite(v.v.d))) {
            ma_json_null(j);
            if (col->type == MA_CT_TIME) {
                char k[96];
                snprintf(k, sizeof k, "%s_rel", col->name);
                ma_json_key(j, k);
                ma_json_null(j);
            }
            continue;
        }
        switch (col->type) {
        case MA_CT_COUNT:
        case MA_CT_FRAME:
            ma_json_uint(j, v.v.u);
            break;
        case MA_CT_INT:
            ma_json_int(j, v.v.i);
            break;
        case MA_CT_REAL:
            ma_json_double(j, v.v.d, -1);
            break;
        case MA_CT_DURATION:
            ma_json_double(j, (double)v.v.ns / 1e9, 9);
            break;
        case MA_CT_TIME: {
            ma_json_time(j, v.v.ns);
            char k[96];
            snprintf(k, sizeof k, "%s_rel", col->name);
            ma_json_key(j, k);
            ma_json_double(j, (double)(v.v.ns - t->time0) / 1e9, 9);
            break;
        }
        case MA_CT_BOOL:
            ma_json_bool(j, v.v.b);
            break;
        case MA_CT_TEXT:
            ma_json_string(j, v.v.s);
            break;
        }
    }
}

void ma_json_tab(ma_json_t *j, const ma_tab_t *t)
{
    ma_json_begin_array(j);
    for (unsigned r = 0; r < t->n; r++) {
        ma_json_begin_object(j);
        ma_json_row(j, t, r);
        ma_json_end_object(j);
    }
    ma_json_end_array(j);
}
