//! The resources of this machine (or container) for the ones `--resources` does not give, as
//! Mesos's `Containerizer::resources` (`src/slave/containerizer/containerizer.cpp`):
//!
//! - `cpus`: the online CPU count, lowered to the cgroup's CPU quota (v2 `cpu.max`, v1
//!   `cpu.cfs_quota_us / cpu.cfs_period_us`) and cpuset when those are smaller;
//! - `mem` (MB): total − 1 GB if the total is ≥ 2 GB, else half, where the total is the
//!   machine's memory or the cgroup's limit (v2 `memory.max`, v1 `memory.limit_in_bytes`)
//!   when that is lower;
//! - `disk` (MB): the size of the `work_dir` file system − 5 GB if ≥ 10 GB, else half;
//! - `ports`: `[31000-32000]`.
//!
//! Honouring cgroup limits goes beyond Mesos (which reads only the OS counts) so that an
//! agent in a container offers what the container may use.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use mesos_api::resources::{Resource, Resources};
use mesos_api::values::Ranges;

const MB: u64 = 1024 * 1024;
const GB: u64 = 1024 * MB;

/// Mesos's `DEFAULT_CPUS`, used when the CPU count cannot be read.
pub const DEFAULT_CPUS: f64 = 1.0;
/// Mesos's `DEFAULT_MEM` (1 GB), in MB.
pub const DEFAULT_MEM_MB: u64 = 1024;
/// Mesos's `DEFAULT_DISK` (10 GB), in MB.
pub const DEFAULT_DISK_MB: u64 = 10 * 1024;
/// Mesos's `DEFAULT_PORTS`.
pub const DEFAULT_PORTS: (u64, u64) = (31000, 32000);

/// All of `cpus`, `mem`, `disk` and `ports` for this machine, unreserved (role `*`).
/// Fails if the memory or the disk size cannot be read.
pub fn default_resources(work_dir: &Path) -> Result<Resources, String> {
    let probe = Probe::system();
    let mut resources = Resources::new();
    resources.add_resource(Resource::new_scalar("cpus", probe.cpus()));
    resources.add_resource(Resource::new_scalar(
        "mem",
        mem_megabytes(probe.memory_bytes()?) as f64,
    ));
    resources.add_resource(Resource::new_scalar(
        "disk",
        disk_megabytes(filesystem_size(work_dir)?) as f64,
    ));
    resources.add_resource(default_ports());
    Ok(resources)
}

/// `given` plus whichever of `cpus`, `mem`, `disk` and `ports` it lacks (by name, whatever
/// the role), detected as [`default_resources`] does and unreserved. A probe that fails falls
/// back to Mesos's defaults (1 cpu, 1 GB, 10 GB) with a warning.
///
/// Unlike Mesos, `cpus:0` counts as not given: [`Resources`] drops empty resources.
pub fn complete(given: Resources, work_dir: &Path) -> Resources {
    complete_for_role(given, work_dir, "*")
}

/// [`complete`] with the detected resources reserved to `role` (`--default_role`).
pub fn complete_for_role(given: Resources, work_dir: &Path, role: &str) -> Resources {
    let names: Vec<String> = given.names().into_iter().map(str::to_owned).collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    let mut resources = given;
    let probe = Probe::system();
    if !has("cpus") {
        resources.add_resource(Resource::new_scalar("cpus", probe.cpus()).reserved_to(role));
    }
    if !has("mem") {
        let mem = probe.memory_bytes().map(mem_megabytes).unwrap_or_else(|e| {
            tracing::warn!("Failed to auto-detect the size of main memory: {e}; defaulting to 1GB");
            DEFAULT_MEM_MB
        });
        resources.add_resource(Resource::new_scalar("mem", mem as f64).reserved_to(role));
    }
    if !has("disk") {
        let disk = filesystem_size(work_dir)
            .map(disk_megabytes)
            .unwrap_or_else(|e| {
                tracing::warn!("Failed to auto-detect the disk space: {e}; defaulting to 10GB");
                DEFAULT_DISK_MB
            });
        resources.add_resource(Resource::new_scalar("disk", disk as f64).reserved_to(role));
    }
    if !has("ports") {
        resources.add_resource(default_ports().reserved_to(role));
    }
    resources
}

