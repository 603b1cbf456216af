"""CLI: help for every command, one-line errors with exit 2 that leave the trees untouched,
and the tune -> list -> show -> verify -> clean flow on the fake operator."""

import json

import pytest

from dsagen.cli import build_parser, main
from tests.fixtures.helpers import SMALL_SPEC, cli, make_home, snapshot, tune_args

COMMANDS = ["tune", "list", "show", "verify", "clean", "export-runtime", "specs"]


@pytest.mark.parametrize("cmd", COMMANDS)
def test_help_says_what_each_command_does(cmd, capsys):
    with pytest.raises(SystemExit) as ei:
        main([cmd, "--help"])
    assert ei.value.code == 0
    out = capsys.readouterr().out
    sub = build_parser()._subparsers._group_actions[0].choices[cmd]
    assert sub.description and sub.description.split()[0] in out


def test_specs_lists_the_builtins(capsys):
    assert main(["specs"]) == 0
    out = capsys.readouterr().out
    for name in ("deepseek-v3.2", "deepseek-v3.2-tp8", "dsa-small-k"):
        assert name in out


BAD = {
    "unknown_spec_key": (["tune", "--arch", "sm90", "--spec", "BADSPEC"], "topk.kk: unknown key"),
    "unknown_arch": (["tune", "--arch", "sm75", "--spec", str(SMALL_SPEC)], "--arch: unknown arch"),
    "missing_arch": (["tune", "--spec", str(SMALL_SPEC)], "--arch: required"),
    "unknown_op": (["tune", "--arch", "sm90", "--spec", str(SMALL_SPEC), "--ops", "nope"], "--ops: unknown operator"),
    "bad_jobs": (["tune", "--arch", "sm90", "--spec", str(SMALL_SPEC), "--ops", "fake_scale", "--jobs", "0"], "--jobs"),
    "empty_ops": (["tune", "--arch", "sm90", "--spec", str(SMALL_SPEC), "--ops", ""], "--ops: give operator names"),
    "address_without_ray": (["tune", "--arch", "sm90", "--spec", str(SMALL_SPEC), "--ops", "fake_scale", "--address",
                             "127.0.0.1:1"], "--address: only with --executor ray"),
    "verify_unknown_arch": (["verify", "--arch", "sm75"], "--arch: unknown arch"),
    "show_unknown": (["show", "nothing_here"], "no generated kernel named"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_errors_are_one_line_exit_2_and_touch_nothing(tmp_path, case, capsys, monkeypatch):
    home = make_home(tmp_path / "home")
    monkeypatch.setenv("DSAGEN_HOME", str(home))
    monkeypatch.setenv("DSAGEN_PLUGINS", "tests.fixtures.fake_plugin")
    bad_spec = tmp_path / "bad.toml"
    bad_spec.write_text(SMALL_SPEC.read_text().replace("k = 64", "k = 64\nkk = 1"))
    argv, expect = BAD[case]
    argv = [str(bad_spec) if a == "BADSPEC" else str(tmp_path / a) if a in ("NOFILE", "NODIR") else a for a in argv]
    before = snapshot(home)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dsagen: error: ") and expect in err, err
    assert "Traceback" not in err
    assert snapshot(home) == before


def test_bad_spec_in_a_subprocess_has_no_traceback(tmp_path):
    home = make_home(tmp_path / "home")
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL_SPEC.read_text().replace("d_qk = 576", "d_qk = 600"))
    before = snapshot(home)
    r = cli(home, "tune", "--arch", "sm90", "--spec", bad)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == (f"dsagen: error: {bad}: mla.d_qk: 600 is neither latent_dim + rope_dim = 512 + 64 "
                        f"(RoPE after the latent, V3.2) nor latent_dim 512 (RoPE inside the latent, key = value: "
                        f"DeepSeek-V4)\n")
    assert snapshot(home) == before


def test_tune_list_show_verify_clean(tmp_path):
    home = make_home(tmp_path / "home")
    r = cli(home, *tune_args())
    assert r.returncode == 0, r.stderr[-2000:]
    assert "NOT measured" in r.stdout and "build [" in r.stderr  # progress bar with time left
    assert "left" in r.stderr
    r = cli(home, "list")
    assert r.returncode == 0 and "fake_scale_h8_cols512" in r.stdout and "verified-cpu" in r.stdout
    recs = json.loads(cli(home, "list", "--json").stdout)
    assert len(recs) == 2
    for x in recs:
        assert set(x) == {"op", "arch", "backend", "name", "status", "registers", "smem_bytes", "spill_bytes",
                          "max_error", "device", "median_us"}
        assert x["status"] == "verified-cpu" and x["device"] == "cpu-interpreter" and x["median_us"] is None
    r = cli(home, "show", "fake_scale_h8_cols4096")
    shown = json.loads(r.stdout)
    assert shown["integrity"] == "ok" and shown["schedule"]["BLOCK_C"] in (32, 64, 128, 256, 4096)
    r = cli(home, "verify", "--arch", "sm90")
    assert r.returncode == 0 and r.stdout.count("ok   sm90/") == 2, r.stdout + r.stderr
    r = cli(home, "clean")
    assert r.returncode == 0 and "removed 2" in r.stdout
    assert json.loads(cli(home, "list", "--json").stdout) == []
    assert (home / "schedules" / "fake_scale" / "triton.toml").exists()
