/* tapir — DNS messages (RFC 1035 §4), over UDP and TCP (RFC 7766 §8: a 2-byte length
 * prefix, which is the caller's to add or strip). See tapir/wire/ethernet.h for the
 * function pattern; DNS differs in two ways:
 *
 * - A message has any number of records, and names inside it point back into it
 *   (compression, RFC 1035 §4.1.4). So tapir_dns_parse() validates the whole message once
 *   (every name, every record, every length) and keeps only the header and where each
 *   section starts; a cursor then walks the questions and records, decoding each into a
 *   plain struct whose names are uncompressed (struct tapir_dns_name). After a successful
 *   parse the cursor cannot fail.
 * - There is no emit of a whole repr: tapir_dns_emit_query() writes the one message a stub
 *   resolver sends, and struct tapir_dns_builder writes any message with uncompressed names
 *   (used by tests and by the fuzz round trip).
 *
 * Names: the wire form is a sequence of labels (length byte, then 1..63 bytes) ending with
 * the zero-length root label, 255 bytes at most in all (RFC 1035 §2.3.4). Text forms are
 * dotted with a trailing dot ("a.test."), bytes other than letters, digits, '-' and '_'
 * written as "\." or "\DDD" (RFC 1035 §5.1) as dig does.
 */
#ifndef TAPIR_WIRE_DNS_H
#define TAPIR_WIRE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/text.h"

#define TAPIR_DNS_PORT         53
#define TAPIR_DNS_HEADER_LEN   12
#define TAPIR_DNS_UDP_MAX      512 /* RFC 1035 §4.2.1, without EDNS */
#define TAPIR_DNS_MAX_NAME     255 /* wire octets, root label included (RFC 1035 §2.3.4) */
#define TAPIR_DNS_MAX_LABEL    63
#define TAPIR_DNS_MAX_POINTERS 64 /* compression pointers followed per name, at most */
/* Text form of any name: each of up to 254 label bytes may need "\DDD". */
#define TAPIR_DNS_NAME_STRLEN 1024

enum tapir_dns_type {
    TAPIR_DNS_TYPE_A = 1,
    TAPIR_DNS_TYPE_NS = 2,
    TAPIR_DNS_TYPE_CNAME = 5,
    TAPIR_DNS_TYPE_SOA = 6,
    TAPIR_DNS_TYPE_PTR = 12,
    TAPIR_DNS_TYPE_MX = 15,
    TAPIR_DNS_TYPE_TXT = 16,
    TAPIR_DNS_TYPE_AAAA = 28,
    TAPIR_DNS_TYPE_OPT = 41, /* EDNS0 pseudo-record (RFC 6891) */
    TAPIR_DNS_TYPE_ANY = 255,
};

#define TAPIR_DNS_CLASS_IN 1

enum tapir_dns_rcode {
    TAPIR_DNS_RCODE_NOERROR = 0,
    TAPIR_DNS_RCODE_FORMERR = 1,
    TAPIR_DNS_RCODE_SERVFAIL = 2,
    TAPIR_DNS_RCODE_NXDOMAIN = 3,
    TAPIR_DNS_RCODE_NOTIMP = 4,
    TAPIR_DNS_RCODE_REFUSED = 5,
};

enum tapir_dns_section {
    TAPIR_DNS_QUESTION = 0,
    TAPIR_DNS_ANSWER = 1,
    TAPIR_DNS_AUTHORITY = 2,
    TAPIR_DNS_ADDITIONAL = 3,
};

/* A name in uncompressed wire form. */
struct tapir_dns_name {
    uint8_t len; /* 1 (the root) .. TAPIR_DNS_MAX_NAME */
    uint8_t wire[TAPIR_DNS_MAX_NAME];
};

/* The header (RFC 1035 §4.1.1) and where the parsed message lies. */
struct tapir_dns_repr {
    uint16_t id;
    bool qr; /* a response */
    uint8_t opcode;
    bool aa, tc, rd, ra;
    bool z, ad, cd; /* z must be 0; ad and cd are RFC 4035 §3.2 */
    uint8_t rcode;
    uint16_t count[4];  /* indexed by enum tapir_dns_section */
    const uint8_t *msg; /* the whole message: names point into it */
    size_t len;         /* up to the end of the last record; later bytes are ignored */
    size_t size;        /* bytes given to parse (a name may run into bytes after len) */
};

struct tapir_dns_question {
    struct tapir_dns_name name;
    uint16_t type, qclass;
};

struct tapir_dns_rr {
    uint8_t section; /* enum tapir_dns_section */
    struct tapir_dns_name name;
    uint16_t type, rclass; /* OPT: rclass is the requestor's UDP payload size */
    uint32_t ttl;          /* OPT: extended rcode, version, flags */
    const uint8_t *rdata;  /* into the message, as found (names may be compressed) */
    uint16_t rdlen;
    /* Decoded for the types named; other types (TXT included) only as rdata. */
    union {
        struct tapir_ipv4_addr a;
        struct tapir_ipv6_addr aaaa;
        struct tapir_dns_name target; /* CNAME, NS, PTR */
        struct {
            uint16_t preference;
            struct tapir_dns_name exchange;
        } mx;
        struct {
            struct tapir_dns_name mname, rname;
            uint32_t serial, refresh, retry, expire, minimum;
        } soa;
    } data;
};

/* Walks a parsed message: the questions, then the answer, authority and additional
 * records. */
