#!/usr/bin/env bash
# Builds the minimal static libcurl the release binary links (design.md §2.4,
# toolchain-notes §1): Debian's curl source package with Debian's patches
# applied, HTTP/HTTPS only, OpenSSL + zlib + nghttp2, installed into
# .deps/curl-min.  Debian's own libcurl.a cannot be linked statically
# (Kerberos and p11-kit ship no .a).
# Usage: scripts/build-static-curl.sh    (root on Debian 12; idempotent)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
prefix=$root/.deps/curl-min
if [[ -f $prefix/lib/libcurl.a && -f $prefix/lib/pkgconfig/libcurl.pc ]]; then
  echo "build-static-curl: $prefix already built"
  exit 0
fi

# apt-get source needs a deb-src entry; add one for bookworm if none exists.
if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > /etc/apt/sources.list.d/pedia-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq
fi

work=$root/.deps/curl-src
rm -rf "$work"
mkdir -p "$work"
cd "$work"
# dpkg-source (dpkg-dev) unpacks the orig tarball and applies debian/patches.
apt-get source -qq curl >/dev/null 2>apt-source.log || {
  apt-get update -qq && apt-get source -qq curl >/dev/null 2>apt-source.log
} || { cat apt-source.log >&2; exit 1; }
src=$(find . -maxdepth 1 -type d -name 'curl-*' | head -1)
[[ -n $src ]] || { echo "build-static-curl: apt-get source curl produced no tree" >&2; exit 1; }
cd "$src"
[[ -d .pc ]] || { echo "build-static-curl: Debian patches were not applied (.pc missing)" >&2; exit 1; }
echo "build-static-curl: $(basename "$PWD") with $(wc -l <debian/patches/series) Debian patches"
./configure --prefix="$prefix" --disable-shared --enable-static --with-pic \
  --with-openssl --with-zlib --with-nghttp2 \
  --without-libpsl --without-libidn2 --without-brotli --without-zstd --disable-ldap --disable-ldaps \
  --without-librtmp --without-libssh2 --without-gssapi --disable-ftp --disable-file --disable-dict \
  --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smtp --disable-gopher \
  --disable-mqtt --disable-rtsp --disable-smb --disable-manual --enable-threaded-resolver \
  >configure.log 2>&1 || { tail -30 configure.log >&2; exit 1; }
make -j2 -C lib >make.log 2>&1 || { tail -30 make.log >&2; exit 1; }
make -C lib install >/dev/null && make -C include install >/dev/null && make install-pkgconfigDATA install-binSCRIPTS >/dev/null
cd "$root"
rm -rf "$work"
echo "build-static-curl: installed $prefix/lib/libcurl.a ($(du -k "$prefix/lib/libcurl.a" | cut -f1) KB)"
