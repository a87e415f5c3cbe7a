#!/usr/bin/env bash
# Sets everything up (venv, chromium, LibreOffice) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
exec .venv/bin/python -m pytest -q -ra "$@"
