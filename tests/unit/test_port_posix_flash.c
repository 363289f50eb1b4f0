/*
 * Tests of the POSIX port's file-backed flash: it must behave like NOR
 * (erased = 0xFF, program only clears bits, erase exactly one block),
 * reject misaligned and out-of-range access, persist across reopen, and
 * refuse a file made with another geometry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "acme/port_posix.h"

#define SIZE 16384u
#define ERASE 4096u
#define PROG 4u

static acme_posix_port_t g_pp;
static acme_port_t g_port;
static char g_dir[64];
static char g_path[96];
static const acme_flash_geometry_t GEOMETRY = {
    .size = SIZE, .erase_size = ERASE, .prog_size = PROG};
static uint8_t g_buf[SIZE];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/acme_flash_test_XXXXXX");
    if (mkdtemp(g_dir) == NULL) {
        return -1;
    }
    snprintf(g_path, sizeof(g_path), "%s/flash.bin", g_dir);
    if (acme_posix_port_init(&g_pp, &g_port) != ACME_OK) {
        return -1;
    }
    g_pp.log_threshold = (acme_log_level_t)0; /* expected refusals: quiet */
    return acme_posix_flash_open(&g_pp, &g_port, g_path, &GEOMETRY) == ACME_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    int rc = acme_posix_port_deinit(&g_pp) == ACME_OK ? 0 : -1;
    char tmp[128];
    snprintf(tmp, sizeof(tmp), "%s.tmp", g_path);
    (void)unlink(tmp);
    (void)unlink(g_path);
    (void)rmdir(g_dir);
    return rc;
}

static int32_t flash_read(uint32_t off, void *buf, size_t len)
{
    return g_port.flash->read(g_port.flash_ctx, off, buf, len);
}

static int32_t flash_prog(uint32_t off, const void *buf, size_t len)
{
    return g_port.flash->prog(g_port.flash_ctx, off, buf, len);
}

static int32_t flash_erase(uint32_t off)
{
    return g_port.flash->erase(g_port.flash_ctx, off);
}

static void assert_all(const uint8_t *p, size_t len, uint8_t value)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != value) {
            fail_msg("byte %zu is 0x%02x, expected 0x%02x", i, p[i], value);
        }
    }
}

static void test_new_file_is_erased(void **state)
{
    (void)state;
    assert_non_null(g_port.flash);
    assert_int_equal(g_port.flash_geometry.size, SIZE);
    assert_int_equal(g_port.flash_geometry.erase_size, ERASE);
    assert_int_equal(g_port.flash_geometry.prog_size, PROG);
    struct stat st;
    assert_int_equal(stat(g_path, &st), 0);
    assert_int_equal(st.st_size, SIZE);
    char tmp[128];
    snprintf(tmp, sizeof(tmp), "%s.tmp", g_path);
    assert_int_not_equal(access(tmp, F_OK), 0); /* no temp file left behind */
    assert_int_equal(flash_read(0, g_buf, SIZE), ACME_OK);
    assert_all(g_buf, SIZE, 0xFF);
}

