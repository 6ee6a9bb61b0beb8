/* livegen.c - bounded live Modbus/TCP schedule with injected faults, for the capture monitor's loopback test
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One process runs a real libmodbus TCP server on 127.0.0.60:502 (one thread
 * per accepted connection) and three libmodbus clients, one connection each,
 * that send at fixed times after T0 (an epoch given on the command line, so
 * the test can put T0 on a snapshot boundary of dumpcap -b interval):
 *
 *   P  127.0.0.61 unit 1, FC 3 holding 0..3 every 0.25 s: clean polling
 *   H  127.0.0.62 unit 1, FC 4 input 1000 every 0.25 s (+0.1 s): a heartbeat;
 *                 the server adds 1 per poll, except while the clock is inside
 *                 the freeze window, when it serves the same value
 *   F  127.0.0.63 unit 1, FC 3 holding 200+i at the times of the fault table:
 *                 the server drops, delays or answers with an exception
 *
 * The addresses are the test's own (127.0.0.60/30), so that its capture
 * filter leaves out any other generator running on loopback at the time.
 *
 * Every client stops at T0 + END_S and closes its connection (FIN). The
 * times in the tables are seconds after T0; see test_monitor.py for how
 * they fall into 3 s snapshots.
 *
 * Both sides log: each request's client, kind, send time and result; each
 * request the server saw, when it acted, and the heartbeat value it served.
 * The program exits non-zero unless every request reached the server once,
 * every send left within MAX_LATE_S (0.2 s) of its slot and each client saw
 * the result its fault implies. It writes the log as JSON.
 *
 * Usage: livegen T0_EPOCH LOG.json
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
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

#define SERVER_IP   "127.0.0.60"
#define SERVER_PORT 502
#define PERIOD_S    0.25
#define END_S       17.0
#define HB_ADDR     1000
#define FAULT_ADDR  200
/* A send may leave this late (the triage's tshark runs on the same machine
 * at every boundary); the test takes every time from this log, so lateness
 * only has to stay below the poll period's gap tolerance. */
#define MAX_LATE_S  0.2
#define MAX_EV      256

/* The heartbeat serves one value for every poll inside [FREEZE_FROM, FREEZE_TO). */
#define FREEZE_FROM 12.8
#define FREEZE_TO   14.2

enum kind { K_POLL, K_HB, K_DROP, K_SLOW, K_EXC };
static const char *const kind_name[] = { "poll", "heartbeat", "drop", "slow", "exception" };

struct fault { double t; enum kind kind; double delay; int exc; double client_timeout; };
/* Client F. A drop is decided when modbus_an's response timeout (3 s) runs out. */
static const struct fault faults[] = {
    { 4.0, K_DROP, 0, 0, 0.5 },   /* sent in snapshot [3, 6), missed at 7.0 in [6, 9) */
    { 6.8, K_SLOW, 1.2, 0, 3.0 }, /* answered at 8.0: delayed */
    { 8.2, K_EXC, 0, 2, 1.0 },    /* exception 2 at 8.2 */
};
#define N_FAULTS (int)(sizeof faults / sizeof faults[0])

struct ev {
    char client;
    enum kind kind;
    int fc, addr, count;
    double t_sched, delay, client_timeout;
    int exc;
    /* client side */
    bool sent;
    int client_port, rc, err;
    double t_send, t_done;
    uint16_t value;
    /* server side */
    int received;
    double t_recv, t_action;
    int served;              /* heartbeat value served */
};

static struct ev evs[MAX_EV];
static int nev;
static double t0;
static modbus_mapping_t *mapping;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int hb_value = 100;
static volatile int stopping;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
    for (;;) {
        double d = t - now();
        if (d <= 0)
            return;
        struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };
        nanosleep(&ts, NULL);
    }
}

