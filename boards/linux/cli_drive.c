/*
 * The poll loop of one run, with a way out for SIGTERM (see cli_drive.h).
 */
#include "cli_drive.h"

#include "cli_signal.h"

/* The agent's own deadlines end a run long before this; it only bounds a
 * run whose engines would never end (acme_agent_run has the same bound). */
static uint64_t give_up_after_ms(void)
{
    return (uint64_t)(ACME_DISCOVERY_CANDIDATES_MAX + 1) *
           (ACME_ISSUE_TIMEOUT_MS + ACME_IO_TIMEOUT_MS);
}

acme_status_t cli_drive(acme_agent_t *agent, const acme_port_t *port, cli_run_kind_t kind,
                        bool *stopped)
{
    *stopped = false;
    uint64_t start = port->clock->now_ms(port->clock_ctx);
    acme_status_t st = ACME_ERR_INVALID_ARG;
    if (kind == CLI_RUN_ISSUE) {
        st = acme_agent_start_issue(agent, start);
    }
#if ACME_ENABLE_ARI
    if (kind == CLI_RUN_ARI) {
        st = acme_agent_start_ari(agent, start);
    }
#endif
#if ACME_ENABLE_ACCOUNT_ADMIN
    if (kind == CLI_RUN_ROLLOVER) {
        st = acme_agent_start_rollover(agent, start);
    }
#endif
    while (st == ACME_WOULD_BLOCK) {
        if (cli_stop_signal() != 0) {
            *stopped = true;
            return ACME_ERR_BAD_STATE;
        }
        uint64_t now = port->clock->now_ms(port->clock_ctx);
        uint32_t sleep_ms = 0;
        st = acme_agent_poll(agent, now, &sleep_ms);
        if (st != ACME_WOULD_BLOCK) {
            break;
        }
        if (now - start > give_up_after_ms()) {
            return ACME_ERR_TIMEOUT;
        }
        if (sleep_ms > 0) {
            cli_signals_unblock();
            if (cli_stop_signal() == 0) {
                port->wait->wait(port->wait_ctx,
                                 sleep_ms < CLI_DRIVE_NAP_MS ? sleep_ms : CLI_DRIVE_NAP_MS);
            }
            cli_signals_block();
        }
    }
    return st;
}
