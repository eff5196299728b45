/* tcp_transfer_loss_1: 64 MiB (times TAPIR_TEST_SCALE) each way at once, byte-exact, with
 * 1% of the frames lost in each direction, RTT 2 ms (rc_transfer_test() in tcp_recovery_util.h); prints the
 * virtual time and the counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_recovery_util.h"

static void test_transfer_loss_1(void **state)
{
    (void)state;
    struct rc_transfer_opts o = {.drop_pct = 1, .lossy = true, .delay_us = 1000, .seed = 1};
    rc_transfer_test("tcp_transfer_loss_1", &o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transfer_loss_1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
