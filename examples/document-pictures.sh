#!/usr/bin/env bash
# Pictures of the documents the walkthrough makes (an invoice, a packing slip, a label), as PNG
# files in the folder given (default: docs/images), to look at what a customer gets.
# Needs ordercli on PATH and pdftoppm (Debian/Ubuntu: apt-get install poppler-utils).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
target="${1:-$here/../docs/images}"
command -v pdftoppm >/dev/null || { echo "document-pictures.sh: pdftoppm is missing (apt-get install poppler-utils)" >&2; exit 6; }
mkdir -p "$target"
target="$(cd "$target" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ORDERCLI_DB="$work/pictures.db" bash "$here/walkthrough.sh" >/dev/null 2>&1
cd "$work/documents"
invoice=$(ls INV-*.pdf | head -1)
pdftoppm -r 70 -png -singlefile "$invoice" "$target/invoice"
pdftoppm -r 70 -png -singlefile packing-slip-1.pdf "$target/packing-slip"
pdftoppm -r 70 -png -singlefile label-1.pdf "$target/label"
ls "$target"/invoice.png "$target"/packing-slip.png "$target"/label.png
