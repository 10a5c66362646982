/*
 * The cost of the single system calls on vigil's Event paths, each in a tight loop on one
 * thread: an eventfd write, poll and ppoll with a zero timeout, rt_sigprocmask reading the
 * mask, and getppid as the floor of any system call on this machine.
 *
 *   ./vigil bench help    (any ./vigil bench command compiles it into vigil-bench/target/)
 *   taskset -c 1 vigil-bench/target/syscall_cost
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(void) {
    int fd = eventfd(0, EFD_CLOEXEC);
    uint64_t one = 1, value;
    const int n = 500000;
    struct timespec zero = {0, 0};
    sigset_t mask;
    for (int rep = 0; rep < 3; rep++) {
        double start = now_ns();
        for (int i = 0; i < n; i++) {
            if (write(fd, &one, 8) != 8) return 1;
            if ((i & 1023) == 0 && read(fd, &value, 8) != 8) return 1;
        }
        double write_ns = (now_ns() - start) / n;
        start = now_ns();
        for (int i = 0; i < n; i++) {
            struct pollfd p = {fd, POLLOUT, 0};
            poll(&p, 1, 0);
        }
        double poll_ns = (now_ns() - start) / n;
        start = now_ns();
        for (int i = 0; i < n; i++) {
            struct pollfd p = {fd, POLLOUT, 0};
            ppoll(&p, 1, &zero, NULL);
        }
        double ppoll_ns = (now_ns() - start) / n;
        start = now_ns();
        for (int i = 0; i < n; i++) {
            syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, 8);
        }
        double mask_ns = (now_ns() - start) / n;
        start = now_ns();
        for (int i = 0; i < n; i++) {
            syscall(SYS_getppid);
        }
        double getppid_ns = (now_ns() - start) / n;
        printf("write %.0f ns  poll %.0f ns  ppoll %.0f ns  rt_sigprocmask %.0f ns  getppid %.0f ns\n",
               write_ns, poll_ns, ppoll_ns, mask_ns, getppid_ns);
    }
    return 0;
}
