#!/usr/bin/env bash
# For cron: yesterday's orders (UTC) as CSV for accounting, written atomically (a reader never
# sees half a file). Cron runs jobs with PATH=/usr/bin:/bin, where a pipx or uv install
# (~/.local/bin) is not: set PATH in the crontab (docs/cron.md), for example:
#   PATH=/home/ops/.local/bin:/usr/bin:/bin
#   15 2 * * *  ORDERCLI_DB=/srv/orders/orders.db /opt/ordercli/examples/nightly-export.sh /srv/exports
# Usage: nightly-export.sh OUT_DIR
set -euo pipefail
out_dir="${1:?usage: nightly-export.sh OUT_DIR}"
if ! command -v ordercli > /dev/null; then
  echo "nightly-export.sh: ordercli is not on PATH ($PATH): set PATH in the crontab (see docs/cron.md)" >&2
  exit 127
fi
day=$(date -u -d yesterday +%F)
tmp=$(mktemp "$out_dir/.orders-$day.XXXXXX")
trap 'rm -f "$tmp"' EXIT
ordercli --quiet list --since "$day" --until "$day" --limit 0 --sort number --csv > "$tmp"
mv "$tmp" "$out_dir/orders-$day.csv"
trap - EXIT
