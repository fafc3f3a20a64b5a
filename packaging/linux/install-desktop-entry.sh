#!/bin/sh
# Register MOCO Desktop with the desktop (application menu entry and icon) for this user.
# Run it from the unpacked folder; run it again after moving the folder. Nothing needs root.
#   ./install-desktop-entry.sh            install
#   ./install-desktop-entry.sh --remove   remove the menu entry, icon and autostart entry
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data_home=${XDG_DATA_HOME:-"$HOME/.local/share"}
config_home=${XDG_CONFIG_HOME:-"$HOME/.config"}
entry="$data_home/applications/moco-desktop.desktop"
icon="$data_home/icons/hicolor/256x256/apps/moco-desktop.png"

if [ "${1:-}" = "--remove" ]; then
    rm -f "$entry" "$icon" "$config_home/autostart/moco-desktop.desktop"
    echo "MOCO Desktop's menu entry removed (the folder $here is left alone)."
    exit 0
fi

mkdir -p "$(dirname "$entry")" "$(dirname "$icon")"
cp "$here/moco-desktop.png" "$icon"
# Exec must be an absolute path: the folder is not on PATH.
sed "s|^Exec=.*|Exec=\"$here/moco-desktop\"|" "$here/moco-desktop.desktop" > "$entry"
chmod 644 "$entry"
# Refresh the menu and icon caches where the desktop has the tools; failing to is harmless.
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$data_home/applications" || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t "$data_home/icons/hicolor" || true
fi
echo "MOCO Desktop is in your application menu ($entry)."
