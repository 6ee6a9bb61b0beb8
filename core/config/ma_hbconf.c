/* ma_hbconf.c - heartbeat definitions from hb_defs.json and pcap_monitor.json
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * JSON is tokenised by Wireshark's wsutil JSON support (jsmn); this file
 * only walks the tokens. Every problem is reported as
 * "FILE: entry 'NAME': PROBLEM" and rejects the whole file, so a half-read
 * configuration never silently watches the wrong registers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <wsutil/wsjson.h>

#include "ma_hbconf.h"

#define MAX_TOKENS 1000000

typedef struct jdoc {
    char      *buf;     /* NUL-terminated copy of the text */
    jsmntok_t *tok;
    int        ntok;
    const char *fname;
} jdoc_t;

void ma_hb_def_free(gpointer def)
{
    ma_hb_def_t *d = def;
    if (d) {
        g_free(d->name);
        g_free(d);
    }
}

static bool fail(char **err, const char *fname, const char *entry, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static bool fail(char **err, const char *fname, const char *entry, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (err) {
        g_free(*err);
        *err = entry ? g_strdup_printf("%s: entry '%s': %s", fname, entry, msg) : g_strdup_printf("%s: %s", fname, msg);
    }
    g_free(msg);
    return false;
}

/* Index of the token after the subtree rooted at i. */
static int skip(const jdoc_t *d, int i)
{
    int remaining = 1;
    while (remaining > 0 && i < d->ntok) {
        remaining += d->tok[i].size;
        remaining--;
        i++;
    }
    return i;
}

static bool tok_is(const jdoc_t *d, int i, const char *s)
{
    size_t n = (size_t)(d->tok[i].end - d->tok[i].start);
    return d->tok[i].type == JSMN_STRING && strlen(s) == n && memcmp(d->buf + d->tok[i].start, s, n) == 0;
}

/* Value token of key in object obj, or -1. */
static int member(const jdoc_t *d, int obj, const char *key)
{
    int i = obj + 1;
    for (int k = 0; k < d->tok[obj].size && i < d->ntok; k++) {
        if (i + 1 < d->ntok && tok_is(d, i, key))
            return i + 1;
        i = skip(d, i + 1);
    }
    return -1;
}

/* The decoded text of a string or primitive token (g_free it). */
static char *tok_text(const jdoc_t *d, int i)
{
    char *s = g_strndup(d->buf + d->tok[i].start, (gsize)(d->tok[i].end - d->tok[i].start));
    if (d->tok[i].type == JSMN_STRING && !json_decode_string_inplace(s)) {
        g_free(s);
        return NULL;
    }
    return s;
}

/* An integer member in [lo, hi] (a JSON number, or a string holding one). */
static bool get_int(const jdoc_t *d, int obj, const char *key, long lo, long hi, long *out, const char *entry,
                    char **err)
{
    int v = member(d, obj, key);
    if (v < 0)
        return fail(err, d->fname, entry, "missing \"%s\"", key);
    if (d->tok[v].type != JSMN_PRIMITIVE && d->tok[v].type != JSMN_STRING)
        return fail(err, d->fname, entry, "\"%s\" must be an integer %ld-%ld", key, lo, hi);
    char *s = tok_text(d, v);
    char *end = NULL;
    errno = 0;
    long x = s ? strtol(s, &end, 10) : 0;
    bool ok = s && *s && end && *end == '\0' && errno == 0 && x >= lo && x <= hi;
    if (!ok)
        fail(err, d->fname, entry, "\"%s\" must be an integer %ld-%ld, got %s", key, lo, hi, s ? s : "?");
    else
        *out = x;
    g_free(s);
    return ok;
}

/* A string member (g_free *out). */
static bool get_str(const jdoc_t *d, int obj, const char *key, char **out, const char *entry, char **err)
{
    int v = member(d, obj, key);
    if (v < 0)
        return fail(err, d->fname, entry, "missing \"%s\"", key);
    if (d->tok[v].type != JSMN_STRING || !(*out = tok_text(d, v)))
        return fail(err, d->fname, entry, "\"%s\" must be a string", key);
    return true;
}

/* Offset just past the first complete top-level value of buf if it is an
 * object or array (a string-aware bracket scan), or 0. */
static size_t first_value_end(const char *buf)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; buf[i]; i++) {
        char c = buf[i];
        if (in_str) {
            if (c == '\\' && buf[i + 1])
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            return i + 1;
        }
    }
    return 0;
}

