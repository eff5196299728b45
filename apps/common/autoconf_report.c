/* What IPv6 autoconfiguration did, printed as it happens (autoconf_report.h). */
#include <stdio.h>
#include <string.h>

#include "autoconf_report.h"

void app_autoconf_report_init(struct app_autoconf_report *r)
{
    memset(r, 0, sizeof *r);
}

static const struct tapir_ipv6_addr_info *find(const struct tapir_ipv6_addr_info *list, unsigned n,
                                               const struct tapir_ipv6_addr *a)
{
    for (unsigned i = 0; i < n; i++)
        if (memcmp(&list[i].addr, a, sizeof *a) == 0)
            return &list[i];
    return NULL;
}

static bool has_router(const struct tapir_ipv6_router_info *list, unsigned n,
                       const struct tapir_ipv6_addr *a)
{
    for (unsigned i = 0; i < n; i++)
        if (memcmp(&list[i].addr, a, sizeof *a) == 0)
            return true;
    return false;
}

void app_autoconf_report(struct app_autoconf_report *r, const struct tapir_iface *iface,
                         tapir_instant now)
{
    uint32_t gen = tapir_iface_ipv6_generation(iface);
    if (gen == r->generation)
        return;
    r->generation = gen;
    struct tapir_ipv6_addr_info addrs[APP_AUTOCONF_MAX];
    struct tapir_ipv6_router_info routers[APP_AUTOCONF_MAX];
    unsigned n = tapir_iface_ipv6_addrs(iface, addrs, APP_AUTOCONF_MAX);
    unsigned nr = tapir_iface_ipv6_routers(iface, routers, APP_AUTOCONF_MAX);
    if (n > APP_AUTOCONF_MAX)
        n = APP_AUTOCONF_MAX;
    if (nr > APP_AUTOCONF_MAX)
        nr = APP_AUTOCONF_MAX;
    char a[TAPIR_IPV6_STRLEN], b[TAPIR_IPV6_STRLEN];

    for (unsigned i = 0; i < nr; i++) {
        if (!has_router(r->routers, r->router_count, &routers[i].addr))
            fprintf(stderr, "router %s lifetime %lld\n", tapir_ipv6_format(&routers[i].addr, a),
                    (long long)((routers[i].until - now + TAPIR_US_PER_S / 2) / TAPIR_US_PER_S));
    }
    for (unsigned i = 0; i < r->router_count; i++)
        if (!has_router(routers, nr, &r->routers[i].addr))
            fprintf(stderr, "router %s gone\n", tapir_ipv6_format(&r->routers[i].addr, a));

    struct tapir_ipv6_link_info link;
    tapir_iface_ipv6_link(iface, &link);
    if (link.ra_mtu != r->ra_mtu && link.ra_mtu != 0)
        fprintf(stderr, "mtu %u\n", link.ra_mtu);
    r->ra_mtu = link.ra_mtu;

    for (unsigned i = 0; i < n; i++) {
        const struct tapir_ipv6_addr_info *x = &addrs[i];
        if (x->origin == TAPIR_IPV6_ADDR_STATIC)
            continue;
        const struct tapir_ipv6_addr_info *old = find(r->addrs, r->count, &x->addr);
        if (old && old->state == x->state)
            continue;
        tapir_ipv6_format(&x->addr, a);
        switch (x->state) {
        case TAPIR_IPV6_ADDR_PREFERRED:
            if (x->origin == TAPIR_IPV6_ADDR_LINK_LOCAL)
                fprintf(stderr, "slaac link-local %s\n", a);
            else if (old && old->state == TAPIR_IPV6_ADDR_DEPRECATED)
                fprintf(stderr, "slaac %s/%u preferred\n", a, x->prefix_len);
            else
                fprintf(stderr, "slaac %s/%u router %s\n", a, x->prefix_len,
                        nr > 0 ? tapir_ipv6_format(&routers[0].addr, b) : "none");
            break;
        case TAPIR_IPV6_ADDR_DEPRECATED:
            fprintf(stderr, "slaac %s/%u deprecated\n", a, x->prefix_len);
            break;
        case TAPIR_IPV6_ADDR_DUPLICATE:
            fprintf(stderr, "dad duplicate %s\n", a);
            break;
        case TAPIR_IPV6_ADDR_TENTATIVE:
            break;
        }
    }
    for (unsigned i = 0; i < r->count; i++) {
        const struct tapir_ipv6_addr_info *x = &r->addrs[i];
        if (x->origin != TAPIR_IPV6_ADDR_STATIC && x->state != TAPIR_IPV6_ADDR_TENTATIVE &&
            !find(addrs, n, &x->addr))
            fprintf(stderr, "slaac %s/%u removed\n", tapir_ipv6_format(&x->addr, a), x->prefix_len);
    }
    memcpy(r->addrs, addrs, sizeof addrs);
    r->count = n;
    memcpy(r->routers, routers, sizeof routers);
    r->router_count = nr;
}
