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

/// `b[i]` is an opening quote; returns the index after the closing one.
fn string_end(b: &[u8], i: usize) -> Result<usize, String> {
    let mut j = i + 1;
    // Most strings (keys, names) are short: a plain loop beats setting up a vector search.
    let short = (j + 24).min(b.len());
    while j < short {
        match b[j] {
            b'"' => return Ok(j + 1),
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
    loop {
        match memchr::memchr2(b'"', b'\\', &b[j.min(b.len())..]) {
            None => return Err("unterminated string (truncated?)".into()),
            Some(k) => {
                let at = j + k;
                if b[at] == b'"' {
                    return Ok(at + 1);
                }
                j = at + 2; // skip the escaped character
            }
        }
    }
}

/// The index after the value that starts at `b[i]`.
fn value_end(b: &[u8], i: usize) -> Result<usize, String> {
    match b.get(i) {
        None => Err("value expected (truncated?)".into()),
        Some(b'"') => string_end(b, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            Err("unbalanced brackets (truncated?)".into())
        }
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
