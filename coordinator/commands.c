/*
 * commands.c - what each RESP command becomes, and its reply.
 *
 * GET, SET, DEL, EXISTS, MGET and MSET become node requests, one per key
 * (a "sub" of the command), sent through pool.c; the reply is built once
 * every sub has answered (command_reply). PING, ECHO, QUIT, SELECT 0,
 * COMMAND, CONFIG GET and INFO are answered here at once. Commands that
 * last-writer-wins replication cannot honour (read-modify-write, expiry,
 * transactions) are refused with the reason, so a student learns why.
 * Key and value limits are checked here, where an error keeps the
 * connection; the RESP codec only enforces the protocol's own limits.
 *
 * Read-your-writes (read_route = ryw, the default): a read waits, parked
 * on its connection, until that connection's earlier writes are
 * answered; then their commit tokens route it to a node that holds them.
 * So `SET k v` then `GET k` in one packet reads v, as from one Redis.
 *
 * With `requirepass` set, a connection must AUTH first, as with Redis's
 * requirepass: until then every command but AUTH and QUIT is answered
 * NOAUTH. The password is compared in constant time (s_auth).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "coord_int.h"
#include "log.h"

/* The RESP error for a failed sub. */
static void s_sub_error(coord_t *co, resp_buf_t *b, const sub_t *sub,
                        int is_write)
{
    const char *name = sub->node >= 0 ? co->nodes[sub->node].cfg->name : "-";
    co->st_errors++;
    if (sub->state == SUB_TIMEOUT ||
        (sub->state == SUB_ERROR && sub->code == -MM_ERR_TIMEOUT)) {
        if (is_write)
            resp_errorf(b,
                        "ERR TIMEOUT outcome unknown: %.*s (node %s; the "
                        "write may or may not have happened)",
                        (int)sub->len, (const char *)sub->data, name);
        else
            resp_errorf(b, "ERR TIMEOUT %.*s (node %s)", (int)sub->len,
                        (const char *)sub->data, name);
        return;
    }
    resp_errorf(b, "ERR %.*s", (int)sub->len,
                sub->data ? (const char *)sub->data : "failed");
}

/* Builds the RESP reply of a command whose subs have all answered. */
void command_reply(coord_t *co, creq_t *r, resp_buf_t *b)
{
    int is_write = r->kind == K_SET || r->kind == K_DEL || r->kind == K_MSET;
    long long count = 0;

    for (int i = 0; i < r->nsub; i++) {
        sub_t *sub = &r->subs[i];
        if (sub->state == SUB_ERROR || sub->state == SUB_TIMEOUT) {
            s_sub_error(co, b, sub, is_write);
            return;
        }
    }
    switch (r->kind) {
    case K_GET:
        if (r->subs[0].state == SUB_VALUE)
            resp_bulk(b, r->subs[0].data, r->subs[0].len);
        else
            resp_null(b);
        break;
    case K_SET:
    case K_MSET:
        resp_simple(b, "OK");
        break;
    case K_DEL:
        /* A delete that overwrote something counts (see docs). */
        for (int i = 0; i < r->nsub; i++)
            count += r->subs[i].prev_stamp != 0;
        resp_integer(b, count);
        break;
    case K_EXISTS:
        for (int i = 0; i < r->nsub; i++)
            count += r->subs[i].state == SUB_VALUE;
        resp_integer(b, count);
        break;
    case K_MGET:
        resp_array(b, r->nsub);
        for (int i = 0; i < r->nsub; i++) {
            if (r->subs[i].state == SUB_VALUE)
                resp_bulk(b, r->subs[i].data, r->subs[i].len);
            else
                resp_null(b);
        }
        break;
    }
}

