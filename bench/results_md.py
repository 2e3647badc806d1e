"""Markdown output of the benchmarks: tables and named sections of a file."""

from pathlib import Path


def markdown(frame, digits=3, index=False):
    """Markdown table of a DataFrame, floats rounded to ``digits``."""
    frame = frame.reset_index() if index else frame
    cells = [
        [f"{v:.{digits}f}" if isinstance(v, float) else str(v) for v in row]
        for row in frame.itertuples(index=False)
    ]
    header = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])


def write_section(path, name, text, title="Benchmarks"):
    """Replace (or append) section ``name`` of the results file ``path``."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    path = Path(path)
    body = path.read_text() if path.exists() else f"# {title}\n"
    block = f"{start}\n{text.rstrip()}\n{end}"
    if start in body and end in body:
        head, rest = body.split(start, 1)
        body = head + block + rest.split(end, 1)[1]
    else:
        body = body.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
