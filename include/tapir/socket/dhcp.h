/* tapir — a DHCPv4 client (RFC 2131) over a UDP socket, with the RFC 5227 address probe.
 *
 * The client owns a UDP socket (tapir/socket/udp.h) that the caller initialised, bound to
 * port 68 on any address and registered with the interface. It speaks DHCP through that
 * socket only: like every socket it never calls the interface, so whatever must change
 * there — the ARP probe of an offered address, the address itself, the default route — is
 * reported as an event, and the application applies it through the interface's public API.
 *
 * States (RFC 2131 §4.4, figure 5): INIT -> SELECTING (DISCOVER sent, waiting for offers)
 * -> REQUESTING (REQUEST broadcast for the first offer) -> PROBING (ACK received: the
 * address is checked with ARP, RFC 5227 §2.1) -> BOUND -> RENEWING at T1 (REQUEST unicast
 * to the server) -> REBINDING at T2 (REQUEST broadcast) -> lease expiry: LOST, then INIT.
 * With a previous address (config.requested) it starts in INIT-REBOOT (REQUEST broadcast
 * with that address, RFC 2131 §3.2). A NAK sends it back to INIT; an address conflict makes
 * it DECLINE the address and restart after 10 s (RFC 2131 §3.1 step 5).
 *
 * Retransmission (RFC 2131 §4.1): 4 s, 8 s, 16 s, 32 s, 64 s, each randomised by ±1 s;
 * SELECTING retries forever at 64 s; REQUESTING and INIT-REBOOT give up after the 64 s
 * wait and go back to INIT. RENEWING/REBINDING retransmit after half the time left until
 * T2 / expiry, at least 60 s (§4.4.5).
 *
 * Driving it, each time round the application's loop:
 *     tapir_iface_poll(iface, now);              // delivers DHCP replies to the socket
 *     while (tapir_dhcp_poll(&c, now, &ev) > 0)   // consumes them, runs timers, sends
 *         switch (ev.kind) {
 *         case TAPIR_DHCP_EV_PROBE:   tapir_iface_arp_probe(iface, &ev.probe, now); break;
 *         case TAPIR_DHCP_EV_LEASE:   tapir_iface_add_ipv4(iface, &ev.lease.address,
 *                                         ev.lease.prefix_len, now);
 *                                     tapir_iface_set_default_gateway(...); break;
 *         case TAPIR_DHCP_EV_LOST:    tapir_iface_del_ip(iface, <old address>); break;
 *         ...
 *         }
 *     if (tapir_dhcp_probing(&c, &a) && tapir_iface_arp_conflict(iface, &a))
 *         tapir_dhcp_probe_conflict(&c, now);
 *     tapir_iface_poll(iface, now);              // sends what the client queued
 *     sleep until min(tapir_iface_poll_at(), tapir_dhcp_poll_at())
 *
 * The address probe: after the ACK the client waits a random 0..1 s (PROBE_WAIT), then
 * asks for PROBE_NUM = 3 probes PROBE_MIN..PROBE_MAX = 1..2 s apart (one PROBE event
 * each), and binds ANNOUNCE_WAIT = 2 s after the last unless the application has reported
 * a conflict with tapir_dhcp_probe_conflict(). (tapir_iface_add_ipv4 then sends the
 * gratuitous ARP announcement.) config.probe = false skips it (devices without ARP).
 */
#ifndef TAPIR_SOCKET_DHCP_H
#define TAPIR_SOCKET_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/random.h"
#include "tapir/socket/udp.h"
#include "tapir/time.h"

#define TAPIR_DHCP_MAX_DNS     3
#define TAPIR_DHCP_EVENT_QUEUE 8

enum tapir_dhcp_state {
    TAPIR_DHCP_INIT = 0,
    TAPIR_DHCP_INIT_REBOOT,
    TAPIR_DHCP_REBOOTING,
    TAPIR_DHCP_SELECTING,
    TAPIR_DHCP_REQUESTING,
    TAPIR_DHCP_PROBING,
    TAPIR_DHCP_BOUND,
    TAPIR_DHCP_RENEWING,
    TAPIR_DHCP_REBINDING,
    TAPIR_DHCP_DECLINED, /* waiting to restart after a conflict */
    TAPIR_DHCP_STOPPED,  /* released (or never started) */
};

/* "INIT", "SELECTING", ... */
const char *tapir_dhcp_state_name(enum tapir_dhcp_state state);

/* What a lease gives (RFC 2132 options 1, 3, 6, 26, 51, 58, 59, 54). */
struct tapir_dhcp_lease {
    struct tapir_ipv4_addr address;
    uint8_t prefix_len; /* from the subnet mask; 0 when none was sent: the app picks */
    struct tapir_ipv4_addr server;
    bool has_router;
    struct tapir_ipv4_addr router; /* the first router */
    struct tapir_ipv4_addr dns[TAPIR_DHCP_MAX_DNS];
    uint8_t dns_count;
    uint16_t mtu;                      /* 0: none offered */
    uint32_t lease_time_s, t1_s, t2_s; /* T1/T2 defaulted to 0.5 / 0.875 (§4.4.5) */
    tapir_instant acquired_at;         /* when the REQUEST that it answers was sent */
    tapir_instant t1_at, t2_at, expires_at;
};

