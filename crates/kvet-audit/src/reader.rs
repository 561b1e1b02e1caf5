//! The streaming reader: audit log files (plain or gzip), or standard input, as JSON lines or
//! as `EventList` documents, merged in time order. It never judges; it hands [`Event`]s to
//! whoever consumes them and counts what it could not read.
//!
//! Memory is bounded whatever the input: one line at a time (at most [`Limits::max_line`]
//! bytes are kept; the rest of a longer line is skipped and reported), plus one pending event
//! per input while merging.

use crate::event::{parse_line, stream_event_list, Event, Origin, Parsed};
use flate2::read::MultiGzDecoder;
use serde::Serialize;
use std::collections::{BinaryHeap, VecDeque};
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::mpsc;

/// How many malformed or overlong lines are listed by number per input (all are counted).
pub const SAMPLE_LINES: usize = 5;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest line kept, in bytes (16 MiB): an audit event with a large request body fits,
    /// a corrupt multi-gigabyte line does not exhaust memory.
    pub max_line: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_line: 16 << 20 }
    }
}

/// One input: a file, or standard input (`-`).
#[derive(Debug, Clone)]
pub enum Input {
    Path(PathBuf),
    Stdin,
}

impl Input {
    pub fn from_arg(p: &std::path::Path) -> Input {
        if p.as_os_str() == "-" {
            Input::Stdin
        } else {
            Input::Path(p.to_path_buf())
        }
    }

    pub fn display_name(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Stdin => "<stdin>".into(),
        }
    }
}

/// What was read from one input.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputStats {
    pub name: String,
    /// `json-lines` or `event-list`.
    pub format: &'static str,
    pub gzip: bool,
    pub bytes: u64,
    pub lines: u64,
    pub events: u64,
    pub malformed: u64,
    /// The first [`SAMPLE_LINES`] malformed lines: (line, error).
    pub malformed_lines: Vec<(u64, String)>,
    pub overlong: u64,
    /// The first [`SAMPLE_LINES`] overlong lines: (line, length in bytes).
    pub overlong_lines: Vec<(u64, u64)>,
    /// Why reading stopped before the end (unreadable file, truncated gzip, bad document).
    pub error: Option<String>,
}

/// Counts bytes as they are read (the compressed size for gzip input).
struct Counting<R> {
    inner: R,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

type Reader = Box<dyn BufRead + Send>;

enum Mode {
    Lines {
        reader: Reader,
        buf: Vec<u8>,
        queued: VecDeque<Event>,
    },
    Document {
        rx: mpsc::Receiver<DocMsg>,
    },
    Done,
}

enum DocMsg {
    Event(Box<Event>),
    Done(Result<u64, String>),
}

/// One input being read.
struct Source {
    index: u32,
    stats: InputStats,
    mode: Mode,
    limits: Limits,
    bytes: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

const BUF: usize = 256 << 10;

fn open(input: &Input) -> io::Result<Box<dyn Read + Send>> {
    Ok(match input {
        Input::Path(p) => Box::new(std::fs::File::open(p)?),
        Input::Stdin => Box::new(io::stdin()),
    })
}

/// Reads one line into `buf` (without the newline), keeping at most `max` bytes. Returns
/// `None` at the end of input, else the full length of the line (which exceeds `max` when the
/// line was cut; `buf` is then empty).
fn read_line(r: &mut dyn BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<Option<u64>> {
    buf.clear();
    let mut total = 0u64;
    let mut any = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(any.then_some(total));
        }
        any = true;
        let (chunk, used, end) = match memchr::memchr(b'\n', avail) {
            Some(i) => (&avail[..i], i + 1, true),
            None => (avail, avail.len(), false),
        };
        total += chunk.len() as u64;
        if total <= max as u64 {
            buf.extend_from_slice(chunk);
        } else if !buf.is_empty() {
            buf.clear();
        }
        r.consume(used);
        if end {
            return Ok(Some(total));
        }
    }
}

impl Source {
    fn open(
        index: u32,
        name: String,
        raw: io::Result<Box<dyn Read + Send>>,
        limits: Limits,
    ) -> Source {
        let mut stats = InputStats {
            name,
            format: "json-lines",
            ..InputStats::default()
        };
        let bytes = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let mode = match Self::detect(raw, &mut stats, &bytes, index) {
            Ok(m) => m,
            Err(e) => {
                stats.error = Some(e);
                Mode::Done
            }
        };
        Source {
            index,
            stats,
            mode,
            limits,
            bytes,
        }
    }

