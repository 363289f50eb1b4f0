/*
 * The config partition (acme/io/config_partition.h) on the RAM NOR flash of
 * tests/support/fake_flash: geometry rules; a blank partition is empty; a
 * write survives a remount and alternates slots with a rising generation;
 * every program unit is programmed at most once per erase, for program
 * units of 1..16 bytes and blob lengths that do not fill the last unit; a
 * corrupt newest slot (blob or header) falls back to the older one and is
 * the one the next write replaces; the largest blob the format allows fits
 * a slot of the Linux layout; and a power cut at every operation of a
 * re-provision (several seeds for the torn bits) leaves the old config or
 * the new one, never none, and a retry then succeeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acme/io/config_partition.h"
#include "fake_flash.h"

#define PART_SIZE (32u * 1024u) /* the Linux layout: two 16 KiB slots */
#define ERASE 4096u

static fake_flash_t g_flash;
static acme_config_part_t g_part;
static acme_provision_t g_prov;
static acme_provision_t g_in;
static uint8_t g_buf[16384];
static uint8_t g_blob_a[4096];
static uint8_t g_blob_b[4096];
static uint8_t g_blob_c[4096];
static size_t g_len_a;
static size_t g_len_b;
static size_t g_len_c;

/* ---- Double-program detector: a flash seam over the fake flash ----------- */

typedef struct watch {
    fake_flash_t *f;
    uint8_t programmed[FAKE_FLASH_MAX]; /* per program unit since its erase */
    uint32_t twice;                     /* units programmed again before an erase */
} watch_t;

static watch_t g_watch;

static int32_t w_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    watch_t *w = ctx;
    return fake_flash_ops.read(w->f, off, buf, len);
}

static int32_t w_prog(void *ctx, uint32_t off, const void *buf, size_t len)
{
    watch_t *w = ctx;
    uint32_t unit = w->f->geo.prog_size;
    for (uint32_t u = off / unit; u < (off + len) / unit && u < FAKE_FLASH_MAX; u++) {
        w->twice += w->programmed[u];
        w->programmed[u] = 1;
    }
    return fake_flash_ops.prog(w->f, off, buf, len);
}

static int32_t w_erase(void *ctx, uint32_t off)
{
    watch_t *w = ctx;
    uint32_t unit = w->f->geo.prog_size;
    for (uint32_t u = off / unit; u < (off + w->f->geo.erase_size) / unit; u++) {
        w->programmed[u] = 0;
    }
    return fake_flash_ops.erase(w->f, off);
}

static int32_t w_sync(void *ctx)
{
    watch_t *w = ctx;
    return fake_flash_ops.sync(w->f);
}

static const acme_flash_ops_t watch_ops = {w_read, w_prog, w_erase, w_sync};

static void use_flash(uint32_t size, uint32_t erase, uint32_t prog)
{
    fake_flash_init(&g_flash, size, erase, prog);
    memset(&g_watch, 0, sizeof(g_watch));
    g_watch.f = &g_flash;
}

static acme_status_t mount(void)
{
    return acme_config_part_mount(&g_part, &watch_ops, &g_watch, &g_flash.geo);
}

static acme_status_t load(size_t *len)
{
    return acme_config_part_load(&g_part, g_buf, sizeof(g_buf), len, &g_prov, NULL);
}

/* Mount, load whatever is there, write blob. */
static acme_status_t provision(const uint8_t *blob, size_t len)
{
    size_t got = 0;
    acme_status_t st = mount();
    if (st != ACME_OK) {
        return st;
    }
    (void)load(&got);
    return acme_config_part_write(&g_part, blob, len);
}

/* After a remount: the loaded config is exactly blob. */
static void assert_config(const uint8_t *blob, size_t len)
{
    size_t got = 0;
    assert_int_equal(mount(), ACME_OK);
    assert_int_equal(load(&got), ACME_OK);
    assert_int_equal(got, len);
    assert_memory_equal(g_buf, blob, len);
}

/* ---- Blobs --------------------------------------------------------------- */

static size_t make_blob(uint8_t *out, size_t cap, const char *name, const char *contact)
{
    memset(&g_in, 0, sizeof(g_in));
    strcpy(g_in.names[0], name);
    g_in.name_count = 1;
    strcpy(g_in.directory_url, "https://acme.example.test/dir");
    strcpy(g_in.contact, contact);
    size_t len = 0;
    assert_int_equal(acme_provision_encode(&g_in, out, cap, &len), ACME_OK);
    return len;
}

