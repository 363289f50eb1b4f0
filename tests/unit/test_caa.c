/*
 * Tests for the CAA codec: RDATA splitting (flags, tag rules, case-insensitive
 * tag kinds), issue/issuewild values against every example record in
 * RFC 8659 §4.2-4.3, RFC 8657 appendix A and
 * draft-vanbrouwershaven-acme-auto-discovery-03 §4.2, the whitespace and
 * separator rules of the RFC 8659 ABNF, the known parameters' own rules
 * (priority, discovery, accounturi, validationmethods), issuer-name grammar
 * and size, and exact matching of validation methods.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/caa.h"

/* ---- helpers ----------------------------------------------------------------- */

/* RDATA = flags, tag length, tag, value. */
static size_t make_rdata(uint8_t *buf, size_t cap, uint8_t flags, const char *tag,
                         const char *value)
{
    size_t tag_len = strlen(tag);
    size_t value_len = strlen(value);
    assert_true(2u + tag_len + value_len <= cap);
    buf[0] = flags;
    buf[1] = (uint8_t)tag_len;
    memcpy(buf + 2, tag, tag_len);
    memcpy(buf + 2 + tag_len, value, value_len);
    return 2u + tag_len + value_len;
}

static acme_status_t issue(const char *text, acme_caa_issue_t *out)
{
    return acme_caa_issue_parse((const uint8_t *)text, strlen(text), out);
}

static void assert_issuer(const char *text, const char *issuer)
{
    acme_caa_issue_t v;
    assert_int_equal(issue(text, &v), ACME_OK);
    assert_string_equal(v.issuer, issuer);
}

static void assert_malformed(const char *text)
{
    acme_caa_issue_t v;
    assert_int_equal(issue(text, &v), ACME_ERR_MALFORMED);
    /* A value we cannot read authorizes no one (RFC 8659 §4.2). */
    assert_string_equal(v.issuer, "");
    assert_false(v.has_priority);
    assert_null(v.accounturi);
    assert_null(v.validationmethods);
}

static void assert_param(const char *ptr, size_t len, const char *expected)
{
    assert_non_null(ptr);
    assert_int_equal(len, strlen(expected));
    assert_memory_equal(ptr, expected, len);
}

/* ---- RDATA ----------------------------------------------------------------------- */

static void test_record_issue(void **state)
{
    (void)state;
    uint8_t rd[64];
    size_t n = make_rdata(rd, sizeof(rd), 0, "issue", "letsencrypt.org");
    acme_caa_record_t r;
    assert_int_equal(acme_caa_record_parse(rd, n, &r), ACME_OK);
    assert_int_equal(r.flags, 0);
    assert_false(acme_caa_is_critical(&r));
    assert_int_equal(r.tag_kind, ACME_CAA_TAG_ISSUE);
    assert_string_equal(r.tag, "issue");
    assert_ptr_equal(r.value, rd + 7);
    assert_int_equal(r.value_len, 15);
}

/* RFC 8659 §4.5: "CAA 128 tbs "Unknown"" is a critical property we do not
 * know; reserved flag bits are kept but do not make a record critical. */
static void test_record_flags(void **state)
{
    (void)state;
    uint8_t rd[64];
    acme_caa_record_t r;
    size_t n = make_rdata(rd, sizeof(rd), 128, "tbs", "Unknown");
    assert_int_equal(acme_caa_record_parse(rd, n, &r), ACME_OK);
    assert_true(acme_caa_is_critical(&r));
    assert_int_equal(r.tag_kind, ACME_CAA_TAG_OTHER);
    assert_string_equal(r.tag, "tbs");
    assert_int_equal(r.value_len, 7);

    n = make_rdata(rd, sizeof(rd), 0x7F, "issue", ";");
    assert_int_equal(acme_caa_record_parse(rd, n, &r), ACME_OK);
    assert_int_equal(r.flags, 0x7F);
    assert_false(acme_caa_is_critical(&r));

    n = make_rdata(rd, sizeof(rd), 0xFF, "issue", ";");
    assert_int_equal(acme_caa_record_parse(rd, n, &r), ACME_OK);
    assert_true(acme_caa_is_critical(&r));
}

