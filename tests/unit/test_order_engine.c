/*
 * The ACME order engine driven by canned responses, without a network:
 * the request sequence and budget, account reuse and re-registration,
 * polling (backoff, Retry-After, served tokens), and every way a server
 * can say no or send nonsense.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acme/engine/order.h"
#include "crypto_fixture.h"

#define DIR_URL "https://ca.test/dir"

static const uint8_t csr[] = {0x30, 0x03, 0x02, 0x01, 0x00};
static const char *one_name[] = {"a.example.com"};
static const char *two_names[] = {"a.example.com", "b.example.com"};

static const char directory[] =
    "{\"newNonce\":\"https://ca.test/nonce\",\"newAccount\":\"https://ca.test/acct\","
    "\"newOrder\":\"https://ca.test/order\",\"meta\":{\"termsOfService\":\"https://ca.test/tos\"}}";

static acme_order_t order;
static acme_http_response_t resp;
static uint8_t body[4096];
static uint64_t now;

static acme_order_params_t params(const char **names, size_t count, const char *account)
{
    acme_order_params_t p = {
        .directory_url = DIR_URL,
        .names = names,
        .name_count = count,
        .contact = "mailto:ops@example.com",
        .account_url = account,
        .csr_der = csr,
        .csr_len = sizeof(csr),
        .terms_agreed = true,
    };
    return p;
}

static const acme_http_response_t *reply(uint16_t status, const char *location, const char *json)
{
    memset(&resp, 0, sizeof(resp));
    resp.status = status;
    resp.keep_alive = true;
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

/* Expect the next action to be a request to url; return the request. */
static const acme_request_t *expect_send(const char *url)
{
    acme_action_t act = acme_order_next(&order, now);
    assert_int_equal(act.kind, ACME_ACTION_SEND);
    assert_string_equal(order.request.url, url);
    return &order.request;
}

static void feed(uint16_t status, const char *location, const char *json)
{
    acme_status_t st = acme_order_on_response(&order, reply(status, location, json), now,
                                              ACME_TIME_UNKNOWN);
    assert_int_equal(st, ACME_WOULD_BLOCK);
}

static uint64_t expect_wait(void)
{
    acme_action_t act = acme_order_next(&order, now);
    assert_int_equal(act.kind, ACME_ACTION_WAIT);
    return act.wait_until_ms;
}

static const char *order_json(const char *status, const char *extra)
{
    static char buf[1024];
    snprintf(buf, sizeof(buf),
             "{\"status\":\"%s\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"a.example.com\"}],"
             "\"authorizations\":[\"https://ca.test/authz/1\"],"
             "\"finalize\":\"https://ca.test/order/1/finalize\"%s}",
             status, extra != NULL ? extra : "");
    return buf;
}

static const char *authz_json(const char *name, const char *status, const char *token)
{
    static char buf[1024];
    snprintf(buf, sizeof(buf),
             "{\"status\":\"%s\",\"identifier\":{\"type\":\"dns\",\"value\":\"%s\"},"
             "\"challenges\":[{\"type\":\"dns-01\",\"url\":\"https://ca.test/chall/dns\","
             "\"status\":\"pending\",\"token\":\"dnstoken\"},"
             "{\"type\":\"http-01\",\"url\":\"https://ca.test/chall/%s\",\"status\":\"pending\","
             "\"token\":\"%s\"}]}",
             status, name, token, token);
    return buf;
}

static int setup(void **state)
{
    (void)state;
    memset(&order, 0, sizeof(order));
    now = 1000;
    return 0;
}

/* Run from the directory to newOrder's response with a fresh account. */
static void run_to_authz(const char **names, size_t count)
{
    acme_order_params_t p = params(names, count, NULL);
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    const acme_request_t *r = expect_send(DIR_URL);
    assert_int_equal(r->method, ACME_REQ_GET);
    feed(200, NULL, directory);

    r = expect_send("https://ca.test/acct");
    assert_int_equal(r->method, ACME_REQ_POST);
    assert_true(r->sign_with_jwk);
    assert_string_equal(r->payload,
                        "{\"termsOfServiceAgreed\":true,\"contact\":[\"mailto:ops@example.com\"]}");
    feed(201, "https://ca.test/acct/7", "{\"status\":\"valid\"}");

    acme_action_t act = acme_order_next(&order, now);
    assert_int_equal(act.kind, ACME_ACTION_SAVE_ACCOUNT);
    assert_string_equal(order.account_url, "https://ca.test/acct/7");
    assert_true(order.account_is_new);
    acme_order_account_saved(&order);

    r = expect_send("https://ca.test/order");
    assert_false(r->sign_with_jwk);
}

static void test_happy_path_request_sequence(void **state)
{
    (void)state;
    unsigned sends = 0;
    run_to_authz(one_name, 1);
    sends += 3;
    assert_string_equal(order.request.payload,
                        "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"a.example.com\"}]}");
    feed(201, "https://ca.test/order/1", order_json("pending", NULL));

    const acme_request_t *r = expect_send("https://ca.test/authz/1");
    assert_int_equal(r->payload_len, 0); /* POST-as-GET */
    feed(200, NULL, authz_json("a.example.com", "pending", "tok1"));
    sends++;
    assert_string_equal(acme_order_token(&order, 0), "tok1");

    r = expect_send("https://ca.test/chall/tok1");
    assert_string_equal(r->payload, "{}");
    feed(200, NULL, "{\"type\":\"http-01\",\"status\":\"pending\",\"token\":\"tok1\"}");
    sends++;

    /* Backoff starts short. */
    uint64_t until = expect_wait();
    assert_int_equal(until, now + ACME_POLL_FIRST_MS);
    now = until;
    expect_send("https://ca.test/order/1");
    feed(200, NULL, order_json("ready", NULL));
    sends++;

    r = expect_send("https://ca.test/order/1/finalize");
    assert_string_equal(r->payload, "{\"csr\":\"MAMCAQA\"}");
    feed(200, NULL, order_json("processing", NULL));
    sends++;

    until = expect_wait();
    assert_int_equal(until, now + ACME_POLL_FIRST_MS);
    now = until;
    expect_send("https://ca.test/order/1");
    feed(200, NULL, order_json("valid", ",\"certificate\":\"https://ca.test/cert/1\""));
    sends++;

    r = expect_send("https://ca.test/cert/1");
    assert_true(r->expect_chain);
    sends++;
    acme_status_t st = acme_order_on_response(
        &order, reply(200, NULL, "-----BEGIN CERTIFICATE-----\n"), now, ACME_TIME_UNKNOWN);
    assert_int_equal(st, ACME_OK);
    assert_int_equal(acme_order_next(&order, now).kind, ACME_ACTION_DONE);
    /* directory, newAccount, newOrder, authz, challenge, poll, finalize,
     * poll, certificate: 9 engine requests (+1 newNonce by the driver). */
    assert_int_equal(sends, 9);
}

