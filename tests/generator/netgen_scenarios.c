/* netgen_scenarios.c - the scripts netgen runs (network and stp)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Fills the server and pair tables of netgen.h before anything starts:
 * new_server / new_pair / add and the request helpers (req, slow, drop,
 * again, polls) build each pair's steps with their times after t0, and
 * build_network / build_stp lay out the scenarios (normal, server_reset,
 * refused, filler + timeout, retry, retrans; stp) described in
 * tests/generator/README.md. Nothing here touches a socket.
 */
#define _GNU_SOURCE
#include "netgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- scenario building --------------------------------------------------- */

static struct pair *new_pair(const char *name, const char *client_ip, const char *server_ip)
{
    struct pair *p = &pairs[npairs++];
    memset(p, 0, sizeof *p);
    p->name = name;
    p->client_ip = client_ip;
    p->server_ip = server_ip;
    p->port = 502;
    p->next_tid = 1;
    p->fd = -1;
    return p;
}

static void new_server(const char *ip, enum srv_mode mode, int backlog, double close_delay)
{
    struct server *s = &servers[nservers++];
    memset(s, 0, sizeof *s);
    s->ip = ip;
    s->port = 502;
    s->mode = mode;
    s->backlog = backlog;
    s->close_delay = close_delay;
    s->fd = -1;
}

static struct step *add(struct pair *p, enum op op, double at)
{
    if (p->nsteps >= MAX_STEPS) {
        fprintf(stderr, "netgen: script of %s too long\n", p->name);
        exit(2);
    }
    if (p->nsteps && at < p->steps[p->nsteps - 1].at) {
        fprintf(stderr, "netgen: %s: step at %.3f before the previous one\n", p->name, at);
        exit(2);
    }
    struct step *s = &p->steps[p->nsteps++];
    memset(s, 0, sizeof *s);
    s->op = op;
    s->at = at;
    s->retry_of = -1;
    s->srv_n = -1;
    return s;
}

static struct step *req(struct pair *p, double at, int unit, int fc, int addr, int cnt,
                        const char *tag)
{
    struct step *s = add(p, OP_REQ, at);
    s->unit = unit;
    s->fc = fc;
    s->addr = addr;
    s->cnt = cnt;
    s->act = A_REPLY;
    s->timeout = 1.0;
    s->tag = tag;
    p->reqs[p->nreqs++] = p->nsteps - 1;
    return s;
}

/* Server replies after `delay`; the client waits long enough. */
static struct step *slow(struct pair *p, double at, int unit, int fc, int addr, int cnt,
                         double delay, const char *tag, const char *cause)
{
    struct step *s = req(p, at, unit, fc, addr, cnt, tag);
    s->delay = delay;
    s->timeout = delay + 1.5;
    s->cause = cause;
    return s;
}

/* Server does not answer; the client gives up after `timeout`. */
static struct step *drop(struct pair *p, double at, int unit, int fc, int addr, int cnt,
                         double timeout, const char *tag, const char *cause)
{
    struct step *s = req(p, at, unit, fc, addr, cnt, tag);
    s->act = A_DROP;
    s->timeout = timeout;
    s->cause = cause;
    return s;
}

/* The same request content as step `orig` (a retry, or a repeat). */
static struct step *again(struct pair *p, double at, int orig, const char *tag, bool retry)
{
    const struct step *o = &p->steps[orig];
    struct step *s = req(p, at, o->unit, o->fc, o->addr, o->cnt, tag);
    if (retry)
        s->retry_of = orig;
    return s;
}

/* Polls every `period` from `from` while < `to`. */
static double polls(struct pair *p, double from, double to, double period,
                    int unit, int fc, int addr, int cnt)
{
    double t = from;
    for (int k = 0; (t = from + k * period) < to - 1e-9; k++)
        req(p, t, unit, fc, addr, cnt, "poll");
    return t;
}

static int last(const struct pair *p)
{
    return p->nsteps - 1;
}

