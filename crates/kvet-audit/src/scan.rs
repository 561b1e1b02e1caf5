//! A structural scanner for one JSON object: splits it into its top-level (key, value) byte
//! ranges without decoding anything. An audit event's bulk is in fields the analysis never
//! reads (`responseObject`, `annotations`, `managedFields`); skipping them at memchr speed
//! instead of tokenising them is what makes the reader fast. The values that are used are
//! then decoded by serde_json, which validates them fully.

/// Calls `each(key, value)` for every top-level member of the object in `b` (surrounding
/// whitespace allowed). Keys are raw bytes between the quotes (escapes left as they are);
/// values are the exact bytes of the JSON value. Errors on anything that is not one
/// balanced object: a truncated line is caught here.
pub fn members<'a>(b: &'a [u8], each: &mut dyn FnMut(&'a [u8], &'a [u8])) -> Result<(), String> {
    let mut i = ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Err("expected a JSON object".into());
    }
    i = ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return end(b, i + 1);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return Err(format!("expected a key at byte {i}"));
        }
        let key_end = string_end(b, i)?;
        let key = &b[i + 1..key_end - 1];
        i = ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return Err(format!("expected ':' at byte {i}"));
        }
        i = ws(b, i + 1);
        let v_end = value_end(b, i)?;
        each(key, &b[i..v_end]);
        i = ws(b, v_end);
        match b.get(i) {
            Some(b',') => i = ws(b, i + 1),
            Some(b'}') => return end(b, i + 1),
            _ => return Err(format!("expected ',' or '}}' at byte {i} (truncated?)")),
        }
    }
}

/// Calls `each(value)` for every element of the array in `b` (surrounding whitespace
/// allowed), with the same guarantees as [`members`].
pub fn elements<'a>(b: &'a [u8], each: &mut dyn FnMut(&'a [u8])) -> Result<(), String> {
    let mut i = ws(b, 0);
    if b.get(i) != Some(&b'[') {
        return Err("expected a JSON array".into());
    }
    i = ws(b, i + 1);
    if b.get(i) == Some(&b']') {
        return end(b, i + 1);
    }
    loop {
        let v_end = value_end(b, i)?;
        each(&b[i..v_end]);
        i = ws(b, v_end);
        match b.get(i) {
            Some(b',') => i = ws(b, i + 1),
            Some(b']') => return end(b, i + 1),
            _ => return Err(format!("expected ',' or ']' at byte {i} (truncated?)")),
        }
    }
}

fn end(b: &[u8], i: usize) -> Result<(), String> {
    if ws(b, i) == b.len() {
        Ok(())
    } else {
        Err(format!("trailing characters at byte {i}"))
    }
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in every byte of `w` equal to `c`, and possibly in bytes above a true match
/// (borrow propagation), so the lowest set bit is always exact.
#[inline(always)]
fn eq_mask(w: u64, c: u8) -> u64 {
    let x = w ^ (LO * u64::from(c));
    x.wrapping_sub(LO) & !x & HI
}

#[inline(always)]
fn word(b: &[u8], j: usize) -> Option<u64> {
    let chunk: [u8; 8] = b.get(j..j + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

/// `b[i]` is an opening quote; returns the index after the closing one. Eight bytes at a
/// time (SWAR): most strings in audit events are short keys and names.
#[inline]
fn string_end(b: &[u8], i: usize) -> Result<usize, String> {
    let mut j = i + 1;
    loop {
        match word(b, j) {
            Some(w) => {
                let m = eq_mask(w, b'"') | eq_mask(w, b'\\');
                if m == 0 {
                    j += 8;
                    continue;
                }
                let at = j + (m.trailing_zeros() / 8) as usize;
                if b[at] == b'"' {
                    return Ok(at + 1);
                }
                j = at + 2; // skip the escaped character
            }
            None => {
                // The last few bytes of the line.
                while j < b.len() {
                    match b[j] {
                        b'"' => return Ok(j + 1),
                        b'\\' => j += 2,
                        _ => j += 1,
                    }
                }
                return Err("unterminated string (truncated?)".into());
            }
        }
    }
}

/// The index after the value that starts at `b[i]`.
fn value_end(b: &[u8], i: usize) -> Result<usize, String> {
    match b.get(i) {
        None => Err("value expected (truncated?)".into()),
        Some(b'"') => string_end(b, i),
        Some(b'{' | b'[') => skip_nested(b, i + 1),
        Some(_) => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                j += 1;
            }
            if j == i {
                Err(format!("value expected at byte {i}"))
            } else {
                Ok(j)
            }
        }
    }
}

/// Bit k set for every byte k of the 64-byte block that is `"`, `\\`, an opening bracket
/// (`{`/`[`), a closing one (`}`/`]`).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn block_masks(block: &[u8; 64]) -> [u64; 4] {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut out = [0u64; 4];
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: `chunk` is 16 readable bytes and the load is unaligned; SSE2 is part of the
        // x86_64 baseline, so these intrinsics are always available.
        let [q, bs, open, close] = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            [
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8))),
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8))),
                _mm_movemask_epi8(_mm_cmpeq_epi8(folded, _mm_set1_epi8(b'{' as i8))),
                _mm_movemask_epi8(_mm_cmpeq_epi8(folded, _mm_set1_epi8(b'}' as i8))),
            ]
        };
        let shift = 16 * k;
        for (o, m) in out.iter_mut().zip([q, bs, open, close]) {
            *o |= u64::from(m as u16) << shift;
        }
    }
    out
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn block_masks(block: &[u8; 64]) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (k, &c) in block.iter().enumerate() {
        let bit = 1u64 << k;
        match c {
            b'"' => out[0] |= bit,
            b'\\' => out[1] |= bit,
            b'{' | b'[' => out[2] |= bit,
            b'}' | b']' => out[3] |= bit,
            _ => {}
        }
    }
    out
}

