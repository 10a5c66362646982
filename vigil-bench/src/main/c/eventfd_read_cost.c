/*
 * Diagnostic: what a non-blocking read of a blocking eventfd costs the kernel.
 * Each loop writes 1 to an eventfd and reads it back, with read(2) (which would block
 * on an empty eventfd) and with preadv2(RWF_NOWAIT) (which never blocks: what
 * Event.reset() needs), both through glibc and through syscall(2). A second thread exists
 * (and sleeps) so that the process is multi-threaded, as a JVM is.
 *
 *   ./vigil bench help    (any ./vigil bench command compiles it into vigil-bench/target/)
 *   taskset -c 1 vigil-bench/target/eventfd_read_cost [iterations]
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"

static void *sleeper(void *arg) {
    (void) arg;
    pause();
    return NULL;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    start_thread(sleeper);
    int fd = eventfd(0, EFD_CLOEXEC);
    if (fd < 0) die("eventfd");
    uint64_t one = 1, value;
    struct iovec iov = {&value, sizeof value};
    for (int rep = 0; rep < 5; rep++) {
        long t0 = now_ns();
        for (long i = 0; i < n; i++) {
            if (write(fd, &one, 8) != 8 || read(fd, &value, 8) != 8) die("write/read");
        }
        long t1 = now_ns();
        for (long i = 0; i < n; i++) {
            if (write(fd, &one, 8) != 8 || preadv2(fd, &iov, 1, -1, RWF_NOWAIT) != 8) die("write/preadv2");
        }
        long t2 = now_ns();
        for (long i = 0; i < n; i++) {
            if (syscall(SYS_write, fd, &one, 8L) != 8 || syscall(SYS_read, fd, &value, 8L) != 8) die("syscall write/read");
        }
        long t3 = now_ns();
        for (long i = 0; i < n; i++) {
            if (syscall(SYS_write, fd, &one, 8L) != 8
                    || syscall(SYS_preadv2, fd, &iov, 1, -1L, 0L, RWF_NOWAIT) != 8) die("syscall write/preadv2");
        }
        long t4 = now_ns();
        printf("write+read %.0f ns, write+preadv2 %.0f ns | syscall(2): write+read %.0f ns, write+preadv2 %.0f ns\n",
               (double) (t1 - t0) / n, (double) (t2 - t1) / n, (double) (t3 - t2) / n, (double) (t4 - t3) / n);
    }
    return 0;
}