static void test_stored_account_skips_new_account(void **state)
{
    (void)state;
    acme_order_params_t p = params(one_name, 1, "https://ca.test/acct/7");
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    expect_send(DIR_URL);
    feed(200, NULL, directory);
    const acme_request_t *r = expect_send("https://ca.test/order");
    assert_false(r->sign_with_jwk);
    assert_string_equal(order.account_url, "https://ca.test/acct/7");
}

static void test_unknown_stored_account_registers_again_once(void **state)
{
    (void)state;
    acme_order_params_t p = params(one_name, 1, "https://old.test/acct/1");
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    expect_send(DIR_URL);
    feed(200, NULL, directory);
    expect_send("https://ca.test/order");
    feed(400, NULL,
         "{\"type\":\"urn:ietf:params:acme:error:accountDoesNotExist\",\"detail\":\"no such\"}");
    const acme_request_t *r = expect_send("https://ca.test/acct");
    assert_true(r->sign_with_jwk);
    feed(201, "https://ca.test/acct/8", "{\"status\":\"valid\"}");
    assert_int_equal(acme_order_next(&order, now).kind, ACME_ACTION_SAVE_ACCOUNT);
    acme_order_account_saved(&order);
    expect_send("https://ca.test/order");
    /* A second refusal is final. */
    acme_status_t st = acme_order_on_response(
        &order,
        reply(400, NULL,
              "{\"type\":\"urn:ietf:params:acme:error:accountDoesNotExist\",\"detail\":\"x\"}"),
        now, ACME_TIME_UNKNOWN);
    assert_int_equal(st, ACME_ERR_SERVER_PROBLEM);
    assert_int_equal(acme_order_next(&order, now).kind, ACME_ACTION_FAILED);
}

/* ---- resuming an order created before a restart ---------------------------- */

#define RESUMED_URL "https://ca.test/order/41"

/* Start with a stored account and an order to resume; expect its fetch
 * (POST-as-GET) right after the directory. */
static void start_resuming(const char *account)
{
    acme_order_params_t p = params(one_name, 1, account);
    p.order_url = RESUMED_URL;
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    expect_send(DIR_URL);
    feed(200, NULL, directory);
}

static void test_resume_valid_order_downloads_at_once(void **state)
{
    (void)state;
    start_resuming("https://ca.test/acct/7");
    const acme_request_t *r = expect_send(RESUMED_URL);
    assert_int_equal(r->method, ACME_REQ_POST);
    assert_int_equal(r->payload_len, 0); /* POST-as-GET */
    feed(200, NULL, order_json("valid", ",\"certificate\":\"https://ca.test/cert/41\""));
    expect_send("https://ca.test/cert/41");
    assert_string_equal(order.order_url, RESUMED_URL);
}

static void test_resume_pending_order_continues_with_authz(void **state)
{
    (void)state;
    start_resuming("https://ca.test/acct/7");
    expect_send(RESUMED_URL);
    feed(200, NULL, order_json("pending", NULL));
    expect_send("https://ca.test/authz/1");
    feed(200, NULL, authz_json("a.example.com", "pending", "tok"));
    expect_send("https://ca.test/chall/tok");
    feed(200, NULL, "{\"status\":\"pending\"}");
    now = expect_wait();
    expect_send(RESUMED_URL); /* the poll goes to the resumed order */
    feed(200, NULL, order_json("ready", NULL));
    expect_send("https://ca.test/order/1/finalize");
}

static void test_resume_ready_and_processing_orders(void **state)
{
    (void)state;
    start_resuming("https://ca.test/acct/7");
    expect_send(RESUMED_URL);
    feed(200, NULL, order_json("ready", NULL));
    expect_send("https://ca.test/order/1/finalize");

    memset(&order, 0, sizeof(order));
    start_resuming("https://ca.test/acct/7");
    expect_send(RESUMED_URL);
    feed(200, NULL, order_json("processing", NULL));
    now = expect_wait(); /* finalized before the restart: wait for issuance */
    expect_send(RESUMED_URL);
    feed(200, NULL, order_json("valid", ",\"certificate\":\"https://ca.test/cert/41\""));
    expect_send("https://ca.test/cert/41");
}

/* Gone (an error answer) or invalid: one new order instead, no failure. */
static void test_resume_gone_or_invalid_order_orders_anew(void **state)
{
    (void)state;
    start_resuming("https://ca.test/acct/7");
    expect_send(RESUMED_URL);
    feed(404, NULL, "{\"type\":\"urn:ietf:params:acme:error:malformed\",\"detail\":\"no order\"}");
    const acme_request_t *r = expect_send("https://ca.test/order");
    assert_string_equal(r->payload,
                        "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"a.example.com\"}]}");
    assert_string_equal(order.problem.type, "");
    feed(201, "https://ca.test/order/42", order_json("pending", NULL));
    assert_string_equal(order.order_url, "https://ca.test/order/42");

    memset(&order, 0, sizeof(order));
    start_resuming("https://ca.test/acct/7");
    expect_send(RESUMED_URL);
    feed(200, NULL,
         order_json("invalid", ",\"error\":{\"type\":\"urn:ietf:params:acme:error:"
                               "unauthorized\",\"detail\":\"failed before the restart\"}"));
    expect_send("https://ca.test/order");
    assert_string_equal(order.problem.type, "");
    assert_string_equal(order.order_url, "");
    /* The new order failing is final: no second new order. */
    acme_status_t st = acme_order_on_response(
        &order, reply(400, NULL, "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\"}"),
        now, ACME_TIME_UNKNOWN);
    assert_int_equal(st, ACME_ERR_SERVER_PROBLEM);
    assert_int_equal(acme_order_next(&order, now).kind, ACME_ACTION_FAILED);
}

/* Without a stored account there is nothing to resume with: a new account,
 * then a new order. A resumed order with other names is refused as the
 * authorization arrives. */