static bool doc_parse(jdoc_t *d, const char *text, size_t len, const char *fname, char **err)
{
    memset(d, 0, sizeof *d);
    d->fname = fname;
    if (memchr(text, '\0', len))
        return fail(err, fname, NULL, "not valid JSON (contains a NUL byte)");
    d->buf = g_strndup(text, len);
    int n = json_parse(d->buf, NULL, 0);
    if (n > MAX_TOKENS)
        return fail(err, fname, NULL, "too large (%d JSON tokens, at most %d)", n, MAX_TOKENS);
    if (n > 0) {
        d->tok = g_new0(jsmntok_t, n);
        n = json_parse(d->buf, d->tok, (unsigned)n);
    }
    if (n == JSMN_ERROR_PART) {
        /* jsmn reads trailing words as an unfinished value: say what it is. */
        size_t end = first_value_end(d->buf);
        const char *p = d->buf + end;
        while (end && *p && g_ascii_isspace(*p))
            p++;
        if (end && *p)
            return fail(err, fname, NULL, "not valid JSON (text after the top-level object)");
    }
    if (n <= 0)
        return fail(err, fname, NULL, "not valid JSON (%s)",
                    n == 0 ? "empty" : n == JSMN_ERROR_PART ? "truncated" : "invalid character");
    d->ntok = n;
    if (d->tok[0].type != JSMN_OBJECT)
        return fail(err, fname, NULL, "the top level must be a JSON object");
    /* jsmn stops at the end of the first value: anything else after it? */
    for (const char *p = d->buf + d->tok[0].end; *p; p++)
        if (!g_ascii_isspace(*p))
            return fail(err, fname, NULL, "not valid JSON (text after the top-level object)");
    return true;
}

static void doc_free(jdoc_t *d)
{
    g_free(d->buf);
    g_free(d->tok);
}

/* End of a parse: on success move the definitions to out, else drop them
 * (a bad file is rejected as a whole); free the document. */
static bool finish(jdoc_t *d, GPtrArray *defs, GPtrArray *out, bool ok)
{
    for (guint k = 0; ok && k < defs->len; k++)
        g_ptr_array_add(out, g_steal_pointer(&defs->pdata[k]));
    g_ptr_array_free(defs, TRUE); /* frees what was not moved */
    doc_free(d);
    return ok;
}

/* "client->server:port"; IPv6 addresses may be bracketed: "[::1]". */
static bool parse_pair_id(const char *s, ma_hb_def_t *def)
{
    const char *arrow = strstr(s, "->");
    if (!arrow)
        return false;
    char *client = g_strstrip(g_strndup(s, (gsize)(arrow - s)));
    size_t cl = strlen(client);
    if (cl >= 2 && client[0] == '[' && client[cl - 1] == ']') { /* "[::1]" */
        memmove(client, client + 1, cl - 2);
        client[cl - 2] = '\0';
    }
    char *rest = g_strstrip(g_strdup(arrow + 2));
    char *colon = strrchr(rest, ':');
    bool ok = colon != NULL;
    if (ok) {
        *colon = '\0';
        char *srv = rest;
        size_t n = strlen(srv);
        if (n >= 2 && srv[0] == '[' && srv[n - 1] == ']') {
            srv[n - 1] = '\0';
            srv++;
        }
        char *end = NULL;
        long port = strtol(colon + 1, &end, 10);
        ok = ma_addr_parse(client, &def->client) && ma_addr_parse(srv, &def->server) && end && *end == '\0' &&
             colon[1] && port >= 1 && port <= 65535;
        def->port = (int32_t)port;
    }
    g_free(client);
    g_free(rest);
    return ok;
}