static void die(const char *what)
{
    fprintf(stderr, "livegen: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void add(char client, enum kind kind, int fc, int addr, int count, double t,
                double delay, int exc, double client_timeout)
{
    if (nev >= MAX_EV) {
        fprintf(stderr, "livegen: schedule too long\n");
        exit(2);
    }
    evs[nev++] = (struct ev){ .client = client, .kind = kind, .fc = fc, .addr = addr, .count = count,
                              .t_sched = t, .delay = delay, .exc = exc, .client_timeout = client_timeout };
}

static void build_schedule(void)
{
    for (int k = 0; k * PERIOD_S < END_S - 0.2; k++) {
        add('P', K_POLL, 3, 0, 4, k * PERIOD_S, 0, 0, 1.0);
        add('H', K_HB, 4, HB_ADDR, 1, k * PERIOD_S + 0.1, 0, 0, 1.0);
    }
    for (int i = 0; i < N_FAULTS; i++)
        add('F', faults[i].kind, 3, FAULT_ADDR + i, 2, faults[i].t, faults[i].delay, faults[i].exc,
            faults[i].client_timeout);
}

static struct ev *find_ev(char client, int addr, int nth)
{
    for (int i = 0; i < nev; i++)
        if (evs[i].client == client && evs[i].addr == addr && evs[i].received == 0 && nth-- == 0)
            return &evs[i];
    return NULL;
}

/* ---- server ---- */

static void *conn_thread(void *arg)
{
    int fd = (int)(long)arg;
    modbus_t *ctx = modbus_new_tcp(SERVER_IP, SERVER_PORT);
    uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
    if (!ctx)
        die("modbus_new_tcp (server connection)");
    modbus_set_socket(ctx, fd);
    for (;;) {
        int len = modbus_receive(ctx, req);
        double t_recv = now();
        if (len == -1)
            break;
        if (len < 12)
            continue;
        int fc = req[7];
        int addr = req[8] << 8 | req[9];
        char client = fc == 4 ? 'H' : addr >= FAULT_ADDR ? 'F' : 'P';
        pthread_mutex_lock(&lock);
        struct ev *e = find_ev(client, addr, 0);
        if (e) {
            e->received++;
            e->t_recv = t_recv;
        }
        pthread_mutex_unlock(&lock);
        if (!e) {
            fprintf(stderr, "livegen: unexpected request fc %d addr %d\n", fc, addr);
            continue;
        }
        switch (e->kind) {
        case K_POLL:
            pthread_mutex_lock(&lock);
            modbus_reply(ctx, req, len, mapping);
            pthread_mutex_unlock(&lock);
            break;
        case K_HB: {
            double rel = t_recv - t0;
            pthread_mutex_lock(&lock);
            if (!(rel >= FREEZE_FROM && rel < FREEZE_TO))
                hb_value++;
            mapping->tab_input_registers[HB_ADDR] = (uint16_t)hb_value;
            e->served = hb_value;
            modbus_reply(ctx, req, len, mapping);
            pthread_mutex_unlock(&lock);
            break;
        }
        case K_DROP:
            break;
        case K_SLOW:
            sleep_until(t_recv + e->delay);
            pthread_mutex_lock(&lock);
            modbus_reply(ctx, req, len, mapping);
            pthread_mutex_unlock(&lock);
            break;
        case K_EXC:
            modbus_reply_exception(ctx, req, (unsigned)e->exc);
            break;
        }
        e->t_action = now();
    }
    close(fd);
    modbus_set_socket(ctx, -1);
    modbus_free(ctx);
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
        int fd = modbus_tcp_accept(lctx, &s);
        if (fd == -1)
            continue;
        pthread_t th;
        if (pthread_create(&th, NULL, conn_thread, (void *)(long)fd) != 0)
            die("pthread_create");
        pthread_detach(th);
    }
    return NULL;
}

/* ---- clients ---- */

static modbus_t *client_connect(const char *src_ip)
{
    modbus_t *ctx = modbus_new_tcp(SERVER_IP, SERVER_PORT);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
    int one = 1;
    if (!ctx || fd == -1)
        die("client socket");
    inet_pton(AF_INET, src_ip, &src.sin_addr);
    inet_pton(AF_INET, SERVER_IP, &dst.sin_addr);
    dst.sin_port = htons(SERVER_PORT);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&src, sizeof src) == -1 ||
        connect(fd, (struct sockaddr *)&dst, sizeof dst) == -1)
        die("client connect");
    modbus_set_socket(ctx, fd);
    modbus_set_slave(ctx, 1);
    return ctx;
}

static void *client_thread(void *arg)
{
    char client = (char)(long)arg;
    const char *ip = client == 'P' ? "127.0.0.61" : client == 'H' ? "127.0.0.62" : "127.0.0.63";
    modbus_t *ctx = client_connect(ip);
    struct sockaddr_in me;
    socklen_t ml = sizeof me;
    getsockname(modbus_get_socket(ctx), (struct sockaddr *)&me, &ml);
    for (int i = 0; i < nev; i++) {
        struct ev *e = &evs[i];
        uint16_t regs[4] = { 0 };
        if (e->client != client)
            continue;
        sleep_until(t0 + e->t_sched);
        double to = e->client_timeout;
        modbus_set_response_timeout(ctx, (uint32_t)to, (uint32_t)((to - (double)(uint32_t)to) * 1e6 + 0.5));
        e->client_port = ntohs(me.sin_port);
        e->t_send = now();
        e->rc = e->fc == 4 ? modbus_read_input_registers(ctx, e->addr, e->count, regs)
                           : modbus_read_registers(ctx, e->addr, e->count, regs);
        e->err = e->rc == -1 ? errno : 0;
        e->t_done = now();
        e->value = regs[0];
        e->sent = true;
    }
    sleep_until(t0 + END_S);
    modbus_close(ctx);
    modbus_free(ctx);
    return NULL;
}

