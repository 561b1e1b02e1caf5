//! RPM header blobs: the "index + data store" structure every rpmdb backend stores per package.
//!
//! Layout (all integers big-endian, as written by rpm on every platform):
//!
//! ```text
//! il: u32   number of index entries
//! dl: u32   length of the data store
//! il × { tag: i32, type: u32, offset: i32, count: u32 }   (16 bytes each)
//! dl bytes of data; each entry's value starts at `offset` into it
//! ```
//!
//! The blobs in an rpmdb are "immutable regions": the first entry carries a region tag
//! (`HEADERIMMUTABLE` and friends) whose value is a 16-byte trailer entry with a negative offset
//! giving the size of the region's index. We validate that trailer and otherwise skip region
//! tags; entries outside the region ("dribbles", added after install) come later in the index
//! and override earlier ones, as rpm itself does.
//!
//! The blob is hostile input. The parser never allocates by a count read from the blob before
//! checking that the bytes for that many items are present, so the largest allocation is bounded
//! by the blob's size, and every offset is checked before it is used.

use crate::error::{header_err, Result};

/// rpm's own sanity limits (`hdrchkTags` / `hdrchkData` in rpm's header.c): more than this
/// many tags or data bytes is rejected before anything is allocated.
const MAX_INDEX_ENTRIES: usize = 0xffff;
const MAX_DATA_LEN: usize = 0x0fff_ffff;
const ENTRY_LEN: usize = 16;
/// Bounds on the file paths built from BASENAMES/DIRNAMES: at most this many times the data
/// store's size (real packages stay well under 10×), and never more than `MAX_FILES_BYTES`.
const MAX_FILES_EXPANSION: usize = 32;
const MAX_FILES_BYTES: usize = 256 << 20;

/// Tags kvet reads. Numbers come from rpm's `rpmtag.h`.
pub mod tag {
    pub const HEADER_IMAGE: u32 = 61;
    pub const HEADER_SIGNATURES: u32 = 62;
    pub const HEADER_IMMUTABLE: u32 = 63;
    pub const HEADER_REGIONS: u32 = 64;
    pub const NAME: u32 = 1000;
    pub const VERSION: u32 = 1001;
    pub const RELEASE: u32 = 1002;
    pub const EPOCH: u32 = 1003;
    pub const LICENSE: u32 = 1014;
    pub const ARCH: u32 = 1022;
    pub const OLDFILENAMES: u32 = 1027;
    pub const SOURCERPM: u32 = 1044;
    pub const DIRINDEXES: u32 = 1116;
    pub const BASENAMES: u32 = 1117;
    pub const DIRNAMES: u32 = 1118;
}

/// Value types of index entries (`rpmTagType`); NULL (0) and INT64 (5) are never read.
mod ty {
    pub const CHAR: u32 = 1;
    pub const INT8: u32 = 2;
    pub const INT16: u32 = 3;
    pub const INT32: u32 = 4;
    pub const STRING: u32 = 6;
    pub const BIN: u32 = 7;
    pub const STRING_ARRAY: u32 = 8;
    pub const I18NSTRING: u32 = 9;
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u32,
    ty: u32,
    offset: usize,
    count: usize,
}

/// A parsed header: the index, and a borrowed view of the data store.
#[derive(Debug)]
pub struct Header<'a> {
    entries: Vec<Entry>,
    data: &'a [u8],
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

