#!/usr/bin/env bash
# Sets up everything the dashboard and its tests need: a virtualenv with pinned packages and, for the
# browser and Word-rendering tests, Debian's chromium and LibreOffice (installed only when missing).
# Usage: scripts/setup.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
req=requirements.txt
[ "${1:-}" = "--dev" ] && req=requirements-dev.txt
stamp=".venv/.installed-$(cat requirements.txt "$req" | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
  touch "$stamp"
fi
if [ "${1:-}" = "--dev" ]; then
  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-dejavu-core)
  # writer renders the Word report; calc converts test workbooks to .ods / .xls / LibreOffice .xlsx
  dpkg -s libreoffice-writer-nogui >/dev/null 2>&1 || need+=(libreoffice-writer-nogui fonts-liberation2)
  dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "Устанавливаю системные пакеты: ${need[*]}"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    else
      echo "Внимание: не установлены ${need[*]} (нужны права root и apt-get); браузерные тесты и проверка Word будут пропущены." >&2
    fi
  fi
fi
