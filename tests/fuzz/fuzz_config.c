/*
 * fuzz_config.c - the cluster-file parser (common/config.c, config_keys.c).
 *
 * Students write cluster files by hand, so any text must give either a
 * config that every program can trust or one "FILE:LINE: message". For
 * each input (as a C string, which ends at the first NUL) this checks:
 *
 *   - a refused file names a line of the file, and the message fits the
 *     caller's buffer, however small (errlen 0 and 7 too);
 *   - an accepted file keeps every promise config.h makes: 1 to
 *     MM_MAX_NODES nodes with valid, unique names, unique ids in range,
 *     unique endpoints, a peer endpoint exactly for the writer roles, one
 *     cluster shape, at least one writer, numbers in their ranges, every
 *     string terminated inside its field;
 *   - parsing is a function of the text: the same text twice gives the
 *     same bytes.
 */
#include "config.h"
#include "fuzz.h"

static void s_check_name(const char *name, size_t cap)
{
    size_t len = strnlen(name, cap);

    FUZZ_CHECK(len >= 1 && len < cap);
    for (size_t i = 0; i < len; i++)
        FUZZ_CHECK((name[i] >= 'a' && name[i] <= 'z') ||
                   (name[i] >= 'A' && name[i] <= 'Z') ||
                   (name[i] >= '0' && name[i] <= '9') || name[i] == '_' ||
                   name[i] == '-');
}

/* The endpoints of nodes before i are not node i's. */
static void s_check_endpoints(const config_t *c, int i)
{
    const config_node_t *n = &c->nodes[i];

    for (int j = 0; j < i; j++) {
        const config_node_t *o = &c->nodes[j];
        FUZZ_CHECK(strcmp(o->name, n->name) != 0 && o->id != n->id);
        FUZZ_CHECK(strcmp(o->client, n->client) != 0);
        FUZZ_CHECK(o->peer[0] == '\0' || strcmp(o->peer, n->client) != 0);
        if (n->peer[0] != '\0')
            FUZZ_CHECK(strcmp(o->client, n->peer) != 0 &&
                       strcmp(o->peer, n->peer) != 0);
    }
}

static void s_check_nodes(const config_t *c)
{
    int masters = 0, primaries = 0, standbys = 0;

    FUZZ_CHECK(c->nnodes >= 1 && c->nnodes <= MM_MAX_NODES);
    for (int i = 0; i < c->nnodes; i++) {
        const config_node_t *n = &c->nodes[i];
        s_check_name(n->name, sizeof n->name);
        FUZZ_CHECK(n->id >= 1 && n->id <= MM_MAX_NODES);
        FUZZ_CHECK(n->role >= ROLE_MASTER && n->role <= ROLE_STANDBY);
        FUZZ_CHECK(strnlen(n->client, sizeof n->client) < sizeof n->client);
        FUZZ_CHECK(strnlen(n->peer, sizeof n->peer) < sizeof n->peer);
        FUZZ_CHECK(n->client[0] != '\0');
        FUZZ_CHECK((n->peer[0] != '\0') == config_role_streams(n->role));
        FUZZ_CHECK(strcmp(n->client, n->peer) != 0);
        FUZZ_CHECK(n->clock_offset_ms >= -86400000 &&
                   n->clock_offset_ms <= 86400000);
        FUZZ_CHECK(config_node(c, n->name) == n);
        FUZZ_CHECK(config_node_by_id(c, n->id) == n);
        s_check_endpoints(c, i);
        masters += n->role == ROLE_MASTER;
        primaries += n->role == ROLE_PRIMARY;
        standbys += n->role == ROLE_STANDBY;
    }
    /* One shape: masters, or one primary with its standbys. */
    FUZZ_CHECK(masters > 0 || primaries == 1);
    FUZZ_CHECK(masters == 0 || primaries + standbys == 0);
    FUZZ_CHECK(primaries <= 1 && (standbys == 0 || primaries == 1));
    FUZZ_CHECK(c->ack != ACK_STANDBY || standbys > 0);
    FUZZ_CHECK((c->ack != ACK_ALL && c->ack != ACK_QUORUM) || masters >= 2);
}

