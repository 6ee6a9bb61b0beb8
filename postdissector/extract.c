/* extract.c - read Wireshark's own mbtcp/modbus/tcp fields for modbus_an
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * modbus_an never re-parses bytes Wireshark decoded: it asks for the fields
 * with set_postdissector_wanted_hfids and reads them here with
 * proto_get_finfo_ptr_array (as TRANSUM's extractors.c does).
 *
 * One frame may carry several Modbus PDUs (several per TCP segment, or one
 * reassembled from several segments). Each PDU is one "mbtcp" protocol item
 * spanning its MBAP header and PDU (MBAP length + 6 bytes) in some data
 * source; a field belongs to the PDU whose span in the same data source
 * contains it. Every field array is in tree order, i.e. PDU order, so one
 * cursor per field makes the assignment linear in the number of items.
 */
#include "modbus_an.h"

#include <epan/proto.h>
#include <string.h>

void ma_extract_register(ma_extract_ids_t *ids)
{
    ids->mbtcp = proto_registrar_get_id_byname("mbtcp");
    ids->mbtcp_trans_id = proto_registrar_get_id_byname("mbtcp.trans_id");
    ids->mbtcp_prot_id = proto_registrar_get_id_byname("mbtcp.prot_id");
    ids->mbtcp_len = proto_registrar_get_id_byname("mbtcp.len");
    ids->mbtcp_unit_id = proto_registrar_get_id_byname("mbtcp.unit_id");
    ids->modbus = proto_registrar_get_id_byname("modbus");
    ids->modbus_func_code = proto_registrar_get_id_byname("modbus.func_code");
    ids->modbus_exception_code = proto_registrar_get_id_byname("modbus.exception_code");
    /* "[Malformed Packet]": Wireshark's modbus dissector ran out of bytes */
    ids->ws_malformed = proto_registrar_get_id_byname("_ws.malformed");
    ids->tcp_stream = proto_registrar_get_id_byname("tcp.stream");
    ids->tcp_flags = proto_registrar_get_id_byname("tcp.flags");
    ids->tcp_retrans = proto_registrar_get_id_byname("tcp.analysis.retransmission");
    ids->tcp_fast_retrans = proto_registrar_get_id_byname("tcp.analysis.fast_retransmission");
    ids->tcp_spurious_retrans = proto_registrar_get_id_byname("tcp.analysis.spurious_retransmission");
    ids->ref = proto_registrar_get_id_byname("modbus.reference_num");
    ids->read_ref = proto_registrar_get_id_byname("modbus.read_reference_num");
    ids->write_ref = proto_registrar_get_id_byname("modbus.write_reference_num");
    ids->word_cnt = proto_registrar_get_id_byname("modbus.word_cnt");
    ids->read_word_cnt = proto_registrar_get_id_byname("modbus.read_word_cnt");
    ids->bit_cnt = proto_registrar_get_id_byname("modbus.bit_cnt");
    ids->data = proto_registrar_get_id_byname("modbus.data");
    ids->bitval = proto_registrar_get_id_byname("modbus.bitval");
    static const char *const regval[5] = {"modbus.regval_uint16", "modbus.regval_int16", "modbus.regval_uint32",
                                          "modbus.regval_int32", "modbus.regval_float"};
    for (int i = 0; i < 5; i++)
        ids->regval[i] = proto_registrar_get_id_byname(regval[i]);
}

GArray *ma_extract_wanted(const ma_extract_ids_t *ids)
{
    const int all[] = {
        ids->mbtcp, ids->mbtcp_trans_id, ids->mbtcp_prot_id, ids->mbtcp_len, ids->mbtcp_unit_id,
        ids->modbus_func_code, ids->modbus_exception_code, ids->ws_malformed,
        ids->tcp_stream, ids->tcp_flags, ids->tcp_retrans, ids->tcp_fast_retrans,
        ids->tcp_spurious_retrans,
        ids->ref, ids->read_ref, ids->write_ref, ids->word_cnt, ids->read_word_cnt, ids->bit_cnt,
        ids->data, ids->bitval, ids->regval[0], ids->regval[1], ids->regval[2], ids->regval[3],
        ids->regval[4],
    };
    GArray *a = g_array_new(FALSE, FALSE, (guint)sizeof(int));
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
        if (all[i] > 0)
            g_array_append_val(a, all[i]);
    return a;
}

