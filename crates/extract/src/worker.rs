//! The worker process and the frames it exchanges with the parent over stdin/stdout.
//!
//! Request:  `DXQ1`, u32 LE header length, header (JSON [`Request`]), u64 LE content length,
//!           content.
//! Response: `DXR1`, u64 LE length, JSON [`Extraction`].

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::{Extraction, Limits, panic_message};

pub(crate) const REQUEST_MAGIC: &[u8; 4] = b"DXQ1";
pub(crate) const RESPONSE_MAGIC: &[u8; 4] = b"DXR1";
/// The worker's address-space limit, in bytes.
pub(crate) const MEMORY_ENV: &str = "DOSSIER_EXTRACT_MEMORY_BYTES";
/// "1" enables the test hooks (file names that sleep, abort or exhaust memory).
pub(crate) const HOOKS_ENV: &str = "DOSSIER_EXTRACT_TEST_HOOKS";
const MAX_HEADER: u32 = 1 << 20;

/// The per-file part of [`Limits`], sent with each file.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Request {
    pub file_name: String,
    pub timeout_ms: u64,
    pub max_input_bytes: u64,
    pub max_text_bytes: usize,
    pub max_unpacked_bytes: u64,
    pub max_entries: usize,
    pub max_depth: u32,
    /// Asks for this attachment of an email (from 1), answered as `AttachmentAnswer`,
    /// instead of the file's text.
    #[serde(default)]
    pub attachment: Option<u32>,
}

/// The answer to an attachment request.
pub(crate) type AttachmentAnswer = Result<crate::Part, String>;

impl Request {
    pub fn new(file_name: &str, l: &Limits) -> Request {
        Request {
            attachment: None,
            file_name: file_name.to_string(),
            timeout_ms: u64::try_from(l.timeout.as_millis()).unwrap_or(u64::MAX),
            max_input_bytes: l.max_input_bytes,
            max_text_bytes: l.max_text_bytes,
            max_unpacked_bytes: l.max_unpacked_bytes,
            max_entries: l.max_entries,
            max_depth: l.max_depth,
        }
    }

    fn limits(&self) -> Limits {
        Limits {
            timeout: Duration::from_millis(self.timeout_ms),
            memory_bytes: 0,
            max_input_bytes: self.max_input_bytes,
            max_text_bytes: self.max_text_bytes,
            max_unpacked_bytes: self.max_unpacked_bytes,
            max_entries: self.max_entries,
            max_depth: self.max_depth,
        }
    }
}

/// The request frame's header part (everything before the content).
pub(crate) fn request_header(req: &Request, content_len: u64) -> Vec<u8> {
    let json = serde_json::to_vec(req).unwrap_or_default();
    let mut out = Vec::with_capacity(json.len() + 16);
    out.extend_from_slice(REQUEST_MAGIC);
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&content_len.to_le_bytes());
    out
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// The next request, or None at a clean end of input.
fn read_request(input: &mut impl Read, max_input: u64) -> io::Result<Option<(Request, Vec<u8>)>> {
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        let n = input.read(&mut magic[got..])?;
        if n == 0 {
            return if got == 0 {
                Ok(None)
            } else {
                Err(invalid("truncated frame"))
            };
        }
        got += n;
    }
    if &magic != REQUEST_MAGIC {
        return Err(invalid("bad frame magic"));
    }
    let mut len4 = [0u8; 4];
    input.read_exact(&mut len4)?;
    let header_len = u32::from_le_bytes(len4);
    if header_len > MAX_HEADER {
        return Err(invalid("frame header too large"));
    }
    let mut header = vec![0u8; header_len as usize];
    input.read_exact(&mut header)?;
    let req: Request = serde_json::from_slice(&header).map_err(|e| invalid(e.to_string()))?;
    let mut len8 = [0u8; 8];
    input.read_exact(&mut len8)?;
    let len = u64::from_le_bytes(len8);
    if len > req.max_input_bytes.max(max_input) {
        return Err(invalid("file larger than the input limit"));
    }
    let mut content = Vec::new();
    input.take(len).read_to_end(&mut content)?;
    if content.len() as u64 != len {
        return Err(invalid("truncated frame"));
    }
    Ok(Some((req, content)))
}

pub(crate) fn write_response(out: &mut impl Write, e: &impl serde::Serialize) -> io::Result<()> {
    let json = serde_json::to_vec(e).map_err(|e| invalid(e.to_string()))?;
    out.write_all(RESPONSE_MAGIC)?;
    out.write_all(&(json.len() as u64).to_le_bytes())?;
    out.write_all(&json)?;
    out.flush()
}