static void test_resume_needs_the_account_and_the_names(void **state)
{
    (void)state;
    start_resuming(NULL);
    expect_send("https://ca.test/acct");
    feed(201, "https://ca.test/acct/9", "{\"status\":\"valid\"}");
    assert_int_equal(acme_order_next(&order, now).kind, ACME_ACTION_SAVE_ACCOUNT);
    acme_order_account_saved(&order);
    expect_send("https://ca.test/order");

    memset(&order, 0, sizeof(order));
    start_resuming("https://ca.test/acct/7");
    expect_send(RESUMED_URL);
    feed(200, NULL, order_json("pending", NULL));
    expect_send("https://ca.test/authz/1");
    acme_status_t st = acme_order_on_response(
        &order, reply(200, NULL, authz_json("other.example.com", "pending", "tok")), now,
        ACME_TIME_UNKNOWN);
    assert_int_equal(st, ACME_ERR_MALFORMED);
}

static void test_two_names_one_poll(void **state)
{
    (void)state;
    run_to_authz(two_names, 2);
    assert_string_equal(order.request.payload,
                        "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"a.example.com\"},"
                        "{\"type\":\"dns\",\"value\":\"b.example.com\"}]}");
    feed(201, "https://ca.test/order/2",
         "{\"status\":\"pending\",\"authorizations\":[\"https://ca.test/authz/a\","
         "\"https://ca.test/authz/b\"],\"finalize\":\"https://ca.test/order/2/fin\"}");
    expect_send("https://ca.test/authz/a");
    feed(200, NULL, authz_json("a.example.com", "pending", "ta"));
    expect_send("https://ca.test/chall/ta");
    feed(200, NULL, "{\"status\":\"pending\"}");
    expect_send("https://ca.test/authz/b");
    feed(200, NULL, authz_json("B.EXAMPLE.COM", "pending", "tb")); /* case-blind */
    expect_send("https://ca.test/chall/tb");
    feed(200, NULL, "{\"status\":\"processing\"}");
    /* The CA fetched both tokens: poll shortly after the last fetch. */
    uint64_t backoff_until = expect_wait();
    assert_string_equal(acme_order_on_served(&order, "ta", 2, now + 5), "ta");
    assert_null(acme_order_on_served(&order, "zz", 2, now + 6));
    assert_int_equal(expect_wait(), backoff_until); /* one token left */
    assert_non_null(acme_order_on_served(&order, "tb", 2, now + 10));
    assert_int_equal(expect_wait(), now + 10 + ACME_POLL_AFTER_SERVE_MS);
    now += 10 + ACME_POLL_AFTER_SERVE_MS;
    expect_send("https://ca.test/order/2");
}

static void test_valid_authz_needs_no_challenge(void **state)
{
    (void)state;
    run_to_authz(one_name, 1);
    feed(201, "https://ca.test/order/1", order_json("pending", NULL));
    expect_send("https://ca.test/authz/1");
    feed(200, NULL, authz_json("a.example.com", "valid", "tok"));
    /* Nothing to validate: poll the order at once. */
    expect_send("https://ca.test/order/1");
}

static void test_ready_order_goes_straight_to_finalize(void **state)
{
    (void)state;
    run_to_authz(one_name, 1);
    feed(201, "https://ca.test/order/1", order_json("ready", NULL));
    expect_send("https://ca.test/order/1/finalize");
    feed(200, NULL, order_json("valid", ",\"certificate\":\"https://ca.test/cert/9\""));
    expect_send("https://ca.test/cert/9");
}

static void to_polling(void)
{
    run_to_authz(one_name, 1);
    feed(201, "https://ca.test/order/1", order_json("pending", NULL));
    expect_send("https://ca.test/authz/1");
    feed(200, NULL, authz_json("a.example.com", "pending", "tok1"));
    expect_send("https://ca.test/chall/tok1");
    feed(200, NULL, "{\"status\":\"pending\"}");
}

static void test_backoff_doubles_and_retry_after_wins(void **state)
{
    (void)state;
    to_polling();
    uint32_t expected = ACME_POLL_FIRST_MS;
    for (int i = 0; i < 4; i++) {
        uint64_t until = expect_wait();
        assert_int_equal(until - now, expected);
        now = until;
        expect_send("https://ca.test/order/1");
        feed(200, NULL, order_json("pending", NULL));
        expected *= 2;
    }
    /* A Retry-After replaces the computed delay... */
    now = expect_wait();
    expect_send("https://ca.test/order/1");
    reply(200, NULL, order_json("pending", NULL));
    resp.retry_after_s = 7;
    assert_int_equal(acme_order_on_response(&order, &resp, now, ACME_TIME_UNKNOWN),
                     ACME_WOULD_BLOCK);
    assert_int_equal(expect_wait(), now + 7000);
    /* ...and is a floor that a served token cannot undercut. */
    acme_order_on_served(&order, "tok1", 4, now);
    assert_int_equal(expect_wait(), now + 7000);
    /* Absurd values are clamped. */
    now += 7000;
    expect_send("https://ca.test/order/1");
    reply(200, NULL, order_json("pending", NULL));
    resp.retry_after_s = 99999999;
    acme_order_on_response(&order, &resp, now, ACME_TIME_UNKNOWN);
    uint64_t clamped = now + ACME_RETRY_AFTER_MAX_MS;
    /* ...and never past the issuance deadline. */
    uint64_t deadline = order.started_ms + order.deadline;
    assert_int_equal(expect_wait(), clamped < deadline ? clamped : deadline);
}

/* A CA that has fetched the token but keeps answering "pending" (say, one of
 * several validation perspectives failed and it retries) gets one quick poll
 * after the fetch and then the backoff -- not a poll every settle time. */
static void test_served_then_pending_backs_off(void **state)
{
    (void)state;
    to_polling();
    assert_non_null(acme_order_on_served(&order, "tok1", 4, now + 5));
    now = expect_wait();
    assert_int_equal(order.started_ms + order.last_served + ACME_POLL_AFTER_SERVE_MS, now);
    int polls = 0;
    uint64_t start = now;
    while (now - start < 10000u) {
        expect_send("https://ca.test/order/1");
        feed(200, NULL, order_json("pending", NULL));
        polls++;
        uint64_t until = expect_wait();
        assert_true(until - now >= ACME_POLL_FIRST_MS);
        now = until;
    }
    /* 250, 500, 1000, 2000, 4000 ms, ...: at most 6 polls in 10 s. */
    assert_true(polls <= 6);
}

static void test_retry_after_http_date(void **state)
{
    (void)state;
    to_polling();
    now = expect_wait();
    expect_send("https://ca.test/order/1");
    reply(200, NULL, order_json("pending", NULL));
    resp.retry_after_epoch = 1700000030;
    acme_order_on_response(&order, &resp, now, 1700000000);
    assert_int_equal(expect_wait(), now + 30000);
}

