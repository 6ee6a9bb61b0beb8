/* netgen_net.c - the sockets, server and client threads of netgen
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Address and MBAP helpers; the servers (one listener thread per address,
 * one thread per accepted connection, which takes a pair's n-th request as
 * its n-th scripted request, replies, drops or resets as scripted and records
 * what it saw); and the client thread of each pair, which runs the pair's
 * steps at their times (connect, attempt, request, FIN, RST) and records
 * ports, tids, times and outcomes for the checks in netgen.c.
 */
#define _GNU_SOURCE
#include "netgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

void start_servers(void)
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

void *client_thread(void *arg)
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
