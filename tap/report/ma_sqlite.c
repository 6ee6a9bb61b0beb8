/* ma_sqlite.c - one capture's analysis into an SQLite database of many captures
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Tables are made from the table descriptions (ma_sections.h), each with a
 * capture_id column referring to captures(id). One database transaction
 * per capture: the rows of an earlier run on a capture of the same name
 * are deleted and the new ones inserted, so re-running replaces and other
 * captures stay; any error rolls back and leaves the database as it was.
 * Several writers (xargs -P over a folder of snapshots) wait for each
 * other (busy timeout; BEGIN IMMEDIATE takes the write lock first).
 */
#include "ma_outputs.h"

#include <glib.h>
#include <sqlite3.h>
#include <string.h>

#define MA_SQLITE_SCHEMA_VERSION 1

typedef struct sq_table {
    const char *name;   /* SQLite table */
    const ma_tab_desc_t *(*desc)(void);
    void (*build)(ma_tab_t *, const ma_report_ctx_t *);
} sq_table_t;

static const ma_tab_desc_t *d_tx(void) { return &ma_desc_transactions; }
static const ma_tab_desc_t *d_req(void) { return &ma_desc_requests; }
static const ma_tab_desc_t *d_orph(void) { return &ma_desc_orphans; }
static const ma_tab_desc_t *d_polls(void) { return &ma_desc_polls; }
static const ma_tab_desc_t *d_gaps(void) { return &ma_desc_poll_gaps; }
static const ma_tab_desc_t *d_hb(void) { return &ma_desc_heartbeats; }
static const ma_tab_desc_t *d_stalls(void) { return &ma_desc_stalls; }
static const ma_tab_desc_t *d_regs(void) { return &ma_desc_registers; }
static const ma_tab_desc_t *d_changes(void) { return &ma_desc_register_changes; }
static const ma_tab_desc_t *d_conns(void) { return &ma_desc_connection_list; }
static const ma_tab_desc_t *d_stp(void) { return &ma_desc_stp_events; }
static const ma_tab_desc_t *d_roots(void) { return &ma_desc_stp_roots; }
static const ma_tab_desc_t *d_problems(void) { return &ma_desc_problems; }
static const ma_tab_desc_t *d_flows(void) { return &ma_desc_flows; }

static void b_polls(ma_tab_t *t, const ma_report_ctx_t *rc)
{
    ma_sec_polls(t, rc, NULL);
}

static const sq_table_t tables[] = {
    {"pairs", d_tx, ma_sec_pairs},
    {"units", d_tx, ma_sec_units},
    {"pair_network", ma_desc_network, ma_sec_network},
    {"transactions", d_req, ma_sec_requests},
    {"orphans", d_orph, ma_sec_orphans},
    {"polls", d_polls, b_polls},
    {"poll_gaps", d_gaps, ma_sec_poll_gaps},
    {"heartbeats", d_hb, ma_sec_heartbeats},
    {"stalls", d_stalls, ma_sec_stalls},
    {"registers", d_regs, ma_sec_registers},
    {"register_changes", d_changes, ma_sec_register_changes},
    {"connections", d_conns, ma_sec_connection_list},
    {"stp_events", d_stp, ma_sec_stp_events},
    {"stp_roots", d_roots, ma_sec_stp_roots},
    {"problems", d_problems, ma_sec_problems},
    {"flows", d_flows, ma_sec_flows},
};

/* Indexes for the obvious queries (README: never-answered requests, the
 * slowest units per hour, stalls per day). */
static const char *const indexes[] = {
    "CREATE INDEX IF NOT EXISTS transactions_outcome ON transactions(outcome, capture_id)",
    "CREATE INDEX IF NOT EXISTS transactions_time ON transactions(request_time)",
    "CREATE INDEX IF NOT EXISTS transactions_pair_unit ON transactions(pair, unit)",
    "CREATE INDEX IF NOT EXISTS stalls_time ON stalls(start_time)",
    "CREATE INDEX IF NOT EXISTS units_pair ON units(pair, unit)",
};

static const char *sql_type(ma_coltype_t t)
{
    switch (t) {
    case MA_CT_COUNT:
    case MA_CT_INT:
    case MA_CT_FRAME:
    case MA_CT_BOOL:
        return "INTEGER";
    case MA_CT_REAL:
    case MA_CT_DURATION:
    case MA_CT_TIME:
        return "REAL";
    case MA_CT_TEXT:
        return "TEXT";
    }
    return "TEXT";
}

