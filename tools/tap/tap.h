/* tapir-tap: what the subcommands share.
 *
 * One file per subcommand (up.c, down.c, status.c, grant.c, ns.c) behind the table in
 * tools/tapir-tap.c, as wireguard-tools does; netlink.c speaks rtnetlink through libmnl,
 * tundev.c the TUN/TAP ioctls, nat.c nftables (libnftables) and the forwarding sysctl,
 * record.c the note a managed device carries in its alias, spec.c the options up and ns
 * share. Functions return 0 or a negative errno; the subcommands print the messages. */
#ifndef TAPIR_TOOLS_TAP_H
#define TAPIR_TOOLS_TAP_H

#include <linux/if.h> /* IFNAMSIZ, IFF_*, struct ifreq (not <net/if.h>: the two clash) */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define TAP_PROG "tapir-tap"

/* ---- subcommands (each in its own file) ---------------------------------------------- */
int tap_cmd_up(int argc, char **argv);
int tap_cmd_down(int argc, char **argv);
int tap_cmd_status(int argc, char **argv);
int tap_cmd_grant(int argc, char **argv);
int tap_cmd_ns(int argc, char **argv);

/* ---- the device to set up (spec.c) ---------------------------------------------------- */
enum { TAP_MAX_ADDRS = 8 };

struct tap_addr {
    int family; /* AF_INET or AF_INET6 */
    uint8_t bytes[16];
    unsigned prefix;
};

struct tap_spec {
    char name[IFNAMSIZ];
    bool tun;
    long owner; /* uid, -1: none */
    long group; /* gid, -1: none */
    struct tap_addr addrs[2 * TAP_MAX_ADDRS];
    unsigned n_addrs;
    bool addr4_given, addr6_given;
    const char *nat_if; /* NULL: no NAT; else points at nat_buf */
    char nat_buf[IFNAMSIZ];
    bool in_userns; /* set by ns: explains a closed /dev/net/tun for that case */
};

/* Name tap0, a TAP, no owner, no addresses yet, no NAT. */
void tap_spec_init(struct tap_spec *s);
/* Checks an interface name: 1 to 15 of [A-Za-z0-9_.-]; copies it. 0 or -1. */
int tap_parse_name(const char *text, char out[IFNAMSIZ]);
/* The options of a subcommand that takes only --name NAME (-n) and --help (down, status):
 * fills `name` (left as it is when not given). Returns -1 to go on, else the exit status
 * after printing what is needed (0 after --help, 2 for a usage error). */
int tap_parse_name_only(int argc, char **argv, const char *cmd, void (*usage)(FILE *),
                        char name[IFNAMSIZ]);
/* "ADDR/LEN" of the given family into s; -1 when malformed or too many. */
int tap_spec_add_addr(struct tap_spec *s, int family, const char *text);
/* Adds the default addresses for each family the options did not name: 192.168.69.100/24,
 * fe80::100/64, fdaa::100/64 (a TUN gets no link-local: it has no link layer). */
void tap_spec_defaults(struct tap_spec *s);
/* "192.168.69.100/24" */
void tap_addr_format(const struct tap_addr *a, char *buf, size_t len);

/* ---- bringing a device up (up.c, shared with ns) -------------------------------------- */
/* Creates (or finds, when tapir-tap created it before) the device of spec, records it,
 * brings it up with its addresses and IPv6 prefix routes, and adds the NAT. Prints what
 * it did unless quiet, and every failure. Returns the exit status: 0 or 1. */
int tap_up_apply(const struct tap_spec *spec, bool quiet);
/* --user: a user name or a number; -1 when there is no such user. */
long tap_parse_user(const char *text);
long tap_parse_group(const char *text);

/* ---- the record a managed device carries (record.c) ----------------------------------- */
/* IFLA_IFALIAS of a device tapir-tap created:
 *   "tapir-tap: owner=1000, kind=tap, nat=eth0, forwarding_was=0"
 * (nat=- and forwarding_was=- without NAT). Another process (down, status) reads it back. */
#define TAP_RECORD_PREFIX "tapir-tap:"

struct tap_record {
    long owner; /* -1: none */
    bool tun;
    char nat_if[IFNAMSIZ]; /* "" : no NAT */
    int forwarding_was;    /* -1: not recorded */
};

