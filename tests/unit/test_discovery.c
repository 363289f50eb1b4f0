/*
 * CAA auto-discovery rules, driven with hand-made CAA records and canned
 * directory responses: the relevant RRset walk, issue/issuewild, critical
 * tags, draft-03 priority and discovery, RFC 8657 parameters, the
 * multi-name compromise, seeded ties, .well-known redirects, EAB, cool-down
 * and fallback after a failed issuance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acme/engine/discovery.h"

static acme_discovery_t disc;
static acme_http_response_t resp;
static uint8_t body[2048];

/* ---- building inputs -------------------------------------------------------- */

typedef struct caa_set {
    acme_caa_record_t rec[ACME_CAA_RECORDS_MAX];
    size_t n;
} caa_set_t;

static void add(caa_set_t *s, uint8_t flags, const char *tag, const char *value)
{
    acme_caa_record_t *r = &s->rec[s->n++];
    memset(r, 0, sizeof(*r));
    r->flags = flags;
    snprintf(r->tag, sizeof(r->tag), "%s", tag);
    r->tag_kind = strcmp(tag, "issue") == 0       ? ACME_CAA_TAG_ISSUE
                  : strcmp(tag, "issuewild") == 0 ? ACME_CAA_TAG_ISSUEWILD
                  : strcmp(tag, "iodef") == 0     ? ACME_CAA_TAG_IODEF
                                                  : ACME_CAA_TAG_OTHER;
    r->value = (const uint8_t *)value;
    r->value_len = strlen(value);
}

/* Callbacks standing in for the agent's tables. */
static const char *table_issuer;
static const char *table_url;
static const char *eab_issuer;
static const char *account_issuer;
static const char *account_url;
static const char *cooling_issuer;

static const char *issuer_directory(void *ctx, const char *issuer)
{
    (void)ctx;
    return table_issuer != NULL && strcmp(issuer, table_issuer) == 0 ? table_url : NULL;
}

static bool issuer_has_eab(void *ctx, const char *issuer)
{
    (void)ctx;
    return eab_issuer != NULL && strcmp(issuer, eab_issuer) == 0;
}

static const char *issuer_account(void *ctx, const char *issuer)
{
    (void)ctx;
    return account_issuer != NULL && strcmp(issuer, account_issuer) == 0 ? account_url : NULL;
}

static bool issuer_cooling(void *ctx, const char *issuer)
{
    (void)ctx;
    return cooling_issuer != NULL && strcmp(issuer, cooling_issuer) == 0;
}

static acme_discovery_params_t params(const char **names, size_t n, uint32_t seed)
{
    acme_discovery_params_t p = {
        .names = names,
        .name_count = n,
        .issuer_directory = issuer_directory,
        .issuer_has_eab = issuer_has_eab,
        .issuer_account = issuer_account,
        .issuer_cooling = issuer_cooling,
        .seed = seed,
    };
    return p;
}

static int setup(void **state)
{
    (void)state;
    table_issuer = table_url = eab_issuer = account_issuer = account_url = cooling_issuer = NULL;
    memset(&disc, 0, sizeof(disc));
    return 0;
}

static void expect_caa_query(const char *name)
{
    assert_int_equal(acme_discovery_next(&disc).kind, ACME_DISC_CAA);
    assert_string_equal(disc.query_name, name);
}

static void answer(const caa_set_t *s)
{
    acme_discovery_on_caa(&disc, ACME_OK, s->rec, s->n);
}

static void answer_empty(acme_status_t how)
{
    acme_discovery_on_caa(&disc, how, NULL, 0);
}

static const acme_http_response_t *reply(uint16_t status, const char *location, const char *json)
{
    memset(&resp, 0, sizeof(resp));
    resp.status = status;
    resp.retry_after_s = -1;
    resp.retry_after_epoch = -1;
    if (location != NULL) {
        snprintf(resp.location, sizeof(resp.location), "%s", location);
    }
    size_t n = json != NULL ? strlen(json) : 0;
    memcpy(body, json != NULL ? json : "", n);
    resp.body = body;
    resp.body_len = n;
    resp.body_cap = sizeof(body);
    return &resp;
}

static const char *directory_json(bool eab)
{
    static char buf[512];
    snprintf(buf, sizeof(buf),
             "{\"newNonce\":\"https://x/n\",\"newAccount\":\"https://x/a\",\"newOrder\":"
             "\"https://x/o\",\"meta\":{\"externalAccountRequired\":%s}}",
             eab ? "true" : "false");
    return buf;
}

