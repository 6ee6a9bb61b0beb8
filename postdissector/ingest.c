/* ingest.c - take modbus_an's input from Wireshark's dissection without a tree
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * See ingest.h for what is taken where. Wrappers are dissector handles
 * without a protocol (so they add no layer to frame.protocols) that call
 * the original handle with call_dissector_only (so a handle that rejects
 * the data lets its caller go on with heuristics, as before) and, on the
 * first pass, note what that handle was given in the record of the frame
 * being dissected (raw_get). Each call through a handle takes one level of
 * pinfo->can_desegment (packet.c, call_dissector_work); a wrapper gives it
 * back before calling the original, as TCP proxies such as SOCKS do, so
 * the original can ask TCP for reassembly exactly as without modbus_an.
 */
#include "ingest.h"

#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/exceptions.h>
#include <epan/prefs.h>
#include <string.h>

#include "ws_compat.h"

static int proto_tcp = -1;

/* The original handles and their wrappers. */
enum { W_TCP, W_MBTCP, W_MBTLS, W_BPDU, W_BPDU_CISCO, W_N };
static dissector_handle_t orig[W_N];
static dissector_handle_t wrap[W_N];

/* Tables whose entries may hold one of the original handles. */
static const char *const tables[] = {
    "ip.proto", "tcp.port", "tls.port", "llc.dsap", "llc.cisco_pid", "chdlc.protocol", "ethertype",
};

typedef struct wrapped {
    const char        *table;
    guint32            key;
    dissector_handle_t orig, wrap;
} wrapped_t;

static GArray *installed; /* wrapped_t */
static bool active;       /* wrappers installed: collect on the first pass */

/* ---- per-frame record ---- */

/* The record of the frame being dissected (first pass, frames one at a
 * time): a frame number says whose it is, so a wrapper of the next frame
 * starts it afresh. Not in the packet scope: looking it up there per
 * wrapper call cost more than the rest of the hand-over. Reset per file
 * and pass (ma_ingest_start); its arrays keep their size (a frame's ADUs
 * are bounded by the largest reassembled PDU). */
static ma_raw_frame_t cur;
static guint32 cur_frame; /* 0: none */

static ma_raw_frame_t *raw_get(packet_info *pinfo, bool create)
{
    if (cur_frame != pinfo->num) {
        if (!create)
            return NULL;
        cur.nadus = 0;
        cur.has_seg = false;
        cur.has_bpdu = false;
        cur_frame = pinfo->num;
    }
    return &cur;
}

const ma_raw_frame_t *ma_ingest_frame(packet_info *pinfo)
{
    return active ? raw_get(pinfo, false) : NULL;
}

void ma_ingest_addr(const address *a, ma_addr_t *out)
{
    memset(out, 0, sizeof *out);
    if ((a->type == AT_IPv4 && a->len == 4) || (a->type == AT_IPv6 && a->len == 16)) {
        out->len = (uint8_t)a->len;
        memcpy(out->bytes, a->data, (size_t)a->len);
    }
}

static inline uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* ---- TCP ---- */

/* The IPv4 identification of the datagram whose payload starts at the TCP
 * header in tvb: the header just before it in the same data source, with
 * IHL pointing at the TCP header, protocol 6 and the segment's addresses
 * (RFC 791 3.1). False for IPv6, reassembled datagrams and anything else. */
static bool ip4_id_of(tvbuff_t *tvb, const address *src, const address *dst, uint16_t *id)
{
    if (src->type != AT_IPv4 || dst->type != AT_IPv4)
        return false;
    tvbuff_t *ds = tvb_get_ds_tvb(tvb);
    gint off = tvb_raw_offset(tvb);
    for (gint ihl = 20; ihl <= 60; ihl += 4) {
        gint s = off - ihl;
        if (s < 0)
            break;
        if (!tvb_bytes_exist(ds, s, 20))
            continue;
        const uint8_t *h = tvb_get_ptr(ds, s, 20);
        if (h[0] != (0x40 | ihl / 4) || h[9] != 6 || memcmp(h + 12, src->data, 4) != 0 ||
            memcmp(h + 16, dst->data, 4) != 0)
            continue;
        *id = be16(h + 4);
        return true;
    }
    return false;
}

