/* Multicast group membership, host side: IGMPv3 (RFC 3376 §5) with the IGMPv1/v2
 * compatibility modes (RFC 3376 §7, RFC 2236 §3), and MLDv2 (RFC 3810 §6) with the MLDv1
 * compatibility mode (RFC 3810 §8, RFC 2710 §4).
 *
 * tapir is a host that listens to whole groups, never to chosen sources, so every group is
 * in EXCLUDE mode with an empty source list: joining is the state change INCLUDE {} ->
 * EXCLUDE {} (a TO_EX {} record), leaving the reverse (TO_IN {}), and the current state of
 * a group is IS_EX {} (RFC 3376 §5.1, RFC 3810 §6.1). Source-specific queries are answered
 * as if they named only the group, as Linux does (tests/data/igmp_v3_query.pcap): IS_EX {}
 * already says every source is wanted.
 *
 * The joined groups themselves are iface->groups (what ingress accepts, iface_rx.c); this
 * file keeps, beside them, the reports each group still owes (iface->mcast). */
#include <string.h>

#include "iface_pseudo.h"
#include "../base/addr_internal.h"
#include "iface_internal.h"
#include "tapir/wire/icmpv6.h"
#include "tapir/wire/igmp.h"
#include "tapir/wire/ipv4.h"
#include "tapir/wire/ipv6.h"
#include "tapir/wire/mld.h"

/* IGMPv3 and MLDv2 number their record types alike (RFC 3376 §4.2.12, RFC 3810 §5.2.12):
 * one value names a record of either. */
_Static_assert((int)TAPIR_IGMP_MODE_IS_EXCLUDE == (int)TAPIR_MLD_MODE_IS_EXCLUDE &&
                   (int)TAPIR_IGMP_CHANGE_TO_INCLUDE == (int)TAPIR_MLD_CHANGE_TO_INCLUDE &&
                   (int)TAPIR_IGMP_CHANGE_TO_EXCLUDE == (int)TAPIR_MLD_CHANGE_TO_EXCLUDE,
               "IGMPv3 and MLDv2 record types");

#define FAM_V4 0
#define FAM_V6 1

/* RFC 3376 §8.1-8.3, RFC 3810 §9.1-9.3: the defaults until a querier tells us otherwise. */
#define DEFAULT_ROBUSTNESS       2
#define DEFAULT_QUERY_INTERVAL_S 125
#define QUERY_RESPONSE_INTERVAL  (10 * (tapir_instant)TAPIR_US_PER_S)
/* Unsolicited Report Interval: 1 s for IGMPv3 and MLDv2 (RFC 3376 §8.11, RFC 3810 §9.11),
 * 10 s for IGMPv1/v2 and MLDv1 (RFC 2236 §8.10, RFC 2710 §7.10). */
#define UNSOLICITED_V3 (1 * (tapir_instant)TAPIR_US_PER_S)
#define UNSOLICITED_V2 (10 * (tapir_instant)TAPIR_US_PER_S)
/* An IGMPv1 query has no Max Resp Time: 10 s (RFC 2236 §4, "100" in tenths). */
#define V1_MAX_RESP (10 * (tapir_instant)TAPIR_US_PER_S)
/* Internetwork Control precedence, as Linux sends IGMP (RFC 791 §3.1; tests/data/igmp_*). */
#define IGMP_TOS 0xc0

static const struct tapir_ipv4_addr all_systems = {{224, 0, 0, 1}};
static const struct tapir_ipv4_addr all_routers = {{224, 0, 0, 2}};
static const struct tapir_ipv4_addr igmpv3_routers = {{224, 0, 0, 22}};
static const struct tapir_ipv6_addr all_nodes = {{0xff, 0x02, [15] = 0x01}};
static const struct tapir_ipv6_addr all_routers6 = {{0xff, 0x02, [15] = 0x02}};
static const struct tapir_ipv6_addr mldv2_routers = {{0xff, 0x02, [15] = 0x16}};

