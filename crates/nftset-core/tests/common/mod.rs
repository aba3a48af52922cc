//! Test support: a fresh network namespace per test, and nft run inside it.
//!
//! Each test runs on its own thread, which leaves the process's namespace
//! with `unshare(CLONE_NEWNET)`. That needs CAP_SYS_ADMIN, so the suite runs
//! as root or under `unshare -r`.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// The nft binary. It is looked up in the system directories because npm
/// puts node_modules/.bin first in PATH, and a dependency of ava installs an
/// unrelated `nft` command there.
fn nft_binary() -> &'static str {
    ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .unwrap_or("nft")
}

/// Runs `test` on a new thread inside a new, empty network namespace.
pub fn in_netns<T: Send + 'static>(test: impl FnOnce(Netns) -> T + Send + 'static) -> T {
    std::thread::spawn(move || {
        // SAFETY: unshare only changes this thread's namespace.
        let rc = unsafe { libc::unshare(libc::CLONE_NEWNET) };
        assert_eq!(
            rc,
            0,
            "unshare(CLONE_NEWNET) failed: {}; run the tests as root or under `unshare -r`",
            std::io::Error::last_os_error()
        );
        // SAFETY: gettid has no preconditions.
        let tid = unsafe { libc::gettid() };
        test(Netns {
            path: format!("/proc/{}/task/{tid}/ns/net", std::process::id()),
        })
    })
    .join()
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The namespace of one test.
pub struct Netns {
    /// Path of the namespace file of the test thread.
    pub path: String,
}

impl Netns {
    /// Runs nft with `args` inside the namespace and returns its stdout;
    /// panics with stderr when nft fails.
    pub fn nft(&self, args: &[&str]) -> String {
        let output = self.nft_output(args);
        assert!(
            output.status.success(),
            "nft {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("nft prints UTF-8")
    }

    /// Runs nft with `args` inside the namespace.
    pub fn nft_output(&self, args: &[&str]) -> std::process::Output {
        Command::new("nsenter")
            .arg(format!("--net={}", self.path))
            .arg(nft_binary())
            .args(args)
            .output()
            .expect("nsenter and nft are installed")
    }

    /// Feeds a script to `nft -f -` inside the namespace.
    pub fn nft_script(&self, script: &str) {
        use std::io::Write;
        let mut child = Command::new("nsenter")
            .arg(format!("--net={}", self.path))
            .args([nft_binary(), "-f", "-"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("nsenter and nft are installed");
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(script.as_bytes())
            .expect("nft reads its script");
        let output = child.wait_with_output().expect("nft finishes");
        assert!(
            output.status.success(),
            "nft -f failed: {}\n{script}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