static void test_polling_is_bounded(void **state)
{
    (void)state;
    to_polling();
    /* A server that says "pending" for ever: the poll count or the issue
     * deadline ends it, whichever comes first. */
    unsigned polls = 0;
    for (;;) {
        acme_action_t act = acme_order_next(&order, now);
        if (act.kind == ACME_ACTION_WAIT) {
            now = act.wait_until_ms;
            continue;
        }
        if (act.kind != ACME_ACTION_SEND) {
            break;
        }
        polls++;
        assert_true(polls <= ACME_POLL_MAX_COUNT + 1u);
        acme_order_on_response(&order, reply(200, NULL, order_json("pending", NULL)), now,
                               ACME_TIME_UNKNOWN);
    }
    assert_int_equal(order.status, ACME_ERR_TIMEOUT);
    assert_true(now - 1000 <= ACME_ISSUE_TIMEOUT_MS);
}

static void test_issue_deadline(void **state)
{
    (void)state;
    to_polling();
    now += ACME_ISSUE_TIMEOUT_MS;
    assert_int_equal(acme_order_next(&order, now).kind, ACME_ACTION_FAILED);
    assert_int_equal(order.status, ACME_ERR_TIMEOUT);
}

static void test_invalid_order_reports_challenge_error(void **state)
{
    (void)state;
    to_polling();
    now = expect_wait();
    expect_send("https://ca.test/order/1");
    feed(200, NULL, order_json("invalid", NULL));
    /* No reason on the order: the authorization is fetched for it. */
    expect_send("https://ca.test/authz/1");
    acme_status_t st = acme_order_on_response(
        &order,
        reply(200, NULL,
              "{\"status\":\"invalid\",\"identifier\":{\"type\":\"dns\",\"value\":\"a.example.com\"},"
              "\"challenges\":[{\"type\":\"http-01\",\"url\":\"https://ca.test/c\",\"status\":"
              "\"invalid\",\"token\":\"tok1\",\"error\":{\"type\":\"urn:ietf:params:acme:error:"
              "connection\",\"detail\":\"Connection refused\"}}]}"),
        now, ACME_TIME_UNKNOWN);
    assert_int_equal(st, ACME_ERR_ORDER_INVALID);
    assert_string_equal(order.problem.type, "urn:ietf:params:acme:error:connection");
    assert_string_equal(order.problem.detail, "Connection refused");
}

static void test_problem_document_with_subproblems(void **state)
{
    (void)state;
    run_to_authz(two_names, 2);
    acme_status_t st = acme_order_on_response(
        &order,
        reply(400, NULL,
              "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\",\"detail\":\"Error "
              "creating new order\",\"subproblems\":[{\"type\":\"urn:ietf:params:acme:error:"
              "rejectedIdentifier\",\"detail\":\"policy forbids\",\"identifier\":{\"type\":\"dns\","
              "\"value\":\"b.example.com\"}}]}"),
        now, ACME_TIME_UNKNOWN);
    assert_int_equal(st, ACME_ERR_SERVER_PROBLEM);
    assert_int_equal(order.problem.http_status, 400);
    assert_string_equal(order.problem.detail, "Error creating new order");
    assert_int_equal(order.problem.subproblem_count, 1);
    assert_string_equal(order.problem.subproblems[0].identifier, "b.example.com");
    assert_string_equal(order.problem.subproblems[0].detail, "policy forbids");
}

static void test_hostile_and_broken_responses(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        acme_status_t expect;
    } cases[] = {
        {"not json", ACME_ERR_MALFORMED},
        {"[1,2]", ACME_ERR_MALFORMED},
        {"{\"status\":\"pending\"}", ACME_ERR_MALFORMED}, /* no finalize */
        {"{\"status\":\"weird\",\"authorizations\":[],\"finalize\":\"x\"}", ACME_ERR_MALFORMED},
        {"{\"status\":\"pending\",\"authorizations\":\"x\",\"finalize\":\"x\"}", ACME_ERR_MALFORMED},
        {"{\"status\":\"pending\",\"authorizations\":[],\"finalize\":\"x\"}", ACME_ERR_MALFORMED},
        {"{\"status\":\"pending\",\"authorizations\":[\"a\",\"b\",\"c\",\"d\",\"e\"],"
         "\"finalize\":\"x\"}",
         ACME_ERR_OVERSIZE},
        {"{\"status\":7,\"authorizations\":[\"a\"],\"finalize\":\"x\"}", ACME_ERR_MALFORMED},
        {"{\"status\":\"pending\",\"authorizations\":[\"a\"],\"finalize\":\"https://ca.test/"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
         ACME_ERR_OVERSIZE},
        {"{\"status\":\"pending\",\"authorizations\":[\"a\"],\"finalize\":\"x\",\"x\":[[[[[[[[[[[["
         "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
         ACME_ERR_MALFORMED}, /* nesting beyond the cap */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        setup(NULL);
        run_to_authz(one_name, 1);
        acme_status_t st = acme_order_on_response(&order, reply(201, "https://ca.test/o", cases[i].json),
                                                  now, ACME_TIME_UNKNOWN);
        if (st != cases[i].expect) {
            fprintf(stderr, "case %zu: got %d\n", i, st);
        }
        assert_int_equal(st, cases[i].expect);
        assert_int_equal(acme_order_next(&order, now).kind, ACME_ACTION_FAILED);
    }
}

static void test_missing_location_and_statuses(void **state)
{
    (void)state;
    run_to_authz(one_name, 1);
    acme_status_t st = acme_order_on_response(&order, reply(201, NULL, order_json("pending", NULL)),
                                              now, ACME_TIME_UNKNOWN);
    assert_int_equal(st, ACME_ERR_MALFORMED);

    setup(NULL);
    run_to_authz(one_name, 1);
    st = acme_order_on_response(&order, reply(302, "https://elsewhere/", ""), now,
                                ACME_TIME_UNKNOWN);
    assert_int_equal(st, ACME_ERR_HTTP_STATUS);
}

static void test_no_http01_challenge(void **state)
{
    (void)state;
    run_to_authz(one_name, 1);
    feed(201, "https://ca.test/order/1", order_json("pending", NULL));
    expect_send("https://ca.test/authz/1");
    acme_status_t st = acme_order_on_response(
        &order,
        reply(200, NULL,
              "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"a.example.com\"},"
              "\"challenges\":[{\"type\":\"dns-01\",\"url\":\"u\",\"status\":\"pending\","
              "\"token\":\"t\"}]}"),
        now, ACME_TIME_UNKNOWN);
    assert_int_equal(st, ACME_ERR_UNSUPPORTED);
}

