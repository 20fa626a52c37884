#!/usr/bin/env bash
# Install everything levelup needs on a fresh Debian-based machine (run as root or with sudo).
#   bash scripts/install.sh          # the package and the PDF engine
#   bash scripts/install.sh --test   # plus the test extras
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

# System packages: Chromium prints the PDFs, poppler checks them, fonts fix page breaks.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

python -m pip install -q --disable-pip-version-check -e ".${extras}"
python -m ipykernel install --user --name python3 >/dev/null 2>&1 || true
