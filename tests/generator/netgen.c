/* netgen.c - Modbus/TCP traffic with connection faults for the network-health
 * tests of modbus_an (connections, resets, refused / timed-out attempts,
 * reconnects, application retries, delays to splice TCP retransmissions into)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Plain sockets and threads on loopback, one client thread per pair
 * (client address -> server address:502, each pair its own addresses) and
 * one listener thread per server address (one thread per accepted
 * connection). Every pair runs a script of steps at fixed times after a
 * common t0: connect, connection attempt (non-blocking, with a timeout),
 * Modbus request (FC 3 / 4, raw MBAP, transaction ids 1, 2, ... per pair),
 * orderly close (FIN) or abortive close (RST). The server takes the n-th
 * request it receives from a pair as the pair's n-th scripted request
 * (the client is serial, TCP keeps the order) and does what the script says:
 * reply after a delay, drop, or reset the connection (SO_LINGER {1,0} +
 * close: RST) after a delay.
 *
 * Both sides log what they saw (client: source port, tid, send / answer
 * times, outcome; server: peer, tid, unit, fc, address, count, times); the
 * program checks that they agree, that every step ran on time (at most
 * LATE_MAX late) and that each request and attempt ended as scripted, and
 * writes a raw JSON log for make_net_truth.py.
 *
 * The program is in three parts sharing netgen.h (types, scenario tables,
 * t0, lock): netgen.c (main, timing, error reporting, the checks and the raw
 * log), netgen_scenarios.c (the network and stp scripts) and netgen_net.c
 * (sockets, server and client threads).
 *
 * Usage: netgen network|stp RAWLOG.json
 */
#define _GNU_SOURCE
#include "netgen.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LATE_MAX    0.050   /* a step may start this much after its time */
#define DELAY_SLACK 0.050   /* a reply may come this much after its delay */

static const char *const op_name[] = { "connect", "attempt", "request", "fin", "rst" };
static const char *const act_name[] = { "reply", "drop", "reset" };

struct pair pairs[MAX_PAIRS];
int npairs;
struct server servers[MAX_SERVERS];
int nservers;
static const char *mode_name;
double t0;
pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
int active_conns;
volatile int stopping;
static int errors;

double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

void sleep_until(double t)
{
    sleep_s(t - now());
}

void die(const char *what)
{
    fprintf(stderr, "netgen: %s: %s\n", what, strerror(errno));
    exit(1);
}

void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "netgen: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    pthread_mutex_lock(&lock);
    errors++;
    pthread_mutex_unlock(&lock);
}

/* ---- checks and log ------------------------------------------------------ */

static int check(void)
{
    int bad = 0;
    for (int i = 0; i < npairs; i++) {
        struct pair *p = &pairs[i];
        if (p->nrecv != p->nreqs) {
            fprintf(stderr, "netgen: %s: server got %d requests, %d scripted\n",
                    p->name, p->nrecv, p->nreqs);
            bad++;
        }
        for (int j = 0; j < p->nsteps; j++) {
            const struct step *s = &p->steps[j];
            char why[200] = "";
            double late = s->t_start - (t0 + s->at);
            if (!s->done)
                snprintf(why, sizeof why, "never ran");
            else if (late > LATE_MAX)
                snprintf(why, sizeof why, "started %.3f s late", late);
            else if (s->op == OP_CONNECT && strcmp(s->result, "established"))
                snprintf(why, sizeof why, "connect failed: %s", s->err);
            else if (s->op == OP_ATTEMPT && strcmp(s->result, s->expect))
                snprintf(why, sizeof why, "attempt %s (%s), expected %s", s->result, s->err,
                         s->expect);
            else if ((s->op == OP_FIN || s->op == OP_RST) && strcmp(s->result, "closed"))
                snprintf(why, sizeof why, "nothing to close");
            else if (s->op == OP_REQ) {
                const char *want = s->act == A_REPLY ? "answered"
                                 : s->act == A_DROP ? "timeout" : "reset";
                double took = s->t_act - s->t_recv;
                if (s->received != 1)
                    snprintf(why, sizeof why, "server got it %d times", s->received);
                else if (s->srv_peer_port != s->port || s->srv_tid != s->tid)
                    snprintf(why, sizeof why, "client port %d tid %d, server saw %d / %d",
                             s->port, s->tid, s->srv_peer_port, s->srv_tid);
                else if (strcmp(s->result, want))
                    snprintf(why, sizeof why, "client: %s (%s), expected %s", s->result,
                             s->err, want);
                else if (s->reply_rc)
                    snprintf(why, sizeof why, "server reply failed");
                else if (s->act != A_DROP && (took < s->delay || took > s->delay + DELAY_SLACK))
                    snprintf(why, sizeof why, "server took %.3f s, scripted %.3f", took, s->delay);
                else if (s->act == A_REPLY &&
                         (s->t_end - s->t_send < s->delay ||
                          s->t_end - s->t_send > s->delay + DELAY_SLACK))
                    snprintf(why, sizeof why, "answer after %.3f s, scripted %.3f",
                             s->t_end - s->t_send, s->delay);
                else if (s->retry_of >= 0) {
                    const struct step *o = &p->steps[s->retry_of];
                    if (o->tid == s->tid || o->unit != s->unit || o->fc != s->fc ||
                        o->addr != s->addr || o->cnt != s->cnt)
                        snprintf(why, sizeof why, "retry does not repeat step %d", s->retry_of);
                }
            }
            if (why[0]) {
                fprintf(stderr, "netgen: %s step %d (%s at %.2f): %s\n", p->name, j,
                        op_name[s->op], s->at, why);
                bad++;
            }
        }
    }
    return bad + errors;
}

