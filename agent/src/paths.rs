//! The agent's work-dir layout, as Mesos's `src/slave/paths.{hpp,cpp}`:
//!
//! ```text
//! <work_dir>/slaves/latest -> <agent_id>
//! <work_dir>/slaves/<agent_id>/frameworks/<fw>/executors/<ex>/runs/<container>   (sandbox)
//! <work_dir>/slaves/<agent_id>/frameworks/<fw>/executors/<ex>/runs/latest -> <container>
//! <work_dir>/meta/boot_id
//! <work_dir>/meta/slaves/<agent_id>/slave.info
//!     frameworks/<fw>/{framework.info, framework.pid}
//!     frameworks/<fw>/executors/<ex>/executor.info
//!     frameworks/<fw>/executors/<ex>/runs/<container>/pids/{forked.pid, libprocess.pid}
//!     frameworks/<fw>/executors/<ex>/runs/<container>/tasks/<task>/{task.info, task.updates}
//! ```
//!
//! Like Mesos, the path helpers take a `root`: the work dir for sandboxes, the meta dir
//! ([`meta_dir`]) for checkpoints. Every id is validated first ([`validate_id`]), since ids
//! come from frameworks and end up as directory names.

use std::ffi::CString;
use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The name of the `latest` symlinks.
pub const LATEST_SYMLINK: &str = "latest";
/// The longest id Mesos accepts (`NAME_MAX`).
pub const MAX_ID_LENGTH: usize = 255;
/// The longest container id Mesos accepts (`MAX_CONTAINER_ID_LENGTH`).
pub const MAX_CONTAINER_ID_LENGTH: usize = 242;

const META_DIR: &str = "meta";
const SLAVES_DIR: &str = "slaves";
const FRAMEWORKS_DIR: &str = "frameworks";
const EXECUTORS_DIR: &str = "executors";
const EXECUTOR_RUNS_DIR: &str = "runs";
const TASKS_DIR: &str = "tasks";
const PIDS_DIR: &str = "pids";

/// Errors of the path helpers.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    /// An id that cannot be used as a directory name.
    #[error("invalid {kind} '{id}': {reason}")]
    InvalidId {
        /// What the id is, e.g. "framework id".
        kind: &'static str,
        id: String,
        reason: &'static str,
    },
    /// A directory that is not an executor run path.
    #[error("'{path}' is not an executor run path under '{root}'")]
    NotARunPath { path: PathBuf, root: PathBuf },
    /// A user that is not in the user database.
    #[error("unknown user '{0}'")]
    UnknownUser(String),
    /// A file-system operation failed.
    #[error("failed to {op} '{path}': {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl PathError {
    fn io(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> PathError + use<> {
        let path = path.to_path_buf();
        move |source| PathError::Io { op, path, source }
    }
}

type Result<T> = std::result::Result<T, PathError>;

/// Checks an id as Mesos's `common::validation::validateID`: not empty, at most 255 bytes,
/// not `.` or `..`, no `/`, `\` or control characters.
pub fn validate_id(kind: &'static str, id: &str) -> Result<()> {
    let invalid = |reason| {
        Err(PathError::InvalidId {
            kind,
            id: id.to_owned(),
            reason,
        })
    };
    if id.is_empty() {
        return invalid("must not be empty");
    }
    if id.len() > MAX_ID_LENGTH {
        return invalid("must not be longer than 255 characters");
    }
    if id == "." || id == ".." {
        return invalid("'.' and '..' are not allowed");
    }
    if id.chars().any(|c| c.is_control() || c == '/' || c == '\\') {
        return invalid("contains '/', '\\' or control characters");
    }
    Ok(())
}

