/* NAT for a TAP's networks through nftables (libnftables), and the IPv4 forwarding switch.
 *
 * Everything tapir-tap adds lives in one table of its own, `table ip tapir-<name>`, so
 * removing the NAT is removing the table and nothing else on the machine is touched. */
#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

#define FORWARDING_PATH "/proc/sys/net/ipv4/ip_forward"

void tap_nat_table(const char *ifname, char *buf, size_t len)
{
    snprintf(buf, len, "tapir-%s", ifname);
}

/* Runs an nft command buffer; the error text goes to err. 0 or -1. */
static int run(const char *cmd, char *err, size_t errlen)
{
    struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!nft) {
        snprintf(err, errlen, "cannot create an nftables context");
        return -ENOMEM;
    }
    nft_ctx_buffer_output(nft);
    nft_ctx_buffer_error(nft);
    int rc = nft_run_cmd_from_buffer(nft, cmd);
    if (err && errlen) {
        const char *e = nft_ctx_get_error_buffer(nft);
        snprintf(err, errlen, "%s", e ? e : "");
        /* libnftables ends its messages with a newline and a caret line; keep line 1. */
        err[strcspn(err, "\n")] = '\0';
    }
    nft_ctx_free(nft);
    return rc == 0 ? 0 : -1;
}

int tap_nat_add(const struct tap_spec *spec, char *err, size_t errlen)
{
    char table[32], nets[512] = "", cmd[1024];
    tap_nat_table(spec->name, table, sizeof table);
    size_t used = 0;
    for (unsigned i = 0; i < spec->n_addrs; i++) {
        const struct tap_addr *a = &spec->addrs[i];
        if (a->family != AF_INET)
            continue;
        struct tap_addr net = *a;
        uint32_t mask = a->prefix ? 0xffffffffu << (32 - a->prefix) : 0;
        for (int k = 0; k < 4; k++)
            net.bytes[k] &= (uint8_t)(mask >> (24 - 8 * k));
        char text[64];
        tap_addr_format(&net, text, sizeof text);
        used += (size_t)snprintf(nets + used, sizeof nets - used, "%s%s", used ? ", " : "", text);
    }
    if (used == 0) {
        snprintf(err, errlen, "--nat needs an IPv4 address on %s (--addr)", spec->name);
        return -EINVAL;
    }
    /* "add table; delete table; add ..." in one batch replaces any earlier version
     * atomically, so a second `up` leaves one rule, not two. */
    snprintf(cmd, sizeof cmd,
             "add table ip %s\n"
             "delete table ip %s\n"
             "add table ip %s\n"
             "add chain ip %s postrouting { type nat hook postrouting priority srcnat; "
             "policy accept; }\n"
             "add rule ip %s postrouting ip saddr { %s } oifname \"%s\" masquerade\n",
             table, table, table, table, table, nets, spec->nat_if);
    return run(cmd, err, errlen);
}

int tap_nat_del(const char *ifname, char *err, size_t errlen)
{
    char table[32], cmd[128];
    tap_nat_table(ifname, table, sizeof table);
    snprintf(cmd, sizeof cmd, "add table ip %s\ndelete table ip %s\n", table, table);
    return run(cmd, err, errlen);
}

int tap_nat_exists(const char *ifname)
{
    char table[32], cmd[64], err[256];
    tap_nat_table(ifname, table, sizeof table);
    snprintf(cmd, sizeof cmd, "list table ip %s", table);
    if (run(cmd, err, sizeof err) == 0)
        return 1;
    return strstr(err, "No such file") ? 0 : -EIO;
}

int tap_forwarding_get(void)
{
    char buf[8];
    int fd = open(FORWARDING_PATH, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    int rc = n < 0 ? -errno : 0;
    close(fd);
    if (rc)
        return rc;
    buf[n > 0 ? n : 0] = '\0';
    return atoi(buf) ? 1 : 0;
}

int tap_forwarding_set(int value)
{
    int fd = open(FORWARDING_PATH, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = write(fd, value ? "1\n" : "0\n", 2) == 2 ? 0 : -errno;
    close(fd);
    return rc;
}
