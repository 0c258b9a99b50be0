#!/usr/bin/env bash
# A real walkthrough of ordercli on SQLite: a warehouse and a store, the Northwind catalogue,
# stock, a promo code, orders by options and from JSON (with stock promised, and a backorder
# promised when goods arrive), verification, status changes one by one and in batch, what a
# refusal looks like, shipping in parts with a carrier, delivery with sign-off, deleting a
# wrong shipment, an installation appointment booked, moved and completed (which closes the
# order), the seller's profile, invoices split by delivery method, a credit note, a return
# received, credited, inspected and refunded, an exchange, a packing slip, a label, a return slip
# and a pick list as PDFs, listings, CSV exports (whole, Shopify's layout, incremental), an
# iCalendar agenda, a summary, and orders imported in bulk from a file.
# It uses its own database file (ORDERCLI_DB, default: a new temporary file), never yours.
set -euo pipefail

export ORDERCLI_DB="${ORDERCLI_DB:-$(mktemp -d)/walkthrough.db}"
export ORDERCLI_ACTOR="${ORDERCLI_ACTOR:-walkthrough}"
here="$(cd "$(dirname "$0")" && pwd)"
out="$(dirname "$ORDERCLI_DB")"
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

step "The database: $ORDERCLI_DB"
ordercli db upgrade

step "A warehouse (the default location) and a store; the Northwind catalogue"
ordercli location add main --kind warehouse --address "Obere Str. 57" --city Berlin --postal-code 12209 --country DE
ordercli location add hamburg --kind store --address "Hafenweg 3" --city Hamburg --postal-code 20457 --country DE
ordercli product import "$here/products.csv"
ordercli product add GIFTBOX --name "Gift box, large" --price 14.00 --tax-rate 19

step "Goods in, and what can be promised"
ordercli stock receive CHAI 20 --note "PO 4711"
ordercli stock receive CHAI 10 --at hamburg
ordercli stock receive GIFTBOX 5
ordercli available CHAI 25
ordercli stock list --sku CHAI

step "A promo code"
ordercli promo add WELCOME10 --percent 10 --valid-until 2099-12-31 --max-uses 100

step "An order taken by phone: 25 x CHAI is more than main has, so it is split"
phone_order=$(ordercli create --channel phone \
  --name "Maria Anders" --email maria.anders@example.de --phone "030-0074321" \
  --address "Obere Str. 57" --city Berlin --postal-code 12209 --country DE \
  --line CHAI:25 --line "SETUP:1@120.00:Installation on site" --promo WELCOME10 \
  --note "Customer prefers mornings")
echo "order number: $phone_order"

step "An order from a web shop, as JSON on stdin (gift boxes are short: backordered)"
web_order=$(ordercli create --from-file - --backorder < "$here/order.json")
ordercli show "$web_order"

step "Goods arrive: the waiting order is promised at once"
ordercli stock receive GIFTBOX 10
ordercli history "$web_order"

step "Verify both, then mark them ready to ship in one batch from stdin"
ordercli verify "$phone_order" --by anna --method phone --note "address confirmed"
ordercli verify "$web_order" --by anna --method email
printf '%s\n%s\n' "$phone_order" "$web_order" | ordercli status - --to ready_to_ship --json

step "A change the state machine refuses (exit code 4, nothing changed)"
if ordercli status "$phone_order" --to partially_closed; then exit 1; else echo "exit code: $?"; fi

step "A customer cancels: the order's stock is released; the history says who, when and why"
ordercli status "$web_order" --to canceled --reason "customer called to cancel" --yes  # --yes: do not ask
ordercli history "$web_order"
ordercli stock history GIFTBOX

step "Shipping: part of the phone order leaves with DHL and is delivered, signed for"
ordercli carrier add DHL --tracking-url "https://www.dhl.de/de/privatkunden/dhl-sendungsverfolgung.html?piececode={tracking}"
ordercli ship "$phone_order" --line CHAI:20 --carrier DHL --tracking 00340434161094042557 --parcels 2 --weight 12.5
delivered=$(ordercli shipments --order "$phone_order" --ids)
ordercli shipment deliver "$delivered" --signed-by "M. Anders" --note "handed to reception"

