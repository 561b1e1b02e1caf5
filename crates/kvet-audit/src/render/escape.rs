//! Escaping for every output: audit log values are attacker-controlled (a user name, a user
//! agent, an object name can hold anything), so nothing from the log reaches an output
//! without passing through one of these.

use std::borrow::Cow;

/// Text for HTML element content and quoted attribute values.
pub fn html(s: &str) -> Cow<'_, str> {
    if !s
        .bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text for a terminal: control characters (ANSI escapes, carriage returns that would
/// overwrite earlier output) are shown as `\u{…}` instead of being interpreted.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Text for a Markdown table cell: no line breaks, no column separators, and no raw HTML
/// (Markdown viewers render inline HTML).
pub fn markdown(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| {
        c.is_control()
            || matches!(
                c,
                '|' | '<' | '>' | '&' | '`' | '*' | '_' | '[' | ']' | '\\'
            )
    }) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' | '`' | '*' | '_' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html(r#"<script>alert("x")</script>&'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"
        );
        assert!(matches!(html("alice"), Cow::Borrowed(_)));
    }

    #[test]
    fn terminal_neutralises_control_characters() {
        assert_eq!(terminal("a\u{1b}[31mb\r"), "a\\u{1b}[31mb\\u{d}");
        assert_eq!(terminal("plain"), "plain");
    }

    #[test]
    fn markdown_keeps_cells_and_drops_html() {
        assert_eq!(markdown("a|b\n<img src=x>"), "a\\|b &lt;img src=x&gt;");
        assert_eq!(markdown("system:node:n1"), "system:node:n1");
    }
}
