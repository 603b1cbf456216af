"""The one-way flow, enforced: import-linter's contracts in pyproject.toml (the runtime, operators
and APIs never import the generator; cli > gen > layers/compat > library > ops > operators >
runtime > oracle/spec) and no import cycle among dsagen's modules (lazy imports included)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold(capsys, monkeypatch):
    cli = pytest.importorskip("importlinter.cli", reason="import-linter is in the test extra")
    monkeypatch.chdir(ROOT)
    status = cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert status == cli.EXIT_STATUS_SUCCESS, out[-3000:]
    assert "0 broken" in out and "2 kept" in out


def _cycles(graph, modules):
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & modules)))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(graph.find_modules_directly_imported_by(nxt) & modules))))
                elif nxt in on:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_no_import_cycles():
    grimp = pytest.importorskip("grimp", reason="grimp comes with import-linter (the test extra)")
    graph = grimp.build_graph("dsagen", cache_dir=None)
    modules = set(graph.modules)
    assert "dsagen.gen.pipeline" in modules and "dsagen.runtime.dispatch" in modules
    assert _cycles(graph, modules) == []


def test_the_cycle_check_can_fail():
    class Fake:
        edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

        def find_modules_directly_imported_by(self, m):
            return set(self.edges.get(m, ()))

    assert _cycles(Fake(), {"a", "b", "c", "d"}) == [["a", "b", "c"]]
