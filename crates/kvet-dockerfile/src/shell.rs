//! Just enough shell to read RUN lines: simple commands split at `;`, `&&`, `||`, `|`, `&`
//! and newlines, with quotes and comments respected, and the program each one runs.
//!
//! This is not a shell parser (no expansions, no functions, no nested `$(…)` structure);
//! it is what checks need to tell `apt-get install curl` from `echo "apt-get install"`.

/// One simple command of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<String>,
    /// The command's output is piped into the next one (`curl … | sh`).
    pub piped: bool,
}

impl Command {
    /// The words from the program on: leading `VAR=value` assignments and wrappers that run
    /// another command (`sudo -E`, `env`, `exec`, `nohup`, `time`, `command`) are skipped.
    pub fn program(&self) -> &[String] {
        let mut i = 0;
        while let Some(w) = self.words.get(i) {
            let assignment = w.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            if assignment || matches!(w.as_str(), "env" | "exec" | "nohup" | "time" | "command") {
                i += 1;
            } else if w == "sudo" || w.ends_with("/sudo") {
                i += 1;
                // sudo's own options (`-E`, `-u user`).
                while let Some(o) = self.words.get(i).filter(|o| o.starts_with('-')) {
                    i += if matches!(o.as_str(), "-u" | "-g" | "-U" | "-C") {
                        2
                    } else {
                        1
                    };
                }
            } else {
                break;
            }
        }
        self.words.get(i..).unwrap_or(&[])
    }

    /// The program's base name (`/usr/bin/apt-get` → `apt-get`).
    pub fn name(&self) -> &str {
        self.program()
            .first()
            .map_or("", |w| w.rsplit('/').next().unwrap_or(w))
    }
}

/// Splits a script into simple commands.
pub fn commands(script: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = script.chars().peekable();
    let end_word = |cur: &mut String, in_word: &mut bool, words: &mut Vec<String>| {
        if *in_word {
            words.push(std::mem::take(cur));
            *in_word = false;
        }
    };
    let end_cmd = |words: &mut Vec<String>, piped: bool, out: &mut Vec<Command>| {
        if !words.is_empty() {
            out.push(Command {
                words: std::mem::take(words),
                piped,
            });
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                cur.push(n);
                            }
                        }
                        _ => cur.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(n) => cur.push(n),
                }
            }
            '#' if !in_word => {
                for q in chars.by_ref() {
                    if q == '\n' {
                        break;
                    }
                }
                end_word(&mut cur, &mut in_word, &mut words);
                end_cmd(&mut words, false, &mut out);
            }
            ';' | '\n' | '(' | ')' | '`' => {
                end_word(&mut cur, &mut in_word, &mut words);
                end_cmd(&mut words, false, &mut out);
            }
            '&' => {
                chars.next_if_eq(&'&');
                end_word(&mut cur, &mut in_word, &mut words);
                end_cmd(&mut words, false, &mut out);
            }
            '|' => {
                let or = chars.next_if_eq(&'|').is_some();
                end_word(&mut cur, &mut in_word, &mut words);
                end_cmd(&mut words, !or, &mut out);
            }
            '$' if chars.peek() == Some(&'(') => {
                // `$(…)`: the inner command is a command of its own.
                chars.next();
                end_word(&mut cur, &mut in_word, &mut words);
                end_cmd(&mut words, false, &mut out);
            }
            c if c.is_whitespace() => end_word(&mut cur, &mut in_word, &mut words),
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    end_word(&mut cur, &mut in_word, &mut words);
    end_cmd(&mut words, false, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &str) -> Vec<String> {
        commands(s).iter().map(|c| c.program().join(" ")).collect()
    }

    #[test]
    fn splits_and_quotes() {
        assert_eq!(
            names("apt-get update && DEBIAN_FRONTEND=noninteractive sudo -E apt-get install -y curl=7.88 ; echo 'a && b' # comment && rm\nrm -rf /x"),
            vec![
                "apt-get update",
                "apt-get install -y curl=7.88",
                "echo a && b",
                "rm -rf /x"
            ]
        );
        let c = commands("curl -fsSL https://x.sh | sudo bash -s -- || true");
        assert!(c[0].piped && !c[1].piped);
        assert_eq!(c[1].name(), "bash");
        assert_eq!(commands("/usr/bin/apk add x")[0].name(), "apk");
        assert_eq!(
            names("sh -c \"$(curl -fsSL https://x)\""),
            vec!["sh -c $(curl -fsSL https://x)"]
        );
    }
}
