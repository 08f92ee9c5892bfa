//! Starts and stops the real server binary, and reads its memory figures from /proc.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{R, err};

/// The administrator password the benchmarks create their servers with.
pub const ADMIN_PASSWORD: &str = "bench-admin-password-1";

/// A `dossier serve` process on a loopback port.
pub struct Server {
    child: Child,
    pub base: String,
    log: PathBuf,
    stopped: bool,
}

/// `dossier <subcommand> --data-dir <data_dir>` with only the settings chosen here: no
/// stray DOSSIER_* of the caller's shell.
fn dossier_command(bin: &Path, subcommand: &str, data_dir: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg(subcommand).arg("--data-dir").arg(data_dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("DOSSIER_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("DOSSIER_ADMIN_PASSWORD", ADMIN_PASSWORD);
    // The benchmarks measure how fast the server goes, not its limits on one user.
    cmd.env("DOSSIER_RATE_LIMIT_PER_USER", "0");
    cmd.env("DOSSIER_RATE_LIMIT_PER_ADDRESS", "0");
    cmd
}

/// How a one-off `dossier` command went.
pub struct CommandRun {
    pub elapsed: Duration,
    /// The highest VmHWM read while it ran (sampled every 50 ms, so growth in its last
    /// moments may be missed), in bytes.
    pub peak_rss: u64,
    /// The highest RssAnon sampled: the process's own memory, without the pages of files it
    /// maps (an index's segments, read through mmap, count in VmHWM while they are resident
    /// but are page cache the kernel can drop), in bytes.
    pub peak_anon: u64,
    pub success: bool,
    pub stdout: String,
    /// Its stderr, in this file.
    pub log: PathBuf,
}

/// Runs `dossier <subcommand> --data-dir <data_dir> <args…>` to completion, sampling its
/// peak RSS from /proc while it runs; stderr goes to `<data_dir>.<subcommand>.log`.
pub async fn run_command(
    bin: &Path,
    subcommand: &str,
    data_dir: &Path,
    args: &[&str],
) -> R<CommandRun> {
    let log = data_dir.with_extension(format!("{subcommand}.log"));
    let stdout_path = data_dir.with_extension(format!("{subcommand}.out"));
    let mut cmd = dossier_command(bin, subcommand, data_dir);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path)?)
        .stderr(File::create(&log)?);
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| err(format!("cannot start {}: {e}", bin.display())))?;
    let mut peak_kb = 0;
    let mut anon_kb = 0;
    let status = loop {
        if let Ok(kb) = proc_status_kb(child.id(), "VmHWM:") {
            peak_kb = peak_kb.max(kb);
        }
        if let Ok(kb) = proc_status_kb(child.id(), "RssAnon:") {
            anon_kb = anon_kb.max(kb);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    Ok(CommandRun {
        elapsed: started.elapsed(),
        peak_rss: peak_kb * 1024,
        peak_anon: anon_kb * 1024,
        success: status.success(),
        stdout: std::fs::read_to_string(&stdout_path).unwrap_or_default(),
        log,
    })
}

/// A free loopback port: bind port 0, note the port, let it go.
fn free_port() -> R<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

impl Server {
    /// Starts the server on `data_dir` and waits until GET /healthz answers 200.
    pub async fn start(bin: &Path, data_dir: &Path) -> R<Server> {
        Self::start_with(bin, data_dir, &[]).await
    }

    /// `start` with further settings (`DOSSIER_…` variables).
    pub async fn start_with(bin: &Path, data_dir: &Path, settings: &[(&str, &str)]) -> R<Server> {
        std::fs::create_dir_all(data_dir)?;
        let port = free_port()?;
        let listen = format!("127.0.0.1:{port}");
        let log = data_dir.with_extension("server.log");
        let out = File::options().create(true).append(true).open(&log)?;
        let mut cmd = dossier_command(bin, "serve", data_dir);
        cmd.envs(settings.iter().copied());
        cmd.arg("--listen")
            .arg(&listen)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        let child = cmd
            .spawn()
            .map_err(|e| err(format!("cannot start {}: {e}", bin.display())))?;
        let mut server = Server {
            child,
            base: format!("http://{listen}"),
            log,
            stopped: false,
        };
        server.wait_healthy(Duration::from_secs(120)).await?;
        Ok(server)
    }

    async fn wait_healthy(&mut self, limit: Duration) -> R<()> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        let url = format!("{}/healthz", self.base);
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                self.stopped = true;
                return Err(err(format!(
                    "the server exited during startup ({status}); its log:\n{}",
                    self.log_tail()
                )));
            }
            if let Ok(r) = http.get(&url).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if started.elapsed() > limit {
                return Err(err(format!(
                    "the server did not become healthy within {limit:?}; its log:\n{}",
                    self.log_tail()
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak resident set size so far (VmHWM), in bytes.
    pub fn peak_rss(&self) -> R<u64> {
        proc_status_kb(self.pid(), "VmHWM:").map(|kb| kb * 1024)
    }

    /// CPU time used so far (user + system, all threads), in seconds.
    pub fn cpu_seconds(&self) -> R<f64> {
        cpu_seconds(self.pid())
    }

    /// Current resident set size (VmRSS), in bytes.
    pub fn rss(&self) -> R<u64> {
        proc_status_kb(self.pid(), "VmRSS:").map(|kb| kb * 1024)
    }

    /// Stops the server the way an operator would (SIGINT, as Ctrl-C), and waits for it.
    pub async fn stop(mut self) -> R<()> {
        self.stopped = true;
        let pid = self.pid().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                if !status.success() {
                    eprintln!("note: the server exited with {status}");
                }
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(60) {
                eprintln!("note: the server did not stop within 60 s; killing it");
                self.child.kill()?;
                self.child.wait()?;
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.stopped {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One `kB` figure of /proc/<pid>/status.
pub fn proc_status_kb(pid: u32, key: &str) -> R<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| err(format!("no {key} in /proc/{pid}/status")))
}

/// This process's own peak RSS, in bytes.
pub fn own_peak_rss() -> R<u64> {
    proc_status_kb(std::process::id(), "VmHWM:").map(|kb| kb * 1024)
}

/// CPU time (user + system, all threads) of a process so far, in seconds.
pub fn cpu_seconds(pid: u32) -> R<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may contain spaces; the fields after it are space-separated.
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| err(format!("unexpected /proc/{pid}/stat")))?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of proc(5), utime and stime, counted from `state` (field 3).
    let ticks = |i: usize| -> R<f64> {
        Ok(fields
            .get(i)
            .ok_or_else(|| err(format!("short /proc/{pid}/stat")))?
            .parse::<f64>()?)
    };
    Ok((ticks(11)? + ticks(12)?) / clock_ticks())
}

/// Clock ticks per second for /proc figures (`getconf CLK_TCK`, almost always 100).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|t| *t > 0.0)
            .unwrap_or(100.0)
    })
}

/// CPU use of the server and of this process over an interval, in cores.
pub struct CpuMeter {
    server_pid: Option<u32>,
    started: std::time::Instant,
    server0: f64,
    own0: f64,
}

impl CpuMeter {
    pub fn start(server: &Server) -> R<CpuMeter> {
        Ok(CpuMeter {
            server_pid: Some(server.pid()),
            started: std::time::Instant::now(),
            server0: server.cpu_seconds()?,
            own0: cpu_seconds(std::process::id())?,
        })
    }

    /// Measures only this process (no server running).
    pub fn own() -> R<CpuMeter> {
        Ok(CpuMeter {
            server_pid: None,
            started: std::time::Instant::now(),
            server0: 0.0,
            own0: cpu_seconds(std::process::id())?,
        })
    }

    /// "server 1.42 cores, bench client 0.51 cores" since `start`.
    pub fn summary(&self) -> String {
        let wall = self.started.elapsed().as_secs_f64();
        let own = cpu_seconds(std::process::id()).map(|c| (c - self.own0) / wall);
        match (self.server_pid, own) {
            (Some(pid), Ok(o)) => match cpu_seconds(pid) {
                Ok(c) => format!(
                    "CPU: server {:.2} cores, bench client {o:.2} cores",
                    (c - self.server0) / wall
                ),
                Err(_) => "CPU: unavailable".into(),
            },
            (None, Ok(o)) => format!("CPU: bench process {o:.2} cores"),
            _ => "CPU: unavailable".into(),
        }
    }
}