static uint8_t analysis_of(packet_info *pinfo, struct tcp_analysis *tcpd, uint32_t seq, uint32_t ack)
{
    if (!tcpd || !tcpd->acked_table)
        return 0;
    guint32 frame = pinfo->num;
    wmem_tree_key_t key[4] = {
        {1, &frame}, {1, &seq}, {1, &ack}, {0, NULL},
    };
    const struct tcp_acked *ta = wmem_tree_lookup32_array(tcpd->acked_table, key);
    if (!ta)
        return 0;
    uint8_t a = 0;
    if (ta->flags & (MA_WS_TCP_A_RETRANSMISSION | MA_WS_TCP_A_FAST_RETRANSMISSION |
                     MA_WS_TCP_A_SPURIOUS_RETRANSMISSION))
        a |= MA_TCPA_RETRANS;
    if (ta->flags & MA_WS_TCP_A_FAST_RETRANSMISSION)
        a |= MA_TCPA_FAST_RETRANS;
    if (ta->flags & MA_WS_TCP_A_SPURIOUS_RETRANSMISSION)
        a |= MA_TCPA_SPURIOUS;
    if (ta->flags & MA_WS_TCP_A_DUPLICATE_ACK)
        a |= MA_TCPA_DUP_ACK;
    if (ta->flags & MA_WS_TCP_A_ZERO_WINDOW)
        a |= MA_TCPA_ZERO_WINDOW;
    if (ta->flags & MA_WS_TCP_A_LOST_PACKET)
        a |= MA_TCPA_LOST_SEGMENT;
    return a;
}

static bool (*server_port_fn)(uint32_t port);

/* Whether a port is a Modbus server port, asked once per port and file
 * (preferences and Decode As only change between files or passes, which
 * run the init routine and so ma_ingest_start again). 0: not asked yet. */
static uint8_t port_known[65536];

static bool is_server_port(uint32_t port)
{
    uint8_t k = port_known[port & 0xFFFF];
    if (!k)
        port_known[port & 0xFFFF] = k = server_port_fn(port) ? 2 : 1;
    return k == 2;
}

/* The TCP conversation data of recent connections, by both endpoints in
 * either order. TCP makes a new conversation for a known address and port
 * pair only on a SYN (port reuse, packet-tcp.c), so a segment without SYN
 * of a connection found before has the same one; a SYN is looked up. The
 * first pass only (frames in order); emptied per file and pass. */
typedef struct conv_slot {
    uint8_t  a[16], b[16];
    uint8_t  alen;
    uint16_t pa, pb;
    struct tcp_analysis *tcpd;
} conv_slot_t;

#define CONV_SLOTS 512u
static conv_slot_t conv_cache[CONV_SLOTS];

/* The slot of an IPv4/IPv6 endpoint pair, normalised into key (NULL: not
 * cacheable). */
static conv_slot_t *conv_slot(const address *src, const address *dst, uint16_t sport, uint16_t dport,
                              conv_slot_t *key)
{
    if (src->type != dst->type || src->len != dst->len ||
        !((src->type == AT_IPv4 && src->len == 4) || (src->type == AT_IPv6 && src->len == 16)))
        return NULL;
    int c;
    if (src->len == 4) { /* constant sizes: no library calls; memcmp's order */
        uint32_t s4 = be32(src->data), d4 = be32(dst->data);
        c = (s4 > d4) - (s4 < d4);
    } else {
        c = memcmp(src->data, dst->data, 16);
    }
    bool swap = c > 0 || (c == 0 && sport > dport);
    const address *x = swap ? dst : src, *y = swap ? src : dst;
    memset(key, 0, sizeof *key);
    key->alen = (uint8_t)src->len;
    if (src->len == 4) {
        memcpy(key->a, x->data, 4);
        memcpy(key->b, y->data, 4);
    } else {
        memcpy(key->a, x->data, 16);
        memcpy(key->b, y->data, 16);
    }
    key->pa = swap ? dport : sport;
    key->pb = swap ? sport : dport;
    uint32_t h = 2166136261u;
    for (int i = 0; i < src->len; i++)
        h = (h ^ key->a[i] ^ ((uint32_t)key->b[i] << 8)) * 16777619u;
    h = (h ^ key->pa ^ ((uint32_t)key->pb << 16)) * 16777619u;
    return &conv_cache[(h ^ h >> 15) % CONV_SLOTS];
}

static bool conv_slot_is(const conv_slot_t *s, const conv_slot_t *key)
{
    /* both keys are zero-padded to 16 bytes (conv_slot) */
    return s->tcpd && s->alen == key->alen && s->pa == key->pa && s->pb == key->pb &&
           memcmp(s->a, key->a, sizeof s->a) == 0 && memcmp(s->b, key->b, sizeof s->b) == 0;
}

/* TCP's data of the segment's conversation (find_conversation, as TCP
 * itself found it), or NULL. */
