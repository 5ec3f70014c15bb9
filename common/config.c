/*
 * config.c - reads the cluster file: INI text in, a checked config_t out.
 *
 * The file is a list of lines, each one of:
 *
 *     [cluster]           starts the cluster-wide settings
 *     [node NAME]         starts one node; its place among the nodes (1, 2,
 *                         ...) is its id unless it sets `id`
 *     [coordinator]       the coordinator's settings (optional)
 *     key = value         a setting of the section above it
 *     ; comment           also `#`; a comment can also follow a value or a
 *                         section header after a space: `role = master ; m1`
 *     (blank)
 *
 * Spaces around keys and values are dropped. Values are not quoted, so a
 * `;` or `#` right after a space always starts a comment.
 *
 * The parser stops at the first problem and reports it as "FILE:LINE:
 * message", so a student can jump straight to the line. Checks that need a
 * whole node (has it a role, a client endpoint, a peer endpoint if it is a
 * master; are its id and endpoints unique) run when the node's section ends,
 * which keeps the errors in file order. The parser is pure: config_parse()
 * reads no files and keeps no state, so the tests can feed it any text.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

/* Longer lines are refused rather than cut: no value needs this much. */
#define CONFIG_LINE_MAX 1024
/* config_load() refuses larger files; a cluster file is a few hundred
 * bytes. */
#define CONFIG_FILE_MAX (1024 * 1024)
/* Injected clock skew beyond a day would only be a typo. */
#define CONFIG_OFFSET_MAX_MS (24LL * 3600 * 1000)

/* The keys of each section, in the order docs/config.md lists them. */
enum {
    KEY_NAME,
    KEY_CLOCK,
    KEY_DURABILITY,
    KEY_DATA_DIR,
    KEY_HEARTBEAT_MS,
    KEY_LIVENESS,
    KEY_WINDOW,
    KEY_CACHE_MB,
    KEY_ACK,
    KEY_ACK_TIMEOUT_MS,
    CLUSTER_NKEYS
};
static const char *const s_cluster_keys[CLUSTER_NKEYS] = {
    "name",     "clock",  "durability", "data_dir", "heartbeat_ms",
    "liveness", "window", "cache_mb",   "ack",      "ack_timeout_ms",
};

enum { KEY_ROLE, KEY_ID, KEY_CLIENT, KEY_PEER, KEY_CLOCK_OFFSET, NODE_NKEYS };
static const char *const s_node_keys[NODE_NKEYS] = {
    "role", "id", "client", "peer", "clock_offset_ms",
};

enum {
    KEY_C_CLIENT,
    KEY_C_RESP,
    KEY_C_WRITE_ROUTE,
    KEY_C_READ_ROUTE,
    KEY_C_POOL,
    KEY_C_POOL_SIZE,
    KEY_C_HEARTBEAT_MS,
    KEY_C_MISSED,
    KEY_C_HOLD_MS,
    KEY_C_MAX_LAG,
    KEY_C_MAX_CLIENTS,
    KEY_C_IDLE_TIMEOUT_S,
    KEY_C_MAX_VALUE,
    COORD_NKEYS
};
static const char *const s_coord_keys[COORD_NKEYS] = {
    "client",      "resp",           "write_route", "read_route", "pool",
    "pool_size",   "heartbeat_ms",   "missed",      "hold_ms",    "max_lag",
    "max_clients", "idle_timeout_s", "max_value",
};

typedef struct {
    const char *source; /* the file name in messages */
    char *err;
    size_t errlen;
    int line; /* the line being read, from 1 */
    config_t *c;
    config_node_t *node; /* the [node] being read, or NULL */
    int in_cluster;      /* 1 after [cluster], until the next section */
    int in_coord;        /* 1 after [coordinator], until the next section */
    int coord_line[COORD_NKEYS];
    int coord_header_line;
    /* The line each key was set on, 0 if not set: finds keys given twice
     * and points the node checks at the right line. */
    int cluster_line[CLUSTER_NKEYS];
    int node_line[MM_MAX_NODES][NODE_NKEYS];
    int header_line[MM_MAX_NODES]; /* the line of [node NAME] */
} parser_t;

