/*
 * The device secret that seals private keys at rest, for the Linux board
 * (cli_secret.c).
 */
#ifndef ACME_CLI_SECRET_H
#define ACME_CLI_SECRET_H

#include <stddef.h>

#include "acme/port.h"
#include "acme/status.h"

/* Give the port the device secret that seals private keys at rest when
 * ACME_AGENT_SEAL_KEY_FILE names one; ACME_OK also when it is unset.
 * ACME_ERR_CONFIG with the reason in why when the file is unusable.
 * cli_open_state calls it. */
acme_status_t cli_secret_attach(acme_port_t *port, char *why, size_t why_cap);

#endif /* ACME_CLI_SECRET_H */
