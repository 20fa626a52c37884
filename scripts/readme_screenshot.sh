#!/usr/bin/env bash
# Regenerate the README's picture of a report page (page 2 of North East: the charts) from the
# current ONS data. Run after a new data release or a change to the report's look.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
python -m levelup report "North East" --out "$out" --force --no-progress
pdftoppm -r 70 -f 2 -l 2 -singlefile -png "$out/itl1/tlc-north-east.pdf" docs/img/report-page
pages=$(pdfinfo "$out/itl1/tlc-north-east.pdf" | awk '/^Pages:/{print $2}')
printf '{"report": "North East", "page": 2, "pages": %s}\n' "$pages" > docs/img/report-page.json
echo "wrote docs/img/report-page.png (page 2 of $pages) and docs/img/report-page.json"
