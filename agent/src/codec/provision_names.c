/*
 * The JSON spec's name of a blob field (docs/provisioning.md), for error
 * messages of every program that reads blobs: the Linux board and
 * acme-provision say "tag 0x04 key_type" alike.
 */
#include "acme/codec/provision.h"

static const char *const top_names[ACME_PROVISION_TAG_LAST + 1] = {
    "header",
    "identities.dns",
    "identities.ip",
    "contact",
    "key_type",
    "trust_anchors",
    "directory_url",
    "cas",
    "discovery",
    "renewal",
    "profile",
    "device_key",
    "terms_of_service_agreed",
};
static const char *const ca_names[] = {"cas[]",         "cas[].issuer",       "cas[].directory_url",
                                       "cas[].eab.kid", "cas[].eab.hmac_key", "cas[].eab.alg"};
static const char *const renewal_names[] = {
    "renewal", "renewal.ari", "renewal.renew_at_remaining_permille", "renewal.backoff_max_s"};

const char *acme_provision_field_name(uint8_t tag, uint8_t field)
{
    if (tag == ACME_PROVISION_TAG_CA && field < sizeof(ca_names) / sizeof(ca_names[0])) {
        return ca_names[field];
    }
    if (tag == ACME_PROVISION_TAG_RENEWAL &&
        field < sizeof(renewal_names) / sizeof(renewal_names[0])) {
        return renewal_names[field];
    }
    if (field == 0 && tag <= ACME_PROVISION_TAG_LAST) {
        return top_names[tag];
    }
    return tag >= ACME_PROVISION_TAG_IGNORABLE ? "extension" : "unknown tag";
}
