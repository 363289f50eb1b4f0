/*
 * The lwIP port's one instance and its socket table, shared by streams,
 * listeners and UDP sockets (one handle space, like port/posix), with the
 * small helpers every seam file uses: address conversion and the port's log.
 */
#include "lwip_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
    char line[ACME_LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    port->log->write(port->log_ctx, level, line);
}
#endif
