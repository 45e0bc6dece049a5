"""pygments and rich: highlight a snippet with the lexer named on the command line,
then print a rich table (plain text when not on a terminal).

    python highlight.py python|json
"""

import sys

from pygments import highlight
from pygments.formatters import TerminalFormatter
from pygments.lexers import get_lexer_by_name
from rich.console import Console
from rich.table import Table

SNIPPETS = {
    "python": "def greet(name):\n    return f'hello {name}'\n",
    "json": '{"name": "nuitka", "hinted": true, "sizes": [1, 2, 3]}\n',
}

language = sys.argv[1] if len(sys.argv) > 1 else "python"
lexer = get_lexer_by_name(language)  # chosen at run time by name
print(lexer.name)
print(highlight(SNIPPETS[language], lexer, TerminalFormatter()), end="")
table = Table(title="tokens")
table.add_column("kind")
table.add_column("count", justify="right")
counts = {}
for token_type, _ in lexer.get_tokens(SNIPPETS[language]):
    counts[str(token_type).split(".")[1]] = counts.get(str(token_type).split(".")[1], 0) + 1
for kind, count in sorted(counts.items()):
    table.add_row(kind, str(count))
Console(width=60, force_terminal=False, color_system=None).print(table)
