/*
 * mm_master.c - mm-master: runs a node that can write: a master of a
 * multi-master cluster, or the primary or a standby of a primary-standby
 * one (a standby is promoted in the running process).
 *
 * What a writer does lives beside this file: writer.c (take a client
 * write), stream.c (stream the log to followers), acks.c (hold a write's
 * OK until it is safe), primary.c (epochs, promotion, fencing). The loop
 * is common/node.c; following other writers is replicas/follow.c.
 */
#include <stdio.h>
#include "node.h"

int main(int argc, char **argv)
{
    static node_args_t a;
    int rc = node_args_parse(argc, argv, "mm-master", &a);
    if (rc >= 0)
        return rc;
    if (!config_role_streams(a.self->role)) {
        fprintf(stderr,
                "mm-master: node '%s' is a %s; start it with "
                "mm-replica\n",
                a.self->name, config_role_name(a.self->role));
        return 1;
    }
    return node_serve(&a, "mm-master");
}
