/*
 * latency.c — what a firewall on the path adds to a packet's trip, for scripts/bench and
 * scripts/bench-cluster. Run the same series through plain kernel forwarding and through a
 * consumer in one run; the difference of the percentiles is what the consumer adds.
 *
 *   latency probe-sink [-p PORT] [-t MAX_SECONDS]
 *       UDP socket bound to 0.0.0.0:PORT with SO_TIMESTAMPNS. For each probe it takes the
 *       kernel's receive time minus the send time written in the probe (both CLOCK_REALTIME,
 *       one clock for every network namespace of the host). Ends on SIGTERM/SIGINT, on the
 *       sender's end marker, or after MAX_SECONDS (default 120). Prints "sink ready" on stderr
 *       once bound, and on stdout one JSON object:
 *       {"probes":N,"lost":L,"reordered":R,"p50_us":..,"p90_us":..,"p99_us":..,"p999_us":..,"max_us":..}
 *   latency probe-send -d ADDR [-p PORT] [-r PER_SECOND] [-n COUNT]
 *       COUNT probes (default 10000) at PER_SECOND (default 1000), each a 64-byte datagram
 *       holding its sequence number and CLOCK_REALTIME send time, taken right before sendto();
 *       then three end markers. Prints "sent N errors E".
 *   latency accept [-p PORT] [-t MAX_SECONDS]
 *       TCP listener on 0.0.0.0:PORT that accepts and closes, for 'connect'. "accept ready"
 *       on stderr once listening.
 *   latency connect -d ADDR [-p PORT] [-n COUNT] [-g GAP_MS] [-v]
 *       COUNT connect() calls (default 300), GAP_MS apart (default 5), each on a new socket
 *       closed with an RST (SO_LINGER 0: no TIME_WAIT, so every connect is a new flow). A connect
 *       that takes over 2 s counts as failed; when the first 5 all fail it stops there.
 *       Times each connect() (SYN out to SYN-ACK in) with CLOCK_MONOTONIC. Prints one JSON
 *       object: {"connects":N,"failed":F,"p50_us":..,"p90_us":..,"p99_us":..,"max_us":..}
 *       With -v, also one line per connect on stderr: wall-clock milliseconds and microseconds.
 *
 * Every loop is bounded in time. Build: gcc -O2 -Wall -o latency latency.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { PROBE_LEN = 64, MAX_PROBES = 1000000, MAX_CONNECTS = 100000 };
static const uint64_t END_MARKER = UINT64_MAX;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until_ns(uint64_t deadline)
{
    struct timespec ts = { (time_t)(deadline / 1000000000ull), (long)(deadline % 1000000000ull) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop) {
    }
}

static void usage(FILE *out)
{
    fprintf(out, "usage: latency probe-sink [-p PORT] [-t MAX_SECONDS]\n"
                 "       latency probe-send -d ADDR [-p PORT] [-r PER_SECOND] [-n COUNT]\n"
                 "       latency accept [-p PORT] [-t MAX_SECONDS]\n"
                 "       latency connect -d ADDR [-p PORT] [-n COUNT] [-g GAP_MS] [-v]\n");
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n), in microseconds with one decimal. */
static double pct_us(const int64_t *v, size_t n, double p)
{
    if (n == 0) {
        return -1;
    }
    size_t k = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    if (k >= n) {
        k = n - 1;
    }
    return (double)v[k] / 1000.0;
}

static void print_pct(const int64_t *v, size_t n)
{
    printf("\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f", pct_us(v, n, 50),
           pct_us(v, n, 90), pct_us(v, n, 99), pct_us(v, n, 99.9), n ? (double)v[n - 1] / 1000.0 : -1.0);
}

static int parse_addr(const char *s, int port, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, s, &sa->sin_addr) == 1 ? 0 : -1;
}