void build_network(void)
{
    struct pair *p;
    struct step *s;
    int o;

    /* Servers: .10 normal, .13 reset, .14 retry (closes 4 s after the client's
     * FIN so no server FIN falls into a slow request's window), .15 retrans;
     * .12 listens with backlog 0 and never accepts (SYNs dropped once its
     * accept queue holds one connection); nobody listens on .11. */
    new_server("127.0.0.10", S_SERVE, 16, 0.0);
    new_server("127.0.0.13", S_SERVE, 16, 0.0);
    new_server("127.0.0.14", S_SERVE, 16, 4.0);
    new_server("127.0.0.15", S_SERVE, 16, 0.0);
    new_server("127.0.0.12", S_NO_ACCEPT, 0, 0.0);

    /* a. normal: FC 3 polls every 0.2 s, one reply after 1.5 s (delayed),
     * one after 3.6 s (late), client FIN at the end. */
    p = new_pair("normal", "127.0.0.2", "127.0.0.10");
    add(p, OP_CONNECT, 0.0);
    polls(p, 0.2, 10.0, 0.2, 1, 3, 0, 10);
    slow(p, 10.0, 1, 3, 0, 10, 1.5, "slow_1.5", "server");
    polls(p, 11.8, 18.0, 0.2, 1, 3, 0, 10);
    slow(p, 18.0, 1, 3, 0, 10, 3.6, "late_3.6", "server");
    polls(p, 21.8, 25.4, 0.2, 1, 3, 0, 10);
    add(p, OP_FIN, 25.5);

    /* b. server reset with a request pending, reconnect after 1.5 s; client
     * reset, reconnect after 0.5 s. The reset request has its own address
     * so the polls after the reconnect are not retries of it. */
    p = new_pair("server_reset", "127.0.0.3", "127.0.0.13");
    add(p, OP_CONNECT, 0.0);
    polls(p, 0.2, 6.0, 0.2, 1, 3, 0, 10);
    s = req(p, 6.0, 1, 3, 600, 10, "server_rst_pending");
    s->act = A_RESET;
    s->delay = 0.2;
    s->timeout = 2.0;
    s->cause = "connection";
    add(p, OP_CONNECT, 7.7);
    polls(p, 7.9, 14.0, 0.2, 1, 3, 0, 10);
    add(p, OP_RST, 14.0);
    add(p, OP_CONNECT, 14.5);
    polls(p, 14.7, 25.4, 0.2, 1, 3, 0, 10);
    add(p, OP_FIN, 25.5);

    /* c. refused: 3 attempts 1 s apart to a port nobody listens on. */
    p = new_pair("refused", "127.0.0.4", "127.0.0.11");
    for (int i = 0; i < 3; i++) {
        s = add(p, OP_ATTEMPT, 1.0 + i);
        s->timeout = 0.9;
        s->expect = "refused";
    }

    /* d. timeout: the filler pair takes the only accept-queue slot of .12,
     * then 2 attempts whose SYNs the kernel drops (client gives up after
     * 3.5 s). */
    p = new_pair("filler", "127.0.0.6", "127.0.0.12");
    add(p, OP_CONNECT, 0.5);
    add(p, OP_FIN, 26.0);
    p = new_pair("timeout", "127.0.0.5", "127.0.0.12");
    for (int i = 0; i < 2; i++) {
        s = add(p, OP_ATTEMPT, 2.0 + 4.0 * i);
        s->timeout = 3.5;
        s->expect = "timeout";
    }

    /* e. retries: background FC 4 polls every 0.5 s; FC 3 requests with
     * their own addresses:
     *   200: dropped, retried 1.05 s later on the same connection (new tid);
     *   300: dropped, client FIN after 1.05 s, new connection, retried there;
     *   400: answered, then the same request again (not a retry);
     *   500: dropped, then a request with other data (501, not a retry). */
    p = new_pair("retry", "127.0.0.7", "127.0.0.14");
    add(p, OP_CONNECT, 0.0);
    polls(p, 0.5, 3.0, 0.5, 1, 4, 0, 4);
    drop(p, 3.0, 1, 3, 200, 2, 1.0, "retried_same_conn", "retry");
    o = last(p);
    again(p, 4.05, o, "retry_same_conn", true);
    polls(p, 4.5, 8.0, 0.5, 1, 4, 0, 4);
    drop(p, 8.0, 1, 3, 300, 2, 1.0, "retried_new_conn", "connection");
    o = last(p);
    add(p, OP_FIN, 9.05);
    add(p, OP_CONNECT, 9.25);
    again(p, 9.35, o, "retry_new_conn", true);
    polls(p, 9.5, 16.0, 0.5, 1, 4, 0, 4);
    req(p, 16.0, 1, 3, 400, 2, "first");
    o = last(p);
    again(p, 16.3, o, "repeat_after_answer", false);
    polls(p, 16.5, 19.0, 0.5, 1, 4, 0, 4);
    drop(p, 19.0, 1, 3, 500, 2, 1.0, "dropped_then_other_data", "server");
    req(p, 20.05, 1, 3, 501, 2, "other_data");
    polls(p, 20.5, 25.4, 0.5, 1, 4, 0, 4);
    add(p, OP_FIN, 25.5);

    /* f. retransmissions (spliced in by make_net_truth.py, see retx). */
    p = new_pair("retrans", "127.0.0.8", "127.0.0.15");
    add(p, OP_CONNECT, 0.0);
    polls(p, 0.5, 4.0, 0.5, 1, 3, 0, 2);
    s = slow(p, 4.0, 1, 3, 1001, 2, 1.5, "retx_i_request_copy", "tcp-retransmission");
    s->retx = "req_copy:0.3";
    polls(p, 6.0, 8.0, 0.5, 1, 3, 0, 2);
    s = slow(p, 8.0, 1, 3, 1002, 2, 1.5, "retx_ii_response_copy", "tcp-retransmission");
    s->retx = "resp_copy:0.2";
    polls(p, 10.0, 12.0, 0.5, 1, 3, 0, 2);
    s = req(p, 12.0, 1, 3, 1003, 2, "retx_iii_response_moved");
    s->retx = "resp_move:0.5";
    s->cause = "tcp-retransmission";   /* if Wireshark does not decode the copy */
    polls(p, 13.0, 16.0, 0.5, 1, 3, 0, 2);
    s = req(p, 16.0, 1, 3, 1004, 2, "retx_iv_fast_request_copy");
    s->retx = "req_copy_mid";
    polls(p, 16.5, 20.0, 0.5, 1, 3, 0, 2);
    s = slow(p, 20.0, 1, 3, 1005, 2, 1.5, "retx_v_other_segment_in_window", "tcp-retransmission");
    s->retx = "prev_resp_copy:0.5";
    polls(p, 22.0, 25.4, 0.5, 1, 3, 0, 2);
    add(p, OP_FIN, 25.5);
}