struct tapir_dns_cursor {
    const struct tapir_dns_repr *repr;
    size_t off;
    uint8_t section;
    uint16_t left; /* in this section */
};

/* Parse and validate a whole message of `len` bytes (a UDP payload, or a TCP message
 * without its length prefix).
 * Errors: TAPIR_ETRUNCATED (shorter than the header, or a name, record or rdata runs past
 * `len`: every section count must be met); TAPIR_EBADFIELD (a compression pointer that
 * does not point strictly before the label sequence that holds it, which is what rules
 * out loops, or more than TAPIR_DNS_MAX_POINTERS of them; an A/AAAA rdata that is not
 * 4/16 bytes; a CNAME/NS/PTR/MX/SOA rdata whose fields do not fill it exactly; a TXT
 * string that runs past its rdata); TAPIR_EBADTOTALLEN (a name longer than 255 octets);
 * TAPIR_EUNSUPPORTED (a label of the reserved types 0x40 and 0x80: the extended label
 * types of RFC 6891 §5 are not in use). `out` points into `buf`. */
int tapir_dns_parse(const uint8_t *buf, size_t len, struct tapir_dns_repr *out);

/* Always TAPIR_DNS_HEADER_LEN. */
size_t tapir_dns_header_len(const struct tapir_dns_repr *repr);

void tapir_dns_cursor_init(struct tapir_dns_cursor *c, const struct tapir_dns_repr *repr);
/* The next question: 1, or 0 when the questions are done. */
int tapir_dns_next_question(struct tapir_dns_cursor *c, struct tapir_dns_question *out);
/* The next record (skipping questions not yet read): 1, or 0 at the end. */
int tapir_dns_next_rr(struct tapir_dns_cursor *c, struct tapir_dns_rr *out);

/* Decode the name at `off` of msg[0..len) (following pointers) into `out`; `*next` (if
 * not NULL) gets the offset just after the name where it was found. Errors as for
 * tapir_dns_parse. */
int tapir_dns_name_decode(const uint8_t *msg, size_t len, size_t off, struct tapir_dns_name *out,
                          size_t *next);

/* Text to wire form: "a.test" or "a.test." ("." alone is the root); "\." and "\DDD"
 * escapes are honoured. Errors: TAPIR_EINVAL (empty label, label over 63 bytes, a bad
 * escape), TAPIR_EBADTOTALLEN (over 255 octets). */
int tapir_dns_name_from_text(const char *text, struct tapir_dns_name *out);
/* Wire to text, with the trailing dot. Returns the text's length (truncated to cap as
 * snprintf does). */
int tapir_dns_name_to_text(const struct tapir_dns_name *name, char *out, size_t cap);
void tapir_dns_name_print(struct tapir_text *t, const struct tapir_dns_name *name);
/* Equal ignoring ASCII case (RFC 4343). */
bool tapir_dns_name_equal(const struct tapir_dns_name *a, const struct tapir_dns_name *b);

/* Write a standard query (opcode 0, RD as given, one question of class IN):
 * header + question. Returns its length, TAPIR_ENOBUFS, or TAPIR_EINVAL for a malformed
 * name. */
int tapir_dns_emit_query(uint16_t id, bool rd, const struct tapir_dns_name *qname, uint16_t qtype,
                         uint8_t *buf, size_t cap);

/* Writes any message, names uncompressed; records are added section by section in order.
 * Each call returns 0 or TAPIR_ENOBUFS (then the builder refuses everything after). */
struct tapir_dns_builder {
    uint8_t *buf;
    size_t cap, len;
    uint8_t section; /* the last section added to */
    int error;
};
/* Starts with the header of `h` (counts come from what is added). */
int tapir_dns_builder_init(struct tapir_dns_builder *b, const struct tapir_dns_repr *h,
                           uint8_t *buf, size_t cap);
int tapir_dns_builder_question(struct tapir_dns_builder *b, const struct tapir_dns_name *name,
                               uint16_t type, uint16_t qclass);
/* TAPIR_EINVAL when `section` is earlier than one already added to, or not a record
 * section. `rdata` is copied as given. */
int tapir_dns_builder_rr(struct tapir_dns_builder *b, enum tapir_dns_section section,
                         const struct tapir_dns_name *name, uint16_t type, uint16_t rclass,
                         uint32_t ttl, const void *rdata, uint16_t rdlen);
/* The message length, or the first error. */
int tapir_dns_builder_finish(struct tapir_dns_builder *b);

/* "A", "AAAA", ... or NULL for a type without a mnemonic here. */
const char *tapir_dns_type_name(uint16_t type);
/* "NXDomain", ... as tcpdump spells them, or NULL. */
const char *tapir_dns_rcode_name(uint8_t rcode);

/* tcpdump's words: "4660+ A? a.test. (24)", "4662* 2/0/0 CNAME a.test., A 192.0.2.1 (52)"
 * (the message length in parentheses; answers only; "*" authoritative, "-" recursion not
 * available, "|" truncated). */
void tapir_dns_print(struct tapir_text *t, const struct tapir_dns_repr *repr);
/* A title line, the header fields, then every question and record, one a line. */
void tapir_dns_print_verbose(struct tapir_text *t, const struct tapir_dns_repr *repr);
/* One record's data as dig shows it ("192.0.2.1", "a.test.", "10 mail.test.",
 * "\"hello world\""; unknown types as RFC 3597 "\# 4 0a000001"). */
void tapir_dns_print_rdata(struct tapir_text *t, const struct tapir_dns_rr *rr);

#endif
