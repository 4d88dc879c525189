"""Markdown for the reports that qmlp writes (report.md, bench.md): the one table writer and the
jinja2 environment of the templates in qmlp/flow/templates."""

from __future__ import annotations


def table(headers: list[str], rows: list[list], align: str = "") -> str:
    """A markdown table; align is one letter per column (l or r, default l)."""
    align = (align or "").ljust(len(headers), "l")
    if any(len(r) != len(headers) for r in rows):
        raise ValueError(f"table rows must have {len(headers)} cells")
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(sep) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def render(template: str, **values) -> str:
    """A template of qmlp/flow/templates with `table` at hand; a missing value is an error."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("qmlp.flow", "templates"), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.globals["table"] = table
    return env.get_template(template).render(**values)
