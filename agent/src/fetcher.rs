//! The fetcher: downloads a task's `CommandInfo.URI`s into its sandbox before launch, as
//! Mesos's `mesos-fetcher` (`src/launcher/fetcher.cpp`) and its cache
//! (`src/slave/containerizer/fetcher.cpp`) do.
//!
//! - `http://` and `https://` URIs are downloaded (redirects followed, HTTP 200 required, a
//!   size limit, a stall timeout and a total timeout); `file://` URIs and local paths are
//!   copied; a relative path needs `frameworks_home`. Other schemes (Mesos hands them to a
//!   Hadoop client) are refused.
//! - The file is named after the URI's last `/` component, or `output_file`, which must stay
//!   inside the sandbox.
//! - `executable` sets mode 0755 (and skips extraction); otherwise, when `extract` is set,
//!   `.tar`, `.tgz`, `.tar.gz`, `.tbz2`, `.tar.bz2`, `.txz`, `.tar.xz` are extracted into
//!   the sandbox with `tar`, `.zip` with `unzip`, and a bare `.gz` is gunzipped.
//! - `cache: true` URIs go through a [`Cache`] (keyed by user and URI, with a size limit and
//!   LRU eviction of unused entries); when the cache cannot hold a file, it is fetched
//!   directly, as Mesos does.
//! - Every step is logged to the sandbox's `stderr`, in Mesos's words ("Fetching URI '…'",
//!   "Fetched '…' to '…'", "Extracted '…' into '…'").
//! - With a `user`, when the agent runs as root, fetched files are owned by that user and
//!   archives are extracted as that user (Mesos runs its whole fetcher as the user).

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mesos_api::v1::CommandUri;
use tokio::io::AsyncWriteExt;

/// Mesos's `--fetcher_cache_size` default: 2 GB.
pub const DEFAULT_CACHE_SIZE: u64 = 2 * 1024 * 1024 * 1024;

/// Prefix of cache file names (Mesos's `CACHE_FILE_NAME_PREFIX`).
const CACHE_FILE_PREFIX: &str = "c";
/// Prefix of the temporary files of downloads in progress.
const TEMP_PREFIX: &str = ".fetch-";

/// The archive suffixes `tar` extracts (Mesos's list, which libarchive handles).
const TAR_SUFFIXES: [&str; 7] = [
    ".tar", ".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz",
];

/// Why fetching one URI failed.
#[derive(Debug, thiserror::Error)]
pub enum Cause {
    /// The URI cannot be fetched as written.
    #[error("{0}")]
    InvalidUri(String),
    /// `output_file` is empty, absolute or leaves the sandbox.
    #[error("invalid output_file '{file}': {reason}")]
    OutputFile { file: String, reason: &'static str },
    /// A scheme the fetcher has no client for.
    #[error(
        "unsupported URI scheme '{0}' (only http://, https://, file:// and local paths are supported)"
    )]
    UnsupportedScheme(String),
    /// The server answered with something other than 200.
    #[error("Error downloading resource, received HTTP return code {0}")]
    HttpStatus(u16),
    /// The download failed (connection, TLS, timeout, stall).
    #[error("Error downloading resource: {0}")]
    Download(String),
    /// The download is larger than the fetcher allows.
    #[error("Error downloading resource: larger than the limit of {0} bytes")]
    TooLarge(u64),
    /// A local source that does not exist.
    #[error("Failed to copy '{0}': No such file or directory")]
    MissingFile(PathBuf),
    /// Extraction failed; `detail` has the command's stderr.
    #[error("Failed to extract archive '{archive}' to '{directory}': {detail}")]
    Extract {
        archive: PathBuf,
        directory: PathBuf,
        detail: String,
    },
    /// A file-system operation failed.
    #[error("{0}")]
    Io(String),
}

/// A failed fetch.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Fetching `uri` failed.
    #[error("Failed to fetch '{uri}': {cause}")]
    Uri { uri: String, cause: Cause },
    /// The fetch could not start (sandbox log, user, cache directory).
    #[error("{0}")]
    Setup(String),
}

impl FetchError {
    fn uri(uri: &str, cause: Cause) -> Self {
        FetchError::Uri {
            uri: uri.to_owned(),
            cause,
        }
    }
}

fn io_cause(what: &str, path: &Path) -> impl FnOnce(io::Error) -> Cause + use<> {
    let what = format!("Failed to {what} '{}'", path.display());
    move |e| Cause::Io(format!("{what}: {e}"))
}

/// How the fetcher downloads.
#[derive(Debug, Clone)]
pub struct FetcherSettings {
    /// The largest download accepted, in bytes.
    pub max_download_bytes: u64,
    /// Connecting to the server.
    pub connect_timeout: Duration,
    /// Abort a download that receives nothing for this long (Mesos's
    /// `--fetcher_stall_timeout`, 1 minute).
    pub stall_timeout: Duration,
    /// The longest one download may take.
    pub total_timeout: Duration,
    /// Prepended to relative paths (Mesos's `--frameworks_home`).
    pub frameworks_home: Option<PathBuf>,
}

impl Default for FetcherSettings {
    fn default() -> Self {
        Self {
            max_download_bytes: 16 * 1024 * 1024 * 1024,
            connect_timeout: Duration::from_secs(30),
            stall_timeout: Duration::from_secs(60),
            total_timeout: Duration::from_secs(3600),
            frameworks_home: None,
        }
    }
}

// ----------------------------------------------------------------------------------------------
// The cache
// ----------------------------------------------------------------------------------------------

/// The fetcher cache (a directory of downloaded files, keyed by `user@uri`, at most
/// `capacity` bytes, evicting the least recently used entries no fetch is using), together
/// with the fetcher's settings and HTTP client.
pub struct Cache {
    dir: PathBuf,
    capacity: u64,
    settings: FetcherSettings,
    client: Result<reqwest::Client, String>,
    prepared: OnceLock<Result<(), String>>,
    state: Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    entries: HashMap<String, Slot>,
    used: u64,
    serial: u64,
    clock: u64,
}

struct Slot {
    entry: Arc<Entry>,
    size: u64,
    last_used: u64,
    refs: usize,
    ready: bool,
}

struct Entry {
    filename: String,
    /// Held while the entry is being downloaded; later users wait on it.
    download: tokio::sync::Mutex<()>,
}

/// A cache entry in use: it is not evicted while this lives.
struct CacheRef<'a> {
    cache: &'a Cache,
    key: String,
    entry: Arc<Entry>,
}

impl Drop for CacheRef<'_> {
    fn drop(&mut self) {
        let mut state = self.cache.lock();
        if let Some(slot) = state.entries.get_mut(&self.key)
            && Arc::ptr_eq(&slot.entry, &self.entry)
        {
            slot.refs = slot.refs.saturating_sub(1);
        }
    }
}

enum Acquired<'a> {
    /// The file is in the cache.
    Cached(CacheRef<'a>, PathBuf),
    /// Downloaded, but the cache had no room: this temporary file is the download.
    Uncached(PathBuf),
    /// The cache is unusable: fetch directly.
    Direct,
}

