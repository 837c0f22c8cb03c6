"""Generated blocks of the documentation: the text between `<!-- NAME:start ... -->` and
`<!-- NAME:end -->` in a Markdown file, rewritten by the script that measures it
(scripts/bench-compare writes `bench-compare`; `bench-git` is kept for scripts/bench-git.sh).

    python3 scripts/benchdocs.py NAME MARKDOWN_FILE DOC...    # the same from a shell script
"""

import re
import sys
from pathlib import Path


def update_block(doc, name, body):
    """Replaces what lies between the `name` markers of `doc` (each on its own line) with
    `body`; the markers stay. A file without both markers is an error, not a silent skip."""
    doc = Path(doc)
    text = doc.read_text()
    pattern = re.compile(
        rf"(^<!-- {re.escape(name)}:start[^\n]*-->\n)(.*?)(^<!-- {re.escape(name)}:end -->)",
        re.S | re.M)
    matches = list(pattern.finditer(text))
    if len(matches) != 1:
        raise SystemExit(f"{doc}: wants exactly one <!-- {name}:start --> ... "
                         f"<!-- {name}:end --> pair at line starts, found {len(matches)}")
    body = body if body.endswith("\n") else body + "\n"
    match = matches[0]
    doc.write_text(text[:match.start(2)] + body + text[match.end(2):])


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    name, source, *docs = sys.argv[1:]
    for target in docs:
        update_block(target, name, Path(source).read_text())
