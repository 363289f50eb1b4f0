/*
 * What the agent keeps in the store, and when it writes it.
 *
 *   account per CA     its key just before newAccount is first sent (EAB
 *                      keys can be single-use), its URL once newAccount
 *                      answered; directory and issuer with both
 *   order in progress  once the CA created the order: its URL and the new
 *                      key, so a restart can finish it (one commit)
 *   chain + key + CA   after the chain passed every check, in one commit
 *                      that also drops the order in progress and the
 *                      failure count
 *   renewal            after a failed run: failures, last failure; after
 *                      an ARI check: the window and when to check next;
 *                      alreadyReplaced seen
 *   cool-downs         when a discovered CA failed (with wall-clock ends)
 *
 * Records are variable-length; text fields are NUL-separated.
 */
#include <string.h>

#include "acme/codec/ari.h"
#include "acme/codec/cert_chain.h"
#include "acme/codec/crc32.h"
#include "acme/codec/pem.h"
#include "compiler.h"
#include "crypto/seal.h"
#include "io/agent_internal.h"

/* Split "a\0b\0c" (len bytes, last field unterminated; buf holds len + 1)
 * into fields. */
static size_t split_fields(char *buf, size_t len, const char **fields, size_t max)
{
    size_t n = 0;
    size_t start = 0;
    buf[len] = '\0'; /* the last field's end: every field now ends in a NUL */
    for (size_t i = 0; i <= len && n < max; i++) {
        if (buf[i] == '\0') {
            fields[n++] = buf + start;
            start = i + 1;
        }
    }
    return n;
}

/* Join n >= 1 fields with NULs into out; false when they do not fit. Each
 * field is copied with its own NUL, the separator; the last one's is not
 * counted (less code than a separator between fields). */
static bool join_fields(char *out, size_t cap, size_t *len, const char *const *fields, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        size_t f = strlen(fields[i]) + 1;
        if (o + f > cap) {
            return false;
        }
        memcpy(out + o, fields[i], f);
        o += f;
    }
    *len = o - 1;
    return true;
}

/* ---- private keys in records ----------------------------------------------------- */

#if ACME_ENABLE_KEY_SEAL
/* Seal (or open) a key record in place under the port's device secret. */
static acme_status_t seal_op(acme_agent_t *a, bool seal, uint16_t type, uint8_t *buf, size_t cap,
                             size_t *len)
{
    uint8_t secret[ACME_SEAL_SECRET_LEN];
    acme_status_t st = a->port->secret->key_at_rest(a->port->secret_ctx, secret) == ACME_OK
                           ? ACME_OK
                           : ACME_ERR_CRYPTO;
    if (st == ACME_OK) {
        st = seal ? acme_seal(secret, type, buf, *len, cap, len)
                  : acme_unseal(secret, type, buf, *len, len);
    }
    acme_zeroize(secret, sizeof(secret));
    return st;
}
#endif

/* The record bytes for a private key: its DER, sealed when the port gives
 * a device secret. */
static acme_status_t key_record(acme_agent_t *a, const acme_key_t *key, uint16_t type,
                                uint8_t out[ACME_AG_KEY_RECORD_MAX], size_t *len)
{
    acme_status_t st = acme_key_write_der(key, out, ACME_AG_KEY_RECORD_MAX, len);
#if ACME_ENABLE_KEY_SEAL
    if (st == ACME_OK && a->port->secret != NULL) {
        st = seal_op(a, true, type, out, ACME_AG_KEY_RECORD_MAX, len);
    }
#else
    (void)a;
    (void)type;
#endif
    return st;
}

acme_status_t acme_ag_state_read_key(acme_agent_t *a, uint16_t type,
                                     uint8_t der[ACME_AG_KEY_RECORD_MAX], size_t *len)
{
    acme_status_t st = acme_store_read(&a->store, type, der, ACME_AG_KEY_RECORD_MAX, len);
#if ACME_ENABLE_KEY_SEAL
    /* A key stored in the clear (before the port had a secret) is read as
     * it is, and sealed when it is next written. */
    if (st == ACME_OK && acme_sealed(der, *len)) {
        st = a->port->secret != NULL ? seal_op(a, false, type, der, ACME_AG_KEY_RECORD_MAX, len)
                                     : ACME_ERR_KEY_SEALED;
    }
#endif
    return st;
}

