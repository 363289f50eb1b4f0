/*
 * acme_strerror(), acme_status_class(), acme_status_name(): the one table
 * that turns a status into words. Messages say what to do, not only what
 * happened.
 */
#include "acme/status.h"

#include "acme/config_defaults.h"

#include <stddef.h>

typedef struct status_entry {
    int status;
    acme_status_class_t cls;
    const char *name;
    const char *message;
} status_entry_t;

static const status_entry_t status_table[] = {
    {ACME_OK, ACME_CLASS_NONE, "ACME_OK", ACME_TEXT("success")},
    {ACME_WOULD_BLOCK, ACME_CLASS_NONE, "ACME_WOULD_BLOCK", ACME_TEXT("in progress: poll again")},
    {ACME_ERR_INVALID_ARG, ACME_CLASS_CALLER, "ACME_ERR_INVALID_ARG",
     ACME_TEXT("invalid argument: check the values passed to the agent")},
    {ACME_ERR_BAD_STATE, ACME_CLASS_CALLER, "ACME_ERR_BAD_STATE",
     ACME_TEXT("call not allowed in the agent's current state")},
    {ACME_ERR_CONFIG, ACME_CLASS_CALLER, "ACME_ERR_CONFIG",
     ACME_TEXT("invalid configuration: check names, URLs, trust anchors and limits")},
    {ACME_ERR_NO_MEMORY, ACME_CLASS_RESOURCE, "ACME_ERR_NO_MEMORY",
     ACME_TEXT("arena exhausted: give the agent a larger arena")},
    {ACME_ERR_BUFFER_TOO_SMALL, ACME_CLASS_RESOURCE, "ACME_ERR_BUFFER_TOO_SMALL",
     ACME_TEXT("a compile-time limit is too small for this data: raise it in acme_config.h")},
    {ACME_ERR_CONNECT, ACME_CLASS_TRANSPORT, "ACME_ERR_CONNECT",
     ACME_TEXT("cannot connect: check the server address, port and network")},
    {ACME_ERR_TRANSPORT, ACME_CLASS_TRANSPORT, "ACME_ERR_TRANSPORT",
     ACME_TEXT("network error while sending or receiving")},
    {ACME_ERR_CLOSED, ACME_CLASS_TRANSPORT, "ACME_ERR_CLOSED",
     ACME_TEXT("the server closed the connection unexpectedly")},
    {ACME_ERR_TIMEOUT, ACME_CLASS_TRANSPORT, "ACME_ERR_TIMEOUT",
     ACME_TEXT("timed out waiting for the network or the server")},
    {ACME_ERR_RESOLVE, ACME_CLASS_TRANSPORT, "ACME_ERR_RESOLVE",
     ACME_TEXT("cannot resolve the server name: check DNS settings")},
    {ACME_ERR_ADDR_IN_USE, ACME_CLASS_TRANSPORT, "ACME_ERR_ADDR_IN_USE",
     ACME_TEXT("the http-01 port is in use: stop the other server or use http01 lookup")},
    {ACME_ERR_TLS, ACME_CLASS_TLS, "ACME_ERR_TLS",
     ACME_TEXT("TLS handshake or record error with the ACME server")},
    {ACME_ERR_TLS_VERIFY, ACME_CLASS_TLS, "ACME_ERR_TLS_VERIFY",
     ACME_TEXT(
         "server certificate not trusted or wrong host name: check the trust anchors and the URL")},
    {ACME_ERR_DNS, ACME_CLASS_DNS, "ACME_ERR_DNS",
     ACME_TEXT("DNS query failed: check the resolver address")},
    {ACME_ERR_DNS_NXDOMAIN, ACME_CLASS_DNS, "ACME_ERR_DNS_NXDOMAIN",
     ACME_TEXT("the name does not exist in DNS")},
    {ACME_ERR_DNS_NO_ANSWER, ACME_CLASS_DNS, "ACME_ERR_DNS_NO_ANSWER",
     ACME_TEXT("DNS has no record of the requested type for the name")},
    {ACME_ERR_CAA_DENIED, ACME_CLASS_DNS, "ACME_ERR_CAA_DENIED",
     ACME_TEXT(
         "CAA records allow no CA the agent can use for these names: check the domain's CAA")},
    {ACME_ERR_SERVER_PROBLEM, ACME_CLASS_SERVER, "ACME_ERR_SERVER_PROBLEM",
     ACME_TEXT("the ACME server refused the request: see the problem detail")},
    {ACME_ERR_HTTP_STATUS, ACME_CLASS_SERVER, "ACME_ERR_HTTP_STATUS",
     ACME_TEXT("unexpected HTTP status from the ACME server")},
    {ACME_ERR_ORDER_INVALID, ACME_CLASS_SERVER, "ACME_ERR_ORDER_INVALID",
     ACME_TEXT("the order became invalid: a challenge failed (see the problem detail)")},
    {ACME_ERR_UNSUPPORTED, ACME_CLASS_SERVER, "ACME_ERR_UNSUPPORTED",
     ACME_TEXT("the server does not offer what the agent needs (e.g. no http-01 challenge)")},
    {ACME_ERR_MALFORMED, ACME_CLASS_HOSTILE, "ACME_ERR_MALFORMED",
     ACME_TEXT("malformed data from the server: nothing was stored")},
    {ACME_ERR_OVERSIZE, ACME_CLASS_HOSTILE, "ACME_ERR_OVERSIZE",
     ACME_TEXT("data from the server exceeds the agent's limits: nothing was stored")},
    {ACME_ERR_TRUNCATED, ACME_CLASS_HOSTILE, "ACME_ERR_TRUNCATED",
     ACME_TEXT("the server's response was cut off: nothing was stored")},
    {ACME_ERR_BAD_CERT, ACME_CLASS_HOSTILE, "ACME_ERR_BAD_CERT",
     ACME_TEXT("the issued certificate does not match the request: it was not installed")},
    {ACME_ERR_FLASH, ACME_CLASS_STORAGE, "ACME_ERR_FLASH",
     ACME_TEXT("flash read/program/erase failed")},
    {ACME_ERR_NOT_FOUND, ACME_CLASS_STORAGE, "ACME_ERR_NOT_FOUND",
     ACME_TEXT("no such item in the store")},
    {ACME_ERR_STORE_FULL, ACME_CLASS_STORAGE, "ACME_ERR_STORE_FULL",
     ACME_TEXT("the state does not fit in the flash partition: enlarge it")},
    {ACME_ERR_CRYPTO, ACME_CLASS_CRYPTO, "ACME_ERR_CRYPTO",
     ACME_TEXT("cryptographic operation failed")},
    {ACME_ERR_RNG, ACME_CLASS_CRYPTO, "ACME_ERR_RNG",
     ACME_TEXT("entropy source failed: the port's rng seam returned an error")},
    {ACME_ERR_KEY_MISMATCH, ACME_CLASS_CRYPTO, "ACME_ERR_KEY_MISMATCH",
     ACME_TEXT("stored key does not match the certificate")},
};

static const status_entry_t *find_status(int status)
{
    for (size_t i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++) {
        if (status_table[i].status == status) {
            return &status_table[i];
        }
    }
    return NULL;
}

const char *acme_strerror(int status)
{
    const status_entry_t *e = find_status(status);
    if (e == NULL) {
        return "unknown status";
    }
    /* Without ACME_ERROR_TEXT the sentences are not compiled in: the name
     * says which error it is. */
    return e->message[0] != '\0' ? e->message : e->name;
}

acme_status_class_t acme_status_class(int status)
{
    const status_entry_t *e = find_status(status);
    return e != NULL ? e->cls : ACME_CLASS_NONE;
}

const char *acme_status_name(int status)
{
    const status_entry_t *e = find_status(status);
    return e != NULL ? e->name : "ACME_STATUS_UNKNOWN";
}