static void test_record_tag_length(void **state)
{
    (void)state;
    uint8_t rd[64];
    acme_caa_record_t r;

    /* 15 is the longest tag */
    size_t n = make_rdata(rd, sizeof(rd), 0, "abcdefghijklmno", "x");
    assert_int_equal(acme_caa_record_parse(rd, n, &r), ACME_OK);
    assert_string_equal(r.tag, "abcdefghijklmno");
    assert_int_equal(r.value_len, 1);

    /* 16 is refused, even with the bytes present */
    n = make_rdata(rd, sizeof(rd), 0, "abcdefghijklmnop", "x");
    assert_int_equal(acme_caa_record_parse(rd, n, &r), ACME_ERR_MALFORMED);

    /* 0 is refused */
    const uint8_t zero[] = {0, 0, 'x'};
    assert_int_equal(acme_caa_record_parse(zero, sizeof(zero), &r), ACME_ERR_MALFORMED);

    /* tag length beyond the RDATA */
    const uint8_t cut[] = {0, 5, 'i', 's', 's', 'u'};
    assert_int_equal(acme_caa_record_parse(cut, sizeof(cut), &r), ACME_ERR_MALFORMED);
    const uint8_t exact[] = {0, 5, 'i', 's', 's', 'u', 'e'};
    assert_int_equal(acme_caa_record_parse(exact, sizeof(exact), &r), ACME_OK);
    assert_int_equal(r.value_len, 0);

    /* too short for flags and length; a critical flag octet is still reported */
    const uint8_t only_flags[] = {128};
    assert_int_equal(acme_caa_record_parse(only_flags, 1, &r), ACME_ERR_MALFORMED);
    assert_true(acme_caa_is_critical(&r));
    assert_int_equal(acme_caa_record_parse(only_flags, 0, &r), ACME_ERR_MALFORMED);
    assert_int_equal(r.flags, 0);
    assert_int_equal(acme_caa_record_parse(NULL, 0, &r), ACME_ERR_MALFORMED);
}

static void test_record_tag_chars(void **state)
{
    (void)state;
    static const char *const bad[] = {"iss-ue", "is_ue", "iss ue", "issue.", "\xc3\xa9t"};
    uint8_t rd[64];
    acme_caa_record_t r;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n = make_rdata(rd, sizeof(rd), 128, bad[i], "x");
        assert_int_equal(acme_caa_record_parse(rd, n, &r), ACME_ERR_MALFORMED);
        assert_true(acme_caa_is_critical(&r)); /* flags survive the error */
        assert_string_equal(r.tag, "");
        assert_null(r.value);
    }
    /* a NUL inside the tag */
    const uint8_t nul[] = {0, 3, 'i', 0, 's', 'x'};
    assert_int_equal(acme_caa_record_parse(nul, sizeof(nul), &r), ACME_ERR_MALFORMED);
}

static void test_record_empty_value(void **state)
{
    (void)state;
    uint8_t rd[16];
    acme_caa_record_t r;
    size_t n = make_rdata(rd, sizeof(rd), 0, "issue", "");
    assert_int_equal(acme_caa_record_parse(rd, n, &r), ACME_OK);
    assert_int_equal(r.value_len, 0);
    assert_ptr_equal(r.value, rd + n);
}

