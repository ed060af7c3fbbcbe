/*
 * nfq-consumer.c — minimal libnetfilter_queue consumer, the reference point
 * for Tandem's end-to-end benchmarks (scripts/bench).
 *
 * Theory of operation
 *   Binds one queue, accepts every packet, counts. Two modes:
 *     single  one recv() per netlink datagram (one packet) and one
 *             nfq_set_verdict(ACCEPT) per packet: the classic consumer loop.
 *     batch   recvmmsg(64, MSG_WAITFORONE): block for the first datagram and
 *             take whatever else is queued, then one nfq_set_verdict_batch()
 *             (NFQNL_MSG_VERDICT_BATCH) up to the highest id of the batch.
 *             Every packet is accepted, so batching past any id is safe here.
 *   Queue setup follows docs (spec §4, §5): copy packet, range 256; maxlen
 *   8192; GSO only with -g (NFQA_CFG_F_GSO); FAIL_OPEN off, so overload shows
 *   up as kernel queue drops rather than as silently accepted packets;
 *   SO_RCVBUFFORCE 8 MiB; NETLINK_NO_ENOBUFS.
 *
 * Life cycle
 *   Prints "bound queue N" on stderr when ready (the same marker Tandem
 *   prints), runs until SIGTERM or SIGINT, then prints one line of counters
 *   on stdout and exits 0. Closing the handle unbinds the queue; packets still
 *   queued are dropped by the kernel.
 *
 * Failure policy
 *   Setup errors exit 1 with a message. In the loop, ENOBUFS and netlink
 *   error messages are counted and the loop carries on (a consumer that exits
 *   stops filtering).
 *
 * Build: gcc -O2 -Wall -o nfq-consumer nfq-consumer.c -lnetfilter_queue -lnfnetlink
 * Usage: nfq-consumer -q QUEUE -m single|batch [-g]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libnetfilter_queue/libnetfilter_queue.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_NO_ENOBUFS
#define NETLINK_NO_ENOBUFS 5
#endif

enum { BATCH = 64, COPY_RANGE = 256, QUEUE_MAXLEN = 8192, SLOT_SIZE = COPY_RANGE + 8192 };
static const int RCVBUF_BYTES = 8 * 1024 * 1024;

static volatile sig_atomic_t stop;

struct counters {
    uint64_t packets;        /* packet messages handled (one verdict each) */
    uint64_t verdict_msgs;   /* VERDICT or VERDICT_BATCH messages sent */
    uint64_t verdict_errors; /* nfq_set_verdict* returned < 0 */
    uint64_t recv_calls;     /* recv or recvmmsg calls that returned data */
    uint64_t datagrams;      /* netlink datagrams received */
    uint64_t enobufs;        /* recv failed with ENOBUFS */
    uint64_t nl_errors;      /* nfq_handle_packet < 0: NLMSG_ERROR or junk */
};

