/* tapir — a small optional event loop: sleep in epoll on the interface's device fd (and on
 * the caller's own fds) until a frame arrives or the next deadline comes.
 *
 * The core never blocks and never reads a clock; this is the optional glue outside it (like
 * src/phy, it makes system calls: epoll, eventfd, the clock it is given). An application
 * that has its own loop does not need it: tapir_iface_poll() and tapir_iface_poll_at() are
 * all there is to drive.
 *
 * One loop drives one interface, plus:
 *   - extra fds (an app's stdin, a signalfd, a second socket), each with a callback run
 *     when the fd is ready;
 *   - extra deadline sources: a callback saying when the source next has work and a
 *     callback run once that instant has come. The fault injector is one
 *     (tapir_loop_add_fault()): frames it holds back never make the device fd readable, so
 *     the loop must wake for them on time. An app's own timers (the next ping) are others.
 *
 * One round, tapir_loop_run_once(loop, max_wait_us):
 *   1. now = clock; tapir_iface_poll(iface, now): take what is already waiting and send
 *      what the caller queued since the last round;
 *   2. the wait: zero if step 1 received frames (the caller must see them before anyone
 *      sleeps) or a stop is pending, otherwise until the earliest of the interface's poll_at, every source's
 *      deadline and now + max_wait_us, or until an fd is ready, whichever comes first;
 *   3. now = clock; the callbacks of the ready extra fds, then of the due sources;
 *   4. tapir_iface_poll(iface, now) again: the frame that woke the loop is processed (a
 *      reply is in its socket when run_once returns), frames a source released (the fault
 *      injector's) come in, and what the callbacks queued goes out.
 * It returns a mask of enum tapir_loop_wake saying what happened, or a negative error.
 *
 * Time: the loop reads the struct tapir_clock it was given (CLOCK_MONOTONIC by default)
 * and passes that `now` to the interface and the callbacks. epoll itself sleeps in real
 * time: a wait is "deadline - now" of the clock's microseconds, slept on the real clock.
 * With a virtual clock, time does not move while the loop sleeps, so a test drives the
 * loop with max_wait_us = 0 (never sleep; readiness is still seen), moves its clock, and
 * runs again. Waits have microsecond resolution where the kernel has epoll_pwait2()
 * (Linux 5.11), otherwise they are rounded up to the next millisecond: the loop wakes at
 * or after a deadline, never before it.
 *
 * Devices without an fd (fd() is -1: the in-memory pair) give the loop nothing to sleep
 * on: frames that reach them are seen only when the loop polls, that is at the start of
 * every round, at the next deadline, or when max_wait_us runs out (or an extra fd wakes
 * it). With the pair both ends live in the caller's thread, so every frame is already
 * queued when run_once starts and step 1 finds it; pass max_wait_us = 0 to never sleep.
 *
 * Level-triggered: a device that keeps frames readable (more than one poll takes, or a
 * fault injector whose rx hold storage is full of delayed frames and reads no more) keeps
 * the fd ready, and the loop runs round after round without sleeping until it drains.
 *
 * Ownership: the loop struct, every handle and every callback context belong to the
 * caller, and must stay where they are while registered. The loop owns the epoll fd and an
 * eventfd (for tapir_loop_stop()), both closed by tapir_loop_close(); the interface, its
 * device fd and the extra fds remain the caller's (close() never closes them).
 * Single-threaded: every function but tapir_loop_stop() is called from one thread, and
 * never from a callback except tapir_loop_add_*() / tapir_loop_del_*() / _stop().
 */
#ifndef TAPIR_LOOP_H
#define TAPIR_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "tapir/iface.h"
#include "tapir/phy/fault.h"
#include "tapir/time.h"

/* What a round did: tapir_loop_run_once() returns a mask of these. TIMEOUT means the
 * wait was not cut short by readiness and ended before any deadline: max_wait_us ran out
 * (or, on a virtual clock, the real time slept did not move the clock to the deadline).
 * 0 means the round was woken by something that came to nothing (the device fd was
 * readable but its frame was held back by a fault injector, or read by someone else). */