typedef struct cursor {
    GPtrArray *arr;
    guint      pos;
} cursor_t;

static void cursor_init(cursor_t *c, proto_tree *tree, int hf)
{
    c->arr = hf > 0 ? proto_get_finfo_ptr_array(tree, hf) : NULL;
    c->pos = 0;
}

/* The cursor's next field if it lies in [start, end) of ds; entries of
 * earlier spans of ds are skipped. NULL if the PDU has no such field. */
static field_info *cursor_take(cursor_t *c, tvbuff_t *ds, gint start, gint end)
{
    while (c->arr && c->pos < c->arr->len) {
        field_info *fi = g_ptr_array_index(c->arr, c->pos);
        if (fi->ds_tvb == ds && fi->start < start) {
            c->pos++; /* a second occurrence inside an earlier PDU */
            continue;
        }
        if (fi->ds_tvb == ds && fi->start < end) {
            c->pos++;
            return fi;
        }
        return NULL;
    }
    return NULL;
}

static guint32 fi_uint(field_info *fi)
{
    return fvalue_get_uinteger(&fi->value);
}

static gboolean any_present(proto_tree *tree, int hf)
{
    GPtrArray *a = hf > 0 ? proto_get_finfo_ptr_array(tree, hf) : NULL;
    return a && a->len > 0;
}

/* Cursors of the register-data fields of one frame. */
typedef struct regcur {
    cursor_t ref, read_ref, write_ref, word_cnt, read_word_cnt, bit_cnt, data, bitval, regval[5];
} regcur_t;

static void regcur_init(regcur_t *rc, const ma_extract_ids_t *ids, proto_tree *tree)
{
    cursor_init(&rc->ref, tree, ids->ref);
    cursor_init(&rc->read_ref, tree, ids->read_ref);
    cursor_init(&rc->write_ref, tree, ids->write_ref);
    cursor_init(&rc->word_cnt, tree, ids->word_cnt);
    cursor_init(&rc->read_word_cnt, tree, ids->read_word_cnt);
    cursor_init(&rc->bit_cnt, tree, ids->bit_cnt);
    cursor_init(&rc->data, tree, ids->data);
    cursor_init(&rc->bitval, tree, ids->bitval);
    for (int i = 0; i < 5; i++)
        cursor_init(&rc->regval[i], tree, ids->regval[i]);
}

static int32_t take_uint(cursor_t *c, tvbuff_t *ds, gint start, gint end)
{
    field_info *fi = cursor_take(c, ds, start, end);
    return fi ? (int32_t)fi_uint(fi) : -1;
}

/* Register data of the PDU at [start, end) of ds: the start and quantity of
 * a request, and the register values / bits carried. Values are the bytes
 * of Wireshark's "Register Value" items (any register format), read as
 * 16-bit big-endian registers; fc 5/6 carry theirs in "Data". */
