//! The parent side: a pool of long-lived worker processes, each answering one file at a time
//! over its stdin/stdout, killed and replaced when it is too slow or dies.

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Semaphore;

use crate::worker::{
    AttachmentAnswer, HOOKS_ENV, MEMORY_ENV, RESPONSE_MAGIC, Request, request_header,
};
use crate::{Extraction, Limits, Part, human_bytes, human_duration};

/// How much of a worker's stderr is kept to explain its death.
const TAIL_BYTES: usize = 8192;
const SIGXCPU: i32 = 24;
/// mimalloc's option for the address space it reserves at a time, and the worker's value.
const MIMALLOC_ARENA_RESERVE_ENV: &str = "MIMALLOC_ARENA_RESERVE";
const WORKER_ARENA_RESERVE: &str = "64MiB";

/// Parent side: a pool of `workers` long-lived worker processes started as
/// `program extract-worker`. Cheap to clone. Each call sends one file to an idle worker and
/// reads its answer; a worker that takes longer than the timeout, or dies, is killed and
/// replaced (lazily, by the next call), and the answer is `Outcome::Failed` with the reason.
/// Files over `max_input_bytes` are answered `MetadataOnly` without contacting a worker.
#[derive(Clone)]
pub struct Extractor {
    inner: Arc<Inner>,
}

struct Inner {
    program: PathBuf,
    limits: Limits,
    hooks: Option<String>,
    permits: Semaphore,
    idle: Mutex<Vec<Worker>>,
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    stderr_tail: Arc<Mutex<String>>,
    stderr_task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Extractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extractor")
            .field("program", &self.inner.program)
            .field("limits", &self.inner.limits)
            .finish()
    }
}

