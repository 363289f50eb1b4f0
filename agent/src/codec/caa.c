/*
 * CAA records: splits RDATA into flags, tag and value (RFC 8659 §4.1) and
 * reads issue/issuewild values (RFC 8659 §4.2) together with the parameters
 * ACME auto-discovery looks at: "priority" and "discovery"
 * (draft-vanbrouwershaven-acme-auto-discovery-03 §4.1), "accounturi" and
 * "validationmethods" (RFC 8657 §3-4).
 *
 * The bytes come from DNS, so the grammar is the RFC's ABNF taken literally:
 * a value another implementation could read differently is MALFORMED rather
 * than guessed at. Every loop advances through the given bytes and stops at
 * their end; nothing is read outside them and nothing is allocated.
 */
#include "acme/codec/caa.h"

#if ACME_ENABLE_DISCOVERY

#include <string.h>

#define CAA_LABEL_MAX 63u /* RFC 1035 §2.3.4 */

static bool is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(uint8_t c)
{
    return is_alpha(c) || is_digit(c);
}

/* RFC 5234 WSP: space and horizontal tab, nothing else. */
static bool is_wsp(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* RFC 8659 §4.2 parameter-value: visible ASCII except ';'. */
static bool is_value_char(uint8_t c)
{
    return (c >= 0x21u && c <= 0x3Au) || (c >= 0x3Cu && c <= 0x7Eu);
}

static uint8_t to_lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

/* Case-insensitive comparison of n bytes with a lower-case literal. */
static bool equals_ci(const uint8_t *s, size_t n, const char *lit)
{
    size_t lit_len = strlen(lit);
    if (n != lit_len) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (to_lower(s[i]) != (uint8_t)lit[i]) {
            return false;
        }
    }
    return true;
}

static bool equals(const uint8_t *s, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

static void skip_wsp(const uint8_t *v, size_t len, size_t *pos)
{
    while (*pos < len && is_wsp(v[*pos])) {
        (*pos)++;
    }
}

/* ---- RDATA ----------------------------------------------------------------- */

acme_status_t acme_caa_record_parse(const uint8_t *rdata, size_t rdlen, acme_caa_record_t *out)
{
    if (out == NULL || (rdata == NULL && rdlen != 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof(*out));
    if (rdlen < 1) {
        return ACME_ERR_MALFORMED;
    }
    /* Kept even when the rest is unusable: a critical record we cannot read
     * is still a critical property we do not understand (RFC 8659 §4.1). */
    out->flags = rdata[0];
    if (rdlen < 2) {
        return ACME_ERR_MALFORMED;
    }
    size_t tag_len = rdata[1];
    if (tag_len < 1 || tag_len > ACME_CAA_TAG_MAX || tag_len > rdlen - 2u) {
        return ACME_ERR_MALFORMED;
    }
    const uint8_t *tag = rdata + 2;
    for (size_t i = 0; i < tag_len; i++) {
        if (!is_alnum(tag[i])) {
            memset(out->tag, 0, sizeof(out->tag));
            return ACME_ERR_MALFORMED;
        }
        out->tag[i] = (char)tag[i];
    }
    out->tag[tag_len] = '\0';

    /* RFC 8659 §4.1: "Matching of tags is case insensitive." */
    if (equals_ci(tag, tag_len, "issue")) {
        out->tag_kind = ACME_CAA_TAG_ISSUE;
    } else if (equals_ci(tag, tag_len, "issuewild")) {
        out->tag_kind = ACME_CAA_TAG_ISSUEWILD;
    } else if (equals_ci(tag, tag_len, "iodef")) {
        out->tag_kind = ACME_CAA_TAG_IODEF;
    } else {
        out->tag_kind = ACME_CAA_TAG_OTHER;
    }
    out->value = tag + tag_len;
    out->value_len = rdlen - 2u - tag_len;
    return ACME_OK;
}

/* ---- issue / issuewild values ---------------------------------------------- */

/* issuer-domain-name = label *("." label)
 * label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT))
 * so no empty label (leading, trailing or double dot), no hyphen at either
 * end of a label; and, as in DNS, no label longer than 63. The caller has
 * already limited the characters to letters, digits, '-' and '.'. */
static bool issuer_name_valid(const uint8_t *s, size_t n)
{
    size_t label_len = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (label_len == 0 || label_len > CAA_LABEL_MAX || s[i - 1] == '-') {
                return false;
            }
            label_len = 0;
        } else {
            if (label_len == 0 && s[i] == '-') {
                return false;
            }
            label_len++;
        }
    }
    return true;
}

static bool is_issuer_char(uint8_t c)
{
    return is_alnum(c) || c == '-' || c == '.';
}

