/*
 * resp_front.c - RESP client connections: accept, read, parse, queue, and
 * reply in order, with back-pressure instead of limits that stall.
 *
 * A connection's life, and the rules that make it behave like Redis:
 *
 *   1. Read: everything the client sent, up to CO_INPUT_HIGH bytes ahead
 *      of the parser (a command longer than that is read whole, up to
 *      CO_QUERY_MAX). A read of 0 means the client shut its sending side:
 *      it still gets every reply before the connection closes.
 *   2. Parse and run every complete command at once (commands.c). Replies
 *      must leave in the order the commands came, so each command that
 *      waits for nodes is a creq_t queued on the connection; a reply known
 *      at once waits behind them.
 *   3. When a command cannot run yet it is parked, with the input buffer
 *      left as it is: a read behind this connection's unanswered writes
 *      (read-your-writes), or a command when every slot is in flight. So
 *      are parsing and reading when CO_CONN_QUEUE_MAX commands wait or
 *      CO_OUTPUT_HIGH reply bytes are unsent. Each stop has a wake-up: an
 *      answered write, a freed slot, a reply sent. The kernel's socket
 *      buffer holds the rest, and TCP slows the client: a pipeline of any
 *      length flows through, never stalls.
 *   4. Replies collect in the connection's output buffer and go out in one
 *      write per loop pass (coordinator.c), however many commands the
 *      pass answered.
 *   5. The client cap: max_clients connections are served; CO_ADMIN_RESERVE
 *      more are accepted for INFO, PING and the like only, so an operator
 *      can always look; past that, "-ERR max number of clients reached"
 *      and close, like Redis. Clients idle for idle_timeout_s are closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "coord_int.h"

/* ---- Loop lists ------------------------------------------------------ */

/* Puts c on a loop list (co->run or co->flush) unless it is on it. */
static void s_push(conn_t **list, conn_t *c, int *on, conn_t **next)
{
    if (c->fd < 0 || *on)
        return;
    *on = 1;
    *next = *list;
    *list = c;
}

/* c has work to do that needs no new bytes: run it this pass. */
static void s_wake(coord_t *co, conn_t *c)
{
    s_push(&co->run, c, &c->on_run, &c->next_run);
}

/* c has replies to send (or may be finished): look at it this pass. */
static void s_flush_later(coord_t *co, conn_t *c)
{
    s_push(&co->flush, c, &c->on_flush, &c->next_flush);
}

static void s_wait_slots(coord_t *co, conn_t *c)
{
    if (c->wait_prev != NULL || co->slot_wait == c)
        return;
    c->wait_next = co->slot_wait;
    if (co->slot_wait != NULL)
        co->slot_wait->wait_prev = c;
    co->slot_wait = c;
}

static void s_unwait_slots(coord_t *co, conn_t *c)
{
    if (c->wait_prev != NULL)
        c->wait_prev->wait_next = c->wait_next;
    else if (co->slot_wait == c)
        co->slot_wait = c->wait_next;
    else
        return; /* not waiting */
    if (c->wait_next != NULL)
        c->wait_next->wait_prev = c->wait_prev;
    c->wait_prev = c->wait_next = NULL;
}

void resp_front_slots_freed(coord_t *co)
{
    while (co->slot_wait != NULL) {
        conn_t *c = co->slot_wait;
        s_unwait_slots(co, c);
        s_wake(co, c);
    }
}

/* ---- The reply queue ------------------------------------------------- */

void resp_front_creq_free(creq_t *r)
{
    for (int i = 0; i < r->nsub; i++)
        free(r->subs[i].data);
    resp_buf_free(&r->out);
    free(r);
}

/* Moves the replies at the head of c's queue that are done to its output. */
static void s_flush_ready(coord_t *co, conn_t *c)
{
    int popped = 0;

    while (c->head != NULL && c->head->done) {
        creq_t *r = c->head;
        resp_buf_append(&c->out, r->out.data, r->out.len);
        c->head = r->next;
        if (c->head == NULL)
            c->tail = NULL;
        c->queued--;
        resp_front_creq_free(r);
        popped = 1;
    }
    s_flush_later(co, c);
    /* Room in the queue: parsing may go on where it stopped. */
    if (popped && (c->in.len > c->in_at || c->parked))
        s_wake(co, c);
}

