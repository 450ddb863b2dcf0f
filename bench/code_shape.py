"""Code-shape numbers for the code-health note: the longest functions and the modules per package.

Usage: .venv/bin/python bench/code_shape.py [--top N]   (run from the project root)
"""

from __future__ import annotations

import argparse
import ast
from collections import Counter
from pathlib import Path

ROOTS = ("actions", "bot", "tests", "bench")


def longest_functions(root: Path) -> list[tuple[int, str]]:
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                found.append((length, f"{path}:{node.lineno} {node.name}"))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    everything = [item for root in ROOTS if Path(root).is_dir() for item in longest_functions(Path(root))]
    code = [item for item in everything if not item[1].startswith(("tests", "bench"))]
    print("longest functions in actions/ and bot/:")
    for length, where in sorted(code, reverse=True)[: args.top]:
        print(f"  {length:4d}  {where}")
    modules = Counter(str(path.parent) for root in ("actions", "bot") for path in Path(root).rglob("*.py"))
    print("modules per package:")
    for package, count in sorted(modules.items()):
        print(f"  {count:3d}  {package}")


if __name__ == "__main__":
    main()