/* RFC 8659 §4.1: "Matching of tags is case insensitive." */
static void test_record_tag_case(void **state)
{
    (void)state;
    static const struct {
        const char *tag;
        acme_caa_tag_t kind;
    } cases[] = {
        {"issue", ACME_CAA_TAG_ISSUE},         {"ISSUE", ACME_CAA_TAG_ISSUE},
        {"IsSuE", ACME_CAA_TAG_ISSUE},         {"issuewild", ACME_CAA_TAG_ISSUEWILD},
        {"IssueWild", ACME_CAA_TAG_ISSUEWILD}, {"iodef", ACME_CAA_TAG_IODEF},
        {"IODEF", ACME_CAA_TAG_IODEF},         {"issu", ACME_CAA_TAG_OTHER},
        {"issuewild2", ACME_CAA_TAG_OTHER},    {"issuemail", ACME_CAA_TAG_OTHER},
        {"contactemail", ACME_CAA_TAG_OTHER},
    };
    uint8_t rd[64];
    acme_caa_record_t r;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = make_rdata(rd, sizeof(rd), 0, cases[i].tag, "ca.example");
        assert_int_equal(acme_caa_record_parse(rd, n, &r), ACME_OK);
        assert_int_equal(r.tag_kind, cases[i].kind);
        assert_string_equal(r.tag, cases[i].tag); /* kept as on the wire */
    }
}

/* RFC 8659 §4.4 examples: iodef values are handed over untouched. */
static void test_record_iodef(void **state)
{
    (void)state;
    uint8_t rd[64];
    acme_caa_record_t r;
    size_t n = make_rdata(rd, sizeof(rd), 0, "iodef", "mailto:security@example.com");
    assert_int_equal(acme_caa_record_parse(rd, n, &r), ACME_OK);
    assert_int_equal(r.tag_kind, ACME_CAA_TAG_IODEF);
    assert_int_equal(r.value_len, strlen("mailto:security@example.com"));
    assert_memory_equal(r.value, "mailto:security@example.com", r.value_len);
}

static void test_record_invalid_args(void **state)
{
    (void)state;
    const uint8_t rd[] = {0, 5, 'i', 's', 's', 'u', 'e'};
    acme_caa_record_t r;
    assert_int_equal(acme_caa_record_parse(rd, sizeof(rd), NULL), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_caa_record_parse(NULL, 7, &r), ACME_ERR_INVALID_ARG);
}

/* ---- issue values: published examples ----------------------------------------------- */

static void test_issue_rfc8659_examples(void **state)
{
    (void)state;
    acme_caa_issue_t v;
    /* §4.2 */
    assert_issuer("ca1.example.net", "ca1.example.net");
    assert_issuer("ca2.example.org", "ca2.example.org");
    assert_issuer(";", ""); /* nocerts.example.com: no issuance at all */
    /* §4.2: a CA-defined parameter we do not know is ignored */
    assert_int_equal(issue("ca1.example.net; account=230123", &v), ACME_OK);
    assert_string_equal(v.issuer, "ca1.example.net");
    assert_false(v.has_priority);
    assert_true(v.discovery);
    assert_null(v.accounturi);
    /* §4.2: "malformed.example.com CAA 0 issue "%%%%%"" forbids issuance */
    assert_malformed("%%%%%");
    /* §4.3 issuewild values have the same syntax */
    assert_issuer("ca2.example.org", "ca2.example.org");
}

