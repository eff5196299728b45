/* TCP segments (RFC 9293 §3.1) with the options of RFC 9293 §3.2 (MSS), RFC 7323 (window
 * scale, timestamps) and RFC 2018 (SACK-permitted, SACK); the rest are skipped on parse and
 * kept raw for re-emit and printing. */
#include <stdbool.h>
#include <string.h>

#include "bytes.h"
#include "emit.h"
#include "tapir/error.h"
#include "tapir/wire/tcp.h"

/* Neither IPv4 nor IPv6 (without RFC 2675 jumbograms) carries a longer segment. */
#define MAX_SEGMENT 65535

/* The longest list build_options() writes: mss 4, sackOK+TS 12, wscale 4, SACK 4 + 4 * 8. */
#define BUILT_OPTIONS_MAX 56

/* Option lengths fixed by their RFCs (kind and length bytes included). */
#define LEN_MSS            4  /* RFC 9293 §3.2 */
#define LEN_WSCALE         3  /* RFC 7323 §2.2 */
#define LEN_SACK_PERMITTED 2  /* RFC 2018 §2 */
#define LEN_TIMESTAMPS     10 /* RFC 7323 §3.2 */
#define SACK_BLOCK_LEN     8  /* RFC 2018 §3: a SACK option is 2 + 8n bytes */

/* Kinds tcpdump decodes beyond the five above (its print-tcp.c), for the printer only. */
enum {
    OPT_ECHO = 6,
    OPT_ECHOREPLY = 7,
    OPT_CC = 11,
    OPT_CCNEW = 12,
    OPT_CCECHO = 13,
    OPT_MD5 = 19,
    OPT_SCPS = 20,
    OPT_UTO = 28,
    OPT_TCPAO = 29,
    OPT_MPTCP = 30,
    OPT_FASTOPEN = 34,
    OPT_EXPERIMENT = 254,
};

static bool ph_valid(const struct tapir_pseudo_header *ph)
{
    return ph->src.version == ph->dst.version &&
           (ph->src.version == TAPIR_IP_V4 || ph->src.version == TAPIR_IP_V6);
}

/* ---- the option list -------------------------------------------------------------------- */

/* One option of a list: its kind, its total length (kind and length bytes included; 1 for
 * EOL and NOP) and its data (len - 2 bytes). */
struct option {
    uint8_t kind;
    uint8_t len;
    const uint8_t *data;
};

/* Reads the option at p[at] of the n-byte list p (at < n). False when it is malformed:
 * RFC 9293 §3.1 gives every option but EOL and NOP a length byte counting kind and length,
 * so a missing length byte, a length below 2 or one running past the list is an error. */
static bool option_at(const uint8_t *p, size_t n, size_t at, struct option *o)
{
    o->kind = p[at];
    o->data = p + at + 1;
    if (o->kind == TAPIR_TCP_OPT_EOL || o->kind == TAPIR_TCP_OPT_NOP) {
        o->len = 1;
        return true;
    }
    if (n - at < 2)
        return false;
    o->len = p[at + 1];
    if (o->len < 2 || o->len > n - at)
        return false;
    o->data = p + at + 2;
    return true;
}

static int parse_options(const uint8_t *p, size_t n, struct tapir_tcp_repr *r)
{
    size_t at = 0;
    while (at < n) {
        struct option o;
        if (!option_at(p, n, at, &o))
            return TAPIR_EBADOPTION;
        /* RFC 9293 §3.1: EOL marks the end of the list; what follows is padding. */
        if (o.kind == TAPIR_TCP_OPT_EOL)
            break;
        at += o.len;
        switch (o.kind) {
        case TAPIR_TCP_OPT_NOP:
            break;
        case TAPIR_TCP_OPT_MSS:
            if (o.len != LEN_MSS)
                return TAPIR_EBADOPTION;
            r->has_mss = true;
            r->mss = load_be16(o.data);
            break;
        case TAPIR_TCP_OPT_WSCALE:
            if (o.len != LEN_WSCALE)
                return TAPIR_EBADOPTION;
            /* RFC 7323 §2.3: a shift above 14 is to be used as 14 (and logged) by the
             * receiver. That is the TCP engine's decision; the wire keeps what was sent. */
            r->has_wscale = true;
            r->wscale = o.data[0];
            break;
        case TAPIR_TCP_OPT_SACK_PERMITTED:
            if (o.len != LEN_SACK_PERMITTED)
                return TAPIR_EBADOPTION;
            r->sack_permitted = true;
            break;
        case TAPIR_TCP_OPT_TIMESTAMPS:
            if (o.len != LEN_TIMESTAMPS)
                return TAPIR_EBADOPTION;
            r->has_timestamps = true;
            r->ts_val = load_be32(o.data);
            r->ts_ecr = load_be32(o.data + 4);
            break;
        case TAPIR_TCP_OPT_SACK: {
            size_t data_len = (size_t)o.len - 2;
            size_t blocks = data_len / SACK_BLOCK_LEN;
            if (data_len % SACK_BLOCK_LEN != 0 || blocks < 1 || blocks > TAPIR_TCP_MAX_SACK)
                return TAPIR_EBADOPTION;
            r->sack_count = (uint8_t)blocks;
            for (size_t i = 0; i < blocks; i++) {
                r->sack[i].left = load_be32(o.data + i * SACK_BLOCK_LEN);
                r->sack[i].right = load_be32(o.data + i * SACK_BLOCK_LEN + 4);
            }
            break;
        }
        default:
            /* RFC 9293 §3.1 (MUST-64 in §3.2): ignore, without error, any option not
             * implemented, skipping it by its length. */
            break;
        }
    }
    return 0;
}

