#!/bin/sh
# Installs the Debian 12 packages that easd needs for a purpose, printing what it installs.
# Usage: scripts/deps.sh build|run|test|bench|fuzz
set -eu

build="make gcc pkg-config libmicrohttpd-dev libsqlite3-dev libsodium-dev libglib2.0-dev
       libxml2-dev libcurl4-openssl-dev libgnutls28-dev libical-dev"
case "${1:-}" in
build|run) want="$build" ;;
test) want="$build check libwbxml2-dev libwbxml2-utils gnutls-bin curl" ;;
bench) want="$build check libwbxml2-dev libwbxml2-utils curl" ;;
fuzz) want="$build check libwbxml2-dev clang libclang-rt-dev" ;;
-h|--help|*)
	echo "usage: scripts/deps.sh build|run|test|bench|fuzz" >&2
	exit 2 ;;
esac

missing=""
for p in $want; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "easd: installing Debian packages:$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
