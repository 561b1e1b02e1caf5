//! Parsing: `parse-dockerfile` does the syntax (parser directives, the escape character,
//! continuations with comments inside them, here-documents with `<<-` and quoted delimiters,
//! JSON vs shell form, ONBUILD); this module turns its typed, byte-span tree into kvet's
//! uniform [`Instruction`]s with line numbers, groups them into stages and applies ARG/ENV
//! substitution, which the crate leaves to its users.

use crate::ast::{Args, Dockerfile, Flag, Heredoc, Instruction, Keyword, Stage};
use crate::vars::{pairs, Scope};
use crate::DockerfileError;
use parse_dockerfile as pd;

/// Byte offset → 1-based line.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text));
        Lines(starts)
    }

    fn line(&self, offset: usize) -> u32 {
        let i = self.0.partition_point(|&s| s <= offset);
        u32::try_from(i.max(1)).unwrap_or(u32::MAX)
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i + 1)
}

/// Parses a Dockerfile. A file the builder would reject (unknown instruction, no FROM,
/// a here-document without its end) is an error naming the line.
pub fn parse(text: &str) -> Result<Dockerfile, DockerfileError> {
    // The builder accepts a byte-order mark; the crate does not.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = Lines::new(text);
    let parsed = pd::parse(text).map_err(|e| {
        let message = strip_position(&e.to_string());
        // An empty file is reported at line 0 by the crate; lines are 1-based.
        let mut line = e.line().max(1);
        // An unterminated here-document is found at the end of the file; the user needs
        // the line that opened it.
        if message.contains("end of here-document") {
            let before: Vec<&str> = text.lines().take(line).collect();
            if let Some(open) = before.iter().rposition(|l| l.contains("<<")) {
                line = open + 1;
            }
        }
        DockerfileError::Syntax {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            message,
        }
    })?;
    let escape = parsed
        .parser_directives
        .escape
        .as_ref()
        .map_or('\\', |d| d.value.value);
    let syntax = parsed
        .parser_directives
        .syntax
        .as_ref()
        .map(|d| d.value.value.to_string());
    let conv = Converter {
        text,
        lines: &lines,
        escape,
    };
    let instructions: Vec<Instruction> = parsed
        .instructions
        .iter()
        .filter_map(|i| conv.instruction(i))
        .collect();
    Ok(build(instructions, escape, syntax))
}

/// The crate's messages end in "at line L column C"; kvet reports the line separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

struct Converter<'a> {
    text: &'a str,
    lines: &'a Lines,
    escape: char,
}