fn default_ports() -> Resource {
    Resource::new_ranges("ports", Ranges::single(DEFAULT_PORTS.0, DEFAULT_PORTS.1))
}

/// Memory to offer, in MB, for `total` bytes: total − 1 GB if ≥ 2 GB, else half, truncated.
pub fn mem_megabytes(total: u64) -> u64 {
    let mem = if total >= 2 * GB {
        total - GB
    } else {
        total / 2
    };
    mem / MB
}

/// Disk to offer, in MB, for a file system of `total` bytes: total − 5 GB if ≥ 10 GB, else
/// half, truncated.
pub fn disk_megabytes(total: u64) -> u64 {
    let disk = if total >= 10 * GB {
        total - 5 * GB
    } else {
        total / 2
    };
    disk / MB
}

/// The size in bytes of the file system holding `path` (`statvfs`: `f_blocks × f_frsize`), or
/// of its nearest existing ancestor if `path` does not exist yet.
pub fn filesystem_size(path: &Path) -> Result<u64, String> {
    let stat = statvfs(path)?;
    Ok(stat.blocks.saturating_mul(stat.fragment_size))
}

/// The fraction of the file system holding `path` that is used (Mesos's `fs::usage`:
/// `(f_blocks − f_bfree) / f_blocks`), for the garbage collector's disk watch.
pub fn filesystem_usage(path: &Path) -> Result<f64, String> {
    let stat = statvfs(path)?;
    if stat.blocks == 0 {
        return Ok(0.0);
    }
    Ok(stat.blocks.saturating_sub(stat.free) as f64 / stat.blocks as f64)
}

struct FsStat {
    blocks: u64,
    free: u64,
    fragment_size: u64,
}

