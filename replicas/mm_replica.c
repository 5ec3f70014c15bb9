/*
 * mm_replica.c - mm-replica: runs a read-only node that follows every
 * writer of the cluster and serves reads.
 *
 * What a follower does lives beside this file, in follow.c; masters and
 * standbys follow their peers with the same code. The loop is
 * common/node.c.
 */
#include <stdio.h>
#include "node.h"

int main(int argc, char **argv)
{
    static node_args_t a;
    int rc = node_args_parse(argc, argv, "mm-replica", &a);
    if (rc >= 0)
        return rc;
    if (a.self->role != ROLE_REPLICA) {
        fprintf(stderr,
                "mm-replica: node '%s' is a %s; start it with "
                "mm-master\n",
                a.self->name, config_role_name(a.self->role));
        return 1;
    }
    return node_serve(&a, "mm-replica");
}
