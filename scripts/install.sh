#!/usr/bin/env bash
# Install everything levelup needs on a fresh Debian-based machine.
#   bash scripts/install.sh          # the package and the PDF engine
#   bash scripts/install.sh --test   # plus the test extras
# The package goes into the `python` on your PATH: activate a virtualenv (python3 -m venv .venv &&
# . .venv/bin/activate) or the conda env from environment.yml first, or it lands in that Python.
# System packages (Chromium, poppler, fonts) need root or sudo, and only when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
case "${1:-}" in
  --test) extras="[test]" ;;
  "") ;;
  *) echo "install.sh: unknown option '$1' (use --test or nothing)" >&2; exit 2 ;;
esac

# System packages: Chromium prints the PDFs, poppler checks them, fonts fix page breaks.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "install.sh: installing system packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

py=python
command -v python >/dev/null 2>&1 || py=python3
if ! out=$($py -m pip install -q --disable-pip-version-check -e ".${extras}" 2>&1); then
  echo "$out" >&2
  if echo "$out" | grep -q externally-managed; then
    echo "install.sh: this Python is managed by the system; create a virtualenv first:" >&2
    echo "  python3 -m venv .venv && . .venv/bin/activate && bash scripts/install.sh${1:+ $1}" >&2
  fi
  exit 1
fi
# No Jupyter kernel spec is installed: levelup starts its kernels with the Python it runs in
# (a spec in the user's home would outlive this environment and point at a Python that is gone).
echo "install.sh: levelup installed into $($py -c 'import sys; print(sys.prefix)')"