/* Room for one report about every group an interface can report: the joined ones and, for
 * MLD, the solicited-node group of every address. */
#define MAX_REPORTED (TAPIR_IFACE_MAX_GROUPS + TAPIR_IFACE_MAX_IPV6)

static int family_of(const struct tapir_ip_addr *a)
{
    return a->version == TAPIR_IP_V6 ? FAM_V6 : FAM_V4;
}

/* Groups no report is ever sent about. IPv4: the all-systems group 224.0.0.1, in which a
 * host stays a silent member for good (RFC 2236 §6; RFC 3376 §5 keeps it, and Linux never
 * reports it). IPv6: all-nodes ff02::1 and every group of scope 0 (reserved) or 1
 * (interface-local) (RFC 3810 §6: "No MLD messages are ever sent regarding neither the
 * link-scope all-nodes multicast address, nor any multicast address of scope 0 (reserved)
 * or 1 (node-local)"). Other link-scope groups, the solicited-node groups included, are
 * reported (RFC 3810 §6 names no other exception; RFC 4861 §7.2.1 and RFC 4862 §5.4.2
 * require joining them with MLD, and Linux reports them: tests/data/mld_v2_query.pcap). */
static bool reportable(const struct tapir_ip_addr *g)
{
    if (g->version == TAPIR_IP_V4)
        return memcmp(&g->v4, &all_systems, 4) != 0;
    unsigned scope = g->v6.bytes[1] & 0x0f;
    return scope > 1 && memcmp(&g->v6, &all_nodes, 16) != 0;
}

static struct tapir__mcast_group *find(struct tapir_iface *iface, const struct tapir_ip_addr *g)
{
    for (unsigned i = 0; i < TAPIR_IFACE_MAX_GROUPS; i++)
        if (tapir_ip_equal(&iface->mcast.groups[i].addr, g))
            return &iface->mcast.groups[i];
    return NULL;
}

static void free_slot(struct tapir__mcast_group *e)
{
    memset(e, 0, sizeof *e);
}

/* A delay chosen uniformly in (0, max_us] (RFC 3376 §5.1, §5.2; RFC 3810 §6.1, §6.2), from
 * the interface's randomness. */
static tapir_instant random_delay(struct tapir_iface *iface, tapir_instant max_us)
{
    if (max_us <= 0)
        return 0;
    if (max_us > (tapir_instant)UINT32_MAX) /* MLDv2 codes reach 2.3 hours: draw in ms */
        return ((tapir_instant)tapir_rng_below(&iface->cfg.rng,
                                               (uint32_t)(max_us / TAPIR_US_PER_MS)) +
                1) *
               TAPIR_US_PER_MS;
    return (tapir_instant)tapir_rng_below(&iface->cfg.rng, (uint32_t)max_us) + 1;
}

/* IGMP 1, 2 or 3; MLD 1 or 2 (RFC 3376 §7.2.1, RFC 3810 §8.2.1: the oldest querier heard
 * within the Older Version Querier Present Timeout decides). */
static int version(const struct tapir_iface *iface, int fam, tapir_instant now)
{
    const struct tapir__mcast_family *f = &iface->mcast.family[fam];
    if (fam == FAM_V4) {
        if (f->v1_until > now)
            return 1;
        return f->v2_until > now ? 2 : 3;
    }
    return f->v2_until > now ? 1 : 2;
}

static bool current_version(const struct tapir_iface *iface, int fam, tapir_instant now)
{
    return version(iface, fam, now) == (fam == FAM_V4 ? 3 : 2);
}

static unsigned robustness(const struct tapir__mcast_family *f)
{
    return f->robustness ? f->robustness : DEFAULT_ROBUSTNESS;
}

/* Older Version Querier Present Timeout: Robustness Variable times Query Interval plus one
 * Query Response Interval (RFC 3376 §8.12, RFC 3810 §9.12), 260 s by default. */