    fn detect(
        raw: io::Result<Box<dyn Read + Send>>,
        stats: &mut InputStats,
        bytes: &std::sync::Arc<std::sync::atomic::AtomicU64>,
        index: u32,
    ) -> Result<Mode, String> {
        let raw = raw.map_err(|e| format!("cannot read: {e}"))?;
        let counted = Counting {
            inner: raw,
            count: bytes.clone(),
        };
        let mut br = BufReader::with_capacity(BUF, counted);
        let head = br.fill_buf().map_err(|e| format!("cannot read: {e}"))?;
        let mut reader: Reader = if head.starts_with(&[0x1f, 0x8b]) {
            stats.gzip = true;
            Box::new(BufReader::with_capacity(BUF, MultiGzDecoder::new(br)))
        } else {
            Box::new(br)
        };
        // A document that starts with `{` and whose first line is not a whole JSON value is
        // a (pretty-printed) EventList; anything else is read line by line.
        let head = reader.fill_buf().map_err(|e| read_error(stats, &e))?;
        let first = head.iter().position(|b| !b.is_ascii_whitespace());
        let is_document = first.is_some_and(|i| {
            let rest = &head[i..];
            let line = rest.split(|b| *b == b'\n').next().unwrap_or(rest);
            line.starts_with(b"{")
                && memchr::memchr(b'\n', rest).is_some()
                && serde_json::from_slice::<serde::de::IgnoredAny>(line)
                    .err()
                    .is_some_and(|e| e.is_eof())
        });
        if !is_document {
            return Ok(Mode::Lines {
                reader,
                buf: Vec::new(),
                queued: VecDeque::new(),
            });
        }
        stats.format = "event-list";
        let (tx, rx) = mpsc::sync_channel(1024);
        std::thread::spawn(move || {
            let result = stream_event_list(&mut reader, index, &mut |e| {
                let _ = tx.send(DocMsg::Event(Box::new(e)));
            });
            let _ = tx.send(DocMsg::Done(result));
        });
        Ok(Mode::Document { rx })
    }

    /// The next event of this input, or `None` when it is exhausted (or unreadable).
    fn next(&mut self) -> Option<Event> {
        let ev = self.next_inner();
        if ev.is_some() {
            self.stats.events += 1;
        }
        self.stats.bytes = self.bytes.load(std::sync::atomic::Ordering::Relaxed);
        ev
    }

    fn next_inner(&mut self) -> Option<Event> {
        loop {
            match &mut self.mode {
                Mode::Done => return None,
                Mode::Document { rx } => match rx.recv() {
                    Ok(DocMsg::Event(e)) => return Some(*e),
                    Ok(DocMsg::Done(Ok(bad))) => {
                        self.stats.malformed += bad;
                        self.mode = Mode::Done;
                    }
                    Ok(DocMsg::Done(Err(e))) => {
                        self.stats.error = Some(format!("EventList document: {e}"));
                        self.mode = Mode::Done;
                    }
                    Err(_) => self.mode = Mode::Done,
                },
                Mode::Lines {
                    reader,
                    buf,
                    queued,
                } => {
                    if let Some(e) = queued.pop_front() {
                        return Some(e);
                    }
                    let len = match read_line(reader.as_mut(), buf, self.limits.max_line) {
                        Ok(Some(len)) => len,
                        Ok(None) => {
                            self.mode = Mode::Done;
                            continue;
                        }
                        Err(e) => {
                            let msg = read_error(&self.stats, &e);
                            self.stats.error = Some(msg);
                            self.mode = Mode::Done;
                            continue;
                        }
                    };
                    self.stats.lines += 1;
                    let line_no = self.stats.lines;
                    if len > self.limits.max_line as u64 {
                        self.stats.overlong += 1;
                        if self.stats.overlong_lines.len() < SAMPLE_LINES {
                            self.stats.overlong_lines.push((line_no, len));
                        }
                        continue;
                    }
                    let line = trim(buf);
                    if line.is_empty() {
                        continue;
                    }
                    let origin = Origin {
                        input: self.index,
                        line: line_no,
                    };
                    match parse_line(line, origin) {
                        Ok(Parsed::Event(e)) => return Some(*e),
                        Ok(Parsed::List(list)) => queued.extend(list),
                        Err(msg) => {
                            self.stats.malformed += 1;
                            if self.stats.malformed_lines.len() < SAMPLE_LINES {
                                self.stats.malformed_lines.push((line_no, msg));
                            }
                        }
                    }
                }
            }
        }
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &b[start..end.max(start)]
}

fn read_error(stats: &InputStats, e: &io::Error) -> String {
    let what = if stats.gzip {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            "gzip stream is truncated".to_string()
        } else {
            format!("gzip stream is corrupt ({e})")
        }
    } else {
        format!("read error ({e})")
    };
    format!(
        "{what}: stopped after line {} ({} events read before)",
        stats.lines, stats.events
    )
}

/// Reads several inputs as one stream of events in time order (each input is assumed to be
/// in time order itself, as the API server writes it; events without a time come first).
pub struct EventReader {
    sources: Vec<Source>,
    heap: BinaryHeap<std::cmp::Reverse<(i64, u32)>>,
    heads: Vec<Option<Event>>,
    started: bool,
}

impl EventReader {
    pub fn new(inputs: &[Input], limits: Limits) -> EventReader {
        Self::from_readers(
            inputs.iter().map(|i| (i.display_name(), open(i))).collect(),
            limits,
        )
    }

