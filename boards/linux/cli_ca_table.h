/*
 * The CA table from the command line: --ca-directory ISSUER=URL and
 * --eab ISSUER=KID:KEY build acme_ca_entry_t entries (one per issuer), and
 * --default-directory, --ca-cooldown, --seed fill the discovery settings.
 * Shared by issue and discover.
 */
#ifndef ACME_CLI_CA_TABLE_H
#define ACME_CLI_CA_TABLE_H

#include <stdbool.h>

#include "acme/agent.h"
#include "acme/codec/eab.h"

#define CLI_CA_MAX 8

typedef struct cli_ca_table {
    acme_ca_entry_t entries[CLI_CA_MAX];
    size_t count;
    uint8_t keys[CLI_CA_MAX][ACME_EAB_KEY_MAX];
    char kids[CLI_CA_MAX][ACME_EAB_KID_MAX + 1];
    char issuers[CLI_CA_MAX][ACME_URL_MAX + 1]; /* issuer, or a directory URL */
} cli_ca_table_t;

/* Handle one discovery option at argv[*i] (advancing *i past its value).
 * Returns 1 when it was one (cfg/table updated), 0 when it is not a
 * discovery option, -1 after printing an error. */
int cli_ca_option(int argc, char **argv, int *i, cli_ca_table_t *table,
                  acme_agent_config_t *cfg);

/* Point cfg at the table. */
void cli_ca_apply(cli_ca_table_t *table, acme_agent_config_t *cfg);

/* Zeroise the EAB keys. */
void cli_ca_clear(cli_ca_table_t *table);

/* Usage lines for the options above. */
extern const char cli_ca_usage[];

#endif /* ACME_CLI_CA_TABLE_H */
