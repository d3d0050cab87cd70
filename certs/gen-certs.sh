#!/usr/bin/env bash
# Makes a CA and a serving certificate for the oomguard admission webhook.
#
#   certs/gen-certs.sh --namespace NS --out DIR [--days N] [--ca-days N] [--service NAME]
#
# Writes to DIR: ca.crt, ca.key (the CA; keep ca.key safe, it signs renewals) and tls.crt, tls.key
# (the serving certificate, SANs: SERVICE.NS.svc, SERVICE.NS.svc.cluster.local, localhost,
# 127.0.0.1). When DIR already holds ca.crt and ca.key they are reused, so running the script again
# renews only the serving certificate (see certs/README.md, "Rotation"). Then it prints the
# commands that create the Secret oomguard-tls and put the CA into both webhook configurations'
# caBundle.
set -euo pipefail

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
}

namespace=""
out=""
days=365
ca_days=3650
service=oomguard

while [ $# -gt 0 ]; do
  case "$1" in
    --namespace|-n) namespace="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --namespace=*) namespace="${1#*=}"; shift ;;
    --out|-o) out="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --out=*) out="${1#*=}"; shift ;;
    --days) days="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --days=*) days="${1#*=}"; shift ;;
    --ca-days) ca_days="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --ca-days=*) ca_days="${1#*=}"; shift ;;
    --service) service="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --service=*) service="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "gen-certs.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

if [ -z "$namespace" ] || [ -z "$out" ]; then
  echo "gen-certs.sh: --namespace and --out are required" >&2
  usage >&2
  exit 2
fi
# A namespace is a DNS label; refuse anything else rather than writing it into a SAN.
if ! [[ "$namespace" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]]; then
  echo "gen-certs.sh: invalid namespace: $namespace" >&2
  exit 2
fi
if ! [[ "$service" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]]; then
  echo "gen-certs.sh: invalid service name: $service" >&2
  exit 2
fi
for n in "$days" "$ca_days"; do
  if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then
    echo "gen-certs.sh: --days and --ca-days take a positive whole number of days, not: $n" >&2
    exit 2
  fi
done
command -v openssl >/dev/null 2>&1 || { echo "gen-certs.sh: openssl not found" >&2; exit 1; }

mkdir -p "$out"
umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

dns1="$service.$namespace.svc"
dns2="$service.$namespace.svc.cluster.local"

if [ -s "$out/ca.crt" ] && [ -s "$out/ca.key" ]; then
  echo "Reusing the CA in $out (ca.crt, ca.key); delete them to make a new CA." >&2
else
  openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 \
    -keyout "$work/ca.key" -out "$work/ca.crt" -days "$ca_days" \
    -subj "/CN=oomguard-webhook-ca" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null
  mv "$work/ca.key" "$out/ca.key"
  mv "$work/ca.crt" "$out/ca.crt"
fi

cat > "$work/ext.cnf" <<EXT
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = DNS:$dns1,DNS:$dns2,DNS:localhost,IP:127.0.0.1
EXT

openssl req -new -nodes -newkey rsa:2048 -sha256 \
  -keyout "$work/tls.key" -out "$work/tls.csr" -subj "/CN=$dns1" 2>/dev/null
openssl x509 -req -sha256 -in "$work/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
  -CAcreateserial -CAserial "$work/ca.srl" -out "$work/tls.crt" -days "$days" \
  -extfile "$work/ext.cnf" 2>/dev/null
openssl verify -CAfile "$out/ca.crt" "$work/tls.crt" >/dev/null
mv "$work/tls.key" "$out/tls.key"
mv "$work/tls.crt" "$out/tls.crt"
chmod 600 "$out/ca.key" "$out/tls.key"
chmod 644 "$out/ca.crt" "$out/tls.crt"

ca_b64="$(base64 < "$out/ca.crt" | tr -d '\n')"
patch="[{\"op\":\"add\",\"path\":\"/webhooks/0/clientConfig/caBundle\",\"value\":\"$ca_b64\"}]"

cat <<MSG
Wrote $out/ca.crt, $out/ca.key, $out/tls.crt, $out/tls.key
  serving certificate for: $dns1, $dns2, localhost, 127.0.0.1 (valid $days days)

1. Create (or update) the Secret the Deployment mounts at /tls:

kubectl create namespace $namespace --dry-run=client -o yaml | kubectl apply -f -
kubectl -n $namespace create secret tls oomguard-tls --cert=$out/tls.crt --key=$out/tls.key --dry-run=client -o yaml | kubectl apply -f -

2. Apply the manifests (kubectl apply -k deploy/base, or overlays/enforce), then put the CA into
   both webhook configurations' caBundle:

kubectl patch validatingwebhookconfiguration oomguard --type=json -p '$patch'
kubectl patch mutatingwebhookconfiguration oomguard --type=json -p '$patch'
MSG
