#!/bin/sh
# Regenerates the certificate fixtures in this directory (see ../README.md).
# Run once by hand; the outputs are committed. Keys are random, so a rerun
# produces different (equally valid) files: update nothing else, the tests
# read every expected value that depends on the key from the files.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

cat > ca.cnf <<'CNF'
[ca]
default_ca = test_ca
[test_ca]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = optional
[leaf_p256]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:a.example.test, DNS:www.example.test
[leaf_ipsan]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectAltName = DNS:a.example.test, DNS:www.example.test, IP:192.0.2.1
[leaf_many]
basicConstraints = critical, CA:FALSE
subjectAltName = DNS:n1.example.test, DNS:n2.example.test, DNS:n3.example.test, DNS:n4.example.test, DNS:n5.example.test, DNS:n6.example.test
[leaf_rsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
subjectAltName = DNS:rsa.example.test
CNF
: > index.txt

# Issuer: a P-256 root.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key.pem
openssl req -new -x509 -key ca.key.pem -sha256 -days 36500 \
    -subj "/O=acme-agent tests/CN=ACME Agent Test Root" -out ca.cert.pem

# P-256 leaf: SEC1 key, two SANs, serial with the high bit set (DER adds 00),
# validity 2024-01-01 .. 2099-12-31 (UTCTime then GeneralizedTime).
openssl ecparam -name prime256v1 -genkey -noout -out leaf-p256.key.pem
openssl req -new -key leaf-p256.key.pem -subj "/CN=a.example.test" -out leaf-p256.csr
echo 8A0102030405060708090A0B0C0D0E0F10111213 > serial
openssl ca -batch -config ca.cnf -cert ca.cert.pem -keyfile ca.key.pem -notext \
    -startdate 20240101000000Z -enddate 20991231235959Z -extensions leaf_p256 \
    -in leaf-p256.csr -out leaf-p256.cert.pem

# Same key, one SAN more of another type (an IP address).
echo 1001 > serial
openssl ca -batch -config ca.cnf -cert ca.cert.pem -keyfile ca.key.pem -notext \
    -startdate 20240101000000Z -enddate 20340101000000Z -extensions leaf_ipsan \
    -in leaf-p256.csr -out leaf-ipsan.cert.pem

# Same key, six DNS names: more than ACME_MAX_IDENTIFIERS (4 by default).
echo 1002 > serial
openssl ca -batch -config ca.cnf -cert ca.cert.pem -keyfile ca.key.pem -notext \
    -startdate 20240101000000Z -enddate 20340101000000Z -extensions leaf_many \
    -in leaf-p256.csr -out leaf-many.cert.pem

# RSA-2048 leaf: PKCS#8 key, one SAN.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out leaf-rsa.key.pem
openssl req -new -key leaf-rsa.key.pem -subj "/CN=rsa.example.test" -out leaf-rsa.csr
echo 7B > serial
openssl ca -batch -config ca.cnf -cert ca.cert.pem -keyfile ca.key.pem -notext \
    -startdate 20250301120000Z -enddate 20250530120000Z -extensions leaf_rsa \
    -in leaf-rsa.csr -out leaf-rsa.cert.pem

cat leaf-p256.cert.pem ca.cert.pem > chain-p256.pem
cat leaf-rsa.cert.pem ca.cert.pem > chain-rsa.pem

cp ca.cert.pem leaf-p256.key.pem leaf-p256.cert.pem leaf-ipsan.cert.pem leaf-many.cert.pem \
    leaf-rsa.key.pem leaf-rsa.cert.pem chain-p256.pem chain-rsa.pem "$here"/
chmod 644 "$here"/*.pem
echo "fixtures written to $here"
