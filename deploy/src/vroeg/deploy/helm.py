"""Helm, built once from the Go module proxy into the cache (`vroeg tools helm`).

No prebuilt binary can be downloaded here, so Helm is compiled with the machine's Go (Debian's
`golang-go` where none is installed; `./dev` installs it when root). v3.11.3 is the last Helm on
Kubernetes 1.26 libraries, which Debian bookworm's Go 1.19 builds (3.12 moved to 1.27, whose
go.mod asks for Go 1.20); Go 1.26 builds it as well. Measured on two cores: 75 s with Go 1.19,
123 s with Go 1.26 (several minutes when other work shares the cores); later calls find the
binary in `~/.cache/vroeg/helm-<version>/bin`.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from vroeg.deploy.servers import InfraError, cache_dir

HELM_VERSION = "v3.11.3"
_HELM_MODULE = "helm.sh/helm/v3"
# The oldest Go that builds HELM_VERSION with its locked dependencies (Kubernetes 1.26 libraries).
_MIN_GO = (1, 19)
# Where Go lives when it is not on PATH: the upstream tarball's place, then Debian's.
_GO_CANDIDATES = ("/usr/local/go/bin/go", "/usr/lib/go/bin/go", "/usr/lib/go-1.19/bin/go")


def helm_binary() -> Path:
    """The path of Helm, building it first if the cache does not have it yet.

    Several processes (pytest-xdist workers) may ask at once: a file lock lets one build while
    the others wait and then find the binary.
    """
    home = cache_dir() / f"helm-{HELM_VERSION}"
    binary = home / "bin" / "helm"
    if binary.exists():
        return binary
    home.mkdir(parents=True, exist_ok=True)
    with (home / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not binary.exists():
            _build(binary)
    return binary


def _build(binary: Path) -> None:
    go = _go()
    # A scratch GOPATH and build cache (about 1 GB), removed after: only the binary is kept.
    with tempfile.TemporaryDirectory(prefix="vroeg-helm-build-") as scratch:
        env = {
            **os.environ,
            "GOPATH": f"{scratch}/gopath",
            "GOCACHE": f"{scratch}/cache",
            "GOFLAGS": "-modcacherw",  # so the scratch module cache can be deleted
            "GOBIN": f"{scratch}/bin",
            "GOTOOLCHAIN": "local",  # never fetch another Go
            "CGO_ENABLED": "0",
        }
        version_flag = f"-X {_HELM_MODULE}/internal/version.version={HELM_VERSION}"
        result = subprocess.run(
            [
                go,
                "install",
                "-ldflags",
                f"-s -w {version_flag}",
                f"{_HELM_MODULE}/cmd/helm@{HELM_VERSION}",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise InfraError(
                f"could not build Helm {HELM_VERSION} with {go}:\n{result.stderr[-3000:]}"
            )
        binary.parent.mkdir(parents=True, exist_ok=True)
        # Moved into place whole: a reader never sees half a binary.
        staged = binary.with_suffix(".partial")
        shutil.copy2(Path(scratch) / "bin" / "helm", staged)
        staged.replace(binary)


def _go() -> str:
    """A Go new enough to build Helm; `InfraError` saying what to install otherwise."""
    found = [path for path in (shutil.which("go"), *_GO_CANDIDATES) if path and Path(path).exists()]
    for go in found:
        if _go_version(go) >= _MIN_GO:
            return go
    wanted = ".".join(map(str, _MIN_GO))
    raise InfraError(
        f"Helm is built from source and needs Go {wanted} or newer "
        f"(found: {', '.join(found) or 'none'}): install Debian's golang-go package"
    )


def _go_version(go: str) -> tuple[int, int]:
    output = subprocess.run([go, "version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"go(\d+)\.(\d+)", output)
    return (int(match[1]), int(match[2])) if match else (0, 0)
