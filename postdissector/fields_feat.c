/* fields_feat.c - modbus_an feature fields (docs/features.md): registration,
 * the Features / Outliers subtrees and their expert info
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fields_feat.h"

#include <epan/expert.h>
#include <epan/tap.h>

static int hf_modbus_an_outlier = -1;
static int hf_feat[MA_F_COUNT];
static gint ett_modbus_an_features = -1;
static gint ett_modbus_an_outliers = -1;
static expert_field ei_modbus_an_invalid = EI_INIT;
static expert_field ei_modbus_an_outlier = EI_INIT;

/* The features subtree and, when a metric was judged, the outliers subtree
 * (docs/features.md); expert info on invalid PDUs and on 3-sigma outliers. */
void ma_fields_feat_show(proto_tree *st, tvbuff_t *tvb, packet_info *pinfo, const ma_feat_t *f,
                          wmem_strbuf_t *info)
{
    const ma_feat_column_t *col = ma_feat_columns();
    proto_tree *ft = proto_tree_add_subtree(st, tvb, 0, 0, ett_modbus_an_features, NULL, "Features");
    proto_item *it;
    for (int i = 0; i < MA_F_RESPONSE_TIME; i++) {
        if (col[i].kind == MA_FK_REAL)
            it = proto_tree_add_double(ft, hf_feat[i], tvb, 0, 0, f->v[i]);
        else if (col[i].kind == MA_FK_BOOL)
            it = proto_tree_add_boolean(ft, hf_feat[i], tvb, 0, 0, f->v[i] != 0);
        else
            it = proto_tree_add_uint(ft, hf_feat[i], tvb, 0, 0, (guint32)f->v[i]);
        proto_item_set_generated(it);
        if (i == MA_F_IS_VALID && f->invalid) {
            char why[80];
            ma_feat_invalid_text(f->invalid, why, sizeof why);
            expert_add_info(pinfo, it, &ei_modbus_an_invalid);
            wmem_strbuf_append(info, " [invalid]");
        }
    }
    if (f->present & MA_FEAT_HAS_RT) {
        it = proto_tree_add_double(ft, hf_feat[MA_F_RESPONSE_TIME], tvb, 0, 0, f->v[MA_F_RESPONSE_TIME]);
        proto_item_set_generated(it);
    }
    if (!(f->present & ~MA_FEAT_HAS_RT))
        return;
    gboolean any = FALSE, strong = FALSE;
    for (int m = 0; m < MA_OUT_N; m++) {
        if (f->present & MA_FEAT_HAS_OUT(m)) {
            any |= f->v[MA_F_OUT_RT_SIGMA + 3 * m] >= 2 || f->v[MA_F_OUT_RT_IQR + 3 * m] != 0;
        }
    }
    /* the flag only when set (the metrics' values are always there) */
    proto_tree *ot;
    if (any) {
        it = proto_tree_add_boolean(st, hf_modbus_an_outlier, tvb, 0, 0, TRUE);
        proto_item_set_generated(it);
        ot = proto_item_add_subtree(it, ett_modbus_an_outliers);
    } else {
        ot = proto_tree_add_subtree(st, tvb, 0, 0, ett_modbus_an_outliers, NULL, "Outlier metrics");
    }
    for (int m = 0; m < MA_OUT_N; m++) {
        if (!(f->present & MA_FEAT_HAS_OUT(m)))
            continue;
        int c = MA_F_OUT_RT_Z + 3 * m;
        it = proto_tree_add_double(ot, hf_feat[c], tvb, 0, 0, f->v[c]);
        proto_item_set_generated(it);
        it = proto_tree_add_uint(ot, hf_feat[c + 1], tvb, 0, 0, (guint32)f->v[c + 1]);
        proto_item_set_generated(it);
        if (f->v[c + 1] >= 3) {
            expert_add_info(pinfo, it, &ei_modbus_an_outlier);
            strong = TRUE;
        }
        /* a feature value of the spec, like zscore and sigma: always there */
        it = proto_tree_add_boolean(ot, hf_feat[c + 2], tvb, 0, 0, f->v[c + 2] != 0);
        proto_item_set_generated(it);
    }
    if (strong)
        wmem_strbuf_append(info, " [outlier]");
}

