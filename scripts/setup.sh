#!/usr/bin/env bash
# Installs the Debian packages Strom's build and tests need.  Idempotent and quick
# when everything is present: apt runs only when a package is missing.
set -euo pipefail
# libclang-rt-dev: libFuzzer and the sanitizer runtimes for clang (make fuzz); only a
# Recommends of clang, so name it.
# librdkafka-dev, kcat: the Kafka connector and its tests (mock cluster, kcat reading and writing topics).
# postgresql, libpq-dev: the PostgreSQL connector and its tests (a real server on loopback).
# libedit-dev: line editing and history in the interactive `strom sql` (BSD licensed).
PKGS=(build-essential pkg-config libxxhash-dev libzstd-dev clang libclang-rt-dev python3 netcat-openbsd procps librdkafka-dev kcat postgresql libpq-dev libedit-dev time tzdata)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "setup: all packages present"
