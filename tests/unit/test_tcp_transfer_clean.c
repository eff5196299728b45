/* tcp_transfer_clean: 64 MiB (times TAPIR_TEST_SCALE) each way at once, byte-exact, with
 * no fault but the 1 ms delay each way, CUBIC: not a single retransmission
 * or timeout, RTT 2 ms (rc_transfer_test() in tcp_recovery_util.h); prints the
 * virtual time and the counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_recovery_util.h"

static void test_transfer_clean(void **state)
{
    (void)state;
    struct rc_transfer_opts o = {.delay_us = 1000, .seed = 2};
    rc_transfer_test("tcp_transfer_clean", &o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transfer_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