static void jstr(FILE *f, const char *k, const char *v, const char *sep)
{
    if (v)
        fprintf(f, "\"%s\": \"%s\"%s", k, v, sep);
    else
        fprintf(f, "\"%s\": null%s", k, sep);
}

static void write_log(const char *path, int bad)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die(path);
    fprintf(f, "{\n \"generator\": \"netgen\",\n \"mode\": \"%s\",\n \"t0\": %.6f,\n"
               " \"checks_failed\": %d,\n \"servers\": [\n", mode_name, t0, bad);
    for (int i = 0; i < nservers; i++)
        fprintf(f, "  {\"ip\": \"%s\", \"port\": %d, \"mode\": \"%s\", \"backlog\": %d,"
                   " \"close_delay\": %.3f}%s\n",
                servers[i].ip, servers[i].port,
                servers[i].mode == S_SERVE ? "serve" : "no_accept", servers[i].backlog,
                servers[i].close_delay, i + 1 < nservers ? "," : "");
    fprintf(f, " ],\n \"pairs\": [\n");
    for (int i = 0; i < npairs; i++) {
        const struct pair *p = &pairs[i];
        fprintf(f, "  {\"name\": \"%s\", \"client\": \"%s\", \"server\": \"%s\", \"port\": %d,"
                   " \"steps\": [\n", p->name, p->client_ip, p->server_ip, p->port);
        for (int j = 0; j < p->nsteps; j++) {
            const struct step *s = &p->steps[j];
            fprintf(f, "   {\"i\": %d, \"op\": \"%s\", \"at\": %.3f, \"t_start\": %.6f,"
                       " \"t_send\": %.6f, \"t_end\": %.6f, \"port\": %d, \"result\": \"%s\", ",
                    j, op_name[s->op], s->at, s->t_start, s->t_send, s->t_end, s->port,
                    s->result);
            if (s->op == OP_ATTEMPT)
                fprintf(f, "\"timeout\": %.3f, \"expect\": \"%s\"", s->timeout, s->expect);
            else if (s->op == OP_REQ) {
                fprintf(f, "\"tid\": %d, \"unit\": %d, \"fc\": %d, \"addr\": %d, \"cnt\": %d,"
                           " \"act\": \"%s\", \"delay\": %.3f, \"timeout\": %.3f, ",
                        s->tid, s->unit, s->fc, s->addr, s->cnt, act_name[s->act], s->delay,
                        s->timeout);
                jstr(f, "tag", s->tag, ", ");
                jstr(f, "cause", s->cause, ", ");
                jstr(f, "retx", s->retx, ", ");
                fprintf(f, "\"retry_of\": %d, \"srv_n\": %d, \"srv_peer_port\": %d,"
                           " \"srv_tid\": %d, \"t_recv\": %.6f, \"t_act\": %.6f",
                        s->retry_of, s->srv_n, s->srv_peer_port, s->srv_tid, s->t_recv, s->t_act);
            } else
                fprintf(f, "\"err\": \"%s\"", s->err);
            fprintf(f, "}%s\n", j + 1 < p->nsteps ? "," : "");
        }
        fprintf(f, "  ]}%s\n", i + 1 < npairs ? "," : "");
    }
    fprintf(f, " ]\n}\n");
    if (fclose(f) != 0)
        die(path);
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "network") && strcmp(argv[1], "stp"))) {
        fprintf(stderr, "usage: netgen network|stp RAWLOG.json\n");
        return 2;
    }
    mode_name = argv[1];
    signal(SIGPIPE, SIG_IGN);
    if (!strcmp(mode_name, "network"))
        build_network();
    else
        build_stp();
    start_servers();

    t0 = now() + 0.3;
    pthread_t th[MAX_PAIRS];
    for (int i = 0; i < npairs; i++)
        if (pthread_create(&th[i], NULL, client_thread, &pairs[i]) != 0)
            die("pthread_create");
    for (int i = 0; i < npairs; i++)
        pthread_join(th[i], NULL);

    /* Let the server threads see the clients' FINs and close (after their
     * close delay). */
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&lock);
        int n = active_conns;
        pthread_mutex_unlock(&lock);
        if (n == 0)
            break;
        sleep_s(0.05);
    }
    stopping = 1;
    for (int i = 0; i < nservers; i++) {
        if (servers[i].mode == S_SERVE)
            pthread_join(servers[i].th, NULL);
        close(servers[i].fd);
    }
    int bad = check();
    write_log(argv[2], bad);
    if (bad) {
        fprintf(stderr, "netgen: %s: %d problem(s)\n", mode_name, bad);
        return 1;
    }
    return 0;
}
