/* tapir — what every socket shares: the link by which the interface finds it.
 *
 * Sockets are caller-allocated structs. Each embeds a struct tapir_socket_link as its
 * first member; tapir_iface_add_socket() puts it on the interface's list. The interface
 * hands each socket the datagrams meant for it (already parsed) and, when it polls, asks
 * it for what it wants to send; a socket never calls into the interface itself.
 */
#ifndef TAPIR_SOCKET_H
#define TAPIR_SOCKET_H

#include <stdint.h>

enum tapir_socket_kind {
    TAPIR_SOCKET_ICMP = 1,
    TAPIR_SOCKET_TCP = 2,
    TAPIR_SOCKET_UDP = 3,
    TAPIR_SOCKET_RAW = 4, /* a chosen IP protocol number (include/tapir/socket/raw.h) */
};

struct tapir_socket_link {
    struct tapir_socket_link *next;
    uint8_t kind; /* enum tapir_socket_kind */
};

struct tapir_iface;

/* Register / unregister a socket with an interface. Registering twice is a no-op. */
void tapir_iface_add_socket(struct tapir_iface *iface, struct tapir_socket_link *link);
void tapir_iface_remove_socket(struct tapir_iface *iface, struct tapir_socket_link *link);

#endif