static void test_foreign_identifier_and_bad_token(void **state)
{
    (void)state;
    run_to_authz(one_name, 1);
    feed(201, "https://ca.test/order/1", order_json("pending", NULL));
    expect_send("https://ca.test/authz/1");
    acme_status_t st = acme_order_on_response(
        &order, reply(200, NULL, authz_json("evil.example.net", "pending", "t")), now,
        ACME_TIME_UNKNOWN);
    assert_int_equal(st, ACME_ERR_MALFORMED);

    setup(NULL);
    run_to_authz(one_name, 1);
    feed(201, "https://ca.test/order/1", order_json("pending", NULL));
    expect_send("https://ca.test/authz/1");
    /* A token that would inject bytes into the http-01 response. */
    st = acme_order_on_response(&order,
                                reply(200, NULL, authz_json("a.example.com", "pending", "t\\r\\nX")),
                                now, ACME_TIME_UNKNOWN);
    assert_int_equal(st, ACME_ERR_MALFORMED);
}

static void test_eab_required_directory(void **state)
{
    (void)state;
    acme_order_params_t p = params(one_name, 1, NULL);
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    expect_send(DIR_URL);
    acme_status_t st = acme_order_on_response(
        &order,
        reply(200, NULL,
              "{\"newNonce\":\"n\",\"newAccount\":\"a\",\"newOrder\":\"o\","
              "\"meta\":{\"externalAccountRequired\":true}}"),
        now, ACME_TIME_UNKNOWN);
    assert_int_equal(st, ACME_ERR_UNSUPPORTED);
}

#if ACME_ENABLE_EAB
/* EAB in newAccount with each MAC: the engine hands kid, key and algorithm
 * to the codec (test_eab.c checks its output in depth); here the protected
 * header names the algorithm the params asked for. */
static void test_eab_alg_in_new_account(void **state)
{
    (void)state;
    static const uint8_t key[32] = {1, 2, 3};
    static const char jwk[] = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"x\",\"y\":\"y\"}";
    /* base64url of {"alg":"HSnnn", (15 bytes: whole groups, so a prefix). */
    static const struct {
        uint8_t alg;
        const char *header_start;
    } cases[] = {
        {ACME_EAB_DEFAULT, "\"protected\":\"eyJhbGciOiJIUzI1NiIs"},
        {ACME_EAB_HS256, "\"protected\":\"eyJhbGciOiJIUzI1NiIs"},
        {ACME_EAB_HS384, "\"protected\":\"eyJhbGciOiJIUzM4NCIs"},
        {ACME_EAB_HS512, "\"protected\":\"eyJhbGciOiJIUzUxMiIs"},
    };
    assert_int_equal(fixture_arena_init(16u * 1024u), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        setup(NULL);
        acme_order_params_t p = params(one_name, 1, NULL);
        p.eab_kid = "kid-1";
        p.eab_key = key;
        p.eab_key_len = sizeof(key);
        p.eab_alg = cases[i].alg;
        p.account_jwk = jwk;
        assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
        expect_send(DIR_URL);
        feed(200, NULL, directory);
        const acme_request_t *r = expect_send("https://ca.test/acct");
        assert_non_null(strstr(r->payload, ",\"externalAccountBinding\":{"));
        assert_non_null(strstr(r->payload, cases[i].header_start));
    }
    assert_int_equal(fixture_arena_in_use(), 0);
}
#endif

static void test_start_rejects_unusable_params(void **state)
{
    (void)state;
    static const char *wild[] = {"*.example.com"};
    static const char *empty[] = {""};
    acme_order_params_t p = params(wild, 1, NULL);
    assert_int_equal(acme_order_start(&order, &p, now), ACME_ERR_INVALID_ARG);
    p = params(empty, 1, NULL);
    assert_int_equal(acme_order_start(&order, &p, now), ACME_ERR_INVALID_ARG);
    p = params(one_name, 0, NULL);
    assert_int_equal(acme_order_start(&order, &p, now), ACME_ERR_INVALID_ARG);
    p = params(one_name, ACME_MAX_IDENTIFIERS + 1, NULL);
    assert_int_equal(acme_order_start(&order, &p, now), ACME_ERR_INVALID_ARG);
    p = params(one_name, 1, NULL);
    p.csr_len = 0;
    assert_int_equal(acme_order_start(&order, &p, now), ACME_ERR_INVALID_ARG);
}

static void test_transport_error_fails_the_order(void **state)
{
    (void)state;
    run_to_authz(one_name, 1);
    acme_order_on_error(&order, ACME_ERR_TLS_VERIFY);
    assert_int_equal(acme_order_next(&order, now).kind, ACME_ACTION_FAILED);
    assert_int_equal(order.status, ACME_ERR_TLS_VERIFY);
    /* Responses after the end are refused, not acted on. */
    assert_int_equal(acme_order_on_response(&order, reply(200, NULL, "{}"), now, 0),
                     ACME_ERR_BAD_STATE);
}

/* A directory with renewalInfo and meta.profiles (one name too long to be
 * offered, one not a string: neither breaks the directory). */
static const char ari_directory[] =
    "{\"newNonce\":\"https://ca.test/nonce\",\"newAccount\":\"https://ca.test/acct\","
    "\"newOrder\":\"https://ca.test/order\",\"renewalInfo\":\"https://ca.test/ari\","
    "\"meta\":{\"profiles\":{\"classic\":\"90 days\",\"shortlived\":\"6 days\","
    "\"a-profile-name-much-longer-than-thirty-two\":\"x\",\"odd\":7}}}";

#define CERT_ID "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"

/* Up to newOrder with a stored account, the directory given. */
static const acme_request_t *to_new_order(acme_order_params_t *p, const char *dir_json)
{
    assert_int_equal(acme_order_start(&order, p, now), ACME_OK);
    expect_send(DIR_URL);
    feed(200, NULL, dir_json);
    return expect_send("https://ca.test/order");
}

#if ACME_ENABLE_ARI
/* "replaces" names the certificate, but only at a CA with renewalInfo. */
static void test_replaces_only_where_ari_is_offered(void **state)
{
    (void)state;
    acme_order_params_t p = params(one_name, 1, "https://ca.test/acct/7");
    p.cert_id = CERT_ID;
    const acme_request_t *r = to_new_order(&p, ari_directory);
    assert_string_equal(r->payload, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
                                    "\"a.example.com\"}],\"replaces\":\"" CERT_ID "\"}");
    memset(&order, 0, sizeof(order));
    r = to_new_order(&p, directory);
    assert_null(strstr(r->payload, "replaces"));
}

/* 409 alreadyReplaced: the same order once more without "replaces", and
 * a second refusal ends the run (no loop). */
