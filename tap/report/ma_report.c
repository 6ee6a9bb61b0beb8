/* ma_report.c - text and CSV rendering of modbus_an statistics
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_report.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

static const char *const count_names[] = {
    "requests", "responses", "answered", "missed", "late", "unanswered_at_end",
    "delayed", "exceptions", "orphans", "duplicates", "ambiguous",
};
#define NCOUNTS (sizeof count_names / sizeof count_names[0])

static void row_counts(const ma_row_t *r, uint64_t v[NCOUNTS])
{
    v[0] = r->requests;
    v[1] = r->responses;
    v[2] = r->answered;
    v[3] = r->missed;
    v[4] = r->late;
    v[5] = r->unanswered_at_end;
    v[6] = r->delayed;
    v[7] = r->exceptions;
    v[8] = r->orphans;
    v[9] = r->duplicates;
    v[10] = r->ambiguous;
}

/* min, avg, p50, p95, max in seconds; NAN when there is no sample */
static void row_times(const ma_row_t *r, double t[5])
{
    if (!r->rt_n) {
        for (int i = 0; i < 5; i++)
            t[i] = NAN;
        return;
    }
    t[0] = (double)r->rt_min / 1e9;
    t[1] = ma_row_rt_avg(r);
    t[2] = ma_quantile_value(&r->p50) / 1e9;
    t[3] = ma_quantile_value(&r->p95) / 1e9;
    t[4] = (double)r->rt_max / 1e9;
}

static const char *row_pair(const ma_row_t *r)
{
    return r->pair ? r->pair->label : "TOTAL";
}

static void unit_str(const ma_row_t *r, char *buf, size_t n)
{
    if (r->unit == MA_UNIT_ALL)
        snprintf(buf, n, "*");
    else
        snprintf(buf, n, "%u", r->unit);
}

static const char *const text_heads[] = {
    "Req", "Resp", "Answ", "Miss", "Late", "UnEnd", "Dlyd", "Exc", "Orph", "Dup", "Amb",
};

static void text_row(FILE *out, const ma_row_t *r, int pw)
{
    uint64_t v[NCOUNTS];
    double t[5];
    char unit[8];
    row_counts(r, v);
    row_times(r, t);
    unit_str(r, unit, sizeof unit);
    fprintf(out, "%-*s %4s", pw, row_pair(r), unit);
    for (size_t i = 0; i < NCOUNTS; i++)
        fprintf(out, " %*" PRIu64, (int)(strlen(text_heads[i]) > 6 ? strlen(text_heads[i]) : 6), v[i]);
    for (int i = 0; i < 5; i++) {
        if (isnan(t[i]))
            fprintf(out, " %10s", "-");
        else
            fprintf(out, " %10.3f", t[i] * 1e3);
    }
    fputc('\n', out);
}

void ma_report_text(FILE *out, ma_stats_t *st, const ma_config_t *cfg, const char *filter)
{
    unsigned n = ma_stats_nrows(st);
    int pw = (int)strlen("Pair");
    for (unsigned i = 0; i < n; i++) {
        int l = (int)strlen(row_pair(ma_stats_row(st, i)));
        if (l > pw)
            pw = l;
    }
    fprintf(out, "\n==================================================================\n");
    fprintf(out, "modbus_an: Modbus/TCP transactions per client-server pair and unit\n");
    fprintf(out, "delay_threshold: %.6g s   response_timeout: %.6g s   filter: %s\n",
            (double)cfg->delay_threshold / 1e9, (double)cfg->response_timeout / 1e9,
            filter && *filter ? filter : "none");
    fprintf(out, "Req requests, Resp responses, Answ answered in time, Miss missed, Late answered "
                 "after the timeout,\nUnEnd unanswered at end of capture, Dlyd delayed (> threshold), "
                 "Exc exception responses,\nOrph orphan responses, Dup duplicate responses, Amb "
                 "ambiguous matches; response times (RT) in ms.\n");
    fprintf(out, "------------------------------------------------------------------\n");
    fprintf(out, "%-*s %4s", pw, "Pair", "Unit");
    for (size_t i = 0; i < NCOUNTS; i++)
        fprintf(out, " %6s", text_heads[i]);
    fprintf(out, " %10s %10s %10s %10s %10s\n", "RT min", "RT avg", "RT p50", "RT p95", "RT max");
    for (unsigned i = 0; i < n; i++)
        text_row(out, ma_stats_row(st, i), pw);
    text_row(out, ma_stats_total(st), pw);
    fprintf(out, "==================================================================\n");
}

static void csv_str(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\n")) {
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

static void csv_row(FILE *out, const ma_row_t *r)
{
    uint64_t v[NCOUNTS];
    double t[5];
    char unit[8];
    row_counts(r, v);
    row_times(r, t);
    unit_str(r, unit, sizeof unit);
    csv_str(out, row_pair(r));
    fprintf(out, ",%s", unit);
    for (size_t i = 0; i < NCOUNTS; i++)
        fprintf(out, ",%" PRIu64, v[i]);
    for (int i = 0; i < 5; i++) {
        if (isnan(t[i]))
            fputc(',', out);
        else
            fprintf(out, ",%.9f", t[i]);
    }
    fprintf(out, ",%" PRIu64 ",%" PRIu64 "\n", r->tid_reuse, r->tid_mismatch);
}

void ma_report_csv(FILE *out, ma_stats_t *st, const ma_config_t *cfg, const char *filter)
{
    fprintf(out, "# modbus_an,csv delay_threshold=%.9f response_timeout=%.9f filter=%s\n",
            (double)cfg->delay_threshold / 1e9, (double)cfg->response_timeout / 1e9,
            filter && *filter ? filter : "");
    fprintf(out, "pair,unit");
    for (size_t i = 0; i < NCOUNTS; i++)
        fprintf(out, ",%s", count_names[i]);
    fprintf(out, ",rt_min,rt_avg,rt_p50,rt_p95,rt_max,tid_reuse,tid_mismatch\n");
    unsigned n = ma_stats_nrows(st);
    for (unsigned i = 0; i < n; i++)
        csv_row(out, ma_stats_row(st, i));
    csv_row(out, ma_stats_total(st));
}