static tapir_instant older_querier_timeout(const struct tapir__mcast_family *f)
{
    uint32_t qi = f->query_interval_s ? f->query_interval_s : DEFAULT_QUERY_INTERVAL_S;
    return (tapir_instant)robustness(f) * qi * TAPIR_US_PER_S + QUERY_RESPONSE_INTERVAL;
}

/* ---- sending ---- */

/* An IGMP message in an IPv4 datagram with TTL 1 and the Router Alert option (RFC 3376 §4,
 * RFC 2236 §2, RFC 2113), from our address, or from 0.0.0.0 before we have one (RFC 3376
 * §4.2.13). DF with identification 0, as Linux sends it: an atomic datagram needs no
 * identification (RFC 6864 §4.1). */
static void send_igmp(struct tapir_iface *iface, tapir_instant now,
                      const struct tapir_ipv4_addr *dst, const struct tapir_igmp_repr *msg)
{
    static const uint8_t router_alert[4] = {TAPIR_IPV4_OPT_RA, 4, 0, 0};
    const size_t hlen = TAPIR_IPV4_HEADER_LEN + sizeof router_alert;
    uint8_t *dg = iface->datagram;
    int n = tapir_igmp_emit(msg, dg + hlen, 65535 - hlen);
    if (n < 0)
        return;
    struct tapir_ip_addr d = {.version = TAPIR_IP_V4, .v4 = *dst};
    struct tapir_ip_addr src;
    if (tapir__select_source(iface, &d, &src) != 0)
        memset(&src.v4, 0, sizeof src.v4);
    struct tapir_ipv4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.src = src.v4;
    ip.dst = *dst;
    ip.protocol = TAPIR_IP_PROTO_IGMP;
    ip.ttl = 1;
    ip.tos = IGMP_TOS;
    ip.dont_frag = true;
    ip.options = router_alert;
    ip.options_len = sizeof router_alert;
    ip.payload = dg + hlen;
    ip.payload_len = (size_t)n;
    int len = tapir_ipv4_emit(&ip, dg, hlen + (size_t)n);
    if (len > 0 && tapir__send_ip(iface, now, dg, (size_t)len) == 0)
        iface->stats.mcast_reports_sent++;
}

/* An MLD message with hop limit 1 behind a Hop-by-Hop header holding the Router Alert
 * option, from our link-local address, or from :: before we have one (RFC 3810 §5, §5.2.13;
 * RFC 2710 §3). */
static void send_mld(struct tapir_iface *iface, tapir_instant now,
                     const struct tapir_ipv6_addr *dst, const struct tapir_mld_repr *msg)
{
    struct tapir_ipv6_addr src;
    memset(&src, 0, sizeof src);
    for (unsigned i = 0; i < iface->ipv6_count; i++) {
        const struct tapir_ipv6_addr *a = &iface->ipv6[i].addr;
        if (a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80) {
            src = *a;
            break;
        }
    }
    const size_t hlen = 40 + TAPIR_IPV6_RTALERT_HBH_LEN;
    uint8_t *dg = iface->datagram;
    struct tapir_pseudo_header ph = tapir__pseudo_v6(&src, dst, TAPIR_IP_PROTO_ICMPV6);
    int n = tapir_mld_emit(msg, &ph, dg + hlen, 65535 - TAPIR_IPV6_RTALERT_HBH_LEN);
    if (n < 0 || tapir_ipv6_hbh_router_alert_emit(TAPIR_IP_PROTO_ICMPV6, TAPIR_IPV6_RTALERT_MLD,
                                                  dg + 40, TAPIR_IPV6_RTALERT_HBH_LEN) < 0)
        return;
    struct tapir_ipv6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.src = src;
    ip.dst = *dst;
    ip.next_header = TAPIR_IPV6_NH_HOPOPTS;
    ip.hop_limit = 1;
    ip.ext = dg + 40;
    ip.ext_len = TAPIR_IPV6_RTALERT_HBH_LEN;
    ip.payload = dg + hlen;
    ip.payload_len = (size_t)n;
    int len = tapir_ipv6_emit(&ip, dg, hlen + (size_t)n);
    if (len > 0 && tapir__send_ip(iface, now, dg, (size_t)len) == 0)
        iface->stats.mcast_reports_sent++;
}

