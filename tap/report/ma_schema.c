/* ma_schema.c - the JSON Schema of the JSON document (-z modbus_an,schema),
 * generated from the table descriptions of ma_sections.h
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ma_outputs.h"

#include <glib.h>
#include <string.h>

#include "ma_json.h"

/* ---- JSON Schema (draft 2020-12), from the descriptions ---- */

static const char *json_type(ma_coltype_t t)
{
    switch (t) {
    case MA_CT_COUNT:
    case MA_CT_FRAME:
        return "integer";
    case MA_CT_INT:
        return "integer";
    case MA_CT_REAL:
    case MA_CT_DURATION:
    case MA_CT_TIME:
        return "number";
    case MA_CT_BOOL:
        return "boolean";
    case MA_CT_TEXT:
        return "string";
    }
    return "string";
}

static void schema_row_props(ma_json_t *j, const ma_tab_desc_t *d)
{
    for (unsigned i = 0; i < d->ncols; i++) {
        const ma_col_t *c = &d->cols[i];
        ma_json_key(j, c->name);
        ma_json_begin_object(j);
        ma_json_key(j, "type");
        ma_json_begin_array(j);
        ma_json_string(j, json_type(c->type));
        ma_json_string(j, "null");
        ma_json_end_array(j);
        if (c->type == MA_CT_COUNT || c->type == MA_CT_FRAME) {
            ma_json_key(j, "minimum");
            ma_json_uint(j, 0);
        }
        ma_json_key(j, "description");
        ma_json_string(j, c->desc);
        ma_json_end_object(j);
        if (c->type == MA_CT_TIME) {
            char rel[80];
            g_snprintf(rel, sizeof rel, "%s_rel", c->name);
            ma_json_key(j, rel);
            ma_json_begin_object(j);
            ma_json_key(j, "type");
            ma_json_begin_array(j);
            ma_json_string(j, "number");
            ma_json_string(j, "null");
            ma_json_end_array(j);
            ma_json_key(j, "description");
            ma_json_string(j, "seconds since the capture start");
            ma_json_end_object(j);
        }
    }
}

/* "properties" and "required" of a row object (extra: more properties). */
static void schema_row(ma_json_t *j, const ma_tab_desc_t *d, void (*extra)(ma_json_t *))
{
    ma_json_begin_object(j);
    ma_json_key(j, "type");
    ma_json_string(j, "object");
    ma_json_key(j, "description");
    ma_json_string(j, d->title);
    ma_json_key(j, "properties");
    ma_json_begin_object(j);
    schema_row_props(j, d);
    if (extra)
        extra(j);
    ma_json_end_object(j);
    ma_json_key(j, "required");
    ma_json_begin_array(j);
    for (unsigned i = 0; i < d->ncols; i++)
        ma_json_string(j, d->cols[i].name);
    ma_json_end_array(j);
    ma_json_key(j, "additionalProperties");
    ma_json_bool(j, false);
    ma_json_end_object(j);
}

static void schema_array(ma_json_t *j, const char *key, const ma_tab_desc_t *d)
{
    ma_json_key(j, key);
    ma_json_begin_object(j);
    ma_json_key(j, "type");
    ma_json_string(j, "array");
    ma_json_key(j, "items");
    schema_row(j, d, NULL);
    ma_json_end_object(j);
}

static void schema_pair_extra(ma_json_t *j)
{
    ma_json_key(j, "topic");
    ma_json_begin_object(j);
    ma_json_key(j, "type");
    ma_json_string(j, "string");
    ma_json_key(j, "pattern");
    ma_json_string(j, "^/status/modbus_connections/[^/]*/[^/]+_[^/]+_[0-9]+$");
    ma_json_end_object(j);
    schema_array(j, "units", &ma_desc_transactions);
    ma_json_key(j, "network");
    ma_json_begin_object(j);
    ma_json_key(j, "anyOf");
    ma_json_begin_array(j);
    ma_json_begin_object(j);
    ma_json_key(j, "type");
    ma_json_string(j, "null");
    ma_json_end_object(j);
    const ma_tab_desc_t *nd = ma_desc_network();
    ma_json_begin_object(j);
    ma_json_key(j, "type");
    ma_json_string(j, "object");
    ma_json_key(j, "properties");
    ma_json_begin_object(j);
    schema_row_props(j, nd);
    ma_json_end_object(j);
    ma_json_key(j, "additionalProperties");
    ma_json_bool(j, false);
    ma_json_end_object(j);
    ma_json_end_array(j);
    ma_json_end_object(j);
}

