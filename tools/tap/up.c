/* tapir-tap up: a persistent TAP (or TUN) owned by a user, up, addressed, optionally
 * NATed to another interface. Running it again with the same options changes nothing. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"

static void usage(FILE *out)
{
    fputs("usage: tapir-tap up [--name NAME] [--tun] [--user USER] [--group GROUP]\n"
          "                    [--addr ADDR/LEN]... [--addr6 ADDR/LEN]... [--nat OUTIF]\n"
          "Create a persistent TAP (or TUN) that USER may open without privilege, bring it up\n"
          "and give the host side its addresses. Needs CAP_NET_ADMIN (run it with sudo).\n"
          "  -n, --name NAME    device name (default tap0)\n"
          "      --tun          a TUN (IP packets) instead of a TAP (Ethernet frames)\n"
          "  -u, --user USER    owner, a name or a uid (default: the user who ran sudo\n"
          "                     (SUDO_UID), else the caller)\n"
          "  -g, --group GROUP  also let members of GROUP open it\n"
          "      --addr A/LEN   IPv4 address of the host side, repeatable\n"
          "                     (default 192.168.69.100/24)\n"
          "      --addr6 A/LEN  IPv6 address, repeatable, added without DAD so it works at once\n"
          "                     (default fe80::100/64 and fdaa::100/64; a TUN: fdaa::100/64)\n"
          "      --nat OUTIF    masquerade the device's IPv4 networks out of OUTIF (nftables\n"
          "                     table ip tapir-NAME) and turn on IPv4 forwarding; `down`\n"
          "                     restores the forwarding value found here\n"
          "  -h, --help         this help\n"
          "The device keeps a note of what was done in its alias, which `down` and `status`\n"
          "read. A second `up` with the same options reports \"already up\" and changes nothing.\n",
          out);
}

long tap_parse_user(const char *text)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (end != text && *end == '\0')
        return v >= 0 && v < 0xffffffffL ? v : -1;
    struct passwd *pw = getpwnam(text);
    return pw ? (long)pw->pw_uid : -1;
}

long tap_parse_group(const char *text)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (end != text && *end == '\0')
        return v >= 0 && v < 0xffffffffL ? v : -1;
    struct group *gr = getgrnam(text);
    return gr ? (long)gr->gr_gid : -1;
}

/* The owner when --user is not given: the user behind sudo, else the caller. */
static long default_owner(void)
{
    const char *sudo = getenv("SUDO_UID");
    if (sudo && getuid() == 0) {
        long v = tap_parse_user(sudo);
        if (v >= 0)
            return v;
    }
    return (long)getuid();
}

/* ---- shared with ns ------------------------------------------------------------------- */

static int create(const struct tap_spec *s)
{
    int rc = tap_tun_create(s->name, s->tun, s->owner, s->group);
    if (rc == 0)
        return 0;
    tap_tun_explain(s, rc);
    return -1;
}

/* Checks an existing device against the request. 0 when it is ours and matches. */
static int check_existing(const struct tap_spec *s, const struct tap_link *l, struct tap_record *r)
{
    if (tap_record_parse(l->alias, r) != 0) {
        if (l->is_tuntap)
            tap_err("the name %s is taken: a %s%s%ld that tapir-tap did not create; pick "
                    "another --name, or remove it (ip tuntap del %s mode %s)",
                    s->name, l->tun ? "TUN" : "TAP", l->owner >= 0 ? " owned by uid " : "",
                    l->owner >= 0 ? l->owner : 0L, s->name, l->tun ? "tun" : "tap");
        else
            tap_err("the name %s is taken by another interface that is not a TAP or TUN; "
                    "pick another --name",
                    s->name);
        return -1;
    }
    if (r->tun != s->tun || !l->is_tuntap || l->tun != s->tun) {
        tap_err("%s is already up as a %s; run `tapir-tap down --name %s` first", s->name,
                l->tun ? "TUN" : "TAP", s->name);
        return -1;
    }
    if (l->owner != s->owner) {
        tap_err("%s is already up for another owner (uid %ld); run `tapir-tap down --name %s` "
                "first",
                s->name, l->owner, s->name);
        return -1;
    }
    if (s->nat_if && r->nat_if[0] && strcmp(r->nat_if, s->nat_if) != 0) {
        tap_err("%s already has NAT out of %s; run `tapir-tap down --name %s` first", s->name,
                r->nat_if, s->name);
        return -1;
    }
    return 0;
}

