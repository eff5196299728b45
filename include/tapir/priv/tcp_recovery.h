/* tapir — private: a TCP socket's loss-recovery state (src/socket/tcp_recovery.c).
 *
 * Declared in a public header only because the TCP socket embeds it; applications never
 * touch it. It joins the SACK scoreboard (tcp_sack.h), the transmission log and RACK
 * (tcp_rack.h), the recovery state machine and the TLP episode. The socket-level calls
 * are in src/socket/tcp_recovery.h; what the sender does is described there.
 */
#ifndef TAPIR_PRIV_TCP_RECOVERY_H
#define TAPIR_PRIV_TCP_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "tapir/priv/tcp_rack.h"
#include "tapir/priv/tcp_sack.h"
#include "tapir/time.h"

enum tapir__rec_state {
    TAPIR__REC_OPEN = 0, /* no loss being repaired */
    TAPIR__REC_FAST,     /* fast recovery (RFC 6675 §5 with SACK, RFC 6582 without) */
    TAPIR__REC_LOSS,     /* after a retransmission timeout, until SND.UNA passes `recover` */
};

/* Counters, for statistics and tests. */
struct tapir__rec_counters {
    uint32_t recoveries;     /* fast recoveries entered (one congestion event each) */
    uint32_t rack_marked;    /* records RACK marked lost */
    uint32_t sack_marked;    /* records RFC 6675 IsLost marked lost (RACK had not) */
    uint32_t newreno_marked; /* records marked by the third duplicate or a partial ACK */
    uint32_t lost_rexmits;   /* retransmissions RACK found lost */
    uint32_t tlp_probes;     /* loss probes sent */
    uint32_t tlp_recoveries; /* probes that repaired a loss (a cwnd reduction each) */
    uint32_t dsacks;         /* ACKs carrying a D-SACK block (RFC 2883) */
    uint32_t sack_invalid;   /* SACK blocks refused (inverted, or beyond SND.MAX) */
    uint32_t reneged;        /* timeouts that found the peer had dropped SACKed data */
};

struct tapir__tcp_recovery {
    struct tapir__sack_board sack;
    struct tapir__txlog log;
    struct tapir__rack rack;
    uint8_t state;      /* enum tapir__rec_state */
    bool had_recovery;  /* `recover` (in the socket) is meaningful */
    bool rexmit_credit; /* one retransmission may go whatever pipe says (fast retransmit,
                           a NewReno partial ACK, a timeout) */
    bool probe_due;     /* the PTO fired: the next segment is a loss probe */
    bool tlp_active;    /* a probe is unacknowledged (TLP.end_seq not None) */
    bool tlp_is_retrans;
    uint32_t tlp_end_seq;
    tapir_instant rack_at; /* the RACK reordering timer (RFC 8985 §6.3), or NEVER */
    tapir_instant pto_at;  /* the probe timeout (RFC 8985 §7.2), or NEVER */
    /* Receiver side: duplicate ACKs still owed for out-of-order segments (RFC 5681 §4.2:
     * one immediate ACK each), sent as pure ACKs. */
    unsigned dupacks_owed;
    /* Receiver side: the peer's FIN arrived beyond a hole; it counts when the hole fills,
     * and the SACK block that ends at it covers it. */
    bool fin_early;
    uint32_t fin_seq;
    struct tapir__rec_counters counters;
};

#endif
