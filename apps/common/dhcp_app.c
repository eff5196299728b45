/* The application side of the DHCP client: see dhcp_app.h. */
#include "dhcp_app.h"

#include <stdio.h>
#include <string.h>

#include "tapir/error.h"

int dhcp_app_start(struct dhcp_app *d, struct tapir_iface *iface, struct tapir_rng rng,
                   const struct tapir_ipv4_addr *requested, bool probe, tapir_instant now)
{
    memset(d, 0, sizeof *d);
    d->iface = iface;
    int rc = tapir_udp_socket_init(&d->udp, d->rx, sizeof d->rx, d->tx, sizeof d->tx);
    if (rc == 0)
        rc = tapir_udp_bind(&d->udp, iface, NULL, 68);
    if (rc != 0)
        return rc;
    tapir_iface_add_socket(iface, &d->udp.link);
    struct tapir_dhcp_config cfg;
    tapir_dhcp_config_default(&cfg);
    cfg.mac = *tapir_iface_mac(iface);
    cfg.rng = rng;
    cfg.probe = probe;
    if (requested)
        cfg.requested = *requested;
    rc = tapir_dhcp_start(&d->client, &d->udp, &cfg, now);
    if (rc != 0) {
        tapir_iface_remove_socket(iface, &d->udp.link);
        tapir_udp_close(&d->udp);
    }
    return rc;
}

#define SAY(...)                                                                                   \
    do {                                                                                           \
        printf(__VA_ARGS__);                                                                       \
        fflush(stdout);                                                                            \
    } while (0)

static void apply(struct dhcp_app *d, const struct tapir_dhcp_lease *l, tapir_instant now)
{
    unsigned prefix = l->prefix_len ? l->prefix_len : 24;
    int rc = tapir_iface_add_ipv4(d->iface, &l->address, prefix, now);
    if (rc != 0)
        fprintf(stderr, "dhcp: cannot add the address: %s\n", tapir_strerror(rc));
    if (l->has_router) {
        struct tapir_ip_addr gw = {.version = TAPIR_IP_V4, .v4 = l->router};
        tapir_iface_set_default_gateway(d->iface, &gw);
    }
    /* RFC 2132 §5.1: the interface MTU the server gives (0: none given). */
    if (l->mtu != 0) {
        if (d->mtu_before == 0)
            d->mtu_before = tapir_iface_mtu(d->iface);
        rc = tapir_iface_set_mtu(d->iface, l->mtu);
        if (rc != 0)
            fprintf(stderr, "dhcp: MTU %u from the lease not applied: %s (the device's is %u)\n",
                    (unsigned)l->mtu, tapir_strerror(rc), d->mtu_before);
    }
    d->bound = true;
    d->lease = *l;
}

static void unapply(struct dhcp_app *d)
{
    if (!d->bound)
        return;
    struct tapir_ip_addr a = {.version = TAPIR_IP_V4, .v4 = d->lease.address};
    tapir_iface_del_ip(d->iface, &a);
    if (d->mtu_before != 0) {
        tapir_iface_set_mtu(d->iface, d->mtu_before); /* the lease's MTU goes with it */
        d->mtu_before = 0;
    }
    d->bound = false;
}

static void print_lease(const struct tapir_dhcp_lease *l)
{
    char a[TAPIR_IPV4_STRLEN], r[TAPIR_IPV4_STRLEN], s[TAPIR_IPV4_STRLEN];
    printf("lease %s/%u router %s dns ", tapir_ipv4_format(&l->address, a),
           l->prefix_len ? l->prefix_len : 24,
           l->has_router ? tapir_ipv4_format(&l->router, r) : "-");
    for (unsigned i = 0; i < l->dns_count; i++)
        printf("%s%s", i ? "," : "", tapir_ipv4_format(&l->dns[i], s));
    if (l->dns_count == 0)
        printf("-");
    printf(" lease-time %u\n", (unsigned)l->lease_time_s);
    printf("lease-details server %s t1 %u t2 %u mtu %u\n", tapir_ipv4_format(&l->server, s),
           (unsigned)l->t1_s, (unsigned)l->t2_s, l->mtu);
    fflush(stdout);
}

static void handle(struct dhcp_app *d, const struct tapir_dhcp_event *ev, tapir_instant now)
{
    char a[TAPIR_IPV4_STRLEN];
    switch (ev->kind) {
    case TAPIR_DHCP_EV_PROBE:
        SAY("probe %s\n", tapir_ipv4_format(&ev->probe, a));
        tapir_iface_arp_probe(d->iface, &ev->probe, now);
        break;
    case TAPIR_DHCP_EV_LEASE:
        tapir_iface_arp_probe_stop(d->iface);
        d->leases++;
        apply(d, &ev->lease, now);
        print_lease(&ev->lease);
        break;
    case TAPIR_DHCP_EV_RENEWING:
        SAY("renewing %s\n", tapir_ipv4_format(&ev->lease.address, a));
        break;
    case TAPIR_DHCP_EV_REBINDING:
        SAY("rebinding %s\n", tapir_ipv4_format(&ev->lease.address, a));
        break;
    case TAPIR_DHCP_EV_RENEWED:
        d->renewals++;
        d->lease = ev->lease;
        SAY("renewed %s lease-time %u\n", tapir_ipv4_format(&ev->lease.address, a),
            (unsigned)ev->lease.lease_time_s);
        break;
    case TAPIR_DHCP_EV_LOST:
        SAY("lost %s %s\n", tapir_ipv4_format(&ev->lease.address, a),
            ev->reason == TAPIR_DHCP_LOST_EXPIRED ? "expired"
            : ev->reason == TAPIR_DHCP_LOST_NAK   ? "nak"
                                                  : "released");
        unapply(d);
        break;
    case TAPIR_DHCP_EV_NAK:
        d->naks++;
        SAY("nak\n");
        break;
    case TAPIR_DHCP_EV_DECLINED:
        d->declines++;
        tapir_iface_arp_probe_stop(d->iface);
        SAY("declined %s (in use)\n", tapir_ipv4_format(&ev->probe, a));
        break;
    default:
        break;
    }
}

void dhcp_app_run(struct dhcp_app *d, tapir_instant now)
{
    for (int round = 0; round < 4; round++) {
        struct tapir_dhcp_event ev;
        bool any = false;
        while (tapir_dhcp_poll(&d->client, now, &ev) > 0) {
            handle(d, &ev, now);
            any = true;
        }
        struct tapir_ipv4_addr p;
        if (tapir_dhcp_probing(&d->client, &p) && tapir_iface_arp_conflict(d->iface, &p)) {
            tapir_dhcp_probe_conflict(&d->client, now);
            any = true;
        }
        tapir_iface_poll(d->iface, now);
        if (!any)
            break;
    }
}

tapir_instant dhcp_app_poll_at(const struct dhcp_app *d)
{
    return tapir_dhcp_poll_at(&d->client);
}

void dhcp_app_stop(struct dhcp_app *d, tapir_instant now)
{
    tapir_dhcp_release(&d->client, now);
    /* Send the RELEASE while the address is still ours, then apply the LOST event. */
    tapir_iface_poll(d->iface, now);
    struct tapir_dhcp_event ev;
    while (tapir_dhcp_poll(&d->client, now, &ev) > 0)
        handle(d, &ev, now);
    tapir_iface_poll(d->iface, now);
    tapir_iface_remove_socket(d->iface, &d->udp.link);
    tapir_udp_close(&d->udp);
}
