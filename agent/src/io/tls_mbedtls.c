/*
 * TLS client sessions with mbedTLS 2.28 over the stream seam.
 */
#include "io/tls.h"

#include <string.h>

#include "acme/codec/pem.h"
#include "mbedtls/asn1.h"
#include "mbedtls/bignum.h"
#include "mbedtls/cipher.h"
#include "mbedtls/ecp.h"
#include "mbedtls/error.h"
#include "mbedtls/md.h"
#include "mbedtls/pem.h"
#include "mbedtls/pk.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/platform.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

#if !defined(MBEDTLS_SSL_CLI_C) || !defined(MBEDTLS_SSL_PROTO_TLS1_2) ||                           \
    !defined(MBEDTLS_X509_CRT_PARSE_C) || !defined(MBEDTLS_SSL_SERVER_NAME_INDICATION)
#error "the agent needs a TLS 1.2 client with X.509 and SNI in the mbedTLS config"
#endif

/* Largest trust anchor accepted (DER). ISRG Root X1, RSA-4096, is 1.4 KiB. */
#define TLS_ANCHOR_DER_MAX 4096u

/* Small fields before the mbedTLS contexts: short offsets, short code. */
struct acme_tls_config {
    acme_drbg_t *drbg;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt anchors;
};

struct acme_tls {
    bool host_is_ip;
    const acme_net_ops_t *net;
    void *net_ctx;
    int32_t handle;
    int32_t transport_error; /* what the seam said when a bio call failed */
    int32_t last_error;      /* last mbedTLS error */
    acme_ip_addr_t host_ip;
    mbedtls_ssl_context ssl;
};

/* mbedTLS errors combine a high-level part (SSL, X509, PK...) with a
 * low-level one (MPI, ASN1...): an allocation failure may sit in either. */
static bool is_alloc_failure(int rc)
{
    return acme_mbedtls_status(rc, ACME_ERR_TLS) == ACME_ERR_NO_MEMORY;
}