static int setup_blobs(void **state)
{
    (void)state;
    g_len_a = make_blob(g_blob_a, sizeof(g_blob_a), "a.example.test", "mailto:a@example.test");
    g_len_b = make_blob(g_blob_b, sizeof(g_blob_b), "bb.example.test", "mailto:bb@example.test");
    g_len_c = make_blob(g_blob_c, sizeof(g_blob_c), "c.example.test", "mailto:ccc@example.test");
    return 0;
}

/* ---- Geometry ------------------------------------------------------------ */

static void test_geometry(void **state)
{
    (void)state;
    acme_flash_geometry_t g = {PART_SIZE, ERASE, 16};
    assert_int_equal(acme_config_part_capacity(&g), 16384u - 16u);
    g.prog_size = 1;
    assert_int_equal(acme_config_part_capacity(&g), 16384u - 16u);
    g.prog_size = 32; /* more than a header's worth */
    assert_int_equal(acme_config_part_capacity(&g), 0);
    g = (acme_flash_geometry_t){ERASE, ERASE, 16}; /* one block: no two slots */
    assert_int_equal(acme_config_part_capacity(&g), 0);
    g = (acme_flash_geometry_t){3u * ERASE, ERASE, 16}; /* odd block count: one left over */
    assert_int_equal(acme_config_part_capacity(&g), ERASE - 16u);
    g = (acme_flash_geometry_t){PART_SIZE + 1u, ERASE, 16};
    assert_int_equal(acme_config_part_capacity(&g), 0);
    assert_int_equal(acme_config_part_capacity(NULL), 0);

    use_flash(ERASE, ERASE, 16);
    assert_int_equal(mount(), ACME_ERR_CONFIG);
    assert_int_equal(acme_config_part_mount(NULL, &watch_ops, &g_watch, &g_flash.geo),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_config_part_mount(&g_part, NULL, &g_watch, &g_flash.geo),
                     ACME_ERR_INVALID_ARG);
}

static void test_blank_is_empty(void **state)
{
    (void)state;
    use_flash(PART_SIZE, ERASE, 16);
    assert_int_equal(mount(), ACME_OK);
    size_t len = 99;
    assert_int_equal(load(&len), ACME_ERR_NOT_FOUND);
    assert_int_equal(g_part.current, -1);
    assert_false(g_part.slot[0].header_ok);
    assert_false(g_part.slot[1].header_ok);
    assert_int_equal(g_flash.progs + g_flash.erases, 0); /* reading writes nothing */
}

static void test_write_alternates_slots(void **state)
{
    (void)state;
    use_flash(PART_SIZE, ERASE, 16);
    assert_int_equal(provision(g_blob_a, g_len_a), ACME_OK);
    assert_config(g_blob_a, g_len_a);
    assert_int_equal(g_part.current, 0);
    assert_int_equal(g_part.slot[0].generation, 1);
    assert_string_equal(g_prov.names[0], "a.example.test");

    assert_int_equal(acme_config_part_write(&g_part, g_blob_b, g_len_b), ACME_OK);
    assert_config(g_blob_b, g_len_b);
    assert_int_equal(g_part.current, 1);
    assert_int_equal(g_part.slot[1].generation, 2);
    assert_true(g_part.slot[0].blob_ok); /* the old one is still there */

    assert_int_equal(provision(g_blob_c, g_len_c), ACME_OK);
    assert_config(g_blob_c, g_len_c);
    assert_int_equal(g_part.current, 0);
    assert_int_equal(g_part.slot[0].generation, 3);
    assert_int_equal(g_watch.twice, 0);
}

static void test_program_units(void **state)
{
    (void)state;
    static const uint32_t units[] = {1, 2, 4, 8, 16};
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        use_flash(PART_SIZE, ERASE, units[u]);
        /* g_len_a..c are not all multiples of the unit: the tail is padded. */
        assert_int_equal(provision(g_blob_a, g_len_a), ACME_OK);
        assert_int_equal(provision(g_blob_b, g_len_b), ACME_OK);
        assert_int_equal(provision(g_blob_c, g_len_c), ACME_OK);
        assert_config(g_blob_c, g_len_c);
        assert_int_equal(g_watch.twice, 0);
    }
    assert_true(g_len_a % 16u != 0 || g_len_b % 16u != 0 || g_len_c % 16u != 0);
}