bool ma_hbconf_parse_hbdefs(const char *text, size_t len, const char *fname, GPtrArray *out, char **err)
{
    jdoc_t d;
    GPtrArray *defs = g_ptr_array_new_with_free_func(ma_hb_def_free);
    bool ok = doc_parse(&d, text, len, fname, err);
    int i = 1;
    for (int k = 0; ok && k < d.tok[0].size; k++, i = skip(&d, i + 1)) {
        char *name = tok_text(&d, i);
        const char *entry = name ? name : "?";
        int obj = i + 1;
        if (obj >= d.ntok || d.tok[obj].type != JSMN_OBJECT) {
            ok = fail(err, fname, entry, "must be an object");
            g_free(name);
            break;
        }
        ma_hb_def_t *def = g_new0(ma_hb_def_t, 1);
        def->name = g_strdup(entry);
        def->source = MA_HB_SRC_HBDEFS;
        def->words = 1;
        char *pair = NULL;
        long type = 0, dev = 0, start = 0, reg = 0, size = 0;
        ok = get_str(&d, obj, "pair_id", &pair, entry, err);
        if (ok && !parse_pair_id(pair, def))
            ok = fail(err, fname, entry, "\"pair_id\" must be \"client->server:port\", got \"%s\"", pair);
        ok = ok && get_int(&d, obj, "hb_reg_type", 1, 4, &type, entry, err) &&
             get_int(&d, obj, "hb_dev_id", 0, 255, &dev, entry, err) &&
             get_int(&d, obj, "hb_start", 0, 65535, &start, entry, err) &&
             get_int(&d, obj, "hb_reg", 0, 65535, &reg, entry, err) &&
             get_int(&d, obj, "hb_size", 1, type <= 2 ? 2000 : 125, &size, entry, err);
        if (ok && (reg < start || reg >= start + size))
            ok = fail(err, fname, entry, "\"hb_reg\" %ld is outside the poll %ld..%ld (hb_start, hb_size)", reg,
                      start, start + size - 1);
        if (ok && start + size > 65536)
            ok = fail(err, fname, entry, "the poll %ld..%ld ends past register 65535", start, start + size - 1);
        if (ok) {
            def->table = (ma_table_t)(type - 1); /* 1 coils, 2 discrete, 3 holding, 4 input (read fc) */
            def->unit = (int32_t)dev;
            def->poll_start = (int32_t)start;
            def->poll_count = (int32_t)size;
            def->reg = (uint16_t)reg;
            g_ptr_array_add(defs, def);
        } else {
            ma_hb_def_free(def);
        }
        g_free(pair);
        g_free(name);
    }
    return finish(&d, defs, out, ok);
}

