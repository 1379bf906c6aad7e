#!/usr/bin/env bash
# `make demo`: the whole pipeline on input_files/ with the ftb command.
#
#   identify: ingest -> build --mode identify -> validate -> split -> export
#   create:   build --mode create with the embedded local model (no key, no network)
#             -> validate -> split -> export
#
# The demo uses its own store, memory/demo.db, recreated on every run, so it never touches
# your datasets (memory/dataset_builder.db). Inspect it afterwards with
#   .venv/bin/ftb --db memory/demo.db datasets     or     FTB_DB=memory/demo.db make tui
# Exports go to output_datasets/demo_identify/ and output_datasets/demo_create/.
#
# Options (environment): DEMO_CREATE=0 skips create mode; DEMO_SIZE=N samples to generate
# (default 14, about a minute on 2 cores: the stratified 80/20 split gives 11 training
# examples, over the 10 OpenAI needs; the demo fails if an export fails its validation); DEMO_INPUT=DIR another input folder.
set -euo pipefail
cd "$(dirname "$0")/.."

FTB="${FTB:-.venv/bin/ftb}"
INPUT="${DEMO_INPUT:-input_files}"
DEMO_CREATE="${DEMO_CREATE:-1}"
DEMO_SIZE="${DEMO_SIZE:-14}"
export FTB_DB="memory/demo.db"

if [ ! -x "$FTB" ]; then
  echo "demo: $FTB not found; run \`make install\` first" >&2
  exit 2
fi
if [ -z "$(find "$INPUT" -type f ! -name '.*' 2>/dev/null | head -1)" ]; then
  echo "demo: no input files in $INPUT/; put a few documents there (PDF, DOCX, XLSX, PPTX," >&2
  echo "      CSV, JSON/JSONL, TXT, MD, HTML) and run \`make demo\` again" >&2
  exit 2
fi

rm -f memory/demo.db memory/demo.db-wal memory/demo.db-shm
mkdir -p memory

if [ -t 1 ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD="" PLAIN=""; fi
step() { printf '\n%s$ ftb %s%s\n' "$BOLD" "$*" "$PLAIN"; }

# Run ftb; exit code 1 (violations, or some files unreadable) is reported and the demo goes
# on, because showing those is part of the demo. 2 (usage) and other failures stop it.
run() {
  step "$*"
  local rc=0
  "$FTB" "$@" || rc=$?
  if [ "$rc" -eq 1 ]; then
    echo "(exit 1: see the report above; the demo goes on)"
  elif [ "$rc" -ne 0 ]; then
    echo "demo: \`ftb $*\` failed with exit code $rc" >&2
    exit "$rc"
  fi
}

pipeline() {  # NAME: curate, validate, split, export (the export must pass its validation)
  local name="$1"
  run filter "$name"
  run dedup "$name"
  run scrub "$name"
  run validate "$name"
  run split "$name" --ratio 0.8 --strategy weighted --weight-by source --seed 42
  step "export $name --format openai --out output_datasets/$name"
  if ! "$FTB" export "$name" --format openai --out "output_datasets/$name"; then
    echo "demo: the export of $name failed its own validation (see above); not done" >&2
    exit 1
  fi
  run stats "$name"
  echo
  echo "files written:"
  ls -l "output_datasets/$name"
}

echo "== identify: conversations already in $INPUT/ =="
run ingest "$INPUT"
run build --mode identify --input "$INPUT" --name demo_identify \
  --provider openai --model gpt-4o-mini-2024-07-18
pipeline demo_identify

if [ "$DEMO_CREATE" = "1" ]; then
  echo
  echo "== create: new conversations written by the embedded model =="
  run build --mode create --input "$INPUT" --name demo_create --size "$DEMO_SIZE" \
    --provider openai --model gpt-4o-mini-2024-07-18 --agent-provider llama --concurrency 1
  pipeline demo_create
fi

echo
run datasets
echo
echo "demo done: store memory/demo.db, files in output_datasets/demo_*/"
