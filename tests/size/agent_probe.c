/*
 * Size probe: everything a firmware calls in the agent, linked alone with
 * --gc-sections, so that the map shows exactly the agent code a device
 * carries (mbedTLS, cJSON and the port are left unresolved and not counted).
 * Built in cross builds only; tools/size_report.py reads its map.
 */
#include "acme/agent.h"

static acme_agent_t agent;
static uint8_t arena[48 * 1024];

int main(void);

int main(void)
{
    static const acme_agent_config_t cfg;
    static const acme_port_t port;
    acme_cert_info_t info;
    acme_ca_info_t ca;
    char text[64];
    size_t len = 0;
    uint32_t sleep_ms = 0;
    acme_agent_init(&agent, &cfg, &port, arena, sizeof(arena));
    acme_agent_start_issue(&agent, 0);
    acme_agent_poll(&agent, 0, &sleep_ms);
    acme_agent_http01_lookup(&agent, text, sizeof(text), text, sizeof(text), &len);
    acme_agent_cert_info(&agent, &info);
    acme_agent_ca_info(&agent, &ca);
    acme_agent_problem(&agent);
    acme_agent_deinit(&agent);
    return (int)acme_strerror(ACME_ERR_TLS)[0];
}
