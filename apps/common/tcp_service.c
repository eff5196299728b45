/* The echo, discard and source services of tapir-host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tcp_service.h"

#define CONN_BUF (64 * 1024)

static const char *const names[] = {"echo", "discard", "source"};

int tcp_service_start(struct tcp_service *svc, struct tapir_iface *iface,
                      enum tcp_service_kind kind, uint16_t port)
{
    memset(svc, 0, sizeof *svc);
    svc->kind = kind;
    svc->name = names[kind];
    svc->port = port;
    size_t per = 2 * CONN_BUF;
    svc->mem = malloc((2 * TCP_SERVICE_POOL + 2) * per);
    if (!svc->mem)
        return TAPIR_ENOBUFS;
    uint8_t *m = svc->mem;
    struct tapir_tcp_config cfg;
    tapir_tcp_config_default(&cfg);
    for (int v = 0; v < 2; v++) {
        for (int i = 0; i < TCP_SERVICE_POOL; i++) {
            tapir_tcp_socket_init(&svc->pool[v][i], &cfg, m, CONN_BUF, m + CONN_BUF, CONN_BUF);
            m += per;
            svc->backlog[v][i] = &svc->pool[v][i];
        }
        tapir_tcp_socket_init(&svc->listeners[v], &cfg, m, CONN_BUF, m + CONN_BUF, CONN_BUF);
        m += per;
        struct tapir_tcp_endpoint any;
        memset(&any, 0, sizeof any);
        any.addr.version = v == 0 ? TAPIR_IP_V4 : TAPIR_IP_V6;
        any.port = port;
        int rc = tapir_tcp_listen(&svc->listeners[v], &any, svc->backlog[v], TCP_SERVICE_POOL);
        if (rc != 0)
            return rc;
        tapir_iface_add_socket(iface, &svc->listeners[v].link);
    }
    return 0;
}

static void pattern(uint8_t *buf, size_t len, uint64_t from)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)((from + i) % 251);
}

/* One round of one connection. Returns false once it is finished. */
static bool serve(struct tcp_service *svc, struct tcp_service_conn *c)
{
    static uint8_t buf[CONN_BUF];
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

void tcp_service_run(struct tcp_service *svc)
{
    for (int v = 0; v < 2; v++) {
        struct tapir_tcp_socket *s;
        while ((s = tapir_tcp_accept(&svc->listeners[v])) != NULL) {
            for (int i = 0; i < 2 * TCP_SERVICE_POOL; i++) {
                if (!svc->conns[i].sock) {
                    svc->conns[i].sock = s;
                    svc->conns[i].sent = 0;
                    svc->connections++;
                    break;
                }
            }
        }
    }
    for (int i = 0; i < 2 * TCP_SERVICE_POOL; i++) {
        struct tcp_service_conn *c = &svc->conns[i];
        if (!c->sock || serve(svc, c))
            continue;
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
}

void tcp_service_stop(struct tcp_service *svc, struct tapir_iface *iface)
{
    for (int v = 0; v < 2; v++)
        tapir_iface_remove_socket(iface, &svc->listeners[v].link);
    free(svc->mem);
    svc->mem = NULL;
}
