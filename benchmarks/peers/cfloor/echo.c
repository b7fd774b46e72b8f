/* Floor echo server: single thread, level-triggered epoll, nonblocking; read
 * then write straight back. A short write drops the rest: with ping-pong
 * clients and <=16 KiB messages the socket buffer never fills, and handling it
 * would add code the floor is meant not to have. */
#include "common.h"

int main(int argc, char **argv) {
    int lfd = listen_on(argc, argv, "127.0.0.1:9003");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd}, evs[1024];
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    static char buf[65536];
    for (;;) {
        int n = epoll_wait(ep, evs, 1024, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd) { accept_all(ep, lfd); continue; }
            ssize_t r = read(fd, buf, sizeof buf);
            if (r > 0) {
                if (write(fd, buf, r) != r) fprintf(stderr, "short write on fd %d\n", fd);
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(fd); /* close also removes it from the epoll set */
            }
        }
    }
}
