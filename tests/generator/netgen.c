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
 * Usage: netgen network|stp RAWLOG.json
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_STEPS   1024
#define MAX_PAIRS   8
#define MAX_SERVERS 8
#define LATE_MAX    0.050   /* a step may start this much after its time */
#define DELAY_SLACK 0.050   /* a reply may come this much after its delay */

enum op { OP_CONNECT, OP_ATTEMPT, OP_REQ, OP_FIN, OP_RST };
static const char *const op_name[] = { "connect", "attempt", "request", "fin", "rst" };
enum act { A_REPLY, A_DROP, A_RESET };
static const char *const act_name[] = { "reply", "drop", "reset" };

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

static struct pair pairs[MAX_PAIRS];
static int npairs;
static struct server servers[MAX_SERVERS];
static int nservers;
static const char *mode_name;
static double t0;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int active_conns;
static volatile int stopping;
static int errors;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static void sleep_until(double t)
{
    sleep_s(t - now());
}

static void die(const char *what)
{
    fprintf(stderr, "netgen: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void fail(const char *fmt, ...)
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

static void build_network(void)
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

static void build_stp(void)
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

/* ---- sockets ------------------------------------------------------------- */

static void set_addr(struct sockaddr_in *a, const char *ip, int port)
{
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, ip, &a->sin_addr) != 1) {
        fprintf(stderr, "netgen: bad address %s\n", ip);
        exit(2);
    }
}

static int local_port(int fd)
{
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &l) == -1)
        return -1;
    return ntohs(a.sin_port);
}

static int read_full(int fd, uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, buf + got, n - got, 0);
        if (r == 0)
            return 0;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)r;
    }
    return 1;
}