void resp_front_sub_done(coord_t *co, creq_t *r, int was_write)
{
    conn_t *c = r->conn;

    if (c != NULL && was_write && --c->writes == 0 && c->parked == PARK_WRITES)
        s_wake(co, c); /* the read waiting behind this write may go */
    if (--r->left > 0)
        return;
    if (c == NULL) {
        /* Its connection closed: nobody waits for the answer. */
        resp_front_creq_free(r);
        return;
    }
    /* At the head of the queue the reply goes straight to the output. */
    command_reply(co, r, r == c->head ? &c->out : &r->out);
    for (int i = 0; i < r->nsub; i++) {
        free(r->subs[i].data); /* copied into the reply */
        r->subs[i].data = NULL;
    }
    r->done = 1;
    s_flush_ready(co, c);
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

resp_buf_t *resp_front_ready(conn_t *c)
{
    creq_t *r;
    if (c->head == NULL)
        return &c->out;
    if (c->tail->kind == K_READY)
        return &c->tail->out; /* several replies known at once share one */
    r = resp_front_queue(c, K_READY, 0);
    if (r == NULL)
        return &c->out;
    r->done = 1;
    return &r->out;
}

/* ---- Opening and closing --------------------------------------------- */

/* Frees what a closed connection still holds; its creqs that wait for
 * nodes stay until their replies come (or its sends are cancelled). */
static void s_close(coord_t *co, conn_t *c)
{
    if (c->fd < 0)
        return;
    if (c->partial != NULL) {
        /* Subs never sent will never be answered. */
        c->partial->left -= c->partial->nsub - c->partial->sent;
        if (c->partial->left == 0)
            c->partial->done = 1; /* freed with the done ones below */
        c->partial = NULL;
    }
    for (creq_t *r = c->head, *next; r != NULL; r = next) {
        next = r->next;
        r->next = NULL;
        if (r->done)
            resp_front_creq_free(r);
        else
            r->conn = NULL; /* freed when its last node reply comes */
    }
    c->head = c->tail = NULL;
    epoll_ctl(co->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    s_unwait_slots(co, c);
    co->conns[c->index] = co->conns[--co->nconns];
    co->conns[c->index]->index = c->index;
    resp_buf_free(&c->in);
    resp_buf_free(&c->out);
    resp_cmd_free(&c->cmd);
    /* Freed at the end of the pass: the loop's lists may still name it. */
    c->next_dead = co->dead;
    co->dead = c;
}

/* Frees the connections closed in this pass that no list names. */
static void s_reap(coord_t *co, int all)
{
    conn_t **p = &co->dead;
    while (*p != NULL) {
        conn_t *c = *p;
        if (!all && (c->on_run || c->on_flush)) {
            p = &c->next_dead;
            continue;
        }
        *p = c->next_dead;
        free(c);
    }
}

void resp_front_close_all(coord_t *co)
{
    while (co->nconns > 0)
        s_close(co, co->conns[co->nconns - 1]);
    s_reap(co, 1);
}

static void s_refuse(coord_t *co, int fd)
{
    static const char busy[] = "-ERR max number of clients reached\r\n";
    ssize_t w = write(fd, busy, sizeof busy - 1);
    (void)w;
    close(fd);
    co->st_rejected++;
}

static void s_open(coord_t *co, int fd)
{
    struct epoll_event ev = {.events = EPOLLIN};
    int one = 1;
    conn_t *c;

    if (co->nconns >= co->max_clients + CO_ADMIN_RESERVE ||
        (c = calloc(1, sizeof *c)) == NULL) {
        s_refuse(co, fd);
        return;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->ev = EV_CONN;
    c->fd = fd;
    c->events = EPOLLIN;
    c->sticky = -1;
    c->tok_node = -1;
    c->active_ms = co->now_ms;
    c->admin_only = co->nconns >= co->max_clients;
    c->authed = co->cfg.coord.requirepass[0] == '\0';
    resp_cmd_init(&c->cmd);
    ev.data.ptr = c;
    if (epoll_ctl(co->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        free(c);
        s_refuse(co, fd);
        return;
    }
    c->index = co->nconns;
    co->conns[co->nconns++] = c;
    co->st_conns++;
}

void resp_front_accept(coord_t *co)
{
    for (;;) {
        int fd = accept(co->listen_fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            /* Out of descriptors: give up the spare one to take this
             * client, tell it why and close it, rather than leave it in
             * the backlog and spin on a listen socket that stays ready. */
            if ((errno == EMFILE || errno == ENFILE) && co->spare_fd >= 0) {
                close(co->spare_fd);
                co->spare_fd = -1;
                continue;
            }
            return;
        }
        if (co->spare_fd < 0) {
            s_refuse(co, fd);
            co->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
            continue;
        }
        s_open(co, fd);
    }
}

/* ---- Reading and running --------------------------------------------- */

/* Whether to read from c now: not while a command is parked (its
 * arguments point into the input buffer) or parsing has stopped. */
static int s_wants_input(const conn_t *c)
{
    if (c->fd < 0 || c->closing || c->eof || c->parked != PARK_NONE)
        return 0;
    if (c->queued >= CO_CONN_QUEUE_MAX ||
        c->out.len - c->out_at >= CO_OUTPUT_HIGH)
        return 0;
    return c->in.len - c->in_at < CO_INPUT_HIGH || c->starved;
}

/* Registers the events c waits for now, if they changed. */
static void s_interest(coord_t *co, conn_t *c)
{
    struct epoll_event ev;
    int want =
        (s_wants_input(c) ? EPOLLIN : 0) | (c->out_blocked ? EPOLLOUT : 0);
    if (c->fd < 0 || want == c->events)
        return;
    ev.events = (uint32_t)want;
    ev.data.ptr = c;
    epoll_ctl(co->ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->events = want;
}

static void s_park(coord_t *co, conn_t *c, int why, size_t len)
{
    c->parked = why;
    c->cmd_len = len;
    if (why == PARK_SLOTS)
        s_wait_slots(co, c);
}

/* Parses and runs the complete commands c has buffered, until one parks,
 * parsing must pause, or only part of a command is left. */
static void s_parse_all(coord_t *co, conn_t *c)
{
    char err[128];

    while (!c->closing) {
        if (c->queued >= CO_CONN_QUEUE_MAX ||
            c->out.len - c->out_at >= CO_OUTPUT_HIGH)
            return; /* woken when replies leave */
        long used = resp_parse(c->in.data + c->in_at, c->in.len - c->in_at,
                               &c->cmd, err, sizeof err);
        if (used == 0) {
            c->starved = 1;
            return;
        }
        if (used < 0) {
            co->st_errors++;
            resp_errorf(resp_front_ready(c), "ERR %s",
                        used == -ENOMEM ? "out of memory" : err);
            c->closing = 1; /* the stream cannot be resynchronised */
            return;
        }
        if (c->cmd.argc == 0) {
            if (c->cmd.toobig > 0)
                command_toobig(co, c, &c->cmd);
            c->in_at += (size_t)used;
            continue;
        }
        int rc = command_run(co, c, &c->cmd);
        if (rc != CMD_DONE) {
            s_park(co, c, rc, (size_t)used);
            return;
        }
        c->in_at += (size_t)used;
    }
}

static void s_run(coord_t *co, conn_t *c)
{
    if (c->fd < 0)
        return;
    if (c->parked != PARK_NONE) {
        if (c->parked == PARK_WRITES && c->writes > 0)
            goto out;
        int rc = command_run(co, c, &c->cmd);
        if (rc != CMD_DONE) {
            s_park(co, c, rc, c->cmd_len);
            goto out;
        }
        c->parked = PARK_NONE;
        c->in_at += c->cmd_len;
    }
    c->starved = 0;
    s_parse_all(co, c);
    if (c->parked == PARK_NONE && c->in_at > 0) {
        /* Drop what was parsed, once per pass rather than per command. */
        resp_buf_consume(&c->in, c->in_at);
        c->in_at = 0;
        if (c->in.len == 0 && c->in.cap > 4 * CO_READ_CHUNK)
            resp_buf_free(&c->in); /* give back a burst's memory */
    }
    if (c->parked == PARK_NONE && c->cmd.want == 0 && c->cmd.cap > 4096 &&
        !c->cmd.dropping)
        resp_cmd_free(&c->cmd); /* the arrays of a huge command */
out:
    s_flush_later(co, c);
    s_interest(co, c);
}

void resp_front_run(coord_t *co)
{
    while (co->run != NULL) {
        conn_t *c = co->run;
        co->run = c->next_run;
        c->on_run = 0;
        s_run(co, c);
    }
}

static void s_read(coord_t *co, conn_t *c)
{
    int got = 0;

    while (s_wants_input(c)) {
        if (resp_buf_reserve(&c->in, CO_READ_CHUNK) < 0) {
            s_close(co, c);
            return;
        }
        ssize_t n = read(c->fd, c->in.data + c->in.len, CO_READ_CHUNK);
        if (n > 0) {
            c->in.len += (size_t)n;
            c->starved = 0; /* new bytes: parse before reading more */
            got = 1;
            if (n < CO_READ_CHUNK)
                break;
            continue;
        }
        if (n == 0) {
            c->eof = 1;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            s_close(co, c);
            return;
        }
        break;
    }
    if (got)
        c->active_ms = co->now_ms;
    if (c->in.len - c->in_at > CO_QUERY_MAX) {
        co->st_errors++;
        resp_errorf(resp_front_ready(c),
                    "ERR Protocol error: a command longer than %d bytes",
                    CO_QUERY_MAX);
        c->closing = 1;
        c->in.len = c->in_at; /* drop it: it will never be parsed */
    }
    s_run(co, c);
}

/* ---- Writing --------------------------------------------------------- */

/* Answered and sent all it will: QUIT, a protocol error, or a client
 * that shut its side and has nothing more to be answered. */
static int s_finished(const conn_t *c)
{
    if (c->head != NULL || c->parked != PARK_NONE || c->out.len > c->out_at)
        return 0;
    if (c->closing)
        return 1;
    return c->eof && (c->starved || c->in.len == c->in_at);
}

static void s_write(coord_t *co, conn_t *c)
{
    int was_high = c->out.len - c->out_at >= CO_OUTPUT_HIGH;

    c->out_blocked = 0;
    while (c->out.len > c->out_at) {
        ssize_t n =
            write(c->fd, c->out.data + c->out_at, c->out.len - c->out_at);
        if (n > 0) {
            c->out_at += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->out_blocked = 1;
            break;
        }
        s_close(co, c); /* the client is gone */
        return;
    }
    if (c->out_at == c->out.len) {
        c->out.len = c->out_at = 0;
        if (c->out.cap > 4 * CO_READ_CHUNK)
            resp_buf_free(&c->out);
    }
    if (s_finished(c)) {
        s_close(co, c);
        return;
    }
    if (was_high && c->out.len - c->out_at < CO_OUTPUT_HIGH)
        s_wake(co, c);
    s_interest(co, c);
}

void resp_front_flush(coord_t *co)
{
    while (co->flush != NULL) {
        conn_t *c = co->flush;
        co->flush = c->next_flush;
        c->on_flush = 0;
        if (c->fd >= 0)
            s_write(co, c);
    }
    s_reap(co, 0);
}

void resp_front_event(coord_t *co, conn_t *c, uint32_t events)
{
    if (c->fd < 0)
        return;
    if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
        s_close(co, c); /* reset, or both directions shut */
        return;
    }
    if (events & EPOLLIN)
        s_read(co, c);
    if ((events & EPOLLOUT) && c->fd >= 0)
        s_flush_later(co, c);
}

void resp_front_idle(coord_t *co)
{
    int64_t limit = tp_now_ms() - (int64_t)co->cfg.coord.idle_timeout_s * 1000;

    if (co->cfg.coord.idle_timeout_s == 0)
        return;
    /* Backwards: closing conns[k] moves the last one, seen already, in. */
    for (int k = co->nconns - 1; k >= 0; k--) {
        conn_t *c = co->conns[k];
        if (c->active_ms < limit && c->head == NULL && c->parked == PARK_NONE &&
            c->out.len == c->out_at) {
            co->st_idle_closed++;
            s_close(co, c);
        }
    }
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
    fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                res->ai_protocol);
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
    return fd;
}
