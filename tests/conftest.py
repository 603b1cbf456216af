import os

import torch

# Kernels run on CPU tensors through Triton's interpreter on machines without a GPU; it must be
# switched on before anything imports triton (dsagen.runtime.triton_env does the same).
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")


import pytest  # noqa: E402


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns the group marks into node ids
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`-n`, with `--dist loadgroup`) every test that needs the shared TileLang
    prebuild runs on one worker, so the session fixture below compiles each kernel once, not once
    per worker; so do the tests of tests/test_packaging.py's `wheel` fixture (setuptools builds in
    the source tree's build/: two workers building at once broke each other's wheel)."""
    groups = {"tilelang_prebuilt": "tilelang", "wheel": "wheel"}
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            if fixture in groups:
                item.add_marker(pytest.mark.xdist_group(groups[fixture]))


@pytest.fixture(scope="session")
def tilelang_prebuilt(request, tmp_path_factory):
    """The TileLang kernels this session's collected tests compile, two at a time, once (no-op
    without tilelang and nvcc): the committed kernels of generated/ when the recompile check is
    collected, and each collected per-template module's shapes (tests/fixtures/tilelang_builds)."""
    from tests.fixtures.tilelang_builds import TEST_MODULE, TEST_VARIANTS, build_many, committed_requests

    mods = {item.module.__name__.rsplit(".", 1)[-1] for item in request.session.items if item.module}
    everything = committed_requests() + TEST_VARIANTS
    want = [r for r in everything if TEST_MODULE.get(r[0]) in mods and r[3] == "sm_90a"]
    if "test_generated_tilelang" in mods:
        want += committed_requests()
    build_many(want, tmp_path_factory.mktemp("tilelang"))