/* One IGMPv3 / MLDv2 report with a record of `type` and no sources for each group (RFC 3376
 * §4.2, RFC 3810 §5.2), to 224.0.0.22 / ff02::16 (RFC 3376 §4.2.14, RFC 3810 §5.2.14). */
static void send_records(struct tapir_iface *iface, tapir_instant now, int fam,
                         const struct tapir_ip_addr *groups, unsigned n, uint8_t type)
{
    uint8_t recs[MAX_REPORTED * TAPIR_MLD_RECORD_LEN];
    size_t len = 0;
    for (unsigned i = 0; i < n && i < MAX_REPORTED; i++) {
        int w;
        if (fam == FAM_V4) {
            struct tapir_igmp_record r = {.type = type, .group = groups[i].v4};
            w = tapir_igmp_record_emit(&r, recs + len, sizeof recs - len);
        } else {
            struct tapir_mld_record r = {.type = type, .mcast_addr = groups[i].v6};
            w = tapir_mld_record_emit(&r, recs + len, sizeof recs - len);
        }
        if (w < 0)
            return;
        len += (size_t)w;
    }
    if (fam == FAM_V4) {
        struct tapir_igmp_repr m = {.type = TAPIR_IGMP_V3_REPORT,
                                    .version = 3,
                                    .num_records = (uint16_t)n,
                                    .records = recs,
                                    .records_len = len};
        send_igmp(iface, now, &igmpv3_routers, &m);
    } else {
        struct tapir_mld_repr m = {.type = TAPIR_ICMPV6_MLD2_REPORT,
                                   .version = 2,
                                   .num_records = (uint16_t)n,
                                   .records = recs,
                                   .records_len = len};
        send_mld(iface, now, &mldv2_routers, &m);
    }
}

/* What the group's state (joined: a report; left: a leave) looks like in an older version:
 * IGMPv1/v2 and MLDv1 reports go to the group itself, leaves to all-routers (RFC 2236 §3,
 * RFC 2710 §4); IGMPv1 has no leave at all. */
static void send_old(struct tapir_iface *iface, tapir_instant now, int v,
                     const struct tapir_ip_addr *g, bool leave)
{
    if (g->version == TAPIR_IP_V4) {
        if (leave && v == 1)
            return;
        struct tapir_igmp_repr m = {.version = leave ? 2 : (uint8_t)v, .group = g->v4};
        m.type = leave ? TAPIR_IGMP_V2_LEAVE : v == 1 ? TAPIR_IGMP_V1_REPORT : TAPIR_IGMP_V2_REPORT;
        send_igmp(iface, now, leave ? &all_routers : &g->v4, &m);
        return;
    }
    struct tapir_mld_repr m = {.type = leave ? TAPIR_ICMPV6_MLD_DONE : TAPIR_ICMPV6_MLD_REPORT,
                               .version = 1,
                               .mcast_addr = g->v6};
    send_mld(iface, now, leave ? &all_routers6 : &g->v6, &m);
}

/* A report about one group: its current state (answering a query) or a state change. */
static void send_group(struct tapir_iface *iface, tapir_instant now, const struct tapir_ip_addr *g,
                       uint8_t record_type)
{
    int fam = family_of(g);
    if (current_version(iface, fam, now)) {
        send_records(iface, now, fam, g, 1, record_type);
        return;
    }
    send_old(iface, now, version(iface, fam, now), g, record_type == TAPIR_IGMP_CHANGE_TO_INCLUDE);
}

static void add_unique(struct tapir_ip_addr *list, unsigned *n, const struct tapir_ip_addr *g)
{
    for (unsigned i = 0; i < *n; i++)
        if (tapir_ip_equal(&list[i], g))
            return;
    if (*n < MAX_REPORTED)
        list[(*n)++] = *g;
}

