/*
 * The lwIP port as a whole: its one instance, the socket table shared by
 * streams, listeners and UDP sockets (one handle space, like port/posix),
 * init/deinit filling the agent's acme_port_t, and small shared helpers.
 */
#include "lwip_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

extern const acme_net_ops_t acme_lwip_net_ops;
extern const acme_udp_ops_t acme_lwip_udp_ops;
extern const acme_clock_ops_t acme_lwip_clock_ops;

acme_lwip_port_t acme_lwip_state;

int32_t acme_lwip_slot_alloc(void)
{
    for (int32_t i = 0; i < ACME_LWIP_MAX_SOCKETS; i++) {
        if (acme_lwip_state.sockets[i].kind == ACME_LWIP_KIND_FREE) {
            return i;
        }
    }
    ACME_LWIP_LOG(ACME_LOG_ERROR,
                  "lwip port: socket table full (%d in use); close handles or raise "
                  "ACME_LWIP_MAX_SOCKETS",
                  ACME_LWIP_MAX_SOCKETS);
    return ACME_ERR_NO_MEMORY;
}

acme_lwip_socket_t *acme_lwip_slot_claim(int32_t handle, uint8_t kind)
{
    acme_lwip_socket_t *s = &acme_lwip_state.sockets[handle];
    uint16_t generation = s->generation;
    memset(s, 0, sizeof(*s));
    s->generation = generation;
    s->kind = kind;
    return s;
}

acme_lwip_socket_t *acme_lwip_slot_get(int32_t handle, uint8_t kind)
{
    if (handle < 0 || handle >= ACME_LWIP_MAX_SOCKETS) {
        return NULL;
    }
    acme_lwip_socket_t *s = &acme_lwip_state.sockets[handle];
    /* A connection still waiting in a listener's queue is not the caller's
     * until accept() returns it. */
    if (s->kind != kind || s->pending_on != 0) {
        return NULL;
    }
    return s;
}

int32_t acme_lwip_slot_index(const acme_lwip_socket_t *s)
{
    return (int32_t)(s - acme_lwip_state.sockets);
}

void acme_lwip_slot_free(acme_lwip_socket_t *s)
{
    uint16_t generation = (uint16_t)(s->generation + 1u);
    memset(s, 0, sizeof(*s));
    s->generation = generation;
    s->kind = ACME_LWIP_KIND_FREE;
}

uint16_t acme_lwip_random_port(void)
{
    /* 16384 ports: a power of two, so the modulo has no bias. */
    return (uint16_t)(0xC000u + (acme_lwip_rand() & 0x3FFFu));
}

bool acme_lwip_to_ip(const acme_ip_addr_t *in, ip_addr_t *out)
{
    if (in == NULL || in->family != ACME_IP_V4) {
        return false;
    }
    IP_ADDR4(out, in->bytes[0], in->bytes[1], in->bytes[2], in->bytes[3]);
    return true;
}

void acme_lwip_from_ip(const ip_addr_t *in, acme_ip_addr_t *out)
{
    memset(out, 0, sizeof(*out));
    out->family = ACME_IP_V4;
    /* ip4_addr holds the address in network order: its bytes are the
     * address bytes. */
    uint32_t raw = ip4_addr_get_u32(ip_2_ip4(in));
    memcpy(out->bytes, &raw, 4);
}

#if defined(ACME_LOG_LEVEL) && ACME_LOG_LEVEL > 0
void acme_lwip_logf(acme_log_level_t level, const char *fmt, ...)
{
    const acme_port_t *port = acme_lwip_state.port;
    if (port == NULL || port->log == NULL || port->log->write == NULL) {
        return;
    }
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    port->log->write(port->log_ctx, level, line);
}
#endif

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
