#!/usr/bin/env bash
# For cron: yesterday's orders as CSV for accounting, written atomically (a reader never sees
# half a file). Example crontab line:
#   15 2 * * *  ORDERCLI_DB=/srv/orders/orders.db /opt/ordercli/examples/nightly-export.sh /srv/exports
set -euo pipefail
out_dir="${1:?usage: nightly-export.sh OUT_DIR}"
day=$(date -u -d yesterday +%F)
tmp=$(mktemp "$out_dir/.orders-$day.XXXXXX")
trap 'rm -f "$tmp"' EXIT
ordercli --quiet list --since "$day" --until "$day" --limit 0 --sort number --csv > "$tmp"
mv "$tmp" "$out_dir/orders-$day.csv"
trap - EXIT
