/* The echo, discard and source services of tapir-host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tcp_service.h"

/* An idle HTTP connection is closed after this long. */
#define HTTP_IDLE_US (30 * (tapir_instant)TAPIR_US_PER_S)

static const char *const names[] = {"echo", "discard", "source", "http"};

int tcp_service_start(struct tcp_service *svc, struct tapir_iface *iface,
                      enum tcp_service_kind kind, uint16_t port, unsigned pool_size, size_t buffer,
                      const char *root)
{
    memset(svc, 0, sizeof *svc);
    svc->kind = kind;
    svc->name = names[kind];
    svc->port = port;
    svc->pool_size = pool_size;
    svc->root = root;
    size_t per = 2 * buffer;
    size_t sockets = 2 * (size_t)pool_size;
    svc->mem = malloc((sockets + 2) * per);
    svc->conns = calloc(sockets, sizeof *svc->conns);
    for (int v = 0; v < 2; v++) {
        svc->pool[v] = calloc(pool_size, sizeof *svc->pool[v]);
        svc->backlog[v] = calloc(pool_size, sizeof *svc->backlog[v]);
    }
    if (kind == TCP_SERVICE_HTTP)
        svc->http = calloc(sockets, sizeof *svc->http);
    if (!svc->mem || !svc->conns || !svc->pool[0] || !svc->pool[1] || !svc->backlog[0] ||
        !svc->backlog[1] || (kind == TCP_SERVICE_HTTP && !svc->http))
        return TAPIR_ENOBUFS;
    uint8_t *m = svc->mem;
    struct tapir_tcp_config cfg;
    tapir_tcp_config_default(&cfg);
    for (int v = 0; v < 2; v++) {
        for (unsigned i = 0; i < pool_size; i++) {
            tapir_tcp_socket_init(&svc->pool[v][i], &cfg, m, buffer, m + buffer, buffer);
            m += per;
            svc->backlog[v][i] = &svc->pool[v][i];
        }
        tapir_tcp_socket_init(&svc->listeners[v], &cfg, m, buffer, m + buffer, buffer);
        m += per;
        struct tapir_tcp_endpoint any;
        memset(&any, 0, sizeof any);
        any.addr.version = v == 0 ? TAPIR_IP_V4 : TAPIR_IP_V6;
        any.port = port;
        int rc = tapir_tcp_listen(&svc->listeners[v], &any, svc->backlog[v], pool_size);
        if (rc != 0)
            return rc;
        tapir_iface_add_socket(iface, &svc->listeners[v].link);
    }
    return 0;
}

static void pattern(uint8_t *buf, size_t len, uint64_t from)
{
    /* One period-251 table copied from the right phase: a division per byte cost more
     * than the whole TCP stack at offload speeds. */
    static uint8_t table[251 + 65536];
    if (table[1] == 0)
        for (size_t i = 0; i < sizeof table; i++)
            table[i] = (uint8_t)(i % 251);
    size_t phase = (size_t)(from % 251);
    while (len > 0) {
        size_t k = len < 65536 ? len : 65536;
        memcpy(buf, table + phase, k);
        buf += k;
        len -= k;
        phase = (phase + k) % 251;
    }
}

/* One round of one connection. Returns false once it is finished. */
static bool serve(struct tcp_service *svc, struct tcp_service_conn *c, struct http_conn *h,
                  tapir_instant now)
{
    static uint8_t buf[65536];
    struct tapir_tcp_socket *s = c->sock;
    int n = TAPIR_EAGAIN;
    switch (svc->kind) {
    case TCP_SERVICE_ECHO: {
        /* Read only what can be sent back, so nothing is lost when the peer reads slowly. */
        size_t room = tapir_tcp_send_space(s);
        if (room > sizeof buf)
            room = sizeof buf;
        n = room ? tapir_tcp_recv(s, buf, room) : TAPIR_EAGAIN;
        if (n > 0) {
            svc->bytes_in += (uint64_t)n;
            int w = tapir_tcp_send(s, buf, (size_t)n);
            if (w > 0)
                svc->bytes_out += (uint64_t)w;
        }
        break;
    }
    case TCP_SERVICE_DISCARD:
        while ((n = tapir_tcp_recv(s, buf, sizeof buf)) > 0)
            svc->bytes_in += (uint64_t)n;
        break;
    case TCP_SERVICE_HTTP:
        if (!http_serve(h, c->sock, svc->root, now, HTTP_IDLE_US, &svc->http_stats) &&
            tapir_tcp_is_open(c->sock))
            tapir_tcp_close(c->sock);
        return tapir_tcp_state(c->sock) != TAPIR_TCP_CLOSED;
    case TCP_SERVICE_SOURCE:
        while ((n = tapir_tcp_recv(s, buf, sizeof buf)) > 0)
            svc->bytes_in += (uint64_t)n;
        if (n != 0 && tapir_tcp_can_send(s)) {
            size_t room = tapir_tcp_send_space(s);
            if (room > sizeof buf)
                room = sizeof buf;
            pattern(buf, room, c->sent);
            int w = tapir_tcp_send(s, buf, room);
            if (w > 0) {
                c->sent += (uint64_t)w;
                svc->bytes_out += (uint64_t)w;
            }
        }
        break;
    }
    if (n == 0 && tapir_tcp_is_open(s))
        tapir_tcp_close(s); /* end of stream: close our side too */
    return tapir_tcp_state(s) != TAPIR_TCP_CLOSED;
}

