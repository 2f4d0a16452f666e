"""`./dev mutate`: mutation testing of the rules, the legal calendar and the CloudEvents codec
with mutmut.

mutmut changes the code one small step at a time (an operator, a constant, a string, a dropped
argument, …) and runs the unit tests against each change (a "mutant"); a mutant the tests do
not notice survives. It works in a copy of the sources in a temporary folder, never in the
checkout. Prints the kill rate per file and names every survivor; exits 1 below 90 % overall.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIRED_RATE = 90.0
# mutmut's exit codes of a mutant's test run: a failing run (1, 3) or a run that never ends
# (timeouts: the mutant made the code loop) means the tests noticed; 0 means they did not.
KILLED = {1, 3, 24, -24, 36, 152, 255}
PYPROJECT = """\
[tool.pytest.ini_options]
asyncio_mode = "auto"
pythonpath = ["."]
addopts = "-p no:cacheprovider --import-mode=importlib"
testpaths = ["tests"]

[tool.mutmut]
source_paths = ["src"]
only_mutate = [{only}]
pytest_add_cli_args_test_selection = ["tests"]
"""


@dataclass(frozen=True)
class Outcome:
    """How the mutants of one file fared."""

    source: str
    killed: int
    total: int
    survivors: list[str]

    @property
    def rate(self) -> float:
        """Percentage of mutants killed."""
        return 100.0 * self.killed / self.total if self.total else 100.0


def targets() -> dict[str, Path]:
    """Every service's rules, the calendar and the CloudEvents codec: path in the copy → path
    here."""
    found = sorted(ROOT.glob("services/*/src/vroeg/*/rules.py"))
    found += [ROOT / f"shared/src/vroeg/shared/{name}.py" for name in ("calendar", "cloudevents")]
    return {f"src/vroeg/{p.parent.name}/{p.name}": p for p in found}


def lay_out(work: Path) -> None:
    """One `src/vroeg` tree of every package, with each service's rule tests and the calendar's
    and the codec's tests beside it, as mutmut expects a project to look."""
    ignore = shutil.ignore_patterns("__pycache__")
    for package in [ROOT / "shared/src/vroeg/shared", *ROOT.glob("services/*/src/vroeg/*")]:
        shutil.copytree(package, work / "src/vroeg" / package.name, ignore=ignore)
    shutil.copytree(ROOT / "tests/support", work / "tests/support", ignore=ignore)
    shutil.copy2(ROOT / "tests/__init__.py", work / "tests/__init__.py")
    for tests in ROOT.glob("services/*/tests/test_*rules.py"):
        (work / "tests" / tests.parts[-3]).mkdir(exist_ok=True)
        shutil.copy2(tests, work / "tests" / tests.parts[-3] / tests.name)
    (work / "tests/shared").mkdir()
    for name in ("test_calendar.py", "test_cloudevents.py"):
        shutil.copy2(ROOT / "shared/tests" / name, work / "tests/shared")
    only = ", ".join(f'"{path}"' for path in targets())
    (work / "pyproject.toml").write_text(PYPROJECT.format(only=only))


def outcomes(work: Path) -> list[Outcome]:
    """Read mutmut's results of each target from its state files in the copy."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    found = []
    for source, here in targets().items():
        meta = json.loads((work / "mutants" / f"{source}.meta").read_text())
        codes: dict[str, int | None] = meta["exit_code_by_key"]
        survivors = []
        for name, code in codes.items():
            if code in KILLED:
                continue
            diff = get_diff_for_mutant(name, path=Path(source)).splitlines()[2:]
            changed = " / ".join(line[1:].strip() for line in diff if line.startswith("+"))
            survivors.append(f"{name.rpartition('.')[2]} (exit {code}): {changed}")
        killed = sum(code in KILLED for code in codes.values())
        found.append(Outcome(str(here.relative_to(ROOT)), killed, len(codes), survivors))
    return found


def main() -> None:
    """Mutate every target, print the kill rates and survivors, fail below the required rate."""
    parser = argparse.ArgumentParser(prog="./dev mutate", description=__doc__)
    parser.add_argument("--max-children", type=int, default=2, help="test runs at once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vroeg-mutate-") as tmp:
        work = Path(tmp)
        lay_out(work)
        log = work / "mutmut.log"
        print(f"mutmut over {len(targets())} files (progress in {log}) ...", flush=True)
        with log.open("wb") as sink:
            run = subprocess.run(
                [
                    str(Path(sys.executable).parent / "mutmut"),
                    "run",
                    "--max-children",
                    str(args.max_children),
                ],
                cwd=work,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            )
        if run.returncode != 0:
            print(log.read_text(errors="replace")[-4000:])
            sys.exit(run.returncode)
        os.chdir(work)  # mutmut reads its state relative to the project
        try:
            results = outcomes(work)
        finally:
            os.chdir(ROOT)
    print(f"\n{'file':<48} {'killed':>9} {'rate':>7}")
    for outcome in results:
        print(f"{outcome.source:<48} {outcome.killed:>4}/{outcome.total:<4} {outcome.rate:6.1f}%")
    killed = sum(o.killed for o in results)
    total = sum(o.total for o in results)
    rate = 100.0 * killed / total if total else 100.0
    print(f"{'all':<48} {killed:>4}/{total:<4} {rate:6.1f}% (required {REQUIRED_RATE:.0f}%)")
    for outcome in results:
        for survivor in outcome.survivors:
            print(f"survived {outcome.source} {survivor}")
    sys.exit(0 if rate >= REQUIRED_RATE else 1)


if __name__ == "__main__":
    main()