/* Commands last-writer-wins cannot honour, and why. */
static const struct {
    const char *name;
    const char *why;
} s_refused[] = {
    {"INCR", "rmw"},     {"DECR", "rmw"},        {"INCRBY", "rmw"},
    {"DECRBY", "rmw"},   {"INCRBYFLOAT", "rmw"}, {"APPEND", "rmw"},
    {"SETRANGE", "rmw"}, {"GETSET", "rmw"},      {"GETDEL", "rmw"},
    {"SETNX", "rmw"},    {"MSETNX", "rmw"},      {"GETEX", "ttl"},
    {"SETEX", "ttl"},    {"PSETEX", "ttl"},      {"EXPIRE", "ttl"},
    {"PEXPIRE", "ttl"},  {"EXPIREAT", "ttl"},    {"PEXPIREAT", "ttl"},
    {"TTL", "ttl"},      {"PTTL", "ttl"},        {"PERSIST", "ttl"},
    {"MULTI", "tx"},     {"EXEC", "tx"},         {"WATCH", "tx"},
    {"UNWATCH", "tx"},   {"DISCARD", "tx"},
};

static const char *s_why(const char *kind)
{
    if (strcmp(kind, "rmw") == 0)
        return "mmlab replicates values with last-writer-wins, which cannot "
               "do read-modify-write safely";
    if (strcmp(kind, "ttl") == 0)
        return "mmlab values do not expire";
    return "mmlab has no transactions: last-writer-wins replication cannot "
           "make several writes atomic or conditional";
}

static int s_key_ok(coord_t *co, conn_t *c, const resp_cmd_t *cmd, int from,
                    int step)
{
    for (int i = from; i < cmd->argc; i += step) {
        if (cmd->argl[i] == 0 || cmd->argl[i] > MM_KEY_MAX) {
            co->st_errors++;
            resp_errorf(resp_front_ready(c),
                        "ERR key of %zu bytes: keys must be 1 to %d bytes",
                        cmd->argl[i], MM_KEY_MAX);
            return 0;
        }
    }
    return 1;
}

/* Values may be empty; the longest is max_value (nodes take MM_VALUE_MAX). */
static int s_value_ok(coord_t *co, conn_t *c, const resp_cmd_t *cmd, int from,
                      int step)
{
    for (int i = from; i < cmd->argc; i += step) {
        if (cmd->argl[i] > (size_t)co->cfg.coord.max_value) {
            co->st_errors++;
            resp_errorf(resp_front_ready(c),
                        "ERR value of %zu bytes: at most %d", cmd->argl[i],
                        co->cfg.coord.max_value);
            return 0;
        }
    }
    return 1;
}

static int s_arity(coord_t *co, conn_t *c, const char *name)
{
    co->st_errors++;
    resp_errorf(resp_front_ready(c),
                "ERR wrong number of arguments for '%s' command", name);
    return CMD_DONE;
}

/*
 * Sends r's subs not sent yet, one node request each. When the slots run
 * out, the connection parks with r half sent and comes back here when
 * slots are freed (c->partial). r may be answered and freed by the time
 * its last request returns, so r is not touched after that.
 */
static int s_issue(coord_t *co, conn_t *c, creq_t *r, const resp_cmd_t *cmd)
{
    const uint8_t *const *v = cmd->argv;
    const size_t *l = cmd->argl;
    int n = r->nsub, kind = r->kind;

    for (int i = r->sent; i < n; i++) {
        int rc;
        if (co->live >= CO_INFLIGHT)
            goto park;
        r->sent = i + 1;
        if (kind == K_SET || kind == K_MSET)
            rc = pool_request(co, WIRE_PUT, v[2 * i + 1], l[2 * i + 1],
                              v[2 * i + 2], l[2 * i + 2], r, i, c);
        else
            rc = pool_request(co, kind == K_DEL ? WIRE_DEL : WIRE_GET, v[i + 1],
                              l[i + 1], NULL, 0, r, i, c);
        if (rc < 0) {
            r->sent = i;
            goto park;
        }
    }
    c->partial = NULL;
    return CMD_DONE;
park:
    c->partial = r;
    return PARK_SLOTS;
}

