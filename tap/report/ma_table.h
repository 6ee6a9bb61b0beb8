/* ma_table.h - one description per table, from which every output is built
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A table is described once: its name (the JSON key, the SQLite table, the
 * -z section), and per column a name (CSV header, JSON key, SQLite column),
 * a short text heading, a type, a one-line description and a getter. The
 * text table, the CSV, the JSON array, the SQLite rows and the GUI table
 * are all rendered from that description, so they cannot disagree: adding
 * a column is one line. Plain C (no epan types).
 *
 * Types and how each output writes them:
 *  text      CSV / JSON / SQLite
 *  COUNT     unsigned integer
 *  INT       signed integer
 *  REAL      number (text with the column's decimals)
 *  DURATION  seconds (text: ms or s with the column's decimals)
 *  TIME      epoch seconds; JSON adds <name>_rel, seconds since the capture
 *            start (text: "+REL (HH:MM:SS.mmm)")
 *  FRAME     frame number (0 is no frame: empty / null)
 *  BOOL      0/1, JSON true/false (text: "yes" or blank)
 *  TEXT      string (CSV quoted per RFC 4180)
 * A NULL cell is empty in text and CSV, null in JSON and SQLite.
 */
#ifndef MA_TABLE_H
#define MA_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ma_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MA_CT_COUNT, MA_CT_INT, MA_CT_REAL, MA_CT_DURATION, MA_CT_TIME, MA_CT_FRAME, MA_CT_BOOL, MA_CT_TEXT
} ma_coltype_t;

typedef struct ma_cell {
    bool null;
    union {
        const char *s;
        uint64_t    u;
        int64_t     i;
        double      d;
        ma_ns_t     ns;
        bool        b;
    } v;
} ma_cell_t;

/* row: one of the table's rows; ctx: the table's context. */
typedef void (*ma_getter_t)(const void *row, const void *ctx, ma_cell_t *out);

#define MA_COL_TEXT_MS   0x01u /* DURATION: milliseconds in the text table */
#define MA_COL_NO_TEXT   0x02u /* not in the 120-column text table (machine outputs only) */
#define MA_COL_LEFT      0x04u /* text: left-aligned */
#define MA_COL_STAR_NULL 0x08u /* a NULL cell is "*" in text and CSV (e.g. the unit of a pair row) */
#define MA_COL_TEXT_REL  0x10u /* TIME: only the relative time in the text table ("+12.345") */

typedef struct ma_col {
    const char  *name;       /* snake_case */
    const char  *heading;    /* text heading */
    ma_coltype_t type;
    uint8_t      decimals;   /* REAL / DURATION in text */
    uint8_t      flags;      /* MA_COL_* */
    uint8_t      max_width;  /* TEXT in the text table: longer values are cut (0: no limit) */
    const char  *desc;       /* one line */
    ma_getter_t  get;
} ma_col_t;

typedef struct ma_tab_desc {
    const char     *name;    /* section / JSON key / SQLite table */
    const char     *title;   /* text title */
    const ma_col_t *cols;
    unsigned        ncols;
} ma_tab_desc_t;

typedef struct ma_tab {
    const ma_tab_desc_t *desc;
    const void  *ctx;
    ma_ns_t      time0;      /* capture start, for relative times */
    const void **rows;
    unsigned     n, cap;
    void       **owned;      /* row storage freed with the table */
    unsigned     nowned, capowned;
} ma_tab_t;

void ma_tab_init(ma_tab_t *t, const ma_tab_desc_t *d, const void *ctx, ma_ns_t time0);
void ma_tab_free(ma_tab_t *t);
void ma_tab_add(ma_tab_t *t, const void *row);
/* A row the table owns (allocated here, zeroed, freed with the table). */
void *ma_tab_add_new(ma_tab_t *t, size_t size);
/* Memory freed with the table (text a row points to). */
void ma_tab_own(ma_tab_t *t, void *p);
/* Stable sort of the rows. */
void ma_tab_sort(ma_tab_t *t, int (*cmp)(const void *a, const void *b, const void *ctx));
void ma_tab_cell(const ma_tab_t *t, unsigned row, unsigned col, ma_cell_t *out);
/* The column named name, or -1. */
int ma_tab_col(const ma_tab_desc_t *d, const char *name);

/* The text table: the columns that have a heading and no MA_COL_NO_TEXT,
 * each as wide as its widest value; at most max_rows rows (0: all), then a
 * line saying how many more there are. */
void ma_tab_text(FILE *out, const ma_tab_t *t, unsigned max_rows);
/* One cell as the text table writes it (buf: at least 64 bytes). */
const char *ma_tab_cell_text(const ma_tab_t *t, const ma_col_t *c, const ma_cell_t *v, char *buf,
                               size_t size);

/* CSV (RFC 4180): a header line with every column's name, then the rows.
 * TIME columns give epoch seconds. */
void ma_tab_csv(FILE *out, const ma_tab_t *t);
/* RFC 4180 quoting of one field. */
void ma_csv_field(FILE *out, const char *s);

#ifdef __cplusplus
}
#endif

#endif /* MA_TABLE_H */
