/* The optional event loop (see include/tapir/loop.h): epoll on the device fd and the
 * caller's fds, woken by an eventfd on stop, sleeping until the earliest deadline. Like
 * src/phy this is glue outside the core: the one part of the library that sleeps. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "tapir/error.h"
#include "tapir/loop.h"

/* Events taken from the kernel per wait; more stay ready (level-triggered) for the next. */
#define LOOP_EVENTS 16

/* epoll_pwait2() (Linux 5.11) takes a timespec: waits to the microsecond. glibc has the
 * wrapper from 2.35; elsewhere the loop always rounds up to milliseconds. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#define LOOP_HAVE_PWAIT2 1
#else
#define LOOP_HAVE_PWAIT2 0
#endif

static tapir_instant loop_now(const struct tapir_loop *loop)
{
    return loop->clock.now_us(loop->clock.ctx);
}

static uint32_t to_epoll(unsigned events)
{
    uint32_t e = 0;
    if (events & TAPIR_LOOP_IN)
        e |= EPOLLIN;
    if (events & TAPIR_LOOP_OUT)
        e |= EPOLLOUT;
    return e;
}

static unsigned from_epoll(uint32_t e)
{
    unsigned events = 0;
    if (e & (EPOLLIN | EPOLLPRI | EPOLLRDHUP))
        events |= TAPIR_LOOP_IN;
    if (e & EPOLLOUT)
        events |= TAPIR_LOOP_OUT;
    if (e & EPOLLERR)
        events |= TAPIR_LOOP_ERR;
    if (e & EPOLLHUP)
        events |= TAPIR_LOOP_HUP;
    return events;
}

/* Empties the eventfd (one read resets its counter); EAGAIN when already empty. */
static void drain_wake(const struct tapir_loop *loop)
{
    uint64_t count;
    ssize_t r = read(loop->wake_fd, &count, sizeof count);
    (void)r;
}

int tapir_loop_init(struct tapir_loop *loop, const struct tapir_clock *clock)
{
    if (!loop)
        return TAPIR_EINVAL;
    loop->epoll_fd = -1;
    loop->wake_fd = -1;
    loop->clock = clock && clock->now_us ? *clock : tapir_monotonic_clock();
    loop->iface = NULL;
    loop->iface_fd = -1;
    loop->fds = NULL;
    loop->sources = NULL;
    loop->ready = NULL;
    loop->ready_count = 0;
    loop->next_source = NULL;
    loop->no_pwait2 = !LOOP_HAVE_PWAIT2;
    loop->stop = 0;

    int rc;
    loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epoll_fd < 0)
        goto fail;
    loop->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (loop->wake_fd < 0)
        goto fail;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &loop->wake_fd};
    if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->wake_fd, &ev) < 0)
        goto fail;
    return 0;
fail:
    rc = -errno;
    tapir_loop_close(loop);
    return rc;
}

void tapir_loop_close(struct tapir_loop *loop)
{
    if (!loop)
        return;
    if (loop->epoll_fd >= 0)
        close(loop->epoll_fd);
    if (loop->wake_fd >= 0)
        close(loop->wake_fd);
    loop->epoll_fd = -1;
    loop->wake_fd = -1;
    loop->iface = NULL;
    loop->iface_fd = -1;
    loop->fds = NULL;
    loop->sources = NULL;
    loop->ready = NULL;
    loop->ready_count = 0;
    loop->next_source = NULL;
}

int tapir_loop_set_iface(struct tapir_loop *loop, struct tapir_iface *iface)
{
    if (!loop)
        return TAPIR_EINVAL;
    int fd = iface ? tapir_device_fd(iface->cfg.device) : -1;
    if (fd >= 0 && fd != loop->iface_fd) {
        /* The device fd's data pointer is &loop->iface_fd: no handle has that address. */
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &loop->iface_fd};
        if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
            return -errno;
    }
    if (loop->iface_fd >= 0 && loop->iface_fd != fd) {
        struct epoll_event ev = {0};
        (void)epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, loop->iface_fd, &ev);
    }
    loop->iface = iface;
    loop->iface_fd = fd;
    return 0;
}

static bool fd_registered(const struct tapir_loop *loop, const struct tapir_loop_fd *h)
{
    for (const struct tapir_loop_fd *p = loop->fds; p; p = p->next)
        if (p == h)
            return true;
    return false;
}

int tapir_loop_add_fd(struct tapir_loop *loop, struct tapir_loop_fd *h, int fd, unsigned events,
                      tapir_loop_fd_fn fn, void *ctx)
{
    if (!loop || !h || !fn || fd < 0 || !to_epoll(events) || fd_registered(loop, h))
        return TAPIR_EINVAL;
    struct epoll_event ev = {.events = to_epoll(events), .data.ptr = h};
    if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
        return -errno;
    h->fd = fd;
    h->events = events;
    h->fn = fn;
    h->ctx = ctx;
    h->next = loop->fds;
    loop->fds = h;
    return 0;
}