/// The worker's main loop, called by `dossier extract-worker`: applies its own rlimits, then
/// reads frames from stdin and writes frames to stdout until stdin closes. A panic while
/// extracting one file becomes `Failed("the extractor failed: …")`.
pub fn worker_main() -> ExitCode {
    let memory = std::env::var(MEMORY_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(Limits::default().memory_bytes);
    let memory_limited = match rlimit::setrlimit(rlimit::Resource::AS, memory, memory) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("dossier extract-worker: cannot limit memory: {e}");
            false
        }
    };
    let hooks = std::env::var(HOOKS_ENV).as_deref() == Ok("1");
    let started = Instant::now();
    let mut input = BufReader::with_capacity(1 << 16, io::stdin().lock());
    let mut output = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    loop {
        let (req, content) = match read_request(&mut input, Limits::default().max_input_bytes) {
            Ok(Some(r)) => r,
            Ok(None) => return ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("dossier extract-worker: bad request: {e}");
                return ExitCode::from(2);
            }
        };
        let limits = req.limits();
        limit_cpu(limits.timeout, started);
        if let Some(number) = req.attachment {
            let run = std::panic::AssertUnwindSafe(|| {
                crate::mail::attachment(&content, &req.file_name, number)
            });
            let answer: AttachmentAnswer = std::panic::catch_unwind(run)
                .unwrap_or_else(|p| Err(format!("the extractor failed: {}", panic_message(&*p))));
            drop(content);
            if let Err(e) = write_response(&mut output, &answer) {
                eprintln!("dossier extract-worker: cannot answer: {e}");
                return ExitCode::from(2);
            }
            continue;
        }
        let run = std::panic::AssertUnwindSafe(|| {
            if hooks {
                test_hook(&req.file_name, memory_limited);
            }
            crate::extract(&content, &req.file_name, &limits)
        });
        let extraction = std::panic::catch_unwind(run).unwrap_or_else(|payload| {
            Extraction::failed(
                "unknown",
                format!("the extractor failed: {}", panic_message(&*payload)),
            )
        });
        drop(content);
        if let Err(e) = write_response(&mut output, &extraction) {
            eprintln!("dossier extract-worker: cannot answer: {e}");
            return ExitCode::from(2);
        }
    }
}

/// A CPU-time backstop for a worker whose parent is gone: the soft RLIMIT_CPU is moved to
/// the CPU time used so far plus twice the per-file timeout (SIGXCPU past it).
fn limit_cpu(timeout: Duration, started: Instant) {
    // Wall time since start bounds the CPU time of this single-threaded process.
    let used = cpu_seconds().unwrap_or_else(|| started.elapsed().as_secs() + 1);
    let soft = used
        .saturating_add(timeout.as_secs().saturating_mul(2))
        .saturating_add(5);
    let hard = rlimit::getrlimit(rlimit::Resource::CPU).map_or(rlimit::INFINITY, |(_, h)| h);
    let _ = rlimit::setrlimit(rlimit::Resource::CPU, soft.min(hard), hard);
}

/// User + system CPU seconds of this process, from /proc (Linux, 100 ticks a second).
fn cpu_seconds() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command name: state is field 3, utime 14 and stime 15 (1-based overall).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100 + 1)
}

/// Test-only behaviours, enabled by `DOSSIER_EXTRACT_TEST_HOOKS=1` in the worker's environment.
fn test_hook(file_name: &str, memory_limited: bool) {
    match file_name {
        "__dossier_test_sleep__" => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
        "__dossier_test_abort__" => std::process::abort(),
        "__dossier_test_alloc__" => {
            if !memory_limited {
                std::process::abort();
            }
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                let mut chunk = Vec::with_capacity(16 << 20);
                chunk.resize(16 << 20, 1u8);
                hoard.push(chunk);
                std::hint::black_box(&hoard);
            }
        }
        "__dossier_test_panic__" => panic!("test hook panic"),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Outcome;

    #[test]
    fn frames_round_trip() {
        let limits = Limits::default();
        let mut frame = request_header(&Request::new("a.txt", &limits), 5);
        frame.extend_from_slice(b"hello");
        let mut cursor = io::Cursor::new(frame);
        let (req, content) = read_request(&mut cursor, limits.max_input_bytes)
            .expect("read")
            .expect("a request");
        assert_eq!(req.file_name, "a.txt");
        assert_eq!(content, b"hello");
        assert!(
            read_request(&mut cursor, limits.max_input_bytes)
                .expect("eof")
                .is_none()
        );
        let mut bad = io::Cursor::new(b"XXXX".to_vec());
        assert!(read_request(&mut bad, limits.max_input_bytes).is_err());

        let mut out = Vec::new();
        let e = crate::with_text("text", "hi".into());
        write_response(&mut out, &e).expect("write");
        assert_eq!(&out[..4], RESPONSE_MAGIC);
        let back: Extraction = serde_json::from_slice(&out[12..]).expect("json");
        assert_eq!(back.outcome, Outcome::Indexed);
    }

    #[test]
    fn cpu_time_is_readable() {
        assert!(cpu_seconds().is_some());
    }
}
