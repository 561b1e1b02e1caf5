//! One layer blob as a stream of tar bytes: the stored bytes are hashed as they pass (and
//! checked against the manifest's digest once the stream is drained), counted against the
//! stored-size limit, and decompressed according to their first bytes rather than the media
//! type, because `docker save` archives carry none and registries mislabel some.
//!
//! Errors raised inside the stream travel through `std::io::Error` (the `tar` crate only speaks
//! `Read`); [`into_image_error`] turns them back into this crate's [`Error`] naming the layer.
//!
//! [`read_layer`] runs the reading and decompression on a second thread and the hashing on a
//! third, handing decompressed chunks to the caller's tar walk through small bounded channels:
//! given the cores, a layer is read in about the time of its decompression alone.

use std::cell::RefCell;
use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest as _, Sha256, Sha512};

use crate::{Error, LayerDesc, Limits, Result};

/// How a layer blob is compressed, as sniffed from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// `1f 8b`.
    Gzip,
    /// `28 b5 2f fd`.
    Zstd,
    /// Anything else is read as an uncompressed tar.
    Plain,
}

impl Compression {
    /// Sniffs the compression from a blob's first bytes.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::Plain
        }
    }
}

/// The digest algorithms a layer digest may use.
enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    fn update(&mut self, b: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(b),
            Hasher::Sha512(h) => h.update(b),
        }
    }

    fn hex(self) -> String {
        match self {
            Hasher::Sha256(h) => hex(&h.finalize()),
            Hasher::Sha512(h) => hex(&h.finalize()),
        }
    }
}

/// Where the stored bytes go to be hashed: here, or (in [`read_layer`]) to a thread of their own.
enum DigestSink {
    Here(Box<Hasher>),
    /// The chunk the decompressor reads is shared with the hashing thread (the first `usize`
    /// bytes are the blob's), not copied.
    Thread(SyncSender<(Arc<Vec<u8>>, usize)>),
}

/// The digest mismatch error, or nothing.
fn compare_digest(digest: &str, expected_hex: &str, actual_hex: String) -> Result<()> {
    if actual_hex == expected_hex {
        return Ok(());
    }
    let alg = digest.split(':').next().unwrap_or("sha256");
    Err(Error::DigestMismatch {
        digest: digest.to_owned(),
        actual: format!("{alg}:{actual_hex}"),
    })
}

/// The expected digest, parsed: algorithm and lower-case hex.
fn parse_digest(digest: &str) -> Result<(Hasher, String)> {
    let (alg, hex) = digest
        .split_once(':')
        .ok_or_else(|| Error::Invalid(format!("layer {digest}: digest has no algorithm")))?;
    let (hasher, len) = match alg {
        "sha256" => (Hasher::Sha256(Sha256::new()), 64),
        "sha512" => (Hasher::Sha512(Sha512::new()), 128),
        _ => {
            return Err(Error::Invalid(format!(
                "layer {digest}: unsupported digest algorithm {alg:?} (sha256 and sha512 are)"
            )))
        }
    };
    if hex.len() != len || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::Invalid(format!("layer {digest}: malformed digest")));
    }
    Ok((hasher, hex.to_ascii_lowercase()))
}

/// Progress of one layer's stored bytes, reported to a scan's progress callback.
pub type ByteProgress<'a> = &'a (dyn Fn(u64) + Sync);

/// Hashes and counts the stored bytes of a blob as they are read, and buffers them for the
/// decompressor (it is the decompressor's `BufRead`).
struct Verifier<'a> {
    inner: Box<dyn Read + Send + 'a>,
    sink: DigestSink,
    expected_hex: String,
    digest: String,
    read: u64,
    limit: u64,
    progress: Option<ByteProgress<'a>>,
    reported: u64,
    /// The bytes last read: `chunk[pos..filled]` are not consumed yet.
    chunk: Arc<Vec<u8>>,
    filled: usize,
    pos: usize,
}

/// Progress is reported at most once per this many stored bytes.
const PROGRESS_STEP: u64 = 4 << 20;