static struct tcp_analysis *tcp_data_of(packet_info *pinfo, const address *src, const address *dst,
                                        uint16_t sport, uint16_t dport, bool syn)
{
    conv_slot_t key;
    conv_slot_t *slot = conv_slot(src, dst, sport, dport, &key);
    if (slot && !syn && conv_slot_is(slot, &key))
        return slot->tcpd;
    conversation_t *conv = find_conversation(pinfo->num, src, dst, CONVERSATION_TCP, sport, dport, 0);
    struct tcp_analysis *tcpd = conv ? conversation_get_proto_data(conv, proto_tcp) : NULL;
    if (slot && tcpd) {
        *slot = key;
        slot->tcpd = tcpd;
    }
    return tcpd;
}

/* A digest of the bytes present: equal segments have equal digests, and
 * unequal ones almost never (64-bit multiply-xorshift over 8-byte words,
 * the length mixed in; ma_dup compares digests). */
static uint64_t digest_of(const uint8_t *b, guint n)
{
    const uint64_t k = UINT64_C(0x9E3779B97F4A7C15);
    uint64_t d = UINT64_C(14695981039346656037) ^ n;
    guint i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        d = (d ^ w) * k;
        d ^= d >> 31;
    }
    uint64_t w = 0;
    memcpy(&w, b + i, n - i);
    d = (d ^ w) * k;
    d ^= d >> 29;
    return d ? d : 1; /* 0 means "no digest" to ma_dup */
}

/* After TCP dissected the segment in tvb (src/dst: the IP addresses it came
 * with): note it if it belongs to Modbus/TCP, and give the ADUs framed
 * inside it (from index first_adu on) their stream. */
static void note_segment(tvbuff_t *tvb, packet_info *pinfo, const address *src, const address *dst,
                         unsigned first_adu)
{
    if (!tvb_bytes_exist(tvb, 0, 20))
        return;
    const uint8_t *h = tvb_get_ptr(tvb, 0, 20);
    uint16_t sport = be16(h), dport = be16(h + 2);
    ma_raw_frame_t *rf = raw_get(pinfo, false);
    bool adus = rf && rf->nadus > first_adu;
    if (!adus && !is_server_port(sport) && !is_server_port(dport))
        return; /* most TCP of a plant is not Modbus */
    struct tcp_analysis *tcpd = tcp_data_of(pinfo, src, dst, sport, dport, (h[13] & 0x02) != 0);
    if (!tcpd)
        return;
    if (!rf)
        rf = raw_get(pinfo, true);
    ma_tcp_in_t *s = &rf->seg;
    memset(s, 0, sizeof *s);
    rf->has_seg = true;
    s->frame = pinfo->num;
    s->ts = ma_ns_from_time(pinfo->abs_ts.secs, pinfo->abs_ts.nsecs);
    s->stream = tcpd->stream;
    ma_ingest_addr(src, &s->src);
    ma_ingest_addr(dst, &s->dst);
    s->srcport = sport;
    s->dstport = dport;
    s->src_is_server_port = is_server_port(sport);
    s->dst_is_server_port = is_server_port(dport);
    s->has_seq = true;
    s->seq = be32(h + 4);
    s->ack = be32(h + 8);
    s->flags = be16(h + 12) & 0x0FFF;
    guint hlen = (guint)(h[12] >> 4) * 4;
    guint wire = tvb_reported_length(tvb);
    s->len = hlen >= 20 && hlen <= wire ? wire - hlen : 0;
    s->analysis = analysis_of(pinfo, tcpd, s->seq, s->ack);
    s->has_ip_id = ip4_id_of(tvb, src, dst, &s->ip_id);
    guint n = tvb_captured_length(tvb);
    s->digest = digest_of(tvb_get_ptr(tvb, 0, (gint)n), n);
    for (unsigned i = first_adu; i < rf->nadus; i++) {
        rf->adu_has_seg[i] = true;
        rf->adus[i].stream = s->stream;
        rf->adus[i].src_is_server_port = s->src_is_server_port;
        rf->adus[i].dst_is_server_port = s->dst_is_server_port;
    }
}

/* Call the original handle w as its caller would have. */
static int call_orig(int w, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    pinfo->can_desegment = pinfo->saved_can_desegment;
    return call_dissector_only(orig[w], tvb, pinfo, tree, data);
}

