/*
 * acme-provision: the JSON spec (docs/provisioning.md, "The JSON spec") into
 * an acme_provision_t.
 *
 * Every value is checked where it is read, with the decoder's own rule
 * (acme_provision_check_value), and refused with a message that names its
 * JSON field ("cas[0].eab.hmac_key: ..."): whoever runs the factory line
 * fixes the spec without knowing the blob format. Unknown and repeated
 * members are refused too, so that a typo ("diskovery") is not silently a
 * missing field.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "acme/codec/eab_text.h"
#include "acme/codec/ip_addr.h"
#include "cJSON.h"
#include "provision_tool.h"

/* Members of one JSON object checked for names and repeats. */
#define MEMBERS_MAX 64u
/* Longest field path in a message ("cas[3].eab.hmac_key"). */
#define FIELD_MAX 96u

static uint8_t spec_text[TOOL_SPEC_MAX];
static const char *spec_path = "";

static bool bad(const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static bool bad(const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "acme-provision: %s: %s: ", spec_path, field);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return false;
}

/* A value for a message: at most 64 characters, non-printables as '?'. */
static const char *shown(const char *s)
{
    static char buf[72];
    size_t n = 0;
    for (; s[n] != '\0' && n < 64u; n++) {
        buf[n] = s[n] >= 0x20 && s[n] < 0x7F ? s[n] : '?';
    }
    if (s[n] != '\0') {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

static const char *indexed(char *buf, const char *field, size_t i, const char *member)
{
    snprintf(buf, FIELD_MAX, "%s[%zu]%s%s", field, i, member[0] != '\0' ? "." : "", member);
    return buf;
}

/* obj is an object whose members are all in names and none repeats. */
static bool check_members(const cJSON *obj, const char *field, const char *const *names)
{
    if (!cJSON_IsObject(obj)) {
        return bad(field, "must be a JSON object");
    }
    size_t count = 0;
    for (const cJSON *m = obj->child; m != NULL; m = m->next) {
        if (++count > MEMBERS_MAX) {
            return bad(field, "has more than %u members", MEMBERS_MAX);
        }
        bool known = false;
        for (size_t i = 0; names[i] != NULL && !known; i++) {
            known = strcmp(m->string, names[i]) == 0;
        }
        if (!known) {
            return bad(field, "unknown member \"%s\"", shown(m->string));
        }
        for (const cJSON *o = obj->child; o != m; o = o->next) {
            if (strcmp(o->string, m->string) == 0) {
                return bad(field, "member \"%s\" is given twice", m->string);
            }
        }
    }
    return true;
}

static bool get_string(const cJSON *item, const char *field, const char **out)
{
    if (!cJSON_IsString(item)) {
        return bad(field, "must be a string");
    }
    *out = item->valuestring;
    return true;
}

static bool get_bool(const cJSON *item, const char *field, bool *out)
{
    if (!cJSON_IsBool(item)) {
        return bad(field, "must be true or false");
    }
    *out = cJSON_IsTrue(item) != 0;
    return true;
}

static bool get_uint(const cJSON *item, const char *field, double min, double max, uint32_t *out)
{
    double v = cJSON_IsNumber(item) ? item->valuedouble : -1.0;
    if (!cJSON_IsNumber(item) || !(v >= min && v <= max) || v != (double)(uint32_t)v) {
        return bad(field, "must be a whole number in %.0f..%.0f", min, max);
    }
    *out = (uint32_t)v;
    return true;
}

/* A string field checked with the decoder's rule and copied into dst
 * (sized by the same limit as the rule). */
static bool text_field(const cJSON *item, const char *field, uint8_t tag, uint8_t sub,
                       const char *rule, char *dst, size_t cap)
{
    const char *s = "";
    if (!get_string(item, field, &s)) {
        return false;
    }
    size_t n = strlen(s);
    if (n == 0) {
        return bad(field, "must not be empty");
    }
    if (acme_provision_check_value(tag, sub, (const uint8_t *)s, n) != ACME_PROVISION_OK ||
        n >= cap) {
        return bad(field, "\"%s\" %s; at most %zu characters", shown(s), rule, cap - 1u);
    }
    memcpy(dst, s, n + 1u);
    return true;
}

static const char dns_rule[] =
    "is not a DNS name the blob takes: letters, digits and '-' in dot-separated labels of "
    "1..63 characters (not starting or ending with '-'), no wildcard, no final dot";
static const char url_rule[] =
    "is not an https URL the agent takes (https only, no userinfo or fragment)";
static const char visible_rule[] = "must be visible ASCII without spaces";

static bool load_identities(const cJSON *item, acme_provision_t *p)
{
    static const char *const names[] = {"dns", "ip", NULL};
    if (!check_members(item, "identities", names)) {
        return false;
    }
    char field[FIELD_MAX];
    const cJSON *dns = cJSON_GetObjectItemCaseSensitive(item, "dns");
    const cJSON *ip = cJSON_GetObjectItemCaseSensitive(item, "ip");
    if ((dns != NULL && !cJSON_IsArray(dns)) || (ip != NULL && !cJSON_IsArray(ip))) {
        return bad(dns != NULL && !cJSON_IsArray(dns) ? "identities.dns" : "identities.ip",
                   "must be an array of strings");
    }
    size_t total = (size_t)cJSON_GetArraySize(dns) + (size_t)cJSON_GetArraySize(ip);
    if (total == 0) {
        return bad("identities", "give at least one name in \"dns\" or address in \"ip\"");
    }
    if (total > ACME_MAX_IDENTIFIERS) {
        return bad("identities",
                   "%zu names and addresses; at most %u in total "
                   "(ACME_MAX_IDENTIFIERS)",
                   total, (unsigned)ACME_MAX_IDENTIFIERS);
    }
    size_t i = 0;
    for (const cJSON *e = dns != NULL ? dns->child : NULL; e != NULL; e = e->next, i++) {
        if (!text_field(e, indexed(field, "identities.dns", i, ""), ACME_PROVISION_TAG_DNS, 0,
                        dns_rule, p->names[p->name_count], sizeof(p->names[0]))) {
            return false;
        }
        p->name_count++;
    }
    i = 0;
    for (const cJSON *e = ip != NULL ? ip->child : NULL; e != NULL; e = e->next, i++) {
        const char *s = "";
        indexed(field, "identities.ip", i, "");
        if (!get_string(e, field, &s)) {
            return false;
        }
        if (acme_ip_parse(s, strlen(s), &p->ips[p->ip_count]) != ACME_OK) {
            return bad(field, "\"%s\" is not an IPv4 or IPv6 address", shown(s));
        }
        p->ip_count++;
    }
    return true;
}

static bool load_trust_anchors(const cJSON *item, tool_spec_t *spec)
{
    if (!cJSON_IsArray(item)) {
        return bad("trust_anchors", "must be an array of file names (PEM or DER)");
    }
    size_t i = 0;
    for (const cJSON *e = item->child; e != NULL; e = e->next, i++) {
        char field[FIELD_MAX];
        char path[TOOL_PATH_MAX];
        const char *name = "";
        indexed(field, "trust_anchors", i, "");
        if (!get_string(e, field, &name)) {
            return false;
        }
        if (name[0] == '\0' || !tool_relative_path(spec_path, name, path, sizeof(path))) {
            return bad(field, "\"%s\" is not a usable file name", shown(name));
        }
        if (!tool_load_certificates(path, field, spec)) {
            return false;
        }
    }
    return true;
}

static bool load_eab(const cJSON *item, size_t index, acme_provision_ca_t *ca)
{
    static const char *const names[] = {"kid", "hmac_key", "alg", NULL};
    char field[FIELD_MAX];
    snprintf(field, sizeof(field), "cas[%zu].eab", index);
    if (!check_members(item, field, names)) {
        return false;
    }
    const cJSON *kid = cJSON_GetObjectItemCaseSensitive(item, "kid");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(item, "hmac_key");
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(item, "alg");
    if (kid == NULL || key == NULL) {
        return bad(field, "give both \"kid\" and \"hmac_key\" (or leave \"eab\" out)");
    }
    snprintf(field, sizeof(field), "cas[%zu].eab.kid", index);
    if (!text_field(kid, field, ACME_PROVISION_TAG_CA, ACME_PROVISION_CA_EAB_KID, visible_rule,
                    ca->eab_kid, sizeof(ca->eab_kid))) {
        return false;
    }
    snprintf(field, sizeof(field), "cas[%zu].eab.hmac_key", index);
    const char *text = "";
    if (!get_string(key, field, &text)) {
        return false;
    }
    /* Room for more than the blob takes, so that a long key is told its
     * length; the text's rules are the CLI's (acme/codec/eab_text.h). */
    uint8_t raw[256];
    size_t len = 0;
    acme_eab_key_error_t err = acme_eab_key_decode(text, strlen(text), raw, sizeof(raw), &len);
    bool ok = err == ACME_EAB_KEY_OK;
    if (!ok) {
        /* never the key itself */
        if (err == ACME_EAB_KEY_TOO_LONG) {
            bad(field, "the key decodes to more than %zu bytes; an EAB key must be %u..%u bytes",
                sizeof(raw), (unsigned)ACME_PROVISION_EAB_KEY_MIN,
                (unsigned)ACME_PROVISION_EAB_KEY_MAX);
        } else {
            bad(field, "the key %s", acme_eab_key_error_text(err));
        }
    } else if (acme_provision_check_value(ACME_PROVISION_TAG_CA, ACME_PROVISION_CA_EAB_KEY, raw,
                                          len) != ACME_PROVISION_OK) {
        ok = bad(field, "decodes to %zu bytes; an EAB key must be %u..%u bytes", len,
                 (unsigned)ACME_PROVISION_EAB_KEY_MIN, (unsigned)ACME_PROVISION_EAB_KEY_MAX);
    } else {
        memcpy(ca->eab_key, raw, len);
        ca->eab_key_len = (uint8_t)len;
    }
    tool_wipe(raw, sizeof(raw));
    if (!ok) {
        return false;
    }
    if (alg != NULL) {
        snprintf(field, sizeof(field), "cas[%zu].eab.alg", index);
        if (!get_string(alg, field, &text)) {
            return false;
        }
        /* The agent's numbering is the blob's (acme/types.h). */
        if (!acme_eab_alg_parse(text, strlen(text), &ca->eab_alg)) {
            return bad(field, "\"%s\" is not one of \"HS256\", \"HS384\", \"HS512\"", shown(text));
        }
    }
    return true;
}

static bool load_ca(const cJSON *item, size_t index, acme_provision_ca_t *ca)
{
    static const char *const names[] = {"issuer", "directory_url", "eab", NULL};
    char field[FIELD_MAX];
    char sub[FIELD_MAX];
    snprintf(field, sizeof(field), "cas[%zu]", index);
    if (!check_members(item, field, names)) {
        return false;
    }
    const cJSON *issuer = cJSON_GetObjectItemCaseSensitive(item, "issuer");
    const cJSON *dir = cJSON_GetObjectItemCaseSensitive(item, "directory_url");
    const cJSON *eab = cJSON_GetObjectItemCaseSensitive(item, "eab");
    snprintf(sub, sizeof(sub), "cas[%zu].issuer", index);
    if (issuer == NULL) {
        return bad(sub, "missing: the CAA issuer-domain-name of this CA, e.g. \"letsencrypt.org\"");
    }
    if (!text_field(issuer, sub, ACME_PROVISION_TAG_CA, ACME_PROVISION_CA_ISSUER,
                    "is not a CAA issuer domain name (dot-separated DNS labels)", ca->issuer,
                    sizeof(ca->issuer))) {
        return false;
    }
    snprintf(sub, sizeof(sub), "cas[%zu].directory_url", index);
    if (dir != NULL && !text_field(dir, sub, ACME_PROVISION_TAG_CA, ACME_PROVISION_CA_DIRECTORY,
                                   url_rule, ca->directory_url, sizeof(ca->directory_url))) {
        return false;
    }
    return eab == NULL || load_eab(eab, index, ca);
}

static bool load_cas(const cJSON *item, acme_provision_t *p)
{
    if (!cJSON_IsArray(item)) {
        return bad("cas", "must be an array of objects");
    }
    int n = cJSON_GetArraySize(item);
    if (n > (int)ACME_PROVISION_CAS_MAX) {
        return bad("cas", "%d entries; at most %u (ACME_PROVISION_CAS_MAX)", n,
                   (unsigned)ACME_PROVISION_CAS_MAX);
    }
    size_t i = 0;
    for (const cJSON *e = item->child; e != NULL; e = e->next, i++) {
        if (!load_ca(e, i, &p->cas[p->ca_count])) {
            return false;
        }
        p->ca_count++;
    }
    return true;
}

static bool load_renewal(const cJSON *item, acme_provision_renewal_t *r)
{
    static const char *const names[] = {"ari", "renew_at_remaining_permille", "backoff_max_s",
                                        NULL};
    if (!check_members(item, "renewal", names)) {
        return false;
    }
    const cJSON *ari = cJSON_GetObjectItemCaseSensitive(item, "ari");
    const cJSON *permille = cJSON_GetObjectItemCaseSensitive(item, "renew_at_remaining_permille");
    const cJSON *backoff = cJSON_GetObjectItemCaseSensitive(item, "backoff_max_s");
    uint32_t v = 0;
    if (ari != NULL) {
        if (!get_bool(ari, "renewal.ari", &r->ari)) {
            return false;
        }
        r->present |= 1u << ACME_PROVISION_RENEW_ARI;
    }
    if (permille != NULL) {
        if (!get_uint(permille, "renewal.renew_at_remaining_permille", ACME_PROVISION_PERMILLE_MIN,
                      ACME_PROVISION_PERMILLE_MAX, &v)) {
            return false;
        }
        r->remaining_permille = (uint16_t)v;
        r->present |= 1u << ACME_PROVISION_RENEW_PERMILLE;
    }
    if (backoff != NULL) {
        if (!get_uint(backoff, "renewal.backoff_max_s", ACME_PROVISION_BACKOFF_MIN_S,
                      ACME_PROVISION_BACKOFF_MAX_S, &v)) {
            return false;
        }
        r->backoff_max_s = v;
        r->present |= 1u << ACME_PROVISION_RENEW_BACKOFF;
    }
    return true;
}

static void mark(acme_provision_t *p, uint8_t tag)
{
    p->present = (uint16_t)(p->present | (1u << tag));
}

static bool load_root(const cJSON *root, tool_spec_t *spec)
{
    static const char *const names[] = {
        "version",       "identities",    "contact",   "key_type",
        "trust_anchors", "directory_url", "discovery", "terms_of_service_agreed",
        "cas",           "renewal",       "profile",   NULL};
    acme_provision_t *p = &spec->prov;
    if (!check_members(root, "(top level)", names)) {
        return false;
    }
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "version");
    uint32_t version = 0;
    if (item == NULL) {
        return bad("version", "missing: give \"version\": 1");
    }
    if (!get_uint(item, "version", 1, 1, &version)) {
        return false;
    }
    item = cJSON_GetObjectItemCaseSensitive(root, "identities");
    if (item == NULL) {
        return bad("identities", "missing: give {\"dns\": [\"device.example.com\"]}");
    }
    if (!load_identities(item, p)) {
        return false;
    }
    item = cJSON_GetObjectItemCaseSensitive(root, "contact");
    if (item != NULL &&
        !text_field(item, "contact", ACME_PROVISION_TAG_CONTACT, 0,
                    "is not a contact URI the blob takes: visible ASCII without spaces, e.g. "
                    "\"mailto:ops@example.com\"",
                    p->contact, sizeof(p->contact))) {
        return false;
    }
    item = cJSON_GetObjectItemCaseSensitive(root, "key_type");
    if (item != NULL) {
        const char *s = "";
        if (!get_string(item, "key_type", &s)) {
            return false;
        }
        if (strcmp(s, "p256") != 0 && strcmp(s, "rsa2048") != 0) {
            return bad("key_type", "\"%s\" is not \"p256\" or \"rsa2048\"", shown(s));
        }
        p->key_type = s[0] == 'p' ? ACME_KEY_P256 : ACME_KEY_RSA2048;
        mark(p, ACME_PROVISION_TAG_KEY_TYPE);
    }
    item = cJSON_GetObjectItemCaseSensitive(root, "trust_anchors");
    if (item != NULL && !load_trust_anchors(item, spec)) {
        return false;
    }
    item = cJSON_GetObjectItemCaseSensitive(root, "directory_url");
    if (item != NULL && !text_field(item, "directory_url", ACME_PROVISION_TAG_DIRECTORY, 0,
                                    url_rule, p->directory_url, sizeof(p->directory_url))) {
        return false;
    }
    item = cJSON_GetObjectItemCaseSensitive(root, "discovery");
    if (item != NULL) {
        if (!get_bool(item, "discovery", &p->discovery)) {
            return false;
        }
        mark(p, ACME_PROVISION_TAG_DISCOVERY);
    }
    item = cJSON_GetObjectItemCaseSensitive(root, "terms_of_service_agreed");
    if (item != NULL) {
        if (!get_bool(item, "terms_of_service_agreed", &p->terms_of_service_agreed)) {
            return false;
        }
        mark(p, ACME_PROVISION_TAG_TOS_AGREED);
    }
    item = cJSON_GetObjectItemCaseSensitive(root, "cas");
    if (item != NULL && !load_cas(item, p)) {
        return false;
    }
    item = cJSON_GetObjectItemCaseSensitive(root, "renewal");
    if (item != NULL) {
        if (!load_renewal(item, &p->renewal)) {
            return false;
        }
        mark(p, ACME_PROVISION_TAG_RENEWAL);
    }
    item = cJSON_GetObjectItemCaseSensitive(root, "profile");
    if (item != NULL && !text_field(item, "profile", ACME_PROVISION_TAG_PROFILE, 0, visible_rule,
                                    p->profile, sizeof(p->profile))) {
        return false;
    }
    if (p->directory_url[0] == '\0' && !p->discovery) {
        return bad("directory_url", "missing: give the CA's directory URL, or set "
                                    "\"discovery\": true to find the CA through CAA records");
    }
    return true;
}

/* Line and column of a byte of the spec, for JSON syntax errors. */
static void position(const char *text, size_t at, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at && text[i] != '\0'; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static bool is_number_char(char c)
{
    return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
}

/* The member name a value at text[at] belongs to ("name": value), or "" for
 * an array element. Copied into name[cap]. */
static void member_before(const char *text, size_t at, char *name, size_t cap)
{
    name[0] = '\0';
    size_t i = at;
    while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n' ||
                     text[i - 1] == '\r')) {
        i--;
    }
    if (i == 0 || text[i - 1] != ':') {
        return;
    }
    i--;
    while (i > 0 && text[i - 1] != '"') {
        i--;
    }
    size_t end = i > 0 ? i - 1u : 0; /* the closing quote of the name */
    size_t start = end;
    while (start > 0 && text[start - 1] != '"') {
        start--;
    }
    size_t n = end - start < cap - 1u ? end - start : cap - 1u;
    memcpy(name, text + start, n);
    name[n] = '\0';
}