impl Cache {
    /// A cache in `dir` of Mesos's default size (2 GB), with default settings.
    ///
    /// Make one per agent and share it: on first use it creates `dir` and removes the cache
    /// files found there (an earlier agent's, as Mesos clears its cache on start), so a
    /// second `Cache` on the same directory would delete the first one's files.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self::with_settings(dir, DEFAULT_CACHE_SIZE, FetcherSettings::default())
    }

    /// [`Cache::new`] of at most `capacity` bytes.
    pub fn with_capacity(dir: impl Into<PathBuf>, capacity: u64) -> Self {
        Self::with_settings(dir, capacity, FetcherSettings::default())
    }

    /// [`Cache::new`] of at most `capacity` bytes, with the given settings.
    pub fn with_settings(
        dir: impl Into<PathBuf>,
        capacity: u64,
        settings: FetcherSettings,
    ) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.total_timeout)
            .user_agent(concat!("mesos-fetcher/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("Could not create the HTTP client: {e}"));
        Self {
            dir: dir.into(),
            capacity,
            settings,
            client,
            prepared: OnceLock::new(),
            state: Mutex::new(CacheState::default()),
        }
    }

    /// Creates the cache directory and removes cache files an earlier agent left there; done
    /// once, on first use, unless called before (to report a bad directory at start-up).
    pub fn prepare(&self) -> Result<(), FetchError> {
        self.prepared
            .get_or_init(|| self.clear_directory())
            .clone()
            .map_err(FetchError::Setup)
    }

    fn clear_directory(&self) -> Result<(), String> {
        let dir = &self.dir;
        let setup = |what: &str, e: io::Error| {
            format!(
                "Could not {what} the fetcher cache directory '{}': {e}",
                dir.display()
            )
        };
        fs::create_dir_all(dir).map_err(|e| setup("create", e))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
            .map_err(|e| setup("chmod", e))?;
        for entry in fs::read_dir(dir).map_err(|e| setup("list", e))?.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let ours = name.starts_with(TEMP_PREFIX)
                || name
                    .strip_prefix(CACHE_FILE_PREFIX)
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
            if ours {
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(())
    }

    fn client(&self) -> Result<&reqwest::Client, Cause> {
        self.client.as_ref().map_err(|e| Cause::Download(e.clone()))
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The size limit, in bytes.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Bytes held by complete entries.
    pub fn used_bytes(&self) -> u64 {
        self.lock().used
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the cache has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the URI (for the user) is cached, complete.
    pub fn contains(&self, user: Option<&str>, uri: &str) -> bool {
        self.lock()
            .entries
            .get(&cache_key(user, uri.trim_start()))
            .is_some_and(|slot| slot.ready)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn remove_slot(&self, key: &str, entry: &Arc<Entry>) {
        let mut state = self.lock();
        if let Some(slot) = state.entries.get(key)
            && Arc::ptr_eq(&slot.entry, entry)
        {
            let size = slot.size;
            state.entries.remove(key);
            state.used = state.used.saturating_sub(size);
            let _ = fs::remove_file(self.dir.join(&entry.filename));
        }
    }

    /// The cached file for `uri`, downloading it first if no one has.
    async fn acquire(
        &self,
        user: Option<&str>,
        uri: &str,
        log: &mut SandboxLog,
    ) -> Result<Acquired<'_>, Cause> {
        let key = cache_key(user, uri);
        if let Err(e) = self.prepare() {
            log.warn(&format!(
                "Reverting to fetching directly into the sandbox for '{uri}', due to failure \
                 to fetch through the cache, with error: {e}"
            ));
            return Ok(Acquired::Direct);
        }
        for _ in 0..3 {
            let entry = {
                let mut state = self.lock();
                state.clock += 1;
                let clock = state.clock;
                if !state.entries.contains_key(&key) {
                    state.serial += 1;
                    let filename = cache_filename(state.serial, uri);
                    state.entries.insert(
                        key.clone(),
                        Slot {
                            entry: Arc::new(Entry {
                                filename,
                                download: tokio::sync::Mutex::new(()),
                            }),
                            size: 0,
                            last_used: clock,
                            refs: 0,
                            ready: false,
                        },
                    );
                }
                let Some(slot) = state.entries.get_mut(&key) else {
                    continue;
                };
                slot.refs += 1;
                slot.last_used = clock;
                slot.entry.clone()
            };
            let reference = CacheRef {
                cache: self,
                key: key.clone(),
                entry: entry.clone(),
            };
            let _downloading = entry.download.lock().await;
            let path = self.dir.join(&entry.filename);
            let ready = {
                let state = self.lock();
                match state.entries.get(&key) {
                    Some(slot) if Arc::ptr_eq(&slot.entry, &entry) => Some(slot.ready),
                    // Removed (a failed download, eviction): start again.
                    _ => None,
                }
            };
            match ready {
                None => continue,
                Some(true) if path.is_file() => return Ok(Acquired::Cached(reference, path)),
                Some(true) => {
                    log.warn(&format!(
                        "Cache file '{}' for '{uri}' is gone; removing the cache entry",
                        path.display()
                    ));
                    drop(reference);
                    self.remove_slot(&key, &entry);
                    continue;
                }
                Some(false) => {}
            }
            // This fetch downloads the entry.
            let temp = self.dir.join(format!("{TEMP_PREFIX}{}", entry.filename));
            if let Err(cause) = download(self, uri, &temp, log).await {
                drop(reference);
                self.remove_slot(&key, &entry);
                let _ = fs::remove_file(&temp);
                return Err(cause);
            }
            let size = fs::metadata(&temp).map_err(io_cause("stat", &temp))?.len();
            match self.reserve(&key, &entry, size, &temp, &path) {
                Ok(()) => return Ok(Acquired::Cached(reference, path)),
                Err(reason) => {
                    log.warn(&format!(
                        "Reverting to fetching directly into the sandbox for '{uri}', due to \
                         failure to fetch through the cache, with error: {reason}"
                    ));
                    drop(reference);
                    self.remove_slot(&key, &entry);
                    return Ok(Acquired::Uncached(temp));
                }
            }
        }
        // Raced with removals three times: fetch without the cache.
        let temp = self.dir.join(format!(
            "{TEMP_PREFIX}{}",
            cache_filename(next_temp_number(), uri)
        ));
        download(self, uri, &temp, log).await?;
        Ok(Acquired::Uncached(temp))
    }

    /// Makes room for `size` bytes by evicting unused entries, least recently used first,
    /// then moves the download into place and marks the entry complete.
    fn reserve(
        &self,
        key: &str,
        entry: &Arc<Entry>,
        size: u64,
        temp: &Path,
        path: &Path,
    ) -> Result<(), String> {
        let mut state = self.lock();
        if size > self.capacity {
            return Err(format!(
                "the file ({size} bytes) is larger than the cache ({} bytes)",
                self.capacity
            ));
        }
        let mut victims: Vec<(u64, String, u64)> = state
            .entries
            .iter()
            .filter(|(k, s)| s.refs == 0 && s.ready && k.as_str() != key)
            .map(|(k, s)| (s.last_used, k.clone(), s.size))
            .collect();
        victims.sort();
        let evictable: u64 = victims.iter().map(|v| v.2).sum();
        if state.used + size > self.capacity + evictable {
            return Err("Could not free up enough fetcher cache space".into());
        }
        for (_, victim, victim_size) in victims {
            if state.used + size <= self.capacity {
                break;
            }
            if let Some(slot) = state.entries.remove(&victim) {
                let _ = fs::remove_file(self.dir.join(&slot.entry.filename));
                state.used = state.used.saturating_sub(victim_size);
            }
        }
        // Readable by every task user, who may extract from it.
        fs::set_permissions(temp, fs::Permissions::from_mode(0o644))
            .map_err(|e| format!("Failed to chmod the cache file: {e}"))?;
        fs::rename(temp, path).map_err(|e| format!("Failed to move into the cache: {e}"))?;
        let slot = state
            .entries
            .get_mut(key)
            .filter(|slot| Arc::ptr_eq(&slot.entry, entry))
            .ok_or("the cache entry was removed")?;
        slot.size = size;
        slot.ready = true;
        state.used += size;
        Ok(())
    }
}

fn cache_key(user: Option<&str>, uri: &str) -> String {
    match user {
        Some(user) => format!("{user}@{uri}"),
        None => uri.to_owned(),
    }
}

/// `c<serial>-<basename>` with long basenames shortened but their extension kept (Mesos's
/// `nextFilename`).
fn cache_filename(serial: u64, uri: &str) -> String {
    let base = basename(uri).unwrap_or_default();
    let chars: Vec<char> = base.chars().collect();
    let base: String = if chars.len() > 20 {
        let head: String = chars[..10].iter().collect();
        let tail: String = chars[chars.len() - 10..].iter().collect();
        format!("{head}_{tail}")
    } else {
        base
    };
    format!("{CACHE_FILE_PREFIX}{serial}-{base}")
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn next_temp_number() -> u64 {
    TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
}

// ----------------------------------------------------------------------------------------------
// URIs
// ----------------------------------------------------------------------------------------------

/// The file name a URI is fetched to: the part after the last `/` (Mesos's
/// `Fetcher::basename`, which also keeps any `?query`).
pub fn basename(uri: &str) -> Result<String, Cause> {
    if uri.contains(['\\', '\'', '\0']) {
        return Err(Cause::InvalidUri("Illegal characters in URI".into()));
    }
    let name = match uri.find("://") {
        Some(index) if index > 1 => {
            let path = &uri[index + 3..];
            match path.find('/') {
                Some(slash) if slash + 1 < path.len() => {
                    path.rsplit('/').next().unwrap_or_default()
                }
                _ => {
                    return Err(Cause::InvalidUri(format!(
                        "Malformed URI (missing path): {uri}"
                    )));
                }
            }
        }
        _ => uri
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default(),
    };
    match name {
        "" | "." | ".." => Err(Cause::InvalidUri(format!(
            "URI '{uri}' does not name a file"
        ))),
        name => Ok(name.to_owned()),
    }
}

/// Checks `output_file`: relative, not empty, without `..` (Mesos's `validateOutputFile`,
/// plus the check that it stays inside the sandbox).
fn validate_output_file(file: &str) -> Result<(), Cause> {
    let invalid = |reason| {
        Err(Cause::OutputFile {
            file: file.to_owned(),
            reason,
        })
    };
    if file.is_empty() {
        return invalid("it is empty");
    }
    if file.starts_with('/') {
        return invalid("it must be within the sandbox directory");
    }
    if file.contains('\0') {
        return invalid("it contains a NUL byte");
    }
    let path = Path::new(file);
    if path.components().any(|c| matches!(c, Component::ParentDir)) {
        return invalid("it must be within the sandbox directory");
    }
    if !path.components().any(|c| matches!(c, Component::Normal(_))) {
        return invalid("it does not name a file");
    }
    Ok(())
}

/// Where a URI's bytes come from.
enum Source {
    Local(PathBuf),
    Net(String),
}

fn classify(uri: &str, frameworks_home: Option<&Path>) -> Result<Source, Cause> {
    let lower = uri.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Ok(Source::Net(uri.to_owned()));
    }
    let file_uri = uri.strip_prefix("file://");
    if file_uri.is_none()
        && let Some(index) = uri.find("://")
    {
        return Err(Cause::UnsupportedScheme(uri[..index].to_owned()));
    }
    let path = match file_uri {
        Some(rest) => rest.strip_prefix("localhost").unwrap_or(rest),
        None => uri,
    };
    let path = PathBuf::from(path);
    if path.is_absolute() {
        return Ok(Source::Local(path));
    }
    if file_uri.is_some() {
        return Err(Cause::InvalidUri(
            "File URI only supports absolute paths".into(),
        ));
    }
    match frameworks_home {
        Some(home) if !home.as_os_str().is_empty() => Ok(Source::Local(home.join(path))),
        _ => Err(Cause::InvalidUri(
            "A relative path was passed for the resource but the Mesos framework home was \
             not specified. Please either provide this config option or avoid using a \
             relative path"
                .into(),
        )),
    }
}

// ----------------------------------------------------------------------------------------------
// Fetching
// ----------------------------------------------------------------------------------------------

/// Fetches every URI into `sandbox` (which must exist), in order, stopping at the first
/// failure. `user` is the task's user (an empty name counts as none): part of the cache key,
/// and the owner of what is fetched when the agent runs as root, which then fails for a user
/// this machine does not know.
pub async fn fetch(
    uris: &[CommandUri],
    sandbox: &Path,
    cache: &Cache,
    user: Option<&str>,
) -> Result<(), FetchError> {
    let user = user.filter(|u| !u.is_empty());
    let owner = match user {
        // SAFETY: `geteuid` has no preconditions.
        Some(user) if unsafe { libc::geteuid() } == 0 => Some(
            crate::paths::lookup_user(user)
                .map_err(|e| FetchError::Setup(format!("Cannot fetch as user '{user}': {e}")))?,
        ),
        _ => None,
    };
    let mut log = SandboxLog::open(sandbox, owner)?;
    if uris.is_empty() {
        return Ok(());
    }
    // Every URI is checked before anything is fetched (Mesos's `validateUris`).
    for uri in uris {
        let value = uri.value.trim_start();
        basename(value).map_err(|cause| FetchError::uri(&uri.value, cause))?;
        if let Some(file) = &uri.output_file {
            validate_output_file(file).map_err(|cause| FetchError::uri(&uri.value, cause))?;
        }
    }
    for uri in uris {
        match fetch_one(uri, sandbox, cache, user, owner, &mut log).await {
            Ok(result) => log.info(&format!(
                "Fetched '{}' to '{}'",
                uri.value,
                result.display()
            )),
            Err(cause) => {
                let error = FetchError::uri(&uri.value, cause);
                log.error(&error.to_string());
                return Err(error);
            }
        }
    }
    log.info(&format!(
        "Successfully fetched all URIs into '{}'",
        sandbox.display()
    ));
    Ok(())
}

/// Fetches one URI; returns where it ended up (the file, or the sandbox if extracted from
/// the cache).
async fn fetch_one(
    uri: &CommandUri,
    sandbox: &Path,
    cache: &Cache,
    user: Option<&str>,
    owner: Option<(u32, u32)>,
    log: &mut SandboxLog,
) -> Result<PathBuf, Cause> {
    let value = uri.value.trim_start();
    log.info(&format!("Fetching URI '{value}'"));
    let name = match &uri.output_file {
        Some(file) => file.clone(),
        None => basename(value)?,
    };
    let destination = destination(sandbox, &name, owner)?;
    let executable = uri.executable.unwrap_or(false);

    if uri.cache.unwrap_or(false) {
        match cache.acquire(user, value, log).await? {
            Acquired::Cached(_reference, cached) => {
                log.info(&format!("Fetching URI '{value}' from cache"));
                if executable {
                    copy_file(&cached, &destination).await?;
                    set_owner(&destination, owner)?;
                    chmod_executable(&destination)?;
                    return Ok(destination);
                }
                if uri.extract {
                    if extract(&cached, &destination, sandbox, owner, log).await? {
                        return Ok(sandbox.to_path_buf());
                    }
                    not_an_archive(value, log);
                }
                copy_file(&cached, &destination).await?;
                set_owner(&destination, owner)?;
                return Ok(destination);
            }
            Acquired::Uncached(temp) => {
                let moved = move_file(&temp, &destination).await;
                let _ = fs::remove_file(&temp);
                moved?;
            }
            Acquired::Direct => download(cache, value, &destination, log).await?,
        }
    } else {
        log.info(&format!(
            "Fetching '{value}' directly into the sandbox directory"
        ));
        download(cache, value, &destination, log).await?;
    }
    set_owner(&destination, owner)?;
    if executable {
        chmod_executable(&destination)?;
    } else if uri.extract && !extract(&destination, &destination, sandbox, owner, log).await? {
        not_an_archive(value, log);
    }
    Ok(destination)
}

fn not_an_archive(uri: &str, log: &mut SandboxLog) {
    log.warn(&format!(
        "Copying instead of extracting resource from URI with 'extract' flag, because it \
         does not seem to be an archive: {uri}"
    ));
}

/// `sandbox/name`, with its parent directories created; refused if the parent resolves
/// outside the sandbox (say, through a symlink an earlier archive left).
fn destination(sandbox: &Path, name: &str, owner: Option<(u32, u32)>) -> Result<PathBuf, Cause> {
    validate_output_file(name)?;
    let destination = sandbox.join(name);
    let parent = destination.parent().unwrap_or(sandbox);
    if !parent.exists() {
        fs::create_dir_all(parent).map_err(|e| {
            Cause::Io(format!(
                "Unable to create subdirectory '{}' in sandbox: {e}",
                parent.display()
            ))
        })?;
        // The new directories belong to the task's user too.
        if let Some(owner) = owner {
            let mut dir = parent;
            while dir != sandbox && dir.starts_with(sandbox) {
                set_owner(dir, Some(owner))?;
                dir = dir.parent().unwrap_or(sandbox);
            }
        }
    }
    let real_sandbox = fs::canonicalize(sandbox).map_err(io_cause("resolve", sandbox))?;
    let real_parent = fs::canonicalize(parent).map_err(io_cause("resolve", parent))?;
    if !real_parent.starts_with(&real_sandbox) {
        return Err(Cause::OutputFile {
            file: name.to_owned(),
            reason: "it must be within the sandbox directory",
        });
    }
    Ok(destination)
}

/// A hidden temporary name next to `path`, for writing it and renaming it into place (which
/// also replaces, rather than follows, a symlink at `path`).
fn temp_next_to(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(
        "{TEMP_PREFIX}{}-{}-{name}",
        std::process::id(),
        next_temp_number()
    ))
}

/// Downloads or copies `uri` to `path` (through a temporary file renamed into place).
async fn download(
    cache: &Cache,
    uri: &str,
    path: &Path,
    log: &mut SandboxLog,
) -> Result<(), Cause> {
    match classify(uri, cache.settings.frameworks_home.as_deref())? {
        Source::Local(source) => {
            log.info(&format!(
                "Copying resource from '{}' to '{}'",
                source.display(),
                path.display()
            ));
            copy_file(&source, path).await
        }
        Source::Net(url) => {
            log.info(&format!(
                "Downloading resource from '{url}' to '{}'",
                path.display()
            ));
            let temp = temp_next_to(path);
            let result = http_download(cache, &url, &temp).await;
            finish_temp(result, &temp, path)
        }
    }
}

fn finish_temp(result: Result<(), Cause>, temp: &Path, path: &Path) -> Result<(), Cause> {
    match result.and_then(|()| fs::rename(temp, path).map_err(io_cause("rename onto", path))) {
        Ok(()) => Ok(()),
        Err(cause) => {
            let _ = fs::remove_file(temp);
            Err(cause)
        }
    }
}

async fn http_download(cache: &Cache, url: &str, temp: &Path) -> Result<(), Cause> {
    let limit = cache.settings.max_download_bytes;
    let stall = cache.settings.stall_timeout;
    let mut response = cache.client()?.get(url).send().await.map_err(|e| {
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(inner) = source {
            detail = format!("{detail}: {inner}");
            source = inner.source();
        }
        Cause::Download(detail)
    })?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(Cause::HttpStatus(status));
    }
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(Cause::TooLarge(limit));
    }
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(temp)
        .await
        .map_err(io_cause("create", temp))?;
    let mut received: u64 = 0;
    loop {
        let chunk = match tokio::time::timeout(stall, response.chunk()).await {
            Err(_) => {
                return Err(Cause::Download(format!(
                    "the download stalled for {}s",
                    stall.as_secs_f64()
                )));
            }
            Ok(Err(e)) => return Err(Cause::Download(e.to_string())),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => chunk,
        };
        received += chunk.len() as u64;
        if received > limit {
            return Err(Cause::TooLarge(limit));
        }
        file.write_all(&chunk)
            .await
            .map_err(io_cause("write", temp))?;
    }
    file.sync_all().await.map_err(io_cause("write", temp))?;
    Ok(())
}

