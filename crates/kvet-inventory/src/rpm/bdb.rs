//! BerkeleyDB hash databases (`/var/lib/rpm/Packages`), read without Berkeley DB.
//!
//! What is used of the format (Berkeley DB's on-disk layout, version 8–10 hash files):
//!
//! * Page 0 is the hash metadata page: magic `0x061561` at byte 12 (its byte order tells the
//!   file's byte order), page size at 20, page type `8` at 25, last page number at 32.
//! * Every other page starts with a 26-byte header: page number (8), previous (12) and next
//!   (16) page numbers, entry count (20), "high free offset" (22), level (24), type (25).
//! * Hash pages (types 2 and 13) have `entries` u16 offsets after the header; entries alternate
//!   key, value. Items are packed from the page end downwards, so an item ends where the
//!   previous one starts. An item's first byte is its kind: 1 = inline bytes, 3 = "off-page":
//!   the value lives in a chain of overflow pages (page number at +4, total length at +8).
//! * Overflow pages (type 7) hold `hf_offset` bytes of the value after their header and link to
//!   the next page of the chain.
//!
//! rpm stores one header blob per value, keyed by a 4-byte instance number; key 0 holds a 4-byte
//! counter, which is skipped because it is too short to be a header. Pages are read in file
//! order, each value once: walking the bucket chains would find the same values. Every page
//! number, offset and length is checked against the file; an overflow page may be read once
//! only, which ends cycles and bounds the output by the file's size.

use crate::error::{Error, Result};

const HASH_MAGIC: u32 = 0x0006_1561;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
const PAGE_HEADER: usize = 26;
/// `DBMETA_CHKSUM`: pages carry a checksum, which moves the item index; rpm never sets it.
const META_CHKSUM: u8 = 0x01;

fn err<T>(msg: impl Into<String>) -> Result<T> {
    Err(Error::BerkeleyDb(msg.into()))
}

#[derive(Clone, Copy)]
struct Reader<'a> {
    bytes: &'a [u8],
    big_endian: bool,
}

impl<'a> Reader<'a> {
    fn u32(&self, at: usize) -> Option<u32> {
        let b: [u8; 4] = self.bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }
    fn u16(&self, at: usize) -> Option<u16> {
        let b: [u8; 2] = self.bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }
}

/// True when the bytes start with a BerkeleyDB hash metadata page (either byte order).
pub fn is_hash_db(bytes: &[u8]) -> bool {
    byte_order(bytes).is_some()
}

fn byte_order(bytes: &[u8]) -> Option<bool> {
    let m: [u8; 4] = bytes.get(12..16)?.try_into().ok()?;
    if u32::from_le_bytes(m) == HASH_MAGIC {
        Some(false)
    } else if u32::from_be_bytes(m) == HASH_MAGIC {
        Some(true)
    } else {
        None
    }
}

/// Every value of the hash database that is long enough to be an rpm header, in file order.
pub fn blobs(bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    let Some(big_endian) = byte_order(bytes) else {
        return err("no hash database magic");
    };
    let r = Reader { bytes, big_endian };
    let page_size = r.u32(20).unwrap_or(0) as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return err(format!(
            "page size {page_size} is not a power of two in 512..=65536"
        ));
    }
    if bytes.get(25) != Some(&P_HASHMETA) {
        return err("page 0 is not a hash metadata page");
    }
    if bytes.get(24).is_some_and(|&a| a != 0) {
        return err("encrypted databases are not supported");
    }
    if bytes.get(26).is_some_and(|&f| f & META_CHKSUM != 0) {
        return err("checksummed databases are not supported");
    }
    let pages = bytes.len() / page_size;
    let last = r.u32(32).unwrap_or(0) as usize;
    if last >= pages {
        return err(format!(
            "truncated: the metadata names page {last} but the file holds {pages} pages"
        ));
    }
    let mut out = Vec::new();
    // Each overflow page may feed one value only: in a real file chains never share pages, and
    // refusing reuse bounds the bytes produced by the file's size (a hostile file cannot point
    // a thousand items at one long chain) and ends any cycle.
    let mut used = vec![false; pages];
    for pgno in 1..=last {
        let page = &bytes[pgno * page_size..(pgno + 1) * page_size];
        if page[25] != P_HASH && page[25] != P_HASH_UNSORTED {
            continue;
        }
        let p = Reader {
            bytes: page,
            big_endian,
        };
        let entries = p.u16(20).unwrap_or(0) as usize;
        if PAGE_HEADER + entries * 2 > page_size {
            return err(format!("page {pgno}: {entries} entries do not fit"));
        }
        // Values are the odd-numbered items.
        for i in (1..entries).step_by(2) {
            let off = p.u16(PAGE_HEADER + 2 * i).unwrap_or(0) as usize;
            let end = p.u16(PAGE_HEADER + 2 * (i - 1)).unwrap_or(0) as usize;
            if off < PAGE_HEADER || off >= page_size {
                return err(format!(
                    "page {pgno}: item {i} offset {off} outside the page"
                ));
            }
            let value = match page[off] {
                H_OFFPAGE => {
                    let (Some(first), Some(len)) = (p.u32(off + 4), p.u32(off + 8)) else {
                        return err(format!("page {pgno}: truncated off-page item"));
                    };
                    overflow(r, page_size, first as usize, len as usize, &mut used)?
                }
                H_KEYDATA => {
                    if end <= off || end > page_size {
                        return err(format!("page {pgno}: item {i} has bad bounds {off}..{end}"));
                    }
                    page[off + 1..end].to_vec()
                }
                // Duplicates (2, 4) are not used by rpm; anything else is not a value we know.
                _ => continue,
            };
            if value.len() >= 8 {
                out.push(value);
            }
        }
    }
    Ok(out)
}

/// Collects `len` bytes from the overflow chain starting at page `first`.
fn overflow(
    r: Reader<'_>,
    page_size: usize,
    first: usize,
    len: usize,
    used: &mut [bool],
) -> Result<Vec<u8>> {
    let pages = r.bytes.len() / page_size;
    if len > r.bytes.len() {
        return err(format!(
            "overflow value of {len} bytes is larger than the file"
        ));
    }
    let mut out = Vec::with_capacity(len);
    let mut pgno = first;
    while out.len() < len {
        if pgno == 0 || pgno >= pages {
            return err(format!("overflow chain points to page {pgno} of {pages}"));
        }
        if std::mem::replace(&mut used[pgno], true) {
            return err(format!("overflow page {pgno} is used twice"));
        }
        let page = &r.bytes[pgno * page_size..(pgno + 1) * page_size];
        let p = Reader {
            bytes: page,
            big_endian: r.big_endian,
        };
        if page[25] != P_OVERFLOW {
            return err(format!(
                "page {pgno} in an overflow chain has type {}",
                page[25]
            ));
        }
        let n = p.u16(22).unwrap_or(0) as usize;
        let Some(chunk) = page.get(PAGE_HEADER..PAGE_HEADER + n) else {
            return err(format!("overflow page {pgno} claims {n} bytes"));
        };
        let take = n.min(len - out.len());
        out.extend_from_slice(&chunk[..take]);
        pgno = p.u32(16).unwrap_or(0) as usize;
        if n == 0 && out.len() < len {
            return err(format!("overflow page {pgno} is empty"));
        }
    }
    Ok(out)
}