static void test_write_refusals(void **state)
{
    (void)state;
    use_flash(PART_SIZE, ERASE, 16);
    assert_int_equal(mount(), ACME_OK);
    assert_int_equal(acme_config_part_write(&g_part, g_blob_a, g_len_a), ACME_ERR_BAD_STATE);
    size_t len = 0;
    assert_int_equal(load(&len), ACME_ERR_NOT_FOUND);
    assert_int_equal(acme_config_part_write(&g_part, NULL, g_len_a), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_config_part_write(&g_part, g_blob_a, g_len_a - 1), ACME_ERR_INVALID_ARG);
    uint8_t junk[64];
    memset(junk, 0x5A, sizeof(junk));
    assert_int_equal(acme_config_part_write(&g_part, junk, sizeof(junk)), ACME_ERR_INVALID_ARG);
    assert_int_equal(g_flash.progs + g_flash.erases, 0);

    /* Larger than a slot of a small partition. */
    use_flash(128u, 64u, 16);
    assert_int_equal(mount(), ACME_OK);
    assert_int_equal(load(&len), ACME_ERR_NOT_FOUND);
    assert_true(g_len_a > acme_config_part_capacity(&g_flash.geo));
    assert_int_equal(acme_config_part_write(&g_part, g_blob_a, g_len_a), ACME_ERR_STORE_FULL);

    /* A caller buffer smaller than the blob. */
    use_flash(PART_SIZE, ERASE, 16);
    assert_int_equal(provision(g_blob_a, g_len_a), ACME_OK);
    assert_int_equal(mount(), ACME_OK);
    assert_int_equal(acme_config_part_load(&g_part, g_buf, g_len_a - 1, &len, &g_prov, NULL),
                     ACME_ERR_BUFFER_TOO_SMALL);

    /* A read error while mounting. */
    g_flash.dead = true;
    assert_int_equal(mount(), ACME_ERR_FLASH);
}

/* Offset of slot i's blob in the fake flash. */
static uint32_t blob_at(int slot)
{
    return (uint32_t)slot * (PART_SIZE / 2u) + 16u;
}

static void test_corrupt_newest_blob_falls_back(void **state)
{
    (void)state;
    use_flash(PART_SIZE, ERASE, 16);
    assert_int_equal(provision(g_blob_a, g_len_a), ACME_OK); /* slot 0, gen 1 */
    assert_int_equal(provision(g_blob_b, g_len_b), ACME_OK); /* slot 1, gen 2 */
    g_flash.mem[blob_at(1) + 20] ^= 0x04;                    /* bit rot in b's body */

    size_t len = 0;
    assert_int_equal(mount(), ACME_OK);
    assert_true(g_part.slot[1].header_ok);
    assert_false(g_part.slot[1].blob_ok);
    assert_int_equal(load(&len), ACME_OK);
    assert_int_equal(g_part.current, 0);
    assert_memory_equal(g_buf, g_blob_a, g_len_a);

    /* The next write replaces the corrupt slot, with a generation above it. */
    assert_int_equal(acme_config_part_write(&g_part, g_blob_c, g_len_c), ACME_OK);
    assert_int_equal(g_part.current, 1);
    assert_int_equal(g_part.slot[1].generation, 3);
    assert_config(g_blob_c, g_len_c);
    assert_int_equal(g_part.slot[0].generation, 1); /* a is kept */
}

static void test_corrupt_header_falls_back(void **state)
{
    (void)state;
    use_flash(PART_SIZE, ERASE, 16);
    assert_int_equal(provision(g_blob_a, g_len_a), ACME_OK);
    assert_int_equal(provision(g_blob_b, g_len_b), ACME_OK);
    g_flash.mem[PART_SIZE / 2u + 5u] ^= 0x01; /* slot 1's generation */
    assert_config(g_blob_a, g_len_a);
    assert_false(g_part.slot[1].header_ok);

    /* Both corrupt: the error of the newest intact header. */
    g_flash.mem[PART_SIZE / 2u + 5u] ^= 0x01;
    g_flash.mem[blob_at(1) + 20] ^= 0x04;
    g_flash.mem[blob_at(0) + 20] ^= 0x04;
    acme_provision_error_t err;
    size_t len = 0;
    assert_int_equal(mount(), ACME_OK);
    assert_int_equal(acme_config_part_load(&g_part, g_buf, sizeof(g_buf), &len, &g_prov, &err),
                     ACME_ERR_MALFORMED);
    assert_int_equal(err.reason, ACME_PROVISION_ERR_BAD_CRC);
    assert_int_equal(g_part.current, -1);
}