/* draft-vanbrouwershaven-acme-auto-discovery-03 §4.2, every record. */
static void test_issue_draft_examples(void **state)
{
    (void)state;
    acme_caa_issue_t v;

    /* §4.2.1 */
    assert_int_equal(issue("ca.example", &v), ACME_OK);
    assert_string_equal(v.issuer, "ca.example");
    assert_false(v.has_priority);
    assert_true(v.discovery && v.discovery_valid);

    /* §4.2.2 */
    assert_int_equal(issue("ca1.example; priority=2", &v), ACME_OK);
    assert_string_equal(v.issuer, "ca1.example");
    assert_true(v.has_priority && v.priority_valid);
    assert_int_equal(v.priority, 2);
    assert_int_equal(issue("ca2.example; priority=1", &v), ACME_OK);
    assert_int_equal(v.priority, 1);
    assert_int_equal(issue("ca1.example", &v), ACME_OK);
    assert_false(v.has_priority);
    assert_int_equal(issue("ca3.example; priority=1", &v), ACME_OK);
    assert_string_equal(v.issuer, "ca3.example");
    assert_int_equal(v.priority, 1);

    /* §4.2.3. The draft writes "ca1.example; priority=1 validationmethods=ca-ev"
     * with a space where RFC 8659 §4.2 requires ";" between parameters
     * (parameters = parameter *WSP ";" *WSP parameters). Under the RFC's
     * grammar the record does not parse, so it is MALFORMED, not read as
     * two parameters and not as a priority of "1 validationmethods=ca-ev". */
    assert_malformed("ca1.example; priority=1 validationmethods=ca-ev");
    /* ... and what the authors meant does parse: */
    assert_int_equal(issue("ca1.example; priority=1; validationmethods=ca-ev", &v), ACME_OK);
    assert_int_equal(v.priority, 1);
    assert_param(v.validationmethods, v.validationmethods_len, "ca-ev");
    assert_int_equal(issue("ca1.example; priority=2", &v), ACME_OK);
    assert_int_equal(v.priority, 2);
    assert_int_equal(issue("ca2.example; priority=3", &v), ACME_OK);
    assert_int_equal(v.priority, 3);

    /* §4.2.4 (the issuewild record has the same value syntax) */
    assert_int_equal(issue("ca3.example; priority=3", &v), ACME_OK);
    assert_int_equal(v.priority, 3);
    assert_int_equal(issue("ca2.example; discovery=false", &v), ACME_OK);
    assert_string_equal(v.issuer, "ca2.example");
    assert_false(v.discovery);
    assert_true(v.discovery_valid);

    /* §4.2.5 */
    static const char *const account_records[] = {
        "ca1.example; priority=1; accounturi=https://ca1.example/account/1234",
        "ca1.example; priority=2; accounturi=https://ca1.example/account/1235",
        "ca1.example; priority=2; accounturi=https://ca1.example/account/1236",
    };
    static const char *const accounts[] = {
        "https://ca1.example/account/1234",
        "https://ca1.example/account/1235",
        "https://ca1.example/account/1236",
    };
    static const uint32_t priorities[] = {1, 2, 2};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(issue(account_records[i], &v), ACME_OK);
        assert_string_equal(v.issuer, "ca1.example");
        assert_int_equal(v.priority, priorities[i]);
        assert_param(v.accounturi, v.accounturi_len, accounts[i]);
        /* the pointer is into the value, not a copy */
        assert_ptr_equal(v.accounturi, strstr(account_records[i], "https://"));
    }
    assert_int_equal(issue("ca2.example; priority=2", &v), ACME_OK);
    assert_int_equal(issue("ca1.example; accounturi=https://ca1.example/account/1235", &v),
                     ACME_OK);
    assert_false(v.has_priority);
    assert_param(v.accounturi, v.accounturi_len, "https://ca1.example/account/1235");
}

/* RFC 8657 appendix A. */
static void test_issue_rfc8657_examples(void **state)
{
    (void)state;
    acme_caa_issue_t v;
    assert_int_equal(issue("example.net; accounturi=https://example.net/account/1234", &v),
                     ACME_OK);
    assert_string_equal(v.issuer, "example.net");
    assert_param(v.accounturi, v.accounturi_len, "https://example.net/account/1234");
    assert_null(v.validationmethods);

    assert_int_equal(issue("example.net; validationmethods=dns-01,xyz-01", &v), ACME_OK);
    assert_param(v.validationmethods, v.validationmethods_len, "dns-01,xyz-01");
    assert_null(v.accounturi);

    assert_int_equal(issue("example.net; validationmethods=dns-01", &v), ACME_OK);
    assert_param(v.validationmethods, v.validationmethods_len, "dns-01");

    /* the zone file's "\" line continuations joined */
    assert_int_equal(issue("example.net; accounturi=https://example.net/account/2345; "
                           "validationmethods=http-01",
                           &v),
                     ACME_OK);
    assert_param(v.accounturi, v.accounturi_len, "https://example.net/account/2345");
    assert_param(v.validationmethods, v.validationmethods_len, "http-01");

    assert_int_equal(issue("example.net; validationmethods=dns-01,ca-foo", &v), ACME_OK);
    assert_true(acme_caa_methods_allow(v.validationmethods, v.validationmethods_len, "ca-foo"));
    assert_false(acme_caa_methods_allow(v.validationmethods, v.validationmethods_len, "http-01"));

    assert_int_equal(issue("example.net; validationmethods=dns-01,http-01", &v), ACME_OK);
    assert_true(acme_caa_methods_allow(v.validationmethods, v.validationmethods_len, "http-01"));
}