/* Writes "source:line: message" into the caller's buffer. */
__attribute__((format(printf, 3, 4))) static int s_fail(parser_t *p, int line,
                                                        const char *fmt, ...)
{
    va_list ap;
    int n;

    if (p->err == NULL || p->errlen == 0)
        return MM_ERR_CONFIG;
    n = snprintf(p->err, p->errlen, "%s:%d: ", p->source, line);
    if (n >= 0 && (size_t)n < p->errlen) {
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return MM_ERR_CONFIG;
}

static int s_is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* Drops leading and trailing whitespace, in place. */
static char *s_trim(char *s)
{
    size_t len;

    while (s_is_space(*s))
        s++;
    len = strlen(s);
    while (len > 0 && s_is_space(s[len - 1]))
        s[--len] = '\0';
    return s;
}

/* Cuts a trailing comment: `;` or `#` that follows whitespace. */
static void s_strip_comment(char *s)
{
    for (size_t i = 1; s[i] != '\0'; i++) {
        if ((s[i] == ';' || s[i] == '#') && s_is_space(s[i - 1])) {
            s[i] = '\0';
            return;
        }
    }
}

/* Names end up in paths and log lines, so they stay plain. */
static int s_valid_name(const char *name)
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

static int s_key_index(const char *const *keys, int n, const char *key)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(keys[i], key) == 0)
            return i;
    }
    return -1;
}

/* The section being read, as the file spells it, for messages. */
static const char *s_section(const parser_t *p, char *buf, size_t cap)
{
    if (p->node != NULL)
        snprintf(buf, cap, "[node %s]", p->node->name);
    else if (p->in_coord)
        snprintf(buf, cap, "[coordinator]");
    else
        snprintf(buf, cap, "[cluster]");
    return buf;
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
        return s_fail(p, p->line, "%s must be a whole number, got '%s'", key,
                      value);
    if (errno == ERANGE || v < min || v > max)
        return s_fail(p, p->line, "%s must be from %lld to %lld, got '%s'", key,
                      min, max, value);
    *out = v;
    return 0;
}

static int s_copy(parser_t *p, const char *key, const char *value, char *dst,
                  size_t cap)
{
    size_t len = strlen(value);

    if (len >= cap)
        return s_fail(p, p->line, "%s is too long (at most %zu characters)",
                      key, cap - 1);
    memcpy(dst, value, len + 1);
    return 0;
}

static int s_cluster_key(parser_t *p, int k, const char *value)
{
    config_t *c = p->c;
    long long v;
    int ret = 0;

    switch (k) {
    case KEY_NAME:
        if (!s_valid_name(value))
            return s_fail(p, p->line,
                          "cluster name '%s' must be 1 to %d letters, "
                          "digits, '_' or '-'",
                          value, CONFIG_NAME_MAX - 1);
        strcpy(c->name, value);
        break;
    case KEY_CLOCK:
        if (hlc_mode_parse(value, &c->clock) != 0)
            return s_fail(p, p->line, "clock must be hlc or wall, got '%s'",
                          value);
        break;
    case KEY_DURABILITY:
        if (strcmp(value, "sync") == 0)
            c->durability = STORE_SYNC;
        else if (strcmp(value, "nosync") == 0)
            c->durability = STORE_NOSYNC;
        else
            return s_fail(p, p->line,
                          "durability must be sync or nosync, got '%s'", value);
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
        else
            return s_fail(p, p->line,
                          "ack must be none or standby, got '%s' (all and "
                          "quorum are not built yet)",
                          value);
        break;
    case KEY_ACK_TIMEOUT_MS:
        ret = s_parse_int(p, "ack_timeout_ms", value, 10, 600000, &v);
        c->ack_timeout_ms = (int)v;
        break;
    }
    return ret;
}

