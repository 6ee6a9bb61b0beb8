/* ma_timefmt.c - how reports write a capture time
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _POSIX_C_SOURCE 200809L
#include "ma_timefmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

/* Floor division: times before 1970 still print their own second. */
static void split(ma_ns_t ts, int64_t *s, long *us)
{
    *s = ts / MA_NS_PER_SEC;
    ma_ns_t r = ts % MA_NS_PER_SEC;
    if (r < 0) {
        r += MA_NS_PER_SEC;
        (*s)--;
    }
    *us = (long)(r / 1000);
}

const char *ma_time_when(ma_ns_t ts, char *buf, size_t n)
{
    int64_t s;
    long us;
    split(ts, &s, &us);
    time_t t = (time_t)s;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, n, "%" PRId64 ".%06ld", s, us);
        return buf;
    }
    snprintf(buf, n, "%" PRId64 ".%06ld (%02d:%02d:%02d.%03ld UTC)", s, us, tm.tm_hour, tm.tm_min, tm.tm_sec,
             us / 1000);
    return buf;
}

const char *ma_time_clock(ma_ns_t ts, char *buf, size_t n)
{
    int64_t s;
    long us;
    split(ts, &s, &us);
    time_t t = (time_t)s;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        snprintf(buf, n, "?");
    else
        snprintf(buf, n, "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min, tm.tm_sec, us / 1000);
    return buf;
}
