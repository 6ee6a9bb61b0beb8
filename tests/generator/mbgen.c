/* mbgen.c - Modbus/TCP traffic generator with fault injection for modbus_an tests
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One process runs a real libmodbus TCP server (one thread per accepted
 * connection) and several libmodbus clients (one thread each) on loopback.
 * Every request's start address is its sequence number in the scenario, so
 * the server looks up what to do with it (reply, slow reply, no reply,
 * exception, close/reset the connection) in the shared schedule.
 *
 * Both sides log what they did; the program checks that every request
 * reached the server exactly once and that the client saw what the fault
 * implies, and writes a raw JSON log which make_truth.py turns into the
 * ground truth (together with the capture's end time).
 *
 * Usage: mbgen SCENARIO RAWLOG.json [HOLDFILE]
 *   With HOLDFILE (scenarios that end with a pending request), the program
 *   keeps every connection open after the last request, creates HOLDFILE and
 *   waits for SIGTERM/SIGINT, so the capture can be stopped first.
 *   `mbgen --list` prints the scenario names.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <modbus.h>

#define MAX_REQ      512
#define MAX_CLIENTS  8
#define MAX_UNITS    4
#define MAP_SIZE     (MAX_REQ + 16)

enum fault { F_NONE, F_SLOW, F_VERY_SLOW, F_DROP, F_EXCEPTION, F_RESET };
static const char *const fault_name[] = {
    "none", "slow", "very_slow", "drop", "exception", "reset"
};

/* One request of the schedule, plus what both sides observed. */
struct req {
    /* schedule */
    int client;
    int unit;
    int fc;
    enum fault fault;
    double delay;          /* server waits this long before replying */
    int exc;               /* exception code (F_EXCEPTION) */
    bool rst;              /* F_RESET: abortive close (RST) instead of FIN */
    bool reconnect_before; /* client closes and reconnects before sending */
    double gap;            /* client pause before sending, s */
    double client_timeout; /* libmodbus response timeout for this request, s */
    /* client side */
    bool sent;
    char client_ip[INET6_ADDRSTRLEN];
    int client_port;
    double t_send, t_done;
    int rc, err;
    /* server side */
    int received;          /* times the server got it (must be 1) */
    char peer_ip[INET6_ADDRSTRLEN];
    int peer_port;
    int tid, srv_unit, srv_fc;
    double t_recv, t_action;
    int reply_rc;
};

struct client_cfg {
    const char *bind_ip;   /* NULL: let modbus_connect() pick the source */
    int units[MAX_UNITS];
    int nunits;
    const char *script;
};

struct scenario {
    const char *name;
    const char *server_ip;
    int port;
    bool ipv6;
    bool hold;
    int nclients;
    struct client_cfg clients[MAX_CLIENTS];
};

/* Token script per client (space separated):
 *   nK        K normal requests (n = 1)
 *   sD        slow reply after D s (D < 3)
 *   vD        very slow reply after D s (answered late, D > 3)
 *   d / dT    no reply; the client gives up after T s (default 1.0)
 *   eC / eC@D exception code C (after D s)
 *   rf / rr   server closes (FIN) / resets (RST) the connection, request pending
 *   C         client closes and reconnects before the next request
 *   gS / g    gap before each following request: S s / back to default */
static const struct scenario scenarios[] = {
    { "gen_basic", "127.0.0.1", 502, false, false, 2, {
        { NULL, {1, 2}, 2,
          "n4 s1.5 n3 e1 n4 s1.5 n3 e3 n3 s1.5 n8" },
        { "127.0.0.2", {2, 1}, 2,
          "n6 s1.5 n3 e2 n8 s1.5 n4 e2@1.5 n1 e3 n3" } } },
    { "gen_faults", "127.0.0.1", 502, false, false, 3, {
        { NULL, {1, 3}, 2,
          "n4 s1.2 n2 v4.0 n2 d n2 e1 n1 C n4 s2.5 n2 d g1.0 n4" },
        { NULL, {2}, 1,
          "n3 e2 s1.2 n2 rf n3 v4.0 d n3 e3 s1.2 g1.0 n4" },
        { "127.0.0.3", {1, 5}, 2,
          "n4 rr n3 s2.5 e4 d n1 e1@1.2 v4.0 g1.0 n3" } } },
    { "gen_end_unanswered", "127.0.0.1", 502, false, true, 1, {
        { NULL, {1, 2}, 2, "n3 d n2 s1.5 e2 g0.6 n3 g0.2 rf n1 rr n2 d0.3" } } },
    { "gen_port5020", "127.0.0.1", 5020, false, false, 2, {
        { NULL, {1, 2}, 2, "n3 s1.5 n2 e2 n2" },
        { "127.0.0.2", {2, 1}, 2, "n2 e3 n2 s1.5 n2" } } },
    { "gen_ipv6", "::1", 502, true, false, 2, {
        { NULL, {1, 3}, 2, "n3 s1.5 n2 e1 n1" },
        { NULL, {3}, 1, "n2 e2 n1 s1.5 n1" } } },
};