struct ctx {
    int batch_mode;
    uint32_t last_id;
    int have_id;
    struct counters c;
};

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *nfmsg, struct nfq_data *nfa, void *data)
{
    struct ctx *ctx = data;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    (void)nfmsg;
    if (ph == NULL) {
        return 0;
    }
    uint32_t id = ntohl(ph->packet_id);
    ctx->c.packets++;
    if (ctx->batch_mode) {
        ctx->last_id = id;
        ctx->have_id = 1;
        return 0;
    }
    ctx->c.verdict_msgs++;
    if (nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL) < 0) {
        ctx->c.verdict_errors++;
    }
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: nfq-consumer -q QUEUE -m single|batch [-g]\n"
                 "  -q QUEUE  queue number (0..65535)\n"
                 "  -m MODE   single: recv + VERDICT per packet; batch: recvmmsg(%d) + VERDICT_BATCH\n"
                 "  -g        set NFQA_CFG_F_GSO (default off: the kernel segments GSO packets)\n"
                 "Prints \"bound queue N\" on stderr when ready; counters on stdout at SIGTERM/SIGINT.\n",
            BATCH);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long queue = -1;
    int batch_mode = -1, gso = 0, opt;
    while ((opt = getopt(argc, argv, "q:m:gh")) != -1) {
        switch (opt) {
        case 'q': {
            char *end;
            queue = strtol(optarg, &end, 10);
            if (*end != '\0' || queue < 0 || queue > 65535) {
                fprintf(stderr, "nfq-consumer: bad queue '%s'\n", optarg);
                return 2;
            }
            break;
        }
        case 'm':
            if (strcmp(optarg, "single") == 0) {
                batch_mode = 0;
            } else if (strcmp(optarg, "batch") == 0) {
                batch_mode = 1;
            } else {
                fprintf(stderr, "nfq-consumer: mode must be single or batch\n");
                return 2;
            }
            break;
        case 'g':
            gso = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (queue < 0 || batch_mode < 0) {
        usage(stderr);
        return 2;
    }

    static struct ctx ctx;
    ctx.batch_mode = batch_mode;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: recv returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    struct nfq_handle *h = nfq_open();
    if (h == NULL) {
        perror("nfq-consumer: nfq_open");
        return 1;
    }
    struct nfq_q_handle *qh = nfq_create_queue(h, (uint16_t)queue, on_packet, &ctx);
    if (qh == NULL) {
        fprintf(stderr, "nfq-consumer: cannot bind queue %ld: %s (another consumer on it?)\n", queue, strerror(errno));
        nfq_close(h);
        return 1;
    }
    if (nfq_set_mode(qh, NFQNL_COPY_PACKET, COPY_RANGE) < 0) {
        perror("nfq-consumer: nfq_set_mode");
        return 1;
    }
    if (nfq_set_queue_maxlen(qh, QUEUE_MAXLEN) < 0) {
        perror("nfq-consumer: nfq_set_queue_maxlen");
        return 1;
    }
    /* Mask GSO and FAIL_OPEN; value: GSO only when asked. */
    if (nfq_set_queue_flags(qh, NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN, gso ? NFQA_CFG_F_GSO : 0) < 0) {
        perror("nfq-consumer: nfq_set_queue_flags");
        return 1;
    }
    int fd = nfq_fd(h);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &RCVBUF_BYTES, sizeof RCVBUF_BYTES) < 0) {
        perror("nfq-consumer: SO_RCVBUFFORCE (needs CAP_NET_ADMIN)");
    }
    int one = 1;
    if (setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one) < 0) {
        perror("nfq-consumer: NETLINK_NO_ENOBUFS");
    }

    /* Receive slots: one buffer per mmsghdr, built once. */
    static char bufs[BATCH][SLOT_SIZE] __attribute__((aligned(16)));
    static struct iovec iov[BATCH];
    static struct mmsghdr msgs[BATCH];
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = SLOT_SIZE;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    fprintf(stderr, "nfq-consumer: bound queue %ld mode %s gso %s copy %d maxlen %d\n", queue,
            batch_mode ? "batch" : "single", gso ? "on" : "off", COPY_RANGE, QUEUE_MAXLEN);
    fflush(stderr);

    double t0 = now_s();
    while (!stop) {
        if (!batch_mode) {
            ssize_t n = recv(fd, bufs[0], SLOT_SIZE, 0);
            if (n < 0) {
                if (errno == ENOBUFS) {
                    ctx.c.enobufs++;
                } else if (errno != EINTR) {
                    perror("nfq-consumer: recv");
                    break;
                }
                continue;
            }
            ctx.c.recv_calls++;
            ctx.c.datagrams++;
            if (nfq_handle_packet(h, bufs[0], (int)n) < 0) {
                ctx.c.nl_errors++;
            }
            continue;
        }
        int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
        if (n < 0) {
            if (errno == ENOBUFS) {
                ctx.c.enobufs++;
            } else if (errno != EINTR) {
                perror("nfq-consumer: recvmmsg");
                break;
            }
            continue;
        }
        ctx.c.recv_calls++;
        ctx.have_id = 0;
        for (int i = 0; i < n; i++) {
            ctx.c.datagrams++;
            if (nfq_handle_packet(h, bufs[i], (int)msgs[i].msg_len) < 0) {
                ctx.c.nl_errors++;
            }
        }
        if (ctx.have_id) {
            ctx.c.verdict_msgs++;
            if (nfq_set_verdict_batch(qh, ctx.last_id, NF_ACCEPT) < 0) {
                ctx.c.verdict_errors++;
            }
        }
    }
    double secs = now_s() - t0;

    printf("nfq-consumer queue %ld mode %s gso %s packets %llu verdict_messages %llu recv_calls %llu "
           "packets_per_recv %.2f enobufs %llu netlink_errors %llu verdict_errors %llu seconds %.3f\n",
           queue, batch_mode ? "batch" : "single", gso ? "on" : "off", (unsigned long long)ctx.c.packets,
           (unsigned long long)ctx.c.verdict_msgs, (unsigned long long)ctx.c.recv_calls,
           ctx.c.recv_calls ? (double)ctx.c.datagrams / (double)ctx.c.recv_calls : 0.0,
           (unsigned long long)ctx.c.enobufs, (unsigned long long)ctx.c.nl_errors,
           (unsigned long long)ctx.c.verdict_errors, secs);
    fflush(stdout);
    nfq_destroy_queue(qh);
    nfq_close(h);
    return 0;
}