void tcp_service_run(struct tcp_service *svc, tapir_instant now)
{
    unsigned slots = 2 * svc->pool_size;
    for (int v = 0; v < 2; v++) {
        struct tapir_tcp_socket *s;
        while ((s = tapir_tcp_accept(&svc->listeners[v])) != NULL) {
            for (unsigned i = 0; i < slots; i++) {
                if (!svc->conns[i].sock) {
                    svc->conns[i].sock = s;
                    svc->conns[i].sent = 0;
                    if (svc->http)
                        http_conn_init(&svc->http[i], now);
                    svc->connections++;
                    break;
                }
            }
        }
    }
    for (unsigned i = 0; i < slots; i++) {
        struct tcp_service_conn *c = &svc->conns[i];
        if (!c->sock || serve(svc, c, svc->http ? &svc->http[i] : NULL, now))
            continue;
        if (svc->http)
            http_conn_release(&svc->http[i]);
        const struct tapir_tcp_stats *st = tapir_tcp_stats(c->sock);
        svc->retransmissions += st->retransmissions;
        svc->rto_expirations += st->rto_expirations;
        /* Finished: give the socket back to its listener's pool with fresh state. */
        if (tapir_tcp_socket_reset(c->sock) == 0)
            c->sock = NULL;
    }
}

void tcp_service_print_counters(const struct tcp_service *svc)
{
    fprintf(stderr, "service_%s_connections %llu\n", svc->name,
            (unsigned long long)svc->connections);
    fprintf(stderr, "service_%s_bytes_in %llu\n", svc->name, (unsigned long long)svc->bytes_in);
    fprintf(stderr, "service_%s_bytes_out %llu\n", svc->name, (unsigned long long)svc->bytes_out);
    fprintf(stderr, "service_%s_retransmissions %llu\n", svc->name,
            (unsigned long long)svc->retransmissions);
    fprintf(stderr, "service_%s_rto_expirations %llu\n", svc->name,
            (unsigned long long)svc->rto_expirations);
    if (svc->http) {
        fprintf(stderr, "http_requests %llu\n", (unsigned long long)svc->http_stats.requests);
        fprintf(stderr, "http_responses_2xx %llu\n",
                (unsigned long long)svc->http_stats.responses_2xx);
        fprintf(stderr, "http_responses_4xx %llu\n",
                (unsigned long long)svc->http_stats.responses_4xx);
    }
}

void tcp_service_stop(struct tcp_service *svc, struct tapir_iface *iface)
{
    for (int v = 0; v < 2; v++) {
        tapir_iface_remove_socket(iface, &svc->listeners[v].link);
        free(svc->pool[v]);
        free(svc->backlog[v]);
    }
    if (svc->http)
        for (unsigned i = 0; i < 2 * svc->pool_size; i++)
            http_conn_release(&svc->http[i]);
    free(svc->http);
    free(svc->conns);
    free(svc->mem);
    svc->mem = NULL;
}

static void trace_point(void *ctx, const struct tapir_tcp_trace_point *point)
{
    const struct tcp_service *svc = ctx;
    char line[256];
    tapir_tcp_trace_csv(point, line, sizeof line);
    fprintf(svc->trace, "%s,%u,%s", svc->name, point->socket->remote.port, line);
}

void tcp_service_trace_to(struct tcp_service *svc, FILE *out)
{
    svc->trace = out;
    /* A listener's children inherit its trace hook at accept. */
    for (int v = 0; v < 2; v++) {
        svc->listeners[v].cfg.trace = out ? trace_point : NULL;
        svc->listeners[v].cfg.trace_ctx = svc;
    }
}