/* The list emit writes when the repr has no raw options, laid out as Linux does
 * (tcp_options_write()): every option starts on a 4-byte boundary, NOPs fill the gaps. */
static size_t build_options(const struct tapir_tcp_repr *r, uint8_t out[BUILT_OPTIONS_MAX])
{
    size_t n = 0;
    if (r->has_mss) {
        out[n++] = TAPIR_TCP_OPT_MSS;
        out[n++] = LEN_MSS;
        store_be16(out + n, r->mss);
        n += 2;
    }
    if (r->has_timestamps) {
        /* SACK-permitted fills the two bytes before the timestamps instead of NOPs. */
        if (r->sack_permitted) {
            out[n++] = TAPIR_TCP_OPT_SACK_PERMITTED;
            out[n++] = LEN_SACK_PERMITTED;
        } else {
            out[n++] = TAPIR_TCP_OPT_NOP;
            out[n++] = TAPIR_TCP_OPT_NOP;
        }
        out[n++] = TAPIR_TCP_OPT_TIMESTAMPS;
        out[n++] = LEN_TIMESTAMPS;
        store_be32(out + n, r->ts_val);
        store_be32(out + n + 4, r->ts_ecr);
        n += 8;
    } else if (r->sack_permitted) {
        out[n++] = TAPIR_TCP_OPT_NOP;
        out[n++] = TAPIR_TCP_OPT_NOP;
        out[n++] = TAPIR_TCP_OPT_SACK_PERMITTED;
        out[n++] = LEN_SACK_PERMITTED;
    }
    if (r->has_wscale) {
        out[n++] = TAPIR_TCP_OPT_NOP;
        out[n++] = TAPIR_TCP_OPT_WSCALE;
        out[n++] = LEN_WSCALE;
        out[n++] = r->wscale;
    }
    if (r->sack_count > 0) {
        /* Never more than the option can hold; emit refuses a larger count anyway. */
        size_t blocks = r->sack_count < TAPIR_TCP_MAX_SACK ? r->sack_count : TAPIR_TCP_MAX_SACK;
        out[n++] = TAPIR_TCP_OPT_NOP;
        out[n++] = TAPIR_TCP_OPT_NOP;
        out[n++] = TAPIR_TCP_OPT_SACK;
        out[n++] = (uint8_t)(2 + blocks * SACK_BLOCK_LEN);
        for (size_t i = 0; i < blocks; i++) {
            store_be32(out + n, r->sack[i].left);
            store_be32(out + n + 4, r->sack[i].right);
            n += SACK_BLOCK_LEN;
        }
    }
    return n;
}

/* The option bytes a repr stands for: its raw ones, or those built into `scratch`. */
static const uint8_t *option_bytes(const struct tapir_tcp_repr *r,
                                   uint8_t scratch[BUILT_OPTIONS_MAX], size_t *len)
{
    if (r->options != NULL) {
        *len = r->options_len;
        return r->options;
    }
    *len = build_options(r, scratch);
    return scratch;
}

/* ---- parse and emit --------------------------------------------------------------------- */