/// Checks a container id as Mesos's `validateContainerId`: an id ([`validate_id`]) of at most
/// 242 characters without `.` or spaces. `latest` is refused too, as it would shadow the
/// `runs/latest` symlink.
pub fn validate_container_id(id: &str) -> Result<()> {
    const KIND: &str = "container id";
    validate_id(KIND, id)?;
    let invalid = |reason| {
        Err(PathError::InvalidId {
            kind: KIND,
            id: id.to_owned(),
            reason,
        })
    };
    if id.len() > MAX_CONTAINER_ID_LENGTH {
        return invalid("must not be longer than 242 characters");
    }
    if id.contains(['.', ' ']) {
        return invalid("must not contain '.' or ' '");
    }
    if id == LATEST_SYMLINK {
        return invalid("'latest' is reserved");
    }
    Ok(())
}

fn agent_id(id: &str) -> Result<&str> {
    validate_id("agent id", id)?;
    if id == LATEST_SYMLINK {
        return Err(PathError::InvalidId {
            kind: "agent id",
            id: id.to_owned(),
            reason: "'latest' is reserved",
        });
    }
    Ok(id)
}

fn framework_id(id: &str) -> Result<&str> {
    validate_id("framework id", id).map(|()| id)
}

fn executor_id(id: &str) -> Result<&str> {
    validate_id("executor id", id).map(|()| id)
}

fn container_id(id: &str) -> Result<&str> {
    validate_container_id(id).map(|()| id)
}

fn task_id(id: &str) -> Result<&str> {
    validate_id("task id", id).map(|()| id)
}

// ----------------------------------------------------------------------------------------------
// Roots
// ----------------------------------------------------------------------------------------------

/// `<work_dir>/meta`: the root of the checkpointed state.
pub fn meta_dir(work_dir: &Path) -> PathBuf {
    work_dir.join(META_DIR)
}

/// `<work_dir>/slaves`: the root of the sandboxes.
pub fn sandbox_root_dir(work_dir: &Path) -> PathBuf {
    work_dir.join(SLAVES_DIR)
}

/// `<meta_dir>/boot_id`.
pub fn boot_id_path(meta_dir: &Path) -> PathBuf {
    meta_dir.join("boot_id")
}

/// `<meta_dir>/resources/resources.info`.
pub fn resources_info_path(meta_dir: &Path) -> PathBuf {
    meta_dir.join("resources").join("resources.info")
}

/// `<root>/slaves/latest`.
pub fn latest_agent_path(root: &Path) -> PathBuf {
    root.join(SLAVES_DIR).join(LATEST_SYMLINK)
}

// ----------------------------------------------------------------------------------------------
// Agent, framework, executor, run, task
// ----------------------------------------------------------------------------------------------

/// `<root>/slaves/<agent_id>`.
pub fn agent_path(root: &Path, agent: &str) -> Result<PathBuf> {
    Ok(root.join(SLAVES_DIR).join(agent_id(agent)?))
}

/// `<meta_dir>/slaves/<agent_id>/slave.info`.
pub fn slave_info_path(meta_dir: &Path, agent: &str) -> Result<PathBuf> {
    Ok(agent_path(meta_dir, agent)?.join("slave.info"))
}

/// `<root>/slaves/<agent_id>/frameworks`.
pub fn frameworks_dir(root: &Path, agent: &str) -> Result<PathBuf> {
    Ok(agent_path(root, agent)?.join(FRAMEWORKS_DIR))
}

/// `<root>/slaves/<agent_id>/frameworks/<framework_id>`.
pub fn framework_path(root: &Path, agent: &str, framework: &str) -> Result<PathBuf> {
    Ok(frameworks_dir(root, agent)?.join(framework_id(framework)?))
}

/// `…/frameworks/<framework_id>/framework.info`.
pub fn framework_info_path(meta_dir: &Path, agent: &str, framework: &str) -> Result<PathBuf> {
    Ok(framework_path(meta_dir, agent, framework)?.join("framework.info"))
}

/// `…/frameworks/<framework_id>/framework.pid`.
pub fn framework_pid_path(meta_dir: &Path, agent: &str, framework: &str) -> Result<PathBuf> {
    Ok(framework_path(meta_dir, agent, framework)?.join("framework.pid"))
}

