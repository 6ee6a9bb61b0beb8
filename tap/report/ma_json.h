/* ma_json.h - a small streaming JSON writer (RFC 8259)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Keys and values are written in order; commas, indentation and string
 * escaping are the writer's. Numbers are JSON numbers (non-finite ones are
 * written as null). ma_json_tab writes a table (ma_table.h) as an array
 * of objects, one key per column, TIME columns as epoch seconds plus
 * <name>_rel, seconds since the capture start.
 */
#ifndef MA_JSON_H
#define MA_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ma_table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ma_json {
    FILE    *out;
    unsigned depth;
    bool     first[32];  /* per level: no member written yet */
    bool     after_key;
} ma_json_t;

void ma_json_init(ma_json_t *j, FILE *out);
void ma_json_begin_object(ma_json_t *j);
void ma_json_end_object(ma_json_t *j);
void ma_json_begin_array(ma_json_t *j);
void ma_json_end_array(ma_json_t *j);
void ma_json_key(ma_json_t *j, const char *key);
void ma_json_string(ma_json_t *j, const char *s);   /* NULL: null */
void ma_json_uint(ma_json_t *j, uint64_t v);
void ma_json_int(ma_json_t *j, int64_t v);
void ma_json_double(ma_json_t *j, double v, int decimals); /* decimals < 0: shortest %.17g */
void ma_json_bool(ma_json_t *j, bool v);
void ma_json_null(ma_json_t *j);
/* An epoch time as seconds (9 decimals). */
void ma_json_time(ma_json_t *j, ma_ns_t ts);

/* The table's rows as an array of objects (the caller writes the key). */
void ma_json_tab(ma_json_t *j, const ma_tab_t *t);
/* The members of one row into the currently open object. */
void ma_json_row(ma_json_t *j, const ma_tab_t *t, unsigned row);

#ifdef __cplusplus
}
#endif

#endif /* MA_JSON_H */
