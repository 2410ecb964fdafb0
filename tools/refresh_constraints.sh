#!/usr/bin/env bash
# Refresh constraints.txt: the exact versions README commands 1 and 2 (and so CI) install.
# It resolves settings.ini's ranges afresh in a new virtual environment and writes what pip chose, dmo_nb itself left out.
# Run the test command afterwards (README command 2) and commit constraints.txt only if it passes.
#   bash tools/refresh_constraints.sh
set -euo pipefail
cd "$(dirname "$0")/.."
env=$(mktemp -d)/venv
python3 -m venv "$env"
"$env/bin/pip" install -q -e ".[dev]"
{ echo "# The exact versions CI passes with: pip install -c constraints.txt -e \".[dev]\" (README commands 1 and 2)."
  echo "# setup.py keeps loose ranges (settings.ini); only installs from this clone use these pins. Refresh: bash tools/refresh_constraints.sh"
  "$env/bin/pip" freeze --exclude-editable | grep -v '^dmo[_-]nb' ; } > constraints.txt
echo "wrote constraints.txt ($(grep -vc '^#' constraints.txt) pins) from $env"
