/* test_stats.c - unit tests of quantiles, aggregation and the CSV report
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Hand-built ma_pdu_in_t values (times in ns); see core_helpers.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "core_helpers.h"
#include "ma_sections.h"
/* ---- quantiles ---- */

static uint32_t lcg_state;
static uint32_t lcg(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state >> 8;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

static double brute_rank(const double *v, size_t n, unsigned pct)
{
    double *s = malloc(n * sizeof *s);
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    size_t k = (pct * n + 99) / 100; /* ceil(p*n/100) */
    if (k < 1)
        k = 1;
    double r = s[k - 1];
    free(s);
    return r;
}

/* Larger inputs of shapes that defeat naive selections (sorted, reversed,
 * organ pipe, all equal, few distinct values, random), asked after every
 * 97th add and at the end, for several ranks: always the sorted rank. */
static void test_quantile_shapes(void)
{
    enum { N = 6000 };
    static const unsigned pcts[] = { 1, 50, 95, 100 };
    double *vals = malloc(N * sizeof *vals);
    unsigned bad = 0, asked = 0;
    for (int shape = 0; shape < 6; shape++) {
        lcg_state = 777u + (uint32_t)shape;
        for (size_t i = 0; i < N; i++) {
            switch (shape) {
            case 0: vals[i] = (double)i; break;
            case 1: vals[i] = (double)(N - i); break;
            case 2: vals[i] = (double)(i < N / 2 ? i : N - i); break;
            case 3: vals[i] = 42.0; break;
            case 4: vals[i] = (double)(lcg() % 3); break;
            default: vals[i] = (double)(lcg() % 100000) / 7.0; break;
            }
        }
        /* one set of values asked for every rank in turn, in a rotating
         * order and twice in a row (the two remembered ranks) */
        ma_quantile_t q;
        ma_quantile_init(&q);
        unsigned turn = 0;
        for (size_t n = 1; n <= N; n++) {
            ma_quantile_add(&q, vals[n - 1]);
            if (n % 97 == 0 || n == N) {
                for (unsigned j = 0; j < 6; j++) {
                    unsigned pct = pcts[(turn + j / 2 + j % 2 * (j / 4)) % 4];
                    asked++;
                    bad += ma_quantile_value(&q, pct) != brute_rank(vals, n, pct);
                }
                turn++;
            }
        }
        ma_quantile_clear(&q);
    }
    free(vals);
    CHECK_EQ(bad, 0);
    CHECK(asked > 1000);
}

static void test_quantile(void)
{
    ma_quantile_t q;
    ma_quantile_init(&q);
    CHECK(isnan(ma_quantile_value(&q, 50)));
    ma_quantile_add(&q, 5);
    CHECK(ma_quantile_value(&q, 50) == 5);
    ma_quantile_clear(&q);
    CHECK(isnan(ma_quantile_value(&q, 50)));
    ma_quantile_clear(&q);

    /* hand-made: 10..1 -> p50 = 5 (rank 5), p95 = 10 (rank 10), p1 = 1;
     * three ranks of one set, then the first again (not remembered) */
    ma_quantile_t a;
    ma_quantile_init(&a);
    for (int i = 10; i >= 1; i--)
        ma_quantile_add(&a, i);
    CHECK(ma_quantile_value(&a, 50) == 5);
    CHECK(ma_quantile_value(&a, 95) == 10);
    CHECK(ma_quantile_value(&a, 50) == 5);
    CHECK(ma_quantile_value(&a, 1) == 1);
    CHECK(ma_quantile_value(&a, 95) == 10);
    CHECK(ma_quantile_value(&a, 0) == 1);   /* clamped to p1 */
    CHECK(ma_quantile_value(&a, 250) == 10); /* clamped to p100 */
    ma_quantile_add(&a, 0);                 /* forgets the remembered ranks */
    CHECK(ma_quantile_value(&a, 50) == 5);  /* rank 6 of 0..10 */
    CHECK(ma_quantile_value(&a, 1) == 0);
    ma_quantile_clear(&a);

    /* random sequences with duplicates, checked at every n = 1..200 */
    static const unsigned pcts[] = { 50, 95, 1, 99, 100 };
    static const uint32_t ranges[] = { 7, 1000 };
    for (unsigned ri = 0; ri < 2; ri++) {
        for (unsigned pi = 0; pi < sizeof pcts / sizeof pcts[0]; pi++) {
            double vals[200];
            unsigned bad = 0, first_bad = 0;
            lcg_state = 12345u + ri;
            ma_quantile_init(&q);
            for (size_t n = 1; n <= 200; n++) {
                vals[n - 1] = (double)(lcg() % ranges[ri]);
                ma_quantile_add(&q, vals[n - 1]);
                if (ma_quantile_value(&q, pcts[pi]) != brute_rank(vals, n, pcts[pi])) {
                    if (!bad)
                        first_bad = (unsigned)n;
                    bad++;
                }
            }
            if (bad)
                printf("quantile p%u range %u: %u mismatches, first at n=%u\n",
                       pcts[pi], ranges[ri], bad, first_bad);
            CHECK_EQ(bad, 0);
            ma_quantile_clear(&q);
        }
    }

    /* fresh quantile per n (the brief's literal form) for p50 and p95 */
    unsigned bad = 0;
    for (size_t n = 1; n <= 200; n++) {
        double vals[200];
        lcg_state = 777u + (uint32_t)n;
        ma_quantile_t qn;
        ma_quantile_init(&qn);
        for (size_t i = 0; i < n; i++) {
            vals[i] = (double)(lcg() % 50);
            ma_quantile_add(&qn, vals[i]);
        }
        if (ma_quantile_value(&qn, 50) != brute_rank(vals, n, 50))
            bad++;
        if (ma_quantile_value(&qn, 95) != brute_rank(vals, n, 95))
            bad++;
        ma_quantile_clear(&qn);
    }
    CHECK_EQ(bad, 0);
}

/* ---- stats ---- */

#define MAXF 32

typedef struct {
    ma_core_t *core;
    ma_pdu_t out[MAXF];
    unsigned n;
} scen_t;

static void sc(scen_t *s, ma_pdu_in_t in)
{
    if (s->n < MAXF)
        ma_core_pdu(s->core, &in, &s->out[s->n++]);
}

static void check_row(const ma_row_t *r, const uint64_t want[13], int line)
{
    const uint64_t got[13] = {
        r->requests, r->responses, r->answered, r->missed, r->late, r->unanswered_at_end,
        r->delayed, r->exceptions, r->orphans, r->duplicates, r->ambiguous,
        r->malformed, r->retransmitted,
    };
    static const char *const names[13] = {
        "requests", "responses", "answered", "missed", "late", "unanswered_at_end",
        "delayed", "exceptions", "orphans", "duplicates", "ambiguous", "malformed",
        "retransmitted",
    };
    for (int i = 0; i < 13; i++) {
        CHECK_MSG(got[i] == want[i], "line %d: row %s unit %u: %s = %llu, expected %llu", line,
                  r->pair ? r->pair->label : "TOTAL", r->unit, names[i],
                  (unsigned long long)got[i], (unsigned long long)want[i]);
    }
}

static void test_stats(void)
{
    scen_t s;
    memset(&s, 0, sizeof s);
    s.core = new_core(0, 0);
    ma_addr_t cb = v4(10, 0, 0, 9);
    ma_pdu_in_t in;

    /* pair A (127.0.0.1 -> 10.0.0.2:502), stream 1; unit 2 seen first */
    sc(&s, rq(1, MS(0), 1, 2, 1, 3));                 /* answered, 100 ms */
    sc(&s, rs(2, MS(100), 1, 2, 1, 3));
    sc(&s, rq(3, MS(200), 1, 1, 2, 3));               /* answered + delayed, 1.5 s */
    sc(&s, rs(4, MS(1700), 1, 1, 2, 3));
    sc(&s, rq(5, MS(2000), 1, 1, 3, 4));              /* late + delayed, 4.0 s */
    sc(&s, rq(6, MS(2500), 1, 1, 4, 6));              /* exception, 0.3 s */
    in = rs(7, MS(2800), 1, 1, 4, 0x86);
    in.exc_code = 2;
    sc(&s, in);
    sc(&s, rs(8, MS(6000), 1, 1, 3, 4));
    sc(&s, rs(9, MS(6100), 1, 1, 3, 4));              /* duplicate */
    sc(&s, rs(10, MS(6200), 1, 2, 99, 3));            /* orphan */
    sc(&s, rq(11, MS(6300), 1, 2, 5, 3));             /* missed at end */
    in = rq(12, MS(6400), 1, 2, 6, 3);
    in.malformed = true;
    sc(&s, in);                                       /* malformed */
    in = rq(13, MS(6500), 1, 2, 1, 3);
    in.tcp_retrans = true;
    sc(&s, in);                                       /* retransmitted request */
    /* pair B (10.0.0.9 -> 10.0.0.2:502), stream 2, unit 7 */
    sc(&s, mk_from(cb, 14, MS(19000), 2, true, 7, 1, 3));  /* unanswered at end */
    sc(&s, mk_from(cb, 15, MS(19500), 2, true, 7, 2, 3));  /* ambiguous pair */
    sc(&s, mk_from(cb, 16, MS(19600), 2, true, 7, 2, 3));
    sc(&s, mk_from(cb, 17, MS(19700), 2, false, 7, 2, 3)); /* -> 15, ambiguous, 0.2 s */
    sc(&s, mk_from(cb, 18, MS(19800), 2, false, 7, 2, 3)); /* -> 16, 0.2 s */
    ma_core_note_time(s.core, MS(20000));
    ma_core_finalize(s.core);

    /* sanity of the per-PDU results the counts rest on */
    CHECK_EQ(s.n, 18);
    CHECK(s.out[6].flags & MA_PDU_EXCEPTION);
    CHECK(s.out[8].flags & MA_PDU_DUPLICATE);
    CHECK(s.out[9].flags & MA_PDU_ORPHAN);
    CHECK(s.out[11].flags & MA_PDU_MALFORMED);
    CHECK(s.out[12].flags & MA_PDU_RETRANS);
    CHECK(s.out[16].flags & MA_PDU_AMBIGUOUS);
    CHECK(!(s.out[17].flags & MA_PDU_AMBIGUOUS));
    CHECK(s.out[10].txn && s.out[10].txn->outcome == MA_OUT_MISSED);
    CHECK(s.out[13].txn && s.out[13].txn->outcome == MA_OUT_UNANSWERED_AT_END);
    CHECK(s.out[4].txn && s.out[4].txn->outcome == MA_OUT_LATE);

    ma_stats_t *st = ma_stats_new();
    for (unsigned i = 0; i < s.n; i++)
        ma_stats_add(st, &s.out[i]);

    CHECK_EQ(ma_stats_nrows(st), 5);
    const ma_row_t *r0 = ma_stats_row(st, 0), *r1 = ma_stats_row(st, 1),
                   *r2 = ma_stats_row(st, 2), *r3 = ma_stats_row(st, 3),
                   *r4 = ma_stats_row(st, 4);
    CHECK(ma_stats_row(st, 5) == NULL);
    const ma_row_t *tot = ma_stats_total(st);
    if (!r0 || !r1 || !r2 || !r3 || !r4) {
        CHECK(!"missing rows");
        ma_stats_free(st);
        ma_core_free(s.core);
        return;
    }
    const ma_pair_t *pa = s.out[0].pair, *pb = s.out[13].pair;
    CHECK(pa != pb);
    /* order: pair A row, A unit 1, A unit 2, pair B row, B unit 7 */
    CHECK(r0->pair == pa && r0->unit == MA_UNIT_ALL);
    CHECK(r1->pair == pa && r1->unit == 1);
    CHECK(r2->pair == pa && r2->unit == 2);
    CHECK(r3->pair == pb && r3->unit == MA_UNIT_ALL);
    CHECK(r4->pair == pb && r4->unit == 7);
    CHECK(tot->pair == NULL && tot->unit == MA_UNIT_ALL);

    /*          req resp ans mis lat uae dly exc orp dup amb mal rtx */
    const uint64_t wa[13] = { 5, 6, 3, 1, 1, 0, 2, 1, 1, 1, 0, 1, 1 };
    const uint64_t w1[13] = { 3, 4, 2, 0, 1, 0, 2, 1, 0, 1, 0, 0, 0 };
    const uint64_t w2[13] = { 2, 2, 1, 1, 0, 0, 0, 0, 1, 0, 0, 1, 1 };
    const uint64_t wb[13] = { 3, 2, 2, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0 };
    const uint64_t wt[13] = { 8, 8, 5, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1 };
    check_row(r0, wa, __LINE__);
    check_row(r1, w1, __LINE__);
    check_row(r2, w2, __LINE__);
    check_row(r3, wb, __LINE__);
    check_row(r4, wb, __LINE__);
    check_row(tot, wt, __LINE__);

    /* response times */
    CHECK_EQ(r0->rt_n, 4);
    CHECK_EQ(r0->rt_min, MS(100));
    CHECK_EQ(r0->rt_max, MS(4000));
    CHECK_EQ(r0->rt_sum, MS(5900));
    CHECK(ma_row_rt_avg(r0) == 5.9 / 4);
    CHECK_EQ(r1->rt_n, 3);
    CHECK_EQ(r1->rt_min, MS(300));
    CHECK_EQ(r1->rt_max, MS(4000));
    CHECK_EQ(r1->rt_sum, MS(5800));
    CHECK(fabs(ma_row_rt_avg(r1) - 5.8 / 3) < 1e-12);
    CHECK(ma_quantile_value(&r1->rt, 50) == (double)MS(1500));
    CHECK(ma_quantile_value(&r1->rt, 95) == (double)MS(4000));
    CHECK_EQ(r2->rt_n, 1);
    CHECK_EQ(r2->rt_min, MS(100));
    CHECK_EQ(r2->rt_max, MS(100));
    CHECK(ma_row_rt_avg(r2) == 0.1);
    CHECK_EQ(r4->rt_n, 2);
    CHECK_EQ(r4->rt_min, MS(200));
    CHECK_EQ(r4->rt_max, MS(200));
    CHECK(ma_row_rt_avg(r4) == 0.2);
    CHECK_EQ(tot->rt_n, 6);
    CHECK_EQ(tot->rt_min, MS(100));
    CHECK_EQ(tot->rt_max, MS(4000));
    CHECK_EQ(tot->rt_sum, MS(6300));
    CHECK(ma_row_rt_avg(tot) == 1.05);
    CHECK(ma_quantile_value(&tot->rt, 50) == (double)MS(200));
    CHECK(ma_quantile_value(&tot->rt, 95) == (double)MS(4000));

    /* rows_of gives the same row objects */
    ma_row_t *pr = NULL, *ur = NULL;
    ma_stats_rows_of(st, &s.out[2], &pr, &ur);
    CHECK(pr == r0);
    CHECK(ur == r1);
    CHECK_EQ(ma_stats_nrows(st), 5);

    /* reset empties everything */
    ma_stats_reset(st);
    CHECK_EQ(ma_stats_nrows(st), 0);
    CHECK(ma_stats_row(st, 0) == NULL);
    CHECK_EQ(ma_stats_total(st)->requests, 0);
    CHECK_EQ(ma_stats_total(st)->rt_n, 0);
    CHECK(isnan(ma_row_rt_avg(ma_stats_total(st))));
    ma_stats_add(st, &s.out[0]);
    CHECK_EQ(ma_stats_nrows(st), 2);
    CHECK_EQ(ma_stats_total(st)->requests, 1);

    ma_stats_free(st);
    ma_core_free(s.core);
}

/* Row order with the extreme unit ids 0 and 255 (the pair row, 0xFFFF, first). */
static void test_stats_order(void)
{
    ma_core_t *core = new_core(0, 0);
    ma_pdu_t p[4];
    p[0] = feed(core, rq(1, MS(0), 1, 255, 1, 3));
    p[1] = feed(core, mk_from(v4(10, 0, 0, 9), 2, MS(1), 2, true, 9, 1, 3));
    p[2] = feed(core, rq(3, MS(2), 1, 0, 1, 3));
    p[3] = feed(core, rq(4, MS(3), 1, 17, 1, 3));
    ma_core_finalize(core);
    ma_stats_t *st = ma_stats_new();
    for (int i = 0; i < 4; i++)
        ma_stats_add(st, &p[i]);
    CHECK_EQ(ma_stats_nrows(st), 6);
    static const unsigned want_unit[6] = { MA_UNIT_ALL, 0, 17, 255, MA_UNIT_ALL, 9 };
    for (unsigned i = 0; i < 6; i++) {
        const ma_row_t *r = ma_stats_row(st, i);
        CHECK(r != NULL);
        if (!r)
            continue;
        CHECK_EQ(r->unit, want_unit[i]);
        CHECK(r->pair == (i < 4 ? p[0].pair : p[1].pair));
    }
    CHECK_EQ(ma_stats_total(st)->requests, 4);
    CHECK_EQ(ma_stats_total(st)->unanswered_at_end, 4);
    ma_stats_free(st);
    ma_core_free(core);
}

/* ---- the transactions table (tap/report: one description for text, CSV, JSON, SQLite) ---- */

static char *csv_of(ma_stats_t *st)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    ma_tab_t t;
    ma_tab_init(&t, &ma_desc_transactions, NULL, 0);
    for (unsigned i = 0; i < ma_stats_nrows(st); i++)
        ma_tab_add(&t, ma_stats_row(st, i));
    ma_tab_add(&t, ma_stats_total(st));
    ma_tab_csv(f, &t);
    ma_tab_free(&t);
    fclose(f);
    return buf;
}