static int s_node_key(parser_t *p, int k, const char *value)
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
            return s_fail(p, p->line,
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
static int s_coord_key(parser_t *p, int k, const char *value)
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
            return s_fail(p, p->line,
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
            return s_fail(p, p->line,
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
            return s_fail(p, p->line,
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
            return s_fail(p, p->line, "pool must be on or off, got '%s'",
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

/* Handles one `key = value` line of the current section. */
static int s_key_value(parser_t *p, char *line, char *eq)
{
    char section[CONFIG_NAME_MAX + 8];
    const char *const *keys;
    int nkeys, k, *seen;
    char *key, *value;

    *eq = '\0';
    key = s_trim(line);
    value = s_trim(eq + 1);
    if (p->node == NULL && !p->in_cluster && !p->in_coord)
        return s_fail(p, p->line,
                      "'%s' is outside any section: start with [cluster] "
                      "or [node NAME]",
                      key);
    s_section(p, section, sizeof section);
    if (*key == '\0')
        return s_fail(p, p->line, "missing key before '=' in %s", section);

    if (p->in_coord) {
        k = s_key_index(s_coord_keys, COORD_NKEYS, key);
        if (k < 0)
            return s_fail(p, p->line, "unknown key '%s' in %s", key, section);
        if (p->coord_line[k] != 0)
            return s_fail(p, p->line,
                          "%s is set twice in %s (first on line %d)", key,
                          section, p->coord_line[k]);
        if (*value == '\0')
            return s_fail(p, p->line, "%s in %s has no value", key, section);
        p->coord_line[k] = p->line;
        return s_coord_key(p, k, value);
    }
    if (p->node != NULL) {
        keys = s_node_keys;
        nkeys = NODE_NKEYS;
        seen = p->node_line[p->c->nnodes - 1];
    } else {
        keys = s_cluster_keys;
        nkeys = CLUSTER_NKEYS;
        seen = p->cluster_line;
    }
    k = s_key_index(keys, nkeys, key);
    if (k < 0) {
        /* A key of the other kind of section is an easy slip. */
        const char *hint = "";
        if (p->node != NULL &&
            s_key_index(s_cluster_keys, CLUSTER_NKEYS, key) >= 0)
            hint = " (it belongs in [cluster])";
        else if (p->node == NULL &&
                 s_key_index(s_node_keys, NODE_NKEYS, key) >= 0)
            hint = " (it belongs in a [node NAME] section)";
        return s_fail(p, p->line, "unknown key '%s' in %s%s", key, section,
                      hint);
    }
    if (seen[k] != 0)
        return s_fail(p, p->line, "%s is set twice in %s (first on line %d)",
                      key, section, seen[k]);
    if (*value == '\0')
        return s_fail(p, p->line, "%s in %s has no value", key, section);
    seen[k] = p->line;
    return p->node != NULL ? s_node_key(p, k, value)
                           : s_cluster_key(p, k, value);
}

/*
 * Refuses an endpoint (the client or peer key of node i) that a node before
 * it already uses: two processes cannot bind one address.
 */
static int s_check_endpoint(parser_t *p, int i, int key)
{
    const config_node_t *n = &p->c->nodes[i];
    const char *ep = key == KEY_CLIENT ? n->client : n->peer;

    for (int j = 0; j < i; j++) {
        const config_node_t *o = &p->c->nodes[j];
        const char *as = NULL;

        if (strcmp(o->client, ep) == 0)
            as = "client";
        else if (o->peer[0] != '\0' && strcmp(o->peer, ep) == 0)
            as = "peer";
        if (as != NULL)
            return s_fail(p, p->node_line[i][key],
                          "%s endpoint %s of %s is already the %s endpoint "
                          "of %s",
                          s_node_keys[key], ep, n->name, as, o->name);
    }
    return 0;
}

/*
 * Checks the node that just ended against itself and the nodes before it.
 * Messages point at the line of the offending key, or at the section
 * header when a key is missing.
 */
static int s_finish_node(parser_t *p)
{
    config_node_t *n = p->node;
    const int *at;
    int i, ret;

    if (n == NULL)
        return 0;
    p->node = NULL;
    i = p->c->nnodes - 1;
    at = p->node_line[i];
    if (at[KEY_ROLE] == 0)
        return s_fail(p, p->header_line[i],
                      "[node %s] has no role (master, replica, primary or "
                      "standby)",
                      n->name);
    if (at[KEY_CLIENT] == 0)
        return s_fail(p, p->header_line[i], "[node %s] has no client endpoint",
                      n->name);
    if (config_role_streams(n->role) && at[KEY_PEER] == 0)
        return s_fail(p, p->header_line[i],
                      "%s %s has no peer endpoint: it streams writes from it",
                      config_role_name(n->role), n->name);
    if (n->role == ROLE_REPLICA && at[KEY_PEER] != 0)
        return s_fail(p, at[KEY_PEER],
                      "replica %s cannot have a peer endpoint: only writers "
                      "stream writes",
                      n->name);
    for (int j = 0; j < i; j++) {
        if (p->c->nodes[j].id == n->id)
            return s_fail(p, at[KEY_ID] ? at[KEY_ID] : p->header_line[i],
                          "node id %u of %s is already the id of %s",
                          (unsigned)n->id, n->name, p->c->nodes[j].name);
    }
    if (at[KEY_PEER] != 0 && strcmp(n->client, n->peer) == 0)
        return s_fail(p, at[KEY_PEER],
                      "%s uses %s as both its client and peer endpoint",
                      n->name, n->peer);
    ret = s_check_endpoint(p, i, KEY_CLIENT);
    if (ret == 0 && at[KEY_PEER] != 0)
        ret = s_check_endpoint(p, i, KEY_PEER);
    return ret;
}

/*
 * Checks the [coordinator] section once every node is known: it needs a
 * front, its endpoints must not be a node's, and write_route = primary in a
 * multi-master cluster means "the first master". The default write route
 * follows the cluster's shape.
 */
static int s_finish_coord(parser_t *p, int primary_standby)
{
    config_coord_t *c = &p->c->coord;

    if ((int)c->write_route == -1)
        c->write_route =
            primary_standby ? WRITE_ROUTE_PRIMARY : WRITE_ROUTE_HOME;
    if (!c->present)
        return 0;
    if (c->client[0] == '\0' && c->resp[0] == '\0')
        return s_fail(p, p->coord_header_line,
                      "[coordinator] needs a client endpoint, a resp "
                      "address, or both");
    for (int i = 0; i < p->c->nnodes; i++) {
        const config_node_t *n = &p->c->nodes[i];
        if (c->client[0] != '\0' && (strcmp(n->client, c->client) == 0 ||
                                     strcmp(n->peer, c->client) == 0))
            return s_fail(p, p->coord_line[KEY_C_CLIENT],
                          "coordinator client endpoint %s is already an "
                          "endpoint of %s",
                          c->client, n->name);
    }
    if (primary_standby && c->write_route != WRITE_ROUTE_PRIMARY)
        return s_fail(p, p->coord_line[KEY_C_WRITE_ROUTE],
                      "write_route must be primary in a primary-standby "
                      "cluster: only the primary takes writes");
    return 0;
}

/* Handles a `[...]` line; header is the line without the brackets. */
static int s_section_header(parser_t *p, char *header)
{
    config_t *c = p->c;
    char *name;
    int ret;

    ret = s_finish_node(p);
    if (ret != 0)
        return ret;
    p->in_cluster = 0;
    p->in_coord = 0;
    header = s_trim(header);
    if (strcmp(header, "cluster") == 0) {
        p->in_cluster = 1;
        return 0;
    }
    if (strcmp(header, "coordinator") == 0) {
        if (c->coord.present)
            return s_fail(p, p->line,
                          "[coordinator] appears twice (first on line %d)",
                          p->coord_header_line);
        c->coord.present = 1;
        p->in_coord = 1;
        p->coord_header_line = p->line;
        return 0;
    }
    if (strncmp(header, "node", 4) != 0 ||
        (header[4] != '\0' && !s_is_space(header[4])))
        return s_fail(p, p->line,
                      "unknown section [%s]: use [cluster] or [node NAME]",
                      header);
    name = s_trim(header + 4);
    if (*name == '\0')
        return s_fail(p, p->line, "[node] needs a name: [node NAME]");
    if (!s_valid_name(name))
        return s_fail(p, p->line,
                      "node name '%s' must be 1 to %d letters, digits, '_' "
                      "or '-'",
                      name, CONFIG_NAME_MAX - 1);
    for (int i = 0; i < c->nnodes; i++) {
        if (strcmp(c->nodes[i].name, name) == 0)
            return s_fail(p, p->line,
                          "duplicate node name '%s' (first on line %d)", name,
                          p->header_line[i]);
    }
    if (c->nnodes == MM_MAX_NODES)
        return s_fail(p, p->line, "too many nodes: at most %d", MM_MAX_NODES);

    p->header_line[c->nnodes] = p->line;
    p->node = &c->nodes[c->nnodes++];
    strcpy(p->node->name, name);
    p->node->id = (uint16_t)c->nnodes;
    return 0;
}

/* Handles one line, already free of its newline. */
static int s_line(parser_t *p, char *raw)
{
    char *line = s_trim(raw);
    char *eq;

    if (*line == '\0' || *line == ';' || *line == '#')
        return 0;
    s_strip_comment(line);
    line = s_trim(line);

    if (*line == '[') {
        char *close = strchr(line, ']');
        char *rest;

        if (close == NULL)
            return s_fail(p, p->line, "unterminated section header '%s'", line);
        *close = '\0';
        rest = s_trim(close + 1);
        if (*rest != '\0' && *rest != ';' && *rest != '#')
            return s_fail(p, p->line, "unexpected '%s' after [%s]", rest,
                          line + 1);
        return s_section_header(p, line + 1);
    }
    eq = strchr(line, '=');
    if (eq == NULL)
        return s_fail(p, p->line, "expected 'key = value', got '%s'", line);
    return s_key_value(p, line, eq);
}

int config_parse(const char *text, const char *source, config_t *out, char *err,
                 size_t errlen)
{
    parser_t p;
    char buf[CONFIG_LINE_MAX];
    const char *at = text;
    int ret = 0, masters = 0;

    memset(&p, 0, sizeof p);
    p.source = source != NULL ? source : "config";
    p.err = err;
    p.errlen = errlen;
    p.c = out;

    memset(out, 0, sizeof *out);
    strcpy(out->name, "mmlab");
    out->clock = HLC_MODE_HLC;
    out->durability = STORE_NOSYNC;
    out->heartbeat_ms = 100;
    out->liveness = 5;
    out->window = 4096;
    out->cache_mb = 64;
    out->ack = ACK_NONE;
    out->ack_timeout_ms = 1000;
    out->coord.write_route = (write_route_t)-1; /* chosen below */
    out->coord.read_route = READ_ROUTE_RYW;
    out->coord.pool = 1;
    out->coord.pool_size = 4;
    out->coord.heartbeat_ms = 100;
    out->coord.missed = 3;
    out->coord.hold_ms = 2000;
    out->coord.max_lag = 10000;
    out->coord.max_clients = 10000;
    out->coord.idle_timeout_s = 300;
    out->coord.max_value = MM_VALUE_MAX;

    while (*at != '\0') {
        const char *end = strchr(at, '\n');
        size_t len = end != NULL ? (size_t)(end - at) : strlen(at);

        p.line++;
        if (len >= sizeof buf)
            return s_fail(&p, p.line,
                          "line is too long (at most %zu "
                          "characters)",
                          sizeof buf - 1);
        memcpy(buf, at, len);
        buf[len] = '\0';
        ret = s_line(&p, buf);
        if (ret != 0)
            return ret;
        at += len + (end != NULL);
    }
    ret = s_finish_node(&p);
    if (ret != 0)
        return ret;

    int primaries = 0, standbys = 0;
    for (int i = 0; i < out->nnodes; i++) {
        masters += out->nodes[i].role == ROLE_MASTER;
        primaries += out->nodes[i].role == ROLE_PRIMARY;
        standbys += out->nodes[i].role == ROLE_STANDBY;
    }
    if (standbys > 0 && primaries == 0)
        return s_fail(&p, p.line > 0 ? p.line : 1,
                      "standbys but no primary: one node needs "
                      "role = primary");
    if (masters > 0 && primaries + standbys > 0)
        return s_fail(&p, p.line > 0 ? p.line : 1,
                      "a cluster is multi-master (role = master) or "
                      "primary-standby (role = primary/standby), not both");
    if (primaries > 1)
        return s_fail(&p, p.line > 0 ? p.line : 1,
                      "%d nodes have role = primary; a cluster has one",
                      primaries);
    if (masters == 0 && primaries == 0)
        return s_fail(&p, p.line > 0 ? p.line : 1,
                      "no writer: at least one [node NAME] needs "
                      "role = master (or one role = primary)");
    if (out->ack == ACK_STANDBY && standbys == 0)
        return s_fail(&p, p.line > 0 ? p.line : 1,
                      "ack = standby needs a node with role = standby");
    ret = s_finish_coord(&p, primaries > 0);
    if (ret != 0)
        return ret;
    if (out->data_dir[0] == '\0')
        snprintf(out->data_dir, sizeof out->data_dir, "run/%s", out->name);
    return 0;
}

int config_load(const char *path, config_t *out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t len = 0;
    int ret = MM_ERR_CONFIG;

    if (f == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return MM_ERR_CONFIG;
    }
    /* One byte more than allowed tells a file that is too large. */
    text = malloc(CONFIG_FILE_MAX + 2);
    if (text == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(ENOMEM));
        goto fail;
    }
    errno = 0;
    len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
    if (ferror(f)) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "cannot read %s: %s", path,
                     strerror(errno != 0 ? errno : EIO));
        goto fail;
    }
    text[len] = '\0';
    if (len > CONFIG_FILE_MAX) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "cannot read %s: larger than %d bytes", path,
                     CONFIG_FILE_MAX);
        goto fail;
    }
    /* A NUL byte would silently end the text early. */
    if (memchr(text, '\0', len) != NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "cannot read %s: it contains a NUL byte",
                     path);
        goto fail;
    }
    ret = config_parse(text, path, out, err, errlen);