/// Copies `source` to `path` (through a temporary file renamed into place).
async fn copy_file(source: &Path, path: &Path) -> Result<(), Cause> {
    match tokio::fs::metadata(source).await {
        Ok(meta) if meta.is_dir() => {
            return Err(Cause::Io(format!(
                "Failed to copy '{}': it is a directory",
                source.display()
            )));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Cause::MissingFile(source.to_path_buf()));
        }
        Err(e) => return Err(io_cause("copy", source)(e)),
    }
    let temp = temp_next_to(path);
    let result = tokio::fs::copy(source, &temp)
        .await
        .map(|_| ())
        .map_err(io_cause("copy", source));
    finish_temp(result, &temp, path)
}

/// Moves `source` to `path`, copying if they are on different file systems.
async fn move_file(source: &Path, path: &Path) -> Result<(), Cause> {
    match fs::rename(source, path) {
        Ok(()) => Ok(()),
        Err(_) => copy_file(source, path).await,
    }
}

fn set_owner(path: &Path, owner: Option<(u32, u32)>) -> Result<(), Cause> {
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(io_cause("chown", path))?;
    }
    Ok(())
}

/// Mode 0755, as Mesos's `chmodExecutable`.
fn chmod_executable(path: &Path) -> Result<(), Cause> {
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).map_err(|e| {
        Cause::Io(format!(
            "Failed to chmod executable '{}': {e}",
            path.display()
        ))
    })
}