/* Queues a command of nsub node requests and sends them, or parks it. */
static int s_start(coord_t *co, conn_t *c, const resp_cmd_t *cmd, int kind,
                   int nsub)
{
    int read = kind == K_GET || kind == K_MGET || kind == K_EXISTS;
    creq_t *r;

    if (read && co->cfg.coord.read_route == READ_ROUTE_RYW && c->writes > 0)
        return PARK_WRITES;
    if (co->live >= CO_INFLIGHT)
        return PARK_SLOTS;
    r = resp_front_queue(c, kind, nsub);
    if (r == NULL) {
        resp_error(resp_front_ready(c), "ERR out of memory");
        return CMD_DONE;
    }
    return s_issue(co, c, r, cmd);
}

static int s_get(coord_t *co, conn_t *c, const resp_cmd_t *cmd,
                 const char *name)
{
    if (cmd->argc != 2)
        return s_arity(co, c, name);
    if (!s_key_ok(co, c, cmd, 1, 1))
        return CMD_DONE;
    return s_start(co, c, cmd, K_GET, 1);
}

static int s_set(coord_t *co, conn_t *c, const resp_cmd_t *cmd,
                 const char *name)
{
    if (cmd->argc > 3) {
        co->st_errors++;
        resp_error(resp_front_ready(c),
                   "ERR SET options (EX, PX, NX, XX, GET, KEEPTTL) are not "
                   "supported: mmlab values do not expire and "
                   "last-writer-wins cannot do conditional writes");
        return CMD_DONE;
    }
    if (cmd->argc != 3)
        return s_arity(co, c, name);
    if (!s_key_ok(co, c, cmd, 1, 2) || !s_value_ok(co, c, cmd, 2, 2))
        return CMD_DONE;
    return s_start(co, c, cmd, K_SET, 1);
}

static int s_mset(coord_t *co, conn_t *c, const resp_cmd_t *cmd,
                  const char *name)
{
    if (cmd->argc < 3 || cmd->argc % 2 == 0)
        return s_arity(co, c, name);
    if (!s_key_ok(co, c, cmd, 1, 2) || !s_value_ok(co, c, cmd, 2, 2))
        return CMD_DONE;
    return s_start(co, c, cmd, K_MSET, cmd->argc / 2);
}

/* DEL, UNLINK, EXISTS and MGET: one node request per key. */
static int s_keys(coord_t *co, conn_t *c, const resp_cmd_t *cmd,
                  const char *name)
{
    int kind = name[0] == 'E' ? K_EXISTS : name[0] == 'M' ? K_MGET : K_DEL;
    if (cmd->argc < 2)
        return s_arity(co, c, name);
    if (!s_key_ok(co, c, cmd, 1, 1))
        return CMD_DONE;
    return s_start(co, c, cmd, kind, cmd->argc - 1);
}

static int s_ping(coord_t *co, conn_t *c, const resp_cmd_t *cmd,
                  const char *name)
{
    if (cmd->argc > 2)
        return s_arity(co, c, name);
    if (cmd->argc == 2)
        resp_bulk(resp_front_ready(c), cmd->argv[1], cmd->argl[1]);
    else
        resp_simple(resp_front_ready(c), "PONG");
    return CMD_DONE;
}

static int s_echo(coord_t *co, conn_t *c, const resp_cmd_t *cmd,
                  const char *name)
{
    if (cmd->argc != 2)
        return s_arity(co, c, name);
    resp_bulk(resp_front_ready(c), cmd->argv[1], cmd->argl[1]);
    return CMD_DONE;
}

static int s_quit(coord_t *co, conn_t *c, const resp_cmd_t *cmd,
                  const char *name)
{
    (void)co, (void)cmd, (void)name;
    resp_simple(resp_front_ready(c), "OK");
    c->closing = 1;
    return CMD_DONE;
}

static int s_select(coord_t *co, conn_t *c, const resp_cmd_t *cmd,
                    const char *name)
{
    if (cmd->argc != 2)
        return s_arity(co, c, name);
    if (cmd->argl[1] == 1 && cmd->argv[1][0] == '0')
        resp_simple(resp_front_ready(c), "OK");
    else
        resp_error(resp_front_ready(c), "ERR mmlab has one database: SELECT 0");
    return CMD_DONE;
}

