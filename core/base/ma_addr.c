/* ma_addr.c - IPv4 / IPv6 addresses as the analysis keeps them
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _POSIX_C_SOURCE 200809L
#include "ma_types.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

void ma_addr_format(const ma_addr_t *a, char *buf, size_t size)
{
    if (size == 0)
        return;
    if (a->len == 4) {
        snprintf(buf, size, "%u.%u.%u.%u", a->bytes[0], a->bytes[1], a->bytes[2], a->bytes[3]);
    } else if (a->len == 16) {
        char tmp[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, a->bytes, tmp, sizeof tmp))
            snprintf(buf, size, "%s", tmp);
        else
            snprintf(buf, size, "?");
    } else {
        snprintf(buf, size, "?");
    }
}

bool ma_addr_parse(const char *s, ma_addr_t *out)
{
    memset(out, 0, sizeof *out);
    if (!s)
        return false;
    if (inet_pton(AF_INET, s, out->bytes) == 1) {
        out->len = 4;
        return true;
    }
    if (inet_pton(AF_INET6, s, out->bytes) == 1) {
        out->len = 16;
        return true;
    }
    memset(out, 0, sizeof *out);
    return false;
}