static void extract_regs(regcur_t *rc, packet_info *pinfo, tvbuff_t *ds, gint start, gint end, ma_pdu_in_t *p)
{
    p->ref = take_uint(&rc->ref, ds, start, end);
    int32_t rref = take_uint(&rc->read_ref, ds, start, end);
    p->wref = take_uint(&rc->write_ref, ds, start, end);
    int32_t wc = take_uint(&rc->word_cnt, ds, start, end);
    int32_t rwc = take_uint(&rc->read_word_cnt, ds, start, end);
    int32_t bc = take_uint(&rc->bit_cnt, ds, start, end);
    field_info *data = cursor_take(&rc->data, ds, start, end);
    uint8_t fc = p->fc & 0x7f;
    p->count = fc == 23 ? rwc : (fc == 1 || fc == 2 || fc == 15) ? bc : (fc == 5 || fc == 6) ? 1 : wc;
    if (fc == 23)
        p->ref = rref;

    unsigned nw = 0, cap = 0;
    uint16_t *w = NULL;
    for (int k = 0; k < 5; k++) {
        field_info *fi;
        while ((fi = cursor_take(&rc->regval[k], ds, start, end)) != NULL) {
            if (fi->length != 2 && fi->length != 4)
                continue;
            if (!tvb_bytes_exist(fi->ds_tvb, fi->start, fi->length))
                continue;
            if (nw + 2 > cap) {
                cap = cap ? cap * 2 : 64;
                uint16_t *nwp = wmem_alloc_array(pinfo->pool, uint16_t, cap);
                if (nw)
                    memcpy(nwp, w, nw * sizeof *w);
                w = nwp;
            }
            for (gint o = 0; o < fi->length; o += 2)
                w[nw++] = tvb_get_ntohs(fi->ds_tvb, fi->start + o);
        }
    }
    if (nw == 0 && data && (fc == 5 || fc == 6) && data->length == 2 &&
        tvb_bytes_exist(data->ds_tvb, data->start, 2)) {
        w = wmem_alloc(pinfo->pool, sizeof *w);
        w[0] = tvb_get_ntohs(data->ds_tvb, data->start);
        nw = 1;
    }
    if (fc == 5 && nw == 1) { /* ON = 0xFF00, OFF = 0x0000 (MAP v1.1b3, 6.5) */
        uint8_t *b = wmem_alloc(pinfo->pool, 1);
        b[0] = w[0] == 0xFF00;
        p->bits = b;
        p->nbits = 1;
        return;
    }
    p->words = w;
    p->nwords = nw;

    unsigned nb = 0;
    uint8_t *b = NULL;
    cap = 0;
    field_info *fi;
    while ((fi = cursor_take(&rc->bitval, ds, start, end)) != NULL) {
        if (nb + 1 > cap) {
            cap = cap ? cap * 2 : 64;
            uint8_t *nbp = wmem_alloc_array(pinfo->pool, uint8_t, cap);
            if (nb)
                memcpy(nbp, b, nb);
            b = nbp;
        }
        b[nb++] = fvalue_get_uinteger64(&fi->value) != 0;
    }
    p->bits = b;
    p->nbits = nb;
}

void ma_extract_addr(const address *a, ma_addr_t *out)
{
    memset(out, 0, sizeof *out);
    if ((a->type == AT_IPv4 && a->len == 4) || (a->type == AT_IPv6 && a->len == 16)) {
        out->len = (uint8_t)a->len;
        memcpy(out->bytes, a->data, (size_t)a->len);
    }
}

bool ma_extract_tcp(const ma_extract_ids_t *ids, proto_tree *tree, uint32_t *stream, uint32_t *tcp_flags)
{
    *stream = 0;
    *tcp_flags = 0;
    if (!tree)
        return false;
    GPtrArray *st = ids->tcp_stream > 0 ? proto_get_finfo_ptr_array(tree, ids->tcp_stream) : NULL;
    if (!st || st->len == 0)
        return false;
    /* The innermost TCP header carries the payload. */
    *stream = fi_uint(g_ptr_array_index(st, st->len - 1));
    GPtrArray *fl = ids->tcp_flags > 0 ? proto_get_finfo_ptr_array(tree, ids->tcp_flags) : NULL;
    if (fl && fl->len > 0)
        *tcp_flags = fi_uint(g_ptr_array_index(fl, fl->len - 1));
    return true;
}

