/* mm_master.c - mm-master: a writable node of a multi-master cluster.
 * The engine is common/node.c; this file only picks the role. */
#include "node.h"

int main(int argc, char **argv)
{
    return node_main(argc, argv, ROLE_MASTER, "mm-master");
}