/// Extracts `archive` into `directory` if `name`'s suffix says it is an archive; returns
/// whether it was one. Runs as `owner` when given.
async fn extract(
    archive: &Path,
    name: &Path,
    directory: &Path,
    owner: Option<(u32, u32)>,
    log: &mut SandboxLog,
) -> Result<bool, Cause> {
    let name = name
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let failed = |detail: String| Cause::Extract {
        archive: archive.to_path_buf(),
        directory: directory.to_path_buf(),
        detail,
    };
    let mut command;
    let mut gunzip_to = None;
    if TAR_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        command = tokio::process::Command::new("tar");
        command
            .arg("--no-same-owner")
            .arg("-C")
            .arg(directory)
            .arg("-xf")
            .arg(archive);
    } else if name.ends_with(".zip") {
        command = tokio::process::Command::new("unzip");
        command
            .arg("-o")
            .arg("-q")
            .arg("-d")
            .arg(directory)
            .arg(archive);
    } else if let Some(stem) = name.strip_suffix(".gz") {
        // A bare gzip'ed file: `gunzip -d -c <archive> > <directory>/<name without .gz>`.
        let out = directory.join(stem);
        let temp = temp_next_to(&out);
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&temp)
            .map_err(|e| failed(format!("cannot create '{}': {e}", temp.display())))?;
        set_owner(&temp, owner)?;
        command = tokio::process::Command::new("gunzip");
        command.arg("-d").arg("-c").arg(archive).stdout(file);
        gunzip_to = Some((temp, out));
    } else {
        return Ok(false);
    }
    if let Some((uid, gid)) = owner {
        command.uid(uid).gid(gid);
    }
    command
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    if gunzip_to.is_none() {
        command.stdout(std::process::Stdio::piped());
    }
    command.stderr(std::process::Stdio::piped());
    let program = format!("{:?}", command.as_std().get_program());
    // Not `output()`: tokio's would replace gunzip's stdout with a pipe.
    let output = match command.spawn() {
        Ok(child) => child.wait_with_output().await,
        Err(e) => Err(e),
    };
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            if let Some((temp, _)) = &gunzip_to {
                let _ = fs::remove_file(temp);
            }
            let hint = if e.kind() == io::ErrorKind::NotFound {
                " (is it installed?)"
            } else {
                ""
            };
            return Err(failed(format!("cannot run {program}{hint}: {e}")));
        }
    };
    if !output.status.success() {
        if let Some((temp, _)) = &gunzip_to {
            let _ = fs::remove_file(temp);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let detail = [stderr.trim(), stdout.trim()]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or("no output");
        return Err(failed(format!("{program} {}: {detail}", output.status)));
    }
    if let Some((temp, out)) = gunzip_to {
        finish_temp(Ok(()), &temp, &out)?;
    }
    log.info(&format!(
        "Extracted '{}' into '{}'",
        archive.display(),
        directory.display()
    ));
    Ok(true)
}

