/*
 * C reference for WaitContext: N eventfds in one level-triggered epoll set, exactly one of
 * them signalled (and never consumed), and epoll_wait called again and again: each call
 * returns that one ready descriptor. This is the least a WaitContext wait can cost.
 *
 *   epoll_ready N ITERATIONS WARMUP
 * prints: epoll_ready n=N iterations=ITERATIONS ns_per_wait=X
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s N ITERATIONS WARMUP\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    long iterations = atol(argv[2]);
    long warmup = atol(argv[3]);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    int *fds = calloc((size_t)n, sizeof(int));
    for (int i = 0; i < n; i++) {
        fds[i] = eventfd(0, EFD_CLOEXEC);
        if (fds[i] < 0) die("eventfd");
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) != 0) die("epoll_ctl");
    }
    uint64_t one = 1;
    if (write(fds[n / 2], &one, sizeof one) != sizeof one) die("write");

    struct epoll_event out[64];
    long long start = 0;
    for (long i = -warmup; i < iterations; i++) {
        if (i == 0) start = now_ns();
        int got = epoll_wait(ep, out, 64, 1000);
        if (got != 1 || out[0].data.u64 != (uint64_t)(n / 2)) {
            fprintf(stderr, "epoll_wait returned %d\n", got);
            return 1;
        }
    }
    long long elapsed = now_ns() - start;
    printf("epoll_ready n=%d iterations=%ld ns_per_wait=%.1f\n", n, iterations, (double)elapsed / iterations);
    for (int i = 0; i < n; i++) close(fds[i]);
    close(ep);
    free(fds);
    return 0;
}
