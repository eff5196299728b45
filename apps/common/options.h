/* The options every tapir app shares (device, addresses, pcap, faults, seed, trace),
 * parsed in one place so every app reads them the same way. */
#ifndef TAPIR_APPS_OPTIONS_H
#define TAPIR_APPS_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tapir/addr.h"

#define APP_MAX_JOINS 8

enum app_device_kind {
    APP_DEVICE_TAP,
    APP_DEVICE_TUN,
    APP_DEVICE_RAW,
};

struct app_common {
    enum app_device_kind device_kind;
    const char *device_name; /* tap0 by default */
    struct tapir_ipv4_addr ip;
    unsigned ip_prefix;
    bool has_ip;
    struct tapir_ipv6_addr ip6;
    unsigned ip6_prefix;
    bool has_ip6;
    struct tapir_ipv4_addr gw;
    bool has_gw;
    struct tapir_ipv6_addr gw6;
    bool has_gw6;
    struct tapir_mac_addr mac;
    unsigned mtu; /* 0: the device's */
    const char *pcap_path;
    double drop_pct, dup_pct, reorder_pct, corrupt_pct;
    uint64_t seed;
    double duration_s; /* 0: until stopped */
    int verbose;
    /* Multicast groups to join at start (--join, repeatable). */
    struct tapir_ip_addr joins[APP_MAX_JOINS];
    unsigned join_count;
    /* IPv6 autoconfiguration (on unless --no-slaac). */
    bool slaac;
    /* DNS (apps/common/resolve.c): --dns servers in order; none given: the gateway. */
    struct tapir_ip_addr dns[3];
    unsigned dns_count;
    /* Offload (IFF_VNET_HDR + TUNSETOFFLOAD on a TAP/TUN): APP_OFFLOAD_AUTO uses it when
     * the kernel has it, --offload insists, --no-offload never asks. */
    int offload;
};

enum { APP_OFFLOAD_AUTO = 0, APP_OFFLOAD_ON, APP_OFFLOAD_OFF };

/* Codes for the long options (above any short option character). */
enum {
    APP_OPT_TAP = 1000,
    APP_OPT_TUN,
    APP_OPT_RAW,
    APP_OPT_IP,
    APP_OPT_IP6,
    APP_OPT_GW,
    APP_OPT_GW6,
    APP_OPT_MAC,
    APP_OPT_MTU,
    APP_OPT_PCAP,
    APP_OPT_DROP,
    APP_OPT_DUP,
    APP_OPT_REORDER,
    APP_OPT_CORRUPT,
    APP_OPT_SEED,
    APP_OPT_DURATION,
    APP_OPT_JOIN,
    APP_OPT_NO_SLAAC,
    APP_OPT_DNS,
    APP_OPT_OFFLOAD,
    APP_OPT_NO_OFFLOAD,
};

/* The entries to put in an app's getopt_long table (plus "-v" in its short options). */
#define APP_COMMON_LONG_OPTIONS                                                                    \
    {"tap", required_argument, NULL, APP_OPT_TAP}, {"tun", required_argument, NULL, APP_OPT_TUN},  \
        {"raw", required_argument, NULL, APP_OPT_RAW},                                             \
        {"ip", required_argument, NULL, APP_OPT_IP},                                               \
        {"ip6", required_argument, NULL, APP_OPT_IP6},                                             \
        {"gw", required_argument, NULL, APP_OPT_GW},                                               \
        {"gw6", required_argument, NULL, APP_OPT_GW6},                                             \
        {"mac", required_argument, NULL, APP_OPT_MAC},                                             \
        {"mtu", required_argument, NULL, APP_OPT_MTU},                                             \
        {"pcap", required_argument, NULL, APP_OPT_PCAP},                                           \
        {"drop", required_argument, NULL, APP_OPT_DROP},                                           \
        {"dup", required_argument, NULL, APP_OPT_DUP},                                             \
        {"reorder", required_argument, NULL, APP_OPT_REORDER},                                     \
        {"corrupt", required_argument, NULL, APP_OPT_CORRUPT},                                     \
        {"seed", required_argument, NULL, APP_OPT_SEED},                                           \
        {"duration", required_argument, NULL, APP_OPT_DURATION},                                   \
        {"join", required_argument, NULL, APP_OPT_JOIN},                                           \
        {"no-slaac", no_argument, NULL, APP_OPT_NO_SLAAC},                                         \
        {"dns", required_argument, NULL, APP_OPT_DNS},                                             \
        {"offload", no_argument, NULL, APP_OPT_OFFLOAD},                                           \
        {"no-offload", no_argument, NULL, APP_OPT_NO_OFFLOAD},                                     \
    {                                                                                              \
        "verbose", no_argument, NULL, 'v'                                                          \
    }

/* Fill the defaults: --tap tap0, --ip 192.168.69.1/24, --ip6 fdaa::1/64,
 * --gw 192.168.69.100, --gw6 fe80::100, --mac 02:00:00:00:00:01, --seed 1, SLAAC on. */
void app_common_defaults(struct app_common *c);

/* Handle one getopt code. Returns 1 when it was a common option, 0 when it is not one
 * of ours, -1 after printing why the value is wrong. */
int app_common_option(struct app_common *c, const char *prog, int code, const char *arg);

/* The common options' help text. */
void app_common_usage(FILE *out);

/* Parsers shared with app-specific options: 0 or -1. */
int app_parse_double(const char *text, double min, double max, double *out);
int app_parse_unsigned(const char *text, unsigned long max, unsigned long *out);

#endif
