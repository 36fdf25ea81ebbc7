//! The `/files` endpoints (Mesos's `src/files/files.cpp`): browse, read and download files
//! under the directories (or single files) attached to virtual paths, e.g. a sandbox under
//! its real path and under `/frameworks/<fw>/executors/<ex>/runs/latest`.
//!
//! Only what is inside an attached path is served. A path with a `..` component is refused,
//! and so is one that, once canonicalised, leaves the attached directory (a symlink to
//! `/etc`, say): 403. A path that is not attached at all is 404.

use std::collections::{BTreeMap, HashMap};
use std::ffi::CString;
use std::fs::{self, File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

/// Why a `/files` request failed; each maps to Mesos's status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilesError {
    /// 400.
    #[error("{0}")]
    Invalid(String),
    /// 403: the path leaves its attached directory.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 500.
    #[error("{0}")]
    Unknown(String),
}

impl FilesError {
    fn status(&self) -> StatusCode {
        match self {
            FilesError::Invalid(_) => StatusCode::BAD_REQUEST,
            FilesError::Forbidden(_) => StatusCode::FORBIDDEN,
            FilesError::NotFound(_) => StatusCode::NOT_FOUND,
            FilesError::Unknown(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for FilesError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut body = self.to_string();
        if !body.ends_with('\n') {
            body.push('\n');
        }
        (status, body).into_response()
    }
}

/// One entry of `/files/browse` (Mesos's `FileInfo` JSON model). Fields are in Mesos's
/// (sorted) key order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileInfo {
    /// Group name (or number if unknown).
    pub gid: String,
    /// Like `ls -l`: `-rw-r--r--`, `drwxr-xr-x`.
    pub mode: String,
    /// Seconds since the epoch.
    pub mtime: f64,
    pub nlink: u64,
    /// The requested (virtual) path joined with the entry's name.
    pub path: String,
    pub size: u64,
    /// User name (or number if unknown).
    pub uid: String,
}

/// Virtual path → real path mappings, shared by the agent and the `/files` handlers.
#[derive(Debug, Default)]
pub struct FilesRegistry {
    paths: RwLock<BTreeMap<String, PathBuf>>,
}

/// `file://` stripped, empty and `.` components dropped, no trailing `/`; `None` if a
/// component is `..`.
fn normalize_virtual(path: &str) -> Option<Vec<&str>> {
    let path = path.strip_prefix("file://").unwrap_or(path);
    let mut components = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => return None,
            c => components.push(c),
        }
    }
    Some(components)
}

fn join_virtual(components: &[&str]) -> String {
    format!("/{}", components.join("/"))
}

impl FilesRegistry {
    /// No mappings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `real` (a directory or a file) under `virtual_path`, replacing any earlier
    /// mapping. `real` is canonicalised now (so attaching a `latest` symlink pins its current
    /// target, as Mesos does) and must be readable.
    pub fn attach(&self, virtual_path: &str, real: impl AsRef<Path>) -> Result<(), FilesError> {
        let real = real.as_ref();
        let components = normalize_virtual(virtual_path).ok_or_else(|| {
            FilesError::Invalid(format!(
                "Virtual path '{virtual_path}' must not contain '..'"
            ))
        })?;
        let canonical = fs::canonicalize(real).map_err(|e| {
            FilesError::NotFound(format!(
                "Failed to get realpath of '{}': {e}",
                real.display()
            ))
        })?;
        if !readable(&canonical) {
            return Err(FilesError::Forbidden(format!(
                "Failed to access '{}': Access denied",
                real.display()
            )));
        }
        self.write().insert(join_virtual(&components), canonical);
        Ok(())
    }

    /// Stops serving `virtual_path`.
    pub fn detach(&self, virtual_path: &str) {
        if let Some(components) = normalize_virtual(virtual_path) {
            self.write().remove(&join_virtual(&components));
        }
    }

    /// The mappings (for `/files/debug`).
    pub fn mappings(&self) -> BTreeMap<String, PathBuf> {
        self.read_lock().clone()
    }