/// Stored bytes read at a time.
const STORED_CHUNK: usize = 256 << 10;

impl Verifier<'_> {
    /// Reads the next piece of the blob into a chunk and hands it to the digest. The chunk is
    /// reused when the hashing thread is done with it (it usually is: hashing is faster than
    /// decompressing), so the bytes are neither copied nor freshly allocated per read.
    fn refill(&mut self) -> io::Result<()> {
        let old = std::mem::take(&mut self.chunk);
        let mut buf = Arc::try_unwrap(old).unwrap_or_default();
        if buf.len() < STORED_CHUNK {
            buf = vec![0; STORED_CHUNK];
        }
        let n = loop {
            match self.inner.read(&mut buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        self.read += n as u64;
        if self.read > self.limit {
            return Err(io::Error::other(Error::Limit {
                what: format!("layer {}", self.digest),
                limit: format!("stored layer size ({} bytes)", self.limit),
            }));
        }
        let chunk = Arc::new(buf);
        match &mut self.sink {
            DigestSink::Here(h) => h.update(&chunk[..n]),
            DigestSink::Thread(tx) => {
                // A closed channel means the hashing thread is gone, which only happens once
                // the layer is being abandoned; the caller sees the error elsewhere.
                if n > 0 && tx.send((Arc::clone(&chunk), n)).is_err() {
                    return Err(io::Error::other("layer hashing stopped"));
                }
            }
        }
        self.chunk = chunk;
        self.filled = n;
        self.pos = 0;
        if let Some(p) = self.progress {
            if self.read - self.reported >= PROGRESS_STEP || n == 0 {
                self.reported = self.read;
                p(self.read);
            }
        }
        Ok(())
    }
}

impl BufRead for Verifier<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.filled {
            self.refill()?;
        }
        Ok(&self.chunk[self.pos..self.filled])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.filled);
    }
}