/// `…/frameworks/<framework_id>/executors`.
pub fn executors_dir(root: &Path, agent: &str, framework: &str) -> Result<PathBuf> {
    Ok(framework_path(root, agent, framework)?.join(EXECUTORS_DIR))
}

/// `…/frameworks/<framework_id>/executors/<executor_id>`.
pub fn executor_path(root: &Path, agent: &str, framework: &str, executor: &str) -> Result<PathBuf> {
    Ok(executors_dir(root, agent, framework)?.join(executor_id(executor)?))
}

/// `…/executors/<executor_id>/executor.info`.
pub fn executor_info_path(
    meta_dir: &Path,
    agent: &str,
    framework: &str,
    executor: &str,
) -> Result<PathBuf> {
    Ok(executor_path(meta_dir, agent, framework, executor)?.join("executor.info"))
}

/// `…/executors/<executor_id>/runs`.
pub fn executor_runs_dir(
    root: &Path,
    agent: &str,
    framework: &str,
    executor: &str,
) -> Result<PathBuf> {
    Ok(executor_path(root, agent, framework, executor)?.join(EXECUTOR_RUNS_DIR))
}

/// `…/executors/<executor_id>/runs/<container_id>`: the sandbox when `root` is the work dir.
pub fn executor_run_path(
    root: &Path,
    agent: &str,
    framework: &str,
    executor: &str,
    container: &str,
) -> Result<PathBuf> {
    Ok(executor_runs_dir(root, agent, framework, executor)?.join(container_id(container)?))
}

/// `…/executors/<executor_id>/runs/latest`.
pub fn executor_latest_run_path(
    root: &Path,
    agent: &str,
    framework: &str,
    executor: &str,
) -> Result<PathBuf> {
    Ok(executor_runs_dir(root, agent, framework, executor)?.join(LATEST_SYMLINK))
}

/// `/frameworks/<framework_id>/executors/<executor_id>/runs/latest`: the virtual path under
/// which `/files` also serves the latest sandbox of an executor.
pub fn executor_virtual_path(framework: &str, executor: &str) -> Result<String> {
    Ok(format!(
        "/{FRAMEWORKS_DIR}/{}/{EXECUTORS_DIR}/{}/{EXECUTOR_RUNS_DIR}/{LATEST_SYMLINK}",
        framework_id(framework)?,
        executor_id(executor)?
    ))
}

/// `…/runs/<container_id>/executor.sentinel`: marks a run whose executor has terminated.
pub fn executor_sentinel_path(
    meta_dir: &Path,
    agent: &str,
    framework: &str,
    executor: &str,
    container: &str,
) -> Result<PathBuf> {
    Ok(
        executor_run_path(meta_dir, agent, framework, executor, container)?
            .join("executor.sentinel"),
    )
}

/// `…/runs/<container_id>/http.marker`: marks an executor that uses the HTTP API.
pub fn executor_http_marker_path(
    meta_dir: &Path,
    agent: &str,
    framework: &str,
    executor: &str,
    container: &str,
) -> Result<PathBuf> {
    Ok(executor_run_path(meta_dir, agent, framework, executor, container)?.join("http.marker"))
}

/// `…/runs/<container_id>/pids/forked.pid`.
pub fn forked_pid_path(
    meta_dir: &Path,
    agent: &str,
    framework: &str,
    executor: &str,
    container: &str,
) -> Result<PathBuf> {
    Ok(
        executor_run_path(meta_dir, agent, framework, executor, container)?
            .join(PIDS_DIR)
            .join("forked.pid"),
    )
}

/// `…/runs/<container_id>/pids/libprocess.pid`.
pub fn libprocess_pid_path(
    meta_dir: &Path,
    agent: &str,
    framework: &str,
    executor: &str,
    container: &str,
) -> Result<PathBuf> {
    Ok(
        executor_run_path(meta_dir, agent, framework, executor, container)?
            .join(PIDS_DIR)
            .join("libprocess.pid"),
    )
}

