/*
 * Writing the installed certificate chain and its private key as PEM files:
 * what `acme-agent export` and the daemon's deploy step share.
 */
#ifndef ACME_CLI_EXPORT_H
#define ACME_CLI_EXPORT_H

#include "cli.h"

/* Make sure dir is a directory; a missing one is created 0700 (it will
 * hold a key). */
acme_status_t cli_export_dir(const char *dir);

/* Write dir/privkey.pem (0600) and then dir/fullchain.pem (0644) from the
 * agent's stored state, each replaced atomically (temp file, fsync,
 * rename, fsync of the directory). The key passes through one buffer that
 * is zeroised. ACME_ERR_NOT_FOUND when nothing is installed; on another
 * failure *failed_path names the file (NULL when reading the state
 * failed). */
acme_status_t cli_export_write(acme_agent_t *agent, const char *dir, const char **failed_path);

#endif /* ACME_CLI_EXPORT_H */