static int s_command(coord_t *co, conn_t *c, const resp_cmd_t *cmd,
                     const char *name)
{
    (void)co, (void)cmd, (void)name;
    resp_array(resp_front_ready(c), 0);
    return CMD_DONE;
}

static int s_config(coord_t *co, conn_t *c, const resp_cmd_t *cmd,
                    const char *name)
{
    resp_buf_t *b = resp_front_ready(c);
    (void)co, (void)name;
    if (cmd->argc >= 3 && cmd->argl[1] == 3 &&
        strncasecmp((const char *)cmd->argv[1], "GET", 3) == 0) {
        /* Harmless: every asked parameter, with an empty value. */
        resp_array(b, 2 * (cmd->argc - 2));
        for (int i = 2; i < cmd->argc; i++) {
            resp_bulk(b, cmd->argv[i], cmd->argl[i]);
            resp_bulk(b, "", 0);
        }
    } else {
        resp_error(b, "ERR only CONFIG GET is answered (with empty values): "
                      "mmlab is configured by its cluster file");
    }
    return CMD_DONE;
}

static int s_info(coord_t *co, conn_t *c, const resp_cmd_t *cmd,
                  const char *name)
{
    char sec[32] = "";
    resp_buf_t text;
    (void)name;
    if (cmd->argc >= 2) {
        size_t l =
            cmd->argl[1] < sizeof sec - 1 ? cmd->argl[1] : sizeof sec - 1;
        memcpy(sec, cmd->argv[1], l);
        sec[l] = '\0';
    }
    resp_buf_init(&text);
    command_info(co, &text, sec);
    resp_bulk(resp_front_ready(c), text.data, text.len);
    resp_buf_free(&text);
    return CMD_DONE;
}

/*
 * AUTH [default] PASSWORD. Both passwords are hashed (BLAKE2b) and the
 * hashes compared with sodium_memcmp(), so the time taken says nothing
 * about how much of a guess was right, whatever the lengths. A wrong
 * password is logged (rate-limited: a guessing client must not fill the
 * disk) and leaves the connection as it was.
 */
static int s_auth(coord_t *co, conn_t *c, const resp_cmd_t *cmd,
                  const char *name)
{
    static log_limit_t wrong_log;
    const char *want = co->cfg.coord.requirepass;
    uint8_t a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];
    int last = cmd->argc - 1;

    if (cmd->argc != 2 && cmd->argc != 3)
        return s_arity(co, c, name);
    if (want[0] == '\0') {
        resp_error(resp_front_ready(c),
                   "ERR AUTH <password> called without any password "
                   "configured for the default user. Are you sure your "
                   "configuration is correct?");
        return CMD_DONE;
    }
    crypto_generichash(a, sizeof a, cmd->argv[last], cmd->argl[last], NULL, 0);
    crypto_generichash(b, sizeof b, (const uint8_t *)want, strlen(want), NULL,
                       0);
    int user_ok = cmd->argc == 2 || (cmd->argl[1] == 7 &&
                                     memcmp(cmd->argv[1], "default", 7) == 0);
    if (sodium_memcmp(a, b, sizeof a) == 0 && user_ok) {
        c->authed = 1;
        resp_simple(resp_front_ready(c), "OK");
        return CMD_DONE;
    }
    co->st_errors++;
    log_limited(&wrong_log, LOG_WARN, "auth_failed", "resp_client=%d",
                c->index);
    resp_error(resp_front_ready(c), "WRONGPASS invalid username-password "
                                    "pair or user is disabled.");
    return CMD_DONE;
}

/* The commands served, and which of them a connection accepted past
 * max_clients may run (the room kept for INFO and admin). */