/* ---- issue values: grammar ---------------------------------------------------------- */

static void test_issue_empty_forms(void **state)
{
    (void)state;
    acme_caa_issue_t v;
    assert_int_equal(acme_caa_issue_parse(NULL, 0, &v), ACME_OK);
    assert_string_equal(v.issuer, "");
    assert_issuer("", "");
    assert_issuer(";", "");
    assert_issuer(" ; ", "");
    assert_issuer("\t;\t", "");
    assert_issuer("   ", "");
    assert_issuer("ca.example   ", "ca.example"); /* issuer followed only by WSP */
    assert_issuer("ca.example;", "ca.example");
    assert_issuer("ca.example; ", "ca.example");
    assert_issuer("; priority=1", ""); /* parameters without an issuer */
}

static void test_issue_whitespace(void **state)
{
    (void)state;
    acme_caa_issue_t v;
    /* allowed: *WSP around the issuer, after ";", around "=", between a
     * parameter and ";", at the end */
    static const char *const ok[] = {
        "ca.example;priority=1",
        "  ca.example  ;  priority=1  ",
        "\tca.example\t;\tpriority\t=\t1\t",
        "ca.example; priority = 1",
        "ca.example; priority=1 ; discovery=true",
        "ca.example; priority=1 ;discovery=true ",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(issue(ok[i], &v), ACME_OK);
        assert_string_equal(v.issuer, "ca.example");
        assert_true(v.priority_valid);
        assert_int_equal(v.priority, 1);
    }
    /* not allowed: whitespace inside the name or a value, other kinds of
     * whitespace, missing ";" */
    assert_malformed("ca .example");
    assert_malformed("ca. example");
    assert_malformed("ca.example priority=1");
    assert_malformed("ca.example; priority=1 2");
    assert_malformed("ca.example\r\n");
    assert_malformed("ca.example\n; priority=1");
    assert_malformed("ca.example;\vpriority=1");
    /* NBSP is not WSP (split literal: "\xa0ca" would be one escape) */
    assert_malformed("\xc2\xa0"
                     "ca.example");
}

static void test_issue_separators(void **state)
{
    (void)state;
    acme_caa_issue_t v;
    /* ";" after a parameter must be followed by another parameter */
    assert_malformed("ca.example; priority=1;");
    assert_malformed("ca.example; priority=1; ");
    assert_malformed("ca.example;;");
    assert_malformed("ca.example;; priority=1");
    assert_malformed(";;");
    assert_malformed("ca.example; priority=1;; discovery=true");
    /* parameter shape */
    assert_malformed("ca.example; priority");
    assert_malformed("ca.example; =1");
    assert_malformed("ca.example; -a=1");
    assert_malformed("ca.example; a-=1");
    assert_malformed("ca.example; a_b=1");
    assert_malformed("ca.example; a b=1");
    /* tags with inner hyphens are fine; values may hold "=" and be empty */
    assert_int_equal(issue("ca.example; ca-foo--bar=x=y; empty=; x=", &v), ACME_OK);
    assert_string_equal(v.issuer, "ca.example");
    /* value characters: %x21-3A / %x3C-7E only */
    assert_malformed("ca.example; a=\x7f");
    assert_malformed("ca.example; a=\xc3\xa9");
    uint8_t nul[] = {'c', 'a', ';', 'a', '=', 'b', 0, 'c'};
    assert_int_equal(acme_caa_issue_parse(nul, sizeof(nul), &v), ACME_ERR_MALFORMED);
    /* the first visible-ASCII and last visible-ASCII characters are fine */
    assert_int_equal(issue("ca.example; a=!~:<", &v), ACME_OK);
}