enum tapir_dhcp_event_kind {
    TAPIR_DHCP_EV_NONE = 0,
    TAPIR_DHCP_EV_PROBE,     /* send one ARP probe for `probe` now */
    TAPIR_DHCP_EV_LEASE,     /* bound: apply `lease` */
    TAPIR_DHCP_EV_RENEWING,  /* T1 reached: unicast REQUEST to the server */
    TAPIR_DHCP_EV_REBINDING, /* T2 reached: broadcast REQUEST */
    TAPIR_DHCP_EV_RENEWED,   /* the lease was extended (`lease` holds the new times; the
                              * address is the same, other options may have changed) */
    TAPIR_DHCP_EV_LOST,      /* the lease ended (`reason`): remove `lease.address` */
    TAPIR_DHCP_EV_NAK,       /* the server refused our REQUEST; back to INIT */
    TAPIR_DHCP_EV_DECLINED,  /* `probe` was in use: DECLINE sent, restarting in 10 s */
};

/* Why a lease was lost. */
enum tapir_dhcp_lost_reason {
    TAPIR_DHCP_LOST_EXPIRED = 1, /* no ACK before the lease ran out */
    TAPIR_DHCP_LOST_NAK,         /* NAK while renewing or rebinding */
    TAPIR_DHCP_LOST_RELEASED,    /* tapir_dhcp_release() */
};

struct tapir_dhcp_event {
    uint8_t kind;                  /* enum tapir_dhcp_event_kind */
    uint8_t reason;                /* enum tapir_dhcp_lost_reason, for LOST */
    struct tapir_ipv4_addr probe;  /* PROBE, DECLINED */
    struct tapir_dhcp_lease lease; /* LEASE, RENEWED, LOST */
    tapir_instant at;
};

struct tapir_dhcp_config {
    struct tapir_mac_addr mac; /* chaddr: the interface's MAC (required) */
    struct tapir_rng rng;      /* transaction ids and the ±1 s jitter (required) */
    /* Client identifier (option 61); len 0: type 1 followed by the MAC (RFC 2132 §9.14). */
    uint8_t client_id[32];
    uint8_t client_id_len;
    bool probe; /* RFC 5227 probe before binding; true */
    /* Start in INIT-REBOOT asking for this address (e.g. the last lease's); all zeros:
     * start in INIT. */
    struct tapir_ipv4_addr requested;
    uint16_t max_message_size; /* option 57; 576 minimum; default 1500 */
};

/* The client. Allocated by the caller; fields are private. */
struct tapir_dhcp_client {
    struct tapir_dhcp_config cfg;
    struct tapir_udp_socket *udp;
    uint8_t state;
    uint32_t xid;
    tapir_instant started_at;      /* of this acquisition or renewal (the secs field) */
    tapir_instant next_at;         /* next transmission or timer; TAPIR_INSTANT_NEVER */
    unsigned tries;                /* transmissions of the current message */
    tapir_instant sent_at;         /* the last REQUEST (lease times count from it, §4.4.1) */
    struct tapir_dhcp_lease offer; /* what we are requesting / probing */
    struct tapir_dhcp_lease lease; /* the bound lease */
    bool bound;                    /* `lease` is applied */
    unsigned probes_sent;
    bool send_now; /* a message is due at next_at */
    struct tapir_dhcp_event events[TAPIR_DHCP_EVENT_QUEUE];
    unsigned ev_head, ev_count;
    struct tapir_dhcp_stats {
        uint64_t discovers, requests, declines, releases;
        uint64_t offers, acks, naks;
        uint64_t ignored; /* not DHCP, not a reply, another xid or chaddr, wrong state */
        uint64_t send_failed;
        uint64_t events_dropped; /* event queue full */
    } stats;
};

void tapir_dhcp_config_default(struct tapir_dhcp_config *cfg);

/* Start the client on `udp` (initialised, bound to port 68 on no particular address and
 * registered with the interface; the client sets its broadcast permission). The first
 * DISCOVER (or INIT-REBOOT REQUEST) goes out at the next tapir_dhcp_poll(). Returns 0, or
 * TAPIR_EINVAL for a socket not bound to port 68 or a config without rng. */
int tapir_dhcp_start(struct tapir_dhcp_client *c, struct tapir_udp_socket *udp,
                     const struct tapir_dhcp_config *cfg, tapir_instant now);

/* Consume received replies, run the timers, queue what is due on the socket; then hand
 * out the next event: returns 1 with *ev filled, 0 when none is left. Call until 0. */
int tapir_dhcp_poll(struct tapir_dhcp_client *c, tapir_instant now, struct tapir_dhcp_event *ev);

/* The next instant tapir_dhcp_poll() has work (TAPIR_INSTANT_NEVER if none). */
tapir_instant tapir_dhcp_poll_at(const struct tapir_dhcp_client *c);

/* While PROBING: true, and the address under probe. The application checks
 * tapir_iface_arp_conflict() for it and reports a conflict: */
bool tapir_dhcp_probing(const struct tapir_dhcp_client *c, struct tapir_ipv4_addr *addr);
/* Another host uses the address being probed: DECLINE it (broadcast), emit DECLINED,
 * restart from INIT 10 s later. TAPIR_EINVAL when not probing. */
int tapir_dhcp_probe_conflict(struct tapir_dhcp_client *c, tapir_instant now);

/* Give the lease back (DHCPRELEASE unicast to the server, RFC 2131 §4.4.6) and stop;
 * a LOST event (reason RELEASED) follows. Poll the interface once before removing the
 * address, so the RELEASE leaves from it. Without a lease: just stops. */
int tapir_dhcp_release(struct tapir_dhcp_client *c, tapir_instant now);

enum tapir_dhcp_state tapir_dhcp_state(const struct tapir_dhcp_client *c);
/* The bound lease, or NULL when not BOUND/RENEWING/REBINDING. */
const struct tapir_dhcp_lease *tapir_dhcp_lease(const struct tapir_dhcp_client *c);
const struct tapir_dhcp_stats *tapir_dhcp_stats(const struct tapir_dhcp_client *c);

#endif
