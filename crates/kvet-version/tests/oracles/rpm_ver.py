# Oracle: rpm's own comparison (python3-rpm). For each "a<TAB>b" line prints
# "<va><vb><rpm.ver order>\t<labelCompare order of (0, a, '') vs (0, b, '')>".
# rpm.ver parses [epoch:]version[-release] exactly as rpm does; labelCompare runs rpmvercmp.
import sys
import rpm

def sign(r):
    return "<" if r < 0 else ">" if r > 0 else "="

def parse(v):
    try:
        return rpm.ver(v)
    except ValueError:  # rpm refuses an empty version
        return None

for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    va, vb = parse(a), parse(b)
    if va is None or vb is None:
        order = "?"
    else:
        order = "<" if va < vb else ">" if va > vb else "="
    head = f"{int(va is not None)}{int(vb is not None)}{order}"
    try:
        lab = sign(rpm.labelCompare(("0", a, ""), ("0", b, "")))
    except ValueError:  # rpm refuses an empty version
        lab = "?"
    sys.stdout.write(head + "\t" + lab + "\n")
