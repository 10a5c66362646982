/*
 * Diagnostic: what a non-blocking read of a blocking eventfd costs the kernel.
 * Each loop writes 1 to an eventfd and reads it back, with read(2) (which would block
 * on an empty eventfd) and with preadv2(RWF_NOWAIT) (which never blocks: what
 * Event.reset() needs), both through glibc and through syscall(2). A second thread exists
 * (and sleeps) so that the process is multi-threaded, as a JVM is.
 *
 *   gcc -O2 -pthread -o eventfd_read_cost vigil-bench/src/main/c/eventfd_read_cost.c
 *   taskset -c 1 ./eventfd_read_cost [iterations]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static void *sleeper(void *arg) {
    (void) arg;
    pause();
    return NULL;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    pthread_t other;
    pthread_create(&other, NULL, sleeper, NULL);
    int fd = eventfd(0, EFD_CLOEXEC);
    uint64_t one = 1, value;
    struct iovec iov = {&value, sizeof value};
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now_ns();
        for (long i = 0; i < n; i++) {
            if (write(fd, &one, 8) != 8 || read(fd, &value, 8) != 8) return 1;
        }
        double t1 = now_ns();
        for (long i = 0; i < n; i++) {
            if (write(fd, &one, 8) != 8 || preadv2(fd, &iov, 1, -1, RWF_NOWAIT) != 8) return 1;
        }
        double t2 = now_ns();
        for (long i = 0; i < n; i++) {
            if (syscall(SYS_write, fd, &one, 8L) != 8 || syscall(SYS_read, fd, &value, 8L) != 8) return 1;
        }
        double t3 = now_ns();
        for (long i = 0; i < n; i++) {
            if (syscall(SYS_write, fd, &one, 8L) != 8
                    || syscall(SYS_preadv2, fd, &iov, 1, -1L, 0L, RWF_NOWAIT) != 8) return 1;
        }
        double t4 = now_ns();
        printf("write+read %.0f ns, write+preadv2 %.0f ns | syscall(2): write+read %.0f ns, write+preadv2 %.0f ns\n",
               (t1 - t0) / n, (t2 - t1) / n, (t3 - t2) / n, (t4 - t3) / n);
    }
    return 0;
}