bool ma_hbconf_parse_monitor(const char *text, size_t len, const char *fname, GPtrArray *out, char **err)
{
    jdoc_t d;
    GPtrArray *defs = g_ptr_array_new_with_free_func(ma_hb_def_free);
    bool ok = doc_parse(&d, text, len, fname, err);
    int arr = ok ? member(&d, 0, "heartbeats") : -1;
    if (ok && arr >= 0 && d.tok[arr].type != JSMN_ARRAY)
        ok = fail(err, fname, NULL, "\"heartbeats\" must be a list");
    int i = arr + 1;
    for (int k = 0; ok && arr >= 0 && k < d.tok[arr].size; k++, i = skip(&d, i)) {
        char entry[160];
        int cid = d.tok[i].type == JSMN_OBJECT ? member(&d, i, "component_id") : -1;
        char *cname = cid >= 0 && d.tok[cid].type == JSMN_STRING ? tok_text(&d, cid) : NULL;
        if (cname)
            g_snprintf(entry, sizeof entry, "heartbeats[%d] (%s)", k, cname);
        else
            g_snprintf(entry, sizeof entry, "heartbeats[%d]", k);
        if (d.tok[i].type != JSMN_OBJECT) {
            ok = fail(err, fname, entry, "must be an object");
            g_free(cname);
            break;
        }
        ma_hb_def_t *def = g_new0(ma_hb_def_t, 1);
        def->source = MA_HB_SRC_MONITOR;
        def->poll_start = -1;
        def->poll_count = -1;
        char *ip = NULL, *table = NULL;
        long port = 0, dev = 0, size = 0, off = 0;
        ok = get_str(&d, i, "dest_ip", &ip, entry, err);
        if (ok && !ma_addr_parse(ip, &def->server))
            ok = fail(err, fname, entry, "\"dest_ip\" is not an IP address: \"%s\"", ip);
        ok = ok && get_int(&d, i, "dest_port", 1, 65535, &port, entry, err) &&
             get_int(&d, i, "device_id", 0, 255, &dev, entry, err) &&
             get_str(&d, i, "heartbeat_reg_type", &table, entry, err);
        if (ok && !ma_table_parse(table, &def->table))
            ok = fail(err, fname, entry,
                      "\"heartbeat_reg_type\" must be \"Holding Registers\", \"Input Registers\", \"Coils\" or "
                      "\"Discrete Inputs\", got \"%s\"", table);
        ok = ok && get_int(&d, i, "heartbeat_size", 1, 2, &size, entry, err) &&
             get_int(&d, i, "heartbeat_offset", 0, 65535, &off, entry, err);
        if (ok && off + size > 65536)
            ok = fail(err, fname, entry, "the heartbeat %ld..%ld ends past register 65535", off, off + size - 1);
        if (ok) {
            def->name = g_strdup_printf("%s:%ld", cname ? cname : "heartbeat", off);
            def->port = (int32_t)port;
            def->unit = (int32_t)dev;
            def->reg = (uint16_t)off;
            def->words = (uint8_t)size;
            g_ptr_array_add(defs, def);
        } else {
            ma_hb_def_free(def);
        }
        g_free(ip);
        g_free(table);
        g_free(cname);
    }
    return finish(&d, defs, out, ok);
}

bool ma_hbconf_load(const char *path, bool monitor, GPtrArray *out, char **err)
{
    gchar *text = NULL;
    gsize len = 0;
    GError *ge = NULL;
    if (!g_file_get_contents(path, &text, &len, &ge)) {
        fail(err, path, NULL, "cannot read: %s", ge->message);
        g_error_free(ge);
        return false;
    }
    bool ok = monitor ? ma_hbconf_parse_monitor(text, len, path, out, err)
                      : ma_hbconf_parse_hbdefs(text, len, path, out, err);
    g_free(text);
    return ok;
}

/* ---- expected topology (pcap_monitor.json "ip_addrs" and "ips") ---- */

void ma_expect_free(gpointer p)
{
    ma_expect_t *e = p;
    if (e) {
        g_free(e->name);
        g_free(e);
    }
}

static ma_expect_t *expect_new(const ma_addr_t *server, long port, const char *name)
{
    ma_expect_t *e = g_new0(ma_expect_t, 1);
    e->server = *server;
    e->port = (uint16_t)port;
    e->name = g_strdup(name);
    return e;
}

