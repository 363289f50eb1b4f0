/*
 * One status type for the whole agent, the port seams and the codecs.
 *
 * ACME_OK is 0 and every other value is negative, so that functions that
 * move bytes can return a byte count (>= 0) or a status in one int32_t.
 * ACME_WOULD_BLOCK ("nothing to do yet, try again later") is negative too —
 * a positive value would be indistinguishable from a count — but it is not
 * an error: its class is ACME_CLASS_NONE.
 *
 * Errors fall into classes (acme_status_class()). The HOSTILE class is for
 * malformed or oversize data from a server or a DNS answer: the agent treats
 * it as an attack or a broken peer, never as a reason to crash or to discard
 * stored state.
 */
#ifndef ACME_STATUS_H
#define ACME_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum acme_status {
    ACME_OK = 0,
    ACME_WOULD_BLOCK = -1, /* not an error: nothing to do yet, poll again */

    /* Caller: the integrator passed something unusable. */
    ACME_ERR_INVALID_ARG = -2,
    ACME_ERR_BAD_STATE = -3,
    ACME_ERR_CONFIG = -4,

    /* Resources: a compile-time limit or the arena is too small. */
    ACME_ERR_NO_MEMORY = -10,
    ACME_ERR_BUFFER_TOO_SMALL = -11,

    /* Transport */
    ACME_ERR_CONNECT = -20,
    ACME_ERR_TRANSPORT = -21,
    ACME_ERR_CLOSED = -22,
    ACME_ERR_TIMEOUT = -23,
    ACME_ERR_RESOLVE = -24,
    ACME_ERR_ADDR_IN_USE = -25,

    /* TLS */
    ACME_ERR_TLS = -30,
    ACME_ERR_TLS_VERIFY = -31,

    /* DNS */
    ACME_ERR_DNS = -40,
    ACME_ERR_DNS_NXDOMAIN = -41,
    ACME_ERR_DNS_NO_ANSWER = -42,
    ACME_ERR_CAA_DENIED = -43,

    /* Server: the ACME server said no (details in acme_agent_problem()). */
    ACME_ERR_SERVER_PROBLEM = -50,
    ACME_ERR_HTTP_STATUS = -51,
    ACME_ERR_ORDER_INVALID = -52,
    ACME_ERR_UNSUPPORTED = -53,

    /* Hostile input: malformed, oversize or inconsistent data from a peer. */
    ACME_ERR_MALFORMED = -60,
    ACME_ERR_OVERSIZE = -61,
    ACME_ERR_TRUNCATED = -62,
    ACME_ERR_BAD_CERT = -63,

    /* Storage */
    ACME_ERR_FLASH = -70,
    ACME_ERR_NOT_FOUND = -71,
    ACME_ERR_STORE_FULL = -72,

    /* Crypto */
    ACME_ERR_CRYPTO = -80,
    ACME_ERR_RNG = -81,
    ACME_ERR_KEY_MISMATCH = -82,
    ACME_ERR_KEY_SEALED = -83 /* a sealed key does not open with this device's secret */
} acme_status_t;

typedef enum acme_status_class {
    ACME_CLASS_NONE = 0,
    ACME_CLASS_CALLER,
    ACME_CLASS_RESOURCE,
    ACME_CLASS_TRANSPORT,
    ACME_CLASS_TLS,
    ACME_CLASS_DNS,
    ACME_CLASS_SERVER,
    ACME_CLASS_HOSTILE,
    ACME_CLASS_STORAGE,
    ACME_CLASS_CRYPTO
} acme_status_class_t;

/* A short sentence that says what went wrong and what to do about it.
 * Never NULL; unknown values give "unknown status". */
const char *acme_strerror(int status);

/* The class of a status; ACME_CLASS_NONE for ACME_OK and ACME_WOULD_BLOCK. */
acme_status_class_t acme_status_class(int status);

/* Short constant name, e.g. "ACME_ERR_TLS_VERIFY", for logs and tests. */
const char *acme_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif /* ACME_STATUS_H */
