/*
 * The renewal facts as JSON, for status and ari: the next action the agent
 * would take, and the ARI bookkeeping.
 */
#ifndef ACME_CLI_RENEWAL_JSON_H
#define ACME_CLI_RENEWAL_JSON_H

#include "acme/agent.h"
#include "acme/codec/json_writer.h"

/* "no certificate", "ari window", "lifetime", "backoff" (status's "why"). */
const char *cli_renew_why(uint8_t basis);

/* {"action":"issue|ari_check|wait","at":T,"why":...,"renew_at":T}: what
 * acme_agent_next() says, at: when (now for issue and ari_check), why: the
 * basis of the renewal plan, renew_at: the plan's time. */
void cli_json_next(acme_json_writer_t *w, const acme_next_step_t *next);

/* The members "window":{"start":T,"end":T}|null, "next_check":T|"never"|
 * null, "replaced":bool of an open object: the CA's suggested window
 * (RFC 9773), when the agent checks it next (null: not checked since the
 * certificate was installed, so at the next run; "never": the certificate
 * has expired or was replaced) and whether the CA said it was replaced. */
void cli_json_ari_members(acme_json_writer_t *w, const acme_renewal_info_t *r);

#endif /* ACME_CLI_RENEWAL_JSON_H */
