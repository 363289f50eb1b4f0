/*
 * acme_strerror(), acme_status_class(), acme_status_name(): the one table
 * that turns a status into words. Messages say what to do, not only what
 * happened.
 *
 * The table is one list (STATUS_LIST) expanded three times: the codes as
 * int8_t, the names as one packed string, the sentences as another (only
 * with ACME_ERROR_TEXT). A status's class needs no table: the codes are
 * numbered by class in status.h (-2..-9 caller, then one decade per class).
 */
#include "acme/status.h"

#include "acme/config_defaults.h"

#include <stddef.h>
#include <stdint.h>

/* clang-format off: one status per line */
#define STATUS_LIST(X)                                                                             \
    X(ACME_OK, "success")                                                                          \
    X(ACME_WOULD_BLOCK, "in progress: poll again")                                                 \
    X(ACME_ERR_INVALID_ARG, "invalid argument: check the values passed to the agent")              \
    X(ACME_ERR_BAD_STATE, "call not allowed in the agent's current state")                         \
    X(ACME_ERR_CONFIG, "invalid configuration: check names, URLs, trust anchors and limits")       \
    X(ACME_ERR_NO_MEMORY, "arena exhausted: give the agent a larger arena")                        \
    X(ACME_ERR_BUFFER_TOO_SMALL,                                                                   \
      "a compile-time limit is too small for this data: raise it in acme_config.h")                \
    X(ACME_ERR_CONNECT, "cannot connect: check the server address, port and network")              \
    X(ACME_ERR_TRANSPORT, "network error while sending or receiving")                              \
    X(ACME_ERR_CLOSED, "the server closed the connection unexpectedly")                            \
    X(ACME_ERR_TIMEOUT, "timed out waiting for the network or the server")                         \
    X(ACME_ERR_RESOLVE, "cannot resolve the server name: check DNS settings")                      \
    X(ACME_ERR_ADDR_IN_USE,                                                                        \
      "the http-01 port is in use: stop the other server or use http01 lookup")                    \
    X(ACME_ERR_TLS, "TLS handshake or record error with the ACME server")                          \
    X(ACME_ERR_TLS_VERIFY,                                                                         \
      "server certificate not trusted or wrong host name: check the trust anchors and the URL")    \
    X(ACME_ERR_DNS, "DNS query failed: check the resolver address")                                \
    X(ACME_ERR_DNS_NXDOMAIN, "the name does not exist in DNS")                                     \
    X(ACME_ERR_DNS_NO_ANSWER, "DNS has no record of the requested type for the name")              \
    X(ACME_ERR_CAA_DENIED,                                                                         \
      "CAA records allow no CA the agent can use for these names: check the domain's CAA")         \
    X(ACME_ERR_SERVER_PROBLEM, "the ACME server refused the request: see the problem detail")      \
    X(ACME_ERR_HTTP_STATUS, "unexpected HTTP status from the ACME server")                         \
    X(ACME_ERR_ORDER_INVALID,                                                                      \
      "the order became invalid: a challenge failed (see the problem detail)")                     \
    X(ACME_ERR_UNSUPPORTED,                                                                        \
      "the server does not offer what the agent needs (e.g. no http-01 challenge)")                \
    X(ACME_ERR_MALFORMED, "malformed data from the server (none of it stored)")                    \
    X(ACME_ERR_OVERSIZE, "data from the server exceeds the agent's limits (none of it stored)")    \
    X(ACME_ERR_TRUNCATED, "the server's response was cut off (none of it stored)")                 \
    X(ACME_ERR_BAD_CERT,                                                                           \
      "the issued certificate does not match the request: it was not installed")                   \
    X(ACME_ERR_FLASH, "flash read/program/erase failed")                                           \
    X(ACME_ERR_NOT_FOUND, "no such item in the store")                                             \
    X(ACME_ERR_STORE_FULL, "the state does not fit in the flash partition: enlarge it")            \
    X(ACME_ERR_CRYPTO, "cryptographic operation failed")                                           \
    X(ACME_ERR_RNG, "entropy source failed: the port's rng seam returned an error")                \
    X(ACME_ERR_KEY_MISMATCH, "stored key does not match the certificate")                          \
    X(ACME_ERR_KEY_SEALED,                                                                         \
      "a private key in flash is sealed and does not open with this device's secret")
/* clang-format on */

#define STATUS_CODE(code, text) (int8_t)(code),
#define STATUS_NAME(code, text) #code "\0"
#define STATUS_TEXT(code, text) text "\0"

static const int8_t status_codes[] = {STATUS_LIST(STATUS_CODE)};
static const char status_names[] = STATUS_LIST(STATUS_NAME);
#if ACME_ERROR_TEXT
static const char status_texts[] = STATUS_LIST(STATUS_TEXT);
#endif

#define STATUS_COUNT (sizeof(status_codes) / sizeof(status_codes[0]))

/* Index of status in the list, or STATUS_COUNT. */
static size_t find_status(int status)
{
    size_t i = 0;
    while (i < STATUS_COUNT && status_codes[i] != status) {
        i++;
    }
    return i;
}

/* The index-th string of a packed "a\0b\0..." list (index < STATUS_COUNT). */
static const char *nth(const char *packed, size_t index)
{
    while (index > 0) {
        while (*packed++ != '\0') {
        }
        index--;
    }
    return packed;
}

const char *acme_strerror(int status)
{
    size_t i = find_status(status);
    if (i == STATUS_COUNT) {
        return "unknown status";
    }
#if ACME_ERROR_TEXT
    return nth(status_texts, i);
#else
    /* Without ACME_ERROR_TEXT the sentences are not compiled in: the name
     * says which error it is. */
    return nth(status_names, i);
#endif
}

acme_status_class_t acme_status_class(int status)
{
    if (find_status(status) == STATUS_COUNT || status > ACME_ERR_INVALID_ARG) {
        return ACME_CLASS_NONE; /* unknown, ACME_OK, ACME_WOULD_BLOCK */
    }
    if (status > ACME_ERR_NO_MEMORY) {
        return ACME_CLASS_CALLER;
    }
    return (acme_status_class_t)(ACME_CLASS_RESOURCE + (-status / 10 - 1));
}

const char *acme_status_name(int status)
{
    size_t i = find_status(status);
    return i != STATUS_COUNT ? nth(status_names, i) : "ACME_STATUS_UNKNOWN";
}