/* A blob with every field at its limit: it must fit one slot of the Linux
 * layout (two 16 KiB slots), which the CLI relies on. */
static uint8_t g_max[16384];
static uint8_t g_der[ACME_PROVISION_TRUST_MAX][ACME_PROVISION_CERT_DER_MAX];
static uint8_t g_key[ACME_KEY_DER_MAX];

static void fill_der(uint8_t *p, size_t n)
{
    size_t content = n - 4u;
    p[0] = 0x30;
    p[1] = 0x82;
    p[2] = (uint8_t)(content >> 8);
    p[3] = (uint8_t)content;
    memset(p + 4, 0x42, content);
}

/* A name of n characters: labels of 59 letters (and a shorter last one). */
static void fill_name(char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = (i % 60u == 59u && i + 1u < n) ? '.' : 'a';
    }
    out[n] = '\0';
}

static void fill_url(char *out, size_t n)
{
    static const char head[] = "https://ca.example.test/";
    memcpy(out, head, sizeof(head) - 1u);
    memset(out + sizeof(head) - 1u, 'p', n - (sizeof(head) - 1u));
    out[n] = '\0';
}

static void test_largest_blob_fits_a_slot(void **state)
{
    (void)state;
    acme_provision_t *p = &g_in;
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < ACME_MAX_IDENTIFIERS; i++) {
        fill_name(p->names[i], ACME_DNS_NAME_MAX);
        p->names[i][0] = (char)('a' + i);
    }
    p->name_count = ACME_MAX_IDENTIFIERS;
    memset(p->contact, 'm', ACME_CONTACT_MAX);
    p->key_type = ACME_KEY_P256;
    for (size_t i = 0; i < ACME_PROVISION_TRUST_MAX; i++) {
        fill_der(g_der[i], ACME_PROVISION_CERT_DER_MAX);
        p->trust[i] = (acme_provision_span_t){g_der[i], ACME_PROVISION_CERT_DER_MAX};
    }
    p->trust_count = ACME_PROVISION_TRUST_MAX;
    fill_url(p->directory_url, ACME_URL_MAX);
    for (size_t i = 0; i < ACME_PROVISION_CAS_MAX; i++) {
        acme_provision_ca_t *ca = &p->cas[i];
        fill_name(ca->issuer, ACME_CAA_ISSUER_MAX);
        ca->issuer[0] = (char)('a' + i);
        fill_url(ca->directory_url, ACME_URL_MAX);
        memset(ca->eab_kid, 'k', ACME_PROVISION_EAB_KID_MAX);
        memset(ca->eab_key, 0x11, ACME_PROVISION_EAB_KEY_MAX);
        ca->eab_key_len = ACME_PROVISION_EAB_KEY_MAX;
        ca->eab_alg = ACME_PROVISION_MAC_HS512;
    }
    p->ca_count = ACME_PROVISION_CAS_MAX;
    p->discovery = true;
    p->renewal.present = (1u << ACME_PROVISION_RENEW_ARI) | (1u << ACME_PROVISION_RENEW_PERMILLE) |
                         (1u << ACME_PROVISION_RENEW_BACKOFF);
    p->renewal.ari = true;
    p->renewal.remaining_permille = 333;
    p->renewal.backoff_max_s = 86400;
    memset(p->profile, 'x', ACME_PROVISION_PROFILE_MAX);
    fill_der(g_key, ACME_KEY_DER_MAX);
    p->device_key = (acme_provision_span_t){g_key, ACME_KEY_DER_MAX};
    p->terms_of_service_agreed = true;
    p->present = (1u << ACME_PROVISION_TAG_KEY_TYPE) | (1u << ACME_PROVISION_TAG_DISCOVERY) |
                 (1u << ACME_PROVISION_TAG_RENEWAL) | (1u << ACME_PROVISION_TAG_TOS_AGREED);
    size_t len = 0;
    assert_int_equal(acme_provision_encode(p, g_max, sizeof(g_max), &len), ACME_OK);
    print_message("largest blob: %zu bytes; slot capacity %u\n", len,
                  (unsigned)(16384u - ACME_CONFIG_PART_HEADER_LEN));

    use_flash(PART_SIZE, ERASE, 16);
    assert_int_equal(provision(g_max, len), ACME_OK);
    size_t got = 0;
    assert_int_equal(mount(), ACME_OK);
    assert_int_equal(load(&got), ACME_OK);
    assert_int_equal(got, len);
    assert_int_equal(g_prov.trust_count, ACME_PROVISION_TRUST_MAX);
}