static const struct {
    const char *name;
    int (*run)(coord_t *co, conn_t *c, const resp_cmd_t *cmd, const char *name);
    int admin;
} s_commands[] = {
    {"GET", s_get, 0},       {"SET", s_set, 0},       {"MSET", s_mset, 0},
    {"DEL", s_keys, 0},      {"UNLINK", s_keys, 0},   {"EXISTS", s_keys, 0},
    {"MGET", s_keys, 0},     {"PING", s_ping, 1},     {"ECHO", s_echo, 1},
    {"QUIT", s_quit, 1},     {"SELECT", s_select, 1}, {"COMMAND", s_command, 1},
    {"CONFIG", s_config, 1}, {"INFO", s_info, 1},     {"AUTH", s_auth, 1},
};

/* A command not in s_commands: refused with the reason, or unknown. */
static int s_other(coord_t *co, conn_t *c, const resp_cmd_t *cmd,
                   const char *name)
{
    co->st_errors++;
    for (size_t i = 0; i < sizeof s_refused / sizeof s_refused[0]; i++) {
        if (strcmp(name, s_refused[i].name) == 0) {
            resp_errorf(resp_front_ready(c), "ERR %s is not supported: %s",
                        name, s_why(s_refused[i].why));
            return CMD_DONE;
        }
    }
    resp_errorf(resp_front_ready(c),
                "ERR unknown command '%.*s', with args beginning with: %s",
                (int)(cmd->argl[0] > 64 ? 64 : cmd->argl[0]),
                (const char *)cmd->argv[0], cmd->argc > 1 ? "..." : "");
    return CMD_DONE;
}

int command_run(coord_t *co, conn_t *c, const resp_cmd_t *cmd)
{
    char name[24];
    size_t n = cmd->argl[0];
    int rc;

    if (c->partial != NULL)
        return s_issue(co, c, c->partial, cmd);
    if (n >= sizeof name)
        n = sizeof name - 1;
    for (size_t i = 0; i < n; i++) {
        char ch = (char)cmd->argv[0][i];
        name[i] = ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch;
    }
    name[n] = '\0';
    if (!c->authed && strcmp(name, "AUTH") != 0 && strcmp(name, "QUIT") != 0) {
        co->st_commands++;
        co->st_errors++;
        resp_error(resp_front_ready(c), "NOAUTH Authentication required.");
        return CMD_DONE;
    }
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++) {
        if (strcmp(name, s_commands[i].name) != 0)
            continue;
        if (c->admin_only && !s_commands[i].admin) {
            co->st_commands++;
            co->st_errors++;
            resp_errorf(resp_front_ready(c),
                        "ERR max number of clients reached: this connection "
                        "came past max_clients (%d) and may only run INFO, "
                        "PING and the like",
                        co->max_clients);
            return CMD_DONE;
        }
        rc = s_commands[i].run(co, c, cmd, name);
        if (rc == CMD_DONE)
            co->st_commands++;
        return rc;
    }
    co->st_commands++;
    return s_other(co, c, cmd, name);
}

void command_toobig(coord_t *co, conn_t *c, const resp_cmd_t *cmd)
{
    int arg = cmd->toobig_arg;
    int value =
        (strcasecmp(cmd->name, "SET") == 0 && arg == 2) ||
        (strcasecmp(cmd->name, "MSET") == 0 && arg >= 2 && arg % 2 == 0);

    co->st_commands++;
    co->st_errors++;
    if (value)
        resp_errorf(resp_front_ready(c), "ERR value of %lld bytes: at most %d",
                    cmd->toobig, co->cfg.coord.max_value);
    else
        resp_errorf(resp_front_ready(c),
                    "ERR argument %d of '%s' is %lld bytes: keys are at most "
                    "%d bytes and values %d",
                    arg, cmd->name, cmd->toobig, MM_KEY_MAX,
                    co->cfg.coord.max_value);
}

/*
 * INFO text in Redis's shape ("# Section" then "name:value" lines, CRLF).
 * Nodes appear as node0:name=m1,role=master,state=up,... like Redis's
 * slave0: lines; the applied vector uses ';' inside a field.
 */
