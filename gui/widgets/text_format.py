"""How the studio writes numbers in read-outs."""
from __future__ import annotations


def signed(value: float) -> str:
    """`value` with three decimals and its sign, negative with a true minus sign: "+0.250", "\u22121.000"."""
    return f"{value:+.3f}".replace("-", "\u2212")
