/* tapir — the pcap writer: a device that wraps another and records every frame.
 *
 * Each frame the inner device receives (rx) and each frame it takes for sending (tx) is
 * appended to a classic pcap file (magic 0xa1b2c3d4 in host byte order, version 2.4,
 * microsecond timestamps read from a struct tapir_clock), link type 1 (Ethernet) for
 * TAPIR_MEDIUM_ETHERNET and 101 (LINKTYPE_RAW) for TAPIR_MEDIUM_IP, readable by tcpdump,
 * tshark/Wireshark and libpcap. Classic pcap has no direction: frames in and out share
 * one timeline, in the order the wrapper saw them.
 *
 * rx() hands the caller's frames to the inner device's rx(), so it may exchange the
 * data/cap pairs among frames[0..n) as that device may (see packet.h).
 *
 * Offload: a GSO super-frame is recorded as it is, one record of up to 64 KiB whose TCP
 * checksum holds only the pseudo-header sum (CSUM_PARTIAL): readers show it as one long
 * segment with an incorrect checksum, as they do for a capture on a host with TSO.
 *
 * Records go through a buffer inside struct tapir_pcap and reach the file when it fills,
 * on tapir_pcap_flush() and on tapir_pcap_close(). A failed write never fails rx/tx: the
 * records are lost, counted in write_errors, and the first error is kept in `error`.
 */
#ifndef TAPIR_PHY_PCAP_H
#define TAPIR_PHY_PCAP_H

#include <stdbool.h>
#include <stdint.h>

#include "tapir/device.h"
#include "tapir/time.h"

#define TAPIR_PCAP_LINKTYPE_ETHERNET 1
#define TAPIR_PCAP_LINKTYPE_RAW      101
#define TAPIR_PCAP_SNAPLEN           262144 /* longer frames are cut, orig_len kept */
#define TAPIR_PCAP_BUFSIZE           65536  /* bytes buffered before a write() */

struct tapir_pcap {
    struct tapir_device dev; /* the wrapper: same medium, mtu, caps and fd as the inner */
    const struct tapir_device *inner;
    struct tapir_clock clock;
    int fd;
    bool own_fd;           /* opened by path: closed by tapir_pcap_close() */
    uint64_t frames;       /* records written (or buffered) */
    uint64_t write_errors; /* records lost to failed writes */
    int error;             /* first write error (-errno), or 0 */
    size_t buf_len;        /* bytes in buf */
    uint64_t buf_frames;   /* records in buf */
    uint8_t buf[TAPIR_PCAP_BUFSIZE];
};

/* Wraps `inner` (which must outlive the wrapper) into caller storage `p`, creating or
 * truncating the file at `path` (mode 0644) and writing the pcap file header. Timestamps
 * come from `clock` (monotonic, virtual, ...; negative times are written as 0).
 * Returns 0, TAPIR_EINVAL (NULL argument), TAPIR_EUNSUPPORTED (inner medium has no link
 * type) or -errno from open()/write(). */
int tapir_pcap_open(struct tapir_pcap *p, const struct tapir_device *inner, const char *path,
                    struct tapir_clock clock);

/* The same over a file descriptor the caller opened for writing (a file, a pipe to
 * `tcpdump -r -`, ...). The file header is written at once. tapir_pcap_close() flushes
 * but does not close `fd`. */
int tapir_pcap_open_fd(struct tapir_pcap *p, const struct tapir_device *inner, int fd,
                       struct tapir_clock clock);

/* Writes the buffered records to the file. Returns 0 or the -errno that lost them. */
int tapir_pcap_flush(struct tapir_pcap *p);

/* Flushes, then closes the file if tapir_pcap_open() opened it. The inner device stays
 * open. Safe to call twice. Returns 0 or the first -errno of the flush or close. */
int tapir_pcap_close(struct tapir_pcap *p);

#endif
