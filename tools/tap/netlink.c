/* rtnetlink through libmnl: the links and addresses tapir-tap creates, changes and lists.
 * Every request asks for an acknowledgement, so each one reports its own error. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tap.h"

/* Fixed sizes (MNL_SOCKET_BUFFER_SIZE is a sysconf() call, a VLA): one request, and one
 * read of answers, which the kernel fills up to this size. */
enum { NL_REQ_SIZE = 4096, NL_RX_SIZE = 32768 };

int tap_nl_open(struct tap_nl *nl)
{
    memset(nl, 0, sizeof *nl);
    nl->sock = mnl_socket_open(NETLINK_ROUTE);
    if (!nl->sock)
        return -errno;
    if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
        int rc = -errno;
        mnl_socket_close(nl->sock);
        nl->sock = NULL;
        return rc;
    }
    nl->portid = mnl_socket_get_portid(nl->sock);
    nl->seq = (unsigned)time(NULL);
    return 0;
}

void tap_nl_close(struct tap_nl *nl)
{
    if (nl->sock)
        mnl_socket_close(nl->sock);
    nl->sock = NULL;
}

/* Sends nlh and reads answers until the ACK (or the end of a dump), handing each data
 * message to cb. Returns 0 or the negative errno the kernel answered. */
static int transact(struct tap_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *ctx)
{
    char buf[NL_RX_SIZE];
    nlh->nlmsg_seq = ++nl->seq;
    /* NLM_F_DUMP is two bits, one of which NLM_F_EXCL shares on a NEW request. */
    if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
        nlh->nlmsg_flags |= NLM_F_ACK;
    if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof buf);
        if (n < 0)
            return -errno;
        int rc = mnl_cb_run(buf, (size_t)n, nl->seq, nl->portid, cb, ctx);
        if (rc == MNL_CB_ERROR)
            return errno ? -errno : -EIO;
        if (rc == MNL_CB_STOP)
            return 0;
    }
}

static struct nlmsghdr *new_request(char *buf, uint16_t type, uint16_t flags)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    return nlh;
}

/* ---- links ---------------------------------------------------------------------------- */

/* The attribute walkers use mnl_attr_parse*() callbacks: libmnl's for-each macros cast
 * away const, which -Wcast-qual rejects. */
static int tun_attr_cb(const struct nlattr *a, void *ctx)
{
    struct tap_link *l = ctx;
    switch (mnl_attr_get_type(a)) {
    case IFLA_TUN_TYPE:
        l->tun = mnl_attr_get_u8(a) == IFF_TUN;
        break;
    case IFLA_TUN_OWNER:
        l->owner = mnl_attr_get_u32(a);
        break;
    case IFLA_TUN_GROUP:
        l->group = mnl_attr_get_u32(a);
        break;
    case IFLA_TUN_PERSIST:
        l->persist = mnl_attr_get_u8(a) != 0;
        break;
    default:
        break;
    }
    return MNL_CB_OK;
}

struct linkinfo {
    bool is_tun;
    const struct nlattr *data;
};

static int linkinfo_attr_cb(const struct nlattr *a, void *ctx)
{
    struct linkinfo *li = ctx;
    if (mnl_attr_get_type(a) == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_STRING) == 0 &&
        strcmp(mnl_attr_get_str(a), "tun") == 0)
        li->is_tun = true;
    else if (mnl_attr_get_type(a) == IFLA_INFO_DATA)
        li->data = a;
    return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *ctx)
{
    struct tap_link *l = ctx;
    switch (mnl_attr_get_type(a)) {
    case IFLA_IFNAME:
        if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
            snprintf(l->name, sizeof l->name, "%s", mnl_attr_get_str(a));
        break;
    case IFLA_IFALIAS:
        snprintf(l->alias, sizeof l->alias, "%.*s", (int)mnl_attr_get_payload_len(a),
                 (const char *)mnl_attr_get_payload(a));
        break;
    case IFLA_LINKINFO: {
        struct linkinfo li = {false, NULL};
        mnl_attr_parse_nested(a, linkinfo_attr_cb, &li);
        l->is_tuntap = li.is_tun;
        if (li.is_tun && li.data)
            mnl_attr_parse_nested(li.data, tun_attr_cb, l);
        break;
    }
    default:
        break;
    }
    return MNL_CB_OK;
}