enum tapir_loop_wake {
    TAPIR_LOOP_RX = 1 << 0,       /* the interface received at least one frame */
    TAPIR_LOOP_FD = 1 << 1,       /* at least one extra fd's callback ran */
    TAPIR_LOOP_DEADLINE = 1 << 2, /* the interface's deadline came, or a source's due() ran */
    TAPIR_LOOP_TIMEOUT = 1 << 3,  /* the wait ran its length without reaching a deadline */
    TAPIR_LOOP_SIGNAL = 1 << 4,   /* the wait was interrupted by a signal (EINTR) */
    TAPIR_LOOP_STOP = 1 << 5,     /* tapir_loop_stop() was called */
};

/* Readiness of an extra fd, asked for in tapir_loop_add_fd() and reported to its
 * callback. ERR and HUP are always reported, asked or not (as epoll does). */
enum tapir_loop_events {
    TAPIR_LOOP_IN = 1 << 0,  /* readable */
    TAPIR_LOOP_OUT = 1 << 1, /* writable */
    TAPIR_LOOP_ERR = 1 << 2, /* an error condition */
    TAPIR_LOOP_HUP = 1 << 3, /* hang up (the writer closed a pipe, ...) */
};

/* Called when `fd` is ready with `events` (enum tapir_loop_events); `now` is the round's
 * time. Level-triggered: it runs again next round unless it consumed what made the fd
 * ready. */
typedef void (*tapir_loop_fd_fn)(void *ctx, int fd, unsigned events, tapir_instant now);

/* When the source next has work: an instant (at or before `now` means "now"), or
 * TAPIR_INSTANT_NEVER. Asked every round, so it may change at any time. */
typedef tapir_instant (*tapir_loop_at_fn)(void *ctx, tapir_instant now);
/* Run once the source's instant has come. If it leaves the instant at or before `now`,
 * the next round does not sleep. */
typedef void (*tapir_loop_due_fn)(void *ctx, tapir_instant now);

/* An extra fd, caller-allocated; fields are private (set by tapir_loop_add_fd()). */
struct tapir_loop_fd {
    int fd;
    unsigned events;
    tapir_loop_fd_fn fn;
    void *ctx;
    struct tapir_loop_fd *next;
};

/* A deadline source, caller-allocated; fields are private (tapir_loop_add_source()). */
struct tapir_loop_source {
    tapir_loop_at_fn at;
    tapir_loop_due_fn due;
    void *ctx;
    struct tapir_loop_source *next;
};

/* The loop. Allocated by the caller; fields are private (use the functions). */
struct tapir_loop {
    int epoll_fd;
    int wake_fd; /* eventfd: tapir_loop_stop() writes it so a sleeping wait returns */
    struct tapir_clock clock;
    struct tapir_iface *iface;
    int iface_fd; /* its device fd as registered, or -1 */
    struct tapir_loop_fd *fds;
    struct tapir_loop_source *sources;
    /* While callbacks run: the round's ready handles (so a handle deleted by an earlier
     * callback is not called) and the next source to visit. */
    struct tapir_loop_fd **ready;
    int ready_count;
    struct tapir_loop_source *next_source;
    bool no_pwait2; /* the kernel lacks epoll_pwait2(): waits in milliseconds */
    volatile sig_atomic_t stop;
};

/* Creates the epoll fd and the eventfd. `clock` may be NULL: CLOCK_MONOTONIC
 * (tapir_monotonic_clock()). Returns 0 or -errno (then nothing is left open). */
int tapir_loop_init(struct tapir_loop *loop, const struct tapir_clock *clock);

/* Closes the epoll fd and the eventfd, and forgets the interface, fds and sources (whose
 * own fds stay open). Safe on a loop whose init failed, and twice. */
void tapir_loop_close(struct tapir_loop *loop);

