//! Agent recovery: after a restart, find the checkpointed executors of frameworks that
//! checkpoint (`<work_dir>/meta/…`), let the live ones re-subscribe, replay unacknowledged
//! status updates, and report the dead ones' tasks as Mesos does.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use mesos_api::v1::{
    AgentId, ExecutorId, ExecutorInfo, FrameworkId, FrameworkInfo, TaskId, TaskInfo, TaskState,
};
use tracing::{info, warn};

use crate::agent::{Agent, Executor, ExecutorKind, Framework, Phase, TaskRecord, kill_process};

fn meta_root(agent: &Agent) -> PathBuf {
    crate::paths::meta_dir(&agent.config.work_dir).join("slaves")
}

/// Records the agent's id as the latest one (`meta/slaves/latest` and `slaves/latest`).
pub fn remember_agent_id(agent: &Agent, id: &AgentId) {
    let work_dir = &agent.config.work_dir;
    for root in [crate::paths::meta_dir(work_dir), work_dir.clone()] {
        if let Err(e) = crate::paths::create_agent_directory(&root, &id.value) {
            warn!(error = %e, "cannot record the agent's id");
        }
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{} is not valid: {e}", path.display()))
}

fn entries(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, PathBuf)> = read
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(name, _)| !name.starts_with('.') && name != "latest")
        .collect();
    out.sort();
    out
}

fn alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// Recovers the checkpointed state. With `--recover=cleanup` the live executors are killed.
/// Errors are fatal only with `--strict`.
pub fn recover(agent: &Arc<Agent>) -> Result<(), String> {
    let root = meta_root(agent);
    let Ok(target) = std::fs::read_link(root.join("latest")) else {
        return Ok(()); // a fresh agent
    };
    let agent_id = AgentId::new(target.to_string_lossy().into_owned());
    let agent_dir = root.join(&agent_id.value);
    let mut recovered: Vec<(FrameworkId, ExecutorId, Option<u32>)> = Vec::new();
    let mut frameworks = BTreeMap::new();
    for (_, framework_dir) in entries(&agent_dir.join("frameworks")) {
        let framework_info: FrameworkInfo = match read_json(&framework_dir.join("framework.info")) {
            Ok(info) => info,
            Err(e) if agent.config.strict => return Err(e),
            Err(e) => {
                warn!(error = %e, "skipping a framework that cannot be recovered");
                continue;
            }
        };
        let Some(framework_id) = framework_info.id.clone() else {
            continue;
        };
        let mut framework = Framework {
            info: framework_info,
            executors: BTreeMap::new(),
            completed_executors: VecDeque::new(),
        };
        for (_, executor_dir) in entries(&framework_dir.join("executors")) {
            match recover_executor(agent, &agent_id, &framework_id, &executor_dir) {
                Ok(Some(executor)) => {
                    recovered.push((
                        framework_id.clone(),
                        executor.info.executor_id.clone(),
                        executor.pid,
                    ));
                    framework
                        .executors
                        .insert(executor.info.executor_id.clone(), executor);
                }
                Ok(None) => {}
                Err(e) if agent.config.strict => return Err(e),
                Err(e) => warn!(error = %e, "skipping an executor that cannot be recovered"),
            }
        }
        if !framework.executors.is_empty() {
            frameworks.insert(framework_id, framework);
        }
    }
    {
        let mut state = agent.lock();
        state.agent_id = Some(agent_id.clone());
        state.frameworks = frameworks;
    }
    info!(agent = %agent_id, executors = recovered.len(), "recovered the checkpointed state");
    for (framework_id, executor_id, pid) in recovered {
        match pid.filter(|p| alive(*p)) {
            Some(pid) if agent.config.reconnect => watch(agent, framework_id, executor_id, pid),
            Some(pid) => {
                info!(executor = %executor_id, "--recover=cleanup: killing the executor");
                kill_process(Some(pid));
                agent.executor_exited(&framework_id, &executor_id, None);
            }
            None => agent.executor_exited(&framework_id, &executor_id, None),
        }
    }
    Ok(())
}

