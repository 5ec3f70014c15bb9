/*
 * mm_coordinator.c - mm-coordinator: the cluster's front door (see
 * coordinator.h).
 *
 *     mm-coordinator --config FILE           serve, until SIGTERM or SIGINT
 *     mm-coordinator --config FILE --ping    exit 0 if the running
 *                                            coordinator answers (scripts)
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coordinator.h"
#include "log.h"
#include "mmclient.h"

static coord_t *s_co;

static void s_on_signal(int sig)
{
    (void)sig;
    if (s_co != NULL)
        coord_stop(s_co);
}

static void s_usage(FILE *out)
{
    fprintf(out, "usage: mm-coordinator --config FILE [--ping] [--timeout MS]\n"
                 "\n"
                 "Runs the [coordinator] of the cluster file FILE in the "
                 "foreground until\n"
                 "SIGINT or SIGTERM: its ZeroMQ front (client endpoint) and "
                 "its Redis-protocol\n"
                 "front (resp address), routing, pooling, failure detection "
                 "and promotion\n"
                 "(docs/coordinator.md).\n"
                 "  --config FILE   the cluster file (docs/config.md)\n"
                 "  --ping          ask a running coordinator for a PONG and "
                 "exit:\n"
                 "                  0 when it answered, 1 when not\n"
                 "  --timeout MS    how long --ping waits (default 1000)\n");
}

/* Asks the coordinator's ZeroMQ front for a PONG (as the first client,
 * with security = curve). */
static int s_ping(const config_t *cfg, int timeout)
{
    char err[256];
    wire_msg_t req = {0}, reply;
    mmc_t *c;
    sec_t *sec;
    int rc;

    if (!cfg->coord.present || cfg->coord.client[0] == '\0') {
        fprintf(stderr, "mm-coordinator: no [coordinator] client endpoint\n");
        return 1;
    }
    sec = sec_new(cfg, cfg->clients[0], err, sizeof err);
    c = sec ? mmc_connect_as(NULL, cfg->coord.client, sec, "coordinator", err,
                             sizeof err)
            : NULL;
    sec_destroy(&sec);
    if (c == NULL) {
        fprintf(stderr, "mm-coordinator: %s\n", err);
        return 1;
    }
    req.cmd = WIRE_PING;
    rc = mmc_call(c, &req, &reply, timeout);
    mmc_destroy(&c);
    return rc == 0 && reply.cmd == WIRE_PONG ? 0 : 1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"ping", no_argument, NULL, 'p'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static config_t cfg;
    const char *path = NULL;
    int ping = 0, timeout = 1000, opt, rc;
    char err[512];

    while ((opt = getopt_long(argc, argv, "c:pt:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            path = optarg;
            break;
        case 'p':
            ping = 1;
            break;
        case 't':
            timeout = atoi(optarg);
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            s_usage(stderr);
            return 2;
        }
    }
    if (path == NULL || optind != argc || timeout <= 0) {
        s_usage(stderr);
        return 2;
    }
    if (config_load(path, &cfg, err, sizeof err) < 0) {
        fprintf(stderr, "mm-coordinator: %s\n", err);
        return 1;
    }
    if (ping)
        return s_ping(&cfg, timeout);

    log_init("coordinator", LOG_INFO);
    s_co = coord_new(&cfg, err, sizeof err);
    if (s_co == NULL) {
        fprintf(stderr, "mm-coordinator: %s\n", err);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, s_on_signal);
    signal(SIGINT, s_on_signal);
    rc = coord_run(s_co);
    coord_destroy(&s_co);
    return rc < 0 ? 1 : 0;
}