impl<'a> Header<'a> {
    /// Parses a header blob as stored in an rpmdb (no leading magic/"intro").
    ///
    /// Trailing bytes after the data store are tolerated (BerkeleyDB and NDB round sizes up).
    pub fn parse(blob: &'a [u8]) -> Result<Self> {
        let (Some(il), Some(dl)) = (be_u32(blob, 0), be_u32(blob, 4)) else {
            return header_err(format!("{} bytes is too short for a header", blob.len()));
        };
        let (il, dl) = (il as usize, dl as usize);
        if il == 0 || il > MAX_INDEX_ENTRIES {
            return header_err(format!("index entry count {il} out of range"));
        }
        if dl > MAX_DATA_LEN {
            return header_err(format!("data length {dl} out of range"));
        }
        let index_end = 8 + il * ENTRY_LEN;
        let need = index_end + dl;
        if blob.len() < need {
            return header_err(format!(
                "header needs {need} bytes ({il} entries, {dl} data bytes) but has {}",
                blob.len()
            ));
        }
        let data = &blob[index_end..need];
        let mut entries = Vec::with_capacity(il);
        for i in 0..il {
            let at = 8 + i * ENTRY_LEN;
            let field = |k: usize| be_u32(blob, at + 4 * k).unwrap_or(0);
            let e = Entry {
                tag: field(0),
                ty: field(1),
                offset: field(2) as usize,
                count: field(3) as usize,
            };
            if e.ty > ty::I18NSTRING {
                return header_err(format!("tag {} has unknown type {}", e.tag, e.ty));
            }
            if e.offset > dl {
                return header_err(format!(
                    "tag {} offset {} past data end {dl}",
                    e.tag, e.offset
                ));
            }
            entries.push(e);
        }
        let header = Header { entries, data };
        header.check_region()?;
        Ok(header)
    }

    /// Validates the region trailer when the first entry is a region tag.
    fn check_region(&self) -> Result<()> {
        let Some(first) = self.entries.first() else {
            return Ok(());
        };
        if !is_region(first.tag) {
            return Ok(());
        }
        if first.ty != ty::BIN || first.count != ENTRY_LEN {
            return header_err("region tag is not a 16-byte binary trailer");
        }
        let Some(trailer) = self.data.get(first.offset..first.offset + ENTRY_LEN) else {
            return header_err("region trailer past data end");
        };
        let roff = be_u32(trailer, 8).unwrap_or(0) as i32;
        let ril = roff.checked_neg().unwrap_or(0);
        if ril <= 0 || ril % ENTRY_LEN as i32 != 0 || ril as usize / ENTRY_LEN > self.entries.len()
        {
            return header_err(format!("region trailer offset {roff} is invalid"));
        }
        Ok(())
    }

    /// The last index entry for `tag` (later entries override the region's, as in rpm).
    fn entry(&self, tag: u32) -> Option<Entry> {
        self.entries.iter().rev().find(|e| e.tag == tag).copied()
    }