static void test_already_replaced_orders_once_without_replaces(void **state)
{
    (void)state;
    static const char problem[] =
        "{\"type\":\"urn:ietf:params:acme:error:alreadyReplaced\",\"detail\":\"replaced\"}";
    acme_order_params_t p = params(one_name, 1, "https://ca.test/acct/7");
    p.cert_id = CERT_ID;
    to_new_order(&p, ari_directory);
    feed(409, NULL, problem);
    assert_true(order.already_replaced);
    const acme_request_t *r = expect_send("https://ca.test/order");
    assert_null(strstr(r->payload, "replaces"));
    feed(201, "https://ca.test/order/1", order_json("pending", NULL));
    expect_send("https://ca.test/authz/1");
    /* Again, from the start: a second alreadyReplaced is a failure. */
    memset(&order, 0, sizeof(order));
    to_new_order(&p, ari_directory);
    feed(409, NULL, problem);
    expect_send("https://ca.test/order");
    assert_int_equal(acme_order_on_response(&order, reply(409, NULL, problem), now,
                                            ACME_TIME_UNKNOWN),
                     ACME_ERR_SERVER_PROBLEM);
}

/* The ARI check: GET directory, GET renewalInfo/<certID>, done; nothing
 * signed, no account, no CSR needed. A CA without renewalInfo: unsupported. */
static void test_ari_check_flow(void **state)
{
    (void)state;
    acme_order_params_t p = params(one_name, 1, NULL);
    p.csr_der = NULL;
    p.csr_len = 0;
    p.op = ACME_OP_ARI_CHECK;
    assert_int_equal(acme_order_start(&order, &p, now), ACME_ERR_INVALID_ARG); /* no certID */
    p.cert_id = CERT_ID;
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    expect_send(DIR_URL);
    feed(200, NULL, ari_directory);
    const acme_request_t *r = expect_send("https://ca.test/ari/" CERT_ID);
    assert_int_equal(r->method, ACME_REQ_GET);
    assert_int_equal(acme_order_on_response(
                         &order,
                         reply(200, NULL,
                               "{\"suggestedWindow\":{\"start\":\"2026-01-01T00:00:00Z\","
                               "\"end\":\"2026-01-02T00:00:00Z\"}}"),
                         now, ACME_TIME_UNKNOWN),
                     ACME_OK);
    assert_int_equal(acme_order_next(&order, now).kind, ACME_ACTION_DONE);

    memset(&order, 0, sizeof(order));
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    expect_send(DIR_URL);
    assert_int_equal(acme_order_on_response(&order, reply(200, NULL, directory), now,
                                            ACME_TIME_UNKNOWN),
                     ACME_ERR_UNSUPPORTED);
    /* An error answer ends the check with the CA's problem. */
    memset(&order, 0, sizeof(order));
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    expect_send(DIR_URL);
    feed(200, NULL, ari_directory);
    expect_send("https://ca.test/ari/" CERT_ID);
    assert_int_equal(acme_order_on_response(&order,
                                            reply(404, NULL,
                                                  "{\"type\":\"urn:ietf:params:acme:error:"
                                                  "malformed\"}"),
                                            now, ACME_TIME_UNKNOWN),
                     ACME_ERR_SERVER_PROBLEM);
}
#endif

#if ACME_ENABLE_ACCOUNT_ADMIN
static const char admin_directory[] =
    "{\"newNonce\":\"https://ca.test/nonce\",\"newAccount\":\"https://ca.test/acct\","
    "\"newOrder\":\"https://ca.test/order\",\"revokeCert\":\"https://ca.test/revoke\"}";

/* Revocation: the certificate in base64url with the reason (none for 0),
 * with the stored account; alreadyRevoked is done; reason 7 is refused. */
static void test_revoke(void **state)
{
    (void)state;
    static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0xFF};
    acme_order_params_t p = params(one_name, 1, "https://ca.test/acct/7");
    p.op = ACME_OP_REVOKE;
    p.csr_der = NULL;
    p.csr_len = 0;
    p.cert_der = der;
    p.cert_der_len = sizeof(der);
    p.revoke_reason = 7;
    assert_int_equal(acme_order_start(&order, &p, now), ACME_ERR_INVALID_ARG);
    for (uint8_t reason = 0; reason <= 10; reason += 5) {
        memset(&order, 0, sizeof(order));
        p.revoke_reason = reason;
        assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
        expect_send(DIR_URL);
        feed(200, NULL, admin_directory);
        const acme_request_t *r = expect_send("https://ca.test/revoke");
        assert_int_equal(r->method, ACME_REQ_POST);
        assert_false(r->sign_with_jwk);
        char want[96];
        snprintf(want, sizeof(want), "{\"certificate\":\"MAMCAf8\"%s%.0u}",
                 reason != 0 ? ",\"reason\":" : "", (unsigned)reason);
        assert_string_equal(r->payload, want);
        assert_int_equal(acme_order_on_response(&order, reply(200, NULL, ""), now,
                                                ACME_TIME_UNKNOWN),
                         ACME_OK);
    }
    memset(&order, 0, sizeof(order));
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    expect_send(DIR_URL);
    feed(200, NULL, admin_directory);
    expect_send("https://ca.test/revoke");
    assert_int_equal(acme_order_on_response(&order,
                                            reply(400, NULL,
                                                  "{\"type\":\"urn:ietf:params:acme:error:"
                                                  "alreadyRevoked\"}"),
                                            now, ACME_TIME_UNKNOWN),
                     ACME_OK);
    /* No account, or a CA without revokeCert: refused before any POST. */
    memset(&order, 0, sizeof(order));
    p.account_url = NULL;
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    expect_send(DIR_URL);
    assert_int_equal(acme_order_on_response(&order, reply(200, NULL, admin_directory), now,
                                            ACME_TIME_UNKNOWN),
                     ACME_ERR_NOT_FOUND);
    memset(&order, 0, sizeof(order));
    p.account_url = "https://ca.test/acct/7";
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    expect_send(DIR_URL);
    assert_int_equal(acme_order_on_response(&order, reply(200, NULL, directory), now,
                                            ACME_TIME_UNKNOWN),
                     ACME_ERR_UNSUPPORTED);
}

/* Deactivation: {"status":"deactivated"} to the account URL; only an
 * account that says deactivated is done. */