int tapir_loop_del_fd(struct tapir_loop *loop, struct tapir_loop_fd *h)
{
    if (!loop || !h)
        return TAPIR_EINVAL;
    struct tapir_loop_fd **pp = &loop->fds;
    while (*pp && *pp != h)
        pp = &(*pp)->next;
    if (!*pp)
        return TAPIR_EINVAL;
    *pp = h->next;
    h->next = NULL;
    /* The fd may already be closed (epoll forgot it then): nothing to undo. */
    struct epoll_event ev = {0};
    (void)epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, h->fd, &ev);
    /* Ready in the round being dispatched: its callback must not run after this. */
    for (int i = 0; i < loop->ready_count; i++)
        if (loop->ready[i] == h)
            loop->ready[i] = NULL;
    return 0;
}

int tapir_loop_add_source(struct tapir_loop *loop, struct tapir_loop_source *h, tapir_loop_at_fn at,
                          tapir_loop_due_fn due, void *ctx)
{
    if (!loop || !h || !at || !due)
        return TAPIR_EINVAL;
    for (const struct tapir_loop_source *p = loop->sources; p; p = p->next)
        if (p == h)
            return TAPIR_EINVAL;
    h->at = at;
    h->due = due;
    h->ctx = ctx;
    /* At the head: a source added by a due() callback waits for the next round. */
    h->next = loop->sources;
    loop->sources = h;
    return 0;
}

int tapir_loop_del_source(struct tapir_loop *loop, struct tapir_loop_source *h)
{
    if (!loop || !h)
        return TAPIR_EINVAL;
    struct tapir_loop_source **pp = &loop->sources;
    while (*pp && *pp != h)
        pp = &(*pp)->next;
    if (!*pp)
        return TAPIR_EINVAL;
    *pp = h->next;
    if (loop->next_source == h)
        loop->next_source = h->next;
    h->next = NULL;
    return 0;
}

static tapir_instant fault_at(void *ctx, tapir_instant now)
{
    (void)now;
    return tapir_fault_poll_at(ctx);
}

static void fault_due(void *ctx, tapir_instant now)
{
    (void)now;
    /* An inner device refusing frames is not the loop's error: they stay held and the
     * fault injector's deadline keeps the loop coming back. */
    (void)tapir_fault_poll(ctx);
}

int tapir_loop_add_fault(struct tapir_loop *loop, struct tapir_loop_source *h,
                         struct tapir_fault *f)
{
    if (!f)
        return TAPIR_EINVAL;
    return tapir_loop_add_source(loop, h, fault_at, fault_due, f);
}

static tapir_instant iface_at(const struct tapir_loop *loop, tapir_instant now)
{
    return loop->iface ? tapir_iface_poll_at(loop->iface, now) : TAPIR_INSTANT_NEVER;
}

tapir_instant tapir_loop_poll_at(const struct tapir_loop *loop, tapir_instant now)
{
    tapir_instant at = iface_at(loop, now);
    for (const struct tapir_loop_source *s = loop->sources; s; s = s->next) {
        tapir_instant t = s->at(s->ctx, now);
        if (t < at)
            at = t;
    }
    return at < now ? now : at;
}

/* Waits up to wait_us (< 0: no limit). Returns the count of events, or -errno. */
static int loop_wait(struct tapir_loop *loop, struct epoll_event *ev, tapir_instant wait_us)
{
#if LOOP_HAVE_PWAIT2
    if (!loop->no_pwait2) {
        struct timespec ts;
        if (wait_us >= 0) {
            ts.tv_sec = (time_t)(wait_us / TAPIR_US_PER_S);
            ts.tv_nsec = (long)(wait_us % TAPIR_US_PER_S) * 1000;
        }
        int n = epoll_pwait2(loop->epoll_fd, ev, LOOP_EVENTS, wait_us >= 0 ? &ts : NULL, NULL);
        if (n >= 0)
            return n;
        if (errno != ENOSYS)
            return -errno;
        loop->no_pwait2 = true; /* an older kernel: milliseconds from now on */
    }
#endif
    int timeout_ms = -1;
    if (wait_us >= 0) {
        /* Rounded up, so a timed-out wait has reached its deadline. */
        tapir_instant ms = (wait_us + TAPIR_US_PER_MS - 1) / TAPIR_US_PER_MS;
        timeout_ms = ms > INT_MAX ? INT_MAX : (int)ms;
    }
    int n = epoll_wait(loop->epoll_fd, ev, LOOP_EVENTS, timeout_ms);
    return n >= 0 ? n : -errno;
}

