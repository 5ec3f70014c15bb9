/*
 * config_keys.c - one `key = value` of the cluster file into its field.
 *
 * Each section has a table of its keys (in the order docs/config.md lists
 * them) and one function that parses a value for each: numbers within
 * their range, names from their set, endpoints as tcp://HOST:PORT. A bad
 * value is reported as "FILE:LINE: message" naming the key and what it
 * accepts, here and not at bind time: a port of 99999 or 0 would make
 * ZeroMQ bind a random port, and "*" every interface, without a word.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_int.h"

const char *const config__cluster_keys[CLUSTER_NKEYS] = {
    "name",
    "clock",
    "durability",
    "data_dir",
    "heartbeat_ms",
    "liveness",
    "window",
    "cache_mb",
    "ack",
    "ack_timeout_ms",
    "ack_unprotected",
    "write_service_us",
    "read_service_us",
    "log_retain",
    "trace_lines",
    "security",
    "keys",
    "clients",
    "max_connections",
};
const char *const config__node_keys[NODE_NKEYS] = {
    "role", "id", "client", "peer", "clock_offset_ms",
};
const char *const config__coord_keys[COORD_NKEYS] = {
    "client",      "resp",           "write_route", "read_route",  "pool",
    "pool_size",   "heartbeat_ms",   "missed",      "hold_ms",     "max_lag",
    "max_clients", "idle_timeout_s", "max_value",   "requirepass", "suspect_ms",
};

/* Names end up in paths and log lines, so they stay plain. */
int config__valid_name(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len >= CONFIG_NAME_MAX)
        return 0;
    for (const char *c = name; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
            return 0;
    }
    return 1;
}

/*
 * Parses a whole decimal number in [min, max]. Trailing junk ("100ms") and
 * numbers out of range get different messages because they need different
 * fixes.
 */
static int s_parse_int(parser_t *p, const char *key, const char *value,
                       long long min, long long max, long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(value, &end, 10);
    if (end == value || *end != '\0')
        return config__fail(p, p->line, "%s must be a whole number, got '%s'",
                            key, value);
    if (errno == ERANGE || v < min || v > max)
        return config__fail(p, p->line,
                            "%s must be from %lld to %lld, got '%s'", key, min,
                            max, value);
    *out = v;
    return 0;
}

static int s_copy(parser_t *p, const char *key, const char *value, char *dst,
                  size_t cap)
{
    size_t len = strlen(value);

    if (len >= cap)
        return config__fail(p, p->line,
                            "%s is too long (at most %zu characters)", key,
                            cap - 1);
    memcpy(dst, value, len + 1);
    return 0;
}

/* A host name or IPv4 address as ZeroMQ and getaddrinfo take it, or a
 * bracketed IPv6 address; never empty, never "*". */
static int s_valid_host(const char *h, size_t len)
{
    if (len == 0 || len >= CONFIG_ENDPOINT_MAX)
        return 0;
    if (h[0] == '[')
        return len > 2 && h[len - 1] == ']' &&
               strspn(h + 1, "0123456789abcdefABCDEF:.") == len - 2;
    return strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789.-_") == len;
}

/* A key that is one of two words: *out = 1 for `one`, 0 for `zero`. */
static int s_choice(parser_t *p, const char *key, const char *value,
                    const char *one, const char *zero, int *out)
{
    if (strcmp(value, one) == 0)
        *out = 1;
    else if (strcmp(value, zero) == 0)
        *out = 0;
    else
        return config__fail(p, p->line, "%s must be %s or %s, got '%s'", key,
                            one, zero, value);
    return 0;
}

/* A port: 1 to 65535, digits only. */
static int s_valid_port(const char *p)
{
    char *end;
    long port;

    if (*p < '0' || *p > '9')
        return 0;
    errno = 0;
    port = strtol(p, &end, 10);
    return *end == '\0' && errno == 0 && port >= 1 && port <= 65535;
}

/* An inproc name: one or more of a-z, 0-9, '-', '_' and '.'. (A loop, not
 * strspn: GCC's -fsanitize build warns about strspn and strlen past a
 * short constant it propagates into s_endpoint.) */
