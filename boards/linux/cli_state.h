/*
 * The stored state opened read-only (no directory, no names): what export,
 * status, revoke and deactivate need. Large members make it a static object in the command.
 */
#ifndef ACME_CLI_STATE_H
#define ACME_CLI_STATE_H

#include "cli.h"

/* Reading keys and certificates needs far less arena than an issuance;
 * revoke and deactivate open the state this way too, and their TLS
 * handshake needs about as much as an issuance's. */
#define CLI_STATE_ARENA (64u * 1024u)

typedef struct cli_state {
    acme_posix_port_t pp;
    acme_port_t port;
    cli_flash_t flash;
    acme_agent_config_t cfg;
    acme_agent_t agent;
    uint8_t arena[CLI_STATE_ARENA];
} cli_state_t;

acme_status_t cli_state_open(cli_state_t *s, const char *path);
void cli_state_close(cli_state_t *s);

#endif /* ACME_CLI_STATE_H */
