/* The TUN/TAP ioctls on /dev/net/tun. rtnetlink cannot create a tun device (the tun
 * driver refuses RTM_NEWLINK), so creation and persistence go through these. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

static int attach(const char *name, bool tun)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = (short)((tun ? IFF_TUN : IFF_TAP) | IFF_NO_PI);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    return fd;
}

int tap_tun_create(const char *name, bool tun, long owner, long group)
{
    int fd = attach(name, tun);
    if (fd < 0)
        return fd;
    int rc = 0;
    /* Owner and group decide who may attach later without CAP_NET_ADMIN (the kernel's
     * tun_not_capable()); persistence keeps the device once this descriptor closes. */
    if (owner >= 0 && ioctl(fd, TUNSETOWNER, (unsigned long)owner) != 0)
        rc = -errno;
    else if (group >= 0 && ioctl(fd, TUNSETGROUP, (unsigned long)group) != 0)
        rc = -errno;
    else if (ioctl(fd, TUNSETPERSIST, 1UL) != 0)
        rc = -errno;
    close(fd); /* on failure the device, not yet persistent, goes with the descriptor */
    return rc;
}

int tap_tun_unpersist(const char *name, bool tun)
{
    int fd = attach(name, tun);
    if (fd < 0)
        return fd;
    int rc = ioctl(fd, TUNSETPERSIST, 0UL) != 0 ? -errno : 0;
    close(fd);
    return rc;
}

void tap_tun_explain(const struct tap_spec *s, int rc)
{
    const char *kind = s->tun ? "TUN" : "TAP";
    struct stat st;
    switch (rc) {
    case -ENOENT:
    case -ENODEV:
    case -ENXIO:
        tap_err("cannot create %s %s: no TUN/TAP support here (/dev/net/tun %s); load the "
                "module (modprobe tun) or, in a container, pass the device in (--device "
                "/dev/net/tun)",
                kind, s->name, rc == -ENOENT ? "is missing" : "has no driver behind it");
        return;
    case -EACCES:
        if (stat("/dev/net/tun", &st) != 0)
            memset(&st, 0, sizeof st);
        if (s->in_userns) {
            tap_err("cannot open /dev/net/tun (mode %04o): inside a user namespace you are "
                    "root only over what the namespace maps, and the device's owner is not "
                    "mapped, so only its \"other\" permission bits count for you. Fix it once "
                    "on the host, as root: chmod 0666 /dev/net/tun, as Debian ships it (opening "
                    "the file grants nothing by itself: making or attaching a device still "
                    "needs CAP_NET_ADMIN or the device's owner; keep it with a udev rule "
                    "KERNEL==\"tun\", MODE=\"0666\"), or give a group access (chgrp netdev "
                    "/dev/net/tun; chmod 0660 /dev/net/tun; add the user to netdev). See "
                    "docs/privileges.md",
                    (unsigned)(st.st_mode & 07777));
        } else {
            tap_err("cannot create %s %s: no permission to open /dev/net/tun (mode %04o); "
                    "run `sudo tapir-tap up` (creating a device needs root or CAP_NET_ADMIN)",
                    kind, s->name, (unsigned)(st.st_mode & 07777));
        }
        return;
    case -EPERM:
        tap_err("cannot create %s %s: no permission; creating a device needs CAP_NET_ADMIN "
                "in this network namespace: run `sudo tapir-tap up ...` (the device then "
                "belongs to you), or without root use `tapir-tap ns -- CMD` for a private "
                "network",
                kind, s->name);
        return;
    case -EBUSY:
        tap_err("cannot create %s %s: a device of that name is busy", kind, s->name);
        return;
    case -EINVAL:
        tap_err("cannot create %s %s: the name exists as another kind of device, or the "
                "kernel refused the name",
                kind, s->name);
        return;
    default:
        tap_err("cannot create %s %s: %s", kind, s->name, strerror(-rc));
        return;
    }
}
