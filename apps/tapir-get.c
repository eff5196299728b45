/* tapir-get: fetch a URL over HTTP/1.1 with tapir's own TCP. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/resolve.h"
#include "common/runtime.h"
#include "tapir/error.h"
#include "tapir/socket/tcp.h"
#include "tapir/socket/tcp_iface.h"

#define BUF (1 << 20)

static void usage(FILE *out)
{
    fputs("usage: tapir-get [OPTIONS] URL [-o FILE]\n"
          "Fetch URL (http://HOST[:PORT]/PATH, HOST an IPv4 or [IPv6] literal, or a name\n"
          "resolved through the --dns servers) with tapir's TCP. The body goes to FILE or stdout; "
          "a progress bar goes to stderr when it\n"
          "is a terminal, then a throughput line.\n"
          "  -o FILE     write the body to FILE\n"
          "  -W SECONDS  give up after this long without progress (default 30)\n"
          "Exit status: 0 for a complete 2xx body, 1 for an HTTP error or a short body,\n"
          "2 for anything else (usage, device, connection).\n\n",
          out);
    app_common_usage(out);
}

struct url {
    struct tapir_ip_addr addr;
    bool is_name; /* host is a name, resolved once the interface is up */
    uint16_t port;
    char host[64];
    const char *path;
};

static int parse_url(const char *text, struct url *u)
{
    if (strncmp(text, "http://", 7) != 0)
        return -1;
    const char *p = text + 7, *end;
    char host[64];
    if (*p == '[') {
        end = strchr(p, ']');
        if (!end || (size_t)(end - p - 1) >= sizeof host)
            return -1;
        memcpy(host, p + 1, (size_t)(end - p - 1));
        host[end - p - 1] = '\0';
        p = end + 1;
    } else {
        end = p + strcspn(p, ":/");
        if ((size_t)(end - p) >= sizeof host)
            return -1;
        memcpy(host, p, (size_t)(end - p));
        host[end - p] = '\0';
        p = end;
    }
    struct tapir_dns_name name;
    u->is_name = false;
    if (tapir_ip_addr_parse(host, &u->addr) != 0) {
        if (tapir_dns_name_from_text(host, &name) != 0)
            return -1;
        u->is_name = true;
    }
    snprintf(u->host, sizeof u->host, !u->is_name && u->addr.version == TAPIR_IP_V6 ? "[%s]" : "%s",
             host);
    u->port = 80;
    if (*p == ':') {
        char *e;
        long port = strtol(p + 1, &e, 10);
        if (port <= 0 || port > 65535)
            return -1;
        u->port = (uint16_t)port;
        p = e;
    }
    u->path = *p ? p : "/";
    return *u->path == '/' ? 0 : -1;
}

