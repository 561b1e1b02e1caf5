// Oracle: golang.org/x/mod/semver. A missing "v" prefix is added, as kvet does for OSV's Go
// ecosystem (which writes versions without it).
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func withV(s string) string {
	if strings.HasPrefix(s, "v") {
		return s
	}
	return "v" + s
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	b2i := map[bool]int{false: 0, true: 1}
	for in.Scan() {
		parts := strings.SplitN(in.Text(), "\t", 2)
		a, b := withV(parts[0]), withV(parts[1])
		c := "="
		switch semver.Compare(a, b) {
		case -1:
			c = "<"
		case 1:
			c = ">"
		}
		fmt.Fprintf(out, "%d%d%s\n", b2i[semver.IsValid(a)], b2i[semver.IsValid(b)], c)
	}
}