static int bound_socket(int type, int port)
{
    int fd = socket(AF_INET, type, 0);
    if (fd < 0) {
        perror("socket");
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("bind");
        close(fd);
        return -1;
    }
    return fd;
}

static int probe_sink(int port, int max_s)
{
    int fd = bound_socket(SOCK_DGRAM, port);
    if (fd < 0) {
        return 1;
    }
    int one = 1, rcvbuf = 4 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) < 0) {
        perror("SO_TIMESTAMPNS");
        return 1;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    int64_t *lat = calloc(MAX_PROBES, sizeof *lat);
    if (!lat) {
        perror("calloc");
        return 1;
    }
    fprintf(stderr, "sink ready\n");
    uint64_t deadline = clock_ns(CLOCK_MONOTONIC) + (uint64_t)max_s * 1000000000ull;
    size_t n = 0;
    uint64_t next_seq = 0, lost = 0, reordered = 0;
    int ended = 0;
    while (!stop && !ended && clock_ns(CLOCK_MONOTONIC) < deadline) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 200) <= 0) {
            continue;
        }
        unsigned char buf[PROBE_LEN * 2];
        char ctrl[256];
        struct iovec iov = { buf, sizeof buf };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl, .msg_controllen = sizeof ctrl };
        ssize_t len = recvmsg(fd, &m, MSG_DONTWAIT);
        if (len < 16) {
            continue;
        }
        uint64_t seq, sent;
        memcpy(&seq, buf, 8);
        memcpy(&sent, buf + 8, 8);
        if (seq == END_MARKER) {
            ended = 1;
            break;
        }
        uint64_t rx = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec ts;
                memcpy(&ts, CMSG_DATA(c), sizeof ts);
                rx = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
            }
        }
        if (rx == 0) {
            rx = clock_ns(CLOCK_REALTIME);
        }
        if (seq >= next_seq) {
            lost += seq - next_seq;
            next_seq = seq + 1;
        } else {
            reordered++;
            if (lost > 0) {
                lost--;
            }
        }
        if (n < MAX_PROBES) {
            lat[n++] = (int64_t)(rx - sent);
        }
    }
    qsort(lat, n, sizeof *lat, cmp_i64);
    printf("{\"probes\":%zu,\"lost\":%llu,\"reordered\":%llu,", n, (unsigned long long)lost,
           (unsigned long long)reordered);
    print_pct(lat, n);
    printf("}\n");
    free(lat);
    close(fd);
    return 0;
}

static int probe_send(const char *addr, int port, int rate, int count)
{
    struct sockaddr_in sa;
    if (parse_addr(addr, port, &sa) < 0) {
        fprintf(stderr, "latency: bad IPv4 address '%s'\n", addr);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("socket/connect");
        return 1;
    }
    unsigned char buf[PROBE_LEN] = { 0 };
    uint64_t gap = 1000000000ull / (uint64_t)rate, next = clock_ns(CLOCK_MONOTONIC);
    long sent = 0, errors = 0;
    for (uint64_t seq = 0; seq < (uint64_t)count && !stop; seq++) {
        sleep_until_ns(next);
        next += gap;
        uint64_t now = clock_ns(CLOCK_REALTIME);
        memcpy(buf, &seq, 8);
        memcpy(buf + 8, &now, 8);
        if (send(fd, buf, sizeof buf, 0) == (ssize_t)sizeof buf) {
            sent++;
        } else {
            errors++;
        }
    }
    usleep(200000); /* let the last probes arrive before the end marker */
    for (int i = 0; i < 3; i++) {
        memcpy(buf, &END_MARKER, 8);
        send(fd, buf, sizeof buf, 0);
        usleep(20000);
    }
    printf("sent %ld errors %ld\n", sent, errors);
    close(fd);
    return 0;
}