/* ---- checks and log ---- */

static int check(void)
{
    int bad = 0;
    for (int i = 0; i < nev; i++) {
        const struct ev *e = &evs[i];
        char why[160] = "";
        if (!e->sent)
            snprintf(why, sizeof why, "never sent");
        else if (e->t_send - (t0 + e->t_sched) > MAX_LATE_S)
            snprintf(why, sizeof why, "sent %.3f s late", e->t_send - (t0 + e->t_sched));
        else if (e->received != 1)
            snprintf(why, sizeof why, "server received it %d times", e->received);
        else if (e->kind == K_DROP && !(e->rc == -1 && e->err == ETIMEDOUT))
            snprintf(why, sizeof why, "client did not time out");
        else if (e->kind == K_EXC && !(e->rc == -1 && e->err == (int)MODBUS_ENOBASE + e->exc))
            snprintf(why, sizeof why, "client did not get exception %d", e->exc);
        else if ((e->kind == K_POLL || e->kind == K_HB || e->kind == K_SLOW) && e->rc == -1)
            snprintf(why, sizeof why, "client error %s", modbus_strerror(e->err));
        else if (e->kind == K_HB && e->value != e->served)
            snprintf(why, sizeof why, "heartbeat %d served, %d received", e->served, e->value);
        if (why[0]) {
            fprintf(stderr, "livegen: %c %s at %.2f: %s\n", e->client, kind_name[e->kind], e->t_sched, why);
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
    fprintf(f, "{\n \"t0\": %.6f,\n \"end_s\": %.3f,\n \"period_s\": %.3f,\n"
               " \"freeze_from\": %.6f,\n \"freeze_to\": %.6f,\n \"checks_failed\": %d,\n \"requests\": [\n",
            t0, END_S, PERIOD_S, t0 + FREEZE_FROM, t0 + FREEZE_TO, bad);
    for (int i = 0; i < nev; i++) {
        const struct ev *e = &evs[i];
        fprintf(f, "  {\"client\": \"%c\", \"kind\": \"%s\", \"fc\": %d, \"addr\": %d, \"delay\": %.3f,"
                   " \"exception_code\": %d, \"client_port\": %d, \"t_sched\": %.6f, \"t_send\": %.6f,"
                   " \"t_done\": %.6f, \"rc\": %d, \"t_recv\": %.6f, \"t_action\": %.6f, \"served\": %d}%s\n",
                e->client, kind_name[e->kind], e->fc, e->addr, e->delay, e->exc, e->client_port,
                t0 + e->t_sched, e->t_send, e->t_done, e->rc, e->t_recv, e->t_action, e->served,
                i + 1 < nev ? "," : "");
    }
    fprintf(f, " ]\n}\n");
    if (fclose(f) != 0)
        die(path);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: livegen T0_EPOCH LOG.json\n");
        return 2;
    }
    t0 = atof(argv[1]);
    if (t0 < now() + 0.2) {
        fprintf(stderr, "livegen: T0 must be at least 0.2 s ahead\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    build_schedule();
    mapping = modbus_mapping_new(16, 16, 256, HB_ADDR + 1);
    if (!mapping)
        die("modbus_mapping_new");
    modbus_t *lctx = modbus_new_tcp(SERVER_IP, SERVER_PORT);
    if (!lctx)
        die("modbus_new_tcp (server)");
    listen_fd = modbus_tcp_listen(lctx, 8);
    if (listen_fd == -1) {
        fprintf(stderr, "livegen: listen on %s:%d: %s\n", SERVER_IP, SERVER_PORT, modbus_strerror(errno));
        return 1;
    }
    pthread_t acc, th[3];
    pthread_create(&acc, NULL, accept_thread, lctx);
    const char names[3] = { 'P', 'H', 'F' };
    for (int c = 0; c < 3; c++)
        pthread_create(&th[c], NULL, client_thread, (void *)(long)names[c]);
    for (int c = 0; c < 3; c++)
        pthread_join(th[c], NULL);
    sleep_until(now() + 0.2);   /* the server threads see the FINs */
    stopping = 1;
    pthread_join(acc, NULL);
    int bad = check();
    write_log(argv[2], bad);
    close(listen_fd);
    modbus_free(lctx);
    if (bad) {
        fprintf(stderr, "livegen: %d request(s) did not go as scheduled\n", bad);
        return 1;
    }
    return 0;
}