impl Read for Verifier<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl Verifier<'_> {
    /// Reads what is left of the blob (a tar stream ends before its padding, a gzip member
    /// before trailing bytes) and compares the digest of everything read — or, when a thread
    /// hashes, closes its channel and leaves the comparison to [`read_layer`].
    fn finish(mut self) -> Result<u64> {
        loop {
            let n = match self.fill_buf() {
                Ok(b) => b.len(),
                Err(e) => return Err(into_image_error(e, &self.digest)),
            };
            if n == 0 {
                break;
            }
            self.consume(n);
        }
        match self.sink {
            DigestSink::Here(h) => compare_digest(&self.digest, &self.expected_hex, h.hex())?,
            DigestSink::Thread(tx) => drop(tx),
        }
        Ok(self.read)
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Decompressors over the buffered, verified blob.
enum Decoder<'a> {
    Gzip(flate2::bufread::MultiGzDecoder<Verifier<'a>>),
    Zstd(zstd::stream::read::Decoder<'static, Verifier<'a>>),
    Plain(Verifier<'a>),
}

/// The decompressed tar bytes of one layer, bounded by
/// [`Limits::max_layer_uncompressed_bytes`]. Read it (e.g. with `tar::Archive`), then call
/// [`LayerStream::finish`] to drain the rest and check the digest: a stream that was not
/// finished has not been verified.
pub struct LayerStream<'a> {
    decoder: Decoder<'a>,
    compression: Compression,
    digest: String,
    uncompressed: u64,
    limit: u64,
}

impl<'a> LayerStream<'a> {
    /// Wraps `stored` (the blob's bytes, as the source gives them) for `layer`.
    pub fn new(
        stored: Box<dyn Read + Send + 'a>,
        layer: &LayerDesc,
        limits: &Limits,
        progress: Option<ByteProgress<'a>>,
    ) -> Result<Self> {
        let (hasher, _) = parse_digest(&layer.digest)?;
        Self::with_sink(
            stored,
            layer,
            limits,
            progress,
            DigestSink::Here(Box::new(hasher)),
        )
    }

    fn with_sink(
        stored: Box<dyn Read + Send + 'a>,
        layer: &LayerDesc,
        limits: &Limits,
        progress: Option<ByteProgress<'a>>,
        sink: DigestSink,
    ) -> Result<Self> {
        let (_, expected_hex) = parse_digest(&layer.digest)?;
        if let Some(size) = layer.size.filter(|s| *s > limits.max_layer_bytes) {
            return Err(Error::Limit {
                what: format!("layer {} ({size} bytes)", layer.digest),
                limit: format!("stored layer size ({} bytes)", limits.max_layer_bytes),
            });
        }
        let verifier = Verifier {
            inner: stored,
            sink,
            expected_hex,
            digest: layer.digest.clone(),
            read: 0,
            limit: limits.max_layer_bytes,
            progress,
            reported: 0,
            chunk: Arc::default(),
            filled: 0,
            pos: 0,
        };
        let mut buffered = verifier;
        let head = buffered
            .fill_buf()
            .map_err(|e| into_image_error(e, &layer.digest))?;
        let compression = Compression::sniff(head);
        let decoder = match compression {
            Compression::Gzip => Decoder::Gzip(flate2::bufread::MultiGzDecoder::new(buffered)),
            Compression::Zstd => Decoder::Zstd(
                zstd::stream::read::Decoder::with_buffer(buffered).map_err(|e| {
                    Error::Invalid(format!("layer {}: zstd decoder: {e}", layer.digest))
                })?,
            ),
            Compression::Plain => Decoder::Plain(buffered),
        };
        Ok(LayerStream {
            decoder,
            compression,
            digest: layer.digest.clone(),
            uncompressed: 0,
            limit: limits.max_layer_uncompressed_bytes,
        })
    }

    /// The compression sniffed from the first bytes.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Decompressed bytes read so far.
    pub fn uncompressed_bytes(&self) -> u64 {
        self.uncompressed
    }

    /// Drains the decompressed stream (still bounded), then the stored bytes, and verifies the
    /// digest. Returns `(stored bytes, uncompressed bytes)`.
    pub fn finish(mut self) -> Result<(u64, u64)> {
        io::copy(&mut self, &mut io::sink()).map_err(|e| into_image_error(e, &self.digest))?;
        let uncompressed = self.uncompressed;
        let verifier = match self.decoder {
            Decoder::Gzip(d) => d.into_inner(),
            Decoder::Zstd(d) => d.finish(),
            Decoder::Plain(d) => d,
        };
        let stored = verifier.finish()?;
        Ok((stored, uncompressed))
    }
}

impl Read for LayerStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let result = match &mut self.decoder {
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
            Decoder::Plain(d) => d.read(buf),
        };
        let n = match result {
            Ok(n) => n,
            Err(e) => return Err(self.decode_error(e)),
        };
        self.uncompressed += n as u64;
        if self.uncompressed > self.limit {
            return Err(io::Error::other(Error::Limit {
                what: format!("layer {}", self.digest),
                limit: format!("decompressed layer size ({} bytes)", self.limit),
            }));
        }
        Ok(n)
    }
}

impl LayerStream<'_> {
    /// Names the compression in errors from the decompressor (our own errors pass through).
    fn decode_error(&self, e: io::Error) -> io::Error {
        if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            return e;
        }
        let what = match self.compression {
            Compression::Gzip => "gzip stream",
            Compression::Zstd => "zstd stream",
            Compression::Plain => "layer",
        };
        let msg = if e.kind() == io::ErrorKind::UnexpectedEof {
            format!("{what} is truncated ({e})")
        } else {
            format!("{what} is corrupt ({e})")
        };
        io::Error::new(
            e.kind(),
            Error::Invalid(format!("layer {}: {msg}", self.digest)),
        )
    }
}

/// Turns an I/O error from a layer stream back into an [`Error`], naming the layer when the
/// error does not already carry one of ours.
pub fn into_image_error(e: io::Error, digest: &str) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
        if let Some(inner) = e.into_inner() {
            if let Ok(err) = inner.downcast::<Error>() {
                return *err;
            }
        }
        return Error::Invalid(format!("layer {digest}: read error"));
    }
    if e.kind() == io::ErrorKind::UnexpectedEof {
        return Error::Invalid(format!("layer {digest}: truncated ({e})"));
    }
    Error::Invalid(format!("layer {digest}: {e}"))
}

