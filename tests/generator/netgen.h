/* netgen.h - declarations shared by the parts of netgen
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The script types (a pair's steps with what the client and the server saw,
 * the servers), the state the parts share (scenario tables, t0, the lock, the
 * open connection count, the stop flag) and the functions one part calls in
 * another: netgen.c (main, timing, errors, checks, raw log),
 * netgen_scenarios.c (the scripts) and netgen_net.c (sockets, server and
 * client threads). Include it first, after defining _GNU_SOURCE.
 */
#ifndef NETGEN_H
#define NETGEN_H

#include <pthread.h>
#include <stdbool.h>

#define MAX_STEPS   1024
#define MAX_PAIRS   8
#define MAX_SERVERS 8

enum op { OP_CONNECT, OP_ATTEMPT, OP_REQ, OP_FIN, OP_RST };
enum act { A_REPLY, A_DROP, A_RESET };

struct step {
    enum op op;
    double at;              /* seconds after t0 */
    /* OP_REQ */
    int unit, fc, addr, cnt;
    enum act act;
    double delay;           /* server: reply / reset after this long */
    double timeout;         /* client: give up waiting after this long */
    const char *tag;        /* role in the scenario (truth) */
    const char *cause;      /* intended cause when slow (delayed/late/missed) */
    const char *retx;       /* retransmission to splice in (make_net_truth.py) */
    int retry_of;           /* step index of the original request, -1 */
    /* OP_ATTEMPT */
    const char *expect;     /* "refused" / "timeout" */
    /* client side */
    bool done;
    double t_start, t_send, t_end;
    int port, tid;
    char result[16];        /* request: answered/timeout/reset; attempt: refused/timeout/established */
    char err[64];
    /* server side */
    int received;
    double t_recv, t_act;
    int srv_peer_port, srv_tid, srv_unit, srv_fc, srv_addr, srv_cnt, srv_n;
    int reply_rc;
};

struct pair {
    const char *name;
    const char *client_ip, *server_ip;
    int port;
    struct step steps[MAX_STEPS];
    int nsteps;
    int reqs[MAX_STEPS];    /* step indices of the requests, in order */
    int nreqs;
    int nrecv;              /* requests the server got from this pair */
    int next_tid;
    int fd;
    bool failed;
};

enum srv_mode { S_SERVE, S_NO_ACCEPT };
struct server {
    const char *ip;
    int port;
    enum srv_mode mode;
    int backlog;
    double close_delay;     /* close this long after the client's FIN */
    int fd;
    pthread_t th;
};

extern struct pair pairs[MAX_PAIRS];
extern int npairs;
extern struct server servers[MAX_SERVERS];
extern int nservers;
extern double t0;
extern pthread_mutex_t lock;
extern int active_conns;
extern volatile int stopping;

/* netgen.c */
double now(void);
void sleep_s(double s);
void sleep_until(double t);
void die(const char *what);
void fail(const char *fmt, ...);

/* netgen_scenarios.c */
void build_network(void);
void build_stp(void);

/* netgen_net.c */
void start_servers(void);
void *client_thread(void *arg);

#endif
