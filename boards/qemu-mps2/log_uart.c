/*
 * The log seam on the board's console: one line per call, with the level,
 * so a test reading QEMU's serial output can tell errors from progress.
 */
#include "board.h"

static void uart_log(void *ctx, acme_log_level_t level, const char *line)
{
    (void)ctx;
    static const char *const prefix[] = {
        "acme: ", "acme: error: ", "acme: warning: ", "acme: ", "acme: debug: "};
    unsigned i = (unsigned)level < sizeof(prefix) / sizeof(prefix[0]) ? (unsigned)level : 0u;
    board_print(prefix[i]);
    board_print(line);
    board_print("\n");
}

const acme_log_ops_t board_log_ops = {
    .write = uart_log,
};
