# Oracle: APT's Debian version comparison (python3-apt), the batch form of
# `dpkg --compare-versions`. Reads "a<TAB>b" lines, prints "11" + one of < = >.
import sys
import apt_pkg

apt_pkg.init_system()
out = sys.stdout
for line in sys.stdin.buffer:
    a, b = line.rstrip(b"\n").split(b"\t")
    r = apt_pkg.version_compare(a.decode("utf-8", "surrogateescape"), b.decode("utf-8", "surrogateescape"))
    out.write("11" + ("<" if r < 0 else ">" if r > 0 else "=") + "\n")
