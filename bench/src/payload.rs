//! Document content: text-like bytes, unique per document (the content store deduplicates
//! by hash, so identical uploads would skip the write being measured).

use bytes::Bytes;
use futures::Stream;

/// Chunks handed to the HTTP client and to the baseline writer.
pub const CHUNK: usize = 1 << 20;
/// Every document starts with a 32-byte line naming the run and the document.
pub const HEADER_LEN: usize = 32;

/// A small xorshift generator: deterministic filler and random ids without a dependency.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-enough in `[0, n)` for picking ids.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `[lo, hi]`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// One element of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// A standard normal deviate (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.unit();
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// A nonce that differs from run to run, so a reused data directory never deduplicates.
pub fn run_nonce() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    t ^ u64::from(std::process::id()).rotate_left(32)
}

/// Text-like filler: lower-case words and spaces, a line break now and then.
fn text_block(len: usize, seed: u64) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "the",
        "agreement",
        "party",
        "shall",
        "within",
        "days",
        "notice",
        "court",
        "claim",
        "counsel",
        "hereby",
        "pursuant",
        "section",
        "clause",
        "license",
        "damages",
        "and",
        "of",
        "to",
        "in",
        "matter",
        "client",
        "invoice",
        "deed",
        "witness",
        "schedule",
    ];
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(len + 16);
    let mut col = 0;
    while out.len() < len {
        let w = WORDS[rng.below(WORDS.len() as u64) as usize];
        out.extend_from_slice(w.as_bytes());
        col += w.len() + 1;
        if col > 72 {
            out.push(b'\n');
            col = 0;
        } else {
            out.push(b' ');
        }
    }
    out.truncate(len);
    out
}

/// The content of every document of one size class: a shared body after a unique header.
#[derive(Clone)]
pub struct Payload {
    body: Bytes,
    nonce: u64,
}

impl Payload {
    /// Content of `size` bytes per document (`size` ≥ 32).
    pub fn new(size: usize, nonce: u64) -> Payload {
        let block = text_block(size.clamp(HEADER_LEN, CHUNK), nonce);
        let mut body = Vec::with_capacity(size);
        while body.len() < size {
            let take = (size - body.len()).min(block.len());
            body.extend_from_slice(&block[..take]);
        }
        Payload {
            body: Bytes::from(body),
            nonce,
        }
    }

    pub fn len(&self) -> u64 {
        self.body.len() as u64
    }

    /// The first 32 bytes of document `i`.
    pub fn header(&self, i: u64) -> Bytes {
        Bytes::from(format!("{:016x}{:015x}\n", self.nonce, i))
    }

    /// Document `i` as chunks: its header, then slices of the shared body (no copies).
    pub fn chunks(&self, i: u64) -> Vec<Bytes> {
        let mut out = vec![self.header(i)];
        let mut at = HEADER_LEN.min(self.body.len());
        while at < self.body.len() {
            let end = (at + CHUNK).min(self.body.len());
            out.push(self.body.slice(at..end));
            at = end;
        }
        out
    }

    /// Document `i` as a streaming request body.
    pub fn body(&self, i: u64) -> reqwest::Body {
        let chunks = self.chunks(i);
        reqwest::Body::wrap_stream(futures::stream::iter(
            chunks.into_iter().map(Ok::<Bytes, std::io::Error>),
        ))
    }
}

/// `total` bytes generated on the fly: a unique 32-byte header, then the same 1 MiB block
/// over and over. Only one block is ever held in memory.
pub fn generated(
    total: u64,
    nonce: u64,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let block = Bytes::from(text_block(CHUNK, nonce));
    let header = Bytes::from(format!("{:016x}{:015x}\n", nonce, total));
    futures::stream::unfold(0u64, move |sent| {
        let block = block.clone();
        let header = header.clone();
        async move {
            if sent >= total {
                return None;
            }
            let chunk = if sent == 0 {
                header
            } else {
                let n = (total - sent).min(block.len() as u64) as usize;
                block.slice(..n)
            };
            let chunk = chunk.slice(..(chunk.len() as u64).min(total - sent) as usize);
            let next = sent + chunk.len() as u64;
            Some((Ok(chunk), next))
        }
    })
}