static void test_issue_issuer_grammar(void **state)
{
    (void)state;
    assert_issuer("Ca1.EXAMPLE.Net", "ca1.example.net"); /* stored lower-case */
    assert_issuer("a", "a");
    assert_issuer("1.2", "1.2");
    assert_issuer("a--b.example", "a--b.example");
    assert_issuer("xn--bcher-kva.example", "xn--bcher-kva.example"); /* IDN A-label */
    assert_malformed(".ca.example");
    assert_malformed("ca..example");
    assert_malformed("ca.example.");
    assert_malformed(".");
    assert_malformed("-a.example");
    assert_malformed("a-.example");
    assert_malformed("a.-b");
    assert_malformed("a.b-");
    assert_malformed("a_b.example");
    assert_malformed("ca.example/");
    assert_malformed("ca.example:443");
    assert_malformed("\"ca.example\"");
    assert_malformed("*.ca.example");
}

static void test_issue_issuer_size(void **state)
{
    (void)state;
    acme_caa_issue_t v;
    char name[128];

    /* 64 characters: kept */
    memset(name, 'a', 64);
    name[31] = '.';
    name[64] = '\0';
    assert_int_equal(issue(name, &v), ACME_OK);
    assert_int_equal(strlen(v.issuer), 64);

    /* 65 and more: OVERSIZE, reset to "authorizes no one" */
    memset(name, 'a', 65);
    name[31] = '.';
    name[65] = '\0';
    assert_int_equal(issue(name, &v), ACME_ERR_OVERSIZE);
    assert_string_equal(v.issuer, "");
    memset(name, 'b', 120);
    name[40] = '.';
    name[80] = '.';
    memcpy(name + 120, "; p=1", 6);
    assert_int_equal(issue(name, &v), ACME_ERR_OVERSIZE);

    /* a label of 64 is not a DNS label: MALFORMED, even at 64 in total */
    memset(name, 'a', 64);
    name[64] = '\0';
    assert_int_equal(issue(name, &v), ACME_ERR_MALFORMED);
    /* 63 is the longest label */
    name[63] = '\0';
    assert_int_equal(issue(name, &v), ACME_OK);

    /* grammar errors win over size */
    memset(name, 'a', 70);
    name[31] = '.';
    memcpy(name + 70, " x", 3);
    assert_int_equal(issue(name, &v), ACME_ERR_MALFORMED);
}

/* ---- known parameters ------------------------------------------------------------- */

static void test_issue_duplicates(void **state)
{
    (void)state;
    acme_caa_issue_t v;
    assert_malformed("ca.example; priority=1; priority=2");
    assert_malformed("ca.example; priority=1; PRIORITY=1");
    assert_malformed("ca.example; priority=x; priority=1");
    assert_malformed("ca.example; discovery=true; discovery=true");
    assert_malformed("ca.example; accounturi=https://a/1; accounturi=https://a/2");
    assert_malformed("ca.example; validationmethods=dns-01; validationmethods=http-01");
    /* unknown parameters may repeat: their meaning is the CA's */
    assert_int_equal(issue("ca.example; account=1; account=2", &v), ACME_OK);
}

static void test_issue_param_tag_case(void **state)
{
    (void)state;
    acme_caa_issue_t v;
    assert_int_equal(issue("ca.example; Priority=4; DISCOVERY=false; AccountURI=https://x/1; "
                           "ValidationMethods=http-01",
                           &v),
                     ACME_OK);
    assert_int_equal(v.priority, 4);
    assert_false(v.discovery);
    assert_param(v.accounturi, v.accounturi_len, "https://x/1");
    assert_param(v.validationmethods, v.validationmethods_len, "http-01");
    /* near misses are unknown parameters, ignored */
    assert_int_equal(issue("ca.example; priorities=1; discover=false", &v), ACME_OK);
    assert_false(v.has_priority);
    assert_true(v.discovery);
}

