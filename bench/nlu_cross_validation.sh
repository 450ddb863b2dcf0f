#!/usr/bin/env bash
# 5-fold cross-validation of the NLU pipeline in config.yml on data/nlu_zh (Rasa's own report).
# Usage: bench/nlu_cross_validation.sh [folds]   (prints intent and entity macro/weighted F1)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
.venv/bin/rasa test nlu --cross-validation --folds "${1:-5}" --config config.yml --nlu data/nlu_zh --out "$out" \
  > "$out/log" 2>&1 || { tail -20 "$out/log"; exit 1; }
.venv/bin/python - "$out" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
intent = json.loads((out / "intent_report.json").read_text())
print(f"intent: macro-F1 {intent['macro avg']['f1-score']:.3f}, accuracy {intent['accuracy']:.3f}")
for name in ("DIETClassifier_report.json", "RegexEntityExtractor_report.json", "CatalogueEntityExtractor_report.json"):
    path = out / name
    if path.exists():
        report = json.loads(path.read_text())
        per_entity = ", ".join(f"{k} {v['f1-score']:.3f}" for k, v in report.items() if isinstance(v, dict) and "avg" not in k and k != "no_entity")
        print(f"{name.removesuffix('_report.json')}: {per_entity}")
PY
