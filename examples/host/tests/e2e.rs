//! Starts the real host binary on a free loopback port, talks HTTP to it, checks SQLite, stops it
//! with SIGINT, and restarts it to prove nothing was lost.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Host {
    child: Child,
    port: u16,
    stdout: BufReader<std::process::ChildStdout>,
    seen: String,
}

impl Host {
    // `stop` waits for the child; on a panic the test process ends and takes the child with it.
    #[allow(clippy::zombie_processes)]
    fn start(db: &std::path::Path) -> Host {
        let mut child = Command::new(env!("CARGO_BIN_EXE_host"))
            .env("PORT", "0")
            .env("HOST_DB", db)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start host");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                let status = child.wait();
                panic!("host exited early ({status:?}):\n{seen}");
            }
            seen.push_str(&line);
            if let Some(addr) = line.trim().strip_prefix("listening on http://127.0.0.1:") {
                let port = addr.parse().unwrap();
                return Host {
                    child,
                    port,
                    stdout,
                    seen,
                };
            }
        }
    }

    fn request(&self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        s.write_all(body).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&raw[..split]).to_string();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let mut body = raw[split + 4..].to_vec();
        if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            body = dechunk(&body);
        }
        (status, body)
    }

    /// SIGINT, as Ctrl-C sends; returns everything the host printed.
    fn stop(mut self) -> String {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        assert!(self.child.wait().unwrap().success(), "{}{rest}", self.seen);
        self.seen + &rest
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&body[..line_end]).unwrap().trim(), 16)
                .unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[line_end + 2..line_end + 2 + size]);
        body = &body[line_end + 4 + size..];
    }
}

#[test]
fn serves_persists_and_shuts_down_in_reverse_order() {
    let dir = std::env::temp_dir().join(format!("host-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("kv.sqlite3");
    let _ = std::fs::remove_file(&db);

    let host = Host::start(&db);
    assert!(host.seen.contains("init order: metrics -> storage -> cache -> http-api -> trim -> uppercase -> utf8-guard"), "{}", host.seen);
    assert_eq!(
        host.request("PUT", "/kv/greeting", b"hello world"),
        (204, vec![])
    );
    assert_eq!(
        host.request("GET", "/kv/greeting", b""),
        (200, b"hello world".to_vec())
    );
    assert_eq!(host.request("GET", "/kv/missing", b"").0, 404);
    assert_eq!(
        host.request("POST", "/process/uppercase", b"abc"),
        (200, b"ABC".to_vec())
    );
    assert_eq!(
        host.request("POST", "/pipeline", b"  make me loud \n"),
        (200, b"MAKE ME LOUD".to_vec())
    );
    let (status, body) = host.request("POST", "/pipeline", b"\xff\xfe");
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));
    assert_eq!(host.request("POST", "/process/nope", b"x").0, 404);
    let (_, metrics) = host.request("GET", "/metrics", b"");
    let metrics = String::from_utf8(metrics).unwrap();
    assert!(metrics.contains("process.uppercase 3\n"), "{metrics}");
    assert!(metrics.contains("cache.hit 1\n"), "{metrics}");
    let out = host.stop();
    assert!(
        out.contains("cleaned up: utf8-guard, uppercase, trim, http-api, cache, storage, metrics"),
        "{out}"
    );

    // The row is in SQLite itself.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let value: Vec<u8> = conn
        .query_row("SELECT value FROM kv WHERE key = 'greeting'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(value, b"hello world");
    drop(conn);

    // And survives a restart: served by a fresh cache, from storage.
    let host = Host::start(&db);
    assert_eq!(
        host.request("GET", "/kv/greeting", b""),
        (200, b"hello world".to_vec())
    );
    let (_, metrics) = host.request("GET", "/metrics", b"");
    assert!(String::from_utf8(metrics)
        .unwrap()
        .contains("cache.miss 1\n"));
    host.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