static const struct scenario *sc;
static struct req reqs[MAX_REQ];
static int nreq;
static modbus_mapping_t *mapping;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int active_conns;
static volatile int stopping;
static char port_str[8];

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

static void die(const char *what)
{
    fprintf(stderr, "mbgen: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* ---- schedule ---------------------------------------------------------- */

static unsigned lcg_state;
static double default_gap(void)
{
    lcg_state = lcg_state * 1103515245u + 12345u;
    return 0.040 + (double)((lcg_state >> 16) % 61) / 1000.0; /* 40..100 ms */
}

static const int fc_cycle[] = { 3, 4, 3, 6, 16, 1, 3 };

static void build_schedule(void)
{
    for (int c = 0; c < sc->nclients; c++) {
        const struct client_cfg *cc = &sc->clients[c];
        char *copy = strdup(cc->script), *save = NULL;
        double gap = -1;
        bool reconnect = false;
        int k = 0;
        lcg_state = 2166136261u ^ (unsigned)(c * 7919);
        for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
            int count = 1;
            struct req r;
            memset(&r, 0, sizeof r);
            r.client_timeout = -1;
            switch (t[0]) {
            case 'g':
                gap = t[1] ? atof(t + 1) : -1;
                continue;
            case 'C':
                reconnect = true;
                continue;
            case 'n':
                r.fault = F_NONE;
                if (t[1])
                    count = atoi(t + 1);
                break;
            case 's':
                r.fault = F_SLOW;
                r.delay = atof(t + 1);
                break;
            case 'v':
                r.fault = F_VERY_SLOW;
                r.delay = atof(t + 1);
                break;
            case 'd':
                r.fault = F_DROP;
                r.client_timeout = t[1] ? atof(t + 1) : 1.0;
                break;
            case 'e': {
                char *at = strchr(t, '@');
                r.fault = F_EXCEPTION;
                r.exc = atoi(t + 1);
                r.delay = at ? atof(at + 1) : 0.0;
                break;
            }
            case 'r':
                r.fault = F_RESET;
                r.rst = t[1] == 'r';
                r.client_timeout = 2.0;
                break;
            default:
                fprintf(stderr, "mbgen: bad token '%s'\n", t);
                exit(2);
            }
            if (r.client_timeout < 0)
                r.client_timeout = r.delay + 2.0;
            for (int i = 0; i < count; i++, k++) {
                if (nreq >= MAX_REQ) {
                    fprintf(stderr, "mbgen: schedule too long\n");
                    exit(2);
                }
                struct req *q = &reqs[nreq++];
                *q = r;
                q->client = c;
                q->unit = cc->units[k % cc->nunits];
                q->fc = fc_cycle[k % (int)(sizeof fc_cycle / sizeof fc_cycle[0])];
                q->gap = gap >= 0 ? gap : default_gap();
                q->reconnect_before = reconnect;
                reconnect = false;
            }
        }
        free(copy);
    }
}

/* ---- server ------------------------------------------------------------ */

static void addr_string(const struct sockaddr_storage *ss, char *buf, size_t n, int *port)
{
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, buf, (socklen_t)n);
        *port = ntohs(a->sin6_port);
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, buf, (socklen_t)n);
        *port = ntohs(a->sin_port);
    }
}

struct conn {
    int fd;
    char peer_ip[INET6_ADDRSTRLEN];
    int peer_port;
};

