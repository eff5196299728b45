/* tapir-decode: print the packets of pcap files with tapir's own wire printers.
 *
 * The offline half of a sniffer: it shows what the wire layer understands of a capture,
 * one tcpdump-like line per packet, or every field with -v. */
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/wire/dissect.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: tapir-decode [-e] [-v] [-x] FILE.pcap...\n"
                 "Print every packet of each capture file with tapir's wire printers.\n"
                 "  -e  show the link-layer (Ethernet) header\n"
                 "  -v  verbose: every field of every header\n"
                 "  -x  also dump each packet in hex\n"
                 "  -h  this help\n"
                 "Capture files: classic pcap, link type Ethernet (1) or raw IP (101).\n");
}

static void hexdump(const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i += 16) {
        printf("\t0x%04zx: ", i);
        for (size_t k = i; k < i + 16 && k < len; k++)
            printf("%02x%s", p[k], (k & 1) ? " " : "");
        printf("\n");
    }
}

static int decode(const char *path, unsigned flags, int hex)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (!p) {
        fprintf(stderr, "tapir-decode: %s\n", err);
        return 1;
    }
    enum tapir_medium medium;
    switch (pcap_datalink(p)) {
    case DLT_EN10MB:
        medium = TAPIR_MEDIUM_ETHERNET;
        break;
    case DLT_RAW:
    case 101: /* LINKTYPE_RAW, which some libpcap versions report as is */
        medium = TAPIR_MEDIUM_IP;
        break;
    default:
        fprintf(stderr, "tapir-decode: %s: link type %s is not Ethernet or raw IP\n", path,
                pcap_datalink_val_to_name(pcap_datalink(p)));
        pcap_close(p);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    static char line[65536];
    unsigned long n = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        struct tapir_text t;
        tapir_text_init(&t, line, sizeof line);
        tapir_frame_print(&t, data, h->caplen, medium, flags);
        printf("%s%s", line, (flags & TAPIR_PRINT_VERBOSE) ? "\n" : "\n");
        if (hex)
            hexdump(data, h->caplen);
        n++;
    }
    if (rc == PCAP_ERROR)
        fprintf(stderr, "tapir-decode: %s: %s\n", path, pcap_geterr(p));
    pcap_close(p);
    return rc == PCAP_ERROR ? 1 : 0;
}

int main(int argc, char **argv)
{
    unsigned flags = 0;
    int hex = 0, c;
    while ((c = getopt(argc, argv, "evxh")) != -1) {
        switch (c) {
        case 'e':
            flags |= TAPIR_PRINT_LINK;
            break;
        case 'v':
            flags |= TAPIR_PRINT_VERBOSE;
            break;
        case 'x':
            hex = 1;
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
        usage(stderr);
        return 2;
    }
    int status = 0;
    for (int i = optind; i < argc; i++) {
        if (argc - optind > 1)
            printf("== %s\n", argv[i]);
        status |= decode(argv[i], flags, hex);
    }
    return status;
}
