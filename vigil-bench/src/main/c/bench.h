/*
 * bench.h: what the C reference programs share. Each program is compiled on its own
 * (gcc -O2 -Wall -pthread prog.c); everything here is static inline, so a program pays
 * only for what it uses.
 */
#ifndef VIGIL_BENCH_H
#define VIGIL_BENCH_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Prints "program: what: strerror(errno)" and exits 1. */
static inline void die(const char *what) {
    fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what, strerror(errno));
    exit(1);
}

/* Adds 1 to an eventfd's counter (blocking write; EINTR retried). */
static inline void signal_fd(int fd) {
    uint64_t one = 1;
    while (write(fd, &one, sizeof one) != sizeof one) {
        if (errno != EINTR) die("write");
    }
}

/* Blocks until an eventfd is signalled and takes its count (one read(2), as vigil's untimed await). */
static inline void await_fd(int fd) {
    uint64_t count;
    while (read(fd, &count, sizeof count) != sizeof count) {
        if (errno != EINTR) die("read");
    }
}

/* Pins the calling thread to one CPU; -1 leaves it to the scheduler. */
static inline void pin(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) die("sched_setaffinity");
}

/* Starts fn(NULL) on a new thread, or dies. */
static inline pthread_t start_thread(void *(*fn)(void *)) {
    pthread_t thread;
    int err = pthread_create(&thread, NULL, fn, NULL);
    if (err != 0) {
        errno = err;
        die("pthread_create");
    }
    return thread;
}

/* CLOCK_MONOTONIC in nanoseconds, the clock System.nanoTime() reads. */
static inline long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

#endif