void tap_record_format(const struct tap_record *r, char *buf, size_t len);
/* 0, or -1 when `alias` is not a tapir-tap record. */
int tap_record_parse(const char *alias, struct tap_record *r);

/* ---- rtnetlink (netlink.c) ------------------------------------------------------------ */
struct mnl_socket;

struct tap_nl {
    struct mnl_socket *sock;
    unsigned portid;
    unsigned seq;
};

struct tap_link {
    int ifindex;
    char name[IFNAMSIZ];
    unsigned flags; /* IFF_UP, IFF_RUNNING, ... */
    char alias[256];
    bool is_tuntap;    /* IFLA_INFO_KIND "tun" */
    bool tun;          /* IFLA_TUN_TYPE is IFF_TUN */
    long owner, group; /* -1 when unset */
    bool persist;
};

struct tap_link_addr {
    struct tap_addr addr;
    unsigned ifa_flags;
};

int tap_nl_open(struct tap_nl *nl);
void tap_nl_close(struct tap_nl *nl);
/* The link named `name`: 0, -ENODEV when there is none. */
int tap_nl_get_link(struct tap_nl *nl, const char *name, struct tap_link *out);
/* Calls fn for every link (RTM_GETLINK dump); fn's return value is ignored. */
int tap_nl_dump_links(struct tap_nl *nl, int (*fn)(const struct tap_link *, void *), void *ctx);
/* Every address of ifindex (RTM_GETADDR dump). */
int tap_nl_dump_addrs(struct tap_nl *nl, int ifindex,
                      int (*fn)(const struct tap_link_addr *, void *), void *ctx);
/* RTM_NEWLINK on an existing link: administratively up (IFF_UP), the alias set (NULL:
 * unchanged) and, when addrgen_none, no kernel-made IPv6 link-local address. */
int tap_nl_set_link(struct tap_nl *nl, int ifindex, bool up, const char *alias, bool addrgen_none);
/* RTM_NEWADDR; IPv6 addresses get IFA_F_NODAD (usable at once). -EEXIST when present. */
int tap_nl_add_addr(struct tap_nl *nl, int ifindex, const struct tap_addr *a);
/* RTM_NEWROUTE: the on-link route to a's prefix in the main table. -EEXIST when present. */
int tap_nl_add_prefix_route(struct tap_nl *nl, int ifindex, const struct tap_addr *a);
/* RTM_DELLINK. */
int tap_nl_del_link(struct tap_nl *nl, int ifindex);

/* The other devices tapir-tap manages with NAT (every link but skip_ifindex whose record
 * names a NAT, from a link dump; record.c): returns how many, and sets *forwarding_was
 * (unless NULL) to the first forwarding value one of them recorded (-1: none did). */
int tap_record_other_nats(struct tap_nl *nl, int skip_ifindex, int *forwarding_was);

/* ---- TUN/TAP ioctls (tundev.c) -------------------------------------------------------- */
/* Creates the persistent device (TUNSETIFF, TUNSETOWNER, TUNSETGROUP, TUNSETPERSIST). */
int tap_tun_create(const char *name, bool tun, long owner, long group);
/* Prints what a tap_tun_create() failure means and what to do. */
void tap_tun_explain(const struct tap_spec *spec, int rc);
/* Clears persistence of an existing device (it vanishes once nobody holds it). */
int tap_tun_unpersist(const char *name, bool tun);

/* ---- NAT and forwarding (nat.c) ------------------------------------------------------- */
/* "tapir-<name>" */
void tap_nat_table(const char *ifname, char *buf, size_t len);
/* Replaces (atomically) table ip tapir-<name> with one postrouting nat chain that
 * masquerades the IPv4 networks of spec leaving through spec->nat_if. On failure the
 * message of libnftables is copied into err. */
int tap_nat_add(const struct tap_spec *spec, char *err, size_t errlen);
/* Deletes the table if it exists. */
int tap_nat_del(const char *ifname, char *err, size_t errlen);
/* 1 when the table exists, 0 when not, negative on error. */
int tap_nat_exists(const char *ifname);
/* The IPv4 forwarding sysctl of this network namespace: 0/1, or -errno. */
int tap_forwarding_get(void);
int tap_forwarding_set(int value);

/* ---- messages ------------------------------------------------------------------------- */
/* "tapir-tap: <message>\n" on stderr. */
void tap_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What a failure with -errno `rc` while doing `what` means, and what to do. */
void tap_err_errno(const char *what, int rc);

#endif