static void parse_link(const struct nlmsghdr *nlh, struct tap_link *l)
{
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    memset(l, 0, sizeof *l);
    l->ifindex = ifi->ifi_index;
    l->flags = ifi->ifi_flags;
    l->owner = -1;
    l->group = -1;
    mnl_attr_parse(nlh, sizeof *ifi, link_attr_cb, l);
}

static int get_link_cb(const struct nlmsghdr *nlh, void *ctx)
{
    if (nlh->nlmsg_type == RTM_NEWLINK)
        parse_link(nlh, ctx);
    return MNL_CB_OK;
}

int tap_nl_get_link(struct tap_nl *nl, const char *name, struct tap_link *out)
{
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = new_request(buf, RTM_GETLINK, 0);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    memset(out, 0, sizeof *out);
    int rc = transact(nl, nlh, get_link_cb, out);
    if (rc == -ENODEV || (rc == 0 && out->ifindex == 0))
        return -ENODEV;
    return rc;
}

struct dump_links {
    int (*fn)(const struct tap_link *, void *);
    void *ctx;
};

static int dump_links_cb(const struct nlmsghdr *nlh, void *ctx)
{
    struct dump_links *d = ctx;
    struct tap_link l;
    if (nlh->nlmsg_type != RTM_NEWLINK)
        return MNL_CB_OK;
    parse_link(nlh, &l);
    /* A dump is always read to its end, so the next request starts on a clean socket. */
    d->fn(&l, d->ctx);
    return MNL_CB_OK;
}

int tap_nl_dump_links(struct tap_nl *nl, int (*fn)(const struct tap_link *, void *), void *ctx)
{
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = new_request(buf, RTM_GETLINK, NLM_F_DUMP);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    struct dump_links d = {fn, ctx};
    return transact(nl, nlh, dump_links_cb, &d);
}

int tap_nl_set_link(struct tap_nl *nl, int ifindex, bool up, const char *alias, bool addrgen_none)
{
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = new_request(buf, RTM_NEWLINK, 0);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    if (up) {
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
    }
    if (alias)
        mnl_attr_put_str(nlh, IFLA_IFALIAS, alias);
    if (addrgen_none) {
        /* The host side holds exactly the addresses asked for: no EUI-64 link-local
         * appearing when a program attaches and the carrier comes up (RFC 4862 5.3). */
        struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
        struct nlattr *in6 = mnl_attr_nest_start(nlh, AF_INET6);
        mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
        mnl_attr_nest_end(nlh, in6);
        mnl_attr_nest_end(nlh, spec);
    }
    return transact(nl, nlh, NULL, NULL);
}

int tap_nl_del_link(struct tap_nl *nl, int ifindex)
{
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = new_request(buf, RTM_DELLINK, 0);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    return transact(nl, nlh, NULL, NULL);
}

/* ---- addresses and routes ------------------------------------------------------------- */

static size_t addr_len(int family)
{
    return family == AF_INET ? 4 : 16;
}