static void progress(uint64_t got, uint64_t total, double secs)
{
    double mbit = secs > 0 ? (double)got * 8 / secs / 1e6 : 0;
    if (total) {
        int width = 40, fill = (int)((double)got / (double)total * width);
        fprintf(stderr, "\r[%.*s%*s] %3d%% %.1f Mbit/s", fill,
                "########################################", width - fill, "",
                (int)((double)got * 100 / (double)total), mbit);
    } else {
        fprintf(stderr, "\r%llu bytes %.1f Mbit/s", (unsigned long long)got, mbit);
    }
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        APP_COMMON_LONG_OPTIONS,
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct app_common opt;
    app_common_defaults(&opt);
    const char *outpath = NULL;
    double wait_s = 30;
    int c;
    while ((c = getopt_long(argc, argv, "o:W:vh", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        if (c == 'o') {
            outpath = optarg;
            continue;
        }
        if (c == 'W') {
            if (app_parse_double(optarg, 0.1, 86400, &wait_s) != 0) {
                fprintf(stderr, "tapir-get: invalid -W '%s'\n", optarg);
                return 2;
            }
            continue;
        }
        int r = app_common_option(&opt, "tapir-get", c, optarg);
        if (r == 1)
            continue;
        if (r == 0)
            usage(stderr);
        return 2;
    }
    struct url u;
    if (optind != argc - 1 || parse_url(argv[optind], &u) != 0) {
        fprintf(stderr, "tapir-get: %s\n",
                optind >= argc ? "missing URL" : "bad URL (http://HOST[:PORT]/PATH)");
        return 2;
    }
    int out = 1;
    if (outpath && (out = open(outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        fprintf(stderr, "tapir-get: %s: %s\n", outpath, strerror(errno));
        return 2;
    }
    static struct app_runtime rt;
    int rc = app_runtime_open(&rt, "tapir-get", &opt);
    if (rc != 0)
        return rc;

    if (u.is_name) {
        char name[64];
        snprintf(name, sizeof name, "%s", u.host);
        if (app_resolve_host(&rt, name, 0, &u.addr) != 0) {
            app_runtime_close(&rt);
            return 2;
        }
    }
    static struct tapir_tcp_socket s;
    static uint8_t rxbuf[BUF], txbuf[65536], body[BUF];
    tapir_tcp_socket_init(&s, NULL, rxbuf, sizeof rxbuf, txbuf, sizeof txbuf);
    struct tapir_tcp_endpoint remote = {.addr = u.addr, .port = u.port};
    /* Source address, RFC 6056 ephemeral port and RFC 6528 ISN come from the interface. */
    rc = tapir_tcp_connect_iface(&rt.iface, &s, &remote, app_now());
    if (rc != 0) {
        fprintf(stderr, "tapir-get: connect to %s:%u: %s\n", u.host, u.port, tapir_strerror(rc));
        app_runtime_close(&rt);
        return 2;
    }

    char req[512];
    int reqlen = snprintf(req, sizeof req,
                          "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tapir-get\r\n"
                          "Connection: close\r\n\r\n",
                          u.path, u.host);
    tapir_tcp_send(&s, req, (size_t)reqlen);

    char head[16384];
    size_t head_len = 0;
    bool in_body = false, have_length = false;
    int status = 0;
    uint64_t length = 0, got = 0;
    tapir_instant start = app_now(), last_progress = start, last_data = start;
    bool tty = isatty(2);
    int result = 2;
    while (!app_runtime_stopping(&rt)) {
        app_runtime_step(&rt, app_now() + 100000);
        tapir_instant now = app_now();
        int n;
        while ((n = tapir_tcp_recv(&s, body, sizeof body)) > 0) {
            last_data = now;
            const uint8_t *p = body;
            size_t len = (size_t)n;
            if (!in_body) {
                size_t take = len < sizeof head - 1 - head_len ? len : sizeof head - 1 - head_len;
                memcpy(head + head_len, p, take);
                head_len += take;
                head[head_len] = '\0';
                char *end = strstr(head, "\r\n\r\n");
                if (!end) {
                    if (head_len == sizeof head - 1) {
                        fprintf(stderr, "tapir-get: response header too long\n");
                        goto done;
                    }
                    continue;
                }
                size_t hdr = (size_t)(end - head) + 4;
                if (sscanf(head, "HTTP/1.%*d %d", &status) != 1) {
                    fprintf(stderr, "tapir-get: not an HTTP response\n");
                    goto done;
                }
                for (char *h = strstr(head, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n"))
                    if (strncasecmp(h + 2, "Content-Length:", 15) == 0) {
                        length = strtoull(h + 17, NULL, 10);
                        have_length = true;
                    }
                in_body = true;
                /* What followed the header in this read is body. */
                size_t consumed = hdr - (head_len - take);
                p += consumed;
                len -= consumed;
            }
            if (len > 0) {
                if (write(out, p, len) != (ssize_t)len) {
                    fprintf(stderr, "tapir-get: write: %s\n", strerror(errno));
                    goto done;
                }
                got += len;
            }
        }
        if (tty && in_body && now - last_progress > 200000) {
            progress(got, length, (double)(now - start) / 1e6);
            last_progress = now;
        }
        bool eof = n == 0, failed = n < 0 && n != TAPIR_EAGAIN;
        if ((have_length && got >= length) || eof || failed) {
            if (failed && !in_body) {
                fprintf(stderr, "tapir-get: %s:%u: %s\n", u.host, u.port, tapir_strerror(n));
                break;
            }
            double secs = (double)(app_now() - start) / 1e6;
            if (tty)
                progress(got, length, secs), fputc('\n', stderr);
            fprintf(stderr, "%llu bytes in %.3f s: %.1f Mbit/s\n", (unsigned long long)got, secs,
                    secs > 0 ? (double)got * 8 / secs / 1e6 : 0.0);
            bool complete = in_body && (!have_length || got == length);
            if (!complete)
                fprintf(stderr, "tapir-get: short body: %llu of %llu bytes\n",
                        (unsigned long long)got, (unsigned long long)length);
            if (status < 200 || status >= 300)
                fprintf(stderr, "tapir-get: HTTP status %d\n", status);
            result = complete && status >= 200 && status < 300 ? 0 : 1;
            break;
        }
        if (now - last_data > (tapir_instant)(wait_s * 1e6)) {
            fprintf(stderr, "tapir-get: no progress for %.0f s (state %s)\n", wait_s,
                    tapir_tcp_state_name(tapir_tcp_state(&s)));
            if (tapir_tcp_soft_error(&s) != 0) /* an ICMP error about the connection */
                fprintf(stderr, "tapir-get: %s:%u: %s\n", u.host, u.port,
                        tapir_strerror(tapir_tcp_soft_error(&s)));
            result = in_body ? 1 : 2;
            break;
        }
    }
done:
    tapir_tcp_close(&s);
    for (int i = 0; i < 20 && tapir_tcp_is_open(&s); i++)
        app_runtime_step(&rt, app_now() + 10000);
    tapir_iface_remove_socket(&rt.iface, &s.link);
    app_runtime_close(&rt);
    if (out != 1)
        close(out);
    return result;
}
