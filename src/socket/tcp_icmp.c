/* ICMP and ICMPv6 errors for a TCP connection (RFC 9293 §3.9.2.2, RFC 1122 §4.2.3.9,
 * RFC 4443 §3, RFC 5461, RFC 5927): which messages are soft errors, which are hard, and
 * what each does. The rules, and why, are in tapir/socket/tcp.h; the interface finds the
 * connection by the quoted 4-tuple (src/iface/iface_tcp.c) and hands the message here.
 */
#include "tapir/wire/icmpv4.h"
#include "tapir/wire/icmpv6.h"
#include "tcp_internal.h"

enum kind { IGNORE, SOFT, HARD, TOO_BIG };

/* RFC 9293 §3.9.2.2's classes, with the unclassified unreachable codes as soft; *err is the
 * error a soft or hard one stands for: TAPIR_EHOSTUNREACH for every soft one (Linux says
 * ENETUNREACH for a network, EPROTO for a parameter problem; one code is enough to say
 * that an ICMP error came, and the set of codes stays small), TAPIR_ECONNREFUSED for the
 * hard ones. */
static enum kind classify_v4(uint8_t type, uint8_t code, int *err)
{
    *err = TAPIR_EHOSTUNREACH;
    switch (type) {
    case TAPIR_ICMPV4_DEST_UNREACHABLE:
        switch (code) {
        case TAPIR_ICMPV4_UNREACH_PROTOCOL:
        case TAPIR_ICMPV4_UNREACH_PORT:
            *err = TAPIR_ECONNREFUSED;
            return HARD;
        case TAPIR_ICMPV4_UNREACH_FRAG_NEEDED:
            return TOO_BIG;
        default:
            return SOFT; /* 0, 1, 5, and the codes RFC 9293 does not classify */
        }
    case TAPIR_ICMPV4_TIME_EXCEEDED:
    case TAPIR_ICMPV4_PARAM_PROBLEM:
        return SOFT;
    default:
        return IGNORE; /* Source Quench (MUST-55: silently discarded), redirects */
    }
}

static enum kind classify_v6(uint8_t type, uint8_t code, int *err)
{
    *err = TAPIR_EHOSTUNREACH;
    switch (type) {
    case TAPIR_ICMPV6_DST_UNREACH:
        if (code == TAPIR_ICMPV6_UNREACH_PORT) {
            *err = TAPIR_ECONNREFUSED;
            return HARD;
        }
        return SOFT; /* 0, 3, and the codes RFC 9293 does not classify */
    case TAPIR_ICMPV6_PACKET_TOO_BIG:
        return TOO_BIG;
    case TAPIR_ICMPV6_TIME_EXCEEDED:
    case TAPIR_ICMPV6_PARAM_PROBLEM:
        return SOFT;
    default:
        return IGNORE;
    }
}

int tapir__tcp_icmp_input(struct tapir_tcp_socket *s, uint8_t version, uint8_t type, uint8_t code,
                          uint32_t info, uint32_t seq)
{
    int err;
    enum kind k =
        version == TAPIR_IP_V6 ? classify_v6(type, code, &err) : classify_v4(type, code, &err);
    if (k == IGNORE)
        return TAPIR__TCP_ICMP_IGNORED;
    /* RFC 5927 §4.1: a message about this connection quotes a segment in flight,
     * SND.UNA =< SEG.SEQ < SND.NXT (SND.MAX here: a segment sent before a retransmission
     * rewound SND.NXT is still ours). In SYN-SENT and SYN-RECEIVED that is our ISS alone. */
    if (seq_lt(seq, s->snd_una) || !seq_lt(seq, s->snd_max)) {
        s->stats.icmp_out_of_window++;
        return TAPIR__TCP_ICMP_STALE;
    }
    switch (k) {
    case TOO_BIG:
        tapir__tcp_path_mtu(s, info, seq); /* tcp_timers.c */
        break;
    case HARD:
        s->stats.icmp_hard_errors++;
        if (s->state == TAPIR_TCP_SYN_SENT || s->state == TAPIR_TCP_SYN_RECEIVED) {
            /* RFC 9293 §3.9.2.2 (SHLD-26): the attempt ends, as on a RST. A passive open
             * returns to its listener without telling anyone (§3.10.7.4, RST in
             * SYN-RECEIVED); nothing was synchronized, so no RST goes out. */
            s->error = s->state == TAPIR_TCP_SYN_RECEIVED && s->parent ? 0 : err;
            tapir__tcp_set_state(s, TAPIR_TCP_CLOSED);
            break;
        }
        /* RFC 5927 §7.2: in a synchronized state, a soft error. */
        s->soft_error = err;
        break;
    default:
        /* MUST-56: never abort; SHLD-25: tell the application. */
        s->stats.icmp_soft_errors++;
        s->soft_error = err;
        break;
    }
    return TAPIR__TCP_ICMP_TAKEN;
}

int tapir_tcp_soft_error(const struct tapir_tcp_socket *s)
{
    return s->soft_error;
}
