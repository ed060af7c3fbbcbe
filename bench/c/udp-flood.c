/*
 * udp-flood.c — small-packet UDP sender and counting sink for scripts/bench.
 *
 *   udp-flood send -d ADDR [-p PORT] [-s SPORT] [-l LEN] [-t SECONDS] [-b BATCH] [-r RATE]
 *       Connected UDP socket, sendmmsg() of BATCH datagrams of LEN payload
 *       bytes, as fast as possible for SECONDS, or RATE datagrams a second
 *       (paced in 1 ms slots) when -r is given. -s binds the source port, so
 *       that successive runs continue one flow. Prints on stdout:
 *       "sent N errors E seconds S".
 *   udp-flood flows -d ADDR -r RATE [-l LEN] [-t SECONDS]
 *       New flows at a steady RATE per second: each datagram goes to the next
 *       destination port of 10000..59999 from one of 64 unconnected sockets
 *       (a socket's ports are used once before the next socket starts), so
 *       every datagram is a new 5-tuple for 3.2 million datagrams. Paced in
 *       1 ms slots. Prints "sent N errors E seconds S".
 *   udp-flood sink [-p PORT] [-t MAX_SECONDS] [-i USEC]
 *       Dual-stack socket bound to [::]:PORT, recvmmsg() loop counting
 *       datagrams until SIGTERM/SIGINT or MAX_SECONDS (default 120). Prints
 *       "sink ready" on stderr once bound, and on stdout at the end:
 *       "received N bytes B first_to_last S". With -i the sink never waits in
 *       the socket: it sleeps USEC microseconds, then drains the socket without
 *       blocking. Whoever delivers a datagram to a waiting socket must wake its
 *       reader (on another CPU: an inter-processor interrupt), and the kernel
 *       charges that to the process that forwarded the datagram; a polling sink
 *       keeps that lab-only cost (a real firewall forwards to a NIC) out of the
 *       consumer's CPU time.
 *
 * Every loop is bounded in time. Build: gcc -O2 -Wall -o udp-flood udp-flood.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MAX_BATCH = 256, MAX_LEN = 9000, FLOW_SOCKETS = 64, FLOW_PORT_FIRST = 10000, FLOW_PORTS = 50000 };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: udp-flood send -d ADDR [-p PORT] [-s SPORT] [-l LEN] [-t SECONDS] [-b BATCH] [-r RATE]\n"
                 "       udp-flood flows -d ADDR -r RATE [-l LEN] [-t SECONDS]\n"
                 "       udp-flood sink [-p PORT] [-t MAX_SECONDS] [-i USEC]\n");
}

static int do_send(const char *dst, const char *port, int sport, int len, double secs, int batch, long rate)
{
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *ai;
    int rc = getaddrinfo(dst, port, &hints, &ai);
    if (rc != 0) {
        fprintf(stderr, "udp-flood: %s: %s\n", dst, gai_strerror(rc));
        return 1;
    }
    int fd = socket(ai->ai_family, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("udp-flood: socket");
        return 1;
    }
    if (sport > 0) {
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_storage src;
        memset(&src, 0, sizeof src);
        socklen_t srclen;
        if (ai->ai_family == AF_INET6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&src;
            s6->sin6_family = AF_INET6;
            s6->sin6_port = htons((uint16_t)sport);
            srclen = sizeof *s6;
        } else {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&src;
            s4->sin_family = AF_INET;
            s4->sin_port = htons((uint16_t)sport);
            srclen = sizeof *s4;
        }
        if (bind(fd, (struct sockaddr *)&src, srclen) < 0) {
            perror("udp-flood: bind source port");
            return 1;
        }
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        perror("udp-flood: connect");
        return 1;
    }
    freeaddrinfo(ai);
    int sndbuf = 4 * 1024 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf);

    static char payload[MAX_LEN];
    memset(payload, 0xa5, sizeof payload);
    static struct iovec iov[MAX_BATCH];
    static struct mmsghdr msgs[MAX_BATCH];
    for (int i = 0; i < batch; i++) {
        iov[i].iov_base = payload;
        iov[i].iov_len = (size_t)len;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    uint64_t sent = 0, errors = 0, next = 0;
    double t0 = now_s(), deadline = t0 + secs, t = t0;
    while (!stop && t < deadline) {
        unsigned want = (unsigned)batch;
        if (rate > 0) { /* paced: what is due by now, at most a batch at a time */
            uint64_t due = (uint64_t)((t - t0) * (double)rate);
            if (next >= due) {
                struct timespec nap = {.tv_sec = 0, .tv_nsec = 1000000};
                nanosleep(&nap, NULL);
                t = now_s();
                continue;
            }
            if (due - next < want) want = (unsigned)(due - next);
            next += want;
        }
        int n = sendmmsg(fd, msgs, want, 0);
        if (n < 0) {
            if (errno != EINTR) {
                errors++;
            }
        } else {
            sent += (uint64_t)n;
        }
        t = now_s();
    }
    printf("sent %llu errors %llu seconds %.3f\n", (unsigned long long)sent, (unsigned long long)errors, t - t0);
    close(fd);
    return 0;
}

