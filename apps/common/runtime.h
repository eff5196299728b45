/* What every app does around the stack: open the device the options name (with the pcap
 * and fault middleware when asked), bring up an interface with the configured addresses,
 * wait for work, stop on SIGINT/SIGTERM or --duration, and print counters on exit. */
#ifndef TAPIR_APPS_RUNTIME_H
#define TAPIR_APPS_RUNTIME_H

#include <stdbool.h>

#include "options.h"
#include "tapir/iface.h"
#include "tapir/loop.h"
#include "tapir/phy.h"
#include "tapir/random.h"

struct app_runtime {
    const char *prog;
    struct app_common opt;
    struct tapir_tuntap tuntap;
    struct tapir_packet packet;
    struct tapir_pcap pcap;
    struct tapir_fault fault;
    struct tapir_fault_slot *fault_slots;
    uint8_t *fault_mem;
    struct tapir_device *dev; /* the outermost device the interface uses */
    bool has_tuntap, has_packet, has_pcap, has_fault;
    struct tapir_prng prng;
    struct tapir_iface iface;
    void *iface_mem;
    struct tapir_loop loop;
    struct tapir_loop_source fault_source;
    bool has_loop;
    tapir_instant started_at;
    tapir_instant deadline; /* --duration, or TAPIR_INSTANT_NEVER */
};

/* Open everything; prints "seed N" and then "ready" on stderr. Returns 0, or the exit
 * status to use (2) after printing why. */
int app_runtime_open(struct app_runtime *rt, const char *prog, const struct app_common *opt);

/* Poll the interface once and wait until there is work, `until` or a signal. */
void app_runtime_step(struct app_runtime *rt, tapir_instant until);

/* True once SIGINT/SIGTERM arrived or --duration passed. */
bool app_runtime_stopping(const struct app_runtime *rt);

tapir_instant app_now(void);

/* Print the counters as "name value" lines on stderr, then close everything. */
void app_runtime_close(struct app_runtime *rt);

#endif
