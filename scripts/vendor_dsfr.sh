#!/usr/bin/env bash
# Vendors a pinned, minimal subset of the DSFR (Système de design de l'État)
# into labapp/static/dsfr/, so the application never needs npm nor a CDN to run.
#
#   scripts/vendor_dsfr.sh            # install the pinned version from npm and copy
#   DSFR_SRC=/path/to/dsfr/dist scripts/vendor_dsfr.sh   # copy from an existing dist/
#
# Idempotent: the target folder is rebuilt from scratch each time (LICENCES.md,
# which is written by hand, is kept). To upgrade, change DSFR_VERSION, run the
# script, check the pages (make test runs the axe checks) and update LICENCES.md.
# To use a new icon class `fr-icon-NAME`, add NAME to ICONS below and re-run;
# same for a colour utility class `fr-NAME` and UTILITIES.
set -euo pipefail

DSFR_VERSION="1.15.3"

# Icon classes (fr-icon-NAME) the application uses, on top of those the core CSS
# already bundles. Only these rules and their SVG files are vendored.
ICONS=(
  account-circle-line add-circle-line add-line alert-line arrow-left-line
  arrow-right-line arrow-right-s-line bar-chart-box-line building-line
  calendar-event-line calendar-line check-line checkbox-circle-line close-line
  computer-line delete-line download-line edit-line error-warning-line eye-line
  eye-off-line external-link-line file-download-line filter-line home-4-line
  information-line lightbulb-line line-chart-line link list-unordered lock-line
  logout-box-r-line mail-line map-pin-2-line printer-line question-line
  refresh-line search-line settings-5-line star-line survey-line team-line
  theme-fill time-line upload-line user-add-line user-line user-setting-line
)

# Colour utility classes (fr-NAME) taken from utility/utility.min.css as well.
UTILITIES=(
  background-alt--grey background-alt--blue-france background-default--grey
  background-contrast--grey background-contrast--blue-france
)

