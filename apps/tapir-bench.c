/* tapir-bench: TCP throughput of tapir over a TAP, against the kernel over a veth pair,
 * measured in the same run.
 *
 * It makes its own private network namespace (so it needs root or an unprivileged user
 * namespace), a TAP for tapir and a veth pair for the kernel-to-kernel reference:
 *   tapir (child process) on tap0: 192.168.69.1, port 1234 sends (source),
 *                                  port 1235 receives (discard)
 *   kernel, host side of tap0:     192.168.69.100
 *   kernel peer in a second namespace over veth: 192.168.70.2, the same two ports
 * A kernel-socket client in this process moves N bytes each way and prints Gbit/s, then
 * the ratios. Nothing leaves the namespaces; they vanish with the processes. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/runtime.h"
#include "common/tcp_service.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "tapir-bench: '%s' failed\n", cmd);
    return rc;
}

static int connect_to(const char *ip, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    for (int i = 0; i < 100; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
        close(fd);
        usleep(20000); /* the server may still be starting: retry for up to 2 s */
    }
    return -1;
}

/* Receive n bytes from ip:port (the server sends); returns Gbit/s or -1. */
static double bench_read(const char *ip, int port, size_t n)
{
    int fd = connect_to(ip, port);
    if (fd < 0)
        return -1;
    static char buf[1 << 20];
    size_t got = 0;
    double t0 = now_s();
    while (got < n) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    double dt = now_s() - t0;
    close(fd);
    return got < n ? -1 : (double)n * 8 / dt / 1e9;
}

/* Send n bytes to ip:port, then wait for the server to close; returns Gbit/s or -1. */
static double bench_write(const char *ip, int port, size_t n)
{
    int fd = connect_to(ip, port);
    if (fd < 0)
        return -1;
    static char buf[1 << 16];
    size_t sent = 0;
    double t0 = now_s();
    while (sent < n) {
        size_t k = n - sent < sizeof buf ? n - sent : sizeof buf;
        ssize_t w = send(fd, buf, k, 0);
        if (w <= 0)
            break;
        sent += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    char c;
    (void)!recv(fd, &c, 1, 0); /* the server closes once it has read everything */
    double dt = now_s() - t0;
    close(fd);
    return sent < n ? -1 : (double)n * 8 / dt / 1e9;
}

/* The kernel reference server: source on 1234, discard on 1235, forever. */
static void kernel_server(void)
{
    int ls[2];
    for (int i = 0; i < 2; i++) {
        ls[i] = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(ls[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(1234 + i))};
        bind(ls[i], (struct sockaddr *)&a, sizeof a);
        listen(ls[i], 4);
    }
    static char buf[1 << 16];
    for (;;) {
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(ls[0], &fds);
        FD_SET(ls[1], &fds);
        if (select(ls[1] + 1, &fds, NULL, NULL, NULL) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (!FD_ISSET(ls[i], &fds))
                continue;
            int c = accept(ls[i], NULL, NULL);
            if (i == 0)
                while (send(c, buf, sizeof buf, MSG_NOSIGNAL) > 0)
                    ;
            else
                while (recv(c, buf, sizeof buf, 0) > 0)
                    ;
            close(c);
        }
    }
}

static void usage(FILE *out)
{
    fputs("usage: tapir-bench [-n BYTES] [--mtu N]\n"
          "Measure TCP throughput of tapir over a TAP, with offloads (IFF_VNET_HDR, 64 KiB\n"
          "super-frames) and without, against the kernel over a veth pair,\n"
          "in a private network namespace this program creates (run as root).\n"
          "  -n BYTES   bytes each way (default 1073741824, suffixes K M G)\n"
          "  --mtu N    MTU of the TAP and the veth pair (default 1500)\n",
          out);
}

static size_t parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*end == 'K' || *end == 'k')
        v *= 1024;
    else if (*end == 'M' || *end == 'm')
        v *= 1024 * 1024;
    else if (*end == 'G' || *end == 'g')
        v *= 1024.0 * 1024 * 1024;
    return v > 0 ? (size_t)v : 0;
}

static pid_t start_tapir(unsigned mtu, bool offload);