/// `…/runs/<container_id>/tasks`.
pub fn tasks_dir(
    meta_dir: &Path,
    agent: &str,
    framework: &str,
    executor: &str,
    container: &str,
) -> Result<PathBuf> {
    Ok(executor_run_path(meta_dir, agent, framework, executor, container)?.join(TASKS_DIR))
}

/// `…/runs/<container_id>/tasks/<task_id>`.
pub fn task_path(
    meta_dir: &Path,
    agent: &str,
    framework: &str,
    executor: &str,
    container: &str,
    task: &str,
) -> Result<PathBuf> {
    Ok(tasks_dir(meta_dir, agent, framework, executor, container)?.join(task_id(task)?))
}

/// `…/tasks/<task_id>/task.info`.
pub fn task_info_path(
    meta_dir: &Path,
    agent: &str,
    framework: &str,
    executor: &str,
    container: &str,
    task: &str,
) -> Result<PathBuf> {
    Ok(task_path(meta_dir, agent, framework, executor, container, task)?.join("task.info"))
}

/// `…/tasks/<task_id>/task.updates`.
pub fn task_updates_path(
    meta_dir: &Path,
    agent: &str,
    framework: &str,
    executor: &str,
    container: &str,
    task: &str,
) -> Result<PathBuf> {
    Ok(task_path(meta_dir, agent, framework, executor, container, task)?.join("task.updates"))
}

// ----------------------------------------------------------------------------------------------
// Parsing and listing (recovery)
// ----------------------------------------------------------------------------------------------

/// The ids in an executor run path (Mesos's `ExecutorRunPath`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutorRunPath {
    pub agent_id: String,
    pub framework_id: String,
    pub executor_id: String,
    pub container_id: String,
}

/// Parses `<root>/slaves/<a>/frameworks/<f>/executors/<e>/runs/<c>[/…]` into its ids, as
/// Mesos's `parseExecutorRunPath`.
pub fn parse_executor_run_path(root: &Path, dir: &Path) -> Result<ExecutorRunPath> {
    let not_a_run_path = || PathError::NotARunPath {
        path: dir.to_path_buf(),
        root: root.to_path_buf(),
    };
    let rest = dir.strip_prefix(root).map_err(|_| not_a_run_path())?;
    let tokens: Vec<&str> = rest
        .components()
        .map(|c| match c {
            Component::Normal(name) => name.to_str().ok_or_else(not_a_run_path),
            _ => Err(not_a_run_path()),
        })
        .collect::<Result<_>>()?;
    match tokens.as_slice() {
        [
            SLAVES_DIR,
            a,
            FRAMEWORKS_DIR,
            f,
            EXECUTORS_DIR,
            e,
            EXECUTOR_RUNS_DIR,
            c,
            ..,
        ] => Ok(ExecutorRunPath {
            agent_id: agent_id(a)?.to_owned(),
            framework_id: framework_id(f)?.to_owned(),
            executor_id: executor_id(e)?.to_owned(),
            container_id: container_id(c)?.to_owned(),
        }),
        _ => Err(not_a_run_path()),
    }
}

/// The names in a directory, sorted, leaving out `latest` symlinks and hidden temporary files
/// (as Mesos's `getFrameworkPaths` & co. list `<dir>/*`). A missing directory lists as empty.
pub fn list_ids(dir: &Path) -> Result<Vec<String>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(PathError::io("list", dir)(e)),
    };
    let mut ids = Vec::new();
    for entry in entries {
        let entry = entry.map_err(PathError::io("list", dir))?;
        if let Some(name) = entry.file_name().to_str()
            && name != LATEST_SYMLINK
            && !name.starts_with('.')
        {
            ids.push(name.to_owned());
        }
    }
    ids.sort();
    Ok(ids)
}

// ----------------------------------------------------------------------------------------------
// Creating directories, symlinks and checkpoints
// ----------------------------------------------------------------------------------------------

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A hidden name next to `path` for a temporary file: `.<name>.tmp-<pid>-<n>`.
fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "tmp".into(), |n| n.to_string_lossy().into_owned());
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