/* The feature expert info (and Info tags) of a stored record without
 * building its items: invalid PDUs and 3-sigma outliers are seen in the
 * expert dialog and -z expert whether or not the tree is built. */
void ma_fields_feat_experts(packet_info *pinfo, const ma_feat_rec_t *rec, wmem_strbuf_t *info)
{
    if (rec->invalid) {
        expert_add_info(pinfo, NULL, &ei_modbus_an_invalid);
        wmem_strbuf_append(info, " [invalid]");
    }
    for (int m = 0; m < MA_OUT_N; m++) {
        if ((rec->present & MA_FEAT_HAS_OUT(m)) && ma_feat_rec_sigma(rec, m) >= 3) {
            expert_add_info(pinfo, NULL, &ei_modbus_an_outlier);
            wmem_strbuf_append(info, " [outlier]");
            break;
        }
    }
}

/* True if someone reads the feature items of this tree: the GUI's visible
 * tree or a filter/column/-e on one of them (the expert items of a record
 * need no items: ma_fields_feat_experts). Otherwise the ~70 items per PDU
 * are not built at all (they would only be faked). */
gboolean ma_fields_feat_wanted(proto_tree *tree, int proto_modbus_an)
{
    if (!tree)
        return FALSE;
    /* A filter, column or -e on any modbus_an field marks the protocol
     * itself as (indirectly) referenced (proto_tree_prime_with_hfid). */
    return proto_field_is_referenced(tree, proto_modbus_an) ||
           proto_field_is_referenced(tree, ei_modbus_an_invalid.hf) ||
           proto_field_is_referenced(tree, ei_modbus_an_outlier.hf);
}

/* One field per feature column (core/ma_feat.c names them): the spec's
 * name under modbus_an.feature., the outliers under modbus_an.outlier. */
void ma_fields_feat_register(int proto_modbus_an)
{
    const ma_feat_column_t *col = ma_feat_columns();
    hf_register_info *hf = g_new0(hf_register_info, MA_F_COUNT + 1);
    for (int i = 0; i < MA_F_COUNT; i++) {
        hf_feat[i] = -1;
        hf[i].p_id = &hf_feat[i];
        hf[i].hfinfo.name = col[i].name;
        hf[i].hfinfo.abbrev = col[i].abbrev;
        hf[i].hfinfo.blurb = col[i].blurb;
        hf[i].hfinfo.type = col[i].kind == MA_FK_REAL ? FT_DOUBLE
                          : col[i].kind == MA_FK_BOOL ? FT_BOOLEAN : FT_UINT32;
        hf[i].hfinfo.display = col[i].kind == MA_FK_UINT ? BASE_DEC : BASE_NONE;
        hf[i].hfinfo.id = -1;
        hf[i].hfinfo.parent = -1;
        hf[i].hfinfo.ref_type = HF_REF_TYPE_NONE;
        hf[i].hfinfo.same_name_prev_id = -1;
    }
    hf[MA_F_COUNT] = (hf_register_info){ &hf_modbus_an_outlier,
        { "Outlier", "modbus_an.outlier", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "A metric of this PDU is beyond 2 sigma or outside the IQR fences of its history", HFILL } };
    /* Wireshark keeps pointers into this array for the program's lifetime. */
    proto_register_field_array(proto_modbus_an, hf, MA_F_COUNT + 1);

    static gint *ett[] = { &ett_modbus_an_features, &ett_modbus_an_outliers };
    static ei_register_info ei[] = {
        { &ei_modbus_an_invalid, { "modbus_an.invalid.expert", PI_PROTOCOL, PI_WARN,
          "Modbus PDU fails validation (protocol id, unit id, function code or length)", EXPFILL } },
        { &ei_modbus_an_outlier, { "modbus_an.outlier.expert", PI_SEQUENCE, PI_NOTE,
          "Strong anomaly: a metric beyond 3 sigma of its history", EXPFILL } },
    };
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_modbus_an), ei, array_length(ei));
}