/* A key record into *key (freed first). */
static acme_status_t load_key(acme_agent_t *a, uint16_t type, acme_key_t **key)
{
    uint8_t der[ACME_AG_KEY_RECORD_MAX];
    size_t len = 0;
    acme_status_t st = acme_ag_state_read_key(a, type, der, &len);
    if (st == ACME_OK) {
        acme_key_free(key);
        st = acme_key_parse_der(key, der, len);
    }
    acme_zeroize(der, sizeof(der));
    return st;
}

/* One commit of a key record and a text record (fields joined with NULs)
 * with the other changes: changes[0] and changes[1] get the key's and the
 * text's bytes, for the types they hold. The one place that writes keys. */
static acme_status_t commit_key_and_text(acme_agent_t *a, const acme_key_t *key,
                                         acme_store_change_t *changes, size_t count,
                                         const char *const *fields, size_t field_count)
{
    uint8_t der[ACME_AG_KEY_RECORD_MAX];
    char text[2 * ACME_URL_MAX + ACME_CAA_ISSUER_MAX + 3];
    acme_status_t st = join_fields(text, sizeof(text), &changes[1].len, fields, field_count)
                           ? key_record(a, key, changes[0].type, der, &changes[0].len)
                           : ACME_ERR_BUFFER_TOO_SMALL;
    if (st == ACME_OK) {
        changes[0].data = der;
        changes[1].data = text;
        st = acme_store_commit(&a->store, changes, count);
    }
    acme_zeroize(der, sizeof(der));
    return st;
}

/* ---- accounts per CA ----------------------------------------------------------- */

/* Account slot i is two records: ACME_REC_ACCOUNT_FIRST + i (directory,
 * account URL, issuer) and ACME_REC_ACCOUNT_KEY_FIRST + i (its key, DER),
 * always written together. An empty URL means the key was stored for a
 * newAccount whose answer has not been stored yet. */
typedef struct account_record {
    char buf[2 * ACME_URL_MAX + ACME_CAA_ISSUER_MAX + 3];
    const char *field[3]; /* directory, URL, issuer: acme_ag_account_field_t */
} account_record_t;

static bool read_account(acme_agent_t *a, size_t slot, account_record_t *r)
{
    size_t len = 0;
    r->field[2] = ""; /* an issuer-less record; true means the others are set */
    return acme_store_read(&a->store, (uint16_t)(ACME_REC_ACCOUNT_FIRST + slot), r->buf,
                           sizeof(r->buf) - 1, &len) == ACME_OK &&
           split_fields(r->buf, len, r->field, 3) >= 2;
}

/* The first slot whose field equals value (value NULL: whose account URL is
 * known), read into r; ACME_STORE_ACCOUNTS_MAX when none. */
static size_t find_account(acme_agent_t *a, acme_ag_account_field_t field, const char *value,
                           account_record_t *r)
{
    size_t slot = 0;
    while (
        slot < ACME_STORE_ACCOUNTS_MAX &&
        !(read_account(a, slot, r) && (value != NULL ? strcmp(r->field[field], value) == 0
                                                     : r->field[ACME_AG_ACCOUNT_URL][0] != '\0'))) {
        slot++;
    }
    return slot;
}

