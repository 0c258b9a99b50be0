#!/usr/bin/env bash
# Mark every order paid in today's payment file as ready to ship, in one call and one
# transaction. The file has the order number in its first column. Orders that cannot move
# (not verified, canceled...) are listed on stderr; the others move (--skip-invalid).
# Usage: batch-status.sh payments.csv
set -euo pipefail
payments="${1:?usage: batch-status.sh payments.csv}"
tail -n +2 "$payments" | cut -d, -f1 \
  | ordercli --actor payments-batch status - --to ready_to_ship --reason "paid" --skip-invalid --json \
  > "ready-$(date +%F).json"
