/* tapir — the TCP header (RFC 9293 §3.1) and its common options: maximum segment size
 * (RFC 9293 §3.2), window scale and timestamps (RFC 7323), SACK-permitted and SACK
 * (RFC 2018). See tapir/wire/ethernet.h for the function pattern.
 *
 * The checksum covers a pseudo-header (struct tapir_pseudo_header, tapir/wire/checksum.h):
 * parse verifies it when given one and skips the check when `ph` is NULL; emit computes it
 * when given one and leaves it 0 when `ph` is NULL.
 *
 * Options. Parse checks the whole list and fills the fields below; it also keeps the raw
 * option bytes (`options`, `options_len`) so that emit can reproduce the header exactly.
 * Emit writes `options` as given when it is non-NULL; when it is NULL, emit builds the list
 * from the fields in the layout Linux uses (each option 4-byte aligned with NOPs):
 *     mss                                 02 04 mm mm
 *     sackOK + TS                         04 02 08 0a <val> <ecr>   (sackOK alone: 01 01 04 02;
 *                                                                   TS alone: 01 01 08 0a ...)
 *     wscale                              01 03 03 ws
 *     SACK blocks                         01 01 05 nn <left right>...
 * so a Linux SYN reads "mss, sackOK, TS, nop, wscale" and an ACK "nop, nop, TS, nop, nop,
 * sack". Only what the fields ask for is written: the caller decides which options a segment
 * carries (e.g. mss and wscale only on SYNs).
 */
#ifndef TAPIR_WIRE_TCP_H
#define TAPIR_WIRE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/text.h"
#include "tapir/wire/checksum.h"

#define TAPIR_TCP_HEADER_LEN      20 /* without options */
#define TAPIR_TCP_MAX_HEADER_LEN  60 /* the data offset is 4 bits, in 32-bit words */
#define TAPIR_TCP_MAX_OPTIONS_LEN 40
#define TAPIR_TCP_MAX_SACK        4  /* blocks in one SACK option (RFC 2018 §3) */
#define TAPIR_TCP_MAX_WSCALE      14 /* RFC 7323 §2.3 */

/* The control bits (RFC 9293 §3.1; ECE and CWR: RFC 3168 §23.2; AE, formerly NS: RFC 3540,
 * now the AccECN bit). 0x0e00 are the reserved bits: parse keeps them as received, so that
 * a segment that sets them is re-emitted unchanged; a sender leaves them zero. */
enum tapir_tcp_flag {
    TAPIR_TCP_FIN = 0x001,
    TAPIR_TCP_SYN = 0x002,
    TAPIR_TCP_RST = 0x004,
    TAPIR_TCP_PSH = 0x008,
    TAPIR_TCP_ACK = 0x010,
    TAPIR_TCP_URG = 0x020,
    TAPIR_TCP_ECE = 0x040,
    TAPIR_TCP_CWR = 0x080,
    TAPIR_TCP_AE = 0x100,
    TAPIR_TCP_RESERVED = 0xe00,
};

/* Option kinds (IANA "TCP Option Kind Numbers"). */
enum tapir_tcp_option_kind {
    TAPIR_TCP_OPT_EOL = 0,
    TAPIR_TCP_OPT_NOP = 1,
    TAPIR_TCP_OPT_MSS = 2,
    TAPIR_TCP_OPT_WSCALE = 3,
    TAPIR_TCP_OPT_SACK_PERMITTED = 4,
    TAPIR_TCP_OPT_SACK = 5,
    TAPIR_TCP_OPT_TIMESTAMPS = 8,
};

struct tapir_tcp_sack_block {
    uint32_t left, right; /* left edge, and the sequence number just after the block */
};

struct tapir_tcp_repr {
    uint16_t src_port, dst_port;
    uint32_t seq, ack;
    uint16_t flags;  /* enum tapir_tcp_flag bits, including any reserved bits received */
    uint16_t window; /* the raw field: the caller applies the window scale */
    uint16_t urgent;
    uint16_t checksum; /* as found on parse; ignored on emit */

