/* hbgen.c - heartbeat / counter polling traffic generator for modbus_an tests
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One process runs a real libmodbus TCP server on 127.0.0.1:502 (one thread
 * per accepted connection) and two libmodbus clients (one thread and one
 * connection each) that poll fixed register blocks at fixed periods. The
 * server computes every register value per request from the number of polls
 * of that group it has served so far (heartbeats that freeze and recover,
 * a 32-bit heartbeat whose low word wraps, a counter that resets, one that
 * wraps, a constant, a noisy value, a slow counter, and registers the client
 * writes), fills its mapping with them and answers with modbus_reply().
 *
 * Both sides log what they did: the client its port (getsockname), the
 * transaction id libmodbus must have used, its send time and the values it
 * received; the server the peer, transaction id, unit, function, range and
 * the values it served. The program checks that both sides agree and exits
 * non-zero otherwise. It writes a raw JSON log which make_hb_truth.py turns
 * into the ground truth.
 *
 * Usage: hbgen gen_heartbeat RAWLOG.json     (`hbgen --list` prints the scenario)
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

#define SCENARIO     "gen_heartbeat"
#define SERVER_IP    "127.0.0.1"
#define SERVER_PORT  502
#define MAX_EV       512
#define MAX_REGS     20
#define LEAD_IN_MS   500    /* connected -> t0 */
#define CLOSE_AT_MS  40500  /* clients close their connection at t0 + this */
#define MAX_LATE_S   0.05   /* a send later than this after its slot is an error */

enum group { G_A1, G_A2, G_B1, G_W, N_GROUPS };
static const char *const group_name[] = { "A1", "A2", "B1", "W" };

/* One request of a client's schedule and what both sides observed. */
struct ev {
    /* schedule */
    enum group group;
    int n;                  /* index within its group (send order) */
    long t_ms;              /* offset from t0 */
    int unit, fc, start, count;
    uint16_t wvals[MAX_REGS];   /* values written (fc 6/16) */
    /* client side */
    bool sent;
    char client_ip[INET_ADDRSTRLEN];
    int client_port;
    int tid;                /* the transaction id libmodbus uses for it */
    double t_send, t_done, late;
    int rc, err;
    uint16_t rvals[MAX_REGS];   /* values received (reads) */
    /* matched server record */
    int srv;
};

/* What the server saw and served, one per received request. */
struct srec {
    char peer_ip[INET_ADDRSTRLEN];
    int peer_port;
    int tid, unit, fc, start, count;
    enum group group;
    int n;                  /* polls of that group served before this one */
    uint16_t vals[MAX_REGS];    /* values served (reads) / written (writes) */
    double t_recv;
    int reply_rc;
    int matched;
};

struct client {
    const char *name;
    const char *bind_ip;    /* NULL: modbus_connect() picks the source */
    int unit;
    struct ev ev[MAX_EV];
    int nev;
    modbus_t *ctx;
};

static struct client clients[2] = {
    { .name = "A", .bind_ip = NULL, .unit = 1 },
    { .name = "B", .bind_ip = "127.0.0.2", .unit = 255 },
};
#define NCLIENTS 2

