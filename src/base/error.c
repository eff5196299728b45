/* Names and texts of tapir's error codes. */
#include <string.h>

#include "tapir/error.h"

struct error_entry {
    int code;
    const char *name;
    const char *text;
};

static const struct error_entry errors[] = {
    {TAPIR_OK, "TAPIR_OK", "success"},
    {TAPIR_ETRUNCATED, "TAPIR_ETRUNCATED", "packet truncated: shorter than its headers say"},
    {TAPIR_EBADVERSION, "TAPIR_EBADVERSION", "bad version field"},
    {TAPIR_EBADHEADERLEN, "TAPIR_EBADHEADERLEN", "bad header length field"},
    {TAPIR_EBADTOTALLEN, "TAPIR_EBADTOTALLEN", "bad total or payload length field"},
    {TAPIR_EBADCHECKSUM, "TAPIR_EBADCHECKSUM", "checksum does not verify"},
    {TAPIR_EBADOPTION, "TAPIR_EBADOPTION", "malformed option or extension header"},
    {TAPIR_EUNSUPPORTED, "TAPIR_EUNSUPPORTED", "unsupported type or format"},
    {TAPIR_EBADFIELD, "TAPIR_EBADFIELD", "field holds a value the protocol forbids"},
    {TAPIR_ENOBUFS, "TAPIR_ENOBUFS", "output buffer too small"},
    {TAPIR_EINVAL, "TAPIR_EINVAL", "invalid argument"},
    {TAPIR_ENOPERM_TUN, "TAPIR_ENOPERM_TUN",
     "no permission to open or create the TAP/TUN device: use a TAP created for your user "
     "(tapir-tap up --user $USER, or ip tuntap add NAME mode tap user $USER), grant "
     "CAP_NET_ADMIN to the program (tapir-tap grant PROGRAM), or run inside a user+network "
     "namespace (tapir-tap ns -- CMD)"},
    {TAPIR_ENOPERM_RAW, "TAPIR_ENOPERM_RAW",
     "no permission to open an AF_PACKET raw socket: grant CAP_NET_RAW to the program "
     "(tapir-tap grant PROGRAM), run inside a user+network namespace (tapir-tap ns -- CMD), "
     "or use a TAP created for your user instead (tapir-tap up --user $USER)"},
    {TAPIR_ENOTUNDEV, "TAPIR_ENOTUNDEV",
     "the kernel has no /dev/net/tun: load the tun module (modprobe tun)"},
    {TAPIR_ENODEV, "TAPIR_ENODEV", "no such network interface (list them with ip link)"},
    {TAPIR_EAGAIN, "TAPIR_EAGAIN", "nothing ready now: poll the interface, then retry"},
    {TAPIR_ENOROUTE, "TAPIR_ENOROUTE",
     "no route to the destination: add an address on its network or a gateway"},
    {TAPIR_ENOADDR, "TAPIR_ENOADDR", "no local address of that IP version to send from"},
    {TAPIR_ECONNRESET, "TAPIR_ECONNRESET", "connection reset by the peer"},
    {TAPIR_ECONNREFUSED, "TAPIR_ECONNREFUSED", "connection refused: nothing listens on that port"},
    {TAPIR_ETIMEDOUT, "TAPIR_ETIMEDOUT", "connection timed out: the peer stopped answering"},
    {TAPIR_EADDRINUSE, "TAPIR_EADDRINUSE",
     "address in use: another socket is bound to that address and port"},
    {TAPIR_EMSGSIZE, "TAPIR_EMSGSIZE", "message too long for the protocol"},
    {TAPIR_EHOSTUNREACH, "TAPIR_EHOSTUNREACH", "destination unreachable (an ICMP error said so)"},
    {TAPIR_ENXDOMAIN, "TAPIR_ENXDOMAIN", "name does not exist (DNS NXDOMAIN)"},
    {TAPIR_ENODATA, "TAPIR_ENODATA", "name has no record of the requested type"},
    {TAPIR_ESERVFAIL, "TAPIR_ESERVFAIL", "DNS server failure: no server gave an answer"},
    {TAPIR_EADDRCONFLICT, "TAPIR_EADDRCONFLICT",
     "address conflict: another host already uses the address"},
};

static const struct error_entry *find(int code)
{
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].code == code)
            return &errors[i];
    return NULL;
}

const char *tapir_error_name(int code)
{
    const struct error_entry *e = find(code);
    return e ? e->name : NULL;
}

const char *tapir_strerror(int code)
{
    const struct error_entry *e = find(code);
    if (e)
        return e->text;
    /* A negated errno from the device boundary. strerror() returns static text for every
     * errno glibc knows; we never hand out a buffer we would have to own. */
    if (code < 0 && code > -4096)
        return strerror(-code);
    return "unknown error";
}