static int accept_loop(int port, int max_s)
{
    int fd = bound_socket(SOCK_STREAM, port);
    if (fd < 0 || listen(fd, 4096) < 0) {
        perror("listen");
        return 1;
    }
    fprintf(stderr, "accept ready\n");
    uint64_t deadline = clock_ns(CLOCK_MONOTONIC) + (uint64_t)max_s * 1000000000ull;
    while (!stop && clock_ns(CLOCK_MONOTONIC) < deadline) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 200) <= 0) {
            continue;
        }
        int c = accept(fd, NULL, NULL);
        if (c >= 0) {
            close(c);
        }
    }
    close(fd);
    return 0;
}

static int verbose;

static int connect_times(const char *addr, int port, int count, int gap_ms)
{
    struct sockaddr_in sa;
    if (parse_addr(addr, port, &sa) < 0) {
        fprintf(stderr, "latency: bad IPv4 address '%s'\n", addr);
        return 2;
    }
    int64_t *t = calloc((size_t)count, sizeof *t);
    if (!t) {
        perror("calloc");
        return 1;
    }
    size_t n = 0;
    long failed = 0;
    uint64_t next = clock_ns(CLOCK_MONOTONIC);
    for (int i = 0; i < count && !stop; i++) {
        sleep_until_ns(next);
        next += (uint64_t)gap_ms * 1000000ull;
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
            failed++;
            continue;
        }
        struct timeval tv = { 2, 0 };
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        struct linger lg = { 1, 0 };
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            t[n++] = (int64_t)(clock_ns(CLOCK_MONOTONIC) - t0);
            if (verbose) {
                fprintf(stderr, "%llu %.1f\n", (unsigned long long)(clock_ns(CLOCK_REALTIME) / 1000000ull),
                        (double)t[n - 1] / 1000.0);
            }
        } else {
            failed++;
        }
        close(fd);
        if (n == 0 && failed >= 5) {
            fprintf(stderr, "latency: the first %ld connects to %s:%d failed (%s); giving up\n", failed, addr, port,
                    strerror(errno));
            break;
        }
    }
    qsort(t, n, sizeof *t, cmp_i64);
    printf("{\"connects\":%zu,\"failed\":%ld,", n, failed);
    print_pct(t, n);
    printf("}\n");
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *mode = argv[1], *addr = NULL;
    int port = 5400, rate = 1000, count = -1, max_s = 120, gap_ms = 5, opt;
    optind = 2;
    while ((opt = getopt(argc, argv, "d:p:r:n:t:g:vh")) != -1) {
        switch (opt) {
        case 'd': addr = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'r': rate = atoi(optarg); break;
        case 'n': count = atoi(optarg); break;
        case 't': max_s = atoi(optarg); break;
        case 'g': gap_ms = atoi(optarg); break;
        case 'v': verbose = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (port < 1 || port > 65535 || rate < 1 || rate > 1000000 || max_s < 1 || gap_ms < 0) {
        fprintf(stderr, "latency: option out of range\n");
        return 2;
    }
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (strcmp(mode, "probe-sink") == 0) {
        return probe_sink(port, max_s);
    }
    if (strcmp(mode, "accept") == 0) {
        return accept_loop(port, max_s);
    }
    if (!addr) {
        fprintf(stderr, "latency: %s needs -d ADDR\n", mode);
        return 2;
    }
    if (strcmp(mode, "probe-send") == 0) {
        count = count < 0 ? 10000 : count;
        if (count < 1 || count > MAX_PROBES) {
            fprintf(stderr, "latency: -n needs 1..%d\n", MAX_PROBES);
            return 2;
        }
        return probe_send(addr, port, rate, count);
    }
    if (strcmp(mode, "connect") == 0) {
        count = count < 0 ? 300 : count;
        if (count < 1 || count > MAX_CONNECTS) {
            fprintf(stderr, "latency: -n needs 1..%d\n", MAX_CONNECTS);
            return 2;
        }
        return connect_times(addr, port, count, gap_ms);
    }
    usage(stderr);
    return 2;
}