static char *err_of(sqlite3 *db, const char *what)
{
    return g_strdup_printf("%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

static int exec(sqlite3 *db, const char *sql, char **err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK && !*err)
        *err = g_strdup_printf("%s (%s)", msg ? msg : sqlite3_errstr(rc), sql);
    sqlite3_free(msg);
    return rc;
}

static void create_table(sqlite3 *db, const char *name, const ma_tab_desc_t *d, char **err)
{
    GString *s = g_string_new(NULL);
    g_string_printf(s, "CREATE TABLE IF NOT EXISTS %s (capture_id INTEGER NOT NULL REFERENCES captures(id)", name);
    for (unsigned i = 0; i < d->ncols; i++)
        g_string_append_printf(s, ", \"%s\" %s", d->cols[i].name, sql_type(d->cols[i].type));
    g_string_append(s, ")");
    exec(db, s->str, err);
    g_string_printf(s, "CREATE INDEX IF NOT EXISTS %s_capture ON %s(capture_id)", name, name);
    exec(db, s->str, err);
    g_string_free(s, TRUE);
}

static void create_schema(sqlite3 *db, char **err)
{
    exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", err);
    exec(db, "INSERT INTO schema_version (version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM schema_version)", err);
    exec(db, "CREATE TABLE IF NOT EXISTS captures (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, "
             "path TEXT, first_time REAL, last_time REAL, packets INTEGER, modbus_pdus INTEGER, requests INTEGER, "
             "pairs INTEGER, verdict TEXT, reasons TEXT, analysed_at TEXT)", err);
    for (unsigned i = 0; i < G_N_ELEMENTS(tables); i++)
        create_table(db, tables[i].name, tables[i].desc(), err);
    for (unsigned i = 0; i < G_N_ELEMENTS(indexes); i++)
        exec(db, indexes[i], err);
}

static double epoch(ma_ns_t ns)
{
    return (double)(ns / MA_NS_PER_SEC) + (double)(ns % MA_NS_PER_SEC) / 1e9;
}

static void bind_cell(sqlite3_stmt *st, int k, const ma_col_t *c, const ma_cell_t *v)
{
    if (v->null) {
        sqlite3_bind_null(st, k);
        return;
    }
    switch (c->type) {
    case MA_CT_COUNT:
        sqlite3_bind_int64(st, k, (sqlite3_int64)v->v.u);
        break;
    case MA_CT_FRAME:
        if (v->v.u)
            sqlite3_bind_int64(st, k, (sqlite3_int64)v->v.u);
        else
            sqlite3_bind_null(st, k);
        break;
    case MA_CT_INT:
        sqlite3_bind_int64(st, k, v->v.i);
        break;
    case MA_CT_REAL:
        if (v->v.d != v->v.d)
            sqlite3_bind_null(st, k);
        else
            sqlite3_bind_double(st, k, v->v.d);
        break;
    case MA_CT_DURATION:
        sqlite3_bind_double(st, k, (double)v->v.ns / 1e9);
        break;
    case MA_CT_TIME:
        sqlite3_bind_double(st, k, epoch(v->v.ns));
        break;
    case MA_CT_BOOL:
        sqlite3_bind_int(st, k, v->v.b ? 1 : 0);
        break;
    case MA_CT_TEXT:
        if (v->v.s)
            sqlite3_bind_text(st, k, v->v.s, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, k);
        break;
    }
}

static void insert_rows(sqlite3 *db, const char *name, const ma_tab_t *t, sqlite3_int64 cid, char **err)
{
    const ma_tab_desc_t *d = t->desc;
    GString *s = g_string_new(NULL);
    g_string_printf(s, "INSERT INTO %s (capture_id", name);
    for (unsigned i = 0; i < d->ncols; i++)
        g_string_append_printf(s, ", \"%s\"", d->cols[i].name);
    g_string_append(s, ") VALUES (?");
    for (unsigned i = 0; i < d->ncols; i++)
        g_string_append(s, ", ?");
    g_string_append(s, ")");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, s->str, -1, &st, NULL) != SQLITE_OK) {
        if (!*err)
            *err = err_of(db, name);
        g_string_free(s, TRUE);
        return;
    }
    for (unsigned r = 0; r < t->n && !*err; r++) {
        sqlite3_bind_int64(st, 1, cid);
        for (unsigned c = 0; c < d->ncols; c++) {
            ma_cell_t v;
            ma_tab_cell(t, r, c, &v);
            bind_cell(st, (int)c + 2, &d->cols[c], &v);
        }
        if (sqlite3_step(st) != SQLITE_DONE)
            *err = err_of(db, name);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    g_string_free(s, TRUE);
}

