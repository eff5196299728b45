/* tapir — a stub resolver (RFC 1035 §7, RFC 1123 §6.1.3): A and AAAA for a name, over the
 * UDP socket API (tapir/socket/udp.h), falling back to TCP (RFC 7766) for an answer that
 * arrives truncated.
 *
 * The caller provides everything: the resolver struct, a small array of query slots (a
 * few queries run at once), one UDP socket (initialised, not bound: the resolver binds
 * it), one TCP socket (initialised, closed) and two message buffers. Nothing blocks: the
 * caller polls the interface, then tapir_dns_poll(), and sleeps until the earlier of
 * tapir_iface_poll_at() and tapir_dns_poll_at().
 *
 *     tapir_dns_config_default(&cfg);
 *     cfg.servers[0] = gateway; cfg.server_count = 1; cfg.rng = rng;
 *     tapir_dns_init(&r, &cfg, iface, &udp, &tcp, slots, 4, ubuf, sizeof ubuf,
 *                    tbuf, sizeof tbuf);
 *     int h = tapir_dns_query(&r, "a.test", TAPIR_DNS_TYPE_A, now);
 *     while (tapir_dns_result(&r, h, &res) == TAPIR_EAGAIN) {
 *         ... tapir_iface_poll(iface, now); tapir_dns_poll(&r, now); sleep ...
 *     }
 *
 * What a query does:
 * - Servers (up to TAPIR_DNS_MAX_SERVERS) are tried in order, each for the timeout of
 *   the round (default 1 s, 2 s, 4 s: three rounds over every server), the next one as
 *   soon as one times out, refuses or fails (SERVFAIL, REFUSED, NOTIMP, FORMERR), or an
 *   ICMP error says its port or host cannot be reached (RFC 1122 §4.1.3.3). An answer
 *   from any server already asked in this query is taken, however late.
 * - Spoofing defences (RFC 5452 §9): the query ID comes from the caller's rng, and so
 *   does the source port (a random port of 49152..65535, redrawn when taken): a fresh one
 *   whenever a query starts with no other query in flight (concurrent queries share the
 *   socket, and so its port). An answer is taken only from the address and port 53 of
 *   a server asked, with our ID and exactly our question (name compared without regard
 *   to case); any other datagram is counted in stats.mismatched and ignored.
 * - An answer with TC set is asked again over TCP of the same server (the message after a
 *   2-byte length, RFC 7766 §8); one TCP query at a time, others wait for the socket.
 * - CNAMEs (RFC 1034 §3.6.2): the chain is followed inside the answer; when it ends on a
 *   name with no record of the type asked, that name is asked in a new query. At most
 *   TAPIR_DNS_MAX_CNAMES links in all.
 * - Results: up to TAPIR_DNS_MAX_ADDRS addresses, each with its TTL, the chain of CNAMEs;
 *   or TAPIR_ENXDOMAIN (the name, or the end of its chain, does not exist),
 *   TAPIR_ENODATA (it exists, without a record of that type), TAPIR_ESERVFAIL (servers
 *   answered, all with failure), TAPIR_ETIMEDOUT (no answer in every round), TAPIR_EINVAL
 *   (a CNAME chain too long or looping).
 *
 * The resolver is a client of the socket and interface APIs (tapir_udp_bind,
 * tapir_tcp_connect_iface): it sees no interface internals.
 */
#ifndef TAPIR_SOCKET_DNS_H
#define TAPIR_SOCKET_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/random.h"
#include "tapir/time.h"
#include "tapir/wire/dns.h"

#ifndef TAPIR_DNS_MAX_SERVERS
#define TAPIR_DNS_MAX_SERVERS 3
#endif
#ifndef TAPIR_DNS_MAX_ROUNDS
#define TAPIR_DNS_MAX_ROUNDS 4
#endif
#ifndef TAPIR_DNS_MAX_ADDRS
#define TAPIR_DNS_MAX_ADDRS 64
#endif
#ifndef TAPIR_DNS_MAX_CNAMES
#define TAPIR_DNS_MAX_CNAMES 8
#endif

struct tapir_iface;
struct tapir_udp_socket;
struct tapir_tcp_socket;

struct tapir_dns_config {
    struct tapir_ip_addr servers[TAPIR_DNS_MAX_SERVERS];
    unsigned server_count;
    uint16_t server_port; /* 53; tests may use another */
    /* Round r waits timeouts_us[r] for each server; `rounds` of them (1 s, 2 s, 4 s). */
    tapir_instant timeouts_us[TAPIR_DNS_MAX_ROUNDS];
    unsigned rounds;
    tapir_instant tcp_timeout_us; /* a TCP exchange, connect to answer: 5 s */
    bool recursion_desired;       /* RD in queries: true */
    struct tapir_rng rng;         /* required: query IDs and source ports */
};

void tapir_dns_config_default(struct tapir_dns_config *cfg);

struct tapir_dns_addr {
    struct tapir_ip_addr addr;
    uint32_t ttl;
};

struct tapir_dns_cname {
    struct tapir_dns_name target; /* its owner is the previous link's target, or the name asked */
    uint32_t ttl;
};

