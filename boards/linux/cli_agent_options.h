/*
 * Options that configure the agent the same way for issue and discover:
 * --domain, --trust, --dns-server, and the CA table (--ca-directory
 * ISSUER=URL and --eab ISSUER=KID:KEY[:ALG] build acme_ca_entry_t entries, one per
 * issuer; --default-directory, --ca-cooldown, --seed fill the discovery
 * settings).
 */
#ifndef ACME_CLI_AGENT_OPTIONS_H
#define ACME_CLI_AGENT_OPTIONS_H

#include <stdbool.h>

#include "acme/agent.h"
#include "acme/codec/eab.h"
#include "acme/codec/ip_addr.h"

#define CLI_CA_MAX 8

typedef struct cli_agent_options {
    const char *names[ACME_MAX_IDENTIFIERS];
    size_t name_count;
    const char *trust_path;
    acme_ip_addr_t dns_ip;
    acme_ca_entry_t entries[CLI_CA_MAX];
    size_t count;
    uint8_t keys[CLI_CA_MAX][ACME_EAB_KEY_MAX];
    char kids[CLI_CA_MAX][ACME_EAB_KID_MAX + 1];
    char issuers[CLI_CA_MAX][ACME_URL_MAX + 1]; /* issuer, or a directory URL */
} cli_agent_options_t;

/* Handle one of these options at argv[*i] (advancing *i past its value).
 * Returns 1 when it was one (o/cfg updated), 0 when it is not, -1 after
 * printing an error. */
int cli_agent_option(int argc, char **argv, int *i, cli_agent_options_t *o,
                     acme_agent_config_t *cfg);

/* Point cfg at the names and the CA table. */
void cli_agent_apply(cli_agent_options_t *o, acme_agent_config_t *cfg);

/* Zeroise the EAB keys. */
void cli_agent_clear(cli_agent_options_t *o);

/* Usage lines for the CA options. */
extern const char cli_ca_usage[];

#endif /* ACME_CLI_AGENT_OPTIONS_H */