    fn read_lock(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, PathBuf>> {
        self.paths.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, PathBuf>> {
        self.paths.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The real path of a virtual path, and the attached root it is under: the longest
    /// attached prefix, joined with the rest, canonicalised and checked to stay inside.
    pub fn resolve(&self, path: &str) -> Result<Resolved, FilesError> {
        if path.contains('\0') {
            return Err(FilesError::Invalid("Path contains a NUL byte".into()));
        }
        let components = normalize_virtual(path).ok_or_else(|| {
            FilesError::Forbidden(format!("'{path}' is inaccessible: '..' is not allowed"))
        })?;
        let not_found = || FilesError::NotFound(format!("'{path}' not found"));
        let (root, suffix) = {
            let paths = self.read_lock();
            let found = (0..=components.len()).rev().find_map(|i| {
                paths
                    .get(&join_virtual(&components[..i]))
                    .map(|root| (root.clone(), components[i..].to_vec()))
            });
            found.ok_or_else(not_found)?
        };
        let root_meta = fs::metadata(&root).map_err(|_| not_found())?;
        if !root_meta.is_dir() {
            // An attached file: only the exact path names it.
            return if suffix.is_empty() {
                Ok(Resolved {
                    real: root.clone(),
                    root,
                })
            } else {
                Err(not_found())
            };
        }
        let mut candidate = root.clone();
        candidate.extend(&suffix);
        let real = match fs::canonicalize(&candidate) {
            Ok(real) => real,
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => {
                return Err(not_found());
            }
            Err(e) => {
                return Err(FilesError::Invalid(format!(
                    "Failed to determine canonical path of '{}': {e}",
                    candidate.display()
                )));
            }
        };
        if !real.starts_with(&root) {
            return Err(FilesError::Forbidden(format!(
                "'{path}' is inaccessible: it resolves outside '{}'",
                root.display()
            )));
        }
        Ok(Resolved { real, root })
    }

    /// The entries of a directory, sorted by name (Mesos's `browse`). A file lists as empty,
    /// as in Mesos. Symlinks are described by their target, or by the link itself when the
    /// target is outside the attached directory.
    pub fn browse(&self, path: &str) -> Result<Vec<FileInfo>, FilesError> {
        let resolved = self.resolve(path)?;
        let entries = match fs::read_dir(&resolved.real) {
            Ok(entries) => entries,
            Err(_) => return Ok(Vec::new()),
        };
        let base = path.trim_end_matches('/');
        let mut listing = BTreeMap::new();
        for entry in entries.flatten() {
            let full = entry.path();
            let Ok(link_meta) = fs::symlink_metadata(&full) else {
                continue;
            };
            let meta = if link_meta.file_type().is_symlink() {
                match fs::canonicalize(&full) {
                    Ok(target) if target.starts_with(&resolved.root) => {
                        match fs::metadata(&target) {
                            Ok(meta) => meta,
                            Err(_) => continue,
                        }
                    }
                    Ok(_) => link_meta,
                    // A dangling link: Mesos's `stat` fails and skips it.
                    Err(_) => continue,
                }
            } else {
                link_meta
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            listing.insert(full, file_info(format!("{base}/{name}"), &meta));
        }
        Ok(listing.into_values().collect())
    }

    /// Up to `length` bytes (default: to the end) at `offset`, capped at 16 pages; returns
    /// the file's size and the bytes (Mesos's `read`).
    pub fn read(
        &self,
        path: &str,
        offset: u64,
        length: Option<u64>,
    ) -> Result<(u64, Vec<u8>), FilesError> {
        let resolved = self.resolve(path)?;
        let (mut file, meta) = open_inside(&resolved)?;
        if meta.is_dir() {
            return Err(FilesError::Invalid("Cannot read a directory.".into()));
        }
        let size = meta.len();
        if offset >= size {
            return Ok((size, Vec::new()));
        }
        let length = length.unwrap_or(size - offset).min(max_read_length());
        if length == 0 {
            return Ok((size, Vec::new()));
        }
        let failed = |e: io::Error| {
            FilesError::Unknown(format!(
                "Failed to read file at '{}': {e}",
                resolved.real.display()
            ))
        };
        file.seek(SeekFrom::Start(offset)).map_err(failed)?;
        let mut data = Vec::new();
        file.take(length).read_to_end(&mut data).map_err(failed)?;
        Ok((size, data))
    }
}

/// A resolved path and the attached root it is inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub real: PathBuf,
    pub root: PathBuf,
}

/// Opens a resolved path and checks, through `/proc/self/fd`, that what was opened is still
/// inside the root (a symlink swapped in after [`FilesRegistry::resolve`] is caught here).
fn open_inside(resolved: &Resolved) -> Result<(File, Metadata), FilesError> {
    let file = File::open(&resolved.real).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => {
            FilesError::NotFound(format!("'{}' not found", resolved.real.display()))
        }
        _ => FilesError::Unknown(format!(
            "Failed to open file at '{}': {e}",
            resolved.real.display()
        )),
    })?;
    if resolved.real != resolved.root {
        use std::os::fd::AsRawFd;
        let fd_path = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        if let Ok(opened) = fs::read_link(&fd_path)
            && !opened.starts_with(&resolved.root)
        {
            return Err(FilesError::Forbidden(format!(
                "'{}' is inaccessible",
                resolved.real.display()
            )));
        }
    }
    let meta = file.metadata().map_err(|e| {
        FilesError::Unknown(format!("Failed to stat '{}': {e}", resolved.real.display()))
    })?;
    Ok((file, meta))
}

/// Mesos caps reads at 16 pages.
fn max_read_length() -> u64 {
    // SAFETY: `sysconf` has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(page).ok().filter(|&p| p > 0).unwrap_or(4096) * 16
}

fn readable(path: &Path) -> bool {
    let Ok(c_path) = CString::new(path.as_os_str().as_encoded_bytes()) else {
        return false;
    };
    // SAFETY: `c_path` is a valid C string.
    unsafe { libc::access(c_path.as_ptr(), libc::R_OK) == 0 }
}

fn file_info(path: String, meta: &Metadata) -> FileInfo {
    FileInfo {
        gid: group_name(meta.gid()),
        mode: mode_string(meta.mode()),
        mtime: meta.mtime() as f64,
        nlink: meta.nlink(),
        path,
        size: meta.size(),
        uid: user_name(meta.uid()),
    }
}

/// `ls -l`-style mode: the file type then `rwx` for owner, group and others.
pub fn mode_string(mode: u32) -> String {
    let kind = match mode & libc::S_IFMT {
        libc::S_IFDIR => 'd',
        libc::S_IFCHR => 'c',
        libc::S_IFBLK => 'b',
        libc::S_IFIFO => 'p',
        libc::S_IFLNK => 'l',
        libc::S_IFSOCK => 's',
        _ => '-',
    };
    let mut s = String::with_capacity(10);
    s.push(kind);
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 0o7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    s
}

/// Calls a `get*_r` function with a growing buffer; `None` if not found.
fn lookup_name(
    mut call: impl FnMut(&mut [libc::c_char]) -> (libc::c_int, *const libc::c_char),
) -> Option<String> {
    let mut buf: Vec<libc::c_char> = vec![0; 1024];
    loop {
        let (rc, name) = call(&mut buf);
        if rc == libc::ERANGE && buf.len() < (1 << 20) {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || name.is_null() {
            return None;
        }
        // SAFETY: `name` points to a NUL-terminated string inside `buf`, alive here.
        let name = unsafe { std::ffi::CStr::from_ptr(name) };
        return Some(name.to_string_lossy().into_owned());
    }
}

fn user_name(uid: u32) -> String {
    lookup_name(|buf| {
        // SAFETY: `passwd` is plain data for which all-zero is a valid value.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call; `buf.len()` is the buffer's length.
        let rc =
            unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut found) };
        let name = if found.is_null() {
            std::ptr::null()
        } else {
            pwd.pw_name.cast_const()
        };
        (rc, name)
    })
    .unwrap_or_else(|| uid.to_string())
}

