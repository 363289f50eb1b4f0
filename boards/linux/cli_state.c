/*
 * Opening the state file read-only through the agent, for export/status.
 */
#include "cli_state.h"

#include <string.h>

acme_status_t cli_state_open(cli_state_t *s, const char *path)
{
    memset(&s->cfg, 0, sizeof(s->cfg));
    acme_status_t st = cli_open_state(&s->pp, &s->port, &s->flash, path, false);
    if (st != ACME_OK) {
        return st;
    }
    st = acme_agent_init(&s->agent, &s->cfg, &s->port, s->arena, sizeof(s->arena));
    if (st != ACME_OK) {
        acme_posix_port_deinit(&s->pp);
    }
    return st;
}

void cli_state_close(cli_state_t *s)
{
    acme_agent_deinit(&s->agent);
    acme_posix_port_deinit(&s->pp);
}
