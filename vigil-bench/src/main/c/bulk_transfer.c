/*
 * bulk_transfer: the C reference of the bulk comparison. Moves MIB mebibytes from a writer
 * thread to a reader thread through a connected pair (KIND unix: socketpair(AF_UNIX,
 * SOCK_STREAM); tcp: a loopback TCP connection), with plain blocking write(2) and read(2) of
 * 64 KiB, and prints
 *   bytes_per_second=B
 *
 * Usage: bulk_transfer KIND MIB
 */
#include "bench.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#define CHUNK (64 * 1024)

static int wfd;
static long total;

static void *writer(void *arg) {
    (void) arg;
    char *buf = malloc(CHUNK);
    memset(buf, 'x', CHUNK);
    for (long sent = 0; sent < total; sent += CHUNK) {
        for (long off = 0; off < CHUNK; ) {
            ssize_t w = write(wfd, buf + off, (size_t) (CHUNK - off));
            if (w < 0) {
                if (errno == EINTR) continue;
                die("write");
            }
            off += w;
        }
    }
    free(buf);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bulk_transfer unix|tcp MIB\n");
        return 2;
    }
    total = atol(argv[2]) * 1024L * 1024L;
    int rfd;
    if (strcmp(argv[1], "unix") == 0) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) die("socketpair");
        wfd = sv[0];
        rfd = sv[1];
    } else {
        int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in addr = {.sin_family = AF_INET};
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(l, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(l, 1) != 0) die("bind/listen");
        socklen_t len = sizeof addr;
        getsockname(l, (struct sockaddr *) &addr, &len);
        wfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(wfd, (struct sockaddr *) &addr, sizeof addr) != 0) die("connect");
        rfd = accept(l, NULL, NULL);
        if (rfd < 0) die("accept");
        close(l);
        int one = 1;
        setsockopt(wfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    char *buf = malloc(CHUNK);
    long start = now_ns();
    pthread_t t = start_thread(writer);
    for (long got = 0; got < total; ) {
        ssize_t r = read(rfd, buf, CHUNK);
        if (r < 0) {
            if (errno == EINTR) continue;
            die("read");
        }
        if (r == 0) {
            errno = EPIPE;
            die("read: end of stream too early");
        }
        got += r;
    }
    long elapsed = now_ns() - start;
    pthread_join(t, NULL);
    printf("bytes_per_second=%.0f\n", (double) total / ((double) elapsed / 1e9));
    return 0;
}
