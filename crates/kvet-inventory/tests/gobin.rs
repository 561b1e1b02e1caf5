//! Go build info. The executables are ELF files built in memory with `object`'s writer, holding
//! a `.go.buildinfo` section laid out as Go ≥ 1.18 writes it (header, varint strings,
//! sentinels), so no multi-megabyte Go binary is committed; where a test says so, the module
//! information string is copied byte for byte from a real binary.

use kvet_inventory::{catalogue, gobin, Files};
use object::write::Object;
use object::{Architecture, BinaryFormat, Endianness, SectionKind};

const START: &[u8; 16] = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6";
const END: &[u8; 16] = b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2";

fn varint(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn elf_with_buildinfo(go: &str, modinfo: &str, flags: u8) -> Vec<u8> {
    let mut section = b"\xff Go buildinf:".to_vec();
    section.push(8);
    section.push(flags);
    section.resize(32, 0);
    varint(go.len(), &mut section);
    section.extend(go.as_bytes());
    let mut mi = START.to_vec();
    mi.extend(modinfo.as_bytes());
    mi.extend(END);
    varint(mi.len(), &mut section);
    section.extend(mi);
    let mut obj = Object::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little);
    let id = obj.add_section(
        Vec::new(),
        b".go.buildinfo".to_vec(),
        SectionKind::ReadOnlyData,
    );
    obj.append_section_data(id, &section, 16);
    obj.write().expect("elf")
}

const MODINFO: &str = "path\tgithub.com/example/app\nmod\tgithub.com/example/app\tv1.4.0\th1:abc=\ndep\tgolang.org/x/net\tv0.17.0\th1:def=\ndep\tgithub.com/opencontainers/runc\tv1.1.4\th1:ghi=\n=>\tgithub.com/opencontainers/runc\tv1.1.12\th1:jkl=\nbuild\tGOOS=linux\n";

#[test]
fn modules_and_stdlib() {
    let bin = elf_with_buildinfo("go1.21.3", MODINFO, 2);
    let info = gobin::read_buildinfo(&bin).expect("ok").expect("go binary");
    assert_eq!(info.go_version, "go1.21.3");
    let (pkgs, warnings) = gobin::parse_binary(&bin, "/usr/local/bin/app");
    assert!(warnings.is_empty());
    let got: Vec<(&str, &str, &str)> = pkgs
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "github.com/example/app",
                "v1.4.0",
                "pkg:golang/github.com/example/app@v1.4.0"
            ),
            (
                "golang.org/x/net",
                "v0.17.0",
                "pkg:golang/golang.org/x/net@v0.17.0"
            ),
            // The replacement wins.
            (
                "github.com/opencontainers/runc",
                "v1.1.12",
                "pkg:golang/github.com/opencontainers/runc@v1.1.12"
            ),
            ("stdlib", "v1.21.3", "pkg:golang/stdlib@v1.21.3"),
        ]
    );
}

#[test]
fn catalogue_reads_executables_only() {
    let mut files = Files::new();
    files.insert("/app".into(), elf_with_buildinfo("go1.22.0", MODINFO, 2));
    files.insert("/etc/hostname".into(), b"box\n".to_vec());
    let inv = catalogue(&files);
    assert_eq!(inv.packages.len(), 4);
    assert!(inv.packages.iter().all(|p| p.location == "/app"));
}

#[test]
fn old_format_and_damage_are_warnings() {
    let (pkgs, warnings) = gobin::parse_binary(&elf_with_buildinfo("go1.16", MODINFO, 0), "/old");
    assert!(pkgs.is_empty());
    assert!(
        warnings[0].message.contains("older than 1.18"),
        "{warnings:?}"
    );
    // Not a Go binary: nothing, quietly.
    let mut obj = Object::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little);
    obj.add_section(Vec::new(), b".text".to_vec(), SectionKind::Text);
    let plain = obj.write().expect("elf");
    assert_eq!(gobin::parse_binary(&plain, "/bin/true"), (vec![], vec![]));
    // Truncations never panic.
    let bin = elf_with_buildinfo("go1.21.3", MODINFO, 2);
    for cut in 0..bin.len() {
        let _ = gobin::parse_binary(&bin[..cut], "/cut");
    }
}

