"""Print the UI strings that have no German translation yet (as .po entries to fill in).

Usage: python scripts/i18n_missing.py > /tmp/new.po
"""

from __future__ import annotations

from resonanz.web.i18n_check import missing_translations

for message in missing_translations("de"):
    escaped = message.replace("\\", "\\\\").replace('"', '\\"')
    print(f'msgid "{escaped}"\nmsgstr ""\n')
