#!/bin/sh
# `make run`: starts easd in the foreground on the embedded SQLite store with a demo account.
# Usage: scripts/run-demo.sh BUILD_DIR   (environment: EASD_DATA=./var, EASD_LISTEN=127.0.0.1:8080)
set -eu
build=${1:-build}
data=${EASD_DATA:-./var}
listen=${EASD_LISTEN:-127.0.0.1:8080}
easctl="$build/easctl --data $data"

mkdir -p "$data"
chmod 700 "$data"
$easctl migrate >/dev/null

if ! $easctl context list | grep -q '^example\.test\b'; then
	$easctl context add example.test >/dev/null
	$easctl context default example.test >/dev/null
fi
if $easctl user list example.test | grep -q '^demo@example\.test\b'; then
	echo "easd: the demo account demo@example.test exists already in $data"
	echo "      (new password: echo NEWPASS | $easctl user passwd demo@example.test --password-stdin)"
else
	password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | cut -c1-14)
	printf '%s\n' "$password" | $easctl user add demo@example.test --password-stdin \
		--name "Demo User" --email demo@example.test >/dev/null
	cat <<EOT
easd: created the demo account (the password is shown only this once):
      login     demo@example.test   (or just: demo)
      password  $password
EOT
fi
cat <<EOT

To add a phone: add an "Exchange" account with e-mail demo@example.test, the password above,
server $(echo "$listen" | sed 's/^0\.0\.0\.0/<this machine>/') (plain HTTP here: use a TLS reverse proxy or
tls_cert/tls_key for real phones; see README.md), domain empty, user name demo@example.test.
Check it from this machine:
  curl -i -u demo@example.test:PASSWORD -X OPTIONS 'http://$listen/Microsoft-Server-ActiveSync'

EOT
exec "$build/easd" --data "$data" --listen "$listen" --foreground