void build_stp(void)
{
    struct pair *p;

    new_server("127.0.0.20", S_SERVE, 16, 0.0);
    p = new_pair("stp", "127.0.0.21", "127.0.0.20");
    add(p, OP_CONNECT, 0.0);
    /* Dropped requests get their own address: the next poll is no retry. */
    polls(p, 0.25, 8.0, 0.25, 1, 3, 0, 10);
    slow(p, 8.0, 1, 3, 0, 10, 1.5, "slow_1.5_before_tc", "server");
    polls(p, 9.75, 10.0, 0.25, 1, 3, 0, 10);
    drop(p, 10.0, 1, 3, 7010, 10, 1.0, "dropped_before_tc", "server");
    polls(p, 11.25, 27.0, 0.25, 1, 3, 0, 10);
    slow(p, 27.0, 1, 3, 0, 10, 1.5, "slow_1.5_after_tc", "stp");
    polls(p, 28.75, 35.0, 0.25, 1, 3, 0, 10);
    drop(p, 35.0, 1, 3, 7035, 10, 1.0, "dropped_after_tc", "stp");
    polls(p, 36.25, 46.0, 0.25, 1, 3, 0, 10);
    slow(p, 46.0, 1, 3, 0, 10, 1.5, "slow_1.5_after_tcn", "stp");
    polls(p, 47.75, 60.0, 0.25, 1, 3, 0, 10);
    slow(p, 60.0, 1, 3, 0, 10, 1.2, "slow_1.2_after_root_change", "stp");
    polls(p, 61.5, 101.5, 0.25, 1, 3, 0, 10);
    slow(p, 101.5, 1, 3, 0, 10, 1.2, "slow_1.2_50s_after_last_change", "server");
    polls(p, 103.0, 104.5, 0.25, 1, 3, 0, 10);
    add(p, OP_FIN, 104.5);
}