/// What reading a layer measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerTotals {
    /// Compression sniffed from the first bytes.
    pub compression: Compression,
    /// Bytes of the blob as stored (all of them: the digest covers them).
    pub stored_bytes: u64,
    /// Bytes of the decompressed stream.
    pub uncompressed_bytes: u64,
}

/// Decompressed chunk size handed between the threads.
const CHUNK: usize = 256 << 10;
/// Chunks in flight (bounds the memory between the threads to a few MiB).
const IN_FLIGHT: usize = 8;

/// The tar bytes of a layer as [`read_layer`] hands them over: a cheap handle (copy it to give
/// one to `tar::Archive` and keep one). `Seek` only moves forward (`SeekFrom::Current(n)` with
/// `n ≥ 0`): it lets `tar` skip the data of entries nobody keeps (most of an image) without
/// copying it out; [`LayerReader::take_if_marked`] passes over one entry's data the same way.
#[derive(Clone, Copy)]
pub struct LayerReader<'r, 'a> {
    inner: &'r RefCell<ChannelReader<'a>>,
}

impl Read for LayerReader<'_, '_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.inner.borrow_mut().read(out)
    }
}

impl Seek for LayerReader<'_, '_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.borrow_mut().seek(pos)
    }
}

impl LayerReader<'_, '_> {
    /// Passes over the next `len` bytes — the rest of the data of the tar entry just begun,
    /// of a regular (not sparse) file — searching them for
    /// [`kvet_inventory::EXECUTABLE_MARKERS`] where they lie, and returns them only when one
    /// is found. `tar` is not told (it learns at its next skip); call this only between
    /// `tar`'s reads of an entry and its move to the next one, and read nothing more of that
    /// entry through `tar`.
    pub fn take_if_marked(&self, len: u64, head: &[u8]) -> io::Result<Option<Vec<u8>>> {
        self.inner.borrow_mut().take_if_marked(len, head)
    }
}

/// The caller's end of the channel: decompressed bytes, in order.
struct ChannelReader<'a> {
    rx: Receiver<io::Result<Vec<u8>>>,
    /// Used chunks go back to the decompressing thread. Unbounded: chunks held by
    /// `take_if_marked` (one file's worth) come back all at once and are all reused.
    free: Sender<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
    /// Bytes read or skipped so far (the stream position `Seek` reports).
    consumed: u64,
    /// Bytes `take_if_marked` consumed that `tar` does not know about yet.
    taken: u64,
    /// While `take_if_marked` runs: the chunks passed, kept until it knows whether it needs
    /// their bytes.
    held: Option<Vec<Vec<u8>>>,
    stored: &'a AtomicU64,
    progress: Option<&'a dyn Fn(u64)>,
    reported: u64,
}

