/* tapir-tap: the host side of tapir's devices, set up by one tool instead of a list of
 * `ip` and `nft` commands: a TAP or TUN a user owns (up, down, status), file capabilities
 * (grant) and a private network without root (ns). Each subcommand lives in tools/tap/,
 * registered in the table below, as wireguard-tools does. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tap/tap.h"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} subcommands[] = {
    {"up", tap_cmd_up, "create a persistent TAP/TUN for a user, with addresses and NAT"},
    {"down", tap_cmd_down, "remove what `up` added, and nothing else"},
    {"status", tap_cmd_status, "list the devices tapir-tap manages"},
    {"grant", tap_cmd_grant, "give a program cap_net_raw/cap_net_admin as file capabilities"},
    {"ns", tap_cmd_ns, "run a command in a private user+network namespace with a ready TAP"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: tapir-tap COMMAND [OPTIONS]\n"
                 "Set up the host side of the devices tapir's programs use.\n\n");
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].help);
    fprintf(out, "\n`tapir-tap COMMAND --help` describes each one; docs/privileges.md says "
                 "which to choose.\n"
                 "Exit status: 0 on success, 1 on failure, 2 on a usage error.\n");
}

void tap_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(TAP_PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void tap_err_errno(const char *what, int rc)
{
    switch (rc) {
    case -EPERM:
    case -EACCES:
        tap_err("%s: %s; this needs CAP_NET_ADMIN in this network namespace: run it with sudo "
                "(or, without root, use `tapir-tap ns -- CMD` for a private network)",
                what, strerror(-rc));
        break;
    default:
        tap_err("%s: %s", what, strerror(-rc));
        break;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].fn(argc - 1, argv + 1);
    tap_err("unknown command '%s'", argv[1]);
    usage(stderr);
    return 2;
}