void command_info(coord_t *co, resp_buf_t *b, const char *section)
{
    int all = section[0] == '\0' || strcasecmp(section, "all") == 0 ||
              strcasecmp(section, "everything") == 0;
    int connected = 0;

    for (int i = 0; i < co->nnodes; i++)
        connected += co->nodes[i].up;
    if (all || strcasecmp(section, "server") == 0) {
        coord_addf(b,
                   "# Server\r\nmmlab_role:coordinator\r\ncluster:%s\r\n"
                   "redis_version:7.0.0-mmlab\r\n\r\n",
                   co->cfg.name);
    }
    if (all || strcasecmp(section, "replication") == 0) {
        coord_addf(
            b,
            "# Replication\r\nrole:coordinator\r\ncluster_epoch:%u\r\n"
            "cluster_shape:%s\r\nwriter:%s\r\nwrite_route:%s\r\n"
            "read_route:%s\r\nfailover_state:%s\r\nconnected_nodes:%d\r\n",
            co->epoch, co->primary_standby ? "primary-standby" : "multi-master",
            co->writer >= 0 ? co->nodes[co->writer].cfg->name : "-",
            config_write_route_name(co->cfg.coord.write_route),
            config_read_route_name(co->cfg.coord.read_route),
            failover_state_name(co->fo), connected);
        for (int i = 0; i < co->nnodes; i++) {
            cnode_t *nd = &co->nodes[i];
            coord_addf(
                b, "node%d:name=%s,role=%s,state=%s,epoch=%u,applied=", i,
                nd->cfg->name,
                config_role_name(nd->have_status ? nd->role : nd->cfg->role),
                nd->up ? "up" : "down", nd->epoch);
            const char *sep = "";
            for (int o = 1; o <= MM_MAX_NODES; o++) {
                const config_node_t *on =
                    config_node_by_id(&co->cfg, (uint16_t)o);
                if (on == NULL || !config_role_streams(on->role))
                    continue;
                coord_addf(b, "%s%s:%llu", sep, on->name,
                           (unsigned long long)nd->applied[o]);
                sep = ";";
            }
            coord_addf(b, ",lag=%llu,missed=%d,sent=%llu\r\n",
                       (unsigned long long)co->nodes[i].lag, nd->missed,
                       (unsigned long long)nd->sent);
        }
        coord_addf(b,
                   "pool:%s\r\npool_size:%d\r\npool_requests:%llu\r\n"
                   "pool_connections_opened:%llu\r\npool_in_flight:%d\r\n"
                   "held_writes_total:%llu\r\n\r\n",
                   co->cfg.coord.pool ? "on" : "off", co->cfg.coord.pool_size,
                   (unsigned long long)co->st_requests,
                   (unsigned long long)co->st_opened, co->live,
                   (unsigned long long)co->st_held);
    }
    if (all || strcasecmp(section, "clients") == 0) {
        coord_addf(b,
                   "# Clients\r\nconnected_clients:%d\r\nmaxclients:%d\r\n"
                   "admin_reserve:%d\r\nidle_timeout_s:%d\r\n"
                   "max_value:%d\r\n\r\n",
                   co->nconns, co->max_clients, CO_ADMIN_RESERVE,
                   co->cfg.coord.idle_timeout_s, co->cfg.coord.max_value);
    }
    if (all || strcasecmp(section, "stats") == 0) {
        coord_addf(b,
                   "# Stats\r\ntotal_connections_received:%llu\r\n"
                   "connected_clients:%d\r\ntotal_commands_processed:%llu\r\n"
                   "total_error_replies:%llu\r\nnode_timeouts:%llu\r\n"
                   "failovers:%llu\r\nrejected_connections:%llu\r\n"
                   "idle_clients_closed:%llu\r\n",
                   (unsigned long long)co->st_conns, co->nconns,
                   (unsigned long long)co->st_commands,
                   (unsigned long long)co->st_errors,
                   (unsigned long long)co->st_timeouts,
                   (unsigned long long)co->st_failovers,
                   (unsigned long long)co->st_rejected,
                   (unsigned long long)co->st_idle_closed);
    }
}
