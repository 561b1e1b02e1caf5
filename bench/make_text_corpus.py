#!/usr/bin/env python3
"""Build a corpus of mixed real text for the secret-scanning benchmark (`kvet fs`).

Sources (read-only, stdlib only): text files under /usr/share/doc (Debian package
documentation: READMEs, changelogs, HTML manuals, examples), the shared Kubernetes manifests
and Dockerfiles (../shared/testdata). Files with a NUL byte in their first 8 KiB are not
used. Output files are concatenations of whole source files, 64 KiB to 1 MiB each, 500 a
folder, until --bytes is reached; every 200th output file gets one fake credential (a random
GitHub token and a fake AWS key pair on their own lines) appended, so the run also exercises
the regex path. The totals go to <out>/.kvet-corpus.

  bench/make_text_corpus.py --out bench/corpus-text --bytes 600M
"""

from __future__ import annotations

import argparse
import os
import random
import string
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = [Path("/usr/share/doc"), REPO.parent / "shared" / "testdata" / "manifests",
           REPO.parent / "shared" / "testdata" / "dockerfiles"]


def size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)


def sources() -> list[bytes]:
    out = []
    for root in SOURCES:
        for dirpath, _, files in os.walk(root):
            for f in files:
                p = Path(dirpath) / f
                try:
                    if p.is_symlink() or p.stat().st_size > 4 << 20:
                        continue
                    b = p.read_bytes()
                except OSError:
                    continue
                if b and b"\0" not in b[:8192] and not f.endswith((".gz", ".bz2", ".xz")):
                    out.append(b)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--bytes", default="600M")
    ap.add_argument("--seed", type=int, default=6)
    a = ap.parse_args()
    target = size(a.bytes)
    rnd = random.Random(a.seed)
    texts = sources()
    if not texts:
        print("no source text found", file=sys.stderr)
        return 1
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    total = files = secrets = 0
    alnum = string.ascii_letters + string.digits
    while total < target:
        want = rnd.randint(64 << 10, 1 << 20)
        chunks, n = [], 0
        while n < want:
            t = rnd.choice(texts)
            chunks.append(t)
            n += len(t)
        if files % 200 == 0:
            key = "ghp_" + "".join(rnd.choice(alnum) for _ in range(36))
            akia = "AKIA" + "".join(rnd.choice(string.ascii_uppercase + "234567") for _ in range(16))
            chunks.append(f"\nGITHUB_TOKEN={key}\naws_access_key_id = {akia}\n".encode())
            secrets += 2
        d = out / f"d{files // 500:04d}"
        d.mkdir(exist_ok=True)
        data = b"".join(chunks)
        (d / f"f{files:06d}.txt").write_bytes(data)
        total += len(data)
        files += 1
    (out / ".kvet-corpus").write_text(f"files={files}\nbytes={total}\nsecrets={secrets}\n")
    print(f"{files} files, {total / (1 << 20):.0f} MiB, {secrets} planted secrets in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
