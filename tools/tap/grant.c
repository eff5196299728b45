/* tapir-tap grant: file capabilities on a program (libcap's cap_set_file), so it may
 * open raw sockets (cap_net_raw) or create and configure devices (cap_net_admin) without
 * running as root. The capabilities belong to the file, so every user who can run it
 * gets them: the command says so each time. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

static void usage(FILE *out)
{
    fputs("usage: tapir-tap grant [--raw] [--admin] [--remove] PROGRAM\n"
          "Give PROGRAM (a binary, not a script) file capabilities, permitted and effective,\n"
          "so it runs with them whoever starts it. Needs CAP_SETFCAP (run it with sudo).\n"
          "      --raw     cap_net_raw: AF_PACKET and raw sockets (tapir's --raw IFACE)\n"
          "      --admin   cap_net_admin: create TAP/TUN devices, configure interfaces\n"
          "                (default: both, the classic setup)\n"
          "      --remove  take every file capability off PROGRAM instead\n"
          "  -h, --help    this help\n"
          "Every user who can execute PROGRAM gets these capabilities: limit who can run it\n"
          "(chmod 0750 and a group), and grant again after each rebuild (writing the file\n"
          "drops them). See docs/privileges.md for the alternatives.\n",
          out);
}

/* Capabilities on "#!" scripts are ignored by the kernel: the interpreter runs, not the
 * file. Say so instead of appearing to succeed. */
static bool is_script(const char *path)
{
    char head[2] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    return n == 2 && head[0] == '#' && head[1] == '!';
}

int tap_cmd_grant(int argc, char **argv)
{
    enum { OPT_RAW = 1000, OPT_ADMIN, OPT_REMOVE };
    static const struct option opts[] = {
        {"raw", no_argument, NULL, OPT_RAW},
        {"admin", no_argument, NULL, OPT_ADMIN},
        {"remove", no_argument, NULL, OPT_REMOVE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool raw = false, admin = false, remove = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_RAW:
            raw = true;
            break;
        case OPT_ADMIN:
            admin = true;
            break;
        case OPT_REMOVE:
            remove = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        tap_err("grant: expected one PROGRAM");
        usage(stderr);
        return 2;
    }
    if (remove && (raw || admin)) {
        tap_err("grant: --remove takes no --raw or --admin");
        return 2;
    }
    if (!raw && !admin)
        raw = admin = true;
    const char *path = argv[optind];
    struct stat st;
    if (stat(path, &st) != 0) {
        tap_err("%s: %s", path, strerror(errno));
        return 1;
    }
    if (!S_ISREG(st.st_mode)) {
        tap_err("%s is not a regular file", path);
        return 1;
    }
    if (!remove && is_script(path)) {
        tap_err("%s is a script: the kernel ignores file capabilities on scripts; grant them "
                "to a compiled program",
                path);
        return 1;
    }

    cap_t caps = NULL;
    if (!remove) {
        char text[64];
        snprintf(text, sizeof text, "%s%s%s=ep", raw ? "cap_net_raw" : "", raw && admin ? "," : "",
                 admin ? "cap_net_admin" : "");
        caps = cap_from_text(text);
        if (!caps) {
            tap_err("cap_from_text(%s): %s", text, strerror(errno));
            return 1;
        }
    }
    int rc = cap_set_file(path, caps);
    int err = errno;
    if (caps)
        cap_free(caps);
    if (rc != 0) {
        if (remove && err == ENODATA) {
            printf("%s: had no file capabilities\n", path);
            return 0;
        }
        if (err == EPERM)
            tap_err("cannot set capabilities on %s: %s; this needs CAP_SETFCAP (run `sudo "
                    "tapir-tap grant ...`) and a file system that is not mounted nosuid",
                    path, strerror(err));
        else if (err == ENOTSUP)
            tap_err("cannot set capabilities on %s: its file system does not store extended "
                    "attributes (security.capability); copy the program elsewhere",
                    path);
        else
            tap_err("cannot set capabilities on %s: %s", path, strerror(err));
        return 1;
    }
    if (remove) {
        printf("%s: file capabilities removed\n", path);
        return 0;
    }
    printf("%s: %s%s%s=ep\n", path, raw ? "cap_net_raw" : "", raw && admin ? "," : "",
           admin ? "cap_net_admin" : "");
    printf("note: every user who can execute %s now gets %s. Limit who may run it (for "
           "example chown root:GROUP and chmod 0750); rebuilding the file drops the "
           "capabilities.\n",
           path,
           raw && admin ? "both capabilities"
           : raw        ? "cap_net_raw"
                        : "cap_net_admin");
    return 0;
}
