/*
 * Parsing the options shared by issue and discover into the agent's
 * configuration.
 */
#include "cli_agent_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/codec/eab_text.h"
#include "cli.h"
#include "crypto_zero.h"

const char cli_ca_usage[] =
    "  --ca-directory ISSUER=URL  directory of a CA named in CAA (instead of\n"
    "                      https://ISSUER/.well-known/acme); repeatable\n"
    "  --eab ISSUER=KID:KEY[:ALG]  external account binding for that CA; ISSUER may\n"
    "                      also be the --directory URL; repeatable. KEY as the CA\n"
    "                      gave it: base64url, or prefixed hex:KEY, base64:KEY\n"
    "                      (standard alphabet), base64url:KEY; ALG is the MAC the\n"
    "                      CA asks for: HS256 (default), HS384 or HS512\n"
    "  --default-directory URL  used when no name has CAA records\n"
    "  --ca-cooldown SECONDS  keep a failed CA out this long (default 3600)\n"
    "  --seed N            tie-break seed for equal priorities (tests)\n";

/* The entry for issuer (created on first use). */
static acme_ca_entry_t *entry_for(cli_agent_options_t *t, const char *issuer, size_t len)
{
    for (size_t i = 0; i < t->count; i++) {
        if (strlen(t->issuers[i]) == len && strncmp(t->issuers[i], issuer, len) == 0) {
            return &t->entries[i];
        }
    }
    if (t->count == CLI_CA_MAX || len == 0 || len > ACME_URL_MAX) {
        return NULL;
    }
    size_t i = t->count++;
    memcpy(t->issuers[i], issuer, len);
    t->issuers[i][len] = '\0';
    memset(&t->entries[i], 0, sizeof(t->entries[i]));
    t->entries[i].issuer = t->issuers[i];
    return &t->entries[i];
}

/* True when the n characters before KEY's last ':' are a key prefix
 * ("hex:..."), i.e. that ':' does not start an ALG. */
static bool is_key_prefix(const char *key, size_t n)
{
    return (n == 3 && memcmp(key, "hex", 3) == 0) || (n == 6 && memcmp(key, "base64", 6) == 0) ||
           (n == 9 && memcmp(key, "base64url", 9) == 0);
}

/* The KID:KEY[:ALG] of --eab ISSUER=... for entry idx. Neither KEY nor any
 * part of it is ever printed: a message says which rule it broke. The
 * decoded bytes go straight into t->keys[idx] (wiped by the decoder when
 * it fails, by cli_agent_clear at exit). */
static int eab_value(cli_agent_options_t *t, size_t idx, const char *kid)
{
    const char *issuer = t->issuers[idx];
    const char *colon = strchr(kid, ':');
    if (colon == NULL || colon == kid || (size_t)(colon - kid) > ACME_EAB_KID_MAX) {
        cli_fail("--eab: expected ISSUER=KID:KEY[:ALG] (a KID of 1..%u characters)",
                 (unsigned)ACME_EAB_KID_MAX);
        return -1;
    }
    const char *key = colon + 1;
    size_t key_n = strlen(key);
    uint8_t alg = ACME_EAB_DEFAULT;
    /* No key alphabet has ':', so a ':' after the prefix starts ALG. */
    const char *last = strrchr(key, ':');
    if (last != NULL && !is_key_prefix(key, (size_t)(last - key))) {
        if (!acme_eab_alg_parse(last + 1, strlen(last + 1), &alg)) {
            cli_fail("--eab %s: what follows KEY's last ':' is not a MAC algorithm: "
                     "give HS256, HS384 or HS512",
                     issuer);
            return -1;
        }
        key_n = (size_t)(last - key);
    }
    size_t key_len = 0;
    acme_eab_key_error_t err =
        acme_eab_key_decode(key, key_n, t->keys[idx], sizeof(t->keys[idx]), &key_len);
    if (err != ACME_EAB_KEY_OK) {
        if (err == ACME_EAB_KEY_TOO_LONG) {
            cli_fail("--eab %s: KEY is too long: at most %u bytes once decoded", issuer,
                     (unsigned)ACME_EAB_KEY_MAX);
        } else {
            cli_fail("--eab %s: KEY %s", issuer, acme_eab_key_error_text(err));
        }
        return -1;
    }
    memcpy(t->kids[idx], kid, (size_t)(colon - kid));
    t->kids[idx][colon - kid] = '\0';
    acme_ca_entry_t *e = &t->entries[idx];
    e->eab_kid = t->kids[idx];
    e->eab_key = t->keys[idx];
    e->eab_key_len = key_len;
    e->eab_alg = alg;
    return 1;
}

