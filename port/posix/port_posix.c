/*
 * The POSIX port as a whole: reset the port struct and hand every seam
 * table, with the struct as context, to the agent's acme_port_t.
 */
#include "posix_internal.h"

#include <string.h>

acme_status_t acme_posix_port_init(acme_posix_port_t *pp, acme_port_t *port)
{
    if (pp == NULL || port == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    memset(pp, 0, sizeof(*pp));
    for (int i = 0; i < ACME_POSIX_MAX_SOCKETS; i++) {
        pp->sockets[i].fd = -1;
    }
    pp->flash.fd = -1;
    pp->log_threshold = ACME_LOG_INFO;

    memset(port, 0, sizeof(*port));
    port->net = &acme_posix_net_ops;
    port->net_ctx = pp;
    port->udp = &acme_posix_udp_ops;
    port->udp_ctx = pp;
    port->clock = &acme_posix_clock_ops;
    port->clock_ctx = pp;
    port->rng = &acme_posix_rng_ops;
    port->rng_ctx = pp;
    port->wait = &acme_posix_wait_ops;
    port->wait_ctx = pp;
    port->log = &acme_posix_log_ops;
    port->log_ctx = pp;
    /* flash: installed by acme_posix_flash_open() */
    return ACME_OK;
}

acme_status_t acme_posix_port_deinit(acme_posix_port_t *pp)
{
    if (pp == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    acme_posix_flash_close(pp, NULL);
    return acme_posix_slots_close_all(pp);
}