/* priority (draft-03 §4.1.2): "an integer greater than zero". Only the
 * plain decimal form is accepted: no sign, no leading zero, at most
 * UINT32_MAX. "01" is refused on purpose: one text has one meaning (some
 * tools read a leading zero as octal), the draft's examples are all
 * canonical, and a zone that writes "01" gets the same treatment as any
 * other priority we cannot read instead of a guess. */
static bool priority_parse(const uint8_t *v, size_t n, uint32_t *priority)
{
    if (n == 0 || v[0] == '0') {
        return false; /* empty, zero or a leading zero */
    }
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(v[i])) {
            return false;
        }
        uint32_t d = (uint32_t)(v[i] - '0');
        if (acc > (UINT32_MAX - d) / 10u) {
            return false; /* would overflow; also stops long digit runs early */
        }
        acc = acc * 10u + d;
    }
    *priority = acc;
    return true;
}

/* accounturi (RFC 8657 §3) "MUST be a URI": RFC 3986 §3 URI = scheme ":"
 * hier-part..., scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). The
 * agent only ever compares it with its own account URL, so the scheme and
 * its colon are all that is checked; the value characters are already
 * limited by the CAA grammar. */
static bool accounturi_valid(const uint8_t *v, size_t n)
{
    if (n == 0 || !is_alpha(v[0])) {
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        if (v[i] == ':') {
            return true;
        }
        if (!is_alnum(v[i]) && v[i] != '+' && v[i] != '-' && v[i] != '.') {
            return false;
        }
    }
    return false;
}

/* validationmethods (RFC 8657 §4):
 *   value = [*(label ",") label]
 *   label = 1*(ALPHA / DIGIT / "-")
 * The empty list is valid (and allows no method). */
static bool methods_valid(const uint8_t *v, size_t n)
{
    size_t label_len = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == ',') {
            if (label_len == 0) {
                return false;
            }
            label_len = 0;
        } else if (is_alnum(v[i]) || v[i] == '-') {
            label_len++;
        } else {
            return false;
        }
    }
    return n == 0 || label_len > 0;
}

enum { SEEN_PRIORITY = 1, SEEN_DISCOVERY = 2, SEEN_ACCOUNTURI = 4, SEEN_METHODS = 8 };

/* One known parameter's value into out; unknown tags are CA-defined and
 * ignored. A known tag seen twice is MALFORMED: RFC 8657 §5.8 calls a
 * repeated accounturi unsatisfiable, and for the others "which one wins"
 * would be a guess. */
static acme_status_t apply_parameter(const uint8_t *tag, size_t tag_len, const uint8_t *v, size_t n,
                                     unsigned *seen, acme_caa_issue_t *out)
{
    unsigned bit;
    if (equals_ci(tag, tag_len, "priority")) {
        bit = SEEN_PRIORITY;
    } else if (equals_ci(tag, tag_len, "discovery")) {
        bit = SEEN_DISCOVERY;
    } else if (equals_ci(tag, tag_len, "accounturi")) {
        bit = SEEN_ACCOUNTURI;
    } else if (equals_ci(tag, tag_len, "validationmethods")) {
        bit = SEEN_METHODS;
    } else {
        return ACME_OK;
    }
    if ((*seen & bit) != 0) {
        return ACME_ERR_MALFORMED;
    }
    *seen |= bit;

    switch (bit) {
    case SEEN_PRIORITY:
        out->has_priority = true;
        out->priority_valid = priority_parse(v, n, &out->priority);
        if (!out->priority_valid) {
            out->priority = 0;
        }
        break;
    case SEEN_DISCOVERY:
        /* draft-03 §4.1.1: "MUST be a lower-case Boolean". Anything else
         * turns discovery off for this record: the draft says to ignore
         * what cannot be processed, never to assume "true". */
        out->discovery_valid = equals(v, n, "true") || equals(v, n, "false");
        out->discovery = equals(v, n, "true");
        break;
    case SEEN_ACCOUNTURI:
        if (!accounturi_valid(v, n)) {
            return ACME_ERR_MALFORMED;
        }
        out->accounturi = (const char *)v;
        out->accounturi_len = n;
        break;
    default: /* SEEN_METHODS */
        if (!methods_valid(v, n)) {
            return ACME_ERR_MALFORMED;
        }
        out->validationmethods = (const char *)v;
        out->validationmethods_len = n;
        break;
    }
    return ACME_OK;
}