fn statvfs(path: &Path) -> Result<FsStat, String> {
    let existing = path
        .ancestors()
        .find(|p| !p.as_os_str().is_empty() && p.exists())
        .unwrap_or(Path::new("."));
    let c_path = CString::new(existing.as_os_str().as_bytes())
        .map_err(|_| format!("'{}' contains a NUL byte", existing.display()))?;
    // SAFETY: `statvfs` is plain data for which all-zero is a valid value.
    let mut buf: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c_path` is a valid C string and `buf` a valid `statvfs` to write into.
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), &mut buf) };
    if rc != 0 {
        return Err(format!(
            "statvfs on '{}' failed: {}",
            existing.display(),
            std::io::Error::last_os_error()
        ));
    }
    #[allow(clippy::useless_conversion)] // The field types differ between targets.
    Ok(FsStat {
        blocks: u64::from(buf.f_blocks),
        free: u64::from(buf.f_bfree),
        fragment_size: u64::from(buf.f_frsize),
    })
}

// ----------------------------------------------------------------------------------------------
// CPUs and memory, with cgroup limits
// ----------------------------------------------------------------------------------------------

/// The inputs of the CPU and memory detection: the online CPU count, `/proc/meminfo`,
/// `/proc/self/cgroup`, `/proc/self/mountinfo`, and a reader for cgroup files. Tests inject
/// them; [`Probe::system`] reads this machine.
pub struct Probe<'a> {
    pub online_cpus: Option<u64>,
    pub meminfo: Option<String>,
    pub proc_self_cgroup: String,
    pub mountinfo: String,
    pub read: &'a dyn Fn(&Path) -> Option<String>,
}

fn read_file(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

impl Probe<'static> {
    /// This machine.
    pub fn system() -> Self {
        // SAFETY: `sysconf` has no preconditions.
        let online = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
        Probe {
            online_cpus: u64::try_from(online).ok().filter(|&n| n > 0),
            meminfo: read_file(Path::new("/proc/meminfo")),
            proc_self_cgroup: read_file(Path::new("/proc/self/cgroup")).unwrap_or_default(),
            mountinfo: read_file(Path::new("/proc/self/mountinfo")).unwrap_or_default(),
            read: &read_file,
        }
    }
}

impl Probe<'_> {
    /// CPUs to offer: the online count (1 if unknown), lowered to the cgroup's quota and
    /// cpuset; rounded to Mesos's 3 decimals, at least 0.001.
    pub fn cpus(&self) -> f64 {
        let mut cpus = match self.online_cpus {
            Some(n) => n as f64,
            None => {
                tracing::warn!("Failed to auto-detect the number of cpus; defaulting to 1");
                DEFAULT_CPUS
            }
        };
        let limits = self.cgroup_limits();
        if let Some(quota) = limits.cpu_quota {
            cpus = cpus.min(quota);
        }
        if let Some(set) = limits.cpuset {
            cpus = cpus.min(set as f64);
        }
        ((cpus * 1000.0).round() / 1000.0).max(0.001)
    }

    /// Memory in bytes: `MemTotal`, lowered to the cgroup's memory limit.
    pub fn memory_bytes(&self) -> Result<u64, String> {
        let total = self
            .meminfo
            .as_deref()
            .and_then(parse_meminfo_total)
            .ok_or("cannot read MemTotal from /proc/meminfo")?;
        Ok(match self.cgroup_limits().memory {
            Some(limit) => total.min(limit),
            None => total,
        })
    }

    /// The limits of this process's cgroups.
    pub fn cgroup_limits(&self) -> CgroupLimits {
        let memberships = parse_proc_self_cgroup(&self.proc_self_cgroup);
        let mounts = parse_mountinfo(&self.mountinfo);
        let mut limits = CgroupLimits::default();

        // cgroup v2: one unified hierarchy.
        if let Some(dir) = cgroup_dir(&memberships, &mounts, None) {
            limits.cpu_quota = min_up(&dir.levels, |d| {
                (self.read)(&d.join("cpu.max")).and_then(|t| parse_cpu_max(&t))
            });
            limits.memory = min_up(&dir.levels, |d| {
                (self.read)(&d.join("memory.max")).and_then(|t| parse_memory_limit(&t))
            });
            limits.cpuset = first_up(&dir.levels, |d| {
                (self.read)(&d.join("cpuset.cpus.effective"))
                    .or_else(|| (self.read)(&d.join("cpuset.cpus")))
                    .and_then(|t| parse_cpuset(&t))
            });
        }
        // cgroup v1: one hierarchy per controller.
        if let Some(dir) = cgroup_dir(&memberships, &mounts, Some("cpu")) {
            let quota = min_up(&dir.levels, |d| {
                let quota = (self.read)(&d.join("cpu.cfs_quota_us"))?;
                let period = (self.read)(&d.join("cpu.cfs_period_us"))?;
                parse_cfs(&quota, &period)
            });
            limits.cpu_quota = min_option(limits.cpu_quota, quota);
        }
        if let Some(dir) = cgroup_dir(&memberships, &mounts, Some("memory")) {
            let memory = min_up(&dir.levels, |d| {
                (self.read)(&d.join("memory.limit_in_bytes")).and_then(|t| parse_memory_limit(&t))
            });
            limits.memory = min_option(limits.memory, memory);
        }
        if let Some(dir) = cgroup_dir(&memberships, &mounts, Some("cpuset")) {
            let cpuset = first_up(&dir.levels, |d| {
                (self.read)(&d.join("cpuset.effective_cpus"))
                    .or_else(|| (self.read)(&d.join("cpuset.cpus")))
                    .and_then(|t| parse_cpuset(&t))
            });
            limits.cpuset = min_option(limits.cpuset, cpuset);
        }
        limits
    }
}

/// What the cgroups of this process allow.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CgroupLimits {
    /// CPU bandwidth quota, in CPUs.
    pub cpu_quota: Option<f64>,
    /// The number of CPUs in the cpuset.
    pub cpuset: Option<u64>,
    /// The memory limit, in bytes.
    pub memory: Option<u64>,
}

fn min_option<T: PartialOrd>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b < a { b } else { a }),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The smallest value found at any level (a cgroup is bound by its ancestors' limits).
fn min_up<T: PartialOrd>(levels: &[PathBuf], mut f: impl FnMut(&Path) -> Option<T>) -> Option<T> {
    levels.iter().fold(None, |acc, d| min_option(acc, f(d)))
}

/// The value at the deepest level that has one.
fn first_up<T>(levels: &[PathBuf], f: impl FnMut(&Path) -> Option<T>) -> Option<T> {
    levels.iter().map(PathBuf::as_path).find_map(f)
}

/// `MemTotal` of `/proc/meminfo`, in bytes.
pub fn parse_meminfo_total(meminfo: &str) -> Option<u64> {
    meminfo.lines().find_map(|line| {
        let rest = line.strip_prefix("MemTotal:")?;
        let mut words = rest.split_whitespace();
        let value: u64 = words.next()?.parse().ok()?;
        match words.next() {
            Some("kB") | None => value.checked_mul(1024),
            Some(_) => None,
        }
    })
}

/// cgroup v2 `cpu.max` (`<quota> <period>` or `max <period>`), in CPUs.
pub fn parse_cpu_max(text: &str) -> Option<f64> {
    let mut words = text.split_whitespace();
    let quota = words.next()?;
    let period: f64 = words.next().map_or(Some(100_000.0), |p| p.parse().ok())?;
    if quota == "max" || period <= 0.0 {
        return None;
    }
    let quota: f64 = quota.parse().ok()?;
    (quota > 0.0).then(|| quota / period)
}

/// cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`, in CPUs; a quota of -1 is no limit.
pub fn parse_cfs(quota: &str, period: &str) -> Option<f64> {
    let quota: i64 = quota.trim().parse().ok()?;
    let period: i64 = period.trim().parse().ok()?;
    (quota > 0 && period > 0).then(|| quota as f64 / period as f64)
}

/// The number of CPUs in a cpuset list such as `0-3,8,10-11`.
pub fn parse_cpuset(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut count = 0u64;
    for part in text.split(',') {
        let part = part.trim();
        match part.split_once('-') {
            Some((a, b)) => {
                let a: u64 = a.parse().ok()?;
                let b: u64 = b.parse().ok()?;
                count += b.checked_sub(a)? + 1;
            }
            None => {
                part.parse::<u64>().ok()?;
                count += 1;
            }
        }
    }
    Some(count)
}

/// cgroup v2 `memory.max` or v1 `memory.limit_in_bytes`, in bytes; `max` and v1's
/// "unlimited" (near `i64::MAX`) are no limit.
pub fn parse_memory_limit(text: &str) -> Option<u64> {
    let text = text.trim();
    if text == "max" {
        return None;
    }
    let limit: u64 = text.parse().ok()?;
    (limit > 0 && limit < (1 << 62)).then_some(limit)
}

/// A membership line of `/proc/self/cgroup`: `hierarchy-id:controllers:path`.
#[derive(Debug, Clone, PartialEq)]
pub struct CgroupMembership {
    /// The controllers; empty for the v2 hierarchy (`0::/path`).
    pub controllers: Vec<String>,
    pub path: String,
}

/// Parses `/proc/self/cgroup`.
pub fn parse_proc_self_cgroup(text: &str) -> Vec<CgroupMembership> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let _id = parts.next()?;
            let controllers = parts.next()?;
            let path = parts.next()?;
            Some(CgroupMembership {
                controllers: controllers
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(|c| c.strip_prefix("name=").unwrap_or(c).to_owned())
                    .collect(),
                path: path.to_owned(),
            })
        })
        .collect()
}

