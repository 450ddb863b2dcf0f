#!/usr/bin/env bash
# K-fold cross-validation of the NLU pipeline in config.yml on data/nlu_zh (Rasa's own report).
# Usage: bench/nlu_cross_validation.sh [folds]   (prints intent and entity F1 per extractor)
# Intent macro-F1 is averaged over the real intents: a fallback is a miss for its message's intent, but
# `nlu_fallback` is no class of its own (Rasa's "macro avg" counts it as one, with an F1 of 0).
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
real = {k: v for k, v in intent.items() if isinstance(v, dict) and "avg" not in k and k != "nlu_fallback"}
macro = sum(v["f1-score"] for v in real.values()) / len(real)
print(f"intent: macro-F1 {macro:.3f} over {len(real)} intents, accuracy {intent['accuracy']:.3f}"
      f" (Rasa's macro avg with nlu_fallback as a class: {intent['macro avg']['f1-score']:.3f})")
for path in sorted(out.glob("*Extractor_report.json")):
    report = json.loads(path.read_text())
    per_entity = ", ".join(f"{k} {v['f1-score']:.3f}" for k, v in report.items()
                           if isinstance(v, dict) and "avg" not in k and k != "no_entity")
    print(f"{path.name.removesuffix('_report.json')}: {per_entity}")
PY
