/*
 * cJSON's number conversion (cmake/cjson_strtod.c) must end numbers exactly
 * where libc's strtod does, for every string cJSON can hand it (characters
 * 0-9 + - . e E), and give exact values for integers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cJSON.h"

double acme_cjson_strtod(const char *s, char **end);

static void check(const char *text)
{
    char *ours = NULL;
    char *libc = NULL;
    (void)acme_cjson_strtod(text, &ours);
    (void)strtod(text, &libc);
    if (ours != libc) {
        fail_msg("'%s': shim ends at %td, strtod at %td", text, ours - text, libc - text);
    }
}

/* Every string of up to 5 characters over the alphabet cJSON collects. */
static void test_end_pointer_matches_strtod_exhaustively(void **state)
{
    (void)state;
    static const char alphabet[] = "0123456789+-.eE";
    const size_t k = sizeof(alphabet) - 1;
    char text[8];
    unsigned long checked = 0;
    for (size_t len = 0; len <= 5; len++) {
        size_t combos = 1;
        for (size_t i = 0; i < len; i++) {
            combos *= k;
        }
        for (size_t n = 0; n < combos; n++) {
            size_t v = n;
            for (size_t i = 0; i < len; i++) {
                text[i] = alphabet[v % k];
                v /= k;
            }
            text[len] = '\0';
            check(text);
            checked++;
        }
    }
    printf("compared %lu strings with strtod\n", checked);
}

static void test_integer_values_are_exact(void **state)
{
    (void)state;
    assert_true(acme_cjson_strtod("400", NULL) == 400.0);
    assert_true(acme_cjson_strtod("-17", NULL) == -17.0);
    assert_true(acme_cjson_strtod("0", NULL) == 0.0);
    assert_true(acme_cjson_strtod("2147483648", NULL) == 2147483648.0);
    /* Saturated, never wrapped. */
    assert_true(acme_cjson_strtod("99999999999999999999999", NULL) > 9e18);
}

/* Through cJSON: problem documents carry "status": 400. */
static void test_cjson_parses_numbers_with_it(void **state)
{
    (void)state;
    cJSON *root = cJSON_Parse("{\"status\":400,\"x\":-2.5e3,\"y\":[1,2,3]}");
    assert_non_null(root);
    assert_int_equal(cJSON_GetObjectItem(root, "status")->valueint, 400);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "y")), 3);
    cJSON_Delete(root);
    assert_null(cJSON_Parse("{\"status\":4e}"));
    assert_null(cJSON_Parse("{\"status\":-}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_end_pointer_matches_strtod_exhaustively),
        cmocka_unit_test(test_integer_values_are_exact),
        cmocka_unit_test(test_cjson_parses_numbers_with_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