fn group_name(gid: u32) -> String {
    lookup_name(|buf| {
        // SAFETY: `group` is plain data for which all-zero is a valid value.
        let mut grp: libc::group = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::group = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call; `buf.len()` is the buffer's length.
        let rc =
            unsafe { libc::getgrgid_r(gid, &mut grp, buf.as_mut_ptr(), buf.len(), &mut found) };
        let name = if found.is_null() {
            std::ptr::null()
        } else {
            grp.gr_name.cast_const()
        };
        (rc, name)
    })
    .unwrap_or_else(|| gid.to_string())
}

// ----------------------------------------------------------------------------------------------
// HTTP
// ----------------------------------------------------------------------------------------------

type Params = Query<HashMap<String, String>>;

/// `GET /files/browse`, `/files/read`, `/files/download` and `/files/debug` (with
/// `/files/browse.json` and `/files/read.json`, the names older web UIs use).
pub fn router(registry: Arc<FilesRegistry>) -> Router {
    Router::new()
        .route("/files/browse", get(browse))
        .route("/files/browse.json", get(browse))
        .route("/files/read", get(read))
        .route("/files/read.json", get(read))
        .route("/files/download", get(download))
        .route("/files/debug", get(debug))
        .with_state(registry)
}

fn required_path(params: &HashMap<String, String>) -> Result<String, FilesError> {
    match params.get("path") {
        Some(path) if !path.is_empty() => Ok(path.clone()),
        _ => Err(FilesError::Invalid(
            "Expecting 'path=value' in query.".into(),
        )),
    }
}

