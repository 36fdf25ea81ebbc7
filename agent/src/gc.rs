//! Garbage collection of sandboxes and other agent directories (Mesos's `src/slave/gc.cpp`
//! and the agent's disk watch in `slave.cpp`).
//!
//! A path is scheduled for removal after a delay, normally `--gc_delay` (1 week) after its
//! last modification ([`Gc::garbage_collect`]). Every `--disk_watch_interval` (1 minute) the
//! usage of the `work_dir` file system is read and the maximum age a directory may reach
//! becomes `gc_delay × max(0, 1 − gc_disk_headroom − usage)`; paths whose removal is due
//! within `gc_delay − age` are removed at once ([`Gc::prune`]). Removal goes on past errors to
//! free what it can, never follows symlinks and does not cross into other file systems.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::{Notify, oneshot};
use tokio::time::Instant;

/// Mesos's `GC_DELAY`.
pub const DEFAULT_GC_DELAY: Duration = Duration::from_secs(7 * 24 * 3600);
/// Mesos's `DISK_WATCH_INTERVAL`.
pub const DEFAULT_DISK_WATCH_INTERVAL: Duration = Duration::from_secs(60);
/// Mesos's `GC_DISK_HEADROOM`.
pub const DEFAULT_GC_DISK_HEADROOM: f64 = 0.1;

/// A failed removal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Failed to delete '{path}': {reason}")]
pub struct GcError {
    pub path: PathBuf,
    pub reason: String,
}

/// Reads the used fraction (0–1) of the file system holding a path.
pub type DiskUsage = Arc<dyn Fn(&Path) -> Result<f64, String> + Send + Sync>;

/// The garbage collector's flags.
#[derive(Clone)]
pub struct GcSettings {
    /// `--work_dir`: whose file system is watched.
    pub work_dir: PathBuf,
    /// `--gc_delay`.
    pub gc_delay: Duration,
    /// `--disk_watch_interval`.
    pub disk_watch_interval: Duration,
    /// `--gc_disk_headroom`, in [0, 1].
    pub gc_disk_headroom: f64,
    /// How disk usage is read (the `statvfs` of [`crate::detect::filesystem_usage`]).
    pub disk_usage: DiskUsage,
}

impl GcSettings {
    /// Mesos's defaults for `work_dir`.
    pub fn new(work_dir: impl Into<PathBuf>) -> Self {
        Self {
            work_dir: work_dir.into(),
            gc_delay: DEFAULT_GC_DELAY,
            disk_watch_interval: DEFAULT_DISK_WATCH_INTERVAL,
            gc_disk_headroom: DEFAULT_GC_DISK_HEADROOM,
            disk_usage: Arc::new(crate::detect::filesystem_usage),
        }
    }
}

impl fmt::Debug for GcSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GcSettings")
            .field("work_dir", &self.work_dir)
            .field("gc_delay", &self.gc_delay)
            .field("disk_watch_interval", &self.disk_watch_interval)
            .field("gc_disk_headroom", &self.gc_disk_headroom)
            .finish_non_exhaustive()
    }
}

/// The maximum age of an executor directory at `usage` (Mesos's `Slave::age`):
/// `gc_delay × max(0, 1 − headroom − usage)`.
pub fn max_allowed_age(gc_delay: Duration, headroom: f64, usage: f64) -> Duration {
    let factor = (1.0 - headroom - usage).max(0.0);
    if !factor.is_finite() {
        return Duration::ZERO;
    }
    gc_delay.mul_f64(factor.min(1.0))
}

/// Resolves when the path has been removed (`Ok`) or could not be (`Err`); the sender is
/// dropped (a receive error) if the path is unscheduled.
pub type Removal = oneshot::Receiver<Result<(), GcError>>;

/// Counters for `/metrics/snapshot` (Mesos's `gc/path_removals_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GcMetrics {
    pub path_removals_succeeded: u64,
    pub path_removals_failed: u64,
    pub path_removals_pending: u64,
}

/// The garbage collector: a cheap, cloneable handle. Spawn [`Gc::run`] once.
#[derive(Clone)]
pub struct Gc {
    inner: Arc<Inner>,
}

struct Inner {
    settings: GcSettings,
    state: Mutex<State>,
    wake: Notify,
    succeeded: AtomicU64,
    failed: AtomicU64,
}

