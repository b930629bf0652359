"""Generates the Python stubs of ``protos/connectd/v1`` into ``connectd/v1``: ``python protos/generate.py``.

The proto package ``connectd.v1`` maps to the import package ``connectd.v1``, so the generated code
imports itself (``from connectd.v1 import common_pb2``) with no rewriting. ``connectd.v1`` is a leaf:
the runtime core never imports it (``tests/unit/test_protos.py`` checks both that and staleness).

``--check`` regenerates into a temporary directory and exits 1 if any committed stub differs, which
is how CI proves the stubs are current. The pinned ``grpcio-tools`` (test extra) makes the output
reproducible.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

PROTO_ROOT = Path(__file__).resolve().parent
REPO_ROOT = PROTO_ROOT.parent
PACKAGE = Path("connectd") / "v1"
OUTPUT = REPO_ROOT / PACKAGE
INIT_TEXT = '"""Generated gRPC stubs of protos/connectd/v1 (python protos/generate.py). Do not edit."""\n'


def proto_files() -> list[Path]:
    return sorted((PROTO_ROOT / PACKAGE).glob("*.proto"))


def generate(out_root: Path) -> list[Path]:
    """Writes the stubs under ``out_root/connectd/v1``; returns the files written, relative to it."""
    target = out_root / PACKAGE
    target.mkdir(parents=True, exist_ok=True)
    well_known = Path(protoc.__file__).resolve().parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"--proto_path={PROTO_ROOT}",
        f"--proto_path={well_known}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        *(str(p.relative_to(PROTO_ROOT)) for p in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed; see the messages above")
    (target / "__init__.py").write_text(INIT_TEXT)
    return sorted(p.relative_to(out_root / PACKAGE) for p in target.iterdir() if p.is_file())


def check() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(Path(tmp))
        committed = (
            sorted(
                p.relative_to(OUTPUT) for p in OUTPUT.iterdir() if p.is_file() and p.suffix in {".py", ".pyi"}
            )
            if OUTPUT.is_dir()
            else []
        )
        stale = [
            str(name)
            for name in sorted(set(fresh) | set(committed))
            if name not in fresh
            or name not in committed
            or not filecmp.cmp(Path(tmp) / PACKAGE / name, OUTPUT / name, shallow=False)
        ]
    if stale:
        print(
            f"generated stubs are stale ({', '.join(stale)}); run: python protos/generate.py",
            file=sys.stderr,
        )
        return 1
    print(f"stubs in {PACKAGE} are current ({len(fresh)} files)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed stubs are stale")
    args = parser.parse_args(argv)
    if args.check:
        return check()
    with tempfile.TemporaryDirectory() as tmp:
        written = generate(Path(tmp))
        if OUTPUT.is_dir():
            shutil.rmtree(OUTPUT)
        shutil.copytree(Path(tmp) / PACKAGE, OUTPUT)
    print(f"wrote {len(written)} files to {PACKAGE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
