"""`qmlp csim`: C simulation of an HLS kernel (qmlp.hls.csim holds the parser and the command)."""

from __future__ import annotations

from qmlp.hls import csim

HELP = "C simulation of an HLS kernel against the golden vectors"
DESCRIPTION = "Compile an HLS C++ kernel with g++ and check it on the IP test vectors."
configure = csim.configure_parser
run = csim.command
