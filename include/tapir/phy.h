/* tapir — every device and middleware of src/phy in one include. */
#ifndef TAPIR_PHY_H
#define TAPIR_PHY_H

#include "tapir/phy/common.h"
#include "tapir/phy/fault.h"
#include "tapir/phy/loopback.h"
#include "tapir/phy/packet.h"
#include "tapir/phy/pair.h"
#include "tapir/phy/pcap.h"
#include "tapir/phy/tuntap.h"

#endif