struct tapir_dns_result {
    int status; /* 0, or TAPIR_ENXDOMAIN / ENODATA / ESERVFAIL / ETIMEDOUT / EINVAL */
    uint16_t type;
    struct tapir_dns_name name; /* as asked */
    unsigned cname_count;       /* links followed */
    struct tapir_dns_cname cnames[TAPIR_DNS_MAX_CNAMES];
    unsigned count; /* addresses stored */
    unsigned total; /* addresses the answer had (may exceed count) */
    struct tapir_dns_addr addrs[TAPIR_DNS_MAX_ADDRS];
    struct tapir_ip_addr server; /* that answered */
    bool over_tcp;               /* the answer came over TCP */
};

/* One query in flight; the caller provides an array of them and never touches them. */
struct tapir_dns_query {
    uint8_t state;  /* internal */
    uint16_t id;    /* of the message in flight */
    uint8_t server; /* index being asked */
    uint8_t round;
    uint8_t asked;  /* bit per server asked with the current ID */
    uint8_t failed; /* bit per server that answered with a failure */
    tapir_instant deadline;
    tapir_instant sent_at;       /* of the last datagram */
    struct tapir_dns_name qname; /* the name asked now (the chain's end after a restart) */
    struct tapir_dns_result result;
};

struct tapir_dns_stats {
    uint64_t queries_sent;    /* UDP datagrams */
    uint64_t tcp_queries;     /* TCP exchanges started */
    uint64_t answers;         /* matched answers taken */
    uint64_t mismatched;      /* datagrams ignored: wrong source, ID or question */
    uint64_t malformed;       /* datagrams ignored: do not parse, or not a response */
    uint64_t timeouts;        /* a server that did not answer in its time */
    uint64_t server_failures; /* SERVFAIL, REFUSED, NOTIMP, FORMERR */
    uint64_t truncated;       /* answers with TC */
    uint64_t send_failures;   /* tapir_udp_send refused */
    uint64_t unreachable;     /* ICMP port/host unreachable from a server: left at once */
};

struct tapir_dns_resolver {
    struct tapir_dns_config cfg;
    struct tapir_iface *iface;
    struct tapir_udp_socket *udp;
    struct tapir_tcp_socket *tcp;
    struct tapir_dns_query *slots;
    unsigned slot_count;
    uint8_t *udp_buf;
    size_t udp_len;
    uint8_t *tcp_buf; /* the TCP exchange's answer, length prefix included */
    size_t tcp_len;
    size_t tcp_have; /* bytes of it received */
    int tcp_owner;   /* slot using the TCP socket, or -1 */
    tapir_instant tcp_deadline;
    bool tcp_sent;
    bool tcp_closing; /* closed after an exchange; free once CLOSED */
    struct tapir_dns_stats stats;
};

/* Set up. `udp` must be initialised and unbound, `tcp` initialised and closed (NULL: no
 * TCP fallback; a truncated answer is then a failure of that server). udp_buf receives
 * datagrams (512 bytes at least), tcp_buf a TCP answer with its prefix (a larger answer
 * is a failure of that server). The UDP socket is registered with `iface`.
 * Returns 0, or TAPIR_EINVAL (no servers, more than TAPIR_DNS_MAX_SERVERS, no rng, no
 * slots, rounds out of range, a buffer too small). */
int tapir_dns_init(struct tapir_dns_resolver *r, const struct tapir_dns_config *cfg,
                   struct tapir_iface *iface, struct tapir_udp_socket *udp,
                   struct tapir_tcp_socket *tcp, struct tapir_dns_query *slots, unsigned slot_count,
                   uint8_t *udp_buf, size_t udp_len, uint8_t *tcp_buf, size_t tcp_len);

/* Start resolving `name` (text, as tapir_dns_name_from_text takes) for `type` (A or AAAA;
 * other types are asked too, but give no addresses) and send the first query. Returns a
 * handle (>= 0), TAPIR_EINVAL (a malformed name), TAPIR_EAGAIN (every slot busy), or an
 * error of tapir_udp_bind. */
int tapir_dns_query(struct tapir_dns_resolver *r, const char *name, uint16_t type,
                    tapir_instant now);

/* Take answers, run timers, send retries. Call after each tapir_iface_poll(). */
void tapir_dns_poll(struct tapir_dns_resolver *r, tapir_instant now);

/* The next time tapir_dns_poll() has a timer to run, or TAPIR_INSTANT_NEVER. While a TCP
 * exchange is open, poll after every interface poll as well. */
tapir_instant tapir_dns_poll_at(const struct tapir_dns_resolver *r);

/* TAPIR_EAGAIN while the query runs; then copies the result into *out (if not NULL),
 * frees the slot and returns result.status. TAPIR_EINVAL for a handle not in use. */
int tapir_dns_result(struct tapir_dns_resolver *r, int handle, struct tapir_dns_result *out);

/* Abandon a query; its slot is free at once (a late answer is then a mismatch). */
void tapir_dns_cancel(struct tapir_dns_resolver *r, int handle);

const struct tapir_dns_stats *tapir_dns_stats(const struct tapir_dns_resolver *r);

#endif
