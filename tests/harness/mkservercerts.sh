#!/bin/sh
# mkservercerts.sh DIR — a throwaway TLS PKI for the directory's server
# certificates (OpenSSL 3.0 CLI), for the TLS tests.
#
# Creates, in DIR (made if missing), keys EC P-256, certificates PEM:
#   ca.pem                the CA the clients are told to trust (ca_file)
#   good.key good.pem     serverAuth, subjectAltName IP:127.0.0.1, issued by ca
#   other.key other.pem   the same but subjectAltName DNS:other.test only (its
#                         CN is 127.0.0.1: only a check that demands the SAN
#                         refuses it)
#   expired.key/.pem      SAN IP:127.0.0.1, issued by ca, valid 2020-01-01 ..
#                         2021-01-01
#   unknown.key/.pem      SAN IP:127.0.0.1, issued by rogue-ca.pem, a CA of the
#                         same name as ca.pem that the clients do not trust
# Quiet on success; on failure prints OpenSSL's output and exits 1.  Hermetic:
# OPENSSL_CONF points at a generated file.  `openssl x509` in 3.0 has no
# -not_before/-not_after, so the expired certificate comes from `openssl ca`
# with a scratch database that is removed afterwards.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
umask 077
mkdir -p "$dir"
work=$(mktemp -d "$dir/.mkservercerts.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/log

ossl() {
	if ! openssl "$@" >>"$log" 2>&1; then
		cat "$log" >&2
		echo "mkservercerts.sh: openssl $1 failed" >&2
		exit 1
	fi
}

cat >"$work/openssl.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ip]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
[other]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.test
[ca]
default_ca = dated
[dated]
database = $work/index.txt
serial = $work/serial
new_certs_dir = $work
certificate = $dir/ca.pem
private_key = $work/ca.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
EOF
export OPENSSL_CONF="$work/openssl.cnf"
: >"$work/index.txt"
echo 1000 >"$work/serial"

eckey() {
	ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
}

eckey "$work/ca.key"
ossl req -new -x509 -key "$work/ca.key" -days 3650 -set_serial 1 \
    -subj "/O=gpcgate test/CN=gpcgate test directory CA" -extensions ca_ext -out "$dir/ca.pem"
eckey "$work/rogue-ca.key"
ossl req -new -x509 -key "$work/rogue-ca.key" -days 3650 -set_serial 1 \
    -subj "/O=gpcgate test/CN=gpcgate test directory CA" -extensions ca_ext \
    -out "$dir/rogue-ca.pem"

# leaf NAME SERIAL EXTENSIONS CA-CERT CA-KEY
leaf() {
	eckey "$dir/$1.key"
	ossl req -new -x509 -key "$dir/$1.key" -days 365 -set_serial "$2" \
	    -subj "/O=gpcgate test/CN=127.0.0.1" -CA "$4" -CAkey "$5" -extensions "$3" \
	    -out "$dir/$1.pem"
}
leaf good 2001 ip "$dir/ca.pem" "$work/ca.key"
leaf other 2002 other "$dir/ca.pem" "$work/ca.key"
leaf unknown 2003 ip "$dir/rogue-ca.pem" "$work/rogue-ca.key"

eckey "$dir/expired.key"
ossl req -new -key "$dir/expired.key" -subj "/O=gpcgate test/CN=127.0.0.1" -out "$work/expired.csr"
ossl ca -batch -notext -preserveDN -in "$work/expired.csr" -out "$dir/expired.pem" \
    -startdate 20200101000000Z -enddate 20210101000000Z -extfile "$OPENSSL_CONF" -extensions ip
# slapd reads the keys; the tests run it as the same user
chmod 0600 "$dir"/*.key
chmod 0644 "$dir"/*.pem
