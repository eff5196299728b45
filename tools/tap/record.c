/* The note a device tapir-tap created carries in its alias (IFLA_IFALIAS), so that `down`
 * and `status`, run later by another process, know what `up` did: the owner it set, the
 * NAT it added and the forwarding value it found. The kernel keeps the alias with the
 * device, so the record cannot outlive or lose what it describes. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"

void tap_record_format(const struct tap_record *r, char *buf, size_t len)
{
    char owner[24] = "-", fwd[16] = "-";
    if (r->owner >= 0)
        snprintf(owner, sizeof owner, "%ld", r->owner);
    if (r->forwarding_was >= 0)
        snprintf(fwd, sizeof fwd, "%d", r->forwarding_was);
    snprintf(buf, len, TAP_RECORD_PREFIX " owner=%s, kind=%s, nat=%s, forwarding_was=%s", owner,
             r->tun ? "tun" : "tap", r->nat_if[0] ? r->nat_if : "-", fwd);
}

/* The value of "key=" in text up to the next ", " (copied into out), or NULL. */
static const char *field(const char *text, const char *key, char *out, size_t len)
{
    size_t klen = strlen(key);
    for (const char *p = text; (p = strstr(p, key)) != NULL; p += klen) {
        if ((p == text || p[-1] == ' ') && p[klen] == '=') {
            const char *v = p + klen + 1;
            size_t n = strcspn(v, ", ");
            if (n == 0 || n >= len)
                return NULL;
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
    }
    return NULL;
}

static int parse_number(const char *text, long *out)
{
    if (strcmp(text, "-") == 0) {
        *out = -1;
        return 0;
    }
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

int tap_record_parse(const char *alias, struct tap_record *r)
{
    char owner[24], kind[8], nat[IFNAMSIZ], fwd[8];
    if (strncmp(alias, TAP_RECORD_PREFIX, strlen(TAP_RECORD_PREFIX)) != 0)
        return -1;
    const char *body = alias + strlen(TAP_RECORD_PREFIX);
    long fw;
    if (!field(body, "owner", owner, sizeof owner) || !field(body, "kind", kind, sizeof kind) ||
        !field(body, "nat", nat, sizeof nat) || !field(body, "forwarding_was", fwd, sizeof fwd) ||
        parse_number(owner, &r->owner) != 0 || parse_number(fwd, &fw) != 0 || fw > 1)
        return -1;
    if (strcmp(kind, "tap") != 0 && strcmp(kind, "tun") != 0)
        return -1;
    r->tun = strcmp(kind, "tun") == 0;
    r->forwarding_was = (int)fw;
    if (strcmp(nat, "-") == 0)
        r->nat_if[0] = '\0';
    else if (tap_parse_name(nat, r->nat_if) != 0)
        return -1;
    return 0;
}

struct other_nats {
    int skip_ifindex;
    int count;
    int forwarding_was;
};

static int other_nat(const struct tap_link *l, void *ctx)
{
    struct other_nats *o = ctx;
    struct tap_record r;
    if (l->ifindex != o->skip_ifindex && tap_record_parse(l->alias, &r) == 0 && r.nat_if[0]) {
        o->count++;
        if (o->forwarding_was < 0)
            o->forwarding_was = r.forwarding_was;
    }
    return 0;
}

int tap_record_other_nats(struct tap_nl *nl, int skip_ifindex, int *forwarding_was)
{
    struct other_nats o = {skip_ifindex, 0, -1};
    tap_nl_dump_links(nl, other_nat, &o);
    if (forwarding_was)
        *forwarding_was = o.forwarding_was;
    return o.count;
}