static void test_deactivate(void **state)
{
    (void)state;
    acme_order_params_t p = params(one_name, 1, "https://ca.test/acct/7");
    p.op = ACME_OP_DEACTIVATE;
    p.csr_der = NULL;
    p.csr_len = 0;
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    expect_send(DIR_URL);
    feed(200, NULL, admin_directory);
    const acme_request_t *r = expect_send("https://ca.test/acct/7");
    assert_string_equal(r->payload, "{\"status\":\"deactivated\"}");
    assert_int_equal(acme_order_on_response(&order, reply(200, NULL, "{\"status\":\"valid\"}"),
                                            now, ACME_TIME_UNKNOWN),
                     ACME_ERR_SERVER_PROBLEM);
    memset(&order, 0, sizeof(order));
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    expect_send(DIR_URL);
    feed(200, NULL, admin_directory);
    expect_send("https://ca.test/acct/7");
    assert_int_equal(acme_order_on_response(&order,
                                            reply(200, NULL, "{\"status\":\"deactivated\"}"),
                                            now, ACME_TIME_UNKNOWN),
                     ACME_OK);
    assert_int_equal(acme_order_next(&order, now).kind, ACME_ACTION_DONE);
}

static const char rollover_directory[] =
    "{\"newNonce\":\"https://ca.test/nonce\",\"newAccount\":\"https://ca.test/acct\","
    "\"newOrder\":\"https://ca.test/order\",\"keyChange\":\"https://ca.test/key-change\"}";
#define OLD_JWK "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"old-x\",\"y\":\"old-y\"}"

static acme_order_params_t rollover_params(bool probe)
{
    acme_order_params_t p = params(NULL, 0, "https://ca.test/acct/7");
    p.op = ACME_OP_KEY_CHANGE;
    p.csr_der = NULL;
    p.csr_len = 0;
    p.account_jwk = OLD_JWK;
    p.rollover_probe = probe;
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    expect_send(DIR_URL);
    return p;
}

/* The keyChange request: the inner payload {account, oldKey} for the driver
 * to sign with the new key, the outer signed by the account (kid). */
static void expect_key_change(void)
{
    const acme_request_t *r = expect_send("https://ca.test/key-change");
    assert_int_equal(r->method, ACME_REQ_POST);
    assert_true(r->key_change);
    assert_false(r->new_key);
    assert_false(r->sign_with_jwk);
    assert_string_equal(r->payload,
                        "{\"account\":\"https://ca.test/acct/7\",\"oldKey\":" OLD_JWK "}");
}

/* Key rollover, fresh: directory, keyChange, done; a CA without keyChange
 * or no account: refused before any POST. */
static void test_key_change(void **state)
{
    (void)state;
    (void)rollover_params(false);
    feed(200, NULL, rollover_directory);
    expect_key_change();
    assert_int_equal(acme_order_on_response(&order, reply(200, NULL, ""), now,
                                            ACME_TIME_UNKNOWN),
                     ACME_OK);
    assert_false(order.key_already_changed);
    assert_int_equal(acme_order_next(&order, now).kind, ACME_ACTION_DONE);

    (void)rollover_params(false);
    assert_int_equal(acme_order_on_response(&order, reply(200, NULL, directory), now,
                                            ACME_TIME_UNKNOWN),
                     ACME_ERR_UNSUPPORTED);
    acme_order_params_t p = params(NULL, 0, NULL);
    p.op = ACME_OP_KEY_CHANGE;
    assert_int_equal(acme_order_start(&order, &p, now), ACME_OK);
    expect_send(DIR_URL);
    assert_int_equal(acme_order_on_response(&order, reply(200, NULL, rollover_directory), now,
                                            ACME_TIME_UNKNOWN),
                     ACME_ERR_NOT_FOUND);
}

/* Resuming a rollover: the probe (onlyReturnExisting, signed with the new
 * key's JWK) decides. Found at our URL: done without keyChange. Not found:
 * keyChange. Found at another account: refused. */
static void test_key_change_probe(void **state)
{
    (void)state;
    (void)rollover_params(true);
    feed(200, NULL, rollover_directory);
    const acme_request_t *r = expect_send("https://ca.test/acct");
    assert_true(r->sign_with_jwk);
    assert_true(r->new_key);
    assert_false(r->key_change);
    assert_string_equal(r->payload, "{\"onlyReturnExisting\":true}");
    assert_int_equal(acme_order_on_response(&order,
                                            reply(200, "https://ca.test/acct/7",
                                                  "{\"status\":\"valid\"}"),
                                            now, ACME_TIME_UNKNOWN),
                     ACME_OK);
    assert_true(order.key_already_changed);

    (void)rollover_params(true);
    feed(200, NULL, rollover_directory);
    expect_send("https://ca.test/acct");
    feed(400, NULL, "{\"type\":\"urn:ietf:params:acme:error:accountDoesNotExist\"}");
    expect_key_change();
    assert_int_equal(acme_order_on_response(&order, reply(200, NULL, ""), now,
                                            ACME_TIME_UNKNOWN),
                     ACME_OK);
    assert_false(order.key_already_changed);

    (void)rollover_params(true);
    feed(200, NULL, rollover_directory);
    expect_send("https://ca.test/acct");
    assert_int_equal(acme_order_on_response(&order,
                                            reply(200, "https://ca.test/acct/8",
                                                  "{\"status\":\"valid\"}"),
                                            now, ACME_TIME_UNKNOWN),
                     ACME_ERR_SERVER_PROBLEM);
    assert_true(order.key_change_refused);
}

/* An error answer to keyChange is checked with the probe before it counts:
 * accountDoesNotExist for the new key confirms the refusal (keyChange's own
 * problem is reported, and the driver may drop the new key); the account
 * under the new key means the change was made after all (a replay of a
 * change whose answer was lost). A 5xx or no answer decides nothing. */
