/* Lines on stderr as IPv6 autoconfiguration progresses, for people and for tests:
 *     slaac link-local fe80::ff:fe00:1
 *     router fe80::1 lifetime 1800
 *     mtu 1400
 *     slaac fdab::ff:fe00:1/64 router fe80::1
 *     slaac fdab::ff:fe00:1/64 deprecated
 *     slaac fdab::ff:fe00:1/64 removed
 *     dad duplicate fdab::ff:fe00:1
 */
#ifndef TAPIR_APPS_AUTOCONF_REPORT_H
#define TAPIR_APPS_AUTOCONF_REPORT_H

#include <stdint.h>

#include "tapir/iface.h"

#define APP_AUTOCONF_MAX 16

struct app_autoconf_report {
    uint32_t generation;
    unsigned count, router_count;
    struct tapir_ipv6_addr_info addrs[APP_AUTOCONF_MAX];
    struct tapir_ipv6_router_info routers[APP_AUTOCONF_MAX];
    unsigned ra_mtu;
};

void app_autoconf_report_init(struct app_autoconf_report *r);

/* Print what changed since the last call (cheap when nothing did). */
void app_autoconf_report(struct app_autoconf_report *r, const struct tapir_iface *iface,
                         tapir_instant now);

#endif