static void s_check_cluster(const config_t *c)
{
    s_check_name(c->name, sizeof c->name);
    FUZZ_CHECK(c->data_dir[0] != '\0' &&
               strnlen(c->data_dir, sizeof c->data_dir) < sizeof c->data_dir);
    FUZZ_CHECK(c->clock == HLC_MODE_HLC || c->clock == HLC_MODE_WALL);
    FUZZ_CHECK(c->durability == STORE_SYNC || c->durability == STORE_NOSYNC);
    FUZZ_CHECK(c->heartbeat_ms >= 10 && c->heartbeat_ms <= 10000);
    FUZZ_CHECK(c->liveness >= 2 && c->liveness <= 100);
    FUZZ_CHECK(c->window >= 16 && c->window <= 1000000);
    FUZZ_CHECK(c->cache_mb >= 1 && c->cache_mb <= 4096);
    FUZZ_CHECK(c->ack >= ACK_NONE && c->ack <= ACK_QUORUM);
    FUZZ_CHECK(c->ack_timeout_ms >= 10 && c->ack_timeout_ms <= 600000);
    FUZZ_CHECK(c->write_service_us >= 0 && c->write_service_us <= 1000000);
    FUZZ_CHECK(c->read_service_us >= 0 && c->read_service_us <= 1000000);

    const config_coord_t *co = &c->coord;
    FUZZ_CHECK(co->write_route >= WRITE_ROUTE_PRIMARY &&
               co->write_route <= WRITE_ROUTE_STICKY);
    FUZZ_CHECK(co->read_route >= READ_ROUTE_ROUND_ROBIN &&
               co->read_route <= READ_ROUTE_PRIMARY);
    FUZZ_CHECK(co->pool_size >= 1 && co->pool_size <= 64);
    FUZZ_CHECK(co->max_value >= 0 && co->max_value <= MM_VALUE_MAX);
    if (co->present)
        FUZZ_CHECK(co->client[0] != '\0' || co->resp[0] != '\0');
    for (int i = 0; co->client[0] != '\0' && i < c->nnodes; i++)
        FUZZ_CHECK(strcmp(co->client, c->nodes[i].client) != 0 &&
                   strcmp(co->client, c->nodes[i].peer) != 0);
}

/* "fuzz:LINE: message", with LINE a line of the text (or one past it). */
static void s_check_error(const char *text, const char *err, size_t errlen)
{
    size_t lines = 1;
    char *end;

    FUZZ_CHECK(strnlen(err, errlen) < errlen);
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    FUZZ_CHECK(strncmp(err, "fuzz:", 5) == 0);
    long line = strtol(err + 5, &end, 10);
    FUZZ_CHECK(line >= 1 && (size_t)line <= lines &&
               strncmp(end, ": ", 2) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    config_t *a = calloc(2, sizeof *a), *b = a + 1;
    char err[256], err2[256], tiny[7];
    int rc;

    FUZZ_CHECK(a != NULL);
    memset(err, 0x55, sizeof err);
    rc = config_parse(text, "fuzz", a, err, sizeof err);
    if (rc == 0) {
        s_check_nodes(a);
        s_check_cluster(a);
    } else {
        FUZZ_CHECK(rc == MM_ERR_CONFIG);
        s_check_error(text, err, sizeof err);
    }

    /* The same text again: the same answer, byte for byte. */
    FUZZ_CHECK(config_parse(text, "fuzz", b, err2, sizeof err2) == rc);
    FUZZ_CHECK(memcmp(a, b, sizeof *a) == 0);
    FUZZ_CHECK(rc == 0 || strcmp(err, err2) == 0);

    /* Short and absent message buffers are cut, never overrun. */
    memset(tiny, 0x55, sizeof tiny);
    FUZZ_CHECK(config_parse(text, "fuzz", b, tiny, sizeof tiny) == rc);
    FUZZ_CHECK(rc == 0 || strnlen(tiny, sizeof tiny) < sizeof tiny);
    FUZZ_CHECK(config_parse(text, "fuzz", b, NULL, 0) == rc);

    free(a);
    free(text);
    return 0;
}