/// Bit k is the XOR of bits 0..=k: set inside strings, given the quote bits.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The index after the object or array whose opening bracket is at `start - 1`. Works on
/// 64-byte blocks without looking at single bytes (simdjson's idea): quotes give the string
/// mask by a prefix XOR, brackets outside strings change the depth. A block with a backslash
/// is walked byte by byte (escapes are rare outside of request bodies' strings).
fn skip_nested(b: &[u8], start: usize) -> Result<usize, String> {
    let mut depth = 1usize;
    let mut in_str = false;
    let mut j = start;
    while let Some(block) = b.get(j..j + 64) {
        let Ok(block) = <&[u8; 64]>::try_from(block) else {
            break;
        };
        let [q, bs, open, close] = block_masks(block);
        if bs != 0 {
            let to = j + 64;
            match walk(b, j, to, &mut depth, &mut in_str) {
                Walk::End(e) => return Ok(e),
                Walk::At(next) => j = next,
            }
            continue;
        }
        let strings = prefix_xor(q) ^ if in_str { u64::MAX } else { 0 };
        let open = open & !strings;
        let close = close & !strings;
        if (close.count_ones() as usize) < depth {
            depth = depth + open.count_ones() as usize - close.count_ones() as usize;
        } else {
            let mut both = open | close;
            while both != 0 {
                let k = both.trailing_zeros();
                if open & (1 << k) != 0 {
                    depth += 1;
                } else {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(j + k as usize + 1);
                    }
                }
                both &= both - 1;
            }
        }
        in_str = strings >> 63 == 1;
        j += 64;
    }
    match walk(b, j, b.len(), &mut depth, &mut in_str) {
        Walk::End(e) => Ok(e),
        Walk::At(_) if in_str => Err("unterminated string (truncated?)".into()),
        Walk::At(_) => Err("unbalanced brackets (truncated?)".into()),
    }
}

enum Walk {
    /// The value ends before this index.
    End(usize),
    /// Reached `to` (or a little past it, after an escape) with the value still open.
    At(usize),
}

/// Byte-by-byte version of [`skip_nested`]'s block step, from `j` up to at least `to`.
fn walk(b: &[u8], mut j: usize, to: usize, depth: &mut usize, in_str: &mut bool) -> Walk {
    while j < to {
        let Some(&c) = b.get(j) else { break };
        if *in_str {
            match c {
                b'\\' => j += 2,
                b'"' => {
                    *in_str = false;
                    j += 1;
                }
                _ => j += 1,
            }
            continue;
        }
        match c {
            b'"' => *in_str = true,
            b'{' | b'[' => *depth += 1,
            b'}' | b']' => {
                *depth -= 1;
                if *depth == 0 {
                    return Walk::End(j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
    Walk::At(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(s: &str) -> Result<Vec<(String, String)>, String> {
        let mut v = Vec::new();
        members(s.as_bytes(), &mut |k, val| {
            v.push((
                String::from_utf8_lossy(k).into_owned(),
                String::from_utf8_lossy(val).into_owned(),
            ))
        })?;
        Ok(v)
    }

    #[test]
    fn splits_top_level_members() {
        let v =
            collect(r#" {"a":"x\"}", "b" : {"c":[1,{"d":"]"}]}, "e":-1.5e3,"f":null} "#).unwrap();
        assert_eq!(
            v,
            vec![
                ("a".into(), r#""x\"}""#.into()),
                ("b".into(), r#"{"c":[1,{"d":"]"}]}"#.into()),
                ("e".into(), "-1.5e3".into()),
                ("f".into(), "null".into()),
            ]
        );
        assert_eq!(collect("{}").unwrap(), vec![]);
    }

    #[test]
    fn block_skipper_agrees_with_a_byte_walk_at_every_alignment() {
        let body = r#"{"a":{"b":["x\"}]{", "\\", {"c":"]]]"}],"d":"\\\""},"e":[[],{}]}"#;
        for pad in 0..140 {
            let mut v = String::from("[");
            v.push_str(&"\" \"".repeat(pad));
            v.push_str(&format!("{body},{body}]"));
            let s = format!(r#"{{"k":{v},"z":1}}"#);
            let got = collect(&s).unwrap();
            assert_eq!(got[0].1, v, "pad {pad}");
            assert_eq!(got[1], ("z".into(), "1".into()));
            let cut = &s[..s.len() - 8];
            assert!(collect(cut).is_err(), "pad {pad}");
        }
    }

    #[test]
    fn rejects_truncated_and_trailing() {
        for bad in [
            r#"{"a":"x"#,
            r#"{"a":{"b":1}"#,
            r#"{"a":1"#,
            r#"{"a":1} x"#,
            "[1]",
            "",
            r#"{"a":"\"#,
            r#"{"a":}"#,
        ] {
            assert!(collect(bad).is_err(), "{bad}");
        }
    }
}
