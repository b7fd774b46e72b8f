/* Floor HTTP server: single thread, level-triggered epoll; answers every
 * CRLFCRLF in what it read with a fixed response (plaintext, or JSON when the
 * request line contains "/json") in one write. Requests split across reads
 * are carried over in a small per-fd buffer. The Date header is refreshed
 * when the second changes (time() is a vDSO call, not a syscall). */
#include "common.h"
#include <time.h>

#define MAXFD 65536
#define CARRY 4096
static char carry[MAXFD][CARRY];
static int carried[MAXFD];
static char date[64];
static time_t date_at;

static void refresh_date(void) {
    time_t now = time(NULL);
    if (now == date_at) return;
    date_at = now;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static size_t respond(char *out, int json) {
    const char *ct = json ? "application/json" : "text/plain";
    const char *body = json ? "{\"message\":\"Hello, World!\"}" : "Hello, World!";
    return sprintf(out, "HTTP/1.1 200 OK\r\nServer: cfloor\r\nDate: %s\r\nContent-Type: %s\r\n"
                   "Content-Length: %zu\r\n\r\n%s", date, ct, strlen(body), body);
}

int main(int argc, char **argv) {
    int lfd = listen_on(argc, argv, "127.0.0.1:8085");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd}, evs[1024];
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    static char in[CARRY + 65536], out[1 << 20];
    for (;;) {
        int n = epoll_wait(ep, evs, 1024, -1);
        refresh_date();
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd) { accept_all(ep, lfd); continue; }
            if (fd >= MAXFD) { close(fd); continue; }
            int have = carried[fd];
            memcpy(in, carry[fd], have);
            ssize_t r = read(fd, in + have, sizeof in - have);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                carried[fd] = 0;
                close(fd);
                continue;
            }
            if (r < 0) continue;
            size_t len = have + r, start = 0, o = 0;
            char *p;
            while ((p = memmem(in + start, len - start, "\r\n\r\n", 4)) != NULL) {
                char *eol = memchr(in + start, '\n', p - (in + start));
                size_t linelen = eol ? (size_t)(eol - (in + start)) : (size_t)(p - (in + start));
                int json = memmem(in + start, linelen, "/json", 5) != NULL;
                if (o + 512 > sizeof out) break;
                o += respond(out + o, json);
                start = p + 4 - in;
            }
            if (o && write(fd, out, o) != (ssize_t)o) fprintf(stderr, "short write on fd %d\n", fd);
            size_t left = len - start;
            if (left > CARRY) left = 0; /* oversized header: drop it, not a real server */
            memcpy(carry[fd], in + start, left);
            carried[fd] = left;
        }
    }
}