int main(int argc, char **argv)
{
    size_t n = (size_t)1 << 30;
    unsigned mtu = 1500;
    static const struct option longopts[] = {{"mtu", required_argument, NULL, 'm'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
        if (c == 'n' && (n = parse_size(optarg)) > 0)
            continue;
        if (c == 'm' && (mtu = (unsigned)atoi(optarg)) >= 1280 && mtu <= 65535)
            continue;
        usage(c == 'h' ? stdout : stderr);
        return c == 'h' ? 0 : 2;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        fprintf(stderr,
                "tapir-bench: cannot create a network namespace (%s): run it as root, "
                "or inside a user namespace (tapir-tap ns -- tapir-bench)\n",
                strerror(errno));
        return 2;
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "ip link set lo up && ip tuntap add tap0 mode tap && ip link set tap0 mtu %u up && "
             "ip addr add 192.168.69.100/24 dev tap0 && "
             "ip link add veth0 mtu %u type veth peer name veth1 mtu %u && "
             "ip addr add 192.168.70.1/24 dev veth0 && ip link set veth0 up",
             mtu, mtu, mtu);
    if (run(cmd) != 0)
        return 2;

    /* The kernel peer: a second namespace holding veth1. */
    int sync_pipe[2];
    if (pipe(sync_pipe) != 0)
        return 2;
    pid_t kpeer = fork();
    if (kpeer == 0) {
        close(sync_pipe[1]);
        if (unshare(CLONE_NEWNET) != 0)
            _exit(2);
        char go;
        (void)!read(sync_pipe[0], &go, 1); /* wait until veth1 is moved in */
        if (system("ip link set lo up && ip addr add 192.168.70.2/24 dev veth1 && "
                   "ip link set veth1 up") != 0)
            _exit(2);
        kernel_server();
        _exit(0);
    }
    close(sync_pipe[0]);
    /* unshare happens right after fork; a short retry loop covers the race. */
    for (int i = 0; i < 100; i++) {
        snprintf(cmd, sizeof cmd, "ip link set veth1 netns %d 2>/dev/null", (int)kpeer);
        if (system(cmd) == 0)
            break;
        usleep(10000);
    }
    (void)!write(sync_pipe[1], "g", 1);

    char cc[64] = "unknown";
    FILE *f = fopen("/proc/sys/net/ipv4/tcp_congestion_control", "r");
    if (f) {
        if (fgets(cc, sizeof cc, f))
            cc[strcspn(cc, "\n")] = '\0';
        fclose(f);
    }
    printf("tapir-bench: %zu bytes each way, MTU %u, kernel congestion control %s\n", n, mtu, cc);
    /* tapir with offloads (64 KiB TCP super-frames through IFF_VNET_HDR), then plain. */
    double t_send[2], t_recv[2];
    bool offload_ok = true;
    for (int mode = 0; mode < 2; mode++) {
        pid_t tapir = start_tapir(mtu, mode == 0);
        t_send[mode] = bench_read("192.168.69.1", 1234, n);
        t_recv[mode] = bench_write("192.168.69.1", 1235, n);
        kill(tapir, SIGTERM);
        int status = 0;
        waitpid(tapir, &status, 0);
        if (mode == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 3)
            offload_ok = false;
    }
    double k_send = bench_read("192.168.70.2", 1234, n);
    double k_recv = bench_write("192.168.70.2", 1235, n);
    printf("%-34s %10s %10s\n", "", "sending", "receiving");
    printf("%-34s %10.2f %10.2f Gbit/s%s\n", "tapir over TAP, offload", t_send[0], t_recv[0],
           offload_ok ? "" : " (no offload in this kernel)");
    printf("%-34s %10.2f %10.2f Gbit/s\n", "tapir over TAP, plain", t_send[1], t_recv[1]);
    printf("%-34s %10.2f %10.2f Gbit/s\n", "kernel over veth (reference)", k_send, k_recv);
    if (k_send > 0 && k_recv > 0) {
        printf("%-34s %10.2f %10.2f\n", "ratio offload / kernel", t_send[0] / k_send,
               t_recv[0] / k_recv);
        printf("%-34s %10.2f %10.2f\n", "ratio plain / kernel", t_send[1] / k_send,
               t_recv[1] / k_recv);
    }
    kill(kpeer, SIGKILL);
    waitpid(kpeer, NULL, 0);
    bool ok = k_send > 0 && k_recv > 0;
    for (int mode = 0; mode < 2; mode++)
        ok = ok && t_send[mode] > 0 && t_recv[mode] > 0;
    return ok ? 0 : 1;
}

/* tapir on tap0, in a child process (the stack is single-threaded by design), with or
 * without offloads; the child exits 3 when offloads were asked for and are missing. */
static pid_t start_tapir(unsigned mtu, bool offload)
{
    pid_t tapir = fork();
    if (tapir == 0) {
        struct app_common opt;
        app_common_defaults(&opt);
        opt.mtu = mtu;
        opt.offload = offload ? APP_OFFLOAD_ON : APP_OFFLOAD_OFF;
        static struct app_runtime rt;
        if (app_runtime_open(&rt, "tapir-bench", &opt) != 0)
            _exit(offload ? 3 : 2);
        /* Opened: from here the child's "ready" and counters would only clutter the table. */
        FILE *quiet = freopen("/dev/null", "w", stderr);
        (void)quiet;
        static struct tcp_service src, dis;
        if (tcp_service_start(&src, &rt.iface, TCP_SERVICE_SOURCE, 1234, 4, 1 << 20, NULL) != 0 ||
            tcp_service_start(&dis, &rt.iface, TCP_SERVICE_DISCARD, 1235, 4, 1 << 20, NULL) != 0)
            _exit(2);
        while (!app_runtime_stopping(&rt)) {
            app_runtime_step(&rt, TAPIR_INSTANT_NEVER);
            tcp_service_run(&src, app_now());
            tcp_service_run(&dis, app_now());
        }
        app_runtime_close(&rt);
        _exit(0);
    }
    return tapir;
}