/// Points the symlink `link` at `target`, atomically: a symlink under a temporary name is
/// renamed over `link`, so readers see the old or the new target, never none.
pub fn update_symlink(target: &Path, link: &Path) -> Result<()> {
    let temp = temp_sibling(link);
    std::os::unix::fs::symlink(target, &temp).map_err(PathError::io("create symlink", &temp))?;
    if let Err(e) = fs::rename(&temp, link) {
        let _ = fs::remove_file(&temp);
        return Err(PathError::io("rename symlink onto", link)(e));
    }
    Ok(())
}

/// Creates `<work_dir>/slaves/<agent_id>` and points `slaves/latest` at it (Mesos's
/// `createSlaveDirectory`). Returns the directory.
pub fn create_agent_directory(work_dir: &Path, agent: &str) -> Result<PathBuf> {
    let directory = agent_path(work_dir, agent)?;
    fs::create_dir_all(&directory).map_err(PathError::io("create directory", &directory))?;
    update_symlink(Path::new(agent), &latest_agent_path(work_dir))?;
    Ok(directory)
}

/// Creates the sandbox `…/executors/<ex>/runs/<container>` with mode 0750, owned by `user`
/// if given, and points `runs/latest` at it (Mesos's `createExecutorDirectory`). Returns the
/// sandbox.
pub fn create_executor_directory(
    work_dir: &Path,
    agent: &str,
    framework: &str,
    executor: &str,
    container: &str,
    user: Option<&str>,
) -> Result<PathBuf> {
    let directory = executor_run_path(work_dir, agent, framework, executor, container)?;
    create_sandbox_directory(&directory, user)?;
    let latest = executor_latest_run_path(work_dir, agent, framework, executor)?;
    update_symlink(Path::new(container), &latest)?;
    Ok(directory)
}

/// Creates a sandbox directory (and its parents) with mode 0750, owned by `user` if given
/// (Mesos's `createSandboxDirectory`).
pub fn create_sandbox_directory(directory: &Path, user: Option<&str>) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::create_dir_all(directory).map_err(PathError::io("create directory", directory))?;
    fs::set_permissions(directory, fs::Permissions::from_mode(0o750))
        .map_err(PathError::io("chmod", directory))?;
    if let Some(user) = user {
        let (uid, gid) = lookup_user(user)?;
        if let Err(e) = std::os::unix::fs::chown(directory, Some(uid), Some(gid)) {
            let _ = fs::remove_dir(directory);
            return Err(PathError::io("chown", directory)(e));
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically (Mesos's `state::checkpoint`): the parents are created,
/// the bytes go to a temporary file in the same directory that is fsync'ed and renamed over
/// `path`, and the directory is fsync'ed.
pub fn checkpoint(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent).map_err(PathError::io("create directory", parent))?;
    let temp = temp_sibling(path);
    let written = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(PathError::io("write", &temp)(e));
    }
    if let Err(e) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(PathError::io("rename checkpoint onto", path)(e));
    }
    fs::File::open(parent)
        .and_then(|dir| dir.sync_all())
        .map_err(PathError::io("fsync", parent))
}