static void test_report_csv(void)
{
    scen_t s;
    memset(&s, 0, sizeof s);
    s.core = new_core(0, 0);
    sc(&s, rq(1, SEC(1), 1, 1, 1, 3));             /* answered, 250 ms */
    sc(&s, rs(2, MS(1250), 1, 1, 1, 3));
    sc(&s, rq(3, SEC(2), 1, 3, 2, 16));            /* missed */
    ma_pdu_in_t in = rs(4, SEC(3), 1, 1, 7, 0x83); /* orphan exception */
    in.exc_code = 2;
    sc(&s, in);
    ma_core_note_time(s.core, SEC(10));
    ma_core_finalize(s.core);
    ma_stats_t *st = ma_stats_new();
    for (unsigned i = 0; i < s.n; i++)
        ma_stats_add(st, &s.out[i]);

    char *csv = csv_of(st);
    CHECK(csv != NULL);
    if (csv) {
        /* one header line, no comment line; times in seconds, 9 decimals; a
         * NULL cell (no response time; TOTAL has no client) is empty */
        const char *want =
            "pair,unit,client,server,server_port,requests,responses,answered,late,missed,unanswered_at_end,"
            "delayed,exceptions,orphans,duplicates,ambiguous,tid_faults,tid_reuse,tid_mismatch,malformed,"
            "retransmitted,rt_min,rt_avg,rt_p50,rt_p95,rt_max\n"
            "127.0.0.1 -> 10.0.0.2:502,*,127.0.0.1,10.0.0.2,502,2,2,1,0,1,0,0,1,1,0,0,0,0,0,0,0,"
            "0.250000000,0.250000000,0.250000000,0.250000000,0.250000000\n"
            "127.0.0.1 -> 10.0.0.2:502,1,127.0.0.1,10.0.0.2,502,1,2,1,0,0,0,0,1,1,0,0,0,0,0,0,0,"
            "0.250000000,0.250000000,0.250000000,0.250000000,0.250000000\n"
            "127.0.0.1 -> 10.0.0.2:502,3,127.0.0.1,10.0.0.2,502,1,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,,,,,\n"
            "TOTAL,*,,,,2,2,1,0,1,0,0,1,1,0,0,0,0,0,0,0,"
            "0.250000000,0.250000000,0.250000000,0.250000000,0.250000000\n";
        CHECK_STR(csv, want);
        free(csv);
    }
    /* an empty table still has the header and the TOTAL row */
    ma_stats_t *empty = ma_stats_new();
    csv = csv_of(empty);
    if (csv) {
        const char *tail = strstr(csv, "rt_max\n");
        CHECK(tail != NULL);
        if (tail)
            CHECK_STR(tail + strlen("rt_max\n"), "TOTAL,*,,,,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,,,,,\n");
        free(csv);
    }
    ma_stats_free(empty);

    /* the text table: headings, every row, ms with one decimal */
    char *txt = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&txt, &len);
    if (f) {
        ma_tab_t t;
        ma_tab_init(&t, &ma_desc_transactions, NULL, 0);
        for (unsigned i = 0; i < ma_stats_nrows(st); i++)
            ma_tab_add(&t, ma_stats_row(st, i));
        ma_tab_add(&t, ma_stats_total(st));
        ma_tab_text(f, &t, 0);
        ma_tab_free(&t);
        fclose(f);
        CHECK(strstr(txt, "127.0.0.1 -> 10.0.0.2:502") != NULL);
        CHECK(strstr(txt, "TOTAL") != NULL);
        CHECK(strstr(txt, "250.0") != NULL);
        CHECK(strstr(txt, "RTp95") != NULL);
        free(txt);
    }

    ma_stats_free(st);
    ma_core_free(s.core);
}