int tapir_tcp_parse(const uint8_t *buf, size_t len, const struct tapir_pseudo_header *ph,
                    struct tapir_tcp_repr *out)
{
    if (len < TAPIR_TCP_HEADER_LEN)
        return TAPIR_ETRUNCATED;
    /* RFC 9293 §3.1: the data offset counts 32-bit words, and the fixed header is 5. */
    size_t hlen = (size_t)(buf[12] >> 4) * 4;
    if (hlen < TAPIR_TCP_HEADER_LEN)
        return TAPIR_EBADHEADERLEN;
    if (hlen > len)
        return TAPIR_ETRUNCATED;
    if (ph != NULL) {
        if (!ph_valid(ph))
            return TAPIR_EINVAL;
        /* RFC 9293 §3.1: the sum covers the pseudo-header, the header and the data. */
        uint64_t acc = tapir_csum_pseudo(ph, (uint32_t)len);
        if (tapir_csum_finish(tapir_csum_add(acc, buf, len)) != 0)
            return TAPIR_EBADCHECKSUM;
    }

    struct tapir_tcp_repr r;
    memset(&r, 0, sizeof r);
    r.src_port = load_be16(buf);
    r.dst_port = load_be16(buf + 2);
    r.seq = load_be32(buf + 4);
    r.ack = load_be32(buf + 8);
    /* The 12 bits after the data offset: 3 reserved, AE, then the 8 classic flags. */
    r.flags = load_be16(buf + 12) & 0x0fff;
    r.window = load_be16(buf + 14);
    r.checksum = load_be16(buf + 16);
    r.urgent = load_be16(buf + 18);
    if (hlen > TAPIR_TCP_HEADER_LEN) {
        r.options = buf + TAPIR_TCP_HEADER_LEN;
        r.options_len = hlen - TAPIR_TCP_HEADER_LEN;
        int rc = parse_options(r.options, r.options_len, &r);
        if (rc != 0)
            return rc;
    }
    r.payload = buf + hlen;
    r.payload_len = len - hlen;
    *out = r;
    return 0;
}

size_t tapir_tcp_options_len(const struct tapir_tcp_repr *repr)
{
    if (repr->options == NULL) {
        uint8_t scratch[BUILT_OPTIONS_MAX];
        return build_options(repr, scratch);
    }
    /* Raw options are padded with EOL to whole words; a length that cannot fit anyway is
     * returned as is (and refused by emit) rather than rounded past SIZE_MAX. */
    if (repr->options_len > TAPIR_TCP_MAX_OPTIONS_LEN)
        return repr->options_len;
    return (repr->options_len + 3) & ~(size_t)3;
}

size_t tapir_tcp_header_len(const struct tapir_tcp_repr *repr)
{
    return TAPIR_TCP_HEADER_LEN + tapir_tcp_options_len(repr);
}

int tapir_tcp_emit(const struct tapir_tcp_repr *repr, const struct tapir_pseudo_header *ph,
                   uint8_t *buf, size_t cap)
{
    if (repr->sack_count > TAPIR_TCP_MAX_SACK)
        return TAPIR_EINVAL;
    if (ph != NULL && !ph_valid(ph))
        return TAPIR_EINVAL;

    /* The options go through a local copy: the caller's raw bytes may sit in `buf` where
     * the payload is about to be moved. */
    uint8_t opts[BUILT_OPTIONS_MAX];
    size_t olen;
    if (repr->options != NULL) {
        olen = repr->options_len;
        if (olen > TAPIR_TCP_MAX_OPTIONS_LEN)
            return TAPIR_EINVAL;
        memcpy(opts, repr->options, olen);
    } else {
        olen = build_options(repr, opts);
        if (olen > TAPIR_TCP_MAX_OPTIONS_LEN)
            return TAPIR_EINVAL;
    }
    size_t hlen = TAPIR_TCP_HEADER_LEN + ((olen + 3) & ~(size_t)3);
    if (repr->payload_len > MAX_SEGMENT - hlen)
        return TAPIR_EINVAL;
    size_t total = hlen + repr->payload_len;
    if (cap < total)
        return TAPIR_ENOBUFS;

    place_payload(buf, hlen, repr->payload, repr->payload_len);
    store_be16(buf, repr->src_port);
    store_be16(buf + 2, repr->dst_port);
    store_be32(buf + 4, repr->seq);
    store_be32(buf + 8, repr->ack);
    store_be16(buf + 12, (uint16_t)((hlen / 4) << 12 | (repr->flags & 0x0fff)));
    store_be16(buf + 14, repr->window);
    store_be16(buf + 16, 0);
    store_be16(buf + 18, repr->urgent);
    memcpy(buf + TAPIR_TCP_HEADER_LEN, opts, olen);
    /* RFC 9293 §3.1: the header is padded with zeros (EOL) to a 32-bit boundary. */
    memset(buf + TAPIR_TCP_HEADER_LEN + olen, 0, hlen - TAPIR_TCP_HEADER_LEN - olen);
    if (ph != NULL) {
        uint64_t acc = tapir_csum_pseudo(ph, (uint32_t)total);
        store_be16(buf + 16, tapir_csum_finish(tapir_csum_add(acc, buf, total)));
    }
    return (int)total;
}