static void *conn_thread(void *arg)
{
    struct conn *cn = arg;
    modbus_t *ctx = sc->ipv6 ? modbus_new_tcp_pi(sc->server_ip, port_str)
                             : modbus_new_tcp(sc->server_ip, sc->port);
    uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
    bool closed = false;

    if (!ctx)
        die("modbus_new_tcp (server connection)");
    modbus_set_socket(ctx, cn->fd);
    for (;;) {
        int len = modbus_receive(ctx, req);
        double t_recv = now();
        if (len == -1)
            break;              /* peer closed the connection */
        if (len < 10) {
            fprintf(stderr, "mbgen: short request (%d bytes)\n", len);
            continue;
        }
        int tid = req[0] << 8 | req[1];
        int unit = req[6];
        int fc = req[7];
        int seq = req[8] << 8 | req[9];
        struct req *q = seq < nreq ? &reqs[seq] : NULL;

        pthread_mutex_lock(&lock);
        if (q) {
            q->received++;
            snprintf(q->peer_ip, sizeof q->peer_ip, "%s", cn->peer_ip);
            q->peer_port = cn->peer_port;
            q->tid = tid;
            q->srv_unit = unit;
            q->srv_fc = fc;
            q->t_recv = t_recv;
        }
        pthread_mutex_unlock(&lock);
        if (!q) {
            fprintf(stderr, "mbgen: request for unknown seq %d from port %d\n",
                    seq, cn->peer_port);
            exit(1);
        }

        int rc = 0;
        switch (q->fault) {
        case F_NONE:
        case F_SLOW:
        case F_VERY_SLOW:
            sleep_s(q->delay);
            pthread_mutex_lock(&lock);
            rc = modbus_reply(ctx, req, len, mapping);
            pthread_mutex_unlock(&lock);
            break;
        case F_EXCEPTION:
            sleep_s(q->delay);
            rc = modbus_reply_exception(ctx, req, (unsigned)q->exc);
            break;
        case F_DROP:
            break;
        case F_RESET:
            if (q->rst) {
                struct linger lg = { 1, 0 };
                setsockopt(cn->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            }
            close(cn->fd);
            closed = true;
            break;
        }
        q->t_action = now();
        q->reply_rc = rc;
        if (closed)
            break;
    }
    if (!closed)
        close(cn->fd);
    modbus_set_socket(ctx, -1);
    modbus_free(ctx);
    free(cn);
    pthread_mutex_lock(&lock);
    active_conns--;
    pthread_mutex_unlock(&lock);
    return NULL;
}

static int listen_fd = -1;

static void *accept_thread(void *arg)
{
    modbus_t *lctx = arg;
    while (!stopping) {
        fd_set rfds;
        struct timeval tv = { 0, 100000 };
        FD_ZERO(&rfds);
        FD_SET(listen_fd, &rfds);
        if (select(listen_fd + 1, &rfds, NULL, NULL, &tv) <= 0)
            continue;
        int s = listen_fd;
        int fd = sc->ipv6 ? modbus_tcp_pi_accept(lctx, &s) : modbus_tcp_accept(lctx, &s);
        if (fd == -1)
            continue;
        struct conn *cn = calloc(1, sizeof *cn);
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        cn->fd = fd;
        getpeername(fd, (struct sockaddr *)&ss, &sl);
        addr_string(&ss, cn->peer_ip, sizeof cn->peer_ip, &cn->peer_port);
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

/* ---- clients ----------------------------------------------------------- */

struct client {
    int idx;
    modbus_t *ctx;
    const struct client_cfg *cfg;
};

static int client_connect(struct client *cl)
{
    if (!cl->cfg->bind_ip)
        return modbus_connect(cl->ctx);
    /* A bound source address gives this client its own pair. */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
    int one = 1;
    if (fd == -1)
        return -1;
    inet_pton(AF_INET, cl->cfg->bind_ip, &src.sin_addr);
    inet_pton(AF_INET, sc->server_ip, &dst.sin_addr);
    dst.sin_port = htons((uint16_t)sc->port);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&src, sizeof src) == -1 ||
        connect(fd, (struct sockaddr *)&dst, sizeof dst) == -1) {
        close(fd);
        return -1;
    }
    return modbus_set_socket(cl->ctx, fd);
}

static int do_request(modbus_t *ctx, const struct req *q, int seq)
{
    uint16_t regs[8] = { 0 };
    uint8_t bits[16] = { 0 };
    uint16_t vals[3] = { (uint16_t)seq, 0x1234, 0xbeef };
    switch (q->fc) {
    case 1:  return modbus_read_bits(ctx, seq, 8, bits);
    case 3:  return modbus_read_registers(ctx, seq, 4, regs);
    case 4:  return modbus_read_input_registers(ctx, seq, 2, regs);
    case 6:  return modbus_write_register(ctx, seq, (uint16_t)(seq * 3));
    case 16: return modbus_write_registers(ctx, seq, 3, vals);
    default:
        fprintf(stderr, "mbgen: fc %d not supported\n", q->fc);
        exit(2);
    }
}

static void *client_thread(void *arg)
{
    struct client *cl = arg;
    cl->ctx = sc->ipv6 ? modbus_new_tcp_pi(sc->server_ip, port_str)
                       : modbus_new_tcp(sc->server_ip, sc->port);
    if (!cl->ctx)
        die("modbus_new_tcp (client)");
    if (client_connect(cl) == -1)
        die("client connect");

    for (int seq = 0; seq < nreq; seq++) {
        struct req *q = &reqs[seq];
        if (q->client != cl->idx)
            continue;
        sleep_s(q->gap);
        if (q->reconnect_before) {
            modbus_close(cl->ctx);
            if (client_connect(cl) == -1)
                die("client reconnect");
        }
        double to = q->client_timeout;
        modbus_set_response_timeout(cl->ctx, (uint32_t)to,
                                    (uint32_t)((to - (double)(uint32_t)to) * 1e6 + 0.5));
        modbus_set_slave(cl->ctx, q->unit);

        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        getsockname(modbus_get_socket(cl->ctx), (struct sockaddr *)&ss, &sl);
        addr_string(&ss, q->client_ip, sizeof q->client_ip, &q->client_port);

        q->t_send = now();
        q->rc = do_request(cl->ctx, q, seq);
        q->err = q->rc == -1 ? errno : 0;
        q->t_done = now();
        q->sent = true;

        if (q->fault == F_RESET) {
            /* The server dropped the connection: start a new one. */
            modbus_close(cl->ctx);
            if (client_connect(cl) == -1)
                die("client reconnect after reset");
        }
    }
    if (!sc->hold) {
        modbus_close(cl->ctx);
        modbus_free(cl->ctx);
        cl->ctx = NULL;
    }
    return NULL;
}

/* ---- checks and log ---------------------------------------------------- */

static int check(void)
{
    int bad = 0;
    for (int i = 0; i < nreq; i++) {
        const struct req *q = &reqs[i];
        char why[160] = "";
        if (!q->sent)
            snprintf(why, sizeof why, "never sent");
        else if (q->received != 1)
            snprintf(why, sizeof why, "server received it %d times", q->received);
        else if (q->peer_port != q->client_port || strcmp(q->peer_ip, q->client_ip))
            snprintf(why, sizeof why, "client %s:%d but server saw %s:%d",
                     q->client_ip, q->client_port, q->peer_ip, q->peer_port);
        else if (q->srv_unit != q->unit || q->srv_fc != q->fc)
            snprintf(why, sizeof why, "unit/fc %d/%d on the wire, %d/%d scheduled",
                     q->srv_unit, q->srv_fc, q->unit, q->fc);
        else if (q->reply_rc == -1)
            snprintf(why, sizeof why, "server reply failed");
        else {
            double took = q->t_action - q->t_recv;
            switch (q->fault) {
            case F_NONE: case F_SLOW: case F_VERY_SLOW:
                if (q->rc == -1)
                    snprintf(why, sizeof why, "client error %s", modbus_strerror(q->err));
                else if (took - q->delay > 0.05 || q->delay - took > 0.05)
                    snprintf(why, sizeof why, "server took %.3f s, scheduled %.3f", took, q->delay);
                break;
            case F_EXCEPTION:
                if (q->rc != -1 || q->err != MODBUS_ENOBASE + q->exc)
                    snprintf(why, sizeof why, "client got rc %d err %s, not exception %d",
                             q->rc, modbus_strerror(q->err), q->exc);
                break;
            case F_DROP:
                if (q->rc != -1 || q->err != ETIMEDOUT)
                    snprintf(why, sizeof why, "client did not time out (rc %d)", q->rc);
                break;
            case F_RESET:
                if (q->rc != -1 || (q->err != ECONNRESET && q->err != EPIPE))
                    snprintf(why, sizeof why, "client did not see the reset (rc %d %s)",
                             q->rc, modbus_strerror(q->err));
                break;
            }
        }
        if (why[0]) {
            fprintf(stderr, "mbgen: %s seq %d (%s): %s\n", sc->name, i, fault_name[q->fault], why);
            bad++;
        }
    }
    return bad;
}

static void write_log(const char *path, int bad)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die(path);
    fprintf(f, "{\n \"scenario\": \"%s\",\n \"server_ip\": \"%s\",\n \"server_port\": %d,\n"
               " \"hold\": %s,\n \"checks_failed\": %d,\n \"requests\": [\n",
            sc->name, sc->server_ip, sc->port, sc->hold ? "true" : "false", bad);
    for (int i = 0; i < nreq; i++) {
        const struct req *q = &reqs[i];
        fprintf(f,
                "  {\"seq\": %d, \"client\": %d, \"unit\": %d, \"fc\": %d, \"fault\": \"%s\","
                " \"delay\": %.3f, \"exception_code\": %d, \"reset_kind\": \"%s\","
                " \"reconnect_before\": %s, \"client_timeout\": %.3f,"
                " \"client_ip\": \"%s\", \"client_port\": %d, \"t_send\": %.6f, \"t_done\": %.6f,"
                " \"client_rc\": %d, \"client_error\": \"%s\","
                " \"server_received\": %d, \"server_peer_ip\": \"%s\", \"server_peer_port\": %d,"
                " \"tid\": %d, \"server_unit\": %d, \"server_fc\": %d,"
                " \"t_recv\": %.6f, \"t_action\": %.6f}%s\n",
                i, q->client, q->unit, q->fc, fault_name[q->fault], q->delay, q->exc,
                q->fault == F_RESET ? (q->rst ? "rst" : "fin") : "",
                q->reconnect_before ? "true" : "false", q->client_timeout,
                q->client_ip, q->client_port, q->t_send, q->t_done,
                q->rc, q->rc == -1 ? modbus_strerror(q->err) : "",
                q->received, q->peer_ip, q->peer_port, q->tid, q->srv_unit, q->srv_fc,
                q->t_recv, q->t_action, i + 1 < nreq ? "," : "");
    }
    fprintf(f, " ]\n}\n");
    if (fclose(f) != 0)
        die(path);
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--list")) {
        for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
            printf("%s %d %s\n", scenarios[i].name, scenarios[i].port,
                   scenarios[i].hold ? "hold" : "-");
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: mbgen SCENARIO RAWLOG.json [HOLDFILE] | mbgen --list\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (!strcmp(scenarios[i].name, argv[1]))
            sc = &scenarios[i];
    if (!sc) {
        fprintf(stderr, "mbgen: unknown scenario %s\n", argv[1]);
        return 2;
    }
    if (sc->hold && argc < 4) {
        fprintf(stderr, "mbgen: %s needs a HOLDFILE\n", sc->name);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    sigset_t hold_set;
    sigemptyset(&hold_set);
    sigaddset(&hold_set, SIGTERM);
    sigaddset(&hold_set, SIGINT);
    if (sc->hold) /* every thread inherits the mask; main sigwait()s at the end */
        pthread_sigmask(SIG_BLOCK, &hold_set, NULL);
    build_schedule();

    mapping = modbus_mapping_new(MAP_SIZE, MAP_SIZE, MAP_SIZE, MAP_SIZE);
    if (!mapping)
        die("modbus_mapping_new");

    snprintf(port_str, sizeof port_str, "%d", sc->port);
    modbus_t *lctx = sc->ipv6 ? modbus_new_tcp_pi(sc->server_ip, port_str)
                              : modbus_new_tcp(sc->server_ip, sc->port);
    if (!lctx)
        die("modbus_new_tcp (server)");
    listen_fd = sc->ipv6 ? modbus_tcp_pi_listen(lctx, 16) : modbus_tcp_listen(lctx, 16);
    if (listen_fd == -1) {
        fprintf(stderr, "mbgen: listen on [%s]:%d: %s\n", sc->server_ip, sc->port,
                modbus_strerror(errno));
        return 1;
    }
    pthread_t acc;
    pthread_create(&acc, NULL, accept_thread, lctx);

    pthread_t th[MAX_CLIENTS];
    struct client cl[MAX_CLIENTS];
    for (int c = 0; c < sc->nclients; c++) {
        cl[c] = (struct client){ .idx = c, .cfg = &sc->clients[c] };
        pthread_create(&th[c], NULL, client_thread, &cl[c]);
    }
    for (int c = 0; c < sc->nclients; c++)
        pthread_join(th[c], NULL);

    if (!sc->hold) {
        /* Let the server threads see the clients' FINs and close too. */
        for (int i = 0; i < 40; i++) {
            pthread_mutex_lock(&lock);
            int n = active_conns;
            pthread_mutex_unlock(&lock);
            if (n == 0)
                break;
            sleep_s(0.05);
        }
    }
    int bad = check();
    write_log(argv[2], bad);
    if (bad) {
        fprintf(stderr, "mbgen: %s: %d request(s) did not go as scheduled\n", sc->name, bad);
        return 1;
    }
    if (sc->hold) {
        /* Keep every connection open (pending request included) until the
         * capture has been stopped. */
        int sig;
        int fd = open(argv[3], O_CREAT | O_WRONLY | O_TRUNC, 0644);
        if (fd == -1)
            die(argv[3]);
        close(fd);
        sigwait(&hold_set, &sig);
        _exit(0);
    }
    stopping = 1;
    pthread_join(acc, NULL);
    close(listen_fd);
    modbus_free(lctx);
    modbus_mapping_free(mapping);
    return 0;
}