/* The answer to a general query: every group we listen to that may be reported, the
 * solicited-node groups of our addresses among them (see reportable()). IGMPv3/MLDv2: one
 * report of IS_EX {} records (RFC 3376 §5.2). The older versions answer with a report per
 * group, each on its own timer (schedule_answer()); this timer then covers only the
 * solicited-node groups, which have no slot of their own. */
static void send_current_state(struct tapir_iface *iface, tapir_instant now, int fam)
{
    struct tapir_ip_addr list[MAX_REPORTED];
    unsigned n = 0;
    bool combined = current_version(iface, fam, now);
    for (unsigned i = 0; i < TAPIR_IFACE_MAX_GROUPS; i++) {
        const struct tapir__mcast_group *e = &iface->mcast.groups[i];
        if (e->refs > 0 && family_of(&e->addr) == fam && reportable(&e->addr))
            add_unique(list, &n, &e->addr);
    }
    unsigned joined = combined ? 0 : n; /* the older versions skip these */
    if (fam == FAM_V6) {
        for (unsigned i = 0; i < iface->ipv6_count; i++) {
            struct tapir_ip_addr sn = {.version = TAPIR_IP_V6};
            tapir__ipv6_solicited_node(&iface->ipv6[i].addr, &sn.v6);
            add_unique(list, &n, &sn);
        }
    }
    if (n == 0)
        return;
    if (combined) {
        send_records(iface, now, fam, list, n, TAPIR_IGMP_MODE_IS_EXCLUDE);
        return;
    }
    for (unsigned i = joined; i < n; i++)
        send_old(iface, now, version(iface, fam, now), &list[i], false);
}

/* ---- joining and leaving ---- */

/* A state change of `e` (joined when refs > 0, left otherwise): the first report at the
 * next poll, then [Robustness Variable] - 1 more at random intervals (RFC 3376 §5.1, RFC
 * 3810 §6.1; RFC 2236 §3 repeats the unsolicited report "once or twice" too). An older
 * version's leave goes once (RFC 2236 §3, RFC 2710 §4). A pending answer about the group
 * is dropped: the change report says more (RFC 3376 §5.1 merges them). */
static void start_change(struct tapir_iface *iface, struct tapir__mcast_group *e, tapir_instant now)
{
    if (!reportable(&e->addr)) {
        if (e->refs == 0)
            free_slot(e);
        return;
    }
    int fam = family_of(&e->addr);
    bool old = !current_version(iface, fam, now);
    e->changes_left = (uint8_t)(old && e->refs == 0 ? 1 : robustness(&iface->mcast.family[fam]));
    e->change_pending = true;
    e->change_at = now;
    e->query_pending = false;
}

int tapir_iface_join_group(struct tapir_iface *iface, const struct tapir_ip_addr *group,
                           tapir_instant now)
{
    if (!tapir__ip_is_multicast(group))
        return TAPIR_EINVAL;
    struct tapir__mcast_group *e = find(iface, group);
    if (e && e->refs > 0) {
        if (e->refs == UINT16_MAX)
            return TAPIR_ENOBUFS;
        e->refs++;
        return 0;
    }
    /* A free slot, or one whose leave is still being announced: a new member matters more
     * than the retransmission of a leave (the first one went out). */
    for (unsigned i = 0; i < TAPIR_IFACE_MAX_GROUPS && !e; i++)
        if (iface->mcast.groups[i].addr.version == TAPIR_IP_NONE)
            e = &iface->mcast.groups[i];
    for (unsigned i = 0; i < TAPIR_IFACE_MAX_GROUPS && !e; i++)
        if (iface->mcast.groups[i].refs == 0)
            e = &iface->mcast.groups[i];
    if (!e || iface->group_count == TAPIR_IFACE_MAX_GROUPS)
        return TAPIR_ENOBUFS;
    free_slot(e);
    e->addr = *group;
    e->refs = 1;
    iface->groups[iface->group_count++] = *group;
    start_change(iface, e, now);
    return 0;
}

