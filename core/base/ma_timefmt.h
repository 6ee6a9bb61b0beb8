/* ma_timefmt.h - how reports write a capture time
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A leaf module. Absolute times as epoch seconds with microseconds and the
 * UTC wall clock, so a reader can line them up with other logs; relative
 * times as seconds since the capture's first frame.
 */
#ifndef MA_TIMEFMT_H
#define MA_TIMEFMT_H

#include <stddef.h>

#include "ma_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "1732358521.123456 (10:42:01.123 UTC)" in buf; returns buf. */
const char *ma_time_when(ma_ns_t ts, char *buf, size_t n);

/* "10:42:01.123" (UTC wall clock, milliseconds) in buf; returns buf. */
const char *ma_time_clock(ma_ns_t ts, char *buf, size_t n);

/* Seconds as a double. */
static inline double ma_secs(ma_ns_t ns)
{
    return (double)ns / 1e9;
}

#ifdef __cplusplus
}
#endif

#endif /* MA_TIMEFMT_H */