#[derive(Default)]
struct State {
    /// Removal time and sequence number → path.
    queue: BTreeMap<(Instant, u64), PathBuf>,
    entries: HashMap<PathBuf, Scheduled>,
    seq: u64,
    max_allowed_age: Option<Duration>,
}

struct Scheduled {
    key: (Instant, u64),
    removing: bool,
    waiters: Vec<oneshot::Sender<Result<(), GcError>>>,
}

impl Gc {
    /// A collector with nothing scheduled.
    pub fn new(settings: GcSettings) -> Self {
        Self {
            inner: Arc::new(Inner {
                settings,
                state: Mutex::new(State::default()),
                wake: Notify::new(),
                succeeded: AtomicU64::new(0),
                failed: AtomicU64::new(0),
            }),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &GcSettings {
        &self.inner.settings
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Removes `path` after `delay`, replacing any earlier schedule of it (whose [`Removal`]
    /// then fails to receive). A path being removed right now keeps that removal.
    pub fn schedule(&self, delay: Duration, path: impl Into<PathBuf>) -> Removal {
        let path = path.into();
        let (sender, receiver) = oneshot::channel();
        let mut state = self.lock();
        // Delays past a century are a century (and cannot overflow the clock).
        let when = Instant::now() + delay.min(Duration::from_secs(100 * 365 * 24 * 3600));
        state.seq += 1;
        let key = (when, state.seq);
        if let Some(existing) = state.entries.get_mut(&path) {
            if existing.removing {
                existing.waiters.push(sender);
                return receiver;
            }
            let old = existing.key;
            existing.key = key;
            existing.waiters = vec![sender];
            state.queue.remove(&old);
        } else {
            state.entries.insert(
                path.clone(),
                Scheduled {
                    key,
                    removing: false,
                    waiters: vec![sender],
                },
            );
        }
        tracing::info!(
            "Scheduling '{}' for gc {:?} in the future",
            path.display(),
            delay
        );
        state.queue.insert(key, path);
        drop(state);
        self.inner.wake.notify_one();
        receiver
    }

    /// Schedules `path` for removal `gc_delay` after its last modification (Mesos's
    /// `Slave::garbageCollect`), so a directory that has been idle for long goes sooner.
    pub fn garbage_collect(&self, path: impl Into<PathBuf>) -> Result<Removal, GcError> {
        let path = path.into();
        let mtime = fs::symlink_metadata(&path)
            .and_then(|m| m.modified())
            .map_err(|e| GcError {
                path: path.clone(),
                reason: format!("Failed to find the mtime: {e}"),
            })?;
        let age = SystemTime::now()
            .duration_since(mtime)
            .unwrap_or(Duration::ZERO);
        let delay = self.inner.settings.gc_delay.saturating_sub(age);
        Ok(self.schedule(delay, path))
    }

    /// Cancels the removal of `path`; `false` if it was not scheduled or is being removed.
    pub fn unschedule(&self, path: &Path) -> bool {
        let mut state = self.lock();
        match state.entries.get(path) {
            Some(scheduled) if !scheduled.removing => {
                let key = scheduled.key;
                state.queue.remove(&key);
                state.entries.remove(path);
                tracing::info!("Unscheduling '{}' from gc", path.display());
                true
            }
            _ => false,
        }
    }

    /// Removes now every path whose removal is due within `within` (Mesos's `prune`).
    pub fn prune(&self, within: Duration) {
        let now = Instant::now();
        let limit = now.checked_add(within).unwrap_or(now);
        let mut state = self.lock();
        let due: Vec<(Instant, u64)> = state
            .queue
            .range(..=(limit, u64::MAX))
            .map(|(key, _)| *key)
            .filter(|(when, _)| *when > now)
            .collect();
        for old in due {
            if let Some(path) = state.queue.remove(&old) {
                tracing::info!("Pruning '{}' before its removal time", path.display());
                let key = (now, old.1);
                if let Some(scheduled) = state.entries.get_mut(&path) {
                    scheduled.key = key;
                }
                state.queue.insert(key, path);
            }
        }
        drop(state);
        self.inner.wake.notify_one();
    }

    /// How long until `path` is removed, if it is scheduled.
    pub fn remaining(&self, path: &Path) -> Option<Duration> {
        let state = self.lock();
        let scheduled = state.entries.get(path)?;
        Some(scheduled.key.0.saturating_duration_since(Instant::now()))
    }

    /// The maximum directory age from the last disk check (`None` before the first).
    pub fn max_allowed_age(&self) -> Option<Duration> {
        self.lock().max_allowed_age
    }

    /// The removal counters.
    pub fn metrics(&self) -> GcMetrics {
        GcMetrics {
            path_removals_succeeded: self.inner.succeeded.load(Ordering::Relaxed),
            path_removals_failed: self.inner.failed.load(Ordering::Relaxed),
            path_removals_pending: self.lock().entries.len() as u64,
        }
    }

    /// Reads the disk usage and prunes what is older than the allowed age.
    pub fn check_disk_usage(&self) {
        let settings = &self.inner.settings;
        match (settings.disk_usage)(&settings.work_dir) {
            Ok(usage) => {
                let age = max_allowed_age(settings.gc_delay, settings.gc_disk_headroom, usage);
                tracing::info!(
                    "Current disk usage {:.2}%. Max allowed age: {:?}",
                    usage * 100.0,
                    age
                );
                self.lock().max_allowed_age = Some(age);
                self.prune(settings.gc_delay.saturating_sub(age));
            }
            Err(e) => tracing::error!("Failed to get disk usage: {e}"),
        }
    }

    /// Removes paths as they come due and watches the disk, forever: spawn it once on the
    /// runtime (`tokio::spawn(gc.clone().run())`) and abort that task to stop.
    pub async fn run(self) {
        let interval = self
            .inner
            .settings
            .disk_watch_interval
            .max(Duration::from_millis(1));
        let mut next_disk_check = Instant::now();
        loop {
            let woken = self.inner.wake.notified();
            let now = Instant::now();
            if now >= next_disk_check {
                self.check_disk_usage();
                next_disk_check = now + interval;
            }
            let due = self.take_due(Instant::now());
            if !due.is_empty() {
                self.remove(due).await;
                continue;
            }
            let next = self
                .lock()
                .queue
                .keys()
                .next()
                .map_or(next_disk_check, |(when, _)| (*when).min(next_disk_check));
            tokio::select! {
                _ = tokio::time::sleep_until(next) => {}
                _ = woken => {}
            }
        }
    }

    /// Marks the paths due by `now` as being removed and returns them.
    fn take_due(&self, now: Instant) -> Vec<PathBuf> {
        let mut state = self.lock();
        let keys: Vec<(Instant, u64)> = state
            .queue
            .range(..=(now, u64::MAX))
            .map(|(key, _)| *key)
            .collect();
        let mut due = Vec::new();
        for key in keys {
            if let Some(path) = state.queue.remove(&key) {
                if let Some(scheduled) = state.entries.get_mut(&path) {
                    scheduled.removing = true;
                }
                due.push(path);
            }
        }
        due
    }

    async fn remove(&self, due: Vec<PathBuf>) {
        for path in due {
            tracing::info!("Deleting {}", path.display());
            let target = path.clone();
            let result = tokio::task::spawn_blocking(move || remove_path(&target))
                .await
                .unwrap_or_else(|e| Err(format!("the removal task failed: {e}")));
            let result = match result {
                Ok(true) => {
                    tracing::info!("Deleted '{}'", path.display());
                    self.inner.succeeded.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
                Ok(false) => {
                    tracing::info!("Skipped '{}' which does not exist", path.display());
                    self.inner.succeeded.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
                Err(reason) => {
                    tracing::warn!("Failed to delete '{}': {reason}", path.display());
                    self.inner.failed.fetch_add(1, Ordering::Relaxed);
                    Err(GcError {
                        path: path.clone(),
                        reason,
                    })
                }
            };
            let waiters = {
                let mut state = self.lock();
                match state.entries.get(&path) {
                    Some(scheduled) if scheduled.removing => state
                        .entries
                        .remove(&path)
                        .map(|s| s.waiters)
                        .unwrap_or_default(),
                    _ => Vec::new(),
                }
            };
            for waiter in waiters {
                let _ = waiter.send(result.clone());
            }
        }
    }
}

/// Removes `path` (a file, a symlink or a directory tree), continuing past errors; never
/// follows symlinks nor descends into another file system. `Ok(false)` if it did not exist.
pub fn remove_path(path: &Path) -> Result<bool, String> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.to_string()),
    };
    let mut errors = Vec::new();
    if meta.is_dir() {
        remove_tree(path, meta.dev(), &mut errors);
    } else if let Err(e) = fs::remove_file(path) {
        errors.push(format!("'{}': {e}", path.display()));
    }
    match errors.len() {
        0 => Ok(true),
        1 => Err(errors.remove(0)),
        n => Err(format!("{} (and {} more errors)", errors[0], n - 1)),
    }
}

fn remove_tree(dir: &Path, dev: u64, errors: &mut Vec<String>) {
    match fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(e) => {
                        errors.push(format!("'{}': {e}", dir.display()));
                        continue;
                    }
                };
                let path = entry.path();
                match fs::symlink_metadata(&path) {
                    Ok(meta) if meta.is_dir() => {
                        if meta.dev() != dev {
                            errors.push(format!(
                                "'{}': is a mount point; not removed",
                                path.display()
                            ));
                            continue;
                        }
                        remove_tree(&path, dev, errors);
                    }
                    Ok(_) => {
                        if let Err(e) = fs::remove_file(&path)
                            && e.kind() != io::ErrorKind::NotFound
                        {
                            errors.push(format!("'{}': {e}", path.display()));
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => errors.push(format!("'{}': {e}", path.display())),
                }
            }
        }
        Err(e) => errors.push(format!("'{}': {e}", dir.display())),
    }
    if let Err(e) = fs::remove_dir(dir)
        && e.kind() != io::ErrorKind::NotFound
    {
        errors.push(format!("'{}': {e}", dir.display()));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    static COUNTER: AtomicU64 = AtomicU64::new(0);

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir =
                std::env::temp_dir().join(format!("gc-test-{name}-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn sandbox(&self, name: &str) -> PathBuf {
            let dir = self.0.join(name);
            fs::create_dir_all(dir.join("sub/deeper")).unwrap();
            fs::write(dir.join("stdout"), b"out").unwrap();
            fs::write(dir.join("sub/deeper/file"), b"x").unwrap();
            dir
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn settings(work_dir: &Path, usage: f64) -> GcSettings {
        GcSettings {
            gc_delay: Duration::from_secs(3600),
            disk_watch_interval: Duration::from_millis(20),
            disk_usage: Arc::new(move |_| Ok(usage)),
            ..GcSettings::new(work_dir)
        }
    }

    async fn within<T>(removal: impl std::future::Future<Output = T>) -> T {
        tokio::time::timeout(Duration::from_secs(10), removal)
            .await
            .unwrap()
    }

    #[test]
    fn age_follows_mesos_formula() {
        let week = DEFAULT_GC_DELAY;
        assert_eq!(max_allowed_age(week, 0.1, 0.0), week.mul_f64(0.9));
        assert_eq!(max_allowed_age(week, 0.1, 0.5), week.mul_f64(0.4));
        assert_eq!(max_allowed_age(week, 0.1, 0.95), Duration::ZERO);
        assert_eq!(max_allowed_age(week, 0.0, f64::NAN), Duration::ZERO);
    }

    #[tokio::test]
    async fn removes_after_the_delay() {
        let t = TempDir::new("delay");
        let gc = Gc::new(settings(&t.0, 0.0));
        let task = tokio::spawn(gc.clone().run());
        let sandbox = t.sandbox("s1");
        let removal = gc.schedule(Duration::from_millis(50), &sandbox);
        assert!(gc.remaining(&sandbox).is_some());
        assert!(sandbox.exists());
        within(removal).await.unwrap().unwrap();
        assert!(!sandbox.exists());
        assert!(gc.remaining(&sandbox).is_none());
        // A file, and a path that is already gone.
        let file = t.0.join("f");
        fs::write(&file, b"x").unwrap();
        within(gc.schedule(Duration::ZERO, &file))
            .await
            .unwrap()
            .unwrap();
        assert!(!file.exists());
        within(gc.schedule(Duration::ZERO, t.0.join("gone")))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            gc.metrics(),
            GcMetrics {
                path_removals_succeeded: 3,
                path_removals_failed: 0,
                path_removals_pending: 0
            }
        );
        task.abort();
    }

    #[tokio::test]
    async fn unschedule_keeps_the_path() {
        let t = TempDir::new("unschedule");
        let gc = Gc::new(settings(&t.0, 0.0));
        let task = tokio::spawn(gc.clone().run());
        let sandbox = t.sandbox("s1");
        let removal = gc.schedule(Duration::from_millis(50), &sandbox);
        assert!(gc.unschedule(&sandbox));
        assert!(!gc.unschedule(&sandbox));
        // The removal is discarded.
        assert!(within(removal).await.is_err());
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(sandbox.exists());
        assert_eq!(gc.metrics().path_removals_pending, 0);
        task.abort();
    }

    #[tokio::test]
    async fn rescheduling_replaces_the_earlier_schedule() {
        let t = TempDir::new("reschedule");
        let gc = Gc::new(settings(&t.0, 0.0));
        let task = tokio::spawn(gc.clone().run());
        let sandbox = t.sandbox("s1");
        let first = gc.schedule(Duration::from_secs(3600), &sandbox);
        let second = gc.schedule(Duration::from_millis(30), &sandbox);
        assert!(within(first).await.is_err());
        within(second).await.unwrap().unwrap();
        assert!(!sandbox.exists());
        task.abort();
    }

    #[tokio::test]
    async fn full_disk_prunes_early() {
        let t = TempDir::new("prune");
        // 95% used with 10% headroom: the allowed age is 0, everything goes now.
        let gc = Gc::new(settings(&t.0, 0.95));
        let old = t.sandbox("old");
        let removal = gc.schedule(Duration::from_secs(3000), &old);
        let task = tokio::spawn(gc.clone().run());
        within(removal).await.unwrap().unwrap();
        assert!(!old.exists());
        assert_eq!(gc.max_allowed_age(), Some(Duration::ZERO));
        task.abort();

        // 50% used: the allowed age is 40% of gc_delay, so only paths due within 60% of
        // gc_delay (36 minutes here) are pruned.
        let gc = Gc::new(settings(&t.0, 0.5));
        let soon = t.sandbox("soon");
        let later = t.sandbox("later");
        let soon_removal = gc.schedule(Duration::from_secs(30 * 60), &soon);
        gc.schedule(Duration::from_secs(50 * 60), &later);
        let task = tokio::spawn(gc.clone().run());
        within(soon_removal).await.unwrap().unwrap();
        assert!(!soon.exists());
        assert!(later.exists());
        let remaining = gc.remaining(&later).unwrap();
        assert!(remaining > Duration::from_secs(49 * 60), "{remaining:?}");
        task.abort();
    }

    #[tokio::test]
    async fn garbage_collect_counts_from_mtime() {
        let t = TempDir::new("mtime");
        let gc = Gc::new(settings(&t.0, 0.0));
        let sandbox = t.sandbox("s1");
        gc.garbage_collect(&sandbox).unwrap();
        let remaining = gc.remaining(&sandbox).unwrap();
        assert!(remaining <= Duration::from_secs(3600));
        assert!(remaining > Duration::from_secs(3500));
        assert!(gc.garbage_collect(t.0.join("missing")).is_err());
    }

    #[test]
    fn removal_does_not_follow_symlinks() {
        let t = TempDir::new("symlink");
        let outside = t.0.join("outside");
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("keep"), b"keep").unwrap();
        let sandbox = t.sandbox("s1");
        std::os::unix::fs::symlink(&outside, sandbox.join("link")).unwrap();
        assert_eq!(remove_path(&sandbox), Ok(true));
        assert!(!sandbox.exists());
        assert!(outside.join("keep").exists());
        assert_eq!(remove_path(&sandbox), Ok(false));
    }

    #[tokio::test]
    async fn failures_are_reported_and_removal_goes_on() {
        use std::os::unix::fs::PermissionsExt;
        // SAFETY: `geteuid` has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            // Root may delete anything: there is no failure to provoke.
            return;
        }
        let t = TempDir::new("fail");
        let gc = Gc::new(settings(&t.0, 0.0));
        let task = tokio::spawn(gc.clone().run());
        let sandbox = t.sandbox("s1");
        let locked = sandbox.join("sub");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o500)).unwrap();
        let err = within(gc.schedule(Duration::ZERO, &sandbox))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(err.path, sandbox);
        assert!(!sandbox.join("stdout").exists());
        assert_eq!(gc.metrics().path_removals_failed, 1);
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o700)).unwrap();
        task.abort();
    }
}