impl ChannelReader<'_> {
    /// Makes sure unread bytes are at hand; `false` at the end of the stream.
    fn fill(&mut self) -> io::Result<bool> {
        while self.pos == self.chunk.len() {
            match self.rx.recv() {
                Ok(Ok(next)) => {
                    let used = std::mem::replace(&mut self.chunk, next);
                    match &mut self.held {
                        Some(held) => held.push(used),
                        None => {
                            let _ = self.free.send(used);
                        }
                    }
                    self.pos = 0;
                    if let Some(p) = self.progress {
                        let n = self.stored.load(Ordering::Relaxed);
                        if n - self.reported >= PROGRESS_STEP {
                            self.reported = n;
                            p(n);
                        }
                    }
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(false), // the reader thread is done
            }
        }
        Ok(true)
    }

    /// Passes over `amt` bytes; fewer when the stream ends first. Returns the bytes passed.
    fn skip(&mut self, mut amt: u64) -> io::Result<u64> {
        let mut skipped = 0;
        while amt > 0 && self.fill()? {
            let n = amt.min((self.chunk.len() - self.pos) as u64);
            // `n` is at most the chunk's length, a usize.
            self.pos += n as usize;
            self.consumed += n;
            skipped += n;
            amt -= n;
        }
        Ok(skipped)
    }

    /// See [`LayerReader::take_if_marked`]. The bytes are searched in place, in the chunks the
    /// decompressing thread filled; only a marked file is copied out.
    fn take_if_marked(&mut self, len: u64, head: &[u8]) -> io::Result<Option<Vec<u8>>> {
        const OVERLAP: usize = kvet_inventory::EXECUTABLE_MARKER_MAX - 1;
        self.held = Some(Vec::new());
        // (chunk number — an index into `held`, or `held.len()` for the current chunk — and
        // the range of it that belongs to the file)
        let mut pieces: Vec<(usize, usize, usize)> = Vec::new();
        // The last bytes seen, so that a marker split between two chunks is found.
        let mut tail: Vec<u8> = head[head.len().saturating_sub(OVERLAP)..].to_vec();
        let mut marked = kvet_inventory::has_executable_marker(head);
        let mut left = len;
        let result = (|| {
            while left > 0 && self.fill()? {
                let n = left.min((self.chunk.len() - self.pos) as u64) as usize;
                let piece = &self.chunk[self.pos..self.pos + n];
                if !marked {
                    let k = piece.len().min(OVERLAP);
                    tail.extend_from_slice(&piece[..k]);
                    marked = kvet_inventory::has_executable_marker(&tail)
                        || kvet_inventory::has_executable_marker(piece);
                    if piece.len() >= OVERLAP {
                        tail.clear();
                        tail.extend_from_slice(&piece[piece.len() - OVERLAP..]);
                    } else {
                        // `tail` is the old tail and the whole short piece: keep its end.
                        let extra = tail.len().saturating_sub(OVERLAP);
                        tail.drain(..extra);
                    }
                }
                let number = self.held.as_ref().map_or(0, Vec::len);
                pieces.push((number, self.pos, self.pos + n));
                self.pos += n;
                self.consumed += n as u64;
                self.taken += n as u64;
                left -= n as u64;
            }
            Ok::<(), io::Error>(())
        })();
        let held = self.held.take().unwrap_or_default();
        let out = (result.is_ok() && marked).then(|| {
            let mut data = Vec::with_capacity(head.len() + (len - left) as usize);
            data.extend_from_slice(head);
            for &(number, from, to) in &pieces {
                let chunk = held.get(number).unwrap_or(&self.chunk);
                data.extend_from_slice(&chunk[from..to]);
            }
            data
        });
        for chunk in held {
            let _ = self.free.send(chunk);
        }
        result.map(|()| out)
    }
}

impl Read for ChannelReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if !self.fill()? {
            return Ok(0);
        }
        let n = out.len().min(self.chunk.len() - self.pos);
        out[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        self.consumed += n as u64;
        Ok(n)
    }
}

impl Seek for ChannelReader<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        // `tar` asks relative to where it thinks the stream is; `take_if_marked` may have
        // moved on by `taken` bytes since.
        let ahead = match pos {
            SeekFrom::Current(n) => u64::try_from(n)
                .ok()
                .and_then(|n| n.checked_sub(self.taken)),
            SeekFrom::Start(n) => n.checked_sub(self.consumed),
            SeekFrom::End(_) => None,
        };
        self.taken = 0;
        let Some(ahead) = ahead else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a layer stream only skips forward",
            ));
        };
        if self.skip(ahead)? < ahead {
            // What `tar` reports when it skips by reading and the stream ends.
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "unexpected EOF during skip",
            ));
        }
        Ok(self.consumed)
    }
}

