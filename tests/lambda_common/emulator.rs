//! Shared by the emulator tests (included with `#[path]`): starts `cargo lambda watch` (the
//! Lambda Runtime API emulator) and the release binary against it, and talks to both.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long the emulator and moto get to start listening.
const READY: Duration = Duration::from_secs(60);

/// A program on PATH, if there.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// `cargo-lambda`, or a printed reason to skip.
pub fn cargo_lambda() -> Option<PathBuf> {
    let found = on_path("cargo-lambda");
    if found.is_none() {
        eprintln!("SKIPPED: cargo-lambda is not on PATH (scripts/test.sh installs it into .venv)");
    }
    found
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Held from choosing a port until our server listens on it: two tests of one binary that
/// chose at the same moment could be handed the same free port, and then one server would fail
/// to bind while the other's answers made the port look ready.
static CHOOSING: Mutex<()> = Mutex::new(());

/// Starts the server `command` builds for a free port, waits until it listens there, and
/// returns it (killed when dropped) with the port; its stderr goes to `log`.
pub fn serve(what: &str, log: &Path, command: impl FnOnce(u16) -> Command) -> (Killed, u16) {
    let _turn = CHOOSING.lock().unwrap_or_else(PoisonError::into_inner);
    let port = free_port();
    let stderr = std::fs::File::create(log).expect("server log file");
    let child = command(port)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| panic!("start {what}: {e}"));
    let mut server = Killed(child);
    wait_for_port(&mut server, port, what, log);
    (server, port)
}

/// A server's log file, removed when dropped (after any failure message has quoted it).
pub struct Log(pub PathBuf);

impl Drop for Log {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Waits until `server` accepts connections on `port`; panics with its log if it exits first.
fn wait_for_port(server: &mut Killed, port: u16, what: &str, log: &Path) {
    let deadline = Instant::now() + READY;
    while !listening(port) {
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!(
                "{what} exited ({status}) before listening on {port}: {}",
                tail(log)
            );
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on {port} within {READY:?}: {}",
            tail(log)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether something listens on `port`. A connection whose two ends are the same address does
/// not count: a connect to a free port can be given that port as its own source and connect to
/// itself (TCP simultaneous open) with nobody listening.
fn listening(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port))
        .is_ok_and(|stream| stream.local_addr().ok() != stream.peer_addr().ok())
}

/// The last lines of a server's log, for a failure message.
pub fn tail(log: &Path) -> String {
    let text = std::fs::read(log).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    format!(
        "{} (last lines of {})",
        lines[lines.len().saturating_sub(20)..].join("\n"),
        log.display()
    )
}

/// A fresh file under the tests' scratch folder for one server's log.
pub fn server_log(what: &str) -> Log {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    Log(PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{what}-{}-{n}.log", std::process::id())))
}

/// A child process killed when dropped (also when the test panics).
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The emulator plus our function, and the function's stdout.
pub struct Lambda {
    /// The emulator's port.
    pub port: u16,
    /// The emulator's own log (its stderr), quoted when it cannot be reached.
    log: Log,
    logs: Arc<Mutex<String>>,
    _function: Killed,
    _emulator: Killed,
}

impl Lambda {
    /// Starts `cargo lambda watch --only-lambda-apis` and the release binary with `env`.
    pub fn start(cargo_lambda: &PathBuf, env: &[(&str, String)]) -> Lambda {
        let log = server_log("cargo-lambda-watch");
        let (emulator, port) = serve("cargo lambda watch", &log.0, |port| {
            let mut command = Command::new(cargo_lambda);
            command
                .args([
                    "lambda",
                    "watch",
                    "--only-lambda-apis",
                    "-A",
                    "127.0.0.1",
                    "-P",
                ])
                .arg(port.to_string())
                .current_dir(env!("CARGO_MANIFEST_DIR"));
            command
        });
        let mut command = Command::new(env!("CARGO_BIN_EXE_plan-index-lambda"));
        command
            .env(
                "AWS_LAMBDA_RUNTIME_API",
                format!("http://127.0.0.1:{port}/.rt"),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", "_")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            // The tests read the function's log lines: a `RUST_LOG` of the caller's shell (a
            // filter naming other crates turns ours off) must not decide what it prints.
            .env("RUST_LOG", "info")
            .env_remove("RESULT_QUEUE_URL")
            .env_remove("RESULT_EVENT_BUS")
            .env_remove("PLAN_INDEX_PRIME")
            .env_remove("AWS_LAMBDA_INITIALIZATION_TYPE")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut function = command.spawn().expect("start the function");
        let stdout = function.stdout.take().expect("stdout");
        let logs = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&logs);
        std::thread::spawn(move || {
            // Lossily, so one line that is not UTF-8 cannot end the capture.
            let mut reader = BufReader::new(stdout);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                let mut all = sink.lock().expect("logs");
                all.push_str(String::from_utf8_lossy(&line).trim_end_matches('\n'));
                all.push('\n');
                line.clear();
            }
        });
        Lambda {
            port,
            log,
            logs,
            _function: Killed(function),
            _emulator: emulator,
        }
    }

    /// Invokes the function with `event` (the emulator's Invoke API) and returns its answer.
    pub fn invoke(&self, event: &Value) -> Value {
        let (status, answer) = self.invoke_raw(event);
        assert_eq!(status, 200, "invoke answered {status}: {answer}");
        answer
    }

    /// Invokes and returns the emulator's status too (500 for a function error).
    pub fn invoke_raw(&self, event: &Value) -> (u16, Value) {
        let (status, body) = self.request(
            "POST",
            "/2015-03-31/functions/_/invocations",
            Some(&event.to_string()),
        );
        let answer = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{body:?}: {e}"));
        (status, answer)
    }

    /// Invokes with payload bytes exactly as given: the emulator's status and its answer text.
    pub fn invoke_bytes(&self, payload: &[u8]) -> (u16, String) {
        self.exchange("POST", "/2015-03-31/functions/_/invocations", payload)
    }

    /// A request through the emulator's Function URL endpoint: (status, body).
    pub fn url(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        self.request(method, &format!("/lambda-url/_{path}"), body)
    }

    /// One HTTP/1.0 exchange with the emulator (HTTP/1.0, so the answer is never chunked).
    fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        self.exchange(method, path, body.unwrap_or("").as_bytes())
    }

    fn exchange(&self, method: &str, path: &str, body: &[u8]) -> (u16, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap_or_else(|e| {
            panic!(
                "the emulator on {} refused ({e}); the function said: {}; the emulator: {}",
                self.port,
                self.logs(),
                tail(&self.log.0)
            )
        });
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .expect("send");
        stream.write_all(body).expect("send body");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).expect("read");
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let (head, body) = answer.split_once("\r\n\r\n").expect("HTTP answer");
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status line");
        (status, body.to_string())
    }

    /// What the function printed so far.
    pub fn logs(&self) -> String {
        self.logs.lock().expect("logs").clone()
    }

    /// What the function printed, once `seen` holds for it or after ten seconds: its lines
    /// reach the test through a pipe and a reader thread, which a loaded machine may not have
    /// run yet when the answer that followed them has already arrived.
    pub fn logs_until(&self, seen: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let logs = self.logs();
            if seen(&logs) || Instant::now() >= deadline {
                return logs;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The first collection of the baked index: its name and one of its vectors.
pub fn baked_sample() -> (String, Vec<f32>) {
    let index = plan_index::baked().expect("baked index");
    let collection = index
        .collections()
        .next()
        .expect("a collection")
        .expect("intact");
    (
        collection.name().to_string(),
        collection.vector(0).expect("intact").to_vec(),
    )
}