/// The uid and primary gid of a user, from the user database (`getpwnam_r`).
pub fn lookup_user(user: &str) -> Result<(u32, u32)> {
    let unknown = || PathError::UnknownUser(user.to_owned());
    let name = CString::new(user).map_err(|_| unknown())?;
    let mut buf: Vec<libc::c_char> = vec![0; 1024];
    loop {
        // SAFETY: `passwd` is plain data for which all-zero is a valid value.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the duration of the call and `buf.len()` is the
        // length of `buf`; the strings in `pwd` point into `buf`, which we do not read.
        let rc = unsafe {
            libc::getpwnam_r(
                name.as_ptr(),
                &mut pwd,
                buf.as_mut_ptr(),
                buf.len(),
                &mut found,
            )
        };
        if rc == libc::ERANGE && buf.len() < (1 << 20) {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 {
            return Err(PathError::Io {
                op: "look up user",
                path: PathBuf::from(user),
                source: io::Error::from_raw_os_error(rc),
            });
        }
        if found.is_null() {
            return Err(unknown());
        }
        return Ok((pwd.pw_uid, pwd.pw_gid));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("paths-test-{name}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn layout_matches_mesos() {
        let wd = Path::new("/var/lib/mesos");
        let meta = meta_dir(wd);
        assert_eq!(meta, Path::new("/var/lib/mesos/meta"));
        assert_eq!(
            latest_agent_path(wd),
            Path::new("/var/lib/mesos/slaves/latest")
        );
        assert_eq!(
            executor_run_path(wd, "A-S0", "F-0000", "ex", "c1").unwrap(),
            Path::new("/var/lib/mesos/slaves/A-S0/frameworks/F-0000/executors/ex/runs/c1")
        );
        assert_eq!(
            executor_latest_run_path(wd, "A-S0", "F-0000", "ex").unwrap(),
            Path::new("/var/lib/mesos/slaves/A-S0/frameworks/F-0000/executors/ex/runs/latest")
        );
        assert_eq!(
            slave_info_path(&meta, "A-S0").unwrap(),
            Path::new("/var/lib/mesos/meta/slaves/A-S0/slave.info")
        );
        assert_eq!(
            framework_info_path(&meta, "A-S0", "F-0000").unwrap(),
            Path::new("/var/lib/mesos/meta/slaves/A-S0/frameworks/F-0000/framework.info")
        );
        assert_eq!(
            executor_info_path(&meta, "A-S0", "F-0000", "ex").unwrap(),
            Path::new(
                "/var/lib/mesos/meta/slaves/A-S0/frameworks/F-0000/executors/ex/executor.info"
            )
        );
        assert_eq!(
            forked_pid_path(&meta, "A-S0", "F-0000", "ex", "c1").unwrap(),
            Path::new(
                "/var/lib/mesos/meta/slaves/A-S0/frameworks/F-0000/executors/ex/runs/c1/pids/forked.pid"
            )
        );
        assert_eq!(
            task_info_path(&meta, "A-S0", "F-0000", "ex", "c1", "t1").unwrap(),
            Path::new(
                "/var/lib/mesos/meta/slaves/A-S0/frameworks/F-0000/executors/ex/runs/c1/tasks/t1/task.info"
            )
        );
        assert_eq!(
            task_updates_path(&meta, "A-S0", "F-0000", "ex", "c1", "t1").unwrap(),
            Path::new(
                "/var/lib/mesos/meta/slaves/A-S0/frameworks/F-0000/executors/ex/runs/c1/tasks/t1/task.updates"
            )
        );
        assert_eq!(
            executor_virtual_path("F-0000", "ex").unwrap(),
            "/frameworks/F-0000/executors/ex/runs/latest"
        );
        assert_eq!(
            boot_id_path(&meta),
            Path::new("/var/lib/mesos/meta/boot_id")
        );
    }

    #[test]
    fn ids_are_validated() {
        let wd = Path::new("/wd");
        for bad in ["", ".", "..", "a/b", "a\\b", "a\nb", "../../etc"] {
            let err = framework_path(wd, "A-S0", bad).unwrap_err();
            assert!(
                err.to_string().starts_with("invalid framework id"),
                "{bad:?}: {err}"
            );
        }
        assert!(validate_id("task id", &"x".repeat(256)).is_err());
        assert!(validate_id("task id", &"x".repeat(255)).is_ok());
        assert!(validate_id("task id", "spark-1.2 driver").is_ok());
        assert!(executor_run_path(wd, "a", "f", "e", "c.1").is_err());
        assert!(executor_run_path(wd, "a", "f", "e", "c 1").is_err());
        assert!(executor_run_path(wd, "a", "f", "e", "latest").is_err());
        assert!(executor_run_path(wd, "a", "f", "e", &"c".repeat(243)).is_err());
        assert!(agent_path(wd, "latest").is_err());
        assert!(task_info_path(wd, "a", "f", "e", "c", "..").is_err());
        let err = executor_path(wd, "a", "f", "x/../../y").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid executor id 'x/../../y': contains '/', '\\' or control characters"
        );
    }

    #[test]
    fn parses_run_paths() {
        let wd = Path::new("/wd");
        let dir = executor_run_path(wd, "a", "f", "e", "c").unwrap();
        let parsed = parse_executor_run_path(wd, &dir.join("stdout")).unwrap();
        assert_eq!(
            parsed,
            ExecutorRunPath {
                agent_id: "a".into(),
                framework_id: "f".into(),
                executor_id: "e".into(),
                container_id: "c".into(),
            }
        );
        assert!(parse_executor_run_path(wd, Path::new("/wd/slaves/a/frameworks/f")).is_err());
        assert!(parse_executor_run_path(wd, Path::new("/other/slaves/a")).is_err());
        assert!(
            parse_executor_run_path(wd, Path::new("/wd/slaves/a/frameworks/f/executors/e/xxx/c"))
                .is_err()
        );
    }

    #[test]
    fn creates_sandbox_and_latest_symlinks() {
        let wd = temp_dir("sandbox");
        let agent_dir = create_agent_directory(&wd, "A-S1").unwrap();
        assert!(agent_dir.is_dir());
        let latest = latest_agent_path(&wd);
        assert_eq!(fs::read_link(&latest).unwrap(), Path::new("A-S1"));
        assert_eq!(
            fs::canonicalize(&latest).unwrap(),
            fs::canonicalize(&agent_dir).unwrap()
        );

        let first = create_executor_directory(&wd, "A-S1", "F", "E", "c1", None).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&first).unwrap().permissions().mode() & 0o777,
            0o750
        );
        let second = create_executor_directory(&wd, "A-S1", "F", "E", "c2", None).unwrap();
        let latest_run = executor_latest_run_path(&wd, "A-S1", "F", "E").unwrap();
        assert_eq!(fs::read_link(&latest_run).unwrap(), Path::new("c2"));
        assert_eq!(
            fs::canonicalize(&latest_run).unwrap(),
            fs::canonicalize(&second).unwrap()
        );
        assert!(first.is_dir());
        let runs = list_ids(&executor_runs_dir(&wd, "A-S1", "F", "E").unwrap()).unwrap();
        assert_eq!(runs, vec!["c1", "c2"]);
        assert_eq!(list_ids(&wd.join("missing")).unwrap(), Vec::<String>::new());
        // The agent directory was made again: `latest` moves.
        create_agent_directory(&wd, "A-S2").unwrap();
        assert_eq!(fs::read_link(&latest).unwrap(), Path::new("A-S2"));
        assert_eq!(
            list_ids(&sandbox_root_dir(&wd)).unwrap(),
            vec!["A-S1", "A-S2"]
        );
        fs::remove_dir_all(&wd).unwrap();
    }

    #[test]
    fn sandbox_for_unknown_user_fails() {
        let wd = temp_dir("user");
        let err = create_executor_directory(&wd, "a", "f", "e", "c", Some("no-such-user-xyz"))
            .unwrap_err();
        assert_eq!(err.to_string(), "unknown user 'no-such-user-xyz'");
        assert_eq!(lookup_user("root").unwrap(), (0, 0));
        fs::remove_dir_all(&wd).unwrap();
    }

    #[test]
    fn checkpoint_writes_atomically() {
        let wd = temp_dir("checkpoint");
        let meta = meta_dir(&wd);
        let path = framework_info_path(&meta, "a", "f").unwrap();
        checkpoint(&path, b"first").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"first");
        checkpoint(&path, b"second, longer").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second, longer");
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["framework.info"]);
        // A parent that is a file cannot hold the checkpoint.
        let err = checkpoint(&path.join("x"), b"y").unwrap_err();
        assert!(
            err.to_string().starts_with("failed to create directory"),
            "{err}"
        );
        fs::remove_dir_all(&wd).unwrap();
    }
}