/* cJSON in this project keeps only the integer part of a number
 * (cmake/cjson_strtod.c: the agent never needs more), so 33.3 would quietly
 * become 33. Numbers with a fraction or an exponent are refused in the text,
 * before cJSON sees it; returns their offset, or (size_t)-1. */
static size_t inexact_number(const char *text)
{
    bool in_string = false;
    for (size_t i = 0; text[i] != '\0'; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\' && text[i + 1] != '\0') {
                i++; /* an escaped character, maybe a quote */
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
            continue;
        }
        /* Outside strings a '.' is only in a number; an 'e' is an exponent
         * when a digit or '.' is before it ("true" and "false" have none). */
        bool prev_numeric =
            i > 0 && ((text[i - 1] >= '0' && text[i - 1] <= '9') || text[i - 1] == '.');
        if (c == '.' || ((c == 'e' || c == 'E') && prev_numeric)) {
            size_t start = i;
            while (start > 0 && is_number_char(text[start - 1])) {
                start--;
            }
            return start;
        }
    }
    return (size_t)-1;
}

bool tool_spec_load(const char *path, tool_spec_t *spec)
{
    memset(spec, 0, sizeof(*spec));
    spec_path = path;
    size_t len = 0;
    if (!tool_read_file(path, spec_text, sizeof(spec_text), &len)) {
        return false;
    }
    const char *text = (const char *)spec_text;
    if (strlen(text) != len) {
        tool_error("%s: contains a NUL byte; not a JSON text file", path);
        return false;
    }
    size_t inexact = inexact_number(text);
    if (inexact != (size_t)-1) {
        unsigned line;
        unsigned col;
        char name[64];
        position(text, inexact, &line, &col);
        member_before(text, inexact, name, sizeof(name));
        tool_error("%s:%u:%u: %s%snumbers in the spec are whole numbers, without a fraction "
                   "or an exponent",
                   path, line, col, shown(name), name[0] != '\0' ? ": " : "");
        return false;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (root == NULL) {
        unsigned line;
        unsigned col;
        position(text, end != NULL ? (size_t)(end - text) : 0, &line, &col);
        tool_error("%s:%u:%u: not valid JSON here (or nested deeper than cJSON allows)", path, line,
                   col);
        return false;
    }
    bool ok = load_root(root, spec);
    cJSON_Delete(root);
    /* The spec text holds EAB keys. */
    tool_wipe(spec_text, sizeof(spec_text));
    return ok;
}

void tool_spec_clear(tool_spec_t *spec)
{
    tool_wipe(spec, sizeof(*spec));
}
