/* Address probing (RFC 5227 §2.1): ARP probes for an address we want to use, and the
 * watch on incoming ARP that tells whether another host already uses it.
 *
 * The interface only sends the probes it is asked for and records conflicts; the timing
 * (PROBE_WAIT, PROBE_NUM probes PROBE_MIN..PROBE_MAX apart, ANNOUNCE_WAIT) belongs to the
 * caller — the DHCP client asks for each probe through its events (tapir/socket/dhcp.h),
 * since sockets never call the interface. */
#include <string.h>

#include "iface_internal.h"
#include "tapir/wire/arp.h"
#include "tapir/wire/ethernet.h"

int tapir_iface_arp_probe(struct tapir_iface *iface, const struct tapir_ipv4_addr *addr,
                          tapir_instant now)
{
    (void)now;
    if (iface->cfg.device->medium != TAPIR_MEDIUM_ETHERNET)
        return TAPIR_EUNSUPPORTED;
    struct tapir__arp_probe *p = &iface->arp_probe;
    if (!p->active || memcmp(&p->addr, addr, sizeof *addr) != 0) {
        memset(p, 0, sizeof *p);
        p->active = true;
        p->addr = *addr;
    }
    /* RFC 5227 §2.1.1: sender hardware address ours, sender IP all zeros (so no cache
     * learns a binding for an address we may not get), target hardware address zero,
     * target IP the address probed; broadcast. */
    static const struct tapir_mac_addr broadcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    struct tapir_arp_repr arp;
    memset(&arp, 0, sizeof arp);
    arp.operation = TAPIR_ARP_REQUEST;
    arp.sender_mac = iface->cfg.mac;
    arp.target_ip = *addr;
    uint8_t buf[TAPIR_ARP_LEN];
    tapir_arp_emit(&arp, buf, sizeof buf);
    int rc = tapir__send_frame(iface, &broadcast, TAPIR_ETHERTYPE_ARP, buf, sizeof buf);
    if (rc != 0)
        return rc;
    iface->stats.arp_requests_sent++;
    p->probes_sent++;
    return 0;
}

bool tapir_iface_arp_conflict(const struct tapir_iface *iface, const struct tapir_ipv4_addr *addr)
{
    const struct tapir__arp_probe *p = &iface->arp_probe;
    return p->active && p->conflict && memcmp(&p->addr, addr, sizeof *addr) == 0;
}

void tapir_iface_arp_probe_stop(struct tapir_iface *iface)
{
    memset(&iface->arp_probe, 0, sizeof iface->arp_probe);
}

void tapir__arp_probe_observe(struct tapir_iface *iface, const struct tapir_arp_repr *arp)
{
    struct tapir__arp_probe *p = &iface->arp_probe;
    if (!p->active || memcmp(&arp->sender_mac, &iface->cfg.mac, sizeof arp->sender_mac) == 0)
        return;
    static const struct tapir_ipv4_addr zero;
    bool claims = memcmp(&arp->sender_ip, &p->addr, sizeof p->addr) == 0;
    /* RFC 5227 §2.1.1: any ARP packet whose sender IP is the address means it is in
     * use; another host's probe for the same address means we both want it, and we
     * SHOULD give way too. */
    bool rival_probe = arp->operation == TAPIR_ARP_REQUEST &&
                       memcmp(&arp->sender_ip, &zero, sizeof zero) == 0 &&
                       memcmp(&arp->target_ip, &p->addr, sizeof p->addr) == 0;
    if (claims || rival_probe) {
        p->conflict = true;
        p->by = arp->sender_mac;
    }
}
