"""A fuzz test of everything that reads generated/manifest.json (the one file dsagen reads back
that a person or a crash could have broken): a valid manifest, mutated field by field with
random JSON, is either refused whole (CorruptManifest, one line) or every reader copes with it:
the runtime's lookup returns an entry or None, the integrity check returns a reason or None, the
CLI's list and show print or say one line; none raises anything else, and no entry that points
outside the cache is ever used."""

import json
import shutil
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsagen import cli
from dsagen.errors import DsagenError
from dsagen.operators import registry
from dsagen.runtime import manifest, paths
from dsagen.runtime.manifest_schema import ENTRY

REPO = Path(__file__).resolve().parent.parent
DELETE = object()


def _base_entry():
    """One committed Triton entry of the repository's manifest (its kernel file copied beside)."""
    data = json.loads((REPO / "generated" / "manifest.json").read_text())
    for e in data["kernels"].values():
        if e["backend"] == "triton" and e["op"] == "topk":
            return e
    pytest.skip("generated/ holds no Triton topk kernel to start from")


@pytest.fixture(scope="module")
def gen_root(tmp_path_factory):
    e = _base_entry()
    root = tmp_path_factory.mktemp("fuzz") / "generated"
    (root / e["path"]).parent.mkdir(parents=True)
    shutil.copy(REPO / "generated" / e["path"], root / e["path"])
    (root / "outside.py").write_text("raise SystemExit('an entry outside its folder was loaded')\n")
    mp = pytest.MonkeyPatch()
    mp.setenv("DSAGEN_GENERATED", str(root))
    yield root, e
    mp.undo()
    manifest.forget()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)
FIELDS = sorted(ENTRY["properties"]) + ["extra_field"]
NESTED = [("bucket", "lo"), ("bucket", "hi"), ("bucket", "key"), ("problem", "k"), ("problem", "row_len"),
          ("kernels", 0, "path"), ("kernels", 0, "lib"), ("verification", "passed"), ("timing", "median_us")]
PATHS = st.sampled_from(["../../outside.py", "/etc/passwd", "outside.py", "sm90/topk/x/../../../outside.py", "",
                         "sm90\\topk\\kernel.py"])


def _set(entry, where, value):
    """entry[where[0]][where[1]]... = value (DELETE removes it), making the containers on the way."""
    obj = entry
    for k, nxt in zip(where[:-1], where[1:]):
        child = obj[k] if isinstance(obj, list) else obj.get(k)
        if not isinstance(child, (dict, list)) or (isinstance(child, list) and not child):
            child = [{}] if isinstance(nxt, int) else {}
            obj[k] = child
        if isinstance(child, list) and not isinstance(child[0], dict):
            child[0] = {}
        obj = child
    if not isinstance(obj, dict):
        return
    if value is DELETE:
        obj.pop(where[-1], None)
    else:
        obj[where[-1]] = value


MUTATION = st.one_of(
    st.tuples(st.sampled_from(FIELDS).map(lambda f: (f,)), st.one_of(st.just(DELETE), JSON)),
    st.tuples(st.sampled_from(NESTED), st.one_of(st.just(DELETE), JSON)),
    st.tuples(st.sampled_from([("path",), ("kernels", 0, "path"), ("lib",)]), PATHS),
)


def _readers_cope(root, capsys):
    manifest.forget()
    try:
        data = manifest.read_manifest(root)
    except manifest.CorruptManifest as e:
        assert "\n" not in str(e)
        data = None
    if data is not None:
        for e in data["kernels"].values():
            bad = manifest.check_entry(e, root)
            assert bad is None or isinstance(bad, str)
            if bad is None:   # every file it names is inside the cache and matches its hash
                for rel, _ in manifest.entry_files(e):
                    assert manifest.inside(root, rel) is not None
    op = registry()["topk"]
    for problem in (None, {"k": 2048, "rows": 4, "row_len": 32768}, {"k": 7}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # a refused kernel warns once; that is expected here
            hit = manifest.find_entry(op, "sm90", "triton", problem)
        assert hit is None or (isinstance(hit, tuple) and manifest.inside(root, hit[0]["path"]) is not None)
    for argv in (["list"], ["list", "--json"], ["show", "topk_k2048_len32768"]):
        try:
            rc = cli.main(argv)
        except DsagenError:
            raise AssertionError(f"{argv}: a DsagenError escaped main()")
        assert rc in (0, 2)
    capsys.readouterr()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(MUTATION, min_size=1, max_size=3))
def test_mutated_manifest_is_refused_or_read_safely(gen_root, capsys, mutations):
    root, base = gen_root
    entry = json.loads(json.dumps(base))
    for where, value in mutations:
        _set(entry, where, value)
    data = {"format": 2, "kernels": {f"{base['arch']}/{base['op']}/{base['name']}": entry}}
    (root / "manifest.json").write_text(json.dumps(data))
    _readers_cope(root, capsys)


@pytest.mark.parametrize("text", ["", "{", "[]", "null", '{"format": 2}', '{"format": 1, "kernels": {}}',
                                  '{"format": 2, "kernels": []}', '{"format": 2, "kernels": {"a": 5}}',
                                  "\ufeff{}", '{"format": 2, "kernels": {}, "x": ' + "[" * 5000 + "]" * 5000 + "}"],
                         ids=["empty", "truncated", "list", "null", "no_kernels", "old_format", "kernels_list",
                              "entry_int", "bom", "deep"])
def test_broken_manifest_files(gen_root, capsys, text):
    root, _ = gen_root
    (root / "manifest.json").write_text(text)
    _readers_cope(root, capsys)


def test_the_unmutated_entry_is_used(gen_root, capsys):
    """The fuzz starts from a manifest the readers accept (so refusals above are the mutations')."""
    root, base = gen_root
    (root / "manifest.json").write_text(json.dumps({"format": 2, "kernels": {"k": base}}))
    manifest.forget()
    assert manifest.check_entry(manifest.read_manifest(root)["kernels"]["k"], root) is None
    assert manifest.find_entry(registry()["topk"], base["arch"], "triton", None) is not None
    assert paths.generated_dir() == root