/* An aggregate (ma_quantile_link) answers for the union of its parts,
 * kept once by them: three parts, two aggregates over overlapping sets of
 * them (a pair's row over its units, the total over every unit), values
 * added in turn and asked for between the adds (the remembered ranks must
 * be forgotten when a part grows), against the brute-force rank. */
static void test_quantile_union(void)
{
    enum { N = 3000 };
    double *vals = malloc(N * sizeof *vals), *in_pair = malloc(N * sizeof *vals);
    ma_quantile_t part[3], pair, total;
    for (int i = 0; i < 3; i++)
        ma_quantile_init(&part[i]);
    ma_quantile_init(&pair);
    ma_quantile_init(&total);
    CHECK(isnan(ma_quantile_value(&total, 50)));
    ma_quantile_add(&part[0], 7.0); /* a value before the link counts too */
    vals[0] = in_pair[0] = 7.0;
    size_t n = 1, npair = 1;
    ma_quantile_link(&part[0], &pair);
    ma_quantile_link(&part[1], &pair);
    for (int i = 0; i < 3; i++)
        ma_quantile_link(&part[i], &total);
    ma_quantile_t empty; /* a unit row with no response time yet: no array */
    ma_quantile_init(&empty);
    ma_quantile_link(&empty, &total);
    static const unsigned pcts[] = {1, 50, 95, 100};
    unsigned bad = 0, asked = 0;
    for (size_t k = 1; k < N; k++) {
        int which = (int)(lcg() % 3);
        double v = (double)(lcg() % 1000) / 3.0;
        ma_quantile_add(&part[which], v);
        vals[n++] = v;
        if (which < 2)
            in_pair[npair++] = v;
        if (k % 53 == 0 || k == N - 1) {
            for (unsigned j = 0; j < 4; j++) {
                asked += 2;
                bad += ma_quantile_value(&total, pcts[j]) != brute_rank(vals, n, pcts[j]);
                bad += npair && ma_quantile_value(&pair, pcts[j]) != brute_rank(in_pair, npair, pcts[j]);
            }
        }
    }
    CHECK_EQ(bad, 0);
    CHECK(asked > 200);
    CHECK_EQ(total.n, N);
    CHECK_EQ(pair.n, npair);
    CHECK(total.v == NULL && pair.v == NULL); /* the values are kept once */
    ma_quantile_clear(&pair);
    ma_quantile_clear(&total);
    for (int i = 0; i < 3; i++)
        ma_quantile_clear(&part[i]);
    ma_quantile_clear(&empty);
    free(vals);
    free(in_pair);
}

int main(int argc, char **argv)
{
    ma_test_init(&argc, &argv);
    g_test_add_func("/stats/quantile", test_quantile);
    g_test_add_func("/stats/quantile_shapes", test_quantile_shapes);
    g_test_add_func("/stats/stats", test_stats);
    g_test_add_func("/stats/stats_order", test_stats_order);
    g_test_add_func("/stats/report_csv", test_report_csv);
    g_test_add_func("/stats/quantile_union", test_quantile_union);
    return ma_test_run();
}
