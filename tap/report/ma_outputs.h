/* ma_outputs.h - the outputs of modbus_an, one name each: text sections, CSV,
 * the JSON document, the SQLite database and the verdict
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every output is rendered from the table descriptions of ma_sections.h, so
 * the text, the CSV, the JSON, the SQLite rows and the GUI tables cannot
 * disagree. The -z names (tap/cli.c) map one to one onto the entries of
 * ma_outputs_list(). Plain C (no epan types).
 */
#ifndef MA_OUTPUTS_H
#define MA_OUTPUTS_H

#include <stdio.h>

#include "ma_sections.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MA_OUT_TEXT,      /* a text section on stdout */
    MA_OUT_CSV,       /* CSV on stdout */
    MA_OUT_FILE,      /* writes a file (an argument) */
    MA_OUT_OPTFILE,   /* a file if given, else stdout */
    MA_OUT_LINE       /* one line on stdout */
} ma_out_kind_t;

typedef struct ma_output {
    const char   *name;      /* -z modbus_an,<name> */
    const char   *args;      /* what may follow the name, for help ("" none) */
    const char   *help;      /* one line */
    ma_out_kind_t kind;
    bool          filter;    /* takes a display filter (stat, csv) */
    bool          flows;     /* reads the feature summary (ma_report_flows) */
} ma_output_t;

/* Every output, in the order of -z modbus_an,help. */
const ma_output_t *ma_outputs_list(unsigned *n);
const ma_output_t *ma_output_find(const char *name);

/* -z modbus_an,help */
void ma_out_help(FILE *out);

/* A text section by name (summary, stat, polls, heartbeats, registers,
 * flows, connections, tcp, causes, stp, topology). st: the stat's own rows
 * when it has a filter, else NULL (the whole capture). */
void ma_out_text(FILE *out, const char *name, const ma_report_ctx_t *rc, ma_stats_t *st, const char *filter);

/* CSV by name: csv (transactions per pair, unit and TOTAL; st as above),
 * netcsv (network numbers per pair). One header line, RFC 4180, no
 * comment lines. */
void ma_out_csv(FILE *out, const char *name, const ma_report_ctx_t *rc, ma_stats_t *st);

/* The version of the JSON document's layout ("schema_version" in the
 * document and in its schema). */
#define MA_JSON_SCHEMA_VERSION 1

/* The JSON document (docs/modbus_an.schema.json describes it). */
void ma_out_json(FILE *out, const ma_report_ctx_t *rc);

/* The JSON Schema of that document, generated from the table descriptions. */
void ma_out_json_schema(FILE *out);

/* The verdict line. */
void ma_out_verdict(FILE *out, const ma_report_ctx_t *rc);

/* Write the capture into the SQLite database at path (created if needed;
 * its rows of an earlier run on the same capture name are replaced, other
 * captures stay). A database locked by another writer is waited for up to
 * busy_timeout_s seconds. Returns NULL, or an error message (g_free it); on
 * error the database is unchanged. */
char *ma_out_sqlite(const char *path, const ma_report_ctx_t *rc, unsigned busy_timeout_s);
/* Check early that path can be opened for writing as a database (NULL: ok). */
char *ma_out_sqlite_check(const char *path);

#ifdef __cplusplus
}
#endif

#endif /* MA_OUTPUTS_H */
