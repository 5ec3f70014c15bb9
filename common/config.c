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
#include "config_int.h"

/* Writes "source:line: message" into the caller's buffer. */
int config__fail(parser_t *p, int line, const char *fmt, ...)
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
        return config__fail(p, p->line,
                            "'%s' is outside any section: start with [cluster] "
                            "or [node NAME]",
                            key);
    s_section(p, section, sizeof section);
    if (*key == '\0')
        return config__fail(p, p->line, "missing key before '=' in %s",
                            section);

    if (p->in_coord) {
        k = s_key_index(config__coord_keys, COORD_NKEYS, key);
        if (k < 0)
            return config__fail(p, p->line, "unknown key '%s' in %s", key,
                                section);
        if (p->coord_line[k] != 0)
            return config__fail(p, p->line,
                                "%s is set twice in %s (first on line %d)", key,
                                section, p->coord_line[k]);
        if (*value == '\0')
            return config__fail(p, p->line, "%s in %s has no value", key,
                                section);
        p->coord_line[k] = p->line;
        return config__coord_key(p, k, value);
    }
    if (p->node != NULL) {
        keys = config__node_keys;
        nkeys = NODE_NKEYS;
        seen = p->node_line[p->c->nnodes - 1];
    } else {
        keys = config__cluster_keys;
        nkeys = CLUSTER_NKEYS;
        seen = p->cluster_line;
    }
    k = s_key_index(keys, nkeys, key);
    if (k < 0) {
        /* A key of the other kind of section is an easy slip. */
        const char *hint = "";
        if (p->node != NULL &&
            s_key_index(config__cluster_keys, CLUSTER_NKEYS, key) >= 0)
            hint = " (it belongs in [cluster])";
        else if (p->node == NULL &&
                 s_key_index(config__node_keys, NODE_NKEYS, key) >= 0)
            hint = " (it belongs in a [node NAME] section)";
        return config__fail(p, p->line, "unknown key '%s' in %s%s", key,
                            section, hint);
    }
    if (seen[k] != 0)
        return config__fail(p, p->line,
                            "%s is set twice in %s (first on line %d)", key,
                            section, seen[k]);
    if (*value == '\0')
        return config__fail(p, p->line, "%s in %s has no value", key, section);
    seen[k] = p->line;
    return p->node != NULL ? config__node_key(p, k, value)
                           : config__cluster_key(p, k, value);
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
            return config__fail(
                p, p->node_line[i][key],
                "%s endpoint %s of %s is already the %s endpoint "
                "of %s",
                config__node_keys[key], ep, n->name, as, o->name);
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
        return config__fail(
            p, p->header_line[i],
            "[node %s] has no role (master, replica, primary or "
            "standby)",
            n->name);
    if (at[KEY_CLIENT] == 0)
        return config__fail(p, p->header_line[i],
                            "[node %s] has no client endpoint", n->name);
    if (config_role_streams(n->role) && at[KEY_PEER] == 0)
        return config__fail(
            p, p->header_line[i],
            "%s %s has no peer endpoint: it streams writes from it",
            config_role_name(n->role), n->name);
    if (n->role == ROLE_REPLICA && at[KEY_PEER] != 0)
        return config__fail(
            p, at[KEY_PEER],
            "replica %s cannot have a peer endpoint: only writers "
            "stream writes",
            n->name);
    for (int j = 0; j < i; j++) {
        if (p->c->nodes[j].id == n->id)
            return config__fail(p, at[KEY_ID] ? at[KEY_ID] : p->header_line[i],
                                "node id %u of %s is already the id of %s",
                                (unsigned)n->id, n->name, p->c->nodes[j].name);
    }
    if (at[KEY_PEER] != 0 && strcmp(n->client, n->peer) == 0)
        return config__fail(p, at[KEY_PEER],
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
        return config__fail(p, p->coord_header_line,
                            "[coordinator] needs a client endpoint, a resp "
                            "address, or both");
    for (int i = 0; i < p->c->nnodes; i++) {
        const config_node_t *n = &p->c->nodes[i];
        if (c->client[0] != '\0' && (strcmp(n->client, c->client) == 0 ||
                                     strcmp(n->peer, c->client) == 0))
            return config__fail(p, p->coord_line[KEY_C_CLIENT],
                                "coordinator client endpoint %s is already an "
                                "endpoint of %s",
                                c->client, n->name);
    }
    if (primary_standby && c->write_route != WRITE_ROUTE_PRIMARY)
        return config__fail(p, p->coord_line[KEY_C_WRITE_ROUTE],
                            "write_route must be primary in a primary-standby "
                            "cluster: only the primary takes writes");
    /* Redis's protected mode, decided before anything binds: a front that
     * other machines can reach takes commands only after AUTH. */
    if (c->resp[0] != '\0' && !config__loopback(c->resp) &&
        c->requirepass[0] == '\0')
        return config__fail(p, p->coord_line[KEY_C_RESP],
                            "resp %s can be reached from other machines, but "
                            "no requirepass is set: anyone could write; set "
                            "requirepass or bind 127.0.0.1",
                            c->resp);
    return 0;
}

/*
 * Every identity has a key file named after it (docs/security.md), so a
 * node may not take the name of the coordinator, the admin or a client.
 */
