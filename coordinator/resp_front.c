/*
 * resp_front.c - RESP client connections: accept, read, parse, queue, and
 * reply in order.
 *
 * RESP replies must leave in the order the commands came (pipelining), so
 * each command becomes a creq_t queued on its connection. A command
 * answered at once (PING, an error) still waits behind the commands that
 * wait for nodes; when the head of the queue is done, its reply moves to
 * the connection's output buffer, and so on down the queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "coord_int.h"

static void s_conn_flush_ready(conn_t *c)
{
    while (c->head != NULL && c->head->done) {
        creq_t *r = c->head;
        resp_buf_append(&c->out, r->out.data, r->out.len);
        c->head = r->next;
        if (c->head == NULL)
            c->tail = NULL;
        c->queued--;
        resp_buf_free(&r->out);
        free(r);
    }
}

/* Node results are copied into the reply, then freed. */
void resp_front_free_subs(creq_t *r)
{
    for (int i = 0; i < r->nsub; i++) {
        free(r->subs[i].data);
        r->subs[i].data = NULL;
    }
}

void resp_front_sub_done(coord_t *co, creq_t *r)
{
    if (--r->left > 0)
        return;
    if (r->conn == NULL) {
        /* Its connection closed: nobody waits for the answer. */
        resp_front_free_subs(r);
        resp_buf_free(&r->out);
        free(r);
        return;
    }
    command_reply(co, r);
    resp_front_free_subs(r);
    r->done = 1;
    s_conn_flush_ready(r->conn);
}

creq_t *resp_front_queue(conn_t *c, int kind, int nsub)
{
    creq_t *r = calloc(1, sizeof *r + (size_t)nsub * sizeof(sub_t));
    if (r == NULL)
        return NULL;
    r->conn = c;
    r->kind = kind;
    r->nsub = nsub;
    r->left = nsub;
    for (int i = 0; i < nsub; i++)
        r->subs[i].node = -1;
    if (c->tail != NULL)
        c->tail->next = r;
    else
        c->head = r;
    c->tail = r;
    c->queued++;
    return r;
}

/* A reply known now; still queued, behind commands waiting for nodes. */
resp_buf_t *resp_front_ready(conn_t *c)
{
    creq_t *r;
    if (c->head == NULL)
        return &c->out;
    r = resp_front_queue(c, K_READY, 0);
    if (r == NULL)
        return &c->out;
    r->done = 1;
    return &r->out;
}

void resp_front_close(coord_t *co, int k)
{
    conn_t *c = co->conns[k];
    for (creq_t *r = c->head, *next; r != NULL; r = next) {
        next = r->next;
        r->next = NULL;
        if (r->done) {
            resp_buf_free(&r->out);
            free(r);
        } else {
            r->conn = NULL; /* freed when its last node reply comes */
        }
    }
    close(c->fd);
    resp_buf_free(&c->in);
    resp_buf_free(&c->out);
    free(c);
    co->conns[k] = co->conns[--co->nconns];
}

void resp_front_accept(coord_t *co)
{
    for (;;) {
        int fd = accept(co->listen_fd, NULL, NULL);
        int one = 1;
        conn_t *c;
        if (fd < 0)
            return;
        if (co->nconns == CO_MAX_CONNS || (c = calloc(1, sizeof *c)) == NULL) {
            const char busy[] = "-ERR max number of clients reached\r\n";
            ssize_t w = write(fd, busy, sizeof busy - 1);
            (void)w;
            close(fd);
            continue;
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        c->sticky = -1;
        c->tok_node = -1;
        co->conns[co->nconns++] = c;
        co->st_conns++;
    }
}

/* Reads what the client sent and runs every complete command. Returns -1
 * when the connection is finished. */
int resp_front_read(coord_t *co, conn_t *c)
{
    char err[128];
    size_t at = 0;

    for (;;) {
        if (resp_buf_reserve(&c->in, CO_READ_CHUNK) < 0)
            return -1;
        ssize_t n = read(c->fd, c->in.data + c->in.len, CO_READ_CHUNK);
        if (n == 0)
            return -1;
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EINTR)
                continue;
            return -1;
        }
        c->in.len += (size_t)n;
        if ((size_t)n < CO_READ_CHUNK)
            break;
    }
    while (!c->closing && c->queued < CO_CONN_QUEUE_MAX) {
        long used = resp_parse(c->in.data + at, c->in.len - at, &co->cmd, err,
                               sizeof err);
        if (used == 0)
            break;
        if (used < 0) {
            co->st_errors++;
            resp_errorf(resp_front_ready(c), "ERR %s", err);
            c->closing = 1;
            break;
        }
        at += (size_t)used;
        if (co->cmd.argc > 0)
            command_run(co, c, &co->cmd);
    }
    resp_buf_consume(&c->in, at);
    return 0;
}

/* Sends what is ready. Returns -1 when the connection is finished. */
int resp_front_write(conn_t *c)
{
    while (c->out.len > 0) {
        ssize_t n = write(c->fd, c->out.data, c->out.len);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR)
                continue;
            return -1;
        }
        resp_buf_consume(&c->out, (size_t)n);
    }
    if (c->out.cap > 1024 * 1024) {
        resp_buf_free(&c->out); /* give back a burst's memory */
    }
    return c->closing && c->head == NULL ? -1 : 0;
}

int resp_front_listen(const char *hostport, char *err, size_t errlen)
{
    char host[CONFIG_ENDPOINT_MAX];
    const char *colon = strrchr(hostport, ':');
    struct addrinfo hints = {0}, *res = NULL;
    int fd = -1, one = 1, rc;

    snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "resp %s: %s", hostport, gai_strerror(rc));
        return -1;
    }
    fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 511) < 0) {
        snprintf(err, errlen, "resp %s: %s", hostport, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}
