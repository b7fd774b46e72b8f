/* Shared setup for the C "floor" servers: the least code that can serve the
 * benchmark, so the Go servers can be measured against what the kernel costs. */
#ifndef CFLOOR_COMMON_H
#define CFLOOR_COMMON_H

#define _GNU_SOURCE /* accept4, memmem */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* listen_on parses "host:port" from -addr (the same flag the Go peers use). */
static int listen_on(int argc, char **argv, const char *def) {
    const char *addr = def;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "-addr") || !strcmp(argv[i], "--addr")) addr = argv[i + 1];
    char host[64];
    const char *colon = strrchr(addr, ':');
    if (!colon || (size_t)(colon - addr) >= sizeof host) { fprintf(stderr, "bad -addr %s\n", addr); exit(2); }
    memcpy(host, addr, colon - addr);
    host[colon - addr] = 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
    if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa.sin_addr) != 1) { fprintf(stderr, "bad host %s\n", host); exit(2); }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4096) < 0) { perror("listen"); exit(1); }
    return fd;
}

/* accept_all drains the accept queue (level-triggered, so stopping early is
 * fine too) and registers each connection for EPOLLIN. */
static void accept_all(int ep, int lfd) {
    for (;;) {
        int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) return;
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
    }
}

#endif