static int s_check_identities(parser_t *p)
{
    const config_t *c = p->c;

    for (int i = 0; i < c->nnodes; i++) {
        const char *name = c->nodes[i].name;
        int taken = !strcmp(name, "coordinator") || !strcmp(name, "admin");
        for (int k = 0; k < c->nclients; k++)
            taken |= !strcmp(name, c->clients[k]);
        if (taken)
            return config__fail(p, p->header_line[i],
                                "node name '%s' is taken: coordinator, admin "
                                "and the clients (%s%s) have key files of "
                                "that name",
                                name, c->clients[0],
                                c->nclients > 1 ? ", ..." : "");
    }
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
            return config__fail(
                p, p->line, "[coordinator] appears twice (first on line %d)",
                p->coord_header_line);
        c->coord.present = 1;
        p->in_coord = 1;
        p->coord_header_line = p->line;
        return 0;
    }
    if (strncmp(header, "node", 4) != 0 ||
        (header[4] != '\0' && !s_is_space(header[4])))
        return config__fail(
            p, p->line, "unknown section [%s]: use [cluster] or [node NAME]",
            header);
    name = s_trim(header + 4);
    if (*name == '\0')
        return config__fail(p, p->line, "[node] needs a name: [node NAME]");
    if (!config__valid_name(name))
        return config__fail(
            p, p->line,
            "node name '%s' must be 1 to %d letters, digits, '_' "
            "or '-'",
            name, CONFIG_NAME_MAX - 1);
    for (int i = 0; i < c->nnodes; i++) {
        if (strcmp(c->nodes[i].name, name) == 0)
            return config__fail(p, p->line,
                                "duplicate node name '%s' (first on line %d)",
                                name, p->header_line[i]);
    }
    if (c->nnodes == MM_MAX_NODES)
        return config__fail(p, p->line, "too many nodes: at most %d",
                            MM_MAX_NODES);

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
            return config__fail(p, p->line, "unterminated section header '%s'",
                                line);
        *close = '\0';
        rest = s_trim(close + 1);
        if (*rest != '\0' && *rest != ';' && *rest != '#')
            return config__fail(p, p->line, "unexpected '%s' after [%s]", rest,
                                line + 1);
        return s_section_header(p, line + 1);
    }
    eq = strchr(line, '=');
    if (eq == NULL)
        return config__fail(p, p->line, "expected 'key = value', got '%s'",
                            line);
    return s_key_value(p, line, eq);
}

/* Every key's default; the write route is chosen once the shape is known. */
static void s_defaults(config_t *out)
{
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
    out->log_retain = 100000;
    out->coord.write_route = (write_route_t)-1; /* s_finish_coord */
    out->coord.read_route = READ_ROUTE_RYW;
    out->coord.pool = 1;
    out->coord.pool_size = 4;
    out->coord.heartbeat_ms = 100;
    out->coord.missed = 3;
    out->coord.suspect_ms = 2000;
    out->coord.hold_ms = 2000;
    out->coord.max_lag = 10000;
    out->coord.max_clients = 10000;
    out->coord.idle_timeout_s = 300;
    out->coord.max_value = MM_VALUE_MAX;
    out->security = SECURITY_OFF;
    out->nclients = 1;
    strcpy(out->clients[0], "client");
    out->max_connections = 1024;
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

    s_defaults(out);

    while (*at != '\0') {
        const char *end = strchr(at, '\n');
        size_t len = end != NULL ? (size_t)(end - at) : strlen(at);

        p.line++;
        if (len >= sizeof buf)
            return config__fail(&p, p.line,
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
        return config__fail(&p, p.line > 0 ? p.line : 1,
                            "standbys but no primary: one node needs "
                            "role = primary");
    if (masters > 0 && primaries + standbys > 0)
        return config__fail(
            &p, p.line > 0 ? p.line : 1,
            "a cluster is multi-master (role = master) or "
            "primary-standby (role = primary/standby), not both");
    if (primaries > 1)
        return config__fail(&p, p.line > 0 ? p.line : 1,
                            "%d nodes have role = primary; a cluster has one",
                            primaries);
    if (masters == 0 && primaries == 0)
        return config__fail(&p, p.line > 0 ? p.line : 1,
                            "no writer: at least one [node NAME] needs "
                            "role = master (or one role = primary)");
    if (out->ack == ACK_STANDBY && standbys == 0)
        return config__fail(&p, p.line > 0 ? p.line : 1,
                            "ack = standby needs a node with role = standby");
    if ((out->ack == ACK_ALL || out->ack == ACK_QUORUM) && masters < 2)
        return config__fail(&p, p.line > 0 ? p.line : 1,
                            "ack = %s waits for other masters: it needs two "
                            "or more nodes with role = master",
                            out->ack == ACK_ALL ? "all" : "quorum");
    ret = s_finish_coord(&p, primaries > 0);
    if (ret == 0)
        ret = s_check_identities(&p);
    if (ret != 0)
        return ret;
    if (out->data_dir[0] == '\0')
        snprintf(out->data_dir, sizeof out->data_dir, "run/%s", out->name);
    if (out->keys[0] == '\0' &&
        snprintf(out->keys, sizeof out->keys, "%s/keys", out->data_dir) >=
            (int)sizeof out->keys)
        return config__fail(&p, p.line > 0 ? p.line : 1,
                            "data_dir is too long to hold the keys "
                            "directory: set keys");
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

const char *config_security_name(security_mode_t s)
{
    return s == SECURITY_CURVE ? "curve" : "off";
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