// ----------------------------------------------------------------------------------------------
// The sandbox log
// ----------------------------------------------------------------------------------------------

/// The fetcher's log: lines appended to the sandbox's `stderr`, in glog's format.
struct SandboxLog {
    file: fs::File,
}

impl SandboxLog {
    /// Opens `<sandbox>/stderr` for appending and makes sure `<sandbox>/stdout` exists, as
    /// Mesos prepares both before running its fetcher.
    fn open(sandbox: &Path, owner: Option<(u32, u32)>) -> Result<Self, FetchError> {
        let open = |name: &str| {
            let path = sandbox.join(name);
            let file = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o644)
                .open(&path)
                .map_err(|e| FetchError::Setup(format!("Failed to create '{name}' file: {e}")))?;
            if let Some((uid, gid)) = owner {
                std::os::unix::fs::chown(&path, Some(uid), Some(gid)).map_err(|e| {
                    FetchError::Setup(format!("Failed to chown '{}': {e}", path.display()))
                })?;
            }
            Ok::<_, FetchError>(file)
        };
        open("stdout")?;
        Ok(Self {
            file: open("stderr")?,
        })
    }

    fn line(&mut self, level: char, message: &str) {
        let line = format!(
            "{level}{} {} fetcher.rs] {message}\n",
            glog_time(SystemTime::now()),
            std::process::id()
        );
        // The log is best effort: a full disk must not hide the fetch's own outcome.
        let _ = self.file.write_all(line.as_bytes());
        match level {
            'E' => tracing::warn!("{message}"),
            _ => tracing::debug!("{message}"),
        }
    }

    fn info(&mut self, message: &str) {
        self.line('I', message);
    }

    fn warn(&mut self, message: &str) {
        self.line('W', message);
    }

    fn error(&mut self, message: &str) {
        self.line('E', message);
    }
}

