"""C simulation of the HLS kernels (placeholder until the HLS path lands)."""

from __future__ import annotations

from .errors import QmlpError


def configure_parser(p) -> None:
    p.add_argument("kind", choices=("i8", "f32i8", "f32"), help="which kernel")


def command(args) -> str:
    raise QmlpError("qmlp csim is not implemented yet")
