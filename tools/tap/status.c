/* tapir-tap status: the devices tapir-tap manages (those carrying its record), their
 * owner, state, addresses and NAT, found with an RTM_GETLINK dump. */
#include <errno.h>
#include <getopt.h>
#include <linux/if_addr.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>

#include "tap.h"

static void usage(FILE *out)
{
    fputs("usage: tapir-tap status [--name NAME]\n"
          "List the devices tapir-tap created in this network namespace: kind, owner, state,\n"
          "addresses and NAT. Exit status 0, or 1 when --name is given and not managed.\n"
          "  -n, --name NAME  only this device\n"
          "  -h, --help       this help\n",
          out);
}

struct status_ctx {
    struct tap_nl *nl;
    const char *only;
    unsigned shown;
    int forwarding;
};

static int print_addr(const struct tap_link_addr *la, void *ctx)
{
    char text[64];
    (void)ctx;
    tap_addr_format(&la->addr, text, sizeof text);
    printf("    %s %s%s\n", la->addr.family == AF_INET ? "inet " : "inet6", text,
           la->ifa_flags & IFA_F_TENTATIVE ? " (tentative)" : "");
    return 0;
}

enum { MAX_SHOWN = 64 };

struct managed {
    struct tap_link list[MAX_SHOWN];
    unsigned n;
    bool truncated;
};

static int collect(const struct tap_link *l, void *ctx)
{
    struct managed *m = ctx;
    struct tap_record r;
    if (tap_record_parse(l->alias, &r) != 0)
        return 0;
    if (m->n < MAX_SHOWN)
        m->list[m->n++] = *l;
    else
        m->truncated = true;
    return 0;
}

static void show(struct status_ctx *s, const struct tap_link *l)
{
    struct tap_record r;
    tap_record_parse(l->alias, &r);
    char owner[64] = "none";
    if (l->owner >= 0) {
        struct passwd *pw = getpwuid((uid_t)l->owner);
        snprintf(owner, sizeof owner, "%ld%s%s%s", l->owner, pw ? " (" : "", pw ? pw->pw_name : "",
                 pw ? ")" : "");
    }
    printf("%s: %s, owner %s%s, %s, %s\n", l->name, l->tun ? "tun" : "tap", owner,
           l->group >= 0 ? ", group set" : "", l->flags & IFF_UP ? "up" : "down",
           l->flags & IFF_RUNNING ? "a program is attached" : "no program attached");
    tap_nl_dump_addrs(s->nl, l->ifindex, print_addr, NULL);
    if (r.nat_if[0]) {
        int table = tap_nat_exists(l->name);
        printf("    nat: masquerade out of %s, table ip tapir-%s %s; ip_forward %d (was %d)\n",
               r.nat_if, l->name,
               table == 1   ? "present"
               : table == 0 ? "MISSING"
                            : "unreadable",
               s->forwarding, r.forwarding_was);
    } else {
        printf("    nat: none\n");
    }
    s->shown++;
}

int tap_cmd_status(int argc, char **argv)
{
    char name[IFNAMSIZ] = "";
    int rc = tap_parse_name_only(argc, argv, "status", usage, name);
    if (rc >= 0)
        return rc;
    struct tap_nl nl;
    rc = tap_nl_open(&nl);
    if (rc != 0) {
        tap_err_errno("cannot open an rtnetlink socket", rc);
        return 1;
    }
    /* The dump is collected first: the address dumps reuse the socket. */
    static struct managed m;
    rc = tap_nl_dump_links(&nl, collect, &m);
    if (rc != 0) {
        tap_err_errno("cannot list the interfaces", rc);
        tap_nl_close(&nl);
        return 1;
    }
    struct status_ctx s = {&nl, name[0] ? name : NULL, 0, tap_forwarding_get()};
    for (unsigned i = 0; i < m.n; i++)
        if (!s.only || strcmp(s.only, m.list[i].name) == 0)
            show(&s, &m.list[i]);
    tap_nl_close(&nl);
    if (m.truncated)
        printf("(more than %d devices: the first %d shown)\n", MAX_SHOWN, MAX_SHOWN);
    if (s.shown == 0) {
        if (s.only) {
            printf("%s: not managed by tapir-tap\n", s.only);
            return 1;
        }
        printf("no devices managed by tapir-tap in this network namespace\n");
    }
    return 0;
}