unsigned ma_extract_pdus(const ma_extract_ids_t *ids, proto_tree *tree, packet_info *pinfo,
                         uint32_t stream, ma_pdu_in_t **inp)
{
    *inp = NULL;
    GPtrArray *mb = tree && ids->mbtcp > 0 ? proto_get_finfo_ptr_array(tree, ids->mbtcp) : NULL;
    if (!mb || mb->len == 0)
        return 0;
    ma_pdu_in_t *in = wmem_alloc_array(pinfo->pool, ma_pdu_in_t, mb->len);
    *inp = in;

    bool retrans = any_present(tree, ids->tcp_retrans) || any_present(tree, ids->tcp_fast_retrans) ||
                   any_present(tree, ids->tcp_spurious_retrans);
    ma_ns_t ts = (ma_ns_t)pinfo->abs_ts.secs * MA_NS_PER_SEC + pinfo->abs_ts.nsecs;
    ma_addr_t src, dst;
    ma_extract_addr(&pinfo->net_src, &src);
    ma_extract_addr(&pinfo->net_dst, &dst);

    cursor_t c_tid, c_pid, c_len, c_unit, c_fc, c_exc, c_bad;
    cursor_init(&c_tid, tree, ids->mbtcp_trans_id);
    cursor_init(&c_pid, tree, ids->mbtcp_prot_id);
    cursor_init(&c_len, tree, ids->mbtcp_len);
    cursor_init(&c_unit, tree, ids->mbtcp_unit_id);
    cursor_init(&c_fc, tree, ids->modbus_func_code);
    cursor_init(&c_exc, tree, ids->modbus_exception_code);
    cursor_init(&c_bad, tree, ids->ws_malformed);
    regcur_t rc;
    regcur_init(&rc, ids, tree);

    unsigned n = 0;
    for (guint i = 0; i < mb->len; i++) {
        field_info *pfi = g_ptr_array_index(mb, i);
        tvbuff_t *ds = pfi->ds_tvb;
        gint start = pfi->start, end = pfi->start + pfi->length;
        field_info *f_tid = cursor_take(&c_tid, ds, start, end);
        field_info *f_pid = cursor_take(&c_pid, ds, start, end);
        field_info *f_len = cursor_take(&c_len, ds, start, end);
        field_info *f_unit = cursor_take(&c_unit, ds, start, end);
        field_info *f_fc = cursor_take(&c_fc, ds, start, end);
        field_info *f_exc = cursor_take(&c_exc, ds, start, end);
        field_info *f_bad = cursor_take(&c_bad, ds, start, end);
        if (!f_tid || !f_unit)
            continue; /* not even an MBAP header: nothing to pair or count */

        ma_pdu_in_t *p = &in[n++];
        memset(p, 0, sizeof *p);
        p->frame = pinfo->num;
        p->ts = ts;
        p->stream = stream;
        p->src = src;
        p->dst = dst;
        p->srcport = (uint16_t)pinfo->srcport;
        p->dstport = (uint16_t)pinfo->destport;
        p->tcp_retrans = retrans;
        p->tid = (uint16_t)fi_uint(f_tid);
        p->unit = (uint8_t)fi_uint(f_unit);
        /* modbus.func_code masks off the exception bit (0x80); take the
         * byte the field covers so exception responses keep fc | 0x80. */
        p->fc = f_fc ? (uint8_t)fi_uint(f_fc) : 0;
        if (f_fc && f_fc->length == 1 && tvb_captured_length_remaining(f_fc->ds_tvb, f_fc->start) >= 1)
            p->fc = tvb_get_guint8(f_fc->ds_tvb, f_fc->start);
        p->exc_code = f_exc ? (uint8_t)fi_uint(f_exc) : 0;
        gint avail = tvb_captured_length_remaining(ds, start);
        p->adu_len = (uint32_t)(avail < 0 ? 0 : MIN(avail, pfi->length));
        p->adu = p->adu_len ? tvb_get_ptr(ds, start, (gint)p->adu_len) : NULL;
        /* MBAP (Modbus Messaging on TCP/IP Implementation Guide 3.1.3):
         * protocol id 0; length counts the unit id and the PDU, so the
         * item spans length + 6 bytes; a PDU has at least a function code;
         * Wireshark found the PDU too short for its function code. */
        guint32 len = f_len ? fi_uint(f_len) : 0;
        p->malformed = f_bad || !f_fc || !f_len || len < 2 || (gint)len + 6 != pfi->length ||
                       (f_pid && fi_uint(f_pid) != 0) ||
                       ((p->fc & 0x80) && !f_exc);
        extract_regs(&rc, pinfo, ds, start, end, p);
    }
    return n;
}
