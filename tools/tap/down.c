/* tapir-tap down: removes exactly what `up` added, as the device's record says: the NAT
 * table, the forwarding value it changed, the device (with its addresses and routes).
 * A device that is not there is not an error: down twice is fine. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "tap.h"

static void usage(FILE *out)
{
    fputs("usage: tapir-tap down [--name NAME]\n"
          "Remove a device `tapir-tap up` created, with its addresses and routes, its NAT\n"
          "table (ip tapir-NAME) and, when no other tapir-tap NAT remains, the IPv4 forwarding\n"
          "value it found. Nothing to remove is not an error. Needs CAP_NET_ADMIN (sudo).\n"
          "  -n, --name NAME  device name (default tap0)\n"
          "  -h, --help       this help\n",
          out);
}

static int remove_nat(const char *name)
{
    char err[256];
    int present = tap_nat_exists(name);
    if (present == 0)
        return 0;
    if (tap_nat_del(name, err, sizeof err) != 0) {
        tap_err("cannot remove the NAT table ip tapir-%s: %s", name, err);
        return -1;
    }
    return 1;
}

int tap_cmd_down(int argc, char **argv)
{
    char name[IFNAMSIZ] = "tap0";
    int rc = tap_parse_name_only(argc, argv, "down", usage, name);
    if (rc >= 0)
        return rc;

    struct tap_nl nl;
    struct tap_link l;
    struct tap_record r;
    int status = 1;
    if ((rc = tap_nl_open(&nl)) != 0) {
        tap_err_errno("cannot open an rtnetlink socket", rc);
        return 1;
    }
    rc = tap_nl_get_link(&nl, name, &l);
    if (rc == -ENODEV) {
        /* A table left by an `up` that failed before creating the device. */
        int nat = remove_nat(name);
        if (nat < 0)
            goto out;
        printf("%s: not present%s\n", name, nat ? "; removed its NAT table" : ", nothing to do");
        status = 0;
        goto out;
    }
    if (rc != 0) {
        tap_err_errno("cannot read the interfaces", rc);
        goto out;
    }
    if (tap_record_parse(l.alias, &r) != 0) {
        tap_err("%s was not created by tapir-tap (it carries no tapir-tap record); not "
                "touching it",
                name);
        goto out;
    }
    char restored[64] = "";
    if (r.nat_if[0]) {
        if (remove_nat(name) < 0)
            goto out;
        if (tap_record_other_nats(&nl, l.ifindex, NULL) > 0) {
            /* Another tapir-tap NAT still needs forwarding. Its record holds the same
             * original value (`up` copied it), so the last `down` restores it. */
            snprintf(restored, sizeof restored, ", ip_forward left on for another NAT");
        } else if (r.forwarding_was >= 0) {
            if ((rc = tap_forwarding_set(r.forwarding_was)) != 0) {
                tap_err_errno("cannot restore /proc/sys/net/ipv4/ip_forward", rc);
                goto out;
            }
            snprintf(restored, sizeof restored, ", ip_forward restored to %d", r.forwarding_was);
        }
    }
    rc = tap_nl_del_link(&nl, l.ifindex);
    if (rc == -EOPNOTSUPP)
        rc = tap_tun_unpersist(name, r.tun);
    if (rc != 0 && rc != -ENODEV) {
        char what[64];
        snprintf(what, sizeof what, "cannot remove %s", name);
        tap_err_errno(what, rc);
        goto out;
    }
    printf("%s: removed%s%s\n", name, r.nat_if[0] ? ", NAT table removed" : "", restored);
    status = 0;
out:
    tap_nl_close(&nl);
    return status;
}
