/*
 * eventfd_pingpong: the C reference for vigil's thread ping-pong benchmark.
 *
 * Two threads bounce a signal through two blocking eventfds, exactly what the Java harness
 * (dev.vigil.bench.EventSuite) does with two vigil Events:
 *
 *   main thread:      write(ping, 1); read(pong)      -- one round trip
 *   responder thread: read(ping);     write(pong, 1)
 *
 * One blocking read(2) per wait and one write(2) per signal: the least work the kernel
 * allows, so this is the physical limit of an eventfd round trip on this machine.
 *
 * Usage:  eventfd_pingpong ROUND_TRIPS [WARMUP_ROUND_TRIPS [INITIATOR_CPU RESPONDER_CPU]]
 * With the two CPU numbers, each thread pins itself to its CPU (sched_setaffinity) before
 * the first round trip; without them the scheduler places the threads.
 * Output: one line, e.g.
 *   eventfd_pingpong round_trips=20000 total_ns=1612345678 ns_per_round_trip=80617.3
 *
 * Build:  ./vigil bench compiles it into vigil-bench/target/ (gcc -O2 -Wall -pthread).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static int ping_fd;
static int pong_fd;
static long total_trips;
static int responder_cpu = -1;

static void *responder(void *unused) {
    (void) unused;
    pin(responder_cpu);
    for (long i = 0; i < total_trips; i++) {
        await_fd(ping_fd);
        signal_fd(pong_fd);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2 && argc != 3 && argc != 5) {
        fprintf(stderr, "usage: %s ROUND_TRIPS [WARMUP_ROUND_TRIPS [INITIATOR_CPU RESPONDER_CPU]]\n", argv[0]);
        return 2;
    }
    long trips = atol(argv[1]);
    long warmup = argc >= 3 ? atol(argv[2]) : 0;
    int initiator_cpu = argc == 5 ? atoi(argv[3]) : -1;
    responder_cpu = argc == 5 ? atoi(argv[4]) : -1;
    if (trips <= 0 || warmup < 0) {
        fprintf(stderr, "eventfd_pingpong: ROUND_TRIPS must be positive, WARMUP_ROUND_TRIPS not negative\n");
        return 2;
    }

    ping_fd = eventfd(0, EFD_CLOEXEC); /* blocking, like vigil's Event */
    pong_fd = eventfd(0, EFD_CLOEXEC);
    if (ping_fd < 0 || pong_fd < 0) die("eventfd");

    total_trips = warmup + trips;
    pin(initiator_cpu);
    pthread_t thread = start_thread(responder);

    for (long i = 0; i < warmup; i++) {
        signal_fd(ping_fd);
        await_fd(pong_fd);
    }
    long start = now_ns();
    for (long i = 0; i < trips; i++) {
        signal_fd(ping_fd);
        await_fd(pong_fd);
    }
    long elapsed = now_ns() - start;

    pthread_join(thread, NULL);
    printf("eventfd_pingpong round_trips=%ld total_ns=%ld ns_per_round_trip=%.1f\n",
           trips, elapsed, (double) elapsed / trips);
    return 0;
}