int tap_nl_add_addr(struct tap_nl *nl, int ifindex, const struct tap_addr *a)
{
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = new_request(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = (uint8_t)a->family;
    ifa->ifa_prefixlen = (uint8_t)a->prefix;
    ifa->ifa_index = (unsigned)ifindex;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    mnl_attr_put(nlh, IFA_LOCAL, addr_len(a->family), a->bytes);
    mnl_attr_put(nlh, IFA_ADDRESS, addr_len(a->family), a->bytes);
    if (a->family == AF_INET6) {
        /* No duplicate address detection: the address is usable at once, not "tentative"
         * for a second (RFC 4862 5.4 allows skipping DAD on a link known to be private). */
        ifa->ifa_flags = IFA_F_NODAD;
        mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
    } else {
        uint8_t brd[4];
        uint32_t host = a->prefix >= 32 ? 0 : 0xffffffffu >> a->prefix;
        for (int i = 0; i < 4; i++)
            brd[i] = a->bytes[i] | (uint8_t)(host >> (24 - 8 * i));
        if (a->prefix < 31)
            mnl_attr_put(nlh, IFA_BROADCAST, 4, brd);
    }
    return transact(nl, nlh, NULL, NULL);
}

int tap_nl_add_prefix_route(struct tap_nl *nl, int ifindex, const struct tap_addr *a)
{
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = new_request(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    uint8_t dst[16] = {0};
    for (unsigned i = 0; i < a->prefix / 8; i++)
        dst[i] = a->bytes[i];
    if (a->prefix % 8)
        dst[a->prefix / 8] = a->bytes[a->prefix / 8] & (uint8_t)(0xff << (8 - a->prefix % 8));
    rtm->rtm_family = (uint8_t)a->family;
    rtm->rtm_dst_len = (uint8_t)a->prefix;
    rtm->rtm_table = RT_TABLE_MAIN;
    /* The kernel normally makes this route with the address (proto kernel, metric 256);
     * asking for the same metric with NLM_F_EXCL then answers EEXIST instead of adding
     * a twin, and fills the gap where it did not (a /128, or a kernel that skipped it). */
    rtm->rtm_protocol = RTPROT_BOOT;
    rtm->rtm_scope = a->family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
    rtm->rtm_type = RTN_UNICAST;
    mnl_attr_put(nlh, RTA_DST, addr_len(a->family), dst);
    mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
    mnl_attr_put_u32(nlh, RTA_PRIORITY, a->family == AF_INET6 ? 256 : 0);
    return transact(nl, nlh, NULL, NULL);
}

struct addr_attrs {
    struct tap_link_addr *la;
    size_t len;
    bool have;
};

static int addr_attr_cb(const struct nlattr *a, void *ctx)
{
    struct addr_attrs *aa = ctx;
    uint16_t type = mnl_attr_get_type(a);
    /* IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links
     * and the same address elsewhere, so it only counts when IFA_LOCAL is absent. */
    if ((type == IFA_LOCAL || (type == IFA_ADDRESS && !aa->have)) &&
        mnl_attr_get_payload_len(a) == aa->len) {
        memcpy(aa->la->addr.bytes, mnl_attr_get_payload(a), aa->len);
        aa->have = true;
    } else if (type == IFA_FLAGS && mnl_attr_get_payload_len(a) == 4) {
        aa->la->ifa_flags = mnl_attr_get_u32(a);
    }
    return MNL_CB_OK;
}

struct dump_addrs {
    int ifindex;
    int (*fn)(const struct tap_link_addr *, void *);
    void *ctx;
};

static int dump_addrs_cb(const struct nlmsghdr *nlh, void *ctx)
{
    struct dump_addrs *d = ctx;
    if (nlh->nlmsg_type != RTM_NEWADDR)
        return MNL_CB_OK;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    if ((int)ifa->ifa_index != d->ifindex ||
        (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
        return MNL_CB_OK;
    struct tap_link_addr la;
    memset(&la, 0, sizeof la);
    la.addr.family = ifa->ifa_family;
    la.addr.prefix = ifa->ifa_prefixlen;
    la.ifa_flags = ifa->ifa_flags;
    struct addr_attrs aa = {&la, addr_len(ifa->ifa_family), false};
    mnl_attr_parse(nlh, sizeof *ifa, addr_attr_cb, &aa);
    bool have = aa.have;
    if (!have)
        return MNL_CB_OK;
    d->fn(&la, d->ctx);
    return MNL_CB_OK;
}

int tap_nl_dump_addrs(struct tap_nl *nl, int ifindex,
                      int (*fn)(const struct tap_link_addr *, void *), void *ctx)
{
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = new_request(buf, RTM_GETADDR, NLM_F_DUMP);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = AF_UNSPEC;
    struct dump_addrs d = {ifindex, fn, ctx};
    return transact(nl, nlh, dump_addrs_cb, &d);
}
