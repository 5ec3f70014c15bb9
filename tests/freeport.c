/*
 * freeport.c - mm-freeport N: prints N TCP ports on 127.0.0.1 that are free
 * right now, one per line, so tests never share fixed ports.
 *
 * It binds N sockets to port 0 (the kernel picks free ports), reads the
 * ports back and closes the sockets. All N are held at once, so the N ports
 * differ. Another process could take a port before the test binds it; the
 * kernel hands out ports in a way that makes that unlikely, and a test that
 * loses the race fails loudly at bind time.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void s_usage(FILE *out)
{
    fprintf(out, "usage: mm-freeport N   (1 <= N <= 256)\n"
                 "\n"
                 "Prints N TCP ports of 127.0.0.1 that are free right now, "
                 "one a line\n"
                 "(experiments/mkcluster and the tests take their ports "
                 "from it).\n");
}

int main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        s_usage(stdout);
        return 0;
    }
    int n = argc == 2 ? atoi(argv[1]) : 0;
    if (n < 1 || n > 256) {
        s_usage(stderr);
        return 2;
    }
    int fds[256];
    for (int i = 0; i < n; i++) {
        struct sockaddr_in a = {0};
        socklen_t len = sizeof a;
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&a, sizeof a) < 0 ||
            getsockname(fds[i], (struct sockaddr *)&a, &len) < 0) {
            perror("mm-freeport");
            return 1;
        }
        printf("%u\n", ntohs(a.sin_port));
    }
    for (int i = 0; i < n; i++)
        close(fds[i]);
    return 0;
}
