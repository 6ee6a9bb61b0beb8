/* cli_fail.c - how a -z modbus_an output fails: one line, exit status 1
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A leaf of the taps (cli.c, feat_export.c and regs_export.c use it), as
 * Wireshark's own statistics report a bad -z argument from their init
 * callbacks.
 */
#include <epan/packet.h>

#include "taps.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void ma_cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tshark: modbus_an: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stdout);
    exit(1);
}