static void test_issue_priority(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool valid;
        uint32_t value;
    } cases[] = {
        {"ca.example; priority=1", true, 1},
        {"ca.example; priority=42", true, 42},
        {"ca.example; priority=4294967295", true, 4294967295u},
        {"ca.example; priority=4294967296", false, 0},           /* > UINT32_MAX */
        {"ca.example; priority=99999999999999999999", false, 0}, /* far beyond */
        {"ca.example; priority=0", false, 0},                    /* "greater than zero" */
        {"ca.example; priority=-1", false, 0},
        {"ca.example; priority=+1", false, 0},
        {"ca.example; priority=01", false, 0}, /* leading zero: refused by choice */
        {"ca.example; priority=00", false, 0},
        {"ca.example; priority=1a", false, 0},
        {"ca.example; priority=0x1", false, 0},
        {"ca.example; priority=1.0", false, 0},
        {"ca.example; priority=", false, 0},
        {"ca.example; priority= ", false, 0},
    };
    acme_caa_issue_t v;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(issue(cases[i].text, &v), ACME_OK);
        assert_string_equal(v.issuer, "ca.example");
        assert_true(v.has_priority);
        assert_int_equal(v.priority_valid, cases[i].valid);
        assert_int_equal(v.priority, cases[i].value);
    }
    assert_int_equal(issue("ca.example", &v), ACME_OK);
    assert_false(v.has_priority);
    assert_false(v.priority_valid);
}

static void test_issue_discovery(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool discovery;
        bool valid;
    } cases[] = {
        {"ca.example", true, true}, /* absent: on */
        {"ca.example; discovery=true", true, true},
        {"ca.example; discovery=false", false, true},
        /* "MUST be a lower-case Boolean": anything else is invalid, and an
         * invalid value turns discovery off rather than on */
        {"ca.example; discovery=False", false, false},
        {"ca.example; discovery=TRUE", false, false},
        {"ca.example; discovery=no", false, false},
        {"ca.example; discovery=1", false, false},
        {"ca.example; discovery=", false, false},
        {"ca.example; discovery=truex", false, false},
    };
    acme_caa_issue_t v;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(issue(cases[i].text, &v), ACME_OK);
        assert_int_equal(v.discovery, cases[i].discovery);
        assert_int_equal(v.discovery_valid, cases[i].valid);
    }
}

static void test_issue_accounturi(void **state)
{
    (void)state;
    acme_caa_issue_t v;
    assert_int_equal(issue("ca.example; accounturi=urn:x", &v), ACME_OK);
    assert_param(v.accounturi, v.accounturi_len, "urn:x");
    /* RFC 8657 §3: "MUST be a URI" (scheme ":" ...) */
    assert_malformed("ca.example; accounturi=");
    assert_malformed("ca.example; accounturi=/account/1234");
    assert_malformed("ca.example; accounturi=ca1.example/account/1");
    assert_malformed("ca.example; accounturi=1http://x");
    assert_malformed("ca.example; accounturi=:x");
}

static void test_issue_validationmethods(void **state)
{
    (void)state;
    acme_caa_issue_t v;
    /* RFC 8657 §4: value = [*(label ",") label]; the empty list is valid */
    assert_int_equal(issue("ca.example; validationmethods=", &v), ACME_OK);
    assert_non_null(v.validationmethods);
    assert_int_equal(v.validationmethods_len, 0);
    assert_false(acme_caa_methods_allow(v.validationmethods, 0, "http-01"));
    assert_int_equal(issue("ca.example; validationmethods=tls-alpn-01,dns-01,http-01", &v),
                     ACME_OK);
    assert_malformed("ca.example; validationmethods=,http-01");
    assert_malformed("ca.example; validationmethods=http-01,");
    assert_malformed("ca.example; validationmethods=dns-01,,http-01");
    assert_malformed("ca.example; validationmethods=http_01");
    assert_malformed("ca.example; validationmethods=http-01/dns-01");
    assert_malformed("ca.example; validationmethods=dns-01, http-01");
}