step "The rest is packed at the store; the wrong box is deleted (its units stay promised) and packed again"
ordercli ship "$phone_order" --line CHAI:5 --stage packed --parcels 1
wrong=$(ordercli shipments --order "$phone_order" --stage packed --ids)
ordercli delete-shipment "$wrong" --reason "packed the wrong box" --yes  # --yes: do not ask
ordercli ship "$phone_order" --line CHAI:5 --carrier DHL --tracking 00340434161094042558
ordercli shipments --order "$phone_order" --deleted

step "The installation: Tom is booked (times in Europe/Berlin), the slot is moved, a clash refused"
export ORDERCLI_TZ="${ORDERCLI_TZ:-Europe/Berlin}"
ordercli appointment resource add tom --kind technician --note "Installer, Berlin"
install_day=$(python3 -c 'import datetime; print(datetime.date.today() + datetime.timedelta(days=7))')
visit=$(ordercli appointment book "$phone_order" --line SETUP --at "$install_day 09:00" --duration 2h --with tom)
if ordercli appointment book "$phone_order" --at "$install_day 10:00" --duration 1h --with tom; then exit 1; else echo "exit code: $?"; fi
ordercli appointment reschedule "$visit" --at "$install_day 13:00"
ordercli appointment list --week "$install_day"
ordercli appointment export --ics "$out/agenda.ics"

step "The installation is done and signed for: the service line is fulfilled, the order closes"
ordercli appointment complete "$visit" --signed-by "M. Anders"
ordercli show "$phone_order"
ordercli list --fulfilled

step "The seller's details for documents, then invoices: one per delivery method, numbered without gaps"
ordercli profile set --name "Northwind Traders GmbH" --address "Obere Str. 57" --postal-code 12209 \
  --city Berlin --country DE --tax-id DE123456789 --email invoices@northwind.example \
  --bank "IBAN DE89 3704 0044 0532 0130 00\nBIC COBADEFFXXX" --payment-days 14 \
  --payment-terms "Payable within 14 days without deduction." --footer "Thank you for your order." \
  --logo "$here/logo.svg"
mkdir -p "$out/documents"
ordercli invoice "$phone_order" --out "$out/documents"
ordercli invoice "$phone_order" --out "$out/documents"   # again: the same invoices, nothing new issued
first_invoice=$(ordercli invoice "$phone_order" --json --out "$out/documents" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["number"])')
ordercli credit-note "$first_invoice" --line CHAI:1 --reason "one box damaged in transit" --out "$out/documents"

step "A return: two boxes come back crushed; received (the one not credited yet is credited now), inspected, refunded"
rma=$(ordercli return "$phone_order" --line CHAI:2 --reason "boxes crushed in transit")
ordercli return-slip "$rma" --out "$out/documents"
ordercli rma receive "$rma" --by "goods-in"
ordercli rma inspect "$rma" --write-off CHAI:1 --restock CHAI:1@main
ordercli rma refund "$rma" --reference "bank transfer 2026-118"

step "An exchange: another box for one that was too strong; the replacement ships like any order"
ordercli exchange "$phone_order" --return CHAI:1 --for CHAI:1 --reason "wrong blend"
replacement=$(ordercli returns --kind exchange --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["replacement_order"])')
ordercli ship "$replacement"
ordercli returns

step "A packing slip and a label for the parcels, and a pick list for what is still to ship"
ordercli packing-slip "$phone_order" --out "$out/documents"
ordercli label "$delivered" --out "$out/documents"
ordercli pick-list
ls "$out/documents"

step "Listings: a table for people, CSV for accounting and for reordering"
ordercli list
ordercli list --status ready_to_ship --csv > "$out/ready.csv"
cat "$out/ready.csv"
ordercli export --out "$out/orders.csv"                       # every order line, for accounting
ordercli export --format shopify --out "$out/shopify.csv"     # what tools that read Shopify exports read
ordercli export --since-last nightly --out "$out/changes.csv"  # a cron job's first run: everything
ordercli export --since-last nightly --out "$out/changes.csv"  # its next run: nothing new since
ordercli summary --by channel
ordercli stock list --below 15 --csv > "$out/reorder.csv"
head -5 "$out/reorder.csv"
ordercli stock check

step "Orders from a marketplace file, in bulk; a second run imports nothing twice"
ordercli import "$here/import/orders.csv"
ordercli import "$here/import/orders.csv"

step "Done. Explore further with: ORDERCLI_DB=$ORDERCLI_DB ordercli --help"
