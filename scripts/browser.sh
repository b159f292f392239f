#!/usr/bin/env bash
# The browser the Label Studio browser tests drive: Debian's Chromium (Playwright's own
# download needs the internet, which CI and these machines do not have).
#
#   scripts/browser.sh install   install chromium (and an emoji font) with apt-get if missing; print its path
#   scripts/browser.sh path      print the path of an installed chromium, or exit 3
#
# Exit codes: 0 ok; 2 bad usage; 3 (path) not installed; 4 could not be installed.
set -euo pipefail

find_chromium() {
  local candidate
  for candidate in "${DIPLONEWS_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

cmd_install() {
  local packages=()
  find_chromium >/dev/null || packages+=(chromium)
  # Emoji in the articles (the UTF-16 offset cases) render as boxes without a colour emoji font.
  [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || packages+=(fonts-noto-color-emoji)
  if [ "${#packages[@]}" -eq 0 ]; then
    find_chromium
    return 0
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else
      echo "browser.sh: error: chromium is missing and installing it needs root (apt-get install chromium)" >&2
      exit 4
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "browser.sh: error: no apt-get here; install chromium and set DIPLONEWS_CHROMIUM to its path" >&2
    exit 4
  fi
  echo "installing ${packages[*]} with apt-get (once) ..." >&2
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
          "${packages[@]}"; } >&2; then
    if ! find_chromium >/dev/null; then
      echo "browser.sh: error: apt-get could not install chromium" >&2
      exit 4
    fi
    echo "browser.sh: warning: could not install ${packages[*]}; emoji may render as boxes" >&2
  fi
  find_chromium || { echo "browser.sh: error: chromium installed but not found" >&2; exit 4; }
}

case "${1:-}" in
  install) cmd_install ;;
  path) find_chromium || exit 3 ;;
  *) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
