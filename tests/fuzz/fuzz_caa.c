/*
 * Fuzz target for the CAA codec. The input is CAA RDATA: it is split into a
 * record, its value is read as an issue value (whatever the tag, so the
 * value parser sees every input), and any validationmethods list is queried.
 * Whatever is accepted must be consistent: pointers inside the input,
 * lengths within their limits, the issuer lower-case and well-formed, the
 * parameters' pieces made only of the characters their grammar allows, and
 * every method in an accepted list allowed by acme_caa_methods_allow.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/codec/caa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok) {
        abort();
    }
}

static int inside(const void *p, size_t n, const uint8_t *base, size_t size)
{
    const uint8_t *q = p;
    return q >= base && n <= size && (size_t)(q - base) <= size - n;
}

static int is_lower_ldh(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static void check_record(const uint8_t *data, size_t size, const acme_caa_record_t *r)
{
    size_t tag_len = strlen(r->tag);
    check(tag_len >= 1 && tag_len <= ACME_CAA_TAG_MAX);
    check(size >= 2 && data[1] == tag_len && r->flags == data[0]);
    check(memcmp(r->tag, data + 2, tag_len) == 0);
    check(r->value == data + 2 + tag_len && r->value_len == size - 2 - tag_len);
    check(r->tag_kind <= ACME_CAA_TAG_IODEF);
}

/* Every comma-separated method of an accepted list is allowed, and a
 * method with one character appended is not (unless the list holds it). */
static void check_methods(const char *list, size_t len)
{
    char method[64];
    size_t at = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || list[i] == ',') {
            size_t n = i - at;
            check(n >= 1 || len == 0);
            if (n >= 1 && n + 2 <= sizeof(method)) {
                memcpy(method, list + at, n);
                method[n] = '\0';
                check(acme_caa_methods_allow(list, len, method));
                method[n] = '#'; /* '#' is never in a method name */
                method[n + 1] = '\0';
                check(!acme_caa_methods_allow(list, len, method));
            }
            at = i + 1;
        }
    }
    check(!acme_caa_methods_allow(list, len, ""));
}

static void check_issue(const uint8_t *value, size_t len, const acme_caa_issue_t *v)
{
    size_t issuer_len = strlen(v->issuer);
    check(issuer_len <= ACME_CAA_ISSUER_MAX);
    for (size_t i = 0; i < issuer_len; i++) {
        check(is_lower_ldh(v->issuer[i]));
    }
    if (issuer_len > 0) {
        check(v->issuer[0] != '.' && v->issuer[0] != '-');
        check(v->issuer[issuer_len - 1] != '.' && v->issuer[issuer_len - 1] != '-');
        check(strstr(v->issuer, "..") == NULL && strstr(v->issuer, ".-") == NULL &&
              strstr(v->issuer, "-.") == NULL);
    }
    check(!v->priority_valid || (v->has_priority && v->priority >= 1));
    check(v->priority_valid || v->priority == 0);
    check(v->discovery_valid || !v->discovery);
    if (v->accounturi != NULL) {
        check(v->accounturi_len >= 2 && inside(v->accounturi, v->accounturi_len, value, len));
        check(memchr(v->accounturi, ':', v->accounturi_len) != NULL);
        check(memchr(v->accounturi, ';', v->accounturi_len) == NULL);
        check(memchr(v->accounturi, ' ', v->accounturi_len) == NULL);
    } else {
        check(v->accounturi_len == 0);
    }
    if (v->validationmethods != NULL) {
        check(inside(v->validationmethods, v->validationmethods_len, value, len));
        check_methods(v->validationmethods, v->validationmethods_len);
    } else {
        check(v->validationmethods_len == 0);
    }
}

static void check_reset(const acme_caa_issue_t *v)
{
    check(v->issuer[0] == '\0' && !v->has_priority && !v->priority_valid);
    check(v->accounturi == NULL && v->validationmethods == NULL);
}

static void parse_issue(const uint8_t *value, size_t len)
{
    acme_caa_issue_t v;
    acme_status_t st = acme_caa_issue_parse(value, len, &v);
    if (st == ACME_OK) {
        check_issue(value, len, &v);
    } else {
        check(st == ACME_ERR_MALFORMED || st == ACME_ERR_OVERSIZE);
        check_reset(&v);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    acme_caa_record_t r;
    acme_status_t st = acme_caa_record_parse(data, size, &r);
    if (st == ACME_OK) {
        check_record(data, size, &r);
        parse_issue(r.value, r.value_len);
    } else {
        check(st == ACME_ERR_MALFORMED);
        check(r.flags == (size > 0 ? data[0] : 0) && r.value == NULL);
    }
    /* The whole input as a value too: the value parser should not depend on
     * a well-formed record in front of it to be reached. */
    parse_issue(data, size);
    return 0;
}
