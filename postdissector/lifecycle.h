/* lifecycle.h - one capture's analysis, from the init routine to the cleanup
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The analysis (core/ma_analysis.h) is created by the init routine of each
 * file (re)load, only while modbus_an is enabled, and freed by the cleanup
 * routine. Its first pass ends exactly once, in the dissection lifecycle:
 *  - at Wireshark's post-sequential-read routine (the GUI after loading a
 *    file, tshark -2 after its first pass);
 *  - at the first frame visited again (any later pass);
 *  - in the GUI, at the last frame of a redissection (preferences, Decode
 *    As), which Wireshark ends without that routine;
 *  - in tshark's single pass, which has no end-of-pass routine, when the
 *    taps draw: tshark draws them once, after the last frame.
 * A tap's packet callback never ends it. In the GUI, once the pass ended,
 * the display filter is applied again when it names modbus_an fields, or
 * when requests got outcomes the first pass could not show, so that the
 * packet list, the expert information and its status-bar colour agree
 * with the final results however the filter was given.
 */
#ifndef MA_LIFECYCLE_H
#define MA_LIFECYCLE_H

#include <epan/packet.h>

#include "ma_analysis.h"

/* Register the init, cleanup and post-sequential routines (proto_register). */
void ma_lifecycle_register(int proto);

/* The current capture's analysis (NULL outside a capture or disabled). */
ma_analysis_t *ma_lifecycle_analysis(void);

/* Called by the dissector for every frame of a first pass, after the frame
 * was analysed: ends the pass at the last frame of a GUI redissection. */
void ma_lifecycle_first_pass_frame(packet_info *pinfo);

/* End the first pass now (idempotent). */
void ma_lifecycle_end_pass(void);

/* A frame is dissected again: a later pass; ends the first. */
void ma_lifecycle_revisit(void);

/* An output that reads the feature summary (ma_report_flows) is registered:
 * a first pass that keeps each frame's feature records only while it is the
 * current one builds the summary as it goes (ma_analysis_features_current_only). */
void ma_lifecycle_want_feature_summary(void);
bool ma_lifecycle_feature_summary_wanted(void);

/* A line for stderr, printed once when the capture is closed if it was
 * read in a single pass (tshark without -2); the first note wins. */
void ma_lifecycle_single_pass_note(const char *text);

/* The current capture's analysis, final: if its first pass has not ended
 * and no more frames can come (tshark's taps draw once, after the last
 * frame), it ends it; NULL while a GUI is still reading, or outside a
 * capture. For the taps' draw. */
const ma_analysis_t *ma_lifecycle_final(void);

/* True if a GUI (not tshark) runs the dissection. */
bool ma_lifecycle_gui(void);

#endif /* MA_LIFECYCLE_H */