int tap_up_apply(const struct tap_spec *s, bool quiet)
{
    struct tap_nl nl;
    struct tap_link l;
    struct tap_record r;
    char alias[256], text[64], err[256];
    int status = 1, rc;
    bool already = false, nat_new = false;

    if ((rc = tap_nl_open(&nl)) != 0) {
        tap_err_errno("cannot open an rtnetlink socket", rc);
        return 1;
    }
    if (s->nat_if) {
        if (strcmp(s->nat_if, s->name) == 0) {
            tap_err("--nat needs the other interface, the one leading out, not %s itself", s->name);
            goto out;
        }
        if ((rc = tap_nl_get_link(&nl, s->nat_if, &l)) != 0) {
            tap_err("--nat %s: %s", s->nat_if,
                    rc == -ENODEV ? "no such interface (see `ip link`)" : strerror(-rc));
            goto out;
        }
    }
    rc = tap_nl_get_link(&nl, s->name, &l);
    if (rc == 0) {
        if (check_existing(s, &l, &r) != 0)
            goto out;
        already = true;
    } else if (rc == -ENODEV) {
        if (create(s) != 0)
            goto out;
        if ((rc = tap_nl_get_link(&nl, s->name, &l)) != 0) {
            tap_err_errno("the new device vanished", rc);
            goto out;
        }
        memset(&r, 0, sizeof r);
        r.owner = s->owner;
        r.tun = s->tun;
        r.forwarding_was = -1;
    } else {
        tap_err_errno("cannot read the interfaces", rc);
        goto out;
    }

    if (s->nat_if && !r.nat_if[0]) {
        /* The value to restore at `down`: what another tapir-tap NAT found, when one is
         * still active (it turned forwarding on), else the value now. */
        int fw;
        tap_record_other_nats(&nl, l.ifindex, &fw);
        if (fw < 0)
            fw = tap_forwarding_get();
        if (fw < 0) {
            tap_err_errno("cannot read /proc/sys/net/ipv4/ip_forward", fw);
            goto out;
        }
        snprintf(r.nat_if, sizeof r.nat_if, "%s", s->nat_if);
        r.forwarding_was = fw;
        nat_new = true;
    }
    /* The record goes on the device before anything it describes is changed, so a `down`
     * after a failure half-way still finds what to undo. */
    tap_record_format(&r, alias, sizeof alias);
    if ((rc = tap_nl_set_link(&nl, l.ifindex, true, alias, true)) != 0) {
        snprintf(text, sizeof text, "cannot bring %s up", s->name);
        tap_err_errno(text, rc);
        goto out;
    }
    unsigned added = 0;
    for (unsigned i = 0; i < s->n_addrs; i++) {
        const struct tap_addr *a = &s->addrs[i];
        tap_addr_format(a, text, sizeof text);
        rc = tap_nl_add_addr(&nl, l.ifindex, a);
        if (rc == 0)
            added++;
        else if (rc != -EEXIST) {
            char what[128];
            snprintf(what, sizeof what, "cannot add %s to %s", text, s->name);
            tap_err_errno(what, rc);
            goto out;
        }
        if (a->family == AF_INET6 && a->prefix < 128) {
            rc = tap_nl_add_prefix_route(&nl, l.ifindex, a);
            if (rc != 0 && rc != -EEXIST) {
                char what[128];
                snprintf(what, sizeof what, "cannot add the route to %s on %s", text, s->name);
                tap_err_errno(what, rc);
                goto out;
            }
        }
    }
    if (s->nat_if) {
        if ((rc = tap_nat_add(s, err, sizeof err)) != 0) {
            tap_err("cannot add the NAT table ip tapir-%s: %s%s", s->name, err,
                    rc == -1 && geteuid() != 0 ? " (nftables needs CAP_NET_ADMIN: use sudo)" : "");
            goto out;
        }
        if ((rc = tap_forwarding_set(1)) != 0) {
            tap_err_errno("cannot turn on /proc/sys/net/ipv4/ip_forward", rc);
            goto out;
        }
    }
    if (!quiet) {
        printf("%s: %s (%s, owner %ld)", s->name, already ? "already up" : "up",
               s->tun ? "tun" : "tap", s->owner);
        for (unsigned i = 0; i < s->n_addrs; i++) {
            tap_addr_format(&s->addrs[i], text, sizeof text);
            printf(" %s", text);
        }
        if (s->nat_if)
            printf(", NAT out of %s, ip_forward 1 (was %d)", s->nat_if, r.forwarding_was);
        if (already && (added || nat_new))
            printf(", added what was missing");
        printf("\n");
    }
    status = 0;
out:
    tap_nl_close(&nl);
    return status;
}

int tap_cmd_up(int argc, char **argv)
{
    enum { OPT_TUN = 1000, OPT_ADDR, OPT_ADDR6, OPT_NAT };
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'},
        {"tun", no_argument, NULL, OPT_TUN},
        {"user", required_argument, NULL, 'u'},
        {"group", required_argument, NULL, 'g'},
        {"addr", required_argument, NULL, OPT_ADDR},
        {"addr6", required_argument, NULL, OPT_ADDR6},
        {"nat", required_argument, NULL, OPT_NAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct tap_spec s;
    tap_spec_init(&s);
    bool user_given = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:u:g:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (tap_parse_name(optarg, s.name) != 0) {
                tap_err("invalid --name '%s': 1 to 15 of letters, digits, '_', '.', '-'", optarg);
                return 2;
            }
            break;
        case OPT_TUN:
            s.tun = true;
            break;
        case 'u':
            if ((s.owner = tap_parse_user(optarg)) < 0) {
                tap_err("--user %s: no such user", optarg);
                return 2;
            }
            user_given = true;
            break;
        case 'g':
            if ((s.group = tap_parse_group(optarg)) < 0) {
                tap_err("--group %s: no such group", optarg);
                return 2;
            }
            break;
        case OPT_ADDR:
        case OPT_ADDR6:
            if (tap_spec_add_addr(&s, c == OPT_ADDR ? AF_INET : AF_INET6, optarg) != 0) {
                tap_err("invalid %s '%s': expected an %s address with prefix like %s (at most "
                        "%d)",
                        c == OPT_ADDR ? "--addr" : "--addr6", optarg,
                        c == OPT_ADDR ? "IPv4" : "IPv6",
                        c == OPT_ADDR ? "192.168.69.100/24" : "fdaa::100/64", TAP_MAX_ADDRS);
                return 2;
            }
            break;
        case OPT_NAT:
            if (tap_parse_name(optarg, s.nat_buf) != 0) {
                tap_err("invalid --nat '%s': an interface name", optarg);
                return 2;
            }
            s.nat_if = s.nat_buf;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        tap_err("up: unexpected argument '%s'", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (!user_given)
        s.owner = default_owner();
    tap_spec_defaults(&s);
    return tap_up_apply(&s, false);
}