static struct srec srecs[2 * MAX_EV];
static int nsrec;
static int served[N_GROUPS];     /* server: polls served per group */
static uint16_t written[2];     /* server: last values written to 106, 107 */
static modbus_mapping_t *mapping;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int active_conns;
static volatile int stopping;
static pthread_barrier_t connected, go;
static struct timespec t0_mono;
static double t0_real;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until_ms(long ms)
{
    struct timespec ts = t0_mono;
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static void die(const char *what)
{
    fprintf(stderr, "hbgen: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* ---- schedule ---------------------------------------------------------- */

static void add(struct client *c, enum group g, long t_ms, int fc, int start, int count,
                const uint16_t *wv)
{
    if (c->nev >= MAX_EV) {
        fprintf(stderr, "hbgen: schedule too long\n");
        exit(2);
    }
    struct ev *e = &c->ev[c->nev++];
    memset(e, 0, sizeof *e);
    e->group = g;
    e->t_ms = t_ms;
    e->unit = c->unit;
    e->fc = fc;
    e->start = start;
    e->count = count;
    e->srv = -1;
    if (wv)
        memcpy(e->wvals, wv, sizeof(uint16_t) * (size_t)count);
}

static int ev_cmp(const void *a, const void *b)
{
    const struct ev *x = a, *y = b;
    if (x->t_ms != y->t_ms)
        return x->t_ms < y->t_ms ? -1 : 1;
    return (int)x->group - (int)y->group;   /* A1 before A2 before writes */
}

static void build_schedule(void)
{
    struct client *a = &clients[0], *b = &clients[1];
    static const uint16_t w11[] = { 11 }, w22[] = { 22 }, w3344[] = { 33, 44 };

    for (int k = 0; k < 200; k++)
        add(a, G_A1, 200L * k, 3, 100, 10, NULL);
    for (int j = 0; j < 80; j++)
        if (j < 24 || j > 35)
            add(a, G_A2, 100 + 500L * j, 4, 200, 2, NULL);
    add(a, G_W, 6050, 6, 106, 1, w11);
    add(a, G_W, 12050, 6, 106, 1, w22);
    add(a, G_W, 18050, 6, 106, 1, w22);
    add(a, G_W, 24050, 16, 106, 2, w3344);
    for (int i = 0; i < 160; i++)
        add(b, G_B1, 250L * i + 30, 3, 768, 20, NULL);

    for (int c = 0; c < NCLIENTS; c++) {
        int per[N_GROUPS] = { 0 };
        struct client *cl = &clients[c];
        qsort(cl->ev, (size_t)cl->nev, sizeof cl->ev[0], ev_cmp);
        for (int i = 0; i < cl->nev; i++) {
            cl->ev[i].n = per[cl->ev[i].group]++;
            /* libmodbus (TCP) starts at transaction id 1 and adds 1 per request */
            cl->ev[i].tid = (i + 1) & 0xFFFF;
        }
    }
}

/* ---- register values (server side) ------------------------------------- */

static bool in_range(int n, int lo, int hi) { return n >= lo && n <= hi; }

static bool frozen_100(int m) { return in_range(m, 50, 59) || in_range(m, 120, 121) || in_range(m, 190, 199); }
static bool frozen_101(int m) { return in_range(m, 80, 84); }
static bool frozen_200(int m) { return in_range(m, 40, 45); }
static bool frozen_768(int m) { return in_range(m, 40, 51); }

/* number of m in 1..n that are not frozen */
static long ticks(int n, bool (*frozen)(int))
{
    long t = 0;
    for (int m = 1; m <= n; m++)
        if (!frozen(m))
            t++;
    return t;
}

/* Fill the mapping for poll n of group g (lock held). */
static void fill(enum group g, int n)
{
    uint16_t *hr = mapping->tab_registers, *ir = mapping->tab_input_registers;
    switch (g) {
    case G_A1: {
        uint32_t hb32 = 0x0000FFF0u + (uint32_t)ticks(n, frozen_101);
        hr[100] = (uint16_t)(1000 + ticks(n, frozen_100));
        hr[101] = (uint16_t)(hb32 >> 16);
        hr[102] = (uint16_t)(hb32 & 0xFFFF);
        hr[103] = 7;
        hr[104] = (uint16_t)(n < 100 ? 500 + n : n - 100);
        hr[105] = (uint16_t)((65500 + n) % 65536);
        hr[106] = written[0];
        hr[107] = written[1];
        hr[108] = (uint16_t)(230 + ((n * 7919) % 61) - 30);
        hr[109] = (uint16_t)(n / 5);
        break;
    }
    case G_A2: {
        uint32_t v = 70000u + (uint32_t)ticks(n, frozen_200);
        ir[200] = (uint16_t)(v >> 16);
        ir[201] = (uint16_t)(v & 0xFFFF);
        break;
    }
    case G_B1:
        for (int r = 768; r <= 787; r++)
            hr[r] = 0;
        hr[768] = (uint16_t)ticks(n, frozen_768);
        hr[770] = (uint16_t)((3 * n) % 65536);
        break;
    default:
        break;
    }
}

/* Which group a request belongs to, or -1. */
static int classify(int fc, int start, int count)
{
    if (fc == 3 && start == 100 && count == 10)
        return G_A1;
    if (fc == 4 && start == 200 && count == 2)
        return G_A2;
    if (fc == 3 && start == 768 && count == 20)
        return G_B1;
    if ((fc == 6 && start == 106) || (fc == 16 && start == 106 && count == 2))
        return G_W;
    return -1;
}

/* ---- server ------------------------------------------------------------ */

struct conn {
    int fd;
    char peer_ip[INET_ADDRSTRLEN];
    int peer_port;
};

static void *conn_thread(void *arg)
{
    struct conn *cn = arg;
    modbus_t *ctx = modbus_new_tcp(SERVER_IP, SERVER_PORT);
    uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];

    if (!ctx)
        die("modbus_new_tcp (server connection)");
    modbus_set_socket(ctx, cn->fd);
    for (;;) {
        int len = modbus_receive(ctx, req);
        double t_recv = now();
        if (len == -1)
            break;              /* peer closed the connection */
        if (len < 12) {
            fprintf(stderr, "hbgen: short request (%d bytes) from port %d\n", len, cn->peer_port);
            exit(1);
        }
        int tid = req[0] << 8 | req[1];
        int unit = req[6];
        int fc = req[7];
        int start = req[8] << 8 | req[9];
        int count = fc == 6 ? 1 : req[10] << 8 | req[11];
        int g = classify(fc, start, count);
        if (g < 0) {
            fprintf(stderr, "hbgen: unexpected request fc %d start %d count %d from port %d\n",
                    fc, start, count, cn->peer_port);
            exit(1);
        }

        pthread_mutex_lock(&lock);
        if (nsrec >= (int)(sizeof srecs / sizeof srecs[0])) {
            fprintf(stderr, "hbgen: too many requests\n");
            exit(1);
        }
        struct srec *s = &srecs[nsrec++];
        memset(s, 0, sizeof *s);
        snprintf(s->peer_ip, sizeof s->peer_ip, "%s", cn->peer_ip);
        s->peer_port = cn->peer_port;
        s->tid = tid;
        s->unit = unit;
        s->fc = fc;
        s->start = start;
        s->count = count;
        s->group = (enum group)g;
        s->n = served[g];
        s->t_recv = t_recv;
        if (g != G_W) {
            fill((enum group)g, s->n);
            const uint16_t *tab = fc == 4 ? mapping->tab_input_registers : mapping->tab_registers;
            memcpy(s->vals, tab + start, sizeof(uint16_t) * (size_t)count);
        }
        s->reply_rc = modbus_reply(ctx, req, len, mapping);
        if (g == G_W) {
            /* modbus_reply stored the values in the mapping */
            memcpy(s->vals, mapping->tab_registers + start, sizeof(uint16_t) * (size_t)count);
            for (int r = start; r < start + count; r++)
                written[r - 106] = mapping->tab_registers[r];
        }
        served[g]++;
        pthread_mutex_unlock(&lock);
    }
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
        int fd = modbus_tcp_accept(lctx, &s);
        if (fd == -1)
            continue;
        struct conn *cn = calloc(1, sizeof *cn);
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        int one = 1;
        if (!cn)
            die("calloc");
        cn->fd = fd;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        getpeername(fd, (struct sockaddr *)&sa, &sl);
        inet_ntop(AF_INET, &sa.sin_addr, cn->peer_ip, sizeof cn->peer_ip);
        cn->peer_port = ntohs(sa.sin_port);
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

static int client_connect(struct client *cl)
{
    if (!cl->bind_ip)
        return modbus_connect(cl->ctx);
    /* A bound source address gives this client its own address. */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
    int one = 1;
    if (fd == -1)
        return -1;
    inet_pton(AF_INET, cl->bind_ip, &src.sin_addr);
    inet_pton(AF_INET, SERVER_IP, &dst.sin_addr);
    dst.sin_port = htons(SERVER_PORT);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&src, sizeof src) == -1 ||
        connect(fd, (struct sockaddr *)&dst, sizeof dst) == -1) {
        close(fd);
        return -1;
    }
    return modbus_set_socket(cl->ctx, fd);
}

static void *client_thread(void *arg)
{
    struct client *cl = arg;
    char ip[INET_ADDRSTRLEN] = "";
    int port = 0;

    cl->ctx = modbus_new_tcp(SERVER_IP, SERVER_PORT);
    if (!cl->ctx)
        die("modbus_new_tcp (client)");
    if (client_connect(cl) == -1)
        die("client connect");
    modbus_set_response_timeout(cl->ctx, 1, 0);
    modbus_set_slave(cl->ctx, cl->unit);
    {
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        getsockname(modbus_get_socket(cl->ctx), (struct sockaddr *)&sa, &sl);
        inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
        port = ntohs(sa.sin_port);
    }
    pthread_barrier_wait(&connected);
    pthread_barrier_wait(&go);

    for (int i = 0; i < cl->nev; i++) {
        struct ev *e = &cl->ev[i];
        sleep_until_ms(e->t_ms);
        snprintf(e->client_ip, sizeof e->client_ip, "%s", ip);
        e->client_port = port;
        e->t_send = now();
        e->late = e->t_send - (t0_real + (double)e->t_ms / 1000.0);
        switch (e->fc) {
        case 3:  e->rc = modbus_read_registers(cl->ctx, e->start, e->count, e->rvals); break;
        case 4:  e->rc = modbus_read_input_registers(cl->ctx, e->start, e->count, e->rvals); break;
        case 6:  e->rc = modbus_write_register(cl->ctx, e->start, e->wvals[0]); break;
        case 16: e->rc = modbus_write_registers(cl->ctx, e->start, e->count, e->wvals); break;
        default:
            fprintf(stderr, "hbgen: fc %d not supported\n", e->fc);
            exit(2);
        }
        e->err = e->rc == -1 ? errno : 0;
        e->t_done = now();
        e->sent = true;
    }
    sleep_until_ms(CLOSE_AT_MS);
    modbus_close(cl->ctx);
    modbus_free(cl->ctx);
    cl->ctx = NULL;
    return NULL;
}

/* ---- checks and log ---------------------------------------------------- */

static int check(void)
{
    int bad = 0;
    for (int c = 0; c < NCLIENTS; c++) {
        for (int i = 0; i < clients[c].nev; i++) {
            struct ev *e = &clients[c].ev[i];
            char why[200] = "";
            int found = 0;
            for (int s = 0; s < nsrec; s++)
                if (srecs[s].peer_port == e->client_port && srecs[s].tid == e->tid &&
                    !strcmp(srecs[s].peer_ip, e->client_ip)) {
                    found++;
                    e->srv = s;
                    srecs[s].matched++;
                }
            const struct srec *s = e->srv >= 0 ? &srecs[e->srv] : NULL;
            int want_rc = e->fc == 6 ? 1 : e->count;
            if (!e->sent)
                snprintf(why, sizeof why, "never sent");
            else if (e->rc != want_rc)
                snprintf(why, sizeof why, "client rc %d (%s), want %d", e->rc,
                         e->rc == -1 ? modbus_strerror(e->err) : "short", want_rc);
            else if (found != 1)
                snprintf(why, sizeof why, "server saw %s:%d tid %d %d times",
                         e->client_ip, e->client_port, e->tid, found);
            else if (s->unit != e->unit || s->fc != e->fc || s->start != e->start ||
                     s->count != e->count)
                snprintf(why, sizeof why, "server saw unit %d fc %d start %d count %d",
                         s->unit, s->fc, s->start, s->count);
            else if (s->group != e->group || s->n != e->n)
                snprintf(why, sizeof why, "server counted it as %s n %d",
                         group_name[s->group], s->n);
            else if (s->reply_rc == -1)
                snprintf(why, sizeof why, "server reply failed");
            else if (e->late > MAX_LATE_S)
                snprintf(why, sizeof why, "sent %.3f s after its slot", e->late);
            else {
                const uint16_t *want = e->group == G_W ? e->wvals : e->rvals;
                for (int r = 0; r < e->count; r++)
                    if (s->vals[r] != want[r]) {
                        snprintf(why, sizeof why, "register %d: server %u, client %u",
                                 e->start + r, s->vals[r], want[r]);
                        break;
                    }
            }
            if (why[0]) {
                fprintf(stderr, "hbgen: client %s %s n %d (t %.3f): %s\n", clients[c].name,
                        group_name[e->group], e->n, (double)e->t_ms / 1000.0, why);
                bad++;
            }
        }
    }
    for (int s = 0; s < nsrec; s++)
        if (srecs[s].matched != 1) {
            fprintf(stderr, "hbgen: server request %s:%d tid %d matched %d client requests\n",
                    srecs[s].peer_ip, srecs[s].peer_port, srecs[s].tid, srecs[s].matched);
            bad++;
        }
    return bad;
}

static void put_vals(FILE *f, const uint16_t *v, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%u", i ? ", " : "", v[i]);
    fputc(']', f);
}

static void write_log(const char *path, int bad)
{
    FILE *f = fopen(path, "w");
    int total = 0, done = 0;
    if (!f)
        die(path);
    for (int c = 0; c < NCLIENTS; c++)
        total += clients[c].nev;
    fprintf(f, "{\n \"scenario\": \"%s\",\n \"server_ip\": \"%s\",\n \"server_port\": %d,\n"
               " \"t0\": %.6f,\n \"checks_failed\": %d,\n \"requests\": [\n",
            SCENARIO, SERVER_IP, SERVER_PORT, t0_real, bad);
    for (int c = 0; c < NCLIENTS; c++) {
        for (int i = 0; i < clients[c].nev; i++) {
            const struct ev *e = &clients[c].ev[i];
            const struct srec *s = e->srv >= 0 ? &srecs[e->srv] : NULL;
            fprintf(f, "  {\"client\": \"%s\", \"group\": \"%s\", \"n\": %d, \"t_sched\": %.3f,"
                       " \"client_ip\": \"%s\", \"client_port\": %d, \"tid\": %d,"
                       " \"unit\": %d, \"fc\": %d, \"start\": %d, \"count\": %d,"
                       " \"t_send\": %.6f, \"t_done\": %.6f, \"late\": %.6f, \"client_rc\": %d,"
                       " \"written\": ",
                    clients[c].name, group_name[e->group], e->n, (double)e->t_ms / 1000.0,
                    e->client_ip, e->client_port, e->tid, e->unit, e->fc, e->start, e->count,
                    e->t_send, e->t_done, e->late, e->rc);
            if (e->group == G_W)
                put_vals(f, e->wvals, e->count);
            else
                fputs("null", f);
            fputs(", \"received\": ", f);
            if (e->group != G_W)
                put_vals(f, e->rvals, e->count);
            else
                fputs("null", f);
            if (s) {
                fprintf(f, ", \"server_peer\": \"%s:%d\", \"server_tid\": %d, \"server_n\": %d,"
                           " \"t_recv\": %.6f, \"served\": ",
                        s->peer_ip, s->peer_port, s->tid, s->n, s->t_recv);
                put_vals(f, s->vals, s->count);
            } else {
                fputs(", \"server_peer\": null, \"server_tid\": null, \"server_n\": null,"
                      " \"t_recv\": null, \"served\": null", f);
            }
            fprintf(f, "}%s\n", ++done < total ? "," : "");
        }
    }
    fprintf(f, " ]\n}\n");
    if (fclose(f) != 0)
        die(path);
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--list")) {
        printf("%s %d -\n", SCENARIO, SERVER_PORT);
        return 0;
    }
    if (argc != 3 || strcmp(argv[1], SCENARIO)) {
        fprintf(stderr, "usage: hbgen %s RAWLOG.json | hbgen --list\n", SCENARIO);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    build_schedule();

    mapping = modbus_mapping_new(0, 0, 800, 300);
    if (!mapping)
        die("modbus_mapping_new");

    modbus_t *lctx = modbus_new_tcp(SERVER_IP, SERVER_PORT);
    if (!lctx)
        die("modbus_new_tcp (server)");
    listen_fd = modbus_tcp_listen(lctx, 16);
    if (listen_fd == -1) {
        fprintf(stderr, "hbgen: listen on %s:%d: %s\n", SERVER_IP, SERVER_PORT,
                modbus_strerror(errno));
        return 1;
    }
    pthread_t acc;
    if (pthread_create(&acc, NULL, accept_thread, lctx) != 0)
        die("pthread_create");

    pthread_barrier_init(&connected, NULL, NCLIENTS + 1);
    pthread_barrier_init(&go, NULL, NCLIENTS + 1);
    pthread_t th[NCLIENTS];
    for (int c = 0; c < NCLIENTS; c++)
        if (pthread_create(&th[c], NULL, client_thread, &clients[c]) != 0)
            die("pthread_create");
    pthread_barrier_wait(&connected);
    /* t0: a short lead-in after the connects, the same instant on both clocks */
    {
        double m = mono() + LEAD_IN_MS / 1000.0, r = now() + LEAD_IN_MS / 1000.0;
        t0_mono.tv_sec = (time_t)m;
        t0_mono.tv_nsec = (long)((m - (double)(time_t)m) * 1e9);
        t0_real = r;
    }
    pthread_barrier_wait(&go);
    for (int c = 0; c < NCLIENTS; c++)
        pthread_join(th[c], NULL);

    /* Let the server threads see the clients' FINs and close too. */
    for (int i = 0; i < 40; i++) {
        pthread_mutex_lock(&lock);
        int n = active_conns;
        pthread_mutex_unlock(&lock);
        if (n == 0)
            break;
        usleep(50000);
    }
    int bad = check();
    write_log(argv[2], bad);
    double max_late = 0;
    for (int c = 0; c < NCLIENTS; c++)
        for (int i = 0; i < clients[c].nev; i++)
            if (clients[c].ev[i].late > max_late)
                max_late = clients[c].ev[i].late;
    fprintf(stderr, "hbgen: %d + %d requests, %d served, latest send %.1f ms after its slot\n",
            clients[0].nev, clients[1].nev, nsrec, max_late * 1000);
    if (bad) {
        fprintf(stderr, "hbgen: %s: %d request(s) did not go as scheduled\n", SCENARIO, bad);
        return 1;
    }
    stopping = 1;
    pthread_join(acc, NULL);
    close(listen_fd);
    modbus_free(lctx);
    modbus_mapping_free(mapping);
    return 0;
}