impl Converter<'_> {
    fn line(&self, offset: usize) -> u32 {
        self.lines.line(offset)
    }

    fn flags(&self, flags: &[pd::Flag<'_>]) -> Vec<Flag> {
        flags
            .iter()
            .map(|f| Flag {
                name: f.name.value.to_string(),
                value: f.value.as_ref().map(|v| v.value.to_string()),
            })
            .collect()
    }

    /// Shell-form text as the builder sees it: escaped newlines removed, comment lines
    /// inside the continuation dropped.
    fn logical(&self, raw: &str) -> String {
        let mut out = String::with_capacity(raw.len());
        for (i, piece) in raw.split('\n').enumerate() {
            let piece = piece.strip_suffix('\r').unwrap_or(piece);
            let trimmed = piece.trim_start();
            if i > 0 && (trimmed.starts_with('#') || trimmed.is_empty()) {
                continue;
            }
            match piece.trim_end().strip_suffix(self.escape) {
                Some(head) => out.push_str(head),
                None => out.push_str(piece),
            }
        }
        out.trim().to_string()
    }

    fn command(&self, c: &pd::Command<'_>) -> (Args, usize) {
        match c {
            pd::Command::Exec(v) => (
                Args::Exec(v.value.iter().map(|s| s.value.to_string()).collect()),
                v.span.end,
            ),
            pd::Command::Shell(s) => (Args::Shell(self.logical(s.value)), s.span.end),
            // The enum is non-exhaustive; a future form is read as an empty command.
            _ => (Args::Shell(String::new()), 0),
        }
    }

    fn heredoc(&self, h: &pd::HereDoc<'_>) -> Heredoc {
        Heredoc {
            line: self.line(h.span.start),
            body: h.value.to_string(),
            expand: h.expand,
        }
    }

    fn text_arg(&self, s: &pd::UnescapedString<'_>) -> (Args, usize) {
        (Args::Text(self.logical(&s.value)), s.span.end)
    }

    /// `None` for an instruction kind added to the crate after this was written.
    fn instruction(&self, ins: &pd::Instruction<'_>) -> Option<Instruction> {
        use pd::Instruction as I;
        let mut flags = Vec::new();
        let mut heredocs = Vec::new();
        let mut onbuild = None;
        let (keyword, start, args, end) = match ins {
            I::Add(a) => {
                flags = self.flags(&a.options);
                let (words, docs, end) = self.sources(&a.src, &a.dest);
                heredocs = docs;
                (Keyword::Add, a.add.span.start, Args::Words(words), end)
            }
            I::Copy(c) => {
                flags = self.flags(&c.options);
                let (words, docs, end) = self.sources(&c.src, &c.dest);
                heredocs = docs;
                (Keyword::Copy, c.copy.span.start, Args::Words(words), end)
            }
            I::Arg(a) => {
                let (args, end) = self.text_arg(&a.arguments);
                (Keyword::Arg, a.arg.span.start, args, end)
            }
            I::Env(e) => {
                let (args, end) = self.text_arg(&e.arguments);
                (Keyword::Env, e.env.span.start, args, end)
            }
            I::Label(l) => {
                let (args, end) = self.text_arg(&l.arguments);
                (Keyword::Label, l.label.span.start, args, end)
            }
            I::User(u) => {
                let (args, end) = self.text_arg(&u.arguments);
                (Keyword::User, u.user.span.start, args, end)
            }
            I::Workdir(w) => {
                let (args, end) = self.text_arg(&w.arguments);
                (Keyword::Workdir, w.workdir.span.start, args, end)
            }
            I::Stopsignal(s) => {
                let (args, end) = self.text_arg(&s.arguments);
                (Keyword::Stopsignal, s.stopsignal.span.start, args, end)
            }
            I::Maintainer(m) => {
                let (args, end) = self.text_arg(&m.name);
                (Keyword::Maintainer, m.maintainer.span.start, args, end)
            }
            I::Cmd(c) => {
                let (args, end) = self.command(&c.arguments);
                (Keyword::Cmd, c.cmd.span.start, args, end)
            }
            I::Entrypoint(e) => {
                let (args, end) = self.command(&e.arguments);
                (Keyword::Entrypoint, e.entrypoint.span.start, args, end)
            }
            I::Run(r) => {
                flags = self.flags(&r.options);
                let (args, mut end) = self.command(&r.arguments);
                heredocs = r.here_docs.iter().map(|h| self.heredoc(h)).collect();
                // A body ends before its terminator line; the instruction ends with it.
                end = end.max(
                    r.here_docs
                        .iter()
                        .map(|h| h.span.end + 1)
                        .max()
                        .unwrap_or(0),
                );
                (Keyword::Run, r.run.span.start, args, end)
            }
            I::Healthcheck(h) => {
                flags = self.flags(&h.options);
                let (args, end) = match &h.arguments {
                    pd::HealthcheckArguments::Cmd { arguments, .. } => self.command(arguments),
                    pd::HealthcheckArguments::None { none, .. } => (Args::None, none.span.end),
                    _ => (Args::None, h.healthcheck.span.end),
                };
                (Keyword::Healthcheck, h.healthcheck.span.start, args, end)
            }
            I::Expose(e) => {
                let words = e.arguments.iter().map(|w| w.value.to_string()).collect();
                let end = e.arguments.last().map_or(e.expose.span.end, |w| w.span.end);
                (
                    Keyword::Expose,
                    e.expose.span.start,
                    Args::Words(words),
                    end,
                )
            }
            I::Shell(s) => {
                let words = s.arguments.iter().map(|w| w.value.to_string()).collect();
                let end = s.arguments.last().map_or(s.shell.span.end, |w| w.span.end);
                (Keyword::Shell, s.shell.span.start, Args::Exec(words), end)
            }
            I::Volume(v) => {
                let (args, end) = match &v.arguments {
                    pd::JsonOrStringArray::Json(j) => (
                        Args::Exec(j.value.iter().map(|w| w.value.to_string()).collect()),
                        j.span.end,
                    ),
                    pd::JsonOrStringArray::String(ws) => (
                        Args::Words(ws.iter().map(|w| w.value.to_string()).collect()),
                        ws.last().map_or(v.volume.span.end, |w| w.span.end),
                    ),
                };
                (Keyword::Volume, v.volume.span.start, args, end)
            }
            I::From(f) => {
                flags = self.flags(&f.options);
                let alias = f.as_.as_ref().map(|(_, n)| n.value.to_string());
                let end = f.as_.as_ref().map_or(f.image.span.end, |(_, n)| n.span.end);
                (
                    Keyword::From,
                    f.from.span.start,
                    Args::Image {
                        image: f.image.value.to_string(),
                        alias,
                    },
                    end,
                )
            }
            I::Onbuild(o) => {
                let inner = self.instruction(&o.instruction)?;
                let end_line = inner.end_line;
                onbuild = Some(Box::new(inner));
                let line = self.line(o.onbuild.span.start);
                return Some(Instruction {
                    keyword: Keyword::Onbuild,
                    line,
                    end_line: end_line.max(line),
                    flags,
                    args: Args::Words(Vec::new()),
                    heredocs,
                    onbuild,
                });
            }
            _ => return None,
        };
        let line = self.line(start);
        let end = end.min(self.text.len()).saturating_sub(1).max(start);
        Some(Instruction {
            keyword,
            line,
            end_line: self.line(end).max(line),
            flags,
            args,
            heredocs,
            onbuild,
        })
    }

    fn sources(
        &self,
        src: &[pd::Source<'_>],
        dest: &pd::UnescapedString<'_>,
    ) -> (Vec<String>, Vec<Heredoc>, usize) {
        let mut words = Vec::new();
        let mut docs = Vec::new();
        let mut end = dest.span.end;
        for s in src {
            match s {
                pd::Source::Path(p) => words.push(p.value.to_string()),
                pd::Source::HereDoc(h) => {
                    end = end.max(h.span.end + 1);
                    docs.push(self.heredoc(h));
                }
                _ => {}
            }
        }
        words.push(dest.value.to_string());
        (words, docs, end)
    }
}

/// Groups instructions into stages and substitutes variables where the builder does.
fn build(instructions: Vec<Instruction>, escape: char, syntax: Option<String>) -> Dockerfile {
    let mut global = Scope::default();
    let mut global_args = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    // Scope per stage, so that `FROM builder` inherits builder's ENV.
    let mut scopes: Vec<Scope> = Vec::new();
    for mut ins in instructions {
        if ins.keyword == Keyword::From {
            let (image, alias) = match &ins.args {
                Args::Image { image, alias } => (global.expand(image, escape), alias.clone()),
                _ => (String::new(), None),
            };
            ins.args = Args::Image {
                image: image.clone(),
                alias: alias.clone(),
            };
            expand_flags(&mut ins, &global, escape);
            let index = stages.len();
            let stage = Stage {
                index,
                from: ins,
                base: image,
                name: alias.map(|a| a.to_ascii_lowercase()),
                instructions: Vec::new(),
            };
            let inherited = stage
                .parent(&stages)
                .and_then(|p| scopes.get(p.index).cloned())
                .unwrap_or_default();
            scopes.push(inherited);
            stages.push(stage);
            continue;
        }
        let (Some(stage), Some(scope)) = (stages.last_mut(), scopes.last_mut()) else {
            // Before the first FROM only ARG is allowed (the parser enforces it).
            if ins.keyword == Keyword::Arg {
                for (k, v) in pairs(ins.text(), escape) {
                    let v = v.map(|v| global.expand(&v, escape)).unwrap_or_default();
                    global.set(&k, v);
                }
            }
            global_args.push(ins);
            continue;
        };
        substitute(&mut ins, scope, &global, escape);
        stage.instructions.push(ins);
    }
    Dockerfile {
        syntax,
        escape,
        global_args,
        stages,
    }
}

fn expand_flags(ins: &mut Instruction, scope: &Scope, escape: char) {
    for f in &mut ins.flags {
        if let Some(v) = &f.value {
            f.value = Some(scope.expand(v, escape));
        }
    }
}

/// Applies the stage's scope to one instruction and updates the scope with what it defines.
fn substitute(ins: &mut Instruction, scope: &mut Scope, global: &Scope, escape: char) {
    match ins.keyword {
        Keyword::Arg => {
            for (k, v) in pairs(ins.text(), escape) {
                // `ARG NAME` inside a stage brings the global default into scope.
                let value = match v {
                    Some(v) => scope.expand(&v, escape),
                    None => match global.get(&k) {
                        Some(g) => g.to_string(),
                        None => continue,
                    },
                };
                scope.set(&k, value);
            }
        }
        Keyword::Env => {
            let text = ins.text().to_string();
            for (k, v) in pairs(&text, escape) {
                let v = scope.expand(&v.unwrap_or_default(), escape);
                scope.set(&k, v);
            }
            ins.args = Args::Text(scope.expand(&text, escape));
        }
        Keyword::Label
        | Keyword::User
        | Keyword::Workdir
        | Keyword::Stopsignal
        | Keyword::Maintainer => {
            if let Args::Text(t) = &ins.args {
                ins.args = Args::Text(scope.expand(t, escape));
            }
        }
        Keyword::Add | Keyword::Copy | Keyword::Expose | Keyword::Volume => {
            match &mut ins.args {
                Args::Words(w) | Args::Exec(w) => {
                    for word in w.iter_mut() {
                        *word = scope.expand(word, escape);
                    }
                }
                _ => {}
            }
            expand_flags(ins, scope, escape);
        }
        Keyword::Onbuild => {
            // Runs in a later build with that build's variables: left as written.
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Dockerfile {
        parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn lines_continuations_and_comments_inside_them() {
        let d = p("# syntax=docker/dockerfile:1\nFROM alpine:3.20\n\nRUN apk add \\\n# why curl\n  curl \\\n\n  jq\nUSER app\n");
        assert_eq!(d.syntax.as_deref(), Some("docker/dockerfile:1"));
        let s = &d.stages[0];
        assert_eq!(s.from.line, 2);
        let run = &s.instructions[0];
        assert_eq!((run.line, run.end_line), (4, 8));
        assert_eq!(run.args, Args::Shell("apk add   curl   jq".into()));
        assert_eq!(
            (s.instructions[1].keyword, s.instructions[1].line),
            (Keyword::User, 9)
        );
    }

    #[test]
    fn escape_directive() {
        let d = p("# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir `\n  c:\\\nWORKDIR C:\\app\n");
        assert_eq!(d.escape, '`');
        let s = &d.stages[0];
        assert_eq!(s.instructions[0].args, Args::Shell("dir   c:\\".into()));
        assert_eq!(s.instructions[1].line, 5);
        assert_eq!(s.instructions[1].text(), "C:\\app");
    }

    #[test]
    fn heredocs() {
        let d = p("FROM alpine:3.20\nRUN <<EOF\napk add curl\necho done\nEOF\nRUN <<-EOT bash\n\techo $HOME\n\tEOT\nCOPY <<A <<\"B\" /etc/\na\nA\nb $X\nB\nUSER 1000\n");
        let s = &d.stages[0];
        let r = &s.instructions[0];
        assert_eq!((r.line, r.end_line), (2, 5));
        assert_eq!(r.heredocs[0].body, "apk add curl\necho done\n");
        assert_eq!(r.heredocs[0].line, 3);
        assert!(r.script().contains("apk add curl"));
        let r2 = &s.instructions[1];
        assert_eq!(r2.line, 6);
        assert_eq!(
            r2.heredocs[0].body, "echo $HOME\n",
            "<<- strips leading tabs"
        );
        let c = &s.instructions[2];
        assert_eq!(c.heredocs.len(), 2);
        assert!(c.heredocs[0].expand && !c.heredocs[1].expand);
        assert_eq!(c.words(), ["/etc/"]);
        assert_eq!(s.instructions[3].line, 14);
    }

    #[test]
    fn exec_and_shell_forms() {
        let d = p("FROM alpine:3.20\nCMD [\"node\", \"server.js\"]\nENTRYPOINT exec node app.js\nHEALTHCHECK NONE\nHEALTHCHECK --interval=5s CMD [\"curl\", \"-f\", \"http://localhost/\"]\nSHELL [\"/bin/bash\", \"-c\"]\nVOLUME /data /logs\nVOLUME [\"/x\"]\n");
        let i = &d.stages[0].instructions;
        assert_eq!(
            i[0].args,
            Args::Exec(vec!["node".into(), "server.js".into()])
        );
        assert_eq!(i[1].args, Args::Shell("exec node app.js".into()));
        assert_eq!(i[2].args, Args::None);
        assert_eq!(i[3].flag("interval"), Some("5s"));
        assert_eq!(i[4].keyword, Keyword::Shell);
        assert_eq!(i[5].words(), ["/data", "/logs"]);
        assert_eq!(i[6].args, Args::Exec(vec!["/x".into()]));
    }

    #[test]
    fn substitution_and_stages() {
        let d = p("ARG GO=1.22\nARG REG\nFROM golang:${GO}-alpine AS Build\nARG GO\nENV APP=/src BIN=$APP/bin\nWORKDIR $APP\nCOPY . ${APP}\nRUN go build -o $BIN\nFROM ${REG:-docker.io}/library/alpine:3.20\nCOPY --from=build /src/bin /app\nFROM build AS test\nWORKDIR ${BIN}\n");
        assert_eq!(d.global_args.len(), 2);
        let s = &d.stages;
        assert_eq!(s[0].base, "golang:1.22-alpine");
        assert_eq!(s[0].name.as_deref(), Some("build"));
        assert_eq!(s[0].instructions[2].text(), "/src");
        assert_eq!(s[0].instructions[3].words(), [".", "/src"]);
        assert_eq!(
            s[0].instructions[4].script(),
            "go build -o $BIN",
            "RUN is left to the shell"
        );
        assert_eq!(s[1].base, "docker.io/library/alpine:3.20");
        assert_eq!(s[1].instructions[0].flag("from"), Some("build"));
        assert_eq!(s[2].parent(s).map(|p| p.index), Some(0));
        assert_eq!(
            s[2].instructions[0].text(),
            "/src/bin",
            "ENV is inherited from the parent stage"
        );
        assert!(d.is_shipped(2) && d.is_shipped(0) && !d.is_shipped(1));
        assert!(d.is_stage_name("BUILD", 1));
    }

    #[test]
    fn onbuild_and_every_instruction() {
        let d = p("FROM alpine:3.20\nONBUILD RUN make\nONBUILD COPY . /app\nLABEL a=b\nMAINTAINER me\nSTOPSIGNAL SIGTERM\nEXPOSE 80/tcp 443\nADD --chown=1:1 a.tar.gz /\n");
        let i = &d.stages[0].instructions;
        let inner = i[0].onbuild.as_ref().unwrap();
        assert_eq!((inner.keyword, inner.line), (Keyword::Run, 2));
        assert_eq!(i[1].onbuild.as_ref().unwrap().keyword, Keyword::Copy);
        assert_eq!(i[2].text(), "a=b");
        assert_eq!(i[3].text(), "me");
        assert_eq!(i[4].text(), "SIGTERM");
        assert_eq!(i[5].words(), ["80/tcp", "443"]);
        assert_eq!(i[6].flag("chown"), Some("1:1"));
    }

    #[test]
    fn malformed_input_names_the_line() {
        for (text, line) in [
            ("FROM alpine\nRUN ok\nFOO bar\n", 3),
            ("RUN before from\n", 1),
            ("FROM alpine\nRUN <<EOF\necho never ends\n", 2),
            ("FROM alpine\nCOPY onlyone\n", 2),
        ] {
            match parse(text) {
                Err(DockerfileError::Syntax { line: l, message }) => {
                    assert_eq!(l, line, "{text:?}: {message}");
                    assert!(!message.contains(" at line "), "{message}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn bom_and_crlf() {
        let d = p("\u{feff}FROM alpine:3.20\r\nRUN echo \\\r\n  hi\r\nUSER 1\r\n");
        let i = &d.stages[0].instructions;
        assert_eq!(i[0].args, Args::Shell("echo   hi".into()));
        assert_eq!(i[1].line, 4);
    }
}
