#!/bin/sh
# For cron: the orders that are new or changed since the last successful run, as CSV for
# accounting (a row per order line), in OUT_DIR/orders-YYYY-MM-DDTHHMMSSZ.csv. The file is
# written under a temporary name and renamed into place (a reader never sees half a file), and
# the cursor moves only once it is there: a run that failed is caught up by the next one.
# POSIX sh and date only, for cron's minimal environment (PATH=/usr/bin:/bin): give the
# absolute path of the installed command in ORDERCLI (`command -v ordercli` prints it), e.g.
#   15 2 * * *  ORDERCLI=/home/ops/.local/bin/ordercli ORDERCLI_DB=/srv/orders/orders.db /opt/ordercli/examples/nightly-export.sh /srv/exports
# Usage: nightly-export.sh OUT_DIR   (ORDERCLI_CURSOR names the cursor; default: nightly)
set -eu
out_dir="${1:?usage: nightly-export.sh OUT_DIR}"
ordercli="${ORDERCLI:-$(command -v ordercli || true)}"
if [ -z "$ordercli" ] || [ ! -x "$ordercli" ]; then
  echo "nightly-export.sh: ordercli is not on PATH ($PATH): set ORDERCLI to its absolute path in the crontab (see docs/cron.md)" >&2
  exit 127
fi
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
exec "$ordercli" --quiet export --since-last "${ORDERCLI_CURSOR:-nightly}" --out "$out_dir/orders-$stamp.csv"