/* parameter = parameter-tag *WSP "=" *WSP parameter-value, at *pos. */
static acme_status_t parse_parameter(const uint8_t *v, size_t len, size_t *pos, unsigned *seen,
                                     acme_caa_issue_t *out)
{
    /* parameter-tag = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT)) */
    size_t tag_at = *pos;
    if (tag_at >= len || !is_alnum(v[tag_at])) {
        return ACME_ERR_MALFORMED;
    }
    size_t p = tag_at + 1;
    while (p < len && (is_alnum(v[p]) || v[p] == '-')) {
        p++;
    }
    size_t tag_len = p - tag_at;
    if (v[p - 1] == '-') {
        return ACME_ERR_MALFORMED;
    }
    skip_wsp(v, len, &p);
    if (p >= len || v[p] != '=') {
        return ACME_ERR_MALFORMED;
    }
    p++;
    skip_wsp(v, len, &p);
    size_t value_at = p;
    while (p < len && is_value_char(v[p])) {
        p++;
    }
    *pos = p;
    return apply_parameter(v + tag_at, tag_len, v + value_at, p - value_at, seen, out);
}

static void issue_reset(acme_caa_issue_t *out)
{
    memset(out, 0, sizeof(*out));
    out->discovery = true; /* draft-03 §4.1.1: on unless discovery=false */
    out->discovery_valid = true;
}

/* issue-value = *WSP [issuer-domain-name *WSP] [";" *WSP [parameters *WSP]]
 * parameters  = (parameter *WSP ";" *WSP parameters) / parameter
 * The recursion in "parameters" is a loop here: after a parameter comes
 * the end (with optional WSP) or ";" and then, necessarily, another
 * parameter. So "ca; a=b;" is MALFORMED while "ca;" and ";" are not. */
acme_status_t acme_caa_issue_parse(const uint8_t *value, size_t len, acme_caa_issue_t *out)
{
    if (out == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    issue_reset(out);
    if (value == NULL && len != 0) {
        return ACME_ERR_INVALID_ARG;
    }

    acme_status_t st = ACME_OK;
    size_t pos = 0;
    skip_wsp(value, len, &pos);

    size_t issuer_at = pos;
    while (pos < len && is_issuer_char(value[pos])) {
        pos++;
    }
    size_t issuer_len = pos - issuer_at;
    if (issuer_len > 0 && !issuer_name_valid(value + issuer_at, issuer_len)) {
        st = ACME_ERR_MALFORMED;
    }
    skip_wsp(value, len, &pos);

    if (st == ACME_OK && pos < len) {
        if (value[pos] != ';') {
            st = ACME_ERR_MALFORMED;
        } else {
            pos++;
            skip_wsp(value, len, &pos);
        }
    }
    /* Each round consumes at least a one-character tag and "=", so it
     * ends within len rounds. */
    unsigned seen = 0;
    while (st == ACME_OK && pos < len) {
        st = parse_parameter(value, len, &pos, &seen, out);
        if (st != ACME_OK) {
            break;
        }
        skip_wsp(value, len, &pos);
        if (pos < len) {
            if (value[pos] != ';') {
                st = ACME_ERR_MALFORMED;
                break;
            }
            pos++;
            skip_wsp(value, len, &pos);
            if (pos == len) {
                st = ACME_ERR_MALFORMED; /* ";" must be followed by a parameter */
            }
        }
    }

    /* Grammar first, size second: the answer does not depend on which
     * problem comes first in the text. */
    if (st == ACME_OK && issuer_len > ACME_CAA_ISSUER_MAX) {
        st = ACME_ERR_OVERSIZE;
    }
    if (st != ACME_OK) {
        issue_reset(out); /* issuer "": a record we cannot read authorizes no one */
        return st;
    }
    for (size_t i = 0; i < issuer_len; i++) {
        out->issuer[i] = (char)to_lower(value[issuer_at + i]);
    }
    out->issuer[issuer_len] = '\0';
    return ACME_OK;
}

/* ---- validationmethods lookup ---------------------------------------------- */

bool acme_caa_methods_allow(const char *list, size_t len, const char *method)
{
    if (list == NULL || method == NULL) {
        return false;
    }
    /* Bounded strlen: a method longer than the whole list cannot match. */
    size_t method_len = 0;
    while (method_len <= len && method[method_len] != '\0') {
        method_len++;
    }
    if (method_len == 0 || method_len > len) {
        return false;
    }
    size_t item_at = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || list[i] == ',') {
            /* Whole items only: "http-01" must not match "http-012". ACME
             * method names are compared exactly, as the CA does. */
            if (i - item_at == method_len && memcmp(list + item_at, method, method_len) == 0) {
                return true;
            }
            item_at = i + 1;
        }
    }
    return false;
}

#endif /* ACME_ENABLE_DISCOVERY */