static bool parse_u32(const char *v, uint32_t *out)
{
    char *end = NULL;
    unsigned long n = strtoul(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n > 0xFFFFFFFFul) {
        return false;
    }
    *out = (uint32_t)n;
    return true;
}

/* --domain, --trust, --dns-server. */
static int name_option(int argc, char **argv, int *i, cli_agent_options_t *o,
                       acme_agent_config_t *cfg)
{
    const char *opt = argv[*i];
    if (strcmp(opt, "--domain") != 0 && strcmp(opt, "--trust") != 0 &&
        strcmp(opt, "--dns-server") != 0) {
        return 0;
    }
    const char *v = cli_value(argc, argv, i);
    if (v == NULL) {
        return -1;
    }
    if (strcmp(opt, "--domain") == 0) {
        if (o->name_count == ACME_MAX_IDENTIFIERS) {
            cli_fail("at most %u --domain names", (unsigned)ACME_MAX_IDENTIFIERS);
            return -1;
        }
        o->names[o->name_count++] = v;
    } else if (strcmp(opt, "--trust") == 0) {
        o->trust_path = v;
    } else {
        if (acme_ip_parse_endpoint(v, strlen(v), 53, &o->dns_ip, &cfg->dns_port) != ACME_OK) {
            cli_fail("--dns-server: '%s' is not IP:PORT", v);
            return -1;
        }
        cfg->dns_server = &o->dns_ip;
    }
    return 1;
}

int cli_agent_option(int argc, char **argv, int *i, cli_agent_options_t *t,
                     acme_agent_config_t *cfg)
{
    int named = name_option(argc, argv, i, t, cfg);
    if (named != 0) {
        return named;
    }
    const char *opt = argv[*i];
    bool known = strcmp(opt, "--ca-directory") == 0 || strcmp(opt, "--eab") == 0 ||
                 strcmp(opt, "--default-directory") == 0 || strcmp(opt, "--ca-cooldown") == 0 ||
                 strcmp(opt, "--seed") == 0;
    if (!known) {
        return 0;
    }
    const char *v = cli_value(argc, argv, i);
    if (v == NULL) {
        return -1;
    }
    if (strcmp(opt, "--default-directory") == 0) {
        cfg->default_directory = v;
        return 1;
    }
    if (strcmp(opt, "--ca-cooldown") == 0) {
        if (!parse_u32(v, &cfg->ca_cooldown_s) || cfg->ca_cooldown_s == 0) {
            cli_fail("--ca-cooldown: give a number of seconds > 0");
            return -1;
        }
        return 1;
    }
    if (strcmp(opt, "--seed") == 0) {
        if (!parse_u32(v, &cfg->discovery_seed) || cfg->discovery_seed == 0) {
            cli_fail("--seed: give a number > 0");
            return -1;
        }
        return 1;
    }
    const char *eq = strchr(v, '=');
    if (eq == NULL || eq == v || eq[1] == '\0') {
        cli_fail("%s: expected ISSUER=%s", opt, strcmp(opt, "--eab") == 0 ? "KID:KEY" : "URL");
        return -1;
    }
    acme_ca_entry_t *e = entry_for(t, v, (size_t)(eq - v));
    if (e == NULL) {
        cli_fail("%s: too many CAs or issuer name too long", opt);
        return -1;
    }
    size_t idx = (size_t)(e - t->entries);
    if (strcmp(opt, "--ca-directory") == 0) {
        e->directory_url = eq + 1;
        return 1;
    }
    if (strncmp(v, "https:", 6) == 0) {
        /* "https://dir/x=kid:key": the issuer part is the URL up to '='. */
        e->issuer = NULL;
        e->directory_url = t->issuers[idx];
    }
    return eab_value(t, idx, eq + 1);
}

void cli_agent_apply(cli_agent_options_t *t, acme_agent_config_t *cfg)
{
    cfg->names = t->names;
    cfg->name_count = t->name_count;
    cfg->cas = t->entries;
    cfg->ca_count = t->count;
}

void cli_agent_clear(cli_agent_options_t *t)
{
    cli_zero(t->keys, sizeof(t->keys));
}
