/* tcp_transfer_corrupt: 64 MiB (times TAPIR_TEST_SCALE) each way at once, byte-exact, with
 * 2% of the frames with one bit flipped in each direction (dropped by the
 * checksums, so lost), RTT 2 ms (rc_transfer_test() in tcp_recovery_util.h); prints the
 * virtual time and the counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_recovery_util.h"

static void test_transfer_corrupt(void **state)
{
    (void)state;
    struct rc_transfer_opts o = {.corrupt_pct = 2, .lossy = true, .delay_us = 1000, .seed = 6};
    rc_transfer_test("tcp_transfer_corrupt", &o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transfer_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