/// Build info of a real binary: `go build -ldflags "-X main.version=1.2.3"` of a one-file module
/// `example.com/app` (a git checkout) with Debian 12's golang-1.19-go 1.19.8-2; the module
/// information string copied byte for byte from its `.go.buildinfo` section.
const LDFLAGS_MODINFO: &str = "path\texample.com/app\nmod\texample.com/app\t(devel)\t\nbuild\t-compiler=gc\nbuild\t-ldflags=\"-X main.version=1.2.3\"\nbuild\tCGO_ENABLED=1\nbuild\tCGO_CFLAGS=\nbuild\tCGO_CPPFLAGS=\nbuild\tCGO_CXXFLAGS=\nbuild\tCGO_LDFLAGS=\nbuild\tGOARCH=amd64\nbuild\tGOOS=linux\nbuild\tGOAMD64=v1\nbuild\tvcs=git\nbuild\tvcs.revision=da3a069d88b4c2d12c5e0d1c81507905664a69fb\nbuild\tvcs.time=2026-11-23T18:12:25Z\nbuild\tvcs.modified=false\n";

#[test]
fn devel_main_module_takes_the_ldflags_version() {
    let bin = elf_with_buildinfo("go1.19.8", LDFLAGS_MODINFO, 2);
    let info = gobin::read_buildinfo(&bin).expect("ok").expect("go binary");
    assert!(info
        .settings
        .contains(&("-ldflags".to_owned(), "-X main.version=1.2.3".to_owned())));
    let (pkgs, _) = gobin::parse_binary(&bin, "/usr/local/bin/app");
    let got: Vec<(&str, &str)> = pkgs
        .iter()
        .map(|p| (p.name.as_str(), p.purl.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("example.com/app", "pkg:golang/example.com/app@v1.2.3"),
            ("stdlib", "pkg:golang/stdlib@v1.19.8"),
        ]
    );
    // The same build without the flag: `(devel)` with only VCS data stays unversioned, and is
    // left out (see `gobin::version_from_ldflags` for why no pseudo-version is made).
    let no_flags = LDFLAGS_MODINFO.replace("build\t-ldflags=\"-X main.version=1.2.3\"\n", "");
    let (pkgs, _) = gobin::parse_binary(
        &elf_with_buildinfo("go1.19.8", &no_flags, 2),
        "/usr/local/bin/app",
    );
    let names: Vec<&str> = pkgs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["stdlib"]);
}

#[test]
fn debian_runc_has_no_main_module_version() {
    // /usr/sbin/runc of Debian 12 runc 1.1.5+ds1-1+deb12u1 (the test image): dh-golang builds
    // in GOPATH mode, so the build info has `path` but no `mod`, no `dep` and no -ldflags.
    // Only the toolchain is reported; the package itself is the dpkg record.
    let modinfo = "path\tgithub.com/opencontainers/runc\nbuild\t-compiler=gc\nbuild\t-tags=seccomp,urfave_cli_no_docs\nbuild\t-trimpath=true\nbuild\tCGO_ENABLED=1\nbuild\tGOARCH=amd64\nbuild\tGOOS=linux\nbuild\tGOAMD64=v1\n";
    let bin = elf_with_buildinfo("go1.19.8", modinfo, 2);
    let info = gobin::read_buildinfo(&bin).expect("ok").expect("go binary");
    assert_eq!(info.path.as_deref(), Some("github.com/opencontainers/runc"));
    assert_eq!(info.main, None);
    let (pkgs, _) = gobin::parse_binary(&bin, "/usr/sbin/runc");
    let purls: Vec<&str> = pkgs.iter().map(|p| p.purl.as_str()).collect();
    assert_eq!(purls, ["pkg:golang/stdlib@v1.19.8"]);
}