/* ---- printing --------------------------------------------------------------------------- */

/* tcpdump's names (print-tcp.c, tcp_option_values); NULL: "unknown-<kind>". */
static const char *option_name(uint8_t kind)
{
    switch (kind) {
    case TAPIR_TCP_OPT_EOL:
        return "eol";
    case TAPIR_TCP_OPT_NOP:
        return "nop";
    case TAPIR_TCP_OPT_MSS:
        return "mss";
    case TAPIR_TCP_OPT_WSCALE:
        return "wscale";
    case TAPIR_TCP_OPT_SACK_PERMITTED:
        return "sackOK";
    case TAPIR_TCP_OPT_SACK:
        return "sack";
    case OPT_ECHO:
        return "echo";
    case OPT_ECHOREPLY:
        return "echoreply";
    case TAPIR_TCP_OPT_TIMESTAMPS:
        return "TS";
    case OPT_CC:
        return "cc";
    case OPT_CCNEW:
        return "ccnew";
    case OPT_CCECHO:
        return ""; /* sic: tcpdump has an empty name for it */
    case OPT_MD5:
        return "md5";
    case OPT_SCPS:
        return "scps";
    case OPT_UTO:
        return "uto";
    case OPT_TCPAO:
        return "tcp-ao";
    case OPT_MPTCP:
        return "mptcp";
    case OPT_FASTOPEN:
        return "tfo";
    case OPT_EXPERIMENT:
        return "exp";
    default:
        return NULL;
    }
}

/* The total length tcpdump expects for the kinds it reads as fixed-size, else 0. */
static unsigned fixed_len(uint8_t kind)
{
    switch (kind) {
    case TAPIR_TCP_OPT_MSS:
        return LEN_MSS;
    case TAPIR_TCP_OPT_WSCALE:
        return LEN_WSCALE;
    case TAPIR_TCP_OPT_SACK_PERMITTED:
        return LEN_SACK_PERMITTED;
    case TAPIR_TCP_OPT_TIMESTAMPS:
        return LEN_TIMESTAMPS;
    case OPT_ECHO:
    case OPT_ECHOREPLY:
    case OPT_CC:
    case OPT_CCNEW:
    case OPT_CCECHO:
        return 6;
    case OPT_MD5:
        return 18;
    case OPT_SCPS:
    case OPT_UTO:
        return 4;
    default:
        return 0;
    }
}

/* RFC 7413 §4.1.1 cookie, or an empty one asking for a cookie. */
static void print_fastopen(struct tapir_text *t, const uint8_t *data, size_t len)
{
    if (len == 0) {
        tapir_text_puts(t, " cookiereq");
    } else if (len % 2 != 0 || len < 4 || len > 16) {
        tapir_text_puts(t, " (invalid)");
    } else {
        tapir_text_puts(t, " cookie ");
        tapir_text_hex(t, data, len, 0);
    }
}

/* One option as tcpdump 4.99 writes it. Kinds it decodes specially are written its way
 * when their length is the expected one; everything else, including mptcp (whose tcpdump
 * decoding is a protocol of its own), is "<name> 0x<data>", plus tcpdump's "[len N]" for a
 * fixed-size kind with the wrong length. */
