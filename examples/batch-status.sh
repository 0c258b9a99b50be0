#!/usr/bin/env bash
# Mark every order paid in a payment file as ready to ship, in one call and one transaction.
# The file is CSV with a header row and the order number in its first column
# (examples/payments.csv). Orders that cannot move (not verified, canceled, unknown) are
# listed on stderr and the others move (--skip-invalid); the exit code is then that of the
# first failure (3 not found, 4 refused, 5 not an order number), so cron mails it.
# One JSON line per order is appended to ready-YYYY-MM-DD.jsonl: the log of what happened.
# Rerunning it is safe: an order already ready to ship stays so, unchanged.
# ready_to_ship can be undone, so no --yes is needed; a batch to canceled, failed or abandoned
# of more than 100 orders would need it without a terminal.
# Usage: batch-status.sh payments.csv [LOG_DIR]
set -euo pipefail
payments="${1:?usage: batch-status.sh payments.csv [LOG_DIR]}"
log="${2:-.}/ready-$(date -u +%F).jsonl"
numbers=$(tail -n +2 "$payments" | cut -d, -f1)
if [ -z "${numbers//[[:space:]]/}" ]; then
  echo "batch-status.sh: no payments in $payments; nothing to do" >&2
  exit 0
fi
printf '%s\n' "$numbers" \
  | ordercli --actor payments-batch status - --to ready_to_ship --reason "paid" --skip-invalid --jsonl \
  >> "$log"
