#!/usr/bin/env bash
# Full training time and peak memory of the hotline model, with an empty Rasa training cache.
# Usage: bench/train_time.sh   (prints wall time and maximum resident set size)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
RASA_CACHE_DIRECTORY="$work/cache" /usr/bin/time -f "wall %e s, peak RSS %M KB" \
  .venv/bin/rasa train --config config.yml --domain bot/domain --data data --out "$work/models" \
  > "$work/train.log" 2>"$work/time.log" || { tail -20 "$work/train.log"; exit 1; }
tail -1 "$work/time.log"
