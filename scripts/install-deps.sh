#!/usr/bin/env bash
# Installs every Debian package pedia needs to build, test and benchmark.
# Usage: sudo scripts/install-deps.sh   (root on Debian 12 bookworm)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  g++ meson ninja-build pkg-config \
  libcli11-dev libyaml-cpp-dev nlohmann-json3-dev libcurl4-openssl-dev \
  libmariadb-dev catch2 libboost1.81-dev libssl-dev zlib1g-dev libnghttp2-dev \
  mariadb-server mariadb-client wrk file binutils openssl ca-certificates \
  dpkg-dev curl python3 procps zsh fish hyperfine >/dev/null
