/*
 * fullchain.pem and privkey.pem from the stored state (see cli_export.h).
 */
#include "cli_export.h"

#include <stdio.h>
#include <sys/stat.h>

#include "crypto_zero.h"

acme_status_t cli_export_dir(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) != 0 && mkdir(dir, 0700) != 0) {
        return ACME_ERR_FLASH;
    }
    return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) ? ACME_OK : ACME_ERR_CONFIG;
}

acme_status_t cli_export_write(acme_agent_t *agent, const char *dir, const char **failed_path)
{
    static char chain[ACME_CHAIN_MAX + 1];
    static char key_pem[4096];
    static char path[4096];
    *failed_path = NULL;
    size_t chain_len = 0;
    size_t key_len = 0;
    acme_status_t st = acme_agent_read_chain(agent, chain, sizeof(chain), &chain_len);
    if (st == ACME_OK) {
        st = acme_agent_read_device_key_pem(agent, key_pem, sizeof(key_pem), &key_len);
    }
    if (st != ACME_OK) {
        cli_zero(key_pem, sizeof(key_pem));
        return st;
    }
    /* Two files, each atomic, the pair not: a server that reloads between
     * the renames may see the new key with the old chain. The deploy hook
     * runs after both, so a reload it triggers sees the pair. */
    snprintf(path, sizeof(path), "%s/privkey.pem", dir);
    st = cli_write_file_atomic(path, key_pem, key_len, 0600);
    cli_zero(key_pem, sizeof(key_pem));
    if (st == ACME_OK) {
        snprintf(path, sizeof(path), "%s/fullchain.pem", dir);
        st = cli_write_file_atomic(path, chain, chain_len, 0644);
    }
    if (st != ACME_OK) {
        *failed_path = path;
    }
    return st;
}