    /// Reads already opened inputs, each with the name reports give it (tests stream
    /// generated input through this).
    pub fn from_readers(
        inputs: Vec<(String, io::Result<Box<dyn Read + Send>>)>,
        limits: Limits,
    ) -> EventReader {
        let sources: Vec<Source> = inputs
            .into_iter()
            .enumerate()
            .map(|(i, (name, raw))| {
                Source::open(u32::try_from(i).unwrap_or(u32::MAX), name, raw, limits)
            })
            .collect();
        let heads = sources.iter().map(|_| None).collect();
        EventReader {
            sources,
            heap: BinaryHeap::new(),
            heads,
            started: false,
        }
    }

    fn refill(&mut self, i: usize) {
        if let Some(src) = self.sources.get_mut(i) {
            if let Some(e) = src.next() {
                let key = e.time.unwrap_or(i64::MIN);
                self.heads[i] = Some(e);
                self.heap.push(std::cmp::Reverse((
                    key,
                    u32::try_from(i).unwrap_or(u32::MAX),
                )));
            }
        }
    }

    /// What was read from each input so far (complete once the reader is exhausted).
    pub fn stats(&self) -> Vec<InputStats> {
        self.sources.iter().map(|s| s.stats.clone()).collect()
    }

    pub fn into_stats(self) -> Vec<InputStats> {
        self.sources.into_iter().map(|s| s.stats).collect()
    }
}

impl Iterator for EventReader {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        if self.sources.len() == 1 {
            return self.sources[0].next();
        }
        if !self.started {
            self.started = true;
            for i in 0..self.sources.len() {
                self.refill(i);
            }
        }
        let std::cmp::Reverse((_, i)) = self.heap.pop()?;
        let i = i as usize;
        let e = self.heads.get_mut(i)?.take();
        self.refill(i);
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_and_measured() {
        let data = b"abc\nxxxxxxxxxx\n\nlast";
        let mut r = io::Cursor::new(&data[..]);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        while let Some(len) = read_line(&mut r, &mut buf, 5).unwrap() {
            got.push((len, String::from_utf8_lossy(&buf).into_owned()));
        }
        assert_eq!(
            got,
            vec![
                (3, "abc".into()),
                (10, String::new()),
                (0, String::new()),
                (4, "last".into())
            ]
        );
    }

    /// A line of `len` bytes of `x` followed by a newline and a short line, generated as it is
    /// read: stands in for a multi-gigabyte corrupt line without writing one.
    struct Generated {
        left: u64,
        tail: &'static [u8],
    }

    impl Read for Generated {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.left > 0 {
                let n = (buf.len() as u64).min(self.left) as usize;
                buf[..n].fill(b'x');
                self.left -= n as u64;
                return Ok(n);
            }
            let n = buf.len().min(self.tail.len());
            buf[..n].copy_from_slice(&self.tail[..n]);
            self.tail = &self.tail[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_huge_line_is_measured_but_never_buffered() {
        // 256 MiB stands for any size: the buffer never grows past the limit, whatever the
        // line's length (the CLI's default limit is 16 MiB, the test uses 4 KiB).
        let len = 256u64 << 20;
        let mut r = BufReader::with_capacity(
            BUF,
            Generated {
                left: len,
                tail: b"\nnext\n",
            },
        );
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut r, &mut buf, 4096).unwrap(), Some(len));
        assert!(buf.is_empty());
        assert!(buf.capacity() <= 4096 + BUF, "capacity {}", buf.capacity());
        assert_eq!(read_line(&mut r, &mut buf, 4096).unwrap(), Some(4));
        assert_eq!(buf, b"next");
    }

    #[test]
    fn overlong_lines_are_counted_with_their_numbers_and_reading_goes_on() {
        let event = br#"{"kind":"Event","auditID":"a","stage":"ResponseComplete","verb":"get","user":{"username":"alice"},"requestURI":"/api"}"#;
        let mut tail = Vec::new();
        tail.extend_from_slice(b"\n");
        tail.extend_from_slice(event);
        tail.extend_from_slice(b"\n");
        let tail: &'static [u8] = Box::leak(tail.into_boxed_slice());
        let gen: Box<dyn Read + Send> = Box::new(Generated {
            left: 10 << 20,
            tail,
        });
        let mut reader = EventReader::from_readers(
            vec![("generated".into(), Ok(gen))],
            Limits { max_line: 1 << 20 },
        );
        let events: Vec<Event> = reader.by_ref().collect();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].origin.line, 2);
        let stats = reader.into_stats();
        assert_eq!(stats[0].overlong, 1);
        assert_eq!(stats[0].overlong_lines, vec![(1, 10 << 20)]);
        assert_eq!(stats[0].lines, 2);
    }
}