int tapir_iface_leave_group(struct tapir_iface *iface, const struct tapir_ip_addr *group,
                            tapir_instant now)
{
    struct tapir__mcast_group *e = find(iface, group);
    if (!e || e->refs == 0)
        return TAPIR_EINVAL;
    if (--e->refs > 0)
        return 0;
    for (unsigned i = 0; i < iface->group_count; i++) {
        if (tapir_ip_equal(&iface->groups[i], group)) {
            iface->groups[i] = iface->groups[--iface->group_count];
            break;
        }
    }
    start_change(iface, e, now);
    return 0;
}

unsigned tapir_iface_groups(const struct tapir_iface *iface, struct tapir_ip_addr *out,
                            unsigned max)
{
    for (unsigned i = 0; i < iface->group_count && i < max; i++)
        out[i] = iface->groups[i];
    return iface->group_count;
}

int tapir_iface_mcast_version(const struct tapir_iface *iface, enum tapir_ip_version v,
                              tapir_instant now)
{
    if (v != TAPIR_IP_V4 && v != TAPIR_IP_V6)
        return TAPIR_EINVAL;
    return version(iface, v == TAPIR_IP_V6 ? FAM_V6 : FAM_V4, now);
}

/* ---- queries ---- */

static bool our_solicited_node(const struct tapir_iface *iface, const struct tapir_ip_addr *g)
{
    for (unsigned i = 0; i < iface->ipv6_count; i++) {
        struct tapir_ipv6_addr sn;
        tapir__ipv6_solicited_node(&iface->ipv6[i].addr, &sn);
        if (memcmp(&sn, &g->v6, 16) == 0)
            return true;
    }
    return false;
}

/* A group's answer at `at`, unless one is due sooner (RFC 3376 §5.2 rules 3-4, RFC 2236
 * §3: "reset only if the requested Max Response Time is less than the remaining value"). */
static void set_group_timer(struct tapir__mcast_group *e, tapir_instant at)
{
    if (!e->query_pending || e->query_at > at) {
        e->query_pending = true;
        e->query_at = at;
    }
}

/* Schedule the answer to a query (`group` NULL: a general query) after a random delay up
 * to `max_us`. IGMPv3/MLDv2, by the rules of RFC 3376 §5.2 (RFC 3810 §6.2 is the same):
 * 1. an answer to a general query due sooner covers this one; 2. a general query (re)sets
 * the interface timer; 3-4. a group-specific query sets the group's timer, or brings it
 * forward. IGMPv1/v2 and MLDv1 (RFC 2236 §3, RFC 2710 §4): every group queried gets its
 * own timer with its own random delay, so that one member's report can stand for the
 * others' (report suppression, tapir__igmp_input). A query about a group we do not report
 * is not answered. */
static void schedule_answer(struct tapir_iface *iface, tapir_instant now, int fam,
                            const struct tapir_ip_addr *group, tapir_instant max_us)
{
    struct tapir__mcast_family *f = &iface->mcast.family[fam];
    bool old = !current_version(iface, fam, now);
    if (old && group == NULL) {
        for (unsigned i = 0; i < TAPIR_IFACE_MAX_GROUPS; i++) {
            struct tapir__mcast_group *e = &iface->mcast.groups[i];
            if (e->refs > 0 && family_of(&e->addr) == fam && reportable(&e->addr))
                set_group_timer(e, now + random_delay(iface, max_us));
        }
        if (fam == FAM_V4)
            return; /* MLDv1: the solicited-node groups below */
    }
    tapir_instant at = now + random_delay(iface, max_us);
    /* (In the older versions the interface timer covers only the solicited-node groups.) */
    if (f->general_pending && f->general_at <= at && (!old || group == NULL))
        return;
    if (group == NULL) {
        f->general_pending = true;
        f->general_at = at;
        return;
    }
    struct tapir__mcast_group *e = find(iface, group);
    if (e == NULL || e->refs == 0) {
        /* Our solicited-node groups have no slot: the general answer includes them. */
        if (fam == FAM_V6 && our_solicited_node(iface, group)) {
            f->general_pending = true;
            f->general_at = at;
        }
        return;
    }
    if (reportable(group))
        set_group_timer(e, at);
}

