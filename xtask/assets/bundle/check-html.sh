#!/usr/bin/env bash
# Opens every HTML page of a partner bundle (`cargo xtask bundle --out DIR`) in headless
# Chromium with the network disabled, and checks that the rendered DOM of each API page names
# every operationId of the API's bundled JSON (and that index.html lists every API).
#
# usage: xtask/assets/bundle/check-html.sh DIR
# needs: chromium (or chromium-browser / google-chrome, or $CHROMIUM), python3
set -euo pipefail

dir="${1:?usage: $0 DIR (the output of cargo xtask bundle)}"
dir="$(cd "$dir" && pwd)"

browser="${CHROMIUM:-}"
if [[ -z "$browser" ]]; then
    for candidate in chromium chromium-browser google-chrome; do
        if command -v "$candidate" >/dev/null 2>&1; then
            browser="$candidate"
            break
        fi
    done
fi
[[ -n "$browser" ]] || { echo "check-html: no chromium found (set CHROMIUM)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Dumps the DOM of one page. No proxy is reachable and no host name resolves, so any request
# the page tried would fail; the page must render complete without one.
dump_dom() {
    local page="$1" out="$2" profile
    profile="$(mktemp -d -p "$work")"
    timeout 120 "$browser" \
        --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-default-apps --disable-extensions --no-first-run --no-default-browser-check \
        --proxy-server=127.0.0.1:9 --host-resolver-rules="MAP * ~NOTFOUND" \
        --user-data-dir="$profile" \
        --dump-dom "file://$page" >"$out" 2>"$out.log" || {
        echo "check-html: chromium failed on $page" >&2
        cat "$out.log" >&2
        return 1
    }
}

shopt -s nullglob
jsons=("$dir"/*.json)
[[ ${#jsons[@]} -gt 0 ]] || { echo "check-html: no bundled JSON in $dir" >&2; exit 1; }

failures=0
apis=()
for json in "${jsons[@]}"; do
    api="$(basename "$json" .json)"
    apis+=("$api")
    page="$dir/$api.html"
    if [[ ! -f "$page" ]]; then
        echo "check-html: $api.html is missing" >&2
        failures=$((failures + 1))
        continue
    fi
    dump_dom "$page" "$work/$api.dom"
    if ! python3 - "$json" "$work/$api.dom" "$api" <<'PY'
import json
import sys

spec_path, dom_path, api = sys.argv[1:4]
with open(spec_path, encoding="utf-8") as f:
    spec = json.load(f)
with open(dom_path, encoding="utf-8") as f:
    dom = f.read()
methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ids = [
    op["operationId"]
    for item in spec.get("paths", {}).values()
    for method, op in item.items()
    if method in methods and "operationId" in op
]
missing = [i for i in ids if f'id="op-{i}"' not in dom or f"<code>{i}</code>" not in dom]
if "</html>" not in dom:
    print(f"check-html: {api}.html: the DOM dump is incomplete", file=sys.stderr)
    sys.exit(1)
if missing:
    print(f"check-html: {api}.html: operations missing from the DOM: {', '.join(missing)}", file=sys.stderr)
    sys.exit(1)
print(f"check-html: {api}.html: {len(ids)} operation(s) rendered")
PY
    then
        failures=$((failures + 1))
    fi
done

if [[ -f "$dir/index.html" ]]; then
    dump_dom "$dir/index.html" "$work/index.dom"
    for api in "${apis[@]}"; do
        if ! grep -q "href=\"$api.html\"" "$work/index.dom"; then
            echo "check-html: index.html does not link $api.html" >&2
            failures=$((failures + 1))
        fi
    done
    echo "check-html: index.html: ${#apis[@]} API(s) listed"
else
    echo "check-html: index.html is missing" >&2
    failures=$((failures + 1))
fi

if [[ $failures -gt 0 ]]; then
    echo "check-html: $failures problem(s)" >&2
    exit 1
fi
echo "check-html: ${#apis[@]} page(s) and the index render offline"
