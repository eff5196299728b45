/* tapir-tap ns -- CMD: a private network for an unprivileged user. CMD runs in a new user
 * namespace (where the caller is root, mapped to their own uid) and a new network
 * namespace it owns, which already holds lo and a TAP with the host-side addresses. Root
 * in the namespace may open and configure that TAP; nothing outside is reachable or
 * changed, and the network vanishes with the last process in it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"

static void usage(FILE *out)
{
    fputs(
        "usage: tapir-tap ns [--name NAME] [--tun] [--addr A/LEN]... [--addr6 A/LEN]... "
        "-- CMD [ARG...]\n"
        "Run CMD in a new user and network namespace holding a ready TAP (default tap0,\n"
        "host side 192.168.69.100/24, fe80::100/64, fdaa::100/64) that CMD, root in the\n"
        "namespace, opens: tapir-tap ns -- tapir-ping 192.168.69.100. No sudo needed where\n"
        "unprivileged user namespaces are allowed and /dev/net/tun is open to all users.\n"
        "The namespace has no route out and disappears when CMD and its children exit.\n"
        "  -n, --name NAME    device name (default tap0)\n"
        "      --tun          a TUN instead of a TAP\n"
        "      --addr A/LEN   IPv4 address of the namespace's side (repeatable)\n"
        "      --addr6 A/LEN  IPv6 address (repeatable)\n"
        "  -h, --help         this help\n"
        "Exit status: CMD's, or 1 when the namespace cannot be made, 127 when CMD is not found.\n",
        out);
}

/* The first line of a file as a number, -1 when it is absent or unreadable. */
static long read_sysctl(const char *path)
{
    char buf[32];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, text, strlen(text));
    int rc = n == (ssize_t)strlen(text) ? 0 : -errno;
    close(fd);
    return rc;
}

/* Says which of the machine's switches forbids unprivileged user namespaces. */
static void explain_userns(int rc)
{
    long clone = read_sysctl("/proc/sys/kernel/unprivileged_userns_clone");
    long max = read_sysctl("/proc/sys/user/max_user_namespaces");
    long apparmor = read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
    tap_err("cannot create a user namespace: %s", strerror(-rc));
    if (clone == 0)
        tap_err("  kernel.unprivileged_userns_clone is 0: this kernel forbids unprivileged user "
                "namespaces (an administrator can allow them: sysctl "
                "kernel.unprivileged_userns_clone=1)");
    if (max == 0)
        tap_err("  user.max_user_namespaces is 0: user namespaces are switched off (sysctl "
                "user.max_user_namespaces=15000 turns them on)");
    if (apparmor == 1)
        tap_err("  kernel.apparmor_restrict_unprivileged_userns is 1: AppArmor denies "
                "unconfined programs the capabilities of a user namespace (allow this program "
                "with an AppArmor profile granting \"userns,\", or set the sysctl to 0)");
    if ((rc == -ENOSPC || rc == -EUSERS) && max != 0)
        tap_err("  the limit of nested or per-user namespaces is reached "
                "(user.max_user_namespaces)");
    if (clone != 0 && max != 0 && apparmor != 1 && rc == -EPERM)
        tap_err("  a security policy (seccomp in a container, SELinux) forbids unshare(2) here");
    tap_err("without user namespaces: `sudo tapir-tap up` gives you a TAP of your own; see "
            "docs/privileges.md");
}

/* After unshare succeeded: a later EPERM is AppArmor's doing where it restricts user
 * namespaces (the namespace exists but carries no capabilities). */
static void apparmor_hint(void)
{
    if (read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
        tap_err("  kernel.apparmor_restrict_unprivileged_userns is 1: AppArmor leaves a new user "
                "namespace without capabilities unless a profile allows \"userns,\" for this "
                "program; or use `sudo tapir-tap up`");
}

/* Enters the namespaces: as root a network namespace only, else a user namespace where
 * the caller is uid/gid 0 and a network namespace owned by it. */
static int enter(bool *userns)
{
    uid_t uid = getuid();
    gid_t gid = getgid();
    *userns = geteuid() != 0;
    int rc;
    if (!*userns) {
        if (unshare(CLONE_NEWNET) != 0) {
            tap_err("cannot create a network namespace: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
        explain_userns(-errno);
        return -1;
    }
    /* An unprivileged process may map only its own ids, and only after giving up
     * setgroups(2) in the namespace (user_namespaces(7)). */
    char map[64];
    if ((rc = write_file("/proc/self/setgroups", "deny")) != 0 && rc != -ENOENT) {
        tap_err("cannot write /proc/self/setgroups: %s", strerror(-rc));
        apparmor_hint();
        return -1;
    }
    snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
    if ((rc = write_file("/proc/self/uid_map", map)) != 0) {
        tap_err("cannot write /proc/self/uid_map: %s", strerror(-rc));
        apparmor_hint();
        return -1;
    }
    snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
    if ((rc = write_file("/proc/self/gid_map", map)) != 0) {
        tap_err("cannot write /proc/self/gid_map: %s", strerror(-rc));
        apparmor_hint();
        return -1;
    }
    return 0;
}

static int loopback_up(void)
{
    struct tap_nl nl;
    struct tap_link lo;
    int rc = tap_nl_open(&nl);
    if (rc == 0 && (rc = tap_nl_get_link(&nl, "lo", &lo)) == 0)
        rc = tap_nl_set_link(&nl, lo.ifindex, true, NULL, false);
    tap_nl_close(&nl);
    if (rc != 0) {
        tap_err_errno("cannot bring lo up in the new namespace", rc);
        apparmor_hint();
    }
    return rc;
}

int tap_cmd_ns(int argc, char **argv)
{
    enum { OPT_TUN = 1000, OPT_ADDR, OPT_ADDR6 };
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'},
        {"tun", no_argument, NULL, OPT_TUN},
        {"addr", required_argument, NULL, OPT_ADDR},
        {"addr6", required_argument, NULL, OPT_ADDR6},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct tap_spec s;
    tap_spec_init(&s);
    int c;
    optind = 1;
    /* "+": stop at the first non-option, so CMD's own options stay CMD's. */
    while ((c = getopt_long(argc, argv, "+n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (tap_parse_name(optarg, s.name) != 0) {
                tap_err("invalid --name '%s': 1 to 15 of letters, digits, '_', '.', '-'", optarg);
                return 2;
            }
            break;
        case OPT_TUN:
            s.tun = true;
            break;
        case OPT_ADDR:
        case OPT_ADDR6:
            if (tap_spec_add_addr(&s, c == OPT_ADDR ? AF_INET : AF_INET6, optarg) != 0) {
                tap_err("invalid %s '%s'", c == OPT_ADDR ? "--addr" : "--addr6", optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        tap_err("ns: expected a command: tapir-tap ns -- CMD [ARG...]");
        usage(stderr);
        return 2;
    }
    tap_spec_defaults(&s);

    if (access("/dev/net/tun", F_OK) != 0) {
        tap_tun_explain(&s, -ENOENT);
        return 1;
    }
    if (enter(&s.in_userns) != 0)
        return 1;
    s.owner = (long)getuid(); /* 0 in the namespace: the caller */
    if (loopback_up() != 0)
        return 1;
    if (tap_up_apply(&s, true) != 0)
        return 1;
    execvp(argv[optind], argv + optind);
    tap_err("cannot run %s: %s", argv[optind], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}
