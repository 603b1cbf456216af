"""Where the pipeline's build and run steps execute: local worker processes, or a Ray cluster.

An executor maps a picklable function over a list of task dicts and returns the results in
order, calling `progress()` as each finishes. A task may name the arch it must run on
(`task["needs_arch"]`, for runs timed on a GPU); the local executor runs everything here, the
Ray executor places such a task on a node that offers the Ray resource `arch_<name>` (start
GPU nodes with `ray start ... --resources '{"arch_sm90": 1}'`).

Local workers are spawned processes (one process cannot mix Triton's interpreter and compiler,
and tilelang stays out of the tune process). A worker that dies fails only its own task: the
tasks still pending are resubmitted to a fresh pool. Workers exit with their parent, so a killed
`tune` leaves none behind: on Linux the kernel kills them when it dies (PR_SET_PDEATHSIG), and
everywhere a thread polls the parent once a second (that thread waits for the GIL, which a long
Triton or MLIR compile may hold for many seconds, so it alone let a worker outlive a killed tune
and keep its staging folder alive).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from dsagen.errors import UsageError


def _watch_parent(ppid: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != ppid:
            os._exit(3)


def _die_with_parent(ppid: int) -> None:
    """Ask Linux to SIGKILL this worker when its parent dies (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - no prctl: the polling thread remains
        return
    if os.getppid() != ppid:  # the parent died before the request took effect
        os._exit(3)


def _worker_init(env: dict, ppid: int) -> None:
    _die_with_parent(ppid)
    for k, v in env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    if "triton" in sys.modules:  # pragma: no cover - spawn gives a fresh interpreter
        raise RuntimeError("triton already imported in a dsagen worker")
    threading.Thread(target=_watch_parent, args=(ppid,), daemon=True).start()


class LocalExecutor:
    name = "local"

    def __init__(self, jobs: int = 2):
        if jobs < 1:
            raise UsageError(f"--jobs: must be at least 1, got {jobs}")
        self.jobs = jobs

    def map(self, fn, tasks: list, env: dict | None = None, progress=None) -> list:
        """fn(task) for every task in spawned workers whose environment gets `env` (None removes)."""
        results = [None] * len(tasks)
        pending = list(range(len(tasks)))
        ctx = multiprocessing.get_context("spawn")
        env = dict(env or {})
        while pending:
            broken = False
            with ProcessPoolExecutor(max_workers=max(1, min(self.jobs, len(pending))), mp_context=ctx,
                                     initializer=_worker_init, initargs=(env, os.getpid())) as pool:
                futs = {pool.submit(fn, tasks[i]): i for i in pending}
                done = []
                for f in as_completed(futs):
                    i = futs[f]
                    try:
                        results[i] = f.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    except Exception as e:  # noqa: BLE001 - a failed task is data, not a crash
                        results[i] = {"error": f"{type(e).__name__}: {e}"[:500]}
                    done.append(i)
                    if progress is not None:
                        progress()
            left = [i for i in pending if i not in done]
            if broken and len(left) == 1:  # the task that killed its worker: fail it alone
                results[left[0]] = {"error": "worker died (crash or out of memory) running this task"}
                if progress is not None:
                    progress()
                left = []
            elif broken:  # rerun the rest one at a time so only the culprit fails
                for i in left:
                    results[i] = LocalExecutor(1).map(fn, [tasks[i]], env)[0]
                    if progress is not None:
                        progress()
                left = []
            pending = left
        return results


class RayExecutor:
    """Tasks as Ray remote calls (`pip install dsagen[ray]`); address None starts a local cluster."""

    name = "ray"

    def __init__(self, address: str | None = None, num_cpus: int | None = None):
        try:
            import ray
        except ImportError:
            raise UsageError("--executor ray: ray is not installed (pip install 'dsagen[ray]')") from None
        self.ray = ray
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        if not ray.is_initialized():
            kw = {"include_dashboard": False, "log_to_driver": False}
            try:
                if address:
                    ray.init(address=address, **kw)
                else:
                    ray.init(num_cpus=num_cpus, **kw)
            except Exception as e:  # noqa: BLE001
                raise UsageError(f"--address: cannot connect to a Ray cluster at {address!r} ({e})") from None

    def map(self, fn, tasks: list, env: dict | None = None, progress=None) -> list:
        ray = self.ray
        need = sorted({t["needs_arch"] for t in tasks if t.get("needs_arch")})
        have = ray.cluster_resources()
        missing = [a for a in need if have.get(f"arch_{a}", 0) <= 0]
        if missing:  # Ray would wait for such a node forever
            raise UsageError(f"--executor ray: no node offers the resource arch_{missing[0]} (start one with "
                             f"ray start ... --resources '{{\"arch_{missing[0]}\": 1}}')")
        path = os.pathsep.join(p or os.getcwd() for p in sys.path)
        fwd = {k: v for k, v in os.environ.items() if k.startswith("DSAGEN_")}
        runtime_env = {"env_vars": dict(fwd, PYTHONPATH=path, RAY_USAGE_STATS_ENABLED="0")}
        remote = ray.remote(_ray_call)
        refs = []
        for t in tasks:
            opts = {"runtime_env": runtime_env, "max_retries": 0, "num_cpus": 1}
            if t.get("needs_arch"):
                opts["resources"] = {f"arch_{t['needs_arch']}": 1}
            refs.append(remote.options(**opts).remote(fn, t, dict(env or {})))
        index = {r: i for i, r in enumerate(refs)}
        results = [None] * len(tasks)
        left = list(refs)
        while left:
            ready, left = ray.wait(left, num_returns=1)
            for r in ready:
                try:
                    results[index[r]] = ray.get(r)
                except Exception as e:  # noqa: BLE001 - a failed task is data
                    results[index[r]] = {"error": f"ray task failed: {type(e).__name__}: {str(e)[:300]}"}
                if progress is not None:
                    progress()
        return results


def _ray_call(fn, task, env):
    # A Ray worker process lives on between tasks, and one process cannot mix Triton's interpreter
    # and compiler: each task runs in a fresh child with its own environment, as it does locally.
    return LocalExecutor(1).map(fn, [task], env)[0]


def make_executor(name: str = "local", jobs: int = 2, address: str | None = None):
    if name == "local":
        if address:
            raise UsageError("--address: only with --executor ray")
        return LocalExecutor(jobs)
    if name == "ray":
        return RayExecutor(address, num_cpus=None if address else jobs)
    raise UsageError(f"--executor: unknown executor {name!r} (expected local or ray)")