static int wrap_tcp_fn(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (!active || PINFO_FD_VISITED(pinfo))
        return call_orig(W_TCP, tvb, pinfo, tree, data);
    address src, dst;
    copy_address_shallow(&src, &pinfo->src);
    copy_address_shallow(&dst, &pinfo->dst);
    ma_raw_frame_t *rf = raw_get(pinfo, false);
    unsigned first = rf ? rf->nadus : 0;
    volatile int ret = 0;
    TRY {
        ret = call_orig(W_TCP, tvb, pinfo, tree, data);
    }
    CATCH_ALL {
        note_segment(tvb, pinfo, &src, &dst, first);
        RETHROW;
    }
    ENDTRY;
    note_segment(tvb, pinfo, &src, &dst, first);
    return ret;
}

/* ---- Modbus/TCP ---- */

static void add_adu(packet_info *pinfo, tvbuff_t *tvb, gint off, guint plen)
{
    ma_raw_frame_t *rf = raw_get(pinfo, true);
    if (rf->nadus == rf->cap) {
        unsigned cap = rf->cap ? rf->cap * 2 : 4;
        rf->adus = g_renew(ma_adu_in_t, rf->adus, cap);
        rf->adu_has_seg = g_renew(bool, rf->adu_has_seg, cap);
        rf->cap = cap;
    }
    rf->adu_has_seg[rf->nadus] = false;
    ma_adu_in_t *a = &rf->adus[rf->nadus++];
    memset(a, 0, sizeof *a);
    gint have = tvb_captured_length_remaining(tvb, off);
    a->caplen = have < 0 ? 0 : MIN((guint)have, plen);
    /* the tvb (and what backs it) lives until the end of the frame, when
     * the post-dissector has used the bytes: no copy */
    a->bytes = a->caplen ? tvb_get_ptr(tvb, off, (gint)a->caplen) : NULL;
    a->wirelen = plen;
    ma_ingest_addr(&pinfo->net_src, &a->src);
    ma_ingest_addr(&pinfo->net_dst, &a->dst);
    a->srcport = (uint16_t)pinfo->srcport;
    a->dstport = (uint16_t)pinfo->destport;
}

/* The ADUs mbtcp dissected in tvb, framed as tcp_dissect_pdus did it (by
 * the MBAP length, 6 header bytes before it counted; stop where it asked
 * TCP for more data, or where fewer than 6 bytes remain). */
static void frame_adus(tvbuff_t *tvb, packet_info *pinfo)
{
    guint end = tvb_reported_length(tvb);
    if (pinfo->desegment_len && pinfo->desegment_offset >= 0 && (guint)pinfo->desegment_offset < end)
        end = (guint)pinfo->desegment_offset;
    for (guint off = 0; off < end;) {
        if (!tvb_bytes_exist(tvb, (gint)off, 6))
            break;
        guint plen = (guint)tvb_get_ntohs(tvb, (gint)off + 4) + 6;
        add_adu(pinfo, tvb, (gint)off, plen);
        off += plen;
    }
}

static int wrap_modbus(int w, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (!active || PINFO_FD_VISITED(pinfo))
        return call_orig(w, tvb, pinfo, tree, data);
    volatile int ret = 0;
    TRY {
        ret = call_orig(w, tvb, pinfo, tree, data);
    }
    CATCH_ALL {
        frame_adus(tvb, pinfo); /* mbtcp accepted the data before it threw */
        RETHROW;
    }
    ENDTRY;
    if (ret > 0)
        frame_adus(tvb, pinfo);
    return ret;
}

static int wrap_mbtcp_fn(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return wrap_modbus(W_MBTCP, tvb, pinfo, tree, data);
}

static int wrap_mbtls_fn(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return wrap_modbus(W_MBTLS, tvb, pinfo, tree, data);
}

/* ---- Spanning Tree ---- */

/* A BPDU, unless it is a GARP frame the same dissector hands on
 * (01:80:c2:00:00:0d and 01:80:c2:00:00:2x, as packet-bpdu.c tells them). */
static void note_bpdu(tvbuff_t *tvb, packet_info *pinfo, bool pvst)
{
    if (pinfo->dl_dst.type == AT_ETHER && pinfo->dl_dst.len == 6) {
        const uint8_t *d = pinfo->dl_dst.data;
        if (d[0] == 0x01 && d[1] == 0x80 && d[2] == 0xC2 && d[3] == 0 && d[4] == 0 &&
            (d[5] == 0x0D || (d[5] & 0xF0) == 0x20))
            return;
    }
    guint n = tvb_captured_length(tvb);
    if (n < 4)
        return;
    ma_bpdu_in_t b;
    memset(&b, 0, sizeof b);
    if (!ma_stp_parse(tvb_get_ptr(tvb, 0, (gint)n), n, pvst, &b))
        return;
    b.frame = pinfo->num;
    b.ts = ma_ns_from_time(pinfo->abs_ts.secs, pinfo->abs_ts.nsecs);
    if (pinfo->dl_src.type == AT_ETHER && pinfo->dl_src.len == 6)
        memcpy(b.src_mac, pinfo->dl_src.data, 6);
    if (!b.pvst)
        b.vlan = (uint16_t)pinfo->vlan_id;
    ma_raw_frame_t *rf = raw_get(pinfo, true);
    rf->bpdu = b;
    rf->has_bpdu = true;
}