fn recover_executor(
    agent: &Agent,
    agent_id: &AgentId,
    framework_id: &FrameworkId,
    executor_dir: &Path,
) -> Result<Option<Executor>, String> {
    let info: ExecutorInfo = read_json(&executor_dir.join("executor.info"))?;
    let Ok(container) = std::fs::read_link(executor_dir.join("runs").join("latest")) else {
        return Ok(None);
    };
    let container_id = container.to_string_lossy().into_owned();
    let run = executor_dir.join("runs").join(&container_id);
    let pid = std::fs::read_to_string(run.join("pids").join("forked.pid"))
        .ok()
        .and_then(|p| p.trim().parse().ok());
    let mut tasks = BTreeMap::new();
    let mut completed = Vec::new();
    for (name, task_dir) in entries(&run.join("tasks")) {
        let task: TaskInfo = read_json(&task_dir.join("task.info"))?;
        let task_id = TaskId::new(name);
        let statuses =
            agent
                .lock()
                .updates
                .recover(framework_id, &task_id, &task_dir.join("task.updates"))?;
        let state = statuses.last().map_or(TaskState::Staging, |s| s.state);
        let record = TaskRecord {
            info: task,
            state,
            statuses,
            launched: true,
        };
        if agent.lock().updates.finished(framework_id, &task_id) {
            completed.push(record);
        } else {
            tasks.insert(task_id, record);
        }
    }
    let program = info
        .command
        .as_ref()
        .and_then(|c| c.value.as_deref())
        .unwrap_or_default();
    let kind = if program.ends_with("mesos-docker-executor") {
        ExecutorKind::Docker
    } else if program.ends_with("mesos-executor") {
        ExecutorKind::Command
    } else {
        ExecutorKind::Custom
    };
    let directory = agent
        .config
        .work_dir
        .join("slaves")
        .join(&agent_id.value)
        .join("frameworks")
        .join(&framework_id.value)
        .join("executors")
        .join(&info.executor_id.value)
        .join("runs")
        .join(&container_id);
    agent.attach_sandbox(framework_id, &info.executor_id, &directory);
    Ok(Some(Executor {
        info,
        kind,
        container_id,
        directory,
        phase: Phase::Registering,
        connection: None,
        tasks,
        completed_tasks: completed,
        pid,
        // Recovered executors keep the token they were given; it is not checkpointed, so
        // authentication is not enforced for them.
        token: String::new(),
        checkpoint: true,
        termination_reason: None,
        kill_requested: false,
        pending_kills: Vec::new(),
    }))
}

/// Waits for a recovered executor to re-subscribe within `--executor_reregistration_timeout`,
/// and notices when its process (not our child any more) exits.
fn watch(agent: &Arc<Agent>, framework_id: FrameworkId, executor_id: ExecutorId, pid: u32) {
    let agent = Arc::clone(agent);
    tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + agent.config.executor_reregistration_timeout;
        let mut reregistered = false;
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            if !alive(pid) {
                agent.executor_exited(&framework_id, &executor_id, None);
                return;
            }
            if !reregistered {
                let subscribed = agent
                    .lock()
                    .frameworks
                    .get(&framework_id)
                    .and_then(|f| f.executors.get(&executor_id))
                    .is_some_and(|e| e.connection.is_some());
                if subscribed {
                    reregistered = true;
                } else if tokio::time::Instant::now() >= deadline {
                    warn!(executor = %executor_id, "recovered executor did not re-subscribe in time");
                    {
                        let mut state = agent.lock();
                        if let Some(executor) = state
                            .frameworks
                            .get_mut(&framework_id)
                            .and_then(|f| f.executors.get_mut(&executor_id))
                        {
                            executor.termination_reason = Some((
                                mesos_api::v1::TaskStatusReason::ExecutorReregistrationTimeout,
                                "Executor did not re-register after the agent restarted".into(),
                            ));
                        }
                    }
                    kill_process(Some(pid));
                }
            }
        }
    });
}