/// `MMDD HH:MM:SS.uuuuuu` in UTC.
fn glog_time(now: SystemTime) -> String {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    format!(
        "{month:02}{day:02} {:02}:{:02}:{:02}.{:06}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_micros()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::future::IntoFuture;
    use std::net::SocketAddr;
    use std::process::Command;

    static COUNTER: AtomicU64 = AtomicU64::new(0);

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir = std::env::temp_dir()
                .join(format!("fetcher-test-{name}-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(dir.join("sandbox")).unwrap();
            fs::create_dir_all(dir.join("src")).unwrap();
            TempDir(dir)
        }
        fn sandbox(&self) -> PathBuf {
            self.0.join("sandbox")
        }
        fn src(&self) -> PathBuf {
            self.0.join("src")
        }
        fn cache(&self, capacity: u64) -> Cache {
            Cache::with_capacity(self.0.join("cache"), capacity)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn uri(value: impl Into<String>) -> CommandUri {
        CommandUri::new(value)
    }

    fn stderr_of(sandbox: &Path) -> String {
        fs::read_to_string(sandbox.join("stderr")).unwrap()
    }

    fn run(cmd: &mut Command) {
        let status = cmd.status().unwrap();
        assert!(status.success(), "{cmd:?}");
    }

    /// Serves `dir` over HTTP on a loopback port; 404 for anything missing.
    async fn serve(dir: PathBuf) -> (SocketAddr, tokio::task::JoinHandle<()>) {
        use axum::extract::Path as UrlPath;
        use axum::http::StatusCode;
        let app = axum::Router::new().route(
            "/{*file}",
            axum::routing::get(move |UrlPath(file): UrlPath<String>| {
                let dir = dir.clone();
                async move {
                    match fs::read(dir.join(file)) {
                        Ok(bytes) => (StatusCode::OK, bytes),
                        Err(_) => (StatusCode::NOT_FOUND, b"no such file".to_vec()),
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, app).into_future().await;
        });
        (addr, handle)
    }

    #[test]
    fn basenames_as_mesos() {
        assert_eq!(basename("http://h/a/b/spark.tgz").unwrap(), "spark.tgz");
        assert_eq!(basename("http://h/x?y=1").unwrap(), "x?y=1");
        assert_eq!(basename("/opt/spark.tgz").unwrap(), "spark.tgz");
        assert_eq!(basename("file:///opt/x").unwrap(), "x");
        assert!(basename("http://host").is_err());
        assert!(basename("http://host/").is_err());
        assert!(basename("/a/it's").is_err());
        assert!(basename("/a/b\\c").is_err());
        assert!(basename("/a/..").is_err());
        assert_eq!(cache_filename(3, "http://h/spark.tgz"), "c3-spark.tgz");
        assert_eq!(
            cache_filename(4, "http://h/spark-3.5.1-bin-hadoop3.tgz"),
            "c4-spark-3.5._adoop3.tgz"
        );
    }

    #[test]
    fn output_files_stay_inside() {
        assert!(validate_output_file("a/b.txt").is_ok());
        assert!(validate_output_file("./a").is_ok());
        for bad in ["", "/etc/passwd", "../x", "a/../../x", ".", "a/.."] {
            assert!(validate_output_file(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn classifies_sources() {
        assert!(matches!(classify("http://h/x", None), Ok(Source::Net(_))));
        assert!(matches!(classify("HTTPS://h/x", None), Ok(Source::Net(_))));
        assert!(matches!(
            classify("file:///a/b", None),
            Ok(Source::Local(p)) if p == Path::new("/a/b")
        ));
        assert!(matches!(
            classify("file://localhost/a/b", None),
            Ok(Source::Local(p)) if p == Path::new("/a/b")
        ));
        assert!(matches!(
            classify("file://a/b", None),
            Err(Cause::InvalidUri(_))
        ));
        assert!(matches!(classify("a/b", None), Err(Cause::InvalidUri(_))));
        assert!(matches!(
            classify("a/b", Some(Path::new("/home"))),
            Ok(Source::Local(p)) if p == Path::new("/home/a/b")
        ));
        assert!(matches!(
            classify("hdfs://nn/x", None),
            Err(Cause::UnsupportedScheme(s)) if s == "hdfs"
        ));
    }

    #[test]
    fn glog_timestamps() {
        let t = UNIX_EPOCH + Duration::from_micros(1_715_950_496_123_456);
        assert_eq!(glog_time(t), "0517 12:54:56.123456");
        assert_eq!(glog_time(UNIX_EPOCH), "0101 00:00:00.000000");
    }

    #[tokio::test]
    async fn local_path_and_file_uri() {
        let t = TempDir::new("local");
        fs::write(t.src().join("a.txt"), b"alpha").unwrap();
        fs::write(t.src().join("b.txt"), b"beta").unwrap();
        let cache = t.cache(DEFAULT_CACHE_SIZE);
        let a = t.src().join("a.txt");
        let b = format!("file://{}", t.src().join("b.txt").display());
        fetch(
            &[uri(a.to_str().unwrap()), uri(b.clone())],
            &t.sandbox(),
            &cache,
            None,
        )
        .await
        .unwrap();
        assert_eq!(fs::read(t.sandbox().join("a.txt")).unwrap(), b"alpha");
        assert_eq!(fs::read(t.sandbox().join("b.txt")).unwrap(), b"beta");
        assert!(t.sandbox().join("stdout").exists());
        let log = stderr_of(&t.sandbox());
        assert!(
            log.contains(&format!("Fetching URI '{}'", a.display())),
            "{log}"
        );
        assert!(log.contains(&format!(
            "Fetched '{b}' to '{}'",
            t.sandbox().join("b.txt").display()
        )));
        assert!(log.contains("Successfully fetched all URIs into"));
        // Not an archive: copied, with Mesos's warning.
        assert!(log.contains("does not seem to be an archive"));
        assert!(log.lines().all(|l| l.contains(" fetcher.rs] ")));
        // No temporary files are left.
        let names: Vec<_> = fs::read_dir(t.sandbox())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    }

    #[tokio::test]
    async fn missing_file_names_uri_and_cause() {
        let t = TempDir::new("missing");
        let cache = t.cache(DEFAULT_CACHE_SIZE);
        let missing = t.src().join("nope.txt");
        let err = fetch(
            &[uri(missing.to_str().unwrap())],
            &t.sandbox(),
            &cache,
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(
            &err,
            FetchError::Uri {
                cause: Cause::MissingFile(_),
                ..
            }
        ));
        let message = err.to_string();
        assert!(message.contains(&format!("Failed to fetch '{}'", missing.display())));
        assert!(message.contains("No such file or directory"), "{message}");
        assert!(stderr_of(&t.sandbox()).contains(&message));
    }

    #[tokio::test]
    async fn http_200_and_404() {
        let t = TempDir::new("http");
        fs::write(t.src().join("hello.txt"), b"over http").unwrap();
        let (addr, server) = serve(t.src()).await;
        let cache = t.cache(DEFAULT_CACHE_SIZE);
        let ok = format!("http://{addr}/hello.txt");
        fetch(&[uri(ok.clone())], &t.sandbox(), &cache, None)
            .await
            .unwrap();
        assert_eq!(
            fs::read(t.sandbox().join("hello.txt")).unwrap(),
            b"over http"
        );
        assert!(stderr_of(&t.sandbox()).contains(&format!("Downloading resource from '{ok}'")));

        let missing = format!("http://{addr}/missing.txt");
        let err = fetch(&[uri(missing.clone())], &t.sandbox(), &cache, None)
            .await
            .unwrap_err();
        assert!(matches!(
            &err,
            FetchError::Uri {
                cause: Cause::HttpStatus(404),
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            format!(
                "Failed to fetch '{missing}': Error downloading resource, received HTTP return code 404"
            )
        );
        assert!(!t.sandbox().join("missing.txt").exists());
        server.abort();

        // https goes through rustls; nothing listens on this port.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let https = format!("https://127.0.0.1:{port}/x.jar");
        let err = fetch(&[uri(https.clone())], &t.sandbox(), &cache, None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                &err,
                FetchError::Uri {
                    cause: Cause::Download(_),
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string()
                .starts_with(&format!("Failed to fetch '{https}'"))
        );
    }

    #[tokio::test]
    async fn no_uris_prepares_the_sandbox_only() {
        let t = TempDir::new("empty");
        let cache = t.cache(DEFAULT_CACHE_SIZE);
        fetch(&[], &t.sandbox(), &cache, None).await.unwrap();
        assert_eq!(stderr_of(&t.sandbox()), "");
        assert!(t.sandbox().join("stdout").exists());
    }

    #[tokio::test]
    async fn download_size_is_bounded() {
        let t = TempDir::new("limit");
        fs::write(t.src().join("big.bin"), vec![0u8; 10_000]).unwrap();
        let (addr, server) = serve(t.src()).await;
        let settings = FetcherSettings {
            max_download_bytes: 1000,
            ..FetcherSettings::default()
        };
        let cache = Cache::with_settings(t.0.join("cache"), DEFAULT_CACHE_SIZE, settings);
        let err = fetch(
            &[uri(format!("http://{addr}/big.bin"))],
            &t.sandbox(),
            &cache,
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(
            err,
            FetchError::Uri {
                cause: Cause::TooLarge(1000),
                ..
            }
        ));
        assert!(!t.sandbox().join("big.bin").exists());
        server.abort();
    }

    #[tokio::test]
    async fn extracts_tar_gz_and_zip() {
        let t = TempDir::new("extract");
        let content = t.0.join("content");
        fs::create_dir_all(content.join("dist/bin")).unwrap();
        fs::write(content.join("dist/bin/run.sh"), b"#!/bin/sh\necho hi\n").unwrap();
        fs::set_permissions(
            content.join("dist/bin/run.sh"),
            fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        fs::write(content.join("notes.txt"), b"zip me").unwrap();
        run(Command::new("tar")
            .arg("-czf")
            .arg(t.src().join("dist.tar.gz"))
            .arg("-C")
            .arg(&content)
            .arg("dist"));
        run(Command::new("zip")
            .arg("-q")
            .arg(t.src().join("notes.zip"))
            .arg("notes.txt")
            .current_dir(&content));
        run(Command::new("sh").arg("-c").arg(format!(
            "echo plain | gzip > '{}'",
            t.src().join("plain.txt.gz").display()
        )));
        let cache = t.cache(DEFAULT_CACHE_SIZE);
        let uris: Vec<CommandUri> = ["dist.tar.gz", "notes.zip", "plain.txt.gz"]
            .iter()
            .map(|n| uri(t.src().join(n).to_str().unwrap()))
            .collect();
        fetch(&uris, &t.sandbox(), &cache, None).await.unwrap();
        let script = t.sandbox().join("dist/bin/run.sh");
        assert_eq!(fs::read(&script).unwrap(), b"#!/bin/sh\necho hi\n");
        assert_eq!(
            fs::metadata(&script).unwrap().permissions().mode() & 0o111,
            0o111
        );
        assert_eq!(fs::read(t.sandbox().join("notes.txt")).unwrap(), b"zip me");
        assert_eq!(fs::read(t.sandbox().join("plain.txt")).unwrap(), b"plain\n");
        // As in Mesos, the archive itself stays in the sandbox.
        assert!(t.sandbox().join("dist.tar.gz").exists());
        let log = stderr_of(&t.sandbox());
        assert!(log.contains(&format!(
            "Extracted '{}' into '{}'",
            t.sandbox().join("notes.zip").display(),
            t.sandbox().display()
        )));

        // extract: false leaves the archive alone.
        let t2 = TempDir::new("noextract");
        let mut no = uri(t.src().join("notes.zip").to_str().unwrap());
        no.extract = false;
        fetch(&[no], &t2.sandbox(), &cache, None).await.unwrap();
        assert!(t2.sandbox().join("notes.zip").exists());
        assert!(!t2.sandbox().join("notes.txt").exists());
    }

    #[tokio::test]
    async fn broken_archive_reports_tar_stderr() {
        let t = TempDir::new("broken");
        fs::write(t.src().join("bad.tgz"), b"this is not gzip").unwrap();
        let cache = t.cache(DEFAULT_CACHE_SIZE);
        let err = fetch(
            &[uri(t.src().join("bad.tgz").to_str().unwrap())],
            &t.sandbox(),
            &cache,
            None,
        )
        .await
        .unwrap_err();
        let FetchError::Uri {
            cause: Cause::Extract { detail, .. },
            ..
        } = &err
        else {
            unreachable!("{err}");
        };
        assert!(detail.contains("tar"), "{detail}");
        assert!(
            err.to_string().contains("Failed to extract archive"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn executable_bit_and_output_file() {
        let t = TempDir::new("exec");
        fs::write(t.src().join("tool"), b"#!/bin/sh\n").unwrap();
        fs::set_permissions(t.src().join("tool"), fs::Permissions::from_mode(0o600)).unwrap();
        let cache = t.cache(DEFAULT_CACHE_SIZE);
        let mut exe = uri(t.src().join("tool").to_str().unwrap());
        exe.executable = Some(true);
        exe.output_file = Some("bin/my-tool".into());
        fetch(&[exe], &t.sandbox(), &cache, None).await.unwrap();
        let path = t.sandbox().join("bin/my-tool");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o755
        );
    }

    #[tokio::test]
    async fn output_file_escaping_the_sandbox_is_refused() {
        let t = TempDir::new("escape");
        fs::write(t.src().join("x"), b"x").unwrap();
        let cache = t.cache(DEFAULT_CACHE_SIZE);
        for bad in ["../x", "/tmp/x", "a/../../x", ""] {
            let mut u = uri(t.src().join("x").to_str().unwrap());
            u.output_file = Some(bad.into());
            let err = fetch(&[u], &t.sandbox(), &cache, None).await.unwrap_err();
            assert!(
                matches!(
                    err,
                    FetchError::Uri {
                        cause: Cause::OutputFile { .. },
                        ..
                    }
                ),
                "{bad}"
            );
        }
        assert!(!t.0.join("x").exists());
        // Through a symlink left in the sandbox.
        std::os::unix::fs::symlink(t.0.join("src"), t.sandbox().join("link")).unwrap();
        let mut u = uri(t.src().join("x").to_str().unwrap());
        u.output_file = Some("link/y".into());
        let err = fetch(&[u], &t.sandbox(), &cache, None).await.unwrap_err();
        assert!(matches!(
            err,
            FetchError::Uri {
                cause: Cause::OutputFile { .. },
                ..
            }
        ));
        assert!(!t.src().join("y").exists());
        // A symlink as the file itself is replaced, not followed.
        std::os::unix::fs::symlink(t.src().join("x"), t.sandbox().join("x")).unwrap();
        fs::write(t.0.join("other"), b"new").unwrap();
        fetch(
            &[uri(t.0.join("other").to_str().unwrap())],
            &t.sandbox(),
            &cache,
            None,
        )
        .await
        .unwrap();
        let mut o = uri(t.0.join("other").to_str().unwrap());
        o.output_file = Some("x".into());
        fetch(&[o], &t.sandbox(), &cache, None).await.unwrap();
        assert_eq!(fs::read(t.src().join("x")).unwrap(), b"x");
        assert_eq!(fs::read(t.sandbox().join("x")).unwrap(), b"new");
    }

    #[tokio::test]
    async fn cache_hit_without_the_server() {
        let t = TempDir::new("cache");
        fs::write(t.src().join("app.jar"), b"jar bytes").unwrap();
        let content = t.0.join("content");
        fs::create_dir_all(&content).unwrap();
        fs::write(content.join("inside.txt"), b"inside").unwrap();
        run(Command::new("tar")
            .arg("-czf")
            .arg(t.src().join("pkg.tgz"))
            .arg("-C")
            .arg(&content)
            .arg("inside.txt"));
        let (addr, server) = serve(t.src()).await;
        let cache = t.cache(DEFAULT_CACHE_SIZE);
        let cached = |name: &str| {
            let mut u = uri(format!("http://{addr}/{name}"));
            u.cache = Some(true);
            u
        };
        let uris = [cached("app.jar"), cached("pkg.tgz")];
        fetch(&uris, &t.sandbox(), &cache, None).await.unwrap();
        assert!(cache.contains(None, &uris[0].value));
        let used = cache.used_bytes();
        assert!(used > 0);
        server.abort();
        let _ = server.await;

        let t2 = TempDir::new("cache2");
        fetch(&uris, &t2.sandbox(), &cache, None).await.unwrap();
        assert_eq!(
            fs::read(t2.sandbox().join("app.jar")).unwrap(),
            b"jar bytes"
        );
        assert_eq!(
            fs::read(t2.sandbox().join("inside.txt")).unwrap(),
            b"inside"
        );
        // Extracted straight from the cache: the archive is not copied.
        assert!(!t2.sandbox().join("pkg.tgz").exists());
        let log = stderr_of(&t2.sandbox());
        assert!(log.contains(&format!("Fetching URI '{}' from cache", uris[0].value)));
        assert_eq!(cache.used_bytes(), used);
        // Without `cache`, the stopped server is needed again.
        let mut direct = uri(format!("http://{addr}/app.jar"));
        direct.cache = Some(false);
        let err = fetch(&[direct], &t2.sandbox(), &cache, None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                FetchError::Uri {
                    cause: Cause::Download(_),
                    ..
                }
            ),
            "{err}"
        );
    }

    #[tokio::test]
    async fn cache_evicts_least_recently_used() {
        let t = TempDir::new("lru");
        for (name, size) in [("a", 400), ("b", 400), ("c", 400), ("huge", 5000)] {
            fs::write(t.src().join(name), vec![b'x'; size]).unwrap();
        }
        let cache = t.cache(1000);
        let cached = |name: &str| {
            let mut u = uri(t.src().join(name).to_str().unwrap());
            u.cache = Some(true);
            u
        };
        fetch(&[cached("a"), cached("b")], &t.sandbox(), &cache, None)
            .await
            .unwrap();
        assert_eq!(cache.used_bytes(), 800);
        // Touch `a`, so `b` is the least recently used.
        fetch(&[cached("a")], &t.sandbox(), &cache, None)
            .await
            .unwrap();
        fetch(&[cached("c")], &t.sandbox(), &cache, None)
            .await
            .unwrap();
        let a = cached("a").value;
        let b = cached("b").value;
        let c = cached("c").value;
        assert!(cache.contains(None, &a));
        assert!(!cache.contains(None, &b));
        assert!(cache.contains(None, &c));
        assert_eq!(cache.used_bytes(), 800);
        // Larger than the cache: fetched directly, with a warning.
        fetch(&[cached("huge")], &t.sandbox(), &cache, None)
            .await
            .unwrap();
        assert_eq!(fs::read(t.sandbox().join("huge")).unwrap().len(), 5000);
        assert!(!cache.contains(None, &cached("huge").value));
        assert!(stderr_of(&t.sandbox()).contains("Reverting to fetching directly"));
        assert_eq!(cache.len(), 2);
        // Cache files on disk match the entries.
        let files = fs::read_dir(cache.dir()).unwrap().count();
        assert_eq!(files, 2);
        // The user is part of the key.
        assert!(!cache.contains(Some("alice"), &a));
    }

    #[tokio::test]
    async fn concurrent_fetches_share_one_download() {
        let t = TempDir::new("concurrent");
        fs::write(t.src().join("shared.bin"), vec![7u8; 100_000]).unwrap();
        let (addr, server) = serve(t.src()).await;
        let cache = t.cache(DEFAULT_CACHE_SIZE);
        let mut u = uri(format!("http://{addr}/shared.bin"));
        u.cache = Some(true);
        let sandboxes: Vec<PathBuf> = (0..4)
            .map(|i| {
                let s = t.0.join(format!("s{i}"));
                fs::create_dir_all(&s).unwrap();
                s
            })
            .collect();
        let uris = [u];
        let results =
            futures::future::join_all(sandboxes.iter().map(|s| fetch(&uris, s, &cache, None)))
                .await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        for s in &sandboxes {
            assert_eq!(fs::read(s.join("shared.bin")).unwrap().len(), 100_000);
        }
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.used_bytes(), 100_000);
        server.abort();
    }

    #[tokio::test]
    async fn invalid_uris_fail_before_fetching() {
        let t = TempDir::new("invalid");
        fs::write(t.src().join("ok"), b"ok").unwrap();
        let cache = t.cache(DEFAULT_CACHE_SIZE);
        let uris = [
            uri(t.src().join("ok").to_str().unwrap()),
            uri("http://host-without-path"),
        ];
        let err = fetch(&uris, &t.sandbox(), &cache, None).await.unwrap_err();
        assert!(
            err.to_string().contains("Malformed URI (missing path)"),
            "{err}"
        );
        assert!(!t.sandbox().join("ok").exists());
        let err = fetch(&[uri("s3://bucket/key")], &t.sandbox(), &cache, None)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("unsupported URI scheme 's3'"),
            "{err}"
        );
    }

    fn is_root() -> bool {
        // SAFETY: `geteuid` has no preconditions.
        unsafe { libc::geteuid() == 0 }
    }

    #[tokio::test]
    async fn fetches_as_the_user_when_root() {
        use std::os::unix::fs::MetadataExt;
        if !is_root() {
            return;
        }
        let t = TempDir::new("user");
        let (uid, gid) = crate::paths::lookup_user("nobody").unwrap();
        std::os::unix::fs::chown(t.sandbox(), Some(uid), Some(gid)).unwrap();
        let content = t.0.join("content");
        fs::create_dir_all(&content).unwrap();
        fs::write(content.join("f.txt"), b"f").unwrap();
        run(Command::new("tar")
            .arg("-cf")
            .arg(t.src().join("a.tar"))
            .arg("-C")
            .arg(&content)
            .arg("f.txt"));
        // Only root can read the source; the cache copy is readable by the user's tar.
        fs::set_permissions(t.src().join("a.tar"), fs::Permissions::from_mode(0o600)).unwrap();
        fs::write(t.src().join("plain"), b"p").unwrap();
        let cache = t.cache(DEFAULT_CACHE_SIZE);
        let mut cached = uri(t.src().join("a.tar").to_str().unwrap());
        cached.cache = Some(true);
        let mut nested = uri(t.src().join("plain").to_str().unwrap());
        nested.output_file = Some("d/e/plain".into());
        let uris = [cached, nested];
        fetch(&uris, &t.sandbox(), &cache, Some("nobody"))
            .await
            .unwrap();
        for path in ["f.txt", "d", "d/e", "d/e/plain", "stderr", "stdout"] {
            let meta = fs::metadata(t.sandbox().join(path)).unwrap();
            assert_eq!((meta.uid(), meta.gid()), (uid, gid), "{path}");
        }
        // The cache is per user.
        assert!(cache.contains(Some("nobody"), &uris[0].value));
        assert!(!cache.contains(None, &uris[0].value));
        let err = fetch(&uris, &t.sandbox(), &cache, Some("no-such-user-xyz"))
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::Setup(_)), "{err}");
        assert!(err.to_string().contains("no-such-user-xyz"), "{err}");
    }

    #[tokio::test]
    async fn unusable_cache_falls_back_to_direct_fetches() {
        let t = TempDir::new("badcache");
        fs::write(t.src().join("x.txt"), b"x").unwrap();
        // The cache directory is a file.
        fs::write(t.0.join("cache"), b"").unwrap();
        let cache = t.cache(DEFAULT_CACHE_SIZE);
        assert!(matches!(cache.prepare(), Err(FetchError::Setup(_))));
        let mut u = uri(t.src().join("x.txt").to_str().unwrap());
        u.cache = Some(true);
        fetch(&[u], &t.sandbox(), &cache, None).await.unwrap();
        assert_eq!(fs::read(t.sandbox().join("x.txt")).unwrap(), b"x");
        assert!(stderr_of(&t.sandbox()).contains("Reverting to fetching directly"));
        assert!(cache.is_empty());
    }

    #[tokio::test]
    async fn stale_cache_files_are_cleared_on_start() {
        let t = TempDir::new("stale");
        let dir = t.0.join("cache");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("c12-old.tgz"), b"old").unwrap();
        fs::write(dir.join(".fetch-c13-partial"), b"old").unwrap();
        fs::write(dir.join("keep.me"), b"not ours").unwrap();
        let cache = Cache::with_capacity(&dir, 10);
        // Nothing happens before the first use.
        assert!(dir.join("c12-old.tgz").exists());
        cache.prepare().unwrap();
        assert!(cache.is_empty());
        assert!(!dir.join("c12-old.tgz").exists());
        assert!(!dir.join(".fetch-c13-partial").exists());
        assert!(dir.join("keep.me").exists());
    }
}
