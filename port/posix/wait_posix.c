/*
 * Wait seam of the POSIX port: one poll(2) over every socket in the table,
 * for the blocking helper acme_agent_run() only.
 */
#include "posix_internal.h"

#include <limits.h>
#include <poll.h>

/* While a name lookup runs there is no descriptor to poll (glibc finishes
 * it on a thread of its own), so wake this often to notice its end. */
#define RESOLVE_CHECK_MS 10

static void port_wait(void *ctx, uint32_t max_ms)
{
    acme_posix_port_t *pp = ctx;
    if (pp == NULL) {
        return;
    }
    acme_posix_slots_reap(pp);
    int timeout = max_ms > (uint32_t)INT_MAX ? INT_MAX : (int)max_ms;
    struct pollfd fds[ACME_POSIX_MAX_SOCKETS];
    nfds_t n = 0;
    for (int i = 0; i < ACME_POSIX_MAX_SOCKETS; i++) {
        acme_posix_socket_t *s = &pp->sockets[i];
        short events = 0;
        switch (s->kind) {
        case ACME_POSIX_KIND_STREAM:
            if (s->state == ACME_POSIX_STATE_RESOLVING) {
                /* A finished lookup starts its connect here, so that the
                 * new descriptor is polled below. */
                (void)acme_posix_stream_progress(pp, s);
            }
            if (s->state == ACME_POSIX_STATE_RESOLVING) {
                if (timeout > RESOLVE_CHECK_MS) {
                    timeout = RESOLVE_CHECK_MS;
                }
            } else if (s->state == ACME_POSIX_STATE_FAILED) {
                timeout = 0; /* a failure is waiting to be reported */
            } else if (s->state == ACME_POSIX_STATE_CONNECTING) {
                events = POLLOUT; /* writable = the connect has ended */
            } else {
                events = (short)(POLLIN | (s->want_write ? POLLOUT : 0));
            }
            break;
        case ACME_POSIX_KIND_LISTENER:
            events = POLLIN;
            break;
        case ACME_POSIX_KIND_UDP:
            events = (short)(POLLIN | (s->want_write ? POLLOUT : 0));
            break;
        default:
            break;
        }
        if (events != 0 && s->fd >= 0) {
            fds[n].fd = s->fd;
            fds[n].events = events;
            fds[n].revents = 0;
            n++;
        }
    }
    /* EINTR or any other failure just ends the wait early: the caller polls
     * the agent and comes back. */
    (void)poll(fds, n, timeout);
}

const acme_wait_ops_t acme_posix_wait_ops = {
    .wait = port_wait,
};