static void test_key_change_refused_or_unknown(void **state)
{
    (void)state;
    static const char not_found[] =
        "{\"type\":\"urn:ietf:params:acme:error:accountDoesNotExist\"}";
    (void)rollover_params(false);
    feed(200, NULL, rollover_directory);
    expect_key_change();
    feed(409, "https://ca.test/acct/8", NULL);
    assert_false(order.key_change_refused);
    const acme_request_t *r = expect_send("https://ca.test/acct");
    assert_true(r->new_key);
    assert_string_equal(r->payload, "{\"onlyReturnExisting\":true}");
    assert_int_equal(acme_order_on_response(&order, reply(400, NULL, not_found), now,
                                            ACME_TIME_UNKNOWN),
                     ACME_ERR_SERVER_PROBLEM);
    assert_true(order.key_change_refused);
    assert_int_equal(order.problem.http_status, 409);
    assert_string_equal(order.problem.detail, "the new key already belongs to another account");

    (void)rollover_params(false);
    feed(200, NULL, rollover_directory);
    expect_key_change();
    feed(400, NULL, "{\"type\":\"urn:ietf:params:acme:error:malformed\",\"detail\":\"no\"}");
    expect_send("https://ca.test/acct");
    assert_int_equal(acme_order_on_response(&order, reply(400, NULL, not_found), now,
                                            ACME_TIME_UNKNOWN),
                     ACME_ERR_SERVER_PROBLEM);
    assert_true(order.key_change_refused);
    assert_string_equal(order.problem.type, "urn:ietf:params:acme:error:malformed");
    assert_string_equal(order.problem.detail, "no");

    /* The error answered a replay: the account is under the new key. */
    (void)rollover_params(false);
    feed(200, NULL, rollover_directory);
    expect_key_change();
    feed(401, NULL, "{\"type\":\"urn:ietf:params:acme:error:unauthorized\"}");
    expect_send("https://ca.test/acct");
    assert_int_equal(acme_order_on_response(&order,
                                            reply(200, "https://ca.test/acct/7",
                                                  "{\"status\":\"valid\"}"),
                                            now, ACME_TIME_UNKNOWN),
                     ACME_OK);
    assert_true(order.key_already_changed);
    assert_false(order.key_change_refused);

    (void)rollover_params(false);
    feed(200, NULL, rollover_directory);
    expect_key_change();
    assert_int_equal(acme_order_on_response(&order, reply(503, NULL, NULL), now,
                                            ACME_TIME_UNKNOWN),
                     ACME_ERR_SERVER_PROBLEM);
    assert_false(order.key_change_refused);

    (void)rollover_params(false);
    feed(200, NULL, rollover_directory);
    expect_key_change();
    acme_order_on_error(&order, ACME_ERR_TIMEOUT);
    assert_false(order.key_change_refused);
    assert_int_equal(acme_order_next(&order, now).kind, ACME_ACTION_FAILED);
}
#endif

#if ACME_ENABLE_PROFILES
/* The profile is sent only when listed; the CA's choice is kept; an
 * invalidProfile answer orders once more without it. */
static void test_profiles(void **state)
{
    (void)state;
    acme_order_params_t p = params(one_name, 1, "https://ca.test/acct/7");
    p.profile = "shortlived";
    const acme_request_t *r = to_new_order(&p, ari_directory);
    assert_non_null(strstr(r->payload, ",\"profile\":\"shortlived\"}"));
    feed(201, "https://ca.test/order/1", order_json("pending", ",\"profile\":\"shortlived\""));
    assert_string_equal(order.profile, "shortlived");

    /* Not listed (or listed with a name too long to keep): not sent. */
    memset(&order, 0, sizeof(order));
    p.profile = "tlsserver";
    r = to_new_order(&p, ari_directory);
    assert_null(strstr(r->payload, "profile"));
    memset(&order, 0, sizeof(order));
    p.profile = "a-profile-name-much-longer-than-thirty-two";
    r = to_new_order(&p, ari_directory);
    assert_null(strstr(r->payload, "profile"));
    memset(&order, 0, sizeof(order));
    p.profile = "classic";
    r = to_new_order(&p, directory);
    assert_null(strstr(r->payload, "profile"));

    /* Refused: once more with the CA's default, whose name is recorded. */
    memset(&order, 0, sizeof(order));
    p.profile = "shortlived";
    to_new_order(&p, ari_directory);
    feed(400, NULL, "{\"type\":\"urn:ietf:params:acme:error:invalidProfile\"}");
    assert_true(order.profile_refused);
    r = expect_send("https://ca.test/order");
    assert_null(strstr(r->payload, "profile"));
    feed(201, "https://ca.test/order/1", order_json("pending", ",\"profile\":\"classic\""));
    assert_string_equal(order.profile, "classic");
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_happy_path_request_sequence, setup),
        cmocka_unit_test_setup(test_stored_account_skips_new_account, setup),
        cmocka_unit_test_setup(test_unknown_stored_account_registers_again_once, setup),
        cmocka_unit_test_setup(test_resume_valid_order_downloads_at_once, setup),
        cmocka_unit_test_setup(test_resume_pending_order_continues_with_authz, setup),
        cmocka_unit_test_setup(test_resume_ready_and_processing_orders, setup),
        cmocka_unit_test_setup(test_resume_gone_or_invalid_order_orders_anew, setup),
        cmocka_unit_test_setup(test_resume_needs_the_account_and_the_names, setup),
        cmocka_unit_test_setup(test_two_names_one_poll, setup),
        cmocka_unit_test_setup(test_valid_authz_needs_no_challenge, setup),
        cmocka_unit_test_setup(test_ready_order_goes_straight_to_finalize, setup),
        cmocka_unit_test_setup(test_backoff_doubles_and_retry_after_wins, setup),
        cmocka_unit_test_setup(test_served_then_pending_backs_off, setup),
        cmocka_unit_test_setup(test_retry_after_http_date, setup),
        cmocka_unit_test_setup(test_polling_is_bounded, setup),
        cmocka_unit_test_setup(test_issue_deadline, setup),
        cmocka_unit_test_setup(test_invalid_order_reports_challenge_error, setup),
        cmocka_unit_test_setup(test_problem_document_with_subproblems, setup),
        cmocka_unit_test_setup(test_hostile_and_broken_responses, setup),
        cmocka_unit_test_setup(test_missing_location_and_statuses, setup),
        cmocka_unit_test_setup(test_no_http01_challenge, setup),
        cmocka_unit_test_setup(test_foreign_identifier_and_bad_token, setup),
        cmocka_unit_test_setup(test_eab_required_directory, setup),
#if ACME_ENABLE_EAB
        cmocka_unit_test_setup(test_eab_alg_in_new_account, setup),
#endif
        cmocka_unit_test_setup(test_start_rejects_unusable_params, setup),
        cmocka_unit_test_setup(test_transport_error_fails_the_order, setup),
#if ACME_ENABLE_ARI
        cmocka_unit_test_setup(test_replaces_only_where_ari_is_offered, setup),
        cmocka_unit_test_setup(test_already_replaced_orders_once_without_replaces, setup),
        cmocka_unit_test_setup(test_ari_check_flow, setup),
#endif
#if ACME_ENABLE_PROFILES
        cmocka_unit_test_setup(test_profiles, setup),
#endif
#if ACME_ENABLE_ACCOUNT_ADMIN
        cmocka_unit_test_setup(test_revoke, setup),
        cmocka_unit_test_setup(test_deactivate, setup),
        cmocka_unit_test_setup(test_key_change, setup),
        cmocka_unit_test_setup(test_key_change_probe, setup),
        cmocka_unit_test_setup(test_key_change_refused_or_unknown, setup),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