static int wrap_bpdu(int w, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (active && !PINFO_FD_VISITED(pinfo))
        note_bpdu(tvb, pinfo, w == W_BPDU_CISCO);
    return call_orig(w, tvb, pinfo, tree, data);
}

static int wrap_bpdu_fn(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return wrap_bpdu(W_BPDU, tvb, pinfo, tree, data);
}

static int wrap_bpdu_cisco_fn(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return wrap_bpdu(W_BPDU_CISCO, tvb, pinfo, tree, data);
}

/* ---- installation ---- */

void ma_ingest_register(void)
{
    static const char *const names[W_N] = {"tcp", "mbtcp", "mbtls", "bpdu", "bpdu_cisco"};
    static const char *const wnames[W_N] = {"modbus_an_tcp", "modbus_an_mbtcp", "modbus_an_mbtls",
                                            "modbus_an_bpdu", "modbus_an_bpdu_cisco"};
    static const dissector_t fns[W_N] = {wrap_tcp_fn, wrap_mbtcp_fn, wrap_mbtls_fn, wrap_bpdu_fn,
                                         wrap_bpdu_cisco_fn};
    proto_tcp = proto_get_id_by_filter_name("tcp");
    for (int i = 0; i < W_N; i++) {
        orig[i] = find_dissector(names[i]);
        /* No protocol: the wrapper adds no layer; its name says whose it is
         * and it shows the original's description (Decode As). */
        wrap[i] = orig[i] ? create_dissector_handle_with_name_and_description(
                                fns[i], -1, wnames[i], dissector_handle_get_description(orig[i]))
                          : NULL;
    }
    installed = g_array_new(FALSE, FALSE, sizeof(wrapped_t));
}

typedef struct walk {
    const char *table;
} walk_t;

static void wrap_entry(const gchar *table_name _U_, ftenum_t selector_type _U_, gpointer key, gpointer value,
                       gpointer user_data)
{
    const walk_t *wk = user_data;
    dissector_handle_t cur = dtbl_entry_get_handle((dtbl_entry_t *)value);
    for (int i = 0; i < W_N; i++) {
        if (!cur || cur != orig[i] || !wrap[i])
            continue;
        wrapped_t w = {wk->table, GPOINTER_TO_UINT(key), orig[i], wrap[i]};
        g_array_append_val(installed, w);
        return;
    }
}

void ma_ingest_start(bool (*server_port)(uint32_t))
{
    if (active || !installed)
        return;
    server_port_fn = server_port;
    memset(port_known, 0, sizeof port_known);
    memset(conv_cache, 0, sizeof conv_cache);
    cur_frame = 0;
    g_array_set_size(installed, 0);
    for (size_t t = 0; t < G_N_ELEMENTS(tables); t++) {
        walk_t wk = {tables[t]};
        if (find_dissector_table(tables[t]))
            dissector_table_foreach(tables[t], wrap_entry, &wk);
    }
    /* Change after the walk: the tables are hash tables being iterated. */
    for (guint i = 0; i < installed->len; i++) {
        const wrapped_t *w = &g_array_index(installed, wrapped_t, i);
        dissector_change_uint(w->table, w->key, w->wrap);
    }
    active = true;
}

void ma_ingest_stop(void)
{
    if (!active)
        return;
    active = false;
    cur_frame = 0;
    g_free(cur.adus);
    g_free(cur.adu_has_seg);
    memset(&cur, 0, sizeof cur);
    for (guint i = 0; i < installed->len; i++) {
        const wrapped_t *w = &g_array_index(installed, wrapped_t, i);
        dissector_table_t t = find_dissector_table(w->table);
        /* Put the original back only where nobody (Decode As, a preference)
         * replaced our wrapper meanwhile. */
        if (t && dissector_get_uint_handle(t, w->key) == w->wrap)
            dissector_change_uint(w->table, w->key, w->orig);
    }
    g_array_set_size(installed, 0);
}

bool ma_ingest_is_mbtcp(dissector_handle_t h)
{
    return h && (h == orig[W_MBTCP] || h == wrap[W_MBTCP]);
}
