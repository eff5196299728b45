/* tcp_transfer_all: 64 MiB (times TAPIR_TEST_SCALE) each way at once, byte-exact, through
 * every fault at once (2% loss, 2% duplication, 2% reordering, 1% corruption, in both
 * directions), RTT 2 ms, over IPv6; prints the virtual time and the counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_recovery_util.h"

static void test_transfer_all(void **state)
{
    (void)state;
    struct rc_transfer_opts o = {
        .v6 = true,
        .drop_pct = 2,
        .duplicate_pct = 2,
        .reorder_pct = 2,
        .corrupt_pct = 1,
        .delay_us = 1000,
        .seed = 7,
        .lossy = true,
    };
    rc_transfer_test("tcp_transfer_all", &o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transfer_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