static int s_inproc_name(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

/*
 * A ZeroMQ endpoint a process binds or connects: tcp://HOST:PORT. The one
 * exception is inproc://NAME, a socket inside one process, which no other
 * process can reach: the tests and fuzzers that run a node inside their
 * own process use it (tests/inproc_node.h). No ipc://, which nothing
 * here tests.
 */
static int s_endpoint(parser_t *p, const char *key, const char *value,
                      char *dst, size_t cap)
{
    const char *host = value + 6, *colon = strrchr(value, ':');

    if (strncmp(value, "inproc://", 9) == 0 && s_inproc_name(value + 9))
        return s_copy(p, key, value, dst, cap);
    if (strncmp(value, "tcp://", 6) != 0 || colon == NULL || colon < host)
        return config__fail(p, p->line,
                            "%s must be tcp://HOST:PORT (like "
                            "tcp://127.0.0.1:7101), got '%s'",
                            key, value);
    if (colon - host == 1 && host[0] == '*')
        return config__fail(p, p->line,
                            "%s must name the address to bind, not '*' "
                            "(every interface), got '%s'",
                            key, value);
    if (!s_valid_host(host, (size_t)(colon - host)))
        return config__fail(p, p->line,
                            "%s has no valid host in '%s' (an IPv4 address, "
                            "a host name or [IPv6])",
                            key, value);
    if (!s_valid_port(colon + 1))
        return config__fail(p, p->line,
                            "%s port must be from 1 to 65535, got '%s' in "
                            "'%s'",
                            key, colon + 1, value);
    return s_copy(p, key, value, dst, cap);
}

/* `clients = a, b`: the client identities, each a plain name. */
static int s_clients(parser_t *p, const char *value)
{
    config_t *c = p->c;
    char buf[CONFIG_LINE_MAX], *save = NULL;

    snprintf(buf, sizeof buf, "%s", value);
    c->nclients = 0;
    for (char *t = strtok_r(buf, ", \t", &save); t != NULL;
         t = strtok_r(NULL, ", \t", &save)) {
        if (!config__valid_name(t))
            return config__fail(p, p->line,
                                "client name '%s' must be 1 to %d letters, "
                                "digits, '_' or '-'",
                                t, CONFIG_NAME_MAX - 1);
        if (!strcmp(t, "admin") || !strcmp(t, "coordinator"))
            return config__fail(p, p->line,
                                "client name '%s' is the %s's identity", t, t);
        for (int i = 0; i < c->nclients; i++)
            if (!strcmp(c->clients[i], t))
                return config__fail(p, p->line, "client '%s' is listed twice",
                                    t);
        if (c->nclients == CONFIG_CLIENTS_MAX)
            return config__fail(p, p->line, "too many clients: at most %d",
                                CONFIG_CLIENTS_MAX);
        strcpy(c->clients[c->nclients++], t);
    }
    if (c->nclients == 0)
        return config__fail(p, p->line, "clients names no client");
    return 0;
}

/* The [cluster] keys of security (docs/security.md). */
static int s_security_key(parser_t *p, int k, const char *value)
{
    config_t *c = p->c;
    long long v;
    int ret = 0, on = 0;

    switch (k) {
    case KEY_SECURITY:
        ret = s_choice(p, "security", value, "curve", "off", &on);
        if (ret == 0)
            c->security = on ? SECURITY_CURVE : SECURITY_OFF;
        break;
    case KEY_KEYS:
        ret = s_copy(p, "keys", value, c->keys, sizeof c->keys);
        break;
    case KEY_CLIENTS:
        ret = s_clients(p, value);
        break;
    case KEY_MAX_CONNECTIONS:
        ret = s_parse_int(p, "max_connections", value, 8, 100000, &v);
        c->max_connections = (int)v;
        break;
    }
    return ret;
}

int config__cluster_key(parser_t *p, int k, const char *value)
{
    config_t *c = p->c;
    long long v;
    int ret = 0, on = 0;

    switch (k) {
    case KEY_NAME:
        if (!config__valid_name(value))
            return config__fail(p, p->line,
                                "cluster name '%s' must be 1 to %d letters, "
                                "digits, '_' or '-'",
                                value, CONFIG_NAME_MAX - 1);
        strcpy(c->name, value);
        break;
    case KEY_CLOCK:
        if (hlc_mode_parse(value, &c->clock) != 0)
            return config__fail(p, p->line,
                                "clock must be hlc or wall, got '%s'", value);
        break;
    case KEY_DURABILITY:
        ret = s_choice(p, "durability", value, "sync", "nosync", &on);
        if (ret == 0)
            c->durability = on ? STORE_SYNC : STORE_NOSYNC;
        break;
    case KEY_DATA_DIR:
        ret = s_copy(p, "data_dir", value, c->data_dir, sizeof c->data_dir);
        break;
    case KEY_HEARTBEAT_MS:
        ret = s_parse_int(p, "heartbeat_ms", value, 10, 10000, &v);
        c->heartbeat_ms = (int)v;
        break;
    case KEY_LIVENESS:
        ret = s_parse_int(p, "liveness", value, 2, 100, &v);
        c->liveness = (int)v;
        break;
    case KEY_WINDOW:
        ret = s_parse_int(p, "window", value, 16, 1000000, &v);
        c->window = (int)v;
        break;
    case KEY_CACHE_MB:
        ret = s_parse_int(p, "cache_mb", value, 1, 4096, &v);
        c->cache_mb = (int)v;
        break;
    case KEY_ACK:
        if (strcmp(value, "none") == 0)
            c->ack = ACK_NONE;
        else if (strcmp(value, "standby") == 0)
            c->ack = ACK_STANDBY;
        else if (strcmp(value, "all") == 0)
            c->ack = ACK_ALL;
        else if (strcmp(value, "quorum") == 0)
            c->ack = ACK_QUORUM;
        else
            return config__fail(p, p->line,
                                "ack must be none, standby, all or quorum, "
                                "got '%s'",
                                value);
        break;
    case KEY_ACK_TIMEOUT_MS:
        ret = s_parse_int(p, "ack_timeout_ms", value, 10, 600000, &v);
        c->ack_timeout_ms = (int)v;
        break;
    case KEY_ACK_UNPROTECTED:
        ret = s_choice(p, "ack_unprotected", value, "yes", "no",
                       &c->ack_unprotected);
        break;
    case KEY_WRITE_SERVICE_US:
        ret = s_parse_int(p, "write_service_us", value, 0, 1000000, &v);
        c->write_service_us = (int)v;
        break;
    case KEY_READ_SERVICE_US:
        ret = s_parse_int(p, "read_service_us", value, 0, 1000000, &v);
        c->read_service_us = (int)v;
        break;
    case KEY_LOG_RETAIN:
        ret = s_parse_int(p, "log_retain", value, 1, 1000000000, &v);
        c->log_retain = (uint64_t)v;
        break;
    case KEY_TRACE_LINES:
        ret = s_parse_int(p, "trace_lines", value, 0, 1000000, &v);
        c->trace_lines = (uint64_t)v;
        break;
    default:
        ret = s_security_key(p, k, value);
        break;
    }
    return ret;
}

int config__node_key(parser_t *p, int k, const char *value)
{
    config_node_t *n = p->node;
    long long v;
    int ret = 0;

    switch (k) {
    case KEY_ROLE:
        if (strcmp(value, "master") == 0)
            n->role = ROLE_MASTER;
        else if (strcmp(value, "replica") == 0)
            n->role = ROLE_REPLICA;
        else if (strcmp(value, "primary") == 0)
            n->role = ROLE_PRIMARY;
        else if (strcmp(value, "standby") == 0)
            n->role = ROLE_STANDBY;
        else
            return config__fail(
                p, p->line,
                "role must be master, replica, primary or standby, "
                "got '%s'",
                value);
        break;
    case KEY_ID:
        ret = s_parse_int(p, "id", value, 1, MM_MAX_NODES, &v);
        n->id = (uint16_t)v;
        break;
    case KEY_CLIENT:
        ret = s_endpoint(p, "client", value, n->client, sizeof n->client);
        break;
    case KEY_PEER:
        ret = s_endpoint(p, "peer", value, n->peer, sizeof n->peer);
        break;
    case KEY_CLOCK_OFFSET:
        ret = s_parse_int(p, "clock_offset_ms", value, -CONFIG_OFFSET_MAX_MS,
                          CONFIG_OFFSET_MAX_MS, &v);
        n->clock_offset_ms = v;
        break;
    }
    return ret;
}

/*
 * A RESP address: HOST:PORT (what redis-cli -h/-p take), or a bare PORT,
 * which binds 127.0.0.1 so that only this machine can reach the front
 * unless the file says otherwise. Stored as HOST:PORT.
 */
static int s_resp_address(parser_t *p, const char *value, char *dst, size_t cap)
{
    const char *colon = strrchr(value, ':');
    char full[CONFIG_ENDPOINT_MAX + 16];

    if (colon == NULL && s_valid_port(value)) {
        snprintf(full, sizeof full, "127.0.0.1:%s", value);
        return s_copy(p, "resp", full, dst, cap);
    }
    if (colon == NULL || strstr(value, "://") != NULL ||
        !s_valid_host(value, (size_t)(colon - value)) ||
        !s_valid_port(colon + 1))
        return config__fail(p, p->line,
                            "resp must be PORT or HOST:PORT (like "
                            "127.0.0.1:6380) with a port of 1 to 65535, got "
                            "'%s'",
                            value);
    return s_copy(p, "resp", value, dst, cap);
}

int config__loopback(const char *hostport)
{
    const char *colon = strrchr(hostport, ':');
    size_t len = colon != NULL ? (size_t)(colon - hostport) : 0;

    return (len >= 4 && strncmp(hostport, "127.", 4) == 0) ||
           (len == 9 && strncmp(hostport, "localhost", 9) == 0) ||
           (len == 5 && strncmp(hostport, "[::1]", 5) == 0);
}

/* One [coordinator] key. One case per key, kept in one switch (longer
 * than most functions here) so that every key's rule reads in one place. */
int config__coord_key(parser_t *p, int k, const char *value)
{
    config_coord_t *c = &p->c->coord;
    long long v;
    int ret = 0;

    switch (k) {
    case KEY_C_CLIENT:
        ret = s_endpoint(p, "client", value, c->client, sizeof c->client);
        break;
    case KEY_C_RESP:
        ret = s_resp_address(p, value, c->resp, sizeof c->resp);
        break;
    case KEY_C_WRITE_ROUTE:
        if (strcmp(value, "primary") == 0)
            c->write_route = WRITE_ROUTE_PRIMARY;
        else if (strcmp(value, "home") == 0)
            c->write_route = WRITE_ROUTE_HOME;
        else if (strcmp(value, "sticky") == 0)
            c->write_route = WRITE_ROUTE_STICKY;
        else
            return config__fail(
                p, p->line,
                "write_route must be primary, home or sticky, got "
                "'%s'",
                value);
        break;
    case KEY_C_READ_ROUTE:
        if (strcmp(value, "round_robin") == 0)
            c->read_route = READ_ROUTE_ROUND_ROBIN;
        else if (strcmp(value, "least_lag") == 0)
            c->read_route = READ_ROUTE_LEAST_LAG;
        else if (strcmp(value, "ryw") == 0)
            c->read_route = READ_ROUTE_RYW;
        else if (strcmp(value, "primary") == 0)
            c->read_route = READ_ROUTE_PRIMARY;
        else
            return config__fail(
                p, p->line,
                "read_route must be round_robin, least_lag, ryw or "
                "primary, got '%s'",
                value);
        break;
    case KEY_C_POOL:
        ret = s_choice(p, "pool", value, "on", "off", &c->pool);
        break;
    case KEY_C_POOL_SIZE:
        ret = s_parse_int(p, "pool_size", value, 1, 64, &v);
        c->pool_size = (int)v;
        break;
    case KEY_C_HEARTBEAT_MS:
        ret = s_parse_int(p, "heartbeat_ms", value, 10, 10000, &v);
        c->heartbeat_ms = (int)v;
        break;
    case KEY_C_MISSED:
        ret = s_parse_int(p, "missed", value, 1, 100, &v);
        c->missed = (int)v;
        break;
    case KEY_C_HOLD_MS:
        ret = s_parse_int(p, "hold_ms", value, 0, 600000, &v);
        c->hold_ms = (int)v;
        break;
    case KEY_C_MAX_LAG:
        ret = s_parse_int(p, "max_lag", value, 1, 1000000000, &v);
        c->max_lag = (uint64_t)v;
        break;
    case KEY_C_MAX_CLIENTS:
        ret = s_parse_int(p, "max_clients", value, 1, 1000000, &v);
        c->max_clients = (int)v;
        break;
    case KEY_C_IDLE_TIMEOUT_S:
        ret = s_parse_int(p, "idle_timeout_s", value, 0, 1000000, &v);
        c->idle_timeout_s = (int)v;
        break;
    case KEY_C_MAX_VALUE:
        /* Nodes refuse values over MM_VALUE_MAX: the coordinator may be
         * stricter, never looser. */
        ret = s_parse_int(p, "max_value", value, 0, MM_VALUE_MAX, &v);
        c->max_value = (int)v;
        break;
    case KEY_C_REQUIREPASS:
        ret = s_copy(p, "requirepass", value, c->requirepass,
                     sizeof c->requirepass);
        break;
    case KEY_C_SUSPECT_MS:
        ret = s_parse_int(p, "suspect_ms", value, 0, 600000, &v);
        c->suspect_ms = (int)v;
        break;
    }
    return ret;
}