# Artwork (pictograms) used by the theme dialog, the error pages and the home page.
ARTWORK=(
  background/ovoid.svg
  pictograms/environment/sun.svg
  pictograms/environment/moon.svg
  pictograms/system/system.svg
  pictograms/system/technical-error.svg
  pictograms/system/error.svg
  pictograms/system/padlock.svg
  pictograms/buildings/city-hall.svg
  pictograms/digital/innovation.svg
  pictograms/digital/self-training.svg
  pictograms/digital/calendar.svg
  pictograms/digital/data-visualization.svg
  pictograms/institutions/police.svg
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/labapp/static/dsfr"

WORK=""
cleanup() { if [[ -n "$WORK" ]]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT

if [[ -n "${DSFR_SRC:-}" ]]; then
  DIST="$DSFR_SRC"
else
  command -v npm >/dev/null || { echo "npm is required (or set DSFR_SRC)" >&2; exit 1; }
  WORK="$(mktemp -d)"
  echo "Installing @gouvfr/dsfr@$DSFR_VERSION from npm into $WORK"
  (
    cd "$WORK"
    printf '{"name":"dsfr-vendor","private":true}\n' > package.json
    # The package refuses to install unless its licence is accepted.
    DSFR_ACCEPT_LICENSE=1 npm install --no-audit --no-fund --silent \
      "@gouvfr/dsfr@$DSFR_VERSION"
  )
  DIST="$WORK/node_modules/@gouvfr/dsfr/dist"
  got="$(node -p "require('$WORK/node_modules/@gouvfr/dsfr/package.json').version")"
  if [[ "$got" != "$DSFR_VERSION" ]]; then
    echo "expected DSFR $DSFR_VERSION, npm gave $got" >&2
    exit 1
  fi
fi
[[ -f "$DIST/dsfr.min.css" ]] || { echo "no dsfr.min.css in $DIST" >&2; exit 1; }

# Rebuild the target, keeping the hand-written licence note.
mkdir -p "$DEST"
find "$DEST" -mindepth 1 -maxdepth 1 ! -name LICENCES.md -exec rm -rf {} +

# Core CSS and JS. Source maps are not shipped: drop the comment pointing at them.
for f in dsfr.min.css dsfr.module.min.js dsfr.nomodule.min.js; do
  sed -e 's@/\*# sourceMappingURL=[^*]*\*/@@' -e 's@//# sourceMappingURL=.*$@@' \
    "$DIST/$f" > "$DEST/$f"
done

# Fonts next to the CSS (it loads url(fonts/...)); woff2 only, every current
# browser takes woff2 first.
mkdir -p "$DEST/fonts"
cp "$DIST"/fonts/*.woff2 "$DEST/fonts/"

# Favicon next to the CSS.
mkdir -p "$DEST/favicon"
cp "$DIST"/favicon/* "$DEST/favicon/"

# Icons the core CSS refers to (url(icons/...)), except brand logos of social
# networks, which we do not use.
copy_icon() { # $1 = path relative to dist/, e.g. icons/system/close-line.svg
  mkdir -p "$DEST/$(dirname "$1")"
  cp "$DIST/$1" "$DEST/$1"
}
grep -o 'url(icons/[^)]*)' "$DIST/dsfr.min.css" | sed -e 's/^url(//' -e 's/)$//' \
  | sort -u | grep -v '^icons/logo/' | while read -r icon; do copy_icon "$icon"; done

# Utility classes: extract only the rules of ICONS and UTILITIES from
# utility.min.css into utility/utility.subset.min.css (same folder depth, so
# url(../icons/...) still works), and copy the SVG files of those icons.
mkdir -p "$DEST/utility"
DIST="$DIST" DEST="$DEST" VERSION="$DSFR_VERSION" UTILITIES="${UTILITIES[*]}" \
  node - "${ICONS[@]}" <<'JS' | while read -r icon; do copy_icon "$icon"; done
const fs = require('fs');
const css = fs.readFileSync(process.env.DIST + '/utility/utility.min.css', 'utf8');
const esc = (name) => name.replace(/[-]/g, '\\-');
const fail = (what) => { console.error('unknown DSFR class: ' + what); process.exit(1); };
const rules = [];
const files = new Set();
for (const name of process.argv.slice(2)) {
  const e = esc(name);
  const re = new RegExp('\\.fr-icon-' + e + ':after,\\.fr-icon-' + e +
    ':before\\{-webkit-mask-image:url\\(\\.\\./(icons/[^)]+)\\);mask-image:url\\(\\.\\./icons/[^)]+\\)\\}');
  const m = css.match(re);
  if (!m) fail('fr-icon-' + name);
  rules.push(m[0]);
  files.add(m[1]);
}
for (const name of process.env.UTILITIES.split(' ').filter(Boolean)) {
  // The themed rule (CSS variables), not its legacy / high-contrast copies.
  const m = css.match(new RegExp('\\.fr-' + esc(name) + '\\{[^}]*var\\([^}]*\\}'));
  if (!m) fail('fr-' + name);
  rules.push(m[0]);
}
const header = '/*! DSFR v' + process.env.VERSION + ' | SPDX-License-Identifier: Etalab-2.0' +
  ' | subset of utility/utility.min.css generated by scripts/vendor_dsfr.sh */\n';
fs.writeFileSync(process.env.DEST + '/utility/utility.subset.min.css', header + rules.join('') + '\n');
for (const f of files) console.log(f);
JS

# Artwork for the theme dialog, the error pages and the home page.
for a in "${ARTWORK[@]}"; do
  mkdir -p "$DEST/artwork/$(dirname "$a")"
  cp "$DIST/artwork/$a" "$DEST/artwork/$a"
done

cp "$DIST/../LICENSE.md" "$DEST/LICENSE-DSFR.md" 2>/dev/null || true
echo "$DSFR_VERSION" > "$DEST/VERSION"
echo "DSFR $DSFR_VERSION vendored into $DEST ($(du -sh "$DEST" | cut -f1))"
