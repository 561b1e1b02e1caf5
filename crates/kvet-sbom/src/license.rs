//! What a package's recorded licence string means in SBOM terms.
//!
//! Package databases record licences in many dialects: Alpine mostly uses SPDX ids
//! (`GPL-2.0-only`) but also `GPL2` or space-separated lists (`MIT BSD GPL2+`), Fedora-family
//! rpms use their own short names (`GPLv2+ and LGPLv2+ and BSD`), Debian's DEP-5 uses others
//! (`GPL-2+`). Mapping those dialects to SPDX ids is guessing (is `BSD` 2- or 3-clause? the
//! `spdx` crate's lax mode says 2-clause), and an SBOM that guesses licences is worse than one
//! that says it does not know. So a string is used as an SPDX expression only when it parses as
//! one under the SPDX rules (case-sensitive ids from the licence list, deprecated ids allowed
//! since they are still valid in a document, `AND`/`OR`/`WITH`); everything else is carried
//! verbatim, as a name (CycloneDX) or a `LicenseRef-` with the original text (SPDX).

use spdx::{Expression, ParseMode};

/// A recorded licence string, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum License {
    /// One licence id from the SPDX licence list, e.g. `MIT`, `GPL-2.0-only`.
    Id(String),
    /// A valid SPDX expression with operators or an exception, e.g. `MIT OR Apache-2.0`,
    /// `GPL-2.0-or-later WITH Classpath-exception-2.0`.
    Expression(String),
    /// Anything else, verbatim (trimmed).
    Other(String),
}

/// The SPDX rules, with deprecated ids (`GPL-2.0`, `GPL-2.0+`) accepted: they are still on the
/// licence list and valid in SPDX 2.3 documents and CycloneDX's id enum. (The `spdx` crate
/// counts `+` after a GNU id as a separate leniency; SPDX's grammar allows `+` after any id.)
const MODE: ParseMode = ParseMode {
    allow_deprecated: true,
    allow_postfix_plus_on_gpl: true,
    ..ParseMode::STRICT
};

/// Classifies one licence string; `None` for an empty one.
pub fn classify(raw: &str) -> Option<License> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    let Ok(expr) = Expression::parse_mode(s, MODE) else {
        return Some(License::Other(s.to_owned()));
    };
    let reqs: Vec<_> = expr.requirements().collect();
    // A LicenseRef from the package database would have to be defined in the document (SPDX)
    // and is not an id (CycloneDX): treat the string as a plain name instead.
    if reqs.iter().any(|r| r.req.license.id().is_none()) {
        return Some(License::Other(s.to_owned()));
    }
    let text = upper_operators(s);
    match reqs.as_slice() {
        // `GPL-2.0+` is one requirement too, but not an id; the text is an id only when it is
        // a bare word.
        [one] if one.req.addition.is_none() && !text.contains(['+', ' ', '(']) => {
            Some(License::Id(text))
        }
        _ => Some(License::Expression(text)),
    }
}

/// The `spdx` crate accepts `and`/`or`/`with` in any case; SPDX 2.3 (Annex D) says operators
/// are upper case, which stricter consumers enforce. Also collapses runs of whitespace.
fn upper_operators(s: &str) -> String {
    s.split_whitespace()
        .map(|w| {
            let core = w.trim_matches(['(', ')']);
            if ["and", "or", "with"].contains(&core.to_ascii_lowercase().as_str()) {
                w.replace(core, &core.to_ascii_uppercase())
            } else {
                w.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Option<License> {
        classify(s)
    }

    #[test]
    fn spdx_ids_and_expressions_are_kept() {
        assert_eq!(c("MIT"), Some(License::Id("MIT".into())));
        assert_eq!(
            c(" GPL-2.0-only "),
            Some(License::Id("GPL-2.0-only".into()))
        );
        assert_eq!(c("GPL-2.0"), Some(License::Id("GPL-2.0".into())));
        assert_eq!(
            c("MIT OR Apache-2.0"),
            Some(License::Expression("MIT OR Apache-2.0".into()))
        );
        assert_eq!(
            c("MIT and (BSD-3-Clause or  Zlib)"),
            Some(License::Expression("MIT AND (BSD-3-Clause OR Zlib)".into()))
        );
        assert_eq!(c("GPL-2.0+"), Some(License::Expression("GPL-2.0+".into())));
        assert_eq!(
            c("GPL-2.0-or-later WITH Classpath-exception-2.0"),
            Some(License::Expression(
                "GPL-2.0-or-later WITH Classpath-exception-2.0".into()
            ))
        );
    }

    #[test]
    fn other_dialects_are_not_guessed() {
        // Real strings from the rpmdb and apk test data.
        for s in [
            "GPLv2+",
            "BSD",
            "GPLv2+ and LGPLv2+ and BSD",
            "Public Domain",
            "GPL2",
            "MIT BSD GPL2+",
            "openssl",
            "mit",
            "LicenseRef-Custom",
        ] {
            assert_eq!(c(s), Some(License::Other(s.into())), "{s}");
        }
        assert_eq!(c("   "), None);
    }
}