/* Report suppression in the older versions (RFC 2236 §3, RFC 2710 §4): another member's
 * report of a group stops our pending answer about it; the querier needs only one.
 * IGMPv3 and MLDv2 hosts do not suppress (RFC 3376 §5.2, RFC 3810 §6.2). */
static void heard_report(struct tapir_iface *iface, tapir_instant now,
                         const struct tapir_ip_addr *group)
{
    if (current_version(iface, family_of(group), now))
        return;
    struct tapir__mcast_group *e = find(iface, group);
    if (e != NULL)
        e->query_pending = false;
}

/* RFC 3376 §4.1.6-4.1.7: a querier's non-zero QRV and QQI become ours (they size the
 * retransmissions and the Older Version Querier Present Timeout). */
static void adopt(struct tapir__mcast_family *f, uint8_t qrv, uint32_t qqi_s)
{
    if (qrv != 0)
        f->robustness = qrv;
    if (qqi_s != 0)
        f->query_interval_s = qqi_s;
}

void tapir__igmp_input(struct tapir_iface *iface, tapir_instant now,
                       const struct tapir__ip_info *ip, const uint8_t *buf, size_t len)
{
    struct tapir_igmp_repr m;
    if (tapir_igmp_parse(buf, len, true, &m) != 0) {
        tapir__drop(iface, TAPIR_DROP_MCAST_INVALID);
        return;
    }
    /* RFC 3376 §4, RFC 2236 §2: IGMP is sent with TTL 1; more was forwarded or forged. */
    if (ip->ttl != 1) {
        tapir__drop(iface, TAPIR_DROP_HOP_LIMIT);
        return;
    }
    if (m.type == TAPIR_IGMP_V1_REPORT || m.type == TAPIR_IGMP_V2_REPORT) {
        struct tapir_ip_addr g = {.version = TAPIR_IP_V4, .v4 = m.group};
        heard_report(iface, now, &g);
        return;
    }
    if (m.type != TAPIR_IGMP_QUERY)
        return; /* leaves and IGMPv3 reports: for routers */
    struct tapir__mcast_family *f = &iface->mcast.family[FAM_V4];
    tapir_instant max_us;
    if (m.version == 1) {
        f->v1_until = now + older_querier_timeout(f);
        max_us = V1_MAX_RESP;
    } else if (m.version == 2) {
        f->v2_until = now + older_querier_timeout(f);
        max_us = (tapir_instant)m.max_resp_code * (TAPIR_US_PER_S / 10);
    } else {
        adopt(f, m.qflags & TAPIR_IGMP_QUERY_QRV_MASK, tapir_igmp_qqi_s(&m));
        max_us = (tapir_instant)tapir_igmp_max_resp_time_ds(&m) * (TAPIR_US_PER_S / 10);
    }
    struct tapir_ip_addr g = {.version = TAPIR_IP_V4, .v4 = m.group};
    bool general = tapir_ipv4_is_unspecified(&m.group);
    schedule_answer(iface, now, FAM_V4, general ? NULL : &g, max_us);
}

