/*
 * config_keys.c - one `key = value` of the cluster file into its field.
 *
 * Each section has a table of its keys (in the order docs/config.md lists
 * them) and one function that parses a value for each: numbers within
 * their range, names from their set, endpoints as written. A bad value is
 * reported as "FILE:LINE: message" naming the key and what it accepts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_int.h"

const char *const config__cluster_keys[CLUSTER_NKEYS] = {
    "name",         "clock",          "durability",       "data_dir",
    "heartbeat_ms", "liveness",       "window",           "cache_mb",
    "ack",          "ack_timeout_ms", "write_service_us", "read_service_us",
    "log_retain",   "trace_lines",
};
const char *const config__node_keys[NODE_NKEYS] = {
    "role", "id", "client", "peer", "clock_offset_ms",
};
const char *const config__coord_keys[COORD_NKEYS] = {
    "client",      "resp",           "write_route", "read_route", "pool",
    "pool_size",   "heartbeat_ms",   "missed",      "hold_ms",    "max_lag",
    "max_clients", "idle_timeout_s", "max_value",
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

int config__cluster_key(parser_t *p, int k, const char *value)
{
    config_t *c = p->c;
    long long v;
    int ret = 0;

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
        if (strcmp(value, "sync") == 0)
            c->durability = STORE_SYNC;
        else if (strcmp(value, "nosync") == 0)
            c->durability = STORE_NOSYNC;
        else
            return config__fail(p, p->line,
                                "durability must be sync or nosync, got '%s'",
                                value);
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
        ret = s_copy(p, "client", value, n->client, sizeof n->client);
        break;
    case KEY_PEER:
        ret = s_copy(p, "peer", value, n->peer, sizeof n->peer);
        break;
    case KEY_CLOCK_OFFSET:
        ret = s_parse_int(p, "clock_offset_ms", value, -CONFIG_OFFSET_MAX_MS,
                          CONFIG_OFFSET_MAX_MS, &v);
        n->clock_offset_ms = v;
        break;
    }
    return ret;
}

/* A RESP address is host:port (no scheme): what redis-cli -h/-p take. */
static int s_valid_hostport(const char *v)
{
    const char *colon = strrchr(v, ':');
    char *end;
    long port;

    if (colon == NULL || colon == v || strstr(v, "://") != NULL)
        return 0;
    port = strtol(colon + 1, &end, 10);
    return *end == '\0' && end != colon + 1 && port >= 1 && port <= 65535;
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
        ret = s_copy(p, "client", value, c->client, sizeof c->client);
        break;
    case KEY_C_RESP:
        if (!s_valid_hostport(value))
            return config__fail(
                p, p->line,
                "resp must be HOST:PORT (like 127.0.0.1:6380), got "
                "'%s'",
                value);
        ret = s_copy(p, "resp", value, c->resp, sizeof c->resp);
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
        if (strcmp(value, "on") == 0)
            c->pool = 1;
        else if (strcmp(value, "off") == 0)
            c->pool = 0;
        else
            return config__fail(p, p->line, "pool must be on or off, got '%s'",
                                value);
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
    }
    return ret;
}