/* "ip_addrs": {"server ip": [port, ...] or port, ...} */
static bool parse_ip_addrs(const jdoc_t *d, int obj, const char *fname, GPtrArray *out, char **err)
{
    if (d->tok[obj].type != JSMN_OBJECT)
        return fail(err, fname, NULL, "\"ip_addrs\" must be an object of server IP -> list of ports");
    int i = obj + 1;
    for (int k = 0; k < d->tok[obj].size; k++) {
        char *ip = tok_text(d, i);
        char entry[96];
        g_snprintf(entry, sizeof entry, "ip_addrs.%s", ip ? ip : "?");
        ma_addr_t a;
        bool ok = (ip && ma_addr_parse(ip, &a)) ||
                  fail(err, fname, entry, "\"%s\" is not an IP address", ip ? ip : "?");
        int v = i + 1;
        int nports = d->tok[v].type == JSMN_ARRAY ? d->tok[v].size : 1;
        int p = d->tok[v].type == JSMN_ARRAY ? v + 1 : v;
        for (int j = 0; ok && j < nports; j++, p = skip(d, p)) {
            char *t = d->tok[p].type == JSMN_PRIMITIVE ? tok_text(d, p) : NULL;
            char *end = NULL;
            long port = t ? strtol(t, &end, 10) : -1;
            if (!t || !end || *end || port < 1 || port > 65535)
                ok = fail(err, fname, entry, "ports must be integers 1..65535");
            else
                g_ptr_array_add(out, expect_new(&a, port, entry));
            g_free(t);
        }
        g_free(ip);
        if (!ok)
            return false;
        i = skip(d, v);
    }
    return true;
}

/* "ips": {"client": [{"dest_ip": ..., "dest_port": ...}, ...], ...} */
static bool parse_ips(const jdoc_t *d, int obj, const char *fname, GPtrArray *out, char **err)
{
    if (d->tok[obj].type != JSMN_OBJECT)
        return fail(err, fname, NULL, "\"ips\" must be an object");
    int arr = member(d, obj, "client");
    if (arr < 0)
        return true;
    if (d->tok[arr].type != JSMN_ARRAY)
        return fail(err, fname, NULL, "\"ips\".\"client\" must be a list");
    int i = arr + 1;
    for (int k = 0; k < d->tok[arr].size; k++, i = skip(d, i)) {
        char entry[64];
        g_snprintf(entry, sizeof entry, "ips.client[%d]", k);
        if (d->tok[i].type != JSMN_OBJECT)
            return fail(err, fname, entry, "must be an object");
        char *ip = NULL;
        long port = 0;
        ma_addr_t a;
        bool ok = get_str(d, i, "dest_ip", &ip, entry, err);
        if (ok && !ma_addr_parse(ip, &a))
            ok = fail(err, fname, entry, "\"dest_ip\" is not an IP address: \"%s\"", ip);
        ok = ok && get_int(d, i, "dest_port", 1, 65535, &port, entry, err);
        if (ok)
            g_ptr_array_add(out, expect_new(&a, port, entry));
        g_free(ip);
        if (!ok)
            return false;
    }
    return true;
}

bool ma_hbconf_parse_expect(const char *text, size_t len, const char *fname, GPtrArray *out, char **err)
{
    jdoc_t d;
    GPtrArray *exp = g_ptr_array_new_with_free_func(ma_expect_free);
    bool ok = doc_parse(&d, text, len, fname, err);
    int ia = ok ? member(&d, 0, "ip_addrs") : -1;
    if (ok && ia >= 0)
        ok = parse_ip_addrs(&d, ia, fname, exp, err);
    int ic = ok ? member(&d, 0, "ips") : -1;
    if (ok && ic >= 0)
        ok = parse_ips(&d, ic, fname, exp, err);
    return finish(&d, exp, out, ok);
}

bool ma_hbconf_load_expect(const char *path, GPtrArray *out, char **err)
{
    gchar *text = NULL;
    gsize len = 0;
    GError *ge = NULL;
    if (!g_file_get_contents(path, &text, &len, &ge)) {
        fail(err, path, NULL, "cannot read: %s", ge->message);
        g_error_free(ge);
        return false;
    }
    bool ok = ma_hbconf_parse_expect(text, len, path, out, err);
    g_free(text);
    return ok;
}