static int tls_rng(void *drbg, unsigned char *out, size_t len)
{
    return acme_drbg_fill((acme_drbg_t *)drbg, out, len) == ACME_OK
               ? 0
               : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

/* Leaf check for IP-literal hosts: some iPAddress SAN must equal the address.
 * mbedTLS 2.28 keeps every SAN entry raw in subject_alt_names. */
static int tls_verify_ip(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    const acme_tls_t *tls = ctx;
    if (depth != 0 || !tls->host_is_ip) {
        return 0;
    }
    size_t addr_len = tls->host_ip.family == ACME_IP_V4 ? 4u : 16u;
    for (const mbedtls_x509_sequence *san = &crt->subject_alt_names; san != NULL; san = san->next) {
        unsigned tag = (unsigned)san->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK;
        bool context_specific =
            ((unsigned)san->buf.tag & MBEDTLS_ASN1_TAG_CLASS_MASK) == MBEDTLS_ASN1_CONTEXT_SPECIFIC;
        if (context_specific && tag == 7u && san->buf.len == addr_len &&
            memcmp(san->buf.p, tls->host_ip.bytes, addr_len) == 0) {
            return 0;
        }
    }
    *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    return 0;
}

/* The wall clock mbedTLS reads for certificate dates (and the ClientHello
 * time). One per program: mbedtls_platform_set_time() takes a plain function. */
static const acme_clock_ops_t *tls_clock;
static void *tls_clock_ctx;

static mbedtls_time_t tls_wall_time(mbedtls_time_t *out)
{
    int64_t now = tls_clock != NULL ? tls_clock->wall_s(tls_clock_ctx) : ACME_TIME_UNKNOWN;
    /* Unknown (or before 1970): 0, so every certificate is "not yet valid"
     * (MBEDTLS_X509_BADCERT_FUTURE) and the handshake fails verification. */
    mbedtls_time_t t = now == ACME_TIME_UNKNOWN || now < 0 ? 0 : (mbedtls_time_t)now;
    if (out != NULL) {
        *out = t;
    }
    return t;
}

acme_status_t acme_tls_config_new(acme_tls_config_t **out, const char *trust_pem, size_t trust_len,
                                  acme_drbg_t *drbg, const acme_clock_ops_t *clock,
                                  void *clock_ctx)
{
    *out = NULL;
    if (clock == NULL || clock->wall_s == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    tls_clock = clock;
    tls_clock_ctx = clock_ctx;
    mbedtls_platform_set_time(tls_wall_time);
    acme_tls_config_t *cfg = mbedtls_calloc(1, sizeof(*cfg));
    if (cfg == NULL) {
        return ACME_ERR_NO_MEMORY;
    }
    mbedtls_ssl_config_init(&cfg->conf);
    mbedtls_x509_crt_init(&cfg->anchors);
    cfg->drbg = drbg;

    acme_status_t st = ACME_OK;
    uint8_t *der = mbedtls_calloc(1, TLS_ANCHOR_DER_MAX);
    if (der == NULL) {
        st = ACME_ERR_NO_MEMORY;
        goto fail;
    }
    size_t pos = 0;
    size_t anchors = 0;
    for (unsigned i = 0; i < 64u; i++) { /* bounded: at most 64 anchors */
        size_t der_len = 0;
        st = acme_pem_next(trust_pem, trust_len, &pos, "CERTIFICATE", der, TLS_ANCHOR_DER_MAX,
                           &der_len);
        if (st == ACME_ERR_NOT_FOUND) {
            st = ACME_OK;
            break;
        }
        if (st != ACME_OK) {
            st = ACME_ERR_CONFIG;
            break;
        }
        int rc = mbedtls_x509_crt_parse_der(&cfg->anchors, der, der_len);
        if (is_alloc_failure(rc)) {
            st = ACME_ERR_NO_MEMORY;
            break;
        }
        if (rc != 0) {
            st = ACME_ERR_CONFIG;
            break;
        }
        anchors++;
    }
    mbedtls_free(der);
    if (st == ACME_OK && anchors == 0) {
        st = ACME_ERR_CONFIG;
    }
    if (st != ACME_OK) {
        goto fail;
    }

    if (mbedtls_ssl_config_defaults(&cfg->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        st = ACME_ERR_TLS;
        goto fail;
    }
    mbedtls_ssl_conf_authmode(&cfg->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&cfg->conf, &cfg->anchors, NULL);
    mbedtls_ssl_conf_rng(&cfg->conf, tls_rng, drbg);
    mbedtls_ssl_conf_min_version(&cfg->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
    /* Renegotiation is compiled out; legacy (insecure) renegotiation is
     * refused by default. */
    *out = cfg;
    return ACME_OK;

fail:
    acme_tls_config_free(&cfg);
    return st;
}

void acme_tls_config_free(acme_tls_config_t **cfg)
{
    if (cfg == NULL || *cfg == NULL) {
        return;
    }
    mbedtls_ssl_config_free(&(*cfg)->conf);
    mbedtls_x509_crt_free(&(*cfg)->anchors);
    *cfg = acme_crypto_release(*cfg, sizeof(**cfg));
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    acme_tls_t *tls = ctx;
    int32_t n = tls->net->send(tls->net_ctx, tls->handle, buf, len);
    if (n > 0) {
        return (int)n;
    }
    if (n == ACME_WOULD_BLOCK || n == 0) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    tls->transport_error = n;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    acme_tls_t *tls = ctx;
    int32_t n = tls->net->recv(tls->net_ctx, tls->handle, buf, len);
    if (n >= 0) {
        return (int)n; /* 0: EOF, which mbedTLS reports as CONN_EOF */
    }
    if (n == ACME_WOULD_BLOCK) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    tls->transport_error = n;
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

acme_status_t acme_tls_new(acme_tls_t **out, acme_tls_config_t *cfg, const char *host,
                           const acme_ip_addr_t *host_ip, const acme_net_ops_t *net, void *net_ctx,
                           int32_t handle)
{
    *out = NULL;
    acme_tls_t *tls = mbedtls_calloc(1, sizeof(*tls));
    if (tls == NULL) {
        return ACME_ERR_NO_MEMORY;
    }
    mbedtls_ssl_init(&tls->ssl);
    tls->net = net;
    tls->net_ctx = net_ctx;
    tls->handle = handle;
    if (host_ip != NULL) {
        tls->host_is_ip = true;
        memcpy(&tls->host_ip, host_ip, sizeof(tls->host_ip));
    }

    int rc = mbedtls_ssl_setup(&tls->ssl, &cfg->conf);
    if (rc == 0) {
        /* A DNS name is the SNI and the name verified; an IP literal gets
         * neither (checked in tls_verify_ip instead). */
        rc = mbedtls_ssl_set_hostname(&tls->ssl, tls->host_is_ip ? NULL : host);
    }
    if (rc != 0) {
        acme_tls_free(&tls);
        return is_alloc_failure(rc) ? ACME_ERR_NO_MEMORY : ACME_ERR_TLS;
    }
    mbedtls_ssl_set_verify(&tls->ssl, tls_verify_ip, tls);
    mbedtls_ssl_set_bio(&tls->ssl, tls, bio_send, bio_recv, NULL);
    *out = tls;
    return ACME_OK;
}

/* Map an mbedTLS result of handshake/read/write to a status. */
static acme_status_t tls_status(acme_tls_t *tls, int rc)
{
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return ACME_WOULD_BLOCK;
    }
    tls->last_error = rc;
    if (rc == MBEDTLS_ERR_NET_SEND_FAILED || rc == MBEDTLS_ERR_NET_RECV_FAILED) {
        return tls->transport_error < 0 ? (acme_status_t)tls->transport_error : ACME_ERR_TRANSPORT;
    }
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        return ACME_ERR_TLS_VERIFY;
    }
    if (is_alloc_failure(rc)) {
        return ACME_ERR_NO_MEMORY;
    }
    if (rc == MBEDTLS_ERR_SSL_CONN_EOF) {
        return ACME_ERR_CLOSED;
    }
    return ACME_ERR_TLS;
}

acme_status_t acme_tls_handshake(acme_tls_t *tls)
{
    int rc = mbedtls_ssl_handshake(&tls->ssl);
    return rc == 0 ? ACME_OK : tls_status(tls, rc);
}

int32_t acme_tls_send(acme_tls_t *tls, const uint8_t *data, size_t len)
{
    int rc = mbedtls_ssl_write(&tls->ssl, data, len);
    return rc > 0 ? (int32_t)rc : (int32_t)tls_status(tls, rc);
}

int32_t acme_tls_recv(acme_tls_t *tls, uint8_t *buf, size_t cap)
{
    int rc = mbedtls_ssl_read(&tls->ssl, buf, cap);
    if (rc > 0) {
        return (int32_t)rc;
    }
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
        return 0;
    }
    return (int32_t)tls_status(tls, rc);
}

void acme_tls_last_error(const acme_tls_t *tls, int32_t *mbedtls_code, uint32_t *verify_flags)
{
    *mbedtls_code = tls->last_error;
    *verify_flags = mbedtls_ssl_get_verify_result(&tls->ssl);
    if (*verify_flags == (uint32_t)-1) {
        *verify_flags = 0; /* no verification happened */
    }
}

void acme_tls_free(acme_tls_t **tls)
{
    if (tls == NULL || *tls == NULL) {
        return;
    }
    /* Best effort: the connection may already be gone. */
    (void)mbedtls_ssl_close_notify(&(*tls)->ssl);
    mbedtls_ssl_free(&(*tls)->ssl);
    *tls = acme_crypto_release(*tls, sizeof(**tls));
}