static void test_prog_only_clears_bits(void **state)
{
    (void)state;
    static const uint8_t f0[4] = {0xF0, 0xF0, 0xF0, 0xF0};
    static const uint8_t zf[4] = {0x0F, 0x0F, 0x0F, 0x0F};
    static const uint8_t ff[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    uint8_t got[12];
    assert_int_equal(flash_prog(8, f0, 4), ACME_OK);
    assert_int_equal(flash_read(4, got, 12), ACME_OK);
    static const uint8_t after_f0[12] = {0xFF, 0xFF, 0xFF, 0xFF, 0xF0, 0xF0,
                                         0xF0, 0xF0, 0xFF, 0xFF, 0xFF, 0xFF};
    assert_memory_equal(got, after_f0, 12);
    /* 0x0F over 0xF0: the AND of both, not the new value. */
    assert_int_equal(flash_prog(8, zf, 4), ACME_OK);
    assert_int_equal(flash_read(8, got, 4), ACME_OK);
    assert_all(got, 4, 0x00);
    /* Programming 0xFF cannot set a bit again. */
    assert_int_equal(flash_prog(8, ff, 4), ACME_OK);
    assert_int_equal(flash_read(8, got, 4), ACME_OK);
    assert_all(got, 4, 0x00);
    /* A long program (more than one internal chunk) across a block edge. */
    memset(g_buf, 0x5A, 1024);
    assert_int_equal(flash_prog(ERASE - 512, g_buf, 1024), ACME_OK);
    memset(g_buf, 0, 1024);
    assert_int_equal(flash_read(ERASE - 512, g_buf, 1024), ACME_OK);
    assert_all(g_buf, 1024, 0x5A);
    assert_int_equal(g_pp.flash.prog_count[0], 4);
    assert_int_equal(g_pp.flash.prog_count[1], 1);
}

static void test_misaligned_rejected(void **state)
{
    (void)state;
    uint8_t data[8] = {0};
    assert_int_equal(flash_prog(2, data, 4), ACME_ERR_FLASH);
    assert_int_equal(flash_prog(4, data, 3), ACME_ERR_FLASH);
    assert_int_equal(flash_prog(4, data, 6), ACME_ERR_FLASH);
    assert_int_equal(flash_erase(100), ACME_ERR_FLASH);
    assert_int_equal(flash_erase(ERASE / 2), ACME_ERR_FLASH);
    /* Nothing was written. */
    assert_int_equal(flash_read(0, g_buf, SIZE), ACME_OK);
    assert_all(g_buf, SIZE, 0xFF);
}

static void test_erase_restores_exactly_one_block(void **state)
{
    (void)state;
    memset(g_buf, 0x00, SIZE);
    assert_int_equal(flash_prog(0, g_buf, SIZE), ACME_OK);
    assert_int_equal(flash_erase(ERASE), ACME_OK);
    assert_int_equal(flash_read(0, g_buf, SIZE), ACME_OK);
    assert_all(g_buf, ERASE, 0x00);
    assert_all(g_buf + ERASE, ERASE, 0xFF);
    assert_all(g_buf + 2 * ERASE, SIZE - 2 * ERASE, 0x00);
    assert_int_equal(flash_erase(ERASE), ACME_OK);
    assert_int_equal(g_pp.flash.erase_count[1], 2);
    assert_int_equal(g_pp.flash.erase_count[0], 0);
}

static void test_out_of_range_rejected(void **state)
{
    (void)state;
    uint8_t data[8] = {0};
    assert_int_equal(flash_read(SIZE - 4, data, 8), ACME_ERR_FLASH);
    assert_int_equal(flash_read(SIZE, data, 1), ACME_ERR_FLASH);
    assert_int_equal(flash_read(UINT32_MAX, data, 2), ACME_ERR_FLASH); /* would wrap */
    assert_int_equal(flash_prog(SIZE, data, 4), ACME_ERR_FLASH);
    assert_int_equal(flash_prog(SIZE - 4, data, 8), ACME_ERR_FLASH);
    assert_int_equal(flash_erase(SIZE), ACME_ERR_FLASH);
    assert_int_equal(flash_read(SIZE - 4, data, 4), ACME_OK); /* the last word is fine */
}

static void test_reopen_persists(void **state)
{
    (void)state;
    static const uint8_t record[8] = {'A', 'C', 'M', 'E', 0x01, 0x02, 0x03, 0x04};
    assert_int_equal(flash_prog(ERASE * 2 + 16, record, sizeof(record)), ACME_OK);
    assert_int_equal(g_port.flash->sync(g_port.flash_ctx), ACME_OK);
    acme_posix_flash_close(&g_pp, &g_port);
    assert_null(g_port.flash);

    assert_int_equal(acme_posix_flash_open(&g_pp, &g_port, g_path, &GEOMETRY), ACME_OK);
    uint8_t got[8];
    assert_int_equal(flash_read(ERASE * 2 + 16, got, sizeof(got)), ACME_OK);
    assert_memory_equal(got, record, sizeof(record));
}

static void test_other_size_refused(void **state)
{
    (void)state;
    acme_posix_flash_close(&g_pp, &g_port);
    acme_flash_geometry_t smaller = GEOMETRY;
    smaller.size = SIZE / 2;
    assert_int_equal(acme_posix_flash_open(&g_pp, &g_port, g_path, &smaller), ACME_ERR_CONFIG);
    assert_null(g_port.flash);
    struct stat st;
    assert_int_equal(stat(g_path, &st), 0);
    assert_int_equal(st.st_size, SIZE); /* left as it was */
}

static void test_bad_geometry_refused(void **state)
{
    (void)state;
    acme_posix_port_t other;
    acme_port_t other_port;
    assert_int_equal(acme_posix_port_init(&other, &other_port), ACME_OK);
    char path[128];
    snprintf(path, sizeof(path), "%s/other.bin", g_dir);
    acme_flash_geometry_t g = GEOMETRY;
    g.erase_size = 3000;
    assert_int_equal(acme_posix_flash_open(&other, &other_port, path, &g), ACME_ERR_INVALID_ARG);
    g = GEOMETRY;
    g.prog_size = 3;
    assert_int_equal(acme_posix_flash_open(&other, &other_port, path, &g), ACME_ERR_INVALID_ARG);
    g = GEOMETRY;
    g.size = SIZE + 1;
    assert_int_equal(acme_posix_flash_open(&other, &other_port, path, &g), ACME_ERR_INVALID_ARG);
    g = GEOMETRY;
    g.size = (ACME_POSIX_FLASH_MAX_BLOCKS + 1) * ERASE;
    assert_int_equal(acme_posix_flash_open(&other, &other_port, path, &g), ACME_ERR_INVALID_ARG);
    assert_int_not_equal(access(path, F_OK), 0); /* nothing created */
    assert_int_equal(acme_posix_port_deinit(&other), ACME_OK);
}

/* Two agents on one store would corrupt it: the second open is refused. */
static void test_second_user_refused(void **state)
{
    (void)state;
    acme_posix_port_t other;
    acme_port_t other_port;
    assert_int_equal(acme_posix_port_init(&other, &other_port), ACME_OK);
    other.log_threshold = (acme_log_level_t)0;
    assert_int_equal(acme_posix_flash_open(&other, &other_port, g_path, &GEOMETRY), ACME_ERR_FLASH);
    assert_int_equal(acme_posix_flash_open(&g_pp, &g_port, g_path, &GEOMETRY), ACME_ERR_BAD_STATE);
    assert_int_equal(acme_posix_port_deinit(&other), ACME_OK);
}

/* A view is a partition: offsets are relative to its base, its size
 * bounds them, and its erase touches only its own block. */
static void test_view_is_a_partition(void **state)
{
    (void)state;
    acme_posix_flash_view_t v;
    assert_int_equal(acme_posix_flash_view(&g_pp, ERASE, 2u * ERASE, &v), ACME_OK);
    assert_int_equal(v.geometry.size, 2u * ERASE);
    assert_int_equal(v.geometry.erase_size, ERASE);
    assert_int_equal(v.geometry.prog_size, PROG);
    const acme_flash_ops_t *ops = &acme_posix_flash_view_ops;

    uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(ops->prog(&v, 0, data, sizeof(data)), ACME_OK);
    assert_int_equal(flash_read(0, g_buf, SIZE), ACME_OK);
    assert_all(g_buf, ERASE, 0xFF);
    assert_memory_equal(g_buf + ERASE, data, sizeof(data));
    uint8_t back[8];
    assert_int_equal(ops->read(&v, 0, back, sizeof(back)), ACME_OK);
    assert_memory_equal(back, data, sizeof(data));

    /* The view's end is its own. */
    assert_int_equal(ops->read(&v, 2u * ERASE - 4u, back, 8), ACME_ERR_FLASH);
    assert_int_equal(ops->prog(&v, 2u * ERASE, data, PROG), ACME_ERR_FLASH);
    assert_int_equal(ops->erase(&v, 2u * ERASE), ACME_ERR_FLASH);
    assert_int_equal(ops->prog(&v, 2, data, PROG), ACME_ERR_FLASH);

    /* Erase of the view's last block: only flash block 2. */
    assert_int_equal(flash_prog(2u * ERASE, data, sizeof(data)), ACME_OK);
    assert_int_equal(flash_prog(3u * ERASE, data, sizeof(data)), ACME_OK);
    assert_int_equal(ops->erase(&v, ERASE), ACME_OK);
    assert_int_equal(flash_read(0, g_buf, SIZE), ACME_OK);
    assert_memory_equal(g_buf + ERASE, data, sizeof(data));
    assert_all(g_buf + 2u * ERASE, ERASE, 0xFF);
    assert_memory_equal(g_buf + 3u * ERASE, data, sizeof(data));
    assert_int_equal(ops->sync(&v), ACME_OK);
    assert_int_equal(g_pp.flash.erase_count[2], 1);

    /* Views must be whole blocks inside the flash. */
    assert_int_equal(acme_posix_flash_view(&g_pp, 1, ERASE, &v), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_posix_flash_view(&g_pp, 0, ERASE + 4u, &v), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_posix_flash_view(&g_pp, 3u * ERASE, 2u * ERASE, &v),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_posix_flash_view(&g_pp, 0, 0, &v), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_posix_flash_view(NULL, 0, ERASE, &v), ACME_ERR_INVALID_ARG);
    acme_posix_flash_close(&g_pp, &g_port);
    assert_int_equal(acme_posix_flash_view(&g_pp, 0, ERASE, &v), ACME_ERR_BAD_STATE);
    assert_int_equal(ops->read(&v, 0, back, 4), ACME_ERR_FLASH); /* closed under it */
}

static void test_probe(void **state)
{
    (void)state;
    acme_posix_flash_info_t info;
    assert_int_equal(acme_posix_flash_probe(g_path, &info), ACME_OK);
    assert_true(info.exists);
    assert_false(info.mtd);
    assert_int_equal(info.size, SIZE);
    char missing[128];
    snprintf(missing, sizeof(missing), "%s/none.bin", g_dir);
    assert_int_equal(acme_posix_flash_probe(missing, &info), ACME_OK);
    assert_false(info.exists);
    assert_int_equal(acme_posix_flash_probe(g_dir, &info), ACME_ERR_CONFIG);       /* a directory */
    assert_int_equal(acme_posix_flash_probe("/dev/null", &info), ACME_ERR_CONFIG); /* not MTD */
    assert_int_equal(acme_posix_flash_probe(NULL, &info), ACME_ERR_INVALID_ARG);
}

/* A missing device node is never created as a file under /dev. */
static void test_missing_device_not_created(void **state)
{
    (void)state;
    acme_posix_port_t pp;
    acme_port_t port;
    assert_int_equal(acme_posix_port_init(&pp, &port), ACME_OK);
    pp.log_threshold = (acme_log_level_t)0;
    assert_int_equal(acme_posix_flash_open(&pp, &port, "/dev/mtd-acme-test-missing", &GEOMETRY),
                     ACME_ERR_FLASH);
    struct stat sb;
    assert_int_not_equal(stat("/dev/mtd-acme-test-missing", &sb), 0);
    /* /dev/null is a character device but not MTD. */
    assert_int_equal(acme_posix_flash_open(&pp, &port, "/dev/null", &GEOMETRY), ACME_ERR_CONFIG);
    assert_int_equal(acme_posix_port_deinit(&pp), ACME_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_file_is_erased, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prog_only_clears_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misaligned_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erase_restores_exactly_one_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_range_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_persists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_size_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_geometry_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_user_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_view_is_a_partition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_device_not_created, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
