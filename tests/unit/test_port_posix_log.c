/*
 * Tests of the POSIX port's log seam: one line per message on stderr with a
 * level prefix, a threshold that drops finer levels, control characters
 * neutralised (a server's text cannot forge lines) and long lines cut.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "acme/port_posix.h"

static acme_posix_port_t g_pp;
static acme_port_t g_port;
static char g_out[4096];

/* Run the lines through the seam with stderr sent to a temp file; leave
 * what was written in g_out. */
static void capture(const acme_log_level_t *levels, const char *const *lines, int n)
{
    char path[] = "/tmp/acme_log_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    for (int i = 0; i < n; i++) {
        g_port.log->write(g_port.log_ctx, levels[i], lines[i]);
    }
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    memset(g_out, 0, sizeof(g_out));
    ssize_t got = pread(fd, g_out, sizeof(g_out) - 1, 0);
    assert_true(got >= 0);
    close(fd);
    unlink(path);
}

static void test_prefix_and_threshold(void **state)
{
    (void)state;
    assert_int_equal(acme_posix_port_init(&g_pp, &g_port), ACME_OK);
    const acme_log_level_t levels[] = {ACME_LOG_ERROR, ACME_LOG_WARN, ACME_LOG_INFO,
                                       ACME_LOG_DEBUG};
    const char *const lines[] = {"order failed", "retrying", "certificate saved", "state 7"};
    capture(levels, lines, 4); /* default threshold: info */
    assert_string_equal(g_out, "acme error: order failed\n"
                               "acme warn: retrying\n"
                               "acme info: certificate saved\n");
    g_pp.log_threshold = ACME_LOG_DEBUG;
    capture(levels + 3, lines + 3, 1);
    assert_string_equal(g_out, "acme debug: state 7\n");
    g_pp.log_threshold = ACME_LOG_ERROR;
    capture(levels + 1, lines + 1, 3);
    assert_string_equal(g_out, "");
    assert_int_equal(acme_posix_port_deinit(&g_pp), ACME_OK);
}

static void test_control_characters_and_long_lines(void **state)
{
    (void)state;
    assert_int_equal(acme_posix_port_init(&g_pp, &g_port), ACME_OK);
    static char long_line[2000];
    memset(long_line, 'x', sizeof(long_line) - 1);
    const acme_log_level_t levels[] = {ACME_LOG_WARN, ACME_LOG_WARN};
    const char *const lines[] = {"detail: bad\nacme error: forged\x1b[2J", long_line};
    capture(levels, lines, 2);
    const char *second = strchr(g_out, '\n');
    assert_non_null(second);
    assert_memory_equal(g_out, "acme warn: detail: bad?acme error: forged?[2J\n",
                        (size_t)(second - g_out) + 1);
    /* The long line is one cut line, marked as cut. */
    second++;
    size_t len = strlen(second);
    assert_true(len > 100 && len < 700);
    assert_memory_equal(second + len - 4, "...\n", 4);
    assert_ptr_equal(strchr(second, '\n'), second + len - 1);
    assert_int_equal(acme_posix_port_deinit(&g_pp), ACME_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_and_threshold),
        cmocka_unit_test(test_control_characters_and_long_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
