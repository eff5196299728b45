/* Fuzz the DHCPv4 parser: never crash, never read past the input; whatever parses emits a
 * message (options field only, padded to 300 bytes) that parses again to the same decoded
 * fields, and is refused by a buffer one byte short; both printers run. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tapir/wire/dhcpv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_bytes(const struct tapir_dhcpv4_bytes *a, const struct tapir_dhcpv4_bytes *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static bool same(const struct tapir_dhcpv4_repr *a, const struct tapir_dhcpv4_repr *b)
{
    return a->op == b->op && a->htype == b->htype && a->hlen == b->hlen && a->hops == b->hops &&
           a->xid == b->xid && a->secs == b->secs && a->flags == b->flags &&
           memcmp(&a->ciaddr, &b->ciaddr, 4) == 0 && memcmp(&a->yiaddr, &b->yiaddr, 4) == 0 &&
           memcmp(&a->siaddr, &b->siaddr, 4) == 0 && memcmp(&a->giaddr, &b->giaddr, 4) == 0 &&
           memcmp(a->chaddr, b->chaddr, 16) == 0 && a->message_type == b->message_type &&
           (a->present & ~TAPIR_DHCPV4_HAS_OVERLOAD) == (b->present & ~TAPIR_DHCPV4_HAS_OVERLOAD) &&
           memcmp(&a->subnet_mask, &b->subnet_mask, 4) == 0 &&
           memcmp(&a->broadcast, &b->broadcast, 4) == 0 &&
           memcmp(&a->requested_ip, &b->requested_ip, 4) == 0 &&
           memcmp(&a->server_id, &b->server_id, 4) == 0 && a->lease_time_s == b->lease_time_s &&
           a->t1_s == b->t1_s && a->t2_s == b->t2_s && a->mtu == b->mtu &&
           a->max_message_size == b->max_message_size && a->router_count == b->router_count &&
           memcmp(a->routers, b->routers, 4u * a->router_count) == 0 &&
           a->dns_count == b->dns_count && memcmp(a->dns, b->dns, 4u * a->dns_count) == 0 &&
           same_bytes(&a->param_request, &b->param_request) &&
           same_bytes(&a->client_id, &b->client_id) && same_bytes(&a->hostname, &b->hostname) &&
           same_bytes(&a->domain_name, &b->domain_name) &&
           same_bytes(&a->vendor_class, &b->vendor_class) && same_bytes(&a->message, &b->message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[2048];
    struct tapir_dhcpv4_repr r, r2;
    if (tapir_dhcpv4_parse(data, size, &r) != 0)
        return 0;
    size_t len = tapir_dhcpv4_header_len(&r);
    if (len < TAPIR_DHCPV4_BOOTP_MIN_LEN || len > sizeof out)
        abort();
    if (tapir_dhcpv4_emit(&r, out, sizeof out) != (int)len)
        abort();
    if (tapir_dhcpv4_emit(&r, out, len - 1) != TAPIR_ENOBUFS)
        abort();
    if (tapir_dhcpv4_parse(out, len, &r2) != 0 || !same(&r, &r2) || r2.unknown_options != 0)
        abort();

    char text[8192];
    struct tapir_text t;
    tapir_text_init(&t, text, sizeof text);
    tapir_dhcpv4_print(&t, &r);
    tapir_text_init(&t, text, sizeof text);
    tapir_dhcpv4_print_verbose(&t, &r);
    return 0;
}
