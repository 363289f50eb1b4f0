/*
 * Fuzz target: every ACME object reader over arbitrary bytes. Servers found
 * through DNS are untrusted; whatever they send must give ACME_OK or a
 * clear error, with every kept string NUL-terminated within its field.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/codec/acme_objects.h"
#include "acme/codec/rfc3339.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checked in every build (NDEBUG would remove assert). */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_terminated(const char *s, size_t cap)
{
    CHECK(memchr(s, '\0', cap) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    acme_directory_t dir;
    if (acme_directory_read(data, size, &dir) == ACME_OK) {
        check_terminated(dir.new_nonce, sizeof(dir.new_nonce));
        check_terminated(dir.new_order, sizeof(dir.new_order));
        CHECK(dir.new_nonce[0] != '\0' || strlen(dir.new_nonce) == 0);
#if ACME_ENABLE_ARI
        check_terminated(dir.renewal_info, sizeof(dir.renewal_info));
#endif
#if ACME_ENABLE_PROFILES
        /* The packed names: each 1..ACME_PROFILE_MAX, the list inside. */
        size_t used = 0;
        while (dir.profiles[used] != '\0') {
            size_t n = strnlen(dir.profiles + used, sizeof(dir.profiles) - used);
            CHECK(n >= 1 && n <= ACME_PROFILE_MAX && used + n < sizeof(dir.profiles));
            used += n + 1u;
            CHECK(used < sizeof(dir.profiles));
        }
        CHECK(!acme_directory_offers_profile(&dir, ""));
#endif
    }
    acme_object_status_t status;
    (void)acme_account_read(data, size, &status);

    acme_problem_t problem;
    acme_order_object_t order;
    if (acme_order_object_read(data, size, &order, &problem) == ACME_OK) {
        CHECK(order.authz_count <= ACME_MAX_IDENTIFIERS);
        CHECK(order.status != ACME_OBJ_UNKNOWN);
#if ACME_ENABLE_PROFILES
        check_terminated(order.profile, sizeof(order.profile));
#endif
        for (size_t i = 0; i < order.authz_count; i++) {
            check_terminated(order.authorizations[i], sizeof(order.authorizations[i]));
        }
    }
    acme_authz_object_t authz;
    if (acme_authz_object_read(data, size, &authz, &problem) == ACME_OK) {
        check_terminated(authz.identifier, sizeof(authz.identifier));
        check_terminated(authz.http01_token, sizeof(authz.http01_token));
    }
    (void)acme_challenge_object_read(data, size, &status, &problem);
    if (acme_problem_read(data, size, 400, &problem) == ACME_OK) {
        check_terminated(problem.type, sizeof(problem.type));
        check_terminated(problem.detail, sizeof(problem.detail));
        CHECK(problem.subproblem_count <= ACME_PROBLEM_SUBPROBLEMS_MAX);
    }
    /* renewalInfo (RFC 9773): a window with end > start, or nothing. */
    acme_renewal_window_t window;
    if (acme_renewal_window_read(data, size, &window) == ACME_OK) {
        CHECK(window.end_s > window.start_s && window.start_s >= 0);
        check_terminated(window.explanation_url, sizeof(window.explanation_url));
    } else {
        CHECK(window.start_s == 0 && window.end_s == 0);
    }
    /* The raw bytes as a timestamp: accepted ones are after 1970. */
    int64_t when = -1;
    if (acme_rfc3339_parse((const char *)data, size, &when) == ACME_OK) {
        CHECK(when >= -86400); /* a negative offset may reach back into 1969 */
    }
    return 0;
}
