#!/usr/bin/env bash
# A real walkthrough of ordercli on SQLite: promo code, orders by options and from JSON,
# verification, status changes (one and in batch), listings, CSV, and what errors look like.
# It uses its own database file (ORDERCLI_DB, default: a new temporary file), never yours.
set -euo pipefail

export ORDERCLI_DB="${ORDERCLI_DB:-$(mktemp -d)/walkthrough.db}"
export ORDERCLI_ACTOR="${ORDERCLI_ACTOR:-walkthrough}"
here="$(cd "$(dirname "$0")" && pwd)"
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

step "The database: $ORDERCLI_DB"
ordercli db upgrade

step "A promo code"
ordercli promo add WELCOME10 --percent 10 --valid-until 2099-12-31 --max-uses 100

step "An order taken by phone (ad-hoc lines: a price and a description)"
phone_order=$(ordercli create --channel phone \
  --name "Maria Anders" --email maria.anders@example.de --phone "030-0074321" \
  --address "Obere Str. 57" --city Berlin --postal-code 12209 --country DE \
  --line "SETUP:1@120.00:Installation on site" --line "CABLE:3@4.50:HDMI cable, 2 m" \
  --note "Customer prefers mornings")
echo "order number: $phone_order"

step "An order from a web shop, as JSON on stdin"
web_order=$(ordercli create --from-file - < "$here/order.json")
ordercli show "$web_order"

step "Verify both, then mark them ready to ship in one batch from stdin"
ordercli verify "$phone_order" --by anna --method phone --note "address confirmed"
ordercli verify "$web_order" --by anna --method email
printf '%s\n%s\n' "$phone_order" "$web_order" | ordercli status - --to ready_to_ship --json

step "A change the state machine refuses (exit code 4, nothing changed)"
if ordercli status "$phone_order" --to returned; then exit 1; else echo "exit code: $?"; fi

step "A customer cancels; the history tells who, when, from, to and why"
ordercli status "$web_order" --to canceled --reason "customer called to cancel"
ordercli history "$web_order"

step "Listings: a table for people, CSV for accounting"
ordercli list
ordercli list --status ready_to_ship --csv > "$(dirname "$ORDERCLI_DB")/ready.csv"
cat "$(dirname "$ORDERCLI_DB")/ready.csv"

step "Done. Explore further with: ORDERCLI_DB=$ORDERCLI_DB ordercli --help"
