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
    }
    acme_object_status_t status;
    (void)acme_account_read(data, size, &status);

    acme_problem_t problem;
    acme_order_object_t order;
    if (acme_order_object_read(data, size, &order, &problem) == ACME_OK) {
        CHECK(order.authz_count <= ACME_MAX_IDENTIFIERS);
        CHECK(order.status != ACME_OBJ_UNKNOWN);
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
    return 0;
}
