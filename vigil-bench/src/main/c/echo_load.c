/*
 * echo_load: the load generator of the echo comparison, one for every server. Closed loop:
 * N connections to 127.0.0.1:PORT, each sends a 64-byte request, waits for all 64 bytes to
 * come back, and sends the next; one thread drives them all through epoll. It runs for
 * WARMUP_MS without recording, then MEASURE_MS recording each request's latency, and prints
 *   requests_per_second=R p50_us=A p99_us=B
 *
 * Usage: echo_load PORT CONNECTIONS WARMUP_MS MEASURE_MS [CPU]
 */
#include "bench.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define MSG 64

struct conn {
    int fd;
    int got;        /* bytes of the current echo received */
    uint64_t sent;  /* when the current request went, ns */
};

static int cmp(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

static void send_request(struct conn *c, const char *msg) {
    c->got = 0;
    c->sent = (uint64_t) now_ns();
    ssize_t n = send(c->fd, msg, MSG, MSG_NOSIGNAL);
    if (n != MSG) die("send (a 64-byte request must fit a fresh socket buffer)");
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: echo_load PORT CONNECTIONS WARMUP_MS MEASURE_MS [CPU]\n");
        return 2;
    }
    int port = atoi(argv[1]), n = atoi(argv[2]);
    uint64_t warmup = (uint64_t) atoll(argv[3]) * 1000000u, measure = (uint64_t) atoll(argv[4]) * 1000000u;
    pin(argc > 5 ? atoi(argv[5]) : -1);
    char msg[MSG], buf[MSG];
    memset(msg, 'x', sizeof msg);
    struct conn *conns = calloc((size_t) n, sizeof *conns);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) die("socket");
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *) &addr, sizeof addr) != 0) die("connect");
        conns[i].fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t) i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl");
    }
    size_t cap = 1 << 20, count = 0;
    uint64_t *lat = malloc(cap * sizeof *lat);
    struct epoll_event events[256];
    uint64_t start = (uint64_t) now_ns(), begin = start + warmup, end = begin + measure;
    uint64_t done_in_window = 0;
    for (int i = 0; i < n; i++) send_request(&conns[i], msg);
    for (;;) {
        uint64_t t = (uint64_t) now_ns();
        if (t >= end) break;
        int k = epoll_wait(ep, events, 256, (int) ((end - t) / 1000000u) + 1);
        if (k < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int e = 0; e < k; e++) {
            struct conn *c = &conns[events[e].data.u32];
            ssize_t r = recv(c->fd, buf, (size_t) (MSG - c->got), MSG_DONTWAIT);
            if (r == 0) { errno = ECONNRESET; die("recv: the server closed the connection"); }
            if (r < 0) {
                if (errno == EAGAIN || errno == EINTR) continue;
                die("recv");
            }
            c->got += (int) r;
            if (c->got < MSG) continue;
            uint64_t done = (uint64_t) now_ns();
            if (c->sent >= begin && done <= end) {
                done_in_window++;
                if (count == cap) {
                    cap *= 2;
                    lat = realloc(lat, cap * sizeof *lat);
                }
                lat[count++] = done - c->sent;
            }
            send_request(c, msg);
        }
    }
    qsort(lat, count, sizeof *lat, cmp);
    double rps = (double) done_in_window / ((double) measure / 1e9);
    double p50 = count ? (double) lat[count / 2] / 1000.0 : 0, p99 = count ? (double) lat[(size_t) (count * 0.99)] / 1000.0 : 0;
    printf("requests_per_second=%.0f p50_us=%.1f p99_us=%.1f\n", rps, p50, p99);
    for (int i = 0; i < n; i++) close(conns[i].fd);
    return 0;
}
