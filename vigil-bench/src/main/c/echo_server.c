/*
 * echo_server: the C reference of the echo comparison, one thread and epoll, level-triggered:
 * accepts on 127.0.0.1:PORT (0: any free port), echoes every byte back. Prints "port=P" once
 * it listens, then serves until it is killed or its stdin closes.
 *
 * Usage: echo_server PORT [CPU]
 */
#include "bench.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: echo_server PORT [CPU]\n");
        return 2;
    }
    pin(argc > 2 ? atoi(argv[2]) : -1);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket");
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(argv[1]))};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *) &addr, sizeof addr) != 0) die("bind");
    if (listen(lfd, 4096) != 0) die("listen");
    socklen_t len = sizeof addr;
    getsockname(lfd, (struct sockaddr *) &addr, &len);
    printf("port=%d\n", ntohs(addr.sin_port));
    fflush(stdout);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    ev.data.fd = 0; /* stdin: its end stops the server */
    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
    struct epoll_event events[256];
    char buf[16384];
    for (;;) {
        int k = epoll_wait(ep, events, 256, -1);
        if (k < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int e = 0; e < k; e++) {
            int fd = events[e].data.fd;
            if (fd == 0) {
                return 0;
            }
            if (fd == lfd) {
                int c;
                while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                }
                continue;
            }
            ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0) {
                if (n < 0 && errno == EAGAIN) continue;
                close(fd);
                continue;
            }
            ssize_t off = 0;
            while (off < n) {
                ssize_t w = send(fd, buf + off, (size_t) (n - off), MSG_NOSIGNAL);
                if (w < 0) {
                    if (errno == EAGAIN) continue; /* a 64-byte echo always fits; spin otherwise */
                    break;
                }
                off += w;
            }
        }
    }
}
