/* Name resolution for the apps: the stub resolver (tapir/socket/dns.h) on the app's
 * interface, asking the --dns servers (default: the IPv4 gateway), run to completion. */
#ifndef TAPIR_APPS_RESOLVE_H
#define TAPIR_APPS_RESOLVE_H

#include <stdint.h>

#include "runtime.h"
#include "tapir/socket/dns.h"

/* Resolve `name` for `type` (TAPIR_DNS_TYPE_A, _AAAA, ...), polling the runtime until the
 * answer, the resolver's last timeout or a stop signal. `servers` (count 0: the app's
 * --dns list, or its gateway) overrides the list. Returns the result's status (0 or a
 * TAPIR_E* code; TAPIR_ETIMEDOUT also when stopped) with *out filled. */
int app_dns_lookup(struct app_runtime *rt, const char *name, uint16_t type,
                   const struct tapir_ip_addr *servers, unsigned count,
                   struct tapir_dns_result *out);

/* `host` as an address: a literal is taken as it is; a name is resolved (family 4: A; 6:
 * AAAA; 0: A, then AAAA if the name has no A). Returns 0, or prints why on stderr (as
 * "prog: host: reason") and returns the error. */
int app_resolve_host(struct app_runtime *rt, const char *host, int family,
                     struct tapir_ip_addr *out);

#endif