/// A cgroup file system mount from `/proc/self/mountinfo`.
#[derive(Debug, Clone, PartialEq)]
pub struct CgroupMount {
    /// The cgroup path mounted (`/` unless a sub-tree was bind-mounted).
    pub root: String,
    pub mount_point: PathBuf,
    /// `true` for cgroup2.
    pub v2: bool,
    /// The v1 controllers (from the super options).
    pub controllers: Vec<String>,
}

/// The cgroup and cgroup2 mounts of `/proc/self/mountinfo`.
pub fn parse_mountinfo(text: &str) -> Vec<CgroupMount> {
    text.lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let fields: Vec<&str> = left.split(' ').collect();
            let root = unescape_mount(fields.get(3)?);
            let mount_point = PathBuf::from(unescape_mount(fields.get(4)?));
            let mut right = right.split(' ');
            let fstype = right.next()?;
            let _source = right.next()?;
            let options = right.next().unwrap_or("");
            match fstype {
                "cgroup2" => Some(CgroupMount {
                    root,
                    mount_point,
                    v2: true,
                    controllers: Vec::new(),
                }),
                "cgroup" => Some(CgroupMount {
                    root,
                    mount_point,
                    v2: false,
                    controllers: options
                        .split(',')
                        .map(|o| o.strip_prefix("name=").unwrap_or(o).to_owned())
                        .collect(),
                }),
                _ => None,
            }
        })
        .collect()
}