static void print_option(struct tapir_text *t, const struct option *o)
{
    const char *name = option_name(o->kind);
    if (name != NULL)
        tapir_text_puts(t, name);
    else
        tapir_text_printf(t, "unknown-%u", o->kind);
    if (o->kind == TAPIR_TCP_OPT_EOL || o->kind == TAPIR_TCP_OPT_NOP)
        return;

    const uint8_t *d = o->data;
    size_t dlen = (size_t)o->len - 2;
    bool done = false;
    if (fixed_len(o->kind) == 0 || fixed_len(o->kind) == o->len) {
        done = true;
        switch (o->kind) {
        case TAPIR_TCP_OPT_MSS:
            tapir_text_printf(t, " %u", load_be16(d));
            break;
        case TAPIR_TCP_OPT_WSCALE:
            tapir_text_printf(t, " %u", d[0]);
            break;
        case TAPIR_TCP_OPT_SACK_PERMITTED:
            break;
        case TAPIR_TCP_OPT_SACK:
            if (dlen % SACK_BLOCK_LEN != 0) {
                tapir_text_puts(t, " invalid sack");
                break;
            }
            tapir_text_printf(t, " %zu ", dlen / SACK_BLOCK_LEN);
            for (size_t i = 0; i < dlen; i += SACK_BLOCK_LEN)
                tapir_text_printf(t, "{%u:%u}", load_be32(d + i), load_be32(d + i + 4));
            break;
        case TAPIR_TCP_OPT_TIMESTAMPS:
            tapir_text_printf(t, " val %u ecr %u", load_be32(d), load_be32(d + 4));
            break;
        case OPT_ECHO:
        case OPT_ECHOREPLY:
        case OPT_CC:
        case OPT_CCNEW:
        case OPT_CCECHO:
            tapir_text_printf(t, " %u", load_be32(d));
            break;
        case OPT_MD5:
            /* What tcpdump built with libcrypto (as distributions ship it) prints when it
             * has no key (-M) to verify the RFC 2385 digest with. */
            tapir_text_puts(t, " shared secret not supplied with -M, can't check - ");
            tapir_text_hex(t, d, dlen, 0);
            break;
        case OPT_SCPS:
            tapir_text_printf(t, " cap %02x id %u", d[0], d[1]);
            break;
        case OPT_UTO: {
            /* RFC 5482 §3: the low bit says minutes (1) or seconds (0). */
            unsigned v = load_be16(d);
            tapir_text_printf(t, " 0x%x %u", v, (v & 1) ? (v >> 1) * 60 : v >> 1);
            break;
        }
        case OPT_TCPAO:
            /* RFC 5925 §2.2: length at least 4 (key id, receive-next key id, MAC). */
            if (dlen < 2) {
                tapir_text_puts(t, " (invalid)");
                break;
            }
            tapir_text_printf(t, " keyid %u rnextkeyid %u", d[0], d[1]);
            if (dlen > 2) {
                tapir_text_puts(t, " mac 0x");
                tapir_text_hex(t, d + 2, dlen - 2, 0);
            }
            break;
        case OPT_FASTOPEN:
            tapir_text_puts(t, " ");
            print_fastopen(t, d, dlen);
            break;
        case OPT_EXPERIMENT: {
            /* RFC 6994: a 16-bit experiment identifier comes first. */
            if (dlen < 2) {
                done = false;
                break;
            }
            uint16_t exid = load_be16(d);
            if (exid == 0xf989) { /* RFC 7413 §4.1.1 fast open, before it had kind 34 */
                tapir_text_puts(t, "-tfo");
                print_fastopen(t, d + 2, dlen - 2);
            } else {
                tapir_text_printf(t, "-%04x", exid);
            }
            break;
        }
        default:
            done = false;
            break;
        }
    }
    if (!done) {
        if (dlen > 0) {
            tapir_text_puts(t, " 0x");
            tapir_text_hex(t, d, dlen, 0);
        }
        if (fixed_len(o->kind) != 0)
            tapir_text_printf(t, "[len %u]", o->len);
    }
}

/* Walks the list in wire order up to EOL. One-line: "a,b,c"; verbose: one
 * "  option: a\n" line each. A malformed option (possible only in a hand-made repr) ends
 * the walk with tcpdump's "[bad opt]". */
static void print_options(struct tapir_text *t, const uint8_t *p, size_t n, bool verbose)
{
    size_t at = 0;
    while (at < n) {
        struct option o;
        bool ok = option_at(p, n, at, &o);
        tapir_text_puts(t, verbose ? "  option: " : (at > 0 ? "," : ""));
        if (!ok) {
            tapir_text_puts(t, verbose ? "[bad opt]\n" : "[bad opt]");
            return;
        }
        print_option(t, &o);
        if (verbose)
            tapir_text_puts(t, "\n");
        if (o.kind == TAPIR_TCP_OPT_EOL)
            return;
        at += o.len;
    }
}

