#!/usr/bin/env python3
"""Build a benchmark corpus of real-shaped Kubernetes resources.

The corpus replicates real manifests (by default the everyday, workload-shaped ones in
shared/testdata/manifests) at the text level: multi-document files are split on lines that are
exactly `---`, documents with top-level `apiVersion:`, `kind:` and a `metadata.name` are kept,
and copies are made by rewriting the top-level `metadata.name` value (suffix `-c<serial>`, unique
for each written resource). Nothing is parsed as YAML (stdlib only), so every copy keeps the
source text byte for byte apart from its name.

Output: <out>/dNNNN/fNNNNNN.yaml, --per-file resources a file, --files-per-dir files a folder, and
a marker file <out>/.kvet-corpus with the totals (the benchmark script reads it to decide whether
the corpus is up to date).

Examples:
  bench/make_corpus.py --out bench/corpus --resources 20000
  bench/make_corpus.py --out bench/corpus-100m --bytes 100M
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTDATA = REPO.parent / "shared" / "testdata" / "manifests"
if not TESTDATA.is_dir():  # /work/main/bench -> /work/shared also when the repo is elsewhere
    TESTDATA = Path("/work/shared/testdata/manifests")

# The everyday manifests; installs/ (giant CRD bundles) is left out on purpose.
DEFAULT_SOURCES = [
    "microservices-demo.yaml",
    "kubernetes-goat",
    "corpora",
    "examples",
]

MARKER = ".kvet-corpus"

TOP_KEY = re.compile(r"^([A-Za-z_][\w.-]*)\s*:")
KIND_LINE = re.compile(r"^kind:\s*['\"]?([A-Za-z0-9]+)['\"]?\s*(#.*)?$")
NAME_LINE = re.compile(r"^(\s+name:[ \t]+)(.*?)([ \t]+#.*)?$")


def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)(i?B)?\s*", text, re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (try 100M, 512K, 1G, 1048576)")
    mult = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}[m.group(2).upper()]
    return int(float(m.group(1)) * mult)


def iter_source_files(sources: list[Path]):
    for src in sources:
        if src.is_file():
            yield src
        elif src.is_dir():
            for root, dirs, files in os.walk(src):
                dirs.sort()
                for f in sorted(files):
                    if f.endswith((".yaml", ".yml")):
                        yield Path(root) / f
        else:
            print(f"make_corpus: no such source: {src}", file=sys.stderr)
            sys.exit(2)


SEPARATOR = re.compile(r"^---[ \t]*(#.*)?$")


def split_documents(text: str) -> list[list[str]]:
    """Split on `---` lines (trailing blanks, a comment or a CR after it are tolerated: real
    files have `--- ` lines)."""
    docs: list[list[str]] = [[]]
    for line in text.splitlines():
        if SEPARATOR.match(line.rstrip("\r")):
            docs.append([])
        else:
            docs[-1].append(line.rstrip("\r"))
    return docs


def is_content(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def find_name_line(lines: list[str]) -> int | None:
    """Index of the `name:` line directly under the top-level `metadata:` key, or None."""
    for i, line in enumerate(lines):
        if re.match(r"^metadata:\s*(#.*)?$", line):
            child_indent = None
            for j in range(i + 1, len(lines)):
                cur = lines[j]
                if not is_content(cur):
                    continue
                indent = len(cur) - len(cur.lstrip(" "))
                if indent == 0:
                    return None  # next top-level key: no name under metadata
                if child_indent is None:
                    child_indent = indent
                if indent == child_indent and NAME_LINE.match(cur) and cur.lstrip().startswith("name:"):
                    return j
            return None
    return None


class Doc:
    __slots__ = ("head", "tail", "name", "quote", "comment")

    def __init__(self, lines: list[str], idx: int):
        m = NAME_LINE.match(lines[idx])
        value = m.group(2)
        self.quote = ""
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            self.quote, value = value[0], value[1:-1]
        self.name = value
        self.comment = m.group(3) or ""
        self.head = "".join(l + "\n" for l in lines[:idx]) + m.group(1)
        self.tail = self.comment + "\n" + "".join(l + "\n" for l in lines[idx + 1 :])

    def render(self, serial: int) -> str:
        q = self.quote
        return f"{self.head}{q}{self.name}-c{serial}{q}{self.tail}"


def load_documents(sources: list[Path], include_crds: bool) -> tuple[list[Doc], dict[str, int]]:
    stats = {"files": 0, "skipped_encoding": 0, "skipped_template": 0, "docs": 0, "skipped_docs": 0}
    docs: list[Doc] = []
    for path in iter_source_files(sources):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            stats["skipped_encoding"] += 1
            continue
        if "{{" in text:
            stats["skipped_template"] += 1
            continue
        stats["files"] += 1
        for lines in split_documents(text):
            n_api = sum(1 for l in lines if l.startswith("apiVersion:"))
            if n_api != 1:  # none: not a resource; several: a separator we do not recognise
                if any(is_content(l) for l in lines):
                    stats["skipped_docs"] += 1
                continue
            kinds = [KIND_LINE.match(l) for l in lines if l.startswith("kind:")]
            kinds = [k.group(1) for k in kinds if k]
            if not kinds:
                stats["skipped_docs"] += 1
                continue
            kind = kinds[0]
            # Not resources a cluster would hold: kustomize configuration, lists, and (unless asked)
            # the large CRD schemas the benchmark is not about.
            if kind == "Kustomization" or kind.endswith("List") or (
                kind == "CustomResourceDefinition" and not include_crds
            ):
                stats["skipped_docs"] += 1
                continue
            idx = find_name_line(lines)
            if idx is None:
                stats["skipped_docs"] += 1
                continue
            doc = Doc(lines, idx)
            if not doc.name or any(c in doc.name for c in " {}[]&*!|>%@`"):
                stats["skipped_docs"] += 1
                continue
            docs.append(doc)
            stats["docs"] += 1
    return docs, stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sources", nargs="*", type=Path,
                    help=f"manifest files or folders (default: {', '.join(DEFAULT_SOURCES)} under {TESTDATA})")
    ap.add_argument("-o", "--out", type=Path, required=True, help="output folder")
    size = ap.add_mutually_exclusive_group()
    size.add_argument("-n", "--resources", type=int, default=None, help="resources to write (default 20000)")
    size.add_argument("--bytes", type=parse_size, default=None,
                      help="write until at least this much YAML (100M = 100 MiB); overrides --resources")
    ap.add_argument("--per-file", type=int, default=50, help="resources a file (default 50)")
    ap.add_argument("--files-per-dir", type=int, default=100, help="files a folder (default 100)")
    ap.add_argument("--include-crds", action="store_true", help="keep CustomResourceDefinition documents")
    ap.add_argument("--force", action="store_true", help="replace an existing corpus folder (made by this script)")
    args = ap.parse_args()

    if args.resources is None and args.bytes is None:
        args.resources = 20000
    if (args.resources is not None and args.resources < 1) or args.per_file < 1 or args.files_per_dir < 1:
        ap.error("counts must be positive")

    sources = args.sources or [TESTDATA / s for s in DEFAULT_SOURCES]
    docs, st = load_documents(sources, args.include_crds)
    if not docs:
        print("make_corpus: no usable documents in the sources", file=sys.stderr)
        return 1

    out: Path = args.out
    if out.exists():
        if not args.force:
            print(f"make_corpus: {out} exists (use --force to replace it)", file=sys.stderr)
            return 1
        if any(out.iterdir()) and not (out / MARKER).exists():
            print(f"make_corpus: refusing to delete {out}: it has no {MARKER} marker", file=sys.stderr)
            return 1
        shutil.rmtree(out)
    out.mkdir(parents=True)

    written = files = total_bytes = 0
    kinds: dict[str, int] = {}
    buf: list[str] = []
    buf_bytes = 0

    def done() -> bool:
        if args.bytes is not None:
            return total_bytes + buf_bytes >= args.bytes
        return written >= args.resources

    def flush() -> None:
        nonlocal files, total_bytes, buf, buf_bytes
        if not buf:
            return
        d = out / f"d{files // args.files_per_dir:04d}"
        d.mkdir(exist_ok=True)
        data = "---\n".join(buf).encode("utf-8")
        (d / f"f{files:06d}.yaml").write_bytes(data)
        files += 1
        total_bytes += len(data)
        buf, buf_bytes = [], 0

    i = 0
    while not done():
        text = docs[i % len(docs)].render(written)
        i += 1
        buf.append(text)
        buf_bytes += len(text.encode("utf-8")) + (4 if len(buf) > 1 else 0)
        written += 1
        if len(buf) >= args.per_file:
            flush()
    flush()

    (out / MARKER).write_text(
        f"resources={written}\nfiles={files}\nbytes={total_bytes}\n"
        f"source_documents={len(docs)}\nper_file={args.per_file}\n"
        f"target={'bytes=' + str(args.bytes) if args.bytes is not None else 'resources=' + str(args.resources)}\n"
    )
    print(
        f"make_corpus: {len(docs)} source documents from {st['files']} files "
        f"(skipped: {st['skipped_template']} Helm templates, {st['skipped_encoding']} non-UTF-8 files, "
        f"{st['skipped_docs']} documents without apiVersion/kind/metadata.name or not resources)"
    )
    print(
        f"make_corpus: wrote {written} resources in {files} files, "
        f"{total_bytes} bytes ({total_bytes / 1024**2:.1f} MiB) to {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
