/* mm_replica.c - mm-replica: a read-only node that follows every master.
 * The engine is common/node.c; this file only picks the role. */
#include "node.h"

int main(int argc, char **argv)
{
    return node_main(argc, argv, ROLE_REPLICA, "mm-replica");
}