    /* Parsed options (emit builds from these when `options` is NULL). A repeated option
     * overrides an earlier one, as in Linux. */
    uint16_t mss;
    bool has_mss;
    uint8_t wscale; /* as sent: values above 14 are kept, RFC 7323 §2.3 has the receiver
                       clamp them to 14 (the TCP engine's job, not the wire's) */
    bool has_wscale;
    bool sack_permitted;
    bool has_timestamps;
    uint32_t ts_val, ts_ecr;
    uint8_t sack_count; /* 0..TAPIR_TCP_MAX_SACK */
    struct tapir_tcp_sack_block sack[TAPIR_TCP_MAX_SACK];

    const uint8_t *options; /* raw option bytes (into the parsed buffer), or NULL */
    size_t options_len;
    const uint8_t *payload;
    size_t payload_len;
};

/* `buf`/`len` are the IP payload (the whole segment).
 * Errors, in the order checked: TAPIR_ETRUNCATED (len < 20); TAPIR_EBADHEADERLEN (data
 * offset < 5); TAPIR_ETRUNCATED (data offset * 4 > len); TAPIR_EINVAL (`ph` neither
 * both-IPv4 nor both-IPv6); TAPIR_EBADCHECKSUM (with `ph`: does not verify);
 * TAPIR_EBADOPTION: an option other than EOL and NOP whose length byte is missing, < 2 or
 * runs past the header, or MSS not 4 bytes long, window scale not 3, SACK-permitted not 2,
 * timestamps not 10, SACK not 2 + 8n with n in 1..4. EOL ends the list (what follows is
 * padding, not looked at); options of other kinds are skipped by their length. */
int tapir_tcp_parse(const uint8_t *buf, size_t len, const struct tapir_pseudo_header *ph,
                    struct tapir_tcp_repr *out);

/* The option bytes emit writes: options_len rounded up to a multiple of 4 (padded with EOL)
 * when `options` is set, else the length of the list built from the fields. Either may
 * exceed TAPIR_TCP_MAX_OPTIONS_LEN, in which case emit refuses the repr. */
size_t tapir_tcp_options_len(const struct tapir_tcp_repr *repr);

/* 20 + tapir_tcp_options_len(). */
size_t tapir_tcp_header_len(const struct tapir_tcp_repr *repr);

/* Writes the header, the options and the payload; returns the segment length. The data
 * offset is derived from the options, never taken from the caller.
 * Errors: TAPIR_EINVAL (options would make the header longer than 60 bytes, sack_count
 * above 4, a `ph` of mixed or unknown family, or a segment longer than 65535 bytes, which
 * neither IPv4 nor IPv6 without jumbograms can carry); TAPIR_ENOBUFS. */
int tapir_tcp_emit(const struct tapir_tcp_repr *repr, const struct tapir_pseudo_header *ph,
                   uint8_t *buf, size_t cap);

/* tcpdump -nS's words after "IP a.p > b.q: ", e.g.
 *   "Flags [S], seq 1727812045, win 64240, options [mss 1460,sackOK,TS val 3184312830 ecr 0,
 *    nop,wscale 7], length 0"
 *   "Flags [P.], seq 1:6, ack 1, win 502, options [nop,nop,TS val 1 ecr 2], length 5"
 * Sequence numbers and SACK edges are absolute (the printer keeps no state, unlike tcpdump
 * without -S). Options are walked in wire order and written as tcpdump 4.99.3 writes them
 * (also echo, cc, md5, scps, uto, tcp-ao, tfo, exp, "unknown-N 0x..."), with three known
 * differences: mptcp, which tcpdump decodes as a protocol of its own, is "mptcp 0x<hex>";
 * a fixed-size kind with another length is "<name> 0x<hex>[len N]" (tcpdump misreads the
 * rest of the list there); a malformed raw list (only possible in a hand-made repr) ends
 * with "[bad opt]" and the line goes on. As in tcpdump 4.99, the AE bit is not shown. */
void tapir_tcp_print(struct tapir_text *t, const struct tapir_tcp_repr *repr);

/* Every header field, then one "  option: ..." line per option in wire order. */
void tapir_tcp_print_verbose(struct tapir_text *t, const struct tapir_tcp_repr *repr);

#endif