    /// A STRING (or the first element of an I18NSTRING / STRING_ARRAY) value.
    pub fn string(&self, tag: u32) -> Result<Option<String>> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        match e.ty {
            ty::STRING | ty::I18NSTRING | ty::STRING_ARRAY => {
                let (s, _) = self.c_str(e.offset, tag)?;
                Ok(Some(s.to_owned()))
            }
            other => header_err(format!("tag {tag} has type {other}, expected a string")),
        }
    }

    /// A STRING_ARRAY value. `count` strings must all end inside the data store.
    pub fn strings(&self, tag: u32) -> Result<Vec<&'a str>> {
        let Some(e) = self.entry(tag) else {
            return Ok(Vec::new());
        };
        if !matches!(e.ty, ty::STRING_ARRAY | ty::I18NSTRING | ty::STRING) {
            return header_err(format!("tag {tag} has type {}, expected strings", e.ty));
        }
        // Each string takes at least its NUL byte: a larger count cannot be satisfied.
        if e.count > self.data.len() - e.offset {
            return header_err(format!(
                "tag {tag} claims {} strings in too few bytes",
                e.count
            ));
        }
        let mut out = Vec::with_capacity(e.count);
        let mut at = e.offset;
        for _ in 0..e.count {
            let (s, next) = self.c_str(at, tag)?;
            out.push(s);
            at = next;
        }
        Ok(out)
    }

    /// An INT32 array value (also accepts INT16/INT8/CHAR, widened).
    pub fn ints(&self, tag: u32) -> Result<Vec<u32>> {
        let Some(e) = self.entry(tag) else {
            return Ok(Vec::new());
        };
        let width = match e.ty {
            ty::CHAR | ty::INT8 => 1,
            ty::INT16 => 2,
            ty::INT32 => 4,
            other => return header_err(format!("tag {tag} has type {other}, expected integers")),
        };
        let bytes = e
            .count
            .checked_mul(width)
            .and_then(|n| self.data.get(e.offset..e.offset.checked_add(n)?));
        let Some(bytes) = bytes else {
            return header_err(format!("tag {tag}: {} integers run past data end", e.count));
        };
        Ok(bytes
            .chunks_exact(width)
            .map(|c| c.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
            .collect())
    }

    /// The first integer of a numeric tag.
    pub fn int(&self, tag: u32) -> Result<Option<u32>> {
        Ok(self.ints(tag)?.first().copied())
    }

    /// Every file path owned by the package: `DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`, or the
    /// pre-4.0 `OLDFILENAMES` list.
    pub fn files(&self) -> Result<Vec<String>> {
        let base = self.strings(tag::BASENAMES)?;
        if base.is_empty() {
            return Ok(self
                .strings(tag::OLDFILENAMES)?
                .into_iter()
                .map(str::to_owned)
                .collect());
        }
        let dirs = self.strings(tag::DIRNAMES)?;
        let idx = self.ints(tag::DIRINDEXES)?;
        if idx.len() != base.len() {
            return header_err(format!(
                "{} basenames but {} dir indexes",
                base.len(),
                idx.len()
            ));
        }
        // Paths are built by joining, so a hostile header could make one long dirname count
        // for a million files: cap the total bytes built relative to the blob.
        let limit = self
            .data
            .len()
            .saturating_mul(MAX_FILES_EXPANSION)
            .clamp(1 << 20, MAX_FILES_BYTES);
        let mut total = 0usize;
        let mut out = Vec::with_capacity(base.len());
        for (b, &i) in base.iter().zip(&idx) {
            // A file whose dir index is out of range is dropped rather than failing the
            // package: which package is installed matters more than a complete file list
            // (go-rpmdb's `blob.bin` has such an index and is otherwise a fine header).
            let Some(d) = dirs.get(i as usize) else {
                continue;
            };
            total += d.len() + b.len();
            if total > limit {
                return header_err(format!("file list exceeds {limit} bytes"));
            }
            out.push(format!("{d}{b}"));
        }
        Ok(out)
    }

    /// The NUL-terminated string at `at` and the offset just past its NUL.
    fn c_str(&self, at: usize, tag: u32) -> Result<(&'a str, usize)> {
        let data: &'a [u8] = self.data;
        let rest = data.get(at..).unwrap_or_default();
        let Some(len) = rest.iter().position(|&b| b == 0) else {
            return header_err(format!("tag {tag}: string is not terminated"));
        };
        match std::str::from_utf8(&rest[..len]) {
            Ok(s) => Ok((s, at + len + 1)),
            Err(_) => header_err(format!("tag {tag}: string is not UTF-8")),
        }
    }
}

fn is_region(tag: u32) -> bool {
    matches!(
        tag,
        tag::HEADER_IMAGE | tag::HEADER_SIGNATURES | tag::HEADER_IMMUTABLE | tag::HEADER_REGIONS
    )
}

/// The fields kvet keeps from one header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpmInfo {
    /// `NAME`.
    pub name: String,
    /// `EPOCH`, when set.
    pub epoch: Option<u32>,
    /// `VERSION`.
    pub version: String,
    /// `RELEASE`.
    pub release: String,
    /// `ARCH` (absent for `gpg-pubkey` pseudo-packages).
    pub arch: Option<String>,
    /// `SOURCERPM`, e.g. `util-linux-2.32.1-42.el8_8.src.rpm`.
    pub source_rpm: Option<String>,
    /// `LICENSE`.
    pub license: Option<String>,
    /// Owned files, absolute paths.
    pub files: Vec<String>,
}