static void expect_fetch(const char *url)
{
    assert_int_equal(acme_discovery_next(&disc).kind, ACME_DISC_FETCH);
    assert_string_equal(disc.fetch_url, url);
}

/* Serve the current fetch with a directory and expect READY for issuer. */
static void serve_directory_expect_ready(const char *issuer)
{
    acme_discovery_on_fetch(&disc, reply(200, NULL, directory_json(false)));
    assert_int_equal(acme_discovery_next(&disc).kind, ACME_DISC_READY);
    assert_string_equal(acme_discovery_current(&disc)->issuer, issuer);
}

static const char *one[] = {"www.example.com"};

/* ---- tests --------------------------------------------------------------------------- */

static void test_climbs_to_the_first_nonempty_rrset(void **state)
{
    (void)state;
    acme_discovery_params_t p = params(one, 1, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    expect_caa_query("www.example.com");
    answer_empty(ACME_ERR_DNS_NO_ANSWER);
    expect_caa_query("example.com");
    caa_set_t s = {0};
    add(&s, 0, "iodef", "mailto:sec@example.com");
    add(&s, 0, "issue", "ca1.example");
    answer(&s);
    expect_fetch("https://ca1.example/.well-known/acme");
    serve_directory_expect_ready("ca1.example");
    assert_string_equal(acme_discovery_current(&disc)->directory,
                        "https://ca1.example/.well-known/acme");
}

static void test_no_caa_anywhere_uses_default_or_fails(void **state)
{
    (void)state;
    acme_discovery_params_t p = params(one, 1, 1);
    p.default_directory = "https://default.example/dir";
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    answer_empty(ACME_ERR_DNS_NXDOMAIN); /* www.example.com */
    answer_empty(ACME_ERR_DNS_NO_ANSWER); /* example.com */
    expect_caa_query("com");
    answer_empty(ACME_ERR_DNS_NO_ANSWER); /* com: the root is not asked */
    assert_int_equal(acme_discovery_next(&disc).kind, ACME_DISC_READY);
    assert_string_equal(acme_discovery_current(&disc)->directory, "https://default.example/dir");
    assert_string_equal(acme_discovery_current(&disc)->issuer, "");

    setup(NULL);
    p.default_directory = NULL;
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    for (int i = 0; i < 3; i++) {
        answer_empty(ACME_ERR_DNS_NO_ANSWER);
    }
    assert_int_equal(acme_discovery_next(&disc).kind, ACME_DISC_FAILED);
    assert_int_equal(disc.status, ACME_ERR_CONFIG);
    assert_non_null(strstr(disc.detail, "no default directory"));
}

static void test_dns_failure_is_not_no_caa(void **state)
{
    (void)state;
    acme_discovery_params_t p = params(one, 1, 1);
    p.default_directory = "https://default.example/dir";
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    acme_discovery_on_caa(&disc, ACME_ERR_TIMEOUT, NULL, 0);
    assert_int_equal(acme_discovery_next(&disc).kind, ACME_DISC_FAILED);
    assert_int_equal(disc.status, ACME_ERR_TIMEOUT);
}

static void test_critical_unknown_tag_refuses(void **state)
{
    (void)state;
    acme_discovery_params_t p = params(one, 1, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    caa_set_t s = {0};
    add(&s, 0, "issue", "ca1.example");
    add(&s, 128, "tbs", "unknown");
    answer(&s);
    assert_int_equal(acme_discovery_next(&disc).kind, ACME_DISC_FAILED);
    assert_int_equal(disc.status, ACME_ERR_CAA_DENIED);
    assert_non_null(strstr(disc.detail, "critical"));

    /* The same tag without the critical flag is ignored. */
    setup(NULL);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    s.rec[1].flags = 0;
    answer(&s);
    expect_fetch("https://ca1.example/.well-known/acme");
}

static void test_priority_order_and_absent_priority_last(void **state)
{
    (void)state;
    acme_discovery_params_t p = params(one, 1, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    caa_set_t s = {0};
    add(&s, 0, "issue", "ca1.example");
    add(&s, 0, "issue", "ca3.example; priority=20");
    add(&s, 0, "issue", "ca2.example; priority=10");
    answer(&s);
    expect_fetch("https://ca2.example/.well-known/acme");
    acme_discovery_on_fetch_error(&disc, ACME_ERR_CONNECT); /* ca2 down */
    expect_fetch("https://ca3.example/.well-known/acme");
    acme_discovery_on_fetch(&disc, reply(500, NULL, "{}"));
    expect_fetch("https://ca1.example/.well-known/acme");
    serve_directory_expect_ready("ca1.example");
    assert_int_equal(disc.candidates[disc.order[0]].skip, ACME_CA_SKIP_DIRECTORY_FAILED);
    assert_int_equal(disc.candidates[disc.order[0]].skip_status, ACME_ERR_CONNECT);
}

static void test_equal_priorities_land_on_both_across_seeds(void **state)
{
    (void)state;
    unsigned first_a = 0;
    unsigned first_b = 0;
    for (uint32_t seed = 1; seed <= 64; seed++) {
        setup(NULL);
        acme_discovery_params_t p = params(one, 1, seed);
        assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
        caa_set_t s = {0};
        add(&s, 0, "issue", "a.example; priority=1");
        add(&s, 0, "issue", "b.example; priority=1");
        add(&s, 0, "issue", "c.example; priority=2");
        answer(&s);
        assert_int_equal(acme_discovery_next(&disc).kind, ACME_DISC_FETCH);
        const char *first = disc.candidates[disc.order[0]].issuer;
        first_a += strcmp(first, "a.example") == 0;
        first_b += strcmp(first, "b.example") == 0;
        /* The lower priority never goes first. */
        assert_string_equal(disc.candidates[disc.order[2]].issuer, "c.example");
        /* The same seed gives the same order. */
        acme_discovery_t again;
        memcpy(&again, &disc, sizeof(again));
        setup(NULL);
        assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
        answer(&s);
        assert_string_equal(disc.candidates[disc.order[0]].issuer,
                            again.candidates[again.order[0]].issuer);
    }
    assert_int_equal(first_a + first_b, 64);
    assert_true(first_a >= 16 && first_b >= 16);
}

static void test_skipped_records(void **state)
{
    (void)state;
    acme_discovery_params_t p = params(one, 1, 1);
    account_issuer = "acct.example";
    account_url = "https://acct.example/acct/1";
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    caa_set_t s = {0};
    add(&s, 0, "issue", "off.example; discovery=false");
    add(&s, 0, "issue", "zero.example; priority=0");
    add(&s, 0, "issue", "words.example; priority=high");
    add(&s, 0, "issue", "dns.example; validationmethods=dns-01");
    add(&s, 0, "issue", "acct.example; accounturi=https://acct.example/acct/2");
    add(&s, 0, "issue", "bad..example");
    add(&s, 0, "issue", "ok.example; validationmethods=dns-01,http-01; priority=5");
    answer(&s);
    expect_fetch("https://ok.example/.well-known/acme");
    assert_int_equal(disc.order_count, 1);
    static const acme_ca_skip_t want[] = {
        ACME_CA_SKIP_DISCOVERY_FALSE, ACME_CA_SKIP_BAD_PRIORITY,       ACME_CA_SKIP_BAD_PRIORITY,
        ACME_CA_SKIP_VALIDATIONMETHODS, ACME_CA_SKIP_ACCOUNTURI, ACME_CA_SKIP_MALFORMED,
    };
    assert_int_equal(disc.skipped_count, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(disc.skipped[i].reason, want[i]);
    }
    assert_string_equal(acme_ca_skip_name(ACME_CA_SKIP_DISCOVERY_FALSE), "discovery-false");
}

static void test_accounturi_matching_ours_or_unknown_is_kept(void **state)
{
    (void)state;
    acme_discovery_params_t p = params(one, 1, 1);
    account_issuer = "acct.example";
    account_url = "https://acct.example/acct/1";
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    caa_set_t s = {0};
    add(&s, 0, "issue", "acct.example; accounturi=https://acct.example/acct/1");
    add(&s, 0, "issue", "other.example; accounturi=https://other.example/acct/9; priority=9");
    answer(&s);
    assert_int_equal(disc.order_count, 2); /* ours matches; the other CA: ours unknown */
    assert_int_equal(disc.skipped_count, 0);
}

static void test_empty_issuer_forbids(void **state)
{
    (void)state;
    acme_discovery_params_t p = params(one, 1, 1);
    p.default_directory = "https://default.example/dir";
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    caa_set_t s = {0};
    add(&s, 0, "issue", ";");
    answer(&s);
    assert_int_equal(acme_discovery_next(&disc).kind, ACME_DISC_FAILED);
    assert_int_equal(disc.status, ACME_ERR_CAA_DENIED);
    assert_non_null(strstr(disc.detail, "www.example.com"));
}

static void test_wildcard_uses_issuewild_when_present(void **state)
{
    (void)state;
    static const char *wild[] = {"*.example.com"};
    caa_set_t s = {0};
    add(&s, 0, "issue", "ca1.example; priority=1");
    add(&s, 0, "issuewild", "ca3.example; priority=3");

    acme_discovery_params_t p = params(wild, 1, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    expect_caa_query("example.com"); /* "*." is not looked up */
    answer(&s);
    expect_fetch("https://ca3.example/.well-known/acme");
    assert_int_equal(disc.order_count, 1);

    /* The apex uses issue only. */
    static const char *apex[] = {"example.com"};
    setup(NULL);
    p = params(apex, 1, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    answer(&s);
    expect_fetch("https://ca1.example/.well-known/acme");
    assert_int_equal(disc.order_count, 1);

    /* Without issuewild, wildcards follow issue. */
    setup(NULL);
    p = params(wild, 1, 1);
    caa_set_t only_issue = {0};
    add(&only_issue, 0, "issue", "ca1.example");
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    answer(&only_issue);
    expect_fetch("https://ca1.example/.well-known/acme");
}

/* draft-03 §6.1.1: two of three names prefer ca1, all authorize both. */
static void test_multi_name_compromise(void **state)
{
    (void)state;
    static const char *names[] = {"one.example", "two.example", "three.example"};
    acme_discovery_params_t p = params(names, 3, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    caa_set_t a = {0};
    add(&a, 0, "issue", "ca1.example; priority=1");
    add(&a, 0, "issue", "ca2.example; priority=2");
    caa_set_t b = {0};
    add(&b, 0, "issue", "ca1.example; priority=2");
    add(&b, 0, "issue", "ca2.example; priority=1");
    expect_caa_query("one.example");
    answer(&a);
    expect_caa_query("two.example");
    answer(&b);
    expect_caa_query("three.example");
    answer(&a);
    expect_fetch("https://ca1.example/.well-known/acme");
    assert_int_equal(disc.order_count, 2);
    assert_string_equal(disc.candidates[disc.order[1]].issuer, "ca2.example");
    assert_int_equal(disc.candidates[disc.order[0]].rank_sum, 4);
    assert_int_equal(disc.candidates[disc.order[1]].rank_sum, 5);
}

/* Ranks, not raw numbers: priority=100 on one name does not outweigh the
 * other name's order; ties on the rank sum go to the better worst rank. */
static void test_compromise_uses_ranks_then_worst_rank(void **state)
{
    (void)state;
    static const char *names[] = {"a.example", "b.example"};
    acme_discovery_params_t p = params(names, 2, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    caa_set_t a = {0};
    add(&a, 0, "issue", "x.example; priority=1");
    add(&a, 0, "issue", "y.example; priority=100");
    add(&a, 0, "issue", "z.example; priority=2");
    caa_set_t b = {0};
    add(&b, 0, "issue", "y.example; priority=1");
    add(&b, 0, "issue", "x.example; priority=3");
    add(&b, 0, "issue", "z.example; priority=2");
    answer(&a);
    answer(&b);
    /* ranks: x 1+3=4 (worst 3), z 2+2=4 (worst 2), y 3+1=4 (worst 3) */
    assert_int_equal(disc.order_count, 3);
    assert_string_equal(disc.candidates[disc.order[0]].issuer, "z.example");
}

static void test_not_all_names_and_names_without_caa(void **state)
{
    (void)state;
    static const char *names[] = {"a.example", "free.example", "b.example"};
    acme_discovery_params_t p = params(names, 3, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    caa_set_t a = {0};
    add(&a, 0, "issue", "ca1.example");
    add(&a, 0, "issue", "ca2.example");
    caa_set_t b = {0};
    add(&b, 0, "issue", "ca2.example");
    add(&b, 0, "issue", "ca3.example");
    answer(&a);
    answer_empty(ACME_ERR_DNS_NO_ANSWER); /* free.example */
    answer_empty(ACME_ERR_DNS_NO_ANSWER); /* example */
    answer(&b);
    expect_fetch("https://ca2.example/.well-known/acme");
    assert_int_equal(disc.order_count, 1);
    size_t not_all = 0;
    for (size_t i = 0; i < disc.candidate_count; i++) {
        not_all += disc.candidates[i].skip == ACME_CA_SKIP_NOT_ALL_NAMES;
    }
    assert_int_equal(not_all, 2); /* ca1 and ca3 */
}

static void test_no_common_ca(void **state)
{
    (void)state;
    static const char *names[] = {"a.example", "b.example"};
    acme_discovery_params_t p = params(names, 2, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    caa_set_t a = {0};
    add(&a, 0, "issue", "ca1.example");
    caa_set_t b = {0};
    add(&b, 0, "issue", "ca2.example");
    answer(&a);
    answer(&b);
    assert_int_equal(acme_discovery_next(&disc).kind, ACME_DISC_FAILED);
    assert_int_equal(disc.status, ACME_ERR_CAA_DENIED);
}

static void test_redirects_followed_https_only_and_bounded(void **state)
{
    (void)state;
    acme_discovery_params_t p = params(one, 1, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    caa_set_t s = {0};
    add(&s, 0, "issue", "loop.example; priority=1");
    add(&s, 0, "issue", "plain.example; priority=2");
    add(&s, 0, "issue", "good.example; priority=3");
    answer(&s);
    /* loop: redirects beyond the limit */
    expect_fetch("https://loop.example/.well-known/acme");
    for (int i = 0; i < ACME_DISCOVERY_REDIRECTS_MAX; i++) {
        acme_discovery_on_fetch(&disc, reply(302, "/.well-known/acme", ""));
        expect_fetch("https://loop.example/.well-known/acme");
    }
    acme_discovery_on_fetch(&disc, reply(302, "/.well-known/acme", ""));
    /* plain: a downgrade to http is not followed */
    expect_fetch("https://plain.example/.well-known/acme");
    acme_discovery_on_fetch(&disc, reply(301, "http://plain.example/dir", ""));
    /* good: absolute then relative redirect */
    expect_fetch("https://good.example/.well-known/acme");
    acme_discovery_on_fetch(&disc, reply(307, "https://acme.good.example/v2", ""));
    expect_fetch("https://acme.good.example/v2");
    acme_discovery_on_fetch(&disc, reply(308, "/v2/directory", ""));
    expect_fetch("https://acme.good.example/v2/directory");
    serve_directory_expect_ready("good.example");
    assert_string_equal(acme_discovery_current(&disc)->directory,
                        "https://acme.good.example/v2/directory");
    assert_int_equal(disc.candidates[disc.order[0]].skip, ACME_CA_SKIP_DIRECTORY_FAILED);
    assert_int_equal(disc.candidates[disc.order[1]].skip, ACME_CA_SKIP_DIRECTORY_FAILED);
}

static void test_configured_directory_overrides_well_known(void **state)
{
    (void)state;
    table_issuer = "ca1.example";
    table_url = "https://acme.ca1.example/directory";
    acme_discovery_params_t p = params(one, 1, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    caa_set_t s = {0};
    add(&s, 0, "issue", "ca1.example");
    answer(&s);
    expect_fetch("https://acme.ca1.example/directory");
}

static void test_eab_required_skipped_without_credentials(void **state)
{
    (void)state;
    acme_discovery_params_t p = params(one, 1, 1);
    caa_set_t s = {0};
    add(&s, 0, "issue", "eab.example; priority=1");
    add(&s, 0, "issue", "open.example; priority=2");
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    answer(&s);
    expect_fetch("https://eab.example/.well-known/acme");
    acme_discovery_on_fetch(&disc, reply(200, NULL, directory_json(true)));
    expect_fetch("https://open.example/.well-known/acme");
    serve_directory_expect_ready("open.example");
    assert_int_equal(disc.candidates[disc.order[0]].skip, ACME_CA_SKIP_EAB_REQUIRED);

    setup(NULL);
    eab_issuer = "eab.example";
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    answer(&s);
    acme_discovery_on_fetch(&disc, reply(200, NULL, directory_json(true)));
    assert_int_equal(acme_discovery_next(&disc).kind, ACME_DISC_READY);
    assert_string_equal(acme_discovery_current(&disc)->issuer, "eab.example");
    assert_true(disc.directory.external_account_required);
}

static void test_issue_failure_falls_back_then_gives_up(void **state)
{
    (void)state;
    acme_discovery_params_t p = params(one, 1, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    caa_set_t s = {0};
    add(&s, 0, "issue", "ca1.example; priority=1");
    add(&s, 0, "issue", "ca2.example; priority=2");
    answer(&s);
    serve_directory_expect_ready("ca1.example");
    acme_discovery_issue_failed(&disc, ACME_ERR_ORDER_INVALID);
    expect_fetch("https://ca2.example/.well-known/acme");
    serve_directory_expect_ready("ca2.example");
    acme_discovery_issue_failed(&disc, ACME_ERR_TLS);
    assert_int_equal(acme_discovery_next(&disc).kind, ACME_DISC_FAILED);
    assert_int_equal(disc.status, ACME_ERR_TLS); /* the last failure */
    assert_int_equal(disc.candidates[disc.order[0]].skip_status, ACME_ERR_ORDER_INVALID);
}

static void test_cooling_ca_is_kept_out(void **state)
{
    (void)state;
    cooling_issuer = "ca1.example";
    acme_discovery_params_t p = params(one, 1, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    caa_set_t s = {0};
    add(&s, 0, "issue", "ca1.example; priority=1");
    add(&s, 0, "issue", "ca2.example; priority=2");
    answer(&s);
    expect_fetch("https://ca2.example/.well-known/acme");
    assert_int_equal(disc.candidates[0].skip, ACME_CA_SKIP_COOLDOWN);
}

static void test_fetch_all_resolves_every_candidate(void **state)
{
    (void)state;
    acme_discovery_params_t p = params(one, 1, 1);
    p.fetch_all = true;
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_OK);
    caa_set_t s = {0};
    add(&s, 0, "issue", "ca1.example; priority=1");
    add(&s, 0, "issue", "ca2.example; priority=2");
    answer(&s);
    expect_fetch("https://ca1.example/.well-known/acme");
    acme_discovery_on_fetch(&disc, reply(200, NULL, directory_json(false)));
    expect_fetch("https://ca2.example/.well-known/acme");
    acme_discovery_on_fetch(&disc, reply(200, NULL, directory_json(true)));
    assert_int_equal(acme_discovery_next(&disc).kind, ACME_DISC_DONE);
    assert_string_equal(disc.candidates[0].directory, "https://ca1.example/.well-known/acme");
    assert_int_equal(disc.candidates[1].skip, ACME_CA_SKIP_EAB_REQUIRED);
}

static void test_start_rejects_bad_params(void **state)
{
    (void)state;
    static const char *empty[] = {""};
    static const char *bare_wild[] = {"*."};
    acme_discovery_params_t p = params(empty, 1, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_ERR_INVALID_ARG);
    p = params(bare_wild, 1, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_ERR_INVALID_ARG);
    p = params(one, 0, 1);
    assert_int_equal(acme_discovery_start(&disc, &p), ACME_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_climbs_to_the_first_nonempty_rrset, setup),
        cmocka_unit_test_setup(test_no_caa_anywhere_uses_default_or_fails, setup),
        cmocka_unit_test_setup(test_dns_failure_is_not_no_caa, setup),
        cmocka_unit_test_setup(test_critical_unknown_tag_refuses, setup),
        cmocka_unit_test_setup(test_priority_order_and_absent_priority_last, setup),
        cmocka_unit_test_setup(test_equal_priorities_land_on_both_across_seeds, setup),
        cmocka_unit_test_setup(test_skipped_records, setup),
        cmocka_unit_test_setup(test_accounturi_matching_ours_or_unknown_is_kept, setup),
        cmocka_unit_test_setup(test_empty_issuer_forbids, setup),
        cmocka_unit_test_setup(test_wildcard_uses_issuewild_when_present, setup),
        cmocka_unit_test_setup(test_multi_name_compromise, setup),
        cmocka_unit_test_setup(test_compromise_uses_ranks_then_worst_rank, setup),
        cmocka_unit_test_setup(test_not_all_names_and_names_without_caa, setup),
        cmocka_unit_test_setup(test_no_common_ca, setup),
        cmocka_unit_test_setup(test_redirects_followed_https_only_and_bounded, setup),
        cmocka_unit_test_setup(test_configured_directory_overrides_well_known, setup),
        cmocka_unit_test_setup(test_eab_required_skipped_without_credentials, setup),
        cmocka_unit_test_setup(test_issue_failure_falls_back_then_gives_up, setup),
        cmocka_unit_test_setup(test_cooling_ca_is_kept_out, setup),
        cmocka_unit_test_setup(test_fetch_all_resolves_every_candidate, setup),
        cmocka_unit_test_setup(test_start_rejects_bad_params, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
