#!/usr/bin/env bash
# Sign the macOS app and its disk image with a Developer ID, notarise and staple the image.
# Every step runs only when its secrets are set and is skipped cleanly (exit 0) otherwise, so
# unsigned builds (forks, pull requests, local builds) go through the same path.
#
#   sign_and_notarize.sh app "dist/MOCO Desktop.app"   sign every binary, then the bundle
#   sign_and_notarize.sh dmg dist/MOCO-Desktop-....dmg  sign, notarise, staple the image
#   sign_and_notarize.sh cleanup                        delete the temporary keychain
#
# Signing (both `app` and `dmg`):
#   MACOS_CERTIFICATE_P12_BASE64  "Developer ID Application" certificate + key, .p12, base64
#   MACOS_CERTIFICATE_PASSWORD    the .p12's password
#   MACOS_SIGNING_IDENTITY        optional; default: the first Developer ID Application identity
# Notarisation (`dmg`), either an App Store Connect API key (preferred):
#   APPLE_API_KEY_BASE64 (the .p8, base64), APPLE_API_KEY_ID, APPLE_API_ISSUER_ID
# or an Apple ID with an app-specific password:
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_SPECIFIC_PASSWORD
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
entitlements="$here/entitlements.plist"
keychain="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/moco-desktop-signing.keychain-db"

say() { echo "sign_and_notarize: $*"; }

signing_configured() { [[ -n "${MACOS_CERTIFICATE_P12_BASE64:-}" ]]; }

notarisation_mode() {
    if [[ -n "${APPLE_API_KEY_BASE64:-}" && -n "${APPLE_API_KEY_ID:-}" && -n "${APPLE_API_ISSUER_ID:-}" ]]; then
        echo api-key
    elif [[ -n "${APPLE_ID:-}" && -n "${APPLE_TEAM_ID:-}" && -n "${APPLE_APP_SPECIFIC_PASSWORD:-}" ]]; then
        echo apple-id
    else
        echo none
    fi
}

# A throw-away keychain holding only the signing certificate, first in the search list.
ensure_keychain() {
    if [[ ! -f "$keychain" ]]; then
        local password p12
        password="$(uuidgen)"
        p12="$(mktemp -d)/certificate.p12"
        echo "$MACOS_CERTIFICATE_P12_BASE64" | base64 --decode > "$p12"
        security create-keychain -p "$password" "$keychain"
        security set-keychain-settings -lut 3600 "$keychain"
        security unlock-keychain -p "$password" "$keychain"
        security import "$p12" -k "$keychain" -P "${MACOS_CERTIFICATE_PASSWORD:-}" \
            -T /usr/bin/codesign -T /usr/bin/productsign
        security set-key-partition-list -S apple-tool:,apple: -s -k "$password" "$keychain" >/dev/null
        rm -f "$p12"
        # shellcheck disable=SC2046  # the existing keychains are one word each
        security list-keychains -d user -s "$keychain" $(security list-keychains -d user | tr -d '"')
    fi
    if [[ -z "${MACOS_SIGNING_IDENTITY:-}" ]]; then
        MACOS_SIGNING_IDENTITY="$(security find-identity -v -p codesigning "$keychain" \
            | sed -n 's/.*"\(Developer ID Application: .*\)"/\1/p' | head -n 1)"
    fi
    if [[ -z "${MACOS_SIGNING_IDENTITY:-}" ]]; then
        say "no 'Developer ID Application' identity in the certificate" >&2
        exit 1
    fi
}

sign() {  # sign [codesign options...] path
    codesign --force --timestamp --options runtime --sign "$MACOS_SIGNING_IDENTITY" "$@"
}

sign_app() {
    local app="$1"
    if ! signing_configured; then
        say "MACOS_CERTIFICATE_P12_BASE64 not set: $app keeps PyInstaller's ad-hoc signature"
        return 0
    fi
    ensure_keychain
    say "signing $app as $MACOS_SIGNING_IDENTITY"
    # Inside out: every Mach-O file, then the framework bundles (deepest first), then the app.
    local file
    while IFS= read -r -d '' file; do
        if file -b "$file" | grep -q "Mach-O"; then
            sign "$file"
        fi
    done < <(find "$app/Contents" -type f ! -path "*/_CodeSignature/*" -print0)
    while IFS= read -r framework; do
        sign "$framework" || say "warning: $framework is not a canonical bundle; its binaries are signed"
    done < <(find "$app/Contents" -type d -name "*.framework" | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-)
    sign --entitlements "$entitlements" "$app/Contents/MacOS/"*
    sign --entitlements "$entitlements" "$app"
    codesign --verify --deep --strict --verbose=2 "$app"
    say "signed and verified $app"
}

notarise() {
    local target="$1" mode key_dir=""
    mode="$(notarisation_mode)"
    local credentials=()
    case "$mode" in
        none)
            say "notarisation secrets not set: $target is signed but not notarised"
            return 0 ;;
        api-key)
            key_dir="$(mktemp -d)"
            echo "$APPLE_API_KEY_BASE64" | base64 --decode > "$key_dir/AuthKey.p8"
            credentials=(--key "$key_dir/AuthKey.p8" --key-id "$APPLE_API_KEY_ID" --issuer "$APPLE_API_ISSUER_ID") ;;
        apple-id)
            credentials=(--apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_SPECIFIC_PASSWORD") ;;
    esac
    say "notarising $target (this waits for Apple)"
    local result status submission
    result="$(xcrun notarytool submit "$target" "${credentials[@]}" --wait --timeout 1h --output-format json)"
    status="$(plutil -extract status raw -o - - <<< "$result")"
    submission="$(plutil -extract id raw -o - - <<< "$result")"
    if [[ "$status" != "Accepted" ]]; then
        say "notarisation $status; Apple's log:" >&2
        xcrun notarytool log "$submission" "${credentials[@]}" >&2 || true
    fi
    if [[ -n "$key_dir" ]]; then
        rm -rf "$key_dir"
    fi
    if [[ "$status" != "Accepted" ]]; then
        exit 1
    fi
    xcrun stapler staple "$target"
    xcrun stapler validate "$target"
    spctl --assess --type open --context context:primary-signature --verbose "$target"
    say "notarised and stapled $target"
}

sign_dmg() {
    local dmg="$1"
    if ! signing_configured; then
        say "MACOS_CERTIFICATE_P12_BASE64 not set: $dmg is not signed or notarised"
        return 0
    fi
    ensure_keychain
    codesign --force --timestamp --sign "$MACOS_SIGNING_IDENTITY" "$dmg"
    notarise "$dmg"
}

cleanup() {
    if [[ -f "$keychain" ]]; then
        security delete-keychain "$keychain" || true
        say "temporary keychain deleted"
    fi
}

case "${1:-}" in
    app) sign_app "${2:?path of the .app}" ;;
    dmg) sign_dmg "${2:?path of the .dmg}" ;;
    cleanup) cleanup ;;
    *) echo "usage: $0 app PATH.app | dmg PATH.dmg | cleanup" >&2; exit 2 ;;
esac
