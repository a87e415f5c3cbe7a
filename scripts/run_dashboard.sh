#!/usr/bin/env bash
# Sets everything up and starts the dashboard on the bundled sample workbook (or on $OMP_SOURCE).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python -m streamlit run app.py --browser.gatherUsageStats false "$@"