/// Undoes mountinfo's octal escapes (`\040` for a space).
fn unescape_mount(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && let Some(digits) = text.get(i + 1..i + 4)
            && let Ok(byte) = u8::from_str_radix(digits, 8)
        {
            out.push(byte);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A cgroup's directories, from the cgroup itself up to the mount point.
struct CgroupDir {
    levels: Vec<PathBuf>,
}

/// Where the cgroup of `controller` (`None`: the v2 hierarchy) is mounted.
fn cgroup_dir(
    memberships: &[CgroupMembership],
    mounts: &[CgroupMount],
    controller: Option<&str>,
) -> Option<CgroupDir> {
    let (membership, mount) = match controller {
        None => (
            memberships.iter().find(|m| m.controllers.is_empty())?,
            mounts.iter().find(|m| m.v2)?,
        ),
        Some(c) => (
            memberships
                .iter()
                .find(|m| m.controllers.iter().any(|x| x == c))?,
            mounts
                .iter()
                .find(|m| !m.v2 && m.controllers.iter().any(|x| x == c))?,
        ),
    };
    // The membership path is relative to the hierarchy's root; the mount shows `root` of it.
    let relative = match membership
        .path
        .strip_prefix(mount.root.trim_end_matches('/'))
    {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        // Outside the mounted sub-tree (e.g. a cgroup namespace): use the mount itself.
        _ => "",
    };
    let mut dir = mount.mount_point.clone();
    let mut levels = vec![dir.clone()];
    for part in relative.split('/').filter(|p| !p.is_empty() && *p != "..") {
        dir.push(part);
        levels.push(dir.clone());
    }
    levels.reverse();
    Some(CgroupDir { levels })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const V2_MOUNTINFO: &str = "\
22 1 0:21 / /proc rw,nosuid - proc proc rw
30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate
40 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw";

    const V1_MOUNTINFO: &str = "\
31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:13 - cgroup cgroup rw,cpu,cpuacct
32 25 0:28 / /sys/fs/cgroup/memory rw,nosuid shared:14 - cgroup cgroup rw,memory
33 25 0:29 /docker/abc /sys/fs/cgroup/cpuset rw,nosuid shared:15 - cgroup cgroup rw,cpuset";

    fn probe<'a>(
        cgroup: &str,
        mountinfo: &str,
        read: &'a dyn Fn(&Path) -> Option<String>,
    ) -> Probe<'a> {
        Probe {
            online_cpus: Some(8),
            meminfo: Some("MemTotal:       16777216 kB\nMemFree: 1 kB\n".into()),
            proc_self_cgroup: cgroup.into(),
            mountinfo: mountinfo.into(),
            read,
        }
    }

    fn files(entries: &[(&str, &str)]) -> impl Fn(&Path) -> Option<String> + use<> {
        let map: HashMap<PathBuf, String> = entries
            .iter()
            .map(|(p, c)| (PathBuf::from(p), (*c).to_owned()))
            .collect();
        move |p: &Path| map.get(p).cloned()
    }

    #[test]
    fn memory_arithmetic() {
        assert_eq!(mem_megabytes(16 * GB), 15 * 1024);
        assert_eq!(mem_megabytes(2 * GB), 1024);
        assert_eq!(mem_megabytes(2 * GB - 1), 1023);
        assert_eq!(mem_megabytes(GB), 512);
        assert_eq!(mem_megabytes(0), 0);
    }

    #[test]
    fn disk_arithmetic() {
        assert_eq!(disk_megabytes(100 * GB), 95 * 1024);
        assert_eq!(disk_megabytes(10 * GB), 5 * 1024);
        assert_eq!(disk_megabytes(8 * GB), 4 * 1024);
        assert_eq!(disk_megabytes(3 * MB + 1), 1);
    }

    #[test]
    fn parses_cgroup_files() {
        assert_eq!(parse_cpu_max("max 100000\n"), None);
        assert_eq!(parse_cpu_max("150000 100000\n"), Some(1.5));
        assert_eq!(parse_cpu_max("50000"), Some(0.5));
        assert_eq!(parse_cpu_max("garbage 100000"), None);
        assert_eq!(parse_cfs("-1\n", "100000\n"), None);
        assert_eq!(parse_cfs("200000\n", "100000\n"), Some(2.0));
        assert_eq!(parse_cpuset("0-3,8,10-11\n"), Some(7));
        assert_eq!(parse_cpuset("5"), Some(1));
        assert_eq!(parse_cpuset(""), None);
        assert_eq!(parse_cpuset("3-1"), None);
        assert_eq!(parse_memory_limit("max\n"), None);
        assert_eq!(parse_memory_limit("4294967296\n"), Some(4 * GB));
        assert_eq!(parse_memory_limit("9223372036854771712\n"), None);
        assert_eq!(
            parse_meminfo_total("MemTotal:        2048 kB\n"),
            Some(2048 * 1024)
        );
        assert_eq!(parse_meminfo_total("MemFree: 1 kB\n"), None);
    }

    #[test]
    fn parses_memberships_and_mounts() {
        let m = parse_proc_self_cgroup("12:cpu,cpuacct:/docker/abc\n1:name=systemd:/x\n0::/\n");
        assert_eq!(m[0].controllers, vec!["cpu", "cpuacct"]);
        assert_eq!(m[0].path, "/docker/abc");
        assert_eq!(m[1].controllers, vec!["systemd"]);
        assert!(m[2].controllers.is_empty());
        let mounts = parse_mountinfo(V1_MOUNTINFO);
        assert_eq!(mounts.len(), 3);
        assert_eq!(
            mounts[0].mount_point,
            Path::new("/sys/fs/cgroup/cpu,cpuacct")
        );
        assert!(mounts[0].controllers.contains(&"cpu".to_owned()));
        assert_eq!(mounts[2].root, "/docker/abc");
        let v2 = parse_mountinfo(V2_MOUNTINFO);
        assert_eq!(v2.len(), 1);
        assert!(v2[0].v2);
        assert_eq!(unescape_mount("/mnt/a\\040b"), "/mnt/a b");
    }

    #[test]
    fn v2_limits_are_honoured() {
        let read = files(&[
            ("/sys/fs/cgroup/kubepods/pod1/cpu.max", "250000 100000\n"),
            ("/sys/fs/cgroup/kubepods/cpu.max", "max 100000\n"),
            ("/sys/fs/cgroup/kubepods/pod1/memory.max", "max\n"),
            ("/sys/fs/cgroup/kubepods/memory.max", "3221225472\n"),
            (
                "/sys/fs/cgroup/kubepods/pod1/cpuset.cpus.effective",
                "0-5\n",
            ),
        ]);
        let p = probe("0::/kubepods/pod1\n", V2_MOUNTINFO, &read);
        assert_eq!(
            p.cgroup_limits(),
            CgroupLimits {
                cpu_quota: Some(2.5),
                cpuset: Some(6),
                memory: Some(3 * GB),
            }
        );
        assert_eq!(p.cpus(), 2.5);
        assert_eq!(p.memory_bytes().unwrap(), 3 * GB);
        assert_eq!(mem_megabytes(p.memory_bytes().unwrap()), 2048);
    }

    #[test]
    fn v2_namespaced_cgroup_and_cpuset() {
        // Inside a cgroup namespace the process sees itself at `/`.
        let read = files(&[
            ("/sys/fs/cgroup/cpu.max", "max 100000\n"),
            ("/sys/fs/cgroup/cpuset.cpus.effective", "2-3\n"),
        ]);
        let p = probe("0::/\n", V2_MOUNTINFO, &read);
        assert_eq!(p.cpus(), 2.0);
        // No memory limit: the machine's total.
        assert_eq!(p.memory_bytes().unwrap(), 16 * GB);
    }

    #[test]
    fn v1_limits_are_honoured() {
        let read = files(&[
            (
                "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us",
                "50000\n",
            ),
            (
                "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us",
                "100000\n",
            ),
            ("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n"),
            ("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n"),
            (
                "/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes",
                "1073741824\n",
            ),
            (
                "/sys/fs/cgroup/memory/memory.limit_in_bytes",
                "9223372036854771712\n",
            ),
            // The cpuset hierarchy is bind-mounted at the container's own cgroup.
            ("/sys/fs/cgroup/cpuset/cpuset.cpus", "0\n"),
        ]);
        let cgroup = "4:cpuset:/docker/abc\n3:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n";
        let p = probe(cgroup, V1_MOUNTINFO, &read);
        assert_eq!(
            p.cgroup_limits(),
            CgroupLimits {
                cpu_quota: Some(0.5),
                cpuset: Some(1),
                memory: Some(GB),
            }
        );
        assert_eq!(p.cpus(), 0.5);
        assert_eq!(mem_megabytes(p.memory_bytes().unwrap()), 512);
    }

    #[test]
    fn no_cgroups_means_machine_counts() {
        let read = files(&[]);
        let mut p = probe("", "", &read);
        assert_eq!(p.cpus(), 8.0);
        assert_eq!(p.memory_bytes().unwrap(), 16 * GB);
        p.online_cpus = None;
        assert_eq!(p.cpus(), 1.0);
        p.meminfo = None;
        assert!(p.memory_bytes().is_err());
    }

    #[test]
    fn complete_fills_only_missing_resources() {
        let dir = std::env::temp_dir();
        let given = Resources::parse("cpus:3;mem:100;bugs:{a,b}", "*").unwrap();
        let done = complete(given, &dir);
        assert_eq!(done.cpus(), Some(3.0));
        assert_eq!(done.mem(), Some(100.0));
        assert!(done.disk().unwrap_or(0.0) > 0.0);
        assert_eq!(done.ports(), Some(Ranges::single(31000, 32000)));
        assert!(done.set("bugs").is_some());

        // A reserved `disk` counts as given.
        let given = Resources::parse("disk(spark):7;ports:[1-2]", "*").unwrap();
        let done = complete_for_role(given, &dir, "spark");
        assert_eq!(done.disk(), Some(7.0));
        assert_eq!(done.ports(), Some(Ranges::single(1, 2)));
        let cpus = done.named("cpus");
        assert!(cpus.iter().all(|r| r.reservation_role() == Some("spark")));
        assert!(done.mem().unwrap_or(0.0) > 0.0);
    }

    #[test]
    fn default_resources_for_this_machine() {
        let wd = std::env::temp_dir().join("detect-test-missing-dir/work");
        let r = default_resources(&wd).unwrap();
        assert!(r.cpus().unwrap() > 0.0);
        assert!(r.mem().unwrap() > 0.0);
        assert!(r.disk().unwrap() > 0.0);
        assert_eq!(r.ports(), Some(Ranges::single(31000, 32000)));
        let usage = filesystem_usage(&wd).unwrap();
        assert!((0.0..=1.0).contains(&usage));
    }
}