static void test_issue_invalid_args(void **state)
{
    (void)state;
    acme_caa_issue_t v;
    assert_int_equal(acme_caa_issue_parse((const uint8_t *)"a", 1, NULL), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_caa_issue_parse(NULL, 1, &v), ACME_ERR_INVALID_ARG);
    assert_string_equal(v.issuer, "");
}

/* The value need not be NUL-terminated: only len bytes are read. */
static void test_issue_bounded(void **state)
{
    (void)state;
    acme_caa_issue_t v;
    const char text[] = "ca.example; priority=12345";
    /* cut inside the priority: 12 */
    assert_int_equal(acme_caa_issue_parse((const uint8_t *)text, 23, &v), ACME_OK);
    assert_int_equal(v.priority, 12);
    /* cut inside the issuer */
    assert_int_equal(acme_caa_issue_parse((const uint8_t *)text, 4, &v), ACME_OK);
    assert_string_equal(v.issuer, "ca.e");
    /* cut after "ca." : trailing dot */
    assert_int_equal(acme_caa_issue_parse((const uint8_t *)text, 3, &v), ACME_ERR_MALFORMED);
}

/* ---- acme_caa_methods_allow ----------------------------------------------------------- */

static bool allow(const char *list, const char *method)
{
    return acme_caa_methods_allow(list, strlen(list), method);
}

static void test_methods_allow(void **state)
{
    (void)state;
    assert_true(allow("http-01", "http-01"));
    assert_true(allow("dns-01,http-01", "http-01"));
    assert_true(allow("http-01,dns-01", "http-01"));
    assert_true(allow("dns-01,http-01,tls-alpn-01", "http-01"));
    /* whole items only */
    assert_false(allow("http-012", "http-01"));
    assert_false(allow("xhttp-01", "http-01"));
    assert_false(allow("dns-01,http-012", "http-01"));
    assert_false(allow("http-0", "http-01"));
    assert_false(allow("dns-01", "http-01"));
    /* exact, as the CA compares */
    assert_false(allow("HTTP-01", "http-01"));
    /* empty list, empty method, NULLs */
    assert_false(allow("", "http-01"));
    assert_false(allow("http-01", ""));
    assert_false(allow(",", ""));
    assert_false(acme_caa_methods_allow(NULL, 0, "http-01"));
    assert_false(acme_caa_methods_allow("http-01", 7, NULL));
    /* only len bytes of the list count */
    assert_false(acme_caa_methods_allow("dns-01,http-01", 6, "http-01"));
    assert_true(acme_caa_methods_allow("http-01,dns-01", 7, "http-01"));
    assert_false(acme_caa_methods_allow("http-01", 6, "http-01"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_issue),
        cmocka_unit_test(test_record_flags),
        cmocka_unit_test(test_record_tag_length),
        cmocka_unit_test(test_record_tag_chars),
        cmocka_unit_test(test_record_empty_value),
        cmocka_unit_test(test_record_tag_case),
        cmocka_unit_test(test_record_iodef),
        cmocka_unit_test(test_record_invalid_args),
        cmocka_unit_test(test_issue_rfc8659_examples),
        cmocka_unit_test(test_issue_draft_examples),
        cmocka_unit_test(test_issue_rfc8657_examples),
        cmocka_unit_test(test_issue_empty_forms),
        cmocka_unit_test(test_issue_whitespace),
        cmocka_unit_test(test_issue_separators),
        cmocka_unit_test(test_issue_issuer_grammar),
        cmocka_unit_test(test_issue_issuer_size),
        cmocka_unit_test(test_issue_duplicates),
        cmocka_unit_test(test_issue_param_tag_case),
        cmocka_unit_test(test_issue_priority),
        cmocka_unit_test(test_issue_discovery),
        cmocka_unit_test(test_issue_accounturi),
        cmocka_unit_test(test_issue_validationmethods),
        cmocka_unit_test(test_issue_invalid_args),
        cmocka_unit_test(test_issue_bounded),
        cmocka_unit_test(test_methods_allow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