static void put16(uint8_t *b, int v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static int get16(const uint8_t *b)
{
    return b[0] << 8 | b[1];
}

/* ---- server -------------------------------------------------------------- */

struct conn {
    struct server *srv;
    int fd;
    char peer_ip[INET_ADDRSTRLEN];
    int peer_port;
};

static struct pair *pair_of(const char *client_ip, const char *server_ip)
{
    for (int i = 0; i < npairs; i++)
        if (!strcmp(pairs[i].client_ip, client_ip) && !strcmp(pairs[i].server_ip, server_ip))
            return &pairs[i];
    return NULL;
}

static void *conn_thread(void *arg)
{
    struct conn *cn = arg;
    struct pair *p = pair_of(cn->peer_ip, cn->srv->ip);
    bool closed = false;
    uint8_t hdr[7], pdu[260];

    if (!p)
        fail("server %s: connection from unknown client %s", cn->srv->ip, cn->peer_ip);
    while (p) {
        int r = read_full(cn->fd, hdr, 7);
        double t_recv = now();
        if (r == 0) {
            /* The client closed: close after the server's close delay. */
            sleep_s(cn->srv->close_delay);
            break;
        }
        if (r < 0)
            break;              /* reset by the client */
        int len = get16(hdr + 4);
        if (len < 2 || len > 254 || read_full(cn->fd, pdu, (size_t)len - 1) != 1) {
            fail("%s: bad or short request from port %d", p->name, cn->peer_port);
            break;
        }
        pthread_mutex_lock(&lock);
        int n = p->nrecv++;
        struct step *s = n < p->nreqs ? &p->steps[p->reqs[n]] : NULL;
        if (s) {
            s->received++;
            s->srv_n = n;
            s->t_recv = t_recv;
            s->srv_peer_port = cn->peer_port;
            s->srv_tid = get16(hdr);
            s->srv_unit = hdr[6];
            s->srv_fc = pdu[0];
            s->srv_addr = len >= 6 ? get16(pdu + 1) : -1;
            s->srv_cnt = len >= 6 ? get16(pdu + 3) : -1;
        }
        pthread_mutex_unlock(&lock);
        if (!s) {
            fail("%s: request %d not in the script", p->name, n);
            break;
        }
        if (s->srv_unit != s->unit || s->srv_fc != s->fc || s->srv_addr != s->addr ||
            s->srv_cnt != s->cnt)
            fail("%s: request %d is unit %d fc %d addr %d cnt %d, scripted %d/%d/%d/%d",
                 p->name, n, s->srv_unit, s->srv_fc, s->srv_addr, s->srv_cnt,
                 s->unit, s->fc, s->addr, s->cnt);
        sleep_s(s->delay);
        int rc = 0;
        if (s->act == A_REPLY) {
            uint8_t out[7 + 2 + 250];
            int nb = 2 * s->cnt;
            memcpy(out, hdr, 7);
            put16(out + 4, 3 + nb);
            out[7] = (uint8_t)s->fc;
            out[8] = (uint8_t)nb;
            for (int i = 0; i < s->cnt; i++)
                put16(out + 9 + 2 * i, (s->addr + i) & 0xffff);
            rc = send(cn->fd, out, (size_t)(9 + nb), MSG_NOSIGNAL) == 9 + nb ? 0 : -1;
        } else if (s->act == A_RESET) {
            struct linger lg = { 1, 0 };
            setsockopt(cn->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            close(cn->fd);
            closed = true;
        }
        s->t_act = now();
        s->reply_rc = rc;
        if (closed)
            break;
    }
    if (!closed)
        close(cn->fd);
    free(cn);
    pthread_mutex_lock(&lock);
    active_conns--;
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *accept_thread(void *arg)
{
    struct server *srv = arg;
    while (!stopping) {
        struct pollfd pfd = { srv->fd, POLLIN, 0 };
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        struct sockaddr_in a;
        socklen_t l = sizeof a;
        int fd = accept(srv->fd, (struct sockaddr *)&a, &l);
        if (fd == -1)
            continue;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *cn = calloc(1, sizeof *cn);
        if (!cn)
            die("calloc");
        cn->srv = srv;
        cn->fd = fd;
        inet_ntop(AF_INET, &a.sin_addr, cn->peer_ip, sizeof cn->peer_ip);
        cn->peer_port = ntohs(a.sin_port);
        pthread_mutex_lock(&lock);
        active_conns++;
        pthread_mutex_unlock(&lock);
        pthread_t th;
        if (pthread_create(&th, NULL, conn_thread, cn) != 0)
            die("pthread_create");
        pthread_detach(th);
    }
    return NULL;
}

static void start_servers(void)
{
    for (int i = 0; i < nservers; i++) {
        struct server *srv = &servers[i];
        struct sockaddr_in a;
        int one = 1;
        srv->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (srv->fd == -1)
            die("socket");
        setsockopt(srv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        set_addr(&a, srv->ip, srv->port);
        if (bind(srv->fd, (struct sockaddr *)&a, sizeof a) == -1) {
            fprintf(stderr, "netgen: bind %s:%d: %s\n", srv->ip, srv->port, strerror(errno));
            exit(1);
        }
        if (listen(srv->fd, srv->backlog) == -1)
            die("listen");
        if (srv->mode == S_SERVE && pthread_create(&srv->th, NULL, accept_thread, srv) != 0)
            die("pthread_create");
    }
}

/* ---- clients ------------------------------------------------------------- */

static int client_socket(const struct pair *p)
{
    struct sockaddr_in src;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1)
        die("socket");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_addr(&src, p->client_ip, 0);
    if (bind(fd, (struct sockaddr *)&src, sizeof src) == -1)
        die("bind client");
    return fd;
}

static void do_connect(struct pair *p, struct step *s)
{
    struct sockaddr_in dst;
    set_addr(&dst, p->server_ip, p->port);
    p->fd = client_socket(p);
    s->port = local_port(p->fd);
    s->t_send = now();
    if (connect(p->fd, (struct sockaddr *)&dst, sizeof dst) == -1) {
        snprintf(s->err, sizeof s->err, "%s", strerror(errno));
        snprintf(s->result, sizeof s->result, "error");
        close(p->fd);
        p->fd = -1;
    } else {
        snprintf(s->result, sizeof s->result, "established");
    }
    s->t_end = now();
}

static void do_attempt(struct pair *p, struct step *s)
{
    struct sockaddr_in dst;
    set_addr(&dst, p->server_ip, p->port);
    int fd = client_socket(p);
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    s->port = local_port(fd);
    s->t_send = now();
    int r = connect(fd, (struct sockaddr *)&dst, sizeof dst);
    int err = r == 0 ? 0 : errno;
    if (r == -1 && errno == EINPROGRESS) {
        struct pollfd pfd = { fd, POLLOUT, 0 };
        int pr = poll(&pfd, 1, (int)(s->timeout * 1000));
        if (pr == 0) {
            err = ETIMEDOUT;
        } else {
            socklen_t l = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
        }
    }
    s->t_end = now();
    snprintf(s->result, sizeof s->result, "%s",
             err == 0 ? "established" : err == ECONNREFUSED ? "refused"
             : err == ETIMEDOUT ? "timeout" : "error");
    if (err && err != ECONNREFUSED && err != ETIMEDOUT)
        snprintf(s->err, sizeof s->err, "%s", strerror(err));
    close(fd);                  /* SYN_SENT / refused: nothing goes out */
}

static void do_request(struct pair *p, struct step *s)
{
    uint8_t q[12], hdr[7], body[260];
    if (p->fd == -1) {
        snprintf(s->result, sizeof s->result, "no_connection");
        return;
    }
    s->port = local_port(p->fd);
    s->tid = p->next_tid++;
    put16(q, s->tid);
    put16(q + 2, 0);
    put16(q + 4, 6);
    q[6] = (uint8_t)s->unit;
    q[7] = (uint8_t)s->fc;
    put16(q + 8, s->addr);
    put16(q + 10, s->cnt);
    s->t_send = now();
    if (send(p->fd, q, sizeof q, MSG_NOSIGNAL) != (ssize_t)sizeof q) {
        snprintf(s->result, sizeof s->result, "send_error");
        snprintf(s->err, sizeof s->err, "%s", strerror(errno));
        return;
    }
    struct pollfd pfd = { p->fd, POLLIN, 0 };
    int pr = poll(&pfd, 1, (int)(s->timeout * 1000));
    if (pr == 0) {
        s->t_end = now();
        snprintf(s->result, sizeof s->result, "timeout");
        return;
    }
    int r = read_full(p->fd, hdr, 7);
    if (r == 1) {
        int len = get16(hdr + 4);
        r = len >= 2 && len <= 254 ? read_full(p->fd, body, (size_t)len - 1) : -1;
        s->t_end = now();
        if (r == 1) {
            if (get16(hdr) != s->tid || hdr[6] != s->unit || body[0] != s->fc ||
                body[1] != 2 * s->cnt) {
                snprintf(s->result, sizeof s->result, "mismatch");
                snprintf(s->err, sizeof s->err, "tid %d unit %d fc %d", get16(hdr), hdr[6], body[0]);
            } else {
                snprintf(s->result, sizeof s->result, "answered");
            }
            return;
        }
    }
    s->t_end = now();
    snprintf(s->result, sizeof s->result, "reset");
    snprintf(s->err, sizeof s->err, "%s", r == 0 ? "EOF" : strerror(errno));
    close(p->fd);               /* the connection is gone: nothing goes out */
    p->fd = -1;
}

static void *client_thread(void *arg)
{
    struct pair *p = arg;
    for (int i = 0; i < p->nsteps; i++) {
        struct step *s = &p->steps[i];
        sleep_until(t0 + s->at);
        s->t_start = now();
        switch (s->op) {
        case OP_CONNECT:
            do_connect(p, s);
            break;
        case OP_ATTEMPT:
            do_attempt(p, s);
            break;
        case OP_REQ:
            do_request(p, s);
            break;
        case OP_FIN:
        case OP_RST:
            if (p->fd == -1) {
                snprintf(s->result, sizeof s->result, "no_connection");
                break;
            }
            s->port = local_port(p->fd);
            if (s->op == OP_RST) {
                struct linger lg = { 1, 0 };
                setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            }
            s->t_send = now();
            close(p->fd);
            p->fd = -1;
            snprintf(s->result, sizeof s->result, "closed");
            break;
        }
        s->done = true;
    }
    return NULL;
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