/* ---- Power cuts ------------------------------------------------------------ */

/* Flash operations (erase, program, sync) of one write of blob over `before`. */
static uint32_t count_ops(const uint8_t *before, const uint8_t *blob, size_t len)
{
    memcpy(g_flash.mem, before, PART_SIZE);
    size_t got = 0;
    assert_int_equal(mount(), ACME_OK);
    (void)load(&got);
    uint32_t ops = g_flash.ops;
    assert_int_equal(acme_config_part_write(&g_part, blob, len), ACME_OK);
    return g_flash.ops - ops;
}

static uint8_t g_before[PART_SIZE];

/* Cut power at every operation of writing `blob` over the image `before`
 * (whose config is old/old_len), with several seeds for the torn bits. */
static void cut_everywhere(const uint8_t *old, size_t old_len, const uint8_t *blob, size_t len,
                           uint32_t prog)
{
    uint32_t total = count_ops(g_before, blob, len);
    assert_true(total > 3u);
    uint32_t seen_old = 0;
    uint32_t seen_new = 0;
    for (uint32_t n = 1; n <= total; n++) {
        for (uint32_t seed = 1; seed <= 4; seed++) {
            memcpy(g_flash.mem, g_before, PART_SIZE);
            size_t got = 0;
            assert_int_equal(mount(), ACME_OK);
            (void)load(&got);
            fake_flash_cut_at(&g_flash, n, seed * 2654435761u + n);
            acme_status_t st = acme_config_part_write(&g_part, blob, len);
            fake_flash_power_on(&g_flash);

            assert_int_equal(mount(), ACME_OK);
            acme_status_t lt = load(&got);
            if (lt != ACME_OK) {
                fail_msg("prog %u, cut at op %u of %u, seed %u: no config after the cut (%d)",
                         (unsigned)prog, (unsigned)n, (unsigned)total, (unsigned)seed, (int)lt);
            }
            bool is_new = got == len && memcmp(g_buf, blob, len) == 0;
            bool is_old = got == old_len && memcmp(g_buf, old, old_len) == 0;
            if (!is_new && !is_old) {
                fail_msg("prog %u, cut at op %u, seed %u: a config that is neither old nor new",
                         (unsigned)prog, (unsigned)n, (unsigned)seed);
            }
            /* A write that said OK is durable. */
            if (st == ACME_OK && !is_new) {
                fail_msg("prog %u, cut at op %u, seed %u: write said OK, old config read",
                         (unsigned)prog, (unsigned)n, (unsigned)seed);
            }
            seen_old += is_old;
            seen_new += is_new;
            /* Retry on what survived: it completes. */
            assert_int_equal(acme_config_part_write(&g_part, blob, len), ACME_OK);
            assert_config(blob, len);
        }
    }
    assert_true(seen_old > 0);
    assert_true(seen_new > 0);
}

static void test_power_cut_reprovision(void **state)
{
    (void)state;
    static const uint32_t units[] = {1, 16};
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        /* One config (slot 0) -> re-provision into slot 1. */
        use_flash(PART_SIZE, ERASE, units[u]);
        assert_int_equal(provision(g_blob_a, g_len_a), ACME_OK);
        memcpy(g_before, g_flash.mem, PART_SIZE);
        cut_everywhere(g_blob_a, g_len_a, g_blob_b, g_len_b, units[u]);

        /* Two configs (a in 0, b in 1) -> the write replaces the older slot 0. */
        use_flash(PART_SIZE, ERASE, units[u]);
        assert_int_equal(provision(g_blob_a, g_len_a), ACME_OK);
        assert_int_equal(provision(g_blob_b, g_len_b), ACME_OK);
        memcpy(g_before, g_flash.mem, PART_SIZE);
        cut_everywhere(g_blob_b, g_len_b, g_blob_c, g_len_c, units[u]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geometry),
        cmocka_unit_test(test_blank_is_empty),
        cmocka_unit_test(test_write_alternates_slots),
        cmocka_unit_test(test_program_units),
        cmocka_unit_test(test_write_refusals),
        cmocka_unit_test(test_corrupt_newest_blob_falls_back),
        cmocka_unit_test(test_corrupt_header_falls_back),
        cmocka_unit_test(test_largest_blob_fits_a_slot),
        cmocka_unit_test(test_power_cut_reprovision),
    };
    return cmocka_run_group_tests(tests, setup_blobs, NULL);
}