/// Parses a header blob and extracts the package fields.
pub fn read_info(blob: &[u8]) -> Result<RpmInfo> {
    let h = Header::parse(blob)?;
    let Some(name) = h.string(tag::NAME)? else {
        return header_err("no NAME tag");
    };
    Ok(RpmInfo {
        name,
        epoch: h.int(tag::EPOCH)?,
        version: h.string(tag::VERSION)?.unwrap_or_default(),
        release: h.string(tag::RELEASE)?.unwrap_or_default(),
        arch: h.string(tag::ARCH)?,
        source_rpm: h.string(tag::SOURCERPM)?,
        license: h.string(tag::LICENSE)?,
        files: h.files()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a blob from (tag, type, offset, count) entries and a data store.
    fn blob(entries: &[(u32, u32, u32, u32)], data: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend((entries.len() as u32).to_be_bytes());
        b.extend((data.len() as u32).to_be_bytes());
        for &(t, y, o, c) in entries {
            for v in [t, y, o, c] {
                b.extend(v.to_be_bytes());
            }
        }
        b.extend(data);
        b
    }

    #[test]
    fn reads_strings_ints_and_files() {
        let mut data = b"bash\0/usr/bin/\0/etc/\0sh\0bashrc\0\0".to_vec();
        assert_eq!(data.len(), 32);
        for v in [0u32, 1, 7] {
            data.extend(v.to_be_bytes());
        }
        let b = blob(
            &[
                (tag::NAME, ty::STRING, 0, 1),
                (tag::DIRNAMES, ty::STRING_ARRAY, 5, 2),
                (tag::BASENAMES, ty::STRING_ARRAY, 21, 2),
                (tag::DIRINDEXES, ty::INT32, 32, 2),
                (tag::EPOCH, ty::INT32, 40, 1),
            ],
            &data,
        );
        let info = read_info(&b).expect("valid");
        assert_eq!(info.name, "bash");
        assert_eq!(info.epoch, Some(7));
        assert_eq!(info.files, ["/usr/bin/sh", "/etc/bashrc"]);
    }

    #[test]
    fn rejects_hostile_counts_and_offsets() {
        // Huge index count.
        let mut b = blob(&[(tag::NAME, ty::STRING, 0, 1)], b"x\0");
        b[0..4].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
        assert!(Header::parse(&b).is_err());
        // Offset past the data store.
        let b = blob(&[(tag::NAME, ty::STRING, 99, 1)], b"x\0");
        assert!(Header::parse(&b).is_err());
        // A string array whose count exceeds the bytes present.
        let b = blob(
            &[(tag::BASENAMES, ty::STRING_ARRAY, 0, 0x7fff_ffff)],
            b"x\0",
        );
        let h = Header::parse(&b).expect("index is fine");
        assert!(h.strings(tag::BASENAMES).is_err());
        // Integers running past the end.
        let b = blob(&[(tag::DIRINDEXES, ty::INT32, 0, 0x4000_0000)], b"abcd");
        let h = Header::parse(&b).expect("index is fine");
        assert!(h.ints(tag::DIRINDEXES).is_err());
        // Unterminated string.
        let b = blob(&[(tag::NAME, ty::STRING, 0, 1)], b"xyz");
        assert!(read_info(&b).is_err());
        // Dir index out of range: the file is dropped, the package kept.
        let b = blob(
            &[
                (tag::NAME, ty::STRING, 0, 1),
                (tag::BASENAMES, ty::STRING_ARRAY, 2, 1),
                (tag::DIRNAMES, ty::STRING_ARRAY, 4, 1),
                (tag::DIRINDEXES, ty::INT32, 8, 1),
            ],
            b"n\0b\0/d/\0\0\0\0\x05",
        );
        assert_eq!(
            read_info(&b).expect("package kept").files,
            Vec::<String>::new()
        );
        // One long dirname shared by many empty basenames: refused before gigabytes are built.
        let mut data = vec![b'd'; 100_000];
        data.push(0);
        let names_at = data.len() as u32;
        data.extend(std::iter::repeat_n(0u8, 60_000));
        let idx_at = data.len() as u32;
        data.extend(std::iter::repeat_n(0u8, 240_000));
        data.extend(b"n\0");
        let b = blob(
            &[
                (tag::NAME, ty::STRING, idx_at + 240_000, 1),
                (tag::DIRNAMES, ty::STRING_ARRAY, 0, 1),
                (tag::BASENAMES, ty::STRING_ARRAY, names_at, 60_000),
                (tag::DIRINDEXES, ty::INT32, idx_at, 60_000),
            ],
            &data,
        );
        let e = read_info(&b).expect_err("expansion refused");
        assert!(e.to_string().contains("file list exceeds"), "{e}");
        // Truncated.
        assert!(Header::parse(&[0, 0, 0]).is_err());
    }
}
