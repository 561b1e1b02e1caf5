//! NDB (`Packages.db`), rpm's own package store used by SUSE since SLE 15 / openSUSE 2021.
//!
//! Layout (little-endian on every platform we know of; a big-endian file is read too):
//!
//! * A 32-byte file header: magic `RpmP`, version (0), generation, number of 4 KiB pages used
//!   by the slot table, next package index.
//! * The slot table fills those pages, in 16-byte slots (the header occupies the first two):
//!   magic `Slot`, package index (0 = free slot), block offset, block count. Blocks are 16 bytes.
//! * A blob at `block offset × 16` starts with a 16-byte head: magic `BlbS`, package index,
//!   generation, blob length; then the header blob itself. (A tail with a checksum and `BlbE`
//!   closes the block run; it is not needed to read the blob and is not checked.)
//!
//! Every slot and blob is bounds-checked; a slot whose blob does not carry the same package
//! index is rejected.

use crate::error::{Error, Result};

const HEADER_LEN: usize = 32;
const SLOT_LEN: usize = 16;
const SLOT_PAGE: usize = 4096;
const BLOCK: usize = 16;
const BLOB_HEAD: usize = 16;

fn err<T>(msg: impl Into<String>) -> Result<T> {
    Err(Error::Ndb(msg.into()))
}

/// Every package blob in slot order.
pub fn blobs(bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    let big_endian = match bytes.get(0..4) {
        Some(b"RpmP") => false,
        Some(b"PmpR") => true,
        _ => return err("no NDB magic"),
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    if bytes.len() < HEADER_LEN {
        return err("file shorter than its header");
    }
    let version = u32_at(4).unwrap_or(u32::MAX);
    if version != 0 {
        return err(format!("unsupported version {version}"));
    }
    let slot_pages = u32_at(12).unwrap_or(0) as usize;
    let slot_end = slot_pages
        .checked_mul(SLOT_PAGE)
        .filter(|&n| n <= bytes.len() && n >= HEADER_LEN);
    let Some(slot_end) = slot_end else {
        return err(format!(
            "{slot_pages} slot pages do not fit in {} bytes",
            bytes.len()
        ));
    };
    let mut out = Vec::new();
    // Blobs never overlap in a real file, so their total cannot exceed the file: a hostile slot
    // table pointing every slot at one large blob is refused instead of copied a million times.
    let mut total = 0usize;
    for at in (HEADER_LEN..slot_end).step_by(SLOT_LEN) {
        let slot = &bytes[at..at + SLOT_LEN];
        let magic: &[u8] = if big_endian { b"tolS" } else { b"Slot" };
        if &slot[..4] != magic {
            return err(format!("slot at {at} has no slot magic"));
        }
        let (Some(idx), Some(blk_off), Some(blk_cnt)) =
            (u32_at(at + 4), u32_at(at + 8), u32_at(at + 12))
        else {
            return err("truncated slot");
        };
        if idx == 0 {
            continue;
        }
        let start = (blk_off as usize).checked_mul(BLOCK);
        let run = (blk_cnt as usize).checked_mul(BLOCK);
        let region = match (start, run) {
            (Some(s), Some(n)) => s
                .checked_add(n)
                .and_then(|e| bytes.get(s..e))
                .map(|r| (s, r)),
            _ => None,
        };
        let Some((start, region)) = region else {
            return err(format!(
                "package {idx}: blocks {blk_off}+{blk_cnt} past end of file"
            ));
        };
        let head_magic: &[u8] = if big_endian { b"SblB" } else { b"BlbS" };
        if region.len() < BLOB_HEAD || &region[..4] != head_magic {
            return err(format!("package {idx}: no blob head at {start}"));
        }
        if u32_at(start + 4) != Some(idx) {
            return err(format!("package {idx}: blob belongs to another package"));
        }
        let len = u32_at(start + 12).unwrap_or(0) as usize;
        let Some(blob) = region.get(BLOB_HEAD..BLOB_HEAD.saturating_add(len)) else {
            return err(format!(
                "package {idx}: blob length {len} exceeds its blocks"
            ));
        };
        total += blob.len();
        if total > bytes.len() {
            return err("blobs overlap: their total exceeds the file size");
        }
        out.push(blob.to_vec());
    }
    Ok(out)
}
