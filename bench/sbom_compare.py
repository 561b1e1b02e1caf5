"""Compares a `kvet sbom -f json` document with a Syft JSON document of the same image: packages
per ecosystem, the overlap by (ecosystem, name, version), and each package only one tool found.

Usage: sbom_compare.py KVET.json SYFT.json [LABEL]  (called by bench/sbom_bench.sh)

Names are compared as each ecosystem spells them: Maven by artifactId (kvet says
group:artifact, Syft artifact), Go's toolchain version without its `go`/`v` prefix, Python
names PEP 503-normalised. The rpm version is epoch:version-release in both.
"""
import json
import sys
from collections import defaultdict

KIND = {"deb": "deb", "rpm": "rpm", "apk": "apk", "maven": "java", "golang": "go", "pypi": "python",
        "npm": "npm", "cargo": "rust", "gem": "ruby", "composer": "php", "nuget": "dotnet"}
STYPE = {"deb": "deb", "rpm": "rpm", "apk": "apk", "java-archive": "java", "go-module": "go",
         "python": "python", "npm": "npm", "rust-crate": "rust", "gem": "ruby", "php-composer": "php",
         "dotnet": "dotnet"}


def norm(eco, name, version):
    if eco == "java":
        name = name.split(":")[-1]          # kvet: group:artifact; Syft: artifact
    if eco == "go" and name == "stdlib":
        version = version.lstrip("gov")     # go1.19.8 / v1.19.8
    if eco == "python":
        name = name.lower().replace("_", "-")
    return (eco, name, version)


def main():
    kvet, syft = (json.load(open(p)) for p in sys.argv[1:3])
    label = sys.argv[3] if len(sys.argv) > 3 else ""
    k, s = defaultdict(set), defaultdict(set)
    for p in kvet["packages"]:
        eco = KIND.get(p["purl"].split(":")[1].split("/")[0])
        if eco:
            k[eco].add(norm(eco, p["name"], p["full_version"]))
    for a in syft["artifacts"]:
        eco = STYPE.get(a["type"])
        if eco:
            s[eco].add(norm(eco, a["name"], a["version"]))
    print(f"{label}\n{'ecosystem':10} {'kvet':>6} {'syft':>6} {'both':>6} {'agreement':>10}")
    for eco in sorted(set(k) | set(s)):
        both = k[eco] & s[eco]
        union = k[eco] | s[eco]
        print(f"{eco:10} {len(k[eco]):6} {len(s[eco]):6} {len(both):6} "
              f"{100 * len(both) / max(1, len(union)):9.1f}%")
        for x in sorted(k[eco] - s[eco]):
            print(f"    only kvet: {x[1]} {x[2]}")
        for x in sorted(s[eco] - k[eco]):
            print(f"    only syft: {x[1]} {x[2]}")


if __name__ == "__main__":
    main()
