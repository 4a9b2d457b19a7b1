#!/usr/bin/env bash
# An independent signer for the sensor reading protocol (docs/SENSOR_PROTOCOL.md): bash, openssl 3
# and xxd only, no Tanso code. Prints one protocol message on stdout.
#
#   sign_reading.sh (--key-file FILE | --seed HEX) --device ID --seq N --time MS --value DEC --unit U
#
# --key-file: a Tanso key file ({"seed":"<64 hex>",...}); --seed: the 32-byte Ed25519 seed in hex.
# Publish it with: mosquitto_pub -q 1 -t "tanso/<installation>/<device>" -m "$(sign_reading.sh ...)"
set -euo pipefail

die() { echo "sign_reading.sh: $*" >&2; exit 2; }

key_file="" seed="" device="" seq="" time="" value="" unit=""
while [ $# -gt 0 ]; do
  case "$1" in
    --key-file) key_file="${2:?}"; shift 2 ;;
    --seed) seed="${2:?}"; shift 2 ;;
    --device) device="${2:?}"; shift 2 ;;
    --seq) seq="${2:?}"; shift 2 ;;
    --time) time="${2:?}"; shift 2 ;;
    --value) value="${2:?}"; shift 2 ;;
    --unit) unit="${2:?}"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (--help)" ;;
  esac
done

if [ -n "$key_file" ]; then
  [ -r "$key_file" ] || die "cannot read $key_file"
  # The key file is JSON; its "seed" member is 64 hex digits.
  seed=$(tr -d ' \n\t\r' < "$key_file" | grep -o '"seed":"[0-9a-fA-F]*"' | cut -d'"' -f4) ||
    die "$key_file has no \"seed\""
fi
[[ "$seed" =~ ^[0-9a-fA-F]{64}$ ]] || die "the seed must be 64 hex digits (--key-file or --seed)"
[[ "$device" =~ ^[A-Za-z0-9._:-]{1,64}$ ]] || die "--device must be 1-64 of A-Z a-z 0-9 . _ : -"
[[ "$seq" =~ ^[1-9][0-9]{0,15}$ ]] || die "--seq must be an integer >= 1"
[[ "$time" =~ ^(0|[1-9][0-9]{0,15})$ ]] || die "--time must be milliseconds since 1970"
[[ "$value" =~ ^(0|[1-9][0-9]{0,12})(\.[0-9]{1,3})?$ ]] ||
  die "--value must be a decimal with at most 3 fraction digits (\"12.345\")"
case "$unit" in Nm3|kWh|MWh|kg|t) ;; *) die "--unit must be Nm3, kWh, MWh, kg or t" ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The reading text: the signed bytes (no member needs JSON escaping after the checks above).
text="{\"device\":\"$device\",\"seq\":$seq,\"time\":$time,\"value\":\"$value\",\"unit\":\"$unit\"}"

# The private key: PKCS#8 DER = the fixed Ed25519 prefix (RFC 8410) followed by the seed.
printf '302e020100300506032b657004220420%s' "$seed" | xxd -r -p > "$tmp/key.der"
openssl pkey -inform DER -in "$tmp/key.der" -out "$tmp/key.pem" 2>/dev/null ||
  die "openssl cannot read the key (openssl 3 with Ed25519 needed)"

# The signing message: "tanso/reading/v1", one 0x00 byte, the reading text.
{ printf 'tanso/reading/v1'; printf '\0'; printf '%s' "$text"; } > "$tmp/msg"
openssl pkeyutl -sign -rawin -inkey "$tmp/key.pem" -in "$tmp/msg" -out "$tmp/sig" ||
  die "openssl pkeyutl -sign failed"
sig=$(xxd -p -c 256 "$tmp/sig")
[ ${#sig} -eq 128 ] || die "unexpected signature length"

# The message: the reading text as a JSON string (only its quotes need escaping), and the sig.
printf '{"reading":"%s","sig":"%s"}\n' "${text//\"/\\\"}" "$sig"