fail:
    free(text);
    fclose(f);
    return ret;
}

const config_node_t *config_node(const config_t *c, const char *name)
{
    for (int i = 0; i < c->nnodes; i++) {
        if (strcmp(c->nodes[i].name, name) == 0)
            return &c->nodes[i];
    }
    return NULL;
}

const config_node_t *config_node_by_id(const config_t *c, uint16_t id)
{
    for (int i = 0; i < c->nnodes; i++) {
        if (c->nodes[i].id == id)
            return &c->nodes[i];
    }
    return NULL;
}

const char *config_role_name(node_role_t r)
{
    switch (r) {
    case ROLE_MASTER:
        return "master";
    case ROLE_REPLICA:
        return "replica";
    case ROLE_PRIMARY:
        return "primary";
    case ROLE_STANDBY:
        return "standby";
    }
    return "unknown";
}

const char *config_write_route_name(write_route_t r)
{
    switch (r) {
    case WRITE_ROUTE_PRIMARY:
        return "primary";
    case WRITE_ROUTE_HOME:
        return "home";
    case WRITE_ROUTE_STICKY:
        return "sticky";
    }
    return "unknown";
}

const char *config_read_route_name(read_route_t r)
{
    switch (r) {
    case READ_ROUTE_ROUND_ROBIN:
        return "round_robin";
    case READ_ROUTE_LEAST_LAG:
        return "least_lag";
    case READ_ROUTE_RYW:
        return "ryw";
    case READ_ROUTE_PRIMARY:
        return "primary";
    }
    return "unknown";
}

int config_role_streams(node_role_t r)
{
    return r == ROLE_MASTER || r == ROLE_PRIMARY || r == ROLE_STANDBY;
}