static void schema_simple(ma_json_t *j, const char *key, const char *type)
{
    ma_json_key(j, key);
    ma_json_begin_object(j);
    ma_json_key(j, "type");
    ma_json_string(j, type);
    ma_json_end_object(j);
}

void ma_out_json_schema(FILE *out)
{
    ma_json_t j;
    ma_json_init(&j, out);
    ma_json_begin_object(&j);
    ma_json_key(&j, "$schema");
    ma_json_string(&j, "https://json-schema.org/draft/2020-12/schema");
    ma_json_key(&j, "title");
    ma_json_string(&j, "modbus_an analysis of one capture (tshark -z modbus_an,json)");
    ma_json_key(&j, "description");
    ma_json_string(&j, "Generated from modbus_an's table descriptions (tshark -z modbus_an,schema). Times are "
                       "epoch seconds; each <name>_rel beside a time is seconds since the capture start.");
    ma_json_key(&j, "type");
    ma_json_string(&j, "object");
    ma_json_key(&j, "properties");
    ma_json_begin_object(&j);
    ma_json_key(&j, "schema_version");
    ma_json_begin_object(&j);
    ma_json_key(&j, "const");
    ma_json_uint(&j, MA_JSON_SCHEMA_VERSION);
    ma_json_end_object(&j);
    schema_simple(&j, "generator", "string");
    ma_json_key(&j, "capture");
    ma_json_begin_object(&j);
    ma_json_key(&j, "type");
    ma_json_string(&j, "object");
    ma_json_key(&j, "required");
    ma_json_begin_array(&j);
    static const char *const cap_keys[] = {"file", "name", "first_epoch", "last_epoch", "duration", "packets",
                                           "modbus_pdus", "requests", "pairs", "units", "connections", "bpdus"};
    for (unsigned i = 0; i < G_N_ELEMENTS(cap_keys); i++)
        ma_json_string(&j, cap_keys[i]);
    ma_json_end_array(&j);
    ma_json_key(&j, "properties");
    ma_json_begin_object(&j);
    schema_simple(&j, "file", "string");
    schema_simple(&j, "name", "string");
    for (unsigned i = 2; i < G_N_ELEMENTS(cap_keys); i++) {
        ma_json_key(&j, cap_keys[i]);
        ma_json_begin_object(&j);
        ma_json_key(&j, "type");
        ma_json_begin_array(&j);
        ma_json_string(&j, i < 5 ? "number" : "integer");
        ma_json_string(&j, "null");
        ma_json_end_array(&j);
        ma_json_end_object(&j);
    }
    ma_json_end_object(&j);
    ma_json_end_object(&j);
    schema_simple(&j, "config", "object");
    ma_json_key(&j, "verdict");
    ma_json_begin_object(&j);
    ma_json_key(&j, "type");
    ma_json_string(&j, "object");
    ma_json_key(&j, "required");
    ma_json_begin_array(&j);
    ma_json_string(&j, "decision");
    ma_json_string(&j, "reasons");
    ma_json_string(&j, "line");
    ma_json_end_array(&j);
    ma_json_key(&j, "properties");
    ma_json_begin_object(&j);
    ma_json_key(&j, "decision");
    ma_json_begin_object(&j);
    ma_json_key(&j, "enum");
    ma_json_begin_array(&j);
    ma_json_string(&j, "keep");
    ma_json_string(&j, "discard");
    ma_json_end_array(&j);
    ma_json_end_object(&j);
    ma_json_key(&j, "reasons");
    ma_json_begin_object(&j);
    ma_json_key(&j, "type");
    ma_json_string(&j, "array");
    ma_json_key(&j, "items");
    ma_json_begin_object(&j);
    ma_json_key(&j, "type");
    ma_json_string(&j, "string");
    ma_json_end_object(&j);
    ma_json_end_object(&j);
    ma_json_key(&j, "line");
    ma_json_begin_object(&j);
    ma_json_key(&j, "type");
    ma_json_string(&j, "string");
    ma_json_key(&j, "pattern");
    ma_json_string(&j, "^(keep: .+|discard: clean)$");
    ma_json_end_object(&j);
    ma_json_end_object(&j);
    ma_json_end_object(&j);
    ma_json_key(&j, "summary");
    ma_json_begin_object(&j);
    ma_json_key(&j, "type");
    ma_json_string(&j, "object");
    ma_json_key(&j, "required");
    ma_json_begin_array(&j);
    ma_json_string(&j, "topic");
    ma_json_string(&j, "verdict");
    ma_json_string(&j, "total");
    ma_json_string(&j, "problems");
    ma_json_end_array(&j);
    ma_json_key(&j, "properties");
    ma_json_begin_object(&j);
    ma_json_key(&j, "topic");
    ma_json_begin_object(&j);
    ma_json_key(&j, "type");
    ma_json_string(&j, "string");
    ma_json_key(&j, "pattern");
    ma_json_string(&j, "^/status/modbus_connections/[^/]*/summary$");
    ma_json_end_object(&j);
    schema_simple(&j, "verdict", "string");
    ma_json_key(&j, "total");
    schema_row(&j, &ma_desc_transactions, NULL);
    schema_array(&j, "problems", &ma_desc_problems);
    ma_json_end_object(&j);
    ma_json_end_object(&j);
    ma_json_key(&j, "pairs");
    ma_json_begin_object(&j);
    ma_json_key(&j, "type");
    ma_json_string(&j, "array");
    ma_json_key(&j, "items");
    schema_row(&j, &ma_desc_transactions, schema_pair_extra);
    ma_json_end_object(&j);
    schema_array(&j, "pair_network", ma_desc_network());
    schema_array(&j, "polls", &ma_desc_polls);
    schema_simple(&j, "one_off_reads", "integer");
    schema_array(&j, "poll_gaps", &ma_desc_poll_gaps);
    schema_array(&j, "heartbeats", &ma_desc_heartbeats);
    schema_array(&j, "stalls", &ma_desc_stalls);
    schema_array(&j, "registers", &ma_desc_registers);
    schema_array(&j, "register_changes", &ma_desc_register_changes);
    schema_array(&j, "connections", &ma_desc_connection_list);
    schema_array(&j, "causes", &ma_desc_causes);
    schema_array(&j, "slow_requests", &ma_desc_slow);
    schema_array(&j, "topology", &ma_desc_topology);
    schema_array(&j, "flows", &ma_desc_flows);
    schema_array(&j, "flow_pairs", &ma_desc_flow_pairs);
    ma_json_key(&j, "stp");
    ma_json_begin_object(&j);
    ma_json_key(&j, "type");
    ma_json_string(&j, "object");
    ma_json_key(&j, "properties");
    ma_json_begin_object(&j);
    static const char *const stp_counts[] = {"bpdus", "topology_changes", "tcn", "root_changes", "role_changes",
                                             "config", "rst", "tcn_bpdus", "other", "tc_flagged", "tca_flagged",
                                             "repeats", "speakers", "root_ids", "events_dropped"};
    for (unsigned i = 0; i < G_N_ELEMENTS(stp_counts); i++)
        schema_simple(&j, stp_counts[i], "integer");
    schema_array(&j, "roots", &ma_desc_stp_roots);
    schema_array(&j, "events", &ma_desc_stp_events);
    ma_json_end_object(&j);
    ma_json_end_object(&j);
    ma_json_end_object(&j);
    ma_json_key(&j, "required");
    ma_json_begin_array(&j);
    static const char *const top[] = {"schema_version", "capture", "verdict", "summary", "pairs", "polls",
                                      "heartbeats", "stalls", "registers", "connections", "causes", "stp"};
    for (unsigned i = 0; i < G_N_ELEMENTS(top); i++)
        ma_json_string(&j, top[i]);
    ma_json_end_array(&j);
    ma_json_end_object(&j);
    fputc('\n', out);
}