int tapir_loop_run_once(struct tapir_loop *loop, tapir_instant max_wait_us)
{
    if (!loop || loop->epoll_fd < 0)
        return TAPIR_EINVAL;
    int mask = 0;

    /* 1. What is already waiting, and what the caller queued since the last round. */
    tapir_instant now = loop_now(loop);
    if (loop->iface) {
        int rc = tapir_iface_poll(loop->iface, now);
        if (rc < 0)
            return rc;
        if (rc > 0)
            mask |= TAPIR_LOOP_RX;
    }

    /* 2. Sleep until the earliest deadline, max_wait or readiness. Not at all when frames
     * just came in (the caller acts on them first) or a stop is pending. */
    tapir_instant deadline = tapir_loop_poll_at(loop, now);
    tapir_instant wait_us = deadline == TAPIR_INSTANT_NEVER ? -1 : deadline - now;
    if (max_wait_us >= 0 && (wait_us < 0 || max_wait_us < wait_us))
        wait_us = max_wait_us;
    bool no_sleep = mask || loop->stop;
    if (no_sleep)
        wait_us = 0;
    struct epoll_event ev[LOOP_EVENTS];
    int n = loop_wait(loop, ev, wait_us);
    bool timed_out = n == 0 && !no_sleep;
    if (n == -EINTR) {
        mask |= TAPIR_LOOP_SIGNAL;
        n = 0;
    } else if (n < 0) {
        return n;
    }

    /* 3. Callbacks: ready fds first (their input may be what a source waits for), then
     * due sources. The device fd needs none: step 4 reads it. */
    now = loop_now(loop);
    if (now >= deadline)
        mask |= TAPIR_LOOP_DEADLINE;
    struct tapir_loop_fd *ready[LOOP_EVENTS];
    unsigned revents[LOOP_EVENTS];
    int count = 0;
    for (int i = 0; i < n; i++) {
        void *p = ev[i].data.ptr;
        if (p == &loop->wake_fd) {
            /* A stop with no flag (already reported): emptied so it wakes no one again. */
            if (!loop->stop)
                drain_wake(loop);
        } else if (p != &loop->iface_fd) {
            ready[count] = p;
            revents[count] = from_epoll(ev[i].events);
            count++;
        }
    }
    loop->ready = ready;
    loop->ready_count = count;
    for (int i = 0; i < count; i++) {
        struct tapir_loop_fd *h = ready[i];
        if (!h)
            continue; /* deleted by an earlier callback of this round */
        ready[i] = NULL;
        h->fn(h->ctx, h->fd, revents[i], now);
        mask |= TAPIR_LOOP_FD;
    }
    loop->ready = NULL;
    loop->ready_count = 0;
    for (struct tapir_loop_source *s = loop->sources; s; s = loop->next_source) {
        loop->next_source = s->next; /* del_source() moves it on if it removes that one */
        if (s->at(s->ctx, now) <= now) {
            s->due(s->ctx, now);
            mask |= TAPIR_LOOP_DEADLINE;
        }
    }
    loop->next_source = NULL;

    /* 4. The frame that woke us, frames a source released, and what the callbacks sent. */
    if (loop->iface) {
        int rc = tapir_iface_poll(loop->iface, now);
        if (rc < 0)
            return rc;
        if (rc > 0)
            mask |= TAPIR_LOOP_RX;
    }

    if (loop->stop) {
        /* Flag first, eventfd second: a stop landing in between leaves the flag set, and
         * the next round's wait is zero. */
        loop->stop = 0;
        drain_wake(loop);
        mask |= TAPIR_LOOP_STOP;
    }
    /* The wait ran its length and no deadline had come: max_wait_us ran out (or, on a
     * virtual clock, the real time slept did not move the clock). */
    if (timed_out && now < deadline)
        mask |= TAPIR_LOOP_TIMEOUT;
    return mask;
}

int tapir_loop_run(struct tapir_loop *loop, tapir_instant until)
{
    if (!loop)
        return TAPIR_EINVAL;
    for (;;) {
        tapir_instant now = loop_now(loop);
        if (now >= until)
            return TAPIR_LOOP_TIMEOUT;
        int rc = tapir_loop_run_once(loop, until == TAPIR_INSTANT_NEVER ? -1 : until - now);
        if (rc < 0)
            return rc;
        if (rc & TAPIR_LOOP_STOP)
            return TAPIR_LOOP_STOP;
    }
}

void tapir_loop_stop(struct tapir_loop *loop)
{
    int saved = errno;
    loop->stop = 1;
    if (loop->wake_fd >= 0) {
        uint64_t one = 1;
        ssize_t r = write(loop->wake_fd, &one, sizeof one);
        (void)r;
    }
    errno = saved;
}