/* The interface the loop polls (its device fd, if any, is watched for input); NULL
 * detaches it. Replaces a previous one. Returns 0, or -errno from epoll_ctl(). */
int tapir_loop_set_iface(struct tapir_loop *loop, struct tapir_iface *iface);

/* Watches `fd` for `events` (TAPIR_LOOP_IN and/or TAPIR_LOOP_OUT) and calls fn(ctx, ...)
 * when it is ready. `h` is the caller's handle, unused until tapir_loop_del_fd().
 * Returns 0, TAPIR_EINVAL (NULL h or fn, fd < 0, no events, h already registered), or
 * -errno from epoll_ctl() (-EEXIST: the fd is already watched by this loop, -EPERM: a
 * regular file, which epoll cannot watch). */
int tapir_loop_add_fd(struct tapir_loop *loop, struct tapir_loop_fd *h, int fd, unsigned events,
                      tapir_loop_fd_fn fn, void *ctx);

/* Stops watching h's fd; its callback is not called again, not even if it was ready in
 * the round being dispatched. Call it before closing the fd. Returns 0, or TAPIR_EINVAL
 * when h is not registered. */
int tapir_loop_del_fd(struct tapir_loop *loop, struct tapir_loop_fd *h);

/* Adds a deadline source: every round the loop asks at(ctx, now) and, once that instant
 * has come, calls due(ctx, now). Returns 0 or TAPIR_EINVAL (NULL h, at or due, or h
 * already registered). */
int tapir_loop_add_source(struct tapir_loop *loop, struct tapir_loop_source *h, tapir_loop_at_fn at,
                          tapir_loop_due_fn due, void *ctx);

/* Removes a source; its due() is not called again, not even later in this round.
 * Returns 0 or TAPIR_EINVAL when h is not registered. */
int tapir_loop_del_source(struct tapir_loop *loop, struct tapir_loop_source *h);

/* Registers the fault injector `f` as a source: at = tapir_fault_poll_at(f), due =
 * tapir_fault_poll(f) (held tx frames go to the inner device; held rx frames come in with
 * the interface poll that ends the round). `h` is the caller's handle. */
int tapir_loop_add_fault(struct tapir_loop *loop, struct tapir_loop_source *h,
                         struct tapir_fault *f);

/* The earliest instant at which the interface or a source has work (never before
 * `now`), or TAPIR_INSTANT_NEVER: what the next round would sleep until, max_wait aside. */
tapir_instant tapir_loop_poll_at(const struct tapir_loop *loop, tapir_instant now);

/* One round (see the top of this file). max_wait_us bounds the sleep: 0 never sleeps,
 * a negative value sleeps as long as nothing is due or ready (forever if nothing ever
 * is). Returns a mask of enum tapir_loop_wake, or a negative error: the
 * interface poll's device error (-errno / TAPIR_E*) or epoll_wait()'s -errno. An
 * interrupting signal is not an error: it returns TAPIR_LOOP_SIGNAL. */
int tapir_loop_run_once(struct tapir_loop *loop, tapir_instant max_wait_us);

/* Rounds until tapir_loop_stop() or until the clock reaches `until`
 * (TAPIR_INSTANT_NEVER: only a stop ends it); each round sleeps at most until `until`.
 * Signals do not end it: a handler that wants it to return calls tapir_loop_stop().
 * Returns TAPIR_LOOP_STOP or TAPIR_LOOP_TIMEOUT (`until` came), or the first negative
 * error of a round. With a virtual clock, time moves only if a callback moves it. */
int tapir_loop_run(struct tapir_loop *loop, tapir_instant until);

/* Asks the loop to stop: the round in progress (or the next one, if none is) does not
 * sleep, or stops sleeping, and reports TAPIR_LOOP_STOP; the request is then cleared (one
 * stop, one report). Safe from a callback and from a signal handler: it is
 * async-signal-safe (it sets a flag and writes the eventfd, so even a wait that began just
 * after the flag was last checked returns) and leaves errno as it was. */
void tapir_loop_stop(struct tapir_loop *loop);

#endif
