#!/usr/bin/env bash
# Optional: merge translation catalogues entry by entry instead of line by line.
set -euo pipefail
git config merge.pofile.name "gettext catalogue merge"
git config merge.pofile.driver "msgcat --use-first --no-location -o %A %A %B"