/// Reads one layer: `body` gets the decompressed tar bytes as a `Read` (see the module docs);
/// once it returns, the rest of the blob is drained and its digest checked, so a successful
/// result means the bytes `body` saw are the ones the digest names. An error of the reading
/// thread (digest, limits, truncation) takes precedence over the error it caused in `body`.
pub fn read_layer<T>(
    stored: Box<dyn Read + Send + '_>,
    layer: &LayerDesc,
    limits: &Limits,
    progress: Option<&dyn Fn(u64)>,
    body: impl FnOnce(LayerReader<'_, '_>) -> Result<T>,
) -> Result<(T, LayerTotals)> {
    let counter = AtomicU64::new(0);
    let (mut hasher, expected_hex) = parse_digest(&layer.digest)?;
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<io::Result<Vec<u8>>>(IN_FLIGHT);
        let (free_tx, free_rx) = channel::<Vec<u8>>();
        // Hashing gets a thread of its own: with zstd it costs a third of decompression.
        let (raw_tx, raw_rx) = sync_channel::<(Arc<Vec<u8>>, usize)>(IN_FLIGHT);
        let hashing = scope.spawn(move || {
            for (chunk, n) in raw_rx {
                hasher.update(&chunk[..n]);
            }
            hasher.hex()
        });
        let counter_ref = &counter;
        // Err(None): the caller stopped listening (its own error is the one to report).
        let producer = scope.spawn(move || -> std::result::Result<LayerTotals, Option<Error>> {
            let count = |n: u64| counter_ref.store(n, Ordering::Relaxed);
            let mut stream = LayerStream::with_sink(
                stored,
                layer,
                limits,
                Some(&count),
                DigestSink::Thread(raw_tx),
            )
            .map_err(Some)?;
            loop {
                let mut buf = free_rx.try_recv().unwrap_or_default();
                buf.resize(CHUNK, 0);
                // Fill the whole chunk: decoders (and some sources) return a few hundred bytes
                // per call, and a chunk per call would cost more than the bytes.
                let mut n = 0;
                let mut eof = false;
                while n < CHUNK {
                    match stream.read(&mut buf[n..]) {
                        Ok(0) => {
                            eof = true;
                            break;
                        }
                        Ok(k) => n += k,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            let _ = tx.send(Err(io::Error::other("layer reader stopped")));
                            return Err(Some(into_image_error(e, &layer.digest)));
                        }
                    }
                }
                buf.truncate(n);
                if n > 0 && tx.send(Ok(buf)).is_err() {
                    return Err(None);
                }
                if eof {
                    break;
                }
            }
            drop(tx);
            let compression = stream.compression();
            let (stored_bytes, uncompressed_bytes) = stream.finish().map_err(Some)?;
            Ok(LayerTotals {
                compression,
                stored_bytes,
                uncompressed_bytes,
            })
        });
        let reader = RefCell::new(ChannelReader {
            rx,
            free: free_tx,
            chunk: Vec::new(),
            pos: 0,
            consumed: 0,
            taken: 0,
            held: None,
            stored: &counter,
            progress,
            reported: 0,
        });
        let out = body(LayerReader { inner: &reader }).and_then(|v| {
            reader
                .borrow_mut()
                .skip(u64::MAX)
                .map(|_| v)
                .map_err(|e| into_image_error(e, &layer.digest))
        });
        drop(reader);
        let produced = producer.join().unwrap_or_else(|_| {
            Err(Some(Error::Invalid(format!(
                "layer {}: reader thread failed",
                layer.digest
            ))))
        });
        let actual_hex = hashing.join().unwrap_or_default();
        match (out, produced) {
            (Ok(v), Ok(totals)) => {
                compare_digest(&layer.digest, &expected_hex, actual_hex)?;
                Ok((v, totals))
            }
            (_, Err(Some(e))) => Err(e),
            (Err(e), _) => Err(e),
            (Ok(_), Err(None)) => Err(Error::Invalid(format!(
                "layer {}: reader stopped early",
                layer.digest
            ))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc(digest: String) -> LayerDesc {
        LayerDesc {
            digest,
            media_type: None,
            size: None,
            diff_id: None,
            created_by: None,
        }
    }

    fn sha256(b: &[u8]) -> String {
        format!("sha256:{}", hex(&Sha256::digest(b)))
    }

    #[test]
    fn plain_bytes_pass_through_and_verify() {
        let data = b"not compressed at all".repeat(100);
        let mut s = LayerStream::new(
            Box::new(&data[..]),
            &desc(sha256(&data)),
            &Limits::default(),
            None,
        )
        .unwrap();
        let mut first = [0u8; 10];
        s.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"not compre");
        assert_eq!(s.compression(), Compression::Plain);
        // Finishing reads the rest, so the digest covers the whole blob.
        assert_eq!(s.finish().unwrap(), (2100, 2100));
    }

    #[test]
    fn sha512_digests_are_checked_too() {
        let data = b"abc".to_vec();
        let good = format!("sha512:{}", hex(&Sha512::digest(&data)));
        let s = LayerStream::new(Box::new(&data[..]), &desc(good), &Limits::default(), None);
        assert!(s.unwrap().finish().is_ok());
        let bad = format!("sha512:{}", "0".repeat(128));
        let s = LayerStream::new(Box::new(&data[..]), &desc(bad), &Limits::default(), None);
        assert!(matches!(
            s.unwrap().finish(),
            Err(Error::DigestMismatch { .. })
        ));
    }

    #[test]
    fn malformed_digests_are_refused() {
        for d in ["sha256", "md5:abcd", "sha256:xyz", "sha256:abcd"] {
            let e = LayerStream::new(
                Box::new(&b""[..]),
                &desc(d.into()),
                &Limits::default(),
                None,
            )
            .err()
            .unwrap();
            assert!(e.to_string().contains(d), "{e}");
        }
    }

    /// A reader over `chunks` as the decompressing thread would send them.
    fn channel_reader(chunks: Vec<Vec<u8>>, counter: &AtomicU64) -> ChannelReader<'_> {
        let (tx, rx) = sync_channel(chunks.len() + 1);
        for c in chunks {
            tx.send(Ok(c)).unwrap();
        }
        let (free, _) = channel();
        ChannelReader {
            rx,
            free,
            chunk: Vec::new(),
            pos: 0,
            consumed: 0,
            taken: 0,
            held: None,
            stored: counter,
            progress: None,
            reported: 0,
        }
    }

    /// `take_if_marked` finds a marker split between two chunks, returns the file's exact
    /// bytes, and tells `tar`'s next skip about the bytes it took. Data: Debian's runc and
    /// bash from the real test image (scripts/make-test-images.sh).
    #[test]
    fn take_if_marked_across_chunks() {
        let (runc, bash, magic) = crate::real_runc_and_bash();
        let counter = AtomicU64::new(0);
        for cut in [magic + 1, magic + 8, magic + 14] {
            // A stream of: 10 bytes before the file, the file cut inside the magic (and
            // followed by 100 bytes of the next entry in the same chunk).
            let mut first = vec![7u8; 10];
            first.extend_from_slice(&runc[..cut]);
            let mut second = runc[cut..].to_vec();
            second.extend_from_slice(&[9u8; 100]);
            let r = RefCell::new(channel_reader(vec![first, second], &counter));
            let mut handle = LayerReader { inner: &r };
            let mut head = [0u8; 14];
            handle.read_exact(&mut head[..10]).unwrap();
            handle.read_exact(&mut head[..4]).unwrap();
            let got = handle
                .take_if_marked(runc.len() as u64 - 4, &head[..4])
                .unwrap();
            assert!(got.as_deref() == Some(&runc[..]), "cut at {cut}");
            // `tar` thinks it is 14 bytes in and skips the rest of the entry.
            let pos = handle
                .seek(SeekFrom::Current(runc.len() as i64 - 4))
                .unwrap();
            assert_eq!(pos, 10 + runc.len() as u64);
            let mut rest = Vec::new();
            handle.read_to_end(&mut rest).unwrap();
            assert_eq!(rest, [9u8; 100]);
        }
        let half = bash.len() / 2;
        let r = RefCell::new(channel_reader(
            vec![bash[..half].to_vec(), bash[half..].to_vec()],
            &counter,
        ));
        let mut handle = LayerReader { inner: &r };
        let mut head = [0u8; 4];
        handle.read_exact(&mut head).unwrap();
        assert_eq!(
            handle.take_if_marked(bash.len() as u64 - 4, &head).unwrap(),
            None
        );
    }
}
