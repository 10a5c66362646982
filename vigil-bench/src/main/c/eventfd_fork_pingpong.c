/*
 * eventfd_fork_pingpong: the C reference for vigil's cross-process Event round trip.
 *
 * The process creates two blocking eventfds and forks; parent and child then bounce a
 * signal through them, exactly what the Java harness (dev.vigil.bench.ProcessSuite) does
 * with two vigil Events handed to a child JVM over a Tube:
 *
 *   parent:  write(ping, 1); read(pong)    -- one round trip, timed here
 *   child:   read(ping);     write(pong, 1)
 *
 * One blocking read(2) per wait and one write(2) per signal: the physical limit of a
 * cross-process eventfd round trip on this machine.
 *
 * Usage:  eventfd_fork_pingpong ROUND_TRIPS [WARMUP_ROUND_TRIPS [PARENT_CPU CHILD_CPU]]
 * Output: one line, e.g.
 *   eventfd_fork_pingpong round_trips=20000 total_ns=1612345678 ns_per_round_trip=80617.3
 *
 * Build:  ./vigil bench compiles it into vigil-bench/target/ (gcc -O2 -Wall -pthread).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

int main(int argc, char **argv) {
    if (argc != 2 && argc != 3 && argc != 5) {
        fprintf(stderr, "usage: %s ROUND_TRIPS [WARMUP_ROUND_TRIPS [PARENT_CPU CHILD_CPU]]\n", argv[0]);
        return 2;
    }
    long trips = atol(argv[1]);
    long warmup = argc >= 3 ? atol(argv[2]) : 0;
    int parent_cpu = argc == 5 ? atoi(argv[3]) : -1;
    int child_cpu = argc == 5 ? atoi(argv[4]) : -1;
    if (trips <= 0 || warmup < 0) {
        fprintf(stderr, "eventfd_fork_pingpong: ROUND_TRIPS must be positive, WARMUP_ROUND_TRIPS not negative\n");
        return 2;
    }

    int ping = eventfd(0, EFD_CLOEXEC); /* blocking, like vigil's Event */
    int pong = eventfd(0, EFD_CLOEXEC);
    if (ping < 0 || pong < 0) die("eventfd");

    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        pin(child_cpu);
        for (long i = 0; i < warmup + trips; i++) {
            await_fd(ping);
            signal_fd(pong);
        }
        _exit(0);
    }

    pin(parent_cpu);
    for (long i = 0; i < warmup; i++) {
        signal_fd(ping);
        await_fd(pong);
    }
    long start = now_ns();
    for (long i = 0; i < trips; i++) {
        signal_fd(ping);
        await_fd(pong);
    }
    long elapsed = now_ns() - start;

    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "eventfd_fork_pingpong: the child failed\n");
        return 1;
    }
    printf("eventfd_fork_pingpong round_trips=%ld total_ns=%ld ns_per_round_trip=%.1f\n",
           trips, elapsed, (double) elapsed / trips);
    return 0;
}
