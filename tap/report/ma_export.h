/* ma_export.h - the features CSV and its column-statistics sidecar
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Layout in docs/features.md (Export). Plain C: the tap feeds rows.
 */
#ifndef MA_EXPORT_H
#define MA_EXPORT_H

#include <stdio.h>

#include "ma_feat.h"

typedef struct ma_export_row {
    uint32_t         frame;
    unsigned         index;
    ma_ns_t          ts;
    uint32_t         stream;
    ma_addr_t        src, dst;
    bool             is_request;
    const char      *pair;
    const ma_feat_t *feat;
} ma_export_row_t;

typedef struct ma_export ma_export_t;

/* Writes the header line to out at once. */
ma_export_t *ma_export_new(FILE *out);
void ma_export_free(ma_export_t *ex);
void ma_export_row(ma_export_t *ex, const ma_export_row_t *r);
uint64_t ma_export_rows(const ma_export_t *ex);

/* The sidecar: "column,count,mean,std,min,max,q1,q3", one line per feature
 * column (every column after `pair`); std is the population std, q1/q3 by
 * linear interpolation; empty statistics for a column with no value. */
void ma_export_stats(ma_export_t *ex, FILE *out);

#endif /* MA_EXPORT_H */