static int do_flows(const char *dst, int len, double secs, long rate)
{
    struct sockaddr_in to = {.sin_family = AF_INET};
    if (inet_pton(AF_INET, dst, &to.sin_addr) != 1) {
        fprintf(stderr, "udp-flood: %s: not an IPv4 address\n", dst);
        return 1;
    }
    int fds[FLOW_SOCKETS];
    for (int i = 0; i < FLOW_SOCKETS; i++) {
        fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
        if (fds[i] < 0) {
            perror("udp-flood: socket");
            return 1;
        }
    }
    static char payload[MAX_LEN];
    memset(payload, 0x5a, sizeof payload);
    static struct sockaddr_in names[MAX_BATCH];
    static struct iovec iov[MAX_BATCH];
    static struct mmsghdr msgs[MAX_BATCH];
    for (int i = 0; i < MAX_BATCH; i++) {
        iov[i].iov_base = payload;
        iov[i].iov_len = (size_t)len;
        names[i] = to;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &names[i];
        msgs[i].msg_hdr.msg_namelen = sizeof names[i];
    }
    uint64_t sent = 0, errors = 0, next = 0;
    double t0 = now_s(), deadline = t0 + secs, t = t0;
    while (!stop && t < deadline) {
        /* Datagrams due by now at RATE per second, sent in batches on the current socket. */
        uint64_t due = (uint64_t)((t - t0) * (double)rate);
        while (next < due && !stop) {
            int sock = (int)((next / FLOW_PORTS) % FLOW_SOCKETS);
            uint64_t left = FLOW_PORTS - next % FLOW_PORTS; /* ports before the next socket */
            uint64_t n = due - next;
            if (n > MAX_BATCH) n = MAX_BATCH;
            if (n > left) n = left;
            for (uint64_t i = 0; i < n; i++) {
                names[i].sin_port = htons((uint16_t)(FLOW_PORT_FIRST + (next + i) % FLOW_PORTS));
            }
            int r = sendmmsg(fds[sock], msgs, (unsigned)n, 0);
            if (r < 0) {
                if (errno != EINTR) {
                    errors++;
                }
                next += n; /* not retried: the rate stays steady */
            } else {
                sent += (uint64_t)r;
                errors += n - (uint64_t)r;
                next += n;
            }
        }
        struct timespec nap = {.tv_sec = 0, .tv_nsec = 1000000};
        nanosleep(&nap, NULL);
        t = now_s();
    }
    printf("sent %llu errors %llu seconds %.3f\n", (unsigned long long)sent, (unsigned long long)errors, t - t0);
    for (int i = 0; i < FLOW_SOCKETS; i++) {
        close(fds[i]);
    }
    return 0;
}

static int do_sink(const char *port, double max_secs, long poll_usec)
{
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("udp-flood: socket");
        return 1;
    }
    int zero = 0, rcvbuf = 16 * 1024 * 1024;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = in6addr_any,
                              .sin6_port = htons((uint16_t)atoi(port))};
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("udp-flood: bind");
        return 1;
    }
    /* Wake up at least every 200 ms to check the stop flag and deadline. */
    struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    static char bufs[MAX_BATCH][2048];
    static struct iovec iov[MAX_BATCH];
    static struct mmsghdr msgs[MAX_BATCH];
    for (int i = 0; i < MAX_BATCH; i++) {
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = sizeof bufs[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    fprintf(stderr, "udp-flood: sink ready on port %s\n", port);
    fflush(stderr);
    uint64_t received = 0, bytes = 0;
    double first = 0, last = 0, deadline = now_s() + max_secs;
    const struct timespec nap = {.tv_sec = poll_usec / 1000000, .tv_nsec = (poll_usec % 1000000) * 1000};
    while (!stop && now_s() < deadline) {
        int n = recvmmsg(fd, msgs, MAX_BATCH, poll_usec > 0 ? MSG_DONTWAIT : MSG_WAITFORONE, NULL);
        if (n <= 0) {
            if (poll_usec > 0) {
                nanosleep(&nap, NULL);
            }
            continue;
        }
        last = now_s();
        if (received == 0) {
            first = last;
        }
        received += (uint64_t)n;
        for (int i = 0; i < n; i++) {
            bytes += msgs[i].msg_len;
        }
    }
    printf("received %llu bytes %llu first_to_last %.3f\n", (unsigned long long)received,
           (unsigned long long)bytes, received ? last - first : 0.0);
    fflush(stdout);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *mode = argv[1], *dst = NULL, *port = "5201";
    int len = 64, batch = 64, opt;
    long rate = 0, poll_usec = 0;
    int sport = 0;
    double secs = -1;
    optind = 2;
    while ((opt = getopt(argc, argv, "d:p:s:l:t:b:r:i:h")) != -1) {
        switch (opt) {
        case 'd': dst = optarg; break;
        case 'p': port = optarg; break;
        case 's': sport = atoi(optarg); break;
        case 'l': len = atoi(optarg); break;
        case 't': secs = atof(optarg); break;
        case 'b': batch = atoi(optarg); break;
        case 'r': rate = atol(optarg); break;
        case 'i': poll_usec = atol(optarg); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (strcmp(mode, "send") == 0) {
        if (dst == NULL || len < 1 || len > MAX_LEN || batch < 1 || batch > MAX_BATCH) {
            usage(stderr);
            return 2;
        }
        if (rate < 0 || rate > 10000000 || sport < 0 || sport > 65535) {
            usage(stderr);
            return 2;
        }
        return do_send(dst, port, sport, len, secs > 0 ? secs : 10, batch, rate);
    }
    if (strcmp(mode, "flows") == 0) {
        if (dst == NULL || len < 1 || len > MAX_LEN || rate < 1 || rate > 10000000) {
            usage(stderr);
            return 2;
        }
        return do_flows(dst, len, secs > 0 ? secs : 10, rate);
    }
    if (strcmp(mode, "sink") == 0) {
        if (poll_usec < 0 || poll_usec > 1000000) {
            usage(stderr);
            return 2;
        }
        return do_sink(port, secs > 0 ? secs : 120, poll_usec);
    }
    usage(stderr);
    return 2;
}