static void copy_out(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        n = 0; /* cannot happen with records we wrote; never truncate a URL */
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The slot of the account whose field equals value, with its URL copied to
 * url (when given); ACME_STORE_ACCOUNTS_MAX when none. Not inlined: its
 * record buffer is off the stack before a caller's key buffer is on it. */
ACME_NOINLINE static size_t account_slot(acme_agent_t *a, acme_ag_account_field_t field,
                                         const char *value, char *url, size_t cap)
{
    account_record_t r;
    size_t slot = find_account(a, field, value, &r);
    if (url != NULL) {
        copy_out(url, cap, slot < ACME_STORE_ACCOUNTS_MAX ? r.field[ACME_AG_ACCOUNT_URL] : "");
    }
    return slot;
}

acme_status_t acme_ag_state_load_account(acme_agent_t *a, const char *directory, char *url,
                                         size_t cap)
{
    struct acme_agent_crypto *c = a->crypto;
#if ACME_ENABLE_ACCOUNT_ADMIN
    if (a->run_op != ACME_OP_KEY_CHANGE) {
        /* Until an interrupted rollover is settled, nobody knows which key
         * the CA holds the account under: a request signed with the wrong
         * one could register a second account. */
        char pending[ACME_URL_MAX + 1];
        if (acme_ag_state_rollover_directory(a, pending, sizeof(pending)) == ACME_OK &&
            strcmp(pending, directory) == 0) {
            acme_ag_set_problem_detail(
                a, ACME_TEXT("an account key rollover at this CA is unfinished: run it again"));
            return ACME_ERR_BAD_STATE;
        }
    }
#endif
    size_t slot = account_slot(a, ACME_AG_ACCOUNT_DIRECTORY, directory, url, cap);
    acme_key_free(&c->account_key);
    acme_status_t st =
        slot < ACME_STORE_ACCOUNTS_MAX
            ? load_key(a, (uint16_t)(ACME_REC_ACCOUNT_KEY_FIRST + slot), &c->account_key)
            : ACME_ERR_NOT_FOUND;
    if (st == ACME_ERR_KEY_SEALED || st == ACME_ERR_CRYPTO) {
        return st; /* the account exists: never replace it for want of the secret */
    }
    c->account_key_unsaved = st != ACME_OK;
    if (st != ACME_OK) {
        /* No account here, or a key this build cannot use: a URL is worth
         * nothing without its key. */
        acme_key_free(&c->account_key);
        url[0] = '\0';
        st = acme_key_generate(&c->account_key, ACME_KEY_P256, c->drbg);
    }
    return st;
}

acme_status_t acme_ag_state_account_url(acme_agent_t *a, acme_ag_account_field_t field,
                                        const char *value, char *url, size_t cap)
{
    url[0] = '\0';
    if (value == NULL || value[0] != '\0') {
        (void)account_slot(a, field, value, url, cap);
    }
    return url[0] != '\0' ? ACME_OK : ACME_ERR_NOT_FOUND;
}

/* Where the account at directory goes: its slot, else a free one, else
 * none (ACME_STORE_ACCOUNTS_MAX). Accounts are never evicted: one bound by
 * a single-use EAB key could not be made again. */
ACME_NOINLINE static size_t account_target(acme_agent_t *a, const char *directory)
{
    account_record_t r;
    size_t slot = find_account(a, ACME_AG_ACCOUNT_DIRECTORY, directory, &r);
    if (slot == ACME_STORE_ACCOUNTS_MAX) {
        slot = 0;
        while (slot < ACME_STORE_ACCOUNTS_MAX && read_account(a, slot, &r)) {
            slot++;
        }
    }
    return slot;
}

acme_status_t acme_ag_state_save_account(acme_agent_t *a, const char *issuer, const char *directory,
                                         const char *account_url)
{
    size_t slot = account_target(a, directory);
    if (slot == ACME_STORE_ACCOUNTS_MAX) {
        return ACME_ERR_STORE_FULL;
    }
    const char *fields[3] = {directory, account_url, issuer};
    /* The types only: commit_key_and_text fills in both data and len. */
    acme_store_change_t changes[2];
    changes[0].type = (uint16_t)(ACME_REC_ACCOUNT_KEY_FIRST + slot);
    changes[1].type = (uint16_t)(ACME_REC_ACCOUNT_FIRST + slot);
    acme_status_t st = commit_key_and_text(a, a->crypto->account_key, changes, 2, fields, 3);
    if (st == ACME_OK) {
        a->crypto->account_key_unsaved = false;
    }
    return st;
}

/* ---- the installed certificate ----------------------------------------------------- */

acme_status_t acme_ag_state_install(acme_agent_t *a, const char *chain, size_t len)
{
#if ACME_ENABLE_PROFILES
    const char *fields[4] = {a->ca_issuer, a->ca_directory, a->order.directory.terms_of_service,
                             a->order.profile};
#else
    const char *fields[3] = {a->ca_issuer, a->ca_directory, a->order.directory.terms_of_service};
#endif
    /* Types only for the key and the text: commit_key_and_text fills in
     * their data and len. */
    acme_store_change_t changes[6];
    changes[0].type = ACME_REC_DEVICE_KEY;
    changes[1].type = ACME_REC_CA_INFO;
    changes[2] = (acme_store_change_t){ACME_REC_CHAIN, chain, len};
    changes[3] = (acme_store_change_t){ACME_REC_PENDING_KEY, NULL, 0};
    changes[4] = (acme_store_change_t){ACME_REC_PENDING_ORDER, NULL, 0};
    changes[5] = (acme_store_change_t){ACME_REC_RENEWAL, NULL, 0};
    return commit_key_and_text(a, a->crypto->device_key, changes,
                               sizeof(changes) / sizeof(changes[0]), fields,
                               sizeof(fields) / sizeof(fields[0]));
}

/* ---- the order in progress --------------------------------------------------------- */

/* A key record and a two-field text record (a key in flight and what it is
 * for), in one commit. */
static acme_status_t commit_key_pair(acme_agent_t *a, const acme_key_t *key, uint16_t key_type,
                                     uint16_t text_type, const char *first, const char *second)
{
    const char *fields[2] = {first, second};
    /* The types only: commit_key_and_text fills in both data and len (no
     * template to copy from rodata). */
    acme_store_change_t changes[2];
    changes[0].type = key_type;
    changes[1].type = text_type;
    return commit_key_and_text(a, key, changes, 2, fields, 2);
}

acme_status_t acme_ag_state_save_pending(acme_agent_t *a, const char *directory,
                                         const char *order_url)
{
    return commit_key_pair(a, a->crypto->device_key, ACME_REC_PENDING_KEY, ACME_REC_PENDING_ORDER,
                           directory, order_url);
}

acme_status_t acme_ag_state_load_pending_key(acme_agent_t *a)
{
    return load_key(a, ACME_REC_PENDING_KEY, &a->crypto->device_key);
}

/* A "directory\0url" record (what a key in flight is for) into rec, split
 * into f; false when there is none. */
typedef char url_pair_t[2 * ACME_URL_MAX + 2];
static bool read_url_pair(acme_agent_t *a, uint16_t type, url_pair_t rec, const char *f[2])
{
    size_t len = 0;
    return acme_store_read(&a->store, type, rec, sizeof(url_pair_t) - 1, &len) == ACME_OK &&
           split_fields(rec, len, f, 2) == 2;
}

void acme_ag_state_pending_order(acme_agent_t *a, const char *directory, char *order_url,
                                 size_t cap)
{
    /* The URL when the order was created at this directory. */
    url_pair_t rec;
    const char *f[2];
    bool two = read_url_pair(a, ACME_REC_PENDING_ORDER, rec, f);
    copy_out(order_url, cap, two && strcmp(f[0], directory) == 0 ? f[1] : "");
}

/* ---- renewal bookkeeping ----------------------------------------------------------- */

/* Record: eleven u32 little-endian words: failures, last status, last
 * failure time (low, high), ARI window start (low, high), end (low, high),
 * next ARI check (low, high), flags; times in seconds. Read as words, so
 * that the 64-bit times cost no 64-bit code. */
#define RENEWAL_WORDS 11u
#define RENEWAL_FLAG_REPLACED 1u
#define RENEWAL_FLAG_REVOKED 2u

static void read_renewal(acme_agent_t *a, uint32_t w[RENEWAL_WORDS])
{
    uint8_t b[4u * RENEWAL_WORDS];
    size_t len = 0;
    memset(w, 0, 4u * RENEWAL_WORDS);
    if (acme_store_read(&a->store, ACME_REC_RENEWAL, b, sizeof(b), &len) != ACME_OK ||
        len != sizeof(b)) {
        return; /* none, or not a layout this agent wrote: counting starts afresh */
    }
    for (size_t i = 0; i < sizeof(b); i++) {
        w[i / 4u] |= (uint32_t)b[i] << (8u * (i % 4u));
    }
}

static void write_renewal(acme_agent_t *a, const uint32_t w[RENEWAL_WORDS])
{
    uint8_t b[4u * RENEWAL_WORDS];
    for (size_t i = 0; i < sizeof(b); i++) {
        b[i] = (uint8_t)(w[i / 4u] >> (8u * (i % 4u)));
    }
    acme_store_change_t change = {ACME_REC_RENEWAL, b, sizeof(b)};
    /* Bookkeeping only: a failed write costs an accurate count, nothing more. */
    (void)acme_store_commit(&a->store, &change, 1);
}

static int64_t time_of(const uint32_t *w)
{
    return (int64_t)((uint64_t)w[1] << 32 | w[0]);
}

static void put_time(uint32_t *w, int64_t t)
{
    w[0] = (uint32_t)(uint64_t)t;
    w[1] = (uint32_t)((uint64_t)t >> 32);
}

void acme_ag_state_renewal(acme_agent_t *a, acme_renewal_info_t *r)
{
    uint32_t w[RENEWAL_WORDS];
    read_renewal(a, w);
    r->failures = w[0];
    r->last_status = (acme_status_t)(int32_t)w[1];
    r->last_failure_s = time_of(w + 2);
    r->ari_start_s = time_of(w + 4);
    r->ari_end_s = time_of(w + 6);
    r->ari_next_check_s = time_of(w + 8);
    r->replaced = (w[10] & RENEWAL_FLAG_REPLACED) != 0;
    r->revoked = (w[10] & RENEWAL_FLAG_REVOKED) != 0;
}

void acme_ag_state_note_failure(acme_agent_t *a, acme_status_t status)
{
    uint32_t w[RENEWAL_WORDS];
    read_renewal(a, w);
    int64_t wall = acme_ag_wall_now(a);
    w[0] += w[0] < UINT32_MAX;
    w[1] = (uint32_t)(int32_t)status;
    put_time(w + 2, wall != ACME_TIME_UNKNOWN ? wall : 0);
    write_renewal(a, w);
}

void acme_ag_state_set_ari(acme_agent_t *a, int64_t start_s, int64_t end_s, int64_t next_check_s)
{
    uint32_t w[RENEWAL_WORDS];
    read_renewal(a, w);
    if (end_s > start_s) {
        put_time(w + 4, start_s);
        put_time(w + 6, end_s);
    }
    put_time(w + 8, next_check_s);
    write_renewal(a, w);
}

static void set_flag(acme_agent_t *a, uint32_t flag)
{
    uint32_t w[RENEWAL_WORDS];
    read_renewal(a, w);
    w[10] |= flag;
    write_renewal(a, w);
}

void acme_ag_state_note_replaced(acme_agent_t *a)
{
    set_flag(a, RENEWAL_FLAG_REPLACED);
}

#if ACME_ENABLE_ACCOUNT_ADMIN
void acme_ag_state_note_revoked(acme_agent_t *a)
{
    set_flag(a, RENEWAL_FLAG_REVOKED);
}

acme_status_t acme_ag_state_forget_account(acme_agent_t *a, const char *directory)
{
    size_t slot = account_slot(a, ACME_AG_ACCOUNT_DIRECTORY, directory, NULL, 0);
    if (slot == ACME_STORE_ACCOUNTS_MAX) {
        return ACME_ERR_NOT_FOUND;
    }
    acme_store_change_t drop[2] = {
        {(uint16_t)(ACME_REC_ACCOUNT_FIRST + slot), NULL, 0},
        {(uint16_t)(ACME_REC_ACCOUNT_KEY_FIRST + slot), NULL, 0},
    };
    return acme_store_commit(&a->store, drop, 2);
}

/* ---- key rollover ----------------------------------------------------------------- */

acme_status_t acme_ag_state_save_rollover(acme_agent_t *a, const char *directory,
                                          const char *account_url)
{
    return commit_key_pair(a, a->crypto->rollover_key, ACME_REC_ROLLOVER_KEY, ACME_REC_ROLLOVER,
                           directory, account_url);
}

acme_status_t acme_ag_state_rollover_directory(acme_agent_t *a, char *directory, size_t cap)
{
    url_pair_t rec;
    const char *f[2];
    bool two = read_url_pair(a, ACME_REC_ROLLOVER, rec, f);
    copy_out(directory, cap, two ? f[0] : "");
    return two ? ACME_OK : ACME_ERR_NOT_FOUND;
}

acme_status_t acme_ag_state_load_rollover_key(acme_agent_t *a)
{
    return load_key(a, ACME_REC_ROLLOVER_KEY, &a->crypto->rollover_key);
}

acme_status_t acme_ag_state_commit_rollover(acme_agent_t *a, const char *directory)
{
    account_record_t r;
    size_t slot = find_account(a, ACME_AG_ACCOUNT_DIRECTORY, directory, &r);
    if (slot == ACME_STORE_ACCOUNTS_MAX) {
        return ACME_ERR_NOT_FOUND;
    }
    /* The account's record is written again as it was, with the new key. */
    acme_store_change_t changes[4];
    changes[0].type = (uint16_t)(ACME_REC_ACCOUNT_KEY_FIRST + slot);
    changes[1].type = (uint16_t)(ACME_REC_ACCOUNT_FIRST + slot);
    changes[2] = (acme_store_change_t){ACME_REC_ROLLOVER_KEY, NULL, 0};
    changes[3] = (acme_store_change_t){ACME_REC_ROLLOVER, NULL, 0};
    return commit_key_and_text(a, a->crypto->rollover_key, changes, 4, r.field, 3);
}

acme_status_t acme_ag_state_drop_rollover(acme_agent_t *a)
{
    acme_store_change_t drop[2] = {
        {ACME_REC_ROLLOVER_KEY, NULL, 0},
        {ACME_REC_ROLLOVER, NULL, 0},
    };
    return acme_store_commit(&a->store, drop, 2);
}
#endif

/* The RFC 9773 certID of the leaf of the chain in a->http.body[0..len). */
static acme_status_t leaf_cert_id(acme_agent_t *a, size_t len, char *out, size_t cap)
{
    size_t pos = 0;
    size_t der_len = 0;
    uint8_t key_id[ACME_ARI_KEY_ID_MAX];
    uint8_t serial[ACME_ARI_SERIAL_MAX];
    size_t key_id_len = 0;
    size_t serial_len = 0;
    acme_status_t st = acme_pem_next((const char *)a->http.body, len, &pos, "CERTIFICATE", a->tx,
                                     sizeof(a->tx), &der_len);
    if (st == ACME_OK) {
        st = acme_cert_ari_ids(a->tx, der_len, key_id, &key_id_len, serial, &serial_len);
    }
    return st == ACME_OK
               ? acme_ari_cert_id(key_id, key_id_len, serial, serial_len, out, cap, &len)
               : st;
}

/* The installed chain into the idle HTTP body buffer. */
static acme_status_t read_chain(acme_agent_t *a, size_t *len)
{
    return acme_store_read(&a->store, ACME_REC_CHAIN, a->http.body, sizeof(a->http.body), len);
}

#if ACME_ENABLE_ACCOUNT_ADMIN
acme_status_t acme_ag_state_leaf_der(acme_agent_t *a, uint8_t *out, size_t cap, size_t *der_len)
{
    size_t len = 0;
    size_t pos = 0;
    acme_status_t st = read_chain(a, &len);
    return st == ACME_OK ? acme_pem_next((const char *)a->http.body, len, &pos, "CERTIFICATE", out,
                                         cap, der_len)
                         : st;
}
#endif

acme_status_t acme_ag_state_cert_id(acme_agent_t *a, char *out, size_t cap)
{
    size_t len = 0;
    acme_status_t st = read_chain(a, &len);
    return st == ACME_OK ? leaf_cert_id(a, len, out, cap) : st;
}

acme_status_t acme_ag_state_cert_facts(acme_agent_t *a, acme_ag_cert_facts_t *f)
{
    acme_cert_info_t info;
    size_t len = 0;
    memset(f, 0, sizeof(*f));
    acme_status_t st = read_chain(a, &len);
    if (st == ACME_OK) {
        st = acme_cert_chain_info((const char *)a->http.body, len, a->tx, sizeof(a->tx), &info);
    }
    if (st != ACME_OK) {
        return st;
    }
    f->not_before_s = info.not_before;
    f->not_after_s = info.not_after;
    /* Stable for one certificate, different across a fleet. */
    f->serial_crc = acme_crc32(0, info.serial_hex, strlen(info.serial_hex));
#if ACME_ENABLE_ARI
    /* A certificate without an AKI has no certID: no ARI for it. */
    if (leaf_cert_id(a, len, f->cert_id, sizeof(f->cert_id)) != ACME_OK) {
        f->cert_id[0] = '\0';
    }
#endif
    return ACME_OK;
}

acme_status_t acme_ag_state_read_ca_info(acme_agent_t *a, acme_ca_info_t *out)
{
    char buf[ACME_CAA_ISSUER_MAX + 2 * ACME_URL_MAX + ACME_PROFILE_MAX + 4];
    size_t len = 0;
    memset(out, 0, sizeof(*out));
    acme_status_t st = acme_store_read(&a->store, ACME_REC_CA_INFO, buf, sizeof(buf) - 1, &len);
    if (st != ACME_OK) {
        return st;
    }
    const char *f[4] = {"", "", "", ""};
    split_fields(buf, len, f, 4);
    copy_out(out->issuer, sizeof(out->issuer), f[0]);
    copy_out(out->directory, sizeof(out->directory), f[1]);
    copy_out(out->terms_of_service, sizeof(out->terms_of_service), f[2]);
#if ACME_ENABLE_PROFILES
    copy_out(out->profile, sizeof(out->profile), f[3]);
#endif
    return ACME_OK;
}

#if ACME_ENABLE_DISCOVERY
/* ---- cool-downs ------------------------------------------------------------------------ */

/* Record: per CA, issuer (NUL-terminated) then the end as 8 bytes LE. */
#define COOLDOWN_ENTRY_MAX (ACME_CAA_ISSUER_MAX + 1u + 8u)

void acme_ag_state_load_cooldowns(acme_agent_t *a)
{
    uint8_t buf[ACME_CA_COOLDOWN_MAX * COOLDOWN_ENTRY_MAX];
    size_t len = 0;
    memset(a->cooldown, 0, sizeof(a->cooldown));
    if (acme_store_read(&a->store, ACME_REC_COOLDOWN, buf, sizeof(buf), &len) != ACME_OK) {
        return;
    }
    size_t pos = 0;
    for (size_t i = 0; i < ACME_CA_COOLDOWN_MAX && pos < len; i++) {
        const uint8_t *nul = memchr(buf + pos, '\0', len - pos);
        size_t n = nul != NULL ? (size_t)(nul - (buf + pos)) : 0;
        if (nul == NULL || n > ACME_CAA_ISSUER_MAX || len - pos - n - 1 < 8) {
            break; /* damaged: forget the rest (cool-down is only advice) */
        }
        memcpy(a->cooldown[i].issuer, buf + pos, n);
        int64_t until = 0;
        for (int b = 7; b >= 0; b--) {
            until = (int64_t)((uint64_t)until << 8 | buf[pos + n + 1 + (size_t)b]);
        }
        a->cooldown[i].until_wall_s = until;
        pos += n + 1 + 8;
    }
}

static void save_cooldowns(acme_agent_t *a)
{
    uint8_t buf[ACME_CA_COOLDOWN_MAX * COOLDOWN_ENTRY_MAX];
    size_t pos = 0;
    for (size_t i = 0; i < ACME_CA_COOLDOWN_MAX; i++) {
        const struct acme_agent_cooldown *c = &a->cooldown[i];
        if (c->issuer[0] == '\0' || c->until_wall_s == 0) {
            continue;
        }
        size_t n = strlen(c->issuer);
        memcpy(buf + pos, c->issuer, n + 1);
        pos += n + 1;
        uint64_t until = (uint64_t)c->until_wall_s;
        for (size_t b = 0; b < 8; b++) {
            buf[pos++] = (uint8_t)(until >> (8 * b));
        }
    }
    acme_store_change_t change = {ACME_REC_COOLDOWN, buf, pos};
    /* Advice only: a failed write costs a retry of that CA, nothing more. */
    (void)acme_store_commit(&a->store, &change, 1);
}

void acme_ag_state_add_cooldown(acme_agent_t *a, const char *issuer)
{
    if (issuer[0] == '\0' || strlen(issuer) > ACME_CAA_ISSUER_MAX) {
        return;
    }
    uint32_t seconds = a->cfg->ca_cooldown_s != 0 ? a->cfg->ca_cooldown_s : ACME_CA_COOLDOWN_S;
    int64_t wall = acme_ag_wall_now(a);
    /* The same CA again, else a free entry, else the one that ends first. */
    size_t slot = ACME_CA_COOLDOWN_MAX;
    for (size_t i = 0; i < ACME_CA_COOLDOWN_MAX && slot == ACME_CA_COOLDOWN_MAX; i++) {
        if (strcmp(a->cooldown[i].issuer, issuer) == 0) {
            slot = i;
        }
    }
    for (size_t i = 0; i < ACME_CA_COOLDOWN_MAX && slot == ACME_CA_COOLDOWN_MAX; i++) {
        if (a->cooldown[i].issuer[0] == '\0') {
            slot = i;
        }
    }
    if (slot == ACME_CA_COOLDOWN_MAX) {
        slot = 0;
        for (size_t i = 1; i < ACME_CA_COOLDOWN_MAX; i++) {
            if (a->cooldown[i].until_wall_s < a->cooldown[slot].until_wall_s) {
                slot = i;
            }
        }
    }
    struct acme_agent_cooldown *c = &a->cooldown[slot];
    memset(c, 0, sizeof(*c));
    memcpy(c->issuer, issuer, strlen(issuer) + 1);
    c->until_ms = a->now_ms + (uint64_t)seconds * 1000u;
    c->until_wall_s = wall != ACME_TIME_UNKNOWN ? wall + (int64_t)seconds : 0;
    if (c->until_wall_s != 0) {
        save_cooldowns(a);
    }
}

bool acme_ag_state_cooling(const acme_agent_t *a, const char *issuer)
{
    int64_t wall = acme_ag_wall_now(a);
    for (size_t i = 0; i < ACME_CA_COOLDOWN_MAX; i++) {
        const struct acme_agent_cooldown *c = &a->cooldown[i];
        if (c->issuer[0] == '\0' || strcmp(c->issuer, issuer) != 0) {
            continue;
        }
        if (c->until_ms > a->now_ms) {
            return true;
        }
        if (c->until_wall_s != 0 && wall != ACME_TIME_UNKNOWN && c->until_wall_s > wall) {
            return true;
        }
    }
    return false;
}
#endif /* ACME_ENABLE_DISCOVERY */