static sqlite3 *open_db(const char *path, unsigned busy_timeout_s, char **err)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        *err = g_strdup_printf("cannot open %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, (int)MIN(busy_timeout_s, 86400u) * 1000);
    return db;
}

char *ma_out_sqlite_check(const char *path)
{
    char *err = NULL;
    sqlite3 *db = open_db(path, 0, &err);
    if (!db)
        return err;
    /* a read of the header tells a file that is no database */
    exec(db, "SELECT count(*) FROM sqlite_master", &err);
    sqlite3_close(db);
    if (err) {
        char *e = g_strdup_printf("%s: %s", path, err);
        g_free(err);
        return e;
    }
    return NULL;
}

char *ma_out_sqlite(const char *path, const ma_report_ctx_t *rc, unsigned busy_timeout_s)
{
    char *err = NULL;
    sqlite3 *db = open_db(path, busy_timeout_s, &err);
    if (!db)
        return err;
    if (exec(db, "BEGIN IMMEDIATE", &err) != SQLITE_OK) {
        sqlite3_close(db);
        char *e = g_strdup_printf("%s: %s", path, err);
        g_free(err);
        return e;
    }
    create_schema(db, &err);
    sqlite3_int64 cid = 0;
    if (!err) {
        /* replace an earlier run on the same capture */
        sqlite3_stmt *st = NULL;
        sqlite3_prepare_v2(db, "SELECT id FROM captures WHERE name = ?", -1, &st, NULL);
        sqlite3_bind_text(st, 1, rc->capture, -1, SQLITE_TRANSIENT);
        if (st && sqlite3_step(st) == SQLITE_ROW) {
            sqlite3_int64 old = sqlite3_column_int64(st, 0);
            for (unsigned i = 0; i < G_N_ELEMENTS(tables) && !err; i++) {
                char *sql = g_strdup_printf("DELETE FROM %s WHERE capture_id = %lld", tables[i].name, (long long)old);
                exec(db, sql, &err);
                g_free(sql);
            }
            char *sql = g_strdup_printf("DELETE FROM captures WHERE id = %lld", (long long)old);
            exec(db, sql, &err);
            g_free(sql);
        }
        sqlite3_finalize(st);
    }
    if (!err) {
        ma_capture_info_t ci;
        ma_capture_info(rc, &ci);
        ma_verdict_t v;
        ma_verdict_decide(rc, &v);
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "INSERT INTO captures (name, path, first_time, last_time, packets, modbus_pdus, "
                                   "requests, pairs, verdict, reasons, analysed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                                   "?, ?, datetime('now'))", -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, rc->capture, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 2, rc->path, -1, SQLITE_TRANSIENT);
            sqlite3_bind_double(st, 3, epoch(ci.first));
            sqlite3_bind_double(st, 4, epoch(ci.last));
            sqlite3_bind_int64(st, 5, (sqlite3_int64)ci.packets);
            sqlite3_bind_int64(st, 6, (sqlite3_int64)ci.pdus);
            sqlite3_bind_int64(st, 7, (sqlite3_int64)ci.requests);
            sqlite3_bind_int64(st, 8, (sqlite3_int64)ci.pairs);
            sqlite3_bind_text(st, 9, v.keep ? "keep" : "discard", -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 10, v.reasons->str, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(st) != SQLITE_DONE)
                err = err_of(db, "captures");
            cid = sqlite3_last_insert_rowid(db);
        } else {
            err = err_of(db, "captures");
        }
        sqlite3_finalize(st);
        ma_verdict_free(&v);
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(tables) && !err; i++) {
        ma_tab_t t;
        tables[i].build(&t, rc);
        insert_rows(db, tables[i].name, &t, cid, &err);
        ma_tab_free(&t);
    }
    if (!err)
        exec(db, "COMMIT", &err);
    if (err) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(db);
        char *e = g_strdup_printf("%s: %s (database unchanged)", path, err);
        g_free(err);
        return e;
    }
    sqlite3_close(db);
    return NULL;
}