impl Extractor {
    pub fn new(program: PathBuf, limits: Limits, workers: usize) -> Extractor {
        Extractor {
            inner: Arc::new(Inner {
                program,
                limits,
                hooks: std::env::var(HOOKS_ENV).ok(),
                permits: Semaphore::new(workers.max(1)),
                idle: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The program the workers run.
    pub fn program(&self) -> &std::path::Path {
        &self.inner.program
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    pub async fn extract(&self, content: Bytes, file_name: &str) -> Extraction {
        let limits = &self.inner.limits;
        if content.len() as u64 > limits.max_input_bytes {
            let ext = crate::detect::extension(file_name);
            return Extraction::metadata_only(
                if ext.is_empty() { "unknown" } else { &ext },
                format!(
                    "file is larger than the {} extraction limit",
                    human_bytes(limits.max_input_bytes)
                ),
            );
        }
        let request = Request::new(file_name, limits);
        self.ask(&content, &request)
            .await
            .unwrap_or_else(|why| Extraction::failed("unknown", why))
    }

    /// Attachment `number` (from 1, as an email's profile lists them) of an email, taken
    /// out by a worker; the reason when there is none or the message cannot be read.
    pub async fn attachment(
        &self,
        content: Bytes,
        file_name: &str,
        number: u32,
    ) -> Result<Part, String> {
        let limits = &self.inner.limits;
        if content.len() as u64 > limits.max_input_bytes {
            return Err(format!(
                "the message is larger than the {} extraction limit",
                human_bytes(limits.max_input_bytes)
            ));
        }
        let request = Request {
            attachment: Some(number),
            ..Request::new(file_name, limits)
        };
        self.ask::<AttachmentAnswer>(&content, &request).await?
    }

    /// Sends one request to an idle worker and reads its answer; `Err` says why there is
    /// none (the worker was too slow, died, or could not be started).
    async fn ask<T: serde::de::DeserializeOwned>(
        &self,
        content: &[u8],
        request: &Request,
    ) -> Result<T, String> {
        let limits = &self.inner.limits;
        let Ok(_permit) = self.inner.permits.acquire().await else {
            return Err("the extractor is shut down".to_string());
        };
        let mut worker = match self.idle_worker() {
            Some(w) => w,
            None => match self.spawn() {
                Ok(w) => w,
                Err(e) => return Err(format!("the extractor could not be started: {e}")),
            },
        };
        let answer =
            tokio::time::timeout(limits.timeout, worker.exchange(content, request, limits)).await;
        match answer {
            Ok(Ok(answer)) => {
                self.lock_idle().push(worker);
                Ok(answer)
            }
            Ok(Err(e)) => Err(worker.death_reason(limits, e).await),
            Err(_elapsed) => {
                // Kill and reap in the background; the caller gets its answer now.
                tokio::spawn(async move {
                    let _ = worker.child.kill().await;
                });
                Err(format!(
                    "extraction took longer than {}",
                    human_duration(limits.timeout)
                ))
            }
        }
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<Worker>> {
        self.inner.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An idle worker that is still alive.
    fn idle_worker(&self) -> Option<Worker> {
        loop {
            let mut w = self.lock_idle().pop()?;
            if matches!(w.child.try_wait(), Ok(None)) {
                return Some(w);
            }
        }
    }

    fn spawn(&self) -> io::Result<Worker> {
        let mut cmd = Command::new(&self.inner.program);
        cmd.arg("extract-worker")
            // The worker parses hostile files: it gets none of the server's environment.
            .env_clear()
            .env(MEMORY_ENV, self.inner.limits.memory_bytes.to_string())
            // The binary allocates with mimalloc, which by default reserves its first arena
            // as 1 GiB of address space: the worker then starts above its own address-space
            // limit, and any allocation the arena cannot hold fails at random. Small arenas
            // keep the limit meaning what it says.
            .env(MIMALLOC_ARENA_RESERVE_ENV, WORKER_ARENA_RESERVE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(h) = &self.inner.hooks {
            cmd.env(HOOKS_ENV, h);
        }
        let mut child = cmd.spawn()?;
        let missing = || io::Error::other("the worker's pipes are missing");
        let stdin = child.stdin.take().ok_or_else(missing)?;
        let stdout = BufReader::new(child.stdout.take().ok_or_else(missing)?);
        let stderr = child.stderr.take().ok_or_else(missing)?;
        let stderr_tail = Arc::new(Mutex::new(String::new()));
        let tail = stderr_tail.clone();
        let pid = child.id().unwrap_or(0);
        let stderr_task = tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let line: String = line.chars().take(2000).collect();
                tracing::warn!(target: "dossier_extract", pid, "extract worker: {line}");
                let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                t.push_str(&line);
                t.push('\n');
                if t.len() > TAIL_BYTES {
                    let mut cut = t.len() - TAIL_BYTES;
                    while !t.is_char_boundary(cut) {
                        cut += 1;
                    }
                    t.drain(..cut);
                }
            }
        });
        Ok(Worker {
            child,
            stdin,
            stdout,
            stderr_tail,
            stderr_task: Some(stderr_task),
        })
    }
}

impl Worker {
    async fn exchange<T: serde::de::DeserializeOwned>(
        &mut self,
        content: &[u8],
        request: &Request,
        limits: &Limits,
    ) -> io::Result<T> {
        let header = request_header(request, content.len() as u64);
        self.stdin.write_all(&header).await?;
        self.stdin.write_all(content).await?;
        self.stdin.flush().await?;
        let mut magic = [0u8; 4];
        self.stdout.read_exact(&mut magic).await?;
        if &magic != RESPONSE_MAGIC {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "bad answer frame",
            ));
        }
        let mut len = [0u8; 8];
        self.stdout.read_exact(&mut len).await?;
        let len = u64::from_le_bytes(len);
        let max = (limits.max_text_bytes as u64)
            .saturating_mul(6)
            .saturating_add(16 << 20);
        if len > max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "answer frame too large",
            ));
        }
        let mut buf = vec![0u8; len as usize];
        self.stdout.read_exact(&mut buf).await?;
        serde_json::from_slice(&buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    /// Why the exchange failed; the worker is gone (or killed) afterwards.
    async fn death_reason(mut self, limits: &Limits, error: io::Error) -> String {
        if error.kind() == io::ErrorKind::InvalidData {
            let _ = self.child.kill().await;
            return format!("the extractor sent an unreadable answer: {error}");
        }
        let status = match tokio::time::timeout(Duration::from_secs(2), self.child.wait()).await {
            Ok(Ok(status)) => Some(status),
            _ => {
                let _ = self.child.kill().await;
                None
            }
        };
        // Let the stderr reader take the last lines (it ends at EOF once the process is gone).
        if let Some(task) = self.stderr_task.take() {
            let _ = tokio::time::timeout(Duration::from_millis(500), task).await;
        }
        let tail = self
            .stderr_tail
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let Some(status) = status else {
            return format!("the extractor stopped answering: {error}");
        };
        if tail.contains("memory allocation of") {
            return format!(
                "the extractor ran out of memory (limit {})",
                human_bytes(limits.memory_bytes)
            );
        }
        match status.signal() {
            Some(SIGXCPU) => "the extractor used too much CPU time".to_string(),
            Some(sig) if tail.contains("overflowed its stack") => {
                format!("the extractor crashed: signal {sig} (stack overflow)")
            }
            Some(sig) => format!("the extractor crashed: signal {sig}"),
            // The worker says why before it exits on its own (a bad frame, a broken pipe).
            None => match tail.lines().rev().find(|l| !l.trim().is_empty()) {
                Some(said) => format!("the extractor exited unexpectedly ({status}): {said}"),
                None => format!("the extractor exited unexpectedly ({status})"),
            },
        }
    }
}
