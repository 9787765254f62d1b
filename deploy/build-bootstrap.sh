#!/bin/sh
# Builds the Lambda `bootstrap` (provided.al2023) and zips it.
#   deploy/build-bootstrap.sh [arm64|x86_64]     (default: arm64)
# arm64 cross-compiles with Debian's gcc-aarch64-linux-gnu:
#   apt-get install gcc-aarch64-linux-gnu && rustup target add aarch64-unknown-linux-gnu
set -eu
arch="${1:-arm64}"
case "$arch" in
  arm64)  target=aarch64-unknown-linux-gnu
          export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
          export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc ;;
  x86_64) target=x86_64-unknown-linux-gnu ;;
  *) echo "usage: $0 [arm64|x86_64]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
cargo build --release --locked -p magg-lambda --bin magg-lambda-bootstrap --target "$target"
out="target/lambda/$arch"
mkdir -p "$out"
cp "target/$target/release/magg-lambda-bootstrap" "$out/bootstrap"
(cd "$out" && rm -f bootstrap.zip && python3 -c "import zipfile,os;z=zipfile.ZipFile('bootstrap.zip','w',zipfile.ZIP_DEFLATED);i=zipfile.ZipInfo('bootstrap');i.external_attr=0o755<<16;i.compress_type=zipfile.ZIP_DEFLATED;z.writestr(i,open('bootstrap','rb').read());z.close()")
echo "$out/bootstrap.zip"
