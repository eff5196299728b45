/* tapir — error codes.
 *
 * Every tapir function that can fail returns 0 (or a positive count) on success and a
 * negative code on failure: either one of the TAPIR_E* values below or, at the device
 * boundary, a negated errno. tapir_strerror() names both kinds. The library never sets
 * errno and never prints.
 */
#ifndef TAPIR_ERROR_H
#define TAPIR_ERROR_H

/* The TAPIR_E* codes sit far below -4096 so they can never collide with -errno. */
enum tapir_error {
    TAPIR_OK = 0,
    TAPIR_ETRUNCATED = -10001,    /* buffer shorter than the header or a length field says */
    TAPIR_EBADVERSION = -10002,   /* version field is not the one this parser reads */
    TAPIR_EBADHEADERLEN = -10003, /* header length field impossible (too small / too big) */
    TAPIR_EBADTOTALLEN = -10004,  /* total/payload length field inconsistent with header */
    TAPIR_EBADCHECKSUM = -10005,  /* checksum does not verify */
    TAPIR_EBADOPTION = -10006,    /* malformed option or extension header */
    TAPIR_EUNSUPPORTED = -10007,  /* well-formed but a type/format this code does not handle */
    TAPIR_EBADFIELD = -10008,     /* a field holds a value the protocol forbids */
    TAPIR_ENOBUFS = -10009,       /* output buffer too small for what must be written */
    TAPIR_EINVAL = -10010,        /* invalid argument passed by the caller */
    TAPIR_ENOPERM_TUN = -10011,   /* no permission to open /dev/net/tun or create a TAP/TUN */
    TAPIR_ENOPERM_RAW = -10012,   /* no permission to open an AF_PACKET raw socket */
    TAPIR_ENOTUNDEV = -10013,     /* /dev/net/tun does not exist (tun module not loaded) */
    TAPIR_ENODEV = -10014,        /* no network interface by that name */
    TAPIR_EAGAIN = -10015,        /* nothing to receive / no room now: poll, then retry */
    TAPIR_ENOROUTE = -10016,      /* no route to the destination */
    TAPIR_ENOADDR = -10017,       /* no local address to send from */
    TAPIR_ECONNRESET = -10018,    /* the peer reset the connection */
    TAPIR_ECONNREFUSED = -10019,  /* the peer refused the connection (RST to our SYN) */
    TAPIR_ETIMEDOUT = -10020,     /* the peer stopped answering */
    TAPIR_EADDRINUSE = -10021,    /* the local address and port are already bound */
    TAPIR_EMSGSIZE = -10022,      /* datagram larger than the protocol allows */
    TAPIR_EHOSTUNREACH = -10023,  /* an ICMP error says the destination cannot be reached */
    TAPIR_ENXDOMAIN = -10024,     /* DNS: the name does not exist */
    TAPIR_ENODATA = -10025,       /* DNS: the name exists but has no record of that type */
    TAPIR_ESERVFAIL = -10026,     /* DNS: every server failed or refused to answer */
    TAPIR_EADDRCONFLICT = -10027, /* the address is already used by another host (DAD, ARP probe) */
    TAPIR_E_LAST_ = -10028
};

/* A short, static, human-readable text for a tapir code or a negated errno.
 * Never returns NULL; unknown codes give "unknown error". */
const char *tapir_strerror(int code);

/* The symbolic name of a TAPIR_E* code ("TAPIR_ETRUNCATED"), or NULL for other values. */
const char *tapir_error_name(int code);

#endif