void tapir_tcp_print(struct tapir_text *t, const struct tapir_tcp_repr *repr)
{
    /* tcpdump's flag letters, in its order; no classic flag at all reads "none". */
    static const struct {
        uint16_t bit;
        char letter;
    } letters[] = {
        {TAPIR_TCP_FIN, 'F'}, {TAPIR_TCP_SYN, 'S'}, {TAPIR_TCP_RST, 'R'}, {TAPIR_TCP_PSH, 'P'},
        {TAPIR_TCP_ACK, '.'}, {TAPIR_TCP_URG, 'U'}, {TAPIR_TCP_ECE, 'E'}, {TAPIR_TCP_CWR, 'W'},
    };
    char flags[sizeof letters / sizeof letters[0] + 1];
    size_t nf = 0;
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++) {
        if (repr->flags & letters[i].bit)
            flags[nf++] = letters[i].letter;
    }
    flags[nf] = '\0';
    tapir_text_printf(t, "Flags [%s]", nf > 0 ? flags : "none");

    /* tcpdump shows the sequence number for segments that occupy sequence space. */
    if (repr->payload_len > 0 || (repr->flags & (TAPIR_TCP_SYN | TAPIR_TCP_FIN | TAPIR_TCP_RST))) {
        tapir_text_printf(t, ", seq %u", repr->seq);
        if (repr->payload_len > 0)
            tapir_text_printf(t, ":%u", (uint32_t)(repr->seq + repr->payload_len));
    }
    if (repr->flags & TAPIR_TCP_ACK)
        tapir_text_printf(t, ", ack %u", repr->ack);
    tapir_text_printf(t, ", win %u", repr->window);
    if (repr->flags & TAPIR_TCP_URG)
        tapir_text_printf(t, ", urg %u", repr->urgent);

    uint8_t scratch[BUILT_OPTIONS_MAX];
    size_t olen;
    const uint8_t *opts = option_bytes(repr, scratch, &olen);
    if (olen > 0) {
        tapir_text_puts(t, ", options [");
        print_options(t, opts, olen, false);
        tapir_text_puts(t, "]");
    }
    tapir_text_printf(t, ", length %zu", repr->payload_len);
}

void tapir_tcp_print_verbose(struct tapir_text *t, const struct tapir_tcp_repr *repr)
{
    static const struct {
        uint16_t bit;
        const char *name;
    } names[] = {
        {TAPIR_TCP_FIN, "FIN"}, {TAPIR_TCP_SYN, "SYN"}, {TAPIR_TCP_RST, "RST"},
        {TAPIR_TCP_PSH, "PSH"}, {TAPIR_TCP_ACK, "ACK"}, {TAPIR_TCP_URG, "URG"},
        {TAPIR_TCP_ECE, "ECE"}, {TAPIR_TCP_CWR, "CWR"}, {TAPIR_TCP_AE, "AE"},
    };
    uint8_t scratch[BUILT_OPTIONS_MAX];
    size_t olen;
    const uint8_t *opts = option_bytes(repr, scratch, &olen);

    tapir_text_puts(t, "TCP\n");
    tapir_text_printf(t, "  source port: %u\n", repr->src_port);
    tapir_text_printf(t, "  destination port: %u\n", repr->dst_port);
    tapir_text_printf(t, "  sequence number: %u\n", repr->seq);
    tapir_text_printf(t, "  acknowledgment number: %u\n", repr->ack);
    tapir_text_printf(t, "  header length: %zu\n", tapir_tcp_header_len(repr));
    tapir_text_printf(t, "  flags: 0x%03x (", repr->flags & 0x0fff);
    const char *sep = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (repr->flags & names[i].bit) {
            tapir_text_printf(t, "%s%s", sep, names[i].name);
            sep = ", ";
        }
    }
    if (repr->flags & TAPIR_TCP_RESERVED) {
        tapir_text_printf(t, "%sreserved 0x%03x", sep, repr->flags & TAPIR_TCP_RESERVED);
        sep = ", ";
    }
    tapir_text_printf(t, "%s)\n", *sep ? "" : "none");
    tapir_text_printf(t, "  window: %u\n", repr->window);
    tapir_text_printf(t, "  checksum: 0x%04x\n", repr->checksum);
    tapir_text_printf(t, "  urgent pointer: %u\n", repr->urgent);
    tapir_text_printf(t, "  options length: %zu\n", olen);
    print_options(t, opts, olen, true);
    tapir_text_printf(t, "  payload length: %zu\n", repr->payload_len);
}
