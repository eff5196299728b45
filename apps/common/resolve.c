/* Name resolution for the apps: one resolver per lookup, on the app's interface. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"
#include "tapir/error.h"
#include "tapir/socket.h"
#include "tapir/socket/tcp.h"
#include "tapir/socket/udp.h"

#define UDP_QUEUE (16 * 1024)
#define TCP_BUF   (64 * 1024 + 2)

/* What a lookup needs, on the heap (the TCP buffers are large). */
struct lookup {
    struct tapir_udp_socket udp;
    uint8_t udp_rx[UDP_QUEUE], udp_tx[UDP_QUEUE];
    struct tapir_tcp_socket tcp;
    uint8_t tcp_rx[TCP_BUF], tcp_tx[4096];
    struct tapir_dns_query slots[1];
    uint8_t ubuf[4096], tbuf[TCP_BUF];
    struct tapir_dns_resolver r;
};

int app_dns_lookup(struct app_runtime *rt, const char *name, uint16_t type,
                   const struct tapir_ip_addr *servers, unsigned count,
                   struct tapir_dns_result *out)
{
    memset(out, 0, sizeof *out);
    struct tapir_dns_config cfg;
    tapir_dns_config_default(&cfg);
    if (count == 0) {
        servers = rt->opt.dns;
        count = rt->opt.dns_count;
    }
    if (count > TAPIR_DNS_MAX_SERVERS)
        count = TAPIR_DNS_MAX_SERVERS;
    for (unsigned i = 0; i < count; i++)
        cfg.servers[i] = servers[i];
    cfg.server_count = count;
    if (count == 0 && rt->opt.has_gw) {
        cfg.servers[0].version = TAPIR_IP_V4;
        cfg.servers[0].v4 = rt->opt.gw;
        cfg.server_count = 1;
    }
    cfg.rng = tapir_prng_source(&rt->prng);

    struct lookup *l = calloc(1, sizeof *l);
    if (!l)
        return TAPIR_ENOBUFS;
    tapir_udp_socket_init(&l->udp, l->udp_rx, sizeof l->udp_rx, l->udp_tx, sizeof l->udp_tx);
    tapir_tcp_socket_init(&l->tcp, NULL, l->tcp_rx, sizeof l->tcp_rx, l->tcp_tx, sizeof l->tcp_tx);
    int rc = tapir_dns_init(&l->r, &cfg, &rt->iface, &l->udp, &l->tcp, l->slots, 1, l->ubuf,
                            sizeof l->ubuf, l->tbuf, sizeof l->tbuf);
    if (rc == 0) {
        int h = tapir_dns_query(&l->r, name, type, app_now());
        rc = h < 0 ? h : TAPIR_EAGAIN;
        while (h >= 0 && rc == TAPIR_EAGAIN) {
            tapir_dns_poll(&l->r, app_now());
            rc = tapir_dns_result(&l->r, h, out);
            if (rc != TAPIR_EAGAIN)
                break;
            if (app_runtime_stopping(rt)) {
                rc = TAPIR_ETIMEDOUT;
                break;
            }
            /* While TCP runs, wake at least every 10 ms to move it along. */
            tapir_instant until = tapir_dns_poll_at(&l->r);
            if (l->r.tcp_owner >= 0 && until > app_now() + 10000)
                until = app_now() + 10000;
            app_runtime_step(rt, until);
        }
        if (h < 0)
            out->status = h;
    }
    tapir_iface_remove_socket(&rt->iface, &l->udp.link);
    tapir_iface_remove_socket(&rt->iface, &l->tcp.link);
    tapir_udp_close(&l->udp);
    free(l);
    return rc;
}

int app_resolve_host(struct app_runtime *rt, const char *host, int family,
                     struct tapir_ip_addr *out)
{
    if (tapir_ip_addr_parse(host, out) == 0) {
        if (family != 0 && out->version != family) {
            fprintf(stderr, "%s: %s: not an IPv%d address\n", rt->prog, host, family);
            return TAPIR_EINVAL;
        }
        return 0;
    }
    static struct tapir_dns_result res;
    int rc = app_dns_lookup(rt, host, family == 6 ? TAPIR_DNS_TYPE_AAAA : TAPIR_DNS_TYPE_A, NULL, 0,
                            &res);
    if (family == 0 && rc == TAPIR_ENODATA)
        rc = app_dns_lookup(rt, host, TAPIR_DNS_TYPE_AAAA, NULL, 0, &res);
    if (rc == 0 && res.count == 0)
        rc = TAPIR_ENODATA;
    if (rc != 0) {
        fprintf(stderr, "%s: %s: %s\n", rt->prog, host, tapir_strerror(rc));
        return rc;
    }
    *out = res.addrs[0].addr;
    return 0;
}
