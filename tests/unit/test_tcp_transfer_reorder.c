/* tcp_transfer_reorder: 64 MiB (times TAPIR_TEST_SCALE) each way at once, byte-exact, with
 * 5% of the frames reordered in each direction (nothing lost), RTT 2 ms (rc_transfer_test() in tcp_recovery_util.h); prints the
 * virtual time and the counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_recovery_util.h"

static void test_transfer_reorder(void **state)
{
    (void)state;
    struct rc_transfer_opts o = {.reorder_pct = 5, .delay_us = 1000, .seed = 4};
    rc_transfer_test("tcp_transfer_reorder", &o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transfer_reorder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
