# Oracle: packaging.version.Version (sys.path[0] is the oracle directory holding `packaging`).
import sys
sys.path.insert(0, sys.argv[1])
from packaging.version import Version

def parse(s):
    try:
        return Version(s)
    except Exception:  # InvalidVersion, or ValueError beyond Python's int digit limit
        return None

for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    va, vb = parse(a), parse(b)
    if va is None or vb is None:
        c = "?"
    else:
        c = "<" if va < vb else ">" if va > vb else "="
    sys.stdout.write(f"{int(va is not None)}{int(vb is not None)}{c}\n")
