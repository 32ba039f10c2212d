"""A handler `module.function` must name a function defined at the top of functions/<module>.py.

Read with `ast`, never imported: importing runs the module's code inside `check` and the program.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"


@functools.cache
def top_level_functions(module_file: Path) -> frozenset[str]:
    tree = ast.parse(module_file.read_text(encoding="utf-8"), filename=str(module_file))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):  # handler = make_handler(...)
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return frozenset(names)


def handler_problem(handler: str, functions_dir: Path = FUNCTIONS_DIR) -> str | None:
    module, _, function = handler.partition(".")
    module_file = functions_dir / f"{module}.py"
    if not module_file.is_file():
        return f"names functions/{module}.py, which does not exist"
    try:
        defined = top_level_functions(module_file)
    except SyntaxError as error:
        return f"names functions/{module}.py, which is not valid Python (line {error.lineno})"
    if function not in defined:
        known = ", ".join(sorted(defined)) or "none"
        return f"names {function}, which functions/{module}.py does not define (functions there: {known})"
    return None
