/* The application side of the DHCP client, shared by tapir-dhcp and tapir-host --dhcp:
 * it owns the UDP socket on port 68, applies each lease to the interface (address,
 * default route), sends the ARP probes the client asks for, reports conflicts, and
 * prints one line per event on stdout:
 *     lease 192.168.69.50/24 router 192.168.69.100 dns 192.168.69.100 lease-time 120
 *     renewing 192.168.69.50 / rebinding 192.168.69.50 / renewed 192.168.69.50 lease-time 120
 *     lost 192.168.69.50 expired|nak|released / nak / declined 192.168.69.50 / probe ADDR */
#ifndef TAPIR_APPS_DHCP_APP_H
#define TAPIR_APPS_DHCP_APP_H

#include <stdbool.h>

#include "tapir/iface.h"
#include "tapir/socket/dhcp.h"
#include "tapir/socket/udp.h"

struct dhcp_app {
    struct tapir_iface *iface;
    struct tapir_udp_socket udp;
    uint8_t rx[16384], tx[16384];
    struct tapir_dhcp_client client;
    bool bound;
    struct tapir_dhcp_lease lease; /* applied */
    unsigned mtu_before;           /* the interface's MTU before the lease set one; 0: none */
    unsigned leases, renewals, naks, declines;
};

/* Open the socket and start the client (`requested`: INIT-REBOOT with it, or NULL).
 * Returns 0 or a TAPIR_E*. */
int dhcp_app_start(struct dhcp_app *d, struct tapir_iface *iface, struct tapir_rng rng,
                   const struct tapir_ipv4_addr *requested, bool probe, tapir_instant now);
/* Run the client and apply its events; polls the interface so what it queued leaves. */
void dhcp_app_run(struct dhcp_app *d, tapir_instant now);
tapir_instant dhcp_app_poll_at(const struct dhcp_app *d);
/* Release the lease (if any), send it, remove the address; close the socket. */
void dhcp_app_stop(struct dhcp_app *d, tapir_instant now);

#endif