void tapir__mld_input(struct tapir_iface *iface, tapir_instant now, const struct tapir__ip_info *ip,
                      const struct tapir_icmpv6_repr *icmp)
{
    struct tapir_mld_repr m;
    if (tapir_mld_parse(icmp, &m) != 0) {
        tapir__drop(iface, TAPIR_DROP_MCAST_INVALID);
        return;
    }
    /* RFC 3810 §5 and RFC 2710 §3: hop limit 1. */
    if (ip->ttl != 1) {
        tapir__drop(iface, TAPIR_DROP_HOP_LIMIT);
        return;
    }
    if (m.type == TAPIR_ICMPV6_MLD_REPORT) {
        struct tapir_ip_addr g = {.version = TAPIR_IP_V6, .v6 = m.mcast_addr};
        heard_report(iface, now, &g);
        return;
    }
    if (m.type != TAPIR_ICMPV6_MLD_QUERY)
        return; /* done and MLDv2 reports: for routers */
    /* RFC 3810 §5.1.14: a query from a source that is not link-local is discarded. */
    const uint8_t *s = ip->src.v6.bytes;
    if (!(s[0] == 0xfe && (s[1] & 0xc0) == 0x80)) {
        tapir__drop(iface, TAPIR_DROP_MCAST_INVALID);
        return;
    }
    struct tapir__mcast_family *f = &iface->mcast.family[FAM_V6];
    if (m.version == 1)
        f->v2_until = now + older_querier_timeout(f); /* RFC 3810 §8.2.1 */
    else
        adopt(f, m.qflags & TAPIR_MLD_QUERY_QRV_MASK, tapir_mld_qqi_s(&m));
    tapir_instant max_us = (tapir_instant)tapir_mld_max_resp_delay_ms(&m) * TAPIR_US_PER_MS;
    static const struct tapir_ipv6_addr unspecified;
    struct tapir_ip_addr g = {.version = TAPIR_IP_V6, .v6 = m.mcast_addr};
    bool general = memcmp(&m.mcast_addr, &unspecified, 16) == 0;
    schedule_answer(iface, now, FAM_V6, general ? NULL : &g, max_us);
}

/* ---- timers ---- */

void tapir__mcast_poll(struct tapir_iface *iface, tapir_instant now)
{
    for (int fam = FAM_V4; fam <= FAM_V6; fam++) {
        struct tapir__mcast_family *f = &iface->mcast.family[fam];
        if (f->general_pending && f->general_at <= now) {
            f->general_pending = false;
            send_current_state(iface, now, fam);
        }
    }
    for (unsigned i = 0; i < TAPIR_IFACE_MAX_GROUPS; i++) {
        struct tapir__mcast_group *e = &iface->mcast.groups[i];
        if (e->addr.version == TAPIR_IP_NONE)
            continue;
        if (e->query_pending && e->query_at <= now) {
            e->query_pending = false;
            if (e->refs > 0)
                send_group(iface, now, &e->addr, TAPIR_IGMP_MODE_IS_EXCLUDE);
        }
        if (e->change_pending && e->change_at <= now) {
            bool joined = e->refs > 0;
            send_group(iface, now, &e->addr,
                       joined ? TAPIR_IGMP_CHANGE_TO_EXCLUDE : TAPIR_IGMP_CHANGE_TO_INCLUDE);
            if (e->changes_left > 1) {
                e->changes_left--;
                int fam = family_of(&e->addr);
                e->change_at =
                    now + random_delay(iface, current_version(iface, fam, now) ? UNSOLICITED_V3
                                                                               : UNSOLICITED_V2);
            } else {
                e->changes_left = 0;
                e->change_pending = false;
                if (!joined)
                    free_slot(e);
            }
        }
    }
}

tapir_instant tapir__mcast_poll_at(const struct tapir_iface *iface)
{
    tapir_instant at = TAPIR_INSTANT_NEVER;
    for (int fam = FAM_V4; fam <= FAM_V6; fam++) {
        const struct tapir__mcast_family *f = &iface->mcast.family[fam];
        if (f->general_pending && f->general_at < at)
            at = f->general_at;
    }
    for (unsigned i = 0; i < TAPIR_IFACE_MAX_GROUPS; i++) {
        const struct tapir__mcast_group *e = &iface->mcast.groups[i];
        if (e->query_pending && e->query_at < at)
            at = e->query_at;
        if (e->change_pending && e->change_at < at)
            at = e->change_at;
    }
    return at;
}
