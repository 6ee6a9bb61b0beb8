/* taps.h - what modbus_an queues to its taps
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every tap item carries the analysis it belongs to, so a listener needs no
 * global: it counts what is pushed to it and, when it draws, asks the
 * lifecycle for the final analysis (lifecycle.h).
 */
#ifndef MA_TAPS_H
#define MA_TAPS_H

#include "ma_analysis.h"

/* One item per Modbus PDU (modbus_an tap), in every pass. */
#define MODBUS_AN_TAP "modbus_an"
/* One item per Modbus PDU with its features expanded (only when someone
 * listens: expanding costs). */
#define MODBUS_AN_FEATURES_TAP "modbus_an.features"
/* One item per frame that has a record (PDUs, a TCP segment of a Modbus
 * connection, or a BPDU). */
#define MODBUS_AN_FRAME_TAP "modbus_an.frame"

typedef struct ma_tap_pdu {
    const ma_analysis_t  *an;
    const ma_frame_rec_t *frame;
    unsigned              index;   /* the PDU's index within its frame */
    const ma_pdu_t       *pdu;     /* &frame->pdu[index] */
    const ma_regs_rec_t  *regs;    /* its register record, or NULL */
    const ma_feat_t      *feat;    /* expanded features (features tap), else NULL */
} ma_tap_pdu_t;

typedef struct ma_tap_frame {
    const ma_analysis_t  *an;
    const ma_frame_rec_t *frame;
    const ma_pair_t      *pair;    /* the pair whose network numbers the frame touched, or NULL */
} ma_tap_frame_t;

/* Registration of the listeners (tap/, called from plugin/plugin.c). */
void register_tap_listener_modbus_an_cli(void);
void register_tap_listener_modbus_an_table(void);
void register_tap_listener_modbus_an_nettable(void);
void register_tap_listener_modbus_an_features(void);
void register_tap_listener_modbus_an_flows(void);

/* -z modbus_an,registers,<file.csv> (tap/regs_export.c). */
void ma_regs_export_start(const char *path);

/* A -z error: one line on stderr, exit status 1 (tap/cli.c). */
void ma_cli_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;

#endif /* MA_TAPS_H */