/// A JSON (or JSONP, with `?jsonp=callback`) 200 response, as libprocess's `OK(json, jsonp)`.
fn json_response(value: serde_json::Value, params: &HashMap<String, String>) -> Response {
    let body = value.to_string();
    match params.get("jsonp") {
        Some(callback) => {
            let valid = !callback.is_empty()
                && callback
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.'));
            if !valid {
                return FilesError::Invalid("Invalid 'jsonp' callback name.".into())
                    .into_response();
            }
            (
                [(header::CONTENT_TYPE, "text/javascript")],
                format!("{callback}({body})"),
            )
                .into_response()
        }
        None => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, FilesError> + Send + 'static,
) -> Result<T, FilesError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| FilesError::Unknown(format!("Request failed: {e}")))?
}

async fn browse(State(registry): State<Arc<FilesRegistry>>, Query(params): Params) -> Response {
    let result = async {
        let path = required_path(&params)?;
        let listing = blocking(move || registry.browse(&path)).await?;
        serde_json::to_value(listing).map_err(|e| FilesError::Unknown(e.to_string()))
    }
    .await;
    match result {
        Ok(value) => json_response(value, &params),
        Err(e) => e.into_response(),
    }
}

/// Parses `offset` / `length`: an integer ≥ -1.
fn parse_signed(params: &HashMap<String, String>, name: &str) -> Result<i64, FilesError> {
    match params.get(name) {
        None => Ok(-1),
        Some(text) => {
            let value: i64 = text
                .trim()
                .parse()
                .map_err(|e| FilesError::Invalid(format!("Failed to parse {name}: {e}.")))?;
            if value < -1 {
                return Err(FilesError::Invalid(format!(
                    "Negative {name} provided: {value}."
                )));
            }
            Ok(value)
        }
    }
}

async fn read(State(registry): State<Arc<FilesRegistry>>, Query(params): Params) -> Response {
    let result = async {
        let path = required_path(&params)?;
        let offset = parse_signed(&params, "offset")?;
        let length = parse_signed(&params, "length")?;
        // `offset=-1` (the default) asks for the size: a read of nothing at 0.
        let (from, length) = match (u64::try_from(offset), u64::try_from(length)) {
            (Err(_), _) => (0, Some(0)),
            (Ok(from), Ok(length)) => (from, Some(length)),
            (Ok(from), Err(_)) => (from, None),
        };
        let (size, data) = blocking(move || registry.read(&path, from, length)).await?;
        let offset = if offset == -1 { size } else { from };
        Ok::<_, FilesError>(serde_json::json!({
            "data": String::from_utf8_lossy(&data),
            "offset": offset,
        }))
    }
    .await;
    match result {
        Ok(value) => json_response(value, &params),
        Err(e) => e.into_response(),
    }
}

/// The content type for a file name, from libprocess's MIME table (a subset).
fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("txt") => "text/plain",
        Some("html" | "htm") => "text/html",
        Some("css") => "text/css",
        Some("xml") => "text/xml",
        Some("py") => "text/x-python",
        Some("js") => "application/x-javascript",
        Some("sh") => "application/x-sh",
        Some("pdf") => "application/pdf",
        Some("zip") => "application/zip",
        Some("tar") => "application/x-tar",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        _ => "application/octet-stream",
    }
}

