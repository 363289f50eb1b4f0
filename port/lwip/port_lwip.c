/*
 * The lwIP port as a whole: init/deinit filling the agent's acme_port_t from
 * the stream, datagram and clock seams, and closing every socket.
 */
#include "lwip_internal.h"

#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

extern const acme_net_ops_t acme_lwip_net_ops;
extern const acme_udp_ops_t acme_lwip_udp_ops;
extern const acme_clock_ops_t acme_lwip_clock_ops;

static void close_all(void)
{
    /* Listeners first: releasing one also resets the connections still
     * waiting in its queue. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < ACME_LWIP_MAX_SOCKETS; i++) {
            acme_lwip_socket_t *s = &acme_lwip_state.sockets[i];
            if (pass == 0 && s->kind == ACME_LWIP_KIND_LISTENER) {
                acme_lwip_stream_release(s, false);
            } else if (pass == 1 && s->kind == ACME_LWIP_KIND_STREAM) {
                acme_lwip_stream_release(s, false);
            } else if (pass == 1 && s->kind == ACME_LWIP_KIND_UDP) {
                acme_lwip_udp_release(s);
            }
        }
    }
}

acme_status_t acme_lwip_port_init(acme_port_t *port, int64_t (*wall_s)(void),
                                  const acme_rng_ops_t *rng, void *rng_ctx)
{
    if (port == NULL || rng == NULL || rng->fill == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    close_all();
    acme_lwip_state.port = NULL;
    acme_lwip_state.wall_s = wall_s;
    acme_lwip_state.clock_last_raw = sys_now();
    acme_lwip_state.clock_ms = acme_lwip_state.clock_last_raw;

    acme_status_t st = acme_lwip_rng_seed(rng, rng_ctx);
    if (st != ACME_OK) {
        return st;
    }
    port->net = &acme_lwip_net_ops;
    port->net_ctx = &acme_lwip_state;
    port->udp = &acme_lwip_udp_ops;
    port->udp_ctx = &acme_lwip_state;
    port->clock = &acme_lwip_clock_ops;
    port->clock_ctx = &acme_lwip_state;
    acme_lwip_state.port = port;
    return ACME_OK;
}

void acme_lwip_port_deinit(void)
{
    close_all();
    acme_lwip_state.port = NULL;
}

int32_t acme_lwip_local_port(int32_t handle)
{
    if (handle < 0 || handle >= ACME_LWIP_MAX_SOCKETS) {
        return ACME_ERR_INVALID_ARG;
    }
    const acme_lwip_socket_t *s = &acme_lwip_state.sockets[handle];
    if ((s->kind == ACME_LWIP_KIND_STREAM || s->kind == ACME_LWIP_KIND_LISTENER) &&
        s->pcb.tcp != NULL) {
        return s->pcb.tcp->local_port;
    }
    if (s->kind == ACME_LWIP_KIND_UDP && s->pcb.udp != NULL) {
        return s->pcb.udp->local_port;
    }
    return ACME_ERR_INVALID_ARG;
}
