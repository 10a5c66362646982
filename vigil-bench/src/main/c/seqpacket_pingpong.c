/*
 * seqpacket_pingpong: the C reference for vigil's Tube benchmark.
 *
 * Two threads bounce a 64-byte message through both ends of one
 * socketpair(AF_UNIX, SOCK_SEQPACKET), exactly what the Java harness
 * (dev.vigil.bench.TubeSuite) does with a vigil Tube.Pair:
 *
 *   main thread:      sendmsg(a, 64 bytes [+ fd]); recvmsg(a)   -- one round trip
 *   responder thread: recvmsg(b);                  sendmsg(b, 64 bytes [+ fd])
 *
 * With FDS=1 every message carries one descriptor (an eventfd) as SCM_RIGHTS, received
 * with MSG_CMSG_CLOEXEC and closed by the receiver, as a vigil Tube.Message's close() does.
 * One blocking recvmsg(2) per receive and one sendmsg(2) per send: the least work the
 * kernel allows, so this is the physical limit of a seqpacket round trip on this machine.
 *
 * Usage:  seqpacket_pingpong ROUND_TRIPS WARMUP_ROUND_TRIPS FDS [INITIATOR_CPU RESPONDER_CPU]
 * Output: one line, e.g.
 *   seqpacket_pingpong fds=1 round_trips=20000 total_ns=161234567 ns_per_round_trip=8061.7
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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MESSAGE 64

static int ends[2];
static long total_trips;
static int with_fd;
static int attached_fd = -1;
static int responder_cpu = -1;

static void send_message(int fd) {
    char data[MESSAGE];
    memset(data, 'x', sizeof data);
    struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (with_fd) {
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof control.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &attached_fd, sizeof(int));
    }
    while (sendmsg(fd, &msg, MSG_NOSIGNAL) != MESSAGE) {
        if (errno != EINTR) die("sendmsg");
    }
}

static void receive_message(int fd) {
    char data[MESSAGE];
    struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    ssize_t n;
    while ((n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) < 0) {
        if (errno != EINTR) die("recvmsg");
    }
    if (n != MESSAGE || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
        fprintf(stderr, "seqpacket_pingpong: bad message (%zd bytes, flags %#x)\n", n, msg.msg_flags);
        exit(1);
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int received;
            memcpy(&received, CMSG_DATA(c), sizeof received);
            close(received);
        }
    }
}

static void *responder(void *unused) {
    (void) unused;
    pin(responder_cpu);
    for (long i = 0; i < total_trips; i++) {
        receive_message(ends[1]);
        send_message(ends[1]);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 6) {
        fprintf(stderr, "usage: %s ROUND_TRIPS WARMUP_ROUND_TRIPS FDS [INITIATOR_CPU RESPONDER_CPU]\n", argv[0]);
        return 2;
    }
    long trips = atol(argv[1]);
    long warmup = atol(argv[2]);
    with_fd = atoi(argv[3]) != 0;
    int initiator_cpu = argc == 6 ? atoi(argv[4]) : -1;
    responder_cpu = argc == 6 ? atoi(argv[5]) : -1;
    if (trips <= 0 || warmup < 0) {
        fprintf(stderr, "seqpacket_pingpong: ROUND_TRIPS must be positive, WARMUP_ROUND_TRIPS not negative\n");
        return 2;
    }

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) die("socketpair");
    if (with_fd) {
        attached_fd = eventfd(0, EFD_CLOEXEC);
        if (attached_fd < 0) die("eventfd");
    }

    total_trips = warmup + trips;
    pin(initiator_cpu);
    pthread_t thread = start_thread(responder);

    for (long i = 0; i < warmup; i++) {
        send_message(ends[0]);
        receive_message(ends[0]);
    }
    long start = now_ns();
    for (long i = 0; i < trips; i++) {
        send_message(ends[0]);
        receive_message(ends[0]);
    }
    long elapsed = now_ns() - start;

    pthread_join(thread, NULL);
    printf("seqpacket_pingpong fds=%d round_trips=%ld total_ns=%ld ns_per_round_trip=%.1f\n",
           with_fd, trips, elapsed, (double) elapsed / trips);
    return 0;
}