async fn download(State(registry): State<Arc<FilesRegistry>>, Query(params): Params) -> Response {
    let result = async {
        let path = required_path(&params)?;
        let (file, meta, real) = blocking(move || {
            let resolved = registry.resolve(&path)?;
            let (file, meta) = open_inside(&resolved)?;
            if meta.is_dir() {
                return Err(FilesError::Invalid("Cannot download a directory.".into()));
            }
            Ok((file, meta, resolved.real))
        })
        .await?;
        let basename = real
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let disposition = HeaderValue::from_str(&format!("attachment; filename={basename}"))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
        let stream = futures::stream::unfold(tokio::fs::File::from_std(file), |mut file| async {
            use tokio::io::AsyncReadExt;
            let mut buf = vec![0u8; 64 * 1024];
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok::<_, io::Error>(bytes::Bytes::from(buf)), file))
                }
                Err(e) => Some((Err(e), file)),
            }
        });
        Ok::<_, FilesError>(
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(content_type(&real)),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CONTENT_LENGTH, HeaderValue::from(meta.len())),
                ],
                Body::from_stream(stream),
            )
                .into_response(),
        )
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn debug(State(registry): State<Arc<FilesRegistry>>, Query(params): Params) -> Response {
    let map: serde_json::Map<String, serde_json::Value> = registry
        .mappings()
        .into_iter()
        .map(|(virtual_path, real)| (virtual_path, real.to_string_lossy().into_owned().into()))
        .collect();
    json_response(serde_json::Value::Object(map), &params)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::future::IntoFuture;
    use std::os::unix::fs::symlink;
    use std::sync::atomic::{AtomicU64, Ordering};

    static COUNTER: AtomicU64 = AtomicU64::new(0);

    struct Fixture {
        dir: PathBuf,
        sandbox: PathBuf,
        registry: Arc<FilesRegistry>,
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }

    fn fixture() -> Fixture {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("files-test-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let sandbox = dir.join("runs/c1");
        fs::create_dir_all(sandbox.join("sub")).unwrap();
        fs::write(sandbox.join("stdout"), b"hello world\n").unwrap();
        fs::write(sandbox.join("sub/inner.txt"), b"inner").unwrap();
        fs::write(dir.join("secret"), b"outside").unwrap();
        symlink("/etc", sandbox.join("etc-link")).unwrap();
        symlink("../../secret", sandbox.join("secret-link")).unwrap();
        symlink("stdout", sandbox.join("stdout-link")).unwrap();
        symlink("missing", sandbox.join("dangling")).unwrap();
        let registry = Arc::new(FilesRegistry::new());
        registry.attach("/sandbox/", &sandbox).unwrap();
        registry.attach("/log", dir.join("secret")).unwrap();
        Fixture {
            dir,
            sandbox,
            registry,
        }
    }

    /// Serves the router on a loopback port and GETs `uri` from it.
    async fn get_req(
        registry: &Arc<FilesRegistry>,
        uri: &str,
    ) -> (StatusCode, Vec<u8>, reqwest::header::HeaderMap) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(axum::serve(listener, router(registry.clone())).into_future());
        let response = reqwest::get(format!("http://{addr}{uri}")).await.unwrap();
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap().to_vec();
        server.abort();
        (status, body, headers)
    }

    async fn get_json(registry: &Arc<FilesRegistry>, uri: &str) -> (StatusCode, serde_json::Value) {
        let (status, body, _) = get_req(registry, uri).await;
        let value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        (status, value)
    }

    #[test]
    fn modes_like_ls() {
        assert_eq!(mode_string(libc::S_IFREG | 0o644), "-rw-r--r--");
        assert_eq!(mode_string(libc::S_IFDIR | 0o755), "drwxr-xr-x");
        assert_eq!(mode_string(libc::S_IFLNK | 0o777), "lrwxrwxrwx");
        assert_eq!(mode_string(libc::S_IFIFO | 0o600), "prw-------");
    }

    #[tokio::test]
    async fn browse_lists_entries() {
        let f = fixture();
        let (status, value) = get_json(&f.registry, "/files/browse?path=/sandbox").await;
        assert_eq!(status, StatusCode::OK);
        let entries = value.as_array().unwrap();
        let paths: Vec<&str> = entries
            .iter()
            .map(|e| e["path"].as_str().unwrap())
            .collect();
        // Sorted; the dangling link is skipped as Mesos's failed `stat` does.
        assert_eq!(
            paths,
            vec![
                "/sandbox/etc-link",
                "/sandbox/secret-link",
                "/sandbox/stdout",
                "/sandbox/stdout-link",
                "/sandbox/sub"
            ]
        );
        let stdout = &entries[2];
        assert_eq!(stdout["size"], 12);
        assert_eq!(stdout["nlink"], 1);
        assert!(stdout["mode"].as_str().unwrap().starts_with("-rw"));
        assert!(stdout["mtime"].as_f64().unwrap() > 1.0e9);
        assert_eq!(stdout["uid"], user_name(nix_uid(&f.sandbox.join("stdout"))));
        assert!(stdout["gid"].is_string());
        assert!(entries[4]["mode"].as_str().unwrap().starts_with('d'));
        // A link inside is described by its target; links that leave are shown as links.
        assert_eq!(entries[3]["size"], 12);
        assert!(entries[0]["mode"].as_str().unwrap().starts_with('l'));
        assert!(entries[1]["mode"].as_str().unwrap().starts_with('l'));

        let (status, value) = get_json(&f.registry, "/files/browse?path=/sandbox/sub/").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(value[0]["path"], "/sandbox/sub/inner.txt");
        // The real path is not attached.
        let real = format!("/files/browse?path={}", f.sandbox.display());
        assert_eq!(get_json(&f.registry, &real).await.0, StatusCode::NOT_FOUND);
        // A file lists as empty, as in Mesos.
        let (status, value) = get_json(&f.registry, "/files/browse?path=/sandbox/stdout").await;
        assert_eq!((status, value), (StatusCode::OK, serde_json::json!([])));
        assert_eq!(
            get_json(&f.registry, "/files/browse").await.0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            get_json(&f.registry, "/files/browse?path=/sandbox/nope")
                .await
                .0,
            StatusCode::NOT_FOUND
        );
    }

    fn nix_uid(path: &Path) -> u32 {
        fs::metadata(path).unwrap().uid()
    }

    #[tokio::test]
    async fn read_with_offsets() {
        let f = fixture();
        let r = &f.registry;
        let (status, v) = get_json(r, "/files/read?path=/sandbox/stdout&offset=-1").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v, serde_json::json!({"data": "", "offset": 12}));
        // No offset is the same as -1.
        let (_, v) = get_json(r, "/files/read?path=/sandbox/stdout").await;
        assert_eq!(v, serde_json::json!({"data": "", "offset": 12}));
        let (_, v) = get_json(r, "/files/read?path=/sandbox/stdout&offset=0").await;
        assert_eq!(v, serde_json::json!({"data": "hello world\n", "offset": 0}));
        let (_, v) = get_json(r, "/files/read?path=/sandbox/stdout&offset=6&length=5").await;
        assert_eq!(v, serde_json::json!({"data": "world", "offset": 6}));
        let (_, v) = get_json(r, "/files/read?path=/sandbox/stdout&offset=6&length=-1").await;
        assert_eq!(v, serde_json::json!({"data": "world\n", "offset": 6}));
        let (_, v) = get_json(r, "/files/read?path=/sandbox/stdout&offset=100").await;
        assert_eq!(v, serde_json::json!({"data": "", "offset": 100}));
        let (_, v) = get_json(r, "/files/read?path=/sandbox/stdout-link&offset=0&length=5").await;
        assert_eq!(v["data"], "hello");
        // An attached file.
        let (_, v) = get_json(r, "/files/read?path=/log&offset=0").await;
        assert_eq!(v["data"], "outside");
        assert_eq!(
            get_json(r, "/files/read?path=/log/x&offset=0").await.0,
            StatusCode::NOT_FOUND
        );
        // JSONP.
        let (status, body, _) = get_req(r, "/files/read?path=/sandbox/stdout&jsonp=cb").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, b"cb({\"data\":\"\",\"offset\":12})");

        for (query, status) in [
            ("offset=0", StatusCode::BAD_REQUEST),
            ("path=/sandbox/stdout&offset=-2", StatusCode::BAD_REQUEST),
            ("path=/sandbox/stdout&offset=abc", StatusCode::BAD_REQUEST),
            (
                "path=/sandbox/stdout&offset=0&length=-5",
                StatusCode::BAD_REQUEST,
            ),
            ("path=/sandbox/sub&offset=0", StatusCode::BAD_REQUEST),
            ("path=/sandbox/missing&offset=0", StatusCode::NOT_FOUND),
            ("path=/elsewhere&offset=0", StatusCode::NOT_FOUND),
        ] {
            let (got, body, _) = get_req(r, &format!("/files/read?{query}")).await;
            assert_eq!(got, status, "{query}: {}", String::from_utf8_lossy(&body));
        }
        let (_, body, _) = get_req(r, "/files/read?path=/sandbox/sub&offset=0").await;
        assert_eq!(body, b"Cannot read a directory.\n");
    }

    #[tokio::test]
    async fn reads_are_capped_at_16_pages() {
        let f = fixture();
        fs::write(f.sandbox.join("big"), vec![b'x'; 200_000]).unwrap();
        let (size, data) = f.registry.read("/sandbox/big", 10, None).unwrap();
        assert_eq!(size, 200_000);
        assert_eq!(data.len() as u64, max_read_length());
    }

    #[tokio::test]
    async fn download_sends_raw_bytes() {
        let f = fixture();
        let (status, body, headers) =
            get_req(&f.registry, "/files/download?path=/sandbox/sub/inner.txt").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, b"inner");
        assert_eq!(headers["content-type"], "text/plain");
        assert_eq!(
            headers["content-disposition"],
            "attachment; filename=inner.txt"
        );
        assert_eq!(headers["content-length"], "5");
        let (status, _, headers) =
            get_req(&f.registry, "/files/download?path=/sandbox/stdout").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/octet-stream");
        let (status, body, _) = get_req(&f.registry, "/files/download?path=/sandbox/sub").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body, b"Cannot download a directory.\n");
        assert_eq!(
            get_req(&f.registry, "/files/download?path=/sandbox/none")
                .await
                .0,
            StatusCode::NOT_FOUND
        );
    }

    #[tokio::test]
    async fn escapes_are_refused() {
        let f = fixture();
        let r = &f.registry;
        for path in [
            "/sandbox/../secret",
            "/sandbox/sub/../../secret",
            "/sandbox/%2e%2e/secret",
            "/sandbox/etc-link/passwd",
            "/sandbox/etc-link",
            "/sandbox/secret-link",
        ] {
            for endpoint in ["read", "download", "browse"] {
                let uri = format!("/files/{endpoint}?path={path}&offset=0");
                let (status, body, _) = get_req(r, &uri).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
                assert!(
                    String::from_utf8_lossy(&body).contains("inaccessible"),
                    "{uri}"
                );
            }
        }
        // Absolute paths outside every mapping are not found.
        for path in ["/etc/passwd", "/", f.dir.join("secret").to_str().unwrap()] {
            let (status, _, _) = get_req(r, &format!("/files/read?path={path}&offset=0")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        assert!(matches!(
            r.resolve("/sandbox/etc-link/passwd"),
            Err(FilesError::Forbidden(_))
        ));
        // Detaching stops serving.
        r.detach("/sandbox");
        assert!(matches!(
            r.resolve("/sandbox/stdout"),
            Err(FilesError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn debug_shows_the_mappings() {
        let f = fixture();
        let real = f
            .registry
            .resolve("/frameworks/F/executors/E/runs/latest")
            .unwrap_err();
        assert!(matches!(real, FilesError::NotFound(_)));
        // Attaching through a symlink pins its target, as Mesos does.
        symlink("c1", f.dir.join("runs/latest")).unwrap();
        f.registry
            .attach(
                "/frameworks/F/executors/E/runs/latest",
                f.dir.join("runs/latest"),
            )
            .unwrap();
        let (status, v) = get_json(&f.registry, "/files/debug").await;
        assert_eq!(status, StatusCode::OK);
        let canonical = fs::canonicalize(&f.sandbox).unwrap();
        assert_eq!(
            v["/frameworks/F/executors/E/runs/latest"],
            canonical.to_str().unwrap()
        );
        assert_eq!(v["/sandbox"], canonical.to_str().unwrap());
        let (_, v) = get_json(
            &f.registry,
            "/files/read?path=/frameworks/F/executors/E/runs/latest/stdout&offset=0",
        )
        .await;
        assert_eq!(v["data"], "hello world\n");
        assert!(f.registry.attach("/x", f.dir.join("missing")).is_err());
        assert!(f.registry.attach("/x/../y", &f.sandbox).is_err());
    }
}
