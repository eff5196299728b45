/* tapir-dump: tcpdump filter expressions. libpcap's pcap_compile() turns the expression
 * into a classic BPF program for the records' link type; the kernel runs it on each
 * packet before it reaches the ring (SO_ATTACH_FILTER, Documentation/networking/filter.rst),
 * so what is filtered out costs no copy and never counts as a drop. Capture files are
 * filtered in userland with the same program (pcap_offline_filter). */
#include <errno.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tapir-dump.h"

int dump_filter_compile(struct dump_filter *f, const char *expr, int linktype, unsigned snaplen,
                        pcap_t *pcap, char *err)
{
    memset(f, 0, sizeof *f);
    if (expr == NULL || expr[0] == '\0')
        return 0;
    pcap_t *dead = NULL;
    if (!pcap) {
        dead = pcap_open_dead(linktype, (int)snaplen);
        if (!dead) {
            snprintf(err, PCAP_ERRBUF_SIZE, "libpcap cannot compile for link type %d", linktype);
            return -1;
        }
        pcap = dead;
    }
    int rc = pcap_compile(pcap, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN);
    if (rc != 0)
        snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(pcap));
    else
        f->active = true;
    if (dead)
        pcap_close(dead);
    return rc == 0 ? 0 : -1;
}

/* A load from the SLL2 record, moved to the packet the kernel shows a SOCK_DGRAM socket
 * (it starts at the network header): payload offsets shift down by the header's length,
 * and the three header fields the kernel knows become its ancillary loads. Returns false
 * for any other header byte. */
static bool fix_cooked_load(struct sock_filter *insn)
{
    if (insn->k >= (uint32_t)SKF_AD_OFF)
        return true; /* already an ancillary load */
    if (insn->k >= DUMP_SLL2_LEN) {
        insn->k -= DUMP_SLL2_LEN;
        return true;
    }
    switch (insn->k) {
    case 0: /* protocol */
        insn->k = (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL);
        return true;
    case 4: /* ifindex */
        insn->k = (uint32_t)(SKF_AD_OFF + SKF_AD_IFINDEX);
        return true;
    case 10: /* packet type */
        insn->k = (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE);
        return true;
    default:
        return false;
    }
}

int dump_filter_attach(struct dump_filter *f, int fd, bool cooked, unsigned snaplen)
{
    struct sock_filter cut = BPF_STMT(BPF_RET | BPF_K, snaplen);
    struct sock_fprog prog = {.len = 1, .filter = &cut};
    struct sock_filter *copy = NULL;
    if (f->active) {
        /* struct bpf_insn and struct sock_filter have the same layout (code, jt, jf, k). */
        size_t n = f->prog.bf_len;
        copy = malloc(n * sizeof *copy);
        if (!copy)
            return -ENOMEM;
        memcpy(copy, f->prog.bf_insns, n * sizeof *copy);
        for (size_t i = 0; cooked && i < n; i++) {
            unsigned cls = BPF_CLASS(copy[i].code), mode = BPF_MODE(copy[i].code);
            if ((cls == BPF_LD || cls == BPF_LDX) &&
                (mode == BPF_ABS || mode == BPF_IND || mode == BPF_MSH) &&
                !fix_cooked_load(&copy[i])) {
                /* It reads a header byte the kernel cannot show: test in userland,
                 * the kernel only cuts at snaplen. */
                f->userland = true;
                break;
            }
        }
        if (!f->userland) {
            prog.len = (unsigned short)n;
            prog.filter = copy;
        }
    }
    int rc = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
    int err = errno;
    free(copy);
    if (rc == 0)
        return 0;
    if (f->active && !f->userland) {
        /* Too large for the kernel, say: fall back to userland, as libpcap does. */
        f->userland = true;
        prog.len = 1;
        prog.filter = &cut;
        if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) == 0)
            return 0;
        err = errno;
    }
    return -err;
}

bool dump_filter_match(const struct dump_filter *f, const struct dump_packet *p, bool live)
{
    if (!f->active || (live && !f->userland))
        return true;
    struct pcap_pkthdr h = {.caplen = p->caplen, .len = p->len};
    return pcap_offline_filter(&f->prog, &h, p->data) != 0;
}

void dump_filter_free(struct dump_filter *f)
{
    if (f->active)
        pcap_freecode(&f->prog);
    f->active = false;
}
