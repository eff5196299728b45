/* tapir-dump: privileges. Opening a packet socket needs CAP_NET_RAW in the network
 * namespace; nothing after that does. So the capability is used once and then dropped,
 * with every other one: a sniffer parses whatever the network sends it, and a parser bug
 * should find a process that can do nothing a normal user cannot. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "tapir-dump.h"

void dump_priv_explain(FILE *out)
{
    fprintf(out,
            "%s: no permission to open a packet socket: capturing needs CAP_NET_RAW.\n"
            "Three ways in:\n"
            "  1. give this program the capability (it drops it once the socket is open):\n"
            "       sudo tapir-tap grant --raw $(command -v tapir-dump)\n"
            "     (or: sudo setcap cap_net_raw+ep $(command -v tapir-dump))\n"
            "  2. run it inside a private user+network namespace, where you are root of\n"
            "     your own network:\n"
            "       tapir-tap ns -- tapir-dump -i tap0\n"
            "  3. run it as root: sudo tapir-dump ... (add --user $USER to drop to you\n"
            "     once the socket is open)\n",
            DUMP_PROG);
}

int dump_priv_lookup(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        snprintf(err, errlen, "--user %s: %s", name, errno ? strerror(errno) : "no such user");
        return -1;
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return 0;
}

int dump_priv_drop(bool change_user, uid_t uid, gid_t gid, char *err, size_t errlen)
{
    if (change_user) {
        /* Groups first, then the group, then the user: once the uid changes we can no
         * longer change the other two. */
        if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
            setresuid(uid, uid, uid) != 0) {
            snprintf(err, errlen, "--user: cannot switch to uid %u gid %u: %s (needs root)",
                     (unsigned)uid, (unsigned)gid, strerror(errno));
            return -1;
        }
    }
    /* A setuid away from root clears the capabilities unless keepcaps is set; make sure
     * it is not, then clear them ourselves for every other way we got here (file
     * capability, ambient set, root staying root). */
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    cap_t none = cap_init(); /* every set empty */
    if (!none) {
        snprintf(err, errlen, "cap_init: %s", strerror(errno));
        return -1;
    }
    int rc = cap_clear(none);
    if (rc == 0)
        rc = cap_set_proc(none);
    int e = errno;
    cap_free(none);
    if (rc != 0) {
        snprintf(err, errlen, "cannot drop capabilities: %s", strerror(e));
        return -1;
    }
    /* The ambient set follows permitted down to empty; clear it explicitly anyway, for
     * kernels that keep it separate. EINVAL means no ambient support: nothing to clear. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
        snprintf(err, errlen, "cannot clear ambient capabilities: %s", strerror(errno));
        return -1;
    }
    /* No exec can give anything back: no setuid binary, no file capability. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errlen, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
        return -1;
    }
    return 0;
}
